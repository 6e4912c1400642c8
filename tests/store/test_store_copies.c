/*
 * test_store_copies.c — 抄送 and the groups of officers in the store
 * (store/tb_store_copies.c, store/tb_store_groups.c) against a real
 * PostgreSQL: tb_store_copies_write_in writes one row per copy target of
 * the completed step, from the branch's bureau at its round, and nothing
 * twice; a step the definition does not have writes nothing; an
 * officer's list holds the copies to their bureau with no group or one of
 * theirs; marking read keeps the first reader; an account's groups are
 * replaced as a whole and read back with the account and its session.
 *
 * usage: test_store_copies WORKFLOWS_DIR
 */
#include "tb_pg_harness.h"
#include "tb_store_accounts.h"
#include "tb_store_applications.h"
#include "tb_store_copies.h"
#include "tb_test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PERSON_ID "11010519491231002X"
#define T0 1740967200 /* 2025-03-03 (Monday) 10:00 in China */

static const char SVCOPY[] =
    "<service xmlns='urn:tongban:workflow:1' id='svcopy' version='1' "
    "applicant='person' statutory-days='10' promised-days='3'>"
    "<name>抄送测试事项</name><materials><material id='form' name='申请表'/>"
    "</materials><review><branch id='main' name='审查' bureau='SCJG'>"
    "<task id='check' name='初审' days='1'/></branch></review></service>";

static tb_pg pg;
static tb_store *s;
static PGconn *admin;
static tb_store_actor clerk = {0, "clerk-cp", "clerk", NULL};
static tb_store_actor zj1 = {0, "officer-zj1", "officer", "ZJ"};
static tb_store_actor zj2 = {0, "officer-zj2", "officer", "ZJ"};
static tb_store_outcome *accepted; /* the application, accepted */

static bool make_account(tb_store_actor *a) {
  return tb_store_account_create(s, a->name, a->role, a->bureau, "x", false,
                                 &a->id) == TB_STORE_OK;
}

/* Create and accept an svcopy application; its outcome in *out. */
static bool intake(tb_store_outcome *out) {
  tb_store_form form = {.n = 0};
  tb_store_new_application a = {.definition_id = "svcopy",
                                .kind = TB_APPLICANT_PERSON,
                                .name = "张三",
                                .id_number = PERSON_ID,
                                .form = &form,
                                .channel = TB_CHANNEL_WINDOW,
                                .materials = 1,
                                .at = T0};
  if (tb_store_application_create(s, &a, &clerk, out, NULL) != TB_STORE_OK)
    return false;
  char number[TB_APP_NUMBER_LEN + 1];
  memcpy(number, out->number, sizeof number);
  tb_event ev = {.kind = TB_EV_ACCEPT, .at = T0};
  return tb_store_transition(s, number, &ev, &clerk, NULL, NULL, NULL, out) ==
         TB_STORE_OK;
}

/* The stored definition with its one step copying `copies` (n of them):
 * what the loader makes of <copy> children. */
typedef struct {
  tb_definition def;
  tb_branch_def branch;
  tb_task_def task;
} copying_def;

static void with_copies(copying_def *c, const tb_definition *stored,
                        const tb_copy_def *copies, size_t n) {
  c->def = *stored;
  c->branch = stored->branches[0];
  c->task = stored->branches[0].tasks[0];
  c->task.copies = copies;
  c->task.n_copies = n;
  c->branch.tasks = &c->task;
  c->def.branches = &c->branch;
}

typedef struct {
  const tb_store_outcome *o;
  tb_effect e;
} write_job;

static tb_store_status write_body(tb_store *st, void *cls) {
  write_job *j = cls;
  return tb_store_copies_write_in(st, j->o, &j->e);
}

static tb_store_status write_copies(const tb_store_outcome *o, int step) {
  write_job j = {o, {.kind = TB_EFFECT_COPY, .branch = 0, .step = step}};
  return tb_store_run_transaction(s, write_body, &j);
}

/* The count of copies matching a condition written in the test as a
 * literal: the statement is one constant string, never built at run time. */
#define copies_where(cond)                                                     \
  tb_pg_value(admin, "SELECT count(*) FROM task_copies WHERE " cond)

static const tb_copy_def COPIES[] = {
    {"ZJ", NULL, 1}, {"ZJ", "KZ", 2}, {"GA", NULL, 3}};

