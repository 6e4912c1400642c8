/*
 * tb_store_checkpoint.c — signed checkpoints over every audit chain head,
 * and their verification (tb_store_audit.h).
 *
 * The tree: one leaf per application with a chain, in application id
 * order; its data is the canonical JSON
 *   {"application":"NUMBER","hash":"HEX","seq":N}
 * of the chain's head. Hashing is RFC 9162's (as RFC 6962's): leaf =
 * SHA-256(0x00 || data), node = SHA-256(0x01 || left || right), the left
 * subtree of n leaves holding the largest power of two below n; the empty
 * tree is SHA-256 of nothing. It is built streaming (a stack of perfect
 * subtrees), so memory does not grow with the number of applications.
 *
 * A checkpoint is the canonical JSON {"at","prev","root","security",
 * "size"} (at: UTC "YYYY-MM-DDTHH:MM:SSZ"; prev: the SHA-256 of the
 * previous checkpoint's canonical text, 64 zeros for the first; security:
 * the security log's head {"hash","seq"}, 64 zeros and 0 when it is empty,
 * absent from checkpoints made before sql/0015_security_log.sql, which
 * still verify), signed with the platform's
 * audit key through the caller's callback. Its line in the checkpoint file
 * is {"checkpoint":CANONICAL,"key_id":…,"seq":N,"signature":HEX}.
 * audit_checkpoint_heads keeps, per checkpoint, the heads that changed
 * since the one before (sql/0005_audit_guard.sql), and a tombstone (seq
 * 0) for an application an earlier checkpoint covered that is gone, so
 * that any checkpoint's tree can be rebuilt and verification can name the
 * application whose chain no longer agrees with any head ever recorded —
 * even after later checkpoints were made over a rewritten chain.
 */
#include "tb_store_int.h"
#include "tb_store_security_log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* pg_advisory_xact_lock key: "tongban checkpoint" */
#define CHECKPOINT_LOCK "7291000002"
#define PAGE "1000"
#define LINE_MAX_BYTES 4096

static const tb_store_stmt S_LOCK_WAIT = {
    "cp_lock_wait", "SELECT pg_advisory_xact_lock(" CHECKPOINT_LOCK ")", 0};
static const tb_store_stmt S_LOCK_TRY = {
    "cp_lock_try", "SELECT pg_try_advisory_xact_lock(" CHECKPOINT_LOCK ")", 0};
static const tb_store_stmt S_LATEST = {
    "cp_latest",
    "SELECT seq, encode(hash, 'hex'), extract(epoch FROM now() - at) "
    "FROM audit_checkpoints ORDER BY seq DESC LIMIT 1",
    0};
/* every head after id $1, with the last one a checkpoint recorded */
static const tb_store_stmt S_HEADS = {
    "cp_heads",
    "SELECT a.id, a.number, a.audit_seq, encode(a.audit_hash, 'hex'), "
    "h.seq IS NOT DISTINCT FROM a.audit_seq AND h.hash = a.audit_hash "
    "FROM applications a LEFT JOIN LATERAL (SELECT seq, hash FROM "
    "audit_checkpoint_heads h WHERE h.application_id = a.id ORDER BY "
    "checkpoint DESC LIMIT 1) h ON true "
    "WHERE a.id > $1::bigint AND a.audit_seq > 0 ORDER BY a.id LIMIT " PAGE,
    1};
static const tb_store_stmt S_HEADS_INSERT = {
    "cp_heads_insert",
    "INSERT INTO audit_checkpoint_heads (checkpoint, application_id, number, "
    "seq, hash) SELECT $1::integer, a.id, a.number, u.seq, decode(u.h, "
    "'hex') FROM unnest($2::bigint[], $3::integer[], $4::text[]) AS "
    "u(id, seq, h) JOIN applications a ON a.id = u.id",
    4};
