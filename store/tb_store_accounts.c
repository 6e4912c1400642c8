/*
 * tb_store_accounts.c — staff accounts, sessions (stored by the SHA-256 of
 * their token) and failure throttles (logins, tracking guesses), declared
 * in tb_store_accounts.h. Every statement is prepared with parameters.
 */
#include "tb_store_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- accounts --------------------------------------------------------- */

static const tb_store_stmt S_ACCOUNT_INSERT = {
    "api_account_insert",
    "INSERT INTO accounts (username, role, bureau, password_hash, "
    "password_change_required) VALUES ($1, $2, $3, $4, $5::boolean) "
    "ON CONFLICT (username) DO NOTHING RETURNING id",
    5};
static const tb_store_stmt S_ACCOUNT_FIND = {
    "api_account_find",
    "SELECT id, username, role, coalesce(bureau, ''), password_hash, "
    "disabled, password_change_required, " TB_STORE_GROUPS_OF(
        "accounts.id") " FROM accounts WHERE username = $1",
    1};

static void fill_account(PGresult *r, int row, int col, tb_store_account *a) {
  int64_t id = 0;
  tb_store_parse_i64(PQgetvalue(r, row, col), &id);
  a->id = id;
  tb_store_copy(a->username, sizeof a->username, PQgetvalue(r, row, col + 1));
  tb_store_copy(a->role, sizeof a->role, PQgetvalue(r, row, col + 2));
  tb_store_copy(a->bureau, sizeof a->bureau, PQgetvalue(r, row, col + 3));
  tb_store_copy(a->password_hash, sizeof a->password_hash,
                PQgetvalue(r, row, col + 4));
  a->disabled = strcmp(PQgetvalue(r, row, col + 5), "t") == 0;
  a->password_change_required = strcmp(PQgetvalue(r, row, col + 6), "t") == 0;
  a->pending = 0;
  a->idle_seconds = 0;
  a->groups.n = 0;
}

tb_store_status tb_store_account_create(tb_store *s, const char *username,
                                        const char *role, const char *bureau,
                                        const char *password_hash,
                                        bool change_required, int64_t *id) {
  const char *params[5] = {username, role, bureau && *bureau ? bureau : NULL,
                           password_hash, change_required ? "true" : "false"};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_ACCOUNT_INSERT, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(r) != 1) {
    PQclear(r);
    return TB_STORE_CONFLICT;
  }
  int64_t v = 0;
  tb_store_parse_i64(PQgetvalue(r, 0, 0), &v);
  if (id)
    *id = v;
  PQclear(r);
  return TB_STORE_OK;
}

tb_store_status tb_store_account_find(tb_store *s, const char *username,
                                      tb_store_account *a) {
  const char *params[1] = {username};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_ACCOUNT_FIND, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  fill_account(r, 0, 0, a);
  tb_store_groups_parse(PQgetvalue(r, 0, 7), &a->groups);
  PQclear(r);
  return TB_STORE_OK;
}

/* ---- sessions ------------------------------------------------------------ */

static const tb_store_stmt S_SESSION_INSERT = {
    "api_session_insert",
    "WITH login AS (UPDATE accounts SET last_login_at = now() "
    "WHERE id = $2::bigint) "
    "INSERT INTO sessions (token_hash, account_id, expires_at, pending) "
    "VALUES ($1::bytea, $2::bigint, now() + make_interval(secs => "
    "$3::integer), $4::smallint) "
    "RETURNING extract(epoch FROM expires_at)::bigint",
    4};
/* What makes a session valid (s: sessions, a: its account): the one
 * definition that tb_store_session_find and tb_store_sessions_check share,
 * so that whatever ends a session ends its live streams too. $2 is the
 * idle timeout in seconds (tb_store_options.session_idle). */
#define SESSION_VALID                                                          \
  "(s.revoked_at IS NULL AND s.expires_at > now() AND NOT a.disabled "         \
  "AND s.last_active_at > now() - make_interval(secs => $2::integer))"

