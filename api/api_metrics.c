/*
 * api_metrics.c — counters for GET /metrics in the Prometheus text
 * format 0.0.4: requests by route and exact status (requests that match
 * no route under route="unmatched", never their path), a latency
 * histogram per route, transitions by event, logins by outcome and
 * lockouts, and the store's counters (connections, waits, retries by
 * SQLSTATE, timers fired). Lock-free: relaxed atomic counters in fixed
 * tables, one set per server.
 */
#include "tb_api_int.h"
#include "tb_store_metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROUTES 64
/* Statuses are counted exactly: slot 0 for "no answer sent" (the client
 * went away first), slots 1..500 for 100..599. */
#define STATUS_FIRST 100
#define STATUS_LAST 599
#define N_STATUS (STATUS_LAST - STATUS_FIRST + 2)
static const double BUCKETS[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                 0.25,  0.5,   1,    2.5,   5,    10};
#define N_BUCKETS (sizeof BUCKETS / sizeof BUCKETS[0])

static const char *const LOGIN_OUTCOMES[] = {
    [API_LOGIN_SUCCEEDED] = "succeeded", [API_LOGIN_FAILED] = "failed",
    [API_LOGIN_REFUSED] = "refused",     [API_LOGIN_INVALID] = "invalid",
    [API_LOGIN_ERROR] = "error",
};

/* The per-route tables are flat: row r (a route's slot) holds its
 * columns (statuses, buckets) at r * columns. */
#define N_SLOTS (MAX_ROUTES + 1)
#define N_HIST (N_BUCKETS + 1)

struct api_metrics {
  atomic_ullong requests[N_SLOTS * N_STATUS];
  atomic_ullong histogram[N_SLOTS * N_HIST];
  atomic_ullong latency_us[N_SLOTS];
  atomic_ullong transitions[TB_EV_KIND_COUNT];
  atomic_ullong logins[API_LOGIN_OUTCOMES];
  atomic_ullong lockouts;
  atomic_ullong intake_refused[API_INTAKE_REFUSALS];
  tb_store_counters store;
};

static const char *const INTAKE_REFUSALS[API_INTAKE_REFUSALS] = {
    [API_INTAKE_THROTTLED_ADDRESS] = "throttled_address",
    [API_INTAKE_THROTTLED_APPLICANT] = "throttled_applicant",
    [API_INTAKE_NUMBERS_EXHAUSTED] = "numbers_exhausted",
};

api_metrics *api_metrics_new(void) {
  api_metrics *m = tb_xmalloc(sizeof *m);
  for (size_t i = 0; i < N_SLOTS * N_STATUS; i++)
    atomic_init(&m->requests[i], 0);
  for (size_t i = 0; i < N_SLOTS * N_HIST; i++)
    atomic_init(&m->histogram[i], 0);
  for (size_t r = 0; r < N_SLOTS; r++)
    atomic_init(&m->latency_us[r], 0);
  for (size_t k = 0; k < TB_EV_KIND_COUNT; k++)
    atomic_init(&m->transitions[k], 0);
  for (size_t k = 0; k < API_LOGIN_OUTCOMES; k++)
    atomic_init(&m->logins[k], 0);
  atomic_init(&m->lockouts, 0);
  for (size_t k = 0; k < API_INTAKE_REFUSALS; k++)
    atomic_init(&m->intake_refused[k], 0);
  tb_store_counters_init(&m->store);
  return m;
}

void api_metrics_free(api_metrics *m) {
  free(m);
}

tb_store_counters *api_metrics_store_counters(api_metrics *m) {
  return m ? &m->store : NULL;
}

static size_t status_slot(int status) {
  if (status < STATUS_FIRST || status > STATUS_LAST)
    return 0;
  return (size_t)(status - STATUS_FIRST) + 1;
}

static int slot_status(size_t slot) {
  return slot == 0 ? 0 : (int)slot - 1 + STATUS_FIRST;
}

void api_metrics_request(api_metrics *m, size_t route, int status,
                         double seconds) {
  if (route > MAX_ROUTES)
    route = MAX_ROUTES; /* matched no route (the text sums slots past the
                           table's end under route="unmatched") */
  atomic_fetch_add_explicit(
      &m->requests[route * N_STATUS + status_slot(status)], 1,
      memory_order_relaxed);
  size_t b = 0;
  while (b < N_BUCKETS && seconds > BUCKETS[b])
    b++;
  atomic_fetch_add_explicit(&m->histogram[route * N_HIST + b], 1,
                            memory_order_relaxed);
  atomic_fetch_add_explicit(&m->latency_us[route],
                            (unsigned long long)(seconds * 1e6),
                            memory_order_relaxed);
}

void api_metrics_intake_refused(api_metrics *m, api_intake_refusal why) {
  if ((unsigned)why < API_INTAKE_REFUSALS)
    atomic_fetch_add_explicit(&m->intake_refused[why], 1, memory_order_relaxed);
}

