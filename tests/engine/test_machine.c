/*
 * test_machine.c — the application state machine, table-driven: every
 * state × event (legal ones move, illegal ones are refused with a reason
 * and change nothing), the join under every order of branch completions,
 * one-time notices, tolerated gaps, special procedures moving deadlines on
 * a real holiday calendar, and determinism.
 */
#include "tb_engine.h"
#include "tb_machine_test.h"
#include "tb_test.h"

#include <stdlib.h>
#include <string.h>

/* ---- a small definition built by hand -------------------------------- */

static tb_arena *arena;
static tb_calendar *cal;

static tb_choice scope_choices[] = {{"food", "食品经营"}, {"retail", "零售"}};
static tb_field fields[] = {
    {.id = "name",
     .label = "名称",
     .type = TB_FIELD_TEXT,
     .required = true,
     .has_max = true,
     .max = 50},
    {.id = "scope",
     .label = "经营范围",
     .type = TB_FIELD_CHOICE,
     .multiple = true,
     .choices = scope_choices,
     .n_choices = 2},
};
static tb_material materials[] = {
    {.id = "articles", .name = "章程", .required = true},
    {.id = "lease",
     .name = "住所证明",
     .required = true,
     .tolerate_days = 5,
     .commitment = true},
    {.id = "idcard", .name = "身份证", .required = false, .license_type = "ID"},
};
static tb_task_def one_task[] = {{.id = "review", .name = "审查", .days = 2}};
static tb_task_def two_tasks[] = {{.id = "check", .name = "初审", .days = 1},
                                  {.id = "sign", .name = "签发", .days = 1}};
static tb_special_def specials[] = {
    {.kind = TB_SPECIAL_INSPECTION, .name = "现场核查", .max_days = 10}};
static size_t license_fields[] = {0};
static tb_license_def small_licenses[] = {{.type_code = "L1",
                                           .name = "许可证",
                                           .bureau = "SCJG",
                                           .branch = -1,
                                           .fields = license_fields,
                                           .n_fields = 1}};

/* Two branches: market (two tasks in sequence) and tax. */
static tb_branch_def small_branches[] = {
    {.id = "market", .bureau = "SCJG", .tasks = two_tasks, .n_tasks = 2},
    {.id = "tax", .bureau = "SW", .tasks = one_task, .n_tasks = 1},
};

static tb_definition small = {.id = "small",
                              .name = "测试",
                              .version = 1,
                              .applicant = TB_APPLICANT_EITHER,
                              .statutory_days = 20,
                              .promised_days = 5,
                              .warn_days = 1,
                              .online = true,
                              .fields = fields,
                              .n_fields = 2,
                              .materials = materials,
                              .n_materials = 3,
                              .branches = small_branches,
                              .n_branches = 2,
                              .specials = specials,
                              .n_specials = 1,
                              .licenses = small_licenses,
                              .n_licenses = 1,
                              .deliver_window = true};

static tb_form form;

/* 2025-09-26 10:00 China Standard Time, a Friday before National Day. */
static int64_t T0;

static int64_t at_day(int y, int m, int d, int hour) {
  tb_day day;
  tb_date_from_ymd(y, m, d, &day);
  return tb_calendar_start_of(cal, day) + hour * 3600;
}

static tb_day day_of(int y, int m, int d) {
  tb_day day;
  tb_date_from_ymd(y, m, d, &day);
  return day;
}

static void setup(void) {
  arena = tb_arena_new();
  cal = tb_calendar_new(8 * 3600);
  /* 2025 National Day and Mid-Autumn: Oct 1-8 off, Sep 28 and Oct 11
   * worked (国办发明电〔2024〕12号). */
  for (int d = 1; d <= 8; d++)
    tb_calendar_set(cal, day_of(2025, 10, d), TB_DAY_HOLIDAY);
  tb_calendar_set(cal, day_of(2025, 9, 28), TB_DAY_WORKDAY);
  tb_calendar_set(cal, day_of(2025, 10, 11), TB_DAY_WORKDAY);
  T0 = at_day(2025, 9, 26, 10);
  memset(&form, 0, sizeof form);
  form.values[0] = (tb_value){
      .present = true, .text = "某某公司", .text_len = strlen("某某公司")};
  form.values[1] = (tb_value){.present = true, .choices = 1};
}

/* ---- driving the machine ----------------------------------------------- */

static tb_context ctx_of(const tb_definition *def) {
  return (tb_context){.def = def, .calendar = cal, .form = &form};
}

static tb_effects fx;
static tb_problem prob;

static tb_status step(const tb_definition *def, tb_app_state *s, tb_event ev) {
  tb_context ctx = ctx_of(def);
  memset(&prob, 0, sizeof prob);
  return tb_engine_step(&ctx, s, &ev, &fx, &prob);
}

static tb_event ev_of(tb_event_kind kind, int64_t at) {
  return (tb_event){.kind = kind, .at = at};
}

static tb_event task_ev(tb_event_kind kind, int64_t at, int branch, int stp,
                        int64_t actor) {
  tb_event e = ev_of(kind, at);
  e.branch = (uint8_t)branch;
  e.step = (uint8_t)stp;
  e.actor = actor;
  return e;
}

static size_t count_effects(tb_effect_kind kind) {
  size_t n = 0;
  for (size_t i = 0; i < fx.n; i++)
    n += fx.items[i].kind == kind;
  return n;
}

static const tb_effect *find_notice(tb_notice_kind notice) {
  for (size_t i = 0; i < fx.n; i++)
    if (fx.items[i].kind == TB_EFFECT_NOTIFY && fx.items[i].notice == notice)
      return &fx.items[i];
  return NULL;
}

/* ---- canonical states ------------------------------------------------- */

enum {
  S_NONE,
  S_SUBMITTED,
  S_AWAITING,
  S_REFUSED,
  S_REVIEW,
  S_REVIEW_CLAIMED,
  S_RETURNED,
  S_SUSPENDED,
  S_APPROVED,
  S_DENIED,
  S_DELIVERED,
  S_WITHDRAWN,
  S_TERMINATED,
  S_RATED,
  S_AWAITING_MATERIALS,
  S_ONLINE,          /* submitted online, with an expiry timer */
  S_ONLINE_AWAITING, /* … and asked for a supplement */
  S_EXPIRED,         /* … and expired */
  S_COUNT
};

static const char *const state_names[S_COUNT] = {"none",
                                                 "submitted",
                                                 "awaiting_supplement",
                                                 "refused",
                                                 "in_review",
                                                 "in_review(claimed)",
                                                 "returned",
                                                 "suspended",
                                                 "approved",
                                                 "denied",
                                                 "delivered",
                                                 "withdrawn",
                                                 "terminated",
                                                 "delivered(rated)",
                                                 "awaiting_materials",
                                                 "submitted(online)",
                                                 "awaiting_supplement(online)",
                                                 "expired"};

static const int64_t OFFICER = 7, OTHER_OFFICER = 8;

static void submitted(tb_app_state *s) {
  tb_event e = ev_of(TB_EV_SUBMIT, T0);
  e.materials = 0x1; /* articles only: lease will be a tolerated gap */
  MUST(step(&small, s, e));
}

/* Submitted online, to expire a day later unless accepted. */
static void submitted_online(tb_app_state *s) {
  tb_event e = ev_of(TB_EV_SUBMIT, T0);
  e.materials = 0x1;
  e.channel = TB_CHANNEL_ONLINE;
  e.expire_at = T0 + 86400;
  MUST(step(&small, s, e));
}

static void in_review(tb_app_state *s) {
  submitted(s);
  tb_event e = ev_of(TB_EV_ACCEPT, T0 + 60);
  e.materials = 0x2; /* lease tolerated (容缺) */
  MUST(step(&small, s, e));
}

static void approve_branch(tb_app_state *s, int b, int stp, int64_t at) {
  MUST(step(&small, s, task_ev(TB_EV_CLAIM, at, b, stp, OFFICER)));
  MUST(step(&small, s, task_ev(TB_EV_APPROVE, at, b, stp, OFFICER)));
}

static void approved(tb_app_state *s) {
  in_review(s);
  tb_event e = ev_of(TB_EV_SUPPLEMENT, T0 + 100);
  e.materials = 0x2;
  MUST(step(&small, s, e));
  approve_branch(s, 0, 0, T0 + 200);
  approve_branch(s, 0, 1, T0 + 300);
  approve_branch(s, 1, 0, T0 + 400);
}

