/*
 * tb_store_read.c — the queries the REST API needs beyond transitions:
 * accounts, sessions, failure throttles, and read models returned as JSON
 * text built by PostgreSQL (applications, tasks, audit timelines,
 * definitions, counts).
 *
 * Declared in the "REST API queries" section at the end of tb_store.h.
 * Every statement is prepared with parameters; the JSON comes back as one
 * text value that the caller parses.
 */
#include "tb_store_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- accounts --------------------------------------------------------- */

static const tb_store_stmt S_ACCOUNT_INSERT = {
    "api_account_insert",
    "INSERT INTO accounts (username, role, bureau, password_hash) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT (username) DO NOTHING RETURNING id",
    4};
static const tb_store_stmt S_ACCOUNT_FIND = {
    "api_account_find",
    "SELECT id, username, role, coalesce(bureau, ''), password_hash, "
    "disabled FROM accounts WHERE username = $1",
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
}

tb_store_status tb_store_account_create(tb_store *s, const char *username,
                                        const char *role, const char *bureau,
                                        const char *password_hash,
                                        int64_t *id) {
  const char *params[4] = {username, role, bureau && *bureau ? bureau : NULL,
                           password_hash};
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
  tb_store_status rc = tb_store_exec(s, &S_ACCOUNT_FIND, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(r) != 1) {
    PQclear(r);
    return TB_STORE_NOT_FOUND;
  }
  fill_account(r, 0, 0, a);
  PQclear(r);
  return TB_STORE_OK;
}

/* ---- sessions ------------------------------------------------------------ */

static const tb_store_stmt S_SESSION_INSERT = {
    "api_session_insert",
    "INSERT INTO sessions (token_hash, account_id, expires_at) "
    "VALUES ($1::bytea, $2::bigint, now() + make_interval(secs => "
    "$3::integer)) RETURNING extract(epoch FROM expires_at)::bigint",
    3};
static const tb_store_stmt S_SESSION_FIND = {
    "api_session_find",
    "SELECT a.id, a.username, a.role, coalesce(a.bureau, ''), "
    "a.password_hash, a.disabled, extract(epoch FROM s.expires_at)::bigint "
    "FROM sessions s JOIN accounts a ON a.id = s.account_id "
    "WHERE s.token_hash = $1::bytea AND s.revoked_at IS NULL "
    "AND s.expires_at > now() AND NOT a.disabled",
    1};
static const tb_store_stmt S_SESSION_REVOKE = {
    "api_session_revoke",
    "UPDATE sessions SET revoked_at = now() WHERE token_hash = $1::bytea "
    "AND revoked_at IS NULL",
    1};

tb_store_status tb_store_session_create(tb_store *s, int64_t account_id,
                                        const uint8_t token_hash[32],
                                        int ttl_seconds, int64_t *expires_at) {
  char hash[67], account[24], ttl[16];
  tb_store_bytea(token_hash, 32, hash);
  snprintf(account, sizeof account, "%" PRId64, account_id);
  snprintf(ttl, sizeof ttl, "%d", ttl_seconds);
  const char *params[3] = {hash, account, ttl};
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
  char hash[67];
  tb_store_bytea(token_hash, 32, hash);
  const char *params[1] = {hash};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_SESSION_FIND, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(r) != 1) {
    PQclear(r);
    return TB_STORE_NOT_FOUND;
  }
  fill_account(r, 0, 0, a);
  int64_t v = 0;
  tb_store_parse_i64(PQgetvalue(r, 0, 6), &v);
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
  return hit ? TB_STORE_OK : TB_STORE_NOT_FOUND;
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

static const tb_store_stmt S_PING = {"api_ping", "SELECT 1", 0};

tb_store_status tb_store_ping(tb_store *s) {
  return tb_store_exec(s, &S_PING, NULL, NULL);
}

/* ---- read models as JSON ---------------------------------------------- */

