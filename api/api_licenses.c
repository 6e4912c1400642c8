/*
 * api_licenses.c — electronic licenses (电子证照) over HTTP:
 *
 *   GET  /api/v1/licenses?holder=ID       a holder's licenses (one number)
 *   GET  /api/v1/licenses?application=N   the licenses an application issued
 *   GET  /api/v1/licenses/{id}            one license, payload, revocation
 *   GET  /api/v1/licenses/{id}/qr.png     its QR code: a link to the
 *                                         verification page,
 *                                         PUBLIC-URL/v?p=PAYLOAD
 *   GET  /api/v1/licenses/{id}.svg        the printable license (these
 *                                         two: staff, or anyone with
 *                                         ?code= the tracking code of
 *                                         the license's application)
 *   POST /api/v1/licenses/verify          {"payload"} → the verdict (a
 *                                         payload, or a link carrying one)
 *   POST /api/v1/licenses/{id}/revoke     {"reason"}: admin, or an officer
 *                                         of the issuing bureau; audited
 *   GET  /api/v1/trust                    the trust list (PEM)
 *   GET  /api/v1/revocations              the signed revocation list
 *   GET  /api/v1/applications/{number}/qr.png, /qr.svg
 *                                         the receipt's QR code: the
 *                                         tracking page PUBLIC-URL/t/
 *                                         {number}?c=CODE
 *
 * PUBLIC-URL is the server's --public-url (api_public_url), never the
 * request's Host. And the license side of intake (materials filled in
 * from the holder's valid licenses) and of tracking. The keys folder is
 * given at start-up: each server loads its trust list once and opens an
 * issuer for its signing keys, both kept in the server's own api_licenses
 * (nothing is shared between two servers of one process). Issuance
 * happens inside transitions, in store/, through the handler this file
 * wires: the store asks, tb_license_issue builds and signs, the store
 * writes the row.
 */
#include "tb_api_int.h"
#include "tb_license.h"
#include "tb_log.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QR_SCALE 6
#define API_LINK_PAGE_MAX 300 /* the public URL (< 256 bytes) and a route */
#define MAX_REASON 1000
#define LIST_NEXT_UPDATE 86400 /* a verifier fetches the list daily */
#define LIST_CACHE_SECONDS 60  /* a signed list is reused this long */

/* ---- start-up: the server's keys ------------------------------------------
 */

struct api_licenses {
  char *trust_pem;
  size_t trust_len;
  tb_license_trust *trust;
  tb_license_issuer *issuer;
  tb_store_license_handler handler; /* issue_license, this */
  tb_license_signer *list_signer;   /* signs the revocation list */
  /* The last signed revocation list, reused while no license was revoked
   * since (the count of revoked licenses is unchanged) and it is younger
   * than LIST_CACHE_SECONDS. */
  pthread_mutex_t list_lock;
  char *list;
  size_t list_len;
  int64_t list_count, list_at;
};

/* The store's license handler: the order in the license library's terms,
 * tb_license_issue, and the row the store writes (in its arena). */
