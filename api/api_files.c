/*
 * api_files.c — materials as files (issue 12 §1):
 *
 *   POST …/applications/{number}/materials/{material}/files?name=NAME
 *   POST /api/v1/tasks/{id}/files?name=NAME          (an opinion file)
 *   GET  …/applications/{number}/materials           (the material list)
 *   GET  …/applications/{number}/files/{id}[?download=1]
 *
 * A body is the raw bytes of one file; its type is decided from the bytes
 * (api_filetype.c), never from the Content-Type header or the name, and
 * checked in full before the transaction, so a refused file changes
 * nothing. The name is only shown (cleaned, bounded), never a path.
 * Limits: the server's max file bytes (the file routes' own body cap)
 * and max application bytes (all files of one application together).
 *
 * Who: a clerk attaches materials, or the applicant with the tracking
 * code (?code=, no token; the same 404 and guess limit as tracking); an
 * officer attaches opinion files to an open task of the bureau, or one
 * claimed by them. Reading: the clerk, the inspector, officers of a
 * bureau with a task in the application, the applicant with the code.
 * Problems about a material's file name "materials.ID" in errors[];
 * about an opinion file, "file".
 */
#include "api_filetype.h"
#include "tb_api_int.h"

#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* No script runs in a file's own document; images and Chromium's PDF
 * viewer (an object of the document) still show. */
#define FILE_CSP                                                               \
  "default-src 'none'; img-src 'self' data: blob:; "                           \
  "style-src 'unsafe-inline'; object-src 'self'; frame-ancestors 'self'"

/* ---- who may ---------------------------------------------------------------
 */

static bool number_ok(const char *n) {
  return n && tb_id_check_app_number(n, strlen(n), NULL) == TB_OK;
}

/* The applicant: the tracking code of ?code= (misses count). */
static bool code_ok(api_req *r, tb_store *s, const char *number) {
  if (!api_track_allow(r, s))
    return false;
  bool match = false;
  if (!api_track_match(r, s, number, api_query(r, "code"), &match))
    return false;
  if (!match)
    api_track_not_found(r);
  return match;
}

/* Whether the caller may read (or, write, attach to) the application's
 * files, and its definition; false: a reply is set. */
static bool open_app(api_req *r, tb_store **s, const char *number, bool write,
                     const tb_definition **def) {
  *s = api_store(r);
  if (!*s)
    return false;
  if (!r->authed && !code_ok(r, *s, number))
    return false;
  if (r->authed && !number_ok(number)) {
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such application");
    return false;
  }
  tb_store_status rc = tb_store_application_definition(*s, number, def);
  if (rc != TB_STORE_OK) {
    if (rc == TB_STORE_NOT_FOUND)
      api_fail(r, TB_PROBLEM_NOT_FOUND, "no such application");
    else
      api_fail_store(r, rc);
    return false;
  }
  bool yes = true;
  if (r->authed && !write && strcmp(r->who.role, "officer") == 0) {
    rc = tb_store_bureau_in_application(*s, number, r->who.bureau, &yes);
    if (rc != TB_STORE_OK) {
      api_fail_store(r, rc);
      return false;
    }
  }
  if (!yes)
    api_fail(r, TB_PROBLEM_WRONG_BUREAU,
             "bureau %s has no task in this application", r->who.bureau);
  return yes;
}

bool api_app_reader_open(api_req *r, tb_store **s, const char *number,
                         const tb_definition **def) {
  return open_app(r, s, number, false, def);
}

/* ---- the upload -------------------------------------------------------------
 */

typedef struct {
  tb_store_file_new f;
  const char *field; /* "materials.ID" or "file" */
  char name[API_FILENAME_MAX + 1];
} upload;

