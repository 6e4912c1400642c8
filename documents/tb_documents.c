/*
 * tb_documents.c — the templates folder: the check of every template when
 * it is opened, the cache of parsed templates (one per service and kind)
 * that a render refreshes when a file's mtime or size changed, and the
 * render itself (expand, then draw). A mutex guards the cache; a parsed
 * template is counted while a render uses it, so a reload never frees it
 * under another thread.
 */
#include "tb_doc_int.h"
#include "tb_log.h"
#include "tb_util.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_SERVICE_ID 64

typedef struct {
  tb_doc_template *t;
  int refs; /* the cache's own reference and every render's */
} shared_template;

typedef struct {
  char service[MAX_SERVICE_ID + 1]; /* "" for the folder's own */
  tb_doc_kind kind;
  struct timespec mtime;
  off_t size;
  ino_t ino;
  bool bad;                /* the file as seen did not pass the check */
  shared_template *shared; /* NULL when bad */
} cache_entry;

struct tb_doc_templates {
  char *dir;
  pthread_mutex_t lock;
  cache_entry *entries;
  size_t n;
};

/* ---- one file -------------------------------------------------------------
 */

/* The file's bytes, at most one past TB_DOC_MAX_FILE: the parser names a
 * file over the bound. */
static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *data = tb_xmalloc(TB_DOC_MAX_FILE + 2);
  *len = fread(data, 1, TB_DOC_MAX_FILE + 1, f);
  bool err = ferror(f);
  fclose(f);
  if (err) {
    free(data);
    return NULL;
  }
  data[*len] = '\0';
  return data;
}

/* Parse and check the template at path; NULL with problems. */
static tb_doc_template *load(const char *path, tb_doc_kind kind,
                             tb_workflows_problems *ps) {
  size_t len;
  char *text = read_file(path, &len);
  if (!text) {
    tb_workflows_problems_add(ps, path, 0, "make the file readable",
                              "cannot read the template");
    return NULL;
  }
  json_t *model =
      kind == TB_DOC_GUIDE ? tb_doc_guide_model(path, ps) : tb_doc_model(kind);
  tb_doc_template *t = NULL;
  if (model) {
    char kind_name[64];
    snprintf(kind_name, sizeof kind_name, "%s (%s)", tb_doc_kind_title(kind),
             tb_doc_kind_name(kind));
    t = tb_doc_template_parse(text, len, path, model, kind_name, ps);
    json_decref(model);
  }
  free(text);
  return t;
}

bool tb_doc_template_check_file(const char *path, tb_doc_kind kind,
                                tb_workflows_problems *problems) {
  tb_doc_template *t = load(path, kind, problems);
  tb_doc_template_free(t);
  return t != NULL;
}

/* ---- the folder ------------------------------------------------------------
 */

static bool valid_service(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > MAX_SERVICE_ID || s[0] == '.')
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
      return false;
  }
  return true;
}

/* Check every <kind>.tpl in dir; recurse once into service folders. */
static size_t check_folder(const char *dir, bool top,
                           tb_workflows_problems *ps) {
  DIR *d = opendir(dir);
  if (!d) {
    tb_workflows_problems_add(ps, dir, 0, "name a readable folder",
                              "cannot open the templates folder");
    return 1;
  }
  size_t bad = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    char path[4096], name[256];
    const char *dot = strrchr(de->d_name, '.');
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    struct stat st;
    if (de->d_name[0] == '.' || stat(path, &st) != 0)
      continue;
    if (S_ISDIR(st.st_mode)) {
      if (top && valid_service(de->d_name))
        bad += check_folder(path, false, ps);
      continue;
    }
    if (!dot || strcmp(dot, ".tpl") != 0)
      continue;
    snprintf(name, sizeof name, "%.*s", (int)(dot - de->d_name), de->d_name);
    tb_doc_kind kind;
    if (!tb_doc_kind_parse(name, &kind)) {
      tb_workflows_problems_add(
          ps, path, 0,
          "name it after a kind: acceptance, notice, refusal, denial, gap, "
          "commitment, approval, delivery or guide",
          "not a kind of document: %s", de->d_name);
      bad++;
    } else if (!tb_doc_template_check_file(path, kind, ps))
      bad++;
  }
  closedir(d);
  return bad;
}

tb_doc_templates *tb_doc_templates_open(const char *dir,
                                        tb_workflows_problems *problems) {
  tb_workflows_problems scratch = {0};
  tb_workflows_problems *ps = problems ? problems : &scratch;
  size_t bad = check_folder(dir, true, ps);
  tb_workflows_problems_free(&scratch);
  if (bad)
    return NULL;
  tb_doc_templates *t = tb_xcalloc(1, sizeof *t);
  t->dir = tb_xstrndup(dir, strlen(dir));
  pthread_mutex_init(&t->lock, NULL);
  return t;
}

