/*
 * tb_store_transition.c — one transition, one transaction.
 *
 * Lock the application row (SELECT … FOR UPDATE), load its state, its
 * definition (the version it started with), its form and the calendar,
 * run tb_engine_step, then write everything the step decided: the task
 * rows, the timer rows, the audit event (hash chain), the new state, and a
 * NOTIFY on channel "tongban" — all before one COMMIT. Concurrent events on
 * one application queue on the row lock, so a join is decided exactly once.
 */
#include "tb_store_int.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static const tb_store_stmt S_LOCK_APP = {
    "tr_lock_app",
    "SELECT id, definition_id, definition_version, form::text, state::text, "
    "audit_seq, audit_hash FROM applications WHERE number = $1 FOR UPDATE",
    1};
static const tb_store_stmt S_UPDATE_APP = {
    "tr_update_app",
    "UPDATE applications SET state = $2::jsonb, status = $3, warning = $4, "
    "deadline = $5::date, statutory_deadline = $6::date, "
    "audit_seq = $7::integer, audit_hash = decode($8, 'hex'), "
    "updated_at = now() WHERE id = $1::bigint",
    8};
static const tb_store_stmt S_TASK_CREATE = {
    "tr_task_create",
    "INSERT INTO tasks (application_id, branch, step, round, branch_id, "
    "task_id, name, bureau, deadline) VALUES ($1::bigint, $2::smallint, "
    "$3::smallint, $4::integer, $5, $6, $7, $8, $9::date) "
    "ON CONFLICT (application_id, branch, step, round) DO UPDATE SET "
    "state = 'open', claimant = NULL, claimed_at = NULL, decided_at = NULL, "
    "decided_by = NULL, decision = NULL, comment = NULL, items = NULL, "
    "deadline = EXCLUDED.deadline",
    9};
static const tb_store_stmt S_TASK_CANCEL = {
    "tr_task_cancel",
    "UPDATE tasks SET state = 'cancelled' WHERE application_id = $1::bigint "
    "AND branch = $2::smallint AND step = $3::smallint AND round = "
    "$4::integer AND state IN ('open', 'claimed')",
    4};
static const tb_store_stmt S_TASK_CLAIM = {
    "tr_task_claim",
    "UPDATE tasks SET state = 'claimed', claimant = $5::bigint, "
    "claimed_at = now() WHERE application_id = $1::bigint AND branch = "
    "$2::smallint AND step = $3::smallint AND round = $4::integer",
    5};
static const tb_store_stmt S_TASK_DECIDE = {
    "tr_task_decide",
    "UPDATE tasks SET state = 'decided', decision = $5, decided_by = "
    "$6::bigint, decided_at = now(), comment = $7, items = $8::jsonb "
    "WHERE application_id = $1::bigint AND branch = $2::smallint AND step = "
    "$3::smallint AND round = $4::integer",
    8};
static const tb_store_stmt S_TIMER_SET = {
    "tr_timer_set",
    "INSERT INTO timers (application_id, kind, subject, due_at) VALUES "
    "($1::bigint, $2, $3::smallint, to_timestamp($4::bigint)) "
    "ON CONFLICT (application_id, kind, subject) DO UPDATE SET "
    "due_at = EXCLUDED.due_at",
    4};
static const tb_store_stmt S_TIMER_DROP = {
    "tr_timer_drop",
    "DELETE FROM timers WHERE application_id = $1::bigint AND kind = $2 AND "
    "subject = $3::smallint",
    3};
static const tb_store_stmt S_TIMER_DELETE = {
    "tr_timer_delete", "DELETE FROM timers WHERE id = $1::bigint", 1};
static const tb_store_stmt S_NOTIFY = {"tr_notify",
                                       "SELECT pg_notify('tongban', $1)", 1};
static const tb_store_stmt S_SERIAL = {
    "tr_serial",
    "INSERT INTO app_serials (region, day, last) VALUES ($1, $2::date, 1) "
    "ON CONFLICT (region, day) DO UPDATE SET last = app_serials.last + 1 "
    "RETURNING last",
    2};
static const tb_store_stmt S_APP_INSERT = {
    "tr_app_insert",
    "INSERT INTO applications (number, definition_id, definition_version, "
    "applicant_kind, applicant_name, applicant_id_number, form, state, "
    "status, channel, tracking_code_hash) VALUES ($1, $2, $3::integer, $4, "
    "$5, $6, $7::jsonb, $8::jsonb, $9, $10, decode($11, 'hex'))",
    11};
static const tb_store_stmt S_APP_STATE = {
    "tr_app_state",
    "SELECT state::text, definition_id, definition_version FROM applications "
    "WHERE number = $1",
    1};
static const tb_store_stmt S_TASK_GET = {
    "tr_task_get",
    "SELECT t.id, a.number, t.branch, t.step, t.round, t.bureau, t.state "
    "FROM tasks t JOIN applications a ON a.id = t.application_id "
    "WHERE t.id = $1::bigint",
    1};

static const char *const warning_names[] = {"none", "yellow", "red"};

/* ---- small formatting helpers ---------------------------------------- */

typedef struct {
  char v[24];
} num;

