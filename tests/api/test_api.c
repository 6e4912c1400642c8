/*
 * test_api.c — the HTTP tests' harness: a throwaway PostgreSQL cluster
 * (tests/store's tb_pg harness), the shipped workflows loaded, one
 * account per role and one officer per bureau, license keys for every
 * bureau (tongban keys init) in the cluster's folder, the API started in
 * this process on a free port, then a script (TAP on stdout; argv[1],
 * default test_api.py) driving it over real HTTP. argv[2], if given, is
 * the tongban binary, for the script to call. The log (access lines
 * buffered per thread, as `tongban serve` does) goes to a file the script
 * inspects. A control thread lets the script stop and
 * restart PostgreSQL under the running server (tbhttp.control()).
 *
 * With TB_TWO_SERVERS set in the environment, a second server is started
 * in this process beside the first, on the same database but with keys
 * of its own (another platform root), and the control thread can stop it
 * ("stop-second"): two servers in one process share nothing.
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
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static bool setup(const tb_pg *pg, const char *keys) {
  static const tb_harness_account accounts[] = {{"admin1", "admin"},
                                                {"clerk1", "clerk"},
                                                {"inspector1", "inspector"},
                                                {"lockme", "clerk"}};
  return tb_api_harness_setup(pg, TB_WORKFLOWS_DIR, keys, accounts,
                              sizeof accounts / sizeof accounts[0]);
}

typedef struct {
  const char *script;  /* under tests/api */
  const char *tongban; /* the binary, or "" */
  const char *keys;    /* the keys folder */
  tb_api *second;      /* a second server, or NULL */
  const char *second_keys;
} script_args;

/* The control channel: the script writes "halt", "restart" or
 * "stop-second" and a newline on one pipe and reads "ok" or "failed" on
 * the other. */
typedef struct {
  tb_store_cluster *cluster;
  script_args *sa;
  int commands[2], answers[2];
} control_channel;

/* Stop the second server (once). */
static tb_store_status stop_second(script_args *sa) {
  if (!sa->second)
    return TB_STORE_ERROR;
  tb_api_stop(sa->second, 5);
  sa->second = NULL;
  return TB_STORE_OK;
}

static void *control_loop(void *arg) {
  control_channel *c = arg;
  char line[64];
  size_t n = 0;
  ssize_t got;
  while ((got = read(c->commands[0], line + n, sizeof line - 1 - n)) > 0) {
    n += (size_t)got;
    line[n] = '\0';
    char *nl = strchr(line, '\n');
    if (!nl) {
      if (n == sizeof line - 1)
        n = 0; /* an overlong line: drop it */
      continue;
    }
    *nl = '\0';
    tb_store_status rc = TB_STORE_ERROR;
    if (strcmp(line, "halt") == 0)
      rc = tb_store_cluster_halt(c->cluster);
    else if (strcmp(line, "restart") == 0)
      rc = tb_store_cluster_restart(c->cluster);
    else if (strcmp(line, "stop-second") == 0)
      rc = stop_second(c->sa);
    const char *answer = rc == TB_STORE_OK ? "ok\n" : "failed\n";
    if (write(c->answers[1], answer, strlen(answer)) < 0)
      break;
    n = 0;
  }
  return NULL;
}

/* The second server's address and keys for the script. */
static void export_second(const script_args *sa) {
  if (!sa->second)
    return;
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%u",
           (unsigned)tb_api_port(sa->second));
  setenv("TB_SECOND_URL", url, 1);
  setenv("TB_SECOND_KEYS_DIR", sa->second_keys, 1);
}

static int run_script(const tb_pg *pg, uint16_t port, const char *log,
                      script_args *sa) {
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%u", port);
  control_channel ctl = {.cluster = pg->cluster, .sa = sa};
  pthread_t control;
  /* close-on-exec, so that a PostgreSQL restarted by the control thread
   * does not inherit them (and keep the loop from seeing the end); the
   * script's child clears the flag on its two ends */
  bool controlled = pipe2(ctl.commands, O_CLOEXEC) == 0 &&
                    pipe2(ctl.answers, O_CLOEXEC) == 0 &&
                    pthread_create(&control, NULL, control_loop, &ctl) == 0;
  /* The script's environment is set here, not in the child: after a fork
   * of a threaded process only async-signal-safe calls are safe, and
   * setenv allocates. */
  if (controlled) {
    char fds[32];
    snprintf(fds, sizeof fds, "%d,%d", ctl.commands[1], ctl.answers[0]);
    setenv("TB_CONTROL_FDS", fds, 1);
  }
  setenv("TB_BASE_URL", url, 1);
  setenv("TB_ADMIN_CONNINFO", pg->admin, 1);
  setenv("TB_PASSWORD", TB_HARNESS_PASSWORD, 1);
  setenv("TB_ACCESS_LOG", log, 1);
  setenv("TB_SOURCE_ROOT", TB_SOURCE_ROOT, 1);
  setenv("TB_KEYS_DIR", sa->keys, 1);
  setenv("TB_TONGBAN", sa->tongban, 1);
  export_second(sa);
  char path[512];
  snprintf(path, sizeof path, "%s/tests/api/%s", TB_SOURCE_ROOT, sa->script);
  char *const argv[] = {"python3", path, NULL};
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    if (controlled) {
      fcntl(ctl.commands[1], F_SETFD, 0);
      fcntl(ctl.answers[0], F_SETFD, 0);
    }
    execvp("python3", argv);
    _exit(127);
  }
  int status = 0;
  bool waited = pid > 0 && waitpid(pid, &status, 0) == pid;
  if (controlled) {
    close(ctl.commands[1]); /* ends the control loop */
    pthread_join(control, NULL);
    close(ctl.commands[0]);
    close(ctl.answers[0]);
    close(ctl.answers[1]);
  }
  if (!waited)
    return 1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* A whole number from the environment; 0 when unset. */
