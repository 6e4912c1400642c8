/*
 * api_totp.c — the second factor of staff log-ins (api_totp.h): which
 * roles need one (--totp-roles, default admin and inspector), the key
 * that seals the secrets (keys/totp.key), the log-in's check after the
 * password, and the routes:
 *
 *   POST   /api/v1/sessions/current/totp                 start enrolling
 *   POST   /api/v1/sessions/current/totp/confirm         {"code"} enrols
 *   POST   /api/v1/sessions/current/totp/recovery-codes  {"code"} new ones
 *   DELETE /api/v1/accounts/{username}/totp              an admin's reset
 *
 * Enrolment answers a fresh secret once: as base32 text, as the otpauth://
 * URI authenticator apps read, and as that URI's QR code (SVG, drawn by
 * electronic-licenses). The database keeps the secret only sealed. The
 * first right code confirms it, clears the session's owed step and
 * answers ten recovery codes, the only time they are shown; the database
 * keeps their digests. A code is accepted once per account: the last
 * step used is stored and a code of that step or an earlier one is
 * refused. Each of these events is a "security" line of the log.
 */
#include "api_totp.h"
#include "tb_license.h"
#include "tb_log.h"
#include "tb_store_totp.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_FILE "totp.key"
#define DEFAULT_ROLES "admin,inspector"
#define ISSUER "通办"
#define QR_SCALE 4
/* wrong codes when asking for new recovery codes: the log-in's limits */
#define GUESS_SOFT 3
#define GUESS_LOCK 10
#define GUESS_WINDOW (15 * 60)

struct api_totp {
  unsigned roles;  /* ROLE_* that need a second factor */
  uint8_t key[32]; /* totp.key: seals secrets, keys recovery digests */
};

/* ---- settings --------------------------------------------------------------
 */

/* One role name of a list, n bytes long: its bit, 0 when unknown. */
static unsigned role_of(const char *name, size_t n) {
  char role[16];
  if (n == 0 || n >= sizeof role)
    return 0;
  memcpy(role, name, n);
  role[n] = '\0';
  return api_role_bit(role);
}

static bool parse_roles(const char *list, unsigned *roles, char *err,
                        size_t err_len) {
  *roles = 0;
  if (strcmp(list, "none") == 0)
    return true;
  for (const char *p = list;; p++) {
    size_t n = strcspn(p, ",");
    unsigned bit = role_of(p, n);
    if (!bit) {
      snprintf(err, err_len,
               "the roles that need a second factor (--totp-roles) are "
               "role names separated by commas (admin, clerk, officer, "
               "inspector) or none, not '%.64s'",
               list);
      return false;
    }
    *roles |= bit;
    p += n;
    if (!*p)
      return true;
  }
}

bool api_totp_setup(const char *keys_dir, const char *roles, api_totp **out,
                    char *err, size_t err_len) {
  *out = NULL;
  unsigned bits = 0;
  if (!parse_roles(roles ? roles : DEFAULT_ROLES, &bits, err, err_len))
    return false;
  if (bits && (!keys_dir || !*keys_dir)) {
    snprintf(err, err_len,
             "the second factor needs the keys folder for its key (%s): "
             "give one, or turn it off with --totp-roles none",
             KEY_FILE);
    return false;
  }
  api_totp *t = tb_xcalloc(1, sizeof *t);
  t->roles = bits;
  if (bits && !api_key_file_open(keys_dir, KEY_FILE, "second-factor", t->key,
                                 err, err_len)) {
    api_totp_free(t);
    return false;
  }
  *out = t;
  return true;
}

void api_totp_free(api_totp *t) {
  if (!t)
    return;
  OPENSSL_cleanse(t->key, sizeof t->key);
  free(t);
}

static bool role_needs(const api_totp *t, const char *role) {
  return t && (t->roles & api_role_bit(role));
}

/* ---- the log-in ------------------------------------------------------------
 */

