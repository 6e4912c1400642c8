/*
 * tb_store_alerts.c — electronic supervision's findings: the sweep over
 * the stored rows (one prepared query per rule kind), raising a finding
 * with its audit event, the findings list and counts, red cards answered
 * and decided, and 催办. Declared in tb_store_alerts.h.
 *
 * A finding is raised once: the unique index of supervision_alerts
 * (rule, application, task, subject) makes a second INSERT a no-op, and
 * each query leaves out what was raised already. Every write locks the
 * application row first (the audit chain's order), then the card.
 */
#include "tb_store_int.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pg_try_advisory_lock key: "tongban supervision sweep" */
#define SWEEP_LOCK "7291000015"

/* Leaves out a finding raised already: X the application's id, Y the
 * task's (0: none), Z the subject; $1 is the rule. */
#define NOT_RAISED(x, y, z)                                                    \
  "NOT EXISTS (SELECT 1 FROM supervision_alerts s WHERE s.rule = $1 AND "      \
  "s.application_id = " x " AND coalesce(s.task_id, 0) = " y                   \
  " AND s.subject = " z ")"

/* 环节超时 reads the task's stored card (tasks.warning, the engine's one
 * card function) and, for the sweep's own clock, the deadline passed. */
/* Every rule query answers: application id, task id (or NULL), bureau (or
 * NULL), subject, detail (JSON text). $1: the rule id. */
static const tb_store_stmt S_STEP_OVERDUE = {
    "al_step_overdue",
    "SELECT a.id, t.id, t.bureau, '', json_build_object('task', t.name, "
    "'deadline', t.deadline)::text FROM tasks t JOIN applications a ON a.id "
    "= t.application_id WHERE t.state IN ('open', 'claimed') AND t.warning "
    "= 'red' AND a.status = 'in_review' AND t.deadline < $2::date "
    "AND " NOT_RAISED("a.id", "t.id", "''"),
    2};
static const tb_store_stmt S_FINISHED_LATE = {
    "al_finished_late",
    "SELECT a.id, NULL, (SELECT t.bureau FROM tasks t WHERE "
    "t.application_id = a.id AND t.state = 'decided' ORDER BY t.decided_at "
    "DESC, t.id DESC LIMIT 1), '', json_build_object('deadline', a.deadline, "
    "'finished', tongban_local_day((a.state->>'finished_at')::bigint))::text "
    "FROM applications a WHERE a.status IN ('approved', 'denied', "
    "'delivered', 'awaiting_materials') AND a.deadline IS NOT NULL AND "
    "(a.state->>'finished_at')::bigint > 0 AND "
    "tongban_local_day((a.state->>'finished_at')::bigint) > a.deadline "
    "AND " NOT_RAISED("a.id", "0", "''"),
    1};
/* $2 today, $3 the immediate definitions ("id@version") */
static const tb_store_stmt S_IMMEDIATE = {
    "al_immediate",
    "SELECT x.id, NULL, NULL, '', json_build_object('accepted', "
    "tongban_local_day(x.acc), 'finished', CASE WHEN x.fin > 0 THEN "
    "tongban_local_day(x.fin) END)::text FROM (SELECT a.id, a.status, "
    "(a.state->>'accepted_at')::bigint AS acc, (a.state->>'finished_at')"
    "::bigint AS fin FROM applications a WHERE a.definition_id || '@' || "
    "a.definition_version = ANY ($3::text[])) x WHERE x.acc > 0 AND "
    "x.status NOT IN ('withdrawn', 'terminated', 'refused') AND CASE WHEN "
    "x.fin > 0 THEN tongban_local_day(x.fin) ELSE $2::date END > "
    "tongban_local_day(x.acc) AND " NOT_RAISED("x.id", "0", "''"),
    3};
/* the special_max timer that ended a suspension, with the suspension */
static const tb_store_stmt S_SPECIAL = {
    "al_special",
    "SELECT e.application_id, NULL, su.bureau, e.seq::text, "
    "json_build_object('special', su.special, 'suspended', su.seq, "
    "'ended', e.seq)::text FROM audit_events e LEFT JOIN LATERAL (SELECT "
    "b.seq, b.bureau, b.payload::json->'event'->>'special' AS special FROM "
    "audit_events b WHERE b.application_id = e.application_id AND b.action "
    "= 'suspend' AND b.seq < e.seq ORDER BY b.seq DESC LIMIT 1) su ON true "
    "WHERE e.action = 'timer' AND e.payload::json->'event'->>'timer' = "
    "'special_max' AND e.payload::json->>'from' = 'suspended' AND "
    "e.payload::json->>'to' <> 'suspended' AND " NOT_RAISED("e.application_id",
                                                            "0", "e.seq::text"),
    1};
static const tb_store_stmt S_GAP = {
    "al_gap",
    "SELECT a.id, NULL, NULL, '', json_build_object('gaps', "
    "a.state->'gaps')::text FROM applications a WHERE "
    "(a.state->>'gap_overdue')::boolean AND " NOT_RAISED("a.id", "0", "''"),
    1};
static const tb_store_stmt S_VERIFY = {
    "al_verify",
    "SELECT v.application_id, NULL, v.bureau, v.bureau, "
    "json_build_object('due', v.due)::text FROM verifications v WHERE "
    "v.state = 'open' AND v.due < $2::date AND " NOT_RAISED("v.application_id",
                                                            "0", "v.bureau"),
    2};
/* $2 the default minimum, $3 / $4 the definitions' own ("id@version",
 * characters); denials from their tasks, refusals from their events */
