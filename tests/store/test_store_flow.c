/*
 * test_store_flow.c — transitions through the store with the shipped
 * workflows on a throwaway cluster: the full lifecycle of every shipped
 * definition, audit verify catching a superuser's edit, a definition
 * version pinned across an upgrade, 50 threads racing on the branches of
 * 200 applications, 3 scheduler processes sharing the timers, and the
 * scheduler thread surviving a PostgreSQL restart.
 *
 * usage: test_store_flow WORKFLOWS_DIR TONGBAN_BINARY
 */
#include "tb_pg_harness.h"
#include "tb_store_accounts.h"
#include "tb_store_applications.h"
#include "tb_store_audit.h"
#include "tb_store_calendar.h"
#include "tb_store_events.h"
#include "tb_store_timers.h"
#include "tb_store_verify.h"
#include "tb_test.h"

#include <jansson.h>
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define PERSON_ID "11010519491231002X"
#define ORG_ID "91350100M000100Y43"
#define NEWBORN_ID "110105202506020016"
#define RACE_APPS 200
#define RACE_THREADS 50
#define SCHEDULERS 3
#define TIMER_APPS 40

static tb_pg pg;
static const char *workflows_dir;
static const char *tongban_bin;

static const tb_store_actor clerk = {101, "clerk-wang", "clerk", NULL};
static const tb_store_actor applicant = {0, "applicant", "applicant", NULL};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- building applications -------------------------------------------- */

static double clamp(double v, const tb_field *f) {
  if (f->has_min && v < f->min)
    v = f->min;
  if (f->has_max && v > f->max)
    v = f->max;
  return v;
}

/* A valid value's text for every field: all choices of a multiple
 * choice, true for booleans, so that every conditional branch applies;
 * the applicant's own number where the field is same-as="applicant".
 * Malloc'ed. */
static char *field_text(const tb_field *f, bool org) {
  tb_buf b;
  tb_buf_init(&b, 4096);
  switch (f->type) {
  case TB_FIELD_TEXT:
    for (size_t i = 0; i < (size_t)clamp(6, f); i++)
      tb_buf_adds(&b, "测");
    break;
  case TB_FIELD_NUMBER:
    tb_buf_addf(&b, "%.0f", clamp(3, f));
    break;
  case TB_FIELD_MONEY:
    tb_buf_addf(&b, "%.2f", clamp(1000000, f) / 100.0);
    break;
  case TB_FIELD_DATE: {
    tb_day d;
    char buf[11];
    tb_date_from_ymd(2020, 6, 1, &d);
    d = (tb_day)clamp(d, f);
    if (f->min_today) /* after any intake, those at injected times too */
      tb_date_from_ymd(2030, 6, 1, &d);
    tb_date_format(d, buf);
    tb_buf_adds(&b, buf);
    break;
  }
  case TB_FIELD_CHOICE:
    for (size_t i = 0; i < (f->multiple ? f->n_choices : 1); i++)
      tb_buf_addf(&b, "%s%s", i ? "," : "", f->choices[i].value);
    break;
  case TB_FIELD_BOOLEAN:
    tb_buf_adds(&b, "true");
    break;
  case TB_FIELD_ID_NUMBER:
    tb_buf_adds(&b, f->same_as_applicant && org ? ORG_ID : PERSON_ID);
    break;
  }
  tb_buf_adds(&b, "");
  return tb_buf_take(&b, NULL);
}

static void make_form(const tb_definition *def, tb_store_form *form) {
  bool org = def->applicant == TB_APPLICANT_ORGANIZATION;
  form->n = 0;
  for (size_t i = 0; i < def->n_fields && i < TB_MAX_FIELDS; i++)
    form->values[form->n++] = (tb_store_form_value){
        def->fields[i].id, field_text(&def->fields[i], org)};
}

static void free_form(tb_store_form *form) {
  for (size_t i = 0; i < form->n; i++)
    free((char *)form->values[i].text);
}

static uint64_t all_materials(const tb_definition *def) {
  return def->n_materials >= 64 ? UINT64_MAX
                                : (UINT64_C(1) << def->n_materials) - 1;
}

/* Create and submit with the materials of mask `committed` replaced by
 * a commitment chosen at the window (告知承诺); *rc (may be NULL) gets
 * the store's answer and *why (may be NULL) the outcome. Returns false on
 * failure (printed). */
static bool create_committed(tb_store *s, const char *service, int64_t at,
                             uint64_t committed,
                             char number[TB_APP_NUMBER_LEN + 1],
                             tb_store_outcome *why) {
  const tb_definition *def = NULL;
  if (tb_store_definition_get(s, service, 0, &def) != TB_STORE_OK)
    return false;
  tb_store_form *form = tb_xmalloc(sizeof *form);
  make_form(def, form);
  bool org = def->applicant == TB_APPLICANT_ORGANIZATION;
  tb_store_new_application a = {.definition_id = service,
                                .kind = org ? TB_APPLICANT_ORGANIZATION
                                            : TB_APPLICANT_PERSON,
                                .name = org ? "杭州测试科技有限公司" : "张三",
                                .id_number = org ? ORG_ID : PERSON_ID,
                                .form = form,
                                .channel = TB_CHANNEL_WINDOW,
                                .materials = all_materials(def) & ~committed,
                                .committed = committed,
                                .at = at};
  tb_store_outcome *out = tb_xmalloc(sizeof *out);
  char code[TB_STORE_TRACKING_CODE_LEN + 1];
  tb_store_status rc =
      tb_store_application_create(s, &a, &applicant, out, code);
  if (rc != TB_STORE_OK)
    printf("# create %s: %s: %s %s\n", service, tb_store_status_name(rc),
           out->problem.field, out->problem.detail);
  else
    memcpy(number, out->number, TB_APP_NUMBER_LEN + 1);
  bool match = false;
  if (rc == TB_STORE_OK)
    tb_store_tracking_check(s, number, code, &match);
  if (why)
    *why = *out;
  free(out);
  free_form(form);
  free(form);
  return rc == TB_STORE_OK && match;
}

/* Create and submit with every material; false on failure (printed). */
static bool create_app(tb_store *s, const char *service, int64_t at,
                       char number[TB_APP_NUMBER_LEN + 1]) {
  return create_committed(s, service, at, 0, number, NULL);
}

static tb_store_status event(tb_store *s, const char *number, tb_event ev,
                             const tb_store_actor *actor,
                             const tb_store_notes *notes,
                             tb_store_outcome *out) {
  tb_store_status rc =
      tb_store_transition(s, number, &ev, actor, notes, NULL, NULL, out);
  if (rc != TB_STORE_OK)
    printf("# %s on %s: %s: %s\n", tb_event_kind_name(ev.kind), number,
           tb_store_status_name(rc), out->problem.detail);
  return rc;
}

static tb_store_actor officer_of(const tb_definition *def, int b) {
  tb_store_actor a = {200 + b, "officer", "officer", def->branches[b].bureau};
  return a;
}

/* Claim and decide the current task of branch b. */
static tb_store_status decide(tb_store *s, const char *number,
                              const tb_definition *def, int b, int step,
                              tb_event_kind kind, uint64_t materials,
                              tb_store_outcome *out) {
  tb_store_actor officer = officer_of(def, b);
  tb_event ev = {.kind = TB_EV_CLAIM,
                 .actor = officer.id,
                 .bureau = officer.bureau,
                 .branch = (uint8_t)b,
                 .step = (uint8_t)step};
  tb_store_status rc = event(s, number, ev, &officer, NULL, out);
  if (rc != TB_STORE_OK)
    return rc;
  ev.kind = kind;
  ev.materials = materials;
  /* an approval records the task's outputs (the newborn's citizen ID) */
  tb_store_form outputs = {.n = 0};
  const tb_task_def *td = &def->branches[b].tasks[step];
  for (size_t k = 0; kind == TB_EV_APPROVE && k < td->n_outputs; k++)
    outputs.values[outputs.n++] =
        (tb_store_form_value){td->outputs[k].id, NEWBORN_ID};
  const tb_store_notes notes = {{{.name = "comment",
                                  .kind = TB_STORE_NOTE_TEXT,
                                  .text = "审核意见：符合要求"}},
                                1,
                                outputs.n ? &outputs : NULL};
  return event(s, number, ev, &officer, &notes, out);
}

