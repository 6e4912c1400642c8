/*
 * fuzz_license_payload.c — a libFuzzer target for what electronic licenses
 * read from outside: QR payloads (decoded, inflated, parsed, verified
 * against a fixed trust list) and trust lists (PEM). The first byte picks
 * which; the rest is the input. Build and run it by hand from the source
 * folder:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *     -Iengine -Ielectronic-licenses tests/fuzz/fuzz_license_payload.c \
 *     electronic-licenses/tb_license_*.c $(ls engine/[a-z]*.c) \
 *     $(pkg-config --libs openssl libqrencode libpng jansson zlib) -lm \
 *     -o /tmp/fuzz_license_payload
 *   /tmp/fuzz_license_payload -max_len=12000 -timeout=10
 *
 * Built with -DTB_FUZZ_SMOKE (as tests/licenses does), it is a TAP test
 * that feeds the target every truncation, many one-character changes and
 * a fixed series of random mutations of a signed payload and of the trust
 * list. Invariants: no crash, leak or sanitizer report; verification
 * always reaches a verdict; a mutated payload is never valid with other
 * content than the original's.
 *
 * The key material below is a throwaway test platform (root and one
 * bureau, SCJG, whose certificate lists the 营业执照 among the license
 * types it may sign), generated for this file; its private keys were
 * deleted.
 */
#include "tb_license.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char trust_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIB0jCCAXmgAwIBAgIQV7TAs/VXPN8gphf35ESBKTAKBggqgRzPVQGDdTBHMQsw\n"
    "CQYDVQQGEwJDTjEQMA4GA1UECgwHdG9uZ2JhbjEmMCQGA1UEAwwddG9uZ2JhbiDn\n"
    "lLXlrZDor4HnhafmoLnor4HkuaYwIBcNMjUxMjMxMTYwMDAwWhgPMjEyNTEyMDcx\n"
    "NTU5NTlaMEcxCzAJBgNVBAYTAkNOMRAwDgYDVQQKDAd0b25nYmFuMSYwJAYDVQQD\n"
    "DB10b25nYmFuIOeUteWtkOivgeeFp+agueivgeS5pjBZMBMGByqGSM49AgEGCCqB\n"
    "HM9VAYItA0IABLPVkgcjIywCKACtBlpubnIZD8mLLwtWo5gtinOXwGZTCZknpZ6Z\n"
    "HE7Nsw4WBe8lkCB+veAw31g2mFuKT1SbO5ejRTBDMBIGA1UdEwEB/wQIMAYBAf8C\n"
    "AQAwDgYDVR0PAQH/BAQDAgEGMB0GA1UdDgQWBBTERpnIk7riL/D7C/+A0iV1MbYa\n"
    "2TAKBggqgRzPVQGDdQNHADBEAiAMvrI7nFDDoXa3FRaYGr5Od5vQoyvZN5C45Otd\n"
    "mrkDQAIgZgFYSellwRoCf2Cd2duCqCQy/Nx0uQr6/hggnvP/npk=\n"
    "-----END CERTIFICATE-----\n"
    "-----BEGIN CERTIFICATE-----\n"
    "MIICRzCCAe2gAwIBAgIQUwlwXZ02li+YlLsx/KNVaTAKBggqgRzPVQGDdTBHMQsw\n"
    "CQYDVQQGEwJDTjEQMA4GA1UECgwHdG9uZ2JhbjEmMCQGA1UEAwwddG9uZ2JhbiDn\n"
    "lLXlrZDor4HnhafmoLnor4HkuaYwIBcNMjUxMjMxMTYwMDAwWhgPMjExNTEyMTAx\n"
    "NTU5NTlaMGsxCzAJBgNVBAYTAkNOMRAwDgYDVQQKDAd0b25nYmFuMQ0wCwYDVQQL\n"
    "DARTQ0pHMRswGQYDVQRhDBIxMTMzMDEwMDAwMjQ4OTUzMlcxHjAcBgNVBAMMFeW4\n"
    "guWcuuebkeedo+euoeeQhuWxgDBZMBMGByqGSM49AgEGCCqBHM9VAYItA0IABAJR\n"
    "C1hScEuEyzqfyJBRsBxY7KnEUfgdiadsTnvYuei7JnpA/7jqAU8RJe2hUC5t4WbJ\n"
    "9KL7gJ/sn+R2rQ7fSp2jgZQwgZEwDAYDVR0TAQH/BAIwADAOBgNVHQ8BAf8EBAMC\n"
    "B4AwHQYDVR0OBBYEFIiSzRkaWLslWoBk5oC6z+izBXD2MB8GA1UdIwQYMBaAFMRG\n"
    "mciTuuIv8PsL/4DSJXUxthrZMDEGFGmC/M3B0OHHipmbnI+i9oLko9JYBBkwFwwV\n"
    "MTExMDAwMDBNQjAxNDMwMjhSMDAxMAoGCCqBHM9VAYN1A0gAMEUCIG+JNfQWgjap\n"
    "hFC+t2tQ3ISfXvvzhnl3mF8TRgArLh1RAiEA5vfsGvQspcjbg2ZXHYrixCudp54W\n"
    "Mfak5rKlw0SnC8I=\n"
    "-----END CERTIFICATE-----\n";