static void build_state(int which, tb_app_state *s) {
  memset(s, 0, sizeof *s);
  tb_event e;
  switch (which) {
  case S_NONE:
    break;
  case S_SUBMITTED:
    submitted(s);
    break;
  case S_AWAITING:
    submitted(s);
    e = ev_of(TB_EV_REQUEST_SUPPLEMENT, T0 + 30);
    e.materials = 0x2;
    MUST(step(&small, s, e));
    break;
  case S_REFUSED:
    submitted(s);
    MUST(step(&small, s, ev_of(TB_EV_REFUSE, T0 + 30)));
    break;
  case S_REVIEW:
    in_review(s);
    break;
  case S_REVIEW_CLAIMED:
    in_review(s);
    MUST(step(&small, s, task_ev(TB_EV_CLAIM, T0 + 90, 1, 0, OFFICER)));
    break;
  case S_RETURNED:
    in_review(s);
    approve_branch(s, 0, 0, T0 + 100);
    approve_branch(s, 0, 1, T0 + 110);
    MUST(step(&small, s, task_ev(TB_EV_CLAIM, T0 + 120, 1, 0, OFFICER)));
    e = task_ev(TB_EV_RETURN, T0 + 130, 1, 0, OFFICER);
    e.materials = 0x1;
    MUST(step(&small, s, e));
    break;
  case S_SUSPENDED:
    in_review(s);
    e = ev_of(TB_EV_SUSPEND, T0 + 100);
    e.special = TB_SPECIAL_INSPECTION;
    MUST(step(&small, s, e));
    break;
  case S_APPROVED:
    approved(s);
    break;
  case S_DENIED:
    in_review(s);
    MUST(step(&small, s, task_ev(TB_EV_CLAIM, T0 + 100, 1, 0, OFFICER)));
    MUST(step(&small, s, task_ev(TB_EV_DENY, T0 + 110, 1, 0, OFFICER)));
    break;
  case S_DELIVERED:
  case S_RATED:
    approved(s);
    MUST(step(&small, s, ev_of(TB_EV_DELIVER, T0 + 500)));
    if (which == S_RATED) {
      e = ev_of(TB_EV_RATE, T0 + 600);
      e.rating = 4;
      MUST(step(&small, s, e));
    }
    break;
  case S_WITHDRAWN:
    in_review(s);
    MUST(step(&small, s, ev_of(TB_EV_WITHDRAW, T0 + 100)));
    break;
  case S_AWAITING_MATERIALS: /* approved with the lease still a gap */
    in_review(s);
    approve_branch(s, 0, 0, T0 + 200);
    approve_branch(s, 0, 1, T0 + 300);
    approve_branch(s, 1, 0, T0 + 400);
    break;
  case S_ONLINE:
    submitted_online(s);
    break;
  case S_ONLINE_AWAITING:
  case S_EXPIRED:
    submitted_online(s);
    e = ev_of(TB_EV_REQUEST_SUPPLEMENT, T0 + 30);
    e.materials = 0x2;
    MUST(step(&small, s, e));
    if (which == S_EXPIRED)
      MUST(step(&small, s, ev_of(TB_EV_EXPIRE, T0 + 86400)));
    break;
  case S_TERMINATED: {
    tb_definition strict = small;
    strict.gap_policy = TB_GAP_MISSED_TERMINATE;
    memset(s, 0, sizeof *s);
    e = ev_of(TB_EV_SUBMIT, T0);
    e.materials = 0x1;
    MUST(step(&strict, s, e));
    e = ev_of(TB_EV_ACCEPT, T0 + 60);
    e.materials = 0x2;
    MUST(step(&strict, s, e));
    e = ev_of(TB_EV_TIMER, at_day(2025, 12, 1, 0));
    e.timer = TB_TIMER_GAP_DUE;
    e.subject = 1;
    MUST(step(&strict, s, e));
    break;
  }
  }
}

/* The event tried in every state: a valid payload for where it is legal. */
static tb_event probe_event(tb_event_kind kind) {
  int64_t at = T0 + 1000;
  tb_event e = ev_of(kind, at);
  switch (kind) {
  case TB_EV_SUBMIT:
    e.materials = 0x3;
    break;
  case TB_EV_ACCEPT:
    e.materials = 0x2;
    break;
  case TB_EV_REQUEST_SUPPLEMENT:
  case TB_EV_SUPPLEMENT:
    e.materials = 0x2;
    break;
  case TB_EV_CLAIM:
  case TB_EV_APPROVE:
  case TB_EV_DENY:
  case TB_EV_RETURN:
    e = task_ev(kind, at, 1, 0, OFFICER);
    e.materials = kind == TB_EV_RETURN ? 0x1 : 0;
    break;
  case TB_EV_TRANSFER:
  case TB_EV_DELEGATE:
  case TB_EV_RESOLVE:
  case TB_EV_ADD_SIGNER:
  case TB_EV_REMOVE_SIGNER:
  case TB_EV_SEND_BACK:
  case TB_EV_TAKE_BACK:
    e = task_ev(kind, at, 1, 0, OFFICER);
    e.target = OTHER_OFFICER;
    e.position = TB_ADD_BEFORE;
    break;
  case TB_EV_SUSPEND:
    e.special = TB_SPECIAL_INSPECTION;
    break;
  case TB_EV_TIMER: /* overdue: far past every deadline */
    e.at = at_day(2026, 6, 1, 0);
    e.timer = TB_TIMER_APP_RED;
    break;
  case TB_EV_RATE:
    e.rating = 5;
    break;
  default:
    break;
  }
  return e;
}

/* Expected outcome of probe_event(E) in state S: the status code and, when
 * it is TB_OK, the application status afterwards. */
typedef struct {
  tb_status rc;
  int next;
} outcome;

