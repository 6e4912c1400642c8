/*
 * api_forwarded.c — the server's edge (see api_forwarded.h): the public
 * URL checked and normalized, trusted proxy networks, and the client's
 * address out of X-Forwarded-For, walked from the right and only behind
 * a trusted proxy. Every input is treated as hostile: bounded lengths,
 * strict address syntax (inet_pton), a bounded number of hops.
 */
#include "api_forwarded.h"
#include "tb_api.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* ---- addresses ---------------------------------------------------------- */

static bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *len) {
  while (*len && is_ows(**s)) {
    (*s)++;
    (*len)--;
  }
  while (*len && is_ows((*s)[*len - 1]))
    (*len)--;
}

/* A decimal port 1..65535 of exactly len digits. */
static bool port_ok(const char *s, size_t len) {
  char digits[6];
  if (len == 0 || len >= sizeof digits)
    return false;
  memcpy(digits, s, len);
  digits[len] = '\0';
  if (strspn(digits, "0123456789") != len)
    return false;
  unsigned long v = strtoul(digits, NULL, 10);
  return v >= 1 && v <= 65535;
}

/* inet_pton of s[0..len) as family (AF_INET or AF_INET6). */
static bool pton(int family, const char *s, size_t len, api_ip *out) {
  char buf[INET6_ADDRSTRLEN];
  if (len == 0 || len >= sizeof buf)
    return false;
  memcpy(buf, s, len);
  buf[len] = '\0';
  memset(out, 0, sizeof *out);
  if (inet_pton(family, buf, out->bytes) != 1)
    return false;
  out->family = family == AF_INET ? 4 : 6;
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (out->family == 6 && memcmp(out->bytes, mapped, sizeof mapped) == 0) {
    memmove(out->bytes, out->bytes + 12, 4);
    memset(out->bytes + 4, 0, 12);
    out->family = 4;
  }
  return true;
}

bool api_ip_parse(const char *text, size_t len, api_ip *out) {
  trim(&text, &len);
  if (len == 0 || len >= API_ADDR_MAX || memchr(text, '\0', len))
    return false;
  if (text[0] == '[') {
    const char *close = memchr(text, ']', len);
    if (!close)
      return false;
    size_t inner = (size_t)(close - text) - 1;
    size_t rest = len - inner - 2;
    if (rest && (close[1] != ':' || !port_ok(close + 2, rest - 1)))
      return false;
    return pton(AF_INET6, text + 1, inner, out);
  }
  const char *colon = memchr(text, ':', len);
  if (!colon)
    return pton(AF_INET, text, len, out);
  size_t before = (size_t)(colon - text);
  if (!memchr(colon + 1, ':', len - before - 1)) /* a.b.c.d:port */
    return port_ok(colon + 1, len - before - 1) &&
           pton(AF_INET, text, before, out);
  return pton(AF_INET6, text, len, out);
}

bool api_ip_from_sockaddr(const struct sockaddr *sa, api_ip *out) {
  char text[INET6_ADDRSTRLEN];
  const void *addr = NULL;
  if (sa && sa->sa_family == AF_INET)
    addr = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
  else if (sa && sa->sa_family == AF_INET6)
    addr = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
  if (!addr || !inet_ntop(sa->sa_family, addr, text, sizeof text))
    return false;
  return pton(sa->sa_family, text, strlen(text), out);
}

void api_ip_format(const api_ip *ip, char out[API_ADDR_MAX]) {
  if (!inet_ntop(ip->family == 4 ? AF_INET : AF_INET6, ip->bytes, out,
                 API_ADDR_MAX))
    snprintf(out, API_ADDR_MAX, "unknown");
}

bool api_cidr_parse(const char *spec, api_cidr *out, char *err,
                    size_t err_len) {
  memset(out, 0, sizeof *out);
  size_t len = strnlen(spec, API_ADDR_MAX);
  const char *slash = memchr(spec, '/', len);
  size_t alen = slash ? (size_t)(slash - spec) : len;
  bool v6 = memchr(spec, ':', alen) != NULL;
  if (len >= API_ADDR_MAX ||
      !pton(v6 ? AF_INET6 : AF_INET, spec, alen, &out->net)) {
    snprintf(err, err_len,
             "--trusted-proxy takes an IP address or a network such as "
             "10.0.0.0/8 or fd00::/8, not '%.*s'",
             (int)strnlen(spec, 80), spec);
    return false;
  }
  /* ::ffff:a.b.c.d is held as IPv4: its prefix counts past the 96 bits */
  unsigned bits = v6 ? 128 : 32, skip = v6 && out->net.family == 4 ? 96 : 0;
  out->prefix = bits - skip;
  if (slash) {
    char *end = NULL;
    errno = 0;
    long p =
        slash[1] >= '0' && slash[1] <= '9' ? strtol(slash + 1, &end, 10) : -1;
    if (errno || p < (long)skip || p > (long)bits || !end || *end) {
      snprintf(err, err_len,
               "--trusted-proxy %s: the prefix length after '/' is %u to %u",
               spec, skip, bits);
      return false;
    }
    out->prefix = (unsigned)p - skip;
  }
  bits -= skip;
  for (unsigned i = out->prefix; i < bits; i++)
    if (out->net.bytes[i / 8] & (0x80u >> (i % 8))) {
      snprintf(err, err_len,
               "--trusted-proxy %s: the address has bits set past the "
               "prefix (write the network's first address)",
               spec);
      return false;
    }
  return true;
}

