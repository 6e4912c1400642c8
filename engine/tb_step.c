/*
 * tb_step.c — the current step of a branch: its signer slots built from
 * the definition, who may act on a slot, the completion rules (one, 会签,
 * 或签, 依次, 票签), and the claim and the decisions (approve, deny,
 * return); starting the branches that wait for others, the join, and the
 * end of an application (they open and close steps). engine/README.md,
 * "The verbs of a branch", says it in words.
 */
#include "tb_machine_int.h"

#include <string.h>

const tb_task_def *tb_step_def(const tb_mstep *st, size_t b) {
  return &st->def->branches[b].tasks[st->s->branches[b].step];
}

static bool pending(const tb_slot *slot) {
  return slot->status == TB_SLOT_WAITING || slot->status == TB_SLOT_OPEN;
}

/* ---- tasks of slots ---------------------------------------------------- */

/* An effect about slot i's current task: branch, step, round, slot and
 * serial filled in. */
static tb_effect *task_effect(tb_mstep *st, size_t b, size_t i,
                              tb_effect_kind kind) {
  const tb_branch_state *br = &st->s->branches[b];
  tb_effect *e = tb_m_emit(st, kind);
  if (e) {
    e->branch = (uint8_t)b;
    e->step = br->step;
    e->round = br->round;
    e->slot = (uint8_t)i;
    e->serial = br->slots[i].serial;
  }
  return e;
}

void tb_step_new_task(tb_mstep *st, size_t b, size_t i) {
  tb_branch_state *br = &st->s->branches[b];
  tb_slot *slot = &br->slots[i];
  if (br->serials == UINT16_MAX) { /* a branch's task numbers ran out */
    st->overflow = true;
    return;
  }
  slot->serial = ++br->serials;
  tb_effect *e = task_effect(st, b, i, TB_EFFECT_CREATE_TASK);
  if (!e)
    return;
  e->deadline = br->deadline;
  e->signer_kind = slot->kind;
  e->ref = slot->ref;
  e->waiting = slot->status == TB_SLOT_WAITING;
  e->account = slot->account;
  if (slot->delegate) { /* 委派: the delegate's task, back to the holder */
    e->signer_kind = TB_SIGNER_ACCOUNT;
    e->account = slot->delegate;
    e->delegate_of = slot->account;
  }
}

void tb_step_cancel_task(tb_mstep *st, size_t b, size_t i,
                         tb_close_reason reason) {
  tb_effect *e = task_effect(st, b, i, TB_EFFECT_CANCEL_TASK);
  if (e)
    e->reason = (uint8_t)reason;
}

/* A waiting slot's turn: its task opens with the step's deadline. */
static void open_slot(tb_mstep *st, size_t b, size_t i) {
  st->s->branches[b].slots[i].status = TB_SLOT_OPEN;
  tb_effect *e = task_effect(st, b, i, TB_EFFECT_OPEN_TASK);
  if (e)
    e->deadline = st->s->branches[b].deadline;
}

void tb_step_sync_legacy(tb_branch_state *br) {
  br->claimed = false;
  br->claimant = 0;
  if (br->status != TB_BRANCH_ACTIVE)
    return;
  for (size_t i = 0; i < br->n_slots; i++)
    if (br->slots[i].status == TB_SLOT_OPEN && br->slots[i].account) {
      br->claimed = true;
      br->claimant = br->slots[i].account;
      return;
    }
}

/* ---- opening and closing a step ---------------------------------------- */

void tb_step_open(tb_mstep *st, size_t b) {
  tb_branch_state *br = &st->s->branches[b];
  const tb_task_def *task = tb_step_def(st, b);
  br->status = TB_BRANCH_ACTIVE;
  br->started_at = st->ev->at;
  br->paused_days = 0;
  br->deadline =
      tb_calendar_add_working_days(st->cal, tb_m_today(st), task->days);
  br->warning = tb_m_arm_task(st, b);
  br->acted = false;
  br->prev_n = 0;
  size_t n = task->n_signers ? task->n_signers : 1;
  if (n > TB_MAX_SIGNERS)
    n = TB_MAX_SIGNERS; /* the loader refuses more */
  br->n_slots = (uint8_t)n;
  memset(br->slots, 0, sizeof br->slots);
  bool in_turn = task->rule == TB_SIGN_SEQUENCE || task->rule == TB_SIGN_ONE;
  for (size_t i = 0; i < n; i++) {
    tb_slot *slot = &br->slots[i];
    slot->kind = task->n_signers ? task->signers[i].kind : TB_SIGNER_POOL;
    slot->ref = (uint8_t)i;
    slot->status = in_turn && i > 0 ? TB_SLOT_WAITING : TB_SLOT_OPEN;
  }
  for (size_t i = 0; i < n; i++)
    tb_step_new_task(st, b, i);
  tb_step_sync_legacy(br);
}