static const tb_store_stmt S_SESSION_FIND = {
    "api_session_find",
    "SELECT a.id, a.username, a.role, coalesce(a.bureau, ''), "
    "a.password_hash, a.disabled, a.password_change_required, "
    "extract(epoch FROM s.expires_at)::bigint, s.pending, "
    "extract(epoch FROM now() - "
    "s.last_active_at)::integer, " TB_STORE_GROUPS_OF(
        "a.id") " FROM sessions s JOIN accounts a ON a.id = s.account_id "
                "WHERE s.token_hash = $1::bytea AND " SESSION_VALID,
    2};
/* Many sessions at once, read only (never a use of the session): $1 is
 * their token hashes as hex, comma-separated, $2 the idle timeout. Live:
 * valid and owing no step (a session that owes one may use no route but
 * the step's). */
static const tb_store_stmt S_SESSIONS_CHECK = {
    "api_sessions_check",
    "SELECT encode(s.token_hash, 'hex'), " SESSION_VALID " AND s.pending = 0, "
    "a.role, "
    "coalesce(a.bureau, ''), s.revoked_at IS NOT NULL, "
    "s.expires_at <= now(), a.disabled "
    "FROM sessions s JOIN accounts a ON a.id = s.account_id "
    "WHERE s.token_hash IN (SELECT decode(h, 'hex') FROM "
    "unnest(string_to_array($1::text, ',')) h)",
    2};
static const tb_store_stmt S_SESSION_REVOKE = {
    "api_session_revoke",
    "UPDATE sessions SET revoked_at = now() WHERE token_hash = $1::bytea "
    "AND revoked_at IS NULL",
    1};
static const tb_store_stmt S_SESSION_TOUCH = {
    "api_session_touch",
    "UPDATE sessions SET last_active_at = now() WHERE token_hash = $1::bytea "
    "AND revoked_at IS NULL",
    1};
static const tb_store_stmt S_SESSION_STEPS_DONE = {
    "api_session_steps_done",
    "UPDATE sessions SET pending = pending & ~$2::smallint "
    "WHERE token_hash = $1::bytea AND revoked_at IS NULL "
    "AND expires_at > now()",
    2};

tb_store_status tb_store_session_create(tb_store *s, int64_t account_id,
                                        const uint8_t token_hash[32],
                                        int ttl_seconds, unsigned pending,
                                        int64_t *expires_at) {
  char hash[67], account[24], ttl[16], steps[8];
  tb_store_bytea(token_hash, 32, hash);
  snprintf(account, sizeof account, "%" PRId64, account_id);
  snprintf(ttl, sizeof ttl, "%d", ttl_seconds);
  snprintf(steps, sizeof steps, "%u", pending & TB_SESSION_STEPS);
  const char *params[4] = {hash, account, ttl, steps};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_SESSION_INSERT, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  int64_t v = 0;
  if (PQntuples(r) == 1)
    tb_store_parse_i64(PQgetvalue(r, 0, 0), &v);
  if (expires_at)
    *expires_at = v;
  PQclear(r);
  return TB_STORE_OK;
}

tb_store_status tb_store_session_find(tb_store *s, const uint8_t token_hash[32],
                                      tb_store_account *a,
                                      int64_t *expires_at) {
  char hash[67], limit[16];
  tb_store_bytea(token_hash, 32, hash);
  snprintf(limit, sizeof limit, "%d", s->session_idle);
  const char *params[2] = {hash, limit};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_SESSION_FIND, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  fill_account(r, 0, 0, a);
  int64_t v = 0, pending = 0, idle = 0;
  tb_store_parse_i64(PQgetvalue(r, 0, 7), &v);
  tb_store_parse_i64(PQgetvalue(r, 0, 8), &pending);
  tb_store_parse_i64(PQgetvalue(r, 0, 9), &idle);
  tb_store_groups_parse(PQgetvalue(r, 0, 10), &a->groups);
  a->pending = (unsigned)pending & TB_SESSION_STEPS;
  a->idle_seconds = idle < 0 ? 0 : idle > INT32_MAX ? INT32_MAX : (int)idle;
  if (expires_at)
    *expires_at = v;
  PQclear(r);
  return TB_STORE_OK;
}

