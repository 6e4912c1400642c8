/*
 * tb_license.h — electronic licenses (电子证照): the license payload and
 * its canonical bytes, SM2/SM3 signatures, the platform's keys and
 * certificates, the ASCII QR payload, verification, and rendering (QR codes
 * as PNG and SVG, the printable license as SVG).
 *
 * Cryptography. Signatures are SM2 with SM3 and the GM/T 0009 signer ID
 * TB_LICENSE_SIGNER_ID ("1234567812345678"), on licenses and on
 * certificates alike, so anyone can check them with the stock command line:
 *
 *   openssl verify -vfyopt distid:1234567812345678 -CAfile root.pem bureau.pem
 *   openssl dgst -sm3 -verify bureau-pub.pem \
 *       -sigopt distid:1234567812345678 -signature license.sig license.json
 *
 * Keys. A keys folder (default ./var/keys) holds a platform root (a CA with
 * path length 0) and, per bureau, one or more issuing certificates
 * (digitalSignature only; subject CN = bureau name, O = platform,
 * OU = bureau code, organizationIdentifier = the bureau's unified social
 * credit code). The newest certificate of a bureau signs; older ones stay
 * in the trust list so licenses they signed stay verifiable.
 *
 * Authority. Every issuing certificate lists the license types it may
 * sign (bureaus.xml <issues>) in a non-critical extension,
 * TB_LICENSE_AUTHORITY_OID, whose value is a DER SEQUENCE OF UTF8String
 * of type codes (sorted, each once), signed by the root with the rest of
 * the certificate: the trust list thus carries each certificate's
 * authority, and the stock commands above work unchanged. A certificate
 * without the extension (made before it existed) may sign nothing;
 * tb_license_init_keys gives a bureau a new certificate when its newest
 * one does not list exactly its current grants, and older certificates
 * keep the authority they list. Layout:
 *
 *   root.pem, root.key                        the platform root
 *   issuing/<BUREAU>.<N>.pem, <BUREAU>.<N>.key  N = 1, 2, … (rotation)
 *
 * Private keys are PKCS#8 PEM files created with mode 0600 (never
 * overwritten), encrypted with AES-256-CBC when a passphrase is given.
 *
 * A key id is the lower-case hex of the certificate's subject key
 * identifier computed by RFC 7093 method 1: the leftmost 160 bits of the
 * SHA-256 of the subjectPublicKey bits (40 hex digits). The certificates
 * carry exactly that value in their SubjectKeyIdentifier extension.
 *
 * Canonical JSON. A license is one JSON object in RFC 8785 canonical form,
 * written by the engine's tb_json_canonical (the canonicalizer the audit
 * chain uses too): sorted keys, no insignificant white space, UTF-8,
 * strings escaped only for '"', '\\' and control characters (\b \f \n \r
 * \t, others as \u00xx with lower-case hex), and no numbers:
 *
 *   {"application":"…","data":[["名称","…"],…],
 *    "holder":{"name":"…","number":"…"},"id":"1.2.156.3005.2.…",
 *    "issued":"YYYY-MM-DD","issuer":{"code":"…","credit_code":"…",
 *    "name":"…"},"type":{"code":"…","name":"…"},
 *    "valid_from":"YYYY-MM-DD","valid_until":"YYYY-MM-DD"|"long-term"}
 *
 * "data" keeps the data items in the order given. A decoder accepts only
 * bytes that re-encode to themselves, so what was signed is what is shown.
 *
 * QR payload, format 1: "TB1:" followed by the base45 (RFC 9285) encoding
 * of  key id (20 bytes) ‖ signature r ‖ s (32 + 32 bytes, big-endian) ‖
 * the canonical JSON compressed with raw deflate (RFC 1951) using the
 * fixed preset dictionary of format 1. Every character is in the QR
 * alphanumeric set, so the whole payload is encoded in alphanumeric mode.
 *
 * Dates are calendar days (tb_day) in China Standard Time (UTC+8); "now"
 * arguments are Unix seconds.
 *
 * Ownership: functions named tb_license_free_* / tb_license_close_* free
 * what the matching function made; buffers returned through `char **` or
 * `unsigned char **` are malloc'd and freed by the caller with free().
 * Input pointers are only read during the call and never kept.
 *
 * Errors: every function returns a tb_license_status. OpenSSL's error queue
 * is written to the log (engine/tb_log.h) and cleared; it never reaches
 * tb_problem messages, which are short, lower case and safe to show to people.
 *
 * Trust lists hold only SM2 certificates; anything else is refused when
 * the list is loaded.
 *
 * Threads: functions are re-entrant; a tb_license_keys or tb_license_trust
 * may be shared by threads for reading (signing and verifying), and a
 * tb_license_issuer by threads issuing at once. Nothing is process-wide:
 * keys, passphrases and trust lists live in the objects a caller opens.
 */
