/*
 * tb_store_verbs.c — the task rows of a transition, slot by slot (issue
 * 14: 会签 / 或签 / 依次 / 票签, 转办, 委派, 加签, 减签, 退回, 撤回, 抄送).
 *
 * The engine names every task by (application, branch, serial); this file
 * writes what it decided about them: a created task (who may take it, and
 * whether it waits for its turn), an opened waiting task, a cancelled one
 * (and why), the row of the task the event acted on (its decision, whom
 * it was handed to, the step it was sent back to, a decision taken back);
 * the copies of a completed step are tb_store_copies.c's. It also reads,
 * under the application's lock, the officer a verb names. Every
 * statement is prepared.
 */
#include "tb_store_copies.h"
#include "tb_store_int.h"

#include <stdio.h>
#include <string.h>

/* An officer signer's account is the definition's user name resolved in
 * the same statement (NULL when there is no such active officer of the
 * bureau: the row still exists and the administrator sees it). The
 * serial is the engine's (the branch's counter). */
static const tb_store_stmt S_CREATE = {
    "vb_task_create",
    "INSERT INTO tasks (application_id, branch, step, round, branch_id, "
    "task_id, name, bureau, deadline, created_at, warning, serial, slot, "
    "signer_kind, group_code, assignee_name, assignee, delegate_of, "
    "added_by, state) VALUES ($1::bigint, $2::smallint, $3::smallint, "
    "$4::integer, $5, $6, $7, $8, $9::date, "
    "coalesce(to_timestamp(nullif($10::bigint, 0)), now()), $11, "
    "$12::integer, $13::smallint, $14, $15, $16, "
    "CASE WHEN $14 = 'officer' THEN (SELECT id FROM accounts WHERE "
    "username = $16 AND role = 'officer' AND bureau = $8 AND NOT disabled "
    "AND deleted_at IS NULL) ELSE nullif($17::bigint, 0) END, "
    "nullif($18::bigint, 0), nullif($19::bigint, 0), "
    "CASE WHEN $20::boolean THEN 'waiting' ELSE 'open' END)",
    20};
static const tb_store_stmt S_OPEN = {
    "vb_task_open",
    "UPDATE tasks SET state = 'open', deadline = $4::date WHERE "
    "application_id = $1::bigint AND branch = $2::smallint AND serial = "
    "$3::integer AND state = 'waiting'",
    4};
static const tb_store_stmt S_CANCEL = {
    "vb_task_cancel",
    "UPDATE tasks SET state = 'cancelled', close_reason = $4 WHERE "
    "application_id = $1::bigint AND branch = $2::smallint AND serial = "
    "$3::integer AND state IN ('waiting', 'open', 'claimed')",
    4};
/* a state from before the slots names the step's task by step and round */
static const tb_store_stmt S_CANCEL_STEP = {
    "vb_task_cancel_step",
    "UPDATE tasks SET state = 'cancelled', close_reason = $5 WHERE "
    "application_id = $1::bigint AND branch = $2::smallint AND step = "
    "$3::smallint AND round = $4::integer AND state IN ('waiting', 'open', "
    "'claimed')",
    5};
/* the acted task by its id: a decision, or a verb that hands it on; an
 * unclaimed pool or group task is claimed by it in the same write */
static const tb_store_stmt S_DECIDE = {
    "vb_task_decide",
    "UPDATE tasks SET state = 'decided', decision = $2, decided_by = "
    "$3::bigint, decided_at = to_timestamp($4::bigint), comment = $5, "
    "items = $6::jsonb, outputs = $7::jsonb, handed_to = "
    "nullif($8::bigint, 0), back_to = $9, claimant = coalesce(claimant, "
    "$3::bigint), claimed_at = coalesce(claimed_at, "
    "to_timestamp($4::bigint)) WHERE id = $1::bigint",
    9};
static const tb_store_stmt S_CLAIM = {
    "vb_task_claim",
    "UPDATE tasks SET state = 'claimed', claimant = $2::bigint, claimed_at "
    "= to_timestamp($3::bigint) WHERE id = $1::bigint AND state = 'open'",
    3};
static const tb_store_stmt S_TAKEN_BACK = {
    "vb_task_taken_back",
    "UPDATE tasks SET taken_back_at = to_timestamp($2::bigint) WHERE id = "
    "$1::bigint",
    2};
static const tb_store_stmt S_OFFICER = {
    "vb_officer",
    "SELECT id FROM accounts WHERE username = $1 AND role = 'officer' AND "
    "bureau = $2 AND NOT disabled AND deleted_at IS NULL",
    2};

static const char *const close_names[] = {
    "ended",   "not_needed", "step_denied", "returned",
    "removed", "sent_back",  "taken_back",  "replaced"};
static const char *const kind_names[] = {"pool", "group", "officer", "account"};

const char *tb_store_close_reason_name(unsigned reason) {
  return reason < sizeof close_names / sizeof close_names[0]
             ? close_names[reason]
             : "ended";
}

