/*
 * test_totp_codes.c — unit tests of the second factor's arithmetic
 * (api/api_totp.h): TOTP against the SHA-1 test vectors of RFC 6238
 * appendix B, the ±1-step window and its edges, malformed codes, the
 * secret sealed with AES-256-GCM (bound to its account, tamper-evident),
 * base32, recovery codes and their digests, and the server's settings
 * (--totp-roles, the key file made on first start).
 */
#include "api_totp.h"
#include "tb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* RFC 6238 appendix B: the SHA-1 seed "12345678901234567890" (20 bytes). */
static const uint8_t SEED[API_TOTP_SECRET] = "12345678901234567890";
static const struct {
  int64_t t;
  const char *totp; /* 8 digits */
} VECTORS[] = {{59, "94287082"},         {1111111109, "07081804"},
               {1111111111, "14050471"}, {1234567890, "89005924"},
               {2000000000, "69279037"}, {20000000000LL, "65353130"}};
#define N_VECTORS (sizeof VECTORS / sizeof VECTORS[0])

static void test_rfc6238_vectors(void) {
  for (size_t i = 0; i < N_VECTORS; i++) {
    char out[9] = "";
    TB_CHECK(api_totp_code(SEED, sizeof SEED, VECTORS[i].t, 8, out));
    TB_CHECK_STR(out, VECTORS[i].totp);
    char six[7] = "";
    TB_CHECK(api_totp_code(SEED, sizeof SEED, VECTORS[i].t, 6, six));
    TB_CHECK_STR(six, VECTORS[i].totp + 2);
  }
}

/* A 6-digit code (the vector's last six) is accepted at its own step and
 * one step either side, with the step it belongs to, and refused two
 * steps away. */
static void test_window(void) {
  for (size_t i = 0; i < N_VECTORS; i++) {
    const char *code = VECTORS[i].totp + 2;
    int64_t t = VECTORS[i].t, want = t / API_TOTP_PERIOD, step = -1;
    TB_CHECK(api_totp_match(SEED, t, code, &step));
    TB_CHECK_INT(step, want);
    for (int d = -1; d <= 1; d += 2) {
      step = -1;
      TB_CHECKF(api_totp_match(SEED, t + d * API_TOTP_PERIOD, code, &step),
                "t=%lld drift %d step", (long long)t, d);
      TB_CHECK_INT(step, want);
      TB_CHECKF(!api_totp_match(SEED, t + 2 * d * API_TOTP_PERIOD, code, &step),
                "t=%lld drift %d steps", (long long)t, 2 * d);
    }
  }
}

static void test_malformed_codes(void) {
  static const char *bad[] = {"",       "12345",   "1234567",
                              "12345a", " 123456", "123456 ",
                              "+12345", "-12345",  "１２３４５６"};
  int64_t step = 0;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    TB_CHECKF(!api_totp_match(SEED, 59, bad[i], &step), "'%s'", bad[i]);
  TB_CHECK(!api_totp_match(SEED, 59, NULL, &step));
  TB_CHECK(!api_totp_match(SEED, -30, "287082", &step));
  char out[9];
  TB_CHECK(!api_totp_code(SEED, sizeof SEED, 59, 5, out));
  TB_CHECK(!api_totp_code(SEED, sizeof SEED, 59, 9, out));
}

static void test_seal(void) {
  uint8_t key[32], other[32], secret[API_TOTP_SECRET], back[API_TOTP_SECRET];
  uint8_t a[API_TOTP_SEALED], b[API_TOTP_SEALED];
  memset(key, 7, sizeof key);
  memset(other, 8, sizeof other);
  TB_CHECK(api_totp_secret_new(secret));
  TB_CHECK(api_totp_seal(key, 42, secret, a));
  TB_CHECK(api_totp_seal(key, 42, secret, b));
  TB_CHECK(memcmp(a, b, sizeof a) != 0); /* a fresh nonce each time */
  /* the secret is not in the sealed bytes */
  TB_CHECK(memmem(a, sizeof a, secret, sizeof secret) == NULL);
  TB_CHECK(api_totp_unseal(key, 42, a, back));
  TB_CHECK(memcmp(back, secret, sizeof secret) == 0);
  TB_CHECK(!api_totp_unseal(other, 42, a, back));
  TB_CHECK(!api_totp_unseal(key, 43, a, back));
  for (size_t i = 0; i < sizeof a; i += 7) {
    uint8_t t[API_TOTP_SEALED];
    memcpy(t, a, sizeof t);
    t[i] ^= 0x01;
    TB_CHECKF(!api_totp_unseal(key, 42, t, back), "byte %zu flipped", i);
  }
}

