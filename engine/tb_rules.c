/*
 * tb_rules.c — the names of supervision rule kinds, their thresholds and
 * look-ups in a rule set. Declared in tb_rules.h.
 */
#include "tb_rules.h"

#include <string.h>

static const char *const kind_names[TB_RULE_KIND_COUNT] = {
    [TB_RULE_STEP_OVERDUE] = "step_overdue",
    [TB_RULE_FINISHED_LATE] = "finished_late",
    [TB_RULE_IMMEDIATE_NOT_SAME_DAY] = "immediate_not_same_day",
    [TB_RULE_SPECIAL_TOO_LONG] = "special_too_long",
    [TB_RULE_GAP_OVERDUE] = "gap_overdue",
    [TB_RULE_VERIFICATION_OVERDUE] = "verification_overdue",
    [TB_RULE_SHORT_REASON] = "short_reason",
    [TB_RULE_URGED_REPEATEDLY] = "urged_repeatedly",
};

const char *tb_rule_kind_name(tb_rule_kind k) {
  return (unsigned)k < TB_RULE_KIND_COUNT ? kind_names[k] : NULL;
}

int tb_rule_kind_from_name(const char *name) {
  for (int k = 0; name && k < TB_RULE_KIND_COUNT; k++)
    if (strcmp(kind_names[k], name) == 0)
      return k;
  return -1;
}

bool tb_rule_kind_threshold(tb_rule_kind k, int *min, int *max) {
  switch (k) {
  case TB_RULE_URGED_REPEATEDLY: /* urges of one task; one is no repetition */
    *min = 2;
    *max = 100;
    return true;
  case TB_RULE_SHORT_REASON: /* characters; a definition's min-reason wins */
    *min = 1;
    *max = 500;
    return true;
  default:
    return false;
  }
}

const tb_rule *tb_rule_set_find(const tb_rule_set *rs, const char *id) {
  for (size_t i = 0; rs && id && i < rs->n; i++)
    if (strcmp(rs->items[i].id, id) == 0)
      return &rs->items[i];
  return NULL;
}

const tb_rule *tb_rule_set_first(const tb_rule_set *rs, tb_rule_kind k) {
  for (size_t i = 0; rs && i < rs->n; i++)
    if (rs->items[i].kind == k)
      return &rs->items[i];
  return NULL;
}

void tb_rule_set_free(tb_rule_set *rs) {
  if (rs)
    tb_arena_free(rs->arena);
}
