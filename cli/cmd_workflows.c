/*
 * cmd_workflows.c — `tongban workflows check [--bureaus FILE] FILE...`:
 * load every file as the server would, print every problem of every file
 * as "FILE:LINE: what is wrong — what to do", then "N files, N errors".
 *
 * A FILE ending in .tpl is a document template (documents/: its kind is
 * its name, e.g. acceptance.tpl); a FILE that is a folder is a templates
 * folder, every template in it and its service folders checked
 * (workflows/templates/README.md). Their problems print the same way.
 *
 * `tongban workflows bureaus [--bureaus FILE] FILE...`: the bureaus the
 * definitions name (their branches, their licenses' issuers, their
 * commitments' verifiers), one "CODE NAME" a line, sorted by code, each
 * once; bureaus.xml and supervision.xml among the files are skipped (as
 * the server's folder load does). What `./dev run` makes demo officers
 * of.
 *
 * The bureau list is --bureaus FILE if given; otherwise bureaus.xml next to
 * each definition, else workflows/bureaus.xml under the current folder.
 * Exit status: 0 when every file is clean, 1 when any has a problem, 2 on a
 * usage error.
 */
#include "tb_cli.h"
#include "tb_documents.h"
#include "tb_workflows.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_BUREAUS "workflows/bureaus.xml"

/* Bureau lists already loaded, by path. */
typedef struct {
  char path[PATH_MAX];
  tb_bureau_list *list; /* NULL when it did not load */
} bureau_entry;

typedef struct {
  bureau_entry *items;
  size_t n;
  char *const *files; /* the FILE arguments */
  int n_files;
} bureau_cache;

static int usage(void) {
  fprintf(stderr, "usage: tongban workflows check [--bureaus FILE] FILE...\n"
                  "  check workflow definitions (and bureau lists), "
                  "document templates (FILE.tpl)\n"
                  "  and templates folders (a FOLDER as FILE), print every "
                  "problem\n"
                  "       tongban workflows bureaus [--bureaus FILE] "
                  "FILE...\n"
                  "  the bureaus the definitions name, one CODE NAME a "
                  "line\n");
  return 2;
}

static bool same_file(const char *a, const char *b) {
  char ra[PATH_MAX], rb[PATH_MAX];
  if (!realpath(a, ra) || !realpath(b, rb))
    return strcmp(a, b) == 0;
  return strcmp(ra, rb) == 0;
}

static bool is_argument(const bureau_cache *c, const char *path) {
  for (int i = 0; i < c->n_files; i++)
    if (same_file(c->files[i], path))
      return true;
  return false;
}

/* Load (once) the bureau list at path; its problems are counted here
 * unless the file is itself checked as an argument. */
static const tb_bureau_list *bureaus_at(bureau_cache *c, const char *path,
                                        size_t *errors) {
  for (size_t i = 0; i < c->n; i++)
    if (strcmp(c->items[i].path, path) == 0)
      return c->items[i].list;
  c->items = tb_xrealloc(c->items, (c->n + 1) * sizeof c->items[0]);
  bureau_entry *e = &c->items[c->n++];
  snprintf(e->path, sizeof e->path, "%s", path);
  tb_workflows_problems ps = {0};
  if (tb_workflows_load_bureaus(path, &e->list, &ps) != TB_OK &&
      !is_argument(c, path)) {
    tb_workflows_problems_print(&ps, stdout);
    *errors += ps.n + ps.dropped;
  }
  tb_workflows_problems_free(&ps);
  return e->list;
}

/* The bureau list for one definition file, when none was named. */
static bool find_bureaus(const char *file, char *out, size_t size) {
  const char *slash = strrchr(file, '/');
  int dir = slash ? (int)(slash - file) : 0;
  int n = slash ? snprintf(out, size, "%.*s/bureaus.xml", dir, file)
                : snprintf(out, size, "bureaus.xml");
  if (n > 0 && (size_t)n < size && access(out, R_OK) == 0)
    return true;
  snprintf(out, size, "%s", DEFAULT_BUREAUS);
  return access(out, R_OK) == 0;
}

