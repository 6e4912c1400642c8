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
    api_fail_field(r, 400, "invalid_idempotency_key", "Idempotency-Key",
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
  r->replied = false;
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
  tb_store_status rc = tb_store_run_transaction(s, change_txn, &c);
  if (rc == TB_STORE_OK || rc == TB_STORE_REPLAY)
    return;
  if (rc == TB_STORE_CONFLICT && !r->replied) {
    api_fail_field(r, 422, "idempotency_key_reused", "Idempotency-Key",
                   "this key was used for another request");
    return;
  }
  if (r->replied && rc != TB_STORE_UNAVAILABLE && rc != TB_STORE_BUSY)
    return; /* the handler's own refusal */
  api_fail_store(r, rc);
}
