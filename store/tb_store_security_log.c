/*
 * tb_store_security_log.c — the security log: appending an event to its
 * one hash chain, reading pages of it, and verifying it, alone and against
 * the heads the signed checkpoints recorded (tb_store_security_log.h).
 *
 * An event's hash is SHA-256(prev_hash || canonical bytes), the first
 * prev_hash 32 zero bytes; the canonical bytes are RFC 8785 canonical JSON
 * (the utility layer's tb_json_canonical) of
 *
 *   {"actor":NAME|null,"actor_kind":…,"address":…|null,
 *    "at":"YYYY-MM-DDTHH:MM:SS.ffffffZ","details":{…},"kind":…,
 *    "outcome":…,"seq":N,"subject":…}
 *
 * and sql/0015_security_log.sql recomputes the same bytes before it lets
 * an event in. Appends are serialized by a transaction-level advisory
 * lock taken before the head is read.
 */
#include "tb_store_security_log.h"
#include "tb_store_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pg_advisory_xact_lock key: "tongban security log" (the trigger's too) */
#define SECURITY_LOCK "7291000015"
#define DETAILS_MAX 8192
#define CANON_MAX (16 * 1024)
#define PAGE "1000"

static const tb_store_stmt S_LOCK = {
    "sec_lock", "SELECT pg_advisory_xact_lock(" SECURITY_LOCK ")", 0};
static const tb_store_stmt S_HEAD = {
    "sec_head",
    "SELECT seq, encode(hash, 'hex') FROM security_events "
    "ORDER BY seq DESC LIMIT 1",
    0};
static const tb_store_stmt S_INSERT = {
    "sec_insert",
    "INSERT INTO security_events (seq, at, kind, actor_kind, actor, address, "
    "subject, outcome, details, prev_hash, hash) VALUES ($1::bigint, "
    "timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3, $4, "
    "$5, $6, $7, $8, $9, decode($10, 'hex'), decode($11, 'hex'))",
    11};
static const tb_store_stmt S_CHAIN = {
    "sec_chain",
    "SELECT seq, actor, actor_kind, address, (extract(epoch FROM at) * "
    "1000000)::bigint, details, kind, outcome, subject, prev_hash, hash "
    "FROM security_events WHERE seq > $1::bigint ORDER BY seq LIMIT " PAGE,
    1};
static const tb_store_stmt S_AT = {
    "sec_at",
    "SELECT coalesce((SELECT max(seq) FROM security_events), 0), "
    "(SELECT encode(hash, 'hex') FROM security_events WHERE seq = "
    "$1::bigint)",
    1};

/* The events of the filter ($1 kind, $2 actor, $3 from, $4 to) */
#define SEC_FILTER                                                             \
  "($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR actor = $2) "      \
  "AND ($3::date IS NULL OR at >= ($3::date - interval '8 hours')::"           \
  "timestamp AT TIME ZONE 'UTC') AND ($4::date IS NULL OR at < ($4::date + "   \
  "interval '16 hours')::timestamp AT TIME ZONE 'UTC')"
#define SEC_OBJECT                                                             \
  "json_build_object('seq', seq, 'at', to_char(at AT TIME ZONE 'UTC', "        \
  "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), 'kind', kind, 'actor', actor, "       \
  "'actor_kind', actor_kind, 'address', address, 'subject', subject, "         \
  "'outcome', outcome, 'details', details::json)"
/* $5 limit, $6 after (0: from the newest) */
static const tb_store_stmt S_READ = {
    "sec_read",
    "WITH page AS (SELECT seq, " SEC_OBJECT " AS o FROM security_events "
    "WHERE " SEC_FILTER " AND ($6::bigint = 0 OR seq < $6::bigint) ORDER BY "
    "seq DESC LIMIT $5::integer + 1), shown AS (SELECT * FROM page ORDER BY "
    "seq DESC LIMIT $5::integer) SELECT json_build_object('items', "
    "coalesce((SELECT json_agg(o ORDER BY seq DESC) FROM shown), '[]'::json), "
    "'total', (SELECT count(*) FROM security_events WHERE " SEC_FILTER "), "
    "'next', CASE WHEN (SELECT count(*) FROM page) > $5::integer THEN (SELECT "
    "min(seq)::text FROM shown) END)::text",
    6};

static const char *const actor_names[] = {[TB_SECURITY_ANONYMOUS] = "anonymous",
                                          [TB_SECURITY_ACCOUNT] = "account",
                                          [TB_SECURITY_CLI] = "cli",
                                          [TB_SECURITY_SYSTEM] = "system"};
static const char *const outcome_names[TB_SECURITY_OUTCOME_COUNT] = {
    [TB_SECURITY_OK] = "ok",
    [TB_SECURITY_FAILED] = "failed",
    [TB_SECURITY_LOCKED] = "locked",
    [TB_SECURITY_REFUSED] = "refused"};

