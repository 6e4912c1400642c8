/*
 * tb_doc_parse.c — the template language's parser and checker: lines into
 * a tree of text lines and sections, every placeholder looked up in the
 * kind's model, every problem a FILE:LINE problem. Hostile input: bounded
 * file, line, path and nesting; every byte is looked at once.
 */
#include "tb_doc_int.h"
#include "tb_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  tb_doc_template *t;
  const char *file;
  const char *kind_name;
  tb_workflows_problems *ps;
  size_t problems;
  int line;
  /* open sections, innermost last; models[i] is the model seen inside */
  tb_doc_node *open[TB_DOC_MAX_DEPTH + 1];
  const json_t *models[TB_DOC_MAX_DEPTH + 1];
  int depth;
  json_t *empty; /* the model inside an if, or of an unknown list */
} parser;

#define SEE_README "see workflows/templates/README.md"

static void problem(parser *p, const char *todo, const char *what) {
  tb_workflows_problems_add(p->ps, p->file, p->line, todo, "%s", what);
  p->problems++;
}

/* ---- looking paths up in the model ----------------------------------------
 */

/* The path looked up from the innermost loop outwards. */
static const json_t *lookup(const parser *p, const char *path) {
  for (int i = p->depth; i >= 0; i--) {
    const json_t *m = tb_doc_json_at(p->models[i], path);
    if (m)
      return m;
  }
  return NULL;
}

/* "a, b, c" — the keys the innermost level knows, for a message. */
static void known_keys(const parser *p, char *out, size_t size) {
  size_t used = 0;
  out[0] = '\0';
  for (int i = p->depth; i >= 0 && used + 1 < size; i--) {
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)p->models[i], key, v) {
      int n = snprintf(out + used, size - used, "%s%s", used ? ", " : "", key);
      if (n < 0 || (size_t)n >= size - used) {
        out[used] = '\0';
        return;
      }
      used += (size_t)n;
    }
  }
}

static void unknown_path(parser *p, const char *path) {
  char keys[400], what[700];
  known_keys(p, keys, sizeof keys);
  snprintf(what, sizeof what, "unknown placeholder {{%s}} for %s", path,
           p->kind_name);
  char todo[480];
  snprintf(todo, sizeof todo, "name a field of the data: %s", keys);
  problem(p, todo, what);
}

static void check_value(parser *p, const char *path) {
  const json_t *m = lookup(p, path);
  char what[300];
  if (!m)
    unknown_path(p, path);
  else if (json_is_array(m)) {
    snprintf(what, sizeof what, "{{%s}} is a list, not a value", path);
    problem(p, "loop over it with {{#each …}} … {{/each}}", what);
  } else if (json_is_object(m)) {
    snprintf(what, sizeof what, "{{%s}} is a group, not a value", path);
    problem(p, "name one of its fields, e.g. {{path.field}}", what);
  }
}

/* ---- placeholders and text --------------------------------------------- */

static bool valid_path(const char *s, size_t n) {
  if (n == 0 || n > TB_DOC_MAX_PATH || s[0] == '.' || s[n - 1] == '.')
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              (c == '.' && s[i + 1] != '.');
    if (!ok)
      return false;
  }
  return true;
}

static tb_doc_seg *add_seg(parser *p, tb_doc_seg ***tail, tb_doc_seg_kind k,
                           const char *s, size_t n) {
  tb_doc_seg *seg = tb_arena_alloc(p->t->arena, sizeof *seg);
  seg->kind = k;
  seg->text = tb_arena_strndup(p->t->arena, s, n);
  **tail = seg;
  *tail = &seg->next;
  return seg;
}

