/*
 * tb_store_account_admin.c — account management (tb_store_accounts.h):
 * the administrator's list, the changes that disable, enable, reset,
 * re-role (role, bureau and groups) or delete an account — each in one
 * transaction that also ends the account's sessions — and the user's own change
 * of password.
 *
 * The last enabled administrator is kept: a change that would disable,
 * delete or demote it is refused. The enabled administrators' rows are
 * locked first (FOR UPDATE, in id order) by every change, so two
 * administrators disabling each other at once cannot both succeed.
 */
#include "tb_store_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const tb_store_stmt S_ACCOUNTS_LIST = {
    "api_accounts_list",
    "SELECT id, username, role, coalesce(bureau, ''), '', disabled, "
    "password_change_required, extract(epoch FROM created_at)::bigint, "
    "coalesce(extract(epoch FROM last_login_at)::bigint, "
    "0), " TB_STORE_GROUPS_OF("accounts.id") " FROM accounts WHERE deleted_at "
                                             "IS NULL ORDER BY username",
    0};
static const tb_store_stmt S_ADMINS_LOCK = {
    "api_accounts_admins_lock",
    "SELECT count(*) FROM (SELECT id FROM accounts WHERE role = 'admin' "
    "AND NOT disabled ORDER BY id FOR UPDATE) a",
    0};
static const tb_store_stmt S_ACCOUNT_LOCK = {
    "api_account_lock",
    "SELECT id, role, disabled FROM accounts WHERE username = $1 "
    "AND deleted_at IS NULL FOR UPDATE",
    1};
static const tb_store_stmt S_ACCOUNT_DISABLE = {
    "api_account_disable",
    "UPDATE accounts SET disabled = true WHERE id = $1::bigint", 1};
static const tb_store_stmt S_ACCOUNT_ENABLE = {
    "api_account_enable",
    "UPDATE accounts SET disabled = false WHERE id = $1::bigint", 1};
static const tb_store_stmt S_ACCOUNT_PASSWORD = {
    "api_account_password",
    "UPDATE accounts SET password_hash = $2, "
    "password_change_required = $3::boolean WHERE id = $1::bigint",
    3};
static const tb_store_stmt S_ACCOUNT_ROLE = {
    "api_account_role",
    "UPDATE accounts SET role = $2, bureau = $3 WHERE id = $1::bigint", 3};
/* '!' is no scrypt hash: nothing matches it */
static const tb_store_stmt S_ACCOUNT_DELETE = {
    "api_account_delete",
    "UPDATE accounts SET disabled = true, deleted_at = now(), "
    "password_hash = '!', password_change_required = false "
    "WHERE id = $1::bigint",
    1};
static const tb_store_stmt S_SESSIONS_END = {
    "api_account_sessions_end",
    "UPDATE sessions SET revoked_at = now() WHERE account_id = $1::bigint "
    "AND revoked_at IS NULL AND expires_at > now() "
    "AND token_hash IS DISTINCT FROM $2::bytea",
    2};
static const tb_store_stmt S_OWN_PASSWORD = {
    "api_account_own_password",
    "UPDATE accounts SET password_hash = $2, password_change_required = false "
    "WHERE id = $1::bigint AND NOT disabled",
    2};

/* ---- the list ------------------------------------------------------------ */

tb_store_status tb_store_accounts_list(tb_store *s, tb_store_account_fn fn,
                                       void *cls) {
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_ACCOUNTS_LIST, NULL, &r);
  if (rc != TB_STORE_OK)
    return rc;
  for (int i = 0; i < PQntuples(r); i++) {
    tb_store_account_info info;
    memset(&info, 0, sizeof info);
    int64_t id = 0;
    tb_store_parse_i64(PQgetvalue(r, i, 0), &id);
    info.a.id = id;
    tb_store_copy(info.a.username, sizeof info.a.username, PQgetvalue(r, i, 1));
    tb_store_copy(info.a.role, sizeof info.a.role, PQgetvalue(r, i, 2));
    tb_store_copy(info.a.bureau, sizeof info.a.bureau, PQgetvalue(r, i, 3));
    info.a.disabled = strcmp(PQgetvalue(r, i, 5), "t") == 0;
    info.a.password_change_required = strcmp(PQgetvalue(r, i, 6), "t") == 0;
    tb_store_parse_i64(PQgetvalue(r, i, 7), &info.created_at);
    tb_store_parse_i64(PQgetvalue(r, i, 8), &info.last_login_at);
    tb_store_groups_parse(PQgetvalue(r, i, 9), &info.a.groups);
    fn(&info, cls);
  }
  PQclear(r);
  return TB_STORE_OK;
}

/* ---- an administrator's change ------------------------------------------- */

typedef struct {
  const tb_store_account_change *c;
  int ended;
} change_job;

/* End the account's open sessions but `keep` (a bytea literal or NULL). */
static tb_store_status end_sessions(tb_store *s, const char *account,
                                    const char *keep, int *ended) {
  const char *params[2] = {account, keep};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_SESSIONS_END, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  int64_t n = 0;
  tb_store_parse_i64(PQcmdTuples(r), &n);
  *ended = (int)n;
  PQclear(r);
  return TB_STORE_OK;
}

