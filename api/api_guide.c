/*
 * api_guide.c — the service guide (办事指南), GET
 * /api/v1/workflows/{id}/guide: one JSON document built from the newest
 * deployed definition (its <guide> and what the rest of it already says:
 * limits, materials, the bureaus' steps, delivery, licenses) and the
 * stored bureau list, every text ready to print in Chinese. A redeployed
 * definition changes the guide at once. The guide page (web/guide.js)
 * and the guide's PDF, GET /api/v1/workflows/{id}/guide.pdf (rendered
 * with the templates' guide.tpl, the office of bureaus.xml and a QR code
 * to the guide page), are made from this JSON.
 */
#include "api_documents_data.h"
#include "tb_guide.h"

#include <stdio.h>
#include <string.h>

/* [{"text": …}, …]: objects, so that a document template can name each
 * item's text ({{text}} inside {{#each legal_basis}}). */
static json_t *text_list(const char *const *items, size_t n) {
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(arr, json_pack("{s:s}", "text", items[i]));
  return arr;
}

/* The bureau's name, or its code when the list does not know it. */
static const char *bureau_name(const tb_bureau_list *bureaus,
                               const char *code) {
  const tb_bureau *b = bureaus ? tb_bureaus_find(bureaus, code) : NULL;
  return b ? b->name : code;
}

static const char *applicant_text(tb_applicant_kind k) {
  return k == TB_APPLICANT_PERSON         ? "自然人"
         : k == TB_APPLICANT_ORGANIZATION ? "法人和其他组织"
                                          : "自然人、法人和其他组织";
}

static json_t *fees_view(const tb_guide *g) {
  json_t *items = json_array();
  for (size_t i = 0; i < g->n_fees; i++) {
    char amount[32];
    snprintf(amount, sizeof amount, "%lld.%02lld",
             (long long)(g->fees[i].fen / 100),
             (long long)(g->fees[i].fen % 100));
    json_array_append_new(items, json_pack("{s:s, s:s, s:s}", "name",
                                           g->fees[i].name, "amount", amount,
                                           "basis", g->fees[i].basis));
  }
  return json_pack("{s:b, s:o}", "free", g->free_of_charge, "items", items);
}

static const char *const delivery_kinds[] = {"window", "post", "electronic"};
static const char *const delivery_names[] = {"窗口领取", "邮寄送达",
                                             "电子送达"};

static json_t *delivery_one(tb_guide_delivery_kind k, const char *detail) {
  return json_pack("{s:s, s:s, s:s}", "kind", delivery_kinds[k], "name",
                   delivery_names[k], "detail", detail);
}

/* The guide's 送达方式, else what the delivery attribute allows. */
static json_t *delivery_view(const tb_definition *def) {
  json_t *arr = json_array();
  const tb_guide *g = def->guide;
  if (g && g->n_deliveries > 0) {
    for (size_t i = 0; i < g->n_deliveries; i++)
      json_array_append_new(
          arr, delivery_one(g->deliveries[i].kind, g->deliveries[i].detail));
    return arr;
  }
  if (def->deliver_window)
    json_array_append_new(arr, delivery_one(TB_GUIDE_DELIVERY_WINDOW, ""));
  if (def->deliver_electronic)
    json_array_append_new(arr, delivery_one(TB_GUIDE_DELIVERY_ELECTRONIC, ""));
  return arr;
}

/* What a person reads about a material beyond its name. */
static void material_note(const tb_material *m, char *buf, size_t size) {
  size_t used = 0;
  buf[0] = '\0';
  if (m->tolerate_days > 0)
    used += (size_t)snprintf(buf + used, size - used,
                             "可容缺受理，%u个工作日内补齐",
                             (unsigned)m->tolerate_days);
  if (m->commitment && used < size)
    used += (size_t)snprintf(buf + used, size - used, "%s可告知承诺",
                             used ? "；" : "");
  if (m->license_type && used < size)
    snprintf(buf + used, size - used, "%s可用电子证照，免于提交",
             used ? "；" : "");
}

static json_t *materials_view(const tb_definition *def) {
  json_t *arr = json_array();
  for (size_t i = 0; i < def->n_materials; i++) {
    const tb_material *m = &def->materials[i];
    char note[256];
    material_note(m, note, sizeof note);
    json_array_append_new(
        arr,
        json_pack("{s:s, s:s, s:b, s:i, s:b, s:b, s:s}", "id", m->id, "name",
                  m->name, "required", m->required, "tolerate_days",
                  (int)m->tolerate_days, "commitment", m->commitment, "shared",
                  m->license_type != NULL, "note", note));
  }
  return arr;
}

static json_t *step(const char *name, const char *detail) {
  return json_pack("{s:s, s:s}", "name", name, "detail", detail);
}

