/*
 * tb_cli_security.h — security events of the `tongban` commands that run
 * without a database (cli/cli_security.c): `keys init` and `keys rotate`
 * work on the keys folder only, often before the database exists. They
 * note their event as one line of KEYS/security-events.pending (O_APPEND,
 * mode 0600, beside the private keys it concerns); `tongban serve` moves
 * the noted events into the security log when it starts, in one
 * transaction, and then removes the file.
 *
 * Ownership: strings are only read during the call; details is taken
 * over (decref'd here).
 */
#ifndef TB_CLI_SECURITY_H
#define TB_CLI_SECURITY_H

#include <jansson.h>
#include <stdbool.h>

/* Note one event (kind and subject as in tb_store_security_log.h; the
 * actor is the operating system's user, the time now) for the security
 * log. false (after a message on stderr) when the file cannot be
 * written. */
bool tb_cli_security_note(const char *keys_dir, const char *kind,
                          const char *subject, json_t *details);

/* Move the events noted in keys_dir into the security log of the
 * database at conninfo (their noting time kept in details as
 * "noted_at"), then remove the file. true when there were none or all
 * were moved; false (after a message) when the database refused them
 * (the file stays, to be moved at the next start). */
bool tb_cli_security_flush(const char *conninfo, const char *keys_dir);

#endif /* TB_CLI_SECURITY_H */
