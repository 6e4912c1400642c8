/*
 * tb_machine.c — the application state machine: step(definition, state,
 * event) → new state + effects. Pure and deterministic: no I/O, no clock,
 * no allocation. engine/README.md describes the lifecycle in words.
 *
 * Every handler works on a copy of the state; the copy is written back only
 * when the whole event succeeded, so a refused event changes nothing.
 *
 * This file is the application's own events (intake, notices, special
 * procedures, timers, a new calendar, delivery) and the entry point; the
 * effects, timers and clock they share are in tb_effects.c; the steps of
 * a branch, the join and the task verbs in tb_step.c and tb_verbs.c
 * (tb_machine_int.h: what they share).
 */
#include "tb_machine_int.h"

#include <string.h>

/* ---- checks -------------------------------------------------------------- */

static tb_status invalid(tb_mstep *st, const char *field, const char *what) {
  return tb_problem_set(st->p, TB_ERR_INVALID, field, "%s", what);
}

/* The 容缺 and 告知承诺 choices must each be allowed by the definition: a
 * tolerated material may be missing at acceptance and is not provided; a
 * committed one may be replaced by a commitment, is not provided and not
 * tolerated. Checked at registration and again at acceptance. */
static tb_status check_choices(tb_mstep *st, uint64_t tolerated,
                               uint64_t committed) {
  tb_status rc = tb_m_check_material_mask(st, tolerated, "tolerated");
  if (rc == TB_OK)
    rc = tb_m_check_material_mask(st, committed, "committed");
  if (rc != TB_OK)
    return rc;
  for (size_t m = 0; m < st->def->n_materials; m++) {
    const tb_material *mat = &st->def->materials[m];
    bool have = st->s->provided & tb_m_bit64(m);
    if ((tolerated & tb_m_bit64(m)) && (have || mat->tolerate_days == 0))
      return tb_problem_set(st->p, TB_ERR_MATERIAL, "tolerated",
                            have ? "material '%s' was provided; it is not a gap"
                                 : "material '%s' cannot be tolerated (容缺): "
                                   "the service requires it at acceptance",
                            mat->id);
    if ((committed & tb_m_bit64(m)) &&
        (!mat->commitment || have || (tolerated & tb_m_bit64(m))))
      return tb_problem_set(st->p, TB_ERR_MATERIAL, "committed",
                            !mat->commitment
                                ? "material '%s' cannot be replaced by a "
                                  "commitment (告知承诺)"
                                : "material '%s' is already provided or "
                                  "tolerated; it needs no commitment",
                            mat->id);
  }
  return TB_OK;
}

/* ---- intake ------------------------------------------------------------- */

static tb_status on_submit(tb_mstep *st) {
  const tb_event *ev = st->ev;
  tb_app_state *s = st->s;
  if (s->status != TB_APP_NONE)
    return tb_m_illegal(st, "submit again");
  if (ev->channel != TB_CHANNEL_WINDOW && ev->channel != TB_CHANNEL_ONLINE)
    return invalid(st, "channel", "must be window or online");
  if (ev->channel == TB_CHANNEL_ONLINE && !st->def->online)
    return invalid(st, "channel", "this service cannot be applied for online");
  tb_status rc = tb_m_check_material_mask(st, ev->materials | ev->from_license,
                                          "materials");
  if (rc != TB_OK)
    return rc;
  for (size_t m = 0; m < st->def->n_materials; m++)
    if ((ev->from_license & tb_m_bit64(m)) &&
        !st->def->materials[m].license_type)
      return tb_problem_set(st->p, TB_ERR_INVALID, "materials",
                            "material '%s' cannot be supplied by a license",
                            st->def->materials[m].id);
  if (!st->form)
    return invalid(st, "form", "is missing");
  rc = tb_form_check(st->def, st->form, tb_m_today(st), st->p);
  if (rc != TB_OK)
    return rc;
  s->provided = ev->materials | ev->from_license;
  s->from_license = ev->from_license;
  rc = check_choices(st, ev->tolerated, ev->committed);
  if (rc != TB_OK)
    return rc;
  s->status = TB_APP_SUBMITTED;
  s->channel = ev->channel;
  s->submitted_at = ev->at;
  s->chosen_gaps = ev->tolerated;
  s->chosen_committed = ev->committed;
  if (ev->channel == TB_CHANNEL_ONLINE && ev->expire_at > 0)
    tb_m_schedule(st, TB_TIMER_EXPIRE, 0, ev->expire_at);
  return TB_OK;
}

