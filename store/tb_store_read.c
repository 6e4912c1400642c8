/*
 * tb_store_read.c — read models returned as JSON text built by PostgreSQL
 * (applications, tasks, audit timelines, definitions, counts, the stored
 * bureau list), declared in tb_store_read.h, and the handle's ping.
 * Every statement is prepared with parameters; the JSON comes back as one
 * text value that the caller parses.
 */
#include "tb_store_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the handle's ping --------------------------------------------------- */

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
    "AND (a.status = $2 OR ($2::text IS NULL AND a.status <> 'expired')) "
    "AND ($3::text IS NULL OR a.definition_id = $3) "
    "AND ($5::text IS NULL OR a.channel = $5) "
    "ORDER BY a.id DESC LIMIT $4::integer) x",
    5};

tb_store_status tb_store_applications_read(tb_store *s, const char *applicant,
                                           const char *status,
                                           const char *service,
                                           const char *channel, int limit,
                                           char **json) {
  char lim[16];
  snprintf(lim, sizeof lim, "%d", limit > 0 ? limit : 100);
  const char *params[5] = {applicant, status, service, lim, channel};
  return json_of(s, &S_READ_APPS, params, json);
}

#define TASK_OBJECT                                                            \
  "json_build_object('id', t.id, 'number', a.number, 'service', "              \
  "a.definition_id, 'version', a.definition_version, 'branch', t.branch, "     \
  "'step', t.step, 'round', t.round, 'branch_id', t.branch_id, 'task_id', "    \
  "t.task_id, 'name', t.name, 'bureau', t.bureau, 'state', t.state, "          \
  "'claimant', t.claimant, 'deadline', t.deadline, 'warning', t.warning, "     \
  "'application_deadline', a.deadline, 'application_state', a.status, "        \
  "'decision', t.decision, 'comment', t.comment, 'items', t.items, "           \
  "'outputs', t.outputs, 'slot', t.slot, 'serial', t.serial, "                 \
  "'signer_kind', t.signer_kind, 'group', t.group_code, 'assignee', "          \
  "coalesce((SELECT x.username FROM accounts x WHERE x.id = t.assignee), "     \
  "t.assignee_name), 'delegate_of', (SELECT x.username FROM accounts x "       \
  "WHERE x.id = t.delegate_of), 'added_by', (SELECT x.username FROM "          \
  "accounts x WHERE x.id = t.added_by), 'handed_to', (SELECT x.username "      \
  "FROM accounts x WHERE x.id = t.handed_to), 'back_to', t.back_to, "          \
  "'close_reason', t.close_reason, 'taken_back_at', "                          \
  "to_char(t.taken_back_at AT TIME ZONE 'UTC', "                               \
  "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'urges', (SELECT count(*) FROM "         \
  "task_urges u WHERE u.task_id = t.id), "                                     \
  "'created_at', to_char(t.created_at AT TIME ZONE 'UTC', "                    \
  "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'decided_at', "                          \
  "to_char(t.decided_at AT TIME ZONE 'UTC', "                                  \
  "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))"

/* A worklist page: tasks by bureau ($1, NULL: all) and state ($2, NULL:
 * open and claimed), filtered in the query, in the order of (deadline,
 * id) with no deadline last, after the cursor ($4 date or 'infinity', $5
 * id; NULL: from the start), at most $3; with the total of the filter and
 * the cursor of the last item when more follow. Keyset paging: a task
 * inserted while an officer pages never shifts another into a page seen
 * already or out of the next one. */
#define TASK_FILTER                                                            \
  "($1::text IS NULL OR t.bureau = $1) AND CASE WHEN $2::text IS NULL THEN "   \
  "t.state IN ('open', 'claimed') ELSE t.state = $2 END AND ($6::bigint IS "   \
  "NULL OR t.assignee = $6::bigint OR t.claimant = $6::bigint OR (NOT "        \
  "$7::boolean AND (t.signer_kind = 'pool' OR (t.signer_kind = 'group' AND "   \
  "t.group_code IN (SELECT g.group_code FROM account_groups g WHERE "          \
  "g.account_id = $6::bigint)))))"
static const tb_store_stmt S_READ_TASKS = {
    "api_read_tasks",
    "WITH page AS (SELECT t.id, coalesce(t.deadline, 'infinity'::date) AS "
    "k, " TASK_OBJECT " AS o FROM tasks t JOIN applications a ON a.id = "
    "t.application_id WHERE " TASK_FILTER " AND ($4::date IS NULL OR "
    "(coalesce(t.deadline, 'infinity'::date), t.id) > ($4::date, "
    "$5::bigint)) ORDER BY 2, 1 LIMIT $3::integer + 1), "
    "shown AS (SELECT * FROM page ORDER BY k, id LIMIT $3::integer) "
    "SELECT json_build_object('items', coalesce((SELECT json_agg(o ORDER BY "
    "k, id) FROM shown), '[]'::json), 'total', (SELECT count(*) FROM tasks t "
    "WHERE " TASK_FILTER "), 'next', CASE WHEN (SELECT count(*) FROM page) > "
    "$3::integer THEN (SELECT k::text || '.' || id FROM shown ORDER BY k "
    "DESC, id DESC LIMIT 1) END)::text",
    7};
