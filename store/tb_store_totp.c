/*
 * tb_store_totp.c — the stored second factor (tb_store_totp.h): the
 * sealed TOTP secret, its confirmation and last accepted step, and the
 * recovery codes' digests, one statement per call.
 */
#include "tb_store_totp.h"
#include "tb_store_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Room for the recovery digests as a text[] literal: {hex,hex,…}. */
#define DIGESTS_TEXT (TB_STORE_TOTP_RECOVERY * 65 + 3)

static const tb_store_stmt S_TOTP_GET = {
    "totp_get",
    "SELECT secret, confirmed_at IS NOT NULL, last_step FROM totp_factors "
    "WHERE account_id = $1::bigint",
    1};
static const tb_store_stmt S_TOTP_BEGIN = {
    "totp_begin",
    "INSERT INTO totp_factors (account_id, secret) "
    "VALUES ($1::bigint, $2::bytea) ON CONFLICT (account_id) DO UPDATE "
    "SET secret = EXCLUDED.secret, last_step = 0, created_at = now() "
    "WHERE totp_factors.confirmed_at IS NULL",
    2};
static const tb_store_stmt S_TOTP_CONFIRM = {
    "totp_confirm",
    "WITH f AS (UPDATE totp_factors SET confirmed_at = now(), "
    "last_step = $3::bigint WHERE account_id = $1::bigint "
    "AND confirmed_at IS NULL AND secret = $2::bytea RETURNING account_id), "
    "d AS (DELETE FROM totp_recovery_codes "
    "WHERE account_id IN (SELECT account_id FROM f)) "
    "INSERT INTO totp_recovery_codes (account_id, code_hash) "
    "SELECT f.account_id, decode(c, 'hex') FROM f, unnest($4::text[]) c",
    4};
static const tb_store_stmt S_TOTP_STEP = {
    "totp_step",
    "WITH u AS (UPDATE totp_factors SET last_step = $2::bigint "
    "WHERE account_id = $1::bigint AND confirmed_at IS NOT NULL "
    "AND last_step < $2::bigint RETURNING 1) "
    "SELECT (SELECT count(*) FROM u), EXISTS (SELECT 1 FROM totp_factors "
    "WHERE account_id = $1::bigint AND confirmed_at IS NOT NULL)",
    2};
static const tb_store_stmt S_TOTP_RECOVERY_USE = {
    "totp_recovery_use",
    "UPDATE totp_recovery_codes SET used_at = now() "
    "WHERE account_id = $1::bigint AND code_hash = $2::bytea "
    "AND used_at IS NULL AND EXISTS (SELECT 1 FROM totp_factors f "
    "WHERE f.account_id = $1::bigint AND f.confirmed_at IS NOT NULL)",
    2};
static const tb_store_stmt S_TOTP_RECOVERY_REPLACE = {
    "totp_recovery_replace",
    "WITH f AS (SELECT account_id FROM totp_factors "
    "WHERE account_id = $1::bigint AND confirmed_at IS NOT NULL), "
    "d AS (DELETE FROM totp_recovery_codes "
    "WHERE account_id IN (SELECT account_id FROM f)) "
    "INSERT INTO totp_recovery_codes (account_id, code_hash) "
    "SELECT f.account_id, decode(c, 'hex') FROM f, unnest($2::text[]) c",
    2};
static const tb_store_stmt S_TOTP_RESET = {
    "totp_reset",
    "WITH a AS (SELECT id FROM accounts WHERE username = $1), "
    "f AS (DELETE FROM totp_factors WHERE account_id IN (SELECT id FROM a) "
    "RETURNING account_id), "
    "c AS (DELETE FROM totp_recovery_codes "
    "WHERE account_id IN (SELECT id FROM a)), "
    "e AS (UPDATE sessions SET revoked_at = now() "
    "WHERE account_id IN (SELECT account_id FROM f) AND revoked_at IS NULL) "
    "SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM f)",
    1};

/* The rows a statement touched: PQcmdTuples as a number. */
static int64_t touched(PGresult *r) {
  int64_t n = 0;
  tb_store_parse_i64(PQcmdTuples(r), &n);
  return n;
}

/* Run st and answer whether it touched a row: OK, or `none` when not. */
static tb_store_status exec_touch(tb_store *s, const tb_store_stmt *st,
                                  const char *const *params,
                                  tb_store_status none) {
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, st, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  bool hit = touched(r) > 0;
  PQclear(r);
  return hit ? TB_STORE_OK : none;
}

