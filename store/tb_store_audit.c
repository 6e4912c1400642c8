/*
 * tb_store_audit.c — the append-only audit chain and its verifier.
 *
 * Each application has a chain of events (seq 1, 2, …). An event's hash is
 * SHA-256(prev_hash || canonical bytes of the event), the first prev_hash
 * being 32 zero bytes. The application row keeps the chain's head (seq,
 * hash), so a removed tail is noticed too. audit_events.canon names the
 * canonical form an event's hash covers (sql/0004_audit_canon.sql):
 *
 * 2 — every event written now: RFC 8785 canonical JSON, by the utility
 *     layer's tb_json_canonical (the canonicalizer licenses use), of
 *
 *       {"action":…,"actor":ID,"actor_name":…,"application":NUMBER,
 *        "at":"YYYY-MM-DDTHH:MM:SS.ffffffZ","bureau":…|null,"canon":2,
 *        "payload":PAYLOAD,"role":…,"seq":N}
 *
 *     PAYLOAD is stored in its canonical form too. The "canon":2 member
 *     puts the form under the hash: an event whose canon column is changed
 *     is hashed in the other form and no longer matches.
 *
 * 1 — events written before migration 0004: the store's own compact JSON
 *     of the same members without "canon", keys in this order, strings
 *     escaping only '"', '\' and control characters (as \u00XX), and
 *     PAYLOAD the stored text as it is (jansson's sorted compact dump).
 *     Nothing writes form 1 any more; canonical_v1 below is kept, as small
 *     as it can be, only so that chains already written still verify.
 */
#include "tb_store_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CANON_MAX (4 * 1024 * 1024) /* bytes of one event's canonical form */
#define CANON_CURRENT 2             /* the form new events are written in */

static const tb_store_stmt S_APPEND = {
    "audit_append",
    "INSERT INTO audit_events (application_id, seq, actor_id, actor_name, "
    "role, bureau, action, payload, at, prev_hash, hash, canon) "
    "VALUES ($1::bigint, $2::integer, $3::bigint, $4, $5, $6, $7, $8, "
    "timestamptz 'epoch' + $9::bigint * interval '1 microsecond', "
    "decode($10, 'hex'), decode($11, 'hex'), $12::smallint)",
    12};
static const tb_store_stmt S_APPS_PAGE = {
    "audit_apps_page",
    "SELECT id FROM applications WHERE id > $1::bigint ORDER BY id LIMIT 500",
    1};
static const tb_store_stmt S_APP_BY_NUMBER = {
    "audit_app_by_number", "SELECT id FROM applications WHERE number = $1", 1};
static const tb_store_stmt S_CHAIN = {
    "audit_chain",
    "SELECT a.number, a.audit_seq, a.audit_hash, e.seq, e.actor_id, "
    "e.actor_name, e.role, e.bureau, e.action, e.payload, "
    "(extract(epoch FROM e.at) * 1000000)::bigint, e.prev_hash, e.hash, "
    "e.canon FROM applications a "
    "LEFT JOIN audit_events e ON e.application_id = a.id "
    "WHERE a.id = $1::bigint ORDER BY e.seq",
    1};

/* ---- canonical bytes -------------------------------------------------- */

typedef struct {
  const char *action;
  int64_t actor_id;
  const char *actor_name;
  const char *number;
  int64_t at_us;
  const char *bureau; /* NULL → null */
  const char *payload;
  const char *role;
  int32_t seq;
} canon_event;

/* Form 1's strings (verification of old events only). */
static void v1_string(tb_buf *b, const char *s) {
  if (!s) {
    tb_buf_adds(b, "null");
    return;
  }
  tb_buf_add(b, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      tb_buf_addf(b, "\\%c", *p);
    else if (*p < 0x20)
      tb_buf_addf(b, "\\u%04x", *p);
    else
      tb_buf_add(b, p, 1);
  }
  tb_buf_add(b, "\"", 1);
}

/* Form 1 (see the file comment): only for events written before 0004. */
static bool canonical_v1(const canon_event *e, tb_buf *b) {
  char at[32];
  tb_store_format_at_us(e->at_us, at);
  tb_buf_adds(b, "{\"action\":");
  v1_string(b, e->action);
  tb_buf_addf(b, ",\"actor\":%lld,\"actor_name\":", (long long)e->actor_id);
  v1_string(b, e->actor_name);
  tb_buf_adds(b, ",\"application\":");
  v1_string(b, e->number);
  tb_buf_adds(b, ",\"at\":");
  v1_string(b, at);
  tb_buf_adds(b, ",\"bureau\":");
  v1_string(b, e->bureau);
  tb_buf_addf(b, ",\"payload\":%s,\"role\":", e->payload);
  v1_string(b, e->role);
  tb_buf_addf(b, ",\"seq\":%d}", (int)e->seq);
  return !b->overflow;
}

