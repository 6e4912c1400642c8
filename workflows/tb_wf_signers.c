/*
 * tb_wf_signers.c — the verbs of a step in the XML (workflows/README.md,
 * "Signers and the verbs of a step"): who decides a <task> (<signer>),
 * how several decisions complete it (sign, pass, on-deny), the earlier
 * steps it may be sent back to (back-to, 退回), who may remove a declared
 * signer (remove-by, 减签) and whom it is copied to (<copy>, 抄送); with
 * the checks that need the whole branch and the bureau list: groups
 * nobody can ever fill, signer counts that do not fit the rule, steps
 * that are not earlier ones.
 */
#include "tb_wf_internal.h"

#include <stdio.h>
#include <string.h>

enum { LIST_MAX = 200, PASS_MAX = 1000000 };

static const char *const sign_names[] = {"one",      "all",  "any",
                                         "sequence", "vote", NULL};
static const char *const on_deny_names[] = {"at-once", "after-all", NULL};

/* One task being read: where problems go and what the checks need. */
typedef struct {
  tb_wf_ctx *cx;
  tb_arena *a;
  const tb_bureau_list *bureaus; /* NULL: no bureau checks */
  const tb_bureau *bureau;       /* the branch's; NULL when unknown */
  const tb_branch_def *br;
  tb_task_def *task;
  size_t index; /* the task's position in the branch */
} verbs;

/* The groups of bureau b as "KZ, STY" ("" when it has none). */
static void group_list(const tb_bureau *b, char *out, size_t size) {
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < b->n_groups && used + 1 < size; i++) {
    int w = snprintf(out + used, size - used, "%s%s", used ? ", " : "",
                     b->groups[i].code);
    if (w < 0 || (size_t)w >= size - used)
      break;
    used += (size_t)w;
  }
}

/* A group named by a step must be declared for bureau b: otherwise no
 * account can ever be in it and the task would wait forever. */
static void check_group(verbs *v, const tb_bureau *b, const char *code,
                        int line, const char *what) {
  if (!v->bureaus || !b || tb_bureau_group_find(b, code))
    return;
  char groups[LIST_MAX], todo[LIST_MAX + 160];
  group_list(b, groups, sizeof groups);
  snprintf(todo, sizeof todo,
           "declare it with <group code=\"%s\"> under bureau '%s' in "
           "bureaus.xml%s%s%s",
           code, b->code, groups[0] ? ", or use one of its groups (" : "",
           groups, groups[0] ? ")" : " (it declares no group yet)");
  tb_wf_problem(v->cx, line, todo,
                "task '%s': %s names group '%s', which bureau '%s' does not "
                "declare: no account can ever fill it",
                v->task->id, what, code, b->code);
}

/* ------------------------------------------------------------------------
 * <signer>
 * ---------------------------------------------------------------------- */

static bool same_signer(const tb_signer_def *x, const tb_signer_def *y) {
  if (x->kind != y->kind)
    return false;
  return x->kind == TB_SIGNER_POOL || strcmp(x->name, y->name) == 0;
}

static const char *signer_text(const tb_signer_def *s, char *buf, size_t size) {
  if (s->kind == TB_SIGNER_GROUP)
    snprintf(buf, size, "group '%s'", s->name);
  else if (s->kind == TB_SIGNER_OFFICER)
    snprintf(buf, size, "officer '%s'", s->name);
  else
    snprintf(buf, size, "the bureau's pool");
  return buf;
}

static void read_signer(verbs *v, const xmlNode *e, tb_signer_def *s) {
  const char *group = tb_wf_attr(v->a, e, "group");
  const char *officer = tb_wf_attr(v->a, e, "officer");
  s->line = tb_wf_line(e);
  s->kind = group     ? TB_SIGNER_GROUP
            : officer ? TB_SIGNER_OFFICER
                      : TB_SIGNER_POOL;
  s->name = group ? group : officer;
  if (group && officer)
    tb_wf_problem(v->cx, s->line,
                  "write two signers, or keep only group or officer",
                  "task '%s': a signer is a group or an officer, not both "
                  "(group '%s', officer '%s')",
                  v->task->id, group, officer);
  if (group)
    check_group(v, v->bureau, group, s->line, "a signer");
}

