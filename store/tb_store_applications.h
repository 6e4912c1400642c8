/*
 * tb_store_applications.h — applications and their transitions: creating
 * and submitting one, one event as one transaction (lock, engine step,
 * state, tasks, timers, audit event, NOTIFY, COMMIT), the current state,
 * a task by id, and tracking codes (store/tb_store_transition.c,
 * store/tb_store_track.c).
 *
 * Ownership: everything passed in is only read during the call. An
 * outcome's definition pointer belongs to the handle's cache (valid until
 * tb_store_close); the rest of an outcome is plain values owned by the
 * caller.
 */
#ifndef TB_STORE_APPLICATIONS_H
#define TB_STORE_APPLICATIONS_H

#include "tb_store.h"

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
  int32_t seq;          /* the audit event written; 0 if none (ignored timer) */
  int64_t current_task; /* refused with TB_ERR_SUPERSEDED: the open task
                           of the branch now (0: none) */
  bool name_mismatch;   /* intake refused: the number carries another
                           name (name_on_record) and no change of name
                           was confirmed */
  char name_on_record[256];
  /* intake refused (TB_STORE_REFUSED): the holder chose 告知承诺 for
   * excluded_material while excluded from it until excluded_until (a
   * false commitment found before; tb_store_verify.h); 0: not so */
  tb_day excluded_until;
  char excluded_material[64];
  /* intake refused (TB_STORE_REFUSED): the serial pool of the day is
   * spent; public: the anonymous pool (else the staff one) */
  bool numbers_exhausted;
  bool numbers_public;
} tb_store_outcome;

/* The serial pools of a region and day (sql/0014_intake.sql): staff
 * serials 1 .. BASE - 1, public (anonymous) serials BASE ..
 * TB_APP_SERIAL_MAX. */
#define TB_STORE_SERIAL_PUBLIC_BASE 200000000

/* Called inside the transition's transaction after everything is written
 * and before COMMIT (licenses, idempotency answers …). Returning anything
 * but TB_STORE_OK rolls the whole transition back. May run several times. */
typedef tb_store_status (*tb_store_after_fn)(tb_store *s,
                                             const tb_store_outcome *o,
                                             void *cls);

/* A form as given: each field by its id, with its value as the text
 * tb_value_parse reads (a multiple choice as "a,b"). The store parses and
 * checks it against the definition it uses, and stores the texts. */
typedef struct {
  const char *id;
  const char *text;
} tb_store_form_value;

typedef struct {
  tb_store_form_value values[TB_MAX_FIELDS];
  size_t n;
} tb_store_form;

/* What the person acting gave with a change, as typed values (the API's
 * field tables produce them): kept, in this order, under "data" in the
 * audit event, and a note named "comment" becomes the comment of a
 * decided task. Strings are only read during the call. */
typedef enum {
  TB_STORE_NOTE_NULL,    /* given as null, or not given */
  TB_STORE_NOTE_TEXT,    /* text */
  TB_STORE_NOTE_INTEGER, /* integer */
  TB_STORE_NOTE_BOOLEAN, /* integer: 0 or 1 */
  TB_STORE_NOTE_TEXTS    /* texts[0..n_texts) */
} tb_store_note_kind;

typedef struct {
  const char *name;
  tb_store_note_kind kind;
  const char *text;
  int64_t integer;
  const char *const *texts;
  size_t n_texts;
} tb_store_note;

#define TB_STORE_MAX_NOTES 12

typedef struct {
  tb_store_note items[TB_STORE_MAX_NOTES];
  size_t n;
  /* An approval's branch outputs (the task's <output> ids → texts as
   * tb_value_parse reads them), or NULL: checked against the task's
   * declaration (unknown ids and missing required ones are
   * TB_STORE_INVALID naming "outputs.ID"), stored with the decision and
   * kept under "outputs" in the audit event. */
  const tb_store_form *outputs;
} tb_store_notes;

/* One transition in one transaction: lock the application row, load its
 * state, definition (the version it started with), form and calendar,
 * run tb_engine_step, write the state, tasks and timers, append the audit
 * event (with the notes, NULL for none), NOTIFY "tongban", call `after`,
 * COMMIT. Retried as a whole on 40001/40P01. TB_STORE_REFUSED
 * (out->problem says why) leaves nothing changed. out may not be NULL. */
tb_store_status
tb_store_transition(tb_store *s, const char *number, const tb_event *ev,
                    const tb_store_actor *actor, const tb_store_notes *notes,
                    tb_store_after_fn after, void *cls, tb_store_outcome *out);

/* The same, inside a transaction the caller runs with
 * tb_store_run_transaction (to combine it with an idempotency key). */
tb_store_status tb_store_transition_in(tb_store *s, const char *number,
                                       const tb_event *ev,
                                       const tb_store_actor *actor,
                                       const tb_store_notes *notes,
                                       tb_store_outcome *out);

/* A task event (claim, approve, deny, return) on the task with this id,
 * inside the caller's transaction: the task's application row is locked
 * first, then the task is read under that lock and gives the event its
 * branch, step and round (ev's are ignored). number: the task's
 * application when the caller read it already (tb_store_task_find; a
 * task never moves to another application, and one of another
 * application is not found under the lock), or NULL to read it here
 * (one more round trip). TB_STORE_NOT_FOUND: no such task (or not of
 * that application); TB_STORE_REFUSED with TB_ERR_WRONG_BUREAU when the task is
 * not of the actor's bureau, with TB_ERR_SUPERSEDED (and out->current_task)
 * when it is no longer the open task of its branch (decided, cancelled, or of
 * an earlier round: yesterday's page); otherwise as
 * tb_store_transition_in. */
