/*
 * test_cond.c — branch conditions: parsing with type checks, evaluation on
 * forms (precedence, parentheses, absent values), the "can never hold"
 * analysis, and the caps on size and depth.
 */
#include "tb_engine.h"
#include "tb_test.h"

#include <stdlib.h>
#include <string.h>

enum {
  F_EMPLOYEES, /* number, integer, 0..100 */
  F_CAPITAL,   /* money, 0 .. 100000000.00 yuan */
  F_FOUNDED,   /* date, 2000-01-01 .. 2030-12-31 */
  F_SCOPE,     /* choice, multiple: food, retail, catering */
  F_KIND,      /* choice, single: company, branch */
  F_NAME,      /* text */
  F_ONLINE,    /* boolean */
  F_HOLDER,    /* id-number */
  F_RATIO,     /* number, no bounds */
  F_BALANCE,   /* money, -100.00 .. 100.00 yuan */
  F_COUNT
};

static const tb_choice scope_choices[] = {
    {"food", "食品"}, {"retail", "零售"}, {"catering", "餐饮"}};
static const tb_choice kind_choices[] = {{"company", "公司"},
                                         {"branch", "分公司"}};

static tb_field fields[F_COUNT] = {
    [F_EMPLOYEES] = {.id = "employees",
                     .type = TB_FIELD_NUMBER,
                     .integer = true,
                     .has_min = true,
                     .min = 0,
                     .has_max = true,
                     .max = 100},
    [F_CAPITAL] = {.id = "capital",
                   .type = TB_FIELD_MONEY,
                   .has_min = true,
                   .min = 0,
                   .has_max = true,
                   .max = 1e10},
    [F_FOUNDED] = {.id = "founded",
                   .type = TB_FIELD_DATE,
                   .has_min = true,
                   .has_max = true},
    [F_SCOPE] = {.id = "scope",
                 .type = TB_FIELD_CHOICE,
                 .multiple = true,
                 .choices = scope_choices,
                 .n_choices = 3},
    [F_KIND] = {.id = "kind",
                .type = TB_FIELD_CHOICE,
                .choices = kind_choices,
                .n_choices = 2},
    [F_NAME] = {.id = "name", .type = TB_FIELD_TEXT},
    [F_ONLINE] = {.id = "online", .type = TB_FIELD_BOOLEAN},
    [F_HOLDER] = {.id = "holder", .type = TB_FIELD_ID_NUMBER},
    [F_RATIO] = {.id = "ratio", .type = TB_FIELD_NUMBER},
    [F_BALANCE] = {.id = "balance",
                   .type = TB_FIELD_MONEY,
                   .has_min = true,
                   .min = -10000,
                   .has_max = true,
                   .max = 10000},
};

static tb_definition def = {
    .id = "test", .fields = fields, .n_fields = F_COUNT};

/* Three forms: A filled in, B empty, C filled in differently. */
static tb_form form_a, form_b, form_c;

static void set(tb_form *form, int field, const char *s) {
  tb_problem p = {0};
  if (tb_value_parse(&fields[field], s, strlen(s), 0, &form->values[field],
                     &p) != TB_OK) {
    printf("Bail out! fixture %s '%s': %s\n", fields[field].id, s, p.detail);
    exit(1);
  }
}

static void setup(void) {
  tb_day lo = 0, hi = 0;
  if (tb_date_from_ymd(2000, 1, 1, &lo) != TB_OK ||
      tb_date_from_ymd(2030, 12, 31, &hi) != TB_OK) {
    printf("Bail out! tb_date_from_ymd\n");
    exit(1);
  }
  fields[F_FOUNDED].min = lo;
  fields[F_FOUNDED].max = hi;

  set(&form_a, F_EMPLOYEES, "50");
  set(&form_a, F_CAPITAL, "1000000.00");
  set(&form_a, F_FOUNDED, "2020-05-01");
  set(&form_a, F_SCOPE, "food,retail");
  set(&form_a, F_KIND, "company");
  set(&form_a, F_NAME, "张三食品店");
  set(&form_a, F_ONLINE, "true");
  set(&form_a, F_HOLDER, "11010519491231002X");
  set(&form_a, F_RATIO, "0.5");
  set(&form_a, F_BALANCE, "-12.34");

  set(&form_c, F_EMPLOYEES, "0");
  set(&form_c, F_CAPITAL, "0.01");
  set(&form_c, F_FOUNDED, "2025-01-01");
  set(&form_c, F_SCOPE, "catering");
  set(&form_c, F_KIND, "branch");
  set(&form_c, F_NAME, "it's");
  set(&form_c, F_ONLINE, "false");
  set(&form_c, F_RATIO, "-2");
  set(&form_c, F_BALANCE, "100");
}

