/*
 * test_form.c — form values: parsing every field type from text (good and
 * hostile input), checking values built directly, and whole-form checks.
 */
#include "tb_engine.h"
#include "tb_test.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum {
  F_NAME,      /* text, 2..10 characters, required */
  F_NOTE,      /* text, no bounds */
  F_EMPLOYEES, /* number, integer, 0..100 */
  F_RATIO,     /* number, -1..1.5 */
  F_CAPITAL,   /* money, 1.00 .. 10000000000.00 yuan */
  F_BALANCE,   /* money, -1000.00 .. 1000.00 yuan */
  F_FOUNDED,   /* date, 2000-01-01 .. 2030-12-31 */
  F_SCOPE,     /* choice, multiple: food, retail, catering, 餐饮 */
  F_KIND,      /* choice, single: company, branch */
  F_ONLINE,    /* boolean */
  F_HOLDER,    /* id-number */
  F_ANY,       /* number, no bounds */
  F_BIG,       /* money, no bounds (no negatives) */
  F_DEBT,      /* money, any sign */
  F_COUNT
};

static const tb_choice scope_choices[] = {
    {"food", "食品销售"},
    {"retail", "零售"},
    {"catering", "餐饮服务"},
    {"餐饮", "餐饮"},
};
static const tb_choice kind_choices[] = {
    {"company", "公司"},
    {"branch", "分公司"},
};

static tb_field fields[F_COUNT] = {
    [F_NAME] = {.id = "name",
                .type = TB_FIELD_TEXT,
                .required = true,
                .has_min = true,
                .min = 2,
                .has_max = true,
                .max = 10},
    [F_NOTE] = {.id = "note", .type = TB_FIELD_TEXT},
    [F_EMPLOYEES] = {.id = "employees",
                     .type = TB_FIELD_NUMBER,
                     .integer = true,
                     .has_min = true,
                     .min = 0,
                     .has_max = true,
                     .max = 100},
    [F_RATIO] = {.id = "ratio",
                 .type = TB_FIELD_NUMBER,
                 .has_min = true,
                 .min = -1,
                 .has_max = true,
                 .max = 1.5},
    [F_CAPITAL] = {.id = "capital",
                   .type = TB_FIELD_MONEY,
                   .has_min = true,
                   .min = 100,
                   .has_max = true,
                   .max = 1e12},
    [F_BALANCE] = {.id = "balance",
                   .type = TB_FIELD_MONEY,
                   .has_min = true,
                   .min = -100000,
                   .has_max = true,
                   .max = 100000},
    [F_FOUNDED] = {.id = "founded",
                   .type = TB_FIELD_DATE,
                   .has_min = true,
                   .has_max = true}, /* bounds set in main */
    [F_SCOPE] = {.id = "scope",
                 .type = TB_FIELD_CHOICE,
                 .multiple = true,
                 .choices = scope_choices,
                 .n_choices = 4},
    [F_KIND] = {.id = "kind",
                .type = TB_FIELD_CHOICE,
                .choices = kind_choices,
                .n_choices = 2},
    [F_ONLINE] = {.id = "online", .type = TB_FIELD_BOOLEAN},
    [F_HOLDER] = {.id = "holder", .type = TB_FIELD_ID_NUMBER},
    [F_ANY] = {.id = "any", .type = TB_FIELD_NUMBER},
    [F_BIG] = {.id = "big", .type = TB_FIELD_MONEY},
    [F_DEBT] = {.id = "debt",
                .type = TB_FIELD_MONEY,
                .has_min = true,
                .min = -1e300},
};

static tb_day day(int y, int m, int d) {
  tb_day out = 0;
  if (tb_date_from_ymd(y, m, d, &out) != TB_OK)
    abort();
  return out;
}

/* A problem must read like a message: lower case first, no final period,
 * and name the field. */
static void check_problem_shape(const tb_problem *p, const char *field,
                                const char *input) {
  size_t n = strlen(p->detail);
  TB_CHECKF(n > 0, "empty detail for '%s'", input);
  if (n) {
    TB_CHECKF(p->detail[n - 1] != '.', "trailing period: %s", p->detail);
    TB_CHECKF(!(p->detail[0] >= 'A' && p->detail[0] <= 'Z'), "upper case: %s",
              p->detail);
  }
  TB_CHECK_STR(p->field, field);
}

/* ---- parse: status and message -------------------------------------- */

typedef struct {
  int field;
  const char *input;
  size_t len; /* 0: strlen(input) */
  tb_status status;
  const char *fragment; /* in the detail when status != TB_OK */
} parse_case;

