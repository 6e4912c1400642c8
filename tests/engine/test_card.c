/*
 * test_card.c — the one definition of 黄牌 / 红牌 (tb_card_*), the
 * calendar's coverage (provisional deadlines) and the recompute event a
 * new calendar sends, on the shipped 2026 data (calendar/2026.txt).
 */
#include "tb_calendar_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void load_text(tb_calendar *c, const char *text) {
  tb_problem p = {0};
  TB_CHECKF(tb_calendar_parse(c, text, strlen(text), &p) == TB_OK, "%s",
            p.detail);
}

/* Local time on a day (China Standard Time). */
static int64_t at(const tb_calendar *c, const char *day, int hour) {
  return tb_calendar_start_of(c, D(day)) + hour * 3600;
}

/* ---- the card rule ------------------------------------------------------ */

static void threshold_table(void) {
  static const struct {
    int length, warn, want;
  } rows[] = {
      {1, 1, 1}, {1, 3, 1},  {2, 1, 1},  {2, 3, 1},  {3, 3, 2}, {4, 3, 2},
      {5, 3, 3}, {10, 3, 3}, {20, 1, 1}, {20, 0, 0}, {0, 2, 1}, {7, 5, 4},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    TB_CHECKF(tb_card_threshold(rows[i].length, rows[i].warn) == rows[i].want,
              "length %d warn %d: got %d, want %d", rows[i].length,
              rows[i].warn, tb_card_threshold(rows[i].length, rows[i].warn),
              rows[i].want);
}

/* A one-day task opened on Monday 2026-11-30 10:00 is due Tuesday. */
static void one_day_task_is_not_yellow_at_once(void) {
  tb_calendar *c = tb_calendar_new(8 * 3600);
  load_year(c, 2026);
  tb_day due = tb_calendar_add_working_days(c, D("2026-11-30"), 1);
  CHECK_DAY(due, "2026-12-01");
  static const struct {
    const char *day;
    int hour, warn;
    tb_warning want;
  } rows[] = {
      {"2026-11-30", 10, 1, TB_WARN_NONE},  /* just opened */
      {"2026-11-30", 23, 3, TB_WARN_NONE},  /* a large threshold is scaled */
      {"2026-12-01", 0, 1, TB_WARN_YELLOW}, /* its last day */
      {"2026-12-01", 17, 3, TB_WARN_YELLOW},
      {"2026-12-02", 0, 1, TB_WARN_RED}, /* the day after */
      {"2026-12-09", 9, 0, TB_WARN_RED}, /* no yellow: still red */
      {"2026-12-01", 9, 0, TB_WARN_NONE},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    tb_warning w =
        tb_card_at(c, due, 1, rows[i].warn, at(c, rows[i].day, rows[i].hour));
    TB_CHECKF(w == rows[i].want, "%s %02d:00 warn %d: got %s, want %s",
              rows[i].day, rows[i].hour, rows[i].warn, tb_warning_name(w),
              tb_warning_name(rows[i].want));
  }
  int64_t y = 0;
  TB_CHECK(tb_card_yellow_at(c, due, 1, 1, &y));
  TB_CHECK_INT(y, at(c, "2026-12-01", 0));
  TB_CHECK_INT(tb_card_red_at(c, due), at(c, "2026-12-02", 0));
  TB_CHECK(!tb_card_yellow_at(c, due, 1, 0, &y));
  TB_CHECK(tb_card_at(c, 0, 1, 1, at(c, "2026-12-09", 0)) == TB_WARN_NONE);
  tb_calendar_free(c);
}

/* A ten-day limit with a threshold of three turns yellow three working
 * days before its end, the deadline day counting: across 国庆 2026 the
 * days before Oct 10 (a 调休 Saturday) are Oct 9 and Oct 8. */
static void long_limit_yellow_across_national_day(void) {
  tb_calendar *c = tb_calendar_new(8 * 3600);
  load_year(c, 2026);
  tb_day due = D("2026-10-10");
  int64_t y = 0;
  TB_CHECK(tb_card_yellow_at(c, due, 10, 3, &y));
  TB_CHECK_INT(y, at(c, "2026-10-08", 0));
  TB_CHECK(tb_card_at(c, due, 10, 3, at(c, "2026-09-30", 12)) == TB_WARN_NONE);
  TB_CHECK(tb_card_at(c, due, 10, 3, at(c, "2026-10-07", 23)) == TB_WARN_NONE);
  TB_CHECK(tb_card_at(c, due, 10, 3, at(c, "2026-10-08", 0)) == TB_WARN_YELLOW);
  TB_CHECK(tb_card_at(c, due, 10, 3, at(c, "2026-10-11", 0)) == TB_WARN_RED);
  tb_calendar_free(c);
}

/* ---- cards of a whole state --------------------------------------------- */

static tb_task_def tasks[] = {{.id = "review", .name = "审查", .days = 1}};
static tb_branch_def branches[] = {
    {.id = "market", .bureau = "SCJG", .tasks = tasks, .n_tasks = 1}};
static tb_special_def specials[] = {
    {.kind = TB_SPECIAL_HEARING, .name = "听证", .max_days = 10}};
static tb_definition def = {.id = "card",
                            .name = "测试",
                            .version = 1,
                            .applicant = TB_APPLICANT_EITHER,
                            .statutory_days = 20,
                            .promised_days = 20,
                            .warn_days = 3,
                            .online = true,
                            .branches = branches,
                            .n_branches = 1,
                            .specials = specials,
                            .n_specials = 1};

static tb_effects fx;
static tb_problem prob;

static tb_status step(const tb_calendar *c, tb_app_state *s, tb_event_kind k,
                      int64_t when) {
  tb_form form;
  memset(&form, 0, sizeof form);
  tb_context ctx = {.def = &def, .calendar = c, .form = &form};
  tb_event ev = {.kind = k, .at = when};
  if (k == TB_EV_SUSPEND)
    ev.special = TB_SPECIAL_HEARING;
  memset(&prob, 0, sizeof prob);
  return tb_engine_step(&ctx, s, &ev, &fx, &prob);
}

static void accepted_on(const tb_calendar *c, tb_app_state *s,
                        const char *day) {
  memset(s, 0, sizeof *s);
  TB_CHECK(step(c, s, TB_EV_SUBMIT, at(c, day, 9)) == TB_OK);
  TB_CHECK(step(c, s, TB_EV_ACCEPT, at(c, day, 10)) == TB_OK);
}

static void cards_of_states(void) {
  tb_calendar *c = tb_calendar_new(8 * 3600);
  load_year(c, 2026);
  tb_app_state s;
  accepted_on(c, &s, "2026-11-30");
  /* fresh: the one-day task and the twenty-day application */
  TB_CHECK(tb_card_of_task(&def, c, &s, 0, at(c, "2026-11-30", 11)) ==
           TB_WARN_NONE);
  TB_CHECK_INT(s.branches[0].warning, TB_WARN_NONE);
  TB_CHECK(tb_card_of_task(&def, c, &s, 0, at(c, "2026-12-01", 8)) ==
           TB_WARN_YELLOW);
  TB_CHECK(tb_card_of_task(&def, c, &s, 0, at(c, "2026-12-02", 8)) ==
           TB_WARN_RED);
  TB_CHECK(tb_card_of_application(&def, c, &s, at(c, "2026-12-02", 8)) ==
           TB_WARN_NONE);
  /* the timers carry the same instants */
  int64_t y = 0;
  TB_CHECK(tb_card_yellow_at(c, s.branches[0].deadline, 1, 3, &y));
  bool found = false;
  for (size_t i = 0; i < fx.n; i++)
    if (fx.items[i].kind == TB_EFFECT_SCHEDULE_TIMER &&
        fx.items[i].timer == TB_TIMER_TASK_YELLOW)
      found = fx.items[i].at == y;
  TB_CHECK(found);
  /* overdue, then paused: no card while the clock is paused */
  tb_event red = {.kind = TB_EV_TIMER,
                  .at = at(c, "2026-12-02", 0),
                  .timer = TB_TIMER_TASK_RED};
  tb_form form;
  memset(&form, 0, sizeof form);
  tb_context ctx = {.def = &def, .calendar = c, .form = &form};
  TB_CHECK(tb_engine_step(&ctx, &s, &red, &fx, &prob) == TB_OK);
  TB_CHECK_INT(s.branches[0].warning, TB_WARN_RED);
  tb_app_state paused = s;
  TB_CHECK(step(c, &paused, TB_EV_SUSPEND, at(c, "2026-12-02", 9)) == TB_OK);
  TB_CHECK_INT(paused.branches[0].warning, TB_WARN_NONE);
  TB_CHECK_INT(paused.warning, TB_WARN_NONE);
  TB_CHECK(tb_card_of_task(&def, c, &paused, 0, at(c, "2026-12-03", 9)) ==
           TB_WARN_NONE);
  /* finished: none */
  tb_app_state done = s;
  done.warning = TB_WARN_RED; /* as a timer would have set it */
  TB_CHECK(step(c, &done, TB_EV_WITHDRAW, at(c, "2026-12-02", 9)) == TB_OK);
  TB_CHECK_INT(done.warning, TB_WARN_NONE);
  TB_CHECK(tb_card_of_application(&def, c, &done, at(c, "2027-03-01", 9)) ==
           TB_WARN_NONE);
  TB_CHECK(tb_card_of_task(&def, c, &done, 0, at(c, "2027-03-01", 9)) ==
           TB_WARN_NONE);
  tb_calendar_free(c);
}

/* ---- coverage and the recompute event ------------------------------------ */

static void coverage_of_shipped_files(void) {
  tb_calendar *c = tb_calendar_new(8 * 3600);
  TB_CHECK_INT(tb_calendar_covered_until(c), 0);
  TB_CHECK(tb_calendar_is_provisional(c, D("2025-03-03")));
  load_year(c, 2025);
  CHECK_DAY(tb_calendar_covered_until(c), "2025-12-31");
  load_year(c, 2026);
  CHECK_DAY(tb_calendar_covered_until(c), "2026-12-31");
  TB_CHECK(!tb_calendar_is_provisional(c, D("2026-12-31")));
  TB_CHECK(tb_calendar_is_provisional(c, D("2027-01-04")));
  TB_CHECK(!tb_calendar_is_provisional(c, 0));
  tb_calendar_cover(c, D("2025-06-30")); /* never shrinks */
  CHECK_DAY(tb_calendar_covered_until(c), "2026-12-31");
  tb_calendar_free(c);
}

/* The plain week (what a server without a calendar knew) and the shipped
 * 2026 schedule (what a load brings), for the recompute tests. */
static tb_calendar *plain, *cn;

static const tb_effect *find_timer(tb_timer_kind k) {
  for (size_t i = 0; i < fx.n; i++)
    if (fx.items[i].kind == TB_EFFECT_SCHEDULE_TIMER && fx.items[i].timer == k)
      return &fx.items[i];
  return NULL;
}

/* Accepted on Friday 2026-09-18 while only the plain week was known: a
 * 20-working-day limit ends on 2026-10-16. With the 2026 schedule (Sep 20,
 * a Sunday, and Oct 10, a Saturday, worked; Sep 25 and Oct 1-7 off) it
 * ends on 2026-10-22; the recompute says so and re-arms the timers. */
static void recompute_across_national_day(void) {
  tb_app_state s;
  accepted_on(plain, &s, "2026-09-18");
  CHECK_DAY(s.deadline, "2026-10-16");
  CHECK_DAY(s.statutory_deadline, "2026-10-16");
  tb_app_state before = s;
  TB_CHECK(step(plain, &s, TB_EV_RECOMPUTE, at(plain, "2026-09-18", 12)) ==
           TB_IGNORED);
  TB_CHECK(memcmp(&s, &before, sizeof s) == 0);
  TB_CHECK_INT(fx.n, 0);
  TB_CHECK(step(cn, &s, TB_EV_RECOMPUTE, at(cn, "2026-09-18", 12)) == TB_OK);
  CHECK_DAY(s.deadline, "2026-10-22");
  CHECK_DAY(s.statutory_deadline, "2026-10-22");
  /* the task opened the same day: one working day, Sunday Sep 20 */
  CHECK_DAY(s.branches[0].deadline, "2026-09-20");
  const tb_effect *red = find_timer(TB_TIMER_APP_RED);
  TB_CHECK(red && red->at == at(cn, "2026-10-23", 0));
  const tb_effect *yellow = find_timer(TB_TIMER_APP_YELLOW);
  TB_CHECK(yellow && yellow->at == at(cn, "2026-10-20", 0));
  /* again with the same calendar: nothing moves */
  before = s;
  TB_CHECK(step(cn, &s, TB_EV_RECOMPUTE, at(cn, "2026-09-18", 13)) ==
           TB_IGNORED);
  TB_CHECK(memcmp(&s, &before, sizeof s) == 0);
}

/* A pause counted in the state moves the recomputed deadline too. */
static void recompute_keeps_paused_days(void) {
  tb_app_state s;
  accepted_on(plain, &s, "2026-09-14");
  TB_CHECK(step(plain, &s, TB_EV_SUSPEND, at(plain, "2026-09-14", 15)) ==
           TB_OK);
  TB_CHECK(step(plain, &s, TB_EV_RESUME, at(plain, "2026-09-16", 9)) == TB_OK);
  TB_CHECK_INT(s.paused_days, 2);
  TB_CHECK_INT(s.branches[0].paused_days, 2);
  CHECK_DAY(s.deadline, "2026-10-14"); /* 20 + 2 plain weekdays */
  TB_CHECK(step(cn, &s, TB_EV_RECOMPUTE, at(cn, "2026-09-16", 10)) == TB_OK);
  /* 22 working days after Sep 14 with the 2026 schedule */
  CHECK_DAY(s.deadline, "2026-10-20");
  CHECK_DAY(s.branches[0].deadline, "2026-09-17");
}

/* Accepted on 2026-12-25: the 20th working day is in 2027, past the
 * shipped data, so the deadline is provisional. A 2027 schedule (a test
 * file, not an official one) makes it exact and the recompute moves it. */
static void provisional_until_next_year_loaded(void) {
  tb_calendar *c = tb_calendar_new(8 * 3600);
  load_year(c, 2025);
  load_year(c, 2026);
  tb_app_state s;
  accepted_on(c, &s, "2026-12-25");
  CHECK_DAY(s.deadline, "2027-01-22");
  TB_CHECK(tb_calendar_is_provisional(c, s.deadline));
  load_text(c, "# test data for 2027, not the State Council's\n"
               "2027-01-01 holiday 元旦\n");
  TB_CHECK(!tb_calendar_is_provisional(c, s.deadline));
  TB_CHECK(step(c, &s, TB_EV_RECOMPUTE, at(c, "2026-12-28", 9)) == TB_OK);
  CHECK_DAY(s.deadline, "2027-01-25");
  tb_calendar_free(c);
}

/* Finished and not-yet-accepted applications have nothing to recompute. */
static void recompute_ignores_closed(void) {
  tb_app_state s;
  memset(&s, 0, sizeof s);
  TB_CHECK(step(plain, &s, TB_EV_SUBMIT, at(plain, "2026-09-18", 9)) == TB_OK);
  TB_CHECK(step(cn, &s, TB_EV_RECOMPUTE, at(cn, "2026-09-18", 10)) ==
           TB_IGNORED);
  accepted_on(plain, &s, "2026-09-18");
  TB_CHECK(step(plain, &s, TB_EV_WITHDRAW, at(plain, "2026-09-18", 11)) ==
           TB_OK);
  TB_CHECK(step(cn, &s, TB_EV_RECOMPUTE, at(cn, "2026-09-18", 12)) ==
           TB_IGNORED);
}

int main(int argc, char **argv) {
  if (argc > 1)
    calendar_dir = argv[1];
  TB_RUN(threshold_table);
  TB_RUN(one_day_task_is_not_yellow_at_once);
  TB_RUN(long_limit_yellow_across_national_day);
  TB_RUN(cards_of_states);
  TB_RUN(coverage_of_shipped_files);
  plain = tb_calendar_new(8 * 3600);
  cn = tb_calendar_new(8 * 3600);
  load_year(cn, 2026);
  TB_RUN(recompute_across_national_day);
  TB_RUN(recompute_keeps_paused_days);
  TB_RUN(provisional_until_next_year_loaded);
  TB_RUN(recompute_ignores_closed);
  tb_calendar_free(plain);
  tb_calendar_free(cn);
  return tb_test_done();
}
