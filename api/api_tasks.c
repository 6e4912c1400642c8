/*
 * api_tasks.c — /api/v1/tasks: a bureau's queue with deadlines and
 * cards (黄牌 / 红牌, as stored), claiming a task, and deciding it (approve,
 * deny, return with items). An officer sees and decides only its own bureau's
 * tasks; an inspector sees every queue and decides nothing.
 */
#include "tb_api_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COMMENT 2000

static bool is_state(const char *s) {
  return strcmp(s, "waiting") == 0 || strcmp(s, "open") == 0 ||
         strcmp(s, "claimed") == 0 || strcmp(s, "decided") == 0 ||
         strcmp(s, "cancelled") == 0;
}

/* The sign rule of the task's step (会签 all, 或签 any, 依次 sequence, 票签
 * vote, one), or null when its definition is not at hand. */
static json_t *sign_of(const tb_definition *def, json_t *t) {
  static const char *const rules[] = {"one", "all", "any", "sequence", "vote"};
  json_int_t b = json_integer_value(json_object_get(t, "branch")),
             k = json_integer_value(json_object_get(t, "step"));
  if (!def || b < 0 || (size_t)b >= def->n_branches || k < 0 ||
      (size_t)k >= def->branches[b].n_tasks)
    return json_null();
  unsigned rule = def->branches[b].tasks[k].rule;
  return json_string(rule < 5 ? rules[rule] : "one");
}

/* Add "working_days_left" to each task (in place) while the task is open
 * or claimed and its application's clock runs, and "deadline_provisional";
 * type its outputs. Its "warning" is the stored card (tasks.warning, the
 * engine's tb_card_of_task kept by every transition), as the counts and
 * the alert lists read it. */
static void decorate(api_req *r, tb_store *s, json_t *tasks) {
  const tb_calendar *cal = NULL;
  tb_store_calendar_get(s, &cal);
  size_t i;
  json_t *t;
  json_array_foreach(tasks, i, t) {
    const char *state = json_string_value(json_object_get(t, "state"));
    const char *service = json_string_value(json_object_get(t, "service"));
    json_int_t version = json_integer_value(json_object_get(t, "version"));
    const char *deadline = json_string_value(json_object_get(t, "deadline"));
    const tb_definition *def = NULL;
    if (service)
      tb_store_definition_get(s, service, (uint32_t)version, &def);
    tb_day d = 0;
    bool active =
        state && (strcmp(state, "open") == 0 || strcmp(state, "claimed") == 0);
    if (active && deadline &&
        tb_date_parse(deadline, strlen(deadline), &d) != TB_OK)
      d = 0;
    if (!active)
      json_object_set_new(t, "warning", json_string("none"));
    const char *app =
        json_string_value(json_object_get(t, "application_state"));
    bool runs = active && d && app && strcmp(app, "in_review") == 0;
    json_object_set_new(t, "working_days_left",
                        runs ? api_working_days_left(cal, d, r->now)
                             : json_null());
    api_mark_provisional(cal, t, "deadline", "deadline_provisional");
    if (def)
      json_object_set_new(t, "outputs",
                          api_values_typed(def, json_object_get(t, "outputs")));
    json_object_set_new(t, "sign", sign_of(def, t));
  }
}

/* The cursor "DAY.ID" of ?after= (DAY: YYYY-MM-DD or infinity); false
 * when it is not one. */
static bool read_cursor(const char *text, tb_store_task_page *q) {
  const char *dot = strrchr(text, '.');
  if (!dot || dot == text || (size_t)(dot - text) >= sizeof q->after_day)
    return false;
  size_t n = (size_t)(dot - text);
  tb_day d;
  bool day = (n == 8 && strncmp(text, "infinity", 8) == 0) ||
             tb_date_parse(text, n, &d) == TB_OK;
  char *end = NULL;
  errno = 0;
  long long id = strtoll(dot + 1, &end, 10);
  if (!day || errno || !end || *end || id <= 0 || dot[1] == '\0')
    return false;
  memcpy(q->after_day, text, n);
  q->after_day[n] = '\0';
  q->after_id = id;
  return true;
}

/* ?limit= (1..500, default 100) and ?after=; false when a reply is set. */
static bool read_page(api_req *r, tb_store_task_page *q) {
  const char *limit = api_query(r, "limit"), *after = api_query(r, "after");
  q->limit = 100;
  if (limit) {
    char *end = NULL;
    errno = 0;
    long v = strtol(limit, &end, 10);
    if (errno || !end || *end || v < 1 || v > 500) {
      api_fail_field(r, TB_PROBLEM_INVALID_REQUEST, "limit",
                     "must be a whole number from 1 to 500");
      return false;
    }
    q->limit = (int)v;
  }
  if (after && !read_cursor(after, q)) {
    api_fail_field(r, TB_PROBLEM_INVALID_REQUEST, "after",
                   "must be the \"next\" cursor of the previous page");
    return false;
  }
  return true;
}