#ifndef TB_LICENSE_H
#define TB_LICENSE_H

#include "tb_engine.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TB_LICENSE_SIGNER_ID "1234567812345678"
#define TB_LICENSE_PAYLOAD_PREFIX "TB1:"
#define TB_LICENSE_KEY_ID_LEN 40           /* hex digits of a key id */
#define TB_LICENSE_MAX_ITEMS 32            /* data items of one license */
#define TB_LICENSE_MAX_JSON (16 * 1024)    /* canonical bytes of one license */
#define TB_LICENSE_MAX_PAYLOAD 8192        /* characters of a QR payload */
#define TB_LICENSE_MAX_LINK 16384          /* bytes of a verification link */
#define TB_LICENSE_MAX_TRUST (1024 * 1024) /* bytes of a trust list */
#define TB_LICENSE_LONG_TERM ((tb_day)INT32_MAX) /* valid_until: 长期 */
/* The extension listing the license types a certificate may sign: a UUID
 * as an OID (ITU-T X.667), private to tongban. */
#define TB_LICENSE_AUTHORITY_OID "2.25.252955788365036925136431616508213913944"

/* The outcome of every call. */
typedef enum {
  TB_LICENSE_OK = 0,
  TB_LICENSE_ERR_INVALID,       /* a malformed argument or license field */
  TB_LICENSE_ERR_LIMIT,         /* too large (see the TB_LICENSE_MAX_* caps) */
  TB_LICENSE_ERR_IO,            /* a file could not be read or written */
  TB_LICENSE_ERR_EXISTS,        /* a file that must not be overwritten exists */
  TB_LICENSE_ERR_NOT_FOUND,     /* no key or certificate for what was asked */
  TB_LICENSE_ERR_PASSPHRASE,    /* a key file needs a (different) passphrase */
  TB_LICENSE_ERR_CRYPTO,        /* OpenSSL failed; details are in the log */
  TB_LICENSE_ERR_NOT_AUTHORIZED /* the bureau's certificate may not sign
                                   the license's type */
} tb_license_status;

/* "ok", "invalid", "limit", "io", "exists", "not_found", "passphrase",
 * "crypto", "not_authorized". Never NULL. */
const char *tb_license_status_code(tb_license_status s);

/* ------------------------------------------------------------------------
 * The license
 * ---------------------------------------------------------------------- */

/* One data item: a label as printed ("名称") and its value. */
typedef struct {
  const char *key;
  const char *value;
} tb_license_item;

/* A license. Strings are UTF-8 and NUL-terminated. When the caller builds
 * one, it owns the strings; a decoded license (tb_license_verdict) points
 * into the verdict's memory. */
typedef struct {
  const char *id;            /* tb_id_make_license_id(type_code, issuer…) */
  const char *type_code;     /* the id's type part */
  const char *type_name;     /* 营业执照 */
  const char *holder_name;   /* 持证主体 */
  const char *holder_number; /* citizen ID or unified social credit code */
  const char *issuer_code;   /* bureau code of bureaus.xml */
  const char *issuer_name;   /* bureau name */
  const char *issuer_credit_code; /* the bureau's credit code (in the id) */
  tb_day issued;                  /* 发证日期 */
  tb_day valid_from;              /* 有效期自 */
  tb_day valid_until; /* 有效期至, inclusive; TB_LICENSE_LONG_TERM */
  const tb_license_item *items; /* data items, printed in this order */
  size_t n_items;               /* at most TB_LICENSE_MAX_ITEMS */
  const char *application;      /* the application number it came from */
} tb_license;

/* Check a license: every string present, valid UTF-8 without control
 * characters other than tab and newline; the id valid and made of
 * type_code and issuer_credit_code; the holder number a valid citizen ID
 * or credit code; valid_from <= valid_until. The first problem is
 * described in *p (field named as in the JSON: "holder.number"…). */
tb_license_status tb_license_check(const tb_license *lic, tb_problem *p);

/* The canonical JSON of a checked license (see the top of this file).
 * *out is malloc'd, NUL-terminated (the NUL is not counted in *len) and
 * freed by the caller. */
