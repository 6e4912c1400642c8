/*
 * tb_wf_rules.c — the supervision rules file (workflows/supervision.xml):
 * <supervision> holding <rule id kind level name threshold?/> elements.
 * The schema checks the shape; this file checks what it leaves open,
 * each problem at the rule's line: an unknown kind, a level other than
 * yellow or red, a threshold missing, malformed, out of bounds or given
 * to a kind that takes none, a duplicate id.
 */
#include "tb_rules.h"
#include "tb_wf_internal.h"

#include <stdlib.h>
#include <string.h>

static const char KINDS[] =
    "step_overdue, finished_late, immediate_not_same_day, "
    "special_too_long, gap_overdue, verification_overdue, short_reason or "
    "urged_repeatedly";

/* A whole decimal number of at most 9 digits; -1 when it is not one. */
static int whole(const char *s) {
  int v = 0;
  size_t n = strlen(s);
  if (n == 0 || n > 9)
    return -1;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

static void read_level(tb_wf_ctx *cx, const char *level, tb_rule *r) {
  if (level && strcmp(level, "yellow") == 0)
    r->level = TB_WARN_YELLOW;
  else if (level && strcmp(level, "red") == 0)
    r->level = TB_WARN_RED;
  else
    tb_wf_problem(cx, r->line, "write level=\"yellow\" or level=\"red\"",
                  "rule '%s': level '%s' is not yellow or red", r->id,
                  level ? level : "");
}

static void read_threshold(tb_wf_ctx *cx, const char *text, tb_rule *r) {
  int lo = 0, hi = 0;
  bool takes = tb_rule_kind_threshold(r->kind, &lo, &hi);
  if (!takes && text) {
    tb_wf_problem(cx, r->line, "remove the threshold",
                  "rule '%s': kind %s takes no threshold", r->id,
                  tb_rule_kind_name(r->kind));
    return;
  }
  if (!takes)
    return;
  int v = text ? whole(text) : -1;
  if (!text)
    tb_wf_problem(cx, r->line, "add threshold=\"N\"",
                  "rule '%s': kind %s needs a threshold from %d to %d", r->id,
                  tb_rule_kind_name(r->kind), lo, hi);
  else if (v < lo || v > hi)
    tb_wf_problem(cx, r->line, "write a whole number within the bounds",
                  "rule '%s': threshold '%s' is not a whole number from %d "
                  "to %d",
                  r->id, text, lo, hi);
  else
    r->threshold = v;
}

static void read_rule(tb_wf_ctx *cx, tb_arena *a, const xmlNode *e,
                      tb_rule *r) {
  r->line = tb_wf_line(e);
  r->id = tb_wf_attr(a, e, "id");
  r->name = tb_wf_attr(a, e, "name");
  if (!r->id)
    r->id = "";
  if (!r->name)
    r->name = "";
  const char *kind = tb_wf_attr(a, e, "kind");
  int k = tb_rule_kind_from_name(kind);
  if (k < 0) {
    tb_wf_problem(cx, r->line, "use one of the kinds README.md lists",
                  "rule '%s': unknown kind '%s' (the kinds: %s)", r->id,
                  kind ? kind : "", KINDS);
    return;
  }
  r->kind = (tb_rule_kind)k;
  read_level(cx, tb_wf_attr(a, e, "level"), r);
  read_threshold(cx, tb_wf_attr(a, e, "threshold"), r);
}

tb_rule_set *tb_wf_build_rules(tb_wf_ctx *cx, const xmlNode *root) {
  size_t before = cx->added, n = tb_wf_count(root, "rule");
  if (n > TB_RULES_MAX) {
    tb_wf_problem(cx, tb_wf_line(root), "keep the rules few",
                  "%zu rules; at most %d are allowed", n, TB_RULES_MAX);
    return NULL;
  }
  tb_arena *a = tb_arena_new();
  tb_rule_set *rs = tb_arena_alloc(a, sizeof *rs);
  rs->arena = a;
  rs->file = tb_arena_strdup(a, cx->file ? cx->file : "(input)");
  rs->items = tb_arena_alloc(a, (n ? n : 1) * sizeof *rs->items);
  for (xmlNode *e = tb_wf_first(root, "rule"); e; e = tb_wf_next(e, "rule")) {
    tb_rule *r = &rs->items[rs->n++];
    read_rule(cx, a, e, r);
    for (size_t j = 0; j + 1 < rs->n; j++)
      if (strcmp(rs->items[j].id, r->id) == 0)
        tb_wf_problem(cx, r->line, "give every rule its own id",
                      "duplicate rule id '%s' (first declared on line %d)",
                      r->id, rs->items[j].line);
  }
  if (cx->added != before) {
    tb_arena_free(a);
    return NULL;
  }
  return rs;
}

tb_status tb_workflows_load_rules(const char *path, tb_rule_set **out,
                                  tb_workflows_problems *ps) {
  tb_wf_ctx cx = {.file = path, .ps = ps};
  size_t len, from = ps->n;
  *out = NULL;
  char *data = tb_wf_read_file(&cx, path, &len);
  xmlDocPtr doc = data ? tb_wf_xml_read(&cx, data, len) : NULL;
  free(data);
  if (doc) {
    xmlNode *root = xmlDocGetRootElement(doc);
    if (tb_wf_is(root, "supervision"))
      *out = tb_wf_build_rules(&cx, root);
    else
      tb_wf_problem(&cx, tb_wf_line(root), "name the supervision rules file",
                    "the root element is not <supervision>");
    xmlFreeDoc(doc);
  }
  tb_wf_sort_problems(ps, from);
  return *out ? TB_OK : TB_ERR_INVALID;
}
