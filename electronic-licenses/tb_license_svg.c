/*
 * tb_license_svg.c — the printable license: an A4 SVG with the license
 * type as title, the holder, the data items (wrapped by display width:
 * CJK characters one em, ASCII half an em), the validity, the issuing
 * bureau and date, and the QR code. Text is XML-escaped and set in a list
 * of common CJK fonts so it renders on Linux, Windows and macOS alike.
 */
#include "tb_license_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_W 794 /* A4 at 96 dpi */
#define PAGE_H 1123
#define LEFT 96
#define LABEL_W 170
#define VALUE_X (LEFT + LABEL_W)
#define VALUE_W (PAGE_W - VALUE_X - 96)
#define BODY_SIZE 18
#define LINE_H 30
#define MAX_LINES_PER_ITEM 6
#define BODY_BOTTOM 820 /* items stop here; the QR code and seal follow */
#define FONTS                                                                  \
  "'Noto Serif CJK SC','Source Han Serif SC','Songti SC','STSong','SimSun',"   \
  "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',"   \
  "'WenQuanYi Micro Hei',serif"
#define INK "#222"
#define RED "#b3261e"

/* Append s[0..len) XML-escaped; characters XML 1.0 forbids become spaces
 * (the license check lets only tab and newline through anyway). */
static void put_escaped(tb_buf *b, const char *s, size_t len) {
  size_t run = 0;
  for (size_t i = 0; i < len; i++) {
    const char *rep = NULL;
    switch (s[i]) {
    case '&':
      rep = "&amp;";
      break;
    case '<':
      rep = "&lt;";
      break;
    case '>':
      rep = "&gt;";
      break;
    case '"':
      rep = "&quot;";
      break;
    case '\'':
      rep = "&apos;";
      break;
    default:
      if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
        rep = " ";
    }
    if (!rep)
      continue;
    tb_buf_add(b, s + run, i - run);
    tb_buf_adds(b, rep);
    run = i + 1;
  }
  tb_buf_add(b, s + run, len - run);
}

static void put_texts(tb_buf *b, double x, double y, int size,
                      const char *extra, const char *s) {
  tb_buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\"%s>", x, y, size,
              extra);
  put_escaped(b, s, strlen(s));
  tb_buf_adds(b, "</text>\n");
}

/* Display width in em of one code point. */
static double cp_width(uint32_t cp) {
  return cp < 0x80 ? 0.55 : 1.0;
}

/* The code point at s[*i] (U+FFFD for a byte that starts no valid
 * sequence), advancing *i. */
static uint32_t next_cp(const char *s, size_t len, size_t *i) {
  uint32_t cp = 0xFFFD;
  size_t n = tb_utf8_decode(s + *i, len - *i, &cp);
  *i += n ? n : 1;
  return cp;
}

/* The end of the line that starts at `start` (at most `width` px at
 * `size`, at least one character), and where the next line starts. */
static void line_end(const char *s, size_t len, size_t start, int size,
                     double width, size_t *end, size_t *next) {
  double used = 0;
  size_t i = start;
  *end = *next = len;
  while (i < len) {
    size_t at = i;
    uint32_t cp = next_cp(s, len, &i);
    if (cp == '\n') {
      *end = at;
      *next = i;
      return;
    }
    used += cp_width(cp) * size;
    if (used > width && at > start) {
      *end = *next = at;
      return;
    }
  }
}

/* Lay out s in lines of at most `width` px at `size`, starting at
 * baseline y; returns the baseline after the last line. Newlines break;
 * text beyond max_lines is cut with an ellipsis. */
static double put_wrapped(tb_buf *b, double x, double y, int size, double width,
                          const char *s, int max_lines) {
  size_t len = strlen(s), start = 0;
  int lines = 0;
  do {
    size_t end, next;
    line_end(s, len, start, size, width - (lines + 1 == max_lines ? size : 0),
             &end, &next);
    lines++;
    bool cut = lines == max_lines && next < len;
    tb_buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\">", x, y, size);
    put_escaped(b, s + start, end - start);
    tb_buf_adds(b, cut ? "…</text>\n" : "</text>\n");
    y += LINE_H;
    start = next;
    if (cut)
      break;
  } while (start < len);
  return y;
}

static void put_row(tb_buf *b, double *y, const char *label,
                    const char *value) {
  put_texts(b, LEFT, *y, BODY_SIZE, " font-weight=\"bold\"", label);
  *y = put_wrapped(b, VALUE_X, *y, BODY_SIZE, VALUE_W, value,
                   MAX_LINES_PER_ITEM);
  *y += 6;
}

/* "2026年11月21日" */
static void chinese_date(tb_day d, char *buf, size_t size) {
  int y, m, dd;
  tb_date_to_ymd(d, &y, &m, &dd);
  snprintf(buf, size, "%d年%d月%d日", y, m, dd);
}

