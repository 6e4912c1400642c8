/*
 * tb_store_verify.c — 告知承诺 verification: the verifications an approval
 * opens, the bureau's finding (a false one revokes, ends and excludes),
 * the exclusion check at intake, and the lists. See tb_store_verify.h.
 */
#include "tb_store_int.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const tb_store_stmt S_NUMBER = {
    "ve_number",
    "SELECT a.number FROM verifications v JOIN applications a "
    "ON a.id = v.application_id WHERE v.id = $1::bigint",
    1};
static const tb_store_stmt S_APP_LOCK = {
    "ve_app_lock",
    "SELECT id, applicant_id_number, status, definition_id, "
    "definition_version FROM applications WHERE number = $1 FOR UPDATE",
    1};
static const tb_store_stmt S_LOCK = {
    "ve_lock",
    "SELECT state, bureau, materials::text FROM verifications "
    "WHERE id = $1::bigint FOR UPDATE",
    1};
static const tb_store_stmt S_FIND = {
    "ve_find",
    "UPDATE verifications SET state = $2, finding = $3, found_by = "
    "$4::bigint, found_at = now() WHERE id = $1::bigint",
    4};
static const tb_store_stmt S_EXCLUDE = {
    "ve_exclude",
    "INSERT INTO commitment_exclusions (id_number, application_id, reason, "
    "from_day, until_day, created_at) VALUES ($1, $2::bigint, $3, $4::date, "
    "$5::date, now())",
    5};
static const tb_store_stmt S_LICENSES = {
    "ve_licenses",
    "SELECT id FROM licenses WHERE application_id = $1::bigint "
    "AND revoked_at IS NULL ORDER BY id",
    1};

#define TB_TIME(col)                                                           \
  "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
/* One verification as a JSON object ($1: today). */
#define VERIFY_JSON                                                            \
  "json_build_object('id', v.id, 'number', a.number, 'service', "              \
  "a.definition_id, 'service_name', d.name, 'holder', json_build_object("      \
  "'name', a.applicant_name, 'id_number', a.applicant_id_number), "            \
  "'bureau', v.bureau, 'materials', v.materials, 'state', v.state, 'due', "    \
  "to_char(v.due, 'YYYY-MM-DD'), 'overdue', v.state = 'open' AND v.due < "     \
  "$1::date, 'opened_at', " TB_TIME(                                           \
      "v.opened_at") ", 'finding', "                                           \
                     "v.finding, 'found_at', " TB_TIME("v.found_at") ")"
#define VERIFY_FROM                                                            \
  " FROM verifications v JOIN applications a ON a.id = v.application_id "      \
  "LEFT JOIN definitions d ON d.id = a.definition_id AND d.version = "         \
  "a.definition_version "

static const tb_store_stmt S_LIST = {
    "ve_list",
    "SELECT coalesce(json_agg(t.o ORDER BY t.id DESC), '[]'::json)::text "
    "FROM (SELECT v.id, " VERIFY_JSON " AS o" VERIFY_FROM
    "WHERE ($2::text IS NULL OR v.bureau = $2) AND ($3::text IS NULL OR "
    "v.state = $3) ORDER BY v.id DESC LIMIT $4::integer) t",
    4};
static const tb_store_stmt S_ONE = {"ve_one",
                                    "SELECT " VERIFY_JSON "::text" VERIFY_FROM
                                    "WHERE v.id = "
                                    "$2::bigint",
                                    2};
static const tb_store_stmt S_EXCLUSIONS = {
    "ve_exclusions",
    "SELECT coalesce(json_agg(json_build_object('number', a.number, "
    "'reason', e.reason, 'from', to_char(e.from_day, 'YYYY-MM-DD'), 'until', "
    "to_char(e.until_day, 'YYYY-MM-DD')) ORDER BY e.id DESC), '[]'::json)"
    "::text FROM commitment_exclusions e JOIN applications a "
    "ON a.id = e.application_id WHERE e.id_number = $1",
    1};

/* ---- reading ---------------------------------------------------------------
 */

tb_store_status tb_store_verifications_read(tb_store *s, const char *bureau,
                                            const char *state,
                                            const char *today, int limit,
                                            char **json) {
  return tb_store_json_list(s, &S_LIST, today, bureau, state, limit, json);
}

