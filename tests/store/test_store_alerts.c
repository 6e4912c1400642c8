/*
 * test_store_alerts.c — electronic supervision's rules over the stored
 * rows, with an injected clock (events in March 2025, sweeps at chosen
 * times): each rule kind of the shipped workflows/supervision.xml raises
 * exactly one finding for a crafted situation and none for its near
 * miss; a second sweep raises nothing; the findings are audited (the
 * chains verify); red cards are answered once and decided once; 催办 is
 * recorded and raises urged_repeatedly at the file's threshold.
 *
 * usage: test_store_alerts WORKFLOWS_DIR
 */
#include "tb_pg_harness.h"
#include "tb_store_accounts.h"
#include "tb_store_alerts.h"
#include "tb_store_applications.h"
#include "tb_store_audit.h"
#include "tb_store_timers.h"
#include "tb_test.h"
#include "tb_workflows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PERSON_ID "11010519491231002X"
#define T0 1740967200 /* 2025-03-03 (Monday) 10:00 in China */
#define DAY 86400

/* A service with every setting the rules read: min-reason 20, a
 * tolerated material, a special procedure; and an immediate one. */
static const char SVTEST[] =
    "<service xmlns='urn:tongban:workflow:1' id='svtest' version='1' "
    "applicant='person' statutory-days='10' promised-days='3' "
    "warn-days='1' min-reason='20'><name>监察测试事项</name><materials>"
    "<material id='form' name='申请表'/><material id='plan' name='平面图' "
    "tolerate-days='2'/></materials><review><branch id='main' name='审查' "
    "bureau='SCJG'><task id='check' name='审查' days='1'/></branch></review>"
    "<special-procedures><procedure kind='inspection' name='现场核查' "
    "max-days='2'/></special-procedures></service>";
static const char SVIMM[] =
    "<service xmlns='urn:tongban:workflow:1' id='svimm' version='1' "
    "applicant='person' statutory-days='1' promised-days='1' warn-days='0' "
    "immediate='true'><name>即办测试事项</name><materials><material "
    "id='form' name='申请表'/></materials><review><branch id='main' "
    "name='审查' bureau='SCJG'><task id='check' name='审查' days='1'/>"
    "</branch></review></service>";

static tb_pg pg;
static tb_store *s;
static PGconn *admin;
static tb_rule_set *rules;
static tb_store_actor clerk = {0, "clerk-sv", "clerk", NULL};
static tb_store_actor officer = {0, "officer-sv", "officer", "SCJG"};
static tb_store_actor other = {0, "officer-ga", "officer", "GA"};
static tb_store_actor inspector = {0, "inspector-sv", "inspector", NULL};

/* The applications of the situations. */
static char overdue[TB_APP_NUMBER_LEN + 1], late[TB_APP_NUMBER_LEN + 1],
    on_time[TB_APP_NUMBER_LEN + 1], deny_short[TB_APP_NUMBER_LEN + 1],
    deny_long[TB_APP_NUMBER_LEN + 1], refused[TB_APP_NUMBER_LEN + 1],
    gap[TB_APP_NUMBER_LEN + 1], special[TB_APP_NUMBER_LEN + 1],
    resumed[TB_APP_NUMBER_LEN + 1], imm_late[TB_APP_NUMBER_LEN + 1],
    imm_same[TB_APP_NUMBER_LEN + 1], urged[TB_APP_NUMBER_LEN + 1],
    urged_twice[TB_APP_NUMBER_LEN + 1];

static bool make_account(tb_store_actor *a) {
  return tb_store_account_create(s, a->name, a->role, a->bureau, "x", false,
                                 &a->id) == TB_STORE_OK;
}

static bool step(const char *number, tb_event ev, const tb_store_actor *a,
                 const tb_store_notes *notes) {
  tb_store_outcome *out = tb_xmalloc(sizeof *out);
  tb_store_status rc =
      tb_store_transition(s, number, &ev, a, notes, NULL, NULL, out);
  if (rc != TB_STORE_OK)
    printf("# %s on %s: %s %s\n", tb_event_kind_name(ev.kind), number,
           tb_store_status_name(rc), out->problem.detail);
  free(out);
  return rc == TB_STORE_OK;
}

/* Create and submit at T0 (materials: bit mask), then accept at T0 with
 * the tolerated gaps given. */
