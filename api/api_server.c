/*
 * api_server.c — the HTTP server's top: libmicrohttpd with an internal
 * thread pool on epoll, the request lifecycle (route → size cap →
 * authenticate → handler → reply), the access log and metrics in the
 * completion callback, and the graceful stop (quiesce, wait for requests
 * in flight, stop). The daemon and dispatch only: what handlers ask of a
 * request is in api_request.c, and nothing below includes this file.
 *
 * Suspended handlers, the one mechanism (tb_api_int.h, "suspended
 * requests"): a handler calls api_suspend(r, then, cls) and returns
 * without answering; on_request then returns MHD_YES with no response
 * queued, and libmicrohttpd leaves the connection alone. Whoever did the
 * work calls api_resume(r); libmicrohttpd calls on_request again (the
 * final call, once more), which runs `then` instead of the route's
 * handler and sends what it answered, or waits again if it suspended
 * again. The request stays in flight meanwhile (the graceful stop waits
 * for it); pools that suspend requests are stopped before the daemon
 * (api_hashpool_stop resumes every request it holds).
 *
 * Connections are guarded by api_conn_guard.h: a cap per client address
 * at accept, and deadlines the request callbacks move (headers in, body
 * pieces, answering, answered) that a sweeper enforces.
 */
#include "api_conn_guard.h"
#include "api_http.h"
#include "api_request.h"
#include "api_totp.h"
#include "tb_api_int.h"
#include "tb_log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_LISTEN "127.0.0.1:8080"
#define DEFAULT_BODY (1024 * 1024)
#define DEFAULT_FILE (10 * 1024 * 1024)
#define DEFAULT_APP_FILES (50 * 1024 * 1024)
#define DEFAULT_HEADER (32 * 1024)
#define DEFAULT_TIMEOUT 30
#define RETRY_AFTER 5
#define DEFAULT_CONNECTIONS 4096
#define DEFAULT_PER_ADDRESS 64
#define DEFAULT_HEADER_TIMEOUT 10
#define DEFAULT_BODY_TIMEOUT 20
#define DEFAULT_BODY_RATE 500
#define DEFAULT_HASH_QUEUE 32
/* worker threads when none are given: one per core (measured best on the
 * 2-core bench machine, bench/README.md "Worker threads"), at most 48 (with
 * the background connections, under the server role's default connection
 * limit of 64) */
#define DEFAULT_THREADS_MAX 48

struct tb_api {
  struct MHD_Daemon *daemon;
  api_context ctx; /* what the request accessors read (api_request.h) */
  size_t max_body;
  bool quiet;
  bool test_clock;
  uint16_t port;
  atomic_int in_flight;
  atomic_uint_fast64_t next_id;
  atomic_bool mismatch_told; /* the forwarded-host warning was logged */
};

static atomic_uint_fast64_t generations = 1;

/* ---- the store handles' wiring --------------------------------------------
 */

void tb_api_store_options(const tb_api *api, tb_store_options *o) {
  api_context_store_options(&api->ctx, o);
}

/* The store handles' event hook: this node's commits, told at once to
 * the caches and to the hub (which reads the tail and wakes the other
 * nodes). */
static void on_committed(void *cls, const char *const *numbers, size_t n,
                         bool overflow, bool accounts) {
  api_context *c = cls;
  api_events_committed(c->track_cache, c->session_cache, numbers, n, overflow,
                       accounts);
  api_hub_poke(c->hub);
}

/* ---- small helpers ----------------------------------------------------------
 */

static int64_t monotonic_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The X-Forwarded-For lines of a request, the last API_MAX_HOPS kept
 * (the walk from the right never reaches further). */
typedef struct {
  const char *lines[API_MAX_HOPS];
  size_t n;
} forwarded_lines;

