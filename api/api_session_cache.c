/*
 * api_session_cache.c — the sessions behind bearer tokens, cached by the
 * token's SHA-256 (api_caches.h).
 *
 * An entry is what tb_store_session_find answered (the account, its
 * role, bureau and pending steps), the session's expiry and the moment
 * of its last activity as known here (the database's idle time at the
 * read, moved to now when this server writes an activity). The idle
 * rule of issue 17 is applied to that moment: a session that looks idle
 * for too long here is read again (another node may have written an
 * activity since), so the rule is the database's. An entry lives at most
 * the max age even when no event names it.
 *
 * Any change of a session or an account (logout, password, disable,
 * role, groups) is an account's event on the tail: every node drops that
 * account's sessions; the node that committed it drops everything at
 * once (it knows no account id there). A drop moves the generation, so a
 * read that raced it does not store what it read.
 */
#include "api_caches.h"
#include "api_lru.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_ENTRIES 4096
#define DEFAULT_AGE 30

typedef struct {
  tb_store_account a;
  int64_t expires_at;     /* Unix seconds */
  int64_t last_active_us; /* monotonic */
} session;

struct api_session_cache {
  pthread_mutex_t lock;
  api_lru *lru;
  int64_t max_age_us;
  uint64_t generation;
};

api_session_cache *api_session_cache_new(size_t max_entries,
                                         int max_age_seconds) {
  api_session_cache *c = tb_xcalloc(1, sizeof *c);
  pthread_mutex_init(&c->lock, NULL);
  size_t n = max_entries ? max_entries : DEFAULT_ENTRIES;
  c->lru = api_lru_new(n, 0, free);
  c->max_age_us =
      (int64_t)(max_age_seconds > 0 ? max_age_seconds : DEFAULT_AGE) * 1000000;
  return c;
}

void api_session_cache_free(api_session_cache *c) {
  if (!c)
    return;
  api_lru_free(c->lru);
  pthread_mutex_destroy(&c->lock);
  free(c);
}

bool api_session_cache_get(api_session_cache *c, const uint8_t token_hash[32],
                           int idle_limit, int64_t now, tb_store_account *a) {
  int64_t put_us = 0;
  bool hit = false;
  pthread_mutex_lock(&c->lock);
  const session *s = api_lru_get(c->lru, token_hash, &put_us);
  if (s) {
    int64_t idle = (now - s->last_active_us) / 1000000;
    bool fresh = now - put_us <= c->max_age_us && idle <= idle_limit &&
                 (int64_t)time(NULL) < s->expires_at;
    if (fresh) {
      *a = s->a;
      a->idle_seconds = idle > INT32_MAX ? INT32_MAX : (int)idle;
      hit = true;
    } else {
      api_lru_drop(c->lru, token_hash);
    }
  }
  pthread_mutex_unlock(&c->lock);
  return hit;
}

uint64_t api_session_cache_ticket(api_session_cache *c) {
  pthread_mutex_lock(&c->lock);
  uint64_t t = c->generation;
  pthread_mutex_unlock(&c->lock);
  return t;
}

void api_session_cache_put(api_session_cache *c, const uint8_t token_hash[32],
                           const tb_store_account *a, int64_t expires_at,
                           uint64_t ticket, int64_t now) {
  session *s = tb_xmalloc(sizeof *s);
  s->a = *a;
  s->expires_at = expires_at;
  s->last_active_us = now - (int64_t)a->idle_seconds * 1000000;
  pthread_mutex_lock(&c->lock);
  if (c->generation == ticket)
    api_lru_put(c->lru, token_hash, s, sizeof *s, now);
  else
    free(s); /* a session or account changed while it was read */
  pthread_mutex_unlock(&c->lock);
}

void api_session_cache_touched(api_session_cache *c,
                               const uint8_t token_hash[32], int64_t now) {
  pthread_mutex_lock(&c->lock);
  session *s = api_lru_get(c->lru, token_hash, NULL);
  if (s)
    s->last_active_us = now;
  pthread_mutex_unlock(&c->lock);
}

static bool of_account(const void *value, void *cls) {
  return ((const session *)value)->a.id == *(const int64_t *)cls;
}

void api_session_cache_drop_account(api_session_cache *c, int64_t account) {
  pthread_mutex_lock(&c->lock);
  c->generation++;
  api_lru_drop_if(c->lru, of_account, &account);
  pthread_mutex_unlock(&c->lock);
}

void api_session_cache_clear(api_session_cache *c) {
  pthread_mutex_lock(&c->lock);
  c->generation++;
  api_lru_clear(c->lru);
  pthread_mutex_unlock(&c->lock);
}
