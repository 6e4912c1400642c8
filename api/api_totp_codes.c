/*
 * api_totp_codes.c — the second factor's arithmetic (api_totp_codes.h):
 * TOTP codes and their check through liboath (RFC 6238 with HMAC-SHA-1,
 * the codes compared in constant time through its callback), base32
 * through liboath too, and through OpenSSL the secret sealed with
 * AES-256-GCM and the recovery codes' HMAC-SHA-256 digests. No state, no
 * I/O but the system's random numbers.
 */
#include "api_totp_codes.h"

#include <ctype.h>
#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define NONCE 12
#define TAG 16
#define RECOVERY_BYTES 10 /* 80 bits: 16 base32 letters */
#define RECOVERY_LETTERS 16

/* liboath wants oath_init once before anything else. */
static pthread_once_t oath_once = PTHREAD_ONCE_INIT;
static bool oath_ready;

static void oath_start(void) {
  oath_ready = oath_init() == OATH_OK;
}

static bool oath_up(void) {
  pthread_once(&oath_once, oath_start);
  return oath_ready;
}

static bool random_bytes(uint8_t *out, size_t n) {
  return getrandom(out, n, 0) == (ssize_t)n;
}

/* ---- TOTP ------------------------------------------------------------------
 */

bool api_totp_code(const uint8_t *secret, size_t len, int64_t t,
                   unsigned digits, char *out) {
  if (!oath_up() || len == 0 || len > 64 || digits < 6 || digits > 8 || t < 0)
    return false;
  return oath_totp_generate2((const char *)secret, len, (time_t)t,
                             API_TOTP_PERIOD, 0, digits, 0, out) == OATH_OK;
}

/* liboath's comparison callback: 0 on a match, in constant time. */
static int same_code(void *handle, const char *test) {
  const char *code = handle;
  if (strlen(test) != API_TOTP_DIGITS)
    return 1;
  return CRYPTO_memcmp(code, test, API_TOTP_DIGITS) == 0 ? 0 : 1;
}

static bool all_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return s[n] == '\0';
}

bool api_totp_match(const uint8_t secret[API_TOTP_SECRET], int64_t now,
                    const char *code, int64_t *step) {
  if (!oath_up() || !code || !all_digits(code, API_TOTP_DIGITS) || now < 0)
    return false;
  int pos = 0;
  uint64_t counter = 0;
  int rc = oath_totp_validate4_callback(
      (const char *)secret, API_TOTP_SECRET, (time_t)now, API_TOTP_PERIOD, 0,
      API_TOTP_DIGITS, 1, &pos, &counter, 0, same_code, (void *)code);
  if (rc < 0 || pos < -1 || pos > 1 || counter > INT64_MAX)
    return false;
  *step = (int64_t)counter;
  return true;
}

bool api_totp_secret_new(uint8_t secret[API_TOTP_SECRET]) {
  return random_bytes(secret, API_TOTP_SECRET);
}

/* n bytes as base32 (liboath, RFC 4648), the padding left out, into out
 * (cap bytes with the NUL). */
static bool base32(const uint8_t *in, size_t n, char *out, size_t cap) {
  char *b = NULL;
  size_t len = 0;
  if (!oath_up() ||
      oath_base32_encode((const char *)in, n, &b, &len) != OATH_OK || !b)
    return false;
  while (len > 0 && b[len - 1] == '=')
    len--;
  bool ok = len < cap;
  if (ok) {
    memcpy(out, b, len);
    out[len] = '\0';
  }
  OPENSSL_cleanse(b, len);
  free(b);
  return ok;
}

bool api_totp_base32(const uint8_t secret[API_TOTP_SECRET],
                     char out[API_TOTP_BASE32]) {
  return base32(secret, API_TOTP_SECRET, out, API_TOTP_BASE32);
}

/* ---- the secret at rest
 * ------------------------------------------------------
 */

