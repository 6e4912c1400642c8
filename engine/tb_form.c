/*
 * tb_form.c — form values: parsing the text of one value, checking a value
 * against its field, and checking a whole form.
 *
 * Decisions the header leaves open:
 * - An empty string (or s == NULL with len 0) is no value: tb_value_parse
 *   returns TB_OK with out->present false, so that tb_form_check reports a
 *   required field that was left blank as "is required".
 * - text must be valid UTF-8 (RFC 3629: no overlong forms, no surrogates)
 *   without any control character: C0 (NUL, tab and newline included), DEL
 *   and C1 are all refused. Text is capped at TEXT_MAX_BYTES bytes whatever
 *   the field's bounds say.
 * - number: '-'? digits ('.' digits)?, at most MAX_DIGITS digits; no '+',
 *   no exponent, no spaces, no "nan" / "inf" / hex. Leading zeros are
 *   decimal ("007" is 7). `integer` refuses a non-zero fraction ("12.0" is
 *   12) and magnitudes above 2^53, which a double cannot hold exactly.
 *   Conversion uses strtod on a bounded copy, so LC_NUMERIC must be "C"
 *   (the default of a program that never calls setlocale).
 * - money: digits ('.' d d?)? yuan, converted to fen with integer
 *   arithmetic only. A '-' is accepted only when the field's min is below
 *   zero.
 * - choice: several values only when `multiple`, separated by ',' with no
 *   spaces; an empty item or a repeated value is refused. A present choice
 *   value has at least one choice. For `multiple` fields min / max, when
 *   set, bound how many are chosen.
 * - id-number: 18 characters; when the first 17 are digits it is checked as
 *   a citizen ID, and if that fails, as a credit code (public institutions'
 *   codes can start with 17 digits) before the citizen ID's problem is
 *   reported; otherwise it is checked as a credit code.
 */
#include "tb_engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  TEXT_MAX_BYTES = 400000, /* any text: 100000 characters of any script */
  MAX_DIGITS = 30,         /* numbers and money */
  QUOTE_MAX = 32           /* code points of a value quoted in a message */
};

#define INTEGER_LIMIT 9007199254740992.0 /* 2^53 */

static const char *field_id(const tb_field *f) {
  return f->id ? f->id : "";
}

static tb_status invalid(const tb_field *f, tb_problem *p, const char *msg) {
  return tb_problem_set(p, TB_ERR_INVALID, field_id(f), "%s", msg);
}

/* ---- text ------------------------------------------------------------- */

static bool is_control(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
}

/* Copy at most QUOTE_MAX code points of s into buf for a message, with
 * '?' for control characters and invalid bytes, and "..." when cut. */
static void quote(char *buf, size_t size, const char *s, size_t len) {
  size_t i = 0, o = 0, count = 0;
  while (i < len && count < QUOTE_MAX && o + 5 < size) {
    uint32_t cp;
    size_t n = tb_utf8_decode(s + i, len - i, &cp);
    if (n == 0 || is_control(cp)) {
      i++;
      buf[o++] = '?';
    } else {
      memcpy(buf + o, s + i, n);
      o += n;
      i += n;
    }
    count++;
  }
  if (i < len && o + 4 <= size) {
    memcpy(buf + o, "...", 3);
    o += 3;
  }
  buf[o] = '\0';
}

/* ---- exact comparisons and formatting --------------------------------- */

