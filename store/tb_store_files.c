/*
 * tb_store_files.c — materials as files: attaching one (a material's page
 * or an officer's opinion file) under the application's row lock with
 * its audit event, reading the list and one file's bytes, and the
 * e-licenses that satisfied materials at intake. See tb_store_files.h.
 *
 * The bytes travel as hex text (decode($n, 'hex') in, bytea's hex
 * output back), so every statement stays a prepared one with text
 * parameters like the rest of the store.
 */
#include "tb_store_int.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const tb_store_stmt S_LOCK = {
    "fi_lock",
    "SELECT id, definition_id, definition_version, state::text, audit_seq, "
    "audit_hash FROM applications WHERE number = $1 FOR UPDATE",
    1};
static const tb_store_stmt S_TASK_APP = {
    "fi_task_app",
    "SELECT a.number FROM tasks t JOIN applications a "
    "ON a.id = t.application_id WHERE t.id = $1::bigint",
    1};
static const tb_store_stmt S_TASK_STATE = {
    "fi_task_state",
    "SELECT state, bureau, coalesce(claimant, 0) FROM tasks "
    "WHERE id = $1::bigint",
    1};
static const tb_store_stmt S_TOTAL = {
    "fi_total",
    "SELECT coalesce(sum(size), 0) FROM material_files "
    "WHERE application_id = $1::bigint",
    1};
/* The material's newest version, its last page, and whether a
 * transition that concerns materials came after its last file. */
static const tb_store_stmt S_LAST_VERSION = {
    "fi_last_version",
    "WITH last AS (SELECT version, max(page) AS page, max(audit_seq) AS seq "
    "FROM material_files WHERE application_id = $1::bigint AND material = $2 "
    "GROUP BY version ORDER BY version DESC LIMIT 1) "
    "SELECT version, page, EXISTS (SELECT 1 FROM audit_events e "
    "WHERE e.application_id = $1::bigint AND e.seq > last.seq AND e.action "
    "IN ('submit', 'accept', 'request_supplement', 'return', 'supplement')) "
    "FROM last",
    2};
static const tb_store_stmt S_OPINION_PAGE = {
    "fi_opinion_page",
    "SELECT coalesce(max(page), 0) FROM material_files "
    "WHERE task_id = $1::bigint",
    1};
static const tb_store_stmt S_REPLACE = {
    "fi_replace",
    "UPDATE material_files SET replaced_at = now() "
    "WHERE application_id = $1::bigint AND material = $2 "
    "AND replaced_at IS NULL",
    2};
static const tb_store_stmt S_INSERT = {
    "fi_insert",
    "INSERT INTO material_files (application_id, material, task_id, version, "
    "page, content, sha256, size, media_type, name, added_by, added_role, "
    "audit_seq, added_at) VALUES ($1::bigint, $2, $3::bigint, $4::integer, "
    "$5::integer, decode($6, 'hex'), decode($7, 'hex'), $8::bigint, $9, $10, "
    "$11::bigint, $12, $13::integer, to_timestamp($14::bigint)) RETURNING id",
    14};
static const tb_store_stmt S_FILES = {
    "fi_files",
    "SELECT (SELECT coalesce(json_agg(json_build_object('id', f.id, "
    "'material', f.material, 'task', f.task_id, 'task_name', t.name, "
    "'bureau', t.bureau, 'version', f.version, 'page', f.page, 'name', "
    "f.name, 'media_type', f.media_type, 'size', f.size, 'sha256', "
    "encode(f.sha256, 'hex'), 'added_at', to_char(f.added_at AT TIME ZONE "
    "'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'added_role', f.added_role, "
    "'replaced', f.replaced_at IS NOT NULL) ORDER BY f.task_id NULLS FIRST, "
    "f.material, f.version, f.page), '[]'::json) FROM material_files f "
    "LEFT JOIN tasks t ON t.id = f.task_id WHERE f.application_id = a.id)"
    "::text FROM applications a WHERE a.number = $1",
    1};