static const tb_store_stmt S_INSERT = {
    "cp_insert",
    "INSERT INTO audit_checkpoints (seq, at, size, root, prev, hash, "
    "canonical, key_id, signature) VALUES ($1::integer, to_timestamp($2::"
    "bigint), $3::bigint, decode($4, 'hex'), decode($5, 'hex'), decode($6, "
    "'hex'), $7, $8, decode($9, 'hex'))",
    9};
static const tb_store_stmt S_ALL = {
    "cp_all",
    "SELECT seq, canonical, key_id, encode(signature, 'hex'), encode(hash, "
    "'hex'), encode(prev, 'hex'), encode(root, 'hex'), size "
    "FROM audit_checkpoints ORDER BY seq",
    0};
/* the leaves of checkpoint $1 after application id $2: per application
 * its latest recorded head at or before it (seq 0: a tombstone, no leaf) */
static const tb_store_stmt S_LEAVES = {
    "cp_leaves",
    "SELECT * FROM (SELECT DISTINCT ON (application_id) application_id, "
    "number, seq, encode(hash, 'hex') FROM audit_checkpoint_heads "
    "WHERE checkpoint <= $1::integer AND application_id > $2::bigint "
    "ORDER BY application_id, checkpoint DESC LIMIT " PAGE ") l",
    2};
/* every head any checkpoint recorded (of application $3, or all), after
 * ($1, $2), with the chain as it is now: exists (same number), its last seq,
 * the hash at that seq */
static const tb_store_stmt S_RECORDED = {
    "cp_recorded",
    "SELECT h.application_id, h.checkpoint, h.number, h.seq, "
    "encode(h.hash, 'hex'), a.number IS NOT DISTINCT FROM h.number, "
    "(SELECT max(e.seq) FROM audit_events e WHERE e.application_id = "
    "h.application_id), encode(ev.hash, 'hex') "
    "FROM audit_checkpoint_heads h "
    "LEFT JOIN applications a ON a.id = h.application_id "
    "LEFT JOIN audit_events ev ON ev.application_id = h.application_id "
    "AND ev.seq = h.seq "
    "WHERE (h.application_id, h.checkpoint) > ($1::bigint, $2::integer) "
    "AND h.seq > 0 AND ($3::text IS NULL OR h.number = $3) "
    "ORDER BY h.application_id, h.checkpoint LIMIT " PAGE,
    3};
/* applications an earlier checkpoint covered that are gone: a tombstone
 * each in checkpoint $1, so that its tree can be rebuilt */
static const tb_store_stmt S_TOMBSTONES = {
    "cp_tombstones",
    "INSERT INTO audit_checkpoint_heads (checkpoint, application_id, number, "
    "seq, hash) SELECT $1::integer, l.application_id, l.number, 0, "
    "decode(repeat('00', 32), 'hex') FROM (SELECT DISTINCT ON "
    "(application_id) application_id, number, seq FROM "
    "audit_checkpoint_heads ORDER BY application_id, checkpoint DESC) l "
    "WHERE l.seq > 0 AND NOT EXISTS (SELECT 1 FROM applications a WHERE "
    "a.id = l.application_id AND a.number = l.number) RETURNING number",
    1};

/* ---- the Merkle tree ---------------------------------------------------- */

typedef struct {
  uint8_t hash[64][32]; /* perfect subtrees, left to right */
  unsigned height[64];
  int n;
  int64_t size;
} merkle;

static void merkle_node(const uint8_t l[32], const uint8_t r[32],
                        uint8_t out[32]) {
  uint8_t buf[65];
  buf[0] = 0x01;
  memcpy(buf + 1, l, 32);
  memcpy(buf + 33, r, 32);
  tb_store_sha256(buf, sizeof buf, NULL, 0, out);
}

