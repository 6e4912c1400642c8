/*
 * tb_store_conn.c — connections, prepared statements and transactions.
 *
 * Every statement goes through tb_store_exec: prepared once per connection
 * on first use, parameters only. tb_store_run_transaction retries the whole
 * transaction on serialization failures and deadlocks with jittered
 * exponential backoff; a lost connection is reopened on the next call.
 * Inside a transaction, BEGIN and the writes nobody reads back
 * (tb_store_exec_deferred) wait in a bounded queue and go out in one libpq
 * pipeline with the next statement whose answer is needed, or with
 * COMMIT: fewer round trips, the same answers.
 */
#include "tb_store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_IDEMPOTENCY_TTL 86400
#define DEFAULT_ATTEMPTS 10

const char *tb_store_status_name(tb_store_status s) {
  static const char *const names[] = {
      [TB_STORE_OK] = "ok",
      [TB_STORE_NOT_FOUND] = "not_found",
      [TB_STORE_REFUSED] = "refused",
      [TB_STORE_INVALID] = "invalid",
      [TB_STORE_CONFLICT] = "conflict",
      [TB_STORE_REPLAY] = "replay",
      [TB_STORE_UNAVAILABLE] = "unavailable",
      [TB_STORE_BUSY] = "busy",
      [TB_STORE_SCHEMA] = "schema",
      [TB_STORE_ERROR] = "error",
      [TB_STORE_UNKNOWN] = "unknown",
  };
  if ((unsigned)s < sizeof names / sizeof names[0] && names[s])
    return names[s];
  return "unknown";
}

void tb_store_copy(char *dst, size_t cap, const char *src) {
  if (cap == 0)
    return;
  size_t n = src ? strnlen(src, cap - 1) : 0;
  if (n)
    memcpy(dst, src, n);
  dst[n] = '\0';
}

bool tb_store_parse_i64(const char *s, int64_t *out) {
  if (!s || !*s)
    return false;
  char *end = NULL;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || !end || *end)
    return false;
  *out = v;
  return true;
}

int64_t tb_store_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void tb_store_format_at_us(int64_t us, char out[32]) {
  time_t secs = (time_t)(us / 1000000);
  long frac = (long)(us % 1000000);
  if (frac < 0) {
    frac += 1000000;
    secs--;
  }
  struct tm tm;
  gmtime_r(&secs, &tm);
  char date[24];
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out, 32, "%s.%06ldZ", date, frac);
}

void tb_store_json_member(tb_buf *b, const char *key, const char *s) {
  tb_buf_addf(b, ",\"%s\":", key);
  if (s)
    tb_json_put_string(b, s, strlen(s));
  else
    tb_buf_adds(b, "null");
}

void tb_store_bytea(const uint8_t *in, size_t n, char *out) {
  out[0] = '\\';
  out[1] = 'x';
  tb_hex_encode(in, n, out + 2);
}

bool tb_store_unhex_bytea(const char *text, uint8_t *out, size_t n) {
  return text && text[0] == '\\' && text[1] == 'x' &&
         tb_hex_decode(text + 2, strlen(text + 2), out, n);
}

void tb_store_sha256(const void *a, size_t alen, const void *b, size_t blen,
                     uint8_t out[32]) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned int len = 32;
  if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
      !EVP_DigestUpdate(ctx, a, alen) ||
      (blen && !EVP_DigestUpdate(ctx, b, blen)) ||
      !EVP_DigestFinal_ex(ctx, out, &len)) {
    tb_log(TB_LOG_ERROR, "store", "sha-256 failed");
    abort();
  }
  EVP_MD_CTX_free(ctx);
}

const char *tb_store_sqlstate(const PGresult *r) {
  const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  return s ? s : "";
}

/* Write "host … port … database … user …" of a connection attempt. */
static void describe_target(PGconn *c, char *out, size_t cap) {
  const char *host = PQhost(c), *port = PQport(c), *db = PQdb(c),
             *user = PQuser(c);
  snprintf(out, cap, "host \"%s\", port %s, database \"%s\", user \"%s\"",
           host && *host ? host : "(default socket)",
           port && *port ? port : "5432", db ? db : "", user ? user : "");
}

static void first_line(const char *msg, char *out, size_t cap) {
  size_t n = 0;
  while (msg && msg[n] && msg[n] != '\n')
    n++;
  if (n >= cap)
    n = cap - 1;
  memcpy(out, msg ? msg : "", n);
  out[n] = '\0';
}

static void ignore_notice(void *arg, const char *message) {
  (void)arg;
  (void)message;
}

/* Close the handle's connection, if any, and count it closed. */
static void disconnect(tb_store *s) {
  if (s->conn)
    PQfinish(s->conn);
  s->conn = NULL;
  if (s->counted_open && s->counters)
    atomic_fetch_sub_explicit(&s->counters->open, 1, memory_order_relaxed);
  s->counted_open = false;
}

