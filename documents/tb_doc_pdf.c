/*
 * tb_doc_pdf.c — blocks into an A4 PDF with cairo and pango: margins of
 * an official document (GB/T 9704: 37 mm top, 28 mm left, 26 mm right,
 * 35 mm bottom), body in Noto Serif CJK SC, the title in its bold face,
 * the office's name and headings in Noto Sans CJK SC; pango embeds the
 * subset of the fonts used. Text is always set with pango_layout_set_text,
 * never as markup, so data prints as itself. Two passes: the blocks are
 * laid out and placed on pages (a paragraph may break between its lines, a
 * table row or the QR code never), then every page is drawn with its
 * footer "第 N 页 共 M 页". The QR code is drawn from libqrencode's
 * matrix as filled rectangles: vector, crisp in print.
 */
#include "tb_doc_int.h"
#include "tb_log.h"
#include "tb_util.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#define MM (72.0 / 25.4)
#define PAGE_W (210 * MM)
#define PAGE_H (297 * MM)
#define TOP (37 * MM)
#define BOTTOM (35 * MM)
#define LEFT (28 * MM)
#define RIGHT (26 * MM)
#define BODY_W (PAGE_W - LEFT - RIGHT)
#define QR_SIDE (30 * MM)
#define CELL_PAD 4.0
#define TB_DOC_MAX_CUTS 64 /* pages one paragraph may span */

#define SERIF "Noto Serif CJK SC"
#define SANS SERIF /* one family: every face embedded costs time and size */

typedef struct {
  PangoLayout *layouts[TB_DOC_MAX_COLS];
  double x[TB_DOC_MAX_COLS], w[TB_DOC_MAX_COLS]; /* cells of a row */
  double height;                                 /* of the block's content */
  double before;                                 /* room above it */
  int page;                                      /* where it starts */
  double y;                                      /* its top on that page */
  bool breakable;               /* a paragraph: may continue on the next page */
  double line_height;           /* of a paragraph's first line */
  double cuts[TB_DOC_MAX_CUTS]; /* where a broken paragraph's slices start */
  int n_cuts;                   /* 0: not broken */
  double keep;   /* room it needs below its top on the page (0: height) */
  size_t beside; /* the QR code: the first of the right-aligned lines it
                    stands beside (the issuing body, the date); 0: none */
} placed;

typedef struct {
  const char *family;
  double size;
  bool bold;
  PangoAlignment align;
  double before;
} style;

static style block_style(tb_doc_block_kind k) {
  switch (k) {
  case TB_BLOCK_OFFICE:
    return (style){SANS, 15, false, PANGO_ALIGN_CENTER, 0};
  case TB_BLOCK_TITLE:
    return (style){SERIF, 22, true, PANGO_ALIGN_CENTER, 8};
  case TB_BLOCK_NUMBER:
  case TB_BLOCK_SUBJECT:
    return (style){SERIF, 13, false, PANGO_ALIGN_CENTER, 8};
  case TB_BLOCK_PARTY:
    return (style){SERIF, 12, false, PANGO_ALIGN_CENTER, 4};
  case TB_BLOCK_HEADING:
    return (style){SANS, 14, true, PANGO_ALIGN_LEFT, 10};
  case TB_BLOCK_CENTER:
    return (style){SERIF, 14, false, PANGO_ALIGN_CENTER, 6};
  case TB_BLOCK_RIGHT:
    return (style){SERIF, 14, false, PANGO_ALIGN_RIGHT, 4};
  case TB_BLOCK_SIGN:
    return (style){SERIF, 14, false, PANGO_ALIGN_LEFT, 22};
  case TB_BLOCK_HEAD:
    return (style){SANS, 11, true, PANGO_ALIGN_LEFT, 0};
  case TB_BLOCK_ROW:
    return (style){SERIF, 11, false, PANGO_ALIGN_LEFT, 0};
  default:
    return (style){SERIF, 14, false, PANGO_ALIGN_LEFT, 6};
  }
}

