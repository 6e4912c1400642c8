/*
 * api_supervision.c — electronic supervision (电子监察) for inspectors:
 * GET /api/v1/supervision/overview (live counts by state, warnings, and
 * per bureau and per service: applications handled, average working
 * days, overdue rate) and GET /api/v1/supervision/alerts?level= (the
 * yellow and red lists). The numbers are computed by PostgreSQL
 * (store/tb_store_supervision.c); the live stream is api_sse.c.
 */
#include "tb_api_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ALERTS_DEFAULT 500
#define ALERTS_MAX 5000

void api_reply_store_json(api_req *r, tb_store_status rc, char *json,
                          const char *key) {
  if (rc != TB_STORE_OK) {
    free(json);
    api_fail_store(r, rc);
    return;
  }
  json_t *v = api_json_load(json);
  free(json);
  if (!v) {
    api_fail(r, TB_PROBLEM_INTERNAL, "the supervision data could not be read");
    return;
  }
  api_reply_json(r, 200, key ? json_pack("{s:o}", key, v) : v);
}

/* The overview with the cards counted as the lists show them (their
 * "warnings" replace the overview's) and the calendar's coverage. */
void api_h_supervision_overview(api_req *r) {
  tb_store *s = api_store(r);
  if (!s)
    return;
  char *json = NULL, *cards = NULL;
  tb_store_status rc = tb_store_supervision_overview(s, &json);
  if (rc == TB_STORE_OK)
    rc = tb_store_supervision_cards(s, &cards);
  json_t *c = rc == TB_STORE_OK ? api_json_load(cards) : NULL;
  free(cards);
  if (c) {
    json_t *v = api_json_load(json);
    free(json);
    json = NULL;
    if (v) {
      json_object_update(v, c);
      json = json_dumps(v, JSON_COMPACT);
      json_decref(v);
    }
  }
  json_decref(c);
  api_reply_store_json(r, rc, json, NULL);
}

/* ?limit=N (1..ALERTS_MAX); -1 when malformed. */
static int alerts_limit(api_req *r) {
  const char *v = api_query(r, "limit");
  if (!v)
    return ALERTS_DEFAULT;
  char *end = NULL;
  errno = 0;
  long n = strtol(v, &end, 10);
  if (errno || !end || *end || end == v || n < 1 || n > ALERTS_MAX)
    return -1;
  return (int)n;
}

void api_h_supervision_alerts(api_req *r) {
  const char *level = api_query(r, "level");
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_REQUEST, "the query has problems");
  if (level && strcmp(level, "yellow") != 0 && strcmp(level, "red") != 0)
    api_problem_field(&pb, "level", TB_PROBLEM_INVALID_REQUEST,
                      "must be yellow or red");
  int limit = alerts_limit(r);
  if (limit < 0)
    api_problem_field(&pb, "limit", TB_PROBLEM_OUT_OF_RANGE, "must be 1..%d",
                      ALERTS_MAX);
  if (api_problem_has_errors(&pb)) {
    api_problem_send(r, &pb);
    return;
  }
  api_problem_free(&pb);
  tb_store *s = api_store(r);
  if (!s)
    return;
  char *json = NULL;
  tb_store_status rc = tb_store_supervision_alerts(s, level, limit, &json);
  json_t *items = rc == TB_STORE_OK ? api_json_load(json) : NULL;
  free(json);
  if (rc != TB_STORE_OK || !items) {
    json_decref(items);
    api_fail_store(r, rc == TB_STORE_OK ? TB_STORE_ERROR : rc);
    return;
  }
  const tb_calendar *cal = NULL;
  tb_store_calendar_get(s, &cal);
  api_mark_provisional_items(cal, items, "tasks");
  api_reply_json(r, 200, json_pack("{s:o}", "items", items));
}
