/*
 * api_documents_data.c — what each document of an application says: the
 * kinds an application has now, and the data of each kind in the model
 * the templates read (workflows/templates/README.md): the parts every
 * document carries (office, document, applicant, application, tracking)
 * and the kind's own items, every date and time ready to print in
 * Chinese (Beijing time).
 *
 * Everything comes from one read (tb_store_documents_read: the tracking
 * view plus the applicant's number, the window's supplement requests, the
 * delivery and the licenses with their issuers), the definition, the
 * bureau list (the office, the bureaus' names and rights) and the
 * calendar; the refusal and denial reuse the tracking's decision view
 * (api_decision.c). Pure but for those reads: nothing is written.
 */
#include "api_documents_data.h"

#include <stdio.h>
#include <string.h>

enum { BEIJING = 8 * 3600 };

/* ---- dates and times ----------------------------------------------------- */

static json_t *zh_day(tb_day d) {
  if (d == 0)
    return json_string("");
  char buf[TB_DATE_ZH_MAX];
  tb_date_format_zh(d, buf);
  return json_string(buf);
}

static tb_day day_of(const api_doc_source *src, int64_t t) {
  return tb_calendar_day_of(src->cal, t);
}

static json_t *zh_date_of(const api_doc_source *src, int64_t t) {
  return t ? zh_day(day_of(src, t)) : json_string("");
}

/* "2026年11月30日 14:05" in Beijing time. */
static json_t *zh_time(const api_doc_source *src, int64_t t) {
  if (!t)
    return json_string("");
  char day[TB_DATE_ZH_MAX], out[48];
  tb_date_format_zh(day_of(src, t), day);
  int64_t sec = ((t + BEIJING) % 86400 + 86400) % 86400;
  snprintf(out, sizeof out, "%s %02d:%02d", day, (int)(sec / 3600),
           (int)(sec / 60 % 60));
  return json_string(out);
}

/* ---- look-ups ------------------------------------------------------------ */

/* A string member of o, "" when absent or not a string. */
static const char *text_of(json_t *o, const char *key) {
  const char *v = json_string_value(json_object_get(o, key));
  return v ? v : "";
}

static const char *bureau_name(const api_doc_source *src, const char *code) {
  const tb_bureau *b =
      src->bureaus && code ? tb_bureaus_find(src->bureaus, code) : NULL;
  return b ? b->name : code ? code : "";
}

static int material_of(const tb_definition *def, const char *id) {
  return id ? tb_definition_material(def, id, strlen(id)) : -1;
}

static bool has_bit(uint64_t set, size_t i) {
  return (set & ((uint64_t)1 << i)) != 0;
}

/* The time of the latest supplement request (the window's or a bureau's
 * return), 0 when there was none. */
static int64_t notice_at(const api_doc_source *src) {
  int64_t at = 0;
  json_t *lists[] = {json_object_get(src->facts, "requests"), src->returns};
  for (size_t l = 0; l < 2; l++) {
    size_t i;
    json_t *o;
    json_array_foreach(lists[l], i, o) {
      json_int_t t = json_integer_value(json_object_get(o, "at"));
      if (t > at)
        at = t;
    }
  }
  return at;
}

static bool tolerated_any(const tb_definition *def, const tb_app_state *st) {
  for (size_t m = 0; m < def->n_materials && m < TB_MAX_MATERIALS; m++)
    if (st->gap_due[m] != 0)
      return true;
  return false;
}

/* Before acceptance: whether the service has commitment materials (the
 * applicant may sign); after it: whether any material was committed. */
static bool commitments_any(const tb_definition *def, const tb_app_state *st) {
  if (st->accepted_at)
    return st->committed != 0;
  for (size_t m = 0; m < def->n_materials; m++)
    if (def->materials[m].commitment)
      return true;
  return false;
}

static json_t *delivery_of(const api_doc_source *src) {
  json_t *d = json_object_get(src->facts, "delivery");
  return json_is_object(d) ? d : NULL;
}

static json_t *licenses_of(const api_doc_source *src) {
  return json_object_get(src->facts, "licenses");
}

/* ---- which kinds --------------------------------------------------------- */

