/*
 * cli_audit.c — the platform's audit key, trust list and checkpoint file
 * for `tongban audit` and `tongban serve` (see tb_cli_audit.h).
 */
#include "tb_cli.h"
#include "tb_cli_audit.h"
#include "tb_log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FILE_MAX (64u * 1024 * 1024)

const char *tb_cli_audit_file(const char *file, const char *data, char *buf,
                              size_t size) {
  const char *env = getenv("TONGBAN_AUDIT_CHECKPOINTS");
  if (file)
    snprintf(buf, size, "%s", file);
  else if (env && *env)
    snprintf(buf, size, "%s", env);
  else
    snprintf(buf, size, "%s/audit-checkpoints.log", data ? data : "./var");
  return buf;
}

const char *tb_cli_audit_keys(const char *keys, const char *data, char *buf,
                              size_t size) {
  if (keys)
    snprintf(buf, size, "%s", keys);
  else
    snprintf(buf, size, "%s/keys", data ? data : "./var");
  return buf;
}

static void say_problem(const char *what, tb_license_status st,
                        const tb_problem *p) {
  fprintf(stderr, "tongban: %s: %s\n", what,
          p->detail[0] ? p->detail : tb_license_status_code(st));
}

tb_license_signer *tb_cli_audit_signer_open(const char *keys) {
  char pass[1024] = "";
  tb_problem p = {0};
  tb_license_status st = tb_license_passphrase_from_env(pass, sizeof pass, &p);
  if (st != TB_LICENSE_OK && st != TB_LICENSE_ERR_NOT_FOUND) {
    say_problem("passphrase", st, &p);
    return NULL;
  }
  tb_license_signer *s = NULL;
  st = tb_license_signer_open(keys, TB_LICENSE_SIGNER_AUDIT, pass, &s, &p);
  explicit_bzero(pass, sizeof pass);
  if (st != TB_LICENSE_OK) {
    say_problem("the platform's audit key", st, &p);
    return NULL;
  }
  return s;
}

bool tb_cli_audit_sign(void *signer, const void *data, size_t len,
                       unsigned char **sig, size_t *sig_len, char key_id[41]) {
  tb_problem p = {0};
  if (tb_license_signer_sign(signer, data, len, sig, sig_len, &p) !=
      TB_LICENSE_OK) {
    tb_log_kv(TB_LOG_ERROR, "audit", "checkpoint not signed",
              TB_LOG_S("error", p.detail));
    return false;
  }
  snprintf(key_id, 41, "%s", tb_license_signer_key_id(signer));
  return true;
}

tb_license_trust *tb_cli_audit_trust_open(const char *keys, char *why,
                                          size_t why_size) {
  char *pem = NULL;
  size_t len = 0;
  tb_problem p = {0};
  tb_license_trust *t = NULL;
  tb_license_status st = tb_license_read_trust_list(keys, &pem, &len, &p);
  if (st == TB_LICENSE_OK)
    st = tb_license_load_trust(pem, len, &t, &p);
  free(pem);
  if (st != TB_LICENSE_OK)
    snprintf(why, why_size, "the trust list of %s: %s", keys,
             p.detail[0] ? p.detail : tb_license_status_code(st));
  return st == TB_LICENSE_OK ? t : NULL;
}

bool tb_cli_audit_check(void *trust, const char *key_id, const void *data,
                        size_t len, const unsigned char *sig, size_t sig_len,
                        int64_t at, char *why, size_t why_size) {
  tb_problem p = {0};
  tb_license_status st = tb_license_trust_check_platform(
      trust, TB_LICENSE_SIGNER_AUDIT, key_id, data, len, sig, sig_len, at, &p);
  if (st == TB_LICENSE_OK)
    return true;
  snprintf(why, why_size, "%s",
           st == TB_LICENSE_ERR_NOT_FOUND
               ? "its key is not a platform audit key of the trust list"
           : p.detail[0] ? p.detail
                         : tb_license_status_code(st));
  return false;
}

int tb_cli_audit_open_file(const char *path) {
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0)
    tb_log_kv(TB_LOG_ERROR, "audit", "checkpoint file cannot be opened",
              TB_LOG_S("file", path), TB_LOG_S("error", strerror(errno)));
  return fd;
}

bool tb_cli_audit_append(int fd, const char *line) {
  size_t len = strlen(line);
  char *buf = tb_xmalloc(len + 1);
  memcpy(buf, line, len);
  buf[len] = '\n';
  bool ok = write(fd, buf, len + 1) == (ssize_t)(len + 1) && fdatasync(fd) == 0;
  if (!ok)
    tb_log_kv(TB_LOG_ERROR, "audit", "checkpoint file not written",
              TB_LOG_S("error", strerror(errno)));
  free(buf);
  return ok;
}