static num i64(int64_t v) {
  num n;
  snprintf(n.v, sizeof n.v, "%lld", (long long)v);
  return n;
}

/* A tb_day as "YYYY-MM-DD", or NULL (SQL NULL) for 0 = not set. */
static const char *day_or_null(tb_day d, char buf[11]) {
  if (d == 0)
    return NULL;
  tb_date_format(d, buf);
  return buf;
}

static const char *warning_name(unsigned w) {
  return w < 3 ? warning_names[w] : "none";
}

/* The ids of the materials whose bits are set, as a JSON array. */
static json_t *material_ids(const tb_definition *def, uint64_t bits) {
  json_t *a = json_array();
  for (size_t i = 0; i < def->n_materials && i < 64; i++)
    if (bits & (UINT64_C(1) << i))
      json_array_append_new(a, json_string(def->materials[i].id));
  return a;
}

static json_t *branch_ids(const tb_definition *def, unsigned bits) {
  json_t *a = json_array();
  for (size_t i = 0; i < def->n_branches && i < 16; i++)
    if (bits & (1u << i))
      json_array_append_new(a, json_string(def->branches[i].id));
  return a;
}

static const char *branch_id(const tb_definition *def, unsigned b) {
  return b < def->n_branches ? def->branches[b].id : "?";
}

/* ---- the form ---------------------------------------------------------- */

/* Parse a stored form (an object of strings) into form. Strings point into
 * obj, which must outlive the form. */
static tb_status decode_form(const tb_definition *def, const json_t *obj,
                             tb_day today, tb_form *form, tb_problem *p) {
  memset(form, 0, sizeof *form);
  for (size_t i = 0; i < def->n_fields && i < TB_MAX_FIELDS; i++) {
    const json_t *v = json_object_get(obj, def->fields[i].id);
    if (!v)
      continue;
    if (!json_is_string(v))
      return tb_problem_set(p, TB_ERR_INVALID, def->fields[i].id,
                            "expected a string");
    tb_status st =
        tb_value_parse(&def->fields[i], json_string_value(v),
                       json_string_length(v), today, &form->values[i], p);
    if (st != TB_OK)
      return st;
  }
  return TB_OK;
}

/* The shortest "%.*e" text of x (finite, not zero) that reads back as x. */
static void shortest_scientific(double x, char *buf, size_t cap) {
  for (int prec = 0; prec < 17; prec++) {
    snprintf(buf, cap, "%.*e", prec, x);
    if (strtod(buf, NULL) == x)
      return;
  }
  snprintf(buf, cap, "%.16e", x);
}

bool tb_store_number_text(double x, char *buf, size_t cap) {
  if (cap > 0)
    buf[0] = '\0';
  if (!isfinite(x) || cap < TB_STORE_NUMBER_MAX_DIGITS + 4)
    return false;
  if (x == 0) {
    snprintf(buf, cap, "0");
    return true;
  }
  char sci[40], digits[24];
  shortest_scientific(x, sci, sizeof sci); /* "-d.ddde+XX" */
  const char *p = sci + (sci[0] == '-');
  size_t nd = 0;
  for (; *p && *p != 'e' && nd < sizeof digits; p++)
    if (*p != '.')
      digits[nd++] = *p;
  long exp = *p == 'e' ? strtol(p + 1, NULL, 10) : 0;
  while (nd > 1 && digits[nd - 1] == '0')
    nd--;
  /* digits d1 d2 … times 10^(exp - nd + 1), written out in full */
  long total =
      exp >= 0 ? (exp + 1 > (long)nd ? exp + 1 : (long)nd) : (long)nd - exp;
  if (total > TB_STORE_NUMBER_MAX_DIGITS)
    return false;
  size_t o = 0;
  if (x < 0)
    buf[o++] = '-';
  if (exp < 0) {
    buf[o++] = '0';
    buf[o++] = '.';
    for (long z = 0; z < -exp - 1; z++)
      buf[o++] = '0';
  }
  for (long i = 0; i < (long)nd || i <= exp; i++) {
    if (exp >= 0 && i == exp + 1)
      buf[o++] = '.';
    buf[o++] = i < (long)nd ? digits[i] : '0';
  }
  buf[o] = '\0';
  return true;
}

/* One submitted value as the text tb_value_parse reads; NULL with *why
 * set when it cannot be one. */
static json_t *normalize_value(const json_t *v, const char **why) {
  char buf[64];
  *why = "expected a string, number, boolean or list of strings";
  switch (json_typeof(v)) {
  case JSON_STRING:
    return json_incref((json_t *)v);
  case JSON_INTEGER:
    snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return json_string(buf);
  case JSON_REAL:
    if (tb_store_number_text(json_real_value(v), buf, sizeof buf))
      return json_string(buf);
    *why = "must have at most 30 digits when written out in full "
           "(no exponent)";
    return NULL;
  case JSON_TRUE:
    return json_string("true");
  case JSON_FALSE:
    return json_string("false");
  case JSON_ARRAY: {
    size_t cap = 4096, len = 0;
    char *joined = tb_xcalloc(1, cap);
    for (size_t i = 0; i < json_array_size(v); i++) {
      const json_t *e = json_array_get(v, i);
      size_t n = json_is_string(e) ? json_string_length(e) : 0;
      if (!json_is_string(e) || len + n + 2 > cap) {
        free(joined);
        return NULL;
      }
      if (i)
        joined[len++] = ',';
      memcpy(joined + len, json_string_value(e), n);
      len += n;
    }
    json_t *s = json_stringn(joined, len);
    free(joined);
    return s;
  }
  default:
    return NULL;
  }
}

