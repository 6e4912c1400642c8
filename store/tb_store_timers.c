/*
 * tb_store_timers.c — firing timers exactly once, and the scheduler
 * thread of every serve process.
 *
 * A due timer row is claimed together with its application's row with
 * FOR UPDATE SKIP LOCKED: another scheduler skips it, and so does this one
 * when a request holds the application (it comes back at the next pass).
 * The row is deleted in the transaction that fires it, so each timer fires
 * once; it is claimed only when due_at <= now(), so none fires early.
 */
#include "tb_store_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 100
#define PURGE_EVERY_US (60LL * 1000000)
#define MAX_RETRY_WAIT 5.0

static const tb_store_stmt S_CLAIM = {
    "tm_claim",
    "SELECT t.id, a.number, t.kind, t.subject, "
    "(extract(epoch FROM t.due_at) * 1000000)::bigint, "
    "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint "
    "FROM timers t JOIN applications a ON a.id = t.application_id "
    "WHERE t.due_at <= now() ORDER BY t.due_at LIMIT 1 "
    "FOR UPDATE OF t, a SKIP LOCKED",
    0};

typedef struct {
  tb_store_fired fired;
  tb_store_outcome out;
} fire_job;

static tb_store_status fire_body(tb_store *s, void *cls) {
  fire_job *j = cls;
  memset(&j->fired, 0, sizeof j->fired);
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_CLAIM, NULL, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return TB_STORE_NOT_FOUND;
  }
  tb_store_fired *f = &j->fired;
  int64_t subject = 0;
  tb_store_parse_i64(PQgetvalue(r, 0, 0), &f->timer_id);
  tb_store_copy(f->number, sizeof f->number, PQgetvalue(r, 0, 1));
  int kind = tb_timer_kind_from_name(PQgetvalue(r, 0, 2));
  tb_store_parse_i64(PQgetvalue(r, 0, 3), &subject);
  tb_store_parse_i64(PQgetvalue(r, 0, 4), &f->due_us);
  tb_store_parse_i64(PQgetvalue(r, 0, 5), &f->fired_us);
  PQclear(r);
  f->kind = kind < 0 ? TB_TIMER_KIND_COUNT : (uint8_t)kind;
  f->subject = (uint8_t)subject;
  /* the expiry timer fires the expire event; the others TB_EV_TIMER */
  tb_event ev = {.kind =
                     f->kind == TB_TIMER_EXPIRE ? TB_EV_EXPIRE : TB_EV_TIMER,
                 .at = f->fired_us / 1000000,
                 .timer = f->kind,
                 .subject = f->subject};
  rc = tb_store_fire_timer_in(s, f->number, f->timer_id, &ev, &j->out);
  f->engine = j->out.engine;
  return rc;
}

/* Count a fired timer for the metrics, and whether it was late. */
static void count_fired(tb_store *s, const tb_store_fired *f) {
  if (!s->counters)
    return;
  atomic_fetch_add_explicit(&s->counters->timers_fired, 1,
                            memory_order_relaxed);
  if (f->fired_us - f->due_us > TB_STORE_TIMER_LATE_SECONDS * 1000000LL)
    atomic_fetch_add_explicit(&s->counters->timers_late, 1,
                              memory_order_relaxed);
}

tb_store_status tb_store_timers_fire(tb_store *s, int max, int *fired,
                                     void (*on_fired)(const tb_store_fired *,
                                                      void *),
                                     void *cls) {
  *fired = 0;
  fire_job *j = tb_xmalloc(sizeof *j);
  tb_store_status rc = TB_STORE_OK;
  while (*fired < max) {
    rc = tb_store_run_transaction(s, fire_body, j);
    if (rc == TB_STORE_NOT_FOUND) {
      rc = TB_STORE_OK;
      break;
    }
    if (rc != TB_STORE_OK)
      break;
    (*fired)++;
    count_fired(s, &j->fired);
    if (on_fired)
      on_fired(&j->fired, cls);
  }
  free(j);
  return rc;
}

/* ---- the scheduler thread -------------------------------------------------
 */

struct tb_store_scheduler {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool stop;
  char *conninfo;
  tb_store_loader loader;            /* copied: opts.loader points here */
  tb_store_license_handler licenses; /* copied: opts.licenses points here */
  tb_store_options opts;
  double interval;
  _Atomic int64_t fired;
};