tb_license_status tb_license_canonical(const tb_license *lic, char **out,
                                       size_t *len, tb_problem *p);

/* ------------------------------------------------------------------------
 * Keys and certificates
 * ---------------------------------------------------------------------- */

typedef struct {
  const char *platform;   /* O= of every certificate; NULL: "tongban" */
  const char *passphrase; /* NULL or "": private keys are not encrypted */
  int64_t now;            /* certificates start here; 0: time(NULL) */
  unsigned root_days;     /* root validity; 0: 30 years */
  unsigned issuing_days;  /* issuing certificate validity; 0: 10 years */
  const char *root_dir;   /* an offline root: the folder that holds (or,
                             for a new root, receives) root.key, e.g. a
                             USB stick; the keys folder then gets only
                             root.pem. NULL: root.key is in the keys
                             folder */
} tb_license_key_options;

/* What tb_license_init_keys did, for the command line to print. */
typedef struct {
  bool root_created;
  size_t issuing_created;  /* bureaus that got their first key */
  size_t issuing_kept;     /* bureaus that already had one */
  size_t issuing_rotated;  /* of those kept, bureaus given a new key because
                              their grants changed (counted in kept too) */
  size_t platform_created; /* platform signers made (see "Platform signers") */
} tb_license_init_report;

/* Create `dir` (mode 0700) if needed, the root if missing, a first
 * issuing key for every bureau of `bureaus` that has none, a new one (a
 * rotation) for every bureau whose newest certificate does not list
 * exactly its grants (b->grants), and the platform signers (below) that
 * are missing. Existing files are never touched, so running it twice
 * changes nothing. The root's private key is needed (decrypted with
 * opt->passphrase) only when a certificate has to be made. */
tb_license_status tb_license_init_keys(const char *dir,
                                       const tb_bureau_list *bureaus,
                                       const tb_license_key_options *opt,
                                       tb_license_init_report *report,
                                       tb_problem *p);

/* The first private key file under the keys folder dir (root.key, the
 * .key files of issuing/ and platform/) that is not encrypted, into path
 * (cap bytes; "" when every one is): what `tongban serve` refuses to run
 * with. TB_LICENSE_ERR_IO when a folder cannot be listed. */
tb_license_status tb_license_keys_find_plain(const char *dir, char *path,
                                             size_t cap, tb_problem *p);

/* Encrypt every private key file of dir that is not (see
 * tb_license_keys_find_plain) with passphrase (not empty), in place:
 * each is written anew beside the old one and renamed over it. *count
 * (may be NULL) receives how many were. For folders made before keys
 * were encrypted by default. */
tb_license_status tb_license_keys_encrypt(const char *dir,
                                          const char *passphrase, size_t *count,
                                          tb_problem *p);

/* Create a new issuing key and certificate for one bureau (rotation),
 * listing its current grants. The old ones stay: they remain in the trust list,
 * and the new one signs from now on. *serial (may be NULL) receives the new N
 * of issuing/<CODE>.<N>. */
tb_license_status tb_license_rotate_key(const char *dir, const tb_bureau *b,
                                        const tb_license_key_options *opt,
                                        unsigned *serial, tb_problem *p);

/* The trust list of a keys folder: the root's PEM followed by every
 * issuing certificate's PEM, sorted by file name. Needs no private key.
 * *pem is malloc'd and NUL-terminated. */
tb_license_status tb_license_read_trust_list(const char *dir, char **pem,
                                             size_t *len, tb_problem *p);

/* The signing keys of a keys folder, loaded for tb_license_sign. */
typedef struct tb_license_keys tb_license_keys;

/* Load every bureau's newest issuing key (decrypted with passphrase, NULL
 * for none) and certificate. The root's private key is not loaded. */
tb_license_status tb_license_open_keys(const char *dir, const char *passphrase,
                                       tb_license_keys **out, tb_problem *p);
void tb_license_close_keys(tb_license_keys *keys); /* NULL is fine */

/* The passphrase for the key files, from the environment: the variable
 * TONGBAN_KEY_PASSPHRASE, else the first line of the file named by
 * TONGBAN_KEY_PASSPHRASE_FILE. Writes it NUL-terminated into buf and
 * returns TB_LICENSE_OK; TB_LICENSE_ERR_NOT_FOUND (buf = "") when neither
 * is set; TB_LICENSE_ERR_IO / _LIMIT when the file cannot be read or the
 * passphrase does not fit. */
