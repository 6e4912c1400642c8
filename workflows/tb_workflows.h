/*
 * tb_workflows.h — the XML workflow language's loader: bureau lists and
 * workflow definitions read from files or memory, checked, and turned into
 * the engine's in-memory tb_definition.
 *
 * The language is documented in workflows/README.md and its schema is
 * workflows/workflow.xsd (namespace TB_WORKFLOWS_NAMESPACE). The schema is
 * compiled into the binary: loading needs no data files.
 *
 * Loading is safe for hostile input: the file size is capped before
 * anything is parsed; DOCTYPE declarations (and with them every entity and
 * DTD) are refused outright; nothing outside the given bytes is ever read
 * (no external entities, no DTD, no XInclude, no network); element depth,
 * attributes per element and value lengths are capped; only UTF-8 is
 * accepted. libxml2's own messages become problems, never stderr output.
 *
 * Every problem reads "FILE:LINE: what is wrong — what to do"; a file is
 * checked to the end, so one run lists every problem it has (up to
 * TB_WORKFLOWS_MAX_PROBLEMS per list).
 *
 * Threads: loads may run concurrently. The first load installs, for the
 * whole process, a libxml2 external entity loader that refuses everything.
 */
#ifndef TB_WORKFLOWS_H
#define TB_WORKFLOWS_H

#include "tb_engine.h"
#include "tb_rules.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define TB_WORKFLOWS_NAMESPACE "urn:tongban:workflow:1"

/* Limits on what the loader reads. */
#define TB_WORKFLOWS_MAX_BYTES (1024 * 1024) /* a whole file */
#define TB_WORKFLOWS_MAX_DEPTH 32            /* element nesting */
#define TB_WORKFLOWS_MAX_ATTRIBUTES 32       /* attributes of one element */
#define TB_WORKFLOWS_MAX_VALUE 4096   /* bytes of one attribute or text */
#define TB_WORKFLOWS_MAX_PROBLEMS 100 /* problems kept in one list */

/* One problem. Strings belong to the list that holds the problem and are
 * always valid UTF-8 (bytes that are not, e.g. from a message cut short,
 * become '?'), so they can go into JSON as they are. */
typedef struct {
  const char *file; /* the name the file was loaded under */
  int line;         /* 1-based; 0 when it concerns the whole file */
  const char *what; /* what is wrong: "unknown bureau 'XY'" */
  const char *todo; /* what to do: "declare it in bureaus.xml …" */
} tb_workflows_problem;

/* A list of problems. A zero-initialized list is empty and ready to use;
 * loads append to it, so one list can collect the problems of many files.
 * Release it with tb_workflows_problems_free. */
typedef struct {
  tb_workflows_problem *items;
  size_t n;
  size_t cap;
  size_t dropped;  /* problems beyond TB_WORKFLOWS_MAX_PROBLEMS, not kept */
  tb_arena *arena; /* owns the strings; created on the first problem */
} tb_workflows_problems;

/* Free what the list holds and make it empty again (ready for reuse). */
void tb_workflows_problems_free(tb_workflows_problems *ps);

/* Append a problem (the loader's own way in; also for callers that report
 * their own problems in the same list, e.g. "cannot find bureaus.xml").
 * `what` is printf-formatted; file may be NULL, line 0. */
void tb_workflows_problems_add(tb_workflows_problems *ps, const char *file,
                               int line, const char *todo, const char *what_fmt,
                               ...) __attribute__((format(printf, 5, 6)));

/* Write one problem as "FILE:LINE: what — what to do" (no newline) into buf,
 * truncated to fit and always terminated. Returns the length the full text
 * would have (like snprintf). */
int tb_workflows_problem_format(const tb_workflows_problem *p, char *buf,
                                size_t size);

/* Print every problem of the list, one a line, then "(N more problems
 * not shown)" if some were dropped. */
void tb_workflows_problems_print(const tb_workflows_problems *ps, FILE *out);

/* ------------------------------------------------------------------------
 * Bureaus (workflows/bureaus.xml)
 * ---------------------------------------------------------------------- */

