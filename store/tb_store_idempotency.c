/*
 * tb_store_idempotency.c — Idempotency-Key: the first answer, replayed.
 *
 * The key row is inserted at the start of the request's transaction (a
 * concurrent request with the same key waits on that insert) and completed
 * with the answer before COMMIT. If the first request rolls back, so does
 * its key. Rows expire after the handle's idempotency_ttl seconds; expired
 * rows are treated as absent and purged by the scheduler.
 */
#include "tb_store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const tb_store_stmt S_DROP_EXPIRED = {
    "idem_drop_expired",
    "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 "
    "AND expires_at <= now()",
    2};
static const tb_store_stmt S_TAKE = {
    "idem_take",
    "INSERT INTO idempotency_keys (scope, key, fingerprint, expires_at) "
    "VALUES ($1, $2, decode($3, 'hex'), "
    "now() + $4::integer * interval '1 second') "
    "ON CONFLICT (scope, key) DO NOTHING RETURNING 1",
    4};
static const tb_store_stmt S_READ = {
    "idem_read",
    "SELECT encode(fingerprint, 'hex'), status, content_type, body "
    "FROM idempotency_keys WHERE scope = $1 AND key = $2",
    2};
static const tb_store_stmt S_FINISH = {
    "idem_finish",
    "UPDATE idempotency_keys SET status = $3::integer, content_type = $4, "
    "body = $5 WHERE scope = $1 AND key = $2",
    5};
static const tb_store_stmt S_PURGE = {
    "idem_purge",
    "DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM "
    "idempotency_keys WHERE expires_at <= now() LIMIT 10000)",
    0};

void tb_store_answer_clear(tb_store_answer *a) {
  free(a->body);
  memset(a, 0, sizeof *a);
}

static tb_store_status read_answer(tb_store *s, const char *const *key,
                                   const char *fp, tb_store_answer *replay) {
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_READ, key, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(r) != 1) { /* the first request rolled back meanwhile */
    PQclear(r);
    s->retry = true;
    return TB_STORE_ERROR;
  }
  if (strcmp(PQgetvalue(r, 0, 0), fp) != 0) {
    PQclear(r);
    return TB_STORE_CONFLICT;
  }
  if (PQgetisnull(r, 0, 1)) {
    tb_log(TB_LOG_ERROR, "store",
           "idempotency key committed without an answer");
    PQclear(r);
    return TB_STORE_ERROR;
  }
  int64_t status = 0;
  tb_store_parse_i64(PQgetvalue(r, 0, 1), &status);
  replay->status = (int)status;
  tb_store_copy(replay->content_type, sizeof replay->content_type,
                PQgetvalue(r, 0, 2));
  replay->body_len = (size_t)PQgetlength(r, 0, 3);
  replay->body = tb_xstrndup(PQgetvalue(r, 0, 3), replay->body_len);
  PQclear(r);
  return TB_STORE_REPLAY;
}

tb_store_status tb_store_idempotency_begin(tb_store *s, const char *scope,
                                           const char *key,
                                           const uint8_t fingerprint[32],
                                           tb_store_answer *replay) {
  memset(replay, 0, sizeof *replay);
  if (!key || !*key || strlen(key) > 255)
    return TB_STORE_INVALID;
  char fp[65], ttl[16];
  tb_hex_encode(fingerprint, 32, fp);
  snprintf(ttl, sizeof ttl, "%d", s->idempotency_ttl);
  const char *k[] = {scope ? scope : "", key};
  tb_store_status rc = tb_store_exec_deferred(s, &S_DROP_EXPIRED, k);
  if (rc != TB_STORE_OK)
    return rc;
  const char *params[] = {k[0], key, fp, ttl};
  PGresult *r;
  rc = tb_store_exec(s, &S_TAKE, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  bool taken = PQntuples(r) == 1;
  PQclear(r);
  return taken ? TB_STORE_OK : read_answer(s, k, fp, replay);
}

tb_store_status tb_store_idempotency_finish(tb_store *s, const char *scope,
                                            const char *key, int status,
                                            const char *content_type,
                                            const char *body, size_t len) {
  char st[16];
  snprintf(st, sizeof st, "%d", status);
  char *text = tb_xstrndup(body ? body : "", body ? len : 0);
  const char *params[] = {scope ? scope : "", key, st,
                          content_type ? content_type : "application/json",
                          text};
  tb_store_status rc = tb_store_exec_deferred(s, &S_FINISH, params);
  free(text);
  return rc;
}

tb_store_status tb_store_idempotency_purge(tb_store *s, int64_t *deleted) {
  int64_t total = 0;
  for (;;) {
    PGresult *r;
    tb_store_status rc = tb_store_exec(s, &S_PURGE, NULL, &r);
    if (rc != TB_STORE_OK)
      return rc;
    int64_t n = 0;
    tb_store_parse_i64(PQcmdTuples(r), &n);
    PQclear(r);
    total += n;
    if (n < 10000)
      break;
  }
  if (deleted)
    *deleted = total;
  return TB_STORE_OK;
}