static const parse_case parse_cases[] = {
    /* text */
    {F_NAME, "张三", 0, TB_OK, NULL},
    {F_NAME, "ab", 0, TB_OK, NULL},
    {F_NAME, "abcdefghij", 0, TB_OK, NULL},
    {F_NAME, "一二三四五六七八九十", 0, TB_OK, NULL},
    {F_NAME, "a", 0, TB_ERR_INVALID, "must be at least 2 characters"},
    {F_NAME, "张", 0, TB_ERR_INVALID, "must be at least 2 characters"},
    {F_NAME, "abcdefghijk", 0, TB_ERR_INVALID, "must be at most 10 characters"},
    {F_NAME, "一二三四五六七八九十一", 0, TB_ERR_INVALID,
     "must be at most 10 characters"},
    {F_NAME, "ab\0cd", 5, TB_ERR_INVALID, "must not contain control"},
    {F_NAME, "a\tb", 0, TB_ERR_INVALID, "must not contain control"},
    {F_NAME, "a\nb", 0, TB_ERR_INVALID, "must not contain control"},
    {F_NAME, "a\rb", 0, TB_ERR_INVALID, "must not contain control"},
    {F_NAME,
     "a\x7f"
     "b",
     0, TB_ERR_INVALID, "must not contain control"},
    {F_NAME,
     "a\xc2\x85"
     "b",
     0, TB_ERR_INVALID, "must not contain control"},
    {F_NAME,
     "a\xff"
     "b",
     0, TB_ERR_INVALID, "must be valid UTF-8"},
    {F_NAME,
     "a\xc0\xaf"
     "b",
     0, TB_ERR_INVALID, "must be valid UTF-8"},
    {F_NAME, "a\xe0\x80\xaf", 0, TB_ERR_INVALID, "must be valid UTF-8"},
    {F_NAME, "a\xed\xa0\x80", 0, TB_ERR_INVALID, "must be valid UTF-8"},
    {F_NAME, "a\xf4\x90\x80\x80", 0, TB_ERR_INVALID, "must be valid UTF-8"},
    {F_NAME, "ab\xe5\xbc", 0, TB_ERR_INVALID, "must be valid UTF-8"},
    {F_NAME, "ab\x80", 0, TB_ERR_INVALID, "must be valid UTF-8"},
    {F_NOTE, "\xf0\x9f\x98\x80 emoji", 0, TB_OK, NULL},
    {F_NOTE, " spaces are fine ", 0, TB_OK, NULL},
    /* number */
    {F_EMPLOYEES, "42", 0, TB_OK, NULL},
    {F_EMPLOYEES, "0", 0, TB_OK, NULL},
    {F_EMPLOYEES, "100", 0, TB_OK, NULL},
    {F_EMPLOYEES, "007", 0, TB_OK, NULL},
    {F_EMPLOYEES, "12.0", 0, TB_OK, NULL},
    {F_EMPLOYEES, "-0", 0, TB_OK, NULL},
    {F_EMPLOYEES, "12.5", 0, TB_ERR_INVALID, "must be a whole number"},
    {F_EMPLOYEES, "101", 0, TB_ERR_INVALID, "must be at most 100"},
    {F_EMPLOYEES, "-1", 0, TB_ERR_INVALID, "must be at least 0"},
    {F_RATIO, "1.5", 0, TB_OK, NULL},
    {F_RATIO, "-1", 0, TB_OK, NULL},
    {F_RATIO, "-0.25", 0, TB_OK, NULL},
    {F_RATIO, "1.51", 0, TB_ERR_INVALID, "must be at most 1.5"},
    {F_RATIO, "-1.01", 0, TB_ERR_INVALID, "must be at least -1"},
    {F_ANY, "123456789012345678901234567890", 0, TB_OK, NULL},
    {F_ANY, "1234567890123456789012345678901", 0, TB_ERR_INVALID,
     "must have at most 30 digits"},
    {F_ANY, "0.00000000000000000000000000001", 0, TB_OK, NULL},
    {F_ANY, "0.000000000000000000000000000001", 0, TB_ERR_INVALID,
     "must have at most 30 digits"},
    {F_ANY, "1e999", 0, TB_ERR_INVALID, "must be a number like 42 or -3.5"},
    {F_ANY, "1E5", 0, TB_ERR_INVALID, "must be a number"},
    {F_ANY, "nan", 0, TB_ERR_INVALID, "must be a number"},
    {F_ANY, "NaN", 0, TB_ERR_INVALID, "must be a number"},
    {F_ANY, "inf", 0, TB_ERR_INVALID, "must be a number"},
    {F_ANY, "-infinity", 0, TB_ERR_INVALID, "must be a number"},
    {F_ANY, "0x10", 0, TB_ERR_INVALID, "must be a number"},
    {F_ANY, "+1", 0, TB_ERR_INVALID, "must be a number"},
    {F_ANY, " 1", 0, TB_ERR_INVALID, "must be a number"},
    {F_ANY, "1 ", 0, TB_ERR_INVALID, "must be a number"},
    {F_ANY, "1.", 0, TB_ERR_INVALID, "must be a number"},
    {F_ANY, ".5", 0, TB_ERR_INVALID, "must be a number"},
    {F_ANY, "-", 0, TB_ERR_INVALID, "must be a number"},
    {F_ANY, "--1", 0, TB_ERR_INVALID, "must be a number"},
    {F_ANY, "1,000", 0, TB_ERR_INVALID, "must be a number"},
    {F_ANY, "1.2.3", 0, TB_ERR_INVALID, "must be a number"},
    {F_ANY, "1\0", 2, TB_ERR_INVALID, "must be a number"},
    {F_ANY, "\xef\xbc\x91", 0, TB_ERR_INVALID, "must be a number"},
    /* money */
    {F_CAPITAL, "1200.50", 0, TB_OK, NULL},
    {F_CAPITAL, "1", 0, TB_OK, NULL},
    {F_CAPITAL, "1.5", 0, TB_OK, NULL},
    {F_CAPITAL, "10000000000.00", 0, TB_OK, NULL},
    {F_CAPITAL, "0.99", 0, TB_ERR_INVALID, "must be at least 1.00 yuan"},
    {F_CAPITAL, "10000000000.01", 0, TB_ERR_INVALID,
     "must be at most 10000000000.00 yuan"},
    {F_CAPITAL, "1.234", 0, TB_ERR_INVALID, "must have at most two decimals"},
    {F_CAPITAL, "-5", 0, TB_ERR_INVALID, "must not be negative"},
    {F_CAPITAL, "+5", 0, TB_ERR_INVALID, "must be an amount in yuan"},
    {F_CAPITAL, "1,000", 0, TB_ERR_INVALID, "must be an amount in yuan"},
    {F_CAPITAL, "¥5", 0, TB_ERR_INVALID, "must be an amount in yuan"},
    {F_CAPITAL, "5.", 0, TB_ERR_INVALID, "must be an amount in yuan"},
    {F_CAPITAL, ".5", 0, TB_ERR_INVALID, "must be an amount in yuan"},
    {F_CAPITAL, "1e3", 0, TB_ERR_INVALID, "must be an amount in yuan"},
    {F_CAPITAL, "nan", 0, TB_ERR_INVALID, "must be an amount in yuan"},
    {F_BALANCE, "-1000", 0, TB_OK, NULL},
    {F_BALANCE, "-1000.01", 0, TB_ERR_INVALID,
     "must be at least -1000.00 yuan"},
    {F_BALANCE, "1000.01", 0, TB_ERR_INVALID, "must be at most 1000.00 yuan"},
    {F_BIG, "92233720368547758.07", 0, TB_OK, NULL},
    {F_BIG, "92233720368547758.08", 0, TB_ERR_INVALID, "is too large"},
    {F_BIG, "92233720368547759", 0, TB_ERR_INVALID, "is too large"},
    {F_BIG, "99999999999999999999999999999999999999", 0, TB_ERR_INVALID,
     "is too large"},
    {F_BIG, "-1", 0, TB_ERR_INVALID, "must not be negative"},
    {F_DEBT, "-92233720368547758.07", 0, TB_OK, NULL},
    {F_DEBT, "-92233720368547758.08", 0, TB_ERR_INVALID, "is too large"},
    /* date */
    {F_FOUNDED, "2026-11-21", 0, TB_OK, NULL},
    {F_FOUNDED, "2000-01-01", 0, TB_OK, NULL},
    {F_FOUNDED, "2030-12-31", 0, TB_OK, NULL},
    {F_FOUNDED, "2024-02-29", 0, TB_OK, NULL},
    {F_FOUNDED, "1999-12-31", 0, TB_ERR_INVALID,
     "must be on or after 2000-01-01"},
    {F_FOUNDED, "2031-01-01", 0, TB_ERR_INVALID,
     "must be on or before 2030-12-31"},
    {F_FOUNDED, "2023-02-29", 0, TB_ERR_INVALID,
     "must be a date like 2026-11-21"},
    {F_FOUNDED, "2026-13-01", 0, TB_ERR_INVALID, "must be a date like"},
    {F_FOUNDED, "2026-11-31", 0, TB_ERR_INVALID, "must be a date like"},
    {F_FOUNDED, "2026-11-00", 0, TB_ERR_INVALID, "must be a date like"},
    {F_FOUNDED, "26-11-21", 0, TB_ERR_INVALID, "must be a date like"},
    {F_FOUNDED, "2026/11/21", 0, TB_ERR_INVALID, "must be a date like"},
    {F_FOUNDED, "2026-11-21 ", 0, TB_ERR_INVALID, "must be a date like"},
    {F_FOUNDED, "2026-1-21", 0, TB_ERR_INVALID, "must be a date like"},
    {F_FOUNDED, "2026-11-2\0", 10, TB_ERR_INVALID, "must be a date like"},
    {F_FOUNDED, "+026-11-21", 0, TB_ERR_INVALID, "must be a date like"},
    /* choice */
    {F_SCOPE, "food", 0, TB_OK, NULL},
    {F_SCOPE, "food,retail,catering,餐饮", 0, TB_OK, NULL},
    {F_SCOPE, "餐饮", 0, TB_OK, NULL},
    {F_SCOPE, "meat", 0, TB_ERR_INVALID,
     "unknown choice 'meat' (allowed: food, retail, catering, 餐饮)"},
    {F_SCOPE, "FOOD", 0, TB_ERR_INVALID, "unknown choice 'FOOD'"},
    {F_SCOPE, "food, retail", 0, TB_ERR_INVALID, "unknown choice ' retail'"},
    {F_SCOPE, "food,food", 0, TB_ERR_INVALID, "must not list 'food' twice"},
    {F_SCOPE, "food,retail,food", 0, TB_ERR_INVALID, "twice"},
    {F_SCOPE, "food,", 0, TB_ERR_INVALID, "must not contain an empty choice"},
    {F_SCOPE, ",food", 0, TB_ERR_INVALID, "empty choice"},
    {F_SCOPE, "food,,retail", 0, TB_ERR_INVALID, "empty choice"},
    {F_SCOPE, ",", 0, TB_ERR_INVALID, "empty choice"},
    {F_SCOPE, "fo\0od", 5, TB_ERR_INVALID, "unknown choice 'fo?od'"},
    {F_SCOPE, "\xff\xfe", 0, TB_ERR_INVALID,
     "unknown choice '?"
     "?'"},
    {F_SCOPE,
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     0, TB_ERR_INVALID, "unknown choice 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'"},
    {F_KIND, "company", 0, TB_OK, NULL},
    {F_KIND, "company,branch", 0, TB_ERR_INVALID, "must be a single choice"},
    {F_KIND, "shop", 0, TB_ERR_INVALID,
     "unknown choice 'shop' (allowed: company, branch)"},
    /* boolean */
    {F_ONLINE, "true", 0, TB_OK, NULL},
    {F_ONLINE, "false", 0, TB_OK, NULL},
    {F_ONLINE, "TRUE", 0, TB_ERR_INVALID, "must be true or false"},
    {F_ONLINE, "1", 0, TB_ERR_INVALID, "must be true or false"},
    {F_ONLINE, "yes", 0, TB_ERR_INVALID, "must be true or false"},
    {F_ONLINE, "true ", 0, TB_ERR_INVALID, "must be true or false"},
    {F_ONLINE, "true\0", 5, TB_ERR_INVALID, "must be true or false"},
    /* id-number: citizen IDs and credit codes */
    {F_HOLDER, "11010519491231002X", 0, TB_OK, NULL},
    {F_HOLDER, "440524198001010013", 0, TB_OK, NULL},
    {F_HOLDER, "91350100M000100Y43", 0, TB_OK, NULL},
    {F_HOLDER, "12100000400012107E", 0, TB_OK, NULL},
    {F_HOLDER, "121000000000000277", 0, TB_OK, NULL}, /* 18 digits */
    {F_HOLDER, "11010519491231002x", 0, TB_ERR_INVALID, "upper-case X"},
    {F_HOLDER, "110105194912310021", 0, TB_ERR_INVALID, "check character"},
    {F_HOLDER, "91350100M000100Y44", 0, TB_ERR_INVALID, "check character"},
    {F_HOLDER, "91350100m000100Y43", 0, TB_ERR_INVALID, "upper case"},
    {F_HOLDER, "11010519491231002", 0, TB_ERR_INVALID, "must be 18 characters"},
    {F_HOLDER, "11010519491231002XX", 0, TB_ERR_INVALID,
     "must be 18 characters"},
    {F_HOLDER,
     "11010519491231\0"
     "02X",
     18, TB_ERR_INVALID, "not allowed"},
};