static const tb_store_stmt S_FILE = {
    "fi_file",
    "SELECT f.media_type, f.name, f.size, f.content FROM material_files f "
    "JOIN applications a ON a.id = f.application_id "
    "WHERE a.number = $1 AND f.id = $2::bigint",
    2};
static const tb_store_stmt S_BUREAU = {
    "fi_bureau",
    "SELECT EXISTS (SELECT 1 FROM tasks t JOIN applications a "
    "ON a.id = t.application_id WHERE a.number = $1 AND t.bureau = $2)",
    2};
static const tb_store_stmt S_LICENSE_NOTE = {
    "fi_license_note",
    "INSERT INTO material_licenses (application_id, material, license_id, "
    "status_at_reuse) SELECT a.id, $2, $3, $4 FROM applications a "
    "WHERE a.number = $1 ON CONFLICT DO NOTHING",
    4};
static const tb_store_stmt S_LICENSES = {
    "fi_licenses",
    "SELECT coalesce(json_agg(json_build_object('material', m.material, "
    "'id', l.id, 'type', l.type_code, 'name', l.type_name, "
    "'status_at_reuse', m.status_at_reuse, 'status_now', CASE WHEN "
    "l.revoked_at IS NOT NULL THEN 'revoked' WHEN l.valid_from > $2::date "
    "OR l.valid_until < $2::date THEN 'expired' ELSE 'valid' END, "
    "'revoked_at', to_char(l.revoked_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')) ORDER BY m.material), '[]'::json)"
    "::text FROM material_licenses m JOIN applications a "
    "ON a.id = m.application_id JOIN licenses l ON l.id = m.license_id "
    "WHERE a.number = $1",
    2};

/* ---- attaching ------------------------------------------------------------
 */

typedef struct {
  int64_t id;
  const tb_definition *def;
  tb_app_state state;
  int32_t seq;
  uint8_t hash[32];
} locked;

static tb_store_status lock_app(tb_store *s, const char *number, locked *a) {
  const char *params[] = {number};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_LOCK, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  int64_t version = 0, seq = 0;
  char def_id[64];
  tb_store_parse_i64(PQgetvalue(r, 0, 0), &a->id);
  tb_store_copy(def_id, sizeof def_id, PQgetvalue(r, 0, 1));
  tb_store_parse_i64(PQgetvalue(r, 0, 2), &version);
  bool ok = tb_store_state_decode(PQgetvalue(r, 0, 3), &a->state);
  tb_store_parse_i64(PQgetvalue(r, 0, 4), &seq);
  a->seq = (int32_t)seq;
  memset(a->hash, 0, 32);
  if (!PQgetisnull(r, 0, 5))
    ok = ok && tb_store_unhex_bytea(PQgetvalue(r, 0, 5), a->hash, 32);
  PQclear(r);
  if (!ok) {
    tb_log_kv(TB_LOG_ERROR, "store", "stored state is unreadable",
              TB_LOG_S("application", number));
    return TB_STORE_ERROR;
  }
  return tb_store_def_cached(s, def_id, (uint32_t)version, &a->def);
}

/* Whether material m may take files in state st. */
static bool attachable(const tb_app_state *st, size_t m) {
  uint64_t bit = UINT64_C(1) << m;
  switch ((tb_app_status)st->status) {
  case TB_APP_SUBMITTED:
    return true;
  case TB_APP_AWAITING_SUPPLEMENT:
  case TB_APP_RETURNED:
    return (st->notice & bit) != 0;
  case TB_APP_IN_REVIEW:
  case TB_APP_AWAITING_MATERIALS:
    return (st->gaps & bit) != 0;
  default:
    return false;
  }
}

static tb_store_status query_i64(tb_store *s, const tb_store_stmt *st,
                                 const char *const *params, int64_t *v) {
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, st, params, &r);
  if (rc != TB_STORE_OK)
    return rc == TB_STORE_NOT_FOUND ? TB_STORE_ERROR : rc;
  bool ok = tb_store_parse_i64(PQgetvalue(r, 0, 0), v);
  PQclear(r);
  return ok ? TB_STORE_OK : TB_STORE_ERROR;
}

