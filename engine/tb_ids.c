/*
 * tb_ids.c — identifier checksums: the citizen ID (GB 11643), the unified
 * social credit code (GB 32100, with the embedded organization code of
 * GB 11714), the ISO 7064 check characters, and the application numbers
 * and license identifiers that tongban issues.
 *
 * Every checker takes (s, len) and treats the bytes as hostile: no
 * terminator is needed, NULs and non-ASCII bytes are refused, and messages
 * never echo raw input (they name positions, which are safe to print).
 */
#include "tb_engine.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define CITIZEN_LEN 18
#define CREDIT_LEN 18
#define LICENSE_PREFIX "1.2.156.3005.2."
#define LICENSE_PREFIX_LEN (sizeof LICENSE_PREFIX - 1)
#define LICENSE_TYPE_MAX 32
#define LICENSE_SERIAL_MAX 20
#define LICENSE_VERSION_MAX 3

/* GB 32100's 31 characters: digits and upper-case letters but I O S V Z. */
static const char credit_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static bool is_digit(char ch) {
  return ch >= '0' && ch <= '9';
}

static bool is_upper(char ch) {
  return ch >= 'A' && ch <= 'Z';
}

static bool is_lower(char ch) {
  return ch >= 'a' && ch <= 'z';
}

static bool all_digits(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (!is_digit(s[i]))
      return false;
  return true;
}

/* strlen that reads at most max bytes (strnlen is POSIX, not C17). */
static size_t bounded_len(const char *s, size_t max) {
  size_t n = 0;
  while (n < max && s[n] != '\0')
    n++;
  return n;
}

static int digits_value(const char *s, size_t len) {
  int v = 0;
  for (size_t i = 0; i < len; i++)
    v = v * 10 + (s[i] - '0');
  return v;
}

/* ------------------------------------------------------------------------
 * ISO 7064
 * ---------------------------------------------------------------------- */

/* MOD 11-2, the pure system: check c makes (2 * p + c) mod 11 == 1. */
char tb_id_mod11_2(const char *digits, size_t len) {
  if (!digits && len > 0)
    return 0;
  unsigned p = 0;
  for (size_t i = 0; i < len; i++) {
    if (!is_digit(digits[i]))
      return 0;
    p = ((p + (unsigned)(digits[i] - '0')) * 2) % 11;
  }
  unsigned c = (12 - p) % 11;
  return c == 10 ? 'X' : (char)('0' + c);
}

/* The value of a character under ISO 7064 MOD 37,36: 0-9, A-Z = 10-35;
 * -1 for a separator, -2 for anything else. */
static int mod36_value(char ch) {
  if (is_digit(ch))
    return ch - '0';
  if (is_upper(ch))
    return ch - 'A' + 10;
  if (is_lower(ch))
    return ch - 'a' + 10;
  if (ch == '.' || ch == '-')
    return -1;
  return -2;
}

/* MOD 37,36, the hybrid system with M = 36. */
char tb_id_mod37_36(const char *s, size_t len) {
  if (!s && len > 0)
    return 0;
  int p = 36;
  for (size_t i = 0; i < len; i++) {
    int v = mod36_value(s[i]);
    if (v == -2)
      return 0;
    if (v == -1)
      continue;
    int sum = (p + v) % 36;
    if (sum == 0)
      sum = 36;
    p = (2 * sum) % 37;
  }
  int c = (37 - p) % 36;
  return c < 10 ? (char)('0' + c) : (char)('A' + c - 10);
}

/* ------------------------------------------------------------------------
 * Citizen ID (GB 11643)
 * ---------------------------------------------------------------------- */

/* Describe the first byte of s[0..len) that is not a digit. */
static tb_status not_digit(tb_problem *p, const char *what, const char *s,
                           size_t len) {
  for (size_t i = 0; i < len; i++)
    if (!is_digit(s[i]))
      return tb_problem_set(p, TB_ERR_INVALID, NULL,
                            "character %zu of the %s is not a digit", i + 1,
                            what);
  return TB_OK;
}

static tb_status check_birth_date(const char *s, tb_day today, tb_problem *p) {
  int year = digits_value(s, 4);
  tb_day birth;
  if (year < 1900)
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "the citizen id's birth date %.8s is before 1900", s);
  if (tb_date_from_ymd(year, digits_value(s + 4, 2), digits_value(s + 6, 2),
                       &birth) != TB_OK)
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "the citizen id's birth date %.8s is not a real "
                          "date",
                          s);
  if (today != 0 && birth > today)
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "the citizen id's birth date %.8s is in the future",
                          s);
  return TB_OK;
}

tb_status tb_id_check_citizen(const char *s, size_t len, tb_day today,
                              tb_problem *p) {
  if (!s || len != CITIZEN_LEN)
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "a citizen id has 18 characters, not %zu",
                          s ? len : 0);
  tb_status st = not_digit(p, "citizen id", s, CITIZEN_LEN - 1);
  if (st != TB_OK)
    return st;
  char last = s[CITIZEN_LEN - 1];
  if (last == 'x')
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "the citizen id's last character must be an "
                          "upper-case X");
  if (!is_digit(last) && last != 'X')
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "the citizen id's last character must be a digit "
                          "or X");
  if (s[0] == '0')
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "the citizen id's region code cannot start with 0");
  if ((st = check_birth_date(s + 6, today, p)) != TB_OK)
    return st;
  if (tb_id_mod11_2(s, CITIZEN_LEN - 1) != last)
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "the citizen id's check character does not match; "
                          "a character is probably mistyped");
  return TB_OK;
}

