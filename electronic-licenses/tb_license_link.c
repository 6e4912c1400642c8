/*
 * tb_license_link.c — the license QR code as a link: the page that
 * verifies a license (a URL the caller passes in, e.g. the server's
 * "https://zwfw.example.gov.cn/v") with the payload in its p parameter,
 * so that a phone camera opens the page while an offline verifier still
 * reads the payload out of it; and that reading, strict, for every
 * verifier (the REST API, `tongban license verify`). No HTTP here: the
 * page's URL is a string from the caller, and the query is read the way
 * application/x-www-form-urlencoded (and so the page's URLSearchParams)
 * reads it (engine/tb_util.h).
 */
#include "tb_license_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LINK_PARAM "p"

static bool http_scheme(const char *s, size_t len) {
  return (len >= 7 && strncasecmp(s, "http://", 7) == 0) ||
         (len >= 8 && strncasecmp(s, "https://", 8) == 0);
}

tb_license_status tb_license_link_make(const char *page, const char *payload,
                                       char **out, size_t *len, tb_problem *p) {
  *out = NULL;
  *len = 0;
  size_t plen = page ? strnlen(page, TB_LICENSE_MAX_LINK) : 0;
  if (!http_scheme(page ? page : "", plen) || strpbrk(page, "?# ")) {
    tb_problem_set(p, TB_ERR_INVALID, "page",
                   "the page is an http(s) url without query or fragment");
    return TB_LICENSE_ERR_INVALID;
  }
  tb_buf b;
  tb_buf_init(&b, TB_LICENSE_MAX_LINK);
  tb_buf_adds(&b, page);
  tb_buf_adds(&b, "?" LINK_PARAM "=");
  tb_form_encode(&b, payload, strlen(payload));
  *out = tb_buf_take(&b, len);
  if (!*out) {
    tb_problem_set(p, TB_ERR_LIMIT, "payload", "the link is too long");
    return TB_LICENSE_ERR_LIMIT;
  }
  return TB_LICENSE_OK;
}

tb_license_status tb_license_qr_text(const char *page, const char *payload,
                                     char **out, size_t *len, bool *linked,
                                     tb_problem *p) {
  *linked = false;
  tb_license_status st = tb_license_link_make(page, payload, out, len, p);
  if (st == TB_LICENSE_OK) {
    st = tb_license_qr_version(*out, NULL, NULL, p);
    if (st == TB_LICENSE_OK) {
      *linked = true;
      return st;
    }
    free(*out);
    *out = NULL;
  }
  if (st != TB_LICENSE_ERR_LIMIT)
    return st;
  /* too long for a QR code with the link: the payload alone */
  *len = strlen(payload);
  *out = tb_xstrndup(payload, *len);
  return TB_LICENSE_OK;
}

/* ---- reading a link ------------------------------------------------------ */

static tb_license_status bad(tb_problem *p, const char *why) {
  tb_problem_set(p, TB_ERR_INVALID, "payload", "%s", why);
  return TB_LICENSE_ERR_INVALID;
}

/* The characters a link may hold at all: printable ASCII but space. */
static bool link_chars_ok(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
      return false;
  return true;
}

/* Whether the form-encoded name s[0..len) reads "p"; -1 for a bad escape. */
static int name_is_param(const char *s, size_t len) {
  char name[8];
  size_t n = 0;
  if (len > 3 * sizeof name)
    return 0;
  if (!tb_form_decode(s, len, name, sizeof name, &n))
    return -1;
  return n == strlen(LINK_PARAM) && memcmp(name, LINK_PARAM, n) == 0;
}

