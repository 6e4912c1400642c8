/*
 * tb_store_int.h — what the store's own .c files share: the handle, the
 * prepared-statement helper, the embedded migrations, the logger
 * (engine/tb_log.h, module "store") and small encoding helpers. Not for
 * use outside store/.
 */
#ifndef TB_STORE_INT_H
#define TB_STORE_INT_H

#include "tb_log.h"
#include "tb_store.h"
#include "tb_store_accounts.h"
#include "tb_store_alerts.h"
#include "tb_store_applications.h"
#include "tb_store_audit.h"
#include "tb_store_copies.h"
#include "tb_store_definitions.h"
#include "tb_store_events.h"
#include "tb_store_files.h"
#include "tb_store_idempotency.h"
#include "tb_store_licenses.h"
#include "tb_store_metrics.h"
#include "tb_store_ratings.h"
#include "tb_store_read.h"
#include "tb_store_supervision.h"
#include "tb_store_timers.h"
#include "tb_store_verify.h"

#include <jansson.h>
#include <libpq-fe.h>

/* One embedded migration (generated from sql/ by store/embed_sql.py). */
typedef struct {
  int version;
  const char *name;
  const char *sql;
  size_t len;
} tb_store_migration;

extern const tb_store_migration tb_store_migrations[];
extern const int tb_store_migration_count;

/* A statement prepared once per connection, on first use. Statements are
 * static constants; the handle remembers which ones its connection has. */
typedef struct {
  const char *name;
  const char *sql;
  int n_params;
} tb_store_stmt;

#define TB_STORE_MAX_PREPARED 256
#define TB_STORE_MAX_CACHED_DEFS 64

/* Deferred writes (tb_store_exec_deferred): the statements queued in the
 * open transaction, BEGIN first while it is not sent, their parameters
 * copied into one bounded buffer of the handle. */
#define TB_STORE_QUEUE_MAX 64            /* statements queued at most */
#define TB_STORE_QUEUE_PARAMS 768        /* their parameters at most */
#define TB_STORE_QUEUE_BYTES (64 * 1024) /* bytes of parameter text */

typedef struct {
  const tb_store_stmt *st; /* NULL: BEGIN */
  int first;               /* its parameters: queue.params[first …] */
  tb_store_fault fault;    /* the injected fault due at it (test builds) */
} tb_store_queued;

typedef struct {
  char id[64];
  uint32_t version;
  tb_definition *def;
} tb_store_cached_def;

struct tb_store {
  PGconn *conn;
  char *conninfo;
  char region[7];
  int idempotency_ttl;
  int max_attempts;
  int session_idle; /* seconds; tb_store_options.session_idle */
  bool in_txn;
  bool retry;      /* the last statement failed with 40001 / 40P01 */
  bool lost;       /* the connection went away during the transaction */
  bool committing; /* COMMIT is being sent */
  /* the first failure of a statement in the open transaction
   * (TB_STORE_OK: none): COMMIT is never sent after one */
  tb_store_status txn_failed;
  /* fault injection (test builds): the armed fault, the statement it
   * hits, the statements counted in this attempt, whether it fired */
  struct {
    tb_store_fault kind;
    int at;
    int count;
    int last_count;
    bool armed; /* applies to the next transaction's first attempt */
    bool active;
    bool fired;
  } fault;
  const tb_store_stmt *prepared[TB_STORE_MAX_PREPARED];
  int n_prepared;
  tb_store_cached_def defs[TB_STORE_MAX_CACHED_DEFS];
  int n_defs;
  bool has_loader;
  tb_store_loader loader;            /* the caller's XML loader */
  tb_store_license_handler licenses; /* issue == NULL: none */
  tb_bureau_list *bureaus;           /* the newest stored list, or NULL */
  char bureaus_sha[65];
  tb_calendar *calendar;
  int64_t calendar_version; /* -1: none loaded */
  unsigned rand_state;
  tb_store_counters *counters;        /* the caller's, or NULL */
  int use_depth;                      /* nested uses of the connection now */
  bool counted_open;                  /* the connection is counted open */
  tb_store_retry_reason retry_reason; /* why s->retry was set */
  /* the events the open transaction wrote (tb_store_events.c), told to
   * events.committed after its COMMIT */
  tb_store_event_hook events; /* committed NULL: nobody is told */
  char ev_numbers[TB_STORE_EVENT_NUMBERS][32];
  size_t n_ev;
  bool ev_overflow, ev_accounts;
  /* the open transaction's deferred writes (tb_store_conn.c): sent in
   * one pipeline with the next synchronous statement or with COMMIT */
  struct {
    tb_store_queued items[TB_STORE_QUEUE_MAX];
    int n;
    const char *params[TB_STORE_QUEUE_PARAMS];
    int n_params;
    char bytes[TB_STORE_QUEUE_BYTES];
    size_t used;
  } queue;
  bool begin_pending; /* BEGIN is queued and not sent yet */
  bool begin_lost;    /* the connection was found gone before BEGIN was
                         answered: nothing was done, the attempt may retry */
  bool commit_unsent; /* the connection went before COMMIT was sent */
  bool cal_checked;   /* the open transaction read calendar_meta already:
                         the handle's calendar is the one it saw */
  unsigned long long round_trips; /* tb_store_round_trips */
};

