/*
 * test_store_stats.c — the statistics of electronic supervision (issue 15
 * §7, store/tb_store_stats.c, sql/0011_statistics.sql) on a throwaway
 * cluster with the shipped 2026 calendar.
 *
 * The clock is injected: every instant (acceptance, completion, task
 * created and decided, reply to a 整改) is a fixed value in the rows the
 * test writes as a superuser, so each expected number below is computed
 * by hand in its comment: a sub-day duration (0.3, and 0.025 shown as
 * 0.1, not 0), a duration across a weekend and one across 国庆 2026 with
 * its 调休 Saturday, the 90th percentile, the on-time rate, red cards
 * (a revoked one and a yellow one not counted), satisfaction and 差评
 * fixed on time — per service, per window, per bureau, by acceptance
 * and by completion date.
 *
 * usage: test_store_stats WORKFLOWS_DIR CALENDAR_2026
 */
#include "tb_pg_harness.h"
#include "tb_store_stats.h"
#include "tb_test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tb_pg pg;
static const char *workflows_dir;
static const char *calendar_file;

/* app(number suffix, accepted, finished, status, deadline, clerk, channel)
 * and task(app suffix, bureau, round, created, decided, decision,
 * deadline): rows as the transitions would leave them, written with the
 * triggers off. */
static const char FIXTURE_FUNCTIONS[] =
    "CREATE FUNCTION t_app(n int, acc timestamptz, fin timestamptz, st text, "
    "dl date, clerk bigint, ch text) RETURNS bigint LANGUAGE sql AS $$ "
    "INSERT INTO applications (number, definition_id, definition_version, "
    "applicant_kind, applicant_name, applicant_id_number, form, state, "
    "status, channel, deadline, tracking_code_hash, accepted_at, "
    "finished_at, accepted_by) SELECT '3301002026030200' || lpad(n::text, "
    "5, '0'), 'qykb', (SELECT max(version) FROM definitions WHERE id = "
    "'qykb'), 'person', '张三', '11010519491231002X', '{}', '{}', st, ch, "
    "dl, sha256('x'), acc, fin, clerk RETURNING id $$; "
    "CREATE FUNCTION t_task(n int, bureau text, rnd int, created "
    "timestamptz, decided timestamptz, decision text, dl date) RETURNS void "
    "LANGUAGE sql AS $$ INSERT INTO tasks (application_id, branch, step, "
    "round, branch_id, task_id, name, bureau, state, deadline, created_at, "
    "decided_at, decision, serial) SELECT id, 0, 0, rnd, 'b', 't', '审查', "
    "bureau, "
    "CASE WHEN decided IS NULL THEN 'open' ELSE 'decided' END, dl, "
    "created, decided, decision, rnd FROM applications WHERE number = "
    "'3301002026030200' || lpad(n::text, 5, '0') $$; "
    "CREATE FUNCTION t_id(n int) RETURNS bigint LANGUAGE sql AS $$ SELECT id "
    "FROM applications WHERE number = '3301002026030200' || lpad(n::text, "
    "5, '0') $$";

/* The applications (CST, +08):
 *  1 accepted Mon 03-02 09:00, approved 16:12 the same day: 7.2 h = 0.3;
 *    deadline 03-10, on time. SCJG returned it once (09:00–09:10) and
 *    approved the second round (09:10–09:36): its part 0.025 days.
 *  2 accepted Fri 03-06 18:00, delivered Mon 03-09 06:00: 6 h of Friday
 *    and 6 h of Monday = 0.5; deadline 03-06: late. SCJG's task the same
 *    instants, deadline 03-06: late.
 *  3 accepted Wed 09-30 12:00, approved Mon 10-12 12:00, across 国庆:
 *    09-30 0.5, 10-01..10-07 off (holidays and the weekend), 10-08 and
 *    10-09 1 each, Saturday 10-10 worked (调休) 1, Sunday 10-11 off,
 *    10-12 0.5 = 4.0 (8.0 on a plain Monday–Friday week); deadline 10-16.
 *  4 accepted Fri 03-13 12:00, denied Tue 03-17 12:00, across a weekend:
 *    0.5 + Monday 1 + 0.5 = 2.0; deadline 03-20. GA's task still open.
 *  5 accepted Mon 03-02 10:00, still in review.
 *  6 accepted online with no clerk recorded on 03-03, in review.
 *  7 accepted 02-02, approved 02-03: outside the March–October range.
 * Clerk 900 (li-clerk) accepted 1–5 and 7. */