static tb_store_status issue_license(void *cls, const tb_store_license_order *o,
                                     tb_store_license_issued *out) {
  api_licenses *l = cls;
  tb_license_order lo = {.application = o->number,
                         .def = o->def,
                         .license = o->effect->license,
                         .holder_name = o->holder_name,
                         .holder_number = o->holder_number,
                         .issuer = o->issuer,
                         .form = o->form,
                         .outputs = o->outputs,
                         .serial = o->serial,
                         .at = o->at,
                         .today = o->today};
  tb_license_issued li;
  tb_problem p = {0};
  tb_license_status st = tb_license_issue(l->issuer, &lo, &li, &p);
  if (st != TB_LICENSE_OK) {
    tb_log_kv(TB_LOG_ERROR, "api",
              "license NOT issued; the transition is rolled back",
              TB_LOG_S("application", o->number),
              TB_LOG_S("type", o->license->type_code),
              TB_LOG_S("error", p.detail[0] ? p.detail : "failed"),
              TB_LOG_S("code", tb_license_status_code(st)));
    tb_license_free_issued(&li);
    return TB_STORE_ERROR;
  }
  tb_arena *a = out->arena;
  const tb_license *lic = &li.license;
  out->id = tb_arena_strdup(a, lic->id);
  out->type_code = tb_arena_strdup(a, lic->type_code);
  out->type_name = tb_arena_strdup(a, lic->type_name);
  out->holder_name = tb_arena_strdup(a, lic->holder_name);
  out->holder_number = tb_arena_strdup(a, lic->holder_number);
  out->issuer_code = tb_arena_strdup(a, lic->issuer_code);
  out->issuer_credit_code = tb_arena_strdup(a, lic->issuer_credit_code);
  out->valid_from = lic->valid_from;
  out->valid_until =
      lic->valid_until == TB_LICENSE_LONG_TERM ? 0 : lic->valid_until;
  out->canonical = tb_arena_strndup(a, li.sig.json, li.sig.json_len);
  uint8_t *sig = tb_arena_alloc(a, li.sig.signature_len + 1);
  memcpy(sig, li.sig.signature, li.sig.signature_len);
  out->signature = sig;
  out->signature_len = li.sig.signature_len;
  out->key_id = tb_arena_strdup(a, li.sig.key_id);
  out->payload = tb_arena_strndup(a, li.payload, li.payload_len);
  tb_license_free_issued(&li);
  return TB_STORE_OK;
}

/* The keys folder's trust list and an issuer for its signing keys. */
static bool open_keys(api_licenses *l, const char *keys_dir,
                      const char *passphrase, char *err, size_t err_len) {
  tb_problem p = {0};
  char pass[1024] = "";
  tb_license_status st = TB_LICENSE_OK;
  if (!passphrase) {
    st = tb_license_passphrase_from_env(pass, sizeof pass, &p);
    if (st != TB_LICENSE_OK && st != TB_LICENSE_ERR_NOT_FOUND) {
      snprintf(err, err_len, "the key passphrase: %s", p.detail);
      return false;
    }
    passphrase = pass;
  }
  st = tb_license_issuer_open(keys_dir, passphrase, &l->issuer, &p);
  if (st == TB_LICENSE_OK)
    st = tb_license_signer_open(keys_dir, TB_LICENSE_SIGNER_REVOCATIONS,
                                passphrase, &l->list_signer, &p);
  OPENSSL_cleanse(pass, sizeof pass);
  if (st == TB_LICENSE_OK)
    st = tb_license_read_trust_list(keys_dir, &l->trust_pem, &l->trust_len, &p);
  if (st == TB_LICENSE_OK)
    st = tb_license_load_trust(l->trust_pem, l->trust_len, &l->trust, &p);
  if (st != TB_LICENSE_OK)
    snprintf(err, err_len, "the license keys in %s: %s", keys_dir,
             p.detail[0] ? p.detail : tb_license_status_code(st));
  return st == TB_LICENSE_OK;
}

bool api_licenses_open(const char *keys_dir, const char *passphrase,
                       api_licenses **out, char *err, size_t err_len) {
  *out = NULL;
  if (!keys_dir || !*keys_dir)
    return true;
  api_licenses *l = tb_xcalloc(1, sizeof *l);
  pthread_mutex_init(&l->list_lock, NULL);
  if (!open_keys(l, keys_dir, passphrase, err, err_len)) {
    api_licenses_close(l);
    return false;
  }
  l->handler = (tb_store_license_handler){issue_license, l};
  *out = l;
  return true;
}

void api_licenses_close(api_licenses *l) {
  if (!l)
    return;
  tb_license_free_trust(l->trust);
  free(l->trust_pem);
  tb_license_issuer_close(l->issuer);
  tb_license_signer_close(l->list_signer);
  pthread_mutex_destroy(&l->list_lock);
  free(l->list);
  free(l);
}

