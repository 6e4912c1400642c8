/*
 * tb_store_recompute.c — after a calendar load, every open deadline again:
 * each open application gets the engine's deadline_recomputed event
 * through the transition path (its row locked, audited only when a
 * deadline moves), a bounded batch of applications per transaction, so a
 * large database is never one giant transaction. Declared in
 * tb_store_calendar.h.
 */
#include "tb_store_calendar.h"
#include "tb_store_int.h"

#include <stdio.h>
#include <stdlib.h>

static const tb_store_stmt S_CAL_OPEN = {
    "cal_open",
    "SELECT id, number FROM applications WHERE status IN ('in_review', "
    "'returned', 'suspended', 'awaiting_materials') AND id > $1::bigint "
    "ORDER BY id LIMIT $2::integer",
    2};

/* ---- recomputing the open deadlines -------------------------------------
 */

typedef struct {
  int64_t after; /* the last application id of the batches committed */
  int64_t last;  /* the last id of this batch */
  int batch;
  size_t seen, moved; /* of this batch */
  bool more;
  tb_store_outcome *out;
} recompute_job;

static tb_store_status recompute_one(tb_store *s, recompute_job *j,
                                     const char *number) {
  static const tb_store_actor calendar = {0, "calendar", "system", NULL};
  tb_event ev = {.kind = TB_EV_RECOMPUTE};
  tb_store_status rc =
      tb_store_transition_in(s, number, &ev, &calendar, NULL, j->out);
  if (rc == TB_STORE_REFUSED) {
    tb_log_kv(TB_LOG_WARN, "store", "deadlines not recomputed",
              TB_LOG_S("application", number),
              TB_LOG_S("error", j->out->problem.detail));
    return TB_STORE_OK; /* nothing was written for it */
  }
  if (rc == TB_STORE_OK && j->out->engine == TB_OK)
    j->moved++;
  return rc;
}

static tb_store_status recompute_body(tb_store *s, void *cls) {
  recompute_job *j = cls;
  j->seen = j->moved = 0;
  j->more = false;
  char after[24], limit[16];
  snprintf(after, sizeof after, "%lld", (long long)j->after);
  snprintf(limit, sizeof limit, "%d", j->batch);
  const char *params[] = {after, limit};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_CAL_OPEN, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  int n = PQntuples(r);
  int64_t last = j->after;
  for (int i = 0; rc == TB_STORE_OK && i < n; i++) {
    tb_store_parse_i64(PQgetvalue(r, i, 0), &last);
    j->seen++;
    rc = recompute_one(s, j, PQgetvalue(r, i, 1));
  }
  PQclear(r);
  if (rc == TB_STORE_OK) {
    j->more = n == j->batch;
    j->last = last; /* becomes the cursor once this batch committed */
  }
  return rc;
}

tb_store_status tb_store_calendar_recompute(tb_store *s, int batch,
                                            size_t *seen, size_t *moved) {
  recompute_job j = {.batch = batch < 1 ? 1 : batch > 1000 ? 1000 : batch};
  j.out = tb_xmalloc(sizeof *j.out);
  size_t total_seen = 0, total_moved = 0;
  tb_store_status rc = TB_STORE_OK;
  do {
    rc = tb_store_run_transaction(s, recompute_body, &j);
    if (rc != TB_STORE_OK)
      break;
    j.after = j.last;
    total_seen += j.seen;
    total_moved += j.moved;
  } while (j.more);
  free(j.out);
  tb_log_kv(TB_LOG_INFO, "store", "deadlines recomputed",
            TB_LOG_I("open", (int64_t)total_seen),
            TB_LOG_I("moved", (int64_t)total_moved),
            TB_LOG_S("result", tb_store_status_name(rc)));
  if (seen)
    *seen = total_seen;
  if (moved)
    *moved = total_moved;
  return rc;
}
