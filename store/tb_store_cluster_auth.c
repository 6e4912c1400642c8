/*
 * tb_store_cluster_auth.c — how the embedded cluster authenticates on its
 * socket: SCRAM-SHA-256, not trust.
 *
 *   DIR/pgpass          the two roles' passwords (random, 32 hex digits
 *                       each), mode 0600, in libpq's passfile format; every
 *                       connection string of the cluster names it
 *                       (passfile=…), so no password is ever on a command
 *                       line, in the environment or in the log
 *   DIR/pg/pg_hba.conf  "local all all scram-sha-256", nothing else
 *
 * A new cluster gets the superuser's password from initdb (--pwfile, a
 * file removed right after); a cluster made with trust (before this file
 * existed) is upgraded on its next start: with the old pg_hba.conf still
 * in force the passwords are set, then pg_hba.conf is rewritten and the
 * server reloads it. Passwords go to the server only as SCRAM verifiers
 * (PQencryptPasswordConn), so the plain text is in no statement.
 * Part of the cluster manager's file group (tb_store_cluster_int.h).
 */
#include "tb_store_cluster_int.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define HBA_TEXT                                                               \
  "# written by tongban: every connection comes through the Unix socket\n"     \
  "# and logs in with a password (SCRAM-SHA-256); the passwords are in\n"      \
  "# the data folder's pgpass (mode 0600)\n"                                   \
  "local all all scram-sha-256\n"

/* One "*:*:*:ROLE:PASSWORD" line's password for role, or false. */
static bool find_password(const char *text, const char *role,
                          char out[TB_CLUSTER_PASSWORD_LEN + 1]) {
  char prefix[128];
  int n = snprintf(prefix, sizeof prefix, "*:*:*:%s:", role);
  for (const char *line = text; line && *line;) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    if (len == (size_t)n + TB_CLUSTER_PASSWORD_LEN &&
        strncmp(line, prefix, (size_t)n) == 0 &&
        strspn(line + n, "0123456789abcdef") == TB_CLUSTER_PASSWORD_LEN) {
      memcpy(out, line + n, TB_CLUSTER_PASSWORD_LEN);
      out[TB_CLUSTER_PASSWORD_LEN] = '\0';
      return true;
    }
    line = end ? end + 1 : NULL;
  }
  return false;
}

static bool random_password(char out[TB_CLUSTER_PASSWORD_LEN + 1]) {
  uint8_t raw[TB_CLUSTER_PASSWORD_LEN / 2];
  bool ok = getrandom(raw, sizeof raw, 0) == (ssize_t)sizeof raw;
  tb_hex_encode(raw, sizeof raw, out);
  out[TB_CLUSTER_PASSWORD_LEN] = '\0';
  OPENSSL_cleanse(raw, sizeof raw);
  return ok;
}

/* Write text to a new file of mode 0600 (owned by uid/gid when >= 0);
 * false leaves nothing behind. */
static bool write_private(const char *path, const char *text, int uid,
                          int gid) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return false;
  size_t len = strlen(text);
  bool ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
  if (ok && uid >= 0 && fchown(fd, (uid_t)uid, (gid_t)gid) != 0)
    ok = false;
  ok = close(fd) == 0 && ok;
  if (!ok)
    unlink(path);
  return ok;
}

static bool read_small(const char *path, char *buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  ssize_t n = read(fd, buf, cap - 1);
  close(fd);
  buf[n > 0 ? n : 0] = '\0';
  return n >= 0;
}

bool tb_store_cluster_passwords(const char *dir, tb_cluster_passwords *pw,
                                char *msg, size_t msg_len) {
  char path[PATH_MAX + 16], text[512];
  snprintf(path, sizeof path, "%s/pgpass", dir);
  if (read_small(path, text, sizeof text)) {
    bool ok = find_password(text, TB_CLUSTER_ADMIN_USER, pw->admin) &&
              find_password(text, TB_CLUSTER_SERVER_USER, pw->server);
    OPENSSL_cleanse(text, sizeof text);
    if (!ok)
      snprintf(msg, msg_len,
               "%s lacks a password of %s or %s: restore it from a backup "
               "(see the README, \"Secrets and the database\")",
               path, TB_CLUSTER_ADMIN_USER, TB_CLUSTER_SERVER_USER);
    return ok;
  }
  if (errno != ENOENT || !random_password(pw->admin) ||
      !random_password(pw->server)) {
    snprintf(msg, msg_len, "cannot read %s: %s", path, strerror(errno));
    return false;
  }
  snprintf(text, sizeof text, "*:*:*:%s:%s\n*:*:*:%s:%s\n",
           TB_CLUSTER_ADMIN_USER, pw->admin, TB_CLUSTER_SERVER_USER,
           pw->server);
  bool ok = write_private(path, text, -1, -1);
  OPENSSL_cleanse(text, sizeof text);
  if (!ok)
    snprintf(msg, msg_len, "cannot write %s: %s", path, strerror(errno));
  return ok;
}

