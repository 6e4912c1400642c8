/*
 * api_applications.c — /api/v1/applications: intake at the window or
 * online, look-up by number and by the one number (applicant), the audit
 * timeline, and the window's actions (accept, reject, supplement-request,
 * supplement, suspend, resume, withdraw, deliver, rating).
 *
 * Every handler reads fields → validates → runs one transaction → replies.
 * One number: a material may name the e-license that supplies it
 * ({"id": …, "license_id": …}: checked to exist, be the holder's, of the
 * material's type and valid), and every other material with a license
 * type is filled in from the holder's valid license of that type; both
 * are marked from_license in the state and listed in the reply's
 * "from_licenses".
 */
#include "tb_api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NAME 100
#define MAX_REASON 1000

/* ---- helpers --------------------------------------------------------------
 */

static bool number_ok(const char *n) {
  return n && tb_id_check_app_number(n, strlen(n), NULL) == TB_OK;
}

static tb_day today_of(tb_store *s, int64_t now) {
  const tb_calendar *cal = NULL;
  if (tb_store_calendar_get(s, &cal) != TB_STORE_OK || !cal)
    return (tb_day)((now + 28800) / 86400);
  return tb_calendar_day_of(cal, now);
}

/* Whether an officer's bureau has a task in the application. */
static bool officer_may_see(api_req *r, tb_store *s, const char *number) {
  if (strcmp(r->who.role, "officer") != 0)
    return true;
  char *json = NULL;
  if (tb_store_application_tasks_read(s, number, &json) != TB_STORE_OK) {
    free(json);
    return false;
  }
  json_t *tasks = api_json_load(json);
  free(json);
  bool ok = false;
  size_t i;
  json_t *t;
  json_array_foreach(tasks, i, t) {
    const char *b = json_string_value(json_object_get(t, "bureau"));
    if (b && strcmp(b, r->who.bureau) == 0)
      ok = true;
  }
  json_decref(tasks);
  return ok;
}

/* Load an application named in the path, with the checks every action
 * needs: its definition, and its state when st is not NULL (the reads;
 * a change reads the state under the row lock instead). false: a reply
 * is set. */
static bool load_app(api_req *r, tb_store **s, tb_app_state *st,
                     const tb_definition **def) {
  const char *number = r->params[0];
  if (!number_ok(number)) {
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such application");
    return false;
  }
  *s = api_store(r);
  if (!*s)
    return false;
  tb_store_status rc = st ? tb_store_application_state(*s, number, st, def)
                          : tb_store_application_definition(*s, number, def);
  if (rc == TB_STORE_NOT_FOUND) {
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such application");
    return false;
  }
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return false;
  }
  if (r->authed && !officer_may_see(r, *s, number)) {
    api_fail(r, TB_PROBLEM_WRONG_BUREAU,
             "bureau %s has no task in this application", r->who.bureau);
    return false;
  }
  return true;
}

/* The branch outputs the application's approvals recorded (id → value
 * in its type), the latest approval's winning; tasks are in the order
 * made. */
static json_t *outputs_view(const tb_definition *def, json_t *tasks) {
  json_t *all = json_object();
  size_t i;
  json_t *t;
  json_array_foreach(tasks, i, t) {
    json_t *o = json_object_get(t, "outputs");
    const char *d = json_string_value(json_object_get(t, "decision"));
    if (json_is_object(o) && d && strcmp(d, "approve") == 0)
      json_object_update(all, o);
  }
  json_t *typed = api_values_typed(def, all);
  json_decref(all);
  return typed;
}

/* The full view of an application, read in the caller's transaction. */
json_t *api_full_view(api_req *r, tb_store *s, const char *number,
                      const tb_definition *def, const tb_app_state *st) {
  char *row_text = NULL, *tasks_text = NULL;
  json_t *row = NULL, *tasks = NULL, *notice = NULL, *v = NULL;
  if (tb_store_application_view_read(s, number, &row_text, &tasks_text) ==
          TB_STORE_OK &&
      (row = api_json_load(row_text)) && (tasks = api_json_load(tasks_text)) &&
      (notice = api_notice_view(s, number, def, st, tasks)))
    v = api_app_view(def, st, row, notice);
  if (v) {
    json_object_set_new(v, "outputs", outputs_view(def, tasks));
    api_clock_view(s, st, v, r->now);
  }
  json_t *decision = v ? api_decision_read(s, number, def, st) : NULL;
  if (decision)
    json_object_set_new(v, "decision", decision);
  else {
    json_decref(v);
    v = NULL;
  }
  free(row_text);
  free(tasks_text);
  json_decref(row);
  json_decref(tasks);
  return v;
}

/* ---- intake ----------------------------------------------------------------
 */

/* The intake body, described once: the tables (the applicant's nested in
 * the top one) and where they put the values. */
