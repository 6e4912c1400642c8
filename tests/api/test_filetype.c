/*
 * test_filetype.c — unit tests of api/api_filetype.h on the checked-in
 * fixtures (tests/api/fixtures: scan.pdf, photo.jpg, page.png) and their
 * damaged copies: every truncation refused, bytes after the end refused,
 * limits applied, other types unknown; file names cleaned for showing and
 * carried in Content-Disposition.
 *
 *   test_filetype FIXTURES_DIR
 */
#include "api_filetype.h"
#include "tb_engine.h"
#include "tb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *dir = ".";

typedef struct {
  uint8_t *data;
  size_t len;
} blob;

static blob load(const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  blob b = {tb_xmalloc(1 << 16), 0};
  FILE *f = fopen(path, "rb");
  if (f) {
    b.len = fread(b.data, 1, 1 << 16, f);
    fclose(f);
  }
  return b;
}

static api_filetype_status detect(const uint8_t *d, size_t n,
                                  const api_filetype_limits *lim,
                                  api_filetype *t) {
  /* a heap copy of exactly n bytes: ASan sees any read past the end */
  uint8_t *copy = tb_xmalloc(n ? n : 1);
  if (n)
    memcpy(copy, d, n);
  api_filetype_status st = api_filetype_detect(copy, n, lim, t);
  free(copy);
  return st;
}

/* The fixture passes as media_type, and no prefix of it does but those
 * that cut only the last `optional` bytes (a PDF's newline after %%EOF). */
static void whole_and_cut(const char *name, const char *media_type,
                          size_t optional) {
  blob b = load(name);
  TB_CHECKF(b.len > 100, "%s: fixture missing", name);
  api_filetype t;
  TB_CHECK_INT(detect(b.data, b.len, NULL, &t), API_FILETYPE_OK);
  TB_CHECK_STR(t.media_type, media_type);
  size_t passed = 0;
  for (size_t n = 0; n + optional < b.len; n++)
    if (detect(b.data, n, NULL, &t) == API_FILETYPE_OK)
      passed++;
  TB_CHECKF(passed == 0, "%s: %zu truncations passed", name, passed);
  free(b.data);
}

static void test_pdf(void) {
  whole_and_cut("scan.pdf", "application/pdf", 1);
}

static void test_jpeg(void) {
  whole_and_cut("photo.jpg", "image/jpeg", 0);
  blob b = load("photo.jpg");
  api_filetype t;
  TB_CHECK_INT(detect(b.data, b.len, NULL, &t), API_FILETYPE_OK);
  TB_CHECK_INT(t.width, 96);
  TB_CHECK_INT(t.height, 64);
  TB_CHECK_STR(t.extension, ".jpg");
  /* bytes after the end-of-image marker are a phone's: allowed */
  memcpy(b.data + b.len, "EXTRA", 5);
  TB_CHECK_INT(detect(b.data, b.len + 5, NULL, &t), API_FILETYPE_OK);
  /* a flipped byte in the entropy-coded data: corrupt */
  b.data[b.len / 2] ^= 0x55;
  b.data[b.len / 2 + 1] = 0xFF;
  b.data[b.len / 2 + 2] = 0xD9;
  TB_CHECK_INT(detect(b.data, b.len, NULL, &t), API_FILETYPE_DAMAGED);
  free(b.data);
}

static void test_png(void) {
  whole_and_cut("page.png", "image/png", 0);
  blob b = load("page.png");
  api_filetype t;
  TB_CHECK_INT(detect(b.data, b.len, NULL, &t), API_FILETYPE_OK);
  TB_CHECK_INT(t.width, 48);
  TB_CHECK_INT(t.height, 32);
  memcpy(b.data + b.len, "PK\x03\x04", 4);
  TB_CHECK_INT(detect(b.data, b.len + 4, NULL, &t), API_FILETYPE_DAMAGED);
  b.data[b.len - 5] ^= 1; /* IEND's CRC */
  TB_CHECK_INT(detect(b.data, b.len, NULL, &t), API_FILETYPE_DAMAGED);
  free(b.data);
}

static void test_limits(void) {
  api_filetype_limits small = {.max_width = 40, .max_height = 40};
  api_filetype_limits few = {.max_pixels = 1000};
  api_filetype t;
  blob p = load("page.png"), j = load("photo.jpg");
  TB_CHECK_INT(detect(p.data, p.len, &small, &t), API_FILETYPE_DAMAGED);
  TB_CHECK_INT(detect(p.data, p.len, &few, &t), API_FILETYPE_DAMAGED);
  TB_CHECKF(strstr(t.why, "pixels") != NULL, "%s", t.why);
  TB_CHECK_INT(detect(j.data, j.len, &small, &t), API_FILETYPE_DAMAGED);
  TB_CHECK_INT(detect(j.data, j.len, &few, &t), API_FILETYPE_DAMAGED);
  free(p.data);
  free(j.data);
}

