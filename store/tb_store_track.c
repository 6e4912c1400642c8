/*
 * tb_store_track.c — the applicant's side of an application: the tracking
 * code's digest and check, and the public tracking read in one statement.
 *
 * Only SHA-256("NUMBER:CODE") of a tracking code is stored. The tracking
 * read compares that digest in its WHERE clause: an unknown number and a
 * wrong code both end at the index probe of the number with no row, so
 * neither the answer nor the work done tells them apart, and the
 * aggregates below run only for the holder of the code. (bytea equality
 * is memcmp, not constant-time; between digests of guesses whose every
 * miss is counted by the guess limit, that tells nothing usable.)
 */
#include "tb_store_int.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tb_store_tracking_digest(const char *number, const char *code,
                              uint8_t out[32]) {
  char salted[64];
  snprintf(salted, sizeof salted, "%s:%s", number, code ? code : "");
  tb_store_sha256(salted, strlen(salted), NULL, 0, out);
}

/* ---- the check (the rating and the license images) --------------------- */

static const tb_store_stmt S_TRACKING = {
    "tr_tracking",
    "SELECT tracking_code_hash FROM applications WHERE number = $1", 1};

tb_store_status tb_store_tracking_check(tb_store *s, const char *number,
                                        const char *code, bool *match) {
  *match = false;
  const char *params[] = {number};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_TRACKING, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  uint8_t want[32], got[32];
  bool found = PQntuples(r) == 1 &&
               tb_store_unhex_bytea(PQgetvalue(r, 0, 0), want, sizeof want);
  PQclear(r);
  if (!found)
    return TB_STORE_NOT_FOUND;
  tb_store_tracking_digest(number, code, got);
  *match = CRYPTO_memcmp(want, got, sizeof got) == 0;
  return TB_STORE_OK;
}

/* ---- the tracking read ----------------------------------------------------
 * One row: the state and definition, the applicant's name (masked by the
 * caller), and three JSON arrays built by PostgreSQL — the tasks that
 * returned the application (the one-time notice), the licenses issued and
 * the public timeline — each an index range scan on application_id. */

#define UTC_TIME(col)                                                          \
  "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

#define TRACK_SELECT                                                           \
  "SELECT a.state::text, a.definition_id, a.definition_version, "              \
  "a.applicant_name, "                                                         \
  "(SELECT coalesce(json_agg(json_build_object('branch', t.branch, "           \
  "'round', t.round, 'decision', t.decision, 'comment', t.comment, "           \
  "'items', t.items) ORDER BY t.id), '[]') FROM tasks t "                      \
  "WHERE t.application_id = a.id AND t.decision = 'return')::text, "           \
  "(SELECT coalesce(json_agg(json_build_object('id', l.id, 'name', "           \
  "l.type_name, 'type', l.type_code, 'valid_until', "                          \
  "coalesce(to_char(l.valid_until, 'YYYY-MM-DD'), 'long-term'), 'payload', "   \
  "l.payload, 'revoked', l.revoked_at IS NOT NULL, 'revoked_at', " UTC_TIME(   \
      "l.revoked_at") ") ORDER BY l.issued_at, l.id), '[]') "                  \
                      "FROM licenses l WHERE l.application_id = a.id)::text, " \
                      "(SELECT "                                               \
                      "coalesce(json_agg(json_build_object('at', " UTC_TIME(   \
                          "e.at") ", 'action', e.action, 'bureau', e.bureau) " \
                                  "ORDER BY e.seq), '[]') "                    \
                                  "FROM audit_events e WHERE "                 \
                                  "e.application_id = a.id)::text "            \
                                  "FROM applications a WHERE a.number = $1"

static const tb_store_stmt S_TRACK_READ = {
    "tr_track_read", TRACK_SELECT " AND a.tracking_code_hash = $2::bytea", 2};
static const tb_store_stmt S_TRACK_VIEW = {"tr_track_view", TRACK_SELECT, 1};

static char *text_at(PGresult *r, int col) {
  return tb_xstrndup(PQgetvalue(r, 0, col), (size_t)PQgetlength(r, 0, col));
}

static tb_store_status tracking_fetch(tb_store *s, const tb_store_stmt *st,
                                      const char *const *params,
                                      tb_store_tracking *t) {
  memset(t, 0, sizeof *t);
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, st, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  bool ok = tb_store_state_decode(PQgetvalue(r, 0, 0), &t->state);
  char id[64];
  int64_t version = 0;
  tb_store_copy(id, sizeof id, PQgetvalue(r, 0, 1));
  tb_store_parse_i64(PQgetvalue(r, 0, 2), &version);
  t->applicant_name = text_at(r, 3);
  t->returns = text_at(r, 4);
  t->licenses = text_at(r, 5);
  t->timeline = text_at(r, 6);
  PQclear(r);
  rc = ok ? tb_store_def_cached(s, id, (uint32_t)version, &t->def)
          : TB_STORE_ERROR;
  if (!ok)
    tb_log_kv(TB_LOG_ERROR, "store",
              "tracking: the stored state cannot be read",
              TB_LOG_S("application", params[0]));
  if (rc != TB_STORE_OK)
    tb_store_tracking_clear(t);
  return rc;
}

tb_store_status tb_store_tracking_read(tb_store *s, const char *number,
                                       const char *code, tb_store_tracking *t) {
  uint8_t digest[32];
  char hash[67];
  tb_store_tracking_digest(number, code, digest);
  tb_store_bytea(digest, sizeof digest, hash);
  const char *params[] = {number, hash};
  return tracking_fetch(s, &S_TRACK_READ, params, t);
}

tb_store_status tb_store_tracking_view(tb_store *s, const char *number,
                                       tb_store_tracking *t) {
  const char *params[] = {number};
  return tracking_fetch(s, &S_TRACK_VIEW, params, t);
}

void tb_store_tracking_clear(tb_store_tracking *t) {
  free(t->applicant_name);
  free(t->returns);
  free(t->licenses);
  free(t->timeline);
  memset(t, 0, sizeof *t);
}
