/*
 * fuzz_template.c — libFuzzer target for the document template language
 * (documents/, the shipped templates of workflows/templates): parse and check
 * the input as an acceptance receipt's template; a refusal must name at least
 * one problem on a line of the input (or 0: the whole file); an accepted
 * template is expanded with sample data (the blocks the renderer draws, no PDF)
 * and its text stays within the bounds.
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iengine \
 *     -Iworkflows -Idocuments $(pkg-config --cflags --libs pangocairo \
 *     jansson libqrencode libxml-2.0) engine/tb_[a-z]*.c
 * workflows/tb_wf_[a-z]*.c \ documents/tb_[a-z]*.c tests/fuzz/fuzz_template.c
 * -o fuzz_template -lm
 */
#include "tb_doc_int.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *sample(void) {
  return json_pack("{s:{s:s},s:{s:s,s:s},s:{s:s},s:{s:s,s:{s:s}},s:{s:s},"
                   "s:[{s:s,s:s},{s:s,s:s}],s:{s:i,s:b}}",
                   "office", "name", "政务服务中心", "document", "number",
                   "受字第1号", "date", "2026年11月30日", "applicant", "name",
                   "<b>&amp;", "application", "number", "330100202611300000001",
                   "service", "name", "食品经营许可", "tracking", "url",
                   "https://example.gov.cn/t/1", "gaps", "name", "甲",
                   "due_date", "2026年12月1日", "name", "乙", "due_date", "",
                   "limits", "promised_days", 5, "provisional", 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_t *model = tb_doc_model(TB_DOC_ACCEPTANCE);
  tb_workflows_problems ps = {0};
  tb_doc_template *t = tb_doc_template_parse(
      (const char *)data, size, "fuzz.tpl", model, "acceptance", &ps);
  size_t lines = 1;
  for (size_t i = 0; i < size; i++)
    lines += data[i] == '\n';
  if (!t) {
    if (ps.n == 0)
      abort(); /* refused without a reason */
    for (size_t i = 0; i < ps.n; i++)
      if (ps.items[i].line < 0 || (size_t)ps.items[i].line > lines)
        abort();
  } else {
    if (ps.n != 0)
      abort();
    json_t *d = sample();
    tb_doc_layout l = {0};
    tb_doc_status st = tb_doc_expand(t, TB_DOC_ACCEPTANCE, d, &l);
    if (st != TB_DOC_OK && st != TB_DOC_TOO_LARGE)
      abort();
    if (l.text_bytes > TB_DOC_MAX_TEXT + TB_DOC_MAX_LINE * 8 ||
        l.n > TB_DOC_MAX_BLOCKS)
      abort();
    tb_doc_layout_free(&l);
    json_decref(d);
  }
  tb_doc_template_free(t);
  tb_workflows_problems_free(&ps);
  json_decref(model);
  return 0;
}
