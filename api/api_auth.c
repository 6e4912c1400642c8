/*
 * api_auth.c — accounts, passwords, bearer tokens and the role check.
 *
 * Passwords: scrypt through OpenSSL's EVP_KDF "SCRYPT" with a 16-byte
 * random salt; the parameters travel with the hash
 * ("scrypt$N$r$p$SALT$HASH", base64url). Tokens: 256 random bits
 * (RAND_bytes), base64url, stored only as SHA-256. The failure
 * throttles are in api_throttle.c.
 */
#include "api_caches.h"
#include "tb_api_int.h"
#include "tb_workflows.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SCRYPT_N 16384
#define SCRYPT_R 8
#define SCRYPT_P 1
#define SALT_LEN 16
#define KEY_LEN 32
#define TOUCH_EVERY 60 /* seconds between writes of a session's activity */

/* ---- roles ------------------------------------------------------------- */

unsigned api_role_bit(const char *name) {
  if (strcmp(name, "admin") == 0)
    return ROLE_ADMIN;
  if (strcmp(name, "clerk") == 0)
    return ROLE_CLERK;
  if (strcmp(name, "officer") == 0)
    return ROLE_OFFICER;
  if (strcmp(name, "inspector") == 0)
    return ROLE_INSPECTOR;
  return 0;
}

bool tb_api_role_valid(const char *name) {
  return name && api_role_bit(name) != 0;
}

/* Exactly n bytes from base64url text; false for anything else. */
static bool b64url_exact(const char *text, size_t len, uint8_t *out, size_t n) {
  size_t got = 0;
  return tb_b64url_decode(text, len, out, n, &got) && got == n;
}

/* ---- passwords ------------------------------------------------------------
 */

static bool scrypt(const char *pw, size_t len, const uint8_t *salt,
                   size_t salt_len, uint64_t n, uint32_t r, uint32_t p,
                   uint8_t out[KEY_LEN]) {
  EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
  EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
  EVP_KDF_free(kdf);
  if (!ctx)
    return false;
  OSSL_PARAM params[6], *q = params;
  *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)pw,
                                           len);
  *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt,
                                           salt_len);
  *q++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
  *q++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r);
  *q++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p);
  *q = OSSL_PARAM_construct_end();
  bool ok = EVP_KDF_derive(ctx, out, KEY_LEN, params) == 1;
  EVP_KDF_CTX_free(ctx);
  return ok;
}

bool tb_api_password_hash(const char *password, size_t len,
                          char out[TB_API_HASH_MAX]) {
  uint8_t salt[SALT_LEN], key[KEY_LEN];
  if (RAND_bytes(salt, sizeof salt) != 1 ||
      !scrypt(password, len, salt, sizeof salt, SCRYPT_N, SCRYPT_R, SCRYPT_P,
              key))
    return false;
  char s64[TB_B64URL_LEN(SALT_LEN) + 1], k64[TB_B64URL_LEN(KEY_LEN) + 1];
  tb_b64url_encode(salt, sizeof salt, s64);
  tb_b64url_encode(key, sizeof key, k64);
  int n = snprintf(out, TB_API_HASH_MAX, "scrypt$%d$%d$%d$%s$%s", SCRYPT_N,
                   SCRYPT_R, SCRYPT_P, s64, k64);
  OPENSSL_cleanse(key, sizeof key);
  return n > 0 && n < TB_API_HASH_MAX;
}

static bool parse_u64(const char *s, size_t n, uint64_t max, uint64_t *out) {
  if (n == 0 || n > 10)
    return false;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  if (v == 0 || v > max)
    return false;
  *out = v;
  return true;
}

bool tb_api_password_check(const char *password, size_t len,
                           const char *stored) {
  /* scrypt$N$r$p$SALT$HASH */
  const char *part[6];
  size_t plen[6];
  const char *p = stored;
  for (int i = 0; i < 6; i++) {
    const char *d = strchr(p, '$');
    size_t n = d && i < 5 ? (size_t)(d - p) : strlen(p);
    part[i] = p;
    plen[i] = n;
    if (i < 5) {
      if (!d)
        return false;
      p = d + 1;
    }
  }
  uint64_t n, r, par;
  uint8_t salt[SALT_LEN], want[KEY_LEN], got[KEY_LEN];
  if (plen[0] != 6 || memcmp(part[0], "scrypt", 6) != 0 ||
      !parse_u64(part[1], plen[1], (uint64_t)1 << 20, &n) ||
      !parse_u64(part[2], plen[2], 32, &r) ||
      !parse_u64(part[3], plen[3], 16, &par) ||
      !b64url_exact(part[4], plen[4], salt, sizeof salt) ||
      !b64url_exact(part[5], plen[5], want, sizeof want))
    return false;
  if (!scrypt(password, len, salt, sizeof salt, n, (uint32_t)r, (uint32_t)par,
              got))
    return false;
  bool ok = CRYPTO_memcmp(got, want, KEY_LEN) == 0;
  OPENSSL_cleanse(got, sizeof got);
  return ok;
}