/* ---- the lifecycle ---------------------------------------------------------
 */

typedef struct {
  int transitions;
  int decisions;
  bool returned;
  bool suspended;
} drive_stats;

/* One move for an application in review; false when nothing is left. */
static bool review_move(tb_store *s, const char *number,
                        const tb_definition *def, const tb_app_state *st,
                        drive_stats *ds, tb_store_outcome *out) {
  if (!ds->suspended && def->n_specials > 0) {
    ds->suspended = true;
    tb_event ev = {.kind = TB_EV_SUSPEND,
                   .special = def->specials[0].kind,
                   .actor = 201,
                   .bureau = NULL};
    tb_store_actor officer = officer_of(def, 0);
    ds->transitions += 2;
    return event(s, number, ev, &officer, NULL, out) == TB_STORE_OK &&
           event(s, number, (tb_event){.kind = TB_EV_RESUME, .actor = 201},
                 &officer, NULL, out) == TB_STORE_OK;
  }
  /* Return once, when no branch waits on another: a waiting branch
   * behind a returned one would never start (see the report). */
  bool waiting = false;
  for (int b = 0; b < st->n_branches; b++)
    waiting |= st->branches[b].status == TB_BRANCH_WAITING;
  for (int b = 0; b < st->n_branches; b++) {
    if (st->branches[b].status != TB_BRANCH_ACTIVE)
      continue;
    bool ret = !ds->returned && !waiting;
    ds->returned |= ret;
    ds->transitions += 2;
    ds->decisions++;
    return decide(s, number, def, b, st->branches[b].step,
                  ret ? TB_EV_RETURN : TB_EV_APPROVE, ret ? 1 : 0,
                  out) == TB_STORE_OK;
  }
  return false;
}

/* Drive one application from submitted to rated. */
static bool drive(tb_store *s, const char *number, drive_stats *ds) {
  tb_store_outcome *out = tb_xmalloc(sizeof *out);
  const tb_definition *def = NULL;
  tb_app_state st;
  bool ok = true;
  for (int i = 0; ok && i < 200; i++) {
    ok = tb_store_application_state(s, number, &st, &def) == TB_STORE_OK;
    if (!ok)
      break;
    tb_event ev = {.actor = clerk.id};
    const tb_store_actor *who = &clerk;
    switch (st.status) {
    case TB_APP_SUBMITTED:
      ev.kind = TB_EV_ACCEPT;
      break;
    case TB_APP_IN_REVIEW:
      ok = review_move(s, number, def, &st, ds, out);
      if (!ok)
        printf("# %s stuck in review\n", number);
      continue;
    case TB_APP_RETURNED:
      ev.kind = TB_EV_SUPPLEMENT;
      ev.materials = st.notice;
      who = &applicant;
      break;
    case TB_APP_APPROVED:
      ev.kind = TB_EV_DELIVER;
      break;
    case TB_APP_DELIVERED:
      if (st.rating) {
        free(out);
        return true;
      }
      ev.kind = TB_EV_RATE;
      ev.rating = 5;
      who = &applicant;
      break;
    default:
      printf("# %s ended as %s\n", number,
             tb_app_status_name((tb_app_status)st.status));
      ok = false;
      continue;
    }
    ds->transitions++;
    ok = event(s, number, ev, who, NULL, out) == TB_STORE_OK;
  }
  free(out);
  return false;
}