static api_totp_verdict wrong(api_req *r, const tb_store_account *a,
                              const char *detail) {
  tb_log_kv(TB_LOG_INFO, "security", "second factor failed",
            TB_LOG_S("account", a->username), TB_LOG_S("client", r->client));
  api_fail(r, TB_PROBLEM_OTP_INVALID, "%s", detail);
  return API_TOTP_WRONG;
}

/* The account's secret, opened with the server's key; false (500 set,
 * logged) when it does not open. */
static bool open_secret(api_req *r, const api_totp *t, int64_t account,
                        const char *username, const tb_store_totp *f,
                        uint8_t secret[API_TOTP_SECRET]) {
  if (api_totp_unseal(t->key, account, f->sealed, secret))
    return true;
  tb_log_kv(TB_LOG_ERROR, "security",
            "a second factor does not open with this server's totp.key",
            TB_LOG_S("account", username));
  api_fail(r, TB_PROBLEM_INTERNAL, "the second factor could not be checked");
  return false;
}

static api_totp_verdict login_code(api_req *r, tb_store *s, const api_totp *t,
                                   const tb_store_account *a,
                                   const tb_store_totp *f, const char *otp) {
  uint8_t secret[API_TOTP_SECRET];
  if (!open_secret(r, t, a->id, a->username, f, secret))
    return API_TOTP_ANSWERED;
  int64_t step = 0;
  bool ok = api_totp_match(secret, r->now, otp, &step);
  OPENSSL_cleanse(secret, sizeof secret);
  if (!ok)
    return wrong(r, a,
                 "the one-time code is wrong or expired (check the "
                 "phone's clock)");
  tb_store_status rc = tb_store_totp_step_use(s, a->id, step);
  if (rc == TB_STORE_CONFLICT)
    return wrong(r, a,
                 "this one-time code was used already: wait for the next "
                 "one");
  if (rc == TB_STORE_NOT_FOUND)
    return wrong(r, a, "the second factor was reset meanwhile: log in again");
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return API_TOTP_ANSWERED;
  }
  return API_TOTP_PASS;
}

/* The security log's event about an account's second factor, written by
 * the request's actor (as_user: by that account, before it has a session). */
static void factor_event(api_req *r, tb_store *s, const char *as_user,
                         const char *kind, const char *user) {
  char subject[96];
  snprintf(subject, sizeof subject, "account:%s", user);
  if (as_user)
    api_security_log_as(r, s, as_user, kind, TB_SECURITY_OK, subject, NULL);
  else
    api_security_log(r, s, kind, TB_SECURITY_OK, subject, NULL);
}

static api_totp_verdict login_recovery(api_req *r, tb_store *s,
                                       const api_totp *t,
                                       const tb_store_account *a,
                                       const char *otp) {
  uint8_t digest[32];
  if (!api_totp_recovery_digest(t->key, otp, digest))
    return wrong(r, a,
                 "otp is the 6-digit code of the authenticator app or a "
                 "recovery code (16 letters and digits)");
  tb_store_status rc = tb_store_totp_recovery_use(s, a->id, digest);
  if (rc == TB_STORE_NOT_FOUND)
    return wrong(r, a, "the recovery code is unknown or used already");
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return API_TOTP_ANSWERED;
  }
  tb_log_kv(TB_LOG_INFO, "security", "recovery code used",
            TB_LOG_S("account", a->username), TB_LOG_S("client", r->client));
  factor_event(r, s, a->username, "recovery_code_used", a->username);
  return API_TOTP_PASS;
}

static bool is_code(const char *s) {
  size_t n = strspn(s, "0123456789");
  return n == API_TOTP_DIGITS && s[n] == '\0';
}

