/*
 * tb_store_cluster.c — the embedded PostgreSQL cluster.
 *
 * `tongban serve` with no --db, and the database tests, run a private
 * cluster in a folder:
 *
 *   DIR/serve.lock      flock'ed while a serve (or test) uses the folder
 *   DIR/pg/             the cluster (initdb on first use)
 *   DIR/.s.PGSQL.PORT   the Unix socket (no TCP listener at all)
 *   DIR/postgresql.log  the server's log; DIR/initdb.log initdb's
 *   DIR/pgpass          the roles' passwords (tb_store_cluster_auth.c)
 *
 * initdb refuses to run as root, so as root the cluster runs as an
 * unprivileged user ("tongban", created with useradd if missing, else
 * "nobody") that owns DIR; root still connects through the socket.
 * Only the folder's owner (and root) can reach the socket, since DIR is
 * mode 0700, and even then every connection logs in with a password
 * (SCRAM-SHA-256, tb_store_cluster_auth.c): a process of another user
 * that gets at the socket still cannot read or change anything.
 *
 * Running programs and finding PostgreSQL's are in tb_store_spawn.c (the
 * same file group, tb_store_cluster_int.h).
 */
#include "tb_store_cluster_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define ADMIN_USER TB_CLUSTER_ADMIN_USER
#define SERVER_USER TB_CLUSTER_SERVER_USER
#define DATABASE "tongban"
#define SOCKET_PATH_MAX 107

struct tb_store_cluster {
  char dir[PATH_MAX];
  char pgdata[PATH_MAX + 8];
  char pg_ctl[PATH_MAX];
  char initdb[PATH_MAX];
  int port;
  bool fsync;
  int max_connections;
  int uid, gid; /* -1: run as ourselves */
  int lock_fd;
  bool running;
  tb_cluster_passwords pw;
  char admin_conninfo[2 * PATH_MAX + 160];
  char server_conninfo[2 * PATH_MAX + 160];
};

/* ---- the unprivileged user ----------------------------------------- */

static bool lookup_user(const char *name, int *uid, int *gid) {
  struct passwd pw, *res = NULL;
  char buf[4096];
  if (getpwnam_r(name, &pw, buf, sizeof buf, &res) != 0 || !res)
    return false;
  *uid = (int)res->pw_uid;
  *gid = (int)res->pw_gid;
  return true;
}

static bool create_system_user(const char *name) {
  char useradd[PATH_MAX];
  if (!tb_store_find_on_path("useradd", useradd, sizeof useradd)) {
    tb_store_copy(useradd, sizeof useradd, "/usr/sbin/useradd");
    if (access(useradd, X_OK) != 0)
      return false;
  }
  char *argv[] = {useradd,        "--system",
                  "--user-group", "--no-create-home",
                  "--home-dir",   "/nonexistent",
                  "--shell",      "/usr/sbin/nologin",
                  (char *)name,   NULL};
  return tb_store_spawn(argv, -1, -1, -1) == 0;
}

static bool choose_user(const char *wanted, int *uid, int *gid, char *msg,
                        size_t msg_len) {
  if (wanted) {
    if (lookup_user(wanted, uid, gid))
      return true;
    snprintf(msg, msg_len, "there is no user \"%s\" to run PostgreSQL as",
             wanted);
    return false;
  }
  if (lookup_user("tongban", uid, gid))
    return true;
  if (create_system_user("tongban") && lookup_user("tongban", uid, gid)) {
    tb_log_kv(TB_LOG_INFO, "store", "created a system user to run PostgreSQL",
              TB_LOG_S("user", "tongban"));
    return true;
  }
  if (lookup_user("nobody", uid, gid)) {
    tb_log_kv(TB_LOG_WARN, "store",
              "running PostgreSQL as nobody: could not create its own user",
              TB_LOG_S("user", "tongban"));
    return true;
  }
  snprintf(msg, msg_len,
           "running as root, but there is no unprivileged user to run "
           "PostgreSQL as: create the user \"tongban\"");
  return false;
}

