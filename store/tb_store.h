/*
 * tb_store.h — the public interface of tongban's durable store.
 *
 * PostgreSQL behind every transition: connections with automatic
 * reconnection, the migrations runner (the SQL is embedded in the binary),
 * transactions with bounded retry, one transition = one transaction
 * (lock, engine step, state, tasks, timers, audit event, NOTIFY), the
 * timer scheduler, idempotency keys, definitions and the calendar kept in
 * the database, the audit-chain verifier, and the embedded cluster
 * manager behind `tongban serve` with no --db.
 *
 * Ownership: a tb_store handle owns its connection and its caches; it is
 * used by one thread at a time (open one per thread). Strings passed in are
 * only read during the call. Pointers handed out (definitions, the
 * calendar) stay valid until the handle is closed. SQL errors go to the log
 * (stderr), never into a returned message.
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

typedef struct {
  const char *conninfo; /* libpq URL or "key=value" string */
  int idempotency_ttl;  /* seconds an idempotency key is kept;
                           0: 86400 (one day) */
  int max_attempts;     /* tries of a transaction; 0: 10 */
  const char *region;   /* 6-digit region code of new application
                           numbers; NULL: "330100" */
} tb_store_options;

/* Connect. On success *out is a new handle; on TB_STORE_UNAVAILABLE *out
 * is NULL and err (if not NULL) holds a message naming where the
 * connection was tried and what to check. The options' strings are copied. */
tb_store_status tb_store_open(const tb_store_options *o, tb_store **out,
                              char *err, size_t err_len);
void tb_store_close(tb_store *s); /* NULL is fine */

/* Whether the connection is up now (a cheap local check), and a forced
 * reconnection attempt (TB_STORE_OK or TB_STORE_UNAVAILABLE). Every other
 * call reconnects by itself when it finds the connection gone. */
bool tb_store_connected(const tb_store *s);
tb_store_status tb_store_reconnect(tb_store *s);

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
 * sent, COMMIT included. */
bool tb_store_fault_fired(const tb_store *s);
int tb_store_fault_statements(const tb_store *s);

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

/* ------------------------------------------------------------------------
 * Workflow definitions and bureaus
 * ---------------------------------------------------------------------- */

typedef struct {
  char id[64];
  uint32_t version;
  bool inserted; /* false: the same file was loaded before */
} tb_store_definition_info;

/* Store the bureau list (bureaus.xml) that definitions are checked
 * against. Later definitions use the most recently stored list. */
tb_store_status tb_store_bureaus_put(tb_store *s, const char *xml, size_t len,
                                     const char *file, tb_problem *p);

/* Check a definition with the loader (against the stored bureaus) and
 * store it by (id, version, SHA-256). Loading the same bytes again is a
 * no-op; other bytes under an existing version give TB_STORE_CONFLICT. */
tb_store_status tb_store_definition_put(tb_store *s, const char *xml,
                                        size_t len, const char *file,
                                        tb_store_definition_info *info,
                                        tb_problem *p);

/* Load bureaus.xml and every *.xml of a folder (sorted by name). Stops at
 * the first failure, which is described in *p with the file name. */
tb_store_status tb_store_definitions_load_dir(tb_store *s, const char *dir,
                                              size_t *loaded, tb_problem *p);

/* A stored definition; version 0 means the newest. *out belongs to the
 * handle's cache and stays valid until tb_store_close. */
tb_store_status tb_store_definition_get(tb_store *s, const char *id,
                                        uint32_t version,
                                        const tb_definition **out);

/* ------------------------------------------------------------------------
 * The working-day calendar
 * ---------------------------------------------------------------------- */

/* Parse the calendar text (tb_calendar_parse: all or nothing, "line N: …"
 * in *p) and store its days in one transaction; days already stored are
 * replaced, others kept. *days gets how many days the text held. */
tb_store_status tb_store_calendar_load(tb_store *s, const char *text,
                                       size_t len, size_t *days, tb_problem *p);

/* The stored calendar, cached per handle and reloaded when a load has
 * changed it. Valid until the next call on the handle. */
tb_store_status tb_store_calendar_get(tb_store *s, const tb_calendar **out);

/* ------------------------------------------------------------------------
 * Applications and transitions
 * ---------------------------------------------------------------------- */

/* Who acts, as recorded in the audit trail. */
typedef struct {
  int64_t id;         /* account id; 0 for the applicant or the system */
  const char *name;   /* login or display name */
  const char *role;   /* "clerk", "officer", "applicant", "inspector",
                         "admin", "system" */
  const char *bureau; /* the actor's bureau code, or NULL */
} tb_store_actor;

