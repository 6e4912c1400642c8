/*
 * tb_store_track.c — the applicant's side of an application: the tracking
 * code's digest and check, the public tracking read in one statement, and
 * the same read with what the printed documents need besides.
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
 * caller), three JSON arrays built by PostgreSQL — the tasks that
 * returned the application (the one-time notice), the licenses issued and
 * the public timeline — each an index range scan on application_id, and
 * the refusal or denial that ended the application, if one did. */

#define UTC_TIME(col)                                                          \
  "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* The events of application a, each payload parsed once as p.j. */
#define EVENTS                                                                 \
  "FROM audit_events e CROSS JOIN LATERAL (SELECT e.payload::json AS j) p "

#define EFFECTS                                                                \
  "(CASE WHEN json_typeof(p.j->'effects') = 'array' THEN p.j->'effects' END)"

/* The public timeline keeps only what the applicant needs: submitted,
 * accepted or refused, notices, supplements and a notice the window
 * closed, each bureau's result (an approval that ends its branch, a
 * denial, a return), special procedures,
 * withdrawal, delivery, rating, a deadline recomputed after a calendar
 * load, the expiry of an online application never accepted, a timer
 * that changed the state (a missed
 * 容缺 date ending it), and every license issued (an entry right after the
 * event that signed it). Claims, an approval that only passes a branch to
 * its next step, warning timers and every action not named here (a new
 * internal one included) never leave the server. */
#define PUBLIC_EVENT                                                           \
  "(e.action IN ('submit', 'accept', 'refuse', 'request_supplement', "         \
  "'supplement', 'deny', 'return', 'suspend', 'resume', 'withdraw', "          \
  "'deliver', 'rate', 'close_notice', 'deadline_recomputed', 'expire') "       \
  "OR (e.action = 'timer' AND p.j->>'from' IS DISTINCT FROM p.j->>'to') "      \
  "OR (e.action = 'approve' AND NOT EXISTS (SELECT 1 FROM "                    \
  "json_array_elements(" EFFECTS ") f WHERE f->>'effect' = 'create_task' "     \
  "AND f->>'branch' = p.j->'event'->>'branch')))"

#define TIMELINE                                                               \
  "(SELECT coalesce(json_agg(json_build_object('at', " UTC_TIME(               \
      "t.at") ", 'action', t.action, 'bureau', t.bureau) ORDER BY t.ord, "     \
              "t.bureau), "                                                    \
              "'[]') FROM ("                                                   \
              "SELECT e.seq::numeric AS ord, e.at, e.action, e.bureau " EVENTS \
              "WHERE e.application_id = a.id AND " PUBLIC_EVENT " "            \
              "UNION ALL SELECT e.seq + 0.5, e.at, 'issue_license', "          \
              "l.issuer " EVENTS                                               \
              "CROSS JOIN LATERAL json_array_elements(" EFFECTS ") f "         \
              "JOIN licenses l ON l.application_id = a.id "                    \
              "AND l.type_code = f->>'license' "                               \
              "WHERE e.application_id = a.id AND f->>'effect' = "              \
              "'issue_license') t)::text"

/* The refusal or denial that ended the application ({action, at: Unix
 * seconds of the decision, bureau, reason, legal_basis}, text), NULL when
 * none did: read from its audit event, the append-only, hash-chained
 * record of what the clerk or officer wrote (the refusal's "reason", the
 * denial's "comment", either's "legal_basis"). */
#define DECISION                                                               \
  "(SELECT json_build_object('action', e.action, 'at', "                       \
  "coalesce((p.j->'event'->>'at')::bigint, "                                   \
  "extract(epoch FROM e.at)::bigint), 'bureau', e.bureau, 'reason', "          \
  "coalesce(p.j->'data'->>'reason', p.j->'data'->>'comment'), "                \
  "'legal_basis', p.j->'data'->>'legal_basis')::text " EVENTS                  \
  "WHERE e.application_id = a.id AND e.action IN ('refuse', 'deny') "          \
  "AND p.j->>'to' IN ('refused', 'denied') ORDER BY e.seq DESC LIMIT 1)"

#define TRACK_COLUMNS                                                          \
  "a.state::text, a.definition_id, a.definition_version, "                     \
  "a.applicant_name, "                                                         \
  "(SELECT coalesce(json_agg(json_build_object('branch', t.branch, "           \
  "'round', t.round, 'decision', t.decision, 'comment', t.comment, "           \
  "'items', t.items, 'at', extract(epoch FROM t.decided_at)::bigint) "         \
  "ORDER BY t.id), '[]') FROM tasks t "                                        \
  "WHERE t.application_id = a.id AND t.decision = 'return')::text, "           \
  "(SELECT coalesce(json_agg(json_build_object('id', l.id, 'name', "           \
  "l.type_name, 'type', l.type_code, 'valid_until', "                          \
  "coalesce(to_char(l.valid_until, 'YYYY-MM-DD'), 'long-term'), 'payload', "   \
  "l.payload, 'revoked', l.revoked_at IS NOT NULL, 'revoked_at', " UTC_TIME(   \
      "l.revoked_at") ") ORDER BY l.issued_at, l.id), '[]') "                  \
                      "FROM licenses l WHERE l.application_id = "              \
                      "a.id)::text, " TIMELINE ", " DECISION

