/*
 * api_sessions.c — POST /api/v1/sessions (log in),
 * GET /api/v1/sessions/current (who the session is: role, bureau, groups),
 * DELETE /api/v1/sessions/current (log out) and
 * POST /api/v1/sessions/current/password (the user's own new password).
 *
 * Failed logins count under three keys (api_throttle.c): the user name
 * from this client address ("user:NAME@ADDR": slows after 3, locks after
 * 10 in 15 minutes), so that guessing from elsewhere never locks the user
 * out where they are; the user name from anywhere ("user:NAME": slows
 * after 20, locks after 100 in an hour), so that guessing spread over many
 * addresses stays slow; and the client address ("addr:ADDR": slows after
 * 30, locks after 100 in 15 minutes). Past the slow-down each try waits
 * 2^(n-soft) seconds (at most a minute); a lock lasts the window (429
 * with Retry-After). A wrong current password in the own change counts
 * the same. An unknown user costs the same scrypt work as a wrong
 * password, so the answer's timing does not tell which one it was.
 * Every login is counted by its outcome in the metrics, and every failure
 * that locks a user name or an address as a lockout. A role that needs a
 * second factor sends "otp" too once enrolled, checked after the password
 * (api_totp.c); a wrong code counts as a failed login. Every log-in
 * (ok, failed, locked) and log-out is an event of the security log
 * (api_security_log.c).
 *
 * The password is checked on the hashing pool (api_hashpool.c), never on
 * the request thread: the login is suspended there, and login_checked
 * finishes it once the pool has answered.
 */
#include "api_totp.h"
#include "tb_api_int.h"

#include <stdio.h>
#include <string.h>

#define WINDOW (15 * 60)
#define USER_SOFT 3 /* the user name from one address */
#define USER_LOCK 10
#define GLOBAL_WINDOW (60 * 60) /* the user name from anywhere */
#define GLOBAL_SOFT 20
#define GLOBAL_LOCK 100
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

/* The throttle keys of a user name at the client's address. */
typedef struct {
  char local[160], global[80], addr[80];
} login_keys;

static void keys_of(const api_req *r, const char *user, login_keys *k) {
  snprintf(k->local, sizeof k->local, "user:%s@%s", user, r->client);
  snprintf(k->global, sizeof k->global, "user:%s", user);
  snprintf(k->addr, sizeof k->addr, "addr:%s", r->client);
}

/* Whether the user may try a password from this address now; false
 * answered 429. */
static bool login_allowed(api_req *r, tb_store *s, const login_keys *k) {
  return api_throttle_allow(r, s, k->local, USER_SOFT, USER_LOCK, WINDOW) &&
         api_throttle_allow(r, s, k->global, GLOBAL_SOFT, GLOBAL_LOCK,
                            GLOBAL_WINDOW) &&
         api_throttle_allow(r, s, k->addr, ADDR_SOFT, ADDR_LOCK, WINDOW);
}

/* A wrong password: counted under every key; a key it locks is a
 * lockout in the metrics. */
static void login_failed(api_req *r, tb_store *s, const login_keys *k) {
  if (api_throttle_fail(s, k->local, USER_LOCK, WINDOW))
    api_metrics_lockout(api_metrics_of(r));
  if (api_throttle_fail(s, k->global, GLOBAL_LOCK, GLOBAL_WINDOW))
    api_metrics_lockout(api_metrics_of(r));
  if (api_throttle_fail(s, k->addr, ADDR_LOCK, WINDOW))
    api_metrics_lockout(api_metrics_of(r));
}

/* A login between its two halves: what the check needs and its result. */
typedef struct {
  tb_store_account a;
  bool found, known; /* enabled; in the store at all */
  const char *user;  /* as sent (the security log's) */
  const char *otp;   /* the second factor sent, or NULL */
  login_keys keys;
  api_password_work work;
} login_state;

