/*
 * api_intake_limit.c — anonymous intake that nobody can use to stop intake
 * for others (issue 17 §1):
 *
 *   - throttles of online applications sent without a token, per client
 *     address (r->client, which honours --trusted-proxy) and per
 *     applicant number, counted over a window in the server's table of
 *     api_throttle.c (api_rate_allow) backed by auth_failures; a clerk's
 *     intake (with a token) is never counted nor throttled;
 *   - when an online application expires (the engine's TB_EV_EXPIRE);
 *   - the day's application numbers spent (store/tb_store_transition.c
 *     refuses with numbers_exhausted): 503 with Retry-After until the
 *     next day, an error in the log, a count in /metrics and an alert
 *     the inspectors see (GET /api/v1/supervision/intake-alerts).
 */
#include "tb_api_int.h"
#include "tb_log.h"
#include "tb_store_intake.h"

#include <stdio.h>
#include <stdlib.h>

#define DEFAULT_ADDRESS_LIMIT 30
#define DEFAULT_ADDRESS_WINDOW 3600
#define DEFAULT_APPLICANT_LIMIT 10
#define DEFAULT_APPLICANT_WINDOW 86400
#define DEFAULT_EXPIRY (30 * 86400)

void tb_api_intake_defaults(tb_api_intake *out, const tb_api_intake *o) {
  out->address_limit =
      o->address_limit > 0 ? o->address_limit : DEFAULT_ADDRESS_LIMIT;
  out->address_window =
      o->address_window > 0 ? o->address_window : DEFAULT_ADDRESS_WINDOW;
  out->applicant_limit =
      o->applicant_limit > 0 ? o->applicant_limit : DEFAULT_APPLICANT_LIMIT;
  out->applicant_window =
      o->applicant_window > 0 ? o->applicant_window : DEFAULT_APPLICANT_WINDOW;
  out->online_expiry = o->online_expiry > 0 ? o->online_expiry : DEFAULT_EXPIRY;
}

/* The two limits of an anonymous intake: its key, limit and window. */
typedef struct {
  char key[96];
  int limit, window;
  const char *what;
  api_intake_refusal refusal;
} intake_limit;

static void limits_of(const api_req *r, const char *applicant,
                      intake_limit out[2]) {
  const tb_api_intake *in = api_intake_of(r);
  out[0] = (intake_limit){.limit = in->address_limit,
                          .window = in->address_window,
                          .what = "this address",
                          .refusal = API_INTAKE_THROTTLED_ADDRESS};
  snprintf(out[0].key, sizeof out[0].key, "intake:%s", r->client);
  out[1] = (intake_limit){.limit = in->applicant_limit,
                          .window = in->applicant_window,
                          .what = "this applicant number",
                          .refusal = API_INTAKE_THROTTLED_APPLICANT};
  snprintf(out[1].key, sizeof out[1].key, "intake-applicant:%s", applicant);
}

bool api_intake_allow(api_req *r, tb_store *s, const char *applicant) {
  if (r->authed)
    return true;
  intake_limit l[2];
  limits_of(r, applicant, l);
  for (size_t i = 0; i < 2; i++) {
    if (api_rate_allow(r, s, l[i].key, l[i].limit, l[i].window,
                       TB_PROBLEM_INTAKE_THROTTLED, l[i].what))
      continue;
    if (r->status == 429)
      api_metrics_intake_refused(api_metrics_of(r), l[i].refusal);
    return false;
  }
  return true;
}

void api_intake_count(api_req *r, tb_store *s, const char *applicant) {
  if (r->authed)
    return;
  intake_limit l[2];
  limits_of(r, applicant, l);
  for (size_t i = 0; i < 2; i++)
    api_guess_miss(r, s, l[i].key, l[i].window);
}

int64_t api_intake_expire_at(const api_req *r) {
  return r->now + api_intake_of(r)->online_expiry;
}

void api_intake_fail_exhausted(api_req *r, const tb_calendar *cal,
                               tb_day today) {
  int64_t next = cal ? tb_calendar_start_of(cal, today + 1)
                     : (int64_t)(today + 1) * 86400 - 28800;
  int64_t wait = next - r->now;
  r->retry_after = (int)(wait < 60 ? 60 : wait > 86400 ? 86400 : wait);
  api_fail(r, TB_PROBLEM_NUMBERS_EXHAUSTED,
           "every application number of the day is used; intake resumes "
           "in %d seconds, with the next day's numbers",
           r->retry_after);
}

void api_intake_exhausted(api_req *r, tb_store *s, tb_day today, bool public) {
  char day[11];
  tb_date_format(today, day);
  tb_log_kv(TB_LOG_ERROR, "intake",
            "every application number of the day is used: intake refused",
            TB_LOG_S("day", day),
            TB_LOG_S("pool", public ? "public" : "staff"));
  api_metrics_intake_refused(api_metrics_of(r), API_INTAKE_NUMBERS_EXHAUSTED);
  /* a failure here is logged by the store; the answer stays 503 */
  tb_store_intake_alert_raise(s, today, public);
}

void api_h_intake_alerts(api_req *r) {
  tb_store *s = api_store(r);
  if (!s)
    return;
  char *json = NULL;
  tb_store_status rc = tb_store_intake_alerts_read(s, &json);
  json_t *items = rc == TB_STORE_OK ? api_json_load(json) : NULL;
  free(json);
  if (!items) {
    api_fail_store(r, rc == TB_STORE_OK ? TB_STORE_ERROR : rc);
    return;
  }
  api_reply_json(r, 200, json_pack("{s:o}", "items", items));
}