void api_h_tasks_list(api_req *r) {
  const char *bureau = api_query(r, "bureau");
  const char *state = api_query(r, "state");
  bool officer = strcmp(r->who.role, "officer") == 0;
  if (officer && bureau && strcmp(bureau, r->who.bureau) != 0) {
    api_fail_field(r, TB_PROBLEM_WRONG_BUREAU, "bureau",
                   "an officer of %s sees only the tasks of %s", r->who.bureau,
                   r->who.bureau);
    return;
  }
  if (officer)
    bureau = r->who.bureau;
  if (bureau && (strlen(bureau) == 0 || strlen(bureau) > 63)) {
    api_fail_field(r, TB_PROBLEM_INVALID_REQUEST, "bureau",
                   "must be a bureau code");
    return;
  }
  if (state && !is_state(state)) {
    api_fail_field(r, TB_PROBLEM_INVALID_REQUEST, "state",
                   "must be waiting, open, claimed, decided or cancelled");
    return;
  }
  const char *mine = api_query(r, "mine");
  if (mine && strcmp(mine, "true") != 0 && strcmp(mine, "false") != 0) {
    api_fail_field(r, TB_PROBLEM_INVALID_REQUEST, "mine",
                   "must be true or false");
    return;
  }
  bool only_mine = mine && strcmp(mine, "true") == 0;
  if (only_mine && !officer) {
    api_fail_field(r, TB_PROBLEM_INVALID_REQUEST, "mine",
                   "only an officer has tasks of their own");
    return;
  }
  /* an officer sees the pool tasks of the bureau, the group tasks of
   * their groups and the tasks assigned to or claimed by them */
  tb_store_task_page q = {.bureau = bureau,
                          .state = state,
                          .officer = officer ? r->who.id : 0,
                          .mine = only_mine};
  if (!read_page(r, &q))
    return;
  tb_store *s = api_store(r);
  if (!s)
    return;
  char *json = NULL;
  tb_store_status rc = tb_store_tasks_read(s, &q, &json);
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return;
  }
  json_t *page = api_json_load(json);
  free(json);
  if (!json_is_array(json_object_get(page, "items"))) {
    json_decref(page);
    api_fail_store(r, TB_STORE_ERROR);
    return;
  }
  decorate(r, s, json_object_get(page, "items"));
  api_reply_json(r, 200, page);
}

bool api_task_load(api_req *r, tb_store_task_ref *task) {
  const char *id = r->params[0];
  char *end = NULL;
  errno = 0;
  long long v = strtoll(id, &end, 10);
  if (errno || !end || *end || v <= 0) {
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such task");
    return false;
  }
  tb_store *s = api_store(r);
  if (!s)
    return false;
  tb_store_status rc = tb_store_task_find(s, v, task);
  if (rc == TB_STORE_NOT_FOUND) {
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such task");
    return false;
  }
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return false;
  }
  if (strcmp(task->bureau, r->who.bureau) != 0) {
    api_fail(r, TB_PROBLEM_WRONG_BUREAU, "this task belongs to bureau %s",
             task->bureau);
    return false;
  }
  return true;
}

void api_task_event(api_req *r, const tb_store_task_ref *task,
                    api_transition *t) {
  t->number = tb_arena_strdup(r->arena, task->number);
  t->task_id = task->id;
  t->ev.bureau = r->who.bureau;
  t->ev.actor_name = r->who.username; /* an officer signer's user name */
  api_event_actor_groups(r, &t->ev);  /* group signers, 减签's remove-by */
}

void api_h_task_claim(api_req *r) {
  tb_store_task_ref task;
  if (!api_task_load(r, &task))
    return;
  json_t *body = api_body_object(r);
  if (!body)
    return;
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_REQUEST, "claim takes no fields");
  api_field none[] = {API_END};
  bool ok = api_fields_parse(&pb, body, NULL, none);
  json_decref(body);
  if (!ok) {
    api_problem_send(r, &pb);
    return;
  }
  api_problem_free(&pb);
  api_transition t = {.ev.kind = TB_EV_CLAIM};
  api_task_event(r, &task, &t);
  t.payload = json_pack("{s:I}", "task", (json_int_t)task.id);
  api_run_transition(r, &t);
  json_decref(t.payload);
}

/* The decisions, in the order of their events. */
static const char *const decisions[] = {"approve", "deny", "return", NULL};
static const tb_event_kind decision_kinds[] = {TB_EV_APPROVE, TB_EV_DENY,
                                               TB_EV_RETURN};

/* The decision body, described once; the rules across its fields: deny
 * and return need a comment (a denial's is its reason, told to the
 * applicant), only a return names items, only an approval records
 * outputs, only a denial cites a legal basis (replacing the definition's,
 * 行政许可法 art. 38). */
enum { D_DECISION, D_COMMENT, D_ITEMS, D_OUTPUTS, D_BASIS };

