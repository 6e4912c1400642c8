/*
 * test_store_basic.c — the store on a throwaway cluster, without
 * workflows: migrations, the state encoding, the append-only audit table,
 * the calendar, idempotency keys, retry on deadlock and the message for an
 * unreachable database.
 */
#include "tb_pg_harness.h"
#include "tb_store_int.h"
#include "tb_test.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static tb_pg pg;

static void migrate_twice_is_a_noop(void) {
  tb_store *s = tb_pg_store(pg.admin);
  PGconn *c = tb_pg_connect(pg.admin);
  long long tables = tb_pg_value(
      c, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'");
  int from = -1, to = -1;
  char msg[512];
  TB_CHECK_INT(tb_store_migrate(s, &from, &to, msg, sizeof msg), TB_STORE_OK);
  TB_CHECK_INT(from, tb_store_schema_latest());
  TB_CHECK_INT(to, tb_store_schema_latest());
  TB_CHECK_INT(tb_store_migrate(s, &from, &to, msg, sizeof msg), TB_STORE_OK);
  TB_CHECK_INT(from, to);
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM schema_migrations"),
               tb_store_schema_latest());
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM pg_tables WHERE "
                              "schemaname = 'public'"),
               tables);
  int v = 0;
  TB_CHECK_INT(tb_store_schema_version(s, &v), TB_STORE_OK);
  TB_CHECK_INT(v, tb_store_schema_latest());
  PQfinish(c);
  tb_store_close(s);
}

static void newer_schema_is_refused(void) {
  PGconn *c = tb_pg_connect(pg.admin);
  tb_pg_exec(c, "INSERT INTO schema_migrations (version, name, sha256) "
                "VALUES (999, '0999_future', '\\x00')");
  tb_store *s = tb_pg_store(pg.admin);
  char msg[512] = "";
  TB_CHECK_INT(tb_store_migrate(s, NULL, NULL, msg, sizeof msg),
               TB_STORE_SCHEMA);
  char latest[64];
  snprintf(latest, sizeof latest, "up to %d", tb_store_schema_latest());
  TB_CHECKF(strstr(msg, "version 999") && strstr(msg, latest), "%s", msg);
  tb_pg_exec(c, "DELETE FROM schema_migrations WHERE version = 999");
  /* an applied migration that differs from the embedded one */
  tb_pg_exec(c, "UPDATE schema_migrations SET sha256 = sha256 || '\\x01' "
                "WHERE version = 1");
  TB_CHECK_INT(tb_store_migrate(s, NULL, NULL, msg, sizeof msg),
               TB_STORE_SCHEMA);
  TB_CHECKF(strstr(msg, "0001_init") != NULL, "%s", msg);
  tb_pg_exec(c, "UPDATE schema_migrations SET sha256 = substring(sha256 "
                "FROM 1 FOR 32) WHERE version = 1");
  TB_CHECK_INT(tb_store_migrate(s, NULL, NULL, msg, sizeof msg), TB_STORE_OK);
  tb_store_close(s);
  PQfinish(c);
}