/* Every required material must be there, tolerated (容缺) or replaced by a
 * commitment (告知承诺); each exception must be allowed by the definition. */
static tb_status check_acceptance(tb_mstep *st, uint64_t tolerated,
                                  uint64_t committed) {
  tb_status rc = check_choices(st, tolerated, committed);
  if (rc != TB_OK)
    return rc;
  for (size_t m = 0; m < st->def->n_materials; m++) {
    const tb_material *mat = &st->def->materials[m];
    bool have = st->s->provided & tb_m_bit64(m);
    if (mat->required && !have && !(tolerated & tb_m_bit64(m)) &&
        !(committed & tb_m_bit64(m)))
      return tb_problem_set(
          st->p, TB_ERR_MATERIAL, "materials",
          "required material '%s' (%s) is missing: request a supplement%s",
          mat->id, mat->name,
          mat->tolerate_days ? ", or accept it as a tolerated gap" : "");
  }
  return TB_OK;
}

static tb_status on_accept(tb_mstep *st) {
  const tb_event *ev = st->ev;
  tb_app_state *s = st->s;
  if (s->status != TB_APP_SUBMITTED)
    return tb_m_illegal(st, "accept");
  /* The stored choices, less what was supplied since registration. */
  uint64_t tolerated =
      ev->stored_choices ? s->chosen_gaps & ~s->provided : ev->materials;
  uint64_t committed = ev->stored_choices
                           ? s->chosen_committed & ~s->provided & ~tolerated
                           : ev->committed;
  tb_status rc = check_acceptance(st, tolerated, committed);
  if (rc != TB_OK)
    return rc;
  tb_day day = tb_m_today(st);
  s->accepted_at = ev->at;
  s->committed = committed;
  s->gaps = tolerated;
  s->deadline =
      tb_calendar_add_working_days(st->cal, day, st->def->promised_days);
  s->statutory_deadline =
      tb_calendar_add_working_days(st->cal, day, st->def->statutory_days);
  for (size_t m = 0; m < st->def->n_materials; m++) {
    if (!(s->gaps & tb_m_bit64(m)))
      continue;
    s->gap_due[m] = tb_calendar_add_working_days(
        st->cal, day, st->def->materials[m].tolerate_days);
    tb_m_schedule(st, TB_TIMER_GAP_DUE, m,
                  tb_calendar_start_of(st->cal, s->gap_due[m] + 1));
  }
  tb_m_cancel_expiry(st);
  s->status = TB_APP_IN_REVIEW;
  tb_m_notify(st, TB_NOTICE_ACCEPTED, s->gaps, 0);
  tb_m_arm_application(st);
  s->n_branches = (uint8_t)st->def->n_branches;
  for (size_t b = 0; b < s->n_branches; b++) {
    const tb_branch_def *bd = &st->def->branches[b];
    tb_branch_state *br = &s->branches[b];
    memset(br, 0, sizeof *br);
    br->round = 1;
    br->status = (bd->when && !tb_cond_eval(bd->when, st->form))
                     ? TB_BRANCH_INACTIVE
                     : TB_BRANCH_WAITING;
  }
  tb_m_start_ready_branches(st);
  tb_m_decide_join(st); /* no branch applies: approved at once */
  return TB_OK;
}

static tb_status on_refuse(tb_mstep *st) {
  uint8_t status = st->s->status;
  if (status != TB_APP_SUBMITTED && status != TB_APP_AWAITING_SUPPLEMENT)
    return tb_m_illegal(st, "refuse");
  tb_m_end_application(st, TB_APP_REFUSED);
  tb_m_notify(st, TB_NOTICE_REFUSED, 0, 0);
  return TB_OK;
}

/* 一次性告知 at the window: every missing or wrong item at once. */
static tb_status on_request_supplement(tb_mstep *st) {
  tb_app_state *s = st->s;
  if (s->status != TB_APP_SUBMITTED)
    return tb_m_illegal(st, "request a supplement");
  tb_status rc = tb_m_check_material_mask(st, st->ev->materials, "items");
  if (rc != TB_OK)
    return rc;
  s->status = TB_APP_AWAITING_SUPPLEMENT;
  s->notice = st->ev->materials;
  s->notice_supplied = 0;
  s->notice_branches = 0;
  s->provided &= ~st->ev->materials; /* listed as wrong: to be redone */
  s->from_license &= ~st->ev->materials;
  tb_m_notify(st, TB_NOTICE_SUPPLEMENT, s->notice, 0);
  return TB_OK;
}

