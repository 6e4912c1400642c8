/*
 * tb_wf_bureaus.c — the bureau list (workflows/bureaus.xml): every bureau
 * declared once with its code, name, unified social credit code, the
 * license types it may issue (<issues>), its officers' groups (<group>,
 * 岗位 such as 科长) and where its refusals and denials
 * are contested (<rights>, the bureau's own or the list's), and the
 * service hall whose documents it prints (<office>), then
 * referenced by code from the definitions; and the check that a
 * definition's <license> names a bureau with the authority for its type.
 */
#include "tb_wf_internal.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_BUREAUS = 1024, MAX_GRANTS = 256, MAX_GROUPS = 64 };

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

/* The same type granted under another name, here or by an earlier
 * bureau: one type has one name. */
static bool check_grant_name(tb_wf_ctx *cx, const tb_bureau *items, size_t n,
                             const tb_license_grant *g) {
  for (size_t j = 0; j <= n; j++) {
    const tb_bureau *o = &items[j];
    size_t upto = j < n ? o->n_grants : (size_t)(g - o->grants);
    for (size_t k = 0; k < upto; k++) {
      const tb_license_grant *h = &o->grants[k];
      if (strcmp(h->type_code, g->type_code) != 0)
        continue;
      if (j == n) {
        tb_wf_problem(cx, g->line, "grant each license type once",
                      "bureau '%s' is granted license type '%s' twice "
                      "(first on line %d)",
                      o->code, g->type_code, h->line);
        return false;
      }
      if (strcmp(h->name, g->name) != 0) {
        tb_wf_problem(cx, g->line, "give one license type one name",
                      "license type '%s' is called '%s' here and '%s' on "
                      "line %d",
                      g->type_code, g->name, h->name, h->line);
        return false;
      }
    }
  }
  return true;
}

/* The <issues> grants of bureau element e into items[n]. */
static bool read_grants(tb_wf_ctx *cx, tb_arena *a, const xmlNode *e,
                        tb_bureau *items, size_t n) {
  tb_bureau *b = &items[n];
  size_t count = tb_wf_count(e, "issues");
  b->grants = NULL;
  b->n_grants = 0;
  if (count > MAX_GRANTS) {
    tb_wf_problem(cx, b->line, "split the bureau's authority",
                  "bureau '%s' is granted %zu license types; at most %d are "
                  "allowed",
                  b->code, count, MAX_GRANTS);
    return false;
  }
  tb_license_grant *grants =
      tb_arena_alloc(a, (count ? count : 1) * sizeof *grants);
  b->grants = grants;
  bool ok = true;
  for (xmlNode *g = tb_wf_first(e, "issues"); g; g = tb_wf_next(g, "issues")) {
    tb_license_grant *out = &grants[b->n_grants++];
    const char *code = tb_wf_attr(a, g, "type-code");
    const char *name = tb_wf_attr(a, g, "name");
    out->type_code = code ? code : "";
    out->name = name ? name : "";
    out->line = tb_wf_line(g);
    ok = check_grant_name(cx, items, n, out) && ok;
  }
  return ok;
}

/* The <group> children of bureau element e into b: codes unique in the
 * bureau. */
static bool read_groups(tb_wf_ctx *cx, tb_arena *a, const xmlNode *e,
                        tb_bureau *b) {
  size_t count = tb_wf_count(e, "group");
  b->groups = NULL;
  b->n_groups = 0;
  if (count > MAX_GROUPS) {
    tb_wf_problem(cx, b->line, "merge groups that do the same work",
                  "bureau '%s' declares %zu groups; at most %d are allowed",
                  b->code, count, MAX_GROUPS);
    return false;
  }
  tb_bureau_group *groups =
      tb_arena_alloc(a, (count ? count : 1) * sizeof *groups);
  b->groups = groups;
  bool ok = true;
  for (xmlNode *g = tb_wf_first(e, "group"); g; g = tb_wf_next(g, "group")) {
    tb_bureau_group *out = &groups[b->n_groups];
    const char *code = tb_wf_attr(a, g, "code");
    const char *name = tb_wf_attr(a, g, "name");
    out->code = code ? code : "";
    out->name = name ? name : "";
    out->line = tb_wf_line(g);
    const tb_bureau_group *first = tb_bureau_group_find(b, out->code);
    if (first) {
      tb_wf_problem(cx, out->line, "give every group of a bureau its own code",
                    "bureau '%s': duplicate group code '%s' (first declared "
                    "on line %d)",
                    b->code, out->code, first->line);
      ok = false;
    }
    b->n_groups++;
  }
  return ok;
}

