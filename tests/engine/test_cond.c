/*
 * test_cond.c — branch conditions: parsing with type checks, evaluation on
 * forms (precedence, parentheses, absent values), the analysis that finds
 * conditions that can never hold or always hold (with its reasons and its
 * bounded work), and the caps on size and depth.
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
  TB_CHECK_INT(tb_cond_analyze(NULL, &def, NULL, 0), TB_COND_ALWAYS);
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

/* ---- never, always, sometimes ------------------------------------------ */

/* The same fields, every one required, some with tighter bounds. */
static tb_field strict_fields[F_COUNT];
static tb_definition strict = {
    .id = "strict", .fields = strict_fields, .n_fields = F_COUNT};

static void setup_strict(void) {
  for (int i = 0; i < F_COUNT; i++) {
    strict_fields[i] = fields[i];
    strict_fields[i].required = true;
  }
  strict_fields[F_SCOPE].has_max = true; /* at most two choices */
  strict_fields[F_SCOPE].max = 2;
  strict_fields[F_NAME].has_max = true; /* at most ten characters */
  strict_fields[F_NAME].max = 10;
}

#define NEVER TB_COND_NEVER
#define ALWAYS TB_COND_ALWAYS
#define SOME TB_COND_SOMETIMES

typedef struct {
  const char *text;
  bool strict; /* against `strict` (every field required) */
  tb_cond_verdict want;
  const char *reason; /* the whole reason; NULL for SOMETIMES */
} verdict_case;

