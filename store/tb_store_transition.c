/*
 * tb_store_transition.c — one transition, one transaction.
 *
 * Lock the application row (SELECT … FOR UPDATE), load its state, its
 * definition (the version it started with), its form and the calendar,
 * run tb_engine_step, then write everything the step decided: the task
 * rows, the timer rows, the audit event (hash chain), the new state, and a
 * change event (event_tail) — all before one COMMIT, as deferred writes
 * that go with it in one round trip. Concurrent events on one application
 * queue on the row lock, so a join is decided exactly once.
 */
#include "tb_store_int.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* with the calendar's version (tb_store_calendar_meta): the step's
 * calendar costs no round trip of its own */
static const tb_store_stmt S_LOCK_APP = {
    "tr_lock_app",
    "SELECT a.id, a.definition_id, a.definition_version, a.form::text, "
    "a.state::text, a.audit_seq, a.audit_hash, m.version, m.utc_offset, "
    "coalesce(m.covered_until - date '1970-01-01', 0) FROM applications a "
    "LEFT JOIN calendar_meta m ON true WHERE a.number = $1 FOR UPDATE OF a",
    1};
static const tb_store_stmt S_UPDATE_APP = {
    "tr_update_app",
    "UPDATE applications SET state = $2::jsonb, status = $3, warning = $4, "
    "deadline = $5::date, statutory_deadline = $6::date, "
    "audit_seq = $7::integer, audit_hash = decode($8, 'hex'), "
    "updated_at = now(), accepted_at = to_timestamp(nullif($9::bigint, 0)), "
    "finished_at = to_timestamp(nullif($10::bigint, 0)), "
    "accepted_by = coalesce(nullif($11::bigint, 0), accepted_by) "
    "WHERE id = $1::bigint",
    11};
static const tb_store_stmt S_TASK_CARD = {
    "tr_task_card",
    "UPDATE tasks SET warning = $5, deadline = $6::date WHERE application_id "
    "= $1::bigint AND branch = $2::smallint AND step = $3::smallint AND "
    "round = $4::integer AND state IN ('open', 'claimed')",
    6};
static const tb_store_stmt S_TASK_CLAIM = {
    "tr_task_claim",
    "UPDATE tasks SET state = 'claimed', claimant = $5::bigint, "
    "claimed_at = to_timestamp($6::bigint) WHERE application_id = $1::bigint "
    "AND branch = $2::smallint AND step = $3::smallint AND round = "
    "$4::integer AND slot = $7::smallint AND state IN ('open', 'claimed')",
    7};
static const tb_store_stmt S_TASK_DECIDE = {
    "tr_task_decide",
    "UPDATE tasks SET state = 'decided', decision = $5, decided_by = "
    "$6::bigint, decided_at = to_timestamp($10::bigint), comment = $7, "
    "items = $8::jsonb, outputs = $9::jsonb WHERE application_id = "
    "$1::bigint AND branch = $2::smallint AND step = $3::smallint AND "
    "round = $4::integer AND slot = $11::smallint AND state IN ('open', "
    "'claimed')",
    11};
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
/* $3: the pool, 'staff' or 'public' (sql/0014_intake.sql) */
static const tb_store_stmt S_SERIAL = {
    "tr_serial",
    "INSERT INTO app_serials (region, day, pool, last) "
    "VALUES ($1, $2::date, $3, 1) ON CONFLICT (region, day, pool) "
    "DO UPDATE SET last = app_serials.last + 1 RETURNING last",
    3};
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
static const tb_store_stmt S_APP_DEF = {
    "tr_app_def",
    "SELECT definition_id, definition_version FROM applications "
    "WHERE number = $1",
    1};
static const tb_store_stmt S_TASK_FIND = {
    "tr_task_find",
    "SELECT t.id, a.number, t.bureau, a.definition_id, a.definition_version, "
    "t.branch, t.step FROM tasks t JOIN applications a "
    "ON a.id = t.application_id "
    "WHERE t.id = $1::bigint",
    1};
/* under the application's lock: the task as it is now (sent in the lock's
 * round trip, after it; $2 the application's number) */
static const tb_store_stmt S_TASK_LOCKED = {
    "tr_task_locked",
    "SELECT branch, step, bureau, round, state, slot, serial, "
    "coalesce(delegate_of, 0), taken_back_at IS NOT NULL, "
    "coalesce((SELECT username FROM accounts WHERE id = delegate_of), ''), "
    "coalesce((SELECT username FROM accounts WHERE id = coalesce(assignee, "
    "claimant)), assignee_name, '') FROM tasks WHERE "
    "id = $1::bigint AND application_id = (SELECT id FROM applications "
    "WHERE number = $2)",
    2};
/* under the application's lock: the open task of a branch, if any (the
 * newest of the same slot first) */
static const tb_store_stmt S_TASK_CURRENT = {
    "tr_task_current",
    "SELECT id FROM tasks WHERE application_id = $1::bigint AND branch = "
    "$2::smallint AND state IN ('open', 'claimed') ORDER BY slot = "
    "$3::smallint DESC, id DESC LIMIT 1",
    3};

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

/* The form given at intake, parsed and checked against def (fields
 * declared same-as="applicant" against the applicant's number): *stored
 * gets it as an object of the given texts (field id → text), the form
 * the store keeps. Unknown fields and values that do not parse are
 * TB_ERR_INVALID naming "form.ID". */
static tb_status build_form(const tb_definition *def, const tb_store_form *in,
                            const char *applicant, tb_day today,
                            json_t **stored, tb_problem *p) {
  *stored = NULL;
  json_t *obj = json_object();
  for (size_t i = 0; in && i < in->n; i++) {
    const tb_store_form_value *v = &in->values[i];
    if (!v->id || !v->text)
      continue;
    if (tb_definition_field(def, v->id, strlen(v->id)) < 0 ||
        json_object_get(obj, v->id)) {
      json_decref(obj);
      return tb_problem_set(p, TB_ERR_INVALID, "form",
                            "'%s' is not a field "
                            "of %s, or is given twice",
                            v->id, def->id);
    }
    json_object_set_new(obj, v->id, json_string(v->text));
  }
  tb_form f;
  tb_status st = decode_form(def, obj, today, &f, p);
  if (st == TB_OK)
    st = tb_form_check(def, &f, today, p);
  if (st == TB_OK)
    st = tb_form_check_same_as(def, &f, applicant, strlen(applicant), p);
  if (st != TB_OK) {
    if (p->field[0] && strncmp(p->field, "form.", 5) != 0) {
      char field[sizeof p->field + 8];
      snprintf(field, sizeof field, "form.%s", p->field);
      tb_store_copy(p->field, sizeof p->field, field);
    }
    json_decref(obj);
    return st;
  }
  *stored = obj;
  return TB_OK;
}