#define OK_TO(st)                                                              \
  { TB_OK, TB_APP_##st }
#define NO                                                                     \
  { TB_ERR_ILLEGAL_STATE, -1 }
#define IGN                                                                    \
  { TB_IGNORED, -1 }
#define ERR(code)                                                              \
  { code, -1 }

static const outcome expected[S_COUNT][TB_EV_EXPIRE + 1] = {
    /* submit, accept, refuse, req-supp, supplement, withdraw, claim, approve,
       deny, return, suspend, resume, timer, deliver, rate, close-notice,
       recompute (the same calendar moves nothing), commitment-false,
       expire (a window application's or a decided one's: a stale timer).
       A decision on the unclaimed task claims it: approve, deny and return
       succeed in in_review. */
    [S_NONE] = {OK_TO(SUBMITTED), NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO,
                IGN, NO, NO, NO, IGN, NO, IGN},
    [S_SUBMITTED] = {NO, OK_TO(IN_REVIEW), OK_TO(REFUSED),
                     OK_TO(AWAITING_SUPPLEMENT), NO, OK_TO(WITHDRAWN), NO, NO,
                     NO, NO, NO, NO, IGN, NO, NO, NO, IGN, NO, IGN},
    [S_AWAITING] = {NO, NO, OK_TO(REFUSED), NO, OK_TO(SUBMITTED),
                    OK_TO(WITHDRAWN), NO, NO, NO, NO, NO, NO, IGN, NO, NO,
                    OK_TO(SUBMITTED), IGN, NO, IGN},
    [S_REFUSED] = {NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, IGN, NO, NO,
                   NO, IGN, NO, IGN},
    [S_REVIEW] = {NO, NO, NO, NO, OK_TO(IN_REVIEW), OK_TO(WITHDRAWN),
                  OK_TO(IN_REVIEW), OK_TO(IN_REVIEW), OK_TO(DENIED),
                  OK_TO(IN_REVIEW), OK_TO(SUSPENDED), NO, OK_TO(IN_REVIEW), NO,
                  NO, NO, IGN, NO, IGN},
    [S_REVIEW_CLAIMED] = {NO, NO, NO, NO, OK_TO(IN_REVIEW), OK_TO(WITHDRAWN),
                          NO, OK_TO(IN_REVIEW), OK_TO(DENIED), OK_TO(IN_REVIEW),
                          OK_TO(SUSPENDED), NO, OK_TO(IN_REVIEW), NO, NO, NO,
                          IGN, NO, IGN},
    [S_RETURNED] = {NO, NO, NO, NO, OK_TO(RETURNED), OK_TO(WITHDRAWN), NO, NO,
                    NO, NO, NO, NO, IGN, NO, NO, OK_TO(IN_REVIEW), IGN, NO,
                    IGN},
    [S_SUSPENDED] = {NO, NO, NO, NO, OK_TO(SUSPENDED), OK_TO(WITHDRAWN), NO, NO,
                     NO, NO, NO, OK_TO(IN_REVIEW), IGN, NO, NO, NO, IGN, NO,
                     IGN},
    [S_APPROVED] = {NO, NO, NO, NO, ERR(TB_ERR_INVALID), NO, NO, NO, NO, NO, NO,
                    NO, IGN, OK_TO(DELIVERED), NO, NO, IGN, OK_TO(TERMINATED),
                    IGN},
    [S_DENIED] = {NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, IGN, NO, NO,
                  NO, IGN, NO, IGN},
    [S_DELIVERED] = {NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, IGN, NO,
                     OK_TO(DELIVERED), NO, IGN, NO, IGN},
    [S_WITHDRAWN] = {NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, IGN, NO,
                     NO, NO, IGN, NO, IGN},
    [S_TERMINATED] = {NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, IGN, NO,
                      NO, NO, IGN, NO, IGN},
    [S_RATED] = {NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, IGN, NO, NO,
                 NO, IGN, NO, IGN},
    /* the supplement of the last gap signs the licenses: approved */
    [S_AWAITING_MATERIALS] = {NO, NO, NO, NO, OK_TO(APPROVED), OK_TO(WITHDRAWN),
                              NO, NO, NO, NO, NO, NO, IGN, NO, NO, NO, IGN,
                              OK_TO(TERMINATED), IGN},
    [S_ONLINE] = {NO, OK_TO(IN_REVIEW), OK_TO(REFUSED),
                  OK_TO(AWAITING_SUPPLEMENT), NO, OK_TO(WITHDRAWN), NO, NO, NO,
                  NO, NO, NO, IGN, NO, NO, NO, IGN, NO, OK_TO(EXPIRED)},
    [S_ONLINE_AWAITING] = {NO, NO, OK_TO(REFUSED), NO, OK_TO(SUBMITTED),
                           OK_TO(WITHDRAWN), NO, NO, NO, NO, NO, NO, IGN, NO,
                           NO, OK_TO(SUBMITTED), IGN, NO, OK_TO(EXPIRED)},
    /* final: nothing moves it; the applicant applies again */
    [S_EXPIRED] = {NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, IGN, NO, NO,
                   NO, IGN, NO, IGN},
};

/* The verbs of a branch (tb_verbs.c): transfer, delegate, resolve (nothing
 * is delegated), add-signer (before, in a one-signer step), remove-signer
 * (a definition's signer, and the step has no remove group), send-back
 * (the first step has nowhere to go), take-back (nothing decided). Only in
 * review is there a task to act on. */
#define VERBS_NO                                                               \
  { NO, NO, NO, NO, NO, NO, NO }
#define VERBS_IN_REVIEW                                                        \
  {                                                                            \
    OK_TO(IN_REVIEW), OK_TO(IN_REVIEW), NO, OK_TO(IN_REVIEW),                  \
        ERR(TB_ERR_NOT_ALLOWED), ERR(TB_ERR_NOT_ALLOWED), NO                   \
  }
#define N_VERBS (TB_EV_KIND_COUNT - TB_EV_TRANSFER)
static const outcome expected_verbs[S_COUNT][N_VERBS] = {
    [S_NONE] = VERBS_NO,
    [S_SUBMITTED] = VERBS_NO,
    [S_AWAITING] = VERBS_NO,
    [S_REFUSED] = VERBS_NO,
    [S_REVIEW] = VERBS_IN_REVIEW,
    [S_REVIEW_CLAIMED] = VERBS_IN_REVIEW,
    [S_RETURNED] = VERBS_NO,
    [S_SUSPENDED] = VERBS_NO,
    [S_APPROVED] = VERBS_NO,
    [S_DENIED] = VERBS_NO,
    [S_DELIVERED] = VERBS_NO,
    [S_WITHDRAWN] = VERBS_NO,
    [S_TERMINATED] = VERBS_NO,
    [S_RATED] = VERBS_NO,
    [S_AWAITING_MATERIALS] = VERBS_NO,
    [S_ONLINE] = VERBS_NO,
    [S_ONLINE_AWAITING] = VERBS_NO,
    [S_EXPIRED] = VERBS_NO,
};

static outcome expected_of(int state, int kind) {
  return kind >= TB_EV_TRANSFER ? expected_verbs[state][kind - TB_EV_TRANSFER]
                                : expected[state][kind];
}

static void every_state_and_event(void) {
  for (int si = 0; si < S_COUNT; si++) {
    for (int ek = 0; ek < TB_EV_KIND_COUNT; ek++) {
      char name[128];
      snprintf(name, sizeof name, "state %s, event %s", state_names[si],
               tb_event_kind_name((tb_event_kind)ek));
      tb_app_state before, s;
      build_state(si, &before);
      s = before;
      outcome want = expected_of(si, ek);
      tb_status rc = step(&small, &s, probe_event((tb_event_kind)ek));
      TB_CHECKF(rc == want.rc, "got %s (%s), want %s", tb_status_code(rc),
                prob.detail, tb_status_code(want.rc));
      if (rc == TB_OK && want.rc == TB_OK) {
        TB_CHECKF(s.status == want.next, "moved to %s, want %s",
                  tb_app_status_name(s.status),
                  tb_app_status_name((tb_app_status)want.next));
      } else {
        /* refused: nothing changed, nothing to do, and a reason */
        TB_CHECK(memcmp(&s, &before, sizeof s) == 0);
        TB_CHECK_INT(fx.n, 0);
        if (rc != TB_IGNORED)
          TB_CHECKF(prob.detail[0] != '\0', "no reason given");
      }
      tb_test_report(name);
    }
  }
}

/* Reasons a person can act on. */
static void refusals_explain_themselves(void) {
  tb_app_state s;
  build_state(S_REVIEW, &s);
  /* a decision on an unclaimed task claims it in the same transition */
  TB_CHECK(step(&small, &s, task_ev(TB_EV_APPROVE, T0 + 99, 1, 0, OFFICER)) ==
           TB_OK);
  TB_CHECK_INT(s.branches[1].status, TB_BRANCH_APPROVED);
  TB_CHECK_INT(s.branches[1].slots[0].account, OFFICER);
  TB_CHECK(s.branches[1].slots[0].claimed);

  build_state(S_WITHDRAWN, &s);
  TB_CHECK(step(&small, &s, probe_event(TB_EV_ACCEPT)) == TB_ERR_ILLEGAL_STATE);
  TB_CHECK_STR(prob.detail, "cannot accept: the application is withdrawn");

  build_state(S_REVIEW_CLAIMED, &s);
  TB_CHECK(
      step(&small, &s, task_ev(TB_EV_APPROVE, T0 + 99, 1, 0, OTHER_OFFICER)) ==
      TB_ERR_CLAIMED_BY_OTHER);
  TB_CHECK(
      step(&small, &s, task_ev(TB_EV_CLAIM, T0 + 99, 1, 0, OTHER_OFFICER)) ==
      TB_ERR_CLAIMED_BY_OTHER);

  /* the wrong bureau */
  build_state(S_REVIEW, &s);
  tb_event e = task_ev(TB_EV_CLAIM, T0 + 99, 1, 0, OFFICER);
  e.bureau = "SCJG";
  TB_CHECK(step(&small, &s, e) == TB_ERR_WRONG_BUREAU);
  TB_CHECK(strstr(prob.detail, "SW") != NULL);
  e.bureau = "SW";
  TB_CHECK(step(&small, &s, e) == TB_OK);

  /* a task that is not the open one */
  build_state(S_REVIEW, &s);
  TB_CHECK(step(&small, &s, task_ev(TB_EV_CLAIM, T0 + 99, 0, 1, OFFICER)) ==
           TB_ERR_ILLEGAL_STATE);
  TB_CHECK(step(&small, &s, task_ev(TB_EV_CLAIM, T0 + 99, 9, 0, OFFICER)) ==
           TB_ERR_INVALID);
}

/* ---- intake rules ------------------------------------------------------- */

static void acceptance_checks_materials(void) {
  tb_app_state s;
  memset(&s, 0, sizeof s);
  tb_event e = ev_of(TB_EV_SUBMIT, T0);
  e.materials = 0x1;
  MUST(step(&small, &s, e));

  /* lease missing, neither tolerated nor committed */
  TB_CHECK(step(&small, &s, ev_of(TB_EV_ACCEPT, T0 + 1)) == TB_ERR_MATERIAL);
  TB_CHECK(strstr(prob.detail, "lease") != NULL);
  TB_CHECK(strstr(prob.detail, "tolerated gap") != NULL);

  /* articles cannot be tolerated */
  e = ev_of(TB_EV_ACCEPT, T0 + 1);
  e.materials = 0x3;
  TB_CHECK(step(&small, &s, e) == TB_ERR_MATERIAL);
  TB_CHECK(strstr(prob.detail, "'articles' was provided") != NULL);

  /* a commitment (告知承诺) replaces the lease */
  e = ev_of(TB_EV_ACCEPT, T0 + 1);
  e.committed = 0x2;
  MUST(step(&small, &s, e));
  TB_CHECK_INT(s.status, TB_APP_IN_REVIEW);
  TB_CHECK_INT(s.committed, 0x2);
  TB_CHECK_INT(s.gaps, 0);
  TB_CHECK(find_notice(TB_NOTICE_ACCEPTED) != NULL);

  /* materials from an e-license must be ones a license can satisfy */
  memset(&s, 0, sizeof s);
  e = ev_of(TB_EV_SUBMIT, T0);
  e.from_license = 0x1;
  TB_CHECK(step(&small, &s, e) == TB_ERR_INVALID);
  e.from_license = 0x4;
  e.materials = 0x3;
  MUST(step(&small, &s, e));
  TB_CHECK_INT(s.from_license, 0x4);
  TB_CHECK_INT(s.provided, 0x7);

  /* an unknown material bit */
  memset(&s, 0, sizeof s);
  e = ev_of(TB_EV_SUBMIT, T0);
  e.materials = 0x10;
  TB_CHECK(step(&small, &s, e) == TB_ERR_INVALID);
  TB_CHECK_INT(s.status, TB_APP_NONE);

  /* the form is checked at submission */
  memset(&s, 0, sizeof s);
  tb_form saved = form;
  form.values[0].present = false;
  TB_CHECK(step(&small, &s, ev_of(TB_EV_SUBMIT, T0)) == TB_ERR_INVALID);
  TB_CHECK_STR(prob.field, "name");
  form = saved;
}

static void window_supplement_round_trip(void) {
  tb_app_state s;
  build_state(S_AWAITING, &s);
  TB_CHECK_INT(s.notice, 0x2);
  tb_event e = ev_of(TB_EV_SUPPLEMENT, T0 + 50);
  e.materials = 0x2;
  MUST(step(&small, &s, e));
  TB_CHECK_INT(s.status, TB_APP_SUBMITTED);
  TB_CHECK_INT(s.provided & 0x3, 0x3);
  MUST(step(&small, &s, ev_of(TB_EV_ACCEPT, T0 + 60)));
  TB_CHECK_INT(s.gaps, 0);
}

/* ---- deadlines on the working-day calendar ------------------------------- */

static void deadlines_count_working_days(void) {
  tb_app_state s;
  build_state(S_REVIEW, &s); /* accepted Fri 2025-09-26 */
  /* 5 working days: Sep 28 (adjusted Sunday), 29, 30, Oct 9, Oct 10 */
  TB_CHECK_INT(s.deadline, day_of(2025, 10, 10));
  /* 20 working days for the statutory limit */
  TB_CHECK_INT(s.statutory_deadline,
               tb_calendar_add_working_days(cal, day_of(2025, 9, 26), 20));
  /* the first task of market: 1 working day → Sep 28 */
  TB_CHECK_INT(s.branches[0].deadline, day_of(2025, 9, 28));
  TB_CHECK_INT(s.branches[1].deadline, day_of(2025, 9, 29));
  TB_CHECK_INT(s.gap_due[1], day_of(2025, 10, 10));
  TB_CHECK_INT(s.warning, TB_WARN_NONE);
}

static void accept_schedules_timers(void) {
  tb_app_state s;
  build_state(S_SUBMITTED, &s);
  tb_event e = ev_of(TB_EV_ACCEPT, T0 + 60);
  e.materials = 0x2;
  MUST(step(&small, &s, e));
  bool yellow = false, red = false, gap = false;
  for (size_t i = 0; i < fx.n; i++) {
    const tb_effect *f = &fx.items[i];
    if (f->kind != TB_EFFECT_SCHEDULE_TIMER)
      continue;
    if (f->timer == TB_TIMER_APP_YELLOW)
      yellow = f->at == at_day(2025, 10, 10, 0);
    if (f->timer == TB_TIMER_APP_RED)
      red = f->at == at_day(2025, 10, 11, 0);
    if (f->timer == TB_TIMER_GAP_DUE)
      gap = f->subject == 1 && f->at == at_day(2025, 10, 11, 0);
  }
  TB_CHECK(yellow);
  TB_CHECK(red);
  TB_CHECK(gap);
  TB_CHECK_INT(count_effects(TB_EFFECT_CREATE_TASK), 2);
}

static void warnings_fire_on_time_only(void) {
  tb_app_state s;
  build_state(S_REVIEW, &s);
  tb_event e = ev_of(TB_EV_TIMER, at_day(2025, 10, 9, 23));
  e.timer = TB_TIMER_APP_YELLOW;
  TB_CHECK(step(&small, &s, e) == TB_IGNORED); /* early */
  e.at = at_day(2025, 10, 10, 0);
  MUST(step(&small, &s, e));
  TB_CHECK_INT(s.warning, TB_WARN_YELLOW);
  TB_CHECK(find_notice(TB_NOTICE_YELLOW) != NULL);
  TB_CHECK(step(&small, &s, e) == TB_IGNORED); /* fired once only */
  e.timer = TB_TIMER_APP_RED;
  TB_CHECK(step(&small, &s, e) == TB_IGNORED);
  e.at = at_day(2025, 10, 11, 0);
  MUST(step(&small, &s, e));
  TB_CHECK_INT(s.warning, TB_WARN_RED);

  /* a task's own limit */
  build_state(S_REVIEW, &s);
  e = ev_of(TB_EV_TIMER, at_day(2025, 9, 29, 0));
  e.timer = TB_TIMER_TASK_RED;
  e.subject = 0; /* market's first task, due Sep 28 */
  MUST(step(&small, &s, e));
  TB_CHECK_INT(s.branches[0].warning, TB_WARN_RED);
  TB_CHECK_INT(s.branches[1].warning, TB_WARN_NONE);
  const tb_effect *n = find_notice(TB_NOTICE_RED);
  TB_CHECK(n && n->branches == 1);
}

static void special_procedure_moves_deadline(void) {
  tb_app_state s;
  build_state(S_REVIEW, &s);
  tb_event e = ev_of(TB_EV_SUSPEND, at_day(2025, 10, 9, 10));
  e.special = TB_SPECIAL_EXPERT; /* not declared by the service */
  TB_CHECK(step(&small, &s, e) == TB_ERR_INVALID);
  e.special = TB_SPECIAL_INSPECTION;
  MUST(step(&small, &s, e));
  TB_CHECK_INT(s.status, TB_APP_SUSPENDED);
  /* warnings cannot fire while the clock is paused */
  tb_event t = ev_of(TB_EV_TIMER, at_day(2025, 10, 12, 0));
  t.timer = TB_TIMER_APP_RED;
  TB_CHECK(step(&small, &s, t) == TB_IGNORED);
  /* resumed Monday Oct 13: Oct 10, Oct 11 (adjusted Saturday) and Oct 13
   * did not count, so the deadline moves three working days */
  MUST(step(&small, &s, ev_of(TB_EV_RESUME, at_day(2025, 10, 13, 10))));
  TB_CHECK_INT(s.status, TB_APP_IN_REVIEW);
  TB_CHECK_INT(s.paused_days, 3);
  TB_CHECK_INT(s.deadline, day_of(2025, 10, 14));
  TB_CHECK_INT(s.warning, TB_WARN_NONE);
  /* the new red timer is at the end of the new deadline */
  bool red = false;
  for (size_t i = 0; i < fx.n; i++)
    if (fx.items[i].kind == TB_EFFECT_SCHEDULE_TIMER &&
        fx.items[i].timer == TB_TIMER_APP_RED)
      red = fx.items[i].at == at_day(2025, 10, 15, 0);
  TB_CHECK(red);
}

static void special_procedure_maximum_resumes(void) {
  tb_app_state s;
  build_state(S_REVIEW, &s);
  tb_event e = ev_of(TB_EV_SUSPEND, at_day(2025, 10, 9, 10));
  e.special = TB_SPECIAL_INSPECTION;
  MUST(step(&small, &s, e));
  /* 10 working days after Oct 9: Oct 10, 11, 13..17, 20, 21, 22 */
  tb_event t = ev_of(TB_EV_TIMER, at_day(2025, 10, 22, 12));
  t.timer = TB_TIMER_SPECIAL_MAX;
  TB_CHECK(step(&small, &s, t) == TB_IGNORED);
  t.at = at_day(2025, 10, 23, 0);
  MUST(step(&small, &s, t));
  TB_CHECK_INT(s.status, TB_APP_IN_REVIEW);
  TB_CHECK_INT(s.paused_days, 10);
}

/* ---- tolerated gaps (容缺) ---------------------------------------------- */

static void tolerated_gap_supplied_late(void) {
  tb_app_state s;
  build_state(S_REVIEW, &s);
  tb_event t = ev_of(TB_EV_TIMER, at_day(2025, 10, 11, 0));
  t.timer = TB_TIMER_GAP_DUE;
  t.subject = 1;
  MUST(step(&small, &s, t)); /* default policy: warn */
  TB_CHECK(s.gap_overdue);
  TB_CHECK_INT(s.status, TB_APP_IN_REVIEW);
  TB_CHECK(find_notice(TB_NOTICE_GAP_OVERDUE) != NULL);
  approve_branch(&s, 0, 0, at_day(2025, 10, 13, 9));
  approve_branch(&s, 0, 1, at_day(2025, 10, 13, 10));
  approve_branch(&s, 1, 0, at_day(2025, 10, 13, 11));
  /* 容缺: approved, but nothing is signed while the gap is open */
  TB_CHECK_INT(s.status, TB_APP_AWAITING_MATERIALS);
  TB_CHECK_INT(count_effects(TB_EFFECT_ISSUE_LICENSE), 0);
  TB_CHECK_INT(s.licenses, 0);
  const tb_effect *waiting = find_notice(TB_NOTICE_AWAITING_MATERIALS);
  TB_CHECK(waiting && waiting->materials == 0x2);
  TB_CHECK(find_notice(TB_NOTICE_APPROVED) == NULL);
  /* cannot deliver: there is nothing to hand over yet */
  TB_CHECK(step(&small, &s, ev_of(TB_EV_DELIVER, at_day(2025, 10, 14, 9))) ==
           TB_ERR_ILLEGAL_STATE);
  TB_CHECK(strstr(prob.detail, "tolerated materials") != NULL);
  /* the transition that supplies the last gap signs the license */
  tb_event e = ev_of(TB_EV_SUPPLEMENT, at_day(2025, 10, 14, 10));
  e.materials = 0x2;
  MUST(step(&small, &s, e));
  TB_CHECK_INT(s.gaps, 0);
  TB_CHECK_INT(s.status, TB_APP_APPROVED);
  TB_CHECK_INT(count_effects(TB_EFFECT_ISSUE_LICENSE), 1);
  TB_CHECK_INT(s.licenses, 1);
  TB_CHECK(find_notice(TB_NOTICE_APPROVED) != NULL);
  MUST(step(&small, &s, ev_of(TB_EV_DELIVER, at_day(2025, 10, 14, 11))));
  TB_CHECK_INT(s.status, TB_APP_DELIVERED);
}

/* Approved and waiting: a missed gap date under the terminate policy ends
 * the application with no license ever signed; under the warn policy it is
 * flagged and the license still waits. */
static void tolerated_gap_missed_after_approval(void) {
  tb_definition strict = small;
  strict.gap_policy = TB_GAP_MISSED_TERMINATE;
  tb_app_state s;
  build_state(S_AWAITING_MATERIALS, &s);
  tb_app_state warned = s;
  tb_event t = ev_of(TB_EV_TIMER, at_day(2025, 12, 1, 0));
  t.timer = TB_TIMER_GAP_DUE;
  t.subject = 1;
  MUST(step(&strict, &s, t));
  TB_CHECK_INT(s.status, TB_APP_TERMINATED);
  TB_CHECK_INT(count_effects(TB_EFFECT_ISSUE_LICENSE), 0);
  TB_CHECK_INT(s.licenses, 0);
  TB_CHECK(find_notice(TB_NOTICE_TERMINATED) != NULL);
  MUST(step(&small, &warned, t));
  TB_CHECK_INT(warned.status, TB_APP_AWAITING_MATERIALS);
  TB_CHECK(warned.gap_overdue);
  TB_CHECK_INT(count_effects(TB_EFFECT_ISSUE_LICENSE), 0);
}

static void tolerated_gap_terminates(void) {
  tb_app_state s;
  build_state(S_TERMINATED, &s);
  TB_CHECK_INT(s.status, TB_APP_TERMINATED);
  TB_CHECK_INT(s.branches[0].status, TB_BRANCH_CANCELLED);
  TB_CHECK_INT(s.branches[1].status, TB_BRANCH_CANCELLED);
}

/* ---- the join under every order -------------------------------------------
 */

/* Four independent bureaus; social insurance's deny only drops its branch.
 * License 0 is always issued on approval, license 1 only with branch 3. */
static tb_branch_def four_branches[] = {
    {.id = "b0", .bureau = "SCJG", .tasks = one_task, .n_tasks = 1},
    {.id = "b1", .bureau = "GA", .tasks = one_task, .n_tasks = 1},
    {.id = "b2", .bureau = "SW", .tasks = one_task, .n_tasks = 1},
    {.id = "b3",
     .bureau = "RS",
     .tasks = one_task,
     .n_tasks = 1,
     .deny_continues = true},
};
static tb_license_def four_licenses[] = {
    {.type_code = "L0", .name = "执照", .bureau = "SCJG", .branch = -1},
    {.type_code = "L3", .name = "登记证", .bureau = "RS", .branch = 3},
};

enum { APPROVE, RETURN, DENY };

static void join_under_every_order(void) {
  tb_definition def = small;
  def.branches = four_branches;
  def.n_branches = 4;
  def.licenses = four_licenses;
  def.n_licenses = 2;
  int perms[24][4], np = 0;
  for (int a = 0; a < 4; a++)
    for (int b = 0; b < 4; b++)
      for (int c = 0; c < 4; c++)
        for (int d = 0; d < 4; d++)
          if (a != b && a != c && a != d && b != c && b != d && c != d) {
            int *p = perms[np++];
            p[0] = a, p[1] = b, p[2] = c, p[3] = d;
          }
  int scenarios = 0, bad = 0;
  for (int pi = 0; pi < np; pi++) {
    for (int dv = 0; dv < 81; dv++) {
      int decision[4];
      for (int b = 0, x = dv; b < 4; b++, x /= 3)
        decision[b] = x % 3;
      tb_app_state s;
      memset(&s, 0, sizeof s);
      tb_event e = ev_of(TB_EV_SUBMIT, T0);
      e.materials = 0x3;
      if (step(&def, &s, e) != TB_OK ||
          step(&def, &s, ev_of(TB_EV_ACCEPT, T0 + 1)) != TB_OK) {
        bad++;
        continue;
      }
      /* the oracle, independent of the order */
      bool fatal_deny =
          decision[0] == DENY || decision[1] == DENY || decision[2] == DENY;
      bool any_return = false;
      uint16_t returned = 0;
      for (int b = 0; b < 4; b++)
        if (decision[b] == RETURN) {
          any_return = true;
          returned |= (uint16_t)(1u << b);
        }
      int issued[2] = {0, 0}, supplement_notices = 0, denied_notices = 0;
      bool ended = false;
      for (int k = 0; k < 4; k++) {
        int b = perms[pi][k];
        int64_t at = T0 + 10 + k;
        tb_status rc = step(&def, &s, task_ev(TB_EV_CLAIM, at, b, 0, 9));
        if (ended) { /* the application was denied: nothing more */
          bad += rc != TB_ERR_ILLEGAL_STATE;
          continue;
        }
        bad += rc != TB_OK;
        tb_event d = task_ev(decision[b] == APPROVE  ? TB_EV_APPROVE
                             : decision[b] == RETURN ? TB_EV_RETURN
                                                     : TB_EV_DENY,
                             at, b, 0, 9);
        d.materials = decision[b] == RETURN ? (uint64_t)1 << (b % 3) : 0;
        bad += step(&def, &s, d) != TB_OK;
        for (size_t i = 0; i < fx.n; i++) {
          if (fx.items[i].kind == TB_EFFECT_ISSUE_LICENSE)
            issued[fx.items[i].license]++;
          if (fx.items[i].kind == TB_EFFECT_NOTIFY &&
              fx.items[i].notice == TB_NOTICE_SUPPLEMENT) {
            supplement_notices++;
            bad += fx.items[i].branches != returned;
          }
          if (fx.items[i].kind == TB_EFFECT_NOTIFY &&
              fx.items[i].notice == TB_NOTICE_DENIED)
            denied_notices++;
        }
        if (s.status == TB_APP_DENIED)
          ended = true;
        /* the join is decided only once nobody is still at work */
        if (k < 3 && !ended)
          bad += s.status != TB_APP_IN_REVIEW;
      }
      if (fatal_deny) {
        bad += s.status != TB_APP_DENIED || denied_notices != 1 || issued[0] ||
               issued[1] || supplement_notices;
      } else if (any_return) {
        bad += s.status != TB_APP_RETURNED || supplement_notices != 1 ||
               s.notice_branches != returned || issued[0] || issued[1];
      } else {
        bool b3_approved = decision[3] == APPROVE;
        bad += s.status != TB_APP_APPROVED || issued[0] != 1 ||
               issued[1] != (b3_approved ? 1 : 0) || supplement_notices;
      }
      scenarios++;
    }
  }
  TB_CHECK_INT(scenarios, 24 * 81);
  TB_CHECK_INT(bad, 0);
}

/* The four-branch definition; s accepted with every task claimed on Mon
 * Sep 29 (*at). */
static tb_definition four_claimed(tb_app_state *s, int64_t *at) {
  tb_definition def = small;
  def.branches = four_branches;
  def.n_branches = 4;
  def.licenses = four_licenses;
  def.n_licenses = 2;
  memset(s, 0, sizeof *s);
  tb_event e = ev_of(TB_EV_SUBMIT, T0);
  e.materials = 0x3;
  MUST(step(&def, s, e));
  MUST(step(&def, s, ev_of(TB_EV_ACCEPT, T0 + 1)));
  *at = at_day(2025, 9, 29, 9);
  for (int b = 0; b < 4; b++)
    MUST(step(&def, s, task_ev(TB_EV_CLAIM, *at, b, 0, 9)));
  return def;
}

/* Two bureaus return: one merged notice; after the supplement only they
 * review again, and the approved branch stays approved. */
static void returns_merge_into_one_notice(void) {
  tb_app_state s;
  int64_t at = 0;
  tb_definition def = four_claimed(&s, &at);
  tb_event e;
  e = task_ev(TB_EV_RETURN, at, 1, 0, 9);
  e.materials = 0x1;
  MUST(step(&def, &s, e));
  TB_CHECK(find_notice(TB_NOTICE_SUPPLEMENT) == NULL); /* not yet */
  MUST(step(&def, &s, task_ev(TB_EV_APPROVE, at, 0, 0, 9)));
  e = task_ev(TB_EV_RETURN, at, 2, 0, 9);
  e.materials = 0x2;
  MUST(step(&def, &s, e));
  TB_CHECK(find_notice(TB_NOTICE_SUPPLEMENT) == NULL);
  MUST(step(&def, &s, task_ev(TB_EV_APPROVE, at, 3, 0, 9)));
  const tb_effect *n = find_notice(TB_NOTICE_SUPPLEMENT);
  TB_CHECK(n != NULL);
  TB_CHECK(n && n->materials == 0x3 && n->branches == 0x6);
  TB_CHECK_INT(s.status, TB_APP_RETURNED);
  TB_CHECK_INT(s.provided & 0x3, 0);
  /* the applicant answers on Tue Sep 30: one working day paused */
  e = ev_of(TB_EV_SUPPLEMENT, at_day(2025, 9, 30, 15));
  e.materials = 0x3;
  MUST(step(&def, &s, e));
  TB_CHECK_INT(s.status, TB_APP_IN_REVIEW);
  TB_CHECK_INT(s.paused_days, 1);
  TB_CHECK_INT(s.deadline, day_of(2025, 10, 11)); /* an adjusted Saturday */
  TB_CHECK_INT(count_effects(TB_EFFECT_CREATE_TASK), 2);
  TB_CHECK_INT(s.branches[1].round, 2);
  TB_CHECK_INT(s.branches[0].status, TB_BRANCH_APPROVED);
  for (int b = 1; b <= 2; b++) {
    MUST(step(&def, &s, task_ev(TB_EV_CLAIM, at + 86400 * 10, b, 0, 9)));
    MUST(step(&def, &s, task_ev(TB_EV_APPROVE, at + 86400 * 10, b, 0, 9)));
  }
  TB_CHECK_INT(s.status, TB_APP_APPROVED);
  TB_CHECK_INT(s.licenses, 0x3);
}

/* An event that names materials. */
static tb_event mat_ev(tb_event_kind kind, int64_t at, uint64_t mask) {
  tb_event e = ev_of(kind, at);
  e.materials = mask;
  return e;
}

/* A two-item notice at the window, supplied in two parts: the notice stays
 * open with the item still owed, then the last item sends it back. */
static void window_notice_supplied_in_parts(void) {
  tb_app_state s;
  memset(&s, 0, sizeof s);
  MUST(step(&small, &s, ev_of(TB_EV_SUBMIT, T0))); /* nothing provided */
  MUST(step(&small, &s, mat_ev(TB_EV_REQUEST_SUPPLEMENT, T0 + 10, 0x3)));
  tb_event e = mat_ev(TB_EV_SUPPLEMENT, T0 + 20, 0x1);
  MUST(step(&small, &s, e));
  TB_CHECK_INT(s.status, TB_APP_AWAITING_SUPPLEMENT);
  TB_CHECK_INT(s.notice, 0x3);
  TB_CHECK_INT(s.notice_supplied, 0x1);
  TB_CHECK_INT(s.provided & 0x3, 0x1);
  /* the same item again changes nothing but is fine (a new version) */
  MUST(step(&small, &s, e));
  TB_CHECK_INT(s.status, TB_APP_AWAITING_SUPPLEMENT);
  e.materials = 0x2;
  MUST(step(&small, &s, e));
  TB_CHECK_INT(s.status, TB_APP_SUBMITTED);
  TB_CHECK_INT(s.notice, 0);
  TB_CHECK_INT(s.notice_supplied, 0);
  TB_CHECK_INT(s.provided & 0x3, 0x3);
}

/* An item the notice does not ask for is refused, naming it. */
static void supplement_outside_notice_refused(void) {
  tb_app_state s, before;
  build_state(S_AWAITING, &s); /* the notice asks for the lease only */
  before = s;
  tb_event e = ev_of(TB_EV_SUPPLEMENT, T0 + 50);
  e.materials = 0x6; /* lease and idcard */
  TB_CHECK(step(&small, &s, e) == TB_ERR_MATERIAL);
  TB_CHECK(strstr(prob.detail, "'idcard'") != NULL);
  TB_CHECK_STR(prob.field, "materials");
  TB_CHECK(memcmp(&s, &before, sizeof s) == 0);
  /* while returned too */
  build_state(S_RETURNED, &s); /* notice: articles; gap: lease */
  before = s;
  e.materials = 0x4;
  TB_CHECK(step(&small, &s, e) == TB_ERR_MATERIAL);
  TB_CHECK(strstr(prob.detail, "'idcard'") != NULL);
  TB_CHECK(memcmp(&s, &before, sizeof s) == 0);
}

/* The clerk closes a notice: before acceptance the application is back at
 * the window with the owed item still missing; after a return the
 * branches review again. Elsewhere it is refused. */
static void closing_a_notice(void) {
  tb_app_state s;
  build_state(S_AWAITING, &s);
  MUST(step(&small, &s, ev_of(TB_EV_CLOSE_NOTICE, T0 + 40)));
  TB_CHECK_INT(s.status, TB_APP_SUBMITTED);
  TB_CHECK_INT(s.notice, 0);
  TB_CHECK_INT(s.provided & 0x2, 0); /* the lease is still missing */
  build_state(S_RETURNED, &s);
  MUST(step(&small, &s, ev_of(TB_EV_CLOSE_NOTICE, at_day(2025, 9, 30, 9))));
  TB_CHECK_INT(s.status, TB_APP_IN_REVIEW);
  TB_CHECK_INT(s.notice, 0);
  TB_CHECK_INT(s.notice_branches, 0);
  TB_CHECK_INT(s.branches[1].round, 2);
  TB_CHECK_INT(s.branches[1].status, TB_BRANCH_ACTIVE);
  TB_CHECK_INT(s.provided & 0x1, 0); /* the articles were never supplied */
  TB_CHECK(find_notice(TB_NOTICE_RESUMED) != NULL);
  TB_CHECK(step(&small, &s, ev_of(TB_EV_CLOSE_NOTICE, T0 + 999)) ==
           TB_ERR_ILLEGAL_STATE);
  TB_CHECK(strstr(prob.detail, "close a notice") != NULL);
}

/* Two bureaus return; the merged notice is supplied in two parts: the
 * clock stays paused and no task reopens until the last item. */
static void merged_notice_supplied_in_parts(void) {
  tb_app_state s;
  int64_t at = 0;
  tb_definition def = four_claimed(&s, &at);
  tb_event e;
  MUST(step(&def, &s, task_ev(TB_EV_APPROVE, at, 0, 0, 9)));
  MUST(step(&def, &s, task_ev(TB_EV_APPROVE, at, 3, 0, 9)));
  e = task_ev(TB_EV_RETURN, at, 1, 0, 9);
  e.materials = 0x1;
  MUST(step(&def, &s, e));
  e = task_ev(TB_EV_RETURN, at, 2, 0, 9);
  e.materials = 0x2;
  MUST(step(&def, &s, e));
  TB_CHECK_INT(s.status, TB_APP_RETURNED);
  TB_CHECK_INT(s.notice, 0x3);
  MUST(step(&def, &s, mat_ev(TB_EV_SUPPLEMENT, at_day(2025, 9, 30, 10), 0x2)));
  TB_CHECK_INT(s.status, TB_APP_RETURNED);
  TB_CHECK_INT(s.notice_supplied, 0x2);
  TB_CHECK_INT(s.notice_branches, 0x6);
  TB_CHECK_INT(count_effects(TB_EFFECT_CREATE_TASK), 0);
  TB_CHECK_INT(s.paused_days, 0);
  MUST(step(&def, &s, mat_ev(TB_EV_SUPPLEMENT, at_day(2025, 9, 30, 15), 0x1)));
  TB_CHECK_INT(s.status, TB_APP_IN_REVIEW);
  TB_CHECK_INT(s.paused_days, 1);
  TB_CHECK_INT(count_effects(TB_EFFECT_CREATE_TASK), 2);
  TB_CHECK_INT(s.notice, 0);
  TB_CHECK_INT(s.notice_supplied, 0);
  TB_CHECK_INT(s.provided & 0x3, 0x3);
  const tb_effect *n = find_notice(TB_NOTICE_RESUMED);
  TB_CHECK(n && n->materials == 0x3);
}

/* 容缺 and 告知承诺 chosen at registration are checked then, stored, and
 * used by an acceptance that names none (less what arrived since). */
static void choices_stored_at_registration(void) {
  tb_app_state s;
  memset(&s, 0, sizeof s);
  tb_event e = ev_of(TB_EV_SUBMIT, T0);
  e.materials = 0x1;
  e.tolerated = 0x1; /* articles: provided, and not tolerable */
  TB_CHECK(step(&small, &s, e) == TB_ERR_MATERIAL);
  TB_CHECK_STR(prob.field, "tolerated");
  TB_CHECK_INT(s.status, TB_APP_NONE);
  e.tolerated = 0x2;
  MUST(step(&small, &s, e));
  TB_CHECK_INT(s.chosen_gaps, 0x2);
  tb_app_state copy = s;
  tb_event acc = ev_of(TB_EV_ACCEPT, T0 + 60);
  acc.stored_choices = true;
  MUST(step(&small, &s, acc));
  TB_CHECK_INT(s.gaps, 0x2);
  TB_CHECK_INT(s.gap_due[1], day_of(2025, 10, 10));
  /* a body that names choices overrides: committed instead */
  s = copy;
  acc.stored_choices = false;
  acc.committed = 0x2;
  MUST(step(&small, &s, acc));
  TB_CHECK_INT(s.gaps, 0);
  TB_CHECK_INT(s.committed, 0x2);
  /* the chosen gap arrived after a notice: nothing is tolerated */
  s = copy;
  MUST(step(&small, &s, mat_ev(TB_EV_REQUEST_SUPPLEMENT, T0 + 10, 0x2)));
  MUST(step(&small, &s, mat_ev(TB_EV_SUPPLEMENT, T0 + 20, 0x2)));
  acc.stored_choices = true;
  acc.committed = 0;
  MUST(step(&small, &s, acc));
  TB_CHECK_INT(s.gaps, 0);
}

/* Conditions choose branches; `after` orders them. */
static void conditions_and_dependencies(void) {
  static tb_branch_def deps[] = {
      {.id = "market", .bureau = "SCJG", .tasks = one_task, .n_tasks = 1},
      {.id = "food", .bureau = "SCJG", .tasks = one_task, .n_tasks = 1},
      {.id = "seal",
       .bureau = "GA",
       .tasks = one_task,
       .n_tasks = 1,
       .after = 0x1},
      {.id = "bank",
       .bureau = "RS",
       .tasks = one_task,
       .n_tasks = 1,
       .after = 0x6},
  };
  tb_definition def = small;
  def.branches = deps;
  def.n_branches = 4;
  def.n_licenses = 0;
  const tb_cond *food = NULL;
  tb_status rc = tb_cond_parse(arena, &def, "scope contains 'food'",
                               strlen("scope contains 'food'"), &food, &prob);
  TB_CHECK(rc == TB_OK);
  deps[1].when = food;

  for (int with_food = 0; with_food <= 1; with_food++) {
    form.values[1].choices = with_food ? 0x1 : 0x2;
    tb_app_state s;
    memset(&s, 0, sizeof s);
    tb_event e = ev_of(TB_EV_SUBMIT, T0);
    e.materials = 0x3;
    MUST(step(&def, &s, e));
    MUST(step(&def, &s, ev_of(TB_EV_ACCEPT, T0 + 1)));
    TB_CHECK_INT(s.branches[0].status, TB_BRANCH_ACTIVE);
    TB_CHECK_INT(s.branches[1].status,
                 with_food ? TB_BRANCH_ACTIVE : TB_BRANCH_INACTIVE);
    TB_CHECK_INT(s.branches[2].status, TB_BRANCH_WAITING);
    TB_CHECK_INT(s.branches[3].status, TB_BRANCH_WAITING);
    MUST(step(&def, &s, task_ev(TB_EV_CLAIM, T0 + 2, 0, 0, 9)));
    MUST(step(&def, &s, task_ev(TB_EV_APPROVE, T0 + 2, 0, 0, 9)));
    TB_CHECK_INT(s.branches[2].status, TB_BRANCH_ACTIVE);
    TB_CHECK_INT(s.branches[3].status, TB_BRANCH_WAITING);
    MUST(step(&def, &s, task_ev(TB_EV_CLAIM, T0 + 3, 2, 0, 9)));
    MUST(step(&def, &s, task_ev(TB_EV_APPROVE, T0 + 3, 2, 0, 9)));
    /* bank waits for food too, when food applies */
    TB_CHECK_INT(s.branches[3].status,
                 with_food ? TB_BRANCH_WAITING : TB_BRANCH_ACTIVE);
    if (with_food) {
      MUST(step(&def, &s, task_ev(TB_EV_CLAIM, T0 + 4, 1, 0, 9)));
      MUST(step(&def, &s, task_ev(TB_EV_APPROVE, T0 + 4, 1, 0, 9)));
      TB_CHECK_INT(s.branches[3].status, TB_BRANCH_ACTIVE);
    }
    MUST(step(&def, &s, task_ev(TB_EV_CLAIM, T0 + 5, 3, 0, 9)));
    MUST(step(&def, &s, task_ev(TB_EV_APPROVE, T0 + 5, 3, 0, 9)));
    TB_CHECK_INT(s.status, TB_APP_APPROVED);
  }

  /* a deny that continues skips the branches behind it */
  deps[0].deny_continues = true;
  form.values[1].choices = 0x2;
  tb_app_state s;
  memset(&s, 0, sizeof s);
  tb_event e = ev_of(TB_EV_SUBMIT, T0);
  e.materials = 0x3;
  MUST(step(&def, &s, e));
  MUST(step(&def, &s, ev_of(TB_EV_ACCEPT, T0 + 1)));
  MUST(step(&def, &s, task_ev(TB_EV_CLAIM, T0 + 2, 0, 0, 9)));
  MUST(step(&def, &s, task_ev(TB_EV_DENY, T0 + 2, 0, 0, 9)));
  TB_CHECK_INT(s.branches[2].status, TB_BRANCH_SKIPPED);
  TB_CHECK_INT(s.branches[3].status, TB_BRANCH_SKIPPED);
  TB_CHECK_INT(s.status, TB_APP_DENIED); /* nothing was approved */
  deps[0].deny_continues = false;
  deps[1].when = NULL;
  form.values[1].choices = 0x1;
}

/* A branch others come after is returned: the notice goes out at once
 * (nobody else can work), and its followers start only after the
 * supplement, once it approves. */
static void return_of_a_prerequisite(void) {
  static tb_branch_def deps[] = {
      {.id = "registration", .bureau = "SCJG", .tasks = one_task, .n_tasks = 1},
      {.id = "seal",
       .bureau = "GA",
       .tasks = one_task,
       .n_tasks = 1,
       .after = 0x1},
      {.id = "tax",
       .bureau = "SW",
       .tasks = one_task,
       .n_tasks = 1,
       .after = 0x1},
  };
  tb_definition def = small;
  def.branches = deps;
  def.n_branches = 3;
  tb_app_state s;
  memset(&s, 0, sizeof s);
  tb_event e = ev_of(TB_EV_SUBMIT, T0);
  e.materials = 0x3;
  MUST(step(&def, &s, e));
  MUST(step(&def, &s, ev_of(TB_EV_ACCEPT, T0 + 1)));
  MUST(step(&def, &s, task_ev(TB_EV_CLAIM, T0 + 2, 0, 0, 9)));
  e = task_ev(TB_EV_RETURN, T0 + 3, 0, 0, 9);
  e.materials = 0x1;
  MUST(step(&def, &s, e));
  TB_CHECK_INT(s.status, TB_APP_RETURNED);
  TB_CHECK(find_notice(TB_NOTICE_SUPPLEMENT) != NULL);
  TB_CHECK_INT(s.branches[1].status, TB_BRANCH_WAITING);
  e = ev_of(TB_EV_SUPPLEMENT, T0 + 4);
  e.materials = 0x1;
  MUST(step(&def, &s, e));
  TB_CHECK_INT(s.branches[0].status, TB_BRANCH_ACTIVE);
  TB_CHECK_INT(s.branches[1].status, TB_BRANCH_WAITING);
  MUST(step(&def, &s, task_ev(TB_EV_CLAIM, T0 + 5, 0, 0, 9)));
  MUST(step(&def, &s, task_ev(TB_EV_APPROVE, T0 + 5, 0, 0, 9)));
  TB_CHECK_INT(s.branches[1].status, TB_BRANCH_ACTIVE);
  TB_CHECK_INT(s.branches[2].status, TB_BRANCH_ACTIVE);
  for (int b = 1; b <= 2; b++) {
    MUST(step(&def, &s, task_ev(TB_EV_CLAIM, T0 + 6, b, 0, 9)));
    MUST(step(&def, &s, task_ev(TB_EV_APPROVE, T0 + 6, b, 0, 9)));
  }
  TB_CHECK_INT(s.status, TB_APP_APPROVED);
}

/* A withdrawal cancels every open task and timer. */
static void withdrawal_cancels_everything(void) {
  tb_app_state s;
  build_state(S_REVIEW, &s);
  MUST(step(&small, &s, ev_of(TB_EV_WITHDRAW, T0 + 100)));
  TB_CHECK_INT(count_effects(TB_EFFECT_CANCEL_TASK), 2);
  bool app_red = false, gap = false;
  for (size_t i = 0; i < fx.n; i++)
    if (fx.items[i].kind == TB_EFFECT_CANCEL_TIMER) {
      app_red |= fx.items[i].timer == TB_TIMER_APP_RED;
      gap |= fx.items[i].timer == TB_TIMER_GAP_DUE;
    }
  TB_CHECK(app_red);
  TB_CHECK(gap);
  TB_CHECK(s.finished_at == T0 + 100);
}

static void rating_once_in_range(void) {
  tb_app_state s;
  build_state(S_DELIVERED, &s);
  tb_event e = ev_of(TB_EV_RATE, T0 + 700);
  e.rating = 6;
  TB_CHECK(step(&small, &s, e) == TB_ERR_INVALID);
  e.rating = 0;
  TB_CHECK(step(&small, &s, e) == TB_ERR_INVALID);
  e.rating = 1;
  MUST(step(&small, &s, e));
  TB_CHECK_INT(s.rating, 1);
  e.rating = 5;
  TB_CHECK(step(&small, &s, e) == TB_ERR_ILLEGAL_STATE);
  TB_CHECK(strstr(prob.detail, "already been rated") != NULL);
}

static void deterministic(void) {
  tb_app_state a, b;
  build_state(S_RETURNED, &a);
  build_state(S_RETURNED, &b);
  TB_CHECK(memcmp(&a, &b, sizeof a) == 0);
  tb_effects fa;
  tb_event e = ev_of(TB_EV_SUPPLEMENT, T0 + 5000);
  e.materials = 0x1;
  MUST(step(&small, &a, e));
  fa = fx;
  MUST(step(&small, &b, e));
  TB_CHECK(memcmp(&a, &b, sizeof a) == 0);
  TB_CHECK_INT(fa.n, fx.n);
  TB_CHECK(memcmp(fa.items, fx.items, fx.n * sizeof fx.items[0]) == 0);
}

/* A task event carrying the round of an earlier task of the branch (a
 * round-1 task id after a return opened round 2) is refused, and so is
 * one naming an earlier step of the current round; nothing changes. */
static void superseded_rounds_refused(void) {
  tb_app_state s, before;
  build_state(S_RETURNED, &s);
  tb_event sup = ev_of(TB_EV_SUPPLEMENT, T0 + 200);
  sup.materials = 0x1;
  MUST(step(&small, &s, sup));
  TB_CHECK_INT(s.branches[1].round, 2);
  before = s;
  for (int k = 0; k < 2; k++) {
    tb_event e =
        task_ev(k ? TB_EV_APPROVE : TB_EV_CLAIM, T0 + 210, 1, 0, OFFICER);
    e.round = 1;
    TB_CHECK_INT(step(&small, &s, e), TB_ERR_SUPERSEDED);
    TB_CHECK(memcmp(&s, &before, sizeof s) == 0);
  }
  tb_event e = task_ev(TB_EV_CLAIM, T0 + 220, 1, 0, OFFICER);
  e.round = 2;
  MUST(step(&small, &s, e));
  /* branch 0 is at step 1 of round 1: its step-0 task is superseded */
  build_state(S_REVIEW, &s);
  approve_branch(&s, 0, 0, T0 + 100);
  e = task_ev(TB_EV_CLAIM, T0 + 230, 0, 0, OFFICER);
  e.round = 1;
  TB_CHECK_INT(step(&small, &s, e), TB_ERR_SUPERSEDED);
}

static void bad_events_refused(void) {
  tb_app_state s, before;
  build_state(S_REVIEW, &s);
  before = s;
  tb_event e = ev_of((tb_event_kind)99, T0);
  TB_CHECK(step(&small, &s, e) == TB_ERR_INVALID);
  e = ev_of(TB_EV_WITHDRAW, 0);
  TB_CHECK(step(&small, &s, e) == TB_ERR_INVALID);
  e = ev_of(TB_EV_TIMER, T0 + 5);
  e.timer = 77;
  TB_CHECK(step(&small, &s, e) == TB_ERR_INVALID);
  e = ev_of(TB_EV_SUSPEND, T0 + 5);
  e.special = 200;
  TB_CHECK(step(&small, &s, e) == TB_ERR_INVALID);
  TB_CHECK(memcmp(&s, &before, sizeof s) == 0);
  tb_app_state corrupt = s;
  corrupt.status = 200;
  TB_CHECK(step(&small, &corrupt, ev_of(TB_EV_WITHDRAW, T0 + 5)) ==
           TB_ERR_INVALID);
}

static const tb_effect *find_timer(tb_effect_kind kind, tb_timer_kind timer) {
  for (size_t i = 0; i < fx.n; i++)
    if (fx.items[i].kind == kind && fx.items[i].timer == timer)
      return &fx.items[i];
  return NULL;
}

/* An online application arms its expiry at submission; acceptance,
 * refusal and withdrawal disarm it; firing ends it as expired. */
static void online_expiry(void) {
  tb_app_state s;
  memset(&s, 0, sizeof s);
  tb_event e = ev_of(TB_EV_SUBMIT, T0);
  e.materials = 0x1;
  e.channel = TB_CHANNEL_ONLINE;
  e.expire_at = T0 + 86400;
  MUST(step(&small, &s, e));
  const tb_effect *t = find_timer(TB_EFFECT_SCHEDULE_TIMER, TB_TIMER_EXPIRE);
  TB_CHECK(t != NULL);
  TB_CHECK(t && t->at == T0 + 86400);
  /* at a window, or online without an expiry: no timer */
  memset(&s, 0, sizeof s);
  e.channel = TB_CHANNEL_WINDOW;
  MUST(step(&small, &s, e));
  TB_CHECK(find_timer(TB_EFFECT_SCHEDULE_TIMER, TB_TIMER_EXPIRE) == NULL);
  TB_CHECK(step(&small, &s, ev_of(TB_EV_EXPIRE, T0 + 86400)) == TB_IGNORED);
  memset(&s, 0, sizeof s);
  e.channel = TB_CHANNEL_ONLINE;
  e.expire_at = 0;
  MUST(step(&small, &s, e));
  TB_CHECK_INT(fx.n, 0);

  build_state(S_ONLINE, &s);
  e = ev_of(TB_EV_ACCEPT, T0 + 60);
  e.materials = 0x2;
  MUST(step(&small, &s, e));
  TB_CHECK(find_timer(TB_EFFECT_CANCEL_TIMER, TB_TIMER_EXPIRE) != NULL);
  TB_CHECK(step(&small, &s, ev_of(TB_EV_EXPIRE, T0 + 86400)) == TB_IGNORED);
  build_state(S_ONLINE, &s);
  MUST(step(&small, &s, ev_of(TB_EV_REFUSE, T0 + 60)));
  TB_CHECK(find_timer(TB_EFFECT_CANCEL_TIMER, TB_TIMER_EXPIRE) != NULL);
  build_state(S_ONLINE_AWAITING, &s);
  MUST(step(&small, &s, ev_of(TB_EV_WITHDRAW, T0 + 60)));
  TB_CHECK(find_timer(TB_EFFECT_CANCEL_TIMER, TB_TIMER_EXPIRE) != NULL);

  /* fired as a timer: the same as the expire event */
  build_state(S_ONLINE_AWAITING, &s);
  e = ev_of(TB_EV_TIMER, T0 + 86400);
  e.timer = TB_TIMER_EXPIRE;
  MUST(step(&small, &s, e));
  TB_CHECK_INT(s.status, TB_APP_EXPIRED);
  TB_CHECK(s.finished_at == T0 + 86400);
  TB_CHECK_INT(s.notice, 0);
  TB_CHECK(find_notice(TB_NOTICE_EXPIRED) != NULL);
  TB_CHECK(find_timer(TB_EFFECT_CANCEL_TIMER, TB_TIMER_EXPIRE) == NULL);
  TB_CHECK(tb_app_status_is_final(TB_APP_EXPIRED));
  TB_CHECK(step(&small, &s, probe_event(TB_EV_ACCEPT)) == TB_ERR_ILLEGAL_STATE);
  TB_CHECK_STR(prob.detail,
               "cannot accept: the application is expired: no clerk accepted "
               "it in time");
}

static void names_round_trip(void) {
  for (int i = 0; i < TB_APP_STATE_COUNT; i++)
    TB_CHECK_INT(tb_app_status_from_name(tb_app_status_name(i)), i);
  for (int i = 0; i < TB_EV_KIND_COUNT; i++)
    TB_CHECK_INT(tb_event_kind_from_name(tb_event_kind_name(i)), i);
  for (int i = 0; i < TB_TIMER_KIND_COUNT; i++)
    TB_CHECK_INT(tb_timer_kind_from_name(tb_timer_kind_name(i)), i);
  for (int i = 0; i < TB_SPECIAL_KIND_COUNT; i++)
    TB_CHECK_INT(tb_special_kind_from_name(tb_special_kind_name(i)), i);
  TB_CHECK_INT(tb_app_status_from_name("nonsense"), -1);
}

int main(void) {
  setup();
  every_state_and_event();
  TB_RUN(refusals_explain_themselves);
  TB_RUN(acceptance_checks_materials);
  TB_RUN(window_supplement_round_trip);
  TB_RUN(window_notice_supplied_in_parts);
  TB_RUN(supplement_outside_notice_refused);
  TB_RUN(closing_a_notice);
  TB_RUN(merged_notice_supplied_in_parts);
  TB_RUN(choices_stored_at_registration);
  TB_RUN(deadlines_count_working_days);
  TB_RUN(accept_schedules_timers);
  TB_RUN(warnings_fire_on_time_only);
  TB_RUN(special_procedure_moves_deadline);
  TB_RUN(special_procedure_maximum_resumes);
  TB_RUN(tolerated_gap_supplied_late);
  TB_RUN(tolerated_gap_terminates);
  TB_RUN(tolerated_gap_missed_after_approval);
  TB_RUN(join_under_every_order);
  TB_RUN(returns_merge_into_one_notice);
  TB_RUN(conditions_and_dependencies);
  TB_RUN(return_of_a_prerequisite);
  TB_RUN(withdrawal_cancels_everything);
  TB_RUN(rating_once_in_range);
  TB_RUN(deterministic);
  TB_RUN(superseded_rounds_refused);
  TB_RUN(bad_events_refused);
  TB_RUN(online_expiry);
  TB_RUN(names_round_trip);
  tb_calendar_free(cal);
  tb_arena_free(arena);
  return tb_test_done();
}
