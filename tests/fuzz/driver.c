/*
 * driver.c — runs a libFuzzer target without libFuzzer, so that every fuzz
 * target is exercised by `./dev test` under AddressSanitizer and
 * UndefinedBehaviorSanitizer with gcc: each seed file given on the command
 * line, then a fixed number of deterministic mutations of the seeds
 * (bit flips, truncations, insertions of interesting bytes, splices).
 * Reports TAP: one case per seed plus one for the mutations. A crash or a
 * sanitizer report fails the test; the target aborts on a broken property.
 *
 *   fuzz_X [--mutations N] SEED...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_SEED = 1 << 20, MAX_SEEDS = 64 };

typedef struct {
  uint8_t *data;
  size_t size;
} blob;

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint64_t next_random(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static int read_seed(const char *path, blob *b) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  b->data = malloc(MAX_SEED);
  if (!b->data) {
    fclose(f);
    return -1;
  }
  b->size = fread(b->data, 1, MAX_SEED, f);
  fclose(f);
  return 0;
}

/* Run the target on a fresh heap copy, so that ASan sees reads past the
 * end of the input. */
static void run(const uint8_t *data, size_t size) {
  uint8_t *copy = malloc(size ? size : 1);
  if (!copy)
    abort();
  if (size)
    memcpy(copy, data, size);
  LLVMFuzzerTestOneInput(copy, size);
  free(copy);
}

static const uint8_t interesting[] = {0,    0xff, 0x7f, 0x80, '<', '>', '&',
                                      '\'', '"',  '(',  ')',  '0', '9', '\n',
                                      0xe4, 0xbd, 0xa0, '%',  '.', '-'};

static size_t mutate(const blob *seed, const blob *other, uint8_t *out) {
  size_t n = seed->size;
  memcpy(out, seed->data, n);
  int edits = 1 + (int)(next_random() % 4);
  for (int e = 0; e < edits; e++) {
    uint64_t r = next_random();
    size_t at = n ? (size_t)(r >> 8) % n : 0;
    switch (r % 5) {
    case 0: /* flip a bit */
      if (n)
        out[at] ^= (uint8_t)(1u << (r >> 40) % 8);
      break;
    case 1: /* truncate */
      n = at;
      break;
    case 2: /* overwrite with an interesting byte */
      if (n)
        out[at] = interesting[(r >> 32) % sizeof interesting];
      break;
    case 3: /* insert an interesting byte */
      if (n + 1 < MAX_SEED) {
        memmove(out + at + 1, out + at, n - at);
        out[at] = interesting[(r >> 32) % sizeof interesting];
        n++;
      }
      break;
    default: /* splice the tail of another seed */
      if (other->size) {
        size_t from = (size_t)(r >> 24) % other->size;
        size_t len = other->size - from;
        if (at + len > MAX_SEED)
          len = MAX_SEED - at;
        memcpy(out + at, other->data + from, len);
        n = at + len;
      }
      break;
    }
  }
  return n;
}

int main(int argc, char **argv) {
  long mutations = 20000;
  int first = 1;
  if (argc > 2 && strcmp(argv[1], "--mutations") == 0) {
    mutations = strtol(argv[2], NULL, 10);
    first = 3;
  }
  blob seeds[MAX_SEEDS];
  int n = 0, count = 0;
  for (int i = first; i < argc && n < MAX_SEEDS; i++) {
    if (read_seed(argv[i], &seeds[n]) != 0) {
      printf("not ok %d - seed %s cannot be read\n", ++count, argv[i]);
      continue;
    }
    run(seeds[n].data, seeds[n].size);
    printf("ok %d - seed %s\n", ++count, argv[i]);
    n++;
  }
  run((const uint8_t *)"", 0);
  uint8_t *buf = malloc(MAX_SEED);
  if (!buf)
    return 1;
  for (long m = 0; m < mutations && n > 0; m++) {
    const blob *a = &seeds[next_random() % (uint64_t)n];
    const blob *b = &seeds[next_random() % (uint64_t)n];
    run(buf, mutate(a, b, buf));
  }
  printf("ok %d - %ld deterministic mutations of %d seeds\n", ++count,
         mutations, n);
  printf("1..%d\n", count);
  free(buf);
  for (int i = 0; i < n; i++)
    free(seeds[i].data);
  return 0;
}
