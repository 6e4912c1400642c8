/*
 * test_verbs.c — the verbs of a branch in the state machine: who may act
 * on a signer slot (a decision claims), the completion rules (one, 会签,
 * 或签, 依次, 票签), 转办, 委派 and its return, 加签 before / after /
 * parallel, 减签 and the step's re-evaluation, 退回 (never touching another
 * branch), 撤回 inside a step and of the previous step (and its race with
 * 或签 both ways), 抄送, states stored before the slots, every refusal
 * (status, nothing changed, nothing to do), and a property test: random
 * verbs over a three-branch definition with invariants after each event.
 */
#include "tb_engine.h"
#include "tb_machine_test.h"
#include "tb_test.h"

#include <stdlib.h>
#include <string.h>

/* ---- definitions built by hand ---------------------------------------- */

static tb_calendar *cal;
static tb_form form;
static int64_t now;

enum { A = 11, B = 12, C = 13, D = 14 }; /* officers' account ids */

static const tb_signer_def pool3[] = {{.kind = TB_SIGNER_POOL},
                                      {.kind = TB_SIGNER_POOL},
                                      {.kind = TB_SIGNER_POOL}};
static const tb_signer_def kz_and_zs[] = {
    {.kind = TB_SIGNER_GROUP, .name = "KZ"},
    {.kind = TB_SIGNER_OFFICER, .name = "zhangsan"}};
static const tb_copy_def copy_zj[] = {{.bureau = "ZJ", .group = "KZ"}};

static tb_task_def tasks[3];
static tb_task_def side_task[] = {{.id = "tax", .name = "税务", .days = 3}};
static tb_branch_def branches[2];
static tb_definition def;

/* One branch of n steps (tasks[]) at bureau SCJG and, when `side`, a
 * second branch of one pool step at bureau SW. */
static const tb_definition *make_def(size_t n, bool side) {
  memset(&branches, 0, sizeof branches);
  branches[0] = (tb_branch_def){.id = "market",
                                .bureau = "SCJG",
                                .tasks = tasks,
                                .n_tasks = n,
                                .deny_continues = side};
  branches[1] = (tb_branch_def){
      .id = "tax", .bureau = "SW", .tasks = side_task, .n_tasks = 1};
  def = (tb_definition){.id = "verbs",
                        .name = "测试",
                        .version = 1,
                        .statutory_days = 20,
                        .promised_days = 10,
                        .warn_days = 1,
                        .branches = branches,
                        .n_branches = side ? 2 : 1};
  return &def;
}

static tb_task_def step_of(const char *id, tb_sign_rule rule,
                           const tb_signer_def *signers, size_t n) {
  return (tb_task_def){.id = id,
                       .name = id,
                       .days = 3,
                       .rule = (uint8_t)rule,
                       .signers = signers,
                       .n_signers = n};
}

/* ---- driving the machine ----------------------------------------------- */

static tb_effects fx;
static tb_problem prob;
static const char *kz_groups[] = {"KZ"};

static tb_status step(const tb_definition *d, tb_app_state *s, tb_event e) {
  tb_context ctx = {.def = d, .calendar = cal, .form = &form};
  memset(&prob, 0, sizeof prob);
  return tb_engine_step(&ctx, s, &e, &fx, &prob);
}

/* A task event on branch b's step, naming the task by its serial. */
static tb_event tev(tb_event_kind kind, int b, int stp, uint16_t serial,
                    int64_t actor) {
  now += 60;
  return (tb_event){.kind = kind,
                    .at = now,
                    .actor = actor,
                    .branch = (uint8_t)b,
                    .step = (uint8_t)stp,
                    .serial = serial};
}

static uint16_t serial_of(const tb_app_state *s, int b, int slot) {
  return s->branches[b].slots[slot].serial;
}

/* Submitted and accepted: every branch's first step is open. */
static void started(const tb_definition *d, tb_app_state *s) {
  memset(s, 0, sizeof *s);
  now = tb_calendar_start_of(cal, 20454) + 10 * 3600; /* 2026-01-01 */
  MUST(step(d, s, (tb_event){.kind = TB_EV_SUBMIT, .at = now}));
  now += 60;
  MUST(step(d, s, (tb_event){.kind = TB_EV_ACCEPT, .at = now}));
}

static size_t count_fx(tb_effect_kind kind) {
  size_t n = 0;
  for (size_t i = 0; i < fx.n; i++)
    n += fx.items[i].kind == kind;
  return n;
}

static const tb_effect *find_fx(tb_effect_kind kind, int slot) {
  for (size_t i = 0; i < fx.n; i++)
    if (fx.items[i].kind == kind && (slot < 0 || fx.items[i].slot == slot))
      return &fx.items[i];
  return NULL;
}

static bool notified(tb_notice_kind notice) {
  for (size_t i = 0; i < fx.n; i++)
    if (fx.items[i].kind == TB_EFFECT_NOTIFY && fx.items[i].notice == notice)
      return true;
  return false;
}

/* Refused with `want`: nothing changed, nothing to do, a reason given. */
static void refused(const tb_definition *d, tb_app_state *s, tb_event e,
                    tb_status want) {
  tb_app_state before = *s;
  tb_status rc = step(d, s, e);
  TB_CHECKF(rc == want, "%s: got %s (%s), want %s", tb_event_kind_name(e.kind),
            tb_status_code(rc), prob.detail, tb_status_code(want));
  TB_CHECK(memcmp(&before, s, sizeof before) == 0);
  TB_CHECK_INT(fx.n, 0);
  TB_CHECKF(prob.detail[0] != '\0', "no reason given");
}

/* ---- who may act ------------------------------------------------------- */