static bool intake(const char *service, uint64_t materials, uint64_t gaps,
                   char number[TB_APP_NUMBER_LEN + 1]) {
  tb_store_form form = {.n = 0};
  tb_store_new_application a = {.definition_id = service,
                                .kind = TB_APPLICANT_PERSON,
                                .name = "张三",
                                .id_number = PERSON_ID,
                                .form = &form,
                                .channel = TB_CHANNEL_WINDOW,
                                .materials = materials,
                                .at = T0};
  tb_store_outcome *out = tb_xmalloc(sizeof *out);
  tb_store_status rc = tb_store_application_create(s, &a, &clerk, out, NULL);
  if (rc == TB_STORE_OK)
    memcpy(number, out->number, TB_APP_NUMBER_LEN + 1);
  else
    printf("# create %s: %s %s\n", service, tb_store_status_name(rc),
           out->problem.detail);
  free(out);
  tb_event ev = {.kind = TB_EV_ACCEPT, .at = T0, .materials = gaps};
  return rc == TB_STORE_OK && step(number, ev, &clerk, NULL);
}

static bool decide(const char *number, tb_event_kind kind, int64_t at,
                   const char *comment) {
  tb_event ev = {
      .kind = TB_EV_CLAIM, .at = at, .actor = officer.id, .bureau = "SCJG"};
  tb_store_notes notes = {
      {{.name = "comment", .kind = TB_STORE_NOTE_TEXT, .text = comment}},
      comment ? 1 : 0,
      NULL};
  if (!step(number, ev, &officer, NULL))
    return false;
  ev.kind = kind;
  return step(number, ev, &officer, &notes);
}

static int64_t open_task(const char *number) {
  char q[256];
  snprintf(q, sizeof q,
           "SELECT t.id FROM tasks t JOIN applications a ON a.id = "
           "t.application_id WHERE a.number = '%s' AND t.state IN ('open', "
           "'claimed')",
           number);
  return tb_pg_value(admin, q);
}

/* Findings of a rule for an application. */
static long long findings(const char *rule, const char *number) {
  char q[256];
  snprintf(q, sizeof q,
           "SELECT count(*) FROM supervision_alerts s JOIN applications a ON "
           "a.id = s.application_id WHERE s.rule = '%s' AND a.number = '%s'",
           rule, number);
  return tb_pg_value(admin, q);
}

static long long card_of(const char *rule, const char *number) {
  char q[256];
  snprintf(q, sizeof q,
           "SELECT s.id FROM supervision_alerts s JOIN applications a ON "
           "a.id = s.application_id WHERE s.rule = '%s' AND a.number = '%s'",
           rule, number);
  return tb_pg_value(admin, q);
}

static int sweep(int64_t at) {
  int raised = 0;
  tb_store_status rc = tb_store_alerts_sweep(s, rules, at, &raised);
  if (rc != TB_STORE_OK)
    printf("# sweep: %s\n", tb_store_status_name(rc));
  return rc == TB_STORE_OK ? raised : -1;
}

/* One urge, answer or decision in its own transaction. */
typedef struct {
  int64_t id; /* the task or the card */
  const tb_store_actor *actor;
  const char *kind, *text; /* answer: kind; decision: the decision */
  bool decision;
  tb_store_alert_result out;
} card_job;

static tb_store_status urge_txn(tb_store *st, void *cls) {
  card_job *j = cls;
  return tb_store_task_urge_in(
      st, j->id, j->text, j->actor, T0 + 3 * DAY,
      tb_rule_set_first(rules, TB_RULE_URGED_REPEATEDLY), &j->out);
}

static tb_store_status card_txn(tb_store *st, void *cls) {
  card_job *j = cls;
  if (j->decision)
    return tb_store_alert_decide_in(st, j->id, j->kind, j->text, j->actor,
                                    T0 + 4 * DAY, &j->out);
  tb_store_alert_answer a = {.kind = j->kind, .text = j->text};
  return tb_store_alert_answer_in(st, j->id, &a, j->actor, T0 + 3 * DAY,
                                  &j->out);
}

static tb_store_status urge(const char *number, const tb_store_actor *a,
                            card_job *j) {
  *j = (card_job){.id = open_task(number), .actor = a, .text = "请尽快办理"};
  return tb_store_run_transaction(s, urge_txn, j);
}