static enum MHD_Result collect_xff(void *cls, enum MHD_ValueKind kind,
                                   const char *key, const char *value) {
  (void)kind;
  forwarded_lines *f = cls;
  if (key && value && strcasecmp(key, "X-Forwarded-For") == 0) {
    if (f->n == API_MAX_HOPS) {
      memmove(f->lines, f->lines + 1, sizeof f->lines[0] * (API_MAX_HOPS - 1));
      f->n--;
    }
    f->lines[f->n++] = value;
  }
  return MHD_YES;
}

/* A trusted proxy's X-Forwarded-Proto/-Host that disagree with the public
 * URL: said once per server, for the administrator to fix one of them. */
static void check_forwarded(tb_api *api, struct MHD_Connection *conn) {
  const char *proto =
      MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
  const char *host =
      MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-Host");
  if (!api_forwarded_mismatch(&api->ctx.edge, proto, host) ||
      atomic_exchange(&api->mismatch_told, true))
    return;
  tb_log_kv(
      TB_LOG_WARN, "http",
      "the proxy forwards another scheme or host than --public-url",
      TB_LOG_S("public_url", api->ctx.edge.public_url),
      TB_LOG_SN("proto", proto ? proto : "", proto ? strnlen(proto, 16) : 0),
      TB_LOG_SN("host", host ? host : "", host ? strnlen(host, 255) : 0));
}

/* The client's address: the TCP peer, or behind a trusted proxy the one
 * X-Forwarded-For names (api_forwarded.h); the throttles, the login
 * lockouts and the access log key on it. */
static void client_address(tb_api *api, struct MHD_Connection *conn, char *out,
                           size_t cap) {
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  snprintf(out, cap, "unknown");
  if (!ci || !ci->client_addr)
    return;
  api_ip peer;
  if (!api_ip_from_sockaddr(ci->client_addr, &peer))
    return;
  const api_edge *e = &api->ctx.edge;
  forwarded_lines f = {.n = 0};
  if (api_cidr_contains(e->proxies, e->n_proxies, &peer)) {
    MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_xff, &f);
    check_forwarded(api, conn);
  }
  char addr[API_ADDR_MAX];
  api_forwarded_client(e, &peer, f.lines, f.n, addr);
  snprintf(out, cap, "%s", addr);
}

/* The time of events: now, or the test clock when enabled. */
static int64_t event_time(api_req *r) {
  int64_t now = (int64_t)time(NULL);
  if (!r->api->test_clock)
    return now;
  const char *h = api_header(r, "X-Tongban-Clock");
  if (!h)
    return now;
  char *end = NULL;
  errno = 0;
  long long v = strtoll(h, &end, 10);
  if (errno || !end || *end || v <= 0)
    return now;
  return (int64_t)v;
}

/* ---- the request lifecycle -------------------------------------------------
 *
 * libmicrohttpd calls uri_logged with the raw request target, then
 * on_request: once when the headers are in (the first call), once per
 * piece of the body, and once more when the body is complete. What the
 * headers alone settle (the form of the request, the route, a declared
 * size over the cap, the Content-Type) is decided at the first call. A
 * refusal is answered at once when no body follows or the client waits
 * for 100 Continue; otherwise the body is read and dropped, up to
 * DISCARD_FACTOR times the route's cap and DISCARD_US, and the answer
 * follows it, so that clients that send the whole body before reading
 * (urllib, fetch) read the answer instead of a broken pipe.
 */

#define DISCARD_FACTOR 4
#define DISCARD_US (10 * 1000000LL)

/* The raw target, before libmicrohttpd decodes it: the request starts. */
static void *uri_logged(void *cls, const char *uri,
                        struct MHD_Connection *conn) {
  tb_api *api = cls;
  tb_arena *a = tb_arena_new();
  api_req *r = tb_arena_alloc(a, sizeof *r);
  r->api = api;
  r->ctx = &api->ctx;
  r->arena = a;
  r->conn = conn;
  r->started_us = monotonic_us();
  r->fault_fired = -1;
  api_http_refusal bad;
  if (!api_http_target_ok(uri, &bad)) {
    r->form_code = bad.code;
    r->form_detail = tb_arena_strdup(a, bad.detail);
  }
  atomic_fetch_add(&api->in_flight, 1);
  return r;
}

