/*
 * test_store_txn.c — the transaction contract of tb_store_run_transaction
 * on a throwaway cluster: a failed statement that the body swallowed is
 * never committed; COMMIT answered with ROLLBACK, or failing on a deferred
 * constraint, is an error; a serialization failure is retried and done
 * once; and a timer firing, failed at each of its statements in turn
 * (fault injection: test builds only), leaves the database exactly as it
 * was and fires once afterwards (and so does a signed audit checkpoint,
 * leaving no checkpoint behind); and a timer of an application whose
 * row another session holds locked is skipped, not waited for; and of
 * several servers only one makes the audit checkpoint of an interval.
 */
#include "tb_pg_harness.h"
#include "tb_store_int.h"
#include "tb_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ORG_ID "91350100M000100Y43"
#define PERSON_ID "11010519491231002X"

static tb_pg pg;
static const char *workflows_dir;

/* ---- a scratch table the bodies write --------------------------------------
 */

typedef struct {
  bool swallow;   /* run a failing statement through the store, go on */
  bool behind;    /* make the transaction fail behind the store's back */
  bool duplicate; /* insert a duplicate of a deferred unique key */
  int runs;
} probe;

static tb_store_status probe_body(tb_store *s, void *cls) {
  probe *p = cls;
  p->runs++;
  tb_store_status rc =
      tb_store_exec_plain(s, "INSERT INTO txn_probe VALUES (1)", NULL);
  if (rc != TB_STORE_OK)
    return rc;
  if (p->swallow)
    (void)tb_store_exec_plain(s, "SELECT 1/0", NULL); /* the bug: ignored */
  if (p->behind)
    PQclear(PQexec(s->conn, "SELECT 1/0"));
  if (p->duplicate)
    return tb_store_exec_plain(s, "INSERT INTO txn_probe VALUES (1)", NULL);
  return TB_STORE_OK;
}

static long long probe_rows(PGconn *c) {
  return tb_pg_value(c, "SELECT count(*) FROM txn_probe");
}

static void swallowed_failure_is_not_committed(void) {
  PGconn *c = tb_pg_connect(pg.admin);
  tb_pg_exec(c, "CREATE TABLE txn_probe (x int UNIQUE DEFERRABLE INITIALLY "
                "DEFERRED)");
  tb_store *s = tb_pg_store(pg.admin);
  probe p = {.swallow = true};
  TB_CHECK_INT(tb_store_run_transaction(s, probe_body, &p), TB_STORE_ERROR);
  TB_CHECK_INT(probe_rows(c), 0);
  /* the handle is usable again and commits what succeeds */
  probe ok = {0};
  TB_CHECK_INT(tb_store_run_transaction(s, probe_body, &ok), TB_STORE_OK);
  TB_CHECK_INT(probe_rows(c), 1);
  tb_pg_exec(c, "TRUNCATE txn_probe");
  tb_store_close(s);
  PQfinish(c);
}

/* The body's transaction ends in an error and leaves no row. */
static void fails_whole(probe p) {
  PGconn *c = tb_pg_connect(pg.admin);
  tb_store *s = tb_pg_store(pg.admin);
  TB_CHECK_INT(tb_store_run_transaction(s, probe_body, &p), TB_STORE_ERROR);
  TB_CHECK_INT(probe_rows(c), 0);
  tb_store_close(s);
  PQfinish(c);
}

static void commit_answered_rollback_is_an_error(void) {
  fails_whole((probe){.behind = true});
}

static void deferred_constraint_at_commit_is_an_error(void) {
  fails_whole((probe){.duplicate = true});
}

/* The store never checks a signature, nor does the database: a stand-in
 * "signature" (SHA-256 of the bytes) and key id are enough here. */
