/*
 * tb_calendar.c — dates and the working-day calendar.
 *
 * Dates are day numbers in the proleptic Gregorian calendar (days since
 * 1970-01-01). A calendar keeps one bit per day from 1900-01-01 to a little
 * after 2199-12-31 (1 = a working day) and, per 64-day word, how many
 * working days precede it. Asking whether a day is worked is a bit test;
 * counting working days is a rank over that bitmap and finding the n-th
 * working day is a select, so deadlines cost the same for 2 days or 2000.
 * Outside the bitmap every Monday to Friday is a working day. A NULL
 * calendar is the plain week in China Standard Time.
 *
 * Exceptions are consistent by construction: a holiday is always a weekday
 * and an adjusted working day (调休) always a weekend day, so the exception
 * list is exactly where the bitmap differs from the plain week.
 */
#include "tb_engine.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  DAY_MIN = -25567,         /* 1900-01-01 */
  DAY_MAX = 84005,          /* 2199-12-31 */
  NWORDS = 1713,            /* ceil((DAY_MAX - DAY_MIN + 1) / 64) */
  PARSE_MAX_TEXT = 1 << 20, /* 1 MiB */
  PARSE_MAX_LINE = 256,
  DEFAULT_UTC_OFFSET = 8 * 3600 /* China Standard Time */
};

/* The bitmap covers [DAY_MIN, DAY_LIMIT); days past DAY_MAX keep the plain
 * weekday rule, as days outside the bitmap do. */
#define DAY_LIMIT ((int64_t)DAY_MIN + 64 * (int64_t)NWORDS)

struct tb_calendar {
  int32_t utc_offset;
  tb_day covered_until;    /* last day of the years loaded; 0: none */
  int64_t base_rank;       /* working days counted up to DAY_MIN - 1 */
  uint64_t bits[NWORDS];   /* bit j of word w: day DAY_MIN + 64w + j */
  int32_t cum[NWORDS + 1]; /* working days before word w */
  tb_day *exceptions;      /* sorted */
  size_t n_exceptions, cap_exceptions;
};

/* ------------------------------------------------------------------------
 * Dates
 * ---------------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b) {
  return a - floor_div(a, b) * b;
}

static bool is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days from civil (H. Hinnant's algorithm), valid for any year here. */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = floor_div(y, 400);
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

tb_status tb_date_from_ymd(int year, int month, int day, tb_day *out) {
  if (year < 1900 || year > 2199 || month < 1 || month > 12 || day < 1 ||
      day > days_in_month(year, month))
    return TB_ERR_INVALID;
  if (out)
    *out = (tb_day)days_from_civil(year, month, day);
  return TB_OK;
}