static const char FIXTURE[] =
    "INSERT INTO accounts (id, username, role, password_hash) OVERRIDING "
    "SYSTEM VALUE VALUES (900, 'li-clerk', 'clerk', 'x'); "
    "SELECT t_app(1, '2026-03-02 09:00+08', '2026-03-02 16:12+08', "
    "'approved', '2026-03-10', 900, 'window'); "
    "SELECT t_app(2, '2026-03-06 18:00+08', '2026-03-09 06:00+08', "
    "'delivered', '2026-03-06', 900, 'window'); "
    "SELECT t_app(3, '2026-09-30 12:00+08', '2026-10-12 12:00+08', "
    "'approved', '2026-10-16', 900, 'window'); "
    "SELECT t_app(4, '2026-03-13 12:00+08', '2026-03-17 12:00+08', "
    "'denied', '2026-03-20', 900, 'window'); "
    "SELECT t_app(5, '2026-03-02 10:00+08', NULL, 'in_review', "
    "'2026-03-20', 900, 'window'); "
    "SELECT t_app(6, '2026-03-03 10:00+08', NULL, 'in_review', "
    "'2026-03-20', NULL, 'online'); "
    "SELECT t_app(7, '2026-02-02 10:00+08', '2026-02-03 10:00+08', "
    "'approved', '2026-02-10', 900, 'window'); "
    "SELECT t_task(1, 'SCJG', 1, '2026-03-02 09:00+08', '2026-03-02 "
    "09:10+08', 'return', '2026-03-05'); "
    "SELECT t_task(1, 'SCJG', 2, '2026-03-02 09:10+08', '2026-03-02 "
    "09:36+08', 'approve', '2026-03-05'); "
    "SELECT t_task(2, 'SCJG', 1, '2026-03-06 18:00+08', '2026-03-09 "
    "06:00+08', 'approve', '2026-03-06'); "
    "SELECT t_task(4, 'GA', 1, '2026-03-13 12:00+08', NULL, NULL, "
    "'2026-03-20'); "
    /* red cards on 2: open (the window), upheld (SCJG) count; revoked
     * (SCJG) and yellow do not */
    "INSERT INTO supervision_alerts (rule, level, application_id, bureau, "
    "subject, raised_at, decision, decision_reason, decided_by, decided_at) "
    "VALUES ('late', 'red', t_id(2), NULL, 'a', now(), NULL, NULL, NULL, "
    "NULL), ('late', 'red', t_id(2), 'SCJG', 'b', now(), 'upheld', '属实', "
    "900, now()), ('late', 'red', t_id(2), 'SCJG', 'c', now(), 'revoked', "
    "'有误', 900, now()), ('late', 'yellow', t_id(2), 'SCJG', 'd', now(), "
    "NULL, NULL, NULL, NULL); "
    /* whole-application grades 5, 1, 2, 4; SCJG's own grade 3 on 1 */
    "INSERT INTO ratings (application_id, bureau, grade, rated_at) VALUES "
    "(t_id(1), NULL, 5, now()), (t_id(2), NULL, 1, now()), (t_id(3), NULL, "
    "2, now()), (t_id(4), NULL, 4, now()), (t_id(1), 'SCJG', 3, now()); "
    /* 整改 of the 1 (replied on its due day) and of the 2 (replied late) */
    "INSERT INTO rectifications (rating_id, application_id, state, due, "
    "opened_at, reply, replied_at, closed_at) SELECT r.id, r.application_id, "
    "'closed', DATE '2026-03-20', now(), '已改进', CASE WHEN r.grade = 1 "
    "THEN TIMESTAMPTZ '2026-03-20 23:30+08' ELSE TIMESTAMPTZ '2026-03-21 "
    "00:30+08' END, now() FROM ratings r WHERE r.grade <= 2";