static bool stand_in_sign(void *cls, const void *data, size_t len,
                          unsigned char **sig, size_t *sig_len,
                          char key_id[41]) {
  (void)cls;
  *sig = tb_xmalloc(32);
  tb_store_sha256(data, len, NULL, 0, *sig);
  *sig_len = 32;
  memset(key_id, 'a', 40);
  key_id[40] = '\0';
  return true;
}

#ifdef TB_FAULT_INJECTION
static void soft_failure_is_retried_once(void) {
  PGconn *c = tb_pg_connect(pg.admin);
  tb_store *s = tb_pg_store(pg.admin);
  int at[] = {1, 0}; /* the INSERT, then COMMIT */
  for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
    probe p = {0};
    TB_CHECK(tb_store_fault_arm(s, at[i], TB_STORE_FAULT_SOFT));
    TB_CHECK_INT(tb_store_run_transaction(s, probe_body, &p), TB_STORE_OK);
    TB_CHECK(tb_store_fault_fired(s));
    TB_CHECK_INT(p.runs, 2);
    TB_CHECK_INT(probe_rows(c), 1);
    tb_pg_exec(c, "TRUNCATE txn_probe");
  }
  tb_store_close(s);
  PQfinish(c);
}

#endif

/* ---- deferred writes in a pipeline ------------------------------------------
 */

static const tb_store_stmt S_PROBE_INSERT = {
    "test_probe_insert", "INSERT INTO txn_probe VALUES ($1::int)", 1};
static const tb_store_stmt S_PROBE_COUNT = {
    "test_probe_count", "SELECT count(*) FROM txn_probe", 0};

/* A read first (it carries BEGIN), then three deferred writes: they go
 * with COMMIT. Statements: 1 the read, 2–4 the writes, 5 COMMIT. With
 * read_last the read comes after the writes instead and sees them. */
typedef struct {
  bool read_last;
  long long seen; /* what the read counted */
  int runs;
} pipe_probe;

static tb_store_status count_rows(tb_store *s, pipe_probe *p) {
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_PROBE_COUNT, NULL, &r);
  if (rc != TB_STORE_OK)
    return rc;
  p->seen = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
  PQclear(r);
  return TB_STORE_OK;
}

static tb_store_status pipe_body(tb_store *s, void *cls) {
  pipe_probe *p = cls;
  p->runs++;
  tb_store_status rc = p->read_last ? TB_STORE_OK : count_rows(s, p);
  static const char *const values[] = {"1", "2", "3"};
  for (int i = 0; rc == TB_STORE_OK && i < 3; i++) {
    const char *params[] = {values[i]};
    rc = tb_store_exec_deferred(s, &S_PROBE_INSERT, params);
  }
  if (rc == TB_STORE_OK && p->read_last)
    rc = count_rows(s, p);
  return rc;
}

static unsigned long long trips_of(tb_store *s, pipe_probe *p,
                                   tb_store_status *rc) {
  unsigned long long before = tb_store_round_trips(s);
  *rc = tb_store_run_transaction(s, pipe_body, p);
  return tb_store_round_trips(s) - before;
}

/* Writes then a read: one round trip for BEGIN, the writes and the read
 * (which sees them), one for COMMIT; a read then writes: BEGIN with the
 * read, the writes with COMMIT. */
static void deferred_writes_share_round_trips(void) {
  PGconn *c = tb_pg_connect(pg.admin);
  tb_store *s = tb_pg_store(pg.admin);
  tb_store_status rc;
  pipe_probe warm = {0};
  trips_of(s, &warm, &rc); /* prepares the two statements */
  TB_CHECK_INT(rc, TB_STORE_OK);
  tb_pg_exec(c, "TRUNCATE txn_probe");
  pipe_probe last = {.read_last = true};
  TB_CHECK_INT(trips_of(s, &last, &rc), 2);
  TB_CHECK_INT(rc, TB_STORE_OK);
  TB_CHECK_INT(last.seen, 3);
  TB_CHECK_INT(probe_rows(c), 3);
  TB_CHECK_INT(tb_store_fault_statements(s), 5);
  tb_pg_exec(c, "TRUNCATE txn_probe");
  pipe_probe first = {0};
  TB_CHECK_INT(trips_of(s, &first, &rc), 2);
  TB_CHECK_INT(rc, TB_STORE_OK);
  TB_CHECK_INT(first.seen, 0);
  TB_CHECK_INT(probe_rows(c), 3);
  tb_pg_exec(c, "TRUNCATE txn_probe");
  tb_store_close(s);
  PQfinish(c);
}