static tb_store_status card(long long id, const tb_store_actor *a,
                            bool decision, const char *kind, card_job *j) {
  *j = (card_job){.id = id,
                  .actor = a,
                  .kind = kind,
                  .text = "情况属实，已整改",
                  .decision = decision};
  return tb_store_run_transaction(s, card_txn, j);
}

static void test_situations(void) {
  const uint64_t all = 3, form_only = 1, plan = 2;
  TB_CHECK(intake("svtest", all, 0, overdue));
  TB_CHECK(intake("svtest", all, 0, late));
  TB_CHECK(decide(late, TB_EV_APPROVE, T0 + 7 * DAY, NULL));
  TB_CHECK(intake("svtest", all, 0, on_time));
  TB_CHECK(decide(on_time, TB_EV_APPROVE, T0 + 3600, NULL));
  /* 12 characters: at least the file's 10, short of svtest's 20 */
  TB_CHECK(intake("svtest", all, 0, deny_short));
  TB_CHECK(
      decide(deny_short, TB_EV_DENY, T0 + 3600, "材料不齐全，不予许可。。"));
  TB_CHECK(intake("svtest", all, 0, deny_long));
  TB_CHECK(decide(deny_long, TB_EV_DENY, T0 + 3600,
                  "经营场所与申请材料不符，现场核查未通过，依法不予许可。"));
  /* a refusal of svimm (no min-reason: the file's 10) */
  tb_store_form form = {.n = 0};
  tb_store_new_application a = {.definition_id = "svimm",
                                .kind = TB_APPLICANT_PERSON,
                                .name = "张三",
                                .id_number = PERSON_ID,
                                .form = &form,
                                .channel = TB_CHANNEL_WINDOW,
                                .materials = form_only,
                                .at = T0};
  tb_store_outcome *out = tb_xmalloc(sizeof *out);
  TB_CHECK(tb_store_application_create(s, &a, &clerk, out, NULL) ==
           TB_STORE_OK);
  memcpy(refused, out->number, sizeof refused);
  free(out);
  tb_store_notes why = {
      {{.name = "reason", .kind = TB_STORE_NOTE_TEXT, .text = "不符"}},
      1,
      NULL};
  TB_CHECK(
      step(refused, (tb_event){.kind = TB_EV_REFUSE, .at = T0}, &clerk, &why));
  TB_CHECK(intake("svtest", form_only, plan, gap));
  TB_CHECK(intake("svtest", all, 0, special));
  tb_event sus = {.kind = TB_EV_SUSPEND,
                  .at = T0,
                  .actor = officer.id,
                  .bureau = "SCJG",
                  .special = TB_SPECIAL_INSPECTION};
  TB_CHECK(step(special, sus, &officer, NULL));
  TB_CHECK(intake("svtest", all, 0, resumed));
  TB_CHECK(step(resumed, sus, &officer, NULL));
  TB_CHECK(step(resumed, (tb_event){.kind = TB_EV_RESUME, .at = T0 + 3600},
                &officer, NULL));
  TB_CHECK(intake("svimm", form_only, 0, imm_late));
  TB_CHECK(decide(imm_late, TB_EV_APPROVE, T0 + DAY, NULL));
  TB_CHECK(intake("svimm", form_only, 0, imm_same));
  TB_CHECK(decide(imm_same, TB_EV_APPROVE, T0 + 3600, NULL));
  /* the gap's date and the special procedure's maximum passed long ago */
  int fired = 0;
  TB_CHECK(tb_store_timers_fire(s, 1000, &fired, NULL, NULL) == TB_STORE_OK);
  TB_CHECK(fired > 0);
  /* 承诺核查 rows (part of §6's table): one overdue, one not yet due */
  char q[512];
  snprintf(q, sizeof q,
           "INSERT INTO verifications (application_id, bureau, materials, "
           "due, opened_at) SELECT id, 'SCJG', '[]', '2025-03-04', now() FROM "
           "applications WHERE number = '%s'; INSERT INTO verifications "
           "(application_id, bureau, materials, due, opened_at) SELECT id, "
           "'SCJG', '[]', '2025-04-30', now() FROM applications WHERE number "
           "= '%s'",
           overdue, late);
  TB_CHECK(tb_pg_exec(admin, q));
}

static void test_near_misses_on_the_day(void) {
  /* 03-04: the task's own last day; nothing of step_overdue yet */
  TB_CHECK(sweep(T0 + DAY) >= 0);
  TB_CHECK_INT(findings("step_overdue", overdue), 0);
  TB_CHECK_INT(findings("verification_overdue", overdue), 0);
}