/* Run a prepared statement with text parameters (NULL = SQL NULL). On
 * success *res (if res is not NULL) holds the result, to PQclear. Errors
 * are logged with the statement's name and SQLSTATE; serialization
 * failures and deadlocks set s->retry, a lost connection s->lost.
 * Returns TB_STORE_OK, TB_STORE_UNAVAILABLE or TB_STORE_ERROR. */
tb_store_status tb_store_exec(tb_store *s, const tb_store_stmt *st,
                              const char *const *params, PGresult **res);

/* A statement of the open transaction whose result nobody reads (no
 * row count checked, no RETURNING used): prepared now if needed, its
 * parameters copied, and queued, to be sent in one pipeline with the
 * next synchronous statement (tb_store_exec and the others flush the
 * queue first, so the order is kept and reads see the writes) or with
 * COMMIT. Its failure is reported by that flush, as the failure of the
 * first statement that failed (the same status tb_store_exec would have
 * given). TB_STORE_OK when queued; a transaction that failed already
 * gets its failure back and nothing is queued. A full queue
 * (TB_STORE_QUEUE_MAX statements, TB_STORE_QUEUE_PARAMS parameters or
 * TB_STORE_QUEUE_BYTES of their text) is flushed first, synchronously;
 * a statement too large for an empty queue, or one outside a
 * transaction, runs at once as tb_store_exec would run it. Each counts
 * as one statement for fault injection, numbered when it is queued. */
tb_store_status tb_store_exec_deferred(tb_store *s, const tb_store_stmt *st,
                                       const char *const *params);

/* Two statements whose answers are needed, in one round trip (with the
 * queued writes before them, inside a transaction): a runs, then b; on
 * TB_STORE_OK *ra and *rb hold their results (to PQclear), otherwise
 * both are NULL and the first failure decides, as tb_store_exec's would.
 * For a read whose parameters do not depend on the first's answer (b
 * runs after a, so after a lock a takes). Outside a transaction they
 * run one after the other. */
tb_store_status tb_store_exec_pair(tb_store *s, const tb_store_stmt *a,
                                   const char *const *pa, PGresult **ra,
                                   const tb_store_stmt *b,
                                   const char *const *pb, PGresult **rb);

/* The same for a statement that answers one row: TB_STORE_NOT_FOUND (and
 * *res NULL) when it answered another number of rows. res may not be
 * NULL. */
tb_store_status tb_store_exec_row(tb_store *s, const tb_store_stmt *st,
                                  const char *const *params, PGresult **res);

/* The same for a statement that is not prepared (migrations, DDL): the
 * text must contain no input. */
