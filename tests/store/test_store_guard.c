/*
 * test_store_guard.c — an audit trail the server's own database role
 * cannot forge (issue 11 §4, sql/0005_audit_guard.sql and signed
 * checkpoints).
 *
 * As the server's role (what the running server logs in as), every
 * attack on the chain is refused by the database: an event that is
 * correctly hashed but does not link, an event whose head does not move,
 * a head or a status or a state moved without an event, an application
 * that does not start its chain, any deletion. The same role's honest
 * path (event first, then head) is accepted.
 *
 * As a superuser, who can turn the triggers off, the attacks succeed in
 * the database, and `tongban audit verify` names each of them, all at
 * once, by kind and application number against the signed checkpoints: a
 * forged event with the rest of the chain hashed again, a tail cut
 * together with its head, a whole application deleted, a rewritten
 * checkpoint row, a checkpoint file with a line removed or added — also
 * after a later checkpoint was made over the rewritten chains.
 *
 * The security log likewise: the server's role can only append events
 * that extend its chain, and changes nothing; a superuser's forged,
 * removed, truncated or re-hashed events are named against the signed
 * checkpoint that covers its head.
 *
 * usage: test_store_guard WORKFLOWS_DIR TONGBAN
 */
#include "tb_pg_harness.h"
#include "tb_store_audit.h"
#include "tb_store_security_log.h"
#include "tb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define APP_A "330100202611300099011" /* forged and hashed again */
#define APP_B "330100202611300099029" /* tail cut with its head */
#define APP_C "330100202611300099037" /* deleted whole */
#define APP_D "330100202611300099045" /* left alone */

static tb_pg pg;
static const char *workflows_dir;
static const char *tongban;
static char dir[64]; /* keys and the checkpoint file */

/* The next event of an application with its correct hash for its bytes,
 * as anyone who knows the canonical form can make it: prev (NULL: the
 * head's hash) and skip (events left out) make it not link. */
static const char NEXT_EVENT_SQL[] =
    "CREATE FUNCTION test_next_event(num text, act text, bad_prev bytea, "
    "skip integer) RETURNS SETOF audit_events LANGUAGE plpgsql AS $$ "
    "DECLARE e audit_events; a applications; BEGIN "
    "SELECT * INTO a FROM applications WHERE number = num; "
    "e.application_id := a.id; e.seq := a.audit_seq + 1 + skip; "
    "e.actor_id := 7; e.actor_name := '测试 \"员\"'; e.role := 'clerk'; "
    "e.action := act; e.payload := '{\"n\":1}'; e.at := now(); "
    "e.canon := 2; e.prev_hash := coalesce(bad_prev, a.audit_hash, "
    "decode(repeat('00', 32), 'hex')); "
    "e.hash := sha256(e.prev_hash || audit_event_bytes(e, num)); "
    "RETURN NEXT e; END $$";

/* Run sql; on failure roll back whatever it left open. The SQLSTATE of
 * the failure ("" on success). */
static void run(PGconn *c, const char *sql, char state[6]) {
  PGresult *r = PQexec(c, sql);
  const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  ExecStatusType t = PQresultStatus(r);
  snprintf(state, 6, "%s",
           t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK ? ""
           : st                                          ? st
                                                         : "?");
  PQclear(r);
  if (state[0])
    PQclear(PQexec(c, "ROLLBACK"));
}

static bool refused(PGconn *c, const char *sql, const char *want) {
  char st[6];
  run(c, sql, st);
  if (strcmp(st, want) != 0)
    printf("# expected %s, got '%s' from %s\n", want, st, sql);
  return strcmp(st, want) == 0;
}

static bool ok(PGconn *c, const char *sql) {
  char st[6];
  run(c, sql, st);
  if (st[0])
    printf("# failed (%s): %s\n", st, sql);
  return st[0] == '\0';
}

/* One honest step as the server writes it: event, then head and status. */
static bool step(PGconn *c, const char *number, const char *status) {
  char sql[1024];
  snprintf(sql, sizeof sql,
           "BEGIN; INSERT INTO audit_events SELECT * FROM test_next_event("
           "'%s', 'step', NULL, 0); UPDATE applications SET status = '%s', "
           "audit_seq = audit_seq + 1, audit_hash = (SELECT hash FROM "
           "audit_events e WHERE e.application_id = applications.id AND "
           "e.seq = applications.audit_seq + 1) WHERE number = '%s'; COMMIT",
           number, status, number);
  return ok(c, sql);
}