static const verdict_case verdict_cases[] = {
    /* numbers: intervals, open and closed ends, whole numbers, bounds */
    {"employees > 10 and employees < 5", false, NEVER,
     "employees > 10 and employees < 5 leave no value"},
    {"employees > 4 and employees < 5", false, NEVER,
     "employees > 4 and employees < 5 leave no value"},
    {"ratio > 4 and ratio < 5", false, SOME, NULL}, /* not whole numbers */
    {"employees >= 5 and employees <= 5", false, SOME, NULL},
    {"employees > 5 and employees <= 5", false, NEVER,
     "employees > 5 and employees <= 5 leave no value"},
    {"employees != 50 and employees = 50", false, NEVER,
     "employees != 50 and employees = 50 leave no value"},
    {"employees > 500", false, NEVER,
     "employees > 500 holds for no value the field allows"},
    {"employees > 100", false, NEVER,
     "employees > 100 holds for no value the field allows"},
    {"employees >= 100", false, SOME, NULL},
    {"employees >= 100.5", false, NEVER,
     "employees >= 100.5 holds for no value the field allows"},
    {"employees = 50.5", false, NEVER,
     "employees = 50.5 holds for no value the field allows"},
    {"employees > 99.5", false, SOME, NULL},
    {"employees < 0", false, NEVER,
     "employees < 0 holds for no value the field allows"},
    {"ratio > 1000000", false, SOME, NULL},
    /* the operands that are not needed are left out of the reason */
    {"employees > 10 and online and employees < 5", false, NEVER,
     "employees > 10 and employees < 5 leave no value"},
    {"online and employees > 500", false, NEVER,
     "employees > 500 holds for no value the field allows"},
    {"employees = 1 or employees = 2 or employees = 50", false, SOME, NULL},
    /* absent values: a comparison on one is false */
    {"employees > 5 or employees <= 5", false, SOME, NULL},
    {"employees > 5 or employees <= 5", true, ALWAYS,
     "employees > 5 or employees <= 5 cover every value the field allows"},
    {"employees < 2 or employees > 1", true, ALWAYS,
     "employees < 2 or employees > 1 cover every value the field allows"},
    {"employees < 2 or employees > 2", true, SOME, NULL},
    {"employees >= 0", false, SOME, NULL},
    {"employees >= 0", true, ALWAYS,
     "employees >= 0 holds for every value the field allows"},
    {"employees <= 100 and employees >= 0", true, ALWAYS,
     "employees <= 100 and employees >= 0 holds for every value the field "
     "allows"},
    {"not employees > 100", false, ALWAYS,
     "not employees > 100 holds for every value the field allows"},
    {"not (employees <= 10 or employees >= 5)", false, SOME, NULL},
    {"not (employees <= 10 or employees >= 5)", true, NEVER,
     "not employees <= 10 and not employees >= 5 leave no value"},
    /* money: fen, never negative unless min is */
    {"capital < 0", false, NEVER,
     "capital < 0 holds for no value the field allows"},
    {"capital > 100 and capital < 100.01", false, NEVER,
     "capital > 100 and capital < 100.01 leave no value"},
    {"capital > 100 and capital < 100.02", false, SOME, NULL},
    {"capital > 100000000", false, NEVER,
     "capital > 100000000 holds for no value the field allows"},
    {"capital >= 100000000", false, SOME, NULL},
    {"capital >= 0", true, ALWAYS,
     "capital >= 0 holds for every value the field allows"},
    {"balance < -100", false, NEVER,
     "balance < -100 holds for no value the field allows"},
    {"balance < -99.99", false, SOME, NULL},
    /* dates: whole days within the bounds */
    {"founded < '2000-01-01'", false, NEVER,
     "founded < '2000-01-01' holds for no value the field allows"},
    {"founded > '2020-01-01' and founded < '2020-01-02'", false, NEVER,
     "founded > '2020-01-01' and founded < '2020-01-02' leave no value"},
    {"founded >= '2020-01-01' and founded < '2020-01-02'", false, SOME, NULL},
    {"founded < '2010-01-01' or founded >= '2010-01-01'", false, SOME, NULL},
    {"founded < '2010-01-01' or founded >= '2010-01-01'", true, ALWAYS,
     "founded < '2010-01-01' or founded >= '2010-01-01' cover every value "
     "the field allows"},
    {"founded <= '2030-12-31'", true, ALWAYS,
     "founded <= '2030-12-31' holds for every value the field allows"},
    /* choices: finite sets */
    {"kind = 'company' and kind = 'branch'", false, NEVER,
     "kind = 'company' and kind = 'branch' cannot both hold"},
    {"kind contains 'company' and kind contains 'branch'", false, NEVER,
     "kind contains 'company' and kind contains 'branch' cannot both hold"},
    {"kind != 'company' and kind != 'branch'", false, NEVER,
     "kind != 'company' and kind != 'branch' cannot both hold"},
    {"kind = 'company' or kind = 'branch'", false, SOME, NULL},
    {"kind = 'company' or kind = 'branch'", true, ALWAYS,
     "kind = 'company' or kind = 'branch' cover every value the field "
     "allows"},
    {"scope contains 'food' and scope contains 'retail'", false, SOME, NULL},
    {"scope = 'food' and scope contains 'retail'", false, NEVER,
     "scope = 'food' and scope contains 'retail' cannot both hold"},
    {"scope = 'food' and scope = 'retail'", false, NEVER,
     "scope = 'food' and scope = 'retail' cannot both hold"},
    {"scope contains 'food' or scope contains 'retail' or scope contains "
     "'catering'",
     true, ALWAYS,
     "scope contains 'food' or scope contains 'retail' or scope contains "
     "'catering' cover every value the field allows"},
    {"scope contains 'food' or scope contains 'retail'", true, SOME, NULL},
    {"scope contains 'food' and scope contains 'retail' and scope contains "
     "'catering'",
     false, SOME, NULL},
    {"scope contains 'food' and scope contains 'retail' and scope contains "
     "'catering'",
     true, NEVER,
     "scope contains 'food' and scope contains 'retail' and scope contains "
     "'catering' cannot all hold"},
    {"scope != 'food' or scope contains 'food'", true, ALWAYS,
     "scope != 'food' or scope contains 'food' cover every value the field "
     "allows"},
    /* booleans */
    {"online and not online", false, NEVER,
     "online and not online cannot both hold"},
    {"online or not online", false, ALWAYS,
     "online or not online cover every value the field allows"},
    {"online = true or online = false", false, SOME, NULL},
    {"online = true or online = false", true, ALWAYS,
     "online = true or online = false cover every value the field allows"},
    {"online != true and online != false", false, NEVER,
     "online != true and online != false cannot both hold"},
    /* text */
    {"name = 'x' and name = 'y'", false, NEVER,
     "name = 'x' and name = 'y' cannot both hold"},
    {"name = 'x' and name != 'x'", false, NEVER,
     "name = 'x' and name != 'x' cannot both hold"},
    {"name = 'x' or name != 'x'", false, SOME, NULL},
    {"name = 'x' or name != 'x'", true, ALWAYS,
     "name = 'x' or name != 'x' cover every value the field allows"},
    {"name contains 'ab' and not name contains 'a'", false, NEVER,
     "name contains 'ab' and not name contains 'a' cannot both hold"},
    {"name contains 'ab' and name contains 'cd'", false, SOME, NULL},
    {"name = 'abc' and name contains 'b'", false, SOME, NULL},
    {"name = 'abc' and name contains 'x'", false, NEVER,
     "name = 'abc' and name contains 'x' cannot both hold"},
    {"name = 'abcdefghijk'", true, NEVER,
     "name = 'abcdefghijk' holds for no value the field allows"},
    {"name contains '一二三四五六七八九十'", true, SOME, NULL},
    {"name contains '一二三四五六七八九十零'", true, NEVER,
     "name contains '一二三四五六七八九十零' holds for no value the field "
     "allows"},
    {"holder = '110105'", false, NEVER,
     "holder = '110105' holds for no value the field allows"},
    {"holder = '11010519491231002X'", false, SOME, NULL},
    /* across fields, and / or / not */
    {"(online or employees > 5) and not online and employees < 3", false, NEVER,
     "(online or employees > 5) and not online and employees < 3 cannot all "
     "hold"},
    {"employees > 500 or capital < 0", false, NEVER,
     "employees > 500 or capital < 0 holds for no form the definition "
     "accepts"},
    {"online and (employees > 10 and employees < 5 or capital < 0)", false,
     NEVER,
     "(employees > 10 and employees < 5 or capital < 0) holds for no form "
     "the definition accepts"},
    {"not (employees > 500 and online)", false, ALWAYS,
     "not employees > 500 holds for every value the field allows"},
    {"online or employees > 500", false, SOME, NULL},
    {"online and capital > 1 or kind = 'branch'", false, SOME, NULL},
    /* an empty employees makes `not employees <= 5` true */
    {"not (online and employees > 5 or not online or employees <= 5)", false,
     SOME, NULL},
    {"not (online and employees > 5 or not online or employees <= 5)", true,
     NEVER,
     "not (online and employees > 5) and online and not employees <= 5 "
     "cannot all hold"},
    {"not (online and employees > 5 or online and employees <= 5 or not "
     "online)",
     true, NEVER,
     "not (online and employees > 5) and not (online and employees <= 5) and "
     "online cannot all hold"},
    {"not (not online or employees < 5) and employees < 3", false, NEVER,
     "not employees < 5 and employees < 3 leave no value"},
};