static const tb_store_stmt S_SHORT = {
    "al_short",
    "WITH mins AS (SELECT k, m FROM unnest($3::text[], $4::int[]) u(k, m)) "
    "SELECT x.app, x.task, x.bureau, '', json_build_object('decision', "
    "x.decision, 'length', x.len, 'minimum', x.mn)::text FROM (SELECT "
    "t.application_id AS app, t.id AS task, t.bureau, 'deny' AS decision, "
    "char_length(coalesce(t.comment, '')) AS len, coalesce((SELECT m FROM "
    "mins WHERE k = a.definition_id || '@' || a.definition_version), "
    "$2::int) AS mn FROM tasks t JOIN applications a ON a.id = "
    "t.application_id WHERE t.decision = 'deny' UNION ALL SELECT a.id, "
    "NULL, NULL, 'refuse', char_length(coalesce(e.payload::json->'data'->>"
    "'reason', '')), coalesce((SELECT m FROM mins WHERE k = a.definition_id "
    "|| '@' || a.definition_version), $2::int) FROM applications a JOIN "
    "audit_events e ON e.application_id = a.id AND e.action = 'refuse' "
    "WHERE a.status = 'refused') x WHERE x.len < x.mn AND " NOT_RAISED(
        "x.app", "coalesce(x.task, 0)", "''"),
    4};
/* $2 the threshold */
static const tb_store_stmt S_URGED = {
    "al_urged",
    "SELECT t.application_id, t.id, t.bureau, '', json_build_object("
    "'urges', u.n)::text FROM (SELECT task_id, count(*) AS n FROM task_urges "
    "GROUP BY task_id HAVING count(*) >= $2::int) u JOIN tasks t ON t.id = "
    "u.task_id WHERE " NOT_RAISED("t.application_id", "t.id", "''"),
    2};

static const tb_store_stmt S_SWEEP_LOCK = {
    "al_sweep_lock", "SELECT pg_try_advisory_lock(" SWEEP_LOCK ")", 0};
static const tb_store_stmt S_SWEEP_UNLOCK = {
    "al_sweep_unlock", "SELECT pg_advisory_unlock(" SWEEP_LOCK ")", 0};
static const tb_store_stmt S_DEFS = {
    "al_defs", "SELECT id, version FROM definitions ORDER BY id, version", 0};

static const tb_store_stmt S_LOCK_APP = {
    "al_lock_app",
    "SELECT number, audit_seq, audit_hash, status, warning FROM "
    "applications WHERE id = $1::bigint FOR UPDATE",
    1};
static const tb_store_stmt S_INSERT = {
    "al_insert",
    "INSERT INTO supervision_alerts (rule, level, application_id, task_id, "
    "bureau, subject, detail, raised_at) VALUES ($1, $2, $3::bigint, "
    "$4::bigint, $5, $6, $7::jsonb || jsonb_build_object('name', $9::text, "
    "'kind', $10::text), to_timestamp($8::bigint)) ON CONFLICT DO NOTHING "
    "RETURNING id",
    10};

/* ---- small helpers ------------------------------------------------------- */

static int64_t i64_at(const PGresult *r, int row, int col) {
  int64_t v = 0;
  if (!PQgetisnull(r, row, col))
    tb_store_parse_i64(PQgetvalue(r, row, col), &v);
  return v;
}