const char *api_doc_why(const api_doc_source *src, tb_doc_kind kind) {
  const tb_app_state *st = src->st;
  switch (kind) {
  case TB_DOC_ACCEPTANCE:
    return st->accepted_at ? "申请已受理" : NULL;
  case TB_DOC_NOTICE:
    return notice_at(src) ? "曾要求一次性补正材料" : NULL;
  case TB_DOC_REFUSAL:
    return st->status == TB_APP_REFUSED ? "申请不予受理" : NULL;
  case TB_DOC_DENIAL:
    return st->status == TB_APP_DENIED ? "申请不予许可" : NULL;
  case TB_DOC_GAP:
    return st->accepted_at && tolerated_any(src->def, st) ? "容缺受理" : NULL;
  case TB_DOC_COMMITMENT:
    if (!commitments_any(src->def, st))
      return NULL;
    return st->accepted_at ? "以告知承诺方式受理"
                           : "本事项可以告知承诺方式办理";
  case TB_DOC_APPROVAL:
    return json_array_size(licenses_of(src)) ? "准予许可并已出证" : NULL;
  case TB_DOC_DELIVERY:
    return delivery_of(src) ? "证照已送达" : NULL;
  default:
    return NULL; /* the guide is the service's, not an application's */
  }
}

/* ---- the parts every document carries ------------------------------------ */

/* The day a document of this kind was issued (Unix seconds); 0: none. */
static int64_t issued_at(const api_doc_source *src, tb_doc_kind kind) {
  const tb_app_state *st = src->st;
  json_t *d = delivery_of(src);
  switch (kind) {
  case TB_DOC_ACCEPTANCE:
  case TB_DOC_GAP:
    return st->accepted_at;
  case TB_DOC_NOTICE:
    return notice_at(src);
  case TB_DOC_COMMITMENT:
    return st->accepted_at ? st->accepted_at : st->submitted_at;
  case TB_DOC_DELIVERY:
    return d ? json_integer_value(json_object_get(d, "at")) : 0;
  default: /* refusal, denial, approval */
    return st->finished_at;
  }
}

/* 通办受字〔2026〕第330100202611300000001号: the kind's word, the year of
 * issue and the application number (no storage needed). */
static json_t *document_part(const api_doc_source *src, tb_doc_kind kind) {
  static const char *const words[TB_DOC_KIND_COUNT] = {
      [TB_DOC_ACCEPTANCE] = "受", [TB_DOC_NOTICE] = "补",
      [TB_DOC_REFUSAL] = "不受",  [TB_DOC_DENIAL] = "不许",
      [TB_DOC_GAP] = "容",        [TB_DOC_COMMITMENT] = "承",
      [TB_DOC_APPROVAL] = "准",   [TB_DOC_DELIVERY] = "送",
      [TB_DOC_GUIDE] = "指"};
  int64_t at = issued_at(src, kind);
  int y = 0, m = 0, d = 0;
  tb_date_to_ymd(day_of(src, at ? at : src->now), &y, &m, &d);
  char number[128];
  snprintf(number, sizeof number, "通办%s字〔%d〕第%s号", words[kind], y,
           src->number);
  return json_pack("{s:s, s:o}", "number", number, "date",
                   zh_date_of(src, at ? at : src->now));
}

static json_t *common(const api_doc_source *src, tb_doc_kind kind) {
  const tb_bureau_list *b = src->bureaus;
  const tb_app_state *st = src->st;
  json_t *tracking = json_pack("{s:s}", "url", src->tracking_url);
  if (src->code)
    json_object_set_new(tracking, "code", json_string(src->code));
  return json_pack(
      "{s:o, s:o, s:{s:s, s:s}, s:{s:s, s:{s:s, s:s}, s:o, s:s}, s:o}",
      "office", api_doc_office(b), "document", document_part(src, kind),
      "applicant", "name", src->applicant_name, "number", src->applicant_number,
      "application", "number", src->number, "service", "id", src->def->id,
      "name", src->def->name, "submitted_at", zh_time(src, st->submitted_at),
      "channel", st->channel == TB_CHANNEL_ONLINE ? "网上申请" : "窗口受理",
      "tracking", tracking);
}

/* ---- the kinds' own items ------------------------------------------------ */

static const char *material_status(const tb_app_state *st, size_t m) {
  if (has_bit(st->from_license, m))
    return "证照共享免提交";
  if (has_bit(st->committed, m))
    return "告知承诺";
  if (st->gap_due[m] != 0)
    return "容缺";
  return has_bit(st->provided, m) ? "已提交" : NULL;
}

static json_t *gaps(const api_doc_source *src) {
  json_t *arr = json_array();
  const tb_definition *def = src->def;
  for (size_t m = 0; m < def->n_materials && m < TB_MAX_MATERIALS; m++)
    if (src->st->gap_due[m] != 0)
      json_array_append_new(arr, json_pack("{s:s, s:o}", "name",
                                           def->materials[m].name, "due_date",
                                           zh_day(src->st->gap_due[m])));
  return arr;
}