static long long app_value(PGconn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static long long app_value(PGconn *c, const char *fmt, ...) {
  char sql[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(sql, sizeof sql, fmt, ap);
  va_end(ap);
  return tb_pg_value(c, sql);
}

static char first_number[TB_APP_NUMBER_LEN + 1];

static void print_tasks(PGconn *c, const char *number) {
  const char *params[] = {number};
  PGresult *r = PQexecParams(
      c,
      "SELECT t.branch_id, t.step, t.round, t.state, coalesce(t.decision, "
      "'-') FROM tasks t JOIN applications a ON a.id = t.application_id "
      "WHERE a.number = $1 ORDER BY t.id",
      1, NULL, params, NULL, NULL, 0);
  for (int i = 0; i < PQntuples(r); i++)
    printf("#   task %s/%s round %s: %s %s\n", PQgetvalue(r, i, 0),
           PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
           PQgetvalue(r, i, 4));
  PQclear(r);
  r = PQexecParams(c,
                   "SELECT e.seq, e.action, e.payload FROM audit_events e "
                   "JOIN applications a ON a.id = e.application_id WHERE "
                   "a.number = $1 ORDER BY e.seq",
                   1, NULL, params, NULL, NULL, 0);
  for (int i = 0; i < PQntuples(r); i++)
    printf("#   event %s %s: %.300s\n", PQgetvalue(r, i, 0),
           PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
  PQclear(r);
}

/* A change event read from the tail: count it. */
static void count_change(const char *payload, void *cls) {
  *(int *)cls += strstr(payload, "\"number\"") != NULL;
}

static void lifecycle_of_every_shipped_workflow(void) {
  tb_store *s = tb_pg_store(pg.server);
  PGconn *c = tb_pg_connect(pg.admin);
  PGconn *listener = tb_pg_connect(pg.server);
  tb_pg_exec(listener, "LISTEN tongban");
  tb_store_listener *tail = NULL;
  TB_CHECK_INT(tb_store_listener_open(pg.server, &tail), TB_STORE_OK);
  int total = 0;
  PGresult *r = PQexec(c, "SELECT id FROM definitions ORDER BY id");
  TB_CHECK(PQntuples(r) >= 4);
  for (int i = 0; i < PQntuples(r); i++) {
    const char *id = PQgetvalue(r, i, 0);
    char number[TB_APP_NUMBER_LEN + 1] = "";
    drive_stats ds = {1, 0, false, false};
    TB_CHECKF(create_app(s, id, 0, number), "%s", id);
    TB_CHECKF(drive(s, number, &ds), "%s did not finish", id);
    if (!first_number[0])
      memcpy(first_number, number, sizeof number);
    TB_CHECK_INT(app_value(c,
                           "SELECT count(*) FROM applications WHERE "
                           "number = '%s' AND status = 'delivered'",
                           number),
                 1);
    TB_CHECKF(app_value(c,
                        "SELECT count(*) FROM audit_events e JOIN "
                        "applications a ON a.id = e.application_id "
                        "WHERE a.number = '%s'",
                        number) == ds.transitions,
              "%s: %d transitions", id, ds.transitions);
    TB_CHECK_INT(app_value(c,
                           "SELECT count(*) FROM tasks t JOIN "
                           "applications a ON a.id = t.application_id "
                           "WHERE a.number = '%s' AND t.state = 'decided'",
                           number),
                 ds.decisions);
    TB_CHECK_INT(app_value(c,
                           "SELECT count(*) FROM tasks t JOIN "
                           "applications a ON a.id = t.application_id "
                           "WHERE a.number = '%s' AND t.state IN "
                           "('open', 'claimed')",
                           number),
                 0);
    long long round2 = app_value(c,
                                 "SELECT count(*) FROM tasks t JOIN "
                                 "applications a ON a.id = "
                                 "t.application_id WHERE a.number = '%s' "
                                 "AND t.round = 2",
                                 number);
    TB_CHECKF(round2 >= 1, "%s: no task of a second round", id);
    if (round2 < 1)
      print_tasks(c, number);
    TB_CHECK_INT(app_value(c,
                           "SELECT count(*) FROM timers t JOIN "
                           "applications a ON a.id = t.application_id "
                           "WHERE a.number = '%s'",
                           number),
                 0);
    tb_store_audit_report rep;
    TB_CHECK_INT(tb_store_audit_verify(s, number, &rep), TB_STORE_OK);
    TB_CHECKF(!rep.broken, "%s: %s", number, rep.what);
    printf("# %s: %d transitions, %d decisions\n", id, ds.transitions,
           ds.decisions);
    total += ds.transitions;
  }
  PQclear(r);
  /* every transition is a row of the event tail, read once; none sent a
   * NOTIFY in its transaction (issue 18 §1) */
  int heard = 0;
  size_t got = 1;
  while (got > 0)
    TB_CHECK_INT(tb_store_listener_tail(tail, count_change, &heard, &got),
                 TB_STORE_OK);
  TB_CHECK_INT(heard, total);
  TB_CHECK_INT(tb_store_listener_tail(tail, count_change, &heard, NULL),
               TB_STORE_OK);
  TB_CHECK_INT(heard, total);
  usleep(100 * 1000);
  PQconsumeInput(listener);
  int notified = 0;
  PGnotify *n;
  while ((n = PQnotifies(listener))) {
    notified++;
    PQfreemem(n);
  }
  TB_CHECK_INT(notified, 0);
  tb_store_listener_close(tail);
  PQfinish(listener);
  PQfinish(c);
  tb_store_close(s);
}

/* ---- audit verify ----------------------------------------------------------
 */

/* Run the binary; its stdout into out. Returns the exit status. */
static int run_binary(char *const argv[], char *out, size_t cap) {
  int fds[2];
  if (pipe(fds) != 0)
    return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  size_t n = 0;
  ssize_t got;
  while (rc == 0 && n + 1 < cap &&
         (got = read(fds[0], out + n, cap - 1 - n)) > 0)
    n += (size_t)got;
  out[n] = '\0';
  close(fds[0]);
  int status = 0;
  if (rc != 0 || waitpid(pid, &status, 0) < 0)
    return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void audit_verify_catches_a_superuser_edit(void) {
  tb_store *s = tb_pg_store(pg.server);
  PGconn *c = tb_pg_connect(pg.admin);
  tb_store_audit_report rep;
  TB_CHECK_INT(tb_store_audit_verify(s, NULL, &rep), TB_STORE_OK);
  TB_CHECKF(!rep.broken, "%s", rep.what);
  TB_CHECK(rep.chains >= 4 && rep.events > 20);
  tb_pg_audit_edit(c, first_number, 3, "actor_name = 'mallory'");
  TB_CHECK_INT(tb_store_audit_verify(s, NULL, &rep), TB_STORE_OK);
  TB_CHECK(rep.broken);
  TB_CHECK_STR(rep.number, first_number);
  TB_CHECK_INT(rep.seq, 3);
  TB_CHECKF(strstr(rep.what, "does not match its hash") != NULL, "%s",
            rep.what);
  /* the command line names the same link, exit status 1 */
  char out[1024];
  char *argv[] = {
      (char *)tongban_bin, "audit", "verify", "--db", pg.admin, NULL};
  TB_CHECK_INT(run_binary(argv, out, sizeof out), 1);
  char expect[128];
  snprintf(expect, sizeof expect,
           "broken: application %s, event 3:", first_number);
  TB_CHECKF(strstr(out, expect) != NULL, "%s", out);
  tb_pg_audit_restore(c);
  /* a changed time is caught too, and a removed last event */
  tb_pg_audit_edit(c, first_number, 3, "at = at + interval '1 microsecond'");
  TB_CHECK_INT(tb_store_audit_verify(s, first_number, &rep), TB_STORE_OK);
  TB_CHECK(rep.broken && rep.seq == 3);
  tb_pg_audit_restore(c);
  TB_CHECK_INT(tb_store_audit_verify(s, first_number, &rep), TB_STORE_OK);
  TB_CHECKF(!rep.broken, "%s", rep.what);
  char sql[512];
  snprintf(sql, sizeof sql,
           "SET session_replication_role = replica;"
           "CREATE TABLE saved AS SELECT * FROM audit_events WHERE seq = "
           "(SELECT audit_seq FROM applications WHERE number = '%s') AND "
           "application_id = (SELECT id FROM applications WHERE number = "
           "'%s')",
           first_number, first_number);
  tb_pg_exec(c, sql);
  tb_pg_exec(c, "DELETE FROM audit_events e USING saved s WHERE "
                "e.application_id = s.application_id AND e.seq = s.seq");
  TB_CHECK_INT(tb_store_audit_verify(s, first_number, &rep), TB_STORE_OK);
  TB_CHECKF(rep.broken && strstr(rep.what, "events removed"), "%s", rep.what);
  tb_pg_exec(c, "INSERT INTO audit_events SELECT * FROM saved; DROP TABLE "
                "saved; RESET session_replication_role");
  argv[3] = NULL;
  char *argv2[] = {(char *)tongban_bin,
                   "audit",
                   "verify",
                   first_number,
                   "--db",
                   pg.admin,
                   NULL};
  TB_CHECK_INT(run_binary(argv2, out, sizeof out), 0);
  TB_CHECKF(strncmp(out, "ok: 1 chains", 12) == 0, "%s", out);
  PQfinish(c);
  tb_store_close(s);
}

/* ---- definition versions ---------------------------------------------------
 */

static char *read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *buf = tb_xcalloc(1024 * 1024 + 1, 1);
  size_t n = fread(buf, 1, 1024 * 1024, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

/* Replace the first occurrence of `from` in text (malloc'ed result). */
static char *replace(const char *text, const char *from, const char *to) {
  const char *at = strstr(text, from);
  if (!at)
    return NULL;
  size_t n = strlen(text) + strlen(to) + 1;
  char *out = tb_xcalloc(n, 1);
  size_t head = (size_t)(at - text);
  memcpy(out, text, head);
  memcpy(out + head, to, strlen(to));
  memcpy(out + head + strlen(to), at + strlen(from), strlen(at + strlen(from)));
  return out;
}

static int working_days_to_deadline(tb_store *s, const char *number) {
  tb_app_state st;
  const tb_definition *def;
  const tb_calendar *cal;
  tb_store_application_state(s, number, &st, &def);
  tb_store_calendar_get(s, &cal);
  return tb_calendar_count_working_days(
      cal, tb_calendar_day_of(cal, st.accepted_at), st.deadline);
}

static void definition_version_pinned_across_upgrade(void) {
  tb_store *s = tb_pg_store(pg.server);
  PGconn *c = tb_pg_connect(pg.admin);
  char path[1024];
  snprintf(path, sizeof path, "%s/spjy.xml", workflows_dir);
  char *v1 = read_text(path);
  TB_CHECK(v1 != NULL);
  const tb_definition *def = NULL;
  TB_CHECK_INT(tb_store_definition_get(s, "spjy", 0, &def), TB_STORE_OK);
  uint32_t old_version = def->version;
  unsigned promised = def->promised_days;
  char old_attr[32], new_attr[32], old_days[32], new_days[32];
  snprintf(old_attr, sizeof old_attr, "version=\"%u\"", old_version);
  snprintf(new_attr, sizeof new_attr, "version=\"%u\"", old_version + 1);
  snprintf(old_days, sizeof old_days, "promised-days=\"%u\"", promised);
  snprintf(new_days, sizeof new_days, "promised-days=\"%u\"", promised - 1);
  char *bumped = replace(v1, old_attr, new_attr);
  char *v2 = bumped ? replace(bumped, old_days, new_days) : NULL;
  TB_CHECK(v2 != NULL);
  char a[TB_APP_NUMBER_LEN + 1], b[TB_APP_NUMBER_LEN + 1];
  TB_CHECK(create_app(s, "spjy", 0, a));
  tb_store_definition_info info;
  tb_problem p = {0};
  TB_CHECK_INT(
      tb_store_definition_put(s, v2, strlen(v2), "spjy-v2.xml", &info, &p),
      TB_STORE_OK);
  TB_CHECK(info.inserted && info.version == old_version + 1);
  TB_CHECK(create_app(s, "spjy", 0, b));
  tb_store_outcome *out = tb_xmalloc(sizeof *out);
  tb_event acc = {.kind = TB_EV_ACCEPT, .actor = clerk.id};
  TB_CHECK_INT(event(s, a, acc, &clerk, NULL, out), TB_STORE_OK);
  TB_CHECK_INT(out->def->version, old_version);
  TB_CHECK_INT(event(s, b, acc, &clerk, NULL, out), TB_STORE_OK);
  TB_CHECK_INT(out->def->version, old_version + 1);
  TB_CHECK_INT(working_days_to_deadline(s, a), promised);
  TB_CHECK_INT(working_days_to_deadline(s, b), promised - 1);
  TB_CHECK_INT(app_value(c,
                         "SELECT definition_version FROM applications "
                         "WHERE number = '%s'",
                         a),
               old_version);
  /* the same bytes again: nothing to do; other bytes: refused */
  TB_CHECK_INT(
      tb_store_definition_put(s, v2, strlen(v2), "spjy-v2.xml", &info, &p),
      TB_STORE_OK);
  TB_CHECK(!info.inserted);
  char *changed = replace(v2, "<service", "<!-- edited -->\n<service");
  TB_CHECK_INT(tb_store_definition_put(s, changed, strlen(changed),
                                       "spjy-v2-edited.xml", &info, &p),
               TB_STORE_CONFLICT);
  TB_CHECKF(strstr(p.detail, "already loaded with other content") != NULL, "%s",
            p.detail);
  char *broken = replace(v2, "</service>", "");
  TB_CHECK_INT(
      tb_store_definition_put(s, broken, strlen(broken), "bad.xml", &info, &p),
      TB_STORE_INVALID);
  TB_CHECKF(strstr(p.detail, "bad.xml") != NULL, "%s", p.detail);
  /* the store parses no XML itself: a handle opened without a loader
   * neither stores definitions nor reads them back */
  tb_store_options bare = {.conninfo = pg.server};
  tb_store *t = NULL;
  char err[512];
  TB_CHECK_INT(tb_store_open(&bare, &t, err, sizeof err), TB_STORE_OK);
  const tb_definition *d = NULL;
  TB_CHECK_INT(tb_store_definition_get(t, "spjy", old_version, &d),
               TB_STORE_ERROR);
  TB_CHECK_INT(tb_store_definition_put(t, v2, strlen(v2), "x.xml", &info, &p),
               TB_STORE_ERROR);
  tb_store_close(t);
  free(broken);
  free(changed);
  free(out);
  free(v1);
  free(bumped);
  free(v2);
  PQfinish(c);
  tb_store_close(s);
}

/* ---- 50 threads racing -----------------------------------------------------
 */

typedef struct {
  char number[TB_APP_NUMBER_LEN + 1];
  int branch;
} race_item;

typedef struct {
  race_item *items;
  size_t n;
  atomic_size_t next;
  atomic_int errors;
  atomic_int transitions;
  const tb_definition *def;
} race;

static void *race_thread(void *arg) {
  race *r = arg;
  tb_store *s = tb_pg_store(pg.server);
  tb_store_outcome *out = tb_xmalloc(sizeof *out);
  size_t i;
  while ((i = atomic_fetch_add(&r->next, 1)) < r->n) {
    const race_item *it = &r->items[i];
    const tb_branch_def *bd = &r->def->branches[it->branch];
    for (size_t step = 0; step < bd->n_tasks; step++) {
      if (decide(s, it->number, r->def, it->branch, (int)step, TB_EV_APPROVE, 0,
                 out) != TB_STORE_OK)
        atomic_fetch_add(&r->errors, 1);
      atomic_fetch_add(&r->transitions, 2);
    }
  }
  free(out);
  tb_store_close(s);
  return NULL;
}

/* 200 business start-ups, accepted and registered, so that four or five
 * branches of each are open at once. */
static size_t prepare_race(tb_store *s, const tb_definition *def,
                           race_item *items) {
  tb_store_outcome *out = tb_xmalloc(sizeof *out);
  size_t n = 0;
  for (int a = 0; a < RACE_APPS; a++) {
    char number[TB_APP_NUMBER_LEN + 1];
    if (!create_app(s, "qykb", 0, number))
      break;
    tb_event acc = {.kind = TB_EV_ACCEPT, .actor = clerk.id};
    event(s, number, acc, &clerk, NULL, out);
    decide(s, number, def, 0, 0, TB_EV_APPROVE, 0, out);
    for (int b = 0; b < out->after.n_branches; b++)
      if (out->after.branches[b].status == TB_BRANCH_ACTIVE) {
        memcpy(items[n].number, number, sizeof number);
        items[n++].branch = b;
      }
  }
  free(out);
  return n;
}

static void fifty_threads_race_on_two_hundred_joins(void) {
  tb_store *s = tb_pg_store(pg.server);
  PGconn *c = tb_pg_connect(pg.admin);
  race r = {0};
  TB_CHECK_INT(tb_store_definition_get(s, "qykb", 0, &r.def), TB_STORE_OK);
  r.items = tb_xcalloc(RACE_APPS * TB_MAX_BRANCHES, sizeof *r.items);
  double t0 = now_s();
  r.n = prepare_race(s, r.def, r.items);
  double t1 = now_s();
  TB_CHECKF(r.n >= RACE_APPS * 4, "%zu branches open", r.n);
  long long audit_before = tb_pg_value(c, "SELECT count(*) FROM audit_events");
  pthread_t threads[RACE_THREADS];
  for (int i = 0; i < RACE_THREADS; i++)
    pthread_create(&threads[i], NULL, race_thread, &r);
  for (int i = 0; i < RACE_THREADS; i++)
    pthread_join(threads[i], NULL);
  double t2 = now_s();
  int transitions = atomic_load(&r.transitions);
  TB_CHECK_INT(atomic_load(&r.errors), 0);
  printf("# race: %zu branches of %d applications; setup %.1f s; %d "
         "transitions by %d threads in %.2f s (%.0f/s)\n",
         r.n, RACE_APPS, t1 - t0, transitions, RACE_THREADS, t2 - t1,
         transitions / (t2 - t1));
  /* every decision recorded, every join decided once */
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM audit_events") -
                   audit_before,
               transitions);
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM applications WHERE "
                              "definition_id = 'qykb' AND status = "
                              "'approved'"),
               RACE_APPS);
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM (SELECT application_id "
                              "FROM audit_events WHERE payload LIKE "
                              "'%\"to\":\"approved\"%' AND payload LIKE "
                              "'%\"from\":\"in_review\"%' GROUP BY "
                              "application_id HAVING count(*) = 1) x JOIN "
                              "applications a ON a.id = x.application_id "
                              "WHERE a.definition_id = 'qykb' AND "
                              "a.status = 'approved'"),
               RACE_APPS);
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM audit_events e JOIN "
                              "applications a ON a.id = e.application_id "
                              "WHERE a.definition_id = 'qykb' AND "
                              "a.status = 'approved' AND "
                              "e.payload LIKE '%\"to\":\"approved\"%' AND "
                              "e.payload LIKE '%\"from\":\"in_review\"%'"),
               RACE_APPS);
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM tasks t JOIN "
                              "applications a ON a.id = t.application_id "
                              "WHERE a.definition_id = 'qykb' AND t.state "
                              "IN ('open', 'claimed')"),
               0);
  tb_store_audit_report rep;
  TB_CHECK_INT(tb_store_audit_verify(s, NULL, &rep), TB_STORE_OK);
  TB_CHECKF(!rep.broken, "%s %d: %s", rep.number, rep.seq, rep.what);
  free(r.items);
  PQfinish(c);
  tb_store_close(s);
}

