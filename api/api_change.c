/*
 * api_change.c — state-changing requests and the Idempotency-Key header.
 *
 * api_run_change runs a handler's change inside one transaction together
 * with the key: a key seen before replays the first answer (status, type,
 * body) and changes nothing; the same key with another request is a 422.
 * Only successful answers are kept: a refused request stores nothing, so
 * it may be retried with the same key after the cause is fixed.
 */
#include "tb_api_int.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEY 255

typedef struct {
  api_req *r;
  api_change_fn fn;
  void *cls;
  const char *key;
  char scope[48];
  uint8_t fingerprint[32];
  bool replayed;
} change_ctx;

static void fingerprint(api_req *r, uint8_t out[32]) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned int n = 32;
  if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
      !EVP_DigestUpdate(ctx, r->method, strlen(r->method) + 1) ||
      !EVP_DigestUpdate(ctx, r->path, strlen(r->path) + 1) ||
      (r->body_len && !EVP_DigestUpdate(ctx, r->body, r->body_len)) ||
      !EVP_DigestFinal_ex(ctx, out, &n))
    memset(out, 0, 32);
  EVP_MD_CTX_free(ctx);
}

static void scope_of(api_req *r, char *out, size_t cap) {
  if (r->authed)
    snprintf(out, cap, "account:%" PRId64, r->who.id);
  else
    snprintf(out, cap, "anonymous");
}

/* The key header, checked; NULL when absent. Sets a 400 when bad. */
static const char *key_of(api_req *r, bool *bad) {
  *bad = false;
  const char *k = api_header(r, "Idempotency-Key");
  if (!k)
    return NULL;
  size_t n = strlen(k);
  bool ok = n >= 1 && n <= MAX_KEY;
  for (size_t i = 0; ok && i < n; i++)
    ok = k[i] > 0x20 && k[i] < 0x7F;
  if (!ok) {
    *bad = true;
    api_fail_field(r, TB_PROBLEM_INVALID_IDEMPOTENCY_KEY, "Idempotency-Key",
                   "must be 1 to %d visible ASCII characters", MAX_KEY);
    return NULL;
  }
  return k;
}

static tb_store_status replay_into(api_req *r, tb_store_answer *a) {
  api_reply_raw(r, a->status, tb_arena_strdup(r->arena, a->content_type),
                a->body, a->body_len);
  tb_store_answer_clear(a);
  return TB_STORE_REPLAY;
}

static tb_store_status change_txn(tb_store *s, void *cls) {
  change_ctx *c = cls;
  api_req *r = c->r;
  api_reply_forget(r); /* a retried attempt starts afresh */
  if (c->key) {
    tb_store_answer a = {0};
    tb_store_status rc =
        tb_store_idempotency_begin(s, c->scope, c->key, c->fingerprint, &a);
    if (rc == TB_STORE_REPLAY) {
      c->replayed = true;
      return replay_into(r, &a);
    }
    if (rc != TB_STORE_OK)
      return rc;
  }
  tb_store_status rc = c->fn(r, s, c->cls);
  if (rc != TB_STORE_OK)
    return rc;
  if (c->key && r->replied && r->status < 300)
    return tb_store_idempotency_finish(s, c->scope, c->key, r->status,
                                       r->content_type ? r->content_type
                                                       : "application/json",
                                       r->reply, r->reply_len);
  return TB_STORE_OK;
}

/* The X-Tongban-Fault header of a test build: "N KIND". Arms the store
 * handle; a build without fault injection ignores the header. */
static void arm_fault(api_req *r, tb_store *s) {
  const char *h = api_header(r, "X-Tongban-Fault");
  if (!h)
    return;
  static const struct {
    const char *name;
    tb_store_fault kind;
  } kinds[] = {{"hard", TB_STORE_FAULT_HARD},
               {"soft", TB_STORE_FAULT_SOFT},
               {"lost", TB_STORE_FAULT_LOST},
               {"lost-after", TB_STORE_FAULT_LOST_AFTER}};
  char *end = NULL;
  long n = strtol(h, &end, 10);
  if (!end || *end != ' ' || n < 0 || n > 10000)
    return;
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (strcmp(end + 1, kinds[i].name) == 0 &&
        tb_store_fault_arm(s, (int)n, kinds[i].kind))
      r->fault_fired = 0;
}

/* Whether rc is a handler's own refusal (it rolls back and answers 4xx),
 * as opposed to a failure of the database or of a statement. */
static bool is_refusal(tb_store_status rc) {
  return rc == TB_STORE_REFUSED || rc == TB_STORE_INVALID ||
         rc == TB_STORE_NOT_FOUND || rc == TB_STORE_CONFLICT;
}

/* What leaves the server after the transaction: a 2xx only when it
 * committed; a refusal's own 4xx; otherwise the failure. */
static void settle(api_req *r, change_ctx *c, tb_store_status rc) {
  if (rc == TB_STORE_REPLAY && c->replayed)
    return;
  if (rc == TB_STORE_OK && r->replied)
    return;
  if (rc == TB_STORE_CONFLICT && !r->replied) {
    api_fail_field(r, TB_PROBLEM_IDEMPOTENCY_KEY_REUSED, "Idempotency-Key",
                   "this key was used for another request");
    return;
  }
  if (is_refusal(rc) && r->replied && r->status >= 400 && r->status < 500)
    return;
  /* a failed statement, a failed or unknown COMMIT, an unreachable or
   * busy database, or a handler that set no fitting answer: whatever it
   * set is forgotten */
  api_reply_forget(r);
  api_fail_store(r, rc == TB_STORE_OK || is_refusal(rc) ? TB_STORE_ERROR : rc);
}

void api_run_change(api_req *r, api_change_fn fn, void *cls) {
  tb_store *s = api_store(r);
  if (!s)
    return;
  bool bad = false;
  change_ctx c = {.r = r, .fn = fn, .cls = cls, .key = key_of(r, &bad)};
  if (bad)
    return;
  scope_of(r, c.scope, sizeof c.scope);
  fingerprint(r, c.fingerprint);
  arm_fault(r, s);
  tb_store_status rc = tb_store_run_transaction(s, change_txn, &c);
  if (r->fault_fired >= 0) {
    r->fault_fired = tb_store_fault_fired(s);
    r->fault_statements = tb_store_fault_statements(s);
  }
  settle(r, &c, rc);
}

void api_run_change_fields(api_req *r, api_field *spec, api_change_fn fn,
                           void *cls) {
  json_t *body = api_body_object(r);
  if (!body)
    return;
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_REQUEST,
                   "the request has problems; see errors");
  if (api_fields_parse(&pb, body, NULL, spec)) {
    api_problem_free(&pb);
    api_run_change(r, fn, cls);
  } else {
    api_problem_send(r, &pb);
  }
  json_decref(body);
}