tb_license_status tb_license_passphrase_from_env(char *buf, size_t size,
                                                 tb_problem *p);

/* ------------------------------------------------------------------------
 * Signing and the QR payload
 * ---------------------------------------------------------------------- */

/* A signed license as stored: the canonical bytes, the DER signature over
 * them and the signing key's id. All owned by the struct. */
typedef struct {
  char *json; /* NUL-terminated */
  size_t json_len;
  unsigned char *signature; /* DER SEQUENCE { r, s } */
  size_t signature_len;
  char key_id[TB_LICENSE_KEY_ID_LEN + 1];
} tb_license_signed;

/* Sign a license with the newest key of the bureau lic->issuer_code. The
 * bureau's certificate must name the license's issuer (code, name, credit
 * code), be valid at `now` (0: time(NULL)) and list lic->type_code among
 * the types it may sign (else TB_LICENSE_ERR_NOT_AUTHORIZED). On success *out
 * owns new memory; free it with tb_license_free_signed. */
tb_license_status tb_license_sign(const tb_license_keys *keys,
                                  const tb_license *lic, int64_t now,
                                  tb_license_signed *out, tb_problem *p);
void tb_license_free_signed(tb_license_signed *s); /* zeroes it; NULL ok */

/* The ASCII QR payload ("TB1:…") of a signed license. *out is malloc'd
 * and NUL-terminated. */
tb_license_status tb_license_encode_payload(const tb_license_signed *s,
                                            char **out, size_t *len,
                                            tb_problem *p);

/* Split a payload into its parts without checking any signature: *out
 * receives the decompressed JSON, the signature re-encoded as DER and the
 * key id. TB_LICENSE_ERR_INVALID (with *p) for anything malformed. */
tb_license_status tb_license_decode_payload(const char *payload, size_t len,
                                            tb_license_signed *out,
                                            tb_problem *p);

/* ------------------------------------------------------------------------
 * Issuing (for an approved application)
 * ---------------------------------------------------------------------- */

/* An issuer: a keys folder and its passphrase, and the signing keys
 * opened from it, kept until the folder changes (a rotation signs at
 * once). One per server; threads may issue through it at once. */
typedef struct tb_license_issuer tb_license_issuer;

/* Open the keys folder dir (passphrase: NULL or "" for unencrypted keys;
 * both copied, the passphrase cleansed at close) and check that its keys
 * open now. */
tb_license_status tb_license_issuer_open(const char *dir,
                                         const char *passphrase,
                                         tb_license_issuer **out,
                                         tb_problem *p);
void tb_license_issuer_close(tb_license_issuer *is); /* NULL is fine */

/* What the caller (the store, through the API) knows when an approval
 * asks for license number `license` of def. Only read during the call. */
typedef struct {
  const char *application;  /* the application number */
  const tb_definition *def; /* the version it ran on */
  size_t license;           /* index into def->licenses */
  const char *holder_name;  /* the applicant */
  const char *holder_number;
  const tb_bureau *issuer; /* the license's bureau: code, name, credit code */
  /* per field of def: the value as the text tb_value_parse reads, or NULL
   * when left empty */
  const char *const *form;
  /* per id of def->licenses[license].output_items: the branch output's
   * value as text, or NULL when it was not recorded (not carried) */
  const char *const *outputs;
  uint64_t serial; /* of (type, bureau): makes the identifier */
  int64_t at;      /* the time of issuance (Unix seconds): the signing
                      certificate must be valid then */
  tb_day today;    /* its day: issued, valid from */
} tb_license_order;

/* An issued license: what was signed and how. Owned by the struct; free
 * with tb_license_free_issued. */
typedef struct {
  tb_license license; /* strings in arena or the order's definition */
  tb_license_item items[TB_LICENSE_MAX_ITEMS];
  char id[TB_LICENSE_ID_MAX];
  tb_license_signed sig; /* canonical JSON, signature, key id */
  char *payload;         /* the QR payload, NUL-terminated */
  size_t payload_len;
  tb_arena *arena;
} tb_license_issued;

/* Build the license of an order (the definition's fields as people read
 * them, the identifier, the dates), check it, sign it with the newest key
 * of its bureau and encode its payload. On any status *out must be freed
 * with tb_license_free_issued; the first problem is in *p. */
tb_license_status tb_license_issue(tb_license_issuer *is,
                                   const tb_license_order *o,
                                   tb_license_issued *out, tb_problem *p);
