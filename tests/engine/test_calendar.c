/*
 * test_calendar.c — dates and the working-day calendar: proleptic
 * Gregorian day numbers, China's published 2025 and 2026 holiday schedules
 * as shipped in calendar/ (国办发明电〔2024〕12号, the 2025-11-04 notice
 * for 2026), year ends, holidays
 * next to weekends, adjusted working days, paused-time counting, time zones,
 * and the calendar text format with its errors.
 */
#include "tb_calendar_test.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CST (8 * 3600)

static tb_calendar *china(void) {
  tb_calendar *c = tb_calendar_new(CST);
  load_year(c, 2025);
  load_year(c, 2026);
  return c;
}

/* ------------------------------------------------------------------------
 * Dates
 * ---------------------------------------------------------------------- */

static void dates_known_days(void) {
  tb_day d;
  TB_CHECK_INT(tb_date_from_ymd(1970, 1, 1, &d), TB_OK);
  TB_CHECK_INT(d, 0);
  TB_CHECK_INT(tb_date_weekday(0), 4); /* a Thursday */
  TB_CHECK_INT(D("2000-01-01"), 10957);
  TB_CHECK_INT(D("1900-01-01"), -25567);
  TB_CHECK_INT(tb_date_weekday(D("1900-01-01")), 1);
  TB_CHECK_INT(D("2199-12-31"), 84005);
  TB_CHECK_INT(tb_date_weekday(D("2025-10-01")), 3);
  TB_CHECK_INT(tb_date_weekday(D("2025-10-05")), 7);
  TB_CHECK_INT(tb_date_weekday(-1), 3);
  TB_CHECK_INT(tb_date_from_ymd(2000, 2, 29, &d), TB_OK);
  TB_CHECK_INT(tb_date_from_ymd(2024, 2, 29, &d), TB_OK);
  TB_CHECK_INT(tb_date_from_ymd(2023, 2, 29, &d), TB_ERR_INVALID);
  TB_CHECK_INT(tb_date_from_ymd(1900, 2, 29, &d), TB_ERR_INVALID);
  TB_CHECK_INT(tb_date_from_ymd(2100, 2, 29, &d), TB_ERR_INVALID);
  TB_CHECK_INT(tb_date_from_ymd(1899, 12, 31, &d), TB_ERR_INVALID);
  TB_CHECK_INT(tb_date_from_ymd(2200, 1, 1, &d), TB_ERR_INVALID);
  TB_CHECK_INT(tb_date_from_ymd(2025, 4, 31, &d), TB_ERR_INVALID);
  TB_CHECK_INT(tb_date_from_ymd(2025, 0, 1, &d), TB_ERR_INVALID);
  TB_CHECK_INT(tb_date_from_ymd(2025, 13, 1, &d), TB_ERR_INVALID);
  TB_CHECK_INT(tb_date_from_ymd(2025, 1, 0, &d), TB_ERR_INVALID);
  TB_CHECK_INT(tb_date_from_ymd(INT_MAX, INT_MAX, INT_MAX, &d), TB_ERR_INVALID);
}

/* Months are added on the calendar, clamped to the end of a short month. */
static void dates_add_months(void) {
  TB_CHECK_INT(tb_date_add_months(D("2026-01-15"), 6), D("2026-07-15"));
  TB_CHECK_INT(tb_date_add_months(D("2025-08-31"), 6), D("2026-02-28"));
  TB_CHECK_INT(tb_date_add_months(D("2023-08-31"), 6), D("2024-02-29"));
  TB_CHECK_INT(tb_date_add_months(D("2026-09-30"), 6), D("2027-03-30"));
  TB_CHECK_INT(tb_date_add_months(D("2026-12-31"), 2), D("2027-02-28"));
  TB_CHECK_INT(tb_date_add_months(D("2026-03-31"), -1), D("2026-02-28"));
  TB_CHECK_INT(tb_date_add_months(D("2026-05-10"), 0), D("2026-05-10"));
  TB_CHECK_INT(tb_date_add_months(D("2026-07-01"), -7), D("2025-12-01"));
}

/* Every day of the range: ymd, text and weekday agree. */
static void dates_every_day_round_trips(void) {
  int failures = 0;
  for (tb_day d = D("1900-01-01"); d <= D("2199-12-31"); d++) {
    int y, m, dd;
    tb_day back = 0, parsed = 0;
    char buf[11];
    tb_date_to_ymd(d, &y, &m, &dd);
    tb_date_format(d, buf);
    if (tb_date_from_ymd(y, m, dd, &back) != TB_OK || back != d ||
        tb_date_parse(buf, 10, &parsed) != TB_OK || parsed != d ||
        tb_date_weekday(d) != (tb_date_weekday(d - 1) % 7) + 1)
      failures++;
  }
  TB_CHECK_INT(failures, 0);
  char buf[11];
  tb_date_format(D("2025-02-08"), buf);
  TB_CHECK_STR(buf, "2025-02-08");
  tb_date_format(INT32_MAX, buf); /* far outside; stays bounded */
  TB_CHECK_INT(strlen(buf), 10);
  tb_date_format(INT32_MIN, buf);
  TB_CHECK_INT(strlen(buf), 10);
}

