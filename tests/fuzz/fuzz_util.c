/*
 * fuzz_util.c — libFuzzer target for the utility layer (engine/tb_util.h)
 * on arbitrary bytes: the UTF-8 validator, decoder, counter, cutter and
 * scrubber agree with one another; hex and base64url round-trip, and a
 * base64url text that decodes is the one encoding of its bytes; canonical
 * JSON is valid UTF-8 and canonical again (canon(canon(x)) == canon(x)),
 * and a string written with tb_json_put_string is canonical JSON; the
 * form (query) encoding round-trips any bytes.
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iengine \
 *     engine/tb_*.c tests/fuzz/fuzz_util.c -o fuzz_util -lm
 */
#include "tb_engine.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool property) {
  if (!property)
    abort();
}

static void utf8(const char *s, size_t n) {
  size_t i = 0, count = 0, bad = n + 1;
  bool decodes = true;
  while (i < n) {
    uint32_t cp = 0xFFFFFFFF;
    size_t k = tb_utf8_decode(s + i, n - i, &cp);
    if (k == 0) {
      decodes = false;
      break;
    }
    check(k <= 4 && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF));
    check(k == (cp < 0x80 ? 1u : cp < 0x800 ? 2u : cp < 0x10000 ? 3u : 4u));
    i += k;
    count++;
  }
  bool valid = tb_utf8_valid(s, n, &bad);
  check(valid == decodes);
  check(valid || bad == i);
  size_t counted = 0;
  check(tb_utf8_count(s, n, &counted) == valid);
  check(!valid || counted == count);
  for (size_t max = 0; max <= n && max < 8; max++) {
    size_t cut = tb_utf8_cut(s, n, max);
    check(cut <= max && (!valid || tb_utf8_valid(s, cut, NULL)));
  }
  char *copy = tb_xstrndup(s, n);
  tb_utf8_scrub(copy, n);
  check(tb_utf8_valid(copy, n, NULL));
  check(!valid || memcmp(copy, s, n) == 0);
  free(copy);
}

static void hex(const char *s, size_t n) {
  if (n > 512)
    n = 512;
  char text[1025];
  unsigned char back[512];
  tb_hex_encode(s, n, text);
  check(strlen(text) == 2 * n);
  check(tb_hex_decode(text, 2 * n, back, n) && memcmp(back, s, n) == 0);
  for (size_t i = 0; i < 2 * n; i++)
    if (text[i] >= 'a')
      text[i] = (char)(text[i] - 'a' + 'A');
  check(tb_hex_decode(text, 2 * n, back, n) && memcmp(back, s, n) == 0);
  if (n % 2 == 0 && tb_hex_decode(s, n, back, n / 2)) {
    tb_hex_encode(back, n / 2, text);
    for (size_t i = 0; i < n; i++)
      check(text[i] == (s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i]));
  }
}

static void b64url(const char *s, size_t n) {
  if (n > 512)
    n = 512;
  char text[TB_B64URL_LEN(512) + 1];
  unsigned char back[512];
  size_t len = tb_b64url_encode(s, n, text), got = 0;
  check(len == TB_B64URL_LEN(n) && text[len] == '\0');
  check(tb_b64url_decode(text, len, back, sizeof back, &got));
  check(got == n && memcmp(back, s, n) == 0);
  if (tb_b64url_decode(s, n, back, sizeof back, &got)) {
    check(tb_b64url_encode(back, got, text) == n);
    check(memcmp(text, s, n) == 0);
  }
}

static void json(const char *s, size_t n) {
  tb_buf a, b;
  tb_buf_init(&a, 1 << 20);
  tb_buf_init(&b, 1 << 20);
  if (tb_json_canonical(s, n, &a) == TB_JSON_OK) {
    check(tb_utf8_valid(a.data, a.len, NULL));
    check(tb_json_canonical(a.data, a.len, &b) == TB_JSON_OK);
    check(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
  } else {
    check(a.len == 0);
  }
  tb_buf_reset(&a);
  tb_buf_reset(&b);
  bool valid = tb_utf8_valid(s, n, NULL);
  check(tb_json_put_string(&a, s, n) == valid);
  if (valid) {
    check(tb_json_canonical(a.data, a.len, &b) == TB_JSON_OK);
    check(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
  }
  tb_buf_free(&a);
  tb_buf_free(&b);
}

/* Form encoding: any bytes encode and decode back; a decodable text
 * decodes to no more bytes than it has. */
static void form(const char *s, size_t n) {
  if (n > 512)
    n = 512;
  tb_buf b;
  tb_buf_init(&b, 3 * 512);
  check(tb_form_encode(&b, s, n));
  char back[512];
  size_t got = 0;
  check(tb_form_decode(tb_buf_str(&b), b.len, back, sizeof back, &got));
  check(got == n && memcmp(back, s, n) == 0);
  if (tb_form_decode(s, n, back, sizeof back, &got))
    check(got <= n);
  tb_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  utf8(s, size);
  hex(s, size);
  b64url(s, size);
  json(s, size);
  form(s, size);
  return 0;
}
