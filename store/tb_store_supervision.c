/*
 * tb_store_supervision.c — electronic supervision (电子监察) reads.
 *
 * Expired online applications (never accepted) count nowhere here.
 *
 * The overview and the alert lists are JSON text that PostgreSQL builds
 * from applications, tasks and the calendar (working days count the
 * calendar's exceptions to Monday–Friday, dates taken in the calendar's
 * UTC offset). Declared in tb_store_supervision.h; the change events
 * that feed the live stream are store/tb_store_events.c's.
 */
#include "tb_store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Working days after the local date of $a up to the local date of $b
 * (inclusive), by the database's one working-day count (tb_workdays,
 * sql/0011_statistics.sql). */
#define LOCAL(ts) "((" ts ") AT TIME ZONE 'UTC' + m.off)::date"
#define WORKDAYS(from, to) "tb_workdays((" from ") + 1, (" to ") + 1)"

#define OPEN_STATES                                                            \
  "('submitted', 'awaiting_supplement', 'in_review', 'returned', "             \
  "'suspended')"

static const tb_store_stmt S_OVERVIEW = {
    "sup_overview",
    "WITH m AS (SELECT make_interval(secs => utc_offset) AS off FROM "
    "calendar_meta LIMIT 1), "
    "today AS (SELECT " LOCAL(
        "now()") " AS d FROM m), "
                 "counts AS (SELECT coalesce(json_object_agg(status, n), "
                 "'{}') AS j FROM "
                 "(SELECT status, count(*) AS n FROM applications WHERE "
                 "status <> 'expired' GROUP BY status) x), "
                 "warn AS (SELECT json_build_object("
                 "'yellow', count(*) FILTER (WHERE warning = 'yellow'), "
                 "'red', count(*) FILTER (WHERE warning = 'red')) AS j FROM "
                 "applications "
                 "WHERE status IN " OPEN_STATES "), "
                 "tk AS (SELECT t.bureau, t.state, t.deadline, "
                 "CASE WHEN t.decided_at IS NOT NULL THEN " WORKDAYS(
                     LOCAL("t.created_at"),
                     LOCAL(
                         "t.decided_at")) " END AS days, "
                                          "CASE WHEN t.state = 'decided' "
                                          "THEN " LOCAL(
                                              "t.decided_at") " > t.deadline "
                                                              "WHEN t.state "
                                                              "IN ('open', "
                                                              "'claimed') "
                                                              "THEN (SELECT d "
                                                              "FROM today) > "
                                                              "t.deadline "
                                                              "ELSE false "
                                                              "END AS late "
                                                              "FROM tasks t, "
                                                              "m WHERE "
                                                              "t.state <> "
                                                              "'cancelled'), "
                                                              "bureaus AS "
                                                              "(SELECT "
                                                              "coalesce(json_"
                                                              "agg(json_build_"
                                                              "object("
                                                              "'bureau', "
                                                              "bureau, "
                                                              "'handled', "
                                                              "handled, "
                                                              "'open', open, "
                                                              "'average_days',"
                                                              " "
                                                              "avg_days, "
                                                              "'overdue', "
                                                              "late, "
                                                              "'overdue_rate',"
                                                              " CASE WHEN "
                                                              "handled + open "
                                                              "> 0 "
                                                              "THEN "
                                                              "round(late::"
                                                              "numeric / "
                                                              "(handled + "
                                                              "open), 4) ELSE "
                                                              "0 END) "
                                                              "ORDER BY "
                                                              "bureau), '[]') "
                                                              "AS j FROM "
                                                              "(SELECT "
                                                              "bureau, "
                                                              "count(*) "
                                                              "FILTER (WHERE "
                                                              "state = "
                                                              "'decided') AS "
                                                              "handled, "
                                                              "count(*) "
                                                              "FILTER (WHERE "
                                                              "state IN "
                                                              "('open', "
                                                              "'claimed')) AS "
                                                              "open, "
                                                              "round(avg(days)"
                                                              ", 2) AS "
                                                              "avg_days, "
                                                              "count(*) "
                                                              "FILTER (WHERE "
                                                              "late) AS late "
                                                              "FROM tk GROUP "
                                                              "BY bureau) b), "
                                                              "ap AS (SELECT "
                                                              "a.definition_"
                                                              "id AS service, "
                                                              "a.status, "
                                                              "a.deadline, "
                                                              "a.warning, "
                                                              "nullif((a."
                                                              "state->>'"
                                                              "accepted_at')::"
                                                              "bigint, 0) AS "
                                                              "acc, "
                                                              "nullif((a."
                                                              "state->>'"
                                                              "finished_at')::"
                                                              "bigint, 0) AS "
                                                              "fin FROM "
                                                              "applications "
                                                              "a WHERE "
                                                              "a.status <> "
                                                              "'expired'), "
                                                              "ap2 AS (SELECT "
                                                              "ap.*, CASE "
                                                              "WHEN acc IS "
                                                              "NOT NULL AND "
                                                              "fin IS NOT "
                                                              "NULL "
                                                              "THEN " WORKDAYS(
                                                                  LOCAL(
                                                                      "to_"
                                                                      "timesta"
                                                                      "mp("
                                                                      "acc)"),
                                                                  LOCAL(
                                                                      "to_"
                                                                      "times"
                                                                      "tamp("
                                                                      "fin"
                                                                      ")")) " E"
                                                                            "ND"
                                                                            " A"
                                                                            "S "
                                                                            "da"
                                                                            "ys"
                                                                            ", "
                                                                            "CA"
                                                                            "SE"
                                                                            " W"
                                                                            "HE"
                                                                            "N "
                                                                            "fi"
                                                                            "n "
                                                                            "IS"
                                                                            " N"
                                                                            "OT"
                                                                            " N"
                                                                            "UL"
                                                                            "L "
                                                                            "TH"
                                                                            "EN"
                                                                            " " LOCAL(
                                                                                "to_timestamp(fin)") " > deadline "
                                                                                                     "ELSE "
                                                                                                     "warning = 'red' "
                                                                                                     "END AS late "
                                                                                                     "FROM ap, m), "
                                                                                                     "services AS (SELECT coalesce(json_agg(json_build_object("
                                                                                                     "'service', s.service, 'name', (SELECT name FROM definitions d WHERE "
                                                                                                     "d.id = s.service ORDER BY version DESC LIMIT 1), 'total', total, "
                                                                                                     "'handled', handled, 'open', open, 'average_days', avg_days, 'overdue', "
                                                                                                     "late, 'overdue_rate', CASE WHEN handled + open > 0 THEN "
                                                                                                     "round(late::numeric / (handled + open), 4) ELSE 0 END) "
                                                                                                     "ORDER BY s.service), '[]') AS j FROM (SELECT service, count(*) AS total, "
                                                                                                     "count(*) FILTER (WHERE fin IS NOT NULL) AS handled, "
                                                                                                     "count(*) FILTER (WHERE status IN " OPEN_STATES
                                                                                                     ") AS open, "
                                                                                                     "round(avg(days), 2) AS avg_days, count(*) FILTER (WHERE late) AS late "
                                                                                                     "FROM ap2 GROUP BY service) s) "
                                                                                                     "SELECT json_build_object('counts', (SELECT j FROM counts), 'warnings', "
                                                                                                     "(SELECT j FROM warn), 'bureaus', (SELECT j FROM bureaus), 'services', "
                                                                                                     "(SELECT j FROM services), 'today', (SELECT d FROM today), 'at', "
                                                                                                     "now())::text",
    0};