void tb_date_to_ymd(tb_day d, int *year, int *month, int *day) {
  int64_t z = (int64_t)d + 719468;
  int64_t era = floor_div(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int dd = (int)(doy - (153 * mp + 2) / 5 + 1);
  int mm = (int)(mp < 10 ? mp + 3 : mp - 9);
  int64_t yy = yoe + era * 400 + (mm <= 2);
  if (year)
    *year = (int)yy;
  if (month)
    *month = mm;
  if (day)
    *day = dd;
}

tb_day tb_date_add_months(tb_day d, int months) {
  int y, m, dd;
  tb_date_to_ymd(d, &y, &m, &dd);
  int64_t index = (int64_t)y * 12 + (m - 1) + months;
  int64_t ny = floor_div(index, 12);
  int nm = (int)(index - ny * 12) + 1;
  int last = days_in_month((int)ny, nm);
  return (tb_day)days_from_civil(ny, nm, dd < last ? dd : last);
}

static bool all_digits(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return true;
}

static int digits_value(const char *s, size_t len) {
  int v = 0;
  for (size_t i = 0; i < len; i++)
    v = v * 10 + (s[i] - '0');
  return v;
}

/* Whether s has the shape YYYY-MM-DD (digits and dashes only). */
static bool date_shape(const char *s, size_t len) {
  return len == 10 && s[4] == '-' && s[7] == '-' && all_digits(s, 4) &&
         all_digits(s + 5, 2) && all_digits(s + 8, 2);
}

tb_status tb_date_parse(const char *s, size_t len, tb_day *out) {
  if (!s || !date_shape(s, len))
    return TB_ERR_INVALID;
  return tb_date_from_ymd(digits_value(s, 4), digits_value(s + 5, 2),
                          digits_value(s + 8, 2), out);
}

static void put_digits(char *buf, int value, int width) {
  for (int i = width - 1; i >= 0; i--) {
    buf[i] = (char)('0' + value % 10);
    value /= 10;
  }
}

void tb_date_format(tb_day d, char buf[static 11]) {
  int y, m, dd;
  tb_date_to_ymd(d, &y, &m, &dd);
  if (y < 0 || y > 9999) {
    /* Not a date anybody could mean; keep the shape, never overflow. */
    memcpy(buf, "0000-00-00", 11);
    return;
  }
  put_digits(buf, y, 4);
  buf[4] = '-';
  put_digits(buf + 5, m, 2);
  buf[7] = '-';
  put_digits(buf + 8, dd, 2);
  buf[10] = '\0';
}

void tb_date_format_zh(tb_day d, char buf[static TB_DATE_ZH_MAX]) {
  int y, m, dd;
  tb_date_to_ymd(d, &y, &m, &dd);
  if (y < 0 || y > 9999)
    y = m = dd = 0; /* not a date anybody could mean: never overflow */
  snprintf(buf, TB_DATE_ZH_MAX, "%d年%d月%d日", y, m, dd);
}

int tb_date_weekday(tb_day d) {
  /* 1970-01-01 was a Thursday. */
  return (int)floor_mod((int64_t)d + 3, 7) + 1;
}

static bool is_weekend(int64_t d) {
  return floor_mod(d + 3, 7) >= 5;
}

static const char *weekday_name(tb_day d) {
  static const char *const names[] = {"monday",   "tuesday", "wednesday",
                                      "thursday", "friday",  "saturday",
                                      "sunday"};
  return names[tb_date_weekday(d) - 1];
}

/* ------------------------------------------------------------------------
 * Ranks: how many working days lie up to a day
 * ---------------------------------------------------------------------- */

/* Monday to Friday days in (-inf, x], counted from a Monday epoch. */
static int64_t plain_rank(int64_t x) {
  int64_t k = x + 3; /* k mod 7 == 0 on Mondays */
  int64_t r = floor_mod(k, 7);
  return floor_div(k, 7) * 5 + (r < 5 ? r + 1 : 5);
}

/* The r-th plain weekday: the smallest x with plain_rank(x) >= r. */
static int64_t plain_select(int64_t r) {
  int64_t q = floor_div(r - 1, 5);
  return 7 * q + floor_mod(r - 1, 5) - 3;
}

static uint64_t low_mask(unsigned bits) {
  return bits >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << bits) - 1);
}

/* Working days before the bitmap's end, minus the plain count there. */
static int64_t tail_delta(const tb_calendar *c) {
  return c->base_rank + c->cum[NWORDS] - plain_rank(DAY_LIMIT - 1);
}

/* Working days in (-inf, x], in the same units as plain_rank. */
static int64_t rank(const tb_calendar *c, int64_t x) {
  if (!c || x < DAY_MIN)
    return plain_rank(x);
  if (x >= DAY_LIMIT)
    return plain_rank(x) + tail_delta(c);
  int64_t off = x - DAY_MIN;
  size_t w = (size_t)(off / 64);
  unsigned j = (unsigned)(off % 64);
  return c->base_rank + c->cum[w] +
         __builtin_popcountll(c->bits[w] & low_mask(j + 1));
}

/* Position (0..63) of the k-th set bit (k >= 1) of a word that has it. */
static unsigned select_in_word(uint64_t word, unsigned k) {
  unsigned pos = 0;
  for (;;) {
    unsigned in_byte = (unsigned)__builtin_popcountll(word & 0xff);
    if (k <= in_byte)
      break;
    k -= in_byte;
    word >>= 8;
    pos += 8;
  }
  while (--k)
    word &= word - 1;
  return pos + (unsigned)__builtin_ctzll(word);
}

/* The word w with cum[w] < want <= cum[w + 1]; deadlines land near the
 * day they start from, so look around the hint before bisecting. */