/* Form 2 (see the file comment); false when a string is not UTF-8, the
 * payload is not JSON or the event is too large. */
static bool canonical_v2(const canon_event *e, tb_buf *out) {
  char at[32];
  tb_store_format_at_us(e->at_us, at);
  tb_buf t;
  tb_buf_init(&t, CANON_MAX);
  tb_buf_addf(&t, "{\"canon\":2,\"seq\":%d,\"actor\":%lld", (int)e->seq,
              (long long)e->actor_id);
  tb_store_json_member(&t, "action", e->action);
  tb_store_json_member(&t, "actor_name", e->actor_name);
  tb_store_json_member(&t, "application", e->number);
  tb_store_json_member(&t, "at", at);
  tb_store_json_member(&t, "bureau", e->bureau);
  tb_store_json_member(&t, "role", e->role);
  tb_buf_addf(&t, ",\"payload\":%s}", e->payload);
  bool ok = !t.overflow && tb_json_canonical(t.data, t.len, out) == TB_JSON_OK;
  tb_buf_free(&t);
  return ok;
}

/* The hash of an event in the given form; false when its bytes cannot be
 * made (an unknown form, or see canonical_v2). */
static bool event_hash(const canon_event *e, int canon, const uint8_t prev[32],
                       uint8_t out[32]) {
  tb_buf b;
  tb_buf_init(&b, CANON_MAX);
  bool ok = canon == 1   ? canonical_v1(e, &b)
            : canon == 2 ? canonical_v2(e, &b)
                         : false;
  if (ok)
    tb_store_sha256(prev, 32, b.data, b.len, out);
  tb_buf_free(&b);
  return ok;
}

/* ---- appending ---------------------------------------------------------- */

tb_store_status tb_store_audit_append(tb_store *s,
                                      const tb_store_audit_event *e,
                                      int32_t *seq, uint8_t hash[32]) {
  const tb_store_actor *a = e->actor;
  tb_buf payload;
  tb_buf_init(&payload, CANON_MAX);
  tb_json_status js =
      tb_json_canonical(e->payload, strlen(e->payload), &payload);
  canon_event ce = {.action = e->action,
                    .actor_id = a->id,
                    .actor_name = a->name ? a->name : "",
                    .number = e->number,
                    .at_us = e->at_us,
                    .bureau = a->bureau,
                    .payload = tb_buf_str(&payload),
                    .role = a->role ? a->role : "",
                    .seq = e->prev_seq + 1};
  if (js != TB_JSON_OK || !event_hash(&ce, CANON_CURRENT, e->prev_hash, hash)) {
    tb_log_kv(TB_LOG_ERROR, "store",
              "audit event cannot be written: the payload, or an actor field "
              "is not UTF-8, or it is too large",
              TB_LOG_S("application", e->number),
              TB_LOG_S("payload", tb_json_status_name(js)));
    tb_buf_free(&payload);
    return TB_STORE_INVALID;
  }
  char app[24], sq[16], actor[24], at[24], prev_hex[65], hash_hex[65], canon[8];
  snprintf(app, sizeof app, "%lld", (long long)e->application_id);
  snprintf(sq, sizeof sq, "%d", ce.seq);
  snprintf(actor, sizeof actor, "%lld", (long long)ce.actor_id);
  snprintf(at, sizeof at, "%lld", (long long)ce.at_us);
  snprintf(canon, sizeof canon, "%d", CANON_CURRENT);
  tb_hex_encode(e->prev_hash, 32, prev_hex);
  tb_hex_encode(hash, 32, hash_hex);
  const char *params[] = {app,     sq,        actor,     ce.actor_name,
                          ce.role, ce.bureau, ce.action, ce.payload,
                          at,      prev_hex,  hash_hex,  canon};
  tb_store_status rc = tb_store_exec_deferred(s, &S_APPEND, params);
  tb_buf_free(&payload);
  if (rc == TB_STORE_OK)
    *seq = ce.seq;
  return rc;
}

