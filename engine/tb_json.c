/*
 * tb_json.c — RFC 8785 (JSON Canonicalization Scheme) canonical JSON (see
 * tb_util.h): a strict RFC 8259 parser builds a tree in an arena, then
 * the writer emits it with sorted members, canonical string escapes and
 * ECMAScript number text. Nothing is written unless the whole text
 * parsed.
 *
 * Numbers: the shortest digits that read back as the same double are
 * found by printing with 1, 2, … 17 significant digits ("%.*e" rounds
 * correctly, ties to even) and reading back with strtod; where the gap
 * between doubles changes (at powers of two) the nearest candidate of a
 * length can miss while a neighbour reads back, so both neighbours are
 * tried too. strtod and snprintf use the locale's decimal point: like
 * the rest of the program this assumes LC_NUMERIC is "C" (nobody calls
 * setlocale).
 */
#include "tb_engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
  J_NULL,
  J_TRUE,
  J_FALSE,
  J_NUMBER,
  J_STRING,
  J_ARRAY,
  J_OBJECT
} jkind;

typedef struct jnode {
  jkind kind;
  const char *text; /* string value (UTF-8) or canonical number text */
  size_t len;
  const char *key; /* member name when the parent is an object */
  size_t key_len;
  struct jnode *first, *next; /* children; the next sibling */
  size_t n;                   /* children */
} jnode;

typedef struct {
  const char *s;
  size_t len, pos;
  int depth;
  tb_arena *arena;
  tb_json_status st;
} parser;

const char *tb_json_status_name(tb_json_status st) {
  switch (st) {
  case TB_JSON_OK:
    return "ok";
  case TB_JSON_SYNTAX:
    return "syntax";
  case TB_JSON_UTF8:
    return "utf8";
  case TB_JSON_DUPLICATE:
    return "duplicate";
  case TB_JSON_NUMBER:
    return "number";
  case TB_JSON_DEPTH:
    return "depth";
  case TB_JSON_TOO_LARGE:
    return "too_large";
  }
  return "unknown";
}

/* ---- ECMAScript numbers ---------------------------------------------------
 */

/* Whether m × 10^scale reads back as exactly x. */
static bool reads_back(uint64_t m, long scale, double x) {
  char t[48];
  snprintf(t, sizeof t, "%llue%ld", (unsigned long long)m, scale);
  return strtod(t, NULL) == x;
}

/* The shortest digits s (k of them, returned) of finite x > 0 that read
 * back as x, and n such that x = 0.s × 10^n (ECMAScript's s, k, n). */
static size_t shortest_digits(double x, char s[24], long *n) {
  for (int p = 1; p <= 17; p++) {
    char e[48];
    snprintf(e, sizeof e, "%.*e", p - 1, x);
    char *exp_at = strchr(e, 'e');
    uint64_t m = 0;
    for (const char *c = e; c < exp_at; c++)
      if (*c >= '0' && *c <= '9')
        m = m * 10 + (uint64_t)(*c - '0');
    long scale = strtol(exp_at + 1, NULL, 10) - (p - 1);
    uint64_t pick = 0;
    if (reads_back(m, scale, x))
      pick = m;
    else if (m > 1 && reads_back(m - 1, scale, x))
      pick = m - 1;
    else if (reads_back(m + 1, scale, x))
      pick = m + 1;
    if (!pick)
      continue;
    while (pick % 10 == 0) {
      pick /= 10;
      scale++;
    }
    int k = snprintf(s, 24, "%llu", (unsigned long long)pick);
    *n = k + scale;
    return (size_t)k;
  }
  abort(); /* 17 significant digits always read back */
}

static size_t put_zeros(char *out, size_t o, long count) {
  for (long i = 0; i < count; i++)
    out[o++] = '0';
  return o;
}

