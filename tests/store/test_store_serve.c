/*
 * test_store_serve.c — `tongban serve` on its embedded default, driven as
 * a user would: it starts (as root: PostgreSQL runs as an unprivileged
 * user), a second serve on the same folder is refused, the database
 * commands reach the running cluster, it signs audit checkpoints on its
 * interval, SIGTERM stops it cleanly, a restart
 * finds the data (the shipped holiday calendar loaded on the first start,
 * the administrator's load kept over the restart), an ordinary user can run it
 * too, and an unreachable
 * --db gives a message that names the place and a non-zero exit.
 *
 * usage: test_store_serve TONGBAN_BINARY WORKFLOWS_DIR
 */
#include "tb_pg_harness.h"
#include "tb_test.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *tongban;
static const char *workflows;
static char dir[256];
static char data[300];

typedef struct {
  pid_t pid;
  char log[320];
} proc;

/* Start argv with stdout and stderr into log. */
static bool start(proc *p, char *const argv[], const char *log) {
  snprintf(p->log, sizeof p->log, "%s", log);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  int rc = posix_spawn(&p->pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0;
}

static char *slurp(const char *path) {
  static char buf[65536];
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  buf[n] = '\0';
  if (f)
    fclose(f);
  return buf;
}

static bool wait_for_text(const proc *p, const char *text, double seconds) {
  for (double t = 0; t < seconds; t += 0.1) {
    if (strstr(slurp(p->log), text))
      return true;
    int status;
    if (waitpid(p->pid, &status, WNOHANG) == p->pid)
      return strstr(slurp(p->log), text) != NULL;
    usleep(100 * 1000);
  }
  return false;
}

/* Wait for the process to exit; its exit status, or -1. */
static int finish(const proc *p, double seconds) {
  for (double t = 0; t < seconds; t += 0.05) {
    int status;
    if (waitpid(p->pid, &status, WNOHANG) == p->pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    usleep(50 * 1000);
  }
  kill(p->pid, SIGKILL);
  waitpid(p->pid, NULL, 0);
  return -1;
}

static int run(char *const argv[], const char *log) {
  proc p;
  if (!start(&p, argv, log))
    return -1;
  return finish(&p, 120);
}

static proc serve_start(const char *log) {
  char *argv[] = {(char *)tongban,
                  "serve",
                  "--data",
                  data,
                  "--workflows",
                  (char *)workflows,
                  "--scheduler-interval",
                  "0.2",
                  "--listen",
                  "127.0.0.1:0",
                  "--checkpoint-interval",
                  "1",
                  NULL};
  proc p = {0};
  start(&p, argv, log);
  return p;
}

static char log_path[320];

static const char *logf_(const char *name) {
  snprintf(log_path, sizeof log_path, "%s/%s", dir, name);
  return log_path;
}

static proc first;

static void serve_starts_on_a_fresh_folder(void) {
  first = serve_start(logf_("serve1.log"));
  TB_CHECKF(wait_for_text(&first, "tongban: serving", 120), "%s",
            slurp(first.log));
  /* the address actually served: the port bound, not the 0 asked for */
  const char *url = strstr(slurp(first.log), "serving on http://127.0.0.1:");
  TB_CHECKF(url != NULL, "%s", slurp(first.log));
  if (url) {
    const char *port = url + strlen("serving on http://127.0.0.1:");
    TB_CHECKF(*port >= '1' && *port <= '9' &&
                  strstr(port, "/ — open it in a browser") != NULL,
              "%s", url);
  }
  TB_CHECK(strstr(slurp(first.log), "workflow definitions") != NULL);
  /* the first start loads the shipped holiday schedules */
  TB_CHECKF(strstr(slurp(first.log), "loaded the shipped holiday calendar"),
            "%s", slurp(first.log));
  TB_CHECK(strstr(slurp(first.log), "security=calendar_load") != NULL);
  struct stat st;
  char path[400];
  snprintf(path, sizeof path, "%s/pg/postmaster.pid", data);
  TB_CHECK(stat(path, &st) == 0);
  if (geteuid() == 0)
    TB_CHECKF(st.st_uid != 0, "PostgreSQL runs as uid %d", (int)st.st_uid);
  snprintf(path, sizeof path, "%s/.s.PGSQL.5432", data);
  TB_CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode));
}