static const char *text_or_null(const PGresult *r, int row, int col) {
  return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

/* The application's row, locked: what the audit event and the NOTIFY
 * need. */
typedef struct {
  int64_t id;
  char number[TB_APP_NUMBER_LEN + 1];
  int32_t seq;
  uint8_t hash[32];
  char status[32], warning[8];
} locked_app;

static tb_store_status lock_app(tb_store *s, int64_t id, locked_app *a) {
  tb_store_num n = tb_store_i64(id);
  const char *params[] = {n.v};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_LOCK_APP, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  a->id = id;
  tb_store_copy(a->number, sizeof a->number, PQgetvalue(r, 0, 0));
  a->seq = (int32_t)i64_at(r, 0, 1);
  memset(a->hash, 0, 32);
  bool ok = PQgetisnull(r, 0, 2) ||
            tb_store_unhex_bytea(PQgetvalue(r, 0, 2), a->hash, 32);
  tb_store_copy(a->status, sizeof a->status, PQgetvalue(r, 0, 3));
  tb_store_copy(a->warning, sizeof a->warning, PQgetvalue(r, 0, 4));
  PQclear(r);
  return ok ? TB_STORE_OK : TB_STORE_ERROR;
}

/* Append the event (payload stolen) to the locked application's chain,
 * move its head and NOTIFY the stream with `extra`'s members added to
 * the change event (stolen too). */
static tb_store_status append_event(tb_store *s, locked_app *a,
                                    const tb_store_actor *actor,
                                    const char *action, json_t *payload,
                                    json_t *extra, int32_t *seq_out) {
  char *text = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(payload);
  tb_store_audit_event ae = {.application_id = a->id,
                             .number = a->number,
                             .prev_seq = a->seq,
                             .actor = actor,
                             .action = action,
                             .payload = text,
                             .at_us = tb_store_now_us()};
  memcpy(ae.prev_hash, a->hash, 32);
  uint8_t hash[32];
  int32_t seq = 0;
  tb_store_status rc = tb_store_audit_append(s, &ae, &seq, hash);
  free(text);
  if (rc == TB_STORE_OK)
    rc = tb_store_audit_head_set(s, a->id, seq, hash);
  if (rc == TB_STORE_OK) {
    a->seq = seq;
    memcpy(a->hash, hash, 32);
    json_object_set_new(extra, "number", json_string(a->number));
    json_object_set_new(extra, "seq", json_integer(seq));
    json_object_set_new(extra, "action", json_string(action));
    json_object_set_new(extra, "status", json_string(a->status));
    json_object_set_new(extra, "warning", json_string(a->warning));
    char *n = json_dumps(extra, JSON_COMPACT | JSON_SORT_KEYS);
    rc = tb_store_notify_json(s, n);
    free(n);
  }
  json_decref(extra);
  if (seq_out)
    *seq_out = seq;
  return rc;
}

/* ---- raising a finding --------------------------------------------------- */

typedef struct {
  const tb_rule *rule;
  int64_t app, task;  /* task 0: none */
  const char *bureau; /* NULL: the window */
  const char *subject;
  const char *detail; /* JSON object text */
  int64_t at;
  bool raised; /* out */
} finding;

static json_t *finding_payload(const finding *f, int64_t id) {
  json_error_t err;
  json_t *detail = json_loads(f->detail, 0, &err);
  return json_pack(
      "{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o}", "alert", (json_int_t)id,
      "rule", f->rule->id, "kind", tb_rule_kind_name(f->rule->kind), "level",
      f->rule->level == TB_WARN_RED ? "red" : "yellow", "name", f->rule->name,
      "task", f->task ? json_integer((json_int_t)f->task) : json_null(),
      "bureau", f->bureau ? json_string(f->bureau) : json_null(), "subject",
      f->subject, "detail", detail ? detail : json_object());
}

/* Inside a transaction: insert the finding (a no-op when raised already)
 * and, when new, its audit event "alert_raised". */
static tb_store_status raise_in(tb_store *s, finding *f) {
  static const tb_store_actor sweeper = {0, "supervision", "system", NULL};
  locked_app a;
  tb_store_status rc = lock_app(s, f->app, &a);
  if (rc != TB_STORE_OK)
    return rc == TB_STORE_NOT_FOUND ? TB_STORE_ERROR : rc;
  tb_store_num app = tb_store_i64(f->app), task = tb_store_i64(f->task),
               at = tb_store_i64(f->at);
  const char *level = f->rule->level == TB_WARN_RED ? "red" : "yellow";
  const char *params[] = {f->rule->id,   level,
                          app.v,         f->task ? task.v : NULL,
                          f->bureau,     f->subject,
                          f->detail,     at.v,
                          f->rule->name, tb_rule_kind_name(f->rule->kind)};
  PGresult *r;
  rc = tb_store_exec(s, &S_INSERT, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  int64_t id = PQntuples(r) == 1 ? i64_at(r, 0, 0) : 0;
  PQclear(r);
  f->raised = id > 0;
  if (!f->raised)
    return TB_STORE_OK;
  json_t *extra = json_pack("{s:I, s:s, s:s, s:o}", "alert", (json_int_t)id,
                            "level", level, "rule", f->rule->id, "bureau",
                            f->bureau ? json_string(f->bureau) : json_null());
  return append_event(s, &a, &sweeper, "alert_raised", finding_payload(f, id),
                      extra, NULL);
}

static tb_store_status raise_txn(tb_store *s, void *cls) {
  return raise_in(s, cls);
}

/* ---- the sweep ----------------------------------------------------------- */

/* The settings of the stored definitions the rules read: the immediate
 * ones, and the ones with their own min-reason. */
typedef struct {
  json_t *immediate; /* ["id@version", …] */
  json_t *keys;      /* min-reason: ["id@version", …] */
  json_t *mins;      /* … and their minimums */
} def_settings;

static tb_store_status read_settings(tb_store *s, def_settings *d) {
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_DEFS, NULL, &r);
  if (rc != TB_STORE_OK)
    return rc;
  for (int i = 0; i < PQntuples(r); i++) {
    const tb_definition *def = NULL;
    uint32_t version = (uint32_t)i64_at(r, i, 1);
    if (tb_store_def_cached(s, PQgetvalue(r, i, 0), version, &def) !=
        TB_STORE_OK)
      continue; /* logged there; its rules are skipped */
    json_t *key = json_sprintf("%s@%u", def->id, def->version);
    if (def->immediate)
      json_array_append(d->immediate, key);
    if (def->min_reason > 0) {
      json_array_append(d->keys, key);
      json_array_append_new(d->mins, json_integer(def->min_reason));
    }
    json_decref(key);
  }
  PQclear(r);
  return TB_STORE_OK;
}

/* A JSON array of strings or integers as a PostgreSQL array literal
 * ({"a","b"} / {1,2}); malloc'ed. Elements are ids and numbers: no
 * quotes or backslashes in them (the loader's patterns). */
static char *pg_array(const json_t *a) {
  tb_buf b;
  tb_buf_init(&b, 64 * 1024);
  tb_buf_adds(&b, "{");
  size_t i;
  json_t *v;
  json_array_foreach(a, i, v) {
    const char *sep = i ? "," : "";
    if (json_is_string(v))
      tb_buf_addf(&b, "%s\"%s\"", sep, json_string_value(v));
    else
      tb_buf_addf(&b, "%s%" JSON_INTEGER_FORMAT, sep, json_integer_value(v));
  }
  tb_buf_adds(&b, "}");
  return tb_buf_take(&b, NULL);
}

/* The candidate rows of one rule. */
static tb_store_status candidates(tb_store *s, const tb_rule *rule,
                                  const char *today, const def_settings *d,
                                  PGresult **r) {
  char threshold[16];
  snprintf(threshold, sizeof threshold, "%d", rule->threshold);
  const char *p2[] = {rule->id, today};
  const char *p1[] = {rule->id};
  switch (rule->kind) {
  case TB_RULE_STEP_OVERDUE:
    return tb_store_exec(s, &S_STEP_OVERDUE, p2, r);
  case TB_RULE_FINISHED_LATE:
    return tb_store_exec(s, &S_FINISHED_LATE, p1, r);
  case TB_RULE_SPECIAL_TOO_LONG:
    return tb_store_exec(s, &S_SPECIAL, p1, r);
  case TB_RULE_GAP_OVERDUE:
    return tb_store_exec(s, &S_GAP, p1, r);
  case TB_RULE_VERIFICATION_OVERDUE:
    return tb_store_exec(s, &S_VERIFY, p2, r);
  case TB_RULE_URGED_REPEATEDLY: {
    const char *p[] = {rule->id, threshold};
    return tb_store_exec(s, &S_URGED, p, r);
  }
  case TB_RULE_IMMEDIATE_NOT_SAME_DAY: {
    char *keys = pg_array(d->immediate);
    const char *p[] = {rule->id, today, keys};
    tb_store_status rc = tb_store_exec(s, &S_IMMEDIATE, p, r);
    free(keys);
    return rc;
  }
  case TB_RULE_SHORT_REASON: {
    char *keys = pg_array(d->keys), *mins = pg_array(d->mins);
    const char *p[] = {rule->id, threshold, keys, mins};
    tb_store_status rc = tb_store_exec(s, &S_SHORT, p, r);
    free(keys);
    free(mins);
    return rc;
  }
  default:
    return TB_STORE_ERROR;
  }
}

static tb_store_status sweep_rule(tb_store *s, const tb_rule *rule,
                                  const char *today, const def_settings *d,
                                  int64_t now, int *raised) {
  PGresult *r;
  tb_store_status rc = candidates(s, rule, today, d, &r);
  if (rc != TB_STORE_OK)
    return rc;
  for (int i = 0; rc == TB_STORE_OK && i < PQntuples(r); i++) {
    finding f = {.rule = rule,
                 .app = i64_at(r, i, 0),
                 .task = i64_at(r, i, 1),
                 .bureau = text_or_null(r, i, 2),
                 .subject = PQgetvalue(r, i, 3),
                 .detail = PQgetvalue(r, i, 4),
                 .at = now};
    rc = tb_store_run_transaction(s, raise_txn, &f);
    if (rc == TB_STORE_OK && f.raised)
      (*raised)++;
  }
  PQclear(r);
  return rc;
}

static tb_store_status sweep_all(tb_store *s, const tb_rule_set *rules,
                                 int64_t now, int *raised) {
  const tb_calendar *cal = NULL;
  tb_store_status rc = tb_store_calendar_get(s, &cal);
  if (rc != TB_STORE_OK)
    return rc;
  char today[11];
  tb_date_format(tb_calendar_day_of(cal, now), today);
  def_settings d = {json_array(), json_array(), json_array()};
  rc = read_settings(s, &d);
  for (size_t i = 0; rc == TB_STORE_OK && i < rules->n; i++)
    rc = sweep_rule(s, &rules->items[i], today, &d, now, raised);
  json_decref(d.immediate);
  json_decref(d.keys);
  json_decref(d.mins);
  return rc;
}

tb_store_status tb_store_alerts_sweep(tb_store *s, const tb_rule_set *rules,
                                      int64_t now, int *raised) {
  *raised = 0;
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_SWEEP_LOCK, NULL, &r);
  if (rc != TB_STORE_OK)
    return rc;
  bool mine = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
  PQclear(r);
  if (!mine) { /* another node sweeps now */
    *raised = -1;
    return TB_STORE_OK;
  }
  rc = sweep_all(s, rules, now, raised);
  tb_store_status unlock = tb_store_exec(s, &S_SWEEP_UNLOCK, NULL, NULL);
  tb_log_kv(rc == TB_STORE_OK ? TB_LOG_DEBUG : TB_LOG_ERROR, "store",
            "supervision sweep", TB_LOG_I("raised", *raised),
            TB_LOG_S("status", tb_store_status_name(rc)));
  return rc != TB_STORE_OK ? rc : unlock;
}