/* -1, 0 or 1 as a is below, equal to or above b, exactly. */
static int cmp_i64_double(int64_t a, double b) {
  if (b >= 9223372036854775808.0)
    return -1;
  if (b < -9223372036854775808.0)
    return 1;
  int64_t t = (int64_t)b; /* truncated toward zero, exact */
  if (a != t)
    return a < t ? -1 : 1;
  double frac = b - (double)t;
  return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

static void format_double(char buf[static 32], double d) {
  snprintf(buf, 32, "%.15g", d);
}

/* A bound given in fen as a double, written in yuan ("12.50"). */
static void format_yuan(char buf[static 32], double fen, bool is_min) {
  double r = is_min ? ceil(fen) : floor(fen);
  if (!(r > -9.2e18 && r < 9.2e18)) {
    snprintf(buf, 32, "%.0f", r / 100);
    return;
  }
  int64_t v = (int64_t)r;
  uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  snprintf(buf, 32, "%s%llu.%02llu", v < 0 ? "-" : "",
           (unsigned long long)(m / 100), (unsigned long long)(m % 100));
}

static const char *plural(double n, const char *one, const char *many) {
  return n == 1 ? one : many;
}

/* ---- checks of built values ------------------------------------------- */

static tb_status check_text(const tb_field *f, const char *s, size_t len,
                            tb_problem *p) {
  char b[32];
  if (len > TEXT_MAX_BYTES)
    return tb_problem_set(p, TB_ERR_INVALID, field_id(f),
                          "must be at most %d bytes", TEXT_MAX_BYTES);
  if (!s && len)
    return invalid(f, p, "must be valid UTF-8");
  size_t i = 0, n = 0;
  while (i < len) {
    uint32_t cp;
    size_t k = tb_utf8_decode(s + i, len - i, &cp);
    if (k == 0)
      return invalid(f, p, "must be valid UTF-8");
    if (is_control(cp))
      return invalid(f, p, "must not contain control characters");
    i += k;
    n++;
  }
  if (f->has_min && (double)n < f->min) {
    format_double(b, f->min);
    return tb_problem_set(p, TB_ERR_INVALID, field_id(f),
                          "must be at least %s %s", b,
                          plural(f->min, "character", "characters"));
  }
  if (f->has_max && (double)n > f->max) {
    format_double(b, f->max);
    return tb_problem_set(p, TB_ERR_INVALID, field_id(f),
                          "must be at most %s %s", b,
                          plural(f->max, "character", "characters"));
  }
  return TB_OK;
}

static tb_status check_number(const tb_field *f, double x, tb_problem *p) {
  char b[32];
  if (!isfinite(x))
    return invalid(f, p, "must be a finite number");
  if (f->integer && x != floor(x))
    return invalid(f, p, "must be a whole number");
  if (f->integer && fabs(x) > INTEGER_LIMIT)
    return invalid(f, p, "is too large for a whole number");
  if (f->has_min && x < f->min) {
    format_double(b, f->min);
    return tb_problem_set(p, TB_ERR_INVALID, field_id(f), "must be at least %s",
                          b);
  }
  if (f->has_max && x > f->max) {
    format_double(b, f->max);
    return tb_problem_set(p, TB_ERR_INVALID, field_id(f), "must be at most %s",
                          b);
  }
  return TB_OK;
}

static bool negative_allowed(const tb_field *f) {
  return f->has_min && f->min < 0;
}

static tb_status check_money(const tb_field *f, int64_t fen, tb_problem *p) {
  char b[32];
  if (fen < 0 && !negative_allowed(f))
    return invalid(f, p, "must not be negative");
  if (f->has_min && cmp_i64_double(fen, f->min) < 0) {
    format_yuan(b, f->min, true);
    return tb_problem_set(p, TB_ERR_INVALID, field_id(f),
                          "must be at least %s yuan", b);
  }
  if (f->has_max && cmp_i64_double(fen, f->max) > 0) {
    format_yuan(b, f->max, false);
    return tb_problem_set(p, TB_ERR_INVALID, field_id(f),
                          "must be at most %s yuan", b);
  }
  return TB_OK;
}

static bool date_bound(double bound, bool is_min, tb_day *out) {
  double r = is_min ? ceil(bound) : floor(bound);
  if (!(r > -2e9 && r < 2e9))
    return false;
  *out = (tb_day)r;
  return true;
}

/* min="today" / max="today": bounds relative to the day of intake, which
 * is only known when today is given (stored forms are loaded with 0). */
static tb_status check_today(const tb_field *f, tb_day d, tb_day today,
                             tb_problem *p) {
  char s[11];
  if (today == 0)
    return TB_OK;
  tb_date_format(today, s);
  if (f->max_today && d > today)
    return tb_problem_set(p, TB_ERR_INVALID, field_id(f),
                          "must not be after today (%s)", s);
  if (f->min_today && d < today)
    return tb_problem_set(p, TB_ERR_INVALID, field_id(f),
                          "must not be before today (%s)", s);
  return TB_OK;
}

static tb_status check_date(const tb_field *f, tb_day d, tb_day today,
                            tb_problem *p) {
  tb_day lo = 0, hi = 0, b;
  char s[11];
  if (tb_date_from_ymd(1900, 1, 1, &lo) != TB_OK ||
      tb_date_from_ymd(2199, 12, 31, &hi) != TB_OK || d < lo || d > hi)
    return invalid(f, p, "must be a date between 1900-01-01 and 2199-12-31");
  if (check_today(f, d, today, p) != TB_OK)
    return TB_ERR_INVALID;
  if (f->has_min && date_bound(f->min, true, &b) && d < b) {
    tb_date_format(b, s);
    return tb_problem_set(p, TB_ERR_INVALID, field_id(f),
                          "must be on or after %s", s);
  }
  if (f->has_max && date_bound(f->max, false, &b) && d > b) {
    tb_date_format(b, s);
    return tb_problem_set(p, TB_ERR_INVALID, field_id(f),
                          "must be on or before %s", s);
  }
  return TB_OK;
}

static int popcount64(uint64_t x) {
  int n = 0;
  for (; x; x &= x - 1)
    n++;
  return n;
}

static tb_status check_choice(const tb_field *f, uint64_t set, tb_problem *p) {
  char b[32];
  if (f->n_choices > TB_MAX_CHOICES)
    return tb_problem_set(p, TB_ERR_LIMIT, field_id(f),
                          "has more than %d choices", TB_MAX_CHOICES);
  if (f->n_choices < 64 && (set >> f->n_choices) != 0)
    return invalid(f, p, "names a choice that does not exist");
  int n = popcount64(set);
  if (n == 0)
    return invalid(f, p, "must have at least one choice");
  if (!f->multiple && n != 1)
    return invalid(f, p, "must be a single choice");
  if (f->multiple && f->has_min && n < f->min) {
    format_double(b, f->min);
    return tb_problem_set(p, TB_ERR_INVALID, field_id(f),
                          "must have at least %s %s", b,
                          plural(f->min, "choice", "choices"));
  }
  if (f->multiple && f->has_max && n > f->max) {
    format_double(b, f->max);
    return tb_problem_set(p, TB_ERR_INVALID, field_id(f),
                          "must have at most %s %s", b,
                          plural(f->max, "choice", "choices"));
  }
  return TB_OK;
}

static bool all_digits(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return true;
}

static tb_status check_id_number(const tb_field *f, const char *s, size_t len,
                                 tb_day today, tb_problem *p) {
  if (len != 18 || !s)
    return invalid(f, p,
                   "must be 18 characters: a citizen ID or a credit code");
  tb_problem mine = {0}, other = {0};
  tb_status st;
  if (all_digits(s, 17)) {
    st = tb_id_check_citizen(s, len, today, &mine);
    if (st != TB_OK && tb_id_check_credit_code(s, len, &other) == TB_OK)
      st = TB_OK;
  } else {
    st = tb_id_check_credit_code(s, len, &mine);
  }
  if (st == TB_OK)
    return TB_OK;
  return tb_problem_set(p, st, field_id(f), "%s",
                        mine.detail[0] ? mine.detail
                                       : "is not a valid citizen ID or "
                                         "credit code");
}

tb_status tb_value_check(const tb_field *f, const tb_value *v, tb_day today,
                         tb_problem *p) {
  if (!f || !v)
    return tb_problem_set(p, TB_ERR_INVALID, NULL, "no field or no value");
  if (!v->present)
    return TB_OK;
  switch (f->type) {
  case TB_FIELD_TEXT:
    return check_text(f, v->text, v->text_len, p);
  case TB_FIELD_NUMBER:
    return check_number(f, v->number, p);
  case TB_FIELD_MONEY:
    return check_money(f, v->money, p);
  case TB_FIELD_DATE:
    return check_date(f, v->date, today, p);
  case TB_FIELD_CHOICE:
    return check_choice(f, v->choices, p);
  case TB_FIELD_BOOLEAN:
    return TB_OK;
  case TB_FIELD_ID_NUMBER:
    return check_id_number(f, v->text, v->text_len, today, p);
  }
  return invalid(f, p, "has an unknown field type");
}

/* ---- parsing ---------------------------------------------------------- */

/* The strict decimal grammar shared by number and money:
 * '-'? digits ('.' digits)?. Fills the counts; false if it does not match. */
typedef struct {
  bool negative;
  size_t int_digits, frac_digits; /* frac_digits 0: no '.' */
  const char *int_start, *frac_start;
} decimal;

static bool scan_decimal(const char *s, size_t len, decimal *d) {
  size_t i = 0;
  memset(d, 0, sizeof *d);
  if (i < len && s[i] == '-')
    d->negative = true, i++;
  d->int_start = s + i;
  while (i < len && s[i] >= '0' && s[i] <= '9')
    i++, d->int_digits++;
  if (d->int_digits == 0)
    return false;
  if (i < len && s[i] == '.') {
    i++;
    d->frac_start = s + i;
    while (i < len && s[i] >= '0' && s[i] <= '9')
      i++, d->frac_digits++;
    if (d->frac_digits == 0)
      return false;
  }
  return i == len;
}

static tb_status parse_number(const tb_field *f, const char *s, size_t len,
                              tb_value *out, tb_problem *p) {
  decimal d;
  char buf[MAX_DIGITS + 4];
  if (!scan_decimal(s, len, &d))
    return invalid(f, p, "must be a number like 42 or -3.5");
  if (d.int_digits + d.frac_digits > MAX_DIGITS)
    return tb_problem_set(p, TB_ERR_INVALID, field_id(f),
                          "must have at most %d digits", MAX_DIGITS);
  memcpy(buf, s, len); /* len <= MAX_DIGITS + 2 */
  buf[len] = '\0';
  double x = strtod(buf, NULL);
  out->number = x == 0 ? 0.0 : x; /* no negative zero */
  return check_number(f, out->number, p);
}

static tb_status parse_money(const tb_field *f, const char *s, size_t len,
                             tb_value *out, tb_problem *p) {
  decimal d;
  if (!scan_decimal(s, len, &d))
    return invalid(f, p, "must be an amount in yuan like 1200.50");
  if (d.frac_digits > 2)
    return invalid(f, p, "must have at most two decimals");
  if (d.negative && !negative_allowed(f))
    return invalid(f, p, "must not be negative");
  int64_t yuan = 0, cents = 0;
  for (size_t i = 0; i < d.int_digits; i++) {
    int digit = d.int_start[i] - '0';
    if (yuan > (INT64_MAX / 100 - digit) / 10)
      return invalid(f, p, "is too large");
    yuan = yuan * 10 + digit;
  }
  for (size_t i = 0; i < 2; i++)
    cents = cents * 10 + (i < d.frac_digits ? d.frac_start[i] - '0' : 0);
  if (yuan > (INT64_MAX - cents) / 100)
    return invalid(f, p, "is too large");
  int64_t fen = yuan * 100 + cents;
  out->money = d.negative ? -fen : fen;
  return check_money(f, out->money, p);
}

static tb_status parse_date(const tb_field *f, const char *s, size_t len,
                            tb_day today, tb_value *out, tb_problem *p) {
  if (len != 10 || tb_date_parse(s, len, &out->date) != TB_OK)
    return invalid(f, p, "must be a date like 2026-11-21");
  return check_date(f, out->date, today, p);
}

static int find_choice(const tb_field *f, const char *s, size_t len) {
  size_t n = f->n_choices < TB_MAX_CHOICES ? f->n_choices : TB_MAX_CHOICES;
  for (size_t i = 0; i < n; i++) {
    const char *v = f->choices[i].value;
    if (v && strlen(v) == len && memcmp(v, s, len) == 0)
      return (int)i;
  }
  return -1;
}

/* "food, retail, catering" or as much of it as fits, then "...". */
static void list_choices(const tb_field *f, char *buf, size_t size) {
  size_t o = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < f->n_choices && i < TB_MAX_CHOICES; i++) {
    const char *v = f->choices[i].value ? f->choices[i].value : "";
    size_t need = strlen(v) + (i ? 2 : 0);
    if (o + need + 4 >= size) {
      snprintf(buf + o, size - o, "%s...", i ? ", " : "");
      return;
    }
    o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? ", " : "", v);
  }
}

