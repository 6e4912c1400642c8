/*
 * tb_store_calendar.c — the working-day calendar in the database.
 *
 * calendar_days holds the exceptions to Monday–Friday; calendar_meta its
 * version (bumped by every load, so each handle's cached calendar is
 * rebuilt), its time zone, where it came from (shipped / administrator)
 * and the last day it covers. The shipped schedules are embedded in the
 * binary (tb_store_calendar_data.c, generated from calendar/) and loaded
 * on first start only; an administrator's `tongban calendar load FILE`
 * always wins. Every load is a security event: a row of calendar_loads
 * (the file's name and SHA-256), an event of the security log in the
 * load's transaction ("calendar_loaded") and a log line. Recomputing the open
 * deadlines after a load is tb_store_recompute.c. Declared in
 * tb_store_calendar.h and tb_store_definitions.h.
 */
#include "tb_store_calendar.h"
#include "tb_store_int.h"
#include "tb_store_security_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UTC8 28800

static const tb_store_stmt S_CAL_META = {
    "cal_meta",
    "SELECT version, utc_offset, coalesce(covered_until - date "
    "'1970-01-01', 0), coalesce(source, '') FROM calendar_meta",
    0};
static const tb_store_stmt S_CAL_LOCK = {
    "cal_lock", "SELECT coalesce(source, '') FROM calendar_meta FOR UPDATE", 0};
static const tb_store_stmt S_CAL_DAYS = {
    "cal_days", "SELECT day::text, kind FROM calendar_days ORDER BY day", 0};
static const tb_store_stmt S_CAL_PUT = {
    "cal_put",
    "INSERT INTO calendar_days (day, kind) VALUES ($1::date, $2) "
    "ON CONFLICT (day) DO UPDATE SET kind = EXCLUDED.kind, loaded_at = now()",
    2};
static const tb_store_stmt S_CAL_MARK = {
    "cal_mark",
    "UPDATE calendar_meta SET version = version + 1, source = $1, "
    "covered_until = greatest(covered_until, CASE WHEN $2::integer > 0 THEN "
    "date '1970-01-01' + $2::integer END), loaded_at = now()",
    2};
static const tb_store_stmt S_CAL_LOG = {
    "cal_log",
    "INSERT INTO calendar_loads (source, name, sha256, days, covered_until) "
    "VALUES ($1, $2, decode($3, 'hex'), $4::integer, CASE WHEN $5::integer > "
    "0 THEN date '1970-01-01' + $5::integer END)",
    5};

/* ---- reading ------------------------------------------------------------ */

static tb_store_status reload_calendar(tb_store *s, int64_t version,
                                       int32_t offset, tb_day covered) {
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_CAL_DAYS, NULL, &r);
  if (rc != TB_STORE_OK)
    return rc;
  tb_calendar *cal = tb_calendar_new(offset);
  for (int i = 0; i < PQntuples(r); i++) {
    const char *day = PQgetvalue(r, i, 0);
    tb_day d;
    if (tb_date_parse(day, strlen(day), &d) != TB_OK)
      continue;
    tb_calendar_set(cal, d,
                    strcmp(PQgetvalue(r, i, 1), "holiday") == 0
                        ? TB_DAY_HOLIDAY
                        : TB_DAY_WORKDAY);
  }
  PQclear(r);
  tb_calendar_cover(cal, covered);
  tb_calendar_free(s->calendar);
  s->calendar = cal;
  s->calendar_version = version;
  return TB_STORE_OK;
}

tb_store_status tb_store_calendar_info_read(tb_store *s,
                                            tb_store_calendar_info *out) {
  memset(out, 0, sizeof *out);
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_CAL_META, NULL, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(r) == 1) {
    int64_t covered = 0;
    tb_store_parse_i64(PQgetvalue(r, 0, 0), &out->version);
    tb_store_parse_i64(PQgetvalue(r, 0, 2), &covered);
    out->covered_until = (tb_day)covered;
    tb_store_copy(out->source, sizeof out->source, PQgetvalue(r, 0, 3));
  }
  PQclear(r);
  return TB_STORE_OK;
}