tb_store_status tb_store_exec_plain(tb_store *s, const char *sql,
                                    PGresult **res);

/* Run a statement that answers one text value (JSON built by
 * PostgreSQL) and hand it out malloc'ed in *json; no row (or NULL) is
 * TB_STORE_NOT_FOUND (store/tb_store_read.c). */
tb_store_status tb_store_json_of(tb_store *s, const tb_store_stmt *st,
                                 const char *const *params, char **json);

/* Make sure the connection is up (reconnecting if needed). */
tb_store_status tb_store_ensure(tb_store *s);

/* The SQLSTATE of a failed result, or "" */
const char *tb_store_sqlstate(const PGresult *r);

/* PostgreSQL's bytea text ("\\x" and hex, tb_util.h's hex) to exactly n
 * bytes, and n bytes to that text (out: 2n + 3 bytes). */
bool tb_store_unhex_bytea(const char *text, uint8_t *out, size_t n);
void tb_store_bytea(const uint8_t *in, size_t n, char *out);

/* SHA-256 of a buffer, or of two concatenated buffers. */
void tb_store_sha256(const void *a, size_t alen, const void *b, size_t blen,
                     uint8_t out[32]);

/* The letters of tracking codes: no 0/O, 1/I/L look-alikes. */
#define TB_STORE_CODE_ALPHABET "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

/* Parse a decimal integer (the whole string); false when malformed. */
bool tb_store_parse_i64(const char *s, int64_t *out);

/* Bounded copy that always terminates (truncates). */
void tb_store_copy(char *dst, size_t cap, const char *src);

/* tb_app_state ⇄ JSON (store/tb_store_state.c). The JSON string returned
 * is malloc'ed. */
char *tb_store_state_encode(const tb_app_state *s);
bool tb_store_state_decode(const char *json, tb_app_state *s);

/* Definitions cache look-up (store/tb_store_defs.c). */
tb_store_status tb_store_def_cached(tb_store *s, const char *id,
                                    uint32_t version,
                                    const tb_definition **out);

/* The audit event writer (store/tb_store_audit.c), inside a transaction
 * that holds the application's row lock. prev_seq / prev_hash come from
 * the application row; on success *seq and hash are the new head. */
typedef struct {
  int64_t application_id;
  const char *number;
  int32_t prev_seq;
  uint8_t prev_hash[32];
  const tb_store_actor *actor;
  const char *action;
  const char *payload; /* JSON text, stored in its canonical form */
  int64_t at_us;
} tb_store_audit_event;

tb_store_status tb_store_audit_append(tb_store *s,
                                      const tb_store_audit_event *e,
                                      int32_t *seq, uint8_t hash[32]);

/* Fire one claimed timer row through the transition path (inside the
 * transaction that holds the row): the row is deleted whatever the
 * engine says (store/tb_store_transition.c). */
tb_store_status tb_store_fire_timer_in(tb_store *s, const char *number,
                                       int64_t timer_id, const tb_event *ev,
                                       tb_store_outcome *out);

/* The calendar whose calendar_meta row a statement read along with its
 * own columns (version, utc_offset, covered_until - 1970-01-01, in that
 * order from column col of row row; NULL version or no such row: no row
 * stored): the handle's, reloaded when the version moved — what
 * tb_store_calendar_get does without its own round trip
 * (store/tb_store_calendar.c). */
tb_store_status tb_store_calendar_meta(tb_store *s, const PGresult *r, int row,
                                       int col, const tb_calendar **out);

/* Microseconds since the epoch, from the local clock. */
int64_t tb_store_now_us(void);
/* Unix microseconds as UTC "YYYY-MM-DDTHH:MM:SS.ffffffZ", the time the
 * audit and security chains hash (store/tb_store_conn.c). */
void tb_store_format_at_us(int64_t us, char out[32]);
/* Append ,"key":"s" (s a JSON string; NULL: null) to the text of an
 * object that a chain canonicalizes (store/tb_store_conn.c). */