static void test_parse_table(void) {
  char name[160];
  for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
    const parse_case *c = &parse_cases[i];
    const tb_field *f = &fields[c->field];
    size_t len = c->len ? c->len : strlen(c->input);
    tb_value v;
    tb_problem p = {0};
    memset(&v, 0xAB, sizeof v);
    tb_status st = tb_value_parse(f, c->input, len, 0, &v, &p);
    TB_CHECKF(st == c->status, "%s '%s': status %s, want %s (%s)", f->id,
              c->input, tb_status_code(st), tb_status_code(c->status),
              p.detail);
    if (c->status == TB_OK) {
      TB_CHECKF(v.present, "%s '%s' not present", f->id, c->input);
      tb_problem q = {0};
      TB_CHECKF(tb_value_check(f, &v, 0, &q) == TB_OK,
                "%s '%s' parsed but fails the check: %s", f->id, c->input,
                q.detail);
    } else {
      TB_CHECKF(!v.present, "%s '%s' present after an error", f->id, c->input);
      TB_CHECKF(strstr(p.detail, c->fragment) != NULL,
                "%s '%s': \"%s\" lacks \"%s\"", f->id, c->input, p.detail,
                c->fragment);
      check_problem_shape(&p, f->id, c->input);
    }
    snprintf(name, sizeof name, "parse %s %.*s -> %s", f->id,
             (int)(len < 40 ? len : 40), c->input, tb_status_code(c->status));
    for (char *q = name; *q; q++)
      if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7F || *q == '#')
        *q = '?'; /* keep the TAP line one line */
    tb_test_report(name);
  }
}