void tb_license_free_issued(tb_license_issued *li); /* zeroes it; NULL ok */

/* ------------------------------------------------------------------------
 * Verification
 * ---------------------------------------------------------------------- */

/* A parsed trust list: root certificates (self-signed CAs) and issuing
 * certificates, as from tb_license_read_trust_list or GET /api/v1/trust. */
typedef struct tb_license_trust tb_license_trust;

tb_license_status tb_license_load_trust(const char *pem, size_t len,
                                        tb_license_trust **out, tb_problem *p);
void tb_license_free_trust(tb_license_trust *t); /* NULL is fine */

/* Why a license is not valid; a verdict can carry several. */
typedef enum {
  TB_LICENSE_MALFORMED = 1u << 0,          /* cannot be decoded at all */
  TB_LICENSE_UNKNOWN_KEY = 1u << 1,        /* no certificate with its key id */
  TB_LICENSE_UNTRUSTED_KEY = 1u << 2,      /* the certificate does not chain to
                                              a root, or was not valid on the
                                              issue date, or may not sign */
  TB_LICENSE_BAD_SIGNATURE = 1u << 3,      /* the bytes were not signed by it */
  TB_LICENSE_WRONG_ISSUER = 1u << 4,       /* the certificate names another
                                              bureau than the license */
  TB_LICENSE_NOT_YET_VALID = 1u << 5,      /* today < valid_from */
  TB_LICENSE_EXPIRED = 1u << 6,            /* today > valid_until */
  TB_LICENSE_REVOKED = 1u << 7,            /* the revocation check says so */
  TB_LICENSE_REVOCATION_UNKNOWN = 1u << 8, /* the revocation check failed */
  TB_LICENSE_ISSUER_NOT_AUTHORIZED = 1u << 9 /* the certificate may not sign
                                                licenses of this type */
} tb_license_reason;

#define TB_LICENSE_REASON_COUNT 10

/* "malformed", "unknown_key", "untrusted_key", "bad_signature",
 * "wrong_issuer", "not_yet_valid", "expired", "revoked",
 * "revocation_unknown", "issuer_not_authorized"; NULL for anything that
 * is not one reason. */
const char *tb_license_reason_code(tb_license_reason r);

typedef enum {
  TB_LICENSE_NOT_REVOKED = 0,
  TB_LICENSE_IS_REVOKED,
  TB_LICENSE_REVOCATION_FAILED /* the check could not be made (database) */
} tb_license_revocation;

/* The online revocation check: called with the decoded license id; may
 * write a short reason (NUL-terminated, at most reason_size bytes). */
typedef tb_license_revocation (*tb_license_revocation_fn)(
    void *arg, const char *license_id, char *reason, size_t reason_size);

/* The outcome of a verification. Everything is owned by the verdict. */
typedef struct {
  bool valid;              /* no reasons */
  unsigned reasons;        /* tb_license_reason bits */
  bool decoded;            /* `license` is filled (not necessarily valid) */
  tb_license license;      /* the decoded license */
  tb_license_signed parts; /* the payload's parts */
  bool revocation_checked; /* a callback answered */
  char revocation_reason[256];
  tb_arena *arena; /* owns the license's strings */
} tb_license_verdict;

/* Verify a QR payload against a trust list at time `now` (0: time(NULL)).
 * In order: decode (else MALFORMED and nothing else); find the certificate
 * by key id (UNKNOWN_KEY); check that it chains to a root of the trust
 * list and may sign, at the end of the license's issue day
 * (UNTRUSTED_KEY); the signature (BAD_SIGNATURE); the certificate's
 * bureau against the license's issuer (WRONG_ISSUER); its authority for
 * the license's type (ISSUER_NOT_AUTHORIZED); the validity dates
 * against today (NOT_YET_VALID, EXPIRED); and, if `revoked` is not NULL,
 * revocation (REVOKED, REVOCATION_UNKNOWN). Returns TB_LICENSE_OK when a
 * verdict was reached (valid or not) — *out must then be freed with
 * tb_license_free_verdict — and TB_LICENSE_ERR_INVALID only for NULL
 * arguments. Hostile input of any kind ends in a verdict. */
tb_license_status tb_license_verify(const char *payload, size_t len,
                                    const tb_license_trust *trust, int64_t now,
                                    tb_license_revocation_fn revoked, void *arg,
                                    tb_license_verdict *out);
