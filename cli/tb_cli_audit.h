/*
 * tb_cli_audit.h — what the audit commands and the server share
 * (cli/cli_audit.c): the platform's audit key and trust list wired into
 * the store's checkpoint callbacks, the checkpoint file, and the server's
 * checkpoint thread.
 *
 * The checkpoint file is append-only: one signed checkpoint a line,
 * opened with O_APPEND before the checkpoint's transaction (a file that
 * cannot be written makes no checkpoint) and written after its COMMIT.
 * Operators ship it somewhere the database's administrators cannot write
 * (a log host, WORM storage); `tongban audit verify` reads it back.
 *
 * Ownership: paths are only read during the call unless said otherwise;
 * what a function hands out is the caller's to free as documented.
 */
#ifndef TB_CLI_AUDIT_H
#define TB_CLI_AUDIT_H

#include "tb_license.h"
#include "tb_store_audit.h"

#include <stdbool.h>
#include <stddef.h>

/* The checkpoint file: file if given, else $TONGBAN_AUDIT_CHECKPOINTS,
 * else DATA/audit-checkpoints.log, written into buf. */
const char *tb_cli_audit_file(const char *file, const char *data, char *buf,
                              size_t size);

/* The keys folder: keys if given, else DATA/keys, written into buf. */
const char *tb_cli_audit_keys(const char *keys, const char *data, char *buf,
                              size_t size);

/* Open the platform's audit signer in keys (passphrase from the
 * environment); NULL (after a message on stderr) when it cannot. Close it
 * with tb_license_signer_close. */
tb_license_signer *tb_cli_audit_signer_open(const char *keys);

/* tb_store_audit_sign_fn; signer: a tb_license_signer. */
bool tb_cli_audit_sign(void *signer, const void *data, size_t len,
                       unsigned char **sig, size_t *sig_len, char key_id[41]);

/* The trust list of keys, loaded; NULL (why says what failed) when it
 * cannot be. Free it with tb_license_free_trust. */
tb_license_trust *tb_cli_audit_trust_open(const char *keys, char *why,
                                          size_t why_size);

/* tb_store_audit_check_fn; trust: a tb_license_trust. */
bool tb_cli_audit_check(void *trust, const char *key_id, const void *data,
                        size_t len, const unsigned char *sig, size_t sig_len,
                        int64_t at, char *why, size_t why_size);

/* The checkpoint file opened for appending (O_APPEND, created 0640 if
 * missing); -1 (logged) when it cannot be. The caller closes it. */
int tb_cli_audit_open_file(const char *path);

/* Append line and a newline with one write, then fdatasync; false
 * (logged) on failure. */
bool tb_cli_audit_append(int fd, const char *line);

/* The lines of path (at most 64 MiB), without their newlines: *lines is a
 * malloc'd array of pointers into *text (malloc'd); free both. false when
 * the file cannot be read. */
bool tb_cli_audit_read_lines(const char *path, char **text, char ***lines,
                             size_t *n);

/* Make one checkpoint on s and append its line to file: the work of
 * `tongban audit checkpoint` and of the server's thread (min_interval as
 * for tb_store_audit_checkpoint). *made receives the checkpoint (seq 0:
 * none due); its line is freed here. */
tb_store_status tb_cli_audit_checkpoint(tb_store *s, tb_license_signer *signer,
                                        const char *file, int64_t min_interval,
                                        tb_store_audit_checkpoint_result *made);

/* The server's checkpoint thread: every `interval` seconds it makes a
 * checkpoint on its own connection to conninfo unless another node made
 * one within the interval (the database decides). Copies its strings. */
typedef struct tb_cli_checkpointer tb_cli_checkpointer;
bool tb_cli_checkpointer_start(const char *conninfo, const char *keys,
                               const char *file, double interval,
                               tb_cli_checkpointer **out);
void tb_cli_checkpointer_stop(tb_cli_checkpointer *c); /* NULL is fine */

#endif /* TB_CLI_AUDIT_H */
