/*
 * test_util.c — the utility layer (engine/tb_util.h): UTF-8 at every
 * boundary and on every kind of invalid sequence (overlongs, surrogates,
 * above U+10FFFF, truncated), hex, base64url on RFC 4648's vectors and
 * strict decoding, the bounded buffer's maximum, and RFC 8785 canonical
 * JSON on the examples of the RFC and its reference test data
 * (github.com/cyberphone/json-canonicalization, testdata/), ECMAScript
 * number text (values of RFC 8785 Appendix B, checked against Node.js's
 * Number.prototype.toString) and every refusal.
 */
#include "tb_engine.h"
#include "tb_test.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * UTF-8
 * ---------------------------------------------------------------------- */

static size_t decode(const char *s, uint32_t *cp) {
  return tb_utf8_decode(s, strlen(s), cp);
}

static void utf8_boundaries(void) {
  static const struct {
    const char *s;
    size_t n;
    uint32_t cp;
  } ok[] = {
      {"A", 1, 0x41},
      {"\x7F", 1, 0x7F},
      {"\xC2\x80", 2, 0x80},
      {"\xDF\xBF", 2, 0x7FF},
      {"\xE0\xA0\x80", 3, 0x800},
      {"\xE4\xBD\xA0", 3, 0x4F60}, /* 你 */
      {"\xED\x9F\xBF", 3, 0xD7FF},
      {"\xEE\x80\x80", 3, 0xE000},
      {"\xEF\xBF\xBF", 3, 0xFFFF},
      {"\xF0\x90\x80\x80", 4, 0x10000},
      {"\xF0\x9F\x98\x82", 4, 0x1F602},
      {"\xF4\x8F\xBF\xBF", 4, 0x10FFFF},
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    uint32_t cp = 0;
    TB_CHECK_INT(decode(ok[i].s, &cp), ok[i].n);
    TB_CHECK_INT(cp, ok[i].cp);
    TB_CHECK(tb_utf8_valid(ok[i].s, strlen(ok[i].s), NULL));
  }
  uint32_t nul = 7;
  TB_CHECK_INT(tb_utf8_decode("\0", 1, &nul), 1);
  TB_CHECK_INT(nul, 0);
  TB_CHECK_INT(tb_utf8_decode("", 0, NULL), 0);
}

static void utf8_invalid(void) {
  static const char *const bad[] = {
      "\xC0\x80",         /* overlong NUL */
      "\xC1\xBF",         /* overlong U+007F */
      "\xE0\x80\x80",     /* overlong, three bytes */
      "\xE0\x9F\xBF",     /* overlong U+07FF */
      "\xF0\x80\x80\x80", /* overlong, four bytes */
      "\xF0\x8F\xBF\xBF", /* overlong U+FFFF */
      "\xED\xA0\x80",     /* U+D800, a surrogate */
      "\xED\xBF\xBF",     /* U+DFFF */
      "\xF4\x90\x80\x80", /* U+110000 */
      "\xF5\x80\x80\x80",
      "\xFF",
      "\xFE",
      "\x80", /* a lone continuation */
      "\xBF",
      "\xE4\xBD",     /* truncated */
      "\xF0\x90\x80", /* truncated */
      "\xC2",         /* truncated */
      "\xE4\x41\xA0", /* a non-continuation inside */
      "\xC2\xC2\x80",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint32_t cp = 0x55;
    size_t at = 99;
    TB_CHECKF(decode(bad[i], &cp) == 0, "case %zu", i);
    TB_CHECK_INT(cp, 0x55);
    TB_CHECKF(!tb_utf8_valid(bad[i], strlen(bad[i]), &at), "case %zu", i);
    TB_CHECK_INT(at, 0);
    size_t count = 42;
    TB_CHECK(!tb_utf8_count(bad[i], strlen(bad[i]), &count));
    TB_CHECK_INT(count, 42);
  }
  /* the offset of the first bad byte */
  const char *s = "ab\xE4\xBD\xA0"
                  "c\xED\xA0\x80"
                  "d";
  size_t at = 0;
  TB_CHECK(!tb_utf8_valid(s, strlen(s), &at));
  TB_CHECK_INT(at, 6);
  /* a length that cuts a sequence */
  TB_CHECK(!tb_utf8_valid("\xE4\xBD\xA0", 2, &at));
  TB_CHECK_INT(tb_utf8_decode("\xE4\xBD\xA0", 2, NULL), 0);
}

