/*
 * tb_names.c — problem messages and the names of states, events, timers
 * and notices as they appear in JSON, logs and the audit trail. The names
 * are part of the REST contract: never rename one. (Problem codes live in
 * the registry, tb_problems.def / tb_problems.c.)
 */
#include "tb_engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

tb_status tb_problem_set(tb_problem *p, tb_status status, const char *field,
                         const char *fmt, ...) {
  if (!p)
    return status;
  p->status = status;
  snprintf(p->field, sizeof p->field, "%s", field ? field : "");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->detail, sizeof p->detail, fmt, ap);
  va_end(ap);
  return status;
}

static const char *const app_status_names[] = {
    [TB_APP_NONE] = "none",
    [TB_APP_SUBMITTED] = "submitted",
    [TB_APP_AWAITING_SUPPLEMENT] = "awaiting_supplement",
    [TB_APP_REFUSED] = "refused",
    [TB_APP_IN_REVIEW] = "in_review",
    [TB_APP_RETURNED] = "returned",
    [TB_APP_SUSPENDED] = "suspended",
    [TB_APP_APPROVED] = "approved",
    [TB_APP_DENIED] = "denied",
    [TB_APP_DELIVERED] = "delivered",
    [TB_APP_WITHDRAWN] = "withdrawn",
    [TB_APP_TERMINATED] = "terminated",
    [TB_APP_AWAITING_MATERIALS] = "awaiting_materials",
    [TB_APP_EXPIRED] = "expired",
};

static const char *const branch_status_names[] = {
    [TB_BRANCH_INACTIVE] = "inactive", [TB_BRANCH_WAITING] = "waiting",
    [TB_BRANCH_ACTIVE] = "active",     [TB_BRANCH_RETURNED] = "returned",
    [TB_BRANCH_APPROVED] = "approved", [TB_BRANCH_DENIED] = "denied",
    [TB_BRANCH_SKIPPED] = "skipped",   [TB_BRANCH_CANCELLED] = "cancelled",
};

static const char *const event_names[] = {
    [TB_EV_SUBMIT] = "submit",
    [TB_EV_ACCEPT] = "accept",
    [TB_EV_REFUSE] = "refuse",
    [TB_EV_REQUEST_SUPPLEMENT] = "request_supplement",
    [TB_EV_SUPPLEMENT] = "supplement",
    [TB_EV_WITHDRAW] = "withdraw",
    [TB_EV_CLAIM] = "claim",
    [TB_EV_APPROVE] = "approve",
    [TB_EV_DENY] = "deny",
    [TB_EV_RETURN] = "return",
    [TB_EV_SUSPEND] = "suspend",
    [TB_EV_RESUME] = "resume",
    [TB_EV_TIMER] = "timer",
    [TB_EV_DELIVER] = "deliver",
    [TB_EV_RATE] = "rate",
    [TB_EV_CLOSE_NOTICE] = "close_notice",
    [TB_EV_RECOMPUTE] = "deadline_recomputed",
    [TB_EV_COMMITMENT_FALSE] = "commitment_false",
    [TB_EV_EXPIRE] = "expire",
    [TB_EV_TRANSFER] = "transfer",
    [TB_EV_DELEGATE] = "delegate",
    [TB_EV_RESOLVE] = "resolve",
    [TB_EV_ADD_SIGNER] = "add_signer",
    [TB_EV_REMOVE_SIGNER] = "remove_signer",
    [TB_EV_SEND_BACK] = "send_back",
    [TB_EV_TAKE_BACK] = "take_back",
};

static const char *const timer_names[] = {
    [TB_TIMER_APP_YELLOW] = "app_yellow",
    [TB_TIMER_APP_RED] = "app_red",
    [TB_TIMER_TASK_YELLOW] = "task_yellow",
    [TB_TIMER_TASK_RED] = "task_red",
    [TB_TIMER_GAP_DUE] = "gap_due",
    [TB_TIMER_SPECIAL_MAX] = "special_max",
    [TB_TIMER_EXPIRE] = "expire",
};

static const char *const notice_names[] = {
    [TB_NOTICE_ACCEPTED] = "accepted",
    [TB_NOTICE_REFUSED] = "refused",
    [TB_NOTICE_SUPPLEMENT] = "supplement",
    [TB_NOTICE_SUSPENDED] = "suspended",
    [TB_NOTICE_RESUMED] = "resumed",
    [TB_NOTICE_APPROVED] = "approved",
    [TB_NOTICE_DENIED] = "denied",
    [TB_NOTICE_YELLOW] = "yellow",
    [TB_NOTICE_RED] = "red",
    [TB_NOTICE_GAP_OVERDUE] = "gap_overdue",
    [TB_NOTICE_TERMINATED] = "terminated",
    [TB_NOTICE_DELIVERED] = "delivered",
    [TB_NOTICE_AWAITING_MATERIALS] = "awaiting_materials",
    [TB_NOTICE_EXPIRED] = "expired",
};

static const char *const special_names[] = {
    [TB_SPECIAL_HEARING] = "hearing",
    [TB_SPECIAL_INSPECTION] = "inspection",
    [TB_SPECIAL_TESTING] = "testing",
    [TB_SPECIAL_EXPERT] = "expert-review",
};

