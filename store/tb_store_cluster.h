/*
 * tb_store_cluster.h — the embedded PostgreSQL cluster behind
 * `tongban serve` with no --db, and behind the database tests: a private
 * cluster in a folder, started and stopped with the system's initdb and
 * pg_ctl (store/tb_store_cluster.c, store/tb_store_spawn.c; its own
 * library, store_cluster_dep, which the server's API does not link).
 *
 * Every connection logs in with a password kept in the folder (DIR/pgpass,
 * mode 0600; the connection strings name it as libpq's passfile).
 *
 * Ownership: a tb_store_cluster is owned by whoever started it and freed
 * by tb_store_cluster_stop; the connection strings it hands out belong to
 * it. Options' strings are copied.
 */
#ifndef TB_STORE_CLUSTER_H
#define TB_STORE_CLUSTER_H

#include "tb_store.h"

typedef struct tb_store_cluster tb_store_cluster;

typedef struct {
  const char *dir;     /* the data folder; created if missing */
  int port;            /* names the socket; 0: 5432 */
  bool fsync;          /* false for throwaway test clusters */
  bool lock;           /* take DIR/serve.lock (refuse a second user) */
  const char *user;    /* as root: run PostgreSQL as this user; NULL:
                          "tongban" (created if missing), else "nobody" */
  int max_connections; /* 0: 100 */
} tb_store_cluster_options;

/* Lock the folder (if asked), initdb on first use (as an unprivileged user
 * when running as root), start PostgreSQL on a Unix socket inside the
 * folder with no TCP listener, and create the database "tongban". On
 * failure msg says what went wrong and *out is NULL: TB_STORE_BUSY when
 * another process holds the folder's lock, TB_STORE_ERROR otherwise. */
tb_store_status tb_store_cluster_start(const tb_store_cluster_options *o,
                                       tb_store_cluster **out, char *msg,
                                       size_t msg_len);
/* Stop PostgreSQL (pg_ctl stop -m fast), release the lock, free. */
void tb_store_cluster_stop(tb_store_cluster *c);
/* Restart PostgreSQL in place (tests of reconnection). */
tb_store_status tb_store_cluster_restart(tb_store_cluster *c);
/* Stop PostgreSQL but keep the handle (start again with _restart). */
tb_store_status tb_store_cluster_halt(tb_store_cluster *c);

/* Connection strings: as the cluster's superuser (migrations, tests) and
 * as the unprivileged server role "tongban" (member of tongban_server).
 * Both belong to the cluster handle. */
const char *tb_store_cluster_admin_conninfo(const tb_store_cluster *c);
const char *tb_store_cluster_server_conninfo(const tb_store_cluster *c);
/* The connection string of the embedded cluster in folder dir (made
 * absolute here), as the superuser (admin) or the server role, whether it
 * runs or not: for commands that reach a cluster a running serve holds. */
void tb_store_cluster_conninfo(const char *dir, int port, bool admin, char *out,
                               size_t cap);
/* On a superuser connection to an embedded cluster: create the login role
 * "tongban" (if missing) and grant it tongban_server. Run after
 * migrations. */
tb_store_status tb_store_server_role_grant(tb_store *s);

/* The server's defaults for its role's limits (README, "Secrets and the
 * database"). */
#define TB_STORE_SERVER_STATEMENT_TIMEOUT 30 /* seconds */
#define TB_STORE_SERVER_CONNECTION_LIMIT 64

/* On a superuser connection to an embedded cluster, after
 * tb_store_server_role_grant: the login role "tongban" gets a statement
 * timeout (seconds, 0: none) and a connection limit (at least 1), so a
 * runaway statement or a leak of connections cannot take the whole
 * database. Takes effect for its new connections. TB_STORE_ERROR on a
 * value out of range. */
tb_store_status tb_store_server_role_limit(tb_store *s, int timeout_seconds,
                                           int max_connections);

#endif /* TB_STORE_CLUSTER_H */