tb_store_status tb_store_session_revoke(tb_store *s,
                                        const uint8_t token_hash[32]) {
  char hash[67];
  tb_store_bytea(token_hash, 32, hash);
  const char *params[1] = {hash};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_SESSION_REVOKE, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  bool hit = strcmp(PQcmdTuples(r), "0") != 0;
  PQclear(r);
  if (hit)
    tb_store_event_accounts(s);
  return hit ? TB_STORE_OK : TB_STORE_NOT_FOUND;
}

tb_store_status tb_store_session_touch(tb_store *s,
                                       const uint8_t token_hash[32]) {
  char hash[67];
  tb_store_bytea(token_hash, 32, hash);
  const char *params[1] = {hash};
  return tb_store_exec(s, &S_SESSION_TOUCH, params, NULL);
}

tb_store_status tb_store_session_steps_done(tb_store *s,
                                            const uint8_t token_hash[32],
                                            unsigned steps) {
  char hash[67], bits[8];
  tb_store_bytea(token_hash, 32, hash);
  snprintf(bits, sizeof bits, "%u", steps & TB_SESSION_STEPS);
  const char *params[2] = {hash, bits};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_SESSION_STEPS_DONE, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  bool hit = strcmp(PQcmdTuples(r), "0") != 0;
  if (hit)
    tb_store_event_accounts(s);
  PQclear(r);
  return hit ? TB_STORE_OK : TB_STORE_NOT_FOUND;
}

static int cmp_check(const void *x, const void *y) {
  const tb_store_session_check *a = x, *b = y;
  return memcmp(a->token_hash, b->token_hash, 32);
}

/* The hashes as comma-separated hex (malloc'ed). */
static char *hash_list(const tb_store_session_check *items, size_t n) {
  char *out = tb_xmalloc(n * 65 + 1);
  size_t len = 0;
  for (size_t i = 0; i < n; i++) {
    if (i)
      out[len++] = ',';
    tb_hex_encode(items[i].token_hash, 32, out + len);
    len += 64;
  }
  out[len] = '\0';
  return out;
}

static tb_store_session_end end_of(PGresult *r, int row) {
  if (strcmp(PQgetvalue(r, row, 1), "t") == 0)
    return TB_STORE_SESSION_LIVE;
  if (strcmp(PQgetvalue(r, row, 4), "t") == 0)
    return TB_STORE_SESSION_REVOKED;
  if (strcmp(PQgetvalue(r, row, 5), "t") == 0)
    return TB_STORE_SESSION_EXPIRED;
  if (strcmp(PQgetvalue(r, row, 6), "t") == 0)
    return TB_STORE_SESSION_DISABLED;
  return TB_STORE_SESSION_ENDED;
}

/* Fill the item of one row (items sorted by hash). */
static void fill_check(PGresult *r, int row, tb_store_session_check *items,
                       size_t n) {
  tb_store_session_check key;
  const char *hex = PQgetvalue(r, row, 0);
  if (!tb_hex_decode(hex, strlen(hex), key.token_hash, 32))
    return;
  tb_store_session_check *it =
      bsearch(&key, items, n, sizeof *items, cmp_check);
  if (!it)
    return;
  while (it > items && cmp_check(it - 1, &key) == 0)
    it--; /* the first of equal items: fill them all */
  for (; it < items + n && cmp_check(it, &key) == 0; it++) {
    it->end = end_of(r, row);
    tb_store_copy(it->role, sizeof it->role, PQgetvalue(r, row, 2));
    tb_store_copy(it->bureau, sizeof it->bureau, PQgetvalue(r, row, 3));
  }
}