static const char *const field_type_names[] = {
    [TB_FIELD_TEXT] = "text",           [TB_FIELD_NUMBER] = "number",
    [TB_FIELD_MONEY] = "money",         [TB_FIELD_DATE] = "date",
    [TB_FIELD_CHOICE] = "choice",       [TB_FIELD_BOOLEAN] = "boolean",
    [TB_FIELD_ID_NUMBER] = "id-number",
};

static const char *const slot_status_names[] = {
    [TB_SLOT_WAITING] = "waiting",   [TB_SLOT_OPEN] = "open",
    [TB_SLOT_APPROVED] = "approved", [TB_SLOT_DENIED] = "denied",
    [TB_SLOT_RETURNED] = "returned", [TB_SLOT_CLOSED] = "closed",
};

static const char *const close_reason_names[] = {
    [TB_CLOSE_ENDED] = "ended",
    [TB_CLOSE_NOT_NEEDED] = "not_needed",
    [TB_CLOSE_STEP_DENIED] = "step_denied",
    [TB_CLOSE_RETURNED] = "returned",
    [TB_CLOSE_REMOVED] = "removed",
    [TB_CLOSE_SENT_BACK] = "sent_back",
    [TB_CLOSE_TAKEN_BACK] = "taken_back",
    [TB_CLOSE_REPLACED] = "replaced",
};

static const char *const sign_rule_names[] = {
    [TB_SIGN_ONE] = "one",   [TB_SIGN_ALL] = "all",
    [TB_SIGN_ANY] = "any",   [TB_SIGN_SEQUENCE] = "sequence",
    [TB_SIGN_VOTE] = "vote",
};

static const char *const signer_kind_names[] = {
    [TB_SIGNER_POOL] = "pool",
    [TB_SIGNER_GROUP] = "group",
    [TB_SIGNER_OFFICER] = "officer",
    [TB_SIGNER_ACCOUNT] = "account",
};

static const char *const add_position_names[] = {
    [TB_ADD_BEFORE] = "before",
    [TB_ADD_AFTER] = "after",
    [TB_ADD_PARALLEL] = "parallel",
};

static const char *name_of(const char *const *names, size_t n, size_t i) {
  return i < n && names[i] ? names[i] : "unknown";
}

static int index_of(const char *const *names, size_t n, const char *name) {
  if (!name)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (names[i] && strcmp(names[i], name) == 0)
      return (int)i;
  return -1;
}

const char *tb_app_status_name(tb_app_status s) {
  return name_of(app_status_names, COUNT(app_status_names), s);
}
const char *tb_branch_status_name(tb_branch_status s) {
  return name_of(branch_status_names, COUNT(branch_status_names), s);
}
const char *tb_event_kind_name(tb_event_kind k) {
  return name_of(event_names, COUNT(event_names), k);
}
const char *tb_timer_kind_name(tb_timer_kind k) {
  return name_of(timer_names, COUNT(timer_names), k);
}
const char *tb_notice_kind_name(tb_notice_kind k) {
  return name_of(notice_names, COUNT(notice_names), k);
}
const char *tb_special_kind_name(tb_special_kind k) {
  return name_of(special_names, COUNT(special_names), k);
}
const char *tb_field_type_name(tb_field_type t) {
  return name_of(field_type_names, COUNT(field_type_names), t);
}
int tb_app_status_from_name(const char *name) {
  return index_of(app_status_names, COUNT(app_status_names), name);
}
int tb_event_kind_from_name(const char *name) {
  return index_of(event_names, COUNT(event_names), name);
}
int tb_timer_kind_from_name(const char *name) {
  return index_of(timer_names, COUNT(timer_names), name);
}
int tb_special_kind_from_name(const char *name) {
  return index_of(special_names, COUNT(special_names), name);
}

const char *tb_slot_status_name(tb_slot_status s) {
  return name_of(slot_status_names, COUNT(slot_status_names), s);
}
const char *tb_close_reason_name(tb_close_reason r) {
  return name_of(close_reason_names, COUNT(close_reason_names), r);
}
const char *tb_sign_rule_name(tb_sign_rule r) {
  return name_of(sign_rule_names, COUNT(sign_rule_names), r);
}
const char *tb_signer_kind_name(tb_signer_kind k) {
  return name_of(signer_kind_names, COUNT(signer_kind_names), k);
}
const char *tb_add_position_name(tb_add_position p) {
  return name_of(add_position_names, COUNT(add_position_names), p);
}
int tb_slot_status_from_name(const char *name) {
  return index_of(slot_status_names, COUNT(slot_status_names), name);
}
int tb_close_reason_from_name(const char *name) {
  return index_of(close_reason_names, COUNT(close_reason_names), name);
}
int tb_sign_rule_from_name(const char *name) {
  return index_of(sign_rule_names, COUNT(sign_rule_names), name);
}
int tb_signer_kind_from_name(const char *name) {
  return index_of(signer_kind_names, COUNT(signer_kind_names), name);
}
int tb_add_position_from_name(const char *name) {
  return index_of(add_position_names, COUNT(add_position_names), name);
}

bool tb_app_status_is_final(tb_app_status s) {
  switch (s) {
  case TB_APP_REFUSED:
  case TB_APP_DENIED:
  case TB_APP_DELIVERED:
  case TB_APP_WITHDRAWN:
  case TB_APP_TERMINATED:
  case TB_APP_EXPIRED:
    return true;
  default:
    return false;
  }
}