/* ---- three scheduler processes ---------------------------------------------
 */

static void report_fired(const tb_store_fired *f, void *cls) {
  fprintf((FILE *)cls, "%lld %lld %lld %d %s\n", (long long)f->timer_id,
          (long long)f->due_us, (long long)f->fired_us, (int)f->engine,
          f->number);
  fflush((FILE *)cls);
}

static void run_scheduler(int fd, double seconds) {
  tb_store *s = tb_pg_store(pg.server);
  double end = now_s() + seconds;
  FILE *out = fdopen(fd, "w");
  while (now_s() < end) {
    int fired = 0;
    tb_store_timers_fire(s, 50, &fired, report_fired, out);
    if (fired == 0)
      usleep(20 * 1000);
  }
  fclose(out);
  tb_store_close(s);
}

typedef struct {
  long long id, due, fired;
  int engine;
} fired_line;

static int read_fired(int fd, fired_line *lines, int max, int proc,
                      int *per_proc) {
  FILE *in = fdopen(fd, "r");
  int n = 0;
  char number[32];
  while (n < max &&
         fscanf(in, "%lld %lld %lld %d %31s", &lines[n].id, &lines[n].due,
                &lines[n].fired, &lines[n].engine, number) == 5) {
    n++;
    per_proc[proc]++;
  }
  fclose(in);
  return n;
}