/* Tolerated gaps supplied while the review goes on. */
static tb_status supply_gaps(tb_mstep *st) {
  tb_app_state *s = st->s;
  uint64_t filled = s->gaps & st->ev->materials;
  if (!filled)
    return tb_problem_set(st->p, TB_ERR_INVALID, "materials",
                          s->gaps ? "none of these materials is an "
                                    "outstanding tolerated gap"
                                  : "nothing is outstanding: the application "
                                    "has no tolerated gaps");
  tb_m_cancel_gap_timers(st, filled);
  s->gaps &= ~filled;
  s->provided |= st->ev->materials;
  if (s->status == TB_APP_AWAITING_MATERIALS && !s->gaps) {
    s->status = TB_APP_APPROVED; /* 补齐出证: the last gap signs them */
    tb_m_issue_licenses(st);
  }
  return TB_OK;
}

static void clear_notice(tb_app_state *s) {
  s->notice = 0;
  s->notice_supplied = 0;
  s->notice_branches = 0;
}

/* The notice is answered (every item supplied) or closed: the returned
 * branches review again (round + 1) and the clock restarts. */
static void reopen_returned(tb_mstep *st) {
  tb_app_state *s = st->s;
  uint64_t supplied = s->notice_supplied;
  s->status = TB_APP_IN_REVIEW;
  tb_m_resume_clock(st);
  for (size_t b = 0; b < s->n_branches; b++) {
    tb_branch_state *br = &s->branches[b];
    if (br->status != TB_BRANCH_RETURNED)
      continue;
    br->round++;
    tb_step_open(st, b);
  }
  clear_notice(s);
  tb_m_notify(st, TB_NOTICE_RESUMED, supplied, 0);
}

/* A supplement may name only what the open notice asks for (or, while
 * returned, an outstanding tolerated gap): anything else is refused,
 * naming the first such material. */
static tb_status check_in_notice(tb_mstep *st) {
  uint64_t stray = st->ev->materials & ~(st->s->notice | st->s->gaps);
  for (size_t m = 0; m < st->def->n_materials; m++)
    if (stray & tb_m_bit64(m))
      return tb_problem_set(st->p, TB_ERR_MATERIAL, "materials",
                            "material '%s' (%s) is not an item of the open "
                            "notice",
                            st->def->materials[m].id,
                            st->def->materials[m].name);
  return TB_OK;
}

/* Mark the notice's items in the event supplied; true when no item is
 * owed any more. */
static bool mark_supplied(tb_mstep *st) {
  tb_app_state *s = st->s;
  uint64_t items = st->ev->materials & s->notice;
  s->notice_supplied |= items;
  s->provided |= items;
  return (s->notice & ~s->notice_supplied) == 0;
}

/* The applicant answers the one-time notice, in one go or in parts: the
 * notice stays open with the items still owed; when the last one is
 * supplied, the application goes back to the window (before acceptance)
 * or to the returned branches (after). */
static tb_status answer_notice(tb_mstep *st) {
  tb_app_state *s = st->s;
  tb_status rc = check_in_notice(st);
  if (rc != TB_OK)
    return rc;
  uint64_t filled = s->gaps & st->ev->materials;
  tb_m_cancel_gap_timers(st, filled);
  s->gaps &= ~filled;
  s->provided |= filled;
  if (!mark_supplied(st))
    return TB_OK; /* items still owed: the notice stays open */
  if (s->status == TB_APP_RETURNED) {
    reopen_returned(st);
    return TB_OK;
  }
  s->status = TB_APP_SUBMITTED;
  clear_notice(s);
  return TB_OK;
}

static tb_status on_supplement(tb_mstep *st) {
  tb_app_state *s = st->s;
  tb_status rc = tb_m_check_material_mask(st, st->ev->materials, "materials");
  if (rc != TB_OK)
    return rc;
  if (!st->ev->materials)
    return invalid(st, "materials", "names no material");
  switch (s->status) {
  case TB_APP_AWAITING_SUPPLEMENT:
  case TB_APP_RETURNED:
    return answer_notice(st);
  case TB_APP_IN_REVIEW:
  case TB_APP_SUSPENDED:
  case TB_APP_AWAITING_MATERIALS:
  case TB_APP_APPROVED: /* approved before licenses waited for gaps */
    return supply_gaps(st);
  default:
    return tb_m_illegal(st, "take a supplement");
  }
}

