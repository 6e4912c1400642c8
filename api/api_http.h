/*
 * api_http.h — the parts of HTTP/1.1 (RFC 9110, RFC 9112) that
 * libmicrohttpd 0.9.75 leaves to the application: the request's framing
 * (Host, Content-Length, Transfer-Encoding, line ends), the raw request
 * target (%00, %2F, absolute form), exact media types, the q-values of
 * Accept and Accept-Encoding, and gzip bodies (zlib). Not for use outside
 * api/; what each function reads is plain text, so nothing here reaches
 * into the server or the request.
 */
#ifndef API_HTTP_H
#define API_HTTP_H

#include "tb_api_int.h"

#include <stdbool.h>
#include <stddef.h>

struct MHD_Connection;

/* A refusal of the request's form: the registered problem (its status
 * is the answer's) and a detail naming what was wrong. */
typedef struct {
  tb_problem_code code;
  char detail[200];
} api_http_refusal;

/* Check the raw request target as it came on the request line, before
 * libmicrohttpd decodes it (NULL: none): an encoded NUL (%00) or slash
 * (%2F) in the path, or a space or control character anywhere, is
 * refused. true when it is acceptable; else *out names the flaw. */
bool api_http_target_ok(const char *raw, api_http_refusal *out);

/* The path of a request target in absolute form ("http://host:port/p"
 * → "/p", "http://host" → "/"); any other target is returned as it is.
 * The result points into url (or is the literal "/"). */
const char *api_http_origin_path(const char *url);

/* Check the framing of the request whose headers conn holds: exactly one
 * Host on HTTP/1.1 (at most one on 1.0), no two different Content-Length
 * values, no Transfer-Encoding beside Content-Length or on HTTP/1.0, only
 * the chunked coding (once, last), no white space between a header's
 * name and its colon, and no line of the request line and
 * headers ended by a bare LF where libmicrohttpd's parsed buffer shows
 * it. version is the request's HTTP version string as libmicrohttpd
 * passed it. true when the framing is sound; else *out has the refusal
 * (400, or 501 for a transfer coding other than chunked). */
bool api_http_framing_ok(struct MHD_Connection *conn, const char *version,
                         api_http_refusal *out);

/* Whether a Content-Type value is exactly `type` ("application/json"),
 * names compared without regard to case, with no parameter but an
 * optional charset=utf-8. */
bool api_http_media_type_is(const char *value, const char *type);

/* The q-value (0 … 1) an Accept header gives a media type: that of the
 * most specific range that matches it (type/subtype, type/ *, * / *);
 * 1 when there is no header; 0 when no range matches. */
double api_http_accept_q(const char *accept, const char *type);

/* Whether an Accept-Encoding header lets the answer be gzip: gzip (or
 * x-gzip) with q > 0, or else "*" with q > 0. No header: false. */
bool api_http_gzip_accepted(const char *accept_encoding);

/* Whether a body of this Content-Type is worth compressing: text (but
 * not an event stream), JSON, problem+json, XML and SVG; never images,
 * PDFs or other compressed formats. */
bool api_http_compressible(const char *content_type);

/* The smallest body worth compressing: below it gzip's 18 bytes of
 * framing eat the gain (a short problem answer shrinks by a few bytes). */
#define API_GZIP_MIN 512

/* Compress len bytes of in with gzip (deflate in the gzip wrapper,
 * RFC 1952). On success *out is a new buffer (the caller frees it) of
 * *out_len bytes, and true is returned; false when zlib fails or the
 * result would not be smaller than the input (nothing allocated). */
bool api_http_gzip(const void *in, size_t len, char **out, size_t *out_len);

#endif /* API_HTTP_H */