static void test_write(void) {
  copying_def c;
  with_copies(&c, accepted->def, COPIES, 3);
  tb_store_outcome o = *accepted;
  o.def = &c.def;
  TB_CHECK_INT(write_copies(&o, 0), TB_STORE_OK);
  TB_CHECK_INT(copies_where("true"), 3);
  TB_CHECK_INT(copies_where("from_bureau = 'SCJG' AND branch = 0 AND step = "
                            "0 AND round = 1 AND read_at IS NULL"),
               3);
  TB_CHECK_INT(copies_where("bureau = 'ZJ' AND group_code IS NULL"), 1);
  TB_CHECK_INT(copies_where("bureau = 'ZJ' AND group_code = 'KZ'"), 1);
  TB_CHECK_INT(copies_where("bureau = 'GA' AND group_code IS NULL"), 1);
  /* the same step at the same round again: nothing twice */
  TB_CHECK_INT(write_copies(&o, 0), TB_STORE_OK);
  TB_CHECK_INT(copies_where("true"), 3);
  /* a later round (退回, a supplement): its own rows */
  o.after.branches[0].round = 2;
  TB_CHECK_INT(write_copies(&o, 0), TB_STORE_OK);
  TB_CHECK_INT(copies_where("round = 2"), 3);
  /* a step the definition does not have: refused, nothing written */
  TB_CHECK_INT(write_copies(&o, 5), TB_STORE_ERROR);
  TB_CHECK_INT(copies_where("true"), 6);
  /* a step without copies writes nothing */
  with_copies(&c, accepted->def, NULL, 0);
  o.after.branches[0].round = 3;
  TB_CHECK_INT(write_copies(&o, 0), TB_STORE_OK);
  TB_CHECK_INT(copies_where("true"), 6);
}

/* The reader's list as JSON, its item count and the first id. */
static int listed(const tb_store_copy_reader *r, bool unread, int limit,
                  int64_t before, int64_t *first) {
  char *text = NULL;
  if (tb_store_copies_list(s, r, unread, limit, before, &text) != TB_STORE_OK)
    return -1;
  json_error_t err;
  json_t *v = json_loads(text, 0, &err);
  free(text);
  json_t *items = json_object_get(v, "items");
  int n = (int)json_array_size(items);
  if (first)
    *first =
        json_integer_value(json_object_get(json_array_get(items, 0), "id"));
  json_decref(v);
  return n;
}

typedef struct {
  const tb_store_copy_reader *r;
  int64_t id;
  char *json;
} read_job;

static tb_store_status read_body(tb_store *st, void *cls) {
  read_job *j = cls;
  free(j->json); /* a retried attempt's */
  return tb_store_copy_read_in(st, j->r, j->id, &j->json);
}

/* Mark copy id read as r in a transaction of its own; *json: the copy. */
static tb_store_status copy_read(const tb_store_copy_reader *r, int64_t id,
                                 char **json) {
  read_job j = {r, id, NULL};
  tb_store_status rc = tb_store_run_transaction(s, read_body, &j);
  *json = j.json;
  return rc;
}

static void test_read(void) {
  tb_store_groups kz = {.n = 0}, none = {.n = 0};
  TB_CHECK(tb_store_groups_parse("KZ", &kz));
  tb_store_copy_reader plain = {"ZJ", &none, zj1.id};
  tb_store_copy_reader chief = {"ZJ", &kz, zj2.id};
  tb_store_copy_reader ga = {"GA", NULL, zj1.id};
  int64_t first = 0;
  TB_CHECK_INT(listed(&plain, false, 50, 0, NULL), 2); /* rounds 1, 2 */
  TB_CHECK_INT(listed(&chief, false, 50, 0, &first), 4);
  TB_CHECK_INT(listed(&ga, false, 50, 0, NULL), 2);
  TB_CHECK_INT(listed(&chief, false, 1, 0, NULL), 1);
  TB_CHECK_INT(listed(&chief, false, 50, first, NULL), 3);
  long long newest = tb_pg_value(admin, "SELECT max(id) FROM task_copies "
                                        "WHERE bureau = 'ZJ'");
  TB_CHECK_INT(first, newest);
  /* marking read: the first reader stays; another bureau's is not found */
  long long kz_copy = tb_pg_value(admin, "SELECT min(id) FROM task_copies "
                                         "WHERE group_code = 'KZ'");
  char *json = NULL;
  TB_CHECK_INT(copy_read(&plain, kz_copy, &json), TB_STORE_NOT_FOUND);
  TB_CHECK(json == NULL);
  TB_CHECK_INT(copy_read(&chief, kz_copy, &json), TB_STORE_OK);
  TB_CHECK(json && strstr(json, "\"read_by\" : \"officer-zj2\""));
  free(json);
  json = NULL;
  TB_CHECK_INT(copy_read(&chief, kz_copy, &json), TB_STORE_OK);
  free(json);
  json = NULL;
  char q[160];
  snprintf(q, sizeof q,
           "SELECT count(*) FROM task_copies WHERE id = %lld "
           "AND read_by = %lld",
           kz_copy, (long long)zj2.id);
  TB_CHECK_INT(tb_pg_value(admin, q), 1);
  TB_CHECK_INT(copy_read(&ga, kz_copy, &json), TB_STORE_NOT_FOUND);
  TB_CHECK_INT(copy_read(&chief, 0, &json), TB_STORE_NOT_FOUND);
  TB_CHECK_INT(listed(&chief, true, 50, 0, NULL), 3);
}

