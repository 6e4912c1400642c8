/*
 * tb_store_calendar.h — the working-day calendar in the database: the
 * State Council schedules shipped in the binary and loaded on first start,
 * an administrator's loads (which always win), where the calendar came
 * from and the days it covers, and recomputing every open deadline after
 * a load (store/tb_store_calendar.c, tb_store_recompute.c).
 * tb_store_calendar_get (the cached
 * calendar) is declared in tb_store_definitions.h.
 */
#ifndef TB_STORE_CALENDAR_H
#define TB_STORE_CALENDAR_H

#include "tb_store.h"

#include <stdbool.h>
#include <stddef.h>

/* One shipped calendar file, embedded at build time by embed_calendar.py
 * from calendar/YYYY.txt: its name ("calendar/2026.txt") and its text. */
typedef struct {
  const char *name;
  const char *text;
  size_t len;
} tb_store_calendar_file;

extern const tb_store_calendar_file tb_store_calendar_files[];
extern const size_t tb_store_calendar_file_count;

/* Where the stored calendar came from, and what it covers. */
typedef struct {
  char source[16];      /* "shipped", "administrator"; "" never loaded */
  tb_day covered_until; /* the last day covered; 0 when none */
  int64_t version;      /* counts loads */
} tb_store_calendar_info;

tb_store_status tb_store_calendar_info_read(tb_store *s,
                                            tb_store_calendar_info *out);

/* First start: load the shipped files in one transaction, unless a
 * calendar was ever loaded (shipped or by an administrator: that one is
 * never overwritten). *loaded says whether this call loaded them. Each
 * file's load is recorded in calendar_loads and logged as a security
 * event. TB_STORE_INVALID (a shipped file does not parse, *p says why)
 * cannot happen with the files the build checked. */
tb_store_status tb_store_calendar_ship(tb_store *s, bool *loaded,
                                       tb_problem *p);

/* Recompute the deadlines of every open application with the stored
 * calendar: the event deadline_recomputed through the engine, each
 * application under its row lock, `batch` applications (1..1000) per
 * transaction. An application whose deadlines move gets the audited
 * event (old and new dates in its payload); the others get nothing.
 * *seen counts the open applications looked at, *moved those whose
 * deadlines moved (either may be NULL). */
tb_store_status tb_store_calendar_recompute(tb_store *s, int batch,
                                            size_t *seen, size_t *moved);

/* The stored calendar as JSON (tb_store_calendar_read.c), malloc'ed into
 * *json, the caller's to free: {source, covered_until, years: [{year,
 * holidays: ["YYYY-MM-DD"…], workdays: […], loaded_at (RFC 3339, UTC),
 * source, file, sha256}]} — source and covered_until null when nothing
 * was ever loaded; a year's source, file and sha256 are those of the load
 * that last touched it (null when no load recorded it). */
tb_store_status tb_store_calendar_read(tb_store *s, char **json);

#endif /* TB_STORE_CALENDAR_H */
