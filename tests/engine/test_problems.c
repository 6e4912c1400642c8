/*
 * test_problems.c — the registry of problem codes (engine/tb_problems.def):
 * every row is well formed (a unique lower-case code that is its enum
 * name, an HTTP error status, an English and a Chinese description), the
 * look-ups agree with the table, and every engine status maps to a row.
 */
#include "tb_engine.h"
#include "tb_test.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

/* The enum names beside the rows, from the same X-macro. */
static const char *const enum_names[] = {
#define TB_PROBLEM_ROW(name, code, status, en, zh) #name,
#include "tb_problems.def"
#undef TB_PROBLEM_ROW
};

static bool code_is_its_name(const char *code, const char *name) {
  size_t i = 0;
  for (; code[i] && name[i]; i++)
    if (toupper((unsigned char)code[i]) != name[i])
      return false;
  return !code[i] && !name[i];
}

static void codes_unique_and_named(void) {
  TB_CHECK_INT(sizeof enum_names / sizeof enum_names[0], TB_PROBLEM_COUNT);
  for (int i = 0; i < TB_PROBLEM_COUNT; i++) {
    const char *code = tb_problem_info_of((tb_problem_code)i)->code;
    TB_CHECKF(code && islower((unsigned char)code[0]), "row %d", i);
    TB_CHECKF(strspn(code, "abcdefghijklmnopqrstuvwxyz0123456789_") ==
                  strlen(code),
              "code %s", code);
    TB_CHECKF(code_is_its_name(code, enum_names[i]), "%s is not TB_PROBLEM_%s",
              code, enum_names[i]);
    for (int k = 0; k < i; k++)
      TB_CHECKF(strcmp(code, tb_problem_info_of((tb_problem_code)k)->code),
                "%s twice", code);
  }
}

static void statuses_are_errors(void) {
  for (int i = 0; i < TB_PROBLEM_COUNT; i++) {
    const tb_problem_info *p = tb_problem_info_of((tb_problem_code)i);
    TB_CHECKF(p->http_status >= 400 && p->http_status <= 599, "%s: %d", p->code,
              p->http_status);
  }
}

/* English: lower case, no trailing period, nothing JSON would escape
 * (api_reply.c writes the internal problem by hand). */
static void english_descriptions(void) {
  for (int i = 0; i < TB_PROBLEM_COUNT; i++) {
    const tb_problem_info *p = tb_problem_info_of((tb_problem_code)i);
    size_t n = strlen(p->en);
    TB_CHECKF(n > 0 && islower((unsigned char)p->en[0]), "%s: '%s'", p->code,
              p->en);
    TB_CHECKF(n > 0 && p->en[n - 1] != '.', "%s: trailing period", p->code);
    for (size_t k = 0; k < n; k++)
      TB_CHECKF((unsigned char)p->en[k] >= 0x20 &&
                    (unsigned char)p->en[k] < 0x7F && p->en[k] != '"' &&
                    p->en[k] != '\\',
                "%s: character %zu of '%s'", p->code, k, p->en);
  }
}

/* Chinese: there, and in Chinese (not ASCII), with no full stop at the end
 * (the pages join messages with "；"). */
static void chinese_descriptions(void) {
  static const char full_stop[] = "。";
  for (int i = 0; i < TB_PROBLEM_COUNT; i++) {
    const tb_problem_info *p = tb_problem_info_of((tb_problem_code)i);
    size_t n = strlen(p->zh), wide = 0;
    for (size_t k = 0; k < n; k++)
      wide += (unsigned char)p->zh[k] >= 0x80;
    TB_CHECKF(wide >= n / 2 && wide > 0, "%s: '%s'", p->code, p->zh);
    size_t f = sizeof full_stop - 1;
    TB_CHECKF(n < f || strcmp(p->zh + n - f, full_stop) != 0,
              "%s: trailing full stop", p->code);
  }
}

static void find_by_name(void) {
  for (int i = 0; i < TB_PROBLEM_COUNT; i++) {
    tb_problem_code c = TB_PROBLEM_COUNT;
    const char *code = tb_problem_info_of((tb_problem_code)i)->code;
    TB_CHECKF(tb_problem_code_find(code, &c) && c == (tb_problem_code)i, "%s",
              code);
  }
  tb_problem_code c = TB_PROBLEM_NOT_FOUND;
  TB_CHECK(!tb_problem_code_find("invalid", &c)); /* merged: invalid_request */
  TB_CHECK(!tb_problem_code_find("", &c));
  TB_CHECK(!tb_problem_code_find(NULL, &c));
  TB_CHECK(c == TB_PROBLEM_NOT_FOUND);
  TB_CHECK_STR(tb_problem_info_of(TB_PROBLEM_COUNT)->code, "internal");
  TB_CHECK_STR(tb_problem_info_of((tb_problem_code)-1)->code, "internal");
}

/* Every engine status that is an error has a row of its own; the two that
 * are not errors have none. */
static void engine_statuses_map(void) {
  static const struct {
    tb_status status;
    const char *code;
    int http;
  } want[] = {
      {TB_ERR_INVALID, "invalid_request", 422},
      {TB_ERR_ILLEGAL_STATE, "illegal_state", 409},
      {TB_ERR_NOT_CLAIMED, "not_claimed", 409},
      {TB_ERR_CLAIMED_BY_OTHER, "claimed_by_other", 409},
      {TB_ERR_WRONG_BUREAU, "wrong_bureau", 403},
      {TB_ERR_MATERIAL, "material", 422},
      {TB_ERR_LIMIT, "limit", 422},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    const tb_problem_info *p =
        tb_problem_info_of(tb_status_problem(want[i].status));
    TB_CHECK_STR(p->code, want[i].code);
    TB_CHECK_INT(p->http_status, want[i].http);
    TB_CHECK_STR(tb_status_code(want[i].status), want[i].code);
  }
  TB_CHECK_INT(tb_status_problem(TB_OK), TB_PROBLEM_INTERNAL);
  TB_CHECK_INT(tb_status_problem(TB_IGNORED), TB_PROBLEM_INTERNAL);
  TB_CHECK_STR(tb_status_code(TB_OK), "ok");
  TB_CHECK_STR(tb_status_code(TB_IGNORED), "ignored");
}

int main(void) {
  TB_RUN(codes_unique_and_named);
  TB_RUN(statuses_are_errors);
  TB_RUN(english_descriptions);
  TB_RUN(chinese_descriptions);
  TB_RUN(find_by_name);
  TB_RUN(engine_statuses_map);
  return tb_test_done();
}
