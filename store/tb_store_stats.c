/*
 * tb_store_stats.c — the statistics of electronic supervision, computed
 * by PostgreSQL (declared in tb_store_stats.h).
 *
 * One statement per grouping, each built at compile time from the same
 * parts: the applications in the range (AP: one scan of applications by
 * the acceptance or completion instant, sql/0010_statistics.sql), then
 * three sets that differ by grouping — the units U (key, done, in_time,
 * dur, returns, denials), the ratings RS (key, grade, fixed) and the red
 * cards RC (key) — and one final aggregation (FINAL) over them. Working
 * time is the database's one working-day computation, tb_working_time.
 * Parameters only: $1 from, $2 to (dates), $3 the basis.
 */
#include "tb_store_stats.h"
#include "tb_store_int.h"

#include <string.h>

#define DONE "('approved', 'denied', 'delivered', 'awaiting_materials')"

/* The range as instants, and the applications in it. */
#define AP                                                                     \
  "WITH r AS (SELECT make_interval(secs => utc_offset) AS off, "               \
  "($1::date::timestamp - make_interval(secs => utc_offset)) AT TIME ZONE "    \
  "'UTC' AS lo, (($2::date + 1)::timestamp - make_interval(secs => "           \
  "utc_offset)) AT TIME ZONE 'UTC' AS hi FROM calendar_meta LIMIT 1), "        \
  "ap0 AS (SELECT a.id, a.definition_id, a.status, a.channel, "                \
  "a.accepted_by, a.accepted_at, a.finished_at, a.deadline, "                  \
  "a.finished_at IS NOT NULL AND a.status IN " DONE " AS done, r.off "         \
  "FROM applications a, r WHERE a.accepted_at IS NOT NULL AND CASE WHEN "      \
  "$3::text = 'completed' THEN a.finished_at >= r.lo AND a.finished_at < "     \
  "r.hi AND a.status IN " DONE " ELSE a.accepted_at >= r.lo AND "              \
  "a.accepted_at < r.hi END), "                                                \
  "ap AS (SELECT ap0.*, done AND (deadline IS NULL OR ((finished_at AT "       \
  "TIME ZONE 'UTC') + off)::date <= deadline) AS in_time, CASE WHEN done "     \
  "THEN tb_working_time(accepted_at, finished_at) END AS dur FROM ap0), "      \
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
 * (sql/0010_statistics.sql) round days and rates. */
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
    AP APP_UNITS("ap.definition_id") RATINGS("ap.definition_id",
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
    AP APP_UNITS(WINDOW_KEY) RATINGS(WINDOW_KEY, "rt.bureau IS NULL")
        REDS(WINDOW_KEY, "sa.bureau IS NULL") FINAL(
            "(SELECT ac.username FROM accounts ac WHERE g.k LIKE 'clerk:%' "
            "AND ac.id = substr(g.k, 7)::bigint)"),
    3};

/* Per bureau: its part of each application, from its tasks. */
static const tb_store_stmt S_BY_BUREAU = {
    "stats_by_bureau",
    AP "bt AS (SELECT t.bureau AS k, t.application_id, bool_and(t.state IN "
       "('decided', 'cancelled')) AND bool_or(t.state = 'decided') AS done, "
       "min(t.created_at) AS started, max(t.decided_at) AS ended, "
       "bool_and(t.state <> 'decided' OR t.deadline IS NULL OR ((t.decided_at "
       "AT TIME ZONE 'UTC') + ap.off)::date <= t.deadline) AS in_time, "
       "count(*) FILTER (WHERE t.decision = 'return') AS returns, "
       "count(*) FILTER (WHERE t.decision = 'deny') AS denials FROM tasks t "
       "JOIN ap ON ap.id = t.application_id WHERE t.state <> 'cancelled' OR "
       "t.decided_at IS NOT NULL GROUP BY 1, 2), "
       "u AS (SELECT k, done, done AND in_time AS in_time, CASE WHEN done THEN "
       "tb_working_time(started, ended) END AS dur, returns, (denials > "
       "0)::int AS denials FROM bt), " RATINGS("rt.bureau",
                                               "rt.bureau IS NOT NULL")
           REDS("sa.bureau", "sa.bureau IS NOT NULL") FINAL("NULL::text"),
    3};

tb_store_status tb_store_stats_read(tb_store *s, tb_stats_by by,
                                    tb_stats_basis basis, const char *from,
                                    const char *to, char **json) {
  *json = NULL;
  const tb_store_stmt *st = by == TB_STATS_BY_SERVICE  ? &S_BY_SERVICE
                            : by == TB_STATS_BY_WINDOW ? &S_BY_WINDOW
                                                       : &S_BY_BUREAU;
  const char *params[] = {
      from, to, basis == TB_STATS_COMPLETED ? "completed" : "accepted"};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, st, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  const char *v = PQgetvalue(r, 0, 0);
  *json = tb_xstrndup(v, strlen(v));
  PQclear(r);
  return TB_STORE_OK;
}