void tb_step_close_pending(tb_mstep *st, size_t b, tb_close_reason reason) {
  tb_branch_state *br = &st->s->branches[b];
  for (size_t i = 0; i < br->n_slots; i++)
    if (pending(&br->slots[i])) {
      tb_step_cancel_task(st, b, i, reason);
      br->slots[i].status = TB_SLOT_CLOSED;
    }
}

void tb_step_end_branch(tb_mstep *st, size_t b, bool disarm) {
  tb_branch_state *br = &st->s->branches[b];
  if (disarm)
    tb_m_disarm_task(st, b);
  tb_step_close_pending(st, b, TB_CLOSE_ENDED);
  br->warning = TB_WARN_NONE;
  br->status = TB_BRANCH_CANCELLED;
  br->prev_n = 0;
  tb_step_sync_legacy(br);
}

/* The step is over: its clock stops, and its copies (抄送) go out. */
static void finish_step(tb_mstep *st, size_t b) {
  tb_branch_state *br = &st->s->branches[b];
  tb_m_disarm_task(st, b);
  br->warning = TB_WARN_NONE;
  if (tb_step_def(st, b)->n_copies) {
    tb_effect *e = tb_m_emit(st, TB_EFFECT_COPY);
    if (e) {
      e->branch = (uint8_t)b;
      e->step = br->step;
      e->round = br->round;
    }
  }
}

static void step_approved(tb_mstep *st, size_t b, const tb_slot *snapshot,
                          uint8_t n_snapshot, uint8_t decided_slot) {
  tb_branch_state *br = &st->s->branches[b];
  tb_step_close_pending(st, b, TB_CLOSE_NOT_NEEDED);
  finish_step(st, b);
  if ((size_t)br->step + 1 < st->def->branches[b].n_tasks) {
    uint8_t from = br->step;
    br->step++;
    tb_step_open(st, b);
    if (snapshot && n_snapshot) { /* 撤回 until the next step acts */
      br->prev_step = from;
      br->prev_slot = decided_slot;
      br->prev_n = n_snapshot;
      memcpy(br->prev, snapshot, sizeof br->prev);
    }
    return;
  }
  br->status = TB_BRANCH_APPROVED;
  tb_step_sync_legacy(br);
  tb_m_start_ready_branches(st);
  tb_m_decide_join(st);
}

static void step_denied(tb_mstep *st, size_t b, tb_sign_rule rule) {
  tb_branch_state *br = &st->s->branches[b];
  tb_step_close_pending(st, b,
                        rule == TB_SIGN_ANY || rule == TB_SIGN_VOTE
                            ? TB_CLOSE_NOT_NEEDED
                            : TB_CLOSE_STEP_DENIED);
  finish_step(st, b);
  br->status = TB_BRANCH_DENIED;
  br->prev_n = 0;
  tb_step_sync_legacy(br);
  if (!st->def->branches[b].deny_continues) {
    tb_m_end_application(st, TB_APP_DENIED);
    tb_m_notify(st, TB_NOTICE_DENIED, 0, (uint16_t)(1u << b));
    return;
  }
  tb_m_start_ready_branches(st);
  tb_m_decide_join(st);
}

/* ---- the branches and the join ---------------------------------------- */

/* Start every waiting branch whose predecessors all approved (or do not
 * apply); skip those behind a denied or skipped one. Repeats until nothing
 * changes, since a skip can make others skip. */
void tb_m_start_ready_branches(tb_mstep *st) {
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t b = 0; b < st->s->n_branches; b++) {
      tb_branch_state *br = &st->s->branches[b];
      if (br->status != TB_BRANCH_WAITING)
        continue;
      bool ready = true, blocked = false;
      for (size_t a = 0; a < st->s->n_branches; a++) {
        if (!(st->def->branches[b].after & (1u << a)))
          continue;
        uint8_t as = st->s->branches[a].status;
        if (as == TB_BRANCH_DENIED || as == TB_BRANCH_SKIPPED ||
            as == TB_BRANCH_CANCELLED)
          blocked = true;
        else if (as != TB_BRANCH_APPROVED && as != TB_BRANCH_INACTIVE)
          ready = false;
      }
      if (blocked) {
        br->status = TB_BRANCH_SKIPPED;
        changed = true;
      } else if (ready) {
        tb_step_open(st, b);
        changed = true;
      }
    }
  }
}

