/*
 * api_http.c — what HTTP/1.1 asks of a server beyond what libmicrohttpd
 * 0.9.75 checks (see api_http.h and the README, "HTTP: what
 * libmicrohttpd does and what tongban adds"): the framing of a request,
 * its raw target, exact media types, q-values, and gzip with zlib.
 *
 * The bare-LF check reads how libmicrohttpd 0.9.75 leaves its parsed
 * buffer: the request line and each header line stay in place, their
 * end overwritten by one NUL per byte of the line end (two for CRLF, one
 * for a bare LF), so a header's name starts two bytes after the end of
 * the text before it, or one byte after a bare LF. Lines elsewhere in
 * memory (a buffer that grew, a folded header) are not judged.
 */
#include "api_http.h"

#include <limits.h>
#include <microhttpd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

static void refuse(api_http_refusal *out, tb_problem_code code,
                   const char *detail) {
  out->code = code;
  snprintf(out->detail, sizeof out->detail, "%s", detail);
}

static const char *skip_ows(const char *p) {
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

/* ---- the request target ------------------------------------------------ */

bool api_http_target_ok(const char *raw, api_http_refusal *out) {
  if (!raw)
    return true;
  const char *query = strchr(raw, '?');
  for (const char *p = raw; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c <= 0x20 || c == 0x7f) {
      refuse(out, TB_PROBLEM_MALFORMED_REQUEST,
             "the request target holds a space or a control character");
      return false;
    }
    unsigned char byte = 0;
    if (c != '%' || !p[1] || !p[2] || !tb_hex_decode(p + 1, 2, &byte, 1))
      continue;
    if (byte == 0) {
      refuse(out, TB_PROBLEM_INVALID_PATH,
             "the request target holds an encoded NUL (%00)");
      return false;
    }
    if (byte == '/' && (!query || p < query)) {
      refuse(out, TB_PROBLEM_INVALID_PATH,
             "the path holds an encoded slash (%2F): a path segment "
             "cannot contain '/'");
      return false;
    }
  }
  return true;
}

const char *api_http_origin_path(const char *url) {
  size_t skip = 0;
  if (strncasecmp(url, "http://", 7) == 0)
    skip = 7;
  else if (strncasecmp(url, "https://", 8) == 0)
    skip = 8;
  if (!skip)
    return url;
  const char *slash = strchr(url + skip, '/');
  return slash ? slash : "/";
}

/* ---- framing ------------------------------------------------------------ */

typedef struct {
  uintptr_t text_end; /* where the previous line's text ended */
  bool bare_lf;
  bool spaced_name; /* white space between a field name and its colon */
  int hosts;
  int lengths;
  bool lengths_differ;
  const char *length;
  size_t length_len;
  int encodings; /* Transfer-Encoding header lines */
  int codings;   /* transfer codings named */
  int chunked;   /* of which "chunked" */
  bool chunked_last;
  char other[32]; /* the first coding that is not chunked */
} framing_scan;

static bool name_is(const char *key, size_t len, const char *name) {
  return len == strlen(name) && strncasecmp(key, name, len) == 0;
}

/* The codings of one Transfer-Encoding value (a comma list; parameters
 * after ';' belong to the coding before them). */
static void scan_codings(framing_scan *s, const char *v, size_t len) {
  size_t i = 0;
  while (i < len) {
    while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
      i++;
    size_t start = i;
    while (i < len && v[i] != ',' && v[i] != ';' && v[i] != ' ' && v[i] != '\t')
      i++;
    size_t n = i - start;
    while (i < len && v[i] != ',')
      i++; /* parameters */
    if (n == 0)
      continue;
    s->codings++;
    s->chunked_last = name_is(v + start, n, "chunked");
    if (s->chunked_last)
      s->chunked++;
    else if (!s->other[0])
      snprintf(s->other, sizeof s->other, "%.*s", (int)n, v + start);
  }
}