static tb_event_kind read_decision(api_problem *pb, json_t *body,
                                   const tb_definition *def, api_field *spec,
                                   uint64_t *items) {
  int decision = -1;
  spec[D_DECISION] =
      (api_field)API_CHOICE("decision", API_REQUIRED, decisions, &decision);
  spec[D_COMMENT] =
      (api_field)API_STRING("comment", API_OPTIONAL, MAX_COMMENT, NULL);
  spec[D_ITEMS] = (api_field)API_MATERIALS("items", API_OPTIONAL, def, items);
  spec[D_OUTPUTS] = (api_field)API_OBJECT("outputs", API_OPTIONAL, NULL, NULL);
  spec[D_BASIS] =
      (api_field)API_STRING("legal_basis", API_OPTIONAL, MAX_COMMENT, NULL);
  spec[D_BASIS + 1] = (api_field)API_END;
  api_fields_parse(pb, body, NULL, spec);
  tb_event_kind kind =
      decision < 0 ? TB_EV_KIND_COUNT : decision_kinds[decision];
  if (kind == TB_EV_DENY && !spec[D_COMMENT].bad && !spec[D_COMMENT].value)
    api_field_problem(pb, NULL, &spec[D_COMMENT], TB_PROBLEM_MISSING,
                      "a denial must give its reason: the applicant is told "
                      "it");
  else if (kind == TB_EV_DENY || kind == TB_EV_RETURN)
    api_field_require(pb, &spec[D_COMMENT]);
  if (kind != TB_EV_DENY && spec[D_BASIS].value)
    api_field_problem(pb, NULL, &spec[D_BASIS], TB_PROBLEM_INVALID_REQUEST,
                      "only a denial cites a legal basis");
  if (kind == TB_EV_RETURN)
    api_field_require(pb, &spec[D_ITEMS]);
  else if (!spec[D_ITEMS].bad && json_array_size(spec[D_ITEMS].value) > 0)
    api_field_problem(pb, NULL, &spec[D_ITEMS], TB_PROBLEM_INVALID_REQUEST,
                      "only a return names items to supplement");
  if (kind != TB_EV_APPROVE && spec[D_OUTPUTS].value)
    api_field_problem(pb, NULL, &spec[D_OUTPUTS], TB_PROBLEM_INVALID_REQUEST,
                      "only an approval records outputs");
  return kind;
}

/* An approval's outputs against the task's <output> declarations (types,
 * bounds, required ones; the day-relative checks are the store's, under
 * the lock). NULL when the task declares none and none is given. */
static tb_store_form *read_outputs(api_req *r, api_problem *pb,
                                   const tb_store_task_ref *task,
                                   json_t *given) {
  const tb_definition *def = task->def;
  if (task->branch < 0 || (size_t)task->branch >= def->n_branches ||
      task->step < 0 ||
      (size_t)task->step >= def->branches[task->branch].n_tasks)
    return NULL;
  const tb_task_def *t = &def->branches[task->branch].tasks[task->step];
  if (t->n_outputs == 0 && !given)
    return NULL;
  json_t *none = given ? NULL : json_object();
  tb_store_form *out = tb_arena_alloc(r->arena, sizeof *out);
  char of[160];
  snprintf(of, sizeof of, "task %s", t->id);
  api_values_read(pb, r->arena, "outputs", t->outputs, t->n_outputs, of,
                  given ? given : none, 0, out);
  json_decref(none);
  return out;
}

void api_h_task_decide(api_req *r) {
  tb_store_task_ref task;
  if (!api_task_load(r, &task))
    return;
  const tb_definition *def = task.def;
  json_t *body = api_body_object(r);
  if (!body)
    return;
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_REQUEST,
                   "the decision has problems; see errors");
  api_field spec[D_BASIS + 2];
  uint64_t items = 0;
  tb_event_kind kind = read_decision(&pb, body, def, spec, &items);
  tb_store_form *outputs = NULL;
  if (kind == TB_EV_APPROVE && !api_problem_has_errors(&pb))
    outputs = read_outputs(r, &pb, &task, spec[D_OUTPUTS].value);
  if (api_problem_has_errors(&pb)) {
    api_problem_send(r, &pb);
    json_decref(body);
    return;
  }
  api_problem_free(&pb);
  api_transition t = {.ev.kind = kind, .outputs = outputs};
  api_task_event(r, &task, &t);
  t.ev.materials = items;
  t.payload = api_fields_payload(spec);
  json_object_del(t.payload, spec[D_OUTPUTS].name); /* the store's own */
  if (kind != TB_EV_RETURN)
    json_object_set_new(t.payload, spec[D_ITEMS].name, json_null());
  json_object_set_new(t.payload, "task", json_integer((json_int_t)task.id));
  api_run_transition(r, &t);
  json_decref(t.payload);
  json_decref(body);
}