/* Move to a final (or decided) status: close every open task and stop
 * every timer. */
void tb_m_end_application(tb_mstep *st, tb_app_status status) {
  tb_app_state *s = st->s;
  if (status != TB_APP_EXPIRED)
    tb_m_cancel_expiry(st);
  bool clock_running = s->status == TB_APP_IN_REVIEW;
  if (clock_running)
    tb_m_disarm_warnings(st, TB_TIMER_APP_YELLOW, TB_TIMER_APP_RED, 0);
  if (s->status == TB_APP_SUSPENDED)
    tb_m_unschedule(st, TB_TIMER_SPECIAL_MAX, 0);
  for (size_t b = 0; b < s->n_branches; b++) {
    tb_branch_state *br = &s->branches[b];
    if (br->status == TB_BRANCH_ACTIVE)
      tb_step_end_branch(st, b, clock_running); /* paused: no timers left */
    else if (br->status == TB_BRANCH_WAITING ||
             br->status == TB_BRANCH_RETURNED)
      br->status = TB_BRANCH_CANCELLED;
  }
  /* Approved with gaps open: their dates still run (容缺后补). */
  if (status != TB_APP_APPROVED && status != TB_APP_AWAITING_MATERIALS)
    tb_m_cancel_gap_timers(st, s->gaps);
  s->status = (uint8_t)status;
  s->finished_at = st->ev->at;
  s->paused_at = 0;
  s->warning = TB_WARN_NONE; /* no card once decided or ended */
}

/* Every branch is decided (none active): approve, deny, or send the one
 * merged supplement notice (一次性告知). An approval with tolerated gaps
 * still open waits for them before any license is signed. */
void tb_m_decide_join(tb_mstep *st) {
  tb_app_state *s = st->s;
  bool returned = false, approved = false, denied = false, waiting = false;
  for (size_t b = 0; b < s->n_branches; b++) {
    uint8_t bs = s->branches[b].status;
    if (bs == TB_BRANCH_ACTIVE)
      return; /* still at work */
    waiting |= bs == TB_BRANCH_WAITING;
    returned |= bs == TB_BRANCH_RETURNED;
    approved |= bs == TB_BRANCH_APPROVED;
    denied |= bs == TB_BRANCH_DENIED;
  }
  /* Nobody is at work. Branches still waiting wait on a returned one: they
   * start after the supplement, once it approves. */
  if (returned) {
    tb_m_pause_clock(st);
    s->status = TB_APP_RETURNED;
    tb_m_notify(st, TB_NOTICE_SUPPLEMENT, s->notice, s->notice_branches);
    return;
  }
  if (waiting)
    return; /* cannot happen: start_ready_branches started or skipped them */
  if (denied && !approved) {
    tb_m_end_application(st, TB_APP_DENIED);
    tb_m_notify(st, TB_NOTICE_DENIED, 0, 0);
    return;
  }
  if (s->gaps) { /* 容缺: the licenses wait for the last gap */
    tb_m_end_application(st, TB_APP_AWAITING_MATERIALS);
    tb_m_notify(st, TB_NOTICE_AWAITING_MATERIALS, s->gaps, 0);
    return;
  }
  tb_m_end_application(st, TB_APP_APPROVED);
  tb_m_issue_licenses(st);
}

/* ---- completion rules -------------------------------------------------- */

tb_sign_rule tb_step_rule(const tb_mstep *st, size_t b) {
  tb_sign_rule rule = (tb_sign_rule)tb_step_def(st, b)->rule;
  if (rule == TB_SIGN_ONE && st->s->branches[b].n_slots > 1)
    return TB_SIGN_SEQUENCE;
  return rule;
}

typedef enum { GOES_ON, APPROVED, DENIED } verdict;

typedef struct {
  int approved, denied, open, waiting;
} tally;