static void scan_line_end(framing_scan *s, const char *key, const char *value,
                          size_t value_size) {
  uintptr_t start = (uintptr_t)key;
  if (s->text_end && start == s->text_end + 1)
    s->bare_lf = true;
  s->text_end = (uintptr_t)value + value_size;
}

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind,
                                   const char *key, size_t key_size,
                                   const char *value, size_t value_size) {
  (void)kind;
  framing_scan *s = cls;
  scan_line_end(s, key, value, value_size);
  if (memchr(key, ' ', key_size) || memchr(key, '\t', key_size))
    s->spaced_name = true;
  if (name_is(key, key_size, MHD_HTTP_HEADER_HOST)) {
    s->hosts++;
  } else if (name_is(key, key_size, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
    if (s->lengths++ && (value_size != s->length_len ||
                         memcmp(value, s->length, value_size) != 0))
      s->lengths_differ = true;
    s->length = value;
    s->length_len = value_size;
  } else if (name_is(key, key_size, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
    s->encodings++;
    scan_codings(s, value, value_size);
  }
  return MHD_YES;
}

static bool transfer_coding_ok(const framing_scan *s, bool http10,
                               api_http_refusal *out) {
  if (!s->encodings)
    return true;
  if (s->lengths) {
    refuse(out, TB_PROBLEM_MALFORMED_REQUEST,
           "the request has both Transfer-Encoding and Content-Length");
    return false;
  }
  if (http10) {
    refuse(out, TB_PROBLEM_MALFORMED_REQUEST,
           "an HTTP/1.0 request cannot use Transfer-Encoding");
    return false;
  }
  if (s->other[0]) {
    char text[sizeof out->detail];
    snprintf(text, sizeof text,
             "the transfer coding '%s' is not supported: send the body "
             "with Content-Length or chunked",
             s->other);
    refuse(out, TB_PROBLEM_UNSUPPORTED_TRANSFER_CODING, text);
    return false;
  }
  if (s->chunked != 1 || !s->chunked_last) {
    refuse(out, TB_PROBLEM_MALFORMED_REQUEST,
           "Transfer-Encoding must name chunked once, as the last coding");
    return false;
  }
  return true;
}

bool api_http_framing_ok(struct MHD_Connection *conn, const char *version,
                         api_http_refusal *out) {
  framing_scan s;
  memset(&s, 0, sizeof s);
  size_t vlen = version ? strlen(version) : 0;
  if (vlen)
    s.text_end = (uintptr_t)version + vlen;
  MHD_get_connection_values_n(conn, MHD_HEADER_KIND, scan_header, &s);
  bool http10 = version && strcmp(version, MHD_HTTP_VERSION_1_0) == 0;
  if (s.bare_lf) {
    refuse(out, TB_PROBLEM_MALFORMED_REQUEST,
           "a line of the request ends with a bare LF: end every line "
           "with CRLF");
    return false;
  }
  /* RFC 9112 §5.1: a proxy in front may read such a name differently */
  if (s.spaced_name) {
    refuse(out, TB_PROBLEM_MALFORMED_REQUEST,
           "a header has white space between its name and the colon");
    return false;
  }
  if (s.hosts > 1 || (s.hosts == 0 && !http10)) {
    refuse(out, TB_PROBLEM_MALFORMED_REQUEST,
           s.hosts ? "the request has more than one Host header"
                   : "an HTTP/1.1 request needs a Host header");
    return false;
  }
  if (s.lengths_differ) {
    refuse(out, TB_PROBLEM_MALFORMED_REQUEST,
           "the request has two different Content-Length values");
    return false;
  }
  return transfer_coding_ok(&s, http10, out);
}

/* ---- media types and q-values ------------------------------------------ */

/* Past one parameter value (a token or a quoted string). */
static const char *skip_value(const char *p) {
  if (*p != '"')
    return p + strcspn(p, ";, \t");
  for (p++; *p && *p != '"'; p++)
    if (*p == '\\' && p[1])
      p++;
  return *p ? p + 1 : p;
}

/* "utf-8" as a token or a quoted string; *p moves past it. */
static bool charset_utf8(const char **p) {
  const char *v = *p;
  const char *end = skip_value(v);
  size_t n = (size_t)(end - v);
  bool ok = (n == 5 && strncasecmp(v, "utf-8", 5) == 0) ||
            (n == 7 && strncasecmp(v, "\"utf-8\"", 7) == 0);
  *p = end;
  return ok;
}

bool api_http_media_type_is(const char *value, const char *type) {
  if (!value)
    return false;
  const char *p = skip_ows(value);
  size_t n = strlen(type);
  if (strncasecmp(p, type, n) != 0)
    return false;
  p = skip_ows(p + n);
  while (*p) {
    if (*p != ';')
      return false;
    p = skip_ows(p + 1);
    if (*p == '\0' || *p == ';')
      continue;
    if (strncasecmp(p, "charset=", 8) != 0)
      return false;
    p += 8;
    if (!charset_utf8(&p))
      return false;
    p = skip_ows(p);
  }
  return true;
}

/* A qvalue ("0", "0.5", "1.000"); -1 when malformed. */
static double parse_q(const char **pp) {
  const char *p = *pp;
  if (*p != '0' && *p != '1')
    return -1;
  double q = *p++ - '0';
  if (*p == '.') {
    p++;
    double scale = 0.1;
    for (int i = 0; i < 3 && *p >= '0' && *p <= '9'; i++, scale /= 10)
      q += (*p++ - '0') * scale;
  }
  *pp = p;
  return q > 1 ? -1 : q;
}

/* One element of a comma list with parameters. */
typedef struct {
  char name[80]; /* cut to fit */
  double q;      /* 1 when absent, -1 when malformed */
} list_item;

/* The next element of the list at *p (NUL-terminated); false at its end. */
static bool next_item(const char **pp, list_item *it) {
  const char *p = *pp;
  while (*p == ',' || *p == ' ' || *p == '\t')
    p++;
  if (!*p)
    return false;
  size_t n = strcspn(p, ";, \t");
  snprintf(it->name, sizeof it->name, "%.*s", (int)n, p);
  it->q = 1;
  p = skip_ows(p + n);
  while (*p == ';') {
    p = skip_ows(p + 1);
    bool is_q = (p[0] == 'q' || p[0] == 'Q') && p[1] == '=';
    size_t key = strcspn(p, "=;,");
    p += key;
    if (*p == '=') {
      p++;
      if (is_q)
        it->q = parse_q(&p);
      p = skip_value(p);
    }
    p = skip_ows(p);
  }
  p += strcspn(p, ","); /* whatever malformed text is left of it */
  *pp = p;
  return true;
}

/* How specifically a media range matches a type: 3 exactly, 2 by its
 * type ("text/ *"), 1 as "* / *", 0 not at all. */
static int range_match(const char *range, const char *type) {
  if (strcasecmp(range, type) == 0)
    return 3;
  if (strcmp(range, "*/*") == 0)
    return 1;
  const char *slash = strchr(type, '/');
  size_t n = slash ? (size_t)(slash - type) : 0;
  if (n && strncasecmp(range, type, n) == 0 && strcmp(range + n, "/*") == 0)
    return 2;
  return 0;
}

double api_http_accept_q(const char *accept, const char *type) {
  if (!accept)
    return 1;
  list_item it;
  int best = 0;
  double q = 0;
  while (next_item(&accept, &it)) {
    int m = it.q < 0 ? 0 : range_match(it.name, type);
    if (m > best) {
      best = m;
      q = it.q;
    }
  }
  return q;
}

bool api_http_gzip_accepted(const char *accept_encoding) {
  if (!accept_encoding)
    return false;
  list_item it;
  double gzip = -1, any = -1;
  while (next_item(&accept_encoding, &it)) {
    if (it.q < 0)
      continue;
    if (strcasecmp(it.name, "gzip") == 0 || strcasecmp(it.name, "x-gzip") == 0)
      gzip = it.q;
    else if (strcmp(it.name, "*") == 0)
      any = it.q;
  }
  return gzip >= 0 ? gzip > 0 : any > 0;
}

bool api_http_compressible(const char *content_type) {
  static const char *const types[] = {
      "application/json", "application/problem+json", "application/xml",
      "image/svg+xml",    "text/javascript",          NULL};
  if (!content_type)
    return false;
  size_t n = strcspn(content_type, "; \t");
  if (n == 17 && strncasecmp(content_type, "text/event-stream", 17) == 0)
    return false;
  if (n > 5 && strncasecmp(content_type, "text/", 5) == 0)
    return true;
  for (size_t i = 0; types[i]; i++)
    if (n == strlen(types[i]) && strncasecmp(content_type, types[i], n) == 0)
      return true;
  return false;
}

/* ---- gzip ------------------------------------------------------------- */

bool api_http_gzip(const void *in, size_t len, char **out, size_t *out_len) {
  if (len > UINT_MAX / 2)
    return false;
  z_stream z;
  memset(&z, 0, sizeof z);
  /* 15 + 16: the largest window, in the gzip wrapper */
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK)
    return false;
  uLong bound = deflateBound(&z, (uLong)len);
  unsigned char *buf = tb_xmalloc(bound);
  z.next_in = (Bytef *)(uintptr_t)in;
  z.avail_in = (uInt)len;
  z.next_out = buf;
  z.avail_out = (uInt)bound;
  int rc = deflate(&z, Z_FINISH);
  size_t n = (size_t)z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END || n >= len) {
    free(buf);
    return false;
  }
  *out = (char *)buf;
  *out_len = n;
  return true;
}
