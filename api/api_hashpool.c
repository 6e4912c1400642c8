/*
 * api_hashpool.c — password hashing on its own bounded pool, off the
 * request threads (tb_api_int.h, "password hashing on its own pool").
 *
 * A handler queues an api_password_work and suspends its request
 * (api_suspend); a pool thread runs scrypt and resumes the request
 * (api_resume), whose continuation answers. The queue is bounded: when
 * it is full the login is answered 503 password_hashing_busy at once,
 * and no request thread ever waits for a hash. The number of threads is
 * the cap on hashes at once; the most ever running at once is kept for
 * /metrics, so that the cap can be checked from outside.
 *
 * A job that waited longer than WAIT_MAX is not hashed: its client has
 * likely given up, and the work would only delay the ones behind it; it
 * is answered 503 like a full queue.
 *
 * Locking: p->lock guards the queue and the counts. A request is
 * suspended under the lock before its job can be taken, so that it is
 * never resumed before it was suspended; it is resumed outside the lock.
 */
#include "tb_api_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define RETRY_AFTER 2         /* seconds, when the queue is full */
#define WAIT_MAX_US 5000000LL /* the longest a job waits to be hashed */

typedef struct hash_job hash_job;
struct hash_job {
  api_req *r;
  api_password_work *w;
  int64_t queued_us;
  hash_job *next;
};

struct api_hashpool {
  pthread_mutex_t lock;
  pthread_cond_t wake;
  hash_job *head, *tail;
  unsigned queued, queue_cap;
  unsigned running, running_max;
  bool stopping;
  unsigned n_threads;
  pthread_t *threads;
  atomic_ullong refused, done, expired;
};

static void run(api_password_work *w) {
  if (w->stored)
    w->ok = tb_api_password_check(w->password, w->len, w->stored);
  else
    w->ok = tb_api_password_hash(w->password, w->len, w->hash);
}

/* The next job, or NULL when the pool stops (under the lock). */
static hash_job *take(api_hashpool *p) {
  while (!p->head && !p->stopping)
    pthread_cond_wait(&p->wake, &p->lock);
  if (p->stopping)
    return NULL; /* the jobs still waiting are cancelled by the stop */
  hash_job *j = p->head;
  p->head = j->next;
  if (!p->head)
    p->tail = NULL;
  p->queued--;
  p->running++;
  if (p->running > p->running_max)
    p->running_max = p->running;
  return j;
}

static void *worker(void *cls) {
  api_hashpool *p = cls;
  pthread_mutex_lock(&p->lock);
  hash_job *j;
  while ((j = take(p)) != NULL) {
    pthread_mutex_unlock(&p->lock);
    if (api_monotonic_us() - j->queued_us > WAIT_MAX_US) {
      j->w->expired = true;
      atomic_fetch_add_explicit(&p->expired, 1, memory_order_relaxed);
    } else {
      run(j->w);
      atomic_fetch_add_explicit(&p->done, 1, memory_order_relaxed);
    }
    api_resume(j->r);
    pthread_mutex_lock(&p->lock);
    p->running--;
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

api_hashpool *api_hashpool_start(unsigned threads, unsigned queue_cap) {
  api_hashpool *p = tb_xcalloc(1, sizeof *p);
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->wake, NULL);
  p->queue_cap = queue_cap ? queue_cap : 1;
  atomic_init(&p->refused, 0);
  atomic_init(&p->done, 0);
  atomic_init(&p->expired, 0);
  unsigned want = threads ? threads : 1;
  p->threads = tb_xcalloc(want, sizeof *p->threads);
  while (p->n_threads < want &&
         pthread_create(&p->threads[p->n_threads], NULL, worker, p) == 0)
    p->n_threads++;
  if (p->n_threads == 0) {
    api_hashpool_stop(p);
    return NULL;
  }
  return p;
}

void api_hashpool_stop(api_hashpool *p) {
  if (!p)
    return;
  pthread_mutex_lock(&p->lock);
  p->stopping = true;
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->lock);
  for (unsigned i = 0; i < p->n_threads; i++)
    pthread_join(p->threads[i], NULL);
  /* no thread is left: what still waits is cancelled and resumed */
  for (hash_job *j = p->head, *next; j; j = next) {
    next = j->next;
    j->w->cancelled = true;
    api_resume(j->r);
  }
  pthread_cond_destroy(&p->wake);
  pthread_mutex_destroy(&p->lock);
  free(p->threads);
  free(p);
}