static void test_verdict_table(void) {
  char name[160], why[240];
  for (size_t i = 0; i < sizeof verdict_cases / sizeof verdict_cases[0]; i++) {
    const verdict_case *v = &verdict_cases[i];
    const tb_definition *d = v->strict ? &strict : &def;
    tb_arena *a = tb_arena_new();
    const tb_cond *c = NULL;
    tb_problem p = {0};
    tb_status st = tb_cond_parse(a, d, v->text, strlen(v->text), &c, &p);
    TB_CHECKF(st == TB_OK, "'%s': %s", v->text, p.detail);
    if (st == TB_OK) {
      tb_cond_verdict got = tb_cond_analyze(c, d, why, sizeof why);
      TB_CHECKF(got == v->want, "'%s': verdict %d, want %d (%s)", v->text,
                (int)got, (int)v->want, why);
      TB_CHECKF(strcmp(why, v->reason ? v->reason : "") == 0,
                "'%s': reason \"%s\", want \"%s\"", v->text, why,
                v->reason ? v->reason : "");
    }
    tb_arena_free(a);
    case_name(name, sizeof name, v->strict ? "verdict strict" : "verdict",
              v->text, strlen(v->text));
    tb_test_report(name);
  }
}

/* A verdict must agree with every valid form: check NEVER and ALWAYS
 * against the fixtures for every evaluation case. */
