/*
 * test_documents.c — documents/: the template checker (every problem kind
 * with its line), every shipped template rendered with its fixture
 * (tests/documents/fixtures/<kind>.json) and read back with pdftotext,
 * pdffonts and pdftoppm (the first page kept as
 * tests/artifacts/documents-<kind>.png), data printed literally, a long
 * list across pages, a changed template picked up (a broken change
 * refused), renders from several threads at once. Runs from the source folder;
 * needs poppler-utils.
 */
#include "tb_documents.h"
#include "tb_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char tmp[256];

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  fputs(text, f);
  fclose(f);
}

/* The output of a shell command (bounded), malloc'ed. */
static char *run(const char *cmd) {
  FILE *p = popen(cmd, "r");
  if (!p)
    return NULL;
  char *out = tb_test_read_stream(p, NULL);
  pclose(p);
  return out;
}

/* Whether text holds want, spaces ignored on both sides (pdftotext keeps
 * or drops them by the glyphs' distance). */
static bool has(const char *text, const char *want) {
  size_t n = strlen(text), m = strlen(want);
  char *a = malloc(n + 1), *b = malloc(m + 1);
  size_t i = 0, j = 0;
  for (size_t k = 0; k < n; k++)
    if (text[k] != ' ' && text[k] != '\n')
      a[i++] = text[k];
  for (size_t k = 0; k < m; k++)
    if (want[k] != ' ')
      b[j++] = want[k];
  a[i] = b[j] = '\0';
  bool found = strstr(a, b) != NULL;
  free(a);
  free(b);
  return found;
}

/* ---- the checker -----------------------------------------------------------
 */

/* Check text as a template of kind; the first problem's line and that its
 * text contains want. */
static void expect_problem(tb_doc_kind kind, const char *text, int line,
                           const char *want) {
  char path[300];
  snprintf(path, sizeof path, "%s/t.tpl", tmp);
  write_text(path, text);
  tb_workflows_problems ps = {0};
  bool ok = tb_doc_template_check_file(path, kind, &ps);
  TB_CHECKF(!ok && ps.n > 0, "no problem for: %s", text);
  if (ps.n > 0) {
    TB_CHECKF(ps.items[0].line == line, "line %d, want %d (%s)",
              ps.items[0].line, line, ps.items[0].what);
    TB_CHECKF(strstr(ps.items[0].what, want), "'%s' lacks '%s'",
              ps.items[0].what, want);
    TB_CHECK_STR(ps.items[0].file, path);
  }
  tb_workflows_problems_free(&ps);
}

static void test_checker_problems(void) {
  expect_problem(TB_DOC_ACCEPTANCE, "第一行\n{{applicant.nmae}}\n", 2,
                 "unknown placeholder {{applicant.nmae}}");
  expect_problem(TB_DOC_REFUSAL, "a\n\n{{#each gaps}}\n{{/each}}\n", 3,
                 "unknown placeholder {{gaps}}");
  expect_problem(TB_DOC_ACCEPTANCE, "{{#each limits}}\n{{/each}}\n", 1,
                 "is not a list");
  expect_problem(TB_DOC_ACCEPTANCE, "x\n{{materials}}\n", 2, "is a list");
  expect_problem(TB_DOC_ACCEPTANCE, "x\ny\n{{#each gaps}}\n{{name}}\n", 3,
                 "never closed");
  expect_problem(TB_DOC_ACCEPTANCE, "{{#if gaps}}\n{{/if}}\n{{/if}}\n", 3,
                 "closes no open section");
  expect_problem(TB_DOC_ACCEPTANCE, "{{#if gaps}}\n{{/each}}\n", 2,
                 "opened on line 1");
  expect_problem(TB_DOC_ACCEPTANCE, "好\n\xe5\xa5\n", 2, "invalid UTF-8");
  expect_problem(TB_DOC_ACCEPTANCE, "{{name}}\n", 1,
                 "unknown placeholder {{name}}");
  expect_problem(TB_DOC_ACCEPTANCE, "ok\n@frame x\n", 2, "unknown directive");
  expect_problem(TB_DOC_ACCEPTANCE, "{{a b}}\n", 1, "bad placeholder");
  expect_problem(TB_DOC_ACCEPTANCE, "x {{#if gaps}}\n", 1, "inside a line");
  expect_problem(TB_DOC_ACCEPTANCE, "{{office.name\n", 1, "without }}");
  char line[1200];
  memset(line, 'x', sizeof line - 2);
  line[sizeof line - 2] = '\n';
  line[sizeof line - 1] = '\0';
  tb_buf b;
  tb_buf_init(&b, 1 << 20);
  tb_buf_adds(&b, "a\n");
  tb_buf_adds(&b, line);
  expect_problem(TB_DOC_ACCEPTANCE, tb_buf_str(&b), 2, "longer than");
  tb_buf_reset(&b);
  for (int i = 0; i < 9; i++)
    tb_buf_adds(&b, "{{#if gaps}}\n");
  expect_problem(TB_DOC_ACCEPTANCE, tb_buf_str(&b), 9, "nested deeper");
  tb_buf_reset(&b);
  while (b.len <= 64 * 1024)
    tb_buf_adds(&b, "一行文字\n");
  expect_problem(TB_DOC_ACCEPTANCE, tb_buf_str(&b), 0, "over 64 KiB");
  tb_buf_free(&b);
}