const tb_store_license_handler *api_licenses_handler(const api_licenses *l) {
  return l ? &l->handler : NULL;
}

/* The server's trust list, or NULL with a 503 set. Valid until the server
 * stops (after the requests in flight). */
static const tb_license_trust *trust_of(api_req *r) {
  const api_licenses *l = api_licenses_of(r);
  if (!l) {
    r->retry_after = 60;
    api_fail(r, TB_PROBLEM_LICENSES_UNAVAILABLE,
             "this server has no license keys configured");
  }
  return l ? l->trust : NULL;
}

/* ---- helpers ------------------------------------------------------------- */

static bool license_id_ok(const char *id) {
  return id && strlen(id) < TB_LICENSE_ID_MAX &&
         tb_id_check_license_id(id, strlen(id), NULL) == TB_OK;
}

static void no_license(api_req *r) {
  api_fail(r, TB_PROBLEM_NOT_FOUND, "no such license");
}

/* The license named in the path (brief), or false with a reply set. */
static bool load_brief(api_req *r, tb_store **s, tb_store_license_brief *b) {
  memset(b, 0, sizeof *b);
  if (!license_id_ok(r->params[0])) {
    no_license(r);
    return false;
  }
  *s = api_store(r);
  if (!*s)
    return false;
  tb_store_status rc = tb_store_license_brief_get(*s, r->params[0], b);
  if (rc == TB_STORE_NOT_FOUND)
    no_license(r);
  else if (rc != TB_STORE_OK)
    api_fail_store(r, rc);
  return rc == TB_STORE_OK;
}

/* The license named in the path for the caller: staff by token; anyone
 * else with ?code= being the tracking code of the application the license
 * came from. An unknown license and a wrong or missing code get the same
 * 404, and both count against the client's tracking guesses. */
static bool load_for_caller(api_req *r, tb_store **s,
                            tb_store_license_brief *b) {
  if (r->authed)
    return load_brief(r, s, b);
  memset(b, 0, sizeof *b);
  *s = api_store(r);
  if (!*s || !api_track_allow(r, *s))
    return false;
  tb_store_status rc = TB_STORE_NOT_FOUND;
  if (license_id_ok(r->params[0]))
    rc = tb_store_license_brief_get(*s, r->params[0], b);
  if (rc != TB_STORE_OK && rc != TB_STORE_NOT_FOUND) {
    api_fail_store(r, rc);
    return false;
  }
  bool match = false;
  if (rc == TB_STORE_NOT_FOUND)
    api_track_miss(r, *s);
  else if (!api_track_match(r, *s, b->application, api_query(r, "code"),
                            &match))
    return false;
  if (!match)
    no_license(r);
  return match;
}

static tb_day today_of(tb_store *s, int64_t now) {
  const tb_calendar *cal = NULL;
  if (tb_store_calendar_get(s, &cal) != TB_STORE_OK || !cal)
    return (tb_day)((now + 28800) / 86400);
  return tb_calendar_day_of(cal, now);
}

static bool brief_valid_on(const tb_store_license_brief *b, tb_day today) {
  return !b->revoked && b->valid_from <= today &&
         (b->valid_until == 0 || b->valid_until >= today);
}

/* Reply with a stored JSON text. */
static void reply_text(api_req *r, tb_store_status rc, char *json,
                       const char *wrap) {
  if (rc == TB_STORE_NOT_FOUND)
    no_license(r);
  else if (rc != TB_STORE_OK)
    api_fail_store(r, rc);
  else {
    json_t *v = api_json_load(json);
    if (!v)
      api_fail_store(r, TB_STORE_ERROR);
    else
      api_reply_json(r, 200, wrap ? json_pack("{s:o}", wrap, v) : v);
  }
  free(json);
}

/* ---- reading ------------------------------------------------------------- */