/* Make a TAP-safe case name from a condition. */
static void case_name(char *buf, size_t size, const char *prefix,
                      const char *text, size_t len) {
  int n = snprintf(buf, size, "%s ", prefix);
  size_t o = n > 0 ? (size_t)n : 0;
  for (size_t i = 0; i < len && i < 60 && o + 4 < size; i++) {
    unsigned char c = (unsigned char)text[i];
    buf[o++] = c < 0x20 || c == '#' || c >= 0x7F ? '?' : (char)c;
  }
  buf[o] = '\0';
}

/* ---- evaluation -------------------------------------------------------- */

typedef struct {
  const char *text;
  bool a, b, c; /* expected on form A, B (empty) and C */
} eval_case;

static const eval_case eval_cases[] = {
    /* numbers */
    {"employees > 10", true, false, false},
    {"employees >= 50", true, false, false},
    {"employees <= 0", false, false, true},
    {"employees < 1", false, false, true},
    {"employees = 50", true, false, false},
    {"employees = 50.0", true, false, false},
    {"employees != 50", false, false, true},
    {"ratio > -1", true, false, false},
    {"ratio < 0.6", true, false, true},
    {"ratio = 0.5", true, false, false},
    {"ratio>-2", true, false, false},
    {"ratio >= -2", true, false, true},
    /* money, literals in yuan */
    {"capital >= 1000000", true, false, false},
    {"capital > 999999.99", true, false, false},
    {"capital = 1000000.01", false, false, false},
    {"capital = 0.01", false, false, true},
    {"capital < 0.1", false, false, true},
    {"balance < 0", true, false, false},
    {"balance = -12.34", true, false, false},
    {"balance >= 100.00", false, false, true},
    /* dates */
    {"founded < '2021-01-01'", true, false, false},
    {"founded >= '2020-05-01'", true, false, true},
    {"founded = '2025-01-01'", false, false, true},
    {"founded != '2025-01-01'", true, false, false},
    /* choices */
    {"scope contains 'food'", true, false, false},
    {"scope contains 'catering'", false, false, true},
    {"scope = 'food'", false, false, false},
    {"scope = 'catering'", false, false, true},
    {"scope != 'catering'", true, false, false},
    {"kind = 'company'", true, false, false},
    {"kind != 'company'", false, false, true},
    {"kind contains 'branch'", false, false, true},
    /* text and id-number */
    {"name contains '食品'", true, false, false},
    {"name = '张三食品店'", true, false, false},
    {"name = 'it''s'", false, false, true},
    {"name contains ''''", false, false, true},
    {"name contains ''", true, false, true},
    {"name != 'x'", true, false, true},
    {"holder contains '110105'", true, false, false},
    {"holder = '11010519491231002X'", true, false, false},
    /* booleans */
    {"online", true, false, false},
    {"online = true", true, false, false},
    {"online = false", false, false, true},
    {"online != true", false, false, true},
    {"not online", false, true, true},
    /* absent values: every comparison is false, so `not` of one is true */
    {"not employees = 50", false, true, true},
    {"not employees != 50", true, true, false},
    /* precedence: not > and > or */
    {"not online and kind = 'company'", false, false, false},
    {"not online and kind = 'branch'", false, false, true},
    {"online or employees = 0 and kind = 'branch'", true, false, true},
    {"online or employees = 0 and kind = 'company'", true, false, false},
    {"employees = 0 and kind = 'branch' or online", true, false, true},
    {"not online or not online", false, true, true},
    /* parentheses */
    {"(online or employees = 0) and kind = 'branch'", false, false, true},
    {"online or (employees = 0 and kind = 'company')", true, false, false},
    {"not (online and kind = 'company')", false, true, true},
    {"not not online", true, false, false},
    {"((((online))))", true, false, false},
    {"(online)and(kind='company')", true, false, false},
    /* several operands in a row */
    {"online and employees > 1 and capital > 1 and scope contains 'retail'",
     true, false, false},
    {"employees = 1 or employees = 2 or employees = 50", true, false, false},
    {"employees = 1 or employees = 2 or employees = 0", false, false, true},
    /* white space of all kinds */
    {"  online\n\tand\r\nemployees>10  ", true, false, false},
};