static void login_checked(api_req *r, void *cls);

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
  login_state *st = tb_arena_alloc(r->arena, sizeof *st);
  memset(st, 0, sizeof *st);
  keys_of(r, user, &st->keys);
  if (!login_allowed(r, s, &st->keys)) {
    if (r->replied && r->status == 429) /* not when the database failed */
      api_security_login_refused(r, s, user, TB_SECURITY_LOCKED,
                                 "too_many_failures");
    json_decref(body);
    return;
  }
  tb_store_status rc = tb_store_account_find(s, user, &st->a);
  if (rc != TB_STORE_OK && rc != TB_STORE_NOT_FOUND) {
    api_fail_store(r, rc);
    json_decref(body);
    return;
  }
  st->known = rc == TB_STORE_OK;
  st->found = st->known && !st->a.disabled;
  st->user = tb_arena_strdup(r->arena, user);
  st->otp = otp ? tb_arena_strdup(r->arena, otp) : NULL;
  st->work.len = strlen(password);
  st->work.password = tb_arena_strdup(r->arena, password);
  st->work.stored = st->found ? st->a.password_hash : DUMMY_HASH;
  json_decref(body);
  api_password_later(r, &st->work, login_checked, st);
}

/* The second half, once the pool checked the password. */
static void login_finish(api_req *r, login_state *st) {
  if (api_password_refused(r, &st->work))
    return;
  tb_store *s = api_store(r);
  if (!s)
    return;
  const tb_store_account a = st->a;
  bool found = st->found, ok = st->work.ok && found;
  tb_store_status rc;
  /* the second factor, once the password is right (api_totp.c) */
  api_totp_verdict second =
      ok ? api_totp_login(r, s, &a, st->otp) : API_TOTP_PASS;
  if (!ok || second == API_TOTP_WRONG)
    api_security_login_refused(r, s, st->user, TB_SECURITY_FAILED,
                               ok          ? "wrong_second_factor"
                               : found     ? "wrong_password"
                               : st->known ? "disabled"
                                           : "unknown_user");
  if (second == API_TOTP_ANSWERED)
    return;
  if (!ok || second == API_TOTP_WRONG) {
    login_failed(r, s, &st->keys);
    if (!ok)
      api_fail(r, TB_PROBLEM_BAD_CREDENTIALS, "wrong user name or password");
    return;
  }
  /* the global count is left to its window: the user's own success must
   * not wipe out what guessing from elsewhere has added up */
  tb_store_throttle_clear(s, st->keys.local);
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
  json_object_set_new(out, "groups", api_groups_json(&a.groups));
  api_reply_json(r, 201, out);
}

static void login_checked(api_req *r, void *cls) {
  login_finish(r, cls);
  api_metrics_login(api_metrics_of(r), r->replied ? r->status : 0);
}

/* The login, counted by its outcome (once it is answered). */
void api_h_session_create(api_req *r) {
  session_create(r);
  if (!r->then)
    api_metrics_login(api_metrics_of(r), r->replied ? r->status : 0);
}

