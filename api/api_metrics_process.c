/*
 * api_metrics_process.c — the process metrics of the Prometheus client
 * libraries' standard names, read from /proc/self (resident and virtual
 * memory, open and maximum file descriptors, CPU seconds, start time),
 * and tongban_build_info with the version and git commit of the build.
 * A file that cannot be read leaves its metrics out.
 */
#include "tb_api_int.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* The fields of /proc/self/stat used here. */
typedef struct {
  unsigned long long utime, stime; /* clock ticks */
  unsigned long long starttime;    /* clock ticks after boot */
  unsigned long long vsize;        /* bytes */
  long long rss;                   /* pages */
} proc_stat;

/* Read a small file whole into buf (NUL-terminated); false when it
 * cannot be read. */
static bool read_small(const char *path, char *buf, size_t cap) {
  FILE *f = fopen(path, "re");
  if (!f)
    return false;
  size_t n = fread(buf, 1, cap - 1, f);
  fclose(f);
  buf[n] = '\0';
  return n > 0;
}

/* Fields after the command name (which may hold spaces and parentheses):
 * the first after ')' is field 3 (state), so field k is number k - 3. */
static bool parse_stat(const char *text, proc_stat *out) {
  const char *p = strrchr(text, ')');
  if (!p)
    return false;
  p++;
  unsigned long long v[22];
  size_t got = 0;
  while (got < sizeof v / sizeof v[0]) {
    while (*p == ' ')
      p++;
    if (!*p)
      return false;
    char *end = NULL;
    v[got] = strtoull(p, &end, 10);
    if (end == p) { /* the state letter: not a number */
      v[got] = 0;
      while (*p && *p != ' ')
        p++;
    } else {
      p = end;
    }
    got++;
  }
  out->utime = v[14 - 3];
  out->stime = v[15 - 3];
  out->starttime = v[22 - 3];
  out->vsize = v[23 - 3];
  out->rss = (long long)v[24 - 3];
  return true;
}

/* The boot time in Unix seconds (/proc/stat's btime), or 0. */
static long long boot_time(void) {
  FILE *f = fopen("/proc/stat", "re");
  if (!f)
    return 0;
  char line[512];
  long long bt = 0;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "btime ", 6) == 0) {
      bt = strtoll(line + 6, NULL, 10);
      break;
    }
  }
  fclose(f);
  return bt;
}

/* Entries of /proc/self/fd, less the one the listing itself opens. */
static long long open_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d)
    return -1;
  long long n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.')
      n++;
  closedir(d);
  return n > 0 ? n - 1 : 0;
}

static void gauge(tb_buf *t, const char *name, const char *type,
                  const char *help, const char *value) {
  tb_buf_addf(t, "# HELP %s %s\n# TYPE %s %s\n%s %s\n", name, help, name, type,
              name, value);
}

static void stat_text(tb_buf *t) {
  char text[1024], v[64];
  proc_stat st;
  if (!read_small("/proc/self/stat", text, sizeof text) ||
      !parse_stat(text, &st))
    return;
  long tick = sysconf(_SC_CLK_TCK);
  long page = sysconf(_SC_PAGESIZE);
  if (tick <= 0 || page <= 0)
    return;
  snprintf(v, sizeof v, "%.2f", (double)(st.utime + st.stime) / (double)tick);
  gauge(t, "process_cpu_seconds_total", "counter",
        "Total user and system CPU time spent in seconds.", v);
  snprintf(v, sizeof v, "%lld", st.rss * (long long)page);
  gauge(t, "process_resident_memory_bytes", "gauge",
        "Resident memory size in bytes.", v);
  snprintf(v, sizeof v, "%llu", st.vsize);
  gauge(t, "process_virtual_memory_bytes", "gauge",
        "Virtual memory size in bytes.", v);
  long long boot = boot_time();
  if (boot > 0) {
    snprintf(v, sizeof v, "%.2f",
             (double)boot + (double)st.starttime / (double)tick);
    gauge(t, "process_start_time_seconds", "gauge",
          "Start time of the process since unix epoch in seconds.", v);
  }
}

static void fds_text(tb_buf *t) {
  char v[32];
  long long n = open_fds();
  if (n >= 0) {
    snprintf(v, sizeof v, "%lld", n);
    gauge(t, "process_open_fds", "gauge", "Number of open file descriptors.",
          v);
  }
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    snprintf(v, sizeof v, "%llu", (unsigned long long)rl.rlim_cur);
    gauge(t, "process_max_fds", "gauge",
          "Maximum number of open file descriptors.", v);
  }
}

void api_metrics_process_text(tb_buf *t) {
  stat_text(t);
  fds_text(t);
  tb_buf_addf(t,
              "# HELP tongban_build_info The version and git commit this "
              "binary was built from.\n# TYPE tongban_build_info gauge\n"
              "tongban_build_info{version=\"%s\",commit=\"%s\"} 1\n",
              tb_build_version, tb_build_commit);
}