/* Count one wait for a connection to open, its time and its outcome. */
static void count_connect(tb_store *s, int64_t started_us, bool ok) {
  tb_store_counters *c = s->counters;
  if (!c)
    return;
  int64_t us = tb_store_now_us() - started_us;
  atomic_fetch_add_explicit(&c->waits, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&c->wait_us, (unsigned long long)(us > 0 ? us : 0),
                            memory_order_relaxed);
  if (ok)
    atomic_fetch_add_explicit(&c->open, 1, memory_order_relaxed);
  else
    atomic_fetch_add_explicit(&c->open_failures, 1, memory_order_relaxed);
}

static bool connect_now(tb_store *s, char *err, size_t err_len) {
  disconnect(s);
  s->n_prepared = 0;
  s->in_txn = false;
  s->queue.n = 0;
  s->queue.n_params = 0;
  s->queue.used = 0;
  s->begin_pending = false;
  int64_t started = tb_store_now_us();
  s->conn = PQconnectdb(s->conninfo);
  bool ok = s->conn && PQstatus(s->conn) == CONNECTION_OK;
  count_connect(s, started, ok);
  if (ok) {
    s->counted_open = s->counters != NULL;
    PQsetNoticeProcessor(s->conn, ignore_notice, NULL);
    return true;
  }
  if (err && err_len) {
    char where[512], why[512];
    if (s->conn) {
      describe_target(s->conn, where, sizeof where);
      first_line(PQerrorMessage(s->conn), why, sizeof why);
    } else {
      tb_store_copy(where, sizeof where, "(no connection object)");
      tb_store_copy(why, sizeof why, "out of memory");
    }
    snprintf(err, err_len,
             "could not connect to the database at %s: %s — check that "
             "PostgreSQL is running there and that --db or "
             "TONGBAN_DATABASE_URL is right",
             where, why);
  }
  return false;
}

tb_store_status tb_store_open(const tb_store_options *o, tb_store **out,
                              char *err, size_t err_len) {
  *out = NULL;
  tb_store *s = tb_xcalloc(1, sizeof *s);
  s->conninfo = tb_xstrndup(o->conninfo ? o->conninfo : "",
                            strlen(o->conninfo ? o->conninfo : ""));
  tb_store_copy(s->region, sizeof s->region, o->region ? o->region : "330100");
  s->idempotency_ttl =
      o->idempotency_ttl > 0 ? o->idempotency_ttl : DEFAULT_IDEMPOTENCY_TTL;
  s->max_attempts = o->max_attempts > 0 ? o->max_attempts : DEFAULT_ATTEMPTS;
  s->session_idle = o->session_idle > 0 ? o->session_idle : 1800;
  s->calendar_version = -1;
  s->has_loader = o->loader != NULL;
  if (o->loader)
    s->loader = *o->loader;
  if (o->licenses)
    s->licenses = *o->licenses;
  s->rand_state = (unsigned)(tb_store_now_us() ^ (int64_t)getpid());
  s->counters = o->counters;
  if (o->events)
    s->events = *o->events;
  if (!connect_now(s, err, err_len)) {
    tb_store_close(s);
    return TB_STORE_UNAVAILABLE;
  }
  *out = s;
  return TB_STORE_OK;
}

void tb_store_close(tb_store *s) {
  if (!s)
    return;
  disconnect(s);
  for (int i = 0; i < s->n_defs; i++)
    tb_definition_free(s->defs[i].def);
  if (s->bureaus && s->loader.free_bureaus)
    s->loader.free_bureaus(s->bureaus);
  tb_calendar_free(s->calendar);
  free(s->conninfo);
  free(s);
}

bool tb_store_connected(const tb_store *s) {
  return s->conn && PQstatus(s->conn) == CONNECTION_OK;
}

tb_store_status tb_store_reconnect(tb_store *s) {
  char err[1024];
  if (connect_now(s, err, sizeof err)) {
    tb_log(TB_LOG_INFO, "store", "reconnected to the database");
    return TB_STORE_OK;
  }
  return TB_STORE_UNAVAILABLE;
}

tb_store_status tb_store_ensure(tb_store *s) {
  if (tb_store_connected(s))
    return TB_STORE_OK;
  return tb_store_reconnect(s);
}

/* Classify a failed result: logs it, sets the retry / lost flags and
 * remembers the first failure of the open transaction on the handle. */
