/*
 * tb_store_migrate.c — the migrations runner.
 *
 * The SQL of sql/NNNN_*.sql is compiled into the binary (see
 * store/embed_sql.py). Pending migrations are applied in order, each in its
 * own transaction together with its row in schema_migrations (version,
 * name, SHA-256 of the text). A database that is newer than the binary, or
 * whose applied migrations differ from the embedded ones, is refused.
 * Migrations run without a statement timeout, whatever the role's.
 */
#include "tb_store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pg_advisory_lock key: "tongban migrate" */
#define MIGRATE_LOCK "7291000001"

static const tb_store_stmt S_LOCK = {
    "migrate_lock", "SELECT pg_advisory_lock(" MIGRATE_LOCK ")", 0};
static const tb_store_stmt S_UNLOCK = {
    "migrate_unlock", "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")", 0};
static const tb_store_stmt S_TABLE_EXISTS = {
    "migrate_table_exists",
    "SELECT to_regclass('schema_migrations') IS NOT NULL", 0};
static const tb_store_stmt S_APPLIED = {
    "migrate_applied",
    "SELECT version, name, encode(sha256, 'hex') FROM schema_migrations "
    "ORDER BY version",
    0};
static const tb_store_stmt S_RECORD = {
    "migrate_record",
    "INSERT INTO schema_migrations (version, name, sha256) "
    "VALUES ($1::integer, $2, decode($3, 'hex'))",
    3};

static const char CREATE_TABLE[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " sha256 bytea NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

int tb_store_schema_latest(void) {
  return tb_store_migration_count;
}

static void migration_sha(const tb_store_migration *m, char hex[65]) {
  uint8_t sum[32];
  tb_store_sha256(m->sql, m->len, NULL, 0, sum);
  tb_hex_encode(sum, 32, hex);
}

static tb_store_status table_exists(tb_store *s, bool *exists) {
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_TABLE_EXISTS, NULL, &r);
  if (rc != TB_STORE_OK)
    return rc;
  *exists = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
  PQclear(r);
  return TB_STORE_OK;
}

tb_store_status tb_store_schema_version(tb_store *s, int *version) {
  *version = 0;
  bool exists = false;
  tb_store_status rc = table_exists(s, &exists);
  if (rc != TB_STORE_OK || !exists)
    return rc;
  PGresult *r;
  rc = tb_store_exec(s, &S_APPLIED, NULL, &r);
  if (rc != TB_STORE_OK)
    return rc;
  for (int i = 0; i < PQntuples(r); i++) {
    int64_t v = 0;
    if (tb_store_parse_i64(PQgetvalue(r, i, 0), &v) && v > *version)
      *version = (int)v;
  }
  PQclear(r);
  return TB_STORE_OK;
}

/* Compare what the database has applied with the embedded migrations. */
static tb_store_status check_applied(tb_store *s, int *current, char *msg,
                                     size_t msg_len) {
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_APPLIED, NULL, &r);
  if (rc != TB_STORE_OK)
    return rc;
  *current = 0;
  for (int i = 0; i < PQntuples(r) && rc == TB_STORE_OK; i++) {
    int64_t v = 0;
    tb_store_parse_i64(PQgetvalue(r, i, 0), &v);
    if (v > *current)
      *current = (int)v;
    if (v < 1 || v > tb_store_migration_count)
      continue;
    char hex[65];
    migration_sha(&tb_store_migrations[v - 1], hex);
    if (strcmp(hex, PQgetvalue(r, i, 2)) != 0) {
      snprintf(msg, msg_len,
               "migration %s applied to this database differs from the one "
               "built into this tongban: restore the original file or use "
               "a fresh database",
               PQgetvalue(r, i, 1));
      rc = TB_STORE_SCHEMA;
    }
  }
  PQclear(r);
  if (rc == TB_STORE_OK && *current > tb_store_migration_count) {
    snprintf(msg, msg_len,
             "the database schema is at version %d but this tongban knows "
             "only versions up to %d: run a newer tongban",
             *current, tb_store_migration_count);
    rc = TB_STORE_SCHEMA;
  }
  return rc;
}

static tb_store_status apply_one(tb_store *s, const tb_store_migration *m) {
  char version[16], hex[65];
  snprintf(version, sizeof version, "%d", m->version);
  migration_sha(m, hex);
  const char *params[] = {version, m->name, hex};
  tb_store_status rc = tb_store_exec_plain(s, "BEGIN", NULL);
  if (rc != TB_STORE_OK)
    return rc;
  s->in_txn = true;
  /* the role may have a statement timeout (sql/ and README, "Secrets and
   * the database"); a migration may take as long as it takes */
  rc = tb_store_exec_plain(s, "SET LOCAL statement_timeout = 0", NULL);
  char *sql = tb_xstrndup(m->sql, m->len);
  if (rc == TB_STORE_OK)
    rc = tb_store_exec_plain(s, sql, NULL);
  free(sql);
  if (rc == TB_STORE_OK)
    rc = tb_store_exec(s, &S_RECORD, params, NULL);
  if (rc == TB_STORE_OK)
    rc = tb_store_exec_plain(s, "COMMIT", NULL);
  else
    tb_store_exec_plain(s, "ROLLBACK", NULL);
  s->in_txn = false;
  if (rc == TB_STORE_OK)
    tb_log_kv(TB_LOG_INFO, "store", "applied a migration",
              TB_LOG_S("migration", m->name));
  else
    tb_log_kv(TB_LOG_ERROR, "store",
              "migration failed; nothing of it was applied",
              TB_LOG_S("migration", m->name));
  return rc;
}

tb_store_status tb_store_migrate(tb_store *s, int *from, int *to, char *msg,
                                 size_t msg_len) {
  char scratch[8];
  if (!msg || !msg_len) {
    msg = scratch;
    msg_len = sizeof scratch;
  }
  msg[0] = '\0';
  int current = 0;
  tb_store_status rc = tb_store_exec(s, &S_LOCK, NULL, NULL);
  if (rc == TB_STORE_OK)
    rc = tb_store_exec_plain(s, CREATE_TABLE, NULL);
  if (rc == TB_STORE_OK)
    rc = check_applied(s, &current, msg, msg_len);
  if (from)
    *from = current;
  for (int v = current + 1; rc == TB_STORE_OK && v <= tb_store_migration_count;
       v++) {
    rc = apply_one(s, &tb_store_migrations[v - 1]);
    if (rc == TB_STORE_OK)
      current = v;
  }
  if (to)
    *to = current;
  if (rc != TB_STORE_OK && rc != TB_STORE_SCHEMA && !msg[0])
    snprintf(msg, msg_len, "migration to version %d failed; see the log",
             current + 1);
  if (tb_store_connected(s))
    tb_store_exec(s, &S_UNLOCK, NULL, NULL);
  return rc;
}