static tb_status unknown_choice(const tb_field *f, const char *s, size_t len,
                                tb_problem *p) {
  char q[QUOTE_MAX * 4 + 8], allowed[128];
  quote(q, sizeof q, s, len);
  list_choices(f, allowed, sizeof allowed);
  return tb_problem_set(p, TB_ERR_INVALID, field_id(f),
                        "unknown choice '%s' (allowed: %s)", q, allowed);
}

static tb_status parse_choice(const tb_field *f, const char *s, size_t len,
                              tb_value *out, tb_problem *p) {
  if (f->n_choices > TB_MAX_CHOICES)
    return tb_problem_set(p, TB_ERR_LIMIT, field_id(f),
                          "has more than %d choices", TB_MAX_CHOICES);
  if (!f->multiple) {
    int i = find_choice(f, s, len);
    if (i < 0 && memchr(s, ',', len))
      return invalid(f, p, "must be a single choice");
    if (i < 0)
      return unknown_choice(f, s, len, p);
    out->choices = (uint64_t)1 << i;
    return check_choice(f, out->choices, p);
  }
  size_t start = 0;
  while (start <= len) {
    const char *comma = memchr(s + start, ',', len - start);
    size_t end = comma ? (size_t)(comma - s) : len;
    if (end == start)
      return invalid(f, p, "must not contain an empty choice");
    int i = find_choice(f, s + start, end - start);
    if (i < 0)
      return unknown_choice(f, s + start, end - start, p);
    if (out->choices & ((uint64_t)1 << i)) {
      char q[QUOTE_MAX * 4 + 8];
      quote(q, sizeof q, s + start, end - start);
      return tb_problem_set(p, TB_ERR_INVALID, field_id(f),
                            "must not list '%s' twice", q);
    }
    out->choices |= (uint64_t)1 << i;
    start = end + 1;
  }
  return check_choice(f, out->choices, p);
}