/* Load a bureau list: root <bureaus xmlns=TB_WORKFLOWS_NAMESPACE> holding
 * <bureau code name credit-code/> elements. Checks the schema, duplicate
 * codes and credit codes (GB 32100 check characters).
 *
 * On TB_OK, *out is a new list the caller frees with
 * tb_workflows_free_bureaus. Otherwise *out is NULL, problems were
 * appended to ps and TB_ERR_INVALID is returned. */
tb_status tb_workflows_load_bureaus(const char *path, tb_bureau_list **out,
                                    tb_workflows_problems *ps);
/* The same from memory; `name` is used in messages (data need not be
 * terminated and is not kept). */
tb_status tb_workflows_load_bureaus_buffer(const char *name, const char *data,
                                           size_t len, tb_bureau_list **out,
                                           tb_workflows_problems *ps);
/* Free a list from the two functions above. NULL is fine. */
void tb_workflows_free_bureaus(tb_bureau_list *bureaus);

/* ------------------------------------------------------------------------
 * Definitions (workflows/<service>.xml)
 * ---------------------------------------------------------------------- */

/* Load one workflow definition: the root <service> in
 * TB_WORKFLOWS_NAMESPACE. The file is parsed safely, validated against
 * workflow.xsd, then checked for what a schema cannot see (bureau codes
 * against `bureaus`, duplicate ids, conditions, unreachable branches,
 * `after` cycles, time limits, license items; see workflows/README.md).
 *
 * `bureaus` is only read during the call (codes are copied). NULL skips the
 * bureau checks — only for tools that check a file on its own.
 *
 * On TB_OK, *out is a new definition owning everything it points to
 * (def->file included); free it with tb_definition_free. Otherwise *out is
 * NULL, every problem found was appended to ps, and TB_ERR_INVALID is
 * returned. */
tb_status tb_workflows_load_file(const char *path,
                                 const tb_bureau_list *bureaus,
                                 tb_definition **out,
                                 tb_workflows_problems *ps);
/* The same from memory (the REST API's POSTed body); `name` becomes
 * def->file and appears in messages. data need not be terminated and is
 * not kept. */
tb_status tb_workflows_load_buffer(const char *name, const char *data,
                                   size_t len, const tb_bureau_list *bureaus,
                                   tb_definition **out,
                                   tb_workflows_problems *ps);

/* The loads above from memory, reporting only the first problem ("FILE:
 * LINE: what — what to do", field "xml", TB_ERR_INVALID) in *p: the shape of
 * the store's loader (tb_store_loader in store/tb_store_definitions.h,
 * whose types are the engine's), so that a caller passes
 * {tb_workflows_parse_definition, tb_workflows_parse_bureaus,
 * tb_workflows_free_bureaus} as it is. Ownership as for the loads. */
tb_status tb_workflows_parse_definition(const char *name, const char *data,
                                        size_t len,
                                        const tb_bureau_list *bureaus,
                                        tb_definition **out, tb_problem *p);
tb_status tb_workflows_parse_bureaus(const char *name, const char *data,
                                     size_t len, tb_bureau_list **out,
                                     tb_problem *p);

/* ------------------------------------------------------------------------
 * Supervision rules (workflows/supervision.xml)
 * ---------------------------------------------------------------------- */

/* Load the rules file: root <supervision> holding <rule id kind level
 * name threshold?/> elements (workflows/README.md). Checks the schema,
 * then each rule's kind, level and threshold and duplicate ids, every
 * problem at its FILE:LINE. On TB_OK, *out is a new set the caller frees
 * with tb_rule_set_free; otherwise *out is NULL, problems were appended
 * to ps and TB_ERR_INVALID is returned. */
tb_status tb_workflows_load_rules(const char *path, tb_rule_set **out,
                                  tb_workflows_problems *ps);

/* What `tongban workflows check` does for one file: load it as a bureau
 * list if its root is <bureaus>, as the supervision rules if it is
 * <supervision>, as a definition otherwise, keep nothing,
 * and append its problems to ps. Returns how many problems it appended
 * (dropped ones included). */
size_t tb_workflows_check_file(const char *path, const tb_bureau_list *bureaus,
                               tb_workflows_problems *ps);

#endif /* TB_WORKFLOWS_H */
