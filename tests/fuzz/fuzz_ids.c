/*
 * fuzz_ids.c — libFuzzer target for the one number and tongban's own
 * numbers: citizen IDs, credit codes, application numbers and license ids
 * checked from arbitrary bytes. A check that accepts must accept the same
 * bytes again, and a license id it accepts must carry its own check
 * character.
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iengine \
 *     engine/tb_*.c tests/fuzz/fuzz_ids.c -o fuzz_ids -lm
 */
#include "tb_engine.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  tb_problem p;
  tb_day today;
  tb_date_from_ymd(2026, 11, 21, &today);
  if (tb_id_check_citizen(s, size, today, &p) == TB_OK &&
      (size != 18 || tb_id_mod11_2(s, 17) != s[17]))
    abort();
  if (tb_id_check_credit_code(s, size, &p) == TB_OK && size != 18)
    abort();
  if (tb_id_check_app_number(s, size, &p) == TB_OK &&
      ((size != TB_APP_NUMBER_LEN && size != TB_APP_NUMBER_LEN_V1) ||
       tb_id_mod11_2(s, size - 1) != s[size - 1]))
    abort();
  if (tb_id_check_license_id(s, size, &p) == TB_OK) {
    const size_t prefix = strlen("1.2.156.3005.2.");
    if (size <= prefix + 2 ||
        tb_id_mod37_36(s + prefix, size - prefix - 2) != s[size - 1])
      abort();
  }
  (void)tb_id_mod37_36(s, size);
  return 0;
}
