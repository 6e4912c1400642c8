/*
 * api_verbs.c — the verbs of a branch on one task (issue 14): 转办
 * (transfer), 委派 (delegate) and its return (resolve), 加签 (signers),
 * 减签 (remove), 退回 (send-back) and 撤回 (take-back).
 *
 * Each reads its body by one field table, checks what it can without the
 * state (a user name's shape, a step id of the task's branch), and runs
 * the event through the transaction contract (api_run_transition, with
 * its Idempotency-Key): the store reads the task under the application's
 * lock, resolves the officer named by "to" (422 on "to" when no active
 * officer of the bureau has that name) and the engine decides. The
 * answer is the decide route's: {task_id, application}. What the officer
 * gave is kept in the audit event ("to", "reason", "to_step" …).
 */
#include "tb_api_int.h"

#include <stdlib.h>
#include <string.h>

#define MAX_REASON 2000
#define MAX_USERNAME 64

static const char *const positions[] = {"before", "after", "parallel", NULL};

/* A verb's request: the task of the path and its body. */
typedef struct {
  tb_store_task_ref task;
  json_t *body;
  api_problem pb;
} verb;

/* The task and the body, read by spec. false: a reply is set and
 * nothing is left to free. */
static bool verb_begin(api_req *r, verb *v, api_field *spec) {
  v->body = NULL;
  if (!api_task_load(r, &v->task))
    return false;
  v->body = api_body_object(r);
  if (!v->body)
    return false;
  api_problem_init(&v->pb, TB_PROBLEM_INVALID_REQUEST,
                   "the request has problems; see errors");
  api_fields_parse(&v->pb, v->body, NULL, spec);
  return true;
}

/* Send the collected problems, or run the event with the table's fields
 * (and the task) as its audit payload. */
static void verb_end(api_req *r, verb *v, const api_field *spec,
                     api_transition *t) {
  if (api_problem_has_errors(&v->pb)) {
    api_problem_send(r, &v->pb);
  } else {
    api_problem_free(&v->pb);
    api_task_event(r, &v->task, t);
    t->payload = api_fields_payload(spec);
    json_object_set_new(t->payload, "task",
                        json_integer((json_int_t)v->task.id));
    api_run_transition(r, t);
    json_decref(t->payload);
  }
  json_decref(v->body);
}

/* "to": a user name as accounts spell them (the store then looks for an
 * active officer of the task's bureau by it). */
static void check_username(api_problem *pb, api_field *f) {
  const char *s = json_string_value(f->value);
  if (f->bad || !s)
    return;
  for (const char *c = s; *c; c++)
    if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
          (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-')) {
      api_field_problem(pb, NULL, f, TB_PROBLEM_INVALID_REQUEST,
                        "must be an officer's user name (letters, digits, "
                        "'.', '_' or '-')");
      return;
    }
}

/* 转办 and 委派: {to, reason?}. */
static void hand_on(api_req *r, tb_event_kind kind) {
  verb v;
  api_field spec[] = {API_STRING("to", API_REQUIRED, MAX_USERNAME, NULL),
                      API_STRING("reason", API_OPTIONAL, MAX_REASON, NULL),
                      API_END};
  if (!verb_begin(r, &v, spec))
    return;
  check_username(&v.pb, &spec[0]);
  api_transition t = {.ev.kind = kind};
  verb_end(r, &v, spec, &t);
}

void api_h_task_transfer(api_req *r) {
  hand_on(r, TB_EV_TRANSFER);
}

void api_h_task_delegate(api_req *r) {
  hand_on(r, TB_EV_DELEGATE);
}

/* 委派办毕: the delegate hands the task back, {comment?}. */
void api_h_task_resolve(api_req *r) {
  verb v;
  api_field spec[] = {API_STRING("comment", API_OPTIONAL, MAX_REASON, NULL),
                      API_END};
  if (!verb_begin(r, &v, spec))
    return;
  api_transition t = {.ev.kind = TB_EV_RESOLVE};
  verb_end(r, &v, spec, &t);
}