static bool create(PGconn *c, const char *number) {
  char sql[1024];
  snprintf(sql, sizeof sql,
           "BEGIN; INSERT INTO applications (number, definition_id, "
           "definition_version, applicant_kind, applicant_name, "
           "applicant_id_number, form, state, status, channel, "
           "tracking_code_hash) VALUES ('%s', 'seed', 1, 'person', 'x', 'x', "
           "'{}', '{}', 'none', 'window', sha256('x')); INSERT INTO "
           "audit_events SELECT * FROM test_next_event('%s', 'submit', NULL, "
           "0); UPDATE applications SET status = 'submitted', audit_seq = 1, "
           "audit_hash = (SELECT hash FROM audit_events e WHERE "
           "e.application_id = applications.id AND e.seq = 1) WHERE number = "
           "'%s'; COMMIT",
           number, number, number);
  return ok(c, sql);
}

static long long head(PGconn *c, const char *number) {
  char sql[256];
  snprintf(sql, sizeof sql,
           "SELECT audit_seq FROM applications WHERE number = '%s'", number);
  return tb_pg_value(c, sql);
}

/* ---- as the server's role -------------------------------------------- */

static void server_role_writes_honest_chains(void) {
  PGconn *admin = tb_pg_connect(pg.admin);
  TB_CHECK(ok(admin, "INSERT INTO definitions (id, version, name, sha256, "
                     "xml) VALUES ('seed', 1, 'seed', sha256('x'), '<x/>')"));
  TB_CHECK(ok(admin, NEXT_EVENT_SQL));
  PGconn *server = tb_pg_connect(pg.server);
  const char *apps[] = {APP_A, APP_B, APP_C, APP_D};
  for (size_t i = 0; i < 4; i++) {
    TB_CHECK(create(server, apps[i]));
    TB_CHECK(step(server, apps[i], "accepted"));
    TB_CHECK(step(server, apps[i], "in_review"));
    TB_CHECK_INT(head(server, apps[i]), 3);
  }
  tb_store *s = tb_pg_store(pg.server);
  tb_store_audit_report rep;
  TB_CHECK_INT(tb_store_audit_verify(s, NULL, &rep), TB_STORE_OK);
  TB_CHECKF(!rep.broken, "%s %d: %s", rep.number, (int)rep.seq, rep.what);
  TB_CHECK_INT(rep.chains, 4);
  TB_CHECK_INT(rep.events, 12);
  tb_store_close(s);
  PQfinish(server);
  PQfinish(admin);
}

static void server_role_cannot_append_what_does_not_link(void) {
  PGconn *c = tb_pg_connect(pg.server);
  /* correctly hashed over another prev_hash */
  TB_CHECK(
      refused(c,
              "INSERT INTO audit_events SELECT * FROM test_next_event('" APP_A
              "', 'approve', sha256('elsewhere'), 0)",
              "23514"));
  /* correctly hashed and linked to the head, but a seq further on */
  TB_CHECK(
      refused(c,
              "INSERT INTO audit_events SELECT * FROM test_next_event('" APP_A
              "', 'approve', NULL, 1)",
              "23514"));
  /* linked, but its hash is not the hash of its bytes */
  TB_CHECK(refused(c,
                   "INSERT INTO audit_events SELECT application_id, seq, "
                   "actor_id, actor_name, role, bureau, 'deny', payload, at, "
                   "prev_hash, hash, canon FROM test_next_event('" APP_A
                   "', 'approve', NULL, 0)",
                   "23514"));
  /* linked and hashed, but the head does not move: refused at COMMIT */
  TB_CHECK(refused(c,
                   "BEGIN; INSERT INTO audit_events SELECT * FROM "
                   "test_next_event('" APP_A "', 'approve', NULL, 0); COMMIT",
                   "23514"));
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM audit_events e JOIN "
                              "applications a ON a.id = e.application_id "
                              "WHERE a.number = '" APP_A "'"),
               3);
  PQfinish(c);
}

