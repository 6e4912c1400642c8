/*
 * cmd_totp.c — `tongban accounts reset-totp USER [--db URL] [--data DIR]`:
 * remove the second factor (TOTP) of an account whose phone is lost,
 * with its recovery codes, and end its sessions; its next log-in shows
 * the enrolment again (api/api_totp.h). The administrator's route does
 * the same over HTTP (DELETE /api/v1/accounts/{username}/totp); this
 * command is for the server's operator, e.g. when the only administrator
 * lost the phone. The database is found as the other subcommands find it
 * (tb_cli_database).
 */
#include "tb_api.h"
#include "tb_cli.h"
#include "tb_store_cluster.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static int usage(void) {
  fprintf(stderr, "usage: tongban accounts reset-totp USER [--db URL] "
                  "[--data DIR]\n");
  return 2;
}

int tb_cli_accounts_reset_totp(int argc, char **argv) {
  static const struct option longs[] = {{"db", required_argument, NULL, 'd'},
                                        {"data", required_argument, NULL, 'D'},
                                        {NULL, 0, NULL, 0}};
  const char *db = NULL, *data = NULL;
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
    if (c == 'd')
      db = optarg;
    else if (c == 'D')
      data = optarg;
    else
      return usage();
  }
  if (optind != argc - 1)
    return usage();
  char info[PATH_MAX + 128], msg[512];
  tb_store_cluster *cluster = NULL;
  const char *url = tb_cli_database(db, data, &cluster, info, sizeof info);
  if (!url)
    return 1;
  tb_api_status rc = tb_api_totp_reset(url, argv[optind], msg, sizeof msg);
  tb_store_cluster_stop(cluster);
  fprintf(rc == TB_API_OK ? stdout : stderr, "%s%s\n",
          rc == TB_API_OK ? "" : "tongban: ", msg);
  return rc == TB_API_OK ? 0 : 1;
}
