/*
 * forge_license.c — a test tool: the QR payload of a license of any type,
 * signed with a bureau's real, trusted key the way a forger holding that
 * key would sign it — past tb_license_sign, which refuses a type the
 * certificate has no authority for. The HTTP and browser tests post it to
 * the verifiers, which must answer issuer_not_authorized.
 *
 * Usage: forge_license KEYS_DIR BUREAU TYPE_CODE TYPE_NAME
 * Prints the payload ("TB1:…") and a newline; exit status 1 on failure.
 * The keys must not be encrypted (the test harnesses make them so).
 */
#include "tb_license_int.h"
#include "tb_log_stderr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOLDER_NAME "杭州冒名科技有限公司"
#define HOLDER_NUMBER "91330106MA27K00067"

/* The bureau the certificate names, as the license's issuer. */
typedef struct {
  char code[64], name[512], credit[64];
} issuer;

static bool sign_forged(X509 *cert, EVP_PKEY *key, const char *type_code,
                        const char *type_name, tb_license_signed *s) {
  issuer is;
  char id[TB_LICENSE_ID_MAX], app[TB_APP_NUMBER_LEN + 1];
  tb_day today = tb_license_day_of(tb_license_now(0));
  tb_problem p = {0};
  if (!tb_license_cert_bureau(cert, is.code, sizeof is.code, is.name,
                              sizeof is.name, is.credit, sizeof is.credit) ||
      tb_id_make_license_id(type_code, is.credit, 999001, 1, id, &p) != TB_OK ||
      tb_id_make_app_number("330100", today, 999, app) != TB_OK) {
    fprintf(stderr, "forge_license: cannot build the license: %s\n", p.detail);
    return false;
  }
  static const tb_license_item items[] = {{"名称", HOLDER_NAME}};
  tb_license lic = {.id = id,
                    .type_code = type_code,
                    .type_name = type_name,
                    .holder_name = HOLDER_NAME,
                    .holder_number = HOLDER_NUMBER,
                    .issuer_code = is.code,
                    .issuer_name = is.name,
                    .issuer_credit_code = is.credit,
                    .issued = today,
                    .valid_from = today,
                    .valid_until = TB_LICENSE_LONG_TERM,
                    .items = items,
                    .n_items = 1,
                    .application = app};
  if (tb_license_canonical(&lic, &s->json, &s->json_len, &p) != TB_LICENSE_OK ||
      tb_license_sm2_sign(key, s->json, s->json_len, &s->signature,
                          &s->signature_len) != TB_LICENSE_OK ||
      !tb_license_key_id_hex(cert, s->key_id)) {
    fprintf(stderr, "forge_license: cannot sign: %s\n", p.detail);
    return false;
  }
  return true;
}

int main(int argc, char **argv) {
  tb_log_stderr_install();
  if (argc != 5) {
    fprintf(stderr,
            "usage: forge_license KEYS_DIR BUREAU TYPE_CODE TYPE_NAME\n");
    return 2;
  }
  tb_license_keys *keys = NULL;
  tb_problem p = {0};
  if (tb_license_open_keys(argv[1], NULL, &keys, &p) != TB_LICENSE_OK) {
    fprintf(stderr, "forge_license: %s\n", p.detail);
    return 1;
  }
  EVP_PKEY *key;
  X509 *cert;
  tb_license_signed s = {0};
  char *payload = NULL;
  size_t len;
  int rc = 1;
  if (!tb_license_keys_find(keys, argv[2], &key, &cert))
    fprintf(stderr, "forge_license: no key for bureau %s\n", argv[2]);
  else if (sign_forged(cert, key, argv[3], argv[4], &s) &&
           tb_license_encode_payload(&s, &payload, &len, &p) == TB_LICENSE_OK) {
    printf("%s\n", payload);
    rc = 0;
  }
  free(payload);
  tb_license_free_signed(&s);
  tb_license_close_keys(keys);
  return rc;
}