/* The digests as a PostgreSQL text[] literal of hex strings. */
static void digests_text(const uint8_t d[TB_STORE_TOTP_RECOVERY][32],
                         char out[DIGESTS_TEXT]) {
  size_t o = 0;
  out[o++] = '{';
  for (size_t i = 0; i < TB_STORE_TOTP_RECOVERY; i++) {
    if (i)
      out[o++] = ',';
    tb_hex_encode(d[i], 32, out + o);
    o += 64;
  }
  out[o++] = '}';
  out[o] = '\0';
}

tb_store_status tb_store_totp_get(tb_store *s, int64_t account,
                                  tb_store_totp *out) {
  char id[24];
  snprintf(id, sizeof id, "%" PRId64, account);
  const char *params[1] = {id};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_TOTP_GET, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  memset(out, 0, sizeof *out);
  bool ok = tb_store_unhex_bytea(PQgetvalue(r, 0, 0), out->sealed,
                                 TB_STORE_TOTP_SEALED) &&
            tb_store_parse_i64(PQgetvalue(r, 0, 2), &out->last_step);
  out->confirmed = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
  PQclear(r);
  if (!ok)
    tb_log(TB_LOG_ERROR, "store", "a stored second factor is malformed");
  return ok ? TB_STORE_OK : TB_STORE_ERROR;
}

tb_store_status
tb_store_totp_begin(tb_store *s, int64_t account,
                    const uint8_t sealed[TB_STORE_TOTP_SEALED]) {
  char id[24], secret[2 * TB_STORE_TOTP_SEALED + 3];
  snprintf(id, sizeof id, "%" PRId64, account);
  tb_store_bytea(sealed, TB_STORE_TOTP_SEALED, secret);
  const char *params[2] = {id, secret};
  return exec_touch(s, &S_TOTP_BEGIN, params, TB_STORE_CONFLICT);
}

tb_store_status
tb_store_totp_confirm(tb_store *s, int64_t account,
                      const uint8_t sealed[TB_STORE_TOTP_SEALED], int64_t step,
                      const uint8_t digests[TB_STORE_TOTP_RECOVERY][32]) {
  char id[24], secret[2 * TB_STORE_TOTP_SEALED + 3], st[24];
  char codes[DIGESTS_TEXT];
  snprintf(id, sizeof id, "%" PRId64, account);
  snprintf(st, sizeof st, "%" PRId64, step);
  tb_store_bytea(sealed, TB_STORE_TOTP_SEALED, secret);
  digests_text(digests, codes);
  const char *params[4] = {id, secret, st, codes};
  return exec_touch(s, &S_TOTP_CONFIRM, params, TB_STORE_NOT_FOUND);
}

tb_store_status tb_store_totp_step_use(tb_store *s, int64_t account,
                                       int64_t step) {
  char id[24], st[24];
  snprintf(id, sizeof id, "%" PRId64, account);
  snprintf(st, sizeof st, "%" PRId64, step);
  const char *params[2] = {id, st};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_TOTP_STEP, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  bool used = strcmp(PQgetvalue(r, 0, 0), "1") == 0;
  bool enrolled = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
  PQclear(r);
  if (used)
    return TB_STORE_OK;
  return enrolled ? TB_STORE_CONFLICT : TB_STORE_NOT_FOUND;
}

tb_store_status tb_store_totp_recovery_use(tb_store *s, int64_t account,
                                           const uint8_t digest[32]) {
  char id[24], hash[67];
  snprintf(id, sizeof id, "%" PRId64, account);
  tb_store_bytea(digest, 32, hash);
  const char *params[2] = {id, hash};
  return exec_touch(s, &S_TOTP_RECOVERY_USE, params, TB_STORE_NOT_FOUND);
}

tb_store_status tb_store_totp_recovery_replace(
    tb_store *s, int64_t account,
    const uint8_t digests[TB_STORE_TOTP_RECOVERY][32]) {
  char id[24], codes[DIGESTS_TEXT];
  snprintf(id, sizeof id, "%" PRId64, account);
  digests_text(digests, codes);
  const char *params[2] = {id, codes};
  return exec_touch(s, &S_TOTP_RECOVERY_REPLACE, params, TB_STORE_NOT_FOUND);
}

tb_store_status tb_store_totp_reset(tb_store *s, const char *username,
                                    bool *had) {
  const char *params[1] = {username};
  PGresult *r;
  *had = false;
  tb_store_status rc = tb_store_exec_row(s, &S_TOTP_RESET, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  bool found = strcmp(PQgetvalue(r, 0, 0), "0") != 0;
  *had = strcmp(PQgetvalue(r, 0, 1), "0") != 0;
  PQclear(r);
  if (*had)
    tb_store_event_accounts(s); /* its sessions were revoked */
  return found ? TB_STORE_OK : TB_STORE_NOT_FOUND;
}
