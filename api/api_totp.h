/*
 * api_totp.h — the second factor of staff log-ins (issue 17 §4): TOTP
 * (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps, one step of clock
 * drift either way) through liboath, the secret sealed at rest with the
 * server's key (AES-256-GCM, keys/totp.key), one-time recovery codes kept
 * as HMAC-SHA-256 digests, enrolment with an otpauth:// URI and its QR
 * code, and the check a log-in makes after the password.
 *
 * The arithmetic (api_totp_codes.c) has no state and no I/O; the server's
 * part (api_totp.c) holds the roles that need a second factor and the
 * key, and serves the routes. Not for use outside api/.
 */
#ifndef API_TOTP_H
#define API_TOTP_H

#include "tb_api_int.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define API_TOTP_SECRET 20  /* bytes of a secret: 160 bits (RFC 4226) */
#define API_TOTP_SEALED 48  /* nonce 12 + ciphertext 20 + tag 16 */
#define API_TOTP_BASE32 33  /* a secret in base32, with its NUL */
#define API_TOTP_PERIOD 30  /* seconds a step lasts */
#define API_TOTP_DIGITS 6   /* digits of a code */
#define API_TOTP_RECOVERY 10 /* recovery codes of an account */
#define API_TOTP_RECOVERY_LEN 19 /* "ABCD-EFGH-IJKL-MNOP" */

/* ---- the arithmetic (api_totp_codes.c) ----------------------------------- */

/* The TOTP code of secret (len bytes, at most 64) at Unix time t, of
 * `digits` digits (6 to 8), into out (digits + 1 bytes). false when
 * liboath refuses. */
bool api_totp_code(const uint8_t *secret, size_t len, int64_t t,
                   unsigned digits, char *out);
/* Whether code (exactly API_TOTP_DIGITS digits) is secret's at now or one
 * step before or after it, compared in constant time. On a match *step
 * is the step it belongs to (floor(t / 30)), for the replay check. */
bool api_totp_match(const uint8_t secret[API_TOTP_SECRET], int64_t now,
                    const char *code, int64_t *step);
/* 160 fresh bits from the system's CSPRNG (getrandom). */
bool api_totp_secret_new(uint8_t secret[API_TOTP_SECRET]);
/* A secret as base32 (RFC 4648, no padding: 32 letters), as authenticator
 * apps and `oathtool --totp -b` take it. */
bool api_totp_base32(const uint8_t secret[API_TOTP_SECRET],
                     char out[API_TOTP_BASE32]);
/* Seal a secret for the database with key (AES-256-GCM, a random nonce,
 * the account's id as associated data, so that a sealed secret opens
 * only for its own account), and open it again. false on any failure
 * (unseal: a wrong key, another account or altered bytes). */
bool api_totp_seal(const uint8_t key[32], int64_t account,
                   const uint8_t secret[API_TOTP_SECRET],
                   uint8_t out[API_TOTP_SEALED]);
bool api_totp_unseal(const uint8_t key[32], int64_t account,
                     const uint8_t sealed[API_TOTP_SEALED],
                     uint8_t secret[API_TOTP_SECRET]);
/* A new recovery code: 80 random bits as base32 in four groups of four
 * ("ABCD-EFGH-IJKL-MNOP"). */
bool api_totp_recovery_new(char out[API_TOTP_RECOVERY_LEN + 1]);
/* What the database keeps of a recovery code as a person types it
 * (groups, dashes and spaces, any case): HMAC-SHA-256 under key of its 16
 * letters. false when the text is no recovery code's form. */
bool api_totp_recovery_digest(const uint8_t key[32], const char *typed,
                              uint8_t out[32]);

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