/* ------------------------------------------------------------------------
 * Unified social credit code (GB 32100) and organization code (GB 11714)
 * ---------------------------------------------------------------------- */

static int credit_value(char ch) {
  if (ch == '\0')
    return -1;
  const char *hit = memchr(credit_alphabet, ch, sizeof credit_alphabet - 1);
  return hit ? (int)(hit - credit_alphabet) : -1;
}

/* GB 11714: weights 3 7 9 10 5 8 4 2 over the first 8 characters (digits
 * and letters A-Z = 10-35); check 11 - sum mod 11, 10 is X and 11 is 0. */
static bool organization_code_ok(const char *s) {
  static const int weights[8] = {3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 8; i++) {
    int v = is_digit(s[i]) ? s[i] - '0' : s[i] - 'A' + 10;
    sum += v * weights[i];
  }
  int c = 11 - sum % 11;
  char want = c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
  return s[8] == want;
}

static tb_status credit_alphabet_problem(const char *s, size_t len,
                                         tb_problem *p) {
  for (size_t i = 0; i < len; i++) {
    if (credit_value(s[i]) >= 0)
      continue;
    if (is_lower(s[i]))
      return tb_problem_set(p, TB_ERR_INVALID, NULL,
                            "character %zu of the credit code must be upper "
                            "case",
                            i + 1);
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "character %zu of the credit code is not allowed "
                          "(0-9 and A-Z without I, O, S, V, Z)",
                          i + 1);
  }
  return TB_OK;
}

tb_status tb_id_check_credit_code(const char *s, size_t len, tb_problem *p) {
  if (!s || len != CREDIT_LEN)
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "a credit code has 18 characters, not %zu",
                          s ? len : 0);
  tb_status st = credit_alphabet_problem(s, CREDIT_LEN, p);
  if (st != TB_OK)
    return st;
  if (!all_digits(s + 2, 6))
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "the credit code's region code (characters 3-8) "
                          "must be digits");
  int sum = 0, weight = 1;
  for (int i = 0; i < CREDIT_LEN - 1; i++) {
    sum += credit_value(s[i]) * weight;
    weight = weight * 3 % 31;
  }
  if (credit_alphabet[(31 - sum % 31) % 31] != s[CREDIT_LEN - 1])
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "the credit code's check character does not match; "
                          "a character is probably mistyped");
  if (!organization_code_ok(s + 8))
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "the organization code inside the credit code "
                          "(characters 9-17) fails its check");
  return TB_OK;
}

/* ------------------------------------------------------------------------
 * Application numbers
 * ---------------------------------------------------------------------- */

tb_status tb_id_make_app_number(const char region[static 6], tb_day date,
                                uint32_t serial,
                                char out[static TB_APP_NUMBER_LEN + 1]) {
  out[0] = '\0';
  if (!all_digits(region, 6) || region[0] == '0' || serial > TB_APP_SERIAL_MAX)
    return TB_ERR_INVALID;
  int y, m, d;
  tb_date_to_ymd(date, &y, &m, &d);
  if (tb_date_from_ymd(y, m, d, NULL) != TB_OK)
    return TB_ERR_INVALID;
  char body[TB_APP_NUMBER_LEN + 1];
  int n = snprintf(body, sizeof body, "%.6s%04d%02d%02d%09" PRIu32, region, y,
                   m, d, serial);
  if (n != TB_APP_NUMBER_LEN - 1)
    return TB_ERR_INVALID;
  body[TB_APP_NUMBER_LEN - 1] = tb_id_mod11_2(body, TB_APP_NUMBER_LEN - 1);
  body[TB_APP_NUMBER_LEN] = '\0';
  memcpy(out, body, sizeof body);
  return TB_OK;
}

tb_status tb_id_check_app_number(const char *s, size_t len, tb_problem *p) {
  if (!s || (len != TB_APP_NUMBER_LEN && len != TB_APP_NUMBER_LEN_V1))
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "an application number has %d characters (%d if "
                          "made before the 9-digit serial), not %zu",
                          TB_APP_NUMBER_LEN, TB_APP_NUMBER_LEN_V1, s ? len : 0);
  tb_status st = not_digit(p, "application number", s, len - 1);
  if (st != TB_OK)
    return st;
  char last = s[len - 1];
  if (!is_digit(last) && last != 'X')
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "the application number's last character must be "
                          "a digit or X");
  if (s[0] == '0')
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "the application number's region code cannot "
                          "start with 0");
  if (tb_date_from_ymd(digits_value(s + 6, 4), digits_value(s + 10, 2),
                       digits_value(s + 12, 2), NULL) != TB_OK)
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "the application number's date %.8s is not a real "
                          "date",
                          s + 6);
  if (tb_id_mod11_2(s, len - 1) != last)
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "the application number's check character does not "
                          "match; a digit is probably mistyped");
  return TB_OK;
}