static unsigned env_unsigned(const char *name) {
  const char *v = getenv(name);
  return v ? (unsigned)strtoul(v, NULL, 10) : 0;
}

int main(int argc, char **argv) {
  tb_pg pg;
  if (!tb_pg_start(&pg)) {
    printf("1..0 # SKIP no PostgreSQL cluster\n");
    return 1;
  }
  char keys[300], tongban[PATH_MAX] = "";
  snprintf(keys, sizeof keys, "%s/keys", pg.dir);
  if (argc > 2 && !realpath(argv[2], tongban))
    tongban[0] = '\0';
  char keys2[300];
  snprintf(keys2, sizeof keys2, "%s/keys-second", pg.dir);
  bool two = getenv("TB_TWO_SERVERS") != NULL;
  script_args sa = {argc > 1 ? argv[1] : "test_api.py", tongban, keys, NULL,
                    keys2};
  /* the documents' templates: a copy (PG/templates) a script may change */
  tb_doc_templates *templates = NULL;
  if (!setup(&pg, keys) ||
      (two && !tb_api_harness_keys(TB_WORKFLOWS_DIR, keys2)) ||
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
  tb_api_options o = {.listen = "127.0.0.1:0",
                      .conninfo = pg.server,
                      .region = "330100",
                      .threads = 2,
                      .test_clock = true,
                      .keys_dir = keys,
                      .rules = tb_api_harness_rules(TB_WORKFLOWS_DIR),
                      .templates = templates};
  tb_api *api = NULL;
  char err[512];
  int rc = 1;
  bool buffered = tb_log_stderr_buffer_start();
  /* the materials test sets small file limits to reach them cheaply */
  const char *mf = getenv("TB_MAX_FILE_BYTES");
  const char *ma = getenv("TB_MAX_APPLICATION_BYTES");
  o.max_file_bytes = mf ? (size_t)strtoull(mf, NULL, 10) : 0;
  o.max_app_bytes = ma ? (size_t)strtoull(ma, NULL, 10) : 0;
  /* the nginx test: links from a public URL, nginx a trusted proxy */
  const char *proxy = getenv("TB_TRUSTED_PROXY");
  o.public_url = getenv("TB_PUBLIC_URL");
  o.trusted_proxies = proxy ? &proxy : NULL;
  o.n_trusted_proxies = proxy ? 1 : 0;
  /* the second factor is off for every role, so the scripts log in with
   * a password; test_totp.py sets TB_TOTP_ROLES to the default's roles */
  const char *totp = getenv("TB_TOTP_ROLES");
  o.totp_roles = totp ? totp : "none";
  tb_api_harness_intake(&o.intake);
  /* the connection tests: limits small enough to reach on loopback */
  o.max_connections = env_unsigned("TB_MAX_CONNECTIONS");
  o.max_per_address = env_unsigned("TB_MAX_PER_ADDRESS");
  o.header_timeout = env_unsigned("TB_HEADER_TIMEOUT");
  o.body_timeout = env_unsigned("TB_BODY_TIMEOUT");
  o.hash_threads = env_unsigned("TB_HASH_THREADS");
  o.hash_queue = env_unsigned("TB_HASH_QUEUE");
  tb_api_options o2 = o;
  o2.keys_dir = keys2;
  if (tb_api_start(&o, &api, err, sizeof err) != TB_API_OK ||
      (two && tb_api_start(&o2, &sa.second, err, sizeof err) != TB_API_OK)) {
    printf("Bail out! %s\n", err);
  } else {
    /* TB_SCHEDULER: the timers too, on a handle wired like the server's */
    tb_store_scheduler *sch = NULL;
    if (getenv("TB_SCHEDULER")) {
      tb_store_options so = {.conninfo = pg.server, .region = "330100"};
      tb_api_store_options(api, &so);
      tb_store_scheduler_start(&so, 0.2, &sch);
    }
    rc = run_script(&pg, tb_api_port(api), log, &sa);
    tb_store_scheduler_stop(sch);
  }
  stop_second(&sa);
  tb_api_stop(api, 5);
  tb_rule_set_free((tb_rule_set *)o.rules);
  tb_doc_templates_close(templates);
  tb_documents_cleanup();
  if (buffered)
    tb_log_stderr_buffer_stop();
  fflush(stderr);
  if (saved >= 0)
    dup2(saved, 2);
  /* sanitizer reports of the server threads went to the log: fail on
   * them; on failure show the store's lines next to the failing cases */
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
    if (sanitizer || (rc != 0 && strstr(line, " module=store ")))
      fprintf(stderr, "%s", line);
  }
  if (f)
    fclose(f);

  tb_pg_stop(&pg);
  return rc;
}
