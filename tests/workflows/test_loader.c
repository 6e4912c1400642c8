/*
 * test_loader.c — the workflow loader: the shipped definitions load clean
 * and have the expected shape; every check reports its own message on the
 * right line; the bureau list; the problem list itself.
 *
 * Runs from the project's source folder (meson's workdir), where the
 * shipped definitions are.
 */
#include "tb_guide.h"
#include "tb_test.h"
#include "tb_workflows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tb_bureau_list *bureaus;
static tb_workflows_problems ps;

static void show_problems(void) {
  char buf[1024];
  for (size_t i = 0; i < ps.n; i++) {
    tb_workflows_problem_format(&ps.items[i], buf, sizeof buf);
    printf("#   %s\n", buf);
  }
}

/* Index of the first problem on `line` whose text contains `text`; -1. */
static int find_problem(int line, const char *text) {
  for (size_t i = 0; i < ps.n; i++)
    if (ps.items[i].line == line && strstr(ps.items[i].what, text))
      return (int)i;
  return -1;
}

static tb_status load_text(const char *xml, tb_definition **def) {
  tb_workflows_problems_free(&ps);
  return tb_workflows_load_buffer("t.xml", xml, strlen(xml), bureaus, def, &ps);
}

/* The document must be refused with (at least) this problem. */
static void expect_at(const char *xml, int line, const char *text,
                      const char *where, int at) {
  tb_definition *def = NULL;
  tb_status st = load_text(xml, &def);
  if (st != TB_ERR_INVALID || def || find_problem(line, text) < 0) {
    tb_test_case_failures++;
    printf("# %s:%d: expected \"%s\" on line %d; got status %d and:\n", where,
           at, text, line, (int)st);
    show_problems();
  }
  tb_definition_free(def);
}
#define EXPECT(xml, line, text) expect_at(xml, line, text, __FILE__, __LINE__)

/* The document must load without a problem. */
static tb_definition *load_ok_at(const char *xml, const char *where, int at) {
  tb_definition *def = NULL;
  if (load_text(xml, &def) != TB_OK || !def || ps.n) {
    tb_test_case_failures++;
    printf("# %s:%d: expected a clean load, got:\n", where, at);
    show_problems();
  }
  return def;
}
#define LOAD_OK(xml) load_ok_at(xml, __FILE__, __LINE__)

/* ------------------------------------------------------------------------
 * Documents: HEAD is lines 1-2, so a test's own lines start at 3.
 * ---------------------------------------------------------------------- */

#define HEAD_WITH(attrs)                                                       \
  "<service xmlns='urn:tongban:workflow:1' id='t' version='1' "                \
  "applicant='person' " attrs ">\n"                                            \
  "<name>测试事项</name>\n"
#define HEAD HEAD_WITH("statutory-days='20' promised-days='10'")
#define TASK "<task id='t' name='审查' days='1'/>"
#define BRANCH(id)                                                             \
  "<branch id='" id "' name='审查' bureau='GA'>" TASK "</branch>"
#define REVIEW "<review>" BRANCH("a") "</review>\n"
#define TAIL "</service>\n"
#define FIELD_N                                                                \
  "<form><field id='n' type='number' label='数' max='100'/></form>\n"

static const char minimal[] = HEAD REVIEW TAIL;

/* ------------------------------------------------------------------------
 * The shipped definitions
 * ---------------------------------------------------------------------- */

static tb_definition *load_shipped(const char *path) {
  tb_definition *def = NULL;
  tb_workflows_problems_free(&ps);
  tb_status st = tb_workflows_load_file(path, bureaus, &def, &ps);
  TB_CHECKF(st == TB_OK && def && ps.n == 0, "%s does not load clean", path);
  if (ps.n)
    show_problems();
  if (def)
    TB_CHECK_STR(def->file, path);
  return def;
}

static const tb_field *field(const tb_definition *def, const char *id) {
  int i = tb_definition_field(def, id, strlen(id));
  TB_CHECKF(i >= 0, "no field %s", id);
  return i >= 0 ? &def->fields[i] : NULL;
}

static const tb_material *material(const tb_definition *def, const char *id) {
  int i = tb_definition_material(def, id, strlen(id));
  TB_CHECKF(i >= 0, "no material %s", id);
  return i >= 0 ? &def->materials[i] : NULL;
}

static int branch(const tb_definition *def, const char *id) {
  int i = tb_definition_branch(def, id, strlen(id));
  TB_CHECKF(i >= 0, "no branch %s", id);
  return i;
}

static int choice(const tb_field *f, const char *value) {
  for (size_t i = 0; f && i < f->n_choices; i++)
    if (strcmp(f->choices[i].value, value) == 0)
      return (int)i;
  return -1;
}

static void test_bureaus(void) {
  TB_CHECK(bureaus != NULL);
  if (!bureaus)
    return;
  static const char *const codes[] = {"ZWFW", "SCJG", "GA", "SW",   "RS", "GJJ",
                                      "ZJ",   "WJ",   "YB", "ZRZY", "CG", "RF"};
  TB_CHECK_INT(bureaus->n, sizeof codes / sizeof codes[0]);
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    const tb_bureau *b = tb_bureaus_find(bureaus, codes[i]);
    TB_CHECKF(b != NULL, "bureau %s", codes[i]);
    if (b)
      TB_CHECK(tb_id_check_credit_code(b->credit_code, strlen(b->credit_code),
                                       NULL) == TB_OK);
  }
  TB_CHECK_STR(tb_bureaus_find(bureaus, "SCJG")->name, "市场监督管理局");
  /* the service hall its documents are printed for (<office>) */
  TB_CHECK_STR(bureaus->office_name, "杭州市民中心政务服务大厅");
  TB_CHECK(bureaus->office_address && bureaus->office_phone &&
           bureaus->office_hours);
  /* Authority: each shipped license type to the bureau that issues it. */
  static const struct {
    const char *bureau, *type, *name;
  } grants[] = {
      {"SCJG", "11100000MB0143028R001", "营业执照"},
      {"SCJG", "11100000MB0143028R002", "食品经营许可证"},
      {"GA", "11100000000013338W002", "居民户口簿"},
      {"WJ", "11100000000019588Q001", "出生医学证明"},
      {"RS", "11100000717823354U001", "社会保障卡"},
      {"YB", "11100000MB1957875J001", "城乡居民基本医疗保险参保凭证"},
      {"ZJ", "1110000000001340XG001", "建筑工程施工许可证"},
      {"ZJ", "1110000000001340XG002", "特殊建设工程消防设计审查意见书"},
  };
  for (size_t i = 0; i < sizeof grants / sizeof grants[0]; i++) {
    const tb_license_grant *g = tb_bureau_grant(
        tb_bureaus_find(bureaus, grants[i].bureau), grants[i].type);
    TB_CHECKF(g && strcmp(g->name, grants[i].name) == 0, "%s issues %s",
              grants[i].bureau, grants[i].name);
  }
  TB_CHECK(!tb_bureau_grant(tb_bureaus_find(bureaus, "GA"),
                            "11100000MB0143028R001"));
  TB_CHECK_INT(tb_bureaus_find(bureaus, "ZWFW")->n_grants, 0);
  /* Groups (岗位): ZJ's 科长 and 审图员 review a large project's drawings. */
  const tb_bureau *zj = tb_bureaus_find(bureaus, "ZJ");
  TB_CHECK_INT(zj->n_groups, 2);
  const tb_bureau_group *kz = tb_bureau_group_find(zj, "KZ");
  TB_CHECK(kz && strcmp(kz->name, "科长") == 0 && kz->line > 0);
  TB_CHECK_STR(tb_bureau_group_find(zj, "STY")->name, "审图员");
  TB_CHECK_STR(
      tb_bureau_group_find(tb_bureaus_find(bureaus, "WJ"), "FYK")->name,
      "妇幼健康科");
  TB_CHECK(!tb_bureau_group_find(zj, "FYK"));
  TB_CHECK(!tb_bureau_group_find(zj, NULL));
  TB_CHECK(!tb_bureau_group_find(NULL, "KZ"));
  TB_CHECK_INT(tb_bureaus_find(bureaus, "GA")->n_groups, 0);
}

static void test_qykb(void) {
  tb_definition *def = load_shipped("workflows/qykb.xml");
  if (!def)
    return;
  TB_CHECK_STR(def->id, "qykb");
  TB_CHECK_STR(def->name, "企业开办");
  TB_CHECK_INT(def->version, 4); /* 4: with the service guide */
  TB_CHECK_INT(def->applicant, TB_APPLICANT_EITHER);
  TB_CHECK_INT(def->statutory_days, 5);
  TB_CHECK_INT(def->promised_days, 3);
  TB_CHECK_INT(def->warn_days, 1);
  TB_CHECK(def->online && def->deliver_window && def->deliver_electronic);
  TB_CHECK_INT(def->gap_policy, TB_GAP_MISSED_WARN);
  TB_CHECK_INT(def->n_fields, 12);
  const tb_field *scope = field(def, "scope");
  const tb_field *capital = field(def, "registered_capital");
  if (scope && capital) {
    TB_CHECK_INT(scope->type, TB_FIELD_CHOICE);
    TB_CHECK(scope->multiple);
    TB_CHECK_INT(scope->n_choices, 6);
    TB_CHECK_STR(scope->choices[choice(scope, "food")].label,
                 "食品经营（含餐饮服务）");
    TB_CHECK_INT(capital->type, TB_FIELD_MONEY);
    TB_CHECK(capital->has_min && capital->has_max);
    TB_CHECK(capital->max == 100000000000.0 * 100); /* in fen */
  }
  TB_CHECK(field(def, "employees") && field(def, "employees")->integer);
  TB_CHECK_INT(def->n_materials, 7);
  TB_CHECK(material(def, "premises") && material(def, "premises")->commitment);
  TB_CHECK_STR(material(def, "premises")->verify_bureau, "SCJG");
  TB_CHECK_INT(material(def, "premises")->verify_days, 20);
  TB_CHECK_INT(material(def, "premises")->exclude_days, 365);
  TB_CHECK(material(def, "appointment") &&
           material(def, "appointment")->tolerate_days == 5);
  TB_CHECK(material(def, "food_safety_rules") &&
           !material(def, "food_safety_rules")->required);
  TB_CHECK_STR(material(def, "legal_rep_id_card")->license_type,
               "11100000000013338W001");
  TB_CHECK_INT(def->n_branches, 6);
  int reg = branch(def, "registration"), food = branch(def, "food");
  int tax = branch(def, "tax"), fund = branch(def, "housing_fund");
  if (reg >= 0 && food >= 0 && tax >= 0 && fund >= 0) {
    TB_CHECK_STR(def->branches[reg].bureau, "SCJG");
    TB_CHECK(def->branches[reg].when == NULL);
    for (size_t b = 0; b < def->n_branches; b++) /* all bureaus at once */
      TB_CHECK_INT(def->branches[b].after, 0);
    TB_CHECK_INT(def->branches[tax].n_tasks, 2);
    TB_CHECK_STR(def->branches[tax].tasks[1].id, "invoice");
    TB_CHECK(def->branches[fund].deny_continues);
    TB_CHECK(!def->branches[food].deny_continues);
    TB_CHECK(def->branches[food].when != NULL);
    TB_CHECK_STR(def->branches[food].when_text, "scope contains 'food'");
    /* the food branch applies exactly when the scope contains food */
    tb_form form;
    memset(&form, 0, sizeof form);
    int s = tb_definition_field(def, "scope", 5);
    form.values[s].present = true;
    form.values[s].choices = 1u << choice(scope, "retail");
    TB_CHECK(!tb_cond_eval(def->branches[food].when, &form));
    form.values[s].choices |= 1u << choice(scope, "food");
    TB_CHECK(tb_cond_eval(def->branches[food].when, &form));
  }
  TB_CHECK_INT(def->n_licenses, 2);
  if (def->n_licenses == 2) {
    TB_CHECK_STR(def->licenses[0].name, "营业执照");
    TB_CHECK_INT(def->licenses[0].branch, reg);
    TB_CHECK_INT(def->licenses[0].n_fields, 6);
    TB_CHECK_STR(def->licenses[1].name, "食品经营许可证");
    TB_CHECK_INT(def->licenses[1].branch, food);
    TB_CHECK_INT(def->licenses[1].valid_years, 5);
    TB_CHECK_STR(def->fields[def->licenses[1].fields[0]].id, "company_name");
  }
  tb_definition_free(def);
}