const char *tb_store_signer_kind_name(unsigned kind) {
  return kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[kind]
                                                         : "pool";
}

/* The step an effect names, or NULL (logged) when the definition has no
 * such step. */
static const tb_task_def *effect_step(const tb_store_outcome *o,
                                      const tb_effect *e) {
  const tb_definition *def = o->def;
  if (e->branch < def->n_branches && e->step < def->branches[e->branch].n_tasks)
    return &def->branches[e->branch].tasks[e->step];
  tb_log_kv(TB_LOG_ERROR, "store", "an effect names an unknown task",
            TB_LOG_S("application", o->number), TB_LOG_I("branch", e->branch),
            TB_LOG_I("step", e->step));
  return NULL;
}

/* Who added the slot's signer (加签), from the state after the step. */
static int64_t added_by(const tb_store_outcome *o, const tb_effect *e) {
  const tb_branch_state *b = &o->after.branches[e->branch];
  return e->slot < b->n_slots && e->slot < TB_MAX_SIGNERS
             ? b->slots[e->slot].added_by
             : 0;
}

/* The definition's group code or user name of a group or officer task. */
static const char *signer_name(const tb_task_def *t, const tb_effect *e) {
  if (e->signer_kind != TB_SIGNER_GROUP && e->signer_kind != TB_SIGNER_OFFICER)
    return NULL;
  return e->ref < t->n_signers ? t->signers[e->ref].name : NULL;
}

static tb_store_status create_task(tb_store *s, const tb_store_outcome *o,
                                   const tb_effect *e) {
  const tb_task_def *t = effect_step(o, e);
  if (!t || e->branch >= TB_MAX_BRANCHES)
    return TB_STORE_ERROR;
  const tb_branch_def *b = &o->def->branches[e->branch];
  const tb_branch_state *bs = &o->after.branches[e->branch];
  const char *who = signer_name(t, e);
  bool group = e->signer_kind == TB_SIGNER_GROUP;
  char date[11];
  if (e->deadline)
    tb_date_format(e->deadline, date);
  /* created at the event's time: the engine's clock, as the branch's
   * started_at says */
  tb_store_num app = tb_store_i64(o->application_id),
               br = tb_store_i64(e->branch), st = tb_store_i64(e->step),
               rd = tb_store_i64(e->round), at = tb_store_i64(bs->started_at),
               se = tb_store_i64(e->serial), sl = tb_store_i64(e->slot),
               acc = tb_store_i64(e->account),
               del = tb_store_i64(e->delegate_of),
               add = tb_store_i64(added_by(o, e));
  const char *warnings[] = {"none", "yellow", "red"};
  const char *params[] = {app.v,
                          br.v,
                          st.v,
                          rd.v,
                          b->id,
                          t->id,
                          t->name ? t->name : t->id,
                          b->bureau,
                          e->deadline ? date : NULL,
                          at.v,
                          bs->warning < 3 ? warnings[bs->warning] : "none",
                          se.v,
                          sl.v,
                          tb_store_signer_kind_name(e->signer_kind),
                          group ? who : NULL,
                          group ? NULL : who,
                          acc.v,
                          del.v,
                          add.v,
                          e->waiting ? "true" : "false"};
  return tb_store_exec_deferred(s, &S_CREATE, params);
}

static tb_store_status cancel_task(tb_store *s, const tb_store_outcome *o,
                                   const tb_effect *e) {
  tb_store_num app = tb_store_i64(o->application_id),
               br = tb_store_i64(e->branch), se = tb_store_i64(e->serial),
               st = tb_store_i64(e->step), rd = tb_store_i64(e->round);
  const char *why = tb_store_close_reason_name(e->reason);
  if (e->serial == 0) {
    const char *params[] = {app.v, br.v, st.v, rd.v, why};
    return tb_store_exec_deferred(s, &S_CANCEL_STEP, params);
  }
  const char *params[] = {app.v, br.v, se.v, why};
  return tb_store_exec_deferred(s, &S_CANCEL, params);
}

static tb_store_status open_task(tb_store *s, const tb_store_outcome *o,
                                 const tb_effect *e) {
  char date[11];
  if (e->deadline)
    tb_date_format(e->deadline, date);
  tb_store_num app = tb_store_i64(o->application_id),
               br = tb_store_i64(e->branch), se = tb_store_i64(e->serial);
  const char *params[] = {app.v, br.v, se.v, e->deadline ? date : NULL};
  return tb_store_exec_deferred(s, &S_OPEN, params);
}

tb_store_status tb_store_task_effect_in(tb_store *s, const tb_store_outcome *o,
                                        const tb_effect *e) {
  if (e->branch >= TB_MAX_BRANCHES)
    return TB_STORE_ERROR;
  switch (e->kind) {
  case TB_EFFECT_CREATE_TASK:
    return create_task(s, o, e);
  case TB_EFFECT_CANCEL_TASK:
    return cancel_task(s, o, e);
  case TB_EFFECT_OPEN_TASK:
    return open_task(s, o, e);
  case TB_EFFECT_COPY:
    return tb_store_copies_write_in(s, o, e); /* 抄送 */
  default:
    return TB_STORE_OK;
  }
}

