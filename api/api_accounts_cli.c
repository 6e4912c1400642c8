/*
 * api_accounts_cli.c — the administrator's verbs of `tongban accounts`
 * (tb_api_accounts_run): list, disable, enable, reset-password, set-role
 * and delete, on a store handle of their own. The same checks as the
 * admin API (api_accounts.c): the password policy, the role and its
 * bureau (known to the workflows folder's list, or the stored one), the
 * last enabled administrator; the same store calls, which end the
 * account's sessions in the change's own transaction.
 */
#include "tb_api_int.h"
#include "tb_log.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void utc(int64_t t, char *out, size_t cap) {
  time_t tt = (time_t)t;
  struct tm tm;
  if (t <= 0 || !gmtime_r(&tt, &tm) ||
      strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    snprintf(out, cap, "never");
}

static void print_account(const tb_store_account_info *i, void *cls) {
  FILE *out = cls;
  char created[32], last[32];
  utc(i->created_at, created, sizeof created);
  utc(i->last_login_at, last, sizeof last);
  char groups[TB_STORE_GROUPS_TEXT];
  tb_store_groups_text(&i->a.groups, groups, sizeof groups);
  fprintf(out, "%s %s %s %s%s created=%s last-login=%s%s%s\n", i->a.username,
          i->a.role, i->a.bureau[0] ? i->a.bureau : "-",
          i->a.disabled ? "disabled" : "enabled",
          i->a.password_change_required ? " password-change" : "", created,
          last, groups[0] ? " groups=" : "", groups);
}

void api_account_log(const char *event, const char *actor, const char *user,
                     const char *role, const char *bureau, int ended) {
  tb_log_kv(TB_LOG_INFO, "accounts", "account changed",
            TB_LOG_S("security", event), TB_LOG_S("actor", actor),
            TB_LOG_S("user", user), TB_LOG_S("role", role),
            TB_LOG_S("bureau", bureau && *bureau ? bureau : NULL),
            TB_LOG_I("sessions_ended", ended));
}

static const char *verb_event(tb_api_accounts_verb v) {
  switch (v) {
  case TB_API_ACCOUNTS_DISABLE:
    return "account_disabled";
  case TB_API_ACCOUNTS_ENABLE:
    return "account_enabled";
  case TB_API_ACCOUNTS_RESET:
    return "account_password_reset";
  case TB_API_ACCOUNTS_ROLE:
    return "account_role_changed";
  case TB_API_ACCOUNTS_DELETE:
    return "account_deleted";
  case TB_API_ACCOUNTS_LIST:
    break;
  }
  return "accounts_listed";
}

static const tb_store_account_op OPS[] = {
    [TB_API_ACCOUNTS_DISABLE] = TB_ACCOUNT_DISABLE,
    [TB_API_ACCOUNTS_ENABLE] = TB_ACCOUNT_ENABLE,
    [TB_API_ACCOUNTS_RESET] = TB_ACCOUNT_PASSWORD,
    [TB_API_ACCOUNTS_ROLE] = TB_ACCOUNT_ROLE,
    [TB_API_ACCOUNTS_DELETE] = TB_ACCOUNT_DELETE};

/* What the verb needs checked before the store is asked (the groups of a
 * new role into *groups); false with msg. */
static bool job_ok(tb_store *s, const tb_api_accounts_job *job,
                   const tb_api_account_opts *opts, tb_store_groups *groups,
                   char *msg, size_t msg_len) {
  groups->n = 0;
  if (!job->user || !api_username_ok(job->user)) {
    snprintf(msg, msg_len, "no such user name '%.64s'",
             job->user ? job->user : "");
    return false;
  }
  if (job->verb == TB_API_ACCOUNTS_ROLE) {
    if (!api_role_bureau_ok(job->role, job->bureau, msg, msg_len))
      return false;
    bool officer = strcmp(job->role, "officer") == 0;
    if (officer &&
        !api_bureau_check(s, opts->bureaus, job->bureau, msg, msg_len))
      return false;
    if (!api_groups_from_text(opts->groups, groups, msg, msg_len) ||
        !api_groups_check(s, opts->bureaus, officer ? job->bureau : NULL,
                          groups, msg, msg_len))
      return false;
  }
  tb_problem_code code;
  if (job->verb == TB_API_ACCOUNTS_RESET &&
      !tb_api_password_policy_check(opts->policy, job->user, job->password,
                                    job->password_len, &code, msg, msg_len))
    return false;
  return true;
}