/* The names of the branches bd waits for, "、"-separated, into buf. */
static void after_names(const tb_definition *def, const tb_branch_def *bd,
                        char *buf, size_t size) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t k = 0; k < def->n_branches && used < size; k++)
    if (bd->after & (1u << k)) {
      int n = snprintf(buf + used, size - used, "%s%s", used ? "、" : "",
                       def->branches[k].name);
      if (n < 0)
        break;
      used += (size_t)n;
    }
}

/* How the steps of bd with several signers are decided (会签, 或签 …),
 * as "，其中施工图会审实行会签", into buf ("" when every step is one
 * decision). */
static void verbs_text(const tb_branch_def *bd, char *buf, size_t size) {
  static const char *const words[] = {
      [TB_SIGN_ALL] = "实行会签",
      [TB_SIGN_ANY] = "实行或签",
      [TB_SIGN_SEQUENCE] = "由多人依次审核",
      [TB_SIGN_VOTE] = "实行票签表决",
  };
  size_t used = 0;
  buf[0] = '\0';
  for (size_t t = 0; t < bd->n_tasks && used < size; t++) {
    const tb_task_def *td = &bd->tasks[t];
    if (td->rule == TB_SIGN_ONE || td->rule > TB_SIGN_VOTE)
      continue;
    int n = snprintf(buf + used, size - used, "%s%s%s", used ? "、" : "，其中",
                     td->name, words[td->rule]);
    if (n < 0)
      break;
    used += (size_t)n;
  }
}

/* 审查: every branch with its bureau and working days, in order, what it
 * waits for and its steps with several signers; branches that wait for
 * none run side by side. */
static void review_text(const tb_definition *def, const tb_bureau_list *bureaus,
                        char *buf, size_t size) {
  size_t used = 0;
  bool ordered = false;
  buf[0] = '\0';
  for (size_t b = 0; b < def->n_branches && used < size; b++) {
    const tb_branch_def *bd = &def->branches[b];
    unsigned days = 0;
    for (size_t t = 0; t < bd->n_tasks; t++)
      days += bd->tasks[t].days;
    char after[512], verbs[512];
    after_names(def, bd, after, sizeof after);
    verbs_text(bd, verbs, sizeof verbs);
    ordered = ordered || after[0];
    int n = snprintf(
        buf + used, size - used, "%s%s：%s，%u个工作日%s%s%s%s%s",
        used ? "；" : "", bd->name, bureau_name(bureaus, bd->bureau), days,
        after[0] ? "，在" : "", after, after[0] ? "之后" : "", verbs,
        bd->when_text && *bd->when_text ? "（符合条件时办理）" : "");
    if (n < 0)
      break;
    used += (size_t)n;
  }
  if (used < size && def->n_branches > 1)
    snprintf(buf + used, size - used, "。%s",
             ordered ? "没有先后关系的部门并联审查"
                     : "各部门并联审查，互不等待");
}

/* 办理流程 when the guide writes none: from the branches. */
static json_t *derived_steps(const tb_definition *def,
                             const tb_bureau_list *bureaus) {
  json_t *arr = json_array();
  json_array_append_new(
      arr, step("申请", def->online
                            ? "到综合窗口，或在网上办事大厅在线提交申请表和材料"
                            : "到综合窗口提交申请表和材料"));
  json_array_append_new(arr, step("受理",
                                  "综合窗口当场核对材料：齐全的出具受理通知书，"
                                  "不齐全的一次性告知需要补正的全部内容"));
  char review[2048];
  review_text(def, bureaus, review, sizeof review);
  json_array_append_new(arr, step("审查", review));
  json_array_append_new(
      arr, step("决定", "准予许可的作出决定并签发电子证照；"
                        "不予许可的书面说明理由，并告知申请复议和诉讼的权利"));
  json_array_append_new(
      arr, step("送达", "在综合窗口统一出件，或按申请时选择的方式送达"));
  return arr;
}

static json_t *steps_view(const tb_definition *def,
                          const tb_bureau_list *bureaus) {
  const tb_guide *g = def->guide;
  if (!g || g->n_steps == 0)
    return derived_steps(def, bureaus);
  json_t *arr = json_array();
  for (size_t i = 0; i < g->n_steps; i++)
    json_array_append_new(arr, step(g->steps[i].name, g->steps[i].detail));
  return arr;
}

/* The bureaus that review the service, each once, in branch order. */
static json_t *bureaus_view(const tb_definition *def,
                            const tb_bureau_list *bureaus) {
  json_t *arr = json_array();
  for (size_t b = 0; b < def->n_branches; b++) {
    const char *code = def->branches[b].bureau;
    bool seen = false;
    for (size_t k = 0; k < b && !seen; k++)
      seen = strcmp(def->branches[k].bureau, code) == 0;
    if (!seen)
      json_array_append_new(arr, json_pack("{s:s, s:s}", "code", code, "name",
                                           bureau_name(bureaus, code)));
  }
  return arr;
}

