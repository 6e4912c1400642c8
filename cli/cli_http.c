/*
 * cli_http.c — one blocking HTTP/1.0 GET over a plain TCP socket (see
 * cli_http.h): parse the URL, connect to the first address that answers
 * (send and receive time-outs, an overall deadline), send the request,
 * read until the server closes or the size limit is passed, and check the
 * status line, the header block and Content-Length before handing over
 * the body.
 */
#include "cli_http.h"
#include "tb_engine.h"

#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_HOST 256

typedef struct {
  char host[MAX_HOST];          /* without brackets */
  char authority[MAX_HOST + 8]; /* for the Host header */
  char port[6];
  const char *path; /* into the URL; "" means "/" */
} http_url;

static bool fail(char *err, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail(char *err, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, size, fmt, ap);
  va_end(ap);
  return false;
}

/* Printable ASCII without spaces: what a URL of this client may hold. */
static bool url_chars_ok(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
      return false;
  return true;
}

static bool parse_port(const char *s, size_t n, char out[6]) {
  if (n == 0 || n > 5 || strspn(s, "0123456789") < n)
    return false;
  unsigned v = 0;
  for (size_t i = 0; i < n; i++)
    v = v * 10 + (unsigned)(s[i] - '0');
  if (v == 0 || v > 65535)
    return false;
  snprintf(out, 6, "%u", v);
  return true;
}

/* host[:port] or [v6][:port] of the authority a[0..n). */
static bool parse_host(const char *a, size_t n, http_url *u) {
  const char *host = a, *rest;
  size_t host_len;
  if (n > 0 && a[0] == '[') {
    const char *close = memchr(a, ']', n);
    if (!close)
      return false;
    host = a + 1;
    host_len = (size_t)(close - host);
    rest = close + 1;
  } else {
    const char *colon = memchr(a, ':', n);
    host_len = colon ? (size_t)(colon - a) : n;
    rest = a + host_len;
  }
  size_t rest_len = n - (size_t)(rest - a);
  if (host_len == 0 || host_len >= MAX_HOST || memchr(host, '@', host_len) ||
      memchr(host, '[', host_len))
    return false;
  memcpy(u->host, host, host_len);
  u->host[host_len] = '\0';
  snprintf(u->authority, sizeof u->authority, "%.*s", (int)n, a);
  if (rest_len == 0) {
    snprintf(u->port, sizeof u->port, "80");
    return true;
  }
  return rest[0] == ':' && parse_port(rest + 1, rest_len - 1, u->port);
}

static bool parse_url(const char *url, http_url *u, char *err, size_t size) {
  if (strlen(url) > CLI_HTTP_MAX_URL || !url_chars_ok(url))
    return fail(err, size,
                "the url is too long or holds spaces or "
                "non-ascii characters");
  if (strncasecmp(url, "https://", 8) == 0)
    return fail(err, size,
                "https is not supported: the revocation list is signed, so "
                "give an http:// url or --revocations FILE");
  if (strncasecmp(url, "http://", 7) != 0)
    return fail(err, size, "the url must start with http://");
  const char *a = url + 7;
  size_t n = strcspn(a, "/?#");
  if (a[n] == '?' || a[n] == '#')
    return fail(err, size, "the url may hold no query or fragment");
  if (!parse_host(a, n, u))
    return fail(err, size, "the url has no valid host and port");
  u->path = a + n;
  if (strpbrk(u->path, "?#"))
    return fail(err, size, "the url may hold no query or fragment");
  return true;
}

/* ---- the connection ----------------------------------------------------- */

static int64_t monotonic_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec;
}

static int connect_to(const http_url *u, char *err, size_t size) {
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC};
  struct addrinfo *res = NULL;
  int rc = getaddrinfo(u->host, u->port, &hints, &res);
  if (rc != 0) {
    fail(err, size, "could not resolve %s: %s", u->host, gai_strerror(rc));
    return -1;
  }
  struct timeval tv = {.tv_sec = CLI_HTTP_TIMEOUT / 3};
  int fd = -1;
  for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0)
      continue;
    /* on Linux the send time-out also bounds connect() */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0)
    fail(err, size, "could not connect to %s port %s", u->host, u->port);
  return fd;
}

static bool send_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n <= 0)
      return false;
    data += n;
    len -= (size_t)n;
  }
  return true;
}

/* Everything the server sends until it closes, at most b's maximum, before
 * the deadline. */
