/*
 * tb_api_harness.c — a throwaway cluster made ready for a server: see
 * tb_api_harness.h.
 */
#include "tb_api_harness.h"

#include "tb_api.h"
#include "tb_documents.h"
#include "tb_license.h"
#include "tb_store.h"
#include "tb_store_calendar.h"
#include "tb_store_definitions.h"
#include "tb_workflows.h"

#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

static bool add(const char *conninfo, const char *user, const char *role,
                const char *bureau) {
  char msg[512];
  /* the tests log in with the password they set: no forced change */
  tb_api_account_opts opts = {.no_forced_change = true};
  if (tb_api_account_add(conninfo, user, role, bureau, TB_HARNESS_PASSWORD,
                         strlen(TB_HARNESS_PASSWORD), &opts, msg,
                         sizeof msg) != TB_API_OK) {
    printf("# accounts add %s: %s\n", user, msg);
    return false;
  }
  return true;
}

/* The platform's keys for every bureau, unencrypted, in dir. */
static bool init_keys(const char *dir, const tb_bureau_list *bureaus) {
  tb_license_init_report rep;
  tb_problem p = {0};
  if (tb_license_init_keys(dir, bureaus, NULL, &rep, &p) != TB_LICENSE_OK) {
    printf("# keys init: %s\n", p.detail);
    return false;
  }
  return true;
}

static bool load_workflows(const tb_pg *pg, const char *dir) {
  tb_store *s = tb_pg_store(pg->admin);
  size_t loaded = 0;
  tb_problem p = {0};
  tb_store_status rc = tb_store_definitions_load_dir(s, dir, &loaded, &p);
  tb_store_close(s);
  if (rc != TB_STORE_OK)
    printf("# cannot load the workflows: %s\n", p.detail);
  return rc == TB_STORE_OK;
}

/* The shipped holiday schedules, as `tongban serve` loads them on its
 * first start: the servers under test count working days as a deployed
 * one does. TB_HARNESS_CALENDAR=none leaves the calendar empty, for the
 * tests of what happens before any calendar is loaded. */
static bool ship_calendar(const tb_pg *pg) {
  const char *want = getenv("TB_HARNESS_CALENDAR");
  if (want && strcmp(want, "none") == 0)
    return true;
  tb_store *s = tb_pg_store(pg->admin);
  bool loaded = false;
  tb_problem p = {0};
  tb_store_status rc = tb_store_calendar_ship(s, &loaded, &p);
  tb_store_close(s);
  if (rc != TB_STORE_OK)
    printf("# cannot load the shipped calendar: %s\n", p.detail);
  return rc == TB_STORE_OK;
}

/* The bureau list of workflows_dir, or NULL (problems on stdout). */
static tb_bureau_list *read_bureaus(const char *workflows_dir) {
  char path[512];
  snprintf(path, sizeof path, "%s/bureaus.xml", workflows_dir);
  tb_bureau_list *bureaus = NULL;
  tb_workflows_problems ps = {0};
  if (tb_workflows_load_bureaus(path, &bureaus, &ps) != TB_OK)
    tb_workflows_problems_print(&ps, stdout);
  tb_workflows_problems_free(&ps);
  return bureaus;
}

bool tb_api_harness_keys(const char *workflows_dir, const char *keys_dir) {
  tb_bureau_list *bureaus = read_bureaus(workflows_dir);
  bool ok = bureaus && init_keys(keys_dir, bureaus);
  tb_workflows_free_bureaus(bureaus);
  return ok;
}

bool tb_api_harness_setup(const tb_pg *pg, const char *workflows_dir,
                          const char *keys_dir,
                          const tb_harness_account *accounts, size_t n) {
  if (!load_workflows(pg, workflows_dir) || !ship_calendar(pg))
    return false;
  tb_bureau_list *bureaus = read_bureaus(workflows_dir);
  if (!bureaus)
    return false;
  bool ok = init_keys(keys_dir, bureaus);
  for (size_t i = 0; ok && i < n; i++)
    ok = add(pg->admin, accounts[i].user, accounts[i].role, NULL);
  for (size_t i = 0; ok && i < bureaus->n; i++) {
    char user[80];
    snprintf(user, sizeof user, "officer-%s", bureaus->items[i].code);
    ok = add(pg->admin, user, "officer", bureaus->items[i].code);
  }
  tb_workflows_free_bureaus(bureaus);
  return ok;
}

struct tb_rule_set *tb_api_harness_rules(const char *workflows_dir) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/supervision.xml", workflows_dir);
  tb_rule_set *rules = NULL;
  tb_workflows_problems ps = {0};
  if (tb_workflows_load_rules(path, &rules, &ps) != TB_OK)
    tb_workflows_problems_print(&ps, stdout);
  tb_workflows_problems_free(&ps);
  return rules;
}

/* "N/SECONDS" into *n, *window; false when not so. */
static bool harness_limit(const char *s, int *n, int *window) {
  char *end = NULL;
  long v = strtol(s, &end, 10);
  if (!end || *end != '/' || v < 1)
    return false;
  const char *w = end + 1;
  long sec = strtol(w, &end, 10);
  if (!end || end == w || *end || sec < 1 || sec > 86400)
    return false;
  *n = (int)v;
  *window = (int)sec;
  return true;
}

void tb_api_harness_intake(tb_api_intake *in) {
  *in = (tb_api_intake){.address_limit = 1000000,
                        .address_window = 60,
                        .applicant_limit = 1000000,
                        .applicant_window = 60};
  const char *a = getenv("TB_INTAKE_LIMIT_ADDRESS");
  const char *p = getenv("TB_INTAKE_LIMIT_APPLICANT");
  const char *e = getenv("TB_ONLINE_EXPIRY");
  if (a && !harness_limit(a, &in->address_limit, &in->address_window))
    printf("# TB_INTAKE_LIMIT_ADDRESS: not N/SECONDS\n");
  if (p && !harness_limit(p, &in->applicant_limit, &in->applicant_window))
    printf("# TB_INTAKE_LIMIT_APPLICANT: not N/SECONDS\n");
  if (e)
    in->online_expiry = strtoll(e, NULL, 10);
}

/* Copy the folder src to dst (which must not exist) with cp -R. */
static bool copy_folder(const char *src, const char *dst) {
  char *const argv[] = {"cp", "-R", (char *)src, (char *)dst, NULL};
  pid_t pid;
  int status = 0;
  if (posix_spawnp(&pid, "cp", NULL, NULL, argv, environ) != 0 ||
      waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    printf("# cannot copy %s to %s\n", src, dst);
    return false;
  }
  return true;
}

struct tb_doc_templates *tb_api_harness_templates(const char *workflows_dir,
                                                  const char *pg_dir) {
  char src[PATH_MAX], dir[PATH_MAX];
  snprintf(src, sizeof src, "%s/templates", workflows_dir);
  snprintf(dir, sizeof dir, "%s/templates", pg_dir);
  if (!copy_folder(src, dir))
    return NULL;
  tb_workflows_problems ps = {0};
  tb_doc_templates *t = tb_doc_templates_open(dir, &ps);
  if (!t)
    tb_workflows_problems_print(&ps, stdout);
  tb_workflows_problems_free(&ps);
  if (t)
    setenv("TB_TEMPLATES_DIR", dir, 1);
  return t;
}