api_totp_verdict api_totp_login(api_req *r, tb_store *s,
                                const tb_store_account *a, const char *otp) {
  const api_totp *t = api_totp_of(r);
  if (!role_needs(t, a->role))
    return API_TOTP_PASS;
  tb_store_totp f;
  tb_store_status rc = tb_store_totp_get(s, a->id, &f);
  if (rc == TB_STORE_NOT_FOUND || (rc == TB_STORE_OK && !f.confirmed))
    return API_TOTP_ENROL;
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return API_TOTP_ANSWERED;
  }
  if (!otp || !*otp) {
    api_fail(r, TB_PROBLEM_OTP_REQUIRED,
             "the %s role needs a second factor: send otp, the 6-digit code "
             "of the authenticator app, or a recovery code",
             a->role);
    return API_TOTP_ANSWERED;
  }
  if (is_code(otp))
    return login_code(r, s, t, a, &f, otp);
  return login_recovery(r, s, t, a, otp);
}

/* ---- the routes ------------------------------------------------------------
 */

/* The server's settings when the session's role uses a second factor;
 * else 403 is set and NULL returned. */
static const api_totp *for_role(api_req *r) {
  const api_totp *t = api_totp_of(r);
  if (role_needs(t, r->who.role))
    return t;
  api_fail(r, TB_PROBLEM_FORBIDDEN,
           "the %s role does not use a second factor on this server",
           r->who.role);
  return NULL;
}

/* The body {"code": "…"}: NULL when a 4xx was set; else the body (the
 * caller's to json_decref), with *code borrowed from it. */
static json_t *code_body(api_req *r, const char **code) {
  json_t *body = api_body_object(r);
  if (!body)
    return NULL;
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_REQUEST, "the code is missing");
  api_field spec[] = {API_STRING("code", API_REQUIRED, 32, code), API_END};
  if (!api_fields_parse(&pb, body, NULL, spec)) {
    api_problem_send(r, &pb);
    json_decref(body);
    return NULL;
  }
  api_problem_free(&pb);
  return body;
}

/* The otpauth:// URI of a secret (Key Uri Format): issuer 通办, the
 * account's user name. NULL when it does not fit (malloc'd). */
static char *otpauth_uri(const char *username, const char *b32) {
  tb_buf b;
  tb_buf_init(&b, 1024);
  bool ok = tb_buf_adds(&b, "otpauth://totp/") &&
            tb_form_encode(&b, ISSUER, strlen(ISSUER)) &&
            tb_buf_adds(&b, ":") &&
            tb_form_encode(&b, username, strlen(username)) &&
            tb_buf_addf(&b, "?secret=%s&issuer=", b32) &&
            tb_form_encode(&b, ISSUER, strlen(ISSUER)) &&
            tb_buf_addf(&b, "&algorithm=SHA1&digits=%d&period=%d",
                        API_TOTP_DIGITS, API_TOTP_PERIOD);
  if (!ok) {
    tb_buf_free(&b);
    return NULL;
  }
  size_t len = 0;
  return tb_buf_take(&b, &len);
}

/* 200 {secret, uri, qr_svg}: what an authenticator app needs. */
static void reply_enrolment(api_req *r, const char *b32) {
  char *uri = otpauth_uri(r->who.username, b32);
  char *svg = NULL;
  size_t len = 0;
  tb_problem p = {0};
  if (!uri || tb_license_render_qr_svg(uri, QR_SCALE, &svg, &len, NULL, &p) !=
                  TB_LICENSE_OK) {
    tb_log_kv(TB_LOG_ERROR, "api", "cannot draw the enrolment's QR code",
              TB_LOG_S("id", r->request_id), TB_LOG_S("error", p.detail));
    api_fail(r, TB_PROBLEM_INTERNAL, "could not draw the QR code");
  } else {
    api_reply_json(r, 200,
                   json_pack("{s:s, s:s, s:s%}", "secret", b32, "uri", uri,
                             "qr_svg", svg, len));
  }
  if (uri)
    OPENSSL_cleanse(uri, strlen(uri));
  free(uri);
  free(svg);
}

