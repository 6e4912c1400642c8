/*
 * tb_license_int.h — what the files of electronic-licenses/ share and
 * nobody else sees: OpenSSL logging, the SM2 primitives and key ids. (The
 * bounded buffer tb_buf, UTF-8, hex and canonical JSON are the engine's
 * utility layer, tb_util.h.)
 */
#ifndef TB_LICENSE_INT_H
#define TB_LICENSE_INT_H

#include "tb_license.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

/* China Standard Time, the zone of license dates. */
#define TB_LICENSE_UTC_OFFSET 28800

/* ------------------------------------------------------------------------
 * Logging and small helpers
 * ---------------------------------------------------------------------- */

/* Log that `what` failed and each error of OpenSSL's queue (module
 * "license", engine/tb_log.h), and clear the queue. */
void tb_license_log_openssl(const char *what);

/* The Unix time to calendar day in China Standard Time, and back (the
 * first second of the day). */
tb_day tb_license_day_of(int64_t unix_seconds);
int64_t tb_license_start_of(tb_day d);
int64_t tb_license_now(int64_t now); /* now, or time(NULL) when 0 */

/* ------------------------------------------------------------------------
 * SM2
 * ---------------------------------------------------------------------- */

/* Sign `data` with SM2/SM3 and the GM/T 0009 signer ID: DER signature. */
tb_license_status tb_license_sm2_sign(EVP_PKEY *key, const void *data,
                                      size_t len, unsigned char **sig,
                                      size_t *sig_len);
/* 1 valid, 0 not, -1 OpenSSL failed. */
int tb_license_sm2_verify(EVP_PKEY *key, const void *data, size_t len,
                          const unsigned char *sig, size_t sig_len);
/* An EVP_MD_CTX initialized for signing (X509_sign_ctx) or verifying
 * with SM2/SM3 and the signer ID. Free *md first, then *pctx (the digest
 * context does not own it). */
bool tb_license_sm2_ctx(EVP_PKEY *key, bool sign, EVP_MD_CTX **md,
                        EVP_PKEY_CTX **pctx);
/* Attach the GM/T 0009 ID to a certificate so that checking its signature
 * uses it (OpenSSL 3 takes the ID of the certificate being verified). */
bool tb_license_cert_set_id(X509 *cert);

/* The RFC 7093 method 1 key identifier of a certificate's public key: 20
 * bytes; and as 40 lower-case hex digits. */
bool tb_license_key_id_raw(X509 *cert, unsigned char out[20]);
bool tb_license_key_id_hex(X509 *cert, char out[TB_LICENSE_KEY_ID_LEN + 1]);

/* The bureau a certificate names: OU (code), CN (name) and
 * organizationIdentifier (credit code); false if one is missing. */
bool tb_license_cert_bureau(X509 *cert, char *code, size_t code_size,
                            char *name, size_t name_size, char *credit,
                            size_t credit_size);

/* The license types an issuing certificate may sign (see
 * tb_license_authority.c): add the extension listing b's grants; whether
 * the certificate lists type_code; whether it lists exactly b's grants
 * (false without the extension). */
bool tb_license_cert_add_authority(X509 *x,
                                   const tb_bureau *b); /* errors queued */
bool tb_license_cert_authorizes(X509 *cert, const char *type_code);
bool tb_license_cert_authority_is(X509 *cert, const tb_bureau *b);

/* Parse canonical JSON into lic, with strings allocated from arena. The
 * bytes must re-encode exactly to themselves. */
tb_license_status tb_license_parse(const char *json, size_t len,
                                   tb_arena *arena, tb_license *lic,
                                   tb_problem *p);

/* base45 (RFC 9285; tb_license_payload.c). Decoding is strict: every
 * character in the alphabet, no group out of range, no dangling single
 * character; out needs len * 2 / 3 bytes. */
void tb_license_base45_encode(const unsigned char *in, size_t len, tb_buf *out);
bool tb_license_base45_decode(const char *in, size_t len, unsigned char *out,
                              size_t *out_len);

/* A QR code of text as a nested <svg> element placed at (x, y) with the
 * given side, appended to out (tb_license_qr.c). */
tb_license_status tb_license_qr_svg_fragment(const char *text, double x,
                                             double y, double size, tb_buf *out,
                                             tb_problem *p);

/* The key of one bureau in an opened keys folder (tb_license_keys.c). */
bool tb_license_keys_find(const tb_license_keys *keys, const char *bureau,
                          EVP_PKEY **key, X509 **cert);

/* ------------------------------------------------------------------------
 * The platform signers' files (tb_license_keys.c)
 * ---------------------------------------------------------------------- */

#define TB_LICENSE_PATH_SIZE 4096 /* bytes of a path in the keys folder */

/* dir/platform/<purpose>.<serial>.<ext>; false when it does not fit. */
bool tb_license_keys_signer_path(char out[TB_LICENSE_PATH_SIZE],
                                 const char *dir, int purpose, unsigned serial,
                                 const char *ext);
/* The highest N with platform/<purpose>.<N>.pem (files are only ever
 * added); 0 for none. */
unsigned tb_license_keys_newest_signer(const char *dir, int purpose);
/* Read a private key and its certificate and check that they belong
 * together. On success the caller owns *key and *cert. */
tb_license_status tb_license_keys_load_pair(const char *key_path,
                                            const char *cert_path,
                                            const char *passphrase,
                                            EVP_PKEY **key, X509 **cert,
                                            tb_problem *p);
/* Make signer 1 of every purpose that has none (*created counts them),
 * certified by the root of dir, and append every platform certificate's
 * PEM to a trust list being built. */
tb_license_status tb_license_platform_ensure(const char *dir,
                                             const tb_license_key_options *opt,
                                             size_t *created, tb_problem *p);
tb_license_status tb_license_platform_append_trust(const char *dir, tb_buf *buf,
                                                   tb_problem *p);
/* The purpose named by a certificate's title if it is a platform
 * certificate (OU=PLATFORM); -1 otherwise (tb_license_sm2.c, next to the
 * other subject readers). */
int tb_license_platform_purpose_of(X509 *cert);

#endif /* TB_LICENSE_INT_H */