/* Number::toString(x) of ECMAScript (ECMA-262 §6.1.6.1.20) into out. */
static size_t es_number(double x, char out[48]) {
  size_t o = 0;
  if (x == 0) {
    out[o++] = '0'; /* -0 as well */
    out[o] = '\0';
    return o;
  }
  if (x < 0) {
    out[o++] = '-';
    x = -x;
  }
  if (x < 9007199254740992.0 && x == floor(x)) /* the common case: 2^53 */
    return o + (size_t)snprintf(out + o, 48 - o, "%.0f", x);
  char s[24];
  long n;
  size_t k = shortest_digits(x, s, &n);
  if ((long)k <= n && n <= 21) {
    memcpy(out + o, s, k);
    o = put_zeros(out, o + k, n - (long)k);
  } else if (0 < n && n <= 21) {
    memcpy(out + o, s, (size_t)n);
    o += (size_t)n;
    out[o++] = '.';
    memcpy(out + o, s + n, k - (size_t)n);
    o += k - (size_t)n;
  } else if (-6 < n && n <= 0) {
    out[o++] = '0';
    out[o++] = '.';
    o = put_zeros(out, o, -n);
    memcpy(out + o, s, k);
    o += k;
  } else {
    out[o++] = s[0];
    if (k > 1) {
      out[o++] = '.';
      memcpy(out + o, s + 1, k - 1);
      o += k - 1;
    }
    o += (size_t)snprintf(out + o, 48 - o, "e%c%ld", n - 1 < 0 ? '-' : '+',
                          labs(n - 1));
  }
  out[o] = '\0';
  return o;
}

/* ---- parsing ------------------------------------------------------------ */

static bool fail(parser *P, tb_json_status st) {
  if (P->st == TB_JSON_OK)
    P->st = st;
  return false;
}

static jnode *new_node(parser *P, jkind kind) {
  jnode *j = tb_arena_alloc(P->arena, sizeof *j);
  j->kind = kind;
  return j;
}

static void skip_space(parser *P) {
  while (P->pos < P->len) {
    char c = P->s[P->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
      return;
    P->pos++;
  }
}

static bool at(const parser *P, char c) {
  return P->pos < P->len && P->s[P->pos] == c;
}

static bool is_digit(const parser *P) {
  return P->pos < P->len && P->s[P->pos] >= '0' && P->s[P->pos] <= '9';
}

static void digits(parser *P) {
  while (is_digit(P))
    P->pos++;
}

static jnode *parse_literal(parser *P, const char *word, jkind kind) {
  size_t n = strlen(word);
  if (P->len - P->pos < n || memcmp(P->s + P->pos, word, n) != 0) {
    fail(P, TB_JSON_SYNTAX);
    return NULL;
  }
  P->pos += n;
  return new_node(P, kind);
}

/* The RFC 8259 number grammar; whether it had a fraction or exponent. */
static bool scan_number(parser *P, bool *integer) {
  if (at(P, '-'))
    P->pos++;
  if (at(P, '0'))
    P->pos++;
  else if (is_digit(P))
    digits(P);
  else
    return fail(P, TB_JSON_SYNTAX);
  *integer = true;
  if (at(P, '.')) {
    P->pos++;
    if (!is_digit(P))
      return fail(P, TB_JSON_SYNTAX);
    digits(P);
    *integer = false;
  }
  if (at(P, 'e') || at(P, 'E')) {
    P->pos++;
    if (at(P, '+') || at(P, '-'))
      P->pos++;
    if (!is_digit(P))
      return fail(P, TB_JSON_SYNTAX);
    digits(P);
    *integer = false;
  }
  return true;
}

static jnode *parse_number(parser *P) {
  size_t start = P->pos;
  bool integer;
  if (!scan_number(P, &integer))
    return NULL;
  size_t len = P->pos - start;
  if (len > TB_JSON_MAX_NUMBER) {
    fail(P, TB_JSON_NUMBER);
    return NULL;
  }
  char lit[TB_JSON_MAX_NUMBER + 1], out[48];
  memcpy(lit, P->s + start, len);
  lit[len] = '\0';
  double x = strtod(lit, NULL);
  size_t n = isfinite(x) ? es_number(x, out) : 0;
  /* an integer literal must come out as itself ("-0" reads as 0) */
  bool exact = !integer || (n == len && memcmp(out, lit, len) == 0) ||
               strcmp(lit, "-0") == 0;
  if (!n || !exact) {
    fail(P, TB_JSON_NUMBER);
    return NULL;
  }
  jnode *j = new_node(P, J_NUMBER);
  j->text = tb_arena_strndup(P->arena, out, n);
  j->len = n;
  return j;
}

static int hex4(const char *s) {
  int v = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0)
      return -1;
    v = v * 16 + d;
  }
  return v;
}

