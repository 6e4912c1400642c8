/*
 * api_metrics.c — counters for GET /metrics in the Prometheus text
 * format: requests by route and status, a latency histogram per route,
 * and transitions by event. Lock-free: relaxed atomic counters in fixed
 * tables (routes × a fixed list of statuses), one set per server.
 */
#include "tb_api_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROUTES 64
static const int STATUSES[] = {0,   200, 201, 204, 400, 401, 403, 404,
                               405, 409, 413, 415, 422, 429, 500, 503};
#define N_STATUS (sizeof STATUSES / sizeof STATUSES[0])
static const double BUCKETS[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                 0.25,  0.5,   1,    2.5,   5,    10};
#define N_BUCKETS (sizeof BUCKETS / sizeof BUCKETS[0])

struct api_metrics {
  atomic_ullong requests[MAX_ROUTES + 1][N_STATUS + 1];
  atomic_ullong histogram[MAX_ROUTES + 1][N_BUCKETS + 1];
  atomic_ullong latency_us[MAX_ROUTES + 1];
  atomic_ullong transitions[TB_EV_KIND_COUNT];
};

api_metrics *api_metrics_new(void) {
  api_metrics *m = tb_xmalloc(sizeof *m);
  for (size_t r = 0; r <= MAX_ROUTES; r++) {
    for (size_t s = 0; s <= N_STATUS; s++)
      atomic_init(&m->requests[r][s], 0);
    for (size_t b = 0; b <= N_BUCKETS; b++)
      atomic_init(&m->histogram[r][b], 0);
    atomic_init(&m->latency_us[r], 0);
  }
  for (size_t k = 0; k < TB_EV_KIND_COUNT; k++)
    atomic_init(&m->transitions[k], 0);
  return m;
}

void api_metrics_free(api_metrics *m) {
  free(m);
}

static size_t status_slot(int status) {
  for (size_t i = 0; i < N_STATUS; i++)
    if (STATUSES[i] == status)
      return i;
  return N_STATUS; /* other */
}

void api_metrics_request(api_metrics *m, size_t route, int status,
                         double seconds) {
  if (route > MAX_ROUTES)
    route = MAX_ROUTES;
  atomic_fetch_add_explicit(&m->requests[route][status_slot(status)], 1,
                            memory_order_relaxed);
  size_t b = 0;
  while (b < N_BUCKETS && seconds > BUCKETS[b])
    b++;
  atomic_fetch_add_explicit(&m->histogram[route][b], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&m->latency_us[route],
                            (unsigned long long)(seconds * 1e6),
                            memory_order_relaxed);
}

void api_metrics_transition(api_metrics *m, tb_event_kind kind) {
  if ((unsigned)kind < TB_EV_KIND_COUNT)
    atomic_fetch_add_explicit(&m->transitions[kind], 1, memory_order_relaxed);
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

void api_metrics_text(const api_metrics *m, tb_buf *t, const api_route *routes,
                      size_t n) {
  size_t n_routes = n < MAX_ROUTES ? n : MAX_ROUTES;
  tb_buf_addf(t,
              "# HELP tongban_http_requests_total HTTP requests by route and "
              "status.\n# TYPE tongban_http_requests_total counter\n");
  char method[16];
  for (size_t i = 0; i <= n_routes; i++) {
    size_t slot = i == n_routes ? MAX_ROUTES : i;
    const char *route = route_label(routes, n, i, method, sizeof method);
    for (size_t s = 0; s <= N_STATUS; s++) {
      unsigned long long v = atomic_load(&m->requests[slot][s]);
      if (!v)
        continue;
      if (s < N_STATUS)
        tb_buf_addf(t,
                    "tongban_http_requests_total{method=\"%s\",route=\"%s\","
                    "status=\"%d\"} %llu\n",
                    method, route, STATUSES[s], v);
      else
        tb_buf_addf(t,
                    "tongban_http_requests_total{method=\"%s\",route=\"%s\","
                    "status=\"other\"} %llu\n",
                    method, route, v);
    }
  }
  tb_buf_addf(t,
              "# HELP tongban_http_request_duration_seconds Time to answer a "
              "request.\n# TYPE tongban_http_request_duration_seconds "
              "histogram\n");
  for (size_t i = 0; i <= n_routes; i++) {
    size_t slot = i == n_routes ? MAX_ROUTES : i;
    const char *route = route_label(routes, n, i, method, sizeof method);
    unsigned long long cum = 0;
    for (size_t b = 0; b <= N_BUCKETS; b++)
      cum += atomic_load(&m->histogram[slot][b]);
    if (!cum)
      continue;
    unsigned long long acc = 0;
    for (size_t b = 0; b < N_BUCKETS; b++) {
      acc += atomic_load(&m->histogram[slot][b]);
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
        method, route, (double)atomic_load(&m->latency_us[slot]) / 1e6);
    tb_buf_addf(t,
                "tongban_http_request_duration_seconds_count{method=\"%s\","
                "route=\"%s\"} %llu\n",
                method, route, cum);
  }
  tb_buf_addf(t,
              "# HELP tongban_transitions_total Application transitions made "
              "through the API, by event.\n# TYPE tongban_transitions_total "
              "counter\n");
  for (int k = 0; k < TB_EV_KIND_COUNT; k++)
    tb_buf_addf(t, "tongban_transitions_total{event=\"%s\"} %llu\n",
                tb_event_kind_name((tb_event_kind)k),
                atomic_load(&m->transitions[k]));
}