static void merkle_add(merkle *m, const char *number, int64_t seq,
                       const char *hash_hex) {
  char data[512]; /* a number is 21 digits, a hash 64 hex digits */
  int len = snprintf(data, sizeof data,
                     "{\"application\":\"%s\",\"hash\":\"%s\",\"seq\":%lld}",
                     number, hash_hex, (long long)seq);
  if (len < 0 || (size_t)len >= sizeof data)
    len = (int)sizeof data - 1; /* only a tampered row is that long */
  static const uint8_t zero = 0x00;
  tb_store_sha256(&zero, 1, data, (size_t)len, m->hash[m->n]);
  m->height[m->n++] = 0;
  m->size++;
  while (m->n >= 2 && m->height[m->n - 1] == m->height[m->n - 2]) {
    merkle_node(m->hash[m->n - 2], m->hash[m->n - 1], m->hash[m->n - 2]);
    m->height[m->n - 2]++;
    m->n--;
  }
}

static void merkle_root(const merkle *m, char hex[65]) {
  uint8_t acc[32];
  if (m->n == 0) {
    tb_store_sha256("", 0, NULL, 0, acc);
  } else {
    memcpy(acc, m->hash[m->n - 1], 32);
    for (int i = m->n - 2; i >= 0; i--)
      merkle_node(m->hash[i], acc, acc);
  }
  tb_hex_encode(acc, 32, hex);
}

/* ---- making a checkpoint ------------------------------------------------ */

/* A checkpoint's line in the file (malloc'd; NULL when too long). */
static char *file_line(const char *canonical, const char *key_id,
                       const char *seq, const char *sig_hex) {
  tb_buf b;
  tb_buf_init(&b, LINE_MAX_BYTES);
  tb_buf_addf(&b,
              "{\"checkpoint\":%s,\"key_id\":\"%s\",\"seq\":%s,"
              "\"signature\":\"%s\"}",
              canonical, key_id, seq, sig_hex);
  return tb_buf_take(&b, NULL); /* NULL when it overflowed */
}

typedef struct {
  int64_t min_interval;
  tb_store_audit_sign_fn sign;
  void *cls;
  tb_store_audit_checkpoint_result *out;
} make_job;

/* The changed heads of one page, as array literals for S_HEADS_INSERT. */
typedef struct {
  tb_buf ids, seqs, hashes;
  int n;
} delta;

static void delta_add(delta *d, const char *id, const char *seq,
                      const char *hash) {
  const char *sep = d->n ? "," : "{";
  tb_buf_addf(&d->ids, "%s%s", sep, id);
  tb_buf_addf(&d->seqs, "%s%s", sep, seq);
  tb_buf_addf(&d->hashes, "%s%s", sep, hash);
  d->n++;
}

static tb_store_status delta_write(tb_store *s, delta *d, const char *cp) {
  if (d->n == 0)
    return TB_STORE_OK;
  tb_buf_adds(&d->ids, "}");
  tb_buf_adds(&d->seqs, "}");
  tb_buf_adds(&d->hashes, "}");
  if (d->ids.overflow || d->seqs.overflow || d->hashes.overflow)
    return TB_STORE_ERROR;
  const char *params[] = {cp, tb_buf_str(&d->ids), tb_buf_str(&d->seqs),
                          tb_buf_str(&d->hashes)};
  return tb_store_exec(s, &S_HEADS_INSERT, params, NULL);
}

/* Every head into the tree, the changed ones recorded for checkpoint cp. */
static tb_store_status heads_into(tb_store *s, const char *cp, merkle *m) {
  char last[24] = "0";
  tb_store_status rc = TB_STORE_OK;
  for (int n = 1; n > 0 && rc == TB_STORE_OK;) {
    const char *params[] = {last};
    PGresult *r;
    rc = tb_store_exec(s, &S_HEADS, params, &r);
    if (rc != TB_STORE_OK)
      return rc;
    n = PQntuples(r);
    delta d = {.n = 0};
    tb_buf_init(&d.ids, 64 * 1024);
    tb_buf_init(&d.seqs, 64 * 1024);
    tb_buf_init(&d.hashes, 128 * 1024);
    for (int i = 0; i < n; i++) {
      int64_t seq = 0;
      tb_store_parse_i64(PQgetvalue(r, i, 2), &seq);
      merkle_add(m, PQgetvalue(r, i, 1), seq, PQgetvalue(r, i, 3));
      if (strcmp(PQgetvalue(r, i, 4), "t") != 0)
        delta_add(&d, PQgetvalue(r, i, 0), PQgetvalue(r, i, 2),
                  PQgetvalue(r, i, 3));
      tb_store_copy(last, sizeof last, PQgetvalue(r, i, 0));
    }
    PQclear(r);
    rc = delta_write(s, &d, cp);
    tb_buf_free(&d.ids);
    tb_buf_free(&d.seqs);
    tb_buf_free(&d.hashes);
  }
  return rc;
}

