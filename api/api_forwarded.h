/*
 * api_forwarded.h — the server's edge: the public URL that every absolute
 * link and QR code is built from (--public-url), the trusted proxies
 * (--trusted-proxy ADDR[/PREFIX]) and the X-Forwarded-* headers, which
 * are read only when the TCP peer is one of them.
 *
 * Everything here is pure (no I/O, no libmicrohttpd) and takes hostile
 * input: the header values are whatever a client sent. The server
 * (api_server.c) hands the peer's address and the header lines in; the
 * unit test (tests/api/test_forwarded.c) does the same with crafted ones.
 *
 * Ownership: nothing keeps a pointer it was given; results are written
 * into the caller's buffers and structs.
 */
#ifndef API_FORWARDED_H
#define API_FORWARDED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define API_PUBLIC_URL_MAX 256 /* bytes of a public URL (and its NUL) */
#define API_MAX_PROXIES 64     /* --trusted-proxy given at most this often */
#define API_MAX_HOPS 16        /* X-Forwarded-For entries walked at most */
#define API_ADDR_MAX 64        /* an address as text, with its NUL */
#define API_HOST_MAX 256       /* an X-Forwarded-Host value, with its NUL */

/* An IP address: family 4 (the first 4 bytes) or 6. An IPv4-mapped IPv6
 * address (::ffff:a.b.c.d) is held as IPv4. */
typedef struct {
  uint8_t family;
  uint8_t bytes[16];
} api_ip;

/* A network: an address and how many leading bits of it count. */
typedef struct {
  api_ip net;
  unsigned prefix; /* 0..32 for IPv4, 0..128 for IPv6 */
} api_cidr;

/* What the server knows of its edge (api_forwarded_open fills it). */
typedef struct {
  char public_url[API_PUBLIC_URL_MAX]; /* "https://host[:port][/prefix]",
                                          no trailing '/' */
  bool configured;                     /* given with --public-url (else
                                          made from the listen address) */
  api_cidr proxies[API_MAX_PROXIES];
  size_t n_proxies;
} api_edge;

/* Check and normalize a public URL: http or https (any case; written in
 * lower case), a host (a DNS name of ASCII letters, digits, '-' and '.',
 * an IPv4 address or a bracketed IPv6 one; lower-cased), an optional
 * port 1..65535, an optional path prefix of segments made of letters,
 * digits and "-._~" (no "." or ".." segment, no empty one; a trailing '/'
 * is dropped); no user info, query or fragment, at most
 * API_PUBLIC_URL_MAX - 1 bytes. On failure err says what is wrong,
 * naming --public-url. */
bool api_public_url_parse(const char *url, char out[API_PUBLIC_URL_MAX],
                          char *err, size_t err_len);

/* The public URL when none is configured: http://ADDR:PORT of the listen
 * address ("[v6]" kept bracketed) and the port actually bound. */
void api_public_url_default(const char *listen, uint16_t port,
                            char out[API_PUBLIC_URL_MAX]);

/* An address as a client or proxy writes it: "a.b.c.d", "a.b.c.d:port",
 * an IPv6 address bare or bracketed, "[v6]:port". Surrounding spaces
 * and tabs are skipped. false for anything else (names, "unknown", zone
 * ids, garbage, more than API_ADDR_MAX bytes). */
bool api_ip_parse(const char *text, size_t len, api_ip *out);

/* The address of a socket (AF_INET or AF_INET6; false for others). */
struct sockaddr;
bool api_ip_from_sockaddr(const struct sockaddr *sa, api_ip *out);

/* "ADDR" or "ADDR/PREFIX" (IPv4 or IPv6, no brackets, no port); the
 * address's bits past the prefix must be zero. On failure err says what
 * is wrong, naming --trusted-proxy. */
bool api_cidr_parse(const char *spec, api_cidr *out, char *err, size_t err_len);

/* Whether ip lies in one of the n networks. */
bool api_cidr_contains(const api_cidr *nets, size_t n, const api_ip *ip);

/* The address as text (inet_ntop's form) into out (API_ADDR_MAX). */
void api_ip_format(const api_ip *ip, char out[API_ADDR_MAX]);

/* The client's address. When the TCP peer is not a trusted proxy it is
 * the peer, and the headers are not read. Otherwise the X-Forwarded-For
 * lines (xff[0..n), in the order received; several lines count as one
 * list joined by commas) are walked from the right: each entry was
 * written by the hop to its right, so the first entry that is not a
 * trusted proxy is the client. A malformed or empty entry ends the walk
 * at the last trusted hop, as do API_MAX_HOPS entries; when every entry
 * is a trusted proxy the leftmost is the client. */
void api_forwarded_client(const api_edge *e, const api_ip *peer,
                          const char *const *xff, size_t n,
                          char out[API_ADDR_MAX]);

/* Whether a trusted proxy's X-Forwarded-Proto and X-Forwarded-Host (either
 * may be NULL: not sent) disagree with the public URL's scheme and
 * authority: a proxy or a --public-url that is set up wrong. Values that
 * are not a scheme or a host at all disagree too. */
bool api_forwarded_mismatch(const api_edge *e, const char *proto,
                            const char *host);

/* Fill e: the public URL (checked; NULL: not configured, and the server
 * sets the default with api_public_url_default once it knows its port)
 * and the trusted proxies (each checked, at most API_MAX_PROXIES). On
 * failure err names the option and what is wrong. */
bool api_forwarded_open(api_edge *e, const char *public_url,
                        const char *const *proxies, size_t n_proxies, char *err,
                        size_t err_len);

#endif /* API_FORWARDED_H */
