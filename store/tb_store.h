/*
 * tb_store.h — tongban's durable store: the handle, its status codes and
 * options, transactions and schema migrations.
 *
 * The store is PostgreSQL behind every transition. Its interface is split
 * by job, one header each, all built on this one:
 *
 *   tb_store_definitions.h  definitions, bureau lists, the calendar, and
 *                           the loader the caller passes in
 *   tb_store_applications.h applications and transitions
 *   tb_store_timers.h       timers and the scheduler thread
 *   tb_store_read.h         read models (JSON text) and the tracking view
 *   tb_store_supervision.h  supervision and the LISTEN connection
 *   tb_store_accounts.h     accounts, sessions, failure throttles
 *   tb_store_licenses.h     electronic licenses, and the issuance handler
 *                           the caller passes in
 *   tb_store_idempotency.h  idempotency keys
 *   tb_store_audit.h        the audit chain's verifier
 *   tb_store_metrics.h      counters and gauges for an operator's metrics
 *   tb_store_intake.h       alerts of spent application-number pools
 *   tb_store_cluster.h      the embedded cluster manager (its own files)
 *
 * The store uses only the engine and libpq (plus jansson for JSON and
 * libcrypto for SHA-256). What it cannot do on its own arrives from the
 * caller through tb_store_options: the XML loader of definitions and
 * bureau lists, and the handler that builds and signs licenses.
 *
 * Ownership: a tb_store handle owns its connection and its caches; it is
 * used by one thread at a time (open one per thread). Strings passed in are
 * only read during the call. Pointers handed out (definitions, the
 * calendar) stay valid until the handle is closed. SQL errors go to the log
 * (engine/tb_log.h), never into a returned message.
 */
#ifndef TB_STORE_H
#define TB_STORE_H

#include "tb_engine.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------
 * Status
 * ---------------------------------------------------------------------- */

typedef enum {
  TB_STORE_OK = 0,
  TB_STORE_NOT_FOUND,   /* no such application, definition, task, key */
  TB_STORE_REFUSED,     /* the engine refused the event; see the problem */
  TB_STORE_INVALID,     /* malformed input; see the problem */
  TB_STORE_CONFLICT,    /* a changed file under an existing version; an
                           idempotency key reused for another request */
  TB_STORE_REPLAY,      /* an idempotency key seen before: replay */
  TB_STORE_UNAVAILABLE, /* the database cannot be reached (HTTP 503) */
  TB_STORE_BUSY,        /* retries on serialization failure exhausted */
  TB_STORE_SCHEMA,      /* the schema is newer than (or differs from)
                           the binary's migrations */
  TB_STORE_ERROR,       /* anything else; the details are in the log */
  TB_STORE_UNKNOWN      /* the connection was lost during COMMIT: the
                           change may or may not have been committed
                           (HTTP 503; an Idempotency-Key makes the retry
                           exactly-once) */
} tb_store_status;

/* A stable lower-case name: "ok", "not_found", "refused", … Never NULL. */
const char *tb_store_status_name(tb_store_status s);

/* ------------------------------------------------------------------------
 * Handles
 * ---------------------------------------------------------------------- */

typedef struct tb_store tb_store;

/* Defined in tb_store_definitions.h and tb_store_licenses.h. */
typedef struct tb_store_loader tb_store_loader;
typedef struct tb_store_license_handler tb_store_license_handler;
/* Defined in tb_store_metrics.h. */
typedef struct tb_store_counters tb_store_counters;
/* Defined in tb_store_events.h. */
typedef struct tb_store_event_hook tb_store_event_hook;

typedef struct {
  const char *conninfo; /* libpq URL or "key=value" string */
  int idempotency_ttl;  /* seconds an idempotency key is kept;
                           0: 86400 (one day) */
  int max_attempts;     /* tries of a transaction; 0: 10 */
  const char *region;   /* 6-digit region code of new application
                           numbers; NULL: "330100" */
  /* The XML loader of definitions and bureau lists (copied). NULL: the
   * handle cannot store definitions nor read them back (tools that only
   * migrate, verify the audit chain or add accounts). */
  const tb_store_loader *loader;
  /* The license issuance handler (copied; its cls must outlive the
   * handle). NULL: TB_EFFECT_ISSUE_LICENSE is logged and skipped. */
  const tb_store_license_handler *licenses;
  /* Counters the handle adds to (borrowed; must outlive the handle).
   * NULL: nothing is counted. */
  tb_store_counters *counters;
  /* Seconds a session may go without a person's request before
   * tb_store_session_find refuses it (sessions.last_active_at); 0: 1800
   * (30 minutes). */
  int session_idle;
  /* Told after COMMIT of every transaction that wrote change events
   * (copied; tb_store_events.h). NULL: nobody is told. */
  const tb_store_event_hook *events;
} tb_store_options;