enum {
  F_SERVICE,
  F_APPLICANT,
  F_FORM,
  F_MATERIALS,
  F_CHANNEL,
  F_TOLERATED,
  F_COMMITTED,
  F_NAME_CHANGE
};
enum { A_KIND, A_NAME, A_ID_NUMBER };
enum { N_CONFIRMED, N_REASON };
typedef struct {
  const char *service, *name, *id_number;
  int channel, kind; /* tb_channel, tb_applicant_kind; -1: not given */
  json_t *form, *materials;
  json_t *tolerated, *committed; /* the clerk's choices, read against the
                                    definition by read_choices */
  bool name_change;              /* name_change.confirmed */
  const char *name_change_reason;
  api_field applicant[A_ID_NUMBER + 2];
  api_field rename[N_REASON + 2];
  api_field spec[F_NAME_CHANGE + 2];
} intake;

static const char *const channels[] = {
    [TB_CHANNEL_WINDOW] = "window", [TB_CHANNEL_ONLINE] = "online", NULL};
static const char *const applicant_kinds[] = {[TB_APPLICANT_PERSON] = "person",
                                              [TB_APPLICANT_ORGANIZATION] =
                                                  "organization",
                                              NULL};

static void intake_init(intake *in) {
  memset(in, 0, sizeof *in);
  in->channel = in->kind = -1;
  api_field *a = in->applicant, *f = in->spec;
  a[A_KIND] =
      (api_field)API_CHOICE("kind", API_REQUIRED, applicant_kinds, &in->kind);
  a[A_NAME] = (api_field)API_STRING("name", API_REQUIRED, MAX_NAME, &in->name);
  a[A_ID_NUMBER] =
      (api_field)API_STRING("id_number", API_REQUIRED, 18, &in->id_number);
  a[A_ID_NUMBER + 1] = (api_field)API_END;
  api_field *n = in->rename;
  n[N_CONFIRMED] =
      (api_field)API_BOOLEAN("confirmed", API_REQUIRED, &in->name_change);
  n[N_REASON] = (api_field)API_STRING("reason", API_REQUIRED, MAX_REASON,
                                      &in->name_change_reason);
  n[N_REASON + 1] = (api_field)API_END;
  f[F_SERVICE] =
      (api_field)API_STRING("service", API_REQUIRED, 63, &in->service);
  f[F_APPLICANT] = (api_field)API_OBJECT("applicant", API_REQUIRED, a, NULL);
  f[F_FORM] = (api_field)API_OBJECT("form", API_REQUIRED, NULL, &in->form);
  f[F_MATERIALS] = (api_field)API_ARRAY(
      "materials", API_OPTIONAL, "an array of material ids", &in->materials);
  f[F_CHANNEL] =
      (api_field)API_CHOICE("channel", API_REQUIRED, channels, &in->channel);
  f[F_TOLERATED] = (api_field)API_ARRAY(
      "tolerated", API_OPTIONAL, "an array of material ids", &in->tolerated);
  f[F_COMMITTED] = (api_field)API_ARRAY(
      "committed", API_OPTIONAL, "an array of material ids", &in->committed);
  f[F_NAME_CHANGE] =
      (api_field)API_OBJECT("name_change", API_OPTIONAL, n, NULL);
  f[F_NAME_CHANGE + 1] = (api_field)API_END;
}

/* materials: ["id", …] or [{"id": …, "license_id": …}, …]; the licenses
 * named go to claims (checked by api_licenses_intake). */
static void check_intake_materials(api_problem *pb, const tb_definition *def,
                                   intake *in, uint64_t *mask,
                                   api_license_claims *claims) {
  *mask = 0;
  size_t i;
  json_t *item;
  json_array_foreach(in->materials, i, item) {
    char name[64];
    snprintf(name, sizeof name, "%s[%zu]", in->spec[F_MATERIALS].name, i);
    const char *id = NULL, *license = NULL;
    api_field one[] = {API_STRING("id", API_REQUIRED, 64, &id),
                       API_STRING("license_id", API_OPTIONAL, 128, &license),
                       API_END};
    if (json_is_object(item)) {
      if (!api_fields_parse(pb, item, name, one))
        continue;
    } else if (json_is_string(item)) {
      id = json_string_value(item);
    } else {
      api_problem_field(pb, name, TB_PROBLEM_WRONG_TYPE,
                        "must be a material id");
      continue;
    }
    int m = tb_definition_material(def, id, strlen(id));
    if (m < 0) {
      api_problem_field(pb, name, TB_PROBLEM_UNKNOWN_MATERIAL,
                        "'%s' is not a material of %s", id, def->id);
    } else if (license && claims->n < TB_MAX_MATERIALS) {
      api_license_claim *c = &claims->items[claims->n++];
      *c = (api_license_claim){.material = m, .license_id = license};
      snprintf(c->field, sizeof c->field, "%s.%s", name, one[1].name);
    } else if (!license) {
      *mask |= (uint64_t)1 << m;
    }
  }
}

