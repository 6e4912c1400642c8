/*
 * test_store_events.c — the event tail (store/tb_store_events.c, issue 18
 * §1) on a throwaway cluster: rows that commit out of id order are each
 * delivered once, a rolled-back id is forgotten, a handle tells its hook
 * what committed (and nothing of what rolled back), and the triggers
 * write an account's event when a session's activity is written, when
 * it is revoked or when an account changes, but not when a session is
 * created.
 */
#include "tb_pg_harness.h"
#include "tb_store_accounts.h"
#include "tb_store_events.h"
#include "tb_store_int.h"
#include "tb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tb_pg pg;

typedef struct {
  char seen[16][128];
  size_t n;
} heard;

static void hear(const char *payload, void *cls) {
  heard *h = cls;
  if (h->n < 16)
    snprintf(h->seen[h->n], sizeof h->seen[0], "%s", payload);
  h->n++;
}

/* Read the tail until it is quiet; what it delivered goes to h. */
static void read_all(tb_store_listener *l, heard *h) {
  size_t got = 1;
  while (got > 0)
    TB_CHECK_INT(tb_store_listener_tail(l, hear, h, &got), TB_STORE_OK);
}

static void insert(PGconn *c, const char *payload) {
  const char *params[] = {payload};
  PGresult *r = PQexecParams(c, "INSERT INTO event_tail (payload) VALUES ($1)",
                             1, NULL, params, NULL, NULL, 0);
  TB_CHECK(PQresultStatus(r) == PGRES_COMMAND_OK);
  PQclear(r);
}

/* A row that takes its id first and commits last is not skipped. */
static void late_commit_is_delivered_once(void) {
  PGconn *a = tb_pg_connect(pg.server), *b = tb_pg_connect(pg.server),
         *c = tb_pg_connect(pg.server);
  tb_store_listener *l = NULL;
  TB_CHECK_INT(tb_store_listener_open(pg.server, &l), TB_STORE_OK);
  heard h = {0};
  tb_pg_exec(a, "BEGIN");
  insert(a, "{\"number\":\"late\"}");
  tb_pg_exec(c, "BEGIN");
  insert(c, "{\"number\":\"rolled-back\"}");
  insert(b, "{\"number\":\"early\"}");
  read_all(l, &h);
  TB_CHECK_INT((long long)h.n, 1);
  TB_CHECK(strstr(h.seen[0], "early") != NULL);
  tb_pg_exec(c, "ROLLBACK");
  read_all(l, &h);
  TB_CHECK_INT((long long)h.n, 1);
  tb_pg_exec(a, "COMMIT");
  read_all(l, &h);
  TB_CHECK_INT((long long)h.n, 2);
  TB_CHECK(strstr(h.seen[1], "late") != NULL);
  insert(b, "{\"number\":\"after\"}");
  read_all(l, &h);
  read_all(l, &h);
  TB_CHECK_INT((long long)h.n, 3);
  TB_CHECK(strstr(h.seen[2], "after") != NULL);
  tb_store_listener_close(l);
  PQfinish(a);
  PQfinish(b);
  PQfinish(c);
}

typedef struct {
  int calls;
  size_t numbers;
  bool accounts;
} told;

static void committed(void *cls, const char *const *numbers, size_t n,
                      bool overflow, bool accounts) {
  (void)numbers;
  told *t = cls;
  t->calls++;
  t->numbers += n + (overflow ? 100 : 0);
  t->accounts = t->accounts || accounts;
}

typedef struct {
  bool fail;
} body_cls;

static tb_store_status body(tb_store *s, void *cls) {
  body_cls *b = cls;
  tb_store_status rc =
      tb_store_notify_json(s, "{\"number\":\"330100202601010000017\"}");
  if (rc == TB_STORE_OK && b->fail)
    return TB_STORE_CONFLICT;
  return rc;
}