static void a_decision_claims(void) {
  tasks[0] = step_of("review", TB_SIGN_ONE, NULL, 0);
  const tb_definition *d = make_def(1, false);
  tb_app_state s;
  started(d, &s);
  const tb_branch_state *br = &s.branches[0];
  TB_CHECK_INT(br->n_slots, 1);
  TB_CHECK_INT(br->slots[0].kind, TB_SIGNER_POOL);
  TB_CHECK_INT(br->slots[0].status, TB_SLOT_OPEN);
  /* a claim, then only the claimant */
  MUST(step(d, &s, tev(TB_EV_CLAIM, 0, 0, serial_of(&s, 0, 0), A)));
  TB_CHECK(br->acted);
  refused(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 0), B),
          TB_ERR_CLAIMED_BY_OTHER);
  refused(d, &s, tev(TB_EV_CLAIM, 0, 0, serial_of(&s, 0, 0), A),
          TB_ERR_ILLEGAL_STATE);
  /* unclaimed: the deny itself claims */
  started(d, &s);
  MUST(step(d, &s, tev(TB_EV_DENY, 0, 0, serial_of(&s, 0, 0), B)));
  TB_CHECK_INT(s.status, TB_APP_DENIED);
  TB_CHECK_INT(s.branches[0].slots[0].account, B);
}

static void groups_and_officers(void) {
  tasks[0] = step_of("review", TB_SIGN_ALL, kz_and_zs, 2);
  const tb_definition *d = make_def(1, false);
  tb_app_state s;
  started(d, &s);
  TB_CHECK_INT(count_fx(TB_EFFECT_CREATE_TASK), 2);
  const tb_effect *g = find_fx(TB_EFFECT_CREATE_TASK, 0);
  TB_CHECK(g && g->signer_kind == TB_SIGNER_GROUP && g->ref == 0 &&
           !g->waiting);
  tb_event e = tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 0), A);
  refused(d, &s, e, TB_ERR_NOT_ASSIGNEE); /* not of KZ */
  e.actor_groups = kz_groups;
  e.n_actor_groups = 1;
  e.bureau = "SW";
  refused(d, &s, e, TB_ERR_WRONG_BUREAU);
  e.bureau = "SCJG";
  /* zhangsan holds slot 1 by name before acting: no 转办 to them */
  tb_event t = tev(TB_EV_TRANSFER, 0, 0, serial_of(&s, 0, 0), A);
  t.actor_groups = kz_groups;
  t.n_actor_groups = 1;
  t.target = B;
  t.target_name = "zhangsan";
  refused(d, &s, t, TB_ERR_NOT_ALLOWED);
  MUST(step(d, &s, e));
  /* the officer's slot: by user name */
  e = tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 1), B);
  e.actor_name = "lisi";
  refused(d, &s, e, TB_ERR_NOT_ASSIGNEE);
  e.actor_name = "zhangsan";
  MUST(step(d, &s, e));
  TB_CHECK_INT(s.status, TB_APP_APPROVED);
}

/* ---- completion rules -------------------------------------------------- */

static void countersign_all(void) {
  tasks[0] = step_of("review", TB_SIGN_ALL, pool3, 3);
  tasks[1] = step_of("sign", TB_SIGN_ONE, NULL, 0);
  const tb_definition *d = make_def(2, false);
  tb_app_state s;
  started(d, &s);
  TB_CHECK_INT(count_fx(TB_EFFECT_CREATE_TASK), 3);
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 0), A)));
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 1), B)));
  TB_CHECK_INT(s.branches[0].step, 0);
  TB_CHECK_INT(fx.n, 0);
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 2), C)));
  TB_CHECK_INT(s.branches[0].step, 1);
  const tb_effect *e = find_fx(TB_EFFECT_CREATE_TASK, 0);
  TB_CHECK(e && e->step == 1 && e->serial == 4);
  /* a deny at once: the step is denied, the others close */
  started(d, &s);
  MUST(step(d, &s, tev(TB_EV_DENY, 0, 0, serial_of(&s, 0, 1), B)));
  TB_CHECK_INT(s.status, TB_APP_DENIED);
  TB_CHECK_INT(count_fx(TB_EFFECT_CANCEL_TASK), 2);
  TB_CHECK(find_fx(TB_EFFECT_CANCEL_TASK, 0)->reason == TB_CLOSE_STEP_DENIED);
  /* after all: the others still decide */
  tasks[0].on_deny = TB_DENY_AFTER_ALL;
  started(d, &s);
  MUST(step(d, &s, tev(TB_EV_DENY, 0, 0, serial_of(&s, 0, 1), B)));
  TB_CHECK_INT(s.status, TB_APP_IN_REVIEW);
  TB_CHECK_INT(count_fx(TB_EFFECT_CANCEL_TASK), 0);
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 0), A)));
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 2), C)));
  TB_CHECK_INT(s.status, TB_APP_DENIED);
  tasks[0].on_deny = TB_DENY_AT_ONCE;
}

static void any_first_approval(void) {
  tasks[0] = step_of("review", TB_SIGN_ANY, pool3, 3);
  const tb_definition *d = make_def(1, false);
  tb_app_state s;
  started(d, &s);
  MUST(step(d, &s, tev(TB_EV_DENY, 0, 0, serial_of(&s, 0, 0), A)));
  TB_CHECK_INT(s.branches[0].slots[0].status, TB_SLOT_DENIED);
  TB_CHECK_INT(s.status, TB_APP_IN_REVIEW);
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 1), B)));
  TB_CHECK_INT(s.status, TB_APP_APPROVED);
  const tb_effect *e = find_fx(TB_EFFECT_CANCEL_TASK, 2);
  TB_CHECK(e && e->reason == TB_CLOSE_NOT_NEEDED);
  /* every signer denies: denied */
  started(d, &s);
  for (int i = 0; i < 3; i++)
    MUST(step(d, &s, tev(TB_EV_DENY, 0, 0, serial_of(&s, 0, i), A + i)));
  TB_CHECK_INT(s.status, TB_APP_DENIED);
}

static void sequence_in_turn(void) {
  tasks[0] = step_of("review", TB_SIGN_SEQUENCE, pool3, 3);
  const tb_definition *d = make_def(1, false);
  tb_app_state s;
  started(d, &s);
  TB_CHECK_INT(count_fx(TB_EFFECT_CREATE_TASK), 3);
  TB_CHECK(!find_fx(TB_EFFECT_CREATE_TASK, 0)->waiting);
  TB_CHECK(find_fx(TB_EFFECT_CREATE_TASK, 1)->waiting);
  TB_CHECK(find_fx(TB_EFFECT_CREATE_TASK, 2)->waiting);
  refused(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 1), B),
          TB_ERR_ILLEGAL_STATE); /* not its turn */
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 0), A)));
  const tb_effect *o = find_fx(TB_EFFECT_OPEN_TASK, 1);
  TB_CHECK(o && o->serial == serial_of(&s, 0, 1) &&
           o->deadline == s.branches[0].deadline);
  MUST(step(d, &s, tev(TB_EV_DENY, 0, 0, serial_of(&s, 0, 1), B)));
  TB_CHECK_INT(s.status, TB_APP_DENIED);
  TB_CHECK(find_fx(TB_EFFECT_CANCEL_TASK, 2)->reason == TB_CLOSE_STEP_DENIED);
}