/* The body as one checked file; false: a problem naming field is set. */
static bool read_upload(api_req *r, upload *u) {
  if (r->too_large) {
    api_fail_field(r, TB_PROBLEM_FILE_TOO_LARGE, u->field,
                   "the file is larger than %zu bytes", api_max_file_bytes(r));
    return false;
  }
  api_filetype t;
  api_filetype_status st =
      api_filetype_detect((const uint8_t *)r->body, r->body_len, NULL, &t);
  if (st == API_FILETYPE_EMPTY) {
    api_fail_field(r, TB_PROBLEM_EMPTY_FILE, u->field, "the file is empty");
    return false;
  }
  if (st == API_FILETYPE_UNKNOWN) {
    api_fail_field(r, TB_PROBLEM_UNSUPPORTED_FILE_TYPE, u->field,
                   "the bytes are not a PDF, JPEG or PNG file");
    return false;
  }
  if (st != API_FILETYPE_OK) {
    api_fail_field(r, TB_PROBLEM_DAMAGED_FILE, u->field, "%s", t.why);
    return false;
  }
  api_filename_clean(api_query(r, "name"), t.extension, u->name);
  u->f.name = u->name;
  u->f.media_type = t.media_type;
  u->f.bytes = r->body;
  u->f.size = r->body_len;
  u->f.max_total = (int64_t)api_max_application_bytes(r);
  return true;
}

/* ---- the File object -------------------------------------------------------
 */

typedef struct {
  int64_t id, task;
  const char *material; /* NULL: an opinion file */
  int version, page;
  const char *name, *media_type, *sha256, *role;
  json_int_t size;
  json_t *added_at; /* stolen */
  bool replaced;
} file_row;

static const char *added_by(const char *role) {
  return strcmp(role, "applicant") == 0 ? "applicant"
         : strcmp(role, "officer") == 0 ? "officer"
                                        : "clerk";
}

static json_t *file_object(const char *number, const file_row *f) {
  char href[128];
  snprintf(href, sizeof href, "/api/v1/applications/%s/files/%" PRId64, number,
           f->id);
  json_t *o = json_pack(
      "{s:I, s:o, s:o, s:i, s:i, s:s, s:s, s:I, s:s, s:o, s:s, s:b, s:s}", "id",
      (json_int_t)f->id, "material",
      f->material ? json_string(f->material) : json_null(), "task",
      f->material ? json_null() : json_integer(f->task), "version", f->version,
      "page", f->page, "name", f->name, "media_type", f->media_type, "size",
      f->size, "sha256", f->sha256, "added_at", f->added_at, "added_by",
      added_by(f->role), "replaced", f->replaced, "href", href);
  return o;
}

/* A row of tb_store_files_read as a File object. */
static json_t *file_of_row(const char *number, json_t *row) {
  const char *material = json_string_value(json_object_get(row, "material"));
  file_row f = {
      .id = json_integer_value(json_object_get(row, "id")),
      .task = json_integer_value(json_object_get(row, "task")),
      .material = material,
      .version = (int)json_integer_value(json_object_get(row, "version")),
      .page = (int)json_integer_value(json_object_get(row, "page")),
      .name = json_string_value(json_object_get(row, "name")),
      .media_type = json_string_value(json_object_get(row, "media_type")),
      .sha256 = json_string_value(json_object_get(row, "sha256")),
      .role = json_string_value(json_object_get(row, "added_role")),
      .size = json_integer_value(json_object_get(row, "size")),
      .added_at = json_incref(json_object_get(row, "added_at")),
      .replaced = json_is_true(json_object_get(row, "replaced"))};
  if (!f.name || !f.media_type || !f.sha256 || !f.role || !f.added_at) {
    json_decref(f.added_at);
    return NULL;
  }
  return file_object(number, &f);
}

/* ---- attaching -------------------------------------------------------------
 */

static void refused(api_req *r, const upload *u,
                    const tb_store_file_added *out) {
  switch (out->refusal) {
  case TB_STORE_FILE_LOCKED:
    api_fail_field(r, TB_PROBLEM_MATERIALS_LOCKED, u->field,
                   "no files can be attached to this material while the "
                   "application is %s",
                   tb_app_status_name((tb_app_status)out->status));
    break;
  case TB_STORE_FILE_TOTAL:
    api_fail_field(r, TB_PROBLEM_APPLICATION_FILES_TOO_LARGE, u->field,
                   "the application's files would pass %zu bytes (%" PRId64
                   " stored)",
                   api_max_application_bytes(r), out->total);
    break;
  case TB_STORE_FILE_WRONG_BUREAU:
    api_fail(r, TB_PROBLEM_WRONG_BUREAU, "the task is a task of %s",
             out->task_bureau);
    break;
  case TB_STORE_FILE_CLAIMED_BY_OTHER:
    api_fail(r, TB_PROBLEM_CLAIMED_BY_OTHER,
             "another officer has claimed the task");
    break;
  default:
    api_fail(r, TB_PROBLEM_TASK_SUPERSEDED,
             "the task is decided or cancelled: no opinion file can be "
             "attached to it");
    break;
  }
}

