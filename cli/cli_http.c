/*
 * cli_http.c — cli_http_get (see cli_http.h) on libcurl's easy interface.
 * The URL is parsed by libcurl's URL API and checked here (http or https,
 * no user name, query or fragment). The options bound the transfer (the
 * protocols, no redirects, no proxy, the time-outs, TLS verification, the
 * announced size); two callbacks stop it as soon as the headers or the
 * body pass their limits or the status is not 200. The caller gets a short
 * message made from the CURLcode; libcurl's own text goes to the log.
 */
#include "cli_http.h"
#include "tb_engine.h"
#include "tb_log.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#if LIBCURL_VERSION_NUM >= 0x080600
#define TOO_LARGE CURLE_TOO_LARGE
#else
#define TOO_LARGE CURLE_OUT_OF_MEMORY
#endif

/* One transfer: what the callbacks gathered and why they stopped it. */
typedef struct {
  CURL *curl;
  tb_buf body;
  size_t head_bytes;   /* of every header line so far */
  long refused_status; /* a final status other than 200; 0 if none */
  bool head_too_large;
  bool body_started; /* the body callback was called */
} transfer;

static bool fail(char *err, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail(char *err, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, size, fmt, ap);
  va_end(ap);
  return false;
}

/* ---- the URL ------------------------------------------------------------ */

/* Whether the parsed URL has the part `what` (a query, a user …). */
static bool has_part(CURLU *u, CURLUPart what) {
  char *part = NULL;
  bool has = curl_url_get(u, what, &part, 0) == CURLUE_OK;
  curl_free(part);
  return has;
}

static bool is_http_scheme(CURLU *u) {
  char *scheme = NULL;
  bool ok = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
            (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
  curl_free(scheme);
  return ok;
}

static bool parse_url(CURLU *u, const char *url, char *err, size_t size) {
  if (strlen(url) > CLI_HTTP_MAX_URL)
    return fail(err, size, "the url is too long");
  CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, 0);
  if (uc == CURLUE_BAD_SCHEME || uc == CURLUE_UNSUPPORTED_SCHEME ||
      (uc == CURLUE_OK && !is_http_scheme(u)))
    return fail(err, size, "the url must start with http:// or https://");
  if (uc != CURLUE_OK)
    return fail(err, size, "the url is malformed");
  if (has_part(u, CURLUPART_USER) || has_part(u, CURLUPART_PASSWORD))
    return fail(err, size, "the url may hold no user name or password");
  if (has_part(u, CURLUPART_QUERY) || has_part(u, CURLUPART_FRAGMENT))
    return fail(err, size, "the url may hold no query or fragment");
  return true;
}

/* ---- the callbacks ------------------------------------------------------- */

/* Each header line (status lines included): refuse past the limit. */
static size_t on_header(char *data, size_t size, size_t n, void *cls) {
  transfer *t = cls;
  (void)data;
  size_t len = size * n;
  t->head_bytes += len;
  if (t->head_bytes > CLI_HTTP_MAX_HEAD) {
    t->head_too_large = true;
    return 0; /* stops the transfer: CURLE_WRITE_ERROR */
  }
  return len;
}

/* Each piece of the body: only a 200's, and at most the buffer's max. */
static size_t on_body(char *data, size_t size, size_t n, void *cls) {
  transfer *t = cls;
  size_t len = size * n;
  long status = 0;
  t->body_started = true;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    t->refused_status = status;
    return 0;
  }
  return tb_buf_add(&t->body, data, len) ? len : 0;
}

/* ---- the transfer -------------------------------------------------------- */

static bool set_options(transfer *t, CURLU *u, struct curl_slist *headers,
                        char *errbuf) {
  CURL *c = t->curl;
  return curl_easy_setopt(c, CURLOPT_CURLU, u) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") ==
             CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_PROXY, "") == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_HTTP09_ALLOWED, 0L) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
                          (long)CLI_HTTP_CONNECT_TIMEOUT) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)CLI_HTTP_TIMEOUT) ==
             CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_SSLVERSION,
                          (long)CURL_SSLVERSION_TLSv1_2) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
                          (curl_off_t)t->body.max) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_HEADERDATA, t) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_WRITEDATA, t) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_USERAGENT, "tongban") == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK;
}