/* The 容缺 and 告知承诺 choices at registration, as material ids of the
 * definition (the engine checks them against it as acceptance does, and
 * stores them in the state). 容缺 is the clerk's, at a window; 告知承诺
 * is the applicant's own promise, so an online applicant makes it too
 * (the clerk may still change both at acceptance). */
static void read_choices(api_problem *pb, const tb_definition *def, intake *in,
                         uint64_t *tolerated, uint64_t *committed) {
  api_field *t = &in->spec[F_TOLERATED], *c = &in->spec[F_COMMITTED];
  if (!t->value && !c->value)
    return;
  if (t->value && in->channel != TB_CHANNEL_WINDOW) {
    api_field_problem(pb, NULL, t, TB_PROBLEM_INVALID_REQUEST,
                      "容缺 is chosen by the clerk at a window");
    return;
  }
  if (t->bad || c->bad)
    return;
  json_t *sub = json_object();
  if (t->value)
    json_object_set(sub, t->name, t->value);
  if (c->value)
    json_object_set(sub, c->name, c->value);
  api_field spec[] = {API_MATERIALS(t->name, API_OPTIONAL, def, tolerated),
                      API_MATERIALS(c->name, API_OPTIONAL, def, committed),
                      API_END};
  api_fields_parse(pb, sub, NULL, spec);
  json_decref(sub);
}

static void read_intake(api_req *r, api_problem *pb, json_t *body, intake *in) {
  intake_init(in);
  api_fields_parse(pb, body, NULL, in->spec);
  if (!r->authed && in->channel == TB_CHANNEL_WINDOW)
    api_field_problem(pb, NULL, &in->spec[F_CHANNEL],
                      TB_PROBLEM_INVALID_REQUEST,
                      "without logging in, only online applications");
  if (in->spec[F_NAME_CHANGE].value && in->channel != TB_CHANNEL_WINDOW)
    api_field_problem(pb, NULL, &in->spec[F_NAME_CHANGE],
                      TB_PROBLEM_INVALID_REQUEST,
                      "a change of name is recorded only at a window");
  else if (in->spec[F_NAME_CHANGE].value && !in->name_change)
    api_field_problem(pb, in->spec[F_NAME_CHANGE].name,
                      &in->rename[N_CONFIRMED], TB_PROBLEM_INVALID_REQUEST,
                      "must be true: the clerk confirms the change of name");
}

/* One number, one holder: the number carries another name. The name on
 * record is shown in full to staff and masked to everyone else. */
static void fail_name_mismatch(api_req *r, const tb_store_outcome *out,
                               bool window) {
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_HOLDER_NAME_MISMATCH,
                   window ? "the number is on record under another name; "
                            "confirm a change of name (name_change) if the "
                            "holder's name has changed"
                          : "the number is on record under another name; a "
                            "change of name is recorded only at a window");
  api_problem_field(&pb, "applicant.name", TB_PROBLEM_HOLDER_NAME_MISMATCH,
                    "%s", out->problem.detail);
  api_problem_set(&pb, "name_on_record",
                  r->authed ? json_string(out->name_on_record)
                            : api_masked_name(out->name_on_record));
  api_problem_set(&pb, "window_required", json_boolean(!window));
  api_problem_send(r, &pb);
}

static void check_applicant(api_problem *pb, const tb_definition *def,
                            intake *in, tb_day today) {
  const char *prefix = in->spec[F_APPLICANT].name;
  bool person = in->kind == TB_APPLICANT_PERSON;
  if ((def->applicant == TB_APPLICANT_PERSON && !person) ||
      (def->applicant == TB_APPLICANT_ORGANIZATION && person))
    api_field_problem(pb, prefix, &in->applicant[A_KIND],
                      TB_PROBLEM_INVALID_REQUEST, "%s is applied for by %s",
                      def->id, person ? "an organization" : "a person");
  tb_problem p = {0};
  size_t len = strlen(in->id_number);
  tb_status st = person ? tb_id_check_citizen(in->id_number, len, today, &p)
                        : tb_id_check_credit_code(in->id_number, len, &p);
  if (st != TB_OK)
    api_field_problem(pb, prefix, &in->applicant[A_ID_NUMBER],
                      TB_PROBLEM_INVALID_ID_NUMBER, "%s", p.detail);
}

