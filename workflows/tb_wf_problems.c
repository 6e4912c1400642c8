/*
 * tb_wf_problems.c — the list of problems a load reports, and how a
 * problem reads: "FILE:LINE: what is wrong — what to do".
 */
#include "tb_wf_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WHAT_MAX = 512 };

void tb_workflows_problems_free(tb_workflows_problems *ps) {
  if (!ps)
    return;
  free(ps->items);
  tb_arena_free(ps->arena);
  memset(ps, 0, sizeof *ps);
}

/* A copy that is always valid UTF-8 (messages end up in JSON): invalid
 * bytes, such as a sequence cut by truncation, become '?'. */
static const char *utf8_copy(tb_arena *a, const char *s) {
  size_t len = strlen(s);
  char *out = tb_arena_strndup(a, s, len);
  tb_utf8_scrub(out, len);
  return out;
}

static void add_problem(tb_workflows_problems *ps, const char *file, int line,
                        const char *todo, const char *what) {
  if (ps->n >= TB_WORKFLOWS_MAX_PROBLEMS) {
    ps->dropped++;
    return;
  }
  if (ps->n == ps->cap) {
    ps->cap = ps->cap ? ps->cap * 2 : 8;
    if (ps->cap > TB_WORKFLOWS_MAX_PROBLEMS)
      ps->cap = TB_WORKFLOWS_MAX_PROBLEMS;
    ps->items = tb_xrealloc(ps->items, ps->cap * sizeof ps->items[0]);
  }
  if (!ps->arena)
    ps->arena = tb_arena_new();
  tb_workflows_problem *p = &ps->items[ps->n++];
  p->file = utf8_copy(ps->arena, file ? file : "(input)");
  p->line = line > 0 ? line : 0;
  p->what = utf8_copy(ps->arena, what);
  p->todo = utf8_copy(ps->arena, todo ? todo : "");
}

void tb_workflows_problems_add(tb_workflows_problems *ps, const char *file,
                               int line, const char *todo, const char *what_fmt,
                               ...) {
  char what[WHAT_MAX];
  va_list ap;
  va_start(ap, what_fmt);
  vsnprintf(what, sizeof what, what_fmt, ap);
  va_end(ap);
  add_problem(ps, file, line, todo, what);
}

void tb_wf_problem(tb_wf_ctx *cx, int line, const char *todo, const char *fmt,
                   ...) {
  char what[WHAT_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  add_problem(cx->ps, cx->file, line, todo, what);
  cx->added++;
}

void tb_wf_sort_problems(tb_workflows_problems *ps, size_t from) {
  for (size_t i = from + 1; i < ps->n; i++) {
    tb_workflows_problem p = ps->items[i];
    size_t j = i;
    while (j > from && ps->items[j - 1].line > p.line) {
      ps->items[j] = ps->items[j - 1];
      j--;
    }
    ps->items[j] = p;
  }
}

int tb_workflows_problem_format(const tb_workflows_problem *p, char *buf,
                                size_t size) {
  char line[24] = "";
  if (p->line > 0)
    snprintf(line, sizeof line, ":%d", p->line);
  const char *todo = p->todo ? p->todo : "";
  return snprintf(buf, size, "%s%s: %s%s%s", p->file ? p->file : "(input)",
                  line, p->what ? p->what : "", *todo ? " \u2014 " : "", todo);
}

void tb_workflows_problems_print(const tb_workflows_problems *ps, FILE *out) {
  char buf[2048];
  for (size_t i = 0; i < ps->n; i++) {
    tb_workflows_problem_format(&ps->items[i], buf, sizeof buf);
    fprintf(out, "%s\n", buf);
  }
  if (ps->dropped)
    fprintf(out, "(%zu more problems not shown)\n", ps->dropped);
}
