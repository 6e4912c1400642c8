/*
 * api_filetype.c — an uploaded file's type from its bytes, checked in
 * full (PDF structure, PNG through libpng, JPEG through libjpeg-turbo,
 * both decoded row by row under limits), and the file's name as people
 * read it. See api_filetype.h.
 */
#include "api_filetype.h"

#include "tb_engine.h"

#include <setjmp.h>
#include <stdio.h> /* before jpeglib.h, which needs FILE */
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>
#include <png.h>

#define DEFAULT_SIDE 20000u
#define DEFAULT_PIXELS 60000000u
#define PNG_CHUNK_MAX (8u << 20)  /* an ancillary chunk's bytes */
#define PNG_CHUNKS_MAX 256u       /* ancillary chunks kept */
#define JPEG_MEMORY (128L << 20)  /* the decoder's working memory */
#define JPEG_SCANS_MAX 256        /* progressive scans */
#define PDF_TAIL 1024             /* where %%EOF must be */
#define PDF_STARTXREF_WINDOW 2048 /* where startxref must be */

static void limits_of(const api_filetype_limits *lim, uint32_t *w, uint32_t *h,
                      uint64_t *px) {
  *w = lim && lim->max_width ? lim->max_width : DEFAULT_SIDE;
  *h = lim && lim->max_height ? lim->max_height : DEFAULT_SIDE;
  *px = lim && lim->max_pixels ? lim->max_pixels : DEFAULT_PIXELS;
}

static api_filetype_status damaged(api_filetype *out, const char *why) {
  snprintf(out->why, sizeof out->why, "%s", why);
  return API_FILETYPE_DAMAGED;
}

/* ---- PDF ------------------------------------------------------------------
 */

static bool is_space(uint8_t c) {
  return c == ' ' || c == '\r' || c == '\n' || c == '\t' || c == '\f' ||
         c == '\0';
}

static bool is_digit(uint8_t c) {
  return c >= '0' && c <= '9';
}

/* The last occurrence of word in data[from..to), or -1. */
static long last_of(const uint8_t *data, size_t from, size_t to,
                    const char *word) {
  size_t n = strlen(word);
  if (to < from + n)
    return -1;
  for (size_t i = to - n + 1; i-- > from;)
    if (memcmp(data + i, word, n) == 0)
      return (long)i;
  return -1;
}

static bool pdf_header(const uint8_t *d, size_t len) {
  if (len < 8 || memcmp(d, "%PDF-", 5) != 0)
    return false;
  return (d[5] == '1' && d[6] == '.' && d[7] >= '0' && d[7] <= '7') ||
         (d[5] == '2' && d[6] == '.' && d[7] == '0');
}

/* Digits at d[*i..end) as a number (at most 12 of them); false when none. */
static bool read_number(const uint8_t *d, size_t end, size_t *i, uint64_t *v) {
  size_t start = *i;
  *v = 0;
  while (*i < end && is_digit(d[*i]) && *i - start < 12)
    *v = *v * 10 + (uint64_t)(d[(*i)++] - '0');
  return *i > start && (*i >= end || !is_digit(d[*i]));
}

/* Whether the cross-reference section at offset is one: "xref", or an
 * object header "N G obj" (a cross-reference stream). */
static bool pdf_xref_at(const uint8_t *d, size_t end, size_t at) {
  if (at + 4 <= end && memcmp(d + at, "xref", 4) == 0)
    return true;
  size_t i = at;
  uint64_t num, gen;
  if (!read_number(d, end, &i, &num) || i >= end || !is_space(d[i]))
    return false;
  while (i < end && is_space(d[i]))
    i++;
  if (!read_number(d, end, &i, &gen) || i >= end || !is_space(d[i]))
    return false;
  while (i < end && is_space(d[i]))
    i++;
  return i + 3 <= end && memcmp(d + i, "obj", 3) == 0;
}

static api_filetype_status check_pdf(const uint8_t *d, size_t len,
                                     api_filetype *out) {
  size_t from = len > PDF_TAIL ? len - PDF_TAIL : 0;
  long eof = last_of(d, from, len, "%%EOF");
  if (eof < 0)
    return damaged(out, "no %%EOF at the end: the PDF is truncated");
  for (size_t i = (size_t)eof + 5; i < len; i++)
    if (!is_space(d[i]))
      return damaged(out, "bytes follow the PDF's last %%EOF");
  size_t wfrom = (size_t)eof > PDF_STARTXREF_WINDOW
                     ? (size_t)eof - PDF_STARTXREF_WINDOW
                     : 0;
  long sx = last_of(d, wfrom, (size_t)eof, "startxref");
  if (sx < 0)
    return damaged(out, "no startxref before %%EOF");
  size_t i = (size_t)sx + 9;
  while (i < (size_t)eof && is_space(d[i]))
    i++;
  uint64_t off;
  if (!read_number(d, (size_t)eof, &i, &off) || off >= (uint64_t)sx)
    return damaged(out, "startxref does not give an offset inside the PDF");
  if (!pdf_xref_at(d, (size_t)sx, (size_t)off))
    return damaged(out, "startxref does not point at a cross-reference");
  out->kind = API_FILE_PDF;
  out->media_type = "application/pdf";
  out->extension = ".pdf";
  return API_FILETYPE_OK;
}