static void test_eval_table(void) {
  char name[128];
  for (size_t i = 0; i < sizeof eval_cases / sizeof eval_cases[0]; i++) {
    const eval_case *e = &eval_cases[i];
    tb_arena *a = tb_arena_new();
    const tb_cond *c = NULL;
    tb_problem p = {0};
    tb_status st = tb_cond_parse(a, &def, e->text, strlen(e->text), &c, &p);
    TB_CHECKF(st == TB_OK, "'%s': %s", e->text, p.detail);
    if (st == TB_OK) {
      TB_CHECKF(tb_cond_eval(c, &form_a) == e->a, "'%s' on A", e->text);
      TB_CHECKF(tb_cond_eval(c, &form_b) == e->b, "'%s' on B", e->text);
      TB_CHECKF(tb_cond_eval(c, &form_c) == e->c, "'%s' on C", e->text);
      TB_CHECKF(tb_cond_eval(c, NULL) == e->b, "'%s' on NULL", e->text);
    }
    tb_arena_free(a);
    case_name(name, sizeof name, "eval", e->text, strlen(e->text));
    tb_test_report(name);
  }
}

static void test_null_condition(void) {
  TB_CHECK(tb_cond_eval(NULL, &form_a));
  TB_CHECK(tb_cond_may_hold(NULL, &def));
}

/* ---- parse errors ------------------------------------------------------ */

typedef struct {
  const char *text;
  size_t len; /* 0: strlen */
  tb_status status;
  const char *fragment;
} error_case;

