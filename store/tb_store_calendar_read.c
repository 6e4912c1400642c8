/*
 * tb_store_calendar_read.c — the working-day calendar as the
 * administrator's page reads it (GET /api/v1/calendar): where the stored
 * calendar came from and what it covers (calendar_meta), and every loaded
 * year with its holidays, its adjusted working days (调休) and the load
 * that last touched it (calendar_loads: source, file name, SHA-256). A
 * load writes its days and its calendar_loads row in one transaction, so
 * both carry the same now(): that is how a year finds its load. Declared
 * in tb_store_calendar.h.
 */
#include "tb_store_calendar.h"
#include "tb_store_int.h"

#define UTC_TEXT(ts)                                                           \
  "to_char(" ts " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static const tb_store_stmt S_CAL_YEARS = {
    "cal_years",
    "WITH d AS (SELECT extract(year FROM day)::integer AS year, day, kind, "
    "loaded_at FROM calendar_days), "
    "y AS (SELECT year, max(loaded_at) AS last FROM d GROUP BY year) "
    "SELECT json_build_object("
    "'source', m.source, 'covered_until', m.covered_until::text, "
    "'years', coalesce((SELECT json_agg(json_build_object("
    "'year', y.year, "
    "'holidays', coalesce((SELECT json_agg(d.day::text ORDER BY d.day) "
    "FROM d WHERE d.year = y.year AND d.kind = 'holiday'), '[]'::json), "
    "'workdays', coalesce((SELECT json_agg(d.day::text ORDER BY d.day) "
    "FROM d WHERE d.year = y.year AND d.kind = 'workday'), '[]'::json), "
    "'loaded_at', " UTC_TEXT(
        "y.last") ", "
                  "'source', l.source, 'file', l.name, 'sha256', "
                  "encode(l.sha256, 'hex')"
                  ") ORDER BY y.year) FROM y LEFT JOIN LATERAL (SELECT source, "
                  "name, "
                  "sha256 FROM calendar_loads c WHERE c.at = y.last AND "
                  "(c.covered_until "
                  "IS NULL OR c.covered_until >= make_date(y.year, 12, 31)) "
                  "ORDER BY c.covered_until, c.id DESC LIMIT 1) l ON true), "
                  "'[]'::json)"
                  ")::text FROM calendar_meta m",
    0};

tb_store_status tb_store_calendar_read(tb_store *s, char **json) {
  return tb_store_json_of(s, &S_CAL_YEARS, NULL, json);
}
