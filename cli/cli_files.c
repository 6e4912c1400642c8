/*
 * cli_files.c — the subcommands' one bounded file reader (tb_cli.h): a
 * whole file or standard input, at most a given size, NUL-terminated.
 */
#include "tb_cli.h"
#include "tb_util.h"

#include <stdio.h>
#include <string.h>

char *tb_cli_read_file(const char *path, size_t max, size_t *len) {
  bool from_stdin = strcmp(path, "-") == 0;
  FILE *f = from_stdin ? stdin : fopen(path, "rb");
  if (!f)
    return NULL;
  tb_buf b;
  tb_buf_init(&b, max);
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 &&
         tb_buf_add(&b, chunk, n)) {
  }
  bool ok = !ferror(f) && !b.overflow;
  if (!from_stdin)
    fclose(f);
  if (!ok) {
    tb_buf_free(&b);
    return NULL;
  }
  return tb_buf_take(&b, len);
}
