/*
 * api_documents.c — the documents of an application a service hall hands
 * out, prints and files: GET /api/v1/applications/{number}/documents (the
 * list of what the application has now: kind, title, url and why) and
 * GET …/documents/{kind} (the PDF, rendered from the server's templates,
 * tb_documents.h).
 *
 * Who may: the clerk, the inspector, an officer of a bureau with a task
 * in the application, and the applicant with the tracking code (?code=,
 * the same check and guess limit as tracking: a wrong code is the
 * tracking's 404). Neither a token nor a code is 401. A fetch by staff is
 * logged with the account as a security-relevant read, like the receipt's
 * reprint (a GET writes no audit event). The tracking code is printed
 * (tracking.code, and in the QR code's URL) only for the clerk, who hands
 * the paper over, and, in the URL, for the applicant who gave it; an
 * officer's or inspector's copy links to the tracking page without it.
 *
 * The PDF is answered inline as 受理通知书-NUMBER.pdf (RFC 8187 encoded)
 * and never cached: it shows personal data.
 */
#include "api_documents_data.h"
#include "tb_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PDF (16u << 20)

typedef struct {
  tb_store_documents d;
  api_doc_source src;
  json_t *facts, *returns;
  char url[512];
  char code[TB_STORE_TRACKING_CODE_LEN + 1];
} doc_ctx;

static void doc_clear(doc_ctx *c) {
  json_decref(c->facts);
  json_decref(c->returns);
  tb_store_documents_clear(&c->d);
}

/* The tracking code to print: the clerk's (derived under the server's
 * key, when it still can be), the applicant's own; none for others. */
static const char *code_to_print(api_req *r, tb_store *s, doc_ctx *c) {
  if (!r->authed)
    return api_query(r, "code");
  if (strcmp(r->who.role, "clerk") != 0 || !api_code_key(r))
    return NULL;
  bool current = false;
  if (tb_store_tracking_receipt(s, r->params[0], api_code_key(r), &current,
                                c->code) != TB_STORE_OK ||
      !current)
    return NULL;
  return c->code;
}

/* The bureau list (NULL when none is stored) and the calendar; false when
 * the store failed (a reply is set). */
static bool doc_context(api_req *r, tb_store *s, doc_ctx *c) {
  tb_problem p = {0};
  tb_store_status rc = tb_store_bureaus_get(s, &c->src.bureaus, &p);
  if (rc == TB_STORE_INVALID)
    c->src.bureaus = NULL;
  else if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return false;
  }
  rc = tb_store_calendar_get(s, &c->src.cal);
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return false;
  }
  return true;
}

/* Who asks, and the application's documents' source; false: a reply is
 * set (nothing to clear). */
static bool doc_open(api_req *r, doc_ctx *c) {
  memset(c, 0, sizeof *c);
  const char *number = r->params[0];
  if (!r->authed && !api_query(r, "code")) {
    api_fail(r, TB_PROBLEM_UNAUTHENTICATED,
             "sign in, or give the tracking code as ?code=");
    return false;
  }
  tb_store *s = NULL;
  const tb_definition *def = NULL;
  if (!api_app_reader_open(r, &s, number, &def))
    return false;
  /* found by api_app_reader_open: applications are never deleted */
  tb_store_status rc = tb_store_documents_read(s, number, &c->d);
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return false;
  }
  const tb_store_tracking *t = &c->d.tracking;
  c->facts = api_json_load(c->d.facts);
  c->returns = api_json_load(t->returns);
  const char *code = code_to_print(r, s, c);
  if (!doc_context(r, s, c) ||
      !api_tracking_url(r, number, code, c->url, sizeof c->url)) {
    if (!r->replied)
      api_fail(r, TB_PROBLEM_INTERNAL, "the tracking URL is too long");
    doc_clear(c);
    return false;
  }
  c->src = (api_doc_source){.r = r,
                            .s = s,
                            .number = number,
                            .def = t->def,
                            .st = &t->state,
                            .bureaus = c->src.bureaus,
                            .cal = c->src.cal,
                            .applicant_name = t->applicant_name,
                            .applicant_number = c->d.applicant_number,
                            .facts = c->facts,
                            .returns = c->returns,
                            .stored_decision = t->decision,
                            .tracking_url = c->url,
                            .code = r->authed ? code : NULL,
                            .now = r->now};
  return true;
}

static void log_read(api_req *r, const char *what) {
  if (r->authed)
    tb_log_kv(TB_LOG_INFO, "security", "document read",
              TB_LOG_S("account", r->who.username),
              TB_LOG_S("application", r->params[0]),
              TB_LOG_S("document", what));
}

/* ---- the list ------------------------------------------------------------ */

