/*
 * api_tasks.c — /api/v1/tasks: a bureau's queue with deadlines and
 * warning colours, claiming a task, and deciding it (approve, deny,
 * return with items). An officer sees and decides only its own bureau's
 * tasks; an inspector sees every queue and decides nothing.
 */
#include "tb_api_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COMMENT 2000

static bool is_state(const char *s) {
  return strcmp(s, "open") == 0 || strcmp(s, "claimed") == 0 ||
         strcmp(s, "decided") == 0 || strcmp(s, "cancelled") == 0;
}

/* Add "warning" to each task from its deadline and its service's
 * warn_days; without a state filter keep only open and claimed tasks. */
static json_t *decorate(api_req *r, tb_store *s, json_t *tasks,
                        bool only_active) {
  const tb_calendar *cal = NULL;
  tb_store_calendar_get(s, &cal);
  json_t *out = json_array();
  size_t i;
  json_t *t;
  json_array_foreach(tasks, i, t) {
    const char *state = json_string_value(json_object_get(t, "state"));
    if (only_active && state && strcmp(state, "open") != 0 &&
        strcmp(state, "claimed") != 0)
      continue;
    const char *service = json_string_value(json_object_get(t, "service"));
    json_int_t version = json_integer_value(json_object_get(t, "version"));
    const char *deadline = json_string_value(json_object_get(t, "deadline"));
    const tb_definition *def = NULL;
    int warn = 1;
    if (service && tb_store_definition_get(s, service, (uint32_t)version,
                                           &def) == TB_STORE_OK)
      warn = def->warn_days;
    tb_day d = 0;
    const char *colour = "none";
    bool active =
        state && (strcmp(state, "open") == 0 || strcmp(state, "claimed") == 0);
    if (active && deadline &&
        tb_date_parse(deadline, strlen(deadline), &d) == TB_OK)
      colour = api_warning_of(cal, d, warn, r->now);
    json_object_set_new(t, "warning", json_string(colour));
    json_array_append(out, t);
  }
  return out;
}

void api_h_tasks_list(api_req *r) {
  const char *bureau = api_query(r, "bureau");
  const char *state = api_query(r, "state");
  bool officer = strcmp(r->who.role, "officer") == 0;
  if (officer && bureau && strcmp(bureau, r->who.bureau) != 0) {
    api_fail_field(r, 403, "wrong_bureau", "bureau",
                   "an officer of %s sees only the tasks of %s", r->who.bureau,
                   r->who.bureau);
    return;
  }
  if (officer)
    bureau = r->who.bureau;
  if (bureau && (strlen(bureau) == 0 || strlen(bureau) > 63)) {
    api_fail_field(r, 422, "invalid_request", "bureau",
                   "must be a bureau code");
    return;
  }
  if (state && !is_state(state)) {
    api_fail_field(r, 422, "invalid_request", "state",
                   "must be open, claimed, decided or cancelled");
    return;
  }
  tb_store *s = api_store(r);
  if (!s)
    return;
  char *json = NULL;
  tb_store_status rc = tb_store_read_tasks(s, bureau, state, 500, &json);
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return;
  }
  json_t *tasks = api_json_load(json);
  free(json);
  json_t *items = decorate(r, s, tasks, state == NULL);
  json_decref(tasks);
  api_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/* The task named in the path, checked against the officer's bureau.
 * false: a reply is set. */
static bool load_task(api_req *r, tb_store **s, tb_store_task *task) {
  const char *id = r->params[0];
  char *end = NULL;
  errno = 0;
  long long v = strtoll(id, &end, 10);
  if (errno || !end || *end || v <= 0) {
    api_fail(r, 404, "not_found", "no such task");
    return false;
  }
  *s = api_store(r);
  if (!*s)
    return false;
  tb_store_status rc = tb_store_task_get(*s, v, task);
  if (rc == TB_STORE_NOT_FOUND) {
    api_fail(r, 404, "not_found", "no such task");
    return false;
  }
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return false;
  }
  if (strcmp(task->bureau, r->who.bureau) != 0) {
    api_fail(r, 403, "wrong_bureau", "this task belongs to bureau %s",
             task->bureau);
    return false;
  }
  return true;
}