static void dates_hostile_text(void) {
  static const char *const bad[] = {
      "2025-1-01",  "2025-01-1",  " 2025-01-01",   "2025/01/01", "2025-01-01 ",
      "20250101",   "2025-00-10", "2025-13-01",    "2023-02-29", "+025-01-01",
      "2025-0a-01", "1899-12-31", "2200-01-01",    "2025-01-32", "",
      "2025--1-01", "-025-01-01", "2025-01-0\xff",
  };
  tb_day d = 12345;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    TB_CHECKF(tb_date_parse(bad[i], strlen(bad[i]), &d) == TB_ERR_INVALID,
              "accepted \"%s\"", bad[i]);
  TB_CHECK_INT(tb_date_parse("2025-10-01\0", 11, &d), TB_ERR_INVALID);
  TB_CHECK_INT(tb_date_parse("2025-10-0\0", 10, &d), TB_ERR_INVALID);
  TB_CHECK_INT(tb_date_parse(NULL, 0, &d), TB_ERR_INVALID);
  TB_CHECK_INT(tb_date_parse("\xef\xbc\x92\xef\xbc\x90", 6, &d),
               TB_ERR_INVALID);
  /* No terminator needed: only len bytes are read. */
  TB_CHECK_INT(tb_date_parse("2025-10-01XYZ", 10, &d), TB_OK);
  TB_CHECK_INT(d, D("2025-10-01"));
}

/* ------------------------------------------------------------------------
 * Working days
 * ---------------------------------------------------------------------- */

static void plain_week(void) {
  tb_calendar *c = tb_calendar_new(CST);
  TB_CHECK(!tb_calendar_is_working_day(c, D("2025-10-04")));
  TB_CHECK(!tb_calendar_is_working_day(c, D("2025-10-05")));
  TB_CHECK(tb_calendar_is_working_day(c, D("2025-10-06")));
  TB_CHECK(tb_calendar_is_working_day(c, D("2025-10-01")));
  CHECK_DAY(tb_calendar_add_working_days(c, D("2025-10-03"), 1), "2025-10-06");
  CHECK_DAY(tb_calendar_add_working_days(c, D("2025-10-04"), 1), "2025-10-06");
  CHECK_DAY(tb_calendar_add_working_days(c, D("2025-10-06"), 5), "2025-10-13");
  CHECK_DAY(tb_calendar_sub_working_days(c, D("2025-10-06"), 1), "2025-10-03");
  CHECK_DAY(tb_calendar_add_working_days(c, D("2025-10-04"), 0), "2025-10-04");
  TB_CHECK_INT(tb_calendar_count(c), 0);
  /* Far outside the bitmap the plain week still holds. */
  TB_CHECK(tb_calendar_is_working_day(c, D("1900-01-01") - 4));   /* Thu */
  TB_CHECK(!tb_calendar_is_working_day(c, D("1900-01-01") - 1));  /* Sun */
  TB_CHECK(!tb_calendar_is_working_day(c, D("2199-12-31") + 5));  /* Sun */
  TB_CHECK(tb_calendar_is_working_day(c, D("2199-12-31") + 70));  /* Tue */
  TB_CHECK(!tb_calendar_is_working_day(c, D("2199-12-31") + 75)); /* Sun */
  TB_CHECK_INT(tb_calendar_count_working_days(c, 0, 7000), 5000);
  tb_calendar_free(c);
  tb_calendar_free(NULL);
}

/* Every day the two notices change, counted: 2025 has 18 weekdays off and
 * 5 weekend days worked (元旦 1, 春节 6+2, 清明 1, 劳动节 3+1, 端午 1,
 * 国庆中秋 6+2); 2026 has 19 and 6 (元旦 2+1, 春节 6+2, 清明 1, 劳动节
 * 3+1, 端午 1, 中秋 1, 国庆 5+2). A line lost or added in the files fails. */
static void shipped_files_complete(void) {
  tb_calendar *c = china();
  int holidays[2] = {0}, workdays[2] = {0};
  for (size_t i = 0; i < tb_calendar_count(c); i++) {
    tb_day d;
    tb_day_kind k;
    tb_calendar_get(c, i, &d, &k);
    int y, m, dd;
    tb_date_to_ymd(d, &y, &m, &dd);
    TB_CHECK(y == 2025 || y == 2026);
    if (y == 2025 || y == 2026)
      (k == TB_DAY_HOLIDAY ? holidays : workdays)[y - 2025]++;
  }
  TB_CHECK_INT(holidays[0], 18);
  TB_CHECK_INT(workdays[0], 5);
  TB_CHECK_INT(holidays[1], 19);
  TB_CHECK_INT(workdays[1], 6);
  tb_calendar_free(c);
}

/* 2026 国庆节 (Oct 1-7 off, Sep 20 and Oct 10 worked) and 春节 (Feb 15-23
 * off, Feb 14 and 28 worked), from the shipped file. */
