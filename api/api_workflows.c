/*
 * api_workflows.c — /api/v1/workflows: the services (newest versions),
 * one definition in enough detail to render its intake form (fields with
 * types, bounds and choices; materials; bureau steps; special procedures;
 * limits), and deploying a definition (admin, XML body) → 201, or 422
 * with every line-numbered problem the loader found; the same check alone
 * (POST /api/v1/workflows/check) deploys nothing. Also the loader every
 * tongban store handle is opened with (tb_api_loader).
 */
#include "tb_api_int.h"
#include "tb_workflows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_h_workflows_list(api_req *r) {
  tb_store *s = api_store(r);
  if (!s)
    return;
  char *json = NULL;
  tb_store_status rc = tb_store_definitions_read(s, &json);
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return;
  }
  json_t *items = api_json_load(json);
  free(json);
  api_reply_json(r, 200,
                 json_pack("{s:o}", "items", items ? items : json_array()));
}

static json_t *bound(const tb_field *f, bool has, double v) {
  if (!has)
    return json_null();
  if (f->type == TB_FIELD_DATE)
    return api_json_day((tb_day)v);
  if (f->type == TB_FIELD_MONEY)
    return json_real(v / 100.0);
  if (f->type == TB_FIELD_TEXT || f->integer)
    return json_integer((json_int_t)v);
  return json_real(v);
}

static json_t *fields_view(const tb_field *fields, size_t n) {
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++) {
    const tb_field *f = &fields[i];
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:b}", "id", f->id, "label", f->label,
                  "type", tb_field_type_name(f->type), "required", f->required);
    if (f->type == TB_FIELD_CHOICE) {
      json_object_set_new(o, "multiple", json_boolean(f->multiple));
      json_t *choices = json_array();
      for (size_t c = 0; c < f->n_choices; c++)
        json_array_append_new(choices, json_pack("{s:s, s:s}", "value",
                                                 f->choices[c].value, "label",
                                                 f->choices[c].label));
      json_object_set_new(o, "choices", choices);
    }
    if (f->type == TB_FIELD_NUMBER)
      json_object_set_new(o, "integer", json_boolean(f->integer));
    json_object_set_new(o, "min",
                        f->min_today ? json_string("today")
                                     : bound(f, f->has_min, f->min));
    json_object_set_new(o, "max",
                        f->max_today ? json_string("today")
                                     : bound(f, f->has_max, f->max));
    if (f->type == TB_FIELD_ID_NUMBER)
      json_object_set_new(o, "same_as",
                          f->same_as_applicant ? json_string("applicant")
                                               : json_null());
    json_array_append_new(arr, o);
  }
  return arr;
}

static json_t *materials_view(const tb_definition *def) {
  json_t *arr = json_array();
  for (size_t i = 0; i < def->n_materials; i++) {
    const tb_material *m = &def->materials[i];
    json_t *o = json_pack("{s:s, s:s, s:b, s:i, s:b}", "id", m->id, "name",
                          m->name, "required", m->required, "tolerate_days",
                          (int)m->tolerate_days, "commitment", m->commitment);
    json_object_set_new(o, "license_type",
                        m->license_type ? json_string(m->license_type)
                                        : json_null());
    json_array_append_new(arr, o);
  }
  return arr;
}

static json_t *steps_view(const tb_definition *def) {
  json_t *arr = json_array();
  for (size_t b = 0; b < def->n_branches; b++) {
    const tb_branch_def *bd = &def->branches[b];
    json_t *tasks = json_array();
    for (size_t t = 0; t < bd->n_tasks; t++)
      json_array_append_new(
          tasks,
          json_pack("{s:s, s:s, s:i, s:o}", "id", bd->tasks[t].id, "name",
                    bd->tasks[t].name, "days", (int)bd->tasks[t].days,
                    "outputs",
                    fields_view(bd->tasks[t].outputs, bd->tasks[t].n_outputs)));
    json_t *after = json_array();
    for (size_t k = 0; k < def->n_branches; k++)
      if (bd->after & (1u << k))
        json_array_append_new(after, json_string(def->branches[k].id));
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:o, s:o, s:b}", "id", bd->id, "name",
                  bd->name, "bureau", bd->bureau, "tasks", tasks, "after",
                  after, "deny_continues", bd->deny_continues);
    json_object_set_new(o, "when",
                        bd->when_text && *bd->when_text
                            ? json_string(bd->when_text)
                            : json_null());
    json_array_append_new(arr, o);
  }
  return arr;
}

static json_t *specials_view(const tb_definition *def) {
  json_t *arr = json_array();
  for (size_t i = 0; i < def->n_specials; i++)
    json_array_append_new(arr,
                          json_pack("{s:s, s:s, s:i}", "kind",
                                    tb_special_kind_name(def->specials[i].kind),
                                    "name", def->specials[i].name, "max_days",
                                    (int)def->specials[i].max_days));
  return arr;
}

static const char *applicant_name(tb_applicant_kind k) {
  return k == TB_APPLICANT_PERSON         ? "person"
         : k == TB_APPLICANT_ORGANIZATION ? "organization"
                                          : "either";
}

