/*
 * test_store_audit.c — the audit chain across its two canonical forms.
 * A database written before the form was versioned (audit_v1_fixture.sql,
 * rows made by the old binary) is loaded into a migrated database: every
 * chain verifies in form 1, and a superuser's edit of an old event is
 * still reported. Events appended now are written in form 2 (RFC 8785),
 * after old ones in the same chain and in new chains; they verify, and an
 * edit of one — its content, or the canon column naming its form — is
 * reported.
 *
 * usage: test_store_audit FIXTURE.sql WORKFLOWS_DIR
 */
#include "tb_pg_harness.h"
#include "tb_store_applications.h"
#include "tb_store_audit.h"
#include "tb_test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OLD_DONE "330100202611300000012" /* a whole lifecycle in form 1 */
#define OLD_OPEN "330100202611300000020" /* submitted and accepted */
#define OLD_EVENTS 23

static tb_pg pg;
static const char *fixture_path;
static const char *workflows_dir;
static char new_number[TB_APP_NUMBER_LEN + 1];

/* Characters that the two forms escape differently. */
static const tb_store_actor clerk = {101, "clerk \"李\"\n\t\\ 窗口", "clerk",
                                     NULL};
static const tb_store_actor applicant = {0, "applicant", "applicant", NULL};
/* Notes whose texts the two forms escape differently. */
static const char *const LIST[] = {"三", "二", "一"};
static const tb_store_notes NOTES = {
    {{.name = "note",
      .kind = TB_STORE_NOTE_TEXT,
      .text = "第一行\n\"引号\"\t\x01"},
     {.name = "score", .kind = TB_STORE_NOTE_INTEGER, .integer = -10},
     {.name = "done", .kind = TB_STORE_NOTE_BOOLEAN, .integer = 1},
     {.name = "list", .kind = TB_STORE_NOTE_TEXTS, .texts = LIST, .n_texts = 3},
     {.name = "z", .kind = TB_STORE_NOTE_NULL}},
    5};
#define PAYLOAD (&NOTES)

static long long count(PGconn *c, const char *sql) {
  return tb_pg_value(c, sql);
}

/* Verify everything: broken or not, and how much was read. */
static tb_store_audit_report verify_all(tb_store *s) {
  tb_store_audit_report rep;
  TB_CHECK_INT(tb_store_audit_verify(s, NULL, &rep), TB_STORE_OK);
  return rep;
}

/* After an edit of event seq of number: reported there, then restored. */
static void check_edit_caught(tb_store *s, PGconn *c, const char *number,
                              int seq, const char *set) {
  tb_pg_audit_edit(c, number, seq, set);
  tb_store_audit_report rep = verify_all(s);
  TB_CHECKF(rep.broken, "edit not caught: %s", set);
  TB_CHECK_STR(rep.number, number);
  TB_CHECKF(rep.seq == seq, "%s: reported at event %d", set, (int)rep.seq);
  tb_pg_audit_restore(c);
  rep = verify_all(s);
  TB_CHECKF(!rep.broken, "after restoring: %s", rep.what);
}

typedef struct {
  const char *number;
  int seq;
  const char *set; /* UPDATE audit_events SET … */
} edit;

static void check_edits_caught(const edit *edits, size_t n) {
  tb_store *s = tb_pg_store(pg.server);
  PGconn *c = tb_pg_connect(pg.admin);
  for (size_t i = 0; i < n; i++)
    check_edit_caught(s, c, edits[i].number, edits[i].seq, edits[i].set);
  PQfinish(c);
  tb_store_close(s);
}

/* ---- form 1: a database written before the change ------------------------
 */

static void old_database_loads(void) {
  char *sql = tb_test_read_file(fixture_path, NULL);
  TB_CHECKF(sql != NULL, "cannot read %s", fixture_path);
  if (!sql)
    return;
  PGconn *c = tb_pg_connect(pg.admin); /* the dump sets search_path */
  /* restored as pg_restore --disable-triggers would: rows with their
   * heads, written before migration 0005 guarded them */
  TB_CHECK(tb_pg_exec(c, "SET session_replication_role = replica"));
  TB_CHECK(tb_pg_exec(c, sql));
  free(sql);
  PQfinish(c);
  c = tb_pg_connect(pg.admin);
  TB_CHECK_INT(count(c, "SELECT count(*) FROM audit_events"), OLD_EVENTS);
  TB_CHECK_INT(count(c, "SELECT count(*) FROM audit_events WHERE canon = 1"),
               OLD_EVENTS);
  TB_CHECK_INT(count(c, "SELECT count(*) FROM applications"), 2);
  PQfinish(c);
}

