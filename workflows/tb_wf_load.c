/*
 * tb_wf_load.c — the loader's entry points for definitions: from a file,
 * from memory, the check behind `tongban workflows check`, and the
 * one-problem entry points the store takes as its loader.
 */
#include "tb_wf_internal.h"

#include <stdio.h>
#include <stdlib.h>

static tb_definition *load(tb_wf_ctx *cx, const char *data, size_t len,
                           const tb_bureau_list *bureaus) {
  tb_definition *def = NULL;
  xmlDocPtr doc = tb_wf_xml_read(cx, data, len);
  if (!doc)
    return NULL;
  xmlNode *root = xmlDocGetRootElement(doc);
  if (tb_wf_is(root, "service"))
    def = tb_wf_build_definition(cx, root, bureaus);
  else
    tb_wf_problem(cx, tb_wf_line(root),
                  "name a workflow definition; bureaus.xml and "
                  "supervision.xml are loaded on their own",
                  "this is the %s, not a workflow definition",
                  tb_wf_is(root, "supervision") ? "supervision rules file"
                                                : "bureau list");
  xmlFreeDoc(doc);
  return def;
}

tb_status tb_workflows_load_buffer(const char *name, const char *data,
                                   size_t len, const tb_bureau_list *bureaus,
                                   tb_definition **out,
                                   tb_workflows_problems *ps) {
  tb_wf_ctx cx = {.file = name, .ps = ps};
  size_t from = ps->n;
  *out = load(&cx, data, len, bureaus);
  tb_wf_sort_problems(ps, from);
  return *out ? TB_OK : TB_ERR_INVALID;
}

tb_status tb_workflows_load_file(const char *path,
                                 const tb_bureau_list *bureaus,
                                 tb_definition **out,
                                 tb_workflows_problems *ps) {
  tb_wf_ctx cx = {.file = path, .ps = ps};
  size_t len, from = ps->n;
  *out = NULL;
  char *data = tb_wf_read_file(&cx, path, &len);
  if (data) {
    *out = load(&cx, data, len, bureaus);
    free(data);
  }
  tb_wf_sort_problems(ps, from);
  return *out ? TB_OK : TB_ERR_INVALID;
}

size_t tb_workflows_check_file(const char *path, const tb_bureau_list *bureaus,
                               tb_workflows_problems *ps) {
  tb_wf_ctx cx = {.file = path, .ps = ps};
  size_t len, from = ps->n;
  char *data = tb_wf_read_file(&cx, path, &len);
  if (!data)
    return cx.added;
  xmlDocPtr doc = tb_wf_xml_read(&cx, data, len);
  free(data);
  if (doc) {
    xmlNode *root = xmlDocGetRootElement(doc);
    if (tb_wf_is(root, "bureaus"))
      tb_workflows_free_bureaus(tb_wf_build_bureaus(&cx, root));
    else if (tb_wf_is(root, "supervision"))
      tb_rule_set_free(tb_wf_build_rules(&cx, root));
    else
      tb_definition_free(tb_wf_build_definition(&cx, root, bureaus));
    xmlFreeDoc(doc);
  }
  tb_wf_sort_problems(ps, from);
  return cx.added;
}

/* ---- one problem, for callers that take a function pointer ------------- */

/* The first problem of a list (or fallback) into *p, field "xml". */
static void first_problem(const tb_workflows_problems *ps, const char *fallback,
                          tb_problem *p) {
  char buf[sizeof p->detail];
  if (ps->n > 0)
    tb_workflows_problem_format(&ps->items[0], buf, sizeof buf);
  else
    snprintf(buf, sizeof buf, "%s", fallback);
  tb_problem_set(p, TB_ERR_INVALID, "xml", "%s", buf);
}

tb_status tb_workflows_parse_definition(const char *name, const char *data,
                                        size_t len,
                                        const tb_bureau_list *bureaus,
                                        tb_definition **out, tb_problem *p) {
  tb_workflows_problems ps = {0};
  tb_status st = tb_workflows_load_buffer(name, data, len, bureaus, out, &ps);
  if (st != TB_OK)
    first_problem(&ps, "the definition is invalid", p);
  tb_workflows_problems_free(&ps);
  return st;
}

tb_status tb_workflows_parse_bureaus(const char *name, const char *data,
                                     size_t len, tb_bureau_list **out,
                                     tb_problem *p) {
  tb_workflows_problems ps = {0};
  tb_status st = tb_workflows_load_bureaus_buffer(name, data, len, out, &ps);
  if (st != TB_OK)
    first_problem(&ps, "the bureau list is invalid", p);
  tb_workflows_problems_free(&ps);
  return st;
}