static void test_each_rule_once(void) {
  int raised = sweep(T0 + 2 * DAY); /* 03-05 */
  TB_CHECK(raised > 0);
  TB_CHECK_INT(findings("step_overdue", overdue), 1);
  TB_CHECK_INT(findings("finished_late", late), 1);
  TB_CHECK_INT(findings("short_reason", deny_short), 1);
  TB_CHECK_INT(findings("short_reason", refused), 1);
  TB_CHECK_INT(findings("gap_overdue", gap), 1);
  TB_CHECK_INT(findings("special_too_long", special), 1);
  TB_CHECK_INT(findings("immediate_not_same_day", imm_late), 1);
  TB_CHECK_INT(findings("verification_overdue", overdue), 1);
  /* the near misses */
  TB_CHECK_INT(findings("finished_late", on_time), 0);
  TB_CHECK_INT(findings("short_reason", deny_long), 0);
  TB_CHECK_INT(findings("gap_overdue", overdue), 0);
  TB_CHECK_INT(findings("special_too_long", resumed), 0);
  TB_CHECK_INT(findings("immediate_not_same_day", imm_same), 0);
  TB_CHECK_INT(findings("verification_overdue", late), 0);
  TB_CHECK_INT(findings("step_overdue", late), 0); /* decided, not open */
  /* once: the next sweep raises nothing */
  TB_CHECK_INT(sweep(T0 + 3 * DAY), 0);
  TB_CHECK_INT(findings("step_overdue", overdue), 1);
}

static void test_findings_are_audited(void) {
  char q[256];
  snprintf(q, sizeof q,
           "SELECT count(*) FROM audit_events e JOIN applications a ON a.id "
           "= e.application_id WHERE a.number = '%s' AND e.action = "
           "'alert_raised'",
           overdue);
  TB_CHECK_INT(tb_pg_value(admin, q), 2); /* step_overdue, verification */
  tb_store_audit_report *r = tb_xcalloc(1, sizeof *r);
  TB_CHECK(tb_store_audit_verify(s, NULL, r) == TB_STORE_OK);
  TB_CHECKF(!r->broken, "%s: %s", r->number, r->what);
  free(r);
}

static void test_urges(void) {
  TB_CHECK(intake("svtest", 3, 0, urged));
  TB_CHECK(intake("svtest", 3, 0, urged_twice));
  card_job j;
  TB_CHECK(urge(urged, &clerk, &j) == TB_STORE_OK);
  TB_CHECK_INT(j.out.urges, 1);
  TB_CHECK(urge(urged, &inspector, &j) == TB_STORE_OK);
  TB_CHECK(!j.out.raised);
  TB_CHECK(urge(urged, &clerk, &j) == TB_STORE_OK);
  TB_CHECK_INT(j.out.urges, 3);
  TB_CHECK(j.out.raised); /* the file's threshold: 3 */
  TB_CHECK_STR(j.out.bureau, "SCJG");
  TB_CHECK_INT(findings("urged_repeatedly", urged), 1);
  TB_CHECK(urge(urged_twice, &clerk, &j) == TB_STORE_OK);
  TB_CHECK(urge(urged_twice, &clerk, &j) == TB_STORE_OK);
  TB_CHECK(!j.out.raised);
  TB_CHECK(sweep(T0 + 3 * DAY) >= 0); /* the sweep agrees with the urges */
  TB_CHECK_INT(findings("urged_repeatedly", urged), 1);
  TB_CHECK_INT(findings("urged_repeatedly", urged_twice), 0);
  /* a decided task is not urged */
  char q[256];
  snprintf(q, sizeof q,
           "SELECT t.id FROM tasks t JOIN applications a ON a.id = "
           "t.application_id WHERE a.number = '%s'",
           on_time);
  j = (card_job){.id = tb_pg_value(admin, q), .actor = &clerk, .text = "催"};
  TB_CHECK(tb_store_run_transaction(s, urge_txn, &j) == TB_STORE_REFUSED);
  TB_CHECK_INT(j.out.refusal, TB_STORE_ALERT_TASK_CLOSED);
  TB_CHECK_STR(j.out.state, "decided");
  snprintf(q, sizeof q,
           "SELECT count(*) FROM task_urges u JOIN applications a ON a.id = "
           "u.application_id WHERE a.number = '%s'",
           urged);
  TB_CHECK_INT(tb_pg_value(admin, q), 3);
}