static void server_role_cannot_move_status_state_or_head(void) {
  PGconn *c = tb_pg_connect(pg.server);
  TB_CHECK(refused(c,
                   "UPDATE applications SET status = 'approved' WHERE "
                   "number = '" APP_B "'",
                   "23514"));
  TB_CHECK(refused(c,
                   "UPDATE applications SET state = '{}'::jsonb || "
                   "'{\"x\":1}' WHERE number = '" APP_B "'",
                   "23514"));
  TB_CHECK(refused(c,
                   "UPDATE applications SET warning = 'red' WHERE number = "
                   "'" APP_B "'",
                   "23514"));
  /* back to an earlier event, and to a made-up hash */
  TB_CHECK(refused(c,
                   "UPDATE applications SET audit_seq = 2, audit_hash = "
                   "(SELECT hash FROM audit_events e WHERE e.application_id "
                   "= applications.id AND e.seq = 2) WHERE number = '" APP_B
                   "'",
                   "23514"));
  TB_CHECK(refused(c,
                   "UPDATE applications SET audit_seq = 4, audit_hash = "
                   "sha256('x') WHERE number = '" APP_B "'",
                   "23514"));
  TB_CHECK(refused(c,
                   "UPDATE applications SET number = '330100202611300099999' "
                   "WHERE number = '" APP_B "'",
                   "23514"));
  /* columns outside the audited ones still change */
  TB_CHECK(ok(c, "UPDATE applications SET updated_at = now() WHERE number "
                 "= '" APP_B "'"));
  TB_CHECK_INT(head(c, APP_B), 3);
  PQfinish(c);
}

static void server_role_cannot_start_a_chain_wrongly_or_delete(void) {
  PGconn *c = tb_pg_connect(pg.server);
  static const char insert[] =
      "INSERT INTO applications (number, definition_id, definition_version, "
      "applicant_kind, applicant_name, applicant_id_number, form, state, "
      "status, channel, tracking_code_hash, audit_seq, audit_hash) VALUES "
      "('330100202611300099053', 'seed', 1, 'person', 'x', 'x', '{}', '{}', "
      "'approved', 'window', sha256('x'), %s)";
  char sql[1024];
  snprintf(sql, sizeof sql, insert, "5, sha256('x')");
  TB_CHECK(refused(c, sql, "23514"));
  snprintf(sql, sizeof sql, insert, "0, NULL"); /* and no event: COMMIT */
  TB_CHECK(refused(c, sql, "23514"));
  TB_CHECK(refused(c, "DELETE FROM applications WHERE number = '" APP_C "'",
                   "42501"));
  TB_CHECK(refused(c, "DELETE FROM audit_events", "42501"));
  TB_CHECK(refused(c, "TRUNCATE applications CASCADE", "42501"));
  TB_CHECK(refused(c, "DELETE FROM audit_checkpoints", "42501"));
  TB_CHECK(refused(c, "UPDATE audit_checkpoint_heads SET seq = 1", "42501"));
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM applications"), 4);
  PQfinish(c);
  /* even the owner meets the triggers while they are on */
  PGconn *admin = tb_pg_connect(pg.admin);
  TB_CHECK(refused(admin, "DELETE FROM applications WHERE number = '" APP_C "'",
                   "42501"));
  TB_CHECK(refused(admin,
                   "UPDATE applications SET status = 'approved' WHERE "
                   "number = '" APP_C "'",
                   "23514"));
  PQfinish(admin);
}

/* ---- as a superuser, against signed checkpoints ------------------------ */

/* Run the tongban binary with args (shell words, already quoted); its
 * output into out, its exit status returned. */
static int tongban_run(const char *args, char *out, size_t cap) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", tongban, args);
  FILE *p = popen(cmd, "r");
  size_t n = p ? fread(out, 1, cap - 1, p) : 0;
  out[n] = '\0';
  int status = p ? pclose(p) : -1;
  return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* `audit <what>` on the database as conninfo, with the test's keys and
 * checkpoint file. */
static int audit(const char *what, const char *conninfo, char *out,
                 size_t cap) {
  char args[2048];
  snprintf(args, sizeof args,
           "audit %s --db '%s' --keys '%s/keys' --checkpoints '%s/cp.log'",
           what, conninfo, dir, dir);
  return tongban_run(args, out, cap);
}

