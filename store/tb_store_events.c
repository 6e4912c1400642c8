/*
 * tb_store_events.c — change events as rows of event_tail, what a
 * handle tells its caller after COMMIT, and the listener that tails the
 * rows (tb_store_events.h has the design).
 *
 * The tail's read is one statement: the snapshot it ran in (its xmin)
 * and the rows with an id above the last one seen or among the holes.
 * A hole is an id below the last one seen that was not there: its
 * writer is in flight or rolled back. The writer had its transaction id
 * before it took the row's id (every change writes its state or an
 * account before its event, and the insert below asks for the
 * transaction id first in any case), so before the read that found the
 * hole. A snapshot's xmax cannot bound that id (it is one past the
 * newest *completed* transaction; one still running may have a higher
 * id), so after a read that found new holes the listener takes a
 * transaction id of its own (a one-statement transaction, committed
 * without waiting for the disk): it is higher than the writer's. Once a
 * read's xmin is above it, the writer has ended, and a read that still
 * does not return the hole forgets it.
 */
#include "tb_store_int.h"
#include "tb_util.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HOLES 4096   /* ids skipped and still awaited */
#define BATCH 2000       /* rows one read delivers at most */
#define PRIME_WINDOW 512 /* ids before the newest checked at start */

/* ---- the write side ------------------------------------------------------ */

/* The bureaus are read in the change's own transaction, after its tasks
 * were written: exactly those that have a task in the application when
 * the change commits (the role matrix's "own bureau's"). The WHERE
 * clause takes the transaction's id before the row takes its own. */
static const tb_store_stmt S_EVENT_INSERT = {
    "ev_insert",
    "INSERT INTO event_tail (payload) SELECT ($1::jsonb || "
    "jsonb_build_object('bureaus', (SELECT coalesce(jsonb_agg(DISTINCT "
    "t.bureau ORDER BY t.bureau), '[]'::jsonb) FROM tasks t JOIN "
    "applications a ON a.id = t.application_id WHERE a.number = $1::jsonb "
    "->> 'number')))::text WHERE pg_current_xact_id() IS NOT NULL "
    "RETURNING payload::jsonb ->> 'number'",
    1};

static void record_number(tb_store *s, const char *number) {
  for (size_t i = 0; i < s->n_ev; i++)
    if (strcmp(s->ev_numbers[i], number) == 0)
      return;
  if (s->n_ev == TB_STORE_EVENT_NUMBERS || strlen(number) >= 32) {
    s->ev_overflow = true;
    return;
  }
  tb_store_copy(s->ev_numbers[s->n_ev++], 32, number);
}

tb_store_status tb_store_notify_json(tb_store *s, const char *json) {
  const char *params[] = {json};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_EVENT_INSERT, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
    record_number(s, PQgetvalue(r, 0, 0));
  else
    s->ev_overflow = true; /* no number: everything may have changed */
  PQclear(r);
  if (!s->in_txn)
    tb_store_events_tell(s);
  return TB_STORE_OK;
}