/* Whether user uid/gid may enter dir (checks every ancestor's x bit). */
static bool reachable(const char *dir, int uid, int gid, char *blocker,
                      size_t cap) {
  char path[PATH_MAX];
  tb_store_copy(path, sizeof path, dir);
  for (;;) {
    struct stat st;
    if (stat(path, &st) != 0)
      return false;
    mode_t bit = (int)st.st_uid == uid   ? S_IXUSR
                 : (int)st.st_gid == gid ? S_IXGRP
                                         : S_IXOTH;
    if (!(st.st_mode & bit)) {
      tb_store_copy(blocker, cap, path);
      return false;
    }
    char *slash = strrchr(path, '/');
    if (!slash || slash == path)
      return true;
    *slash = '\0';
  }
}

/* ---- the folder ------------------------------------------------------ */

static bool make_dirs(const char *dir) {
  char path[PATH_MAX];
  tb_store_copy(path, sizeof path, dir);
  for (char *p = path + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
      return false;
    *p = '/';
  }
  return mkdir(path, 0700) == 0 || errno == EEXIST;
}

/* 0: locked; 1: another process holds it; -1: cannot open it. */
static int take_lock(tb_store_cluster *c, char *msg, size_t msg_len) {
  char path[PATH_MAX + 64];
  snprintf(path, sizeof path, "%s/serve.lock", c->dir);
  c->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (c->lock_fd < 0) {
    snprintf(msg, msg_len, "cannot open %s: %s", path, strerror(errno));
    return -1;
  }
  if (flock(c->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    char other[32] = "";
    ssize_t n = pread(c->lock_fd, other, sizeof other - 1, 0);
    other[n > 0 ? n : 0] = '\0';
    other[strcspn(other, "\n")] = '\0';
    snprintf(msg, msg_len,
             "another tongban serve (pid %s) is already using the data "
             "folder %s: stop it first, or choose another --data",
             other[0] ? other : "unknown", c->dir);
    close(c->lock_fd);
    c->lock_fd = -1;
    return 1;
  }
  char pid[32];
  int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
  if (ftruncate(c->lock_fd, 0) != 0 || pwrite(c->lock_fd, pid, n, 0) != n)
    tb_log_kv(TB_LOG_WARN, "store", "could not write the pid",
              TB_LOG_S("file", path));
  return 0;
}

/* Put the server's settings where postgresql.conf includes them. */
static bool write_settings(const tb_store_cluster *c) {
  char path[PATH_MAX + 64];
  snprintf(path, sizeof path, "%s/tongban.conf", c->pgdata);
  FILE *f = fopen(path, "w");
  if (!f)
    return false;
  fprintf(f,
          "# written by tongban at every start; edit postgresql.conf "
          "instead\n"
          "listen_addresses = ''\n"
          "unix_socket_directories = '%s'\n"
          "port = %d\n"
          "max_connections = %d\n",
          c->dir, c->port, c->max_connections);
  if (!c->fsync)
    fprintf(f, "fsync = off\nfull_page_writes = off\n"
               "synchronous_commit = off\n");
  bool ok = fclose(f) == 0;
  if (ok && c->uid >= 0 && chown(path, (uid_t)c->uid, (gid_t)c->gid) != 0)
    ok = false;
  return ok;
}

static bool append_include(const tb_store_cluster *c) {
  char path[PATH_MAX + 64];
  snprintf(path, sizeof path, "%s/postgresql.conf", c->pgdata);
  FILE *f = fopen(path, "a");
  if (!f)
    return false;
  fprintf(f, "\n# tongban's settings (socket, port, durability)\n"
             "include_if_exists = 'tongban.conf'\n");
  return fclose(f) == 0;
}

static int open_log(const tb_store_cluster *c, const char *name) {
  char path[PATH_MAX + 64];
  snprintf(path, sizeof path, "%s/%s", c->dir, name);
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd >= 0 && c->uid >= 0 && fchown(fd, (uid_t)c->uid, (gid_t)c->gid))
    tb_log_kv(TB_LOG_WARN, "store", "could not chown", TB_LOG_S("file", path));
  return fd;
}