void api_metrics_transition(api_metrics *m, tb_event_kind kind) {
  if ((unsigned)kind < TB_EV_KIND_COUNT)
    atomic_fetch_add_explicit(&m->transitions[kind], 1, memory_order_relaxed);
}

void api_metrics_login(api_metrics *m, int status) {
  api_login_outcome o =
      status == 201   ? API_LOGIN_SUCCEEDED
      : status == 401 ? API_LOGIN_FAILED
      : status == 429 ? API_LOGIN_REFUSED
      : status == 400 || status == 413 || status == 415 || status == 422
          ? API_LOGIN_INVALID
          : API_LOGIN_ERROR;
  atomic_fetch_add_explicit(&m->logins[o], 1, memory_order_relaxed);
}

void api_metrics_lockout(api_metrics *m) {
  atomic_fetch_add_explicit(&m->lockouts, 1, memory_order_relaxed);
}

static unsigned long long load(const atomic_ullong *v) {
  return atomic_load_explicit(v, memory_order_relaxed);
}

/* HELP and TYPE of one metric family. */
static void family(tb_buf *t, const char *name, const char *type,
                   const char *help) {
  tb_buf_addf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A counter family with one label: name{label="names[k]"} values[k]. */
static void labeled_counters(tb_buf *t, const char *name, const char *help,
                             const char *label, const char *const *names,
                             const atomic_ullong *values, size_t n) {
  family(t, name, "counter", help);
  for (size_t k = 0; k < n; k++)
    tb_buf_addf(t, "%s{%s=\"%s\"} %llu\n", name, label, names[k],
                load(&values[k]));
}

/* The slots of the text's row i: a route's own, or for the unmatched row
 * (i == n_routes) every slot from the table's end on. */
typedef struct {
  size_t first, last;
} row_slots;

static row_slots slots_of(size_t i, size_t n_routes) {
  row_slots r = {i, i == n_routes ? MAX_ROUTES : i};
  return r;
}

/* The sum of column `col` of a flat table with `columns` columns over
 * the row's slots. */
static unsigned long long sum_at(const atomic_ullong *table, size_t columns,
                                 size_t col, row_slots r) {
  unsigned long long v = 0;
  for (size_t i = r.first; i <= r.last; i++)
    v += load(&table[i * columns + col]);
  return v;
}

static const char *route_label(const api_route *routes, size_t n, size_t i,
                               char *method, size_t cap) {
  if (i >= n || i >= MAX_ROUTES) {
    snprintf(method, cap, "-");
    return "unmatched";
  }
  snprintf(method, cap, "%s", routes[i].method);
  return routes[i].pattern;
}

static void requests_text(const api_metrics *m, tb_buf *t,
                          const api_route *routes, size_t n) {
  size_t n_routes = n < MAX_ROUTES ? n : MAX_ROUTES;
  family(t, "tongban_http_requests_total", "counter",
         "HTTP requests by route and exact status (route=\"unmatched\": no "
         "route matched; status=\"0\": the client left before the answer).");
  char method[16];
  for (size_t i = 0; i <= n_routes; i++) {
    row_slots slot = slots_of(i, n_routes);
    const char *route = route_label(routes, n, i, method, sizeof method);
    for (size_t s = 0; s < N_STATUS; s++) {
      unsigned long long v = sum_at(m->requests, N_STATUS, s, slot);
      if (v)
        tb_buf_addf(t,
                    "tongban_http_requests_total{method=\"%s\",route=\"%s\","
                    "status=\"%d\"} %llu\n",
                    method, route, slot_status(s), v);
    }
  }
}

static void histogram_text(const api_metrics *m, tb_buf *t,
                           const api_route *routes, size_t n) {
  size_t n_routes = n < MAX_ROUTES ? n : MAX_ROUTES;
  family(t, "tongban_http_request_duration_seconds", "histogram",
         "Time to answer a request, by route.");
  char method[16];
  for (size_t i = 0; i <= n_routes; i++) {
    row_slots slot = slots_of(i, n_routes);
    const char *route = route_label(routes, n, i, method, sizeof method);
    unsigned long long cum = 0;
    for (size_t b = 0; b <= N_BUCKETS; b++)
      cum += sum_at(m->histogram, N_HIST, b, slot);
    if (!cum)
      continue;
    unsigned long long acc = 0;
    for (size_t b = 0; b < N_BUCKETS; b++) {
      acc += sum_at(m->histogram, N_HIST, b, slot);
      tb_buf_addf(t,
                  "tongban_http_request_duration_seconds_bucket{method=\"%s\","
                  "route=\"%s\",le=\"%g\"} %llu\n",
                  method, route, BUCKETS[b], acc);
    }
    tb_buf_addf(t,
                "tongban_http_request_duration_seconds_bucket{method=\"%s\","
                "route=\"%s\",le=\"+Inf\"} %llu\n",
                method, route, cum);
    tb_buf_addf(
        t,
        "tongban_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"}"
        " %.6f\n",
        method, route, (double)sum_at(m->latency_us, 1, 0, slot) / 1e6);
    tb_buf_addf(t,
                "tongban_http_request_duration_seconds_count{method=\"%s\","
                "route=\"%s\"} %llu\n",
                method, route, cum);
  }
}

