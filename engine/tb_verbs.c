/*
 * tb_verbs.c — the verbs of a branch beyond the decisions: 转办 (transfer),
 * 委派 (delegate) and its return (resolve), 加签 (add a signer), 减签
 * (remove one), 退回 (send back to an earlier step) and 撤回 (take back a
 * decision). Each refusal says why in words a person can act on and
 * changes nothing (tb_engine_step discards the working copy).
 */
#include "tb_machine_int.h"

#include <stdio.h>
#include <string.h>

/* Slot i has a new task (its holder's, or its delegate's): the event is
 * done. */
static tb_status renewed(tb_mstep *st, size_t b, size_t i) {
  tb_step_new_task(st, b, i);
  tb_step_sync_legacy(&st->s->branches[b]);
  return TB_OK;
}

/* Whether slot s is for the officer named `name` of the definition (an
 * officer signer whose account is not known yet). */
static bool named_for(const tb_task_def *task, const tb_slot *s,
                      const char *name) {
  return name && !s->account && s->kind == TB_SIGNER_OFFICER &&
         s->ref < task->n_signers && task->signers[s->ref].name &&
         strcmp(task->signers[s->ref].name, name) == 0;
}

/* Whether the event's target is a signer of the step of branch b (holder
 * or delegate of a slot that is not closed, or the officer a definition's
 * slot names), other than slot `except`. */
static bool is_signer(const tb_mstep *st, size_t b, size_t except) {
  const tb_branch_state *br = &st->s->branches[b];
  const tb_task_def *task = tb_step_def(st, b);
  int64_t a = st->ev->target;
  for (size_t i = 0; i < br->n_slots; i++) {
    const tb_slot *s = &br->slots[i];
    if (i != except && s->status != TB_SLOT_CLOSED &&
        (s->account == a || s->delegate == a ||
         named_for(task, s, st->ev->target_name)))
      return true;
  }
  return false;
}

/* The officer a task goes to: somebody, not the actor, not already a
 * signer of the step. */
static tb_status check_target(tb_mstep *st, size_t self) {
  int64_t target = st->ev->target;
  if (target <= 0)
    return tb_problem_set(st->p, TB_ERR_INVALID, "to", "names no officer");
  if (target == st->ev->actor)
    return tb_problem_set(st->p, TB_ERR_INVALID, "to",
                          "names yourself: choose another officer");
  if (is_signer(st, st->ev->branch, self))
    return tb_problem_set(st->p, TB_ERR_NOT_ALLOWED, "to",
                          "that officer is already a signer of this step");
  return TB_OK;
}

/* ---- 转办, 委派, resolve --------------------------------------------------
 */

/* Hand the slot to target (转办) or to target for its holder (委派). */
static tb_status hand_on(tb_mstep *st, bool delegate) {
  tb_status rc = TB_OK;
  size_t i = 0, b = st->ev->branch;
  tb_branch_state *br = tb_step_held(st, &i, &rc);
  if (!br)
    return rc;
  rc = check_target(st, i);
  if (rc != TB_OK)
    return rc;
  tb_slot *slot = &br->slots[i];
  slot->kind = TB_SIGNER_ACCOUNT;
  slot->claimed = false;
  if (delegate)
    slot->delegate = st->ev->target;
  else
    slot->account = st->ev->target;
  return renewed(st, b, i);
}

tb_status tb_on_transfer(tb_mstep *st) {
  return hand_on(st, false);
}

tb_status tb_on_delegate(tb_mstep *st) {
  return hand_on(st, true);
}

tb_status tb_on_resolve(tb_mstep *st) {
  tb_status rc = TB_OK;
  size_t i = 0, b = st->ev->branch;
  tb_branch_state *br = tb_step_task_of(st, &i, &rc);
  if (!br)
    return rc;
  tb_slot *slot = &br->slots[i];
  if (slot->status != TB_SLOT_OPEN || !slot->delegate)
    return tb_problem_set(st->p, TB_ERR_ILLEGAL_STATE, "task",
                          "this task is not delegated: there is nothing to "
                          "resolve");
  if (slot->delegate != st->ev->actor)
    return tb_problem_set(st->p, TB_ERR_NOT_ASSIGNEE, "task",
                          "only the officer the task was delegated to can "
                          "resolve it");
  slot->delegate = 0;
  slot->acted = true;
  br->acted = true;
  return renewed(st, b, i);
}