/* A template file (kind from its name) or a templates folder. */
static size_t check_templates(const char *path, bool folder) {
  tb_workflows_problems ps = {0};
  if (folder)
    tb_doc_templates_close(tb_doc_templates_open(path, &ps));
  else {
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)(strlen(base) - 4), base);
    tb_doc_kind kind;
    if (!tb_doc_kind_parse(name, &kind))
      tb_workflows_problems_add(&ps, path, 0,
                                "name it after a kind of document: "
                                "acceptance.tpl, notice.tpl …",
                                "not a kind of document: %s", base);
    else
      tb_doc_template_check_file(path, kind, &ps);
  }
  tb_workflows_problems_print(&ps, stdout);
  size_t errors = ps.n + ps.dropped;
  tb_workflows_problems_free(&ps);
  return errors;
}

static size_t check_one(bureau_cache *c, const char *bureaus_path,
                        const char *file) {
  struct stat st;
  size_t len = strlen(file);
  if (stat(file, &st) == 0 && S_ISDIR(st.st_mode))
    return check_templates(file, true);
  if (len > 4 && strcmp(file + len - 4, ".tpl") == 0)
    return check_templates(file, false);
  size_t errors = 0;
  char found[PATH_MAX];
  const tb_bureau_list *bureaus = NULL;
  tb_workflows_problems ps = {0};
  if (bureaus_path)
    bureaus = bureaus_at(c, bureaus_path, &errors);
  else if (find_bureaus(file, found, sizeof found))
    bureaus = bureaus_at(c, found, &errors);
  else {
    tb_workflows_problems_add(
        &ps, file, 0, "pass --bureaus FILE",
        "cannot find bureaus.xml next to the file or in ./workflows");
  }
  tb_workflows_check_file(file, bureaus, &ps);
  tb_workflows_problems_print(&ps, stdout);
  errors += ps.n + ps.dropped;
  tb_workflows_problems_free(&ps);
  return errors;
}

/* The options of check and bureaus: --bureaus FILE, then the files.
 * Returns the index of the first file, 0 after -h, -1 on a usage error. */
static int parse_files(int argc, char **argv, const char *verb,
                       const char **bureaus_path) {
  *bureaus_path = NULL;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    }
    if (strcmp(argv[i], "--bureaus") == 0 && i + 1 < argc)
      *bureaus_path = argv[++i];
    else if (strncmp(argv[i], "--bureaus=", 10) == 0 && argv[i][10])
      *bureaus_path = argv[i] + 10;
    else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      usage();
      return 0;
    } else {
      fprintf(stderr, "tongban workflows %s: unknown option '%s'\n", verb,
              argv[i]);
      usage();
      return -1;
    }
  }
  if (i >= argc) {
    fprintf(stderr, "tongban workflows %s: name at least one file\n", verb);
    usage();
    return -1;
  }
  return i;
}

static int run_check(int argc, char **argv) {
  const char *bureaus_path = NULL;
  int i = parse_files(argc, argv, "check", &bureaus_path);
  if (i <= 0)
    return i == 0 ? 0 : 2;
  bureau_cache cache = {.files = argv + i, .n_files = argc - i};
  size_t errors = 0;
  int files = argc - i;
  for (; i < argc; i++)
    errors += check_one(&cache, bureaus_path, argv[i]);
  for (size_t k = 0; k < cache.n; k++)
    tb_workflows_free_bureaus(cache.items[k].list);
  free(cache.items);
  printf("%d file%s, %zu error%s\n", files, files == 1 ? "" : "s", errors,
         errors == 1 ? "" : "s");
  return errors ? 1 : 0;
}

/* ---- bureaus --------------------------------------------------------------
 */

