/*
 * tb_store_stats.h — the statistics of electronic supervision (issue 15
 * §7): per bureau, per service or per window, over the applications
 * accepted (or completed) in a range of dates, computed by PostgreSQL in
 * one prepared statement per grouping (store/tb_store_stats.c).
 *
 * Ownership: the *json out-parameter is malloc'ed text the caller frees.
 */
#ifndef TB_STORE_STATS_H
#define TB_STORE_STATS_H

#include "tb_store.h"

typedef enum {
  TB_STATS_BY_BUREAU,
  TB_STATS_BY_SERVICE,
  TB_STATS_BY_WINDOW
} tb_stats_by;

typedef enum { TB_STATS_ACCEPTED, TB_STATS_COMPLETED } tb_stats_basis;

/* The applications whose acceptance (TB_STATS_ACCEPTED) or completion —
 * approved, denied or delivered — (TB_STATS_COMPLETED) falls on a local
 * date from..to (inclusive, "YYYY-MM-DD"), grouped; *json gets a JSON
 * array of rows ordered by key:
 *   key, name: the bureau's code (name null: the caller names it), the
 *     service's id and name, or the window: "clerk:ID" with the clerk's
 *     username, or "channel:window" / "channel:online" (name null) when
 *     no clerk is recorded;
 *   applications, completed, on_time (completed by the deadline),
 *   on_time_rate (on_time / completed, 4 places; null when none),
 *   average_days, p90_days: the working time from acceptance to
 *     completion in working days with one decimal (tb_working_time in
 *     sql/0011_statistics.sql; a positive time below 0.05 shows as 0.1,
 *     never 0); null when none is completed;
 *   returns (tasks returned), denials (不予许可), red_cards (red alerts
 *     not revoked), rated, grade_1 … grade_5, satisfaction_rate (grades
 *     4–5 among rated, 4 places; null when none), bad (grades 1–2),
 *     bad_fixed_on_time (of those, 整改 closed with a reply on or before
 *     its due day).
 * Per bureau a row is the bureau's part of each application: its tasks,
 * from the first created to the last decided, on time when each was
 * decided by its deadline; its red cards and ratings name the bureau.
 * Per service and per window a row is the whole application; ratings
 * are the whole application's; a window's red cards are those naming
 * the window (no bureau). */
tb_store_status tb_store_stats_read(tb_store *s, tb_stats_by by,
                                    tb_stats_basis basis, const char *from,
                                    const char *to, char **json);

#endif /* TB_STORE_STATS_H */