/* Answer 503 when the pool cannot take a job (queued: how many wait). */
static void refuse(api_req *r, unsigned queued) {
  r->retry_after = RETRY_AFTER;
  api_fail(r, TB_PROBLEM_PASSWORD_HASHING_BUSY,
           "%u password checks are waiting already; try again in %d "
           "seconds",
           queued, RETRY_AFTER);
}

bool api_password_later(api_req *r, api_password_work *w, api_continuation then,
                        void *cls) {
  api_hashpool *p = api_hashpool_of(r);
  w->ok = w->cancelled = w->expired = false;
  if (!p) {
    refuse(r, 0);
    return false;
  }
  pthread_mutex_lock(&p->lock);
  if (p->stopping || p->queued >= p->queue_cap) {
    unsigned queued = p->queued;
    pthread_mutex_unlock(&p->lock);
    atomic_fetch_add_explicit(&p->refused, 1, memory_order_relaxed);
    refuse(r, queued);
    return false;
  }
  hash_job *j = tb_arena_alloc(r->arena, sizeof *j);
  *j = (hash_job){.r = r, .w = w, .queued_us = api_monotonic_us()};
  api_suspend(r, then, cls); /* before any thread can take the job */
  if (p->tail)
    p->tail->next = j;
  else
    p->head = j;
  p->tail = j;
  p->queued++;
  pthread_cond_signal(&p->wake);
  pthread_mutex_unlock(&p->lock);
  return true;
}

bool api_password_refused(api_req *r, const api_password_work *w) {
  if (w->cancelled) {
    r->retry_after = 5;
    api_fail(r, TB_PROBLEM_UNAVAILABLE, "the server is stopping; try again");
  } else if (w->expired) {
    r->retry_after = RETRY_AFTER;
    api_fail(r, TB_PROBLEM_PASSWORD_HASHING_BUSY,
             "the password check waited over %lld seconds for its turn; "
             "try again in %d seconds",
             WAIT_MAX_US / 1000000, RETRY_AFTER);
  }
  return w->cancelled || w->expired;
}

void api_hashpool_text(api_hashpool *p, tb_buf *t) {
  if (!p)
    return;
  pthread_mutex_lock(&p->lock);
  unsigned queued = p->queued, running = p->running, max = p->running_max;
  pthread_mutex_unlock(&p->lock);
  tb_buf_addf(t,
              "# HELP tongban_password_hash_threads Threads hashing passwords "
              "(scrypt): the most hashes at once.\n"
              "# TYPE tongban_password_hash_threads gauge\n"
              "tongban_password_hash_threads %u\n"
              "# HELP tongban_password_hash_queue Password checks waiting for "
              "a hashing thread.\n"
              "# TYPE tongban_password_hash_queue gauge\n"
              "tongban_password_hash_queue %u\n"
              "# HELP tongban_password_hash_queue_capacity The most password "
              "checks that may wait; more are answered 503.\n"
              "# TYPE tongban_password_hash_queue_capacity gauge\n"
              "tongban_password_hash_queue_capacity %u\n",
              p->n_threads, queued, p->queue_cap);
  tb_buf_addf(t,
              "# HELP tongban_password_hash_running Passwords being hashed "
              "now.\n# TYPE tongban_password_hash_running gauge\n"
              "tongban_password_hash_running %u\n"
              "# HELP tongban_password_hash_running_max The most passwords "
              "hashed at once since the server started.\n"
              "# TYPE tongban_password_hash_running_max gauge\n"
              "tongban_password_hash_running_max %u\n",
              running, max);
  tb_buf_addf(
      t,
      "# HELP tongban_password_hashes_total Passwords hashed or checked on "
      "the pool.\n# TYPE tongban_password_hashes_total counter\n"
      "tongban_password_hashes_total %llu\n"
      "# HELP tongban_password_hash_refused_total Password checks answered "
      "503 because the queue was full (reason=queue_full) or because they "
      "waited over %lld s for their turn (reason=waited_too_long).\n"
      "# TYPE tongban_password_hash_refused_total counter\n"
      "tongban_password_hash_refused_total{reason=\"queue_full\"} %llu\n"
      "tongban_password_hash_refused_total{reason=\"waited_too_long\"} "
      "%llu\n",
      (unsigned long long)atomic_load(&p->done), WAIT_MAX_US / 1000000,
      (unsigned long long)atomic_load(&p->refused),
      (unsigned long long)atomic_load(&p->expired));
}
