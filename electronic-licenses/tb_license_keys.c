/*
 * tb_license_keys.c — the platform's keys folder: the SM2 root and the
 * bureaus' issuing keys and certificates (creation, rotation, loading),
 * the platform signers' files (made and listed here, opened to sign in
 * tb_license_platform.c), the trust list, and the key passphrase from the
 * environment.
 *
 * Files are created with open(O_CREAT | O_EXCL): nothing is ever
 * overwritten, private keys get mode 0600 from the start, and running
 * `keys init` twice changes nothing. Every issuing certificate lists the
 * license types its bureau may issue (tb_license_authority.c); when
 * bureaus.xml grants change, `keys init` rotates the bureau's key.
 *
 * An offline root (options' root_dir): the root's private key is written
 * to and read from another folder (a USB stick), never the keys folder,
 * which keeps only root.pem; whatever needs the root key (a new or
 * rotated issuing certificate, a platform signer) then needs that folder.
 * The private key files' encryption is checked and added to old folders
 * at the end of this file.
 */
#include "tb_license_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_SIZE 4096
#define MAX_CODE 32
#define MAX_SERIAL 99999
#define MAX_FILE (256 * 1024)
#define MAX_PASSPHRASE 1024
#define DEFAULT_PLATFORM "tongban"

/* One issuing certificate file: issuing/<code>.<serial>.pem. */
typedef struct {
  char code[MAX_CODE + 1];
  unsigned serial;
} issuing_name;

typedef struct {
  issuing_name *items;
  size_t n, cap;
} issuing_list;

struct tb_license_keys {
  struct {
    char code[MAX_CODE + 1];
    EVP_PKEY *key;
    X509 *cert;
  } * items;
  size_t n;
};

static tb_license_status io_problem(tb_problem *p, const char *what,
                                    const char *path) {
  tb_problem_set(p, TB_ERR_INVALID, NULL, "could not %s %s: %s", what, path,
                 strerror(errno));
  return TB_LICENSE_ERR_IO;
}

static tb_license_status crypto_problem(tb_problem *p, const char *what) {
  tb_license_log_openssl(what);
  tb_problem_set(p, TB_ERR_INVALID, NULL, "%s", what);
  return TB_LICENSE_ERR_CRYPTO;
}

static bool join(char *out, const char *dir, const char *name) {
  int n = snprintf(out, PATH_SIZE, "%s/%s", dir, name);
  return n > 0 && n < PATH_SIZE;
}

static bool issuing_path(char *out, const char *dir, const char *code,
                         unsigned serial, const char *ext) {
  int n =
      snprintf(out, PATH_SIZE, "%s/issuing/%s.%u.%s", dir, code, serial, ext);
  return n > 0 && n < PATH_SIZE;
}

static bool code_ok(const char *s, size_t len) {
  if (len == 0 || len > MAX_CODE)
    return false;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  }
  return true;
}

/* ------------------------------------------------------------------------
 * Files
 * ---------------------------------------------------------------------- */

static tb_license_status make_dir(const char *path, tb_problem *p) {
  if (mkdir(path, 0700) == 0 || errno == EEXIST)
    return TB_LICENSE_OK;
  return io_problem(p, "create", path);
}

static bool write_all(int fd, const char *data, size_t len) {
  while (len) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    data += n;
    len -= (size_t)n;
  }
  return true;
}

/* Create path exclusively with `mode` and write the bytes; on failure
 * nothing is left behind. */
static tb_license_status write_new(const char *path, const char *data,
                                   size_t len, mode_t mode, tb_problem *p) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) {
      tb_problem_set(p, TB_ERR_INVALID, NULL, "%s exists already", path);
      return TB_LICENSE_ERR_EXISTS;
    }
    return io_problem(p, "create", path);
  }
  bool ok = write_all(fd, data, len) && fsync(fd) == 0;
  int saved = errno;
  if (close(fd) != 0)
    ok = false;
  if (!ok) {
    unlink(path);
    errno = saved;
    return io_problem(p, "write", path);
  }
  return TB_LICENSE_OK;
}

/* Read a whole file of at most MAX_FILE bytes into buf. */
static tb_license_status read_into(const char *path, tb_buf *buf,
                                   tb_problem *p) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (errno == ENOENT) {
      tb_problem_set(p, TB_ERR_INVALID, NULL, "%s does not exist", path);
      return TB_LICENSE_ERR_NOT_FOUND;
    }
    return io_problem(p, "open", path);
  }
  char chunk[8192];
  size_t n;
  tb_license_status st = TB_LICENSE_OK;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    if (!tb_buf_add(buf, chunk, n)) {
      tb_problem_set(p, TB_ERR_LIMIT, NULL, "%s is too large", path);
      st = TB_LICENSE_ERR_LIMIT;
      break;
    }
  if (st == TB_LICENSE_OK && ferror(f))
    st = io_problem(p, "read", path);
  fclose(f);
  return st;
}

static bool file_exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0;
}

/* The PEM text of a BIO's contents, written to a new file. */
static tb_license_status write_bio(const char *path, BIO *bio, mode_t mode,
                                   tb_problem *p) {
  char *data = NULL;
  long len = BIO_get_mem_data(bio, &data);
  if (len <= 0)
    return crypto_problem(p, "cannot encode a key or certificate");
  return write_new(path, data, (size_t)len, mode, p);
}