static const error_case error_cases[] = {
    /* empty and trailing garbage */
    {"", 0, TB_ERR_INVALID, "column 1: empty condition"},
    {"   \n ", 0, TB_ERR_INVALID, "column 1: empty condition"},
    {"online online", 0, TB_ERR_INVALID,
     "column 8: expected 'and', 'or' or the end, found 'online'"},
    {"online)", 0, TB_ERR_INVALID, "column 7: expected 'and', 'or' or the end"},
    {"online and", 0, TB_ERR_INVALID,
     "column 11: expected a field name, found the end"},
    {"not", 0, TB_ERR_INVALID,
     "column 4: expected a field name, found the end"},
    {"()", 0, TB_ERR_INVALID, "column 2: expected a field name, found ')'"},
    {"(online", 0, TB_ERR_INVALID,
     "column 8: expected ')' to close the '(' at column 1, found the end"},
    {"(online or (online)", 0, TB_ERR_INVALID, "close the '(' at column 1"},
    {"employees > 1 2", 0, TB_ERR_INVALID, "column 15: expected 'and', 'or'"},
    /* keywords are not field names */
    {"and online", 0, TB_ERR_INVALID,
     "column 1: expected a field name, found 'and' (a keyword)"},
    {"online or or online", 0, TB_ERR_INVALID, "found 'or' (a keyword)"},
    {"contains = 1", 0, TB_ERR_INVALID, "found 'contains' (a keyword)"},
    {"true", 0, TB_ERR_INVALID, "found 'true' (a keyword)"},
    {"not = 1", 0, TB_ERR_INVALID,
     "column 5: expected a field name, found '='"},
    {"AND", 0, TB_ERR_INVALID, "unknown field 'AND' in condition"},
    /* unknown fields */
    {"x = 1", 0, TB_ERR_INVALID, "column 1: unknown field 'x' in condition"},
    {"online and nope", 0, TB_ERR_INVALID,
     "column 12: unknown field 'nope' in condition"},
    {"Online", 0, TB_ERR_INVALID, "unknown field 'Online'"},
    /* values */
    {"employees >", 0, TB_ERR_INVALID,
     "column 12: expected a value after '>', found the end"},
    {"employees > ", 0, TB_ERR_INVALID,
     "column 13: expected a value after '>', found the end"},
    {"employees > nan", 0, TB_ERR_INVALID,
     "column 13: expected a value after '>', found 'nan'"},
    {"employees > inf", 0, TB_ERR_INVALID, "found 'inf'"},
    {"employees > (1)", 0, TB_ERR_INVALID, "found '('"},
    {"employees <> 1", 0, TB_ERR_INVALID,
     "column 12: expected a value after '<', found '>'"},
    {"employees == 1", 0, TB_ERR_INVALID,
     "column 11: write '=' instead of '=='"},
    {"employees ! 1", 0, TB_ERR_INVALID, "column 11: unexpected character '!'"},
    {"employees > +1", 0, TB_ERR_INVALID,
     "column 13: unexpected character '+'"},
    {"employees > .5", 0, TB_ERR_INVALID, "unexpected character '.'"},
    {"employees > 1e999", 0, TB_ERR_INVALID,
     "column 13: malformed number '1e999'"},
    {"employees > 0x10", 0, TB_ERR_INVALID, "malformed number '0x10'"},
    {"employees > 1.", 0, TB_ERR_INVALID, "malformed number '1.'"},
    {"employees > 1.2.3", 0, TB_ERR_INVALID, "malformed number '1.2.3'"},
    {"employees > 5abc", 0, TB_ERR_INVALID, "malformed number '5abc'"},
    {"employees > - 1", 0, TB_ERR_INVALID, "unexpected character '-'"},
    {"employees > 1234567890123456789012345678901", 0, TB_ERR_INVALID,
     "must have at most 30 digits"},
    {"name = 'abc", 0, TB_ERR_INVALID, "column 8: unterminated text"},
    {"name = 'it''s", 0, TB_ERR_INVALID, "column 8: unterminated text"},
    {"name = '", 0, TB_ERR_INVALID, "column 8: unterminated text"},
    {"name = \"abc\"", 0, TB_ERR_INVALID,
     "column 8: write text in single quotes"},
    {"name = 'a\x01z'", 0, TB_ERR_INVALID,
     "column 8: text must not contain control characters"},
    {"name = 'a\xffz'", 0, TB_ERR_INVALID,
     "column 8: text must be valid UTF-8"},
    {"online\0 and online", 18, TB_ERR_INVALID,
     "column 7: unexpected byte 0x00"},
    {"online and 名字", 0, TB_ERR_INVALID, "column 12: unexpected byte 0xE5"},
    {"online and\x7f", 0, TB_ERR_INVALID, "unexpected byte 0x7F"},
    {"online;", 0, TB_ERR_INVALID, "column 7: unexpected character ';'"},
    /* type checks */
    {"employees > 'a'", 0, TB_ERR_INVALID,
     "column 13: cannot compare number field 'employees' with text"},
    {"employees = true", 0, TB_ERR_INVALID,
     "cannot compare number field 'employees' with true or false"},
    {"employees contains 1", 0, TB_ERR_INVALID,
     "column 11: cannot use 'contains' on number field 'employees'"},
    {"employees", 0, TB_ERR_INVALID,
     "column 1: number field 'employees' must be compared with a value"},
    {"scope", 0, TB_ERR_INVALID, "choice field 'scope' must be compared"},
    {"scope = 5", 0, TB_ERR_INVALID,
     "column 9: cannot compare choice field 'scope' with a number"},
    {"scope < 'food'", 0, TB_ERR_INVALID,
     "column 7: cannot use '<' on choice field 'scope'; use '=', '!=' or "
     "'contains'"},
    {"scope >= 'food'", 0, TB_ERR_INVALID, "cannot use '>=' on choice field"},
    {"scope = 'meat'", 0, TB_ERR_INVALID,
     "column 9: unknown choice 'meat' (allowed: food, retail, catering)"},
    {"scope contains 'FOOD'", 0, TB_ERR_INVALID, "unknown choice 'FOOD'"},
    {"scope contains 'food,retail'", 0, TB_ERR_INVALID,
     "'food,retail' must be a single choice"},
    {"kind = ''", 0, TB_ERR_INVALID, "empty text is not a valid choice"},
    {"name < 'a'", 0, TB_ERR_INVALID, "cannot use '<' on text field 'name'"},
    {"name = 5", 0, TB_ERR_INVALID,
     "cannot compare text field 'name' with a number"},
    {"name = true", 0, TB_ERR_INVALID, "with true or false"},
    {"holder > '1'", 0, TB_ERR_INVALID, "cannot use '>' on id-number field"},
    {"online > true", 0, TB_ERR_INVALID,
     "cannot use '>' on boolean field 'online'; use '=' or '!='"},
    {"online contains true", 0, TB_ERR_INVALID,
     "cannot use 'contains' on boolean"},
    {"online = 1", 0, TB_ERR_INVALID,
     "cannot compare boolean field 'online' with a number"},
    {"online = 'true'", 0, TB_ERR_INVALID, "with text"},
    {"founded > 5", 0, TB_ERR_INVALID,
     "cannot compare date field 'founded' with a number; write a date like "
     "'2026-11-21'"},
    {"founded > '2026-13-01'", 0, TB_ERR_INVALID,
     "column 11: '2026-13-01' must be a date like 2026-11-21"},
    {"founded > '2026-11-21 '", 0, TB_ERR_INVALID, "must be a date like"},
    {"founded > ''", 0, TB_ERR_INVALID, "empty text is not a valid date"},
    {"founded contains '2026'", 0, TB_ERR_INVALID, "cannot use 'contains'"},
    {"capital > 1.234", 0, TB_ERR_INVALID,
     "column 11: '1.234' must have at most two decimals"},
    {"capital > 99999999999999999999", 0, TB_ERR_INVALID, "is too large"},
    {"capital > '5'", 0, TB_ERR_INVALID, "cannot compare money field"},
};