/* Split text in place at newlines (a last line without one counts). */
static char **split_lines(char *text, size_t len, size_t *n) {
  size_t count = 0;
  for (size_t i = 0; i < len; i++)
    count += text[i] == '\n';
  char **lines = tb_xcalloc(count + 2, sizeof *lines);
  *n = 0;
  char *p = text;
  while (p < text + len) {
    char *nl = memchr(p, '\n', (size_t)(text + len - p));
    if (nl)
      *nl = '\0';
    lines[(*n)++] = p;
    p = nl ? nl + 1 : text + len;
  }
  return lines;
}

bool tb_cli_audit_read_lines(const char *path, char **text, char ***lines,
                             size_t *n) {
  size_t len = 0;
  *lines = NULL;
  *n = 0;
  *text = tb_cli_read_file(path, FILE_MAX, &len);
  if (!*text)
    return false;
  *lines = split_lines(*text, len, n);
  return true;
}

tb_store_status
tb_cli_audit_checkpoint(tb_store *s, tb_license_signer *signer,
                        const char *file, int64_t min_interval,
                        tb_store_audit_checkpoint_result *made) {
  memset(made, 0, sizeof *made);
  int fd = tb_cli_audit_open_file(file); /* before: a file that cannot be
                                            written makes no checkpoint */
  if (fd < 0)
    return TB_STORE_ERROR;
  tb_store_status rc = tb_store_audit_checkpoint(
      s, min_interval, tb_cli_audit_sign, signer, made);
  if (rc == TB_STORE_OK && made->seq > 0 &&
      !tb_cli_audit_append(fd, made->line))
    rc = TB_STORE_ERROR;
  close(fd);
  free(made->line);
  made->line = NULL;
  return rc;
}

/* ---- the server's thread ------------------------------------------------ */

struct tb_cli_checkpointer {
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  bool stop;
  double interval;
  char *conninfo, *file;
  tb_license_signer *signer;
};

static void checkpoint_once(tb_cli_checkpointer *c, tb_store *s) {
  tb_store_audit_checkpoint_result made;
  /* a little under the interval, so that one node's timer drift does
   * not skip a turn */
  int64_t min = (int64_t)(c->interval * 0.9);
  tb_store_status rc =
      tb_cli_audit_checkpoint(s, c->signer, c->file, min > 0 ? min : 1, &made);
  if (rc != TB_STORE_OK)
    tb_log_kv(TB_LOG_ERROR, "audit", "checkpoint failed",
              TB_LOG_S("status", tb_store_status_name(rc)));
  else if (made.seq > 0)
    tb_log_kv(TB_LOG_INFO, "audit", "checkpoint made",
              TB_LOG_I("checkpoint", made.seq),
              TB_LOG_I("applications", made.size), TB_LOG_S("root", made.root));
}

static void *run(void *arg) {
  tb_cli_checkpointer *c = arg;
  tb_store *s = NULL;
  while (tb_cli_wait_interval(&c->lock, &c->wake, &c->stop, c->interval)) {
    char err[512];
    tb_store_options o = {.conninfo = c->conninfo};
    if (!s && tb_store_open(&o, &s, err, sizeof err) != TB_STORE_OK) {
      tb_log_kv(TB_LOG_ERROR, "audit", "no database for checkpoints",
                TB_LOG_S("error", err));
      s = NULL;
      continue;
    }
    checkpoint_once(c, s);
  }
  tb_store_close(s);
  return NULL;
}

static void checkpointer_free(tb_cli_checkpointer *c) {
  tb_license_signer_close(c->signer);
  free(c->conninfo);
  free(c->file);
  pthread_mutex_destroy(&c->lock);
  pthread_cond_destroy(&c->wake);
  free(c);
}

bool tb_cli_checkpointer_start(const char *conninfo, const char *keys,
                               const char *file, double interval,
                               tb_cli_checkpointer **out) {
  *out = NULL;
  tb_cli_checkpointer *c = tb_xcalloc(1, sizeof *c);
  pthread_mutex_init(&c->lock, NULL);
  pthread_cond_init(&c->wake, NULL);
  c->interval = interval;
  c->conninfo = tb_xstrndup(conninfo, strlen(conninfo));
  c->file = tb_xstrndup(file, strlen(file));
  c->signer = tb_cli_audit_signer_open(keys);
  if (!c->signer || pthread_create(&c->thread, NULL, run, c) != 0) {
    checkpointer_free(c);
    return false;
  }
  *out = c;
  return true;
}

void tb_cli_checkpointer_stop(tb_cli_checkpointer *c) {
  if (!c)
    return;
  pthread_mutex_lock(&c->lock);
  c->stop = true;
  pthread_cond_signal(&c->wake);
  pthread_mutex_unlock(&c->lock);
  pthread_join(c->thread, NULL);
  checkpointer_free(c);
}