static void china_2026_from_shipped_data(void) {
  tb_calendar *c = china();
  /* accepted Wednesday Sep 30: five working days are Oct 8, 9, 10 (the
   * worked Saturday), 12 and 13 */
  CHECK_DAY(tb_calendar_add_working_days(c, D("2026-09-30"), 5), "2026-10-13");
  CHECK_DAY(tb_calendar_add_working_days(c, D("2026-09-18"), 1), "2026-09-20");
  TB_CHECK(!tb_calendar_is_working_day(c, D("2026-09-25"))); /* 中秋节 */
  CHECK_DAY(tb_calendar_add_working_days(c, D("2026-02-13"), 1), "2026-02-14");
  CHECK_DAY(tb_calendar_add_working_days(c, D("2026-02-13"), 2), "2026-02-24");
  CHECK_DAY(tb_calendar_add_working_days(c, D("2026-02-27"), 1), "2026-02-28");
  TB_CHECK(tb_calendar_is_working_day(c, D("2026-01-04")));
  TB_CHECK(!tb_calendar_is_working_day(c, D("2026-01-02")));
  /* a statutory 20 working days from Sep 28 crosses the whole holiday */
  CHECK_DAY(tb_calendar_add_working_days(c, D("2026-09-28"), 20), "2026-10-30");
  tb_calendar_free(c);
}

static void china_2025_national_day(void) {
  tb_calendar *c = china();
  /* Oct 1-8 off; Sep 28 (Sun) and Oct 11 (Sat) worked. */
  TB_CHECK(tb_calendar_is_working_day(c, D("2025-09-28")));
  for (tb_day d = D("2025-10-01"); d <= D("2025-10-08"); d++)
    TB_CHECKF(!tb_calendar_is_working_day(c, d), "day %d", (int)d);
  TB_CHECK(tb_calendar_is_working_day(c, D("2025-10-09")));
  TB_CHECK(tb_calendar_is_working_day(c, D("2025-10-10")));
  TB_CHECK(tb_calendar_is_working_day(c, D("2025-10-11")));
  TB_CHECK(!tb_calendar_is_working_day(c, D("2025-10-12")));
  CHECK_DAY(tb_calendar_add_working_days(c, D("2025-09-26"), 1), "2025-09-28");
  CHECK_DAY(tb_calendar_add_working_days(c, D("2025-09-30"), 1), "2025-10-09");
  CHECK_DAY(tb_calendar_add_working_days(c, D("2025-09-30"), 3), "2025-10-11");
  CHECK_DAY(tb_calendar_add_working_days(c, D("2025-10-03"), 1), "2025-10-09");
  CHECK_DAY(tb_calendar_sub_working_days(c, D("2025-10-09"), 1), "2025-09-30");
  CHECK_DAY(tb_calendar_sub_working_days(c, D("2025-09-29"), 1), "2025-09-28");
  CHECK_DAY(tb_calendar_sub_working_days(c, D("2025-09-28"), 1), "2025-09-26");
  TB_CHECK_INT(
      tb_calendar_count_working_days(c, D("2025-09-30"), D("2025-10-08")), 0);
  TB_CHECK_INT(
      tb_calendar_count_working_days(c, D("2025-09-26"), D("2025-10-12")), 6);
  tb_calendar_free(c);
}

static void china_2025_spring_festival(void) {
  tb_calendar *c = china();
  /* Accepted Friday Jan 24; 20 working days, counting from the next day:
   * Jan 26 (worked Sunday), Jan 27, then Feb 5 onwards with Feb 8. */
  CHECK_DAY(tb_calendar_add_working_days(c, D("2025-01-24"), 20), "2025-02-27");
  CHECK_DAY(tb_calendar_add_working_days(c, D("2025-01-24"), 2), "2025-01-27");
  CHECK_DAY(tb_calendar_add_working_days(c, D("2025-01-24"), 3), "2025-02-05");
  CHECK_DAY(tb_calendar_add_working_days(c, D("2025-02-07"), 1), "2025-02-08");
  TB_CHECK(!tb_calendar_is_working_day(c, D("2025-01-25")));
  TB_CHECK(!tb_calendar_is_working_day(c, D("2025-02-09")));
  tb_calendar_free(c);
}

