/*
 * api_accounts.c — account management for administrators:
 *
 *   GET    /api/v1/accounts                      the list
 *   POST   /api/v1/accounts                      create
 *   POST   /api/v1/accounts/{username}/disable   disable
 *   POST   /api/v1/accounts/{username}/enable    enable
 *   POST   /api/v1/accounts/{username}/password  reset the password
 *   POST   /api/v1/accounts/{username}/role      role (and bureau, groups)
 *   DELETE /api/v1/accounts/{username}           delete
 *
 * A password an administrator sets (create, reset) must be changed at
 * the account's next log-in, and meets the server's password policy.
 * Every change that lowers or ends access ends the account's sessions in
 * its own transaction (store/tb_store_account_admin.c); the last enabled
 * administrator is never disabled, deleted or demoted. An officer may
 * belong to groups (岗位) its bureau declares in bureaus.xml ("groups":
 * ["KZ"], api_groups.c), set on create and with the role. The same verbs
 * are `tongban accounts …` (api_accounts_cli.c).
 */
#include "tb_api_int.h"

#include <stdio.h>
#include <string.h>

static const char *const ROLES[] = {"admin", "clerk", "officer", "inspector",
                                    NULL};

/* ---- the list ------------------------------------------------------------ */

static json_t *account_json(const tb_store_account_info *i) {
  json_t *o =
      json_pack("{s:s, s:s, s:b, s:b, s:o}", "username", i->a.username, "role",
                i->a.role, "disabled", i->a.disabled,
                "password_change_required", i->a.password_change_required,
                "created_at", api_json_time(i->created_at));
  json_object_set_new(o, "bureau",
                      i->a.bureau[0] ? json_string(i->a.bureau) : json_null());
  json_object_set_new(o, "last_login_at",
                      i->last_login_at ? api_json_time(i->last_login_at)
                                       : json_null());
  json_object_set_new(o, "groups", api_groups_json(&i->a.groups));
  return o;
}

static void add_account(const tb_store_account_info *i, void *cls) {
  json_array_append_new(cls, account_json(i));
}

void api_h_accounts_list(api_req *r) {
  tb_store *s = api_store(r);
  if (!s)
    return;
  json_t *list = json_array();
  tb_store_status rc = tb_store_accounts_list(s, add_account, list);
  if (rc != TB_STORE_OK) {
    json_decref(list);
    api_fail_store(r, rc);
    return;
  }
  api_reply_json(r, 200, json_pack("{s:o}", "accounts", list));
}

/* ---- shared checks ---------------------------------------------------------
 */

/* The password meets the policy for the user; else a 422 naming it. */
static bool password_ok(api_req *r, const char *field, const char *user,
                        const char *password) {
  tb_problem_code code;
  char detail[256];
  if (tb_api_password_policy_check(api_password_policy(r), user, password,
                                   strlen(password), &code, detail,
                                   sizeof detail))
    return true;
  api_fail_field(r, code, field, "%s", detail);
  return false;
}

/* Role and bureau agree and the bureau is known; else a 422. */
static bool role_ok(api_req *r, tb_store *s, const char *role,
                    const char *bureau) {
  char msg[256];
  bool officer = strcmp(role, "officer") == 0;
  if (officer && !bureau) {
    api_fail_field(r, TB_PROBLEM_MISSING, "bureau",
                   "an officer needs a bureau");
    return false;
  }
  if (!officer && bureau) {
    api_fail_field(r, TB_PROBLEM_INVALID_REQUEST, "bureau",
                   "only officers belong to a bureau");
    return false;
  }
  if (officer && !api_bureau_check(s, NULL, bureau, msg, sizeof msg)) {
    api_fail_field(r, TB_PROBLEM_UNKNOWN_BUREAU, "bureau", "%s", msg);
    return false;
  }
  return true;
}

/* The "groups" of the body (v, NULL when absent) into *g, known to the
 * officer's bureau; else a 422 naming the field. */
static bool groups_ok(api_req *r, tb_store *s, const char *role,
                      const char *bureau, const json_t *v, tb_store_groups *g) {
  char msg[320];
  if (!api_groups_from_json(v, g, msg, sizeof msg) ||
      !api_groups_check(s, NULL, strcmp(role, "officer") == 0 ? bureau : NULL,
                        g, msg, sizeof msg)) {
    api_fail_field(r, TB_PROBLEM_INVALID_REQUEST, "groups", "%s", msg);
    return false;
  }
  return true;
}