/* ---- reading ------------------------------------------------------------- */

#define UTC(ts)                                                                \
  "to_char(" ts " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* One finding as JSON; s the card, a its application, t its task. */
#define ALERT_JSON                                                             \
  "json_build_object('id', s.id, 'rule', s.rule, 'name', s.detail->>'name', "  \
  "'kind', s.detail->>'kind', 'level', s.level, 'number', a.number, "          \
  "'service', a.definition_id, 'service_name', (SELECT d.name FROM "           \
  "definitions d WHERE d.id = a.definition_id AND d.version = "                \
  "a.definition_version), 'task', CASE WHEN t.id IS NULL THEN NULL ELSE "      \
  "json_build_object('id', t.id, 'name', t.name, 'state', t.state) END, "      \
  "'bureau', s.bureau, 'subject', s.subject, 'detail', s.detail - 'name' - "   \
  "'kind', 'raised_at', " UTC(                                                 \
      "s.raised_at") ", 'state', CASE WHEN "                                   \
                     "s.decision IS NOT NULL THEN s.decision WHEN "            \
                     "s.answered_at IS NOT NULL "                              \
                     "THEN 'answered' ELSE 'open' END, 'answer', CASE WHEN "   \
                     "s.answered_at IS "                                       \
                     "NULL THEN NULL ELSE json_build_object('kind', "          \
                     "s.answer_kind, 'text', "                                 \
                     "s.answer_text, 'by', (SELECT username FROM accounts "    \
                     "WHERE id = "                                             \
                     "s.answered_by), 'at', " UTC(                             \
                         "s.answered_at") ", 'file', (SELECT "                 \
                                          "json_build_object('name', f.name, " \
                                          "'media_type', f.media_type, "       \
                                          "'size', "                           \
                                          "f.size, 'sha256', "                 \
                                          "encode(f.sha256, 'hex')) FROM "     \
                                          "alert_files f WHERE "               \
                                          "f.alert_id = s.id)) END, "          \
                                          "'decision', CASE WHEN "             \
                                          "s.decided_at IS NULL "              \
                                          "THEN NULL ELSE "                    \
                                          "json_build_object('decision', "     \
                                          "s.decision, 'reason', "             \
                                          "s.decision_reason, 'by', (SELECT "  \
                                          "username FROM accounts WHERE id = " \
                                          "s.decided_by), 'at', " UTC(         \
                                              "s.decided_at") ") END, "        \
                                                              "'urges', CASE " \
                                                              "WHEN "          \
                                                              "s.task_id IS "  \
                                                              "NULL THEN 0 "   \
                                                              "ELSE (SELECT "  \
                                                              "count(*) FROM " \
                                                              "task_urges u "  \
                                                              "WHERE "         \
                                                              "u.task_id = "   \
                                                              "s.task_id) "    \
                                                              "END)"

