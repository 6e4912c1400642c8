/*
 * test_log.c — the logger's line format and levels (engine/tb_log.h):
 * the fixed leading fields, every kind of field, quoting and escaping,
 * the bound on a line (cut at a character, quote closed, marked), and the
 * level filter in front of the sink.
 */
#include "tb_log.h"
#include "tb_test.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* ---- a sink that keeps what it gets ----------------------------------- */

typedef struct {
  int calls;
  tb_log_level level;
  char line[TB_LOG_LINE_MAX + 1];
  size_t len;
} capture;

static void capture_sink(void *cls, tb_log_level level, const char *line,
                         size_t len) {
  capture *c = cls;
  c->calls++;
  c->level = level;
  c->len = len;
  memcpy(c->line, line, len + 1);
}

/* Log through the real path and return the line the sink got. */
static capture cap;

static void reset(void) {
  memset(&cap, 0, sizeof cap);
  tb_log_set_sink(capture_sink, &cap);
  tb_log_set_level(TB_LOG_DEBUG);
}

/* The formatted value of one string field. */
static const char *value_line(const char *value) {
  reset();
  tb_log_kv(TB_LOG_INFO, "t", "m", TB_LOG_S("v", value));
  return cap.line;
}

/* ---- cases ------------------------------------------------------------ */

static void test_shape(void) {
  reset();
  tb_log(TB_LOG_WARN, "store", "PostgreSQL stopped");
  TB_CHECK_INT(cap.calls, 1);
  TB_CHECK_INT(cap.level, TB_LOG_WARN);
  TB_CHECK_STR(cap.line,
               "level=warn module=store msg=\"PostgreSQL stopped\"\n");
  TB_CHECK_INT(cap.len, strlen(cap.line));
  reset();
  tb_log(TB_LOG_ERROR, "engine", "oom");
  TB_CHECK_STR(cap.line, "level=error module=engine msg=oom\n");
  reset();
  tb_log(TB_LOG_DEBUG, "x", NULL);
  TB_CHECK_STR(cap.line, "level=debug module=x msg=\"\"\n");
}

static void test_fields(void) {
  reset();
  tb_log_kv(TB_LOG_INFO, "http", "request", TB_LOG_S("method", "POST"),
            TB_LOG_S("path", "/api/v1/applications"), TB_LOG_I("status", 201),
            TB_LOG_I("bytes", -1), TB_LOG_F("ms", 12.5), TB_LOG_F("s", 3.0),
            TB_LOG_F("tiny", 0.0134), TB_LOG_B("aborted", false),
            TB_LOG_B("retry", 7), TB_LOG_SN("cut", "abcdef", 3),
            TB_LOG_S("omitted", NULL), TB_LOG_SN("also", NULL, 4));
  TB_CHECK_STR(cap.line,
               "level=info module=http msg=request method=POST "
               "path=/api/v1/applications status=201 bytes=-1 ms=12.5 s=3 "
               "tiny=0.013 aborted=false retry=true cut=abc\n");
  reset();
  tb_log_kv(TB_LOG_INFO, "t", "m", TB_LOG_I("big", 9223372036854775807LL),
            TB_LOG_F("huge", 1e300), TB_LOG_F("neg", -2.25));
  TB_CHECK_STR(cap.line, "level=info module=t msg=m big=9223372036854775807 "
                         "huge=1e+300 neg=-2.25\n");
}

