/*
 * tb_wf_check.c — the checks across a whole definition that a schema
 * cannot make: branch conditions (compiled and type-checked by
 * tb_cond_parse; tb_cond_analyze finds those that can never hold or always
 * hold), the `after` graph (unknown names, cycles, branches stuck behind a
 * cycle, waits for a branch that never applies) and the longest chain of
 * task limits against the promised limit.
 */
#include "tb_wf_internal.h"

#include <stdio.h>
#include <string.h>

enum { SHOW_MAX = 80, REASON_MAX = 240 };

/* At most SHOW_MAX bytes of s, cut on a UTF-8 boundary, with "…" when cut. */
static void shorten(const char *s, char *out, size_t size) {
  size_t len = strlen(s);
  if (len <= SHOW_MAX) {
    snprintf(out, size, "%s", s);
    return;
  }
  size_t cut = tb_utf8_cut(s, len, SHOW_MAX);
  snprintf(out, size, "%.*s\u2026", (int)cut, s);
}

/* ------------------------------------------------------------------------
 * Conditions
 * ---------------------------------------------------------------------- */

/* Refuse a parsed branch condition that can never hold (the branch is
 * unreachable) or always holds (the condition is dead weight, and most
 * likely not what the author meant). Returns whether the branch may ever
 * apply. */
static bool check_verdict(tb_wf_ctx *cx, const tb_definition *def,
                          const tb_branch_def *br, const char *shown) {
  char why[REASON_MAX];
  switch (tb_cond_analyze(br->when, def, why, sizeof why)) {
  case TB_COND_NEVER:
    tb_wf_problem(cx, br->line,
                  "fix the condition or the bounds of the fields it reads",
                  "branch '%s' is unreachable: its condition \"%s\" can never "
                  "hold: %s",
                  br->id, shown, why);
    return false;
  case TB_COND_ALWAYS:
    tb_wf_problem(cx, br->line,
                  "fix the condition, or remove when= if the branch is meant "
                  "to apply to every application",
                  "branch '%s': its condition \"%s\" always holds: %s", br->id,
                  shown, why);
    return true;
  case TB_COND_SOMETIMES:
    break;
  }
  return true;
}

/* Returns whether the branch may ever apply. */
static bool check_condition(tb_wf_ctx *cx, tb_definition *def,
                            tb_branch_def *br) {
  char shown[SHOW_MAX + 8];
  tb_problem p = {0};
  const tb_cond *cond = NULL;
  if (!br->when_text)
    return true;
  shorten(br->when_text, shown, sizeof shown);
  if (tb_cond_parse(def->arena, def, br->when_text, strlen(br->when_text),
                    &cond, &p) != TB_OK) {
    tb_wf_problem(cx, br->line,
                  "fix the condition (the language is in workflows/README.md)",
                  "branch '%s': condition \"%s\": %s", br->id, shown, p.detail);
    return true; /* unknown: do not pile consequences on it */
  }
  br->when = cond;
  return check_verdict(cx, def, br, shown);
}

/* ------------------------------------------------------------------------
 * The `after` graph: bit j of after[i] means branch i waits for branch j.
 * ---------------------------------------------------------------------- */

static void read_after(tb_wf_ctx *cx, tb_definition *def, tb_branch_def *br,
                       const char *ids) {
  const char *s = ids;
  while (s && *s) {
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
      s++;
    size_t len = strcspn(s, " \t\n\r");
    if (len == 0)
      break;
    int j = tb_definition_branch(def, s, len);
    if (j < 0)
      tb_wf_problem(cx, br->line, "name a branch declared in <review>",
                    "branch '%s' comes after unknown branch '%.*s'", br->id,
                    (int)(len > 40 ? 40 : len), s);
    else
      br->after |= (uint16_t)(1u << j);
    s += len;
  }
}

typedef struct {
  tb_wf_ctx *cx;
  const tb_definition *def;
  uint8_t color[TB_MAX_BRANCHES]; /* 0 new, 1 on the stack, 2 done */
  int stack[TB_MAX_BRANCHES];
  int depth;
  uint16_t in_cycle;
} graph;

static void report_cycle(graph *g, int from) {
  /* The stack from `from` to its top, back to `from`. */
  char path[400];
  size_t used = 0;
  int start = 0;
  while (g->stack[start] != from)
    start++;
  for (int k = start; k <= g->depth; k++) {
    int i = k < g->depth ? g->stack[k] : from;
    g->in_cycle |= (uint16_t)(1u << i);
    int n = snprintf(path + used, sizeof path - used, "%s%s",
                     k > start ? " \u2192 " : "", g->def->branches[i].id);
    if (n < 0 || (size_t)n >= sizeof path - used)
      break;
    used += (size_t)n;
  }
  tb_wf_problem(g->cx, g->def->branches[from].line,
                "remove one of these after dependencies",
                "the review can never complete: branches %s wait for each "
                "other",
                path);
}

static void visit(graph *g, int i) {
  g->color[i] = 1;
  g->stack[g->depth++] = i;
  uint16_t after = g->def->branches[i].after;
  for (int j = 0; j < (int)g->def->n_branches; j++) {
    if (!(after & (1u << j)))
      continue;
    if (g->color[j] == 1)
      report_cycle(g, j);
    else if (g->color[j] == 0)
      visit(g, j);
  }
  g->depth--;
  g->color[i] = 2;
}