/* A placeholder's inside s[0..n), already trimmed. */
static void placeholder(parser *p, tb_doc_seg ***tail, const char *s,
                        size_t n) {
  char what[300];
  if (n == 6 && memcmp(s, "@index", 6) == 0) {
    if (p->depth == 0)
      problem(p, "use {{@index}} inside {{#each …}} only",
              "{{@index}} outside a loop");
    add_seg(p, tail, TB_SEG_INDEX, s, n);
    return;
  }
  if (n > 0 && (s[0] == '#' || s[0] == '/')) {
    snprintf(what, sizeof what, "section {{%.*s}} inside a line",
             (int)(n > 60 ? 60 : n), s);
    problem(p, "put {{#…}} and {{/…}} on a line of their own", what);
    return;
  }
  if (!valid_path(s, n)) {
    snprintf(what, sizeof what, "bad placeholder {{%.*s}}",
             (int)(n > 60 ? 60 : n), s);
    problem(p,
            "a placeholder is a path of letters, digits and _ joined by "
            "dots: {{applicant.name}}; write \\{ for a literal brace",
            what);
    return;
  }
  tb_doc_seg *seg = add_seg(p, tail, TB_SEG_VALUE, s, n);
  check_value(p, seg->text);
}

static size_t trim(const char **s, size_t n) {
  while (n && (**s == ' ' || **s == '\t')) {
    (*s)++;
    n--;
  }
  while (n && ((*s)[n - 1] == ' ' || (*s)[n - 1] == '\t'))
    n--;
  return n;
}

/* Text with placeholders and escapes into segments; cells split at an
 * unescaped '|' when `cells`. Returns the number of cells. */
static int parse_text(parser *p, const char *s, size_t n, bool cells,
                      tb_doc_seg **out) {
  tb_doc_seg **tail = out;
  char lit[TB_DOC_MAX_LINE + 1];
  size_t used = 0;
  int count = 1;
  for (size_t i = 0; i < n;) {
    if (s[i] == '\\' && i + 1 < n && strchr("{}\\|", s[i + 1])) {
      lit[used++] = s[i + 1];
      i += 2;
    } else if (s[i] == '{' && i + 1 < n && s[i + 1] == '{') {
      const char *end = NULL;
      for (size_t j = i + 2; j + 1 < n; j++)
        if (s[j] == '}' && s[j + 1] == '}') {
          end = s + j;
          break;
        }
      if (!end) {
        problem(p, "close it with }} or write \\{\\{ for literal braces",
                "{{ without }}");
        break;
      }
      if (used)
        add_seg(p, &tail, TB_SEG_TEXT, lit, used);
      used = 0;
      const char *in = s + i + 2;
      size_t in_n = trim(&in, (size_t)(end - in));
      placeholder(p, &tail, in, in_n);
      i = (size_t)(end - s) + 2;
    } else if (cells && s[i] == '|') {
      if (used)
        add_seg(p, &tail, TB_SEG_TEXT, lit, used);
      used = 0;
      add_seg(p, &tail, TB_SEG_CELL, "", 0);
      count++;
      i++;
    } else
      lit[used++] = s[i++];
  }
  if (used)
    add_seg(p, &tail, TB_SEG_TEXT, lit, used);
  return count;
}

/* ---- the tree -------------------------------------------------------------
 */

static tb_doc_node *append(parser *p, tb_doc_node_kind kind) {
  tb_doc_node *parent = p->depth ? p->open[p->depth] : &p->t->root;
  tb_doc_node *nd = tb_arena_alloc(p->t->arena, sizeof *nd);
  nd->kind = kind;
  nd->line = p->line;
  if (parent->last)
    parent->last->next = nd;
  else
    parent->first = nd;
  parent->last = nd;
  return nd;
}

static const char *section_word(tb_doc_node_kind k) {
  return k == TB_NODE_EACH ? "each" : k == TB_NODE_IF ? "if" : "unless";
}

static void open_section(parser *p, tb_doc_node_kind kind, const char *path,
                         size_t n) {
  char what[300];
  if (p->depth >= TB_DOC_MAX_DEPTH) {
    snprintf(what, sizeof what, "sections nested deeper than %d",
             TB_DOC_MAX_DEPTH);
    problem(p, "close a section before opening another", what);
    return;
  }
  if (!valid_path(path, n)) {
    snprintf(what, sizeof what, "bad path in {{#%s %.*s}}", section_word(kind),
             (int)(n > 60 ? 60 : n), path);
    problem(p, "name a field of the data: {{#each gaps}}", what);
  }
  tb_doc_node *nd = append(p, kind);
  nd->path = tb_arena_strndup(p->t->arena, path, n);
  const json_t *m = valid_path(path, n) ? lookup(p, nd->path) : NULL;
  const json_t *inner = p->empty;
  if (valid_path(path, n) && !m)
    unknown_path(p, nd->path);
  else if (m && kind == TB_NODE_EACH && !json_is_array(m)) {
    snprintf(what, sizeof what, "{{#each %s}}: %s is not a list", nd->path,
             nd->path);
    problem(p, "loop over a list; test a value with {{#if …}}", what);
  } else if (m && kind == TB_NODE_EACH && json_array_size(m) > 0)
    inner = json_array_get(m, 0);
  p->open[++p->depth] = nd;
  /* inside an if, the level's own names are those of the level outside */
  p->models[p->depth] = kind == TB_NODE_EACH ? inner : p->empty;
}

