/*
 * api_password_policy.c — the password policy (tb_api.h), checked
 * wherever a password is set: `accounts add`, `import` and
 * `reset-password`, the administrator's create and reset, and the user's
 * own change.
 *
 * The default is our reading of GB/T 22239-2019 (等保 2.0) level 3,
 * 8.1.4.1 a) "口令应有复杂度要求并定期更换": at least 8 characters, of at
 * least three of the four kinds upper case, lower case, digits and
 * others (symbols, spaces, any non-ASCII character), and not containing
 * the user name (compared without case, for names of 3 characters or
 * more). Length counts characters (UTF-8 code points), not bytes.
 */
#include "tb_api_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MIN_LENGTH_LO 8
#define MIN_LENGTH_HI 64
#define NAME_MIN 3 /* shorter user names are not looked for */

static int min_length(const tb_api_password_policy *p) {
  return p && p->min_length > 0 ? p->min_length : TB_API_PASSWORD_MIN_LENGTH;
}

static int min_classes(const tb_api_password_policy *p) {
  return p && p->min_classes > 0 ? p->min_classes : TB_API_PASSWORD_MIN_CLASSES;
}

static bool parse_int(const char *value, long lo, long hi, int *out) {
  char *end = NULL;
  errno = 0;
  long v = strtol(value, &end, 10);
  if (errno || !end || end == value || *end || v < lo || v > hi)
    return false;
  *out = (int)v;
  return true;
}

bool tb_api_password_policy_set(tb_api_password_policy *p, const char *name,
                                const char *value, char *err, size_t err_len) {
  if (strcmp(name, "min-length") == 0 &&
      parse_int(value, MIN_LENGTH_LO, MIN_LENGTH_HI, &p->min_length))
    return true;
  if (strcmp(name, "min-classes") == 0 &&
      parse_int(value, 1, 4, &p->min_classes))
    return true;
  if (strcmp(name, "min-length") == 0)
    snprintf(err, err_len,
             "password-min-length takes %d to %d characters, not '%s'",
             MIN_LENGTH_LO, MIN_LENGTH_HI, value);
  else if (strcmp(name, "min-classes") == 0)
    snprintf(err, err_len,
             "password-min-classes takes 1 to 4 (of upper case, lower case, "
             "digits, symbols), not '%s'",
             value);
  else
    snprintf(err, err_len, "no password setting '%s'", name);
  return false;
}

bool tb_api_password_policy_env(tb_api_password_policy *p, char *err,
                                size_t err_len) {
  static const struct {
    const char *env, *name;
  } vars[] = {{"TONGBAN_PASSWORD_MIN_LENGTH", "min-length"},
              {"TONGBAN_PASSWORD_MIN_CLASSES", "min-classes"}};
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
    const char *v = getenv(vars[i].env);
    if (v && *v &&
        !tb_api_password_policy_set(p, vars[i].name, v, err, err_len)) {
      size_t n = strlen(err);
      if (n < err_len)
        snprintf(err + n, err_len - n, " (from %s)", vars[i].env);
      return false;
    }
  }
  return true;
}

/* Characters (UTF-8 code points: bytes that do not continue one). */
static int characters(const char *s, size_t len) {
  int n = 0;
  for (size_t i = 0; i < len; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80)
      n++;
  return n;
}

enum { UPPER = 1, LOWER = 2, DIGIT = 4, OTHER = 8 };

static unsigned classes_of(const char *s, size_t len) {
  unsigned k = 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    k |= c >= 'A' && c <= 'Z'   ? UPPER
         : c >= 'a' && c <= 'z' ? LOWER
         : c >= '0' && c <= '9' ? DIGIT
                                : OTHER;
  }
  return k;
}

static bool contains_name(const char *s, size_t len, const char *user) {
  size_t n = user ? strlen(user) : 0;
  if (n < NAME_MIN || n > len)
    return false;
  for (size_t i = 0; i + n <= len; i++)
    if (strncasecmp(s + i, user, n) == 0)
      return true;
  return false;
}

/* The kinds missing from k, as "upper case, digits" (at most 64 bytes). */
static void missing_kinds(unsigned k, char *out, size_t cap) {
  static const struct {
    unsigned bit;
    const char *name;
  } kinds[] = {{UPPER, "upper case"},
               {LOWER, "lower case"},
               {DIGIT, "digits"},
               {OTHER, "symbols"}};
  size_t at = 0;
  out[0] = '\0';
  for (size_t i = 0; i < 4; i++)
    if (!(k & kinds[i].bit) && at < cap) {
      int w =
          snprintf(out + at, cap - at, "%s%s", at ? ", " : "", kinds[i].name);
      at += w > 0 ? (size_t)w : 0;
    }
}

bool tb_api_password_policy_check(const tb_api_password_policy *p,
                                  const char *username, const char *password,
                                  size_t len, tb_problem_code *code,
                                  char *detail, size_t detail_len) {
  int want = min_length(p), kinds = min_classes(p);
  int have = characters(password, len);
  unsigned k = classes_of(password, len);
  int n = __builtin_popcount(k);
  char missing[64];
  if (have < want) {
    *code = TB_PROBLEM_PASSWORD_TOO_SHORT;
    snprintf(detail, detail_len,
             "the password has %d characters: use at least %d", have, want);
  } else if (n < kinds) {
    *code = TB_PROBLEM_PASSWORD_TOO_SIMPLE;
    missing_kinds(k, missing, sizeof missing);
    snprintf(detail, detail_len,
             "the password mixes %d kinds of characters: use at least %d of "
             "upper case, lower case, digits and symbols (missing: %s)",
             n, kinds, missing);
  } else if (contains_name(password, len, username)) {
    *code = TB_PROBLEM_PASSWORD_CONTAINS_USERNAME;
    snprintf(detail, detail_len, "the password contains the user name '%s'",
             username);
  } else {
    return true;
  }
  return false;
}