void tb_license_free_verdict(tb_license_verdict *v); /* NULL is fine */

/* The verdict as the REST API answers it (POST /api/v1/licenses/verify):
 * {"valid":…,"revoked":…,"revocation_checked":…,"reasons":["expired",…],
 *  "key_id":"…","license":<the canonical license, or null>}. *out is
 * malloc'd and NUL-terminated. */
tb_license_status tb_license_verdict_json(const tb_license_verdict *v,
                                          char **out, size_t *len);

/* ------------------------------------------------------------------------
 * Platform signers
 *
 * Besides the bureaus, the platform itself signs two things: audit
 * checkpoints (a Merkle root over every application's audit chain head)
 * and the revocation list. Each purpose has its own SM2 key, certified by
 * the root and kept in the keys folder, outside the database:
 *
 *   platform/<purpose>.<N>.pem, .key   purpose "audit" or "revocations"
 *
 * The certificate's subject is C=CN, O=<platform>, OU=PLATFORM,
 * title=<purpose>, CN=<platform> 审计签名 / 撤销列表签名; it has no
 * organizationIdentifier and OU=PLATFORM is refused as a bureau code, so a
 * platform certificate never passes for a bureau's (a license it signed
 * is UNKNOWN_KEY). `keys init` (and serve's start) makes signer 1 of each
 * purpose when missing; the newest N signs. The trust list carries every
 * platform certificate after the issuing ones, so a verifier with the
 * trust list checks a platform signature offline, with the stock
 * command line as well:
 *
 *   openssl dgst -sm3 -verify audit-pub.pem \
 *       -sigopt distid:1234567812345678 -signature sig bytes
 * ---------------------------------------------------------------------- */

#define TB_LICENSE_PLATFORM_OU "PLATFORM"

typedef enum {
  TB_LICENSE_SIGNER_AUDIT = 0,   /* "audit": audit checkpoints */
  TB_LICENSE_SIGNER_REVOCATIONS, /* "revocations": the revocation list */
  TB_LICENSE_SIGNER_COUNT
} tb_license_signer_purpose;

/* "audit", "revocations"; NULL for anything else. */
const char *tb_license_signer_purpose_name(tb_license_signer_purpose purpose);

typedef struct tb_license_signer tb_license_signer;

/* Open the newest signer of `purpose` in the keys folder dir (passphrase:
 * NULL or "" for unencrypted keys). TB_LICENSE_ERR_NOT_FOUND when there is
 * none ("run 'tongban keys init'"). *out is freed with
 * tb_license_signer_close. */
tb_license_status tb_license_signer_open(const char *dir,
                                         tb_license_signer_purpose purpose,
                                         const char *passphrase,
                                         tb_license_signer **out,
                                         tb_problem *p);
void tb_license_signer_close(tb_license_signer *s); /* NULL is fine */

/* Sign data with SM2/SM3 and the GM/T 0009 signer ID. *sig (DER) is
 * malloc'd and freed by the caller. A signer may sign from several threads
 * at once. */
tb_license_status tb_license_signer_sign(const tb_license_signer *s,
                                         const void *data, size_t len,
                                         unsigned char **sig, size_t *sig_len,
                                         tb_problem *p);

/* The signer's key id (40 lower-case hex digits, owned by the signer). */
const char *tb_license_signer_key_id(const tb_license_signer *s);

/* Check a platform signature against a trust list: the certificate with
 * key_id (hex) must be a platform certificate of `purpose`, chain to a
 * root of the list at time `at` (Unix seconds; 0: now), and have signed
 * data. TB_LICENSE_OK when all hold; TB_LICENSE_ERR_NOT_FOUND when the
 * list has no such platform certificate; TB_LICENSE_ERR_INVALID (with *p
 * saying which check failed) otherwise. */
tb_license_status tb_license_trust_check_platform(
    const tb_license_trust *t, tb_license_signer_purpose purpose,
    const char *key_id, const void *data, size_t len, const unsigned char *sig,
    size_t sig_len, int64_t at, tb_problem *p);