static size_t put_utf8(char *out, uint32_t cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | cp >> 12);
    out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | cp >> 18);
  out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
  out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* A \uXXXX escape at s[*i] (after the backslash and 'u'), with its low
 * half when it is a high surrogate; -1 on bad syntax, -2 on a lone
 * surrogate. */
static long unicode_escape(const char *s, size_t end, size_t *i) {
  if (end - *i < 4)
    return -1;
  long hi = hex4(s + *i);
  if (hi < 0)
    return -1;
  *i += 4;
  if (hi < 0xD800 || hi > 0xDFFF)
    return hi;
  if (hi > 0xDBFF || end - *i < 6 || s[*i] != '\\' || s[*i + 1] != 'u')
    return -2;
  long lo = hex4(s + *i + 2);
  if (lo < 0)
    return -1;
  if (lo < 0xDC00 || lo > 0xDFFF)
    return -2;
  *i += 6;
  return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
}

/* One escape at s[*i] (just after the backslash) into out; its length, or
 * 0 with the parser failed. */
static size_t escape(parser *P, size_t end, size_t *i, char *out) {
  char c = P->s[(*i)++];
  static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
  const char *hit = c ? strchr(from, c) : NULL;
  if (hit) {
    out[0] = to[hit - from];
    return 1;
  }
  if (c != 'u')
    return fail(P, TB_JSON_SYNTAX);
  long cp = unicode_escape(P->s, end, i);
  if (cp < 0)
    return fail(P, cp == -2 ? TB_JSON_UTF8 : TB_JSON_SYNTAX);
  return put_utf8(out, (uint32_t)cp);
}

/* The string at P->pos (on its opening quote), unescaped into the arena:
 * escapes never make it longer. */
static bool parse_string(parser *P, const char **text, size_t *text_len) {
  size_t end = ++P->pos;
  while (end < P->len && P->s[end] != '"')
    end += P->s[end] == '\\' ? 2 : 1;
  if (end >= P->len)
    return fail(P, TB_JSON_SYNTAX);
  char *out = tb_arena_alloc(P->arena, end - P->pos + 1);
  size_t o = 0, i = P->pos;
  while (i < end) {
    unsigned char c = (unsigned char)P->s[i];
    size_t n;
    if (c == '\\') {
      i++;
      n = escape(P, end, &i, out + o);
      if (!n)
        return false;
      o += n;
      continue;
    }
    if (c < 0x20)
      return fail(P, TB_JSON_SYNTAX);
    n = tb_utf8_decode(P->s + i, end - i, NULL);
    if (!n)
      return fail(P, TB_JSON_UTF8);
    memcpy(out + o, P->s + i, n);
    o += n;
    i += n;
  }
  P->pos = end + 1;
  *text = out;
  *text_len = o;
  return true;
}

static jnode *parse_value(parser *P);

static void append(jnode *parent, jnode **tail, jnode *child) {
  if (*tail)
    (*tail)->next = child;
  else
    parent->first = child;
  *tail = child;
  parent->n++;
}

/* After an item: ',' (true, more follow) or the closing bracket. */
static bool more(parser *P, char close, bool *done) {
  skip_space(P);
  if (at(P, ',')) {
    P->pos++;
    skip_space(P);
    return true;
  }
  if (at(P, close)) {
    P->pos++;
    *done = true;
    return true;
  }
  return fail(P, TB_JSON_SYNTAX);
}