static void test_escaping(void) {
  TB_CHECK_STR(value_line("plain"), "level=info module=t msg=m v=plain\n");
  TB_CHECK_STR(value_line(""), "level=info module=t msg=m v=\"\"\n");
  TB_CHECK_STR(value_line("two words"),
               "level=info module=t msg=m v=\"two words\"\n");
  TB_CHECK_STR(value_line("a=b"), "level=info module=t msg=m v=\"a=b\"\n");
  TB_CHECK_STR(value_line("say \"hi\""),
               "level=info module=t msg=m v=\"say \\\"hi\\\"\"\n");
  TB_CHECK_STR(value_line("C:\\dir"),
               "level=info module=t msg=m v=\"C:\\\\dir\"\n");
  TB_CHECK_STR(value_line("line\nnext\r\tend"),
               "level=info module=t msg=m v=\"line\\nnext\\r\\tend\"\n");
  TB_CHECK_STR(value_line("bell\a esc\x1b del\x7f"),
               "level=info module=t msg=m v=\"bell\\x07 esc\\x1b del\\x7f\"\n");
  /* UTF-8 text is kept as it is, and needs no quotes by itself */
  TB_CHECK_STR(value_line("市场监管局"),
               "level=info module=t msg=m v=市场监管局\n");
  TB_CHECK_STR(value_line("不予 受理"),
               "level=info module=t msg=m v=\"不予 受理\"\n");
  /* a bare quote-free value with a NUL inside a counted string */
  reset();
  tb_log_kv(TB_LOG_INFO, "t", "m", TB_LOG_SN("v", "a\0b", 3));
  TB_CHECK_STR(cap.line, "level=info module=t msg=m v=\"a\\x00b\"\n");
  /* keys and the module are names: anything else becomes '_' */
  reset();
  tb_log_kv(TB_LOG_INFO, "my module", "m", TB_LOG_S("a key=", "1"),
            TB_LOG_S("", "2"), TB_LOG_S("ok_.-9", "3"));
  TB_CHECK_STR(cap.line,
               "level=info module=my_module msg=m a_key_=1 _=2 ok_.-9=3\n");
}

/* A line that does not fit is cut at a character and marked. */
static bool balanced_quotes(const char *line) {
  bool in = false;
  for (const char *p = line; *p; p++) {
    if (in && *p == '\\' && p[1])
      p++;
    else if (*p == '"')
      in = !in;
  }
  return !in;
}

static void test_bound(void) {
  char big[4 * TB_LOG_LINE_MAX];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  reset();
  tb_log_kv(TB_LOG_INFO, "t", "m", TB_LOG_S("v", big), TB_LOG_I("after", 1));
  TB_CHECK(cap.len <= TB_LOG_LINE_MAX);
  TB_CHECK(cap.len > TB_LOG_LINE_MAX - 40); /* filled, not dropped */
  TB_CHECK_INT(strlen(cap.line), cap.len);
  const char *mark = " truncated=true\n";
  TB_CHECKF(cap.len > strlen(mark) &&
                strcmp(cap.line + cap.len - strlen(mark), mark) == 0,
            "%s", cap.line);
  TB_CHECK(strstr(cap.line, "after=") == NULL);
  TB_CHECK(strstr(cap.line, "v=xxxx") != NULL);
  TB_CHECK(strchr(cap.line, '\n') == cap.line + cap.len - 1);

  /* quoted and escaped: the quote is closed, no escape is split */
  for (size_t i = 0; i < sizeof big - 1; i++)
    big[i] = i % 3 == 0 ? '"' : 'y';
  reset();
  tb_log_kv(TB_LOG_INFO, "t", "m", TB_LOG_S("v", big));
  TB_CHECK(cap.len <= TB_LOG_LINE_MAX);
  TB_CHECKF(balanced_quotes(cap.line), "%s", cap.line);
  TB_CHECK(strstr(cap.line, "\" truncated=true\n") != NULL);

  /* UTF-8: never cut inside a character (每 is three bytes) */
  big[0] = '\0';
  while (strlen(big) + 3 < sizeof big)
    memcpy(big + strlen(big), "每", sizeof "每");
  reset();
  tb_log_kv(TB_LOG_INFO, "t", "m", TB_LOG_S("v", big));
  const char *v = strstr(cap.line, "v=") + 2;
  const char *end = strstr(cap.line, " truncated=true");
  TB_CHECK(v && end && (size_t)(end - v) % 3 == 0);

  /* a field that does not fit at all is left out whole: around the
   * bound, "long_key=" is either absent or followed by a whole character */
  char msg[TB_LOG_LINE_MAX];
  for (size_t len = 900; len < sizeof msg; len++) {
    memset(msg, 'm', len);
    msg[len] = '\0';
    reset();
    tb_log_kv(TB_LOG_INFO, "t", msg, TB_LOG_S("long_key", big));
    const char *k = strstr(cap.line, "long_key=");
    TB_CHECKF(!k || strncmp(k, "long_key=每", strlen("long_key=每")) == 0,
              "message of %zu bytes: %s", len, cap.line + 900);
    TB_CHECK(cap.len <= TB_LOG_LINE_MAX);
    TB_CHECK(strstr(cap.line, " truncated=true\n") != NULL);
  }

  /* tb_log_format: the bound is the buffer's size */
  char small[TB_LOG_FORMAT_MIN];
  tb_log_field f = TB_LOG_S("value", "a rather long value that cannot fit");
  size_t n =
      tb_log_format(small, sizeof small, TB_LOG_INFO, "mod", "msg", &f, 1);
  TB_CHECK_INT(n, strlen(small));
  TB_CHECK(n < sizeof small);
  TB_CHECKF(balanced_quotes(small), "%s", small);
  TB_CHECKF(strstr(small, "truncated=true\n") != NULL, "%s", small);
  TB_CHECK_INT(tb_log_format(small, TB_LOG_FORMAT_MIN - 1, TB_LOG_INFO, "m",
                             "m", NULL, 0),
               0);
  /* what fits is not marked */
  n = tb_log_format(small, sizeof small, TB_LOG_INFO, "m", "short", NULL, 0);
  TB_CHECK_STR(small, "level=info module=m msg=short\n");
}