/* Who the session is now: its account's role, bureau and groups. */
void api_h_session_get(api_req *r) {
  const tb_store_account *a = &r->who;
  json_t *out =
      json_pack("{s:s, s:s}", "username", a->username, "role", a->role);
  json_object_set_new(out, "bureau",
                      a->bureau[0] ? json_string(a->bureau) : json_null());
  json_object_set_new(out, "groups", api_groups_json(&a->groups));
  json_object_set_new(out, "pending", api_session_steps_json(a->pending));
  api_reply_json(r, 200, out);
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

/* ---- the user's own new password --------------------------------------- */

/* The new password meets the policy and differs from the current one. */
static bool new_ok(api_req *r, const char *current, const char *fresh) {
  tb_problem_code code;
  char detail[256];
  if (!tb_api_password_policy_check(api_password_policy(r), r->who.username,
                                    fresh, strlen(fresh), &code, detail,
                                    sizeof detail)) {
    api_fail_field(r, code, "new_password", "%s", detail);
    return false;
  }
  if (strcmp(current, fresh) == 0) {
    api_fail_field(r, TB_PROBLEM_PASSWORD_UNCHANGED, "new_password",
                   "the new password is the current one");
    return false;
  }
  return true;
}

/* A change of one's own password between its three parts: the current
 * one checked, then the new one hashed, both on the hashing pool
 * (api_hashpool.c), never on a request thread. In the request's arena. */
typedef struct {
  const char *current, *fresh;
  api_password_work check, hash;
} own_change;

static void own_hashed(api_req *r, void *cls);

/* Second part: the current password was right (else 403 wrong_password,
 * counted as a failed log-in; never 401: the session itself is good);
 * the new one meets the policy; hash it. */
static void own_checked(api_req *r, void *cls) {
  own_change *c = cls;
  if (api_password_refused(r, &c->check))
    return;
  tb_store *s = api_store(r);
  if (!s)
    return;
  if (!c->check.ok) {
    login_keys keys;
    keys_of(r, r->who.username, &keys);
    login_failed(r, s, &keys);
    api_fail_field(r, TB_PROBLEM_WRONG_PASSWORD, "current_password",
                   "the current password is wrong");
    return;
  }
  if (!new_ok(r, c->current, c->fresh))
    return;
  c->hash.password = c->fresh;
  c->hash.len = strlen(c->fresh);
  api_password_later(r, &c->hash, own_hashed, c);
}

/* Third part: store the new hash, end the other sessions, answer. */
static void own_hashed(api_req *r, void *cls) {
  own_change *c = cls;
  if (api_password_refused(r, &c->hash))
    return;
  if (!c->hash.ok) {
    api_fail(r, TB_PROBLEM_INTERNAL, "could not hash the password");
    return;
  }
  tb_store *s = api_store(r);
  if (!s)
    return;
  int ended = 0;
  tb_store_status rc = tb_store_account_own_password(
      s, r->token_hash, r->who.id, c->hash.hash, &ended);
  if (rc == TB_STORE_NOT_FOUND) {
    api_fail(r, TB_PROBLEM_INVALID_TOKEN,
             "the session ended meanwhile; log in again");
    return;
  }
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return;
  }
  api_account_log("password_changed", r->who.username, r->who.username,
                  r->who.role, r->who.bureau, ended);
  api_account_event event = {r, "password_changed", r->who.username, NULL,
                             NULL};
  api_security_account_event(s, &event);
  unsigned left = r->who.pending & ~(unsigned)TB_SESSION_PASSWORD_CHANGE;
  api_reply_json(r, 200,
                 json_pack("{s:o, s:i}", "pending",
                           api_session_steps_json(left), "sessions_ended",
                           ended));
}

/* First part: the lockout allows a try; check the current password. */
static void own_password(api_req *r, tb_store *s, const char *current,
                         const char *fresh) {
  login_keys keys;
  keys_of(r, r->who.username, &keys);
  if (!login_allowed(r, s, &keys))
    return;
  own_change *c = tb_arena_alloc(r->arena, sizeof *c);
  memset(c, 0, sizeof *c);
  c->current = tb_arena_strdup(r->arena, current);
  c->fresh = tb_arena_strdup(r->arena, fresh);
  c->check.password = c->current;
  c->check.len = strlen(current);
  c->check.stored = r->who.password_hash;
  api_password_later(r, &c->check, own_checked, c);
}

void api_h_session_password(api_req *r) {
  const char *current = NULL, *fresh = NULL;
  api_field spec[] = {
      API_STRING("current_password", API_REQUIRED | API_SECRET, 1024, &current),
      API_STRING("new_password", API_REQUIRED | API_SECRET, 256, &fresh),
      API_END};
  json_t *body;
  if (!api_body_fields(r, &body, "the change of password is incomplete", spec))
    return;
  tb_store *s = api_store(r);
  if (s)
    own_password(r, s, current, fresh);
  json_decref(body);
}