/* The submitted form as an object of strings; unknown fields refused. */
static json_t *normalize_form(const tb_definition *def, const char *text,
                              tb_problem *p) {
  json_error_t err;
  json_t *in = json_loads(text ? text : "{}", JSON_REJECT_DUPLICATES, &err);
  if (!json_is_object(in)) {
    tb_problem_set(p, TB_ERR_INVALID, "form", "the form must be a JSON object");
    json_decref(in);
    return NULL;
  }
  json_t *out = json_object();
  const char *key;
  json_t *v;
  json_object_foreach(in, key, v) {
    if (json_is_null(v))
      continue;
    json_t *n = NULL;
    const char *why = NULL;
    if (tb_definition_field(def, key, strlen(key)) < 0)
      tb_problem_set(p, TB_ERR_INVALID, key, "'%s' is not a field of %s", key,
                     def->id);
    else if (!(n = normalize_value(v, &why)))
      tb_problem_set(p, TB_ERR_INVALID, key, "%s", why);
    if (!n) {
      json_decref(in);
      json_decref(out);
      return NULL;
    }
    json_object_set_new(out, key, n);
  }
  json_decref(in);
  return out;
}

/* ---- the audit payload --------------------------------------------------- */

static json_t *event_json(const tb_definition *def, const tb_event *ev) {
  json_t *o = json_object();
  json_object_set_new(o, "at", json_integer(ev->at));
  switch (ev->kind) {
  case TB_EV_SUBMIT:
    json_object_set_new(o, "channel",
                        json_string(ev->channel ? "online" : "window"));
    json_object_set_new(o, "materials", material_ids(def, ev->materials));
    json_object_set_new(o, "from_license", material_ids(def, ev->from_license));
    break;
  case TB_EV_ACCEPT:
    json_object_set_new(o, "gaps", material_ids(def, ev->materials));
    json_object_set_new(o, "committed", material_ids(def, ev->committed));
    break;
  case TB_EV_SUPPLEMENT:
  case TB_EV_REQUEST_SUPPLEMENT:
    json_object_set_new(o, "materials", material_ids(def, ev->materials));
    break;
  case TB_EV_CLAIM:
  case TB_EV_APPROVE:
  case TB_EV_DENY:
  case TB_EV_RETURN:
    json_object_set_new(o, "branch", json_string(branch_id(def, ev->branch)));
    json_object_set_new(o, "step", json_integer(ev->step));
    if (ev->kind == TB_EV_RETURN)
      json_object_set_new(o, "materials", material_ids(def, ev->materials));
    break;
  case TB_EV_SUSPEND:
    json_object_set_new(o, "special",
                        json_string(ev->special < TB_SPECIAL_KIND_COUNT
                                        ? tb_special_kind_name(ev->special)
                                        : "?"));
    break;
  case TB_EV_TIMER:
    json_object_set_new(o, "timer",
                        json_string(ev->timer < TB_TIMER_KIND_COUNT
                                        ? tb_timer_kind_name(ev->timer)
                                        : "?"));
    json_object_set_new(o, "subject", json_integer(ev->subject));
    break;
  case TB_EV_RATE:
    json_object_set_new(o, "rating", json_integer(ev->rating));
    break;
  default:
    break;
  }
  return o;
}

static json_t *effect_json(const tb_definition *def, const tb_effect *e) {
  json_t *o = json_object();
  char date[11];
  switch (e->kind) {
  case TB_EFFECT_CREATE_TASK:
  case TB_EFFECT_CANCEL_TASK:
    json_object_set_new(o, "effect",
                        json_string(e->kind == TB_EFFECT_CREATE_TASK
                                        ? "create_task"
                                        : "cancel_task"));
    json_object_set_new(o, "branch", json_string(branch_id(def, e->branch)));
    json_object_set_new(o, "step", json_integer(e->step));
    json_object_set_new(o, "round", json_integer(e->round));
    if (e->kind == TB_EFFECT_CREATE_TASK && e->deadline) {
      tb_date_format(e->deadline, date);
      json_object_set_new(o, "deadline", json_string(date));
    }
    break;
  case TB_EFFECT_SCHEDULE_TIMER:
  case TB_EFFECT_CANCEL_TIMER:
    json_object_set_new(o, "effect",
                        json_string(e->kind == TB_EFFECT_SCHEDULE_TIMER
                                        ? "schedule_timer"
                                        : "cancel_timer"));
    json_object_set_new(o, "timer", json_string(tb_timer_kind_name(e->timer)));
    json_object_set_new(o, "subject", json_integer(e->subject));
    if (e->kind == TB_EFFECT_SCHEDULE_TIMER)
      json_object_set_new(o, "at", json_integer(e->at));
    break;
  case TB_EFFECT_ISSUE_LICENSE:
    json_object_set_new(o, "effect", json_string("issue_license"));
    json_object_set_new(o, "license",
                        json_string(e->license < def->n_licenses
                                        ? def->licenses[e->license].type_code
                                        : "?"));
    break;
  case TB_EFFECT_NOTIFY:
    json_object_set_new(o, "effect", json_string("notify"));
    json_object_set_new(o, "notice",
                        json_string(tb_notice_kind_name(e->notice)));
    if (e->materials)
      json_object_set_new(o, "materials", material_ids(def, e->materials));
    if (e->branches)
      json_object_set_new(o, "branches", branch_ids(def, e->branches));
    break;
  default:
    json_object_set_new(o, "effect", json_integer(e->kind));
  }
  return o;
}

