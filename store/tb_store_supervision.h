/*
 * tb_store_supervision.h — electronic supervision: the overview and the
 * alert list as JSON text, and the LISTEN connection that feeds the live
 * stream (store/tb_store_supervision.c).
 *
 * Ownership: *json out-parameters are malloc'ed text the caller frees. A
 * listener is owned by whoever opened it and closed with
 * tb_store_listener_close; the payloads handed to its callback are valid
 * only during the call.
 */
#ifndef TB_STORE_SUPERVISION_H
#define TB_STORE_SUPERVISION_H

#include "tb_store.h"

/* {"counts": {state: n}, "warnings": {"yellow", "red"} (open
 * applications), "bureaus": [{bureau, handled, open, average_days,
 * overdue, overdue_rate}], "services": [{service, name, total, handled,
 * open, average_days, overdue, overdue_rate}], "today", "at"}. Working
 * days follow the stored calendar; a task is overdue when decided after
 * its deadline or still open past it, an application when finished after
 * its deadline or red while open. *json is malloc'ed. */
tb_store_status tb_store_supervision_overview(tb_store *s, char **json);

/* Open applications with a yellow or red warning (their own or one of a
 * bureau branch) as a JSON array: number, service, service_name, state,
 * warning, level ("yellow" | "red": the worst), deadline, tasks [{id,
 * bureau, task, state, deadline, warning}]; red first, then by deadline.
 * level NULL: both. At most limit items (1..10000). */
/* The cards counted the way the lists show them, and the calendar's
 * coverage: {"warnings": {"yellow", "red"} (open applications by their
 * alert level: red when the application or one of its open tasks is red,
 * else yellow when one is yellow — the length of the alert list of that
 * level), "task_warnings": {"yellow", "red"} (open tasks by their card,
 * as the worklist shows them), "calendar": {"source" ("shipped",
 * "administrator" or null), "covered_until" (date or null),
 * "provisional" (open applications whose promised deadline lies past it,
 * all of them when nothing was loaded)}}. *json is malloc'ed. */
tb_store_status tb_store_supervision_cards(tb_store *s, char **json);

tb_store_status tb_store_supervision_alerts(tb_store *s, const char *level,
                                            int limit, char **json);

/* A connection that LISTENs on channel "tongban" (one per server process;
 * not a tb_store handle: it runs no transactions). */
typedef struct tb_store_listener tb_store_listener;
typedef void (*tb_store_notify_fn)(const char *payload, void *cls);

/* Connect and LISTEN; TB_STORE_UNAVAILABLE (logged) when it cannot. */
tb_store_status tb_store_listener_open(const char *conninfo,
                                       tb_store_listener **out);
/* The socket to poll for input (-1 for NULL). */
int tb_store_listener_fd(const tb_store_listener *l);
/* Read what arrived and call fn for each notification's payload, in
 * order. TB_STORE_UNAVAILABLE when the connection is gone: close it and
 * open a new one (notifications sent meanwhile are lost). */
tb_store_status tb_store_listener_drain(tb_store_listener *l,
                                        tb_store_notify_fn fn, void *cls);
void tb_store_listener_close(tb_store_listener *l); /* NULL is fine */

#endif /* TB_STORE_SUPERVISION_H */