static tb_store_status attach_fn(api_req *r, tb_store *s, void *cls) {
  upload *u = cls;
  tb_store_actor actor;
  api_actor(r, &actor);
  tb_store_file_added out;
  tb_store_status rc = tb_store_file_attach_in(s, &u->f, &actor, &out);
  if (rc == TB_STORE_REFUSED)
    refused(r, u, &out);
  else if (rc == TB_STORE_NOT_FOUND)
    api_fail(r, TB_PROBLEM_NOT_FOUND,
             u->f.material ? "no such application" : "no such task");
  else if (rc == TB_STORE_INVALID)
    api_fail_field(r, TB_PROBLEM_UNKNOWN_MATERIAL, u->field,
                   "not a material of this service");
  if (rc != TB_STORE_OK)
    return rc;
  char sha[65];
  tb_hex_encode(out.sha256, 32, sha);
  file_row f = {.id = out.id,
                .task = u->f.task_id,
                .material = u->f.material,
                .version = out.version,
                .page = out.page,
                .name = u->f.name,
                .media_type = u->f.media_type,
                .sha256 = sha,
                .role = actor.role,
                .size = (json_int_t)u->f.size,
                .added_at = api_json_time(out.added_at)};
  json_t *o = file_object(out.number, &f);
  r->location =
      tb_arena_strdup(r->arena, json_string_value(json_object_get(o, "href")));
  api_reply_json(r, 201, o);
  return TB_STORE_OK;
}

void api_h_material_file_post(api_req *r) {
  const char *number = r->params[0], *material = r->params[1];
  tb_store *s;
  const tb_definition *def;
  upload *u = tb_arena_alloc(r->arena, sizeof *u);
  memset(u, 0, sizeof *u);
  if (!open_app(r, &s, number, true, &def))
    return;
  char field[96];
  snprintf(field, sizeof field, "materials.%.63s", material);
  u->field = tb_arena_strdup(r->arena, field);
  if (tb_definition_material(def, material, strlen(material)) < 0) {
    api_fail_field(r, TB_PROBLEM_UNKNOWN_MATERIAL, "material",
                   "'%.63s' is not a material of %s", material, def->id);
    return;
  }
  u->f.number = number;
  u->f.material = material;
  if (read_upload(r, u))
    api_run_change(r, attach_fn, u);
}

void api_h_task_file_post(api_req *r) {
  char *end = NULL;
  errno = 0;
  long long id = strtoll(r->params[0], &end, 10);
  if (errno || !end || *end || id <= 0) {
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such task");
    return;
  }
  /* the bureau never changes: checked before the file is */
  tb_store *s = api_store(r);
  if (!s)
    return;
  tb_store_task_ref t;
  tb_store_status rc = tb_store_task_find(s, id, &t);
  if (rc != TB_STORE_OK) {
    if (rc == TB_STORE_NOT_FOUND)
      api_fail(r, TB_PROBLEM_NOT_FOUND, "no such task");
    else
      api_fail_store(r, rc);
    return;
  }
  if (strcmp(t.bureau, r->who.bureau) != 0) {
    api_fail(r, TB_PROBLEM_WRONG_BUREAU, "the task is a task of %s", t.bureau);
    return;
  }
  upload *u = tb_arena_alloc(r->arena, sizeof *u);
  memset(u, 0, sizeof *u);
  u->field = "file";
  u->f.task_id = id;
  if (read_upload(r, u))
    api_run_change(r, attach_fn, u);
}

/* ---- the material list ------------------------------------------------------
 */