static bool says(const char *out, const char *what) {
  bool found = strstr(out, what) != NULL;
  if (!found)
    printf("# missing \"%s\" in:\n# %s\n", what, out);
  return found;
}

static void checkpoints_are_made_and_verify(void) {
  static char out[16384];
  char args[2048];
  snprintf(args, sizeof args,
           "keys init --dir '%s/keys' --bureaus '%s/bureaus.xml'", dir,
           workflows_dir);
  TB_CHECKF(tongban_run(args, out, sizeof out) == 0, "%s", out);
  /* no checkpoint yet: chains only, and a missing file is no matter */
  TB_CHECKF(audit("verify", pg.admin, out, sizeof out) == 0, "%s", out);
  TB_CHECKF(audit("checkpoint", pg.admin, out, sizeof out) == 0, "%s", out);
  TB_CHECK(says(out, "checkpoint 1: 4 applications"));
  /* the server's role makes them too (serve's thread) */
  PGconn *server = tb_pg_connect(pg.server);
  TB_CHECK(step(server, APP_D, "approved"));
  PQfinish(server);
  TB_CHECKF(audit("checkpoint", pg.server, out, sizeof out) == 0, "%s", out);
  TB_CHECK(says(out, "checkpoint 2: 4 applications"));
  PGconn *admin = tb_pg_connect(pg.admin);
  /* only the head that moved is recorded again */
  TB_CHECK_INT(tb_pg_value(admin, "SELECT count(*) FROM "
                                  "audit_checkpoint_heads WHERE checkpoint "
                                  "= 2"),
               1);
  PQfinish(admin);
  TB_CHECKF(audit("verify", pg.admin, out, sizeof out) == 0, "%s", out);
  TB_CHECK(says(out, "2 checkpoints, the latest (2) covers 4 applications"));
  /* without the file nothing can be said of the checkpoints: status 2 */
  snprintf(args, sizeof args,
           "audit verify --db '%s' --keys '%s/keys' --checkpoints "
           "'%s/nowhere.log'",
           pg.admin, dir, dir);
  TB_CHECKF(tongban_run(args, out, sizeof out) == 2, "%s", out);
  /* a file that cannot be written makes no checkpoint at all */
  snprintf(args, sizeof args,
           "audit checkpoint --db '%s' --keys '%s/keys' --checkpoints "
           "'%s/no/such/folder.log'",
           pg.admin, dir, dir);
  TB_CHECKF(tongban_run(args, out, sizeof out) == 1, "%s", out);
  admin = tb_pg_connect(pg.admin);
  TB_CHECK_INT(tb_pg_value(admin, "SELECT count(*) FROM audit_checkpoints"), 2);
  PQfinish(admin);
}

/* As a superuser: forge A's first event and hash its chain again, cut B's
 * last event with its head, delete C with everything of it. */
static void superuser_attacks(PGconn *admin) {
  TB_CHECK(ok(admin,
              "SET session_replication_role = replica; DO $$ DECLARE "
              "e audit_events; prev bytea := decode(repeat('00', 32), "
              "'hex'); app bigint; BEGIN SELECT id INTO app FROM "
              "applications WHERE number = '" APP_A "'; UPDATE "
              "audit_events SET payload = '{\"n\":666}' WHERE "
              "application_id = app AND seq = 1; FOR e IN SELECT * FROM "
              "audit_events WHERE application_id = app ORDER BY seq LOOP "
              "e.prev_hash := prev; prev := sha256(prev || "
              "audit_event_bytes(e, '" APP_A "')); UPDATE audit_events SET "
              "prev_hash = e.prev_hash, hash = prev WHERE application_id = "
              "app AND seq = e.seq; END LOOP; UPDATE applications SET "
              "audit_hash = prev WHERE id = app; END $$; "
              "RESET session_replication_role"));
  TB_CHECK(ok(admin,
              "SET session_replication_role = replica; DELETE FROM "
              "audit_events e USING applications a WHERE a.id = "
              "e.application_id AND a.number = '" APP_B "' AND e.seq = 3; "
              "UPDATE applications SET audit_seq = 2, audit_hash = (SELECT "
              "hash FROM audit_events e WHERE e.application_id = "
              "applications.id AND e.seq = 2) WHERE number = '" APP_B "'; "
              "RESET session_replication_role"));
  TB_CHECK(ok(admin, "SET session_replication_role = replica; DELETE FROM "
                     "audit_events e USING applications a WHERE a.id = "
                     "e.application_id AND a.number = '" APP_C "'; DELETE FROM "
                     "applications WHERE number = '" APP_C "'; "
                     "RESET session_replication_role"));
}

