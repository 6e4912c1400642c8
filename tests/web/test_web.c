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
#include "tb_license.h"
#include "tb_pg_harness.h"
#include "tb_store.h"
#include "tb_workflows.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define PASSWORD "correct-horse-1"
#define WANT_FDS 16384

static bool add(const char *conninfo, const char *user, const char *role,
                const char *bureau) {
  char msg[512];
  if (tb_api_account_add(conninfo, user, role, bureau, PASSWORD,
                         strlen(PASSWORD), msg, sizeof msg) != TB_API_OK) {
    printf("# accounts add %s: %s\n", user, msg);
    return false;
  }
  return true;
}

/* The platform's keys for every bureau, unencrypted, in dir. */
static bool init_keys(const char *dir, const tb_bureau_list *bureaus) {
  tb_license_init_report rep;
  tb_problem p = {0};
  if (tb_license_init_keys(dir, bureaus, NULL, &rep, &p) != TB_LICENSE_OK) {
    printf("# keys init: %s\n", p.detail);
    return false;
  }
  return true;
}

static bool setup(const tb_pg *pg, const char *keys) {
  tb_store *s = tb_pg_store(pg->admin);
  size_t loaded = 0;
  tb_problem p = {0};
  tb_store_status rc =
      tb_store_definitions_load_dir(s, TB_WORKFLOWS_DIR, &loaded, &p);
  tb_store_close(s);
  if (rc != TB_STORE_OK) {
    printf("# cannot load the workflows: %s\n", p.detail);
    return false;
  }
  tb_bureau_list *bureaus = NULL;
  tb_workflows_problems ps = {0};
  if (tb_workflows_load_bureaus(TB_WORKFLOWS_DIR "/bureaus.xml", &bureaus,
                                &ps) != TB_OK) {
    tb_workflows_problems_print(&ps, stdout);
    tb_workflows_problems_free(&ps);
    return false;
  }
  bool ok = init_keys(keys, bureaus) &&
            add(pg->admin, "clerk1", "clerk", NULL) &&
            add(pg->admin, "inspector1", "inspector", NULL);
  for (size_t i = 0; ok && i < bureaus->n; i++) {
    char user[80];
    snprintf(user, sizeof user, "officer-%s", bureaus->items[i].code);
    ok = add(pg->admin, user, "officer", bureaus->items[i].code);
  }
  tb_workflows_free_bureaus(bureaus);
  return ok;
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
    setenv("TB_PASSWORD", PASSWORD, 1);
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
  if (!setup(&pg, keys)) {
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
  tb_store_options so = {.conninfo = pg.server, .region = "330100"};
  tb_store_scheduler *sch = NULL;
  tb_store_scheduler_start(&so, 0.5, &sch);
  unsigned conns = fds > 2500 ? (unsigned)(fds / 2 - 64) : 1000;
  tb_api_options o = {.listen = "127.0.0.1:0",
                      .conninfo = pg.server,
                      .region = "330100",
                      .threads = 2,
                      .max_connections = conns,
                      .keys_dir = keys,
                      .test_clock = true};
  tb_api *api = NULL;
  char err[512];
  int rc = 1;
  if (tb_api_start(&o, &api, err, sizeof err) != TB_API_OK) {
    printf("Bail out! %s\n", err);
  } else {
    rc = run_script(argv[1], tb_api_port(api));
    tb_api_stop(api, 5);
  }
  tb_store_scheduler_stop(sch);
  fflush(stderr);
  if (saved >= 0)
    dup2(saved, 2);
  rc = check_log(log, rc);
  tb_pg_stop(&pg);
  return rc;
}