static void begin_request(api_req *r, const char *method, const char *url) {
  tb_api *api = r->api;
  tb_arena *a = r->arena;
  r->method = tb_arena_strdup(a, method);
  r->path = tb_arena_strdup(a, api_http_origin_path(url));
  /* the file routes take one file's bytes: their own cap */
  char allow[128];
  const char *params[API_MAX_PARAMS];
  const api_route *rt =
      api_route_match(a, method, r->path, params, allow, sizeof allow);
  r->body_max = rt && (rt->flags & ROUTE_BODY_FILE) ? api->ctx.max_file_bytes
                                                    : api->max_body;
  tb_buf_init(&r->body_buf, r->body_max);
  uint64_t id = atomic_fetch_add(&api->next_id, 1);
  snprintf(r->request_id, sizeof r->request_id, "%08" PRIx64 "-%06" PRIu64,
           api->ctx.generation & 0xffffffffu, id);
  client_address(api, r->conn, r->client, sizeof r->client);
  r->now = event_time(r);
  r->started = true;
}

/* The body arrives in pieces; past the server's maximum it is refused. */
static void append_body(api_req *r, const char *data, size_t len) {
  if (!tb_buf_add(&r->body_buf, data, len))
    r->too_large = true;
}

/* The declared Content-Length (0 when none; libmicrohttpd refused a
 * malformed one already); a value beyond range counts as the largest. */
static unsigned long long declared_length(api_req *r) {
  const char *cl = api_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
  if (!cl)
    return 0;
  char *end = NULL;
  errno = 0;
  unsigned long long n = strtoull(cl, &end, 10);
  return errno == ERANGE ? ULLONG_MAX : n;
}

static bool body_announced(api_req *r) {
  return api_header(r, MHD_HTTP_HEADER_TRANSFER_ENCODING) ||
         declared_length(r) > 0;
}

static bool expects_continue(api_req *r) {
  const char *e = api_header(r, MHD_HTTP_HEADER_EXPECT);
  return e && strcasecmp(e, "100-continue") == 0;
}

static size_t discard_cap(const api_req *r) {
  return r->body_max * DISCARD_FACTOR;
}

/* The Content-Type a route takes, matched exactly; a body without one is
 * refused too (415), since what it holds cannot be known. */
static bool content_type_ok(api_req *r) {
  if ((r->route->flags & ROUTE_BODY_FILE) || !body_announced(r))
    return true; /* a file's type is decided from its bytes */
  const char *ct = api_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
  bool xml = r->route->flags & ROUTE_BODY_XML;
  bool text = r->route->flags & ROUTE_BODY_TEXT;
  if (xml ? api_http_media_type_is(ct, "application/xml") ||
                api_http_media_type_is(ct, "text/xml")
      : text ? api_http_media_type_is(ct, "text/plain")
             : api_http_media_type_is(ct, "application/json"))
    return true;
  const char *want = xml    ? "application/xml"
                     : text ? "text/plain"
                            : "application/json";
  if (!ct)
    api_fail(r, TB_PROBLEM_UNSUPPORTED_MEDIA_TYPE,
             "the body has no Content-Type: send it as %s", want);
  else
    api_fail(r, TB_PROBLEM_UNSUPPORTED_MEDIA_TYPE,
             "Content-Type '%.80s' is not taken here: send the body as %s "
             "(charset=utf-8 is the only parameter allowed)",
             ct, want);
  return false;
}

/* What the headers alone settle: the route (404, 405), a declared size
 * over the cap (413) and the Content-Type (415). A file route's size is
 * its handler's to refuse (with its own problem), so it runs now. */