/* ---- verifying ---------------------------------------------------------- */

static const char *const kind_names[TB_AUDIT_KIND_COUNT] = {
    [TB_AUDIT_FORGED_EVENT] = "forged_event",
    [TB_AUDIT_BROKEN_LINK] = "broken_link",
    [TB_AUDIT_HEAD_MISMATCH] = "head_mismatch",
    [TB_AUDIT_TRUNCATED] = "truncated",
    [TB_AUDIT_REHASHED] = "rehashed",
    [TB_AUDIT_DELETED] = "deleted_application",
    [TB_AUDIT_CHECKPOINT_SIGNATURE] = "checkpoint_signature",
    [TB_AUDIT_CHECKPOINT_LINK] = "checkpoint_link",
    [TB_AUDIT_CHECKPOINT_HEADS] = "checkpoint_heads",
    [TB_AUDIT_CHECKPOINT_NOT_IN_FILE] = "checkpoint_not_in_file",
    [TB_AUDIT_CHECKPOINT_FILE_DIFFERS] = "checkpoint_file_differs",
    [TB_AUDIT_CHECKPOINT_NOT_IN_DB] = "checkpoint_not_in_database"};

const char *tb_store_audit_kind_name(tb_store_audit_kind k) {
  return (unsigned)k < TB_AUDIT_KIND_COUNT ? kind_names[k] : "unknown";
}