static size_t find_word(const tb_calendar *c, int64_t want, int64_t hint) {
  size_t w = hint < 0 ? 0 : hint >= NWORDS ? NWORDS - 1 : (size_t)hint;
  for (int step = 0; step < 4; step++) {
    if (c->cum[w] >= want && w > 0)
      w--;
    else if (c->cum[w + 1] < want && w + 1 < NWORDS)
      w++;
    else
      return w;
  }
  size_t lo = 0, hi = NWORDS; /* cum[lo] < want <= cum[hi] */
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (c->cum[mid] < want)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

/* The smallest day x with rank(x) >= r: always a working day. `near` is a
 * day close to the answer, to speed up the search. */
static int64_t select_rank(const tb_calendar *c, int64_t r, int64_t near) {
  if (!c || r <= c->base_rank)
    return plain_select(r);
  if (r > c->base_rank + c->cum[NWORDS])
    return plain_select(r - tail_delta(c));
  int64_t want = r - c->base_rank; /* 1 .. cum[NWORDS] */
  size_t w = find_word(c, want, floor_div(near - DAY_MIN, 64));
  unsigned k = (unsigned)(want - c->cum[w]);
  return DAY_MIN + 64 * (int64_t)w + select_in_word(c->bits[w], k);
}

static tb_day clamp_day(int64_t x) {
  if (x > INT32_MAX)
    return INT32_MAX;
  if (x < INT32_MIN)
    return INT32_MIN;
  return (tb_day)x;
}

/* ------------------------------------------------------------------------
 * The calendar
 * ---------------------------------------------------------------------- */

/* The plain week's bits repeat every 7 words (448 days = 64 weeks). */
static void plain_words(uint64_t pattern[7]) {
  for (int w = 0; w < 7; w++) {
    pattern[w] = 0;
    for (int j = 0; j < 64; j++)
      if (!is_weekend((int64_t)DAY_MIN + 64 * w + j))
        pattern[w] |= (uint64_t)1 << j;
  }
}

static void rebuild_counts(tb_calendar *c) {
  c->cum[0] = 0;
  for (size_t w = 0; w < NWORDS; w++)
    c->cum[w + 1] = c->cum[w] + __builtin_popcountll(c->bits[w]);
}

/* Rebuild the sorted exception list from where the bitmap differs from
 * the plain week. */
static void rebuild_exceptions(tb_calendar *c) {
  uint64_t pattern[7];
  plain_words(pattern);
  size_t n = 0;
  for (size_t w = 0; w < NWORDS; w++)
    n += (size_t)__builtin_popcountll(c->bits[w] ^ pattern[w % 7]);
  if (n > c->cap_exceptions) {
    c->exceptions = tb_xrealloc(c->exceptions, n * sizeof(tb_day));
    c->cap_exceptions = n;
  }
  size_t i = 0;
  for (size_t w = 0; w < NWORDS; w++) {
    uint64_t diff = c->bits[w] ^ pattern[w % 7];
    while (diff) {
      unsigned j = (unsigned)__builtin_ctzll(diff);
      c->exceptions[i++] = (tb_day)(DAY_MIN + 64 * (int64_t)w + j);
      diff &= diff - 1;
    }
  }
  c->n_exceptions = n;
}

tb_calendar *tb_calendar_new(int32_t utc_offset_seconds) {
  tb_calendar *c = tb_xcalloc(1, sizeof *c);
  c->utc_offset = utc_offset_seconds;
  c->base_rank = plain_rank((int64_t)DAY_MIN - 1);
  uint64_t pattern[7];
  plain_words(pattern);
  for (size_t w = 0; w < NWORDS; w++)
    c->bits[w] = pattern[w % 7];
  rebuild_counts(c);
  return c;
}

void tb_calendar_free(tb_calendar *c) {
  if (!c)
    return;
  free(c->exceptions);
  free(c);
}

/* Why marking day d as kind is refused, or NULL if it is fine. */
static const char *mark_problem(tb_day d, tb_day_kind kind) {
  if (d < DAY_MIN || d > DAY_MAX)
    return "outside";
  if (kind == TB_DAY_HOLIDAY)
    return is_weekend(d) ? "weekend" : NULL;
  if (kind == TB_DAY_WORKDAY)
    return is_weekend(d) ? NULL : "weekday";
  return "kind";
}

static void set_bit(uint64_t *bits, tb_day d, bool on) {
  int64_t off = (int64_t)d - DAY_MIN;
  uint64_t bit = (uint64_t)1 << (off % 64);
  if (on)
    bits[off / 64] |= bit;
  else
    bits[off / 64] &= ~bit;
}

static bool get_bit(const uint64_t *bits, tb_day d) {
  int64_t off = (int64_t)d - DAY_MIN;
  return (bits[off / 64] >> (off % 64)) & 1;
}

static void insert_exception(tb_calendar *c, tb_day d) {
  size_t lo = 0, hi = c->n_exceptions;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (c->exceptions[mid] < d)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < c->n_exceptions && c->exceptions[lo] == d)
    return;
  if (c->n_exceptions == c->cap_exceptions) {
    c->cap_exceptions = c->cap_exceptions ? 2 * c->cap_exceptions : 32;
    c->exceptions =
        tb_xrealloc(c->exceptions, c->cap_exceptions * sizeof(tb_day));
  }
  memmove(c->exceptions + lo + 1, c->exceptions + lo,
          (c->n_exceptions - lo) * sizeof(tb_day));
  c->exceptions[lo] = d;
  c->n_exceptions++;
}

