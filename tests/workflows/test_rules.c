/*
 * test_rules.c — the supervision rules file (workflows/supervision.xml)
 * and the definition settings the rules read: the shipped file loads
 * with every rule kind; each static check reports FILE:LINE (an unknown
 * kind, a bad level, a threshold missing, out of bounds or given to a
 * kind that takes none, a duplicate id, a schema error); immediate and
 * min-reason are read from a definition and an immediate service that
 * promises more than one day is refused. Runs from the source folder.
 */
#include "tb_rules.h"
#include "tb_test.h"
#include "tb_workflows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEAD "<supervision xmlns='urn:tongban:workflow:1'>\n"

static char dir[] = "/tmp/tb-rules-XXXXXX";

/* Load text as a rules file; the problems' formatted lines in out. */
static tb_status load(const char *text, tb_rule_set **rs, char *out,
                      size_t cap) {
  char path[64];
  snprintf(path, sizeof path, "%s/supervision.xml", dir);
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
  tb_workflows_problems ps = {0};
  tb_status st = tb_workflows_load_rules(path, rs, &ps);
  out[0] = '\0';
  size_t used = 0;
  for (size_t i = 0; i < ps.n && used < cap; i++) {
    char line[512];
    tb_workflows_problem_format(&ps.items[i], line, sizeof line);
    int n = snprintf(out + used, cap - used, "%s\n", line);
    if (n > 0)
      used += (size_t)n;
  }
  tb_workflows_problems_free(&ps);
  return st;
}

/* One bad file: refused, with a problem at line `line` containing what. */
static void expect_problem(const char *text, int line, const char *what) {
  tb_rule_set *rs = NULL;
  char out[4096], at[64];
  TB_CHECK(load(text, &rs, out, sizeof out) == TB_ERR_INVALID);
  TB_CHECK(rs == NULL);
  snprintf(at, sizeof at, "supervision.xml:%d: ", line);
  TB_CHECKF(strstr(out, at) && strstr(out, what), "want %s%s, got %s", at, what,
            out);
}

static void test_shipped_file(void) {
  tb_workflows_problems ps = {0};
  tb_rule_set *rs = NULL;
  TB_CHECK(tb_workflows_load_rules("workflows/supervision.xml", &rs, &ps) ==
           TB_OK);
  tb_workflows_problems_print(&ps, stdout);
  tb_workflows_problems_free(&ps);
  for (int k = 0; rs && k < TB_RULE_KIND_COUNT; k++)
    TB_CHECKF(tb_rule_set_first(rs, (tb_rule_kind)k), "no rule of kind %s",
              tb_rule_kind_name((tb_rule_kind)k));
  const tb_rule *u = tb_rule_set_find(rs, "urged_repeatedly");
  TB_CHECK(u && u->threshold >= 2 && u->name[0]);
  tb_rule_set_free(rs);
}

static void test_static_checks(void) {
  expect_problem(HEAD "<rule id='a' kind='overdue' level='red' name='甲'/>\n"
                      "</supervision>\n",
                 2, "unknown kind 'overdue'");
  expect_problem(HEAD "\n<rule id='a' kind='step_overdue' level='orange' "
                      "name='甲'/>\n</supervision>\n",
                 3, "level 'orange' is not yellow or red");
  expect_problem(HEAD "<rule id='a' kind='urged_repeatedly' level='red' "
                      "name='甲'/>\n</supervision>\n",
                 2, "needs a threshold from 2 to 100");
  expect_problem(HEAD "<rule id='a' kind='urged_repeatedly' level='red' "
                      "name='甲' threshold='1'/>\n</supervision>\n",
                 2, "threshold '1' is not a whole number from 2 to 100");
  expect_problem(HEAD "<rule id='a' kind='short_reason' level='red' "
                      "name='甲' threshold='ten'/>\n</supervision>\n",
                 2, "threshold 'ten'");
  expect_problem(HEAD "<rule id='a' kind='gap_overdue' level='red' "
                      "name='甲' threshold='3'/>\n</supervision>\n",
                 2, "takes no threshold");
  expect_problem(HEAD "<rule id='a' kind='gap_overdue' level='red' "
                      "name='甲'/>\n<rule id='a' kind='step_overdue' "
                      "level='red' name='乙'/>\n</supervision>\n",
                 3, "duplicate rule id 'a' (first declared on line 2)");
  expect_problem(HEAD "<rule id='A-1' kind='gap_overdue' level='red' "
                      "name='甲'/>\n</supervision>\n",
                 2, "id");
  expect_problem(HEAD "</supervision>\n", 1, "rule");
}

/* A definition with promised-days and extra attributes of <service>. */
#define SVC                                                                    \
  "<service xmlns='urn:tongban:workflow:1' id='t' version='1' "                \
  "applicant='person' statutory-days='5' promised-days='%s' "                  \
  "warn-days='0' %s><name>测试</name><review><branch id='b' name='审查' "  \
  "bureau='GA'><task id='t' name='审查' days='1'/></branch></review>"        \
  "</service>"

static void test_definition_settings(void) {
  char xml[1024];
  snprintf(xml, sizeof xml, SVC, "1", "immediate='true' min-reason='15'");
  tb_definition *def = NULL;
  tb_workflows_problems ps = {0};
  TB_CHECK(tb_workflows_load_buffer("t.xml", xml, strlen(xml), NULL, &def,
                                    &ps) == TB_OK);
  TB_CHECK(def && def->immediate && def->min_reason == 15);
  tb_definition_free(def);
  snprintf(xml, sizeof xml, SVC, "3", "immediate='true'");
  TB_CHECK(tb_workflows_load_buffer("t.xml", xml, strlen(xml), NULL, &def,
                                    &ps) == TB_ERR_INVALID);
  char line[512] = "";
  if (ps.n)
    tb_workflows_problem_format(&ps.items[0], line, sizeof line);
  TB_CHECKF(strstr(line, "t.xml:1: ") && strstr(line, "immediate"), "%s", line);
  tb_workflows_problems_free(&ps);
  snprintf(xml, sizeof xml, SVC, "3", "min-reason='501'");
  TB_CHECK(tb_workflows_load_buffer("t.xml", xml, strlen(xml), NULL, &def,
                                    &ps) == TB_ERR_INVALID);
  tb_workflows_problems_free(&ps);
}

int main(void) {
  if (!mkdtemp(dir)) {
    printf("Bail out! no temporary folder\n");
    return 1;
  }
  TB_RUN(test_shipped_file);
  TB_RUN(test_static_checks);
  TB_RUN(test_definition_settings);
  char path[64];
  snprintf(path, sizeof path, "%s/supervision.xml", dir);
  unlink(path);
  rmdir(dir);
  return tb_test_done();
}