static void route_request(api_req *r) {
  char allow[128];
  r->route = api_route_match(r->arena, r->method, r->path, r->params, allow,
                             sizeof allow);
  if (!r->route) {
    if (allow[0]) {
      r->allow = tb_arena_strdup(r->arena, allow);
      api_fail(r, TB_PROBLEM_METHOD_NOT_ALLOWED,
               "%s is not allowed here; use %s", r->method, allow);
    } else {
      api_fail(r, TB_PROBLEM_NOT_FOUND, "no such resource");
    }
    return;
  }
  if (!content_type_ok(r))
    return;
  if (declared_length(r) <= r->body_max)
    return;
  r->too_large = true;
  if (!(r->route->flags & ROUTE_BODY_FILE)) {
    api_fail(r, TB_PROBLEM_BODY_TOO_LARGE,
             "the request body is larger than %zu bytes", r->body_max);
    return;
  }
  if (api_authenticate(r))
    r->route->handler(r);
  if (!r->replied)
    api_fail(r, TB_PROBLEM_INTERNAL, "the request could not be answered");
}

static void dispatch(api_req *r) {
  r->body = tb_buf_str(&r->body_buf);
  r->body_len = r->body_buf.len;
  if (r->too_large && !(r->route->flags & ROUTE_BODY_FILE)) {
    api_fail(r, TB_PROBLEM_BODY_TOO_LARGE,
             "the request body is larger than %zu bytes", r->body_max);
    return;
  }
  if (!api_authenticate(r))
    return;
  r->route->handler(r);
  if (!r->replied && !r->then)
    api_fail(r, TB_PROBLEM_INTERNAL, "the request could not be answered");
}

/* A suspended request resumed: its continuation answers (or suspends
 * it again). */
static void resume_handler(api_req *r) {
  api_continuation then = r->then;
  r->then = NULL;
  then(r, r->then_cls);
  if (!r->replied && !r->then)
    api_fail(r, TB_PROBLEM_INTERNAL, "the request could not be answered");
}

/* A buffered answer as a response: gzip when the client takes it and the
 * body is worth it; Vary on every answer whose body could have been. */
static struct MHD_Response *buffered_response(api_req *r) {
  bool compressible = api_http_compressible(r->content_type);
  char *gz = NULL;
  size_t gz_len = 0;
  if (compressible && r->reply_len >= API_GZIP_MIN && r->status != 204 &&
      api_http_gzip_accepted(api_header(r, MHD_HTTP_HEADER_ACCEPT_ENCODING)))
    api_http_gzip(r->reply, r->reply_len, &gz, &gz_len);
  struct MHD_Response *resp =
      gz ? MHD_create_response_from_buffer(gz_len, gz, MHD_RESPMEM_MUST_FREE)
         : MHD_create_response_from_buffer(r->reply_len,
                                           r->reply ? r->reply : (char *)"",
                                           MHD_RESPMEM_MUST_COPY);
  if (!resp) {
    free(gz);
    return NULL;
  }
  if (gz)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
  if (compressible)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY,
                            MHD_HTTP_HEADER_ACCEPT_ENCODING);
  return resp;
}

static enum MHD_Result send_reply(api_req *r) {
  if (r->response) {
    enum MHD_Result ok =
        MHD_queue_response(r->conn, (unsigned)r->status, r->response);
    MHD_destroy_response(r->response);
    r->response = NULL;
    return ok;
  }
  struct MHD_Response *resp = buffered_response(r);
  if (!resp)
    return MHD_NO;
  if (r->content_type)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            r->content_type);
  MHD_add_response_header(resp, "X-Request-Id", r->request_id);
  MHD_add_response_header(resp, "Cache-Control", "no-store");
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  if (r->close)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
  if (r->allow)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
  if (r->location)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
  if (r->retry_after > 0) {
    char ra[16];
    snprintf(ra, sizeof ra, "%d", r->retry_after);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
  }
  if (r->fault_fired >= 0) { /* test builds: what the injected fault did */
    char n[16];
    snprintf(n, sizeof n, "%d", r->fault_statements);
    MHD_add_response_header(resp, "X-Tongban-Fault-Fired",
                            r->fault_fired ? "yes" : "no");
    MHD_add_response_header(resp, "X-Tongban-Statements", n);
  }
  enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)r->status, resp);
  MHD_destroy_response(resp);
  return ok;
}

