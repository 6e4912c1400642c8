/*
 * cli_templates.c — the documents' templates `tongban serve` opens at
 * start (--templates DIR, else $TONGBAN_TEMPLATES, else the templates
 * folder next to the workflows folder): every template is checked, and a
 * problem stops the start with its FILE:LINE, like a broken definition.
 */
#include "tb_cli.h"
#include "tb_documents.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

bool tb_cli_templates_open(const char *dir, const char *workflows,
                           tb_doc_templates **out) {
  *out = NULL;
  const char *env = getenv("TONGBAN_TEMPLATES");
  char path[PATH_MAX];
  bool named = dir || (env && *env);
  if (named)
    snprintf(path, sizeof path, "%s", dir ? dir : env);
  else
    snprintf(path, sizeof path, "%s/templates", workflows);
  struct stat st;
  if (!named && stat(path, &st) != 0) {
    fprintf(stderr,
            "tongban: no templates folder at %s: documents are listed but "
            "not rendered (use --templates DIR)\n",
            path);
    return true;
  }
  tb_workflows_problems ps = {0};
  *out = tb_doc_templates_open(path, &ps);
  if (!*out) {
    tb_workflows_problems_print(&ps, stderr);
    fprintf(stderr, "tongban: the templates in %s have problems\n", path);
  } else {
    fprintf(stderr, "tongban: document templates from %s are loaded\n", path);
  }
  tb_workflows_problems_free(&ps);
  return *out != NULL;
}