static json_t *results_view(const tb_definition *def,
                            const tb_bureau_list *bureaus) {
  json_t *arr = json_array();
  for (size_t i = 0; i < def->n_licenses; i++)
    json_array_append_new(
        arr, json_pack("{s:s, s:s}", "name", def->licenses[i].name, "bureau",
                       bureau_name(bureaus, def->licenses[i].bureau)));
  return arr;
}

/* The parts only a <guide> element gives. */
static void guide_parts(json_t *o, const tb_guide *g) {
  if (g->code)
    json_object_set_new(o, "code", json_string(g->code));
  json_object_set_new(o, "kind", json_string(g->kind));
  json_object_set_new(o, "legal_basis", text_list(g->basis, g->n_basis));
  json_object_set_new(o, "conditions",
                      text_list(g->conditions, g->n_conditions));
  json_object_set_new(o, "fees", fees_view(g));
  if (g->address)
    json_object_set_new(o, "where",
                        json_pack("{s:s, s:s}", "address", g->address, "hours",
                                  g->hours ? g->hours : ""));
  json_object_set_new(o, "contact",
                      json_pack("{s:s, s:s}", "consult", g->consult_phone,
                                "complain", g->complain_phone));
}

json_t *api_guide_view(const tb_definition *def,
                       const tb_bureau_list *bureaus) {
  json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:{s:i, s:i, s:b}, s:b}", "id",
                        def->id, "version", (int)def->version, "name",
                        def->name, "applicant", applicant_text(def->applicant),
                        "limits", "statutory_days", (int)def->statutory_days,
                        "promised_days", (int)def->promised_days, "immediate",
                        def->immediate, "online", def->online);
  if (def->guide)
    guide_parts(o, def->guide);
  json_object_set_new(o, "materials", materials_view(def));
  json_object_set_new(o, "steps", steps_view(def, bureaus));
  json_object_set_new(o, "delivery", delivery_view(def));
  json_object_set_new(o, "bureaus", bureaus_view(def, bureaus));
  json_object_set_new(o, "results", results_view(def, bureaus));
  return o;
}

const tb_definition *api_workflow_newest(api_req *r,
                                         const tb_bureau_list **bureaus) {
  const char *id = r->params[0];
  if (strlen(id) > 63) {
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such workflow");
    return NULL;
  }
  tb_store *s = api_store(r);
  if (!s)
    return NULL;
  const tb_definition *def = NULL;
  tb_store_status rc = tb_store_definition_get(s, id, 0, &def);
  if (rc == TB_STORE_NOT_FOUND) {
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such workflow");
    return NULL;
  }
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return NULL;
  }
  tb_problem bp = {0};
  if (bureaus && tb_store_bureaus_get(s, bureaus, &bp) != TB_STORE_OK)
    *bureaus = NULL; /* bureau codes stand in for their names */
  return def;
}

void api_h_workflow_guide(api_req *r) {
  const tb_bureau_list *bureaus = NULL;
  const tb_definition *def = api_workflow_newest(r, &bureaus);
  if (def)
    api_reply_json(r, 200, api_guide_view(def, bureaus));
}

/* The guide's document data: the guide JSON with the service, the
 * service hall (bureaus.xml's <office>) and the QR code's target, the
 * guide page at the public URL. NULL when that URL does not fit. */
static json_t *guide_document(api_req *r, const tb_definition *def,
                              const tb_bureau_list *bureaus) {
  char url[1024];
  int n = snprintf(url, sizeof url, "%s/web/guide.html?service=%s",
                   api_public_url(r), def->id);
  if (n < 0 || (size_t)n >= sizeof url)
    return NULL;
  json_t *data = api_guide_view(def, bureaus);
  json_object_set_new(
      data, "service",
      json_pack("{s:s, s:s}", "id", def->id, "name", def->name));
  json_object_set_new(data, "office", api_doc_office(bureaus));
  json_object_set_new(data, "guide_url", json_string(url));
  return data;
}

void api_h_workflow_guide_pdf(api_req *r) {
  const tb_bureau_list *bureaus = NULL;
  const tb_definition *def = api_workflow_newest(r, &bureaus);
  if (!def || !api_documents_ready(r, bureaus))
    return;
  json_t *data = guide_document(r, def, bureaus);
  if (!data) {
    api_fail(r, TB_PROBLEM_INTERNAL, "the guide page's URL is too long");
    return;
  }
  api_document_reply(r, TB_DOC_GUIDE, def->id, data);
  json_decref(data);
}