static void state_encoding_round_trips(void) {
  tb_app_state a, b;
  memset(&a, 0, sizeof a);
  a.status = TB_APP_IN_REVIEW;
  a.channel = TB_CHANNEL_ONLINE;
  a.warning = TB_WARN_RED;
  a.special = TB_SPECIAL_EXPERT;
  a.rating = 4;
  a.gap_overdue = true;
  a.submitted_at = 1790000000;
  a.accepted_at = 1790000100;
  a.paused_at = -5;
  a.finished_at = INT64_MAX;
  a.deadline = 20500;
  a.statutory_deadline = 20510;
  a.paused_days = 3;
  a.provided = UINT64_MAX;
  a.from_license = UINT64_C(1) << 63;
  a.committed = 5;
  a.gaps = 6;
  a.notice = 7;
  a.notice_supplied = 5;
  a.chosen_gaps = 9;
  a.chosen_committed = UINT64_C(1) << 62;
  a.notice_branches = 0x8001;
  a.licenses = 3;
  a.code_version = 65535;
  a.gap_due[0] = 1;
  a.gap_due[40] = 20600;
  a.n_branches = TB_MAX_BRANCHES;
  for (int i = 0; i < TB_MAX_BRANCHES; i++) {
    tb_branch_state *br = &a.branches[i];
    br->status = (uint8_t)(i % TB_BRANCH_STATE_COUNT);
    br->step = (uint8_t)i;
    br->claimed = i % 2;
    br->warning = (uint8_t)(i % 3);
    br->round = (uint16_t)(i + 1);
    br->claimant = 1000 + i;
    br->started_at = 1790000000 + i;
    br->deadline = 20500 + i;
    br->serials = (uint16_t)(100 + i);
    br->acted = i % 3 == 0;
    br->n_slots = (uint8_t)(i % (TB_MAX_SIGNERS + 1));
    for (int k = 0; k < br->n_slots; k++) { /* fields, not a literal: the
                                                padding stays zero */
      tb_slot *sl = &br->slots[k];
      sl->account = 2000 + k;
      sl->delegate = k % 2 ? 3000 + k : 0;
      sl->added_by = k % 3 ? 4000 + k : 0;
      sl->serial = (uint16_t)(k + 1);
      sl->status = (uint8_t)(k % 6);
      sl->kind = (uint8_t)(k % 4);
      sl->ref = (uint8_t)k;
      sl->claimed = k % 2;
      sl->acted = k % 3 == 1;
    }
    if (i % 4 == 1 && br->n_slots) { /* a 撤回 snapshot */
      br->prev_step = (uint8_t)(i % 5);
      br->prev_n = br->n_slots;
      br->prev_slot = (uint8_t)(br->n_slots - 1);
      memcpy(br->prev, br->slots, sizeof br->prev);
    }
  }
  char *json = tb_store_state_encode(&a);
  TB_CHECK(tb_store_state_decode(json, &b));
  TB_CHECK(memcmp(&a, &b, sizeof a) == 0);
  free(json);
  memset(&a, 0, sizeof a);
  json = tb_store_state_encode(&a);
  TB_CHECK(tb_store_state_decode(json, &b));
  TB_CHECK(memcmp(&a, &b, sizeof a) == 0);
  free(json);
  /* a state stored before partial supplements, stored choices and code
   * versions reads them as none */
  TB_CHECK(tb_store_state_decode(
      "{\"v\":1,\"status\":\"awaiting_supplement\",\"notice\":\"3\","
      "\"gap_due\":[],\"branches\":[]}",
      &b));
  TB_CHECK_INT(b.status, TB_APP_AWAITING_SUPPLEMENT);
  TB_CHECK_INT(b.notice, 3);
  TB_CHECK_INT(b.notice_supplied, 0);
  TB_CHECK_INT(b.chosen_gaps | b.chosen_committed, 0);
  TB_CHECK_INT(b.code_version, 0);
  /* a state stored before the slots (v 1): an active branch's task is one
   * pool slot from its claim, serial 0 (any task serial matches), and
   * new serials start past every task it can have created */
  TB_CHECK(tb_store_state_decode(
      "{\"v\":1,\"status\":\"in_review\",\"gap_due\":[],\"branches\":["
      "{\"status\":\"active\",\"step\":1,\"claimed\":true,\"claimant\":42,"
      "\"round\":2,\"warning\":\"none\"},{\"status\":\"approved\","
      "\"round\":1,\"warning\":\"none\"}]}",
      &b));
  TB_CHECK_INT(b.branches[0].n_slots, 1);
  TB_CHECK_INT(b.branches[0].slots[0].status, TB_SLOT_OPEN);
  TB_CHECK_INT(b.branches[0].slots[0].kind, TB_SIGNER_POOL);
  TB_CHECK_INT(b.branches[0].slots[0].account, 42);
  TB_CHECK(b.branches[0].slots[0].claimed);
  TB_CHECK_INT(b.branches[0].slots[0].serial, 0);
  TB_CHECK_INT(b.branches[0].serials, 2 * TB_MAX_TASKS_PER_BRANCH);
  TB_CHECK_INT(b.branches[1].n_slots, 0);
  /* … and one unclaimed */
  TB_CHECK(tb_store_state_decode(
      "{\"v\":1,\"status\":\"in_review\",\"gap_due\":[],\"branches\":["
      "{\"status\":\"active\",\"round\":1,\"warning\":\"none\"}]}",
      &b));
  TB_CHECK_INT(b.branches[0].slots[0].account, 0);
  TB_CHECK(!b.branches[0].slots[0].claimed);
  /* hostile slots are refused, not read */
  TB_CHECK(!tb_store_state_decode(
      "{\"v\":2,\"status\":\"in_review\",\"gap_due\":[],\"branches\":["
      "{\"status\":\"active\",\"warning\":\"none\",\"slots\":["
      "{\"status\":\"sideways\",\"kind\":\"pool\"}]}]}",
      &b));
  TB_CHECK(!tb_store_state_decode(
      "{\"v\":2,\"status\":\"in_review\",\"gap_due\":[],\"branches\":["
      "{\"status\":\"active\",\"warning\":\"none\",\"slots\":["
      "{},{},{},{},{},{},{},{},{}]}]}",
      &b));
  TB_CHECK(!tb_store_state_decode(
      "{\"v\":2,\"status\":\"in_review\",\"gap_due\":[],\"branches\":["
      "{\"status\":\"active\",\"warning\":\"none\",\"prev_slot\":3,"
      "\"prev\":[{\"status\":\"open\",\"kind\":\"pool\"}]}]}",
      &b));
  TB_CHECK(!tb_store_state_decode("{\"status\":\"no such\"}", &b));
  TB_CHECK(!tb_store_state_decode("[", &b));
}

