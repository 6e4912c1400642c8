/*
 * api_log.c — the access log: one line per request on stderr, gathered in
 * a buffer per worker thread and written a buffer at a time, so a request
 * costs no write(2) of its own and takes no lock another worker holds
 * (stderr's own lock was contended by every request). A flusher thread
 * writes what waits every FLUSH_MS: a line reaches the log within that
 * time even when its thread goes idle, and api_log_stop writes the rest.
 * Lines stay whole; lines of different threads may appear up to FLUSH_MS
 * out of order.
 */
#include "tb_api_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BUF_CAP 8192
#define LOG_LINE_MAX 512
#define MAX_BUFS 128
#define FLUSH_MS 100

typedef struct {
  pthread_mutex_t lock;
  size_t len;
  char text[BUF_CAP];
} log_buf;

static pthread_mutex_t registry = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static log_buf *bufs[MAX_BUFS]; /* kept for the process's lifetime */
static size_t n_bufs;
static int users; /* running servers */
static bool stopping;
static pthread_t flusher;
static atomic_bool buffered; /* the flusher runs */

static _Thread_local log_buf *mine;
static _Thread_local bool no_buf; /* the table was full: write directly */

static void write_all(const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(STDERR_FILENO, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return; /* nowhere to log to */
    p += w;
    n -= (size_t)w;
  }
}

static void flush_locked(log_buf *b) {
  write_all(b->text, b->len);
  b->len = 0;
}

static log_buf *my_buf(void) {
  if (mine || no_buf)
    return mine;
  pthread_mutex_lock(&registry);
  if (n_bufs < MAX_BUFS) {
    mine = tb_xcalloc(1, sizeof *mine);
    pthread_mutex_init(&mine->lock, NULL);
    bufs[n_bufs++] = mine;
  } else {
    no_buf = true;
  }
  pthread_mutex_unlock(&registry);
  return mine;
}

void api_log_line(const char *fmt, ...) {
  char line[LOG_LINE_MAX];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  size_t len = (size_t)n;
  if (len >= sizeof line) { /* cut: still one line */
    len = sizeof line - 1;
    line[len - 1] = '\n';
  }
  log_buf *b = atomic_load(&buffered) ? my_buf() : NULL;
  if (!b) {
    write_all(line, len);
    return;
  }
  pthread_mutex_lock(&b->lock);
  if (b->len + len > BUF_CAP)
    flush_locked(b);
  memcpy(b->text + b->len, line, len);
  b->len += len;
  pthread_mutex_unlock(&b->lock);
}

static void flush_all(void) {
  pthread_mutex_lock(&registry);
  size_t n = n_bufs;
  pthread_mutex_unlock(&registry);
  for (size_t i = 0; i < n; i++) {
    pthread_mutex_lock(&bufs[i]->lock);
    if (bufs[i]->len)
      flush_locked(bufs[i]);
    pthread_mutex_unlock(&bufs[i]->lock);
  }
}

static void *flusher_main(void *arg) {
  (void)arg;
  pthread_mutex_lock(&registry);
  while (!stopping) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += FLUSH_MS * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_cond_timedwait(&wake, &registry, &until);
    pthread_mutex_unlock(&registry);
    flush_all();
    pthread_mutex_lock(&registry);
  }
  pthread_mutex_unlock(&registry);
  return NULL;
}

bool api_log_start(void) {
  pthread_mutex_lock(&registry);
  bool ok = true;
  if (users == 0) {
    stopping = false;
    ok = pthread_create(&flusher, NULL, flusher_main, NULL) == 0;
  }
  if (ok && users++ == 0)
    atomic_store(&buffered, true);
  pthread_mutex_unlock(&registry);
  return ok;
}

void api_log_stop(void) {
  pthread_mutex_lock(&registry);
  bool last = users > 0 && --users == 0;
  if (last) {
    atomic_store(&buffered, false);
    stopping = true;
    pthread_cond_signal(&wake);
  }
  pthread_mutex_unlock(&registry);
  if (last)
    pthread_join(flusher, NULL);
  flush_all();
}