tb_store_status tb_store_notify_change(tb_store *s, const char *number,
                                       int32_t seq, const char *action,
                                       const tb_app_state *st) {
  json_t *n = json_pack("{s:s, s:i, s:s, s:s, s:s}", "number", number, "seq",
                        (int)seq, "action", action, "status",
                        tb_app_status_name((tb_app_status)st->status),
                        "warning", tb_warning_name((tb_warning)st->warning));
  char *text = json_dumps(n, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(n);
  tb_store_status rc;
  if (s->in_txn) {
    /* the row's number is this one: nothing to read back, so the insert
     * waits in the queue for COMMIT's round trip */
    const char *params[] = {text};
    rc = tb_store_exec_deferred(s, &S_EVENT_INSERT, params);
    if (rc == TB_STORE_OK)
      record_number(s, number);
  } else {
    rc = tb_store_notify_json(s, text);
  }
  free(text);
  return rc;
}

void tb_store_event_accounts(tb_store *s) {
  s->ev_accounts = true;
  if (!s->in_txn)
    tb_store_events_tell(s);
}

/* ---- the listener -------------------------------------------------------- */

typedef struct {
  int64_t id;
  uint64_t bound; /* a transaction id above its writer's (0: not yet) */
} hole;

struct tb_store_listener {
  PGconn *conn;
  char *conninfo;
  int64_t last; /* the highest id seen */
  hole holes[MAX_HOLES];
  size_t n_holes;
};

/* Fixed statements: no input in them. */
static const char LISTEN_SQL[] =
    "SET synchronous_commit TO off; LISTEN tongban; LISTEN tongban_tail";
static const char XID_SQL[] = "SELECT pg_current_xact_id()::text";
static const char NEWEST_SQL[] = "SELECT coalesce(max(id), 0) FROM event_tail";
static const char TAIL_SQL[] =
    "SELECT pg_snapshot_xmin(c.s)::text, e.id, "
    "e.payload FROM (SELECT pg_current_snapshot() AS s) c LEFT JOIN LATERAL "
    "(SELECT id, payload FROM event_tail WHERE id > $1::bigint OR id = "
    "ANY($2::bigint[]) ORDER BY id LIMIT 2000) e ON true ORDER BY e.id";

static bool command_ok(PGconn *c, const char *sql) {
  PGresult *r = PQexec(c, sql);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
            PQresultStatus(r) == PGRES_TUPLES_OK;
  PQclear(r);
  return ok;
}

static tb_store_status connect_listener(tb_store_listener *l) {
  PGconn *c = PQconnectdb(l->conninfo);
  if (PQstatus(c) != CONNECTION_OK) {
    tb_log_kv(TB_LOG_WARN, "store", "listener: could not connect",
              TB_LOG_S("error", PQerrorMessage(c)));
    PQfinish(c);
    return TB_STORE_UNAVAILABLE;
  }
  if (!command_ok(c, LISTEN_SQL) || PQsetnonblocking(c, 1) != 0) {
    tb_log_kv(TB_LOG_WARN, "store", "listener: LISTEN failed",
              TB_LOG_S("error", PQerrorMessage(c)));
    PQfinish(c);
    return TB_STORE_UNAVAILABLE;
  }
  l->conn = c;
  return TB_STORE_OK;
}

static tb_store_status lost(tb_store_listener *l, const char *what) {
  tb_log_kv(TB_LOG_WARN, "store", what,
            TB_LOG_S("error", l->conn ? PQerrorMessage(l->conn) : ""));
  PQfinish(l->conn);
  l->conn = NULL;
  return TB_STORE_UNAVAILABLE;
}

static void ignore_payload(const char *payload, void *cls) {
  (void)payload;
  (void)cls;
}

/* Start at the newest row; the window before it is read once, without
 * delivering, so that the ids missing there become holes. */
static tb_store_status prime(tb_store_listener *l) {
  PGresult *r = PQexec(l->conn, NEWEST_SQL);
  bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
            tb_store_parse_i64(PQgetvalue(r, 0, 0), &l->last);
  PQclear(r);
  if (!ok)
    return lost(l, "listener: the newest event could not be read");
  l->last = l->last > PRIME_WINDOW ? l->last - PRIME_WINDOW : 0;
  return tb_store_listener_tail(l, ignore_payload, NULL, NULL);
}

tb_store_status tb_store_listener_open(const char *conninfo,
                                       tb_store_listener **out) {
  *out = NULL;
  tb_store_listener *l = tb_xcalloc(1, sizeof *l);
  l->conninfo = tb_xstrndup(conninfo, strlen(conninfo));
  if (connect_listener(l) != TB_STORE_OK || prime(l) != TB_STORE_OK) {
    tb_store_listener_close(l);
    return TB_STORE_UNAVAILABLE;
  }
  *out = l;
  return TB_STORE_OK;
}

tb_store_status tb_store_listener_reconnect(tb_store_listener *l) {
  if (l->conn)
    return TB_STORE_OK;
  return connect_listener(l);
}

int tb_store_listener_fd(const tb_store_listener *l) {
  return l && l->conn ? PQsocket(l->conn) : -1;
}

tb_store_status tb_store_listener_drain(tb_store_listener *l,
                                        tb_store_notify_fn fn, void *cls,
                                        bool *wake) {
  if (!l->conn)
    return TB_STORE_UNAVAILABLE;
  if (PQconsumeInput(l->conn) != 1 || PQstatus(l->conn) != CONNECTION_OK)
    return lost(l, "listener: connection lost");
  PGnotify *n;
  while ((n = PQnotifies(l->conn)) != NULL) {
    if (strcmp(n->relname, "tongban_tail") == 0)
      *wake = true;
    else
      fn(n->extra, cls);
    PQfreemem(n);
  }
  return TB_STORE_OK;
}

/* ---- the tail's read ----------------------------------------------------- */

static bool parse_u64(const char *s, uint64_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || !end || end == s || *end)
    return false;
  *out = (uint64_t)v;
  return true;
}

/* The holes as a PostgreSQL bigint[] literal ("{}" for none). */
static char *holes_text(const tb_store_listener *l) {
  tb_buf b;
  tb_buf_init(&b, 32 + l->n_holes * 21);
  tb_buf_adds(&b, "{");
  for (size_t i = 0; i < l->n_holes; i++)
    tb_buf_addf(&b, "%s%" PRId64, i ? "," : "", l->holes[i].id);
  tb_buf_adds(&b, "}");
  return tb_buf_take(&b, NULL);
}