/* The three chain attacks, each by kind and number. */
static bool the_attacks_named(const char *out) {
  bool a = says(out, "broken: application " APP_A ", event 3: rehashed:");
  bool b = says(out, "broken: application " APP_B ", event 3: truncated:");
  bool c =
      says(out, "broken: application " APP_C ", event 3: deleted_application:");
  return a && b && c;
}

static void superuser_attacks_are_all_named(void) {
  static char out[16384];
  PGconn *admin = tb_pg_connect(pg.admin);
  superuser_attacks(admin);
  /* each chain on its own still links: only the checkpoints tell */
  tb_store *s = tb_pg_store(pg.admin);
  tb_store_audit_report rep;
  TB_CHECK_INT(tb_store_audit_verify(s, NULL, &rep), TB_STORE_OK);
  TB_CHECKF(!rep.broken, "%s %d: %s", rep.number, (int)rep.seq, rep.what);
  tb_store_close(s);
  TB_CHECK_INT(audit("verify", pg.admin, out, sizeof out), 1);
  TB_CHECK(the_attacks_named(out));
  TB_CHECK(says(out, "3 breaks found"));
  TB_CHECK(strstr(out, APP_D) == NULL);
  /* a checkpoint made after the attacks (as the server's timer would)
   * covers the rewritten chains; the earlier one still names them */
  TB_CHECKF(audit("checkpoint", pg.server, out, sizeof out) == 0, "%s", out);
  TB_CHECK(says(out, "checkpoint 3: 3 applications"));
  TB_CHECK_INT(tb_pg_value(admin, "SELECT count(*) FROM "
                                  "audit_checkpoint_heads WHERE checkpoint = "
                                  "3 AND seq = 0 AND number = '" APP_C "'"),
               1);
  TB_CHECK_INT(audit("verify", pg.admin, out, sizeof out), 1);
  TB_CHECK(the_attacks_named(out));
  TB_CHECK(says(out, "3 breaks found"));
  /* one application on its own: its chain, which links, and the heads
   * the checkpoints recorded for it, which it no longer has */
  TB_CHECK_INT(audit("verify " APP_A, pg.admin, out, sizeof out), 1);
  TB_CHECK(says(out, "broken: application " APP_A ", event 3: rehashed:"));
  TB_CHECK(says(out, "1 break found"));
  TB_CHECKF(audit("verify " APP_D, pg.admin, out, sizeof out) == 0, "%s", out);
  TB_CHECK_INT(audit("verify " APP_C, pg.admin, out, sizeof out), 1);
  TB_CHECK(says(out, "broken: application " APP_C
                     ", event 3: deleted_application:"));
  PQfinish(admin);
}

/* Replace the checkpoint file by its lines keep (1-based; 0 ends), plus
 * extra (NULL: none). */
static void rewrite_file(const int *keep, const char *extra) {
  char path[128], *text = NULL;
  snprintf(path, sizeof path, "%s/cp.log", dir);
  text = tb_test_read_file(path, NULL);
  TB_CHECK(text != NULL);
  if (!text)
    return;
  char *lines[8] = {0};
  int n = 0;
  for (char *p = text; *p && n < 8;) {
    char *nl = strchr(p, '\n');
    if (nl)
      *nl = '\0';
    lines[n++] = p;
    p = nl ? nl + 1 : p + strlen(p);
  }
  FILE *f = fopen(path, "w");
  for (const int *k = keep; f && *k; k++)
    if (*k <= n)
      fprintf(f, "%s\n", lines[*k - 1]);
  if (f && extra)
    fprintf(f, "%s\n", extra);
  if (f)
    fclose(f);
  free(text);
}