/* ------------------------------------------------------------------------
 * The revocation list (tb_license_revocations.c)
 *
 * Offline, a verifier cannot know whether a license was revoked. The
 * platform therefore publishes every revoked license in a list signed by
 * its revocations signer (see "Platform signers"). The signed bytes are
 * one JSON object in RFC 8785 canonical form (tb_json_canonical), with
 * strings only:
 *
 *   {"format":"tongban-revocations/1",
 *    "next_update":"YYYY-MM-DDTHH:MM:SSZ",
 *    "revoked":[{"id":"1.2.156.3005.2.…","reason":"…",
 *                "revoked_at":"YYYY-MM-DDTHH:MM:SSZ"},…],
 *    "this_update":"YYYY-MM-DDTHH:MM:SSZ"}
 *
 * "revoked" is sorted by id (byte order), each id at most once; a reason
 * longer than TB_LICENSE_MAX_REVOKED_REASON bytes is cut at a character
 * boundary (the verdict keeps no more). this_update is when the list was
 * made, next_update when a verifier should fetch a new one. What is
 * published (GET /api/v1/revocations, a file for --revocations) is the
 * envelope
 *
 *   {"key_id":"<40 hex>","list":"<the signed bytes as a JSON string>",
 *    "signature":"<base64url of the DER signature>"}
 *
 * so the stock command line checks it (`jq -j .list` gives the signed
 * bytes exactly; the key id names the platform certificate of the trust
 * list):
 *
 *   openssl dgst -sm3 -verify revocations-pub.pem \
 *       -sigopt distid:1234567812345678 -signature list.sig list.json
 * ---------------------------------------------------------------------- */

#define TB_LICENSE_REVOCATIONS_FORMAT "tongban-revocations/1"
#define TB_LICENSE_MAX_REVOCATIONS TB_JSON_MAX_TEXT /* signed bytes */
#define TB_LICENSE_MAX_REVOCATIONS_FILE (2 * TB_JSON_MAX_TEXT) /* envelope */
#define TB_LICENSE_MAX_REVOKED 100000     /* entries of one list */
#define TB_LICENSE_MAX_REVOKED_REASON 255 /* bytes of one reason */

/* One revoked license. */
typedef struct {
  const char *id;     /* the license identifier */
  int64_t revoked_at; /* Unix seconds */
  const char *reason; /* UTF-8, as recorded at revocation */
} tb_license_revoked;

/* Make and sign the list of `items` (any order; n at most
 * TB_LICENSE_MAX_REVOKED, ids unique) dated this_update, to be fetched
 * again at next_update (Unix seconds, next_update > this_update), and
 * write the envelope above. *out is malloc'd, NUL-terminated, freed by the
 * caller. TB_LICENSE_ERR_LIMIT when the list would pass its maximum. */
tb_license_status tb_license_revocations_sign(const tb_license_signer *s,
                                              const tb_license_revoked *items,
                                              size_t n, int64_t this_update,
                                              int64_t next_update, char **out,
                                              size_t *len, tb_problem *p);

/* A loaded, signature-checked revocation list. */
typedef struct tb_license_revocations tb_license_revocations;

/* Read an envelope (hostile input: at most TB_LICENSE_MAX_REVOCATIONS_FILE
 * bytes), check its signature against the trust list with
 * tb_license_trust_check_platform (a revocations key of the platform,
 * chaining to a root at `now`, 0: time(NULL)) and only then parse the
 * list: canonical bytes, the format above, every field present and well
 * formed, nothing else. TB_LICENSE_ERR_NOT_FOUND: the key is not a
 * revocations key of the trust list (a bureau's or the audit key is not);
 * TB_LICENSE_ERR_INVALID: a bad signature or a malformed list;
 * TB_LICENSE_ERR_LIMIT: too large. *p says what, in a short message.
 * On success *out is freed with tb_license_revocations_free. */
tb_license_status tb_license_revocations_load(const char *text, size_t len,
                                              const tb_license_trust *trust,
                                              int64_t now,
                                              tb_license_revocations **out,
                                              tb_problem *p);
void tb_license_revocations_free(tb_license_revocations *r); /* NULL ok */

/* The list's dates (Unix seconds) and number of entries. */
int64_t tb_license_revocations_this_update(const tb_license_revocations *r);
int64_t tb_license_revocations_next_update(const tb_license_revocations *r);
size_t tb_license_revocations_count(const tb_license_revocations *r);

/* The entry of a license id, or NULL. Owned by the list. */
const tb_license_revoked *
tb_license_revocations_find(const tb_license_revocations *r,
                            const char *license_id);

/* A tb_license_revocation_fn over a loaded list (arg: the
 * tb_license_revocations): revoked with its reason, or not revoked. */
tb_license_revocation tb_license_revocations_check(void *arg,
                                                   const char *license_id,
                                                   char *reason,
                                                   size_t reason_size);

