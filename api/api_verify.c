/*
 * api_verify.c — 告知承诺 verification (事后核查, 国办发〔2020〕42号):
 * GET /api/v1/verifications?bureau=&state= (officers: their bureau's;
 * inspectors: all) and POST /api/v1/verifications/{id}/finding (an
 * officer of the verifying bureau: true, or false with the reason — a
 * false one revokes, ends and excludes; see tb_store_verify.h), and the
 * refusal of an intake that chooses a commitment while the holder is
 * excluded.
 */
#include "tb_api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FINDING 1000

void api_fail_excluded(api_req *r, const tb_store_outcome *out) {
  char until[11];
  tb_date_format(out->excluded_until, until);
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_COMMITMENT_EXCLUDED,
                   "the holder is excluded from commitments after a false "
                   "commitment; provide the material");
  api_problem_field(&pb, "committed", TB_PROBLEM_COMMITMENT_EXCLUDED, "%s",
                    out->problem.detail);
  api_problem_set(&pb, "material", json_string(out->excluded_material));
  const char *id = out->excluded_material;
  int m = out->def ? tb_definition_material(out->def, id, strlen(id)) : -1;
  api_problem_set(&pb, "material_name",
                  m >= 0 ? json_string(out->def->materials[m].name)
                         : json_null());
  api_problem_set(&pb, "excluded_until", json_string(until));
  api_problem_send(r, &pb);
}

static bool is_state(const char *s) {
  return strcmp(s, "open") == 0 || strcmp(s, "true") == 0 ||
         strcmp(s, "false") == 0;
}

void api_h_verifications_list(api_req *r) {
  const char *bureau = api_query(r, "bureau"), *state = api_query(r, "state");
  bool officer = strcmp(r->who.role, "officer") == 0;
  if (officer && bureau && strcmp(bureau, r->who.bureau) != 0) {
    api_fail_field(r, TB_PROBLEM_WRONG_BUREAU, "bureau",
                   "an officer of %s sees only the verifications of %s",
                   r->who.bureau, r->who.bureau);
    return;
  }
  if (officer)
    bureau = r->who.bureau;
  if (bureau && (!*bureau || strlen(bureau) > 63)) {
    api_fail_field(r, TB_PROBLEM_INVALID_REQUEST, "bureau",
                   "must be a bureau code");
    return;
  }
  if (state && !is_state(state))
    api_fail_field(r, TB_PROBLEM_INVALID_REQUEST, "state",
                   "must be open, true or false");
  else
    api_reply_list(r, tb_store_verifications_read, bureau, state);
}

typedef struct {
  int64_t id;
  tb_store_finding f;
} finding_job;

static tb_store_status finding_refused(api_req *r, tb_store_status rc,
                                       const tb_store_found *out) {
  if (rc == TB_STORE_NOT_FOUND)
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such verification");
  else if (rc == TB_STORE_REFUSED &&
           out->refusal == TB_STORE_TICKET_WRONG_BUREAU)
    api_fail(r, TB_PROBLEM_WRONG_BUREAU,
             "the verification belongs to another bureau");
  else if (rc == TB_STORE_REFUSED)
    api_fail(r, TB_PROBLEM_TICKET_STATE,
             "the verification has its finding already");
  return rc;
}

static tb_store_status finding_change(api_req *r, tb_store *s, void *cls) {
  finding_job *j = cls;
  tb_store_actor actor;
  api_actor(r, &actor);
  tb_store_found out;
  tb_store_status rc =
      tb_store_verification_find_in(s, j->id, &j->f, &actor, &out);
  if (rc != TB_STORE_OK)
    return finding_refused(r, rc, &out);
  char today[11], *json = NULL;
  api_today_text(s, r->now, today);
  rc = tb_store_verification_read(s, j->id, today, &json);
  json_t *v = rc == TB_STORE_OK ? api_json_load(json) : NULL;
  free(json);
  if (!v)
    return rc == TB_STORE_OK || rc == TB_STORE_NOT_FOUND ? TB_STORE_ERROR : rc;
  json_t *one = json_pack("[O]", v);
  api_bureau_names_add(s, one);
  json_decref(one);
  api_reply_json(r, 200,
                 json_pack("{s:o, s:i, s:b, s:s?}", "verification", v,
                           "licenses_revoked", out.revoked, "terminated",
                           out.terminated, "excluded_until",
                           out.excluded_until[0] ? out.excluded_until : NULL));
  return TB_STORE_OK;
}

void api_h_verification_finding(api_req *r) {
  static const char *const results[] = {"false", "true", NULL};
  finding_job j = {.id = api_path_id(r, "verification")};
  if (!j.id)
    return;
  json_t *body = api_body_object(r);
  if (!body)
    return;
  int result = -1;
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_REQUEST,
                   "the request has problems; see errors");
  api_field spec[] = {
      API_CHOICE("result", API_REQUIRED, results, &result),
      API_STRING("finding", API_OPTIONAL, MAX_FINDING, &j.f.finding), API_END};
  /* a false commitment is recorded with its reason */
  if (api_fields_parse(&pb, body, NULL, spec) && result == 0)
    api_field_require(&pb, &spec[1]);
  if (api_problem_has_errors(&pb)) {
    api_problem_send(r, &pb);
  } else {
    api_problem_free(&pb);
    j.f.truthful = result == 1;
    api_run_change(r, finding_change, &j);
  }
  json_decref(body);
}