static tb_store_status classify(tb_store *s, const char *what, PGresult *r) {
  const char *state = tb_store_sqlstate(r);
  if (PQstatus(s->conn) != CONNECTION_OK) {
    s->lost = true;
    tb_log_kv(TB_LOG_WARN, "store", "the database connection was lost",
              TB_LOG_S("statement", what));
    return TB_STORE_UNAVAILABLE;
  }
  if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0) {
    s->retry = true;
    s->retry_reason =
        state[2] == '0' ? TB_STORE_RETRY_40001 : TB_STORE_RETRY_40P01;
    return TB_STORE_ERROR;
  }
  char msg[512];
  first_line(r ? PQresultErrorMessage(r) : PQerrorMessage(s->conn), msg,
             sizeof msg);
  tb_log_kv(TB_LOG_ERROR, "store", "statement failed",
            TB_LOG_S("statement", what), TB_LOG_S("sqlstate", state),
            TB_LOG_S("error", msg));
  return TB_STORE_ERROR;
}

static tb_store_status failed(tb_store *s, const char *what, PGresult *r) {
  tb_store_status rc = classify(s, what, r);
  if (s->in_txn && s->txn_failed == TB_STORE_OK)
    s->txn_failed = rc;
  if (rc == TB_STORE_UNAVAILABLE && s->begin_pending)
    s->begin_lost = true; /* nothing of the transaction was sent yet */
  return rc;
}

static bool is_prepared(const tb_store *s, const tb_store_stmt *st) {
  for (int i = 0; i < s->n_prepared; i++)
    if (s->prepared[i] == st)
      return true;
  return false;
}

static tb_store_status prepare(tb_store *s, const tb_store_stmt *st) {
  if (is_prepared(s, st))
    return TB_STORE_OK;
  if (s->n_prepared >= TB_STORE_MAX_PREPARED) {
    tb_log_kv(TB_LOG_ERROR, "store", "too many prepared statements",
              TB_LOG_I("prepared", s->n_prepared));
    return TB_STORE_ERROR;
  }
  s->round_trips++;
  PGresult *r = PQprepare(s->conn, st->name, st->sql, st->n_params, NULL);
  tb_store_status rc = TB_STORE_OK;
  if (PQresultStatus(r) != PGRES_COMMAND_OK)
    rc = failed(s, st->name, r);
  else
    s->prepared[s->n_prepared++] = st;
  PQclear(r);
  return rc;
}

static bool result_ok(const PGresult *r) {
  ExecStatusType t = PQresultStatus(r);
  return t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK;
}

static tb_store_status exec_once(tb_store *s, const tb_store_stmt *st,
                                 const char *const *params, PGresult **res);

/* The connection is in use from the first of nested uses (a transaction,
 * a statement) to the end of the last. */
static void use_begin(tb_store *s) {
  if (s->use_depth++ == 0 && s->counters)
    atomic_fetch_add_explicit(&s->counters->in_use, 1, memory_order_relaxed);
}

static void use_end(tb_store *s) {
  if (--s->use_depth == 0 && s->counters)
    atomic_fetch_sub_explicit(&s->counters->in_use, 1, memory_order_relaxed);
}

/* Outside a transaction, a statement that finds its connection gone is
 * tried once more on a new one: the server ended that session (a restart
 * ends every idle backend) before the statement could run, and an idle
 * connection's death is only noticed when it is used. */
tb_store_status tb_store_exec(tb_store *s, const tb_store_stmt *st,
                              const char *const *params, PGresult **res) {
  bool alone = !s->in_txn;
  if (alone)
    s->lost = false;
  use_begin(s);
  tb_store_status rc = exec_once(s, st, params, res);
  if (rc == TB_STORE_UNAVAILABLE && alone && s->lost &&
      tb_store_reconnect(s) == TB_STORE_OK) {
    s->lost = false;
    rc = exec_once(s, st, params, res);
  }
  use_end(s);
  return rc;
}

/* ---- fault injection (test builds) ---------------------------------------
 *
 * Every statement sent inside a transaction is counted; in a build with
 * TB_FAULT_INJECTION the armed statement fails for real: the server
 * raises an error (hard, or 40001 for soft) in place of the statement,
 * or the socket is shut before or after the statement is sent. */

bool tb_store_fault_fired(const tb_store *s) {
  return s->fault.fired;
}

int tb_store_fault_statements(const tb_store *s) {
  return s->fault.last_count;
}

unsigned long long tb_store_round_trips(const tb_store *s) {
  return s->round_trips;
}

/* The statement an injected HARD or SOFT fault sends in place of the
 * real one; NULL for the other kinds. */
static const char *injected_sql(tb_store_fault f) {
  if (f == TB_STORE_FAULT_HARD)
    return "DO $$BEGIN RAISE EXCEPTION 'injected fault' USING ERRCODE = "
           "'XX000'; END$$";
  if (f == TB_STORE_FAULT_SOFT)
    return "DO $$BEGIN RAISE EXCEPTION 'injected serialization failure' "
           "USING ERRCODE = '40001'; END$$";
  return NULL;
}