static void vote_pass(void) {
  tasks[0] = step_of("review", TB_SIGN_VOTE, pool3, 3);
  tasks[0].pass = 2;
  const tb_definition *d = make_def(1, false);
  tb_app_state s;
  started(d, &s);
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 0), A)));
  MUST(step(d, &s, tev(TB_EV_DENY, 0, 0, serial_of(&s, 0, 1), B)));
  TB_CHECK_INT(s.status, TB_APP_IN_REVIEW);
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 2), C)));
  TB_CHECK_INT(s.status, TB_APP_APPROVED);
  /* two denials: two approvals can no longer be reached */
  started(d, &s);
  MUST(step(d, &s, tev(TB_EV_DENY, 0, 0, serial_of(&s, 0, 0), A)));
  MUST(step(d, &s, tev(TB_EV_DENY, 0, 0, serial_of(&s, 0, 1), B)));
  TB_CHECK_INT(s.status, TB_APP_DENIED);
  TB_CHECK(find_fx(TB_EFFECT_CANCEL_TASK, 2)->reason == TB_CLOSE_NOT_NEEDED);
  /* 撤回 of the deciding vote: the step comes back as it was, the signer
   * it made unneeded included */
  tasks[1] = step_of("sign", TB_SIGN_ONE, NULL, 0);
  d = make_def(2, false);
  started(d, &s);
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 0), A)));
  uint16_t b_task = serial_of(&s, 0, 1);
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, b_task, B)));
  TB_CHECK_INT(s.branches[0].step, 1);
  MUST(step(d, &s, tev(TB_EV_TAKE_BACK, 0, 0, b_task, B)));
  const tb_branch_state *br = &s.branches[0];
  TB_CHECK_INT(br->step, 0);
  TB_CHECK_INT(br->slots[0].status, TB_SLOT_APPROVED);
  TB_CHECK_INT(br->slots[1].status, TB_SLOT_OPEN);
  TB_CHECK_INT(br->slots[1].account, B);
  TB_CHECK_INT(br->slots[2].status, TB_SLOT_OPEN);
  TB_CHECK_INT(count_fx(TB_EFFECT_CREATE_TASK), 2);
  TB_CHECK_INT(count_fx(TB_EFFECT_CANCEL_TASK), 1); /* the next step's */
  TB_CHECK_INT(br->prev_n, 0);
  tasks[0].pass = 0;
}

static void copies_when_a_step_completes(void) {
  tasks[0] = step_of("review", TB_SIGN_ONE, NULL, 0);
  tasks[0].copies = copy_zj;
  tasks[0].n_copies = 1;
  tasks[1] = step_of("sign", TB_SIGN_ONE, NULL, 0);
  const tb_definition *d = make_def(2, false);
  tb_app_state s;
  started(d, &s);
  TB_CHECK(!find_fx(TB_EFFECT_COPY, -1));
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 0), A)));
  const tb_effect *e = find_fx(TB_EFFECT_COPY, -1);
  TB_CHECK(e && e->branch == 0 && e->step == 0);
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 1, serial_of(&s, 0, 0), A)));
  TB_CHECK(!find_fx(TB_EFFECT_COPY, -1));
  tasks[0].copies = NULL;
  tasks[0].n_copies = 0;
}

/* ---- 转办 and 委派 ------------------------------------------------------- */

static void transfer(void) {
  tasks[0] = step_of("review", TB_SIGN_ALL, pool3, 2);
  const tb_definition *d = make_def(1, false);
  tb_app_state s;
  started(d, &s);
  uint16_t old = serial_of(&s, 0, 0);
  tb_event e = tev(TB_EV_TRANSFER, 0, 0, old, A);
  refused(d, &s, e, TB_ERR_INVALID); /* nobody */
  e.target = A;
  refused(d, &s, e, TB_ERR_INVALID); /* yourself */
  MUST(step(d, &s, tev(TB_EV_CLAIM, 0, 0, serial_of(&s, 0, 1), B)));
  e.target = B;
  refused(d, &s, e, TB_ERR_NOT_ALLOWED); /* already a signer */
  e.target = C;
  MUST(step(d, &s, e));
  const tb_effect *c = find_fx(TB_EFFECT_CREATE_TASK, 0);
  TB_CHECK(c && c->signer_kind == TB_SIGNER_ACCOUNT && c->account == C &&
           c->serial > old && c->deadline == s.branches[0].deadline);
  TB_CHECK_INT(count_fx(TB_EFFECT_CANCEL_TASK), 0); /* the acted task */
  refused(d, &s, tev(TB_EV_APPROVE, 0, 0, old, A), TB_ERR_SUPERSEDED);
  refused(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 0), A),
          TB_ERR_NOT_ASSIGNEE);
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 0), C)));
  /* a branch whose task numbers ran out refuses a new task */
  started(d, &s);
  s.branches[0].serials = UINT16_MAX;
  e = tev(TB_EV_TRANSFER, 0, 0, serial_of(&s, 0, 0), A);
  e.target = C;
  refused(d, &s, e, TB_ERR_LIMIT);
}