/* A definition, an application and one audit row, written directly by a
 * superuser with the triggers off (the row does not link). */
static void seed_rows(PGconn *c) {
  tb_pg_exec(c, "SET session_replication_role = replica");
  tb_pg_exec(c,
             "INSERT INTO definitions (id, version, name, sha256, xml) VALUES "
             "('seed', 1, 'seed', sha256('x'), '<x/>') ON CONFLICT DO NOTHING");
  tb_pg_exec(c, "INSERT INTO applications (number, definition_id, "
                "definition_version, applicant_kind, applicant_name, "
                "applicant_id_number, form, state, status, channel, "
                "tracking_code_hash) VALUES ('000000000000000000000', 'seed', "
                "1, 'person', 'x', 'x', '{}', '{}', 'none', 'window', "
                "sha256('x')) ON CONFLICT DO NOTHING");
  tb_pg_exec(c, "INSERT INTO audit_events (application_id, seq, actor_name, "
                "role, action, payload, at, prev_hash, hash) SELECT id, 1, "
                "'x', 'x', 'x', '{}', now(), sha256('a'), sha256('b') FROM "
                "applications WHERE number = '000000000000000000000' "
                "ON CONFLICT DO NOTHING");
  tb_pg_exec(c, "RESET session_replication_role");
}

static bool fails(PGconn *c, const char *sql, const char *sqlstate) {
  PGresult *r = PQexec(c, sql);
  const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  bool ok =
      PQresultStatus(r) == PGRES_FATAL_ERROR && st && strcmp(st, sqlstate) == 0;
  if (!ok)
    printf("# expected %s from %s, got %s\n", sqlstate, sql, st ? st : "none");
  PQclear(r);
  return ok;
}

static void audit_events_are_append_only(void) {
  PGconn *admin = tb_pg_connect(pg.admin);
  PGconn *server = tb_pg_connect(pg.server);
  seed_rows(admin);
  /* the server role has no grant for it … */
  TB_CHECK(fails(server, "UPDATE audit_events SET actor_name = 'y'", "42501"));
  TB_CHECK(fails(server, "DELETE FROM audit_events", "42501"));
  TB_CHECK(fails(server, "TRUNCATE audit_events", "42501"));
  TB_CHECK(tb_pg_value(server, "SELECT count(*) FROM audit_events") >= 1);
  /* … and even the owner meets the trigger */
  TB_CHECK(fails(admin, "UPDATE audit_events SET actor_name = 'y'", "42501"));
  TB_CHECK(fails(admin, "DELETE FROM audit_events", "42501"));
  TB_CHECK(fails(admin, "TRUNCATE audit_events", "42501"));
  TB_CHECK_INT(tb_pg_value(admin, "SELECT count(*) FROM audit_events WHERE "
                                  "actor_name = 'y'"),
               0);
  /* the server role is not a superuser */
  TB_CHECK_INT(tb_pg_value(server, "SELECT count(*) FROM pg_roles WHERE "
                                   "rolname = current_user AND rolsuper"),
               0);
  PQfinish(admin);
  PQfinish(server);
}