#ifdef TB_FAULT_INJECTION
bool tb_store_fault_arm(tb_store *s, int n, tb_store_fault kind) {
  s->fault.kind = kind;
  s->fault.at = n;
  s->fault.armed = true;
  s->fault.fired = false;
  s->fault.last_count = 0;
  return true;
}

/* The fault that hits the statement about to be sent, if any. */
static tb_store_fault fault_due(tb_store *s) {
  if (!s->in_txn)
    return TB_STORE_FAULT_NONE;
  s->fault.count++;
  bool hit = s->fault.at == 0 ? s->committing : s->fault.count == s->fault.at;
  if (!s->fault.active || !hit)
    return TB_STORE_FAULT_NONE;
  s->fault.fired = true;
  return s->fault.kind;
}

/* Cut the connection under libpq: the socket's descriptor becomes one
 * end of a socket pair whose other end is closed, so libpq reads end of
 * file from now on, and the server sees its connection close whatever
 * was already on its way. */
static void cut(tb_store *s) {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0) {
    if (dup3(pair[0], PQsocket(s->conn), O_CLOEXEC) < 0)
      shutdown(PQsocket(s->conn), SHUT_RDWR);
    close(pair[0]);
    close(pair[1]);
  } else {
    shutdown(PQsocket(s->conn), SHUT_RDWR);
  }
}

/* Send a statement (prepared st with params, or the plain text sql) with
 * the fault f around it, and wait for its last result. */
static PGresult *send_faulty(tb_store *s, const tb_store_stmt *st,
                             const char *const *params, const char *sql,
                             tb_store_fault f) {
  if (injected_sql(f)) {
    st = NULL;
    params = NULL;
    sql = injected_sql(f);
  }
  if (f == TB_STORE_FAULT_LOST)
    cut(s);
  int sent = st ? PQsendQueryPrepared(s->conn, st->name, st->n_params, params,
                                      NULL, NULL, 0)
                : PQsendQuery(s->conn, sql);
  if (sent && f == TB_STORE_FAULT_LOST_AFTER) {
    while (PQflush(s->conn) == 1) {
    }
    cut(s);
  }
  PGresult *last = NULL, *r;
  while ((r = PQgetResult(s->conn)) != NULL) {
    PQclear(last);
    last = r;
    if (PQstatus(s->conn) != CONNECTION_OK)
      break;
  }
  return last;
}
#else
bool tb_store_fault_arm(tb_store *s, int n, tb_store_fault kind) {
  (void)s;
  (void)n;
  (void)kind;
  return false;
}

static tb_store_fault fault_due(tb_store *s) {
  if (s->in_txn)
    s->fault.count++;
  return TB_STORE_FAULT_NONE;
}

static PGresult *send_faulty(tb_store *s, const tb_store_stmt *st,
                             const char *const *params, const char *sql,
                             tb_store_fault f) {
  (void)f;
  return st ? PQexecPrepared(s->conn, st->name, st->n_params, params, NULL,
                             NULL, 0)
            : PQexec(s->conn, sql);
}
#endif

/* ---- deferred writes and the pipeline --------------------------------------
 *
 * tb_store_exec_deferred queues a write whose result nobody reads; BEGIN
 * itself is queued when a transaction starts. The queue goes out in one
 * pipeline (PQenterPipelineMode, a PQsendQuery… per statement, one
 * PQpipelineSync) with the next synchronous statement, or with COMMIT,
 * or alone when it is full. One round trip instead of one per statement;
 * the first failed result decides, exactly as if the statements had gone
 * one by one: the later ones come back PGRES_PIPELINE_ABORTED. */

typedef struct {
  const char *what;          /* its name in logs */
  const tb_store_stmt *st;   /* prepared, or NULL: sql */
  const char *sql;           /* a text without parameters */
  const char *const *params; /* st's */
  tb_store_fault fault;      /* injected (test builds) */
  bool begin, commit;        /* the transaction's BEGIN, its COMMIT */
} pipe_entry;

static void queue_clear(tb_store *s) {
  s->queue.n = 0;
  s->queue.n_params = 0;
  s->queue.used = 0;
}

/* The queued statements as pipeline entries; returns how many. */
static int queued_entries(tb_store *s, pipe_entry *e) {
  for (int i = 0; i < s->queue.n; i++) {
    const tb_store_queued *q = &s->queue.items[i];
    e[i] = (pipe_entry){.what = q->st ? q->st->name : "BEGIN",
                        .st = q->st,
                        .sql = q->st ? NULL : "BEGIN",
                        .params = q->st ? s->queue.params + q->first : NULL,
                        .fault = q->fault,
                        .begin = q->st == NULL};
  }
  return s->queue.n;
}

/* Hand one entry to libpq, with its injected fault. false: nothing after
 * it is sent (the connection was cut, or libpq refused); *handed tells
 * whether the entry itself went. */