static void test_error_table(void) {
  char name[128];
  for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
    const error_case *e = &error_cases[i];
    size_t len = e->len ? e->len : strlen(e->text);
    tb_arena *a = tb_arena_new();
    const tb_cond *c = (const tb_cond *)&def; /* must be reset */
    tb_problem p = {0};
    tb_status st = tb_cond_parse(a, &def, e->text, len, &c, &p);
    TB_CHECKF(st == e->status, "'%s': %s, want %s (%s)", e->text,
              tb_status_code(st), tb_status_code(e->status), p.detail);
    TB_CHECK(c == NULL);
    TB_CHECKF(strstr(p.detail, e->fragment) != NULL,
              "'%s': \"%s\" lacks \"%s\"", e->text, p.detail, e->fragment);
    size_t n = strlen(p.detail);
    TB_CHECK(n > 0 && p.detail[n - 1] != '.');
    TB_CHECK(p.status == st);
    tb_arena_free(a);
    case_name(name, sizeof name, "error", e->text, len);
    tb_test_report(name);
  }
}

/* ---- caps on size and depth -------------------------------------------- */

static tb_status parse_text(const char *text, size_t len, tb_problem *p,
                            bool *on_a) {
  tb_arena *a = tb_arena_new();
  const tb_cond *c = NULL;
  tb_status st = tb_cond_parse(a, &def, text, len, &c, p);
  if (st == TB_OK && on_a)
    *on_a = tb_cond_eval(c, &form_a);
  tb_arena_free(a);
  return st;
}

static void test_size_cap(void) {
  char buf[2048];
  size_t n = 0;
  /* "online and online and …" up to exactly 1024 bytes, padded by spaces */
  while (n + 11 + 6 <= 1024) {
    memcpy(buf + n, "online and ", 11);
    n += 11;
  }
  memcpy(buf + n, "online", 6);
  n += 6;
  memset(buf + n, ' ', 1024 - n);
  n = 1024;
  tb_problem p = {0};
  bool on_a = false;
  TB_CHECK_INT(parse_text(buf, n, &p, &on_a), TB_OK);
  TB_CHECK(on_a);
  buf[n++] = ' ';
  TB_CHECK_INT(parse_text(buf, n, &p, NULL), TB_ERR_LIMIT);
  TB_CHECK_STR(p.detail, "condition is longer than 1024 bytes");
  /* a huge input is refused before it is read */
  size_t big = 100u * 1024 * 1024;
  char *huge = malloc(big);
  memset(huge, '(', big);
  TB_CHECK_INT(parse_text(huge, big, &p, NULL), TB_ERR_LIMIT);
  free(huge);
}

static size_t nest(char *buf, const char *open, int levels, const char *inner,
                   const char *close) {
  size_t n = 0;
  for (int i = 0; i < levels; i++) {
    memcpy(buf + n, open, strlen(open));
    n += strlen(open);
  }
  memcpy(buf + n, inner, strlen(inner));
  n += strlen(inner);
  for (int i = 0; close && i < levels; i++) {
    memcpy(buf + n, close, strlen(close));
    n += strlen(close);
  }
  return n;
}

