/*
 * api_web.c — the pages of web/ served by tongban itself: GET / (the
 * start page), /web/{file}, the applicant's tracking page /t/{number}
 * and the verification page /v.
 *
 * The files are embedded into the binary at build time (api/embed_web.py),
 * so a deployment is one file and the pages always match the API they
 * call. Only names in the embedded table are served (web/ is flat; a path
 * segment never contains '/', so there is nothing to traverse). Each file
 * has a content hash as its ETag and "Cache-Control: no-cache": browsers
 * keep a copy and revalidate it (304) so a new binary is seen at once.
 */
#include "tb_api_int.h"

#include <microhttpd.h>
#include <string.h>

static const char CSP[] =
    "default-src 'self'; img-src 'self' data: blob:; frame-src 'self' blob:; "
    "style-src 'self'; "
    "script-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

static const api_web_file *find(const char *name) {
  for (size_t i = 0; i < api_web_file_count; i++)
    if (strcmp(api_web_files[i].name, name) == 0)
      return &api_web_files[i];
  return NULL;
}

/* The file a page route stands for. */
static const char *file_of(api_req *r) {
  const char *p = r->route->pattern;
  if (strcmp(p, "/") == 0)
    return "index.html";
  if (strcmp(p, "/t/{number}") == 0)
    return "track.html";
  if (strcmp(p, "/v") == 0)
    return "verify.html";
  return r->params[0];
}

static bool etag_matches(api_req *r, const char *etag) {
  const char *inm = api_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
  return inm && (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0);
}

void api_h_web(api_req *r) {
  const char *name = file_of(r);
  const api_web_file *f = name ? find(name) : NULL;
  if (!f) {
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such page");
    return;
  }
  bool fresh = etag_matches(r, f->etag);
  struct MHD_Response *resp = MHD_create_response_from_buffer(
      fresh ? 0 : f->len, fresh ? (void *)"" : (void *)f->data,
      MHD_RESPMEM_PERSISTENT);
  if (!resp) {
    api_fail(r, TB_PROBLEM_INTERNAL, "the page could not be sent");
    return;
  }
  if (!fresh)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, f->type);
  MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, f->etag);
  MHD_add_response_header(resp, "Cache-Control", "no-cache");
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
  MHD_add_response_header(resp, "X-Request-Id", r->request_id);
  if (strstr(f->type, "text/html"))
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
  api_reply_response(r, fresh ? 304 : 200, resp, fresh ? 0 : (long long)f->len);
}
