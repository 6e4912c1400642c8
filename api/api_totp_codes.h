/*
 * api_totp_codes.h — the second factor's arithmetic (api_totp_codes.c),
 * with no state and no I/O but the system's random numbers: TOTP codes
 * (RFC 6238 through liboath), base32, the secret sealed with AES-256-GCM
 * and the recovery codes' digests. The server's part is api_totp.h. Not
 * for use outside api/.
 */
#ifndef API_TOTP_CODES_H
#define API_TOTP_CODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define API_TOTP_SECRET 20       /* bytes of a secret: 160 bits (RFC 4226) */
#define API_TOTP_SEALED 48       /* nonce 12 + ciphertext 20 + tag 16 */
#define API_TOTP_BASE32 33       /* a secret in base32, with its NUL */
#define API_TOTP_PERIOD 30       /* seconds a step lasts */
#define API_TOTP_DIGITS 6        /* digits of a code */
#define API_TOTP_RECOVERY 10     /* recovery codes of an account */
#define API_TOTP_RECOVERY_LEN 19 /* "ABCD-EFGH-IJKL-MNOP" */

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

#endif /* API_TOTP_CODES_H */