tb_store_status
tb_store_sessions_check(tb_store *s, tb_store_session_check *items, size_t n) {
  for (size_t i = 0; i < n; i++) {
    items[i].end = TB_STORE_SESSION_ENDED; /* unless a row says otherwise */
    items[i].role[0] = items[i].bureau[0] = '\0';
  }
  if (n == 0)
    return TB_STORE_OK;
  qsort(items, n, sizeof *items, cmp_check);
  char *list = hash_list(items, n), idle[16];
  snprintf(idle, sizeof idle, "%d", s->session_idle);
  const char *params[2] = {list, idle};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_SESSIONS_CHECK, params, &r);
  free(list);
  if (rc != TB_STORE_OK)
    return rc;
  for (int i = 0; i < PQntuples(r); i++)
    fill_check(r, i, items, n);
  PQclear(r);
  return TB_STORE_OK;
}

/* ---- failure throttles (logins, tracking guesses) ----------------------- */

static const tb_store_stmt S_THROTTLE_GET = {
    "api_throttle_get",
    "SELECT count(*), coalesce((extract(epoch FROM max(at)) * 1000000)"
    "::bigint, 0) FROM auth_failures WHERE key = $1 "
    "AND at > now() - make_interval(secs => $2::integer)",
    2};
static const tb_store_stmt S_THROTTLE_FAIL = {
    "api_throttle_fail",
    "WITH old AS (DELETE FROM auth_failures WHERE key = $1 "
    "AND at < now() - interval '1 day') "
    "INSERT INTO auth_failures (key, at) VALUES ($1, clock_timestamp())",
    1};
static const tb_store_stmt S_THROTTLE_RECORD = {
    "api_throttle_record",
    "WITH old AS (DELETE FROM auth_failures WHERE key = $1 "
    "AND at < now() - interval '1 day'), "
    "ins AS (INSERT INTO auth_failures (key, at) "
    "VALUES ($1, clock_timestamp()) RETURNING at) "
    "SELECT 1 + (SELECT count(*) FROM auth_failures WHERE key = $1 "
    "AND at > now() - make_interval(secs => $2::integer)), "
    "(SELECT (extract(epoch FROM at) * 1000000)::bigint FROM ins)",
    2};
static const tb_store_stmt S_THROTTLE_CLEAR = {
    "api_throttle_clear", "DELETE FROM auth_failures WHERE key = $1", 1};

/* Run a throttle statement taking (key, window) and returning one row of
 * (failures, last failure in µs); *failures and *last_us get the row, or
 * the given defaults when there is none. */
static tb_store_status throttle_query(tb_store *s, const tb_store_stmt *st,
                                      const char *key, int window_seconds,
                                      int64_t n, int64_t last, int *failures,
                                      int64_t *last_us) {
  char window[16];
  snprintf(window, sizeof window, "%d", window_seconds);
  const char *params[2] = {key, window};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, st, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(r) == 1) {
    tb_store_parse_i64(PQgetvalue(r, 0, 0), &n);
    tb_store_parse_i64(PQgetvalue(r, 0, 1), &last);
  }
  *failures = (int)n;
  *last_us = last;
  PQclear(r);
  return TB_STORE_OK;
}

tb_store_status tb_store_throttle_get(tb_store *s, const char *key,
                                      int window_seconds, int *failures,
                                      int64_t *last_us) {
  return throttle_query(s, &S_THROTTLE_GET, key, window_seconds, 0, 0, failures,
                        last_us);
}

tb_store_status tb_store_throttle_fail(tb_store *s, const char *key) {
  const char *params[1] = {key};
  return tb_store_exec(s, &S_THROTTLE_FAIL, params, NULL);
}

/* The statement's snapshot does not see its own insert: hence the 1 +. */
tb_store_status tb_store_throttle_record(tb_store *s, const char *key,
                                         int window_seconds, int *failures,
                                         int64_t *last_us) {
  return throttle_query(s, &S_THROTTLE_RECORD, key, window_seconds, 1,
                        tb_store_now_us(), failures, last_us);
}

tb_store_status tb_store_throttle_clear(tb_store *s, const char *key) {
  const char *params[1] = {key};
  return tb_store_exec(s, &S_THROTTLE_CLEAR, params, NULL);
}
