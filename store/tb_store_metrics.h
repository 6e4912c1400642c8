/*
 * tb_store_metrics.h — what the store counts for an operator's metrics:
 * its database connections (open, in use, the waits for one to open),
 * transaction retries by SQLSTATE and the timers it fires; and a read of
 * the gauges kept in the database (timers due, the scheduler's lag, open
 * supervision findings by card) (store/tb_store_metrics.c).
 *
 * The counters are plain atomics that the caller owns and passes in
 * tb_store_options.counters: every handle opened with them (a server's
 * worker handles and its scheduler's) adds to the same set, and the
 * caller reads the fields directly. The store never formats metrics.
 *
 * Ownership: the counters must outlive every handle opened with them.
 */
#ifndef TB_STORE_METRICS_H
#define TB_STORE_METRICS_H

#include "tb_store.h"

#include <stdatomic.h>

/* The SQLSTATEs a transaction is retried on, in the order of
 * tb_store_counters.retries: serialization failure, deadlock, and a
 * connection found dead at BEGIN and reopened (connection_failure). */
typedef enum {
  TB_STORE_RETRY_40001 = 0,
  TB_STORE_RETRY_40P01,
  TB_STORE_RETRY_08006,
  TB_STORE_RETRY_COUNT
} tb_store_retry_reason;

/* The SQLSTATE of a retry reason ("40001", "40P01", "08006"). */
const char *tb_store_retry_sqlstate(tb_store_retry_reason r);

/* A timer that fires more than this many seconds after its due time is
 * counted as late. */
#define TB_STORE_TIMER_LATE_SECONDS 60

struct tb_store_counters {
  atomic_llong open;           /* connections open now */
  atomic_llong in_use;         /* connections running a statement or a
                                  transaction now */
  atomic_ullong waits;         /* times a handle waited for its
                                  connection to be opened (first use or
                                  reopened after it was lost) */
  atomic_ullong wait_us;       /* the total time of those waits, µs */
  atomic_ullong open_failures; /* connection attempts that failed */
  atomic_ullong retries[TB_STORE_RETRY_COUNT]; /* transactions retried */
  atomic_ullong given_up;     /* transactions that exhausted their tries */
  atomic_ullong timers_fired; /* timers fired (committed) */
  atomic_ullong timers_late;  /* of those, fired more than
                                 TB_STORE_TIMER_LATE_SECONDS late */
};

/* Set every counter to zero. */
void tb_store_counters_init(tb_store_counters *c);

/* What the database says now. */
typedef struct {
  int64_t timers_due;     /* timer rows whose due time has passed */
  double scheduler_lag;   /* seconds since the oldest of them was due (0:
                             none is due) */
  int64_t alerts_open[2]; /* supervision findings open (neither answered
                             nor decided): [0] yellow, [1] red */
} tb_store_gauges;

/* Read the gauges in one statement. */
tb_store_status tb_store_gauges_read(tb_store *s, tb_store_gauges *out);

#endif /* TB_STORE_METRICS_H */