static void delegate_round_trip(void) {
  tasks[0] = step_of("review", TB_SIGN_ONE, NULL, 0);
  const tb_definition *d = make_def(1, false);
  tb_app_state s;
  started(d, &s);
  tb_event e = tev(TB_EV_DELEGATE, 0, 0, serial_of(&s, 0, 0), A);
  e.target = B;
  MUST(step(d, &s, e));
  const tb_effect *c = find_fx(TB_EFFECT_CREATE_TASK, 0);
  TB_CHECK(c && c->account == B && c->delegate_of == A);
  uint16_t dt = serial_of(&s, 0, 0);
  refused(d, &s, tev(TB_EV_APPROVE, 0, 0, dt, A), TB_ERR_NOT_ASSIGNEE);
  refused(d, &s, tev(TB_EV_APPROVE, 0, 0, dt, B), TB_ERR_NOT_ALLOWED);
  refused(d, &s, tev(TB_EV_RESOLVE, 0, 0, dt, A), TB_ERR_NOT_ASSIGNEE);
  MUST(step(d, &s, tev(TB_EV_RESOLVE, 0, 0, dt, B)));
  c = find_fx(TB_EFFECT_CREATE_TASK, 0);
  TB_CHECK(c && c->account == A && c->delegate_of == 0 &&
           c->signer_kind == TB_SIGNER_ACCOUNT);
  refused(d, &s, tev(TB_EV_RESOLVE, 0, 0, serial_of(&s, 0, 0), B),
          TB_ERR_ILLEGAL_STATE);
  refused(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 0), B),
          TB_ERR_NOT_ASSIGNEE);
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 0), A)));
  TB_CHECK_INT(s.status, TB_APP_APPROVED);
}

/* ---- 加签 and 减签 ------------------------------------------------------- */

static tb_event add_ev(const tb_app_state *s, int slot, int64_t actor,
                       int64_t target, tb_add_position pos) {
  tb_event e = tev(TB_EV_ADD_SIGNER, 0, 0, serial_of(s, 0, slot), actor);
  e.target = target;
  e.position = (uint8_t)pos;
  return e;
}

static void add_before_and_after(void) {
  tasks[0] = step_of("review", TB_SIGN_ONE, NULL, 0);
  const tb_definition *d = make_def(1, false);
  tb_app_state s;
  started(d, &s);
  refused(d, &s, add_ev(&s, 0, A, B, TB_ADD_PARALLEL), TB_ERR_NOT_ALLOWED);
  uint16_t mine = serial_of(&s, 0, 0);
  MUST(step(d, &s, add_ev(&s, 0, A, B, TB_ADD_BEFORE)));
  const tb_branch_state *br = &s.branches[0];
  TB_CHECK_INT(br->n_slots, 2);
  TB_CHECK_INT(br->slots[0].account, B);
  TB_CHECK_INT(br->slots[0].added_by, A);
  TB_CHECK_INT(br->slots[0].status, TB_SLOT_OPEN);
  TB_CHECK_INT(br->slots[1].account, A);
  TB_CHECK_INT(br->slots[1].status, TB_SLOT_WAITING);
  const tb_effect *cx = find_fx(TB_EFFECT_CANCEL_TASK, -1);
  TB_CHECK(cx && cx->serial == mine && cx->reason == TB_CLOSE_REPLACED);
  TB_CHECK(find_fx(TB_EFFECT_CREATE_TASK, 1)->waiting);
  /* the added signer approves: the actor's turn; the added signer may
   * take it back while the actor has not acted since */
  uint16_t b_task = serial_of(&s, 0, 0);
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, b_task, B)));
  TB_CHECK(find_fx(TB_EFFECT_OPEN_TASK, 1) != NULL);
  MUST(step(d, &s, tev(TB_EV_TAKE_BACK, 0, 0, b_task, B)));
  TB_CHECK_INT(br->slots[1].status, TB_SLOT_WAITING);
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 0), B)));
  /* after: A approves, then C */
  MUST(step(d, &s, add_ev(&s, 1, A, C, TB_ADD_AFTER)));
  TB_CHECK_INT(br->slots[2].account, C);
  TB_CHECK_INT(br->slots[2].status, TB_SLOT_WAITING);
  refused(d, &s, add_ev(&s, 1, A, C, TB_ADD_AFTER), TB_ERR_NOT_ALLOWED);
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 1), A)));
  TB_CHECK_INT(s.status, TB_APP_IN_REVIEW);
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 2), C)));
  TB_CHECK_INT(s.status, TB_APP_APPROVED);
}

static void add_parallel_and_limit(void) {
  tasks[0] = step_of("review", TB_SIGN_ALL, pool3, 2);
  const tb_definition *d = make_def(1, false);
  tb_app_state s;
  started(d, &s);
  refused(d, &s, add_ev(&s, 0, A, B, TB_ADD_BEFORE), TB_ERR_NOT_ALLOWED);
  tb_event bad = add_ev(&s, 0, A, B, TB_ADD_PARALLEL);
  bad.position = 9;
  refused(d, &s, bad, TB_ERR_INVALID);
  for (int k = 0; k < TB_MAX_SIGNERS - 2; k++)
    MUST(step(d, &s, add_ev(&s, 0, A, 100 + k, TB_ADD_PARALLEL)));
  TB_CHECK_INT(s.branches[0].n_slots, TB_MAX_SIGNERS);
  TB_CHECK_INT(s.branches[0].slots[2].status, TB_SLOT_OPEN);
  refused(d, &s, add_ev(&s, 0, A, 99, TB_ADD_PARALLEL), TB_ERR_LIMIT);
}

