/*
 * tb_store_stats.c — the statistics of electronic supervision, computed
 * by PostgreSQL (declared in tb_store_stats.h).
 *
 * One statement per grouping, each built at compile time from the same
 * parts: the applications in the range (AP: one scan of applications by
 * the acceptance or completion instant, sql/0011_statistics.sql), then
 * three sets that differ by grouping — the units U (key, done, in_time,
 * dur, returns, denials), the ratings RS (key, grade, fixed) and the red
 * cards RC (key) — and one final aggregation (FINAL) over them. Working
 * time comes from the database's one working-day calendar: each instant's
 * date is joined to a numbered span of days (tb_calendar_span) and
 * tb_span_time adds the fractions, so a statement costs one hash join
 * per instant instead of a day-by-day count per row.
 * Parameters only: $1 from, $2 to (dates), $3 the basis.
 */
#include "tb_store_stats.h"
#include "tb_store_int.h"

#include <stdlib.h>
#include <string.h>

#define DONE "('approved', 'denied', 'delivered', 'awaiting_materials')"

/* The range as instants, and the applications in it with their local
 * times (la, lb). In AP_TIMES, sp numbers the days they span
 * (tb_calendar_span) and dur is the working time (tb_span_time,
 * sql/0011_statistics.sql). */
#define AP                                                                     \
  "WITH r AS (SELECT make_interval(secs => utc_offset) AS off, "               \
  "($1::date::timestamp - make_interval(secs => utc_offset)) AT TIME ZONE "    \
  "'UTC' AS lo, (($2::date + 1)::timestamp - make_interval(secs => "           \
  "utc_offset)) AT TIME ZONE 'UTC' AS hi FROM calendar_meta LIMIT 1), "        \
  "ap0 AS (SELECT a.id, a.definition_id, a.status, a.channel, "                \
  "a.accepted_by, a.deadline, a.finished_at IS NOT NULL AND a.status IN " DONE \
  " AS done, (a.accepted_at AT TIME ZONE 'UTC') + r.off AS la, "               \
  "(a.finished_at AT TIME ZONE 'UTC') + r.off AS lb, r.off "                   \
  "FROM applications a, r WHERE a.accepted_at IS NOT NULL AND CASE WHEN "      \
  "$3::text = 'completed' THEN a.finished_at >= r.lo AND a.finished_at < "     \
  "r.hi AND a.status IN " DONE " ELSE a.accepted_at >= r.lo AND "              \
  "a.accepted_at < r.hi END), "
/* Whole applications: their working time from acceptance to completion,
 * and their returns. */
#define AP_TIMES                                                               \
  "sp AS (SELECT c.* FROM (SELECT min(la)::date AS x, greatest(max(lb), "      \
  "max(la))::date AS y FROM ap0) b, tb_calendar_span(b.x, b.y) c), "           \
  "ap AS (SELECT ap0.*, done AND (deadline IS NULL OR lb::date <= "            \
  "deadline) AS in_time, CASE WHEN done THEN tb_span_time(la, lb, "            \
  "sa.before, sa.w, sb.before, sb.w) END AS dur FROM ap0 LEFT JOIN sp sa ON "  \
  "sa.day = la::date LEFT JOIN sp sb ON sb.day = lb::date), "                  \
  "ret AS (SELECT t.application_id AS id, count(*) AS n FROM tasks t JOIN "    \
  "ap ON ap.id = t.application_id WHERE t.decision = 'return' GROUP BY 1), "
/* Whole applications as units, grouped by the expression K over ap. */
#define APP_UNITS(K)                                                           \
  "u AS (SELECT " K " AS k, ap.done, ap.in_time, ap.dur, "                     \
  "coalesce(ret.n, 0) AS returns, (ap.status = 'denied')::int AS denials "     \
  "FROM ap LEFT JOIN ret ON ret.id = ap.id), "
/* A rating set: ratings joined to ap on COND, grouped by K. */
#define RATINGS(K, COND)                                                       \
  "rs AS (SELECT " K " AS k, rt.grade, EXISTS (SELECT 1 FROM "                 \
  "rectifications x, r WHERE x.rating_id = rt.id AND x.state = 'closed' "      \
  "AND ((x.replied_at AT TIME ZONE 'UTC') + r.off)::date <= x.due) AS fixed "  \
  "FROM ap JOIN ratings "                                                      \
  "rt ON rt.application_id = ap.id AND " COND "), "