/* Whether the change takes an enabled administrator away. */
static bool lowers_admins(const tb_store_account_change *c, const char *role,
                          bool disabled) {
  if (strcmp(role, "admin") != 0 || disabled)
    return false;
  return c->op == TB_ACCOUNT_DISABLE || c->op == TB_ACCOUNT_DELETE ||
         (c->op == TB_ACCOUNT_ROLE && strcmp(c->role, "admin") != 0);
}

static tb_store_status
apply_update(tb_store *s, const tb_store_account_change *c, const char *id) {
  const char *bureau = c->bureau && *c->bureau ? c->bureau : NULL;
  switch (c->op) {
  case TB_ACCOUNT_DISABLE:
    return tb_store_exec(s, &S_ACCOUNT_DISABLE, (const char *[]){id}, NULL);
  case TB_ACCOUNT_ENABLE:
    return tb_store_exec(s, &S_ACCOUNT_ENABLE, (const char *[]){id}, NULL);
  case TB_ACCOUNT_PASSWORD:
    return tb_store_exec(
        s, &S_ACCOUNT_PASSWORD,
        (const char *[]){id, c->password_hash,
                         c->change_required ? "true" : "false"},
        NULL);
  case TB_ACCOUNT_ROLE: {
    tb_store_status rc = tb_store_exec(
        s, &S_ACCOUNT_ROLE, (const char *[]){id, c->role, bureau}, NULL);
    int64_t account = 0;
    tb_store_parse_i64(id, &account);
    return rc == TB_STORE_OK
               ? tb_store_account_groups_set(s, account, c->groups)
               : rc;
  }
  case TB_ACCOUNT_DELETE:
    return tb_store_exec(s, &S_ACCOUNT_DELETE, (const char *[]){id}, NULL);
  }
  return TB_STORE_ERROR;
}

static tb_store_status change_body(tb_store *s, void *cls) {
  change_job *j = cls;
  const tb_store_account_change *c = j->c;
  j->ended = 0;
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_ADMINS_LOCK, NULL, &r);
  if (rc != TB_STORE_OK)
    return rc;
  int64_t admins = 0;
  tb_store_parse_i64(PQgetvalue(r, 0, 0), &admins);
  PQclear(r);
  rc = tb_store_exec_row(s, &S_ACCOUNT_LOCK, (const char *[]){c->username}, &r);
  if (rc != TB_STORE_OK)
    return rc;
  char id[24], role[16];
  tb_store_copy(id, sizeof id, PQgetvalue(r, 0, 0));
  tb_store_copy(role, sizeof role, PQgetvalue(r, 0, 1));
  bool disabled = strcmp(PQgetvalue(r, 0, 2), "t") == 0;
  PQclear(r);
  if (lowers_admins(c, role, disabled) && admins <= 1)
    return TB_STORE_CONFLICT;
  rc = apply_update(s, c, id);
  tb_store_event_accounts(s); /* told only if it commits */
  if (rc == TB_STORE_OK && c->op != TB_ACCOUNT_ENABLE)
    rc = end_sessions(s, id, NULL, &j->ended);
  if (rc == TB_STORE_OK && c->also)
    rc = c->also(s, c->also_cls);
  return rc;
}

tb_store_status tb_store_account_change_apply(tb_store *s,
                                              const tb_store_account_change *c,
                                              int *ended) {
  change_job j = {.c = c};
  tb_store_status rc = tb_store_run_transaction(s, change_body, &j);
  if (ended)
    *ended = rc == TB_STORE_OK ? j.ended : 0;
  return rc;
}

/* ---- the user's own change ------------------------------------------------
 */

typedef struct {
  const uint8_t *token_hash;
  char hash[67];
  char account[24];
  const char *password_hash;
  int ended;
} own_job;

static tb_store_status own_body(tb_store *s, void *cls) {
  own_job *j = cls;
  tb_store_status rc =
      tb_store_session_steps_done(s, j->token_hash, TB_SESSION_PASSWORD_CHANGE);
  if (rc != TB_STORE_OK)
    return rc;
  PGresult *r;
  rc = tb_store_exec(s, &S_OWN_PASSWORD,
                     (const char *[]){j->account, j->password_hash}, &r);
  if (rc != TB_STORE_OK)
    return rc;
  bool hit = strcmp(PQcmdTuples(r), "1") == 0;
  PQclear(r);
  if (!hit)
    return TB_STORE_NOT_FOUND;
  tb_store_event_accounts(s); /* told only if it commits */
  return end_sessions(s, j->account, j->hash, &j->ended);
}

tb_store_status tb_store_account_own_password(tb_store *s,
                                              const uint8_t token_hash[32],
                                              int64_t account_id,
                                              const char *password_hash,
                                              int *ended) {
  own_job j = {.token_hash = token_hash, .password_hash = password_hash};
  tb_store_bytea(token_hash, 32, j.hash);
  snprintf(j.account, sizeof j.account, "%" PRId64, account_id);
  tb_store_status rc = tb_store_run_transaction(s, own_body, &j);
  if (ended)
    *ended = rc == TB_STORE_OK ? j.ended : 0;
  return rc;
}