/* The clerk closes the open notice (the reason is the caller's, for the
 * audit trail). The items still owed are no longer asked for: they stay
 * missing (not provided), so the window or the bureaus decide on what is
 * there — accept with gaps, refuse, deny, or ask again. */
static tb_status on_close_notice(tb_mstep *st) {
  tb_app_state *s = st->s;
  switch (s->status) {
  case TB_APP_AWAITING_SUPPLEMENT:
    s->status = TB_APP_SUBMITTED;
    clear_notice(s);
    return TB_OK;
  case TB_APP_RETURNED:
    reopen_returned(st);
    return TB_OK;
  default:
    return tb_m_illegal(st, "close a notice");
  }
}

static tb_status on_withdraw(tb_mstep *st) {
  switch (st->s->status) {
  case TB_APP_SUBMITTED:
  case TB_APP_AWAITING_SUPPLEMENT:
  case TB_APP_IN_REVIEW:
  case TB_APP_RETURNED:
  case TB_APP_SUSPENDED:
  case TB_APP_AWAITING_MATERIALS: /* nothing was signed yet */
    tb_m_end_application(st, TB_APP_WITHDRAWN);
    return TB_OK;
  default:
    return tb_m_illegal(st, "withdraw");
  }
}

/* ---- special procedures (特别程序) ------------------------------------- */

static tb_status on_suspend(tb_mstep *st) {
  tb_app_state *s = st->s;
  if (s->status != TB_APP_IN_REVIEW)
    return tb_m_illegal(st, "start a special procedure");
  int i = st->ev->special < TB_SPECIAL_KIND_COUNT
              ? tb_definition_special(st->def, st->ev->special)
              : -1;
  if (i < 0)
    return invalid(st, "kind", "this service has no such special procedure");
  tb_m_pause_clock(st);
  s->status = TB_APP_SUSPENDED;
  s->special = st->ev->special;
  tb_day last = tb_calendar_add_working_days(st->cal, tb_m_today(st),
                                             st->def->specials[i].max_days);
  tb_m_schedule(st, TB_TIMER_SPECIAL_MAX, 0,
                tb_calendar_start_of(st->cal, last + 1));
  tb_m_notify(st, TB_NOTICE_SUSPENDED, 0, 0);
  return TB_OK;
}

static void resume_review(tb_mstep *st) {
  st->s->status = TB_APP_IN_REVIEW;
  tb_m_resume_clock(st);
  tb_m_notify(st, TB_NOTICE_RESUMED, 0, 0);
}

static tb_status on_resume(tb_mstep *st) {
  if (st->s->status != TB_APP_SUSPENDED)
    return tb_m_illegal(st, "resume");
  tb_m_unschedule(st, TB_TIMER_SPECIAL_MAX, 0);
  resume_review(st);
  return TB_OK;
}

/* ---- timers ---------------------------------------------------------------
 */

static tb_status not_due(tb_mstep *st) {
  return tb_problem_set(st->p, TB_IGNORED, "timer",
                        "the timer is stale or not due yet");
}

static tb_status warn_application(tb_mstep *st, tb_warning level) {
  tb_app_state *s = st->s;
  if (s->status != TB_APP_IN_REVIEW || s->warning >= level ||
      tb_card_of_application(st->def, st->cal, s, st->ev->at) < level)
    return not_due(st);
  s->warning = (uint8_t)level;
  tb_m_notify(st, level == TB_WARN_RED ? TB_NOTICE_RED : TB_NOTICE_YELLOW, 0,
              0);
  return TB_OK;
}

static tb_status warn_task(tb_mstep *st, size_t b, tb_warning level) {
  tb_app_state *s = st->s;
  if (s->status != TB_APP_IN_REVIEW || b >= s->n_branches)
    return not_due(st);
  tb_branch_state *br = &s->branches[b];
  if (br->status != TB_BRANCH_ACTIVE || br->warning >= level ||
      tb_card_of_task(st->def, st->cal, s, b, st->ev->at) < level)
    return not_due(st);
  br->warning = (uint8_t)level;
  tb_m_notify(st, level == TB_WARN_RED ? TB_NOTICE_RED : TB_NOTICE_YELLOW, 0,
              (uint16_t)(1u << b));
  return TB_OK;
}