static bool in_net(const api_cidr *c, const api_ip *ip) {
  if (c->net.family != ip->family)
    return false;
  unsigned full = c->prefix / 8, rest = c->prefix % 8;
  if (memcmp(c->net.bytes, ip->bytes, full) != 0)
    return false;
  if (!rest)
    return true;
  uint8_t mask = (uint8_t)(0xffu << (8 - rest));
  return (c->net.bytes[full] & mask) == (ip->bytes[full] & mask);
}

bool api_cidr_contains(const api_cidr *nets, size_t n, const api_ip *ip) {
  for (size_t i = 0; i < n; i++)
    if (in_net(&nets[i], ip))
      return true;
  return false;
}

/* ---- X-Forwarded-For ---------------------------------------------------- */

/* The walk's state: where it stands and how far it may go. */
typedef struct {
  const api_edge *e;
  api_ip current; /* the last hop accepted: the client if the walk ends */
  unsigned hops;
  bool done;
} walk;

/* One entry, right to left: accept it, and go on only past a proxy. */
static void step(walk *w, const char *s, size_t len) {
  api_ip ip;
  if (w->hops++ >= API_MAX_HOPS || !api_ip_parse(s, len, &ip)) {
    w->done = true;
    return;
  }
  w->current = ip;
  w->done = !api_cidr_contains(w->e->proxies, w->e->n_proxies, &ip);
}

/* The entries of one header line, from its right end. */
static void walk_line(walk *w, const char *line) {
  size_t end = strlen(line);
  while (!w->done) {
    size_t start = end;
    while (start > 0 && line[start - 1] != ',')
      start--;
    step(w, line + start, end - start);
    if (start == 0)
      return;
    end = start - 1;
  }
}

void api_forwarded_client(const api_edge *e, const api_ip *peer,
                          const char *const *xff, size_t n,
                          char out[API_ADDR_MAX]) {
  walk w = {.e = e, .current = *peer};
  w.done = !api_cidr_contains(e->proxies, e->n_proxies, peer);
  for (size_t i = n; i > 0 && !w.done; i--)
    if (xff[i - 1])
      walk_line(&w, xff[i - 1]);
  api_ip_format(&w.current, out);
}

/* ---- the public URL ----------------------------------------------------- */

static bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static bool segment_char(char c) {
  return name_char(c) || c == '_' || c == '~';
}

/* The host of an authority: [v6], IPv4 or a DNS name. */
static bool host_ok(const char *h, size_t len) {
  api_ip ip;
  if (len >= 2 && h[0] == '[' && h[len - 1] == ']')
    return pton(AF_INET6, h + 1, len - 2, &ip);
  if (len == 0 || len > 253 || h[0] == '.' || h[0] == '-' || h[len - 1] == '-')
    return false;
  for (size_t i = 0; i < len; i++)
    if (!name_char(h[i]) || (h[i] == '.' && i + 1 < len && h[i + 1] == '.'))
      return false;
  return true;
}

/* The host of host[:port] (an IPv6 address keeps its brackets). */
static size_t host_len(const char *a, size_t len) {
  for (size_t i = len; i > 0; i--) {
    if (a[i - 1] == ']')
      break;
    if (a[i - 1] == ':')
      return i - 1;
  }
  return len;
}

/* host[:port]: the port, when given, 1..65535. */
static bool authority_ok(const char *a, size_t len) {
  size_t hlen = host_len(a, len);
  if (hlen < len && !port_ok(a + hlen + 1, len - hlen - 1))
    return false;
  return host_ok(a, hlen);
}

/* The path prefix: "/seg/seg", no dot segments, no empty ones. */
static bool path_ok(const char *p, size_t len) {
  size_t i = 0;
  while (i < len) {
    if (p[i] != '/')
      return false;
    size_t j = i + 1;
    while (j < len && p[j] != '/') {
      if (!segment_char(p[j]))
        return false;
      j++;
    }
    size_t seg = j - i - 1;
    if (seg == 0 || (seg == 1 && p[i + 1] == '.') ||
        (seg == 2 && p[i + 1] == '.' && p[i + 2] == '.'))
      return false;
    i = j;
  }
  return true;
}