/* ---- 加签 and 减签 ---------------------------------------------------------
 */

static tb_status check_position(tb_mstep *st, size_t b) {
  uint8_t pos = st->ev->position;
  if (pos > TB_ADD_PARALLEL)
    return tb_problem_set(st->p, TB_ERR_INVALID, "position",
                          "must be before, after or parallel");
  tb_sign_rule rule = tb_step_rule(st, b);
  bool in_turn = rule == TB_SIGN_ONE || rule == TB_SIGN_SEQUENCE;
  if (in_turn != (pos != TB_ADD_PARALLEL))
    return tb_problem_set(st->p, TB_ERR_NOT_ALLOWED, "position",
                          "a %s step allows adding a signer %s",
                          in_turn ? "one-signer or in-turn (依次)"
                                  : "countersign, any-of or vote",
                          in_turn ? "before or after you" : "in parallel");
  return TB_OK;
}

/* Make room at index `at` for a new slot. */
static tb_slot *insert_slot(tb_branch_state *br, size_t at) {
  memmove(&br->slots[at + 1], &br->slots[at],
          (br->n_slots - at) * sizeof br->slots[0]);
  br->n_slots++;
  memset(&br->slots[at], 0, sizeof br->slots[at]);
  return &br->slots[at];
}

tb_status tb_on_add_signer(tb_mstep *st) {
  tb_status rc = TB_OK;
  size_t i = 0, b = st->ev->branch;
  tb_branch_state *br = tb_step_held(st, &i, &rc);
  if (!br)
    return rc;
  if ((rc = check_position(st, b)) != TB_OK ||
      (rc = check_target(st, i)) != TB_OK)
    return rc;
  if (br->n_slots >= TB_MAX_SIGNERS)
    return tb_problem_set(st->p, TB_ERR_LIMIT, "to",
                          "a step has at most %d signers", TB_MAX_SIGNERS);
  uint8_t pos = st->ev->position;
  size_t at = pos == TB_ADD_BEFORE  ? i
              : pos == TB_ADD_AFTER ? i + 1
                                    : br->n_slots;
  tb_slot *added = insert_slot(br, at);
  added->kind = TB_SIGNER_ACCOUNT;
  added->account = st->ev->target;
  added->added_by = st->ev->actor;
  added->status = pos == TB_ADD_AFTER ? TB_SLOT_WAITING : TB_SLOT_OPEN;
  if (pos == TB_ADD_BEFORE) { /* the actor decides after the added one */
    size_t mine = i + 1;
    tb_step_cancel_task(st, b, mine, TB_CLOSE_REPLACED);
    br->slots[mine].status = TB_SLOT_WAITING;
    br->slots[mine].acted = false; /* it acts again when its turn comes */
    tb_step_new_task(st, b, at);
    tb_step_new_task(st, b, mine);
  } else {
    tb_step_new_task(st, b, at);
  }
  tb_step_sync_legacy(br);
  return TB_OK;
}

/* Who may remove slot i: whoever added it, or for a signer of the
 * definition an officer of the step's remove group. */
static tb_status may_remove(tb_mstep *st, size_t b, const tb_slot *slot) {
  if (slot->added_by) {
    if (slot->added_by == st->ev->actor)
      return TB_OK;
    return tb_problem_set(st->p, TB_ERR_NOT_ALLOWED, "task",
                          "only the officer who added this signer may "
                          "remove them");
  }
  const char *group = tb_step_def(st, b)->remove_group;
  if (!group)
    return tb_problem_set(st->p, TB_ERR_NOT_ALLOWED, "task",
                          "the workflow does not allow removing this step's "
                          "signers");
  if (tb_step_in_group(st->ev, group))
    return TB_OK;
  return tb_problem_set(st->p, TB_ERR_NOT_ALLOWED, "task",
                        "only the officers of group %s may remove this "
                        "step's signers",
                        group);
}

