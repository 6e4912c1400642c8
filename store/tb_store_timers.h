/*
 * tb_store_timers.h — deadlines that fire: due timer rows run TB_EV_TIMER
 * through the transition path, one transaction each, and a scheduler
 * thread that fires them (and purges expired idempotency keys) on its own
 * handle (store/tb_store_timers.c).
 *
 * Ownership: the scheduler copies its options (strings, loader, license
 * handler); the handler's cls must outlive the scheduler.
 */
#ifndef TB_STORE_TIMERS_H
#define TB_STORE_TIMERS_H

#include "tb_store.h"

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
 * database goes away. Its handle is opened with o (pass the loader: a
 * timer needs the application's definition). */
typedef struct tb_store_scheduler tb_store_scheduler;

tb_store_status tb_store_scheduler_start(const tb_store_options *o,
                                         double interval,
                                         tb_store_scheduler **out);
/* Stop the thread, wait for it and free everything. NULL is fine. */
void tb_store_scheduler_stop(tb_store_scheduler *sch);
/* How many timers it has fired so far. */
int64_t tb_store_scheduler_fired(const tb_store_scheduler *sch);

#endif /* TB_STORE_TIMERS_H */