static void utf8_count_cut_scrub(void) {
  size_t n = 0;
  TB_CHECK(tb_utf8_count("", 0, &n));
  TB_CHECK_INT(n, 0);
  const char *s = "张三a\xF0\x9F\x98\x82"; /* 3 + 3 + 1 + 4 bytes */
  TB_CHECK(tb_utf8_count(s, strlen(s), &n));
  TB_CHECK_INT(n, 4);
  TB_CHECK_INT(tb_utf8_cut(s, strlen(s), 100), 11);
  TB_CHECK_INT(tb_utf8_cut(s, strlen(s), 11), 11);
  TB_CHECK_INT(tb_utf8_cut(s, strlen(s), 10), 7);
  TB_CHECK_INT(tb_utf8_cut(s, strlen(s), 5), 3);
  TB_CHECK_INT(tb_utf8_cut(s, strlen(s), 2), 0);
  TB_CHECK_INT(tb_utf8_cut("\x80\x80"
                           "abc",
                           5, 3),
               3);
  char dirty[] = "a\xC0\x80"
                 "b\xE4\xBD"
                 "\xED\xA0\x80你";
  tb_utf8_scrub(dirty, strlen(dirty));
  TB_CHECK_STR(dirty, "a??b?????你");
  TB_CHECK(tb_utf8_valid(dirty, strlen(dirty), NULL));
  /* blank: white space a Chinese input method types counts too */
  TB_CHECK(tb_utf8_blank("", 0));
  TB_CHECK(tb_utf8_blank(" \t\r\n", 4));
  TB_CHECK(tb_utf8_blank("\xE3\x80\x80 \xC2\xA0", 6));
  TB_CHECK(!tb_utf8_blank(" 理由 ", strlen(" 理由 ")));
  TB_CHECK(!tb_utf8_blank(" \xFF", 2));
}

/* ------------------------------------------------------------------------
 * Hex and base64url
 * ---------------------------------------------------------------------- */

static void hex(void) {
  const unsigned char raw[] = {0x00, 0x01, 0x7F, 0x80, 0xAB, 0xFF};
  char text[13];
  tb_hex_encode(raw, sizeof raw, text);
  TB_CHECK_STR(text, "00017f80abff");
  unsigned char back[6];
  TB_CHECK(tb_hex_decode("00017f80abff", 12, back, 6));
  TB_CHECK(memcmp(back, raw, 6) == 0);
  TB_CHECK(tb_hex_decode("00017F80ABFF", 12, back, 6));
  TB_CHECK(memcmp(back, raw, 6) == 0);
  TB_CHECK(!tb_hex_decode("00017f80abf", 11, back, 6));    /* short */
  TB_CHECK(!tb_hex_decode("00017f80abff00", 14, back, 6)); /* long */
  TB_CHECK(!tb_hex_decode("00017g80abff", 12, back, 6));
  TB_CHECK(!tb_hex_decode(" 0017f80abff", 12, back, 6));
  TB_CHECK(tb_hex_decode("", 0, back, 0));
  tb_hex_encode(raw, 0, text);
  TB_CHECK_STR(text, "");
}