static bool reply_created(api_req *r, tb_store *s, const tb_store_outcome *out,
                          const char *code, json_t *from_licenses) {
  json_t *v = api_full_view(r, s, out->number, out->def, &out->after);
  if (!v)
    return false;
  json_object_set_new(v, "tracking_code", json_string(code));
  json_object_set(v, "from_licenses", from_licenses);
  char loc[80];
  snprintf(loc, sizeof loc, "/api/v1/applications/%s", out->number);
  r->location = tb_arena_strdup(r->arena, loc);
  api_reply_json(r, 201, v);
  return true;
}

typedef struct {
  tb_store_new_application a;
  json_t *from_licenses;
  bool created;   /* not a replay */
  bool exhausted; /* the day's numbers are spent (answered 503) */
  bool public;    /* … of the anonymous pool */
  tb_day today;
} create_ctx;

/* The creation, inside the transaction that also holds the request's
 * Idempotency-Key (api_run_change): two requests with one key create one
 * application. */
static tb_store_status create_fn(api_req *r, tb_store *s, void *cls) {
  create_ctx *c = cls;
  tb_store_actor actor;
  api_actor(r, &actor);
  tb_store_outcome *out = tb_arena_alloc(r->arena, sizeof *out);
  char code[TB_STORE_TRACKING_CODE_LEN + 1] = "";
  tb_store_status rc =
      tb_store_application_create_in(s, &c->a, &actor, out, code);
  if (rc == TB_STORE_REFUSED && out->name_mismatch) {
    fail_name_mismatch(r, out, c->a.channel == TB_CHANNEL_WINDOW);
    return rc;
  }
  if (rc == TB_STORE_REFUSED && out->numbers_exhausted) {
    c->exhausted = true; /* answered 503 after the rollback (create_with) */
    c->public = out->numbers_public;
    return rc;
  }
  if (rc == TB_STORE_REFUSED && out->excluded_until) {
    api_fail_excluded(r, out); /* 告知承诺 while excluded from it */
    return rc;
  }
  if (rc == TB_STORE_INVALID || rc == TB_STORE_REFUSED) {
    api_fail_engine(r, &out->problem, TB_APP_NONE, 0);
    return rc;
  }
  if (rc == TB_STORE_OK)
    rc = api_material_licenses_note(s, out->number, c->from_licenses);
  if (rc != TB_STORE_OK)
    return rc;
  if (!reply_created(r, s, out, code, c->from_licenses))
    return TB_STORE_ERROR;
  c->created = true;
  return TB_STORE_OK;
}

/* What the intake decided about materials: provided, by a license, and
 * the clerk's choices. */
typedef struct {
  uint64_t provided, from_license, tolerated, committed;
} intake_materials;

static void create_with(api_req *r, tb_store *s, const tb_definition *def,
                        const intake *in, const tb_store_form *form,
                        const intake_materials *m, json_t *from_licenses) {
  create_ctx c = {.a = {.definition_id = def->id,
                        .kind = (tb_applicant_kind)in->kind,
                        .name = in->name,
                        .id_number = in->id_number,
                        .form = form,
                        .channel = (tb_channel)in->channel,
                        .materials = m->provided,
                        .from_license = m->from_license,
                        .tolerated = m->tolerated,
                        .committed = m->committed,
                        .code_key = api_code_key(r),
                        .at = r->now,
                        .name_change = in->name_change,
                        .name_change_reason = in->name_change_reason,
                        .expire_at = in->channel == TB_CHANNEL_ONLINE
                                         ? api_intake_expire_at(r)
                                         : 0},
                  .from_licenses = from_licenses,
                  .today = today_of(s, r->now)};
  api_run_change(r, create_fn, &c);
  if (c.exhausted) {
    const tb_calendar *cal = NULL;
    tb_store_calendar_get(s, &cal);
    api_reply_forget(r); /* the change's answer to a refusal it took for 4xx */
    api_intake_fail_exhausted(r, cal, c.today);
    api_intake_exhausted(r, s, c.today, c.public);
  }
  if (c.created && r->status == 201) {
    api_metrics_transition(api_metrics_of(r), TB_EV_SUBMIT);
    api_intake_count(r, s, in->id_number);
  }
}