static void test_base32(void) {
  char out[API_TOTP_BASE32];
  TB_CHECK(api_totp_base32(SEED, out));
  TB_CHECK_STR(out, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

static bool recovery_form(const char *c) {
  if (strlen(c) != API_TOTP_RECOVERY_LEN)
    return false;
  for (size_t i = 0; i < API_TOTP_RECOVERY_LEN; i++) {
    bool dash = i % 5 == 4;
    bool b32 = (c[i] >= 'A' && c[i] <= 'Z') || (c[i] >= '2' && c[i] <= '7');
    if (dash ? c[i] != '-' : !b32)
      return false;
  }
  return true;
}

static void test_recovery(void) {
  uint8_t key[32], d1[32], d2[32], d3[32];
  memset(key, 3, sizeof key);
  char a[API_TOTP_RECOVERY_LEN + 1], b[API_TOTP_RECOVERY_LEN + 1];
  TB_CHECK(api_totp_recovery_new(a));
  TB_CHECK(api_totp_recovery_new(b));
  TB_CHECKF(recovery_form(a), "%s", a);
  TB_CHECK(strcmp(a, b) != 0);
  TB_CHECK(api_totp_recovery_digest(key, a, d1));
  /* as a person types it: lower case, no dashes, spaces */
  char typed[64];
  size_t n = 0;
  for (const char *p = a; *p; p++)
    if (*p != '-') {
      typed[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
      if (n % 5 == 2)
        typed[n++] = ' ';
    }
  typed[n] = '\0';
  TB_CHECK(api_totp_recovery_digest(key, typed, d2));
  TB_CHECK(memcmp(d1, d2, 32) == 0);
  TB_CHECK(api_totp_recovery_digest(key, b, d3));
  TB_CHECK(memcmp(d1, d3, 32) != 0);
  uint8_t other[32];
  memset(other, 4, sizeof other);
  TB_CHECK(api_totp_recovery_digest(other, a, d3));
  TB_CHECK(memcmp(d1, d3, 32) !=
           0); /* keyed: the database alone is not enough */
  static const char *bad[] = {"",
                              "ABCD-EFGH-IJKL-MNO",
                              "ABCD-EFGH-IJKL-MNOPQ",
                              "ABCD-EFGH-IJKL-MN0P",
                              "ABCD-EFGH-IJKL-MN1P",
                              "ABCD_EFGH_IJKL_MNOP",
                              "123456",
                              "ABCD-EFGH-IJKL-MNOP-ABCD-EFGH-IJKL-MNOP-ABCD-"
                              "EFGH-IJKL-MNOP-ABCD-EFGH"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    TB_CHECKF(!api_totp_recovery_digest(key, bad[i], d3), "'%s'", bad[i]);
}

static void test_setup(void) {
  char dir[] = "/tmp/tb_totp_keysXXXXXX", err[512];
  TB_CHECK(mkdtemp(dir) != NULL);
  api_totp *t = NULL;
  TB_CHECK(api_totp_setup(NULL, "none", &t, err, sizeof err));
  api_totp_free(t);
  TB_CHECK(!api_totp_setup(NULL, NULL, &t, err, sizeof err));
  TB_CHECKF(strstr(err, "totp.key") != NULL, "%s", err);
  static const char *bad[] = {"",           ",",     "admin,",    "root",
                              "admin,root", "Admin", "none,admin"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    TB_CHECKF(!api_totp_setup(dir, bad[i], &t, err, sizeof err), "'%s'",
              bad[i]);
    TB_CHECKF(strstr(err, "--totp-roles") != NULL, "%s", err);
  }
  TB_CHECK(api_totp_setup(dir, "clerk,officer", &t, err, sizeof err));
  api_totp_free(t);
  char path[256];
  snprintf(path, sizeof path, "%s/totp.key", dir);
  struct stat st;
  TB_CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 &&
           st.st_size == 65);
  TB_CHECK(api_totp_setup(dir, NULL, &t, err, sizeof err)); /* read again */
  api_totp_free(t);
  unlink(path);
  rmdir(dir);
}

int main(void) {
  TB_RUN(test_rfc6238_vectors);
  TB_RUN(test_window);
  TB_RUN(test_malformed_codes);
  TB_RUN(test_seal);
  TB_RUN(test_base32);
  TB_RUN(test_recovery);
  TB_RUN(test_setup);
  return tb_test_done();
}