/* The first call: the headers are in. */
static enum MHD_Result first_call(api_req *r, const char *method,
                                  const char *url, const char *version) {
  api_conn_guard_headers_in(r->conn);
  begin_request(r, method, url);
  api_http_refusal bad;
  if (!r->form_detail && !api_http_framing_ok(r->conn, version, &bad)) {
    r->form_code = bad.code;
    r->form_detail = tb_arena_strdup(r->arena, bad.detail);
  }
  if (r->form_detail) { /* the body's length cannot be trusted: close */
    r->close = true;
    api_fail(r, r->form_code, "%s", r->form_detail);
    return send_reply(r);
  }
  route_request(r);
  if (!r->replied)
    return MHD_YES;
  if (!body_announced(r) || expects_continue(r) ||
      declared_length(r) > discard_cap(r))
    return send_reply(r); /* no 100 Continue: the client sends no body */
  r->discarding = true;
  return MHD_YES;
}

/* A piece of the body: kept, or dropped once the answer is settled or
 * the body is over the cap; past the bounds of that the connection
 * closes. */
static enum MHD_Result body_piece(api_req *r, const char *data, size_t len) {
  r->received += len;
  api_conn_guard_body(r->conn, r->received);
  if (r->discarding || r->too_large) {
    if (r->received > discard_cap(r) ||
        monotonic_us() - r->started_us > DISCARD_US) {
      tb_log_kv(TB_LOG_WARN, "http", "an oversized body was cut off",
                TB_LOG_S("id", r->request_id),
                TB_LOG_I("received", (long long)r->received));
      return MHD_NO;
    }
    if (r->discarding)
      return MHD_YES;
  }
  append_body(r, data, len);
  return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
  api_req *r = *con_cls;
  if (!r) /* libmicrohttpd logs every target first; never seen otherwise */
    *con_cls = r = uri_logged(cls, NULL, conn);
  if (!r->started)
    return first_call(r, method, url, version);
  if (*upload_data_size) {
    size_t len = *upload_data_size;
    *upload_data_size = 0;
    return body_piece(r, upload_data, len);
  }
  api_conn_guard_answering(conn);
  if (r->then)
    resume_handler(r);
  else if (!r->discarding)
    dispatch(r);
  if (r->then)
    return MHD_YES; /* suspended: called again once resumed */
  return send_reply(r);
}

/* The access log: one info line per request. The path has no query
 * string (libmicrohttpd keeps it apart), so tracking codes and tokens
 * sent as arguments stay out of the log. */