/* What a transition did. */
typedef struct {
  tb_status engine;       /* the engine's verdict */
  tb_problem problem;     /* why, when the engine refused */
  int64_t application_id; /* internal row id */
  char number[TB_APP_NUMBER_LEN + 1];
  const tb_definition *def; /* the version the application runs on */
  tb_app_state before, after;
  tb_effects effects;
  int32_t seq; /* the audit event written; 0 if none (ignored timer) */
} tb_store_outcome;

/* Called inside the transition's transaction after everything is written
 * and before COMMIT (licenses, idempotency answers …). Returning anything
 * but TB_STORE_OK rolls the whole transition back. May run several times. */
typedef tb_store_status (*tb_store_after_fn)(tb_store *s,
                                             const tb_store_outcome *o,
                                             void *cls);

/* One transition in one transaction: lock the application row, load its
 * state, definition (the version it started with), form and calendar,
 * run tb_engine_step, write the state, tasks and timers, append the audit
 * event (payload: NULL or a JSON object kept in the event), NOTIFY
 * "tongban", call `after`, COMMIT. Retried as a whole on 40001/40P01.
 * TB_STORE_REFUSED (out->problem says why) leaves nothing changed.
 * out may not be NULL. */
tb_store_status
tb_store_transition(tb_store *s, const char *number, const tb_event *ev,
                    const tb_store_actor *actor, const char *payload,
                    tb_store_after_fn after, void *cls, tb_store_outcome *out);

/* The same, inside a transaction the caller runs with
 * tb_store_run_transaction (to combine it with an idempotency key). */
tb_store_status tb_store_transition_in(tb_store *s, const char *number,
                                       const tb_event *ev,
                                       const tb_store_actor *actor,
                                       const char *payload,
                                       tb_store_outcome *out);

/* Tracking codes: 10 characters of a 31-letter alphabet without look-alikes
 * (23456789ABCDEFGHJKMNPQRSTUVWXYZ), drawn uniformly by rejection
 * sampling: 10 · log2(31) ≈ 49.5 bits. */
#define TB_STORE_TRACKING_CODE_LEN 10

typedef struct {
  const char *definition_id; /* its newest version is used (and kept) */
  tb_applicant_kind kind;    /* person or organization */
  const char *name;
  const char *id_number; /* citizen ID or credit code, checked */
  const char *form;      /* JSON object: field id → string, number,
                            boolean, or array of choice values */
  tb_channel channel;
  uint64_t materials;    /* provided at submission */
  uint64_t from_license; /* … of which by an existing e-license */
  int64_t at;            /* Unix seconds; 0: now */
} tb_store_new_application;

/* Create an application and submit it (TB_EV_SUBMIT) in one transaction.
 * On success out->number is the new number and tracking_code (if not
 * NULL) the code printed on the receipt; only its hash is stored. Form
 * problems give TB_STORE_INVALID with the field in *out->problem. */
tb_store_status
tb_store_application_create(tb_store *s, const tb_store_new_application *a,
                            const tb_store_actor *actor, tb_store_outcome *out,
                            char tracking_code[TB_STORE_TRACKING_CODE_LEN + 1]);

/* The same inside a transaction the caller runs with
 * tb_store_run_transaction (to combine it with an idempotency key): the
 * definition and form are checked, a new tracking code is drawn, and the
 * application is inserted and submitted. If the transaction is retried,
 * tracking_code is overwritten with the code of the last run. */
tb_store_status tb_store_application_create_in(
    tb_store *s, const tb_store_new_application *a, const tb_store_actor *actor,
    tb_store_outcome *out, char tracking_code[TB_STORE_TRACKING_CODE_LEN + 1]);

/* The most digits a form number may have written out in full (the
 * engine's number grammar: no exponent, at most 30 digits). */
#define TB_STORE_NUMBER_MAX_DIGITS 30

/* A form value given as a JSON real, as the plain decimal text that
 * tb_value_parse reads: the shortest digits that read back as x, never an
 * exponent (1e+20 → "100000000000000000000", 2.5e-3 → "0.0025", -0.0 →
 * "0"). false (buf "") when x is not finite or its plain form needs more
 * than TB_STORE_NUMBER_MAX_DIGITS digits. cap must be at least
 * TB_STORE_NUMBER_MAX_DIGITS + 4. */