bool api_body_fields(api_req *r, json_t **body, const char *detail,
                     api_field *spec) {
  *body = api_body_object(r);
  if (!*body)
    return false;
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_REQUEST, detail);
  if (!api_fields_parse(&pb, *body, NULL, spec)) {
    api_problem_send(r, &pb);
    json_decref(*body);
    return false;
  }
  api_problem_free(&pb);
  return true;
}

/* A password an administrator sets, hashed on the hashing pool
 * (api_hashpool.c) while the request waits suspended, and what the
 * second half needs; in the request's arena. */
typedef struct {
  const char *user, *role, *bureau;
  tb_store_groups groups; /* create: the officer's */
  api_password_work work;
} set_password;

static set_password *set_password_new(api_req *r, const char *user,
                                      const char *role, const char *bureau,
                                      const char *password) {
  set_password *p = tb_arena_alloc(r->arena, sizeof *p);
  memset(p, 0, sizeof *p);
  p->user = tb_arena_strdup(r->arena, user);
  p->role = role; /* one of ROLES */
  p->bureau = bureau ? tb_arena_strdup(r->arena, bureau) : NULL;
  p->work.password = tb_arena_strdup(r->arena, password);
  p->work.len = strlen(password);
  return p;
}

/* The pool's answer: the store handle of the thread the request
 * continues on, or NULL when r was answered (503, 500). */
static tb_store *hashed(api_req *r, const set_password *p) {
  if (api_password_refused(r, &p->work))
    return NULL;
  if (!p->work.ok) {
    api_fail(r, TB_PROBLEM_INTERNAL, "could not hash the password");
    return NULL;
  }
  return api_store(r);
}

/* ---- create
 * ------------------------------------------------------------------ */

/* Second half: the hash is made; store the account with its event. */
static void create_hashed(api_req *r, void *cls) {
  const set_password *p = cls;
  tb_store *s = hashed(r, p);
  if (!s)
    return;
  tb_store_status rc = /* with its event of the security log */
      api_security_account_add(r, s, p->user, p->role, p->bureau, &p->groups,
                               p->work.hash, true);
  if (rc == TB_STORE_CONFLICT) {
    api_fail_field(r, TB_PROBLEM_ACCOUNT_EXISTS, "username",
                   "user '%s' exists or existed (names are not reused)",
                   p->user);
    return;
  }
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return;
  }
  api_account_log("account_created", r->who.username, p->user, p->role,
                  p->bureau, 0);
  tb_store_account_info i = {.created_at = r->now};
  i.a.password_change_required = true;
  snprintf(i.a.username, sizeof i.a.username, "%s", p->user);
  snprintf(i.a.role, sizeof i.a.role, "%s", p->role);
  snprintf(i.a.bureau, sizeof i.a.bureau, "%s", p->bureau ? p->bureau : "");
  i.a.groups = p->groups;
  api_reply_json(r, 201, account_json(&i));
}

/* First half: the checks; then the hash on the pool. */
static void create(api_req *r, tb_store *s, const char *user, const char *role,
                   const char *bureau, const json_t *groups,
                   const char *password) {
  if (!api_username_ok(user)) {
    api_fail_field(r, TB_PROBLEM_INVALID_REQUEST, "username",
                   "1 to 64 letters, digits, '.', '_' or '-'");
    return;
  }
  tb_store_groups g;
  if (!role_ok(r, s, role, bureau) ||
      !groups_ok(r, s, role, bureau, groups, &g) ||
      !password_ok(r, "password", user, password))
    return;
  set_password *p = set_password_new(r, user, role, bureau, password);
  p->groups = g;
  api_password_later(r, &p->work, create_hashed, p);
}

void api_h_account_create(api_req *r) {
  const char *user = NULL, *bureau = NULL, *password = NULL;
  json_t *groups = NULL;
  int role = -1;
  api_field spec[] = {
      API_STRING("username", API_REQUIRED, 64, &user),
      API_CHOICE("role", API_REQUIRED, ROLES, &role),
      API_STRING("bureau", API_OPTIONAL, 32, &bureau),
      API_ARRAY("groups", API_OPTIONAL, "an array of group codes", &groups),
      API_STRING("password", API_REQUIRED | API_SECRET, 256, &password),
      API_END};
  json_t *body;
  if (!api_body_fields(r, &body, "the request is invalid", spec))
    return;
  tb_store *s = api_store(r);
  if (s)
    create(r, s, user, ROLES[role], bureau, groups, password);
  json_decref(body);
}