static void remove_and_reevaluate(void) {
  tasks[0] = step_of("review", TB_SIGN_ALL, pool3, 3);
  const tb_definition *d = make_def(1, false);
  tb_app_state s;
  started(d, &s);
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 0), A)));
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 1), B)));
  tb_event e = tev(TB_EV_REMOVE_SIGNER, 0, 0, serial_of(&s, 0, 2), D);
  refused(d, &s, e, TB_ERR_NOT_ALLOWED); /* no remove group */
  tasks[0].remove_group = "KZ";
  refused(d, &s, e, TB_ERR_NOT_ALLOWED); /* not of KZ */
  e.actor_groups = kz_groups;
  e.n_actor_groups = 1;
  MUST(step(d, &s, e));
  TB_CHECK(find_fx(TB_EFFECT_CANCEL_TASK, 2)->reason == TB_CLOSE_REMOVED);
  TB_CHECK_INT(s.status, TB_APP_APPROVED); /* the others all approved */
  /* 依次: removing the open signer opens the next */
  tasks[0] = step_of("review", TB_SIGN_SEQUENCE, pool3, 2);
  tasks[0].remove_group = "KZ";
  started(d, &s);
  e = tev(TB_EV_REMOVE_SIGNER, 0, 0, serial_of(&s, 0, 0), D);
  e.actor_groups = kz_groups;
  e.n_actor_groups = 1;
  MUST(step(d, &s, e));
  TB_CHECK(find_fx(TB_EFFECT_OPEN_TASK, 1) != NULL);
  e = tev(TB_EV_REMOVE_SIGNER, 0, 0, serial_of(&s, 0, 1), D);
  e.actor_groups = kz_groups;
  e.n_actor_groups = 1;
  refused(d, &s, e, TB_ERR_NOT_ALLOWED); /* the last signer */
  e = tev(TB_EV_REMOVE_SIGNER, 0, 0, serial_of(&s, 0, 0), D);
  e.actor_groups = kz_groups;
  e.n_actor_groups = 1;
  refused(d, &s, e, TB_ERR_SUPERSEDED); /* gone already */
  tasks[0].remove_group = NULL;
  /* a signer added by 加签: whoever added it removes it */
  tasks[0] = step_of("review", TB_SIGN_ONE, NULL, 0);
  started(d, &s);
  MUST(step(d, &s, add_ev(&s, 0, A, B, TB_ADD_AFTER)));
  refused(d, &s, tev(TB_EV_REMOVE_SIGNER, 0, 0, serial_of(&s, 0, 1), C),
          TB_ERR_NOT_ALLOWED);
  MUST(step(d, &s, tev(TB_EV_REMOVE_SIGNER, 0, 0, serial_of(&s, 0, 1), A)));
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 0), A)));
  TB_CHECK_INT(s.status, TB_APP_APPROVED);
}

/* ---- 退回 -----------------------------------------------------------------
 */

static void send_back_touches_one_branch(void) {
  tasks[0] = step_of("accept", TB_SIGN_ONE, NULL, 0);
  tasks[1] = step_of("check", TB_SIGN_ONE, NULL, 0);
  tasks[2] = step_of("sign", TB_SIGN_ALL, pool3, 2);
  tasks[2].back_to = 0x1; /* to accept only */
  const tb_definition *d = make_def(3, true);
  tb_app_state s;
  started(d, &s);
  MUST(step(d, &s, tev(TB_EV_CLAIM, 1, 0, serial_of(&s, 1, 0), D)));
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 0), A)));
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 1, serial_of(&s, 0, 0), A)));
  tb_branch_state other = s.branches[1];
  tb_event e = tev(TB_EV_SEND_BACK, 0, 2, serial_of(&s, 0, 0), B);
  e.to_step = 1;
  refused(d, &s, e, TB_ERR_NOT_ALLOWED);
  TB_CHECK(strstr(prob.detail, "accept") != NULL);
  e.to_step = 0;
  uint16_t round = s.branches[0].round;
  MUST(step(d, &s, e));
  TB_CHECK_INT(s.branches[0].step, 0);
  TB_CHECK_INT(s.branches[0].round, round + 1);
  TB_CHECK_INT(s.branches[0].n_slots, 1);
  TB_CHECK(find_fx(TB_EFFECT_CANCEL_TASK, 1)->reason == TB_CLOSE_SENT_BACK);
  TB_CHECK(find_fx(TB_EFFECT_CREATE_TASK, 0)->step == 0);
  TB_CHECK(memcmp(&other, &s.branches[1], sizeof other) == 0);
  for (size_t i = 0; i < fx.n; i++)
    TB_CHECK(fx.items[i].kind == TB_EFFECT_NOTIFY || fx.items[i].branch == 0);
  /* the step before cannot be sent back anywhere */
  e = tev(TB_EV_SEND_BACK, 0, 0, serial_of(&s, 0, 0), A);
  refused(d, &s, e, TB_ERR_NOT_ALLOWED);
}

/* ---- 撤回 -----------------------------------------------------------------
 */

static void take_back_in_turn(void) {
  tasks[0] = step_of("review", TB_SIGN_SEQUENCE, pool3, 3);
  const tb_definition *d = make_def(1, false);
  tb_app_state s;
  started(d, &s);
  uint16_t a_task = serial_of(&s, 0, 0);
  refused(d, &s, tev(TB_EV_TAKE_BACK, 0, 0, a_task, A),
          TB_ERR_ILLEGAL_STATE); /* nothing decided */
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, a_task, A)));
  refused(d, &s, tev(TB_EV_TAKE_BACK, 0, 0, a_task, B), TB_ERR_NOT_ASSIGNEE);
  uint16_t b_task = serial_of(&s, 0, 1);
  MUST(step(d, &s, tev(TB_EV_TAKE_BACK, 0, 0, a_task, A)));
  TB_CHECK_INT(s.branches[0].slots[0].status, TB_SLOT_OPEN);
  TB_CHECK_INT(s.branches[0].slots[1].status, TB_SLOT_WAITING);
  const tb_effect *cx = find_fx(TB_EFFECT_CANCEL_TASK, 1);
  TB_CHECK(cx && cx->serial == b_task && cx->reason == TB_CLOSE_TAKEN_BACK);
  TB_CHECK(find_fx(TB_EFFECT_CREATE_TASK, 1)->waiting);
  TB_CHECK(find_fx(TB_EFFECT_CREATE_TASK, 0)->account == A);
  /* once the next signer acted, no more */
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 0), A)));
  MUST(step(d, &s, tev(TB_EV_CLAIM, 0, 0, serial_of(&s, 0, 1), B)));
  refused(d, &s, tev(TB_EV_TAKE_BACK, 0, 0, serial_of(&s, 0, 0), A),
          TB_ERR_ILLEGAL_STATE);
}