/* The list's age at `now` (Unix seconds): *hours the whole hours since
 * this_update (0 for a list dated in the future), and whether it is past
 * its next_update (stale). `text` receives "revocation list of
 * YYYY-MM-DD HH:MM UTC, N hours old" (at most size bytes, NUL-terminated;
 * size >= 64 holds it). */
bool tb_license_revocations_age(const tb_license_revocations *r, int64_t now,
                                int64_t *hours, char *text, size_t size);

/* "YYYY-MM-DDTHH:MM:SSZ" of Unix seconds (years 1900..2199), and back:
 * strict, exactly that form. */
void tb_license_time_format(int64_t t, char out[static 21]);
bool tb_license_time_parse(const char *s, size_t len, int64_t *t);

/* ------------------------------------------------------------------------
 * Rendering
 * ---------------------------------------------------------------------- */

/* A QR code of any text (a license payload, a tracking page URL) at
 * error-correction level M, with a quiet zone of 4 modules. PNG: 1-bit
 * grey, `scale` pixels a module (1..32). SVG: one path, crisp edges,
 * `scale` user units a module. *version (may be NULL) receives the QR
 * version (1..40). text: NUL-terminated, at most TB_LICENSE_MAX_PAYLOAD
 * bytes. */
tb_license_status tb_license_render_qr_png(const char *text, int scale,
                                           unsigned char **out, size_t *len,
                                           int *version, tb_problem *p);
tb_license_status tb_license_render_qr_svg(const char *text, int scale,
                                           char **out, size_t *len,
                                           int *version, tb_problem *p);
/* Only the QR version a text would need, and its module count a side. */
tb_license_status tb_license_qr_version(const char *text, int *version,
                                        int *width, tb_problem *p);

/* ------------------------------------------------------------------------
 * The verification link (tb_license_link.c)
 *
 * A license QR code carries a link to the page that verifies licenses,
 * with the payload in its one p parameter:
 *
 *   https://zwfw.example.gov.cn/v?p=TB1:6BF…   (the payload form-encoded:
 *                                              a space as '+', '%' and '+'
 *                                              as %25, %2B)
 *
 * A phone camera opens the page; every verifier reads the payload out of
 * the link (tb_license_link_payload) or takes the bare payload as before.
 * The page's URL is the caller's (the server's public URL and its route):
 * this module knows no host and no route.
 * ---------------------------------------------------------------------- */

/* page + "?p=" + the payload form-encoded (tb_form_encode). page: an
 * http:// or https:// URL without query, fragment or space. *out is
 * malloc'd, NUL-terminated, freed by the caller. TB_LICENSE_ERR_LIMIT past
 * TB_LICENSE_MAX_LINK bytes. */
tb_license_status tb_license_link_make(const char *page, const char *payload,
                                       char **out, size_t *len, tb_problem *p);

/* What a license QR code carries: the link of tb_license_link_make when
 * it fits a QR code at level M (*linked = true), else the bare payload
 * (*linked = false; a payload too large for a QR code even alone is then
 * left to the renderer to refuse). *out is malloc'd, freed by the caller. */
tb_license_status tb_license_qr_text(const char *page, const char *payload,
                                     char **out, size_t *len, bool *linked,
                                     tb_problem *p);

/* The payload in text[0..len), which is either a payload (anything that
 * does not start with http:// or https://, taken as it is for the
 * verifier to judge) or a verification link: a host, no user
 * information, no fragment, only printable ASCII, and a query with
 * exactly one parameter named p (names are decoded too; other parameters
 * are ignored) whose decoded value is a payload without NUL bytes. Hostile
 * input: at most TB_LICENSE_MAX_LINK bytes. TB_LICENSE_ERR_INVALID /
 * _LIMIT with *p (field "payload") saying what is wrong. *out is malloc'd,
 * NUL-terminated, freed by the caller. */
tb_license_status tb_license_link_payload(const char *text, size_t len,
                                          char **out, size_t *out_len,
                                          tb_problem *p);

/* The printable license: an A4 SVG with the license's data, the issuing
 * bureau, the dates and the QR code of `qr_text` (the payload, or its
 * verification link: tb_license_qr_text). Text is XML-escaped and set in
 * a CJK font list. *out is malloc'd and NUL-terminated. */
tb_license_status tb_license_render_svg(const tb_license *lic,
                                        const char *qr_text, char **out,
                                        size_t *len, tb_problem *p);

#endif /* TB_LICENSE_H */