/* The payload text (compact JSON, malloc'ed); the audit writer stores it
 * in its canonical form. */
static char *audit_payload(const tb_store_outcome *o, const tb_event *ev,
                           json_t *data) {
  json_t *p = json_object();
  json_object_set_new(p, "event", event_json(o->def, ev));
  json_object_set_new(
      p, "from",
      json_string(tb_app_status_name((tb_app_status)o->before.status)));
  json_object_set_new(
      p, "to", json_string(tb_app_status_name((tb_app_status)o->after.status)));
  json_object_set_new(p, "definition",
                      json_sprintf("%s@%u", o->def->id, o->def->version));
  json_t *effects = json_array();
  for (size_t i = 0; i < o->effects.n; i++)
    json_array_append_new(effects, effect_json(o->def, &o->effects.items[i]));
  json_object_set_new(p, "effects", effects);
  if (data)
    json_object_set(p, "data", data);
  char *text = json_dumps(p, JSON_COMPACT);
  json_decref(p);
  return text;
}

/* ---- writing what the step decided --------------------------------------- */

static tb_store_status create_task(tb_store *s, const tb_store_outcome *o,
                                   const tb_effect *e) {
  const tb_definition *def = o->def;
  if (e->branch >= def->n_branches ||
      e->step >= def->branches[e->branch].n_tasks) {
    tb_store_log("%s: effect names an unknown task %u/%u", o->number, e->branch,
                 e->step);
    return TB_STORE_ERROR;
  }
  const tb_branch_def *b = &def->branches[e->branch];
  const tb_task_def *t = &b->tasks[e->step];
  char date[11];
  num app = i64(o->application_id), br = i64(e->branch), st = i64(e->step),
      rd = i64(e->round);
  const char *params[] = {app.v,
                          br.v,
                          st.v,
                          rd.v,
                          b->id,
                          t->id,
                          t->name ? t->name : t->id,
                          b->bureau,
                          day_or_null(e->deadline, date)};
  return tb_store_exec(s, &S_TASK_CREATE, params, NULL);
}

static tb_store_status apply_effect(tb_store *s, const tb_store_outcome *o,
                                    const tb_effect *e) {
  num app = i64(o->application_id);
  switch (e->kind) {
  case TB_EFFECT_CREATE_TASK:
    return create_task(s, o, e);
  case TB_EFFECT_CANCEL_TASK: {
    num br = i64(e->branch), st = i64(e->step), rd = i64(e->round);
    const char *params[] = {app.v, br.v, st.v, rd.v};
    return tb_store_exec(s, &S_TASK_CANCEL, params, NULL);
  }
  case TB_EFFECT_SCHEDULE_TIMER: {
    num sub = i64(e->subject), at = i64(e->at);
    const char *params[] = {app.v, tb_timer_kind_name(e->timer), sub.v, at.v};
    return tb_store_exec(s, &S_TIMER_SET, params, NULL);
  }
  case TB_EFFECT_CANCEL_TIMER: {
    num sub = i64(e->subject);
    const char *params[] = {app.v, tb_timer_kind_name(e->timer), sub.v};
    return tb_store_exec(s, &S_TIMER_DROP, params, NULL);
  }
  case TB_EFFECT_ISSUE_LICENSE: /* signed and stored in this transaction */
    return tb_store_license_issue(s, o, e);
  default: /* notices: in the audit payload and the outcome */
    return TB_STORE_OK;
  }
}

/* The task row the event acted on (claim, approve, deny, return). */
static tb_store_status update_task(tb_store *s, const tb_store_outcome *o,
                                   const tb_event *ev, const tb_store_actor *a,
                                   const json_t *data) {
  if (ev->kind != TB_EV_CLAIM && ev->kind != TB_EV_APPROVE &&
      ev->kind != TB_EV_DENY && ev->kind != TB_EV_RETURN)
    return TB_STORE_OK;
  if (ev->branch >= TB_MAX_BRANCHES)
    return TB_STORE_ERROR;
  num app = i64(o->application_id), br = i64(ev->branch), st = i64(ev->step),
      rd = i64(o->before.branches[ev->branch].round), who = i64(a->id);
  if (ev->kind == TB_EV_CLAIM) {
    const char *params[] = {app.v, br.v, st.v, rd.v, who.v};
    return tb_store_exec(s, &S_TASK_CLAIM, params, NULL);
  }
  const char *decision = ev->kind == TB_EV_APPROVE ? "approve"
                         : ev->kind == TB_EV_DENY  ? "deny"
                                                   : "return";
  const json_t *comment = data ? json_object_get(data, "comment") : NULL;
  char *items = NULL;
  if (ev->kind == TB_EV_RETURN) {
    json_t *ids = material_ids(o->def, ev->materials);
    items = json_dumps(ids, JSON_COMPACT);
    json_decref(ids);
  }
  const char *params[] = {app.v,
                          br.v,
                          st.v,
                          rd.v,
                          decision,
                          who.v,
                          json_is_string(comment) ? json_string_value(comment)
                                                  : NULL,
                          items};
  tb_store_status rc = tb_store_exec(s, &S_TASK_DECIDE, params, NULL);
  free(items);
  return rc;
}

