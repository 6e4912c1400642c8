/*
 * tb_pg_harness.h — a throwaway PostgreSQL cluster for the database tests,
 * started the way PostgreSQL's own tests do: initdb -A trust in a fresh
 * temporary folder, a private socket folder, fsync off, a free port, no TCP
 * listener, stopped and removed at the end. As root it runs as an
 * unprivileged user (the embedded cluster manager's code, shared). A
 * watchdog process stops the cluster even if the test crashes. Starting
 * one installs the logger's stderr sink (cli/tb_log_stderr.h), so the
 * store's log lines appear on the test's stderr.
 */
#ifndef TB_PG_HARNESS_H
#define TB_PG_HARNESS_H

#include "tb_store.h"
#include "tb_store_cluster.h"
#include "tb_store_definitions.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct {
  tb_store_cluster *cluster;
  char dir[256];
  char admin[1024];  /* superuser conninfo */
  char server[1024]; /* the unprivileged server role "tongban" */
  int watchdog_fd;
  pid_t watchdog;
} tb_pg;

/* Start a cluster and apply the migrations; false (with a "# " line on
 * stdout) when it could not. */
bool tb_pg_start(tb_pg *pg);
/* Stop the cluster and remove its folder. */
void tb_pg_stop(tb_pg *pg);

/* The workflows/ loader (tb_workflows_parse_definition …) the tests'
 * store handles use. */
extern const tb_store_loader tb_pg_loader;

/* A store handle with tb_pg_loader and no license handler (aborts the
 * test program if it cannot connect). */
tb_store *tb_pg_store(const char *conninfo);
/* A plain libpq connection (aborts likewise). */
PGconn *tb_pg_connect(const char *conninfo);
/* Run SQL; returns true on success (failures printed as "# ..."). */
bool tb_pg_exec(PGconn *c, const char *sql);
/* The first column of the first row of a query as a number (-1 on
 * failure or NULL). */
long long tb_pg_value(PGconn *c, const char *sql);

/* Change event `seq` of an application's audit chain as a superuser
 * would ("UPDATE audit_events SET <set>" with every trigger off:
 * session_replication_role = replica), keeping the row aside for
 * tb_pg_audit_restore, which puts it back. One edit at a time. */
void tb_pg_audit_edit(PGconn *admin, const char *number, int seq,
                      const char *set);
void tb_pg_audit_restore(PGconn *admin);

/* Remove a folder tree. */
void tb_pg_remove_tree(const char *dir);

#endif /* TB_PG_HARNESS_H */