bool tb_store_number_text(double x, char *buf, size_t cap);

/* The current state of an application (no lock). def may be NULL. */
tb_store_status tb_store_application_state(tb_store *s, const char *number,
                                           tb_app_state *state,
                                           const tb_definition **def);

/* Whether code is the application's tracking code (a constant-time
 * comparison of digests). TB_STORE_NOT_FOUND: no such application. */
tb_store_status tb_store_tracking_check(tb_store *s, const char *number,
                                        const char *code, bool *match);

/* What the public tracking view is made of (store/tb_store_track.c). The
 * strings are malloc'ed; free them with tb_store_tracking_clear. */
typedef struct {
  tb_app_state state;
  const tb_definition *def; /* the version it runs on (the handle's cache) */
  char *applicant_name;     /* in full: the caller masks it */
  /* JSON arrays: the tasks decided "return", by id ({branch, round,
   * decision, comment, items}); the licenses issued, in order ({id, name,
   * type, valid_until: "YYYY-MM-DD" or "long-term", payload, revoked,
   * revoked_at}); the audit events, in order ({at, action, bureau}) */
  char *returns, *licenses, *timeline;
} tb_store_tracking;

/* All of it in one statement (no transaction), for the holder of the
 * tracking code: an unknown number and a wrong code both give
 * TB_STORE_NOT_FOUND, after the same work. */
tb_store_status tb_store_tracking_read(tb_store *s, const char *number,
                                       const char *code, tb_store_tracking *t);
/* The same without a code, for a caller that has checked it (the
 * applicant's rating, inside its transaction). */
tb_store_status tb_store_tracking_view(tb_store *s, const char *number,
                                       tb_store_tracking *t);
void tb_store_tracking_clear(tb_store_tracking *t);

typedef struct {
  int64_t id;
  char number[TB_APP_NUMBER_LEN + 1];
  uint8_t branch, step;
  uint16_t round;
  char bureau[64];
  char state[16]; /* "open", "claimed", "decided", "cancelled" */
} tb_store_task;

/* A task by id (for the task endpoints: claim, decide). */
tb_store_status tb_store_task_get(tb_store *s, int64_t id, tb_store_task *t);

/* ------------------------------------------------------------------------
 * Timers
 * ---------------------------------------------------------------------- */

typedef struct {
  int64_t timer_id;
  char number[TB_APP_NUMBER_LEN + 1];
  uint8_t kind; /* tb_timer_kind */
  uint8_t subject;
  int64_t due_us;   /* when it was due, Unix microseconds */
  int64_t fired_us; /* the database clock when it fired */
  tb_status engine; /* TB_OK, or TB_IGNORED for a stale timer */
} tb_store_fired;

/* Fire due timers, one transaction each: claim one due row with
 * FOR UPDATE SKIP LOCKED (together with its application's row), run
 * TB_EV_TIMER through the transition path, delete the row, COMMIT. At
 * most `max` timers; *fired gets how many. on_fired (may be NULL) is told
 * about each one after its COMMIT. */
tb_store_status tb_store_timers_fire(tb_store *s, int max, int *fired,
                                     void (*on_fired)(const tb_store_fired *,
                                                      void *),
                                     void *cls);

/* A scheduler thread: every `interval` seconds it fires the due timers
 * and purges expired idempotency keys; it reconnects by itself when the
 * database goes away. */
typedef struct tb_store_scheduler tb_store_scheduler;

tb_store_status tb_store_scheduler_start(const tb_store_options *o,
                                         double interval,
                                         tb_store_scheduler **out);
/* Stop the thread, wait for it and free everything. NULL is fine. */
void tb_store_scheduler_stop(tb_store_scheduler *sch);
/* How many timers it has fired so far. */
int64_t tb_store_scheduler_fired(const tb_store_scheduler *sch);

/* ------------------------------------------------------------------------
 * Idempotency keys (call inside tb_store_run_transaction)
 * ---------------------------------------------------------------------- */

typedef struct {
  int status; /* the HTTP status of the first answer */
  char content_type[64];
  char *body; /* malloc'ed, NUL-terminated; free with _clear */
  size_t body_len;
} tb_store_answer;

void tb_store_answer_clear(tb_store_answer *a);

/* Take a key for this request (scope: e.g. the account; fingerprint: the
 * SHA-256 of method, path and body). TB_STORE_OK: new, go on and call
 * tb_store_idempotency_finish in the same transaction. TB_STORE_REPLAY:
 * *replay holds the first answer. TB_STORE_CONFLICT: the key was used for
 * another request. A concurrent first use waits for the other one. */
