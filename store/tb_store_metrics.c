/*
 * tb_store_metrics.c — the store's counters for an operator's metrics
 * (tb_store_metrics.h) and the gauges read from the database: timers
 * due and the scheduler's lag, open supervision findings by card.
 */
#include "tb_store_metrics.h"
#include "tb_store_int.h"

#include <stdlib.h>
#include <string.h>

const char *tb_store_retry_sqlstate(tb_store_retry_reason r) {
  static const char *const names[] = {
      [TB_STORE_RETRY_40001] = "40001",
      [TB_STORE_RETRY_40P01] = "40P01",
      [TB_STORE_RETRY_08006] = "08006",
  };
  return (unsigned)r < TB_STORE_RETRY_COUNT ? names[r] : "";
}

void tb_store_counters_init(tb_store_counters *c) {
  atomic_init(&c->open, 0);
  atomic_init(&c->in_use, 0);
  atomic_init(&c->waits, 0);
  atomic_init(&c->wait_us, 0);
  atomic_init(&c->open_failures, 0);
  for (size_t i = 0; i < TB_STORE_RETRY_COUNT; i++)
    atomic_init(&c->retries[i], 0);
  atomic_init(&c->given_up, 0);
  atomic_init(&c->timers_fired, 0);
  atomic_init(&c->timers_late, 0);
}

/* The lag is measured on the database's clock, the one timers are
 * claimed by (due_at <= now()). */
static const tb_store_stmt S_GAUGES = {
    "metrics_gauges",
    "SELECT (SELECT count(*) FROM timers WHERE due_at <= now()), "
    "(SELECT coalesce(extract(epoch FROM now() - min(due_at)), 0) "
    "FROM timers WHERE due_at <= now()), "
    "(SELECT count(*) FROM supervision_alerts WHERE level = 'yellow' "
    "AND answered_at IS NULL AND decided_at IS NULL), "
    "(SELECT count(*) FROM supervision_alerts WHERE level = 'red' "
    "AND answered_at IS NULL AND decided_at IS NULL)",
    0};

tb_store_status tb_store_gauges_read(tb_store *s, tb_store_gauges *out) {
  memset(out, 0, sizeof *out);
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_GAUGES, NULL, &r);
  if (rc != TB_STORE_OK)
    return rc;
  tb_store_parse_i64(PQgetvalue(r, 0, 0), &out->timers_due);
  out->scheduler_lag = strtod(PQgetvalue(r, 0, 1), NULL);
  tb_store_parse_i64(PQgetvalue(r, 0, 2), &out->alerts_open[0]);
  tb_store_parse_i64(PQgetvalue(r, 0, 3), &out->alerts_open[1]);
  PQclear(r);
  return TB_STORE_OK;
}