/* ---- parse: converted values ------------------------------------------- */

static tb_value parse_ok(int field, const char *s) {
  tb_value v;
  tb_problem p = {0};
  tb_status st = tb_value_parse(&fields[field], s, strlen(s), 0, &v, &p);
  TB_CHECKF(st == TB_OK, "%s '%s': %s", fields[field].id, s, p.detail);
  return v;
}

static void test_values(void) {
  static const struct {
    int field;
    const char *s;
    int64_t fen;
  } money[] = {
      {F_CAPITAL, "1200.50", 120050},
      {F_CAPITAL, "1200.5", 120050},
      {F_CAPITAL, "1200", 120000},
      {F_CAPITAL, "0001.01", 101},
      {F_BALANCE, "0.05", 5},
      {F_BALANCE, "-3.10", -310},
      {F_BALANCE, "-0", 0},
      {F_BIG, "0.29", 29}, /* 0.29 * 100 is 28.999… in floating point */
      {F_BIG, "1.13", 113},
      {F_BIG, "92233720368547758.07", INT64_MAX},
      {F_DEBT, "-92233720368547758.07", -INT64_MAX},
  };
  for (size_t i = 0; i < sizeof money / sizeof money[0]; i++) {
    tb_value v = parse_ok(money[i].field, money[i].s);
    TB_CHECKF(v.money == money[i].fen, "'%s' gave %lld fen", money[i].s,
              (long long)v.money);
  }
  static const struct {
    int field;
    const char *s;
    double x;
  } numbers[] = {
      {F_EMPLOYEES, "42", 42},     {F_EMPLOYEES, "007", 7},
      {F_EMPLOYEES, "12.000", 12}, {F_RATIO, "-0.25", -0.25},
      {F_RATIO, "0.1", 0.1},       {F_ANY, "-123456.789", -123456.789},
  };
  for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
    tb_value v = parse_ok(numbers[i].field, numbers[i].s);
    TB_CHECKF(v.number == numbers[i].x, "'%s' gave %.17g", numbers[i].s,
              v.number);
  }
  tb_value zero = parse_ok(F_EMPLOYEES, "-0");
  TB_CHECK(!signbit(zero.number));

  tb_value d = parse_ok(F_FOUNDED, "2026-11-21");
  TB_CHECK_INT(d.date, day(2026, 11, 21));

  tb_value s = parse_ok(F_SCOPE, "catering,food");
  TB_CHECK_INT(s.choices, 0x5);
  s = parse_ok(F_SCOPE, "餐饮");
  TB_CHECK_INT(s.choices, 0x8);
  tb_value k = parse_ok(F_KIND, "branch");
  TB_CHECK_INT(k.choices, 0x2);

  TB_CHECK(parse_ok(F_ONLINE, "true").boolean);
  TB_CHECK(!parse_ok(F_ONLINE, "false").boolean);

  const char *text = "张三 & co";
  tb_value t = parse_ok(F_NOTE, text);
  TB_CHECK(t.text == text);
  TB_CHECK_INT(t.text_len, strlen(text));
  const char *id = "11010519491231002X";
  tb_value h = parse_ok(F_HOLDER, id);
  TB_CHECK(h.text == id);
  TB_CHECK_INT(h.text_len, 18);
}