tb_store_status tb_store_verification_read(tb_store *s, int64_t id,
                                           const char *today, char **json) {
  return tb_store_json_by_id(s, &S_ONE, today, id, json);
}

tb_store_status tb_store_exclusions_read(tb_store *s, const char *id_number,
                                         char **json) {
  const char *params[] = {id_number};
  return tb_store_json_of(s, &S_EXCLUSIONS, params, json);
}

/* ---- the finding -----------------------------------------------------------
 */

/* The verification and its application, both locked (the application
 * first, as every change of it does). */
typedef struct {
  char number[TB_APP_NUMBER_LEN + 1];
  int64_t app;
  char holder[24], status[32], state[16], bureau[64];
  const tb_definition *def;
  json_t *materials; /* [{id, name}] */
} locked;

static tb_store_status lock_app(tb_store *s, const char *id, locked *l) {
  const char *params[] = {id};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_NUMBER, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  tb_store_copy(l->number, sizeof l->number, PQgetvalue(r, 0, 0));
  PQclear(r);
  const char *np[] = {l->number};
  rc = tb_store_exec_row(s, &S_APP_LOCK, np, &r);
  if (rc != TB_STORE_OK)
    return rc == TB_STORE_NOT_FOUND ? TB_STORE_ERROR : rc;
  int64_t version = 0;
  char def_id[64];
  tb_store_parse_i64(PQgetvalue(r, 0, 0), &l->app);
  tb_store_copy(l->holder, sizeof l->holder, PQgetvalue(r, 0, 1));
  tb_store_copy(l->status, sizeof l->status, PQgetvalue(r, 0, 2));
  tb_store_copy(def_id, sizeof def_id, PQgetvalue(r, 0, 3));
  tb_store_parse_i64(PQgetvalue(r, 0, 4), &version);
  PQclear(r);
  return tb_store_def_cached(s, def_id, (uint32_t)version, &l->def);
}

static tb_store_status lock_all(tb_store *s, int64_t id, locked *l) {
  tb_store_num n = tb_store_i64(id);
  tb_store_status rc = lock_app(s, n.v, l);
  if (rc != TB_STORE_OK)
    return rc;
  const char *params[] = {n.v};
  PGresult *r;
  rc = tb_store_exec_row(s, &S_LOCK, params, &r);
  if (rc != TB_STORE_OK)
    return rc == TB_STORE_NOT_FOUND ? TB_STORE_ERROR : rc;
  tb_store_copy(l->state, sizeof l->state, PQgetvalue(r, 0, 0));
  tb_store_copy(l->bureau, sizeof l->bureau, PQgetvalue(r, 0, 1));
  l->materials = json_loads(PQgetvalue(r, 0, 2), 0, NULL);
  PQclear(r);
  return json_is_array(l->materials) ? TB_STORE_OK : TB_STORE_ERROR;
}

/* The longest exclude-days of the verification's materials. */
static int exclude_days(const locked *l) {
  int days = 0;
  size_t i;
  json_t *m;
  json_array_foreach(l->materials, i, m) {
    const char *id = json_string_value(json_object_get(m, "id"));
    int k = id ? tb_definition_material(l->def, id, strlen(id)) : -1;
    if (k >= 0 && l->def->materials[k].exclude_days > days)
      days = l->def->materials[k].exclude_days;
  }
  return days > 0 ? days : 365;
}

/* Exclude the holder from today for the materials' period. */
static tb_store_status exclude(tb_store *s, const locked *l, const char *reason,
                               tb_store_found *out) {
  const tb_calendar *cal = NULL;
  tb_store_status rc = tb_store_calendar_get(s, &cal);
  if (rc != TB_STORE_OK)
    return rc;
  tb_day today = tb_calendar_day_of(cal, tb_store_now_us() / 1000000);
  char from[11];
  tb_date_format(today, from);
  tb_date_format(today + exclude_days(l) - 1, out->excluded_until);
  tb_store_num app = tb_store_i64(l->app);
  const char *params[] = {l->holder, app.v, reason, from, out->excluded_until};
  return tb_store_exec(s, &S_EXCLUDE, params, NULL);
}