static tally count_slots(const tb_branch_state *br) {
  tally t = {0, 0, 0, 0};
  for (size_t i = 0; i < br->n_slots; i++) {
    uint8_t s = br->slots[i].status;
    t.approved += s == TB_SLOT_APPROVED;
    t.denied += s == TB_SLOT_DENIED;
    t.open += s == TB_SLOT_OPEN;
    t.waiting += s == TB_SLOT_WAITING;
  }
  return t;
}

/* 会签 and 依次 (and one): every signer approves; a deny decides at once
 * unless on-deny is after-all. The next waiting slot opens when none is
 * open. */
static verdict judge_in_turn(tb_mstep *st, size_t b, tally t) {
  tb_branch_state *br = &st->s->branches[b];
  if (t.denied && tb_step_def(st, b)->on_deny != TB_DENY_AFTER_ALL)
    return DENIED;
  if (t.open == 0 && t.waiting > 0) {
    for (size_t i = 0; i < br->n_slots; i++)
      if (br->slots[i].status == TB_SLOT_WAITING) {
        open_slot(st, b, i);
        return GOES_ON;
      }
  }
  if (t.open + t.waiting > 0)
    return GOES_ON;
  return t.denied ? DENIED : APPROVED;
}

static verdict judge(tb_mstep *st, size_t b) {
  tally t = count_slots(&st->s->branches[b]);
  int pass = tb_step_def(st, b)->pass ? tb_step_def(st, b)->pass : 1;
  switch (tb_step_rule(st, b)) {
  case TB_SIGN_ANY:
    if (t.approved)
      return APPROVED;
    return t.open + t.waiting ? GOES_ON : DENIED;
  case TB_SIGN_VOTE:
    if (t.approved >= pass)
      return APPROVED;
    return t.approved + t.open + t.waiting < pass ? DENIED : GOES_ON;
  default:
    return judge_in_turn(st, b, t);
  }
}

void tb_step_evaluate(tb_mstep *st, size_t b, const tb_slot *snapshot,
                      uint8_t n_snapshot, uint8_t decided_slot) {
  tb_sign_rule rule = tb_step_rule(st, b);
  switch (judge(st, b)) {
  case APPROVED:
    step_approved(st, b, snapshot, n_snapshot, decided_slot);
    break;
  case DENIED:
    step_denied(st, b, rule);
    break;
  default:
    tb_step_sync_legacy(&st->s->branches[b]);
    break;
  }
}

/* ---- the task an event names ------------------------------------------- */

/* The branch of a task event, checked but for its step. */
static tb_branch_state *branch_of(tb_mstep *st, tb_status *rc) {
  const tb_event *ev = st->ev;
  if (st->s->status != TB_APP_IN_REVIEW) {
    *rc = tb_m_illegal(st, "work on a task");
    return NULL;
  }
  if (ev->branch >= st->s->n_branches) {
    *rc = tb_problem_set(st->p, TB_ERR_INVALID, "task",
                         "no such task in this application");
    return NULL;
  }
  const tb_branch_def *bd = &st->def->branches[ev->branch];
  if (ev->bureau && strcmp(ev->bureau, bd->bureau) != 0) {
    *rc = tb_problem_set(st->p, TB_ERR_WRONG_BUREAU, "task",
                         "this task belongs to bureau %s", bd->bureau);
    return NULL;
  }
  if (ev->actor == 0) {
    *rc = tb_problem_set(st->p, TB_ERR_INVALID, "actor",
                         "a task needs an officer");
    return NULL;
  }
  return &st->s->branches[ev->branch];
}

static tb_status superseded(tb_mstep *st, const tb_branch_state *br) {
  return tb_problem_set(st->p, TB_ERR_SUPERSEDED, "task",
                        "this task is no longer the open one: the branch "
                        "is at round %u, step %u",
                        br->round, br->step + 1u);
}

/* The slot whose newest task has the event's serial (a serial names one
 * task of the branch, whatever 加签 did to the slots' order); serial 0
 * names slot ev->slot. A slot of a state stored before the slots has
 * serial 0 and takes any serial. */
static bool find_slot(tb_mstep *st, const tb_slot *slots, size_t n, size_t *out,
                      tb_status *rc, const tb_branch_state *br) {
  const tb_event *ev = st->ev;
  if (ev->serial)
    for (size_t i = 0; i < n; i++)
      if (slots[i].serial == ev->serial) {
        *out = i;
        return true;
      }
  if (ev->slot < n && (!ev->serial || slots[ev->slot].serial == 0)) {
    *out = ev->slot;
    return true;
  }
  *rc = ev->serial ? superseded(st, br)
                   : tb_problem_set(st->p, TB_ERR_INVALID, "slot",
                                    "the step has no signer %u", ev->slot);
  return false;
}

