/*
 * tb_license_payload.c — signing a license and its QR payload, format 1:
 *
 *   "TB1:" base45( key id[20] ‖ r[32] ‖ s[32] ‖ deflate(canonical JSON) )
 *
 * base45 is RFC 9285: its 45 characters are exactly the QR alphanumeric
 * set, which packs 2 bytes into 16.5 bits instead of 21.3 for base64 in
 * byte mode. deflate is raw (RFC 1951) with a preset dictionary of the
 * words licenses repeat — the JSON skeleton, the shipped workflows' labels,
 * common Chinese terms — so the shipped licenses fit QR codes of version
 * 12 to 15 at level M (deflate alone: 18 to 24; plain base45: 22 to 30).
 * The dictionary is part of format 1 and must never change: a new
 * dictionary needs a new prefix.
 */
#include "tb_license_int.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define KEY_ID_BYTES 20
#define SIG_HALF 32
#define HEADER_BYTES (KEY_ID_BYTES + 2 * SIG_HALF)
#define PREFIX_LEN (sizeof TB_LICENSE_PAYLOAD_PREFIX - 1)

static const char base45_alphabet[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/* The preset dictionary of format 1. deflate finds matches closer to the
 * end more cheaply, so the most common text comes last. FROZEN. */
static const char dictionary_v1[] =
    /* general vocabulary of licenses and addresses */
    "药品经营许可证公共场所卫生许可证排污许可证建设工程规划许可证道路运输经营"
    "许可证医疗机构执业许可证生态环境局交通运输局消防救援支队文化广电旅游局应急"
    "管理局行政审批局人民政府许可范围日常监督管理机构投诉举报电话技术开发技术咨"
    "询技术服务技术转让信息系统集成企业管理咨询市场营销策划会议及展览服务广告设"
    "计代理广告制作办公用品销售电子产品销售计算机软硬件及辅助设备零售货物进出口"
    "技术进出口除依法须经批准的项目外，凭营业执照依法自主开展经营活动许可项目："
    "一般项目：依法须经批准的项目，经相关部门批准后方可开展经营活动，具体经营项"
    "目以相关部门批准文件或许可证件为准（分支机构）（自然人投资或控股）（自然人"
    "独资）个体工商户浙江省杭州市西湖区上城区拱墅区滨江区余杭区萧山区钱塘区临平"
    "区北京市上海市广东省深圳市江苏省南京市街道社区大道路号楼层室幢单元栋座园区"
    "科技园大厦中心广场科技有限公司信息技术有限公司贸易有限公司餐饮管理有限公司"
    "张王李刘陈杨赵黄周吴徐孙胡朱高林何郭马罗伟芳娜敏静丽强磊军洋勇艳杰男女"
    "人民币万元零年月日长期至"
    /* the shipped workflows: bureaus, licenses, items and choices */
    "政务服务中心公安局税务局人力资源和社会保障局住房公积金管理中心住房和城乡建"
    "设"
    "局卫生健康委员会医疗保障局自然资源和规划局人民防空办公室出生医学证明居民户"
    "口"
    "簿城乡居民基本医疗保险参保凭证社会保障卡建筑工程施工许可证特殊建设工程消防"
    "设计审查意见书新生儿姓名性别出生日期出生地点（医疗机构）出生体重（克）母亲"
    "姓"
    "名父亲姓名申报户口登记地址工程名称项目代码建设单位名称施工总承包单位名称监"
    "理"
    "单位名称建设地址总建筑面积（平方米）合同价格（元）计划开工日期计划竣工日期"
    "经"
    "营者名称统一社会信用代码法定代表人（负责人）经营场所主体业态食品销售经营者"
    "餐"
    "饮服务经营者单位食堂经营项目预包装食品销售散装食品销售保健食品销售热食类食"
    "品"
    "制售冷食类食品制售糕点类食品制售自制饮品制售食品经营许可证股份有限公司个人"
    "独"
    "资企业合伙企业软件开发、信息咨询服务、日用百货零售、批发贸易、制造加工、食"
    "品"
    "经营（含餐饮服务）"
    /* the JSON skeleton of a business license, most common last */
    "{\"application\":\"33010020\",\"data\":[[\"企业名称\",\"有限公司\"],"
    "[\"企业类型\",\"有限责任公司\"],[\"注册资本（元）\",\"0000.00\"],"
    "[\"法定代表人姓名\",\"\"],[\"住所\",\"\"],[\"经营范围\",\"\"],"
    "[\"成立日期\",\"20\"],[\"营业期限\",\"长期\"]],\"holder\":{\"name\":"
    "\"有限公司\",\"number\":\"91330\"},\"id\":\"1.2.156.3005.2.11100000MB"
    "0143028R001.11330100\",\"issued\":\"20\",\"issuer\":{\"code\":\"SCJG\","
    "\"credit_code\":\"11330100\",\"name\":\"市场监督管理局\"},\"type\":{"
    "\"code\":\"11100000MB0143028R001\",\"name\":\"营业执照\"},"
    "\"valid_from\":\"20\",\"valid_until\":\"long-term\"}";

/* ------------------------------------------------------------------------
 * base45 (RFC 9285)
 * ---------------------------------------------------------------------- */

void tb_license_base45_encode(const unsigned char *in, size_t len, tb_buf *b) {
  size_t i = 0;
  for (; i + 1 < len; i += 2) {
    unsigned n = (unsigned)in[i] * 256u + in[i + 1];
    char out[3] = {base45_alphabet[n % 45], base45_alphabet[(n / 45) % 45],
                   base45_alphabet[n / 2025]};
    tb_buf_add(b, out, 3);
  }
  if (i < len) {
    char out[2] = {base45_alphabet[in[i] % 45], base45_alphabet[in[i] / 45]};
    tb_buf_add(b, out, 2);
  }
}

static int base45_value(char c) {
  const char *at = c ? memchr(base45_alphabet, c, 45) : NULL;
  return at ? (int)(at - base45_alphabet) : -1;
}

/* Strict decoding: every character in the alphabet, no value out of
 * range, no dangling single character. out needs len * 2 / 3 bytes. */
bool tb_license_base45_decode(const char *in, size_t len, unsigned char *out,
                              size_t *out_len) {
  size_t o = 0;
  for (size_t i = 0; i < len;) {
    size_t group = len - i >= 3 ? 3 : len - i;
    if (group == 1)
      return false;
    unsigned n = 0, weight = 1;
    for (size_t k = 0; k < group; k++) {
      int v = base45_value(in[i + k]);
      if (v < 0)
        return false;
      n += (unsigned)v * weight;
      weight *= 45;
    }
    if (group == 3) {
      if (n > 0xFFFF)
        return false;
      out[o++] = (unsigned char)(n >> 8);
      out[o++] = (unsigned char)(n & 0xFF);
    } else {
      if (n > 0xFF)
        return false;
      out[o++] = (unsigned char)n;
    }
    i += group;
  }
  *out_len = o;
  return true;
}

/* ------------------------------------------------------------------------
 * deflate with the format's dictionary
 * ---------------------------------------------------------------------- */

static bool compress_json(const char *json, size_t len, tb_buf *b) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 9,
                   Z_DEFAULT_STRATEGY) != Z_OK)
    return false;
  bool ok = deflateSetDictionary(&z, (const Bytef *)dictionary_v1,
                                 sizeof dictionary_v1 - 1) == Z_OK;
  uLong bound = deflateBound(&z, (uLong)len);
  unsigned char *out = tb_xmalloc(bound);
  z.next_in = (Bytef *)(uintptr_t)json;
  z.avail_in = (uInt)len;
  z.next_out = out;
  z.avail_out = (uInt)bound;
  ok = ok && deflate(&z, Z_FINISH) == Z_STREAM_END;
  if (ok)
    ok = tb_buf_add(b, out, z.total_out);
  deflateEnd(&z);
  free(out);
  return ok;
}

