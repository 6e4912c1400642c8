/*
 * api_reply.c — answers: JSON bodies, and problems in the shape of
 * RFC 9457 (application/problem+json):
 *   {"type", "title", "status", "code", "detail", "errors": [{"field",
 *    "code", "detail"}]}
 * with a stable machine `code`. Store and library failures become 500 /
 * 503 problems whose text never carries SQL or library messages.
 */
#include "tb_api_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PROBLEM_TYPE "https://tongban.example/problems/"

static const char *reason(int status) {
  switch (status) {
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 403:
    return "Forbidden";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 406:
    return "Not Acceptable";
  case 409:
    return "Conflict";
  case 413:
    return "Content Too Large";
  case 415:
    return "Unsupported Media Type";
  case 422:
    return "Unprocessable Content";
  case 429:
    return "Too Many Requests";
  case 500:
    return "Internal Server Error";
  case 501:
    return "Not Implemented";
  case 503:
    return "Service Unavailable";
  default:
    return "Error";
  }
}

void api_reply_forget(api_req *r) {
  r->replied = false;
  r->status = 0;
  r->content_type = NULL;
  r->reply = NULL;
  r->reply_len = 0;
  r->location = NULL;
  r->retry_after = 0;
}

void api_reply_raw(api_req *r, int status, const char *content_type,
                   const char *body, size_t len) {
  r->status = status;
  r->content_type = content_type;
  r->reply = tb_arena_strndup(r->arena, body ? body : "", body ? len : 0);
  r->reply_len = body ? len : 0;
  r->replied = true;
}

/* The registry's internal problem, written without jansson: the answer
 * when a reply cannot be serialized (jansson out of memory). The English
 * descriptions hold no character JSON would escape (tests/engine checks). */
static void reply_internal_raw(api_req *r) {
  const tb_problem_info *info = tb_problem_info_of(TB_PROBLEM_INTERNAL);
  char text[512];
  int n = snprintf(text, sizeof text,
                   "{\"type\":\"" PROBLEM_TYPE "%s\",\"title\":\"%s\","
                   "\"status\":%d,\"code\":\"%s\",\"detail\":\"%s\","
                   "\"errors\":[]}",
                   info->code, reason(info->http_status), info->http_status,
                   info->code, info->en);
  size_t len = n < 0 ? 0 : (size_t)n < sizeof text ? (size_t)n : 0;
  api_reply_raw(r, info->http_status, "application/problem+json", text, len);
}

static void reply_value(api_req *r, int status, const char *ctype,
                        json_t *value) {
  char *text = json_dumps(value, JSON_COMPACT);
  json_decref(value);
  if (!text) {
    reply_internal_raw(r);
    return;
  }
  api_reply_raw(r, status, ctype, text, strlen(text));
  free(text);
}

void api_reply_json(api_req *r, int status, json_t *value) {
  reply_value(r, status, "application/json", value);
}

void api_problem_init(api_problem *pb, tb_problem_code code,
                      const char *detail) {
  const tb_problem_info *info = tb_problem_info_of(code);
  char type[128], text[400];
  snprintf(type, sizeof type, PROBLEM_TYPE "%s", info->code);
  snprintf(text, sizeof text, "%s", detail ? detail : "");
  /* details may quote input cut inside a character (jansson's "near
   * '…'"): bytes that break UTF-8 become '?' */
  tb_utf8_scrub(text, strlen(text));
  pb->status = info->http_status;
  pb->errors = json_array();
  pb->obj = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", type, "title",
                      reason(info->http_status), "status", info->http_status,
                      "code", info->code, "detail", text);
}

void api_problem_field(api_problem *pb, const char *field, tb_problem_code code,
                       const char *fmt, ...) {
  char detail[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  char name[128];
  snprintf(name, sizeof name, "%s", field);
  tb_utf8_scrub(name, strlen(name));
  tb_utf8_scrub(detail, strlen(detail));
  json_array_append_new(
      pb->errors, json_pack("{s:s, s:s, s:s}", "field", name, "code",
                            tb_problem_info_of(code)->code, "detail", detail));
}

bool api_problem_has_errors(const api_problem *pb) {
  return json_array_size(pb->errors) > 0;
}

void api_problem_set(api_problem *pb, const char *key, json_t *value) {
  json_object_set_new(pb->obj, key, value);
}

void api_problem_free(api_problem *pb) {
  json_decref(pb->obj);
  json_decref(pb->errors);
  pb->obj = pb->errors = NULL;
}

void api_problem_send(api_req *r, api_problem *pb) {
  json_object_set(pb->obj, "errors", pb->errors);
  json_t *obj = pb->obj;
  pb->obj = NULL;
  json_decref(pb->errors);
  pb->errors = NULL;
  reply_value(r, pb->status, "application/problem+json", obj);
}

void api_fail(api_req *r, tb_problem_code code, const char *fmt, ...) {
  char detail[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  api_problem pb;
  api_problem_init(&pb, code, detail);
  api_problem_send(r, &pb);
}

void api_fail_field(api_req *r, tb_problem_code code, const char *field,
                    const char *fmt, ...) {
  char detail[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  api_problem pb;
  api_problem_init(&pb, code, detail);
  api_problem_field(&pb, field, code, "%s", detail);
  api_problem_send(r, &pb);
}

void api_fail_store(api_req *r, tb_store_status rc) {
  switch (rc) {
  case TB_STORE_UNAVAILABLE:
    r->retry_after = 5;
    api_fail(r, TB_PROBLEM_DATABASE_UNAVAILABLE,
             "the database could not be reached; try again shortly");
    break;
  case TB_STORE_BUSY:
    r->retry_after = 1;
    api_fail(r, TB_PROBLEM_BUSY,
             "the request could not be completed under load; try again");
    break;
  case TB_STORE_UNKNOWN:
    r->retry_after = 1;
    api_fail(r, TB_PROBLEM_OUTCOME_UNKNOWN,
             "the connection to the database was lost while the change was "
             "being committed: it may or may not have been saved; repeat "
             "the request with the same Idempotency-Key to be sure it is "
             "done once");
    break;
  case TB_STORE_NOT_FOUND:
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such resource");
    break;
  default:
    api_fail(r, TB_PROBLEM_INTERNAL,
             "the request could not be completed; the server log has the "
             "details (request %s)",
             r->request_id);
    break;
  }
}

void api_fail_engine(api_req *r, const tb_problem *p, tb_app_status current,
                     int64_t current_task) {
  tb_problem_code code = tb_status_problem(p->status);
  api_problem pb;
  api_problem_init(&pb, code, p->detail);
  if (p->field[0])
    api_problem_field(&pb, p->field, code, "%s", p->detail);
  if (pb.status == 409)
    api_problem_set(&pb, "state", json_string(tb_app_status_name(current)));
  if (code == TB_PROBLEM_TASK_SUPERSEDED)
    api_problem_set(&pb, "current_task",
                    current_task ? json_integer((json_int_t)current_task)
                                 : json_null());
  api_problem_send(r, &pb);
}