/* The version and page a material's next file gets; *opens: it opens a
 * new version (the one before is to be marked replaced). */
static tb_store_status next_page(tb_store *s, int64_t app, const char *material,
                                 tb_store_file_added *out, bool *opens) {
  char id[24];
  snprintf(id, sizeof id, "%" PRId64, app);
  const char *params[] = {id, material};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_LAST_VERSION, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  *opens = false;
  out->version = 1;
  out->page = 1;
  if (PQntuples(r) == 1) {
    int64_t version = 0, page = 0;
    tb_store_parse_i64(PQgetvalue(r, 0, 0), &version);
    tb_store_parse_i64(PQgetvalue(r, 0, 1), &page);
    *opens = PQgetvalue(r, 0, 2)[0] == 't';
    out->version = (int32_t)(*opens ? version + 1 : version);
    out->page = (int32_t)(*opens ? 1 : page + 1);
  }
  PQclear(r);
  return TB_STORE_OK;
}

/* The task of an opinion file, under the application's lock: open, or
 * claimed by the actor, and of the actor's bureau. */
static tb_store_status check_task(tb_store *s, const tb_store_file_new *f,
                                  const tb_store_actor *actor,
                                  tb_store_file_added *out) {
  char id[24];
  snprintf(id, sizeof id, "%" PRId64, f->task_id);
  const char *params[] = {id};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_TASK_STATE, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  const char *state = PQgetvalue(r, 0, 0);
  int64_t claimant = 0;
  tb_store_copy(out->task_bureau, sizeof out->task_bureau, PQgetvalue(r, 0, 1));
  tb_store_parse_i64(PQgetvalue(r, 0, 2), &claimant);
  bool open = strcmp(state, "open") == 0;
  bool claimed = strcmp(state, "claimed") == 0;
  PQclear(r);
  if (!actor->bureau || strcmp(actor->bureau, out->task_bureau) != 0)
    out->refusal = TB_STORE_FILE_WRONG_BUREAU;
  else if (!open && !claimed)
    out->refusal = TB_STORE_FILE_TASK_CLOSED;
  else if (claimed && claimant != actor->id)
    out->refusal = TB_STORE_FILE_CLAIMED_BY_OTHER;
  if (out->refusal != TB_STORE_FILE_ADDED)
    return TB_STORE_REFUSED;
  int64_t last = 0;
  rc = query_i64(s, &S_OPINION_PAGE, params, &last);
  out->version = 1;
  out->page = (int32_t)last + 1;
  return rc;
}

/* The audit event's payload: what identifies the file and its digest. */
static char *payload_of(const tb_store_file_new *f,
                        const tb_store_file_added *out, const char *sha) {
  json_t *p = json_pack("{s:i, s:s, s:I, s:s, s:s}", "page", (int)out->page,
                        "name", f->name, "size", (json_int_t)f->size,
                        "media_type", f->media_type, "sha256", sha);
  if (f->material) {
    json_object_set_new(p, "material", json_string(f->material));
    json_object_set_new(p, "version", json_integer(out->version));
  } else {
    json_object_set_new(p, "task", json_integer(f->task_id));
    json_object_set_new(p, "bureau", json_string(out->task_bureau));
  }
  char *text = json_dumps(p, JSON_COMPACT);
  json_decref(p);
  return text;
}

