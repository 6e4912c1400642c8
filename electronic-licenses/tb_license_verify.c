/*
 * tb_license_verify.c — trust lists and verification: which certificate
 * signed a license (by key id), whether it chains to a root of the trust
 * list on the license's issue day, the SM2 signature over the canonical
 * bytes, the bureau named by the certificate, its authority for the
 * license's type, the validity dates and the online revocation check.
 *
 * OpenSSL 3 checks a certificate's SM2 signature with the distinguishing
 * ID attached to that certificate (X509_set0_distinguishing_id), not to
 * its issuer, so every certificate of the trust list gets the GM/T 0009 ID
 * as it is loaded.
 */
#include "tb_license_int.h"
#include "tb_log.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CERTS 4096

typedef struct {
  X509 *cert;
  unsigned char key_id[20];
  int platform; /* the tb_license_signer_purpose of a platform certificate;
                   -1 for a bureau's issuing certificate */
} trusted_cert;

struct tb_license_trust {
  X509_STORE *store;     /* the roots */
  trusted_cert *issuing; /* issuing and platform certificates */
  size_t n_issuing;
  size_t n_roots;
};

/* ------------------------------------------------------------------------
 * Trust lists
 * ---------------------------------------------------------------------- */

void tb_license_free_trust(tb_license_trust *t) {
  if (!t)
    return;
  X509_STORE_free(t->store);
  for (size_t i = 0; i < t->n_issuing; i++)
    X509_free(t->issuing[i].cert);
  free(t->issuing);
  free(t);
}

static tb_license_status trust_problem(tb_problem *p, const char *what) {
  tb_problem_set(p, TB_ERR_INVALID, "trust", "%s", what);
  return TB_LICENSE_ERR_INVALID;
}

/* A root: a self-signed CA whose self-signature (with the ID) holds. */
static bool is_root(X509 *cert) {
  if (X509_self_signed(cert, 0) != 1 || X509_check_ca(cert) == 0)
    return false;
  EVP_PKEY *key = X509_get0_pubkey(cert);
  bool ok = key && X509_verify(cert, key) == 1;
  ERR_clear_error();
  return ok;
}

static tb_license_status add_cert(tb_license_trust *t, X509 *cert,
                                  tb_problem *p) {
  EVP_PKEY *key = X509_get0_pubkey(cert);
  ERR_clear_error();
  if (!key || !EVP_PKEY_is_a(key, "SM2"))
    return trust_problem(p, "the trust list holds a certificate whose key "
                            "is not sm2");
  if (!tb_license_cert_set_id(cert))
    return TB_LICENSE_ERR_CRYPTO;
  if (is_root(cert)) {
    if (X509_STORE_add_cert(t->store, cert) != 1) {
      tb_license_log_openssl("cannot add a root to the trust store");
      return TB_LICENSE_ERR_CRYPTO;
    }
    t->n_roots++;
    X509_free(cert); /* the store holds its own reference */
    return TB_LICENSE_OK;
  }
  if (t->n_issuing == MAX_CERTS)
    return trust_problem(p, "the trust list has too many certificates");
  trusted_cert *tc = &t->issuing[t->n_issuing];
  if (!tb_license_key_id_raw(cert, tc->key_id))
    return TB_LICENSE_ERR_CRYPTO;
  tc->platform = tb_license_platform_purpose_of(cert);
  tc->cert = cert;
  t->n_issuing++;
  return TB_LICENSE_OK;
}

/* Every certificate of the PEM text; stops at the first thing that is not
 * one. */
static tb_license_status read_certs(tb_license_trust *t, BIO *bio,
                                    tb_problem *p) {
  for (;;) {
    X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    if (!cert)
      break;
    tb_license_status st = add_cert(t, cert, p);
    if (st != TB_LICENSE_OK) {
      X509_free(cert);
      return st;
    }
  }
  unsigned long err = ERR_peek_last_error();
  ERR_clear_error();
  if (ERR_GET_REASON(err) != PEM_R_NO_START_LINE && err != 0)
    return trust_problem(p, "the trust list holds a malformed certificate");
  return TB_LICENSE_OK;
}

tb_license_status tb_license_load_trust(const char *pem, size_t len,
                                        tb_license_trust **out, tb_problem *p) {
  *out = NULL;
  if (!pem || len > TB_LICENSE_MAX_TRUST) {
    tb_problem_set(p, TB_ERR_LIMIT, "trust", "the trust list is too large");
    return TB_LICENSE_ERR_LIMIT;
  }
  tb_license_trust *t = tb_xcalloc(1, sizeof *t);
  t->store = X509_STORE_new();
  t->issuing = tb_xcalloc(MAX_CERTS, sizeof *t->issuing);
  BIO *bio = BIO_new_mem_buf(pem, (int)len);
  tb_license_status st = TB_LICENSE_ERR_CRYPTO;
  if (t->store && bio)
    st = read_certs(t, bio, p);
  else
    tb_license_log_openssl("cannot make a trust store");
  BIO_free(bio);
  if (st == TB_LICENSE_OK && t->n_roots == 0)
    st = trust_problem(p, "the trust list has no root certificate");
  if (st != TB_LICENSE_OK) {
    tb_license_free_trust(t);
    return st;
  }
  *out = t;
  return TB_LICENSE_OK;
}