tb_branch_state *tb_step_task_of(tb_mstep *st, size_t *slot, tb_status *rc) {
  const tb_event *ev = st->ev;
  tb_branch_state *br = branch_of(st, rc);
  if (!br)
    return NULL;
  const tb_branch_def *bd = &st->def->branches[ev->branch];
  /* a task named by round or serial that is not the branch's now: the
   * branch moved on (another round, another step, or it completed) */
  bool named = ev->round || ev->serial;
  bool moved = (ev->round && ev->round != br->round) ||
               br->status != TB_BRANCH_ACTIVE || br->step != ev->step;
  if (named && moved &&
      (ev->serial || br->status == TB_BRANCH_ACTIVE ||
       ev->round != br->round)) {
    *rc = superseded(st, br);
    return NULL;
  }
  if (br->status != TB_BRANCH_ACTIVE || br->step != ev->step) {
    *rc = tb_problem_set(st->p, TB_ERR_ILLEGAL_STATE, "task",
                         "task '%s' of %s is not open: the branch is %s",
                         ev->step < bd->n_tasks ? bd->tasks[ev->step].id : "?",
                         bd->bureau, tb_branch_status_name(br->status));
    return NULL;
  }
  if (!find_slot(st, br->slots, br->n_slots, slot, rc, br))
    return NULL;
  return br;
}

/* ---- who may act ------------------------------------------------------- */

bool tb_step_in_group(const tb_event *ev, const char *group) {
  for (size_t i = 0; group && i < ev->n_actor_groups; i++)
    if (ev->actor_groups[i] && strcmp(ev->actor_groups[i], group) == 0)
      return true;
  return false;
}

/* The slot's task must be open: not waiting for its turn, not decided. */
static tb_status check_open(tb_mstep *st, const tb_branch_state *br, size_t i) {
  switch (br->slots[i].status) {
  case TB_SLOT_OPEN:
    return TB_OK;
  case TB_SLOT_WAITING:
    return tb_problem_set(st->p, TB_ERR_ILLEGAL_STATE, "task",
                          "this task waits for its turn: the signers "
                          "before it decide first");
  default:
    return tb_problem_set(st->p, TB_ERR_SUPERSEDED, "task",
                          "this task is closed (%s): it is no longer open",
                          tb_slot_status_name(br->slots[i].status));
  }
}

/* Whether the actor is the one the slot is for (not yet taken). */
static tb_status eligible(tb_mstep *st, size_t b, const tb_slot *slot) {
  const tb_event *ev = st->ev;
  const tb_task_def *task = tb_step_def(st, b);
  const char *name =
      slot->ref < task->n_signers ? task->signers[slot->ref].name : NULL;
  if (slot->account) {
    if (slot->account == ev->actor)
      return TB_OK;
    if (slot->claimed)
      return tb_problem_set(st->p, TB_ERR_CLAIMED_BY_OTHER, "task",
                            "another officer has claimed this task");
    return tb_problem_set(st->p, TB_ERR_NOT_ASSIGNEE, "task",
                          "this task is assigned to another officer");
  }
  switch (slot->kind) {
  case TB_SIGNER_POOL:
    return TB_OK;
  case TB_SIGNER_GROUP:
    if (tb_step_in_group(ev, name))
      return TB_OK;
    return tb_problem_set(st->p, TB_ERR_NOT_ASSIGNEE, "task",
                          "this task is for the officers of group %s",
                          name ? name : "?");
  case TB_SIGNER_OFFICER:
    if (name && ev->actor_name && strcmp(name, ev->actor_name) == 0)
      return TB_OK;
    return tb_problem_set(st->p, TB_ERR_NOT_ASSIGNEE, "task",
                          "this task is assigned to officer %s",
                          name ? name : "?");
  default:
    return tb_problem_set(st->p, TB_ERR_NOT_ASSIGNEE, "task",
                          "this task is assigned to another officer");
  }
}

static tb_status delegated(tb_mstep *st, const tb_slot *slot) {
  if (slot->delegate == st->ev->actor)
    return tb_problem_set(st->p, TB_ERR_NOT_ALLOWED, "task",
                          "the task was delegated to you: resolve it, and "
                          "the officer who delegated it decides");
  return tb_problem_set(st->p, TB_ERR_NOT_ASSIGNEE, "task",
                        "the task is delegated to another officer; it comes "
                        "back when they resolve it");
}