static void test_groups(void) {
  tb_store_groups g = {.n = 0};
  TB_CHECK(tb_store_groups_parse("", &g) && g.n == 0);
  TB_CHECK(tb_store_groups_parse(NULL, &g) && g.n == 0);
  TB_CHECK(tb_store_groups_parse("KZ,STY", &g) && g.n == 2);
  TB_CHECK_STR(g.codes[1], "STY");
  TB_CHECK(!tb_store_groups_parse("KZ,KZ", &g));
  TB_CHECK(!tb_store_groups_parse("KZ,", &g));
  TB_CHECK(!tb_store_groups_parse("A,B,C,D,E,F,G,H,I", &g));
  TB_CHECK(!tb_store_groups_parse("a b", &g));
  TB_CHECK(!tb_store_groups_parse("123456789012345678901234567890123", &g));
  TB_CHECK(tb_store_groups_parse("KZ,STY", &g));
  TB_CHECK_INT(tb_store_account_groups_set(s, zj1.id, &g), TB_STORE_OK);
  tb_store_account a;
  TB_CHECK_INT(tb_store_account_find(s, zj1.name, &a), TB_STORE_OK);
  TB_CHECK_INT(a.groups.n, 2);
  TB_CHECK_STR(a.groups.codes[0], "KZ");
  TB_CHECK(tb_store_groups_parse("STY", &g));
  TB_CHECK_INT(tb_store_account_groups_set(s, zj1.id, &g), TB_STORE_OK);
  uint8_t hash[32] = {7};
  TB_CHECK_INT(tb_store_session_create(s, zj1.id, hash, 600, 0, NULL),
               TB_STORE_OK);
  TB_CHECK_INT(tb_store_session_find(s, hash, &a, NULL), TB_STORE_OK);
  TB_CHECK_INT(a.groups.n, 1);
  TB_CHECK_STR(a.groups.codes[0], "STY");
  TB_CHECK_INT(tb_store_account_groups_set(s, zj1.id, NULL), TB_STORE_OK);
  TB_CHECK_INT(tb_store_account_find(s, zj1.name, &a), TB_STORE_OK);
  TB_CHECK_INT(a.groups.n, 0);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    printf("usage: test_store_copies WORKFLOWS_DIR\n");
    return 2;
  }
  if (!tb_pg_start(&pg)) {
    printf("1..0 # SKIP no PostgreSQL cluster\n");
    return 1;
  }
  s = tb_pg_store(pg.server);
  admin = tb_pg_connect(pg.admin);
  size_t n = 0;
  tb_problem p = {0};
  tb_store_definition_info info;
  accepted = tb_xmalloc(sizeof *accepted);
  bool ready =
      tb_store_definitions_load_dir(s, argv[1], &n, &p) == TB_STORE_OK &&
      tb_store_definition_put(s, SVCOPY, strlen(SVCOPY), "svcopy.xml", &info,
                              &p) == TB_STORE_OK &&
      make_account(&clerk) && make_account(&zj1) && make_account(&zj2) &&
      intake(accepted);
  if (!ready) {
    printf("Bail out! setup failed: %s\n", p.detail);
    free(accepted);
    tb_pg_stop(&pg);
    return 1;
  }
  TB_RUN(test_write);
  TB_RUN(test_read);
  TB_RUN(test_groups);
  free(accepted);
  PQfinish(admin);
  tb_store_close(s);
  tb_pg_stop(&pg);
  return tb_test_done();
}