static void events_text(const api_metrics *m, tb_buf *t) {
  family(t, "tongban_transitions_total", "counter",
         "Application transitions made through the API, by event.");
  for (int k = 0; k < TB_EV_KIND_COUNT; k++)
    tb_buf_addf(t, "tongban_transitions_total{event=\"%s\"} %llu\n",
                tb_event_kind_name((tb_event_kind)k), load(&m->transitions[k]));
  labeled_counters(t, "tongban_logins_total",
                   "Logins by outcome: succeeded, failed (wrong user name or "
                   "password), refused (throttled or locked), invalid (a "
                   "malformed request), error.",
                   "outcome", LOGIN_OUTCOMES, m->logins, API_LOGIN_OUTCOMES);
  family(t, "tongban_login_lockouts_total", "counter",
         "Failed logins that locked a user name or a client address for "
         "the failure window.");
  tb_buf_addf(t, "tongban_login_lockouts_total %llu\n", load(&m->lockouts));
  labeled_counters(t, "tongban_intake_refused_total",
                   "Applications refused before intake, by reason: an "
                   "anonymous client address or applicant number over its "
                   "limit (429), or every application number of the day "
                   "used (503).",
                   "reason", INTAKE_REFUSALS, m->intake_refused,
                   API_INTAKE_REFUSALS);
}

static void pool_text(const tb_store_counters *c, tb_buf *t) {
  family(t, "tongban_db_connections", "gauge",
         "Database connections of this server (one per worker thread that "
         "used the database, and the scheduler's), by state: open, or "
         "in_use (running a statement or a transaction).");
  tb_buf_addf(t, "tongban_db_connections{state=\"open\"} %lld\n",
              (long long)atomic_load(&c->open));
  tb_buf_addf(t, "tongban_db_connections{state=\"in_use\"} %lld\n",
              (long long)atomic_load(&c->in_use));
  family(t, "tongban_db_connection_waits_total", "counter",
         "Times a handle waited for its database connection to open (its "
         "first use, or reopened after the connection was lost).");
  tb_buf_addf(t, "tongban_db_connection_waits_total %llu\n", load(&c->waits));
  family(t, "tongban_db_connection_wait_seconds_total", "counter",
         "Total time spent waiting for database connections to open.");
  tb_buf_addf(t, "tongban_db_connection_wait_seconds_total %.6f\n",
              (double)load(&c->wait_us) / 1e6);
  family(t, "tongban_db_connection_failures_total", "counter",
         "Database connection attempts that failed.");
  tb_buf_addf(t, "tongban_db_connection_failures_total %llu\n",
              load(&c->open_failures));
}

static void store_text(const tb_store_counters *c, tb_buf *t) {
  pool_text(c, t);
  family(t, "tongban_db_transaction_retries_total", "counter",
         "Transactions retried, by the SQLSTATE that caused it: 40001 "
         "serialization failure, 40P01 deadlock, 08006 a connection found "
         "dead at BEGIN and reopened.");
  for (int k = 0; k < TB_STORE_RETRY_COUNT; k++)
    tb_buf_addf(t,
                "tongban_db_transaction_retries_total{sqlstate=\"%s\"} "
                "%llu\n",
                tb_store_retry_sqlstate((tb_store_retry_reason)k),
                load(&c->retries[k]));
  family(t, "tongban_db_transactions_given_up_total", "counter",
         "Transactions that failed every try (answered 503).");
  tb_buf_addf(t, "tongban_db_transactions_given_up_total %llu\n",
              load(&c->given_up));
  family(t, "tongban_timers_fired_total", "counter",
         "Timers (deadlines, reminders) fired by this server's scheduler.");
  tb_buf_addf(t, "tongban_timers_fired_total %llu\n", load(&c->timers_fired));
  tb_buf_addf(t,
              "# HELP tongban_timers_late_total Timers fired more than %d "
              "seconds after they were due.\n# TYPE tongban_timers_late_total "
              "counter\n",
              TB_STORE_TIMER_LATE_SECONDS);
  tb_buf_addf(t, "tongban_timers_late_total %llu\n", load(&c->timers_late));
}

void api_metrics_text(const api_metrics *m, tb_buf *t, const api_route *routes,
                      size_t n) {
  requests_text(m, t, routes, n);
  histogram_text(m, t, routes, n);
  events_text(m, t);
  store_text(&m->store, t);
}