static void test_verdicts_are_sound(void) {
  tb_problem p = {0};
  TB_CHECK_INT(tb_form_check(&def, &form_a, 0, &p), TB_OK);
  TB_CHECK_INT(tb_form_check(&def, &form_b, 0, &p), TB_OK);
  TB_CHECK_INT(tb_form_check(&def, &form_c, 0, &p), TB_OK);
  for (size_t i = 0; i < sizeof eval_cases / sizeof eval_cases[0]; i++) {
    const eval_case *e = &eval_cases[i];
    tb_arena *a = tb_arena_new();
    const tb_cond *c = NULL;
    if (tb_cond_parse(a, &def, e->text, strlen(e->text), &c, NULL) == TB_OK) {
      tb_cond_verdict v = tb_cond_analyze(c, &def, NULL, 0);
      if (v == TB_COND_NEVER)
        TB_CHECKF(!e->a && !e->b && !e->c, "'%s' holds on a fixture", e->text);
      if (v == TB_COND_ALWAYS)
        TB_CHECKF(e->a && e->b && e->c, "'%s' fails on a fixture", e->text);
    }
    tb_arena_free(a);
  }
}

/* A condition parsed against one definition, analysed with none or with
 * another whose field types differ: no verdict. */
static void test_verdict_without_definition(void) {
  tb_arena *a = tb_arena_new();
  const tb_cond *c = NULL;
  char why[100] = "x";
  TB_CHECK_INT(tb_cond_parse(a, &def, "employees > 500", 15, &c, NULL), TB_OK);
  TB_CHECK_INT(tb_cond_analyze(c, &def, NULL, 0), TB_COND_NEVER);
  TB_CHECK_INT(tb_cond_analyze(c, NULL, why, sizeof why), TB_COND_SOMETIMES);
  TB_CHECK_STR(why, "");
  tb_field other[F_COUNT];
  memcpy(other, fields, sizeof other);
  other[F_EMPLOYEES].type = TB_FIELD_TEXT;
  tb_definition changed = {.id = "x", .fields = other, .n_fields = F_COUNT};
  TB_CHECK_INT(tb_cond_analyze(c, &changed, why, sizeof why),
               TB_COND_SOMETIMES);
  tb_definition fewer = {.id = "x", .fields = fields, .n_fields = 0};
  TB_CHECK_INT(tb_cond_analyze(c, &fewer, why, sizeof why), TB_COND_SOMETIMES);
  /* a small buffer gets as much of the reason as fits */
  char tiny[8];
  TB_CHECK_INT(tb_cond_analyze(c, &def, tiny, sizeof tiny), TB_COND_NEVER);
  TB_CHECK_STR(tiny, "employe");
  tb_arena_free(a);
}

/* A reason quotes at most three operands and cuts a long one. */
static void test_reason_is_short(void) {
  tb_arena *a = tb_arena_new();
  const tb_cond *c = NULL;
  char why[240];
  const char *many = "online and not online and online and not online and "
                     "online and not online";
  /* online and not online: two suffice */
  TB_CHECK_INT(tb_cond_parse(a, &def, many, strlen(many), &c, NULL), TB_OK);
  TB_CHECK_INT(tb_cond_analyze(c, &def, why, sizeof why), TB_COND_NEVER);
  TB_CHECK_STR(why, "online and not online cannot both hold");
  const char *four = "(online or employees > 5) and not online and "
                     "(employees < 3 or capital > 5) and (employees < 3 or "
                     "capital < 1)";
  TB_CHECK_INT(tb_cond_parse(a, &def, four, strlen(four), &c, NULL), TB_OK);
  TB_CHECK_INT(tb_cond_analyze(c, &def, why, sizeof why), TB_COND_NEVER);
  TB_CHECK_STR(why, "(online or employees > 5) and not online and (employees "
                    "< 3 or capital > 5) and (employees < 3 or capital < 1) "
                    "cannot all hold");
  const char *five = "(online or employees > 5) and not online and "
                     "(employees < 3 or capital > 5) and (employees < 3 or "
                     "founded > '2020-01-01') and (employees < 3 or capital "
                     "< 1 or founded < '2010-01-01')";
  TB_CHECK_INT(tb_cond_parse(a, &def, five, strlen(five), &c, NULL), TB_OK);
  TB_CHECK_INT(tb_cond_analyze(c, &def, why, sizeof why), TB_COND_NEVER);
  TB_CHECK(strstr(why, " and 2 more cannot all hold") != NULL);
  const char *longer = "(employees > 10 or online and capital > 1 and founded "
                       "> '2020-01-01' and name = 'abc') and employees < 5 "
                       "and not online";
  TB_CHECK_INT(tb_cond_parse(a, &def, longer, strlen(longer), &c, NULL), TB_OK);
  TB_CHECK_INT(tb_cond_analyze(c, &def, why, sizeof why), TB_COND_NEVER);
  TB_CHECK(strstr(why, "\u2026 and employees < 5 and not online cannot all "
                       "hold") != NULL);
  TB_CHECK_INT(tb_cond_analyze(NULL, &def, why, sizeof why), TB_COND_ALWAYS);
  TB_CHECK_STR(why, "there is no condition");
  tb_arena_free(a);
}