tb_status tb_on_remove_signer(tb_mstep *st) {
  tb_status rc = TB_OK;
  size_t i = 0, b = st->ev->branch;
  tb_branch_state *br = tb_step_task_of(st, &i, &rc);
  if (!br)
    return rc;
  tb_slot *slot = &br->slots[i];
  if (slot->status != TB_SLOT_OPEN && slot->status != TB_SLOT_WAITING)
    return tb_problem_set(st->p, TB_ERR_SUPERSEDED, "task",
                          "this signer has decided or is gone (%s): there "
                          "is nobody to remove",
                          tb_slot_status_name(slot->status));
  if ((rc = may_remove(st, b, slot)) != TB_OK)
    return rc;
  size_t left = 0;
  for (size_t j = 0; j < br->n_slots; j++)
    left += j != i && br->slots[j].status != TB_SLOT_CLOSED;
  if (left == 0)
    return tb_problem_set(st->p, TB_ERR_NOT_ALLOWED, "task",
                          "this is the step's last signer: it cannot be "
                          "removed");
  tb_step_cancel_task(st, b, i, TB_CLOSE_REMOVED);
  slot->status = TB_SLOT_CLOSED;
  br->acted = true;
  tb_step_evaluate(st, b, NULL, 0, 0);
  return TB_OK;
}

/* ---- 退回 -----------------------------------------------------------------
 */

/* "the steps it may go back to: accept, check" into buf. */
static void back_to_words(const tb_mstep *st, size_t b, char *buf,
                          size_t size) {
  const tb_branch_def *bd = &st->def->branches[b];
  uint32_t mask = tb_step_def(st, b)->back_to;
  size_t used = 0;
  buf[0] = '\0';
  for (size_t t = 0; t < bd->n_tasks && t < 32 && used < size; t++)
    if (mask & (1u << t)) {
      int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                       bd->tasks[t].id);
      used += n > 0 ? (size_t)n : 0;
    }
}

tb_status tb_on_send_back(tb_mstep *st) {
  tb_status rc = TB_OK;
  size_t i = 0, b = st->ev->branch;
  tb_branch_state *br = tb_step_held(st, &i, &rc);
  if (!br)
    return rc;
  uint8_t to = st->ev->to_step;
  uint32_t mask = tb_step_def(st, b)->back_to;
  if (to >= br->step || to >= 32 || !(mask & (1u << to))) {
    char allowed[160];
    back_to_words(st, b, allowed, sizeof allowed);
    return tb_problem_set(st->p, TB_ERR_NOT_ALLOWED, "to_step",
                          allowed[0] ? "this step may be sent back only to: %s"
                                     : "this step cannot be sent back (退回)%s",
                          allowed);
  }
  br->slots[i].status = TB_SLOT_CLOSED; /* the acted task: 'send_back' */
  tb_step_close_pending(st, b, TB_CLOSE_SENT_BACK);
  tb_m_disarm_task(st, b);
  br->round++;
  br->step = to;
  tb_step_open(st, b);
  return TB_OK;
}

/* ---- 撤回 -----------------------------------------------------------------
 */

/* The decision the event names must be the actor's own. */
static tb_status own_decision(tb_mstep *st, const tb_slot *slot) {
  if (slot->status != TB_SLOT_APPROVED && slot->status != TB_SLOT_DENIED)
    return tb_problem_set(st->p, TB_ERR_ILLEGAL_STATE, "task",
                          "this task has no decision to take back (%s)",
                          tb_slot_status_name(slot->status));
  if (slot->account != st->ev->actor)
    return tb_problem_set(st->p, TB_ERR_NOT_ASSIGNEE, "task",
                          "only the officer who made the decision may take "
                          "it back");
  return TB_OK;
}

/* In turn (依次): what the decision on slot i opened must not have acted;
 * it waits again (its task recreated as waiting). */
static tb_status unopen_next(tb_mstep *st, size_t b, size_t i) {
  tb_branch_state *br = &st->s->branches[b];
  bool first = true;
  for (size_t j = i + 1; j < br->n_slots; j++) {
    tb_slot *s = &br->slots[j];
    if (s->status == TB_SLOT_CLOSED || s->status == TB_SLOT_WAITING)
      continue;
    if (!first || s->status != TB_SLOT_OPEN || s->acted)
      return tb_problem_set(st->p, TB_ERR_ILLEGAL_STATE, "task",
                            "the next signer has already acted: the "
                            "decision can no longer be taken back");
    first = false;
    tb_step_cancel_task(st, b, j, TB_CLOSE_TAKEN_BACK);
    s->status = TB_SLOT_WAITING;
    tb_step_new_task(st, b, j);
  }
  return TB_OK;
}

