/*
 * test_licenses.c — electronic licenses end to end: keys and certificates
 * (checked with the stock openssl command line), canonical JSON (golden
 * bytes), signatures (checked with openssl dgst), the QR payload (decoded
 * from the PNG with zbarimg), every kind of tampering with its reason,
 * rotation, passphrases, each certificate's authority for license types
 * (the extension read back by openssl; signing and verification refused
 * outside it; keys init rotating a key whose grants changed), the SVG
 * renderings (checked with xmllint), and the signed revocation list
 * (made, loaded, tampered with, signed by the wrong key, its age; checked
 * with openssl dgst and used by the CLI).
 *
 * Usage: test_licenses [TONGBAN_BINARY] — with the binary, the decoded QR
 * payload is also verified by `tongban license verify`.
 */
#include "tb_license_int.h"
#include "tb_log_stderr.h"
#include "tb_test.h"

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ID "1234567812345678"

static const char *tongban_binary;
static char tmp[256];      /* the test's own folder */
static char keys_dir[300]; /* keys of the platform under test */
static tb_license_keys *keys;
static tb_license_trust *trust;
static int64_t now;
static tb_day today;

#define BL_TYPE "11100000MB0143028R001"   /* 营业执照 */
#define FOOD_TYPE "11100000MB0143028R002" /* 食品经营许可证 */

static const tb_license_grant scjg_grants[] = {{BL_TYPE, "营业执照", 0}};
static const tb_license_grant wj_grants[] = {
    {"11100000000019588Q001", "出生医学证明", 0}};
static const tb_license_grant zj_grants[] = {
    {"1110000000001340XG001", "建筑工程施工许可证", 0}};

static tb_bureau bureau_items[] = {
    {"SCJG", "杭州市市场监督管理局", "11330100MA27K0006Q", 0, scjg_grants, 1},
    {"WJ", "杭州市卫生健康委员会", "11330100MA27K0014K", 0, wj_grants, 1},
    {"ZJ", "杭州市住房和城乡建设局", "11330100MA27K0022E", 0, zj_grants, 1},
};
static tb_bureau_list bureaus = {bureau_items, 3, NULL};

/* A business license of eight data items, as the business start-up
 * workflow issues it. */
static const tb_license_item bl_items[] = {
    {"企业名称", "杭州云帆数字科技有限公司"},
    {"企业类型", "有限责任公司（自然人投资或控股）"},
    {"注册资本（元）", "5000000.00"},
    {"法定代表人姓名", "张伟"},
    {"住所", "浙江省杭州市西湖区文三路478号华星时代广场A座1201室"},
    {"经营范围", "软件开发、信息咨询服务、日用百货零售、批发贸易"},
    {"成立日期", "2026-11-21"},
    {"营业期限", "长期"},
};

static char bl_id[TB_LICENSE_ID_MAX];
static char bl_app[TB_APP_NUMBER_LEN + 1];

static tb_license business_license(void) {
  tb_license lic = {
      .id = bl_id,
      .type_code = "11100000MB0143028R001",
      .type_name = "营业执照",
      .holder_name = "杭州云帆数字科技有限公司",
      .holder_number = "91330106MA27K00067",
      .issuer_code = "SCJG",
      .issuer_name = "杭州市市场监督管理局",
      .issuer_credit_code = "11330100MA27K0006Q",
      .issued = today,
      .valid_from = today,
      .valid_until = TB_LICENSE_LONG_TERM,
      .items = bl_items,
      .n_items = sizeof bl_items / sizeof bl_items[0],
      .application = bl_app,
  };
  return lic;
}

/* ------------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------- */

static void write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  TB_CHECK(f != NULL);
  if (!f)
    return;
  TB_CHECK(fwrite(data, 1, len, f) == len);
  fclose(f);
}