void tb_store_audit_broken(tb_store_audit_report *r, tb_store_audit_kind kind,
                           const char *number, int32_t seq, const char *fmt,
                           ...) {
  char what[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (!r->broken) {
    r->broken = true;
    tb_store_copy(r->number, sizeof r->number, number);
    r->seq = seq;
    tb_store_copy(r->what, sizeof r->what, what);
  }
  if (r->n_breaks < TB_STORE_AUDIT_MAX_BREAKS) {
    tb_store_audit_break *b = &r->breaks[r->n_breaks];
    b->kind = kind;
    tb_store_copy(b->number, sizeof b->number, number);
    b->seq = seq;
    tb_store_copy(b->what, sizeof b->what, what);
  }
  r->n_breaks++;
}

static void short_hex(const uint8_t h[32], char out[17]) {
  tb_hex_encode(h, 8, out);
}

/* The hash a row's own bytes give (form and content), compared with the
 * stored one; false (and a break) when they differ. */
static void check_content(PGresult *res, int i, int32_t seq,
                          const uint8_t prev[32], const uint8_t stored[32],
                          tb_store_audit_report *r) {
  const char *number = PQgetvalue(res, i, 0);
  int64_t actor = 0, at = 0, canon = 0;
  tb_store_parse_i64(PQgetvalue(res, i, 4), &actor);
  tb_store_parse_i64(PQgetvalue(res, i, 10), &at);
  tb_store_parse_i64(PQgetvalue(res, i, 13), &canon);
  canon_event ce = {.action = PQgetvalue(res, i, 8),
                    .actor_id = actor,
                    .actor_name = PQgetvalue(res, i, 5),
                    .number = number,
                    .at_us = at,
                    .bureau =
                        PQgetisnull(res, i, 7) ? NULL : PQgetvalue(res, i, 7),
                    .payload = PQgetvalue(res, i, 9),
                    .role = PQgetvalue(res, i, 6),
                    .seq = seq};
  uint8_t computed[32];
  if (!event_hash(&ce, (int)canon, prev, computed)) {
    tb_store_audit_broken(
        r, TB_AUDIT_FORGED_EVENT, number, seq,
        "the event cannot be put in its canonical form %lld (an unknown "
        "form, or the payload is not JSON): it was changed after it was "
        "written",
        (long long)canon);
  } else if (memcmp(computed, stored, 32) != 0) {
    char a[17], b[17];
    short_hex(stored, a);
    short_hex(computed, b);
    tb_store_audit_broken(
        r, TB_AUDIT_FORGED_EVENT, number, seq,
        "the event's content does not match its hash (stored %s…, "
        "recomputed %s…): action, actor, role, bureau, payload or time "
        "was changed after it was written",
        a, b);
  }
}

/* Check one row of the chain against the one before (prev, *expect);
 * every break is recorded, and the walk goes on from the stored hash. */
static void check_row(PGresult *res, int i, int32_t *expect, uint8_t prev[32],
                      tb_store_audit_report *r) {
  const char *number = PQgetvalue(res, i, 0);
  int64_t seq = 0;
  tb_store_parse_i64(PQgetvalue(res, i, 3), &seq);
  bool gap = seq != *expect;
  if (gap) {
    tb_store_audit_broken(r, TB_AUDIT_BROKEN_LINK, number, *expect,
                          "expected event %d, found %lld (events missing)",
                          (int)*expect, (long long)seq);
    *expect = (int32_t)seq;
  }
  uint8_t stored_prev[32], stored[32];
  if (!tb_store_unhex_bytea(PQgetvalue(res, i, 11), stored_prev, 32) ||
      !tb_store_unhex_bytea(PQgetvalue(res, i, 12), stored, 32)) {
    tb_store_audit_broken(r, TB_AUDIT_FORGED_EVENT, number, (int32_t)seq,
                          "a stored hash is not 32 bytes");
    memset(prev, 0xff, 32);
    (*expect)++;
    return;
  }
  if (!gap && memcmp(stored_prev, prev, 32) != 0)
    tb_store_audit_broken(r, TB_AUDIT_BROKEN_LINK, number, (int32_t)seq,
                          "prev_hash does not match the hash of event %d "
                          "(the chain was cut or reordered)",
                          (int)seq - 1);
  check_content(res, i, (int32_t)seq, stored_prev, stored, r);
  memcpy(prev, stored, 32);
  (*expect)++;
}

/* The application row's head against the chain's last event. */
static void check_head(PGresult *res, int32_t n, const uint8_t last[32],
                       tb_store_audit_report *r) {
  const char *number = PQgetvalue(res, 0, 0);
  int64_t head = 0;
  tb_store_parse_i64(PQgetvalue(res, 0, 1), &head);
  uint8_t head_hash[32] = {0};
  bool has_hash = !PQgetisnull(res, 0, 2) &&
                  tb_store_unhex_bytea(PQgetvalue(res, 0, 2), head_hash, 32);
  if (head != n || (n > 0 && (!has_hash || memcmp(head_hash, last, 32))))
    tb_store_audit_broken(r, TB_AUDIT_HEAD_MISMATCH, number, n + 1,
                          "the chain ends at event %d but the application "
                          "records event %lld as its last (events removed "
                          "or replaced)",
                          (int)n, (long long)head);
}

/* The chain of one application, every break recorded in r. */
static tb_store_status verify_chain(tb_store *s, const char *id,
                                    tb_store_audit_report *r) {
  const char *params[] = {id};
  PGresult *res;
  tb_store_status rc = tb_store_exec(s, &S_CHAIN, params, &res);
  if (rc != TB_STORE_OK)
    return rc;
  uint8_t prev[32] = {0};
  int32_t expect = 1, n = 0;
  for (int i = 0; i < PQntuples(res) && !PQgetisnull(res, i, 3); i++) {
    check_row(res, i, &expect, prev, r);
    n = expect - 1;
    r->events++;
  }
  if (PQntuples(res) > 0)
    check_head(res, n, prev, r);
  r->chains++;
  PQclear(res);
  return TB_STORE_OK;
}

static tb_store_status verify_one(tb_store *s, const char *number,
                                  tb_store_audit_report *r) {
  const char *params[] = {number};
  PGresult *res;
  tb_store_status rc = tb_store_exec(s, &S_APP_BY_NUMBER, params, &res);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(res) != 1) {
    PQclear(res);
    return TB_STORE_NOT_FOUND;
  }
  char id[24];
  tb_store_copy(id, sizeof id, PQgetvalue(res, 0, 0));
  PQclear(res);
  return verify_chain(s, id, r);
}

tb_store_status tb_store_audit_verify(tb_store *s, const char *number,
                                      tb_store_audit_report *r) {
  memset(r, 0, sizeof *r);
  if (number)
    return verify_one(s, number, r);
  char last[24] = "0";
  for (;;) {
    const char *params[] = {last};
    PGresult *res;
    tb_store_status rc = tb_store_exec(s, &S_APPS_PAGE, params, &res);
    if (rc != TB_STORE_OK)
      return rc;
    int n = PQntuples(res);
    for (int i = 0; i < n && rc == TB_STORE_OK; i++) {
      tb_store_copy(last, sizeof last, PQgetvalue(res, i, 0));
      rc = verify_chain(s, last, r);
    }
    PQclear(res);
    if (rc != TB_STORE_OK || n == 0)
      return rc;
  }
}