/* Inflate at most TB_LICENSE_MAX_JSON bytes; the stream must end exactly
 * at the end of the input. */
static char *inflate_json(const unsigned char *in, size_t len,
                          size_t *out_len) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, -15) != Z_OK)
    return NULL;
  char *out = tb_xmalloc(TB_LICENSE_MAX_JSON + 1);
  bool ok = inflateSetDictionary(&z, (const Bytef *)dictionary_v1,
                                 sizeof dictionary_v1 - 1) == Z_OK;
  z.next_in = (Bytef *)(uintptr_t)in;
  z.avail_in = (uInt)len;
  z.next_out = (Bytef *)out;
  z.avail_out = TB_LICENSE_MAX_JSON;
  ok = ok && inflate(&z, Z_FINISH) == Z_STREAM_END && z.avail_in == 0;
  /* The bits after the final block must be zero: a payload has one
   * spelling, so changing any character of it is noticed. */
  unsigned unused = (unsigned)z.data_type & 7u;
  if (ok && unused && (in[len - 1] >> (8 - unused)) != 0)
    ok = false;
  *out_len = z.total_out;
  inflateEnd(&z);
  if (!ok) {
    free(out);
    return NULL;
  }
  out[*out_len] = '\0';
  return out;
}

/* ------------------------------------------------------------------------
 * Signatures: DER <-> r ‖ s
 * ---------------------------------------------------------------------- */