typedef struct {
  const char *codes[256];
  size_t n;
} code_set;

static void add_code(code_set *set, const char *code) {
  if (!code || !*code)
    return;
  for (size_t i = 0; i < set->n; i++)
    if (strcmp(set->codes[i], code) == 0)
      return;
  if (set->n < sizeof set->codes / sizeof set->codes[0])
    set->codes[set->n++] = code;
}

/* Every bureau a definition names: its branches', its licenses' issuers,
 * its commitments' verifiers. The codes point into def. */
static void named_bureaus(const tb_definition *def, code_set *set) {
  for (size_t i = 0; i < def->n_branches; i++)
    add_code(set, def->branches[i].bureau);
  for (size_t i = 0; i < def->n_licenses; i++)
    add_code(set, def->licenses[i].bureau);
  for (size_t i = 0; i < def->n_materials; i++)
    add_code(set, def->materials[i].verify_bureau);
}

static int by_code(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool skipped(const char *file) {
  const char *slash = strrchr(file, '/');
  const char *base = slash ? slash + 1 : file;
  return strcmp(base, "bureaus.xml") == 0 ||
         strcmp(base, "supervision.xml") == 0;
}

/* Load one definition and add its bureaus; false (problems printed) when
 * it does not load. The definition is kept in defs for the codes. */
static bool bureaus_of(bureau_cache *c, const char *bureaus_path,
                       const char *file, tb_definition **def, code_set *set,
                       const tb_bureau_list **list) {
  char found[PATH_MAX];
  size_t errors = 0;
  *list = bureaus_path ? bureaus_at(c, bureaus_path, &errors)
          : find_bureaus(file, found, sizeof found)
              ? bureaus_at(c, found, &errors)
              : NULL;
  tb_workflows_problems ps = {0};
  bool ok = tb_workflows_load_file(file, *list, def, &ps) == TB_OK;
  tb_workflows_problems_print(&ps, stderr);
  tb_workflows_problems_free(&ps);
  if (ok)
    named_bureaus(*def, set);
  return ok && errors == 0;
}

static int run_bureaus(int argc, char **argv) {
  const char *bureaus_path = NULL;
  int first = parse_files(argc, argv, "bureaus", &bureaus_path);
  if (first <= 0)
    return first == 0 ? 0 : 2;
  bureau_cache cache = {.files = argv + first, .n_files = argc - first};
  tb_definition **defs = tb_xcalloc((size_t)(argc - first), sizeof *defs);
  const tb_bureau_list *list = NULL;
  code_set set = {.n = 0};
  bool ok = true;
  for (int i = first; i < argc; i++)
    if (!skipped(argv[i]))
      ok = bureaus_of(&cache, bureaus_path, argv[i], &defs[i - first], &set,
                      &list) &&
           ok;
  qsort(set.codes, set.n, sizeof set.codes[0], by_code);
  for (size_t i = 0; ok && i < set.n; i++) {
    const tb_bureau *b = list ? tb_bureaus_find(list, set.codes[i]) : NULL;
    printf("%s %s\n", set.codes[i], b && b->name ? b->name : "");
  }
  for (int i = 0; i < argc - first; i++)
    tb_definition_free(defs[i]);
  free(defs);
  for (size_t k = 0; k < cache.n; k++)
    tb_workflows_free_bureaus(cache.items[k].list);
  free(cache.items);
  return ok ? 0 : 1;
}

int tb_cli_workflows(int argc, char **argv) {
  if (argc < 2)
    return usage();
  if (strcmp(argv[1], "check") == 0)
    return run_check(argc - 1, argv + 1);
  if (strcmp(argv[1], "bureaus") == 0)
    return run_bureaus(argc - 1, argv + 1);
  if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage();
    return 0;
  }
  fprintf(stderr, "tongban workflows: unknown command '%s'\n", argv[1]);
  return usage();
}