static const char *material_status(const tb_app_state *st, size_t m) {
  uint64_t bit = UINT64_C(1) << m;
  if (st->from_license & bit)
    return "license";
  if (st->committed & bit)
    return "committed";
  if (st->gaps & bit)
    return "tolerated";
  return (st->provided & bit) ? "provided" : "missing";
}

/* The versions of one material, from the rows of its files (in order). */
static json_t *versions_of(const char *number, json_t *rows, const char *id) {
  json_t *versions = json_array(), *current = NULL;
  json_int_t at = 0;
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    const char *m = json_string_value(json_object_get(row, "material"));
    if (!m || strcmp(m, id) != 0)
      continue;
    json_int_t v = json_integer_value(json_object_get(row, "version"));
    if (!current || v != at) {
      current =
          json_pack("{s:I, s:b, s:[]}", "version", v, "replaced",
                    json_is_true(json_object_get(row, "replaced")), "files");
      json_array_append_new(versions, current);
      at = v;
    }
    json_t *f = file_of_row(number, row);
    if (f)
      json_array_append_new(json_object_get(current, "files"), f);
  }
  return versions;
}

static json_t *license_of(json_t *licenses, const char *id) {
  size_t i;
  json_t *l;
  json_array_foreach(licenses, i, l) {
    const char *m = json_string_value(json_object_get(l, "material"));
    if (m && strcmp(m, id) == 0) {
      json_t *o = json_deep_copy(l);
      json_object_del(o, "material");
      if (json_is_null(json_object_get(o, "revoked_at")))
        json_object_del(o, "revoked_at");
      return o;
    }
  }
  return json_null();
}

static json_t *materials_of(const char *number, const tb_definition *def,
                            const tb_app_state *st, json_t *rows,
                            json_t *licenses) {
  json_t *arr = json_array();
  for (size_t m = 0; m < def->n_materials && m < TB_MAX_MATERIALS; m++) {
    const tb_material *md = &def->materials[m];
    const char *status = material_status(st, m);
    json_t *o = json_pack("{s:s, s:s, s:b, s:s}", "id", md->id, "name",
                          md->name, "required", md->required, "status", status);
    if (strcmp(status, "tolerated") == 0)
      json_object_set_new(o, "due", api_json_day(st->gap_due[m]));
    if (strcmp(status, "license") == 0)
      json_object_set_new(o, "license", license_of(licenses, md->id));
    json_object_set_new(o, "versions", versions_of(number, rows, md->id));
    json_array_append_new(arr, o);
  }
  return arr;
}

/* The opinion files, grouped by task in the order of the rows. */
static json_t *opinions_of(const char *number, json_t *rows) {
  json_t *arr = json_array(), *current = NULL;
  json_int_t at = 0;
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    json_t *task = json_object_get(row, "task");
    if (!json_is_integer(task))
      continue;
    if (!current || json_integer_value(task) != at) {
      at = json_integer_value(task);
      current = json_pack("{s:I, s:O, s:O, s:[]}", "task", at, "bureau",
                          json_object_get(row, "bureau"), "task_name",
                          json_object_get(row, "task_name"), "files");
      json_array_append_new(arr, current);
    }
    json_t *f = file_of_row(number, row);
    if (f)
      json_array_append_new(json_object_get(current, "files"), f);
  }
  return arr;
}

/* Today, "YYYY-MM-DD", by the loaded calendar's time zone. */
static void today_text(tb_store *s, int64_t now, char out[16]) {
  const tb_calendar *cal = NULL;
  tb_store_calendar_get(s, &cal);
  json_t *d = api_json_day(tb_calendar_day_of(cal, now));
  snprintf(out, 16, "%s", json_is_string(d) ? json_string_value(d) : "");
  json_decref(d);
}

