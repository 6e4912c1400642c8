/*
 * api_ops.c — operations: GET /healthz (the database answers),
 * GET /metrics (Prometheus text) and GET /api/v1/openapi.json (the
 * embedded OpenAPI 3.1 document).
 */
#include "api_conn_guard.h"
#include "tb_api_int.h"
#include "tb_store_metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_h_healthz(api_req *r) {
  tb_store *s = api_store(r);
  if (!s)
    return;
  tb_store_status rc = tb_store_ping(s);
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc == TB_STORE_ERROR ? TB_STORE_UNAVAILABLE : rc);
    return;
  }
  api_reply_json(
      r, 200, json_pack("{s:s, s:s}", "status", "ok", "database", "reachable"));
}

/* The most bytes of the /metrics text. */
#define METRICS_MAX (2 * 1024 * 1024)

/* The parsed JSON a store read answers, or NULL: metrics still answer
 * without the database (no problem reply is left behind). */
static json_t *store_json(api_req *r,
                          tb_store_status (*read)(tb_store *, char **)) {
  tb_store *s = api_store(r);
  if (!s) {
    r->replied = false;
    r->retry_after = 0;
    return NULL;
  }
  char *json = NULL;
  tb_store_status rc = read(s, &json);
  json_t *v = rc == TB_STORE_OK ? api_json_load(json) : NULL;
  free(json);
  return v;
}

/* Open applications by state, from the database. */
static void append_open(api_req *r, tb_buf *text) {
  json_t *counts = store_json(r, tb_store_status_counts_read);
  if (!counts)
    return;
  tb_buf_adds(text, "# HELP tongban_applications Applications by state.\n"
                    "# TYPE tongban_applications gauge\n");
  const char *key;
  json_t *v;
  json_object_foreach(counts, key, v) {
    tb_buf_addf(text, "tongban_applications{state=\"%s\"} %lld\n", key,
                (long long)json_integer_value(v));
  }
  json_decref(counts);
}

/* Open deadlines past the loaded calendar (provisional), and the cards. */
static void append_cards(api_req *r, tb_buf *text) {
  json_t *c = store_json(r, tb_store_supervision_cards);
  if (!c)
    return;
  json_t *cal = json_object_get(c, "calendar");
  tb_buf_addf(
      text,
      "# HELP tongban_provisional_deadlines Open applications whose "
      "deadline lies past the loaded holiday calendar.\n"
      "# TYPE tongban_provisional_deadlines gauge\n"
      "tongban_provisional_deadlines %lld\n",
      (long long)json_integer_value(json_object_get(cal, "provisional")));
  tb_buf_adds(text, "# HELP tongban_cards Open applications by alert level "
                    "and open tasks by card.\n# TYPE tongban_cards gauge\n");
  static const char *const of[] = {"warnings", "application", "task_warnings",
                                   "task"};
  for (size_t i = 0; i < 4; i += 2)
    for (size_t l = 0; l < 2; l++) {
      const char *level = l ? "red" : "yellow";
      tb_buf_addf(text, "tongban_cards{of=\"%s\",level=\"%s\"} %lld\n",
                  of[i + 1], level,
                  (long long)json_integer_value(
                      json_object_get(json_object_get(c, of[i]), level)));
    }
  json_decref(c);
}

/* Timers due and the scheduler's lag, open findings by card, from the
 * database; left out (like the others) when it cannot be read. */
static void append_gauges(api_req *r, tb_buf *text) {
  tb_store *s = api_store(r);
  tb_store_gauges g;
  if (!s || tb_store_gauges_read(s, &g) != TB_STORE_OK) {
    r->replied = false;
    r->retry_after = 0;
    return;
  }
  tb_buf_addf(text,
              "# HELP tongban_timers_due Timers whose due time has passed "
              "and that have not fired yet.\n# TYPE tongban_timers_due "
              "gauge\ntongban_timers_due %lld\n"
              "# HELP tongban_scheduler_lag_seconds How long the oldest "
              "timer not yet fired has been due (0: none is due).\n"
              "# TYPE tongban_scheduler_lag_seconds gauge\n"
              "tongban_scheduler_lag_seconds %.3f\n",
              (long long)g.timers_due, g.scheduler_lag);
  tb_buf_adds(text, "# HELP tongban_supervision_findings_open Supervision "
                    "findings neither answered nor decided, by card.\n"
                    "# TYPE tongban_supervision_findings_open gauge\n");
  tb_buf_addf(text,
              "tongban_supervision_findings_open{card=\"yellow\"} %lld\n"
              "tongban_supervision_findings_open{card=\"red\"} %lld\n",
              (long long)g.alerts_open[0], (long long)g.alerts_open[1]);
}

/* Open supervision streams (server-sent events) of this server. */
static void append_streams(api_req *r, tb_buf *text) {
  api_hub *h = api_hub_of(r);
  tb_buf_addf(text,
              "# HELP tongban_sse_streams Open supervision event streams.\n"
              "# TYPE tongban_sse_streams gauge\ntongban_sse_streams %zu\n",
              h ? api_hub_stream_count(h) : (size_t)0);
}

void api_h_metrics(api_req *r) {
  tb_buf text;
  size_t n_routes = 0;
  const api_route *routes = api_route_table(r, &n_routes);
  tb_buf_init(&text, METRICS_MAX);
  api_metrics_text(api_metrics_of(r), &text, routes, n_routes);
  append_open(r, &text);
  append_cards(r, &text);
  append_gauges(r, &text);
  append_streams(r, &text);
  api_conn_guard_text(api_conn_guard_of(r), &text);
  api_hashpool_text(api_hashpool_of(r), &text);
  api_metrics_process_text(&text);
  if (text.overflow)
    api_fail(r, TB_PROBLEM_INTERNAL, "the metrics are longer than %d bytes",
             METRICS_MAX);
  else
    api_reply_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8",
                  tb_buf_str(&text), text.len);
  tb_buf_free(&text);
}

void api_h_openapi(api_req *r) {
  api_reply_raw(r, 200, "application/json", api_openapi_json,
                api_openapi_json_len);
}
