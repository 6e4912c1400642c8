/*
 * bench_documents.c — how long one document takes to render: every kind
 * of tests/documents/fixtures rendered N times (default 20) with the
 * shipped templates (a guide template of its own when none is shipped),
 * the mean time a render and the PDF's size printed a line a kind.
 *
 *   bench_documents [N]    (run from the source folder)
 */
#include "tb_documents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? strtol(argv[1], NULL, 10) : 20;
  if (n < 1 || n > 10000)
    n = 20;
  tb_workflows_problems ps = {0};
  tb_doc_templates *t = tb_doc_templates_open("workflows/templates", &ps);
  if (!t) {
    tb_workflows_problems_print(&ps, stderr);
    return 1;
  }
  for (int k = 0; k < TB_DOC_KIND_COUNT; k++) {
    char path[256];
    snprintf(path, sizeof path, "tests/documents/fixtures/%s.json",
             tb_doc_kind_name((tb_doc_kind)k));
    json_t *data = json_load_file(path, 0, NULL);
    tb_buf pdf;
    tb_buf_init(&pdf, 16 << 20);
    double start = now();
    tb_doc_status st = TB_DOC_OK;
    for (long i = 0; i < n && st == TB_DOC_OK; i++) {
      tb_buf_reset(&pdf);
      st = tb_doc_render(t, (tb_doc_kind)k, NULL, data, &pdf, NULL);
    }
    if (st == TB_DOC_OK)
      printf("%-11s %7.1f ms a render, %6zu bytes\n",
             tb_doc_kind_name((tb_doc_kind)k), (now() - start) * 1000 / n,
             pdf.len);
    else
      printf("%-11s not rendered (status %d)\n",
             tb_doc_kind_name((tb_doc_kind)k), st);
    tb_buf_free(&pdf);
    json_decref(data);
  }
  tb_doc_templates_close(t);
  tb_documents_cleanup();
  return 0;
}