/* ?application=N: the licenses application N issued, in the order
 * issued (the window shows them at delivery, the issuing bureau finds the
 * one to revoke); an unknown number has none. */
static void application_licenses(api_req *r, const char *number) {
  if (tb_id_check_app_number(number, strlen(number), NULL) != TB_OK) {
    api_fail_field(r, TB_PROBLEM_INVALID_REQUEST, "application",
                   "not a valid application number");
    return;
  }
  tb_store *s = api_store(r);
  if (!s)
    return;
  char *json = NULL;
  tb_store_status rc = tb_store_application_licenses_read(s, number, &json);
  reply_text(r, rc, json, "items");
}

void api_h_licenses_list(api_req *r) {
  const char *holder = api_query(r, "holder");
  const char *number = api_query(r, "application");
  tb_problem p = {0};
  size_t n = holder ? strlen(holder) : 0;
  if (holder && number) {
    api_fail_field(r, TB_PROBLEM_INVALID_REQUEST, "application",
                   "give ?holder= or ?application=, not both");
    return;
  }
  if (number) {
    application_licenses(r, number);
    return;
  }
  if (!holder) {
    api_fail_field(r, TB_PROBLEM_INVALID_REQUEST, "holder",
                   "give ?holder= (a citizen ID or credit code) or "
                   "?application= (an application number)");
    return;
  }
  tb_store *s = api_store(r);
  if (!s)
    return;
  if (tb_id_check_citizen(holder, n, today_of(s, r->now), &p) != TB_OK &&
      tb_id_check_credit_code(holder, n, &p) != TB_OK) {
    api_fail_field(r, TB_PROBLEM_INVALID_REQUEST, "holder",
                   "not a valid citizen ID or credit code");
    return;
  }
  char *json = NULL;
  tb_store_status rc = tb_store_holder_licenses_read(s, holder, &json);
  reply_text(r, rc, json, "items");
}

void api_h_license_get(api_req *r) {
  if (!license_id_ok(r->params[0])) {
    no_license(r);
    return;
  }
  tb_store *s = api_store(r);
  if (!s)
    return;
  char *json = NULL;
  tb_store_status rc = tb_store_license_read(s, r->params[0], &json);
  reply_text(r, rc, json, NULL);
}

void api_h_trust(api_req *r) {
  if (!trust_of(r))
    return;
  const api_licenses *l = api_licenses_of(r);
  api_reply_raw(r, 200, "application/x-pem-file", l->trust_pem, l->trust_len);
}

/* ---- the revocation list ---------------------------------------------------
 */

/* A copy of the cached list if it still holds for `count` revoked
 * licenses at `now`; NULL otherwise. */
static char *cached_list(api_licenses *l, int64_t count, int64_t now,
                         size_t *len) {
  char *copy = NULL;
  pthread_mutex_lock(&l->list_lock);
  if (l->list && l->list_count == count && now >= l->list_at &&
      now - l->list_at < LIST_CACHE_SECONDS) {
    copy = tb_xstrndup(l->list, l->list_len);
    *len = l->list_len;
  }
  pthread_mutex_unlock(&l->list_lock);
  return copy;
}

static void cache_list(api_licenses *l, const char *list, size_t len,
                       int64_t count, int64_t now) {
  pthread_mutex_lock(&l->list_lock);
  free(l->list);
  l->list = tb_xstrndup(list, len);
  l->list_len = len;
  l->list_count = count;
  l->list_at = now;
  pthread_mutex_unlock(&l->list_lock);
}

