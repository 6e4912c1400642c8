/*
 * api_groups.c — the groups (岗位) of officers, declared per bureau in
 * bureaus.xml (<group code name>, e.g. 科长): read from a request
 * ("groups": ["KZ"]) or a command line (--groups KZ,FZ), checked against
 * the account's bureau, shown with an account and a session, and handed
 * to the engine as the actor's groups of a task event. Also
 * GET /api/v1/bureaus: the bureau list with its groups, for the pages.
 */
#include "tb_api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Add code[0..n) to g; false with msg when it is no code, repeats or
 * there is no room. */
static bool add_code(tb_store_groups *g, const char *code, size_t n, char *msg,
                     size_t msg_len) {
  char one[33];
  if (!tb_store_group_code_ok(code, n)) {
    snprintf(msg, msg_len,
             "'%.*s' is no group code: 1 to 32 letters, digits, '_' or '-'",
             (int)(n > 32 ? 32 : n), code);
    return false;
  }
  memcpy(one, code, n);
  one[n] = '\0';
  for (size_t i = 0; i < g->n; i++)
    if (strcmp(g->codes[i], one) == 0) {
      snprintf(msg, msg_len, "group '%s' is named twice", one);
      return false;
    }
  if (g->n == TB_STORE_GROUPS_MAX) {
    snprintf(msg, msg_len, "at most %d groups", TB_STORE_GROUPS_MAX);
    return false;
  }
  memcpy(g->codes[g->n++], one, n + 1);
  return true;
}

static int by_code(const void *a, const void *b) {
  return strcmp(a, b);
}

/* Sorted, as the store reads them back. */
static bool sorted(tb_store_groups *g) {
  qsort(g->codes, g->n, sizeof g->codes[0], by_code);
  return true;
}

bool api_groups_from_json(const json_t *v, tb_store_groups *g, char *msg,
                          size_t msg_len) {
  g->n = 0;
  if (!v || json_is_null(v))
    return true;
  if (!json_is_array(v)) {
    snprintf(msg, msg_len, "must be an array of group codes");
    return false;
  }
  size_t i;
  const json_t *c;
  json_array_foreach(v, i, c) {
    if (!json_is_string(c)) {
      snprintf(msg, msg_len, "must be an array of group codes");
      return false;
    }
    if (!add_code(g, json_string_value(c), json_string_length(c), msg, msg_len))
      return false;
  }
  return sorted(g);
}

bool api_groups_from_text(const char *text, tb_store_groups *g, char *msg,
                          size_t msg_len) {
  g->n = 0;
  if (!text || !*text)
    return true;
  for (const char *p = text;;) {
    size_t n = strcspn(p, ",");
    if (!add_code(g, p, n, msg, msg_len))
      return false;
    if (p[n] == '\0')
      return sorted(g);
    p += n + 1;
  }
}

/* The groups bureau b declares, "KZ, STY" into out ("none" when none). */
static void declared(const tb_bureau *b, char *out, size_t cap) {
  size_t used = 0;
  snprintf(out, cap, "none");
  for (size_t i = 0; i < b->n_groups; i++) {
    int k = snprintf(out + used, cap - used, "%s%s", i ? ", " : "",
                     b->groups[i].code);
    if (k < 0 || (size_t)k >= cap - used)
      return;
    used += (size_t)k;
  }
}

bool api_groups_check(tb_store *s, const tb_bureau_list *given,
                      const char *bureau, const tb_store_groups *g, char *msg,
                      size_t msg_len) {
  if (!g || g->n == 0)
    return true;
  if (!bureau || !*bureau) {
    snprintf(msg, msg_len, "only officers belong to groups");
    return false;
  }
  const tb_bureau_list *list = given;
  tb_problem p = {0};
  if (!list && tb_store_bureaus_get(s, &list, &p) != TB_STORE_OK)
    list = NULL;
  const tb_bureau *b = list ? tb_bureaus_find(list, bureau) : NULL;
  if (!b) {
    snprintf(msg, msg_len,
             "cannot check the groups of bureau '%.32s': no "
             "bureau list declares it",
             bureau);
    return false;
  }
  for (size_t i = 0; i < g->n; i++) {
    if (tb_bureau_group_find(b, g->codes[i]))
      continue;
    char have[200];
    declared(b, have, sizeof have);
    snprintf(msg, msg_len,
             "unknown group '%s' of bureau %s: see workflows/bureaus.xml "
             "(%s declares %s)",
             g->codes[i], b->code, b->code, have);
    return false;
  }
  return true;
}

json_t *api_groups_json(const tb_store_groups *g) {
  json_t *a = json_array();
  for (size_t i = 0; g && i < g->n; i++)
    json_array_append_new(a, json_string(g->codes[i]));
  return a;
}

void api_event_actor_groups(api_req *r, tb_event *ev) {
  size_t n = r->who.groups.n;
  const char **codes = tb_arena_alloc(r->arena, (n ? n : 1) * sizeof *codes);
  for (size_t i = 0; i < n; i++)
    codes[i] = r->who.groups.codes[i];
  ev->actor_groups = codes;
  ev->n_actor_groups = n;
}

/* ---- GET /api/v1/bureaus ---- */

static json_t *bureau_json(const tb_bureau *b) {
  json_t *groups = json_array();
  for (size_t i = 0; i < b->n_groups; i++)
    json_array_append_new(groups,
                          json_pack("{s:s, s:s}", "code", b->groups[i].code,
                                    "name", b->groups[i].name));
  return json_pack("{s:s, s:s, s:o}", "code", b->code, "name", b->name,
                   "groups", groups);
}

void api_h_bureaus_list(api_req *r) {
  tb_store *s = api_store(r);
  if (!s)
    return;
  const tb_bureau_list *list = NULL;
  tb_problem p = {0};
  tb_store_status rc = tb_store_bureaus_get(s, &list, &p);
  json_t *items = json_array();
  if (rc == TB_STORE_OK && list)
    for (size_t i = 0; i < list->n; i++)
      json_array_append_new(items, bureau_json(&list->items[i]));
  if (rc != TB_STORE_OK && rc != TB_STORE_INVALID) {
    json_decref(items);
    api_fail_store(r, rc);
    return;
  }
  api_reply_json(r, 200, json_pack("{s:o}", "bureaus", items));
}