/* The level of an open application's alert, from the stored cards of the
 * application and its open tasks (engine/tb_card.c decides them): red
 * when any is red, yellow when any is yellow, NULL when none. The alert
 * list and the counts use this one expression. */
#define TASK_CARD(level)                                                       \
  "EXISTS (SELECT 1 FROM tasks t WHERE t.application_id = a.id AND t.state "   \
  "IN ('open', 'claimed') AND t.warning = '" level "')"
#define ALERT_LEVEL                                                            \
  "(CASE WHEN a.warning = 'red' OR " TASK_CARD("red") " THEN 'red' WHEN "      \
                                                      "a.warning = 'yellow' "  \
                                                      "OR " TASK_CARD(         \
                                                          "yellow") " THEN "   \
                                                                    "'yellow'" \
                                                                    " END)"

static const tb_store_stmt S_ALERTS = {
    "sup_alerts",
    "SELECT coalesce(json_agg(x ORDER BY x.level = 'red' DESC, x.deadline "
    "NULLS LAST, x.number), '[]')::text FROM (SELECT a.number, "
    "a.definition_id AS service, (SELECT name FROM definitions d WHERE d.id = "
    "a.definition_id AND d.version = a.definition_version) AS service_name, "
    "a.status AS state, a.warning, a.deadline, " ALERT_LEVEL " AS level, "
    "(SELECT coalesce(json_agg(json_build_object('id', t.id, 'bureau', "
    "t.bureau, 'task', t.name, 'state', t.state, 'deadline', t.deadline, "
    "'warning', t.warning) ORDER BY t.deadline, t.bureau), '[]') FROM tasks "
    "t WHERE t.application_id = a.id AND t.state IN ('open', 'claimed')) AS "
    "tasks FROM applications a WHERE a.status IN " OPEN_STATES ") x WHERE "
    "x.level IS NOT NULL AND ($1::text IS NULL OR x.level = $1) "
    "LIMIT $2::integer",
    2};