static bool run_initdb(tb_store_cluster *c, char *msg, size_t msg_len) {
  char version[PATH_MAX + 64];
  snprintf(version, sizeof version, "%s/PG_VERSION", c->pgdata);
  if (access(version, F_OK) == 0)
    return true;
  tb_log_kv(TB_LOG_INFO, "store", "creating a PostgreSQL cluster",
            TB_LOG_S("dir", c->pgdata));
  char pwfile[PATH_MAX + 32], pwopt[PATH_MAX + 48];
  if (!tb_store_cluster_pwfile(c->dir, c->pw.admin, c->uid, c->gid, pwfile,
                               sizeof pwfile)) {
    snprintf(msg, msg_len, "cannot write %s/initdb.pw: %s", c->dir,
             strerror(errno));
    return false;
  }
  snprintf(pwopt, sizeof pwopt, "--pwfile=%s", pwfile);
  int log = open_log(c, "initdb.log");
  char *argv[] = {c->initdb,  "-D",   c->pgdata,       "-U",
                  ADMIN_USER, "-A",   "scram-sha-256", pwopt,
                  "-E",       "UTF8", "--locale=C",    "--no-sync",
                  NULL};
  if (c->fsync)
    argv[11] = NULL;
  int rc = tb_store_spawn(argv, c->uid, c->gid, log);
  unlink(pwfile);
  if (log >= 0)
    close(log);
  if (rc != 0) {
    snprintf(msg, msg_len,
             "initdb failed (exit %d); see %s/initdb.log — if %s holds a "
             "half-made cluster, remove it and start again",
             rc, c->dir, c->pgdata);
    return false;
  }
  bool changed = false;
  if (!append_include(c) ||
      !tb_store_cluster_hba_write(c->pgdata, c->uid, c->gid, &changed)) {
    snprintf(msg, msg_len, "cannot edit %s/postgresql.conf or pg_hba.conf",
             c->pgdata);
    return false;
  }
  return true;
}

static int pg_ctl(tb_store_cluster *c, const char *action) {
  char logpath[PATH_MAX + 64];
  snprintf(logpath, sizeof logpath, "%s/postgresql.log", c->dir);
  int log = open_log(c, "pg_ctl.log");
  int rc;
  if (strcmp(action, "start") == 0) {
    char *argv[] = {c->pg_ctl, "start", "-D",  c->pgdata, "-l", logpath,
                    "-w",      "-t",    "120", "-s",      NULL};
    rc = tb_store_spawn(argv, c->uid, c->gid, log);
  } else if (strcmp(action, "stop") == 0) {
    char *argv[] = {c->pg_ctl, "stop", "-D",  c->pgdata, "-m", "fast",
                    "-w",      "-t",   "120", "-s",      NULL};
    rc = tb_store_spawn(argv, c->uid, c->gid, log);
  } else {
    char *argv[] = {c->pg_ctl, "status", "-D", c->pgdata, NULL};
    rc = tb_store_spawn(argv, c->uid, c->gid, -1);
  }
  if (log >= 0)
    close(log);
  return rc;
}

/* A conninfo value in single quotes with \ and ' escaped. */
static void quote_value(const char *v, char *out, size_t cap) {
  size_t o = 0;
  if (cap < 3)
    return;
  out[o++] = '\'';
  for (; *v && o + 3 < cap; v++) {
    if (*v == '\'' || *v == '\\')
      out[o++] = '\\';
    out[o++] = *v;
  }
  out[o++] = '\'';
  out[o] = '\0';
}

/* The passwords come from DIR/pgpass (libpq's passfile): never part of
 * the string, which is logged and shown to tests. */