static void load_fixture(void) {
  tb_store *s = tb_pg_store(pg.server);
  size_t n = 0;
  tb_problem p = {0};
  TB_CHECK_INT(tb_store_definitions_load_dir(s, workflows_dir, &n, &p),
               TB_STORE_OK);
  char *cal = tb_test_read_file(calendar_file, &n);
  TB_CHECK(cal != NULL);
  size_t days = 0;
  if (cal)
    TB_CHECK_INT(tb_store_calendar_load(s, cal, n, "2026.txt", NULL, &days, &p),
                 TB_STORE_OK);
  free(cal);
  tb_store_close(s);
  PGconn *c = tb_pg_connect(pg.admin);
  TB_CHECK(tb_pg_exec(c, FIXTURE_FUNCTIONS));
  TB_CHECK(tb_pg_exec(c, "SET session_replication_role = replica"));
  TB_CHECK(tb_pg_exec(c, FIXTURE));
  PQfinish(c);
}

/* The statistics as JSON rows (an array; NULL on failure). */
static json_t *stats(tb_stats_by by, tb_stats_basis basis, const char *from,
                     const char *to) {
  tb_store *s = tb_pg_store(pg.server);
  char *text = NULL;
  tb_store_status rc = tb_store_stats_read(s, by, basis, from, to, &text);
  tb_store_close(s);
  TB_CHECK_INT(rc, TB_STORE_OK);
  json_error_t err;
  json_t *rows = text ? json_loads(text, 0, &err) : NULL;
  free(text);
  TB_CHECK(json_is_array(rows));
  return rows;
}

static json_t *row(json_t *rows, const char *key) {
  size_t i;
  json_t *r;
  json_array_foreach(rows, i, r) {
    const char *k = json_string_value(json_object_get(r, "key"));
    if (k && strcmp(k, key) == 0)
      return r;
  }
  printf("# no row %s\n", key);
  return NULL;
}