/* 或签 completes step 0 (B's slot closes), then 撤回 — and the other way. */
static void any_and_take_back_race(void) {
  tasks[0] = step_of("review", TB_SIGN_ANY, pool3, 2);
  tasks[1] = step_of("sign", TB_SIGN_ONE, NULL, 0);
  const tb_definition *d = make_def(2, false);
  tb_app_state s;
  started(d, &s);
  uint16_t a_task = serial_of(&s, 0, 0), b_task = serial_of(&s, 0, 1);
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, a_task, A)));
  TB_CHECK_INT(s.branches[0].step, 1);
  /* B's approval lost the race: its task is gone */
  refused(d, &s, tev(TB_EV_APPROVE, 0, 0, b_task, B), TB_ERR_SUPERSEDED);
  MUST(step(d, &s, tev(TB_EV_TAKE_BACK, 0, 0, a_task, A)));
  TB_CHECK_INT(s.branches[0].step, 0);
  TB_CHECK_INT(s.branches[0].slots[0].status, TB_SLOT_OPEN);
  TB_CHECK_INT(s.branches[0].slots[1].status, TB_SLOT_OPEN);
  TB_CHECK_INT(count_fx(TB_EFFECT_CREATE_TASK), 2);
  TB_CHECK(find_fx(TB_EFFECT_CANCEL_TASK, 0)->reason == TB_CLOSE_TAKEN_BACK);
  /* the old tasks are superseded; B decides on the new one */
  refused(d, &s, tev(TB_EV_APPROVE, 0, 0, b_task, B), TB_ERR_SUPERSEDED);
  refused(d, &s, tev(TB_EV_TAKE_BACK, 0, 0, a_task, A),
          TB_ERR_SUPERSEDED); /* taken back already: a new task is A's */
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 1), B)));
  TB_CHECK_INT(s.branches[0].step, 1);
  /* the other order: the next step acted first, the take-back loses */
  MUST(step(d, &s, tev(TB_EV_CLAIM, 0, 1, serial_of(&s, 0, 0), C)));
  refused(d, &s, tev(TB_EV_TAKE_BACK, 0, 0, serial_of(&s, 0, 0), B),
          TB_ERR_ILLEGAL_STATE);
  /* nothing to take back once the branch completed */
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 1, serial_of(&s, 0, 0), C)));
  TB_CHECK_INT(s.status, TB_APP_APPROVED);
  refused(d, &s, tev(TB_EV_TAKE_BACK, 0, 1, serial_of(&s, 0, 0), C),
          TB_ERR_ILLEGAL_STATE);
}

/* ---- return, and a state stored before the slots ------------------------ */

static void return_closes_the_step(void) {
  tasks[0] = step_of("review", TB_SIGN_ALL, pool3, 3);
  const tb_definition *d = make_def(1, false);
  tb_app_state s;
  started(d, &s);
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, serial_of(&s, 0, 0), A)));
  MUST(step(d, &s, tev(TB_EV_RETURN, 0, 0, serial_of(&s, 0, 1), B)));
  TB_CHECK_INT(s.status, TB_APP_RETURNED);
  TB_CHECK(notified(TB_NOTICE_SUPPLEMENT));
  TB_CHECK(find_fx(TB_EFFECT_CANCEL_TASK, 2)->reason == TB_CLOSE_RETURNED);
  now += 60;
  MUST(step(d, &s, (tb_event){.kind = TB_EV_CLOSE_NOTICE, .at = now}));
  TB_CHECK_INT(s.branches[0].round, 2);
  TB_CHECK_INT(count_fx(TB_EFFECT_CREATE_TASK), 3);
  for (int i = 0; i < 3; i++)
    TB_CHECK_INT(s.branches[0].slots[i].status, TB_SLOT_OPEN);
}

static void legacy_slot_takes_any_serial(void) {
  tasks[0] = step_of("review", TB_SIGN_ONE, NULL, 0);
  const tb_definition *d = make_def(1, false);
  tb_app_state s;
  started(d, &s);
  s.branches[0].slots[0].serial = 0; /* as the decoder reads a v1 state */
  MUST(step(d, &s, tev(TB_EV_APPROVE, 0, 0, 7, A)));
  TB_CHECK_INT(s.status, TB_APP_APPROVED);
}

/* ---- every verb on every kind of slot ----------------------------------- */

enum {
  W_WAITING,   /* slot 1 of a 依次 step, not its turn */
  W_OPEN,      /* slot 0, open, nobody claimed it */
  W_MINE,      /* slot 0, claimed by the actor */
  W_OTHERS,    /* slot 0, claimed by another officer */
  W_DECIDED,   /* slot 0, approved by the actor (slot 1 opened) */
  W_DELEGATED, /* slot 0, delegated by the actor to another officer */
  W_ADDED,     /* slot 1, a waiting signer the actor added after them */
  W_COUNT
};

static const char *const where_names[W_COUNT] = {
    "waiting", "open", "mine", "others", "decided", "delegated", "added"};

static const tb_event_kind verbs[] = {
    TB_EV_CLAIM,         TB_EV_APPROVE,   TB_EV_DENY,     TB_EV_RETURN,
    TB_EV_TRANSFER,      TB_EV_DELEGATE,  TB_EV_RESOLVE,  TB_EV_ADD_SIGNER,
    TB_EV_REMOVE_SIGNER, TB_EV_SEND_BACK, TB_EV_TAKE_BACK};
#define N_VERBS (sizeof verbs / sizeof verbs[0])

#define OK_ TB_OK
#define NO_ TB_ERR_ILLEGAL_STATE
#define SUP TB_ERR_SUPERSEDED
#define NAS TB_ERR_NOT_ASSIGNEE
#define CBO TB_ERR_CLAIMED_BY_OTHER
#define NAL TB_ERR_NOT_ALLOWED

/* claim, approve, deny, return, transfer, delegate, resolve, add-signer
 * (after), remove-signer (the actor is of the remove group KZ), send-back
 * (to step 0), take-back; the actor is A, the target C. */
static const tb_status verb_table[W_COUNT][N_VERBS] = {
    [W_WAITING] = {NO_, NO_, NO_, NO_, NO_, NO_, NO_, NO_, OK_, NO_, NO_},
    [W_OPEN] = {OK_, OK_, OK_, OK_, OK_, OK_, NO_, OK_, OK_, OK_, NO_},
    [W_MINE] = {NO_, OK_, OK_, OK_, OK_, OK_, NO_, OK_, OK_, OK_, NO_},
    [W_OTHERS] = {CBO, CBO, CBO, CBO, CBO, CBO, NO_, CBO, OK_, CBO, NO_},
    [W_DECIDED] = {SUP, SUP, SUP, SUP, SUP, SUP, NO_, SUP, SUP, SUP, OK_},
    [W_DELEGATED] = {NAS, NAS, NAS, NAS, NAS, NAS, NAS, NAS, OK_, NAS, NO_},
    [W_ADDED] = {NO_, NO_, NO_, NO_, NO_, NO_, NO_, NO_, OK_, NO_, NO_},
};