tb_store_status tb_store_idempotency_begin(tb_store *s, const char *scope,
                                           const char *key,
                                           const uint8_t fingerprint[32],
                                           tb_store_answer *replay);
tb_store_status tb_store_idempotency_finish(tb_store *s, const char *scope,
                                            const char *key, int status,
                                            const char *content_type,
                                            const char *body, size_t len);
/* Delete expired keys; *deleted (may be NULL) gets how many. */
tb_store_status tb_store_idempotency_purge(tb_store *s, int64_t *deleted);

/* ------------------------------------------------------------------------
 * The audit trail
 * ---------------------------------------------------------------------- */

typedef struct {
  int64_t chains; /* applications checked */
  int64_t events; /* events checked */
  bool broken;
  char number[TB_APP_NUMBER_LEN + 1]; /* the first broken link … */
  int32_t seq;
  char what[256]; /* … and what differs */
} tb_store_audit_report;

/* Recompute every chain (or one application's) and stop at the first
 * broken link. TB_STORE_OK whether or not a link is broken: see r. */
tb_store_status tb_store_audit_verify(tb_store *s, const char *number,
                                      tb_store_audit_report *r);

/* ------------------------------------------------------------------------
 * The embedded cluster (tongban serve with no --db; the test harness)
 * ---------------------------------------------------------------------- */

typedef struct tb_store_cluster tb_store_cluster;

typedef struct {
  const char *dir;     /* the data folder; created if missing */
  int port;            /* names the socket; 0: 5432 */
  bool fsync;          /* false for throwaway test clusters */
  bool lock;           /* take DIR/serve.lock (refuse a second user) */
  const char *user;    /* as root: run PostgreSQL as this user; NULL:
                          "tongban" (created if missing), else "nobody" */
  int max_connections; /* 0: 100 */
} tb_store_cluster_options;

/* Lock the folder (if asked), initdb on first use (as an unprivileged user
 * when running as root), start PostgreSQL on a Unix socket inside the
 * folder with no TCP listener, and create the database "tongban". On
 * failure msg says what went wrong and *out is NULL: TB_STORE_BUSY when
 * another process holds the folder's lock, TB_STORE_ERROR otherwise. */
tb_store_status tb_store_cluster_start(const tb_store_cluster_options *o,
                                       tb_store_cluster **out, char *msg,
                                       size_t msg_len);
/* Stop PostgreSQL (pg_ctl stop -m fast), release the lock, free. */
void tb_store_cluster_stop(tb_store_cluster *c);
/* Restart PostgreSQL in place (tests of reconnection). */
tb_store_status tb_store_cluster_restart(tb_store_cluster *c);
/* Stop PostgreSQL but keep the handle (start again with _restart). */
tb_store_status tb_store_cluster_halt(tb_store_cluster *c);

/* Connection strings: as the cluster's superuser (migrations, tests) and
 * as the unprivileged server role "tongban" (member of tongban_server).
 * Both belong to the cluster handle. */
const char *tb_store_cluster_admin_conninfo(const tb_store_cluster *c);
const char *tb_store_cluster_server_conninfo(const tb_store_cluster *c);
/* The connection string of the embedded cluster in folder dir (made
 * absolute here), as the superuser (admin) or the server role, whether it
 * runs or not: for commands that reach a cluster a running serve holds. */
void tb_store_cluster_conninfo(const char *dir, int port, bool admin, char *out,
                               size_t cap);
/* On a superuser connection to an embedded cluster: create the login role
 * "tongban" (if missing) and grant it tongban_server. Run after
 * migrations. */
tb_store_status tb_store_grant_server_role(tb_store *s);

/* ========================================================================
 * REST API queries (store/tb_store_read.c) — added for the API (issue 4):
 * accounts, sessions, failure throttles, and read models returned as JSON
 * text that PostgreSQL builds. Every *json / *xml out-parameter is
 * malloc'ed text the caller frees; TB_STORE_NOT_FOUND when there is none.
 * ====================================================================== */

typedef struct {
  int64_t id;
  char username[65];
  char role[16];   /* "admin", "clerk", "officer", "inspector" */
  char bureau[64]; /* officers: their bureau code; others: "" */
  char password_hash[200];
  bool disabled;
} tb_store_account;

