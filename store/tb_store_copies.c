/*
 * tb_store_copies.c — 抄送 (tb_store_copies.h): the task_copies rows a
 * completed step writes for its copy targets, an officer's list of the
 * copies to their bureau (or a group of it they are in), and marking one
 * read. Every statement is prepared with parameters.
 */
#include "tb_store_copies.h"
#include "tb_store_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static const tb_store_stmt S_COPY_INSERT = {
    "copies_insert",
    "INSERT INTO task_copies (application_id, branch, step, round, "
    "from_bureau, bureau, group_code) VALUES ($1::bigint, $2::smallint, "
    "$3::smallint, $4::integer, $5, $6, $7) ON CONFLICT DO NOTHING",
    7};

/* The reader's copies: $1 bureau, $2 their groups "A,B", $3 unread only,
 * $4 below this id (0: any), $5 at most, $6 this id only (0: any). */
#define UTC(ts)                                                                \
  "to_char(" ts " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
static const tb_store_stmt S_COPIES_LIST = {
    "copies_list",
    "SELECT json_build_object('items', coalesce(json_agg(json_build_object("
    "'id', x.id, 'application', x.number, 'service', x.service, "
    "'branch', x.branch_id, 'step', x.task_id, 'step_name', x.step_name, "
    "'round', x.round, 'from_bureau', x.from_bureau, 'bureau', x.bureau, "
    "'group', x.group_code, 'created_at', " UTC(
        "x.created_at") ", "
                        "'read_at', " UTC(
                            "x.read_at") ", 'read_by', x.read_by) "
                                         "ORDER BY x.id DESC), "
                                         "'[]'::json))::text FROM ("
                                         "SELECT c.id, a.number, d.name AS "
                                         "service, t.branch_id, t.task_id, "
                                         "t.name AS step_name, c.round, "
                                         "c.from_bureau, c.bureau, "
                                         "c.group_code, "
                                         "c.created_at, c.read_at, r.username "
                                         "AS read_by "
                                         "FROM task_copies c JOIN applications "
                                         "a ON a.id = c.application_id "
                                         "JOIN definitions d ON d.id = "
                                         "a.definition_id "
                                         "AND d.version = a.definition_version "
                                         "LEFT JOIN LATERAL (SELECT branch_id, "
                                         "task_id, name FROM tasks t "
                                         "WHERE t.application_id = "
                                         "c.application_id AND t.branch = "
                                         "c.branch "
                                         "AND t.step = c.step ORDER BY t.round "
                                         "DESC, t.serial DESC LIMIT 1) t "
                                         "ON true LEFT JOIN accounts r ON r.id "
                                         "= c.read_by "
                                         "WHERE c.bureau = $1 AND "
                                         "(c.group_code IS NULL OR "
                                         "c.group_code = "
                                         "ANY (string_to_array($2::text, "
                                         "','))) "
                                         "AND (NOT $3::boolean OR c.read_at IS "
                                         "NULL) "
                                         "AND ($4::bigint = 0 OR c.id < "
                                         "$4::bigint) "
                                         "AND ($6::bigint = 0 OR c.id = "
                                         "$6::bigint) "
                                         "ORDER BY c.id DESC LIMIT "
                                         "$5::integer) x "
                                         "HAVING $6::bigint = 0 OR count(x.id) "
                                         "> 0",
    6};
static const tb_store_stmt S_COPY_MARK = {
    "copies_mark_read",
    "UPDATE task_copies SET read_by = $3::bigint, read_at = now() "
    "WHERE id = $4::bigint AND bureau = $1 AND (group_code IS NULL OR "
    "group_code = ANY (string_to_array($2::text, ','))) AND read_at IS NULL",
    4};

tb_store_status tb_store_copies_write_in(tb_store *s, const tb_store_outcome *o,
                                         const tb_effect *e) {
  const tb_definition *def = o->def;
  if (e->branch >= def->n_branches ||
      e->step >= def->branches[e->branch].n_tasks) {
    tb_log_kv(TB_LOG_ERROR, "store", "a copy names an unknown step",
              TB_LOG_S("application", o->number), TB_LOG_I("branch", e->branch),
              TB_LOG_I("step", e->step));
    return TB_STORE_ERROR;
  }
  const tb_branch_def *b = &def->branches[e->branch];
  const tb_task_def *t = &b->tasks[e->step];
  char app[24], br[8], st[8], rd[16];
  snprintf(app, sizeof app, "%" PRId64, o->application_id);
  snprintf(br, sizeof br, "%u", (unsigned)e->branch);
  snprintf(st, sizeof st, "%u", (unsigned)e->step);
  snprintf(rd, sizeof rd, "%u", (unsigned)o->after.branches[e->branch].round);
  for (size_t i = 0; i < t->n_copies; i++) {
    const tb_copy_def *c = &t->copies[i];
    const char *params[] = {app, br, st, rd, b->bureau, c->bureau, c->group};
    tb_store_status rc = tb_store_exec_deferred(s, &S_COPY_INSERT, params);
    if (rc != TB_STORE_OK)
      return rc;
  }
  return TB_STORE_OK;
}

static tb_store_status list(tb_store *s, const tb_store_copy_reader *r,
                            bool unread, int limit, int64_t before, int64_t id,
                            char **json) {
  char groups[TB_STORE_GROUPS_TEXT], lim[16], bef[24], one[24];
  tb_store_groups_text(r->groups, groups, sizeof groups);
  snprintf(lim, sizeof lim, "%d", limit < 1 ? 1 : limit > 200 ? 200 : limit);
  snprintf(bef, sizeof bef, "%" PRId64, before > 0 ? before : 0);
  snprintf(one, sizeof one, "%" PRId64, id > 0 ? id : 0);
  const char *params[] = {r->bureau, groups, unread ? "true" : "false",
                          bef,       lim,    one};
  return tb_store_json_of(s, &S_COPIES_LIST, params, json);
}

tb_store_status tb_store_copies_list(tb_store *s, const tb_store_copy_reader *r,
                                     bool unread, int limit, int64_t before,
                                     char **json) {
  return list(s, r, unread, limit, before, 0, json);
}

tb_store_status tb_store_copy_read_in(tb_store *s,
                                      const tb_store_copy_reader *r, int64_t id,
                                      char **json) {
  *json = NULL;
  if (id <= 0)
    return TB_STORE_NOT_FOUND;
  char groups[TB_STORE_GROUPS_TEXT], account[24], copy[24];
  tb_store_groups_text(r->groups, groups, sizeof groups);
  snprintf(account, sizeof account, "%" PRId64, r->account);
  snprintf(copy, sizeof copy, "%" PRId64, id);
  const char *params[] = {r->bureau, groups, account, copy};
  tb_store_status rc = tb_store_exec(s, &S_COPY_MARK, params, NULL);
  if (rc != TB_STORE_OK)
    return rc;
  return list(s, r, false, 1, 0, id, json);
}