static int compare_ids(const void *a, const void *b) {
  long long x = ((const fired_line *)a)->id, y = ((const fired_line *)b)->id;
  return (x > y) - (x < y);
}

/* Applications submitted and accepted 40 days ago: their warnings and
 * deadlines are all due now. A few timers are moved 2–4 s ahead. */
static long long prepare_timers(tb_store *s, PGconn *c) {
  tb_store_outcome *out = tb_xmalloc(sizeof *out);
  int64_t past = time(NULL) - 40 * 86400;
  for (int i = 0; i < TIMER_APPS; i++) {
    char number[TB_APP_NUMBER_LEN + 1];
    if (!create_app(s, i % 2 ? "spjy" : "cssj", past, number))
      continue;
    tb_event acc = {.kind = TB_EV_ACCEPT, .actor = clerk.id, .at = past + 60};
    event(s, number, acc, &clerk, NULL, out);
  }
  free(out);
  tb_pg_exec(c, "UPDATE timers SET due_at = now() + interval '2 seconds' + "
                "(id % 3) * interval '1 second' WHERE id % 10 = 0");
  return tb_pg_value(c, "SELECT count(*) FROM timers WHERE due_at < now() + "
                        "interval '5 seconds'");
}

static void three_schedulers_fire_each_timer_once(void) {
  tb_store *s = tb_pg_store(pg.server);
  PGconn *c = tb_pg_connect(pg.admin);
  long long due = prepare_timers(s, c);
  TB_CHECKF(due >= TIMER_APPS * 2, "%lld timers due", due);
  tb_store_close(s);
  int fds[SCHEDULERS];
  pid_t pids[SCHEDULERS];
  fflush(stdout);
  for (int p = 0; p < SCHEDULERS; p++) {
    int pipefd[2];
    if (pipe(pipefd) != 0)
      return;
    pids[p] = fork();
    if (pids[p] == 0) {
      close(pipefd[0]);
      run_scheduler(pipefd[1], 7.0);
      _exit(0);
    }
    close(pipefd[1]);
    fds[p] = pipefd[0];
  }
  int max = (int)due * 4 + 100, n = 0, per_proc[SCHEDULERS] = {0};
  fired_line *lines = tb_xcalloc((size_t)max, sizeof *lines);
  for (int p = 0; p < SCHEDULERS; p++)
    n += read_fired(fds[p], lines + n, max - n, p, per_proc);
  for (int p = 0; p < SCHEDULERS; p++)
    waitpid(pids[p], NULL, 0);
  qsort(lines, (size_t)n, sizeof *lines, compare_ids);
  int twice = 0, early = 0, ok = 0;
  for (int i = 0; i < n; i++) {
    if (i > 0 && lines[i].id == lines[i - 1].id)
      twice++;
    if (lines[i].fired < lines[i].due)
      early++;
    if (lines[i].engine == TB_OK)
      ok++;
  }
  printf("# %lld timers due, %d fired (%d acted on by the engine, the rest "
         "stale) by processes: %d %d %d\n",
         due, n, ok, per_proc[0], per_proc[1], per_proc[2]);
  TB_CHECK_INT(twice, 0);
  TB_CHECK_INT(early, 0);
  TB_CHECKF(n >= due, "%d fired of %lld due", n, due);
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM timers WHERE due_at <= "
                              "now()"),
               0);
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM audit_events WHERE "
                              "action = 'timer'"),
               ok);
  TB_CHECK(per_proc[0] + per_proc[1] + per_proc[2] == n);
  free(lines);
  PQfinish(c);
}

/* ---- the scheduler thread across a PostgreSQL restart ----------------------
 */

static void scheduler_survives_a_restart(void) {
  tb_store_options o = {.conninfo = pg.server, .loader = &tb_pg_loader};
  tb_store_scheduler *sch = NULL;
  TB_CHECK_INT(tb_store_scheduler_start(&o, 0.05, &sch), TB_STORE_OK);
  usleep(200 * 1000);
  TB_CHECK_INT(tb_store_cluster_restart(pg.cluster), TB_STORE_OK);
  tb_store *s = tb_pg_store(pg.server);
  PGconn *c = tb_pg_connect(pg.admin);
  int64_t before = tb_store_scheduler_fired(sch);
  long long due = prepare_timers(s, c);
  TB_CHECK(due > 0);
  long long left = -1;
  for (int i = 0; i < 300 && left != 0; i++) {
    usleep(50 * 1000);
    left = tb_pg_value(c, "SELECT count(*) FROM timers WHERE due_at <= "
                          "now() + interval '5 seconds'");
  }
  TB_CHECK_INT(left, 0);
  TB_CHECK(tb_store_scheduler_fired(sch) - before >= due);
  tb_store_scheduler_stop(sch);
  PQfinish(c);
  tb_store_close(s);
}

/* ---- the calendar: shipped, an administrator's, recomputed ----------------
 */