/* What is fine: escapes, loops with outer names, @index, every directive. */
static void test_checker_accepts(void) {
  char path[300];
  snprintf(path, sizeof path, "%s/t.tpl", tmp);
  write_text(path, "@title 受理通知书\n\\{\\{不是占位符\\}\\} a\\|b\n"
                   "{{#each gaps}}\n{{@index}} {{name}} {{office.name}}\n"
                   "{{/each}}\n@table 1 2\n@head a | b\n@row {{office.name}} "
                   "| x\n@sign 申请人\n@right {{document.date}}\n"
                   "{{#unless tracking.code}}\n无\n{{/unless}}\n");
  tb_workflows_problems ps = {0};
  TB_CHECK(tb_doc_template_check_file(path, TB_DOC_ACCEPTANCE, &ps));
  if (ps.n)
    tb_workflows_problems_print(&ps, stdout);
  tb_workflows_problems_free(&ps);
  tb_doc_kind k;
  TB_CHECK(tb_doc_kind_parse("notice", &k) && k == TB_DOC_NOTICE);
  TB_CHECK(!tb_doc_kind_parse("Notice", &k));
  TB_CHECK_STR(tb_doc_kind_title(TB_DOC_GAP), "容缺受理告知书");
}

/* ---- rendering
 * ---------------------------------------------------------------- */

static json_t *fixture(const char *kind) {
  char path[300];
  snprintf(path, sizeof path, "tests/documents/fixtures/%s.json", kind);
  return json_load_file(path, 0, NULL);
}

/* Render, write tmp/<name>.pdf; the pdftotext text (malloc'ed) or NULL. */
static char *render_text(tb_doc_templates *t, tb_doc_kind kind,
                         const json_t *data, const char *name,
                         tb_doc_status *st) {
  tb_buf pdf;
  tb_buf_init(&pdf, 8 << 20);
  *st = tb_doc_render(t, kind, NULL, data, &pdf, NULL);
  char *text = NULL;
  if (*st == TB_DOC_OK) {
    char path[300], cmd[1000];
    snprintf(path, sizeof path, "%s/%s.pdf", tmp, name);
    FILE *f = fopen(path, "wb");
    fwrite(pdf.data, 1, pdf.len, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "pdftotext -layout %s -", path);
    text = run(cmd);
  }
  tb_buf_free(&pdf);
  return text;
}