#define ALERT_FROM                                                             \
  " FROM supervision_alerts s JOIN applications a ON a.id = "                  \
  "s.application_id LEFT JOIN tasks t ON t.id = s.task_id "

static const tb_store_stmt S_LIST = {
    "al_list",
    "SELECT json_build_object('items', coalesce(json_agg(x.j ORDER BY x.id "
    "DESC), '[]'), 'next', CASE WHEN count(*) = $8::int THEN min(x.id) "
    "END)::text FROM (SELECT s.id, " ALERT_JSON " AS j" ALERT_FROM
    "WHERE ($1::text IS NULL OR s.rule = $1) AND ($2::text IS NULL OR "
    "s.level = $2) AND ($3::text IS NULL OR s.bureau = $3 OR ($3 = '' AND "
    "s.bureau IS NULL)) AND ($4::date IS NULL OR tongban_local_day(extract("
    "epoch FROM s.raised_at)::bigint) >= $4::date) AND ($5::date IS NULL OR "
    "tongban_local_day(extract(epoch FROM s.raised_at)::bigint) <= "
    "$5::date) AND ($6::text IS NULL OR CASE $6 WHEN 'open' THEN "
    "s.answered_at IS NULL AND s.decided_at IS NULL WHEN 'answered' THEN "
    "s.answered_at IS NOT NULL AND s.decided_at IS NULL WHEN 'decided' THEN "
    "s.decided_at IS NOT NULL ELSE s.decision = $6 END) AND ($7::bigint = 0 "
    "OR s.id < $7::bigint) ORDER BY s.id DESC LIMIT $8::int) x",
    8};
static const tb_store_stmt S_ONE = {
    "al_one",
    "SELECT " ALERT_JSON "::text" ALERT_FROM "WHERE s.id = $1::bigint", 1};
static const tb_store_stmt S_COUNTS = {
    "al_counts",
    "WITH f AS (SELECT * FROM supervision_alerts WHERE $1::text IS NULL OR "
    "bureau = $1), u AS (SELECT t.bureau, count(*) AS n FROM task_urges x "
    "JOIN tasks t ON t.id = x.task_id WHERE $1::text IS NULL OR t.bureau = "
    "$1 GROUP BY t.bureau), b AS (SELECT bureau, count(*) AS total, count(*) "
    "FILTER (WHERE level = 'red') AS red, count(*) FILTER (WHERE level = "
    "'yellow') AS yellow, count(*) FILTER (WHERE level = 'red' AND "
    "decision IS DISTINCT FROM 'revoked') AS red_cards, count(*) FILTER "
    "(WHERE level = 'red' AND answered_at IS NULL AND decided_at IS NULL) "
    "AS to_answer FROM f GROUP BY bureau), r AS (SELECT bureau, "
    "json_object_agg(rule, n) AS rules FROM (SELECT bureau, rule, count(*) "
    "AS n FROM f GROUP BY bureau, rule) y GROUP BY bureau), k AS (SELECT "
    "DISTINCT bureau FROM b UNION SELECT bureau FROM u) SELECT "
    "json_build_object('bureaus', (SELECT coalesce(json_agg(json_build_"
    "object('bureau', k.bureau, 'total', coalesce(b.total, 0), 'red', "
    "coalesce(b.red, 0), 'yellow', coalesce(b.yellow, 0), 'red_cards', "
    "coalesce(b.red_cards, 0), 'to_answer', coalesce(b.to_answer, 0), "
    "'urges', coalesce(u.n, 0), 'rules', coalesce(r.rules, '{}')) ORDER BY "
    "k.bureau NULLS FIRST), '[]') FROM k LEFT JOIN b ON b.bureau IS NOT "
    "DISTINCT FROM k.bureau LEFT JOIN r ON r.bureau IS NOT DISTINCT FROM "
    "k.bureau LEFT JOIN u ON u.bureau IS NOT DISTINCT FROM k.bureau), "
    "'rules', (SELECT coalesce(json_object_agg(rule, n), '{}') FROM (SELECT "
    "rule, count(*) AS n FROM f GROUP BY rule) z), 'urges', (SELECT "
    "coalesce(sum(n), 0) FROM u))::text",
    1};