static const tb_store_stmt S_READ_APP_TASKS = {
    "api_read_app_tasks",
    "SELECT coalesce(json_agg(" TASK_OBJECT " ORDER BY t.id), "
    "'[]'::json)::text FROM tasks t JOIN applications a "
    "ON a.id = t.application_id WHERE a.number = $1",
    1};

tb_store_status tb_store_tasks_read(tb_store *s, const tb_store_task_page *q,
                                    char **json) {
  char lim[16], id[24];
  snprintf(lim, sizeof lim, "%d", q->limit > 0 ? q->limit : 100);
  snprintf(id, sizeof id, "%lld", (long long)q->after_id);
  char officer[24];
  snprintf(officer, sizeof officer, "%lld", (long long)q->officer);
  const char *params[7] = {q->bureau,
                           q->state,
                           lim,
                           q->after_day[0] ? q->after_day : NULL,
                           q->after_day[0] ? id : NULL,
                           q->officer > 0 ? officer : NULL,
                           q->mine ? "true" : "false"};
  return json_of(s, &S_READ_TASKS, params, json);
}

tb_store_status tb_store_application_tasks_read(tb_store *s, const char *number,
                                                char **json) {
  const char *params[1] = {number};
  return json_of(s, &S_READ_APP_TASKS, params, json);
}

/* The one text of a result as json_of hands it out. */
static tb_store_status json_text(PGresult *r, char **json) {
  if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0))
    return TB_STORE_NOT_FOUND;
  *json = tb_xstrndup(PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
  return TB_STORE_OK;
}

tb_store_status tb_store_application_view_read(tb_store *s, const char *number,
                                               char **app, char **tasks) {
  *app = NULL;
  *tasks = NULL;
  const char *params[1] = {number};
  PGresult *ra, *rt;
  tb_store_status rc = tb_store_exec_pair(s, &S_READ_APP, params, &ra,
                                          &S_READ_APP_TASKS, params, &rt);
  if (rc != TB_STORE_OK)
    return rc;
  rc = json_text(ra, app);
  if (rc == TB_STORE_OK)
    rc = json_text(rt, tasks);
  PQclear(ra);
  PQclear(rt);
  if (rc != TB_STORE_OK) {
    free(*app);
    *app = NULL;
  }
  return rc;
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

tb_store_status tb_store_events_read(tb_store *s, const char *number,
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

tb_store_status tb_store_window_reason_read(tb_store *s, const char *number,
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
    "d.version, 'name', d.name, 'deployed_at', to_char(d.loaded_at AT TIME "
    "ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')) ORDER BY d.id), "
    "'[]'::json)::text FROM (SELECT DISTINCT ON (id) id, version, name, "
    "loaded_at FROM definitions ORDER BY id, version DESC) d",
    0};

tb_store_status tb_store_definitions_read(tb_store *s, char **json) {
  return json_of(s, &S_READ_DEFS, NULL, json);
}

static const tb_store_stmt S_READ_COUNTS = {
    "api_read_counts",
    "SELECT coalesce(json_object_agg(status, n), '{}'::json)::text FROM "
    "(SELECT status, count(*) AS n FROM applications GROUP BY status) c",
    0};

tb_store_status tb_store_status_counts_read(tb_store *s, char **json) {
  return json_of(s, &S_READ_COUNTS, NULL, json);
}

tb_store_status tb_store_json_of(tb_store *s, const tb_store_stmt *st,
                                 const char *const *params, char **json) {
  return json_of(s, st, params, json);
}

tb_store_num tb_store_i64(int64_t v) {
  tb_store_num n;
  snprintf(n.v, sizeof n.v, "%" PRId64, v);
  return n;
}

tb_store_status tb_store_json_list(tb_store *s, const tb_store_stmt *st,
                                   const char *today, const char *bureau,
                                   const char *state, int limit, char **json) {
  tb_store_num lim = tb_store_i64(limit < 1 ? 1 : limit > 500 ? 500 : limit);
  const char *params[] = {today, bureau, state, lim.v};
  return json_of(s, st, params, json);
}

tb_store_status tb_store_json_by_id(tb_store *s, const tb_store_stmt *st,
                                    const char *today, int64_t id,
                                    char **json) {
  tb_store_num n = tb_store_i64(id);
  const char *params[] = {today, n.v};
  return json_of(s, st, params, json);
}