static void test_levels(void) {
  reset();
  tb_log_set_level(TB_LOG_WARN);
  TB_CHECK_INT(tb_log_get_level(), TB_LOG_WARN);
  TB_CHECK(!tb_log_enabled(TB_LOG_INFO));
  TB_CHECK(tb_log_enabled(TB_LOG_ERROR));
  tb_log(TB_LOG_DEBUG, "t", "debug");
  tb_log(TB_LOG_INFO, "t", "info");
  TB_CHECK_INT(cap.calls, 0);
  tb_log(TB_LOG_WARN, "t", "warn");
  tb_log_kv(TB_LOG_ERROR, "t", "error", TB_LOG_I("n", 1));
  TB_CHECK_INT(cap.calls, 2);
  TB_CHECK_STR(cap.line, "level=error module=t msg=error n=1\n");
  tb_log_set_level(TB_LOG_ERROR);
  tb_log(TB_LOG_WARN, "t", "warn");
  TB_CHECK_INT(cap.calls, 2);
  /* no sink: nothing is enabled, nothing breaks */
  tb_log_set_sink(NULL, NULL);
  TB_CHECK(!tb_log_enabled(TB_LOG_ERROR));
  tb_log(TB_LOG_ERROR, "t", "dropped");
  TB_CHECK_INT(cap.calls, 2);
  tb_log_set_level(TB_LOG_INFO);
}

static void test_level_names(void) {
  static const char *const names[] = {"debug", "info", "warn", "error"};
  for (int i = 0; i < 4; i++) {
    tb_log_level l = TB_LOG_ERROR;
    TB_CHECK_STR(tb_log_level_name((tb_log_level)i), names[i]);
    TB_CHECK(tb_log_level_parse(names[i], &l));
    TB_CHECK_INT(l, i);
  }
  tb_log_level l = TB_LOG_DEBUG;
  TB_CHECK(tb_log_level_parse("WARN", &l) && l == TB_LOG_WARN);
  TB_CHECK(!tb_log_level_parse("warning", &l));
  TB_CHECK(!tb_log_level_parse("", &l));
  TB_CHECK(!tb_log_level_parse(NULL, &l));
  TB_CHECK_STR(tb_log_level_name((tb_log_level)9), "unknown");
}

int main(void) {
  TB_RUN(test_shape);
  TB_RUN(test_fields);
  TB_RUN(test_escaping);
  TB_RUN(test_bound);
  TB_RUN(test_levels);
  TB_RUN(test_level_names);
  return tb_test_done();
}
