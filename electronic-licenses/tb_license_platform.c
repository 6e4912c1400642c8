/*
 * tb_license_platform.c — the platform's own signers (tb_license.h,
 * "Platform signers"): opening the newest key of a purpose (audit
 * checkpoints, the revocation list) from platform/<purpose>.<N>.pem and
 * .key of the keys folder, and signing with it. The files are made and
 * listed for the trust list with the rest of the keys folder, in
 * tb_license_keys.c.
 */
#include "tb_license_int.h"

#include <stdlib.h>

struct tb_license_signer {
  EVP_PKEY *key;
  X509 *cert;
  char key_id[TB_LICENSE_KEY_ID_LEN + 1];
};

void tb_license_signer_close(tb_license_signer *s) {
  if (!s)
    return;
  EVP_PKEY_free(s->key);
  X509_free(s->cert);
  free(s);
}

tb_license_status tb_license_signer_open(const char *dir,
                                         tb_license_signer_purpose purpose,
                                         const char *passphrase,
                                         tb_license_signer **out,
                                         tb_problem *p) {
  *out = NULL;
  if ((unsigned)purpose >= TB_LICENSE_SIGNER_COUNT || !dir) {
    tb_problem_set(p, TB_ERR_INVALID, NULL, "no such platform signer");
    return TB_LICENSE_ERR_INVALID;
  }
  unsigned newest = tb_license_keys_newest_signer(dir, (int)purpose);
  if (newest == 0) {
    tb_problem_set(p, TB_ERR_INVALID, NULL,
                   "%s has no %s signing key: run 'tongban keys init'", dir,
                   tb_license_signer_purpose_name(purpose));
    return TB_LICENSE_ERR_NOT_FOUND;
  }
  char key_path[TB_LICENSE_PATH_SIZE], cert_path[TB_LICENSE_PATH_SIZE];
  if (!tb_license_keys_signer_path(key_path, dir, (int)purpose, newest,
                                   "key") ||
      !tb_license_keys_signer_path(cert_path, dir, (int)purpose, newest,
                                   "pem")) {
    tb_problem_set(p, TB_ERR_LIMIT, NULL, "the keys folder path %s is too long",
                   dir);
    return TB_LICENSE_ERR_LIMIT;
  }
  tb_license_signer *s = tb_xcalloc(1, sizeof *s);
  tb_license_status st = tb_license_keys_load_pair(
      key_path, cert_path, passphrase, &s->key, &s->cert, p);
  if (st == TB_LICENSE_OK && !tb_license_key_id_hex(s->cert, s->key_id)) {
    tb_license_log_openssl("cannot compute a platform key id");
    st = TB_LICENSE_ERR_CRYPTO;
  }
  if (st != TB_LICENSE_OK) {
    tb_license_signer_close(s);
    return st;
  }
  *out = s;
  return TB_LICENSE_OK;
}

tb_license_status tb_license_signer_sign(const tb_license_signer *s,
                                         const void *data, size_t len,
                                         unsigned char **sig, size_t *sig_len,
                                         tb_problem *p) {
  *sig = NULL;
  *sig_len = 0;
  tb_license_status st = tb_license_sm2_sign(s->key, data, len, sig, sig_len);
  if (st != TB_LICENSE_OK)
    tb_problem_set(p, TB_ERR_INVALID, NULL,
                   "could not sign with the platform key");
  return st;
}

const char *tb_license_signer_key_id(const tb_license_signer *s) {
  return s->key_id;
}