static tb_status parse_boolean(const tb_field *f, const char *s, size_t len,
                               tb_value *out, tb_problem *p) {
  if (len == 4 && memcmp(s, "true", 4) == 0)
    out->boolean = true;
  else if (len == 5 && memcmp(s, "false", 5) == 0)
    out->boolean = false;
  else
    return invalid(f, p, "must be true or false");
  return TB_OK;
}

tb_status tb_value_parse(const tb_field *f, const char *s, size_t len,
                         tb_day today, tb_value *out, tb_problem *p) {
  if (!f || !out || (!s && len))
    return tb_problem_set(p, TB_ERR_INVALID, f ? field_id(f) : NULL,
                          "no field or no value");
  memset(out, 0, sizeof *out);
  if (len == 0)
    return TB_OK; /* no value; tb_form_check decides if one was required */
  tb_status st;
  switch (f->type) {
  case TB_FIELD_TEXT:
  case TB_FIELD_ID_NUMBER:
    out->text = s;
    out->text_len = len;
    st = f->type == TB_FIELD_TEXT ? check_text(f, s, len, p)
                                  : check_id_number(f, s, len, today, p);
    break;
  case TB_FIELD_NUMBER:
    st = parse_number(f, s, len, out, p);
    break;
  case TB_FIELD_MONEY:
    st = parse_money(f, s, len, out, p);
    break;
  case TB_FIELD_DATE:
    st = parse_date(f, s, len, today, out, p);
    break;
  case TB_FIELD_CHOICE:
    st = parse_choice(f, s, len, out, p);
    break;
  case TB_FIELD_BOOLEAN:
    st = parse_boolean(f, s, len, out, p);
    break;
  default:
    st = invalid(f, p, "has an unknown field type");
  }
  if (st != TB_OK) {
    memset(out, 0, sizeof *out);
    return st;
  }
  out->present = true;
  return TB_OK;
}

