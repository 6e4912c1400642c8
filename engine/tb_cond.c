/*
 * tb_cond.c — conditions on a form: the parser (with type checks against the
 * definition), the evaluator and the "can it ever hold" analysis.
 *
 * A condition is a tree allocated from the caller's arena: `or` and `and`
 * nodes hold a list of operands (so long chains stay flat), `not` holds one,
 * a comparison holds the field index, the operator and the literal already
 * converted to the field's type (a tb_value), so evaluation allocates
 * nothing and does no parsing.
 *
 * Language details the header leaves open:
 * - field names: [A-Za-z_][A-Za-z0-9_-]*; keywords (and, or, not, contains,
 *   true, false) are lower case and cannot be field names.
 * - text literals are in single quotes; a quote inside is written twice
 *   ('it''s'). They must be valid UTF-8 without control characters.
 * - numbers: '-'? digits ('.' digits)?, no exponent, at most 30 digits;
 *   money literals are yuan with at most two decimals, held in fen.
 * - '=' on a `multiple` choice field means the chosen set is exactly that
 *   one value; use `contains` to test one choice among several.
 * - nesting: every '(' and every `not` enters one level; more than 32 levels
 *   or more than 1024 bytes are refused with TB_ERR_LIMIT. The parser's
 *   recursion is bounded by the level count, `and` / `or` chains loop.
 * - evaluation: a comparison on an absent value is false, whatever its
 *   operator ('!=' included), so `not x = 1` holds when x is absent. A NULL
 *   condition always holds.
 * - every problem reads "column N: …", N being the byte offset + 1.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif

#include "tb_engine.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { MAX_TEXT = 1024, MAX_DEPTH = 32, SHOW_MAX = 40 };

typedef enum { N_OR, N_AND, N_NOT, N_CMP } node_kind;

typedef enum {
  OP_EQ,
  OP_NE,
  OP_LT,
  OP_LE,
  OP_GT,
  OP_GE,
  OP_CONTAINS,
  OP_IS /* a bare boolean field */
} cmp_op;

struct tb_cond {
  uint8_t kind;         /* node_kind */
  uint8_t op;           /* cmp_op */
  uint8_t type;         /* tb_field_type of the field */
  uint8_t field;        /* index into the form */
  const tb_cond *first; /* or, and, not: the first operand */
  const tb_cond *next;  /* the next operand of the enclosing or / and */
  tb_value lit;         /* the literal, converted to the field's type */
};

/* ---- lexer ------------------------------------------------------------ */

typedef enum {
  T_END,
  T_IDENT,
  T_NUMBER,
  T_STRING,
  T_OP,
  T_LPAREN,
  T_RPAREN,
  T_AND,
  T_OR,
  T_NOT,
  T_CONTAINS,
  T_TRUE,
  T_FALSE,
  T_ERROR
} tok_kind;

typedef struct {
  tok_kind kind;
  size_t start, len; /* byte range in the text */
  cmp_op op;         /* T_OP */
} token;

typedef struct {
  tb_arena *arena;
  const tb_definition *def;
  const char *s;
  size_t len, pos;
  token tok;
  tb_problem *p;
  tb_status status; /* TB_OK until the first problem */
} parser;