static void close_section(parser *p, tb_doc_node_kind kind) {
  char what[300];
  if (p->depth == 0) {
    snprintf(what, sizeof what, "{{/%s}} closes no open section",
             section_word(kind));
    problem(p, "remove it: the section was closed already, or never opened",
            what);
    return;
  }
  tb_doc_node *top = p->open[p->depth];
  if (top->kind != kind) {
    snprintf(what, sizeof what, "{{/%s}} closes {{#%s %s}} opened on line %d",
             section_word(kind), section_word(top->kind), top->path, top->line);
    problem(p, "close the innermost section first", what);
  }
  p->depth--;
}

/* ---- lines -----------------------------------------------------------------
 */

/* "{{#each path}}" as the whole line: its kind and path. */
static bool section_line(const char *s, size_t n, const char *word,
                         const char **path, size_t *path_n) {
  size_t w = strlen(word);
  if (n < w + 4 || memcmp(s, "{{", 2) != 0 || memcmp(s + 2, word, w) != 0 ||
      memcmp(s + n - 2, "}}", 2) != 0)
    return false;
  const char *in = s + 2 + w;
  size_t in_n = n - 4 - w;
  if (word[0] == '#' && in_n && in[0] != ' ')
    return false;
  *path = in;
  *path_n = trim(path, in_n);
  return true;
}

static bool structure_line(parser *p, const char *s, size_t n) {
  static const struct {
    const char *word;
    tb_doc_node_kind kind;
  } words[] = {{"#each", TB_NODE_EACH},
               {"#if", TB_NODE_IF},
               {"#unless", TB_NODE_UNLESS}};
  const char *path;
  size_t pn;
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
    if (section_line(s, n, words[i].word, &path, &pn)) {
      open_section(p, words[i].kind, path, pn);
      return true;
    }
    char close[12];
    snprintf(close, sizeof close, "/%s", words[i].word + 1);
    if (section_line(s, n, close, &path, &pn) && pn == 0) {
      close_section(p, words[i].kind);
      return true;
    }
  }
  return false;
}

static void table_line(parser *p, const char *s, size_t n) {
  tb_doc_node *nd = append(p, TB_NODE_TABLE);
  char buf[TB_DOC_MAX_LINE + 1];
  snprintf(buf, sizeof buf, "%.*s", (int)n, s);
  char *cur = buf;
  while (*cur) {
    char *end;
    double w = strtod(cur, &end);
    if (end == cur || w <= 0 || w > 100 || nd->n_weights >= TB_DOC_MAX_COLS) {
      problem(p, "give up to 8 column widths as numbers: @table 1 3 2",
              "bad @table line");
      return;
    }
    nd->weights[nd->n_weights++] = w;
    cur = end;
    while (*cur == ' ' || *cur == '\t')
      cur++;
  }
  if (nd->n_weights == 0)
    problem(p, "give the column widths: @table 1 3 2", "@table without widths");
}

static const struct {
  const char *word;
  tb_doc_node_kind kind;
} DIRECTIVES[] = {
    {"@title", TB_NODE_TITLE}, {"@center", TB_NODE_CENTER},
    {"@right", TB_NODE_RIGHT}, {"@sign", TB_NODE_SIGN},
    {"@head", TB_NODE_HEAD},   {"@row", TB_NODE_ROW},
    {"@table", TB_NODE_TABLE},
};

