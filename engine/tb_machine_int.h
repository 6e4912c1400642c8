/*
 * tb_machine_int.h — what the state machine's files share (not part of
 * the engine's public interface): the working context of one transition,
 * the effect and clock helpers of tb_machine.c, and the step and slot
 * logic of tb_step.c and tb_verbs.c (engine/README.md, "The verbs of a
 * branch").
 */
#ifndef TB_MACHINE_INT_H
#define TB_MACHINE_INT_H

#include "tb_engine.h"

/* One transition: the inputs (read only), the working copy of the state
 * and the effects. Nothing here is owned: it lives for one call of
 * tb_engine_step. */
typedef struct {
  const tb_definition *def;
  const tb_calendar *cal;
  const tb_form *form;
  const tb_event *ev;
  tb_app_state *s; /* the working copy */
  tb_effects *fx;
  tb_problem *p;
  bool overflow; /* an effect did not fit, or a branch ran out of task
                    serials: the transition is refused (TB_ERR_LIMIT) */
} tb_mstep;

/* ---- tb_effects.c ------------------------------------------------------ */

uint64_t tb_m_bit64(size_t i); /* bit i of a material set */
/* Append an effect of this kind (zeroed but for the kind); NULL and
 * st->overflow set when the list is full. */
tb_effect *tb_m_emit(tb_mstep *st, tb_effect_kind kind);
void tb_m_notify(tb_mstep *st, tb_notice_kind notice, uint64_t materials,
                 uint16_t branches);
/* Schedule timer (subject) at `at`, replacing the same one; cancel it. */
void tb_m_schedule(tb_mstep *st, tb_timer_kind timer, size_t subject,
                   int64_t at);
void tb_m_unschedule(tb_mstep *st, tb_timer_kind timer, size_t subject);
/* The local day of the event. */
tb_day tb_m_today(const tb_mstep *st);
/* The limit of branch b's current step, in working days. */
int tb_m_task_days(const tb_mstep *st, size_t b);
/* Arm branch b's task warnings for its deadline; returns its card now. */
uint8_t tb_m_arm_task(tb_mstep *st, size_t b);
/* Cancel a pair of warning timers; branch b's task warning timers. */
void tb_m_disarm_warnings(tb_mstep *st, tb_timer_kind yellow, tb_timer_kind red,
                          size_t subject);
void tb_m_disarm_task(tb_mstep *st, size_t b);
/* The application's clock: arm its warnings; pause it (no card, no
 * timers); resume it (every deadline moves by the working days paused). */
void tb_m_arm_application(tb_mstep *st);
void tb_m_pause_clock(tb_mstep *st);
void tb_m_resume_clock(tb_mstep *st);
/* Cancel the due timers of these tolerated gaps; the expiry timer of an
 * online application leaving the states before acceptance. */
void tb_m_cancel_gap_timers(tb_mstep *st, uint64_t gaps);
void tb_m_cancel_expiry(tb_mstep *st);
/* Sign every license whose branch approved, and tell the applicant. */
void tb_m_issue_licenses(tb_mstep *st);
/* TB_ERR_ILLEGAL_STATE: "cannot <what>: the application is …". */
tb_status tb_m_illegal(tb_mstep *st, const char *what);
/* TB_ERR_INVALID naming material bits the service does not have. */
tb_status tb_m_check_material_mask(tb_mstep *st, uint64_t mask,
                                   const char *field);

/* ---- tb_step.c: the branches and the join ------------------------------- */

/* Start every waiting branch whose predecessors approved; skip those
 * behind a denied one. */
void tb_m_start_ready_branches(tb_mstep *st);
/* Every branch decided: approve, deny, or send the merged notice. */
void tb_m_decide_join(tb_mstep *st);
/* Move to a final (or decided) status: every pending task cancelled,
 * every timer stopped. */
void tb_m_end_application(tb_mstep *st, tb_app_status status);