tb_status tb_form_check(const tb_definition *def, const tb_form *form,
                        tb_day today, tb_problem *p) {
  if (!def || !form)
    return tb_problem_set(p, TB_ERR_INVALID, NULL, "no definition or form");
  if (def->n_fields > TB_MAX_FIELDS)
    return tb_problem_set(p, TB_ERR_LIMIT, NULL,
                          "the form has more than %d fields", TB_MAX_FIELDS);
  for (size_t i = 0; i < def->n_fields; i++) {
    const tb_field *f = &def->fields[i];
    const tb_value *v = &form->values[i];
    if (!v->present) {
      if (f->required)
        return invalid(f, p, "is required");
      continue;
    }
    tb_status st = tb_value_check(f, v, today, p);
    if (st != TB_OK)
      return st;
  }
  return TB_OK;
}

tb_status tb_form_check_same_as(const tb_definition *def, const tb_form *form,
                                const char *applicant, size_t len,
                                tb_problem *p) {
  if (!def || !form || (!applicant && len))
    return tb_problem_set(p, TB_ERR_INVALID, NULL, "no definition or form");
  for (size_t i = 0; i < def->n_fields && i < TB_MAX_FIELDS; i++) {
    const tb_field *f = &def->fields[i];
    const tb_value *v = &form->values[i];
    if (!f->same_as_applicant || !v->present)
      continue;
    if (v->text_len != len || (len && memcmp(v->text, applicant, len) != 0))
      return invalid(f, p, "must be the applicant's own number");
  }
  return TB_OK;
}
