/*
 * fuzz_value.c — libFuzzer target for form values: parse the input as a
 * value of every field type (with and without bounds) and check that what
 * parses also passes tb_value_check, that refusals carry a message in valid
 * UTF-8 naming the field, and that nothing reads outside the input.
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iengine \
 *     engine/tb_*.c tests/fuzz/fuzz_value.c -o fuzz_value -lm
 */
#include "tb_engine.h"

#include <stdlib.h>
#include <string.h>

static const tb_choice choices[] = {
    {"food", "食品"}, {"retail", "零售"}, {"餐饮", "餐饮"}, {"a", "a"}};

static const tb_field fields[] = {
    {.id = "text", .type = TB_FIELD_TEXT},
    {.id = "short",
     .type = TB_FIELD_TEXT,
     .has_min = true,
     .min = 2,
     .has_max = true,
     .max = 10},
    {.id = "number", .type = TB_FIELD_NUMBER},
    {.id = "count",
     .type = TB_FIELD_NUMBER,
     .integer = true,
     .has_min = true,
     .min = 0,
     .has_max = true,
     .max = 100},
    {.id = "money", .type = TB_FIELD_MONEY},
    {.id = "signed", .type = TB_FIELD_MONEY, .has_min = true, .min = -1e300},
    {.id = "bounded",
     .type = TB_FIELD_MONEY,
     .has_min = true,
     .min = 100,
     .has_max = true,
     .max = 1e12},
    {.id = "date", .type = TB_FIELD_DATE},
    {.id = "window",
     .type = TB_FIELD_DATE,
     .has_min = true,
     .min = 10957,
     .has_max = true,
     .max = 22280},
    {.id = "one", .type = TB_FIELD_CHOICE, .choices = choices, .n_choices = 4},
    {.id = "many",
     .type = TB_FIELD_CHOICE,
     .multiple = true,
     .choices = choices,
     .n_choices = 4},
    {.id = "flag", .type = TB_FIELD_BOOLEAN},
    {.id = "holder", .type = TB_FIELD_ID_NUMBER},
};

static bool valid_utf8(const char *s) {
  const unsigned char *u = (const unsigned char *)s;
  while (*u) {
    int n = *u < 0x80             ? 0
            : (*u & 0xE0) == 0xC0 ? 1
            : (*u & 0xF0) == 0xE0 ? 2
            : (*u & 0xF8) == 0xF0 ? 3
                                  : -1;
    if (n < 0 || (n == 1 && *u < 0xC2))
      return false;
    for (int k = 1; k <= n; k++)
      if ((u[k] & 0xC0) != 0x80)
        return false;
    u += n + 1;
  }
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* A private copy, so that the sanitizer sees any read past the end. */
  char *s = malloc(size ? size : 1);
  memcpy(s, data, size);
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    const tb_field *f = &fields[i];
    tb_value v;
    tb_problem p = {0};
    tb_status st = tb_value_parse(f, s, size, 20000, &v, &p);
    if (st == TB_OK) {
      if (v.present != (size > 0))
        abort();
      tb_problem q = {0};
      if (tb_value_check(f, &v, 20000, &q) != TB_OK)
        abort(); /* what parses must pass the check */
    } else {
      if (v.present || p.status != st || strcmp(p.field, f->id) != 0 ||
          !p.detail[0] || !valid_utf8(p.detail))
        abort();
    }
  }
  free(s);
  return 0;
}
