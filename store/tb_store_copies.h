/*
 * tb_store_copies.h — 抄送: the copies a completed step sends to a bureau
 * (or one group of it) for information (task_copies, sql/0017), written
 * in the transition's transaction and read by the officers they are for
 * (store/tb_store_copies.c).
 *
 * Ownership: nothing passed in is kept; JSON text handed out is
 * malloc'ed and the caller's to free.
 */
#ifndef TB_STORE_COPIES_H
#define TB_STORE_COPIES_H

#include "tb_store.h"
#include "tb_store_accounts.h"
#include "tb_store_applications.h"

/* TB_EFFECT_COPY of outcome o, inside the transition's transaction: one
 * task_copies row per copy target of step e->step of branch e->branch
 * (from the branch's bureau, at the branch's round after the step), a
 * row already there left alone. TB_STORE_ERROR when e names no step of
 * o->def. */
tb_store_status tb_store_copies_write_in(tb_store *s, const tb_store_outcome *o,
                                         const tb_effect *e);

/* Who reads copies: an officer of `bureau` in `groups`. A copy is
 * theirs when it is to that bureau and to no group or one of theirs. */
typedef struct {
  const char *bureau;
  const tb_store_groups *groups; /* NULL: none */
  int64_t account;               /* the reader (marking read) */
} tb_store_copy_reader;

/* The reader's copies, newest first, as {"items": [{id, application,
 * service, branch, step, step_name, round, from_bureau, bureau, group,
 * created_at, read_at, read_by}]}: only unread ones when unread, at most
 * limit (1..200), only those with an id below before (0: from the
 * newest). */
tb_store_status tb_store_copies_list(tb_store *s, const tb_store_copy_reader *r,
                                     bool unread, int limit, int64_t before,
                                     char **json);

/* Mark copy id read by the reader (the first reader stays: marking
 * again changes nothing) and hand out the copy as tb_store_copies_list
 * does, as its only item; statements of the caller's transaction.
 * TB_STORE_NOT_FOUND (and *json NULL) when there is no such copy or it
 * is not the reader's. */
tb_store_status tb_store_copy_read_in(tb_store *s,
                                      const tb_store_copy_reader *r, int64_t id,
                                      char **json);

#endif /* TB_STORE_COPIES_H */
