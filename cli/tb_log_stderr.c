/*
 * tb_log_stderr.c — the stderr sink of the logger (see tb_log_stderr.h):
 * the timestamp, one write(2) per line, and the per-thread buffers with
 * their flusher that a running server uses.
 */
#include "tb_log_stderr.h"

#include "tb_log.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BUF_CAP 8192
#define MAX_BUFS 128
#define FLUSH_MS 100
#define STAMP_LEN 28 /* "ts=2026-11-21T08:00:00.123Z " */
#define LINE_CAP (STAMP_LEN + TB_LOG_LINE_MAX + 1)

typedef struct {
  pthread_mutex_t lock;
  size_t len;
  char text[BUF_CAP];
} log_buf;

static pthread_mutex_t registry = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static log_buf *bufs[MAX_BUFS]; /* kept for the process's lifetime */
static size_t n_bufs;
static int users; /* buffer_start calls not yet stopped */
static bool stopping;
static pthread_t flusher;
static atomic_bool buffered; /* the flusher runs */

static _Thread_local log_buf *mine;
static _Thread_local bool no_buf;         /* the table was full */
static _Thread_local time_t stamp_second; /* of stamp_text */
static _Thread_local char stamp_text[32]; /* "2026-11-21T08:00:00" */

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

/* "ts=…Z " of now into out (STAMP_LEN bytes). */
static void stamp(char *out) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (ts.tv_sec != stamp_second || !stamp_text[0]) {
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    if (strftime(stamp_text, sizeof stamp_text, "%Y-%m-%dT%H:%M:%S", &tm) != 19)
      memcpy(stamp_text, "0000-00-00T00:00:00", 20);
    stamp_second = ts.tv_sec;
  }
  int ms = (int)(ts.tv_nsec / 1000000L);
  memcpy(out, "ts=", 3);
  memcpy(out + 3, stamp_text, 19);
  out[22] = '.';
  out[23] = (char)('0' + ms / 100);
  out[24] = (char)('0' + ms / 10 % 10);
  out[25] = (char)('0' + ms % 10);
  out[26] = 'Z';
  out[27] = ' ';
}

static void flush_locked(log_buf *b) {
  write_all(b->text, b->len);
  b->len = 0;
}

/* The calling thread's buffer, made on first use; NULL when the table is
 * full or memory is out (the thread then writes directly). No allocation
 * that could log: this runs inside the logger. */
static log_buf *my_buf(void) {
  if (mine || no_buf)
    return mine;
  pthread_mutex_lock(&registry);
  log_buf *b = n_bufs < MAX_BUFS ? calloc(1, sizeof *b) : NULL;
  if (b) {
    pthread_mutex_init(&b->lock, NULL);
    bufs[n_bufs++] = b;
    mine = b;
  } else {
    no_buf = true;
  }
  pthread_mutex_unlock(&registry);
  return mine;
}

static void sink(void *cls, tb_log_level level, const char *line, size_t len) {
  (void)cls;
  char text[LINE_CAP];
  stamp(text);
  if (len > TB_LOG_LINE_MAX)
    len = TB_LOG_LINE_MAX;
  memcpy(text + STAMP_LEN, line, len);
  len += STAMP_LEN;
  bool buffering = atomic_load_explicit(&buffered, memory_order_relaxed);
  log_buf *b = buffering ? my_buf() : mine;
  if (!b) {
    write_all(text, len);
    return;
  }
  pthread_mutex_lock(&b->lock);
  if (!buffering || level >= TB_LOG_WARN) {
    /* what waits first, then this line at once */
    if (b->len)
      flush_locked(b);
    write_all(text, len);
  } else {
    if (b->len + len > BUF_CAP)
      flush_locked(b);
    memcpy(b->text + b->len, text, len);
    b->len += len;
  }
  pthread_mutex_unlock(&b->lock);
}

void tb_log_stderr_install(void) {
  tb_log_set_sink(sink, NULL);
}

bool tb_log_stderr_level(const char *name, const char *where) {
  tb_log_level level;
  if (!tb_log_level_parse(name, &level)) {
    fprintf(stderr, "tongban: %s takes debug, info, warn or error, not '%s'\n",
            where, name);
    return false;
  }
  tb_log_set_level(level);
  return true;
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

bool tb_log_stderr_buffer_start(void) {
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

void tb_log_stderr_buffer_stop(void) {
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
