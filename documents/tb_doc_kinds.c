/*
 * tb_doc_kinds.c — the kinds of document: their names, titles and the
 * model of the data each receives (workflows/templates/README.md describes
 * the same). A model is a JSON example: every key a path a template may
 * name, every array a list of its first element. The guide's model is the
 * file guide.model.json in the templates folder.
 */
#include "tb_doc_int.h"

#include <stdio.h>
#include <string.h>

static const struct {
  const char *name;
  const char *title;
  const char *model; /* the kind's own part of the model (JSON) */
} KINDS[TB_DOC_KIND_COUNT] = {
    [TB_DOC_ACCEPTANCE] = {"acceptance", "受理通知书",
                           "{\"accepted_at\":\"\","
                           "\"limits\":{\"promised_days\":1,"
                           "\"statutory_days\":1,\"due_date\":\"\","
                           "\"statutory_due_date\":\"\",\"provisional\":true},"
                           "\"materials\":[{\"name\":\"\",\"status\":\"\"}],"
                           "\"gaps\":[{\"name\":\"\",\"due_date\":\"\"}],"
                           "\"commitments\":[{\"name\":\"\"}]}"},
    [TB_DOC_NOTICE] = {"notice", "一次性告知书",
                       "{\"requested_at\":\"\","
                       "\"items\":[{\"bureau\":\"\",\"item\":\"\","
                       "\"reason\":\"\"}],"
                       "\"supply\":{\"online\":true,\"url\":\"\","
                       "\"window\":\"\",\"hours\":\"\"}}"},
    [TB_DOC_REFUSAL] = {"refusal", "不予受理决定书",
                        "{\"decided_at\":\"\",\"reason\":\"\","
                        "\"legal_basis\":\"\",\"rights\":{"
                        "\"review_body\":\"\",\"review_days\":60,"
                        "\"court\":\"\",\"litigation_months\":6}}"},
    [TB_DOC_DENIAL] = {"denial", "不予许可决定书",
                       "{\"decided_at\":\"\",\"bureau\":{\"name\":\"\"},"
                       "\"reason\":\"\",\"legal_basis\":\"\",\"rights\":{"
                       "\"review_body\":\"\",\"review_days\":60,"
                       "\"court\":\"\",\"litigation_months\":6}}"},
    [TB_DOC_GAP] = {"gap", "容缺受理告知书",
                    "{\"accepted_at\":\"\","
                    "\"gaps\":[{\"name\":\"\",\"due_date\":\"\"}],"
                    "\"consequence\":\"\"}"},
    [TB_DOC_COMMITMENT] = {"commitment", "告知承诺书",
                           "{\"commitments\":[{\"name\":\"\","
                           "\"text\":\"\"}]}"},
    [TB_DOC_APPROVAL] = {"approval", "准予许可决定书",
                         "{\"decided_at\":\"\",\"bureaus\":[{\"name\":\"\"}],"
                         "\"licenses\":[{\"name\":\"\",\"number\":\"\","
                         "\"bureau\":\"\",\"valid_until\":\"\"}]}"},
    [TB_DOC_DELIVERY] = {"delivery", "出件回执",
                         "{\"delivered_at\":\"\",\"method\":\"\","
                         "\"licenses\":[{\"name\":\"\",\"number\":\"\"}]}"},
    [TB_DOC_GUIDE] = {"guide", "办事指南", NULL},
};

/* What every document of an application carries. */
static const char COMMON_MODEL[] =
    "{\"office\":{\"name\":\"\",\"address\":\"\",\"phone\":\"\"},"
    "\"document\":{\"number\":\"\",\"date\":\"\"},"
    "\"applicant\":{\"name\":\"\",\"number\":\"\"},"
    "\"application\":{\"number\":\"\",\"service\":{\"id\":\"\","
    "\"name\":\"\"},\"submitted_at\":\"\",\"channel\":\"\"},"
    "\"tracking\":{\"url\":\"\",\"code\":\"\"}}";

const char *tb_doc_kind_name(tb_doc_kind kind) {
  return (unsigned)kind < TB_DOC_KIND_COUNT ? KINDS[kind].name : "";
}

const char *tb_doc_kind_title(tb_doc_kind kind) {
  return (unsigned)kind < TB_DOC_KIND_COUNT ? KINDS[kind].title : "";
}

bool tb_doc_kind_parse(const char *name, tb_doc_kind *kind) {
  for (int i = 0; name && i < TB_DOC_KIND_COUNT; i++)
    if (strcmp(name, KINDS[i].name) == 0) {
      *kind = (tb_doc_kind)i;
      return true;
    }
  return false;
}

const json_t *tb_doc_json_at(const json_t *v, const char *path) {
  const char *s = path;
  while (v && *s) {
    const char *dot = strchr(s, '.');
    size_t n = dot ? (size_t)(dot - s) : strlen(s);
    char key[TB_DOC_MAX_PATH + 1];
    if (!json_is_object(v) || n > TB_DOC_MAX_PATH)
      return NULL;
    snprintf(key, sizeof key, "%.*s", (int)n, s);
    v = json_object_get(v, key);
    s = dot ? dot + 1 : s + n;
  }
  return v;
}

json_t *tb_doc_model(tb_doc_kind kind) {
  if ((unsigned)kind >= TB_DOC_KIND_COUNT || !KINDS[kind].model)
    return NULL;
  json_t *m = json_loads(COMMON_MODEL, 0, NULL);
  json_t *own = json_loads(KINDS[kind].model, 0, NULL);
  json_object_update(m, own);
  json_decref(own);
  return m;
}

/* guide.model.json in dir (the first `dir_len` bytes of a path) into
 * *out; false when there is no such file. A file that is not a JSON object
 * is a problem (and *out NULL). */
static bool model_in(const char *dir, int dir_len, json_t **out,
                     tb_workflows_problems *problems) {
  char path[4096];
  snprintf(path, sizeof path, "%.*s%sguide.model.json", dir_len, dir,
           dir_len ? "/" : "");
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (!f)
    return false;
  json_error_t err;
  json_t *m = json_loadf(f, JSON_REJECT_DUPLICATES, &err);
  fclose(f);
  if (!json_is_object(m)) {
    tb_workflows_problems_add(
        problems, path, m ? 0 : err.line,
        "make it one JSON object: an example of the guide's data",
        "guide.model.json: %s", m ? "not a JSON object" : err.text);
    json_decref(m);
    return true;
  }
  *out = m;
  return true;
}

json_t *tb_doc_guide_model(const char *template_path,
                           tb_workflows_problems *problems) {
  const char *slash = strrchr(template_path, '/');
  int dir = slash ? (int)(slash - template_path) : 0;
  json_t *m;
  if (model_in(template_path, dir, &m, problems))
    return m;
  if (slash) {
    const char *up = dir ? memrchr(template_path, '/', (size_t)dir) : NULL;
    if (model_in(template_path, up ? (int)(up - template_path) : 0, &m,
                 problems))
      return m;
  }
  tb_workflows_problems_add(problems, template_path, 0,
                            "put the guide's data model, guide.model.json, "
                            "in the templates folder",
                            "no guide.model.json for the guide template");
  return NULL;
}
