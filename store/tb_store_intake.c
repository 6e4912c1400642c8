/*
 * tb_store_intake.c — intake alerts: one row per region, day and number
 * pool that ran out, counted up by every refused intake, and the list
 * inspectors read. Declared in tb_store_intake.h.
 */
#include "tb_store_intake.h"
#include "tb_store_int.h"

#include <stdlib.h>
#include <string.h>

static const tb_store_stmt S_RAISE = {
    "in_alert_raise",
    "INSERT INTO intake_alerts (region, day, pool) VALUES ($1, $2::date, $3) "
    "ON CONFLICT (region, day, pool) DO UPDATE SET refused = "
    "intake_alerts.refused + 1, last_at = now()",
    3};
static const tb_store_stmt S_READ = {
    "in_alerts_read",
    "SELECT coalesce(json_agg(json_build_object('region', region, 'day', "
    "day, 'pool', pool, 'first_at', first_at, 'last_at', last_at, "
    "'refused', refused) ORDER BY day DESC, region, pool), '[]')::text "
    "FROM (SELECT * FROM intake_alerts ORDER BY day DESC, region, pool "
    "LIMIT 100) x",
    0};

tb_store_status tb_store_intake_alert_raise(tb_store *s, tb_day day,
                                            bool public) {
  char date[11];
  tb_date_format(day, date);
  const char *params[] = {s->region, date, public ? "public" : "staff"};
  return tb_store_exec(s, &S_RAISE, params, NULL);
}

tb_store_status tb_store_intake_alerts_read(tb_store *s, char **json) {
  *json = NULL;
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_READ, NULL, &r);
  if (rc != TB_STORE_OK)
    return rc;
  const char *v = PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "[]";
  *json = tb_xstrndup(v, strlen(v));
  PQclear(r);
  return TB_STORE_OK;
}