static void test_empty_is_absent(void) {
  for (int i = 0; i < F_COUNT; i++) {
    tb_value v;
    tb_problem p = {0};
    memset(&v, 0xAB, sizeof v);
    TB_CHECK_INT(tb_value_parse(&fields[i], "", 0, 0, &v, &p), TB_OK);
    TB_CHECK(!v.present);
    TB_CHECK_INT(tb_value_parse(&fields[i], NULL, 0, 0, &v, &p), TB_OK);
    TB_CHECK(!v.present);
  }
  tb_value v;
  tb_problem p = {0};
  TB_CHECK_INT(tb_value_parse(&fields[F_NOTE], NULL, 3, 0, &v, &p),
               TB_ERR_INVALID);
}

static void test_huge_text(void) {
  size_t n = 400001;
  char *big = malloc(n);
  memset(big, 'a', n);
  tb_value v;
  tb_problem p = {0};
  TB_CHECK_INT(tb_value_parse(&fields[F_NOTE], big, n, 0, &v, &p),
               TB_ERR_INVALID);
  TB_CHECK(strstr(p.detail, "must be at most 400000 bytes") != NULL);
  TB_CHECK_INT(tb_value_parse(&fields[F_NOTE], big, n - 1, 0, &v, &p), TB_OK);
  TB_CHECK_INT(tb_value_parse(&fields[F_NAME], big, n - 1, 0, &v, &p),
               TB_ERR_INVALID);
  TB_CHECK(strstr(p.detail, "at most 10 characters") != NULL);
  /* a million digits of leading zeros: refused quickly, no overflow */
  size_t m = 1000000;
  char *digits = malloc(m);
  memset(digits, '0', m);
  digits[m - 1] = '1';
  TB_CHECK_INT(tb_value_parse(&fields[F_ANY], digits, m, 0, &v, &p),
               TB_ERR_INVALID);
  TB_CHECK(strstr(p.detail, "at most 30 digits") != NULL);
  TB_CHECK_INT(tb_value_parse(&fields[F_BIG], digits, m, 0, &v, &p), TB_OK);
  TB_CHECK_INT(v.money, 100);
  TB_CHECK_INT(tb_value_parse(&fields[F_SCOPE], digits, m, 0, &v, &p),
               TB_ERR_INVALID);
  TB_CHECK(strlen(p.detail) < sizeof p.detail);
  free(digits);
  free(big);
}

