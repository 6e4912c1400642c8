/*
 * fuzz_calendar.c — libFuzzer target for the calendar text format
 * (`tongban calendar load FILE`): parse the input into a calendar; a
 * refusal must change nothing and name a line; an accepted file must give
 * a calendar whose arithmetic stays consistent.
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iengine \
 *     engine/tb_*.c tests/fuzz/fuzz_calendar.c -o fuzz_calendar -lm
 */
#include "tb_engine.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tb_calendar *c = tb_calendar_new(8 * 3600);
  tb_problem p = {0};
  tb_status rc = tb_calendar_parse(c, (const char *)data, size, &p);
  if (rc != TB_OK) {
    if (tb_calendar_count(c) != 0)
      abort(); /* all or nothing */
    if (rc == TB_ERR_INVALID && strncmp(p.detail, "line ", 5) != 0)
      abort();
  } else {
    tb_day d0;
    tb_date_from_ymd(2025, 1, 1, &d0);
    for (int n = 0; n < 40; n += 7) {
      tb_day d = tb_calendar_add_working_days(c, d0, n);
      if (tb_calendar_count_working_days(c, d0, d) != n)
        abort();
    }
  }
  tb_calendar_free(c);
  return 0;
}