static void old_chains_verify(void) {
  tb_store *s = tb_pg_store(pg.server);
  tb_store_audit_report rep = verify_all(s);
  TB_CHECKF(!rep.broken, "%s %d: %s", rep.number, (int)rep.seq, rep.what);
  TB_CHECK_INT(rep.chains, 2);
  TB_CHECK_INT(rep.events, OLD_EVENTS);
  TB_CHECK_INT(tb_store_audit_verify(s, OLD_DONE, &rep), TB_STORE_OK);
  TB_CHECK(!rep.broken && rep.events == 21);
  tb_store_close(s);
}

static void old_event_edits_are_caught(void) {
  static const edit edits[] = {
      /* the payload of a decision (jansson's text, with its escapes) */
      {OLD_DONE, 4, "payload = replace(payload, '0.10000000000000001', '0.2')"},
      /* the clerk whose name form 1 escapes as \u000a and \u0009 */
      {OLD_DONE, 2, "actor_name = 'clerk'"},
      {OLD_OPEN, 2, "role = 'admin'"},
      {OLD_DONE, 21, "at = at + interval '1 second'"},
      /* an old event relabelled as form 2 no longer matches its hash */
      {OLD_DONE, 4, "canon = 2"},
  };
  check_edits_caught(edits, sizeof edits / sizeof edits[0]);
}

/* ---- form 2: what is written now --------------------------------------- */

/* Claim the first active task of number as an officer of its bureau. */
static bool claim_first_task(tb_store *s, const char *number) {
  tb_app_state st;
  const tb_definition *def = NULL;
  if (tb_store_application_state(s, number, &st, &def) != TB_STORE_OK)
    return false;
  for (int b = 0; b < st.n_branches; b++) {
    if (st.branches[b].status != TB_BRANCH_ACTIVE)
      continue;
    tb_store_actor officer = {300, "officer \"赵\"", "officer",
                              def->branches[b].bureau};
    tb_event ev = {.kind = TB_EV_CLAIM,
                   .actor = officer.id,
                   .bureau = officer.bureau,
                   .branch = (uint8_t)b,
                   .step = st.branches[b].step};
    tb_store_outcome *out = tb_xmalloc(sizeof *out);
    tb_store_status rc =
        tb_store_transition(s, number, &ev, &officer, PAYLOAD, NULL, NULL, out);
    if (rc != TB_STORE_OK)
      printf("# claim: %s: %s\n", tb_store_status_name(rc),
             out->problem.detail);
    free(out);
    return rc == TB_STORE_OK;
  }
  return false;
}

static void new_events_follow_old_ones(void) {
  tb_store *s = tb_pg_store(pg.server);
  PGconn *c = tb_pg_connect(pg.admin);
  size_t loaded = 0;
  tb_problem p = {0};
  TB_CHECKF(tb_store_definitions_load_dir(s, workflows_dir, &loaded, &p) ==
                TB_STORE_OK,
            "%s", p.detail);
  TB_CHECK(claim_first_task(s, OLD_OPEN));
  TB_CHECK_INT(count(c, "SELECT canon FROM audit_events WHERE seq = 3 AND "
                        "application_id = 2"),
               2);
  tb_store_audit_report rep = verify_all(s);
  TB_CHECKF(!rep.broken, "%s %d: %s", rep.number, (int)rep.seq, rep.what);
  TB_CHECK_INT(rep.events, OLD_EVENTS + 1);
  /* the payload is stored canonical: sorted members, RFC 8785 escapes */
  TB_CHECK_INT(count(c, "SELECT count(*) FROM audit_events WHERE seq = 3 "
                        "AND application_id = 2 AND starts_with(payload, "
                        "'{\"data\":{\"done\":true,\"list\":[\"三\",\"二\","
                        "\"一\"],\"note\":\"第一行\\n\\\"引号\\\"\\t\\u0001\","
                        "\"score\":-10,\"z\":null},')"),
               1);
  PQfinish(c);
  tb_store_close(s);
  static const edit edits[] = {
      {OLD_OPEN, 3, "actor_name = 'mallory'"},
      {OLD_OPEN, 3,
       "payload = replace(payload, '\"score\":-10', '\"score\":10')"},
      {OLD_OPEN, 3, "bureau = NULL"},
      /* relabelled as form 1, the event is hashed in form 1 and fails */
      {OLD_OPEN, 3, "canon = 1"},
  };
  check_edits_caught(edits, sizeof edits / sizeof edits[0]);
}