/* Step 1 of a two-step branch is a 依次 of three pool signers; returns
 * the slot the row is about. */
static int build_where(const tb_definition *d, tb_app_state *s, int where) {
  started(d, s);
  MUST(step(d, s, tev(TB_EV_APPROVE, 0, 0, serial_of(s, 0, 0), D)));
  tb_event e;
  switch (where) {
  case W_WAITING:
    return 1;
  case W_MINE:
  case W_OTHERS:
    MUST(step(
        d, s,
        tev(TB_EV_CLAIM, 0, 1, serial_of(s, 0, 0), where == W_MINE ? A : B)));
    return 0;
  case W_DECIDED:
    MUST(step(d, s, tev(TB_EV_APPROVE, 0, 1, serial_of(s, 0, 0), A)));
    return 0;
  case W_DELEGATED:
    e = tev(TB_EV_DELEGATE, 0, 1, serial_of(s, 0, 0), A);
    e.target = B;
    MUST(step(d, s, e));
    return 0;
  case W_ADDED:
    e = tev(TB_EV_ADD_SIGNER, 0, 1, serial_of(s, 0, 0), A);
    e.target = D;
    e.position = TB_ADD_AFTER;
    MUST(step(d, s, e));
    return 1;
  default:
    return 0;
  }
}

static void every_verb_on_every_slot(void) {
  tasks[0] = step_of("accept", TB_SIGN_ONE, NULL, 0);
  tasks[1] = step_of("review", TB_SIGN_SEQUENCE, pool3, 3);
  tasks[1].back_to = 0x1;
  tasks[1].remove_group = "KZ";
  const tb_definition *d = make_def(2, false);
  for (int w = 0; w < W_COUNT; w++)
    for (size_t v = 0; v < N_VERBS; v++) {
      tb_app_state s;
      int slot = build_where(d, &s, w);
      tb_event e = tev(verbs[v], 0, 1, serial_of(&s, 0, slot), A);
      e.target = C;
      e.position = TB_ADD_AFTER;
      e.to_step = 0;
      e.actor_groups = kz_groups;
      e.n_actor_groups = 1;
      tb_status want = verb_table[w][v];
      if (want == TB_OK) {
        tb_status rc = step(d, &s, e);
        TB_CHECKF(rc == TB_OK, "got %s (%s)", tb_status_code(rc), prob.detail);
      } else {
        refused(d, &s, e, want);
      }
      char name[96];
      snprintf(name, sizeof name, "slot %s, verb %s", where_names[w],
               tb_event_kind_name(verbs[v]));
      tb_test_report(name);
    }
  tasks[1].back_to = 0;
  tasks[1].remove_group = NULL;
}

/* ---- property: random verbs, invariants after each accepted event ------ */

static uint64_t lcg = 88172645463325252u;

static unsigned pick(unsigned n) {
  return tb_test_rng(&lcg, n);
}

/* The tasks the shell would hold open or waiting, per branch, by serial. */
typedef struct {
  bool live[TB_MAX_BRANCHES][512];
} model;

static bool pending(uint8_t status) {
  return status == TB_SLOT_OPEN || status == TB_SLOT_WAITING;
}

static bool apply_effects(model *m) {
  bool ok = true;
  for (size_t i = 0; i < fx.n; i++) {
    const tb_effect *e = &fx.items[i];
    bool *l = &m->live[e->branch][e->serial % 512];
    if (e->kind == TB_EFFECT_CREATE_TASK) {
      ok &= !*l;
      *l = true;
    } else if (e->kind == TB_EFFECT_CANCEL_TASK) {
      ok &= *l;
      *l = false;
    } else if (e->kind == TB_EFFECT_OPEN_TASK) {
      ok &= *l;
    }
  }
  return ok;
}

static void check_invariants(const tb_definition *d, const tb_app_state *s,
                             model *m, const tb_event *e, const char *what) {
  /* the acted task closes by the event itself */
  bool named_pending = false;
  for (size_t i = 0; i < s->branches[e->branch].n_slots; i++)
    named_pending |= s->branches[e->branch].slots[i].serial == e->serial &&
                     pending(s->branches[e->branch].slots[i].status);
  if (!named_pending && e->kind != TB_EV_REMOVE_SIGNER)
    m->live[e->branch][e->serial % 512] = false;
  for (size_t b = 0; b < s->n_branches; b++) {
    const tb_branch_state *br = &s->branches[b];
    const tb_task_def *t = &d->branches[b].tasks[br->step];
    bool in_turn = t->rule == TB_SIGN_SEQUENCE ||
                   (t->rule == TB_SIGN_ONE && br->n_slots > 1) ||
                   t->rule == TB_SIGN_ONE;
    int open = 0;
    bool live[512] = {false};
    for (size_t i = 0; i < br->n_slots; i++) {
      const tb_slot *sl = &br->slots[i];
      open += sl->status == TB_SLOT_OPEN;
      if (!pending(sl->status))
        continue;
      TB_CHECKF(br->status == TB_BRANCH_ACTIVE,
                "%s: branch %zu is %s with "
                "a pending slot",
                what, b, tb_branch_status_name(br->status));
      TB_CHECKF(!live[sl->serial % 512], "%s: serial %u twice", what,
                sl->serial);
      live[sl->serial % 512] = true;
    }
    if (br->status == TB_BRANCH_ACTIVE && in_turn)
      TB_CHECKF(open <= 1, "%s: %d open slots in turn", what, open);
    if (br->status == TB_BRANCH_ACTIVE)
      TB_CHECKF(s->status == TB_APP_IN_REVIEW && open > 0,
                "%s: an active branch with nothing open", what);
    for (size_t k = 0; k < 512; k++)
      TB_CHECKF(live[k] == m->live[b][k],
                "%s: branch %zu task %zu: slots say %d, effects %d", what, b, k,
                live[k], m->live[b][k]);
  }
}

