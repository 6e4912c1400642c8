/*
 * bench_stats.c — how long the statistics of electronic supervision take
 * on a year of applications (issue 15 §7; bench/README.md has the
 * figures). Starts a throwaway embedded cluster in DIR, applies the
 * migrations, loads the calendar, writes N applications with
 * bench/stats_data.sql, then times tb_store_stats_read — the statements
 * the API runs — for each grouping and basis over the whole year: one
 * warm-up, then RUNS timed runs; prints the fastest and the median.
 *
 * usage: bench_stats DIR CALENDAR_FILE DATA_SQL [N]   (N: 100000)
 */
#include "tb_store.h"
#include "tb_store_cluster.h"
#include "tb_store_definitions.h"
#include "tb_store_stats.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNS 5

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  tb_buf b;
  tb_buf_init(&b, 64u << 20);
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    tb_buf_add(&b, chunk, n);
  fclose(f);
  tb_buf_adds(&b, "");
  return tb_buf_take(&b, len);
}

static tb_store *open_store(const char *conninfo) {
  tb_store_options o = {.conninfo = conninfo};
  tb_store *s = NULL;
  char err[512];
  if (tb_store_open(&o, &s, err, sizeof err) != TB_STORE_OK) {
    fprintf(stderr, "bench_stats: %s\n", err);
    exit(1);
  }
  return s;
}

/* Migrations, the server role, the calendar. */
static void prepare(tb_store_cluster *c, const char *calendar) {
  tb_store *s = open_store(tb_store_cluster_admin_conninfo(c));
  char msg[512];
  size_t len = 0, days = 0;
  tb_problem p = {0};
  char *text = read_all(calendar, &len);
  if (tb_store_migrate(s, NULL, NULL, msg, sizeof msg) != TB_STORE_OK ||
      tb_store_server_role_grant(s) != TB_STORE_OK || !text ||
      tb_store_calendar_load(s, text, len, "2026.txt", NULL, &days, &p) !=
          TB_STORE_OK) {
    fprintf(stderr, "bench_stats: cannot prepare the cluster: %s %s\n", msg,
            p.detail);
    exit(1);
  }
  free(text);
  tb_store_close(s);
}

static void populate(tb_store_cluster *c, const char *data_sql, long n) {
  size_t len = 0;
  char *sql = read_all(data_sql, &len), set[96];
  PGconn *conn = PQconnectdb(tb_store_cluster_admin_conninfo(c));
  snprintf(set, sizeof set,
           "SET session_replication_role = replica; SET tb.n = '%ld'", n);
  double t0 = now_ms();
  PGresult *r1 = PQexec(conn, set);
  PGresult *r2 = sql ? PQexec(conn, sql) : NULL;
  if (!sql || PQresultStatus(r2) != PGRES_COMMAND_OK) {
    fprintf(stderr, "bench_stats: populate: %s\n", PQerrorMessage(conn));
    exit(1);
  }
  printf("populated %ld applications in %.1f s\n", n, (now_ms() - t0) / 1e3);
  PQclear(r1);
  PQclear(r2);
  PQfinish(conn);
  free(sql);
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void time_one(tb_store *s, tb_stats_by by, tb_stats_basis basis,
                     const char *name) {
  double t[RUNS];
  size_t bytes = 0;
  for (int i = -1; i < RUNS; i++) {
    char *json = NULL;
    double t0 = now_ms();
    if (tb_store_stats_read(s, by, basis, "2026-01-01", "2026-12-31", &json) !=
        TB_STORE_OK) {
      fprintf(stderr, "bench_stats: %s failed\n", name);
      exit(1);
    }
    if (i >= 0)
      t[i] = now_ms() - t0;
    bytes = strlen(json);
    free(json);
  }
  qsort(t, RUNS, sizeof t[0], cmp);
  printf("%-28s fastest %8.1f ms  median %8.1f ms  (%zu bytes of JSON)\n", name,
         t[0], t[RUNS / 2], bytes);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: bench_stats DIR CALENDAR_FILE DATA_SQL [N]\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  long n = argc > 4 ? strtol(argv[4], NULL, 10) : 100000;
  tb_store_cluster_options o = {.dir = argv[1], .port = 55433};
  tb_store_cluster *c = NULL;
  char msg[512];
  if (tb_store_cluster_start(&o, &c, msg, sizeof msg) != TB_STORE_OK) {
    fprintf(stderr, "bench_stats: %s\n", msg);
    return 1;
  }
  prepare(c, argv[2]);
  populate(c, argv[3], n);
  tb_store *s = open_store(tb_store_cluster_server_conninfo(c));
  static const char *const by[] = {"bureau", "service", "window"};
  for (int b = 0; b < 3; b++)
    for (int k = 0; k < 2; k++) {
      char name[64];
      snprintf(name, sizeof name, "by=%s basis=%s", by[b],
               k ? "completed" : "accepted");
      time_one(s, (tb_stats_by)b, (tb_stats_basis)k, name);
    }
  tb_store_close(s);
  if (getenv("BENCH_STATS_KEEP")) { /* look at the plans: stop it yourself */
    printf("kept: %s\n", tb_store_cluster_admin_conninfo(c));
    return 0;
  }
  tb_store_cluster_stop(c);
  return 0;
}