static void release(shared_template *s) {
  if (s && --s->refs == 0) {
    tb_doc_template_free(s->t);
    free(s);
  }
}

void tb_doc_templates_close(tb_doc_templates *t) {
  if (!t)
    return;
  for (size_t i = 0; i < t->n; i++)
    release(t->entries[i].shared);
  free(t->entries);
  free(t->dir);
  pthread_mutex_destroy(&t->lock);
  free(t);
}

/* ---- the cache --------------------------------------------------------------
 */

static cache_entry *entry_for(tb_doc_templates *t, const char *service,
                              tb_doc_kind kind) {
  for (size_t i = 0; i < t->n; i++)
    if (t->entries[i].kind == kind &&
        strcmp(t->entries[i].service, service) == 0)
      return &t->entries[i];
  t->entries = tb_xrealloc(t->entries, (t->n + 1) * sizeof t->entries[0]);
  cache_entry *e = &t->entries[t->n++];
  memset(e, 0, sizeof *e);
  snprintf(e->service, sizeof e->service, "%s", service);
  e->kind = kind;
  return e;
}

static bool same_file(const cache_entry *e, const struct stat *st) {
  return (e->shared || e->bad) && e->size == st->st_size &&
         e->ino == st->st_ino && e->mtime.tv_sec == st->st_mtim.tv_sec &&
         e->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static void log_problems(const tb_workflows_problems *ps) {
  for (size_t i = 0; i < ps->n; i++) {
    char line[600];
    tb_workflows_problem_format(&ps->items[i], line, sizeof line);
    tb_log_kv(TB_LOG_WARN, "documents", "template refused",
              TB_LOG_S("problem", line));
  }
}

/* The entry's template, parsed anew when the file changed. Called with
 * the lock held; a counted reference or NULL (problems appended). */
static shared_template *fresh(cache_entry *e, const char *path,
                              const struct stat *st,
                              tb_workflows_problems *problems) {
  bool seen = same_file(e, st);
  if (seen && e->shared) {
    e->shared->refs++;
    return e->shared;
  }
  tb_workflows_problems ps = {0};
  tb_doc_template *tpl = load(path, e->kind, &ps);
  if (!seen && !tpl)
    log_problems(&ps); /* once a change, not once a render */
  for (size_t i = 0; problems && i < ps.n; i++)
    tb_workflows_problems_add(problems, ps.items[i].file, ps.items[i].line,
                              ps.items[i].todo, "%s", ps.items[i].what);
  tb_workflows_problems_free(&ps);
  release(e->shared);
  e->shared = NULL;
  e->bad = !tpl;
  e->mtime = st->st_mtim;
  e->size = st->st_size;
  e->ino = st->st_ino;
  if (!tpl)
    return NULL;
  e->shared = tb_xcalloc(1, sizeof *e->shared);
  e->shared->t = tpl;
  e->shared->refs = 2; /* the cache's and this render's */
  return e->shared;
}

/* The template for service/kind: the service's own file if it has one,
 * else the folder's. */
static tb_doc_status acquire(tb_doc_templates *t, tb_doc_kind kind,
                             const char *service, shared_template **out,
                             tb_workflows_problems *problems) {
  char path[4096];
  struct stat st;
  const char *use = "";
  snprintf(path, sizeof path, "%s/%s/%s.tpl", t->dir, service ? service : "",
           tb_doc_kind_name(kind));
  if (service && *service && stat(path, &st) == 0 && S_ISREG(st.st_mode))
    use = service;
  else {
    snprintf(path, sizeof path, "%s/%s.tpl", t->dir, tb_doc_kind_name(kind));
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
      return TB_DOC_TEMPLATE_MISSING;
  }
  pthread_mutex_lock(&t->lock);
  *out = fresh(entry_for(t, use, kind), path, &st, problems);
  pthread_mutex_unlock(&t->lock);
  return *out ? TB_DOC_OK : TB_DOC_TEMPLATE_INVALID;
}

tb_doc_status tb_doc_render(tb_doc_templates *t, tb_doc_kind kind,
                            const char *service_id, const json_t *data,
                            tb_buf *pdf, tb_workflows_problems *problems) {
  if ((unsigned)kind >= TB_DOC_KIND_COUNT ||
      (service_id && *service_id && !valid_service(service_id)))
    return TB_DOC_DATA_INVALID;
  shared_template *s;
  tb_doc_status st = acquire(t, kind, service_id, &s, problems);
  if (st != TB_DOC_OK)
    return st;
  tb_doc_layout layout = {0};
  st = tb_doc_expand(s->t, kind, data, &layout);
  if (st == TB_DOC_OK)
    st = tb_doc_pdf(&layout, pdf);
  tb_doc_layout_free(&layout);
  pthread_mutex_lock(&t->lock);
  release(s);
  pthread_mutex_unlock(&t->lock);
  return st;
}
