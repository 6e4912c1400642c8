/*
 * tb_store_read.h — read models: what the pages and the REST API show,
 * built by PostgreSQL as JSON text in one statement each
 * (store/tb_store_read.c), and the public tracking view
 * (store/tb_store_track.c).
 *
 * Ownership: every char ** out-parameter receives malloc'ed text the
 * caller frees (NULL when there is none: TB_STORE_NOT_FOUND); a
 * tb_store_tracking's strings are freed with tb_store_tracking_clear.
 * Everything passed in is only read during the call.
 */
#ifndef TB_STORE_READ_H
#define TB_STORE_READ_H

#include "tb_store.h"

/* ------------------------------------------------------------------------
 * Applications, tasks, events, definitions
 * ---------------------------------------------------------------------- */

/* An application is read as a JSON object: number, service, version,
 * applicant {kind, name, id_number}, form, state, warning, channel,
 * deadline, statutory_deadline, created_at, updated_at (alone with its
 * tasks: tb_store_application_view_read). */
/* A JSON array of such objects, newest first; NULL filters match all,
 * except that expired online applications are listed only when status
 * asks for "expired" (they count toward nothing). channel: "window" or
 * "online" (the channel column's values), NULL: both. *json is
 * malloc'ed; the caller frees it. */
tb_store_status tb_store_applications_read(tb_store *s, const char *applicant,
                                           const char *status,
                                           const char *service,
                                           const char *channel, int limit,
                                           char **json);
/* A page of a worklist. */
typedef struct {
  const char *bureau; /* NULL: every bureau */
  const char *state;  /* NULL: the active tasks (open and claimed) */
  int limit;          /* items per page (1..500); 0: 100 */
  char after_day[16]; /* the cursor ("" for the first page): the deadline
                         "YYYY-MM-DD" or "infinity" (none) ... */
  int64_t after_id;   /* ... and the id of the last task seen */
  /* An officer's worklist (issue 14): > 0, the pool tasks of the bureau,
   * the group tasks of the officer's groups and the tasks assigned to or
   * claimed by this account; 0: every task of the filter. */
  int64_t officer;
  bool mine; /* only the tasks assigned to or claimed by `officer` */
} tb_store_task_page;

/* Tasks as a JSON object {"items": [...], "total": N, "next": "DAY.ID" |
 * null}: the items (id, number, service, branch, step, round, branch_id,
 * task_id, name, bureau, state, claimant, deadline, application_deadline,
 * application_state, decision, comment, items, created_at, decided_at;
 * and of the verbs: slot, serial, signer_kind, group, assignee,
 * delegate_of, added_by, handed_to (user names), back_to, close_reason,
 * taken_back_at, urges)
 * earliest deadline first, filtered in the query; total counts every
 * task of the filter; next is the cursor of the following page. */
tb_store_status tb_store_tasks_read(tb_store *s, const tb_store_task_page *q,
                                    char **json);
/* Every task of one application, as a JSON array of such items. */
tb_store_status tb_store_application_tasks_read(tb_store *s, const char *number,
                                                char **json);
/* Both of the above in one round trip (what an application's view
 * needs): *app and *tasks are malloc'ed, the caller frees them; both
 * NULL unless TB_STORE_OK (TB_STORE_NOT_FOUND: no such application). */
tb_store_status tb_store_application_view_read(tb_store *s, const char *number,
                                               char **app, char **tasks);
/* What an officer may do with a task (issue 14, GET /api/v1/tasks/{id}/
 * options), as a JSON object: "task" (state, signer_kind, group,
 * assignee, claimant, delegate_of, added_by, decided_by: account ids;
 * decision, taken_back), "signers" (the newest task of each slot of its
 * step and round: slot, task, status, who, kind, decision), "officers"
 * (the active officers of its bureau but `officer`, with their groups)
 * and "groups" (the officer's). TB_STORE_NOT_FOUND: no such task.
 * Malloc'ed; the caller frees it. */
tb_store_status tb_store_task_options_read(tb_store *s, int64_t task,
                                           int64_t officer, char **json);
/* The audit timeline as a JSON array (seq, at, action, actor, role,
 * bureau, payload). */
tb_store_status tb_store_events_read(tb_store *s, const char *number,
                                     char **json);
/* The reason the window gave with its latest supplement request (一次性告知
 * before acceptance), malloc'ed into *reason; NULL when it gave none. */
tb_store_status tb_store_window_reason_read(tb_store *s, const char *number,
                                            char **reason);
/* The newest version of every definition: [{id, version, name,
 * deployed_at (RFC 3339, UTC: when that version was stored)}]. */
tb_store_status tb_store_definitions_read(tb_store *s, char **json);
/* Applications by state: {"in_review": 3, …}. */
tb_store_status tb_store_status_counts_read(tb_store *s, char **json);

/* ------------------------------------------------------------------------
 * The public tracking view
 * ---------------------------------------------------------------------- */

/* What the public tracking view is made of (store/tb_store_track.c). The
 * strings are malloc'ed; free them with tb_store_tracking_clear. */
typedef struct {
  tb_app_state state;
  const tb_definition *def; /* the version it runs on (the handle's cache) */
  char *applicant_name;     /* in full: the caller masks it */
  /* JSON arrays: the tasks decided "return", by id ({branch, round,
   * decision, comment, items, at: Unix seconds}); the licenses issued, in order
   * ({id, name, type, valid_until: "YYYY-MM-DD" or "long-term", payload,
   * revoked, revoked_at}); the public timeline, in order ({at, action, bureau}:
   * the events the applicant needs, claims and other internal steps left
   * out, and an "issue_license" entry for every license issued) */
  char *returns, *licenses, *timeline;
  /* The refusal or denial that ended the application, as a JSON object
   * (see tb_store_decision_read); NULL when none did. */
  char *decision;
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
/* SHA-256("NUMBER:CODE"): what is stored of a tracking code, and what
 * the tracking read compares (the API's tracking cache keeps it of the
 * code that was read). code NULL reads as "". */
void tb_store_tracking_digest(const char *number, const char *code,
                              uint8_t out[32]);

/* What the documents of an application (受理通知书 …, api_documents.c)
 * are made of: the tracking view plus the applicant's one number and a
 * JSON object of facts {"requests": the window's supplement requests
 * before acceptance [{at, items: material ids, reason}], "delivery": the
 * latest {at, method} or null, "licenses": [{id, name, issuer: bureau
 * code, valid_until: "YYYY-MM-DD" or null (long-term), revoked}]} (times
 * as Unix seconds). The tracking view's returns carry "at" (the return's
 * Unix time) too. Free with tb_store_documents_clear. */
typedef struct {
  tb_store_tracking tracking;
  char *applicant_number;
  char *facts;
} tb_store_documents;

/* All of it in one statement, without a code (the caller has checked who
 * asks): TB_STORE_NOT_FOUND for an unknown number. */
tb_store_status tb_store_documents_read(tb_store *s, const char *number,
                                        tb_store_documents *d);
void tb_store_documents_clear(tb_store_documents *d);

/* The refusal (不予受理) or denial (不予许可) that ended application
 * `number`, from its audit event: a JSON object {"action": "refuse" |
 * "deny", "at": Unix seconds of the decision, "bureau": code or null,
 * "reason", "legal_basis": the text given or null}, malloc'ed into *json
 * (the caller frees it); *json NULL when no such decision ended it.
 * TB_STORE_NOT_FOUND for an unknown number. */
tb_store_status tb_store_decision_read(tb_store *s, const char *number,
                                       char **json);

#endif /* TB_STORE_READ_H */
