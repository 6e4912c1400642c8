/*
 * cmd_store.c — the database subcommands:
 *
 *   tongban migrate              [--db URL] [--data DIR]
 *   tongban audit verify [NUMBER] [--db URL] [--data DIR]
 *   tongban calendar load FILE   [--db URL] [--data DIR]
 *
 * The database is --db URL, else $TONGBAN_DATABASE_URL, else the embedded
 * cluster in --data (default ./var): the one a running `tongban serve`
 * holds, or started for the command and stopped after it.
 */
#include "tb_cli.h"
#include "tb_store.h"
#include "tb_store_audit.h"
#include "tb_store_cluster.h"
#include "tb_store_definitions.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CALENDAR_MAX (1024 * 1024)

typedef struct {
  const char *db;
  const char *data;
  tb_store *store;
  tb_store_cluster *cluster;
  bool embedded;
} db_target;

/* Parse --db / --data; positional arguments stay in argv[optind..]. */
static bool parse_options(int argc, char **argv, db_target *t) {
  static const struct option options[] = {
      {"db", required_argument, NULL, 'd'},
      {"data", required_argument, NULL, 'D'},
      {NULL, 0, NULL, 0}};
  memset(t, 0, sizeof *t);
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
    if (c == 'd')
      t->db = optarg;
    else if (c == 'D')
      t->data = optarg;
    else
      return false;
  }
  return true;
}

static bool open_target(db_target *t) {
  char err[1024], info[PATH_MAX + 128];
  const char *url = t->db;
  if (!url) {
    const char *env = getenv("TONGBAN_DATABASE_URL");
    url = env && *env ? env : NULL;
  }
  if (!url) {
    t->embedded = true;
    tb_store_cluster_options co = {
        .dir = t->data ? t->data : "./var", .fsync = true, .lock = true};
    tb_store_status rc =
        tb_store_cluster_start(&co, &t->cluster, err, sizeof err);
    if (rc == TB_STORE_BUSY) { /* a serve holds it: use its socket */
      tb_store_cluster_conninfo(co.dir, 0, true, info, sizeof info);
    } else if (rc != TB_STORE_OK) {
      fprintf(stderr, "tongban: %s\n", err);
      return false;
    } else {
      snprintf(info, sizeof info, "%s",
               tb_store_cluster_admin_conninfo(t->cluster));
    }
    url = info;
  }
  tb_store_options o = {.conninfo = url};
  if (tb_store_open(&o, &t->store, err, sizeof err) != TB_STORE_OK) {
    fprintf(stderr, "tongban: %s\n", err);
    return false;
  }
  return true;
}

static void close_target(db_target *t) {
  tb_store_close(t->store);
  tb_store_cluster_stop(t->cluster);
}

int tb_cli_migrate(int argc, char **argv) {
  db_target t;
  if (!parse_options(argc, argv, &t) || optind != argc) {
    fprintf(stderr, "usage: tongban migrate [--db URL] [--data DIR]\n");
    return 2;
  }
  if (!open_target(&t)) {
    close_target(&t);
    return 1;
  }
  int from = 0, to = 0;
  char msg[512];
  tb_store_status rc = tb_store_migrate(t.store, &from, &to, msg, sizeof msg);
  if (rc == TB_STORE_OK && t.embedded)
    rc = tb_store_server_role_grant(t.store);
  if (rc != TB_STORE_OK)
    fprintf(stderr, "tongban: %s\n", msg[0] ? msg : "migration failed");
  else if (from == to)
    printf("schema is up to date (version %d)\n", to);
  else
    printf("schema migrated from version %d to %d\n", from, to);
  close_target(&t);
  return rc == TB_STORE_OK ? 0 : 1;
}

static int audit_usage(void) {
  fprintf(stderr, "usage: tongban audit verify [NUMBER] [--db URL] "
                  "[--data DIR]\n");
  return 2;
}

int tb_cli_audit(int argc, char **argv) {
  db_target t;
  if (!parse_options(argc, argv, &t) || argc - optind < 1 ||
      argc - optind > 2 || strcmp(argv[optind], "verify") != 0)
    return audit_usage();
  const char *number = argc - optind == 2 ? argv[optind + 1] : NULL;
  if (!open_target(&t)) {
    close_target(&t);
    return 1;
  }
  tb_store_audit_report r;
  tb_store_status rc = tb_store_audit_verify(t.store, number, &r);
  int status = 0;
  if (rc == TB_STORE_NOT_FOUND) {
    fprintf(stderr, "tongban: there is no application %s\n", number);
    status = 1;
  } else if (rc != TB_STORE_OK) {
    fprintf(stderr,
            "tongban: could not read the audit trail (%s); see the "
            "log above\n",
            tb_store_status_name(rc));
    status = 1;
  } else if (r.broken) {
    printf("broken: application %s, event %d: %s\n", r.number, (int)r.seq,
           r.what);
    status = 1;
  } else {
    printf("ok: %lld chains, %lld events verified\n", (long long)r.chains,
           (long long)r.events);
  }
  close_target(&t);
  return status;
}

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *buf = malloc(CALENDAR_MAX + 1);
  size_t n = buf ? fread(buf, 1, CALENDAR_MAX + 1, f) : 0;
  bool ok = buf && !ferror(f) && n <= CALENDAR_MAX;
  fclose(f);
  if (!ok) {
    free(buf);
    return NULL;
  }
  buf[n] = '\0';
  *len = n;
  return buf;
}

int tb_cli_calendar(int argc, char **argv) {
  db_target t;
  if (!parse_options(argc, argv, &t) || argc - optind != 2 ||
      strcmp(argv[optind], "load") != 0) {
    fprintf(stderr, "usage: tongban calendar load FILE [--db URL] "
                    "[--data DIR]\n");
    return 2;
  }
  const char *file = argv[optind + 1];
  size_t len = 0;
  char *text = read_all(file, &len);
  if (!text) {
    fprintf(stderr,
            "tongban: cannot read %s (missing, unreadable or over "
            "%d bytes)\n",
            file, CALENDAR_MAX);
    return 1;
  }
  if (!open_target(&t)) {
    free(text);
    close_target(&t);
    return 1;
  }
  size_t days = 0;
  tb_problem p = {0};
  tb_store_status rc = tb_store_calendar_load(t.store, text, len, &days, &p);
  free(text);
  if (rc == TB_STORE_INVALID)
    fprintf(stderr, "%s: %s (nothing was stored)\n", file, p.detail);
  else if (rc != TB_STORE_OK)
    fprintf(stderr, "tongban: could not store the calendar (%s)\n",
            tb_store_status_name(rc));
  else
    printf("stored %zu calendar days from %s\n", days, file);
  close_target(&t);
  return rc == TB_STORE_OK ? 0 : 1;
}
