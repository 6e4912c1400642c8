/*
 * test_web.c — the browser tests' harness: a throwaway PostgreSQL cluster
 * (tests/store's tb_pg harness), the shipped workflows, one account per
 * role and one officer per bureau, license keys for every bureau, the
 * timer scheduler, and the API with
 * the embedded pages in this process on a free port; then a node script
 * (argv[1], TAP on stdout) drives it — Chromium through playwright-core
 * for the story, plain sockets for the 1,000 streams. The file
 * descriptor limit is raised first so that many streams fit.
 */
#include "tb_api.h"
#include "tb_api_harness.h"
#include "tb_documents.h"
#include "tb_license.h"
#include "tb_log_stderr.h"
#include "tb_pg_harness.h"
#include "tb_store.h"
#include "tb_store_timers.h"
#include "tb_workflows.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define WANT_FDS 16384

static bool setup(const tb_pg *pg, const char *keys) {
  static const tb_harness_account accounts[] = {{"clerk1", "clerk"},
                                                {"inspector1", "inspector"}};
  return tb_api_harness_setup(pg, TB_WORKFLOWS_DIR, keys, accounts,
                              sizeof accounts / sizeof accounts[0]);
}

/* Raise the soft limit of open files as far as the hard limit allows. */
static rlim_t raise_fd_limit(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return 0;
  rlim_t want = WANT_FDS;
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
    want = rl.rlim_max;
  if (rl.rlim_cur < want) {
    rl.rlim_cur = want;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  return rl.rlim_cur;
}

static int run_script(const char *script, uint16_t port) {
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%u", port);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    setenv("TB_BASE_URL", url, 1);
    setenv("TB_PASSWORD", TB_HARNESS_PASSWORD, 1);
    setenv("TB_SOURCE_ROOT", TB_SOURCE_ROOT, 1);
    execlp("node", "node", script, (char *)NULL);
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0)
    return 1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* Fail on sanitizer reports of the server threads (they went to the log). */
static int check_log(const char *log, int rc) {
  FILE *f = fopen(log, "r");
  char line[1024];
  while (f && fgets(line, sizeof line, f)) {
    bool sanitizer = strstr(line, "runtime error") ||
                     strstr(line, "AddressSanitizer") ||
                     strstr(line, "LeakSanitizer");
    if (sanitizer) {
      printf("# server log: %s", line);
      rc = 1;
    }
    if (sanitizer || (rc != 0 && strstr(line, "store:")))
      fprintf(stderr, "%s", line);
  }
  if (f)
    fclose(f);
  return rc;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    printf("Bail out! usage: test_web SCRIPT.mjs\n");
    return 1;
  }
  rlim_t fds = raise_fd_limit();
  printf("# open files limit: %llu\n", (unsigned long long)fds);
  tb_pg pg;
  if (!tb_pg_start(&pg)) {
    printf("1..0 # SKIP no PostgreSQL cluster\n");
    return 1;
  }
  char keys[300];
  snprintf(keys, sizeof keys, "%s/keys", pg.dir);
  setenv("TB_KEYS_DIR", keys, 1); /* story.mjs forges a license with them */
  setenv("TB_ADMIN_CONNINFO", pg.admin, 1); /* lib.mjs sql() */
  /* the documents' templates (a copy in PG/templates) */
  tb_doc_templates *templates = NULL;
  if (!setup(&pg, keys) ||
      !(templates = tb_api_harness_templates(TB_WORKFLOWS_DIR, pg.dir))) {
    tb_pg_stop(&pg);
    printf("Bail out! setup failed\n");
    return 1;
  }
  char log[300];
  snprintf(log, sizeof log, "%s/access.log", pg.dir);
  int saved = dup(2);
  int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    dup2(fd, 2);
    close(fd);
  }
  unsigned conns = fds > 2500 ? (unsigned)(fds / 2 - 64) : 1000;
  tb_api_options o = {.listen = "127.0.0.1:0",
                      .conninfo = pg.server,
                      .region = "330100",
                      .threads = 2,
                      .max_connections = conns,
                      /* every browser and script here connects from
                       * 127.0.0.1 (streams.mjs opens 1000 streams): the
                       * cap per address at its most, half of the total */
                      .max_per_address = conns / 2,
                      .keys_dir = keys,
                      .test_clock = true,
                      .rules = tb_api_harness_rules(TB_WORKFLOWS_DIR),
                      .templates = templates};
  tb_api_harness_intake(&o.intake);
  tb_api *api = NULL;
  char err[512];
  int rc = 1;
  /* the second factor is off for every role, so the scripts log in with
   * a password; totp.mjs sets TB_TOTP_ROLES to the default's roles */
  const char *totp = getenv("TB_TOTP_ROLES");
  o.totp_roles = totp ? totp : "none";
  bool buffered = tb_log_stderr_buffer_start();
  if (tb_api_start(&o, &api, err, sizeof err) != TB_API_OK) {
    printf("Bail out! %s\n", err);
  } else {
    /* the timers, on a handle wired like the server's own */
    tb_store_options so = {.conninfo = pg.server, .region = "330100"};
    tb_api_store_options(api, &so);
    tb_store_scheduler *sch = NULL;
    tb_store_scheduler_start(&so, 0.5, &sch);
    rc = run_script(argv[1], tb_api_port(api));
    tb_store_scheduler_stop(sch);
    tb_api_stop(api, 5);
  }
  tb_rule_set_free((tb_rule_set *)o.rules);
  tb_doc_templates_close(templates);
  tb_documents_cleanup();
  if (buffered)
    tb_log_stderr_buffer_stop();
  fflush(stderr);
  if (saved >= 0)
    dup2(saved, 2);
  rc = check_log(log, rc);
  tb_pg_stop(&pg);
  return rc;
}