static void test_red_cards(void) {
  long long red = card_of("step_overdue", overdue);
  long long yellow = card_of("gap_overdue", gap);
  long long late_card = card_of("finished_late", late);
  card_job j;
  TB_CHECK(card(yellow, &officer, false, "explanation", &j) ==
           TB_STORE_REFUSED);
  TB_CHECK_INT(j.out.refusal, TB_STORE_ALERT_NOT_RED);
  TB_CHECK(card(red, &other, false, "appeal", &j) == TB_STORE_REFUSED);
  TB_CHECK_INT(j.out.refusal, TB_STORE_ALERT_WRONG_BUREAU);
  TB_CHECK(card(red, &officer, false, "appeal", &j) == TB_STORE_OK);
  TB_CHECK(card(red, &officer, false, "explanation", &j) == TB_STORE_REFUSED);
  TB_CHECK_INT(j.out.refusal, TB_STORE_ALERT_ANSWERED);
  TB_CHECK_STR(j.out.state, "answered");
  TB_CHECK(card(red, &inspector, true, "revoked", &j) == TB_STORE_OK);
  TB_CHECK(card(red, &inspector, true, "upheld", &j) == TB_STORE_REFUSED);
  TB_CHECK_INT(j.out.refusal, TB_STORE_ALERT_DECIDED);
  TB_CHECK_STR(j.out.state, "revoked");
  /* decided before any answer: no answer afterwards */
  TB_CHECK(card(late_card, &inspector, true, "upheld", &j) == TB_STORE_OK);
  TB_CHECK(card(late_card, &officer, false, "appeal", &j) == TB_STORE_REFUSED);
  TB_CHECK_INT(j.out.refusal, TB_STORE_ALERT_DECIDED);
  char *json = NULL;
  TB_CHECK(tb_store_alerts_counts(s, "SCJG", &json) == TB_STORE_OK);
  /* the revoked card is no red card any more; the upheld one is */
  TB_CHECKF(json && strstr(json, "\"urges\" : 5"), "%s", json);
  free(json);
  tb_store_alert_query q = {.state = "revoked", .limit = 10};
  TB_CHECK(tb_store_alerts_read(s, &q, &json) == TB_STORE_OK);
  TB_CHECKF(json && strstr(json, "\"decision\" : \"revoked\"") &&
                strstr(json, "\"kind\" : \"appeal\""),
            "%s", json);
  free(json);
  tb_store_audit_report *r = tb_xcalloc(1, sizeof *r);
  TB_CHECK(tb_store_audit_verify(s, NULL, r) == TB_STORE_OK);
  TB_CHECKF(!r->broken, "%s: %s", r->number, r->what);
  free(r);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    printf("usage: test_store_alerts WORKFLOWS_DIR\n");
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
  char path[1024];
  snprintf(path, sizeof path, "%s/supervision.xml", argv[1]);
  tb_workflows_problems ps = {0};
  bool ready =
      tb_store_definitions_load_dir(s, argv[1], &n, &p) == TB_STORE_OK &&
      tb_store_definition_put(s, SVTEST, strlen(SVTEST), "svtest.xml", &info,
                              &p) == TB_STORE_OK &&
      tb_store_definition_put(s, SVIMM, strlen(SVIMM), "svimm.xml", &info,
                              &p) == TB_STORE_OK &&
      tb_workflows_load_rules(path, &rules, &ps) == TB_OK &&
      make_account(&clerk) && make_account(&officer) && make_account(&other) &&
      make_account(&inspector);
  tb_workflows_problems_print(&ps, stdout);
  tb_workflows_problems_free(&ps);
  if (!ready) {
    printf("Bail out! setup failed: %s\n", p.detail);
    tb_pg_stop(&pg);
    return 1;
  }
  TB_RUN(test_situations);
  TB_RUN(test_near_misses_on_the_day);
  TB_RUN(test_each_rule_once);
  TB_RUN(test_findings_are_audited);
  TB_RUN(test_urges);
  TB_RUN(test_red_cards);
  tb_rule_set_free(rules);
  PQfinish(admin);
  tb_store_close(s);
  tb_pg_stop(&pg);
  return tb_test_done();
}