/* A tolerated gap (容缺) not supplied by its date: the definition decides. */
static tb_status gap_missed(tb_mstep *st, size_t m) {
  tb_app_state *s = st->s;
  if (m >= st->def->n_materials || !(s->gaps & tb_m_bit64(m)) ||
      tb_app_status_is_final(s->status) ||
      st->ev->at < tb_calendar_start_of(st->cal, s->gap_due[m] + 1))
    return not_due(st);
  /* Terminating is possible while no license is signed: in review, or
   * approved and waiting for the gaps. */
  bool unsigned_yet = s->status != TB_APP_APPROVED;
  if (st->def->gap_policy == TB_GAP_MISSED_TERMINATE && unsigned_yet) {
    tb_m_end_application(st, TB_APP_TERMINATED);
    tb_m_notify(st, TB_NOTICE_TERMINATED, tb_m_bit64(m), 0);
    return TB_OK;
  }
  if (s->gap_overdue)
    return not_due(st); /* already flagged by another gap */
  s->gap_overdue = true;
  tb_m_notify(st, TB_NOTICE_GAP_OVERDUE, tb_m_bit64(m), 0);
  return TB_OK;
}

/* An online application no clerk accepted in time expires: it ends
 * without a decision, and the applicant may apply again. */
static tb_status on_expire(tb_mstep *st) {
  tb_app_state *s = st->s;
  if (s->channel != TB_CHANNEL_ONLINE ||
      (s->status != TB_APP_SUBMITTED &&
       s->status != TB_APP_AWAITING_SUPPLEMENT))
    return not_due(st);
  tb_m_end_application(st, TB_APP_EXPIRED);
  clear_notice(s);
  tb_m_notify(st, TB_NOTICE_EXPIRED, 0, 0);
  return TB_OK;
}

static tb_status on_timer(tb_mstep *st) {
  const tb_event *ev = st->ev;
  switch (ev->timer) {
  case TB_TIMER_APP_YELLOW:
    return warn_application(st, TB_WARN_YELLOW);
  case TB_TIMER_APP_RED:
    return warn_application(st, TB_WARN_RED);
  case TB_TIMER_TASK_YELLOW:
    return warn_task(st, ev->subject, TB_WARN_YELLOW);
  case TB_TIMER_TASK_RED:
    return warn_task(st, ev->subject, TB_WARN_RED);
  case TB_TIMER_GAP_DUE:
    return gap_missed(st, ev->subject);
  case TB_TIMER_SPECIAL_MAX: {
    if (st->s->status != TB_APP_SUSPENDED)
      return not_due(st);
    int i = tb_definition_special(st->def, st->s->special);
    tb_day last = tb_calendar_add_working_days(
        st->cal, tb_calendar_day_of(st->cal, st->s->paused_at),
        i >= 0 ? st->def->specials[i].max_days : 0);
    if (ev->at < tb_calendar_start_of(st->cal, last + 1))
      return not_due(st);
    resume_review(st); /* the procedure's maximum is spent */
    return TB_OK;
  }
  case TB_TIMER_EXPIRE:
    return on_expire(st);
  default:
    return invalid(st, "timer", "unknown timer");
  }
}

/* ---- a new calendar: recompute the deadlines ---------------------------
 */

/* Raise a notice when a recomputed card is worse than before. */
static void notify_worse(tb_mstep *st, uint8_t before, uint8_t after,
                         uint16_t branches) {
  if (after > before)
    tb_m_notify(st, after == TB_WARN_RED ? TB_NOTICE_RED : TB_NOTICE_YELLOW, 0,
                branches);
}

/* The application's deadlines again: acceptance day + limit + the working
 * days paused so far; re-armed when they move and the clock runs. */
static bool recompute_application(tb_mstep *st, bool runs) {
  tb_app_state *s = st->s;
  tb_day day = tb_calendar_day_of(st->cal, s->accepted_at);
  tb_day promised = tb_calendar_add_working_days(
      st->cal, day, (int)st->def->promised_days + s->paused_days);
  tb_day statutory = tb_calendar_add_working_days(
      st->cal, day, (int)st->def->statutory_days + s->paused_days);
  if (promised == s->deadline && statutory == s->statutory_deadline)
    return false;
  bool moved = promised != s->deadline;
  s->deadline = promised;
  s->statutory_deadline = statutory;
  if (runs && moved) {
    uint8_t before = s->warning;
    tb_m_disarm_warnings(st, TB_TIMER_APP_YELLOW, TB_TIMER_APP_RED, 0);
    tb_m_arm_application(st);
    notify_worse(st, before, s->warning, 0);
  }
  return true;
}