/* The first column of the first row as text ("" when none). */
static void app_text(PGconn *c, char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void app_text(PGconn *c, char *out, size_t cap, const char *fmt, ...) {
  char sql[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(sql, sizeof sql, fmt, ap);
  va_end(ap);
  PGresult *r = PQexec(c, sql);
  const char *v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 &&
                          !PQgetisnull(r, 0, 0)
                      ? PQgetvalue(r, 0, 0)
                      : "";
  snprintf(out, cap, "%s", v);
  PQclear(r);
}

/* 10:00 China Standard Time on a day. */
static int64_t cst_at(int y, int m, int d) {
  tb_day day;
  tb_date_from_ymd(y, m, d, &day);
  return (int64_t)day * 86400 - 8 * 3600 + 10 * 3600;
}

/* A 施工许可 (sgxk: promised 10, statutory 20 working days) accepted at
 * `at`, with no calendar loaded yet. */
static bool accepted_sgxk(tb_store *s, int64_t at,
                          char number[TB_APP_NUMBER_LEN + 1]) {
  if (!create_app(s, "sgxk", at - 600, number))
    return false;
  tb_store_outcome *out = tb_xmalloc(sizeof *out);
  tb_event ev = {.kind = TB_EV_ACCEPT, .at = at, .actor = clerk.id};
  bool ok = event(s, number, ev, &clerk, NULL, out) == TB_STORE_OK;
  free(out);
  return ok;
}

static void check_deadlines(PGconn *c, const char *number, const char *promised,
                            const char *statutory) {
  char got[32];
  app_text(c, got, sizeof got,
           "SELECT deadline FROM applications WHERE number = '%s'", number);
  TB_CHECKF(strcmp(got, promised) == 0, "%s: deadline %s, want %s", number, got,
            promised);
  app_text(c, got, sizeof got,
           "SELECT statutory_deadline FROM applications WHERE number = '%s'",
           number);
  TB_CHECKF(strcmp(got, statutory) == 0, "%s: statutory %s, want %s", number,
            got, statutory);
}

static long long recompute_events(PGconn *c, const char *number) {
  return app_value(c,
                   "SELECT count(*) FROM audit_events e JOIN applications a "
                   "ON a.id = e.application_id WHERE a.number = '%s' AND "
                   "e.action = 'deadline_recomputed'",
                   number);
}

/* The payload's old and new date of one deadline of the last recompute. */
static void check_move(PGconn *c, const char *number, const char *key,
                       const char *old_day, const char *new_day) {
  char got[64];
  app_text(c, got, sizeof got,
           "SELECT (e.payload::jsonb->'deadlines'->'%s'->>'old') || ' ' || "
           "(e.payload::jsonb->'deadlines'->'%s'->>'new') FROM audit_events "
           "e JOIN applications a ON a.id = e.application_id WHERE a.number "
           "= '%s' AND e.action = 'deadline_recomputed' ORDER BY e.seq DESC "
           "LIMIT 1",
           key, key, number);
  char want[64];
  snprintf(want, sizeof want, "%s %s", old_day, new_day);
  TB_CHECKF(strcmp(got, want) == 0, "%s %s: moved %s, want %s", number, key,
            got, want);
}

static void calendar_shipped_then_administrator(void) {
  tb_store *s = tb_pg_store(pg.server);
  PGconn *c = tb_pg_connect(pg.admin);
  char a[TB_APP_NUMBER_LEN + 1], b[TB_APP_NUMBER_LEN + 1],
      z[TB_APP_NUMBER_LEN + 1];
  /* no calendar yet: the plain week */
  TB_CHECK(accepted_sgxk(s, cst_at(2026, 9, 18), a));
  TB_CHECK(accepted_sgxk(s, cst_at(2026, 11, 2), b));
  TB_CHECK(accepted_sgxk(s, cst_at(2026, 12, 25), z));
  check_deadlines(c, a, "2026-10-02", "2026-10-16");
  check_deadlines(c, b, "2026-11-16", "2026-11-30");
  check_deadlines(c, z, "2027-01-08", "2027-01-22");
  long long b_seq =
      app_value(c, "SELECT audit_seq FROM applications WHERE number = '%s'", b);
  tb_store_calendar_info info;
  TB_CHECK_INT(tb_store_calendar_info_read(s, &info), TB_STORE_OK);
  TB_CHECK_STR(info.source, "");

  /* first start: the shipped 2025 and 2026 schedules */
  bool loaded = false;
  tb_problem p = {0};
  TB_CHECK_INT(tb_store_calendar_ship(s, &loaded, &p), TB_STORE_OK);
  TB_CHECK(loaded);
  TB_CHECK_INT(tb_store_calendar_info_read(s, &info), TB_STORE_OK);
  TB_CHECK_STR(info.source, "shipped");
  char day[11];
  tb_date_format(info.covered_until, day);
  TB_CHECK_STR(day, "2026-12-31");
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM calendar_loads WHERE "
                              "source = 'shipped' AND length(sha256) = 32"),
               2);
  TB_CHECK(tb_pg_value(c, "SELECT count(*) FROM calendar_days WHERE day = "
                          "'2026-10-10' AND kind = 'workday'") == 1);
  size_t seen = 0, moved = 0;
  TB_CHECK_INT(tb_store_calendar_recompute(s, 2, &seen, &moved), TB_STORE_OK);
  TB_CHECKF(seen >= 3 && moved >= 1, "seen %zu moved %zu", seen, moved);
  /* across 国庆 2026: Sep 20 (Sunday) and Oct 10 (Saturday) worked */
  check_deadlines(c, a, "2026-10-09", "2026-10-22");
  TB_CHECK_INT(recompute_events(c, a), 1);
  check_move(c, a, "deadline", "2026-10-02", "2026-10-09");
  check_move(c, a, "statutory_deadline", "2026-10-16", "2026-10-22");
  /* its open task (施工图技术审查, 5 days from Sep 18) too, in its row */
  char got[64];
  app_text(c, got, sizeof got,
           "SELECT (e.payload::jsonb->'deadlines'->'tasks'->0->>'old') || ' ' "
           "|| (e.payload::jsonb->'deadlines'->'tasks'->0->>'new') FROM "
           "audit_events e JOIN applications a ON a.id = e.application_id "
           "WHERE a.number = '%s' AND e.action = 'deadline_recomputed'",
           a);
  TB_CHECK_STR(got, "2026-09-25 2026-09-24");
  /* every open task's row holds its branch's recomputed deadline */
  TB_CHECK_INT(app_value(c,
                         "SELECT count(*) FROM tasks t JOIN applications a ON "
                         "a.id = t.application_id WHERE a.number = '%s' AND "
                         "t.state = 'open' AND t.deadline <> date "
                         "'1970-01-01' + (a.state->'branches'->t.branch::int"
                         "->>'deadline')::int",
                         a),
               0);
  TB_CHECK(app_value(c,
                     "SELECT count(*) FROM tasks t JOIN applications a ON "
                     "a.id = t.application_id WHERE a.number = '%s' AND "
                     "t.state = 'open' AND t.deadline = '2026-09-24'",
                     a) >= 1);
  /* nothing moved: no event */
  TB_CHECK_INT(recompute_events(c, b), 0);
  TB_CHECK_INT(app_value(c,
                         "SELECT audit_seq FROM applications WHERE number = "
                         "'%s'",
                         b),
               b_seq);
  /* accepted 2026-12-25: past the shipped data, provisional, unchanged */
  TB_CHECK_INT(recompute_events(c, z), 0);
  const tb_calendar *cal = NULL;
  TB_CHECK_INT(tb_store_calendar_get(s, &cal), TB_STORE_OK);
  tb_day zd;
  tb_date_parse("2027-01-08", 10, &zd);
  TB_CHECK(tb_calendar_is_provisional(cal, zd));

  /* a second start changes nothing */
  TB_CHECK_INT(tb_store_calendar_ship(s, &loaded, &p), TB_STORE_OK);
  TB_CHECK(!loaded);

  /* an administrator's 2027 (test data, not the State Council's) */
  static const char y2027[] = "# test data\n2027-01-01 holiday 元旦\n";
  size_t days = 0;
  TB_CHECK_INT(tb_store_calendar_load(s, y2027, sizeof y2027 - 1,
                                      "test-2027.txt", NULL, &days, &p),
               TB_STORE_OK);
  TB_CHECK_INT(tb_store_calendar_recompute(s, 100, &seen, &moved), TB_STORE_OK);
  check_deadlines(c, z, "2027-01-11", "2027-01-25");
  TB_CHECK_INT(recompute_events(c, z), 1);
  check_move(c, z, "deadline", "2027-01-08", "2027-01-11");
  TB_CHECK_INT(recompute_events(c, a), 1);
  TB_CHECK_INT(tb_store_calendar_get(s, &cal), TB_STORE_OK);
  TB_CHECK(!tb_calendar_is_provisional(cal, zd));
  TB_CHECK_INT(tb_store_calendar_info_read(s, &info), TB_STORE_OK);
  TB_CHECK_STR(info.source, "administrator");
  /* the administrator's calendar is never overwritten by a restart */
  TB_CHECK_INT(tb_store_calendar_ship(s, &loaded, &p), TB_STORE_OK);
  TB_CHECK(!loaded);
  TB_CHECK_INT(tb_store_calendar_info_read(s, &info), TB_STORE_OK);
  TB_CHECK_STR(info.source, "administrator");
  TB_CHECK_INT(tb_pg_value(c, "SELECT count(*) FROM calendar_loads"), 3);

  /* the chains still verify, by the library and the command line */
  tb_store_audit_report rep;
  TB_CHECK_INT(tb_store_audit_verify(s, NULL, &rep), TB_STORE_OK);
  TB_CHECKF(!rep.broken, "%s", rep.what);
  char out[1024];
  char *argv[] = {
      (char *)tongban_bin, "audit", "verify", "--db", pg.admin, NULL};
  TB_CHECK_INT(run_binary(argv, out, sizeof out), 0);
  PQfinish(c);
  tb_store_close(s);
}