void api_h_totp_begin(api_req *r) {
  const api_totp *t = for_role(r);
  tb_store *s = t ? api_store(r) : NULL;
  if (!s)
    return;
  uint8_t secret[API_TOTP_SECRET], sealed[API_TOTP_SEALED];
  char b32[API_TOTP_BASE32];
  bool ok = api_totp_secret_new(secret) &&
            api_totp_seal(t->key, r->who.id, secret, sealed) &&
            api_totp_base32(secret, b32);
  OPENSSL_cleanse(secret, sizeof secret);
  if (!ok) {
    api_fail(r, TB_PROBLEM_INTERNAL, "could not make a secret");
    return;
  }
  tb_store_status rc = tb_store_totp_begin(s, r->who.id, sealed);
  if (rc == TB_STORE_CONFLICT)
    api_fail(r, TB_PROBLEM_TOTP_ENROLLED,
             "a second factor is enrolled already: an administrator can "
             "reset it");
  else if (rc != TB_STORE_OK)
    api_fail_store(r, rc);
  else
    reply_enrolment(r, b32);
  OPENSSL_cleanse(b32, sizeof b32);
}

/* Ten new recovery codes into out (JSON strings, a new array) and their
 * digests; NULL when the random numbers failed. */
static json_t *new_recovery(const api_totp *t,
                            uint8_t digests[TB_STORE_TOTP_RECOVERY][32]) {
  json_t *out = json_array();
  for (size_t i = 0; i < TB_STORE_TOTP_RECOVERY; i++) {
    char code[API_TOTP_RECOVERY_LEN + 1];
    bool ok = api_totp_recovery_new(code) &&
              api_totp_recovery_digest(t->key, code, digests[i]);
    if (ok)
      json_array_append_new(out, json_string(code));
    OPENSSL_cleanse(code, sizeof code);
    if (!ok) {
      json_decref(out);
      return NULL;
    }
  }
  return out;
}

/* The session's factor, opened: false when a 4xx/5xx was set. want:
 * whether it must be confirmed already (recovery codes) or waiting for
 * its first code (enrolment). */
static bool factor_open(api_req *r, tb_store *s, const api_totp *t, bool want,
                        tb_store_totp *f, uint8_t secret[API_TOTP_SECRET]) {
  tb_store_status rc = tb_store_totp_get(s, r->who.id, f);
  if (rc != TB_STORE_OK && rc != TB_STORE_NOT_FOUND) {
    api_fail_store(r, rc);
    return false;
  }
  if (rc == TB_STORE_NOT_FOUND || f->confirmed != want) {
    if (rc == TB_STORE_OK && f->confirmed)
      api_fail(r, TB_PROBLEM_TOTP_ENROLLED,
               "a second factor is enrolled already");
    else
      api_fail(r, TB_PROBLEM_TOTP_NOT_ENROLLED,
               want ? "no second factor is enrolled"
                    : "start the enrolment first (POST "
                      "/api/v1/sessions/current/totp)");
    return false;
  }
  return open_secret(r, t, r->who.id, r->who.username, f, secret);
}

/* Whether code is the factor's now; else 422 totp_code_invalid is set. */
static bool code_right(api_req *r, const uint8_t secret[API_TOTP_SECRET],
                       const char *code, int64_t *step) {
  if (!is_code(code)) {
    api_fail_field(r, TB_PROBLEM_TOTP_CODE_INVALID, "code",
                   "the code is the 6 digits the authenticator app shows");
    return false;
  }
  if (api_totp_match(secret, r->now, code, step))
    return true;
  api_fail_field(r, TB_PROBLEM_TOTP_CODE_INVALID, "code",
                 "the code is wrong or expired (check the phone's clock)");
  return false;
}