/* ---- PNG ------------------------------------------------------------------
 */

typedef struct {
  const uint8_t *data;
  size_t len, pos;
  api_filetype *out;
} png_source;

static void png_read_memory(png_structp p, png_bytep to, size_t n) {
  png_source *src = png_get_io_ptr(p);
  if (n > src->len - src->pos)
    png_error(p, "the PNG is truncated");
  memcpy(to, src->data + src->pos, n);
  src->pos += n;
}

static void png_fail(png_structp p, png_const_charp msg) {
  png_source *src = png_get_error_ptr(p);
  snprintf(src->out->why, sizeof src->out->why, "png: %.150s", msg);
  png_longjmp(p, 1);
}

static void png_quiet(png_structp p, png_const_charp msg) {
  (void)p;
  (void)msg;
}

/* Read every row of every pass into one row buffer, then the chunks up
 * to IEND. Runs under the caller's setjmp. */
static void png_decode(png_structp p, png_infop info, uint32_t max_w,
                       uint32_t max_h, uint64_t max_px, uint8_t **row,
                       api_filetype *out) {
  png_set_user_limits(p, max_w, max_h);
  png_set_chunk_cache_max(p, PNG_CHUNKS_MAX);
  png_set_chunk_malloc_max(p, PNG_CHUNK_MAX);
  png_read_info(p, info);
  uint32_t w = png_get_image_width(p, info), h = png_get_image_height(p, info);
  if ((uint64_t)w * h > max_px)
    png_error(p, "the image has more pixels than allowed");
  int passes = png_set_interlace_handling(p);
  png_read_update_info(p, info);
  size_t rowbytes = png_get_rowbytes(p, info);
  *row = tb_xmalloc(rowbytes ? rowbytes : 1);
  for (int pass = 0; pass < passes; pass++)
    for (uint32_t y = 0; y < h; y++)
      png_read_row(p, *row, NULL);
  png_read_end(p, NULL);
  out->width = w;
  out->height = h;
}

static api_filetype_status check_png(const uint8_t *d, size_t len,
                                     const api_filetype_limits *lim,
                                     api_filetype *out) {
  uint32_t max_w, max_h;
  uint64_t max_px;
  limits_of(lim, &max_w, &max_h, &max_px);
  png_source src = {.data = d, .len = len, .out = out};
  png_structp p =
      png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, png_fail, png_quiet);
  png_infop info = p ? png_create_info_struct(p) : NULL;
  if (!info) {
    png_destroy_read_struct(&p, NULL, NULL);
    return damaged(out, "png: could not start the decoder");
  }
  uint8_t *row = NULL;
  uint8_t **volatile rowp = &row; /* set inside png_decode */
  volatile bool ok = false;
  if (setjmp(png_jmpbuf(p)) == 0) {
    png_set_read_fn(p, &src, png_read_memory);
    png_decode(p, info, max_w, max_h, max_px, rowp, out);
    ok = true;
  }
  free(*rowp);
  png_destroy_read_struct(&p, &info, NULL);
  if (!ok)
    return API_FILETYPE_DAMAGED;
  if (src.pos != len)
    return damaged(out, "png: bytes follow the IEND chunk");
  out->kind = API_FILE_PNG;
  out->media_type = "image/png";
  out->extension = ".png";
  return API_FILETYPE_OK;
}

/* ---- JPEG -----------------------------------------------------------------
 */

typedef struct {
  struct jpeg_error_mgr pub;
  struct jpeg_progress_mgr progress;
  jmp_buf jump;
  api_filetype *out;
} jpeg_guard;

static void jpeg_fail(j_common_ptr c) {
  jpeg_guard *g = (jpeg_guard *)(void *)c->err;
  char msg[JMSG_LENGTH_MAX];
  c->err->format_message(c, msg);
  snprintf(g->out->why, sizeof g->out->why, "jpeg: %.150s", msg);
  longjmp(g->jump, 1);
}

/* A warning (level -1) is corrupt data, e.g. a premature end of the
 * file: a refusal. Trace messages (level >= 0) are ignored. */
static void jpeg_message(j_common_ptr c, int level) {
  /* stray bytes before a marker are common in cameras' files */
  if (level < 0 && c->err->msg_code != JWRN_EXTRANEOUS_DATA)
    jpeg_fail(c);
}

