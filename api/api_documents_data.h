/*
 * api_documents_data.h — what each document of an application says
 * (api_documents_data.c), for the documents' routes (api_documents.c),
 * and the rendering and reply those routes and the guide's PDF share.
 * Not for use outside api/.
 */
#ifndef API_DOCUMENTS_DATA_H
#define API_DOCUMENTS_DATA_H

#include "tb_api_int.h"
#include "tb_documents.h"

/* What a document is made from: one read and what goes with it. Every
 * pointer is borrowed for the call. */
typedef struct {
  api_req *r;                    /* for the public URL */
  tb_store *s;                   /* the decision view's reads */
  const char *number;            /* the application's */
  const tb_definition *def;      /* the version it runs on */
  const tb_app_state *st;        /* its state */
  const tb_bureau_list *bureaus; /* with an <office> */
  const tb_calendar *cal;        /* the loaded calendar (may be NULL) */
  const char *applicant_name;    /* in full */
  const char *applicant_number;  /* the applicant's one number */
  json_t *facts;                 /* tb_store_documents' facts */
  json_t *returns;               /* the tracking view's returns */
  const char *stored_decision;   /* the refusal or denial, or NULL */
  const char *tracking_url;      /* the QR code's target */
  const char *code;              /* the tracking code to print, or NULL */
  int64_t now;                   /* Unix seconds */
} api_doc_source;

/* Why the application has a document of `kind` now, in Chinese (a static
 * string), or NULL when it has none. */
const char *api_doc_why(const api_doc_source *src, tb_doc_kind kind);
/* The data of the document of `kind` (the model its template reads), a
 * new JSON object; NULL when it cannot be built (a decision that cannot
 * be read). */
json_t *api_doc_data(const api_doc_source *src, tb_doc_kind kind);

/* The service hall of every document, {name, address, phone} (a new
 * object); b names an <office>. */
json_t *api_doc_office(const tb_bureau_list *b);

/* For the routes of documents (api_documents.c): whether the server can
 * render documents (a templates folder, and bureaus, which may be NULL,
 * names an <office>); else false with 503 documents_unavailable set. */
bool api_documents_ready(api_req *r, const tb_bureau_list *bureaus);
/* Render data (borrowed) as the document of `kind` with the server's
 * templates (the service's own first) and reply the PDF inline as
 * TITLE-{first path parameter}.pdf, never cached; or 500 document_failed
 * with the template's problems and the renderer's status in the log.
 * Whether it was rendered. */
bool api_document_reply(api_req *r, tb_doc_kind kind, const char *service,
                        const json_t *data);

#endif /* API_DOCUMENTS_DATA_H */
