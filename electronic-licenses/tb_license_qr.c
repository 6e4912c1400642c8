/*
 * tb_license_qr.c — QR codes with libqrencode at error-correction level M:
 * as a 1-bit PNG (libpng, written to memory) and as an SVG path of
 * horizontal runs with crisp edges. Both carry a quiet zone of 4 modules.
 */
#include "tb_license_int.h"
#include "tb_log.h"

#include <errno.h>
#include <png.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUIET 4
#define MAX_SCALE 32

static tb_license_status encode(const char *text, QRcode **out, tb_problem *p) {
  *out = NULL;
  if (!text || !*text) {
    tb_problem_set(p, TB_ERR_INVALID, "text", "nothing to encode");
    return TB_LICENSE_ERR_INVALID;
  }
  if (strnlen(text, TB_LICENSE_MAX_PAYLOAD + 1) > TB_LICENSE_MAX_PAYLOAD) {
    tb_problem_set(p, TB_ERR_LIMIT, "text", "the text is too long");
    return TB_LICENSE_ERR_LIMIT;
  }
  /* QR_MODE_8 as the hint: libqrencode picks alphanumeric mode for runs
   * of its 45 characters and byte mode for the rest; case matters. */
  *out = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (!*out) {
    bool too_big = errno == ERANGE;
    tb_problem_set(p, too_big ? TB_ERR_LIMIT : TB_ERR_INVALID, "text",
                   too_big ? "the text does not fit a qr code"
                           : "could not make a qr code");
    return too_big ? TB_LICENSE_ERR_LIMIT : TB_LICENSE_ERR_INVALID;
  }
  return TB_LICENSE_OK;
}

static bool dark(const QRcode *qr, int x, int y) {
  return qr->data[y * qr->width + x] & 1;
}

tb_license_status tb_license_qr_version(const char *text, int *version,
                                        int *width, tb_problem *p) {
  QRcode *qr;
  tb_license_status st = encode(text, &qr, p);
  if (st != TB_LICENSE_OK)
    return st;
  if (version)
    *version = qr->version;
  if (width)
    *width = qr->width;
  QRcode_free(qr);
  return TB_LICENSE_OK;
}

/* ------------------------------------------------------------------------
 * SVG
 * ---------------------------------------------------------------------- */

/* The dark modules as one path of horizontal runs, offset by the quiet
 * zone, in module units. */
static void qr_path(const QRcode *qr, tb_buf *b) {
  for (int y = 0; y < qr->width; y++)
    for (int x = 0; x < qr->width;) {
      if (!dark(qr, x, y)) {
        x++;
        continue;
      }
      int run = 0;
      while (x + run < qr->width && dark(qr, x + run, y))
        run++;
      tb_buf_addf(b, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run, run);
      x += run;
    }
}

tb_license_status tb_license_qr_svg_fragment(const char *text, double x,
                                             double y, double size, tb_buf *out,
                                             tb_problem *p) {
  QRcode *qr;
  tb_license_status st = encode(text, &qr, p);
  if (st != TB_LICENSE_OK)
    return st;
  int modules = qr->width + 2 * QUIET;
  tb_buf_addf(out,
              "<svg x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
              "viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">"
              "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
              "<path fill=\"#000\" d=\"",
              x, y, size, size, modules, modules, modules, modules);
  qr_path(qr, out);
  tb_buf_adds(out, "\"/></svg>");
  QRcode_free(qr);
  return TB_LICENSE_OK;
}

static bool scale_ok(int scale, tb_problem *p) {
  if (scale >= 1 && scale <= MAX_SCALE)
    return true;
  tb_problem_set(p, TB_ERR_INVALID, "scale", "scale is 1 to %d", MAX_SCALE);
  return false;
}