void tb_store_json_member(tb_buf *b, const char *key, const char *s);

/* Issue the license an ISSUE_LICENSE effect names, inside the transition's
 * transaction, through the handle's license handler (store/
 * tb_store_licenses.c): none configured, it is logged and skipped.
 * Anything but TB_STORE_OK rolls the transition back. */
tb_store_status tb_store_license_issue(tb_store *s, const tb_store_outcome *o,
                                       const tb_effect *e);

/* Record a break of the audit trail in r (store/tb_store_audit.c): the
 * first is also copied into r's own fields; past
 * TB_STORE_AUDIT_MAX_BREAKS they are only counted. number: "" for a
 * checkpoint's own break. */
void tb_store_audit_broken(tb_store_audit_report *r, tb_store_audit_kind kind,
                           const char *number, int32_t seq, const char *fmt,
                           ...) __attribute__((format(printf, 5, 6)));

/* One number, one holder (store/tb_store_holders.c), inside the caller's
 * transaction. claim: give a number with no row the name given, then lock
 * the row and copy the name on record into on_record (cap bytes). note:
 * the same without the lock and the copy (licenses to a new number). */
tb_store_status tb_store_holder_claim(tb_store *s, const char *id_number,
                                      const char *name, char *on_record,
                                      size_t cap);
tb_store_status tb_store_holder_note(tb_store *s, const char *id_number,
                                     const char *name);
/* A change of name a clerk confirmed, at the intake of application
 * `number` (inserted, not yet submitted): the holder's row gets the new
 * name and the application's chain the event "holder_renamed" (id_number,
 * old_name, new_name, reason) by actor. */
typedef struct {
  const char *id_number, *old_name, *new_name, *reason;
} tb_store_holder_rename;
tb_store_status tb_store_holder_rename_in(tb_store *s, const char *number,
                                          const tb_store_holder_rename *h,
                                          const tb_store_actor *actor);
/* The change event of application number (tb_store_notify_json's row):
 * its audit event seq and action, and the state after it (the live
 * stream's change event; store/tb_store_events.c). Inside a transaction
 * the row is a deferred write (tb_store_exec_deferred). */
tb_store_status tb_store_notify_change(tb_store *s, const char *number,
                                       int32_t seq, const char *action,
                                       const tb_app_state *st);
/* The change event of an application, a row of event_tail written in
 * the open transaction (it used to be a NOTIFY "tongban"): json is a
 * JSON object that names the application ("number"); the statement adds
 * "bureaus", the sorted codes of the bureaus that have a task in it,
 * read in the same transaction (the live stream shows an officer only
 * its own bureau's applications; store/tb_store_events.c). Every change
 * event goes through it; the number is told to the handle's event hook
 * after COMMIT. */
tb_store_status tb_store_notify_json(tb_store *s, const char *json);
/* A session or an account changed (its event row is the triggers'):
 * the handle's event hook hears it after COMMIT, or at once outside a
 * transaction (store/tb_store_events.c). */
void tb_store_event_accounts(tb_store *s);
/* The events recorded on the handle: forgotten when a transaction
 * starts (or rolls back), told to the hook after its COMMIT
 * (store/tb_store_conn.c). */
void tb_store_events_forget(tb_store *s);
void tb_store_events_tell(tb_store *s);
/* Move the chain head of application app (its row locked) to the event
 * just appended (seq, hash): what an event that is no transition needs
 * after tb_store_audit_append (store/tb_store_holders.c). */
tb_store_status tb_store_audit_head_set(tb_store *s, int64_t app, int32_t seq,
                                        const uint8_t hash[32]);
/* Append the event `action` (payload: a JSON object, only read) that is
 * no transition to application `number`'s chain: its row is locked here
 * (FOR UPDATE), the event appended and the head moved
 * (store/tb_store_holders.c). TB_STORE_ERROR when there is no such
 * application. */
tb_store_status tb_store_audit_event_in(tb_store *s, const char *number,
                                        const tb_store_actor *actor,
                                        const char *action, json_t *payload);