/* A step without verbs: the pool decides it alone. */
static void check_plain_task(const tb_task_def *t) {
  TB_CHECKF(t->rule == TB_SIGN_ONE && t->n_signers == 0 && t->pass == 0 &&
                t->back_to == 0 && !t->remove_group && t->n_copies == 0,
            "task %s has no verbs", t->id);
}

/* sgxk's large projects: 会签 of 审图员, the pool and 科长, then a
 * confirmation by a 科长 that may send the drawings back (退回). */
static void check_sgxk_verbs(const tb_branch_def *br) {
  TB_CHECK_STR(br->bureau, "ZJ");
  TB_CHECK_INT(br->n_tasks, 2);
  const tb_task_def *review = &br->tasks[0], *opinion = &br->tasks[1];
  TB_CHECK_STR(review->name, "施工图会审");
  TB_CHECK_INT(review->rule, TB_SIGN_ALL);
  TB_CHECK_INT(review->on_deny, TB_DENY_AFTER_ALL);
  TB_CHECK_INT(review->n_signers, 3);
  TB_CHECK(review->signers[0].kind == TB_SIGNER_GROUP &&
           strcmp(review->signers[0].name, "STY") == 0);
  TB_CHECK(review->signers[1].kind == TB_SIGNER_POOL &&
           review->signers[1].name == NULL);
  TB_CHECK(review->signers[2].kind == TB_SIGNER_GROUP &&
           strcmp(review->signers[2].name, "KZ") == 0);
  TB_CHECK_STR(review->remove_group, "KZ");
  TB_CHECK_INT(review->n_copies, 1);
  TB_CHECK_STR(review->copies[0].bureau, "RF");
  TB_CHECK(review->copies[0].group == NULL && review->copies[0].line > 0);
  TB_CHECK_INT(review->back_to, 0);
  TB_CHECK_INT(opinion->rule, TB_SIGN_ONE);
  TB_CHECK_INT(opinion->back_to, 1u << 0);
  TB_CHECK_INT(opinion->n_signers, 1);
  TB_CHECK(opinion->signers[0].kind == TB_SIGNER_GROUP &&
           strcmp(opinion->signers[0].name, "KZ") == 0);
}

static void test_sgxk(void) {
  tb_definition *def = load_shipped("workflows/sgxk.xml");
  if (!def)
    return;
  TB_CHECK_STR(def->name, "建设工程施工许可");
  TB_CHECK_INT(def->applicant, TB_APPLICANT_ORGANIZATION);
  TB_CHECK_INT(def->gap_policy, TB_GAP_MISSED_TERMINATE);
  TB_CHECK_INT(def->n_branches, 6);
  int permit = branch(def, "permit"), drawings = branch(def, "drawings");
  int supervision = branch(def, "supervision");
  int defence = branch(def, "air_defence");
  int major = branch(def, "drawings_major");
  if (permit >= 0 && drawings >= 0 && supervision >= 0 && defence >= 0 &&
      major >= 0) {
    TB_CHECK_INT(def->branches[permit].after,
                 (1u << drawings) | (1u << major) | (1u << supervision));
    TB_CHECK(def->branches[drawings].when && def->branches[major].when);
    TB_CHECK_INT(def->branches[permit].n_tasks, 3);
    TB_CHECK_INT(def->branches[drawings].tasks[0].days, 5);
    TB_CHECK_STR(def->branches[defence].bureau, "RF");
    TB_CHECK(def->branches[defence].when != NULL);
  }
  TB_CHECK_INT(def->n_specials, 2);
  TB_CHECK(tb_definition_special(def, TB_SPECIAL_EXPERT) >= 0);
  TB_CHECK(tb_definition_special(def, TB_SPECIAL_INSPECTION) >= 0);
  TB_CHECK(tb_definition_special(def, TB_SPECIAL_HEARING) < 0);
  const tb_field *start = field(def, "start_date");
  TB_CHECK(start && start->type == TB_FIELD_DATE && start->min_today &&
           !start->has_min && start->has_max && !start->max_today);
  TB_CHECK(field(def, "builder_code")->same_as_applicant);
  TB_CHECK(!field(def, "contractor_code")->same_as_applicant);
  const tb_field *code = field(def, "project_code");
  TB_CHECK(code && code->min == 24 && code->max == 24);
  const tb_field *price = field(def, "contract_price");
  TB_CHECK(price && price->min == 1); /* 0.01 yuan is one fen */
  TB_CHECK(material(def, "planning_permit") &&
           material(def, "planning_permit")->license_type);
  TB_CHECK_INT(def->n_licenses, 2);
  TB_CHECK_INT(def->licenses[0].branch, permit);
  if (major >= 0)
    check_sgxk_verbs(&def->branches[major]);
  if (drawings >= 0) /* the ordinary drawings: one pool task per step */
    for (size_t t = 0; t < def->branches[drawings].n_tasks; t++)
      check_plain_task(&def->branches[drawings].tasks[t]);
  tb_definition_free(def);
}

static void test_spjy(void) {
  tb_definition *def = load_shipped("workflows/spjy.xml");
  tb_definition *qykb = load_shipped("workflows/qykb.xml");
  if (!def || !qykb) {
    tb_definition_free(def);
    tb_definition_free(qykb);
    return;
  }
  TB_CHECK_STR(def->name, "食品经营许可");
  TB_CHECK_INT(def->n_branches, 1);
  TB_CHECK_INT(def->branches[0].n_tasks, 3);
  int inspection = tb_definition_special(def, TB_SPECIAL_INSPECTION);
  TB_CHECK(inspection >= 0);
  if (inspection >= 0)
    TB_CHECK_INT(def->specials[inspection].max_days, 10);
  TB_CHECK_INT(material(def, "layout")->tolerate_days, 5);
  TB_CHECK_INT(material(def, "manager_training")->tolerate_days, 10);
  TB_CHECK(material(def, "equipment")->commitment);
  TB_CHECK(material(def, "safety_rules")->commitment);
  /* the business license that 企业开办 issues satisfies this material */
  TB_CHECK_STR(material(def, "business_license")->license_type,
               qykb->licenses[0].type_code);
  /* both issue the same food business license type */
  TB_CHECK_STR(def->licenses[0].type_code, qykb->licenses[1].type_code);
  TB_CHECK_INT(def->licenses[0].n_fields, 6);
  tb_definition_free(def);
  tb_definition_free(qykb);
}

static void test_cssj(void) {
  tb_definition *def = load_shipped("workflows/cssj.xml");
  if (!def)
    return;
  TB_CHECK_STR(def->name, "出生一件事");
  TB_CHECK_INT(def->applicant, TB_APPLICANT_PERSON);
  TB_CHECK_INT(def->n_branches, 4);
  int birth = branch(def, "birth_certificate"), home = branch(def, "household");
  int card = branch(def, "social_security_card");
  if (birth >= 0 && home >= 0 && card >= 0) {
    TB_CHECK_STR(def->branches[birth].bureau, "WJ");
    TB_CHECK_STR(def->branches[home].bureau, "GA");
    TB_CHECK_INT(def->branches[home].after, 1u << birth);
    TB_CHECK_INT(def->branches[card].after, 1u << home);
    TB_CHECK(def->branches[card].when != NULL);
  }
  TB_CHECK_INT(def->n_licenses, 4);
  TB_CHECK_STR(def->licenses[0].name, "出生医学证明");
  TB_CHECK_INT(def->licenses[3].valid_years, 10);
  TB_CHECK(!field(def, "father_id")->required);
  TB_CHECK_INT(field(def, "birth_weight")->min, 300);
  TB_CHECK(field(def, "birth_date")->max_today);
  TB_CHECK(!field(def, "birth_date")->has_max);
  TB_CHECK(field(def, "mother_id")->same_as_applicant);
  TB_CHECK(!field(def, "father_id")->same_as_applicant);
  if (birth >= 0) { /* 或签: the pool or 妇幼健康科 */
    const tb_task_def *verify = &def->branches[birth].tasks[0];
    TB_CHECK_INT(verify->rule, TB_SIGN_ANY);
    TB_CHECK_INT(verify->n_signers, 2);
    TB_CHECK(verify->signers[0].kind == TB_SIGNER_POOL &&
             verify->signers[1].kind == TB_SIGNER_GROUP &&
             strcmp(verify->signers[1].name, "FYK") == 0);
    check_plain_task(&def->branches[birth].tasks[1]);
  }
  tb_definition_free(def);
}

/* workflows/README.md's first ```xml block after `heading` (NULL: the
 * first of the file) loaded as a definition; NULL (checks failed) when
 * there is none or it does not load clean. */
static tb_definition *readme_example(const char *heading) {
  FILE *f = fopen("workflows/README.md", "rb");
  TB_CHECK(f != NULL);
  if (!f)
    return NULL;
  static char text[131072];
  size_t len = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[len] = '\0';
  char *from = heading ? strstr(text, heading) : text;
  char *start = from ? strstr(from, "```xml\n") : NULL;
  char *end = start ? strstr(start + 7, "```") : NULL;
  TB_CHECKF(start && end, "no example after %s", heading ? heading : "(top)");
  if (!start || !end)
    return NULL;
  start += 7;
  tb_definition *def = NULL;
  tb_workflows_problems_free(&ps);
  TB_CHECK(tb_workflows_load_buffer("README.md", start, (size_t)(end - start),
                                    bureaus, &def, &ps) == TB_OK);
  show_problems();
  return def;
}

/* The worked example of workflows/README.md loads clean. */
static void test_readme_example(void) {
  tb_definition *def = readme_example(NULL);
  if (def) {
    TB_CHECK_STR(def->id, "hwgg");
    TB_CHECK_INT(def->n_branches, 2);
    TB_CHECK_INT(def->branches[1].after, 1);
    TB_CHECK_INT(def->n_licenses, 1);
    TB_CHECK(def->guide && def->guide->free_of_charge &&
             def->guide->n_deliveries == 1 && def->guide->n_steps == 0);
  }
  tb_definition_free(def);
}

/* ------------------------------------------------------------------------
 * A clean minimal document, defaults, and the problem list
 * ---------------------------------------------------------------------- */

static void test_minimal_defaults(void) {
  tb_definition *def = LOAD_OK(minimal);
  if (!def)
    return;
  TB_CHECK_STR(def->file, "t.xml");
  TB_CHECK_INT(def->warn_days, 1);
  TB_CHECK(def->online);
  TB_CHECK(def->deliver_window && def->deliver_electronic);
  TB_CHECK_INT(def->gap_policy, TB_GAP_MISSED_WARN);
  TB_CHECK_INT(def->n_fields, 0);
  TB_CHECK_INT(def->n_licenses, 0);
  TB_CHECK_INT(def->branches[0].n_tasks, 1);
  TB_CHECK(!def->branches[0].deny_continues);
  tb_definition_free(def);
}