static void b64url_vectors(void) {
  static const char *const plain[] = {"",     "f",     "fo",    "foo",
                                      "foob", "fooba", "foobar"};
  static const char *const coded[] = {"",       "Zg",      "Zm8",     "Zm9v",
                                      "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
  for (size_t i = 0; i < 7; i++) {
    char out[16];
    size_t n = strlen(plain[i]);
    TB_CHECK_INT(tb_b64url_encode(plain[i], n, out), TB_B64URL_LEN(n));
    TB_CHECK_STR(out, coded[i]);
    unsigned char back[8];
    size_t len = 99;
    TB_CHECK(
        tb_b64url_decode(coded[i], strlen(coded[i]), back, sizeof back, &len));
    TB_CHECK_INT(len, n);
    TB_CHECK(memcmp(back, plain[i], n) == 0);
  }
  const unsigned char url[] = {0xFB, 0xFF, 0xBF};
  char out[8];
  tb_b64url_encode(url, 3, out);
  TB_CHECK_STR(out, "-_-_");
  TB_CHECK_INT(TB_B64URL_LEN(32), 43);
}

static void b64url_strict(void) {
  unsigned char out[16];
  size_t n;
  TB_CHECK(!tb_b64url_decode("Zh", 2, out, sizeof out, &n));   /* low bits */
  TB_CHECK(!tb_b64url_decode("Zm9", 3, out, sizeof out, &n));  /* low bits */
  TB_CHECK(!tb_b64url_decode("Zg==", 4, out, sizeof out, &n)); /* padding */
  TB_CHECK(!tb_b64url_decode("Z", 1, out, sizeof out, &n));    /* 6 bits */
  TB_CHECK(!tb_b64url_decode("Zm9vY", 5, out, sizeof out, &n));
  TB_CHECK(!tb_b64url_decode("+/8A", 4, out, sizeof out, &n)); /* base64 */
  TB_CHECK(!tb_b64url_decode("Zm 9", 4, out, sizeof out, &n));
  TB_CHECK(!tb_b64url_decode("Zm9vYmFy", 8, out, 5, &n)); /* cap */
  TB_CHECK(tb_b64url_decode("Zm9vYmFy", 8, out, 6, &n));
  TB_CHECK_INT(n, 6);
}

/* ------------------------------------------------------------------------
 * The bounded buffer
 * ---------------------------------------------------------------------- */

static void buf_maximum(void) {
  tb_buf b;
  tb_buf_init(&b, 10);
  TB_CHECK_STR(tb_buf_str(&b), "");
  TB_CHECK(tb_buf_add(&b, "12345678", 8));
  TB_CHECK(tb_buf_adds(&b, "9"));
  TB_CHECK(!tb_buf_add(&b, "ab", 2)); /* 11 > 10 */
  TB_CHECK(b.overflow);
  TB_CHECK_INT(b.len, 9);
  TB_CHECK_STR(tb_buf_str(&b), "123456789");
  TB_CHECK(!tb_buf_add(&b, "x", 1)); /* it would fit, but the buffer is done */
  TB_CHECK(!tb_buf_add(&b, "", 0));
  TB_CHECK(!tb_buf_addf(&b, "%d", 1));
  TB_CHECK_INT(b.len, 9);
  TB_CHECK(b.cap <= 11);
  size_t len = 5;
  TB_CHECK(tb_buf_take(&b, &len) == NULL);
  TB_CHECK(b.data == NULL && b.len == 0 && !b.overflow);
  TB_CHECK(tb_buf_add(&b, "0123456789", 10)); /* exactly the maximum */
  TB_CHECK(!tb_buf_add(&b, "", 1));
  tb_buf_reset(&b);
  TB_CHECK(!b.overflow && b.len == 0);
  TB_CHECK(tb_buf_addf(&b, "%s-%d", "ab", 42));
  TB_CHECK_STR(tb_buf_str(&b), "ab-42");
  TB_CHECK(!tb_buf_addf(&b, "%s", "123456")); /* 11 */
  TB_CHECK_STR(tb_buf_str(&b), "ab-42");
  tb_buf_free(&b);
  TB_CHECK_INT(b.max, 10);

  tb_buf z;
  tb_buf_init(&z, 0);
  TB_CHECK(tb_buf_add(&z, "", 0));
  TB_CHECK(!tb_buf_add(&z, "a", 1));
  tb_buf_free(&z);
}

static void buf_growth(void) {
  tb_buf b;
  tb_buf_init(&b, 100000);
  for (int i = 0; i < 1000; i++)
    TB_CHECK(tb_buf_addf(&b, "%04d,", i));
  TB_CHECK_INT(b.len, 5000);
  TB_CHECK(strncmp(tb_buf_str(&b) + 4995, "0999,", 5) == 0);
  char big[3000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  TB_CHECK(tb_buf_addf(&b, "[%s]", big)); /* longer than the free room */
  TB_CHECK_INT(b.len, 5000 + 3001);
  size_t len = 0;
  char *s = tb_buf_take(&b, &len);
  TB_CHECK(s && len == 8001 && s[8000] == ']' && s[8001] == '\0');
  free(s);
  TB_CHECK(b.data == NULL);
  char *empty = tb_buf_take(&b, &len);
  TB_CHECK(empty && len == 0 && empty[0] == '\0');
  free(empty);
}

/* ------------------------------------------------------------------------
 * Canonical JSON
 * ---------------------------------------------------------------------- */

static char *canon(const char *text, tb_json_status *st) {
  tb_buf b;
  tb_buf_init(&b, 1 << 20);
  *st = tb_json_canonical(text, strlen(text), &b);
  return tb_buf_take(&b, NULL);
}

/* The canonical form of in is want, and canonical again. */
static void check_canon(const char *in, const char *want) {
  tb_json_status st;
  char *got = canon(in, &st);
  TB_CHECKF(st == TB_JSON_OK, "%s: %s", in, tb_json_status_name(st));
  TB_CHECKF(got && strcmp(got, want) == 0, "%s: got %s, want %s", in, got,
            want);
  char *again = canon(got ? got : "", &st);
  TB_CHECKF(again && strcmp(again, want) == 0, "not idempotent: %s", want);
  free(again);
  free(got);
}

static void check_refused(const char *in, size_t len, tb_json_status want) {
  tb_buf b;
  tb_buf_init(&b, 1 << 20);
  tb_buf_adds(&b, "kept");
  tb_json_status st = tb_json_canonical(in, len, &b);
  TB_CHECKF(st == want, "%.*s: %s, want %s", (int)len, in,
            tb_json_status_name(st), tb_json_status_name(want));
  TB_CHECK_STR(tb_buf_str(&b), "kept");
  tb_buf_free(&b);
}

/* The six files of the reference test data (input → output). */
static void jcs_reference_data(void) {
  check_canon("[\n  56,\n  {\n    \"d\": true,\n    \"10\": null,\n    \"1\": "
              "[ ]\n  }\n]\n",
              "[56,{\"1\":[],\"10\":null,\"d\":true}]");
  check_canon("{\n  \"peach\": \"This sorting order\",\n  \"p\xC3\xA9"
              "ch"
              "\xC3\xA9\": \"is wrong according to French\",\n  \"p\xC3\xAA"
              "che\": \"but canonicalization MUST\",\n  \"sin\":   \"ignore "
              "locale\"\n}\n",
              "{\"peach\":\"This sorting order\",\"p\xC3\xA9"
              "ch\xC3\xA9\":"
              "\"is wrong according to French\",\"p\xC3\xAA"
              "che\":\"but "
              "canonicalization MUST\",\"sin\":\"ignore locale\"}");
  check_canon("{\n  \"1\": {\"f\": {\"f\": \"hi\",\"F\": 5} ,\"\\n\": 56.0},\n"
              "  \"10\": { },\n  \"\": \"empty\",\n  \"a\": { },\n  \"111\": "
              "[ {\"e\": \"yes\",\"E\": \"no\" } ],\n  \"A\": { }\n}",
              "{\"\":\"empty\",\"1\":{\"\\n\":56,\"f\":{\"F\":5,\"f\":\"hi\"}},"
              "\"10\":{},\"111\":[{\"E\":\"no\",\"e\":\"yes\"}],\"A\":{},"
              "\"a\":{}}");
  check_canon("{\n  \"Unnormalized Unicode\":\"A\\u030a\"\n}",
              "{\"Unnormalized Unicode\":\"A\xCC\x8A\"}");
  check_canon("{\n  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, "
              "0.000000000000000000000000001],\n  \"string\": "
              "\"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
              "  \"literals\": [null, true, false]\n}",
              "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,"
              "1e+30,4.5,0.002,1e-27],\"string\":\"\xE2\x82\xAC$\\u000f\\nA'B"
              "\\\"\\\\\\\\\\\"/\"}");
  check_canon(
      "{\n  \"\\u20ac\": \"Euro Sign\",\n  \"\\r\": \"Carriage "
      "Return\",\n  \"\\u000a\": \"Newline\",\n  \"1\": \"One\",\n  "
      "\"\\u0080\": \"Control\\u007f\",\n  \"\\ud83d\\ude02\": "
      "\"Smiley\",\n  \"\\u00f6\": \"Latin Small Letter O With "
      "Diaeresis\",\n  \"\\ufb33\": \"Hebrew Letter Dalet With "
      "Dagesh\",\n  \"</script>\": \"Browser Challenge\"\n}",
      "{\"\\n\":\"Newline\",\"\\r\":\"Carriage Return\",\"1\":\"One\","
      "\"</script>\":\"Browser Challenge\",\"\xC2\x80\":\"Control\x7F\","
      "\"\xC3\xB6\":\"Latin Small Letter O With Diaeresis\",\"\xE2\x82"
      "\xAC\":\"Euro Sign\",\"\xF0\x9F\x98\x82\":\"Smiley\",\"\xEF\xAC"
      "\xB3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

/* RFC 8785 Appendix B: IEEE 754 bit patterns and their text. */
static void jcs_numbers(void) {
  static const struct {
    uint64_t bits;
    const char *text;
  } t[] = {
      {0x0000000000000000, "0"},
      {0x8000000000000000, "0"},
      {0x0000000000000001, "5e-324"},
      {0x8000000000000001, "-5e-324"},
      {0x7fefffffffffffff, "1.7976931348623157e+308"},
      {0xffefffffffffffff, "-1.7976931348623157e+308"},
      {0x4340000000000000, "9007199254740992"},
      {0xc340000000000000, "-9007199254740992"},
      {0x4430000000000000, "295147905179352830000"},
      {0x44b52d02c7e14af5, "9.999999999999997e+22"},
      {0x44b52d02c7e14af6, "1e+23"},
      {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
      {0x444b1ae4d6e2ef4e, "999999999999999700000"},
      {0x444b1ae4d6e2ef4f, "999999999999999900000"},
      {0x444b1ae4d6e2ef50, "1e+21"},
      {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
      {0x3eb0c6f7a0b5ed8d, "0.000001"},
      {0x41b3de4355555553, "333333333.3333332"},
      {0x41b3de4355555554, "333333333.33333325"},
      {0x41b3de4355555555, "333333333.3333333"},
      {0x41b3de4355555556, "333333333.3333334"},
      {0x41b3de4355555557, "333333333.33333343"},
      {0xbecbf647612f3696, "-0.0000033333333333333333"},
      {0x43143ff3c1cb0959, "1424953923781206.2"}, /* a tie: even */
      {0x0010000000000000, "2.2250738585072014e-308"},
      {0x000fffffffffffff, "2.225073858507201e-308"},
      {0x4340000000000001, "9007199254740994"},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    double x;
    memcpy(&x, &t[i].bits, sizeof x);
    char in[40];
    snprintf(in, sizeof in, "%.17e", x); /* never an integer literal */
    check_canon(in, t[i].text);
  }
  check_canon("-0", "0");
  check_canon("-0.0", "0");
  check_canon("1E2", "100");
  check_canon("0.1", "0.1");
  check_canon("0.10000000000000001", "0.1"); /* what jansson writes */
  check_canon("123456789012345678901234567890.0", "1.2345678901234568e+29");
  check_canon("1e-400", "0");
  check_canon("9007199254740991", "9007199254740991");
  check_canon("-9007199254740993.0", "-9007199254740992");
}

static void jcs_sorting_and_strings(void) {
  /* UTF-16 order: U+FB33 (one unit) after U+1F602 (D83D DE02); in code
   * point order it would be the other way round */
  check_canon("{\"\xEF\xAC\xB3\":1,\"\xF0\x9F\x98\x82\":2,\"\xEE\x80\x80\":3}",
              "{\"\xF0\x9F\x98\x82\":2,\"\xEE\x80\x80\":3,\"\xEF\xAC\xB3\":1}");
  check_canon("{\"b\":1,\"a\":{\"d\":[3,{\"z\":0,\"y\":0}],\"c\":2},\"ab\":0}",
              "{\"a\":{\"c\":2,\"d\":[3,{\"y\":0,\"z\":0}]},\"ab\":0,\"b\":1}");
  check_canon("\"\\u0000\\u0001\\u001f\\b\\f\\n\\r\\t\\u007f\\/\"",
              "\"\\u0000\\u0001\\u001f\\b\\f\\n\\r\\t\x7F/\"");
  check_canon("{\"a\\u0000b\":1,\"a\":2}", "{\"a\":2,\"a\\u0000b\":1}");
  check_canon(" \t\r\n[ ] ", "[]");
  check_canon("\"\xE2\x80\xA8\"", "\"\xE2\x80\xA8\""); /* U+2028 as is */

  tb_buf b;
  tb_buf_init(&b, 64);
  TB_CHECK(tb_json_put_string(&b, "a\"\\\n\x01你", 8));
  TB_CHECK_STR(tb_buf_str(&b), "\"a\\\"\\\\\\n\\u0001你\"");
  tb_buf_reset(&b);
  TB_CHECK(!tb_json_put_string(&b, "\xC0\x80", 2));
  TB_CHECK_STR(tb_buf_str(&b), "");
  tb_buf_free(&b);
}

static void jcs_refusals(void) {
  struct {
    const char *in;
    tb_json_status st;
  } t[] = {
      {"", TB_JSON_SYNTAX},
      {"   ", TB_JSON_SYNTAX},
      {"[1,]", TB_JSON_SYNTAX},
      {"[1 2]", TB_JSON_SYNTAX},
      {"{\"a\" 1}", TB_JSON_SYNTAX},
      {"{\"a\":1,}", TB_JSON_SYNTAX},
      {"{a:1}", TB_JSON_SYNTAX},
      {"[1] x", TB_JSON_SYNTAX},
      {"\xEF\xBB\xBF[]", TB_JSON_SYNTAX}, /* a byte order mark */
      {"01", TB_JSON_SYNTAX},
      {"+1", TB_JSON_SYNTAX},
      {"1.", TB_JSON_SYNTAX},
      {".5", TB_JSON_SYNTAX},
      {"1e", TB_JSON_SYNTAX},
      {"NaN", TB_JSON_SYNTAX},
      {"nul", TB_JSON_SYNTAX},
      {"\"abc", TB_JSON_SYNTAX},
      {"\"a\tb\"", TB_JSON_SYNTAX}, /* a raw control character */
      {"\"\\x\"", TB_JSON_SYNTAX},
      {"\"\\u12\"", TB_JSON_SYNTAX},
      {"\"\\u12g4\"", TB_JSON_SYNTAX},
      {"\"\\ud800\"", TB_JSON_UTF8},
      {"\"\\udc00\"", TB_JSON_UTF8},
      {"\"\\ud800\\u0041\"", TB_JSON_UTF8},
      {"\"\\ud83d\\ud83d\"", TB_JSON_UTF8},
      {"\"\xC0\x80\"", TB_JSON_UTF8},
      {"\"\xE0\x80\x80\"", TB_JSON_UTF8},
      {"\"\xF0\x80\x80\x80\"", TB_JSON_UTF8},
      {"\"\xED\xA0\x80\"", TB_JSON_UTF8},
      {"\"\xF4\x90\x80\x80\"", TB_JSON_UTF8},
      {"\"\xE4\xBD\"", TB_JSON_UTF8},
      {"{\"\xFF\":1}", TB_JSON_UTF8},
      {"{\"a\":1,\"a\":1}", TB_JSON_DUPLICATE},
      {"{\"a\":1,\"\\u0061\":2}", TB_JSON_DUPLICATE},
      {"[{\"x\":{\"k\":1,\"j\":2,\"k\":3}}]", TB_JSON_DUPLICATE},
      {"9007199254740993", TB_JSON_NUMBER}, /* not held exactly */
      {"-12345678901234567890", TB_JSON_NUMBER},
      {"1e400", TB_JSON_NUMBER},
      {"-1e309", TB_JSON_NUMBER},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    check_refused(t[i].in, strlen(t[i].in), t[i].st);
  char longnum[TB_JSON_MAX_NUMBER + 8] = "0.";
  memset(longnum + 2, '1', TB_JSON_MAX_NUMBER);
  longnum[TB_JSON_MAX_NUMBER + 2] = '\0';
  check_refused(longnum, strlen(longnum), TB_JSON_NUMBER);
  longnum[TB_JSON_MAX_NUMBER] = '\0';
  check_canon(longnum, "0.1111111111111111");
}

static void jcs_limits(void) {
  /* depth: TB_JSON_MAX_DEPTH arrays are fine, one more is not */
  char deep[2 * TB_JSON_MAX_DEPTH + 4];
  size_t n = 0;
  for (int i = 0; i < TB_JSON_MAX_DEPTH; i++)
    deep[n++] = '[';
  for (int i = 0; i < TB_JSON_MAX_DEPTH; i++)
    deep[n++] = ']';
  deep[n] = '\0';
  check_canon(deep, deep);
  char deeper[2 * TB_JSON_MAX_DEPTH + 16];
  snprintf(deeper, sizeof deeper, "[%s]", deep);
  check_refused(deeper, strlen(deeper), TB_JSON_DEPTH);
  snprintf(deeper, sizeof deeper, "{\"a\":%s}", deep);
  check_refused(deeper, strlen(deeper), TB_JSON_DEPTH);

  /* input past the maximum */
  size_t big = (size_t)TB_JSON_MAX_TEXT + 1;
  char *text = tb_xmalloc(big);
  memset(text, ' ', big);
  text[0] = '1';
  check_refused(text, big, TB_JSON_TOO_LARGE);
  tb_buf one;
  tb_buf_init(&one, 8);
  TB_CHECK_INT(tb_json_canonical(text, big - 1, &one), TB_JSON_OK);
  TB_CHECK_STR(tb_buf_str(&one), "1");
  tb_buf_free(&one);
  free(text);

  /* output past the buffer's maximum: nothing kept, overflowed */
  tb_buf b;
  tb_buf_init(&b, 8);
  tb_buf_adds(&b, "ab");
  TB_CHECK_INT(tb_json_canonical("[1, 2, 3]", 9, &b), TB_JSON_TOO_LARGE);
  TB_CHECK(b.overflow);
  TB_CHECK_STR(tb_buf_str(&b), "ab");
  tb_buf_free(&b);
  tb_buf_init(&b, 13); /* exactly the output */
  TB_CHECK_INT(tb_json_canonical("{ \"b\":1 ,\"a\":2 }", 16, &b), TB_JSON_OK);
  TB_CHECK_STR(tb_buf_str(&b), "{\"a\":2,\"b\":1}");
  tb_buf_free(&b);
}

static void jcs_status_names(void) {
  TB_CHECK_STR(tb_json_status_name(TB_JSON_OK), "ok");
  TB_CHECK_STR(tb_json_status_name(TB_JSON_SYNTAX), "syntax");
  TB_CHECK_STR(tb_json_status_name(TB_JSON_UTF8), "utf8");
  TB_CHECK_STR(tb_json_status_name(TB_JSON_DUPLICATE), "duplicate");
  TB_CHECK_STR(tb_json_status_name(TB_JSON_NUMBER), "number");
  TB_CHECK_STR(tb_json_status_name(TB_JSON_DEPTH), "depth");
  TB_CHECK_STR(tb_json_status_name(TB_JSON_TOO_LARGE), "too_large");
}

/* ---- form (query) encoding ---------------------------------------------- */

static void form_roundtrip(void) {
  /* the base45 alphabet of license payloads, and bytes of every kind */
  const char *in = "TB1:0123 ABC$%*+-./:Z~_!é\x01";
  tb_buf b;
  tb_buf_init(&b, 1024);
  TB_CHECK(tb_form_encode(&b, in, strlen(in)));
  TB_CHECK_STR(tb_buf_str(&b), "TB1:0123+ABC$%25*%2B-./:Z~_%21%C3%A9%01");
  char out[64];
  size_t n = 0;
  TB_CHECK(tb_form_decode(b.data, b.len, out, sizeof out, &n));
  TB_CHECK_INT(n, strlen(in));
  TB_CHECK(memcmp(out, in, n) == 0);
  /* a buffer at its maximum refuses */
  tb_buf small;
  tb_buf_init(&small, 4);
  TB_CHECK(!tb_form_encode(&small, "a b%c", 5));
  tb_buf_free(&small);
  tb_buf_free(&b);
}

static void form_decode_strict(void) {
  char out[16];
  size_t n = 0;
  TB_CHECK(tb_form_decode("a+b%2b%2B%41", 12, out, sizeof out, &n));
  TB_CHECK_INT(n, 6);
  TB_CHECK(memcmp(out, "a b++A", 6) == 0);
  TB_CHECK(tb_form_decode("%00", 3, out, sizeof out, &n) && n == 1 &&
           out[0] == '\0'); /* the caller checks for NUL */
  static const char *bad[] = {"%", "%4", "%G1", "%1G", "a%", "%%41", "%-1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    TB_CHECKF(!tb_form_decode(bad[i], strlen(bad[i]), out, sizeof out, &n),
              "'%s'", bad[i]);
  TB_CHECK(!tb_form_decode("abcdef", 6, out, 5, &n)); /* too long */
  TB_CHECK(tb_form_decode("", 0, out, 0, &n) && n == 0);
}

int main(void) {
  TB_RUN(utf8_boundaries);
  TB_RUN(utf8_invalid);
  TB_RUN(utf8_count_cut_scrub);
  TB_RUN(hex);
  TB_RUN(b64url_vectors);
  TB_RUN(b64url_strict);
  TB_RUN(buf_maximum);
  TB_RUN(buf_growth);
  TB_RUN(jcs_reference_data);
  TB_RUN(jcs_numbers);
  TB_RUN(jcs_sorting_and_strings);
  TB_RUN(jcs_refusals);
  TB_RUN(jcs_limits);
  TB_RUN(jcs_status_names);
  TB_RUN(form_roundtrip);
  TB_RUN(form_decode_strict);
  return tb_test_done();
}