static PangoLayout *make_layout(cairo_t *cr, const char *text, style st,
                                double width) {
  PangoLayout *l = pango_cairo_create_layout(cr);
  pango_context_set_language(pango_layout_get_context(l),
                             pango_language_from_string("zh-cn"));
  PangoFontDescription *fd = pango_font_description_new();
  pango_font_description_set_family(fd, st.family);
  pango_font_description_set_absolute_size(fd, st.size * PANGO_SCALE);
  pango_font_description_set_weight(fd, st.bold ? PANGO_WEIGHT_BOLD
                                                : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description(l, fd);
  pango_font_description_free(fd);
  pango_layout_set_width(l, (int)(width * PANGO_SCALE));
  pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment(l, st.align);
  pango_layout_set_spacing(l, (int)(st.size * 0.45 * PANGO_SCALE));
  pango_layout_set_text(l, text, -1); /* plain text: never markup */
  return l;
}

static double layout_height(PangoLayout *l) {
  int w, h;
  pango_layout_get_size(l, &w, &h);
  return (double)h / PANGO_SCALE;
}

static const char SIGN_TAIL[] =
    "：＿＿＿＿＿＿＿＿＿＿\n日期：　　　　年　　月　　日";

static void layout_text(cairo_t *cr, const tb_doc_block *b, placed *p) {
  style st = block_style(b->kind);
  tb_buf text;
  tb_buf_init(&text, TB_DOC_MAX_TEXT + sizeof SIGN_TAIL);
  tb_buf_adds(&text, b->cells[0]);
  if (b->kind == TB_BLOCK_SIGN)
    tb_buf_adds(&text, SIGN_TAIL);
  p->layouts[0] = make_layout(cr, tb_buf_str(&text), st, BODY_W);
  tb_buf_free(&text);
  if (b->kind == TB_BLOCK_PARA) {
    pango_layout_set_indent(p->layouts[0], (int)(2 * st.size * PANGO_SCALE));
  }
  p->x[0] = LEFT;
  p->height = layout_height(p->layouts[0]);
  p->before = st.before;
  p->breakable = b->kind == TB_BLOCK_PARA;
  PangoLayoutIter *it = pango_layout_get_iter(p->layouts[0]);
  int y0, y1;
  pango_layout_iter_get_line_yrange(it, &y0, &y1);
  pango_layout_iter_free(it);
  p->line_height = (double)y1 / PANGO_SCALE;
}

static void layout_row(cairo_t *cr, const tb_doc_block *b, placed *p) {
  style st = block_style(b->kind);
  double total = 0, x = LEFT;
  for (int i = 0; i < b->n_cells; i++)
    total += b->weights[i];
  for (int i = 0; i < b->n_cells; i++) {
    p->w[i] = BODY_W * b->weights[i] / total;
    p->x[i] = x;
    x += p->w[i];
    p->layouts[i] = make_layout(cr, b->cells[i], st, p->w[i] - 2 * CELL_PAD);
    double h = layout_height(p->layouts[i]) + 2 * CELL_PAD;
    if (h > p->height)
      p->height = h;
  }
  p->before = b->table_start ? 8 : 0;
}

static void layout_block(cairo_t *cr, const tb_doc_layout *l, size_t i,
                         placed *p) {
  const tb_doc_block *b = &l->blocks[i];
  if (b->kind == TB_BLOCK_SPACE) {
    p->height = 14;
  } else if (b->kind == TB_BLOCK_QR) {
    style st = {SERIF, 10, false, PANGO_ALIGN_LEFT, 0};
    for (int k = 0; k < 2; k++)
      p->layouts[k] = make_layout(cr, l->qr_lines[k], st, BODY_W);
    p->height = QR_SIDE + layout_height(p->layouts[0]) +
                layout_height(p->layouts[1]) + 4;
    p->before = 18;
    for (size_t j = i; j > 0 && l->blocks[j - 1].kind == TB_BLOCK_RIGHT; j--)
      p->beside = j - 1;
  } else if (b->kind == TB_BLOCK_HEAD || b->kind == TB_BLOCK_ROW)
    layout_row(cr, b, p);
  else
    layout_text(cr, b, p);
  /* the issuing body and date stand apart from the text above them */
  if (b->kind == TB_BLOCK_RIGHT && i > 0 &&
      l->blocks[i - 1].kind != TB_BLOCK_RIGHT)
    p->before = 28;
  /* a heading keeps two lines of what follows on its page */
  if (b->kind == TB_BLOCK_HEADING)
    p->keep = 2 * p->height + 8;
}

/* ---- pages ------------------------------------------------------------------
 */

/* Cut a paragraph between its lines into slices: the first at most
 * first_room high, the others at most room. p->cuts[k] .. p->cuts[k + 1]
 * is slice k (layout coordinates), drawn on page p->page + k. */
static void cut_lines(placed *p, double first_room, double room) {
  PangoLayoutIter *it = pango_layout_get_iter(p->layouts[0]);
  double start = 0, limit = first_room;
  p->n_cuts = 0;
  p->cuts[p->n_cuts++] = 0;
  do {
    int y0, y1;
    pango_layout_iter_get_line_yrange(it, &y0, &y1);
    double top = (double)y0 / PANGO_SCALE, end = (double)y1 / PANGO_SCALE;
    if (end - start > limit && top > start && p->n_cuts < TB_DOC_MAX_CUTS - 1) {
      p->cuts[p->n_cuts++] = top;
      start = top;
      limit = room;
    }
  } while (pango_layout_iter_next_line(it));
  pango_layout_iter_free(it);
  p->cuts[p->n_cuts++] = p->height;
}

/* Place every block; returns the number of pages. */
static int paginate(placed *ps, size_t n) {
  int page = 0;
  const double bottom = PAGE_H - BOTTOM, room = bottom - TOP;
  double y = TOP;
  for (size_t i = 0; i < n && page < TB_DOC_MAX_PAGES; i++) {
    placed *p = &ps[i];
    if (p->beside && ps[p->beside].page == page &&
        ps[p->beside].y + p->height <= bottom) {
      /* the QR code at the left of the issuing body and the date */
      p->page = page;
      p->y = ps[p->beside].y;
      if (p->y + p->height > y)
        y = p->y + p->height;
      continue;
    }
    double top = y == TOP ? TOP : y + p->before;
    double need = p->keep > p->height ? p->keep : p->height;
    if (top + need > bottom &&
        (!p->breakable || bottom - top < p->line_height)) {
      if (y != TOP)
        page++;
      top = TOP;
    }
    p->page = page;
    p->y = top;
    if (top + p->height <= bottom || !p->breakable) {
      y = top + p->height;
      continue;
    }
    cut_lines(p, bottom - top, room);
    if (p->n_cuts == TB_DOC_MAX_CUTS)
      return TB_DOC_MAX_PAGES + 1; /* one paragraph over 60 pages */
    page += p->n_cuts - 2;
    y = TOP + p->cuts[p->n_cuts - 1] - p->cuts[p->n_cuts - 2];
  }
  return page + 1;
}

/* ---- drawing ----------------------------------------------------------------
 */

static void draw_qr(cairo_t *cr, const char *text, double x, double y,
                    double side) {
  QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (!qr) {
    tb_log(TB_LOG_WARN, "documents", "the QR code text does not fit");
    return;
  }
  double m = side / (qr->width + 8); /* a quiet zone of 4 modules */
  cairo_set_source_rgb(cr, 0, 0, 0);
  for (int r = 0; r < qr->width; r++)
    for (int c = 0; c < qr->width;) {
      if (!(qr->data[r * qr->width + c] & 1)) {
        c++;
        continue;
      }
      int start = c;
      while (c < qr->width && (qr->data[r * qr->width + c] & 1))
        c++;
      cairo_rectangle(cr, x + (start + 4) * m, y + (r + 4) * m, (c - start) * m,
                      m);
    }
  cairo_fill(cr);
  QRcode_free(qr);
}

static void show(cairo_t *cr, PangoLayout *l, double x, double y) {
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_move_to(cr, x, y);
  pango_cairo_show_layout(cr, l);
}

static void draw_row(cairo_t *cr, const tb_doc_block *b, const placed *p,
                     double y) {
  cairo_set_line_width(cr, 0.6);
  for (int i = 0; i < b->n_cells; i++) {
    cairo_rectangle(cr, p->x[i], y, p->w[i], p->height);
    if (b->kind == TB_BLOCK_HEAD) {
      cairo_set_source_rgb(cr, 0.92, 0.92, 0.92);
      cairo_fill_preserve(cr);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_stroke(cr);
    show(cr, p->layouts[i], p->x[i] + CELL_PAD, y + CELL_PAD);
  }
}

/* The part of a paragraph between from and to (its own coordinates) at
 * y on the page. */
static void draw_slice(cairo_t *cr, const placed *p, double y, double from,
                       double to) {
  cairo_save(cr);
  cairo_rectangle(cr, 0, y, PAGE_W, to - from);
  cairo_clip(cr);
  show(cr, p->layouts[0], p->x[0], y - from);
  cairo_restore(cr);
}

static void draw_block(cairo_t *cr, const tb_doc_layout *l, size_t i,
                       const placed *p, int page) {
  const tb_doc_block *b = &l->blocks[i];
  if (p->n_cuts) {
    /* a paragraph broken across pages: its slice on this page */
    int k = page - p->page;
    draw_slice(cr, p, k == 0 ? p->y : TOP, p->cuts[k], p->cuts[k + 1]);
    return;
  }
  if (b->kind == TB_BLOCK_QR) {
    draw_qr(cr, l->qr_text, LEFT - 4 * MM, p->y, QR_SIDE);
    double ty = p->y + QR_SIDE;
    show(cr, p->layouts[0], LEFT, ty);
    show(cr, p->layouts[1], LEFT, ty + layout_height(p->layouts[0]));
  } else if (b->kind == TB_BLOCK_HEAD || b->kind == TB_BLOCK_ROW)
    draw_row(cr, b, p, p->y);
  else if (p->layouts[0])
    show(cr, p->layouts[0], p->x[0], p->y);
}

/* The last page a block reaches. */
static int last_page(const placed *p) {
  return p->n_cuts ? p->page + p->n_cuts - 2 : p->page;
}

static void footer(cairo_t *cr, int page, int pages) {
  char text[64];
  snprintf(text, sizeof text, "第 %d 页　共 %d 页", page + 1, pages);
  style st = {SERIF, 10, false, PANGO_ALIGN_CENTER, 0};
  PangoLayout *l = make_layout(cr, text, st, BODY_W);
  show(cr, l, LEFT, PAGE_H - BOTTOM + 12 * MM);
  g_object_unref(l);
}

/* ---- the PDF ----------------------------------------------------------------
 */

typedef struct {
  tb_buf *pdf;
  bool overflow;
} sink;

static cairo_status_t write_pdf(void *closure, const unsigned char *data,
                                unsigned int len) {
  sink *s = closure;
  if (!tb_buf_add(s->pdf, data, len)) {
    s->overflow = true;
    return CAIRO_STATUS_WRITE_ERROR;
  }
  return CAIRO_STATUS_SUCCESS;
}

static void draw_pages(cairo_t *cr, const tb_doc_layout *l, placed *ps,
                       int pages) {
  for (int page = 0; page < pages; page++) {
    for (size_t i = 0; i < l->n; i++)
      if (ps[i].page <= page && last_page(&ps[i]) >= page)
        draw_block(cr, l, i, &ps[i], page);
    footer(cr, page, pages);
    cairo_show_page(cr);
  }
}

tb_doc_status tb_doc_pdf(const tb_doc_layout *l, tb_buf *pdf) {
  sink s = {.pdf = pdf};
  size_t start = pdf->len;
  cairo_surface_t *surface =
      cairo_pdf_surface_create_for_stream(write_pdf, &s, PAGE_W, PAGE_H);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE,
                                 l->title ? l->title : "");
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR,
                                 "tongban");
  cairo_t *cr = cairo_create(surface);
  placed *ps = tb_xcalloc(l->n ? l->n : 1, sizeof *ps);
  for (size_t i = 0; i < l->n; i++)
    layout_block(cr, l, i, &ps[i]);
  int pages = paginate(ps, l->n);
  tb_doc_status st = TB_DOC_OK;
  if (pages > TB_DOC_MAX_PAGES)
    st = TB_DOC_TOO_LARGE;
  else
    draw_pages(cr, l, ps, pages);
  for (size_t i = 0; i < l->n; i++)
    for (int k = 0; k < TB_DOC_MAX_COLS; k++)
      if (ps[i].layouts[k])
        g_object_unref(ps[i].layouts[k]);
  free(ps);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  cairo_status_t cs = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (s.overflow)
    st = TB_DOC_TOO_LARGE;
  else if (st == TB_DOC_OK && cs != CAIRO_STATUS_SUCCESS) {
    tb_log_kv(TB_LOG_ERROR, "documents", "cairo failed",
              TB_LOG_S("status", cairo_status_to_string(cs)));
    st = TB_DOC_FAILED;
  }
  if (st != TB_DOC_OK && pdf->len > start && !pdf->overflow) {
    pdf->len = start; /* nothing of a failed document stays */
    pdf->data[start] = '\0';
  }
  return st;
}

void tb_documents_cleanup(void) {
  pango_cairo_font_map_set_default(NULL);
  cairo_debug_reset_static_data();
  FcFini();
}