/* 加签: {to, position, reason?}. */
void api_h_task_signers(api_req *r) {
  verb v;
  int position = -1;
  api_field spec[] = {
      API_STRING("to", API_REQUIRED, MAX_USERNAME, NULL),
      API_CHOICE("position", API_REQUIRED, positions, &position),
      API_STRING("reason", API_OPTIONAL, MAX_REASON, NULL), API_END};
  if (!verb_begin(r, &v, spec))
    return;
  check_username(&v.pb, &spec[0]);
  api_transition t = {.ev.kind = TB_EV_ADD_SIGNER};
  t.ev.position = (uint8_t)(position == 1   ? TB_ADD_AFTER
                            : position == 2 ? TB_ADD_PARALLEL
                                            : TB_ADD_BEFORE);
  verb_end(r, &v, spec, &t);
}

/* 减签 and 撤回: {reason}, required (the timeline says why). */
static void undo(api_req *r, tb_event_kind kind) {
  verb v;
  api_field spec[] = {API_STRING("reason", API_REQUIRED, MAX_REASON, NULL),
                      API_END};
  if (!verb_begin(r, &v, spec))
    return;
  api_transition t = {.ev.kind = kind};
  verb_end(r, &v, spec, &t);
}

void api_h_task_remove(api_req *r) {
  undo(r, TB_EV_REMOVE_SIGNER);
}

void api_h_task_take_back(api_req *r) {
  undo(r, TB_EV_TAKE_BACK);
}

/* The index of step id in the task's branch, or -1 (a problem on f
 * naming the branch's steps). */
static int step_index(api_problem *pb, api_field *f,
                      const tb_store_task_ref *task) {
  const char *id = json_string_value(f->value);
  const tb_definition *def = task->def;
  if (f->bad || !id || task->branch < 0 ||
      (size_t)task->branch >= def->n_branches)
    return -1;
  const tb_branch_def *b = &def->branches[task->branch];
  for (size_t i = 0; i < b->n_tasks && i < TB_MAX_TASKS_PER_BRANCH; i++)
    if (strcmp(b->tasks[i].id, id) == 0)
      return (int)i;
  api_field_problem(pb, NULL, f, TB_PROBLEM_INVALID_REQUEST,
                    "'%s' is not a step of branch %s", id, b->id);
  return -1;
}

/* 退回: {to_step, reason}. Whether the step may go back there is the
 * definition's back-to (the engine answers not_allowed naming them). */
void api_h_task_send_back(api_req *r) {
  verb v;
  api_field spec[] = {API_STRING("to_step", API_REQUIRED, 64, NULL),
                      API_STRING("reason", API_REQUIRED, MAX_REASON, NULL),
                      API_END};
  if (!verb_begin(r, &v, spec))
    return;
  int step = step_index(&v.pb, &spec[0], &v.task);
  api_transition t = {.ev.kind = TB_EV_SEND_BACK};
  t.ev.to_step = (uint8_t)(step < 0 ? 0 : step);
  verb_end(r, &v, spec, &t);
}

/* ---- GET /api/v1/tasks/{id}/options -------------------------------------- */

static bool is_me(api_req *r, json_t *id) {
  return json_is_integer(id) && json_integer_value(id) == r->who.id;
}

static bool in_groups(json_t *groups, const char *code) {
  size_t i;
  json_t *g;
  json_array_foreach(groups, i, g) {
    if (code && json_is_string(g) && strcmp(json_string_value(g), code) == 0)
      return true;
  }
  return false;
}

static const char *text_of(json_t *o, const char *key) {
  const char *s = json_string_value(json_object_get(o, key));
  return s ? s : "";
}

/* 减签 of this task by the asker: they added its signer, or it is a
 * signer of the definition and they are of the step's remove-by group. */
static bool may_remove(api_req *r, const tb_task_def *td, json_t *task,
                       json_t *groups) {
  json_t *added = json_object_get(task, "added_by");
  return is_me(r, added) ||
         (json_is_null(added) && in_groups(groups, td->remove_group));
}

/* Whether the asker may take the open task: its signer is theirs and
 * nobody else claimed it. */