static void conninfo_for(const char *dir, int port, const char *user,
                         const char *db, char *out, size_t cap) {
  char host[PATH_MAX + 8], pass[PATH_MAX + 8], file[PATH_MAX + 8];
  quote_value(dir, host, sizeof host);
  snprintf(file, sizeof file, "%s/pgpass", dir);
  quote_value(file, pass, sizeof pass);
  snprintf(out, cap,
           "host=%s port=%d user=%s dbname=%s passfile=%s "
           "connect_timeout=10",
           host, port, user, db, pass);
}

static void make_conninfo(const tb_store_cluster *c, const char *user,
                          const char *db, char *out, size_t cap) {
  conninfo_for(c->dir, c->port, user, db, out, cap);
}

void tb_store_cluster_conninfo(const char *dir, int port, bool admin, char *out,
                               size_t cap) {
  char abs[PATH_MAX];
  if (!realpath(dir, abs))
    tb_store_copy(abs, sizeof abs, dir);
  conninfo_for(abs, port > 0 ? port : 5432, admin ? ADMIN_USER : SERVER_USER,
               DATABASE, out, cap);
}

static const tb_store_stmt S_DB_EXISTS = {
    "cluster_db_exists", "SELECT 1 FROM pg_database WHERE datname = $1", 1};

/* Log in as the superuser: the passwords, pg_hba.conf (an upgrade from
 * trust), then the database. */
static bool secure_and_create(tb_store_cluster *c, char *msg, size_t msg_len) {
  char info[2 * PATH_MAX + 160];
  make_conninfo(c, ADMIN_USER, "postgres", info, sizeof info);
  tb_store_options o = {.conninfo = info};
  tb_store *s = NULL;
  if (tb_store_open(&o, &s, msg, msg_len) != TB_STORE_OK) {
    char why[512];
    tb_store_copy(why, sizeof why, msg);
    snprintf(msg, msg_len,
             "cannot log in to the embedded PostgreSQL with the passwords of "
             "%s/pgpass (%s); if that file was lost, put \"local all all "
             "trust\" in %s/pg_hba.conf and start once more: tongban then "
             "sets new passwords and asks for them again",
             c->dir, why, c->pgdata);
    return false;
  }
  const char *params[] = {DATABASE};
  PGresult *r = NULL;
  tb_store_status rc =
      tb_store_cluster_auth_apply(s, c->pgdata, c->uid, c->gid, &c->pw);
  if (rc == TB_STORE_OK)
    rc = tb_store_exec(s, &S_DB_EXISTS, params, &r);
  if (rc == TB_STORE_OK && PQntuples(r) == 0)
    rc = tb_store_exec_plain(s, "CREATE DATABASE " DATABASE, NULL);
  PQclear(r);
  tb_store_close(s);
  if (rc != TB_STORE_OK)
    snprintf(msg, msg_len, "could not create the database \"%s\"", DATABASE);
  return rc == TB_STORE_OK;
}

static bool check_paths(tb_store_cluster *c, char *msg, size_t msg_len) {
  if (strpbrk(c->dir, "'\n\\")) {
    snprintf(msg, msg_len,
             "the data folder %s contains a quote, backslash or newline: "
             "choose another --data",
             c->dir);
    return false;
  }
  if (strlen(c->dir) + strlen("/.s.PGSQL.65535") > SOCKET_PATH_MAX) {
    snprintf(msg, msg_len,
             "the data folder path %s is too long for a Unix socket (at "
             "most %d characters): choose a shorter --data",
             c->dir, SOCKET_PATH_MAX - 15);
    return false;
  }
  return true;
}

