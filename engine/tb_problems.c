/*
 * tb_problems.c — the registry of problem codes as a table: the rows of
 * tb_problems.def (code, HTTP status, English, Chinese), looked up by
 * enum or by wire name, and the map from engine statuses to their
 * registered problem. Data only, no I/O.
 */
#include "tb_engine.h"

#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const tb_problem_info rows[TB_PROBLEM_COUNT] = {
#define TB_PROBLEM_ROW(name, code_, status, en_, zh_)                          \
  [TB_PROBLEM_##                                                               \
      name] = {.code = code_, .http_status = status, .en = en_, .zh = zh_},
#include "tb_problems.def"
#undef TB_PROBLEM_ROW
};

/* Engine statuses → problems. TB_OK and TB_IGNORED are no problems (see
 * tb_status_problem), so they are not in the map. */
static const struct {
  tb_status status;
  tb_problem_code problem;
} status_map[] = {
    {TB_ERR_INVALID, TB_PROBLEM_INVALID_REQUEST},
    {TB_ERR_ILLEGAL_STATE, TB_PROBLEM_ILLEGAL_STATE},
    {TB_ERR_NOT_CLAIMED, TB_PROBLEM_NOT_CLAIMED},
    {TB_ERR_CLAIMED_BY_OTHER, TB_PROBLEM_CLAIMED_BY_OTHER},
    {TB_ERR_WRONG_BUREAU, TB_PROBLEM_WRONG_BUREAU},
    {TB_ERR_SUPERSEDED, TB_PROBLEM_TASK_SUPERSEDED},
    {TB_ERR_MATERIAL, TB_PROBLEM_MATERIAL},
    {TB_ERR_NOT_ASSIGNEE, TB_PROBLEM_NOT_ASSIGNEE},
    {TB_ERR_NOT_ALLOWED, TB_PROBLEM_NOT_ALLOWED},
    {TB_ERR_LIMIT, TB_PROBLEM_LIMIT},
};

const tb_problem_info *tb_problem_info_of(tb_problem_code code) {
  if ((size_t)code >= TB_PROBLEM_COUNT)
    code = TB_PROBLEM_INTERNAL;
  return &rows[code];
}

bool tb_problem_code_find(const char *name, tb_problem_code *out) {
  if (!name)
    return false;
  for (size_t i = 0; i < TB_PROBLEM_COUNT; i++)
    if (strcmp(rows[i].code, name) == 0) {
      *out = (tb_problem_code)i;
      return true;
    }
  return false;
}

tb_problem_code tb_status_problem(tb_status status) {
  for (size_t i = 0; i < COUNT(status_map); i++)
    if (status_map[i].status == status)
      return status_map[i].problem;
  return TB_PROBLEM_INTERNAL;
}

const char *tb_status_code(tb_status status) {
  if (status == TB_OK)
    return "ok";
  if (status == TB_IGNORED)
    return "ignored";
  return tb_problem_info_of(tb_status_problem(status))->code;
}
