/*
 * cli_security.c — the security events of `keys init` and `keys rotate`,
 * noted in the keys folder and moved into the security log by `tongban
 * serve` (tb_cli_security.h).
 */
#include "tb_api.h"
#include "tb_cli.h"
#include "tb_cli_security.h"
#include "tb_store.h"
#include "tb_store_security_log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PENDING "security-events.pending"
#define PENDING_MAX (1024 * 1024)

static void pending_path(const char *dir, char *out, size_t cap) {
  snprintf(out, cap, "%s/" PENDING, dir);
}

bool tb_cli_security_note(const char *keys_dir, const char *kind,
                          const char *subject, json_t *details) {
  char user[80], at[32], path[PATH_MAX];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
  json_t *line =
      json_pack("{s:s, s:s, s:s, s:s, s:o}", "kind", kind, "subject", subject,
                "actor", tb_api_cli_user(user, sizeof user), "noted_at", at,
                "details", details ? details : json_object());
  char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
  json_decref(line);
  pending_path(keys_dir, path, sizeof path);
  int fd =
      text ? open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600) : -1;
  size_t len = text ? strlen(text) : 0;
  bool ok = fd >= 0;
  if (ok) {
    text[len] = '\n'; /* json_dumps' terminator: one write a line */
    ok = write(fd, text, len + 1) == (ssize_t)(len + 1) && fsync(fd) == 0;
  }
  if (!ok)
    fprintf(stderr, "tongban: the security event %s was not noted in %s: %s\n",
            kind, path, strerror(errno));
  if (fd >= 0)
    close(fd);
  free(text);
  return ok;
}

/* One noted line as an event of the security log; a line that is not one
 * is recorded as such (it was changed or cut). */
static tb_store_status move_line(tb_store *s, const char *line, size_t n) {
  json_t *doc = json_loads(line, 0, NULL);
  const char *kind = json_string_value(json_object_get(doc, "kind"));
  const char *subject = json_string_value(json_object_get(doc, "subject"));
  const char *actor = json_string_value(json_object_get(doc, "actor"));
  const char *at = json_string_value(json_object_get(doc, "noted_at"));
  json_t *details = json_object_get(doc, "details");
  bool ok = kind && subject && actor && at && json_is_object(details);
  json_t *d = ok ? json_deep_copy(details) : json_object();
  json_object_set_new(d, ok ? "noted_at" : "line",
                      ok ? json_string(at) : json_integer((json_int_t)n));
  char *text = json_dumps(d, JSON_COMPACT);
  json_decref(d);
  char user[80];
  tb_store_security_event ev = {
      .kind = ok ? kind : "noted_event_unreadable",
      .actor = {.kind = TB_SECURITY_CLI,
                .name = ok ? actor : tb_api_cli_user(user, sizeof user)},
      .subject = ok ? subject : "file:" PENDING,
      .outcome = ok ? TB_SECURITY_OK : TB_SECURITY_FAILED,
      .details = text};
  tb_store_status rc = tb_store_security_log_append(s, &ev, NULL);
  free(text);
  json_decref(doc);
  return rc;
}

typedef struct {
  char *text;
  size_t len;
} flush_job;

static tb_store_status flush_body(tb_store *s, void *cls) {
  flush_job *j = cls;
  size_t n = 0, start = 0;
  tb_store_status rc = TB_STORE_OK;
  while (rc == TB_STORE_OK && start < j->len) {
    const char *nl = memchr(j->text + start, '\n', j->len - start);
    size_t end = nl ? (size_t)(nl - j->text) : j->len;
    n++;
    char *line = tb_xstrndup(j->text + start, end - start);
    if (end > start)
      rc = move_line(s, line, n);
    free(line);
    start = end + 1;
  }
  return rc;
}

bool tb_cli_security_flush(const char *conninfo, const char *keys_dir) {
  char path[PATH_MAX], err[512];
  pending_path(keys_dir, path, sizeof path);
  if (access(path, F_OK) != 0)
    return true;
  flush_job j = {NULL, 0};
  j.text = tb_cli_read_file(path, PENDING_MAX, &j.len);
  tb_store_options o = {.conninfo = conninfo};
  tb_store *s = NULL;
  bool ok = j.text && tb_store_open(&o, &s, err, sizeof err) == TB_STORE_OK &&
            tb_store_run_transaction(s, flush_body, &j) == TB_STORE_OK &&
            unlink(path) == 0;
  if (!ok)
    fprintf(stderr,
            "tongban: the security events noted in %s could not be moved "
            "into the security log (they stay there for the next start)\n",
            path);
  tb_store_close(s);
  free(j.text);
  return ok;
}
