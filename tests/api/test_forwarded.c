/*
 * test_forwarded.c — unit tests of api/api_forwarded.h with hostile
 * input: addresses in every form a proxy writes and many it should not,
 * trusted networks, X-Forwarded-For walked from the right (spoofed
 * leftmost entries, many hops, garbage, IPv6 with and without brackets
 * and ports, oversized and repeated headers), the public URL's checks
 * and the forwarded scheme and host compared with it.
 */
#include "api_forwarded.h"
#include "tb_api.h"
#include "tb_engine.h"
#include "tb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool ip_is(const char *text, const char *want) {
  api_ip ip;
  if (!api_ip_parse(text, strlen(text), &ip))
    return want == NULL;
  char out[API_ADDR_MAX];
  api_ip_format(&ip, out);
  if (!want || strcmp(out, want) != 0) {
    printf("# %s read as %s, want %s\n", text, out, want ? want : "refusal");
    return false;
  }
  return true;
}

static void test_addresses(void) {
  TB_CHECK(ip_is("203.0.113.7", "203.0.113.7"));
  TB_CHECK(ip_is(" 203.0.113.7\t", "203.0.113.7"));
  TB_CHECK(ip_is("203.0.113.7:51234", "203.0.113.7"));
  TB_CHECK(ip_is("2001:db8::1", "2001:db8::1"));
  TB_CHECK(ip_is("[2001:db8::1]", "2001:db8::1"));
  TB_CHECK(ip_is("[2001:db8::1]:443", "2001:db8::1"));
  TB_CHECK(ip_is("::ffff:198.51.100.4", "198.51.100.4"));
  TB_CHECK(ip_is("[::ffff:198.51.100.4]:80", "198.51.100.4"));
  static const char *bad[] = {"",
                              " ",
                              "unknown",
                              "example.com",
                              "203.0.113",
                              "203.0.113.256",
                              "203.0.113.7:",
                              "203.0.113.7:0",
                              "203.0.113.7:65536",
                              "203.0.113.7:80:80",
                              "203.0.113.7 1.2.3.4",
                              "[2001:db8::1",
                              "2001:db8::1]",
                              "[2001:db8::1]443",
                              "[2001:db8::1]:",
                              "[]",
                              "[203.0.113.7]",
                              "fe80::1%eth0",
                              "2001:db8::g",
                              "_hidden",
                              "0x7f.0.0.1",
                              "1.2.3.4\r\n",
                              "-1.2.3.4",
                              "[2001:db8::1]:443:1",
                              "::ffff:1.2.3.4:80"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    TB_CHECKF(ip_is(bad[i], NULL), "'%s' is not an address", bad[i]);
  char long_text[200];
  memset(long_text, '1', sizeof long_text - 1);
  long_text[sizeof long_text - 1] = '\0';
  TB_CHECK(ip_is(long_text, NULL));
  api_ip ip;
  TB_CHECK(!api_ip_parse("1.2.3.4\0junk", 12, &ip)); /* a NUL inside */
}

static void test_networks(void) {
  char err[256];
  api_cidr c[4];
  TB_CHECK(api_cidr_parse("127.0.0.1", &c[0], err, sizeof err));
  TB_CHECK(api_cidr_parse("10.0.0.0/8", &c[1], err, sizeof err));
  TB_CHECK(api_cidr_parse("fd00::/8", &c[2], err, sizeof err));
  TB_CHECK(api_cidr_parse("192.168.1.128/25", &c[3], err, sizeof err));
  api_ip ip;
  struct {
    const char *addr;
    bool in;
  } cases[] = {{"127.0.0.1", true},      {"127.0.0.2", false},
               {"10.255.1.2", true},     {"11.0.0.1", false},
               {"fd12::1", true},        {"fe80::1", false},
               {"192.168.1.200", true},  {"192.168.1.100", false},
               {"::ffff:10.1.1.1", true}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    TB_CHECK(api_ip_parse(cases[i].addr, strlen(cases[i].addr), &ip));
    TB_CHECKF(api_cidr_contains(c, 4, &ip) == cases[i].in, "%s", cases[i].addr);
  }
  static const char *bad[] = {
      "10.0.0.1/8",  "10.0.0.0/33", "10.0.0.0/",  "10.0.0.0/-1",
      "10.0.0.0/+8", "10.0.0.0/ 8", "fd00::/129", "[fd00::]/8",
      "localhost",   "10.0.0.0/8x", "",           "1.2.3.4:80"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err[0] = '\0';
    TB_CHECKF(!api_cidr_parse(bad[i], &c[0], err, sizeof err), "'%s'", bad[i]);
    TB_CHECKF(strstr(err, "--trusted-proxy") != NULL, "%s", err);
  }
}

/* The client that xff lines give behind peer, proxies 127.0.0.1 and
 * 10.0.0.0/8. */
static void client_of(const char *peer, const char *const *xff, size_t n,
                      char out[API_ADDR_MAX]) {
  static const char *proxies[] = {"127.0.0.1", "10.0.0.0/8", "fd00::/8"};
  api_edge e;
  char err[256];
  TB_CHECK(api_forwarded_open(&e, NULL, proxies, 3, err, sizeof err));
  api_ip ip;
  TB_CHECK(api_ip_parse(peer, strlen(peer), &ip));
  api_forwarded_client(&e, &ip, xff, n, out);
}

#define CLIENT_IS(peer, want, ...)                                             \
  do {                                                                         \
    const char *lines_[] = {__VA_ARGS__};                                      \
    char got_[API_ADDR_MAX];                                                   \
    client_of(peer, lines_, sizeof lines_ / sizeof lines_[0], got_);           \
    TB_CHECK_STR(got_, want);                                                  \
  } while (0)

static void test_forwarded_for(void) {
  /* not a proxy: the headers count for nothing */
  CLIENT_IS("198.51.100.9", "198.51.100.9", "203.0.113.7");
  /* one proxy */
  CLIENT_IS("127.0.0.1", "203.0.113.7", "203.0.113.7");
  CLIENT_IS("127.0.0.1", "127.0.0.1", NULL); /* no header: the proxy */
  /* a client's own X-Forwarded-For, spoofed, is left of what the proxy
   * appended: the rightmost untrusted entry wins */
  CLIENT_IS("127.0.0.1", "203.0.113.7", "6.6.6.6, 203.0.113.7");
  CLIENT_IS("127.0.0.1", "203.0.113.7", "6.6.6.6, 10.0.0.5, 203.0.113.7");
  /* through two trusted proxies */
  CLIENT_IS("127.0.0.1", "203.0.113.7", "6.6.6.6, 203.0.113.7, 10.1.2.3");
  /* every entry trusted: the leftmost */
  CLIENT_IS("127.0.0.1", "10.0.0.1", "10.0.0.1, 10.0.0.2");
  /* garbage ends the walk at the last trusted hop */
  CLIENT_IS("127.0.0.1", "127.0.0.1", "203.0.113.7, garbage");
  CLIENT_IS("127.0.0.1", "10.9.9.9", "203.0.113.7, garbage, 10.9.9.9");
  CLIENT_IS("127.0.0.1", "127.0.0.1", "");
  CLIENT_IS("127.0.0.1", "127.0.0.1", "203.0.113.7,");
  CLIENT_IS("127.0.0.1", "127.0.0.1", "203.0.113.7, unknown");
  CLIENT_IS("127.0.0.1", "127.0.0.1", "\x01\x02\xff");
  /* IPv6 in every form, and ports */
  CLIENT_IS("127.0.0.1", "2001:db8::7", "2001:db8::7");
  CLIENT_IS("127.0.0.1", "2001:db8::7", "[2001:db8::7]:5555");
  CLIENT_IS("fd00::1", "2001:db8::7", "[2001:db8::7], [fd00::2]:80");
  CLIENT_IS("127.0.0.1", "203.0.113.7", "203.0.113.7:1234");
  /* repeated headers are one list, in order */
  CLIENT_IS("127.0.0.1", "203.0.113.7", "6.6.6.6", "203.0.113.7");
  CLIENT_IS("127.0.0.1", "203.0.113.7", "6.6.6.6", "203.0.113.7, 10.0.0.1");
  CLIENT_IS("127.0.0.1", "127.0.0.1", "203.0.113.7", "nonsense");
}

/* Many hops: the walk stops after API_MAX_HOPS entries. */
static void test_many_hops(void) {
  tb_buf b;
  tb_buf_init(&b, 1 << 20);
  tb_buf_adds(&b, "203.0.113.7");
  for (int i = 0; i < 5000; i++)
    tb_buf_addf(&b, ", 10.0.%d.%d", i / 250, i % 250);
  const char *line = tb_buf_str(&b);
  char got[API_ADDR_MAX];
  client_of("127.0.0.1", &line, 1, got);
  /* the 16th entry from the right: 10.0.x.y, never the spoofable left */
  TB_CHECK(strncmp(got, "10.0.", 5) == 0);
  /* within the bound, the client is found */
  tb_buf_reset(&b);
  tb_buf_adds(&b, "6.6.6.6, 203.0.113.7");
  for (int i = 0; i < API_MAX_HOPS - 1; i++)
    tb_buf_addf(&b, ", 10.0.0.%d", i + 1);
  line = tb_buf_str(&b);
  client_of("127.0.0.1", &line, 1, got);
  TB_CHECK_STR(got, "203.0.113.7");
  /* an oversized header of one endless entry */
  tb_buf_reset(&b);
  for (int i = 0; i < 100000; i++)
    tb_buf_adds(&b, "1");
  line = tb_buf_str(&b);
  client_of("127.0.0.1", &line, 1, got);
  TB_CHECK_STR(got, "127.0.0.1");
  /* many header lines: only the rightmost count */
  const char *lines[200];
  for (size_t i = 0; i < 200; i++)
    lines[i] = i == 199 ? "203.0.113.8" : "6.6.6.6";
  client_of("127.0.0.1", lines, 200, got);
  TB_CHECK_STR(got, "203.0.113.8");
  tb_buf_free(&b);
}

static bool url_is(const char *in, const char *want) {
  char out[API_PUBLIC_URL_MAX], err[512] = "";
  bool ok = api_public_url_parse(in, out, err, sizeof err);
  if (!want) {
    if (ok || !strstr(err, "--public-url"))
      printf("# '%s' accepted as %s (%s)\n", in, ok ? out : "-", err);
    return !ok && strstr(err, "--public-url");
  }
  if (!ok || strcmp(out, want) != 0)
    printf("# '%s': %s\n", in, ok ? out : err);
  return ok && strcmp(out, want) == 0;
}

static void test_public_url(void) {
  TB_CHECK(
      url_is("https://zwfw.example.gov.cn", "https://zwfw.example.gov.cn"));
  TB_CHECK(
      url_is("HTTPS://ZWFW.Example.gov.cn/", "https://zwfw.example.gov.cn"));
  TB_CHECK(
      url_is("http://10.0.0.5:8080/tongban/", "http://10.0.0.5:8080/tongban"));
  TB_CHECK(url_is("https://[2001:db8::1]:8443/a/b-c_d.e~f",
                  "https://[2001:db8::1]:8443/a/b-c_d.e~f"));
  static const char *bad[] = {
      "zwfw.example.gov.cn",
      "ftp://zwfw.example.gov.cn",
      "https://",
      "https:///path",
      "https://user:pw@zwfw.example.gov.cn",
      "https://zwfw.example.gov.cn?x=1",
      "https://zwfw.example.gov.cn/#top",
      "https://zwfw.example.gov.cn:0",
      "https://zwfw.example.gov.cn:65536",
      "https://zwfw.example.gov.cn:",
      "https://zwfw.example.gov.cn:8x",
      "https://政务.example.cn",
      "https://zwfw..example.gov.cn",
      "https://-zwfw.example.gov.cn",
      "https://zwfw example.gov.cn",
      "https://zwfw.example.gov.cn/a/../b",
      "https://zwfw.example.gov.cn/a//b",
      "https://zwfw.example.gov.cn/./b",
      "https://zwfw.example.gov.cn/a%20b",
      "https://zwfw.example.gov.cn/a\\b",
      "https://[2001:db8::1",
      "https://[zz::1]",
      "https://2001:db8::1/",
      "https://zwfw.example.gov.cn\r\nX: y",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    TB_CHECKF(url_is(bad[i], NULL), "'%s' refused", bad[i]);
  char huge[400];
  memset(huge, 'a', sizeof huge - 1);
  memcpy(huge, "https://", 8);
  huge[sizeof huge - 1] = '\0';
  TB_CHECK(url_is(huge, NULL));
  char out[API_PUBLIC_URL_MAX];
  api_public_url_default("127.0.0.1:0", 41234, out);
  TB_CHECK_STR(out, "http://127.0.0.1:41234");
  api_public_url_default("[::1]:8080", 8080, out);
  TB_CHECK_STR(out, "http://[::1]:8080");
}

static void test_mismatch(void) {
  api_edge e;
  char err[256];
  TB_CHECK(api_forwarded_open(&e, "https://zwfw.example.gov.cn/tb", NULL, 0,
                              err, sizeof err));
  TB_CHECK(!api_forwarded_mismatch(&e, NULL, NULL));
  TB_CHECK(!api_forwarded_mismatch(&e, "https", "zwfw.example.gov.cn"));
  TB_CHECK(!api_forwarded_mismatch(&e, "HTTPS", "ZWFW.example.gov.cn:443"));
  TB_CHECK(api_forwarded_mismatch(&e, "http", "zwfw.example.gov.cn"));
  TB_CHECK(api_forwarded_mismatch(&e, "https", "evil.example"));
  TB_CHECK(api_forwarded_mismatch(&e, "https, http", NULL));
  TB_CHECK(api_forwarded_mismatch(&e, NULL, "zwfw.example.gov.cn.evil"));
}

static void test_open(void) {
  char err[256];
  api_edge e;
  const char *many[API_MAX_PROXIES + 1];
  for (size_t i = 0; i < API_MAX_PROXIES + 1; i++)
    many[i] = "10.0.0.0/8";
  TB_CHECK(!api_forwarded_open(&e, NULL, many, API_MAX_PROXIES + 1, err,
                               sizeof err));
  TB_CHECK(
      api_forwarded_open(&e, NULL, many, API_MAX_PROXIES, err, sizeof err));
  tb_api_options o = {.public_url = "https://x.example.cn",
                      .trusted_proxies = many,
                      .n_trusted_proxies = 2};
  TB_CHECK_INT(tb_api_check_edge(&o, err, sizeof err), TB_API_OK);
  o.public_url = "https://x.example.cn?q";
  TB_CHECK_INT(tb_api_check_edge(&o, err, sizeof err), TB_API_INVALID);
  TB_CHECK(strstr(err, "--public-url") != NULL);
}

int main(void) {
  TB_RUN(test_addresses);
  TB_RUN(test_networks);
  TB_RUN(test_forwarded_for);
  TB_RUN(test_many_hops);
  TB_RUN(test_public_url);
  TB_RUN(test_mismatch);
  TB_RUN(test_open);
  return tb_test_done();
}