/* Insert an account; TB_STORE_CONFLICT when the user name exists. */
tb_store_status tb_store_account_create(tb_store *s, const char *username,
                                        const char *role, const char *bureau,
                                        const char *password_hash, int64_t *id);
tb_store_status tb_store_account_find(tb_store *s, const char *username,
                                      tb_store_account *a);

/* Sessions by the SHA-256 of their token. _find answers TB_STORE_NOT_FOUND
 * for unknown, expired and revoked tokens and for disabled accounts;
 * expires_at is Unix seconds. */
tb_store_status tb_store_session_create(tb_store *s, int64_t account_id,
                                        const uint8_t token_hash[32],
                                        int ttl_seconds, int64_t *expires_at);
tb_store_status tb_store_session_find(tb_store *s, const uint8_t token_hash[32],
                                      tb_store_account *a, int64_t *expires_at);
tb_store_status tb_store_session_revoke(tb_store *s,
                                        const uint8_t token_hash[32]);

/* Failures under a key ("user:NAME", "addr:IP", "track:IP"): how many in
 * the last window_seconds and when the last one was (Unix µs, 0: none);
 * record one; forget them all. */
tb_store_status tb_store_throttle_get(tb_store *s, const char *key,
                                      int window_seconds, int *failures,
                                      int64_t *last_us);
tb_store_status tb_store_throttle_fail(tb_store *s, const char *key);
tb_store_status tb_store_throttle_clear(tb_store *s, const char *key);
/* Record one failure and, in the same statement, read back the count in
 * the last window_seconds (this one included) and its time (Unix µs). */
tb_store_status tb_store_throttle_record(tb_store *s, const char *key,
                                         int window_seconds, int *failures,
                                         int64_t *last_us);

/* SELECT 1: whether the database answers now. */
tb_store_status tb_store_ping(tb_store *s);

/* One application as a JSON object: number, service, version, applicant
 * {kind, name, id_number}, form, state, warning, channel, deadline,
 * statutory_deadline, created_at, updated_at. */
tb_store_status tb_store_read_application(tb_store *s, const char *number,
                                          char **json);
/* A JSON array of such objects, newest first; NULL filters match all. */
tb_store_status tb_store_read_applications(tb_store *s, const char *applicant,
                                           const char *status,
                                           const char *service, int limit,
                                           char **json);
/* Tasks as a JSON array (id, number, service, branch, step, round,
 * branch_id, task_id, name, bureau, state, claimant, deadline,
 * application_deadline, application_state, decision, comment, items,
 * created_at, decided_at): by bureau and state (NULL: all), earliest
 * deadline first; or every task of one application. */
tb_store_status tb_store_read_tasks(tb_store *s, const char *bureau,
                                    const char *state, int limit, char **json);
tb_store_status tb_store_read_app_tasks(tb_store *s, const char *number,
                                        char **json);
/* The audit timeline as a JSON array (seq, at, action, actor, role,
 * bureau, payload). */
tb_store_status tb_store_read_events(tb_store *s, const char *number,
                                     char **json);
/* The reason the window gave with its latest supplement request (一次性告知
 * before acceptance), malloc'ed into *reason; NULL when it gave none. */
tb_store_status tb_store_read_window_reason(tb_store *s, const char *number,
                                            char **reason);
/* The newest version of every definition: [{id, version, name}]. */
tb_store_status tb_store_read_definitions(tb_store *s, char **json);
/* Applications by state: {"in_review": 3, …}. */
tb_store_status tb_store_read_status_counts(tb_store *s, char **json);
/* The most recently stored bureaus.xml. */
tb_store_status tb_store_read_bureaus_xml(tb_store *s, char **xml);

/* ========================================================================
 * Supervision (store/tb_store_supervision.c) — added for electronic
 * supervision (issue 6): the overview and alert lists as JSON text, and
 * the LISTEN connection that feeds the live stream.
 * ====================================================================== */

/* {"counts": {state: n}, "warnings": {"yellow", "red"} (open
 * applications), "bureaus": [{bureau, handled, open, average_days,
 * overdue, overdue_rate}], "services": [{service, name, total, handled,
 * open, average_days, overdue, overdue_rate}], "today", "at"}. Working
 * days follow the stored calendar; a task is overdue when decided after
 * its deadline or still open past it, an application when finished after
 * its deadline or red while open. *json is malloc'ed. */
tb_store_status tb_store_supervision_overview(tb_store *s, char **json);