/* Gone applications that an earlier checkpoint covered: recorded as
 * gone (the new tree leaves them out), and logged, for only a superuser
 * can remove one. */
static tb_store_status tombstones(tb_store *s, const char *cp) {
  const char *params[] = {cp};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_TOMBSTONES, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  for (int i = 0; i < PQntuples(r); i++)
    tb_log_kv(TB_LOG_ERROR, "audit",
              "an application an earlier checkpoint covered is gone",
              TB_LOG_S("application", PQgetvalue(r, i, 0)));
  PQclear(r);
  return TB_STORE_OK;
}

/* The lock, and the latest checkpoint; *skip when another node holds the
 * lock or made one within the interval. */
static tb_store_status latest_checkpoint(tb_store *s, const make_job *j,
                                         int32_t *seq, char prev[65],
                                         bool *skip) {
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(
      s, j->min_interval > 0 ? &S_LOCK_TRY : &S_LOCK_WAIT, NULL, &r);
  if (rc != TB_STORE_OK)
    return rc;
  *skip = j->min_interval > 0 && strcmp(PQgetvalue(r, 0, 0), "t") != 0;
  PQclear(r);
  *seq = 0;
  memset(prev, '0', 64);
  prev[64] = '\0';
  if (*skip)
    return TB_STORE_OK;
  rc = tb_store_exec(s, &S_LATEST, NULL, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(r) == 1) {
    int64_t v = 0;
    tb_store_parse_i64(PQgetvalue(r, 0, 0), &v);
    *seq = (int32_t)v;
    tb_store_copy(prev, 65, PQgetvalue(r, 0, 1));
    double age = strtod(PQgetvalue(r, 0, 2), NULL);
    *skip = j->min_interval > 0 && age < (double)j->min_interval;
  }
  PQclear(r);
  return TB_STORE_OK;
}

/* Sign the canonical text and write the checkpoint row and its line. */
static tb_store_status sign_and_write(tb_store *s, make_job *j, const char *cp,
                                      int64_t at, const char *canonical,
                                      const char *prev) {
  unsigned char *sig = NULL;
  size_t sig_len = 0;
  char key_id[41] = "";
  if (!j->sign(j->cls, canonical, strlen(canonical), &sig, &sig_len, key_id)) {
    tb_log(TB_LOG_ERROR, "store", "the audit checkpoint could not be signed");
    return TB_STORE_ERROR;
  }
  char *sig_hex = tb_xmalloc(2 * sig_len + 1);
  tb_hex_encode(sig, sig_len, sig_hex);
  free(sig);
  uint8_t hash[32];
  char hash_hex[65], at_s[24], size_s[24];
  tb_store_sha256(canonical, strlen(canonical), NULL, 0, hash);
  tb_hex_encode(hash, 32, hash_hex);
  snprintf(at_s, sizeof at_s, "%lld", (long long)at);
  snprintf(size_s, sizeof size_s, "%lld", (long long)j->out->size);
  const char *params[] = {cp,       at_s,      size_s, j->out->root, prev,
                          hash_hex, canonical, key_id, sig_hex};
  tb_store_status rc = tb_store_exec(s, &S_INSERT, params, NULL);
  if (rc == TB_STORE_OK) {
    j->out->line = file_line(canonical, key_id, cp, sig_hex);
    if (!j->out->line)
      rc = TB_STORE_ERROR;
  }
  free(sig_hex);
  return rc;
}