static long long num(json_t *r, const char *field) {
  json_t *v = json_object_get(r, field);
  return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

/* A number as the text PostgreSQL gave it (numeric → real), compared to
 * one decimal place or four; "null" for null. */
static bool close_to(json_t *r, const char *field, const char *want) {
  json_t *v = json_object_get(r, field);
  char got[32];
  if (json_is_null(v) || !v)
    snprintf(got, sizeof got, "null");
  else
    snprintf(got, sizeof got, "%g", json_number_value(v));
  if (strcmp(got, want) == 0)
    return true;
  printf("# %s: got %s, want %s\n", field, got, want);
  return false;
}

static void per_service_by_acceptance(void) {
  json_t *rows =
      stats(TB_STATS_BY_SERVICE, TB_STATS_ACCEPTED, "2026-03-01", "2026-10-31");
  TB_CHECK_INT(json_array_size(rows), 1);
  json_t *q = row(rows, "qykb");
  TB_CHECK(json_is_string(json_object_get(q, "name")));
  TB_CHECK_INT(num(q, "applications"), 6); /* 1–6; 7 is in February */
  TB_CHECK_INT(num(q, "completed"), 4);
  TB_CHECK_INT(num(q, "on_time"), 3); /* 2 was late */
  TB_CHECK(close_to(q, "on_time_rate", "0.75"));
  /* (0.3 + 0.5 + 4.0 + 2.0) / 4 = 1.7; p90 of 0.3, 0.5, 2.0, 4.0 at
   * 0.9 · 3 = 2.7: 2.0 + 0.7 · 2.0 = 3.4 */
  TB_CHECK(close_to(q, "average_days", "1.7"));
  TB_CHECK(close_to(q, "p90_days", "3.4"));
  TB_CHECK_INT(num(q, "returns"), 1);
  TB_CHECK_INT(num(q, "denials"), 1);
  TB_CHECK_INT(num(q, "red_cards"), 2); /* open + upheld */
  TB_CHECK_INT(num(q, "rated"), 4);
  TB_CHECK_INT(num(q, "grade_1"), 1);
  TB_CHECK_INT(num(q, "grade_2"), 1);
  TB_CHECK_INT(num(q, "grade_3"), 0); /* SCJG's own grade is not here */
  TB_CHECK_INT(num(q, "grade_4"), 1);
  TB_CHECK_INT(num(q, "grade_5"), 1);
  TB_CHECK(close_to(q, "satisfaction_rate", "0.5"));
  TB_CHECK_INT(num(q, "bad"), 2);
  TB_CHECK_INT(num(q, "bad_fixed_on_time"), 1); /* the other replied late */
  json_decref(rows);
}

/* One application at a time: a sub-day duration is 0.3, not 0; across
 * 国庆 4.0 from the shipped calendar. */
static void single_durations(void) {
  json_t *rows = stats(TB_STATS_BY_SERVICE, TB_STATS_COMPLETED, "2026-03-02",
                       "2026-03-02");
  json_t *q = row(rows, "qykb");
  TB_CHECK_INT(num(q, "completed"), 1);
  TB_CHECK(close_to(q, "average_days", "0.3"));
  TB_CHECK(close_to(q, "p90_days", "0.3"));
  json_decref(rows);
  rows = stats(TB_STATS_BY_SERVICE, TB_STATS_COMPLETED, "2026-10-01",
               "2026-10-31");
  q = row(rows, "qykb");
  TB_CHECK_INT(num(q, "completed"), 1);
  TB_CHECK(close_to(q, "average_days", "4"));
  json_decref(rows);
  rows = stats(TB_STATS_BY_SERVICE, TB_STATS_COMPLETED, "2026-03-16",
               "2026-03-17");
  q = row(rows, "qykb");
  TB_CHECK(close_to(q, "average_days", "2")); /* across a weekend */
  TB_CHECK_INT(num(q, "denials"), 1);
  json_decref(rows);
}

/* By completion date in March: 1, 2 and 4 (3 completed in October, 5
 * and 6 are open). */
static void per_service_by_completion(void) {
  json_t *rows = stats(TB_STATS_BY_SERVICE, TB_STATS_COMPLETED, "2026-03-01",
                       "2026-03-31");
  json_t *q = row(rows, "qykb");
  TB_CHECK_INT(num(q, "applications"), 3);
  TB_CHECK_INT(num(q, "completed"), 3);
  TB_CHECK_INT(num(q, "on_time"), 2);
  TB_CHECK(close_to(q, "on_time_rate", "0.6667"));
  /* (0.3 + 0.5 + 2.0) / 3 = 0.933…; p90 at 1.8: 0.5 + 0.8 · 1.5 = 1.7 */
  TB_CHECK(close_to(q, "average_days", "0.9"));
  TB_CHECK(close_to(q, "p90_days", "1.7"));
  json_decref(rows);
  rows = stats(TB_STATS_BY_SERVICE, TB_STATS_COMPLETED, "2025-01-01",
               "2025-12-31");
  TB_CHECK_INT(json_array_size(rows), 0);
  json_decref(rows);
}

/* Per window: the clerk (1–5) and the online channel (6). */
static void per_window(void) {
  json_t *rows =
      stats(TB_STATS_BY_WINDOW, TB_STATS_ACCEPTED, "2026-03-01", "2026-10-31");
  TB_CHECK_INT(json_array_size(rows), 2);
  json_t *c = row(rows, "clerk:900");
  TB_CHECK_STR(json_string_value(json_object_get(c, "name")), "li-clerk");
  TB_CHECK_INT(num(c, "applications"), 5);
  TB_CHECK_INT(num(c, "completed"), 4);
  TB_CHECK(close_to(c, "average_days", "1.7"));
  TB_CHECK_INT(num(c, "red_cards"), 1); /* the one naming the window */
  TB_CHECK_INT(num(c, "rated"), 4);
  TB_CHECK(close_to(c, "satisfaction_rate", "0.5"));
  json_t *o = row(rows, "channel:online");
  TB_CHECK(json_is_null(json_object_get(o, "name")));
  TB_CHECK_INT(num(o, "applications"), 1);
  TB_CHECK_INT(num(o, "completed"), 0);
  TB_CHECK(close_to(o, "on_time_rate", "null"));
  TB_CHECK(close_to(o, "average_days", "null"));
  json_decref(rows);
}

/* Per bureau: SCJG's part of 1 is 09:00–09:36, 0.025 days: shown 0.1,
 * not 0; of 2 0.5, late. avg 0.2625 → 0.3; p90 0.025 + 0.9 · 0.475 =
 * 0.4525 → 0.5. GA's task on 4 is open. */
static void per_bureau(void) {
  json_t *rows =
      stats(TB_STATS_BY_BUREAU, TB_STATS_ACCEPTED, "2026-03-01", "2026-10-31");
  TB_CHECK_INT(json_array_size(rows), 2);
  json_t *b = row(rows, "SCJG");
  TB_CHECK_INT(num(b, "applications"), 2);
  TB_CHECK_INT(num(b, "completed"), 2);
  TB_CHECK_INT(num(b, "on_time"), 1);
  TB_CHECK(close_to(b, "on_time_rate", "0.5"));
  TB_CHECK(close_to(b, "average_days", "0.3"));
  TB_CHECK(close_to(b, "p90_days", "0.5"));
  TB_CHECK_INT(num(b, "returns"), 1);
  TB_CHECK_INT(num(b, "red_cards"), 1); /* upheld; the revoked one not */
  TB_CHECK_INT(num(b, "rated"), 1);
  TB_CHECK_INT(num(b, "grade_3"), 1);
  TB_CHECK(close_to(b, "satisfaction_rate", "0"));
  json_t *g = row(rows, "GA");
  TB_CHECK_INT(num(g, "applications"), 1);
  TB_CHECK_INT(num(g, "completed"), 0);
  TB_CHECK(close_to(g, "p90_days", "null"));
  json_decref(rows);
  /* SCJG alone on 03-02: 0.025 days is 0.1, never 0 */
  rows =
      stats(TB_STATS_BY_BUREAU, TB_STATS_COMPLETED, "2026-03-02", "2026-03-02");
  b = row(rows, "SCJG");
  TB_CHECK(close_to(b, "average_days", "0.1"));
  json_decref(rows);
}

/* The working-day count the supervision overview shares. */
static void working_time_function(void) {
  PGconn *c = tb_pg_connect(pg.server);
  /* Mon 09-28 .. Mon 10-12: 09-28, 09-29, 09-30, 10-08, 10-09, 10-10 */
  TB_CHECK_INT(tb_pg_value(c, "SELECT tb_workdays('2026-09-28', "
                              "'2026-10-12')"),
               6);
  TB_CHECK_INT(tb_pg_value(c, "SELECT tb_workdays('2026-10-12', "
                              "'2026-09-28')"),
               0);
  /* the 调休 Sunday 09-20 is worked, Saturday 09-19 is not */
  TB_CHECK_INT(tb_pg_value(c, "SELECT tb_workdays('2026-09-19', "
                              "'2026-09-21')"),
               1);
  TB_CHECK_INT(tb_pg_value(c, "SELECT before FROM tb_calendar_span("
                              "'2026-09-28', '2026-10-12') WHERE day = "
                              "'2026-10-12'"),
               6);
  PQfinish(c);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc != 3) {
    fprintf(stderr, "usage: test_store_stats WORKFLOWS_DIR CALENDAR_2026\n");
    return 2;
  }
  workflows_dir = argv[1];
  calendar_file = argv[2];
  if (!tb_pg_start(&pg)) {
    printf("Bail out! no PostgreSQL cluster\n");
    return 1;
  }
  TB_RUN(load_fixture);
  TB_RUN(working_time_function);
  TB_RUN(per_service_by_acceptance);
  TB_RUN(single_durations);
  TB_RUN(per_service_by_completion);
  TB_RUN(per_window);
  TB_RUN(per_bureau);
  tb_pg_stop(&pg);
  return tb_test_done();
}