/* The one p parameter's raw value in the query q[0..len). */
static tb_license_status find_param(const char *q, size_t len,
                                    const char **value, size_t *vlen,
                                    tb_problem *p) {
  int found = 0;
  for (size_t i = 0; i <= len;) {
    size_t end = i;
    while (end < len && q[end] != '&')
      end++;
    const char *eq = memchr(q + i, '=', end - i);
    size_t nlen = eq ? (size_t)(eq - (q + i)) : end - i;
    int is = name_is_param(q + i, nlen);
    if (is < 0)
      return bad(p, "the link's query has a bad %-escape");
    if (is && found++ == 0) {
      *value = eq ? eq + 1 : q + end;
      *vlen = eq ? (size_t)(q + end - (eq + 1)) : 0;
    }
    i = end + 1;
  }
  if (found == 0)
    return bad(p, "the link has no p parameter (…/v?p=TB1:…)");
  if (found > 1)
    return bad(p, "the link has more than one p parameter");
  return TB_LICENSE_OK;
}

/* The checks of a link's form: scheme, no user information, no fragment. */
static tb_license_status link_form(const char *text, size_t len,
                                   const char **query, tb_problem *p) {
  if (!link_chars_ok(text, len))
    return bad(p, "the link holds a space, a control character or a "
                  "non-ascii byte");
  if (memchr(text, '#', len))
    return bad(p, "the link has a fragment (#)");
  size_t at = (text[4] == ':' ? 7 : 8), alen = 0;
  const char *auth = text + at;
  while (at + alen < len && auth[alen] != '/' && auth[alen] != '?')
    alen++;
  if (alen == 0)
    return bad(p, "the link has no host");
  if (memchr(auth, '@', alen))
    return bad(p, "the link has user information (user@)");
  *query = memchr(text, '?', len);
  if (!*query)
    return bad(p, "the link has no query: it must end in ?p=…");
  (*query)++;
  return TB_LICENSE_OK;
}

/* The decoded value: a payload, nothing else. */
static tb_license_status take_value(const char *v, size_t vlen, char **out,
                                    size_t *out_len, tb_problem *p) {
  char *buf = tb_xmalloc(vlen + 1);
  size_t n = 0;
  tb_license_status st = TB_LICENSE_OK;
  if (!tb_form_decode(v, vlen, buf, vlen, &n))
    st = bad(p, "the p parameter has a bad %-escape");
  else if (memchr(buf, '\0', n))
    st = bad(p, "the p parameter holds a NUL byte");
  else if (n > TB_LICENSE_MAX_PAYLOAD)
    st = bad(p, "the p parameter is longer than a license payload can be");
  else if (n < strlen(TB_LICENSE_PAYLOAD_PREFIX) ||
           memcmp(buf, TB_LICENSE_PAYLOAD_PREFIX,
                  strlen(TB_LICENSE_PAYLOAD_PREFIX)) != 0)
    st = bad(p, "the p parameter is not a license payload (TB1:…)");
  if (st != TB_LICENSE_OK) {
    free(buf);
    return st;
  }
  buf[n] = '\0';
  *out = buf;
  *out_len = n;
  return TB_LICENSE_OK;
}

tb_license_status tb_license_link_payload(const char *text, size_t len,
                                          char **out, size_t *out_len,
                                          tb_problem *p) {
  *out = NULL;
  *out_len = 0;
  if (len > TB_LICENSE_MAX_LINK) {
    tb_problem_set(p, TB_ERR_LIMIT, "payload",
                   "longer than a verification link can be (%d bytes)",
                   TB_LICENSE_MAX_LINK);
    return TB_LICENSE_ERR_LIMIT;
  }
  if (!http_scheme(text, len)) { /* a payload: the verifier judges it */
    if (memchr(text, '\0', len))
      return bad(p, "the payload holds a NUL byte");
    *out = tb_xstrndup(text, len);
    *out_len = len;
    return TB_LICENSE_OK;
  }
  const char *query = NULL, *value = NULL;
  size_t vlen = 0;
  tb_license_status st = link_form(text, len, &query, p);
  if (st == TB_LICENSE_OK)
    st = find_param(query, len - (size_t)(query - text), &value, &vlen, p);
  if (st == TB_LICENSE_OK)
    st = take_value(value, vlen, out, out_len, p);
  return st;
}