void api_h_app_create(api_req *r) {
  json_t *body = api_body_object(r);
  if (!body)
    return;
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_REQUEST,
                   "the application has problems; see errors");
  intake in;
  read_intake(r, &pb, body, &in);
  tb_store *s = NULL;
  const tb_definition *def = NULL;
  intake_materials m = {0};
  json_t *used = json_array(); /* the licenses that supply materials */
  tb_store_form *form = tb_arena_alloc(r->arena, sizeof *form);
  if (!api_problem_has_errors(&pb)) {
    s = api_store(r);
    if (!s)
      goto out;
    tb_store_status rc = tb_store_definition_get(s, in.service, 0, &def);
    if (rc == TB_STORE_NOT_FOUND)
      api_field_problem(
          &pb, NULL, &in.spec[F_SERVICE], TB_PROBLEM_UNKNOWN_SERVICE,
          "no service '%s'; see GET /api/v1/workflows", in.service);
    else if (rc != TB_STORE_OK) {
      api_fail_store(r, rc);
      goto out;
    }
  }
  if (def) {
    tb_day today = today_of(s, r->now);
    api_license_claims claims = {.n = 0};
    if (!api_intake_allow(r, s, in.id_number))
      goto out; /* 429 answered */
    check_applicant(&pb, def, &in, today);
    api_form_read(&pb, r->arena, def, in.form, today, form);
    check_intake_materials(&pb, def, &in, &m.provided, &claims);
    read_choices(&pb, def, &in, &m.tolerated, &m.committed);
    if (!api_problem_has_errors(&pb))
      api_licenses_intake(&pb, s, def, in.id_number, in.name, today, &claims,
                          &m.provided, &m.from_license, used);
    if (in.channel == TB_CHANNEL_ONLINE && !def->online)
      api_field_problem(&pb, NULL, &in.spec[F_CHANNEL],
                        TB_PROBLEM_INVALID_REQUEST,
                        "%s cannot be applied for online", def->id);
  }
  if (api_problem_has_errors(&pb)) {
    api_problem_send(r, &pb);
    goto out;
  }
  create_with(r, s, def, &in, form, &m, used);
out:
  json_decref(used);
  api_problem_free(&pb);
  json_decref(body);
}

/* ---- reading
 * ------------------------------------------------------------------ */

void api_h_app_get(api_req *r) {
  tb_store *s;
  tb_app_state st;
  const tb_definition *def;
  if (!load_app(r, &s, &st, &def))
    return;
  json_t *v = api_full_view(r, s, r->params[0], def, &st);
  if (v)
    api_reply_json(r, 200, v);
  else
    api_fail_store(r, TB_STORE_ERROR);
}

/* The branch outputs an approval's audit payload recorded, each in its
 * type, in place. */
static void typed_outputs(const tb_definition *def, json_t *events) {
  size_t i;
  json_t *e;
  json_array_foreach(events, i, e) {
    json_t *payload = json_object_get(e, "payload");
    json_t *outputs = json_object_get(payload, "outputs");
    if (json_is_object(outputs))
      json_object_set_new(payload, "outputs", api_values_typed(def, outputs));
  }
}

void api_h_app_events(api_req *r) {
  tb_store *s;
  tb_app_state st;
  const tb_definition *def;
  if (!load_app(r, &s, &st, &def))
    return;
  char *json = NULL;
  tb_store_status rc = tb_store_events_read(s, r->params[0], &json);
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return;
  }
  json_t *events = api_json_load(json);
  free(json);
  typed_outputs(def, events);
  api_reply_json(r, 200,
                 json_pack("{s:s, s:s, s:o}", "number", r->params[0], "state",
                           tb_app_status_name(st.status), "events",
                           events ? events : json_array()));
}

/* Each listed application's form in its fields' types (by the version
 * of its service it was made with), in place. */
static void typed_forms(tb_store *s, json_t *items) {
  const tb_calendar *cal = NULL;
  tb_store_calendar_get(s, &cal);
  size_t i;
  json_t *a;
  json_array_foreach(items, i, a) {
    api_mark_provisional(cal, a, "deadline", "deadline_provisional");
    api_mark_provisional(cal, a, "statutory_deadline",
                         "statutory_deadline_provisional");
    const char *service = json_string_value(json_object_get(a, "service"));
    json_int_t version = json_integer_value(json_object_get(a, "version"));
    const tb_definition *def = NULL;
    if (service && tb_store_definition_get(s, service, (uint32_t)version,
                                           &def) == TB_STORE_OK)
      json_object_set_new(a, "form",
                          api_values_typed(def, json_object_get(a, "form")));
  }
}