static const tb_store_stmt S_URGES = {
    "al_urges",
    "SELECT json_build_object('items', coalesce(json_agg(json_build_object("
    "'task', t.id, 'task_name', t.name, 'number', a.number, 'bureau', "
    "t.bureau, 'state', t.state, 'urges', u.n, 'reason', l.reason, 'by', "
    "(SELECT username FROM accounts WHERE id = l.urged_by), 'role', "
    "l.urged_role, 'at', " UTC(
        "l.urged_at") ") ORDER BY l.urged_at DESC, "
                      "l.id DESC), '[]'))::text FROM (SELECT task_id, count(*) "
                      "AS n, max(id) "
                      "AS last FROM task_urges GROUP BY task_id) u JOIN "
                      "task_urges l ON l.id = "
                      "u.last JOIN tasks t ON t.id = u.task_id JOIN "
                      "applications a ON a.id = "
                      "t.application_id WHERE t.state IN ('open', 'claimed') "
                      "AND ($1::text IS "
                      "NULL OR t.bureau = $1)",
    1};

tb_store_status tb_store_urges_read(tb_store *s, const char *bureau,
                                    char **json) {
  const char *params[] = {bureau};
  return tb_store_json_of(s, &S_URGES, params, json);
}

tb_store_status tb_store_alerts_read(tb_store *s, const tb_store_alert_query *q,
                                     char **json) {
  tb_store_num after = tb_store_i64(q->after), limit = tb_store_i64(q->limit);
  const char *params[] = {q->rule, q->level, q->bureau, q->from,
                          q->to,   q->state, after.v,   limit.v};
  return tb_store_json_of(s, &S_LIST, params, json);
}

tb_store_status tb_store_alert_read(tb_store *s, int64_t id, char **json) {
  tb_store_num n = tb_store_i64(id);
  const char *params[] = {n.v};
  return tb_store_json_of(s, &S_ONE, params, json);
}

tb_store_status tb_store_alerts_counts(tb_store *s, const char *bureau,
                                       char **json) {
  const char *params[] = {bureau};
  return tb_store_json_of(s, &S_COUNTS, params, json);
}

/* ---- answers and decisions ----------------------------------------------- */

static const tb_store_stmt S_CARD_APP = {
    "al_card_app",
    "SELECT application_id FROM supervision_alerts WHERE id = $1::bigint", 1};
static const tb_store_stmt S_CARD_LOCK = {
    "al_card_lock",
    "SELECT level, coalesce(bureau, ''), CASE WHEN decision IS NOT NULL "
    "THEN decision WHEN answered_at IS NOT NULL THEN 'answered' ELSE 'open' "
    "END, rule, coalesce(task_id, 0) FROM supervision_alerts WHERE id = "
    "$1::bigint FOR UPDATE",
    1};
static const tb_store_stmt S_ANSWER = {
    "al_answer",
    "UPDATE supervision_alerts SET answer_kind = $2, answer_text = $3, "
    "answered_by = $4::bigint, answered_at = to_timestamp($5::bigint) WHERE "
    "id = $1::bigint",
    5};
static const tb_store_stmt S_DECIDE = {
    "al_decide",
    "UPDATE supervision_alerts SET decision = $2, decision_reason = $3, "
    "decided_by = $4::bigint, decided_at = to_timestamp($5::bigint) WHERE "
    "id = $1::bigint",
    5};
static const tb_store_stmt S_FILE_INSERT = {
    "al_file_insert",
    "INSERT INTO alert_files (alert_id, content, sha256, size, media_type, "
    "name, added_by, audit_seq, added_at) VALUES ($1::bigint, decode($2, "
    "'hex'), decode($3, 'hex'), $4::bigint, $5, $6, $7::bigint, "
    "$8::integer, to_timestamp($9::bigint))",
    9};
static const tb_store_stmt S_FILE_READ = {
    "al_file_read",
    "SELECT media_type, name, size, content FROM alert_files WHERE alert_id "
    "= $1::bigint",
    1};

/* The card, locked after its application: level, bureau, state. */
typedef struct {
  locked_app app;
  char level[8], bureau[64], state[16], rule[64];
  int64_t task;
} locked_card;

static tb_store_status lock_card(tb_store *s, int64_t id, locked_card *c) {
  tb_store_num n = tb_store_i64(id);
  const char *params[] = {n.v};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_CARD_APP, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  int64_t app = i64_at(r, 0, 0);
  PQclear(r);
  rc = lock_app(s, app, &c->app);
  if (rc == TB_STORE_OK)
    rc = tb_store_exec_row(s, &S_CARD_LOCK, params, &r);
  if (rc != TB_STORE_OK)
    return rc == TB_STORE_NOT_FOUND ? TB_STORE_ERROR : rc;
  tb_store_copy(c->level, sizeof c->level, PQgetvalue(r, 0, 0));
  tb_store_copy(c->bureau, sizeof c->bureau, PQgetvalue(r, 0, 1));
  tb_store_copy(c->state, sizeof c->state, PQgetvalue(r, 0, 2));
  tb_store_copy(c->rule, sizeof c->rule, PQgetvalue(r, 0, 3));
  c->task = i64_at(r, 0, 4);
  PQclear(r);
  return TB_STORE_OK;
}

