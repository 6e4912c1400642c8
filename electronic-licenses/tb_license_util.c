/*
 * tb_license_util.c — the module's small helpers: the bounded buffer,
 * UTF-8 checks, China Standard Time days, and the names of statuses and
 * reasons.
 */
#include "tb_license_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void tb_lbuf_init(tb_lbuf *b, size_t max) {
  memset(b, 0, sizeof *b);
  b->max = max;
}

void tb_lbuf_free(tb_lbuf *b) {
  free(b->data);
  size_t max = b->max;
  tb_lbuf_init(b, max);
}

bool tb_lbuf_add(tb_lbuf *b, const void *data, size_t len) {
  if (b->failed)
    return false;
  if (len > b->max || b->len > b->max - len) {
    b->failed = true;
    return false;
  }
  if (b->len + len + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + len + 1)
      cap *= 2;
    b->data = tb_xrealloc(b->data, cap);
    b->cap = cap;
  }
  if (len)
    memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
  return true;
}

bool tb_lbuf_adds(tb_lbuf *b, const char *s) {
  return tb_lbuf_add(b, s, strlen(s));
}

bool tb_lbuf_addf(tb_lbuf *b, const char *fmt, ...) {
  char small[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) {
    b->failed = true;
    return false;
  }
  if ((size_t)n < sizeof small)
    return tb_lbuf_add(b, small, (size_t)n);
  char *big = tb_xmalloc((size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  bool ok = tb_lbuf_add(b, big, (size_t)n);
  free(big);
  return ok;
}

char *tb_lbuf_take(tb_lbuf *b, size_t *len) {
  if (b->failed) {
    tb_lbuf_free(b);
    return NULL;
  }
  if (!b->data)
    tb_lbuf_add(b, "", 0);
  char *out = b->data;
  if (len)
    *len = b->len;
  b->data = NULL;
  tb_lbuf_free(b);
  return out;
}

/* ------------------------------------------------------------------------
 * UTF-8
 * ---------------------------------------------------------------------- */

/* Length of the sequence starting with byte c and the smallest code point
 * it may encode; 0 for a byte that cannot start one. */
static size_t utf8_seq_len(unsigned char c, uint32_t *min) {
  if (c < 0x80) {
    *min = 0;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) {
    *min = 0x80;
    return 2;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    *min = 0x800;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    *min = 0x10000;
    return 4;
  }
  return 0;
}

bool tb_license_utf8_valid(const char *s, size_t len) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  while (i < len) {
    uint32_t min;
    size_t n = utf8_seq_len(u[i], &min);
    if (n == 0 || n > len - i)
      return false;
    uint32_t cp = n == 1 ? u[i] : (u[i] & (0x7Fu >> n));
    for (size_t k = 1; k < n; k++) {
      if ((u[i + k] & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (u[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n;
  }
  return true;
}

uint32_t tb_license_utf8_next(const char *s, size_t len, size_t *i) {
  const unsigned char *u = (const unsigned char *)s;
  uint32_t min;
  size_t n = utf8_seq_len(u[*i], &min);
  if (n == 0 || n > len - *i) {
    (*i)++;
    return 0xFFFD;
  }
  uint32_t cp = n == 1 ? u[*i] : (u[*i] & (0x7Fu >> n));
  for (size_t k = 1; k < n; k++)
    cp = (cp << 6) | (u[*i + k] & 0x3F);
  *i += n;
  return cp;
}

/* ------------------------------------------------------------------------
 * Days in China Standard Time
 * ---------------------------------------------------------------------- */

tb_day tb_license_day_of(int64_t unix_seconds) {
  int64_t local = unix_seconds + TB_LICENSE_UTC_OFFSET;
  int64_t day = local / 86400;
  if (local % 86400 < 0)
    day--;
  return (tb_day)day;
}

int64_t tb_license_start_of(tb_day d) {
  return (int64_t)d * 86400 - TB_LICENSE_UTC_OFFSET;
}

int64_t tb_license_now(int64_t now) {
  return now ? now : (int64_t)time(NULL);
}

/* ------------------------------------------------------------------------
 * Names
 * ---------------------------------------------------------------------- */

const char *tb_license_status_code(tb_license_status s) {
  switch (s) {
  case TB_LICENSE_OK:
    return "ok";
  case TB_LICENSE_ERR_INVALID:
    return "invalid";
  case TB_LICENSE_ERR_LIMIT:
    return "limit";
  case TB_LICENSE_ERR_IO:
    return "io";
  case TB_LICENSE_ERR_EXISTS:
    return "exists";
  case TB_LICENSE_ERR_NOT_FOUND:
    return "not_found";
  case TB_LICENSE_ERR_PASSPHRASE:
    return "passphrase";
  case TB_LICENSE_ERR_CRYPTO:
    return "crypto";
  }
  return "unknown";
}

const char *tb_license_reason_code(tb_license_reason r) {
  switch (r) {
  case TB_LICENSE_MALFORMED:
    return "malformed";
  case TB_LICENSE_UNKNOWN_KEY:
    return "unknown_key";
  case TB_LICENSE_UNTRUSTED_KEY:
    return "untrusted_key";
  case TB_LICENSE_BAD_SIGNATURE:
    return "bad_signature";
  case TB_LICENSE_WRONG_ISSUER:
    return "wrong_issuer";
  case TB_LICENSE_NOT_YET_VALID:
    return "not_yet_valid";
  case TB_LICENSE_EXPIRED:
    return "expired";
  case TB_LICENSE_REVOKED:
    return "revoked";
  case TB_LICENSE_REVOCATION_UNKNOWN:
    return "revocation_unknown";
  }
  return NULL;
}
