/*
 * tb_doc_int.h — what the files of documents/ share: the parsed template
 * (a tree of lines and sections), the vocabulary of every kind (a JSON
 * model: its keys are the paths a template may name, an array stands for
 * a list of its first element), the expansion of a template with data into
 * blocks, and the PDF renderer of blocks.
 */
#ifndef TB_DOC_INT_H
#define TB_DOC_INT_H

#include "tb_documents.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define TB_DOC_MAX_FILE (64 * 1024)   /* bytes of one template */
#define TB_DOC_MAX_LINE 1024          /* bytes of one template line */
#define TB_DOC_MAX_DEPTH 8            /* sections inside sections */
#define TB_DOC_MAX_PATH 128           /* bytes of one placeholder's path */
#define TB_DOC_MAX_COLS 8             /* cells of a table row */
#define TB_DOC_MAX_TEXT (1024 * 1024) /* bytes of expanded text */
#define TB_DOC_MAX_BLOCKS 20000       /* blocks of one document */
#define TB_DOC_MAX_PAGES 200          /* pages of one document */

/* ---- the parsed template ------------------------------------------------ */

typedef enum {
  TB_SEG_TEXT,  /* literal text */
  TB_SEG_VALUE, /* {{path}} */
  TB_SEG_INDEX, /* {{@index}}: 1-based position in the innermost loop */
  TB_SEG_CELL   /* '|' in a table row: the next cell begins */
} tb_doc_seg_kind;

typedef struct tb_doc_seg {
  tb_doc_seg_kind kind;
  const char *text; /* the literal or the path */
  struct tb_doc_seg *next;
} tb_doc_seg;

typedef enum {
  TB_NODE_PARA,    /* a paragraph line (consecutive ones join) */
  TB_NODE_BLANK,   /* ends a paragraph */
  TB_NODE_TITLE,   /* @title: replaces the kind's title */
  TB_NODE_HEADING, /* # text */
  TB_NODE_CENTER,  /* @center text */
  TB_NODE_RIGHT,   /* @right text */
  TB_NODE_SIGN,    /* @sign label: a signature and date line */
  TB_NODE_TABLE,   /* @table w1 w2 …: column weights of the next rows */
  TB_NODE_HEAD,    /* @head a | b: a table's header row */
  TB_NODE_ROW,     /* @row a | b: a table row */
  TB_NODE_EACH,    /* {{#each path}} … {{/each}} */
  TB_NODE_IF,      /* {{#if path}} … {{/if}} */
  TB_NODE_UNLESS   /* {{#unless path}} … {{/unless}} */
} tb_doc_node_kind;

typedef struct tb_doc_node {
  tb_doc_node_kind kind;
  int line;
  tb_doc_seg *segs; /* the text of a text line */
  const char *path; /* the path of a section */
  double weights[TB_DOC_MAX_COLS];
  int n_weights;                    /* of @table */
  struct tb_doc_node *first, *last; /* a section's lines */
  struct tb_doc_node *next;
} tb_doc_node;

/* A parsed template; everything lives in its arena. */
typedef struct {
  tb_arena *arena;
  tb_doc_node root; /* a section without a path */
} tb_doc_template;

/* Parse and check text[0..len) (the file `file`, for problems) against
 * `model`, the vocabulary of its kind (kind_name for messages). Returns
 * the template when it has no problem, else NULL with the problems
 * appended. The caller frees the result with tb_doc_template_free. */
tb_doc_template *tb_doc_template_parse(const char *text, size_t len,
                                       const char *file, const json_t *model,
                                       const char *kind_name,
                                       tb_workflows_problems *problems);
void tb_doc_template_free(tb_doc_template *t);

/* The value at a dotted path ("limits.due_date") below v: every name a
 * key of an object; NULL when a name is missing or a part not an object.
 * Borrowed from v. */
const json_t *tb_doc_json_at(const json_t *v, const char *path);

/* ---- vocabularies ---------------------------------------------------------
 */

/* The model of a kind other than the guide (a new reference; json_decref
 * it). NULL for TB_DOC_GUIDE: its model is guide.model.json. */
json_t *tb_doc_model(tb_doc_kind kind);

/* The guide's model: guide.model.json in the folder of `template_path` or
 * the folder above it (a service override). A new reference, or NULL with
 * a problem appended. */
json_t *tb_doc_guide_model(const char *template_path,
                           tb_workflows_problems *problems);

/* ---- expansion ------------------------------------------------------------
 */

typedef enum {
  TB_BLOCK_OFFICE,  /* the office's name, drawn by the renderer */
  TB_BLOCK_TITLE,   /* the document's title */
  TB_BLOCK_NUMBER,  /* the document number (文号) */
  TB_BLOCK_PARTY,   /* the applicant, their number and the application's */
  TB_BLOCK_SUBJECT, /* the guide's service name */
  TB_BLOCK_PARA,
  TB_BLOCK_HEADING,
  TB_BLOCK_CENTER,
  TB_BLOCK_RIGHT,
  TB_BLOCK_SIGN,
  TB_BLOCK_HEAD,
  TB_BLOCK_ROW,
  TB_BLOCK_SPACE, /* vertical room before the next block */
  TB_BLOCK_QR     /* the QR code with its caption */
} tb_doc_block_kind;

typedef struct {
  tb_doc_block_kind kind;
  char *cells[TB_DOC_MAX_COLS]; /* cells[0] is the text of a text block */
  int n_cells;
  double weights[TB_DOC_MAX_COLS]; /* column weights of a row */
  bool table_start; /* the first row of a table (room above it) */
} tb_doc_block;

/* A document ready to draw. */
typedef struct {
  tb_doc_block *blocks;
  size_t n, cap;
  size_t text_bytes;
  char *title;       /* the title the metadata carries */
  char *qr_text;     /* what the QR code encodes; NULL: no QR code */
  char *qr_lines[2]; /* the caption under it */
} tb_doc_layout;

/* Expand the template with data into out (zero-initialised by the caller)
 * for `kind` (the renderer's own parts: header and QR code). Returns
 * TB_DOC_OK, TB_DOC_DATA_INVALID when data lacks a part every document
 * has, TB_DOC_TOO_LARGE past the bounds above. Free out with
 * tb_doc_layout_free either way. */
tb_doc_status tb_doc_expand(const tb_doc_template *t, tb_doc_kind kind,
                            const json_t *data, tb_doc_layout *out);
void tb_doc_layout_free(tb_doc_layout *l);

/* Draw the layout as an A4 PDF appended to pdf. TB_DOC_TOO_LARGE when pdf
 * would pass its maximum or the document TB_DOC_MAX_PAGES pages. */
tb_doc_status tb_doc_pdf(const tb_doc_layout *l, tb_buf *pdf);

#endif