/* A connection that died while idle is found dead at BEGIN, which now
 * goes with the first statement: reopened and tried again, done once. */
static void dead_connection_at_begin_is_retried(void) {
  PGconn *c = tb_pg_connect(pg.admin);
  tb_store *s = tb_pg_store(pg.admin);
  char pid[16];
  snprintf(pid, sizeof pid, "%d", PQbackendPID(s->conn));
  const char *params[] = {pid};
  PGresult *r = PQexecParams(c, "SELECT pg_terminate_backend($1::int, 5000)", 1,
                             NULL, params, NULL, NULL, 0);
  TB_CHECK(PQresultStatus(r) == PGRES_TUPLES_OK &&
           strcmp(PQgetvalue(r, 0, 0), "t") == 0);
  PQclear(r);
  pipe_probe p = {0};
  TB_CHECK_INT(tb_store_run_transaction(s, pipe_body, &p), TB_STORE_OK);
  TB_CHECK_INT(p.runs, 2);
  TB_CHECK_INT(probe_rows(c), 3);
  tb_pg_exec(c, "TRUNCATE txn_probe");
  tb_store_close(s);
  PQfinish(c);
}

#ifdef TB_FAULT_INJECTION
/* Wait until no other session is inside a transaction (after a cut the
 * server may still be finishing what it was sent). */