/* Run a shell command; its exit status. Output goes to out_path. */
static int run(const char *out_path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int run(const char *out_path, const char *fmt, ...) {
  char cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  char full[4400];
  snprintf(full, sizeof full, "%s >%s 2>%s.err", cmd, out_path, out_path);
  int rc = system(full);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static char *path_in(const char *name) {
  static char buf[8][512];
  static int next;
  char *p = buf[next++ % 8];
  snprintf(p, 512, "%s/%s", tmp, name);
  return p;
}

static bool contains(const char *hay, const char *needle) {
  return hay && strstr(hay, needle) != NULL;
}

/* Sign lic with the platform's keys and encode it; the payload (malloc'd)
 * or NULL. */
static char *sign_payload(const tb_license *lic, tb_license_signed *out) {
  tb_problem p = {0};
  tb_license_signed s;
  tb_license_status st = tb_license_sign(keys, lic, now, &s, &p);
  TB_CHECKF(st == TB_LICENSE_OK, "sign: %s", p.detail);
  if (st != TB_LICENSE_OK)
    return NULL;
  char *payload = NULL;
  size_t len;
  st = tb_license_encode_payload(&s, &payload, &len, &p);
  TB_CHECKF(st == TB_LICENSE_OK, "encode: %s", p.detail);
  if (out)
    *out = s;
  else
    tb_license_free_signed(&s);
  return payload;
}

static unsigned verify_reasons(const char *payload, const tb_license_trust *t,
                               tb_license_revocation_fn fn, void *arg) {
  tb_license_verdict v;
  tb_license_status st =
      tb_license_verify(payload, strlen(payload), t, now, fn, arg, &v);
  TB_CHECK_INT(st, TB_LICENSE_OK);
  unsigned r = v.reasons;
  if (st == TB_LICENSE_OK)
    TB_CHECK(v.valid == (r == 0));
  tb_license_free_verdict(&v);
  return r;
}

/* A payload made of given parts (JSON, DER signature, key id). */
static char *payload_of(const char *json, const unsigned char *sig,
                        size_t sig_len, const char *key_id) {
  tb_license_signed s = {0};
  s.json = (char *)json;
  s.json_len = strlen(json);
  s.signature = (unsigned char *)sig;
  s.signature_len = sig_len;
  snprintf(s.key_id, sizeof s.key_id, "%s", key_id);
  char *out = NULL;
  size_t len;
  tb_problem p;
  TB_CHECK_INT(tb_license_encode_payload(&s, &out, &len, &p), TB_LICENSE_OK);
  return out;
}

/* ------------------------------------------------------------------------
 * Canonical JSON
 * ---------------------------------------------------------------------- */

static void test_canonical_golden(void) {
  tb_license lic = business_license();
  tb_date_from_ymd(2026, 11, 21, &lic.issued);
  lic.valid_from = lic.issued;
  lic.application = "330100202603020000173";
  char *json;
  size_t len;
  tb_problem p = {0};
  TB_CHECK_INT(tb_license_canonical(&lic, &json, &len, &p), TB_LICENSE_OK);
  const char *golden =
      "{\"application\":\"330100202603020000173\",\"data\":[[\"企业名称\","
      "\"杭州云帆数字科技有限公司\"],[\"企业类型\",\"有限责任公司（自然人投资"
      "或控股）\"],[\"注册资本（元）\",\"5000000.00\"],[\"法定代表人姓名\","
      "\"张伟\"],[\"住所\",\"浙江省杭州市西湖区文三路478号华星时代广场A座1201"
      "室\"],[\"经营范围\",\"软件开发、信息咨询服务、日用百货零售、批发贸易\"],"
      "[\"成立日期\",\"2026-11-21\"],[\"营业期限\",\"长期\"]],\"holder\":{"
      "\"name\":\"杭州云帆数字科技有限公司\",\"number\":\"91330106MA27K00067\"}"
      ",\"id\":\"1.2.156.3005.2.11100000MB0143028R001.11330100MA27K0006Q."
      "202611210001.1.C\",\"issued\":\"2026-11-21\",\"issuer\":{\"code\":"
      "\"SCJG\",\"credit_code\":\"11330100MA27K0006Q\",\"name\":"
      "\"杭州市市场监督"
      "管理局\"},\"type\":{\"code\":\"11100000MB0143028R001\",\"name\":"
      "\"营业执照"
      "\"},\"valid_from\":\"2026-11-21\",\"valid_until\":\"long-term\"}";
  TB_CHECK_STR(json, golden);
  TB_CHECK_INT(len, strlen(golden));
  free(json);
}

/* jansson, inserting the members in another order and sorting them when
 * it writes, produces the same bytes: the order is the keys', not the
 * insertion's. */
static void test_canonical_key_order(void) {
  tb_license lic = business_license();
  char *json;
  size_t len;
  TB_CHECK_INT(tb_license_canonical(&lic, &json, &len, NULL), TB_LICENSE_OK);
  json_error_t err;
  json_t *parsed = json_loadb(json, len, 0, &err);
  TB_CHECK(parsed != NULL);
  /* Rebuild with the members inserted in reverse order. */
  json_t *rev = json_object();
  const char *keys_in_order[16];
  size_t n = 0;
  const char *k;
  json_t *val;
  json_object_foreach(parsed, k, val) keys_in_order[n++] = k;
  for (size_t i = n; i-- > 0;)
    json_object_set(rev, keys_in_order[i],
                    json_object_get(parsed, keys_in_order[i]));
  char *dumped = json_dumps(rev, JSON_COMPACT | JSON_SORT_KEYS);
  TB_CHECK_STR(dumped, json);
  free(dumped);
  json_decref(rev);
  json_decref(parsed);
  free(json);
}

static void test_canonical_escapes(void) {
  tb_license lic = business_license();
  tb_license_item items[] = {
      {"a\"b\\c/d", "line1\nline2\ttab"},
      {"é𝄞", ""},
  };
  lic.items = items;
  lic.n_items = 2;
  char *json;
  size_t len;
  TB_CHECK_INT(tb_license_canonical(&lic, &json, &len, NULL), TB_LICENSE_OK);
  TB_CHECK(contains(json, "[[\"a\\\"b\\\\c/d\",\"line1\\nline2\\ttab\"],"
                          "[\"é𝄞\",\"\"]]"));
  free(json);
  /* Control characters, invalid UTF-8 and lone surrogates are refused. */
  const char *bad[] = {"a\x01z", "\xC3", "\xED\xA0\x80", "\xC0\xAF",
                       "\xF4\x90\x80\x80"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    items[1].value = bad[i];
    tb_problem p = {0};
    TB_CHECK_INT(tb_license_canonical(&lic, &json, &len, &p),
                 TB_LICENSE_ERR_INVALID);
    TB_CHECK_STR(p.field, "data.value");
  }
}

static void test_license_check(void) {
  tb_license lic = business_license();
  tb_problem p = {0};
  TB_CHECK_INT(tb_license_check(&lic, &p), TB_LICENSE_OK);
  lic.holder_number = "91330106MA27K00068";
  TB_CHECK_INT(tb_license_check(&lic, &p), TB_LICENSE_ERR_INVALID);
  TB_CHECK_STR(p.field, "holder.number");
  lic = business_license();
  lic.issuer_credit_code = "11330100MA27K0014K"; /* not the id's issuer */
  TB_CHECK_INT(tb_license_check(&lic, &p), TB_LICENSE_ERR_INVALID);
  TB_CHECK_STR(p.field, "id");
  lic = business_license();
  lic.valid_until = lic.valid_from - 1;
  TB_CHECK_INT(tb_license_check(&lic, &p), TB_LICENSE_ERR_INVALID);
  TB_CHECK_STR(p.field, "valid_until");
  lic = business_license();
  lic.holder_name = NULL;
  TB_CHECK_INT(tb_license_check(&lic, &p), TB_LICENSE_ERR_INVALID);
  TB_CHECK_STR(p.field, "holder.name");
}

/* ------------------------------------------------------------------------
 * Keys and certificates
 * ---------------------------------------------------------------------- */

static int mode_of(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 ? (int)(sb.st_mode & 0777) : -1;
}

static void test_keys_files(void) {
  char path[512];
  snprintf(path, sizeof path, "%s/root.key", keys_dir);
  TB_CHECK_INT(mode_of(path), 0600);
  TB_CHECK_INT(mode_of(keys_dir), 0700);
  for (size_t i = 0; i < bureaus.n; i++) {
    snprintf(path, sizeof path, "%s/issuing/%s.1.key", keys_dir,
             bureau_items[i].code);
    TB_CHECK_INT(mode_of(path), 0600);
    snprintf(path, sizeof path, "%s/issuing/%s.1.pem", keys_dir,
             bureau_items[i].code);
    TB_CHECK(mode_of(path) >= 0);
  }
}

static void test_keys_idempotent(void) {
  char path[512];
  snprintf(path, sizeof path, "%s/issuing/WJ.1.pem", keys_dir);
  size_t len1, len2;
  char *before = tb_test_read_file(path, &len1);
  tb_license_init_report rep;
  tb_problem p = {0};
  tb_license_key_options opt = {.now = now - 3 * 365 * 86400LL};
  TB_CHECKF(tb_license_init_keys(keys_dir, &bureaus, &opt, &rep, &p) ==
                TB_LICENSE_OK,
            "%s", p.detail);
  TB_CHECK(!rep.root_created);
  TB_CHECK_INT(rep.issuing_created, 0);
  TB_CHECK_INT(rep.issuing_kept, 3);
  char *after = tb_test_read_file(path, &len2);
  TB_CHECK(before && after && len1 == len2 && memcmp(before, after, len1) == 0);
  free(before);
  free(after);
}

static void test_openssl_verify_chain(void) {
  const char *out = path_in("verify.out");
  char root[512], issuer[512];
  snprintf(root, sizeof root, "%s/root.pem", keys_dir);
  snprintf(issuer, sizeof issuer, "%s/issuing/SCJG.1.pem", keys_dir);
  TB_CHECK_INT(run(out, "openssl verify -vfyopt distid:" ID " -CAfile %s %s",
                   root, issuer),
               0);
  /* Without the signer ID (OpenSSL's default is empty) it must fail: the
   * certificates really use the GM/T 0009 ID. */
  TB_CHECK(run(out, "openssl verify -CAfile %s %s", root, issuer) != 0);
  /* Extensions and names. */
  TB_CHECK_INT(run(out,
                   "openssl x509 -in %s -noout -nameopt utf8,sep_multiline "
                   "-subject -ext basicConstraints,keyUsage,"
                   "subjectKeyIdentifier,authorityKeyIdentifier",
                   issuer),
               0);
  char *text = tb_test_read_file(out, NULL);
  TB_CHECK(contains(text, "CA:FALSE"));
  TB_CHECK(contains(text, "Digital Signature"));
  TB_CHECK(contains(text, "Key Usage: critical"));
  TB_CHECK(contains(text, "organizationIdentifier=11330100MA27K0006Q"));
  TB_CHECK(contains(text, "CN=杭州市市场监督管理局"));
  TB_CHECK(contains(text, "OU=SCJG"));
  TB_CHECK(contains(text, "Authority Key Identifier"));
  free(text);
  TB_CHECK_INT(run(out,
                   "openssl x509 -in %s -noout -text -ext "
                   "basicConstraints,keyUsage",
                   root),
               0);
  text = tb_test_read_file(out, NULL);
  TB_CHECK(contains(text, "CA:TRUE, pathlen:0"));
  TB_CHECK(contains(text, "Certificate Sign, CRL Sign"));
  TB_CHECK(contains(text, "SM2-with-SM3"));
  free(text);
}

/* The key id written into licenses is the certificate's SKI. */
static void test_key_id_is_ski(void) {
  tb_license lic = business_license();
  tb_license_signed s;
  char *payload = sign_payload(&lic, &s);
  free(payload);
  const char *out = path_in("ski.out");
  char issuer[512];
  snprintf(issuer, sizeof issuer, "%s/issuing/SCJG.1.pem", keys_dir);
  TB_CHECK_INT(
      run(out, "openssl x509 -in %s -noout -ext subjectKeyIdentifier", issuer),
      0);
  char *text = tb_test_read_file(out, NULL);
  char want[80] = {0};
  for (size_t i = 0; i < 20; i++)
    snprintf(want + strlen(want), sizeof want - strlen(want), "%s%c%c",
             i ? ":" : "", s.key_id[2 * i] - (s.key_id[2 * i] >= 'a' ? 32 : 0),
             s.key_id[2 * i + 1] - (s.key_id[2 * i + 1] >= 'a' ? 32 : 0));
  TB_CHECKF(contains(text, want), "%s not in %s", want, text);
  free(text);
  tb_license_free_signed(&s);
}

static void test_openssl_dgst_verify(void) {
  tb_license lic = business_license();
  tb_license_signed s;
  char *payload = sign_payload(&lic, &s);
  free(payload);
  write_file(path_in("license.json"), s.json, s.json_len);
  write_file(path_in("license.sig"), s.signature, s.signature_len);
  const char *out = path_in("dgst.out");
  char issuer[512];
  snprintf(issuer, sizeof issuer, "%s/issuing/SCJG.1.pem", keys_dir);
  TB_CHECK_INT(run(out, "openssl x509 -in %s -noout -pubkey -out %s", issuer,
                   path_in("issuer-pub.pem")),
               0);
  TB_CHECK_INT(run(out,
                   "openssl dgst -sm3 -verify %s -sigopt distid:" ID
                   " -signature %s %s",
                   path_in("issuer-pub.pem"), path_in("license.sig"),
                   path_in("license.json")),
               0);
  char *text = tb_test_read_file(out, NULL);
  TB_CHECK(contains(text, "Verified OK"));
  free(text);
  /* With OpenSSL's default (empty) ID the signature does not verify. */
  TB_CHECK(run(out, "openssl dgst -sm3 -verify %s -signature %s %s",
               path_in("issuer-pub.pem"), path_in("license.sig"),
               path_in("license.json")) != 0);
  tb_license_free_signed(&s);
}

/* ------------------------------------------------------------------------
 * Payload and verification
 * ---------------------------------------------------------------------- */

static void test_roundtrip(void) {
  tb_license lic = business_license();
  char *payload = sign_payload(&lic, NULL);
  TB_CHECK(payload && strncmp(payload, "TB1:", 4) == 0);
  for (const char *c = payload; c && *c; c++)
    TB_CHECK(strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", *c));
  tb_license_verdict v;
  TB_CHECK_INT(
      tb_license_verify(payload, strlen(payload), trust, now, NULL, NULL, &v),
      TB_LICENSE_OK);
  TB_CHECK(v.valid);
  TB_CHECK_INT(v.reasons, 0);
  TB_CHECK(v.decoded);
  TB_CHECK_STR(v.license.id, lic.id);
  TB_CHECK_STR(v.license.holder_name, lic.holder_name);
  TB_CHECK_INT(v.license.n_items, lic.n_items);
  TB_CHECK_STR(v.license.items[4].value, lic.items[4].value);
  TB_CHECK_INT(v.license.valid_until, TB_LICENSE_LONG_TERM);
  char *json;
  size_t len;
  TB_CHECK_INT(tb_license_verdict_json(&v, &json, &len), TB_LICENSE_OK);
  TB_CHECK(contains(json, "{\"valid\":true,\"revoked\":false,"
                          "\"revocation_checked\":false,\"reasons\":[]"));
  json_error_t err;
  json_t *parsed = json_loads(json, 0, &err);
  TB_CHECK(parsed != NULL);
  json_decref(parsed);
  free(json);
  tb_license_free_verdict(&v);
  free(payload);
}

static void test_qr_version(void) {
  tb_license lic = business_license();
  char *payload = sign_payload(&lic, NULL);
  char *json;
  size_t json_len;
  tb_license_canonical(&lic, &json, &json_len, NULL);
  int version = 0, width = 0;
  TB_CHECK_INT(tb_license_qr_version(payload, &version, &width, NULL),
               TB_LICENSE_OK);
  printf("# business license, 8 items: json %zu bytes, payload %zu chars, "
         "QR version %d (%dx%d modules) at level M\n",
         json_len, strlen(payload), version, width, width);
  TB_CHECK(version > 0 && version <= 20);
  free(json);
  free(payload);
}

static void test_zbar_decodes_png(void) {
  tb_license lic = business_license();
  char *payload = sign_payload(&lic, NULL);
  unsigned char *png;
  size_t png_len;
  int version;
  TB_CHECK_INT(
      tb_license_render_qr_png(payload, 4, &png, &png_len, &version, NULL),
      TB_LICENSE_OK);
  write_file(path_in("license.png"), png, png_len);
  free(png);
  const char *out = path_in("zbar.out");
  TB_CHECK_INT(run(out, "zbarimg -q -Sbinary --raw %s", path_in("license.png")),
               0);
  size_t len;
  char *decoded = tb_test_read_file(out, &len);
  while (decoded && len && (decoded[len - 1] == '\n'))
    decoded[--len] = '\0';
  TB_CHECK_STR(decoded, payload);
  if (decoded)
    TB_CHECK_INT(verify_reasons(decoded, trust, NULL, NULL), 0);
  if (tongban_binary && decoded) {
    write_file(path_in("payload.txt"), decoded, len);
    char trust_path[512];
    snprintf(trust_path, sizeof trust_path, "%s", path_in("trust.pem"));
    TB_CHECK_INT(run(path_in("cli.out"),
                     "%s license verify --keys %s --file %s", tongban_binary,
                     keys_dir, path_in("payload.txt")),
                 4); /* revocation not checked: no list given */
    char *text = tb_test_read_file(path_in("cli.out"), NULL);
    TB_CHECKF(contains(text, "signature valid; revocation not checked") &&
                  contains(text, "杭州云帆"),
              "%s", text);
    free(text);
  }
  free(decoded);
  free(payload);
}

static void test_tamper_data_byte(void) {
  tb_license lic = business_license();
  tb_license_signed s;
  char *payload = sign_payload(&lic, &s);
  char *json = tb_xstrndup(s.json, s.json_len);
  char *at = strstr(json, "5000000.00");
  TB_CHECK(at != NULL);
  if (at)
    at[0] = '6'; /* one byte of one data item */
  char *forged = payload_of(json, s.signature, s.signature_len, s.key_id);
  TB_CHECK_INT(verify_reasons(forged, trust, NULL, NULL),
               TB_LICENSE_BAD_SIGNATURE);
  free(forged);
  free(json);
  free(payload);
  tb_license_free_signed(&s);
}

static void test_tamper_swapped_signature(void) {
  tb_license a = business_license(), b = business_license();
  b.holder_name = "杭州另一家科技有限公司";
  tb_license_signed sa, sb;
  free(sign_payload(&a, &sa));
  free(sign_payload(&b, &sb));
  char *forged = payload_of(sa.json, sb.signature, sb.signature_len, sa.key_id);
  TB_CHECK_INT(verify_reasons(forged, trust, NULL, NULL),
               TB_LICENSE_BAD_SIGNATURE);
  free(forged);
  tb_license_free_signed(&sa);
  tb_license_free_signed(&sb);
}

/* Signed with the health commission's key, claiming market regulation. */
static void test_tamper_other_bureau_key(void) {
  tb_license lic = business_license();
  char *json;
  size_t len;
  tb_license_canonical(&lic, &json, &len, NULL);
  EVP_PKEY *key;
  X509 *cert;
  TB_CHECK(tb_license_keys_find(keys, "WJ", &key, &cert));
  unsigned char *sig;
  size_t sig_len;
  TB_CHECK_INT(tb_license_sm2_sign(key, json, len, &sig, &sig_len),
               TB_LICENSE_OK);
  char wj_id[41], scjg_id[41];
  tb_license_key_id_hex(cert, wj_id);
  TB_CHECK(tb_license_keys_find(keys, "SCJG", &key, &cert));
  tb_license_key_id_hex(cert, scjg_id);
  /* Naming the key that signed: the signature holds, the bureau does not,
   * nor may the health commission sign a 营业执照. */
  char *forged = payload_of(json, sig, sig_len, wj_id);
  TB_CHECK_INT(verify_reasons(forged, trust, NULL, NULL),
               TB_LICENSE_WRONG_ISSUER | TB_LICENSE_ISSUER_NOT_AUTHORIZED);
  free(forged);
  /* Naming the bureau's own key: the signature does not hold. */
  forged = payload_of(json, sig, sig_len, scjg_id);
  TB_CHECK_INT(verify_reasons(forged, trust, NULL, NULL),
               TB_LICENSE_BAD_SIGNATURE);
  free(forged);
  free(sig);
  free(json);
}

/* Keys of another platform, unknown to the trust list. */
static void test_tamper_unknown_key(void) {
  char other[400];
  snprintf(other, sizeof other, "%s/other-keys", tmp);
  tb_license_key_options opt = {.now = now - 86400, .platform = "forger"};
  tb_problem p = {0};
  TB_CHECKF(tb_license_init_keys(other, &bureaus, &opt, NULL, &p) ==
                TB_LICENSE_OK,
            "%s", p.detail);
  tb_license_keys *forger;
  TB_CHECK_INT(tb_license_open_keys(other, NULL, &forger, &p), TB_LICENSE_OK);
  tb_license lic = business_license();
  tb_license_signed s;
  TB_CHECK_INT(tb_license_sign(forger, &lic, now, &s, &p), TB_LICENSE_OK);
  char *payload;
  size_t len;
  tb_license_encode_payload(&s, &payload, &len, &p);
  TB_CHECK_INT(verify_reasons(payload, trust, NULL, NULL),
               TB_LICENSE_UNKNOWN_KEY);
  /* A made-up key id. */
  char *forged = payload_of(s.json, s.signature, s.signature_len,
                            "00112233445566778899aabbccddeeff00112233");
  TB_CHECK_INT(verify_reasons(forged, trust, NULL, NULL),
               TB_LICENSE_UNKNOWN_KEY);
  free(forged);
  /* The forger's issuing certificate slipped into the trust list without
   * its root: known, but it does not chain to a trusted root. */
  char *pem;
  size_t pem_len;
  TB_CHECK_INT(tb_license_read_trust_list(keys_dir, &pem, &pem_len, &p),
               TB_LICENSE_OK);
  char forged_cert[512];
  snprintf(forged_cert, sizeof forged_cert, "%s/issuing/SCJG.1.pem", other);
  size_t cert_len;
  char *cert_pem = tb_test_read_file(forged_cert, &cert_len);
  tb_buf b;
  tb_buf_init(&b, 1 << 20);
  tb_buf_add(&b, pem, pem_len);
  tb_buf_add(&b, cert_pem, cert_len);
  tb_license_trust *mixed;
  TB_CHECK_INT(tb_license_load_trust(b.data, b.len, &mixed, &p), TB_LICENSE_OK);
  TB_CHECK_INT(verify_reasons(payload, mixed, NULL, NULL),
               TB_LICENSE_UNTRUSTED_KEY);
  tb_license_free_trust(mixed);
  tb_buf_free(&b);
  free(cert_pem);
  free(pem);
  free(payload);
  tb_license_free_signed(&s);
  tb_license_close_keys(forger);
}

static void test_expired_and_not_yet_valid(void) {
  tb_license lic = business_license();
  lic.issued = today - 800;
  lic.valid_from = today - 800;
  lic.valid_until = today - 1;
  char *payload = sign_payload(&lic, NULL);
  TB_CHECK_INT(verify_reasons(payload, trust, NULL, NULL), TB_LICENSE_EXPIRED);
  free(payload);
  lic.valid_until = today; /* the last day still counts */
  payload = sign_payload(&lic, NULL);
  TB_CHECK_INT(verify_reasons(payload, trust, NULL, NULL), 0);
  free(payload);
  lic = business_license();
  lic.valid_from = today + 10;
  lic.valid_until = today + 10 + 5 * 365;
  payload = sign_payload(&lic, NULL);
  TB_CHECK_INT(verify_reasons(payload, trust, NULL, NULL),
               TB_LICENSE_NOT_YET_VALID);
  free(payload);
  /* Issued before the bureau's certificate existed. */
  lic = business_license();
  lic.issued = lic.valid_from = today - 5 * 365;
  payload = sign_payload(&lic, NULL);
  TB_CHECK_INT(verify_reasons(payload, trust, NULL, NULL),
               TB_LICENSE_UNTRUSTED_KEY);
  free(payload);
}

static tb_license_revocation revoked_cb(void *arg, const char *id, char *reason,
                                        size_t size) {
  const char *which = arg;
  if (strcmp(which, "fail") == 0)
    return TB_LICENSE_REVOCATION_FAILED;
  if (strcmp(which, id) != 0)
    return TB_LICENSE_NOT_REVOKED;
  snprintf(reason, size, "吊销：虚假登记");
  return TB_LICENSE_IS_REVOKED;
}

static void test_revoked(void) {
  tb_license lic = business_license();
  char *payload = sign_payload(&lic, NULL);
  TB_CHECK_INT(verify_reasons(payload, trust, revoked_cb, "other"), 0);
  tb_license_verdict v;
  tb_license_verify(payload, strlen(payload), trust, now, revoked_cb,
                    (void *)lic.id, &v);
  TB_CHECK(!v.valid);
  TB_CHECK_INT(v.reasons, TB_LICENSE_REVOKED);
  TB_CHECK(v.revocation_checked);
  TB_CHECK_STR(v.revocation_reason, "吊销：虚假登记");
  char *json;
  size_t len;
  tb_license_verdict_json(&v, &json, &len);
  TB_CHECK(contains(json, "\"revoked\":true") &&
           contains(json, "\"reasons\":[\"revoked\"]"));
  free(json);
  tb_license_free_verdict(&v);
  TB_CHECK_INT(verify_reasons(payload, trust, revoked_cb, "fail"),
               TB_LICENSE_REVOCATION_UNKNOWN);
  free(payload);
}

static void test_truncated_every_length(void) {
  tb_license lic = business_license();
  char *payload = sign_payload(&lic, NULL);
  size_t len = strlen(payload);
  int wrong = 0;
  for (size_t cut = 0; cut < len; cut++) {
    tb_license_verdict v;
    if (tb_license_verify(payload, cut, trust, now, NULL, NULL, &v) !=
            TB_LICENSE_OK ||
        v.reasons != TB_LICENSE_MALFORMED || v.valid || v.decoded)
      wrong++;
    tb_license_free_verdict(&v);
  }
  TB_CHECK_INT(wrong, 0);
  free(payload);
}

/* Any one character changed to other characters of the alphabet: never
 * valid with different content. (deflate streams are not unique — a
 * changed match distance may point at an equal copy — so a change may
 * decode to the very same signed bytes; that is no forgery.) */
static void test_every_character_changed(void) {
  tb_license lic = business_license();
  tb_license_signed s;
  char *payload = sign_payload(&lic, &s);
  size_t len = strlen(payload);
  const char *alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  int forged = 0, tried = 0, same = 0;
  for (size_t i = 0; i < len; i++) {
    char saved = payload[i];
    const char *pos = strchr(alphabet, saved);
    size_t base = pos ? (size_t)(pos - alphabet) : 0;
    for (size_t k = 1; k < 45; k += 7) {
      payload[i] = alphabet[(base + k) % 45];
      tried++;
      tb_license_verdict v;
      tb_license_verify(payload, len, trust, now, NULL, NULL, &v);
      if (v.valid && (v.parts.json_len != s.json_len ||
                      memcmp(v.parts.json, s.json, s.json_len) != 0)) {
        forged++;
        printf("# forged: position %zu changed to '%c'\n", i, payload[i]);
      } else if (v.valid) {
        same++;
      }
      tb_license_free_verdict(&v);
    }
    payload[i] = saved;
  }
  printf("# %d one-character changes: %d rejected, %d decode to the same "
         "signed bytes\n",
         tried, tried - same - forged, same);
  TB_CHECK_INT(forged, 0);
  free(payload);
  tb_license_free_signed(&s);
}

static void test_malformed_inputs(void) {
  const char *bad[] = {"",      "TB1:",    "TB2:ABC",    "tb1:0000",
                       "TB1:a", "TB1:GGW", "TB1:::::::", "TB1:0"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    TB_CHECK_INT(verify_reasons(bad[i], trust, NULL, NULL),
                 TB_LICENSE_MALFORMED);
  /* A valid header with a non-canonical (reordered) license. */
  tb_license lic = business_license();
  tb_license_signed s;
  free(sign_payload(&lic, &s));
  json_error_t err;
  json_t *obj = json_loadb(s.json, s.json_len, 0, &err);
  char *pretty = json_dumps(obj, JSON_INDENT(1) | JSON_SORT_KEYS);
  char *forged = payload_of(pretty, s.signature, s.signature_len, s.key_id);
  TB_CHECK_INT(verify_reasons(forged, trust, NULL, NULL), TB_LICENSE_MALFORMED);
  free(forged);
  free(pretty);
  json_decref(obj);
  tb_license_free_signed(&s);
}

/* ------------------------------------------------------------------------
 * Authority: the license types a certificate may sign
 * ---------------------------------------------------------------------- */

/* A 食品经营许可证 of market regulation, whose test certificate is granted
 * only the 营业执照. */
static char food_id[TB_LICENSE_ID_MAX];

static tb_license food_license(void) {
  tb_license lic = business_license();
  tb_problem p = {0};
  tb_id_make_license_id(FOOD_TYPE, lic.issuer_credit_code, 202611210002ULL, 1,
                        food_id, &p);
  lic.id = food_id;
  lic.type_code = FOOD_TYPE;
  lic.type_name = "食品经营许可证";
  return lic;
}

/* The license signed with bureau's key directly (as a forger holding the
 * key would, past tb_license_sign's refusal): its payload. */
static char *sign_raw(const tb_license_keys *k, const char *bureau,
                      const tb_license *lic, tb_license_signed *out) {
  EVP_PKEY *key;
  X509 *cert;
  memset(out, 0, sizeof *out);
  TB_CHECK(tb_license_keys_find(k, bureau, &key, &cert));
  TB_CHECK_INT(tb_license_canonical(lic, &out->json, &out->json_len, NULL),
               TB_LICENSE_OK);
  TB_CHECK_INT(tb_license_sm2_sign(key, out->json, out->json_len,
                                   &out->signature, &out->signature_len),
               TB_LICENSE_OK);
  tb_license_key_id_hex(cert, out->key_id);
  char *payload = NULL;
  size_t len;
  TB_CHECK_INT(tb_license_encode_payload(out, &payload, &len, NULL),
               TB_LICENSE_OK);
  return payload;
}

/* The extension as the stock command line shows it; the certificate
 * carrying it still verifies with `openssl verify`. */
static void test_authority_extension_openssl(void) {
  char root[512], issuer[512];
  snprintf(root, sizeof root, "%s/root.pem", keys_dir);
  snprintf(issuer, sizeof issuer, "%s/issuing/SCJG.1.pem", keys_dir);
  const char *out = path_in("authority.out");
  TB_CHECK_INT(run(out, "openssl x509 -in %s -noout -text", issuer), 0);
  char *text = tb_test_read_file(out, NULL);
  /* non-critical: no "critical" after the OID */
  TB_CHECKF(contains(text, TB_LICENSE_AUTHORITY_OID ": \n") &&
                contains(text, BL_TYPE),
            "%s", text);
  free(text);
  TB_CHECK_INT(run(out, "openssl verify -vfyopt distid:" ID " -CAfile %s %s",
                   root, issuer),
               0);
  text = tb_test_read_file(out, NULL);
  TB_CHECK(contains(text, ": OK"));
  free(text);
  /* The value is a SEQUENCE of UTF8Strings. */
  TB_CHECK_INT(run(out,
                   "openssl asn1parse -in %s -strparse $(openssl "
                   "asn1parse -in %s | grep -A1 '%s' | tail -n 1 | "
                   "cut -d: -f1)",
                   issuer, issuer, TB_LICENSE_AUTHORITY_OID),
               0);
  text = tb_test_read_file(out, NULL);
  TB_CHECKF(contains(text, "SEQUENCE") &&
                contains(text, "UTF8STRING        :" BL_TYPE),
            "%s", text);
  free(text);
}

static void test_sign_refused_without_authority(void) {
  tb_license lic = food_license();
  tb_license_signed s;
  tb_problem p = {0};
  TB_CHECK_INT(tb_license_sign(keys, &lic, now, &s, &p),
               TB_LICENSE_ERR_NOT_AUTHORIZED);
  TB_CHECK_STR(p.field, "type.code");
  TB_CHECK(contains(p.detail, "may not issue license type " FOOD_TYPE));
  TB_CHECK(s.json == NULL && s.signature == NULL);
  TB_CHECK_STR(tb_license_status_code(TB_LICENSE_ERR_NOT_AUTHORIZED),
               "not_authorized");
}

/* Signed by market regulation's own, trusted key — but its certificate
 * is not granted the type: every verifier refuses it, while the stock
 * openssl still says the signature itself holds. */
static void test_verify_issuer_not_authorized(void) {
  tb_license lic = food_license();
  tb_license_signed s;
  char *payload = sign_raw(keys, "SCJG", &lic, &s);
  TB_CHECK_INT(verify_reasons(payload, trust, NULL, NULL),
               TB_LICENSE_ISSUER_NOT_AUTHORIZED);
  tb_license_verdict v;
  tb_license_verify(payload, strlen(payload), trust, now, NULL, NULL, &v);
  char *json;
  size_t len;
  TB_CHECK_INT(tb_license_verdict_json(&v, &json, &len), TB_LICENSE_OK);
  TB_CHECKF(contains(json, "\"valid\":false") &&
                contains(json, "\"reasons\":[\"issuer_not_authorized\"]"),
            "%s", json);
  free(json);
  tb_license_free_verdict(&v);
  write_file(path_in("food.json"), s.json, s.json_len);
  write_file(path_in("food.sig"), s.signature, s.signature_len);
  char issuer[512];
  snprintf(issuer, sizeof issuer, "%s/issuing/SCJG.1.pem", keys_dir);
  TB_CHECK_INT(run(path_in("food.out"),
                   "openssl x509 -in %s -noout -pubkey -out %s && "
                   "openssl dgst -sm3 -verify %s -sigopt distid:" ID
                   " -signature %s %s",
                   issuer, path_in("food-pub.pem"), path_in("food-pub.pem"),
                   path_in("food.sig"), path_in("food.json")),
               0);
  if (tongban_binary) {
    write_file(path_in("food.txt"), payload, strlen(payload));
    TB_CHECK_INT(run(path_in("food-cli.out"),
                     "%s license verify --keys %s --file %s", tongban_binary,
                     keys_dir, path_in("food.txt")),
                 1);
    char *text = tb_test_read_file(path_in("food-cli.out"), NULL);
    TB_CHECKF(contains(text, "invalid: issuer_not_authorized\n") &&
                  contains(text, "may not sign licenses of type " FOOD_TYPE),
              "%s", text);
    free(text);
    TB_CHECK_INT(run(path_in("food-json.out"),
                     "%s license verify --keys %s --json --file %s",
                     tongban_binary, keys_dir, path_in("food.txt")),
                 1);
    text = tb_test_read_file(path_in("food-json.out"), NULL);
    TB_CHECKF(contains(text, "\"reasons\":[\"issuer_not_authorized\"]"), "%s",
              text);
    free(text);
  }
  free(payload);
  tb_license_free_signed(&s);
}

/* Rewrite dir/issuing/<code>.1.pem without the authority extension,
 * re-signed by the root: a certificate of a deployment made before the
 * extension existed. */
static void strip_authority(const char *dir, const char *code) {
  char path[512], root_path[512], key_path[512];
  snprintf(path, sizeof path, "%s/issuing/%s.1.pem", dir, code);
  snprintf(root_path, sizeof root_path, "%s/root.pem", dir);
  snprintf(key_path, sizeof key_path, "%s/root.key", dir);
  FILE *f = fopen(path, "r");
  X509 *cert = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
  if (f)
    fclose(f);
  f = fopen(key_path, "r");
  EVP_PKEY *root_key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
  if (f)
    fclose(f);
  TB_CHECK(cert && root_key);
  if (!cert || !root_key) {
    X509_free(cert);
    EVP_PKEY_free(root_key);
    return;
  }
  ASN1_OBJECT *oid = OBJ_txt2obj(TB_LICENSE_AUTHORITY_OID, 1);
  int at = X509_get_ext_by_OBJ(cert, oid, -1);
  TB_CHECK(at >= 0);
  X509_EXTENSION_free(X509_delete_ext(cert, at));
  ASN1_OBJECT_free(oid);
  EVP_MD_CTX *md;
  EVP_PKEY_CTX *pctx;
  TB_CHECK(tb_license_sm2_ctx(root_key, true, &md, &pctx));
  TB_CHECK(X509_sign_ctx(cert, md) > 0);
  EVP_MD_CTX_free(md);
  EVP_PKEY_CTX_free(pctx);
  f = fopen(path, "w");
  TB_CHECK(f && PEM_write_X509(f, cert) == 1);
  if (f)
    fclose(f);
  X509_free(cert);
  EVP_PKEY_free(root_key);
}

static tb_license_trust *trust_of(const char *dir) {
  char *pem;
  size_t len;
  tb_problem p = {0};
  tb_license_trust *t = NULL;
  TB_CHECK_INT(tb_license_read_trust_list(dir, &pem, &len, &p), TB_LICENSE_OK);
  TB_CHECK_INT(tb_license_load_trust(pem, len, &t, &p), TB_LICENSE_OK);
  free(pem);
  return t;
}

/* An old deployment: its certificate has no extension and may sign
 * nothing; keys init rotates it; when bureaus.xml grants a new type, keys
 * init rotates again, and licenses the older certificates signed stay
 * valid for the types they list. */
static void test_authority_rotation(void) {
  char dir[400];
  snprintf(dir, sizeof dir, "%s/authority-keys", tmp);
  tb_bureau scjg = bureau_items[0];
  tb_bureau_list one = {&scjg, 1, NULL};
  tb_license_key_options opt = {.now = now - 86400};
  tb_license_init_report rep;
  tb_problem p = {0};
  TB_CHECKF(tb_license_init_keys(dir, &one, &opt, &rep, &p) == TB_LICENSE_OK,
            "%s", p.detail);
  strip_authority(dir, "SCJG");
  /* Without the extension: authorized for nothing. */
  tb_license_keys *old_keys = NULL;
  TB_CHECK_INT(tb_license_open_keys(dir, NULL, &old_keys, &p), TB_LICENSE_OK);
  tb_license bl = business_license();
  tb_license_signed s;
  TB_CHECK_INT(tb_license_sign(old_keys, &bl, now, &s, &p),
               TB_LICENSE_ERR_NOT_AUTHORIZED);
  tb_license_signed legacy_signed;
  char *legacy = sign_raw(old_keys, "SCJG", &bl, &legacy_signed);
  tb_license_trust *t = trust_of(dir);
  TB_CHECK_INT(verify_reasons(legacy, t, NULL, NULL),
               TB_LICENSE_ISSUER_NOT_AUTHORIZED);
  tb_license_free_trust(t);
  /* keys init rotates it; running it again changes nothing. */
  TB_CHECKF(tb_license_init_keys(dir, &one, &opt, &rep, &p) == TB_LICENSE_OK,
            "%s", p.detail);
  TB_CHECK_INT(rep.issuing_created, 0);
  TB_CHECK_INT(rep.issuing_rotated, 1);
  TB_CHECK_INT(tb_license_init_keys(dir, &one, &opt, &rep, &p), TB_LICENSE_OK);
  TB_CHECK_INT(rep.issuing_rotated, 0);
  TB_CHECK_INT(rep.issuing_kept, 1);
  tb_license_keys *k2 = NULL;
  TB_CHECK_INT(tb_license_open_keys(dir, NULL, &k2, &p), TB_LICENSE_OK);
  tb_license_signed bl_signed;
  TB_CHECK_INT(tb_license_sign(k2, &bl, now, &bl_signed, &p), TB_LICENSE_OK);
  char *bl_payload;
  size_t len;
  tb_license_encode_payload(&bl_signed, &bl_payload, &len, &p);
  tb_license food = food_license();
  TB_CHECK_INT(tb_license_sign(k2, &food, now, &s, &p),
               TB_LICENSE_ERR_NOT_AUTHORIZED);
  /* bureaus.xml now also grants the 食品经营许可证: a third certificate. */
  static const tb_license_grant both[] = {{FOOD_TYPE, "食品经营许可证", 0},
                                          {BL_TYPE, "营业执照", 0}};
  scjg.grants = both;
  scjg.n_grants = 2;
  TB_CHECK_INT(tb_license_init_keys(dir, &one, &opt, &rep, &p), TB_LICENSE_OK);
  TB_CHECK_INT(rep.issuing_rotated, 1);
  char path[512];
  snprintf(path, sizeof path, "%s/issuing/SCJG.3.pem", dir);
  TB_CHECK(mode_of(path) >= 0);
  tb_license_keys *k3 = NULL;
  TB_CHECK_INT(tb_license_open_keys(dir, NULL, &k3, &p), TB_LICENSE_OK);
  tb_license_signed food_signed;
  TB_CHECKF(tb_license_sign(k3, &food, now, &food_signed, &p) == TB_LICENSE_OK,
            "%s", p.detail);
  char *food_payload;
  tb_license_encode_payload(&food_signed, &food_payload, &len, &p);
  t = trust_of(dir);
  TB_CHECK_INT(verify_reasons(food_payload, t, NULL, NULL), 0);
  TB_CHECK_INT(verify_reasons(bl_payload, t, NULL, NULL), 0); /* SCJG.2 */
  TB_CHECK_INT(verify_reasons(legacy, t, NULL, NULL),
               TB_LICENSE_ISSUER_NOT_AUTHORIZED); /* SCJG.1 still nothing */
  /* The second certificate keeps its own grant: no 食品经营许可证. */
  tb_license_signed forged_signed;
  char *forged = sign_raw(k2, "SCJG", &food, &forged_signed);
  TB_CHECK_INT(verify_reasons(forged, t, NULL, NULL),
               TB_LICENSE_ISSUER_NOT_AUTHORIZED);
  tb_license_free_trust(t);
  free(forged);
  free(food_payload);
  free(bl_payload);
  free(legacy);
  tb_license_free_signed(&forged_signed);
  tb_license_free_signed(&food_signed);
  tb_license_free_signed(&bl_signed);
  tb_license_free_signed(&legacy_signed);
  tb_license_close_keys(k3);
  tb_license_close_keys(k2);
  tb_license_close_keys(old_keys);
}

/* ------------------------------------------------------------------------
 * Rotation and passphrases
 * ---------------------------------------------------------------------- */

static void test_rotation(void) {
  tb_license lic = business_license();
  tb_license_signed old_signed;
  char *old_payload = sign_payload(&lic, &old_signed);
  unsigned serial = 0;
  tb_problem p = {0};
  tb_license_key_options opt = {.now = now - 86400};
  TB_CHECKF(tb_license_rotate_key(keys_dir, &bureau_items[0], &opt, &serial,
                                  &p) == TB_LICENSE_OK,
            "%s", p.detail);
  TB_CHECK_INT(serial, 2);
  tb_license_keys *rotated;
  TB_CHECK_INT(tb_license_open_keys(keys_dir, NULL, &rotated, &p),
               TB_LICENSE_OK);
  tb_license_signed new_signed;
  TB_CHECK_INT(tb_license_sign(rotated, &lic, now, &new_signed, &p),
               TB_LICENSE_OK);
  TB_CHECK(strcmp(old_signed.key_id, new_signed.key_id) != 0);
  char *new_payload;
  size_t len;
  tb_license_encode_payload(&new_signed, &new_payload, &len, &p);
  char *pem;
  size_t pem_len;
  TB_CHECK_INT(tb_license_read_trust_list(keys_dir, &pem, &pem_len, &p),
               TB_LICENSE_OK);
  tb_license_trust *t2;
  TB_CHECK_INT(tb_license_load_trust(pem, pem_len, &t2, &p), TB_LICENSE_OK);
  TB_CHECK_INT(verify_reasons(old_payload, t2, NULL, NULL), 0);
  TB_CHECK_INT(verify_reasons(new_payload, t2, NULL, NULL), 0);
  /* The trust list from before the rotation does not know the new key. */
  TB_CHECK_INT(verify_reasons(new_payload, trust, NULL, NULL),
               TB_LICENSE_UNKNOWN_KEY);
  /* The new certificate also verifies with the stock command line. */
  char cmd_root[512], cmd_cert[512];
  snprintf(cmd_root, sizeof cmd_root, "%s/root.pem", keys_dir);
  snprintf(cmd_cert, sizeof cmd_cert, "%s/issuing/SCJG.2.pem", keys_dir);
  TB_CHECK_INT(run(path_in("rot.out"),
                   "openssl verify -vfyopt distid:" ID " -CAfile %s %s",
                   cmd_root, cmd_cert),
               0);
  /* Later tests sign with the rotated keys and trust the new list. */
  tb_license_close_keys(keys);
  keys = rotated;
  tb_license_free_trust(trust);
  trust = t2;
  free(pem);
  free(new_payload);
  free(old_payload);
  tb_license_free_signed(&old_signed);
  tb_license_free_signed(&new_signed);
}

/* SCJG's first key in dir is encrypted, mode 0600, and the keys open with
 * passphrase only (not without one, not with another). */
static void keys_open_with_only(const char *dir, const char *passphrase) {
  char path[512];
  snprintf(path, sizeof path, "%s/issuing/SCJG.1.key", dir);
  char *text = tb_test_read_file(path, NULL);
  TB_CHECK(contains(text, "BEGIN ENCRYPTED PRIVATE KEY"));
  free(text);
  TB_CHECK_INT(mode_of(path), 0600);
  tb_license_keys *k = NULL;
  tb_problem p = {0};
  TB_CHECK_INT(tb_license_open_keys(dir, NULL, &k, &p),
               TB_LICENSE_ERR_PASSPHRASE);
  TB_CHECK_INT(tb_license_open_keys(dir, "wrong", &k, &p),
               TB_LICENSE_ERR_PASSPHRASE);
  TB_CHECK_INT(tb_license_open_keys(dir, passphrase, &k, &p), TB_LICENSE_OK);
  tb_license_close_keys(k);
}

static void test_passphrase(void) {
  char dir[400];
  snprintf(dir, sizeof dir, "%s/encrypted-keys", tmp);
  tb_license_key_options opt = {.now = now - 86400,
                                .passphrase = "正确的马 battery staple"};
  tb_bureau_list one = {bureau_items, 1, NULL};
  tb_problem p = {0};
  TB_CHECKF(tb_license_init_keys(dir, &one, &opt, NULL, &p) == TB_LICENSE_OK,
            "%s", p.detail);
  keys_open_with_only(dir, opt.passphrase);
  /* Rotation needs the root's key, hence the passphrase. */
  tb_license_key_options no_pass = {.now = now};
  TB_CHECK_INT(tb_license_rotate_key(dir, &bureau_items[0], &no_pass, NULL, &p),
               TB_LICENSE_ERR_PASSPHRASE);
  /* The environment. */
  char buf[128], path[512];
  snprintf(path, sizeof path, "%s/passphrase.txt", tmp);
  write_file(path, "from a file\nsecond line\n", 24);
  unsetenv("TONGBAN_KEY_PASSPHRASE");
  setenv("TONGBAN_KEY_PASSPHRASE_FILE", path, 1);
  TB_CHECK_INT(tb_license_passphrase_from_env(buf, sizeof buf, &p),
               TB_LICENSE_OK);
  TB_CHECK_STR(buf, "from a file");
  setenv("TONGBAN_KEY_PASSPHRASE", "from the variable", 1);
  TB_CHECK_INT(tb_license_passphrase_from_env(buf, sizeof buf, &p),
               TB_LICENSE_OK);
  TB_CHECK_STR(buf, "from the variable");
  unsetenv("TONGBAN_KEY_PASSPHRASE");
  unsetenv("TONGBAN_KEY_PASSPHRASE_FILE");
  TB_CHECK_INT(tb_license_passphrase_from_env(buf, sizeof buf, &p),
               TB_LICENSE_ERR_NOT_FOUND);
}

/* An offline root (issue 17 §5): keys init with root_dir writes root.key
 * only there; the keys folder keeps root.pem and the bureaus' keys, which
 * sign licenses that verify against its trust list; a rotation needs the
 * root's folder and says so without it. */
static void test_offline_root(void) {
  char dir[400], usb[400], path[512];
  snprintf(dir, sizeof dir, "%s/offline-keys", tmp);
  snprintf(usb, sizeof usb, "%s/usb", tmp);
  tb_license_key_options opt = {
      .now = now - 86400, .passphrase = "offline root", .root_dir = usb};
  tb_bureau_list one = {bureau_items, 1, NULL};
  tb_problem p = {0};
  TB_CHECKF(tb_license_init_keys(dir, &one, &opt, NULL, &p) == TB_LICENSE_OK,
            "%s", p.detail);
  snprintf(path, sizeof path, "%s/root.key", dir);
  TB_CHECK(access(path, F_OK) != 0);
  snprintf(path, sizeof path, "%s/root.pem", dir);
  TB_CHECK(access(path, F_OK) == 0);
  snprintf(path, sizeof path, "%s/root.key", usb);
  char *text = tb_test_read_file(path, NULL);
  TB_CHECK(contains(text, "BEGIN ENCRYPTED PRIVATE KEY"));
  free(text);
  TB_CHECK_INT(mode_of(path), 0600);
  snprintf(path, sizeof path, "%s/root.pem", usb);
  TB_CHECK(access(path, F_OK) == 0);
  /* the bureau's key signs; the folder's trust list verifies */
  tb_license_keys *k = NULL;
  TB_CHECK_INT(tb_license_open_keys(dir, opt.passphrase, &k, &p),
               TB_LICENSE_OK);
  tb_license lic = business_license();
  tb_license_signed signed_lic;
  TB_CHECK_INT(tb_license_sign(k, &lic, now, &signed_lic, &p), TB_LICENSE_OK);
  char *payload = NULL;
  size_t len = 0;
  TB_CHECK_INT(tb_license_encode_payload(&signed_lic, &payload, &len, &p),
               TB_LICENSE_OK);
  tb_license_trust *t = trust_of(dir);
  TB_CHECK_INT(verify_reasons(payload, t, NULL, NULL), 0);
  /* a rotation without the root's folder is refused, naming the fix */
  tb_license_key_options online = {.now = now, .passphrase = opt.passphrase};
  TB_CHECK_INT(tb_license_rotate_key(dir, &bureau_items[0], &online, NULL, &p),
               TB_LICENSE_ERR_NOT_FOUND);
  TB_CHECKF(contains(p.detail, "--root"), "%s", p.detail);
  unsigned serial = 0;
  TB_CHECKF(tb_license_rotate_key(dir, &bureau_items[0], &opt, &serial, &p) ==
                TB_LICENSE_OK,
            "%s", p.detail);
  TB_CHECK_INT(serial, 2);
  tb_license_free_trust(t);
  tb_license_free_signed(&signed_lic);
  tb_license_close_keys(k);
  free(payload);
}

/* Plain keys of an older folder are found, and encrypted in place: every
 * private key (root, bureau, platform signers), after which they open
 * with the passphrase only. */
static void test_encrypt_in_place(void) {
  char dir[400], found[512];
  snprintf(dir, sizeof dir, "%s/plain-keys", tmp);
  tb_license_key_options opt = {.now = now - 86400};
  tb_bureau_list one = {bureau_items, 1, NULL};
  tb_problem p = {0};
  TB_CHECKF(tb_license_init_keys(dir, &one, &opt, NULL, &p) == TB_LICENSE_OK,
            "%s", p.detail);
  TB_CHECK_INT(tb_license_keys_find_plain(dir, found, sizeof found, &p),
               TB_LICENSE_OK);
  TB_CHECKF(contains(found, ".key"), "%s", found);
  size_t n = 0;
  TB_CHECK_INT(tb_license_keys_encrypt(dir, NULL, &n, &p),
               TB_LICENSE_ERR_PASSPHRASE);
  TB_CHECK_INT(tb_license_keys_encrypt(dir, "now encrypted", &n, &p),
               TB_LICENSE_OK);
  TB_CHECK_INT(n, 4);
  TB_CHECK_INT(tb_license_keys_find_plain(dir, found, sizeof found, &p),
               TB_LICENSE_OK);
  TB_CHECK_STR(found, "");
  TB_CHECK_INT(tb_license_keys_encrypt(dir, "now encrypted", &n, &p),
               TB_LICENSE_OK);
  TB_CHECK_INT(n, 0);
  keys_open_with_only(dir, "now encrypted");
}

/* ------------------------------------------------------------------------
 * Rendering
 * ---------------------------------------------------------------------- */

static void test_url_qr(void) {
  const char *url = "https://tongban.example.gov.cn/t/330100202611210000017"
                    "?c=K7Q2-9XFM";
  unsigned char *png;
  size_t len;
  int version;
  TB_CHECK_INT(tb_license_render_qr_png(url, 3, &png, &len, &version, NULL),
               TB_LICENSE_OK);
  write_file(path_in("url.png"), png, len);
  free(png);
  TB_CHECK_INT(run(path_in("url.out"), "zbarimg -q -Sbinary --raw %s",
                   path_in("url.png")),
               0);
  char *decoded = tb_test_read_file(path_in("url.out"), NULL);
  if (decoded)
    decoded[strcspn(decoded, "\n")] = '\0';
  TB_CHECK_STR(decoded, url);
  free(decoded);
  char *svg;
  TB_CHECK_INT(tb_license_render_qr_svg(url, 4, &svg, &len, &version, NULL),
               TB_LICENSE_OK);
  TB_CHECK(contains(svg, "shape-rendering=\"crispEdges\""));
  write_file(path_in("url.svg"), svg, len);
  free(svg);
  TB_CHECK_INT(
      run(path_in("xmllint.out"), "xmllint --noout %s", path_in("url.svg")), 0);
  TB_CHECK_INT(tb_license_render_qr_png(url, 0, &png, &len, NULL, NULL),
               TB_LICENSE_ERR_INVALID);
}

static void test_license_svg(void) {
  tb_license lic = business_license();
  tb_license_item items[] = {
      {"企业名称", "A&B <科技> \"有限\" '公司'"},
      {"经营范围",
       "软件开发、信息咨询服务、日用百货零售、批发贸易、制造加工、食品经营（含"
       "餐饮服务）、技术开发、技术咨询、技术服务、技术转让、会议及展览服务、广"
       "告设计、代理、广告制作、办公用品销售、电子产品销售、计算机软硬件及辅助"
       "设备零售、货物进出口、技术进出口（除依法须经批准的项目外，凭营业执照依"
       "法自主开展经营活动）。许可项目：食品经营。"},
      {"备注", "第一行\n第二行"},
  };
  lic.items = items;
  lic.n_items = 3;
  char *payload = sign_payload(&lic, NULL);
  char *svg;
  size_t len;
  tb_problem p = {0};
  TB_CHECKF(tb_license_render_svg(&lic, payload, &svg, &len, &p) ==
                TB_LICENSE_OK,
            "%s", p.detail);
  TB_CHECK(
      contains(svg, "A&amp;B &lt;科技&gt; &quot;有限&quot; &apos;公司&apos;"));
  TB_CHECK(contains(svg, "Noto Serif CJK SC"));
  TB_CHECK(contains(svg, ">营业执照<"));
  TB_CHECK(contains(svg, "杭州市市场监督管理局"));
  TB_CHECK(contains(svg, "第二行"));
  TB_CHECK(contains(svg, "…</text>"));
  write_file(path_in("license.svg"), svg, len);
  free(svg);
  TB_CHECK_INT(run(path_in("xmllint2.out"), "xmllint --noout %s",
                   path_in("license.svg")),
               0);
  free(payload);
}

/* ------------------------------------------------------------------------
 * base45 (RFC 9285 examples)
 * ---------------------------------------------------------------------- */

static void test_base45(void) {
  struct {
    const char *bytes, *text;
  } cases[] = {{"AB", "BB8"},
               {"Hello!!", "%69 VD92EX0"},
               {"base-45", "UJCLQE7W581"},
               {"ietf!", "QED8WEX0"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tb_buf b;
    tb_buf_init(&b, 1024);
    tb_license_base45_encode((const unsigned char *)cases[i].bytes,
                             strlen(cases[i].bytes), &b);
    TB_CHECK_STR(b.data, cases[i].text);
    unsigned char out[64];
    size_t n = 0;
    TB_CHECK(tb_license_base45_decode(cases[i].text, strlen(cases[i].text), out,
                                      &n));
    TB_CHECK(n == strlen(cases[i].bytes) &&
             memcmp(out, cases[i].bytes, n) == 0);
    tb_buf_free(&b);
  }
  unsigned char out[8];
  size_t n;
  TB_CHECK(!tb_license_base45_decode("GGW", 3, out, &n)); /* 65536 + */
  TB_CHECK(!tb_license_base45_decode("A", 1, out, &n));
  TB_CHECK(!tb_license_base45_decode("::", 2, out, &n)); /* > 255 */
  TB_CHECK(!tb_license_base45_decode("ab", 2, out, &n));
}

/* ------------------------------------------------------------------------
 * Platform signers (audit checkpoints, the revocation list)
 * ---------------------------------------------------------------------- */

static void test_platform_signer_files(void) {
  char path[512];
  snprintf(path, sizeof path, "%s/platform/audit.1.key", keys_dir);
  TB_CHECK_INT(mode_of(path), 0600);
  snprintf(path, sizeof path, "%s/platform/revocations.1.pem", keys_dir);
  TB_CHECK(mode_of(path) >= 0);
  tb_license_init_report rep;
  tb_problem p = {0};
  tb_license_key_options opt = {.now = now - 3 * 365 * 86400LL};
  TB_CHECK_INT(tb_license_init_keys(keys_dir, &bureaus, &opt, &rep, &p),
               TB_LICENSE_OK);
  TB_CHECK_INT(rep.platform_created, 0);
  /* The reserved code cannot become a bureau's. */
  tb_bureau platform = {"PLATFORM", "平台", "11330100MA27K0006Q", 0};
  TB_CHECK_INT(tb_license_rotate_key(keys_dir, &platform, &opt, NULL, &p),
               TB_LICENSE_ERR_INVALID);
  TB_CHECK(contains(p.detail, "reserved"));
}

static void test_platform_sign_and_check(void) {
  tb_license_signer *audit = NULL;
  tb_problem p = {0};
  TB_CHECKF(tb_license_signer_open(keys_dir, TB_LICENSE_SIGNER_AUDIT, NULL,
                                   &audit, &p) == TB_LICENSE_OK,
            "%s", p.detail);
  if (!audit)
    return;
  static const char data[] = "checkpoint 1 root abc";
  unsigned char *sig;
  size_t sig_len;
  TB_CHECK_INT(
      tb_license_signer_sign(audit, data, sizeof data - 1, &sig, &sig_len, &p),
      TB_LICENSE_OK);
  const char *kid = tb_license_signer_key_id(audit);
  TB_CHECK_INT(tb_license_trust_check_platform(trust, TB_LICENSE_SIGNER_AUDIT,
                                               kid, data, sizeof data - 1, sig,
                                               sig_len, now, &p),
               TB_LICENSE_OK);
  /* One byte changed. */
  TB_CHECK_INT(tb_license_trust_check_platform(
                   trust, TB_LICENSE_SIGNER_AUDIT, kid, "checkpoint 2 root abc",
                   sizeof data - 1, sig, sig_len, now, &p),
               TB_LICENSE_ERR_INVALID);
  /* The audit key does not sign revocation lists, nor licenses. */
  TB_CHECK_INT(tb_license_trust_check_platform(
                   trust, TB_LICENSE_SIGNER_REVOCATIONS, kid, data,
                   sizeof data - 1, sig, sig_len, now, &p),
               TB_LICENSE_ERR_NOT_FOUND);
  tb_license lic = business_license();
  char *json;
  size_t len;
  tb_license_canonical(&lic, &json, &len, NULL);
  unsigned char *lsig;
  size_t lsig_len;
  TB_CHECK_INT(tb_license_signer_sign(audit, json, len, &lsig, &lsig_len, &p),
               TB_LICENSE_OK);
  char *forged = payload_of(json, lsig, lsig_len, kid);
  TB_CHECK_INT(verify_reasons(forged, trust, NULL, NULL),
               TB_LICENSE_UNKNOWN_KEY);
  free(forged);
  free(lsig);
  free(json);
  /* The stock command line checks a platform signature with the trust
   * list's certificate. */
  write_file(path_in("checkpoint.txt"), data, sizeof data - 1);
  write_file(path_in("checkpoint.sig"), sig, sig_len);
  const char *out = path_in("platform.out");
  char cert[512];
  snprintf(cert, sizeof cert, "%s/platform/audit.1.pem", keys_dir);
  TB_CHECK_INT(run(out, "openssl x509 -in %s -noout -pubkey -out %s", cert,
                   path_in("audit-pub.pem")),
               0);
  TB_CHECK_INT(run(out,
                   "openssl dgst -sm3 -verify %s -sigopt distid:" ID
                   " -signature %s %s",
                   path_in("audit-pub.pem"), path_in("checkpoint.sig"),
                   path_in("checkpoint.txt")),
               0);
  TB_CHECK_INT(
      run(out, "openssl verify -vfyopt distid:" ID " -CAfile %s/root.pem %s",
          keys_dir, cert),
      0);
  free(sig);
  tb_license_signer_close(audit);
}

/* ------------------------------------------------------------------------
 * The revocation list
 * ---------------------------------------------------------------------- */

static tb_license_signer *open_signer(tb_license_signer_purpose purpose) {
  tb_license_signer *s = NULL;
  tb_problem p = {0};
  TB_CHECKF(tb_license_signer_open(keys_dir, purpose, NULL, &s, &p) ==
                TB_LICENSE_OK,
            "%s", p.detail);
  return s;
}

/* The list of bl_id and another license signed by purpose's signer,
 * dated this_update (next update a day later); the envelope, malloc'd. */
static char *signed_list(tb_license_signer_purpose purpose, int64_t this_update,
                         bool with_bl) {
  tb_license_signer *s = open_signer(purpose);
  if (!s)
    return NULL;
  tb_license_revoked items[] = {
      {"1.2.156.3005.2.9.9.1.1.Z", this_update - 7200, "测试\"引号\"\n换行"},
      {bl_id, this_update - 3600, "吊销：虚假登记"}};
  char *out = NULL;
  size_t len = 0;
  tb_problem p = {0};
  TB_CHECKF(tb_license_revocations_sign(s, items, with_bl ? 2 : 1, this_update,
                                        this_update + 86400, &out, &len,
                                        &p) == TB_LICENSE_OK,
            "%s", p.detail);
  TB_CHECK(out && strlen(out) == len);
  tb_license_signer_close(s);
  return out;
}

static tb_license_status
load_list(const char *text, tb_license_revocations **out, tb_problem *p) {
  return tb_license_revocations_load(text, text ? strlen(text) : 0, trust, now,
                                     out, p);
}

/* An envelope of given parts, malloc'd. */
static char *envelope_of(const char *key_id, const char *list,
                         const unsigned char *sig, size_t sig_len) {
  char sig64[TB_B64URL_LEN(160) + 1];
  tb_b64url_encode(sig, sig_len, sig64);
  json_t *e = json_pack("{s:s, s:s, s:s}", "key_id", key_id, "list", list,
                        "signature", sig64);
  char *text = json_dumps(e, JSON_COMPACT);
  json_decref(e);
  return text;
}

/* list signed by the revocations signer, in an envelope. */
static char *sign_as_revocations(const char *list) {
  tb_license_signer *s = open_signer(TB_LICENSE_SIGNER_REVOCATIONS);
  if (!s)
    return NULL;
  unsigned char *sig;
  size_t sig_len;
  tb_problem p = {0};
  TB_CHECK_INT(
      tb_license_signer_sign(s, list, strlen(list), &sig, &sig_len, &p),
      TB_LICENSE_OK);
  char *text = envelope_of(tb_license_signer_key_id(s), list, sig, sig_len);
  free(sig);
  tb_license_signer_close(s);
  return text;
}

static void test_revocations_roundtrip(void) {
  char *text = signed_list(TB_LICENSE_SIGNER_REVOCATIONS, now - 60, true);
  tb_license_revocations *r = NULL;
  tb_problem p = {0};
  TB_CHECKF(load_list(text, &r, &p) == TB_LICENSE_OK, "%s", p.detail);
  if (!r) {
    free(text);
    return;
  }
  TB_CHECK_INT(tb_license_revocations_count(r), 2);
  TB_CHECK_INT(tb_license_revocations_this_update(r), now - 60);
  TB_CHECK_INT(tb_license_revocations_next_update(r), now - 60 + 86400);
  const tb_license_revoked *e = tb_license_revocations_find(r, bl_id);
  TB_CHECK(e && strcmp(e->reason, "吊销：虚假登记") == 0 &&
           e->revoked_at == now - 60 - 3600);
  e = tb_license_revocations_find(r, "1.2.156.3005.2.9.9.1.1.Z");
  TB_CHECK(e && strcmp(e->reason, "测试\"引号\"\n换行") == 0);
  TB_CHECK(tb_license_revocations_find(r, "1.2.156.3005.2.9.9.1.2.Z") == NULL);
  /* verification with the list: revoked, with the reason */
  tb_license lic = business_license();
  char *payload = sign_payload(&lic, NULL);
  tb_license_verdict v;
  tb_license_verify(payload, strlen(payload), trust, now,
                    tb_license_revocations_check, r, &v);
  TB_CHECK_INT(v.reasons, TB_LICENSE_REVOKED);
  TB_CHECK(v.revocation_checked);
  TB_CHECK_STR(v.revocation_reason, "吊销：虚假登记");
  tb_license_free_verdict(&v);
  tb_license_revocations_free(r);
  free(text);
  /* a list without it: valid, and revocation was checked */
  text = signed_list(TB_LICENSE_SIGNER_REVOCATIONS, now - 60, false);
  TB_CHECK_INT(load_list(text, &r, &p), TB_LICENSE_OK);
  tb_license_verify(payload, strlen(payload), trust, now,
                    tb_license_revocations_check, r, &v);
  TB_CHECK(v.valid && v.revocation_checked);
  tb_license_free_verdict(&v);
  tb_license_revocations_free(r);
  free(text);
  free(payload);
}

static void test_revocations_sign_refuses(void) {
  tb_license_signer *s = open_signer(TB_LICENSE_SIGNER_REVOCATIONS);
  if (!s)
    return;
  char *out = NULL;
  size_t len;
  tb_problem p = {0};
  /* an empty list is a list */
  TB_CHECK_INT(
      tb_license_revocations_sign(s, NULL, 0, now, now + 60, &out, &len, &p),
      TB_LICENSE_OK);
  tb_license_revocations *r = NULL;
  TB_CHECK_INT(load_list(out, &r, &p), TB_LICENSE_OK);
  TB_CHECK(r && tb_license_revocations_count(r) == 0);
  tb_license_revocations_free(r);
  free(out);
  tb_license_revoked twice[] = {{bl_id, now, "a"}, {bl_id, now, "b"}};
  TB_CHECK_INT(
      tb_license_revocations_sign(s, twice, 2, now, now + 60, &out, &len, &p),
      TB_LICENSE_ERR_INVALID);
  TB_CHECK(contains(p.detail, "twice"));
  TB_CHECK_INT(
      tb_license_revocations_sign(s, twice, 1, now, now, &out, &len, &p),
      TB_LICENSE_ERR_INVALID);
  tb_license_revoked bad_utf8[] = {{bl_id, now, "\xff\xfe"}};
  TB_CHECK_INT(tb_license_revocations_sign(s, bad_utf8, 1, now, now + 60, &out,
                                           &len, &p),
               TB_LICENSE_ERR_INVALID);
  /* a long reason is cut at a character boundary */
  char reason[1200] = "";
  for (size_t i = 0; i < 300; i++)
    memcpy(reason + 3 * i, "吊", 3); /* 900 bytes */
  tb_license_revoked long_reason[] = {{bl_id, now, reason}};
  TB_CHECK_INT(tb_license_revocations_sign(s, long_reason, 1, now, now + 60,
                                           &out, &len, &p),
               TB_LICENSE_OK);
  TB_CHECK_INT(load_list(out, &r, &p), TB_LICENSE_OK);
  const tb_license_revoked *e = r ? tb_license_revocations_find(r, bl_id) : 0;
  TB_CHECK(e && strlen(e->reason) == 255 &&
           strncmp(e->reason, reason, 255) == 0);
  tb_license_revocations_free(r);
  free(out);
  tb_license_signer_close(s);
}

/* The envelope text with `from` replaced by `to` once; malloc'd. */
static char *replaced(const char *text, const char *from, const char *to) {
  const char *at = strstr(text, from);
  TB_CHECKF(at != NULL, "%s not in the list", from);
  if (!at)
    return tb_xstrndup(text, strlen(text));
  tb_buf b;
  tb_buf_init(&b, TB_LICENSE_MAX_REVOCATIONS_FILE);
  tb_buf_add(&b, text, (size_t)(at - text));
  tb_buf_adds(&b, to);
  tb_buf_adds(&b, at + strlen(from));
  return tb_buf_take(&b, NULL);
}

static void expect_refused(const char *text, tb_license_status want,
                           const char *detail) {
  tb_license_revocations *r = NULL;
  tb_problem p = {0};
  tb_license_status st = load_list(text, &r, &p);
  TB_CHECKF(st == want && r == NULL && contains(p.detail, detail),
            "%s: status %s, detail \"%s\", expected %s and \"%s\"",
            text ? text : "(null)", tb_license_status_code(st), p.detail,
            tb_license_status_code(want), detail);
  tb_license_revocations_free(r);
}

static void test_revocations_tampered(void) {
  char *good = signed_list(TB_LICENSE_SIGNER_REVOCATIONS, now - 60, true);
  if (!good)
    return;
  /* one character of the signed list changed */
  char *t = replaced(good, "虚假登记", "登记有误");
  expect_refused(t, TB_LICENSE_ERR_INVALID, "signature does not match");
  free(t);
  t = replaced(good, bl_id, "1.2.156.3005.2.9.9.1.0.Z");
  expect_refused(t, TB_LICENSE_ERR_INVALID, "signature does not match");
  free(t);
  /* the signature of another list */
  char *other = signed_list(TB_LICENSE_SIGNER_REVOCATIONS, now - 60, false);
  json_t *a = json_loads(good, 0, NULL), *b = json_loads(other, 0, NULL);
  json_object_set(a, "signature", json_object_get(b, "signature"));
  t = json_dumps(a, JSON_COMPACT);
  expect_refused(t, TB_LICENSE_ERR_INVALID, "signature does not match");
  free(t);
  json_decref(a);
  json_decref(b);
  free(other);
  /* signed by the audit key: not a revocations key */
  t = signed_list(TB_LICENSE_SIGNER_AUDIT, now - 60, true);
  expect_refused(t, TB_LICENSE_ERR_NOT_FOUND, "no revocations key");
  free(t);
  free(good);
}

static void test_revocations_bureau_key(void) {
  /* signed by a bureau's issuing key, naming that key */
  tb_license_signer *s = open_signer(TB_LICENSE_SIGNER_REVOCATIONS);
  char *good = signed_list(TB_LICENSE_SIGNER_REVOCATIONS, now - 60, true);
  json_t *g = good ? json_loads(good, 0, NULL) : NULL;
  const char *list = json_string_value(json_object_get(g, "list"));
  EVP_PKEY *key;
  X509 *cert;
  TB_CHECK(list && tb_license_keys_find(keys, "SCJG", &key, &cert));
  if (!list || !s) {
    json_decref(g);
    free(good);
    tb_license_signer_close(s);
    return;
  }
  unsigned char *sig;
  size_t sig_len;
  TB_CHECK_INT(tb_license_sm2_sign(key, list, strlen(list), &sig, &sig_len),
               TB_LICENSE_OK);
  char scjg[41];
  tb_license_key_id_hex(cert, scjg);
  char *t = envelope_of(scjg, list, sig, sig_len);
  expect_refused(t, TB_LICENSE_ERR_NOT_FOUND, "no revocations key");
  free(t);
  /* … and claiming to be the revocations key */
  t = envelope_of(tb_license_signer_key_id(s), list, sig, sig_len);
  expect_refused(t, TB_LICENSE_ERR_INVALID, "signature does not match");
  free(t);
  free(sig);
  json_decref(g);
  free(good);
  tb_license_signer_close(s);
}

static void test_revocations_malformed(void) {
  /* well signed, but not canonical or not of the format */
  static const char *const lists[] = {
      "{\"format\": \"tongban-revocations/1\",\"next_update\":"
      "\"2026-01-02T00:00:00Z\",\"revoked\":[],\"this_update\":"
      "\"2026-01-01T00:00:00Z\"}",
      "{\"format\":\"tongban-revocations/2\",\"next_update\":"
      "\"2026-01-02T00:00:00Z\",\"revoked\":[],\"this_update\":"
      "\"2026-01-01T00:00:00Z\"}",
      "{\"extra\":\"x\",\"format\":\"tongban-revocations/1\",\"next_update\":"
      "\"2026-01-02T00:00:00Z\",\"revoked\":[],\"this_update\":"
      "\"2026-01-01T00:00:00Z\"}",
      "{\"format\":\"tongban-revocations/1\",\"next_update\":"
      "\"2026-01-01T00:00:00Z\",\"revoked\":[],\"this_update\":"
      "\"2026-01-01T00:00:00Z\"}",
      "{\"format\":\"tongban-revocations/1\",\"next_update\":"
      "\"2026-01-02T00:00:00Z\",\"revoked\":[],\"this_update\":"
      "\"2026-01-01T24:00:00Z\"}",
      "{\"format\":\"tongban-revocations/1\",\"next_update\":"
      "\"2026-01-02T00:00:00Z\",\"revoked\":[{\"id\":\"b\",\"reason\":\"\","
      "\"revoked_at\":\"2026-01-01T00:00:00Z\"},{\"id\":\"a\",\"reason\":\"\","
      "\"revoked_at\":\"2026-01-01T00:00:00Z\"}],\"this_update\":"
      "\"2026-01-01T00:00:00Z\"}",
      "{\"format\":\"tongban-revocations/1\",\"next_update\":"
      "\"2026-01-02T00:00:00Z\",\"revoked\":[{\"id\":\"a\",\"reason\":1,"
      "\"revoked_at\":\"2026-01-01T00:00:00Z\"}],\"this_update\":"
      "\"2026-01-01T00:00:00Z\"}",
      "{\"format\":\"tongban-revocations/1\",\"next_update\":"
      "\"2026-01-02T00:00:00Z\",\"revoked\":{},\"this_update\":"
      "\"2026-01-01T00:00:00Z\"}",
      "[]",
  };
  static const char *const details[] = {
      "not canonical",        "not of format",        "not of format",
      "this_update and next", "this_update and next", "not sorted",
      "not {id, reason",      "no revoked array",     "not of format"};
  for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
    char *t = sign_as_revocations(lists[i]);
    expect_refused(t, TB_LICENSE_ERR_INVALID, details[i]);
    free(t);
  }
  /* hostile envelopes */
  char *good = signed_list(TB_LICENSE_SIGNER_REVOCATIONS, now - 60, true);
  expect_refused("", TB_LICENSE_ERR_INVALID, "not json");
  expect_refused("[]", TB_LICENSE_ERR_INVALID, "exactly key_id");
  expect_refused("{\"key_id\":\"a\",\"list\":\"{}\",\"signature\":\"AA\"}",
                 TB_LICENSE_ERR_INVALID, "40 lower-case hex");
  char *t = replaced(good, "\"signature\":\"", "\"signature\":\"=");
  expect_refused(t, TB_LICENSE_ERR_INVALID, "not base64url");
  free(t);
  t = replaced(good, "{\"key_id\"", "{\"more\":1,\"key_id\"");
  expect_refused(t, TB_LICENSE_ERR_INVALID, "exactly key_id");
  free(t);
  t = replaced(good, "{\"key_id\"", "{\"key_id\":\"x\",\"key_id\"");
  expect_refused(t, TB_LICENSE_ERR_INVALID, "not json"); /* duplicate */
  free(t);
  size_t big = TB_LICENSE_MAX_REVOCATIONS_FILE + 1;
  char *huge = tb_xmalloc(big + 1);
  memset(huge, ' ', big);
  huge[big] = '\0';
  expect_refused(huge, TB_LICENSE_ERR_LIMIT, "too large");
  free(huge);
  /* every truncation of a good list is refused, never crashes */
  size_t len = strlen(good);
  for (size_t n = 0; n < len; n += 7) {
    tb_license_revocations *r = NULL;
    tb_problem p = {0};
    TB_CHECK(tb_license_revocations_load(good, n, trust, now, &r, &p) !=
             TB_LICENSE_OK);
    tb_license_revocations_free(r);
  }
  free(good);
}

static void test_revocations_age(void) {
  char buf[32];
  tb_license_time_format(0, buf);
  TB_CHECK_STR(buf, "1970-01-01T00:00:00Z");
  tb_license_time_format(1764472244, buf); /* date -u -d @1764472244 */
  TB_CHECK_STR(buf, "2025-11-30T03:10:44Z");
  int64_t t = 0;
  TB_CHECK(tb_license_time_parse(buf, strlen(buf), &t) && t == 1764472244);
  static const char *const bad[] = {
      "2026-02-30T00:00:00Z",      "2026-01-01T24:00:00Z",
      "2026-01-01T00:60:00Z",      "2026-01-01 00:00:00Z",
      "2026-01-01T00:00:00",       "2026-01-01T00:00:00z",
      "2026-01-01T00:00:00+08:00", "+026-01-01T00:00:00Z"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    TB_CHECKF(!tb_license_time_parse(bad[i], strlen(bad[i]), &t), "%s", bad[i]);
  /* 30 hours and 59 seconds old: past its next update */
  int64_t made = now - 30 * 3600 - 59;
  char *text = signed_list(TB_LICENSE_SIGNER_REVOCATIONS, made, true);
  tb_license_revocations *r = NULL;
  tb_problem p = {0};
  TB_CHECK_INT(load_list(text, &r, &p), TB_LICENSE_OK);
  free(text);
  if (!r)
    return;
  int64_t hours = -1;
  char age[128], want[128], at[21];
  tb_license_time_format(made, at);
  snprintf(want, sizeof want, "revocation list of %.10s %.5s UTC, 30 hours old",
           at, at + 11);
  TB_CHECK(tb_license_revocations_age(r, now, &hours, age, sizeof age));
  TB_CHECK_INT(hours, 30);
  TB_CHECK_STR(age, want);
  /* at its making: fresh; a day later: just not stale; then stale */
  TB_CHECK(!tb_license_revocations_age(r, made, &hours, NULL, 0));
  TB_CHECK_INT(hours, 0);
  TB_CHECK(!tb_license_revocations_age(r, made + 86400, &hours, NULL, 0));
  TB_CHECK_INT(hours, 24);
  TB_CHECK(tb_license_revocations_age(r, made + 86401, &hours, NULL, 0));
  /* a clock behind the list: 0 hours, not negative */
  TB_CHECK(
      !tb_license_revocations_age(r, made - 7200, &hours, age, sizeof age));
  TB_CHECK_INT(hours, 0);
  TB_CHECK(contains(age, ", 0 hours old"));
  tb_license_revocations_free(r);
}

/* The stock command line checks the list's signature with the revocations
 * certificate of the keys folder. */
static void test_revocations_openssl(void) {
  char *text = signed_list(TB_LICENSE_SIGNER_REVOCATIONS, now - 60, true);
  json_t *e = text ? json_loads(text, 0, NULL) : NULL;
  const char *list = json_string_value(json_object_get(e, "list"));
  const char *sig64 = json_string_value(json_object_get(e, "signature"));
  unsigned char sig[200];
  size_t sig_len = 0;
  TB_CHECK(list && sig64 &&
           tb_b64url_decode(sig64, strlen(sig64), sig, sizeof sig, &sig_len));
  if (list && sig_len) {
    write_file(path_in("rl.json"), list, strlen(list));
    write_file(path_in("rl.sig"), sig, sig_len);
    const char *out = path_in("rl.out");
    TB_CHECK_INT(run(out,
                     "openssl x509 -in %s/platform/revocations.1.pem -noout "
                     "-pubkey -out %s",
                     keys_dir, path_in("rl-pub.pem")),
                 0);
    TB_CHECK_INT(run(out,
                     "openssl dgst -sm3 -verify %s -sigopt distid:" ID
                     " -signature %s %s",
                     path_in("rl-pub.pem"), path_in("rl.sig"),
                     path_in("rl.json")),
                 0);
    write_file(path_in("rl.json"), list, strlen(list) - 1);
    TB_CHECK(run(out,
                 "openssl dgst -sm3 -verify %s -sigopt distid:" ID
                 " -signature %s %s",
                 path_in("rl-pub.pem"), path_in("rl.sig"),
                 path_in("rl.json")) != 0);
  }
  json_decref(e);
  free(text);
}

/* `tongban license verify` with a list file; its exit status, stdout in
 * *out (malloc'd) and stderr in *err. */
static int cli_verify(const char *list, char **out, char **err) {
  char errp[600];
  snprintf(errp, sizeof errp, "%s.err", path_in("rv.out"));
  char opt[600] = "";
  if (list)
    snprintf(opt, sizeof opt, "--revocations %s", list);
  int rc = run(path_in("rv.out"), "%s license verify --keys %s %s --file %s",
               tongban_binary, keys_dir, opt, path_in("bl-payload.txt"));
  *out = tb_test_read_file(path_in("rv.out"), NULL);
  *err = tb_test_read_file(errp, NULL);
  return rc;
}

static void write_list(const char *name, tb_license_signer_purpose purpose,
                       int64_t made, bool with_bl) {
  char *text = signed_list(purpose, made, with_bl);
  if (text)
    write_file(path_in(name), text, strlen(text));
  free(text);
}

static void test_revocations_cli(void) {
  if (!tongban_binary) {
    printf("# no tongban binary: skipped\n");
    return;
  }
  tb_license lic = business_license();
  char *payload = sign_payload(&lic, NULL);
  if (!payload)
    return;
  write_file(path_in("bl-payload.txt"), payload, strlen(payload));
  free(payload);
  char *out, *err;
  TB_CHECK_INT(cli_verify(NULL, &out, &err), 4);
  TB_CHECKF(contains(out, "signature valid; revocation not checked\n"), "%s",
            out);
  free(out), free(err);
  write_list("rv-fresh.json", TB_LICENSE_SIGNER_REVOCATIONS, now - 60, true);
  TB_CHECK_INT(cli_verify(path_in("rv-fresh.json"), &out, &err), 3);
  TB_CHECKF(contains(out, "revoked (the signature is valid)\n") &&
                contains(out, "吊销：虚假登记") &&
                contains(out, " UTC, 0 hours old (2 revoked"),
            "%s", out);
  free(out), free(err);
  write_list("rv-other.json", TB_LICENSE_SIGNER_REVOCATIONS, now - 60, false);
  TB_CHECK_INT(cli_verify(path_in("rv-other.json"), &out, &err), 0);
  TB_CHECKF(contains(out, "valid; not revoked\n"), "%s", out);
  free(out), free(err);
  write_list("rv-old.json", TB_LICENSE_SIGNER_REVOCATIONS, now - 50 * 3600 - 30,
             true);
  TB_CHECK_INT(cli_verify(path_in("rv-old.json"), &out, &err), 3);
  TB_CHECKF(contains(out, " UTC, 50 hours old"), "%s", out);
  TB_CHECKF(contains(err, "warning: the revocation list is past its next "
                          "update"),
            "%s", err);
  free(out), free(err);
  write_list("rv-audit.json", TB_LICENSE_SIGNER_AUDIT, now - 60, true);
  TB_CHECK_INT(cli_verify(path_in("rv-audit.json"), &out, &err), 2);
  TB_CHECKF(contains(err, "refused") && contains(err, "no revocations key"),
            "%s", err);
  free(out), free(err);
  char *good = tb_test_read_file(path_in("rv-fresh.json"), NULL);
  char *bad = good ? replaced(good, "虚假登记", "登记有误") : NULL;
  if (bad)
    write_file(path_in("rv-bad.json"), bad, strlen(bad));
  free(good), free(bad);
  TB_CHECK_INT(cli_verify(path_in("rv-bad.json"), &out, &err), 2);
  TB_CHECKF(contains(err, "signature does not match"), "%s", err);
  free(out), free(err);
  /* the usage names every exit status */
  TB_CHECK_INT(run(path_in("usage.out"), "%s license verify", tongban_binary),
               2);
  char usage_err[600];
  snprintf(usage_err, sizeof usage_err, "%s.err", path_in("usage.out"));
  char *u = tb_test_read_file(usage_err, NULL);
  TB_CHECKF(contains(u, "3  revoked") &&
                contains(u, "4  signature valid; revocation not checked"),
            "%s", u);
  free(u);
  /* --help: the same on standard output, exit 0 */
  TB_CHECK_INT(
      run(path_in("help.out"), "%s license verify --help", tongban_binary), 0);
  u = tb_test_read_file(path_in("help.out"), NULL);
  TB_CHECKF(contains(u, "exit status:") && contains(u, "0  valid and not "
                                                       "revoked"),
            "%s", u);
  free(u);
}

/* ------------------------------------------------------------------------ */

static void setup(void) {
  snprintf(tmp, sizeof tmp, "%s/tb-licenses-XXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(tmp)) {
    perror("mkdtemp");
    exit(1);
  }
  snprintf(keys_dir, sizeof keys_dir, "%s/keys", tmp);
  now = (int64_t)time(NULL);
  today = tb_license_day_of(now);
  char ymd[11];
  tb_date_format(today, ymd);
  tb_problem p = {0};
  tb_id_make_license_id("11100000MB0143028R001", "11330100MA27K0006Q",
                        202611210001ULL, 1, bl_id, &p);
  tb_id_make_app_number("330100", today, 17, bl_app);
  /* Keys made three years ago, so that licenses issued in the past verify
   * and the stock openssl (which uses the real clock) accepts them. */
  tb_license_key_options opt = {.now = now - 3 * 365 * 86400LL};
  tb_license_init_report rep;
  if (tb_license_init_keys(keys_dir, &bureaus, &opt, &rep, &p) !=
          TB_LICENSE_OK ||
      !rep.root_created || rep.issuing_created != 3) {
    printf("Bail out! keys init: %s\n", p.detail);
    exit(1);
  }
  char *pem;
  size_t len;
  if (tb_license_open_keys(keys_dir, NULL, &keys, &p) != TB_LICENSE_OK ||
      tb_license_read_trust_list(keys_dir, &pem, &len, &p) != TB_LICENSE_OK ||
      tb_license_load_trust(pem, len, &trust, &p) != TB_LICENSE_OK) {
    printf("Bail out! keys: %s\n", p.detail);
    exit(1);
  }
  write_file(path_in("trust.pem"), pem, len);
  free(pem);
}

static void teardown(void) {
  tb_license_close_keys(keys);
  tb_license_free_trust(trust);
  if (!getenv("TB_KEEP_TMP")) {
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
      printf("# could not remove %s\n", tmp);
  } else {
    printf("# kept %s\n", tmp);
  }
}

int main(int argc, char **argv) {
  tb_log_stderr_install(); /* OpenSSL's errors, on the test's stderr */
  tongban_binary = argc > 1 && access(argv[1], X_OK) == 0 ? argv[1] : NULL;
  if (!tongban_binary)
    printf("# no tongban binary given: the CLI check is skipped\n");
  setup();
  TB_RUN(test_canonical_golden);
  TB_RUN(test_canonical_key_order);
  TB_RUN(test_canonical_escapes);
  TB_RUN(test_license_check);
  TB_RUN(test_base45);
  TB_RUN(test_keys_files);
  TB_RUN(test_keys_idempotent);
  TB_RUN(test_openssl_verify_chain);
  TB_RUN(test_key_id_is_ski);
  TB_RUN(test_openssl_dgst_verify);
  TB_RUN(test_roundtrip);
  TB_RUN(test_qr_version);
  TB_RUN(test_zbar_decodes_png);
  TB_RUN(test_tamper_data_byte);
  TB_RUN(test_tamper_swapped_signature);
  TB_RUN(test_tamper_other_bureau_key);
  TB_RUN(test_tamper_unknown_key);
  TB_RUN(test_expired_and_not_yet_valid);
  TB_RUN(test_revoked);
  TB_RUN(test_truncated_every_length);
  TB_RUN(test_every_character_changed);
  TB_RUN(test_malformed_inputs);
  TB_RUN(test_authority_extension_openssl);
  TB_RUN(test_sign_refused_without_authority);
  TB_RUN(test_verify_issuer_not_authorized);
  TB_RUN(test_authority_rotation);
  TB_RUN(test_rotation);
  TB_RUN(test_passphrase);
  TB_RUN(test_offline_root);
  TB_RUN(test_encrypt_in_place);
  TB_RUN(test_url_qr);
  TB_RUN(test_license_svg);
  TB_RUN(test_platform_signer_files);
  TB_RUN(test_platform_sign_and_check);
  TB_RUN(test_revocations_roundtrip);
  TB_RUN(test_revocations_sign_refuses);
  TB_RUN(test_revocations_tampered);
  TB_RUN(test_revocations_bureau_key);
  TB_RUN(test_revocations_malformed);
  TB_RUN(test_revocations_age);
  TB_RUN(test_revocations_openssl);
  TB_RUN(test_revocations_cli);
  teardown();
  return tb_test_done();
}
