/*
 * tb_store_groups.c — the groups (岗位) of an officer (account_groups,
 * sql/0017_task_verbs.sql), declared in tb_store_accounts.h: read back
 * from the one column TB_STORE_GROUPS_OF aggregates, and replaced as a
 * whole inside the caller's transaction (an account created or re-roled).
 */
#include "tb_store_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const tb_store_stmt S_GROUPS_CLEAR = {
    "account_groups_clear",
    "DELETE FROM account_groups WHERE account_id = $1::bigint", 1};
static const tb_store_stmt S_GROUPS_INSERT = {
    "account_groups_insert",
    "INSERT INTO account_groups (account_id, group_code) "
    "SELECT $1::bigint, c FROM unnest(string_to_array($2::text, ',')) c",
    2};

bool tb_store_group_code_ok(const char *c, size_t n) {
  if (n == 0 || n > 32)
    return false;
  for (size_t i = 0; i < n; i++) {
    char ch = c[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
          (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
      return false;
  }
  return true;
}

static bool seen(const tb_store_groups *g, const char *c) {
  for (size_t i = 0; i < g->n; i++)
    if (strcmp(g->codes[i], c) == 0)
      return true;
  return false;
}

bool tb_store_groups_parse(const char *csv, tb_store_groups *g) {
  g->n = 0;
  if (!csv || !*csv)
    return true;
  const char *p = csv;
  for (;;) {
    size_t n = strcspn(p, ",");
    if (!tb_store_group_code_ok(p, n) || g->n == TB_STORE_GROUPS_MAX)
      return false;
    char code[33];
    memcpy(code, p, n);
    code[n] = '\0';
    if (seen(g, code))
      return false;
    memcpy(g->codes[g->n++], code, n + 1);
    if (p[n] == '\0')
      return true;
    p += n + 1;
  }
}

void tb_store_groups_text(const tb_store_groups *g, char *out, size_t cap) {
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; g && i < g->n; i++) {
    int k = snprintf(out + used, cap - used, "%s%s", i ? "," : "", g->codes[i]);
    if (k < 0 || (size_t)k >= cap - used)
      return;
    used += (size_t)k;
  }
}

tb_store_status tb_store_account_groups_set(tb_store *s, int64_t account_id,
                                            const tb_store_groups *g) {
  char id[24], codes[TB_STORE_GROUPS_TEXT];
  snprintf(id, sizeof id, "%" PRId64, account_id);
  tb_store_status rc =
      tb_store_exec(s, &S_GROUPS_CLEAR, (const char *[]){id}, NULL);
  if (rc != TB_STORE_OK || !g || g->n == 0)
    return rc;
  tb_store_groups_text(g, codes, sizeof codes);
  return tb_store_exec(s, &S_GROUPS_INSERT, (const char *[]){id, codes}, NULL);
}