static void calendar_bad_line_stores_nothing(void) {
  tb_store *s = tb_pg_store(pg.server);
  PGconn *c = tb_pg_connect(pg.admin);
  static const char bad[] = "# 2026\n2026-01-01 holiday 元旦\n"
                            "2026-02-30 holiday\n2026-02-14 workday\n";
  size_t days = 99;
  tb_problem p = {0};
  TB_CHECK_INT(tb_store_calendar_load(s, bad, sizeof bad - 1, "bad.txt", NULL,
                                      &days, &p),
               TB_STORE_INVALID);
  TB_CHECKF(strstr(p.detail, "line 3") != NULL, "%s", p.detail);
  TB_CHECK_INT(days, 0);
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM calendar_days"), 0);
  static const char good[] = "2026-01-01 holiday\n2026-02-14 workday\n";
  long long v0 = tb_pg_value(c, "SELECT version FROM calendar_meta");
  TB_CHECK_INT(tb_store_calendar_load(s, good, sizeof good - 1, "good.txt",
                                      NULL, &days, &p),
               TB_STORE_OK);
  TB_CHECK_INT(days, 2);
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM calendar_days"), 2);
  TB_CHECK_INT(tb_pg_value(c, "SELECT version FROM calendar_meta"), v0 + 1);
  const tb_calendar *cal = NULL;
  TB_CHECK_INT(tb_store_calendar_get(s, &cal), TB_STORE_OK);
  tb_day d;
  tb_date_from_ymd(2026, 1, 1, &d);
  TB_CHECK(!tb_calendar_is_working_day(cal, d));
  tb_date_from_ymd(2026, 2, 14, &d); /* a Saturday, worked */
  TB_CHECK(tb_calendar_is_working_day(cal, d));
  tb_pg_exec(c, "DELETE FROM calendar_days; UPDATE calendar_meta SET "
                "version = version + 1");
  PQfinish(c);
  tb_store_close(s);
}

/* ---- idempotency ----------------------------------------------------------
 */

typedef struct {
  const char *key;
  uint8_t fp[32];
  int status;
  const char *body;
  tb_store_answer replay;
  int delay_ms; /* hold the transaction this long before finishing */
  bool fail;    /* roll back instead of finishing */
} idem_req;

static tb_store_status idem_body(tb_store *s, void *cls) {
  idem_req *r = cls;
  tb_store_answer_clear(&r->replay);
  tb_store_status rc =
      tb_store_idempotency_begin(s, "acct-1", r->key, r->fp, &r->replay);
  if (rc != TB_STORE_OK)
    return rc;
  if (r->delay_ms)
    usleep((useconds_t)r->delay_ms * 1000);
  if (r->fail)
    return TB_STORE_REFUSED;
  return tb_store_idempotency_finish(s, "acct-1", r->key, r->status,
                                     "application/json", r->body,
                                     strlen(r->body));
}

static void *idem_thread(void *arg) {
  tb_store *s = tb_pg_store(pg.server);
  idem_req *r = arg;
  tb_store_status rc = tb_store_run_transaction(s, idem_body, r);
  tb_store_close(s);
  return (void *)(intptr_t)rc;
}

static void idempotency_replays_the_first_answer(void) {
  tb_store *s = tb_pg_store(pg.server);
  idem_req a = {.key = "k1", .status = 201, .body = "{\"n\":1}"};
  memset(a.fp, 7, 32);
  TB_CHECK_INT(tb_store_run_transaction(s, idem_body, &a), TB_STORE_OK);
  idem_req b = a;
  memset(&b.replay, 0, sizeof b.replay);
  b.body = "{\"n\":2}";
  TB_CHECK_INT(tb_store_run_transaction(s, idem_body, &b), TB_STORE_REPLAY);
  TB_CHECK_INT(b.replay.status, 201);
  TB_CHECK_STR(b.replay.body, "{\"n\":1}");
  TB_CHECK_STR(b.replay.content_type, "application/json");
  tb_store_answer_clear(&b.replay);
  idem_req other = a; /* same key, another request */
  memset(&other.replay, 0, sizeof other.replay);
  memset(other.fp, 8, 32);
  TB_CHECK_INT(tb_store_run_transaction(s, idem_body, &other),
               TB_STORE_CONFLICT);
  /* a first use that rolls back leaves no key behind */
  idem_req gone = {.key = "k2", .status = 200, .body = "{}", .fail = true};
  TB_CHECK_INT(tb_store_run_transaction(s, idem_body, &gone), TB_STORE_REFUSED);
  gone.fail = false;
  TB_CHECK_INT(tb_store_run_transaction(s, idem_body, &gone), TB_STORE_OK);
  /* two at once: the second waits for the first and replays it */
  idem_req first = {
      .key = "k3", .status = 202, .body = "first", .delay_ms = 300};
  idem_req second = {.key = "k3", .status = 202, .body = "second"};
  pthread_t t1, t2;
  void *r1, *r2;
  pthread_create(&t1, NULL, idem_thread, &first);
  usleep(100 * 1000);
  pthread_create(&t2, NULL, idem_thread, &second);
  pthread_join(t1, &r1);
  pthread_join(t2, &r2);
  TB_CHECK_INT((intptr_t)r1, TB_STORE_OK);
  TB_CHECK_INT((intptr_t)r2, TB_STORE_REPLAY);
  TB_CHECK_STR(second.replay.body, "first");
  tb_store_answer_clear(&second.replay);
  tb_store_answer_clear(&first.replay);
  /* expiry: an expired key is fresh again, and purged */
  PGconn *c = tb_pg_connect(pg.admin);
  tb_pg_exec(c, "UPDATE idempotency_keys SET expires_at = now() - "
                "interval '1 second' WHERE key IN ('k1', 'k2')");
  int64_t purged = 0;
  TB_CHECK_INT(tb_store_idempotency_purge(s, &purged), TB_STORE_OK);
  TB_CHECK_INT(purged, 2);
  TB_CHECK_INT(tb_store_run_transaction(s, idem_body, &other), TB_STORE_OK);
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM idempotency_keys WHERE "
                              "expires_at BETWEEN now() + interval '23 hours' "
                              "AND now() + interval '25 hours'"),
               2);
  PQfinish(c);
  tb_store_close(s);
}