/* ---- branch outputs ------------------------------------------------------ */

/* The given output called id, or NULL. */
static const char *given_output(const tb_store_form *in, const char *id) {
  for (size_t i = 0; in && i < in->n && i < TB_MAX_FIELDS; i++)
    if (in->values[i].id && strcmp(in->values[i].id, id) == 0)
      return in->values[i].text;
  return NULL;
}

static tb_status output_problem(tb_problem *p, const char *id,
                                const char *detail) {
  char field[sizeof p->field];
  snprintf(field, sizeof field, "outputs.%s", id);
  return tb_problem_set(p, TB_ERR_INVALID, field, "%s", detail);
}

/* An approval's outputs against the task's <output> declarations: every
 * given id declared, every required one given, every value valid. *out
 * gets them as an object (id → text), or NULL when the task declares
 * none and none is given. */
static tb_status check_outputs(const tb_definition *def, const tb_event *ev,
                               const tb_store_notes *notes, tb_day today,
                               json_t **out, tb_problem *p) {
  const tb_store_form *in = notes ? notes->outputs : NULL;
  *out = NULL;
  if (ev->kind != TB_EV_APPROVE || ev->branch >= def->n_branches ||
      ev->step >= def->branches[ev->branch].n_tasks)
    return in && in->n ? output_problem(p, in->values[0].id,
                                        "only an approval records outputs")
                       : TB_OK;
  const tb_task_def *t = &def->branches[ev->branch].tasks[ev->step];
  for (size_t i = 0; in && i < in->n && i < TB_MAX_FIELDS; i++) {
    bool known = false;
    for (size_t k = 0; k < t->n_outputs; k++)
      known = known || strcmp(t->outputs[k].id, in->values[i].id) == 0;
    if (!known)
      return output_problem(p, in->values[i].id,
                            "is not an output of the task");
  }
  json_t *obj = json_object();
  for (size_t k = 0; k < t->n_outputs; k++) {
    const tb_field *f = &t->outputs[k];
    const char *text = given_output(in, f->id);
    tb_value v;
    tb_problem q = {0};
    tb_status st =
        tb_value_parse(f, text, text ? strlen(text) : 0, today, &v, &q);
    if (st == TB_OK && !v.present && f->required)
      st = tb_problem_set(&q, TB_ERR_INVALID, f->id, "is required");
    if (st != TB_OK) {
      json_decref(obj);
      return output_problem(p, f->id, q.detail);
    }
    if (v.present)
      json_object_set_new(obj, f->id, json_string(text));
  }
  if (t->n_outputs == 0) {
    json_decref(obj);
    obj = NULL;
  }
  *out = obj;
  return TB_OK;
}

/* ---- the audit payload --------------------------------------------------- */

/* The items of the open notice still owed in a state. */
static uint64_t owed_items(const tb_app_state *st) {
  return st->notice & ~st->notice_supplied;
}

/* The id of step `step` of branch b, or "?". */
static const char *step_id(const tb_definition *def, unsigned b,
                           unsigned step) {
  return b < def->n_branches && step < def->branches[b].n_tasks
             ? def->branches[b].tasks[step].id
             : "?";
}

/* What a verb of a branch did (issue 14), beside its branch and step:
 * the task's slot and serial, the officer it names, and for 退回 and 撤回
 * the step ids from → to. target: the officer's user name, or NULL. */
static void verb_json(json_t *o, const tb_store_outcome *out,
                      const tb_event *ev, const char *target) {
  const tb_definition *def = out->def;
  json_object_set_new(o, "slot", json_integer(ev->slot));
  json_object_set_new(o, "serial", json_integer(ev->serial));
  if (target)
    json_object_set_new(o, "target", json_string(target));
  if (ev->kind == TB_EV_ADD_SIGNER)
    json_object_set_new(o, "position",
                        json_string(ev->position == TB_ADD_BEFORE ? "before"
                                    : ev->position == TB_ADD_AFTER
                                        ? "after"
                                        : "parallel"));
  if (ev->kind != TB_EV_SEND_BACK && ev->kind != TB_EV_TAKE_BACK)
    return;
  if (ev->branch >= TB_MAX_BRANCHES)
    return;
  unsigned from = out->before.branches[ev->branch].step,
           to = out->after.branches[ev->branch].step;
  json_object_set_new(o, "from_step",
                      json_string(step_id(def, ev->branch, from)));
  json_object_set_new(o, "to_step", json_string(step_id(def, ev->branch, to)));
}

static bool is_verb(tb_event_kind kind) {
  return kind >= TB_EV_TRANSFER && kind <= TB_EV_TAKE_BACK;
}

static json_t *event_json(const tb_store_outcome *out, const tb_event *ev,
                          const char *target) {
  const tb_definition *def = out->def;
  json_t *o = json_object();
  json_object_set_new(o, "at", json_integer(ev->at));
  switch (ev->kind) {
  case TB_EV_SUBMIT:
    json_object_set_new(o, "channel",
                        json_string(ev->channel ? "online" : "window"));
    json_object_set_new(o, "materials", material_ids(def, ev->materials));
    json_object_set_new(o, "from_license", material_ids(def, ev->from_license));
    json_object_set_new(o, "tolerated", material_ids(def, ev->tolerated));
    json_object_set_new(o, "committed", material_ids(def, ev->committed));
    break;
  case TB_EV_ACCEPT: /* what was applied, and whose choice it was */
    json_object_set_new(o, "gaps", material_ids(def, out->after.gaps));
    json_object_set_new(o, "committed",
                        material_ids(def, out->after.committed));
    json_object_set_new(o, "choices",
                        json_string(ev->stored_choices ? "stored" : "request"));
    break;
  case TB_EV_SUPPLEMENT:
    json_object_set_new(o, "materials", material_ids(def, ev->materials));
    json_object_set_new(o, "owed", material_ids(def, owed_items(&out->after)));
    if (ev->actor == 0) /* the applicant, online with the tracking code */
      json_object_set_new(o, "channel", json_string("online"));
    break;
  case TB_EV_REQUEST_SUPPLEMENT:
    json_object_set_new(o, "materials", material_ids(def, ev->materials));
    break;
  case TB_EV_CLOSE_NOTICE: /* the items no longer asked for */
    json_object_set_new(o, "waived",
                        material_ids(def, owed_items(&out->before)));
    break;
  case TB_EV_CLAIM:
  case TB_EV_APPROVE:
  case TB_EV_DENY:
  case TB_EV_RETURN:
    json_object_set_new(o, "branch", json_string(branch_id(def, ev->branch)));
    json_object_set_new(o, "step", json_integer(ev->step));
    if (ev->kind == TB_EV_RETURN)
      json_object_set_new(o, "materials", material_ids(def, ev->materials));
    if (ev->serial)
      verb_json(o, out, ev, NULL);
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
    if (is_verb(ev->kind)) {
      json_object_set_new(o, "branch", json_string(branch_id(def, ev->branch)));
      json_object_set_new(o, "step", json_integer(ev->step));
      json_object_set_new(o, "step_id",
                          json_string(step_id(def, ev->branch, ev->step)));
      verb_json(o, out, ev, target);
    }
    break;
  }
  return o;
}