/* Open applications with a yellow or red warning (their own or one of a
 * bureau branch) as a JSON array: number, service, service_name, state,
 * warning, level ("yellow" | "red": the worst), deadline, tasks [{id,
 * bureau, task, state, deadline, warning}]; red first, then by deadline.
 * level NULL: both. At most limit items (1..10000). */
tb_store_status tb_store_supervision_alerts(tb_store *s, const char *level,
                                            int limit, char **json);

/* A connection that LISTENs on channel "tongban" (one per server process;
 * not a tb_store handle: it runs no transactions). */
typedef struct tb_store_listener tb_store_listener;
typedef void (*tb_store_notify_fn)(const char *payload, void *cls);

/* Connect and LISTEN; TB_STORE_UNAVAILABLE (logged) when it cannot. */
tb_store_status tb_store_listener_open(const char *conninfo,
                                       tb_store_listener **out);
/* The socket to poll for input (-1 for NULL). */
int tb_store_listener_fd(const tb_store_listener *l);
/* Read what arrived and call fn for each notification's payload, in
 * order. TB_STORE_UNAVAILABLE when the connection is gone: close it and
 * open a new one (notifications sent meanwhile are lost). */
tb_store_status tb_store_listener_drain(tb_store_listener *l,
                                        tb_store_notify_fn fn, void *cls);
void tb_store_listener_close(tb_store_listener *l); /* NULL is fine */

/* ========================================================================
 * Electronic licenses (store/tb_store_licenses.c) — issue 5: issuance as
 * an effect of the transition, the licenses API's reads, the one-number
 * look-up for intake, and audited revocation.
 * ====================================================================== */

/* Where the signing keys are (tb_license_open_keys) and their passphrase
 * (NULL: not encrypted), for the whole process; copied. The keys are read
 * at every issuance, so a rotated key signs at once. While no folder is
 * configured (NULL), TB_EFFECT_ISSUE_LICENSE is logged and skipped (tools
 * and store tests); once configured, a license that cannot be built or
 * signed makes the transition fail (TB_STORE_ERROR, logged) and roll back:
 * an approval and its licenses commit together or not at all. */
void tb_store_licenses_configure(const char *keys_dir, const char *passphrase);

/* One license as a JSON object: id, type {code, name}, holder {name,
 * id_number}, issuer {code, credit_code}, application, issued_at,
 * valid_from, valid_until ("YYYY-MM-DD" or "long-term"), key_id,
 * signature (hex DER), payload ("TB1:…"), revoked, revoked_at, revoked_by,
 * revocation_reason, license (the signed canonical JSON). */
tb_store_status tb_store_license_read(tb_store *s, const char *id, char **json);
/* JSON arrays of such objects: a holder's (one number) licenses, newest
 * first; an application's licenses, in the order issued. */
tb_store_status tb_store_license_read_holder(tb_store *s, const char *holder,
                                             char **json);
tb_store_status tb_store_license_read_app(tb_store *s, const char *number,
                                          char **json);

/* What intake, verification and revocation check. */
typedef struct {
  char id[TB_LICENSE_ID_MAX];
  char type_code[64];
  char holder_id_number[24];
  char issuer[64]; /* bureau code */
  char application[TB_APP_NUMBER_LEN + 1];
  tb_day valid_from;
  tb_day valid_until; /* 0: long-term */
  bool revoked;
  char revocation_reason[256];
  char *payload; /* malloc'ed; free with tb_store_license_brief_clear */
} tb_store_license_brief;

tb_store_status tb_store_license_brief_get(tb_store *s, const char *id,
                                           tb_store_license_brief *b);
void tb_store_license_brief_clear(tb_store_license_brief *b);

/* The newest license of type_code held by holder that is valid on `today`
 * (not revoked, today within its dates) into id; TB_STORE_NOT_FOUND when
 * there is none. */
tb_store_status tb_store_license_find_valid(tb_store *s, const char *holder,
                                            const char *type_code, tb_day today,
                                            char id[TB_LICENSE_ID_MAX]);

/* Revoke a license inside the caller's transaction (tb_store_run_
 * transaction): lock it and its application, mark it revoked (by
 * actor->name, with reason), append "revoke_license" to the application's
 * audit chain and NOTIFY. TB_STORE_NOT_FOUND: no such license;
 * TB_STORE_CONFLICT: it is revoked already. actor may not be NULL. */
tb_store_status tb_store_license_revoke_in(tb_store *s, const char *id,
                                           const tb_store_actor *actor,
                                           const char *reason);

#endif /* TB_STORE_H */
