/*
 * cmd_accounts.c — `tongban accounts`: staff accounts.
 *
 * `add USER --role ROLE [--bureau CODE [--groups KZ,FZ]]`: create one
 * (an officer may belong to groups of its bureau, bureaus.xml <group>).
 * The password is read from standard input (one line; no echo on a
 * terminal), never from the command line, and stored only as an scrypt
 * hash.
 * `import FILE|- [--password-file FILE]`: many accounts in one
 * transaction, one "NAME ROLE [BUREAU]" a line (tb_api_accounts_import),
 * all with one password: from --password-file, else standard input (then
 * the accounts may not come from it too).
 * `list`, `disable USER`, `enable USER`, `delete USER`,
 * `reset-password USER` (the password from standard input) and
 * `set-role USER ROLE [--bureau CODE [--groups KZ,FZ]]` (the groups
 * replace the account's; none without --groups): the administrator's
 * verbs (tb_api_accounts_run); all but enable end the account's sessions.
 *
 * Passwords meet the policy: --password-min-length N and
 * --password-min-classes N, else $TONGBAN_PASSWORD_MIN_LENGTH and
 * $TONGBAN_PASSWORD_MIN_CLASSES, else 8 characters of 3 kinds. A password
 * set here must be changed at the account's first log-in, unless
 * --no-forced-change (for demos and tests only). Bureau and group codes
 * are checked against DIR/bureaus.xml of --workflows DIR (default
 * ./workflows when it has one), else against the list a server stored:
 * before the first start there is none, and an officer is refused rather
 * than taken unchecked.
 * The embedded cluster is started once per command.
 *
 * The database is --db URL, else $TONGBAN_DATABASE_URL, else the embedded
 * cluster in --data (default ./var), migrated first when this command
 * starts it.
 */
#include "tb_api.h"
#include "tb_cli.h"
#include "tb_store.h"
#include "tb_store_cluster.h"
#include "tb_workflows.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define MAX_PASSWORD 1024
#define MAX_IMPORT_BYTES (1024 * 1024)

static int usage(void) {
  fprintf(
      stderr,
      "usage: tongban accounts add USER --role admin|clerk|officer|inspector "
      "[--bureau CODE [--groups KZ,FZ]]\n"
      "       tongban accounts import FILE|- [--password-file FILE]\n"
      "         (one NAME ROLE [BUREAU] a line; one password for all, from "
      "the file or standard input)\n"
      "       tongban accounts list\n"
      "       tongban accounts disable|enable|delete USER\n"
      "       tongban accounts reset-password USER   (the new password on "
      "standard input)\n"
      "       tongban accounts set-role USER ROLE [--bureau CODE "
      "[--groups KZ,FZ]]\n"
      "       tongban accounts reset-totp USER   (the second factor)\n"
      "     every command takes [--db URL] [--data DIR]; add, import, "
      "set-role take [--workflows DIR];\n"
      "     add, import, reset-password take [--no-forced-change] "
      "(demos and tests only)\n"
      "     [--password-min-length N] [--password-min-classes N]\n");
  return 2;
}

/* One line from standard input, without its line end; echo is off on a
 * terminal. false when nothing could be read. */
static bool read_password(char *buf, size_t cap, size_t *len) {
  struct termios old, quiet;
  bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    fprintf(stderr, "password: ");
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  bool ok = fgets(buf, (int)cap, stdin) != NULL;
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    fprintf(stderr, "\n");
  }
  if (!ok)
    return false;
  size_t n = strlen(buf);
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
    buf[--n] = '\0';
  *len = n;
  return true;
}

typedef struct {
  const char *db, *data, *role, *bureau, *password_file, *workflows, *groups;
  bool no_forced_change;
  tb_api_password_policy policy;
} options;