static tb_store_status write_app(tb_store *s, const tb_store_outcome *o,
                                 int32_t seq, const uint8_t hash[32]) {
  char *state = tb_store_state_encode(&o->after);
  char d1[11], d2[11], hex[65];
  tb_hex_encode(hash, 32, hex);
  num app = i64(o->application_id), sq = i64(seq);
  const char *params[] = {app.v,
                          state,
                          tb_app_status_name((tb_app_status)o->after.status),
                          warning_name(o->after.warning),
                          day_or_null(o->after.deadline, d1),
                          day_or_null(o->after.statutory_deadline, d2),
                          sq.v,
                          hex};
  tb_store_status rc = tb_store_exec(s, &S_UPDATE_APP, params, NULL);
  free(state);
  return rc;
}

static tb_store_status notify(tb_store *s, const tb_store_outcome *o,
                              const char *action) {
  json_t *n = json_pack("{s:s, s:i, s:s, s:s, s:s}", "number", o->number, "seq",
                        (int)o->seq, "action", action, "status",
                        tb_app_status_name((tb_app_status)o->after.status),
                        "warning", warning_name(o->after.warning));
  char *text = json_dumps(n, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(n);
  const char *params[] = {text};
  tb_store_status rc = tb_store_exec(s, &S_NOTIFY, params, NULL);
  free(text);
  return rc;
}

/* ---- the transition ------------------------------------------------------ */

typedef struct {
  int64_t id;
  char def_id[64];
  uint32_t def_version;
  json_t *form;
  tb_app_state state;
  int32_t audit_seq;
  uint8_t audit_hash[32];
} locked_app;

static tb_store_status lock_app(tb_store *s, const char *number,
                                locked_app *a) {
  const char *params[] = {number};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_LOCK_APP, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(r) != 1) {
    PQclear(r);
    return TB_STORE_NOT_FOUND;
  }
  int64_t version = 0, seq = 0;
  tb_store_parse_i64(PQgetvalue(r, 0, 0), &a->id);
  tb_store_copy(a->def_id, sizeof a->def_id, PQgetvalue(r, 0, 1));
  tb_store_parse_i64(PQgetvalue(r, 0, 2), &version);
  a->def_version = (uint32_t)version;
  json_error_t err;
  a->form = json_loads(PQgetvalue(r, 0, 3), 0, &err);
  bool ok = json_is_object(a->form) &&
            tb_store_state_decode(PQgetvalue(r, 0, 4), &a->state);
  tb_store_parse_i64(PQgetvalue(r, 0, 5), &seq);
  a->audit_seq = (int32_t)seq;
  memset(a->audit_hash, 0, 32);
  if (!PQgetisnull(r, 0, 6))
    ok = ok && tb_store_unhex_bytea(PQgetvalue(r, 0, 6), a->audit_hash, 32);
  PQclear(r);
  if (!ok) {
    tb_store_log("application %s: stored form or state is unreadable", number);
    return TB_STORE_ERROR;
  }
  return TB_STORE_OK;
}

typedef struct {
  const char *number;
  const tb_event *ev;
  const tb_store_actor *actor;
  json_t *data;     /* the caller's payload, parsed */
  int64_t timer_id; /* > 0: firing this timer row */
  tb_store_outcome *out;
} step_job;

/* Everything after a successful step. */
static tb_store_status write_all(tb_store *s, step_job *j, locked_app *a,
                                 const tb_event *ev) {
  tb_store_outcome *o = j->out;
  tb_store_status rc = update_task(s, o, ev, j->actor, j->data);
  for (size_t i = 0; rc == TB_STORE_OK && i < o->effects.n; i++)
    rc = apply_effect(s, o, &o->effects.items[i]);
  if (rc != TB_STORE_OK)
    return rc;
  char *payload = audit_payload(o, ev, j->data);
  tb_store_audit_event ae = {.application_id = a->id,
                             .number = o->number,
                             .prev_seq = a->audit_seq,
                             .actor = j->actor,
                             .action = tb_event_kind_name(ev->kind),
                             .payload = payload,
                             .at_us = tb_store_now_us()};
  memcpy(ae.prev_hash, a->audit_hash, 32);
  uint8_t hash[32];
  rc = tb_store_audit_append(s, &ae, &o->seq, hash);
  free(payload);
  if (rc == TB_STORE_OK)
    rc = write_app(s, o, o->seq, hash);
  if (rc == TB_STORE_OK)
    rc = notify(s, o, tb_event_kind_name(ev->kind));
  return rc;
}