const char *tb_store_security_actor_name(tb_store_security_actor_kind k) {
  return (unsigned)k <= TB_SECURITY_SYSTEM ? actor_names[k] : "unknown";
}

const char *tb_store_security_outcome_name(tb_store_security_outcome o) {
  return (unsigned)o < TB_SECURITY_OUTCOME_COUNT ? outcome_names[o] : "unknown";
}

/* ---- canonical bytes ---------------------------------------------------- */

/* One stored event, as text (what the hash covers). */
typedef struct {
  int64_t seq;
  int64_t at_us;
  const char *kind, *actor_kind, *actor, *address, *subject, *outcome;
  const char *details; /* canonical JSON object */
} sec_row;

/* SHA-256(prev || canonical bytes of e); false when they cannot be made
 * (a string that is not UTF-8, details that are not JSON, too large). */
static bool row_hash(const sec_row *e, const uint8_t prev[32],
                     uint8_t out[32]) {
  char at[32];
  tb_store_format_at_us(e->at_us, at);
  tb_buf t, c;
  tb_buf_init(&t, CANON_MAX);
  tb_buf_init(&c, CANON_MAX);
  tb_buf_addf(&t, "{\"seq\":%lld", (long long)e->seq);
  tb_store_json_member(&t, "actor", e->actor);
  tb_store_json_member(&t, "actor_kind", e->actor_kind);
  tb_store_json_member(&t, "address", e->address);
  tb_store_json_member(&t, "at", at);
  tb_store_json_member(&t, "kind", e->kind);
  tb_store_json_member(&t, "outcome", e->outcome);
  tb_store_json_member(&t, "subject", e->subject);
  tb_buf_addf(&t, ",\"details\":%s}", e->details);
  bool ok = !t.overflow && tb_json_canonical(t.data, t.len, &c) == TB_JSON_OK;
  if (ok)
    tb_store_sha256(prev, 32, c.data, c.len, out);
  tb_buf_free(&t);
  tb_buf_free(&c);
  return ok;
}

/* ---- appending ---------------------------------------------------------- */

static bool kind_ok(const char *k) {
  size_t n = k ? strlen(k) : 0;
  if (n == 0 || n > 64 || k[0] < 'a' || k[0] > 'z')
    return false;
  for (size_t i = 0; i < n; i++)
    if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') ||
          k[i] == '_'))
      return false;
  return true;
}

static bool text_ok(const char *s, size_t min, size_t max) {
  if (!s)
    return true;
  size_t n = strlen(s);
  return n >= min && n <= max && tb_utf8_valid(s, n, NULL);
}

/* The event's details in canonical form into out; false when they are
 * not one JSON object of at most DETAILS_MAX bytes. */
static bool details_of(const char *details, tb_buf *out) {
  const char *d = details ? details : "{}";
  return tb_json_canonical(d, strlen(d), out) == TB_JSON_OK && !out->overflow &&
         out->len > 0 && out->data[0] == '{';
}

typedef struct {
  const tb_store_security_event *e;
  const char *details; /* canonical */
  int64_t seq;
} append_job;

static tb_store_status append_body(tb_store *s, void *cls) {
  append_job *j = cls;
  const tb_store_security_event *e = j->e;
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_LOCK, NULL, NULL);
  if (rc == TB_STORE_OK)
    rc = tb_store_exec(s, &S_HEAD, NULL, &r);
  if (rc != TB_STORE_OK)
    return rc;
  uint8_t prev[32] = {0}, hash[32];
  int64_t last = 0;
  if (PQntuples(r) == 1) {
    tb_store_parse_i64(PQgetvalue(r, 0, 0), &last);
    tb_hex_decode(PQgetvalue(r, 0, 1), 64, prev, 32);
  }
  PQclear(r);
  sec_row row = {.seq = last + 1,
                 .at_us = tb_store_now_us(),
                 .kind = e->kind,
                 .actor_kind = tb_store_security_actor_name(e->actor.kind),
                 .actor = e->actor.name,
                 .address = e->actor.address,
                 .subject = e->subject ? e->subject : "",
                 .outcome = tb_store_security_outcome_name(e->outcome),
                 .details = j->details};
  if (!row_hash(&row, prev, hash))
    return TB_STORE_INVALID;
  tb_store_num seq = tb_store_i64(row.seq), at = tb_store_i64(row.at_us);
  char prev_hex[65], hash_hex[65];
  tb_hex_encode(prev, 32, prev_hex);
  tb_hex_encode(hash, 32, hash_hex);
  const char *params[] = {seq.v,       at.v,        row.kind,    row.actor_kind,
                          row.actor,   row.address, row.subject, row.outcome,
                          row.details, prev_hex,    hash_hex};
  rc = tb_store_exec(s, &S_INSERT, params, NULL);
  if (rc == TB_STORE_OK)
    j->seq = row.seq;
  return rc;
}

