/*
 * tb_store_audit.h — the audit trail's verifier and its signed
 * checkpoints.
 *
 * Every application's events form a hash chain written in the transaction
 * of each change (store/tb_store_audit.c; the writer is internal to the
 * store, and the database refuses anything that does not extend a chain:
 * sql/0005_audit_guard.sql). A checkpoint (store/tb_store_checkpoint.c),
 * in the manner of Certificate Transparency's signed tree heads, is a
 * Merkle tree (RFC 9162 hashing) over every application's chain head,
 * signed with the platform's audit key: a later change of a chain that
 * the checkpoint covered — forged, cut, re-hashed or deleted — no longer
 * agrees with it. The store signs and checks signatures through callbacks
 * (it does not know the license module).
 *
 * Ownership: reports and results are the caller's; strings passed in are
 * only read during the call.
 */
#ifndef TB_STORE_AUDIT_H
#define TB_STORE_AUDIT_H

#include "tb_store.h"

/* What kind of break verification found. */
typedef enum {
  TB_AUDIT_FORGED_EVENT = 0,     /* an event's hash does not match its bytes */
  TB_AUDIT_BROKEN_LINK,          /* prev_hash is not the previous event's hash,
                                    or events are missing in the middle */
  TB_AUDIT_HEAD_MISMATCH,        /* the application's recorded head is not the
                                    last event of its chain */
  TB_AUDIT_TRUNCATED,            /* the chain is shorter than a checkpoint's
                                    head for it */
  TB_AUDIT_REHASHED,             /* the chain links, but the event at the
                                    checkpointed head has another hash */
  TB_AUDIT_DELETED,              /* in a checkpoint, missing now */
  TB_AUDIT_CHECKPOINT_SIGNATURE, /* the signature does not verify */
  TB_AUDIT_CHECKPOINT_LINK,      /* hash, prev or seq do not chain */
  TB_AUDIT_CHECKPOINT_HEADS,     /* the recorded heads do not give the
                                    signed root and size */
  TB_AUDIT_CHECKPOINT_NOT_IN_FILE,  /* in the database, not in the file */
  TB_AUDIT_CHECKPOINT_FILE_DIFFERS, /* in both, but not the same */
  TB_AUDIT_CHECKPOINT_NOT_IN_DB,    /* in the file, not in the database */
  TB_AUDIT_KIND_COUNT
} tb_store_audit_kind;

/* The kind's stable name ("forged_event", "broken_link", "head_mismatch",
 * "truncated", "rehashed", "deleted_application", "checkpoint_signature",
 * "checkpoint_link", "checkpoint_heads", "checkpoint_not_in_file",
 * "checkpoint_file_differs", "checkpoint_not_in_database"). */
const char *tb_store_audit_kind_name(tb_store_audit_kind k);

typedef struct {
  tb_store_audit_kind kind;
  char number[TB_APP_NUMBER_LEN + 1]; /* the application; "" for a
                                         checkpoint's own break */
  int32_t seq;                        /* the event, or the checkpoint */
  char what[256];                     /* what differs, in words */
  bool security; /* a break of the security log (number is ""; seq is
                    its event) */
} tb_store_audit_break;

#define TB_STORE_AUDIT_MAX_BREAKS 128 /* kept; more are only counted */

typedef struct {
  int64_t chains;      /* applications checked */
  int64_t events;      /* events checked */
  int64_t checkpoints; /* checkpoints checked */
  int32_t latest;      /* the checkpoint chains were compared with (0: none) */
  int64_t covered;     /* applications that checkpoint covers */
  int64_t security_events; /* events of the security log checked */
  bool broken;             /* n_breaks > 0; the first one is also here: */
  char number[TB_APP_NUMBER_LEN + 1];
  int32_t seq;
  char what[256];
  size_t n_breaks; /* every break found … */
  tb_store_audit_break breaks[TB_STORE_AUDIT_MAX_BREAKS]; /* … the first */
  bool unchecked; /* something could not be checked: */
  char why_unchecked[256];
} tb_store_audit_report;

/* Recompute every chain (or one application's), going on past a broken
 * one, and record every break in r (zeroed first). TB_STORE_OK whether or
 * not anything is broken: see r; TB_STORE_NOT_FOUND for an unknown
 * number. */
tb_store_status tb_store_audit_verify(tb_store *s, const char *number,
                                      tb_store_audit_report *r);

/* ---- checkpoints ------------------------------------------------------ */

/* Sign data with the platform's audit key: *sig is malloc'd (freed by
 * the store), key_id receives the key's id (40 hex digits). false when it
 * could not sign. */
typedef bool (*tb_store_audit_sign_fn)(void *cls, const void *data, size_t len,
                                       unsigned char **sig, size_t *sig_len,
                                       char key_id[41]);

typedef struct {
  int32_t seq;  /* 0: none made (another node made one within the interval) */
  int64_t size; /* applications covered */
  char root[65];
  int64_t security_seq; /* the security log's head it signed (0: empty) */
  char *line;           /* the checkpoint as one line of the checkpoint file (no
                           newline; malloc'd, the caller frees it), or NULL */
} tb_store_audit_checkpoint_result;

/* Make the next signed checkpoint in its own transaction: the Merkle root
 * over every application's head, the canonical JSON
 * {"at","prev","root","size"} signed through sign, written with the heads
 * that changed since the checkpoint before. With min_interval > 0 only if
 * no other node holds the checkpoint lock and the latest checkpoint is at
 * least min_interval seconds old (else TB_STORE_OK with out->seq 0): what
 * a server calls on its timer; 0 waits for the lock and always makes one.
 * The file line is returned, not written: the caller appends it after the
 * commit. */
tb_store_status
tb_store_audit_checkpoint(tb_store *s, int64_t min_interval,
                          tb_store_audit_sign_fn sign, void *cls,
                          tb_store_audit_checkpoint_result *out);

/* Check a platform audit signature by key id at time `at` (Unix seconds);
 * false (with why filled) when it does not verify. */
typedef bool (*tb_store_audit_check_fn)(void *cls, const char *key_id,
                                        const void *data, size_t len,
                                        const unsigned char *sig,
                                        size_t sig_len, int64_t at, char *why,
                                        size_t why_size);

typedef struct {
  const char *number;            /* one application: only the heads the
                                    checkpoints recorded for it, against
                                    its chain (nothing below is used) */
  tb_store_audit_check_fn check; /* NULL: no trust list, signatures not
                                    checked (r->unchecked) */
  void *cls;
  const char *const *lines; /* the checkpoint file's lines (no newlines) */
  size_t n_lines;
  bool have_file; /* false: the file could not be read (r->unchecked) */
} tb_store_audit_checkpoint_inputs;

/* Add to r (after tb_store_audit_verify of every chain) what the
 * checkpoints say: each checkpoint's hash, link and signature, each
 * against its line in the file and every line against the database;
 * every head any checkpoint recorded against its chain now (deleted,
 * truncated, re-hashed: the first of each application); and the heads
 * recorded for the latest checkpoint against its signed root and size. */
tb_store_status
tb_store_audit_verify_checkpoints(tb_store *s,
                                  const tb_store_audit_checkpoint_inputs *in,
                                  tb_store_audit_report *r);

#endif /* TB_STORE_AUDIT_H */