static void log_access(const api_req *r, int status, double seconds,
                       bool completed) {
  if (!tb_log_enabled(TB_LOG_INFO))
    return;
  long long bytes = r->response ? r->response_bytes : (long long)r->reply_len;
  tb_log_field f[9];
  size_t n = 0;
  f[n++] = TB_LOG_S("id", r->request_id);
  f[n++] = TB_LOG_S("client", r->client);
  f[n++] = TB_LOG_S("method", r->method);
  f[n++] = TB_LOG_S("path", r->path);
  f[n++] = TB_LOG_S("route", r->route ? r->route->pattern : NULL);
  f[n++] = TB_LOG_I("status", status);
  if (bytes >= 0)
    f[n++] = TB_LOG_I("bytes", bytes);
  f[n++] = TB_LOG_F("ms", seconds * 1000.0);
  if (!completed)
    f[n++] = TB_LOG_B("aborted", true);
  tb_log_fields(TB_LOG_INFO, "http", "request", f, n);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode why) {
  tb_api *api = cls;
  api_conn_guard_answered(conn);
  api_req *r = *con_cls;
  if (!r)
    return;
  *con_cls = NULL;
  if (!r->started) { /* refused by libmicrohttpd before the first call */
    tb_arena_free(r->arena);
    atomic_fetch_sub(&api->in_flight, 1);
    return;
  }
  double seconds = (double)(monotonic_us() - r->started_us) / 1e6;
  int status = r->replied ? r->status : 0;
  size_t route = r->route ? api_route_index(r->route) : api_route_count;
  api_metrics_request(api->ctx.metrics, route, status, seconds);
  if (!api->quiet)
    log_access(r, status, seconds, why == MHD_REQUEST_TERMINATED_COMPLETED_OK);
  if (r->response)
    MHD_destroy_response(r->response);
  tb_buf_free(&r->body_buf);
  tb_arena_free(r->arena);
  atomic_fetch_sub(&api->in_flight, 1);
}

/* ---- start and stop ---------------------------------------------------------
 */

static bool parse_listen(const char *listen, struct sockaddr_storage *ss,
                         socklen_t *len, char *err, size_t err_len) {
  char host[128];
  const char *colon = strrchr(listen, ':');
  if (!colon || colon == listen) {
    snprintf(err, err_len,
             "cannot use listen address '%s': write ADDR:PORT, e.g. "
             "127.0.0.1:8080",
             listen);
    return false;
  }
  size_t hlen = (size_t)(colon - listen);
  if (hlen >= sizeof host) {
    snprintf(err, err_len, "cannot use listen address '%s': too long", listen);
    return false;
  }
  memcpy(host, listen, hlen);
  host[hlen] = '\0';
  char *end = NULL;
  errno = 0;
  long port = strtol(colon + 1, &end, 10);
  if (errno || !end || *end || port < 0 || port > 65535) {
    snprintf(err, err_len, "cannot use listen address '%s': bad port", listen);
    return false;
  }
  memset(ss, 0, sizeof *ss);
  if (host[0] == '[' && hlen > 2 && host[hlen - 1] == ']') {
    host[hlen - 1] = '\0';
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) == 1) {
      *len = sizeof *a6;
      return true;
    }
  } else {
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
      *len = sizeof *a4;
      return true;
    }
  }
  snprintf(err, err_len,
           "cannot use listen address '%s': '%s' is not an IP address", listen,
           host);
  return false;
}

static unsigned cores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (unsigned)n : 1;
}

unsigned tb_api_default_threads(void) {
  unsigned t = cores();
  return t > DEFAULT_THREADS_MAX ? DEFAULT_THREADS_MAX : t;
}

static void free_api(tb_api *api) {
  api_hashpool_stop(api->ctx.hashpool);
  api_conn_guard_stop(api->ctx.guard);
  api_context_free(&api->ctx); /* closes the handles, which use the issuer */
  api_licenses_close(api->ctx.licenses);
  api_metrics_free(api->ctx.metrics);
  api_guesses_free(api->ctx.guesses);
  api_totp_free(api->ctx.totp);
  free(api);
}