static void china_year_end_2025_2026(void) {
  tb_calendar *c = china();
  /* 2026 元旦: Jan 1 (Thu) - 3 (Sat) off, Jan 4 (Sun) worked. */
  CHECK_DAY(tb_calendar_add_working_days(c, D("2025-12-31"), 1), "2026-01-04");
  CHECK_DAY(tb_calendar_add_working_days(c, D("2025-12-30"), 2), "2026-01-04");
  CHECK_DAY(tb_calendar_add_working_days(c, D("2025-12-26"), 5), "2026-01-05");
  CHECK_DAY(tb_calendar_sub_working_days(c, D("2026-01-05"), 1), "2026-01-04");
  CHECK_DAY(tb_calendar_sub_working_days(c, D("2026-01-04"), 1), "2025-12-31");
  CHECK_DAY(tb_calendar_sub_working_days(c, D("2026-01-04"), 3), "2025-12-29");
  TB_CHECK_INT(
      tb_calendar_count_working_days(c, D("2025-12-31"), D("2026-01-05")), 2);
  /* 2025 元旦 on a Wednesday, nothing adjusted. */
  CHECK_DAY(tb_calendar_add_working_days(c, D("2024-12-31"), 1), "2025-01-02");
  /* Both years have 248 working days. */
  TB_CHECK_INT(
      tb_calendar_count_working_days(c, D("2024-12-31"), D("2025-12-31")), 248);
  TB_CHECK_INT(
      tb_calendar_count_working_days(c, D("2025-12-31"), D("2026-12-31")), 248);
  /* A plain calendar across a year end. */
  tb_calendar *plain = tb_calendar_new(CST);
  CHECK_DAY(tb_calendar_add_working_days(plain, D("2024-12-27"), 1),
            "2024-12-30");
  CHECK_DAY(tb_calendar_add_working_days(plain, D("2025-12-31"), 1),
            "2026-01-01");
  tb_calendar_free(plain);
  tb_calendar_free(c);
}

static void holidays_next_to_weekends(void) {
  tb_calendar *c = china();
  /* 2026 清明节 Sat Apr 4 - Mon Apr 6: only the Monday is listed. */
  CHECK_DAY(tb_calendar_add_working_days(c, D("2026-04-03"), 1), "2026-04-07");
  /* 2026 端午节 Fri Jun 19 - Sun Jun 21. */
  CHECK_DAY(tb_calendar_add_working_days(c, D("2026-06-18"), 1), "2026-06-22");
  CHECK_DAY(tb_calendar_sub_working_days(c, D("2026-06-22"), 1), "2026-06-18");
  /* 2026 中秋节 Fri Sep 25 with Sep 20 (Sun) worked before 国庆节. */
  CHECK_DAY(tb_calendar_add_working_days(c, D("2026-09-18"), 1), "2026-09-20");
  CHECK_DAY(tb_calendar_add_working_days(c, D("2026-09-24"), 1), "2026-09-28");
  CHECK_DAY(tb_calendar_add_working_days(c, D("2026-09-30"), 1), "2026-10-08");
  CHECK_DAY(tb_calendar_add_working_days(c, D("2026-10-09"), 1), "2026-10-10");
  /* 2026 春节 Feb 15 - 23, Feb 14 (Sat) and Feb 28 (Sat) worked. */
  CHECK_DAY(tb_calendar_add_working_days(c, D("2026-02-13"), 1), "2026-02-14");
  CHECK_DAY(tb_calendar_add_working_days(c, D("2026-02-13"), 2), "2026-02-24");
  CHECK_DAY(tb_calendar_add_working_days(c, D("2026-02-13"), 10), "2026-03-05");
  tb_calendar_free(c);
}

/* Paused time (art. 45): the deadline moves by the working days paused. */
static void paused_time(void) {
  tb_calendar *c = china();
  tb_day accepted = D("2025-09-26");
  tb_day deadline = tb_calendar_add_working_days(c, accepted, 5);
  CHECK_DAY(deadline, "2025-10-10");
  /* Paused from Sep 29 to Oct 9: Sep 30 and Oct 9 do not count. */
  int paused =
      tb_calendar_count_working_days(c, D("2025-09-29"), D("2025-10-09"));
  TB_CHECK_INT(paused, 2);
  CHECK_DAY(tb_calendar_add_working_days(c, deadline, paused), "2025-10-13");
  /* Paused over the whole holiday only: nothing is lost. */
  TB_CHECK_INT(
      tb_calendar_count_working_days(c, D("2025-09-30"), D("2025-10-08")), 0);
  TB_CHECK_INT(
      tb_calendar_count_working_days(c, D("2025-10-08"), D("2025-09-30")), 0);
  TB_CHECK_INT(
      tb_calendar_count_working_days(c, D("2025-10-08"), D("2025-10-08")), 0);
  tb_calendar_free(c);
}

/* A slow, obviously right reference: the exception list and the week. */
static bool ref_working(const tb_calendar *c, tb_day d) {
  size_t n = tb_calendar_count(c);
  for (size_t i = 0; i < n; i++) {
    tb_day e;
    tb_day_kind k;
    tb_calendar_get(c, i, &e, &k);
    if (e == d)
      return k == TB_DAY_WORKDAY;
  }
  return tb_date_weekday(d) <= 5;
}

static tb_day ref_add(const tb_calendar *c, tb_day d, int n) {
  while (n > 0)
    if (ref_working(c, ++d))
      n--;
  while (n < 0)
    if (ref_working(c, --d))
      n++;
  return d;
}

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;

static uint32_t rng(uint32_t bound) {
  return tb_test_rng(&rng_state, bound);
}

