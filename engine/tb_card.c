/*
 * tb_card.c — the one definition of a card (黄牌 yellow, 红牌 red) for an
 * application or a task: from its deadline, its length in working days,
 * the definition's warn threshold and the time. The state machine arms
 * its timers with these instants; every list, count and view reads the
 * card the same way. The rule is written in engine/README.md under
 * "Deadlines and warnings".
 */
#include "tb_engine.h"

int tb_card_threshold(int length, int warn_days) {
  if (warn_days <= 0)
    return 0;
  int half = length <= 1 ? 1 : (length + 1) / 2;
  return warn_days < half ? warn_days : half;
}

bool tb_card_yellow_at(const tb_calendar *c, tb_day deadline, int length,
                       int warn_days, int64_t *at) {
  int t = tb_card_threshold(length, warn_days);
  if (t == 0 || deadline == 0)
    return false;
  tb_day first = tb_calendar_sub_working_days(c, deadline, t - 1);
  *at = tb_calendar_start_of(c, first);
  return true;
}

int64_t tb_card_red_at(const tb_calendar *c, tb_day deadline) {
  return tb_calendar_start_of(c, deadline + 1);
}

tb_warning tb_card_at(const tb_calendar *c, tb_day deadline, int length,
                      int warn_days, int64_t now) {
  int64_t y;
  if (deadline == 0)
    return TB_WARN_NONE;
  if (now >= tb_card_red_at(c, deadline))
    return TB_WARN_RED;
  if (tb_card_yellow_at(c, deadline, length, warn_days, &y) && now >= y)
    return TB_WARN_YELLOW;
  return TB_WARN_NONE;
}

tb_warning tb_card_of_application(const tb_definition *def,
                                  const tb_calendar *c, const tb_app_state *s,
                                  int64_t now) {
  if (!def || s->status != TB_APP_IN_REVIEW)
    return TB_WARN_NONE;
  return tb_card_at(c, s->deadline, def->promised_days, def->warn_days, now);
}

tb_warning tb_card_of_task(const tb_definition *def, const tb_calendar *c,
                           const tb_app_state *s, size_t b, int64_t now) {
  if (!def || s->status != TB_APP_IN_REVIEW || b >= s->n_branches ||
      b >= def->n_branches)
    return TB_WARN_NONE;
  const tb_branch_state *br = &s->branches[b];
  if (br->status != TB_BRANCH_ACTIVE || br->step >= def->branches[b].n_tasks)
    return TB_WARN_NONE;
  return tb_card_at(c, br->deadline, def->branches[b].tasks[br->step].days,
                    def->warn_days, now);
}

const char *tb_warning_name(tb_warning w) {
  static const char *const names[] = {"none", "yellow", "red"};
  return (unsigned)w < 3 ? names[w] : "none";
}