/* Branch b's open task: its opening day + its limit + its paused days. */
static bool recompute_task(tb_mstep *st, size_t b, bool runs) {
  tb_branch_state *br = &st->s->branches[b];
  tb_day day = tb_calendar_day_of(st->cal, br->started_at);
  tb_day deadline = tb_calendar_add_working_days(
      st->cal, day, tb_m_task_days(st, b) + br->paused_days);
  if (deadline == br->deadline)
    return false;
  br->deadline = deadline;
  if (runs) {
    uint8_t before = br->warning;
    tb_m_disarm_warnings(st, TB_TIMER_TASK_YELLOW, TB_TIMER_TASK_RED, b);
    br->warning = tb_m_arm_task(st, b);
    notify_worse(st, before, br->warning, (uint16_t)(1u << b));
  }
  return true;
}

/* Each tolerated gap's date: acceptance day + its own limit. */
static bool recompute_gaps(tb_mstep *st) {
  tb_app_state *s = st->s;
  tb_day day = tb_calendar_day_of(st->cal, s->accepted_at);
  bool moved = false;
  for (size_t m = 0; m < st->def->n_materials; m++) {
    if (!(s->gaps & tb_m_bit64(m)))
      continue;
    tb_day due = tb_calendar_add_working_days(
        st->cal, day, st->def->materials[m].tolerate_days);
    if (due == s->gap_due[m])
      continue;
    s->gap_due[m] = due;
    tb_m_schedule(st, TB_TIMER_GAP_DUE, m,
                  tb_calendar_start_of(st->cal, due + 1));
    moved = true;
  }
  return moved;
}

static tb_status on_recompute(tb_mstep *st) {
  tb_app_state *s = st->s;
  bool open = s->status == TB_APP_IN_REVIEW || s->status == TB_APP_RETURNED ||
              s->status == TB_APP_SUSPENDED ||
              s->status == TB_APP_AWAITING_MATERIALS;
  if (!open || s->accepted_at == 0)
    return tb_problem_set(st->p, TB_IGNORED, "",
                          "the application has no open deadline");
  bool runs = s->status == TB_APP_IN_REVIEW;
  bool moved = false;
  if (s->status != TB_APP_AWAITING_MATERIALS) {
    moved = recompute_application(st, runs);
    for (size_t b = 0; b < s->n_branches; b++)
      if (s->branches[b].status == TB_BRANCH_ACTIVE)
        moved = recompute_task(st, b, runs) || moved;
  }
  moved = recompute_gaps(st) || moved;
  if (!moved)
    return tb_problem_set(st->p, TB_IGNORED, "",
                          "no deadline moves with this calendar");
  return TB_OK;
}

/* ---- delivery and rating ----------------------------------------------------
 */

static tb_status on_deliver(tb_mstep *st) {
  tb_app_state *s = st->s;
  if (s->status != TB_APP_APPROVED)
    return tb_m_illegal(st, "deliver");
  for (size_t m = 0; m < st->def->n_materials; m++)
    if (s->gaps & tb_m_bit64(m))
      return tb_problem_set(st->p, TB_ERR_MATERIAL, "materials",
                            "cannot deliver: tolerated material '%s' (%s) "
                            "has not been supplied",
                            st->def->materials[m].id,
                            st->def->materials[m].name);
  s->status = TB_APP_DELIVERED;
  tb_m_notify(st, TB_NOTICE_DELIVERED, 0, 0);
  return TB_OK;
}

static tb_status on_rate(tb_mstep *st) {
  tb_app_state *s = st->s;
  if (s->status != TB_APP_DELIVERED)
    return tb_m_illegal(st, "rate the service");
  if (s->rating)
    return tb_problem_set(st->p, TB_ERR_ILLEGAL_STATE, "rating",
                          "the service has already been rated");
  if (st->ev->rating < 1 || st->ev->rating > 5)
    return invalid(st, "rating", "must be a grade from 1 to 5");
  s->rating = st->ev->rating;
  return TB_OK;
}