static bool pipe_send(tb_store *s, const pipe_entry *e, bool *handed) {
  *handed = false;
#ifdef TB_FAULT_INJECTION
  if (e->fault == TB_STORE_FAULT_LOST) {
    cut(s);
    return false;
  }
#endif
  const char *sql = injected_sql(e->fault);
  if (!sql && !e->st)
    sql = e->sql;
  int ok = sql ? PQsendQueryParams(s->conn, sql, 0, NULL, NULL, NULL, NULL, 0)
               : PQsendQueryPrepared(s->conn, e->st->name, e->st->n_params,
                                     e->params, NULL, NULL, 0);
  if (!ok)
    return false;
  *handed = true;
#ifdef TB_FAULT_INJECTION
  if (e->fault == TB_STORE_FAULT_LOST_AFTER) {
    if (e->commit) /* COMMIT on its way with its Sync, as it goes alone */
      PQpipelineSync(s->conn);
    while (PQflush(s->conn) == 1) {
    }
    cut(s);
    return false;
  }
#endif
  return true;
}

/* What reading a pipeline's answers found. */
typedef struct {
  int failed;      /* the first entry whose result failed, -1: none */
  PGresult *error; /* its result */
  bool lost;       /* the connection went */
} pipe_outcome;

/* Read the answers of n entries and the Sync; the results of the last
 * n_res entries go to res[] (when res is not NULL) if they succeeded. */
static void pipe_read(tb_store *s, int n, int n_res, PGresult **res,
                      pipe_outcome *o) {
  for (int i = 0; i < n && !o->lost; i++) {
    PGresult *r = PQgetResult(s->conn), *x;
    if (!r) {
      o->lost = true;
      o->failed = o->failed < 0 ? i : o->failed;
      break;
    }
    ExecStatusType t = PQresultStatus(r);
    if (t != PGRES_PIPELINE_ABORTED && !result_ok(r) && o->failed < 0) {
      o->failed = i;
      o->error = r;
    } else if (t != PGRES_PIPELINE_ABORTED && result_ok(r) && res &&
               i >= n - n_res) {
      res[i - (n - n_res)] = r;
    } else {
      PQclear(r);
    }
    while ((x = PQgetResult(s->conn)) != NULL) /* the end of its results */
      PQclear(x);
    o->lost = PQstatus(s->conn) != CONNECTION_OK;
    if (o->lost && o->failed < 0) /* the first one not answered */
      o->failed = i + 1 < n ? i + 1 : n - 1;
  }
  if (o->lost)
    return;
  PGresult *sync = PQgetResult(s->conn);
  o->lost = PQresultStatus(sync) != PGRES_PIPELINE_SYNC ||
            PQexitPipelineMode(s->conn) != 1;
  PQclear(sync);
  if (o->lost && o->failed < 0)
    o->failed = n - 1;
}

/* The connection went during a pipeline: the failure belongs to entry
 * `at` (the one cut at, or the first unanswered). Lost at BEGIN is lost
 * before anything was done; lost before a queued COMMIT was handed to
 * libpq is not an unknown outcome. */
static tb_store_status pipe_lost(tb_store *s, const pipe_entry *e, int n,
                                 int at, int handed) {
  if (PQstatus(s->conn) == CONNECTION_OK)
    PQconsumeInput(s->conn); /* a cut socket reads end of file */
  s->lost = true;
  if (e[at].begin)
    s->begin_lost = true;
  if (e[n - 1].commit)
    s->commit_unsent = handed < n && at != n - 1;
  tb_log_kv(TB_LOG_WARN, "store", "the database connection was lost",
            TB_LOG_S("statement", e[at].what));
  if (s->in_txn && s->txn_failed == TB_STORE_OK)
    s->txn_failed = TB_STORE_UNAVAILABLE;
  return TB_STORE_UNAVAILABLE;
}

static void clear_results(PGresult **res, int n) {
  for (int i = 0; res && i < n; i++) {
    PQclear(res[i]);
    res[i] = NULL;
  }
}

/* Send the queue, then the n_tail entries of tail, in one pipeline and
 * read every answer; res[k] (res may be NULL) gets tail[k]'s result when
 * every statement succeeded, NULL otherwise. The queue is empty
 * afterwards, whatever happened. */