/* The review body and court of a <rights> child of e, if it has one
 * (the schema requires both attributes and allows one such child). */
static bool read_rights(tb_arena *a, const xmlNode *e, const char **review,
                        const char **court) {
  xmlNode *r = tb_wf_first(e, "rights");
  if (!r)
    return false;
  *review = tb_wf_attr(a, r, "review");
  *court = tb_wf_attr(a, r, "court");
  return true;
}

/* The service hall of the list's <office>, if it has one (the schema
 * requires every attribute). */
static void read_office(tb_arena *a, const xmlNode *root, tb_bureau_list *l) {
  xmlNode *o = tb_wf_first(root, "office");
  if (!o)
    return;
  l->office_name = tb_wf_attr(a, o, "name");
  l->office_address = tb_wf_attr(a, o, "address");
  l->office_phone = tb_wf_attr(a, o, "phone");
  l->office_hours = tb_wf_attr(a, o, "hours");
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
  read_rights(a, root, &list->review_body, &list->court);
  read_office(a, root, list);
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
    if (!read_rights(a, e, &b->review_body, &b->court)) {
      b->review_body = list->review_body;
      b->court = list->court;
    }
    ok = check_bureau(cx, list->items, list->n) && ok;
    ok = read_grants(cx, a, e, list->items, list->n) && ok;
    ok = read_groups(cx, a, e, b) && ok;
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

/* The bureaus granted a type, as "A, B" (at most a few), into out. */
static void granted_to(const tb_bureau_list *bureaus, const char *type_code,
                       char *out, size_t size) {
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < bureaus->n && used + 1 < size; i++) {
    if (!tb_bureau_grant(&bureaus->items[i], type_code))
      continue;
    int w = snprintf(out + used, size - used, "%s%s", used ? ", " : "",
                     bureaus->items[i].code);
    if (w < 0 || (size_t)w >= size - used)
      break;
    used += (size_t)w;
  }
}

void tb_wf_check_license_authority(tb_wf_ctx *cx, const tb_bureau_list *bureaus,
                                   const tb_license_def *l) {
  const tb_bureau *b = bureaus ? tb_bureaus_find(bureaus, l->bureau) : NULL;
  if (!b) /* no list, or an unknown bureau (reported already) */
    return;
  const tb_license_grant *g = tb_bureau_grant(b, l->type_code);
  if (g && strcmp(g->name, l->name) != 0) {
    tb_wf_problem(cx, l->line, "use the type's name from bureaus.xml",
                  "license type '%s' is called '%s' in bureaus.xml, not '%s'",
                  l->type_code, g->name, l->name);
    return;
  }
  if (g)
    return;
  char others[200], todo[400];
  granted_to(bureaus, l->type_code, others, sizeof others);
  if (others[0])
    snprintf(todo, sizeof todo,
             "name the bureau that issues it (%s), or grant the type to "
             "'%s' with <issues> in bureaus.xml",
             others, b->code);
  else
    snprintf(todo, sizeof todo,
             "grant the type to the bureau that issues it with <issues "
             "type-code=\"%s\"> in bureaus.xml",
             l->type_code);
  tb_wf_problem(cx, l->line, todo,
                "license '%s' (type %s): bureau '%s' (%s) has no authority "
                "to issue it",
                l->name, l->type_code, b->code, b->name);
}