static bool url_fail(char *err, size_t err_len, const char *url,
                     const char *why) {
  snprintf(err, err_len, "--public-url '%.*s': %s", (int)strnlen(url, 120), url,
           why);
  return false;
}

/* Scheme and authority lower-cased, the path as given, no trailing '/'. */
static void normalize(const char *url, size_t len, size_t path_at,
                      char out[API_PUBLIC_URL_MAX]) {
  while (len > path_at && url[len - 1] == '/')
    len--;
  for (size_t i = 0; i < len; i++) {
    char c = url[i];
    out[i] = i < path_at && c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
  }
  out[len] = '\0';
}

bool api_public_url_parse(const char *url, char out[API_PUBLIC_URL_MAX],
                          char *err, size_t err_len) {
  size_t len = strnlen(url, API_PUBLIC_URL_MAX);
  if (len >= API_PUBLIC_URL_MAX)
    return url_fail(err, err_len, url, "longer than 255 bytes");
  size_t scheme = strncasecmp(url, "https://", 8) == 0  ? 8
                  : strncasecmp(url, "http://", 7) == 0 ? 7
                                                        : 0;
  if (!scheme)
    return url_fail(err, err_len, url,
                    "write http:// or https:// and the host, e.g. "
                    "https://zwfw.example.gov.cn");
  if (strpbrk(url, "?#"))
    return url_fail(err, err_len, url,
                    "a query (?) or fragment (#) is "
                    "not allowed");
  const char *auth = url + scheme;
  size_t alen = strcspn(auth, "/");
  if (memchr(auth, '@', alen))
    return url_fail(err, err_len, url,
                    "user information (user@) is not allowed");
  if (!authority_ok(auth, alen))
    return url_fail(err, err_len, url,
                    "the host must be a DNS name (ASCII; punycode xn-- for "
                    "others), an IPv4 address or [IPv6], with an optional "
                    "port 1-65535");
  size_t path_at = scheme + alen;
  size_t plen = len - path_at;
  while (plen && url[path_at + plen - 1] == '/')
    plen--;
  if (!path_ok(url + path_at, plen))
    return url_fail(err, err_len, url,
                    "the path prefix is /segment/… of letters, digits and "
                    "-._~ (no . or .. segments)");
  normalize(url, len, path_at, out);
  return true;
}

void api_public_url_default(const char *listen, uint16_t port,
                            char out[API_PUBLIC_URL_MAX]) {
  const char *colon = strrchr(listen, ':');
  int hlen = colon ? (int)(colon - listen) : (int)strlen(listen);
  if (hlen > 64)
    hlen = 64;
  snprintf(out, API_PUBLIC_URL_MAX, "http://%.*s:%u", hlen, listen,
           (unsigned)port);
}

bool api_forwarded_mismatch(const api_edge *e, const char *proto,
                            const char *host) {
  size_t scheme = strncmp(e->public_url, "https", 5) == 0 ? 5 : 4;
  const char *auth = e->public_url + scheme + 3;
  size_t alen = host_len(auth, strcspn(auth, "/"));
  if (proto && (strlen(proto) != scheme ||
                strncasecmp(proto, e->public_url, scheme) != 0))
    return true;
  if (!host)
    return false;
  size_t hlen = host_len(host, strnlen(host, API_HOST_MAX));
  return hlen != alen || strncasecmp(host, auth, alen) != 0;
}

bool api_forwarded_open(api_edge *e, const char *public_url,
                        const char *const *proxies, size_t n_proxies, char *err,
                        size_t err_len) {
  memset(e, 0, sizeof *e);
  if (public_url) {
    if (!api_public_url_parse(public_url, e->public_url, err, err_len))
      return false;
    e->configured = true;
  }
  if (n_proxies > API_MAX_PROXIES) {
    snprintf(err, err_len, "--trusted-proxy is given %zu times; at most %d",
             n_proxies, API_MAX_PROXIES);
    return false;
  }
  for (size_t i = 0; i < n_proxies; i++)
    if (!api_cidr_parse(proxies[i], &e->proxies[i], err, err_len))
      return false;
  e->n_proxies = n_proxies;
  return true;
}

tb_api_status tb_api_check_edge(const tb_api_options *o, char *err,
                                size_t err_len) {
  api_edge e;
  return api_forwarded_open(&e, o->public_url, o->trusted_proxies,
                            o->n_trusted_proxies, err, err_len)
             ? TB_API_OK
             : TB_API_INVALID;
}
