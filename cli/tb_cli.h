/*
 * tb_cli.h — the subcommands of the `tongban` binary. Each takes the
 * arguments after its own name (argv[0] is the subcommand's name) and
 * returns the process exit status: 0 success, 1 failure, 2 bad usage.
 */
#ifndef TB_CLI_H
#define TB_CLI_H

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

/* `tongban keys init|rotate BUREAU|trust`, `tongban license verify`
 * (cli/cmd_license.c; verify has more exit statuses: 3 revoked, 4
 * signature valid but revocation not checked) */
int tb_cli_keys(int argc, char **argv);
int tb_cli_license(int argc, char **argv);
/* `keys init` for serve: the root and a first key for every bureau of
 * bureaus_xml that has none, in dir (passphrase from the environment);
 * nothing changes when they exist. false (after a message) on failure. */
bool tb_cli_keys_ensure(const char *dir, const char *bureaus_xml);

/* The whole file at path ("-": standard input), NUL-terminated (malloc'd,
 * freed by the caller; *len its length without the NUL); NULL when it
 * cannot be read or is over max bytes. The subcommands' one file reader
 * (cli/cli_files.c): trust lists, payloads, revocation lists, calendars,
 * checkpoint files. */
char *tb_cli_read_file(const char *path, size_t max, size_t *len);

#endif /* TB_CLI_H */