/* ---- tokens ------------------------------------------------------------- */

bool api_token_new(char out[64], uint8_t hash[32]) {
  uint8_t raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1)
    return false;
  tb_b64url_encode(raw, sizeof raw, out);
  unsigned int n = 32;
  bool ok = EVP_Digest(out, strlen(out), hash, &n, EVP_sha256(), NULL) == 1;
  OPENSSL_cleanse(raw, sizeof raw);
  return ok;
}

/* The SHA-256 of a well-formed token from "Bearer TOKEN"; false for
 * anything else. */
static bool bearer_hash(const char *header, uint8_t hash[32]) {
  if (strncasecmp(header, "Bearer ", 7) != 0)
    return false;
  const char *t = header + 7;
  while (*t == ' ')
    t++;
  size_t n = strlen(t);
  uint8_t raw[32];
  if (!b64url_exact(t, n, raw, sizeof raw))
    return false;
  unsigned int len = 32;
  return EVP_Digest(t, n, hash, &len, EVP_sha256(), NULL) == 1;
}

/* A session that still owes a step (a new password, a second factor)
 * may only take it or log out: every other route, public ones included,
 * answers 403 naming the step, so a page knows what to show. */
static bool steps_taken(api_req *r) {
  unsigned owed = r->who.pending;
  if (!owed || (r->route->flags & ROUTE_STEP))
    return true;
  if (owed & TB_SESSION_PASSWORD_CHANGE)
    api_fail(r, TB_PROBLEM_PASSWORD_CHANGE_REQUIRED,
             "choose a new password first (an administrator set this one)");
  else
    api_fail(r, TB_PROBLEM_TOTP_ENROLMENT_REQUIRED,
             "enrol a second factor (TOTP) first: the %s role needs one",
             r->who.role);
  return false;
}

/* A person's request keeps the session from going idle; one a page
 * makes by itself (a refresh, a poll: X-Tongban-Background) or an
 * EventSource (re)connecting with ?access_token= does not. The activity
 * is written at most once a minute per session. */
static void note_activity(api_req *r, tb_store *s, bool from_query) {
  if (from_query || r->who.idle_seconds < TOUCH_EVERY ||
      api_header(r, "X-Tongban-Background"))
    return;
  if (tb_store_session_touch(s, r->token_hash) == TB_STORE_OK)
    api_session_cache_touched(api_session_cache_of(r), r->token_hash,
                              api_monotonic_us());
}

/* The session of the request's token: from the server's session cache
 * (api_caches.h) when it holds it, else from the database (and kept). */
static tb_store_status session_find(api_req *r, tb_store *s) {
  api_session_cache *cache = api_session_cache_of(r);
  if (api_session_cache_get(cache, r->token_hash, api_session_idle_of(r),
                            api_monotonic_us(), &r->who))
    return TB_STORE_OK;
  uint64_t ticket = api_session_cache_ticket(cache);
  int64_t expires_at = 0;
  tb_store_status rc =
      tb_store_session_find(s, r->token_hash, &r->who, &expires_at);
  if (rc == TB_STORE_OK)
    api_session_cache_put(cache, r->token_hash, &r->who, expires_at, ticket,
                          api_monotonic_us());
  return rc;
}

/* One rule on every route, public ones included: no Authorization header
 * is anonymous (refused where the route needs a role); a header that is
 * sent is always checked, and a malformed, unknown, expired or revoked
 * token is 401 invalid_token (RFC 6750 section 3.1), never quietly taken
 * as anonymous. Where a token decides what a public route answers (the
 * staff view of a rating, a license's QR without the tracking code),
 * ignoring a bad one would answer a logged-out clerk with a misleading
 * 404 instead of "log in again"; so it is never ignored anywhere. */
bool api_authenticate(api_req *r) {
  unsigned roles = r->route->roles;
  const char *h = api_header(r, "Authorization");
  bool from_query = false;
  if (!h && (r->route->flags & ROUTE_QUERY_TOKEN)) {
    from_query = true;
    /* EventSource cannot set headers: RFC 6750's access_token parameter */
    const char *q = api_query(r, "access_token");
    size_t n = q ? strlen(q) : 0;
    char b[144];
    if (n > 0 && n <= 128 && snprintf(b, sizeof b, "Bearer %s", q) > 0)
      h = tb_arena_strdup(r->arena, b);
  }
  if (!h) {
    if (roles & ROLE_ANONYMOUS)
      return true;
    api_fail(r, TB_PROBLEM_UNAUTHENTICATED,
             "log in first and send Authorization: Bearer <token>");
    return false;
  }
  if (!bearer_hash(h, r->token_hash)) {
    api_fail(r, TB_PROBLEM_INVALID_TOKEN,
             "the token is malformed; log in again");
    return false;
  }
  tb_store *s = api_store(r);
  if (!s)
    return false;
  tb_store_status rc = session_find(r, s);
  if (rc == TB_STORE_NOT_FOUND) {
    api_fail(r, TB_PROBLEM_INVALID_TOKEN,
             "the token is unknown, expired, idle too long or revoked; log in "
             "again");
    return false;
  }
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return false;
  }
  r->authed = true;
  note_activity(r, s, from_query);
  if (!(roles & api_role_bit(r->who.role))) {
    api_fail(r, TB_PROBLEM_FORBIDDEN, "the %s role may not %s %s", r->who.role,
             r->method, r->route->pattern);
    return false;
  }
  return steps_taken(r);
}