static tb_store_status refuse(tb_store_alert_result *out,
                              tb_store_alert_refusal why,
                              const locked_card *c) {
  out->refusal = why;
  tb_store_copy(out->state, sizeof out->state, c->state);
  tb_store_copy(out->bureau, sizeof out->bureau, c->bureau);
  return TB_STORE_REFUSED;
}

static tb_store_alert_refusal answer_refusal(const locked_card *c,
                                             const tb_store_actor *actor) {
  if (strcmp(c->level, "red") != 0)
    return TB_STORE_ALERT_NOT_RED;
  if (!actor->bureau || strcmp(c->bureau, actor->bureau) != 0)
    return TB_STORE_ALERT_WRONG_BUREAU;
  if (strcmp(c->state, "answered") == 0)
    return TB_STORE_ALERT_ANSWERED;
  if (strcmp(c->state, "open") != 0)
    return TB_STORE_ALERT_DECIDED;
  return TB_STORE_ALERT_DONE;
}

static tb_store_status store_file(tb_store *s, int64_t id,
                                  const tb_store_alert_answer *a,
                                  const tb_store_actor *actor, int32_t seq,
                                  int64_t at) {
  uint8_t sha[32];
  char sha_hex[65];
  tb_store_sha256(a->bytes, a->size, NULL, 0, sha);
  tb_hex_encode(sha, 32, sha_hex);
  char *hex = tb_xmalloc(2 * a->size + 1);
  tb_hex_encode(a->bytes, a->size, hex);
  tb_store_num card = tb_store_i64(id), size = tb_store_i64((int64_t)a->size),
               by = tb_store_i64(actor->id), sq = tb_store_i64(seq),
               when = tb_store_i64(at);
  const char *params[] = {card.v,       hex,  sha_hex, size.v, a->media_type,
                          a->file_name, by.v, sq.v,    when.v};
  tb_store_status rc = tb_store_exec(s, &S_FILE_INSERT, params, NULL);
  free(hex);
  return rc;
}

static json_t *answer_payload(int64_t id, const locked_card *c,
                              const tb_store_alert_answer *a) {
  json_t *p =
      json_pack("{s:I, s:s, s:s, s:s, s:s}", "alert", (json_int_t)id, "rule",
                c->rule, "bureau", c->bureau, "kind", a->kind, "text", a->text);
  if (a->bytes) {
    uint8_t sha[32];
    char hex[65];
    tb_store_sha256(a->bytes, a->size, NULL, 0, sha);
    tb_hex_encode(sha, 32, hex);
    json_object_set_new(p, "file",
                        json_pack("{s:s, s:s, s:I, s:s}", "name", a->file_name,
                                  "media_type", a->media_type, "size",
                                  (json_int_t)a->size, "sha256", hex));
  }
  return p;
}

tb_store_status tb_store_alert_answer_in(tb_store *s, int64_t id,
                                         const tb_store_alert_answer *a,
                                         const tb_store_actor *actor,
                                         int64_t at,
                                         tb_store_alert_result *out) {
  memset(out, 0, sizeof *out);
  locked_card c;
  tb_store_status rc = lock_card(s, id, &c);
  if (rc != TB_STORE_OK)
    return rc;
  tb_store_alert_refusal why = answer_refusal(&c, actor);
  if (why != TB_STORE_ALERT_DONE)
    return refuse(out, why, &c);
  tb_store_num card = tb_store_i64(id), by = tb_store_i64(actor->id),
               when = tb_store_i64(at);
  const char *params[] = {card.v, a->kind, a->text, by.v, when.v};
  rc = tb_store_exec(s, &S_ANSWER, params, NULL);
  json_t *extra =
      json_pack("{s:I, s:s}", "alert", (json_int_t)id, "bureau", c.bureau);
  if (rc == TB_STORE_OK)
    rc = append_event(s, &c.app, actor, "alert_answered",
                      answer_payload(id, &c, a), extra, &out->seq);
  else
    json_decref(extra);
  if (rc == TB_STORE_OK && a->bytes)
    rc = store_file(s, id, a, actor, out->seq, at);
  tb_store_copy(out->bureau, sizeof out->bureau, c.bureau);
  tb_store_copy(out->state, sizeof out->state, "answered");
  return rc;
}

tb_store_status
tb_store_alert_decide_in(tb_store *s, int64_t id, const char *decision,
                         const char *reason, const tb_store_actor *actor,
                         int64_t at, tb_store_alert_result *out) {
  memset(out, 0, sizeof *out);
  locked_card c;
  tb_store_status rc = lock_card(s, id, &c);
  if (rc != TB_STORE_OK)
    return rc;
  if (strcmp(c.state, "open") != 0 && strcmp(c.state, "answered") != 0)
    return refuse(out, TB_STORE_ALERT_DECIDED, &c);
  tb_store_num card = tb_store_i64(id), by = tb_store_i64(actor->id),
               when = tb_store_i64(at);
  const char *params[] = {card.v, decision, reason, by.v, when.v};
  rc = tb_store_exec(s, &S_DECIDE, params, NULL);
  json_t *payload = json_pack("{s:I, s:s, s:s, s:s, s:s}", "alert",
                              (json_int_t)id, "rule", c.rule, "bureau",
                              c.bureau, "decision", decision, "reason", reason);
  json_t *extra =
      json_pack("{s:I, s:s}", "alert", (json_int_t)id, "bureau", c.bureau);
  if (rc == TB_STORE_OK)
    return append_event(s, &c.app, actor, "alert_decided", payload, extra,
                        &out->seq);
  json_decref(payload);
  json_decref(extra);
  return rc;
}