static void a_second_serve_is_refused(void) {
  proc second = serve_start(logf_("serve2.log"));
  TB_CHECK_INT(finish(&second, 60), 1);
  TB_CHECKF(strstr(slurp(second.log), "already using the data folder"), "%s",
            slurp(second.log));
}

static void commands_reach_the_running_cluster(void) {
  char cal[400];
  snprintf(cal, sizeof cal, "%s/calendar.txt", dir);
  FILE *f = fopen(cal, "w");
  fputs("# 2027\n2027-01-01 holiday 元旦\n2027-02-06 workday\n", f);
  fclose(f);
  char *load[] = {(char *)tongban, "calendar", "load", cal,
                  "--data",        data,       NULL};
  TB_CHECK_INT(run(load, logf_("cal.log")), 0);
  TB_CHECKF(strstr(slurp(log_path), "stored 2 calendar days"), "%s",
            slurp(log_path));
  f = fopen(cal, "w");
  fputs("2027-10-01 holiday\n2027-10-32 holiday\n", f);
  fclose(f);
  TB_CHECK_INT(run(load, logf_("cal-bad.log")), 1);
  TB_CHECKF(strstr(slurp(log_path), "line 2") &&
                strstr(slurp(log_path), "nothing was stored"),
            "%s", slurp(log_path));
  char *migrate[] = {(char *)tongban, "migrate", "--data", data, NULL};
  TB_CHECK_INT(run(migrate, logf_("migrate.log")), 0);
  TB_CHECKF(strstr(slurp(log_path), "up to date"), "%s", slurp(log_path));
  char *verify[] = {(char *)tongban, "audit", "verify", "--data", data, NULL};
  TB_CHECK_INT(run(verify, logf_("verify.log")), 0);
  TB_CHECKF(strstr(slurp(log_path), "ok: "), "%s", slurp(log_path));
}

/* The server signs audit checkpoints on its interval into the default
 * file, and `audit verify` with the default keys and file checks them. */
static void checkpoints_are_made_on_the_interval(void) {
  TB_CHECKF(wait_for_text(&first, "checkpoint made", 60), "%s",
            slurp(first.log));
  char *verify[] = {(char *)tongban, "audit", "verify", "--data", data, NULL};
  TB_CHECK_INT(run(verify, logf_("verify-cp.log")), 0);
  TB_CHECKF(strstr(slurp(log_path), "checkpoints, the latest"), "%s",
            slurp(log_path));
  char path[400];
  snprintf(path, sizeof path, "%s/audit-checkpoints.log", data);
  char *text = slurp(path);
  TB_CHECKF(text && strstr(text, "{\"checkpoint\":{\"at\":") == text, "%s",
            text ? text : "no checkpoint file");
}

static void sigterm_stops_cleanly(void) {
  kill(first.pid, SIGTERM);
  TB_CHECK_INT(finish(&first, 60), 0);
  TB_CHECKF(strstr(slurp(first.log), "PostgreSQL stopped"), "%s",
            slurp(first.log));
  char path[400];
  snprintf(path, sizeof path, "%s/pg/postmaster.pid", data);
  TB_CHECK(access(path, F_OK) != 0);
}

static void a_restart_finds_the_data(void) {
  proc again = serve_start(logf_("serve3.log"));
  TB_CHECKF(wait_for_text(&again, "tongban: serving", 120), "%s",
            slurp(again.log));
  TB_CHECK(strstr(slurp(again.log), "creating a PostgreSQL cluster") == NULL);
  char info[1024];
  tb_store_cluster_conninfo(data, 0, true, info, sizeof info);
  PGconn *c = tb_pg_connect(info);
  /* the shipped 2025 and 2026 days, and the administrator's 2027 ones,
   * which a restart did not overwrite */
  TB_CHECK(strstr(slurp(again.log), "loaded the shipped holiday calendar") ==
           NULL);
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM calendar_days WHERE day "
                              ">= '2027-01-01'"),
               2);
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM calendar_days WHERE day < "
                              "'2027-01-01'"),
               tb_pg_value(c, "SELECT sum(days) FROM calendar_loads WHERE "
                              "source = 'shipped'"));
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM calendar_loads"), 3);
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM calendar_meta WHERE "
                              "source = 'administrator' AND covered_until = "
                              "'2027-12-31'"),
               1);
  TB_CHECK(tb_pg_value(c, "SELECT count(*) FROM definitions") >= 4);
  PQfinish(c);
  kill(again.pid, SIGINT);
  TB_CHECK_INT(finish(&again, 60), 0);
}