static void checkpoint_tampering_is_named(void) {
  static char out[16384];
  PGconn *admin = tb_pg_connect(pg.admin);
  TB_CHECK(ok(admin, "SET session_replication_role = replica; UPDATE "
                     "audit_checkpoints SET canonical = replace(canonical, "
                     "'\"size\":4', '\"size\":5') WHERE seq = 1; RESET "
                     "session_replication_role"));
  PQfinish(admin);
  static const int keep[] = {1, 0};
  rewrite_file(keep, "{\"checkpoint\":{},\"key_id\":\"00\",\"seq\":9,"
                     "\"signature\":\"00\"}");
  TB_CHECK_INT(audit("verify", pg.admin, out, sizeof out), 1);
  TB_CHECK(says(out, "broken: checkpoint 1: checkpoint_signature:"));
  TB_CHECK(says(out, "broken: checkpoint 1: checkpoint_file_differs:"));
  TB_CHECK(says(out, "broken: checkpoint 1: checkpoint_link:"));
  TB_CHECK(says(out, "broken: checkpoint 2: checkpoint_link:"));
  TB_CHECK(says(out, "broken: checkpoint 2: checkpoint_not_in_file:"));
  TB_CHECK(says(out, "broken: checkpoint 3: checkpoint_not_in_file:"));
  TB_CHECK(says(out, "broken: checkpoint 9: checkpoint_not_in_database:"));
  /* the chains' breaks are still all there */
  TB_CHECK(the_attacks_named(out));
}

/* Two events of one application in one transaction (a change that also
 * records a rename, say), then the head moved once to the last: accepted. */
static void several_events_then_one_head(void) {
  PGconn *c = tb_pg_connect(pg.server);
  long long before = head(c, APP_D);
  TB_CHECK(ok(c,
              "BEGIN; INSERT INTO audit_events SELECT * FROM "
              "test_next_event('" APP_D "', 'first', NULL, 0); "
              "INSERT INTO audit_events SELECT * FROM test_next_event('" APP_D
              "', 'second', (SELECT e.hash FROM audit_events e JOIN "
              "applications a ON a.id = e.application_id WHERE a.number = "
              "'" APP_D "' AND e.seq = a.audit_seq + 1), 1); "
              "UPDATE applications SET audit_seq = audit_seq + 2, "
              "audit_hash = (SELECT hash FROM audit_events e WHERE "
              "e.application_id = applications.id AND e.seq = "
              "applications.audit_seq + 2) WHERE number = '" APP_D "'; "
              "COMMIT"));
  TB_CHECK_INT(head(c, APP_D), before + 2);
  tb_store *s = tb_pg_store(pg.server);
  tb_store_audit_report rep;
  TB_CHECK_INT(tb_store_audit_verify(s, APP_D, &rep), TB_STORE_OK);
  TB_CHECKF(!rep.broken, "%d: %s", (int)rep.seq, rep.what);
  tb_store_close(s);
  PQfinish(c);
}

/* ---- the security log (sql/0015_security_log.sql) ---------------------- */

/* One event of the security log, as the server writes them. */
static bool security_event(tb_store *s, const char *kind, const char *user,
                           tb_store_security_outcome outcome) {
  char subject[96];
  snprintf(subject, sizeof subject, "account:%s", user);
  tb_store_security_event ev = {
      .kind = kind,
      .actor = {.kind = TB_SECURITY_ANONYMOUS, .address = "192.0.2.7"},
      .subject = subject,
      .outcome = outcome,
      .details = "{\"reason\":\"wrong_password\",\"名\":\"\\\"引号\\\"\\n\"}"};
  return tb_store_security_log_append(s, &ev, NULL) == TB_STORE_OK;
}

/* The next security event with its correct hash, as anyone who knows the
 * canonical form can make it; bad_prev and skip make it not link. */
static const char NEXT_SECURITY_SQL[] =
    "CREATE FUNCTION test_next_security(bad_prev bytea, skip integer) "
    "RETURNS SETOF security_events LANGUAGE plpgsql AS $$ "
    "DECLARE e security_events; BEGIN "
    "SELECT coalesce(max(seq), 0) + 1 + skip INTO e.seq FROM security_events; "
    "e.at := now(); e.kind := 'login'; e.actor_kind := 'anonymous'; "
    "e.subject := 'account:x'; e.outcome := 'ok'; e.details := '{}'; "
    "e.prev_hash := coalesce(bad_prev, (SELECT hash FROM security_events "
    "ORDER BY seq DESC LIMIT 1), decode(repeat('00', 32), 'hex')); "
    "e.hash := sha256(e.prev_hash || security_event_bytes(e)); "
    "RETURN NEXT e; END $$";