/* Iterates the UTF-16 code units of a UTF-8 string. */
typedef struct {
  const char *s;
  size_t len, i;
  long low; /* the pending low surrogate, or 0 */
} units;

static long next_unit(units *u) {
  if (u->low) {
    long v = u->low;
    u->low = 0;
    return v;
  }
  if (u->i >= u->len)
    return -1;
  uint32_t cp = (unsigned char)u->s[u->i];
  size_t n = tb_utf8_decode(u->s + u->i, u->len - u->i, &cp);
  u->i += n ? n : 1;
  if (cp < 0x10000)
    return (long)cp;
  cp -= 0x10000;
  u->low = 0xDC00 | (long)(cp & 0x3FF);
  return 0xD800 | (long)(cp >> 10);
}

/* RFC 8785 §3.2.3: names compare as arrays of UTF-16 code units. */
static int compare_names(const void *a, const void *b) {
  const jnode *x = *(const jnode *const *)a, *y = *(const jnode *const *)b;
  units ux = {x->key, x->key_len, 0, 0}, uy = {y->key, y->key_len, 0, 0};
  for (;;) {
    long p = next_unit(&ux), q = next_unit(&uy);
    if (p != q)
      return p < q ? -1 : 1;
    if (p < 0)
      return 0;
  }
}

/* Sort the members of j by name; false on a duplicate name. */
static bool sort_members(parser *P, jnode *j) {
  if (j->n < 2)
    return true;
  jnode **v = tb_arena_alloc(P->arena, j->n * sizeof *v);
  size_t i = 0;
  for (jnode *m = j->first; m; m = m->next)
    v[i++] = m;
  qsort(v, j->n, sizeof *v, compare_names);
  for (i = 0; i + 1 < j->n; i++) {
    if (compare_names(&v[i], &v[i + 1]) == 0)
      return fail(P, TB_JSON_DUPLICATE);
    v[i]->next = v[i + 1];
  }
  v[j->n - 1]->next = NULL;
  j->first = v[0];
  return true;
}

static jnode *parse_member(parser *P) {
  const char *key;
  size_t key_len;
  if (!at(P, '"')) {
    fail(P, TB_JSON_SYNTAX);
    return NULL;
  }
  if (!parse_string(P, &key, &key_len))
    return NULL;
  skip_space(P);
  if (!at(P, ':')) {
    fail(P, TB_JSON_SYNTAX);
    return NULL;
  }
  P->pos++;
  skip_space(P);
  jnode *value = parse_value(P);
  if (value) {
    value->key = key;
    value->key_len = key_len;
  }
  return value;
}

/* An array or an object (P->pos on its opening bracket): its items, or
 * its members sorted by name. */
static jnode *parse_items(parser *P, bool object) {
  jnode *j = new_node(P, object ? J_OBJECT : J_ARRAY), *tail = NULL;
  char close = object ? '}' : ']';
  P->pos++;
  skip_space(P);
  if (at(P, close)) {
    P->pos++;
    return j;
  }
  for (bool done = false; !done;) {
    jnode *item = object ? parse_member(P) : parse_value(P);
    if (!item || !more(P, close, &done))
      return NULL;
    append(j, &tail, item);
  }
  return !object || sort_members(P, j) ? j : NULL;
}

static jnode *parse_container(parser *P, bool object) {
  if (++P->depth > TB_JSON_MAX_DEPTH) {
    fail(P, TB_JSON_DEPTH);
    return NULL;
  }
  jnode *j = parse_items(P, object);
  P->depth--;
  return j;
}

