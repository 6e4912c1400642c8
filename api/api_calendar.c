/*
 * api_calendar.c — the working-day calendar for administrators:
 *
 *   GET  /api/v1/calendar        where the calendar came from, what it
 *                                covers, and every loaded year with its
 *                                holidays and adjusted working days (调休)
 *   POST /api/v1/calendar/check  a year file (text/plain) checked by the
 *                                engine's parser, nothing stored: its days
 *   POST /api/v1/calendar        the same file loaded exactly as `tongban
 *                                calendar load FILE` does (the store's
 *                                tb_store_calendar_load: one transaction,
 *                                calendar_loads, the security log's
 *                                calendar_loaded with the administrator as
 *                                actor), then every open deadline
 *                                recomputed (tb_store_calendar_recompute)
 *
 * A file with a problem is refused whole with 422 invalid_calendar, its
 * errors[] naming the line ("line N", code calendar_line), and nothing is
 * stored. The body is capped by the server's body limit (1 MiB, as the
 * command's file).
 */
#include "tb_api_int.h"
#include "tb_store_calendar.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UTC8 28800
#define NAME_MAX_BYTES 100
#define RECOMPUTE_BATCH 100

void api_h_calendar_get(api_req *r) {
  tb_store *s = api_store(r);
  if (!s)
    return;
  char *json = NULL;
  tb_store_status rc = tb_store_calendar_read(s, &json);
  api_reply_store_json(r, rc, json, NULL);
}

/* The line the parser's "line N: what" names (0: none), and where the
 * "what" starts. */
static unsigned long problem_line(const char *detail, const char **what) {
  *what = detail;
  if (strncmp(detail, "line ", 5) != 0)
    return 0;
  char *end = NULL;
  errno = 0;
  unsigned long n = strtoul(detail + 5, &end, 10);
  if (errno || end == detail + 5 || *end != ':')
    return 0;
  *what = end + 1 + (end[1] == ' ');
  return n;
}

/* 422 invalid_calendar with the parser's problem in errors[]. */
static void fail_calendar(api_req *r, const tb_problem *p) {
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_CALENDAR,
                   "the calendar file has a problem; see errors (by line); "
                   "nothing was stored");
  const char *what;
  unsigned long line = problem_line(p->detail, &what);
  char field[32];
  if (line)
    snprintf(field, sizeof field, "line %lu", line);
  else
    snprintf(field, sizeof field, "body");
  api_problem_field(&pb, field, TB_PROBLEM_CALENDAR_LINE, "%s", what);
  api_problem_send(r, &pb);
}

static bool body_present(api_req *r) {
  if (r->body_len > 0)
    return true;
  api_fail(r, TB_PROBLEM_MISSING_BODY,
           "send the calendar file's text as the body (text/plain)");
  return false;
}

/* The days of one kind, "YYYY-MM-DD" in order. */
static json_t *days_of(const tb_calendar *cal, tb_day_kind want) {
  json_t *arr = json_array();
  size_t n = tb_calendar_count(cal);
  for (size_t i = 0; i < n; i++) {
    tb_day d;
    tb_day_kind k;
    tb_calendar_get(cal, i, &d, &k);
    if (k == want)
      json_array_append_new(arr, api_json_day(d));
  }
  return arr;
}

void api_h_calendar_check(api_req *r) {
  if (!body_present(r))
    return;
  tb_calendar *cal = tb_calendar_new(UTC8);
  tb_problem p = {0};
  if (tb_calendar_parse(cal, r->body, r->body_len, &p) != TB_OK) {
    tb_calendar_free(cal);
    fail_calendar(r, &p);
    return;
  }
  json_t *v = json_pack(
      "{s:I, s:o, s:o, s:o}", "days", (json_int_t)tb_calendar_count(cal),
      "covers_until", api_json_day(tb_calendar_covered_until(cal)), "holidays",
      days_of(cal, TB_DAY_HOLIDAY), "workdays", days_of(cal, TB_DAY_WORKDAY));
  tb_calendar_free(cal);
  api_reply_json(r, 200, v);
}

/* ?name=: the file's name for the record (calendar_loads, the security
 * log): 1..100 bytes of UTF-8 without control characters; default
 * "calendar.txt". NULL when refused (answered). */
static const char *file_name(api_req *r) {
  const char *name = api_query(r, "name");
  if (!name || !*name)
    return "calendar.txt";
  size_t n = strlen(name), bad = 0;
  bool ok = n <= NAME_MAX_BYTES && tb_utf8_valid(name, n, &bad);
  for (size_t i = 0; ok && i < n; i++)
    ok = (unsigned char)name[i] >= 0x20 && name[i] != 0x7f;
  if (ok)
    return name;
  api_fail_field(r, TB_PROBLEM_INVALID_REQUEST, "name",
                 "the file name must be 1 to %d bytes of UTF-8 text without "
                 "control characters",
                 NAME_MAX_BYTES);
  return NULL;
}

void api_h_calendar_post(api_req *r) {
  const char *name = file_name(r);
  if (!name || !body_present(r))
    return;
  tb_store *s = api_store(r);
  if (!s)
    return;
  tb_store_security_actor who = {.kind = TB_SECURITY_ACCOUNT,
                                 .name = r->who.username,
                                 .address = r->client[0] ? r->client : NULL};
  size_t days = 0;
  tb_problem p = {0};
  tb_store_status rc =
      tb_store_calendar_load(s, r->body, r->body_len, name, &who, &days, &p);
  if (rc == TB_STORE_INVALID) {
    fail_calendar(r, &p);
    return;
  }
  size_t seen = 0, moved = 0;
  if (rc == TB_STORE_OK) /* stored: now every open deadline again */
    rc = tb_store_calendar_recompute(s, RECOMPUTE_BATCH, &seen, &moved);
  tb_store_calendar_info info;
  if (rc == TB_STORE_OK)
    rc = tb_store_calendar_info_read(s, &info);
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return;
  }
  api_reply_json(r, 200,
                 json_pack("{s:I, s:s, s:o, s:{s:I, s:I}}", "days",
                           (json_int_t)days, "source", info.source,
                           "covered_until", api_json_day(info.covered_until),
                           "recomputed", "open", (json_int_t)seen, "moved",
                           (json_int_t)moved));
}
