/*
 * tb_store_defs.c — workflow definitions and bureau lists, kept in the
 * database (the working-day calendar is in tb_store_calendar.c).
 *
 * A definition is stored as its XML under (id, version) with the SHA-256
 * of the bytes; each handle rebuilds the definitions it needs with the
 * loader its caller passed in (tb_store_options.loader: the store parses
 * no XML itself) and caches them for its lifetime (a stored version never
 * changes).
 */
#include "tb_store_int.h"
#include "tb_store_security_log.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const tb_store_stmt S_BUREAUS_PUT = {
    "bureaus_put",
    "INSERT INTO bureau_lists (sha256, xml) VALUES (decode($1, 'hex'), $2) "
    "ON CONFLICT (sha256) DO UPDATE SET loaded_at = now()",
    2};
/* the newest list's digest, and its text only when it is not the one
 * the handle has parsed already ($1) */
static const tb_store_stmt S_BUREAUS_NEWEST = {
    "bureaus_newest",
    "SELECT encode(sha256, 'hex'), CASE WHEN encode(sha256, 'hex') = $1 "
    "THEN NULL ELSE xml END FROM bureau_lists "
    "ORDER BY loaded_at DESC LIMIT 1",
    1};
static const tb_store_stmt S_DEF_INSERT = {
    "def_insert",
    "INSERT INTO definitions (id, version, name, sha256, xml, file) "
    "VALUES ($1, $2::integer, $3, decode($4, 'hex'), $5, $6) "
    "ON CONFLICT (id, version) DO NOTHING RETURNING 1",
    6};
static const tb_store_stmt S_DEF_SHA = {
    "def_sha",
    "SELECT encode(sha256, 'hex') FROM definitions "
    "WHERE id = $1 AND version = $2::integer",
    2};
static const tb_store_stmt S_DEF_NEWEST = {
    "def_newest", "SELECT max(version) FROM definitions WHERE id = $1", 1};
static const tb_store_stmt S_DEF_XML = {
    "def_xml",
    "SELECT xml FROM definitions WHERE id = $1 AND version = $2::integer", 2};
/* Whether the handle has a loader; logs when not. */
static bool have_loader(const tb_store *s, const char *what) {
  if (s->has_loader && s->loader.parse_definition && s->loader.parse_bureaus)
    return true;
  tb_log_kv(TB_LOG_ERROR, "store",
            "this store handle was opened without a definition loader",
            TB_LOG_S("during", what));
  return false;
}

static void free_bureaus(tb_store *s, tb_bureau_list *list) {
  if (list && s->loader.free_bureaus)
    s->loader.free_bureaus(list);
}

static void sha_hex(const char *data, size_t len, char hex[65]) {
  uint8_t sum[32];
  tb_store_sha256(data, len, NULL, 0, sum);
  tb_hex_encode(sum, 32, hex);
}

tb_store_status tb_store_bureaus_put(tb_store *s, const char *xml, size_t len,
                                     const char *file, tb_problem *p) {
  if (!have_loader(s, "bureaus"))
    return TB_STORE_ERROR;
  tb_bureau_list *list = NULL;
  if (s->loader.parse_bureaus(file ? file : "bureaus.xml", xml, len, &list,
                              p) != TB_OK)
    return TB_STORE_INVALID;
  free_bureaus(s, list);
  char hex[65];
  sha_hex(xml, len, hex);
  char *text = tb_xstrndup(xml, len);
  const char *params[] = {hex, text};
  tb_store_status rc = tb_store_exec(s, &S_BUREAUS_PUT, params, NULL);
  free(text);
  return rc;
}

tb_store_status tb_store_bureaus_get(tb_store *s, const tb_bureau_list **out,
                                     tb_problem *p) {
  *out = NULL;
  if (!have_loader(s, "bureaus"))
    return TB_STORE_ERROR;
  PGresult *r;
  const char *params[] = {s->bureaus ? s->bureaus_sha : ""};
  tb_store_status rc = tb_store_exec(s, &S_BUREAUS_NEWEST, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    tb_problem_set(p, TB_ERR_INVALID, "bureaus",
                   "no bureau list is stored: load bureaus.xml first");
    return TB_STORE_INVALID;
  }
  if (!PQgetisnull(r, 0, 1)) { /* another list than the one parsed */
    tb_bureau_list *list = NULL;
    const char *xml = PQgetvalue(r, 0, 1);
    if (s->loader.parse_bureaus("bureaus.xml (stored)", xml, strlen(xml), &list,
                                p) != TB_OK) {
      PQclear(r);
      return TB_STORE_INVALID;
    }
    free_bureaus(s, s->bureaus);
    s->bureaus = list;
    tb_store_copy(s->bureaus_sha, sizeof s->bureaus_sha, PQgetvalue(r, 0, 0));
  }
  PQclear(r);
  *out = s->bureaus;
  return TB_STORE_OK;
}