/* 承诺不实: a verification after approval found a commitment false. An
 * application still waiting for its delivery or for its tolerated gaps
 * ends (终止办理): nothing more is delivered or signed and the gaps'
 * dates stop; the licenses already signed are revoked by the shell. */
static tb_status on_commitment_false(tb_mstep *st) {
  tb_app_state *s = st->s;
  if (s->status != TB_APP_APPROVED && s->status != TB_APP_AWAITING_MATERIALS)
    return tb_m_illegal(st, "end the application for a false commitment");
  tb_m_cancel_gap_timers(st, s->gaps);
  s->status = TB_APP_TERMINATED;
  tb_m_notify(st, TB_NOTICE_TERMINATED, 0, 0);
  return TB_OK;
}

/* ---- entry point -----------------------------------------------------------
 */

typedef tb_status (*handler_fn)(tb_mstep *);

static const handler_fn handlers[TB_EV_KIND_COUNT] = {
    [TB_EV_SUBMIT] = on_submit,
    [TB_EV_ACCEPT] = on_accept,
    [TB_EV_REFUSE] = on_refuse,
    [TB_EV_REQUEST_SUPPLEMENT] = on_request_supplement,
    [TB_EV_SUPPLEMENT] = on_supplement,
    [TB_EV_WITHDRAW] = on_withdraw,
    [TB_EV_CLAIM] = tb_on_claim,
    [TB_EV_APPROVE] = tb_on_approve,
    [TB_EV_DENY] = tb_on_deny,
    [TB_EV_RETURN] = tb_on_return,
    [TB_EV_SUSPEND] = on_suspend,
    [TB_EV_RESUME] = on_resume,
    [TB_EV_TIMER] = on_timer,
    [TB_EV_DELIVER] = on_deliver,
    [TB_EV_RATE] = on_rate,
    [TB_EV_CLOSE_NOTICE] = on_close_notice,
    [TB_EV_RECOMPUTE] = on_recompute,
    [TB_EV_COMMITMENT_FALSE] = on_commitment_false,
    [TB_EV_EXPIRE] = on_expire,
    [TB_EV_TRANSFER] = tb_on_transfer,
    [TB_EV_DELEGATE] = tb_on_delegate,
    [TB_EV_RESOLVE] = tb_on_resolve,
    [TB_EV_ADD_SIGNER] = tb_on_add_signer,
    [TB_EV_REMOVE_SIGNER] = tb_on_remove_signer,
    [TB_EV_SEND_BACK] = tb_on_send_back,
    [TB_EV_TAKE_BACK] = tb_on_take_back,
};

tb_status tb_engine_step(const tb_context *ctx, tb_app_state *state,
                         const tb_event *event, tb_effects *effects,
                         tb_problem *p) {
  effects->n = 0;
  if (!ctx || !ctx->def || !ctx->calendar)
    return tb_problem_set(p, TB_ERR_INVALID, "", "no definition or calendar");
  if ((unsigned)event->kind >= TB_EV_KIND_COUNT || !handlers[event->kind])
    return tb_problem_set(p, TB_ERR_INVALID, "event", "unknown event");
  if (event->at <= 0)
    return tb_problem_set(p, TB_ERR_INVALID, "at", "the event has no time");
  if (ctx->def->n_branches > TB_MAX_BRANCHES ||
      ctx->def->n_materials > TB_MAX_MATERIALS ||
      ctx->def->n_licenses > TB_MAX_LICENSES)
    return tb_problem_set(p, TB_ERR_LIMIT, "", "the definition is too large");
  if (state->status >= TB_APP_STATE_COUNT)
    return tb_problem_set(p, TB_ERR_INVALID, "state", "unknown state");

  tb_app_state next = *state;
  tb_mstep st = {.def = ctx->def,
                 .cal = ctx->calendar,
                 .form = ctx->form,
                 .ev = event,
                 .s = &next,
                 .fx = effects,
                 .p = p};
  tb_status rc = handlers[event->kind](&st);
  if (rc == TB_OK && st.overflow)
    rc = tb_problem_set(p, TB_ERR_LIMIT, "",
                        "the transition exceeds a capacity of the engine "
                        "(its effects, or a branch's task numbers)");
  if (rc != TB_OK) {
    effects->n = 0;
    return rc;
  }
  *state = next;
  return TB_OK;
}
