/*
 * tb_wf_internal.h — what the loader's files share and nobody else sees:
 * the per-load context, the safe XML reader, the tree helpers, and the
 * builders of bureau lists and definitions.
 */
#ifndef TB_WF_INTERNAL_H
#define TB_WF_INTERNAL_H

#include "tb_rules.h"
#include "tb_workflows.h"

#include <libxml/tree.h>

/* One load: the name for messages and where problems go. */
typedef struct {
  const char *file;
  tb_workflows_problems *ps;
  size_t added; /* problems this load appended (dropped ones included) */
} tb_wf_ctx;

/* Append "what" (printf-formatted) at line with the advice todo. */
void tb_wf_problem(tb_wf_ctx *cx, int line, const char *todo, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

/* Order the problems from index `from` on by line (stable), so that a
 * file's problems read from top to bottom whichever check found them. */
void tb_wf_sort_problems(tb_workflows_problems *ps, size_t from);

/* The compiled-in schema (generated from workflow.xsd at build time). */
extern const char tb_wf_schema_xsd[];
extern const size_t tb_wf_schema_xsd_len;

/* Read a whole regular file of at most TB_WORKFLOWS_MAX_BYTES into a new
 * buffer (free with free()); NULL with a problem otherwise. */
char *tb_wf_read_file(tb_wf_ctx *cx, const char *path, size_t *len);

/* Parse bytes safely (see tb_workflows.h) and validate the tree against
 * the schema. NULL with problems when the bytes are refused, are not
 * well-formed or do not match the schema; free the result with
 * xmlFreeDoc. */
xmlDocPtr tb_wf_xml_read(tb_wf_ctx *cx, const char *data, size_t len);

/* Tree helpers. Elements are those of TB_WORKFLOWS_NAMESPACE. */
int tb_wf_line(const xmlNode *n);
bool tb_wf_is(const xmlNode *n, const char *name);
xmlNode *tb_wf_first(const xmlNode *parent, const char *name); /* or NULL */
xmlNode *tb_wf_next(const xmlNode *n, const char *name);       /* or NULL */
size_t tb_wf_count(const xmlNode *parent, const char *name);
/* An attribute copied into the arena, surrounding white space removed;
 * NULL when absent. */
const char *tb_wf_attr(tb_arena *a, const xmlNode *n, const char *name);
/* The element's text, trimmed, in the arena ("" when empty). */
const char *tb_wf_text(tb_arena *a, const xmlNode *n);

/* A whole number of at most `max` digits '0'-'9' (a leading '+' allowed)
 * into *out; false for anything else, an overflow included. */
bool tb_wf_parse_uint(const char *s, unsigned long max, unsigned long *out);
/* The index in `names` (NULL-terminated) of e's attribute `name`;
 * `fallback` when absent, and with a problem when it matches none. */
int tb_wf_enum_attr(tb_wf_ctx *cx, tb_arena *a, const xmlNode *e,
                    const char *name, const char *const *names, int fallback);

/* How many `child` elements of parent to read: their count, or `max`
 * with the problem "N <what>; at most max are allowed" at parent's line
 * when there are more. */
size_t tb_wf_limited(tb_wf_ctx *cx, const xmlNode *parent, const char *child,
                     size_t max, const char *what, const char *todo);

/* Builders (the tree has passed the schema). */
tb_bureau_list *tb_wf_build_bureaus(tb_wf_ctx *cx, const xmlNode *root);
/* The supervision rules (tb_wf_rules.c); NULL with problems. */
tb_rule_set *tb_wf_build_rules(tb_wf_ctx *cx, const xmlNode *root);
tb_definition *tb_wf_build_definition(tb_wf_ctx *cx, const xmlNode *root,
                                      const tb_bureau_list *bureaus);
/* A definition's <license> names a bureau granted its type in bureaus
 * (under the same name); otherwise a problem at the license's line.
 * bureaus NULL, or an unknown bureau (reported elsewhere): nothing. */
void tb_wf_check_license_authority(tb_wf_ctx *cx, const tb_bureau_list *bureaus,
                                   const tb_license_def *l);
/* The checks across the whole definition (tb_wf_check.c), run by
 * tb_wf_build_definition once every part is read. `after_ids` holds each
 * branch's `after` list as written (space-separated ids, or NULL). */
void tb_wf_check_definition(tb_wf_ctx *cx, tb_definition *def,
                            const char *const *after_ids);

/* The checks of branch outputs and of the licenses issued to a holder
 * taken from the form or an output (tb_wf_outputs.c); run after
 * tb_wf_check_definition, once the `after` graph is known. */
void tb_wf_check_outputs(tb_wf_ctx *cx, const tb_definition *def);

/* The verbs of every task of branch br, read from the branch element e
 * once br->tasks are read (tb_wf_signers.c): sign, pass, on-deny,
 * back-to, remove-by, <signer> and <copy>, into the arena a, with their
 * checks against each other and against the branch's bureau in bureaus
 * (skipped when bureaus is NULL or does not know the bureau). */
void tb_wf_read_task_verbs(tb_wf_ctx *cx, tb_arena *a,
                           const tb_bureau_list *bureaus, tb_branch_def *br,
                           const xmlNode *e);

/* Read a <service>'s <guide> (tb_wf_guide.c) into def->guide, from a's
 * memory, with its checks; run once the service's attributes are read
 * (the delivery methods are checked against them). */
void tb_wf_read_guide(tb_wf_ctx *cx, tb_arena *a, tb_definition *def,
                      const xmlNode *guide);

#endif /* TB_WF_INTERNAL_H */
