/*
 * fuzz_filetype.c — libFuzzer target for what an upload is
 * (api/api_filetype.h) on arbitrary bytes: the type decided from the
 * bytes (PDF structure, PNG through libpng, JPEG through libjpeg-turbo,
 * under small limits here so that mutated sizes stay cheap), and the
 * same bytes as a file name. Properties: a file that passes has a type,
 * a media type and an extension, and its image fits the limits; a name
 * comes out as valid UTF-8 of at most API_FILENAME_MAX bytes with no
 * path separator and no control character, and its Content-Disposition
 * is printable ASCII.
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iengine \
 *     -Iapi api/api_filetype.c engine/tb_*.c tests/fuzz/fuzz_filetype.c \
 *     $(pkg-config --cflags --libs libpng libjpeg) -lm -o fuzz_filetype
 */
#include "api_filetype.h"
#include "tb_engine.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool property) {
  if (!property)
    abort();
}

static void detect(const uint8_t *data, size_t size) {
  api_filetype_limits lim = {
      .max_width = 2000, .max_height = 2000, .max_pixels = 1000000};
  api_filetype t;
  api_filetype_status st = api_filetype_detect(data, size, &lim, &t);
  check(st >= API_FILETYPE_OK && st <= API_FILETYPE_DAMAGED);
  check(memchr(t.why, '\0', sizeof t.why) != NULL);
  if (st != API_FILETYPE_OK) {
    check(t.media_type == NULL && t.why[0] != '\0');
    return;
  }
  check(t.kind != API_FILE_NONE && t.media_type && t.extension);
  if (t.kind != API_FILE_PDF)
    check(t.width <= 2000 && t.height <= 2000 &&
          (uint64_t)t.width * t.height <= 1000000);
}

static void name(const uint8_t *data, size_t size) {
  char *s = tb_xmalloc(size + 1);
  memcpy(s, data, size);
  s[size] = '\0';
  char out[API_FILENAME_MAX + 1];
  api_filename_clean(s, ".pdf", out);
  free(s);
  size_t n = strlen(out);
  check(n >= 1 && n <= API_FILENAME_MAX && tb_utf8_valid(out, n, NULL));
  check(!strchr(out, '/') && !strchr(out, '\\'));
  for (size_t i = 0; i < n; i++)
    check((unsigned char)out[i] >= 0x20 && out[i] != 0x7F);
  check(out[0] != '.' && out[0] != ' ');
  char cd[1024];
  if (api_filename_disposition(out, true, cd, sizeof cd))
    for (const char *p = cd; *p; p++)
      check(*p >= 0x20 && *p < 0x7F);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  detect(data, size);
  name(data, size);
  return 0;
}