/* Insert, or compare with what is stored under the same version. */
static tb_store_status
put_checked(tb_store *s, const tb_definition *def, const char *xml, size_t len,
            const char *file, tb_store_definition_info *info, tb_problem *p) {
  char hex[65], version[16];
  sha_hex(xml, len, hex);
  snprintf(version, sizeof version, "%u", def->version);
  char *text = tb_xstrndup(xml, len);
  const char *params[] = {def->id, version, def->name ? def->name : "",
                          hex,     text,    file ? file : ""};
  PGresult *r = NULL;
  tb_store_status rc = tb_store_exec(s, &S_DEF_INSERT, params, &r);
  free(text);
  if (rc != TB_STORE_OK)
    return rc;
  info->inserted = PQntuples(r) == 1;
  PQclear(r);
  if (info->inserted)
    return TB_STORE_OK;
  const char *key[] = {def->id, version};
  rc = tb_store_exec(s, &S_DEF_SHA, key, &r);
  if (rc != TB_STORE_OK)
    return rc;
  bool same = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), hex) == 0;
  PQclear(r);
  if (same)
    return TB_STORE_OK;
  tb_problem_set(p, TB_ERR_INVALID, "version",
                 "%s: definition '%s' version %u is already loaded with other "
                 "content: give the changed file a new version number",
                 file ? file : def->id, def->id, def->version);
  return TB_STORE_CONFLICT;
}

tb_store_status tb_store_definition_put(tb_store *s, const char *xml,
                                        size_t len, const char *file,
                                        tb_store_definition_info *info,
                                        tb_problem *p) {
  memset(info, 0, sizeof *info);
  const tb_bureau_list *bureaus = NULL;
  tb_store_status rc = tb_store_bureaus_get(s, &bureaus, p);
  if (rc != TB_STORE_OK)
    return rc;
  tb_definition *def = NULL;
  if (s->loader.parse_definition(file ? file : "definition", xml, len, bureaus,
                                 &def, p) != TB_OK)
    return TB_STORE_INVALID;
  tb_store_copy(info->id, sizeof info->id, def->id);
  info->version = def->version;
  rc = put_checked(s, def, xml, len, file, info, p);
  tb_definition_free(def);
  return rc;
}

/* ---- loading a folder ------------------------------------------------ */

static bool read_file(const char *path, char **data, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return false;
  size_t cap = TB_STORE_MAX_XML_BYTES + 1;
  char *buf = tb_xmalloc(cap);
  size_t n = fread(buf, 1, cap, f);
  bool ok = !ferror(f) && n < cap;
  fclose(f);
  if (!ok) {
    free(buf);
    return false;
  }
  *data = buf;
  *len = n;
  return true;
}

static bool is_xml(const char *name) {
  size_t n = strlen(name);
  return n > 4 && strcmp(name + n - 4, ".xml") == 0 && name[0] != '.';
}

/* A definition the server loaded from its folder at its start, in the
 * security log (its deployment by the API is api/api_workflows.c's). */
static tb_store_status deployed_event(tb_store *s,
                                      const tb_store_definition_info *info,
                                      const char *path) {
  char subject[96];
  snprintf(subject, sizeof subject, "definition:%s@%u", info->id,
           info->version);
  static const tb_store_security_actor server = {.kind = TB_SECURITY_SYSTEM};
  return tb_store_security_log_add(
      s, "definition_deployed", &server, subject, TB_SECURITY_OK,
      json_pack("{s:s, s:i, s:b, s:s}", "id", info->id, "version",
                (int)info->version, "inserted", 1, "file", path));
}