static bool may_take(api_req *r, json_t *task, json_t *groups) {
  const char *kind = text_of(task, "signer_kind");
  json_t *claimant = json_object_get(task, "claimant");
  if (!json_is_null(claimant) && !is_me(r, claimant))
    return false;
  if (strcmp(kind, "pool") == 0)
    return true;
  if (strcmp(kind, "group") == 0)
    return in_groups(groups, text_of(task, "group"));
  return is_me(r, json_object_get(task, "assignee"));
}

/* The verbs the asker may use on the task now, as far as its row and the
 * definition tell (the engine has the last word when one is used). */
static json_t *verbs_of(api_req *r, const tb_task_def *td, json_t *task,
                        json_t *groups) {
  json_t *v = json_array();
  const char *state = text_of(task, "state");
  bool open = strcmp(state, "open") == 0 || strcmp(state, "claimed") == 0;
  if (strcmp(state, "decided") == 0) {
    const char *d = text_of(task, "decision");
    if (is_me(r, json_object_get(task, "decided_by")) &&
        !json_is_true(json_object_get(task, "taken_back")) &&
        (strcmp(d, "approve") == 0 || strcmp(d, "deny") == 0))
      json_array_append_new(v, json_string("take-back"));
    return v;
  }
  if (open && !json_is_null(json_object_get(task, "delegate_of"))) {
    if (is_me(r, json_object_get(task, "assignee")))
      json_array_append_new(v, json_string("resolve"));
    return v;
  }
  if (open && may_take(r, task, groups)) {
    static const char *const all[] = {"approve",  "deny",     "return",
                                      "transfer", "delegate", "signers"};
    const char *kind = text_of(task, "signer_kind");
    if (strcmp(state, "open") == 0 &&
        (strcmp(kind, "pool") == 0 || strcmp(kind, "group") == 0))
      json_array_append_new(v, json_string("claim"));
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
      json_array_append_new(v, json_string(all[i]));
    if (td->back_to)
      json_array_append_new(v, json_string("send-back"));
    return v;
  }
  if ((open || strcmp(state, "waiting") == 0) &&
      may_remove(r, td, task, groups))
    json_array_append_new(v, json_string("remove"));
  return v;
}

/* The steps 退回 may go back to from td, in the branch's order. */
static json_t *send_back_to(const tb_branch_def *b, const tb_task_def *td) {
  json_t *a = json_array();
  for (size_t i = 0; i < b->n_tasks && i < 32; i++)
    if (td->back_to & (UINT32_C(1) << i))
      json_array_append_new(
          a, json_pack("{s:s, s:s}", "step", b->tasks[i].id, "name",
                       b->tasks[i].name ? b->tasks[i].name : b->tasks[i].id));
  return a;
}

static json_t *add_positions(const tb_task_def *td) {
  if (td->rule == TB_SIGN_ONE || td->rule == TB_SIGN_SEQUENCE)
    return json_pack("[s, s]", "before", "after");
  return json_pack("[s]", "parallel");
}

void api_h_task_options(api_req *r) {
  tb_store_task_ref task;
  if (!api_task_load(r, &task))
    return;
  const tb_definition *def = task.def;
  if (task.branch < 0 || (size_t)task.branch >= def->n_branches ||
      task.step < 0 ||
      (size_t)task.step >= def->branches[task.branch].n_tasks) {
    api_fail_store(r, TB_STORE_ERROR);
    return;
  }
  const tb_branch_def *b = &def->branches[task.branch];
  const tb_task_def *td = &b->tasks[task.step];
  char *json = NULL;
  tb_store_status rc =
      tb_store_task_options_read(api_store(r), task.id, r->who.id, &json);
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return;
  }
  json_t *o = api_json_load(json);
  free(json);
  if (!json_is_object(o)) {
    json_decref(o);
    api_fail_store(r, TB_STORE_ERROR);
    return;
  }
  json_t *reply = json_pack(
      "{s:o, s:O, s:o, s:o, s:O}", "verbs",
      verbs_of(r, td, json_object_get(o, "task"), json_object_get(o, "groups")),
      "officers", json_object_get(o, "officers"), "send_back_to",
      send_back_to(b, td), "add_positions", add_positions(td), "signers",
      json_object_get(o, "signers"));
  json_decref(o);
  api_reply_json(r, 200, reply);
}