static tb_store_status pipe_run(tb_store *s, const pipe_entry *tail, int n_tail,
                                PGresult **res) {
  pipe_entry e[TB_STORE_QUEUE_MAX + 2];
  int n = queued_entries(s, e);
  for (int k = 0; k < n_tail && k < 2; k++) {
    e[n++] = tail[k];
    if (res)
      res[k] = NULL;
  }
  queue_clear(s);
  s->begin_pending = false;
  s->round_trips++;
  int handed = 0, stop = -1;
  if (PQenterPipelineMode(s->conn) != 1)
    stop = 0;
  for (int i = 0; stop < 0 && i < n; i++) {
    bool went = false;
    if (!pipe_send(s, &e[i], &went))
      stop = i;
    handed += went;
  }
  if (stop < 0 && PQpipelineSync(s->conn) != 1)
    stop = n - 1;
  pipe_outcome o = {.failed = -1};
  if (stop < 0)
    pipe_read(s, n, n_tail, res, &o);
  if (stop >= 0 || o.lost) {
    PQclear(o.error);
    clear_results(res, n_tail);
    return pipe_lost(s, e, n, stop >= 0 ? stop : o.failed, handed);
  }
  if (o.failed < 0)
    return TB_STORE_OK;
  clear_results(res, n_tail);
  tb_store_status rc = failed(s, e[o.failed].what, o.error);
  PQclear(o.error);
  return rc;
}

/* Whether st with params fits in the queue as it is now. */
static bool queue_fits(const tb_store *s, const tb_store_stmt *st,
                       const char *const *params) {
  size_t bytes = 0;
  for (int i = 0; i < st->n_params; i++)
    bytes += params[i] ? strlen(params[i]) + 1 : 0;
  return s->queue.n < TB_STORE_QUEUE_MAX &&
         s->queue.n_params + st->n_params <= TB_STORE_QUEUE_PARAMS &&
         bytes <= TB_STORE_QUEUE_BYTES - s->queue.used;
}

static void queue_add(tb_store *s, const tb_store_stmt *st,
                      const char *const *params, tb_store_fault f) {
  tb_store_queued *q = &s->queue.items[s->queue.n++];
  q->st = st;
  q->first = s->queue.n_params;
  q->fault = f;
  for (int i = 0; st && i < st->n_params; i++) {
    char *copy = NULL;
    if (params[i]) {
      size_t len = strlen(params[i]) + 1;
      copy = s->queue.bytes + s->queue.used;
      memcpy(copy, params[i], len);
      s->queue.used += len;
    }
    s->queue.params[s->queue.n_params++] = copy;
  }
}

/* A transaction starts: BEGIN waits in the queue for the first flush. */
static void queue_begin(tb_store *s) {
  queue_clear(s);
  queue_add(s, NULL, NULL, TB_STORE_FAULT_NONE);
  s->begin_pending = true;
}

/* Run one statement; *res gets a successful result (or stays NULL). */
static tb_store_status run_statement(tb_store *s, const char *what,
                                     const tb_store_stmt *st,
                                     const char *const *params, const char *sql,
                                     PGresult **res) {
  if (s->queue.n > 0 && !st && !s->committing) {
    /* a text may hold several statements, which a pipeline cannot
     * carry: the queue goes first, alone */
    tb_store_status rc = pipe_run(s, NULL, 0, NULL);
    if (rc != TB_STORE_OK)
      return rc;
  }
  tb_store_fault f = fault_due(s);
  if (s->queue.n > 0) {
    pipe_entry last = {.what = what,
                       .st = st,
                       .sql = sql,
                       .params = params,
                       .fault = f,
                       .commit = s->committing};
    return pipe_run(s, &last, 1, res);
  }
  s->round_trips++;
  PGresult *r = f != TB_STORE_FAULT_NONE ? send_faulty(s, st, params, sql, f)
                : st ? PQexecPrepared(s->conn, st->name, st->n_params, params,
                                      NULL, NULL, 0)
                     : PQexec(s->conn, sql);
  if (!result_ok(r)) {
    tb_store_status rc = failed(s, what, r);
    PQclear(r);
    return rc;
  }
  if (res)
    *res = r;
  else
    PQclear(r);
  return TB_STORE_OK;
}

static tb_store_status exec_once(tb_store *s, const tb_store_stmt *st,
                                 const char *const *params, PGresult **res) {
  if (res)
    *res = NULL;
  if (!s->in_txn && tb_store_ensure(s) != TB_STORE_OK)
    return TB_STORE_UNAVAILABLE;
  tb_store_status rc = prepare(s, st);
  if (rc != TB_STORE_OK)
    return rc;
  return run_statement(s, st->name, st, params, NULL, res);
}

tb_store_status tb_store_exec_row(tb_store *s, const tb_store_stmt *st,
                                  const char *const *params, PGresult **res) {
  tb_store_status rc = tb_store_exec(s, st, params, res);
  if (rc == TB_STORE_OK && PQntuples(*res) != 1) {
    PQclear(*res);
    *res = NULL;
    return TB_STORE_NOT_FOUND;
  }
  return rc;
}