static tb_event random_event(const tb_app_state *s) {
  static const tb_event_kind kinds[] = {
      TB_EV_CLAIM,      TB_EV_APPROVE,    TB_EV_APPROVE,       TB_EV_DENY,
      TB_EV_RETURN,     TB_EV_TRANSFER,   TB_EV_DELEGATE,      TB_EV_RESOLVE,
      TB_EV_ADD_SIGNER, TB_EV_ADD_SIGNER, TB_EV_REMOVE_SIGNER, TB_EV_SEND_BACK,
      TB_EV_TAKE_BACK,  TB_EV_TAKE_BACK};
  int b = (int)pick(s->n_branches);
  const tb_branch_state *br = &s->branches[b];
  tb_event_kind kind = kinds[pick(sizeof kinds / sizeof kinds[0])];
  int slot = br->n_slots ? (int)pick(br->n_slots) : 0;
  int stp = br->step;
  uint16_t serial = br->slots[slot].serial;
  int64_t actor = A + (int64_t)pick(4);
  if (pick(3) == 0 && br->slots[slot].account)
    actor = br->slots[slot].delegate && pick(2) ? br->slots[slot].delegate
                                                : br->slots[slot].account;
  if (kind == TB_EV_TAKE_BACK && br->prev_n && pick(2)) {
    stp = br->prev_step;
    serial = br->prev[br->prev_slot].serial;
    actor = br->prev[br->prev_slot].account;
  }
  tb_event e = tev(kind, b, stp, serial, actor);
  e.target = A + (int64_t)pick(5);
  e.position = (uint8_t)pick(3);
  e.to_step = (uint8_t)pick(2);
  e.actor_groups = kz_groups;
  e.n_actor_groups = pick(2);
  return e;
}

static void random_verbs_keep_invariants(void) {
  static const tb_signer_def two[] = {{.kind = TB_SIGNER_POOL},
                                      {.kind = TB_SIGNER_GROUP, .name = "KZ"}};
  static tb_task_def b0[2], b1[2], b2[2];
  b0[0] = step_of("count", TB_SIGN_ALL, pool3, 3);
  b0[0].on_deny = TB_DENY_AFTER_ALL;
  b0[0].remove_group = "KZ";
  b0[1] = step_of("order", TB_SIGN_SEQUENCE, two, 2);
  b0[1].back_to = 0x1;
  b1[0] = step_of("any", TB_SIGN_ANY, two, 2);
  b1[1] = step_of("vote", TB_SIGN_VOTE, pool3, 3);
  b1[1].pass = 2;
  b1[1].back_to = 0x1;
  b2[0] = step_of("one", TB_SIGN_ONE, NULL, 0);
  b2[1] = step_of("two", TB_SIGN_ONE, NULL, 0);
  b2[1].back_to = 0x1;
  b2[1].copies = copy_zj;
  b2[1].n_copies = 1;
  tb_branch_def three[3] = {
      {.id = "b0",
       .bureau = "SCJG",
       .tasks = b0,
       .n_tasks = 2,
       .deny_continues = true},
      {.id = "b1",
       .bureau = "SW",
       .tasks = b1,
       .n_tasks = 2,
       .deny_continues = true},
      {.id = "b2", .bureau = "ZJ", .tasks = b2, .n_tasks = 2}};
  tb_definition d3 = {.id = "three",
                      .name = "三",
                      .version = 1,
                      .statutory_days = 20,
                      .promised_days = 10,
                      .warn_days = 1,
                      .branches = three,
                      .n_branches = 3};
  size_t accepted = 0, joins = 0;
  for (int run = 0; run < 400; run++) {
    tb_app_state s;
    static model m;
    memset(&m, 0, sizeof m);
    started(&d3, &s);
    TB_CHECK(apply_effects(&m));
    size_t decided = 0; /* the join: decided exactly once */
    for (int k = 0; k < 80 && !tb_app_status_is_final(s.status) &&
                    s.status != TB_APP_APPROVED;
         k++) {
      if (s.status == TB_APP_RETURNED) {
        now += 60;
        MUST(step(&d3, &s, (tb_event){.kind = TB_EV_CLOSE_NOTICE, .at = now}));
        TB_CHECK(apply_effects(&m));
        continue;
      }
      tb_event e = random_event(&s);
      tb_app_state before = s;
      tb_status rc = step(&d3, &s, e);
      char what[96];
      snprintf(what, sizeof what, "run %d event %d (%s)", run, k,
               tb_event_kind_name(e.kind));
      if (rc != TB_OK) {
        TB_CHECKF(memcmp(&before, &s, sizeof s) == 0 && fx.n == 0,
                  "%s: a refusal changed something", what);
        continue;
      }
      accepted++;
      decided += notified(TB_NOTICE_APPROVED) || notified(TB_NOTICE_DENIED);
      TB_CHECKF(decided <= 1, "%s: the join decided twice", what);
      TB_CHECKF(apply_effects(&m), "%s: effects name tasks out of order", what);
      check_invariants(&d3, &s, &m, &e, what);
      if (tb_app_status_is_final(s.status) || s.status == TB_APP_APPROVED)
        for (size_t b = 0; b < s.n_branches; b++)
          for (size_t i = 0; i < s.branches[b].n_slots; i++)
            TB_CHECKF(!pending(s.branches[b].slots[i].status),
                      "%s: a finished application has a pending task", what);
    }
    joins += decided;
  }
  printf("# %zu accepted events, %zu joins decided\n", accepted, joins);
  TB_CHECK(accepted > 2000);
  TB_CHECK(joins > 10);
}

int main(void) {
  cal = tb_calendar_new(8 * 3600);
  TB_RUN(a_decision_claims);
  TB_RUN(groups_and_officers);
  TB_RUN(countersign_all);
  TB_RUN(any_first_approval);
  TB_RUN(sequence_in_turn);
  TB_RUN(vote_pass);
  TB_RUN(copies_when_a_step_completes);
  TB_RUN(transfer);
  TB_RUN(delegate_round_trip);
  TB_RUN(add_before_and_after);
  TB_RUN(add_parallel_and_limit);
  TB_RUN(remove_and_reevaluate);
  TB_RUN(send_back_touches_one_branch);
  TB_RUN(take_back_in_turn);
  TB_RUN(any_and_take_back_race);
  TB_RUN(return_closes_the_step);
  TB_RUN(legacy_slot_takes_any_serial);
  TB_RUN(random_verbs_keep_invariants);
  every_verb_on_every_slot();
  tb_calendar_free(cal);
  return tb_test_done();
}