tb_status tb_step_hold(tb_mstep *st, size_t b, size_t i) {
  tb_branch_state *br = &st->s->branches[b];
  tb_slot *slot = &br->slots[i];
  tb_status rc = check_open(st, br, i);
  if (rc != TB_OK)
    return rc;
  if (slot->delegate)
    return delegated(st, slot);
  rc = eligible(st, b, slot);
  if (rc != TB_OK)
    return rc;
  if (!slot->account) { /* a decision claims */
    slot->account = st->ev->actor;
    slot->claimed =
        slot->kind == TB_SIGNER_POOL || slot->kind == TB_SIGNER_GROUP;
  }
  slot->acted = true;
  br->acted = true;
  return TB_OK;
}

tb_branch_state *tb_step_held(tb_mstep *st, size_t *i, tb_status *rc) {
  tb_branch_state *br = tb_step_task_of(st, i, rc);
  if (!br)
    return NULL;
  *rc = tb_step_hold(st, st->ev->branch, *i);
  return *rc == TB_OK ? br : NULL;
}

/* ---- claim and the decisions ------------------------------------------- */

tb_status tb_on_claim(tb_mstep *st) {
  tb_status rc = TB_OK;
  size_t i = 0;
  tb_branch_state *br = tb_step_task_of(st, &i, &rc);
  if (!br)
    return rc;
  const tb_slot *slot = &br->slots[i];
  bool was_taken = slot->account != 0 && slot->status == TB_SLOT_OPEN &&
                   !slot->delegate && slot->account == st->ev->actor;
  rc = tb_step_hold(st, st->ev->branch, i);
  if (rc != TB_OK)
    return rc;
  if (was_taken)
    return tb_problem_set(st->p, TB_ERR_ILLEGAL_STATE, "task",
                          slot->claimed
                              ? "you have already claimed this task"
                              : "this task is assigned to you: it needs no "
                                "claim");
  if (!slot->claimed)
    return tb_problem_set(st->p, TB_ERR_ILLEGAL_STATE, "task",
                          "this task is assigned to you: it needs no claim");
  tb_step_sync_legacy(br);
  return TB_OK;
}

static tb_status decide(tb_mstep *st, tb_slot_status outcome) {
  tb_status rc = TB_OK;
  size_t i = 0;
  size_t b = st->ev->branch;
  tb_branch_state *br = tb_step_held(st, &i, &rc);
  if (!br)
    return rc;
  tb_slot snapshot[TB_MAX_SIGNERS];
  memcpy(snapshot, br->slots, sizeof snapshot);
  br->slots[i].status = (uint8_t)outcome;
  tb_step_evaluate(st, b, snapshot, br->n_slots, (uint8_t)i);
  return TB_OK;
}

tb_status tb_on_approve(tb_mstep *st) {
  return decide(st, TB_SLOT_APPROVED);
}

tb_status tb_on_deny(tb_mstep *st) {
  return decide(st, TB_SLOT_DENIED);
}

/* A return waits for the other branches, so that the applicant gets one
 * notice with every bureau's items (一次性告知), not one per bureau. The
 * whole step closes; the answered notice reopens it at the next round. */
tb_status tb_on_return(tb_mstep *st) {
  tb_status rc = TB_OK;
  size_t i = 0;
  size_t b = st->ev->branch;
  tb_branch_state *br = tb_step_held(st, &i, &rc);
  if (!br)
    return rc;
  rc = tb_m_check_material_mask(st, st->ev->materials, "items");
  if (rc != TB_OK)
    return rc;
  br->slots[i].status = TB_SLOT_RETURNED;
  tb_step_close_pending(st, b, TB_CLOSE_RETURNED);
  tb_m_disarm_task(st, b);
  br->warning = TB_WARN_NONE;
  br->status = TB_BRANCH_RETURNED;
  br->prev_n = 0;
  tb_step_sync_legacy(br);
  tb_app_state *s = st->s;
  s->notice |= st->ev->materials;
  s->notice_branches |= (uint16_t)(1u << b);
  s->provided &= ~st->ev->materials;
  s->from_license &= ~st->ev->materials;
  tb_m_decide_join(st);
  return TB_OK;
}