static tb_store_status run_step(tb_store *s, step_job *j, locked_app *a) {
  tb_store_outcome *o = j->out;
  const tb_calendar *cal = NULL;
  tb_store_status rc =
      tb_store_def_cached(s, a->def_id, a->def_version, &o->def);
  if (rc == TB_STORE_OK)
    rc = tb_store_calendar_get(s, &cal);
  if (rc != TB_STORE_OK)
    return rc == TB_STORE_NOT_FOUND ? TB_STORE_ERROR : rc;
  tb_form form;
  if (decode_form(o->def, a->form, 0, &form, &o->problem) != TB_OK) {
    tb_store_log("application %s: stored form does not load: %s", j->number,
                 o->problem.detail);
    return TB_STORE_ERROR;
  }
  o->application_id = a->id;
  tb_store_copy(o->number, sizeof o->number, j->number);
  o->before = a->state;
  o->after = a->state;
  tb_event ev = *j->ev;
  if (ev.at == 0)
    ev.at = tb_store_now_us() / 1000000;
  tb_context ctx = {.def = o->def, .calendar = cal, .form = &form};
  o->engine = tb_engine_step(&ctx, &o->after, &ev, &o->effects, &o->problem);
  if (j->timer_id > 0) {
    num id = i64(j->timer_id);
    const char *params[] = {id.v};
    rc = tb_store_exec(s, &S_TIMER_DELETE, params, NULL);
    if (rc != TB_STORE_OK)
      return rc;
  }
  if (o->engine == TB_IGNORED || (o->engine != TB_OK && j->timer_id > 0)) {
    if (o->engine != TB_IGNORED)
      tb_store_log("timer %s/%u of %s refused: %s",
                   tb_timer_kind_name(ev.timer), ev.subject, j->number,
                   o->problem.detail);
    o->after = o->before;
    return TB_STORE_OK;
  }
  if (o->engine != TB_OK)
    return TB_STORE_REFUSED;
  return write_all(s, j, a, &ev);
}

static tb_store_status step_locked(tb_store *s, step_job *j) {
  tb_store_outcome *o = j->out;
  memset(o, 0, sizeof *o);
  locked_app a = {0};
  tb_store_status rc = lock_app(s, j->number, &a);
  if (rc == TB_STORE_OK)
    rc = run_step(s, j, &a);
  json_decref(a.form);
  return rc;
}

/* Parse the caller's payload: NULL or a JSON object. */
static tb_store_status parse_payload(const char *payload, json_t **out,
                                     tb_store_outcome *o) {
  *out = NULL;
  if (!payload)
    return TB_STORE_OK;
  json_error_t err;
  *out = json_loads(payload, JSON_REJECT_DUPLICATES, &err);
  if (!json_is_object(*out)) {
    json_decref(*out);
    *out = NULL;
    memset(o, 0, sizeof *o);
    tb_problem_set(&o->problem, TB_ERR_INVALID, "payload",
                   "the payload must be a JSON object");
    return TB_STORE_INVALID;
  }
  return TB_STORE_OK;
}

tb_store_status tb_store_transition_in(tb_store *s, const char *number,
                                       const tb_event *ev,
                                       const tb_store_actor *actor,
                                       const char *payload,
                                       tb_store_outcome *out) {
  step_job j = {number, ev, actor, NULL, 0, out};
  tb_store_status rc = parse_payload(payload, &j.data, out);
  if (rc == TB_STORE_OK)
    rc = step_locked(s, &j);
  json_decref(j.data);
  return rc;
}

tb_store_status tb_store_fire_timer_in(tb_store *s, const char *number,
                                       int64_t timer_id, const tb_event *ev,
                                       tb_store_outcome *out) {
  static const tb_store_actor scheduler = {0, "scheduler", "system", NULL};
  step_job j = {number, ev, &scheduler, NULL, timer_id, out};
  return step_locked(s, &j);
}

typedef struct {
  step_job job;
  tb_store_after_fn after;
  void *cls;
} transition_txn;

static tb_store_status transition_body(tb_store *s, void *cls) {
  transition_txn *t = cls;
  tb_store_status rc = step_locked(s, &t->job);
  if (rc == TB_STORE_OK && t->after && t->job.out->seq > 0)
    rc = t->after(s, t->job.out, t->cls);
  return rc;
}

tb_store_status
tb_store_transition(tb_store *s, const char *number, const tb_event *ev,
                    const tb_store_actor *actor, const char *payload,
                    tb_store_after_fn after, void *cls, tb_store_outcome *out) {
  transition_txn t = {{number, ev, actor, NULL, 0, out}, after, cls};
  tb_store_status rc = parse_payload(payload, &t.job.data, out);
  if (rc == TB_STORE_OK)
    rc = tb_store_run_transaction(s, transition_body, &t);
  json_decref(t.job.data);
  return rc;
}

/* ---- creating an application --------------------------------------------- */