static void test_citizen_future_birth(void) {
  tb_value v;
  tb_problem p = {0};
  const char *id = "11010519491231002X";
  TB_CHECK_INT(
      tb_value_parse(&fields[F_HOLDER], id, 18, day(1949, 12, 30), &v, &p),
      TB_ERR_INVALID);
  TB_CHECK_STR(p.field, "holder");
  TB_CHECK(strstr(p.detail, "future") != NULL);
  TB_CHECK_INT(
      tb_value_parse(&fields[F_HOLDER], id, 18, day(2026, 11, 21), &v, &p),
      TB_OK);
}

static void test_null_problem(void) {
  tb_value v;
  TB_CHECK_INT(tb_value_parse(&fields[F_ANY], "x", 1, 0, &v, NULL),
               TB_ERR_INVALID);
  TB_CHECK_INT(tb_value_parse(&fields[F_HOLDER], "x", 1, 0, &v, NULL),
               TB_ERR_INVALID);
  TB_CHECK_INT(
      tb_value_parse(&fields[F_HOLDER], "110105194912310021", 18, 0, &v, NULL),
      TB_ERR_INVALID);
}

/* ---- check: values built directly -------------------------------------- */

typedef struct {
  int field;
  tb_value v;
  tb_status status;
  const char *fragment;
} check_case;

static void test_check_table(void) {
  const check_case cases[] = {
      {F_EMPLOYEES, {.present = false, .number = NAN}, TB_OK, NULL},
      {F_EMPLOYEES, {.present = true, .number = 5}, TB_OK, NULL},
      {F_EMPLOYEES,
       {.present = true, .number = 5.5},
       TB_ERR_INVALID,
       "must be a whole number"},
      {F_EMPLOYEES,
       {.present = true, .number = NAN},
       TB_ERR_INVALID,
       "must be a finite number"},
      {F_ANY,
       {.present = true, .number = INFINITY},
       TB_ERR_INVALID,
       "must be a finite number"},
      {F_ANY,
       {.present = true, .number = -INFINITY},
       TB_ERR_INVALID,
       "must be a finite number"},
      {F_RATIO,
       {.present = true, .number = 2},
       TB_ERR_INVALID,
       "must be at most 1.5"},
      {F_CAPITAL, {.present = true, .money = 100}, TB_OK, NULL},
      {F_CAPITAL,
       {.present = true, .money = 99},
       TB_ERR_INVALID,
       "must be at least 1.00 yuan"},
      {F_CAPITAL,
       {.present = true, .money = -1},
       TB_ERR_INVALID,
       "must not be negative"},
      {F_BIG,
       {.present = true, .money = INT64_MIN},
       TB_ERR_INVALID,
       "must not be negative"},
      {F_DEBT, {.present = true, .money = INT64_MIN}, TB_OK, NULL},
      {F_BALANCE,
       {.present = true, .money = INT64_MAX},
       TB_ERR_INVALID,
       "must be at most 1000.00 yuan"},
      {F_FOUNDED,
       {.present = true, .date = 0},
       TB_ERR_INVALID,
       "must be on or after 2000-01-01"},
      {F_FOUNDED,
       {.present = true, .date = INT32_MAX},
       TB_ERR_INVALID,
       "must be a date between 1900-01-01 and 2199-12-31"},
      {F_FOUNDED,
       {.present = true, .date = INT32_MIN},
       TB_ERR_INVALID,
       "must be a date between"},
      {F_SCOPE, {.present = true, .choices = 0xF}, TB_OK, NULL},
      {F_SCOPE,
       {.present = true, .choices = 0x10},
       TB_ERR_INVALID,
       "names a choice that does not exist"},
      {F_SCOPE,
       {.present = true, .choices = 0},
       TB_ERR_INVALID,
       "must have at least one choice"},
      {F_KIND,
       {.present = true, .choices = 0x3},
       TB_ERR_INVALID,
       "must be a single choice"},
      {F_KIND,
       {.present = true, .choices = 1ull << 63},
       TB_ERR_INVALID,
       "does not exist"},
      {F_NAME, {.present = true, .text = "ab", .text_len = 2}, TB_OK, NULL},
      {F_NAME,
       {.present = true, .text = NULL, .text_len = 0},
       TB_ERR_INVALID,
       "must be at least 2 characters"},
      {F_NAME,
       {.present = true, .text = NULL, .text_len = 5},
       TB_ERR_INVALID,
       "must be valid UTF-8"},
      {F_NAME,
       {.present = true, .text = "a\xff", .text_len = 2},
       TB_ERR_INVALID,
       "must be valid UTF-8"},
      {F_NOTE,
       {.present = true, .text = "abc", .text_len = 400001},
       TB_ERR_INVALID,
       "must be at most 400000 bytes"},
      {F_HOLDER,
       {.present = true, .text = NULL, .text_len = 18},
       TB_ERR_INVALID,
       "must be 18 characters"},
      {F_HOLDER,
       {.present = true, .text = "91350100M000100Y43", .text_len = 18},
       TB_OK,
       NULL},
      {F_ONLINE, {.present = true, .boolean = true}, TB_OK, NULL},
  };
  char name[96];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const check_case *c = &cases[i];
    tb_problem p = {0};
    tb_status st = tb_value_check(&fields[c->field], &c->v, 0, &p);
    TB_CHECKF(st == c->status, "row %zu: %s, want %s (%s)", i,
              tb_status_code(st), tb_status_code(c->status), p.detail);
    if (c->fragment) {
      TB_CHECKF(strstr(p.detail, c->fragment) != NULL,
                "row %zu: \"%s\" lacks \"%s\"", i, p.detail, c->fragment);
      check_problem_shape(&p, fields[c->field].id, "");
    }
    snprintf(name, sizeof name, "check %s row %zu", fields[c->field].id, i);
    tb_test_report(name);
  }
}