/* msg for the change's outcome. */
static tb_api_status change_said(const tb_api_accounts_job *job,
                                 tb_store_status rc, int ended, char *msg,
                                 size_t msg_len) {
  if (rc == TB_STORE_NOT_FOUND) {
    snprintf(msg, msg_len, "no account '%s' (or it was deleted)", job->user);
    return TB_API_INVALID;
  }
  if (rc == TB_STORE_CONFLICT) {
    snprintf(msg, msg_len,
             "'%s' is the last enabled administrator: enable or add "
             "another one first",
             job->user);
    return TB_API_INVALID;
  }
  if (rc != TB_STORE_OK) {
    snprintf(msg, msg_len,
             "could not change the account (%s); is the database migrated?",
             tb_store_status_name(rc));
    return TB_API_ERROR;
  }
  snprintf(msg, msg_len, "%s: %s; %d session%s ended", job->user,
           verb_event(job->verb) + strlen("account_"), ended,
           ended == 1 ? "" : "s");
  return TB_API_OK;
}

static tb_api_status run_change(tb_store *s, const tb_api_accounts_job *job,
                                const tb_api_account_opts *opts, char *msg,
                                size_t msg_len) {
  tb_store_groups groups;
  if (!job_ok(s, job, opts, &groups, msg, msg_len))
    return TB_API_INVALID;
  char hash[TB_API_HASH_MAX] = "";
  if (job->verb == TB_API_ACCOUNTS_RESET &&
      !tb_api_password_hash(job->password, job->password_len, hash)) {
    snprintf(msg, msg_len, "could not hash the password (OpenSSL failed)");
    return TB_API_ERROR;
  }
  tb_store_account_change c = {.op = OPS[job->verb],
                               .username = job->user,
                               .password_hash = hash,
                               .change_required = !opts->no_forced_change,
                               .role = job->role,
                               .bureau = job->bureau,
                               .groups = &groups};
  api_account_event event = {
      NULL,        verb_event(job->verb),
      job->user,   job->role,
      job->bureau, job->verb == TB_API_ACCOUNTS_ROLE ? &groups : NULL};
  c.also = api_security_account_event; /* in the change's transaction */
  c.also_cls = &event;
  int ended = 0;
  tb_store_status rc = tb_store_account_change_apply(s, &c, &ended);
  tb_api_status out = change_said(job, rc, ended, msg, msg_len);
  if (out == TB_API_OK)
    api_account_log(verb_event(job->verb), "cli", job->user, job->role,
                    job->bureau, ended);
  return out;
}

tb_api_status tb_api_accounts_run(const char *conninfo,
                                  const tb_api_accounts_job *job,
                                  const tb_api_account_opts *opts, FILE *out,
                                  char *msg, size_t msg_len) {
  static const tb_api_account_opts none = {0};
  if (!opts)
    opts = &none;
  tb_store_options o = {.conninfo = conninfo, .loader = &tb_api_loader};
  tb_store *s = NULL;
  if (tb_store_open(&o, &s, msg, msg_len) != TB_STORE_OK)
    return TB_API_ERROR;
  tb_api_status rc = TB_API_OK;
  if (job->verb == TB_API_ACCOUNTS_LIST) {
    tb_store_status st = tb_store_accounts_list(s, print_account, out);
    snprintf(msg, msg_len, "could not list the accounts (%s)",
             tb_store_status_name(st));
    rc = st == TB_STORE_OK ? TB_API_OK : TB_API_ERROR;
    if (rc == TB_API_OK)
      msg[0] = '\0';
  } else {
    rc = run_change(s, job, opts, msg, msg_len);
  }
  tb_store_close(s);
  return rc;
}
