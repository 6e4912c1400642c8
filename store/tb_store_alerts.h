/*
 * tb_store_alerts.h — electronic supervision's findings
 * (sql/0008_supervision_alerts.sql): the sweep that evaluates the rules
 * (engine/tb_rules.h) over the stored rows and raises each finding once,
 * the findings list and counts, a bureau's answer to a red card (红牌:
 * 情况说明 or 申诉) and the inspector's decision (维持 / 撤销), and the
 * 催办 (urge) of a task (store/tb_store_alerts.c).
 *
 * Every raise, answer, decision and urge appends an event to the
 * application's audit chain in the same transaction and NOTIFYs the live
 * stream ("change" with action alert_raised, alert_answered,
 * alert_decided or task_urged).
 *
 * Ownership: everything passed in is only read during the call; JSON
 * texts handed out (char **) are malloc'ed and freed by the caller.
 */
#ifndef TB_STORE_ALERTS_H
#define TB_STORE_ALERTS_H

#include "tb_rules.h"
#include "tb_store.h"
#include "tb_store_applications.h"
#include "tb_store_files.h"

/* Run every rule of the set once at `now` (Unix seconds; the injected
 * clock in tests): one prepared query per rule finds the situations with
 * no finding yet, and each is raised in its own transaction (the unique
 * index makes a second raise of the same finding a no-op); step_overdue
 * takes a task whose stored card (tasks.warning) is red and whose
 * deadline is before the day of `now`. A sweep that
 * another connection is running already is skipped (*raised = -1).
 * *raised counts the findings raised. */
tb_store_status tb_store_alerts_sweep(tb_store *s, const tb_rule_set *rules,
                                      int64_t now, int *raised);

/* The findings list's filters; NULL members do not filter. */
typedef struct {
  const char *rule;   /* a rule id */
  const char *level;  /* "yellow" | "red" */
  const char *bureau; /* a bureau code; "" for the window's (NULL bureau) */
  const char *from;   /* "YYYY-MM-DD": raised on or after (local date) */
  const char *to;     /* "YYYY-MM-DD": raised on or before */
  const char *state;  /* "open" (neither answered nor decided),
                         "answered" (answered, not decided), "decided",
                         "upheld", "revoked" */
  int64_t after;      /* a page's cursor: ids below it; 0: the first */
  int limit;          /* 1..500 */
} tb_store_alert_query;

/* {"items": [{id, rule, name, level, number, service, service_name,
 * task: {id, name, state} | null, bureau, subject, detail, raised_at,
 * state, answer: {kind, text, by, at, file: {id, name, media_type, size}
 * | null} | null, decision: {decision, reason, by, at} | null, urges}],
 * "next": cursor | null}, newest first. */
tb_store_status tb_store_alerts_read(tb_store *s, const tb_store_alert_query *q,
                                     char **json);

/* One finding as in the list; TB_STORE_NOT_FOUND when there is none. */
tb_store_status tb_store_alert_read(tb_store *s, int64_t id, char **json);

/* Counts: {"bureaus": [{bureau, total, red, yellow, red_cards (red, not
 * revoked), to_answer (red, neither answered nor decided), urges,
 * rules: {rule: n}}], "rules": {rule: n}, "urges": n}. bureau not NULL:
 * that bureau's only. */
tb_store_status tb_store_alerts_counts(tb_store *s, const char *bureau,
                                       char **json);

/* The urged tasks still open or claimed (of bureau, or all when NULL):
 * {"items": [{task, task_name, number, bureau, state, urges, reason (the
 * latest), by, role, at}]}, the latest urge first. */
tb_store_status tb_store_urges_read(tb_store *s, const char *bureau,
                                    char **json);

/* Why an answer, a decision or an urge was refused (TB_STORE_REFUSED). */
typedef enum {
  TB_STORE_ALERT_DONE = 0,
  TB_STORE_ALERT_NOT_RED,      /* only a red card is answered */
  TB_STORE_ALERT_ANSWERED,     /* answered already */
  TB_STORE_ALERT_DECIDED,      /* decided already */
  TB_STORE_ALERT_WRONG_BUREAU, /* the card is another bureau's */
  TB_STORE_ALERT_TASK_CLOSED   /* the task is decided or cancelled */
} tb_store_alert_refusal;

typedef struct {
  tb_store_alert_refusal refusal;
  char state[16];  /* the card's or the task's state when refused */
  char bureau[64]; /* the card's or the task's bureau */
  int32_t seq;     /* the audit event written */
  int urges;       /* an urge: the task's urges, this one included */
  bool raised;     /* an urge: it raised the urged_repeatedly finding */
} tb_store_alert_result;

/* An answer: kind "explanation" (情况说明) or "appeal" (申诉), text,
 * optionally a file (a PDF, JPEG or PNG already checked from its bytes;
 * bytes NULL: none). */
typedef struct {
  const char *kind;
  const char *text;
  const char *file_name, *media_type;
  const void *bytes;
  size_t size;
} tb_store_alert_answer;

/* Answer red card `id` by actor (an officer of its bureau) at `at` (Unix
 * seconds), inside the caller's transaction: the application row is
 * locked, then the card; refused (nothing written) when it is not red,
 * answered or decided, or another bureau's. Writes the answer (and the
 * file, in material_files with the card as its owner) and the audit
 * event "alert_answered". TB_STORE_NOT_FOUND: no such card. */
tb_store_status tb_store_alert_answer_in(tb_store *s, int64_t id,
                                         const tb_store_alert_answer *a,
                                         const tb_store_actor *actor,
                                         int64_t at,
                                         tb_store_alert_result *out);

/* The inspector's decision on card `id`: "upheld" (维持) or "revoked"
 * (撤销) with a reason; refused when decided already. Audit event
 * "alert_decided". */
tb_store_status
tb_store_alert_decide_in(tb_store *s, int64_t id, const char *decision,
                         const char *reason, const tb_store_actor *actor,
                         int64_t at, tb_store_alert_result *out);

/* The file of a card's answer: TB_STORE_NOT_FOUND when it has none.
 * Free out's bytes with tb_store_file_clear. */
tb_store_status tb_store_alert_file_read(tb_store *s, int64_t alert_id,
                                         tb_store_file *out);

/* 催办: actor (a clerk or an inspector) urges task `task_id` with a
 * reason at `at`, inside the caller's transaction; refused when the task
 * is neither open nor claimed (out->state). Writes the urge and the audit
 * event "task_urged" ({task, bureau, reason, urges}); when rule (the
 * urged_repeatedly rule, or NULL) is met by this urge, its finding is
 * raised in the same transaction. TB_STORE_NOT_FOUND: no such task. */
tb_store_status tb_store_task_urge_in(tb_store *s, int64_t task_id,
                                      const char *reason,
                                      const tb_store_actor *actor, int64_t at,
                                      const tb_rule *rule,
                                      tb_store_alert_result *out);

#endif /* TB_STORE_ALERTS_H */