/* A new tracking code: each character uniform over the alphabet, by
 * rejection sampling (bytes ≥ 248 = 8 · 31 are drawn again, so that
 * `byte % 31` is not biased towards the first letters). */
static void tracking_code(char out[TB_STORE_TRACKING_CODE_LEN + 1]) {
  static const char alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
  enum { LETTERS = sizeof alphabet - 1, LIMIT = 256 - 256 % LETTERS };
  size_t n = 0;
  while (n < TB_STORE_TRACKING_CODE_LEN) {
    uint8_t bytes[2 * TB_STORE_TRACKING_CODE_LEN];
    if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes) {
      tb_store_log("getrandom failed");
      abort();
    }
    for (size_t i = 0; i < sizeof bytes && n < TB_STORE_TRACKING_CODE_LEN; i++)
      if (bytes[i] < LIMIT)
        out[n++] = alphabet[bytes[i] % LETTERS];
  }
  out[TB_STORE_TRACKING_CODE_LEN] = '\0';
}

static void tracking_hash(const char *number, const char *code, char hex[65]) {
  uint8_t sum[32];
  tb_store_tracking_digest(number, code, sum);
  tb_hex_encode(sum, 32, hex);
}

typedef struct {
  const tb_store_new_application *a;
  const tb_store_actor *actor;
  const tb_definition *def;
  const char *form;
  tb_day today;
  const char *code;
  tb_store_outcome *out;
} create_job;

static tb_store_status next_number(tb_store *s, tb_day today,
                                   char number[TB_APP_NUMBER_LEN + 1]) {
  char date[11];
  tb_date_format(today, date);
  const char *params[] = {s->region, date};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_SERIAL, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  int64_t serial = 0;
  tb_store_parse_i64(PQgetvalue(r, 0, 0), &serial);
  PQclear(r);
  if (tb_id_make_app_number(s->region, today, (uint32_t)serial, number) !=
      TB_OK) {
    tb_store_log("cannot make an application number (region %s)", s->region);
    return TB_STORE_ERROR;
  }
  return TB_STORE_OK;
}

static tb_store_status create_body(tb_store *s, void *cls) {
  create_job *j = cls;
  char number[TB_APP_NUMBER_LEN + 1], hex[65];
  tb_store_status rc = next_number(s, j->today, number);
  if (rc != TB_STORE_OK)
    return rc;
  tracking_hash(number, j->code, hex);
  tb_app_state empty;
  memset(&empty, 0, sizeof empty);
  char *state = tb_store_state_encode(&empty);
  char version[16];
  snprintf(version, sizeof version, "%u", j->def->version);
  const char *params[] = {
      number,
      j->def->id,
      version,
      j->a->kind == TB_APPLICANT_ORGANIZATION ? "organization" : "person",
      j->a->name,
      j->a->id_number,
      j->form,
      state,
      tb_app_status_name(TB_APP_NONE),
      j->a->channel == TB_CHANNEL_ONLINE ? "online" : "window",
      hex};
  rc = tb_store_exec(s, &S_APP_INSERT, params, NULL);
  free(state);
  if (rc != TB_STORE_OK)
    return rc;
  tb_event ev = {.kind = TB_EV_SUBMIT,
                 .at = j->a->at,
                 .actor = j->actor->id,
                 .channel = (uint8_t)j->a->channel,
                 .materials = j->a->materials,
                 .from_license = j->a->from_license};
  step_job sj = {number, &ev, j->actor, NULL, 0, j->out};
  return step_locked(s, &sj);
}

static tb_status check_applicant(const tb_definition *def,
                                 const tb_store_new_application *a,
                                 tb_day today, tb_problem *p) {
  if (!a->name || !*a->name || strlen(a->name) > 200)
    return tb_problem_set(p, TB_ERR_INVALID, "applicant.name",
                          "the applicant's name is missing or too long");
  if ((def->applicant == TB_APPLICANT_PERSON &&
       a->kind != TB_APPLICANT_PERSON) ||
      (def->applicant == TB_APPLICANT_ORGANIZATION &&
       a->kind != TB_APPLICANT_ORGANIZATION) ||
      a->kind == TB_APPLICANT_EITHER)
    return tb_problem_set(p, TB_ERR_INVALID, "applicant.kind",
                          "%s is not open to this kind of applicant", def->id);
  const char *id = a->id_number ? a->id_number : "";
  tb_status st = a->kind == TB_APPLICANT_PERSON
                     ? tb_id_check_citizen(id, strlen(id), today, p)
                     : tb_id_check_credit_code(id, strlen(id), p);
  if (st != TB_OK)
    tb_store_copy(p->field, sizeof p->field, "applicant.id_number");
  return st;
}

/* Check the applicant and the form; on success *form is the normalized
 * form text (malloc'ed). */
static tb_store_status prepare_create(const tb_definition *def,
                                      const tb_store_new_application *a,
                                      tb_day today, char **form,
                                      tb_problem *p) {
  if (check_applicant(def, a, today, p) != TB_OK)
    return TB_STORE_INVALID;
  json_t *obj = normalize_form(def, a->form, p);
  if (!obj)
    return TB_STORE_INVALID;
  tb_form f;
  tb_status st = decode_form(def, obj, today, &f, p);
  if (st == TB_OK)
    st = tb_form_check(def, &f, today, p);
  if (st == TB_OK)
    *form = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(obj);
  return st == TB_OK ? TB_STORE_OK : TB_STORE_INVALID;
}