void api_h_app_list(api_req *r) {
  const char *applicant = api_query(r, "applicant");
  const char *state = api_query(r, "state");
  const char *service = api_query(r, "service");
  const char *channel = api_query(r, "channel");
  const char *limit_text = api_query(r, "limit");
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_REQUEST, "the query has problems");
  if (applicant &&
      tb_id_check_citizen(applicant, strlen(applicant), 0, NULL) != TB_OK &&
      tb_id_check_credit_code(applicant, strlen(applicant), NULL) != TB_OK)
    api_problem_field(&pb, "applicant", TB_PROBLEM_INVALID_ID_NUMBER,
                      "must be a citizen ID or a unified social credit code");
  if (state && tb_app_status_from_name(state) < 0)
    api_problem_field(&pb, "state", TB_PROBLEM_INVALID_REQUEST,
                      "unknown state '%s'", state);
  if (service && (strlen(service) == 0 || strlen(service) > 63))
    api_problem_field(&pb, "service", TB_PROBLEM_INVALID_REQUEST,
                      "must be a service id");
  if (channel && strcmp(channel, channels[TB_CHANNEL_WINDOW]) != 0 &&
      strcmp(channel, channels[TB_CHANNEL_ONLINE]) != 0)
    api_problem_field(&pb, "channel", TB_PROBLEM_INVALID_REQUEST,
                      "must be 'window' or 'online'");
  long limit = 100;
  if (limit_text) {
    char *end = NULL;
    limit = strtol(limit_text, &end, 10);
    if (!end || *end || limit < 1 || limit > 500)
      api_problem_field(&pb, "limit", TB_PROBLEM_OUT_OF_RANGE,
                        "must be between 1 and 500");
  }
  if (api_problem_has_errors(&pb)) {
    api_problem_send(r, &pb);
    return;
  }
  api_problem_free(&pb);
  tb_store *s = api_store(r);
  if (!s)
    return;
  char *json = NULL;
  tb_store_status rc = tb_store_applications_read(s, applicant, state, service,
                                                  channel, (int)limit, &json);
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return;
  }
  json_t *items = api_json_load(json);
  free(json);
  typed_forms(s, items);
  api_reply_json(r, 200,
                 json_pack("{s:o}", "items", items ? items : json_array()));
}

/* ---- transitions
 * ---------------------------------------------------------------- */

static bool applicant_code_ok(api_req *r);

static tb_store_status transition_fn(api_req *r, tb_store *s, void *cls) {
  api_transition *t = cls;
  tb_store_actor actor;
  api_actor(r, &actor);
  tb_store_notes *notes = tb_arena_alloc(r->arena, sizeof *notes);
  api_notes_of(r->arena, t->payload, notes);
  notes->outputs = t->outputs;
  tb_store_outcome *out = tb_arena_alloc(r->arena, sizeof *out);
  tb_store_status rc =
      t->task_id
          ? tb_store_task_transition_in(s, t->task_id, t->number, &t->ev,
                                        &actor, notes, out)
          : tb_store_transition_in(s, t->number, &t->ev, &actor, notes, out);
  if (rc == TB_STORE_REFUSED && out->excluded_until) {
    api_fail_excluded(r, out); /* 告知承诺 while excluded from it */
    return rc;
  }
  if (rc == TB_STORE_REFUSED || rc == TB_STORE_INVALID) {
    /* refused under the lock: the state the engine saw is the current one */
    api_fail_engine(r, &out->problem, (tb_app_status)out->before.status,
                    out->current_task);
    return TB_STORE_REFUSED;
  }
  if (rc == TB_STORE_NOT_FOUND) {
    api_fail(r, TB_PROBLEM_NOT_FOUND,
             t->task_id ? "no such task" : "no such application");
    return rc;
  }
  if (rc == TB_STORE_OK && t->after)
    rc = t->after(r, s, t->after_cls);
  if (rc != TB_STORE_OK)
    return rc;
  json_t *view =
      t->public_view
          ? api_track_view(s, out->number, out->def, &out->after, r->now)
          : api_full_view(r, s, out->number, out->def, &out->after);
  if (!view)
    return TB_STORE_ERROR;
  if (t->task_id)
    view = json_pack("{s:I, s:o}", "task_id", (json_int_t)t->task_id,
                     "application", view);
  api_reply_json(r, 200, view);
  return TB_STORE_OK;
}

void api_run_transition(api_req *r, api_transition *t) {
  if (!t->number)
    t->number = r->params[0];
  t->ev.at = r->now;
  t->ev.actor = r->authed ? r->who.id : 0;
  api_run_change(r, transition_fn, t);
  if (r->status == 200)
    api_metrics_transition(api_metrics_of(r), t->ev.kind);
}

/* The shared prelude of the window actions: the application, the body,
 * and a problem to collect field errors. false: a reply is set. */
typedef struct {
  tb_store *s;
  const tb_definition *def;
  json_t *body;
  api_problem pb;
} action;

static bool action_begin(api_req *r, action *a) {
  memset(a, 0, sizeof *a);
  if (!load_app(r, &a->s, NULL, &a->def))
    return false;
  a->body = api_body_object(r);
  if (!a->body)
    return false;
  api_problem_init(&a->pb, TB_PROBLEM_INVALID_REQUEST,
                   "the request has problems; see errors");
  return true;
}

/* Read the body by the action's field table; true when it has no
 * problem. */
static bool action_fields(action *a, api_field *spec) {
  return api_fields_parse(&a->pb, a->body, NULL, spec);
}

/* Send the collected problems, or run the transition with the table's
 * fields as the audit payload (unless the handler built one). */
