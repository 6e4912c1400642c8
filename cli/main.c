/*
 * main.c — the `tongban` binary: installs the logger's stderr sink first
 * (every module logs through engine/tb_log.h, which writes nothing until a
 * sink is installed), takes the least level from $TONGBAN_LOG_LEVEL, and
 * dispatches to one subcommand.
 */
#include "tb_cli.h"
#include "tb_log_stderr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int run_help(int argc, char **argv);

/* One static table; each subcommand lives in its own cmd_*.c file. */
static const tb_cli_command commands[] = {
    {"workflows",
     "check FILE... | bureaus FILE...   check workflow definitions, print "
     "every error; list the bureaus they name",
     tb_cli_workflows},
    {"serve", "[--db URL] [--data DIR] …   run the server (--help: options)",
     tb_cli_serve},
    {"migrate", "[--db URL] [--data DIR]   apply pending schema migrations",
     tb_cli_migrate},
    {"audit",
     "verify [NUMBER] | checkpoint | security   check the chains against the "
     "signed checkpoints, naming every break; sign a checkpoint now; list and "
     "check the security log",
     tb_cli_audit},
    {"calendar",
     "load FILE   store the working-day calendar (holidays, adjusted days)",
     tb_cli_calendar},
    {"supervision",
     "sweep [--workflows DIR] [--at UNIX-SECONDS]   run the supervision "
     "rules once",
     tb_cli_supervision},
    {"accounts",
     "add USER --role ROLE [--bureau CODE] | import FILE|- [--password-file "
     "FILE] [--workflows DIR] | list | disable|enable|delete USER | "
     "reset-password USER | set-role USER ROLE [--bureau CODE] | "
     "reset-totp USER   add a staff account, or many in one transaction "
     "(one password, on stdin or in the file); manage them (all but enable "
     "end the account's sessions); remove an account's second factor (a "
     "lost phone)",
     tb_cli_accounts},
    {"keys",
     "init|rotate BUREAU|encrypt|trust [--dir DIR]   the platform's "
     "signing keys, encrypted (TONGBAN_KEY_PASSPHRASE_FILE; --root-out DIR: "
     "an offline root)",
     tb_cli_keys},
    {"license",
     "verify [--revocations FILE|--online URL] PAYLOAD|--file FILE   verify "
     "an electronic license (--help: exit statuses)",
     tb_cli_license},
    {"help", "                show this list", run_help},
};

static int run_help(int argc, char **argv) {
  (void)argc;
  (void)argv;
  printf("usage: tongban COMMAND [ARGS]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    printf("  %s %s\n", commands[i].name, commands[i].usage);
  return 0;
}

int main(int argc, char **argv) {
  tb_log_stderr_install();
  const char *level = getenv("TONGBAN_LOG_LEVEL");
  if (level && *level && !tb_log_stderr_level(level, "TONGBAN_LOG_LEVEL"))
    return 2;
  if (argc < 2) {
    run_help(0, NULL);
    return 2;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(argv[1], commands[i].name) == 0)
      return commands[i].run(argc - 1, argv + 1);
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
    return run_help(0, NULL);
  fprintf(stderr, "tongban: unknown command '%s' (try 'tongban help')\n",
          argv[1]);
  return 2;
}