static json_t *definition_view(const tb_definition *def) {
  json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:i, s:i, s:i, s:b}", "id",
                        def->id, "version", (int)def->version, "name",
                        def->name, "applicant", applicant_name(def->applicant),
                        "statutory_days", (int)def->statutory_days,
                        "promised_days", (int)def->promised_days, "warn_days",
                        (int)def->warn_days, "online", def->online);
  json_object_set_new(o, "fields", fields_view(def->fields, def->n_fields));
  json_object_set_new(o, "materials", materials_view(def));
  json_object_set_new(o, "steps", steps_view(def));
  json_object_set_new(o, "specials", specials_view(def));
  json_t *lic = json_array();
  for (size_t i = 0; i < def->n_licenses; i++) {
    const tb_license_def *l = &def->licenses[i];
    json_t *one = json_pack("{s:s, s:s, s:s}", "type", l->type_code, "name",
                            l->name, "bureau", l->bureau);
    /* whose: the applicant (null), or the field or output holding the
     * holder's number and name (a newborn's) */
    json_object_set_new(one, "holder",
                        l->holder ? json_pack("{s:s, s:s}", "number", l->holder,
                                              "name", l->holder_name)
                                  : json_null());
    json_array_append_new(lic, one);
  }
  json_object_set_new(o, "licenses", lic);
  return o;
}

void api_h_workflow_get(api_req *r) {
  const tb_definition *def = api_workflow_newest(r, NULL);
  if (def)
    api_reply_json(r, 200, definition_view(def));
}

/* Every problem of a definition, by the loader, against the stored
 * bureaus. true when there is none; then *out (when not NULL) gets the
 * definition, the caller's to free. */
static bool check_definition(api_req *r, tb_store *s, api_problem *pb,
                             tb_definition **out) {
  const tb_bureau_list *bureaus = NULL;
  tb_problem bp = {0};
  if (tb_store_bureaus_get(s, &bureaus, &bp) != TB_STORE_OK)
    bureaus = NULL;
  tb_workflows_problems ps = {0};
  tb_definition *def = NULL;
  tb_status st = tb_workflows_load_buffer("definition.xml", r->body,
                                          r->body_len, bureaus, &def, &ps);
  if (out && st == TB_OK)
    *out = def;
  else
    tb_definition_free(def);
  for (size_t i = 0; i < ps.n; i++) {
    char field[32], what[600];
    snprintf(field, sizeof field, "line %d", ps.items[i].line);
    snprintf(what, sizeof what, "%s — %s", ps.items[i].what,
             ps.items[i].todo ? ps.items[i].todo : "");
    api_problem_field(pb, field, TB_PROBLEM_DEFINITION, "%s", what);
  }
  tb_workflows_problems_free(&ps);
  return st == TB_OK;
}

static tb_store_status post_fn(api_req *r, tb_store *s, void *cls) {
  (void)cls;
  tb_store_definition_info info = {0};
  tb_problem p = {0};
  tb_store_status rc = tb_store_definition_put(s, r->body, r->body_len,
                                               "definition.xml", &info, &p);
  if (rc == TB_STORE_CONFLICT) {
    api_fail(r, TB_PROBLEM_VERSION_EXISTS, "%s", p.detail);
    return rc;
  }
  if (rc == TB_STORE_INVALID || rc == TB_STORE_REFUSED) {
    api_fail(r, TB_PROBLEM_INVALID_DEFINITION, "%s", p.detail);
    return rc;
  }
  char subject[96];
  snprintf(subject, sizeof subject, "definition:%s@%u", info.id, info.version);
  if (rc == TB_STORE_OK) /* in the deployment's transaction */
    rc = api_security_log(r, s, "definition_deployed", TB_SECURITY_OK, subject,
                          json_pack("{s:s, s:i, s:b, s:I}", "id", info.id,
                                    "version", (int)info.version, "inserted",
                                    info.inserted, "bytes",
                                    (json_int_t)r->body_len));
  if (rc != TB_STORE_OK)
    return rc;
  api_reply_json(r, info.inserted ? 201 : 200,
                 json_pack("{s:s, s:i, s:b}", "id", info.id, "version",
                           (int)info.version, "inserted", info.inserted));
  return TB_STORE_OK;
}

/* What a deployment and a check both do first: a body, the store, and no
 * problem in the definition; else answered and NULL. *def (when def is
 * not NULL) gets the definition, the caller's to free. */
static tb_store *checked(api_req *r, tb_definition **def) {
  if (r->body_len == 0) {
    api_fail(r, TB_PROBLEM_MISSING_BODY,
             "send the definition's XML as the body");
    return NULL;
  }
  tb_store *s = api_store(r);
  if (!s)
    return NULL;
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_DEFINITION,
                   "the definition has problems; see errors (by line)");
  if (!check_definition(r, s, &pb, def)) {
    api_problem_send(r, &pb);
    return NULL;
  }
  api_problem_free(&pb);
  return s;
}

void api_h_workflow_post(api_req *r) {
  if (checked(r, NULL))
    api_run_change(r, post_fn, NULL);
}

/* POST /api/v1/workflows/check: the same check as a deployment, nothing
 * stored; 200 with what would be deployed, or 422 with every problem. */
void api_h_workflow_check(api_req *r) {
  tb_definition *def = NULL;
  if (!checked(r, &def))
    return;
  api_reply_json(r, 200,
                 json_pack("{s:s, s:i, s:s}", "id", def->id, "version",
                           (int)def->version, "name", def->name));
  tb_definition_free(def);
}

const tb_store_loader tb_api_loader = {tb_workflows_parse_definition,
                                       tb_workflows_parse_bureaus,
                                       tb_workflows_free_bureaus};
