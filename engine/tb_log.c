/*
 * tb_log.c — the logger's levels and its line format (see tb_log.h). A
 * line is built in a fixed buffer on the caller's stack, never allocated,
 * so logging works when memory is out; the installed sink writes it.
 */
#include "tb_log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static tb_log_sink the_sink;
static void *the_cls;
static atomic_int min_level = TB_LOG_INFO;

static const char *const level_names[] = {
    [TB_LOG_DEBUG] = "debug",
    [TB_LOG_INFO] = "info",
    [TB_LOG_WARN] = "warn",
    [TB_LOG_ERROR] = "error",
};
#define N_LEVELS (sizeof level_names / sizeof level_names[0])

void tb_log_set_sink(tb_log_sink sink, void *cls) {
  the_sink = sink;
  the_cls = cls;
}

void tb_log_set_level(tb_log_level min) {
  atomic_store_explicit(&min_level, (int)min, memory_order_relaxed);
}

tb_log_level tb_log_get_level(void) {
  return (tb_log_level)atomic_load_explicit(&min_level, memory_order_relaxed);
}

bool tb_log_enabled(tb_log_level level) {
  return the_sink &&
         (int)level >= atomic_load_explicit(&min_level, memory_order_relaxed);
}

const char *tb_log_level_name(tb_log_level level) {
  return (unsigned)level < N_LEVELS ? level_names[level] : "unknown";
}

bool tb_log_level_parse(const char *name, tb_log_level *out) {
  for (size_t i = 0; name && i < N_LEVELS; i++)
    if (strcasecmp(name, level_names[i]) == 0) {
      *out = (tb_log_level)i;
      return true;
    }
  return false;
}

/* ---- the line ------------------------------------------------------------ */

#define CUT_MARK " truncated=true\n"
/* Kept free beyond the writer's limit: a closing quote, the mark, NUL. */
#define RESERVE (1 + sizeof CUT_MARK)

typedef struct {
  char *buf;
  size_t len;
  size_t limit; /* text goes no further; the reserve follows */
  bool cut;     /* something did not fit: nothing more is written */
} line_writer;

static bool put(line_writer *w, const char *s, size_t n) {
  if (w->cut)
    return false;
  if (n > w->limit - w->len) {
    w->cut = true;
    return false;
  }
  memcpy(w->buf + w->len, s, n);
  w->len += n;
  return true;
}

static bool needs_quotes(const char *s, size_t n) {
  if (n == 0)
    return true;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f)
      return true;
  }
  return false;
}

/* The bytes of the character at s (n left): a UTF-8 sequence stays whole;
 * a byte that starts none is one character. */
static size_t char_len(const unsigned char *s, size_t n) {
  size_t want = s[0] < 0xC0 ? 1 : s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
  if (s[0] >= 0xF8)
    want = 1;
  if (want > n)
    want = n;
  for (size_t i = 1; i < want; i++)
    if ((s[i] & 0xC0) != 0x80)
      return i;
  return want;
}

/* The escaped form of an ASCII byte inside quotes; its length. */
static size_t escape(unsigned char c, char out[5]) {
  const char *two = c == '"'    ? "\\\""
                    : c == '\\' ? "\\\\"
                    : c == '\n' ? "\\n"
                    : c == '\r' ? "\\r"
                    : c == '\t' ? "\\t"
                                : NULL;
  if (two) {
    memcpy(out, two, 2);
    return 2;
  }
  if (c < 0x20 || c == 0x7f) {
    snprintf(out, 5, "\\x%02x", c);
    return 4;
  }
  out[0] = (char)c;
  return 1;
}

/* A value, quoted and escaped when it needs it. false (and nothing
 * written) when the line is cut before any of it fits. */
