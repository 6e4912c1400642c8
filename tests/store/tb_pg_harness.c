/*
 * tb_pg_harness.c — the throwaway cluster of the database tests (see
 * tb_pg_harness.h).
 */
#include "tb_pg_harness.h"

#include "tb_log_stderr.h"
#include "tb_workflows.h"

#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* A port nobody listens on now; it only names the socket file. */
static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  int port = 54321;
  if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &len) == 0)
    port = ntohs(a.sin_port);
  if (fd >= 0)
    close(fd);
  return port;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

void tb_pg_remove_tree(const char *dir) {
  nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The watchdog waits for the pipe to close (the test ended or died), then
 * stops the cluster and removes its folder. */
static void start_watchdog(tb_pg *pg) {
  int fds[2];
  if (pipe(fds) != 0)
    return;
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[1]);
    signal(SIGINT, SIG_IGN);
    char b;
    bool stopped = false;
    while (read(fds[0], &b, 1) > 0)
      stopped = true; /* the test stopped the cluster itself */
    if (!stopped)
      tb_store_cluster_halt(pg->cluster);
    tb_pg_remove_tree(pg->dir);
    _exit(0);
  }
  close(fds[0]);
  pg->watchdog_fd = fds[1];
  pg->watchdog = pid;
}

bool tb_pg_start(tb_pg *pg) {
  tb_log_stderr_install(); /* the store's log lines, on the test's stderr */
  memset(pg, 0, sizeof *pg);
  pg->watchdog_fd = -1;
  snprintf(pg->dir, sizeof pg->dir, "/tmp/tb-test-XXXXXX");
  if (!mkdtemp(pg->dir)) {
    printf("# cannot make a temporary folder\n");
    return false;
  }
  tb_store_cluster_options o = {.dir = pg->dir,
                                .port = free_port(),
                                .fsync = false,
                                .lock = true,
                                .max_connections = 150};
  char msg[1024];
  if (tb_store_cluster_start(&o, &pg->cluster, msg, sizeof msg) !=
      TB_STORE_OK) {
    printf("# cannot start a test cluster: %s\n", msg);
    tb_pg_remove_tree(pg->dir);
    return false;
  }
  start_watchdog(pg);
  snprintf(pg->admin, sizeof pg->admin, "%s",
           tb_store_cluster_admin_conninfo(pg->cluster));
  snprintf(pg->server, sizeof pg->server, "%s",
           tb_store_cluster_server_conninfo(pg->cluster));
  tb_store *s = tb_pg_store(pg->admin);
  bool ok = tb_store_migrate(s, NULL, NULL, msg, sizeof msg) == TB_STORE_OK &&
            tb_store_server_role_grant(s) == TB_STORE_OK;
  if (!ok)
    printf("# cannot migrate the test cluster: %s\n", msg);
  tb_store_close(s);
  return ok;
}

void tb_pg_stop(tb_pg *pg) {
  tb_store_cluster_halt(pg->cluster);
  tb_store_cluster_stop(pg->cluster);
  pg->cluster = NULL;
  if (pg->watchdog_fd >= 0) {
    if (write(pg->watchdog_fd, "x", 1) != 1)
      printf("# cannot tell the watchdog\n");
    close(pg->watchdog_fd);
    waitpid(pg->watchdog, NULL, 0);
  }
  tb_pg_remove_tree(pg->dir);
}

const tb_store_loader tb_pg_loader = {tb_workflows_parse_definition,
                                      tb_workflows_parse_bureaus,
                                      tb_workflows_free_bureaus};

tb_store *tb_pg_store(const char *conninfo) {
  tb_store_options o = {
      .conninfo = conninfo, .region = "330100", .loader = &tb_pg_loader};
  tb_store *s = NULL;
  char err[1024];
  if (tb_store_open(&o, &s, err, sizeof err) != TB_STORE_OK) {
    printf("# %s\nBail out! no database\n", err);
    exit(1);
  }
  return s;
}

PGconn *tb_pg_connect(const char *conninfo) {
  PGconn *c = PQconnectdb(conninfo);
  if (PQstatus(c) != CONNECTION_OK) {
    printf("# %s\nBail out! no database\n", PQerrorMessage(c));
    exit(1);
  }
  return c;
}

bool tb_pg_exec(PGconn *c, const char *sql) {
  PGresult *r = PQexec(c, sql);
  ExecStatusType t = PQresultStatus(r);
  bool ok = t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK;
  if (!ok)
    printf("# sql failed: %s: %s", sql, PQresultErrorMessage(r));
  PQclear(r);
  return ok;
}

long long tb_pg_value(PGconn *c, const char *sql) {
  PGresult *r = PQexec(c, sql);
  long long v = -1;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 &&
      !PQgetisnull(r, 0, 0))
    v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
  else if (PQresultStatus(r) != PGRES_TUPLES_OK)
    printf("# sql failed: %s: %s", sql, PQresultErrorMessage(r));
  PQclear(r);
  return v;
}

void tb_pg_audit_edit(PGconn *admin, const char *number, int seq,
                      const char *set) {
  char sql[1024];
  snprintf(sql, sizeof sql,
           "CREATE TABLE audit_saved AS SELECT * FROM audit_events WHERE "
           "seq = %d AND application_id = (SELECT id FROM applications "
           "WHERE number = '%s')",
           seq, number);
  tb_pg_exec(admin, sql);
  snprintf(sql, sizeof sql,
           "SET session_replication_role = replica; UPDATE audit_events SET "
           "%s WHERE seq = %d AND application_id = (SELECT id FROM "
           "applications WHERE number = '%s'); RESET session_replication_role",
           set, seq, number);
  tb_pg_exec(admin, sql);
}

void tb_pg_audit_restore(PGconn *admin) {
  tb_pg_exec(admin, "SET session_replication_role = replica");
  tb_pg_exec(admin, "DELETE FROM audit_events e USING audit_saved s WHERE "
                    "e.application_id = s.application_id AND e.seq = s.seq");
  tb_pg_exec(admin, "INSERT INTO audit_events SELECT * FROM audit_saved");
  tb_pg_exec(admin, "DROP TABLE audit_saved");
  tb_pg_exec(admin, "RESET session_replication_role");
}
