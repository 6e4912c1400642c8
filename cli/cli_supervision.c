/*
 * cli_supervision.c — the supervision rules of a workflows folder and the
 * sweeper thread of `tongban serve`: every interval it runs the store's
 * sweep (tb_store_alerts_sweep) once, on this node unless another node is
 * sweeping right then (an advisory lock); and the interval wait the
 * background threads of `serve` share. Declared in tb_cli.h.
 */
#include "tb_cli.h"
#include "tb_log.h"
#include "tb_store_alerts.h"
#include "tb_workflows.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

bool tb_cli_rules_load(const char *dir, tb_rule_set **out) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/supervision.xml", dir);
  *out = NULL;
  struct stat st;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "tongban: no %s: supervision runs without rules\n", path);
    return true;
  }
  tb_workflows_problems ps = {0};
  bool ok = tb_workflows_load_rules(path, out, &ps) == TB_OK;
  if (!ok)
    tb_workflows_problems_print(&ps, stderr);
  tb_workflows_problems_free(&ps);
  return ok;
}

struct tb_cli_sweeper {
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  bool stop;
  double interval;
  tb_store_options options;
  char *conninfo;
  const tb_rule_set *rules;
};

bool tb_cli_wait_interval(pthread_mutex_t *lock, pthread_cond_t *wake,
                          const bool *stop, double seconds) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += (time_t)seconds;
  until.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(lock);
  while (!*stop && pthread_cond_timedwait(wake, lock, &until) != ETIMEDOUT) {
  }
  bool go_on = !*stop;
  pthread_mutex_unlock(lock);
  return go_on;
}

static void *run(void *arg) {
  tb_cli_sweeper *w = arg;
  tb_store *s = NULL;
  while (tb_cli_wait_interval(&w->lock, &w->wake, &w->stop, w->interval)) {
    char err[512];
    if (!s && tb_store_open(&w->options, &s, err, sizeof err) != TB_STORE_OK) {
      tb_log_kv(TB_LOG_ERROR, "supervision", "no database for the sweep",
                TB_LOG_S("error", err));
      s = NULL;
      continue;
    }
    int raised = 0;
    tb_store_status rc =
        tb_store_alerts_sweep(s, w->rules, (int64_t)time(NULL), &raised);
    if (rc != TB_STORE_OK)
      tb_log_kv(TB_LOG_ERROR, "supervision", "sweep failed",
                TB_LOG_S("status", tb_store_status_name(rc)));
    else if (raised > 0)
      tb_log_kv(TB_LOG_INFO, "supervision", "findings raised",
                TB_LOG_I("raised", raised));
  }
  tb_store_close(s);
  return NULL;
}

static void sweeper_free(tb_cli_sweeper *w) {
  free(w->conninfo);
  pthread_mutex_destroy(&w->lock);
  pthread_cond_destroy(&w->wake);
  free(w);
}

bool tb_cli_sweeper_start(const tb_store_options *o, const tb_rule_set *rules,
                          double interval, tb_cli_sweeper **out) {
  *out = NULL;
  tb_cli_sweeper *w = tb_xcalloc(1, sizeof *w);
  pthread_mutex_init(&w->lock, NULL);
  pthread_cond_init(&w->wake, NULL);
  w->interval = interval;
  w->options = *o;
  w->conninfo = tb_xstrndup(o->conninfo, strlen(o->conninfo));
  w->options.conninfo = w->conninfo;
  w->rules = rules;
  if (pthread_create(&w->thread, NULL, run, w) != 0) {
    sweeper_free(w);
    return false;
  }
  *out = w;
  return true;
}

void tb_cli_sweeper_stop(tb_cli_sweeper *w) {
  if (!w)
    return;
  pthread_mutex_lock(&w->lock);
  w->stop = true;
  pthread_cond_signal(&w->wake);
  pthread_mutex_unlock(&w->lock);
  pthread_join(w->thread, NULL);
  sweeper_free(w);
}
