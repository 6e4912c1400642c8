/*
 * tb_wf_bureaus.c — the bureau list (workflows/bureaus.xml): every bureau
 * declared once with its code, name and unified social credit code, then
 * referenced by code from the definitions.
 */
#include "tb_wf_internal.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_BUREAUS = 1024 };

static bool check_bureau(tb_wf_ctx *cx, const tb_bureau *items, size_t i) {
  const tb_bureau *b = &items[i];
  bool ok = true;
  for (size_t j = 0; j < i; j++) {
    if (strcmp(items[j].code, b->code) == 0) {
      tb_wf_problem(cx, b->line, "give every bureau its own code",
                    "duplicate bureau code '%s' (first declared on line %d)",
                    b->code, items[j].line);
      ok = false;
    }
    if (strcmp(items[j].credit_code, b->credit_code) == 0) {
      tb_wf_problem(cx, b->line, "each bureau has its own credit code",
                    "bureau '%s' has the same credit code as '%s' (line %d)",
                    b->code, items[j].code, items[j].line);
      ok = false;
    }
  }
  tb_problem p = {0};
  if (tb_id_check_credit_code(b->credit_code, strlen(b->credit_code), &p) !=
      TB_OK) {
    tb_wf_problem(cx, b->line,
                  "copy the code from the bureau's registration certificate",
                  "bureau '%s': credit code '%s' is not valid: %s", b->code,
                  b->credit_code, p.detail);
    ok = false;
  }
  return ok;
}

tb_bureau_list *tb_wf_build_bureaus(tb_wf_ctx *cx, const xmlNode *root) {
  size_t n = tb_wf_count(root, "bureau");
  if (n > MAX_BUREAUS) {
    tb_wf_problem(cx, tb_wf_line(root), "keep one city's bureaus in a list",
                  "%zu bureaus; at most %d are allowed", n, MAX_BUREAUS);
    return NULL;
  }
  tb_arena *a = tb_arena_new();
  tb_bureau_list *list = tb_arena_alloc(a, sizeof *list);
  list->arena = a;
  list->items = tb_arena_alloc(a, (n ? n : 1) * sizeof list->items[0]);
  bool ok = true;
  for (xmlNode *e = tb_wf_first(root, "bureau"); e;
       e = tb_wf_next(e, "bureau")) {
    tb_bureau *b = &list->items[list->n];
    const char *code = tb_wf_attr(a, e, "code");
    const char *name = tb_wf_attr(a, e, "name");
    const char *credit = tb_wf_attr(a, e, "credit-code");
    b->code = code ? code : "";
    b->name = name ? name : "";
    b->credit_code = credit ? credit : "";
    b->line = tb_wf_line(e);
    ok = check_bureau(cx, list->items, list->n) && ok;
    list->n++;
  }
  if (!ok) {
    tb_arena_free(a);
    return NULL;
  }
  return list;
}

static tb_status load_bureaus(tb_wf_ctx *cx, const char *data, size_t len,
                              tb_bureau_list **out) {
  size_t from = cx->ps->n;
  xmlDocPtr doc = tb_wf_xml_read(cx, data, len);
  if (doc) {
    xmlNode *root = xmlDocGetRootElement(doc);
    if (tb_wf_is(root, "bureaus"))
      *out = tb_wf_build_bureaus(cx, root);
    else
      tb_wf_problem(cx, tb_wf_line(root), "name the bureaus.xml file",
                    "this is a workflow definition, not a bureau list");
    xmlFreeDoc(doc);
  }
  tb_wf_sort_problems(cx->ps, from);
  return *out ? TB_OK : TB_ERR_INVALID;
}

tb_status tb_workflows_load_bureaus_buffer(const char *name, const char *data,
                                           size_t len, tb_bureau_list **out,
                                           tb_workflows_problems *ps) {
  tb_wf_ctx cx = {.file = name, .ps = ps};
  *out = NULL;
  return load_bureaus(&cx, data, len, out);
}

tb_status tb_workflows_load_bureaus(const char *path, tb_bureau_list **out,
                                    tb_workflows_problems *ps) {
  tb_wf_ctx cx = {.file = path, .ps = ps};
  *out = NULL;
  size_t len;
  char *data = tb_wf_read_file(&cx, path, &len);
  if (!data)
    return TB_ERR_INVALID;
  tb_status st = load_bureaus(&cx, data, len, out);
  free(data);
  return st;
}

void tb_workflows_free_bureaus(tb_bureau_list *bureaus) {
  if (bureaus)
    tb_arena_free(bureaus->arena); /* the list lives in its own arena */
}