static json_t *list_item(api_req *r, tb_doc_kind kind, const char *why) {
  char url[400];
  const char *code = r->authed ? NULL : api_query(r, "code");
  snprintf(url, sizeof url, "/api/v1/applications/%s/documents/%s%s%s",
           r->params[0], tb_doc_kind_name(kind), code ? "?code=" : "",
           code ? code : "");
  return json_pack("{s:s, s:s, s:s, s:s}", "kind", tb_doc_kind_name(kind),
                   "title", tb_doc_kind_title(kind), "url", url, "reason", why);
}

void api_h_app_documents(api_req *r) {
  doc_ctx c;
  if (!doc_open(r, &c))
    return;
  json_t *items = json_array();
  for (int k = 0; k < TB_DOC_KIND_COUNT; k++) {
    const char *why = api_doc_why(&c.src, (tb_doc_kind)k);
    if (why)
      json_array_append_new(items, list_item(r, (tb_doc_kind)k, why));
  }
  doc_clear(&c);
  log_read(r, "list");
  api_reply_json(
      r, 200,
      json_pack("{s:s, s:o}", "number", r->params[0], "documents", items));
}

/* ---- one document -------------------------------------------------------- */

static void reply_pdf(api_req *r, tb_doc_kind kind, tb_buf *pdf) {
  char name[160];
  snprintf(name, sizeof name, "%s-%s.pdf", tb_doc_kind_title(kind),
           r->params[0]);
  size_t len = 0;
  char *bytes = tb_buf_take(pdf, &len);
  api_reply_file(r, "application/pdf", bytes, len, name, "document.pdf", false);
}

/* The rendering's failure as the client sees it (the details are in the
 * log: a template's problems, cairo's status). */
static void render_failed(api_req *r, tb_doc_kind kind, tb_doc_status st,
                          tb_workflows_problems *ps) {
  for (size_t i = 0; i < ps->n; i++)
    tb_log_kv(TB_LOG_ERROR, "documents", "template problem",
              TB_LOG_S("file", ps->items[i].file),
              TB_LOG_I("line", ps->items[i].line),
              TB_LOG_S("what", ps->items[i].what));
  tb_log_kv(TB_LOG_ERROR, "documents", "a document could not be rendered",
            TB_LOG_S("of", r->params[0]),
            TB_LOG_S("document", tb_doc_kind_name(kind)),
            TB_LOG_I("status", (long long)st));
  api_fail(r, TB_PROBLEM_DOCUMENT_FAILED, "the %s could not be rendered",
           tb_doc_kind_name(kind));
}

bool api_documents_ready(api_req *r, const tb_bureau_list *bureaus) {
  if (api_templates_of(r) && bureaus && bureaus->office_name)
    return true;
  api_fail(r, TB_PROBLEM_DOCUMENTS_UNAVAILABLE, "this server has %s",
           api_templates_of(r) ? "no <office> in bureaus.xml"
                               : "no templates folder");
  return false;
}

bool api_document_reply(api_req *r, tb_doc_kind kind, const char *service,
                        const json_t *data) {
  tb_buf pdf;
  tb_buf_init(&pdf, MAX_PDF);
  tb_workflows_problems ps = {0};
  tb_doc_status st =
      tb_doc_render(api_templates_of(r), kind, service, data, &pdf, &ps);
  if (st == TB_DOC_OK)
    reply_pdf(r, kind, &pdf);
  else
    render_failed(r, kind, st, &ps);
  tb_workflows_problems_free(&ps);
  tb_buf_free(&pdf);
  return st == TB_DOC_OK;
}

static void render(api_req *r, doc_ctx *c, tb_doc_kind kind) {
  json_t *data = api_doc_data(&c->src, kind);
  if (!data) {
    api_fail_store(r, TB_STORE_ERROR);
    return;
  }
  if (api_document_reply(r, kind, c->src.def->id, data))
    log_read(r, tb_doc_kind_name(kind));
  json_decref(data);
}

void api_h_app_document(api_req *r) {
  doc_ctx c;
  if (!doc_open(r, &c)) /* who asks first: a stranger learns nothing */
    return;
  tb_doc_kind kind;
  if (!tb_doc_kind_parse(r->params[1], &kind) || kind == TB_DOC_GUIDE)
    api_fail(r, TB_PROBLEM_DOCUMENT_NOT_FOUND,
             "'%s' is no kind of application document (acceptance, notice, "
             "refusal, denial, gap, commitment, approval, delivery)",
             r->params[1]);
  else if (!api_doc_why(&c.src, kind))
    api_fail(r, TB_PROBLEM_DOCUMENT_NOT_FOUND,
             "the application has no %s (%s) now", tb_doc_kind_name(kind),
             tb_doc_kind_title(kind));
  else if (api_documents_ready(r, c.src.bureaus))
    render(r, &c, kind);
  doc_clear(&c);
}