/* The decision column a task event writes on its own task, or NULL. */
static const char *decision_of(tb_event_kind kind) {
  switch (kind) {
  case TB_EV_APPROVE:
    return "approve";
  case TB_EV_DENY:
    return "deny";
  case TB_EV_RETURN:
    return "return";
  case TB_EV_SEND_BACK:
    return "send_back";
  case TB_EV_TRANSFER:
    return "transfer";
  case TB_EV_DELEGATE:
    return "delegate";
  case TB_EV_RESOLVE:
    return "resolve";
  default:
    return NULL;
  }
}

tb_store_status tb_store_task_acted_in(tb_store *s,
                                       const tb_store_task_act *act) {
  const tb_event *ev = act->ev;
  tb_store_num id = tb_store_i64(act->task_id), who = tb_store_i64(act->actor),
               at = tb_store_i64(ev->at);
  if (ev->kind == TB_EV_TAKE_BACK) {
    const char *params[] = {id.v, at.v};
    return tb_store_exec_deferred(s, &S_TAKEN_BACK, params);
  }
  if (ev->kind == TB_EV_CLAIM || ev->kind == TB_EV_ADD_SIGNER) {
    const char *params[] = {id.v, who.v, at.v};
    return tb_store_exec_deferred(s, &S_CLAIM, params);
  }
  const char *decision = decision_of(ev->kind);
  if (!decision) /* 减签: the removed task is cancelled by its effect */
    return TB_STORE_OK;
  tb_store_num to = tb_store_i64(act->handed_to);
  const char *params[] = {id.v,         decision,     who.v,
                          at.v,         act->comment, act->items,
                          act->outputs, to.v,         act->back_to};
  return tb_store_exec_deferred(s, &S_DECIDE, params);
}

tb_store_status tb_store_officer_find_in(tb_store *s, const char *bureau,
                                         const char *username, int64_t *id) {
  *id = 0;
  const char *params[] = {username, bureau};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_OFFICER, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  tb_store_parse_i64(PQgetvalue(r, 0, 0), id);
  PQclear(r);
  return TB_STORE_OK;
}

/* ---- what an officer may do with a task (GET …/options) ---------------- */

/* The task's row as the options need it, the signers of its step (its
 * application, branch, step and round), the active officers of its
 * bureau but the asker, with their groups, and the asker's groups. */
static const tb_store_stmt S_OPTIONS = {
    "vb_task_options",
    "WITH t AS (SELECT * FROM tasks WHERE id = $1::bigint), "
    "names AS (SELECT id, username FROM accounts) "
    "SELECT json_build_object('task', (SELECT json_build_object('state', "
    "t.state, 'signer_kind', t.signer_kind, 'group', t.group_code, "
    "'assignee', t.assignee, 'claimant', t.claimant, 'delegate_of', "
    "t.delegate_of, 'added_by', t.added_by, 'decided_by', t.decided_by, "
    "'decision', t.decision, 'taken_back', t.taken_back_at IS NOT NULL) "
    "FROM t), 'signers', (SELECT coalesce(json_agg(json_build_object("
    "'slot', x.slot, 'task', x.id, 'status', x.state, 'who', coalesce(("
    "SELECT username FROM names WHERE id = coalesce(x.assignee, "
    "x.claimant)), x.group_code, x.assignee_name), 'kind', x.signer_kind, "
    "'decision', x.decision) ORDER BY x.slot, x.id), '[]'::json) FROM "
    "tasks x, t WHERE x.application_id = t.application_id AND x.branch = "
    "t.branch AND x.step = t.step AND x.round = t.round AND x.id IN (SELECT "
    "max(y.id) FROM tasks y WHERE y.application_id = t.application_id AND "
    "y.branch = t.branch AND y.step = t.step AND y.round = t.round GROUP BY "
    "y.slot)), 'officers', (SELECT coalesce(json_agg(json_build_object("
    "'username', a.username, 'groups', coalesce((SELECT json_agg("
    "g.group_code ORDER BY g.group_code) FROM account_groups g WHERE "
    "g.account_id = a.id), '[]'::json)) ORDER BY a.username), '[]'::json) "
    "FROM accounts a, t WHERE a.role = 'officer' AND a.bureau = t.bureau "
    "AND NOT a.disabled AND a.deleted_at IS NULL AND a.id <> $2::bigint), "
    "'groups', (SELECT coalesce(json_agg(g.group_code), '[]'::json) FROM "
    "account_groups g WHERE g.account_id = $2::bigint))::text "
    "FROM t",
    2};

tb_store_status tb_store_task_options_read(tb_store *s, int64_t task,
                                           int64_t officer, char **json) {
  tb_store_num id = tb_store_i64(task), who = tb_store_i64(officer);
  const char *params[] = {id.v, who.v};
  return tb_store_json_of(s, &S_OPTIONS, params, json);
}
