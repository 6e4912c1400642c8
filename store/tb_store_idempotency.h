/*
 * tb_store_idempotency.h — idempotency keys: the first answer to a change
 * is kept under (scope, key) in the change's own transaction, and a
 * repeated request gets it again (store/tb_store_idempotency.c). Call
 * _begin and _finish inside tb_store_run_transaction.
 *
 * Ownership: a replayed answer's body is malloc'ed and freed with
 * tb_store_answer_clear; everything passed in is only read during the
 * call.
 */
#ifndef TB_STORE_IDEMPOTENCY_H
#define TB_STORE_IDEMPOTENCY_H

#include "tb_store.h"

typedef struct {
  int status; /* the HTTP status of the first answer */
  char content_type[64];
  char *body; /* malloc'ed, NUL-terminated; free with _clear */
  size_t body_len;
} tb_store_answer;

void tb_store_answer_clear(tb_store_answer *a);

/* Take a key for this request (scope: e.g. the account; fingerprint: the
 * SHA-256 of method, path and body). TB_STORE_OK: new, go on and call
 * tb_store_idempotency_finish in the same transaction. TB_STORE_REPLAY:
 * *replay holds the first answer. TB_STORE_CONFLICT: the key was used for
 * another request. A concurrent first use waits for the other one. */
tb_store_status tb_store_idempotency_begin(tb_store *s, const char *scope,
                                           const char *key,
                                           const uint8_t fingerprint[32],
                                           tb_store_answer *replay);
tb_store_status tb_store_idempotency_finish(tb_store *s, const char *scope,
                                            const char *key, int status,
                                            const char *content_type,
                                            const char *body, size_t len);
/* Delete expired keys; *deleted (may be NULL) gets how many. */
tb_store_status tb_store_idempotency_purge(tb_store *s, int64_t *deleted);

#endif /* TB_STORE_IDEMPOTENCY_H */