/* Run a statement that returns one text value (or no row) and hand the
 * text out malloc'ed; no row gives TB_STORE_NOT_FOUND. */
static tb_store_status json_of(tb_store *s, const tb_store_stmt *st,
                               const char *const *params, char **json) {
  *json = NULL;
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, st, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0)) {
    PQclear(r);
    return TB_STORE_NOT_FOUND;
  }
  const char *v = PQgetvalue(r, 0, 0);
  *json = tb_xstrndup(v, (size_t)PQgetlength(r, 0, 0));
  PQclear(r);
  return TB_STORE_OK;
}

#define APP_OBJECT                                                             \
  "json_build_object('number', a.number, 'service', a.definition_id, "         \
  "'version', a.definition_version, 'applicant', json_build_object("           \
  "'kind', a.applicant_kind, 'name', a.applicant_name, 'id_number', "          \
  "a.applicant_id_number), 'form', a.form, 'state', a.status, "                \
  "'warning', a.warning, 'channel', a.channel, 'deadline', a.deadline, "       \
  "'statutory_deadline', a.statutory_deadline, 'created_at', "                 \
  "to_char(a.created_at AT TIME ZONE 'UTC', "                                  \
  "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'updated_at', "                          \
  "to_char(a.updated_at AT TIME ZONE 'UTC', "                                  \
  "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))"

static const tb_store_stmt S_READ_APP = {
    "api_read_app",
    "SELECT " APP_OBJECT "::text FROM applications a WHERE a.number = $1", 1};

static const tb_store_stmt S_READ_APPS = {
    "api_read_apps",
    "SELECT coalesce(json_agg(x.o ORDER BY x.id DESC), '[]'::json)::text "
    "FROM (SELECT a.id, " APP_OBJECT " AS o FROM applications a "
    "WHERE ($1::text IS NULL OR a.applicant_id_number = $1) "
    "AND ($2::text IS NULL OR a.status = $2) "
    "AND ($3::text IS NULL OR a.definition_id = $3) "
    "ORDER BY a.id DESC LIMIT $4::integer) x",
    4};

tb_store_status tb_store_read_application(tb_store *s, const char *number,
                                          char **json) {
  const char *params[1] = {number};
  return json_of(s, &S_READ_APP, params, json);
}

tb_store_status tb_store_read_applications(tb_store *s, const char *applicant,
                                           const char *status,
                                           const char *service, int limit,
                                           char **json) {
  char lim[16];
  snprintf(lim, sizeof lim, "%d", limit > 0 ? limit : 100);
  const char *params[4] = {applicant, status, service, lim};
  return json_of(s, &S_READ_APPS, params, json);
}

#define TASK_OBJECT                                                            \
  "json_build_object('id', t.id, 'number', a.number, 'service', "              \
  "a.definition_id, 'version', a.definition_version, 'branch', t.branch, "     \
  "'step', t.step, 'round', t.round, 'branch_id', t.branch_id, 'task_id', "    \
  "t.task_id, 'name', t.name, 'bureau', t.bureau, 'state', t.state, "          \
  "'claimant', t.claimant, 'deadline', t.deadline, "                           \
  "'application_deadline', a.deadline, 'application_state', a.status, "        \
  "'decision', t.decision, 'comment', t.comment, 'items', t.items, "           \
  "'created_at', to_char(t.created_at AT TIME ZONE 'UTC', "                    \
  "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'decided_at', "                          \
  "to_char(t.decided_at AT TIME ZONE 'UTC', "                                  \
  "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))"

static const tb_store_stmt S_READ_TASKS = {
    "api_read_tasks",
    "SELECT coalesce(json_agg(x.o ORDER BY x.deadline NULLS LAST, x.id), "
    "'[]'::json)::text FROM (SELECT t.id, t.deadline, " TASK_OBJECT " AS o "
    "FROM tasks t JOIN applications a ON a.id = t.application_id "
    "WHERE ($1::text IS NULL OR t.bureau = $1) "
    "AND ($2::text IS NULL OR t.state = $2) "
    "ORDER BY t.deadline NULLS LAST, t.id LIMIT $3::integer) x",
    3};