static void directive_line(parser *p, const char *s, size_t n) {
  for (size_t i = 0; i < sizeof DIRECTIVES / sizeof DIRECTIVES[0]; i++) {
    size_t w = strlen(DIRECTIVES[i].word);
    if (n < w || memcmp(s, DIRECTIVES[i].word, w) != 0 ||
        (n > w && s[w] != ' ' && s[w] != '\t'))
      continue;
    const char *rest = s + w;
    size_t rn = trim(&rest, n - w);
    if (DIRECTIVES[i].kind == TB_NODE_TABLE) {
      table_line(p, rest, rn);
      return;
    }
    tb_doc_node *nd = append(p, DIRECTIVES[i].kind);
    bool row = nd->kind == TB_NODE_ROW || nd->kind == TB_NODE_HEAD;
    int cells = parse_text(p, rest, rn, row, &nd->segs);
    if (cells > TB_DOC_MAX_COLS)
      problem(p, "split the table: at most 8 cells a row",
              "a table row with more than 8 cells");
    return;
  }
  char what[200];
  snprintf(what, sizeof what, "unknown directive %.*s", (int)(n > 40 ? 40 : n),
           s);
  problem(p,
          "use @title, @center, @right, @sign, @table, @head, @row or @-- "
          "(a comment)",
          what);
}

static void parse_line(parser *p, const char *s, size_t n) {
  n = trim(&s, n);
  if (n == 0) {
    append(p, TB_NODE_BLANK);
    return;
  }
  if (n >= 3 && memcmp(s, "@--", 3) == 0)
    return;
  if (structure_line(p, s, n))
    return;
  if (s[0] == '@') {
    directive_line(p, s, n);
    return;
  }
  tb_doc_node_kind kind = TB_NODE_PARA;
  if (s[0] == '#' && n > 1 && (s[1] == ' ' || s[1] == '\t')) {
    kind = TB_NODE_HEADING;
    s++;
    n = trim(&s, n - 1);
  }
  tb_doc_node *nd = append(p, kind);
  parse_text(p, s, n, false, &nd->segs);
}

static void check_line(parser *p, const char *s, size_t n) {
  char what[120];
  size_t bad;
  if (n > TB_DOC_MAX_LINE) {
    snprintf(what, sizeof what, "line longer than %d bytes", TB_DOC_MAX_LINE);
    problem(p, "break it: consecutive lines join into one paragraph", what);
  } else if (memchr(s, '\0', n))
    problem(p, "save the file as UTF-8 text", "a NUL byte in the line");
  else if (!tb_utf8_valid(s, n, &bad)) {
    snprintf(what, sizeof what, "invalid UTF-8 at byte %zu of the line",
             bad + 1);
    problem(p, "save the file as UTF-8", what);
  } else
    parse_line(p, s, n);
}

tb_doc_template *tb_doc_template_parse(const char *text, size_t len,
                                       const char *file, const json_t *model,
                                       const char *kind_name,
                                       tb_workflows_problems *problems) {
  tb_doc_template *t = tb_xcalloc(1, sizeof *t);
  t->arena = tb_arena_new();
  parser p = {.t = t, .file = file, .kind_name = kind_name, .ps = problems};
  p.models[0] = model;
  p.empty = json_object();
  if (len > TB_DOC_MAX_FILE) {
    problem(&p, "keep a template under 64 KiB", "the file is over 64 KiB");
  } else {
    const char *s = text, *end = text + len;
    while (s < end) {
      const char *nl = memchr(s, '\n', (size_t)(end - s));
      size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
      p.line++;
      check_line(&p, s, n && s[n - 1] == '\r' ? n - 1 : n);
      s = nl ? nl + 1 : end;
    }
  }
  for (; p.depth > 0; p.depth--) {
    char what[300];
    tb_doc_node *nd = p.open[p.depth];
    p.line = nd->line;
    snprintf(what, sizeof what, "{{#%s %s}} is never closed",
             section_word(nd->kind), nd->path);
    char todo[64];
    snprintf(todo, sizeof todo, "close it with {{/%s}}",
             section_word(nd->kind));
    problem(&p, todo, what);
  }
  json_decref(p.empty);
  if (p.problems) {
    tb_doc_template_free(t);
    return NULL;
  }
  return t;
}

void tb_doc_template_free(tb_doc_template *t) {
  if (!t)
    return;
  tb_arena_free(t->arena);
  free(t);
}