static void test_multiple_choice_counts(void) {
  tb_field f = fields[F_SCOPE];
  f.has_min = true;
  f.min = 2;
  f.has_max = true;
  f.max = 3;
  tb_value v;
  tb_problem p = {0};
  TB_CHECK_INT(tb_value_parse(&f, "food", 4, 0, &v, &p), TB_ERR_INVALID);
  TB_CHECK(strstr(p.detail, "must have at least 2 choices") != NULL);
  TB_CHECK_INT(tb_value_parse(&f, "food,retail", 11, 0, &v, &p), TB_OK);
  const char *all = "food,retail,catering,餐饮";
  TB_CHECK_INT(tb_value_parse(&f, all, strlen(all), 0, &v, &p), TB_ERR_INVALID);
  TB_CHECK(strstr(p.detail, "must have at most 3 choices") != NULL);
}

static void test_too_many_choices(void) {
  tb_choice many[65];
  char names[65][8];
  for (int i = 0; i < 65; i++) {
    snprintf(names[i], sizeof names[i], "c%d", i);
    many[i].value = names[i];
    many[i].label = names[i];
  }
  tb_field f = {.id = "many",
                .type = TB_FIELD_CHOICE,
                .multiple = true,
                .choices = many,
                .n_choices = 64};
  tb_value v;
  tb_problem p = {0};
  TB_CHECK_INT(tb_value_parse(&f, "c63,c0", 6, 0, &v, &p), TB_OK);
  TB_CHECK(v.choices == ((1ull << 63) | 1));
  TB_CHECK_INT(tb_value_check(&f, &v, 0, &p), TB_OK);
  f.n_choices = 65;
  TB_CHECK_INT(tb_value_parse(&f, "c0", 2, 0, &v, &p), TB_ERR_LIMIT);
  TB_CHECK_STR(tb_status_code(p.status), "limit");
}

/* ---- whole forms -------------------------------------------------------- */

