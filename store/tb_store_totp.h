/*
 * tb_store_totp.h — the stored second factor of an account (issue 17 §4,
 * sql/0013_totp.sql): its TOTP secret, sealed by the API with the
 * server's key (the store never sees it in clear), whether the enrolment
 * was confirmed, the last step whose code was accepted, and the digests
 * of its one-time recovery codes. Every call is one statement, so each
 * is atomic on its own.
 */
#ifndef TB_STORE_TOTP_H
#define TB_STORE_TOTP_H

#include "tb_store.h"

#include <stdbool.h>
#include <stdint.h>

#define TB_STORE_TOTP_SEALED 48   /* bytes of a sealed secret */
#define TB_STORE_TOTP_RECOVERY 10 /* recovery codes of an account */

typedef struct {
  uint8_t sealed[TB_STORE_TOTP_SEALED];
  bool confirmed;    /* enrolled; false: waiting for the first code */
  int64_t last_step; /* the last step accepted (0: none) */
} tb_store_totp;

/* The account's factor; TB_STORE_NOT_FOUND when it has none. */
tb_store_status tb_store_totp_get(tb_store *s, int64_t account,
                                  tb_store_totp *out);
/* Start (or start again) an enrolment with a new sealed secret;
 * TB_STORE_CONFLICT when the account is enrolled already. */
tb_store_status tb_store_totp_begin(tb_store *s, int64_t account,
                                    const uint8_t sealed[TB_STORE_TOTP_SEALED]);
/* Confirm the enrolment of exactly that sealed secret with the step of
 * its first code, and store the recovery codes' digests (32 bytes each).
 * TB_STORE_NOT_FOUND when no such enrolment waits (another one started
 * since, or it was confirmed). */
tb_store_status
tb_store_totp_confirm(tb_store *s, int64_t account,
                      const uint8_t sealed[TB_STORE_TOTP_SEALED], int64_t step,
                      const uint8_t digests[TB_STORE_TOTP_RECOVERY][32]);
/* Spend a step: TB_STORE_CONFLICT when it is not after the last one
 * accepted (a code used again), TB_STORE_NOT_FOUND when the account is
 * not enrolled. */
tb_store_status tb_store_totp_step_use(tb_store *s, int64_t account,
                                       int64_t step);
/* Spend a recovery code by its digest; TB_STORE_NOT_FOUND when the
 * account has no such unused code. */
tb_store_status tb_store_totp_recovery_use(tb_store *s, int64_t account,
                                           const uint8_t digest[32]);
/* Replace an enrolled account's recovery codes (used or not) with new
 * ones; TB_STORE_NOT_FOUND when it is not enrolled. */
tb_store_status tb_store_totp_recovery_replace(
    tb_store *s, int64_t account,
    const uint8_t digests[TB_STORE_TOTP_RECOVERY][32]);
/* An administrator's reset (a lost phone): remove the factor and the
 * recovery codes of the account named username and, when it had a
 * factor, end its sessions, so that its next log-in enrols again.
 * TB_STORE_NOT_FOUND when there is no such account; *had says whether it
 * had a factor. */
tb_store_status tb_store_totp_reset(tb_store *s, const char *username,
                                    bool *had);

#endif /* TB_STORE_TOTP_H */