/* ------------------------------------------------------------------------
 * License identifiers (GB/T 36904 structure)
 * ---------------------------------------------------------------------- */

static bool type_code_ok(const char *s, size_t len) {
  if (len == 0 || len > LICENSE_TYPE_MAX)
    return false;
  for (size_t i = 0; i < len; i++)
    if (!is_digit(s[i]) && !is_upper(s[i]))
      return false;
  return true;
}

static tb_status type_code_problem(tb_problem *p) {
  return tb_problem_set(p, TB_ERR_INVALID, NULL,
                        "a license type code is 1 to %d upper-case letters "
                        "and digits",
                        LICENSE_TYPE_MAX);
}

static tb_status issuer_problem(const char *s, size_t len, tb_problem *p) {
  tb_problem inner;
  if (tb_id_check_credit_code(s, len, &inner) == TB_OK)
    return TB_OK;
  return tb_problem_set(p, TB_ERR_INVALID, NULL, "license issuer: %s",
                        inner.detail);
}

tb_status tb_id_make_license_id(const char *type_code, const char *issuer,
                                uint64_t serial, unsigned version,
                                char out[static TB_LICENSE_ID_MAX],
                                tb_problem *p) {
  out[0] = '\0';
  if (!type_code || !issuer)
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "a license needs a type code and an issuer");
  size_t type_len = bounded_len(type_code, LICENSE_TYPE_MAX + 1);
  if (!type_code_ok(type_code, type_len))
    return type_code_problem(p);
  tb_status st = issuer_problem(issuer, bounded_len(issuer, CREDIT_LEN + 1), p);
  if (st != TB_OK)
    return st;
  if (version > 999)
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "a license version has at most 3 digits");
  char buf[TB_LICENSE_ID_MAX];
  int n = snprintf(buf, sizeof buf, "%s%s.%s.%" PRIu64 ".%u.", LICENSE_PREFIX,
                   type_code, issuer, serial, version);
  if (n < 0 || (size_t)n + 2 > sizeof buf)
    return tb_problem_set(p, TB_ERR_LIMIT, NULL, "license id is too long");
  buf[n] =
      tb_id_mod37_36(buf + LICENSE_PREFIX_LEN, (size_t)n - LICENSE_PREFIX_LEN);
  buf[n + 1] = '\0';
  memcpy(out, buf, (size_t)n + 2);
  return TB_OK;
}

/* One '.'-separated part of a license id after the prefix. */
typedef struct {
  const char *s;
  size_t len;
} id_part;

/* Split s into exactly want parts at '.'; false if the count differs. */
static bool split_parts(const char *s, size_t len, id_part *parts,
                        size_t want) {
  size_t n = 0, start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && s[i] != '.')
      continue;
    if (n == want)
      return false;
    parts[n].s = s + start;
    parts[n].len = i - start;
    n++;
    start = i + 1;
  }
  return n == want;
}

static tb_status license_parts_problem(const id_part *part, tb_problem *p) {
  if (!type_code_ok(part[0].s, part[0].len))
    return type_code_problem(p);
  tb_status st = issuer_problem(part[1].s, part[1].len, p);
  if (st != TB_OK)
    return st;
  if (part[2].len == 0 || part[2].len > LICENSE_SERIAL_MAX ||
      !all_digits(part[2].s, part[2].len))
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "a license serial is 1 to %d digits",
                          LICENSE_SERIAL_MAX);
  if (part[3].len == 0 || part[3].len > LICENSE_VERSION_MAX ||
      !all_digits(part[3].s, part[3].len))
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "a license version is 1 to %d digits",
                          LICENSE_VERSION_MAX);
  if (part[4].len != 1 || !(is_digit(part[4].s[0]) || is_upper(part[4].s[0])))
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "a license id ends with one check character (0-9, "
                          "A-Z)");
  return TB_OK;
}

tb_status tb_id_check_license_id(const char *s, size_t len, tb_problem *p) {
  if (!s || len >= TB_LICENSE_ID_MAX)
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "a license id has at most %d characters",
                          TB_LICENSE_ID_MAX - 1);
  if (len < LICENSE_PREFIX_LEN ||
      memcmp(s, LICENSE_PREFIX, LICENSE_PREFIX_LEN) != 0)
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "a license id starts with '" LICENSE_PREFIX "'");
  const char *rest = s + LICENSE_PREFIX_LEN;
  size_t rest_len = len - LICENSE_PREFIX_LEN;
  id_part part[5];
  if (!split_parts(rest, rest_len, part, 5))
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "a license id is " LICENSE_PREFIX
                          "<type>.<issuer>.<serial>.<version>.<check>");
  tb_status st = license_parts_problem(part, p);
  if (st != TB_OK)
    return st;
  if (tb_id_mod37_36(rest, rest_len - 2) != part[4].s[0])
    return tb_problem_set(p, TB_ERR_INVALID, NULL,
                          "the license id's check character does not match; "
                          "a character is probably mistyped");
  return TB_OK;
}
