/*
 * api_totp.h — the second factor of staff log-ins (issue 17 §4): TOTP
 * (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps, one step of clock
 * drift either way) through liboath, the secret sealed at rest with the
 * server's key (AES-256-GCM, keys/totp.key), one-time recovery codes kept
 * as HMAC-SHA-256 digests, enrolment with an otpauth:// URI and its QR
 * code, and the check a log-in makes after the password.
 *
 * The arithmetic is api_totp_codes.h; the server's part here
 * (api_totp.c) holds the roles that need a second factor and the key,
 * and serves the routes. Not for use outside api/.
 */
#ifndef API_TOTP_H
#define API_TOTP_H

#include "api_totp_codes.h"
#include "tb_api_int.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the server's part (api_totp.c) -------------------------------------- */

/* The server's second-factor settings: the roles that need one (a list of
 * role names separated by commas, "none", or NULL for the default
 * "admin,inspector") and, when any role does, the key in keys_dir's
 * totp.key (32 random bytes as 64 hex digits, made on first start; every
 * node serving one database shares it, like tracking.key). false: err
 * says what is wrong (an unknown role, no keys folder). Free with
 * api_totp_free (NULL is fine). */
bool api_totp_setup(const char *keys_dir, const char *roles, api_totp **out,
                    char *err, size_t err_len);
void api_totp_free(api_totp *t);

/* What a log-in's second factor decides, once the password was right. */
typedef enum {
  API_TOTP_PASS,    /* the role needs none, or otp is right: go on */
  API_TOTP_ENROL,   /* the role needs one and the account has none yet:
                       the session owes TB_SESSION_TOTP_ENROLMENT */
  API_TOTP_WRONG,   /* otp is wrong, malformed or used already: 401
                       otp_invalid is set; count it as a failed log-in */
  API_TOTP_ANSWERED /* answered otherwise (401 otp_required when the
                       account has one and otp is missing, a store
                       failure): stop */
} api_totp_verdict;

/* Check a log-in's "otp" (NULL when absent: a 6-digit code, or a recovery
 * code, spent by its use) for account a at the request's time. */
api_totp_verdict api_totp_login(api_req *r, tb_store *s,
                                const tb_store_account *a, const char *otp);

/* The routes: POST …/sessions/current/totp (start an enrolment: a fresh
 * secret, its otpauth:// URI and QR code), POST …/sessions/current/totp/
 * confirm (the first code enrols, clears the session's step and answers
 * the recovery codes once), POST …/sessions/current/totp/recovery-codes
 * (new ones for a current code) and DELETE /api/v1/accounts/{username}/
 * totp (an administrator resets another account's second factor). */
void api_h_totp_begin(api_req *r);
void api_h_totp_confirm(api_req *r);
void api_h_totp_recovery(api_req *r);
void api_h_totp_reset(api_req *r);

#endif /* API_TOTP_H */