/* A branch stuck in a cycle never starts, nor does any branch after it. */
static uint16_t check_stuck(tb_wf_ctx *cx, const tb_definition *def,
                            uint16_t stuck) {
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t i = 0; i < def->n_branches; i++) {
      const tb_branch_def *br = &def->branches[i];
      if (stuck & (1u << i))
        continue;
      for (size_t j = 0; j < def->n_branches; j++) {
        if (!(br->after & (1u << j)) || !(stuck & (1u << j)))
          continue;
        tb_wf_problem(cx, br->line, "remove it from the after list",
                      "branch '%s' can never start: it comes after branch "
                      "'%s', which can never start",
                      br->id, def->branches[j].id);
        stuck |= (uint16_t)(1u << i);
        changed = true;
        break;
      }
    }
  }
  return stuck;
}

/* A branch that never applies counts as done for those after it (the
 * engine starts them as if it had approved): waiting for it is a mistake
 * in the definition. */
static void check_after_unreachable(tb_wf_ctx *cx, const tb_definition *def,
                                    uint16_t unreachable, uint16_t stuck) {
  for (size_t i = 0; i < def->n_branches; i++) {
    const tb_branch_def *br = &def->branches[i];
    if (stuck & (1u << i))
      continue;
    for (size_t j = 0; j < def->n_branches; j++)
      if ((br->after & (1u << j)) && (unreachable & (1u << j)))
        tb_wf_problem(cx, br->line,
                      "remove it from the after list, or make it reachable",
                      "branch '%s' comes after branch '%s', which never "
                      "applies: the wait has no effect",
                      br->id, def->branches[j].id);
  }
}

/* ------------------------------------------------------------------------
 * The longest chain of task limits (the graph has no cycle)
 * ---------------------------------------------------------------------- */

static unsigned branch_days(const tb_branch_def *br) {
  unsigned days = 0;
  for (size_t t = 0; t < br->n_tasks; t++)
    days += br->tasks[t].days;
  return days;
}

static void check_paths(tb_wf_ctx *cx, const tb_definition *def) {
  unsigned total[TB_MAX_BRANCHES] = {0};
  int prev[TB_MAX_BRANCHES];
  bool done[TB_MAX_BRANCHES] = {false};
  size_t n = def->n_branches, finished = 0;
  /* Repeatedly settle every branch whose predecessors are settled. */
  while (finished < n) {
    size_t progress = finished;
    for (size_t i = 0; i < n; i++) {
      if (done[i])
        continue;
      bool ready = true;
      unsigned longest = 0;
      prev[i] = -1;
      for (size_t j = 0; j < n && ready; j++) {
        if (!(def->branches[i].after & (1u << j)))
          continue;
        ready = done[j];
        if (ready && total[j] > longest) {
          longest = total[j];
          prev[i] = (int)j;
        }
      }
      if (!ready)
        continue;
      total[i] = longest + branch_days(&def->branches[i]);
      done[i] = true;
      finished++;
    }
    if (finished == progress)
      return; /* a cycle, reported already */
  }
  size_t worst = 0;
  for (size_t i = 1; i < n; i++)
    if (total[i] > total[worst])
      worst = i;
  if (n == 0 || total[worst] <= def->promised_days)
    return;
  char path[400] = "";
  int chain[TB_MAX_BRANCHES], len = 0;
  for (int i = (int)worst; i >= 0 && len < TB_MAX_BRANCHES; i = prev[i])
    chain[len++] = i;
  size_t used = 0;
  for (int k = len - 1; k >= 0; k--) {
    int w = snprintf(path + used, sizeof path - used, "%s%s",
                     k < len - 1 ? " \u2192 " : "", def->branches[chain[k]].id);
    if (w < 0 || (size_t)w >= sizeof path - used)
      break;
    used += (size_t)w;
  }
  tb_wf_problem(cx, def->branches[worst].line,
                "shorten the tasks' days or raise promised-days",
                "the tasks of %s %s take %u working days, more than the "
                "promised %u",
                len > 1 ? "branches" : "branch", path, total[worst],
                def->promised_days);
}

void tb_wf_check_definition(tb_wf_ctx *cx, tb_definition *def,
                            const char *const *after_ids) {
  /* The branches live in def's arena: this is where they get completed. */
  tb_branch_def *branches = (tb_branch_def *)def->branches;
  uint16_t unreachable = 0;
  for (size_t i = 0; i < def->n_branches; i++)
    if (!check_condition(cx, def, &branches[i]))
      unreachable |= (uint16_t)(1u << i);
  for (size_t i = 0; i < def->n_branches && after_ids; i++)
    read_after(cx, def, &branches[i], after_ids[i]);
  graph g = {.cx = cx, .def = def};
  for (size_t i = 0; i < def->n_branches; i++)
    if (g.color[i] == 0)
      visit(&g, (int)i);
  uint16_t stuck = check_stuck(cx, def, g.in_cycle);
  check_after_unreachable(cx, def, unreachable, stuck);
  if (!g.in_cycle)
    check_paths(cx, def);
}