/* Exceptions at the edges of the bitmap, and in between. */
static tb_calendar *edge_calendar(void) {
  tb_calendar *c = china();
  TB_CHECK_INT(tb_calendar_set(c, D("1900-01-01"), TB_DAY_HOLIDAY), TB_OK);
  TB_CHECK_INT(tb_calendar_set(c, D("1900-01-06"), TB_DAY_WORKDAY), TB_OK);
  TB_CHECK_INT(tb_calendar_set(c, D("2199-12-31"), TB_DAY_HOLIDAY), TB_OK);
  TB_CHECK_INT(tb_calendar_set(c, D("2199-12-28"), TB_DAY_WORKDAY), TB_OK);
  TB_CHECK_INT(tb_calendar_set(c, D("2049-10-01"), TB_DAY_HOLIDAY), TB_OK);
  return c;
}

static void against_reference(void) {
  tb_calendar *c = edge_calendar();
  const tb_day anchors[] = {
      D("1900-01-01") - 12, D("1900-01-01"),     D("1900-01-07"),
      D("2025-01-20"),      D("2025-09-25"),     D("2025-12-25"),
      D("2049-09-28"),      D("2199-12-20"),     D("2199-12-31"),
      D("2199-12-31") + 10, D("2199-12-31") + 60};
  int failures = 0;
  for (size_t a = 0; a < sizeof anchors / sizeof anchors[0]; a++) {
    tb_day base = anchors[a];
    for (int k = -40; k <= 40; k++) {
      tb_day d = base + k;
      if (tb_calendar_is_working_day(c, d) != ref_working(c, d))
        failures++;
      for (int n = -25; n <= 25; n++)
        if (tb_calendar_add_working_days(c, d, n) != ref_add(c, d, n))
          failures++;
    }
  }
  TB_CHECK_INT(failures, 0);
  tb_calendar_free(c);
}

static void add_sub_round_trips(void) {
  tb_calendar *c = edge_calendar();
  int failures = 0;
  for (int i = 0; i < 20000; i++) {
    tb_day d = D("1900-01-01") - 214 + (tb_day)rng(110500);
    int n = (int)rng(400);
    tb_day e = tb_calendar_add_working_days(c, d, n);
    if (tb_calendar_count_working_days(c, d, e) != n)
      failures++;
    if (n > 0 && !tb_calendar_is_working_day(c, e))
      failures++;
    if (n > 0 && tb_calendar_is_working_day(c, d) &&
        tb_calendar_sub_working_days(c, e, n) != d)
      failures++;
    if (tb_calendar_add_working_days(c, d, -n) !=
        tb_calendar_sub_working_days(c, d, n))
      failures++;
  }
  TB_CHECK_INT(failures, 0);
  /* Long spans cross the bitmap's ends (from a Monday in 1850). */
  tb_day from = D("1900-01-01") - 7 * 2609;
  tb_day e = tb_calendar_add_working_days(c, from, 100000);
  TB_CHECK_INT(tb_calendar_count_working_days(c, from, e), 100000);
  TB_CHECK_INT(tb_calendar_sub_working_days(c, e, 100000), from);
  /* Absurd inputs stay defined. */
  TB_CHECK(tb_calendar_add_working_days(c, 0, INT_MAX) > 0);
  TB_CHECK(tb_calendar_sub_working_days(c, 0, INT_MAX) < 0);
  TB_CHECK(tb_calendar_sub_working_days(c, 0, INT_MIN) > 0);
  TB_CHECK_INT(tb_calendar_add_working_days(c, INT32_MAX, 10), INT32_MAX);
  TB_CHECK_INT(tb_calendar_sub_working_days(c, INT32_MIN, 10), INT32_MIN);
  TB_CHECK(tb_calendar_count_working_days(c, INT32_MIN, INT32_MAX) > 0);
  tb_calendar_free(c);
}

/* ------------------------------------------------------------------------
 * Time zones
 * ---------------------------------------------------------------------- */

