/*
 * tb_cli.h — the subcommands of the `tongban` binary. Each takes the
 * arguments after its own name (argv[0] is the subcommand's name) and
 * returns the process exit status: 0 success, 1 failure, 2 bad usage.
 */
#ifndef TB_CLI_H
#define TB_CLI_H

typedef struct {
  const char *name;    /* "workflows", "migrate" … */
  const char *usage;   /* one line: arguments and what it does */
  int (*run)(int argc, char **argv);
} tb_cli_command;

/* `tongban workflows check FILE...` (cli/cmd_workflows.c) */
int tb_cli_workflows(int argc, char **argv);

#endif /* TB_CLI_H */
