/*
 * tb_cli.h — the subcommands of the `tongban` binary. Each takes the
 * arguments after its own name (argv[0] is the subcommand's name) and
 * returns the process exit status: 0 success, 1 failure, 2 bad usage.
 */
#ifndef TB_CLI_H
#define TB_CLI_H

#include "tb_rules.h"
#include "tb_store.h"
#include "tb_store_cluster.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
  const char *name;  /* "workflows", "migrate" … */
  const char *usage; /* one line: arguments and what it does */
  int (*run)(int argc, char **argv);
} tb_cli_command;

/* `tongban workflows check FILE...` (cli/cmd_workflows.c) */
int tb_cli_workflows(int argc, char **argv);

/* `tongban serve` (cli/cmd_serve.c) */
int tb_cli_serve(int argc, char **argv);
/* `tongban migrate`, `audit verify [NUMBER]|checkpoint`, `calendar load FILE`
 * (cli/cmd_store.c) */
int tb_cli_migrate(int argc, char **argv);
int tb_cli_audit(int argc, char **argv);
int tb_cli_calendar(int argc, char **argv);

/* `tongban accounts add USER --role ROLE [--bureau CODE]`
 * (cli/cmd_accounts.c) */
int tb_cli_accounts(int argc, char **argv);
/* `tongban accounts reset-totp USER [--db URL] [--data DIR]`: an
 * administrator's remedy for a lost phone (cli/cmd_totp.c); argv[0] is
 * "reset-totp". */
int tb_cli_accounts_reset_totp(int argc, char **argv);

/* The database of a subcommand (cli/cmd_store.c): db (--db), else
 * $TONGBAN_DATABASE_URL, else the embedded cluster in data (NULL:
 * ./var): the socket of the `serve` that holds it, or started here into
 * *cluster (the caller stops it with tb_store_cluster_stop; NULL when not
 * started) and its connection string written into info (cap bytes). NULL
 * after a message on stderr when the cluster cannot start. */
const char *tb_cli_database(const char *db, const char *data,
                            tb_store_cluster **cluster, char *info, size_t cap);

/* `tongban keys init|rotate BUREAU|trust`, `tongban license verify`
 * (cli/cmd_license.c; verify has more exit statuses: 3 revoked, 4
 * signature valid but revocation not checked) */
int tb_cli_keys(int argc, char **argv);
int tb_cli_license(int argc, char **argv);
/* `keys init` for serve: the root and a first key for every bureau of
 * bureaus_xml that has none, in dir (passphrase from the environment);
 * nothing changes when they exist. With no passphrase set it refuses
 * unless allow_plain (serve's --allow-unencrypted-keys). false (after a
 * message) on failure. */
bool tb_cli_keys_ensure(const char *dir, const char *bureaus_xml,
                        bool allow_plain);
/* Whether serve may run with the keys of dir: true when every private
 * key file is encrypted, or (after a warning in the log) when one is not
 * but allow_plain; else false after a message naming the fix. */
bool tb_cli_keys_check_encrypted(const char *dir, bool allow_plain);

/* The whole file at path ("-": standard input), NUL-terminated (malloc'd,
 * freed by the caller; *len its length without the NUL); NULL when it
 * cannot be read or is over max bytes. The subcommands' one file reader
 * (cli/cli_files.c): trust lists, payloads, revocation lists, calendars,
 * checkpoint files. */
char *tb_cli_read_file(const char *path, size_t max, size_t *len);

/* The supervision rules of a workflows folder (DIR/supervision.xml): true
 * with *out NULL when the folder has none (a message says so), false when
 * the file has problems (printed as FILE:LINE on stderr). Free *out with
 * tb_rule_set_free (cli/cli_supervision.c). */
bool tb_cli_rules_load(const char *dir, tb_rule_set **out);

/* The documents' templates serve renders with (cli/cli_templates.c): dir
 * (--templates; NULL: $TONGBAN_TEMPLATES, else WORKFLOWS/templates),
 * opened and checked. true with *out NULL when no folder was named and
 * the default one does not exist (a message says so); false when the
 * folder cannot be read or a template has problems (printed as FILE:LINE
 * on stderr). Close *out with tb_doc_templates_close. */
struct tb_doc_templates;
bool tb_cli_templates_open(const char *dir, const char *workflows,
                           struct tb_doc_templates **out);

/* The sweeper thread of `serve`: every interval seconds, the store's
 * sweep of rules (borrowed: outlives the thread) on a handle opened with
 * o (copied). false when the thread cannot start. */
typedef struct tb_cli_sweeper tb_cli_sweeper;
bool tb_cli_sweeper_start(const tb_store_options *o, const tb_rule_set *rules,
                          double interval, tb_cli_sweeper **out);
void tb_cli_sweeper_stop(tb_cli_sweeper *w); /* NULL is fine */

/* Wait `seconds` on wake (under lock) unless *stop is or becomes set;
 * false when asked to stop. The background threads of `serve` (audit
 * checkpoints, supervision sweeps) wait their intervals with it
 * (cli/cli_supervision.c). */
bool tb_cli_wait_interval(pthread_mutex_t *lock, pthread_cond_t *wake,
                          const bool *stop, double seconds);

/* `tongban supervision sweep` (cli/cmd_store.c) */
int tb_cli_supervision(int argc, char **argv);

#endif /* TB_CLI_H */