tb_store_status tb_store_calendar_meta(tb_store *s, const PGresult *r, int row,
                                       int col, const tb_calendar **out) {
  int64_t version = 0, offset = UTC8, covered = 0;
  if (row < PQntuples(r) && !PQgetisnull(r, row, col)) {
    tb_store_parse_i64(PQgetvalue(r, row, col), &version);
    tb_store_parse_i64(PQgetvalue(r, row, col + 1), &offset);
    tb_store_parse_i64(PQgetvalue(r, row, col + 2), &covered);
  }
  tb_store_status rc = TB_STORE_OK;
  if (!s->calendar || version != s->calendar_version)
    rc = reload_calendar(s, version, (int32_t)offset, (tb_day)covered);
  s->cal_checked = s->in_txn && rc == TB_STORE_OK;
  *out = s->calendar;
  return rc;
}

tb_store_status tb_store_calendar_get(tb_store *s, const tb_calendar **out) {
  if (s->in_txn && s->cal_checked && s->calendar) {
    *out = s->calendar; /* this transaction read its version already */
    return TB_STORE_OK;
  }
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_CAL_META, NULL, &r);
  if (rc != TB_STORE_OK)
    return rc;
  rc = tb_store_calendar_meta(s, r, 0, 0, out);
  PQclear(r);
  return rc;
}

/* ---- loading -------------------------------------------------------------
 */

/* One file to load, parsed. */
typedef struct {
  const char *name;
  char sha256[65];
  tb_calendar *cal;
} parsed_file;

typedef struct {
  const char *source; /* "shipped" or "administrator" */
  parsed_file *files;
  size_t n;
  bool skipped;                       /* shipped, but loaded before */
  const tb_store_security_actor *who; /* who loads it (the security log) */
} load_job;

static tb_store_status put_days(tb_store *s, const tb_calendar *cal) {
  size_t n = tb_calendar_count(cal);
  for (size_t i = 0; i < n; i++) {
    tb_day d;
    tb_day_kind kind;
    tb_calendar_get(cal, i, &d, &kind);
    char date[11];
    tb_date_format(d, date);
    const char *params[] = {date,
                            kind == TB_DAY_HOLIDAY ? "holiday" : "workday"};
    tb_store_status rc = tb_store_exec(s, &S_CAL_PUT, params, NULL);
    if (rc != TB_STORE_OK)
      return rc;
  }
  return TB_STORE_OK;
}

static tb_store_status log_file(tb_store *s, const load_job *j,
                                const parsed_file *f) {
  char days[24], covered[24];
  snprintf(days, sizeof days, "%zu", tb_calendar_count(f->cal));
  snprintf(covered, sizeof covered, "%d",
           (int)tb_calendar_covered_until(f->cal));
  const char *params[] = {j->source, f->name, f->sha256, days, covered};
  return tb_store_exec(s, &S_CAL_LOG, params, NULL);
}

/* The load in the security log, "calendar:YEAR" (the last year it
 * covers), with every file's name, SHA-256 and days. */
static tb_store_status security_event(tb_store *s, const load_job *j,
                                      tb_day covered) {
  json_t *files = json_array();
  for (size_t i = 0; i < j->n; i++)
    json_array_append_new(
        files, json_pack("{s:s, s:s, s:I}", "file", j->files[i].name, "sha256",
                         j->files[i].sha256, "days",
                         (json_int_t)tb_calendar_count(j->files[i].cal)));
  char until[11], subject[32];
  tb_date_format(covered, until);
  snprintf(subject, sizeof subject, "calendar:%.4s", until);
  return tb_store_security_log_add(
      s, "calendar_loaded", j->who, subject, TB_SECURITY_OK,
      json_pack("{s:s, s:s, s:o}", "source", j->source, "covers_until", until,
                "files", files));
}

