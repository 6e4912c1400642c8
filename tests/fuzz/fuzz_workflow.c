/*
 * fuzz_workflow.c — a libFuzzer target for the workflow loader: every input
 * is loaded as a definition (against a fixed bureau list) and as a bureau
 * list. ./dev test runs it over the shipped files and their mutations
 * (tests/fuzz/driver.c); for libFuzzer, build and run it by hand from the
 * source folder:
 *
 *   python3 tools/embed_file.py workflows/workflow.xsd \
 *     /tmp/tb_wf_schema.c tb_wf_schema_xsd
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *     -Iengine -Iworkflows $(pkg-config --cflags libxml-2.0) \
 *     tests/fuzz/fuzz_workflow.c workflows/tb_wf_*.c /tmp/tb_wf_schema.c \
 *     $(ls engine/[a-z]*.c) $(pkg-config --libs libxml-2.0) -lm \
 *     -o /tmp/fuzz_workflow
 *   mkdir -p /tmp/corpus && cp workflows/[a-z]*.xml /tmp/corpus/
 *   /tmp/fuzz_workflow -max_len=65536 -timeout=10 /tmp/corpus
 *
 * The loader must never crash, leak, hang or touch a file: every input
 * ends in a definition or in a list of problems.
 */
#include "tb_workflows.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char bureaus_xml[] =
    "<bureaus xmlns='urn:tongban:workflow:1'>"
    "<bureau code='SCJG' name='市场监督管理局' "
    "credit-code='11330100002489532W'/>"
    "<bureau code='GA' name='公安局' credit-code='11330100002489612G'/>"
    "<bureau code='SW' name='税务局' credit-code='11330100MB1966245W'/>"
    "<bureau code='RS' name='人力资源和社会保障局' "
    "credit-code='11330100002489807A'/>"
    "<bureau code='GJJ' name='住房公积金管理中心' "
    "credit-code='12330100470043160T'/>"
    "<bureau code='ZJ' name='住房和城乡建设局' "
    "credit-code='11330100002491210H'>"
    "<group code='KZ' name='科长'/><group code='STY' name='审图员'/>"
    "</bureau>"
    "<bureau code='WJ' name='卫生健康委员会' "
    "credit-code='11330100002491560P'>"
    "<group code='FYK' name='妇幼健康科'/></bureau>"
    "<bureau code='YB' name='医疗保障局' credit-code='11330100MB1A77930M'/>"
    "<bureau code='RF' name='人民防空办公室' "
    "credit-code='11330100002492520T'/>"
    "</bureaus>";

static tb_bureau_list *bureaus;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!bureaus) {
    tb_workflows_problems ps = {0};
    if (tb_workflows_load_bureaus_buffer("bureaus.xml", bureaus_xml,
                                         strlen(bureaus_xml), &bureaus,
                                         &ps) != TB_OK)
      abort();
    tb_workflows_problems_free(&ps);
  }
  tb_workflows_problems ps = {0};
  tb_definition *def = NULL;
  tb_status st = tb_workflows_load_buffer("fuzz.xml", (const char *)data, size,
                                          bureaus, &def, &ps);
  if ((st == TB_OK) != (def != NULL) || (st == TB_OK) != (ps.n == 0))
    abort();
  tb_definition_free(def);
  tb_workflows_problems_free(&ps);

  tb_bureau_list *list = NULL;
  st = tb_workflows_load_bureaus_buffer("fuzz.xml", (const char *)data, size,
                                        &list, &ps);
  if ((st == TB_OK) != (list != NULL))
    abort();
  tb_workflows_free_bureaus(list);
  tb_workflows_problems_free(&ps);
  return 0;
}