static tb_store_status load_one(tb_store *s, const char *dir, const char *name,
                                bool bureaus, tb_problem *p) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  char *data = NULL;
  size_t len = 0;
  if (!read_file(path, &data, &len)) {
    tb_problem_set(p, TB_ERR_INVALID, "file",
                   "%s: cannot read it (missing, unreadable or over %d bytes)",
                   path, TB_STORE_MAX_XML_BYTES);
    return TB_STORE_INVALID;
  }
  tb_store_status rc;
  if (bureaus) {
    rc = tb_store_bureaus_put(s, data, len, path, p);
  } else {
    tb_store_definition_info info;
    rc = tb_store_definition_put(s, data, len, path, &info, p);
    if (rc == TB_STORE_OK && info.inserted) {
      tb_log_kv(TB_LOG_INFO, "store", "loaded a definition",
                TB_LOG_S("definition", info.id),
                TB_LOG_I("version", info.version), TB_LOG_S("file", path));
      rc = deployed_event(s, &info, path);
    }
  }
  free(data);
  return rc;
}

tb_store_status tb_store_definitions_load_dir(tb_store *s, const char *dir,
                                              size_t *loaded, tb_problem *p) {
  *loaded = 0;
  struct dirent **names = NULL;
  int n = scandir(dir, &names, NULL, alphasort);
  if (n < 0) {
    tb_problem_set(p, TB_ERR_INVALID, "workflows", "cannot read %s: %s", dir,
                   strerror(errno));
    return TB_STORE_INVALID;
  }
  tb_store_status rc = load_one(s, dir, "bureaus.xml", true, p);
  for (int i = 0; i < n; i++) {
    const char *name = names[i]->d_name;
    if (rc == TB_STORE_OK && is_xml(name) && strcmp(name, "bureaus.xml") &&
        strcmp(name, "supervision.xml")) { /* the rules: the server's own */
      rc = load_one(s, dir, name, false, p);
      if (rc == TB_STORE_OK)
        (*loaded)++;
    }
    free(names[i]);
  }
  free(names);
  return rc;
}

/* ---- reading definitions back ---------------------------------------- */

tb_store_status tb_store_def_cached(tb_store *s, const char *id,
                                    uint32_t version,
                                    const tb_definition **out) {
  for (int i = 0; i < s->n_defs; i++)
    if (s->defs[i].version == version && strcmp(s->defs[i].id, id) == 0) {
      *out = s->defs[i].def;
      return TB_STORE_OK;
    }
  if (!have_loader(s, id))
    return TB_STORE_ERROR;
  char v[16];
  snprintf(v, sizeof v, "%u", version);
  const char *params[] = {id, v};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_DEF_XML, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  char name[128];
  snprintf(name, sizeof name, "%s v%u (stored)", id, version);
  tb_definition *def = NULL;
  tb_problem p = {0};
  const char *xml = PQgetvalue(r, 0, 0);
  tb_status st =
      s->loader.parse_definition(name, xml, strlen(xml), NULL, &def, &p);
  PQclear(r);
  if (st != TB_OK) {
    tb_log_kv(TB_LOG_ERROR, "store", "a stored definition no longer loads",
              TB_LOG_S("definition", name),
              TB_LOG_S("error", p.detail[0] ? p.detail : "no details"));
    return TB_STORE_ERROR;
  }
  if (s->n_defs == TB_STORE_MAX_CACHED_DEFS) { /* drop the oldest */
    tb_definition_free(s->defs[0].def);
    memmove(&s->defs[0], &s->defs[1],
            sizeof s->defs[0] * (size_t)(s->n_defs - 1));
    s->n_defs--;
  }
  tb_store_cached_def *c = &s->defs[s->n_defs++];
  tb_store_copy(c->id, sizeof c->id, id);
  c->version = version;
  c->def = def;
  *out = def;
  return TB_STORE_OK;
}

tb_store_status tb_store_definition_get(tb_store *s, const char *id,
                                        uint32_t version,
                                        const tb_definition **out) {
  *out = NULL;
  if (version == 0) {
    const char *params[] = {id};
    PGresult *r;
    tb_store_status rc = tb_store_exec(s, &S_DEF_NEWEST, params, &r);
    if (rc != TB_STORE_OK)
      return rc;
    int64_t v = 0;
    bool found = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0) &&
                 tb_store_parse_i64(PQgetvalue(r, 0, 0), &v);
    PQclear(r);
    if (!found)
      return TB_STORE_NOT_FOUND;
    version = (uint32_t)v;
  }
  return tb_store_def_cached(s, id, version, out);
}
