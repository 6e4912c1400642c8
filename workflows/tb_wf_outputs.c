/*
 * tb_wf_outputs.c — the checks of branch outputs (data items a task's
 * approval records, <output> in a <task>) and of the licenses that take
 * their holder from one: output ids are unique among the form's fields and
 * every output; a license's holder (holder=, an id-number) and its name
 * (holder-name=, text) name a required form field or a required output;
 * and an output a license uses (its holder, or a data item: <item
 * output="…"/>) is produced by a branch that always runs
 * before the license is issued: the license is tied to the producing
 * branch or to a branch that comes after it (through after=, which starts
 * only once the producer approved), or, issued on the application's
 * approval, the producer has no condition and its denial denies the
 * application.
 */
#include "tb_wf_internal.h"

#include <string.h>

/* Bit j of the result: branch i comes, through after=, after branch j
 * (transitively). */
static uint16_t ancestors(const tb_definition *def, size_t i) {
  uint16_t seen = def->branches[i].after, prev = 0;
  while (seen != prev) {
    prev = seen;
    for (size_t j = 0; j < def->n_branches && j < TB_MAX_BRANCHES; j++)
      if (seen & (1u << j))
        seen |= def->branches[j].after;
  }
  return seen;
}

static void check_unique(tb_wf_ctx *cx, const tb_definition *def,
                         const tb_field *o) {
  int b = -1, t = -1;
  if (tb_definition_field(def, o->id, strlen(o->id)) >= 0)
    tb_wf_problem(cx, o->line, "give the output its own id",
                  "output '%s' has the id of a form field", o->id);
  else if (tb_definition_output(def, o->id, &b, &t) != o)
    tb_wf_problem(cx, o->line, "give the output its own id",
                  "output '%s' is declared twice (first in branch '%s')", o->id,
                  def->branches[b].id);
}

/* Whether the producer branch p has approved whenever license l is
 * issued. */
static bool produced_before(const tb_definition *def, const tb_license_def *l,
                            int p) {
  const tb_branch_def *pb = &def->branches[p];
  if (l->branch < 0)
    return !pb->when_text && !pb->deny_continues;
  return l->branch == p || (ancestors(def, (size_t)l->branch) & (1u << p));
}

/* One of a license's holder attributes: a required field or output of
 * the given type, produced in time. */
static void check_holder_ref(tb_wf_ctx *cx, const tb_definition *def,
                             const tb_license_def *l, const char *attr,
                             const char *id, tb_field_type type) {
  int b = -1;
  int f = tb_definition_field(def, id, strlen(id));
  const tb_field *fd =
      f >= 0 ? &def->fields[f] : tb_definition_output(def, id, &b, NULL);
  if (!fd) {
    tb_wf_problem(cx, l->line, "name a form field or a task's <output>",
                  "license '%s': %s '%s' is neither a field nor an output",
                  l->name, attr, id);
    return;
  }
  if (fd->type != type || !fd->required) {
    tb_wf_problem(cx, l->line, "name a required field of that type",
                  "license '%s': %s '%s' must be a required %s", l->name, attr,
                  id, tb_field_type_name(type));
    return;
  }
  if (b >= 0 && !produced_before(def, l, b))
    tb_wf_problem(cx, l->line,
                  "tie the license to that branch (branch=) or to a branch "
                  "after it, or make the branch unconditional",
                  "license '%s': %s '%s' is recorded by branch '%s', which "
                  "does not always approve before the license is issued",
                  l->name, attr, id, def->branches[b].id);
}

/* An output a license carries as a data item: recorded by a branch that
 * always approves before the license is issued (an optional output that
 * was left empty is simply not carried). */
static void check_output_item(tb_wf_ctx *cx, const tb_definition *def,
                              const tb_license_def *l, const char *id) {
  int b = -1;
  if (tb_definition_output(def, id, &b, NULL) && !produced_before(def, l, b))
    tb_wf_problem(cx, l->line,
                  "tie the license to that branch (branch=) or to a branch "
                  "after it, or make the branch unconditional",
                  "license '%s': item '%s' is recorded by branch '%s', which "
                  "does not always approve before the license is issued",
                  l->name, id, def->branches[b].id);
}

void tb_wf_check_outputs(tb_wf_ctx *cx, const tb_definition *def) {
  for (size_t b = 0; b < def->n_branches; b++)
    for (size_t t = 0; t < def->branches[b].n_tasks; t++) {
      const tb_task_def *td = &def->branches[b].tasks[t];
      for (size_t o = 0; o < td->n_outputs; o++)
        check_unique(cx, def, &td->outputs[o]);
    }
  for (size_t i = 0; i < def->n_licenses; i++) {
    const tb_license_def *l = &def->licenses[i];
    for (size_t k = 0; k < l->n_output_items; k++)
      check_output_item(cx, def, l, l->output_items[k]);
    if (!l->holder || !l->holder_name)
      continue;
    check_holder_ref(cx, def, l, "holder", l->holder, TB_FIELD_ID_NUMBER);
    check_holder_ref(cx, def, l, "holder-name", l->holder_name, TB_FIELD_TEXT);
  }
}
