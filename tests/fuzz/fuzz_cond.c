/*
 * fuzz_cond.c — libFuzzer target for the condition language: parse the
 * input against a fixed definition, then evaluate it on a fixed form and
 * analyse it. Checks that every refusal carries a "column N: …" or limit
 * message in valid UTF-8 (it ends up in JSON), that a parsed condition
 * evaluates without touching anything it should not, and that a NEVER or
 * ALWAYS verdict agrees with both fixture forms and comes with a reason.
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iengine \
 *     engine/tb_*.c tests/fuzz/fuzz_cond.c -o fuzz_cond -lm
 */
#include "tb_engine.h"

#include <stdlib.h>
#include <string.h>

static const tb_choice scope_choices[] = {
    {"food", "食品"}, {"retail", "零售"}, {"餐饮", "餐饮"}};
static const tb_choice kind_choices[] = {{"company", "公司"},
                                         {"branch", "分公司"}};

static tb_field fields[] = {
    {.id = "employees",
     .type = TB_FIELD_NUMBER,
     .integer = true,
     .has_min = true,
     .min = 0,
     .has_max = true,
     .max = 100},
    {.id = "capital",
     .type = TB_FIELD_MONEY,
     .has_min = true,
     .min = 0,
     .has_max = true,
     .max = 1e10},
    {.id = "founded",
     .type = TB_FIELD_DATE,
     .has_min = true,
     .min = 10957,
     .has_max = true,
     .max = 22280},
    {.id = "scope",
     .type = TB_FIELD_CHOICE,
     .multiple = true,
     .choices = scope_choices,
     .n_choices = 3},
    {.id = "kind",
     .type = TB_FIELD_CHOICE,
     .choices = kind_choices,
     .n_choices = 2},
    {.id = "name", .type = TB_FIELD_TEXT},
    {.id = "online", .type = TB_FIELD_BOOLEAN},
    {.id = "holder", .type = TB_FIELD_ID_NUMBER},
    {.id = "ratio", .type = TB_FIELD_NUMBER},
    {.id = "balance",
     .type = TB_FIELD_MONEY,
     .has_min = true,
     .min = -10000,
     .has_max = true,
     .max = 10000},
};
#define N_FIELDS (sizeof fields / sizeof fields[0])

static const char *const values[N_FIELDS] = {
    "50",         "1000000.00", "2020-05-01",         "food,餐饮", "company",
    "张三食品店", "true",       "11010519491231002X", "0.5",       "-12.34"};

static tb_definition def = {
    .id = "fuzz", .fields = fields, .n_fields = N_FIELDS};
static tb_form form, empty;

static void setup(void) {
  for (size_t i = 0; i < N_FIELDS; i++)
    if (tb_value_parse(&fields[i], values[i], strlen(values[i]), 0,
                       &form.values[i], NULL) != TB_OK)
      abort();
}

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
  static bool ready;
  if (!ready) {
    setup();
    ready = true;
  }
  tb_arena *a = tb_arena_new();
  const tb_cond *c = NULL;
  tb_problem p = {0};
  tb_status st = tb_cond_parse(a, &def, (const char *)data, size, &c, &p);
  if (st == TB_OK) {
    if (!c)
      abort();
    /* both forms pass the definition's checks (every field is optional
     * and the fixture's values are within the bounds): a verdict must
     * agree with them, and a reason must be valid UTF-8 */
    char why[200];
    tb_cond_verdict v = tb_cond_analyze(c, &def, why, sizeof why);
    bool on_form = tb_cond_eval(c, &form), on_empty = tb_cond_eval(c, &empty);
    if (v == TB_COND_NEVER && (on_form || on_empty))
      abort();
    if (v == TB_COND_ALWAYS && (!on_form || !on_empty))
      abort();
    if ((v == TB_COND_SOMETIMES) != (why[0] == '\0') || !valid_utf8(why))
      abort();
  } else {
    if (c || p.status != st || !p.detail[0] || !valid_utf8(p.detail))
      abort();
    if (st == TB_ERR_INVALID && strncmp(p.detail, "column ", 7) != 0)
      abort();
  }
  tb_arena_free(a);
  return 0;
}