/* Connect. On success *out is a new handle; on TB_STORE_UNAVAILABLE *out
 * is NULL and err (if not NULL) holds a message naming where the
 * connection was tried and what to check. The options' strings, loader
 * and handler are copied. */
tb_store_status tb_store_open(const tb_store_options *o, tb_store **out,
                              char *err, size_t err_len);
void tb_store_close(tb_store *s); /* NULL is fine */

/* Whether the connection is up now (a cheap local check), and a forced
 * reconnection attempt (TB_STORE_OK or TB_STORE_UNAVAILABLE). Every other
 * call reconnects by itself when it finds the connection gone. */
bool tb_store_connected(const tb_store *s);
tb_store_status tb_store_reconnect(tb_store *s);

/* SELECT 1: whether the database answers now. */
tb_store_status tb_store_ping(tb_store *s);

/* ------------------------------------------------------------------------
 * Transactions
 * ---------------------------------------------------------------------- */

/* The transaction body for tb_store_run_transaction: return TB_STORE_OK to
 * commit, anything else to roll back (that status is then returned). It
 * may run several times (retries), so it must not keep effects outside
 * the database between runs. */
typedef tb_store_status (*tb_store_txn_fn)(tb_store *s, void *cls);

/* BEGIN; fn; COMMIT — the transaction contract (DESIGN.md):
 * - every statement's outcome is OK, soft (40001, 40P01: the whole
 *   transaction is retried with jittered backoff, at most max_attempts
 *   times, then TB_STORE_BUSY) or hard;
 * - a failed statement is remembered on the handle: when fn returns
 *   TB_STORE_OK after a statement of its failed (a failure it swallowed),
 *   COMMIT is not sent, the transaction is rolled back and the failure is
 *   returned (TB_STORE_ERROR, or UNAVAILABLE when the connection went);
 * - COMMIT's own command status is checked: PostgreSQL answers COMMIT in
 *   an aborted transaction with ROLLBACK, which is TB_STORE_ERROR here;
 * - a connection lost while COMMIT was on its way is TB_STORE_UNKNOWN.
 * TB_STORE_OK means committed, and nothing else does. */
tb_store_status tb_store_run_transaction(tb_store *s, tb_store_txn_fn fn,
                                         void *cls);

/* Fault injection (test builds only: meson -Dfault_injection=true). Make
 * statement n (1 = the first after BEGIN; COMMIT counts as the last; 0 =
 * COMMIT, whichever number it has) of the handle's next transaction
 * fail, once: TB_STORE_FAULT_HARD with a
 * real server-side error, _SOFT with a real serialization failure
 * (40001), _LOST by shutting the socket before the statement is sent,
 * _LOST_AFTER by shutting it after the statement was sent and before its
 * answer was read (for COMMIT: the outcome is unknown). The transaction's
 * first attempt uses the fault; a retry runs clean. Returns false when
 * the build has no fault injection (then nothing is armed). */
typedef enum {
  TB_STORE_FAULT_NONE = 0,
  TB_STORE_FAULT_HARD,
  TB_STORE_FAULT_SOFT,
  TB_STORE_FAULT_LOST,
  TB_STORE_FAULT_LOST_AFTER
} tb_store_fault;
bool tb_store_fault_arm(tb_store *s, int n, tb_store_fault kind);
/* After the transaction: whether the armed fault fired (false when n was
 * past its last statement), and how many statements its first attempt
 * issued, COMMIT included (a deferred write counts when it is queued, in
 * the order the code issues it; BEGIN does not count). */
bool tb_store_fault_fired(const tb_store *s);
int tb_store_fault_statements(const tb_store *s);

/* The round trips to PostgreSQL the handle made since it was opened:
 * each statement sent alone, each statement prepared, each pipeline of
 * deferred writes (with the statement or the COMMIT that flushed it) and
 * each ROLLBACK counts one. Reconnections do not count. Cheap: a
 * counter on the handle, for tests and measurements. */
unsigned long long tb_store_round_trips(const tb_store *s);

/* ------------------------------------------------------------------------
 * Schema migrations (sql/NNNN_*.sql, embedded at build time)
 * ---------------------------------------------------------------------- */

/* The newest schema version this binary knows. */
int tb_store_schema_latest(void);

/* Apply the pending migrations, each in its own transaction, under an
 * advisory lock (concurrent runners wait). *from / *to (may be NULL) get
 * the versions before and after. TB_STORE_SCHEMA when the database is
 * newer than the binary or an applied migration differs from the
 * embedded one; msg then says which versions. */
tb_store_status tb_store_migrate(tb_store *s, int *from, int *to, char *msg,
                                 size_t msg_len);

/* The database's schema version (0: none) without changing anything. */
tb_store_status tb_store_schema_version(tb_store *s, int *version);

#endif /* TB_STORE_H */