static bool parse(int argc, char **argv, options *o) {
  static const struct option longs[] = {
      {"db", required_argument, NULL, 'd'},
      {"data", required_argument, NULL, 'D'},
      {"role", required_argument, NULL, 'r'},
      {"bureau", required_argument, NULL, 'b'},
      {"groups", required_argument, NULL, 'g'},
      {"password-file", required_argument, NULL, 'p'},
      {"workflows", required_argument, NULL, 'w'},
      {"no-forced-change", no_argument, NULL, 'n'},
      {"password-min-length", required_argument, NULL, 'L'},
      {"password-min-classes", required_argument, NULL, 'C'},
      {NULL, 0, NULL, 0}};
  memset(o, 0, sizeof *o);
  char err[256];
  if (!tb_api_password_policy_env(&o->policy, err, sizeof err)) {
    fprintf(stderr, "tongban: %s\n", err);
    return false;
  }
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
    if ((c == 'L' || c == 'C') &&
        !tb_api_password_policy_set(&o->policy,
                                    c == 'L' ? "min-length" : "min-classes",
                                    optarg, err, sizeof err)) {
      fprintf(stderr, "tongban: --%s\n", err);
      return false;
    }
    if (c == 'n')
      o->no_forced_change = true;
    else if (c == 'L' || c == 'C')
      continue;
    else if (c == 'd')
      o->db = optarg;
    else if (c == 'D')
      o->data = optarg;
    else if (c == 'r')
      o->role = optarg;
    else if (c == 'b')
      o->bureau = optarg;
    else if (c == 'g')
      o->groups = optarg;
    else if (c == 'p')
      o->password_file = optarg;
    else if (c == 'w')
      o->workflows = optarg;
    else
      return false;
  }
  return true;
}

/* The embedded cluster: started (and migrated) for this command, or the
 * socket of the serve that holds it. */
static bool embedded(const char *dir, tb_store_cluster **cluster, char *info,
                     size_t cap) {
  char err[1024];
  tb_store_cluster_options co = {.dir = dir, .fsync = true, .lock = true};
  tb_store_status rc = tb_store_cluster_start(&co, cluster, err, sizeof err);
  if (rc == TB_STORE_BUSY) {
    tb_store_cluster_conninfo(dir, 0, true, info, cap);
    return true;
  }
  if (rc != TB_STORE_OK) {
    fprintf(stderr, "tongban: %s\n", err);
    return false;
  }
  snprintf(info, cap, "%s", tb_store_cluster_admin_conninfo(*cluster));
  tb_store_options so = {.conninfo = info};
  tb_store *s = NULL;
  bool ok = tb_store_open(&so, &s, err, sizeof err) == TB_STORE_OK &&
            tb_store_migrate(s, NULL, NULL, err, sizeof err) == TB_STORE_OK &&
            tb_store_server_role_grant(s) == TB_STORE_OK;
  if (!ok)
    fprintf(stderr, "tongban: %s\n", err);
  tb_store_close(s);
  return ok;
}

/* The database: --db, $TONGBAN_DATABASE_URL, or the embedded cluster
 * (started into *cluster, stopped by the caller). NULL on failure. */
static const char *database(const options *o, tb_store_cluster **cluster,
                            char *info, size_t cap) {
  const char *env = getenv("TONGBAN_DATABASE_URL");
  if (o->db)
    return o->db;
  if (env && *env)
    return env;
  if (!embedded(o->data ? o->data : "./var", cluster, info, cap))
    return NULL;
  return info;
}

/* The one password of an import: the first line of --password-file, or
 * a line of standard input. */
static bool import_password(const options *o, char *buf, size_t cap,
                            size_t *len) {
  if (!o->password_file)
    return read_password(buf, cap, len);
  size_t n = 0;
  char *text = tb_cli_read_file(o->password_file, MAX_PASSWORD + 2, &n);
  if (!text)
    return false;
  size_t end = strcspn(text, "\r\n");
  bool ok = end < cap;
  if (ok) {
    memcpy(buf, text, end);
    buf[end] = '\0';
    *len = end;
  }
  memset(text, 0, n);
  free(text);
  return ok;
}

