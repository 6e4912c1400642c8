/*
 * tb_store_receipt.c — tracking codes that a receipt can show again.
 *
 * A tracking code is derived from the application number and a version
 * under the server's secret key (HMAC-SHA-256), so a clerk can reprint
 * the receipt at any time while the database still holds only the
 * code's digest: the database alone gives no code. Reissuing counts the
 * version (kept in the state) up, which changes the code and the digest
 * together and is audited. Applications made before codes were derived
 * (a random code) cannot show theirs again: their digest matches no
 * derived code, and the reply says so.
 */
#include "tb_store_int.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const tb_store_stmt S_RECEIPT = {
    "rc_read",
    "SELECT state::text, tracking_code_hash FROM applications "
    "WHERE number = $1",
    1};
static const tb_store_stmt S_RECEIPT_LOCK = {
    "rc_lock",
    "SELECT id, state::text, audit_seq, audit_hash FROM applications "
    "WHERE number = $1 FOR UPDATE",
    1};
static const tb_store_stmt S_RECEIPT_WRITE = {
    "rc_write",
    "UPDATE applications SET state = $2::jsonb, "
    "tracking_code_hash = decode($3, 'hex'), audit_seq = $4::integer, "
    "audit_hash = decode($5, 'hex'), updated_at = now() "
    "WHERE id = $1::bigint",
    5};

void tb_store_tracking_derive(const uint8_t key[32], const char *number,
                              unsigned version,
                              char out[TB_STORE_TRACKING_CODE_LEN + 1]) {
  static const char alphabet[] = TB_STORE_CODE_ALPHABET;
  char msg[96];
  int n = snprintf(msg, sizeof msg, "tongban tracking code%c%s%c%u", 0, number,
                   0, version);
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (n < 0 || (size_t)n >= sizeof msg ||
      !HMAC(EVP_sha256(), key, 32, (const uint8_t *)msg, (size_t)n, mac,
            &len) ||
      len < 2 * TB_STORE_TRACKING_CODE_LEN) {
    tb_log(TB_LOG_ERROR, "store", "cannot derive a tracking code");
    abort();
  }
  for (size_t i = 0; i < TB_STORE_TRACKING_CODE_LEN; i++) {
    unsigned v = (unsigned)mac[2 * i] << 8 | mac[2 * i + 1];
    out[i] = alphabet[v % (sizeof alphabet - 1)];
  }
  out[TB_STORE_TRACKING_CODE_LEN] = '\0';
}

/* Whether the derived code of `version` is the one whose digest is
 * stored (hex bytea text); the code goes to `code`. */
static bool derived_is_current(const uint8_t key[32], const char *number,
                               unsigned version, const char *stored,
                               char code[TB_STORE_TRACKING_CODE_LEN + 1]) {
  uint8_t want[32], got[32];
  if (!tb_store_unhex_bytea(stored, want, sizeof want))
    return false;
  tb_store_tracking_derive(key, number, version, code);
  tb_store_tracking_digest(number, code, got);
  return CRYPTO_memcmp(want, got, sizeof got) == 0;
}

tb_store_status
tb_store_tracking_receipt(tb_store *s, const char *number,
                          const uint8_t key[32], bool *current,
                          char code[TB_STORE_TRACKING_CODE_LEN + 1]) {
  *current = false;
  code[0] = '\0';
  const char *params[] = {number};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_RECEIPT, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  tb_app_state st;
  bool ok = tb_store_state_decode(PQgetvalue(r, 0, 0), &st);
  if (ok)
    *current = derived_is_current(key, number, st.code_version,
                                  PQgetvalue(r, 0, 1), code);
  PQclear(r);
  if (!*current)
    code[0] = '\0';
  return ok ? TB_STORE_OK : TB_STORE_ERROR;
}

/* The audit event of a reissue: the new version and the reason. */
static tb_store_status append_reissue(tb_store *s, const char *number,
                                      int64_t app, PGresult *r,
                                      unsigned version, const char *reason,
                                      const tb_store_actor *actor, int32_t *seq,
                                      uint8_t hash[32]) {
  int64_t prev = 0;
  tb_store_audit_event ae = {.application_id = app,
                             .number = number,
                             .actor = actor,
                             .action = "tracking_code_reissued",
                             .at_us = tb_store_now_us()};
  tb_store_parse_i64(PQgetvalue(r, 0, 2), &prev);
  ae.prev_seq = (int32_t)prev;
  memset(ae.prev_hash, 0, 32);
  if (!PQgetisnull(r, 0, 3) &&
      !tb_store_unhex_bytea(PQgetvalue(r, 0, 3), ae.prev_hash, 32))
    return TB_STORE_ERROR;
  json_t *p = json_pack("{s:i, s:s}", "version", (int)version, "reason",
                        reason ? reason : "");
  char *payload = json_dumps(p, JSON_COMPACT);
  json_decref(p);
  ae.payload = payload;
  tb_store_status rc = tb_store_audit_append(s, &ae, seq, hash);
  free(payload);
  return rc;
}

tb_store_status tb_store_tracking_reissue_in(
    tb_store *s, const char *number, const uint8_t key[32], const char *reason,
    const tb_store_actor *actor, char code[TB_STORE_TRACKING_CODE_LEN + 1]) {
  const char *params[] = {number};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_RECEIPT_LOCK, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  int64_t app = 0;
  tb_app_state st;
  tb_store_parse_i64(PQgetvalue(r, 0, 0), &app);
  if (!tb_store_state_decode(PQgetvalue(r, 0, 1), &st)) {
    PQclear(r);
    return TB_STORE_ERROR;
  }
  if (st.code_version == UINT16_MAX) {
    PQclear(r);
    return TB_STORE_REFUSED;
  }
  st.code_version++;
  int32_t seq = 0;
  uint8_t hash[32], digest[32];
  rc = append_reissue(s, number, app, r, st.code_version, reason, actor, &seq,
                      hash);
  PQclear(r);
  if (rc != TB_STORE_OK)
    return rc;
  tb_store_tracking_derive(key, number, st.code_version, code);
  tb_store_tracking_digest(number, code, digest);
  char id[24], sq[16], digest_hex[65], hash_hex[65];
  snprintf(id, sizeof id, "%lld", (long long)app);
  snprintf(sq, sizeof sq, "%d", (int)seq);
  tb_hex_encode(digest, 32, digest_hex);
  tb_hex_encode(hash, 32, hash_hex);
  char *state = tb_store_state_encode(&st);
  const char *wp[] = {id, state, digest_hex, sq, hash_hex};
  rc = tb_store_exec(s, &S_RECEIPT_WRITE, wp, NULL);
  free(state);
  /* An event like every change's: the tracking views every node caches
   * were read with the old code and must not answer it any more. */
  if (rc == TB_STORE_OK)
    rc = tb_store_notify_change(s, number, seq, "tracking_code_reissued", &st);
  return rc;
}
