/*
 * api_web.c — the pages of web/ served by tongban itself: GET / (the
 * start page), /web/{file}, the applicant's tracking page /t/{number},
 * the verification page /v and the icon /favicon.ico (web/favicon.svg).
 *
 * The files are embedded into the binary at build time (api/embed_web.py),
 * so a deployment is one file and the pages always match the API they
 * call. Only names in the embedded table are served (web/ is flat; a path
 * segment never contains '/', so there is nothing to traverse). Each file
 * has a content hash as its ETag and "Cache-Control: no-cache": browsers
 * keep a copy and revalidate it (304) so a new binary is seen at once.
 * Text files go out gzip-compressed when the client takes it, with an
 * ETag of their own and Vary: Accept-Encoding.
 */
#include "api_http.h"
#include "tb_api_int.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
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

/* ---- the gzip copies --------------------------------------------------------
 *
 * Made once, on the first page asked for, and kept for the life of the
 * process (they are the same for every server in it). A file that gzip
 * does not shrink, or whose type is compressed already, has none. The
 * ETag of a copy is the file's with "-gz" inside the quotes: the two
 * representations never share an ETag. */

typedef struct {
  char *data; /* NULL: no gzip copy */
  size_t len;
  char etag[48];
} gz_copy;

static gz_copy *gz_copies;
static pthread_once_t gz_once = PTHREAD_ONCE_INIT;

static void make_gz_copies(void) {
  gz_copies = tb_xcalloc(api_web_file_count ? api_web_file_count : 1,
                         sizeof *gz_copies);
  for (size_t i = 0; i < api_web_file_count; i++) {
    const api_web_file *f = &api_web_files[i];
    gz_copy *g = &gz_copies[i];
    size_t n = strlen(f->etag);
    if (!api_http_compressible(f->type) || n < 2 || n + 3 >= sizeof g->etag ||
        !api_http_gzip(f->data, f->len, &g->data, &g->len))
      continue;
    snprintf(g->etag, sizeof g->etag, "%.*s-gz\"", (int)(n - 1), f->etag);
  }
}

/* The gzip copy of f when the request takes gzip and there is one. */
static const gz_copy *gz_of(api_req *r, const api_web_file *f) {
  if (!api_http_gzip_accepted(api_header(r, MHD_HTTP_HEADER_ACCEPT_ENCODING)))
    return NULL;
  pthread_once(&gz_once, make_gz_copies);
  const gz_copy *g = &gz_copies[f - api_web_files];
  return g->data ? g : NULL;
}

/* ---- the answer -----------------------------------------------------------
 */

/* The file a page route stands for. */
static const char *file_of(api_req *r) {
  const char *p = r->route->pattern;
  if (strcmp(p, "/") == 0)
    return "index.html";
  if (strcmp(p, "/t/{number}") == 0)
    return "track.html";
  if (strcmp(p, "/v") == 0)
    return "verify.html";
  if (strcmp(p, "/favicon.ico") == 0)
    return "favicon.svg";
  return r->params[0];
}

/* If-None-Match (a comma list of entity tags, or "*") against etag, by
 * the weak comparison RFC 9110 §13.1.2 asks for. */
static bool etag_matches(api_req *r, const char *etag) {
  const char *p = api_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
  size_t n = strlen(etag);
  while (p && *p) {
    p += strspn(p, " \t,");
    if (*p == '*')
      return true;
    if (strncmp(p, "W/", 2) == 0)
      p += 2;
    size_t len = strcspn(p, ",");
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
      len--;
    if (len == n && memcmp(p, etag, n) == 0)
      return true;
    p += strcspn(p, ",");
  }
  return false;
}

void api_h_web(api_req *r) {
  const char *name = file_of(r);
  const api_web_file *f = name ? find(name) : NULL;
  if (!f) {
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such page");
    return;
  }
  const gz_copy *g = gz_of(r, f);
  const char *etag = g ? g->etag : f->etag;
  bool fresh = etag_matches(r, etag);
  /* a 304 carries the headers of the 200, and libmicrohttpd writes its
   * Content-Length from the body given: the full representation's */
  struct MHD_Response *resp = MHD_create_response_from_buffer(
      g ? g->len : f->len, g ? (void *)g->data : (void *)f->data,
      MHD_RESPMEM_PERSISTENT);
  if (!resp) {
    api_fail(r, TB_PROBLEM_INTERNAL, "the page could not be sent");
    return;
  }
  if (!fresh)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, f->type);
  if (g && !fresh)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
  if (api_http_compressible(f->type))
    MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY,
                            MHD_HTTP_HEADER_ACCEPT_ENCODING);
  MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
  MHD_add_response_header(resp, "Cache-Control", "no-cache");
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
  MHD_add_response_header(resp, "X-Request-Id", r->request_id);
  if (strstr(f->type, "text/html"))
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
  api_reply_response(r, fresh ? 304 : 200, resp,
                     fresh ? 0 : (long long)(g ? g->len : f->len));
}