static void confirm(api_req *r, tb_store *s, const api_totp *t,
                    const char *code) {
  tb_store_totp f;
  uint8_t secret[API_TOTP_SECRET];
  if (!factor_open(r, s, t, false, &f, secret))
    return;
  int64_t step = 0;
  bool ok = code_right(r, secret, code, &step);
  OPENSSL_cleanse(secret, sizeof secret);
  uint8_t digests[TB_STORE_TOTP_RECOVERY][32];
  json_t *codes = ok ? new_recovery(t, digests) : NULL;
  if (!ok)
    return;
  if (!codes) {
    api_fail(r, TB_PROBLEM_INTERNAL, "could not make recovery codes");
    return;
  }
  tb_store_status rc =
      tb_store_totp_confirm(s, r->who.id, f.sealed, step, digests);
  if (rc != TB_STORE_OK) {
    json_decref(codes);
    if (rc == TB_STORE_NOT_FOUND)
      api_fail(r, TB_PROBLEM_TOTP_NOT_ENROLLED,
               "another enrolment was started since: scan its QR code");
    else
      api_fail_store(r, rc);
    return;
  }
  rc = tb_store_session_steps_done(s, r->token_hash, TB_SESSION_TOTP_ENROLMENT);
  if (rc != TB_STORE_OK)
    tb_log_kv(TB_LOG_WARN, "security",
              "enrolled, but the session still owes the step: log in again",
              TB_LOG_S("account", r->who.username));
  tb_log_kv(TB_LOG_INFO, "security", "second factor enrolled",
            TB_LOG_S("account", r->who.username));
  factor_event(r, s, NULL, "second_factor_enrolled", r->who.username);
  api_reply_json(r, 200, json_pack("{s:o}", "recovery_codes", codes));
}

/* A right, unused code of the enrolled factor: false when a problem was
 * set (a wrong or used code counts against the account). */
static bool fresh_code(api_req *r, tb_store *s, const api_totp *t,
                       const char *key, const char *code) {
  tb_store_totp f;
  uint8_t secret[API_TOTP_SECRET];
  if (!factor_open(r, s, t, true, &f, secret))
    return false;
  int64_t step = 0;
  bool ok = code_right(r, secret, code, &step);
  OPENSSL_cleanse(secret, sizeof secret);
  tb_store_status rc =
      ok ? tb_store_totp_step_use(s, r->who.id, step) : TB_STORE_CONFLICT;
  if (ok && rc == TB_STORE_CONFLICT)
    api_fail_field(r, TB_PROBLEM_TOTP_CODE_INVALID, "code",
                   "this code was used already: wait for the next one");
  else if (rc != TB_STORE_OK && rc != TB_STORE_CONFLICT)
    api_fail_store(r, rc);
  if (rc == TB_STORE_CONFLICT)
    api_throttle_fail(s, key, GUESS_LOCK, GUESS_WINDOW);
  return rc == TB_STORE_OK;
}

static void recovery(api_req *r, tb_store *s, const api_totp *t,
                     const char *code) {
  char key[96];
  snprintf(key, sizeof key, "totp:%s", r->who.username);
  if (!api_throttle_allow(r, s, key, GUESS_SOFT, GUESS_LOCK, GUESS_WINDOW) ||
      !fresh_code(r, s, t, key, code))
    return;
  uint8_t digests[TB_STORE_TOTP_RECOVERY][32];
  json_t *codes = new_recovery(t, digests);
  if (!codes) {
    api_fail(r, TB_PROBLEM_INTERNAL, "could not make recovery codes");
    return;
  }
  tb_store_status rc = tb_store_totp_recovery_replace(s, r->who.id, digests);
  if (rc != TB_STORE_OK) {
    json_decref(codes);
    api_fail_store(r, rc == TB_STORE_NOT_FOUND ? TB_STORE_ERROR : rc);
    return;
  }
  tb_log_kv(TB_LOG_INFO, "security", "recovery codes replaced",
            TB_LOG_S("account", r->who.username));
  factor_event(r, s, NULL, "recovery_codes_replaced", r->who.username);
  api_reply_json(r, 200, json_pack("{s:o}", "recovery_codes", codes));
}

/* What a route with a {"code"} body does with it. */
typedef void (*code_step)(api_req *r, tb_store *s, const api_totp *t,
                          const char *code);