tb_store_status tb_store_exec_deferred(tb_store *s, const tb_store_stmt *st,
                                       const char *const *params) {
  if (!s->in_txn)
    return tb_store_exec(s, st, params, NULL);
  if (s->txn_failed != TB_STORE_OK)
    return s->txn_failed; /* nothing more is sent after a failure */
  tb_store_status rc = prepare(s, st);
  if (rc == TB_STORE_OK && s->queue.n > 0 && !queue_fits(s, st, params))
    rc = pipe_run(s, NULL, 0, NULL); /* full: flushed now */
  if (rc != TB_STORE_OK)
    return rc;
  if (!queue_fits(s, st, params)) /* too large to queue: sent alone */
    return run_statement(s, st->name, st, params, NULL, NULL);
  queue_add(s, st, params, fault_due(s));
  return TB_STORE_OK;
}

tb_store_status tb_store_exec_pair(tb_store *s, const tb_store_stmt *a,
                                   const char *const *pa, PGresult **ra,
                                   const tb_store_stmt *b,
                                   const char *const *pb, PGresult **rb) {
  *ra = NULL;
  *rb = NULL;
  if (!s->in_txn) {
    tb_store_status rc = tb_store_exec(s, a, pa, ra);
    if (rc == TB_STORE_OK &&
        (rc = tb_store_exec(s, b, pb, rb)) != TB_STORE_OK) {
      PQclear(*ra);
      *ra = NULL;
    }
    return rc;
  }
  tb_store_status rc = prepare(s, a);
  if (rc == TB_STORE_OK)
    rc = prepare(s, b);
  if (rc != TB_STORE_OK)
    return rc;
  pipe_entry two[2] = {{.what = a->name, .st = a, .params = pa},
                       {.what = b->name, .st = b, .params = pb}};
  two[0].fault = fault_due(s);
  two[1].fault = fault_due(s);
  PGresult *res[2] = {NULL, NULL};
  rc = pipe_run(s, two, 2, res);
  *ra = res[0];
  *rb = res[1];
  return rc;
}

tb_store_status tb_store_exec_plain(tb_store *s, const char *sql,
                                    PGresult **res) {
  if (res)
    *res = NULL;
  if (!s->in_txn && tb_store_ensure(s) != TB_STORE_OK)
    return TB_STORE_UNAVAILABLE;
  char what[64];
  first_line(sql, what, sizeof what);
  use_begin(s);
  tb_store_status rc = run_statement(s, what, NULL, NULL, sql, res);
  use_end(s);
  return rc;
}

/* Sleep a random time in [0, base · 2^attempt) milliseconds, at most
 * 250 ms: spreads out the transactions that collided. */
static void backoff(tb_store *s, int attempt) {
  unsigned cap = 2u << (attempt < 7 ? attempt : 7);
  if (cap > 250)
    cap = 250;
  unsigned ms = (unsigned)rand_r(&s->rand_state) % cap + 1;
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
  }
}

/* ---- the events a transaction wrote (tb_store_events.c records them) --- */

void tb_store_events_forget(tb_store *s) {
  s->n_ev = 0;
  s->ev_overflow = false;
  s->ev_accounts = false;
}

void tb_store_events_tell(tb_store *s) {
  if (s->events.committed && (s->n_ev || s->ev_overflow || s->ev_accounts)) {
    const char *numbers[TB_STORE_EVENT_NUMBERS];
    for (size_t i = 0; i < s->n_ev; i++)
      numbers[i] = s->ev_numbers[i];
    s->events.committed(s->events.cls, numbers, s->n_ev, s->ev_overflow,
                        s->ev_accounts);
  }
  tb_store_events_forget(s);
}

/* ROLLBACK, unless nothing was sent yet (BEGIN still queued): then the
 * queue is dropped and the server never heard of the transaction. */
static void rollback(tb_store *s) {
  s->fault.active = false; /* ROLLBACK is not one of the counted statements */
  bool retry = s->retry;
  queue_clear(s);
  if (s->begin_pending) {
    s->begin_pending = false;
  } else {
    s->round_trips++;
    PGresult *r = PQexec(s->conn, "ROLLBACK");
    if (!result_ok(r))
      classify(s, "ROLLBACK", r);
    PQclear(r);
  }
  s->in_txn = false;
  s->retry = retry;
  tb_store_events_forget(s); /* nothing of it was committed */
}

/* COMMIT, and check what PostgreSQL answered: "ROLLBACK" means the
 * transaction had failed and nothing was written. A connection lost on
 * the way leaves the outcome unknown. */