static bool put_value(line_writer *w, const char *s, size_t n) {
  size_t start = w->len;
  bool quote = needs_quotes(s, n);
  if (quote && !put(w, "\"", 1))
    return false;
  size_t i = 0;
  while (i < n) {
    const unsigned char *u = (const unsigned char *)s + i;
    char esc[5];
    const char *unit = (const char *)u;
    size_t unit_len = 1, step = 1;
    if (*u >= 0x80) {
      unit_len = step = char_len(u, n - i);
    } else if (quote) {
      unit_len = escape(*u, esc);
      unit = esc;
    }
    if (!put(w, unit, unit_len))
      break;
    i += step;
  }
  if (w->cut && i == 0 && n > 0) {
    w->len = start;
    return false;
  }
  if (quote && !put(w, "\"", 1))
    w->buf[w->len++] = '"'; /* the reserve keeps room for it */
  return true;
}

/* A key or the module: letters, digits, '_', '.', '-'; others as '_'. */
static void put_name(line_writer *w, const char *name) {
  if (!name || !*name) {
    put(w, "_", 1);
    return;
  }
  for (const char *p = name; *p; p++) {
    char c = *p;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!put(w, ok ? &c : "_", 1))
      return;
  }
}

/* " key=value"; when the line is cut before the value, nothing. */
static void put_pair(line_writer *w, const char *key, const char *value,
                     size_t n) {
  if (w->cut)
    return;
  size_t start = w->len;
  put(w, " ", 1);
  put_name(w, key);
  if (!put(w, "=", 1) || !put_value(w, value, n))
    w->len = start;
}

/* A real number with up to three decimals, trailing zeros dropped. */
static void format_real(double v, char *out, size_t cap) {
  if (!(v > -1e15 && v < 1e15)) {
    snprintf(out, cap, "%g", v);
    return;
  }
  snprintf(out, cap, "%.3f", v);
  char *dot = strchr(out, '.');
  if (!dot)
    return;
  char *end = out + strlen(out);
  while (end > dot + 1 && end[-1] == '0')
    end--;
  if (end == dot + 1)
    end = dot;
  *end = '\0';
}

static void put_field(line_writer *w, const tb_log_field *f) {
  char num[64];
  switch (f->kind) {
  case TB_LOG_FIELD_STR:
    if (f->str)
      put_pair(w, f->key, f->str, strlen(f->str));
    return;
  case TB_LOG_FIELD_STRN:
    if (f->str)
      put_pair(w, f->key, f->str, f->len);
    return;
  case TB_LOG_FIELD_INT:
    snprintf(num, sizeof num, "%lld", f->num);
    break;
  case TB_LOG_FIELD_REAL:
    format_real(f->real, num, sizeof num);
    break;
  case TB_LOG_FIELD_BOOL:
    snprintf(num, sizeof num, "%s", f->num ? "true" : "false");
    break;
  default:
    snprintf(num, sizeof num, "?");
    break;
  }
  put_pair(w, f->key, num, strlen(num));
}

size_t tb_log_format(char *out, size_t cap, tb_log_level level,
                     const char *module, const char *msg,
                     const tb_log_field *fields, size_t n) {
  if (cap < TB_LOG_FORMAT_MIN)
    return 0;
  line_writer w = {.buf = out, .limit = cap - RESERVE};
  put(&w, "level=", 6);
  const char *name = tb_log_level_name(level);
  put(&w, name, strlen(name));
  put(&w, " module=", 8);
  put_name(&w, module);
  put_pair(&w, "msg", msg ? msg : "", msg ? strlen(msg) : 0);
  for (size_t i = 0; i < n; i++)
    put_field(&w, &fields[i]);
  if (!put(&w, "\n", 1)) {
    memcpy(w.buf + w.len, CUT_MARK, sizeof CUT_MARK - 1);
    w.len += sizeof CUT_MARK - 1;
  }
  out[w.len] = '\0';
  return w.len;
}

/* ---- writing ----------------------------------------------------------- */

void tb_log_fields(tb_log_level level, const char *module, const char *msg,
                   const tb_log_field *fields, size_t n) {
  if (!tb_log_enabled(level))
    return;
  char line[TB_LOG_LINE_MAX];
  size_t len = tb_log_format(line, sizeof line, level, module, msg, fields, n);
  tb_log_sink sink = the_sink;
  if (sink && len)
    sink(the_cls, level, line, len);
}

void tb_log(tb_log_level level, const char *module, const char *msg) {
  tb_log_fields(level, module, msg, NULL, 0);
}
