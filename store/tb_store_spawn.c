/*
 * tb_store_spawn.c — what the embedded cluster manager runs programs
 * with: fork and exec in a new session (so that Ctrl-C at the terminal
 * does not reach PostgreSQL), as another user when asked, output to a log
 * file or /dev/null; and where PostgreSQL's programs are (PATH, then the
 * newest /usr/lib/postgresql/N/bin). Part of the cluster's file group
 * (tb_store_cluster_int.h).
 */
#include "tb_store_cluster_int.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- spawning ------------------------------------------------------ */

static void child_exec(char *const argv[], int as_uid, int as_gid, int log_fd) {
  /* A new session first: Ctrl-C at the terminal (or a signal to our
   * process group) must not reach PostgreSQL. Stop signals that arrived
   * while blocked are discarded (SIG_IGN), then the defaults return. */
  setsid();
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  int devnull = open("/dev/null", O_RDWR);
  if (devnull >= 0)
    dup2(devnull, 0);
  int out = log_fd >= 0 ? log_fd : devnull;
  if (out >= 0) {
    dup2(out, 1);
    dup2(out, 2);
  }
  if (as_uid >= 0) {
    if (setgroups(0, NULL) != 0 || setgid((gid_t)as_gid) != 0 ||
        setuid((uid_t)as_uid) != 0)
      _exit(126);
  }
  if (chdir("/") != 0)
    _exit(126);
  execv(argv[0], argv);
  _exit(127);
}

int tb_store_spawn(char *const argv[], int as_uid, int as_gid, int log_fd) {
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0)
    child_exec(argv, as_uid, as_gid, log_fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      return -1;
  }
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return -1;
}

/* ---- finding PostgreSQL's programs ---------------------------------- */

static bool executable(const char *path) {
  return access(path, X_OK) == 0;
}

bool tb_store_find_on_path(const char *name, char *out, size_t cap) {
  const char *path = getenv("PATH");
  while (path && *path) {
    const char *colon = strchr(path, ':');
    size_t n = colon ? (size_t)(colon - path) : strlen(path);
    if (n > 0 &&
        (size_t)snprintf(out, cap, "%.*s/%s", (int)n, path, name) < cap &&
        executable(out))
      return true;
    path = colon ? colon + 1 : NULL;
  }
  return false;
}

/* The highest /usr/lib/postgresql/N/bin/name. */
static bool find_in_pglib(const char *name, char *out, size_t cap) {
  char pattern[128];
  snprintf(pattern, sizeof pattern, "/usr/lib/postgresql/*/bin/%s", name);
  glob_t g;
  if (glob(pattern, 0, NULL, &g) != 0)
    return false;
  long best = -1;
  for (size_t i = 0; i < g.gl_pathc; i++) {
    const char *v = g.gl_pathv[i] + strlen("/usr/lib/postgresql/");
    long major = strtol(v, NULL, 10);
    if (major > best && executable(g.gl_pathv[i]) &&
        strlen(g.gl_pathv[i]) < cap) {
      best = major;
      tb_store_copy(out, cap, g.gl_pathv[i]);
    }
  }
  globfree(&g);
  return best >= 0;
}

bool tb_store_find_program(const char *name, char *out, size_t cap) {
  return tb_store_find_on_path(name, out, cap) || find_in_pglib(name, out, cap);
}