static tb_store_status commit(tb_store *s) {
  PGresult *r = NULL;
  s->committing = true;
  tb_store_status rc = tb_store_exec_plain(s, "COMMIT", &r);
  s->committing = false;
  s->in_txn = false;
  if (rc == TB_STORE_OK) {
    const char *tag = PQcmdStatus(r);
    if (strcmp(tag, "COMMIT") != 0) {
      tb_log_kv(TB_LOG_ERROR, "store",
                "COMMIT was not answered COMMIT: the transaction was rolled "
                "back",
                TB_LOG_S("answer", tag));
      rc = TB_STORE_ERROR;
    }
  } else if (s->lost && s->commit_unsent) {
    tb_log(TB_LOG_ERROR, "store",
           "the connection was lost before COMMIT was sent: nothing was "
           "committed");
  } else if (s->lost) {
    tb_log(TB_LOG_ERROR, "store",
           "the connection was lost during COMMIT: the outcome is unknown");
    rc = TB_STORE_UNKNOWN;
  }
  PQclear(r);
  if (rc == TB_STORE_ERROR)
    rollback(s); /* a failed COMMIT has ended the transaction already; a
                    failure injected in its place has not */
  return rc;
}

/* The connection was found gone before BEGIN was answered: nothing was
 * done yet (a connection that died while idle, say at a PostgreSQL
 * restart), so it is reopened and the transaction tried again, with the
 * fault it was armed with if that did not fire. */
static tb_store_status lost_at_begin(tb_store *s, bool armed) {
  s->in_txn = false;
  queue_clear(s);
  s->begin_pending = false;
  tb_store_events_forget(s);
  s->fault.active = false;
  s->fault.armed = armed && !s->fault.fired;
  s->retry = tb_store_reconnect(s) == TB_STORE_OK;
  s->retry_reason = TB_STORE_RETRY_08006;
  return TB_STORE_UNAVAILABLE;
}

static tb_store_status attempt_once(tb_store *s, tb_store_txn_fn fn,
                                    void *cls) {
  s->retry = false;
  s->lost = false;
  s->begin_lost = false;
  s->commit_unsent = false;
  s->cal_checked = false;
  s->txn_failed = TB_STORE_OK;
  tb_store_events_forget(s);
  queue_begin(s); /* sent with the first statement, in its round trip */
  s->in_txn = true;
  bool armed = s->fault.armed;
  s->fault.active = s->fault.armed;
  s->fault.armed = false;
  s->fault.count = 0;
  tb_store_status rc = fn(s, cls);
  if (rc == TB_STORE_OK && s->txn_failed == TB_STORE_OK && s->begin_pending)
    rc = pipe_run(s, NULL, 0, NULL); /* BEGIN never shares COMMIT's pipeline:
                                     lost at BEGIN must mean "not done" */
  if (s->begin_lost)
    return lost_at_begin(s, armed);
  if (rc == TB_STORE_OK && s->txn_failed != TB_STORE_OK) {
    /* the body swallowed a failed statement: PostgreSQL has aborted the
     * transaction, and it must not be reported as done */
    tb_log(TB_LOG_ERROR, "store",
           "a statement failed inside the transaction and its body went on: "
           "rolled back, not committed");
    rc = s->txn_failed;
  }
  if (s->lost || PQstatus(s->conn) != CONNECTION_OK) {
    s->in_txn = false;
    queue_clear(s);
    s->begin_pending = false;
    tb_store_events_forget(s);
    s->fault.active = false;
    s->fault.last_count = s->fault.count;
    return TB_STORE_UNAVAILABLE;
  }
  if (rc != TB_STORE_OK) {
    s->fault.last_count = s->fault.count;
    rollback(s);
    return rc;
  }
  rc = commit(s);
  s->fault.last_count = s->fault.count;
  s->fault.active = false;
  if (rc == TB_STORE_OK || rc == TB_STORE_UNKNOWN)
    tb_store_events_tell(s); /* an unknown outcome may have committed */
  else
    tb_store_events_forget(s);
  return rc;
}

static void count_retry(tb_store *s) {
  if (s->counters && (unsigned)s->retry_reason < TB_STORE_RETRY_COUNT)
    atomic_fetch_add_explicit(&s->counters->retries[s->retry_reason], 1,
                              memory_order_relaxed);
}

tb_store_status tb_store_run_transaction(tb_store *s, tb_store_txn_fn fn,
                                         void *cls) {
  if (s->in_txn) {
    tb_log(TB_LOG_ERROR, "store", "nested transaction refused");
    return TB_STORE_ERROR;
  }
  for (int attempt = 0; attempt < s->max_attempts; attempt++) {
    if (tb_store_ensure(s) != TB_STORE_OK)
      return TB_STORE_UNAVAILABLE;
    use_begin(s);
    tb_store_status rc = attempt_once(s, fn, cls);
    use_end(s);
    if (!s->retry)
      return rc;
    count_retry(s);
    backoff(s, attempt);
  }
  if (s->counters)
    atomic_fetch_add_explicit(&s->counters->given_up, 1, memory_order_relaxed);
  tb_log_kv(TB_LOG_ERROR, "store", "transaction gave up",
            TB_LOG_I("attempts", s->max_attempts));
  return TB_STORE_BUSY;
}
