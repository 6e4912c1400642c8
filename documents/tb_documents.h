/*
 * tb_documents.h — the documents a service hall hands out, prints and
 * files (受理通知书, 一次性告知书, 不予受理决定书, 不予许可决定书,
 * 容缺受理告知书, 告知承诺书, 准予许可决定书, 出件回执) and the service
 * guide (办事指南), rendered as PDF from templates an administrator can
 * change.
 *
 * A template is a UTF-8 text file, <kind>.tpl, in a templates folder
 * (shipped: workflows/templates/); a service may override one with
 * <service-id>/<kind>.tpl in the same folder. Templates are checked like
 * workflow definitions: every problem (an unknown placeholder, a section
 * left open, bad UTF-8 …) is a "FILE:LINE: what — what to do" problem in
 * a tb_workflows_problems list. The template language and the data each
 * kind gets are documented in workflows/templates/README.md.
 *
 * Data travels as JSON (jansson): the caller builds one object per
 * document (the model of its kind), the template's placeholders name
 * paths in it. The parts every document carries (the office's name, the
 * document's number and date, the applicant, the application number and
 * the QR code to the tracking page) are drawn by the renderer itself, so
 * no template can leave them out.
 *
 * A changed template takes effect without a restart or rebuild: a render
 * looks at the template files again and parses a file anew when it
 * changed; a changed file that does not pass the check is not used (its
 * problems are logged and the render answers TB_DOC_TEMPLATE_INVALID).
 *
 * Threads: a tb_doc_templates may be used by several threads at once.
 */
#ifndef TB_DOCUMENTS_H
#define TB_DOCUMENTS_H

#include "tb_engine.h"
#include "tb_workflows.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The kinds of document. */
typedef enum {
  TB_DOC_ACCEPTANCE, /* 受理通知书 */
  TB_DOC_NOTICE,     /* 一次性告知书 */
  TB_DOC_REFUSAL,    /* 不予受理决定书 */
  TB_DOC_DENIAL,     /* 不予许可决定书 */
  TB_DOC_GAP,        /* 容缺受理告知书 */
  TB_DOC_COMMITMENT, /* 告知承诺书 */
  TB_DOC_APPROVAL,   /* 准予许可决定书 */
  TB_DOC_DELIVERY,   /* 出件回执 */
  TB_DOC_GUIDE,      /* 办事指南 */
  TB_DOC_KIND_COUNT
} tb_doc_kind;

typedef enum {
  TB_DOC_OK,
  TB_DOC_TEMPLATE_INVALID, /* the template has problems (listed) */
  TB_DOC_TEMPLATE_MISSING, /* no template file for this kind */
  TB_DOC_DATA_INVALID,     /* the data lacks a part every document has */
  TB_DOC_TOO_LARGE,        /* the PDF would pass its buffer's maximum */
  TB_DOC_FAILED            /* cairo/pango failed (logged) */
} tb_doc_status;

/* The kind's name in URLs and file names ("acceptance", "notice",
 * "refusal", "denial", "gap", "commitment", "approval", "delivery",
 * "guide"), and its Chinese title ("受理通知书" …). Static strings. */
const char *tb_doc_kind_name(tb_doc_kind kind);
const char *tb_doc_kind_title(tb_doc_kind kind);
/* The kind named `name` (exact match); false when there is none. */
bool tb_doc_kind_parse(const char *name, tb_doc_kind *kind);

typedef struct tb_doc_templates tb_doc_templates;

/* Open the templates folder `dir` and check every template in it (and in
 * its service subfolders). Problems go to `problems`; returns NULL when
 * the folder cannot be read or any template has a problem. The caller
 * owns the result: tb_doc_templates_close. */
tb_doc_templates *tb_doc_templates_open(const char *dir,
                                        tb_workflows_problems *problems);
void tb_doc_templates_close(tb_doc_templates *t);

/* Check one template file without opening a folder (`tongban workflows
 * check` and tests): true when it has no problem. */
bool tb_doc_template_check_file(const char *path, tb_doc_kind kind,
                                tb_workflows_problems *problems);

/* Render the document of `kind` for `data` (the model of that kind; see
 * workflows/templates/README.md) with the template of `service_id` if it
 * has its own, else the folder's. The PDF is appended to `pdf` (whose
 * maximum bounds it). Problems of a changed template go to `problems`
 * (may be NULL). */
tb_doc_status tb_doc_render(tb_doc_templates *t, tb_doc_kind kind,
                            const char *service_id, const json_t *data,
                            tb_buf *pdf, tb_workflows_problems *problems);

/* Release what pango, cairo and fontconfig keep for the whole process
 * (the font map, font caches) of the calling thread and the process: call
 * once at exit, after the last render of every thread, so leak checkers
 * see a clean exit. */
void tb_documents_cleanup(void);

#endif