#define TRACK_SELECT                                                           \
  "SELECT " TRACK_COLUMNS " FROM applications a WHERE a.number = $1"

static const tb_store_stmt S_TRACK_READ = {
    "tr_track_read", TRACK_SELECT " AND a.tracking_code_hash = $2::bytea", 2};
static const tb_store_stmt S_TRACK_VIEW = {"tr_track_view", TRACK_SELECT, 1};

/* The documents' read adds what the printed documents carry besides the
 * tracking view: the applicant's one number and {requests: the window's
 * supplement requests before acceptance [{at, items, reason}], delivery:
 * the latest {at, method} or null, licenses: [{id, name, issuer,
 * valid_until: "YYYY-MM-DD" or null, revoked}]} (times in Unix seconds,
 * from the events' own "at" like the decision's). */
#define EVENT_AT                                                               \
  "coalesce((p.j->'event'->>'at')::bigint, extract(epoch FROM e.at)::bigint)"

#define DOCUMENT_FACTS                                                         \
  "json_build_object('requests', (SELECT coalesce(json_agg("                   \
  "json_build_object('at', " EVENT_AT ", 'items', p.j->'data'->'items', "      \
  "'reason', p.j->'data'->>'reason') ORDER BY e.seq), '[]') " EVENTS           \
  "WHERE e.application_id = a.id AND e.action = 'request_supplement'), "       \
  "'delivery', (SELECT json_build_object('at', " EVENT_AT ", 'method', "       \
  "p.j->'data'->>'method') " EVENTS "WHERE e.application_id = a.id AND "       \
  "e.action = 'deliver' ORDER BY e.seq DESC LIMIT 1), "                        \
  "'licenses', (SELECT coalesce(json_agg(json_build_object('id', l.id, "       \
  "'name', l.type_name, 'issuer', l.issuer, 'valid_until', "                   \
  "to_char(l.valid_until, 'YYYY-MM-DD'), 'revoked', l.revoked_at IS NOT "      \
  "NULL) ORDER BY l.issued_at, l.id), '[]') FROM licenses l "                  \
  "WHERE l.application_id = a.id))::text"

static const tb_store_stmt S_TRACK_DOCUMENTS = {
    "tr_track_documents",
    "SELECT " TRACK_COLUMNS ", a.applicant_id_number, " DOCUMENT_FACTS
    " FROM applications a WHERE a.number = $1",
    1};

static char *text_at(PGresult *r, int col) {
  return tb_xstrndup(PQgetvalue(r, 0, col), (size_t)PQgetlength(r, 0, col));
}

/* The tracking columns of a row, and (docs not NULL) the documents'
 * two more. */
static tb_store_status tracking_fetch_more(tb_store *s, const tb_store_stmt *st,
                                           const char *const *params,
                                           tb_store_tracking *t,
                                           tb_store_documents *docs) {
  memset(t, 0, sizeof *t);
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, st, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (docs) {
    docs->applicant_number = text_at(r, 8);
    docs->facts = text_at(r, 9);
  }
  bool ok = tb_store_state_decode(PQgetvalue(r, 0, 0), &t->state);
  char id[64];
  int64_t version = 0;
  tb_store_copy(id, sizeof id, PQgetvalue(r, 0, 1));
  tb_store_parse_i64(PQgetvalue(r, 0, 2), &version);
  t->applicant_name = text_at(r, 3);
  t->returns = text_at(r, 4);
  t->licenses = text_at(r, 5);
  t->timeline = text_at(r, 6);
  t->decision = PQgetisnull(r, 0, 7) ? NULL : text_at(r, 7);
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

static tb_store_status tracking_fetch(tb_store *s, const tb_store_stmt *st,
                                      const char *const *params,
                                      tb_store_tracking *t) {
  return tracking_fetch_more(s, st, params, t, NULL);
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

tb_store_status tb_store_documents_read(tb_store *s, const char *number,
                                        tb_store_documents *d) {
  memset(d, 0, sizeof *d);
  const char *params[] = {number};
  tb_store_status rc =
      tracking_fetch_more(s, &S_TRACK_DOCUMENTS, params, &d->tracking, d);
  if (rc != TB_STORE_OK)
    tb_store_documents_clear(d);
  return rc;
}

void tb_store_documents_clear(tb_store_documents *d) {
  tb_store_tracking_clear(&d->tracking);
  free(d->applicant_number);
  free(d->facts);
  memset(d, 0, sizeof *d);
}

void tb_store_tracking_clear(tb_store_tracking *t) {
  free(t->applicant_name);
  free(t->returns);
  free(t->licenses);
  free(t->timeline);
  free(t->decision);
  memset(t, 0, sizeof *t);
}

static const tb_store_stmt S_DECISION = {
    "tr_decision",
    "SELECT " DECISION " FROM applications a WHERE a.number = $1", 1};

tb_store_status tb_store_decision_read(tb_store *s, const char *number,
                                       char **json) {
  *json = NULL;
  const char *params[] = {number};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_DECISION, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (!PQgetisnull(r, 0, 0))
    *json = text_at(r, 0);
  PQclear(r);
  return TB_STORE_OK;
}
