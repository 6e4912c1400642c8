/*
 * tb_license_authority.c — which license types an issuing certificate may
 * sign: a non-critical X.509 extension, signed by the root with the rest
 * of the certificate, so the grant is as trustworthy as the certificate.
 *
 *   OID    TB_LICENSE_AUTHORITY_OID (a private OID under 2.25, ITU-T X.667:
 *          a UUID as an OID, which needs no registration)
 *   value  SEQUENCE OF UTF8String — the granted type codes, sorted by
 *          byte value, each once (bureaus.xml <issues type-code>)
 *
 * Non-critical, so the stock `openssl verify` accepts the certificate
 * unchanged. A certificate without the extension (made before it existed)
 * or with a malformed one authorizes nothing; `tongban keys init` issues a
 * new certificate to a bureau whose newest one does not carry exactly its
 * current grants.
 */
#include "tb_license_int.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CODE 64

static ASN1_OBJECT *authority_oid(void) {
  return OBJ_txt2obj(TB_LICENSE_AUTHORITY_OID, 1);
}

static int compare_codes(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* b's granted type codes, sorted, each once: a malloc'd array of pointers
 * into b (free() it); *n their number. */
static const char **granted_codes(const tb_bureau *b, size_t *n) {
  const char **codes = tb_xcalloc(b->n_grants ? b->n_grants : 1, sizeof *codes);
  for (size_t i = 0; i < b->n_grants; i++)
    codes[i] = b->grants[i].type_code;
  if (b->n_grants)
    qsort(codes, b->n_grants, sizeof *codes, compare_codes);
  size_t k = 0;
  for (size_t i = 0; i < b->n_grants; i++)
    if (k == 0 || strcmp(codes[k - 1], codes[i]) != 0)
      codes[k++] = codes[i];
  *n = k;
  return codes;
}

static bool push_code(ASN1_SEQUENCE_ANY *seq, const char *code) {
  ASN1_UTF8STRING *s = ASN1_UTF8STRING_new();
  ASN1_TYPE *t = ASN1_TYPE_new();
  if (!s || !t || !ASN1_STRING_set(s, code, (int)strlen(code))) {
    ASN1_UTF8STRING_free(s);
    ASN1_TYPE_free(t);
    return false;
  }
  ASN1_TYPE_set(t, V_ASN1_UTF8STRING, s); /* t owns s now */
  if (sk_ASN1_TYPE_push(seq, t) <= 0) {
    ASN1_TYPE_free(t);
    return false;
  }
  return true;
}

/* The DER of the extension's value for b; *der is OpenSSL's (free with
 * OPENSSL_free). */
static int encode_grants(const tb_bureau *b, unsigned char **der) {
  size_t n;
  const char **codes = granted_codes(b, &n);
  ASN1_SEQUENCE_ANY *seq = sk_ASN1_TYPE_new_null();
  bool ok = seq != NULL;
  for (size_t i = 0; ok && i < n; i++)
    ok = push_code(seq, codes[i]);
  int len = ok ? i2d_ASN1_SEQUENCE_ANY(seq, der) : -1;
  sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
  free(codes);
  return len;
}

bool tb_license_cert_add_authority(X509 *x, const tb_bureau *b) {
  unsigned char *der = NULL;
  int len = encode_grants(b, &der);
  ASN1_OBJECT *oid = authority_oid();
  ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
  X509_EXTENSION *ext = NULL;
  bool ok = len > 0 && oid && os && ASN1_OCTET_STRING_set(os, der, len) &&
            (ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, os)) != NULL &&
            X509_add_ext(x, ext, -1) == 1;
  /* On failure OpenSSL's queue stays for the caller, who logs it with what
   * it was making. */
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(os);
  ASN1_OBJECT_free(oid);
  OPENSSL_free(der);
  return ok;
}

/* A granted code as it may appear: 1..MAX_CODE of [0-9A-Z]. */
static bool code_ok(const ASN1_TYPE *t) {
  if (ASN1_TYPE_get(t) != V_ASN1_UTF8STRING)
    return false;
  const ASN1_STRING *s = t->value.utf8string;
  int len = ASN1_STRING_length(s);
  const unsigned char *d = ASN1_STRING_get0_data(s);
  if (len < 1 || len > MAX_CODE)
    return false;
  for (int i = 0; i < len; i++)
    if (!((d[i] >= '0' && d[i] <= '9') || (d[i] >= 'A' && d[i] <= 'Z')))
      return false;
  return true;
}

/* The certificate's grants: NULL when it has no extension, a malformed
 * one, or more than one. */
static ASN1_SEQUENCE_ANY *read_grants(X509 *cert) {
  ASN1_OBJECT *oid = authority_oid();
  int at = oid ? X509_get_ext_by_OBJ(cert, oid, -1) : -1;
  bool twice = oid && at >= 0 && X509_get_ext_by_OBJ(cert, oid, at) >= 0;
  ASN1_OBJECT_free(oid);
  if (at < 0 || twice) {
    ERR_clear_error();
    return NULL;
  }
  X509_EXTENSION *ext = X509_get_ext(cert, at);
  const ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(ext);
  const unsigned char *p = ASN1_STRING_get0_data(os);
  long len = ASN1_STRING_length(os);
  ASN1_SEQUENCE_ANY *seq = d2i_ASN1_SEQUENCE_ANY(NULL, &p, len);
  bool ok = seq && p == ASN1_STRING_get0_data(os) + len;
  for (int i = 0; ok && i < sk_ASN1_TYPE_num(seq); i++)
    ok = code_ok(sk_ASN1_TYPE_value(seq, i));
  if (!ok) {
    sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
    seq = NULL;
  }
  ERR_clear_error();
  return seq;
}

static bool seq_has(const ASN1_SEQUENCE_ANY *seq, const char *code) {
  size_t len = strlen(code);
  for (int i = 0; i < sk_ASN1_TYPE_num(seq); i++) {
    const ASN1_STRING *s = sk_ASN1_TYPE_value(seq, i)->value.utf8string;
    if ((size_t)ASN1_STRING_length(s) == len &&
        memcmp(ASN1_STRING_get0_data(s), code, len) == 0)
      return true;
  }
  return false;
}

bool tb_license_cert_authorizes(X509 *cert, const char *type_code) {
  ASN1_SEQUENCE_ANY *seq = type_code ? read_grants(cert) : NULL;
  bool ok = seq && seq_has(seq, type_code);
  sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
  return ok;
}

bool tb_license_cert_authority_is(X509 *cert, const tb_bureau *b) {
  ASN1_SEQUENCE_ANY *seq = read_grants(cert);
  if (!seq)
    return false; /* none or malformed: a new certificate makes it explicit */
  size_t n;
  const char **codes = granted_codes(b, &n);
  bool same = (size_t)sk_ASN1_TYPE_num(seq) == n;
  for (size_t i = 0; same && i < n; i++)
    same = seq_has(seq, codes[i]);
  free(codes);
  sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
  return same;
}