static bool der_to_raw(const unsigned char *der, size_t len,
                       unsigned char raw[2 * SIG_HALF]) {
  const unsigned char *q = der;
  ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &q, (long)len);
  bool ok = sig && q == der + len;
  if (ok) {
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(sig, &r, &s);
    ok = BN_bn2binpad(r, raw, SIG_HALF) == SIG_HALF &&
         BN_bn2binpad(s, raw + SIG_HALF, SIG_HALF) == SIG_HALF;
  }
  ECDSA_SIG_free(sig);
  return ok;
}

static bool raw_to_der(const unsigned char raw[2 * SIG_HALF],
                       unsigned char **der, size_t *len) {
  ECDSA_SIG *sig = ECDSA_SIG_new();
  BIGNUM *r = BN_bin2bn(raw, SIG_HALF, NULL);
  BIGNUM *s = BN_bin2bn(raw + SIG_HALF, SIG_HALF, NULL);
  *der = NULL;
  if (!sig || !r || !s || !ECDSA_SIG_set0(sig, r, s)) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return false;
  }
  unsigned char *out = NULL;
  int n = i2d_ECDSA_SIG(sig, &out);
  ECDSA_SIG_free(sig);
  if (n <= 0)
    return false;
  *der = tb_xmalloc((size_t)n);
  memcpy(*der, out, (size_t)n);
  OPENSSL_free(out);
  *len = (size_t)n;
  return true;
}

/* ------------------------------------------------------------------------
 * Signing
 * ---------------------------------------------------------------------- */

void tb_license_free_signed(tb_license_signed *s) {
  if (!s)
    return;
  free(s->json);
  free(s->signature);
  memset(s, 0, sizeof *s);
}

/* The certificate must name the license's issuer, may sign its type and
 * is valid now. */
static tb_license_status check_signer(X509 *cert, const tb_license *lic,
                                      int64_t now, tb_problem *p) {
  char code[64], name[512], credit[64];
  if (!tb_license_cert_bureau(cert, code, sizeof code, name, sizeof name,
                              credit, sizeof credit) ||
      strcmp(code, lic->issuer_code) != 0 ||
      strcmp(name, lic->issuer_name) != 0 ||
      strcmp(credit, lic->issuer_credit_code) != 0) {
    tb_problem_set(p, TB_ERR_INVALID, "issuer",
                   "the issuing certificate of bureau %s names another "
                   "bureau: rotate its key",
                   lic->issuer_code);
    return TB_LICENSE_ERR_INVALID;
  }
  if (!tb_license_cert_authorizes(cert, lic->type_code)) {
    tb_problem_set(p, TB_ERR_INVALID, "type.code",
                   "bureau %s may not issue license type %s: grant it in "
                   "bureaus.xml and run 'tongban keys init'",
                   lic->issuer_code, lic->type_code);
    return TB_LICENSE_ERR_NOT_AUTHORIZED;
  }
  time_t t = (time_t)now;
  if (X509_cmp_time(X509_get0_notBefore(cert), &t) >= 0 ||
      X509_cmp_time(X509_get0_notAfter(cert), &t) <= 0) {
    tb_problem_set(p, TB_ERR_INVALID, "issuer",
                   "the issuing certificate of bureau %s is not valid now: "
                   "rotate its key",
                   lic->issuer_code);
    return TB_LICENSE_ERR_INVALID;
  }
  return TB_LICENSE_OK;
}