static void format_at(int64_t secs, char out[24]) {
  time_t t = (time_t)secs;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static tb_store_status make_body(tb_store *s, void *cls) {
  make_job *j = cls;
  free(j->out->line);
  memset(j->out, 0, sizeof *j->out);
  int32_t last = 0;
  char prev[65];
  bool skip = false;
  tb_store_status rc = latest_checkpoint(s, j, &last, prev, &skip);
  if (rc != TB_STORE_OK || skip)
    return rc;
  char cp[16];
  snprintf(cp, sizeof cp, "%d", (int)last + 1);
  merkle *m = tb_xcalloc(1, sizeof *m);
  rc = heads_into(s, cp, m);
  if (rc == TB_STORE_OK)
    rc = tombstones(s, cp);
  merkle_root(m, j->out->root);
  j->out->size = m->size;
  free(m);
  if (rc != TB_STORE_OK)
    return rc;
  char sec_hash[65];
  rc = tb_store_security_log_head(s, &j->out->security_seq, sec_hash);
  if (rc != TB_STORE_OK)
    return rc;
  int64_t at = tb_store_now_us() / 1000000;
  char at_text[24], canonical[384];
  format_at(at, at_text);
  snprintf(canonical, sizeof canonical,
           "{\"at\":\"%s\",\"prev\":\"%s\",\"root\":\"%s\",\"security\":"
           "{\"hash\":\"%s\",\"seq\":%lld},\"size\":%lld}",
           at_text, prev, j->out->root, sec_hash,
           (long long)j->out->security_seq, (long long)j->out->size);
  rc = sign_and_write(s, j, cp, at, canonical, prev);
  if (rc == TB_STORE_OK)
    j->out->seq = last + 1;
  return rc;
}

tb_store_status
tb_store_audit_checkpoint(tb_store *s, int64_t min_interval,
                          tb_store_audit_sign_fn sign, void *cls,
                          tb_store_audit_checkpoint_result *out) {
  memset(out, 0, sizeof *out);
  make_job j = {min_interval, sign, cls, out};
  tb_store_status rc = tb_store_run_transaction(s, make_body, &j);
  if (rc != TB_STORE_OK || out->seq == 0) {
    free(out->line);
    memset(out, 0, sizeof *out);
  }
  return rc;
}

/* ---- verifying the checkpoints ------------------------------------------ */

typedef struct {
  const tb_store_audit_checkpoint_inputs *in;
  tb_store_audit_report *r;
  int32_t *line_seq; /* per file line: its seq (0: unreadable) */
  bool *line_seen;
  char prev[65]; /* SHA-256 of the previous canonical text */
  int32_t last_seq;
} cp_check;

static int64_t parse_at(const char *text) {
  struct tm tm = {0};
  if (!text || sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon,
                      &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
    return 0;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return (int64_t)timegm(&tm);
}

/* The line the file should hold for row i. */
static char *expected_line(PGresult *res, int i) {
  return file_line(PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
                   PQgetvalue(res, i, 0), PQgetvalue(res, i, 3));
}

/* Row i against its line in the file. */
static void check_against_file(cp_check *c, PGresult *res, int i, int32_t seq) {
  if (!c->in->have_file)
    return;
  char *want = expected_line(res, i);
  size_t k = 0;
  while (k < c->in->n_lines && c->line_seq[k] != seq)
    k++;
  if (k == c->in->n_lines) {
    tb_store_audit_broken(c->r, TB_AUDIT_CHECKPOINT_NOT_IN_FILE, "", seq,
                          "checkpoint %d is in the database but not in the "
                          "checkpoint file",
                          (int)seq);
  } else {
    c->line_seen[k] = true;
    if (!want || strcmp(want, c->in->lines[k]) != 0)
      tb_store_audit_broken(c->r, TB_AUDIT_CHECKPOINT_FILE_DIFFERS, "", seq,
                            "checkpoint %d in the database differs from its "
                            "line %zu in the checkpoint file",
                            (int)seq, k + 1);
  }
  free(want);
}

/* The columns of row i against its canonical text (signed). */
static bool columns_agree(PGresult *res, int i, json_t *doc) {
  const char *prev = json_string_value(json_object_get(doc, "prev"));
  const char *root = json_string_value(json_object_get(doc, "root"));
  json_t *size = json_object_get(doc, "size");
  return prev && root && json_is_integer(size) &&
         strcmp(prev, PQgetvalue(res, i, 5)) == 0 &&
         strcmp(root, PQgetvalue(res, i, 6)) == 0 &&
         json_integer_value(size) == strtoll(PQgetvalue(res, i, 7), NULL, 10);
}

/* Hash, link and columns of row i. */
static void check_link(cp_check *c, PGresult *res, int i, int32_t seq,
                       json_t *doc) {
  const char *canonical = PQgetvalue(res, i, 1);
  uint8_t hash[32];
  char hex[65];
  tb_store_sha256(canonical, strlen(canonical), NULL, 0, hash);
  tb_hex_encode(hash, 32, hex);
  const char *prev = json_string_value(json_object_get(doc, "prev"));
  if (seq != c->last_seq + 1)
    tb_store_audit_broken(c->r, TB_AUDIT_CHECKPOINT_LINK, "", seq,
                          "checkpoints %d to %d are missing from the database",
                          (int)c->last_seq + 1, (int)seq - 1);
  else if (!prev || strcmp(prev, c->prev) != 0)
    tb_store_audit_broken(c->r, TB_AUDIT_CHECKPOINT_LINK, "", seq,
                          "checkpoint %d does not name checkpoint %d as its "
                          "previous one",
                          (int)seq, (int)seq - 1);
  if (strcmp(hex, PQgetvalue(res, i, 4)) != 0 || !columns_agree(res, i, doc))
    tb_store_audit_broken(c->r, TB_AUDIT_CHECKPOINT_LINK, "", seq,
                          "checkpoint %d's stored hash, prev, root or size "
                          "differ from its signed text",
                          (int)seq);
  memcpy(c->prev, hex, sizeof hex);
  c->last_seq = seq;
}

static void check_signature(cp_check *c, PGresult *res, int i, int32_t seq,
                            json_t *doc) {
  const char *sig_hex = PQgetvalue(res, i, 3);
  size_t n = strlen(sig_hex) / 2;
  unsigned char *sig = tb_xmalloc(n + 1);
  char why[200] = "";
  const char *canonical = PQgetvalue(res, i, 1);
  bool ok = tb_hex_decode(sig_hex, 2 * n, sig, n) &&
            c->in->check(
                c->in->cls, PQgetvalue(res, i, 2), canonical, strlen(canonical),
                sig, n, parse_at(json_string_value(json_object_get(doc, "at"))),
                why, sizeof why);
  free(sig);
  if (!ok)
    tb_store_audit_broken(c->r, TB_AUDIT_CHECKPOINT_SIGNATURE, "", seq,
                          "checkpoint %d's signature does not verify: %s",
                          (int)seq, why[0] ? why : "malformed");
}

static void check_row(cp_check *c, PGresult *res, int i) {
  int64_t seq = 0;
  tb_store_parse_i64(PQgetvalue(res, i, 0), &seq);
  json_error_t err;
  json_t *doc = json_loads(PQgetvalue(res, i, 1), 0, &err);
  check_link(c, res, i, (int32_t)seq, doc);
  if (c->in->check)
    check_signature(c, res, i, (int32_t)seq, doc);
  check_against_file(c, res, i, (int32_t)seq);
  json_decref(doc);
  c->r->checkpoints++;
}

/* The seq of every file line (0 when it is not a checkpoint line). */
static void index_lines(cp_check *c) {
  for (size_t k = 0; k < c->in->n_lines; k++) {
    json_error_t err;
    json_t *doc = json_loads(c->in->lines[k], 0, &err);
    json_t *seq = json_object_get(doc, "seq");
    c->line_seq[k] =
        json_is_integer(seq) ? (int32_t)json_integer_value(seq) : 0;
    json_decref(doc);
  }
}

static void lines_not_in_db(cp_check *c) {
  for (size_t k = 0; k < c->in->n_lines; k++) {
    if (c->line_seen[k])
      continue;
    if (c->line_seq[k] <= 0)
      tb_store_audit_broken(c->r, TB_AUDIT_CHECKPOINT_FILE_DIFFERS, "", 0,
                            "line %zu of the checkpoint file is not a "
                            "checkpoint",
                            k + 1);
    else
      tb_store_audit_broken(c->r, TB_AUDIT_CHECKPOINT_NOT_IN_DB, "",
                            c->line_seq[k],
                            "checkpoint %d of the checkpoint file (line %zu) "
                            "is missing from the database",
                            (int)c->line_seq[k], k + 1);
  }
}

/* One recorded head (of checkpoint cp) against its chain now; true when
 * it is broken. */
static bool check_head(tb_store_audit_report *r, PGresult *res, int i) {
  const char *number = PQgetvalue(res, i, 2);
  int64_t cp = 0, seq = 0, last = 0;
  tb_store_parse_i64(PQgetvalue(res, i, 1), &cp);
  tb_store_parse_i64(PQgetvalue(res, i, 3), &seq);
  if (strcmp(PQgetvalue(res, i, 5), "t") != 0) {
    tb_store_audit_broken(r, TB_AUDIT_DELETED, number, (int32_t)seq,
                          "checkpoint %lld covers this application at event "
                          "%lld, and it is gone",
                          (long long)cp, (long long)seq);
    return true;
  }
  if (!PQgetisnull(res, i, 6))
    tb_store_parse_i64(PQgetvalue(res, i, 6), &last);
  if (last < seq) {
    tb_store_audit_broken(r, TB_AUDIT_TRUNCATED, number, (int32_t)seq,
                          "the chain ends at event %lld but checkpoint %lld "
                          "recorded event %lld as its head (events removed)",
                          (long long)last, (long long)cp, (long long)seq);
    return true;
  }
  if (strcmp(PQgetvalue(res, i, 4), PQgetvalue(res, i, 7)) == 0)
    return false;
  tb_store_audit_broken(r, TB_AUDIT_REHASHED, number, (int32_t)seq,
                        "event %lld's hash differs from the one checkpoint "
                        "%lld recorded (%.16s…): the chain was rewritten and "
                        "hashed again",
                        (long long)seq, (long long)cp, PQgetvalue(res, i, 4));
  return true;
}

/* Every head any checkpoint recorded against the chains now: the first
 * break of each application is reported. */
static tb_store_status check_recorded(tb_store *s, const char *number,
                                      tb_store_audit_report *r) {
  char app[24] = "0", cp[16] = "0", reported[24] = "";
  tb_store_status rc = TB_STORE_OK;
  for (int n = 1; n > 0 && rc == TB_STORE_OK;) {
    const char *params[] = {app, cp, number};
    PGresult *res;
    rc = tb_store_exec(s, &S_RECORDED, params, &res);
    if (rc != TB_STORE_OK)
      break;
    n = PQntuples(res);
    for (int i = 0; i < n; i++) {
      tb_store_copy(app, sizeof app, PQgetvalue(res, i, 0));
      tb_store_copy(cp, sizeof cp, PQgetvalue(res, i, 1));
      if (strcmp(app, reported) != 0 && check_head(r, res, i))
        tb_store_copy(reported, sizeof reported, app);
    }
    PQclear(res);
  }
  return rc;
}

/* The heads recorded for checkpoint cp against its signed root and
 * size. */
static tb_store_status check_root(tb_store *s, tb_store_audit_report *r,
                                  int32_t cp, const char *root, int64_t size) {
  merkle *m = tb_xcalloc(1, sizeof *m);
  char cp_s[16], last[24] = "0";
  snprintf(cp_s, sizeof cp_s, "%d", (int)cp);
  tb_store_status rc = TB_STORE_OK;
  for (int n = 1; n > 0 && rc == TB_STORE_OK;) {
    const char *params[] = {cp_s, last};
    PGresult *res;
    rc = tb_store_exec(s, &S_LEAVES, params, &res);
    if (rc != TB_STORE_OK)
      break;
    n = PQntuples(res);
    for (int i = 0; i < n; i++) {
      int64_t seq = 0;
      tb_store_parse_i64(PQgetvalue(res, i, 2), &seq);
      if (seq > 0)
        merkle_add(m, PQgetvalue(res, i, 1), seq, PQgetvalue(res, i, 3));
      tb_store_copy(last, sizeof last, PQgetvalue(res, i, 0));
    }
    PQclear(res);
  }
  char got[65];
  merkle_root(m, got);
  r->covered = m->size;
  if (rc == TB_STORE_OK && (m->size != size || strcmp(got, root) != 0))
    tb_store_audit_broken(r, TB_AUDIT_CHECKPOINT_HEADS, "", cp,
                          "the heads recorded for checkpoint %d give %lld "
                          "leaves and root %.16s…, it signed %lld and "
                          "%.16s…: recorded heads were changed or removed",
                          (int)cp, (long long)m->size, got, (long long)size,
                          root);
  free(m);
  return rc;
}

/* The security log's heads the checkpoints signed, against it now. */
static tb_store_status security_heads(tb_store *s, PGresult *res,
                                      tb_store_audit_report *r) {
  int n = PQntuples(res);
  const char **texts = tb_xcalloc((size_t)n + 1, sizeof *texts);
  int32_t *seqs = tb_xcalloc((size_t)n + 1, sizeof *seqs);
  for (int i = 0; i < n; i++) {
    int64_t seq = 0;
    tb_store_parse_i64(PQgetvalue(res, i, 0), &seq);
    seqs[i] = (int32_t)seq;
    texts[i] = PQgetvalue(res, i, 1);
  }
  tb_store_status rc =
      tb_store_security_log_check_heads(s, texts, seqs, (size_t)n, r);
  free(texts);
  free(seqs);
  return rc;
}

tb_store_status
tb_store_audit_verify_checkpoints(tb_store *s,
                                  const tb_store_audit_checkpoint_inputs *in,
                                  tb_store_audit_report *r) {
  if (in->number)
    return check_recorded(s, in->number, r);
  PGresult *res;
  tb_store_status rc = tb_store_exec(s, &S_ALL, NULL, &res);
  if (rc != TB_STORE_OK)
    return rc;
  cp_check c = {.in = in, .r = r};
  memset(c.prev, '0', 64);
  c.line_seq = tb_xcalloc(in->n_lines + 1, sizeof *c.line_seq);
  c.line_seen = tb_xcalloc(in->n_lines + 1, sizeof *c.line_seen);
  index_lines(&c);
  int n = PQntuples(res);
  for (int i = 0; i < n; i++)
    check_row(&c, res, i);
  rc = security_heads(s, res, r);
  if (in->have_file)
    lines_not_in_db(&c);
  if (n > 0 && !in->check) {
    r->unchecked = true;
    tb_store_copy(r->why_unchecked, sizeof r->why_unchecked,
                  "no trust list: the checkpoints' signatures were not "
                  "checked");
  } else if (n > 0 && !in->have_file) {
    r->unchecked = true;
    tb_store_copy(r->why_unchecked, sizeof r->why_unchecked,
                  "the checkpoint file could not be read");
  }
  if (rc == TB_STORE_OK && n > 0) { /* the latest, by its root and size */
    json_error_t err;
    json_t *doc = json_loads(PQgetvalue(res, n - 1, 1), 0, &err);
    const char *root = json_string_value(json_object_get(doc, "root"));
    json_t *size = json_object_get(doc, "size");
    r->latest = c.last_seq;
    rc = check_recorded(s, NULL, r);
    if (rc == TB_STORE_OK)
      rc = check_root(s, r, c.last_seq, root ? root : "",
                      json_is_integer(size) ? json_integer_value(size) : -1);
    json_decref(doc);
  }
  PQclear(res);
  free(c.line_seq);
  free(c.line_seen);
  return rc;
}