static jnode *parse_value(parser *P) {
  if (P->pos >= P->len) {
    fail(P, TB_JSON_SYNTAX);
    return NULL;
  }
  switch (P->s[P->pos]) {
  case '{':
    return parse_container(P, true);
  case '[':
    return parse_container(P, false);
  case '"': {
    jnode *j = new_node(P, J_STRING);
    return parse_string(P, &j->text, &j->len) ? j : NULL;
  }
  case 'n':
    return parse_literal(P, "null", J_NULL);
  case 't':
    return parse_literal(P, "true", J_TRUE);
  case 'f':
    return parse_literal(P, "false", J_FALSE);
  default:
    return parse_number(P);
  }
}

/* ---- writing ------------------------------------------------------------ */

/* The escape of a byte that RFC 8785 escapes: its length, 2 or 6. */
static size_t escape_of(unsigned char c, char esc[7]) {
  esc[0] = '\\';
  switch (c) {
  case '"':
  case '\\':
    esc[1] = (char)c;
    return 2;
  case '\b':
    esc[1] = 'b';
    return 2;
  case '\f':
    esc[1] = 'f';
    return 2;
  case '\n':
    esc[1] = 'n';
    return 2;
  case '\r':
    esc[1] = 'r';
    return 2;
  case '\t':
    esc[1] = 't';
    return 2;
  default:
    memcpy(esc + 1, "u00", 3);
    tb_hex_encode(&c, 1, esc + 4);
    return 6;
  }
}

/* A string known to be valid UTF-8, with the canonical escapes. */
static void write_string(tb_buf *out, const char *s, size_t len) {
  tb_buf_add(out, "\"", 1);
  size_t run = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    tb_buf_add(out, s + run, i - run);
    run = i + 1;
    char esc[7];
    tb_buf_add(out, esc, escape_of(c, esc));
  }
  tb_buf_add(out, s + run, len - run);
  tb_buf_add(out, "\"", 1);
}

static void write_node(tb_buf *out, const jnode *j) {
  static const char *const words[] = {"null", "true", "false"};
  switch (j->kind) {
  case J_NULL:
  case J_TRUE:
  case J_FALSE:
    tb_buf_adds(out, words[j->kind]);
    return;
  case J_NUMBER:
    tb_buf_add(out, j->text, j->len);
    return;
  case J_STRING:
    write_string(out, j->text, j->len);
    return;
  case J_ARRAY:
  case J_OBJECT:
    break;
  }
  bool object = j->kind == J_OBJECT;
  tb_buf_add(out, object ? "{" : "[", 1);
  for (const jnode *c = j->first; c; c = c->next) {
    if (c != j->first)
      tb_buf_add(out, ",", 1);
    if (object) {
      write_string(out, c->key, c->key_len);
      tb_buf_add(out, ":", 1);
    }
    write_node(out, c);
  }
  tb_buf_add(out, object ? "}" : "]", 1);
}

/* Drop what an overflowing write appended (the mark stays). */
static bool finish(tb_buf *out, size_t before) {
  if (!out->overflow)
    return true;
  out->len = before;
  if (out->data)
    out->data[before] = '\0';
  return false;
}

tb_json_status tb_json_canonical(const char *text, size_t len, tb_buf *out) {
  if (len > TB_JSON_MAX_TEXT || out->overflow)
    return TB_JSON_TOO_LARGE;
  parser P = {.s = text ? text : "", .len = text ? len : 0};
  P.arena = tb_arena_new();
  skip_space(&P);
  jnode *root = parse_value(&P);
  skip_space(&P);
  if (root && P.pos != P.len)
    fail(&P, TB_JSON_SYNTAX);
  tb_json_status st = P.st;
  if (st == TB_JSON_OK) {
    size_t before = out->len;
    write_node(out, root);
    if (!finish(out, before))
      st = TB_JSON_TOO_LARGE;
  }
  tb_arena_free(P.arena);
  return st;
}

bool tb_json_put_string(tb_buf *out, const char *s, size_t len) {
  if (!tb_utf8_valid(s, len, NULL))
    return false;
  size_t before = out->len;
  write_string(out, s, len);
  return finish(out, before);
}
