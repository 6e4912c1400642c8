/*
 * tb_license_platform.c — the platform's own signers (tb_license.h,
 * "Platform signers"): one SM2 key per purpose (audit checkpoints, the
 * revocation list), certified by the root, in platform/<purpose>.<N>.pem
 * and .key of the keys folder. Making them (keys init), listing them for
 * the trust list, opening the newest to sign.
 */
#include "tb_license_int.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_SIZE 4096
#define MAX_SIGNER_SERIAL 999

struct tb_license_signer {
  EVP_PKEY *key;
  X509 *cert;
  char key_id[TB_LICENSE_KEY_ID_LEN + 1];
};

static const char *const purpose_names[TB_LICENSE_SIGNER_COUNT] = {
    "audit", "revocations"};
static const char *const purpose_labels[TB_LICENSE_SIGNER_COUNT] = {
    "审计签名", "撤销列表签名"};

const char *tb_license_signer_purpose_name(tb_license_signer_purpose purpose) {
  return (unsigned)purpose < TB_LICENSE_SIGNER_COUNT ? purpose_names[purpose]
                                                     : NULL;
}

static bool signer_path(char *out, const char *dir, int purpose,
                        unsigned serial, const char *ext) {
  int n = snprintf(out, PATH_SIZE, "%s/platform/%s.%u.%s", dir,
                   purpose_names[purpose], serial, ext);
  return n > 0 && n < PATH_SIZE;
}

/* The highest N with platform/<purpose>.<N>.pem, counting up from 1 (the
 * files are only ever added, never removed); 0 for none. */
static unsigned newest_signer(const char *dir, int purpose) {
  char path[PATH_SIZE];
  unsigned n = 0;
  while (n < MAX_SIGNER_SERIAL &&
         signer_path(path, dir, purpose, n + 1, "pem") &&
         tb_license_keys_file_exists(path))
    n++;
  return n;
}

static tb_license_status path_problem(tb_problem *p, const char *dir) {
  tb_problem_set(p, TB_ERR_LIMIT, NULL, "the keys folder path %s is too long",
                 dir);
  return TB_LICENSE_ERR_LIMIT;
}

static tb_license_status make_signer(const char *dir, int purpose,
                                     const tb_license_key_options *opt,
                                     tb_problem *p) {
  char key_path[PATH_SIZE], cert_path[PATH_SIZE], cn[256];
  if (!signer_path(key_path, dir, purpose, 1, "key") ||
      !signer_path(cert_path, dir, purpose, 1, "pem"))
    return path_problem(p, dir);
  const char *platform =
      opt && opt->platform && *opt->platform ? opt->platform : "tongban";
  snprintf(cn, sizeof cn, "%s %s", platform, purpose_labels[purpose]);
  return tb_license_keys_certify_platform(dir, purpose_names[purpose], cn,
                                          key_path, cert_path, opt, p);
}

tb_license_status tb_license_platform_ensure(const char *dir,
                                             const tb_license_key_options *opt,
                                             size_t *created, tb_problem *p) {
  char folder[PATH_SIZE];
  *created = 0;
  int n = snprintf(folder, sizeof folder, "%s/platform", dir);
  if (n <= 0 || (size_t)n >= sizeof folder)
    return path_problem(p, dir);
  tb_license_status st = tb_license_keys_make_dir(folder, p);
  for (int i = 0; st == TB_LICENSE_OK && i < TB_LICENSE_SIGNER_COUNT; i++) {
    if (newest_signer(dir, i) > 0)
      continue;
    st = make_signer(dir, i, opt, p);
    if (st == TB_LICENSE_OK)
      (*created)++;
  }
  return st;
}

tb_license_status tb_license_platform_append_trust(const char *dir, tb_buf *buf,
                                                   tb_problem *p) {
  char path[PATH_SIZE];
  tb_license_status st = TB_LICENSE_OK;
  for (int i = 0; st == TB_LICENSE_OK && i < TB_LICENSE_SIGNER_COUNT; i++) {
    unsigned newest = newest_signer(dir, i);
    for (unsigned n = 1; st == TB_LICENSE_OK && n <= newest; n++)
      st = signer_path(path, dir, i, n, "pem")
               ? tb_license_keys_append_file(path, buf, p)
               : path_problem(p, dir);
  }
  return st;
}

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
  unsigned newest = newest_signer(dir, (int)purpose);
  if (newest == 0) {
    tb_problem_set(p, TB_ERR_INVALID, NULL,
                   "%s has no %s signing key: run 'tongban keys init'", dir,
                   purpose_names[purpose]);
    return TB_LICENSE_ERR_NOT_FOUND;
  }
  char key_path[PATH_SIZE], cert_path[PATH_SIZE];
  if (!signer_path(key_path, dir, (int)purpose, newest, "key") ||
      !signer_path(cert_path, dir, (int)purpose, newest, "pem"))
    return path_problem(p, dir);
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