static void day_of_and_start_of(void) {
  tb_calendar *c = tb_calendar_new(CST);
  /* 2025-10-01 00:00 in Beijing is 2025-09-30 16:00 UTC. */
  int64_t midnight = 1759248000;
  TB_CHECK_INT(tb_calendar_start_of(c, D("2025-10-01")), midnight);
  TB_CHECK_INT(tb_calendar_day_of(c, midnight), D("2025-10-01"));
  TB_CHECK_INT(tb_calendar_day_of(c, midnight - 1), D("2025-09-30"));
  TB_CHECK_INT(tb_calendar_day_of(c, midnight + 86399), D("2025-10-01"));
  TB_CHECK_INT(tb_calendar_day_of(c, midnight + 86400), D("2025-10-02"));
  /* Before 1970: floor division, not truncation. */
  TB_CHECK_INT(tb_calendar_day_of(c, -1), 0);
  TB_CHECK_INT(tb_calendar_day_of(c, -28800), 0);
  TB_CHECK_INT(tb_calendar_day_of(c, -28801), -1);
  TB_CHECK_INT(tb_calendar_start_of(c, 0), -28800);
  TB_CHECK_INT(tb_calendar_start_of(c, D("1949-10-01")),
               (int64_t)D("1949-10-01") * 86400 - 28800);
  int failures = 0;
  for (tb_day d = D("1900-01-01"); d <= D("2199-12-31"); d += 17) {
    int64_t t = tb_calendar_start_of(c, d);
    if (tb_calendar_day_of(c, t) != d || tb_calendar_day_of(c, t - 1) != d - 1)
      failures++;
  }
  TB_CHECK_INT(failures, 0);
  /* Saturates at the far ends of time instead of overflowing. */
  TB_CHECK_INT(tb_calendar_day_of(c, INT64_MAX), INT32_MAX);
  TB_CHECK_INT(tb_calendar_day_of(c, INT64_MIN), INT32_MIN);
  tb_calendar_free(c);

  tb_calendar *utc = tb_calendar_new(0);
  TB_CHECK_INT(tb_calendar_day_of(utc, -1), -1);
  TB_CHECK_INT(tb_calendar_day_of(utc, -86400), -1);
  TB_CHECK_INT(tb_calendar_day_of(utc, -86401), -2);
  TB_CHECK_INT(tb_calendar_day_of(utc, 0), 0);
  tb_calendar_free(utc);

  tb_calendar *west = tb_calendar_new(-5 * 3600);
  TB_CHECK_INT(tb_calendar_start_of(west, 0), 18000);
  TB_CHECK_INT(tb_calendar_day_of(west, 17999), -1);
  TB_CHECK_INT(tb_calendar_day_of(west, 18000), 0);
  TB_CHECK_INT(tb_calendar_day_of(west, INT64_MIN), INT32_MIN);
  tb_calendar_free(west);

  /* A NULL calendar is the plain week in China Standard Time. */
  TB_CHECK_INT(tb_calendar_day_of(NULL, midnight), D("2025-10-01"));
  TB_CHECK(tb_calendar_is_working_day(NULL, D("2025-10-01")));
  CHECK_DAY(tb_calendar_add_working_days(NULL, D("2025-10-03"), 1),
            "2025-10-06");
}

/* ------------------------------------------------------------------------
 * Exceptions and the text format
 * ---------------------------------------------------------------------- */

static void set_and_list(void) {
  tb_calendar *c = tb_calendar_new(CST);
  TB_CHECK_INT(tb_calendar_set(c, D("2025-10-08"), TB_DAY_HOLIDAY), TB_OK);
  TB_CHECK_INT(tb_calendar_set(c, D("2025-09-28"), TB_DAY_WORKDAY), TB_OK);
  TB_CHECK_INT(tb_calendar_set(c, D("2025-10-01"), TB_DAY_HOLIDAY), TB_OK);
  TB_CHECK_INT(tb_calendar_set(c, D("2025-10-01"), TB_DAY_HOLIDAY), TB_OK);
  TB_CHECK_INT(tb_calendar_count(c), 3);
  tb_day d;
  tb_day_kind k;
  tb_calendar_get(c, 0, &d, &k);
  CHECK_DAY(d, "2025-09-28");
  TB_CHECK_INT(k, TB_DAY_WORKDAY);
  tb_calendar_get(c, 1, &d, &k);
  CHECK_DAY(d, "2025-10-01");
  TB_CHECK_INT(k, TB_DAY_HOLIDAY);
  tb_calendar_get(c, 2, &d, &k);
  CHECK_DAY(d, "2025-10-08");
  TB_CHECK_INT(k, TB_DAY_HOLIDAY);
  /* Refused: pointless or impossible marks. */
  TB_CHECK_INT(tb_calendar_set(c, D("2025-10-04"), TB_DAY_HOLIDAY),
               TB_ERR_INVALID);
  TB_CHECK_INT(tb_calendar_set(c, D("2025-10-09"), TB_DAY_WORKDAY),
               TB_ERR_INVALID);
  TB_CHECK_INT(tb_calendar_set(c, D("2025-10-01"), TB_DAY_WORKDAY),
               TB_ERR_INVALID);
  TB_CHECK_INT(tb_calendar_set(c, D("2025-10-09"), (tb_day_kind)7),
               TB_ERR_INVALID);
  TB_CHECK_INT(tb_calendar_set(c, D("1900-01-01") - 3, TB_DAY_HOLIDAY),
               TB_ERR_INVALID);
  TB_CHECK_INT(tb_calendar_set(c, D("2199-12-31") + 1, TB_DAY_HOLIDAY),
               TB_ERR_INVALID);
  TB_CHECK_INT(tb_calendar_set(NULL, D("2025-10-09"), TB_DAY_HOLIDAY),
               TB_ERR_INVALID);
  TB_CHECK_INT(tb_calendar_count(c), 3);
  /* Out of range reads are harmless. */
  tb_calendar_get(c, 99, &d, &k);
  TB_CHECK_INT(d, 0);
  /* Parsed lines add to what was set. */
  tb_problem p = {0};
  const char *more = "2025-10-02 holiday\n";
  TB_CHECK_INT(tb_calendar_parse(c, more, strlen(more), &p), TB_OK);
  TB_CHECK_INT(tb_calendar_count(c), 4);
  tb_calendar_get(c, 2, &d, &k);
  CHECK_DAY(d, "2025-10-02");
  tb_calendar_free(c);
}