static tb_store_status insert_file(tb_store *s, const locked *a,
                                   const tb_store_file_new *f,
                                   const tb_store_actor *actor, const char *sha,
                                   tb_store_file_added *out) {
  char app[24], task[24], version[16], page[16], size[24], by[24], seq[16],
      at[24];
  snprintf(app, sizeof app, "%" PRId64, a->id);
  snprintf(task, sizeof task, "%" PRId64, f->task_id);
  snprintf(version, sizeof version, "%d", (int)out->version);
  snprintf(page, sizeof page, "%d", (int)out->page);
  snprintf(size, sizeof size, "%zu", f->size);
  snprintf(by, sizeof by, "%" PRId64, actor->id);
  snprintf(seq, sizeof seq, "%d", (int)out->seq);
  snprintf(at, sizeof at, "%" PRId64, out->added_at);
  char *hex = tb_xmalloc(f->size * 2 + 1);
  tb_hex_encode(f->bytes, f->size, hex);
  const char *params[] = {app,     f->material, f->material ? NULL : task,
                          version, page,        hex,
                          sha,     size,        f->media_type,
                          f->name, by,          actor->role,
                          seq,     at};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_INSERT, params, &r);
  free(hex);
  if (rc != TB_STORE_OK)
    return rc == TB_STORE_NOT_FOUND ? TB_STORE_ERROR : rc;
  tb_store_parse_i64(PQgetvalue(r, 0, 0), &out->id);
  PQclear(r);
  return TB_STORE_OK;
}

/* Append the audit event, store the file, mark the version before
 * replaced when this one opens a new one, move the chain head. */
static tb_store_status write_file(tb_store *s, const locked *a,
                                  const tb_store_file_new *f,
                                  const tb_store_actor *actor, bool opens,
                                  tb_store_file_added *out) {
  char sha[65];
  tb_store_sha256(f->bytes, f->size, NULL, 0, out->sha256);
  tb_hex_encode(out->sha256, 32, sha);
  int64_t now_us = tb_store_now_us();
  out->added_at = now_us / 1000000;
  char *payload = payload_of(f, out, sha);
  tb_store_audit_event ae = {.application_id = a->id,
                             .number = out->number,
                             .prev_seq = a->seq,
                             .actor = actor,
                             .action = f->material ? "material_attached"
                                                   : "opinion_attached",
                             .payload = payload,
                             .at_us = now_us};
  memcpy(ae.prev_hash, a->hash, 32);
  uint8_t hash[32];
  tb_store_status rc = tb_store_audit_append(s, &ae, &out->seq, hash);
  free(payload);
  if (rc == TB_STORE_OK && opens) {
    char app[24];
    snprintf(app, sizeof app, "%" PRId64, a->id);
    const char *params[] = {app, f->material};
    rc = tb_store_exec(s, &S_REPLACE, params, NULL);
  }
  if (rc == TB_STORE_OK)
    rc = insert_file(s, a, f, actor, sha, out);
  if (rc == TB_STORE_OK)
    rc = tb_store_audit_head_set(s, a->id, out->seq, hash);
  if (rc == TB_STORE_OK) /* pages showing the application refresh */
    rc = tb_store_notify_change(s, out->number, out->seq, ae.action, &a->state);
  return rc;
}

/* The application of an opinion file's task (it never changes). */
static tb_store_status task_number(tb_store *s, int64_t task, char *number,
                                   size_t cap) {
  char id[24];
  snprintf(id, sizeof id, "%" PRId64, task);
  const char *params[] = {id};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_TASK_APP, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  tb_store_copy(number, cap, PQgetvalue(r, 0, 0));
  PQclear(r);
  return TB_STORE_OK;
}