tb_store_status tb_store_alert_file_read(tb_store *s, int64_t alert_id,
                                         tb_store_file *out) {
  memset(out, 0, sizeof *out);
  tb_store_num n = tb_store_i64(alert_id);
  const char *params[] = {n.v};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_FILE_READ, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  tb_store_copy(out->media_type, sizeof out->media_type, PQgetvalue(r, 0, 0));
  tb_store_copy(out->name, sizeof out->name, PQgetvalue(r, 0, 1));
  int64_t len = i64_at(r, 0, 2);
  uint8_t *b = tb_xmalloc(len > 0 ? (size_t)len : 1);
  if (len <= 0 || !tb_store_unhex_bytea(PQgetvalue(r, 0, 3), b, (size_t)len)) {
    free(b);
    PQclear(r);
    return TB_STORE_ERROR;
  }
  PQclear(r);
  out->bytes = b;
  out->size = (size_t)len;
  return TB_STORE_OK;
}

/* ---- 催办 ------------------------------------------------------------------
 */

static const tb_store_stmt S_TASK_APP = {
    "al_task_app", "SELECT application_id FROM tasks WHERE id = $1::bigint", 1};
static const tb_store_stmt S_TASK_READ = {
    "al_task_read",
    "SELECT state, bureau, name FROM tasks WHERE id = $1::bigint", 1};
static const tb_store_stmt S_URGE = {
    "al_urge",
    "INSERT INTO task_urges (task_id, application_id, urged_by, urged_role, "
    "reason, urged_at) VALUES ($1::bigint, $2::bigint, $3::bigint, $4, $5, "
    "to_timestamp($6::bigint)) RETURNING (SELECT count(*) + 1 FROM "
    "task_urges WHERE task_id = $1::bigint)",
    6};

typedef struct {
  char state[16], bureau[64], name[256];
} task_row;

static tb_store_status lock_task(tb_store *s, int64_t task_id, locked_app *a,
                                 task_row *t) {
  tb_store_num n = tb_store_i64(task_id);
  const char *params[] = {n.v};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_TASK_APP, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  int64_t app = i64_at(r, 0, 0);
  PQclear(r);
  rc = lock_app(s, app, a);
  if (rc == TB_STORE_OK) /* tasks change only under the application's lock */
    rc = tb_store_exec_row(s, &S_TASK_READ, params, &r);
  if (rc != TB_STORE_OK)
    return rc == TB_STORE_NOT_FOUND ? TB_STORE_ERROR : rc;
  tb_store_copy(t->state, sizeof t->state, PQgetvalue(r, 0, 0));
  tb_store_copy(t->bureau, sizeof t->bureau, PQgetvalue(r, 0, 1));
  tb_store_copy(t->name, sizeof t->name, PQgetvalue(r, 0, 2));
  PQclear(r);
  return TB_STORE_OK;
}

static tb_store_status insert_urge(tb_store *s, int64_t task_id,
                                   const locked_app *a, const char *reason,
                                   const tb_store_actor *actor, int64_t at,
                                   int *urges) {
  tb_store_num task = tb_store_i64(task_id), app = tb_store_i64(a->id),
               by = tb_store_i64(actor->id), when = tb_store_i64(at);
  const char *params[] = {task.v, app.v, by.v, actor->role, reason, when.v};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_URGE, params, &r);
  if (rc != TB_STORE_OK)
    return rc == TB_STORE_NOT_FOUND ? TB_STORE_ERROR : rc;
  *urges = (int)i64_at(r, 0, 0);
  PQclear(r);
  return TB_STORE_OK;
}

tb_store_status tb_store_task_urge_in(tb_store *s, int64_t task_id,
                                      const char *reason,
                                      const tb_store_actor *actor, int64_t at,
                                      const tb_rule *rule,
                                      tb_store_alert_result *out) {
  memset(out, 0, sizeof *out);
  locked_app a;
  task_row t;
  tb_store_status rc = lock_task(s, task_id, &a, &t);
  if (rc != TB_STORE_OK)
    return rc;
  tb_store_copy(out->state, sizeof out->state, t.state);
  tb_store_copy(out->bureau, sizeof out->bureau, t.bureau);
  if (strcmp(t.state, "open") != 0 && strcmp(t.state, "claimed") != 0) {
    out->refusal = TB_STORE_ALERT_TASK_CLOSED;
    return TB_STORE_REFUSED;
  }
  rc = insert_urge(s, task_id, &a, reason, actor, at, &out->urges);
  if (rc != TB_STORE_OK)
    return rc;
  json_t *payload = json_pack(
      "{s:I, s:s, s:s, s:s, s:i}", "task", (json_int_t)task_id, "task_name",
      t.name, "bureau", t.bureau, "reason", reason, "urges", out->urges);
  json_t *extra = json_pack("{s:I, s:s, s:i}", "task", (json_int_t)task_id,
                            "bureau", t.bureau, "urges", out->urges);
  rc = append_event(s, &a, actor, "task_urged", payload, extra, &out->seq);
  if (rc != TB_STORE_OK || !rule || out->urges < rule->threshold)
    return rc;
  char detail[64];
  snprintf(detail, sizeof detail, "{\"urges\": %d}", out->urges);
  finding f = {.rule = rule,
               .app = a.id,
               .task = task_id,
               .bureau = t.bureau,
               .subject = "",
               .detail = detail,
               .at = at};
  rc = raise_in(s, &f);
  out->raised = f.raised;
  return rc;
}
