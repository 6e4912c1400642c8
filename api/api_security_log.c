/*
 * api_security_log.c — the security log from the API's side: writing an
 * event with the request's actor and client address (api_security_log,
 * the one-line call of every route that does something security-related),
 * the operating system's user for events of the `tongban` commands, and
 * GET /api/v1/security-events (inspectors and administrators), a page of
 * the log newest first, filtered by kind, actor and days.
 */
#include "tb_api_int.h"
#include "tb_log.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static tb_store_status log_event(api_req *r, tb_store *s,
                                 const tb_store_security_actor *who,
                                 const char *kind,
                                 tb_store_security_outcome outcome,
                                 const char *subject, json_t *details) {
  tb_store_status rc =
      tb_store_security_log_add(s, kind, who, subject, outcome, details);
  if (rc != TB_STORE_OK)
    tb_log_kv(TB_LOG_ERROR, "security", "security event not written",
              TB_LOG_S("kind", kind), TB_LOG_S("client", r->client),
              TB_LOG_S("status", tb_store_status_name(rc)));
  return rc;
}

tb_store_status api_security_log(api_req *r, tb_store *s, const char *kind,
                                 tb_store_security_outcome outcome,
                                 const char *subject, json_t *details) {
  tb_store_security_actor who = {.kind = r->authed ? TB_SECURITY_ACCOUNT
                                                   : TB_SECURITY_ANONYMOUS,
                                 .name = r->authed ? r->who.username : NULL,
                                 .address = r->client[0] ? r->client : NULL};
  return log_event(r, s, &who, kind, outcome, subject, details);
}

tb_store_status api_security_log_as(api_req *r, tb_store *s,
                                    const char *username, const char *kind,
                                    tb_store_security_outcome outcome,
                                    const char *subject, json_t *details) {
  tb_store_security_actor who = {.kind = TB_SECURITY_ACCOUNT,
                                 .name = username,
                                 .address = r->client[0] ? r->client : NULL};
  return log_event(r, s, &who, kind, outcome, subject, details);
}

const char *tb_api_cli_user(char *buf, size_t cap) {
  struct passwd pw, *found = NULL;
  char scratch[1024];
  uid_t uid = geteuid();
  if (getpwuid_r(uid, &pw, scratch, sizeof scratch, &found) == 0 && found &&
      found->pw_name[0] && strlen(found->pw_name) <= 64)
    snprintf(buf, cap, "%s", found->pw_name);
  else
    snprintf(buf, cap, "uid:%lu", (unsigned long)uid);
  return buf;
}

/* ---- GET /api/v1/security-events ---------------------------------------- */

static bool kind_ok(const char *k) {
  size_t n = strlen(k);
  if (n == 0 || n > 64 || k[0] < 'a' || k[0] > 'z')
    return false;
  return strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* A whole number from lo to hi into *out; false when it is not one. */
static bool number_in(const char *text, long long lo, long long hi,
                      long long *out) {
  char *end = NULL;
  errno = 0;
  long long v = strtoll(text, &end, 10);
  if (errno || !end || *end || end == text || v < lo || v > hi)
    return false;
  *out = v;
  return true;
}

static void read_date(api_req *r, api_problem *pb, const char *name,
                      const char **out, tb_day *day) {
  const char *text = api_query(r, name);
  *out = text;
  if (text && tb_date_parse(text, strlen(text), day) != TB_OK)
    api_problem_field(pb, name, TB_PROBLEM_INVALID_REQUEST,
                      "must be a date YYYY-MM-DD");
}

static void read_paging(api_req *r, api_problem *pb,
                        tb_store_security_query *q) {
  const char *limit = api_query(r, "limit"), *after = api_query(r, "after");
  long long v = 0;
  q->limit = 100;
  if (limit && !number_in(limit, 1, 500, &v))
    api_problem_field(pb, "limit", TB_PROBLEM_INVALID_REQUEST,
                      "must be a whole number from 1 to 500");
  else if (limit)
    q->limit = (int)v;
  if (after && !number_in(after, 1, LLONG_MAX, &v))
    api_problem_field(pb, "after", TB_PROBLEM_INVALID_REQUEST,
                      "must be the \"next\" cursor of the previous page");
  else if (after)
    q->after = v;
}

/* The query, checked; false when a problem was sent. */
static bool read_query(api_req *r, tb_store_security_query *q) {
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_REQUEST, "the query has problems");
  q->kind = api_query(r, "kind");
  if (q->kind && !kind_ok(q->kind))
    api_problem_field(&pb, "kind", TB_PROBLEM_INVALID_REQUEST,
                      "must be an event kind: lower case letters, digits "
                      "and '_', at most 64");
  q->actor = api_query(r, "actor");
  size_t alen = q->actor ? strlen(q->actor) : 1;
  if (alen == 0 || alen > 64 ||
      !tb_utf8_valid(q->actor ? q->actor : "x", alen, NULL))
    api_problem_field(&pb, "actor", TB_PROBLEM_INVALID_REQUEST,
                      "must be a user name of 1 to 64 characters");
  tb_day from = 0, to = 0;
  read_date(r, &pb, "from", &q->from, &from);
  read_date(r, &pb, "to", &q->to, &to);
  if (q->from && q->to && !api_problem_has_errors(&pb) && from > to)
    api_problem_field(&pb, "to", TB_PROBLEM_OUT_OF_RANGE,
                      "must not be before from");
  read_paging(r, &pb, q);
  if (api_problem_has_errors(&pb)) {
    api_problem_send(r, &pb);
    return false;
  }
  api_problem_free(&pb);
  return true;
}