tb_store_status tb_store_security_log_append(tb_store *s,
                                             const tb_store_security_event *e,
                                             int64_t *seq) {
  tb_buf details;
  tb_buf_init(&details, DETAILS_MAX);
  bool ok = kind_ok(e->kind) && text_ok(e->actor.name, 1, 64) &&
            text_ok(e->actor.address, 1, 64) && text_ok(e->subject, 0, 200) &&
            (unsigned)e->actor.kind <= TB_SECURITY_SYSTEM &&
            (unsigned)e->outcome < TB_SECURITY_OUTCOME_COUNT &&
            details_of(e->details, &details);
  if (!ok) {
    tb_log_kv(
        TB_LOG_ERROR, "store",
        "security event cannot be written: a malformed kind, actor, "
        "subject or details",
        TB_LOG_S("kind", e->kind && text_ok(e->kind, 0, 64) ? e->kind : "?"));
    tb_buf_free(&details);
    return TB_STORE_INVALID;
  }
  append_job j = {.e = e, .details = tb_buf_str(&details)};
  tb_store_status rc = s->in_txn ? append_body(s, &j)
                                 : tb_store_run_transaction(s, append_body, &j);
  if (rc == TB_STORE_OK && seq)
    *seq = j.seq;
  tb_buf_free(&details);
  return rc;
}

tb_store_status tb_store_security_log_add(tb_store *s, const char *kind,
                                          const tb_store_security_actor *who,
                                          const char *subject,
                                          tb_store_security_outcome outcome,
                                          json_t *details) {
  char *text = details ? json_dumps(details, JSON_COMPACT) : NULL;
  json_decref(details);
  tb_store_security_event ev = {.kind = kind,
                                .actor = *who,
                                .subject = subject,
                                .outcome = outcome,
                                .details = text};
  tb_store_status rc = details && !text
                           ? TB_STORE_INVALID
                           : tb_store_security_log_append(s, &ev, NULL);
  free(text);
  return rc;
}

/* ---- reading ------------------------------------------------------------ */

tb_store_status tb_store_security_log_read(tb_store *s,
                                           const tb_store_security_query *q,
                                           char **json) {
  tb_store_num limit = tb_store_i64(q->limit > 0 ? q->limit : 100);
  tb_store_num after = tb_store_i64(q->after > 0 ? q->after : 0);
  const char *params[] = {q->kind, q->actor, q->from, q->to, limit.v, after.v};
  return tb_store_json_of(s, &S_READ, params, json);
}

tb_store_status tb_store_security_log_head(tb_store *s, int64_t *seq,
                                           char hash_hex[65]) {
  *seq = 0;
  memset(hash_hex, '0', 64);
  hash_hex[64] = '\0';
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_HEAD, NULL, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(r) == 1) {
    tb_store_parse_i64(PQgetvalue(r, 0, 0), seq);
    tb_store_copy(hash_hex, 65, PQgetvalue(r, 0, 1));
  }
  PQclear(r);
  return TB_STORE_OK;
}

/* ---- verifying ---------------------------------------------------------- */