/* ---- 告知承诺 verification (issue 15 §6) ------------------------------------
 */

/* Accept with the choices of registration, then approve every branch as
 * it opens, all at `at`; the final state in *st. */
static bool approve_all(tb_store *s, const char *number, int64_t at,
                        tb_app_state *st) {
  tb_store_outcome *out = tb_xmalloc(sizeof *out);
  const tb_definition *def = NULL;
  tb_event acc = {.kind = TB_EV_ACCEPT,
                  .actor = clerk.id,
                  .at = at,
                  .stored_choices = true};
  bool ok = event(s, number, acc, &clerk, NULL, out) == TB_STORE_OK;
  for (int i = 0; ok && i < 64; i++) {
    ok = tb_store_application_state(s, number, st, &def) == TB_STORE_OK;
    if (!ok || st->status != TB_APP_IN_REVIEW)
      break;
    for (int b = 0; ok && b < st->n_branches; b++) {
      if (st->branches[b].status != TB_BRANCH_ACTIVE)
        continue;
      tb_store_actor officer = officer_of(def, b);
      tb_event ev = {.kind = TB_EV_CLAIM,
                     .actor = officer.id,
                     .at = at,
                     .bureau = officer.bureau,
                     .branch = (uint8_t)b,
                     .step = st->branches[b].step};
      ok = event(s, number, ev, &officer, NULL, out) == TB_STORE_OK;
      ev.kind = TB_EV_APPROVE;
      ok = ok && event(s, number, ev, &officer, NULL, out) == TB_STORE_OK;
      break;
    }
  }
  free(out);
  return ok;
}

static uint64_t commitments_of(const tb_definition *def) {
  uint64_t m = 0;
  for (size_t i = 0; i < def->n_materials && i < 64; i++)
    if (def->materials[i].commitment)
      m |= UINT64_C(1) << i;
  return m;
}

typedef struct {
  int64_t id;
  tb_store_finding f;
  const tb_store_actor *actor;
  tb_store_found out;
} finding_txn;

static tb_store_status finding_body(tb_store *s, void *cls) {
  finding_txn *t = cls;
  return tb_store_verification_find_in(s, t->id, &t->f, t->actor, &t->out);
}

static void load_shipped_calendar(tb_store *s) {
  char path[1024];
  snprintf(path, sizeof path, "%s/../calendar/2026.txt", workflows_dir);
  char *text = read_text(path);
  TB_CHECKF(text != NULL, "%s", path);
  size_t days = 0;
  tb_problem p = {0};
  if (text)
    TB_CHECKF(tb_store_calendar_load(s, text, strlen(text), "2026.txt", NULL,
                                     &days, &p) == TB_STORE_OK,
              "%s", p.detail);
  free(text);
}

/* The approval of sgxk on 2026-09-29 with both commitments opens one
 * verification for 住建 (ZJ) due in the shorter verify-days, 10 working
 * days by the shipped 2026 calendar: 9-30; 国庆 10-01 … 10-07 off;
 * 10-08, 10-09, 10-10 (调休 Saturday), 10-12 … 10-16, 10-19. */
static char committed_number[TB_APP_NUMBER_LEN + 1];

static void approval_opens_verifications(void) {
  tb_store *s = tb_pg_store(pg.server);
  PGconn *c = tb_pg_connect(pg.admin);
  load_shipped_calendar(s);
  const tb_definition *def = NULL;
  TB_CHECK_INT(tb_store_definition_get(s, "sgxk", 0, &def), TB_STORE_OK);
  tb_app_state st;
  TB_CHECK(create_committed(s, "sgxk", cst_at(2026, 9, 28), commitments_of(def),
                            committed_number, NULL));
  TB_CHECK(approve_all(s, committed_number, cst_at(2026, 9, 29), &st));
  TB_CHECK_INT(st.status, TB_APP_APPROVED);
#define Q(what)                                                                \
  "SELECT " what " FROM verifications v JOIN applications a "                  \
  "ON a.id = v.application_id WHERE a.number = '%s'"
  TB_CHECK_INT(app_value(c, Q("count(*)"), committed_number), 1);
  TB_CHECK_INT(app_value(c,
                         Q("count(*) FILTER (WHERE v.bureau = 'ZJ' AND "
                           "v.due = '2026-10-19' AND v.state = 'open')"),
                         committed_number),
               1);
  TB_CHECK_INT(
      app_value(c, Q("jsonb_array_length(v.materials)"), committed_number), 2);
  /* the approval's audit event says so */
  TB_CHECK_INT(app_value(c,
                         "SELECT count(*) FROM audit_events e JOIN "
                         "applications a ON a.id = e.application_id WHERE "
                         "a.number = '%s' AND e.action = 'approve' AND "
                         "e.payload::jsonb ? 'verifications'",
                         committed_number),
               1);
  /* no commitment, no verification */
  char plain[TB_APP_NUMBER_LEN + 1];
  TB_CHECK(create_app(s, "spjy", cst_at(2026, 9, 28), plain));
  TB_CHECK(approve_all(s, plain, cst_at(2026, 9, 29), &st));
  TB_CHECK_INT(st.status, TB_APP_APPROVED);
  TB_CHECK_INT(app_value(c, Q("count(*)"), plain), 0);
#undef Q
  PQfinish(c);
  tb_store_close(s);
}

/* A false finding: the application still waiting for delivery ends, the
 * holder is excluded for the definition's 365 days, and the next intake
 * that chooses a commitment is refused naming the material and the day
 * the exclusion ends; one without a commitment goes on. */
static void false_commitment_excludes_the_holder(void) {
  tb_store *s = tb_pg_store(pg.server);
  PGconn *c = tb_pg_connect(pg.admin);
  int64_t id = app_value(c,
                         "SELECT v.id FROM verifications v JOIN applications "
                         "a ON a.id = v.application_id WHERE a.number = '%s'",
                         committed_number);
  tb_store_actor scjg = {0, "officer-scjg", "officer", "SCJG"};
  tb_store_actor zj = {0, "officer-zj", "officer", "ZJ"};
  /* the finding names its officer's account */
  TB_CHECK_INT(tb_store_account_create(s, scjg.name, "officer", "SCJG", "x",
                                       false, &scjg.id),
               TB_STORE_OK);
  TB_CHECK_INT(
      tb_store_account_create(s, zj.name, "officer", "ZJ", "x", false, &zj.id),
      TB_STORE_OK);
  finding_txn t = {id, {false, "现场核查：建设资金未落实"}, &scjg, {0}};
  TB_CHECK_INT(tb_store_run_transaction(s, finding_body, &t), TB_STORE_REFUSED);
  TB_CHECK_INT(t.out.refusal, TB_STORE_TICKET_WRONG_BUREAU);
  t.actor = &zj;
  TB_CHECK_INT(tb_store_run_transaction(s, finding_body, &t), TB_STORE_OK);
  TB_CHECK(t.out.terminated);
  char excluded[11];
  memcpy(excluded, t.out.excluded_until, sizeof excluded);
  TB_CHECK_INT(app_value(c,
                         "SELECT count(*) FROM applications WHERE number = "
                         "'%s' AND status = 'terminated'",
                         committed_number),
               1);
  TB_CHECK_INT(app_value(c,
                         "SELECT until_day - from_day FROM "
                         "commitment_exclusions WHERE id_number = '%s'",
                         ORG_ID),
               364);
  /* found once */
  TB_CHECK_INT(tb_store_run_transaction(s, finding_body, &t), TB_STORE_REFUSED);
  TB_CHECK_INT(t.out.refusal, TB_STORE_TICKET_STATE);
  const tb_definition *def = NULL;
  TB_CHECK_INT(tb_store_definition_get(s, "sgxk", 0, &def), TB_STORE_OK);
  char next[TB_APP_NUMBER_LEN + 1];
  tb_store_outcome *why = tb_xmalloc(sizeof *why);
  TB_CHECK(!create_committed(s, "sgxk", 0, commitments_of(def), next, why));
  char until[11];
  tb_date_format(why->excluded_until, until);
  TB_CHECK_STR(until, excluded);
  TB_CHECK_STR(why->excluded_material, "funds_commitment");
  TB_CHECK(strstr(why->problem.detail, "funds_commitment") != NULL);
  TB_CHECK(create_app(s, "sgxk", 0, next)); /* no commitment: taken in */
  free(why);
  tb_store_audit_report rep;
  TB_CHECK_INT(tb_store_audit_verify(s, committed_number, &rep), TB_STORE_OK);
  TB_CHECKF(!rep.broken, "%s", rep.what);
  TB_CHECK_INT(app_value(c,
                         "SELECT count(*) FROM audit_events e JOIN "
                         "applications a ON a.id = e.application_id WHERE "
                         "a.number = '%s' AND e.action IN "
                         "('verification_found', 'commitment_false')",
                         committed_number),
               2);
  PQfinish(c);
  tb_store_close(s);
}

