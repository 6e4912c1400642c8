/*
 * tb_api_harness.h — what the HTTP and browser test harnesses share: a
 * throwaway cluster made ready for a server (the shipped workflows and
 * holiday calendar loaded, the platform's license keys, accounts for every role
 * and one officer per bureau, all with one password).
 */
#ifndef TB_API_HARNESS_H
#define TB_API_HARNESS_H

#include "tb_api.h"
#include "tb_pg_harness.h"

#include <stdbool.h>
#include <stddef.h>

/* Every account's password. */
#define TB_HARNESS_PASSWORD "correct-horse-1"

typedef struct {
  const char *user;
  const char *role; /* admin, clerk, inspector (officers come per bureau) */
} tb_harness_account;

/* Load workflows_dir (bureaus.xml and the definitions) into the cluster,
 * make unencrypted keys for every bureau in keys_dir, add the given
 * accounts and "officer-CODE" for every bureau. false, with "# " lines on
 * stdout, when anything failed. */
bool tb_api_harness_setup(const tb_pg *pg, const char *workflows_dir,
                          const char *keys_dir,
                          const tb_harness_account *accounts, size_t n);

/* Another platform's keys (a root of its own, a key for every bureau of
 * workflows_dir), unencrypted, in keys_dir: for a second server. false,
 * with "# " lines on stdout, when it failed. */
bool tb_api_harness_keys(const char *workflows_dir, const char *keys_dir);

/* The supervision rules of workflows_dir (supervision.xml), for the
 * server's options; NULL (problems on stdout) when they do not load. Free
 * with tb_rule_set_free. */
struct tb_rule_set *tb_api_harness_rules(const char *workflows_dir);

/* The anonymous intake limits of a test server: TB_INTAKE_LIMIT_ADDRESS
 * and TB_INTAKE_LIMIT_APPLICANT ("N/SECONDS") and TB_ONLINE_EXPIRY
 * (seconds) when set (tests/api/test_intake.py); otherwise limits no
 * test reaches (the suites send many online applications from one
 * address for a few applicant numbers) and the server's expiry. */
void tb_api_harness_intake(tb_api_intake *in);

/* The documents' templates of a test server: a copy of workflows_dir's
 * templates folder (with its service subfolders) made as pg_dir/templates
 * (which a test may change: a changed template shows without a restart),
 * opened; its path is exported as TB_TEMPLATES_DIR. NULL (problems on
 * stdout) when it cannot be made or a template has problems. Close with
 * tb_doc_templates_close, and call tb_documents_cleanup at the end. */
struct tb_doc_templates *tb_api_harness_templates(const char *workflows_dir,
                                                  const char *pg_dir);

#endif /* TB_API_HARNESS_H */