/* Work is bounded: a condition the search cannot settle in time is
 * SOMETIMES, even when it can in fact never hold. */
static void test_bounded_work(void) {
  enum { PAIRS = 10 };
  tb_field many[2 * PAIRS];
  char ids[2 * PAIRS][8];
  for (int i = 0; i < 2 * PAIRS; i++) {
    snprintf(ids[i], sizeof ids[i], "%c%d", i < PAIRS ? 'f' : 'h', i % PAIRS);
    many[i] = (tb_field){.id = ids[i],
                         .type = TB_FIELD_NUMBER,
                         .integer = true,
                         .has_min = true,
                         .has_max = true,
                         .max = 100};
  }
  tb_definition wide = {.id = "wide", .fields = many, .n_fields = 2 * PAIRS};
  /* (f0 = 1 and h0 > 5 and h0 < 3) or (f1 = 1 and …) or …: every part
   * can never hold, but the parts share one search */
  char text[1024];
  size_t n = 0;
  for (int i = 0; i < PAIRS; i++)
    n += (size_t)snprintf(text + n, sizeof text - n,
                          "%s(f%d = 1 and h%d > 5 and h%d < 3)",
                          i ? " or " : "", i, i, i);
  tb_arena *a = tb_arena_new();
  const tb_cond *c = NULL;
  char why[240] = "x";
  tb_problem p = {0};
  TB_CHECK_INT(tb_cond_parse(a, &wide, text, n, &c, &p), TB_OK);
  TB_CHECK_INT(tb_cond_analyze(c, &wide, why, sizeof why), TB_COND_SOMETIMES);
  TB_CHECK_STR(why, "");
  /* two of the parts are settled within the budget */
  const char *two = "(f0 = 1 and h0 > 5 and h0 < 3) or (f1 = 1 and h1 > 5 and "
                    "h1 < 3)";
  TB_CHECK_INT(tb_cond_parse(a, &wide, two, strlen(two), &c, &p), TB_OK);
  TB_CHECK_INT(tb_cond_analyze(c, &wide, why, sizeof why), TB_COND_NEVER);
  /* and so is a plain contradiction next to a large part */
  n = 0;
  for (int i = 0; i < 2 * PAIRS; i++)
    n += (size_t)snprintf(text + n, sizeof text - n, "%s%s = 1",
                          i ? " or " : "(", ids[i]);
  n += (size_t)snprintf(text + n, sizeof text - n, ") and h0 > 5 and h0 < 3");
  TB_CHECK_INT(tb_cond_parse(a, &wide, text, n, &c, &p), TB_OK);
  TB_CHECK_INT(tb_cond_analyze(c, &wide, why, sizeof why), TB_COND_NEVER);
  TB_CHECK_STR(why, "h0 > 5 and h0 < 3 leave no value");
  tb_arena_free(a);
}

int main(void) {
  setup();
  setup_strict();
  test_eval_table();
  TB_RUN(test_null_condition);
  test_error_table();
  TB_RUN(test_size_cap);
  TB_RUN(test_depth_cap);
  TB_RUN(test_arguments);
  TB_RUN(test_field_beyond_form);
  test_verdict_table();
  TB_RUN(test_verdicts_are_sound);
  TB_RUN(test_verdict_without_definition);
  TB_RUN(test_reason_is_short);
  TB_RUN(test_bounded_work);
  return tb_test_done();
}