static void server_role_cannot_change_the_security_log(void) {
  tb_store *s = tb_pg_store(pg.server);
  for (int i = 0; i < 3; i++)
    TB_CHECK(security_event(s, "login", "alice", TB_SECURITY_FAILED));
  TB_CHECK(security_event(s, "login", "alice", TB_SECURITY_LOCKED));
  /* a malformed event is refused before the database sees it */
  tb_store_security_event bad = {.kind = "Login", .details = "{}"};
  TB_CHECK_INT(tb_store_security_log_append(s, &bad, NULL), TB_STORE_INVALID);
  bad.kind = "login";
  bad.details = "[1]";
  TB_CHECK_INT(tb_store_security_log_append(s, &bad, NULL), TB_STORE_INVALID);
  tb_store_close(s);
  PGconn *admin = tb_pg_connect(pg.admin);
  TB_CHECK(ok(admin, NEXT_SECURITY_SQL));
  TB_CHECK(ok(admin, "GRANT EXECUTE ON FUNCTION test_next_security(bytea, "
                     "integer) TO tongban_server"));
  PGconn *c = tb_pg_connect(pg.server);
  /* correctly hashed but not linked, or not hashed right: refused */
  TB_CHECK(refused(c,
                   "INSERT INTO security_events SELECT * FROM "
                   "test_next_security(sha256('x'), 0)",
                   "23514"));
  TB_CHECK(refused(c,
                   "INSERT INTO security_events SELECT * FROM "
                   "test_next_security(NULL, 1)",
                   "23514"));
  TB_CHECK(refused(c,
                   "INSERT INTO security_events SELECT seq, at, kind, "
                   "actor_kind, actor, address, subject, 'failed', details, "
                   "prev_hash, hash FROM test_next_security(NULL, 0)",
                   "23514"));
  TB_CHECK(ok(c, "INSERT INTO security_events SELECT * FROM "
                 "test_next_security(NULL, 0)"));
  /* no change, no removal */
  TB_CHECK(refused(c, "UPDATE security_events SET outcome = 'ok'", "42501"));
  TB_CHECK(refused(c, "DELETE FROM security_events WHERE seq = 5", "42501"));
  TB_CHECK(refused(c, "TRUNCATE security_events", "42501"));
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM security_events"), 5);
  PQfinish(c);
  /* even the owner meets the triggers while they are on */
  TB_CHECK(
      refused(admin, "UPDATE security_events SET outcome = 'ok'", "42501"));
  TB_CHECK(refused(admin, "DELETE FROM security_events", "42501"));
  TB_CHECK(refused(admin, "TRUNCATE security_events", "42501"));
  PQfinish(admin);
}

/* As a superuser with the triggers off: keep the log aside, run sql, and
 * see what `audit verify` says; then put the log back. */
static void security_attack(PGconn *admin, const char *sql, const char *says1,
                            const char *says2) {
  static char out[32768];
  char all[2048];
  snprintf(all, sizeof all,
           "SET session_replication_role = replica; BEGIN; CREATE TEMP TABLE "
           "keep AS SELECT * FROM security_events; %s; COMMIT",
           sql);
  TB_CHECK(ok(admin, all));
  TB_CHECKF(audit("verify", pg.admin, out, sizeof out) == 1, "%s", out);
  TB_CHECK(says(out, says1));
  if (says2)
    TB_CHECK(says(out, says2));
  TB_CHECK(ok(admin, "BEGIN; DELETE FROM security_events; INSERT INTO "
                     "security_events SELECT * FROM keep; DROP TABLE keep; "
                     "COMMIT"));
  TB_CHECK(ok(admin, "SET session_replication_role = DEFAULT"));
  TB_CHECKF(audit("verify", pg.admin, out, sizeof out) != 0, "%s", out);
  TB_CHECKF(strstr(out, "broken: security log") == NULL, "%s", out);
}

/* Re-hash events 2.. so that the log links again (what a forger who
 * knows the canonical form does after changing event 2). */