static const char *const PHRASES[TB_DOC_KIND_COUNT][6] = {
    [TB_DOC_ACCEPTANCE] = {"第三十二条", "予以受理", "2026年12月7日",
                           "食品安全管理制度", "K7Q2M9", "2026年12月14日"},
    [TB_DOC_NOTICE] = {"一次性告知", "经营场所平面布局图", "补正原因",
                       "健康证明已过有效期", "解放东路18号", "工作日 9:00"},
    [TB_DOC_REFUSAL] = {"不予受理", "六十日内", "杭州市上城区人民政府",
                        "杭州市上城区人民法院", "不属于本机关职权范围",
                        "第三十二条第一款"},
    [TB_DOC_DENIAL] = {"不予行政许可", "第三十八条", "二十五米", "第十一条",
                       "杭州市上城区人民法院", "六个月内"},
    [TB_DOC_GAP] = {"容缺受理", "设备布局和工艺流程", "2026年12月14日",
                    "终止办理", "330100202611300000001", "2026年11月30日"},
    [TB_DOC_COMMITMENT] = {"告知承诺书", "从业人员健康证明", "三十日内",
                           "签名或盖章", "年", "杭州青禾餐饮管理有限公司"},
    [TB_DOC_APPROVAL] = {"准予行政许可", "JY23301020000001", "2031年", "长期",
                         "食品经营许可证", "第三十八条第一款"},
    [TB_DOC_DELIVERY] = {"出件回执", "窗口领取", "JY23301020000001",
                         "2026年12月3日 14:05", "领取人", "食品经营许可"},
    [TB_DOC_GUIDE] = {"办事指南", "食品经营许可", "扫码查看办事指南",
                      "杭州市上城区政务服务中心",
                      "《中华人民共和国食品安全法》第三十五条",
                      "0571-85253456"},
};

static void check_kind(tb_doc_templates *t, tb_doc_kind kind) {
  const char *name = tb_doc_kind_name(kind);
  json_t *data = fixture(name);
  TB_CHECKF(data != NULL, "no fixture for %s", name);
  tb_doc_status st;
  char *text = render_text(t, kind, data, name, &st);
  TB_CHECKF(st == TB_DOC_OK && text, "%s: status %d", name, st);
  const char *common[] = {"杭州市上城区政务服务中心", tb_doc_kind_title(kind),
                          "第 1 页"};
  for (size_t i = 0; text && i < 3; i++)
    TB_CHECKF(has(text, common[i]), "%s lacks '%s'", name, common[i]);
  if (text && kind != TB_DOC_GUIDE) {
    TB_CHECKF(strstr(text, "扫码查询办理进度"), "%s: no QR caption", name);
    TB_CHECKF(strstr(text, "号"), "%s: no number", name);
    TB_CHECKF(strstr(text, "330100202611300000001"), "%s: no app", name);
    /* the renderer's own line under the number, whatever the template */
    TB_CHECKF(has(text, "证件号码：91330102MA2H3K4L5P"),
              "%s: no applicant's number", name);
  }
  for (int i = 0; text && i < 6 && PHRASES[kind][i]; i++)
    TB_CHECKF(has(text, PHRASES[kind][i]), "%s lacks '%s'", name,
              PHRASES[kind][i]);
  free(text);
  char cmd[2000];
  snprintf(cmd, sizeof cmd,
           "pdffonts %s/%s.pdf | tail -n +3 | awk '{ if ($(NF-4) != \"yes\") "
           "print \"not embedded: \" $0; else n++ } END { print n+0 \" "
           "fonts\" }'",
           tmp, name);
  char *fonts = run(cmd);
  TB_CHECKF(fonts && !strstr(fonts, "not embedded") &&
                strncmp(fonts, "0 ", 2) != 0,
            "%s: %s", name, fonts ? fonts : "(pdffonts failed)");
  free(fonts);
  snprintf(cmd, sizeof cmd,
           "pdftoppm -r 60 -png %s/%s.pdf %s/%s && mkdir -p tests/artifacts "
           "&& cp \"$(ls %s/%s-*.png | head -1)\" "
           "tests/artifacts/documents-%s.png && echo rendered",
           tmp, name, tmp, name, tmp, name, name);
  char *out = run(cmd);
  TB_CHECKF(out && strstr(out, "rendered"), "%s: pdftoppm failed", name);
  free(out);
  json_decref(data);
}

