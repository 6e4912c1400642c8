/*
 * cmd_workflows.c — `tongban workflows check [--bureaus FILE] FILE...`:
 * load every file as the server would, print every problem of every file
 * as "FILE:LINE: what is wrong — what to do", then "N files, N errors".
 *
 * The bureau list is --bureaus FILE if given; otherwise bureaus.xml next to
 * each definition, else workflows/bureaus.xml under the current folder.
 * Exit status: 0 when every file is clean, 1 when any has a problem, 2 on a
 * usage error.
 */
#include "tb_cli.h"
#include "tb_workflows.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
                  "  check workflow definitions (and bureau lists), print "
                  "every problem\n");
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

static size_t check_one(bureau_cache *c, const char *bureaus_path,
                        const char *file) {
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

static int run_check(int argc, char **argv) {
  const char *bureaus_path = NULL;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    }
    if (strcmp(argv[i], "--bureaus") == 0 && i + 1 < argc)
      bureaus_path = argv[++i];
    else if (strncmp(argv[i], "--bureaus=", 10) == 0 && argv[i][10])
      bureaus_path = argv[i] + 10;
    else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      usage();
      return 0;
    } else {
      fprintf(stderr, "tongban workflows check: unknown option '%s'\n",
              argv[i]);
      return usage();
    }
  }
  if (i >= argc) {
    fprintf(stderr, "tongban workflows check: name at least one file\n");
    return usage();
  }
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

int tb_cli_workflows(int argc, char **argv) {
  if (argc < 2)
    return usage();
  if (strcmp(argv[1], "check") == 0)
    return run_check(argc - 1, argv + 1);
  if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage();
    return 0;
  }
  fprintf(stderr, "tongban workflows: unknown command '%s'\n", argv[1]);
  return usage();
}
