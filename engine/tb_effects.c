/*
 * tb_effects.c — what every transition of the state machine builds on: the
 * effects it emits (tasks aside: tb_step.c), the timers and warnings of the
 * application's and the branches' deadlines, the clock that pauses and
 * resumes, the licenses signed at approval, and the refusals' words. It
 * calls nothing of tb_machine.c, tb_step.c or tb_verbs.c.
 */
#include "tb_machine_int.h"

#include <string.h>

/* ---- small helpers ---------------------------------------------------- */

uint64_t tb_m_bit64(size_t i) {
  return (uint64_t)1 << i;
}

static uint64_t all_materials(const tb_definition *def) {
  return def->n_materials >= 64 ? ~(uint64_t)0
                                : tb_m_bit64(def->n_materials) - 1;
}

tb_day tb_m_today(const tb_mstep *st) {
  return tb_calendar_day_of(st->cal, st->ev->at);
}

tb_effect *tb_m_emit(tb_mstep *st, tb_effect_kind kind) {
  if (st->fx->n >= TB_MAX_EFFECTS) {
    st->overflow = true;
    return NULL;
  }
  tb_effect *e = &st->fx->items[st->fx->n++];
  memset(e, 0, sizeof *e);
  e->kind = (uint8_t)kind;
  return e;
}

void tb_m_schedule(tb_mstep *st, tb_timer_kind timer, size_t subject,
                   int64_t at) {
  tb_effect *e = tb_m_emit(st, TB_EFFECT_SCHEDULE_TIMER);
  if (e) {
    e->timer = (uint8_t)timer;
    e->subject = (uint8_t)subject;
    e->at = at;
  }
}

void tb_m_unschedule(tb_mstep *st, tb_timer_kind timer, size_t subject) {
  tb_effect *e = tb_m_emit(st, TB_EFFECT_CANCEL_TIMER);
  if (e) {
    e->timer = (uint8_t)timer;
    e->subject = (uint8_t)subject;
  }
}

void tb_m_notify(tb_mstep *st, tb_notice_kind notice, uint64_t materials,
                 uint16_t branches) {
  tb_effect *e = tb_m_emit(st, TB_EFFECT_NOTIFY);
  if (e) {
    e->notice = (uint8_t)notice;
    e->materials = materials;
    e->branches = branches;
  }
}

/* ---- deadlines and warnings ------------------------------------------- */

/* The cards and their instants: tb_card.c, the one definition. */
static tb_warning warning_at(const tb_mstep *st, tb_day deadline, int length,
                             int64_t now) {
  return tb_card_at(st->cal, deadline, length, st->def->warn_days, now);
}

/* Set the warning level for `deadline` (of `length` working days) as of
 * now and schedule the timers for the levels still to come. */
static uint8_t arm_warnings(tb_mstep *st, tb_day deadline, int length,
                            tb_timer_kind yellow, tb_timer_kind red,
                            size_t subject) {
  tb_warning w = warning_at(st, deadline, length, st->ev->at);
  int64_t y;
  if (w < TB_WARN_YELLOW &&
      tb_card_yellow_at(st->cal, deadline, length, st->def->warn_days, &y))
    tb_m_schedule(st, yellow, subject, y);
  if (w < TB_WARN_RED)
    tb_m_schedule(st, red, subject, tb_card_red_at(st->cal, deadline));
  return (uint8_t)w;
}

/* The limit of branch b's current task, in working days. */
int tb_m_task_days(const tb_mstep *st, size_t b) {
  const tb_branch_def *bd = &st->def->branches[b];
  uint8_t step = st->s->branches[b].step;
  return step < bd->n_tasks ? bd->tasks[step].days : 0;
}

uint8_t tb_m_arm_task(tb_mstep *st, size_t b) {
  return arm_warnings(st, st->s->branches[b].deadline, tb_m_task_days(st, b),
                      TB_TIMER_TASK_YELLOW, TB_TIMER_TASK_RED, b);
}

void tb_m_disarm_warnings(tb_mstep *st, tb_timer_kind yellow, tb_timer_kind red,
                          size_t subject) {
  if (st->def->warn_days > 0)
    tb_m_unschedule(st, yellow, subject);
  tb_m_unschedule(st, red, subject);
}

void tb_m_disarm_task(tb_mstep *st, size_t b) {
  tb_m_disarm_warnings(st, TB_TIMER_TASK_YELLOW, TB_TIMER_TASK_RED, b);
}

/* ---- the application clock -------------------------------------------- */

void tb_m_arm_application(tb_mstep *st) {
  st->s->warning = arm_warnings(st, st->s->deadline, st->def->promised_days,
                                TB_TIMER_APP_YELLOW, TB_TIMER_APP_RED, 0);
}