/* Whether id was a hole (it is filled now). */
static bool fill_hole(tb_store_listener *l, int64_t id) {
  for (size_t i = 0; i < l->n_holes; i++)
    if (l->holes[i].id == id) {
      l->holes[i] = l->holes[--l->n_holes];
      return true;
    }
  return false;
}

static void add_holes(tb_store_listener *l, int64_t from, int64_t to) {
  for (int64_t id = from; id < to; id++) {
    if (l->n_holes == MAX_HOLES) {
      tb_log_kv(TB_LOG_WARN, "store",
                "listener: too many events in flight; one may be missed",
                TB_LOG_I("id", (long long)id));
      continue;
    }
    l->holes[l->n_holes++] = (hole){id, 0};
  }
}

/* Forget the holes whose writers have ended (the read in this snapshot
 * asked for them, so a committed one was returned). */
static void forget_holes(tb_store_listener *l, uint64_t xmin) {
  for (size_t i = 0; i < l->n_holes;)
    if (l->holes[i].bound && l->holes[i].bound < xmin)
      l->holes[i] = l->holes[--l->n_holes];
    else
      i++;
}

/* Give the new holes their bound: a transaction id of the listener's
 * own, taken now (after the read that found them). */
static tb_store_status bound_holes(tb_store_listener *l) {
  bool fresh = false;
  for (size_t i = 0; i < l->n_holes && !fresh; i++)
    fresh = l->holes[i].bound == 0;
  if (!fresh)
    return TB_STORE_OK;
  PGresult *r = PQexec(l->conn, XID_SQL);
  uint64_t xid = 0;
  bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
            parse_u64(PQgetvalue(r, 0, 0), &xid);
  PQclear(r);
  if (!ok)
    return lost(l, "listener: a transaction id could not be taken");
  for (size_t i = 0; i < l->n_holes; i++)
    if (l->holes[i].bound == 0)
      l->holes[i].bound = xid;
  return TB_STORE_OK;
}

tb_store_status tb_store_listener_tail(tb_store_listener *l,
                                       tb_store_notify_fn fn, void *cls,
                                       size_t *n) {
  if (n)
    *n = 0;
  if (!l->conn)
    return TB_STORE_UNAVAILABLE;
  char last[24];
  snprintf(last, sizeof last, "%" PRId64, l->last);
  char *holes = holes_text(l);
  const char *params[2] = {last, holes};
  PGresult *r = PQexecParams(l->conn, TAIL_SQL, 2, NULL, params, NULL, NULL, 0);
  free(holes);
  uint64_t xmin = 0;
  if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1 ||
      !parse_u64(PQgetvalue(r, 0, 0), &xmin)) {
    PQclear(r);
    return lost(l, "listener: the events could not be read");
  }
  for (int i = 0; i < PQntuples(r); i++) {
    int64_t id = 0;
    if (PQgetisnull(r, i, 1) || !tb_store_parse_i64(PQgetvalue(r, i, 1), &id))
      continue;
    if (id > l->last) {
      add_holes(l, l->last + 1, id);
      l->last = id;
    } else if (!fill_hole(l, id)) {
      continue; /* delivered before */
    }
    fn(PQgetvalue(r, i, 2), cls);
    if (n)
      (*n)++;
  }
  PQclear(r);
  forget_holes(l, xmin); /* after: a hole this read filled is not lost */
  return bound_holes(l);
}

int64_t tb_store_listener_position(const tb_store_listener *l) {
  return l ? l->last : 0;
}

tb_store_status tb_store_listener_wake_others(tb_store_listener *l) {
  if (!l->conn)
    return TB_STORE_UNAVAILABLE;
  if (!command_ok(l->conn, "NOTIFY tongban_tail"))
    return lost(l, "listener: NOTIFY failed");
  return TB_STORE_OK;
}

tb_store_status tb_store_listener_trim(tb_store_listener *l, int64_t below) {
  if (!l->conn)
    return TB_STORE_UNAVAILABLE;
  char id[24];
  snprintf(id, sizeof id, "%" PRId64, below);
  const char *params[1] = {id};
  PGresult *r =
      PQexecParams(l->conn, "DELETE FROM event_tail WHERE id < $1::bigint", 1,
                   NULL, params, NULL, NULL, 0);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  if (!ok)
    return lost(l, "listener: old events could not be deleted");
  return TB_STORE_OK;
}

void tb_store_listener_close(tb_store_listener *l) {
  if (!l)
    return;
  PQfinish(l->conn);
  free(l->conninfo);
  free(l);
}