static void test_depth_cap(void) {
  char buf[1024];
  tb_problem p = {0};
  bool on_a = false;
  size_t n = nest(buf, "(", 32, "online", ")");
  TB_CHECK_INT(parse_text(buf, n, &p, &on_a), TB_OK);
  TB_CHECK(on_a);
  n = nest(buf, "(", 33, "online", ")");
  TB_CHECK_INT(parse_text(buf, n, &p, NULL), TB_ERR_LIMIT);
  TB_CHECK_STR(p.detail, "column 33: nested more than 32 levels deep");
  TB_CHECK_STR(tb_status_code(p.status), "limit");

  n = nest(buf, "not ", 32, "online", NULL);
  TB_CHECK_INT(parse_text(buf, n, &p, &on_a), TB_OK);
  TB_CHECK(on_a); /* an even number of nots */
  n = nest(buf, "not ", 33, "online", NULL);
  TB_CHECK_INT(parse_text(buf, n, &p, NULL), TB_ERR_LIMIT);
  TB_CHECK(strstr(p.detail, "nested more than 32 levels") != NULL);

  /* mixed: each level is "not (" … */
  n = nest(buf, "not (", 16, "online", ")");
  TB_CHECK_INT(parse_text(buf, n, &p, &on_a), TB_OK);
  TB_CHECK(on_a);
  n = nest(buf, "not (", 17, "online", ")");
  TB_CHECK_INT(parse_text(buf, n, &p, NULL), TB_ERR_LIMIT);

  /* 1024 open parentheses: refused at the cap, not by the stack */
  memset(buf, '(', sizeof buf);
  TB_CHECK_INT(parse_text(buf, sizeof buf, &p, NULL), TB_ERR_LIMIT);
  /* and 1000 nots */
  n = 0;
  while (n + 4 <= 1000) {
    memcpy(buf + n, "not ", 4);
    n += 4;
  }
  TB_CHECK_INT(parse_text(buf, n, &p, NULL), TB_ERR_LIMIT);
  /* sibling parentheses do not add up */
  n = 0;
  for (int i = 0; i < 40; i++) {
    memcpy(buf + n, i ? " or (online)" : "(online)", i ? 12 : 8);
    n += i ? 12 : 8;
  }
  TB_CHECK_INT(parse_text(buf, n, &p, &on_a), TB_OK);
}

static void test_arguments(void) {
  tb_arena *a = tb_arena_new();
  const tb_cond *c = NULL;
  tb_problem p = {0};
  TB_CHECK_INT(tb_cond_parse(a, &def, NULL, 3, &c, &p), TB_ERR_INVALID);
  TB_CHECK_INT(tb_cond_parse(a, &def, NULL, 0, &c, &p), TB_ERR_INVALID);
  TB_CHECK_INT(tb_cond_parse(NULL, &def, "online", 6, &c, &p), TB_ERR_INVALID);
  TB_CHECK_INT(tb_cond_parse(a, NULL, "online", 6, &c, &p), TB_ERR_INVALID);
  TB_CHECK_INT(tb_cond_parse(a, &def, "online", 6, NULL, &p), TB_ERR_INVALID);
  TB_CHECK_INT(tb_cond_parse(a, &def, "x", 1, &c, NULL), TB_ERR_INVALID);
  /* the text need not be terminated: only len bytes are read */
  TB_CHECK_INT(tb_cond_parse(a, &def, "onlinexyz", 6, &c, &p), TB_OK);
  TB_CHECK(tb_cond_eval(c, &form_a));
  tb_arena_free(a);
}

/* A field past TB_MAX_FIELDS cannot be in a form. */
static void test_field_beyond_form(void) {
  tb_field many[TB_MAX_FIELDS + 1];
  memset(many, 0, sizeof many);
  char ids[TB_MAX_FIELDS + 1][8];
  for (int i = 0; i <= TB_MAX_FIELDS; i++) {
    snprintf(ids[i], sizeof ids[i], "f%d", i);
    many[i].id = ids[i];
    many[i].type = TB_FIELD_BOOLEAN;
  }
  tb_definition big = {
      .id = "big", .fields = many, .n_fields = TB_MAX_FIELDS + 1};
  tb_arena *a = tb_arena_new();
  const tb_cond *c = NULL;
  tb_problem p = {0};
  TB_CHECK_INT(tb_cond_parse(a, &big, "f63", 3, &c, &p), TB_OK);
  TB_CHECK_INT(tb_cond_parse(a, &big, "f64", 3, &c, &p), TB_ERR_LIMIT);
  tb_arena_free(a);
}