/* The hook hears a committed transaction's numbers, not a rolled-back
 * one's; an account's change outside a transaction is told at once. */
static void hook_hears_commits(void) {
  told t = {0};
  tb_store_event_hook hook = {committed, &t};
  tb_store_options o = {
      .conninfo = pg.server, .loader = &tb_pg_loader, .events = &hook};
  tb_store *s = NULL;
  char err[256];
  TB_CHECK_INT(tb_store_open(&o, &s, err, sizeof err), TB_STORE_OK);
  body_cls b = {true};
  TB_CHECK_INT(tb_store_run_transaction(s, body, &b), TB_STORE_CONFLICT);
  TB_CHECK_INT(t.calls, 0);
  b.fail = false;
  TB_CHECK_INT(tb_store_run_transaction(s, body, &b), TB_STORE_OK);
  TB_CHECK_INT(t.calls, 1);
  TB_CHECK_INT((long long)t.numbers, 1);
  TB_CHECK(!t.accounts);
  int64_t id = 0;
  TB_CHECK_INT(tb_store_account_create(s, "ev-clerk", "clerk", NULL, "scrypt$x",
                                       false, &id),
               TB_STORE_OK);
  uint8_t token[32];
  memset(token, 7, sizeof token);
  TB_CHECK_INT(tb_store_session_create(s, id, token, 3600, 0, NULL),
               TB_STORE_OK);
  TB_CHECK_INT(t.calls, 1);
  TB_CHECK_INT(tb_store_session_revoke(s, token), TB_STORE_OK);
  TB_CHECK_INT(t.calls, 2);
  TB_CHECK(t.accounts);
  tb_store_close(s);
}

/* The triggers: a new session is no event; its activity written, its
 * revocation and a disable are the account's. */
static void triggers_write_account_events(void) {
  tb_store *s = tb_pg_store(pg.server);
  tb_store_listener *l = NULL;
  TB_CHECK_INT(tb_store_listener_open(pg.server, &l), TB_STORE_OK);
  int64_t id = 0;
  TB_CHECK_INT(tb_store_account_create(s, "ev-officer", "inspector", NULL,
                                       "scrypt$x", false, &id),
               TB_STORE_OK);
  uint8_t token[32];
  memset(token, 9, sizeof token);
  TB_CHECK_INT(tb_store_session_create(s, id, token, 3600, 0, NULL),
               TB_STORE_OK);
  heard h = {0};
  read_all(l, &h);
  TB_CHECK_INT((long long)h.n, 0);
  TB_CHECK_INT(tb_store_session_touch(s, token), TB_STORE_OK);
  read_all(l, &h);
  TB_CHECK_INT((long long)h.n, 1);
  TB_CHECK_INT(tb_store_session_revoke(s, token), TB_STORE_OK);
  read_all(l, &h);
  TB_CHECK_INT((long long)h.n, 2);
  char want[64];
  snprintf(want, sizeof want, "\"account\" : %lld", (long long)id);
  TB_CHECKF(strstr(h.seen[1], "\"kind\" : \"account\"") &&
                strstr(h.seen[1], want),
            "%s", h.seen[1]);
  PGconn *admin = tb_pg_connect(pg.admin);
  char sql[128];
  snprintf(sql, sizeof sql,
           "UPDATE accounts SET disabled = true WHERE id = %lld",
           (long long)id);
  TB_CHECK(tb_pg_exec(admin, sql));
  read_all(l, &h);
  TB_CHECK_INT((long long)h.n, 3);
  PQfinish(admin);
  tb_store_listener_close(l);
  tb_store_close(s);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (!tb_pg_start(&pg)) {
    printf("Bail out! no PostgreSQL cluster\n");
    return 1;
  }
  TB_RUN(late_commit_is_delivered_once);
  TB_RUN(hook_hears_commits);
  TB_RUN(triggers_write_account_events);
  tb_pg_stop(&pg);
  return tb_test_done();
}