/* ------------------------------------------------------------------------
 * One verification
 * ---------------------------------------------------------------------- */

/* The certificate with a key id among the bureaus' (purpose -1) or the
 * platform's of one purpose: a platform key never signs a license, nor a
 * bureau's a checkpoint. */
static X509 *find_cert_of(const tb_license_trust *t, const char *key_id_hex,
                          int purpose) {
  char hex[TB_LICENSE_KEY_ID_LEN + 1];
  for (size_t i = 0; i < t->n_issuing; i++) {
    if (t->issuing[i].platform != purpose)
      continue;
    tb_hex_encode(t->issuing[i].key_id, 20, hex);
    if (strcmp(hex, key_id_hex) == 0)
      return t->issuing[i].cert;
  }
  return NULL;
}

static X509 *find_cert(const tb_license_trust *t, const char *key_id_hex) {
  return find_cert_of(t, key_id_hex, -1);
}

/* The certificate chains to a root at time `at`, is no CA, and its key
 * usage allows digital signatures. */
static bool chain_ok(const tb_license_trust *t, X509 *cert, int64_t at) {
  uint32_t flags = X509_get_extension_flags(cert);
  if (X509_check_ca(cert) != 0 || !(flags & EXFLAG_KUSAGE) ||
      !(X509_get_key_usage(cert) & KU_DIGITAL_SIGNATURE))
    return false;
  X509_STORE_CTX *ctx = X509_STORE_CTX_new();
  bool ok = false;
  if (ctx && X509_STORE_CTX_init(ctx, t->store, cert, NULL) == 1) {
    X509_STORE_CTX_set_time(ctx, 0, (time_t)at);
    ok = X509_verify_cert(ctx) == 1;
    if (!ok)
      tb_log_kv(TB_LOG_WARN, "license", "certificate does not verify",
                TB_LOG_S("error", X509_verify_cert_error_string(
                                      X509_STORE_CTX_get_error(ctx))));
  }
  X509_STORE_CTX_free(ctx);
  ERR_clear_error();
  return ok;
}

static bool issuer_matches(X509 *cert, const tb_license *lic) {
  char code[64], name[512], credit[64];
  return tb_license_cert_bureau(cert, code, sizeof code, name, sizeof name,
                                credit, sizeof credit) &&
         strcmp(code, lic->issuer_code) == 0 &&
         strcmp(name, lic->issuer_name) == 0 &&
         strcmp(credit, lic->issuer_credit_code) == 0;
}

/* The certificate, chain, signature and bureau checks. */
static void check_key(const tb_license_trust *t, tb_license_verdict *v) {
  X509 *cert = find_cert(t, v->parts.key_id);
  if (!cert) {
    v->reasons |= TB_LICENSE_UNKNOWN_KEY;
    return;
  }
  int64_t end_of_issue_day = tb_license_start_of(v->license.issued + 1) - 1;
  if (!chain_ok(t, cert, end_of_issue_day))
    v->reasons |= TB_LICENSE_UNTRUSTED_KEY;
  EVP_PKEY *key = X509_get0_pubkey(cert);
  int rc =
      key ? tb_license_sm2_verify(key, v->parts.json, v->parts.json_len,
                                  v->parts.signature, v->parts.signature_len)
          : -1;
  if (rc != 1) /* < 0: the key cannot verify SM2 at all (logged) */
    v->reasons |= TB_LICENSE_BAD_SIGNATURE;
  if (!issuer_matches(cert, &v->license))
    v->reasons |= TB_LICENSE_WRONG_ISSUER;
  if (!tb_license_cert_authorizes(cert, v->license.type_code))
    v->reasons |= TB_LICENSE_ISSUER_NOT_AUTHORIZED;
}

static void check_dates(int64_t now, tb_license_verdict *v) {
  tb_day today = tb_license_day_of(now);
  if (today < v->license.valid_from)
    v->reasons |= TB_LICENSE_NOT_YET_VALID;
  if (v->license.valid_until != TB_LICENSE_LONG_TERM &&
      today > v->license.valid_until)
    v->reasons |= TB_LICENSE_EXPIRED;
}