/* A copy of the shipped templates with a guide template (GUIDE ships the
 * real one) in tmp/tpl. */
static tb_doc_templates *open_copy(void) {
  char cmd[600];
  snprintf(cmd, sizeof cmd,
           "rm -rf %s/tpl && cp -r workflows/templates %s/tpl && echo ok", tmp,
           tmp);
  free(run(cmd));
  char path[300];
  snprintf(path, sizeof path, "%s/tpl/guide.tpl", tmp);
  if (access(path, R_OK) != 0)
    write_text(path, "# 服务名称\n{{service.name}}\n\n# 咨询\n"
                     "{{office.address}}，{{office.phone}}\n");
  snprintf(path, sizeof path, "%s/tpl", tmp);
  tb_workflows_problems ps = {0};
  tb_doc_templates *t = tb_doc_templates_open(path, &ps);
  if (!t)
    tb_workflows_problems_print(&ps, stdout);
  tb_workflows_problems_free(&ps);
  return t;
}

static void test_render_every_kind(void) {
  tb_doc_templates *t = open_copy();
  TB_CHECK(t != NULL);
  for (int k = 0; t && k < TB_DOC_KIND_COUNT; k++)
    check_kind(t, (tb_doc_kind)k);
  tb_doc_templates_close(t);
}

/* Data is text: '<b>&amp;' prints as itself. A long list breaks across
 * pages with the footer of page 2; no row is cut. */
static void test_literal_and_pages(void) {
  tb_doc_templates *t = open_copy();
  json_t *data = fixture("notice");
  json_t *items = json_object_get(data, "items");
  json_object_set_new(json_array_get(items, 0), "reason",
                      json_string("<b>&amp; 不是标记"));
  for (int i = 0; i < 60; i++)
    json_array_append_new(items,
                          json_pack("{s:s,s:s,s:s}", "bureau", "消防救援大队",
                                    "item", "消防安全检查意见", "reason",
                                    "原件模糊，无法辨认盖章部门"));
  tb_doc_status st;
  char *text = t ? render_text(t, TB_DOC_NOTICE, data, "long", &st) : NULL;
  TB_CHECK(text && strstr(text, "<b>&amp; 不是标记"));
  TB_CHECK(text && has(text, "第 2 页"));
  char cmd[1000];
  snprintf(cmd, sizeof cmd,
           "pdftoppm -r 60 -png -f 2 -l 2 %s/long.pdf %s/long && cp "
           "\"$(ls %s/long-*.png | head -1)\" "
           "tests/artifacts/documents-notice-page2.png && echo rendered",
           tmp, tmp, tmp);
  char *out = run(cmd);
  TB_CHECK(out && strstr(out, "rendered"));
  free(out);
  free(text);
  /* the data lacks what every document has */
  json_object_del(data, "office");
  text = t ? render_text(t, TB_DOC_NOTICE, data, "bad", &st) : NULL;
  TB_CHECK(!text && st == TB_DOC_DATA_INVALID);
  json_decref(data);
  /* a buffer too small */
  tb_buf small;
  tb_buf_init(&small, 2000);
  data = fixture("gap");
  TB_CHECK(t && tb_doc_render(t, TB_DOC_GAP, NULL, data, &small, NULL) ==
                    TB_DOC_TOO_LARGE);
  TB_CHECK(t && tb_doc_render(t, TB_DOC_GAP, "../x", data, &small, NULL) ==
                    TB_DOC_DATA_INVALID);
  tb_buf_free(&small);
  json_decref(data);
  tb_doc_templates_close(t);
}

/* A changed template is used on the next render; a service's own wins; a
 * broken change is refused with FILE:LINE. */
