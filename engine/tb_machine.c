/*
 * tb_machine.c — the application state machine: step(definition, state,
 * event) → new state + effects. Pure and deterministic: no I/O, no clock,
 * no allocation. engine/README.md describes the lifecycle in words.
 *
 * Every handler works on a copy of the state; the copy is written back only
 * when the whole event succeeded, so a refused event changes nothing.
 *
 * This file is the application's lifecycle (intake, the clock, the join,
 * special procedures, timers, delivery); the steps of a branch and the
 * task verbs are in tb_step.c and tb_verbs.c (tb_machine_int.h).
 */
#include "tb_machine_int.h"

#include <string.h>

/* ---- small helpers ---------------------------------------------------- */

static uint64_t bit64(size_t i) {
  return (uint64_t)1 << i;
}

static uint64_t all_materials(const tb_definition *def) {
  return def->n_materials >= 64 ? ~(uint64_t)0 : bit64(def->n_materials) - 1;
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

static void schedule(tb_mstep *st, tb_timer_kind timer, size_t subject,
                     int64_t at) {
  tb_effect *e = tb_m_emit(st, TB_EFFECT_SCHEDULE_TIMER);
  if (e) {
    e->timer = (uint8_t)timer;
    e->subject = (uint8_t)subject;
    e->at = at;
  }
}

static void unschedule(tb_mstep *st, tb_timer_kind timer, size_t subject) {
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
    schedule(st, yellow, subject, y);
  if (w < TB_WARN_RED)
    schedule(st, red, subject, tb_card_red_at(st->cal, deadline));
  return (uint8_t)w;
}

/* The limit of branch b's current task, in working days. */
static int task_days(const tb_mstep *st, size_t b) {
  const tb_branch_def *bd = &st->def->branches[b];
  uint8_t step = st->s->branches[b].step;
  return step < bd->n_tasks ? bd->tasks[step].days : 0;
}

uint8_t tb_m_arm_task(tb_mstep *st, size_t b) {
  return arm_warnings(st, st->s->branches[b].deadline, task_days(st, b),
                      TB_TIMER_TASK_YELLOW, TB_TIMER_TASK_RED, b);
}

static void disarm_warnings(tb_mstep *st, tb_timer_kind yellow,
                            tb_timer_kind red, size_t subject) {
  if (st->def->warn_days > 0)
    unschedule(st, yellow, subject);
  unschedule(st, red, subject);
}

void tb_m_disarm_task(tb_mstep *st, size_t b) {
  disarm_warnings(st, TB_TIMER_TASK_YELLOW, TB_TIMER_TASK_RED, b);
}

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

/* ---- the application clock -------------------------------------------- */

static void arm_application(tb_mstep *st) {
  st->s->warning = arm_warnings(st, st->s->deadline, st->def->promised_days,
                                TB_TIMER_APP_YELLOW, TB_TIMER_APP_RED, 0);
}

/* Stop the clock: no card while it is paused, and no warning can fire. */
static void pause_clock(tb_mstep *st) {
  st->s->paused_at = st->ev->at;
  st->s->warning = TB_WARN_NONE;
  disarm_warnings(st, TB_TIMER_APP_YELLOW, TB_TIMER_APP_RED, 0);
  for (size_t b = 0; b < st->s->n_branches; b++)
    if (st->s->branches[b].status == TB_BRANCH_ACTIVE) {
      st->s->branches[b].warning = TB_WARN_NONE;
      disarm_warnings(st, TB_TIMER_TASK_YELLOW, TB_TIMER_TASK_RED, b);
    }
}

/* Restart the clock: every deadline moves by the working days paused
 * (行政许可法 art. 45), and the warnings are armed again. */
static void resume_clock(tb_mstep *st) {
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
  arm_application(st);
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

static void cancel_gap_timers(tb_mstep *st, uint64_t gaps) {
  for (size_t m = 0; m < st->def->n_materials; m++)
    if (gaps & bit64(m))
      unschedule(st, TB_TIMER_GAP_DUE, m);
}

/* An online application leaves the states before acceptance: its expiry
 * timer (scheduled at submission) has nothing left to do. */
static void cancel_expiry(tb_mstep *st) {
  const tb_app_state *s = st->s;
  if (s->channel == TB_CHANNEL_ONLINE &&
      (s->status == TB_APP_SUBMITTED ||
       s->status == TB_APP_AWAITING_SUPPLEMENT))
    unschedule(st, TB_TIMER_EXPIRE, 0);
}

/* Move to a final (or decided) status: close every open task and stop
 * every timer. */
void tb_m_end_application(tb_mstep *st, tb_app_status status) {
  tb_app_state *s = st->s;
  if (status != TB_APP_EXPIRED)
    cancel_expiry(st);
  bool clock_running = s->status == TB_APP_IN_REVIEW;
  if (clock_running)
    disarm_warnings(st, TB_TIMER_APP_YELLOW, TB_TIMER_APP_RED, 0);
  if (s->status == TB_APP_SUSPENDED)
    unschedule(st, TB_TIMER_SPECIAL_MAX, 0);
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
    cancel_gap_timers(st, s->gaps);
  s->status = (uint8_t)status;
  s->finished_at = st->ev->at;
  s->paused_at = 0;
  s->warning = TB_WARN_NONE; /* no card once decided or ended */
}

/* Sign every license whose branch approved (or that belongs to the whole
 * application), and tell the applicant. */
static void issue_licenses(tb_mstep *st) {
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
    pause_clock(st);
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
  issue_licenses(st);
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

static tb_status invalid(tb_mstep *st, const char *field, const char *what) {
  return tb_problem_set(st->p, TB_ERR_INVALID, field, "%s", what);
}

tb_status tb_m_check_material_mask(tb_mstep *st, uint64_t mask,
                                   const char *field) {
  if (mask & ~all_materials(st->def))
    return tb_problem_set(st->p, TB_ERR_INVALID, field,
                          "names a material the service does not have");
  return TB_OK;
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
    bool have = st->s->provided & bit64(m);
    if ((tolerated & bit64(m)) && (have || mat->tolerate_days == 0))
      return tb_problem_set(st->p, TB_ERR_MATERIAL, "tolerated",
                            have ? "material '%s' was provided; it is not a gap"
                                 : "material '%s' cannot be tolerated (容缺): "
                                   "the service requires it at acceptance",
                            mat->id);
    if ((committed & bit64(m)) &&
        (!mat->commitment || have || (tolerated & bit64(m))))
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
    if ((ev->from_license & bit64(m)) && !st->def->materials[m].license_type)
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
    schedule(st, TB_TIMER_EXPIRE, 0, ev->expire_at);
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
    bool have = st->s->provided & bit64(m);
    if (mat->required && !have && !(tolerated & bit64(m)) &&
        !(committed & bit64(m)))
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
    if (!(s->gaps & bit64(m)))
      continue;
    s->gap_due[m] = tb_calendar_add_working_days(
        st->cal, day, st->def->materials[m].tolerate_days);
    schedule(st, TB_TIMER_GAP_DUE, m,
             tb_calendar_start_of(st->cal, s->gap_due[m] + 1));
  }
  cancel_expiry(st);
  s->status = TB_APP_IN_REVIEW;
  tb_m_notify(st, TB_NOTICE_ACCEPTED, s->gaps, 0);
  arm_application(st);
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
  cancel_gap_timers(st, filled);
  s->gaps &= ~filled;
  s->provided |= st->ev->materials;
  if (s->status == TB_APP_AWAITING_MATERIALS && !s->gaps) {
    s->status = TB_APP_APPROVED; /* 补齐出证: the last gap signs them */
    issue_licenses(st);
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
  resume_clock(st);
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
    if (stray & bit64(m))
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
  cancel_gap_timers(st, filled);
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
  pause_clock(st);
  s->status = TB_APP_SUSPENDED;
  s->special = st->ev->special;
  tb_day last = tb_calendar_add_working_days(st->cal, tb_m_today(st),
                                             st->def->specials[i].max_days);
  schedule(st, TB_TIMER_SPECIAL_MAX, 0,
           tb_calendar_start_of(st->cal, last + 1));
  tb_m_notify(st, TB_NOTICE_SUSPENDED, 0, 0);
  return TB_OK;
}

static void resume_review(tb_mstep *st) {
  st->s->status = TB_APP_IN_REVIEW;
  resume_clock(st);
  tb_m_notify(st, TB_NOTICE_RESUMED, 0, 0);
}

static tb_status on_resume(tb_mstep *st) {
  if (st->s->status != TB_APP_SUSPENDED)
    return tb_m_illegal(st, "resume");
  unschedule(st, TB_TIMER_SPECIAL_MAX, 0);
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
  if (m >= st->def->n_materials || !(s->gaps & bit64(m)) ||
      tb_app_status_is_final(s->status) ||
      st->ev->at < tb_calendar_start_of(st->cal, s->gap_due[m] + 1))
    return not_due(st);
  /* Terminating is possible while no license is signed: in review, or
   * approved and waiting for the gaps. */
  bool unsigned_yet = s->status != TB_APP_APPROVED;
  if (st->def->gap_policy == TB_GAP_MISSED_TERMINATE && unsigned_yet) {
    tb_m_end_application(st, TB_APP_TERMINATED);
    tb_m_notify(st, TB_NOTICE_TERMINATED, bit64(m), 0);
    return TB_OK;
  }
  if (s->gap_overdue)
    return not_due(st); /* already flagged by another gap */
  s->gap_overdue = true;
  tb_m_notify(st, TB_NOTICE_GAP_OVERDUE, bit64(m), 0);
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
    disarm_warnings(st, TB_TIMER_APP_YELLOW, TB_TIMER_APP_RED, 0);
    arm_application(st);
    notify_worse(st, before, s->warning, 0);
  }
  return true;
}

/* Branch b's open task: its opening day + its limit + its paused days. */
static bool recompute_task(tb_mstep *st, size_t b, bool runs) {
  tb_branch_state *br = &st->s->branches[b];
  tb_day day = tb_calendar_day_of(st->cal, br->started_at);
  tb_day deadline = tb_calendar_add_working_days(
      st->cal, day, task_days(st, b) + br->paused_days);
  if (deadline == br->deadline)
    return false;
  br->deadline = deadline;
  if (runs) {
    uint8_t before = br->warning;
    disarm_warnings(st, TB_TIMER_TASK_YELLOW, TB_TIMER_TASK_RED, b);
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
    if (!(s->gaps & bit64(m)))
      continue;
    tb_day due = tb_calendar_add_working_days(
        st->cal, day, st->def->materials[m].tolerate_days);
    if (due == s->gap_due[m])
      continue;
    s->gap_due[m] = due;
    schedule(st, TB_TIMER_GAP_DUE, m, tb_calendar_start_of(st->cal, due + 1));
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
    if (s->gaps & bit64(m))
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
  cancel_gap_timers(st, s->gaps);
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