static void test_field_bounds_parsed(void) {
  /* 1e0 is not a decimal as the language writes them: the schema says so */
  EXPECT(HEAD "<form>\n"
              "<field id='x' type='number' label='数' max='1e0'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "attribute 'max'");
  tb_definition *def =
      LOAD_OK(HEAD "<form>"
                   "<field id='m' type='money' label='钱' min='0.5' "
                   "max='12.34'/>"
                   "<field id='d' type='date' label='日' min='2024-02-29'/>"
                   "<field id='x' type='number' label='数' min='-1.25' "
                   "max='7' required='false'/>"
                   "<field id='t' type='text' label='字' max-length='9'/>"
                   "</form>\n" REVIEW TAIL);
  if (!def)
    return;
  tb_day leap;
  tb_date_from_ymd(2024, 2, 29, &leap);
  TB_CHECK(def->fields[0].min == 50 && def->fields[0].max == 1234);
  TB_CHECK(def->fields[1].has_min && !def->fields[1].has_max);
  TB_CHECK(def->fields[1].min == leap);
  TB_CHECK(def->fields[2].min == -1.25 && def->fields[2].max == 7);
  TB_CHECK(!def->fields[2].required && def->fields[0].required);
  TB_CHECK(!def->fields[3].has_min && def->fields[3].has_max &&
           def->fields[3].max == 9);
  tb_definition_free(def);
}

static void test_problem_format(void) {
  tb_workflows_problems list = {0};
  char buf[200];
  tb_workflows_problems_add(&list, "a.xml", 7, "do this", "%s is wrong",
                            "that");
  tb_workflows_problems_add(&list, "b.xml", 0, "", "whole file");
  TB_CHECK_INT(list.n, 2);
  tb_workflows_problem_format(&list.items[0], buf, sizeof buf);
  TB_CHECK_STR(buf, "a.xml:7: that is wrong \u2014 do this");
  tb_workflows_problem_format(&list.items[1], buf, sizeof buf);
  TB_CHECK_STR(buf, "b.xml: whole file");
  /* a message cut short never ends in half a character */
  char long_name[700];
  for (int i = 0; i < 200; i++)
    memcpy(long_name + 3 * i, "证", 3);
  long_name[600] = '\0';
  tb_workflows_problems_add(&list, "d.xml", 1, "x", "license '%s' …",
                            long_name);
  const char *w = list.items[2].what;
  size_t wl = strlen(w);
  TB_CHECK(wl > 400 && wl < 520);
  TB_CHECK(strncmp(w + wl - 3, "证", 3) == 0 || w[wl - 1] == '?');
  for (int i = 0; i < 2 * TB_WORKFLOWS_MAX_PROBLEMS; i++)
    tb_workflows_problems_add(&list, "c.xml", i, "x", "many");
  TB_CHECK_INT(list.n, TB_WORKFLOWS_MAX_PROBLEMS);
  TB_CHECK_INT(list.dropped, TB_WORKFLOWS_MAX_PROBLEMS + 3);
  tb_workflows_problems_free(&list);
  TB_CHECK_INT(list.n, 0);
}

/* Every problem of a file is reported, in line order, not only the
 * first. */
static void test_every_problem_in_order(void) {
  EXPECT(
      HEAD_WITH(
          "statutory-days='5' promised-days='9'") "<form>\n" /* 3 */
                                                  "<field id='n' type='number' "
                                                  "label='数' min='9' "
                                                  "max='1'/>\n" /* 4 */
                                                  "</form>\n"   /* 5 */
                                                  "<review>\n"  /* 6 */
                                                  "<branch id='a' name='审' "
                                                  "bureau='NOPE' "
                                                  "after='a'>" TASK /* 7 */
                                                  "</branch>\n"
                                                  "</review>\n" /* 8 */
                                                  "<result><license "
                                                  "type-code='A1' name='证' "
                                                  "bureau='GA'>\n" /* 9 */
                                                  "<item "
                                                  "field='zz'/></license></"
                                                  "result>\n" /* 10 */
      TAIL,
      1, "promised-days 9 is above statutory-days 5");
  TB_CHECK(find_problem(4, "min is above max") >= 0);
  TB_CHECK(find_problem(7, "unknown bureau 'NOPE'") >= 0);
  TB_CHECK(find_problem(7, "branches a \u2192 a wait for each other") >= 0);
  TB_CHECK(find_problem(9, "bureau 'GA' (公安局) has no authority") >= 0);
  TB_CHECK(find_problem(10, "field 'zz'") >= 0);
  TB_CHECK_INT(ps.n, 6);
  for (size_t i = 1; i < ps.n; i++)
    TB_CHECK(ps.items[i - 1].line <= ps.items[i].line);
}

/* ------------------------------------------------------------------------
 * One case per check
 * ---------------------------------------------------------------------- */

static void test_unknown_bureau(void) {
  EXPECT(HEAD "<review>\n"
              "<branch id='a' name='审' bureau='XYZ'>" TASK "</branch>\n"
              "</review>\n" TAIL,
         4, "branch 'a': unknown bureau 'XYZ'");
  TB_CHECK(strstr(ps.items[0].todo, "SCJG") != NULL);
  EXPECT(HEAD REVIEW "<result>\n"
                     "<license type-code='A1' name='证照' bureau='QQ'/>\n"
                     "</result>\n" TAIL,
         5, "license '证照': unknown bureau 'QQ'");
}

static void test_duplicate_ids(void) {
  EXPECT(HEAD "<form>\n"
              "<field id='x' type='number' label='数'/>\n"
              "<field id='x' type='text' label='字'/>\n"
              "</form>\n" REVIEW TAIL,
         5, "duplicate field id 'x' (first declared on line 4)");
  EXPECT(HEAD "<materials>\n"
              "<material id='m' name='甲'/>\n"
              "<material id='m' name='乙'/>\n"
              "</materials>\n" REVIEW TAIL,
         5, "duplicate material id 'm'");
  EXPECT(HEAD "<review>\n" BRANCH("a") "\n" BRANCH("a") "\n</review>\n" TAIL, 5,
         "duplicate branch id 'a' (first declared on line 4)");
  EXPECT(HEAD "<review><branch id='a' name='审' bureau='GA'>\n"
              "<task id='t' name='一' days='1'/>\n"
              "<task id='t' name='二' days='1'/>\n"
              "</branch></review>\n" TAIL,
         5, "branch 'a': duplicate task id 't'");
  EXPECT(HEAD "<form><field id='c' type='choice' label='选'>\n"
              "<choice value='a'>甲</choice>\n"
              "<choice value='a'>乙</choice>\n"
              "</field></form>\n" REVIEW TAIL,
         5, "field 'c': duplicate choice 'a'");
  EXPECT(HEAD REVIEW "<result>\n"
                     "<license type-code='A1' name='甲' bureau='GA'/>\n"
                     "<license type-code='A1' name='乙' bureau='GA'/>\n"
                     "</result>\n" TAIL,
         6, "license type 'A1' is issued twice");
  EXPECT(HEAD REVIEW "<special-procedures>\n"
                     "<procedure kind='hearing' name='听证' max-days='5'/>\n"
                     "<procedure kind='hearing' name='听证' max-days='5'/>\n"
                     "</special-procedures>\n" TAIL,
         6, "special procedure 'hearing' is declared twice");
  EXPECT(HEAD FIELD_N REVIEW "<result>\n"
                             "<license type-code='A1' name='甲' bureau='GA'>\n"
                             "<item field='n'/><item field='n'/>\n"
                             "</license></result>\n" TAIL,
         7, "carries field 'n' twice");
}

static void test_conditions(void) {
  EXPECT(HEAD FIELD_N
         "<review>\n"
         "<branch id='a' name='审' bureau='GA' when='nope = 1'>" TASK
         "</branch>\n"
         "</review>\n" TAIL,
         5, "branch 'a': condition \"nope = 1\"");
  TB_CHECK(ps.n == 1 && strstr(ps.items[0].what, "nope"));
  /* a type error: a number compared with text */
  EXPECT(HEAD FIELD_N
         "<review>\n"
         "<branch id='a' name='审' bureau='GA' when=\"n = 'abc'\">" TASK
         "</branch>\n"
         "</review>\n" TAIL,
         5, "branch 'a': condition");
  /* a syntax error */
  EXPECT(HEAD FIELD_N "<review>\n"
                      "<branch id='a' name='审' bureau='GA' when='n &gt;'>" TASK
                      "</branch>\n"
                      "</review>\n" TAIL,
         5, "branch 'a': condition \"n >\"");
}

static void test_unreachable(void) {
  EXPECT(HEAD FIELD_N "<review>\n" BRANCH(
             "a") "\n"
                  "<branch id='b' name='审' bureau='GA' when='n &gt; 500'>" TASK
                  "</branch>\n"
                  "</review>\n" TAIL,
         6,
         "branch 'b' is unreachable: its condition \"n > 500\" can never "
         "hold: n > 500 holds for no value the field allows");
  /* waiting for it has no effect (a branch that does not apply counts as
   * done for those after it) */
  EXPECT(HEAD FIELD_N
         "<review>\n"
         "<branch id='b' name='审' bureau='GA' when='n &gt; 500'>" TASK
         "</branch>\n"
         "<branch id='c' name='审' bureau='GA' after='b'>" TASK "</branch>\n"
         "<branch id='d' name='审' bureau='GA' after='c'>" TASK "</branch>\n"
         "</review>\n" TAIL,
         6,
         "branch 'c' comes after branch 'b', which never applies: the "
         "wait has no effect");
  TB_CHECK_INT(ps.n, 2);
}

/* Every kind of condition that can never hold or always holds, one branch
 * per line; the message carries the reason and what to do. */
#define VERDICT_FORM                                                           \
  "<form>\n"                                                                   \
  "<field id='n' type='number' label='数' integer='true' min='0' "            \
  "max='100'/>\n"                                                              \
  "<field id='cap' type='money' label='钱' min='0'/>\n"                       \
  "<field id='day' type='date' label='日' min='2020-01-01' "                  \
  "max='2030-12-31'/>\n"                                                       \
  "<field id='kind' type='choice' label='选'><choice value='x'>甲</choice>"  \
  "<choice value='y'>乙</choice></field>\n"                                   \
  "<field id='name' type='text' label='名' max-length='10'/>\n"               \
  "<field id='flag' type='boolean' label='是'/>\n"                            \
  "<field id='opt' type='number' label='可' required='false'/>\n"             \
  "</form>\n"
#define WHEN(id, cond)                                                         \
  "<branch id='" id "' name='审' bureau='GA' when=\"" cond "\">" TASK          \
  "</branch>\n"

static const char verdicts_xml[] = HEAD VERDICT_FORM "<review>\n" /* line 12 */
    WHEN("b1", "n &gt; 10 and n &lt; 5") WHEN("b2", "cap &gt;= 0") WHEN(
        "b3", "kind = 'x' and kind = 'y'") WHEN("b4",
                                                "name = 'a' and name != 'a'")
        WHEN("b5", "day &gt; '2020-01-01' and day &lt; '2020-01-02'")
            WHEN("b6", "flag or not flag") WHEN("b7", "n &gt; 4 and n &lt; 5")
                WHEN("b8", "n &gt; 5 or n &lt;= 5")
                    WHEN("b9", "opt &gt; 5 or opt &lt;= 5")
                        WHEN("b10", "not (n &lt;= 10 or n &gt;= 5) and flag")
                            WHEN("b11", "name = 'abcdefghijk'")
                                WHEN("b12", "n &gt; 4 and n &lt; 6 or kind = "
                                            "'x'") "</review>\n" TAIL;

static const struct {
  int line;
  const char *what;
} verdicts[] = {
    {13, "branch 'b1' is unreachable: its condition \"n > 10 and n < 5\" can "
         "never hold: n > 10 and n < 5 leave no value"},
    {14, "branch 'b2': its condition \"cap >= 0\" always holds: cap >= 0 holds "
         "for every value the field allows"},
    {15, "branch 'b3' is unreachable: its condition \"kind = 'x' and kind = "
         "'y'\" can never hold: kind = 'x' and kind = 'y' cannot both hold"},
    {16, "branch 'b4' is unreachable: its condition \"name = 'a' and name != "
         "'a'\" can never hold: name = 'a' and name != 'a' cannot both hold"},
    {17, "branch 'b5' is unreachable: its condition \"day > '2020-01-01' and "
         "day < '2020-01-02'\" can never hold: day > '2020-01-01' and day < "
         "'2020-01-02' leave no value"},
    {18, "branch 'b6': its condition \"flag or not flag\" always holds: flag "
         "or not flag cover every value the field allows"},
    {19, "branch 'b7' is unreachable: its condition \"n > 4 and n < 5\" can "
         "never hold: n > 4 and n < 5 leave no value"},
    {20, "branch 'b8': its condition \"n > 5 or n <= 5\" always holds: n > 5 "
         "or n <= 5 cover every value the field allows"},
    {22, "branch 'b10' is unreachable: its condition \"not (n <= 10 or n >= "
         "5) and flag\" can never hold: not n <= 10 and not n >= 5 leave no "
         "value"},
    {23, "branch 'b11' is unreachable: its condition \"name = 'abcdefghijk'\" "
         "can never hold: name = 'abcdefghijk' holds for no value the field "
         "allows"},
};

static void test_condition_verdicts(void) {
  size_t n = sizeof verdicts / sizeof verdicts[0];
  EXPECT(verdicts_xml, verdicts[0].line, verdicts[0].what);
  for (size_t i = 0; i < n; i++) {
    int k = find_problem(verdicts[i].line, verdicts[i].what);
    TB_CHECKF(k >= 0, "no problem on line %d: %s", verdicts[i].line,
              verdicts[i].what);
    if (k < 0)
      continue;
    TB_CHECK_STR(ps.items[k].what, verdicts[i].what);
    TB_CHECK_STR(ps.items[k].todo,
                 strstr(verdicts[i].what, "always holds")
                     ? "fix the condition, or remove when= if the branch is "
                       "meant to apply to every application"
                     : "fix the condition or the bounds of the fields it "
                       "reads");
  }
  /* the optional field's condition (line 21) and the sound one (line 24)
   * are not refused */
  TB_CHECK_INT(ps.n, n);
  tb_definition *def = LOAD_OK(
      HEAD VERDICT_FORM "<review>\n" WHEN("b9", "opt &gt; 5 or opt &lt;= 5")
          WHEN("b12",
               "n &gt; 4 and n &lt; 6 or kind = 'x'") "</review>\n" TAIL);
  tb_definition_free(def);
}

static void test_after(void) {
  EXPECT(HEAD "<review>\n"
              "<branch id='a' name='审' bureau='GA' after='zz'>" TASK
              "</branch>\n"
              "</review>\n" TAIL,
         4, "branch 'a' comes after unknown branch 'zz'");
  EXPECT(HEAD
         "<review>\n"
         "<branch id='a' name='审' bureau='GA' after='b'>" TASK "</branch>\n"
         "<branch id='b' name='审' bureau='GA' after='a'>" TASK "</branch>\n"
         "</review>\n" TAIL,
         4,
         "the review can never complete: branches a \u2192 b \u2192 a "
         "wait for each other");
  TB_CHECK_INT(ps.n, 1);
  EXPECT(HEAD "<review>\n" BRANCH(
             "x") "\n"
                  "<branch id='a' name='审' bureau='GA' after='x c'>" TASK
                  "</branch>\n"
                  "<branch id='b' name='审' bureau='GA' after='a'>" TASK
                  "</branch>\n"
                  "<branch id='c' name='审' bureau='GA' after='b'>" TASK
                  "</branch>\n"
                  "</review>\n" TAIL,
         5, "branches a \u2192 c \u2192 b \u2192 a wait for each other");
  /* a cycle is not also reported as branches that never start */
  TB_CHECK_INT(ps.n, 1);
  /* ... but a branch after a cycle never starts either */
  EXPECT(HEAD
         "<review>\n"
         "<branch id='a' name='审' bureau='GA' after='b'>" TASK "</branch>\n"
         "<branch id='b' name='审' bureau='GA' after='a'>" TASK "</branch>\n"
         "<branch id='c' name='审' bureau='GA' after='b'>" TASK "</branch>\n"
         "<branch id='d' name='审' bureau='GA' after='c'>" TASK "</branch>\n"
         "</review>\n" TAIL,
         6,
         "branch 'c' can never start: it comes after branch 'b', which "
         "can never start");
  TB_CHECK(find_problem(7, "branch 'd' can never start") >= 0);
  TB_CHECK_INT(ps.n, 3);
}

static void test_time_limits(void) {
  EXPECT(HEAD_WITH("statutory-days='20' promised-days='25'") REVIEW TAIL, 1,
         "promised-days 25 is above statutory-days 20");
  EXPECT(HEAD_WITH("statutory-days='20' promised-days='3' warn-days='3'")
             REVIEW TAIL,
         1, "warn-days 3 is not below promised-days 3");
  /* promised 0 (decided on the spot) leaves warn-days alone */
  tb_definition *def = LOAD_OK(HEAD_WITH(
      "statutory-days='20' promised-days='0'") "<review><branch id='a' "
                                               "name='审' bureau='GA'>"
                                               "<task id='t' name='当场办结' "
                                               "days='0'/></branch></"
                                               "review>\n" TAIL);
  tb_definition_free(def);
  /* tasks along an `after` chain that outlast the promise */
  EXPECT(HEAD "<review>\n"
              "<branch id='a' name='审' bureau='GA'>"
              "<task id='t' name='一' days='4'/><task id='u' name='二' "
              "days='3'/></branch>\n"
              "<branch id='b' name='审' bureau='GA' after='a'>"
              "<task id='t' name='三' days='4'/></branch>\n"
              "<branch id='c' name='审' bureau='GA'>"
              "<task id='t' name='四' days='10'/></branch>\n"
              "</review>\n" TAIL,
         5,
         "the tasks of branches a \u2192 b take 11 working days, more "
         "than the promised 10");
}

/* The shipped business start-up definition with its 营业执照 moved from
 * market regulation to the public security bureau: refused at the
 * license's line, naming the bureau that has the authority. */
static void test_license_authority(void) {
  size_t len;
  char *xml = tb_test_read_file("workflows/qykb.xml", &len);
  TB_CHECK(xml != NULL);
  if (!xml)
    return;
  const char *from = "name=\"营业执照\" bureau=\"SCJG\"";
  char *at = strstr(xml, from);
  TB_CHECK(at != NULL);
  if (!at) {
    free(xml);
    return;
  }
  int line = 1;
  for (const char *c = xml; c < at; c++)
    line += *c == '\n';
  memcpy(at + strlen(from) - 5, "GA\"  ", 5); /* same length */
  tb_definition *def = NULL;
  tb_workflows_problems_free(&ps);
  TB_CHECK(tb_workflows_load_buffer("qykb.xml", xml, len, bureaus, &def, &ps) ==
           TB_ERR_INVALID);
  TB_CHECK(def == NULL);
  TB_CHECK_INT(ps.n, 1);
  TB_CHECKF(find_problem(line, "license '营业执照' (type "
                               "11100000MB0143028R001): bureau 'GA' (公安局) "
                               "has no authority to issue it") >= 0,
            "line %d", line);
  char buf[600];
  if (ps.n) {
    tb_workflows_problem_format(&ps.items[0], buf, sizeof buf);
    TB_CHECKF(strstr(buf, "qykb.xml:") == buf &&
                  strstr(buf, "name the bureau that issues it (SCJG)"),
              "%s", buf);
  }
  free(xml);
  /* A granted type under another name is refused too. */
  EXPECT(HEAD REVIEW "<result>\n"
                     "<license type-code='11100000000013338W002' "
                     "name='户口本' bureau='GA'/>\n"
                     "</result>\n" TAIL,
         5,
         "license type '11100000000013338W002' is called '居民户口簿' in "
         "bureaus.xml, not '户口本'");
  tb_definition_free(LOAD_OK(HEAD REVIEW
                             "<result>\n"
                             "<license type-code='11100000000013338W002' "
                             "name='居民户口簿' bureau='GA'/>\n"
                             "</result>\n" TAIL));
}

static void test_licenses(void) {
  EXPECT(HEAD FIELD_N REVIEW "<result>\n"
                             "<license type-code='A1' name='证' bureau='GA'>\n"
                             "<item field='n'/>\n"
                             "<item field='nope'/>\n"
                             "</license></result>\n" TAIL,
         8, "license '证' carries field 'nope', which the form does not have");
  EXPECT(HEAD REVIEW "<result>\n"
                     "<license type-code='A1' name='证' bureau='GA' "
                     "branch='zz'/>\n"
                     "</result>\n" TAIL,
         5, "license '证' is tied to unknown branch 'zz'");
}

static void test_materials(void) {
  EXPECT(HEAD "<materials>\n"
              "<material id='m' name='甲' required='false' "
              "tolerate-days='3'/>\n"
              "</materials>\n" REVIEW TAIL,
         4, "material 'm' is optional: a gap cannot be tolerated");
  EXPECT(HEAD "<materials>\n"
              "<material id='m' name='甲' required='false' "
              "commitment='true'/>\n"
              "</materials>\n" REVIEW TAIL,
         4, "material 'm' is optional: a commitment cannot replace it");
  /* 事后核查: only a commitment is verified, by a known bureau */
  EXPECT(HEAD "<materials>\n"
              "<material id='m' name='甲' verify-days='3'/>\n"
              "</materials>\n" REVIEW TAIL,
         4,
         "material 'm' allows no commitment: verify-days has nothing to "
         "verify");
  EXPECT(HEAD "<materials>\n"
              "<material id='m' name='甲' commitment='true' "
              "verify-bureau='NOPE'/>\n"
              "</materials>\n" REVIEW TAIL,
         4, "material 'm' (verify-bureau): unknown bureau 'NOPE'");
  tb_definition *v = LOAD_OK(HEAD "<materials>\n"
                                  "<material id='m' name='甲' "
                                  "commitment='true'/>\n"
                                  "</materials>\n" REVIEW TAIL);
  if (v) { /* the defaults: the first branch's bureau, 20 and 365 days */
    TB_CHECK_STR(v->materials[0].verify_bureau, v->branches[0].bureau);
    TB_CHECK_INT(v->materials[0].verify_days, 20);
    TB_CHECK_INT(v->materials[0].exclude_days, 365);
    TB_CHECK_INT(v->rectify_days, 5);
  }
  tb_definition_free(v);
  /* 告知承诺书: the material's own text, else the list's default, else
   * none (the documents print the standard text); a text where no
   * commitment is allowed is a problem */
  tb_definition *c = LOAD_OK(HEAD "<materials>\n"
                                  "<commitment>默认承诺</commitment>\n"
                                  "<material id='m' name='甲' "
                                  "commitment='true'>"
                                  "<commitment> 本人承诺甲 </commitment>"
                                  "</material>\n"
                                  "<material id='n' name='乙' "
                                  "commitment='true'/>\n"
                                  "<material id='o' name='丙'/>\n"
                                  "</materials>\n" REVIEW TAIL);
  if (c) {
    TB_CHECK_STR(c->materials[0].commitment_text, "本人承诺甲");
    TB_CHECK_STR(c->materials[1].commitment_text, "默认承诺");
    TB_CHECK(c->materials[2].commitment_text == NULL);
  }
  tb_definition_free(c);
  EXPECT(HEAD "<materials>\n"
              "<material id='m' name='甲'>\n"
              "<commitment>本人承诺</commitment></material>\n"
              "</materials>\n" REVIEW TAIL,
         5, "material 'm' allows no commitment: its <commitment> text");
  /* a license type no shipped definition issues is fine */
  tb_definition *def = LOAD_OK(HEAD "<materials>\n"
                                    "<material id='m' name='甲' "
                                    "license-type='99990000000000000X001'/>\n"
                                    "</materials>\n" REVIEW TAIL);
  tb_definition_free(def);
}

/* A document with n copies of `item` between `before` and `after`; each
 * '@' in item becomes the copy's number. */
static char *repeat_doc(const char *before, const char *item, int n,
                        const char *after) {
  size_t cap =
      strlen(before) + strlen(after) + 1 + (size_t)n * (strlen(item) * 4 + 8);
  char *s = malloc(cap);
  size_t used = (size_t)snprintf(s, cap, "%s", before);
  for (int i = 0; i < n; i++)
    for (const char *c = item; *c; c++)
      used += *c == '@' ? (size_t)snprintf(s + used, cap - used, "%d", i)
                        : (size_t)snprintf(s + used, cap - used, "%c", *c);
  snprintf(s + used, cap - used, "%s", after);
  return s;
}

static void test_limits(void) {
  char *doc =
      repeat_doc(HEAD "<form>\n", "<field id='f@' type='boolean' label='是'/>",
                 TB_MAX_FIELDS + 1, "</form>\n" REVIEW TAIL);
  EXPECT(doc, 3, "65 fields; at most 64 are allowed");
  free(doc);
  doc = repeat_doc(HEAD "<form><field id='c' type='choice' label='选'>\n",
                   "<choice value='v@'>值</choice>", TB_MAX_CHOICES + 1,
                   "</field></form>\n" REVIEW TAIL);
  EXPECT(doc, 3, "field 'c' has 65 choices; at most 64 are allowed");
  free(doc);
  doc = repeat_doc(HEAD "<materials>\n", "<material id='m@' name='料'/>",
                   TB_MAX_MATERIALS + 1, "</materials>\n" REVIEW TAIL);
  EXPECT(doc, 3, "65 materials; at most 64 are allowed");
  free(doc);
  doc = repeat_doc(HEAD "<review>\n",
                   "<branch id='b@' name='审' bureau='GA'>" TASK "</branch>",
                   TB_MAX_BRANCHES + 1, "</review>\n" TAIL);
  EXPECT(doc, 3, "17 branches; at most 16 are allowed");
  free(doc);
  doc = repeat_doc(HEAD "<review><branch id='a' name='审' bureau='GA'>\n",
                   "<task id='t@' name='审' days='0'/>",
                   TB_MAX_TASKS_PER_BRANCH + 1, "</branch></review>\n" TAIL);
  EXPECT(doc, 3, "17 tasks in a branch; at most 16 are allowed");
  free(doc);
  doc = repeat_doc(HEAD REVIEW "<result>\n",
                   "<license type-code='A@' name='证' bureau='GA'/>",
                   TB_MAX_LICENSES + 1, "</result>\n" TAIL);
  EXPECT(doc, 4, "9 licenses; at most 8 are allowed");
  free(doc);
  doc = repeat_doc(HEAD REVIEW "<special-procedures>\n",
                   "<procedure kind='testing' name='检@' max-days='1'/>",
                   TB_MAX_SPECIALS + 1, "</special-procedures>\n" TAIL);
  EXPECT(doc, 4, "9 special procedures; at most 8 are allowed");
  free(doc);
}

static void test_field_checks(void) {
  EXPECT(HEAD "<form>\n"
              "<field id='n' type='number' label='数' min='10' max='5'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "field 'n': min is above max");
  EXPECT(HEAD "<form>\n"
              "<field id='t' type='text' label='字' min-length='10' "
              "max-length='5'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "field 't': min-length is above max-length");
  EXPECT(HEAD "<form>\n"
              "<field id='d' type='date' label='日' min='2025-01-02' "
              "max='2025-01-01'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "field 'd': min is above max");
  EXPECT(HEAD "<form>\n"
              "<field id='t' type='text' label='字' max='5'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "field 't' is of type text: attribute 'max' does not apply");
  EXPECT(HEAD "<form>\n"
              "<field id='b' type='boolean' label='是' min='0'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "field 'b' is of type boolean: attribute 'min' does not apply");
  EXPECT(HEAD "<form>\n"
              "<field id='n' type='number' label='数' max-length='3'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "attribute 'max-length' does not apply");
  EXPECT(HEAD "<form>\n"
              "<field id='m' type='money' label='钱' max='1.234'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "field 'm': max '1.234' has more than two decimals");
  EXPECT(HEAD "<form>\n"
              "<field id='d' type='date' label='日' min='2023-02-29'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "field 'd': min '2023-02-29' is not a date");
  EXPECT(HEAD "<form>\n"
              "<field id='d' type='date' label='日' min='12'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "field 'd': min '12' is not a date");
  EXPECT(HEAD "<form>\n"
              "<field id='n' type='number' label='数' min='2024-01-01'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "field 'n': min '2024-01-01' is not a number");
  EXPECT(HEAD "<form>\n"
              "<field id='n' type='number' label='数' integer='true' "
              "max='2.5'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "field 'n' holds whole numbers but its max is '2.5'");
  EXPECT(HEAD "<form>\n"
              "<field id='c' type='choice' label='选'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "choice field 'c' has no <choice>");
  EXPECT(HEAD "<form>\n"
              "<field id='n' type='number' label='数'><choice "
              "value='a'>甲</choice></field>\n"
              "</form>\n" REVIEW TAIL,
         4, "field 'n' is of type number and cannot have <choice> elements");
  EXPECT(HEAD "<form>\n"
              "<field id='t' type='text' label='字' multiple='true'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "field 't': multiple applies only to choice fields");
  EXPECT(HEAD "<form>\n"
              "<field id='t' type='money' label='钱' integer='true'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "field 't': integer applies only to number fields");
  EXPECT(HEAD "<form>\n"
              "<field id='and' type='boolean' label='是'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "field id 'and' is a word of the condition language");
  EXPECT(HEAD "<form>\n"
              "<field id='t' type='text' label='字' same-as='applicant'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "field 't': same-as applies only to id-number fields");
  EXPECT(HEAD "<form>\n"
              "<field id='i' type='id-number' label='号' same-as='mother'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "same-as");
  EXPECT(HEAD "<form>\n"
              "<field id='n' type='number' label='数' max='today'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "field 'n': max=\"today\" applies only to date fields");
  EXPECT(HEAD "<form>\n"
              "<field id='d' type='date' label='日' max='tomorrow'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "max");
  tb_definition *def = LOAD_OK(HEAD "<form>\n"
                                    "<field id='d' type='date' label='日' "
                                    "min='2020-01-01' max='today'/>\n"
                                    "<field id='i' type='id-number' label='号' "
                                    "same-as='applicant'/>\n"
                                    "</form>\n" REVIEW TAIL);
  if (def) {
    TB_CHECK(def->fields[0].has_min && def->fields[0].max_today &&
             !def->fields[0].has_max && !def->fields[0].min_today);
    TB_CHECK(def->fields[1].same_as_applicant);
  }
  tb_definition_free(def);
}

/* Branch outputs: declared on tasks like fields; a license's holder from
 * an output must be recorded by a branch that always approves before the
 * license is issued. Lines: 3 form, 4 review start, 5.. branches. */
#define OUT_FORM "<form><field id='baby' type='text' label='姓名'/></form>\n"
#define PRODUCER(attrs)                                                        \
  "<branch id='p' name='登记' bureau='GA' " attrs ">"                          \
  "<task id='t' name='登记' days='1'>"                                       \
  "<output id='kid' type='id-number' label='号码'/></task></branch>\n"
#define LICENSE(attrs)                                                           \
  "<result>\n<license type-code='11100000000013338W002' name='居民户口簿' " \
  "bureau='GA' holder='kid' holder-name='baby' " attrs "/>\n</result>\n"

static void test_outputs(void) {
  /* tied to the producing branch, or to a branch after it: clean */
  tb_definition *def =
      LOAD_OK(HEAD OUT_FORM "<review>\n" PRODUCER("")
                  BRANCH("a") "\n"
                              "</review>\n" LICENSE("branch='p'") TAIL);
  if (def) {
    int b = -1, t = -1;
    const tb_field *o = tb_definition_output(def, "kid", &b, &t);
    TB_CHECK(o && o->type == TB_FIELD_ID_NUMBER && o->required && b == 0 &&
             t == 0);
    TB_CHECK_STR(def->licenses[0].holder, "kid");
    TB_CHECK_STR(def->licenses[0].holder_name, "baby");
  }
  tb_definition_free(def);
  def = LOAD_OK(HEAD OUT_FORM "<review>\n" PRODUCER(
      "") "<branch id='a' name='审查' "
          "bureau='GA' after='p'>" TASK "</branch>\n"
          "</review>\n" LICENSE("branch='a'") TAIL);
  tb_definition_free(def);
  /* issued on approval: an unconditional producer whose denial denies */
  def = LOAD_OK(HEAD OUT_FORM
                "<review>\n" PRODUCER("") "</review>\n" LICENSE("") TAIL);
  tb_definition_free(def);
  /* a branch that does not come after the producer */
  EXPECT(HEAD OUT_FORM "<review>\n" PRODUCER("")
             BRANCH("a") "\n"
                         "</review>\n" LICENSE("branch='a'") TAIL,
         9,
         "license '居民户口簿': holder 'kid' is recorded by branch 'p', which "
         "does "
         "not always approve before the license is issued");
  /* issued on approval, but the producer may not run or not approve */
  EXPECT(HEAD "<form><field id='baby' type='text' label='姓名'/>"
              "<field id='c' type='boolean' label='是'/></form>\n"
              "<review>\n" PRODUCER("when='c'") "</review>\n" LICENSE("") TAIL,
         8, "holder 'kid' is recorded by branch 'p'");
  EXPECT(HEAD OUT_FORM "<review>\n" PRODUCER("on-deny='continue'")
             BRANCH("a") "\n</review>\n" LICENSE("") TAIL,
         9, "holder 'kid' is recorded by branch 'p'");
  /* names that do not resolve, or of the wrong type */
  EXPECT(
      HEAD OUT_FORM "<review>\n" PRODUCER(
          "") "</review>\n"
              "<result>\n<license type-code='11100000000013338W002' "
              "name='居民户口簿' bureau='GA' holder='nobody' "
              "holder-name='baby'/>\n</result>\n" TAIL,
      8,
      "license '居民户口簿': holder 'nobody' is neither a field nor an output");
  EXPECT(HEAD OUT_FORM "<review>\n" PRODUCER(
             "") "</review>\n"
                 "<result>\n<license type-code='11100000000013338W002' "
                 "name='居民户口簿' bureau='GA' holder='baby' "
                 "holder-name='baby'/>\n</result>\n" TAIL,
         8, "license '居民户口簿': holder 'baby' must be a required id-number");
  EXPECT(
      HEAD OUT_FORM "<review>\n" PRODUCER(
          "") "</review>\n"
              "<result>\n<license type-code='11100000000013338W002' "
              "name='居民户口簿' bureau='GA' holder='kid'/>\n</result>\n" TAIL,
      8, "license '居民户口簿': holder and holder-name go together");
  /* an output as a data item: recorded in time, declared, one kind */
  def = LOAD_OK(HEAD OUT_FORM "<review>\n" PRODUCER(
      "") "</review>\n"
          "<result>\n<license type-code='11100000000013338W002' "
          "name='居民户口簿' "
          "bureau='GA' branch='p'><item output='kid'/>"
          "<item field='baby'/></license>\n</result>\n" TAIL);
  if (def) {
    TB_CHECK_INT(def->licenses[0].n_output_items, 1);
    TB_CHECK_STR(def->licenses[0].output_items[0], "kid");
    TB_CHECK_INT(def->licenses[0].n_fields, 1);
  }
  tb_definition_free(def);
  EXPECT(HEAD OUT_FORM "<review>\n" PRODUCER("")
             BRANCH("a") "\n</review>\n"
                         "<result>\n<license type-code='11100000000013338W002' "
                         "name='居民户口簿' "
                         "bureau='GA' branch='a'><item output='kid'/>"
                         "</license>\n</result>\n" TAIL,
         9,
         "license '居民户口簿': item 'kid' is recorded by branch 'p', which "
         "does not "
         "always approve before the license is issued");
  EXPECT(HEAD OUT_FORM "<review>\n" PRODUCER(
             "") "</review>\n"
                 "<result>\n<license type-code='11100000000013338W002' "
                 "name='居民户口簿' "
                 "bureau='GA'>\n<item output='nope'/>"
                 "</license>\n</result>\n" TAIL,
         9,
         "license '居民户口簿' carries output 'nope', which no task records");
  EXPECT(
      HEAD OUT_FORM "<review>\n" PRODUCER(
          "") "</review>\n"
              "<result>\n<license type-code='11100000000013338W002' "
              "name='居民户口簿' "
              "bureau='GA'>\n<item output='kid' field='baby'/>"
              "</license>\n</result>\n" TAIL,
      9,
      "license '居民户口簿': an item names a field or an output, one of them");
  /* an output's id is its own */
  EXPECT(HEAD OUT_FORM "<review>\n<branch id='p' name='登记' bureau='GA'>"
                       "<task id='t' name='登记' days='1'>"
                       "<output id='baby' type='text' label='名'/></task>"
                       "</branch>\n</review>\n" TAIL,
         5, "output 'baby' has the id of a form field");
}

static void test_cssj_outputs(void) {
  tb_definition *def = load_shipped("workflows/cssj.xml");
  if (!def)
    return;
  int b = -1, t = -1;
  const tb_field *o = tb_definition_output(def, "child_id", &b, &t);
  TB_CHECK(o && o->type == TB_FIELD_ID_NUMBER && o->required);
  if (o) {
    TB_CHECK_STR(def->branches[b].id, "household");
    TB_CHECK_STR(def->branches[b].tasks[t].id, "register");
  }
  int issued_to_child = 0;
  for (size_t i = 0; i < def->n_licenses; i++) {
    const tb_license_def *l = &def->licenses[i];
    if (l->holder && strcmp(l->holder, "child_id") == 0 &&
        strcmp(l->holder_name, "baby_name") == 0)
      issued_to_child++;
    if (strcmp(l->name, "出生医学证明") == 0) {
      TB_CHECK_STR(l->bureau, "WJ");
      TB_CHECK_INT(l->branch, b); /* once the newborn has a number */
      TB_CHECK_INT(l->n_output_items, 1);
      if (l->n_output_items)
        TB_CHECK_STR(l->output_items[0], "certificate_no");
    }
    if (strcmp(l->name, "居民户口簿") == 0)
      TB_CHECK(l->holder == NULL);
  }
  TB_CHECK_INT(issued_to_child, 3);
  tb_definition_free(def);
}

static void test_schema_and_root(void) {
  EXPECT(HEAD "<form>\n"
              "<feld id='x' type='number' label='数'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "element 'feld'");
  EXPECT(HEAD "<form>\n"
              "<field id='x' type='numeric' label='数'/>\n"
              "</form>\n" REVIEW TAIL,
         4, "attribute 'type'");
  EXPECT("<service xmlns='urn:tongban:workflow:1' id='t' version='1'\n"
         "  applicant='person' statutory-days='20'>\n"
         "<name>x</name>" REVIEW TAIL,
         1, "'promised-days' is required");
  EXPECT("<?xml version='1.0'?>\n<workflow/>\n", 2,
         "not a tongban workflow: the root element is <workflow>");
  EXPECT("<service xmlns='urn:other'/>\n", 1, "in namespace 'urn:other'");
  EXPECT(
      "<bureaus xmlns='urn:tongban:workflow:1'><bureau code='GA' name='公安' "
      "credit-code='11330100002489612G'/></bureaus>\n",
      1, "this is the bureau list, not a workflow definition");
  EXPECT("<service xmlns='urn:tongban:workflow:1'>\n<name>x</name\n", 3,
         "premature end of data");
}

/* ------------------------------------------------------------------------
 * Bureau lists
 * ---------------------------------------------------------------------- */

static void expect_bureaus(const char *xml, int line, const char *text) {
  tb_bureau_list *list = NULL;
  tb_workflows_problems_free(&ps);
  tb_status st =
      tb_workflows_load_bureaus_buffer("b.xml", xml, strlen(xml), &list, &ps);
  TB_CHECK(st == TB_ERR_INVALID && list == NULL);
  TB_CHECKF(find_problem(line, text) >= 0, "expected \"%s\" on line %d", text,
            line);
  if (find_problem(line, text) < 0)
    show_problems();
  tb_workflows_free_bureaus(list);
}

static void test_bureau_checks(void) {
  expect_bureaus("<bureaus xmlns='urn:tongban:workflow:1'>\n"
                 "<bureau code='GA' name='公安局' "
                 "credit-code='11330100002489612H'/>\n"
                 "</bureaus>\n",
                 2,
                 "bureau 'GA': credit code '11330100002489612H' is not valid");
  expect_bureaus("<bureaus xmlns='urn:tongban:workflow:1'>\n"
                 "<bureau code='GA' name='公安局' "
                 "credit-code='11330100002489612G'/>\n"
                 "<bureau code='GA' name='税务局' "
                 "credit-code='11330100MB1966245W'/>\n"
                 "</bureaus>\n",
                 3, "duplicate bureau code 'GA' (first declared on line 2)");
  expect_bureaus("<bureaus xmlns='urn:tongban:workflow:1'>\n"
                 "<bureau code='GA' name='公安局' "
                 "credit-code='11330100002489612G'/>\n"
                 "<bureau code='SW' name='税务局' "
                 "credit-code='11330100002489612G'/>\n"
                 "</bureaus>\n",
                 3, "bureau 'SW' has the same credit code as 'GA'");
  expect_bureaus(minimal, 1,
                 "this is a workflow definition, not a bureau list");
  expect_bureaus("<bureaus xmlns='urn:tongban:workflow:1'>\n"
                 "<bureau code='GA' name='公安局' "
                 "credit-code='11330100002489612G'>\n"
                 "<issues type-code='A1' name='甲证'/>\n"
                 "<issues type-code='A1' name='甲证'/>\n"
                 "</bureau>\n"
                 "</bureaus>\n",
                 4,
                 "bureau 'GA' is granted license type 'A1' twice (first on "
                 "line 3)");
  expect_bureaus(
      "<bureaus xmlns='urn:tongban:workflow:1'>\n"
      "<bureau code='GA' name='公安局' "
      "credit-code='11330100002489612G'>\n"
      "<issues type-code='A1' name='甲证'/>\n"
      "</bureau>\n"
      "<bureau code='SW' name='税务局' "
      "credit-code='11330100MB1966245W'>\n"
      "<issues type-code='A1' name='乙证'/>\n"
      "</bureau>\n"
      "</bureaus>\n",
      6, "license type 'A1' is called '乙证' here and '甲证' on line 3");
  expect_bureaus("<bureaus xmlns='urn:tongban:workflow:1'/>\n", 1,
                 "element 'bureaus'");
  tb_bureau_list *list = NULL;
  tb_workflows_problems_free(&ps);
  TB_CHECK(tb_workflows_load_bureaus("workflows/nonexistent.xml", &list, &ps) ==
           TB_ERR_INVALID);
  TB_CHECK(ps.n == 1 && ps.items[0].line == 0 &&
           strstr(ps.items[0].what, "could not open the file"));
}

/* <rights> (bureaus.xml) and <legal-basis> (a definition): read, the
 * list's rights inherited by a bureau without its own, and every missing
 * or unknown attribute or misplaced element reported at its line. */
static void test_reasons_and_rights(void) {
  const tb_bureau *sw = tb_bureaus_find(bureaus, "SW");
  const tb_bureau *scjg = tb_bureaus_find(bureaus, "SCJG");
  TB_CHECK_STR(bureaus->review_body, "杭州市人民政府");
  TB_CHECK_STR(scjg->review_body, "杭州市人民政府"); /* the list's */
  TB_CHECK_STR(scjg->court, bureaus->court);
  TB_CHECK_STR(sw->review_body, "国家税务总局浙江省税务局"); /* its own */
  static const char *const shipped[] = {
      "workflows/qykb.xml", "workflows/sgxk.xml", "workflows/spjy.xml",
      "workflows/cssj.xml"};
  for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
    tb_definition *def = load_shipped(shipped[i]);
    TB_CHECKF(def && def->basis_refusal &&
                  strstr(def->basis_refusal, "《中华人民共和国行政许可法》") &&
                  def->basis_denial && strstr(def->basis_denial, "第三十八条"),
              "%s gives the legal basis of a refusal and a denial", shipped[i]);
    tb_definition_free(def);
  }
  tb_definition *def = LOAD_OK(HEAD "<legal-basis refusal='甲法第一条' "
                                    "denial='乙法第二条'/>\n" REVIEW TAIL);
  TB_CHECK(def && strcmp(def->basis_refusal, "甲法第一条") == 0 &&
           strcmp(def->basis_denial, "乙法第二条") == 0);
  tb_definition_free(def);
  def = LOAD_OK(minimal);
  TB_CHECK(def && !def->basis_refusal && !def->basis_denial);
  tb_definition_free(def);
  EXPECT(HEAD "<legal-basis refusal='甲法第一条'/>\n" REVIEW TAIL, 3,
         "the attribute 'denial' is required but missing");
  EXPECT(HEAD
         "<legal-basis refusal='甲' denial='乙' article='3'/>\n" REVIEW TAIL,
         3, "the attribute 'article' is not allowed");
  EXPECT(HEAD "<legal-basis refusal=' ' denial='乙'/>\n" REVIEW TAIL, 3,
         "refusal");
  EXPECT(HEAD REVIEW "<legal-basis refusal='甲' denial='乙'/>\n" TAIL, 4,
         "legal-basis");
#define B_OPEN "<bureaus xmlns='urn:tongban:workflow:1'>\n"
#define GA "<bureau code='GA' name='公安局' credit-code='11330100002489612G'"
  tb_bureau_list *list = NULL;
  tb_workflows_problems_free(&ps);
  static const char ok[] =
      B_OPEN "<rights review='某市人民政府' "
             "court='某区人民法院'/>\n" GA ">\n"
             "<rights review='省公安厅' court='某区人民法院'/>\n"
             "</bureau>\n"
             "<bureau code='SW' name='税务局' "
             "credit-code='11330100MB1966245W'/>\n"
             "</bureaus>\n";
  TB_CHECK(tb_workflows_load_bureaus_buffer("b.xml", ok, strlen(ok), &list,
                                            &ps) == TB_OK);
  if (list) {
    TB_CHECK_STR(tb_bureaus_find(list, "GA")->review_body, "省公安厅");
    TB_CHECK_STR(tb_bureaus_find(list, "SW")->review_body, "某市人民政府");
    TB_CHECK_STR(list->court, "某区人民法院");
  }
  tb_workflows_free_bureaus(list);
  list = NULL;
  static const char none[] = B_OPEN GA "/>\n</bureaus>\n";
  TB_CHECK(tb_workflows_load_bureaus_buffer("b.xml", none, strlen(none), &list,
                                            &ps) == TB_OK);
  TB_CHECK(list && !list->review_body && !list->items[0].court);
  tb_workflows_free_bureaus(list);
  expect_bureaus(B_OPEN "<rights review='某市人民政府'/>\n" GA "/>\n"
                        "</bureaus>\n",
                 2, "the attribute 'court' is required but missing");
  expect_bureaus(B_OPEN GA ">\n<rights court='某区人民法院' review='某市' "
                           "where='x'/>\n</bureau>\n</bureaus>\n",
                 3, "the attribute 'where' is not allowed");
  expect_bureaus(B_OPEN GA ">\n<rights court='某区人民法院'/>\n</bureau>\n"
                           "</bureaus>\n",
                 3, "the attribute 'review' is required but missing");
  expect_bureaus(B_OPEN GA "/>\n<rights review='甲' court='乙'/>\n"
                           "</bureaus>\n",
                 3, "rights");
#undef GA
#undef B_OPEN
}

static void test_check_file(void) {
  tb_workflows_problems list = {0};
  static const char *const files[] = {
      "workflows/bureaus.xml", "workflows/qykb.xml", "workflows/sgxk.xml",
      "workflows/spjy.xml", "workflows/cssj.xml"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
    TB_CHECK_INT(tb_workflows_check_file(files[i], bureaus, &list), 0);
  TB_CHECK_INT(list.n, 0);
  /* without a bureau list the bureau checks are skipped */
  TB_CHECK_INT(tb_workflows_check_file("workflows/qykb.xml", NULL, &list), 0);
  TB_CHECK(tb_workflows_check_file("workflows", bureaus, &list) == 1);
  TB_CHECK(list.n == 1 && strstr(list.items[0].what, "not a regular file"));
  tb_workflows_problems_free(&list);
}

/* ------------------------------------------------------------------------
 * The service guide (<guide>, issue 13 §2)
 * ---------------------------------------------------------------------- */

#define G_OPEN(attrs) "<guide kind='行政许可'" attrs ">\n"
#define G_BASIS                                                                \
  "<basis>甲法第一条</basis>\n<condition>申请人为本市企业</condition>\n"
#define G_FREE "<fees free='true'/>\n"
#define G_CONTACT "<contact consult='0571-87654321' complain='12345'/>\n"
#define G_CLOSE "</guide>\n"
/* a whole guide of lines 3-7 */
#define GUIDE_MIN G_OPEN("") G_BASIS G_FREE G_CONTACT G_CLOSE

static void test_guide_shipped(void) {
  static const char *const shipped[] = {
      "workflows/qykb.xml", "workflows/sgxk.xml", "workflows/spjy.xml",
      "workflows/cssj.xml"};
  for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
    tb_definition *def = load_shipped(shipped[i]);
    const tb_guide *g = def ? def->guide : NULL;
    TB_CHECKF(g && g->code && strlen(g->code) >= 28 && g->n_basis > 0 &&
                  g->n_conditions > 0 && g->address && g->hours &&
                  g->consult_phone && g->complain_phone && g->n_deliveries > 0,
              "%s has a whole guide", shipped[i]);
    tb_definition_free(def);
  }
  tb_definition *def = load_shipped("workflows/qykb.xml");
  if (!def || !def->guide)
    return;
  const tb_guide *g = def->guide;
  TB_CHECK_STR(g->code, "11330100MB1730523X100011700600");
  TB_CHECK_STR(g->kind, "行政许可");
  TB_CHECK_INT(g->n_basis, 3);
  TB_CHECK(strstr(g->basis[0], "《中华人民共和国公司法》") != NULL);
  TB_CHECK_INT(g->n_conditions, 3);
  TB_CHECK(g->free_of_charge && g->n_fees == 0);
  TB_CHECK_STR(g->consult_phone, "0571-85251234");
  TB_CHECK_STR(g->complain_phone, "12345");
  TB_CHECK_INT(g->n_deliveries, 3);
  TB_CHECK_INT(g->deliveries[1].kind, TB_GUIDE_DELIVERY_POST);
  TB_CHECK_INT(g->n_steps, 4);
  TB_CHECK_STR(g->steps[0].name, "网上或窗口申请");
  tb_definition_free(def);
}

static void test_guide_parsed(void) {
  tb_definition *def = LOAD_OK(HEAD GUIDE_MIN REVIEW TAIL);
  TB_CHECK(def && def->guide && !def->guide->code && !def->guide->address &&
           def->guide->n_deliveries == 0 && def->guide->n_steps == 0);
  tb_definition_free(def);
  def = LOAD_OK(minimal);
  TB_CHECK(def && !def->guide);
  tb_definition_free(def);
  def =
      LOAD_OK(HEAD G_OPEN(" code='11330100002489612G0001170060001'") G_BASIS
              "<fees><fee name='工本费' amount='12.5' basis='价格文件'/>\n"
              "<fee name='邮寄费' amount='8' basis='自愿'/></fees>\n"
              "<where address='某市某路1号' hours='工作日'/>\n" G_CONTACT
              "<delivery-method kind='electronic'>即时发放</delivery-method>\n"
              "<step name='申请'>提交材料</step><step "
              "name='受理'>当场受理</step>\n" G_CLOSE REVIEW TAIL);
  const tb_guide *g = def ? def->guide : NULL;
  TB_CHECK(g && !g->free_of_charge && g->n_fees == 2);
  if (g && g->n_fees == 2) {
    TB_CHECK_INT(g->fees[0].fen, 1250);
    TB_CHECK_INT(g->fees[1].fen, 800);
    TB_CHECK_STR(g->fees[0].basis, "价格文件");
  }
  TB_CHECK(g && g->address && strcmp(g->hours, "工作日") == 0);
  TB_CHECK(g && g->n_deliveries == 1 &&
           g->deliveries[0].kind == TB_GUIDE_DELIVERY_ELECTRONIC &&
           strcmp(g->deliveries[0].detail, "即时发放") == 0);
  TB_CHECK(g && g->n_steps == 2 && strcmp(g->steps[1].detail, "当场受理") == 0);
  tb_definition_free(def);
}

static void test_guide_problems(void) {
  /* the code: its length, its credit code's check character, digits */
  EXPECT(HEAD G_OPEN(" code='11330100002489612G12'")
             G_BASIS G_FREE G_CONTACT G_CLOSE REVIEW TAIL,
         3, "not 28 to 42");
  EXPECT(HEAD G_OPEN(" code='11330100002489612H000117006000'")
             G_BASIS G_FREE G_CONTACT G_CLOSE REVIEW TAIL,
         3, "does not start with a valid credit code");
  EXPECT(HEAD G_OPEN(" code='11330100002489612G00011700600A'")
             G_BASIS G_FREE G_CONTACT G_CLOSE REVIEW TAIL,
         3, "only digits may follow");
  /* fees: free and charged, neither, amounts */
  EXPECT(HEAD G_OPEN("") G_BASIS
         "<fees free='true'><fee name='费' amount='1' "
         "basis='依据'/></fees>\n" G_CONTACT G_CLOSE REVIEW TAIL,
         6, "also lists 1 fee");
  EXPECT(HEAD G_OPEN("") G_BASIS "<fees/>\n" G_CONTACT G_CLOSE REVIEW TAIL, 6,
         "neither free nor what is charged");
  EXPECT(HEAD G_OPEN("") G_BASIS
         "<fees>\n"
         "<fee name='费' amount='0' basis='依据'/>\n"
         "<fee name='税' amount='1.005' basis='依据'/>\n"
         "</fees>\n" G_CONTACT G_CLOSE REVIEW TAIL,
         7, "fee '费' has the amount '0'");
  EXPECT(HEAD G_OPEN("") G_BASIS
         "<fees>\n"
         "<fee name='费' amount='1' basis='依据'/>\n"
         "<fee name='税' amount='1.005' basis='依据'/>\n"
         "</fees>\n" G_CONTACT G_CLOSE REVIEW TAIL,
         8, "fee '税' has the amount '1.005'");
  /* phones */
  EXPECT(HEAD G_OPEN("") G_BASIS G_FREE
         "<contact consult='请来电' complain='12345'/>\n" G_CLOSE REVIEW TAIL,
         7, "consult '请来电' is not a phone number");
  EXPECT(
      HEAD G_OPEN("") G_BASIS G_FREE
      "<contact consult='0571-87654321' complain='12'/>\n" G_CLOSE REVIEW TAIL,
      7, "complain '12' is not a phone number");
  /* delivery methods the service's delivery allows, each once */
  EXPECT(
      HEAD_WITH("statutory-days='20' promised-days='10' delivery='window'")
          G_OPEN("") G_BASIS G_FREE G_CONTACT
      "<delivery-method kind='electronic'>即时发放</delivery-method>\n" G_CLOSE
          REVIEW TAIL,
      8, "delivery method 'electronic' is not allowed by delivery=\"window\"");
  EXPECT(HEAD_WITH("statutory-days='20' promised-days='10' "
                   "delivery='electronic'") G_OPEN("") G_BASIS G_FREE G_CONTACT
         "<delivery-method kind='post'>邮寄</delivery-method>\n" G_CLOSE REVIEW
             TAIL,
         8, "delivery method 'post' is not allowed");
  EXPECT(HEAD G_OPEN("") G_BASIS G_FREE G_CONTACT
         "<delivery-method kind='window'>一</delivery-method>\n"
         "<delivery-method kind='window'>二</delivery-method>\n" G_CLOSE REVIEW
             TAIL,
         9, "delivery method 'window' appears twice");
  /* repeated entries */
  EXPECT(HEAD G_OPEN("") G_BASIS
         "<condition>申请人为本市企业</condition>\n" G_FREE G_CONTACT G_CLOSE
             REVIEW TAIL,
         6, "the same acceptance condition appears twice");
  EXPECT(HEAD G_OPEN("") G_BASIS G_FREE G_CONTACT
         "<step name='申请'>一</step>\n<step name='申请'>二</step>\n" G_CLOSE
             REVIEW TAIL,
         9, "step '申请' appears twice");
  /* the schema: the kind, the parts a guide must have, the order */
  EXPECT(HEAD
         "<guide kind='许可'>\n" G_BASIS G_FREE G_CONTACT G_CLOSE REVIEW TAIL,
         3, "kind");
  EXPECT(HEAD G_OPEN("") G_BASIS G_FREE G_CLOSE REVIEW TAIL, 3,
         "Expected is one of ( where, contact )");
  EXPECT(HEAD G_OPEN("") "<condition>条件</condition>\n" G_FREE G_CONTACT
             G_CLOSE REVIEW TAIL,
         4, "basis");
  EXPECT(HEAD REVIEW GUIDE_MIN TAIL, 4, "guide");
}

/* ------------------------------------------------------------------------
 * The verbs of a step: <signer>, <copy>, sign, pass, on-deny, back-to,
 * remove-by (a ZJ branch: its groups are KZ and STY)
 * ---------------------------------------------------------------------- */

#define ZJ_OPEN "<review><branch id='a' name='审查' bureau='ZJ'>"
#define ZJ_CLOSE "</branch></review>\n" TAIL
#define TWO_SIGNERS "<signer group='KZ'/><signer group='STY'/>"

static void test_verbs_parsed(void) {
  tb_definition *def = LOAD_OK(
      HEAD ZJ_OPEN
      "<task id='accept' name='受理' days='1'><signer officer='zhang.san'/>"
      "</task>\n"
      "<task id='check' name='初审' days='1' sign='sequence' "
      "on-deny='at-once'>" TWO_SIGNERS "</task>\n"
      "<task id='vote' name='票决' days='1' sign='vote' pass='2'>"
      "<signer group='KZ'/><signer group='STY'/><signer/></task>\n"
      "<task id='any' name='或签' days='1' sign='any' back-to='accept'>"
      "<signer/><signer officer='li_si'/></task>\n"
      "<task id='all' name='会签' days='2' sign='all' remove-by='KZ' "
      "back-to='check  accept vote'>" TWO_SIGNERS
      "<copy bureau='ZJ' group='KZ'/><copy bureau='RF'/>"
      "<output id='opinion_no' type='text' "
      "label='意见书编号'/></task>\n" ZJ_CLOSE);
  if (!def)
    return;
  const tb_task_def *t = def->branches[0].tasks;
  TB_CHECK_INT(t[0].rule, TB_SIGN_ONE);
  TB_CHECK(t[0].n_signers == 1 && t[0].signers[0].kind == TB_SIGNER_OFFICER &&
           strcmp(t[0].signers[0].name, "zhang.san") == 0 &&
           t[0].signers[0].line == 3);
  TB_CHECK_INT(t[1].rule, TB_SIGN_SEQUENCE);
  TB_CHECK_INT(t[1].on_deny, TB_DENY_AT_ONCE);
  TB_CHECK_INT(t[2].rule, TB_SIGN_VOTE);
  TB_CHECK_INT(t[2].pass, 2);
  TB_CHECK_INT(t[2].n_signers, 3);
  TB_CHECK_INT(t[2].signers[2].kind, TB_SIGNER_POOL);
  TB_CHECK_INT(t[3].rule, TB_SIGN_ANY);
  TB_CHECK_INT(t[3].back_to, 1u << 0);
  TB_CHECK_INT(t[4].rule, TB_SIGN_ALL);
  TB_CHECK_INT(t[4].on_deny, TB_DENY_AT_ONCE); /* the default */
  TB_CHECK_INT(t[4].back_to, (1u << 0) | (1u << 1) | (1u << 2));
  TB_CHECK_STR(t[4].remove_group, "KZ");
  TB_CHECK_INT(t[4].n_copies, 2);
  TB_CHECK(strcmp(t[4].copies[0].bureau, "ZJ") == 0 &&
           strcmp(t[4].copies[0].group, "KZ") == 0 && t[4].copies[0].line == 7);
  TB_CHECK(strcmp(t[4].copies[1].bureau, "RF") == 0 && !t[4].copies[1].group);
  TB_CHECK_INT(t[4].n_outputs, 1);
  tb_definition_free(def);
  /* No bureau list: the verbs are read, the bureau checks skipped. */
  static const char unknown[] = HEAD ZJ_OPEN
      "<task id='all' name='会签' days='2' sign='all'><signer group='QQ'/>"
      "<signer/><copy bureau='XX' group='YY'/></task>\n" ZJ_CLOSE;
  tb_workflows_problems_free(&ps);
  TB_CHECK(tb_workflows_load_buffer("t.xml", unknown, strlen(unknown), NULL,
                                    &def, &ps) == TB_OK);
  TB_CHECK(def && def->branches[0].tasks[0].n_signers == 2);
  tb_definition_free(def);
}

/* Each check of the verbs: its own problem on its own line. */
static void test_verbs_checks(void) {
  /* a group the branch's bureau does not declare: nobody can fill it */
  EXPECT(HEAD ZJ_OPEN "<task id='t' name='审查' days='1'>\n"
                      "<signer group='FYK'/></task>\n" ZJ_CLOSE,
         4,
         "task 't': a signer names group 'FYK', which bureau 'ZJ' does not "
         "declare: no account can ever fill it");
  EXPECT(HEAD "<review><branch id='a' name='审查' bureau='GA'>"
              "<task id='t' name='审查' days='1'><signer group='KZ'/>"
              "</task>\n" ZJ_CLOSE,
         3, "group 'KZ', which bureau 'GA' does not declare");
  EXPECT(HEAD ZJ_OPEN "<task id='t' name='审查' days='1'>\n"
                      "<signer group='KZ' officer='zhang'/></task>\n" ZJ_CLOSE,
         4, "a signer is a group or an officer, not both");
  EXPECT(HEAD ZJ_OPEN "<task id='t' name='审查' days='1' sign='all'>\n"
                      "<signer group='KZ'/>\n<signer group='KZ'/>\n"
                      "</task>\n" ZJ_CLOSE,
         5, "task 't': group 'KZ' is a signer twice (first on line 4)");
  EXPECT(HEAD ZJ_OPEN
         "<task id='t' name='审查' days='1' sign='any'>\n"
         "<signer/><signer officer='a'/>\n<signer/></task>\n" ZJ_CLOSE,
         5, "the bureau's pool is a signer twice");
  EXPECT(HEAD ZJ_OPEN
         "<task id='t' name='审查' days='1' sign='vote' pass='2'>"
         "<signer officer='a'/>\n<signer officer='a'/></task>\n" ZJ_CLOSE,
         4, "officer 'a' is a signer twice (first on line 3)");
  /* signer counts against the rule */
  static const char *const rules[] = {"all", "any", "sequence", "vote"};
  for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
    char xml[1024], what[96];
    snprintf(xml, sizeof xml,
             HEAD ZJ_OPEN "<task id='t' name='审查' days='1' sign='%s'>"
                          "<signer group='KZ'/></task>\n" ZJ_CLOSE,
             rules[i]);
    snprintf(what, sizeof what, "sign '%s' needs at least 2 signers; it has 1",
             rules[i]);
    EXPECT(xml, 3, what);
  }
  EXPECT(HEAD ZJ_OPEN
         "<task id='t' name='审查' days='1' sign='all'/>\n" ZJ_CLOSE,
         3, "sign 'all' needs at least 2 signers; it has 0");
  EXPECT(HEAD ZJ_OPEN "<task id='t' name='审查' days='1'>" TWO_SIGNERS
                      "</task>\n" ZJ_CLOSE,
         3, "task 't': 2 signers, but sign is 'one' (one decision)");
  EXPECT(HEAD ZJ_OPEN
         "<task id='t' name='审查' days='1' sign='one'>" TWO_SIGNERS
         "<signer/></task>\n" ZJ_CLOSE,
         3, "3 signers, but sign is 'one'");
  /* pass */
  EXPECT(HEAD ZJ_OPEN "<task id='t' name='审查' days='1' sign='vote' "
                      "pass='3'>" TWO_SIGNERS "</task>\n" ZJ_CLOSE,
         3, "a vote (票签) of 2 signers needs pass from 1 to 2; it is '3'");
  EXPECT(HEAD ZJ_OPEN
         "<task id='t' name='审查' days='1' sign='vote'>" TWO_SIGNERS
         "</task>\n" ZJ_CLOSE,
         3, "needs pass from 1 to 2; it is missing");
  EXPECT(HEAD ZJ_OPEN "<task id='t' name='审查' days='1' sign='all' "
                      "pass='1'>" TWO_SIGNERS "</task>\n" ZJ_CLOSE,
         3, "pass applies only to sign 'vote' (票签)");
  EXPECT(HEAD ZJ_OPEN "<task id='t' name='审查' days='1' sign='vote' "
                      "pass='0'>" TWO_SIGNERS "</task>\n" ZJ_CLOSE,
         3, "attribute 'pass'");
  /* on-deny */
  EXPECT(HEAD ZJ_OPEN "<task id='t' name='审查' days='1' sign='any' "
                      "on-deny='at-once'>" TWO_SIGNERS "</task>\n" ZJ_CLOSE,
         3,
         "on-deny applies only to sign 'all' (会签) and 'sequence' (依次), "
         "not 'any'");
  EXPECT(HEAD ZJ_OPEN "<task id='t' name='审查' days='1' on-deny='after-all'>"
                      "</task>\n" ZJ_CLOSE,
         3, "not 'one'");
  EXPECT(HEAD ZJ_OPEN "<task id='t' name='审查' days='1' sign='sequence' "
                      "on-deny='after-all'>" TWO_SIGNERS "</task>\n" ZJ_CLOSE,
         3, "in a sequence (依次) a deny ends the step at once");
  /* back-to */
  EXPECT(HEAD ZJ_OPEN TASK "\n<task id='u' name='决定' days='1' "
                           "back-to='t nowhere'/>\n" ZJ_CLOSE,
         4, "task 'u': back-to names unknown step 'nowhere'");
  EXPECT(HEAD ZJ_OPEN TASK
         "\n<task id='u' name='决定' days='1' back-to='u'/>\n" ZJ_CLOSE,
         4, "back-to names step 'u', which is this step itself");
  EXPECT(HEAD ZJ_OPEN "<task id='t' name='审查' days='1' back-to='u'/>\n"
                      "<task id='u' name='决定' days='1'/>\n" ZJ_CLOSE,
         3, "back-to names step 'u', which is a later step");
  EXPECT(HEAD ZJ_OPEN
         "<task id='t' name='审查' days='1' back-to='T'/>\n" ZJ_CLOSE,
         3, "attribute 'back-to'");
  /* remove-by */
  EXPECT(HEAD ZJ_OPEN "<task id='t' name='审查' days='1' sign='all' "
                      "remove-by='FZ'>" TWO_SIGNERS "</task>\n" ZJ_CLOSE,
         3, "remove-by names group 'FZ', which bureau 'ZJ' does not declare");
  /* copies */
  EXPECT(HEAD ZJ_OPEN "<task id='t' name='审查' days='1'>\n"
                      "<copy bureau='XX'/></task>\n" ZJ_CLOSE,
         4, "task 't': copy to unknown bureau 'XX'");
  EXPECT(HEAD ZJ_OPEN "<task id='t' name='审查' days='1'>\n"
                      "<copy bureau='RF' group='KZ'/></task>\n" ZJ_CLOSE,
         4, "a copy names group 'KZ', which bureau 'RF' does not declare");
  EXPECT(HEAD ZJ_OPEN
         "<task id='t' name='审查' days='1'>\n"
         "<copy bureau='RF'/>\n<copy bureau='RF'/></task>\n" ZJ_CLOSE,
         5, "the same copy to bureau 'RF' is declared twice (first on line 4)");
  /* the engine's limits, and elements in the wrong order */
  EXPECT(HEAD ZJ_OPEN "<task id='t' name='审查' days='1' sign='any'>"
                      "<signer/><signer/><signer/><signer/><signer/>"
                      "<signer/><signer/><signer/><signer/></task>\n" ZJ_CLOSE,
         3, "9 signers; at most 8 are allowed");
  EXPECT(HEAD ZJ_OPEN "<task id='t' name='审查' days='1'>"
                      "<copy bureau='GA'/><copy bureau='SW'/>"
                      "<copy bureau='RS'/><copy bureau='YB'/>"
                      "<copy bureau='WJ'/><copy bureau='CG'/>"
                      "<copy bureau='RF'/><copy bureau='ZJ'/>"
                      "<copy bureau='GJJ'/></task>\n" ZJ_CLOSE,
         3, "9 copies; at most 8 are allowed");
  EXPECT(HEAD ZJ_OPEN "<task id='t' name='审查' days='1'>\n"
                      "<copy bureau='RF'/><signer/></task>\n" ZJ_CLOSE,
         4, "element 'signer'");
  EXPECT(HEAD ZJ_OPEN
         "<task id='t' name='审查' days='1' sign='some'/>\n" ZJ_CLOSE,
         3, "attribute 'sign'");
}

/* bureaus.xml's <group>: read, unique in its bureau, after <issues>. */
static void test_bureau_groups(void) {
  expect_bureaus("<bureaus xmlns='urn:tongban:workflow:1'>\n"
                 "<bureau code='GA' name='公安局' "
                 "credit-code='11330100002489612G'>\n"
                 "<group code='KZ' name='科长'/>\n"
                 "<group code='KZ' name='副科长'/>\n"
                 "</bureau>\n"
                 "</bureaus>\n",
                 4,
                 "bureau 'GA': duplicate group code 'KZ' (first declared on "
                 "line 3)");
  expect_bureaus("<bureaus xmlns='urn:tongban:workflow:1'>\n"
                 "<bureau code='GA' name='公安局' "
                 "credit-code='11330100002489612G'>\n"
                 "<group code='KZ' name='科长'/>\n"
                 "<issues type-code='A1' name='甲证'/>\n"
                 "</bureau>\n"
                 "</bureaus>\n",
                 4, "element 'issues'");
  expect_bureaus("<bureaus xmlns='urn:tongban:workflow:1'>\n"
                 "<bureau code='GA' name='公安局' "
                 "credit-code='11330100002489612G'>\n"
                 "<group code='kz' name='科长'/>\n"
                 "</bureau>\n"
                 "</bureaus>\n",
                 3, "attribute 'code'");
  static const char ok[] = "<bureaus xmlns='urn:tongban:workflow:1'>\n"
                           "<bureau code='GA' name='公安局' "
                           "credit-code='11330100002489612G'>\n"
                           "<group code='KZ' name='科长'/>\n"
                           "<group code='HJ2' name='户籍民警'/>\n"
                           "</bureau>\n"
                           "</bureaus>\n";
  tb_bureau_list *list = NULL;
  tb_workflows_problems_free(&ps);
  TB_CHECK(tb_workflows_load_bureaus_buffer("b.xml", ok, strlen(ok), &list,
                                            &ps) == TB_OK);
  if (list) {
    const tb_bureau *ga = &list->items[0];
    TB_CHECK_INT(ga->n_groups, 2);
    TB_CHECK_STR(tb_bureau_group_find(ga, "HJ2")->name, "户籍民警");
    TB_CHECK_INT(tb_bureau_group_find(ga, "HJ2")->line, 4);
  }
  tb_workflows_free_bureaus(list);
}

/* The worked example of the verbs in workflows/README.md loads clean. */
static void test_readme_verbs_example(void) {
  tb_definition *def = readme_example("\n### A worked example of the verbs");
  if (def) {
    const tb_branch_def *br = &def->branches[0];
    TB_CHECK_INT(br->n_tasks, 3);
    TB_CHECK_INT(br->tasks[1].rule, TB_SIGN_ALL);
    TB_CHECK_INT(br->tasks[1].n_signers, 3);
    TB_CHECK_INT(br->tasks[2].back_to, (1u << 0) | (1u << 1));
    TB_CHECK_INT(br->tasks[1].n_copies, 1);
  }
  tb_definition_free(def);
}

int main(void) {
  tb_workflows_problems bp = {0};
  if (tb_workflows_load_bureaus("workflows/bureaus.xml", &bureaus, &bp) !=
      TB_OK) {
    tb_workflows_problems_print(&bp, stdout);
    printf("# cannot load workflows/bureaus.xml: run from the source folder\n");
  }
  tb_workflows_problems_free(&bp);
  TB_RUN(test_bureaus);
  TB_RUN(test_qykb);
  TB_RUN(test_sgxk);
  TB_RUN(test_spjy);
  TB_RUN(test_cssj);
  TB_RUN(test_readme_example);
  TB_RUN(test_minimal_defaults);
  TB_RUN(test_field_bounds_parsed);
  TB_RUN(test_problem_format);
  TB_RUN(test_every_problem_in_order);
  TB_RUN(test_unknown_bureau);
  TB_RUN(test_duplicate_ids);
  TB_RUN(test_conditions);
  TB_RUN(test_unreachable);
  TB_RUN(test_condition_verdicts);
  TB_RUN(test_after);
  TB_RUN(test_time_limits);
  TB_RUN(test_licenses);
  TB_RUN(test_license_authority);
  TB_RUN(test_materials);
  TB_RUN(test_limits);
  TB_RUN(test_field_checks);
  TB_RUN(test_outputs);
  TB_RUN(test_cssj_outputs);
  TB_RUN(test_schema_and_root);
  TB_RUN(test_bureau_checks);
  TB_RUN(test_reasons_and_rights);
  TB_RUN(test_check_file);
  TB_RUN(test_guide_shipped);
  TB_RUN(test_guide_parsed);
  TB_RUN(test_guide_problems);
  TB_RUN(test_verbs_parsed);
  TB_RUN(test_verbs_checks);
  TB_RUN(test_bureau_groups);
  TB_RUN(test_readme_verbs_example);
  tb_workflows_problems_free(&ps);
  tb_workflows_free_bureaus(bureaus);
  return tb_test_done();
}
