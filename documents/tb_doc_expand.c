/*
 * tb_doc_expand.c — a checked template and the data of one document into
 * the blocks the renderer draws: the renderer's own header first (office,
 * title, number and, for an application's document, the applicant with
 * their one number and the application's number; for the guide the
 * service's name), the template's lines with every placeholder replaced by
 * its value as plain text, then the QR code. Bounded: TB_DOC_MAX_TEXT bytes,
 * TB_DOC_MAX_BLOCKS blocks.
 */
#include "tb_doc_int.h"
#include "tb_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  tb_doc_layout *out;
  const json_t *ctx[TB_DOC_MAX_DEPTH + 1]; /* the data of each loop level */
  size_t index[TB_DOC_MAX_DEPTH + 1];      /* 1-based */
  int depth;
  tb_buf para; /* the paragraph being joined */
  double weights[TB_DOC_MAX_COLS];
  int n_weights;
  bool in_table;
  bool too_large;
} expander;

/* ---- values ------------------------------------------------------------- */

/* The value at path, looked up from the innermost loop outwards: the
 * first level whose data has the path's first name. */
static const json_t *lookup(const expander *e, const char *path) {
  char first[TB_DOC_MAX_PATH + 1];
  const char *dot = strchr(path, '.');
  snprintf(first, sizeof first, "%.*s",
           (int)(dot ? (size_t)(dot - path) : strlen(path)), path);
  for (int i = e->depth; i >= 0; i--)
    if (json_is_object(e->ctx[i]) && json_object_get(e->ctx[i], first))
      return tb_doc_json_at(e->ctx[i], path);
  return NULL;
}

static void add_value(tb_buf *b, const json_t *v) {
  if (json_is_string(v))
    tb_buf_add(b, json_string_value(v), json_string_length(v));
  else if (json_is_integer(v))
    tb_buf_addf(b, "%lld", (long long)json_integer_value(v));
  else if (json_is_real(v))
    tb_buf_addf(b, "%g", json_real_value(v));
  else if (json_is_boolean(v))
    tb_buf_adds(b, json_is_true(v) ? "是" : "否");
}

static bool truthy(const json_t *v) {
  if (!v || json_is_null(v) || json_is_false(v))
    return false;
  if (json_is_string(v))
    return json_string_length(v) > 0;
  if (json_is_array(v))
    return json_array_size(v) > 0;
  return true;
}

/* ---- blocks ---------------------------------------------------------------
 */

static tb_doc_block *add_block(expander *e, tb_doc_block_kind kind) {
  tb_doc_layout *l = e->out;
  if (l->n >= TB_DOC_MAX_BLOCKS) {
    e->too_large = true;
    return NULL;
  }
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 32;
    l->blocks = tb_xrealloc(l->blocks, l->cap * sizeof l->blocks[0]);
  }
  tb_doc_block *b = &l->blocks[l->n++];
  memset(b, 0, sizeof *b);
  b->kind = kind;
  return b;
}

static void add_text_block(expander *e, tb_doc_block_kind kind,
                           const char *text, size_t len) {
  e->out->text_bytes += len;
  if (e->out->text_bytes > TB_DOC_MAX_TEXT) {
    e->too_large = true;
    return;
  }
  tb_doc_block *b = add_block(e, kind);
  if (!b)
    return;
  b->cells[0] = tb_xstrndup(text, len);
  b->n_cells = 1;
}

/* The segments of a line as text; cells split at TB_SEG_CELL when cells
 * is not NULL (then the number of cells is returned). */
static int render_segs(expander *e, const tb_doc_seg *s, tb_buf *b,
                       char **cells) {
  int n = 0;
  for (; s; s = s->next) {
    if (s->kind == TB_SEG_TEXT)
      tb_buf_adds(b, s->text);
    else if (s->kind == TB_SEG_VALUE)
      add_value(b, lookup(e, s->text));
    else if (s->kind == TB_SEG_INDEX)
      tb_buf_addf(b, "%zu", e->index[e->depth]);
    else if (cells && n + 1 < TB_DOC_MAX_COLS) {
      cells[n++] = tb_xstrndup(tb_buf_str(b), b->len);
      tb_buf_reset(b);
    }
  }
  if (cells)
    cells[n++] = tb_xstrndup(tb_buf_str(b), b->len);
  return n;
}

static void flush_para(expander *e) {
  if (e->para.overflow)
    e->too_large = true;
  else if (e->para.len)
    add_text_block(e, TB_BLOCK_PARA, tb_buf_str(&e->para), e->para.len);
  tb_buf_reset(&e->para);
}