bool tb_store_cluster_pwfile(const char *dir, const char *password, int uid,
                             int gid, char *path, size_t cap) {
  snprintf(path, cap, "%s/initdb.pw", dir);
  unlink(path); /* left over from an initdb that was killed */
  char text[TB_CLUSTER_PASSWORD_LEN + 2];
  snprintf(text, sizeof text, "%s\n", password);
  bool ok = write_private(path, text, uid, gid);
  OPENSSL_cleanse(text, sizeof text);
  return ok;
}

bool tb_store_cluster_hba_write(const char *pgdata, int uid, int gid,
                                bool *changed) {
  char path[PATH_MAX + 16], tmp[PATH_MAX + 16], old[1024];
  snprintf(path, sizeof path, "%s/pg_hba.conf", pgdata);
  snprintf(tmp, sizeof tmp, "%s/pg_hba.conf.new", pgdata);
  *changed = !read_small(path, old, sizeof old) || strcmp(old, HBA_TEXT) != 0;
  if (!*changed)
    return true;
  unlink(tmp);
  return write_private(tmp, HBA_TEXT, uid, gid) && rename(tmp, path) == 0;
}

/* ALTER ROLE role [LOGIN] PASSWORD 'verifier': ALTER ROLE takes no
 * parameters, so the SCRAM verifier (base64 and '$', ':', made by libpq)
 * goes in as an escaped literal. */
static tb_store_status set_password(tb_store *s, const char *role,
                                    const char *password) {
  char *verifier =
      PQencryptPasswordConn(s->conn, password, role, "scram-sha-256");
  char *literal =
      verifier ? PQescapeLiteral(s->conn, verifier, strlen(verifier)) : NULL;
  tb_store_status rc = TB_STORE_ERROR;
  if (literal) {
    size_t cap = strlen(literal) + 96;
    char *sql = tb_xmalloc(cap);
    /* the password on its own line: a failure logs only the first */
    snprintf(sql, cap, "ALTER ROLE %s LOGIN\nPASSWORD %s", role, literal);
    rc = tb_store_exec_plain(s, sql, NULL);
    free(sql);
  }
  PQfreemem(literal);
  PQfreemem(verifier);
  return rc;
}

static const char SERVER_ROLE_SQL[] =
    "DO $$ BEGIN "
    "IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = "
    "'" TB_CLUSTER_SERVER_USER "') THEN "
    "CREATE ROLE " TB_CLUSTER_SERVER_USER " LOGIN; END IF; END $$";

static const tb_store_stmt S_RELOAD = {"cluster_reload",
                                       "SELECT pg_reload_conf()", 0};

tb_store_status tb_store_cluster_auth_apply(tb_store *s, const char *pgdata,
                                            int uid, int gid,
                                            const tb_cluster_passwords *pw) {
  tb_store_status rc = set_password(s, TB_CLUSTER_ADMIN_USER, pw->admin);
  if (rc == TB_STORE_OK)
    rc = tb_store_exec_plain(s, SERVER_ROLE_SQL, NULL);
  if (rc == TB_STORE_OK)
    rc = set_password(s, TB_CLUSTER_SERVER_USER, pw->server);
  bool changed = false;
  if (rc == TB_STORE_OK &&
      !tb_store_cluster_hba_write(pgdata, uid, gid, &changed)) {
    tb_log_kv(TB_LOG_ERROR, "store", "cannot write pg_hba.conf",
              TB_LOG_S("dir", pgdata));
    rc = TB_STORE_ERROR;
  }
  if (rc == TB_STORE_OK && changed) {
    rc = tb_store_exec(s, &S_RELOAD, NULL, NULL);
    if (rc == TB_STORE_OK)
      tb_log_kv(TB_LOG_INFO, "store",
                "the embedded PostgreSQL now asks for passwords "
                "(scram-sha-256) instead of trusting the socket",
                TB_LOG_S("dir", pgdata));
  }
  return rc;
}