/* ---- changes
 * ----------------------------------------------------------------- */

static const char *event_of(tb_store_account_op op) {
  static const char *const names[] = {
      [TB_ACCOUNT_DISABLE] = "account_disabled",
      [TB_ACCOUNT_ENABLE] = "account_enabled",
      [TB_ACCOUNT_PASSWORD] = "account_password_reset",
      [TB_ACCOUNT_ROLE] = "account_role_changed",
      [TB_ACCOUNT_DELETE] = "account_deleted"};
  return names[op];
}

/* Apply c and answer: 200 {username, sessions_ended} (204 for a delete),
 * 404 for an unknown account, 409 last_admin. */
static void change(api_req *r, tb_store *s, const tb_store_account_change *c) {
  int ended = 0;
  api_account_event event = {r,       event_of(c->op), c->username,
                             c->role, c->bureau,       c->groups};
  tb_store_account_change logged = *c; /* with its event, in its transaction */
  logged.also = api_security_account_event;
  logged.also_cls = &event;
  tb_store_status rc = tb_store_account_change_apply(s, &logged, &ended);
  if (rc == TB_STORE_NOT_FOUND) {
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no account '%s'", c->username);
    return;
  }
  if (rc == TB_STORE_CONFLICT) {
    api_fail(r, TB_PROBLEM_LAST_ADMIN,
             "'%s' is the last enabled administrator: enable or add another "
             "one first",
             c->username);
    return;
  }
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return;
  }
  api_account_log(event_of(c->op), r->who.username, c->username, c->role,
                  c->bureau, ended);
  if (c->op == TB_ACCOUNT_DELETE) {
    api_reply_raw(r, 204, NULL, NULL, 0);
    return;
  }
  api_reply_json(r, 200,
                 json_pack("{s:s, s:i}", "username", c->username,
                           "sessions_ended", ended));
}

/* The simple ones: no body to read. */
static void simple(api_req *r, tb_store_account_op op) {
  tb_store *s = api_store(r);
  if (!s)
    return;
  tb_store_account_change c = {.op = op, .username = r->params[0]};
  change(r, s, &c);
}

void api_h_account_disable(api_req *r) {
  simple(r, TB_ACCOUNT_DISABLE);
}

void api_h_account_enable(api_req *r) {
  simple(r, TB_ACCOUNT_ENABLE);
}

void api_h_account_delete(api_req *r) {
  simple(r, TB_ACCOUNT_DELETE);
}

/* The reset's second half: the hash is made; apply the change. */
static void reset_hashed(api_req *r, void *cls) {
  const set_password *p = cls;
  tb_store *s = hashed(r, p);
  if (!s)
    return;
  tb_store_account_change c = {.op = TB_ACCOUNT_PASSWORD,
                               .username = p->user,
                               .password_hash = p->work.hash,
                               .change_required = true};
  change(r, s, &c);
}

void api_h_account_password(api_req *r) {
  const char *password = NULL;
  api_field spec[] = {
      API_STRING("password", API_REQUIRED | API_SECRET, 256, &password),
      API_END};
  json_t *body;
  if (!api_body_fields(r, &body, "the request is invalid", spec))
    return;
  tb_store *s = api_store(r);
  if (s && password_ok(r, "password", r->params[0], password)) {
    set_password *p = set_password_new(r, r->params[0], NULL, NULL, password);
    api_password_later(r, &p->work, reset_hashed, p);
  }
  json_decref(body);
}

/* The role, bureau and groups together: the groups given replace the
 * account's (absent: none). */
void api_h_account_role(api_req *r) {
  const char *bureau = NULL;
  json_t *groups = NULL;
  int role = -1;
  api_field spec[] = {
      API_CHOICE("role", API_REQUIRED, ROLES, &role),
      API_STRING("bureau", API_OPTIONAL, 32, &bureau),
      API_ARRAY("groups", API_OPTIONAL, "an array of group codes", &groups),
      API_END};
  json_t *body;
  if (!api_body_fields(r, &body, "the request is invalid", spec))
    return;
  tb_store *s = api_store(r);
  tb_store_groups g;
  if (s && role_ok(r, s, ROLES[role], bureau) &&
      groups_ok(r, s, ROLES[role], bureau, groups, &g)) {
    tb_store_account_change c = {.op = TB_ACCOUNT_ROLE,
                                 .username = r->params[0],
                                 .role = ROLES[role],
                                 .bureau = bureau,
                                 .groups = &g};
    change(r, s, &c);
  }
  json_decref(body);
}
