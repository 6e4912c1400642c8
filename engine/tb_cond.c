/*
 * tb_cond.c — conditions on a form: the parser (with type checks against the
 * definition), the evaluator and the analysis that tells a condition that
 * can never hold or always holds (described where it starts, below).
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

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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
  bool wrapped;         /* written in parentheses (included in the span) */
  uint16_t start, end;  /* the bytes of src it was written as */
  const char *src;      /* the whole condition, copied into the arena */
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
  const char *s; /* the arena's copy of the condition */
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
  c->src = P->s;
  return c;
}

/* Record that c was written as the bytes [start, end) (len <= 1024). */
static void set_span(tb_cond *c, size_t start, size_t end) {
  c->start = (uint16_t)start;
  c->end = (uint16_t)end;
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
  c->end = (uint16_t)(lit.start + lit.len);
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
  set_span(c, name.start, name.start + name.len);
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
    set_span(c, t.start, k->end);
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
    set_span(k, t.start, P->tok.start + 1); /* the parentheses included */
    k->wrapped = true;
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
  set_span(node, first->start, tail->end);
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
  char *copy = tb_arena_alloc(a, len + 1); /* reasons quote it later */
  if (len)
    memcpy(copy, text, len);
  parser P = {.arena = a, .def = def, .s = copy, .len = len, .p = p};
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

/* Whether text hay contains text needle ('' is in every text). */
static bool contains_text(const tb_value *hay, const tb_value *needle) {
  return needle->text_len == 0 ||
         (hay->text_len >= needle->text_len &&
          memmem(hay->text, hay->text_len, needle->text, needle->text_len));
}

static bool eval_text(const tb_cond *c, const tb_value *v) {
  const char *s = v->text ? v->text : "";
  size_t n = v->text ? v->text_len : 0;
  if (c->op == OP_CONTAINS)
    return contains_text(v, &c->lit);
  bool same = n == c->lit.text_len && memcmp(s, c->lit.text, n) == 0;
  return c->op == OP_EQ ? same : !same;
}

/* The comparison c on one value of its field. */
static bool eval_value(const tb_cond *c, const tb_value *v) {
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

static bool eval_compare(const tb_cond *c, const tb_form *form) {
  return eval_value(c, &form->values[c->field]);
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

/* ---- what can it do? ---------------------------------------------------
 *
 * Fields are independent (tb_form_check checks each one alone), so the
 * forms that pass the checks are every combination of one value per
 * field. A field's values fall into a few "cases" by what the comparisons
 * on it answer, and within a case every comparison on the field has one
 * answer:
 * - number, money, date: the literals t0 < t1 < … cut the line into the
 *   points ti and the open intervals between them; a region is a case when
 *   a value the field allows lies in it (whole numbers for integer fields,
 *   fen and days; min and max; money not below zero unless min is).
 * - text, id-number: each literal that is itself a valid value, and
 *   "another value" once for each pattern of contains-literals it holds
 *   (leaving out patterns that hold a literal but not a part of it, or a
 *   literal longer than the field allows).
 * - choice: which of the named choices are chosen and whether another one
 *   is, as far as single / multiple and min / max allow.
 * - boolean: true and false.
 * - every optional field: absent, where every comparison is false.
 * The cases may over-approximate (a text pattern no value has) but never
 * miss a value: an extra case can only turn NEVER or ALWAYS into
 * SOMETIMES.
 *
 * "Can it be true?" is a search over the fields' cases with three-valued
 * evaluation that stops as soon as the answer is settled. The top-level
 * operands (the condition's and-ed parts once `not` is pushed down through
 * and / or) fall into groups that share no field; the groups are searched
 * apart. ALWAYS is "its negation can never be true". The reason names the
 * smallest set of those operands that still cannot be true together: each
 * one is dropped in turn and stays out if the rest still cannot.
 * Every search has a budget of node evaluations; running out answers
 * "cannot tell", which gives SOMETIMES.
 */

enum {
  MAX_NODES = 512,  /* a 1024-byte condition has fewer */
  MAX_LITS = 64,    /* distinct text literals of one field */
  MAX_SPLIT = 8,    /* contains-literals of a text field, named choices of a
                       multiple choice field */
  WORK = 1 << 18,   /* node evaluations per search and per reason */
  REASON_ITEM = 60, /* bytes of one quoted operand in a reason */
  REASON_SHOWN = 3  /* operands quoted before "and N more" */
};

#define WHOLE_LIMIT 9007199254740992.0L /* 2^53, as tb_form.c */

typedef enum { V_FALSE, V_TRUE, V_UNKNOWN } tri;

typedef struct {
  const tb_cond *c;
  uint8_t kind;        /* node_kind */
  uint8_t slot;        /* N_CMP: the slot of its field */
  uint16_t arg;        /* N_CMP: its literal's index in the slot */
  int16_t first, next; /* operands, as in tb_cond; -1: none */
  uint64_t slots;      /* bit s: slot s is read at or below this node */
} anode;

typedef struct {
  bool absent;
  bool other;    /* text: equal to no literal; choice: an unnamed one too */
  bool boolean;  /* boolean */
  uint16_t pos;  /* number, money, date: region; text: literal (!other) */
  uint64_t bits; /* choice: named choices chosen; text: literals contained */
} fcase;

typedef struct {
  const tb_field *f;
  size_t n_atoms;
  size_t n_lits;
  long double *pts;       /* number, money, date: sorted, distinct */
  const tb_value **texts; /* text, id-number: distinct */
  uint64_t split;         /* text: non-empty contains-literals; choice: the
                             named choices */
  uint64_t unnamed;       /* choice: one choice that is not named */
  fcase *cases;
  size_t n_cases;
} slot;

typedef struct {
  int16_t node;
  bool neg;
  uint64_t slots;
} item;

typedef struct {
  tb_arena *arena;
  const tb_definition *def;
  anode nodes[MAX_NODES];
  size_t n_nodes;
  slot slots[TB_MAX_FIELDS];
  size_t n_slots;
  int8_t slot_of[TB_MAX_FIELDS];
  int16_t cur[TB_MAX_FIELDS]; /* the case each slot is in; -1: open */
  long work;
  bool gave_up; /* too large, or not parsed against this definition */
} analysis;

static int popcount(uint64_t x) {
  return __builtin_popcountll(x);
}

static int lowest_bit(uint64_t x) {
  return x ? __builtin_ctzll(x) : 0;
}

static bool is_numeric(tb_field_type t) {
  return t == TB_FIELD_NUMBER || t == TB_FIELD_MONEY || t == TB_FIELD_DATE;
}

/* ---- the tree, copied with the slots of its fields --------------------- */

static int slot_for(analysis *A, const tb_cond *c) {
  const tb_definition *def = A->def;
  if (c->field >= def->n_fields || c->field >= TB_MAX_FIELDS ||
      def->fields[c->field].type != (tb_field_type)c->type)
    return -1;
  if (A->slot_of[c->field] < 0) {
    A->slot_of[c->field] = (int8_t)A->n_slots;
    A->slots[A->n_slots++].f = &def->fields[c->field];
  }
  int s = A->slot_of[c->field];
  A->slots[s].n_atoms++;
  return s;
}

static int build(analysis *A, const tb_cond *c) {
  if (A->n_nodes >= MAX_NODES) {
    A->gave_up = true;
    return -1;
  }
  int n = (int)A->n_nodes++;
  anode *x = &A->nodes[n];
  x->c = c;
  x->kind = c->kind;
  x->first = x->next = -1;
  if (c->kind == N_CMP) {
    int s = slot_for(A, c);
    if (s < 0) {
      A->gave_up = true;
      return -1;
    }
    x->slot = (uint8_t)s;
    x->slots = (uint64_t)1 << s;
    return n;
  }
  int prev = -1;
  for (const tb_cond *k = c->first; k; k = c->kind == N_NOT ? NULL : k->next) {
    int m = build(A, k);
    if (m < 0)
      return -1;
    if (prev < 0)
      A->nodes[n].first = (int16_t)m;
    else
      A->nodes[prev].next = (int16_t)m;
    A->nodes[n].slots |= A->nodes[m].slots;
    prev = m;
  }
  return n;
}

/* ---- literals ---------------------------------------------------------- */

static long double numeric_literal(const tb_cond *c) {
  switch ((tb_field_type)c->type) {
  case TB_FIELD_MONEY:
    return (long double)c->lit.money;
  case TB_FIELD_DATE:
    return (long double)c->lit.date;
  default:
    return (long double)c->lit.number;
  }
}

static int compare_ld(const void *a, const void *b) {
  long double x = *(const long double *)a, y = *(const long double *)b;
  return (x > y) - (x < y);
}

static size_t find_point(const slot *s, long double x) {
  size_t lo = 0, hi = s->n_lits;
  while (lo + 1 < hi) {
    size_t mid = (lo + hi) / 2;
    if (s->pts[mid] <= x)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

static bool same_text(const tb_value *a, const tb_value *b) {
  return a->text_len == b->text_len &&
         (a->text_len == 0 || memcmp(a->text, b->text, a->text_len) == 0);
}

/* The index of c's text literal in s, added when new; -1 when full. */
static int text_index(slot *s, const tb_cond *c) {
  for (size_t i = 0; i < s->n_lits; i++)
    if (same_text(s->texts[i], &c->lit))
      return (int)i;
  if (s->n_lits >= MAX_LITS)
    return -1;
  s->texts[s->n_lits] = &c->lit;
  return (int)s->n_lits++;
}

static void collect_literal(analysis *A, anode *x) {
  slot *s = &A->slots[x->slot];
  const tb_cond *c = x->c;
  switch (s->f->type) {
  case TB_FIELD_NUMBER:
  case TB_FIELD_MONEY:
  case TB_FIELD_DATE:
    s->pts[s->n_lits++] = numeric_literal(c);
    break;
  case TB_FIELD_TEXT:
  case TB_FIELD_ID_NUMBER: {
    int i = text_index(s, c);
    if (i < 0) {
      A->gave_up = true;
      return;
    }
    x->arg = (uint16_t)i;
    if (c->op == OP_CONTAINS && c->lit.text_len > 0)
      s->split |= (uint64_t)1 << i;
    break;
  }
  case TB_FIELD_CHOICE:
    x->arg = (uint16_t)lowest_bit(c->lit.choices);
    s->split |= c->lit.choices;
    break;
  case TB_FIELD_BOOLEAN:
    break;
  }
}

/* Sort and deduplicate the numeric literals, then point each comparison
 * at its own. */
static void index_points(analysis *A) {
  for (size_t i = 0; i < A->n_slots; i++) {
    slot *s = &A->slots[i];
    if (!is_numeric(s->f->type) || s->n_lits == 0)
      continue;
    qsort(s->pts, s->n_lits, sizeof s->pts[0], compare_ld);
    size_t n = 1;
    for (size_t k = 1; k < s->n_lits; k++)
      if (s->pts[k] != s->pts[n - 1])
        s->pts[n++] = s->pts[k];
    s->n_lits = n;
  }
  for (size_t n = 0; n < A->n_nodes; n++) {
    anode *x = &A->nodes[n];
    if (x->kind == N_CMP && is_numeric((tb_field_type)x->c->type))
      x->arg = (uint16_t)find_point(&A->slots[x->slot], numeric_literal(x->c));
  }
}

/* ---- the cases of each field ------------------------------------------- */

static void add_case(slot *s, fcase k) {
  s->cases[s->n_cases++] = k;
}

typedef struct {
  long double lo, hi; /* inclusive */
  bool whole;         /* only whole numbers */
} domain;

/* A date bound counts only when tb_form.c's date_bound accepts it. */
static bool date_bound_used(double bound) {
  return bound > -2e9 && bound < 2e9;
}

static domain numeric_domain(const tb_field *f) {
  domain d = {-(long double)DBL_MAX, (long double)DBL_MAX, false};
  tb_day first = 0, last = 0;
  bool use_min = f->has_min && !isnan(f->min);
  bool use_max = f->has_max && !isnan(f->max);
  if (f->type == TB_FIELD_NUMBER && f->integer) {
    d = (domain){-WHOLE_LIMIT, WHOLE_LIMIT, true};
  } else if (f->type == TB_FIELD_MONEY) {
    d = (domain){use_min && f->min < 0 ? (long double)INT64_MIN : 0,
                 (long double)INT64_MAX, true};
  } else if (f->type == TB_FIELD_DATE) {
    (void)tb_date_from_ymd(1900, 1, 1, &first);
    (void)tb_date_from_ymd(2199, 12, 31, &last);
    d = (domain){first, last, true};
    use_min = use_min && date_bound_used(f->min);
    use_max = use_max && date_bound_used(f->max);
  }
  if (use_min && f->min > d.lo)
    d.lo = f->min;
  if (use_max && f->max < d.hi)
    d.hi = f->max;
  return d;
}

/* Whether an allowed value lies in region r: odd r is the point
 * pts[r / 2], even r the open interval below pts[r / 2] (above the last
 * for r = 2 n_lits). */
static bool region_allowed(const slot *s, const domain *d, size_t r) {
  if (r % 2 == 1) {
    long double t = s->pts[r / 2];
    return t >= d->lo && t <= d->hi && (!d->whole || t == floorl(t));
  }
  long double a = r == 0 ? -HUGE_VALL : s->pts[r / 2 - 1];
  long double b = r == 2 * s->n_lits ? HUGE_VALL : s->pts[r / 2];
  bool open_a = a >= d->lo, open_b = b <= d->hi;
  long double lo = open_a ? a : d->lo, hi = open_b ? b : d->hi;
  if (d->whole) {
    lo = open_a ? floorl(a) + 1 : ceill(lo);
    hi = open_b ? ceill(b) - 1 : floorl(hi);
    return lo <= hi;
  }
  return lo < hi || (lo == hi && !open_a && !open_b);
}

static void numeric_cases(slot *s) {
  domain d = numeric_domain(s->f);
  for (size_t r = 0; r <= 2 * s->n_lits; r++)
    if (region_allowed(s, &d, r))
      add_case(s, (fcase){.pos = (uint16_t)r});
}

/* Whether some valid text differs from every literal. */
static bool other_text_allowed(const tb_field *f) {
  if (f->type == TB_FIELD_ID_NUMBER)
    return true;
  return !(f->has_max && f->max < 1) &&
         !(f->has_min && f->has_max && f->min > f->max);
}

/* Whether a value can contain literal i: not when it is longer than the
 * field allows. */
static bool may_contain(const slot *s, size_t i) {
  const tb_value *v = s->texts[i];
  size_t chars = 0;
  if (s->f->type == TB_FIELD_ID_NUMBER)
    return v->text_len <= 18;
  if (!tb_utf8_count(v->text, v->text_len, &chars))
    return false;
  return !(s->f->has_max && (double)chars > s->f->max);
}

/* A pattern of contains-literals some value may hold: each literal it
 * holds fits, and so does every literal that is part of one it holds. */
static bool pattern_possible(const slot *s, uint64_t held) {
  for (size_t i = 0; i < s->n_lits; i++) {
    if (!(held >> i & 1))
      continue;
    if (!may_contain(s, i))
      return false;
    for (size_t j = 0; j < s->n_lits; j++)
      if ((s->split >> j & 1) && !(held >> j & 1) &&
          contains_text(s->texts[i], s->texts[j]))
        return false;
  }
  return true;
}

static void text_cases(slot *s) {
  for (size_t i = 0; i < s->n_lits; i++) {
    tb_value v = *s->texts[i];
    tb_problem p = {0};
    v.present = true;
    if (tb_value_check(s->f, &v, 0, &p) == TB_OK)
      add_case(s, (fcase){.pos = (uint16_t)i});
  }
  if (!other_text_allowed(s->f))
    return;
  uint64_t held = 0;
  do { /* every subset of split */
    if (pattern_possible(s, held))
      add_case(s, (fcase){.other = true, .bits = held});
    held = (held - s->split) & s->split;
  } while (held);
}

static void choice_cases(slot *s) {
  const tb_field *f = s->f;
  int n = (int)f->n_choices, named = popcount(s->split);
  uint64_t all = n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
  s->unnamed = (all & ~s->split) & (~(all & ~s->split) + 1);
  if (!f->multiple) {
    for (uint64_t m = s->split; m; m &= m - 1)
      add_case(s, (fcase){.bits = m & (~m + 1)});
    if (named < n)
      add_case(s, (fcase){.other = true});
    return;
  }
  double lo = 1, hi = n;
  if (f->has_min && f->min > lo)
    lo = ceil(f->min);
  if (f->has_max && f->max < hi)
    hi = floor(f->max);
  uint64_t sub = 0;
  do {
    int k = popcount(sub), others = n - named;
    if (k >= lo && k <= hi)
      add_case(s, (fcase){.bits = sub});
    if (others > 0 &&
        (k + 1 > lo ? k + 1 : lo) <= (k + others < hi ? k + others : hi))
      add_case(s, (fcase){.bits = sub, .other = true});
    sub = (sub - s->split) & s->split;
  } while (sub);
}

/* The largest number of cases make_cases may add for s; 0 when the field
 * has too many literals to split. */
static size_t max_cases(const slot *s) {
  int split = popcount(s->split);
  switch (s->f->type) {
  case TB_FIELD_TEXT:
  case TB_FIELD_ID_NUMBER:
    return split > MAX_SPLIT ? 0 : s->n_lits + ((size_t)1 << split) + 1;
  case TB_FIELD_CHOICE:
    if (s->f->n_choices > TB_MAX_CHOICES ||
        (s->f->multiple && split > MAX_SPLIT))
      return 0;
    return s->f->multiple ? ((size_t)2 << split) + 1 : (size_t)split + 2;
  case TB_FIELD_BOOLEAN:
    return 3;
  default:
    return 2 * s->n_lits + 2;
  }
}

static void make_cases(analysis *A, slot *s) {
  size_t most = max_cases(s);
  if (most == 0) {
    A->gave_up = true;
    return;
  }
  s->cases = tb_arena_alloc(A->arena, most * sizeof s->cases[0]);
  switch (s->f->type) {
  case TB_FIELD_TEXT:
  case TB_FIELD_ID_NUMBER:
    text_cases(s);
    break;
  case TB_FIELD_CHOICE:
    choice_cases(s);
    break;
  case TB_FIELD_BOOLEAN:
    add_case(s, (fcase){.boolean = true});
    add_case(s, (fcase){.boolean = false});
    break;
  default:
    numeric_cases(s);
  }
  if (!s->f->required)
    add_case(s, (fcase){.absent = true});
  if (s->n_cases == 0)
    A->gave_up = true; /* no valid form at all: leave it to other checks */
}

static void prepare(analysis *A) {
  for (size_t i = 0; i < A->n_slots; i++) {
    slot *s = &A->slots[i];
    s->pts = tb_arena_alloc(A->arena, s->n_atoms * sizeof s->pts[0]);
    s->texts = tb_arena_alloc(A->arena, s->n_atoms * sizeof s->texts[0]);
  }
  for (size_t n = 0; n < A->n_nodes && !A->gave_up; n++)
    if (A->nodes[n].kind == N_CMP)
      collect_literal(A, &A->nodes[n]);
  index_points(A);
  for (size_t i = 0; i < A->n_slots && !A->gave_up; i++)
    make_cases(A, &A->slots[i]);
}

/* ---- three-valued evaluation and the search ---------------------------- */

/* The comparison x in case k of its field: booleans, choices and text
 * literals through the evaluator itself, from a value of the case. */
static bool atom_true(const analysis *A, const anode *x, const fcase *k) {
  const tb_cond *c = x->c;
  const slot *s = &A->slots[x->slot];
  tb_value v = {.present = !k->absent};
  switch ((tb_field_type)c->type) {
  case TB_FIELD_BOOLEAN:
    v.boolean = k->boolean;
    break;
  case TB_FIELD_CHOICE:
    v.choices = k->bits | (k->other ? s->unnamed : 0);
    break;
  case TB_FIELD_TEXT:
  case TB_FIELD_ID_NUMBER:
    if (!k->other && !k->absent) {
      v = *s->texts[k->pos];
      v.present = true;
    } else if (!k->absent && c->op == OP_CONTAINS) {
      return c->lit.text_len == 0 || (k->bits >> x->arg & 1) != 0;
    } else if (!k->absent) {
      return c->op == OP_NE; /* equal to no literal */
    }
    break;
  default: {
    int at = 2 * (int)x->arg + 1; /* the literal's region */
    return !k->absent &&
           apply((cmp_op)c->op, ((int)k->pos > at) - ((int)k->pos < at));
  }
  }
  return eval_value(c, &v);
}

static tri eval_node(analysis *A, int n) {
  const anode *x = &A->nodes[n];
  A->work--;
  if (x->kind == N_CMP) {
    int k = A->cur[x->slot];
    return k < 0                                          ? V_UNKNOWN
           : atom_true(A, x, &A->slots[x->slot].cases[k]) ? V_TRUE
                                                          : V_FALSE;
  }
  if (x->kind == N_NOT) {
    tri v = eval_node(A, x->first);
    return v == V_UNKNOWN ? v : v == V_TRUE ? V_FALSE : V_TRUE;
  }
  tri stop = x->kind == N_AND ? V_FALSE : V_TRUE;
  tri result = x->kind == N_AND ? V_TRUE : V_FALSE;
  for (int k = x->first; k >= 0; k = A->nodes[k].next) {
    tri v = eval_node(A, k);
    if (v == stop)
      return stop;
    if (v == V_UNKNOWN)
      result = V_UNKNOWN;
  }
  return result;
}

/* The `and` of the items marked in on. */
static tri eval_items(analysis *A, const item *it, size_t n, const bool *on) {
  tri result = V_TRUE;
  for (size_t i = 0; i < n; i++) {
    if (!on[i])
      continue;
    tri v = eval_node(A, it[i].node);
    if (v != V_UNKNOWN && it[i].neg)
      v = v == V_TRUE ? V_FALSE : V_TRUE;
    if (v == V_FALSE)
      return V_FALSE;
    if (v == V_UNKNOWN)
      result = V_UNKNOWN;
  }
  return result;
}

/* 1: some cases of the slots order[d…] make the marked items all true;
 * 0: none do; -1: out of work. */
static int search(analysis *A, const item *it, size_t n, const bool *on,
                  const uint8_t *order, size_t n_order, size_t d) {
  if (A->work <= 0)
    return -1;
  tri v = eval_items(A, it, n, on);
  if (v != V_UNKNOWN)
    return v == V_TRUE;
  if (d == n_order)
    return -1; /* every slot read is set: cannot happen */
  int s = order[d], result = 0;
  for (size_t k = 0; k < A->slots[s].n_cases && result == 0; k++) {
    A->cur[s] = (int16_t)k;
    result = search(A, it, n, on, order, n_order, d + 1);
  }
  A->cur[s] = -1;
  return result;
}

/* Split the marked items into groups that share no slot: the slots of
 * each group in groups[], their count returned. */
static size_t group_slots(const item *it, size_t n, const bool *on,
                          uint64_t groups[TB_MAX_FIELDS]) {
  size_t count = 0;
  for (size_t i = 0; i < n; i++) {
    if (!on[i])
      continue;
    uint64_t merged = it[i].slots;
    size_t kept = 0;
    for (size_t g = 0; g < count; g++) {
      if (groups[g] & merged)
        merged |= groups[g];
      else
        groups[kept++] = groups[g];
    }
    groups[kept] = merged;
    count = kept + 1;
  }
  return count;
}

/* The slots of a group in the order to search them: first those read by
 * the operands that read the fewest slots (a contradiction between two
 * small operands is then found before a large one is explored), then in
 * the order the condition names them. Returns their count. */
static size_t search_order(const analysis *A, const item *it, size_t n,
                           const bool *on, uint64_t group,
                           uint8_t order[TB_MAX_FIELDS]) {
  int weight[TB_MAX_FIELDS];
  size_t count = 0;
  for (size_t s = 0; s < A->n_slots; s++) {
    if (!(group >> s & 1))
      continue;
    weight[s] = TB_MAX_FIELDS + 1;
    for (size_t i = 0; i < n; i++)
      if (on[i] && (it[i].slots >> s & 1) && popcount(it[i].slots) < weight[s])
        weight[s] = popcount(it[i].slots);
    size_t k = count++; /* insertion sort: stable, at most 64 slots */
    while (k > 0 && weight[order[k - 1]] > weight[s]) {
      order[k] = order[k - 1];
      k--;
    }
    order[k] = (uint8_t)s;
  }
  return count;
}

/* Whether the marked items can all be true on one valid form: 1 yes, 0 no
 * (bad, when not NULL, then marks a group of them that cannot), -1 out of
 * work. */
static int satisfiable(analysis *A, const item *it, size_t n, const bool *on,
                       bool *bad) {
  uint64_t groups[TB_MAX_FIELDS];
  size_t n_groups = group_slots(it, n, on, groups);
  int result = 1;
  for (size_t g = 0; g < n_groups; g++) {
    bool part[MAX_NODES];
    uint8_t order[TB_MAX_FIELDS];
    size_t n_order = 0;
    for (size_t i = 0; i < n; i++)
      part[i] = on[i] && (it[i].slots & groups[g]);
    n_order = search_order(A, it, n, part, groups[g], order);
    int r = search(A, it, n, part, order, n_order, 0);
    if (r == 0) {
      if (bad)
        memcpy(bad, part, n * sizeof part[0]);
      return 0;
    }
    if (r < 0)
      result = -1;
  }
  return result;
}

/* The top-level operands of node n (negated when neg): `and` operands,
 * and `or` operands under a negation, with `not` pushed down. */
static void flatten(const analysis *A, int n, bool neg, item *out,
                    size_t *count) {
  const anode *x = &A->nodes[n];
  if (x->kind == N_NOT) {
    flatten(A, x->first, !neg, out, count);
    return;
  }
  if ((x->kind == N_AND && !neg) || (x->kind == N_OR && neg)) {
    for (int k = x->first; k >= 0; k = A->nodes[k].next)
      flatten(A, k, neg, out, count);
    return;
  }
  out[(*count)++] = (item){(int16_t)n, neg, x->slots};
}

/* Drop every marked item the others do not need to stay unsatisfiable. */
static void shrink(analysis *A, const item *it, size_t n, bool *keep) {
  bool trial[MAX_NODES], bad[MAX_NODES];
  A->work = WORK;
  for (size_t i = 0; i < n; i++) {
    if (!keep[i])
      continue;
    memcpy(trial, keep, n * sizeof keep[0]);
    trial[i] = false;
    if (satisfiable(A, it, n, trial, bad) == 0)
      memcpy(keep, bad, n * sizeof bad[0]);
  }
}

/* ---- the reason -------------------------------------------------------- */

/* One operand as written, "not " before it when shown negated (and
 * parentheses around an `and` / `or` that had none). */
static void add_operand(tb_buf *b, const analysis *A, const item *x,
                        bool negated) {
  const tb_cond *c = A->nodes[x->node].c;
  const char *s = c->src + c->start;
  size_t len = (size_t)(c->end - c->start);
  size_t cut = tb_utf8_cut(s, len, REASON_ITEM);
  bool wrap = negated && c->kind != N_CMP && c->kind != N_NOT && !c->wrapped;
  if (negated)
    tb_buf_adds(b, wrap ? "not (" : "not ");
  tb_buf_add(b, s, cut);
  if (cut < len)
    tb_buf_adds(b, "\u2026");
  if (wrap)
    tb_buf_adds(b, ")");
}

static const char *reason_verb(const analysis *A, uint64_t slots, size_t n,
                               bool always) {
  bool one_field = popcount(slots) == 1;
  const tb_field *f = one_field ? A->slots[lowest_bit(slots)].f : NULL;
  if (always && n == 1)
    return one_field ? " holds for every value the field allows"
                     : " holds for every form the definition accepts";
  if (always)
    return one_field ? " cover every value the field allows"
                     : " cover every form the definition accepts";
  if (n == 1)
    return one_field ? " holds for no value the field allows"
                     : " holds for no form the definition accepts";
  if (f && is_numeric(f->type))
    return " leave no value";
  return n == 2 ? " cannot both hold" : " cannot all hold";
}

/* "a and b leave no value", "a or b cover every value the field allows"
 * from the kept operands; always: they are the negated operands of `not
 * c`, shown as c's own. */
static void write_reason(const analysis *A, const item *it, size_t n,
                         const bool *keep, bool always, char *out,
                         size_t size) {
  tb_buf b;
  uint64_t slots = 0;
  size_t count = 0, shown = 0;
  tb_buf_init(&b, 4 * REASON_ITEM * (REASON_SHOWN + 1));
  for (size_t i = 0; i < n; i++)
    if (keep[i]) {
      slots |= it[i].slots;
      count++;
    }
  for (size_t i = 0; i < n; i++) {
    if (!keep[i])
      continue;
    if (shown == REASON_SHOWN && count > REASON_SHOWN + 1) {
      tb_buf_addf(&b, " %s %zu more", always ? "or" : "and", count - shown);
      break;
    }
    if (shown++)
      tb_buf_adds(&b, always ? " or " : " and ");
    add_operand(&b, A, &it[i], it[i].neg != always);
  }
  tb_buf_adds(&b, reason_verb(A, slots, count, always));
  const char *s = tb_buf_str(&b);
  size_t len = tb_utf8_cut(s, strlen(s), size - 1);
  for (size_t i = 0; i < len; i++)
    out[i] = s[i] == '\n' || s[i] == '\r' || s[i] == '\t' ? ' ' : s[i];
  out[len] = '\0';
  tb_buf_free(&b);
}

/* ---- the verdict ------------------------------------------------------- */

static tb_cond_verdict decide(analysis *A, int root, char *reason,
                              size_t size) {
  item *it = tb_arena_alloc(A->arena, MAX_NODES * sizeof *it);
  bool *on = tb_arena_alloc(A->arena, MAX_NODES * sizeof *on);
  bool *bad = tb_arena_alloc(A->arena, MAX_NODES * sizeof *bad);
  for (int neg = 0; neg < 2; neg++) {
    size_t n = 0;
    flatten(A, root, neg, it, &n);
    for (size_t i = 0; i < n; i++)
      on[i] = true;
    A->work = WORK;
    if (satisfiable(A, it, n, on, bad) != 0)
      continue;
    shrink(A, it, n, bad);
    if (reason && size)
      write_reason(A, it, n, bad, neg, reason, size);
    return neg ? TB_COND_ALWAYS : TB_COND_NEVER;
  }
  return TB_COND_SOMETIMES;
}

tb_cond_verdict tb_cond_analyze(const tb_cond *c, const tb_definition *def,
                                char *reason, size_t size) {
  if (reason && size)
    reason[0] = '\0';
  if (!c) {
    if (reason && size)
      snprintf(reason, size, "there is no condition");
    return TB_COND_ALWAYS;
  }
  if (!def)
    return TB_COND_SOMETIMES;
  tb_arena *a = tb_arena_new();
  analysis *A = tb_arena_alloc(a, sizeof *A);
  A->arena = a;
  A->def = def;
  memset(A->slot_of, -1, sizeof A->slot_of);
  memset(A->cur, -1, sizeof A->cur);
  int root = build(A, c);
  if (!A->gave_up)
    prepare(A);
  tb_cond_verdict v =
      A->gave_up ? TB_COND_SOMETIMES : decide(A, root, reason, size);
  tb_arena_free(a);
  return v;
}