static void test_form_check(void) {
  tb_definition def = {.id = "t", .fields = fields, .n_fields = F_COUNT};
  tb_form form;
  memset(&form, 0, sizeof form);
  tb_problem p = {0};
  TB_CHECK_INT(tb_form_check(&def, &form, 0, &p), TB_ERR_INVALID);
  TB_CHECK_STR(p.field, "name");
  TB_CHECK_STR(p.detail, "is required");

  form.values[F_NAME] = parse_ok(F_NAME, "张三");
  TB_CHECK_INT(tb_form_check(&def, &form, 0, &p), TB_OK);

  form.values[F_SCOPE] = parse_ok(F_SCOPE, "food,retail");
  form.values[F_EMPLOYEES] = parse_ok(F_EMPLOYEES, "12");
  form.values[F_HOLDER] = parse_ok(F_HOLDER, "91350100M000100Y43");
  TB_CHECK_INT(tb_form_check(&def, &form, 0, &p), TB_OK);

  /* the first bad field is reported */
  form.values[F_RATIO] = (tb_value){.present = true, .number = 9};
  form.values[F_KIND] = (tb_value){.present = true, .choices = 3};
  TB_CHECK_INT(tb_form_check(&def, &form, 0, &p), TB_ERR_INVALID);
  TB_CHECK_STR(p.field, "ratio");
  TB_CHECK_STR(p.detail, "must be at most 1.5");
  form.values[F_RATIO].present = false;
  TB_CHECK_INT(tb_form_check(&def, &form, 0, &p), TB_ERR_INVALID);
  TB_CHECK_STR(p.field, "kind");
  form.values[F_KIND].present = false;

  /* values past the definition's fields are not looked at */
  form.values[F_COUNT] = (tb_value){.present = true, .number = NAN};
  TB_CHECK_INT(tb_form_check(&def, &form, 0, &p), TB_OK);

  /* required fields left blank in a posted form arrive as "" */
  tb_problem q = {0};
  TB_CHECK_INT(
      tb_value_parse(&fields[F_NAME], "", 0, 0, &form.values[F_NAME], &q),
      TB_OK);
  TB_CHECK_INT(tb_form_check(&def, &form, 0, &p), TB_ERR_INVALID);
  TB_CHECK_STR(p.field, "name");

  TB_CHECK_INT(tb_form_check(&def, &form, 0, NULL), TB_ERR_INVALID);
  def.n_fields = TB_MAX_FIELDS + 1;
  TB_CHECK_INT(tb_form_check(&def, &form, 0, &p), TB_ERR_LIMIT);
}

/* max="today" / min="today": bounds relative to the day of intake; a
 * stored form (today 0) is not checked against them. */
static void test_today_bounds(void) {
  tb_field birth = {
      .id = "birth_date", .type = TB_FIELD_DATE, .max_today = true};
  tb_field start = {
      .id = "start_date", .type = TB_FIELD_DATE, .min_today = true};
  tb_day today = day(2026, 11, 30);
  tb_value v;
  tb_problem p = {0};
  TB_CHECK_INT(tb_value_parse(&birth, "2026-11-30", 10, today, &v, &p), TB_OK);
  TB_CHECK_INT(tb_value_parse(&birth, "2026-12-01", 10, today, &v, &p),
               TB_ERR_INVALID);
  TB_CHECK_STR(p.field, "birth_date");
  TB_CHECK_STR(p.detail, "must not be after today (2026-11-30)");
  TB_CHECK_INT(tb_value_parse(&birth, "2026-12-01", 10, 0, &v, &p), TB_OK);
  TB_CHECK_INT(tb_value_check(&birth, &v, today, &p), TB_ERR_INVALID);
  TB_CHECK_INT(tb_value_parse(&start, "2026-11-29", 10, today, &v, &p),
               TB_ERR_INVALID);
  TB_CHECK_STR(p.detail, "must not be before today (2026-11-30)");
  TB_CHECK_INT(tb_value_parse(&start, "2026-11-30", 10, today, &v, &p), TB_OK);
}

/* same-as="applicant": the field must carry the applicant's number. */
static void test_same_as_applicant(void) {
  static tb_field f[2] = {{.id = "mother_id",
                           .type = TB_FIELD_ID_NUMBER,
                           .required = true,
                           .same_as_applicant = true},
                          {.id = "father_id", .type = TB_FIELD_ID_NUMBER}};
  tb_definition def = {.id = "t", .fields = f, .n_fields = 2};
  tb_form form;
  memset(&form, 0, sizeof form);
  const char *mother = "11010519491231002X", *other = "110105194912310038";
  tb_problem p = {0};
  TB_CHECK_INT(tb_value_parse(&f[0], mother, 18, 0, &form.values[0], &p),
               TB_OK);
  TB_CHECK_INT(tb_value_parse(&f[1], other, 18, 0, &form.values[1], &p), TB_OK);
  TB_CHECK_INT(tb_form_check_same_as(&def, &form, mother, 18, &p), TB_OK);
  TB_CHECK_INT(tb_form_check_same_as(&def, &form, other, 18, &p),
               TB_ERR_INVALID);
  TB_CHECK_STR(p.field, "mother_id");
  TB_CHECK_STR(p.detail, "must be the applicant's own number");
  form.values[0].present = false; /* an absent value is not compared */
  TB_CHECK_INT(tb_form_check_same_as(&def, &form, other, 18, &p), TB_OK);
}

int main(void) {
  fields[F_FOUNDED].min = day(2000, 1, 1);
  fields[F_FOUNDED].max = day(2030, 12, 31);
  test_parse_table();
  TB_RUN(test_values);
  TB_RUN(test_empty_is_absent);
  TB_RUN(test_huge_text);
  TB_RUN(test_citizen_future_birth);
  TB_RUN(test_null_problem);
  test_check_table();
  TB_RUN(test_multiple_choice_counts);
  TB_RUN(test_too_many_choices);
  TB_RUN(test_form_check);
  TB_RUN(test_today_bounds);
  TB_RUN(test_same_as_applicant);
  return tb_test_done();
}