static void test_reload(void) {
  tb_doc_templates *t = open_copy();
  json_t *data = fixture("delivery");
  char path[300], svc[300];
  snprintf(path, sizeof path, "%s/tpl/delivery.tpl", tmp);
  write_text(path, "第一版回执文字。\n");
  tb_doc_status st;
  char *text = t ? render_text(t, TB_DOC_DELIVERY, data, "v1", &st) : NULL;
  TB_CHECK(text && strstr(text, "第一版回执文字"));
  free(text);
  write_text(path, "第二版回执文字，内容更长一些。\n");
  text = t ? render_text(t, TB_DOC_DELIVERY, data, "v2", &st) : NULL;
  TB_CHECK(text && strstr(text, "第二版回执文字"));
  free(text);
  write_text(path, "第三版\n{{licenses.nmae}}\n");
  tb_workflows_problems ps = {0};
  tb_buf pdf;
  tb_buf_init(&pdf, 1 << 22);
  st = t ? tb_doc_render(t, TB_DOC_DELIVERY, NULL, data, &pdf, &ps)
         : TB_DOC_FAILED;
  TB_CHECK_INT(st, TB_DOC_TEMPLATE_INVALID);
  TB_CHECK_INT(pdf.len, 0);
  TB_CHECK(ps.n == 1 && ps.items[0].line == 2 &&
           strcmp(ps.items[0].file, path) == 0);
  tb_workflows_problems_free(&ps);
  tb_buf_free(&pdf);
  snprintf(svc, sizeof svc, "%s/tpl/spjy", tmp);
  mkdir(svc, 0700);
  snprintf(svc, sizeof svc, "%s/tpl/spjy/delivery.tpl", tmp);
  write_text(svc, "本事项专用回执。\n");
  tb_buf_init(&pdf, 1 << 22);
  TB_CHECK(t && tb_doc_render(t, TB_DOC_DELIVERY, "spjy", data, &pdf, NULL) ==
                    TB_DOC_OK);
  tb_buf_free(&pdf);
  unlink(path);
  text = t ? render_text(t, TB_DOC_DELIVERY, data, "gone", &st) : NULL;
  TB_CHECK(!text && st == TB_DOC_TEMPLATE_MISSING);
  json_decref(data);
  tb_doc_templates_close(t);
}

typedef struct {
  tb_doc_templates *t;
  tb_doc_kind kind;
  json_t *data;
  int ok;
} worker;

static void *render_twice(void *arg) {
  worker *w = arg;
  for (int i = 0; i < 2; i++) {
    tb_buf pdf;
    tb_buf_init(&pdf, 8 << 20);
    if (tb_doc_render(w->t, w->kind, NULL, w->data, &pdf, NULL) == TB_DOC_OK &&
        pdf.len > 1000 && memcmp(pdf.data, "%PDF-", 5) == 0)
      w->ok++;
    tb_buf_free(&pdf);
  }
  return NULL;
}

/* Several threads render from one templates folder at once, while one of
 * the templates changes under them. */
static void test_threads(void) {
  tb_doc_templates *t = open_copy();
  worker w[4];
  pthread_t th[4];
  for (int i = 0; i < 4; i++) {
    w[i] = (worker){.t = t, .kind = i % 2 ? TB_DOC_GAP : TB_DOC_REFUSAL};
    w[i].data = fixture(tb_doc_kind_name(w[i].kind));
    pthread_create(&th[i], NULL, render_twice, &w[i]);
  }
  char path[300];
  snprintf(path, sizeof path, "%s/tpl/gap.tpl", tmp);
  write_text(path, "{{applicant.name}}：\n容缺材料请按期补齐。\n");
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    TB_CHECKF(w[i].ok == 2, "thread %d: %d of 2 rendered", i, w[i].ok);
    json_decref(w[i].data);
  }
  tb_doc_templates_close(t);
}

int main(void) {
  snprintf(tmp, sizeof tmp, "/tmp/tb-documents-XXXXXX");
  if (!mkdtemp(tmp))
    return 1;
  TB_RUN(test_checker_problems);
  TB_RUN(test_checker_accepts);
  TB_RUN(test_render_every_kind);
  TB_RUN(test_literal_and_pages);
  TB_RUN(test_reload);
  TB_RUN(test_threads);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  free(run(cmd));
  tb_documents_cleanup();
  return tb_test_done();
}