tb_status tb_calendar_set(tb_calendar *c, tb_day d, tb_day_kind kind) {
  if (!c || mark_problem(d, kind))
    return TB_ERR_INVALID;
  bool working = kind == TB_DAY_WORKDAY;
  if (get_bit(c->bits, d) == working)
    return TB_OK; /* marked already */
  set_bit(c->bits, d, working);
  size_t w = (size_t)(((int64_t)d - DAY_MIN) / 64);
  for (size_t i = w + 1; i <= NWORDS; i++)
    c->cum[i] += working ? 1 : -1;
  insert_exception(c, d);
  return TB_OK;
}

bool tb_calendar_is_working_day(const tb_calendar *c, tb_day d) {
  if (!c || d < DAY_MIN || d >= DAY_LIMIT)
    return !is_weekend(d);
  return get_bit(c->bits, d);
}

tb_day tb_calendar_add_working_days(const tb_calendar *c, tb_day d, int n) {
  if (n == 0)
    return d;
  if (n < 0)
    return clamp_day(select_rank(c, rank(c, (int64_t)d - 1) + n + 1, d));
  return clamp_day(select_rank(c, rank(c, d) + n, d));
}

tb_day tb_calendar_sub_working_days(const tb_calendar *c, tb_day d, int n) {
  if (n == 0)
    return d;
  return tb_calendar_add_working_days(c, d, n == INT_MIN ? INT_MAX : -n);
}

int tb_calendar_count_working_days(const tb_calendar *c, tb_day from,
                                   tb_day to) {
  if (to <= from)
    return 0;
  int64_t n = rank(c, to) - rank(c, from);
  return n > INT_MAX ? INT_MAX : (int)n;
}

static int32_t offset_of(const tb_calendar *c) {
  return c ? c->utc_offset : DEFAULT_UTC_OFFSET;
}

tb_day tb_calendar_day_of(const tb_calendar *c, int64_t unix_seconds) {
  int32_t offset = offset_of(c);
  int64_t local = unix_seconds;
  /* Saturate instead of overflowing at the far ends of time. */
  if (offset > 0 && local > INT64_MAX - offset)
    local = INT64_MAX;
  else if (offset < 0 && local < INT64_MIN - offset)
    local = INT64_MIN;
  else
    local += offset;
  return clamp_day(floor_div(local, 86400));
}

int64_t tb_calendar_start_of(const tb_calendar *c, tb_day d) {
  return (int64_t)d * 86400 - offset_of(c);
}

void tb_calendar_cover(tb_calendar *c, tb_day last) {
  if (c && last > c->covered_until)
    c->covered_until = last;
}

tb_day tb_calendar_covered_until(const tb_calendar *c) {
  return c ? c->covered_until : 0;
}

bool tb_calendar_is_provisional(const tb_calendar *c, tb_day d) {
  return d != 0 && d > tb_calendar_covered_until(c);
}

size_t tb_calendar_count(const tb_calendar *c) {
  return c ? c->n_exceptions : 0;
}