static tb_license_status write_key(const char *path, EVP_PKEY *key,
                                   const char *passphrase, tb_problem *p) {
  BIO *bio = BIO_new(BIO_s_mem());
  bool encrypt = passphrase && *passphrase;
  size_t plen = encrypt ? strnlen(passphrase, MAX_PASSPHRASE + 1) : 0;
  if (plen > MAX_PASSPHRASE) {
    BIO_free(bio);
    tb_problem_set(p, TB_ERR_LIMIT, NULL, "the passphrase is too long");
    return TB_LICENSE_ERR_LIMIT;
  }
  if (!bio || !PEM_write_bio_PKCS8PrivateKey(
                  bio, key, encrypt ? EVP_aes_256_cbc() : NULL,
                  encrypt ? passphrase : NULL, (int)plen, NULL, NULL)) {
    BIO_free(bio);
    return crypto_problem(p, "cannot encode a private key");
  }
  tb_license_status st = write_bio(path, bio, 0600, p);
  BIO_free(bio);
  return st;
}

static tb_license_status write_cert(const char *path, X509 *cert,
                                    tb_problem *p) {
  BIO *bio = BIO_new(BIO_s_mem());
  if (!bio || !PEM_write_bio_X509(bio, cert)) {
    BIO_free(bio);
    return crypto_problem(p, "cannot encode a certificate");
  }
  tb_license_status st = write_bio(path, bio, 0644, p);
  BIO_free(bio);
  return st;
}

/* The passphrase callback: hands out the passphrase and notes that the
 * file was encrypted. */
typedef struct {
  const char *passphrase;
  bool asked;
} pass_arg;

static int pass_cb(char *buf, int size, int rwflag, void *u) {
  (void)rwflag;
  pass_arg *a = u;
  a->asked = true;
  if (!a->passphrase || !*a->passphrase)
    return -1;
  size_t len = strlen(a->passphrase);
  if (len > (size_t)size)
    return -1;
  memcpy(buf, a->passphrase, len);
  return (int)len;
}

static tb_license_status read_key(const char *path, const char *passphrase,
                                  EVP_PKEY **out, tb_problem *p) {
  tb_buf buf;
  tb_buf_init(&buf, MAX_FILE);
  tb_license_status st = read_into(path, &buf, p);
  *out = NULL;
  if (st == TB_LICENSE_OK) {
    BIO *bio = BIO_new_mem_buf(buf.data, (int)buf.len);
    pass_arg arg = {passphrase, false};
    *out = bio ? PEM_read_bio_PrivateKey(bio, NULL, pass_cb, &arg) : NULL;
    BIO_free(bio);
    if (!*out && arg.asked) {
      tb_license_log_openssl("cannot decrypt a private key");
      tb_problem_set(p, TB_ERR_INVALID, NULL,
                     "cannot decrypt %s: set TONGBAN_KEY_PASSPHRASE or "
                     "TONGBAN_KEY_PASSPHRASE_FILE to its passphrase",
                     path);
      st = TB_LICENSE_ERR_PASSPHRASE;
    } else if (!*out || !EVP_PKEY_is_a(*out, "SM2")) {
      EVP_PKEY_free(*out);
      *out = NULL;
      st = crypto_problem(p, "a key file does not hold an sm2 private key");
    }
  }
  tb_buf_free(&buf);
  return st;
}

static tb_license_status read_cert(const char *path, X509 **out,
                                   tb_problem *p) {
  tb_buf buf;
  tb_buf_init(&buf, MAX_FILE);
  tb_license_status st = read_into(path, &buf, p);
  *out = NULL;
  if (st == TB_LICENSE_OK) {
    BIO *bio = BIO_new_mem_buf(buf.data, (int)buf.len);
    *out = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (!*out)
      st = crypto_problem(p, "a certificate file cannot be read");
  }
  tb_buf_free(&buf);
  return st;
}

/* ------------------------------------------------------------------------
 * Listing issuing/
 * ---------------------------------------------------------------------- */

/* Parse "<code>.<serial>.pem". */
static bool parse_issuing_name(const char *name, issuing_name *out) {
  const char *dot = strchr(name, '.');
  if (!dot || !code_ok(name, (size_t)(dot - name)))
    return false;
  const char *s = dot + 1;
  unsigned serial = 0;
  size_t digits = 0;
  while (s[digits] >= '0' && s[digits] <= '9' && digits < 6) {
    serial = serial * 10 + (unsigned)(s[digits] - '0');
    digits++;
  }
  if (digits == 0 || s[0] == '0' || serial > MAX_SERIAL ||
      strcmp(s + digits, ".pem") != 0)
    return false;
  memcpy(out->code, name, (size_t)(dot - name));
  out->code[dot - name] = '\0';
  out->serial = serial;
  return true;
}

static int compare_issuing(const void *a, const void *b) {
  const issuing_name *x = a, *y = b;
  int c = strcmp(x->code, y->code);
  if (c)
    return c;
  return (x->serial > y->serial) - (x->serial < y->serial);
}

/* Every issuing certificate file, sorted by code and serial. A missing
 * folder is an empty list. */
static tb_license_status list_issuing(const char *dir, issuing_list *out,
                                      tb_problem *p) {
  char path[PATH_SIZE];
  memset(out, 0, sizeof *out);
  if (!join(path, dir, "issuing"))
    return io_problem(p, "open", dir);
  DIR *d = opendir(path);
  if (!d)
    return errno == ENOENT ? TB_LICENSE_OK : io_problem(p, "open", path);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    issuing_name n;
    if (!parse_issuing_name(e->d_name, &n))
      continue;
    if (out->n == out->cap) {
      out->cap = out->cap ? out->cap * 2 : 16;
      out->items = tb_xrealloc(out->items, out->cap * sizeof *out->items);
    }
    out->items[out->n++] = n;
  }
  closedir(d);
  if (out->n)
    qsort(out->items, out->n, sizeof *out->items, compare_issuing);
  return TB_LICENSE_OK;
}