static void test_pdf_structure(void) {
  blob b = load("scan.pdf");
  api_filetype t;
  /* white space after %%EOF is fine, anything else is not */
  memcpy(b.data + b.len, "\r\n ", 3);
  TB_CHECK_INT(detect(b.data, b.len + 3, NULL, &t), API_FILETYPE_OK);
  memcpy(b.data + b.len, "PK", 2);
  TB_CHECK_INT(detect(b.data, b.len + 2, NULL, &t), API_FILETYPE_DAMAGED);
  /* an unknown version */
  b.data[5] = '9';
  TB_CHECK_INT(detect(b.data, b.len, NULL, &t), API_FILETYPE_DAMAGED);
  b.data[5] = '1';
  /* startxref pointing one byte off */
  char *sx = memmem(b.data, b.len, "startxref\n", 10);
  TB_CHECK(sx != NULL);
  if (sx) {
    char *digit = sx + 10;
    *digit = *digit == '9' ? '8' : (char)(*digit + 1);
    TB_CHECK_INT(detect(b.data, b.len, NULL, &t), API_FILETYPE_DAMAGED);
  }
  free(b.data);
}

static void test_unknown(void) {
  api_filetype t;
  static const uint8_t zip[] = "PK\x03\x04\x14\x00\x00\x00";
  static const uint8_t html[] = "<html><script>alert(1)</script>";
  TB_CHECK_INT(detect(zip, sizeof zip - 1, NULL, &t), API_FILETYPE_UNKNOWN);
  TB_CHECK_INT(detect(html, sizeof html - 1, NULL, &t), API_FILETYPE_UNKNOWN);
  TB_CHECK_INT(detect(NULL, 0, NULL, &t), API_FILETYPE_EMPTY);
  TB_CHECK(t.media_type == NULL);
}

static void clean_is(const char *in, const char *want) {
  char out[API_FILENAME_MAX + 1];
  api_filename_clean(in, ".pdf", out);
  TB_CHECK_STR(out, want);
}

static void test_names(void) {
  clean_is("申请书.pdf", "申请书.pdf");
  clean_is("../../etc/passwd", "passwd");
  clean_is("C:\\fakepath\\章程.pdf", "章程.pdf");
  clean_is("a\x01"
           "b\x7f\tc.pdf",
           "abc.pdf");
  clean_is("evil\xe2\x80\xae"
           "fdp.exe",
           "evilfdp.exe"); /* U+202E removed */
  clean_is("bad\xff\xfe"
           "utf8.png",
           "badutf8.png");
  clean_is("...", "未命名.pdf");
  clean_is("", "未命名.pdf");
  clean_is(NULL, "未命名.pdf");
  clean_is("dir/", "未命名.pdf");
  clean_is("  .hidden.jpg  ", "hidden.jpg");
  char long_name[700];
  memset(long_name, 'a', 600);
  memcpy(long_name + 600, ".jpeg", 6);
  char out[API_FILENAME_MAX + 1];
  api_filename_clean(long_name, ".pdf", out);
  size_t chars = 0;
  TB_CHECK(tb_utf8_count(out, strlen(out), &chars) && chars == 100);
  TB_CHECK(strcmp(out + strlen(out) - 5, ".jpeg") == 0);
  char wide[1000] = "";
  for (int i = 0; i < 300; i++)
    memcpy(wide + 3 * i, "长", 3);
  memcpy(wide + 900, ".pdf", 5);
  api_filename_clean(wide, ".pdf", out);
  TB_CHECK(strlen(out) <= API_FILENAME_MAX);
  TB_CHECK(tb_utf8_valid(out, strlen(out), NULL));
  TB_CHECK(strcmp(out + strlen(out) - 4, ".pdf") == 0);
}

static void test_disposition(void) {
  char cd[256];
  TB_CHECK(api_filename_disposition("申请书 \"1\".pdf", false, cd, sizeof cd));
  TB_CHECK_STR(cd,
               "inline; filename=\"_________ _1_.pdf\"; "
               "filename*=UTF-8''%E7%94%B3%E8%AF%B7%E4%B9%A6%20%221%22.pdf");
  TB_CHECK(api_filename_disposition("a.png", true, cd, sizeof cd));
  TB_CHECK_STR(cd, "attachment; filename=\"a.png\"; filename*=UTF-8''a.png");
  TB_CHECK(!api_filename_disposition("a.png", true, cd, 20));
}

int main(int argc, char **argv) {
  if (argc > 1)
    dir = argv[1];
  TB_RUN(test_pdf);
  TB_RUN(test_jpeg);
  TB_RUN(test_png);
  TB_RUN(test_limits);
  TB_RUN(test_pdf_structure);
  TB_RUN(test_unknown);
  TB_RUN(test_names);
  TB_RUN(test_disposition);
  return tb_test_done();
}
