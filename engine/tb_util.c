/*
 * tb_util.c — the utility layer's byte helpers (see tb_util.h): UTF-8,
 * hex, base64url and the bounded buffer. The canonical JSON writer is in
 * tb_json.c.
 */
#include "tb_engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * UTF-8
 * ---------------------------------------------------------------------- */

size_t tb_utf8_decode(const char *s, size_t len, uint32_t *cp) {
  const unsigned char *u = (const unsigned char *)s;
  if (len == 0)
    return 0;
  unsigned char b = u[0];
  if (b < 0x80) {
    if (cp)
      *cp = b;
    return 1;
  }
  size_t n;
  uint32_t c;
  /* the second byte's range rules out overlongs, surrogates and values
   * above U+10FFFF (RFC 3629 §4) */
  unsigned char lo = 0x80, hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2, c = b & 0x1Fu;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3, c = b & 0x0Fu;
    lo = b == 0xE0 ? 0xA0 : 0x80;
    hi = b == 0xED ? 0x9F : 0xBF;
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4, c = b & 0x07u;
    lo = b == 0xF0 ? 0x90 : 0x80;
    hi = b == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (len < n || u[1] < lo || u[1] > hi)
    return 0;
  for (size_t k = 1; k < n; k++) {
    if ((u[k] & 0xC0) != 0x80)
      return 0;
    c = (c << 6) | (u[k] & 0x3Fu);
  }
  if (cp)
    *cp = c;
  return n;
}

bool tb_utf8_valid(const char *s, size_t len, size_t *bad) {
  size_t i = 0;
  while (i < len) {
    size_t n = tb_utf8_decode(s + i, len - i, NULL);
    if (n == 0) {
      if (bad)
        *bad = i;
      return false;
    }
    i += n;
  }
  return true;
}

bool tb_utf8_count(const char *s, size_t len, size_t *count) {
  size_t i = 0, n = 0;
  while (i < len) {
    size_t k = tb_utf8_decode(s + i, len - i, NULL);
    if (k == 0)
      return false;
    i += k;
    n++;
  }
  *count = n;
  return true;
}

size_t tb_utf8_cut(const char *s, size_t len, size_t max) {
  if (len <= max)
    return len;
  size_t i = 0;
  while (i < max) {
    size_t n = tb_utf8_decode(s + i, len - i, NULL);
    if (n == 0)
      n = 1; /* a stray byte is a unit of its own */
    if (i + n > max)
      break;
    i += n;
  }
  return i;
}

void tb_utf8_scrub(char *s, size_t len) {
  size_t i = 0;
  while (i < len) {
    size_t n = tb_utf8_decode(s + i, len - i, NULL);
    if (n == 0) {
      s[i++] = '?';
      continue;
    }
    i += n;
  }
}

static bool is_space(uint32_t cp) {
  return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xA0 || cp == 0x3000;
}

bool tb_utf8_blank(const char *s, size_t len) {
  size_t i = 0;
  while (i < len) {
    uint32_t cp = 0;
    size_t n = tb_utf8_decode(s + i, len - i, &cp);
    if (n == 0 || !is_space(cp))
      return false;
    i += n;
  }
  return true;
}

/* ------------------------------------------------------------------------
 * Hex
 * ---------------------------------------------------------------------- */

void tb_hex_encode(const void *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  const unsigned char *u = in;
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[u[i] >> 4];
    out[2 * i + 1] = digits[u[i] & 15];
  }
  out[2 * n] = '\0';
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

bool tb_hex_decode(const char *hex, size_t len, void *out, size_t n) {
  if (n > SIZE_MAX / 2 || len != 2 * n)
    return false;
  unsigned char *u = out;
  for (size_t i = 0; i < n; i++) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    u[i] = (unsigned char)(hi << 4 | lo);
  }
  return true;
}

/* ------------------------------------------------------------------------
 * base64url
 * ---------------------------------------------------------------------- */

static const char B64URL[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t tb_b64url_encode(const void *in, size_t n, char *out) {
  const unsigned char *u = in;
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    size_t left = n - i;
    uint32_t v = (uint32_t)u[i] << 16;
    if (left > 1)
      v |= (uint32_t)u[i + 1] << 8;
    if (left > 2)
      v |= u[i + 2];
    out[o++] = B64URL[(v >> 18) & 63];
    out[o++] = B64URL[(v >> 12) & 63];
    if (left > 1)
      out[o++] = B64URL[(v >> 6) & 63];
    if (left > 2)
      out[o++] = B64URL[v & 63];
  }
  out[o] = '\0';
  return o;
}

static int b64url_value(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-')
    return 62;
  if (c == '_')
    return 63;
  return -1;
}

