/*
 * cmd_accounts.c — `tongban accounts add USER --role ROLE [--bureau CODE]
 * [--db URL] [--data DIR]`: create a staff account. The password is read
 * from standard input (one line; no echo on a terminal), never from the
 * command line, and stored only as an scrypt hash.
 *
 * The database is --db URL, else $TONGBAN_DATABASE_URL, else the embedded
 * cluster in --data (default ./var), migrated first when this command
 * starts it.
 */
#include "tb_api.h"
#include "tb_cli.h"
#include "tb_store.h"
#include "tb_store_cluster.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define MAX_PASSWORD 1024

static int usage(void) {
  fprintf(stderr, "usage: tongban accounts add USER --role "
                  "admin|clerk|officer|inspector [--bureau CODE] [--db URL] "
                  "[--data DIR]\n       (the password is read from standard "
                  "input)\n");
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
  const char *db, *data, *role, *bureau;
} options;

static bool parse(int argc, char **argv, options *o) {
  static const struct option longs[] = {
      {"db", required_argument, NULL, 'd'},
      {"data", required_argument, NULL, 'D'},
      {"role", required_argument, NULL, 'r'},
      {"bureau", required_argument, NULL, 'b'},
      {NULL, 0, NULL, 0}};
  memset(o, 0, sizeof *o);
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
    if (c == 'd')
      o->db = optarg;
    else if (c == 'D')
      o->data = optarg;
    else if (c == 'r')
      o->role = optarg;
    else if (c == 'b')
      o->bureau = optarg;
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

int tb_cli_accounts(int argc, char **argv) {
  if (argc < 3 || strcmp(argv[1], "add") != 0)
    return usage();
  const char *user = argv[2];
  options o;
  if (!parse(argc - 2, argv + 2, &o) || optind != argc - 2 || !o.role)
    return usage();
  char password[MAX_PASSWORD + 2];
  size_t len = 0;
  if (!read_password(password, sizeof password, &len)) {
    fprintf(stderr, "tongban: no password on standard input\n");
    return 1;
  }
  char info[PATH_MAX + 128];
  const char *url = o.db;
  const char *env = getenv("TONGBAN_DATABASE_URL");
  if (!url && env && *env)
    url = env;
  tb_store_cluster *cluster = NULL;
  if (!url) {
    if (!embedded(o.data ? o.data : "./var", &cluster, info, sizeof info)) {
      tb_store_cluster_stop(cluster);
      return 1;
    }
    url = info;
  }
  char msg[512];
  tb_api_status rc = tb_api_account_add(url, user, o.role, o.bureau, password,
                                        len, msg, sizeof msg);
  memset(password, 0, sizeof password);
  tb_store_cluster_stop(cluster);
  if (rc != TB_API_OK) {
    fprintf(stderr, "tongban: %s\n", msg);
    return rc == TB_API_INVALID ? 2 : 1;
  }
  printf("%s\n", msg);
  return 0;
}