static void action_end(api_req *r, action *a, const api_field *spec,
                       api_transition *t) {
  if (api_problem_has_errors(&a->pb)) {
    api_problem_send(r, &a->pb);
  } else {
    api_problem_free(&a->pb);
    if (!t->payload)
      t->payload = api_fields_payload(spec);
    api_run_transition(r, t);
  }
  json_decref(t->payload);
  json_decref(a->body);
}

/* An action whose body only names fields: read them, then run. */
static void action_run(api_req *r, action *a, api_field *spec,
                       api_transition *t) {
  action_fields(a, spec);
  action_end(r, a, spec, t);
}

void api_h_app_accept(api_req *r) {
  action a;
  if (!action_begin(r, &a))
    return;
  api_transition t = {.ev.kind = TB_EV_ACCEPT};
  api_field spec[] = {
      API_MATERIALS("tolerated", API_OPTIONAL, a.def, &t.ev.materials),
      API_MATERIALS("committed", API_OPTIONAL, a.def, &t.ev.committed),
      API_STRING("note", API_OPTIONAL, MAX_REASON, NULL), API_END};
  /* a body that names neither choice takes the ones stored at
   * registration; naming either replaces both (the audit event says
   * which applied: choices "stored" or "request") */
  if (action_fields(&a, spec))
    t.ev.stored_choices = !spec[0].value && !spec[1].value;
  action_end(r, &a, spec, &t);
}

void api_h_app_reject(api_req *r) {
  action a;
  if (!action_begin(r, &a))
    return;
  api_transition t = {.ev.kind = TB_EV_REFUSE};
  /* the reason and any cited articles are told to the applicant with the
   * rights to contest (api_decision.c) */
  api_field spec[] = {API_STRING("reason", API_REQUIRED, MAX_REASON, NULL),
                      API_STRING("legal_basis", API_OPTIONAL, MAX_REASON, NULL),
                      API_END};
  action_run(r, &a, spec, &t);
}

void api_h_app_supplement_request(api_req *r) {
  action a;
  if (!action_begin(r, &a))
    return;
  api_transition t = {.ev.kind = TB_EV_REQUEST_SUPPLEMENT};
  api_field spec[] = {
      API_MATERIALS("items", API_REQUIRED, a.def, &t.ev.materials),
      API_STRING("reason", API_REQUIRED, MAX_REASON, NULL), API_END};
  action_run(r, &a, spec, &t);
}

/* Whether the body carries a "code" member at all. */
static bool has_code(api_req *r) {
  json_t *body = api_body_object(r);
  bool yes = body && json_object_get(body, "code") != NULL;
  json_decref(body);
  return yes;
}

/* The supplement: the clerk records it at the window, or the applicant
 * supplies online with {"materials", "code"} and no token (after
 * uploading the files); the reply is then the tracking view. Items
 * outside the open notice are refused (422 material, naming it). */
void api_h_app_supplement(api_req *r) {
  if (!r->authed && !has_code(r)) {
    /* neither a token nor a code: not a guess at a code, a stranger */
    api_fail(r, TB_PROBLEM_UNAUTHENTICATED,
             "log in, or give the tracking code in the body");
    return;
  }
  if (!r->authed && !applicant_code_ok(r))
    return;
  action a;
  if (!action_begin(r, &a))
    return;
  api_transition t = {.ev.kind = TB_EV_SUPPLEMENT, .public_view = !r->authed};
  api_field spec[] = {
      API_MATERIALS("materials", API_REQUIRED, a.def, &t.ev.materials),
      API_STRING("note", API_OPTIONAL, MAX_REASON, NULL),
      API_STRING("code", API_OPTIONAL | API_SECRET, 64, NULL), API_END};
  action_run(r, &a, spec, &t);
}

/* The clerk closes the open one-time notice with a reason (audited); the
 * items still owed are no longer asked for (engine/README.md). */
void api_h_app_notice_close(api_req *r) {
  action a;
  if (!action_begin(r, &a))
    return;
  api_transition t = {.ev.kind = TB_EV_CLOSE_NOTICE};
  api_field spec[] = {API_STRING("reason", API_REQUIRED, MAX_REASON, NULL),
                      API_END};
  action_run(r, &a, spec, &t);
}

void api_h_app_suspend(api_req *r) {
  action a;
  if (!action_begin(r, &a))
    return;
  api_transition t = {.ev.kind = TB_EV_SUSPEND};
  const char *kinds[TB_SPECIAL_KIND_COUNT + 1] = {NULL};
  for (int k = 0; k < TB_SPECIAL_KIND_COUNT; k++)
    kinds[k] = tb_special_kind_name((tb_special_kind)k);
  int kind = -1;
  api_field spec[] = {API_CHOICE("kind", API_REQUIRED, kinds, &kind),
                      API_STRING("reason", API_REQUIRED, MAX_REASON, NULL),
                      API_END};
  if (action_fields(&a, spec))
    t.ev.special = (uint8_t)kind;
  action_end(r, &a, spec, &t);
}