static void check_revocation(tb_license_revocation_fn revoked, void *arg,
                             tb_license_verdict *v) {
  if (!revoked)
    return;
  v->revocation_reason[0] = '\0';
  tb_license_revocation r = revoked(arg, v->license.id, v->revocation_reason,
                                    sizeof v->revocation_reason);
  v->revocation_reason[sizeof v->revocation_reason - 1] = '\0';
  if (r == TB_LICENSE_REVOCATION_FAILED) {
    v->reasons |= TB_LICENSE_REVOCATION_UNKNOWN;
    v->revocation_reason[0] = '\0';
    return;
  }
  v->revocation_checked = true;
  if (r == TB_LICENSE_IS_REVOKED)
    v->reasons |= TB_LICENSE_REVOKED;
  else
    v->revocation_reason[0] = '\0';
}

tb_license_status tb_license_trust_check_platform(
    const tb_license_trust *t, tb_license_signer_purpose purpose,
    const char *key_id, const void *data, size_t len, const unsigned char *sig,
    size_t sig_len, int64_t at, tb_problem *p) {
  X509 *cert = t && key_id && (unsigned)purpose < TB_LICENSE_SIGNER_COUNT
                   ? find_cert_of(t, key_id, (int)purpose)
                   : NULL;
  if (!cert) {
    tb_problem_set(p, TB_ERR_INVALID, "key_id",
                   "the trust list has no %s key with this id",
                   purpose < TB_LICENSE_SIGNER_COUNT
                       ? tb_license_signer_purpose_name(purpose)
                       : "platform");
    return TB_LICENSE_ERR_NOT_FOUND;
  }
  if (!chain_ok(t, cert, tb_license_now(at))) {
    tb_problem_set(p, TB_ERR_INVALID, "key_id",
                   "the signing certificate does not chain to a trusted "
                   "root at the time of signing");
    return TB_LICENSE_ERR_INVALID;
  }
  EVP_PKEY *key = X509_get0_pubkey(cert);
  if (!key || tb_license_sm2_verify(key, data, len, sig, sig_len) != 1) {
    tb_problem_set(p, TB_ERR_INVALID, "signature",
                   "the signature does not match the signed bytes");
    return TB_LICENSE_ERR_INVALID;
  }
  return TB_LICENSE_OK;
}

void tb_license_free_verdict(tb_license_verdict *v) {
  if (!v)
    return;
  tb_license_free_signed(&v->parts);
  tb_arena_free(v->arena);
  memset(v, 0, sizeof *v);
}

tb_license_status tb_license_verify(const char *payload, size_t len,
                                    const tb_license_trust *trust, int64_t now,
                                    tb_license_revocation_fn revoked, void *arg,
                                    tb_license_verdict *out) {
  memset(out, 0, sizeof *out);
  if (!payload || !trust)
    return TB_LICENSE_ERR_INVALID;
  out->arena = tb_arena_new();
  tb_problem ignored;
  if (tb_license_decode_payload(payload, len, &out->parts, &ignored) !=
          TB_LICENSE_OK ||
      tb_license_parse(out->parts.json, out->parts.json_len, out->arena,
                       &out->license, &ignored) != TB_LICENSE_OK) {
    memset(&out->license, 0, sizeof out->license);
    out->reasons = TB_LICENSE_MALFORMED;
    return TB_LICENSE_OK;
  }
  out->decoded = true;
  check_key(trust, out);
  check_dates(tb_license_now(now), out);
  check_revocation(revoked, arg, out);
  out->valid = out->reasons == 0;
  return TB_LICENSE_OK;
}

tb_license_status tb_license_verdict_json(const tb_license_verdict *v,
                                          char **out, size_t *len) {
  tb_buf b;
  tb_buf_init(&b, TB_LICENSE_MAX_JSON * 2);
  tb_buf_addf(&b,
              "{\"valid\":%s,\"revoked\":%s,\"revocation_checked\":%s,"
              "\"reasons\":[",
              v->valid ? "true" : "false",
              (v->reasons & TB_LICENSE_REVOKED) ? "true" : "false",
              v->revocation_checked ? "true" : "false");
  bool first = true;
  for (unsigned bit = 0; bit < TB_LICENSE_REASON_COUNT; bit++)
    if (v->reasons & (1u << bit)) {
      tb_buf_addf(&b, "%s\"%s\"", first ? "" : ",",
                  tb_license_reason_code((tb_license_reason)(1u << bit)));
      first = false;
    }
  tb_buf_adds(&b, "],\"key_id\":");
  if (v->decoded)
    tb_buf_addf(&b, "\"%s\"", v->parts.key_id);
  else
    tb_buf_adds(&b, "null");
  tb_buf_adds(&b, ",\"license\":");
  if (v->decoded)
    tb_buf_add(&b, v->parts.json, v->parts.json_len);
  else
    tb_buf_adds(&b, "null");
  tb_buf_adds(&b, "}");
  *out = tb_buf_take(&b, len);
  return *out ? TB_LICENSE_OK : TB_LICENSE_ERR_LIMIT;
}
