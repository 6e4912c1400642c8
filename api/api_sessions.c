/*
 * api_sessions.c — POST /api/v1/sessions (log in) and
 * DELETE /api/v1/sessions/current (log out).
 *
 * Failed logins count against the user name and against the client
 * address: they slow down after a few and lock after many (429 with
 * Retry-After). An unknown user costs the same scrypt work as a wrong
 * password, so the answer's timing does not tell which one it was.
 * Every login is counted by its outcome in the metrics, and every failure
 * that locks a user name or an address as a lockout. A role that needs a
 * second factor sends "otp" too once enrolled, checked after the password
 * (api_totp.c); a wrong code counts as a failed login. Every log-in
 * (ok, failed, locked) and log-out is an event of the security log
 * (api_security_log.c).
 */
#include "api_totp.h"
#include "tb_api_int.h"

#include <stdio.h>
#include <string.h>

#define WINDOW (15 * 60)
#define USER_SOFT 3
#define USER_LOCK 10
#define ADDR_SOFT 30
#define ADDR_LOCK 100

/* A hash nobody's password matches, checked when the user is unknown. */
static const char DUMMY_HASH[] = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$"
                                 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

static json_t *iso_time(int64_t t) {
  return api_json_time(t);
}

/* The steps a new session of the account owes before anything else;
 * second: what its second factor said (api_totp.h). */
static unsigned session_steps(const tb_store_account *a,
                              api_totp_verdict second) {
  unsigned steps = 0;
  if (a->password_change_required)
    steps |= TB_SESSION_PASSWORD_CHANGE;
  if (second == API_TOTP_ENROL)
    steps |= TB_SESSION_TOTP_ENROLMENT;
  return steps;
}

json_t *api_session_steps_json(unsigned steps) {
  json_t *a = json_array();
  if (steps & TB_SESSION_PASSWORD_CHANGE)
    json_array_append_new(a, json_string("password_change"));
  if (steps & TB_SESSION_TOTP_ENROLMENT)
    json_array_append_new(a, json_string("totp_enrolment"));
  return a;
}

static void session_create(api_req *r) {
  json_t *body = api_body_object(r);
  if (!body)
    return;
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_REQUEST, "the login is incomplete");
  const char *user = NULL, *password = NULL, *otp = NULL;
  api_field spec[] = {API_STRING("username", API_REQUIRED, 64, &user),
                      API_STRING("password", API_REQUIRED, 1024, &password),
                      API_STRING("otp", API_OPTIONAL, 64, &otp), API_END};
  if (!api_fields_parse(&pb, body, NULL, spec)) {
    api_problem_send(r, &pb);
    json_decref(body);
    return;
  }
  api_problem_free(&pb);
  tb_store *s = api_store(r);
  if (!s) {
    json_decref(body);
    return;
  }
  char ukey[96], akey[96];
  snprintf(ukey, sizeof ukey, "user:%s", user);
  snprintf(akey, sizeof akey, "addr:%s", r->client);
  if (!api_throttle_allow(r, s, ukey, USER_SOFT, USER_LOCK, WINDOW) ||
      !api_throttle_allow(r, s, akey, ADDR_SOFT, ADDR_LOCK, WINDOW)) {
    if (r->replied && r->status == 429) /* not when the database failed */
      api_security_login_refused(r, s, user, TB_SECURITY_LOCKED,
                                 "too_many_failures");
    json_decref(body);
    return;
  }
  tb_store_account a;
  tb_store_status rc = tb_store_account_find(s, user, &a);
  if (rc != TB_STORE_OK && rc != TB_STORE_NOT_FOUND) {
    api_fail_store(r, rc);
    json_decref(body);
    return;
  }
  bool found = rc == TB_STORE_OK && !a.disabled;
  bool ok = tb_api_password_check(password, strlen(password),
                                  found ? a.password_hash : DUMMY_HASH) &&
            found;
  /* the second factor, once the password is right (api_totp.c) */
  api_totp_verdict second = ok ? api_totp_login(r, s, &a, otp) : API_TOTP_PASS;
  if (!ok || second == API_TOTP_WRONG)
    api_security_login_refused(r, s, user, TB_SECURITY_FAILED,
                               ok                  ? "wrong_second_factor"
                               : found             ? "wrong_password"
                               : rc == TB_STORE_OK ? "disabled"
                                                   : "unknown_user");
  json_decref(body);
  if (second == API_TOTP_ANSWERED)
    return;
  if (!ok || second == API_TOTP_WRONG) {
    if (api_throttle_fail(s, ukey, USER_LOCK, WINDOW))
      api_metrics_lockout(api_metrics_of(r));
    if (api_throttle_fail(s, akey, ADDR_LOCK, WINDOW))
      api_metrics_lockout(api_metrics_of(r));
    if (!ok)
      api_fail(r, TB_PROBLEM_BAD_CREDENTIALS, "wrong user name or password");
    return;
  }
  tb_store_throttle_clear(s, ukey);
  char token[64];
  uint8_t hash[32];
  int64_t expires = 0;
  if (!api_token_new(token, hash)) {
    api_fail(r, TB_PROBLEM_INTERNAL, "could not make a token");
    return;
  }
  unsigned pending = session_steps(&a, second);
  rc = api_security_session_create(r, s, &a, hash, api_session_ttl(r), pending,
                                   &expires);
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return;
  }
  json_t *out =
      json_pack("{s:s, s:s, s:s, s:o}", "token", token, "role", a.role,
                "username", a.username, "expires_at", iso_time(expires));
  json_object_set_new(out, "bureau",
                      a.bureau[0] ? json_string(a.bureau) : json_null());
  json_object_set_new(out, "pending", api_session_steps_json(pending));
  api_reply_json(r, 201, out);
}

/* The login, counted by its outcome. */
void api_h_session_create(api_req *r) {
  session_create(r);
  api_metrics_login(api_metrics_of(r), r->replied ? r->status : 0);
}

void api_h_session_delete(api_req *r) {
  tb_store *s = api_store(r);
  if (!s)
    return;
  tb_store_status rc = api_security_session_revoke(r, s);
  if (rc != TB_STORE_OK && rc != TB_STORE_NOT_FOUND) {
    api_fail_store(r, rc);
    return;
  }
  api_reply_raw(r, 204, NULL, NULL, 0);
}