static void fill_event(api_req *r, const tb_store_task *task,
                       api_transition *t) {
  t->number = tb_arena_strdup(r->arena, task->number);
  t->task_id = task->id;
  t->ev.branch = task->branch;
  t->ev.step = task->step;
  t->ev.bureau = r->who.bureau;
}

void api_h_task_claim(api_req *r) {
  tb_store *s;
  tb_store_task task;
  if (!load_task(r, &s, &task))
    return;
  json_t *body = api_body_object(r);
  if (!body)
    return;
  if (json_object_size(body) > 0) {
    api_problem pb;
    api_problem_init(&pb, 422, "invalid_request", "claim takes no fields");
    static const char *const none[] = {NULL};
    api_only_fields(&pb, body, NULL, none);
    api_problem_send(r, &pb);
    json_decref(body);
    return;
  }
  json_decref(body);
  api_transition t = {.ev.kind = TB_EV_CLAIM};
  fill_event(r, &task, &t);
  t.payload = json_pack("{s:I}", "task", (json_int_t)task.id);
  api_run_transition(r, &t);
  json_decref(t.payload);
}

static tb_event_kind decision_kind(const char *d) {
  if (strcmp(d, "approve") == 0)
    return TB_EV_APPROVE;
  if (strcmp(d, "deny") == 0)
    return TB_EV_DENY;
  if (strcmp(d, "return") == 0)
    return TB_EV_RETURN;
  return TB_EV_KIND_COUNT;
}

void api_h_task_decide(api_req *r) {
  tb_store *s;
  tb_store_task task;
  if (!load_task(r, &s, &task))
    return;
  tb_app_state st;
  const tb_definition *def = NULL;
  tb_store_status rc = tb_store_application_state(s, task.number, &st, &def);
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return;
  }
  json_t *body = api_body_object(r);
  if (!body)
    return;
  api_problem pb;
  api_problem_init(&pb, 422, "invalid_request",
                   "the decision has problems; see errors");
  static const char *const allowed[] = {"decision", "comment", "items", NULL};
  api_only_fields(&pb, body, NULL, allowed);
  const char *decision = NULL, *comment = NULL;
  tb_event_kind kind = TB_EV_KIND_COUNT;
  if (api_get_string(&pb, body, NULL, "decision", true, 16, &decision)) {
    kind = decision_kind(decision);
    if (kind == TB_EV_KIND_COUNT)
      api_problem_field(&pb, "decision", "invalid",
                        "must be approve, deny or return");
  }
  bool needs_reason = kind == TB_EV_DENY || kind == TB_EV_RETURN;
  api_get_string(&pb, body, NULL, "comment", needs_reason, MAX_COMMENT,
                 &comment);
  uint64_t items = 0;
  json_t *items_json = json_object_get(body, "items");
  if (kind == TB_EV_RETURN)
    api_get_materials(&pb, body, "items", true, def, &items);
  else if (items_json && !json_is_null(items_json) &&
           json_array_size(items_json) > 0)
    api_problem_field(&pb, "items", "invalid",
                      "only a return names items to supplement");
  if (api_problem_has_errors(&pb)) {
    api_problem_send(r, &pb);
    json_decref(body);
    return;
  }
  api_problem_free(&pb);
  api_transition t = {.ev.kind = kind};
  fill_event(r, &task, &t);
  t.ev.materials = items;
  t.payload = json_pack("{s:I, s:s, s:s?, s:O?}", "task", (json_int_t)task.id,
                        "decision", decision, "comment", comment, "items",
                        kind == TB_EV_RETURN ? items_json : NULL);
  api_run_transition(r, &t);
  json_decref(t.payload);
  json_decref(body);
}