static tb_store_status load_body(tb_store *s, void *cls) {
  load_job *j = cls;
  j->skipped = false;
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_CAL_LOCK, NULL, &r);
  if (rc != TB_STORE_OK)
    return rc;
  bool ever = PQgetvalue(r, 0, 0)[0] != '\0';
  PQclear(r);
  if (ever && strcmp(j->source, "shipped") == 0) {
    j->skipped = true;
    return TB_STORE_OK;
  }
  tb_day covered = 0;
  for (size_t i = 0; i < j->n; i++) {
    if ((rc = put_days(s, j->files[i].cal)) != TB_STORE_OK ||
        (rc = log_file(s, j, &j->files[i])) != TB_STORE_OK)
      return rc;
    tb_day c = tb_calendar_covered_until(j->files[i].cal);
    covered = c > covered ? c : covered;
  }
  char cov[24];
  snprintf(cov, sizeof cov, "%d", (int)covered);
  const char *params[] = {j->source, cov};
  rc = tb_store_exec(s, &S_CAL_MARK, params, NULL);
  s->cal_checked = false; /* a new version: read it again if asked */
  return rc == TB_STORE_OK ? security_event(s, j, covered) : rc;
}

/* Parse a file on its own (for its days, coverage and digest). */
static bool parse_file(parsed_file *f, const char *name, const char *text,
                       size_t len, tb_problem *p) {
  f->name = name;
  f->cal = tb_calendar_new(UTC8);
  uint8_t digest[32];
  tb_store_sha256(text, len, NULL, 0, digest);
  tb_hex_encode(digest, 32, f->sha256);
  return tb_calendar_parse(f->cal, text, len, p) == TB_OK;
}

static void log_loaded(const load_job *j) {
  for (size_t i = 0; i < j->n; i++) {
    char covered[11];
    tb_date_format(tb_calendar_covered_until(j->files[i].cal), covered);
    tb_log_kv(TB_LOG_INFO, "store", "calendar loaded",
              TB_LOG_S("security", "calendar_load"),
              TB_LOG_S("source", j->source), TB_LOG_S("file", j->files[i].name),
              TB_LOG_S("sha256", j->files[i].sha256),
              TB_LOG_I("days", (int64_t)tb_calendar_count(j->files[i].cal)),
              TB_LOG_S("covers_until", covered));
  }
}

static tb_store_status run_load(tb_store *s, load_job *j) {
  tb_store_status rc = tb_store_run_transaction(s, load_body, j);
  if (rc == TB_STORE_OK && !j->skipped)
    log_loaded(j);
  for (size_t i = 0; i < j->n; i++)
    tb_calendar_free(j->files[i].cal);
  return rc;
}

tb_store_status tb_store_calendar_load(tb_store *s, const char *text,
                                       size_t len, const char *name,
                                       const tb_store_security_actor *who,
                                       size_t *days, tb_problem *p) {
  *days = 0;
  parsed_file f;
  if (!parse_file(&f, name && *name ? name : "calendar", text, len, p)) {
    tb_calendar_free(f.cal);
    return TB_STORE_INVALID;
  }
  size_t n = tb_calendar_count(f.cal);
  static const tb_store_security_actor server = {.kind = TB_SECURITY_SYSTEM};
  load_job j = {"administrator", &f, 1, false, who ? who : &server};
  tb_store_status rc = run_load(s, &j);
  if (rc == TB_STORE_OK)
    *days = n;
  return rc;
}

tb_store_status tb_store_calendar_ship(tb_store *s, bool *loaded,
                                       tb_problem *p) {
  *loaded = false;
  size_t n = tb_store_calendar_file_count;
  parsed_file *files = tb_xcalloc(n ? n : 1, sizeof *files);
  for (size_t i = 0; i < n; i++) {
    const tb_store_calendar_file *cf = &tb_store_calendar_files[i];
    if (!parse_file(&files[i], cf->name, cf->text, cf->len, p)) {
      for (size_t k = 0; k <= i; k++)
        tb_calendar_free(files[k].cal);
      free(files);
      return TB_STORE_INVALID;
    }
  }
  static const tb_store_security_actor server = {.kind = TB_SECURITY_SYSTEM};
  load_job j = {"shipped", files, n, false, &server};
  tb_store_status rc = run_load(s, &j);
  *loaded = rc == TB_STORE_OK && !j.skipped;
  free(files);
  return rc;
}
