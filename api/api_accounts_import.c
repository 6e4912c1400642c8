/*
 * api_accounts_import.c — many accounts at once (`tongban accounts
 * import`): text of one "NAME ROLE [BUREAU]" a line, every line checked
 * first (hostile input: control characters, overlong lines, unknown
 * roles and bureaus, duplicate names), every problem named with its line
 * number; the one password must meet the policy (and contain none of
 * the user names); then all accounts in one transaction, or none. Each
 * gets its own scrypt hash of the one password and owes a change of it
 * at its first log-in unless the import says otherwise; each is an event
 * of the security log in the same transaction, and a log line once
 * committed.
 */
#include "tb_api_int.h"
#include "tb_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_BYTES 256
#define MAX_ACCOUNTS 1000
#define MAX_PROBLEMS 50

typedef struct {
  int line;
  char user[65];
  char role[16];
  char bureau[64];
  char hash[TB_API_HASH_MAX];
} import_row;

typedef struct {
  import_row *rows;
  size_t n;
  tb_buf problems; /* "line N: what" lines */
  size_t n_problems;
  const tb_bureau_list *bureaus; /* NULL: none to check codes against */
  const tb_api_account_opts *opts;
  const char *password;
  size_t password_len;
} import_job;

static void problem(import_job *j, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(import_job *j, int line, const char *fmt, ...) {
  if (j->n_problems++ >= MAX_PROBLEMS)
    return;
  char what[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (line > 0)
    tb_buf_addf(&j->problems, "line %d: %s\n", line, what);
  else
    tb_buf_addf(&j->problems, "%s\n", what);
}

/* The first control character of a line (not a tab), or -1. */
static int control_at(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c < 0x20 && c != '\t') || c == 0x7f)
      return (int)i;
  }
  return -1;
}

/* Split a line into at most 4 fields on spaces and tabs (in place). */
static size_t fields_of(char *s, char *f[4]) {
  size_t n = 0;
  char *p = s;
  while (*p) {
    while (*p == ' ' || *p == '\t')
      p++;
    if (!*p)
      break;
    if (n < 4)
      f[n] = p;
    n++;
    while (*p && *p != ' ' && *p != '\t')
      p++;
    if (*p)
      *p++ = '\0';
  }
  return n;
}

static const import_row *find_user(const import_job *j, const char *user) {
  for (size_t i = 0; i < j->n; i++)
    if (strcmp(j->rows[i].user, user) == 0)
      return &j->rows[i];
  return NULL;
}

/* Check one line's fields and keep the account. */
static void take_fields(import_job *j, int line, char *f[4], size_t n) {
  if (n < 2 || n > 3) {
    problem(j, line, "write NAME ROLE [BUREAU] (found %zu fields)", n);
    return;
  }
  const char *user = f[0], *role = f[1], *bureau = n == 3 ? f[2] : NULL;
  bool ok = true;
  if (!api_username_ok(user)) {
    problem(j, line,
            "cannot use user name '%.64s': 1 to 64 letters, digits, '.', "
            "'_' or '-'",
            user);
    ok = false;
  }
  if (!tb_api_role_valid(role)) {
    problem(j, line,
            "unknown role '%.32s': use admin, clerk, officer or "
            "inspector",
            role);
    return;
  }
  bool officer = strcmp(role, "officer") == 0;
  if (officer != (bureau != NULL)) {
    problem(j, line,
            officer ? "an officer needs a bureau"
                    : "only officers belong to a bureau");
    return;
  }
  if (bureau && !j->bureaus) {
    problem(j, line,
            "cannot check bureau '%.32s': no bureau list (pass "
            "--workflows DIR)",
            bureau);
    return;
  }
  if (bureau && !tb_bureaus_find(j->bureaus, bureau)) {
    problem(j, line, "unknown bureau '%.32s': see workflows/bureaus.xml",
            bureau);
    return;
  }
  char detail[256];
  tb_problem_code code;
  if (ok && !tb_api_password_policy_check(j->opts->policy, user, j->password,
                                          j->password_len, &code, detail,
                                          sizeof detail)) {
    problem(j, line, "%s", detail);
    return;
  }
  const import_row *twin = ok ? find_user(j, user) : NULL;
  if (twin) {
    problem(j, line, "user '%s' is also on line %d", user, twin->line);
    return;
  }
  if (!ok)
    return;
  if (j->n >= MAX_ACCOUNTS) {
    problem(j, line, "more than %d accounts in one import", MAX_ACCOUNTS);
    return;
  }
  import_row *r = &j->rows[j->n++];
  memset(r, 0, sizeof *r);
  r->line = line;
  snprintf(r->user, sizeof r->user, "%s", user);
  snprintf(r->role, sizeof r->role, "%s", role);
  snprintf(r->bureau, sizeof r->bureau, "%s", bureau ? bureau : "");
}

/* One line (without its end): skipped when blank or a comment. */
static void take_line(import_job *j, int line, const char *s, size_t len) {
  if (len > 0 && s[len - 1] == '\r')
    len--;
  if (len > LINE_MAX_BYTES) {
    problem(j, line, "longer than %d bytes", LINE_MAX_BYTES);
    return;
  }
  int at = control_at(s, len);
  if (at >= 0) {
    problem(j, line, "a control character (0x%02x) at byte %d",
            (unsigned char)s[at], at + 1);
    return;
  }
  char buf[LINE_MAX_BYTES + 1];
  memcpy(buf, s, len);
  buf[len] = '\0';
  char *f[4] = {0};
  size_t n = fields_of(buf, f);
  if (n == 0 || f[0][0] == '#')
    return;
  take_fields(j, line, f, n);
}

