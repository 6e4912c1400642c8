/*
 * tb_test.h — a small TAP test harness for tongban's C tests.
 *
 * A test program registers cases with TB_RUN(fn); each case prints one
 * "ok N - name" or "not ok N - name" line, failed checks print "# file:line:
 * what" diagnostics, and tb_test_done() prints the plan and returns the exit
 * code. meson runs the programs with protocol 'tap', so every case counts
 * in the suite's "N passed, N failed" line.
 */
#ifndef TB_TEST_H
#define TB_TEST_H

#include "tb_util.h"

#include <stdio.h>
#include <string.h>

static int tb_test_count;
static int tb_test_failed_cases;
static int tb_test_case_failures;

#define TB_CHECK(cond)                                                         \
  do {                                                                         \
    if (!(cond)) {                                                             \
      tb_test_case_failures++;                                                 \
      printf("# %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);        \
    }                                                                          \
  } while (0)

/* Like TB_CHECK, with a printf-style explanation on failure. */
#define TB_CHECKF(cond, ...)                                                   \
  do {                                                                         \
    if (!(cond)) {                                                             \
      tb_test_case_failures++;                                                 \
      printf("# %s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);        \
      printf(__VA_ARGS__);                                                     \
      printf("\n");                                                            \
    }                                                                          \
  } while (0)

#define TB_CHECK_INT(a, b)                                                     \
  do {                                                                         \
    long long tb_a_ = (long long)(a), tb_b_ = (long long)(b);                  \
    if (tb_a_ != tb_b_) {                                                      \
      tb_test_case_failures++;                                                 \
      printf("# %s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__,   \
             #a, #b, tb_a_, tb_b_);                                            \
    }                                                                          \
  } while (0)

#define TB_CHECK_STR(a, b)                                                     \
  do {                                                                         \
    const char *tb_a_ = (a), *tb_b_ = (b);                                     \
    if (!tb_a_ || !tb_b_ || strcmp(tb_a_, tb_b_) != 0) {                       \
      tb_test_case_failures++;                                                 \
      printf("# %s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__,         \
             __LINE__, #a, #b, tb_a_ ? tb_a_ : "(null)",                       \
             tb_b_ ? tb_b_ : "(null)");                                        \
    }                                                                          \
  } while (0)

/* A small deterministic generator (xorshift64) for randomized tests: the
 * next value below bound (> 0), from *state (not 0). The same seed gives
 * the same sequence, so a failure repeats. */
static inline uint32_t tb_test_rng(uint64_t *state, uint32_t bound) {
  *state ^= *state << 13;
  *state ^= *state >> 7;
  *state ^= *state << 17;
  return (uint32_t)(*state % bound);
}

/* Run a case under a name (for table-driven tests: one name per row). */
static inline void tb_test_case(const char *name, void (*fn)(void)) {
  tb_test_case_failures = 0;
  fn();
  tb_test_count++;
  if (tb_test_case_failures) {
    tb_test_failed_cases++;
    printf("not ok %d - %s\n", tb_test_count, name);
  } else {
    printf("ok %d - %s\n", tb_test_count, name);
  }
  fflush(stdout);
}

/* Record a case whose checks were made inline (failures counted since the
 * last case). */
static inline void tb_test_report(const char *name) {
  tb_test_count++;
  if (tb_test_case_failures) {
    tb_test_failed_cases++;
    printf("not ok %d - %s\n", tb_test_count, name);
  } else {
    printf("ok %d - %s\n", tb_test_count, name);
  }
  tb_test_case_failures = 0;
  fflush(stdout);
}

#define TB_RUN(fn) tb_test_case(#fn, fn)

/* All that is left of stream f (a file, a popen pipe) up to 16 MiB,
 * NUL-terminated and malloc'ed (free() it), its length in *len (may be
 * NULL); NULL when it is larger. f stays open. */
static inline char *tb_test_read_stream(FILE *f, size_t *len) {
  tb_buf b;
  tb_buf_init(&b, 1 << 24);
  char chunk[8192];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    tb_buf_add(&b, chunk, n);
  tb_buf_adds(&b, "");
  return tb_buf_take(&b, len);
}

/* A whole file of at most 16 MiB, NUL-terminated and malloc'ed (free()
 * it), its length in *len (len may be NULL); NULL when it cannot be read
 * or is larger. */
static inline char *tb_test_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *text = tb_test_read_stream(f, len);
  fclose(f);
  return text;
}

static inline int tb_test_done(void) {
  printf("1..%d\n", tb_test_count);
  return tb_test_failed_cases ? 1 : 0;
}

#endif /* TB_TEST_H */
