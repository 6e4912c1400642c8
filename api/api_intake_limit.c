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

static void address_key(const api_req *r, char *key, size_t cap) {
  snprintf(key, cap, "intake:%s", r->client);
}

static void applicant_key(const char *applicant, char *key, size_t cap) {
  snprintf(key, cap, "intake-applicant:%s", applicant);
}

bool api_intake_allow(api_req *r, tb_store *s, const char *applicant) {
  if (r->authed)
    return true;
  const tb_api_intake *in = api_intake_of(r);
  char key[96];
  address_key(r, key, sizeof key);
  if (!api_rate_allow(r, s, key, in->address_limit, in->address_window,
                      TB_PROBLEM_INTAKE_THROTTLED, "this address")) {
    if (r->status == 429)
      api_metrics_intake_refused(api_metrics_of(r),
                                 API_INTAKE_THROTTLED_ADDRESS);
    return false;
  }
  applicant_key(applicant, key, sizeof key);
  if (!api_rate_allow(r, s, key, in->applicant_limit, in->applicant_window,
                      TB_PROBLEM_INTAKE_THROTTLED, "this applicant number")) {
    if (r->status == 429)
      api_metrics_intake_refused(api_metrics_of(r),
                                 API_INTAKE_THROTTLED_APPLICANT);
    return false;
  }
  return true;
}

void api_intake_count(api_req *r, tb_store *s, const char *applicant) {
  if (r->authed)
    return;
  const tb_api_intake *in = api_intake_of(r);
  char key[96];
  address_key(r, key, sizeof key);
  api_guess_miss(r, s, key, in->address_window);
  applicant_key(applicant, key, sizeof key);
  api_guess_miss(r, s, key, in->applicant_window);
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