/* The associated data: the account's id as 8 bytes, big-endian. */
static void account_aad(int64_t account, uint8_t aad[8]) {
  uint64_t v = (uint64_t)account;
  for (int i = 7; i >= 0; i--) {
    aad[i] = (uint8_t)(v & 0xff);
    v >>= 8;
  }
}

/* One AES-256-GCM pass: seal (enc) or open, with nonce and tag. */
static bool gcm(bool enc, const uint8_t key[32], int64_t account,
                const uint8_t nonce[NONCE], const uint8_t *in, uint8_t *out,
                uint8_t tag[TAG]) {
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  uint8_t aad[8];
  account_aad(account, aad);
  int n = 0, fin = 0;
  bool ok = c && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce,
                                   enc ? 1 : 0) == 1;
  ok = ok && EVP_CipherUpdate(c, NULL, &n, aad, sizeof aad) == 1;
  ok = ok && EVP_CipherUpdate(c, out, &n, in, API_TOTP_SECRET) == 1 &&
       n == API_TOTP_SECRET;
  if (ok && !enc)
    ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG, tag) == 1;
  ok = ok && EVP_CipherFinal_ex(c, out + n, &fin) == 1 && fin == 0;
  if (ok && enc)
    ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG, tag) == 1;
  EVP_CIPHER_CTX_free(c);
  return ok;
}

bool api_totp_seal(const uint8_t key[32], int64_t account,
                   const uint8_t secret[API_TOTP_SECRET],
                   uint8_t out[API_TOTP_SEALED]) {
  return random_bytes(out, NONCE) &&
         gcm(true, key, account, out, secret, out + NONCE,
             out + NONCE + API_TOTP_SECRET);
}

bool api_totp_unseal(const uint8_t key[32], int64_t account,
                     const uint8_t sealed[API_TOTP_SEALED],
                     uint8_t secret[API_TOTP_SECRET]) {
  uint8_t tag[TAG];
  memcpy(tag, sealed + NONCE + API_TOTP_SECRET, TAG);
  bool ok = gcm(false, key, account, sealed, sealed + NONCE, secret, tag);
  if (!ok)
    OPENSSL_cleanse(secret, API_TOTP_SECRET);
  return ok;
}

/* ---- recovery codes
 * ----------------------------------------------------------
 */

bool api_totp_recovery_new(char out[API_TOTP_RECOVERY_LEN + 1]) {
  uint8_t raw[RECOVERY_BYTES];
  char letters[RECOVERY_LETTERS + 1];
  bool ok = random_bytes(raw, sizeof raw) &&
            base32(raw, sizeof raw, letters, sizeof letters) &&
            strlen(letters) == RECOVERY_LETTERS;
  OPENSSL_cleanse(raw, sizeof raw);
  if (!ok)
    return false;
  size_t o = 0;
  for (size_t i = 0; i < RECOVERY_LETTERS; i++) {
    if (i && i % 4 == 0)
      out[o++] = '-';
    out[o++] = letters[i];
  }
  out[o] = '\0';
  OPENSSL_cleanse(letters, sizeof letters);
  return true;
}

/* The 16 letters of a typed recovery code, upper case, without its
 * dashes and spaces; false when it is not one. */
static bool recovery_letters(const char *typed, char out[RECOVERY_LETTERS]) {
  size_t n = 0;
  for (const char *p = typed; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c == '-' || c == ' ')
      continue;
    c = (unsigned char)toupper(c);
    bool b32 = (c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7');
    if (!b32 || n == RECOVERY_LETTERS)
      return false;
    out[n++] = (char)c;
  }
  return n == RECOVERY_LETTERS;
}

bool api_totp_recovery_digest(const uint8_t key[32], const char *typed,
                              uint8_t out[32]) {
  char letters[RECOVERY_LETTERS];
  if (!typed || strlen(typed) > 64 || !recovery_letters(typed, letters))
    return false;
  unsigned len = 0;
  bool ok = HMAC(EVP_sha256(), key, 32, (const uint8_t *)letters,
                 sizeof letters, out, &len) != NULL &&
            len == 32;
  OPENSSL_cleanse(letters, sizeof letters);
  return ok;
}
