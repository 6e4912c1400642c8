/*
 * tb_rules.h — electronic supervision's rules (电子监察规则) in memory:
 * each rule has an id, a kind (what it looks for), a level (yellow or
 * red: a red finding is a red card, 红牌), a name people read and, for
 * the kinds that take one, a threshold. The rules file
 * (workflows/supervision.xml) is read by the workflows loader; the store's
 * sweep evaluates a rule set over the stored rows.
 *
 * Ownership: a tb_rule_set owns its rules and their strings through its
 * arena; free it with tb_rule_set_free.
 */
#ifndef TB_RULES_H
#define TB_RULES_H

#include "tb_engine.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
  TB_RULE_STEP_OVERDUE,           /* 环节超时: an open task past its day */
  TB_RULE_FINISHED_LATE,          /* 超期办结: decided after the deadline */
  TB_RULE_IMMEDIATE_NOT_SAME_DAY, /* 即办件未当日办结 */
  TB_RULE_SPECIAL_TOO_LONG,       /* 特别程序超期: reached its maximum */
  TB_RULE_GAP_OVERDUE,            /* 容缺材料逾期 */
  TB_RULE_VERIFICATION_OVERDUE,   /* 承诺核查逾期 */
  TB_RULE_SHORT_REASON,           /* 理由过短: refusal or denial */
  TB_RULE_URGED_REPEATEDLY,       /* 多次催办: threshold = urges */
  TB_RULE_KIND_COUNT
} tb_rule_kind;

/* The most rules one file may hold. */
#define TB_RULES_MAX 64

typedef struct {
  const char *id; /* [a-z_]{1,63}: the findings' "rule" */
  tb_rule_kind kind;
  tb_warning level; /* TB_WARN_YELLOW or TB_WARN_RED */
  const char *name; /* in Chinese, as people read it */
  int threshold;    /* urged_repeatedly: urges of one task; short_reason:
                       the fewest characters of a reason where the
                       definition sets no min-reason; else 0 */
  int line;         /* where it was declared */
} tb_rule;

typedef struct tb_rule_set {
  tb_rule *items;
  size_t n;
  const char *file; /* where it was loaded from */
  tb_arena *arena;  /* owns everything above */
} tb_rule_set;

/* "step_overdue" …; NULL for an unknown kind. */
const char *tb_rule_kind_name(tb_rule_kind k);
/* The kind of a name; -1 when unknown. */
int tb_rule_kind_from_name(const char *name);
/* Whether a kind takes a threshold, and its bounds (inclusive). */
bool tb_rule_kind_threshold(tb_rule_kind k, int *min, int *max);
/* The rule with this id, or NULL. */
const tb_rule *tb_rule_set_find(const tb_rule_set *rs, const char *id);
/* The first rule of a kind, or NULL. */
const tb_rule *tb_rule_set_first(const tb_rule_set *rs, tb_rule_kind k);
/* Free a set (and the struct itself, allocated from its arena). NULL is
 * fine. */
void tb_rule_set_free(tb_rule_set *rs);

#endif /* TB_RULES_H */