static void put_frame(tb_buf *b, const tb_license *lic) {
  tb_buf_addf(b,
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
              "width=\"210mm\" height=\"297mm\" viewBox=\"0 0 %d %d\" "
              "font-family=\"" FONTS "\" fill=\"" INK "\">\n"
              "<title>",
              PAGE_W, PAGE_H);
  put_escaped(b, lic->type_name, strlen(lic->type_name));
  tb_buf_addf(b,
              "</title>\n<rect width=\"%d\" height=\"%d\" fill=\"#fffdf6\"/>\n"
              "<rect x=\"36\" y=\"36\" width=\"%d\" height=\"%d\" "
              "fill=\"none\" stroke=\"" RED "\" stroke-width=\"4\"/>\n"
              "<rect x=\"46\" y=\"46\" width=\"%d\" height=\"%d\" "
              "fill=\"none\" stroke=\"" RED "\" stroke-width=\"1\"/>\n",
              PAGE_W, PAGE_H, PAGE_W - 72, PAGE_H - 72, PAGE_W - 92,
              PAGE_H - 92);
  put_texts(b, PAGE_W / 2.0, 150, 46,
            " text-anchor=\"middle\" letter-spacing=\"8\" "
            "font-weight=\"bold\" fill=\"" RED "\"",
            lic->type_name);
  put_texts(b, PAGE_W / 2.0, 190, 16, " text-anchor=\"middle\"",
            "（电子证照）");
  tb_buf_adds(b, "<text x=\"96\" y=\"236\" font-size=\"13\">证照编号：");
  put_escaped(b, lic->id, strlen(lic->id));
  tb_buf_adds(b, "</text>\n");
}

static void put_body(tb_buf *b, const tb_license *lic) {
  double y = 290;
  put_row(b, &y, "持证主体", lic->holder_name);
  put_row(b, &y, "证件号码", lic->holder_number);
  for (size_t i = 0; i < lic->n_items; i++) {
    if (y > BODY_BOTTOM - LINE_H) {
      put_texts(b, LEFT, y, 14, "", "（其余事项见电子证照数据）");
      return;
    }
    put_row(b, &y, lic->items[i].key, lic->items[i].value);
  }
  char from[11], until[32];
  tb_date_format(lic->valid_from, from);
  if (lic->valid_until == TB_LICENSE_LONG_TERM)
    snprintf(until, sizeof until, "长期");
  else
    tb_date_format(lic->valid_until, until);
  char validity[64];
  snprintf(validity, sizeof validity, "%s 至 %s", from, until);
  if (y <= BODY_BOTTOM)
    put_row(b, &y, "有效期限", validity);
}

/* The bureau's name centred under "发证机关", smaller when it is long. */
static void put_issuer(tb_buf *b, const char *name) {
  size_t len = strlen(name), i = 0;
  double width = 0;
  while (i < len)
    width += cp_width(next_cp(name, len, &i));
  int size = width * 20 <= 300 ? 20 : (int)(300 / width);
  put_texts(b, 520, 985, size < 9 ? 9 : size, " text-anchor=\"middle\"", name);
}

static void put_footer(tb_buf *b, const tb_license *lic) {
  char date[40];
  chinese_date(lic->issued, date, sizeof date);
  put_texts(b, 520, 945, 16, " text-anchor=\"middle\"", "发证机关");
  put_issuer(b, lic->issuer_name);
  put_texts(b, 520, 1050, 18, " text-anchor=\"middle\"", date);
  put_texts(b, 180, 1062, 12, " text-anchor=\"middle\"", "扫码核验");
  tb_buf_adds(b, "<text x=\"96\" y=\"1084\" font-size=\"11\">来源申请：");
  put_escaped(b, lic->application, strlen(lic->application));
  tb_buf_adds(b, "</text>\n");
}

tb_license_status tb_license_render_svg(const tb_license *lic,
                                        const char *qr_text, char **out,
                                        size_t *len, tb_problem *p) {
  *out = NULL;
  *len = 0;
  tb_license_status st = tb_license_check(lic, p);
  if (st != TB_LICENSE_OK)
    return st;
  tb_buf b;
  tb_buf_init(&b, 8 * 1024 * 1024);
  put_frame(&b, lic);
  put_body(&b, lic);
  put_footer(&b, lic);
  st = tb_license_qr_svg_fragment(qr_text, 90, 850, 190, &b, p);
  tb_buf_adds(&b, "\n</svg>\n");
  if (st != TB_LICENSE_OK) {
    tb_buf_free(&b);
    return st;
  }
  *out = tb_buf_take(&b, len);
  return *out ? TB_LICENSE_OK : TB_LICENSE_ERR_LIMIT;
}