tb_license_status tb_license_render_qr_svg(const char *text, int scale,
                                           char **out, size_t *len,
                                           int *version, tb_problem *p) {
  *out = NULL;
  *len = 0;
  if (!scale_ok(scale, p))
    return TB_LICENSE_ERR_INVALID;
  QRcode *qr;
  tb_license_status st = encode(text, &qr, p);
  if (st != TB_LICENSE_OK)
    return st;
  int modules = qr->width + 2 * QUIET;
  tb_buf b;
  tb_buf_init(&b, 4 * 1024 * 1024);
  tb_buf_addf(&b,
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
              "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
              "shape-rendering=\"crispEdges\">"
              "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
              "<path fill=\"#000\" d=\"",
              modules * scale, modules * scale, modules, modules, modules,
              modules);
  qr_path(qr, &b);
  tb_buf_adds(&b, "\"/></svg>\n");
  if (version)
    *version = qr->version;
  QRcode_free(qr);
  *out = tb_buf_take(&b, len);
  return *out ? TB_LICENSE_OK : TB_LICENSE_ERR_LIMIT;
}

/* ------------------------------------------------------------------------
 * PNG
 * ---------------------------------------------------------------------- */

static void png_to_buffer(png_structp png, png_bytep data, png_size_t len) {
  tb_buf *b = png_get_io_ptr(png);
  if (!tb_buf_add(b, data, len))
    png_error(png, "png too large");
}

static void png_flush_nothing(png_structp png) {
  (void)png;
}

static void png_log_error(png_structp png, png_const_charp msg) {
  tb_log_kv(TB_LOG_ERROR, "license", "libpng failed", TB_LOG_S("error", msg));
  png_longjmp(png, 1);
}

static void png_log_warning(png_structp png, png_const_charp msg) {
  (void)png;
  tb_log_kv(TB_LOG_WARN, "license", "libpng warning", TB_LOG_S("error", msg));
}

/* One pixel row of module row `my` (1 = white in a 1-bit grey PNG). */
static void fill_row(const QRcode *qr, int my, int scale, png_bytep row,
                     size_t row_bytes) {
  int modules = qr->width + 2 * QUIET;
  memset(row, 0xFF, row_bytes);
  for (int mx = 0; mx < modules; mx++) {
    int qx = mx - QUIET, qy = my - QUIET;
    if (qx < 0 || qy < 0 || qx >= qr->width || qy >= qr->width ||
        !dark(qr, qx, qy))
      continue;
    for (int k = 0; k < scale; k++) {
      int px = mx * scale + k;
      row[px / 8] &= (png_byte) ~(0x80u >> (px % 8));
    }
  }
}

/* Write the image; false on a libpng error (already logged). */
static bool write_png(const QRcode *qr, int scale, tb_buf *b, png_bytep row) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
                                            png_log_error, png_log_warning);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  if (!info) {
    png_destroy_write_struct(&png, NULL);
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  int modules = qr->width + 2 * QUIET;
  png_uint_32 side = (png_uint_32)(modules * scale);
  size_t row_bytes = (side + 7) / 8;
  png_set_write_fn(png, b, png_to_buffer, png_flush_nothing);
  png_set_IHDR(png, info, side, side, 1, PNG_COLOR_TYPE_GRAY,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int my = 0; my < modules; my++) {
    fill_row(qr, my, scale, row, row_bytes);
    for (int k = 0; k < scale; k++)
      png_write_row(png, row);
  }
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  return true;
}

tb_license_status tb_license_render_qr_png(const char *text, int scale,
                                           unsigned char **out, size_t *len,
                                           int *version, tb_problem *p) {
  *out = NULL;
  *len = 0;
  if (!scale_ok(scale, p))
    return TB_LICENSE_ERR_INVALID;
  QRcode *qr;
  tb_license_status st = encode(text, &qr, p);
  if (st != TB_LICENSE_OK)
    return st;
  size_t side = (size_t)(qr->width + 2 * QUIET) * (size_t)scale;
  png_bytep row = tb_xmalloc((side + 7) / 8);
  tb_buf b;
  tb_buf_init(&b, 16 * 1024 * 1024);
  bool ok = write_png(qr, scale, &b, row);
  free(row);
  if (version)
    *version = qr->version;
  QRcode_free(qr);
  if (!ok) {
    tb_buf_free(&b);
    tb_problem_set(p, TB_ERR_INVALID, NULL, "could not write the png");
    return TB_LICENSE_ERR_INVALID;
  }
  *out = (unsigned char *)tb_buf_take(&b, len);
  return *out ? TB_LICENSE_OK : TB_LICENSE_ERR_LIMIT;
}
