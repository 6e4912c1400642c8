/*
 * tb_store_ratings.h — 好差评 and 差评整改 (国办发〔2019〕51号, sql/
 * 0009_ratings_verifications.sql): the applicant's grades (the whole
 * application, and each bureau's handling), the rectification tickets
 * (整改) a grade of 1 or 2 opens for the responsible bureau, the bureau's
 * reply and the inspector's review (store/tb_store_ratings.c).
 *
 * A ticket's bureau NULL (JSON null) is the window (综合窗口): clerks
 * answer it. The window's own handling is rated under the bureau code
 * "window" (TB_STORE_WINDOW).
 *
 * Ownership: everything passed in is only read during the call; JSON
 * texts handed out (char **) are malloc'ed and the caller frees them.
 */
#ifndef TB_STORE_RATINGS_H
#define TB_STORE_RATINGS_H

#include "tb_store.h"
#include "tb_store_applications.h"

/* The bureau code under which the window's handling is rated. */
#define TB_STORE_WINDOW "window"

/* A grade of one bureau's handling (bureau: a code of a bureau with a
 * branch in the application, or TB_STORE_WINDOW). */
typedef struct {
  const char *bureau;
  int grade;           /* 1 非常不满意 … 5 非常满意 */
  const char *comment; /* NULL: none */
} tb_store_bureau_grade;

#define TB_STORE_MAX_BUREAU_GRADES 17

typedef struct {
  int grade; /* the whole application's, 1..5 (already in the state) */
  const char *comment;
  /* the bureau a bad grade of the whole application names as
   * responsible (it must have a branch in the application), or NULL:
   * the window answers it */
  const char *responsible;
  tb_store_bureau_grade bureaus[TB_STORE_MAX_BUREAU_GRADES];
  size_t n_bureaus;
} tb_store_rating;

/* Why a rating was refused (TB_STORE_REFUSED): the index of the bureau
 * grade (or -1: `responsible`) whose bureau had no branch in the
 * application, or is named twice. */
typedef struct {
  int index;
  bool twice;
} tb_store_rating_refusal;

/* Record a rating inside the transaction of the rate transition (after
 * it, the application row locked): the whole grade (bureau NULL) and each
 * bureau's in `ratings`; every grade of 1 or 2 opens a ticket due in the
 * definition's rectify-days working days from today by the stored
 * calendar — for a bureau's grade that bureau (the window's: NULL), for
 * the whole grade `responsible` or the window — each with the audit event
 * "rectification_opened" ({rectification, bureau, grade, due}); bureau
 * grades are the event "bureaus_rated" ({ratings: [{bureau, grade,
 * comment}]}). TB_STORE_REFUSED: *why says which bureau. */
tb_store_status tb_store_rating_record_in(tb_store *s, const char *number,
                                          const tb_store_rating *r,
                                          const tb_store_actor *actor,
                                          tb_store_rating_refusal *why);

/* The rectification tickets as a JSON array, newest first: {id, number,
 * service, service_name, bureau (null: the window), grade, comment, state
 * ("open", "replied", "closed"), due, overdue (open past due on `today`),
 * opened_at, reply, changes, replied_at, review, closed_at, reopened}.
 * bureau: NULL any, TB_STORE_WINDOW the window's, else that bureau's;
 * state: NULL any. At most limit (1..500). */
tb_store_status tb_store_rectifications_read(tb_store *s, const char *bureau,
                                             const char *state,
                                             const char *today, int limit,
                                             char **json);

/* One ticket as such an object; TB_STORE_NOT_FOUND when there is none. */
tb_store_status tb_store_rectification_read(tb_store *s, int64_t id,
                                            const char *today, char **json);

/* Why a ticket change was refused (TB_STORE_REFUSED). */
typedef enum {
  TB_STORE_TICKET_DONE = 0,
  TB_STORE_TICKET_WRONG_BUREAU, /* another bureau's (or the window's) */
  TB_STORE_TICKET_STATE         /* not in a state that allows it */
} tb_store_ticket_refusal;

/* The bureau's reply (open → replied), by an officer of the ticket's
 * bureau or a clerk for the window's (actor->role, actor->bureau):
 * reply to the applicant and what it changed; audit event
 * "rectification_replied". TB_STORE_NOT_FOUND: no such ticket. */
tb_store_status tb_store_rectification_reply_in(tb_store *s, int64_t id,
                                                const char *reply,
                                                const char *changes,
                                                const tb_store_actor *actor,
                                                tb_store_ticket_refusal *why);

/* The inspector's review of a replied ticket: close it, or reopen it
 * (open again, due in the definition's rectify-days from today, reopened
 * counted up); audit event "rectification_closed" or
 * "rectification_reopened" ({rectification, review, due}). */
tb_store_status tb_store_rectification_review_in(tb_store *s, int64_t id,
                                                 bool close, const char *review,
                                                 const tb_store_actor *actor,
                                                 tb_store_ticket_refusal *why);

/* What the applicant reads on the tracking page: the application's
 * grades ({bureau (null: the whole), grade}) and the bureaus' replies
 * ({bureau, reply, replied_at}) as {"ratings": […], "replies": […]}. */
tb_store_status tb_store_rating_public_read(tb_store *s, const char *number,
                                            char **json);

#endif /* TB_STORE_RATINGS_H */