/* Read every revoked license and sign the list dated now. */
static tb_store_status sign_list(api_licenses *l, tb_store *s, int64_t now,
                                 char **out, size_t *len) {
  tb_arena *a = tb_arena_new();
  tb_store_revoked *rows = NULL;
  size_t n = 0;
  tb_store_status rc = tb_store_revocations_read(s, a, &rows, &n);
  tb_license_revoked *items = tb_xcalloc(n ? n : 1, sizeof *items);
  for (size_t i = 0; rc == TB_STORE_OK && i < n; i++)
    items[i] =
        (tb_license_revoked){rows[i].id, rows[i].revoked_at, rows[i].reason};
  tb_problem p = {0};
  tb_license_status st = TB_LICENSE_OK;
  if (rc == TB_STORE_OK)
    st = tb_license_revocations_sign(l->list_signer, items, n, now,
                                     now + LIST_NEXT_UPDATE, out, len, &p);
  if (st != TB_LICENSE_OK) {
    tb_log_kv(TB_LOG_ERROR, "api", "cannot sign the revocation list",
              TB_LOG_S("error", p.detail[0] ? p.detail : "failed"),
              TB_LOG_S("code", tb_license_status_code(st)));
    rc = TB_STORE_ERROR;
  }
  free(items);
  tb_arena_free(a);
  return rc;
}

void api_h_revocations(api_req *r) {
  if (!trust_of(r))
    return;
  api_licenses *l = api_licenses_of(r);
  tb_store *s = api_store(r);
  if (!s)
    return;
  int64_t count = 0;
  tb_store_status rc = tb_store_revocations_count(s, &count);
  size_t len = 0;
  char *list = rc == TB_STORE_OK ? cached_list(l, count, r->now, &len) : NULL;
  if (rc == TB_STORE_OK && !list) {
    rc = sign_list(l, s, r->now, &list, &len);
    if (rc == TB_STORE_OK)
      cache_list(l, list, len, count, r->now);
  }
  if (rc != TB_STORE_OK)
    api_fail_store(r, rc);
  else
    api_reply_raw(r, 200, "application/json", list, len);
  free(list);
}

/* ---- rendering ------------------------------------------------------------
 */

static void reply_png(api_req *r, const char *text) {
  unsigned char *png = NULL;
  size_t len = 0;
  tb_problem p = {0};
  tb_license_status st =
      tb_license_render_qr_png(text, QR_SCALE, &png, &len, NULL, &p);
  if (st != TB_LICENSE_OK) {
    tb_log_kv(TB_LOG_ERROR, "api", "cannot draw a QR code as PNG",
              TB_LOG_S("id", r->request_id), TB_LOG_S("error", p.detail));
    api_fail_store(r, TB_STORE_ERROR);
  } else {
    api_reply_raw(r, 200, "image/png", (const char *)png, len);
  }
  free(png);
}

static void reply_svg(api_req *r, char *svg, size_t len, tb_license_status st,
                      const tb_problem *p) {
  if (st != TB_LICENSE_OK) {
    tb_log_kv(TB_LOG_ERROR, "api", "cannot draw an SVG",
              TB_LOG_S("id", r->request_id), TB_LOG_S("error", p->detail));
    api_fail_store(r, TB_STORE_ERROR);
  } else {
    api_reply_raw(r, 200, "image/svg+xml; charset=utf-8", svg, len);
  }
  free(svg);
}

/* What a license QR code carries: the verification page's link with the
 * payload (<public-url>/v?p=…), or the payload when the link would not
 * fit a QR code. NULL (logged) only when the payload is unusable. */
static char *license_qr_text(api_req *r, const char *payload) {
  char page[API_LINK_PAGE_MAX];
  snprintf(page, sizeof page, "%s/v", api_public_url(r));
  char *text = NULL;
  size_t len = 0;
  bool linked = false;
  tb_problem p = {0};
  if (tb_license_qr_text(page, payload, &text, &len, &linked, &p) !=
      TB_LICENSE_OK)
    tb_log_kv(TB_LOG_ERROR, "api", "cannot make a license qr text",
              TB_LOG_S("id", r->request_id), TB_LOG_S("error", p.detail));
  else if (!linked)
    tb_log_kv(TB_LOG_WARN, "api",
              "the verification link does not fit a qr code: the code "
              "carries the bare payload",
              TB_LOG_S("id", r->request_id));
  return text;
}