tb_license_status tb_license_sign(const tb_license_keys *keys,
                                  const tb_license *lic, int64_t now,
                                  tb_license_signed *out, tb_problem *p) {
  memset(out, 0, sizeof *out);
  tb_license_status st = tb_license_check(lic, p);
  if (st != TB_LICENSE_OK)
    return st;
  EVP_PKEY *key;
  X509 *cert;
  if (!tb_license_keys_find(keys, lic->issuer_code, &key, &cert)) {
    tb_problem_set(p, TB_ERR_INVALID, "issuer.code",
                   "there is no key for bureau %s: run 'tongban keys init'",
                   lic->issuer_code);
    return TB_LICENSE_ERR_NOT_FOUND;
  }
  st = check_signer(cert, lic, tb_license_now(now), p);
  if (st == TB_LICENSE_OK)
    st = tb_license_canonical(lic, &out->json, &out->json_len, p);
  if (st == TB_LICENSE_OK) {
    st = tb_license_sm2_sign(key, out->json, out->json_len, &out->signature,
                             &out->signature_len);
    if (st != TB_LICENSE_OK)
      tb_problem_set(p, TB_ERR_INVALID, NULL, "cannot sign the license");
  }
  if (st == TB_LICENSE_OK && !tb_license_key_id_hex(cert, out->key_id)) {
    tb_problem_set(p, TB_ERR_INVALID, NULL, "cannot compute the key id");
    st = TB_LICENSE_ERR_CRYPTO;
  }
  if (st != TB_LICENSE_OK)
    tb_license_free_signed(out);
  return st;
}

/* ------------------------------------------------------------------------
 * The payload
 * ---------------------------------------------------------------------- */

static tb_license_status payload_problem(tb_problem *p, const char *what) {
  tb_problem_set(p, TB_ERR_INVALID, "payload", "%s", what);
  return TB_LICENSE_ERR_INVALID;
}

tb_license_status tb_license_encode_payload(const tb_license_signed *s,
                                            char **out, size_t *len,
                                            tb_problem *p) {
  *out = NULL;
  *len = 0;
  unsigned char header[HEADER_BYTES];
  if (!s || !s->json ||
      !tb_hex_decode(s->key_id, strnlen(s->key_id, sizeof s->key_id), header,
                     KEY_ID_BYTES))
    return payload_problem(p, "the signed license has no valid key id");
  if (!s->signature ||
      !der_to_raw(s->signature, s->signature_len, header + KEY_ID_BYTES))
    return payload_problem(p, "the signed license has no valid signature");
  tb_buf bin;
  tb_buf_init(&bin, TB_LICENSE_MAX_PAYLOAD);
  tb_buf_add(&bin, header, sizeof header);
  bool ok = compress_json(s->json, s->json_len, &bin);
  tb_buf text;
  tb_buf_init(&text, TB_LICENSE_MAX_PAYLOAD);
  tb_buf_adds(&text, TB_LICENSE_PAYLOAD_PREFIX);
  if (ok)
    tb_license_base45_encode((const unsigned char *)bin.data, bin.len, &text);
  tb_buf_free(&bin);
  *out = ok ? tb_buf_take(&text, len) : NULL;
  tb_buf_free(&text);
  if (!*out) {
    tb_problem_set(p, TB_ERR_LIMIT, "payload",
                   "the license is too large for a qr payload");
    return TB_LICENSE_ERR_LIMIT;
  }
  return TB_LICENSE_OK;
}

tb_license_status tb_license_decode_payload(const char *payload, size_t len,
                                            tb_license_signed *out,
                                            tb_problem *p) {
  memset(out, 0, sizeof *out);
  if (!payload || len > TB_LICENSE_MAX_PAYLOAD)
    return payload_problem(p, "the payload is too long");
  if (len < PREFIX_LEN ||
      memcmp(payload, TB_LICENSE_PAYLOAD_PREFIX, PREFIX_LEN) != 0)
    return payload_problem(p, "the payload does not start with "
                              "'" TB_LICENSE_PAYLOAD_PREFIX "'");
  unsigned char *bin = tb_xmalloc(len);
  size_t bin_len = 0;
  tb_license_status st = TB_LICENSE_OK;
  if (!tb_license_base45_decode(payload + PREFIX_LEN, len - PREFIX_LEN, bin,
                                &bin_len))
    st = payload_problem(p, "the payload is not valid base45");
  else if (bin_len <= HEADER_BYTES)
    st = payload_problem(p, "the payload is too short");
  if (st == TB_LICENSE_OK) {
    out->json = inflate_json(bin + HEADER_BYTES, bin_len - HEADER_BYTES,
                             &out->json_len);
    if (!out->json)
      st = payload_problem(p, "the payload's license cannot be inflated");
  }
  if (st == TB_LICENSE_OK &&
      !raw_to_der(bin + KEY_ID_BYTES, &out->signature, &out->signature_len))
    st = payload_problem(p, "the payload's signature is malformed");
  if (st == TB_LICENSE_OK)
    tb_hex_encode(bin, KEY_ID_BYTES, out->key_id);
  free(bin);
  if (st != TB_LICENSE_OK)
    tb_license_free_signed(out);
  return st;
}