/* ---- round trips (issue 18 §3) ---------------------------------------------
 */

/* A task event through tb_store_task_transition_in, in its own
 * transaction, as the API's decision and claim routes run it. */
typedef struct {
  int64_t task;
  const char *number;
  tb_event ev;
  const tb_store_actor *actor;
  tb_store_outcome out;
} task_txn;

static tb_store_status task_body(tb_store *s, void *cls) {
  task_txn *t = cls;
  return tb_store_task_transition_in(s, t->task, t->number, &t->ev, t->actor,
                                     NULL, &t->out);
}

/* The round trips of one transaction, and its statements (what it cost
 * before deferred writes: one round trip each, one for BEGIN and one for
 * the calendar's version, read apart from the lock then). */
typedef struct {
  unsigned long long trips;
  int statements;
} cost;

static tb_store_status task_event(tb_store *s, const char *number, int64_t task,
                                  tb_event_kind kind,
                                  const tb_store_actor *officer, cost *c) {
  task_txn t = {task, number, {.kind = kind, .actor = officer->id}, officer};
  unsigned long long before = tb_store_round_trips(s);
  tb_store_status rc = tb_store_run_transaction(s, task_body, &t);
  c->trips = tb_store_round_trips(s) - before;
  c->statements = tb_store_fault_statements(s);
  if (rc != TB_STORE_OK)
    printf("# %s of task %lld: %s: %s\n", tb_event_kind_name(kind),
           (long long)task, tb_store_status_name(rc), t.out.problem.detail);
  return rc;
}

/* The open task of bureau `bureau` in application number, or 0. */
static int64_t open_task_of(PGconn *c, const char *number, const char *bureau) {
  const char *params[] = {number, bureau};
  PGresult *r = PQexecParams(
      c,
      "SELECT coalesce(min(t.id), 0) FROM tasks t JOIN applications a ON "
      "a.id = t.application_id WHERE a.number = $1 AND t.bureau = $2 AND "
      "t.state = 'open'",
      2, NULL, params, NULL, NULL, 0);
  int64_t id = 0;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
    id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
  PQclear(r);
  return id;
}

/* Accept a qykb application, claim and approve its 设立登记 task, and
 * approve its 印章刻制备案 task unclaimed (the decision claims it). */
static bool decide_qykb(tb_store *s, PGconn *c, cost costs[4]) {
  char number[TB_APP_NUMBER_LEN + 1];
  if (!create_app(s, "qykb", 0, number))
    return false;
  tb_event acc = {.kind = TB_EV_ACCEPT, .actor = clerk.id};
  tb_store_outcome *out = tb_xmalloc(sizeof *out);
  unsigned long long before = tb_store_round_trips(s);
  tb_store_status rc = event(s, number, acc, &clerk, NULL, out);
  costs[0].trips = tb_store_round_trips(s) - before;
  costs[0].statements = tb_store_fault_statements(s);
  free(out);
  tb_store_actor scjg = {301, "officer-scjg", "officer", "SCJG"};
  tb_store_actor ga = {302, "officer-ga", "officer", "GA"};
  int64_t registration = open_task_of(c, number, "SCJG"),
          seal = open_task_of(c, number, "GA");
  return rc == TB_STORE_OK && registration > 0 && seal > 0 &&
         task_event(s, number, registration, TB_EV_CLAIM, &scjg, &costs[1]) ==
             TB_STORE_OK &&
         task_event(s, number, registration, TB_EV_APPROVE, &scjg, &costs[2]) ==
             TB_STORE_OK &&
         task_event(s, number, seal, TB_EV_APPROVE, &ga, &costs[3]) ==
             TB_STORE_OK;
}

/* Deferred writes go out with COMMIT: a decision costs BEGIN, the row
 * lock (with the calendar's version) and the task read under it in one
 * round trip, and the writes with COMMIT in another — two round trips
 * where one per statement was 11 (12 with the task's number, read again
 * before). The first
 * application prepares the statements on the handle's connection (once
 * per connection); the second is measured. */
static void decisions_take_two_round_trips(void) {
  tb_store *s = tb_pg_store(pg.server);
  PGconn *c = tb_pg_connect(pg.admin);
  cost warm[4], costs[4];
  TB_CHECK(decide_qykb(s, c, warm));
  TB_CHECK(decide_qykb(s, c, costs));
  static const char *const names[] = {"accept", "claim", "approve (claimed)",
                                      "approve (unclaimed)"};
  for (int i = 0; i < 4; i++)
    printf("# %s: %llu round trips, %d statements (one by one, with BEGIN "
           "and the calendar's own read: %d)\n",
           names[i], costs[i].trips, costs[i].statements,
           costs[i].statements + 2);
  TB_CHECK(costs[0].trips <= 2); /* accept: no task to read */
  for (int i = 1; i < 4; i++) {
    TB_CHECKF(costs[i].trips <= 2, "%s: %llu", names[i], costs[i].trips);
    TB_CHECKF(costs[i].statements >= 6, "%s: %d statements", names[i],
              costs[i].statements);
  }
  /* what was written is all there: the chains verify */
  tb_store_audit_report rep;
  TB_CHECK_INT(tb_store_audit_verify(s, NULL, &rep), TB_STORE_OK);
  TB_CHECKF(!rep.broken, "%s", rep.what);
  PQfinish(c);
  tb_store_close(s);
}

static void load_workflows(void) {
  tb_store *s = tb_pg_store(pg.server);
  size_t n = 0;
  tb_problem p = {0};
  TB_CHECK_INT(tb_store_definitions_load_dir(s, workflows_dir, &n, &p),
               TB_STORE_OK);
  TB_CHECKF(n >= 4, "%zu loaded: %s", n, p.detail);
  /* loading again changes nothing */
  TB_CHECK_INT(tb_store_definitions_load_dir(s, workflows_dir, &n, &p),
               TB_STORE_OK);
  tb_store_close(s);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc != 3) {
    fprintf(stderr, "usage: test_store_flow WORKFLOWS_DIR TONGBAN\n");
    return 2;
  }
  workflows_dir = argv[1];
  tongban_bin = argv[2];
  if (!tb_pg_start(&pg)) {
    printf("Bail out! no PostgreSQL cluster\n");
    return 1;
  }
  TB_RUN(load_workflows);
  TB_RUN(lifecycle_of_every_shipped_workflow);
  TB_RUN(audit_verify_catches_a_superuser_edit);
  TB_RUN(definition_version_pinned_across_upgrade);
  TB_RUN(fifty_threads_race_on_two_hundred_joins);
  TB_RUN(three_schedulers_fire_each_timer_once);
  TB_RUN(scheduler_survives_a_restart);
  TB_RUN(calendar_shipped_then_administrator);
  TB_RUN(approval_opens_verifications);
  TB_RUN(false_commitment_excludes_the_holder);
  TB_RUN(decisions_take_two_round_trips);
  tb_pg_stop(&pg);
  return tb_test_done();
}