static void broken(tb_store_audit_report *r, tb_store_audit_kind kind,
                   int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void broken(tb_store_audit_report *r, tb_store_audit_kind kind,
                   int64_t seq, const char *fmt, ...) {
  char what[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  tb_store_audit_broken(r, kind, "", (int32_t)seq, "%s", what);
  if (r->n_breaks <= TB_STORE_AUDIT_MAX_BREAKS)
    r->breaks[r->n_breaks - 1].security = true;
}

static const char *nullable(PGresult *res, int i, int col) {
  return PQgetisnull(res, i, col) ? NULL : PQgetvalue(res, i, col);
}

/* The row's content against its stored hash. */
static void check_content(PGresult *res, int i, int64_t seq,
                          const uint8_t prev[32], const uint8_t stored[32],
                          tb_store_audit_report *r) {
  int64_t at = 0;
  tb_store_parse_i64(PQgetvalue(res, i, 4), &at);
  sec_row row = {.seq = seq,
                 .at_us = at,
                 .actor = nullable(res, i, 1),
                 .actor_kind = PQgetvalue(res, i, 2),
                 .address = nullable(res, i, 3),
                 .details = PQgetvalue(res, i, 5),
                 .kind = PQgetvalue(res, i, 6),
                 .outcome = PQgetvalue(res, i, 7),
                 .subject = PQgetvalue(res, i, 8)};
  uint8_t computed[32];
  if (!row_hash(&row, prev, computed))
    broken(r, TB_AUDIT_FORGED_EVENT, seq,
           "the security event cannot be put in its canonical form (its "
           "details are not JSON): it was changed after it was written");
  else if (memcmp(computed, stored, 32) != 0)
    broken(r, TB_AUDIT_FORGED_EVENT, seq,
           "the security event's content does not match its hash: kind, "
           "actor, address, subject, outcome, details or time was changed "
           "after it was written");
}

/* One row against the one before (prev, *expect), every break recorded;
 * the walk goes on from the stored hash. */
static void check_row(PGresult *res, int i, int64_t *expect, uint8_t prev[32],
                      tb_store_audit_report *r) {
  int64_t seq = 0;
  tb_store_parse_i64(PQgetvalue(res, i, 0), &seq);
  bool gap = seq != *expect;
  if (gap) {
    broken(r, TB_AUDIT_BROKEN_LINK, *expect,
           "expected security event %lld, found %lld (events missing)",
           (long long)*expect, (long long)seq);
    *expect = seq;
  }
  uint8_t stored_prev[32], stored[32];
  if (!tb_store_unhex_bytea(PQgetvalue(res, i, 9), stored_prev, 32) ||
      !tb_store_unhex_bytea(PQgetvalue(res, i, 10), stored, 32)) {
    broken(r, TB_AUDIT_FORGED_EVENT, seq, "a stored hash is not 32 bytes");
    memset(prev, 0xff, 32);
    (*expect)++;
    return;
  }
  if (!gap && memcmp(stored_prev, prev, 32) != 0)
    broken(r, TB_AUDIT_BROKEN_LINK, seq,
           "prev_hash does not match the hash of security event %lld (the "
           "log was cut or reordered)",
           (long long)seq - 1);
  check_content(res, i, seq, stored_prev, stored, r);
  memcpy(prev, stored, 32);
  (*expect)++;
}

tb_store_status tb_store_security_log_verify(tb_store *s,
                                             tb_store_audit_report *r) {
  uint8_t prev[32] = {0};
  int64_t expect = 1, last = 0;
  for (;;) {
    tb_store_num after = tb_store_i64(last);
    const char *params[] = {after.v};
    PGresult *res;
    tb_store_status rc = tb_store_exec(s, &S_CHAIN, params, &res);
    if (rc != TB_STORE_OK)
      return rc;
    int n = PQntuples(res);
    for (int i = 0; i < n; i++) {
      check_row(res, i, &expect, prev, r);
      tb_store_parse_i64(PQgetvalue(res, i, 0), &last);
      r->security_events++;
    }
    PQclear(res);
    if (n == 0)
      return TB_STORE_OK;
  }
}

/* The head checkpoint cp signed against the chain now; *bad when it is
 * broken (and recorded). */
static tb_store_status check_head(tb_store *s, int32_t cp, int64_t seq,
                                  const char *hash, tb_store_audit_report *r,
                                  bool *bad) {
  tb_store_num n = tb_store_i64(seq);
  const char *params[] = {n.v};
  PGresult *res;
  tb_store_status rc = tb_store_exec_row(s, &S_AT, params, &res);
  if (rc != TB_STORE_OK)
    return rc;
  int64_t last = 0;
  tb_store_parse_i64(PQgetvalue(res, 0, 0), &last);
  *bad = true;
  if (last < seq)
    broken(r, TB_AUDIT_TRUNCATED, seq,
           "the security log ends at event %lld but checkpoint %d recorded "
           "event %lld as its head (events removed)",
           (long long)last, (int)cp, (long long)seq);
  else if (PQgetisnull(res, 0, 1) || strcmp(PQgetvalue(res, 0, 1), hash) != 0)
    broken(r, TB_AUDIT_REHASHED, seq,
           "security event %lld's hash differs from the one checkpoint %d "
           "recorded (%.16s…): the log was rewritten and hashed again",
           (long long)seq, (int)cp, hash);
  else
    *bad = false;
  PQclear(res);
  return TB_STORE_OK;
}

tb_store_status tb_store_security_log_check_heads(tb_store *s,
                                                  const char *const *canonical,
                                                  const int32_t *seqs, size_t n,
                                                  tb_store_audit_report *r) {
  bool bad = false;
  tb_store_status rc = TB_STORE_OK;
  for (size_t i = 0; i < n && !bad && rc == TB_STORE_OK; i++) {
    json_t *doc = json_loads(canonical[i], 0, NULL);
    json_t *head = json_object_get(doc, "security");
    json_t *seq = json_object_get(head, "seq");
    const char *hash = json_string_value(json_object_get(head, "hash"));
    if (json_is_integer(seq) && json_integer_value(seq) > 0 && hash)
      rc = check_head(s, seqs[i], (int64_t)json_integer_value(seq), hash, r,
                      &bad);
    json_decref(doc);
  }
  return rc;
}
