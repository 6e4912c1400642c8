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

#endif /* TB_STORE_APPLICATIONS_H */