/* DIR/bureaus.xml into *out: --workflows DIR, else ./workflows when it
 * has one, else none (*out NULL: the stored list is checked). */
static bool load_bureaus(const options *o, tb_bureau_list **out) {
  *out = NULL;
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/bureaus.xml",
           o->workflows ? o->workflows : "workflows");
  if (!o->workflows && access(path, R_OK) != 0)
    return true;
  tb_workflows_problems ps = {0};
  bool ok = tb_workflows_load_bureaus(path, out, &ps) == TB_OK;
  if (!ok)
    tb_workflows_problems_print(&ps, stderr);
  tb_workflows_problems_free(&ps);
  return ok;
}

static tb_api_account_opts opts_of(const options *o,
                                   const tb_bureau_list *bureaus) {
  return (tb_api_account_opts){.policy = &o->policy,
                               .bureaus = bureaus,
                               .no_forced_change = o->no_forced_change,
                               .groups = o->groups};
}

/* The exit status of an outcome, its message said. */
static int said(tb_api_status rc, const char *msg) {
  if (msg[0])
    fprintf(rc == TB_API_OK ? stdout : stderr, "%s%s\n",
            rc == TB_API_OK ? "" : "tongban: ", msg);
  return rc == TB_API_OK ? 0 : rc == TB_API_INVALID ? 2 : 1;
}

static int run_import(int argc, char **argv) {
  options o;
  if (argc < 2 || !parse(argc - 1, argv + 1, &o) || optind != argc - 1 ||
      o.role || o.bureau || o.groups)
    return usage();
  const char *file = argv[1];
  if (strcmp(file, "-") == 0 && !o.password_file) {
    fprintf(stderr, "tongban: the accounts come from standard input: give "
                    "the password with --password-file FILE\n");
    return 2;
  }
  size_t len = 0;
  char *text = tb_cli_read_file(file, MAX_IMPORT_BYTES, &len);
  if (!text) {
    fprintf(stderr, "tongban: cannot read %s (at most %d bytes)\n", file,
            MAX_IMPORT_BYTES);
    return 1;
  }
  char password[MAX_PASSWORD + 2];
  size_t plen = 0;
  tb_bureau_list *bureaus = NULL;
  if (!import_password(&o, password, sizeof password, &plen)) {
    fprintf(stderr, "tongban: no password (standard input or "
                    "--password-file)\n");
    free(text);
    return 1;
  }
  int status = 1;
  char info[PATH_MAX + 128], msg[8192];
  tb_store_cluster *cluster = NULL;
  const char *url = NULL;
  if (load_bureaus(&o, &bureaus) &&
      (url = database(&o, &cluster, info, sizeof info)) != NULL) {
    size_t added = 0;
    tb_api_account_opts ao = opts_of(&o, bureaus);
    tb_api_status rc = tb_api_accounts_import(url, text, len, &ao, password,
                                              plen, &added, msg, sizeof msg);
    status = said(rc, msg);
  }
  memset(password, 0, sizeof password);
  tb_store_cluster_stop(cluster);
  tb_workflows_free_bureaus(bureaus);
  free(text);
  return status;
}

static int run_add(int argc, char **argv) {
  const char *user = argv[1];
  options o;
  if (!parse(argc - 1, argv + 1, &o) || optind != argc - 1 || !o.role)
    return usage();
  char password[MAX_PASSWORD + 2];
  size_t len = 0;
  if (!read_password(password, sizeof password, &len)) {
    fprintf(stderr, "tongban: no password on standard input\n");
    return 1;
  }
  char info[PATH_MAX + 128], msg[512];
  tb_store_cluster *cluster = NULL;
  tb_bureau_list *bureaus = NULL;
  const char *url = NULL;
  int status = 1;
  if (load_bureaus(&o, &bureaus) &&
      (url = database(&o, &cluster, info, sizeof info)) != NULL) {
    tb_api_account_opts ao = opts_of(&o, bureaus);
    tb_api_status rc = tb_api_account_add(url, user, o.role, o.bureau, password,
                                          len, &ao, msg, sizeof msg);
    status = said(rc, msg);
  }
  memset(password, 0, sizeof password);
  tb_store_cluster_stop(cluster);
  tb_workflows_free_bureaus(bureaus);
  return status;
}