static void parse_the_schedule(void) {
  tb_calendar *c = china();
  TB_CHECK_INT(tb_calendar_count(c), 48);
  tb_day prev = INT32_MIN;
  for (size_t i = 0; i < tb_calendar_count(c); i++) {
    tb_day d;
    tb_day_kind k;
    tb_calendar_get(c, i, &d, &k);
    TB_CHECK(d > prev);
    TB_CHECK_INT(k, tb_date_weekday(d) >= 6 ? TB_DAY_WORKDAY : TB_DAY_HOLIDAY);
    prev = d;
  }
  tb_calendar_free(c);
}

static void parse_tolerates(void) {
  static const char text[] = "\xef\xbb\xbf# with a byte order mark\r\n"
                             "\r\n"
                             "   \t\n"
                             "  2025-10-01\tholiday   国庆节 National Day\r\n"
                             "2025-10-02 holiday # with a hash\n"
                             "\t# indented comment\n"
                             "2025-09-28 workday";
  tb_calendar *c = tb_calendar_new(CST);
  tb_problem p = {0};
  TB_CHECKF(tb_calendar_parse(c, text, sizeof text - 1, &p) == TB_OK, "%s",
            p.detail);
  TB_CHECK_INT(tb_calendar_count(c), 3);
  TB_CHECK(!tb_calendar_is_working_day(c, D("2025-10-01")));
  TB_CHECK(tb_calendar_is_working_day(c, D("2025-09-28")));
  TB_CHECK_INT(tb_calendar_parse(c, "", 0, &p), TB_OK);
  TB_CHECK_INT(tb_calendar_parse(c, NULL, 0, &p), TB_OK);
  TB_CHECK_INT(tb_calendar_count(c), 3);
  tb_calendar_free(c);
}

typedef struct {
  const char *text;
  size_t len; /* 0: strlen */
  tb_status status;
  const char *detail; /* a prefix of the expected detail */
} parse_case;

static const parse_case parse_errors[] = {
    {"2025-10-01 holiday\n2025-10-02 holiday\n2025-02-30 holiday\n", 0,
     TB_ERR_INVALID, "line 3: 2025-02-30 is not a real date"},
    {"# one\n2025-10-01 vacation\n", 0, TB_ERR_INVALID,
     "line 2: unknown kind 'vacation'"},
    {"2025-10-01 Holiday\n", 0, TB_ERR_INVALID,
     "line 1: unknown kind 'Holiday'"},
    {"2025-10-01 假日\n", 0, TB_ERR_INVALID, "line 1: unknown kind"},
    {"2025-10-01\n", 0, TB_ERR_INVALID,
     "line 1: the date must be followed by holiday or workday"},
    {"2025-10-01 holiday\n\n2025-10-04 holiday\n", 0, TB_ERR_INVALID,
     "line 3: 2025-10-04 is a saturday, not a working day anyway"},
    {"2025-10-09 workday\n", 0, TB_ERR_INVALID,
     "line 1: 2025-10-09 is a thursday, a working day anyway"},
    {"2025-10-01 holiday\n2025-10-01 holiday\n", 0, TB_ERR_INVALID,
     "line 2: 2025-10-01 is listed twice"},
    {"2025/10/01 holiday\n", 0, TB_ERR_INVALID,
     "line 1: '2025/10/01' is not a date"},
    {"国庆 holiday\n", 0, TB_ERR_INVALID,
     "line 1: expected a date (YYYY-MM-DD) first"},
    {"2300-01-02 holiday\n", 0, TB_ERR_INVALID,
     "line 1: year 2300 is outside 1900..2199"},
    {"2025-10-01 holiday\n2025-10-02 holiday \xff\n", 0, TB_ERR_INVALID,
     "line 2: is not valid utf-8"},
    {"2025-10-01 holiday \xc0\xaf\n", 0, TB_ERR_INVALID,
     "line 1: is not valid utf-8"},
    {"2025-10-01 holiday \xed\xa0\x80\n", 0, TB_ERR_INVALID,
     "line 1: is not valid utf-8"},
    {"2025-10-01 holiday \xe5\x9b", 0, TB_ERR_INVALID,
     "line 1: is not valid utf-8"},
    {"2025-10-01 holiday\n2025-10-02 holiday\0x\n", 39, TB_ERR_INVALID,
     "line 2: contains a nul byte"},
    {"2025-10-01 holiday\r2025-10-02 holiday\n", 0, TB_ERR_INVALID,
     "line 1: contains a control character"},
    {"2025-10-01 holiday \x1b[31m\n", 0, TB_ERR_INVALID,
     "line 1: contains a control character"},
};