static void read_signers(verbs *v, const xmlNode *t) {
  size_t n = tb_wf_limited(v->cx, t, "signer", TB_MAX_SIGNERS, "signers",
                           "split the step, or let a group sign for its "
                           "members");
  tb_signer_def *items = tb_arena_alloc(v->a, (n ? n : 1) * sizeof *items);
  size_t k = 0;
  for (xmlNode *e = tb_wf_first(t, "signer"); e && k < n;
       e = tb_wf_next(e, "signer"), k++) {
    read_signer(v, e, &items[k]);
    for (size_t j = 0; j < k; j++)
      if (same_signer(&items[j], &items[k])) {
        char who[120];
        tb_wf_problem(v->cx, items[k].line, "name each signer once",
                      "task '%s': %s is a signer twice (first on line %d)",
                      v->task->id, signer_text(&items[k], who, sizeof who),
                      items[j].line);
        break;
      }
  }
  v->task->signers = items;
  v->task->n_signers = k;
}

/* ------------------------------------------------------------------------
 * <copy> (抄送)
 * ---------------------------------------------------------------------- */

static void read_copy(verbs *v, const xmlNode *e, tb_copy_def *c) {
  const char *bureau = tb_wf_attr(v->a, e, "bureau");
  c->bureau = bureau ? bureau : "";
  c->group = tb_wf_attr(v->a, e, "group");
  c->line = tb_wf_line(e);
  if (!v->bureaus)
    return;
  const tb_bureau *b = tb_bureaus_find(v->bureaus, c->bureau);
  if (!b) {
    tb_wf_problem(v->cx, c->line, "use a bureau code declared in bureaus.xml",
                  "task '%s': copy to unknown bureau '%s'", v->task->id,
                  c->bureau);
    return;
  }
  if (c->group)
    check_group(v, b, c->group, c->line, "a copy");
}

static bool same_copy(const tb_copy_def *x, const tb_copy_def *y) {
  if (strcmp(x->bureau, y->bureau) != 0)
    return false;
  if (!x->group || !y->group)
    return x->group == y->group;
  return strcmp(x->group, y->group) == 0;
}

static void read_copies(verbs *v, const xmlNode *t) {
  size_t n = tb_wf_limited(v->cx, t, "copy", TB_MAX_COPIES, "copies",
                           "copy the bureau instead of its groups");
  tb_copy_def *items = tb_arena_alloc(v->a, (n ? n : 1) * sizeof *items);
  size_t k = 0;
  for (xmlNode *e = tb_wf_first(t, "copy"); e && k < n;
       e = tb_wf_next(e, "copy"), k++) {
    read_copy(v, e, &items[k]);
    for (size_t j = 0; j < k; j++)
      if (same_copy(&items[j], &items[k])) {
        tb_wf_problem(v->cx, items[k].line, "copy each once",
                      "task '%s': the same copy to bureau '%s'%s%s is "
                      "declared twice (first on line %d)",
                      v->task->id, items[k].bureau,
                      items[k].group ? " group " : "",
                      items[k].group ? items[k].group : "", items[j].line);
        break;
      }
  }
  v->task->copies = items;
  v->task->n_copies = k;
}

/* ------------------------------------------------------------------------
 * sign, pass, on-deny: the rule and the signers must fit each other
 * ---------------------------------------------------------------------- */

static void check_count(verbs *v) {
  const tb_task_def *t = v->task;
  if (t->rule == TB_SIGN_ONE && t->n_signers > 1)
    tb_wf_problem(v->cx, t->line,
                  "say how they decide with sign=\"all\" (会签), \"any\" "
                  "(或签), \"sequence\" (依次) or \"vote\" (票签)",
                  "task '%s': %zu signers, but sign is 'one' (one decision)",
                  t->id, t->n_signers);
  if (t->rule != TB_SIGN_ONE && t->n_signers < 2)
    tb_wf_problem(v->cx, t->line,
                  "declare at least two <signer> elements, or drop sign",
                  "task '%s': sign '%s' needs at least 2 signers; it has %zu",
                  t->id, sign_names[t->rule], t->n_signers);
}

static void read_pass(verbs *v, const xmlNode *e) {
  tb_task_def *t = v->task;
  const char *s = tb_wf_attr(v->a, e, "pass");
  if (s && t->rule != TB_SIGN_VOTE) {
    tb_wf_problem(v->cx, t->line, "remove it, or write sign=\"vote\"",
                  "task '%s': pass applies only to sign 'vote' (票签)", t->id);
    return;
  }
  if (t->rule != TB_SIGN_VOTE || t->n_signers < 2)
    return;
  unsigned long pass = 0;
  if (!s || !tb_wf_parse_uint(s, PASS_MAX, &pass) || pass < 1 ||
      pass > t->n_signers) {
    char todo[80];
    snprintf(todo, sizeof todo, "write pass=\"N\" with N from 1 to %zu",
             t->n_signers);
    tb_wf_problem(v->cx, t->line, todo,
                  "task '%s': a vote (票签) of %zu signers needs pass from 1 "
                  "to %zu; it is %s%.20s%s",
                  t->id, t->n_signers, t->n_signers, s ? "'" : "",
                  s ? s : "missing", s ? (strlen(s) > 20 ? "…'" : "'") : "");
    return;
  }
  t->pass = (uint8_t)pass;
}