void api_h_license_qr_png(api_req *r) {
  tb_store *s;
  tb_store_license_brief b;
  if (load_for_caller(r, &s, &b)) {
    char *text = license_qr_text(r, b.payload);
    if (text)
      reply_png(r, text);
    else
      api_fail_store(r, TB_STORE_ERROR);
    free(text);
  }
  tb_store_license_brief_clear(&b);
}

void api_h_license_svg(api_req *r) {
  tb_store *s;
  tb_store_license_brief b;
  const tb_license_trust *t = NULL;
  if (!load_for_caller(r, &s, &b) || !(t = trust_of(r))) {
    tb_store_license_brief_clear(&b);
    return;
  }
  /* decode the stored payload: what is printed is what was signed */
  tb_license_verdict v;
  bool have = tb_license_verify(b.payload, strlen(b.payload), t, r->now, NULL,
                                NULL, &v) == TB_LICENSE_OK;
  tb_problem p = {0};
  char *svg = NULL;
  size_t len = 0;
  tb_license_status st = TB_LICENSE_ERR_INVALID;
  char *text = have && v.decoded ? license_qr_text(r, b.payload) : NULL;
  if (text)
    st = tb_license_render_svg(&v.license, text, &svg, &len, &p);
  else
    tb_problem_set(&p, TB_ERR_INVALID, NULL,
                   "stored payload of %s is malformed", b.id);
  free(text);
  if (have)
    tb_license_free_verdict(&v);
  reply_svg(r, svg, len, st, &p);
  tb_store_license_brief_clear(&b);
}

bool api_tracking_url(api_req *r, const char *number, const char *code,
                      char *out, size_t cap) {
  int n = snprintf(out, cap, "%s/t/%s%s%s", api_public_url(r), number,
                   code ? "?c=" : "", code ? code : "");
  return n > 0 && (size_t)n < cap;
}

/* The receipt's QR code; false when a reply was set instead. */
static bool receipt_url(api_req *r, char *url, size_t cap) {
  const char *number = r->params[0];
  if (!number ||
      tb_id_check_app_number(number, strlen(number), NULL) != TB_OK) {
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such application");
    return false;
  }
  const char *code = api_query(r, "c");
  if (code &&
      (!*code || strlen(code) > 64 ||
       strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(code))) {
    api_fail_field(r, TB_PROBLEM_INVALID_REQUEST, "c",
                   "the tracking code is 1 to 64 letters and digits");
    return false;
  }
  return api_tracking_url(r, number, code, url, cap);
}

void api_h_app_qr_png(api_req *r) {
  char url[API_LINK_PAGE_MAX + 128];
  if (receipt_url(r, url, sizeof url))
    reply_png(r, url);
  else if (!r->replied)
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such application");
}

void api_h_app_qr_svg(api_req *r) {
  char url[API_LINK_PAGE_MAX + 128];
  if (!receipt_url(r, url, sizeof url)) {
    if (!r->replied)
      api_fail(r, TB_PROBLEM_NOT_FOUND, "no such application");
    return;
  }
  char *svg = NULL;
  size_t len = 0;
  tb_problem p = {0};
  tb_license_status st =
      tb_license_render_qr_svg(url, QR_SCALE, &svg, &len, NULL, &p);
  reply_svg(r, svg, len, st, &p);
}

/* ---- verification ----------------------------------------------------------
 */

static tb_license_revocation revoked_cb(void *arg, const char *id, char *reason,
                                        size_t reason_size) {
  tb_store_license_brief b;
  tb_store_status rc = tb_store_license_brief_get(arg, id, &b);
  tb_license_revocation out = TB_LICENSE_NOT_REVOKED;
  if (rc == TB_STORE_OK && b.revoked) {
    out = TB_LICENSE_IS_REVOKED;
    snprintf(reason, reason_size, "%s", b.revocation_reason);
  } else if (rc != TB_STORE_OK && rc != TB_STORE_NOT_FOUND) {
    out = TB_LICENSE_REVOCATION_FAILED;
  }
  tb_store_license_brief_clear(&b);
  return out;
}