/* An integer as a statement's text parameter (store/tb_store_read.c). */
typedef struct {
  char v[24];
} tb_store_num;
tb_store_num tb_store_i64(int64_t v);

/* The lists of 整改 tickets and verifications (store/tb_store_read.c):
 * st answers one JSON text from the parameters ($1 today, $2 bureau,
 * $3 state, $4 limit clamped to 1..500), or ($1 today, $2 id). */
tb_store_status tb_store_json_list(tb_store *s, const tb_store_stmt *st,
                                   const char *today, const char *bureau,
                                   const char *state, int limit, char **json);
tb_store_status tb_store_json_by_id(tb_store *s, const tb_store_stmt *st,
                                    const char *today, int64_t id, char **json);

/* 事后核查 (store/tb_store_commit.c), inside a transition's transaction.
 * open: the transition o moved the application to approved (or
 * awaiting_materials) with committed materials: insert one verification
 * per verifying bureau (one statement each; none without commitments),
 * due in the shortest verify-days of its materials from the day of `at`
 * by the calendar the step used; *opened gets them as a JSON array
 * [{verification, bureau, materials, due}] for the transition's audit
 * event (NULL when none; the caller decrefs it).
 * excluded: an intake of application app choosing a commitment on day
 * `today`: *until gets the last day of the holder's exclusion in force
 * (0: none). */
tb_store_status tb_store_verifications_open_in(tb_store *s,
                                               const tb_store_outcome *o,
                                               int64_t at, json_t **opened);
tb_store_status tb_store_exclusion_in(tb_store *s, int64_t app, tb_day today,
                                      tb_day *until);
/* An account's groups, "A,B" sorted ("" for none), as one column of a
 * statement that reads the account `id` names (store/tb_store_groups.c
 * reads it back with tb_store_groups_parse). */
#define TB_STORE_GROUPS_OF(id)                                                 \
  "coalesce((SELECT string_agg(g.group_code, ',' ORDER BY g.group_code "       \
  "COLLATE \"C\") "                                                            \
  "FROM account_groups g WHERE g.account_id = " id "), '')"
/* The task rows of a transition, slot by slot (store/tb_store_verbs.c).
 * task_effect: write a CREATE_TASK (who may take it, waiting or open),
 * OPEN_TASK, CANCEL_TASK (with its close reason) or COPY (抄送) effect;
 * other effects are TB_STORE_OK without a statement. */
tb_store_status tb_store_task_effect_in(tb_store *s, const tb_store_outcome *o,
                                        const tb_effect *e);
/* The row of the task an event acted on, by its id: a decision or a verb
 * that hands the task on (decided, with handed_to / back_to; an
 * unclaimed task is claimed by it), a claim (also by 加签), or 撤回
 * (taken_back_at). Strings may be NULL (SQL NULL); all are only read. */
typedef struct {
  int64_t task_id;
  const tb_event *ev;
  int64_t actor;
  const char *comment;
  const char *items;   /* a return's materials (JSON array text) */
  const char *outputs; /* an approval's outputs (JSON object text) */
  int64_t handed_to;   /* transfer, delegate: the target; resolve: the
                          delegator */
  const char *back_to; /* send-back: the step id */
} tb_store_task_act;
tb_store_status tb_store_task_acted_in(tb_store *s,
                                       const tb_store_task_act *act);
/* The active (not disabled, not deleted) officer of bureau called
 * username: *id its account; TB_STORE_NOT_FOUND when there is none. */
tb_store_status tb_store_officer_find_in(tb_store *s, const char *bureau,
                                         const char *username, int64_t *id);
/* The stored names of a tb_close_reason and a tb_signer_kind (tasks.
 * close_reason, tasks.signer_kind); static strings. */
const char *tb_store_close_reason_name(unsigned reason);
const char *tb_store_signer_kind_name(unsigned kind);
#endif /* TB_STORE_INT_H */