static void settled(PGconn *c) {
  for (int i = 0; i < 500; i++) {
    if (tb_pg_value(c, "SELECT count(*) FROM pg_stat_activity WHERE pid <> "
                       "pg_backend_pid() AND backend_type = 'client backend' "
                       "AND state <> 'idle'") == 0)
      return;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  TB_CHECK(!"a session stayed busy");
}

typedef struct {
  int at;
  tb_store_fault kind;
  tb_store_status rc; /* what the transaction answers */
  int runs;           /* 2: retried */
  long long rows;     /* after it */
} pipe_fault;

/* Each statement of the pipelines failed in each way: the answer is the
 * one a statement sent alone would have given, and a failed one leaves
 * nothing behind. The writes are statements 2–4, sent with COMMIT (5). */
static void pipeline_fails_like_single_statements(void) {
  PGconn *c = tb_pg_connect(pg.admin);
  tb_store *s = tb_pg_store(pg.admin);
  const pipe_fault cases[] = {
      /* a failure in the middle of the writes: nothing written */
      {3, TB_STORE_FAULT_HARD, TB_STORE_ERROR, 1, 0},
      {2, TB_STORE_FAULT_HARD, TB_STORE_ERROR, 1, 0},
      {4, TB_STORE_FAULT_HARD, TB_STORE_ERROR, 1, 0},
      {0, TB_STORE_FAULT_HARD, TB_STORE_ERROR, 1, 0},
      /* a serialization failure among them: retried, done once */
      {3, TB_STORE_FAULT_SOFT, TB_STORE_OK, 2, 3},
      {0, TB_STORE_FAULT_SOFT, TB_STORE_OK, 2, 3},
      /* the connection cut at a write, before COMMIT left: not done */
      {3, TB_STORE_FAULT_LOST, TB_STORE_UNAVAILABLE, 1, 0},
      {3, TB_STORE_FAULT_LOST_AFTER, TB_STORE_UNAVAILABLE, 1, 0},
      {4, TB_STORE_FAULT_LOST_AFTER, TB_STORE_UNAVAILABLE, 1, 0},
      {1, TB_STORE_FAULT_LOST, TB_STORE_UNAVAILABLE, 1, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const pipe_fault *f = &cases[i];
    pipe_probe p = {0};
    TB_CHECK(tb_store_fault_arm(s, f->at, f->kind));
    tb_store_status rc = tb_store_run_transaction(s, pipe_body, &p);
    TB_CHECKF(rc == f->rc && p.runs == f->runs, "case %zu: %s, %d runs", i,
              tb_store_status_name(rc), p.runs);
    TB_CHECK(tb_store_fault_fired(s));
    settled(c);
    TB_CHECKF(probe_rows(c) == f->rows, "case %zu: %lld rows", i,
              probe_rows(c));
    tb_pg_exec(c, "TRUNCATE txn_probe");
  }
  /* cut after COMMIT went with the writes: the outcome is unknown */
  pipe_probe p = {0};
  TB_CHECK(tb_store_fault_arm(s, 5, TB_STORE_FAULT_LOST_AFTER));
  TB_CHECK_INT(tb_store_run_transaction(s, pipe_body, &p), TB_STORE_UNKNOWN);
  settled(c);
  long long rows = probe_rows(c);
  TB_CHECKF(rows == 0 || rows == 3, "%lld rows: half a transaction", rows);
  tb_pg_exec(c, "TRUNCATE txn_probe");
  /* and the handle goes on */
  TB_CHECK_INT(tb_store_run_transaction(s, pipe_body, &p), TB_STORE_OK);
  TB_CHECK_INT(probe_rows(c), 3);
  tb_pg_exec(c, "TRUNCATE txn_probe");
  tb_store_close(s);
  PQfinish(c);
}
#endif

/* ---- a timer firing, failed statement by statement
 * ---------------------------
 */

static const char *const TABLES =
    "SELECT count(*) || ':' || md5(string_agg(r, '|' ORDER BY r)) FROM ("
    "SELECT 'a' || x::text FROM applications x UNION ALL "
    "SELECT 't' || x::text FROM tasks x UNION ALL "
    "SELECT 'm' || x::text FROM timers x UNION ALL "
    "SELECT 'e' || x::text FROM audit_events x UNION ALL "
    "SELECT 'l' || x::text FROM licenses x) AS rows(r)";

/* A food business license application accepted 40 days ago: its
 * deadline and warning timers are due now. */
static bool app_with_due_timers(tb_store *s,
                                char number[TB_APP_NUMBER_LEN + 1]) {
  static const tb_store_form form = {
      {{"operator_name", "杭州通办科技有限公司"},
       {"credit_code", ORG_ID},
       {"legal_rep_name", "张三丰"},
       {"legal_rep_id", PERSON_ID},
       {"premises_address", "杭州市西湖区文三路一号"},
       {"operator_type", "seller"},
       {"items", "prepacked"},
       {"area", "120"},
       {"staff", "5"},
       {"safety_manager", "李四光"}},
      10};
  int64_t past = time(NULL) - 40 * 86400;
  tb_store_new_application a = {.definition_id = "spjy",
                                .kind = TB_APPLICANT_ORGANIZATION,
                                .name = "杭州通办科技有限公司",
                                .id_number = ORG_ID,
                                .form = &form,
                                .channel = TB_CHANNEL_WINDOW,
                                .materials = UINT64_C(0x1ff),
                                .at = past};
  tb_store_actor clerk = {101, "clerk-wang", "clerk", NULL};
  tb_store_outcome *out = tb_xmalloc(sizeof *out);
  char code[TB_STORE_TRACKING_CODE_LEN + 1];
  tb_store_status rc = tb_store_application_create(s, &a, &clerk, out, code);
  if (rc != TB_STORE_OK)
    printf("# create: %s: %s %s\n", tb_store_status_name(rc),
           out->problem.field, out->problem.detail);
  tb_event acc = {.kind = TB_EV_ACCEPT, .actor = clerk.id, .at = past + 60};
  memcpy(number, out->number, TB_APP_NUMBER_LEN + 1);
  if (rc == TB_STORE_OK)
    rc = tb_store_transition(s, number, &acc, &clerk, NULL, NULL, NULL, out);
  free(out);
  return rc == TB_STORE_OK;
}

#ifdef TB_FAULT_INJECTION
static char *snapshot(PGconn *c) {
  PGresult *r = PQexec(c, TABLES);
  char *out = tb_xstrndup(PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0),
                          strlen(PQgetvalue(r, 0, 0)));
  PQclear(r);
  return out;
}

static void timer_firing_fails_cleanly_at_every_statement(void) {
  tb_store *s = tb_pg_store(pg.server);
  PGconn *c = tb_pg_connect(pg.admin);
  size_t loaded = 0;
  tb_problem prob = {0};
  TB_CHECK_INT(tb_store_definitions_load_dir(s, workflows_dir, &loaded, &prob),
               TB_STORE_OK);
  char number[TB_APP_NUMBER_LEN + 1];
  TB_CHECK(app_with_due_timers(s, number));
  long long due = tb_pg_value(c, "SELECT count(*) FROM timers WHERE due_at "
                                 "<= now()");
  TB_CHECKF(due > 0, "%lld timers due", due);
  char *before = snapshot(c);
  int fired = 0;
  /* how many statements one firing sends: fail its COMMIT */
  TB_CHECK(tb_store_fault_arm(s, 0, TB_STORE_FAULT_HARD));
  TB_CHECK(tb_store_timers_fire(s, 1, &fired, NULL, NULL) != TB_STORE_OK);
  int n = tb_store_fault_statements(s);
  TB_CHECKF(n >= 3, "%d statements", n);
  static const tb_store_fault kinds[] = {
      TB_STORE_FAULT_HARD, TB_STORE_FAULT_LOST, TB_STORE_FAULT_LOST_AFTER};
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
    int last = kinds[k] == TB_STORE_FAULT_LOST_AFTER ? n - 1 : n;
    for (int i = 1; i <= last; i++) {
      TB_CHECK(tb_store_fault_arm(s, i, kinds[k]));
      tb_store_status rc = tb_store_timers_fire(s, 1, &fired, NULL, NULL);
      TB_CHECKF(rc != TB_STORE_OK && fired == 0 && tb_store_fault_fired(s),
                "fault %zu at %d of %d: %s, %d fired", k, i, n,
                tb_store_status_name(rc), fired);
      char *now = snapshot(c);
      TB_CHECKF(strcmp(now, before) == 0, "fault %zu at %d of %d changed rows",
                k, i, n);
      free(now);
    }
  }
  /* the connection lost after COMMIT went out: unknown, but committed */
  TB_CHECK(tb_store_fault_arm(s, n, TB_STORE_FAULT_LOST_AFTER));
  TB_CHECK_INT(tb_store_timers_fire(s, 1, &fired, NULL, NULL),
               TB_STORE_UNKNOWN);
  /* the server still holds the COMMIT that went out: wait for it */
  long long left = due;
  for (int i = 0; i < 500 && left != due - 1; i++) {
    usleep(10 * 1000);
    left = tb_pg_value(c, "SELECT count(*) FROM timers WHERE due_at <= now()");
  }
  TB_CHECKF(left == due - 1, "%lld of %lld timers left", left, due);
  /* the rest fire, each once */
  TB_CHECK_INT(tb_store_timers_fire(s, 100, &fired, NULL, NULL), TB_STORE_OK);
  TB_CHECK_INT(fired, (int)(due - 1));
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM timers WHERE due_at <= "
                              "now()"),
               0);
  tb_store_audit_report rep;
  TB_CHECK_INT(tb_store_audit_verify(s, NULL, &rep), TB_STORE_OK);
  TB_CHECKF(!rep.broken, "%s %d: %s", rep.number, rep.seq, rep.what);
  free(before);
  PQfinish(c);
  tb_store_close(s);
}