static void parse_errors_name_the_line(void) {
  for (size_t i = 0; i < sizeof parse_errors / sizeof parse_errors[0]; i++) {
    const parse_case *pc = &parse_errors[i];
    tb_calendar *c = tb_calendar_new(CST);
    tb_calendar_set(c, D("2025-05-01"), TB_DAY_HOLIDAY);
    tb_problem p = {0};
    size_t len = pc->len ? pc->len : strlen(pc->text);
    tb_status st = tb_calendar_parse(c, pc->text, len, &p);
    TB_CHECKF(st == pc->status, "case %zu: status %s", i, tb_status_code(st));
    TB_CHECKF(strncmp(p.detail, pc->detail, strlen(pc->detail)) == 0,
              "case %zu: detail \"%s\"", i, p.detail);
    TB_CHECKF(p.detail[0] && p.detail[strlen(p.detail) - 1] != '.',
              "case %zu: trailing period", i);
    /* All or nothing: the good lines before the bad one were not applied. */
    TB_CHECKF(tb_calendar_count(c) == 1, "case %zu: count %zu", i,
              tb_calendar_count(c));
    TB_CHECK(tb_calendar_is_working_day(c, D("2025-10-01")));
    TB_CHECK(!tb_calendar_is_working_day(c, D("2025-05-01")));
    tb_calendar_free(c);
  }
}

static void parse_limits(void) {
  tb_calendar *c = tb_calendar_new(CST);
  tb_problem p = {0};
  /* A line of 256 bytes is fine, 257 is not. */
  char line[300];
  memset(line, 'a', sizeof line);
  memcpy(line, "2025-10-01 holiday ", 19);
  TB_CHECK_INT(tb_calendar_parse(c, line, 256, &p), TB_OK);
  TB_CHECK_INT(tb_calendar_parse(c, line, 257, &p), TB_ERR_LIMIT);
  TB_CHECKF(strncmp(p.detail, "line 1: longer than 256 bytes", 29) == 0, "%s",
            p.detail);
  /* Over 1 MiB is refused before anything is read. */
  size_t big = (1u << 20) + 1;
  char *text = malloc(big);
  TB_CHECK(text != NULL);
  if (text) {
    memset(text, '\n', big);
    TB_CHECK_INT(tb_calendar_parse(c, text, big, &p), TB_ERR_LIMIT);
    TB_CHECK_STR(p.detail, "calendar text is larger than 1 MiB");
    /* Exactly 1 MiB of blank lines is fine. */
    TB_CHECK_INT(tb_calendar_parse(c, text, big - 1, &p), TB_OK);
    free(text);
  }
  TB_CHECK_INT(tb_calendar_parse(NULL, "", 0, &p), TB_ERR_INVALID);
  TB_CHECK_INT(tb_calendar_parse(c, NULL, 5, &p), TB_ERR_INVALID);
  TB_CHECK_INT(tb_calendar_parse(c, "2025-10-01 x", 12, NULL), TB_ERR_INVALID);
  TB_CHECK_INT(tb_calendar_count(c), 1);
  tb_calendar_free(c);
}

/* A stored calendar reloads to the same one: the round trip the store and
 * `tongban calendar load` rely on. */
static void store_round_trip(void) {
  tb_calendar *a = china();
  tb_calendar *b = tb_calendar_new(CST);
  for (size_t i = 0; i < tb_calendar_count(a); i++) {
    tb_day d;
    tb_day_kind k;
    tb_calendar_get(a, i, &d, &k);
    TB_CHECK_INT(tb_calendar_set(b, d, k), TB_OK);
  }
  int failures = 0;
  for (tb_day d = D("2024-06-01"); d <= D("2027-06-01"); d++)
    if (tb_calendar_is_working_day(a, d) != tb_calendar_is_working_day(b, d) ||
        tb_calendar_add_working_days(a, d, 20) !=
            tb_calendar_add_working_days(b, d, 20))
      failures++;
  TB_CHECK_INT(failures, 0);
  tb_calendar_free(a);
  tb_calendar_free(b);
}

int main(int argc, char **argv) {
  if (argc > 1)
    calendar_dir = argv[1];
  TB_RUN(shipped_files_complete);
  TB_RUN(china_2026_from_shipped_data);
  TB_RUN(dates_known_days);
  TB_RUN(dates_add_months);
  TB_RUN(dates_every_day_round_trips);
  TB_RUN(dates_hostile_text);
  TB_RUN(plain_week);
  TB_RUN(china_2025_national_day);
  TB_RUN(china_2025_spring_festival);
  TB_RUN(china_year_end_2025_2026);
  TB_RUN(holidays_next_to_weekends);
  TB_RUN(paused_time);
  TB_RUN(against_reference);
  TB_RUN(add_sub_round_trips);
  TB_RUN(day_of_and_start_of);
  TB_RUN(set_and_list);
  TB_RUN(parse_the_schedule);
  TB_RUN(parse_tolerates);
  TB_RUN(parse_errors_name_the_line);
  TB_RUN(parse_limits);
  TB_RUN(store_round_trip);
  return tb_test_done();
}