/* Stop the clock: no card while it is paused, and no warning can fire. */
void tb_m_pause_clock(tb_mstep *st) {
  st->s->paused_at = st->ev->at;
  st->s->warning = TB_WARN_NONE;
  tb_m_disarm_warnings(st, TB_TIMER_APP_YELLOW, TB_TIMER_APP_RED, 0);
  for (size_t b = 0; b < st->s->n_branches; b++)
    if (st->s->branches[b].status == TB_BRANCH_ACTIVE) {
      st->s->branches[b].warning = TB_WARN_NONE;
      tb_m_disarm_warnings(st, TB_TIMER_TASK_YELLOW, TB_TIMER_TASK_RED, b);
    }
}

/* Restart the clock: every deadline moves by the working days paused
 * (行政许可法 art. 45), and the warnings are armed again. */
void tb_m_resume_clock(tb_mstep *st) {
  tb_app_state *s = st->s;
  /* A pause ending at midnight ends on the day that just finished. */
  tb_day resumed = tb_m_today(st);
  if (st->ev->at == tb_calendar_start_of(st->cal, resumed))
    resumed--;
  int paused = tb_calendar_count_working_days(
      st->cal, tb_calendar_day_of(st->cal, s->paused_at), resumed);
  s->paused_days += paused;
  s->deadline = tb_calendar_add_working_days(st->cal, s->deadline, paused);
  s->statutory_deadline =
      tb_calendar_add_working_days(st->cal, s->statutory_deadline, paused);
  s->paused_at = 0;
  tb_m_arm_application(st);
  for (size_t b = 0; b < s->n_branches; b++) {
    tb_branch_state *br = &s->branches[b];
    if (br->status != TB_BRANCH_ACTIVE)
      continue;
    br->paused_days += paused;
    br->deadline = tb_calendar_add_working_days(st->cal, br->deadline, paused);
    br->warning = tb_m_arm_task(st, b);
  }
}

/* ---- ending ------------------------------------------------------------- */

void tb_m_cancel_gap_timers(tb_mstep *st, uint64_t gaps) {
  for (size_t m = 0; m < st->def->n_materials; m++)
    if (gaps & tb_m_bit64(m))
      tb_m_unschedule(st, TB_TIMER_GAP_DUE, m);
}

/* An online application leaves the states before acceptance: its expiry
 * timer (scheduled at submission) has nothing left to do. */
void tb_m_cancel_expiry(tb_mstep *st) {
  const tb_app_state *s = st->s;
  if (s->channel == TB_CHANNEL_ONLINE &&
      (s->status == TB_APP_SUBMITTED ||
       s->status == TB_APP_AWAITING_SUPPLEMENT))
    tb_m_unschedule(st, TB_TIMER_EXPIRE, 0);
}

/* Sign every license whose branch approved (or that belongs to the whole
 * application), and tell the applicant. */
void tb_m_issue_licenses(tb_mstep *st) {
  tb_app_state *s = st->s;
  for (size_t l = 0; l < st->def->n_licenses; l++) {
    int b = st->def->licenses[l].branch;
    if (b >= 0 && s->branches[b].status != TB_BRANCH_APPROVED)
      continue;
    s->licenses |= (uint16_t)(1u << l);
    tb_effect *e = tb_m_emit(st, TB_EFFECT_ISSUE_LICENSE);
    if (e)
      e->license = (uint8_t)l;
  }
  tb_m_notify(st, TB_NOTICE_APPROVED, 0, 0);
}

/* ---- refusals ----------------------------------------------------------- */

/* What a person reads for a status, in "the application is …". */
static const char *const status_words_table[TB_APP_STATE_COUNT] = {
    [TB_APP_NONE] = "not submitted yet",
    [TB_APP_SUBMITTED] = "waiting for acceptance at the window",
    [TB_APP_AWAITING_SUPPLEMENT] = "waiting for the applicant's supplement",
    [TB_APP_REFUSED] = "refused (不予受理)",
    [TB_APP_IN_REVIEW] = "in review by the bureaus",
    [TB_APP_RETURNED] = "returned to the applicant for supplement",
    [TB_APP_SUSPENDED] = "suspended for a special procedure",
    [TB_APP_APPROVED] = "approved and waiting for delivery",
    [TB_APP_DENIED] = "denied (不予许可)",
    [TB_APP_DELIVERED] = "delivered",
    [TB_APP_WITHDRAWN] = "withdrawn",
    [TB_APP_TERMINATED] = "terminated",
    [TB_APP_AWAITING_MATERIALS] =
        "approved and waiting for its tolerated materials",
    [TB_APP_EXPIRED] = "expired: no clerk accepted it in time",
};

static const char *status_words(uint8_t status) {
  return status < TB_APP_STATE_COUNT ? status_words_table[status]
                                     : "in an unknown state";
}

tb_status tb_m_illegal(tb_mstep *st, const char *what) {
  return tb_problem_set(st->p, TB_ERR_ILLEGAL_STATE, "state",
                        "cannot %s: the application is %s", what,
                        status_words(st->s->status));
}

tb_status tb_m_check_material_mask(tb_mstep *st, uint64_t mask,
                                   const char *field) {
  if (mask & ~all_materials(st->def))
    return tb_problem_set(st->p, TB_ERR_INVALID, field,
                          "names a material the service does not have");
  return TB_OK;
}
