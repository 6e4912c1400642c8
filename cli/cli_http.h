/*
 * cli_http.h — the command line's one HTTP client (cli/cli_http.c, on
 * libcurl): a single blocking GET of an http:// or https:// URL, for
 * `tongban license verify --online URL`. It reads at most a given number of
 * bytes within a time limit and treats the answer as hostile: headers past
 * CLI_HTTP_MAX_HEAD bytes, a body past the limit or cut short, an answer
 * that is not HTTP, or a status other than 200 is an error. Redirects are
 * not followed and the environment's proxy variables (http_proxy,
 * https_proxy, ALL_PROXY) are not used: it connects to the URL's host
 * itself. https:// verifies the server's certificate against the system's
 * CA certificates and its host name (TLS 1.2 or later). What it fetches is
 * signed (the revocation list), so its integrity does not depend on TLS.
 */
#ifndef CLI_HTTP_H
#define CLI_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define CLI_HTTP_MAX_URL 2048   /* characters of a URL */
#define CLI_HTTP_MAX_HEAD 16384 /* bytes of the answer's status and headers */
#define CLI_HTTP_TIMEOUT 30     /* seconds for the whole exchange */
#define CLI_HTTP_CONNECT_TIMEOUT 10 /* seconds to connect (TLS included) */

/* GET url ("http://host[:port]/path" or "https://…"; no user name, query
 * or fragment) and hand over the body of a 200 answer: *body is malloc'd,
 * NUL-terminated (the NUL not counted in *len), at most max_body bytes,
 * and freed by the caller. false with *body NULL and a short lower-case
 * message in err (err_size bytes) when the URL is not one this client
 * takes, the server cannot be reached or its certificate does not hold,
 * or the answer is not a well-formed 200 within the limits. libcurl's own
 * description of a failure is logged at level debug (module http_client). */
bool cli_http_get(const char *url, size_t max_body, char **body, size_t *len,
                  char *err, size_t err_size);

#endif /* CLI_HTTP_H */