/* ---- retry on deadlock
 * -------------------------------------------------------- */

static const tb_store_stmt S_LOCK_ROW = {
    "test_lock_row", "UPDATE lockme SET n = n + 1 WHERE id = $1::integer", 1};

typedef struct {
  const char *first, *second;
  int attempts;
  pthread_barrier_t *barrier;
} deadlock_job;

static tb_store_status deadlock_body(tb_store *s, void *cls) {
  deadlock_job *j = cls;
  j->attempts++;
  const char *p1[] = {j->first}, *p2[] = {j->second};
  tb_store_status rc = tb_store_exec(s, &S_LOCK_ROW, p1, NULL);
  if (rc != TB_STORE_OK)
    return rc;
  if (j->attempts == 1)
    pthread_barrier_wait(j->barrier);
  usleep(50 * 1000);
  return tb_store_exec(s, &S_LOCK_ROW, p2, NULL);
}

static void *deadlock_thread(void *arg) {
  tb_store *s = tb_pg_store(pg.server);
  tb_store_status rc = tb_store_run_transaction(s, deadlock_body, arg);
  tb_store_close(s);
  return (void *)(intptr_t)rc;
}

static void deadlocks_are_retried(void) {
  PGconn *c = tb_pg_connect(pg.admin);
  tb_pg_exec(c, "CREATE TABLE lockme (id integer PRIMARY KEY, n integer); "
                "INSERT INTO lockme VALUES (1, 0), (2, 0); "
                "GRANT UPDATE, SELECT ON lockme TO tongban_server");
  tb_pg_exec(c, "ALTER SYSTEM SET deadlock_timeout = '100ms'");
  tb_pg_exec(c, "SELECT pg_reload_conf()");
  pthread_barrier_t barrier;
  pthread_barrier_init(&barrier, NULL, 2);
  deadlock_job a = {"1", "2", 0, &barrier}, b = {"2", "1", 0, &barrier};
  pthread_t ta, tb;
  void *ra, *rb;
  pthread_create(&ta, NULL, deadlock_thread, &a);
  pthread_create(&tb, NULL, deadlock_thread, &b);
  pthread_join(ta, &ra);
  pthread_join(tb, &rb);
  TB_CHECK_INT((intptr_t)ra, TB_STORE_OK);
  TB_CHECK_INT((intptr_t)rb, TB_STORE_OK);
  TB_CHECKF(a.attempts + b.attempts >= 3, "attempts %d + %d", a.attempts,
            b.attempts);
  TB_CHECK_INT(tb_pg_value(c, "SELECT sum(n) FROM lockme"), 4);
  pthread_barrier_destroy(&barrier);
  PQfinish(c);
}

static void unreachable_database_is_named(void) {
  tb_store_options o = {.conninfo =
                            "host=/tmp/tb-no-such-dir port=5999 dbname=tongban "
                            "connect_timeout=2"};
  tb_store *s = NULL;
  char err[1024] = "";
  TB_CHECK_INT(tb_store_open(&o, &s, err, sizeof err), TB_STORE_UNAVAILABLE);
  TB_CHECK(s == NULL);
  TB_CHECKF(strstr(err, "/tmp/tb-no-such-dir") && strstr(err, "5999") &&
                strstr(err, "check"),
            "%s", err);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (!tb_pg_start(&pg)) {
    printf("1..0 # SKIP no PostgreSQL cluster\n");
    return 1;
  }
  TB_RUN(migrate_twice_is_a_noop);
  TB_RUN(newer_schema_is_refused);
  TB_RUN(state_encoding_round_trips);
  TB_RUN(audit_events_are_append_only);
  TB_RUN(calendar_bad_line_stores_nothing);
  TB_RUN(idempotency_replays_the_first_answer);
  TB_RUN(deadlocks_are_retried);
  TB_RUN(unreachable_database_is_named);
  tb_pg_stop(&pg);
  return tb_test_done();
}