/* Create, resolve and own the folder; pick the user. */
static bool prepare_folder(tb_store_cluster *c,
                           const tb_store_cluster_options *o, char *msg,
                           size_t msg_len) {
  if (!make_dirs(o->dir)) {
    snprintf(msg, msg_len, "cannot create the data folder %s: %s", o->dir,
             strerror(errno));
    return false;
  }
  if (!realpath(o->dir, c->dir)) {
    snprintf(msg, msg_len, "cannot resolve the data folder %s: %s", o->dir,
             strerror(errno));
    return false;
  }
  snprintf(c->pgdata, sizeof c->pgdata, "%s/pg", c->dir);
  if (!check_paths(c, msg, msg_len))
    return false;
  c->uid = c->gid = -1;
  struct stat pgst;
  if (geteuid() == 0 && !o->user && stat(c->pgdata, &pgst) == 0 &&
      pgst.st_uid != 0) {
    /* an existing cluster keeps running as the user who owns it */
    c->uid = (int)pgst.st_uid;
    c->gid = (int)pgst.st_gid;
  } else if (geteuid() == 0 &&
             !choose_user(o->user, &c->uid, &c->gid, msg, msg_len)) {
    return false;
  }
  if (geteuid() == 0) {
    char blocker[PATH_MAX], parent[PATH_MAX];
    tb_store_copy(parent, sizeof parent, c->dir);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent)
      *slash = '\0';
    if (!reachable(parent, c->uid, c->gid, blocker, sizeof blocker)) {
      snprintf(msg, msg_len,
               "PostgreSQL runs as an unprivileged user (uid %d) who cannot "
               "enter %s (no search permission on %s): choose a --data "
               "folder outside it, e.g. /var/lib/tongban",
               c->uid, c->dir, blocker);
      return false;
    }
    if (chown(c->dir, (uid_t)c->uid, (gid_t)c->gid) != 0) {
      snprintf(msg, msg_len, "cannot give %s to uid %d: %s", c->dir, c->uid,
               strerror(errno));
      return false;
    }
  }
  if (chmod(c->dir, 0700) != 0) {
    snprintf(msg, msg_len, "cannot make %s private: %s", c->dir,
             strerror(errno));
    return false;
  }
  return true;
}

static bool find_programs(tb_store_cluster *c, char *msg, size_t msg_len) {
  if (tb_store_find_program("initdb", c->initdb, sizeof c->initdb) &&
      tb_store_find_program("pg_ctl", c->pg_ctl, sizeof c->pg_ctl))
    return true;
  snprintf(msg, msg_len,
           "cannot find PostgreSQL's initdb and pg_ctl on PATH or under "
           "/usr/lib/postgresql/*/bin: install PostgreSQL (Debian: apt-get "
           "install postgresql), or pass --db URL");
  return false;
}

static bool start_server(tb_store_cluster *c, char *msg, size_t msg_len) {
  if (!write_settings(c)) {
    snprintf(msg, msg_len, "cannot write %s/tongban.conf", c->pgdata);
    return false;
  }
  if (pg_ctl(c, "status") == 0) {
    tb_log_kv(TB_LOG_INFO, "store", "PostgreSQL is already running; using it",
              TB_LOG_S("dir", c->pgdata));
  } else if (pg_ctl(c, "start") != 0) {
    snprintf(msg, msg_len,
             "PostgreSQL did not start; see %s/postgresql.log and "
             "%s/pg_ctl.log",
             c->dir, c->dir);
    return false;
  }
  c->running = true;
  return true;
}