/* Everything a creation needs before its transaction: the definition, the
 * day, and the checked, normalized form (malloc'ed in *form). */
static tb_store_status create_prepare(tb_store *s,
                                      const tb_store_new_application *a,
                                      tb_store_new_application *copy,
                                      const tb_definition **def, tb_day *today,
                                      char **form, tb_store_outcome *out) {
  memset(out, 0, sizeof *out);
  *form = NULL;
  const tb_calendar *cal = NULL;
  tb_store_status rc = tb_store_definition_get(s, a->definition_id, 0, def);
  if (rc == TB_STORE_NOT_FOUND)
    tb_problem_set(&out->problem, TB_ERR_INVALID, "service",
                   "there is no service '%s'", a->definition_id);
  if (rc == TB_STORE_OK)
    rc = tb_store_calendar_get(s, &cal);
  if (rc != TB_STORE_OK)
    return rc;
  *copy = *a;
  if (copy->at == 0)
    copy->at = tb_store_now_us() / 1000000;
  *today = tb_calendar_day_of(cal, copy->at);
  return prepare_create(*def, copy, *today, form, &out->problem);
}

tb_store_status tb_store_application_create(
    tb_store *s, const tb_store_new_application *a, const tb_store_actor *actor,
    tb_store_outcome *out,
    char tracking_code_out[TB_STORE_TRACKING_CODE_LEN + 1]) {
  tb_store_new_application copy;
  const tb_definition *def = NULL;
  tb_day today = 0;
  char *form = NULL;
  tb_store_status rc = create_prepare(s, a, &copy, &def, &today, &form, out);
  if (rc != TB_STORE_OK)
    return rc;
  char code[TB_STORE_TRACKING_CODE_LEN + 1];
  tracking_code(code);
  create_job j = {&copy, actor, def, form, today, code, out};
  rc = tb_store_run_transaction(s, create_body, &j);
  free(form);
  if (rc == TB_STORE_OK && tracking_code_out)
    memcpy(tracking_code_out, code, sizeof code);
  return rc;
}

tb_store_status tb_store_application_create_in(
    tb_store *s, const tb_store_new_application *a, const tb_store_actor *actor,
    tb_store_outcome *out,
    char tracking_code_out[TB_STORE_TRACKING_CODE_LEN + 1]) {
  tb_store_new_application copy;
  const tb_definition *def = NULL;
  tb_day today = 0;
  char *form = NULL;
  tb_store_status rc = create_prepare(s, a, &copy, &def, &today, &form, out);
  if (rc != TB_STORE_OK)
    return rc;
  char code[TB_STORE_TRACKING_CODE_LEN + 1];
  tracking_code(code);
  create_job j = {&copy, actor, def, form, today, code, out};
  rc = create_body(s, &j);
  free(form);
  if (rc == TB_STORE_OK && tracking_code_out)
    memcpy(tracking_code_out, code, sizeof code);
  return rc;
}

/* ---- reading ----------------------------------------------------------------
 */

tb_store_status tb_store_application_state(tb_store *s, const char *number,
                                           tb_app_state *state,
                                           const tb_definition **def) {
  const char *params[] = {number};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_APP_STATE, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(r) != 1) {
    PQclear(r);
    return TB_STORE_NOT_FOUND;
  }
  bool ok = tb_store_state_decode(PQgetvalue(r, 0, 0), state);
  char id[64];
  int64_t version = 0;
  tb_store_copy(id, sizeof id, PQgetvalue(r, 0, 1));
  tb_store_parse_i64(PQgetvalue(r, 0, 2), &version);
  PQclear(r);
  if (!ok)
    return TB_STORE_ERROR;
  if (def)
    return tb_store_def_cached(s, id, (uint32_t)version, def);
  return TB_STORE_OK;
}

tb_store_status tb_store_task_get(tb_store *s, int64_t id, tb_store_task *t) {
  num n = i64(id);
  const char *params[] = {n.v};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_TASK_GET, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(r) != 1) {
    PQclear(r);
    return TB_STORE_NOT_FOUND;
  }
  int64_t v;
  memset(t, 0, sizeof *t);
  tb_store_parse_i64(PQgetvalue(r, 0, 0), &t->id);
  tb_store_copy(t->number, sizeof t->number, PQgetvalue(r, 0, 1));
  tb_store_parse_i64(PQgetvalue(r, 0, 2), &v);
  t->branch = (uint8_t)v;
  tb_store_parse_i64(PQgetvalue(r, 0, 3), &v);
  t->step = (uint8_t)v;
  tb_store_parse_i64(PQgetvalue(r, 0, 4), &v);
  t->round = (uint16_t)v;
  tb_store_copy(t->bureau, sizeof t->bureau, PQgetvalue(r, 0, 5));
  tb_store_copy(t->state, sizeof t->state, PQgetvalue(r, 0, 6));
  PQclear(r);
  return TB_STORE_OK;
}
