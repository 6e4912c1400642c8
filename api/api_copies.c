/*
 * api_copies.c — 抄送 for the officers it is sent to:
 *
 *   GET  /api/v1/copies?unread=true&limit=&before=   their copies
 *   POST /api/v1/copies/{id}/read                    mark one read
 *
 * A completed step copies a bureau, or one group (岗位) of it, for
 * information (the definition's <copy>; the transition writes the rows,
 * store/tb_store_copies.c). An officer sees the copies to their bureau
 * that name no group or a group they are in, newest first; marking read
 * records the first reader only, so it may be repeated (and honours an
 * Idempotency-Key, in the change's one transaction); a copy that is not
 * theirs is 404, as one that does not exist.
 */
#include "tb_api_int.h"
#include "tb_store_copies.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define COPIES_DEFAULT 50
#define COPIES_MAX 200

/* ?name= as a whole number lo..hi into *out (absent: untouched); false
 * with a field problem in pb. */
static bool query_number(api_req *r, api_problem *pb, const char *name,
                         long long lo, long long hi, long long *out) {
  const char *v = api_query(r, name);
  if (!v)
    return true;
  char *end = NULL;
  errno = 0;
  long long n = strtoll(v, &end, 10);
  if (errno || !end || *end || end == v || v[0] == '+' || n < lo || n > hi) {
    api_problem_field(pb, name, TB_PROBLEM_INVALID_REQUEST,
                      "must be a whole number from %lld to %lld", lo, hi);
    return false;
  }
  *out = n;
  return true;
}

/* ?unread= true or false (absent: false); false with a field problem. */
static bool query_unread(api_req *r, api_problem *pb, bool *out) {
  const char *v = api_query(r, "unread");
  *out = v && strcmp(v, "true") == 0;
  if (!v || *out || strcmp(v, "false") == 0)
    return true;
  api_problem_field(pb, "unread", TB_PROBLEM_INVALID_REQUEST,
                    "must be true or false");
  return false;
}

static tb_store_copy_reader reader_of(const api_req *r) {
  return (tb_store_copy_reader){
      .bureau = r->who.bureau, .groups = &r->who.groups, .account = r->who.id};
}

/* The stored bureau list (owned by the handle), or NULL. */
static const tb_bureau_list *bureaus_of(tb_store *s) {
  const tb_bureau_list *list = NULL;
  tb_problem p = {0};
  return tb_store_bureaus_get(s, &list, &p) == TB_STORE_OK ? list : NULL;
}

void api_h_copies_list(api_req *r) {
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_REQUEST, "the query has problems");
  long long limit = COPIES_DEFAULT, before = 0;
  bool unread = false;
  bool ok = query_unread(r, &pb, &unread);
  ok = query_number(r, &pb, "limit", 1, COPIES_MAX, &limit) && ok;
  ok = query_number(r, &pb, "before", 1, INT64_MAX, &before) && ok;
  if (!ok) {
    api_problem_send(r, &pb);
    return;
  }
  api_problem_free(&pb);
  tb_store *s = api_store(r);
  if (!s)
    return;
  tb_store_copy_reader who = reader_of(r);
  char *text = NULL;
  tb_store_status rc =
      tb_store_copies_list(s, &who, unread, (int)limit, before, &text);
  json_t *out = rc == TB_STORE_OK ? api_json_load(text) : NULL;
  free(text);
  if (!out) {
    api_fail_store(r, rc == TB_STORE_OK ? TB_STORE_ERROR : rc);
    return;
  }
  api_bureau_names_set(bureaus_of(s), json_object_get(out, "items"),
                       "from_bureau", "from_bureau_name");
  api_reply_json(r, 200, out);
}

/* What the change needs: the copy, and the bureau list read before the
 * transaction (so that the transaction sends the same statements every
 * time). */
typedef struct {
  int64_t id;
  const tb_bureau_list *bureaus;
} read_job;

/* In the change's transaction: mark the copy read and answer it. */
static tb_store_status read_change(api_req *r, tb_store *s, void *cls) {
  const read_job *j = cls;
  tb_store_copy_reader who = reader_of(r);
  char *text = NULL;
  tb_store_status rc = tb_store_copy_read_in(s, &who, j->id, &text);
  if (rc == TB_STORE_NOT_FOUND) {
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no copy %lld for you", (long long)j->id);
    return rc;
  }
  json_t *out = rc == TB_STORE_OK ? api_json_load(text) : NULL;
  free(text);
  json_t *items = json_object_get(out, "items");
  json_t *item = json_array_get(items, 0);
  if (rc != TB_STORE_OK || !item) {
    json_decref(out);
    return rc == TB_STORE_OK ? TB_STORE_ERROR : rc;
  }
  api_bureau_names_set(j->bureaus, items, "from_bureau", "from_bureau_name");
  json_incref(item);
  json_decref(out);
  api_reply_json(r, 200, item);
  return TB_STORE_OK;
}

void api_h_copy_read(api_req *r) {
  read_job *j = tb_arena_alloc(r->arena, sizeof *j);
  j->id = api_path_id(r, "copy");
  if (!j->id)
    return;
  tb_store *s = api_store(r);
  if (!s)
    return;
  j->bureaus = bureaus_of(s);
  api_field spec[] = {API_END}; /* no body but {} */
  api_run_change_fields(r, spec, read_change, j);
}