/* The highest serial of a bureau; 0 when it has none. */
static unsigned newest_serial(const issuing_list *l, const char *code) {
  unsigned best = 0;
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->items[i].code, code) == 0 && l->items[i].serial > best)
      best = l->items[i].serial;
  return best;
}

/* ------------------------------------------------------------------------
 * Certificates
 * ---------------------------------------------------------------------- */

static bool set_serial(X509 *x) {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1)
    return false;
  raw[0] &= 0x7F; /* positive */
  raw[0] |= 0x40; /* and always 16 bytes long */
  BIGNUM *bn = BN_bin2bn(raw, sizeof raw, NULL);
  bool ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
  BN_free(bn);
  return ok;
}

static bool add_name(X509_NAME *name, int nid, const char *value) {
  return X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
                                    (const unsigned char *)value, -1, -1,
                                    0) == 1;
}

static bool add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value) {
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
  bool ok = ext && X509_add_ext(x, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

/* SubjectKeyIdentifier = RFC 7093 method 1, the key id of licenses. */
static bool add_ski(X509 *x) {
  unsigned char raw[20];
  ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
  bool ok = os && tb_license_key_id_raw(x, raw) &&
            ASN1_OCTET_STRING_set(os, raw, sizeof raw) &&
            X509_add1_ext_i2d(x, NID_subject_key_identifier, os, 0,
                              X509V3_ADD_DEFAULT) == 1;
  ASN1_OCTET_STRING_free(os);
  return ok;
}

/* A certificate with version, serial, validity, subject and public key;
 * extensions and signature come after. */
static X509 *new_cert(EVP_PKEY *key, X509_NAME *subject, int64_t now,
                      unsigned days) {
  X509 *x = X509_new();
  int64_t start = tb_license_start_of(tb_license_day_of(now));
  if (!x || !X509_set_version(x, X509_VERSION_3) || !set_serial(x) ||
      !ASN1_TIME_set(X509_getm_notBefore(x), (time_t)start) ||
      !ASN1_TIME_set(X509_getm_notAfter(x),
                     (time_t)(start + (int64_t)days * 86400 - 1)) ||
      !X509_set_subject_name(x, subject) || !X509_set_pubkey(x, key)) {
    X509_free(x);
    return NULL;
  }
  return x;
}

static bool sign_cert(X509 *x, EVP_PKEY *issuer_key) {
  EVP_MD_CTX *md;
  EVP_PKEY_CTX *pctx;
  if (!tb_license_sm2_ctx(issuer_key, true, &md, &pctx))
    return false;
  bool ok = X509_sign_ctx(x, md) > 0;
  EVP_MD_CTX_free(md);
  EVP_PKEY_CTX_free(pctx);
  return ok;
}

static const char *platform_of(const tb_license_key_options *opt) {
  return opt && opt->platform && *opt->platform ? opt->platform
                                                : DEFAULT_PLATFORM;
}

static X509 *make_root(EVP_PKEY *key, const tb_license_key_options *opt) {
  char cn[256];
  snprintf(cn, sizeof cn, "%s 电子证照根证书", platform_of(opt));
  X509_NAME *name = X509_NAME_new();
  unsigned days = opt && opt->root_days ? opt->root_days : 30 * 365 + 7;
  X509 *x = NULL;
  if (name && add_name(name, NID_countryName, "CN") &&
      add_name(name, NID_organizationName, platform_of(opt)) &&
      add_name(name, NID_commonName, cn))
    x = new_cert(key, name, tb_license_now(opt ? opt->now : 0), days);
  X509_NAME_free(name);
  if (!x)
    return NULL;
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
  if (!X509_set_issuer_name(x, X509_get_subject_name(x)) ||
      !add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
      !add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !add_ski(x) || !sign_cert(x, key)) {
    X509_free(x);
    return NULL;
  }
  return x;
}

/* A leaf certificate for key with the subject name (taken; NULL when it
 * could not be built), signed by the root: no CA, digital signatures only,
 * its key ids, and for a bureau (b not NULL) the license types granted. */
static X509 *certify_leaf(EVP_PKEY *key, X509_NAME *name, X509 *root,
                          EVP_PKEY *root_key, const tb_license_key_options *opt,
                          const tb_bureau *b) {
  unsigned days = opt && opt->issuing_days ? opt->issuing_days : 10 * 365 + 2;
  X509 *x = name ? new_cert(key, name, tb_license_now(opt ? opt->now : 0), days)
                 : NULL;
  X509_NAME_free(name);
  if (!x)
    return NULL;
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, root, x, NULL, NULL, 0);
  if (!X509_set_issuer_name(x, X509_get_subject_name(root)) ||
      !add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") ||
      !add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature") ||
      !add_ski(x) ||
      !add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always") ||
      (b && !tb_license_cert_add_authority(x, b)) || !sign_cert(x, root_key)) {
    X509_free(x);
    return NULL;
  }
  return x;
}

static X509 *make_issuing(EVP_PKEY *key, const tb_bureau *b, X509 *root,
                          EVP_PKEY *root_key,
                          const tb_license_key_options *opt) {
  X509_NAME *name = X509_NAME_new();
  if (name && !(add_name(name, NID_countryName, "CN") &&
                add_name(name, NID_organizationName, platform_of(opt)) &&
                add_name(name, NID_organizationalUnitName, b->code) &&
                add_name(name, NID_organizationIdentifier, b->credit_code) &&
                add_name(name, NID_commonName, b->name))) {
    X509_NAME_free(name);
    name = NULL;
  }
  return certify_leaf(key, name, root, root_key, opt, b);
}

/* A platform signer's certificate: O = platform, OU = the reserved
 * TB_LICENSE_PLATFORM_OU, title = the purpose, no organizationIdentifier
 * (so it can never pass for a bureau's issuing certificate). */
static X509 *make_platform(EVP_PKEY *key, const char *purpose, const char *cn,
                           X509 *root, EVP_PKEY *root_key,
                           const tb_license_key_options *opt) {
  X509_NAME *name = X509_NAME_new();
  if (name &&
      !(add_name(name, NID_countryName, "CN") &&
        add_name(name, NID_organizationName, platform_of(opt)) &&
        add_name(name, NID_organizationalUnitName, TB_LICENSE_PLATFORM_OU) &&
        add_name(name, NID_title, purpose) &&
        add_name(name, NID_commonName, cn))) {
    X509_NAME_free(name);
    name = NULL;
  }
  return certify_leaf(key, name, root, root_key, opt, NULL);
}

/* ------------------------------------------------------------------------
 * Root and issuing keys on disk
 * ---------------------------------------------------------------------- */

static EVP_PKEY *new_sm2_key(void) {
  return EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
}

/* Write a key and its certificate: the key first, so that a certificate
 * on disk always has its key. */
static tb_license_status write_pair(const char *key_path, const char *cert_path,
                                    EVP_PKEY *key, X509 *cert,
                                    const char *passphrase, tb_problem *p) {
  if (file_exists(cert_path)) {
    tb_problem_set(p, TB_ERR_INVALID, NULL, "%s exists already", cert_path);
    return TB_LICENSE_ERR_EXISTS;
  }
  tb_license_status st = write_key(key_path, key, passphrase, p);
  if (st == TB_LICENSE_OK) {
    st = write_cert(cert_path, cert, p);
    if (st != TB_LICENSE_OK)
      unlink(key_path);
  }
  return st;
}

/* The folder of root.key: the offline root's, else the keys folder. */
static const char *root_dir_of(const char *dir,
                               const tb_license_key_options *opt) {
  return opt && opt->root_dir && *opt->root_dir ? opt->root_dir : dir;
}

/* An offline root's folder also gets a copy of root.pem, so that it holds
 * a whole pair. */
static tb_license_status copy_root_cert(const char *root_dir, X509 *cert,
                                        tb_problem *p) {
  char path[PATH_SIZE];
  if (!join(path, root_dir, "root.pem"))
    return io_problem(p, "create", root_dir);
  return write_cert(path, cert, p);
}

static tb_license_status
create_root(const char *dir, const tb_license_key_options *opt, tb_problem *p) {
  char key_path[PATH_SIZE], cert_path[PATH_SIZE];
  const char *root_dir = root_dir_of(dir, opt);
  if (!join(key_path, root_dir, "root.key") ||
      !join(cert_path, dir, "root.pem"))
    return io_problem(p, "create", dir);
  tb_license_status st =
      root_dir == dir ? TB_LICENSE_OK : make_dir(root_dir, p);
  if (st != TB_LICENSE_OK)
    return st;
  EVP_PKEY *key = new_sm2_key();
  X509 *cert = key ? make_root(key, opt) : NULL;
  st = cert ? write_pair(key_path, cert_path, key, cert,
                         opt ? opt->passphrase : NULL, p)
            : crypto_problem(p, "cannot make the root certificate");
  if (st == TB_LICENSE_OK && root_dir != dir)
    st = copy_root_cert(root_dir, cert, p);
  X509_free(cert);
  EVP_PKEY_free(key);
  return st;
}

/* The root's certificate and private key, for making issuing certs. */
typedef struct {
  X509 *cert;
  EVP_PKEY *key;
} root_pair;

static void free_root(root_pair *r) {
  X509_free(r->cert);
  EVP_PKEY_free(r->key);
  r->cert = NULL;
  r->key = NULL;
}

static tb_license_status load_root(const char *dir,
                                   const tb_license_key_options *opt,
                                   root_pair *r, tb_problem *p) {
  char key_path[PATH_SIZE], cert_path[PATH_SIZE];
  const char *root_dir = root_dir_of(dir, opt);
  if (!join(key_path, root_dir, "root.key") ||
      !join(cert_path, dir, "root.pem"))
    return io_problem(p, "open", dir);
  tb_license_status st = read_cert(cert_path, &r->cert, p);
  if (st == TB_LICENSE_OK)
    st = read_key(key_path, opt ? opt->passphrase : NULL, &r->key, p);
  if (st == TB_LICENSE_ERR_NOT_FOUND && r->cert)
    tb_problem_set(p, TB_ERR_INVALID, NULL,
                   "this needs the platform root's private key, and %s has "
                   "none: name the folder that holds root.key (an offline "
                   "root) with --root DIR",
                   root_dir);
  if (st == TB_LICENSE_OK && X509_check_private_key(r->cert, r->key) != 1)
    st = crypto_problem(p, "root.key does not belong to root.pem");
  if (st != TB_LICENSE_OK)
    free_root(r);
  return st;
}

static tb_license_status check_bureau(const tb_bureau *b, tb_problem *p) {
  tb_problem ignored;
  if (!b || !b->code || !code_ok(b->code, strnlen(b->code, MAX_CODE + 1))) {
    tb_problem_set(p, TB_ERR_INVALID, "code",
                   "a bureau code is 1 to 32 letters, digits, '_' or '-'");
    return TB_LICENSE_ERR_INVALID;
  }
  if (strcmp(b->code, TB_LICENSE_PLATFORM_OU) == 0) {
    tb_problem_set(p, TB_ERR_INVALID, "code",
                   "the bureau code " TB_LICENSE_PLATFORM_OU
                   " is reserved for the platform's own keys");
    return TB_LICENSE_ERR_INVALID;
  }
  if (!b->name || !*b->name || !tb_utf8_valid(b->name, strlen(b->name), NULL)) {
    tb_problem_set(p, TB_ERR_INVALID, "name", "bureau %s has no valid name",
                   b->code);
    return TB_LICENSE_ERR_INVALID;
  }
  if (!b->credit_code ||
      tb_id_check_credit_code(b->credit_code, strlen(b->credit_code),
                              &ignored) != TB_OK) {
    tb_problem_set(p, TB_ERR_INVALID, "credit_code",
                   "bureau %s has no valid credit code", b->code);
    return TB_LICENSE_ERR_INVALID;
  }
  return TB_LICENSE_OK;
}

static tb_license_status create_issuing(const char *dir, const tb_bureau *b,
                                        unsigned serial, const root_pair *r,
                                        const tb_license_key_options *opt,
                                        tb_problem *p) {
  char key_path[PATH_SIZE], cert_path[PATH_SIZE];
  if (!issuing_path(key_path, dir, b->code, serial, "key") ||
      !issuing_path(cert_path, dir, b->code, serial, "pem"))
    return io_problem(p, "create", dir);
  EVP_PKEY *key = new_sm2_key();
  X509 *cert = key ? make_issuing(key, b, r->cert, r->key, opt) : NULL;
  tb_license_status st =
      cert ? write_pair(key_path, cert_path, key, cert,
                        opt ? opt->passphrase : NULL, p)
           : crypto_problem(p, "cannot make an issuing certificate");
  X509_free(cert);
  EVP_PKEY_free(key);
  return st;
}

static tb_license_status ensure_dirs(const char *dir, tb_problem *p) {
  char path[PATH_SIZE];
  tb_license_status st = make_dir(dir, p);
  if (st == TB_LICENSE_OK && !join(path, dir, "issuing"))
    st = io_problem(p, "create", dir);
  if (st == TB_LICENSE_OK)
    st = make_dir(path, p);
  return st;
}

static tb_license_status ensure_root(const char *dir,
                                     const tb_license_key_options *opt,
                                     bool *created, tb_problem *p) {
  char cert_path[PATH_SIZE];
  *created = false;
  if (!join(cert_path, dir, "root.pem"))
    return io_problem(p, "create", dir);
  if (file_exists(cert_path))
    return TB_LICENSE_OK;
  *created = true;
  return create_root(dir, opt, p);
}

/* Whether the newest certificate of b (serial `newest`) lists exactly b's
 * grants; *st reports a certificate that cannot be read. */
static bool authority_current(const char *dir, const tb_bureau *b,
                              unsigned newest, tb_license_status *st,
                              tb_problem *p) {
  char cert_path[PATH_SIZE];
  X509 *cert = NULL;
  if (!issuing_path(cert_path, dir, b->code, newest, "pem")) {
    *st = io_problem(p, "open", dir);
    return false;
  }
  *st = read_cert(cert_path, &cert, p);
  bool same = *st == TB_LICENSE_OK && tb_license_cert_authority_is(cert, b);
  X509_free(cert);
  return same;
}

/* One bureau of init: a first key, a new one when its grants changed, or
 * nothing. */
static tb_license_status init_bureau(const char *dir, const tb_bureau *b,
                                     const issuing_list *list, root_pair *root,
                                     const tb_license_key_options *opt,
                                     tb_license_init_report *rep,
                                     tb_problem *p) {
  tb_license_status st = check_bureau(b, p);
  unsigned newest = newest_serial(list, b->code);
  if (st != TB_LICENSE_OK)
    return st;
  if (newest > 0) {
    rep->issuing_kept++;
    if (authority_current(dir, b, newest, &st, p) || st != TB_LICENSE_OK)
      return st;
    if (newest >= MAX_SERIAL) {
      tb_problem_set(p, TB_ERR_LIMIT, NULL, "bureau %s has too many keys",
                     b->code);
      return TB_LICENSE_ERR_LIMIT;
    }
  }
  if (!root->cert)
    st = load_root(dir, opt, root, p);
  if (st == TB_LICENSE_OK)
    st = create_issuing(dir, b, newest + 1, root, opt, p);
  if (st == TB_LICENSE_OK && newest > 0)
    rep->issuing_rotated++;
  else if (st == TB_LICENSE_OK)
    rep->issuing_created++;
  return st;
}

tb_license_status tb_license_init_keys(const char *dir,
                                       const tb_bureau_list *bureaus,
                                       const tb_license_key_options *opt,
                                       tb_license_init_report *report,
                                       tb_problem *p) {
  tb_license_init_report rep = {0};
  tb_license_status st = ensure_dirs(dir, p);
  if (st == TB_LICENSE_OK)
    st = ensure_root(dir, opt, &rep.root_created, p);
  issuing_list list = {0};
  if (st == TB_LICENSE_OK)
    st = list_issuing(dir, &list, p);
  root_pair root = {0};
  for (size_t i = 0; st == TB_LICENSE_OK && bureaus && i < bureaus->n; i++)
    st = init_bureau(dir, &bureaus->items[i], &list, &root, opt, &rep, p);
  free_root(&root);
  free(list.items);
  if (st == TB_LICENSE_OK)
    st = tb_license_platform_ensure(dir, opt, &rep.platform_created, p);
  if (report)
    *report = rep;
  return st;
}

tb_license_status tb_license_rotate_key(const char *dir, const tb_bureau *b,
                                        const tb_license_key_options *opt,
                                        unsigned *serial, tb_problem *p) {
  tb_license_status st = check_bureau(b, p);
  issuing_list list = {0};
  if (st == TB_LICENSE_OK)
    st = list_issuing(dir, &list, p);
  unsigned next = newest_serial(&list, b ? b->code : "") + 1;
  free(list.items);
  if (st == TB_LICENSE_OK && next > MAX_SERIAL) {
    tb_problem_set(p, TB_ERR_LIMIT, NULL, "bureau %s has too many keys",
                   b->code);
    st = TB_LICENSE_ERR_LIMIT;
  }
  root_pair root = {0};
  if (st == TB_LICENSE_OK)
    st = load_root(dir, opt, &root, p);
  if (st == TB_LICENSE_OK)
    st = create_issuing(dir, b, next, &root, opt, p);
  free_root(&root);
  if (serial)
    *serial = st == TB_LICENSE_OK ? next : 0;
  return st;
}

/* ------------------------------------------------------------------------
 * The trust list and the signing keys
 * ---------------------------------------------------------------------- */

tb_license_status tb_license_read_trust_list(const char *dir, char **pem,
                                             size_t *len, tb_problem *p) {
  char path[PATH_SIZE];
  tb_buf buf;
  tb_buf_init(&buf, TB_LICENSE_MAX_TRUST);
  *pem = NULL;
  *len = 0;
  tb_license_status st = join(path, dir, "root.pem")
                             ? read_into(path, &buf, p)
                             : io_problem(p, "open", dir);
  issuing_list list = {0};
  if (st == TB_LICENSE_OK)
    st = list_issuing(dir, &list, p);
  for (size_t i = 0; st == TB_LICENSE_OK && i < list.n; i++)
    st =
        issuing_path(path, dir, list.items[i].code, list.items[i].serial, "pem")
            ? read_into(path, &buf, p)
            : io_problem(p, "open", dir);
  free(list.items);
  if (st == TB_LICENSE_OK)
    st = tb_license_platform_append_trust(dir, &buf, p);
  if (st == TB_LICENSE_OK) {
    *pem = tb_buf_take(&buf, len);
    if (!*pem) {
      tb_problem_set(p, TB_ERR_LIMIT, NULL, "the trust list is too large");
      st = TB_LICENSE_ERR_LIMIT;
    }
  }
  tb_buf_free(&buf);
  return st;
}

void tb_license_close_keys(tb_license_keys *keys) {
  if (!keys)
    return;
  for (size_t i = 0; i < keys->n; i++) {
    EVP_PKEY_free(keys->items[i].key);
    X509_free(keys->items[i].cert);
  }
  free(keys->items);
  free(keys);
}

/* Load one bureau's newest key and certificate into keys->items[keys->n]. */
static tb_license_status open_one(tb_license_keys *keys, const char *dir,
                                  const issuing_name *n, const char *passphrase,
                                  tb_problem *p) {
  char key_path[PATH_SIZE], cert_path[PATH_SIZE];
  if (!issuing_path(key_path, dir, n->code, n->serial, "key") ||
      !issuing_path(cert_path, dir, n->code, n->serial, "pem"))
    return io_problem(p, "open", dir);
  X509 *cert = NULL;
  EVP_PKEY *key = NULL;
  tb_license_status st = read_cert(cert_path, &cert, p);
  if (st == TB_LICENSE_OK)
    st = read_key(key_path, passphrase, &key, p);
  if (st == TB_LICENSE_OK && X509_check_private_key(cert, key) != 1)
    st = crypto_problem(p, "an issuing key does not match its certificate");
  if (st != TB_LICENSE_OK) {
    X509_free(cert);
    EVP_PKEY_free(key);
    return st;
  }
  memcpy(keys->items[keys->n].code, n->code, sizeof n->code);
  keys->items[keys->n].key = key;
  keys->items[keys->n].cert = cert;
  keys->n++;
  return TB_LICENSE_OK;
}

tb_license_status tb_license_open_keys(const char *dir, const char *passphrase,
                                       tb_license_keys **out, tb_problem *p) {
  *out = NULL;
  issuing_list list = {0};
  tb_license_status st = list_issuing(dir, &list, p);
  tb_license_keys *keys = tb_xcalloc(1, sizeof *keys);
  keys->items = tb_xcalloc(list.n ? list.n : 1, sizeof *keys->items);
  for (size_t i = 0; st == TB_LICENSE_OK && i < list.n; i++) {
    /* The list is sorted: the last entry of a code is its newest. */
    if (i + 1 < list.n &&
        strcmp(list.items[i].code, list.items[i + 1].code) == 0)
      continue;
    st = open_one(keys, dir, &list.items[i], passphrase, p);
  }
  free(list.items);
  if (st == TB_LICENSE_OK && keys->n == 0) {
    tb_problem_set(p, TB_ERR_INVALID, NULL,
                   "%s has no issuing keys: run 'tongban keys init'", dir);
    st = TB_LICENSE_ERR_NOT_FOUND;
  }
  if (st != TB_LICENSE_OK) {
    tb_license_close_keys(keys);
    return st;
  }
  *out = keys;
  return TB_LICENSE_OK;
}

bool tb_license_keys_find(const tb_license_keys *keys, const char *bureau,
                          EVP_PKEY **key, X509 **cert) {
  for (size_t i = 0; keys && bureau && i < keys->n; i++)
    if (strcmp(keys->items[i].code, bureau) == 0) {
      *key = keys->items[i].key;
      *cert = keys->items[i].cert;
      return true;
    }
  return false;
}

/* ------------------------------------------------------------------------
 * The passphrase
 * ---------------------------------------------------------------------- */

tb_license_status tb_license_passphrase_from_env(char *buf, size_t size,
                                                 tb_problem *p) {
  if (size == 0)
    return TB_LICENSE_ERR_LIMIT;
  buf[0] = '\0';
  const char *value = getenv("TONGBAN_KEY_PASSPHRASE");
  if (value && *value) {
    if (strlen(value) >= size) {
      tb_problem_set(p, TB_ERR_LIMIT, NULL, "the passphrase is too long");
      return TB_LICENSE_ERR_LIMIT;
    }
    memcpy(buf, value, strlen(value) + 1);
    return TB_LICENSE_OK;
  }
  const char *file = getenv("TONGBAN_KEY_PASSPHRASE_FILE");
  if (!file || !*file)
    return TB_LICENSE_ERR_NOT_FOUND;
  tb_buf text;
  tb_buf_init(&text, MAX_PASSPHRASE + 2);
  tb_license_status st = read_into(file, &text, p);
  if (st == TB_LICENSE_OK) {
    size_t len = text.len ? strcspn(text.data, "\r\n") : 0;
    if (len >= size || len > MAX_PASSPHRASE) {
      tb_problem_set(p, TB_ERR_LIMIT, NULL, "the passphrase is too long");
      st = TB_LICENSE_ERR_LIMIT;
    } else {
      memcpy(buf, text.data, len);
      buf[len] = '\0';
    }
  }
  if (text.data)
    OPENSSL_cleanse(text.data, text.cap);
  tb_buf_free(&text);
  return st;
}

/* ------------------------------------------------------------------------
 * The platform's own signers' files (tb_license.h, "Platform signers"):
 * made here with the root, listed here for the trust list; opened to
 * sign in tb_license_platform.c.
 * ---------------------------------------------------------------------- */

#define MAX_SIGNER_SERIAL 999

static const char *const purpose_labels[TB_LICENSE_SIGNER_COUNT] = {
    "审计签名", "撤销列表签名"};

bool tb_license_keys_signer_path(char out[TB_LICENSE_PATH_SIZE],
                                 const char *dir, int purpose, unsigned serial,
                                 const char *ext) {
  const char *name =
      tb_license_signer_purpose_name((tb_license_signer_purpose)purpose);
  int n = name ? snprintf(out, TB_LICENSE_PATH_SIZE, "%s/platform/%s.%u.%s",
                          dir, name, serial, ext)
               : -1;
  return n > 0 && n < TB_LICENSE_PATH_SIZE;
}

unsigned tb_license_keys_newest_signer(const char *dir, int purpose) {
  char path[TB_LICENSE_PATH_SIZE];
  unsigned n = 0;
  while (n < MAX_SIGNER_SERIAL &&
         tb_license_keys_signer_path(path, dir, purpose, n + 1, "pem") &&
         file_exists(path))
    n++;
  return n;
}

static tb_license_status path_problem(tb_problem *p, const char *dir) {
  tb_problem_set(p, TB_ERR_LIMIT, NULL, "the keys folder path %s is too long",
                 dir);
  return TB_LICENSE_ERR_LIMIT;
}

/* Signer 1 of a purpose: a new SM2 key and a platform certificate
 * (OU=PLATFORM, title=purpose) signed by the root. */
static tb_license_status make_signer(const char *dir, int purpose,
                                     const tb_license_key_options *opt,
                                     tb_problem *p) {
  char key_path[PATH_SIZE], cert_path[PATH_SIZE], cn[256];
  if (!tb_license_keys_signer_path(key_path, dir, purpose, 1, "key") ||
      !tb_license_keys_signer_path(cert_path, dir, purpose, 1, "pem"))
    return path_problem(p, dir);
  snprintf(cn, sizeof cn, "%s %s", platform_of(opt), purpose_labels[purpose]);
  root_pair root = {0};
  tb_license_status st = load_root(dir, opt, &root, p);
  EVP_PKEY *key = st == TB_LICENSE_OK ? new_sm2_key() : NULL;
  X509 *cert = key ? make_platform(key,
                                   tb_license_signer_purpose_name(
                                       (tb_license_signer_purpose)purpose),
                                   cn, root.cert, root.key, opt)
                   : NULL;
  if (st == TB_LICENSE_OK)
    st = cert ? write_pair(key_path, cert_path, key, cert,
                           opt ? opt->passphrase : NULL, p)
              : crypto_problem(p, "cannot make a platform certificate");
  X509_free(cert);
  EVP_PKEY_free(key);
  free_root(&root);
  return st;
}

tb_license_status tb_license_platform_ensure(const char *dir,
                                             const tb_license_key_options *opt,
                                             size_t *created, tb_problem *p) {
  char folder[PATH_SIZE];
  *created = 0;
  if (!join(folder, dir, "platform"))
    return path_problem(p, dir);
  tb_license_status st = make_dir(folder, p);
  for (int i = 0; st == TB_LICENSE_OK && i < TB_LICENSE_SIGNER_COUNT; i++) {
    if (tb_license_keys_newest_signer(dir, i) > 0)
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
    unsigned newest = tb_license_keys_newest_signer(dir, i);
    for (unsigned n = 1; st == TB_LICENSE_OK && n <= newest; n++)
      st = tb_license_keys_signer_path(path, dir, i, n, "pem")
               ? read_into(path, buf, p)
               : path_problem(p, dir);
  }
  return st;
}

tb_license_status tb_license_keys_load_pair(const char *key_path,
                                            const char *cert_path,
                                            const char *passphrase,
                                            EVP_PKEY **key, X509 **cert,
                                            tb_problem *p) {
  *key = NULL;
  *cert = NULL;
  tb_license_status st = read_cert(cert_path, cert, p);
  if (st == TB_LICENSE_OK)
    st = read_key(key_path, passphrase, key, p);
  if (st == TB_LICENSE_OK && X509_check_private_key(*cert, *key) != 1)
    st = crypto_problem(p, "a key does not match its certificate");
  if (st != TB_LICENSE_OK) {
    X509_free(*cert);
    EVP_PKEY_free(*key);
    *cert = NULL;
    *key = NULL;
  }
  return st;
}

/* ------------------------------------------------------------------------
 * Encryption at rest: finding the private keys that are not encrypted,
 * and encrypting them in place.
 * ---------------------------------------------------------------------- */

#define ENCRYPTED_PEM "-----BEGIN ENCRYPTED PRIVATE KEY-----"

/* Whether the key file at path starts with the PKCS#8 encrypted header;
 * a file that cannot be read counts as encrypted (opening it fails later
 * with its own message). */
static bool key_encrypted(const char *path) {
  char head[sizeof ENCRYPTED_PEM];
  FILE *f = fopen(path, "rb");
  if (!f)
    return true;
  size_t n = fread(head, 1, sizeof head - 1, f);
  fclose(f);
  head[n] = '\0';
  return strcmp(head, ENCRYPTED_PEM) == 0;
}

/* Called for every private key file of a keys folder; false stops. */
typedef bool (*key_visit)(const char *path, void *ctx, tb_license_status *st,
                          tb_problem *p);

static bool ends_with_key(const char *name) {
  size_t n = strlen(name);
  return n > 4 && strcmp(name + n - 4, ".key") == 0 && name[0] != '.';
}

/* The .key files of one folder (missing: none), in no particular order. */
static tb_license_status visit_folder(const char *folder, key_visit fn,
                                      void *ctx, bool *go_on, tb_problem *p) {
  DIR *d = opendir(folder);
  if (!d)
    return errno == ENOENT ? TB_LICENSE_OK : io_problem(p, "list", folder);
  tb_license_status st = TB_LICENSE_OK;
  struct dirent *e;
  char path[PATH_SIZE];
  while (*go_on && st == TB_LICENSE_OK && (e = readdir(d)) != NULL) {
    if (!ends_with_key(e->d_name))
      continue;
    if (!join(path, folder, e->d_name))
      st = path_problem(p, folder);
    else
      *go_on = fn(path, ctx, &st, p);
  }
  closedir(d);
  return st;
}

static tb_license_status visit_keys(const char *dir, key_visit fn, void *ctx,
                                    tb_problem *p) {
  char path[PATH_SIZE];
  bool go_on = true;
  tb_license_status st = TB_LICENSE_OK;
  if (!join(path, dir, "root.key"))
    return path_problem(p, dir);
  if (file_exists(path))
    go_on = fn(path, ctx, &st, p);
  const char *subs[] = {"issuing", "platform"};
  for (size_t i = 0; go_on && st == TB_LICENSE_OK && i < 2; i++)
    st = join(path, dir, subs[i]) ? visit_folder(path, fn, ctx, &go_on, p)
                                  : path_problem(p, dir);
  return st;
}

typedef struct {
  char *path;
  size_t cap;
} plain_found;

static bool note_plain(const char *path, void *ctx, tb_license_status *st,
                       tb_problem *p) {
  (void)st;
  (void)p;
  plain_found *f = ctx;
  if (key_encrypted(path))
    return true;
  snprintf(f->path, f->cap, "%s", path);
  return false;
}

tb_license_status tb_license_keys_find_plain(const char *dir, char *path,
                                             size_t cap, tb_problem *p) {
  if (!path || cap == 0)
    return TB_LICENSE_ERR_LIMIT;
  path[0] = '\0';
  plain_found f = {path, cap};
  return visit_keys(dir, note_plain, &f, p);
}

typedef struct {
  const char *passphrase;
  size_t count;
} encrypt_job;

/* Read the plain key, write it encrypted to PATH.new, rename it over. */
static bool encrypt_one(const char *path, void *ctx, tb_license_status *st,
                        tb_problem *p) {
  encrypt_job *j = ctx;
  if (key_encrypted(path))
    return true;
  char tmp[PATH_SIZE];
  int n = snprintf(tmp, sizeof tmp, "%s.new", path);
  if (n < 0 || (size_t)n >= sizeof tmp) {
    *st = path_problem(p, path);
    return false;
  }
  EVP_PKEY *key = NULL;
  unlink(tmp); /* left over from an earlier run that was stopped */
  *st = read_key(path, NULL, &key, p);
  if (*st == TB_LICENSE_OK)
    *st = write_key(tmp, key, j->passphrase, p);
  EVP_PKEY_free(key);
  if (*st == TB_LICENSE_OK && rename(tmp, path) != 0) {
    unlink(tmp);
    *st = io_problem(p, "replace", path);
  }
  if (*st == TB_LICENSE_OK)
    j->count++;
  return *st == TB_LICENSE_OK;
}

tb_license_status tb_license_keys_encrypt(const char *dir,
                                          const char *passphrase, size_t *count,
                                          tb_problem *p) {
  if (count)
    *count = 0;
  if (!passphrase || !*passphrase) {
    tb_problem_set(p, TB_ERR_INVALID, NULL,
                   "encrypting the keys needs a passphrase");
    return TB_LICENSE_ERR_PASSPHRASE;
  }
  encrypt_job j = {passphrase, 0};
  tb_license_status st = visit_keys(dir, encrypt_one, &j, p);
  if (count)
    *count = j.count;
  return st;
}