/* The payload of what was sent: a payload, or a verification link that
 * carries one (tb_license_link_payload); NULL when refused (422 set). */
static char *payload_of_text(api_req *r, const char *text) {
  char *payload = NULL;
  size_t len = 0;
  tb_problem p = {0};
  if (tb_license_link_payload(text, strlen(text), &payload, &len, &p) !=
      TB_LICENSE_OK)
    api_fail_field(r, TB_PROBLEM_INVALID_LICENSE_LINK, "payload", "%s",
                   p.detail);
  return payload;
}

void api_h_license_verify(api_req *r) {
  json_t *body = api_body_object(r);
  if (!body)
    return;
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_REQUEST,
                   "give the payload to verify");
  const char *text = NULL;
  char *payload = NULL;
  api_field spec[] = {
      API_STRING("payload", API_REQUIRED, TB_LICENSE_MAX_LINK, &text), API_END};
  const tb_license_trust *t = NULL;
  tb_store *s = NULL;
  if (!api_fields_parse(&pb, body, NULL, spec))
    api_problem_send(r, &pb);
  else if ((payload = payload_of_text(r, text)) && (t = trust_of(r)) &&
           (s = api_store(r))) {
    tb_license_verdict v;
    char *json = NULL;
    size_t len = 0;
    if (tb_license_verify(payload, strlen(payload), t, r->now, revoked_cb, s,
                          &v) == TB_LICENSE_OK) {
      if (tb_license_verdict_json(&v, &json, &len) == TB_LICENSE_OK)
        api_reply_raw(r, 200, "application/json", json, len);
      tb_license_free_verdict(&v);
    }
    if (!json)
      api_fail_store(r, TB_STORE_ERROR);
    free(json);
  }
  free(payload);
  api_problem_free(&pb);
  json_decref(body);
}

/* ---- revocation ------------------------------------------------------------
 */

typedef struct {
  const char *id;
  const char *reason;
} revoke_job;

static tb_store_status revoke_change(api_req *r, tb_store *s, void *cls) {
  revoke_job *j = cls;
  tb_store_actor actor;
  api_actor(r, &actor);
  tb_store_status rc = tb_store_license_revoke_in(s, j->id, &actor, j->reason);
  if (rc == TB_STORE_NOT_FOUND) {
    no_license(r);
    return TB_STORE_REFUSED;
  }
  if (rc == TB_STORE_CONFLICT) {
    api_fail(r, TB_PROBLEM_ALREADY_REVOKED, "the license is revoked already");
    return TB_STORE_REFUSED;
  }
  if (rc != TB_STORE_OK)
    return rc;
  char *json = NULL;
  rc = tb_store_license_read(s, j->id, &json);
  json_t *v = rc == TB_STORE_OK ? api_json_load(json) : NULL;
  free(json);
  if (!v)
    return rc == TB_STORE_OK ? TB_STORE_ERROR : rc;
  api_reply_json(r, 200, v);
  return TB_STORE_OK;
}

void api_h_license_revoke(api_req *r) {
  json_t *body = api_body_object(r);
  if (!body)
    return;
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_REQUEST,
                   "a revocation needs a reason");
  revoke_job j = {.id = r->params[0]};
  api_field spec[] = {API_STRING("reason", API_REQUIRED, MAX_REASON, &j.reason),
                      API_END};
  tb_store *s = NULL;
  tb_store_license_brief b = {0};
  if (!api_fields_parse(&pb, body, NULL, spec))
    api_problem_send(r, &pb);
  else if (load_brief(r, &s, &b)) {
    if (strcmp(r->who.role, "officer") == 0 &&
        strcmp(r->who.bureau, b.issuer) != 0)
      api_fail(r, TB_PROBLEM_WRONG_BUREAU,
               "only bureau %s (which issued it) or an admin may revoke it",
               b.issuer);
    else
      api_run_change(r, revoke_change, &j);
  }
  tb_store_license_brief_clear(&b);
  api_problem_free(&pb);
  json_decref(body);
}