/* The administrator's verbs: argv[0] is the verb, then USER [ROLE]. */
static const struct {
  const char *name;
  tb_api_accounts_verb verb;
  int args; /* positional arguments after the verb */
} VERBS[] = {{"list", TB_API_ACCOUNTS_LIST, 0},
             {"disable", TB_API_ACCOUNTS_DISABLE, 1},
             {"enable", TB_API_ACCOUNTS_ENABLE, 1},
             {"delete", TB_API_ACCOUNTS_DELETE, 1},
             {"reset-password", TB_API_ACCOUNTS_RESET, 1},
             {"set-role", TB_API_ACCOUNTS_ROLE, 2}};

/* Options a verb does not take make it a usage error. */
static bool verb_options_ok(tb_api_accounts_verb v, const options *o) {
  if (o->role || o->password_file)
    return false;
  if ((o->bureau || o->groups) && v != TB_API_ACCOUNTS_ROLE)
    return false;
  if (o->workflows && v != TB_API_ACCOUNTS_ROLE)
    return false;
  return !o->no_forced_change || v == TB_API_ACCOUNTS_RESET;
}

static int run_verb(int argc, char **argv, tb_api_accounts_verb verb,
                    int args) {
  options o;
  if (argc < args + 1 || !parse(argc - args, argv + args, &o) ||
      optind != argc - args || !verb_options_ok(verb, &o))
    return usage();
  tb_api_accounts_job job = {.verb = verb,
                             .user = args > 0 ? argv[1] : NULL,
                             .role = args > 1 ? argv[2] : NULL,
                             .bureau = o.bureau};
  char password[MAX_PASSWORD + 2];
  if (verb == TB_API_ACCOUNTS_RESET) {
    if (!read_password(password, sizeof password, &job.password_len)) {
      fprintf(stderr, "tongban: no password on standard input\n");
      return 1;
    }
    job.password = password;
  }
  char info[PATH_MAX + 128], msg[512];
  tb_store_cluster *cluster = NULL;
  tb_bureau_list *bureaus = NULL;
  const char *url = NULL;
  int status = 1;
  if ((verb != TB_API_ACCOUNTS_ROLE || load_bureaus(&o, &bureaus)) &&
      (url = database(&o, &cluster, info, sizeof info)) != NULL) {
    tb_api_account_opts ao = opts_of(&o, bureaus);
    status =
        said(tb_api_accounts_run(url, &job, &ao, stdout, msg, sizeof msg), msg);
  }
  memset(password, 0, sizeof password);
  tb_store_cluster_stop(cluster);
  tb_workflows_free_bureaus(bureaus);
  return status;
}

int tb_cli_accounts(int argc, char **argv) {
  if (argc < 2)
    return usage();
  const char *verb = argv[1];
  if (strcmp(verb, "reset-totp") == 0)
    return tb_cli_accounts_reset_totp(argc - 1, argv + 1);
  if (strcmp(verb, "import") == 0)
    return run_import(argc - 1, argv + 1);
  if (strcmp(verb, "add") == 0 && argc >= 3)
    return run_add(argc - 1, argv + 1);
  for (size_t i = 0; i < sizeof VERBS / sizeof VERBS[0]; i++)
    if (strcmp(verb, VERBS[i].name) == 0)
      return run_verb(argc - 1, argv + 1, VERBS[i].verb, VERBS[i].args);
  return usage();
}