/* ---- tb_step.c: the current step of a branch and its slots ------------- */

/* Open branch b's current step: fresh slots from the definition's
 * signers (a pool slot when none), a task for each (CREATE_TASK, the
 * waiting ones with waiting set), the step's deadline and warnings.
 * Clears acted and the 撤回 snapshot (prev_n). */
void tb_step_open(tb_mstep *st, size_t b);
/* Cancel every task of branch b's step still waiting or open, with this
 * reason, and close their slots. */
void tb_step_close_pending(tb_mstep *st, size_t b, tb_close_reason reason);
/* The branch is cancelled because the application ended: every pending
 * task is cancelled (ENDED) and its warnings stop when `disarm`. */
void tb_step_end_branch(tb_mstep *st, size_t b, bool disarm);
/* A new task (a new serial) for slot i of branch b: CREATE_TASK with the
 * slot's signer and the step's deadline; waiting when the slot waits. */
void tb_step_new_task(tb_mstep *st, size_t b, size_t i);
/* Cancel slot i's current task with this reason (CANCEL_TASK). */
void tb_step_cancel_task(tb_mstep *st, size_t b, size_t i,
                         tb_close_reason reason);
/* The definition of branch b's current step. */
const tb_task_def *tb_step_def(const tb_mstep *st, size_t b);
/* Whether the event's actor is in group `group` of their bureau (NULL:
 * nobody is). */
bool tb_step_in_group(const tb_event *ev, const char *group);
/* The rule the step's slots follow now: a ONE step that has more than one
 * slot (after 加签) follows SEQUENCE. */
tb_sign_rule tb_step_rule(const tb_mstep *st, size_t b);
/* After a slot changed: open the next waiting slot where the rule wants
 * it, or complete the step (approved: the next step or the branch;
 * denied: the branch) when the rule says so. `snapshot` (may be NULL) is
 * the slots as they were before the deciding event, kept for 撤回. */
void tb_step_evaluate(tb_mstep *st, size_t b, const tb_slot *snapshot,
                      uint8_t n_snapshot, uint8_t decided_slot);
/* Mirror the slots into the branch's older fields (claimed, claimant)
 * that views of states stored before the slots read. */
void tb_step_sync_legacy(tb_branch_state *br);

/* The slot a task event names, after the checks every task verb shares:
 * the application in review, the branch, its round and step, the bureau,
 * an actor, the slot by serial (or by number for serial 0). NULL and
 * *rc set when refused. */
tb_branch_state *tb_step_task_of(tb_mstep *st, size_t *slot, tb_status *rc);
/* Whether the actor may act on slot i as its holder (eligibility, the
 * claim, delegation); on TB_OK an unclaimed pool or group slot is
 * claimed by the actor ("a decision claims"), and the slot and the
 * branch are marked acted. */
tb_status tb_step_hold(tb_mstep *st, size_t b, size_t i);

/* tb_step_task_of and tb_step_hold in one: the open slot the actor holds
 * (claimed now if it was unclaimed). */
tb_branch_state *tb_step_held(tb_mstep *st, size_t *slot, tb_status *rc);

/* Task event handlers (tb_step.c: claim and the decisions; tb_verbs.c:
 * the verbs that hand on, add, remove, send back and take back). */
tb_status tb_on_claim(tb_mstep *st);
tb_status tb_on_approve(tb_mstep *st);
tb_status tb_on_deny(tb_mstep *st);
tb_status tb_on_return(tb_mstep *st);
tb_status tb_on_transfer(tb_mstep *st);
tb_status tb_on_delegate(tb_mstep *st);
tb_status tb_on_resolve(tb_mstep *st);
tb_status tb_on_add_signer(tb_mstep *st);
tb_status tb_on_remove_signer(tb_mstep *st);
tb_status tb_on_send_back(tb_mstep *st);
tb_status tb_on_take_back(tb_mstep *st);

#endif /* TB_MACHINE_INT_H */