bool tb_b64url_decode(const char *text, size_t len, void *out, size_t cap,
                      size_t *out_len) {
  if (len % 4 == 1)
    return false;
  size_t n = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
  if (n > cap)
    return false;
  unsigned char *u = out;
  uint32_t acc = 0;
  unsigned bits = 0;
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    int v = b64url_value(text[i]);
    if (v < 0)
      return false;
    acc = (acc << 6 | (uint32_t)v) & 0xFFFFFFu;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      u[o++] = (unsigned char)(acc >> bits);
    }
  }
  /* the bits left over must be zero: one text per byte string */
  if (bits && (acc & ((1u << bits) - 1)))
    return false;
  *out_len = o;
  return true;
}

/* ------------------------------------------------------------------------
 * application/x-www-form-urlencoded
 * ---------------------------------------------------------------------- */

static bool form_kept(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || (c && strchr("-._~*$/:", c));
}

bool tb_form_encode(tb_buf *b, const char *s, size_t len) {
  static const char hex[] = "0123456789ABCDEF";
  bool ok = true;
  for (size_t i = 0; i < len && ok; i++) {
    unsigned char c = (unsigned char)s[i];
    if (form_kept(c)) {
      ok = tb_buf_add(b, &s[i], 1);
    } else if (c == ' ') {
      ok = tb_buf_add(b, "+", 1);
    } else {
      char pct[3] = {'%', hex[c >> 4], hex[c & 15]};
      ok = tb_buf_add(b, pct, 3);
    }
  }
  return ok;
}

bool tb_form_decode(const char *s, size_t len, char *out, size_t cap,
                    size_t *out_len) {
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    if (o >= cap)
      return false;
    if (s[i] == '+') {
      out[o++] = ' ';
    } else if (s[i] != '%') {
      out[o++] = s[i];
    } else {
      int hi = i + 2 < len ? hex_value(s[i + 1]) : -1;
      int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
      if (lo < 0)
        return false;
      out[o++] = (char)(hi << 4 | lo);
      i += 2;
    }
  }
  *out_len = o;
  return true;
}

/* ------------------------------------------------------------------------
 * The bounded buffer
 * ---------------------------------------------------------------------- */

void tb_buf_init(tb_buf *b, size_t max) {
  memset(b, 0, sizeof *b);
  b->max = max;
}

void tb_buf_free(tb_buf *b) {
  free(b->data);
  tb_buf_init(b, b->max);
}

void tb_buf_reset(tb_buf *b) {
  b->len = 0;
  b->overflow = false;
  if (b->data)
    b->data[0] = '\0';
}

/* Room for len more bytes and the NUL; false (and overflowed) past max. */
static bool reserve(tb_buf *b, size_t len) {
  if (b->overflow || len > b->max || b->len > b->max - len) {
    b->overflow = true;
    return false;
  }
  size_t need = b->len + len + 1;
  if (need > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
      cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->max + 1)
      cap = b->max + 1 > need ? b->max + 1 : need;
    b->data = tb_xrealloc(b->data, cap);
    b->cap = cap;
  }
  return true;
}

bool tb_buf_add(tb_buf *b, const void *data, size_t len) {
  if (!reserve(b, len))
    return false;
  if (len)
    memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
  return true;
}

bool tb_buf_adds(tb_buf *b, const char *s) {
  return tb_buf_add(b, s, strlen(s));
}

bool tb_buf_addf(tb_buf *b, const char *fmt, ...) {
  if (b->overflow)
    return false;
  va_list ap, again;
  va_start(ap, fmt);
  va_copy(again, ap);
  char *tail = b->data ? b->data + b->len : NULL;
  size_t room = b->data ? b->cap - b->len : 0;
  int n = vsnprintf(tail, room, fmt, ap);
  va_end(ap);
  bool ok = n >= 0;
  if (ok && (size_t)n >= room) {
    ok = reserve(b, (size_t)n);
    if (ok)
      vsnprintf(b->data + b->len, b->cap - b->len, fmt, again);
  } else if (ok) {
    ok = reserve(b, (size_t)n); /* within the capacity: checks max only */
  }
  va_end(again);
  if (!ok) {
    b->overflow = true;
    if (b->data)
      b->data[b->len] = '\0';
    return false;
  }
  b->len += (size_t)n;
  return true;
}

const char *tb_buf_str(const tb_buf *b) {
  return b->data ? b->data : "";
}

char *tb_buf_take(tb_buf *b, size_t *len) {
  if (b->overflow) {
    tb_buf_free(b);
    return NULL;
  }
  if (!b->data)
    tb_buf_add(b, "", 0);
  char *out = b->data;
  if (len)
    *len = b->len;
  b->data = NULL;
  tb_buf_free(b);
  return out;
}