static void parse_text(import_job *j, const char *text, size_t len) {
  int line = 0;
  size_t start = 0;
  while (start < len) {
    line++;
    const char *nl = memchr(text + start, '\n', len - start);
    size_t end = nl ? (size_t)(nl - text) : len;
    take_line(j, line, text + start, end - start);
    start = end + 1;
  }
  if (j->n == 0 && j->n_problems == 0)
    problem(j, 0, "no accounts: write one NAME ROLE [BUREAU] a line");
}

/* ---- the transaction ------------------------------------------------------
 */

static tb_store_status insert_all(tb_store *s, void *cls) {
  import_job *j = cls;
  bool exists = false;
  for (size_t i = 0; i < j->n; i++) {
    const import_row *r = &j->rows[i];
    tb_store_status rc = tb_store_account_create(
        s, r->user, r->role, r->bureau[0] ? r->bureau : NULL, r->hash,
        !j->opts->no_forced_change, NULL);
    if (rc == TB_STORE_CONFLICT) {
      problem(j, r->line, "user '%s' exists", r->user);
      exists = true;
    } else if (rc != TB_STORE_OK) {
      return rc;
    }
  }
  for (size_t i = 0; i < j->n && !exists; i++) {
    const import_row *r = &j->rows[i];
    tb_store_status rc = api_security_account_created(
        s, r->user, r->role, r->bureau[0] ? r->bureau : NULL,
        "accounts import");
    if (rc != TB_STORE_OK)
      return rc;
  }
  return exists ? TB_STORE_CONFLICT : TB_STORE_OK;
}

static bool hash_all(import_job *j, const char *password, size_t len) {
  for (size_t i = 0; i < j->n; i++)
    if (!tb_api_password_hash(password, len, j->rows[i].hash))
      return false;
  return true;
}

static void log_added(const import_job *j) {
  for (size_t i = 0; i < j->n; i++) {
    const import_row *r = &j->rows[i];
    tb_log_kv(TB_LOG_INFO, "accounts", "account added",
              TB_LOG_S("security", "account_import"), TB_LOG_S("user", r->user),
              TB_LOG_S("role", r->role),
              TB_LOG_S("bureau", r->bureau[0] ? r->bureau : NULL));
  }
}

/* Store every row in one transaction; TB_API_INVALID when a user exists
 * (the problems name them), TB_API_ERROR when the database failed. */
static tb_api_status store_all(tb_store *s, import_job *j, char *msg,
                               size_t msg_len) {
  tb_store_status rc = tb_store_run_transaction(s, insert_all, j);
  if (rc == TB_STORE_CONFLICT)
    return TB_API_INVALID;
  if (rc != TB_STORE_OK) {
    snprintf(msg, msg_len,
             "could not store the accounts (%s); none was added; is the "
             "database migrated?",
             tb_store_status_name(rc));
    return TB_API_ERROR;
  }
  log_added(j);
  return TB_API_OK;
}

static void problems_to(import_job *j, char *msg, size_t msg_len) {
  if (j->n_problems > MAX_PROBLEMS)
    tb_buf_addf(&j->problems, "(%zu more problems)\n",
                j->n_problems - MAX_PROBLEMS);
  tb_buf_adds(&j->problems, "no account was added");
  snprintf(msg, msg_len, "%s", tb_buf_str(&j->problems));
}

tb_api_status tb_api_accounts_import(const char *conninfo, const char *text,
                                     size_t len,
                                     const tb_api_account_opts *opts,
                                     const char *password, size_t password_len,
                                     size_t *added, char *msg, size_t msg_len) {
  static const tb_api_account_opts none = {0};
  if (!opts)
    opts = &none;
  *added = 0;
  tb_problem_code code;
  if (!tb_api_password_policy_check(opts->policy, NULL, password, password_len,
                                    &code, msg, msg_len))
    return TB_API_INVALID;
  const tb_bureau_list *bureaus = opts->bureaus;
  tb_store_options o = {.conninfo = conninfo, .loader = &tb_api_loader};
  tb_store *s = NULL;
  if (tb_store_open(&o, &s, msg, msg_len) != TB_STORE_OK)
    return TB_API_ERROR;
  /* no list given: the stored one, if any */
  const tb_bureau_list *stored = NULL;
  tb_problem p = {0};
  if (!bureaus && tb_store_bureaus_get(s, &stored, &p) == TB_STORE_OK)
    bureaus = stored;
  import_job j = {.bureaus = bureaus,
                  .opts = opts,
                  .password = password,
                  .password_len = password_len};
  j.rows = tb_xcalloc(MAX_ACCOUNTS, sizeof *j.rows);
  tb_buf_init(&j.problems, 64 * 1024);
  parse_text(&j, text, len);
  tb_api_status out = TB_API_OK;
  if (j.n_problems) {
    problems_to(&j, msg, msg_len);
    out = TB_API_INVALID;
  } else if (!hash_all(&j, password, password_len)) {
    snprintf(msg, msg_len, "could not hash the password (OpenSSL failed)");
    out = TB_API_ERROR;
  } else {
    out = store_all(s, &j, msg, msg_len);
    if (out == TB_API_INVALID)
      problems_to(&j, msg, msg_len);
    else if (out == TB_API_OK) {
      *added = j.n;
      snprintf(msg, msg_len, "%zu accounts added", j.n);
    }
  }
  tb_store_close(s);
  free(j.rows);
  tb_buf_free(&j.problems);
  return out;
}