static void jpeg_scans(j_common_ptr c) {
  jpeg_guard *g = (jpeg_guard *)(void *)c->err;
  j_decompress_ptr d = (j_decompress_ptr)c;
  if (d->input_scan_number > JPEG_SCANS_MAX) {
    snprintf(g->out->why, sizeof g->out->why, "jpeg: more than %d scans",
             JPEG_SCANS_MAX);
    longjmp(g->jump, 1);
  }
}

/* Read the header, check the limits and decode every row. Runs under the
 * caller's setjmp. */
static bool jpeg_decode(struct jpeg_decompress_struct *c, const uint8_t *d,
                        size_t len, const api_filetype_limits *lim,
                        uint8_t **row, api_filetype *out) {
  uint32_t max_w, max_h;
  uint64_t max_px;
  limits_of(lim, &max_w, &max_h, &max_px);
  c->mem->max_memory_to_use = JPEG_MEMORY;
  jpeg_mem_src(c, d, (unsigned long)len);
  if (jpeg_read_header(c, TRUE) != JPEG_HEADER_OK) {
    snprintf(out->why, sizeof out->why, "jpeg: no image");
    return false;
  }
  if (c->image_width > max_w || c->image_height > max_h ||
      (uint64_t)c->image_width * c->image_height > max_px) {
    snprintf(out->why, sizeof out->why, "jpeg: the image is %ux%u, over %ux%u",
             (unsigned)c->image_width, (unsigned)c->image_height,
             (unsigned)max_w, (unsigned)max_h);
    return false;
  }
  c->dct_method = JDCT_IFAST;
  c->do_fancy_upsampling = FALSE;
  jpeg_start_decompress(c);
  size_t stride = (size_t)c->output_width * (size_t)c->output_components;
  *row = tb_xmalloc(stride ? stride : 1);
  JSAMPROW rows[1] = {*row};
  while (c->output_scanline < c->output_height)
    jpeg_read_scanlines(c, rows, 1);
  jpeg_finish_decompress(c);
  out->width = c->image_width;
  out->height = c->image_height;
  return true;
}

static api_filetype_status check_jpeg(const uint8_t *d, size_t len,
                                      const api_filetype_limits *lim,
                                      api_filetype *out) {
  struct jpeg_decompress_struct c;
  memset(&c, 0, sizeof c); /* destroyable even if creation fails */
  jpeg_guard g = {.out = out};
  c.err = jpeg_std_error(&g.pub);
  g.pub.error_exit = jpeg_fail;
  g.pub.emit_message = jpeg_message;
  g.progress.progress_monitor = jpeg_scans;
  uint8_t *row = NULL;
  uint8_t **volatile rowp = &row;
  volatile bool ok = false;
  if (setjmp(g.jump) == 0) {
    jpeg_create_decompress(&c);
    c.progress = &g.progress;
    ok = jpeg_decode(&c, d, len, lim, rowp, out);
  }
  jpeg_destroy_decompress(&c);
  free(*rowp);
  if (!ok)
    return API_FILETYPE_DAMAGED;
  out->kind = API_FILE_JPEG;
  out->media_type = "image/jpeg";
  out->extension = ".jpg";
  return API_FILETYPE_OK;
}

/* ---- detection ------------------------------------------------------------
 */

static const uint8_t PNG_SIGNATURE[8] = {0x89, 'P',  'N',  'G',
                                         '\r', '\n', 0x1A, '\n'};

api_filetype_status api_filetype_detect(const uint8_t *data, size_t len,
                                        const api_filetype_limits *lim,
                                        api_filetype *out) {
  memset(out, 0, sizeof *out);
  if (!data || len == 0) {
    snprintf(out->why, sizeof out->why, "the file is empty");
    return API_FILETYPE_EMPTY;
  }
  if (len >= 5 && memcmp(data, "%PDF-", 5) == 0) {
    if (!pdf_header(data, len))
      return damaged(out, "the PDF header names no known version");
    return check_pdf(data, len, out);
  }
  if (len >= 8 && memcmp(data, PNG_SIGNATURE, 8) == 0)
    return check_png(data, len, lim, out);
  if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
    return check_jpeg(data, len, lim, out);
  snprintf(out->why, sizeof out->why,
           "the bytes are not a PDF, JPEG or PNG file");
  return API_FILETYPE_UNKNOWN;
}

/* ---- names ----------------------------------------------------------------
 */

#define NAME_CHARS 100
#define EXT_MAX 9 /* the dot and up to 8 letters or digits */

/* Whether a code point is kept in a name: no control characters and no
 * invisible direction or line marks. */
static bool name_char_ok(uint32_t cp) {
  return cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp <= 0x9F) &&
         cp != 0x2028 && cp != 0x2029 && cp != 0x200E && cp != 0x200F &&
         !(cp >= 0x202A && cp <= 0x202E) && !(cp >= 0x2066 && cp <= 0x2069) &&
         cp != 0xFEFF;
}