/* A new application (its form copied from the old one): a chain written
 * in form 2 from its first event. */
static void new_chains_verify(void) {
  tb_store *s = tb_pg_store(pg.server);
  PGconn *c = tb_pg_connect(pg.admin);
  PGresult *r = PQexec(c, "SELECT form::text FROM applications WHERE id = 2");
  TB_CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1);
  /* the stored form of the fixture's application, given again */
  json_error_t err;
  json_t *stored = json_loads(PQgetvalue(r, 0, 0), 0, &err);
  tb_store_form form = {.n = 0};
  const char *key;
  json_t *v;
  json_object_foreach(stored, key, v) {
    if (form.n < TB_MAX_FIELDS && json_is_string(v))
      form.values[form.n++] = (tb_store_form_value){key, json_string_value(v)};
  }
  tb_store_new_application a = {.definition_id = "qykb",
                                .kind = TB_APPLICANT_PERSON,
                                .name = "张三",
                                .id_number = "11010519491231002X",
                                .form = &form,
                                .channel = TB_CHANNEL_WINDOW,
                                .materials = 0x7F};
  tb_store_outcome *out = tb_xmalloc(sizeof *out);
  tb_store_status rc =
      tb_store_application_create(s, &a, &applicant, out, NULL);
  TB_CHECKF(rc == TB_STORE_OK, "%s: %s", tb_store_status_name(rc),
            out->problem.detail);
  memcpy(new_number, out->number, sizeof new_number);
  PQclear(r);
  json_decref(stored);
  tb_event ev = {.kind = TB_EV_ACCEPT, .actor = clerk.id};
  TB_CHECK_INT(
      tb_store_transition(s, new_number, &ev, &clerk, PAYLOAD, NULL, NULL, out),
      TB_STORE_OK);
  free(out);
  TB_CHECK(claim_first_task(s, new_number));
  TB_CHECK_INT(count(c, "SELECT count(*) FROM audit_events WHERE canon = 2"),
               4);
  tb_store_audit_report rep;
  TB_CHECK_INT(tb_store_audit_verify(s, new_number, &rep), TB_STORE_OK);
  TB_CHECKF(!rep.broken, "%s", rep.what);
  TB_CHECK_INT(rep.events, 3);
  rep = verify_all(s);
  TB_CHECKF(!rep.broken, "%s", rep.what);
  TB_CHECK_INT(rep.chains, 3);
  TB_CHECK_INT(rep.events, OLD_EVENTS + 4);
  PQfinish(c);
  tb_store_close(s);
  const edit edits[] = {
      {new_number, 1, "action = 'withdraw'"},
      {new_number, 2, "actor_name = 'clerk'"},
      {new_number, 2, "payload = 'not json'"},
      {new_number, 3, "actor_id = 301"},
      {new_number, 3, "canon = 1"},
  };
  check_edits_caught(edits, sizeof edits / sizeof edits[0]);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc != 3) {
    fprintf(stderr, "usage: test_store_audit FIXTURE.sql WORKFLOWS_DIR\n");
    return 2;
  }
  fixture_path = argv[1];
  workflows_dir = argv[2];
  if (!tb_pg_start(&pg)) {
    printf("Bail out! no PostgreSQL cluster\n");
    return 1;
  }
  TB_RUN(old_database_loads);
  TB_RUN(old_chains_verify);
  TB_RUN(old_event_edits_are_caught);
  TB_RUN(new_events_follow_old_ones);
  TB_RUN(new_chains_verify);
  tb_pg_stop(&pg);
  return tb_test_done();
}