static bool ascii_word(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

/* A paragraph line joins the paragraph: Chinese text without a space, a
 * Latin word and the next one with one. */
static void join_line(expander *e, const tb_doc_seg *segs) {
  tb_buf line;
  tb_buf_init(&line, TB_DOC_MAX_TEXT);
  render_segs(e, segs, &line, NULL);
  if (e->para.len && line.len &&
      ascii_word((unsigned char)e->para.data[e->para.len - 1]) &&
      ascii_word((unsigned char)line.data[0]))
    tb_buf_adds(&e->para, " ");
  if (line.overflow || (line.len && !tb_buf_add(&e->para, line.data, line.len)))
    e->too_large = true;
  tb_buf_free(&line);
}

static void row_block(expander *e, const tb_doc_node *nd) {
  tb_doc_block *b =
      add_block(e, nd->kind == TB_NODE_HEAD ? TB_BLOCK_HEAD : TB_BLOCK_ROW);
  if (!b)
    return;
  tb_buf cell;
  tb_buf_init(&cell, TB_DOC_MAX_TEXT);
  b->n_cells = render_segs(e, nd->segs, &cell, b->cells);
  for (int i = 0; i < b->n_cells; i++)
    e->out->text_bytes += strlen(b->cells[i]);
  if (cell.overflow || e->out->text_bytes > TB_DOC_MAX_TEXT)
    e->too_large = true;
  tb_buf_free(&cell);
  bool fits = e->n_weights == b->n_cells;
  for (int i = 0; i < b->n_cells; i++)
    b->weights[i] = fits ? e->weights[i] : 1;
  b->table_start = !e->in_table;
  e->in_table = true;
}

static void line_block(expander *e, const tb_doc_node *nd) {
  static const tb_doc_block_kind KIND[] = {
      [TB_NODE_HEADING] = TB_BLOCK_HEADING, [TB_NODE_CENTER] = TB_BLOCK_CENTER,
      [TB_NODE_RIGHT] = TB_BLOCK_RIGHT,     [TB_NODE_SIGN] = TB_BLOCK_SIGN,
      [TB_NODE_TITLE] = TB_BLOCK_TITLE,
  };
  tb_buf text;
  tb_buf_init(&text, TB_DOC_MAX_TEXT);
  render_segs(e, nd->segs, &text, NULL);
  if (text.overflow)
    e->too_large = true;
  else if (nd->kind == TB_NODE_TITLE) {
    /* the title is the header's: replace it */
    for (size_t i = 0; i < e->out->n; i++)
      if (e->out->blocks[i].kind == TB_BLOCK_TITLE) {
        free(e->out->blocks[i].cells[0]);
        e->out->blocks[i].cells[0] =
            tb_xstrndup(text.data ? text.data : "", text.len);
      }
    free(e->out->title);
    e->out->title = tb_xstrndup(text.data ? text.data : "", text.len);
  } else
    add_text_block(e, KIND[nd->kind], tb_buf_str(&text), text.len);
  tb_buf_free(&text);
}

static void expand_nodes(expander *e, const tb_doc_node *nd);

static void expand_each(expander *e, const tb_doc_node *nd) {
  const json_t *list = lookup(e, nd->path);
  if (!json_is_array(list) || e->depth >= TB_DOC_MAX_DEPTH)
    return;
  for (size_t i = 0; i < json_array_size(list) && !e->too_large; i++) {
    e->ctx[++e->depth] = json_array_get(list, i);
    e->index[e->depth] = i + 1;
    expand_nodes(e, nd->first);
    flush_para(e); /* every element its own paragraph */
    e->depth--;
  }
}

static void expand_node(expander *e, const tb_doc_node *nd) {
  bool row = nd->kind == TB_NODE_ROW || nd->kind == TB_NODE_HEAD;
  bool section = nd->kind == TB_NODE_EACH || nd->kind == TB_NODE_IF ||
                 nd->kind == TB_NODE_UNLESS || nd->kind == TB_NODE_TABLE;
  if (nd->kind != TB_NODE_PARA && !section)
    flush_para(e);
  if (!row && !section)
    e->in_table = false;
  switch (nd->kind) {
  case TB_NODE_PARA:
    join_line(e, nd->segs);
    break;
  case TB_NODE_BLANK:
    break;
  case TB_NODE_TABLE:
    flush_para(e);
    memcpy(e->weights, nd->weights, sizeof e->weights);
    e->n_weights = nd->n_weights;
    e->in_table = false;
    break;
  case TB_NODE_HEAD:
  case TB_NODE_ROW:
    row_block(e, nd);
    break;
  case TB_NODE_EACH:
    expand_each(e, nd);
    break;
  case TB_NODE_IF:
  case TB_NODE_UNLESS:
    if (truthy(lookup(e, nd->path)) == (nd->kind == TB_NODE_IF))
      expand_nodes(e, nd->first);
    break;
  default:
    line_block(e, nd);
  }
}

static void expand_nodes(expander *e, const tb_doc_node *nd) {
  for (; nd && !e->too_large; nd = nd->next)
    expand_node(e, nd);
}

/* ---- the renderer's own parts ---------------------------------------------
 */

static const char *str_at(const json_t *data, const char *path) {
  const json_t *v = tb_doc_json_at(data, path);
  return json_is_string(v) && json_string_length(v) > 0 ? json_string_value(v)
                                                        : NULL;
}

/* Under the document number of an application's document: who applied,
 * their one number and the application's number, whatever the template
 * says ("申请人：NAME　证件号码：NUMBER" and "申请编号：APP"). */
static void party(expander *e, const json_t *data, const char *app) {
  const char *name = str_at(data, "applicant.name");
  const char *id = str_at(data, "applicant.number");
  char text[1024];
  int n =
      snprintf(text, sizeof text, "申请人：%s%s%s\n申请编号：%s",
               name ? name : "", id ? "　证件号码：" : "", id ? id : "", app);
  if (n > 0 && (size_t)n < sizeof text)
    add_text_block(e, TB_BLOCK_PARTY, text, (size_t)n);
}

static bool header(expander *e, tb_doc_kind kind, const json_t *data) {
  const char *office = str_at(data, "office.name");
  bool guide = kind == TB_DOC_GUIDE;
  const char *number = str_at(data, "document.number");
  const char *subject = str_at(data, "service.name");
  const char *qr = str_at(data, guide ? "guide_url" : "tracking.url");
  const char *app = str_at(data, "application.number");
  if (!office || !qr || (guide ? !subject : !number || !app))
    return false;
  add_text_block(e, TB_BLOCK_OFFICE, office, strlen(office));
  const char *title = tb_doc_kind_title(kind);
  add_text_block(e, TB_BLOCK_TITLE, title, strlen(title));
  e->out->title = tb_xstrndup(title, strlen(title));
  if (guide)
    add_text_block(e, TB_BLOCK_SUBJECT, subject, strlen(subject));
  else {
    add_text_block(e, TB_BLOCK_NUMBER, number, strlen(number));
    party(e, data, app);
  }
  add_block(e, TB_BLOCK_SPACE);
  e->out->qr_text = tb_xstrndup(qr, strlen(qr));
  if (guide) {
    e->out->qr_lines[0] = tb_xstrndup(subject, strlen(subject));
    e->out->qr_lines[1] =
        tb_xstrndup("扫码查看办事指南", strlen("扫码查看办事指南"));
  } else {
    e->out->qr_lines[0] = tb_xstrndup(app, strlen(app));
    e->out->qr_lines[1] =
        tb_xstrndup("扫码查询办理进度", strlen("扫码查询办理进度"));
  }
  return true;
}

tb_doc_status tb_doc_expand(const tb_doc_template *t, tb_doc_kind kind,
                            const json_t *data, tb_doc_layout *out) {
  if (!json_is_object(data))
    return TB_DOC_DATA_INVALID;
  expander e = {.out = out};
  e.ctx[0] = data;
  tb_buf_init(&e.para, TB_DOC_MAX_TEXT);
  if (!header(&e, kind, data)) {
    tb_buf_free(&e.para);
    return TB_DOC_DATA_INVALID;
  }
  expand_nodes(&e, t->root.first);
  flush_para(&e);
  tb_buf_free(&e.para);
  if (!e.too_large)
    add_block(&e, TB_BLOCK_QR);
  return e.too_large ? TB_DOC_TOO_LARGE : TB_DOC_OK;
}

void tb_doc_layout_free(tb_doc_layout *l) {
  for (size_t i = 0; i < l->n; i++)
    for (int c = 0; c < l->blocks[i].n_cells; c++)
      free(l->blocks[i].cells[c]);
  free(l->blocks);
  free(l->title);
  free(l->qr_text);
  free(l->qr_lines[0]);
  free(l->qr_lines[1]);
  memset(l, 0, sizeof *l);
}