/* What may be attached, checked under the lock. */
static tb_store_status check(tb_store *s, const locked *a,
                             const tb_store_file_new *f,
                             const tb_store_actor *actor,
                             tb_store_file_added *out, bool *opens) {
  out->status = a->state.status;
  *opens = false;
  if (f->material) {
    int m = tb_definition_material(a->def, f->material, strlen(f->material));
    if (m < 0 || m >= TB_MAX_MATERIALS)
      return TB_STORE_INVALID;
    if (!attachable(&a->state, (size_t)m)) {
      out->refusal = TB_STORE_FILE_LOCKED;
      return TB_STORE_REFUSED;
    }
  } else {
    tb_store_status rc = check_task(s, f, actor, out);
    if (rc != TB_STORE_OK)
      return rc;
  }
  char app[24];
  snprintf(app, sizeof app, "%" PRId64, a->id);
  const char *params[] = {app};
  tb_store_status rc = query_i64(s, &S_TOTAL, params, &out->total);
  if (rc != TB_STORE_OK)
    return rc;
  if (out->total + (int64_t)f->size > f->max_total) {
    out->refusal = TB_STORE_FILE_TOTAL;
    return TB_STORE_REFUSED;
  }
  return f->material ? next_page(s, a->id, f->material, out, opens)
                     : TB_STORE_OK;
}

tb_store_status tb_store_file_attach_in(tb_store *s, const tb_store_file_new *f,
                                        const tb_store_actor *actor,
                                        tb_store_file_added *out) {
  memset(out, 0, sizeof *out);
  tb_store_status rc = TB_STORE_OK;
  if (f->material)
    tb_store_copy(out->number, sizeof out->number, f->number);
  else
    rc = task_number(s, f->task_id, out->number, sizeof out->number);
  locked a = {0};
  if (rc == TB_STORE_OK)
    rc = lock_app(s, out->number, &a);
  bool opens = false;
  if (rc == TB_STORE_OK)
    rc = check(s, &a, f, actor, out, &opens);
  if (rc == TB_STORE_OK)
    rc = write_file(s, &a, f, actor, opens, out);
  return rc;
}

/* ---- reading --------------------------------------------------------------
 */

tb_store_status tb_store_files_read(tb_store *s, const char *number,
                                    char **json) {
  const char *params[] = {number};
  return tb_store_json_of(s, &S_FILES, params, json);
}

tb_store_status tb_store_file_read(tb_store *s, const char *number, int64_t id,
                                   tb_store_file *out) {
  memset(out, 0, sizeof *out);
  char idt[24];
  snprintf(idt, sizeof idt, "%" PRId64, id);
  const char *params[] = {number, idt};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_FILE, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  int64_t size = 0;
  tb_store_copy(out->media_type, sizeof out->media_type, PQgetvalue(r, 0, 0));
  tb_store_copy(out->name, sizeof out->name, PQgetvalue(r, 0, 1));
  bool ok = tb_store_parse_i64(PQgetvalue(r, 0, 2), &size) && size > 0;
  if (ok) {
    out->size = (size_t)size;
    out->bytes = tb_xmalloc(out->size);
    ok = tb_store_unhex_bytea(PQgetvalue(r, 0, 3), out->bytes, out->size);
  }
  PQclear(r);
  if (!ok) {
    tb_store_file_clear(out);
    tb_log_kv(TB_LOG_ERROR, "store", "stored file is unreadable",
              TB_LOG_S("application", number), TB_LOG_I("file", id));
    return TB_STORE_ERROR;
  }
  return TB_STORE_OK;
}

void tb_store_file_clear(tb_store_file *f) {
  free(f->bytes);
  f->bytes = NULL;
  f->size = 0;
}

tb_store_status tb_store_bureau_in_application(tb_store *s, const char *number,
                                               const char *bureau, bool *yes) {
  *yes = false;
  const char *params[] = {number, bureau};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_BUREAU, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  *yes = PQgetvalue(r, 0, 0)[0] == 't';
  PQclear(r);
  return TB_STORE_OK;
}

tb_store_status tb_store_material_license_note_in(tb_store *s,
                                                  const char *number,
                                                  const char *material,
                                                  const char *license_id,
                                                  const char *status) {
  const char *params[] = {number, material, license_id, status};
  return tb_store_exec(s, &S_LICENSE_NOTE, params, NULL);
}

tb_store_status tb_store_material_licenses_read(tb_store *s, const char *number,
                                                const char *today,
                                                char **json) {
  const char *params[] = {number, today};
  return tb_store_json_of(s, &S_LICENSES, params, json);
}