void api_h_security_events_list(api_req *r) {
  tb_store_security_query q = {0};
  if (!read_query(r, &q))
    return;
  tb_store *s = api_store(r);
  if (!s)
    return;
  char *json = NULL;
  tb_store_status rc = tb_store_security_log_read(s, &q, &json);
  api_reply_store_json(r, rc, json, NULL);
}

/* ---- logging in and out ------------------------------------------------- */

static void account_subject(const char *user, char *out, size_t cap) {
  snprintf(out, cap, "account:%s", user);
}

void api_security_login_refused(api_req *r, tb_store *s, const char *user,
                                tb_store_security_outcome outcome,
                                const char *reason) {
  char subject[96];
  account_subject(user, subject, sizeof subject);
  tb_store_security_actor who = {.kind = TB_SECURITY_ANONYMOUS,
                                 .address = r->client[0] ? r->client : NULL};
  log_event(r, s, &who, "login", outcome, subject,
            json_pack("{s:s}", "reason", reason));
}

typedef struct {
  api_req *r;
  const tb_store_account *a;
  const uint8_t *hash;
  int ttl;
  unsigned pending;
  int64_t *expires;
} session_job;

static tb_store_status login_body(tb_store *s, void *cls) {
  session_job *j = cls;
  tb_store_status rc = tb_store_session_create(s, j->a->id, j->hash, j->ttl,
                                               j->pending, j->expires);
  if (rc != TB_STORE_OK)
    return rc;
  char subject[96];
  account_subject(j->a->username, subject, sizeof subject);
  return api_security_log_as(j->r, s, j->a->username, "login", TB_SECURITY_OK,
                             subject, json_pack("{s:s}", "role", j->a->role));
}

tb_store_status api_security_session_create(api_req *r, tb_store *s,
                                            const tb_store_account *a,
                                            const uint8_t token_hash[32],
                                            int ttl, unsigned pending,
                                            int64_t *expires_at) {
  session_job j = {r, a, token_hash, ttl, pending, expires_at};
  return tb_store_run_transaction(s, login_body, &j);
}

static tb_store_status logout_body(tb_store *s, void *cls) {
  api_req *r = cls;
  tb_store_status rc = tb_store_session_revoke(s, r->token_hash);
  if (rc != TB_STORE_OK)
    return rc;
  char subject[96];
  account_subject(r->who.username, subject, sizeof subject);
  return api_security_log(r, s, "logout", TB_SECURITY_OK, subject, NULL);
}

tb_store_status api_security_session_revoke(api_req *r, tb_store *s) {
  return tb_store_run_transaction(s, logout_body, r);
}

/* ---- accounts made by the commands -------------------------------------- */

tb_store_status api_security_account_created(tb_store *s, const char *user,
                                             const char *role,
                                             const char *bureau,
                                             const char *command) {
  return api_security_account_created_in(s, user, role, bureau, NULL, command);
}

tb_store_status api_security_account_created_in(tb_store *s, const char *user,
                                                const char *role,
                                                const char *bureau,
                                                const tb_store_groups *groups,
                                                const char *command) {
  char os_user[80], subject[96];
  account_subject(user, subject, sizeof subject);
  tb_store_security_actor who = {.kind = TB_SECURITY_CLI,
                                 .name =
                                     tb_api_cli_user(os_user, sizeof os_user)};
  json_t *details = json_pack("{s:s, s:s, s:s?}", "command", command, "role",
                              role, "bureau", bureau);
  if (groups && groups->n)
    json_object_set_new(details, "groups", api_groups_json(groups));
  return tb_store_security_log_add(s, "account_created", &who, subject,
                                   TB_SECURITY_OK, details);
}

tb_store_status api_security_account_event(tb_store *s, void *cls) {
  const api_account_event *e = cls;
  char subject[96];
  account_subject(e->user, subject, sizeof subject);
  json_t *details = json_pack("{s:s?, s:s?}", "role", e->role, "bureau",
                              e->bureau && *e->bureau ? e->bureau : NULL);
  if (e->groups) /* the account's groups after the change */
    json_object_set_new(details, "groups", api_groups_json(e->groups));
  if (e->r)
    return api_security_log(e->r, s, e->kind, TB_SECURITY_OK, subject, details);
  char os_user[80];
  tb_store_security_actor who = {.kind = TB_SECURITY_CLI,
                                 .name =
                                     tb_api_cli_user(os_user, sizeof os_user)};
  return tb_store_security_log_add(s, e->kind, &who, subject, TB_SECURITY_OK,
                                   details);
}

typedef struct {
  api_req *r;
  const char *user, *role, *bureau, *hash;
  bool change_required;
  const tb_store_groups *groups;
} add_job;

static tb_store_status add_body(tb_store *s, void *cls) {
  add_job *j = cls;
  int64_t id = 0;
  tb_store_status rc = tb_store_account_create(
      s, j->user, j->role, j->bureau, j->hash, j->change_required, &id);
  if (rc == TB_STORE_OK && j->groups && j->groups->n)
    rc = tb_store_account_groups_set(s, id, j->groups);
  if (rc != TB_STORE_OK)
    return rc;
  if (!j->r)
    return api_security_account_created_in(s, j->user, j->role, j->bureau,
                                           j->groups, "accounts add");
  api_account_event e = {
      j->r,    "account_created", j->user,
      j->role, j->bureau,         j->groups && j->groups->n ? j->groups : NULL};
  return api_security_account_event(s, &e);
}

tb_store_status api_security_account_add(api_req *r, tb_store *s,
                                         const char *user, const char *role,
                                         const char *bureau,
                                         const tb_store_groups *groups,
                                         const char *password_hash,
                                         bool change_required) {
  add_job j = {r, user, role, bureau, password_hash, change_required, groups};
  return tb_store_run_transaction(s, add_body, &j);
}