/* The short message of a failed transfer. */
static bool fail_transfer(const transfer *t, CURLcode rc, char *err,
                          size_t size) {
  if (t->head_too_large)
    return fail(err, size, "the answer's headers are too large (over %d bytes)",
                CLI_HTTP_MAX_HEAD);
  if (t->refused_status)
    return fail(err, size, "the server answered %ld", t->refused_status);
  /* libcurl refuses a header line over 100 KB itself: before 8.6 as out of
   * memory (a real shortage is the unlikely reading) */
  if (!t->body_started && (rc == CURLE_OUT_OF_MEMORY || rc == TOO_LARGE))
    return fail(err, size, "the answer's headers are too large");
  switch (rc) {
  case CURLE_WRITE_ERROR:
  case CURLE_FILESIZE_EXCEEDED:
    return fail(err, size, "the answer is too large (over %zu bytes)",
                t->body.max);
  case CURLE_COULDNT_RESOLVE_HOST:
    return fail(err, size, "could not resolve the host name");
  case CURLE_COULDNT_CONNECT:
    return fail(err, size, "could not connect to the server");
  case CURLE_OPERATION_TIMEDOUT:
    return fail(err, size, "the server did not answer in %d seconds",
                CLI_HTTP_TIMEOUT);
  case CURLE_PARTIAL_FILE:
    return fail(err, size, "the answer is cut short");
  case CURLE_GOT_NOTHING:
    return fail(err, size,
                "the server closed the connection without an "
                "answer");
  case CURLE_UNSUPPORTED_PROTOCOL: /* an HTTP/0.9 answer: no status line */
  case CURLE_WEIRD_SERVER_REPLY:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
    return fail(err, size, "the answer is not valid http");
  case CURLE_SSL_CONNECT_ERROR:
    return fail(err, size,
                "the tls handshake failed (is the server "
                "speaking https?)");
  case CURLE_PEER_FAILED_VERIFICATION:
    return fail(err, size,
                "the server's certificate cannot be verified "
                "(untrusted, expired, or for another host)");
  case CURLE_SEND_ERROR:
    return fail(err, size, "could not send the request");
  case CURLE_RECV_ERROR: /* also a malformed chunked body */
    return fail(err, size,
                "could not read the answer (the connection "
                "broke or the data is malformed)");
  default:
    return fail(err, size, "the request failed (libcurl: %s)",
                curl_easy_strerror(rc));
  }
}

/* Run the transfer set up in t; false after a message. */
static bool perform(transfer *t, const char *url, char *err, size_t size) {
  char errbuf[CURL_ERROR_SIZE] = "";
  struct curl_slist *headers =
      curl_slist_append(NULL, "Accept: application/json");
  CURLU *u = curl_url();
  bool ok = headers && u;
  if (!ok)
    fail(err, size, "could not set up the request");
  ok = ok && parse_url(u, url, err, size);
  if (ok && !set_options(t, u, headers, errbuf))
    ok = fail(err, size, "this libcurl lacks an option tongban needs");
  CURLcode rc = ok ? curl_easy_perform(t->curl) : CURLE_OK;
  long status = 0;
  if (ok && rc == CURLE_OK)
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (ok && rc != CURLE_OK) {
    tb_log_kv(TB_LOG_DEBUG, "http_client", "request failed",
              TB_LOG_S("url", url), TB_LOG_I("curl_code", rc),
              TB_LOG_S("error", errbuf));
    ok = fail_transfer(t, rc, err, size);
  } else if (ok && status != 200) {
    ok = fail(err, size, "the server answered %ld", status);
  }
  curl_url_cleanup(u);
  curl_slist_free_all(headers);
  return ok;
}

bool cli_http_get(const char *url, size_t max_body, char **body, size_t *len,
                  char *err, size_t err_size) {
  *body = NULL;
  *len = 0;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return fail(err, err_size, "could not start libcurl");
  transfer t = {.curl = curl_easy_init()};
  tb_buf_init(&t.body, max_body);
  bool ok = t.curl ? perform(&t, url, err, err_size)
                   : fail(err, err_size, "could not start libcurl");
  if (ok)
    *body = tb_buf_take(&t.body, len);
  tb_buf_free(&t.body);
  curl_easy_cleanup(t.curl);
  curl_global_cleanup();
  return ok;
}