/* Red cards (red alerts not revoked) on ap with COND, grouped by K. */
#define REDS(K, COND)                                                          \
  "rc AS (SELECT " K " AS k FROM ap JOIN supervision_alerts sa ON "            \
  "sa.application_id = ap.id WHERE sa.level = 'red' AND sa.decision IS "       \
  "DISTINCT FROM 'revoked' AND " COND ") "
/* The rows, named by NAME (an expression over g.k); tb_days1 and tb_rate
 * (sql/0011_statistics.sql) round days and rates. */
#define FINAL(NAME)                                                            \
  "SELECT coalesce(json_agg(json_build_object('key', g.k, 'name', " NAME       \
  ", 'applications', g.applications, 'completed', g.completed, "               \
  "'on_time', g.on_time, 'on_time_rate', tb_rate(g.on_time, g.completed), "    \
  "'average_days', tb_days1(g.avg_d), 'p90_days', tb_days1(g.p90_d), "         \
  "'returns', g.returns, 'denials', g.denials, 'red_cards', "                  \
  "coalesce(c.n, 0), 'rated', coalesce(s.rated, 0), 'grade_1', "               \
  "coalesce(s.g1, 0), 'grade_2', coalesce(s.g2, 0), 'grade_3', "               \
  "coalesce(s.g3, 0), 'grade_4', coalesce(s.g4, 0), 'grade_5', "               \
  "coalesce(s.g5, 0), 'satisfaction_rate', tb_rate(s.g4 + s.g5, "              \
  "s.rated), 'bad', coalesce(s.g1 + s.g2, 0), 'bad_fixed_on_time', "           \
  "coalesce(s.fixed, 0)) ORDER BY g.k), '[]')::text FROM "                     \
  "(SELECT k, count(*) AS applications, count(*) FILTER (WHERE done) AS "      \
  "completed, count(*) FILTER (WHERE done AND in_time) AS on_time, "           \
  "avg(dur) AS avg_d, percentile_cont(0.9) WITHIN GROUP (ORDER BY dur) AS "    \
  "p90_d, sum(returns)::bigint AS returns, sum(denials)::bigint AS "           \
  "denials FROM u GROUP BY k) g "                                              \
  "LEFT JOIN (SELECT k, count(*) AS n FROM rc GROUP BY k) c ON c.k = g.k "     \
  "LEFT JOIN (SELECT k, count(*) AS rated, count(*) FILTER (WHERE grade = "    \
  "1) AS g1, count(*) FILTER (WHERE grade = 2) AS g2, count(*) FILTER "        \
  "(WHERE grade = 3) AS g3, count(*) FILTER (WHERE grade = 4) AS g4, "         \
  "count(*) FILTER (WHERE grade = 5) AS g5, count(*) FILTER (WHERE grade "     \
  "<= 2 AND fixed) AS fixed FROM rs GROUP BY k) s ON s.k = g.k"

/* Per service: the whole application; the name of its newest version. */
static const tb_store_stmt S_BY_SERVICE = {
    "stats_by_service",
    AP AP_TIMES APP_UNITS("ap.definition_id") RATINGS("ap.definition_id",
                                                      "rt.bureau IS NULL")
        REDS("ap.definition_id", "true")
            FINAL("(SELECT d.name FROM definitions d WHERE d.id = g.k ORDER BY "
                  "d.version DESC LIMIT 1)"),
    3};

/* Per window: the clerk who accepted, or the channel when none is
 * recorded. */
#define WINDOW_KEY                                                             \
  "CASE WHEN ap.accepted_by IS NULL THEN 'channel:' || ap.channel ELSE "       \
  "'clerk:' || ap.accepted_by END"
static const tb_store_stmt S_BY_WINDOW = {
    "stats_by_window",
    AP AP_TIMES APP_UNITS(WINDOW_KEY) RATINGS(WINDOW_KEY, "rt.bureau IS NULL")
        REDS(WINDOW_KEY, "sa.bureau IS NULL") FINAL(
            "(SELECT ac.username FROM accounts ac WHERE g.k LIKE 'clerk:%' "
            "AND ac.id = substr(g.k, 7)::bigint)"),
    3};

