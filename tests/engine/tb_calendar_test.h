/*
 * tb_calendar_test.h — what the engine's calendar tests share
 * (test_calendar.c, test_card.c): the folder of the shipped schedules
 * (calendar/, the program's argument), dates from text, loading a shipped
 * year, and comparing days as text. Header-only, for tests.
 */
#ifndef TB_CALENDAR_TEST_H
#define TB_CALENDAR_TEST_H

#include "tb_engine.h"
#include "tb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The State Council's schedules as the project ships them (calendar/,
 * loaded by `tongban serve` on its first start). The folder is the
 * program's argument. */
static const char *calendar_dir = "calendar";

/* A date "YYYY-MM-DD" as a day number; a bad one fails the case. */
static inline tb_day D(const char *s) {
  tb_day d = 0;
  if (tb_date_parse(s, strlen(s), &d) != TB_OK) {
    printf("# bad date in test: %s\n", s);
    tb_test_case_failures++;
  }
  return d;
}

/* Load one shipped year into c. */
static inline void load_year(tb_calendar *c, int year) {
  char path[512];
  snprintf(path, sizeof path, "%s/%d.txt", calendar_dir, year);
  size_t len = 0;
  char *text = tb_test_read_file(path, &len);
  TB_CHECKF(text != NULL, "cannot read %s", path);
  if (!text)
    return;
  tb_problem p = {0};
  tb_status st = tb_calendar_parse(c, text, len, &p);
  TB_CHECKF(st == TB_OK, "%s: %s", path, p.detail);
  free(text);
}

/* A day equals the date text want. */
#define CHECK_DAY(got, want)                                                   \
  do {                                                                         \
    char g_[11], w_[11];                                                       \
    tb_date_format((got), g_);                                                 \
    tb_date_format(D(want), w_);                                               \
    TB_CHECK_STR(g_, w_);                                                      \
  } while (0)

#endif /* TB_CALENDAR_TEST_H */