void tb_calendar_get(const tb_calendar *c, size_t i, tb_day *d,
                     tb_day_kind *kind) {
  if (!c || i >= c->n_exceptions) {
    if (d)
      *d = 0;
    if (kind)
      *kind = 0;
    return;
  }
  tb_day day = c->exceptions[i];
  if (d)
    *d = day;
  if (kind)
    *kind = is_weekend(day) ? TB_DAY_WORKDAY : TB_DAY_HOLIDAY;
}

/* ------------------------------------------------------------------------
 * The text format
 * ---------------------------------------------------------------------- */

typedef struct {
  const char *s;
  size_t len;
  size_t number; /* 1-based */
} text_line;

/* Scratch state of one parse: the new bitmap and the days seen so far. */
typedef struct {
  uint64_t bits[NWORDS];
  uint64_t seen[NWORDS];
  int last_year; /* the latest year a line marks a day of; 0: none */
} parse_scratch;

static bool is_space(char ch) {
  return ch == ' ' || ch == '\t';
}

/* Bytes allowed on a line: printable text, tabs and valid UTF-8. */
static tb_status check_bytes(const text_line *ln, tb_problem *p) {
  const unsigned char *s = (const unsigned char *)ln->s;
  for (size_t i = 0; i < ln->len;) {
    if (s[i] == 0)
      return tb_problem_set(p, TB_ERR_INVALID, NULL,
                            "line %zu: contains a nul byte", ln->number);
    if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
      return tb_problem_set(p, TB_ERR_INVALID, NULL,
                            "line %zu: contains a control character",
                            ln->number);
    size_t n = tb_utf8_decode(ln->s + i, ln->len - i, NULL);
    if (!n)
      return tb_problem_set(p, TB_ERR_INVALID, NULL,
                            "line %zu: is not valid utf-8", ln->number);
    i += n;
  }
  return TB_OK;
}

/* Split the next token off *s (skipping leading blanks). */
static size_t next_token(const char **s, const char *end, const char **tok) {
  while (*s < end && is_space(**s))
    (*s)++;
  *tok = *s;
  while (*s < end && !is_space(**s))
    (*s)++;
  return (size_t)(*s - *tok);
}

/* A token short and plain enough to quote back in a message. */
static bool quotable(const char *tok, size_t len) {
  if (len == 0 || len > 24)
    return false;
  for (size_t i = 0; i < len; i++)
    if (tok[i] < 0x21 || tok[i] > 0x7e || tok[i] == '\'')
      return false;
  return true;
}

static tb_status parse_date_token(const text_line *ln, const char *tok,
                                  size_t len, tb_day *d, tb_problem *p) {
  if (!date_shape(tok, len)) {
    if (quotable(tok, len))
      return tb_problem_set(p, TB_ERR_INVALID, NULL,
                            "line %zu: '%.*s' is not a date (YYYY-MM-DD)",
                            ln->number, (int)len, tok);
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "line %zu: expected a date (YYYY-MM-DD) first",
                          ln->number);
  }
  int year = digits_value(tok, 4);
  if (year < 1900 || year > 2199)
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "line %zu: year %d is outside 1900..2199", ln->number,
                          year);
  if (tb_date_parse(tok, len, d) != TB_OK)
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "line %zu: %.10s is not a real date", ln->number,
                          tok);
  return TB_OK;
}

static tb_status parse_kind_token(const text_line *ln, const char *tok,
                                  size_t len, tb_day_kind *kind,
                                  tb_problem *p) {
  if (len == 7 && memcmp(tok, "holiday", 7) == 0) {
    *kind = TB_DAY_HOLIDAY;
    return TB_OK;
  }
  if (len == 7 && memcmp(tok, "workday", 7) == 0) {
    *kind = TB_DAY_WORKDAY;
    return TB_OK;
  }
  if (len == 0)
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "line %zu: the date must be followed by holiday or "
                          "workday",
                          ln->number);
  if (quotable(tok, len))
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "line %zu: unknown kind '%.*s' (use holiday or "
                          "workday)",
                          ln->number, (int)len, tok);
  return tb_problem_set(p, TB_ERR_INVALID, NULL,
                        "line %zu: unknown kind (use holiday or workday)",
                        ln->number);
}