/* Per bureau: its part of each application, from its tasks (local
 * times ls, le; bsp numbers the days they span). */
static const tb_store_stmt S_BY_BUREAU = {
    "stats_by_bureau",
    AP "ap AS (SELECT id, off FROM ap0), bt AS (SELECT t.bureau AS k, "
       "t.application_id, bool_and(t.state IN "
       "('decided', 'cancelled')) AND bool_or(t.state = 'decided') AS done, "
       "min((t.created_at AT TIME ZONE 'UTC') + ap.off) AS ls, "
       "max((t.decided_at AT TIME ZONE 'UTC') + ap.off) AS le, "
       "bool_and(t.state <> 'decided' OR t.deadline IS NULL OR ((t.decided_at "
       "AT TIME ZONE 'UTC') + ap.off)::date <= t.deadline) AS in_time, "
       "count(*) FILTER (WHERE t.decision = 'return') AS returns, "
       "count(*) FILTER (WHERE t.decision = 'deny') AS denials FROM tasks t "
       "JOIN ap ON ap.id = t.application_id WHERE t.state <> 'cancelled' OR "
       "t.decided_at IS NOT NULL GROUP BY 1, 2), "
       "bsp AS (SELECT c.* FROM (SELECT min(ls)::date AS x, greatest(max(le), "
       "max(ls))::date AS y FROM bt) b, tb_calendar_span(b.x, b.y) c), "
       "u AS (SELECT k, done, done AND in_time AS in_time, CASE WHEN done THEN "
       "tb_span_time(ls, le, sa.before, sa.w, sb.before, sb.w) END AS dur, "
       "returns, (denials > 0)::int AS denials FROM bt LEFT JOIN bsp sa ON "
       "sa.day = ls::date LEFT JOIN bsp sb ON sb.day = le::date), " RATINGS(
           "rt.bureau", "rt.bureau IS NOT NULL")
           REDS("sa.bureau", "sa.bureau IS NOT NULL") FINAL("NULL::text"),
    3};

/* A statement this size is planned above jit_above_cost, and compiling
 * it takes PostgreSQL seconds for a query that runs in a fraction of
 * one: JIT is turned off for the statistics' transaction only. */
static const tb_store_stmt S_NO_JIT = {
    "stats_no_jit",
    "SELECT set_config('jit', 'off', true), "
    /* a year of a large region may take minutes, more than the server
     * role's statement timeout allows (README, "Secrets and the
     * database") */
    "set_config('statement_timeout', '600s', true)",
    0};

typedef struct {
  const tb_store_stmt *st;
  const char *params[3];
  char *json;
} stats_job;

static tb_store_status stats_body(tb_store *s, void *cls) {
  stats_job *j = cls;
  free(j->json); /* a retry starts over */
  j->json = NULL;
  tb_store_status rc = tb_store_exec(s, &S_NO_JIT, NULL, NULL);
  PGresult *r;
  if (rc == TB_STORE_OK)
    rc = tb_store_exec_row(s, j->st, j->params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  const char *v = PQgetvalue(r, 0, 0);
  j->json = tb_xstrndup(v, strlen(v));
  PQclear(r);
  return TB_STORE_OK;
}

tb_store_status tb_store_stats_read(tb_store *s, tb_stats_by by,
                                    tb_stats_basis basis, const char *from,
                                    const char *to, char **json) {
  *json = NULL;
  stats_job j = {
      by == TB_STATS_BY_SERVICE  ? &S_BY_SERVICE
      : by == TB_STATS_BY_WINDOW ? &S_BY_WINDOW
                                 : &S_BY_BUREAU,
      {from, to, basis == TB_STATS_COMPLETED ? "completed" : "accepted"},
      NULL};
  tb_store_status rc = tb_store_run_transaction(s, stats_body, &j);
  if (rc != TB_STORE_OK) {
    free(j.json);
    return rc;
  }
  *json = j.json;
  return TB_STORE_OK;
}
