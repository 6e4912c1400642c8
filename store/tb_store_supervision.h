/*
 * tb_store_supervision.h — electronic supervision: the overview and the
 * alert list as JSON text (store/tb_store_supervision.c). The events that
 * feed the live stream: tb_store_events.h.
 *
 * Ownership: *json out-parameters are malloc'ed text the caller frees.
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

#endif /* TB_STORE_SUPERVISION_H */