/* A business license signed by SCJG on 2026-01-01, valid long-term. */
static const char seed_payload[] =
    "TB1:.BHZ-P*E3TTN%JB0YCECGYCQJSMSCE9A5OYP:$96F0I5L 9H$-MV 7+8"
    "I8TJH5K:$VK:C$W8WZEXR9BJ6.05+GPYUC1PM155Q*E10CJ:R3+QG4S$HNK7"
    "61*M%WKX1TTWOG.AH%P8U6:HA.OAG61V%REHFOJ13 7LZ76SNGPT+NT-YAWJ"
    "DWXSXYT3JB.L7QFGHT1LOEN8CTI0$UF:NCHKF8J3BFJOF76IJCL0LPC$+92X"
    "KOP8F*OHTQVERWSBD65//2CLJ:ZH9UE*P18LOLH8.IC933*BU.IGGWCOIP00";

/* 2026-06-01 12:00 China Standard Time. */
#define FUZZ_NOW 1780286400

static tb_license_trust *trust;
static char *seed_json;
static size_t seed_json_len;

static tb_license_revocation never_revoked(void *arg, const char *id,
                                           char *reason, size_t size) {
  (void)arg;
  (void)reason;
  (void)size;
  return id && *id ? TB_LICENSE_NOT_REVOKED : TB_LICENSE_REVOCATION_FAILED;
}

static void init(void) {
  if (trust)
    return;
  tb_problem p;
  if (tb_license_load_trust(trust_pem, sizeof trust_pem - 1, &trust, &p) !=
      TB_LICENSE_OK) {
    fprintf(stderr, "fuzz: the embedded trust list does not load: %s\n",
            p.detail);
    abort();
  }
  tb_license_signed s;
  if (tb_license_decode_payload(seed_payload, sizeof seed_payload - 1, &s,
                                &p) != TB_LICENSE_OK)
    abort();
  seed_json = s.json;
  seed_json_len = s.json_len;
  s.json = NULL;
  tb_license_free_signed(&s);
}

/* Verify a payload; abort if the invariants do not hold. Returns whether
 * the verdict was "valid". */
static bool check_payload(const char *text, size_t len) {
  tb_license_verdict v;
  if (tb_license_verify(text, len, trust, FUZZ_NOW, never_revoked, NULL, &v) !=
      TB_LICENSE_OK)
    abort();
  bool valid = v.valid;
  if (valid && (v.parts.json_len != seed_json_len ||
                memcmp(v.parts.json, seed_json, seed_json_len) != 0))
    abort(); /* a forgery */
  if (v.valid != (v.reasons == 0) || (!v.decoded && v.reasons == 0))
    abort();
  char *json;
  size_t json_len;
  if (tb_license_verdict_json(&v, &json, &json_len) == TB_LICENSE_OK)
    free(json);
  tb_license_free_verdict(&v);
  return valid;
}