/* Wait up to `seconds` or until stopped; true when stopping. */
static bool wait_or_stop(tb_store_scheduler *sch, double seconds) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  long long ns = (long long)(seconds * 1e9) + until.tv_nsec;
  until.tv_sec += (time_t)(ns / 1000000000LL);
  until.tv_nsec = (long)(ns % 1000000000LL);
  pthread_mutex_lock(&sch->mu);
  while (!sch->stop) {
    if (pthread_cond_timedwait(&sch->cv, &sch->mu, &until) == ETIMEDOUT)
      break;
  }
  bool stop = sch->stop;
  pthread_mutex_unlock(&sch->mu);
  return stop;
}

static bool stopping(tb_store_scheduler *sch) {
  pthread_mutex_lock(&sch->mu);
  bool stop = sch->stop;
  pthread_mutex_unlock(&sch->mu);
  return stop;
}

/* One pass; returns how long to wait before the next one. */
static double pass(tb_store_scheduler *sch, tb_store **sp, bool *down,
                   double *retry_wait, int64_t *last_purge) {
  char err[1024];
  if (!*sp && tb_store_open(&sch->opts, sp, err, sizeof err) != TB_STORE_OK) {
    if (!*down)
      tb_log_kv(TB_LOG_WARN, "store", "scheduler: cannot connect; retrying",
                TB_LOG_S("error", err));
    *down = true;
  }
  int n = 0;
  tb_store_status rc = *sp ? tb_store_timers_fire(*sp, BATCH, &n, NULL, NULL)
                           : TB_STORE_UNAVAILABLE;
  atomic_fetch_add(&sch->fired, n);
  if (rc == TB_STORE_UNAVAILABLE) {
    if (!*down)
      tb_log(TB_LOG_WARN, "store",
             "scheduler: the database is unreachable; retrying");
    *down = true;
    double w = *retry_wait;
    *retry_wait = w * 2 > MAX_RETRY_WAIT ? MAX_RETRY_WAIT : w * 2;
    return w;
  }
  if (*down)
    tb_log(TB_LOG_INFO, "store", "scheduler: the database is back");
  *down = false;
  *retry_wait = sch->interval;
  int64_t now = tb_store_now_us();
  if (rc == TB_STORE_OK && now - *last_purge > PURGE_EVERY_US) {
    tb_store_idempotency_purge(*sp, NULL);
    *last_purge = now;
  }
  return n >= BATCH ? 0 : sch->interval;
}

static void *scheduler_main(void *arg) {
  tb_store_scheduler *sch = arg;
  tb_store *s = NULL;
  bool down = false;
  double retry_wait = sch->interval;
  int64_t last_purge = 0;
  while (!stopping(sch)) {
    double wait = pass(sch, &s, &down, &retry_wait, &last_purge);
    if (wait > 0 && wait_or_stop(sch, wait))
      break;
  }
  tb_store_close(s);
  return NULL;
}

tb_store_status tb_store_scheduler_start(const tb_store_options *o,
                                         double interval,
                                         tb_store_scheduler **out) {
  tb_store_scheduler *sch = tb_xcalloc(1, sizeof *sch);
  sch->conninfo = tb_xstrndup(o->conninfo, strlen(o->conninfo));
  sch->opts = *o;
  sch->opts.conninfo = sch->conninfo;
  sch->opts.region = NULL;
  if (o->loader) {
    sch->loader = *o->loader;
    sch->opts.loader = &sch->loader;
  }
  if (o->licenses) {
    sch->licenses = *o->licenses;
    sch->opts.licenses = &sch->licenses;
  }
  sch->interval = interval > 0.001 ? interval : 0.001;
  pthread_mutex_init(&sch->mu, NULL);
  pthread_cond_init(&sch->cv, NULL);
  if (pthread_create(&sch->thread, NULL, scheduler_main, sch) != 0) {
    free(sch->conninfo);
    free(sch);
    return TB_STORE_ERROR;
  }
  *out = sch;
  return TB_STORE_OK;
}

void tb_store_scheduler_stop(tb_store_scheduler *sch) {
  if (!sch)
    return;
  pthread_mutex_lock(&sch->mu);
  sch->stop = true;
  pthread_cond_signal(&sch->cv);
  pthread_mutex_unlock(&sch->mu);
  pthread_join(sch->thread, NULL);
  pthread_mutex_destroy(&sch->mu);
  pthread_cond_destroy(&sch->cv);
  free(sch->conninfo);
  free(sch);
}

int64_t tb_store_scheduler_fired(const tb_store_scheduler *sch) {
  return atomic_load(&((tb_store_scheduler *)sch)->fired);
}