static void an_ordinary_user_can_serve(void) {
  struct passwd *pw = getpwnam("tongban");
  if (geteuid() != 0 || !pw || access("/usr/bin/setpriv", X_OK) != 0) {
    printf("# skipped: needs root, the user tongban and setpriv\n");
    return;
  }
  char own[300], uid[16], gid[16];
  snprintf(own, sizeof own, "%s/user", dir);
  mkdir(own, 0700);
  if (chown(own, pw->pw_uid, pw->pw_gid) != 0)
    TB_CHECK(false);
  chmod(dir, 0755);
  snprintf(uid, sizeof uid, "%d", (int)pw->pw_uid);
  snprintf(gid, sizeof gid, "%d", (int)pw->pw_gid);
  char sub[320];
  snprintf(sub, sizeof sub, "%s/var", own);
  char *argv[] = {"/usr/bin/setpriv",
                  "--reuid",
                  uid,
                  "--regid",
                  gid,
                  "--clear-groups",
                  (char *)tongban,
                  "serve",
                  "--listen",
                  "127.0.0.1:0",
                  "--data",
                  sub,
                  "--workflows",
                  (char *)workflows,
                  NULL};
  proc p;
  start(&p, argv, logf_("user.log"));
  TB_CHECKF(wait_for_text(&p, "tongban: serving", 120), "%s", slurp(p.log));
  kill(p.pid, SIGTERM);
  TB_CHECK_INT(finish(&p, 60), 0);
  TB_CHECK(strstr(slurp(p.log), "PostgreSQL stopped") != NULL);
}

static void an_unreachable_database_is_named(void) {
  char *argv[] = {(char *)tongban,
                  "serve",
                  "--listen",
                  "127.0.0.1:0",
                  "--db",
                  "host=/tmp/tb-nowhere port=5999 dbname=tongban "
                  "connect_timeout=2",
                  NULL};
  TB_CHECK_INT(run(argv, logf_("nowhere.log")), 1);
  const char *out = slurp(log_path);
  TB_CHECKF(strstr(out, "could not connect") &&
                strstr(out, "/tmp/tb-nowhere") && strstr(out, "5999") &&
                strstr(out, "check"),
            "%s", out);
  char *mig[] = {(char *)tongban, "migrate", "--db",
                 "postgresql://nobody@127.0.0.1:1/tongban?connect_timeout=2",
                 NULL};
  TB_CHECK_INT(run(mig, logf_("nowhere2.log")), 1);
  TB_CHECKF(strstr(slurp(log_path), "127.0.0.1"), "%s", slurp(log_path));
}

/* The region leads every application number; one that cannot lead any is
 * refused at start, not at the first intake. */
static void an_impossible_region_is_refused(void) {
  char *argv[] = {(char *)tongban, "serve", "--region", "000000",
                  "--data",        data,    NULL};
  TB_CHECK_INT(run(argv, logf_("region.log")), 2);
  TB_CHECKF(strstr(slurp(log_path), "administrative division code"), "%s",
            slurp(log_path));
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc != 3) {
    fprintf(stderr, "usage: test_store_serve TONGBAN WORKFLOWS_DIR\n");
    return 2;
  }
  tongban = argv[1];
  workflows = argv[2];
  snprintf(dir, sizeof dir, "/tmp/tb-serve-XXXXXX");
  if (!mkdtemp(dir)) {
    printf("Bail out! no temporary folder\n");
    return 1;
  }
  chmod(dir, 0755);
  snprintf(data, sizeof data, "%s/var", dir);
  /* serve keeps the signing keys encrypted: with this passphrase */
  setenv("TONGBAN_KEY_PASSPHRASE", "serve-test-passphrase", 1);
  TB_RUN(serve_starts_on_a_fresh_folder);
  TB_RUN(a_second_serve_is_refused);
  TB_RUN(commands_reach_the_running_cluster);
  TB_RUN(checkpoints_are_made_on_the_interval);
  TB_RUN(sigterm_stops_cleanly);
  TB_RUN(a_restart_finds_the_data);
  TB_RUN(an_ordinary_user_can_serve);
  TB_RUN(an_unreachable_database_is_named);
  TB_RUN(an_impossible_region_is_refused);
  if (first.pid > 0)
    kill(first.pid, SIGKILL);
  tb_pg_remove_tree(dir);
  return tb_test_done();
}
