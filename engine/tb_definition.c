/*
 * tb_definition.c — look-ups in a loaded workflow definition and in the
 * bureau list.
 */
#include "tb_engine.h"

#include <stdlib.h>
#include <string.h>

static bool same(const char *a, const char *b, size_t len) {
  return a && strlen(a) == len && memcmp(a, b, len) == 0;
}

void tb_definition_free(tb_definition *def) {
  if (!def)
    return;
  tb_arena_free(def->arena); /* the definition itself lives in its arena */
}

int tb_definition_field(const tb_definition *def, const char *id, size_t len) {
  for (size_t i = 0; i < def->n_fields; i++)
    if (same(def->fields[i].id, id, len))
      return (int)i;
  return -1;
}

int tb_definition_material(const tb_definition *def, const char *id,
                           size_t len) {
  for (size_t i = 0; i < def->n_materials; i++)
    if (same(def->materials[i].id, id, len))
      return (int)i;
  return -1;
}

int tb_definition_branch(const tb_definition *def, const char *id, size_t len) {
  for (size_t i = 0; i < def->n_branches; i++)
    if (same(def->branches[i].id, id, len))
      return (int)i;
  return -1;
}

int tb_definition_special(const tb_definition *def, tb_special_kind kind) {
  for (size_t i = 0; i < def->n_specials; i++)
    if (def->specials[i].kind == kind)
      return (int)i;
  return -1;
}

const tb_bureau *tb_bureaus_find(const tb_bureau_list *b, const char *code) {
  for (size_t i = 0; i < b->n; i++)
    if (strcmp(b->items[i].code, code) == 0)
      return &b->items[i];
  return NULL;
}

const tb_license_grant *tb_bureau_grant(const tb_bureau *b,
                                        const char *type_code) {
  for (size_t i = 0; b && type_code && i < b->n_grants; i++)
    if (strcmp(b->grants[i].type_code, type_code) == 0)
      return &b->grants[i];
  return NULL;
}

const tb_bureau_group *tb_bureau_group_find(const tb_bureau *b,
                                            const char *code) {
  for (size_t i = 0; b && code && i < b->n_groups; i++)
    if (strcmp(b->groups[i].code, code) == 0)
      return &b->groups[i];
  return NULL;
}

const tb_field *tb_definition_output(const tb_definition *def, const char *id,
                                     int *branch, int *task) {
  for (size_t b = 0; def && id && b < def->n_branches; b++)
    for (size_t t = 0; t < def->branches[b].n_tasks; t++) {
      const tb_task_def *td = &def->branches[b].tasks[t];
      for (size_t o = 0; o < td->n_outputs; o++)
        if (strcmp(td->outputs[o].id, id) == 0) {
          if (branch)
            *branch = (int)b;
          if (task)
            *task = (int)t;
          return &td->outputs[o];
        }
    }
  return NULL;
}