/* ---- may it hold? ----------------------------------------------------- */

typedef struct {
  const char *text;
  bool may_hold;
} may_case;

static const may_case may_cases[] = {
    {"employees > 500", false},
    {"employees > 100", false},
    {"employees >= 100", true},
    {"employees >= 100.5", false},
    {"employees > 99.5", true},
    {"employees < 0", false},
    {"employees <= 0", true},
    {"employees < -5", false},
    {"employees = 101", false},
    {"employees = -1", false},
    {"employees = 50", true},
    {"employees = 50.5", false}, /* an integer field */
    {"employees != 500", true},
    {"ratio > 1000000", true}, /* no bounds */
    {"capital < 0", false},    /* money is never negative unless min < 0 */
    {"capital <= 0", true},
    {"capital > 100000000", false},
    {"capital >= 100000000", true},
    {"capital = 100000000.01", false},
    {"balance < -100", false},
    {"balance < -99.99", true},
    {"balance > 100.00", false},
    {"founded < '2000-01-01'", false},
    {"founded <= '2000-01-01'", true},
    {"founded > '2030-12-31'", false},
    {"founded = '1999-12-31'", false},
    {"founded != '1999-12-31'", true},
    {"scope contains 'food'", true},
    {"name = 'x'", true},
    {"online", true},
    {"employees > 500 and online", false},
    {"online and employees > 500", false},
    {"employees > 500 or online", true},
    {"employees > 500 or capital < 0", false},
    {"employees > 500 or capital < 0 or founded > '2031-01-01'", false},
    {"(employees > 500 or capital < 0) and online", false},
    {"not employees > 500", true}, /* not: assumed to hold */
    {"not (employees > 500 and online)", true},
    {"(employees > 500)", false},
};

static void test_may_hold_table(void) {
  char name[128];
  for (size_t i = 0; i < sizeof may_cases / sizeof may_cases[0]; i++) {
    const may_case *m = &may_cases[i];
    tb_arena *a = tb_arena_new();
    const tb_cond *c = NULL;
    tb_problem p = {0};
    tb_status st = tb_cond_parse(a, &def, m->text, strlen(m->text), &c, &p);
    TB_CHECKF(st == TB_OK, "'%s': %s", m->text, p.detail);
    if (st == TB_OK)
      TB_CHECKF(tb_cond_may_hold(c, &def) == m->may_hold, "'%s'", m->text);
    tb_arena_free(a);
    case_name(name, sizeof name, "may_hold", m->text, strlen(m->text));
    tb_test_report(name);
  }
}

/* may_hold must never say "never" for a condition that holds on a valid
 * form: check it on the fixtures for every evaluation case. */
static void test_may_hold_is_sound(void) {
  for (size_t i = 0; i < sizeof eval_cases / sizeof eval_cases[0]; i++) {
    const eval_case *e = &eval_cases[i];
    tb_arena *a = tb_arena_new();
    const tb_cond *c = NULL;
    if (tb_cond_parse(a, &def, e->text, strlen(e->text), &c, NULL) == TB_OK &&
        (e->a || e->b || e->c))
      TB_CHECKF(tb_cond_may_hold(c, &def), "'%s'", e->text);
    tb_arena_free(a);
  }
}

/* A condition parsed against one definition, analysed with NULL. */
static void test_may_hold_without_definition(void) {
  tb_arena *a = tb_arena_new();
  const tb_cond *c = NULL;
  TB_CHECK_INT(tb_cond_parse(a, &def, "employees > 500", 15, &c, NULL), TB_OK);
  TB_CHECK(!tb_cond_may_hold(c, &def));
  TB_CHECK(tb_cond_may_hold(c, NULL));
  tb_arena_free(a);
}

int main(void) {
  setup();
  test_eval_table();
  TB_RUN(test_null_condition);
  test_error_table();
  TB_RUN(test_size_cap);
  TB_RUN(test_depth_cap);
  TB_RUN(test_arguments);
  TB_RUN(test_field_beyond_form);
  test_may_hold_table();
  TB_RUN(test_may_hold_is_sound);
  TB_RUN(test_may_hold_without_definition);
  return tb_test_done();
}