/* The base name: after the last '/' or '\\'. */
static const char *base_of(const char *name) {
  const char *b = name;
  for (const char *p = name; *p; p++)
    if (*p == '/' || *p == '\\')
      b = p + 1;
  return b;
}

/* The extension of name (".pdf"): a dot and 1..8 ASCII letters or digits
 * at the end; "" when there is none. */
static void extension_of(const char *name, size_t len, char ext[EXT_MAX + 1]) {
  ext[0] = '\0';
  const char *dot = NULL;
  for (size_t i = len; i-- > 0 && len - i <= EXT_MAX;)
    if (name[i] == '.') {
      dot = name + i;
      break;
    }
  if (!dot || dot == name || len - (size_t)(dot - name) < 2)
    return;
  size_t n = len - (size_t)(dot - name);
  for (size_t i = 1; i < n; i++) {
    char c = dot[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9')))
      return;
  }
  memcpy(ext, dot, n);
  ext[n] = '\0';
}

/* Copy the kept characters of s[0..len) into out (cap bytes with the
 * NUL), at most max_chars of them; returns the bytes written. */
static size_t copy_kept(const char *s, size_t len, char *out, size_t cap,
                        size_t max_chars) {
  size_t n = 0, chars = 0;
  for (size_t i = 0; i < len && chars < max_chars;) {
    uint32_t cp = 0;
    size_t k = tb_utf8_decode(s + i, len - i, &cp);
    if (k == 0) { /* not UTF-8: dropped */
      i++;
      continue;
    }
    if (name_char_ok(cp) && n + k < cap) {
      memcpy(out + n, s + i, k);
      n += k;
      chars++;
    }
    i += k;
  }
  out[n] = '\0';
  return n;
}

/* Leading dots and spaces, trailing spaces and dots, removed in place. */
static size_t trim(char *s, size_t n) {
  size_t start = 0;
  while (start < n && (s[start] == '.' || s[start] == ' '))
    start++;
  while (n > start && (s[n - 1] == ' ' || s[n - 1] == '.'))
    n--;
  memmove(s, s + start, n - start);
  s[n - start] = '\0';
  return n - start;
}

#define NAME_INPUT 4096 /* the most bytes of a name looked at */

void api_filename_clean(const char *name, const char *fallback_ext,
                        char out[API_FILENAME_MAX + 1]) {
  const char *base = base_of(name ? name : "");
  size_t len = strnlen(base, NAME_INPUT);
  char ext[EXT_MAX + 1];
  extension_of(base, len, ext);
  size_t ext_len = strlen(ext);
  char kept[NAME_INPUT + 1];
  size_t n = copy_kept(base, len, kept, sizeof kept, NAME_INPUT);
  size_t chars = 0;
  if (!tb_utf8_count(kept, n, &chars))
    chars = n;
  if (chars > NAME_CHARS || n > API_FILENAME_MAX) {
    /* too long: the stem cut short, the extension kept */
    size_t s =
        copy_kept(base, len - ext_len, kept, sizeof kept, NAME_CHARS - ext_len);
    s = tb_utf8_cut(kept, s, API_FILENAME_MAX - ext_len);
    memcpy(kept + s, ext, ext_len);
    n = s + ext_len;
    kept[n] = '\0';
  }
  n = trim(kept, n);
  if (n == 0)
    snprintf(out, API_FILENAME_MAX + 1, "未命名%s",
             fallback_ext ? fallback_ext : "");
  else
    memcpy(out, kept, n + 1);
}

/* RFC 8187 attr-char: sent as it is; every other byte as %XX. */
static bool attr_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || strchr("!#$&+-.^_`|~", c) != NULL;
}

bool api_filename_disposition(const char *name, bool attachment, char *out,
                              size_t cap) {
  static const char hex[] = "0123456789ABCDEF";
  tb_buf b;
  tb_buf_init(&b, cap > 0 ? cap - 1 : 0);
  tb_buf_adds(&b, attachment ? "attachment; filename=\""
                             : "inline; "
                               "filename=\"");
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
    char c = (*p < 0x80 && *p >= 0x20 && *p != '"' && *p != '\\' && *p != 0x7F)
                 ? (char)*p
                 : '_';
    tb_buf_add(&b, &c, 1);
  }
  tb_buf_adds(&b, "\"; filename*=UTF-8''");
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
    if (attr_char(*p)) {
      tb_buf_add(&b, p, 1);
    } else {
      char pct[3] = {'%', hex[*p >> 4], hex[*p & 15]};
      tb_buf_add(&b, pct, 3);
    }
  }
  bool ok = !b.overflow && cap > 0;
  if (ok)
    memcpy(out, tb_buf_str(&b), b.len + 1);
  tb_buf_free(&b);
  return ok;
}