/* A route with a {"code"} body, for a role with a second factor. */
static void code_route(api_req *r, code_step step) {
  const api_totp *t = for_role(r);
  const char *code = NULL;
  json_t *body = t ? code_body(r, &code) : NULL;
  if (!body)
    return;
  tb_store *s = api_store(r);
  if (s)
    step(r, s, t, code);
  json_decref(body);
}

void api_h_totp_confirm(api_req *r) {
  code_route(r, confirm);
}

void api_h_totp_recovery(api_req *r) {
  code_route(r, recovery);
}

void api_h_totp_reset(api_req *r) {
  const char *user = r->params[0];
  if (strcmp(user, r->who.username) == 0) {
    api_fail(r, TB_PROBLEM_FORBIDDEN,
             "an administrator does not reset their own second factor: ask "
             "another one, or run `tongban accounts reset-totp` on the "
             "server");
    return;
  }
  if (!api_username_ok(user)) {
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such account");
    return;
  }
  tb_store *s = api_store(r);
  if (!s)
    return;
  bool had = false;
  tb_store_status rc = tb_store_totp_reset(s, user, &had);
  if (rc == TB_STORE_NOT_FOUND || (rc == TB_STORE_OK && !had)) {
    api_fail(r, TB_PROBLEM_NOT_FOUND,
             rc == TB_STORE_OK ? "the account has no second factor"
                               : "no such account");
    return;
  }
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return;
  }
  tb_log_kv(TB_LOG_INFO, "security", "second factor reset",
            TB_LOG_S("account", user), TB_LOG_S("by", r->who.username));
  factor_event(r, s, NULL, "second_factor_reset", user);
  api_reply_raw(r, 204, NULL, NULL, 0);
}

/* ---- the command line
 * --------------------------------------------------------
 */

/* The security log's event of a reset by `tongban accounts reset-totp`. */
static void cli_reset_event(tb_store *s, const char *user) {
  char os_user[80], subject[96];
  snprintf(subject, sizeof subject, "account:%s", user);
  tb_store_security_actor who = {.kind = TB_SECURITY_CLI,
                                 .name =
                                     tb_api_cli_user(os_user, sizeof os_user)};
  if (tb_store_security_log_add(s, "second_factor_reset", &who, subject,
                                TB_SECURITY_OK, NULL) != TB_STORE_OK)
    tb_log_kv(TB_LOG_ERROR, "security",
              "the reset is done but its security event was not written",
              TB_LOG_S("account", user));
}

tb_api_status tb_api_totp_reset(const char *conninfo, const char *user,
                                char *msg, size_t msg_len) {
  if (!user || !api_username_ok(user)) {
    snprintf(msg, msg_len, "no account '%.64s'", user ? user : "");
    return TB_API_INVALID;
  }
  tb_store_options o = {.conninfo = conninfo, .loader = &tb_api_loader};
  tb_store *s = NULL;
  if (tb_store_open(&o, &s, msg, msg_len) != TB_STORE_OK)
    return TB_API_ERROR;
  bool had = false;
  tb_store_status rc = tb_store_totp_reset(s, user, &had);
  if (rc == TB_STORE_OK && had)
    cli_reset_event(s, user);
  tb_store_close(s);
  tb_api_status out = TB_API_INVALID;
  if (rc == TB_STORE_NOT_FOUND) {
    snprintf(msg, msg_len, "no account '%s'", user);
  } else if (rc != TB_STORE_OK) {
    snprintf(msg, msg_len,
             "could not reset the second factor (%s); is the database "
             "migrated?",
             tb_store_status_name(rc));
    out = TB_API_ERROR;
  } else if (!had) {
    snprintf(msg, msg_len, "'%s' has no second factor", user);
  } else {
    tb_log_kv(TB_LOG_INFO, "security", "second factor reset",
              TB_LOG_S("account", user), TB_LOG_S("by", "command line"));
    snprintf(msg, msg_len,
             "the second factor of '%s' is reset and its sessions ended: its "
             "next log-in enrols again",
             user);
    out = TB_API_OK;
  }
  return out;
}