/* libmicrohttpd's own messages, into the log. */
static void log_mhd(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void log_mhd(void *cls, const char *fmt, va_list ap) {
  (void)cls;
  char text[512];
  int n = vsnprintf(text, sizeof text, fmt, ap);
  if (n < 0)
    return;
  size_t len = strnlen(text, sizeof text);
  while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
    len--;
  tb_log_kv(TB_LOG_WARN, "http", "libmicrohttpd",
            TB_LOG_SN("error", text, len));
}

static unsigned max_connections(const tb_api_options *o) {
  return o->max_connections ? o->max_connections : DEFAULT_CONNECTIONS;
}

/* The connection guard and the password hashing pool; false (err says
 * why, naming the option) for limits that leave no reserve or threads
 * that do not start. */
static bool start_guards(tb_api *api, const tb_api_options *o, char *err,
                         size_t err_len) {
  api_conn_limits l = {
      .per_address =
          o->max_per_address ? o->max_per_address : DEFAULT_PER_ADDRESS,
      .header_timeout =
          o->header_timeout ? o->header_timeout : DEFAULT_HEADER_TIMEOUT,
      .body_timeout = o->body_timeout ? o->body_timeout : DEFAULT_BODY_TIMEOUT,
      .body_min_rate = o->body_min_rate ? o->body_min_rate : DEFAULT_BODY_RATE};
  if ((unsigned long long)l.per_address * 2 > max_connections(o)) {
    snprintf(err, err_len,
             "--max-connections-per-address %u leaves no reserve: it may be "
             "at most half of --max-connections (%u)",
             l.per_address, max_connections(o));
    return false;
  }
  unsigned hash_threads = o->hash_threads ? o->hash_threads : cores() / 2;
  api->ctx.guard = api_conn_guard_start(&l, &api->ctx.edge);
  api->ctx.hashpool =
      api_hashpool_start(hash_threads ? hash_threads : 1,
                         o->hash_queue ? o->hash_queue : DEFAULT_HASH_QUEUE);
  if (!api->ctx.guard || !api->ctx.hashpool) {
    snprintf(err, err_len,
             "could not start the connection guard or the password hashing "
             "threads");
    return false;
  }
  return true;
}

tb_api_status tb_api_start(const tb_api_options *o, tb_api **out, char *err,
                           size_t err_len) {
  *out = NULL;
  if (!o->conninfo) {
    snprintf(err, err_len, "no database connection string");
    return TB_API_INVALID;
  }
  const char *listen = o->listen ? o->listen : DEFAULT_LISTEN;
  struct sockaddr_storage ss;
  socklen_t sslen = 0;
  if (!parse_listen(listen, &ss, &sslen, err, err_len))
    return TB_API_INVALID;
  api_edge edge;
  if (!api_forwarded_open(&edge, o->public_url, o->trusted_proxies,
                          o->n_trusted_proxies, err, err_len))
    return TB_API_INVALID;
  api_licenses *licenses = NULL;
  if (!api_licenses_open(o->keys_dir, o->key_passphrase, &licenses, err,
                         err_len))
    return TB_API_INVALID;
  uint8_t code_key[32];
  bool has_code_key = false;
  api_totp *totp = NULL;
  if (!api_code_key_open(o->keys_dir, code_key, &has_code_key, err, err_len) ||
      !api_totp_setup(o->keys_dir, o->totp_roles, &totp, err, err_len)) {
    api_licenses_close(licenses);
    return TB_API_INVALID;
  }
  tb_api *api = tb_xcalloc(1, sizeof *api);
  api_context_init(&api->ctx, atomic_fetch_add(&generations, 1), o->conninfo,
                   o->region, o->session_ttl > 0 ? o->session_ttl : 8 * 3600);
  api->ctx.event_hook = (tb_store_event_hook){on_committed, &api->ctx};
  api->ctx.edge = edge;
  api->ctx.routes = api_routes;
  api->ctx.n_routes = api_route_count;
  api->ctx.licenses = licenses;
  api->ctx.totp = totp;
  api->ctx.rules = o->rules;
  api->ctx.templates = o->templates;
  api->ctx.has_code_key = has_code_key;
  memcpy(api->ctx.code_key, code_key, sizeof code_key);
  OPENSSL_cleanse(code_key, sizeof code_key);
  api->ctx.loader = &tb_api_loader;
  api->ctx.license_handler = api_licenses_handler(licenses);
  api->ctx.metrics = api_metrics_new();
  api->ctx.guesses = api_guesses_new();
  api->ctx.password_policy = o->password_policy;
  api->ctx.session_idle = o->session_idle > 0 ? o->session_idle : 1800;
  api->max_body = o->max_body ? o->max_body : DEFAULT_BODY;
  api->ctx.max_file_bytes =
      o->max_file_bytes ? o->max_file_bytes : DEFAULT_FILE;
  api->ctx.max_app_bytes =
      o->max_app_bytes ? o->max_app_bytes : DEFAULT_APP_FILES;
  api->quiet = o->quiet;
  api->test_clock = o->test_clock;
  tb_api_intake_defaults(&api->ctx.intake, &o->intake);
  unsigned threads = o->threads ? o->threads : tb_api_default_threads();
  if (!start_guards(api, o, err, err_len)) {
    free_api(api);
    return TB_API_INVALID;
  }
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                   MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
  if (ss.ss_family == AF_INET6)
    flags |= MHD_USE_IPv6;
  api->daemon = MHD_start_daemon(
      flags, 0, api_conn_guard_accept, api->ctx.guard, on_request, api,
      /* first, so that libmicrohttpd logs nothing through its own logger */
      MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL, MHD_OPTION_SOCK_ADDR,
      (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, threads,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT,
      (size_t)(o->max_header ? o->max_header : DEFAULT_HEADER),
      MHD_OPTION_CONNECTION_TIMEOUT,
      (unsigned)(o->timeout ? o->timeout : DEFAULT_TIMEOUT),
      MHD_OPTION_CONNECTION_LIMIT, max_connections(o),
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, api,
      MHD_OPTION_NOTIFY_CONNECTION, api_conn_guard_notify, api->ctx.guard,
      MHD_OPTION_URI_LOG_CALLBACK, uri_logged, api, MHD_OPTION_END);
  if (!api->daemon) {
    snprintf(err, err_len,
             "could not listen on %s: the address may be in use or not "
             "local; choose another with --listen",
             listen);
    free_api(api);
    return TB_API_LISTEN;
  }
  api->ctx.hub = api_hub_start(api->ctx.conninfo, o->stream_recheck,
                               api_context_heard, &api->ctx);
  if (!api->ctx.hub)
    tb_log(TB_LOG_WARN, "api",
           "the live stream is off: its listener thread could not start");
  const union MHD_DaemonInfo *di =
      MHD_get_daemon_info(api->daemon, MHD_DAEMON_INFO_BIND_PORT);
  api->port = di ? di->port : 0;
  tb_log_kv(TB_LOG_INFO, "http", "serving", TB_LOG_I("port", api->port),
            TB_LOG_I("threads", threads));
  if (!api->ctx.edge.configured)
    api_public_url_default(listen, api->port, api->ctx.edge.public_url);
  *out = api;
  return TB_API_OK;
}

uint16_t tb_api_port(const tb_api *api) {
  return api->port;
}

const char *tb_api_public_url(const tb_api *api) {
  return api->ctx.edge.public_url;
}

void tb_api_stop(tb_api *api, unsigned grace) {
  if (!api)
    return;
  api_hub_close_streams(api->ctx.hub); /* suspended streams end first */
  MHD_socket fd = MHD_quiesce_daemon(api->daemon);
  int64_t until = monotonic_us() + (int64_t)(grace ? grace : 10) * 1000000;
  while (atomic_load(&api->in_flight) > 0 && monotonic_us() < until) {
    struct timespec ts = {0, 10 * 1000000L};
    nanosleep(&ts, NULL);
  }
  /* every suspended login resumed before the daemon stops */
  api_hashpool_stop(api->ctx.hashpool);
  api->ctx.hashpool = NULL;
  MHD_stop_daemon(api->daemon);
  if (fd != MHD_INVALID_SOCKET)
    close(fd);
  api_hub_stop(api->ctx.hub);
  free_api(api);
}