static void read_on_deny(verbs *v, const xmlNode *e) {
  tb_task_def *t = v->task;
  if (!tb_wf_attr(v->a, e, "on-deny"))
    return;
  int d = tb_wf_enum_attr(v->cx, v->a, e, "on-deny", on_deny_names, 0);
  t->on_deny = (uint8_t)d;
  if (t->rule != TB_SIGN_ALL && t->rule != TB_SIGN_SEQUENCE)
    tb_wf_problem(v->cx, t->line, "remove it",
                  "task '%s': on-deny applies only to sign 'all' (会签) and "
                  "'sequence' (依次), not '%s'",
                  t->id, sign_names[t->rule]);
  else if (t->rule == TB_SIGN_SEQUENCE && d == TB_DENY_AFTER_ALL)
    tb_wf_problem(v->cx, t->line, "write on-deny=\"at-once\", or sign=\"all\"",
                  "task '%s': in a sequence (依次) a deny ends the step at "
                  "once; after-all is for sign 'all' (会签)",
                  t->id);
}

/* ------------------------------------------------------------------------
 * back-to (退回) and remove-by (减签)
 * ---------------------------------------------------------------------- */

/* The index of step `id` (length len) in the branch, or -1. */
static int step_index(const tb_branch_def *br, const char *id, size_t len) {
  for (size_t i = 0; i < br->n_tasks; i++)
    if (strlen(br->tasks[i].id) == len &&
        strncmp(br->tasks[i].id, id, len) == 0)
      return (int)i;
  return -1;
}

static void back_to_one(verbs *v, const char *id, size_t len) {
  tb_task_def *t = v->task;
  int i = step_index(v->br, id, len);
  if (i < 0)
    tb_wf_problem(v->cx, t->line, "name an earlier step of the same branch",
                  "task '%s': back-to names unknown step '%.*s'", t->id,
                  (int)(len > 64 ? 64 : len), id);
  else if ((size_t)i >= v->index)
    tb_wf_problem(v->cx, t->line, "name a step that comes before this one",
                  "task '%s': back-to names step '%s', which is %s; a step "
                  "is sent back only to an earlier one",
                  t->id, v->br->tasks[i].id,
                  (size_t)i == v->index ? "this step itself" : "a later step");
  else
    t->back_to |= UINT32_C(1) << i;
}

static void read_back_to(verbs *v, const xmlNode *e) {
  const char *s = tb_wf_attr(v->a, e, "back-to");
  while (s && *s) {
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
      s++;
    size_t len = strcspn(s, " \t\r\n");
    if (len)
      back_to_one(v, s, len);
    s += len;
  }
}

static void read_remove_by(verbs *v, const xmlNode *e) {
  const char *g = tb_wf_attr(v->a, e, "remove-by");
  v->task->remove_group = g;
  if (g)
    check_group(v, v->bureau, g, v->task->line, "remove-by");
}

void tb_wf_read_task_verbs(tb_wf_ctx *cx, tb_arena *a,
                           const tb_bureau_list *bureaus, tb_branch_def *br,
                           const xmlNode *e) {
  verbs v = {.cx = cx, .a = a, .bureaus = bureaus, .br = br};
  v.bureau = bureaus ? tb_bureaus_find(bureaus, br->bureau) : NULL;
  tb_task_def *tasks = (tb_task_def *)br->tasks;
  size_t k = 0;
  for (xmlNode *t = tb_wf_first(e, "task"); t && k < br->n_tasks;
       t = tb_wf_next(t, "task"), k++) {
    v.task = &tasks[k];
    v.index = k;
    v.task->rule =
        (uint8_t)tb_wf_enum_attr(cx, a, t, "sign", sign_names, TB_SIGN_ONE);
    read_signers(&v, t);
    read_copies(&v, t);
    check_count(&v);
    read_pass(&v, t);
    read_on_deny(&v, t);
    read_back_to(&v, t);
    read_remove_by(&v, t);
  }
}