static void check_trust(const char *text, size_t len) {
  tb_license_trust *t = NULL;
  tb_problem p;
  if (tb_license_load_trust(text, len, &t, &p) == TB_LICENSE_OK) {
    tb_license_verdict v;
    if (tb_license_verify(seed_payload, sizeof seed_payload - 1, t, FUZZ_NOW,
                          NULL, NULL, &v) != TB_LICENSE_OK)
      abort();
    tb_license_free_verdict(&v);
  }
  tb_license_free_trust(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  init();
  if (size == 0)
    return 0;
  const char *text = (const char *)data + 1;
  size_t len = size - 1;
  if (data[0] & 1) {
    check_trust(text, len);
  } else {
    check_payload(text, len);
    tb_license_signed s;
    tb_problem p;
    if (tb_license_decode_payload(text, len, &s, &p) == TB_LICENSE_OK)
      tb_license_free_signed(&s);
  }
  return 0;
}

#ifdef TB_FUZZ_SMOKE
static int cases, failed;

static void report(bool ok, const char *name) {
  cases++;
  if (!ok)
    failed++;
  printf("%s %d - %s\n", ok ? "ok" : "not ok", cases, name);
  fflush(stdout);
}

static uint32_t rng_state = 12345;

static uint32_t rng(void) {
  rng_state = rng_state * 1103515245u + 12345u;
  return rng_state >> 8;
}

/* Feed one input to the target as libFuzzer would. */
static void feed(uint8_t mode, const char *text, size_t len) {
  uint8_t *buf = malloc(len + 1);
  buf[0] = mode;
  memcpy(buf + 1, text, len);
  LLVMFuzzerTestOneInput(buf, len + 1);
  free(buf);
}

int main(void) {
  init();
  size_t n = sizeof seed_payload - 1;
  report(check_payload(seed_payload, n), "the seed payload is valid");
  for (size_t cut = 0; cut < n; cut++)
    feed(0, seed_payload, cut);
  report(true, "every truncation of the payload");
  static const char alphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:a\n\xE4";
  char *copy = malloc(n + 8);
  for (size_t i = 0; i < n; i++) {
    memcpy(copy, seed_payload, n);
    for (size_t k = 0; k < sizeof alphabet - 1; k += 5) {
      copy[i] = alphabet[k];
      feed(0, copy, n);
    }
  }
  report(true, "one-character changes of the payload");
  for (int round = 0; round < 20000; round++) {
    memcpy(copy, seed_payload, n);
    size_t len = n;
    int edits = 1 + (int)(rng() % 4);
    for (int e = 0; e < edits; e++) {
      size_t at = rng() % len;
      switch (rng() % 3) {
      case 0:
        copy[at] = alphabet[rng() % (sizeof alphabet - 1)];
        break;
      case 1: /* delete */
        memmove(copy + at, copy + at + 1, len - at - 1);
        len--;
        break;
      default: /* duplicate */
        if (len < n + 7) {
          memmove(copy + at + 1, copy + at, len - at);
          len++;
        }
      }
    }
    feed(0, copy, len);
  }
  report(true, "20000 random mutations of the payload");
  free(copy);
  size_t tn = sizeof trust_pem - 1;
  char *t = malloc(tn);
  for (size_t cut = 0; cut < tn; cut += 7)
    feed(1, trust_pem, cut);
  for (int round = 0; round < 3000; round++) {
    memcpy(t, trust_pem, tn);
    t[rng() % tn] = (char)(rng() & 0xFF);
    feed(1, t, tn);
  }
  free(t);
  report(true, "truncations and mutations of the trust list");
  tb_license_free_trust(trust);
  free(seed_json);
  printf("1..%d\n", cases);
  return failed ? 1 : 0;
}
#endif