tb_store_status
tb_store_task_transition_in(tb_store *s, int64_t task_id, const char *number,
                            const tb_event *ev, const tb_store_actor *actor,
                            const tb_store_notes *notes, tb_store_outcome *out);

/* Tracking codes: 10 characters of a 31-letter alphabet without look-alikes
 * (23456789ABCDEFGHJKMNPQRSTUVWXYZ), drawn uniformly by rejection
 * sampling: 10 · log2(31) ≈ 49.5 bits. */
#define TB_STORE_TRACKING_CODE_LEN 10

typedef struct {
  const char *definition_id; /* its newest version is used (and kept) */
  tb_applicant_kind kind;    /* person or organization */
  const char *name;
  const char *id_number;     /* citizen ID or credit code, checked */
  const tb_store_form *form; /* the values given */
  tb_channel channel;
  uint64_t materials;    /* provided at submission */
  uint64_t from_license; /* … of which by an existing e-license */
  uint64_t tolerated;    /* 容缺 chosen by the clerk, stored in the state */
  uint64_t committed;    /* 告知承诺 chosen by the clerk, stored too */
  /* The server's tracking-code key (32 bytes): the code is derived from
   * the number (tb_store_tracking_derive, version 0), so a receipt can be
   * printed again; NULL: a random code that can never be shown again. */
  const uint8_t *code_key;
  int64_t at; /* Unix seconds; 0: now */
  /* One number, one holder: a name that differs from the number's name on
   * record is refused (TB_STORE_REFUSED, out->name_mismatch) unless a
   * clerk at the window confirms a change of name with a reason; the
   * change is then the audit event "holder_renamed" before the
   * submission. */
  bool name_change;
  const char *name_change_reason;
  /* Online: Unix seconds at which the application expires unless a
   * clerk accepted it by then (TB_EV_EXPIRE); 0: it never expires. */
  int64_t expire_at;
} tb_store_new_application;

/* Create an application and submit it (TB_EV_SUBMIT) in one transaction.
 * On success out->number is the new number and tracking_code (if not
 * NULL) the code printed on the receipt; only its hash is stored. Form
 * problems give TB_STORE_INVALID with the field in *out->problem.
 * The number's serial comes from the region's and day's pool: staff
 * (an actor with an account id) or public (anonymous). A pool that has
 * handed out its last number refuses: TB_STORE_REFUSED with
 * out->numbers_exhausted set (tb_store_intake.h raises the alert). */
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

/* The current state of an application (no lock). def may be NULL. */
tb_store_status tb_store_application_state(tb_store *s, const char *number,
                                           tb_app_state *state,
                                           const tb_definition **def);

/* The definition an application runs on (the version it started with;
 * it never changes): what a change needs to read its request before the
 * transaction, which reads the state under the row lock. *def belongs to
 * the handle's cache. */
tb_store_status tb_store_application_definition(tb_store *s, const char *number,
                                                const tb_definition **def);

/* Whether code is the application's tracking code (a constant-time
 * comparison of digests). TB_STORE_NOT_FOUND: no such application. */
tb_store_status tb_store_tracking_check(tb_store *s, const char *number,
                                        const char *code, bool *match);

/* The tracking code of `number` at `version` under the server's key:
 * HMAC-SHA-256(key, "tongban tracking code\0" NUMBER "\0" VERSION), two
 * bytes a letter taken modulo the 31 letters of TB_STORE_CODE_ALPHABET
 * (bias below 1/30000 a letter). Only its digest is stored. */
void tb_store_tracking_derive(const uint8_t key[32], const char *number,
                              unsigned version,
                              char out[TB_STORE_TRACKING_CODE_LEN + 1]);

/* The application's tracking code again, for a reprinted receipt: the
 * code derived at the state's code_version when its digest is the stored
 * one (*current true); otherwise (an application made before codes were
 * derived, or under another key) *current is false and code is "".
 * TB_STORE_NOT_FOUND: no such application. */
tb_store_status
tb_store_tracking_receipt(tb_store *s, const char *number,
                          const uint8_t key[32], bool *current,
                          char code[TB_STORE_TRACKING_CODE_LEN + 1]);

/* Reissue the tracking code, in the caller's transaction: under the row
 * lock the state's code_version counts up, the new derived code's digest
 * replaces the old one (which stops working at once) and the audit event
 * "tracking_code_reissued" (the new version and the clerk's reason,
 * never a code) is appended. code receives the new code.
 * TB_STORE_NOT_FOUND: no such application; TB_STORE_REFUSED: the version
 * is exhausted (65535 reissues). */
tb_store_status tb_store_tracking_reissue_in(
    tb_store *s, const char *number, const uint8_t key[32], const char *reason,
    const tb_store_actor *actor, char code[TB_STORE_TRACKING_CODE_LEN + 1]);

/* What never changes about a task: its application, that application's
 * definition (the version it runs on; the handle's cache) and the
 * task's bureau. Its state, round and claimant are read under the
 * application's lock by tb_store_task_transition_in. */
typedef struct {
  int64_t id;
  char number[TB_APP_NUMBER_LEN + 1];
  char bureau[64];
  const tb_definition *def;
  int branch, step; /* the task's place in def (its outputs) */
} tb_store_task_ref;

/* The task with this id (for the task endpoints: claim, decide);
 * TB_STORE_NOT_FOUND when there is none. */
tb_store_status tb_store_task_find(tb_store *s, int64_t id,
                                   tb_store_task_ref *t);

#endif /* TB_STORE_APPLICATIONS_H */