/* Revoke every license of the application not yet revoked. */
static tb_store_status revoke_all(tb_store *s, const locked *l,
                                  const char *reason,
                                  const tb_store_actor *actor,
                                  tb_store_found *out) {
  tb_store_num app = tb_store_i64(l->app);
  const char *params[] = {app.v};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_LICENSES, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  for (int i = 0; rc == TB_STORE_OK && i < PQntuples(r); i++) {
    rc = tb_store_license_revoke_in(s, PQgetvalue(r, i, 0), actor, reason);
    out->revoked += rc == TB_STORE_OK;
  }
  PQclear(r);
  return rc;
}

/* End the application if it still waits for its delivery or its gaps. */
static tb_store_status terminate(tb_store *s, const locked *l,
                                 const tb_store_actor *actor,
                                 tb_store_found *out) {
  if (strcmp(l->status, tb_app_status_name(TB_APP_APPROVED)) != 0 &&
      strcmp(l->status, tb_app_status_name(TB_APP_AWAITING_MATERIALS)) != 0)
    return TB_STORE_OK;
  tb_event ev = {.kind = TB_EV_COMMITMENT_FALSE,
                 .at = tb_store_now_us() / 1000000,
                 .actor = actor->id};
  tb_store_outcome *o = tb_xmalloc(sizeof *o);
  tb_store_status rc =
      tb_store_transition_in(s, l->number, &ev, actor, NULL, o);
  if (rc == TB_STORE_REFUSED) { /* the engine disagrees: a bug, logged */
    tb_log_kv(TB_LOG_ERROR, "store", "cannot end the application",
              TB_LOG_S("application", l->number),
              TB_LOG_S("error", o->problem.detail));
    rc = TB_STORE_ERROR;
  }
  free(o);
  out->terminated = rc == TB_STORE_OK;
  return rc;
}

/* The reason recorded with the revocations and the exclusion (cut on a
 * whole character when the finding is long). */
static void false_reason(const tb_store_finding *f, char *out, size_t cap) {
  static const char prefix[] = "告知承诺核查：承诺不实：";
  size_t room = cap - sizeof prefix;
  size_t n = tb_utf8_cut(f->finding, strlen(f->finding), room);
  snprintf(out, cap, "%s%.*s", prefix, (int)n, f->finding);
}

static tb_store_status record(tb_store *s, int64_t id, const locked *l,
                              const tb_store_finding *f,
                              const tb_store_actor *actor,
                              tb_store_found *out) {
  tb_store_num n = tb_store_i64(id), by = tb_store_i64(actor->id);
  const char *params[] = {n.v, f->truthful ? "true" : "false", f->finding,
                          by.v};
  tb_store_status rc = tb_store_exec(s, &S_FIND, params, NULL);
  char reason[1200] = "";
  if (!f->truthful)
    false_reason(f, reason, sizeof reason);
  if (rc == TB_STORE_OK && !f->truthful)
    rc = exclude(s, l, reason, out);
  if (rc != TB_STORE_OK)
    return rc;
  json_t *p =
      json_pack("{s:I, s:s, s:s, s:s, s:O}", "verification", (json_int_t)id,
                "bureau", l->bureau, "result", f->truthful ? "true" : "false",
                "finding", f->finding, "materials", l->materials);
  if (!f->truthful)
    json_object_set_new(p, "excluded_until", json_string(out->excluded_until));
  rc = tb_store_audit_event_in(s, l->number, actor, "verification_found", p);
  json_decref(p);
  if (rc == TB_STORE_OK && !f->truthful)
    rc = revoke_all(s, l, reason, actor, out);
  if (rc == TB_STORE_OK && !f->truthful)
    rc = terminate(s, l, actor, out);
  return rc;
}

tb_store_status tb_store_verification_find_in(tb_store *s, int64_t id,
                                              const tb_store_finding *f,
                                              const tb_store_actor *actor,
                                              tb_store_found *out) {
  memset(out, 0, sizeof *out);
  locked l = {0};
  tb_store_status rc = lock_all(s, id, &l);
  if (rc == TB_STORE_OK) {
    if (!actor->bureau || strcmp(actor->bureau, l.bureau) != 0)
      out->refusal = TB_STORE_TICKET_WRONG_BUREAU;
    else if (strcmp(l.state, "open") != 0)
      out->refusal = TB_STORE_TICKET_STATE;
    rc = out->refusal != TB_STORE_TICKET_DONE
             ? TB_STORE_REFUSED
             : record(s, id, &l, f, actor, out);
  }
  json_decref(l.materials);
  return rc;
}