/* The counts of the same cards, and the calendar's coverage: {"warnings":
 * {yellow, red} (alert levels, as the list), "task_warnings": {yellow, red}
 * (open tasks' cards, as the worklist), "calendar": {source,
 * covered_until, provisional}}. */
static const tb_store_stmt S_CARDS = {
    "sup_cards",
    "WITH lv AS (SELECT " ALERT_LEVEL " AS level FROM applications a WHERE "
    "a.status IN " OPEN_STATES "), tk AS (SELECT t.warning FROM tasks t "
    "WHERE t.state IN ('open', 'claimed') AND t.warning <> 'none'), "
    "m AS (SELECT source, covered_until FROM calendar_meta LIMIT 1) "
    "SELECT json_build_object('warnings', (SELECT json_build_object('yellow', "
    "count(*) FILTER (WHERE level = 'yellow'), 'red', count(*) FILTER (WHERE "
    "level = 'red')) FROM lv), 'task_warnings', (SELECT json_build_object("
    "'yellow', count(*) FILTER (WHERE warning = 'yellow'), 'red', count(*) "
    "FILTER (WHERE warning = 'red')) FROM tk), 'calendar', (SELECT "
    "json_build_object('source', m.source, 'covered_until', m.covered_until, "
    "'provisional', (SELECT count(*) FROM applications a WHERE a.status IN "
    "('in_review', 'returned', 'suspended') AND a.deadline IS NOT NULL AND "
    "(m.covered_until IS NULL OR a.deadline > m.covered_until))) FROM m))"
    "::text",
    0};

static tb_store_status json_text(tb_store *s, const tb_store_stmt *st,
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
  *json = tb_xstrndup(v, strlen(v));
  PQclear(r);
  return TB_STORE_OK;
}

tb_store_status tb_store_supervision_overview(tb_store *s, char **json) {
  return json_text(s, &S_OVERVIEW, NULL, json);
}

tb_store_status tb_store_supervision_cards(tb_store *s, char **json) {
  return json_text(s, &S_CARDS, NULL, json);
}

tb_store_status tb_store_supervision_alerts(tb_store *s, const char *level,
                                            int limit, char **json) {
  char lim[16];
  if (limit <= 0 || limit > 10000)
    limit = 10000;
  snprintf(lim, sizeof lim, "%d", limit);
  const char *params[2] = {level, lim};
  return json_text(s, &S_ALERTS, params, json);
}