static long long checkpoint_rows(PGconn *c) {
  return tb_pg_value(c, "SELECT (SELECT count(*) FROM audit_checkpoints) + "
                        "(SELECT count(*) FROM audit_checkpoint_heads)");
}

/* A checkpoint failed at each of its statements leaves no checkpoint and
 * no recorded head behind, and no line to append. */
static void checkpoint_fails_cleanly_at_every_statement(void) {
  tb_store *s = tb_pg_store(pg.server);
  PGconn *c = tb_pg_connect(pg.admin);
  tb_store_audit_checkpoint_result made;
  TB_CHECK(tb_store_fault_arm(s, 0, TB_STORE_FAULT_HARD));
  TB_CHECK(tb_store_audit_checkpoint(s, 0, stand_in_sign, NULL, &made) !=
           TB_STORE_OK);
  int n = tb_store_fault_statements(s);
  TB_CHECKF(n >= 5, "%d statements", n);
  static const tb_store_fault kinds[] = {TB_STORE_FAULT_HARD,
                                         TB_STORE_FAULT_LOST};
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
    for (int i = 1; i <= n; i++) {
      TB_CHECK(tb_store_fault_arm(s, i, kinds[k]));
      tb_store_status rc =
          tb_store_audit_checkpoint(s, 0, stand_in_sign, NULL, &made);
      TB_CHECKF(rc != TB_STORE_OK && made.seq == 0 && !made.line &&
                    tb_store_fault_fired(s),
                "fault %zu at %d of %d: %s", k, i, n, tb_store_status_name(rc));
      TB_CHECKF(checkpoint_rows(c) == 0, "fault %zu at %d of %d left rows", k,
                i, n);
    }
  }
  TB_CHECK_INT(tb_store_audit_checkpoint(s, 0, stand_in_sign, NULL, &made),
               TB_STORE_OK);
  TB_CHECK(made.seq == 1 && made.line != NULL);
  TB_CHECK_INT(made.size, tb_pg_value(c, "SELECT count(*) FROM applications"));
  TB_CHECK_INT(checkpoint_rows(c), 1 + made.size);
  free(made.line);
  PQfinish(c);
  tb_store_close(s);
}
#endif