static void acceptance(const api_doc_source *src, json_t *o) {
  const tb_definition *def = src->def;
  const tb_app_state *st = src->st;
  json_t *materials = json_array(), *commitments = json_array();
  for (size_t m = 0; m < def->n_materials && m < TB_MAX_MATERIALS; m++) {
    const char *status = material_status(st, m);
    if (status)
      json_array_append_new(materials, json_pack("{s:s, s:s}", "name",
                                                 def->materials[m].name,
                                                 "status", status));
    if (has_bit(st->committed, m))
      json_array_append_new(commitments,
                            json_pack("{s:s}", "name", def->materials[m].name));
  }
  bool provisional =
      tb_calendar_is_provisional(src->cal, st->deadline) ||
      tb_calendar_is_provisional(src->cal, st->statutory_deadline);
  json_object_set_new(o, "accepted_at", zh_time(src, st->accepted_at));
  json_object_set_new(o, "limits",
                      json_pack("{s:i, s:i, s:o, s:o, s:b}", "promised_days",
                                (int)def->promised_days, "statutory_days",
                                (int)def->statutory_days, "due_date",
                                zh_day(st->deadline), "statutory_due_date",
                                zh_day(st->statutory_deadline), "provisional",
                                provisional));
  json_object_set_new(o, "materials", materials);
  json_object_set_new(o, "gaps", gaps(src));
  json_object_set_new(o, "commitments", commitments);
}

/* The items of one request: each material id of `items` with who asked
 * and why. */
static void notice_items(const api_doc_source *src, json_t *out,
                         const char *bureau, json_t *items,
                         const char *reason) {
  size_t i;
  json_t *v;
  json_array_foreach(items, i, v) {
    int m = material_of(src->def, json_string_value(v));
    if (m >= 0)
      json_array_append_new(
          out, json_pack("{s:s, s:s, s:s}", "bureau", bureau, "item",
                         src->def->materials[m].name, "reason",
                         reason && reason[0] ? reason
                                             : "材料不齐全或不符合法定形式"));
  }
}

static void notice(const api_doc_source *src, json_t *o) {
  json_t *items = json_array();
  size_t i;
  json_t *r;
  json_array_foreach(json_object_get(src->facts, "requests"), i, r)
      notice_items(src, items, src->bureaus->office_name,
                   json_object_get(r, "items"),
                   json_string_value(json_object_get(r, "reason")));
  json_array_foreach(src->returns, i, r) {
    json_int_t b = json_integer_value(json_object_get(r, "branch"));
    if (b < 0 || (size_t)b >= src->def->n_branches)
      continue;
    notice_items(src, items, bureau_name(src, src->def->branches[b].bureau),
                 json_object_get(r, "items"),
                 json_string_value(json_object_get(r, "comment")));
  }
  char url[512];
  if (!api_tracking_url(src->r, src->number, NULL, url, sizeof url))
    url[0] = '\0';
  json_object_set_new(o, "requested_at", zh_time(src, notice_at(src)));
  json_object_set_new(o, "items", items);
  json_object_set_new(o, "supply",
                      json_pack("{s:b, s:s, s:s, s:s}", "online",
                                src->def->online, "url", url, "window",
                                src->bureaus->office_address, "hours",
                                src->bureaus->office_hours));
}

/* The refusal or denial: the tracking's decision view, as printed. */
static bool decision(const api_doc_source *src, json_t *o, bool denial) {
  json_t *v =
      api_decision_view(src->s, src->def, src->st, src->stored_decision);
  if (!json_is_object(v)) {
    json_decref(v);
    return false;
  }
  json_t *rights = json_object_get(v, "rights");
  json_t *review = json_object_get(rights, "review");
  json_t *court =
      json_object_get(json_object_get(rights, "litigation"), "court");
  const char *body = json_string_value(json_object_get(review, "body"));
  const char *c = json_string_value(court);
  const char *basis = json_string_value(json_object_get(v, "legal_basis"));
  json_object_set_new(o, "decided_at", zh_time(src, src->st->finished_at));
  json_object_set_new(o, "reason", json_string(text_of(v, "reason")));
  json_object_set_new(o, "legal_basis", json_string(basis ? basis : ""));
  json_object_set_new(
      o, "rights",
      json_pack("{s:s, s:i, s:s, s:i}", "review_body",
                body ? body : "有管辖权的行政复议机关", "review_days", 60,
                "court", c ? c : "有管辖权的人民法院", "litigation_months", 6));
  if (denial) {
    const char *name = json_string_value(json_object_get(v, "bureau_name"));
    json_object_set_new(o, "bureau",
                        json_pack("{s:s}", "name", name ? name : ""));
  }
  json_decref(v);
  return true;
}