/* (a) A decision inside the step that is still at work. */
static tb_status take_back_here(tb_mstep *st, size_t b) {
  tb_status rc = TB_OK;
  tb_branch_state *br = &st->s->branches[b];
  size_t i = 0;
  tb_step_task_of(st, &i, &rc);
  if (rc != TB_OK)
    return rc;
  tb_slot *slot = &br->slots[i];
  if ((rc = own_decision(st, slot)) != TB_OK)
    return rc;
  tb_sign_rule rule = tb_step_rule(st, b);
  if ((rule == TB_SIGN_ONE || rule == TB_SIGN_SEQUENCE) &&
      (rc = unopen_next(st, b, i)) != TB_OK)
    return rc;
  slot->status = TB_SLOT_OPEN;
  slot->acted = false;
  return renewed(st, b, i);
}

/* (b) The decision that completed the previous step, while the current
 * step has not acted: the previous step comes back as it was. */
static tb_status take_back_previous(tb_mstep *st, size_t b) {
  tb_branch_state *br = &st->s->branches[b];
  const tb_event *ev = st->ev;
  if (br->acted)
    return tb_problem_set(st->p, TB_ERR_ILLEGAL_STATE, "task",
                          "the next step has already acted: the decision "
                          "can no longer be taken back");
  size_t i = br->prev_slot;
  bool named = ev->serial
                   ? br->prev[i].serial == ev->serial || br->prev[i].serial == 0
                   : ev->slot == i;
  if (!named)
    return tb_problem_set(st->p, TB_ERR_ILLEGAL_STATE, "task",
                          "only the decision that completed the previous "
                          "step can be taken back now");
  if (br->prev[i].account != ev->actor)
    return tb_problem_set(st->p, TB_ERR_NOT_ASSIGNEE, "task",
                          "only the officer who made the decision may take "
                          "it back");
  tb_step_close_pending(st, b, TB_CLOSE_TAKEN_BACK);
  tb_m_disarm_task(st, b);
  br->step = br->prev_step;
  br->n_slots = br->prev_n;
  memcpy(br->slots, br->prev, sizeof br->slots);
  br->prev_n = 0;
  br->acted = false;
  /* the step's clock restarts, as when a step opens */
  br->started_at = ev->at;
  br->paused_days = 0;
  br->deadline = tb_calendar_add_working_days(st->cal, tb_m_today(st),
                                              tb_step_def(st, b)->days);
  br->warning = tb_m_arm_task(st, b);
  for (size_t j = 0; j < br->n_slots; j++)
    if (br->slots[j].status == TB_SLOT_OPEN ||
        br->slots[j].status == TB_SLOT_WAITING) {
      br->slots[j].acted = false;
      tb_step_new_task(st, b, j);
    }
  tb_step_sync_legacy(br);
  return TB_OK;
}

tb_status tb_on_take_back(tb_mstep *st) {
  const tb_event *ev = st->ev;
  if (st->s->status != TB_APP_IN_REVIEW)
    return tb_m_illegal(st, "take back a decision");
  if (ev->branch >= st->s->n_branches)
    return tb_problem_set(st->p, TB_ERR_INVALID, "task",
                          "no such task in this application");
  size_t b = ev->branch;
  tb_branch_state *br = &st->s->branches[b];
  if (br->status != TB_BRANCH_ACTIVE)
    return tb_problem_set(st->p, TB_ERR_ILLEGAL_STATE, "task",
                          "the branch is %s: its decisions can no longer be "
                          "taken back",
                          tb_branch_status_name(br->status));
  if (ev->step == br->step)
    return take_back_here(st, b);
  if (ev->round && ev->round != br->round)
    return tb_problem_set(st->p, TB_ERR_SUPERSEDED, "task",
                          "this task of round %u is no longer the branch's: "
                          "it is at round %u",
                          ev->round, br->round);
  if (br->prev_n && ev->step == br->prev_step) {
    const tb_branch_def *bd = &st->def->branches[b];
    if (ev->bureau && strcmp(ev->bureau, bd->bureau) != 0)
      return tb_problem_set(st->p, TB_ERR_WRONG_BUREAU, "task",
                            "this task belongs to bureau %s", bd->bureau);
    return take_back_previous(st, b);
  }
  return tb_problem_set(st->p, TB_ERR_ILLEGAL_STATE, "task",
                        "the step after this decision has already acted, "
                        "or it was sent back: the decision can no longer be "
                        "taken back");
}
