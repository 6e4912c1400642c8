/*
 * tb_license_sm2.c — SM2 with SM3 and the GM/T 0009 signer ID, the way
 * OpenSSL 3's SM2(7) page shows it: an EVP_PKEY_CTX with the ID set, handed
 * to the digest context before EVP_DigestSignInit / EVP_DigestVerifyInit.
 * Also key ids (RFC 7093 method 1) and reading a bureau out of a
 * certificate's subject.
 */
#include "tb_license_int.h"
#include "tb_log.h"

#include <openssl/err.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIGNER_ID_LEN (sizeof TB_LICENSE_SIGNER_ID - 1)

/* ERR_print_errors_cb's callback: one log line per queued error, after
 * the line that says what failed (u). */
static int log_line(const char *str, size_t len, void *u) {
  while (len > 0 && (str[len - 1] == '\n' || str[len - 1] == '\r'))
    len--;
  tb_log_kv(TB_LOG_ERROR, "license", "openssl error",
            TB_LOG_S("during", (const char *)u), TB_LOG_SN("error", str, len));
  return 1;
}

void tb_license_log_openssl(const char *what) {
  tb_log_kv(TB_LOG_ERROR, "license", "openssl failed",
            TB_LOG_S("during", what));
  ERR_print_errors_cb(log_line, (void *)what);
  ERR_clear_error();
}

bool tb_license_sm2_ctx(EVP_PKEY *key, bool sign, EVP_MD_CTX **md,
                        EVP_PKEY_CTX **pctx) {
  *md = EVP_MD_CTX_new();
  *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
  if (!*md || !*pctx ||
      EVP_PKEY_CTX_set1_id(*pctx, TB_LICENSE_SIGNER_ID, SIGNER_ID_LEN) <= 0)
    goto fail;
  EVP_MD_CTX_set_pkey_ctx(*md, *pctx);
  int rc = sign ? EVP_DigestSignInit(*md, NULL, EVP_sm3(), NULL, key)
                : EVP_DigestVerifyInit(*md, NULL, EVP_sm3(), NULL, key);
  if (rc == 1)
    return true;
fail:
  tb_license_log_openssl("cannot set up SM2 with SM3");
  EVP_MD_CTX_free(*md);
  EVP_PKEY_CTX_free(*pctx);
  *md = NULL;
  *pctx = NULL;
  return false;
}

tb_license_status tb_license_sm2_sign(EVP_PKEY *key, const void *data,
                                      size_t len, unsigned char **sig,
                                      size_t *sig_len) {
  EVP_MD_CTX *md;
  EVP_PKEY_CTX *pctx;
  *sig = NULL;
  *sig_len = 0;
  if (!tb_license_sm2_ctx(key, true, &md, &pctx))
    return TB_LICENSE_ERR_CRYPTO;
  tb_license_status st = TB_LICENSE_ERR_CRYPTO;
  size_t n = 0;
  if (EVP_DigestSign(md, NULL, &n, data, len) == 1) {
    *sig = tb_xmalloc(n);
    if (EVP_DigestSign(md, *sig, &n, data, len) == 1) {
      *sig_len = n;
      st = TB_LICENSE_OK;
    }
  }
  if (st != TB_LICENSE_OK) {
    tb_license_log_openssl("cannot sign");
    free(*sig);
    *sig = NULL;
  }
  EVP_MD_CTX_free(md);
  EVP_PKEY_CTX_free(pctx);
  return st;
}

int tb_license_sm2_verify(EVP_PKEY *key, const void *data, size_t len,
                          const unsigned char *sig, size_t sig_len) {
  EVP_MD_CTX *md;
  EVP_PKEY_CTX *pctx;
  if (!tb_license_sm2_ctx(key, false, &md, &pctx))
    return -1;
  int rc = EVP_DigestVerify(md, sig, sig_len, data, len);
  /* A bad signature queues errors too; they are not worth logging. */
  ERR_clear_error();
  EVP_MD_CTX_free(md);
  EVP_PKEY_CTX_free(pctx);
  return rc == 1 ? 1 : 0;
}

bool tb_license_cert_set_id(X509 *cert) {
  ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();
  if (!id ||
      !ASN1_OCTET_STRING_set(id, (const unsigned char *)TB_LICENSE_SIGNER_ID,
                             (int)SIGNER_ID_LEN)) {
    ASN1_OCTET_STRING_free(id);
    tb_license_log_openssl("cannot set the certificate's signer id");
    return false;
  }
  X509_set0_distinguishing_id(cert, id); /* the certificate owns it now */
  return true;
}

bool tb_license_key_id_raw(X509 *cert, unsigned char out[20]) {
  ASN1_BIT_STRING *bits = X509_get0_pubkey_bitstr(cert);
  if (!bits)
    return false;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  if (!EVP_Digest(ASN1_STRING_get0_data(bits), (size_t)ASN1_STRING_length(bits),
                  digest, NULL, EVP_sha256(), NULL)) {
    tb_license_log_openssl("cannot hash a public key");
    return false;
  }
  memcpy(out, digest, 20);
  return true;
}

bool tb_license_key_id_hex(X509 *cert, char out[TB_LICENSE_KEY_ID_LEN + 1]) {
  unsigned char raw[20];
  if (!tb_license_key_id_raw(cert, raw))
    return false;
  tb_hex_encode(raw, sizeof raw, out);
  return true;
}

/* The UTF-8 value of the subject's first `nid` entry, into buf. */
static bool subject_entry(X509 *cert, int nid, char *buf, size_t size) {
  const X509_NAME *name = X509_get_subject_name(cert);
  int i = X509_NAME_get_index_by_NID(name, nid, -1);
  if (i < 0)
    return false;
  const ASN1_STRING *value =
      X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  unsigned char *utf8 = NULL;
  int n = ASN1_STRING_to_UTF8(&utf8, value);
  bool ok = n >= 0 && (size_t)n < size && memchr(utf8, 0, (size_t)n) == NULL;
  if (ok) {
    memcpy(buf, utf8, (size_t)n);
    buf[n] = '\0';
  }
  OPENSSL_free(utf8);
  ERR_clear_error();
  return ok;
}

bool tb_license_cert_bureau(X509 *cert, char *code, size_t code_size,
                            char *name, size_t name_size, char *credit,
                            size_t credit_size) {
  return subject_entry(cert, NID_organizationalUnitName, code, code_size) &&
         subject_entry(cert, NID_commonName, name, name_size) &&
         subject_entry(cert, NID_organizationIdentifier, credit, credit_size);
}

int tb_license_platform_purpose_of(X509 *cert) {
  char ou[64], title[64];
  if (!subject_entry(cert, NID_organizationalUnitName, ou, sizeof ou) ||
      strcmp(ou, TB_LICENSE_PLATFORM_OU) != 0 ||
      !subject_entry(cert, NID_title, title, sizeof title))
    return -1;
  for (int i = 0; i < TB_LICENSE_SIGNER_COUNT; i++)
    if (strcmp(title, tb_license_signer_purpose_name(
                          (tb_license_signer_purpose)i)) == 0)
      return i;
  return -1;
}