static void fail(parser *P, size_t at, tb_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail(parser *P, size_t at, tb_status st, const char *fmt, ...) {
  if (P->status != TB_OK)
    return; /* keep the first problem */
  char msg[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  P->status = tb_problem_set(P->p, st, NULL, "column %zu: %s", at + 1, msg);
  P->tok.kind = T_ERROR;
}

static const char *fid(const tb_field *f) {
  return f->id ? f->id : "";
}

static bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

static bool is_ident_char(char c) {
  return is_ident_start(c) || is_digit(c) || c == '-';
}

/* Printable ASCII copy of at most SHOW_MAX bytes, for messages. */
static void show(char *buf, size_t size, const char *s, size_t len) {
  size_t o = 0;
  for (size_t i = 0; i < len && o + 4 < size; i++) {
    if (i == SHOW_MAX) {
      memcpy(buf + o, "...", 3);
      o += 3;
      break;
    }
    unsigned char c = (unsigned char)s[i];
    buf[o++] = (char)(c >= 0x20 && c < 0x7F ? c : '?');
  }
  buf[o] = '\0';
}

static const struct {
  const char *word;
  tok_kind kind;
} keywords[] = {
    {"and", T_AND},   {"or", T_OR},       {"not", T_NOT},
    {"true", T_TRUE}, {"false", T_FALSE}, {"contains", T_CONTAINS},
};

static tok_kind keyword_kind(const char *s, size_t len) {
  for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
    if (strlen(keywords[i].word) == len &&
        memcmp(keywords[i].word, s, len) == 0)
      return keywords[i].kind;
  return T_IDENT;
}

static void lex_number(parser *P) {
  const char *s = P->s;
  size_t i = P->pos;
  if (s[i] == '-')
    i++;
  while (i < P->len && is_digit(s[i]))
    i++;
  bool ok = true;
  if (i < P->len && s[i] == '.') {
    i++;
    ok = i < P->len && is_digit(s[i]);
    while (i < P->len && is_digit(s[i]))
      i++;
  }
  size_t end = i;
  while (end < P->len && (is_ident_char(s[end]) || s[end] == '.'))
    end++;
  if (!ok || end != i) {
    char b[64];
    show(b, sizeof b, s + P->pos, end - P->pos);
    fail(P, P->pos, TB_ERR_INVALID,
         "malformed number '%s' (write digits like 42 or -3.5)", b);
    return;
  }
  P->tok.kind = T_NUMBER;
  P->tok.len = i - P->pos;
  P->pos = i;
}

static void lex_string(parser *P) {
  size_t i = P->pos + 1;
  for (;;) {
    const char *q = i < P->len ? memchr(P->s + i, '\'', P->len - i) : NULL;
    if (!q) {
      fail(P, P->pos, TB_ERR_INVALID, "unterminated text: a ' is missing");
      return;
    }
    i = (size_t)(q - P->s) + 1;
    if (i < P->len && P->s[i] == '\'') {
      i++; /* '' is a quote inside the text */
      continue;
    }
    break;
  }
  P->tok.kind = T_STRING;
  P->tok.len = i - P->pos;
  P->pos = i;
}

static bool lex_operator(parser *P) {
  const char *s = P->s + P->pos;
  size_t left = P->len - P->pos;
  bool two = left >= 2 && s[1] == '=';
  cmp_op op;
  switch (s[0]) {
  case '=':
    if (two) {
      fail(P, P->pos, TB_ERR_INVALID, "write '=' instead of '=='");
      return true;
    }
    op = OP_EQ;
    break;
  case '!':
    if (!two)
      return false;
    op = OP_NE;
    break;
  case '<':
    op = two ? OP_LE : OP_LT;
    break;
  case '>':
    op = two ? OP_GE : OP_GT;
    break;
  default:
    return false;
  }
  if (s[0] == '!' || s[0] == '<' || s[0] == '>')
    P->tok.len = two ? 2 : 1;
  else
    P->tok.len = 1;
  P->tok.kind = T_OP;
  P->tok.op = op;
  P->pos += P->tok.len;
  return true;
}

static void lex_unexpected(parser *P) {
  unsigned char c = (unsigned char)P->s[P->pos];
  if (c == '"')
    fail(P, P->pos, TB_ERR_INVALID, "write text in single quotes: 'like this'");
  else if (c > 0x20 && c < 0x7F)
    fail(P, P->pos, TB_ERR_INVALID, "unexpected character '%c'", c);
  else
    fail(P, P->pos, TB_ERR_INVALID, "unexpected byte 0x%02X", c);
}

/* Read the next token into P->tok. */
static void lex(parser *P) {
  if (P->status != TB_OK)
    return;
  while (P->pos < P->len && (P->s[P->pos] == ' ' || P->s[P->pos] == '\t' ||
                             P->s[P->pos] == '\n' || P->s[P->pos] == '\r'))
    P->pos++;
  P->tok.start = P->pos;
  P->tok.len = 0;
  if (P->pos >= P->len) {
    P->tok.kind = T_END;
    return;
  }
  char c = P->s[P->pos];
  if (is_ident_start(c)) {
    size_t i = P->pos;
    while (i < P->len && is_ident_char(P->s[i]))
      i++;
    P->tok.len = i - P->pos;
    P->tok.kind = keyword_kind(P->s + P->pos, P->tok.len);
    P->pos = i;
  } else if (is_digit(c) ||
             (c == '-' && P->pos + 1 < P->len && is_digit(P->s[P->pos + 1]))) {
    lex_number(P);
  } else if (c == '\'') {
    lex_string(P);
  } else if (c == '(' || c == ')') {
    P->tok.kind = c == '(' ? T_LPAREN : T_RPAREN;
    P->tok.len = 1;
    P->pos++;
  } else if (!lex_operator(P)) {
    lex_unexpected(P);
  }
}

/* How the current token reads in "found …". */
static void describe(const parser *P, char *buf, size_t size) {
  char b[64];
  switch (P->tok.kind) {
  case T_END:
    snprintf(buf, size, "the end");
    break;
  case T_STRING:
    snprintf(buf, size, "a text");
    break;
  default:
    show(b, sizeof b, P->s + P->tok.start, P->tok.len);
    snprintf(buf, size, "'%s'", b);
  }
}

/* ---- literals --------------------------------------------------------- */

static const char *op_text(cmp_op op) {
  static const char *const names[] = {
      "=", "!=", "<", "<=", ">", ">=", "contains", ""};
  return names[op];
}

static bool op_allowed(tb_field_type t, cmp_op op) {
  switch (op) {
  case OP_EQ:
  case OP_NE:
    return true;
  case OP_CONTAINS:
    return t == TB_FIELD_TEXT || t == TB_FIELD_ID_NUMBER ||
           t == TB_FIELD_CHOICE;
  default:
    return t == TB_FIELD_NUMBER || t == TB_FIELD_MONEY || t == TB_FIELD_DATE;
  }
}

static tok_kind literal_wanted(tb_field_type t) {
  switch (t) {
  case TB_FIELD_NUMBER:
  case TB_FIELD_MONEY:
    return T_NUMBER;
  case TB_FIELD_BOOLEAN:
    return T_TRUE; /* or T_FALSE */
  default:
    return T_STRING;
  }
}

static const char *literal_noun(tok_kind k) {
  return k == T_NUMBER ? "a number" : k == T_STRING ? "text" : "true or false";
}

/* The text between the quotes of a T_STRING, with '' turned into '. */
static void unquote(parser *P, const token *t, const char **out, size_t *n) {
  const char *s = P->s + t->start + 1;
  size_t len = t->len - 2, o = 0;
  char *buf = tb_arena_alloc(P->arena, len + 1);
  for (size_t i = 0; i < len; i++) {
    buf[o++] = s[i];
    if (s[i] == '\'')
      i++; /* skip the second quote of '' */
  }
  *out = buf;
  *n = o;
}

/* A field like f without bounds, for converting a literal of its type. */
static tb_field relaxed(const tb_field *f) {
  tb_field r = *f;
  r.has_min = r.has_max = false;
  r.integer = r.multiple = false;
  r.required = false;
  if (r.type == TB_FIELD_MONEY) {
    r.has_min = true; /* allows negative amounts */
    r.min = -HUGE_VAL;
  }
  if (r.type == TB_FIELD_ID_NUMBER)
    r.type = TB_FIELD_TEXT; /* a prefix is a fine literal */
  return r;
}

static bool convert_text_literal(parser *P, const tb_field *f, const token *t,
                                 tb_value *out) {
  const char *s;
  size_t n;
  tb_problem pr = {0};
  tb_field r = relaxed(f);
  unquote(P, t, &s, &n);
  if (n == 0 && r.type == TB_FIELD_TEXT) {
    out->present = true; /* '' is a fine text literal */
    out->text = s;
    return true;
  }
  if (n == 0) {
    fail(P, t->start, TB_ERR_INVALID, "empty text is not a valid %s",
         r.type == TB_FIELD_DATE ? "date" : "choice");
    return false;
  }
  tb_status st = tb_value_parse(&r, s, n, 0, out, &pr);
  if (st != TB_OK) {
    char b[64];
    show(b, sizeof b, s, n);
    if (r.type == TB_FIELD_TEXT)
      fail(P, t->start, st, "text %s", pr.detail);
    else if (strncmp(pr.detail, "must", 4) == 0)
      fail(P, t->start, st, "'%s' %s", b, pr.detail);
    else
      fail(P, t->start, st, "%s", pr.detail);
    return false;
  }
  return true;
}

static bool convert_literal(parser *P, const tb_field *f, const token *t,
                            tb_value *out) {
  if (t->kind == T_TRUE || t->kind == T_FALSE) {
    out->present = true;
    out->boolean = t->kind == T_TRUE;
    return true;
  }
  if (t->kind == T_STRING)
    return convert_text_literal(P, f, t, out);
  tb_problem pr = {0};
  tb_field r = relaxed(f);
  if (tb_value_parse(&r, P->s + t->start, t->len, 0, out, &pr) != TB_OK) {
    char b[64];
    show(b, sizeof b, P->s + t->start, t->len);
    fail(P, t->start, TB_ERR_INVALID, "'%s' %s", b, pr.detail);
    return false;
  }
  return true;
}

/* ---- parser ----------------------------------------------------------- */

static tb_cond *new_node(parser *P, node_kind kind) {
  tb_cond *c = tb_arena_alloc(P->arena, sizeof *c);
  c->kind = (uint8_t)kind;
  return c;
}

static bool check_literal_kind(parser *P, const tb_field *f, const token *t) {
  tok_kind want = literal_wanted(f->type);
  tok_kind got = t->kind == T_FALSE ? T_TRUE : t->kind;
  if (got == want)
    return true;
  fail(P, t->start, TB_ERR_INVALID, "cannot compare %s field '%s' with %s%s",
       tb_field_type_name(f->type), fid(f), literal_noun(got),
       f->type == TB_FIELD_DATE ? "; write a date like '2026-11-21'" : "");
  return false;
}

/* FIELD OP literal | FIELD contains literal, the field already read. */
static tb_cond *parse_comparison(parser *P, tb_cond *c, const tb_field *f) {
  token op = P->tok;
  c->op = (uint8_t)(op.kind == T_CONTAINS ? OP_CONTAINS : op.op);
  if (!op_allowed(f->type, (cmp_op)c->op)) {
    fail(P, op.start, TB_ERR_INVALID, "cannot use '%s' on %s field '%s'%s",
         op_text((cmp_op)c->op), tb_field_type_name(f->type), fid(f),
         f->type == TB_FIELD_CHOICE ? "; use '=', '!=' or 'contains'"
         : f->type == TB_FIELD_TEXT ? "; use '=', '!=' or 'contains'"
                                    : "; use '=' or '!='");
    return NULL;
  }
  lex(P);
  token lit = P->tok;
  if (lit.kind != T_NUMBER && lit.kind != T_STRING && lit.kind != T_TRUE &&
      lit.kind != T_FALSE) {
    char found[80];
    if (P->status != TB_OK)
      return NULL;
    describe(P, found, sizeof found);
    fail(P, lit.start, TB_ERR_INVALID, "expected a value after '%s', found %s",
         op_text((cmp_op)c->op), found);
    return NULL;
  }
  if (!check_literal_kind(P, f, &lit) || !convert_literal(P, f, &lit, &c->lit))
    return NULL;
  lex(P);
  return c;
}

static tb_cond *parse_compare(parser *P) {
  char found[80];
  if (P->tok.kind != T_IDENT) {
    if (P->status != TB_OK)
      return NULL;
    describe(P, found, sizeof found);
    bool kw = P->tok.kind >= T_AND && P->tok.kind <= T_FALSE;
    fail(P, P->tok.start, TB_ERR_INVALID, "expected a field name, found %s%s",
         found, kw ? " (a keyword)" : "");
    return NULL;
  }
  token name = P->tok;
  int i = tb_definition_field(P->def, P->s + name.start, name.len);
  if (i < 0) {
    show(found, sizeof found, P->s + name.start, name.len);
    fail(P, name.start, TB_ERR_INVALID, "unknown field '%s' in condition",
         found);
    return NULL;
  }
  if (i >= TB_MAX_FIELDS) {
    fail(P, name.start, TB_ERR_LIMIT, "field '%s' is beyond the first %d",
         fid(&P->def->fields[i]), TB_MAX_FIELDS);
    return NULL;
  }
  const tb_field *f = &P->def->fields[i];
  tb_cond *c = new_node(P, N_CMP);
  c->field = (uint8_t)i;
  c->type = (uint8_t)f->type;
  lex(P);
  if (P->tok.kind == T_OP || P->tok.kind == T_CONTAINS)
    return parse_comparison(P, c, f);
  if (P->status != TB_OK)
    return NULL;
  if (f->type != TB_FIELD_BOOLEAN) {
    fail(P, name.start, TB_ERR_INVALID,
         "%s field '%s' must be compared with a value",
         tb_field_type_name(f->type), fid(f));
    return NULL;
  }
  c->op = OP_IS;
  return c;
}

static tb_cond *parse_or(parser *P, int depth);

static tb_cond *parse_unary(parser *P, int depth) {
  token t = P->tok;
  if ((t.kind == T_NOT || t.kind == T_LPAREN) && depth >= MAX_DEPTH) {
    fail(P, t.start, TB_ERR_LIMIT, "nested more than %d levels deep",
         MAX_DEPTH);
    return NULL;
  }
  if (t.kind == T_NOT) {
    lex(P);
    tb_cond *k = parse_unary(P, depth + 1);
    if (!k)
      return NULL;
    tb_cond *c = new_node(P, N_NOT);
    c->first = k;
    return c;
  }
  if (t.kind == T_LPAREN) {
    lex(P);
    tb_cond *k = parse_or(P, depth + 1);
    if (!k)
      return NULL;
    if (P->tok.kind != T_RPAREN) {
      char found[80];
      describe(P, found, sizeof found);
      fail(P, P->tok.start, TB_ERR_INVALID,
           "expected ')' to close the '(' at column %zu, found %s", t.start + 1,
           found);
      return NULL;
    }
    lex(P);
    return k;
  }
  return parse_compare(P);
}

/* operand (sep operand)*: an `or` of ands or an `and` of unaries. */
static tb_cond *parse_list(parser *P, int depth, node_kind kind) {
  tok_kind sep = kind == N_OR ? T_OR : T_AND;
  tb_cond *first =
      kind == N_OR ? parse_list(P, depth, N_AND) : parse_unary(P, depth);
  if (!first || P->tok.kind != sep)
    return first;
  tb_cond *node = new_node(P, kind), *tail = first;
  node->first = first;
  while (P->tok.kind == sep) {
    lex(P);
    tb_cond *k =
        kind == N_OR ? parse_list(P, depth, N_AND) : parse_unary(P, depth);
    if (!k)
      return NULL;
    tail->next = k;
    tail = k;
  }
  return node;
}

static tb_cond *parse_or(parser *P, int depth) {
  return parse_list(P, depth, N_OR);
}

tb_status tb_cond_parse(tb_arena *a, const tb_definition *def, const char *text,
                        size_t len, const tb_cond **out, tb_problem *p) {
  if (out)
    *out = NULL;
  if (!a || !def || !out || (!text && len))
    return tb_problem_set(p, TB_ERR_INVALID, NULL, "no condition to parse");
  if (len > MAX_TEXT)
    return tb_problem_set(p, TB_ERR_LIMIT, NULL,
                          "condition is longer than %d bytes", MAX_TEXT);
  parser P = {.arena = a, .def = def, .s = text, .len = len, .p = p};
  lex(&P);
  if (P.tok.kind == T_END) {
    fail(&P, 0, TB_ERR_INVALID, "empty condition");
    return P.status;
  }
  tb_cond *c = parse_or(&P, 0);
  if (c && P.tok.kind != T_END) {
    char found[80];
    describe(&P, found, sizeof found);
    fail(&P, P.tok.start, TB_ERR_INVALID,
         "expected 'and', 'or' or the end, found %s", found);
  }
  if (P.status != TB_OK)
    return P.status;
  *out = c;
  return TB_OK;
}

/* ---- evaluation ------------------------------------------------------- */

static bool apply(cmp_op op, int ord) {
  switch (op) {
  case OP_EQ:
    return ord == 0;
  case OP_NE:
    return ord != 0;
  case OP_LT:
    return ord < 0;
  case OP_LE:
    return ord <= 0;
  case OP_GT:
    return ord > 0;
  case OP_GE:
    return ord >= 0;
  default:
    return false;
  }
}

static int order_i64(int64_t a, int64_t b) {
  return (a > b) - (a < b);
}

static bool eval_text(const tb_cond *c, const tb_value *v) {
  const char *s = v->text ? v->text : "";
  size_t n = v->text ? v->text_len : 0;
  if (c->op == OP_CONTAINS)
    return c->lit.text_len == 0 ||
           (n >= c->lit.text_len && memmem(s, n, c->lit.text, c->lit.text_len));
  bool same = n == c->lit.text_len && memcmp(s, c->lit.text, n) == 0;
  return c->op == OP_EQ ? same : !same;
}

static bool eval_compare(const tb_cond *c, const tb_form *form) {
  const tb_value *v = &form->values[c->field];
  if (!v->present)
    return false;
  switch ((tb_field_type)c->type) {
  case TB_FIELD_NUMBER:
    if (isnan(v->number))
      return false;
    return apply((cmp_op)c->op,
                 (v->number > c->lit.number) - (v->number < c->lit.number));
  case TB_FIELD_MONEY:
    return apply((cmp_op)c->op, order_i64(v->money, c->lit.money));
  case TB_FIELD_DATE:
    return apply((cmp_op)c->op, order_i64(v->date, c->lit.date));
  case TB_FIELD_BOOLEAN:
    if (c->op == OP_IS)
      return v->boolean;
    return (v->boolean == c->lit.boolean) == (c->op == OP_EQ);
  case TB_FIELD_CHOICE:
    if (c->op == OP_CONTAINS)
      return (v->choices & c->lit.choices) != 0;
    return (v->choices == c->lit.choices) == (c->op == OP_EQ);
  case TB_FIELD_TEXT:
  case TB_FIELD_ID_NUMBER:
    return eval_text(c, v);
  }
  return false;
}

bool tb_cond_eval(const tb_cond *c, const tb_form *form) {
  static const tb_form empty;
  if (!c)
    return true;
  if (!form)
    form = &empty;
  switch ((node_kind)c->kind) {
  case N_OR:
    for (const tb_cond *k = c->first; k; k = k->next)
      if (tb_cond_eval(k, form))
        return true;
    return false;
  case N_AND:
    for (const tb_cond *k = c->first; k; k = k->next)
      if (!tb_cond_eval(k, form))
        return false;
    return true;
  case N_NOT:
    return !tb_cond_eval(c->first, form);
  case N_CMP:
    return eval_compare(c, form);
  }
  return false;
}

/* ---- can it ever hold? ------------------------------------------------ */

/* The order of a bound relative to the literal: -1 below, 0 equal, 1 above;
 * `known` false when there is no usable bound. */
typedef struct {
  bool known;
  int ord;
} bound_order;

static bound_order order_double(bool has, double bound, double x) {
  bound_order b = {has && !isnan(bound), 0};
  if (b.known)
    b.ord = (bound > x) - (bound < x);
  return b;
}

/* Exact order of a double bound against an integer literal. */
static bound_order order_bound_i64(bool has, double bound, int64_t x) {
  bound_order b = {has && !isnan(bound), 0};
  if (!b.known)
    return b;
  if (bound >= 9223372036854775808.0 || bound < -9223372036854775808.0) {
    b.ord = bound > 0 ? 1 : -1;
    return b;
  }
  int64_t t = (int64_t)bound; /* exact truncation */
  double frac = bound - (double)t;
  b.ord = t != x ? (t > x ? 1 : -1) : (frac > 0) - (frac < 0);
  return b;
}

/* Whether some value in [lo, hi] can satisfy `value op x`. */
static bool interval_may_hold(cmp_op op, bound_order lo, bound_order hi) {
  switch (op) {
  case OP_GT:
    return !(hi.known && hi.ord <= 0);
  case OP_GE:
    return !(hi.known && hi.ord < 0);
  case OP_LT:
    return !(lo.known && lo.ord >= 0);
  case OP_LE:
    return !(lo.known && lo.ord > 0);
  case OP_EQ:
    return !((hi.known && hi.ord < 0) || (lo.known && lo.ord > 0));
  case OP_NE:
    return !(lo.known && hi.known && lo.ord == 0 && hi.ord == 0);
  default:
    return true;
  }
}

static bool compare_may_hold(const tb_cond *c, const tb_field *f) {
  cmp_op op = (cmp_op)c->op;
  bound_order lo, hi;
  switch (f->type) {
  case TB_FIELD_NUMBER:
    if (f->integer && op == OP_EQ && c->lit.number != floor(c->lit.number))
      return false;
    lo = order_double(f->has_min, f->min, c->lit.number);
    hi = order_double(f->has_max, f->max, c->lit.number);
    break;
  case TB_FIELD_MONEY:
    lo = order_bound_i64(f->has_min, f->min, c->lit.money);
    hi = order_bound_i64(f->has_max, f->max, c->lit.money);
    if (!(f->has_min && f->min < 0) && !lo.known)
      lo = order_bound_i64(true, 0, c->lit.money); /* no negative amounts */
    break;
  case TB_FIELD_DATE:
    lo = order_bound_i64(f->has_min, f->min, c->lit.date);
    hi = order_bound_i64(f->has_max, f->max, c->lit.date);
    break;
  default:
    return true;
  }
  return interval_may_hold(op, lo, hi);
}

bool tb_cond_may_hold(const tb_cond *c, const tb_definition *def) {
  if (!c)
    return true;
  switch ((node_kind)c->kind) {
  case N_OR:
    for (const tb_cond *k = c->first; k; k = k->next)
      if (tb_cond_may_hold(k, def))
        return true;
    return false;
  case N_AND:
    for (const tb_cond *k = c->first; k; k = k->next)
      if (!tb_cond_may_hold(k, def))
        return false;
    return true;
  case N_NOT:
    return true; /* conservative */
  case N_CMP:
    if (!def || c->field >= def->n_fields ||
        def->fields[c->field].type != (tb_field_type)c->type)
      return true;
    return compare_may_hold(c, &def->fields[c->field]);
  }
  return true;
}