tb_store_status tb_store_cluster_start(const tb_store_cluster_options *o,
                                       tb_store_cluster **out, char *msg,
                                       size_t msg_len) {
  *out = NULL;
  tb_store_cluster *c = tb_xcalloc(1, sizeof *c);
  c->lock_fd = -1;
  c->port = o->port > 0 ? o->port : 5432;
  c->fsync = o->fsync;
  c->max_connections = o->max_connections > 0 ? o->max_connections : 100;
  bool ok = prepare_folder(c, o, msg, msg_len);
  int locked = ok && o->lock ? take_lock(c, msg, msg_len) : 0;
  if (locked != 0) {
    tb_store_cluster_stop(c);
    return locked > 0 ? TB_STORE_BUSY : TB_STORE_ERROR;
  }
  ok = ok && find_programs(c, msg, msg_len) &&
       tb_store_cluster_passwords(c->dir, &c->pw, msg, msg_len) &&
       run_initdb(c, msg, msg_len) && start_server(c, msg, msg_len);
  if (ok) {
    make_conninfo(c, ADMIN_USER, DATABASE, c->admin_conninfo,
                  sizeof c->admin_conninfo);
    make_conninfo(c, SERVER_USER, DATABASE, c->server_conninfo,
                  sizeof c->server_conninfo);
    ok = secure_and_create(c, msg, msg_len);
  }
  if (!ok) {
    tb_store_cluster_stop(c);
    return TB_STORE_ERROR;
  }
  *out = c;
  return TB_STORE_OK;
}

tb_store_status tb_store_cluster_halt(tb_store_cluster *c) {
  if (!c->running)
    return TB_STORE_OK;
  int rc = pg_ctl(c, "stop");
  if (rc != 0) {
    tb_log_kv(TB_LOG_ERROR, "store", "pg_ctl stop failed", TB_LOG_I("exit", rc),
              TB_LOG_S("dir", c->dir), TB_LOG_S("see", "pg_ctl.log"));
    return TB_STORE_ERROR;
  }
  c->running = false;
  return TB_STORE_OK;
}

tb_store_status tb_store_cluster_restart(tb_store_cluster *c) {
  char msg[512];
  if (c->running && tb_store_cluster_halt(c) != TB_STORE_OK)
    return TB_STORE_ERROR;
  if (!start_server(c, msg, sizeof msg)) {
    tb_log_kv(TB_LOG_ERROR, "store", "PostgreSQL did not restart",
              TB_LOG_S("error", msg));
    return TB_STORE_ERROR;
  }
  return TB_STORE_OK;
}

void tb_store_cluster_stop(tb_store_cluster *c) {
  if (!c)
    return;
  if (c->running && tb_store_cluster_halt(c) == TB_STORE_OK)
    tb_log(TB_LOG_INFO, "store", "PostgreSQL stopped");
  if (c->lock_fd >= 0)
    close(c->lock_fd); /* releases the flock */
  OPENSSL_cleanse(&c->pw, sizeof c->pw);
  free(c);
}

const char *tb_store_cluster_admin_conninfo(const tb_store_cluster *c) {
  return c->admin_conninfo;
}

const char *tb_store_cluster_server_conninfo(const tb_store_cluster *c) {
  return c->server_conninfo;
}

/* The login role the server uses: no superuser, a member of
 * tongban_server (created by migration 0001). */
static const char GRANT_SQL[] =
    "DO $$ BEGIN "
    "IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" SERVER_USER
    "') THEN CREATE ROLE " SERVER_USER " LOGIN; END IF; "
    "END $$; GRANT tongban_server TO " SERVER_USER;

tb_store_status tb_store_server_role_grant(tb_store *s) {
  return tb_store_exec_plain(s, GRANT_SQL, NULL);
}

tb_store_status tb_store_server_role_limit(tb_store *s, int timeout_seconds,
                                           int max_connections) {
  if (timeout_seconds < 0 || max_connections < 1)
    return TB_STORE_ERROR;
  /* ALTER ROLE takes no parameters: two integers, checked above */
  char sql[160];
  snprintf(sql, sizeof sql,
           "ALTER ROLE " SERVER_USER " SET statement_timeout = '%ds'",
           timeout_seconds);
  tb_store_status rc = tb_store_exec_plain(s, sql, NULL);
  snprintf(sql, sizeof sql, "ALTER ROLE " SERVER_USER " CONNECTION LIMIT %d",
           max_connections);
  if (rc == TB_STORE_OK)
    rc = tb_store_exec_plain(s, sql, NULL);
  return rc;
}