/* ---- intake and tracking ------------------------------------------------- */

/* One explicit {"id", "license_id"} material: the license must exist,
 * belong to the holder, be of the material's type and be valid today. */
static bool check_claim(api_problem *pb, tb_store *s, const tb_material *m,
                        const api_license_claim *c, const char *holder,
                        const char *holder_name, tb_day today) {
  const char *field = c->field;
  tb_store_license_brief b;
  tb_store_status rc = license_id_ok(c->license_id)
                           ? tb_store_license_brief_get(s, c->license_id, &b)
                           : TB_STORE_NOT_FOUND;
  bool ok = false;
  if (rc == TB_STORE_NOT_FOUND)
    api_problem_field(pb, field, TB_PROBLEM_LICENSE_NOT_FOUND,
                      "no such license");
  else if (rc != TB_STORE_OK)
    api_problem_field(pb, field, TB_PROBLEM_LICENSE_UNAVAILABLE,
                      "the license could not be checked; try again");
  else if (strcmp(b.holder_id_number, holder) != 0)
    api_problem_field(pb, field, TB_PROBLEM_LICENSE_NOT_HOLDERS,
                      "the license belongs to another holder");
  else if (strcmp(b.holder_name, holder_name) != 0)
    api_problem_field(pb, field, TB_PROBLEM_LICENSE_NOT_HOLDERS,
                      "the license was issued under another name than the "
                      "applicant's");
  else if (!m->license_type || strcmp(m->license_type, b.type_code) != 0)
    api_problem_field(pb, field, TB_PROBLEM_LICENSE_WRONG_TYPE,
                      "a license of type %s does not supply %s", b.type_code,
                      m->id);
  else if (b.revoked)
    api_problem_field(pb, field, TB_PROBLEM_LICENSE_REVOKED,
                      "the license is revoked");
  else if (!brief_valid_on(&b, today))
    api_problem_field(pb, field, TB_PROBLEM_LICENSE_EXPIRED,
                      "the license is not valid today");
  else
    ok = true;
  if (rc == TB_STORE_OK)
    tb_store_license_brief_clear(&b);
  return ok;
}

static void note_used(json_t *used, const tb_material *m, const char *id,
                      bool automatic) {
  json_array_append_new(used,
                        json_pack("{s:s, s:s, s:b}", "material", m->id,
                                  "license_id", id, "automatic", automatic));
}

void api_licenses_intake(api_problem *pb, tb_store *s, const tb_definition *def,
                         const char *holder, const char *holder_name,
                         tb_day today, const api_license_claims *claims,
                         uint64_t *materials, uint64_t *from_license,
                         json_t *used) {
  for (size_t i = 0; i < claims->n; i++) {
    const api_license_claim *c = &claims->items[i];
    const tb_material *m = &def->materials[c->material];
    if (check_claim(pb, s, m, c, holder, holder_name, today)) {
      *materials |= UINT64_C(1) << c->material;
      *from_license |= UINT64_C(1) << c->material;
      note_used(used, m, c->license_id, false);
    }
  }
  for (size_t i = 0; i < def->n_materials && i < 64; i++) {
    const tb_material *m = &def->materials[i];
    uint64_t bit = UINT64_C(1) << i;
    char id[TB_LICENSE_ID_MAX];
    if (!m->license_type || (*materials & bit) ||
        tb_store_license_find_valid(s, holder, holder_name, m->license_type,
                                    today, id) != TB_STORE_OK)
      continue;
    *materials |= bit;
    *from_license |= bit;
    note_used(used, m, id, true);
  }
}
