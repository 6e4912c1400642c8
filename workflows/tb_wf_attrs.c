/*
 * tb_wf_attrs.c — the attribute and child-count readers every builder of
 * the workflow language shares (definitions, the verbs of a step): whole
 * numbers, enumerations by name, and capped child lists. Each reports a
 * FILE:LINE problem itself; declared in tb_wf_internal.h.
 */
#include "tb_wf_internal.h"

#include <string.h>

bool tb_wf_parse_uint(const char *s, unsigned long max, unsigned long *out) {
  unsigned long v = 0;
  if (!s || !*s)
    return false;
  if (*s == '+')
    s++;
  if (!*s)
    return false;
  for (; *s; s++) {
    if (*s < '0' || *s > '9')
      return false;
    v = v * 10 + (unsigned long)(*s - '0');
    if (v > max)
      return false;
  }
  *out = v;
  return true;
}

int tb_wf_enum_attr(tb_wf_ctx *cx, tb_arena *a, const xmlNode *e,
                    const char *name, const char *const *names, int fallback) {
  const char *s = tb_wf_attr(a, e, name);
  if (!s)
    return fallback;
  for (int i = 0; names[i]; i++)
    if (strcmp(s, names[i]) == 0)
      return i;
  tb_wf_problem(cx, tb_wf_line(e), "see workflows/README.md",
                "attribute '%s' has an unknown value '%s'", name, s);
  return fallback;
}

size_t tb_wf_limited(tb_wf_ctx *cx, const xmlNode *parent, const char *child,
                     size_t max, const char *what, const char *todo) {
  size_t n = tb_wf_count(parent, child);
  if (n > max) {
    tb_wf_problem(cx, tb_wf_line(parent), todo,
                  "%zu %s; at most %zu are allowed", n, what, max);
    n = max;
  }
  return n;
}