void api_h_materials_get(api_req *r) {
  const char *number = r->params[0];
  tb_store *s;
  const tb_definition *def;
  if (!open_app(r, &s, number, false, &def))
    return;
  tb_app_state st;
  char today[16], *files = NULL, *licenses = NULL;
  today_text(s, r->now, today);
  tb_store_status rc = tb_store_application_state(s, number, &st, &def);
  if (rc == TB_STORE_OK)
    rc = tb_store_files_read(s, number, &files);
  if (rc == TB_STORE_OK)
    rc = tb_store_material_licenses_read(s, number, today, &licenses);
  json_t *rows = rc == TB_STORE_OK ? api_json_load(files) : NULL;
  json_t *lic = rc == TB_STORE_OK ? api_json_load(licenses) : NULL;
  free(files);
  free(licenses);
  if (!json_is_array(rows) || !json_is_array(lic)) {
    json_decref(rows);
    json_decref(lic);
    api_fail_store(r, rc == TB_STORE_OK ? TB_STORE_ERROR : rc);
    return;
  }
  json_t *out = json_pack("{s:o, s:o}", "materials",
                          materials_of(number, def, &st, rows, lic), "opinions",
                          opinions_of(number, rows));
  json_decref(rows);
  json_decref(lic);
  api_reply_json(r, 200, out);
}

tb_store_status api_material_licenses_note(tb_store *s, const char *number,
                                           json_t *used) {
  size_t i;
  json_t *u;
  json_array_foreach(used, i, u) {
    const char *m = json_string_value(json_object_get(u, "material"));
    const char *id = json_string_value(json_object_get(u, "license_id"));
    tb_store_status rc =
        m && id ? tb_store_material_license_note_in(s, number, m, id, "valid")
                : TB_STORE_OK;
    if (rc != TB_STORE_OK)
      return rc;
  }
  return TB_STORE_OK;
}

/* ---- one file's bytes
 * ---------------------------------------------------------
 */

void api_file_reply(api_req *r, tb_store_file *f, bool download) {
  char disposition[1024];
  if (!api_filename_disposition(f->name, download, disposition,
                                sizeof disposition))
    api_filename_disposition("file", download, disposition, sizeof disposition);
  size_t size = f->size;
  struct MHD_Response *resp =
      MHD_create_response_from_buffer(size, f->bytes, MHD_RESPMEM_MUST_FREE);
  if (!resp) {
    api_fail(r, TB_PROBLEM_INTERNAL, "the file could not be sent");
    return;
  }
  f->bytes = NULL; /* the response frees them */
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, f->media_type);
  MHD_add_response_header(resp, "Content-Disposition", disposition);
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(resp, "Content-Security-Policy", FILE_CSP);
  MHD_add_response_header(resp, "Cache-Control", "private, max-age=3600");
  MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
  MHD_add_response_header(resp, "X-Request-Id", r->request_id);
  api_reply_response(r, 200, resp, (long long)size);
}

void api_reply_file(api_req *r, const char *type, char *bytes, size_t len,
                    const char *name, const char *fallback, bool attachment) {
  char disposition[1024];
  if (!api_filename_disposition(name, attachment, disposition,
                                sizeof disposition))
    api_filename_disposition(fallback, attachment, disposition,
                             sizeof disposition);
  struct MHD_Response *resp =
      MHD_create_response_from_buffer(len, bytes, MHD_RESPMEM_MUST_FREE);
  if (!resp) {
    free(bytes);
    api_fail(r, TB_PROBLEM_INTERNAL, "the file could not be sent");
    return;
  }
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  MHD_add_response_header(resp, "Content-Disposition", disposition);
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(resp, "Cache-Control", "no-store");
  MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
  MHD_add_response_header(resp, "X-Request-Id", r->request_id);
  api_reply_response(r, 200, resp, (long long)len);
}

void api_h_file_get(api_req *r) {
  const char *number = r->params[0];
  tb_store *s;
  const tb_definition *def;
  if (!open_app(r, &s, number, false, &def))
    return;
  char *end = NULL;
  errno = 0;
  long long id = strtoll(r->params[1], &end, 10);
  tb_store_file f;
  tb_store_status rc = TB_STORE_NOT_FOUND;
  if (!errno && end && !*end && id > 0)
    rc = tb_store_file_read(s, number, id, &f);
  if (rc == TB_STORE_NOT_FOUND) {
    api_fail(r, TB_PROBLEM_NOT_FOUND, "the application has no such file");
    return;
  }
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return;
  }
  const char *dl = api_query(r, "download");
  api_file_reply(r, &f, dl && strcmp(dl, "1") == 0);
  tb_store_file_clear(&f);
}