static const tb_store_stmt S_READ_APP_TASKS = {
    "api_read_app_tasks",
    "SELECT coalesce(json_agg(" TASK_OBJECT " ORDER BY t.id), "
    "'[]'::json)::text FROM tasks t JOIN applications a "
    "ON a.id = t.application_id WHERE a.number = $1",
    1};

tb_store_status tb_store_read_tasks(tb_store *s, const char *bureau,
                                    const char *state, int limit, char **json) {
  char lim[16];
  snprintf(lim, sizeof lim, "%d", limit > 0 ? limit : 200);
  const char *params[3] = {bureau, state, lim};
  return json_of(s, &S_READ_TASKS, params, json);
}

tb_store_status tb_store_read_app_tasks(tb_store *s, const char *number,
                                        char **json) {
  const char *params[1] = {number};
  return json_of(s, &S_READ_APP_TASKS, params, json);
}

static const tb_store_stmt S_READ_EVENTS = {
    "api_read_events",
    "SELECT coalesce(json_agg(json_build_object('seq', e.seq, 'at', "
    "to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "'action', e.action, 'actor', e.actor_name, 'role', e.role, 'bureau', "
    "e.bureau, 'payload', CASE WHEN e.payload ~ '^\\s*[{\\[]' "
    "THEN e.payload::json ELSE NULL END) ORDER BY e.seq), '[]'::json)::text "
    "FROM audit_events e JOIN applications a ON a.id = e.application_id "
    "WHERE a.number = $1",
    1};

tb_store_status tb_store_read_events(tb_store *s, const char *number,
                                     char **json) {
  const char *params[1] = {number};
  return json_of(s, &S_READ_EVENTS, params, json);
}

static const tb_store_stmt S_WINDOW_REASON = {
    "api_window_reason",
    "SELECT e.payload::json->'data'->>'reason' FROM audit_events e "
    "JOIN applications a ON a.id = e.application_id "
    "WHERE a.number = $1 AND e.action = 'request_supplement' "
    "ORDER BY e.seq DESC LIMIT 1",
    1};

tb_store_status tb_store_read_window_reason(tb_store *s, const char *number,
                                            char **reason) {
  *reason = NULL;
  const char *params[1] = {number};
  PGresult *r = NULL;
  tb_store_status rc = tb_store_exec(s, &S_WINDOW_REASON, params, &r);
  if (rc == TB_STORE_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
    *reason = tb_xstrndup(PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
  PQclear(r);
  return rc;
}

static const tb_store_stmt S_READ_DEFS = {
    "api_read_defs",
    "SELECT coalesce(json_agg(json_build_object('id', d.id, 'version', "
    "d.version, 'name', d.name) ORDER BY d.id), '[]'::json)::text FROM "
    "(SELECT DISTINCT ON (id) id, version, name FROM definitions "
    "ORDER BY id, version DESC) d",
    0};

tb_store_status tb_store_read_definitions(tb_store *s, char **json) {
  return json_of(s, &S_READ_DEFS, NULL, json);
}

static const tb_store_stmt S_READ_COUNTS = {
    "api_read_counts",
    "SELECT coalesce(json_object_agg(status, n), '{}'::json)::text FROM "
    "(SELECT status, count(*) AS n FROM applications GROUP BY status) c",
    0};

tb_store_status tb_store_read_status_counts(tb_store *s, char **json) {
  return json_of(s, &S_READ_COUNTS, NULL, json);
}

static const tb_store_stmt S_READ_BUREAUS = {
    "api_read_bureaus",
    "SELECT xml FROM bureau_lists ORDER BY loaded_at DESC LIMIT 1", 0};

tb_store_status tb_store_read_bureaus_xml(tb_store *s, char **xml) {
  return json_of(s, &S_READ_BUREAUS, NULL, xml);
}
