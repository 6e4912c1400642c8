/*
 * tb_store_security_log.h — the security log: one append-only hash chain
 * of security events in the database (store/tb_store_security_log.c,
 * sql/0015_security_log.sql), covered by the signed audit checkpoints and
 * by `tongban audit verify`.
 *
 * Writing an event is one call where the event happens:
 *
 *   tb_store_security_event ev = {
 *       .kind = "account_disabled", .actor = who, .subject = "account:bob",
 *       .outcome = TB_SECURITY_OK, .details = "{\"by\":\"admin\"}"};
 *   rc = tb_store_security_log_append(s, &ev);
 *
 * Inside a transaction (a tb_store_run_transaction body) the event joins
 * that transaction: it is written with the change or not at all. Append
 * it as the body's last statement: it takes the log's lock, which is then
 * held until COMMIT. Outside a transaction it runs in its own (a failed
 * login: nothing else changes). In api/, api_security_log (tb_api_int.h)
 * fills the actor and the client address from the request.
 *
 * Ownership: every string is only read during the call; JSON read back is
 * malloc'd and the caller's to free.
 */
#ifndef TB_STORE_SECURITY_LOG_H
#define TB_STORE_SECURITY_LOG_H

#include "tb_store.h"
#include "tb_store_audit.h"

#include <jansson.h>

/* Who did it. */
typedef enum {
  TB_SECURITY_ANONYMOUS = 0, /* no session (a login attempt) */
  TB_SECURITY_ACCOUNT,       /* a logged-in account: name is its user name */
  TB_SECURITY_CLI,           /* a `tongban` command: name is the OS user */
  TB_SECURITY_SYSTEM         /* the server itself (at its start) */
} tb_store_security_actor_kind;

typedef struct tb_store_security_actor {
  tb_store_security_actor_kind kind;
  const char *name;    /* 1..64 bytes, or NULL */
  const char *address; /* the client's address (requests), or NULL */
} tb_store_security_actor;

/* How it ended. */
typedef enum {
  TB_SECURITY_OK = 0,  /* "ok" */
  TB_SECURITY_FAILED,  /* "failed": a wrong password, a bad input … */
  TB_SECURITY_LOCKED,  /* "locked": refused by a lockout */
  TB_SECURITY_REFUSED, /* "refused": not allowed */
  TB_SECURITY_OUTCOME_COUNT
} tb_store_security_outcome;

typedef struct {
  const char *kind; /* lower case words joined by '_' ("login", "logout",
                       "account_created", "definition_deployed",
                       "key_rotated", "keys_initialized",
                       "calendar_loaded" …), at most 64 bytes */
  tb_store_security_actor actor;
  const char *subject; /* "TYPE:NAME" ("account:alice", "definition:qykb@3",
                          "key:sw", "calendar:2027"); NULL: "" */
  tb_store_security_outcome outcome;
  const char *details; /* a JSON object (stored canonical); NULL: {} */
} tb_store_security_event;

/* The names stored for an actor kind and an outcome ("account", "ok" …). */
const char *tb_store_security_actor_name(tb_store_security_actor_kind k);
const char *tb_store_security_outcome_name(tb_store_security_outcome o);

/* Append one event to the security log: in the open transaction if there
 * is one (its last statement, see above), else in its own. *seq (may be
 * NULL) receives its number. TB_STORE_INVALID when the event is malformed
 * (a kind that is not lower case words, details that are not a JSON
 * object, a string that is not UTF-8 or too long); it is logged. */
tb_store_status tb_store_security_log_append(tb_store *s,
                                             const tb_store_security_event *e,
                                             int64_t *seq);

/* The same with the event's parts given one by one and details a JSON
 * object (NULL: {}), taken over (decref'd here): what most callers
 * write. */
tb_store_status tb_store_security_log_add(tb_store *s, const char *kind,
                                          const tb_store_security_actor *who,
                                          const char *subject,
                                          tb_store_security_outcome outcome,
                                          json_t *details);

/* One page of the log, newest first, as the JSON object
 *   {"items": [{"seq","at","kind","actor","actor_kind","address",
 *               "subject","outcome","details"}…], "total": N,
 *    "next": "SEQ" | null}
 * filtered by every field that is set; total counts every event of the
 * filter; next is the cursor of the following page (after). */
typedef struct {
  const char *kind;  /* NULL: every kind */
  const char *actor; /* NULL: every actor (a user name, or an OS user) */
  const char *from;  /* "YYYY-MM-DD", Beijing time, inclusive; NULL: any */
  const char *to;    /* "YYYY-MM-DD", inclusive; NULL: any */
  int limit;         /* 1..500; 0: 100 */
  int64_t after;     /* events before this seq; 0: from the newest */
} tb_store_security_query;
tb_store_status tb_store_security_log_read(tb_store *s,
                                           const tb_store_security_query *q,
                                           char **json);

/* Recompute the whole security chain into r (after tb_store_audit_verify
 * of every application, as `tongban audit verify` does): every forged event
 * (forged_event) and broken link (broken_link) is recorded, with the
 * break's `security` set; r->security_events counts the events. */
tb_store_status tb_store_security_log_verify(tb_store *s,
                                             tb_store_audit_report *r);

/* The security head for a new checkpoint: the last event's seq (0: none)
 * and its hash as hex (64 zeros: none). */
tb_store_status tb_store_security_log_head(tb_store *s, int64_t *seq,
                                           char hash_hex[65]);

/* Every checkpoint's signed security head (canonical: the n checkpoints'
 * signed texts, in order; seqs: their numbers) against the chain now: the
 * first
 * checkpoint whose head is gone (truncated) or has another hash
 * (rehashed) is recorded. Checkpoints made before the log existed have
 * no head and are skipped. */
tb_store_status tb_store_security_log_check_heads(tb_store *s,
                                                  const char *const *canonical,
                                                  const int32_t *seqs, size_t n,
                                                  tb_store_audit_report *r);

#endif /* TB_STORE_SECURITY_LOG_H */