static void simple_action(api_req *r, tb_event_kind kind) {
  action a;
  if (!action_begin(r, &a))
    return;
  api_transition t = {.ev.kind = kind};
  api_field spec[] = {API_STRING("reason", API_OPTIONAL, MAX_REASON, NULL),
                      API_END};
  action_run(r, &a, spec, &t);
}

void api_h_app_resume(api_req *r) {
  simple_action(r, TB_EV_RESUME);
}

void api_h_app_withdraw(api_req *r) {
  simple_action(r, TB_EV_WITHDRAW);
}

void api_h_app_deliver(api_req *r) {
  static const char *const methods[] = {"window", "electronic", NULL};
  action a;
  if (!action_begin(r, &a))
    return;
  api_transition t = {.ev.kind = TB_EV_DELIVER};
  api_field spec[] = {API_CHOICE("method", API_OPTIONAL, methods, NULL),
                      API_END};
  action_run(r, &a, spec, &t);
}

/* The rating body, described once: the applicant's tracking code is
 * read first (without a token) and never goes into the audit trail. */
enum { R_GRADE, R_COMMENT, R_CODE, R_BUREAUS, R_RESPONSIBLE };
typedef struct {
  long long grade;
  const char *code, *comment, *responsible;
  json_t *bureaus; /* [{bureau, grade, comment}] (api_ratings.c) */
  api_field spec[R_RESPONSIBLE + 2];
} rating_body;

static void rating_init(rating_body *b) {
  memset(b, 0, sizeof *b);
  b->spec[R_GRADE] = (api_field)API_INT("grade", API_REQUIRED, 1, 5, &b->grade);
  b->spec[R_COMMENT] =
      (api_field)API_STRING("comment", API_OPTIONAL, 500, &b->comment);
  b->spec[R_CODE] =
      (api_field)API_STRING("code", API_OPTIONAL | API_SECRET, 64, &b->code);
  b->spec[R_BUREAUS] =
      (api_field)API_ARRAY("bureaus", API_OPTIONAL,
                           "an array of {bureau, grade, comment}", &b->bureaus);
  b->spec[R_RESPONSIBLE] =
      (api_field)API_STRING("responsible", API_OPTIONAL, 63, &b->responsible);
  b->spec[R_RESPONSIBLE + 1] = (api_field)API_END;
}

/* An applicant without a token rates (or supplies) with the tracking code
 * in the body:
 * checked like tracking (the same 404 for a wrong code, a missing code or
 * an unknown number; misses count against the client's guesses). false:
 * a reply is set. */
static bool applicant_code_ok(api_req *r) {
  tb_store *s = api_store(r);
  if (!s || !api_track_allow(r, s))
    return false;
  json_t *body = api_body_object(r);
  if (!body)
    return false;
  bool match = false;
  rating_body b;
  rating_init(&b);
  const char *code =
      json_string_value(json_object_get(body, b.spec[R_CODE].name));
  bool ok = api_track_match(r, s, r->params[0], code, &match);
  json_decref(body);
  if (ok && !match)
    api_track_not_found(r);
  return ok && match;
}

/* 好差评: the clerk records it at the window, or the applicant rates on the
 * tracking page with {"grade", "comment"?, "code"} and no token (the reply
 * is then the tracking view, not the staff one). */
void api_h_app_rating(api_req *r) {
  if (!r->authed && !applicant_code_ok(r))
    return;
  action a;
  if (!action_begin(r, &a))
    return;
  api_transition t = {.ev.kind = TB_EV_RATE, .public_view = !r->authed};
  rating_body b;
  rating_init(&b);
  /* the grades go to ratings, and a bad one opens a 整改 ticket, in the
   * rate transition's transaction (api_ratings.c) */
  tb_store_rating *rt = tb_arena_alloc(r->arena, sizeof *rt);
  if (action_fields(&a, b.spec)) {
    t.ev.rating = (uint8_t)b.grade;
    rt->grade = (int)b.grade;
    rt->comment = b.comment;
    api_rating_read(&a.pb, b.bureaus, b.responsible, rt);
    /* the rate event keeps the whole grade (and the bureau named); the
     * bureaus' grades are their own event, bureaus_rated */
    t.payload = json_pack("{s:I, s:s?}", "grade", (json_int_t)b.grade,
                          "comment", b.comment);
    if (b.responsible)
      json_object_set_new(t.payload, "responsible", json_string(b.responsible));
  }
  t.after = api_rating_after;
  t.after_cls = rt;
  action_end(r, &a, b.spec, &t);
}
