/*
 * api_ops.c — operations: GET /healthz (the database answers),
 * GET /metrics (Prometheus text) and GET /api/v1/openapi.json (the
 * embedded OpenAPI 3.1 document).
 */
#include "tb_api_int.h"

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

/* Open applications by state, from the database. */
static void append_open(api_req *r, char **text, size_t *len) {
  tb_store *s = api_store(r);
  if (!s) {
    r->replied = false; /* metrics still answer without the database */
    r->retry_after = 0;
    return;
  }
  char *json = NULL;
  if (tb_store_read_status_counts(s, &json) != TB_STORE_OK)
    return;
  json_t *counts = api_json_load(json);
  free(json);
  if (!counts)
    return;
  char buf[4096];
  int n = snprintf(buf, sizeof buf,
                   "# HELP tongban_applications Applications by state.\n"
                   "# TYPE tongban_applications gauge\n");
  const char *key;
  json_t *v;
  json_object_foreach(counts, key, v) {
    if (n < 0 || (size_t)n >= sizeof buf - 128)
      break;
    n += snprintf(buf + n, sizeof buf - (size_t)n,
                  "tongban_applications{state=\"%s\"} %lld\n", key,
                  (long long)json_integer_value(v));
  }
  json_decref(counts);
  if (n <= 0)
    return;
  *text = tb_xrealloc(*text, *len + (size_t)n + 1);
  memcpy(*text + *len, buf, (size_t)n);
  *len += (size_t)n;
  (*text)[*len] = '\0';
}

void api_h_metrics(api_req *r) {
  size_t len = 0;
  char *text = api_metrics_text(&len);
  append_open(r, &text, &len);
  api_reply_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
  free(text);
}

void api_h_openapi(api_req *r) {
  api_reply_raw(r, 200, "application/json", api_openapi_json,
                api_openapi_json_len);
}
