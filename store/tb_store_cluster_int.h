/*
 * tb_store_cluster_int.h — what the embedded cluster manager's files
 * (tb_store_cluster.c, tb_store_spawn.c) share: running programs and
 * finding PostgreSQL's. Not for use outside them.
 */
#ifndef TB_STORE_CLUSTER_INT_H
#define TB_STORE_CLUSTER_INT_H

#include "tb_store_cluster.h"
#include "tb_store_int.h"

#include <stdbool.h>
#include <stddef.h>

/* Run a program and wait: argv[0] is a path; as_uid/as_gid >= 0 switch to
 * that user in the child (root only); output goes to log_fd if >= 0 (else
 * to /dev/null). Returns the exit status, or -1 when it could not run. */
int tb_store_spawn(char *const argv[], int as_uid, int as_gid, int log_fd);

/* The path of an executable `name` on PATH into out (cap bytes); false
 * when there is none. */
bool tb_store_find_on_path(const char *name, char *out, size_t cap);

/* The same, else the newest /usr/lib/postgresql/N/bin/name. */
bool tb_store_find_program(const char *name, char *out, size_t cap);

/* ---- authentication (tb_store_cluster_auth.c) ---------------------- */

#define TB_CLUSTER_ADMIN_USER "tongban_admin"
#define TB_CLUSTER_SERVER_USER "tongban"
#define TB_CLUSTER_PASSWORD_LEN 32 /* hex digits */

/* The two login roles' passwords. */
typedef struct {
  char admin[TB_CLUSTER_PASSWORD_LEN + 1];
  char server[TB_CLUSTER_PASSWORD_LEN + 1];
} tb_cluster_passwords;

/* The passwords of DIR/pgpass, made (random, mode 0600) when the file is
 * missing. false: msg says why (the file unreadable or incomplete). */
bool tb_store_cluster_passwords(const char *dir, tb_cluster_passwords *pw,
                                char *msg, size_t msg_len);

/* initdb's --pwfile: DIR/initdb.pw holding password, mode 0600, owned by
 * uid/gid when >= 0 (the user initdb runs as). The caller removes it. */
bool tb_store_cluster_pwfile(const char *dir, const char *password, int uid,
                             int gid, char *path, size_t cap);

/* Make PGDATA/pg_hba.conf "local all all scram-sha-256" (owned by uid/gid
 * when >= 0); *changed says whether it said something else before. */
bool tb_store_cluster_hba_write(const char *pgdata, int uid, int gid,
                                bool *changed);

/* On a superuser connection: set both roles' passwords (creating the
 * login role "tongban" if missing), then make pg_hba.conf ask for them
 * and reload it if it did not (the upgrade of a cluster made with
 * trust). */
tb_store_status tb_store_cluster_auth_apply(tb_store *s, const char *pgdata,
                                            int uid, int gid,
                                            const tb_cluster_passwords *pw);

#endif /* TB_STORE_CLUSTER_INT_H */