/* ---- accounts --------------------------------------------------------------
 */

bool api_username_ok(const char *u) {
  size_t n = strlen(u);
  if (n == 0 || n > 64)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = u[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return false;
  }
  return true;
}

bool api_bureau_check(tb_store *s, const tb_bureau_list *given,
                      const char *code, char *msg, size_t msg_len) {
  const tb_bureau_list *list = given;
  tb_problem p = {0};
  tb_store_status rc = TB_STORE_OK;
  if (!list)
    rc = tb_store_bureaus_get(s, &list, &p);
  if (rc == TB_STORE_INVALID || (rc == TB_STORE_OK && !list))
    snprintf(msg, msg_len,
             "cannot check bureau '%.32s': no bureau list yet (pass "
             "--workflows DIR, the folder with bureaus.xml)",
             code);
  else if (rc != TB_STORE_OK)
    snprintf(msg, msg_len, "could not read the bureau list (%s)",
             tb_store_status_name(rc));
  else if (!tb_bureaus_find(list, code))
    snprintf(msg, msg_len, "unknown bureau '%.32s': see workflows/bureaus.xml",
             code);
  else
    return true;
  return false;
}

bool api_role_bureau_ok(const char *role, const char *bureau, char *msg,
                        size_t msg_len) {
  if (!tb_api_role_valid(role)) {
    snprintf(msg, msg_len,
             "unknown role '%.32s': use admin, clerk, officer or inspector",
             role ? role : "");
    return false;
  }
  bool officer = strcmp(role, "officer") == 0;
  if (officer != (bureau && *bureau)) {
    snprintf(msg, msg_len,
             officer ? "an officer needs a bureau"
                     : "only officers belong to a bureau");
    return false;
  }
  return true;
}

tb_api_status tb_api_account_add(const char *conninfo, const char *user,
                                 const char *role, const char *bureau,
                                 const char *password, size_t password_len,
                                 const tb_api_account_opts *opts, char *msg,
                                 size_t msg_len) {
  static const tb_api_account_opts none = {0};
  if (!opts)
    opts = &none;
  if (!user || !api_username_ok(user)) {
    snprintf(msg, msg_len,
             "cannot use user name '%s': 1 to 64 letters, digits, '.', '_' "
             "or '-'",
             user ? user : "");
    return TB_API_INVALID;
  }
  char detail[256];
  tb_problem_code code;
  if (!api_role_bureau_ok(role, bureau, msg, msg_len))
    return TB_API_INVALID;
  tb_store_groups groups;
  if (!api_groups_from_text(opts->groups, &groups, msg, msg_len))
    return TB_API_INVALID;
  if (!tb_api_password_policy_check(opts->policy, user, password, password_len,
                                    &code, detail, sizeof detail)) {
    snprintf(msg, msg_len, "%s", detail);
    return TB_API_INVALID;
  }
  char hash[TB_API_HASH_MAX];
  if (!tb_api_password_hash(password, password_len, hash)) {
    snprintf(msg, msg_len, "could not hash the password (OpenSSL failed)");
    return TB_API_ERROR;
  }
  tb_store_options o = {.conninfo = conninfo, .loader = &tb_api_loader};
  tb_store *s = NULL;
  if (tb_store_open(&o, &s, msg, msg_len) != TB_STORE_OK)
    return TB_API_ERROR;
  tb_api_status out = TB_API_INVALID;
  bool officer = strcmp(role, "officer") == 0;
  if ((!officer || api_bureau_check(s, opts->bureaus, bureau, msg, msg_len)) &&
      api_groups_check(s, opts->bureaus, officer ? bureau : NULL, &groups, msg,
                       msg_len)) {
    tb_store_status rc = /* with its event of the security log */
        api_security_account_add(NULL, s, user, role, officer ? bureau : NULL,
                                 &groups, hash, !opts->no_forced_change);
    out = rc == TB_STORE_OK         ? TB_API_OK
          : rc == TB_STORE_CONFLICT ? TB_API_INVALID
                                    : TB_API_ERROR;
    if (rc == TB_STORE_CONFLICT)
      snprintf(msg, msg_len, "user '%s' exists", user);
    else if (rc != TB_STORE_OK)
      snprintf(msg, msg_len,
               "could not store the account (%s); is the database migrated?",
               tb_store_status_name(rc));
    else
      snprintf(msg, msg_len, "account '%s' (%s%s%s%s%s) added%s", user, role,
               officer ? ", bureau " : "", officer ? bureau : "",
               groups.n ? ", groups " : "", groups.n ? opts->groups : "",
               opts->no_forced_change
                   ? ""
                   : "; the password must be changed at the first log-in");
  }
  tb_store_close(s);
  return out;
}