static const char REHASH_SQL[] =
    "UPDATE security_events SET outcome = 'ok' WHERE seq = 2; "
    "DO $$ DECLARE e security_events; prev bytea; BEGIN "
    "FOR e IN SELECT * FROM security_events ORDER BY seq LOOP "
    "IF e.seq >= 2 THEN e.prev_hash := prev; "
    "e.hash := sha256(prev || security_event_bytes(e)); "
    "UPDATE security_events SET prev_hash = e.prev_hash, hash = e.hash "
    "WHERE seq = e.seq; END IF; prev := e.hash; END LOOP; END $$";

static void security_log_attacks_are_named(void) {
  static char out[32768];
  TB_CHECKF(audit("checkpoint", pg.admin, out, sizeof out) == 0, "%s", out);
  TB_CHECK(says(out, "security log at event 5"));
  PGconn *admin = tb_pg_connect(pg.admin);
  /* the checkpoint signed the head */
  TB_CHECK_INT(tb_pg_value(admin,
                           "SELECT count(*) FROM audit_checkpoints WHERE seq "
                           "= (SELECT max(seq) FROM audit_checkpoints) AND "
                           "canonical::jsonb -> 'security' = jsonb_build_"
                           "object('seq', 5, 'hash', (SELECT encode(hash, "
                           "'hex') FROM security_events WHERE seq = 5))"),
               1);
  TB_CHECKF(audit("verify", pg.admin, out, sizeof out) != 0, "%s", out);
  TB_CHECKF(strstr(out, "broken: security log") == NULL, "%s", out);
  security_attack(admin,
                  "UPDATE security_events SET outcome = 'ok' WHERE "
                  "seq = 2",
                  "broken: security log, event 2: forged_event:", NULL);
  security_attack(admin, "DELETE FROM security_events WHERE seq = 3",
                  "broken: security log, event 3: broken_link:", NULL);
  security_attack(admin, "DELETE FROM security_events WHERE seq >= 4",
                  "broken: security log, event 5: truncated:", NULL);
  security_attack(admin, REHASH_SQL,
                  "broken: security log, event 5: rehashed:", NULL);
  /* a superuser's rewrite with a new checkpoint over it: the earlier one
   * still names it */
  security_attack(admin,
                  "DELETE FROM security_events WHERE seq >= 4; INSERT INTO "
                  "security_events SELECT * FROM test_next_security(NULL, 0)",
                  "broken: security log, event 5: truncated:", NULL);
  /* the log as `audit security` shows it: newest first, and intact */
  TB_CHECKF(audit("security --limit 2", pg.admin, out, sizeof out) == 0, "%s",
            out);
  TB_CHECK(says(out, "5 "));
  TB_CHECK(says(out, "login locked by anonymous from 192.0.2.7 account:alice"));
  TB_CHECK(says(out, "2 events of 5 shown"));
  PQfinish(admin);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc != 3) {
    fprintf(stderr, "usage: test_store_guard WORKFLOWS_DIR TONGBAN\n");
    return 2;
  }
  workflows_dir = argv[1];
  tongban = argv[2];
  snprintf(dir, sizeof dir, "/tmp/tb-guard-XXXXXX");
  if (!mkdtemp(dir) || !tb_pg_start(&pg)) {
    printf("Bail out! no PostgreSQL cluster\n");
    return 1;
  }
  setenv("TONGBAN_KEY_PASSPHRASE", "guard-test-passphrase", 1);
  unsetenv("TONGBAN_AUDIT_CHECKPOINTS");
  TB_RUN(server_role_writes_honest_chains);
  TB_RUN(server_role_cannot_append_what_does_not_link);
  TB_RUN(server_role_cannot_move_status_state_or_head);
  TB_RUN(server_role_cannot_start_a_chain_wrongly_or_delete);
  TB_RUN(checkpoints_are_made_and_verify);
  TB_RUN(superuser_attacks_are_all_named);
  TB_RUN(checkpoint_tampering_is_named);
  TB_RUN(several_events_then_one_head);
  TB_RUN(server_role_cannot_change_the_security_log);
  TB_RUN(security_log_attacks_are_named);
  tb_pg_stop(&pg);
  tb_pg_remove_tree(dir);
  return tb_test_done();
}
