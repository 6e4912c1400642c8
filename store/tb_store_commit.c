/*
 * tb_store_commit.c — 告知承诺 inside a transition's transaction: the
 * verifications (事后核查) an approval opens, and the exclusion an intake
 * that chooses a commitment is checked against (see tb_store_int.h and
 * tb_store_verify.h). Apart from tb_store_verify.c, which runs a
 * transition itself when a finding ends an application.
 */
#include "tb_store_int.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const tb_store_stmt S_OPEN = {
    "ve_open",
    "INSERT INTO verifications (application_id, bureau, materials, due, "
    "opened_at) VALUES ($1::bigint, $2, $3::jsonb, $4::date, now()) "
    "ON CONFLICT (application_id, bureau) DO NOTHING RETURNING id",
    4};
static const tb_store_stmt S_EXCLUDED = {
    "ve_excluded",
    "SELECT to_char(max(e.until_day), 'YYYY-MM-DD') FROM "
    "commitment_exclusions e JOIN applications a ON a.applicant_id_number = "
    "e.id_number WHERE a.id = $1::bigint AND e.from_day <= $2::date AND "
    "e.until_day >= $2::date",
    2};
/* The calendar the transition's step used (fetched in this transaction),
 * or the stored one. */
static tb_store_status calendar_of(tb_store *s, const tb_calendar **cal) {
  if (s->calendar) {
    *cal = s->calendar;
    return TB_STORE_OK;
  }
  return tb_store_calendar_get(s, cal);
}

/* ---- opening ---------------------------------------------------------------
 */

/* The committed materials verified by the bureau of material m (and
 * every one before it of that bureau already taken): their ids and
 * names, and the shortest verify-days. */
static json_t *group_of(const tb_definition *def, uint64_t committed, size_t m,
                        uint64_t *taken, int *days) {
  const char *bureau = def->materials[m].verify_bureau;
  json_t *list = json_array();
  *days = 0;
  for (size_t k = m; k < def->n_materials && k < 64; k++) {
    const tb_material *mk = &def->materials[k];
    if (!(committed & (UINT64_C(1) << k)) || !mk->verify_bureau ||
        strcmp(mk->verify_bureau, bureau) != 0)
      continue;
    *taken |= UINT64_C(1) << k;
    if (*days == 0 || mk->verify_days < *days)
      *days = mk->verify_days;
    json_array_append_new(
        list, json_pack("{s:s, s:s}", "id", mk->id, "name", mk->name));
  }
  return list;
}

static tb_store_status open_one(tb_store *s, const tb_store_outcome *o,
                                const char *bureau, json_t *materials,
                                const char *due, json_t *opened) {
  tb_store_num app = tb_store_i64(o->application_id);
  char *text = json_dumps(materials, JSON_COMPACT);
  const char *params[] = {app.v, bureau, text, due};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_OPEN, params, &r);
  free(text);
  if (rc != TB_STORE_OK)
    return rc;
  int64_t id = 0;
  if (PQntuples(r) == 1) /* none: opened by an earlier approval */
    tb_store_parse_i64(PQgetvalue(r, 0, 0), &id);
  PQclear(r);
  if (id > 0)
    json_array_append_new(opened,
                          json_pack("{s:I, s:s, s:O, s:s}", "verification",
                                    (json_int_t)id, "bureau", bureau,
                                    "materials", materials, "due", due));
  return TB_STORE_OK;
}

static bool approves(const tb_store_outcome *o) {
  bool was = o->before.status == TB_APP_APPROVED ||
             o->before.status == TB_APP_AWAITING_MATERIALS;
  bool is = o->after.status == TB_APP_APPROVED ||
            o->after.status == TB_APP_AWAITING_MATERIALS;
  return is && !was;
}

tb_store_status tb_store_verifications_open_in(tb_store *s,
                                               const tb_store_outcome *o,
                                               int64_t at, json_t **opened) {
  *opened = NULL;
  const tb_definition *def = o->def;
  if (!approves(o) || o->after.committed == 0)
    return TB_STORE_OK;
  const tb_calendar *cal = NULL;
  tb_store_status rc = calendar_of(s, &cal);
  if (rc != TB_STORE_OK)
    return rc;
  tb_day today = tb_calendar_day_of(cal, at);
  uint64_t taken = 0;
  *opened = json_array();
  for (size_t m = 0; rc == TB_STORE_OK && m < def->n_materials && m < 64; m++) {
    uint64_t bit = UINT64_C(1) << m;
    if (!(o->after.committed & bit) || (taken & bit) ||
        !def->materials[m].verify_bureau)
      continue;
    int days = 0;
    json_t *materials = group_of(def, o->after.committed, m, &taken, &days);
    char due[11];
    tb_date_format(tb_calendar_add_working_days(cal, today, days), due);
    rc = open_one(s, o, def->materials[m].verify_bureau, materials, due,
                  *opened);
    json_decref(materials);
  }
  return rc;
}

tb_store_status tb_store_exclusion_in(tb_store *s, int64_t app, tb_day today,
                                      tb_day *until) {
  *until = 0;
  char day[11];
  tb_date_format(today, day);
  tb_store_num id = tb_store_i64(app);
  const char *params[] = {id.v, day};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_EXCLUDED, params, &r);
  if (rc != TB_STORE_OK)
    return rc == TB_STORE_NOT_FOUND ? TB_STORE_ERROR : rc;
  const char *v = PQgetvalue(r, 0, 0);
  if (!PQgetisnull(r, 0, 0) && tb_date_parse(v, strlen(v), until) != TB_OK)
    rc = TB_STORE_ERROR;
  PQclear(r);
  return rc;
}