/* ---- a locked application does not hold up the scheduler ------------------
 */

typedef struct {
  PGconn *holder;
  double seconds;
} release_job;

static void *release_later(void *arg) {
  release_job *j = arg;
  usleep((useconds_t)(j->seconds * 1e6));
  tb_pg_exec(j->holder, "COMMIT");
  return NULL;
}

typedef struct {
  const char *locked;
  int of_locked, others;
} fired_count;

static void count_fired(const tb_store_fired *f, void *cls) {
  fired_count *c = cls;
  if (strcmp(f->number, c->locked) == 0)
    c->of_locked++;
  else
    c->others++;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void locked_application_skipped_by_timers(void) {
  tb_store *s = tb_pg_store(pg.server);
  PGconn *c = tb_pg_connect(pg.admin);
  size_t loaded = 0;
  tb_problem prob = {0};
  TB_CHECK_INT(tb_store_definitions_load_dir(s, workflows_dir, &loaded, &prob),
               TB_STORE_OK);
  tb_pg_exec(c, "DELETE FROM timers"); /* only this case's timers */
  char locked[TB_APP_NUMBER_LEN + 1], free_one[TB_APP_NUMBER_LEN + 1];
  TB_CHECK(app_with_due_timers(s, locked));
  TB_CHECK(app_with_due_timers(s, free_one));
  /* another session holds the first application's row lock for 3 s */
  PGconn *holder = tb_pg_connect(pg.admin);
  char q[200];
  snprintf(q, sizeof q,
           "BEGIN; SELECT 1 FROM applications WHERE number = '%s' FOR UPDATE",
           locked);
  TB_CHECK(tb_pg_exec(holder, q));
  release_job job = {holder, 3.0};
  pthread_t th;
  pthread_create(&th, NULL, release_later, &job);
  fired_count n = {locked, 0, 0};
  int fired = 0;
  double t0 = now_s();
  TB_CHECK_INT(tb_store_timers_fire(s, 100, &fired, count_fired, &n),
               TB_STORE_OK);
  double took = now_s() - t0;
  TB_CHECKF(took < 2.0, "the scheduler waited %.1f s for a locked row", took);
  TB_CHECKF(n.others > 0 && n.of_locked == 0,
            "%d of the free application fired, %d of the locked one", n.others,
            n.of_locked);
  pthread_join(th, NULL);
  /* once the lock is gone, the held timers fire too */
  TB_CHECK_INT(tb_store_timers_fire(s, 100, &fired, count_fired, &n),
               TB_STORE_OK);
  TB_CHECK(n.of_locked > 0);
  PQfinish(holder);
  PQfinish(c);
  tb_store_close(s);
}

/* Several servers, one checkpoint an interval: a node that finds the
 * checkpoint lock held, or a checkpoint younger than its interval, makes
 * none and does not wait. */
static void one_node_checkpoints_per_interval(void) {
  tb_store *a = tb_pg_store(pg.server), *b = tb_pg_store(pg.server);
  PGconn *c = tb_pg_connect(pg.admin);
  tb_store_audit_checkpoint_result made;
  TB_CHECK_INT(tb_store_audit_checkpoint(a, 0, stand_in_sign, NULL, &made),
               TB_STORE_OK);
  long long seq = made.seq;
  free(made.line);
  TB_CHECK(seq >= 1);
  TB_CHECK_INT(tb_store_audit_checkpoint(b, 600, stand_in_sign, NULL, &made),
               TB_STORE_OK);
  TB_CHECK(made.seq == 0 && made.line == NULL);
  PGconn *holder = tb_pg_connect(pg.server);
  TB_CHECK(tb_pg_exec(holder, "BEGIN; SELECT pg_advisory_xact_lock("
                              "7291000002)"));
  TB_CHECK_INT(tb_store_audit_checkpoint(b, 1, stand_in_sign, NULL, &made),
               TB_STORE_OK);
  TB_CHECK(made.seq == 0);
  TB_CHECK(tb_pg_exec(holder, "COMMIT"));
  TB_CHECK_INT(tb_pg_value(c, "SELECT max(seq) FROM audit_checkpoints"), seq);
  PQfinish(holder);
  PQfinish(c);
  tb_store_close(a);
  tb_store_close(b);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc != 2) {
    fprintf(stderr, "usage: test_store_txn WORKFLOWS_DIR\n");
    return 2;
  }
  workflows_dir = argv[1];
  if (!tb_pg_start(&pg)) {
    printf("Bail out! no PostgreSQL cluster\n");
    return 1;
  }
  TB_RUN(swallowed_failure_is_not_committed);
  TB_RUN(commit_answered_rollback_is_an_error);
  TB_RUN(deferred_constraint_at_commit_is_an_error);
  TB_RUN(deferred_writes_share_round_trips);
  TB_RUN(dead_connection_at_begin_is_retried);
#ifdef TB_FAULT_INJECTION
  TB_RUN(pipeline_fails_like_single_statements);
  TB_RUN(soft_failure_is_retried_once);
  TB_RUN(timer_firing_fails_cleanly_at_every_statement);
  TB_RUN(checkpoint_fails_cleanly_at_every_statement);
#endif
  TB_RUN(locked_application_skipped_by_timers);
  TB_RUN(one_node_checkpoints_per_interval);
  tb_pg_stop(&pg);
  return tb_test_done();
}