static tb_status check_mark(const text_line *ln, tb_day d, tb_day_kind kind,
                            tb_problem *p) {
  const char *why = mark_problem(d, kind);
  if (!why)
    return TB_OK;
  char date[11];
  tb_date_format(d, date);
  if (kind == TB_DAY_HOLIDAY)
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "line %zu: %s is a %s, not a working day anyway; "
                          "list only weekdays as holiday",
                          ln->number, date, weekday_name(d));
  return tb_problem_set(p, TB_ERR_INVALID, NULL,
                        "line %zu: %s is a %s, a working day anyway; list "
                        "only weekend days as workday",
                        ln->number, date, weekday_name(d));
}

/* Validate one line and, if it marks a day, apply it to the scratch. */
static tb_status parse_line(const text_line *ln, parse_scratch *sc,
                            tb_problem *p) {
  if (ln->len > PARSE_MAX_LINE)
    return tb_problem_set(p, TB_ERR_LIMIT, NULL,
                          "line %zu: longer than %d bytes", ln->number,
                          PARSE_MAX_LINE);
  tb_status st = check_bytes(ln, p);
  if (st != TB_OK)
    return st;
  const char *s = ln->s, *end = ln->s + ln->len, *tok;
  size_t len = next_token(&s, end, &tok);
  if (len == 0 || tok[0] == '#')
    return TB_OK; /* blank line or comment */
  tb_day d = 0;
  tb_day_kind kind = TB_DAY_HOLIDAY;
  if ((st = parse_date_token(ln, tok, len, &d, p)) != TB_OK)
    return st;
  len = next_token(&s, end, &tok);
  if ((st = parse_kind_token(ln, tok, len, &kind, p)) != TB_OK)
    return st;
  if ((st = check_mark(ln, d, kind, p)) != TB_OK)
    return st;
  if (get_bit(sc->seen, d)) {
    char date[11];
    tb_date_format(d, date);
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "line %zu: %s is listed twice", ln->number, date);
  }
  set_bit(sc->seen, d, true);
  set_bit(sc->bits, d, kind == TB_DAY_WORKDAY);
  int year;
  tb_date_to_ymd(d, &year, NULL, NULL);
  if (year > sc->last_year)
    sc->last_year = year;
  return TB_OK; /* the rest of the line is a comment */
}

/* The next line of text at *pos, without its "\n" or "\r\n". */
static bool next_line(const char *text, size_t len, size_t *pos,
                      text_line *ln) {
  if (*pos >= len)
    return false;
  const char *start = text + *pos;
  const char *nl = memchr(start, '\n', len - *pos);
  size_t n = nl ? (size_t)(nl - start) : len - *pos;
  *pos += n + (nl ? 1 : 0);
  if (n > 0 && start[n - 1] == '\r')
    n--;
  ln->s = start;
  ln->len = n;
  ln->number++;
  return true;
}

tb_status tb_calendar_parse(tb_calendar *c, const char *text, size_t len,
                            tb_problem *p) {
  if (!c || (!text && len > 0))
    return tb_problem_set(p, TB_ERR_INVALID, NULL, "no calendar text");
  if (len > PARSE_MAX_TEXT)
    return tb_problem_set(p, TB_ERR_LIMIT, NULL,
                          "calendar text is larger than 1 MiB");
  size_t pos = 0;
  if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
    pos = 3; /* a UTF-8 byte order mark, as some editors write */
  parse_scratch *sc = tb_xmalloc(sizeof *sc);
  memcpy(sc->bits, c->bits, sizeof sc->bits);
  memset(sc->seen, 0, sizeof sc->seen);
  sc->last_year = 0;
  text_line ln = {.number = 0};
  tb_status st = TB_OK;
  while (st == TB_OK && next_line(text, len, &pos, &ln))
    st = parse_line(&ln, sc, p);
  if (st == TB_OK) {
    memcpy(c->bits, sc->bits, sizeof c->bits);
    rebuild_counts(c);
    rebuild_exceptions(c);
    tb_day last;
    if (sc->last_year &&
        tb_date_from_ymd(sc->last_year, 12, 31, &last) == TB_OK)
      tb_calendar_cover(c, last);
  }
  free(sc);
  return st;
}
