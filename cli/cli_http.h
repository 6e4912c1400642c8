/*
 * cli_http.h — the command line's one HTTP client (cli/cli_http.c): a
 * single blocking GET of an http:// URL, for `tongban license verify
 * --online URL`. It speaks HTTP/1.0 (no chunked answers, the server closes
 * the connection), reads at most a given number of bytes within a time
 * limit, and treats the answer as hostile: a malformed status line or
 * header block, a length that does not match, or a status other than 200
 * is an error. There is no TLS: what it fetches is signed (the revocation
 * list), so its integrity does not depend on the connection.
 */
#ifndef CLI_HTTP_H
#define CLI_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define CLI_HTTP_MAX_URL 2048   /* characters of a URL */
#define CLI_HTTP_MAX_HEAD 16384 /* bytes of the answer's status and headers */
#define CLI_HTTP_TIMEOUT 30     /* seconds for the whole exchange */

/* GET url ("http://host[:port]/path", host a name, IPv4 or [IPv6]) and
 * hand over the body of a 200 answer: *body is malloc'd, NUL-terminated
 * (the NUL not counted in *len), at most max_body bytes, and freed by the
 * caller. false with a short lower-case message in err (err_size bytes)
 * when the URL is not one this client takes, the server cannot be
 * reached, or the answer is not a well-formed 200 within the limits. */
bool cli_http_get(const char *url, size_t max_body, char **body, size_t *len,
                  char *err, size_t err_size);

#endif /* CLI_HTTP_H */