static bool receive_all(int fd, tb_buf *b, char *err, size_t size) {
  int64_t deadline = monotonic_seconds() + CLI_HTTP_TIMEOUT;
  char chunk[16384];
  for (;;) {
    if (monotonic_seconds() > deadline)
      return fail(err, size, "the server did not answer in %d seconds",
                  CLI_HTTP_TIMEOUT);
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n == 0)
      return true;
    if (n < 0)
      return fail(err, size, "the connection failed while reading");
    if (!tb_buf_add(b, chunk, (size_t)n))
      return fail(err, size, "the answer is too large");
  }
}

/* ---- the answer ----------------------------------------------------------
 */

/* The value of header `name` in the header lines h[0..n), or NULL; *vlen
 * its length without surrounding blanks. */
static const char *header(const char *h, size_t n, const char *name,
                          size_t *vlen) {
  size_t nl = strlen(name);
  const char *end = h + n;
  for (const char *line = h; line < end;) {
    const char *eol = memchr(line, '\n', (size_t)(end - line));
    if (!eol)
      eol = end;
    if ((size_t)(eol - line) > nl && strncasecmp(line, name, nl) == 0 &&
        line[nl] == ':') {
      const char *v = line + nl + 1, *ve = eol;
      while (v < ve && (*v == ' ' || *v == '\t'))
        v++;
      while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
        ve--;
      *vlen = (size_t)(ve - v);
      return v;
    }
    line = eol + 1;
  }
  return NULL;
}

/* The status code of "HTTP/1.x NNN …", or -1. */
static int status_of(const char *s, size_t n) {
  if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || s[7] < '0' || s[7] > '9' ||
      s[8] != ' ' || strspn(s + 9, "0123456789") < 3 ||
      (n > 12 && s[12] != ' ' && s[12] != '\r'))
    return -1;
  return (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
}

static bool check_length(const char *h, size_t hn, size_t body_len, char *err,
                         size_t size) {
  size_t vl = 0;
  if (header(h, hn, "Transfer-Encoding", &vl))
    return fail(err, size, "the answer uses a transfer encoding");
  const char *cl = header(h, hn, "Content-Length", &vl);
  if (!cl)
    return true;
  uint64_t v = 0;
  if (vl == 0 || vl > 18 || strspn(cl, "0123456789") < vl)
    return fail(err, size, "the answer's content-length is malformed");
  for (size_t i = 0; i < vl; i++)
    v = v * 10 + (uint64_t)(cl[i] - '0');
  if (v != body_len)
    return fail(err, size, "the answer is cut short (%zu of %llu bytes)",
                body_len, (unsigned long long)v);
  return true;
}

static bool take_body(const tb_buf *b, char **body, size_t *len, char *err,
                      size_t size) {
  size_t scan = b->len < CLI_HTTP_MAX_HEAD ? b->len : CLI_HTTP_MAX_HEAD;
  const char *end = b->len ? memmem(b->data, scan, "\r\n\r\n", 4) : NULL;
  if (!end)
    return fail(err, size, "the answer is not http");
  size_t head_len = (size_t)(end - b->data);
  int status = status_of(b->data, head_len);
  if (status < 0)
    return fail(err, size, "the answer is not http");
  if (status != 200)
    return fail(err, size, "the server answered %d", status);
  const char *first_eol = memchr(b->data, '\n', head_len);
  const char *h = first_eol ? first_eol + 1 : end;
  size_t hn = (size_t)(end - h);
  size_t body_len = b->len - head_len - 4;
  if (!check_length(h, hn, body_len, err, size))
    return false;
  *body = tb_xstrndup(end + 4, body_len);
  *len = body_len;
  return true;
}

bool cli_http_get(const char *url, size_t max_body, char **body, size_t *len,
                  char *err, size_t err_size) {
  *body = NULL;
  *len = 0;
  http_url u;
  if (!parse_url(url, &u, err, err_size))
    return false;
  char req[CLI_HTTP_MAX_URL + 2 * MAX_HOST + 128];
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.0\r\nHost: %s\r\nAccept: application/json"
                   "\r\nUser-Agent: tongban\r\nConnection: close\r\n\r\n",
                   *u.path ? u.path : "/", u.authority);
  if (n <= 0 || (size_t)n >= sizeof req)
    return fail(err, err_size, "the url is too long");
  int fd = connect_to(&u, err, err_size);
  if (fd < 0)
    return false;
  tb_buf b;
  tb_buf_init(&b, CLI_HTTP_MAX_HEAD + max_body);
  bool ok = send_all(fd, req, (size_t)n)
                ? receive_all(fd, &b, err, err_size)
                : fail(err, err_size, "could not send the request");
  close(fd);
  ok = ok && take_body(&b, body, len, err, err_size);
  tb_buf_free(&b);
  return ok;
}