/* A task effect's slot, serial and who may take it (create) or why it
 * closed (cancel); nothing for an effect of a state from before the
 * slots (serial 0). */
static void task_effect_json(json_t *o, const tb_effect *e) {
  if (e->serial == 0)
    return;
  json_object_set_new(o, "slot", json_integer(e->slot));
  json_object_set_new(o, "serial", json_integer(e->serial));
  if (e->kind == TB_EFFECT_CANCEL_TASK) {
    json_object_set_new(o, "reason",
                        json_string(tb_store_close_reason_name(e->reason)));
    return;
  }
  json_object_set_new(o, "signer",
                      json_string(tb_store_signer_kind_name(e->signer_kind)));
  if (e->waiting)
    json_object_set_new(o, "waiting", json_true());
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
    task_effect_json(o, e);
    break;
  case TB_EFFECT_OPEN_TASK:
    json_object_set_new(o, "effect", json_string("open_task"));
    json_object_set_new(o, "branch", json_string(branch_id(def, e->branch)));
    json_object_set_new(o, "serial", json_integer(e->serial));
    if (e->deadline) {
      tb_date_format(e->deadline, date);
      json_object_set_new(o, "deadline", json_string(date));
    }
    break;
  case TB_EFFECT_COPY:
    json_object_set_new(o, "effect", json_string("copy"));
    json_object_set_new(o, "branch", json_string(branch_id(def, e->branch)));
    json_object_set_new(o, "step",
                        json_string(step_id(def, e->branch, e->step)));
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

/* One note as a JSON value. */
static json_t *note_json(const tb_store_note *n) {
  switch (n->kind) {
  case TB_STORE_NOTE_TEXT:
    return n->text ? json_string(n->text) : json_null();
  case TB_STORE_NOTE_INTEGER:
    return json_integer((json_int_t)n->integer);
  case TB_STORE_NOTE_BOOLEAN:
    return json_boolean(n->integer);
  case TB_STORE_NOTE_TEXTS: {
    json_t *a = json_array();
    for (size_t i = 0; i < n->n_texts; i++)
      json_array_append_new(a, json_string(n->texts[i] ? n->texts[i] : ""));
    return a;
  }
  default:
    return json_null();
  }
}

/* The notes as the event's "data" object. */
static json_t *notes_json(const tb_store_notes *notes) {
  json_t *o = json_object();
  for (size_t i = 0; i < notes->n && i < TB_STORE_MAX_NOTES; i++)
    if (notes->items[i].name)
      json_object_set_new(o, notes->items[i].name, note_json(&notes->items[i]));
  return o;
}

/* The text of the note called name, or NULL. */
static const char *note_text(const tb_store_notes *notes, const char *name) {
  for (size_t i = 0; notes && i < notes->n && i < TB_STORE_MAX_NOTES; i++)
    if (notes->items[i].name && strcmp(notes->items[i].name, name) == 0 &&
        notes->items[i].kind == TB_STORE_NOTE_TEXT)
      return notes->items[i].text;
  return NULL;
}

/* One moved deadline: {"old": date, "new": date} (plus the extra keys). */
static json_t *move_json(tb_day before, tb_day after) {
  char d1[11], d2[11];
  tb_date_format(before, d1);
  tb_date_format(after, d2);
  return json_pack("{s:s, s:s}", "old", d1, "new", d2);
}

/* What a recompute moved: the application's two deadlines, each open
 * task's and each tolerated gap's date that changed, old and new. */
static json_t *deadline_moves(const tb_store_outcome *o) {
  const tb_app_state *a = &o->before, *b = &o->after;
  json_t *m = json_object();
  if (a->deadline != b->deadline)
    json_object_set_new(m, "deadline", move_json(a->deadline, b->deadline));
  if (a->statutory_deadline != b->statutory_deadline)
    json_object_set_new(
        m, "statutory_deadline",
        move_json(a->statutory_deadline, b->statutory_deadline));
  json_t *tasks = json_array();
  for (size_t i = 0; i < b->n_branches && i < o->def->n_branches; i++)
    if (a->branches[i].deadline != b->branches[i].deadline) {
      json_t *t = move_json(a->branches[i].deadline, b->branches[i].deadline);
      json_object_set_new(t, "branch", json_string(o->def->branches[i].id));
      json_array_append_new(tasks, t);
    }
  json_object_set_new(m, "tasks", tasks);
  json_t *gaps = json_array();
  for (size_t i = 0; i < o->def->n_materials; i++)
    if (a->gap_due[i] != b->gap_due[i]) {
      json_t *g = move_json(a->gap_due[i], b->gap_due[i]);
      json_object_set_new(g, "material", json_string(o->def->materials[i].id));
      json_array_append_new(gaps, g);
    }
  json_object_set_new(m, "gaps", gaps);
  return m;
}

/* The payload text (compact JSON, malloc'ed); the audit writer stores it
 * in its canonical form. */
static char *audit_payload(const tb_store_outcome *o, const tb_event *ev,
                           const char *target, const tb_store_notes *notes,
                           json_t *outputs, json_t *verifications) {
  json_t *p = json_object();
  json_object_set_new(p, "event", event_json(o, ev, target));
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
  if (notes && notes->n)
    json_object_set_new(p, "data", notes_json(notes));
  if (outputs)
    json_object_set(p, "outputs", outputs);
  if (ev->kind == TB_EV_RECOMPUTE)
    json_object_set_new(p, "deadlines", deadline_moves(o));
  if (ev->kind == TB_EV_RESUME) { /* the end of a special procedure: the
                                     moved deadlines and the working days
                                     paused (the window shows them) */
    json_t *m = deadline_moves(o);
    json_object_set_new(
        m, "paused_days",
        json_integer((json_int_t)o->after.paused_days - o->before.paused_days));
    json_object_set_new(p, "deadlines", m);
  }
  if (verifications) /* 事后核查 opened by an approval */
    json_object_set(p, "verifications", verifications);
  char *text = json_dumps(p, JSON_COMPACT);
  json_decref(p);
  return text;
}

/* ---- writing what the step decided --------------------------------------- */

static tb_store_status apply_effect(tb_store *s, const tb_store_outcome *o,
                                    const tb_effect *e) {
  num app = i64(o->application_id);
  switch (e->kind) {
  case TB_EFFECT_CREATE_TASK:
  case TB_EFFECT_CANCEL_TASK:
  case TB_EFFECT_OPEN_TASK:
  case TB_EFFECT_COPY:
    return tb_store_task_effect_in(s, o, e);
  case TB_EFFECT_SCHEDULE_TIMER: {
    num sub = i64(e->subject), at = i64(e->at);
    const char *params[] = {app.v, tb_timer_kind_name(e->timer), sub.v, at.v};
    return tb_store_exec_deferred(s, &S_TIMER_SET, params);
  }
  case TB_EFFECT_CANCEL_TIMER: {
    num sub = i64(e->subject);
    const char *params[] = {app.v, tb_timer_kind_name(e->timer), sub.v};
    return tb_store_exec_deferred(s, &S_TIMER_DROP, params);
  }
  case TB_EFFECT_ISSUE_LICENSE: /* signed and stored in this transaction */
    return tb_store_license_issue(s, o, e);
  default: /* notices: in the audit payload and the outcome */
    return TB_STORE_OK;
  }
}

/* What a task event read under the lock besides the event itself. */
typedef struct {
  int64_t task_id;     /* > 0: the task the event acts on */
  int64_t delegate_of; /* its row's delegator (委派), 0: none */
  char target[65];     /* the officer a verb names (user name), "" none */
} task_ctx;

/* A task event named by branch and step (no task id: the store's own
 * callers and states from before the slots): the open row of the step's
 * slot in the round (claim, approve, deny, return). */
static tb_store_status update_step_task(tb_store *s, const tb_store_outcome *o,
                                        const tb_event *ev,
                                        const tb_store_actor *a,
                                        const char *comment, const char *items,
                                        const char *outputs) {
  if (ev->kind != TB_EV_CLAIM && ev->kind != TB_EV_APPROVE &&
      ev->kind != TB_EV_DENY && ev->kind != TB_EV_RETURN)
    return TB_STORE_OK;
  if (ev->branch >= TB_MAX_BRANCHES)
    return TB_STORE_ERROR;
  num app = i64(o->application_id), br = i64(ev->branch), st = i64(ev->step),
      rd = i64(o->before.branches[ev->branch].round), who = i64(a->id),
      at = i64(ev->at), /* the event's time: the engine's clock */
      sl = i64(ev->slot);
  if (ev->kind == TB_EV_CLAIM) {
    const char *params[] = {app.v, br.v, st.v, rd.v, who.v, at.v, sl.v};
    return tb_store_exec_deferred(s, &S_TASK_CLAIM, params);
  }
  const char *decision = ev->kind == TB_EV_APPROVE ? "approve"
                         : ev->kind == TB_EV_DENY  ? "deny"
                                                   : "return";
  const char *params[] = {app.v,   br.v,  st.v,    rd.v, decision, who.v,
                          comment, items, outputs, at.v, sl.v};
  return tb_store_exec_deferred(s, &S_TASK_DECIDE, params);
}

/* The task row the event acted on: by its id when the event named one
 * (every verb), else by branch and step. A 退回 records the step id it
 * went back to; a 转办 / 委派 whom it went to, a 委派 resolved the
 * delegator it went back to. */
static tb_store_status update_task(tb_store *s, const tb_store_outcome *o,
                                   const task_ctx *c, const tb_event *ev,
                                   const tb_store_actor *a,
                                   const tb_store_notes *notes,
                                   const char *outputs) {
  const char *comment = note_text(notes, "comment");
  if (!comment)
    comment = note_text(notes, "reason");
  char *items = NULL;
  if (ev->kind == TB_EV_RETURN) {
    json_t *ids = material_ids(o->def, ev->materials);
    items = json_dumps(ids, JSON_COMPACT);
    json_decref(ids);
  }
  tb_store_status rc;
  if (c->task_id > 0) {
    tb_store_task_act act = {
        .task_id = c->task_id,
        .ev = ev,
        .actor = a->id,
        .comment = comment,
        .items = items,
        .outputs = outputs,
        .handed_to = ev->kind == TB_EV_RESOLVE ? c->delegate_of : ev->target,
        .back_to = ev->kind == TB_EV_SEND_BACK
                       ? step_id(o->def, ev->branch, ev->to_step)
                       : NULL};
    rc = tb_store_task_acted_in(s, &act);
  } else {
    rc = update_step_task(s, o, ev, a, comment, items, outputs);
  }
  free(items);
  return rc;
}

/* Whether this transition's CREATE_TASK effects already wrote every
 * open task of branch b as the state now has it (their INSERTs carry the
 * card): one per open slot (one at least, for a state without slots). */
static bool created_as_now(const tb_store_outcome *o, size_t b) {
  const tb_branch_state *y = &o->after.branches[b];
  size_t created = 0, open = 0;
  for (size_t i = 0; i < o->effects.n; i++) {
    const tb_effect *e = &o->effects.items[i];
    if (e->kind == TB_EFFECT_CREATE_TASK && e->branch == b &&
        e->step == y->step && e->round == y->round &&
        e->deadline == y->deadline && !e->waiting)
      created++;
  }
  for (size_t k = 0; k < y->n_slots && k < TB_MAX_SIGNERS; k++)
    open += y->slots[k].status == TB_SLOT_OPEN;
  return created > 0 && created >= open;
}

/* Keep each open task's row (its card and deadline) equal to its
 * branch's state: written where the step changed either, unless the
 * task was just created that way. */
static tb_store_status sync_tasks(tb_store *s, const tb_store_outcome *o) {
  num app = i64(o->application_id);
  for (size_t b = 0; b < o->after.n_branches && b < TB_MAX_BRANCHES; b++) {
    const tb_branch_state *x = &o->before.branches[b],
                          *y = &o->after.branches[b];
    if (y->status != TB_BRANCH_ACTIVE ||
        (x->status == y->status && x->step == y->step && x->round == y->round &&
         x->warning == y->warning && x->deadline == y->deadline) ||
        created_as_now(o, b))
      continue;
    char date[11];
    num br = i64(b), st = i64(y->step), rd = i64(y->round);
    const char *params[] = {app.v,
                            br.v,
                            st.v,
                            rd.v,
                            warning_name(y->warning),
                            day_or_null(y->deadline, date)};
    tb_store_status rc = tb_store_exec_deferred(s, &S_TASK_CARD, params);
    if (rc != TB_STORE_OK)
      return rc;
  }
  return TB_STORE_OK;
}

/* The new state and chain head, with the statistics' columns: the
 * instants of acceptance and of the end, and who accepted (accepted_by
 * 0: unchanged). */
static tb_store_status write_app(tb_store *s, const tb_store_outcome *o,
                                 int32_t seq, const uint8_t hash[32],
                                 int64_t accepted_by) {
  char *state = tb_store_state_encode(&o->after);
  char d1[11], d2[11], hex[65];
  tb_hex_encode(hash, 32, hex);
  num app = i64(o->application_id), sq = i64(seq),
      acc = i64(o->after.accepted_at), fin = i64(o->after.finished_at),
      by = i64(accepted_by);
  const char *params[] = {app.v,
                          state,
                          tb_app_status_name((tb_app_status)o->after.status),
                          warning_name(o->after.warning),
                          day_or_null(o->after.deadline, d1),
                          day_or_null(o->after.statutory_deadline, d2),
                          sq.v,
                          hex,
                          acc.v,
                          fin.v,
                          by.v};
  tb_store_status rc = tb_store_exec_deferred(s, &S_UPDATE_APP, params);
  free(state);
  return rc;
}

static tb_store_status notify(tb_store *s, const tb_store_outcome *o,
                              const char *action) {
  return tb_store_notify_change(s, o->number, o->seq, action, &o->after);
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
  const tb_calendar *cal; /* the handle's, as of the lock */
  PGresult *task;         /* a task event's S_TASK_LOCKED, or NULL */
} locked_app;

/* Lock the application's row and read it; a task event reads its task
 * in the same round trip, right after the lock. */
static tb_store_status lock_app(tb_store *s, const char *number,
                                int64_t task_id, locked_app *a) {
  const char *params[] = {number};
  PGresult *r;
  tb_store_status rc;
  if (task_id > 0) {
    num id = i64(task_id);
    const char *task[] = {id.v, number};
    rc = tb_store_exec_pair(s, &S_LOCK_APP, params, &r, &S_TASK_LOCKED, task,
                            &a->task);
    if (rc == TB_STORE_OK && PQntuples(r) != 1) {
      PQclear(r);
      rc = TB_STORE_NOT_FOUND;
    }
  } else {
    rc = tb_store_exec_row(s, &S_LOCK_APP, params, &r);
  }
  if (rc != TB_STORE_OK)
    return rc;
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
  rc = tb_store_calendar_meta(s, r, 0, 7, &a->cal);
  PQclear(r);
  if (rc != TB_STORE_OK)
    return rc;
  if (!ok) {
    tb_log_kv(TB_LOG_ERROR, "store", "stored form or state is unreadable",
              TB_LOG_S("application", number));
    return TB_STORE_ERROR;
  }
  return TB_STORE_OK;
}

typedef struct {
  const char *number;
  const tb_event *ev;
  const tb_store_actor *actor;
  const tb_store_notes *notes; /* what the person gave, or NULL */
  int64_t timer_id;            /* > 0: firing this timer row */
  int64_t task_id;             /* > 0: the task the event acts on */
  tb_store_outcome *out;
  json_t *outputs; /* an approval's checked outputs, or NULL */
  task_ctx task;   /* filled by task_of_event */
} step_job;

/* Everything after a successful step. */
static tb_store_status write_all(tb_store *s, step_job *j, locked_app *a,
                                 const tb_event *ev) {
  tb_store_outcome *o = j->out;
  char *outputs =
      j->outputs ? json_dumps(j->outputs, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  tb_store_status rc =
      update_task(s, o, &j->task, ev, j->actor, j->notes, outputs);
  free(outputs);
  for (size_t i = 0; rc == TB_STORE_OK && i < o->effects.n; i++)
    rc = apply_effect(s, o, &o->effects.items[i]);
  if (rc == TB_STORE_OK)
    rc = sync_tasks(s, o);
  json_t *verifications = NULL;
  if (rc == TB_STORE_OK)
    rc = tb_store_verifications_open_in(s, o, ev->at, &verifications);
  if (rc != TB_STORE_OK) {
    json_decref(verifications);
    return rc;
  }
  char *payload =
      audit_payload(o, ev, j->task.target[0] ? j->task.target : NULL, j->notes,
                    j->outputs, verifications);
  json_decref(verifications);
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
    rc = write_app(s, o, o->seq, hash,
                   ev->kind == TB_EV_ACCEPT ? j->actor->id : 0);
  if (rc == TB_STORE_OK)
    rc = notify(s, o, tb_event_kind_name(ev->kind));
  return rc;
}

/* The branch's open task now (0: none), for a refusal to name. */
static tb_store_status current_task(tb_store *s, int64_t app, int64_t branch,
                                    int64_t slot, int64_t *id) {
  num a = i64(app), b = i64(branch), k = i64(slot);
  const char *params[] = {a.v, b.v, k.v};
  PGresult *r;
  *id = 0;
  tb_store_status rc = tb_store_exec_row(s, &S_TASK_CURRENT, params, &r);
  if (rc == TB_STORE_NOT_FOUND)
    return TB_STORE_OK;
  if (rc == TB_STORE_OK) {
    tb_store_parse_i64(PQgetvalue(r, 0, 0), id);
    PQclear(r);
  }
  return rc;
}

/* A task that is no longer the open one (decided, cancelled, or of an
 * earlier round): refused, naming the branch's open task. */
static tb_store_status superseded(tb_store *s, step_job *j, int64_t app,
                                  int64_t branch, int64_t slot,
                                  const char *state) {
  tb_store_outcome *o = j->out;
  tb_store_status rc = current_task(s, app, branch, slot, &o->current_task);
  if (rc != TB_STORE_OK)
    return rc;
  if (o->current_task)
    tb_problem_set(&o->problem, TB_ERR_SUPERSEDED, "task",
                   "this task is %s and no longer the open one; the open "
                   "task of its branch is %lld",
                   state, (long long)o->current_task);
  else
    tb_problem_set(&o->problem, TB_ERR_SUPERSEDED, "task",
                   "this task is %s and its branch has no open task", state);
  o->engine = TB_ERR_SUPERSEDED;
  return TB_STORE_REFUSED;
}

/* The row states a task event may act on: a 撤回 names a decided task
 * (not taken back yet), a 减签 a waiting or open one, every other verb an
 * open (claimed or not) one. */
static bool state_fits(tb_event_kind kind, const char *state, bool taken) {
  if (kind == TB_EV_TAKE_BACK)
    return strcmp(state, "decided") == 0 && !taken;
  bool open = strcmp(state, "open") == 0 || strcmp(state, "claimed") == 0;
  return open || (kind == TB_EV_REMOVE_SIGNER && strcmp(state, "waiting") == 0);
}

/* 转办, 委派, 加签: the officer the note "to" names (a user name) must be
 * an active officer of the task's bureau; ev->target gets the account.
 * An event that carries its target already keeps it. */
static tb_store_status resolve_target(tb_store *s, step_job *j,
                                      const char *bureau, tb_event *ev) {
  if ((ev->kind != TB_EV_TRANSFER && ev->kind != TB_EV_DELEGATE &&
       ev->kind != TB_EV_ADD_SIGNER) ||
      ev->target != 0)
    return TB_STORE_OK;
  const char *to = note_text(j->notes, "to");
  if (!to || !*to) /* the engine refuses a verb with no target */
    return TB_STORE_OK;
  tb_store_status rc = tb_store_officer_find_in(s, bureau, to, &ev->target);
  if (rc == TB_STORE_NOT_FOUND) {
    tb_problem_set(&j->out->problem, TB_ERR_INVALID, "to",
                   "no active officer of bureau %s is named %s", bureau, to);
    j->out->engine = TB_ERR_INVALID;
    return TB_STORE_INVALID;
  }
  if (rc == TB_STORE_OK) {
    tb_store_copy(j->task.target, sizeof j->task.target, to);
    ev->target_name = j->task.target;
  }
  return rc;
}

/* The task a task event acts on, read under the application's lock: it
 * must be of the actor's bureau and in a state the event applies to, and
 * it names the branch, step, round, slot and serial of the event. */
static tb_store_status task_of_event(tb_store *s, step_job *j,
                                     const locked_app *a, tb_event *ev) {
  const PGresult *r = a->task; /* read with the lock */
  if (!r || PQntuples(r) != 1)
    return TB_STORE_NOT_FOUND;
  int64_t branch = 0, step = 0, round = 0, slot = 0, serial = 0;
  char bureau[64], state[16];
  tb_store_parse_i64(PQgetvalue(r, 0, 0), &branch);
  tb_store_parse_i64(PQgetvalue(r, 0, 1), &step);
  tb_store_copy(bureau, sizeof bureau, PQgetvalue(r, 0, 2));
  tb_store_parse_i64(PQgetvalue(r, 0, 3), &round);
  tb_store_copy(state, sizeof state, PQgetvalue(r, 0, 4));
  tb_store_parse_i64(PQgetvalue(r, 0, 5), &slot);
  tb_store_parse_i64(PQgetvalue(r, 0, 6), &serial);
  tb_store_parse_i64(PQgetvalue(r, 0, 7), &j->task.delegate_of);
  bool taken = strcmp(PQgetvalue(r, 0, 8), "t") == 0;
  /* the officer 委派办毕 hands back to, 减签 removes: for the audit */
  if (ev->kind == TB_EV_RESOLVE || ev->kind == TB_EV_REMOVE_SIGNER)
    tb_store_copy(j->task.target, sizeof j->task.target,
                  PQgetvalue(r, 0, ev->kind == TB_EV_RESOLVE ? 9 : 10));
  j->task.task_id = j->task_id;
  const char *mine = j->actor->bureau ? j->actor->bureau : "";
  if (strcmp(bureau, mine) != 0) {
    tb_problem_set(&j->out->problem, TB_ERR_WRONG_BUREAU, "",
                   "this task belongs to bureau %s", bureau);
    j->out->engine = TB_ERR_WRONG_BUREAU;
    return TB_STORE_REFUSED;
  }
  if (!state_fits(ev->kind, state, taken))
    return superseded(s, j, a->id, branch, slot, taken ? "taken back" : state);
  ev->branch = (uint8_t)branch;
  ev->step = (uint8_t)step;
  ev->round = (uint16_t)round;
  ev->slot = (uint8_t)slot;
  ev->serial = (uint16_t)serial;
  ev->bureau = j->actor->bureau;
  /* the actor's user name and groups (GROUP signers, 减签's remove-by)
   * come with the event: the session's (api_task_event) */
  if (!ev->actor_name)
    ev->actor_name = j->actor->name;
  return resolve_target(s, j, bureau, ev);
}

/* An intake that chooses 告知承诺 (submit, accept) while the holder is
 * excluded from it (tb_store_verify.h): refused, naming the first
 * committed material and the exclusion's last day. */
static tb_store_status check_excluded(tb_store *s, tb_store_outcome *o,
                                      const tb_event *ev,
                                      const tb_calendar *cal) {
  uint64_t chosen = ev->kind == TB_EV_SUBMIT   ? o->after.chosen_committed
                    : ev->kind == TB_EV_ACCEPT ? o->after.committed
                                               : 0;
  if (chosen == 0)
    return TB_STORE_OK;
  tb_day until = 0;
  tb_store_status rc = tb_store_exclusion_in(
      s, o->application_id, tb_calendar_day_of(cal, ev->at), &until);
  if (rc != TB_STORE_OK || until == 0)
    return rc;
  size_t m = 0;
  while (m + 1 < o->def->n_materials && !(chosen & (UINT64_C(1) << m)))
    m++;
  char day[11];
  tb_date_format(until, day);
  o->excluded_until = until;
  tb_store_copy(o->excluded_material, sizeof o->excluded_material,
                o->def->materials[m].id);
  o->engine = TB_ERR_MATERIAL;
  tb_problem_set(
      &o->problem, TB_ERR_MATERIAL, "committed",
      "the holder is excluded from commitments until %s (a commitment "
      "found false): material '%s' (%s) must be provided",
      day, o->def->materials[m].id, o->def->materials[m].name);
  o->after = o->before;
  return TB_STORE_REFUSED;
}

static tb_store_status run_step(tb_store *s, step_job *j, locked_app *a) {
  tb_store_outcome *o = j->out;
  const tb_calendar *cal = a->cal;
  tb_store_status rc =
      tb_store_def_cached(s, a->def_id, a->def_version, &o->def);
  if (rc != TB_STORE_OK)
    return rc == TB_STORE_NOT_FOUND ? TB_STORE_ERROR : rc;
  tb_form form;
  if (decode_form(o->def, a->form, 0, &form, &o->problem) != TB_OK) {
    tb_log_kv(TB_LOG_ERROR, "store", "stored form does not load",
              TB_LOG_S("application", j->number),
              TB_LOG_S("error", o->problem.detail));
    return TB_STORE_ERROR;
  }
  o->application_id = a->id;
  tb_store_copy(o->number, sizeof o->number, j->number);
  o->before = a->state;
  o->after = a->state;
  tb_event ev = *j->ev;
  if (ev.at == 0)
    ev.at = tb_store_now_us() / 1000000;
  if (j->task_id > 0 && (rc = task_of_event(s, j, a, &ev)) != TB_STORE_OK)
    return rc;
  tb_context ctx = {.def = o->def, .calendar = cal, .form = &form};
  o->engine = tb_engine_step(&ctx, &o->after, &ev, &o->effects, &o->problem);
  if (j->timer_id > 0) {
    num id = i64(j->timer_id);
    const char *params[] = {id.v};
    rc = tb_store_exec_deferred(s, &S_TIMER_DELETE, params);
    if (rc != TB_STORE_OK)
      return rc;
  }
  if (o->engine == TB_IGNORED || (o->engine != TB_OK && j->timer_id > 0)) {
    if (o->engine != TB_IGNORED)
      tb_log_kv(TB_LOG_WARN, "store", "timer refused",
                TB_LOG_S("timer", tb_timer_kind_name(ev.timer)),
                TB_LOG_I("subject", ev.subject),
                TB_LOG_S("application", j->number),
                TB_LOG_S("error", o->problem.detail));
    o->after = o->before;
    return TB_STORE_OK;
  }
  if (o->engine != TB_OK)
    return TB_STORE_REFUSED;
  if ((rc = check_excluded(s, o, &ev, cal)) != TB_STORE_OK)
    return rc;
  if (check_outputs(o->def, &ev, j->notes, tb_calendar_day_of(cal, ev.at),
                    &j->outputs, &o->problem) != TB_OK) {
    o->engine = TB_ERR_INVALID;
    o->after = o->before;
    return TB_STORE_INVALID;
  }
  return write_all(s, j, a, &ev);
}

static tb_store_status step_locked(tb_store *s, step_job *j) {
  tb_store_outcome *o = j->out;
  memset(o, 0, sizeof *o);
  locked_app a = {0};
  tb_store_status rc = lock_app(s, j->number, j->task_id, &a);
  if (rc == TB_STORE_OK)
    rc = run_step(s, j, &a);
  PQclear(a.task);
  json_decref(a.form);
  json_decref(j->outputs);
  j->outputs = NULL;
  return rc;
}

tb_store_status tb_store_transition_in(tb_store *s, const char *number,
                                       const tb_event *ev,
                                       const tb_store_actor *actor,
                                       const tb_store_notes *notes,
                                       tb_store_outcome *out) {
  step_job j = {number, ev, actor, notes, 0, 0, out, NULL, {0}};
  return step_locked(s, &j);
}

static const tb_store_stmt S_TASK_APP = {
    "tr_task_app",
    "SELECT a.number FROM tasks t JOIN applications a ON a.id = "
    "t.application_id WHERE t.id = $1::bigint",
    1};

tb_store_status tb_store_task_transition_in(tb_store *s, int64_t task_id,
                                            const char *number,
                                            const tb_event *ev,
                                            const tb_store_actor *actor,
                                            const tb_store_notes *notes,
                                            tb_store_outcome *out) {
  memset(out, 0, sizeof *out);
  char read[TB_APP_NUMBER_LEN + 1];
  if (!number) {
    /* a task never moves to another application: its number is read
     * before the lock, everything about the task under it */
    num id = i64(task_id);
    const char *params[] = {id.v};
    PGresult *r;
    tb_store_status rc = tb_store_exec_row(s, &S_TASK_APP, params, &r);
    if (rc != TB_STORE_OK)
      return rc;
    tb_store_copy(read, sizeof read, PQgetvalue(r, 0, 0));
    PQclear(r);
    number = read;
  }
  step_job j = {number, ev, actor, notes, 0, task_id, out, NULL, {0}};
  return step_locked(s, &j);
}

tb_store_status tb_store_fire_timer_in(tb_store *s, const char *number,
                                       int64_t timer_id, const tb_event *ev,
                                       tb_store_outcome *out) {
  static const tb_store_actor scheduler = {0, "scheduler", "system", NULL};
  step_job j = {number, ev, &scheduler, NULL, timer_id, 0, out, NULL, {0}};
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
                    const tb_store_actor *actor, const tb_store_notes *notes,
                    tb_store_after_fn after, void *cls, tb_store_outcome *out) {
  transition_txn t = {
      {number, ev, actor, notes, 0, 0, out, NULL, {0}}, after, cls};
  return tb_store_run_transaction(s, transition_body, &t);
}

/* ---- creating an application --------------------------------------------- */

/* A new tracking code: each character uniform over the alphabet, by
 * rejection sampling (bytes ≥ 248 = 8 · 31 are drawn again, so that
 * `byte % 31` is not biased towards the first letters). */
static void tracking_code(char out[TB_STORE_TRACKING_CODE_LEN + 1]) {
  static const char alphabet[] = TB_STORE_CODE_ALPHABET;
  enum { LETTERS = sizeof alphabet - 1, LIMIT = 256 - 256 % LETTERS };
  size_t n = 0;
  while (n < TB_STORE_TRACKING_CODE_LEN) {
    uint8_t bytes[2 * TB_STORE_TRACKING_CODE_LEN];
    if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes) {
      tb_log(TB_LOG_ERROR, "store", "getrandom failed");
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
  char *code; /* drawn before, or derived once the number is known */
  tb_store_outcome *out;
  bool renamed; /* set by claim_holder: a confirmed change of name */
  tb_store_holder_rename rename;
  char old_name[256];
} create_job;

/* One number, one holder: the number's name on record (a new number
 * takes the applicant's) must be the applicant's, unless the clerk
 * confirmed a change of name at the window. */
static tb_store_status claim_holder(tb_store *s, create_job *j) {
  const tb_store_new_application *a = j->a;
  j->renamed = false;
  tb_store_status rc = tb_store_holder_claim(s, a->id_number, a->name,
                                             j->old_name, sizeof j->old_name);
  if (rc != TB_STORE_OK || strcmp(j->old_name, a->name) == 0)
    return rc;
  if (!a->name_change || a->channel != TB_CHANNEL_WINDOW) {
    tb_store_outcome *o = j->out;
    o->name_mismatch = true;
    tb_store_copy(o->name_on_record, sizeof o->name_on_record, j->old_name);
    tb_problem_set(&o->problem, TB_ERR_INVALID, "applicant.name",
                   "the number %s is on record under another name; %s",
                   a->id_number,
                   a->channel == TB_CHANNEL_WINDOW
                       ? "confirm a change of name with its reason"
                       : "a change of name is recorded only at a window");
    return TB_STORE_REFUSED;
  }
  j->renamed = true;
  j->rename = (tb_store_holder_rename){a->id_number, j->old_name, a->name,
                                       a->name_change_reason};
  return TB_STORE_OK;
}

/* The serial's next value in the pool of the day; a spent pool refuses
 * (the transaction is rolled back, so its counter stays at the end). */
static tb_store_status next_number(tb_store *s, create_job *j,
                                   char number[TB_APP_NUMBER_LEN + 1]) {
  char date[11];
  tb_date_format(j->today, date);
  bool public = j->actor->id == 0;
  const char *params[] = {s->region, date, public ? "public" : "staff"};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_SERIAL, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  int64_t last = 0;
  tb_store_parse_i64(PQgetvalue(r, 0, 0), &last);
  PQclear(r);
  /* staff: serial = last; public: BASE is its first serial */
  int64_t base = public ? TB_STORE_SERIAL_PUBLIC_BASE - 1 : 0;
  int64_t size = public ? TB_APP_SERIAL_MAX - TB_STORE_SERIAL_PUBLIC_BASE + 1
                        : TB_STORE_SERIAL_PUBLIC_BASE - 1;
  if (last < 1 || last > size) {
    j->out->numbers_exhausted = true;
    j->out->numbers_public = public;
    tb_problem_set(&j->out->problem, TB_ERR_LIMIT, "",
                   "every application number of the day is used");
    return TB_STORE_REFUSED;
  }
  if (tb_id_make_app_number(s->region, j->today, (uint32_t)(base + last),
                            number) != TB_OK) {
    tb_log_kv(TB_LOG_ERROR, "store", "cannot make an application number",
              TB_LOG_S("region", s->region));
    return TB_STORE_ERROR;
  }
  return TB_STORE_OK;
}

static tb_store_status create_body(tb_store *s, void *cls) {
  create_job *j = cls;
  char number[TB_APP_NUMBER_LEN + 1], hex[65];
  tb_store_status rc = claim_holder(s, j);
  if (rc == TB_STORE_OK)
    rc = next_number(s, j, number);
  if (rc != TB_STORE_OK)
    return rc;
  if (j->a->code_key) /* reprintable: derived from the number (version 0) */
    tb_store_tracking_derive(j->a->code_key, number, 0, j->code);
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
  rc = tb_store_exec_deferred(s, &S_APP_INSERT, params);
  free(state);
  if (rc == TB_STORE_OK && j->renamed)
    rc = tb_store_holder_rename_in(s, number, &j->rename, j->actor);
  if (rc != TB_STORE_OK)
    return rc;
  tb_event ev = {.kind = TB_EV_SUBMIT,
                 .at = j->a->at,
                 .actor = j->actor->id,
                 .channel = (uint8_t)j->a->channel,
                 .materials = j->a->materials,
                 .from_license = j->a->from_license,
                 .tolerated = j->a->tolerated,
                 .committed = j->a->committed,
                 .expire_at = j->a->expire_at};
  step_job sj = {number, &ev, j->actor, NULL, 0, 0, j->out, NULL, {0}};
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

/* Check the applicant and the form; on success *form is the form as
 * stored (its texts by field id; malloc'ed). */
static tb_store_status prepare_create(const tb_definition *def,
                                      const tb_store_new_application *a,
                                      tb_day today, char **form,
                                      tb_problem *p) {
  if (check_applicant(def, a, today, p) != TB_OK)
    return TB_STORE_INVALID;
  json_t *obj = NULL;
  if (build_form(def, a->form, a->id_number, today, &obj, p) != TB_OK)
    return TB_STORE_INVALID;
  *form = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(obj);
  return TB_STORE_OK;
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
  create_job j = {&copy, actor, def, form, today, code, out, false, {0}, ""};
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
  create_job j = {&copy, actor, def, form, today, code, out, false, {0}, ""};
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
  tb_store_status rc = tb_store_exec_row(s, &S_APP_STATE, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
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

tb_store_status tb_store_application_definition(tb_store *s, const char *number,
                                                const tb_definition **def) {
  const char *params[] = {number};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_APP_DEF, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  char id[64];
  int64_t version = 0;
  tb_store_copy(id, sizeof id, PQgetvalue(r, 0, 0));
  tb_store_parse_i64(PQgetvalue(r, 0, 1), &version);
  PQclear(r);
  return tb_store_def_cached(s, id, (uint32_t)version, def);
}

tb_store_status tb_store_task_find(tb_store *s, int64_t id,
                                   tb_store_task_ref *t) {
  num n = i64(id);
  const char *params[] = {n.v};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_TASK_FIND, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  memset(t, 0, sizeof *t);
  char def_id[64];
  int64_t version = 0;
  tb_store_parse_i64(PQgetvalue(r, 0, 0), &t->id);
  tb_store_copy(t->number, sizeof t->number, PQgetvalue(r, 0, 1));
  tb_store_copy(t->bureau, sizeof t->bureau, PQgetvalue(r, 0, 2));
  tb_store_copy(def_id, sizeof def_id, PQgetvalue(r, 0, 3));
  tb_store_parse_i64(PQgetvalue(r, 0, 4), &version);
  int64_t branch = 0, step = 0;
  tb_store_parse_i64(PQgetvalue(r, 0, 5), &branch);
  tb_store_parse_i64(PQgetvalue(r, 0, 6), &step);
  t->branch = (int)branch;
  t->step = (int)step;
  PQclear(r);
  return tb_store_def_cached(s, def_id, (uint32_t)version, &t->def);
}