static void gap(const api_doc_source *src, json_t *o) {
  json_object_set_new(o, "accepted_at", zh_time(src, src->st->accepted_at));
  json_object_set_new(o, "gaps", gaps(src));
  json_object_set_new(
      o, "consequence",
      json_string(src->def->gap_policy == TB_GAP_MISSED_TERMINATE
                      ? "逾期未补齐的，本申请将终止办理。"
                      : "逾期未补齐的，将予以督办并记入办件记录，"
                        "证照待补齐后方予核发。"));
}

static void commitment(const api_doc_source *src, json_t *o) {
  const tb_definition *def = src->def;
  const tb_app_state *st = src->st;
  uint64_t chosen = st->accepted_at ? st->committed : st->chosen_committed;
  json_t *arr = json_array();
  for (size_t m = 0; m < def->n_materials && m < TB_MAX_MATERIALS; m++) {
    const tb_material *mat = &def->materials[m];
    if (!mat->commitment || (chosen && !has_bit(chosen, m)))
      continue;
    char standard[512];
    snprintf(standard, sizeof standard,
             "本人（本单位）承诺：“%s”所涉情况真实、合法、有效，符合法定条件。"
             "如有不实，愿意承担相应的法律责任。",
             mat->name);
    json_array_append_new(
        arr, json_pack("{s:s, s:s}", "name", mat->name, "text",
                       mat->commitment_text ? mat->commitment_text : standard));
  }
  json_object_set_new(o, "commitments", arr);
}

static const char *valid_until(const char *day, char buf[TB_DATE_ZH_MAX]) {
  tb_day d;
  if (!day || tb_date_parse(day, strlen(day), &d) != TB_OK)
    return "长期";
  tb_date_format_zh(d, buf);
  return buf;
}

static void approval(const api_doc_source *src, json_t *o) {
  json_t *bureaus = json_array(), *licenses = json_array();
  for (size_t b = 0; b < src->st->n_branches && b < src->def->n_branches; b++)
    if (src->st->branches[b].status == TB_BRANCH_APPROVED)
      json_array_append_new(
          bureaus, json_pack("{s:s}", "name",
                             bureau_name(src, src->def->branches[b].bureau)));
  size_t i;
  json_t *l;
  json_array_foreach(licenses_of(src), i, l) {
    char buf[TB_DATE_ZH_MAX];
    json_array_append_new(
        licenses,
        json_pack(
            "{s:s, s:s, s:s, s:s}", "name", text_of(l, "name"), "number",
            text_of(l, "id"), "bureau",
            bureau_name(src, json_string_value(json_object_get(l, "issuer"))),
            "valid_until",
            valid_until(json_string_value(json_object_get(l, "valid_until")),
                        buf)));
  }
  json_object_set_new(o, "decided_at", zh_time(src, src->st->finished_at));
  json_object_set_new(o, "bureaus", bureaus);
  json_object_set_new(o, "licenses", licenses);
}

static void delivery(const api_doc_source *src, json_t *o) {
  json_t *d = delivery_of(src);
  const char *method = json_string_value(json_object_get(d, "method"));
  json_t *licenses = json_array();
  size_t i;
  json_t *l;
  json_array_foreach(licenses_of(src), i, l) json_array_append_new(
      licenses, json_pack("{s:s, s:s}", "name", text_of(l, "name"), "number",
                          text_of(l, "id")));
  json_object_set_new(
      o, "delivered_at",
      zh_time(src, json_integer_value(json_object_get(d, "at"))));
  json_object_set_new(o, "method",
                      json_string(method && strcmp(method, "electronic") == 0
                                      ? "电子送达"
                                      : "窗口领取"));
  json_object_set_new(o, "licenses", licenses);
}

json_t *api_doc_office(const tb_bureau_list *b) {
  return json_pack("{s:s, s:s, s:s}", "name", b->office_name, "address",
                   b->office_address ? b->office_address : "", "phone",
                   b->office_phone ? b->office_phone : "");
}

json_t *api_doc_data(const api_doc_source *src, tb_doc_kind kind) {
  json_t *o = common(src, kind);
  bool ok = true;
  switch (kind) {
  case TB_DOC_ACCEPTANCE:
    acceptance(src, o);
    break;
  case TB_DOC_NOTICE:
    notice(src, o);
    break;
  case TB_DOC_REFUSAL:
  case TB_DOC_DENIAL:
    ok = decision(src, o, kind == TB_DOC_DENIAL);
    break;
  case TB_DOC_GAP:
    gap(src, o);
    break;
  case TB_DOC_COMMITMENT:
    commitment(src, o);
    break;
  case TB_DOC_APPROVAL:
    approval(src, o);
    break;
  case TB_DOC_DELIVERY:
    delivery(src, o);
    break;
  default:
    ok = false;
  }
  if (!ok) {
    json_decref(o);
    return NULL;
  }
  return o;
}
