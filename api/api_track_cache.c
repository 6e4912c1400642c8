/*
 * api_track_cache.c — the public tracking views, cached by application
 * (api_caches.h).
 *
 * An entry is the view's JSON text as it was answered and the digest of
 * the tracking code it was read with (the application's, since the read
 * matched it). A read of a cached application compares the digest of the
 * code it was given with that one, in constant time: the code is checked
 * on every read, cached or not, and only a read that matched is ever
 * cached. The caller counts a wrong code against the guess limit exactly
 * as a miss in the database.
 *
 * Generations: a drop bumps the slot of the number's key (a small array
 * of counters; two numbers may share one, which only costs a put), a
 * clear bumps `epoch`; a ticket is their sum, which only ever grows.
 */
#include "api_caches.h"
#include "api_lru.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_ENTRIES 4096
#define DEFAULT_BYTES (8u * 1024 * 1024)
#define DEFAULT_TTL 10
#define GENERATIONS 1024

typedef struct {
  uint8_t digest[32];
  int64_t hour; /* of the request's clock it was read for */
  size_t len;
  char text[]; /* len bytes and a NUL */
} view;

struct api_track_cache {
  pthread_mutex_t lock;
  api_lru *lru;
  int64_t ttl_us;
  uint64_t epoch;
  uint64_t gens[GENERATIONS];
};

/* The key of a number: its bytes, zero-padded (numbers are 21
 * characters; a longer text never reaches here). */
static void key_of(const char *number, uint8_t key[32]) {
  memset(key, 0, 32);
  size_t n = strnlen(number, 32);
  memcpy(key, number, n);
}

static size_t gen_of(const uint8_t key[32]) {
  size_t h = 0;
  for (size_t i = 0; i < 32; i++)
    h = h * 31 + key[i];
  return h % GENERATIONS;
}

api_track_cache *api_track_cache_new(size_t max_entries, size_t max_bytes,
                                     int ttl_seconds) {
  api_track_cache *c = tb_xcalloc(1, sizeof *c);
  pthread_mutex_init(&c->lock, NULL);
  c->lru = api_lru_new(max_entries ? max_entries : DEFAULT_ENTRIES,
                       max_bytes ? max_bytes : DEFAULT_BYTES, free);
  c->ttl_us = (int64_t)(ttl_seconds > 0 ? ttl_seconds : DEFAULT_TTL) * 1000000;
  return c;
}

void api_track_cache_free(api_track_cache *c) {
  if (!c)
    return;
  api_lru_free(c->lru);
  pthread_mutex_destroy(&c->lock);
  free(c);
}

api_track_cache_answer
api_track_cache_get(api_track_cache *c, const char *number,
                    const uint8_t digest[32], int64_t hour, int64_t now_us,
                    tb_arena *arena, char **body, size_t *len) {
  uint8_t key[32];
  key_of(number, key);
  api_track_cache_answer answer = API_TRACK_CACHE_MISS;
  pthread_mutex_lock(&c->lock);
  int64_t put_us = 0;
  const view *v = api_lru_get(c->lru, key, &put_us);
  if (v && (now_us - put_us > c->ttl_us || v->hour != hour)) {
    api_lru_drop(c->lru, key);
  } else if (v && CRYPTO_memcmp(v->digest, digest, 32) == 0) {
    *body = tb_arena_strndup(arena, v->text, v->len);
    *len = v->len;
    answer = API_TRACK_CACHE_MATCH;
  } else if (v) {
    answer = API_TRACK_CACHE_WRONG;
  }
  pthread_mutex_unlock(&c->lock);
  return answer;
}

uint64_t api_track_cache_ticket(api_track_cache *c, const char *number) {
  uint8_t key[32];
  key_of(number, key);
  pthread_mutex_lock(&c->lock);
  uint64_t t = c->epoch + c->gens[gen_of(key)];
  pthread_mutex_unlock(&c->lock);
  return t;
}

void api_track_cache_put(api_track_cache *c, const char *number,
                         const uint8_t digest[32], int64_t hour,
                         const char *text, size_t len, uint64_t ticket,
                         int64_t now_us) {
  uint8_t key[32];
  key_of(number, key);
  view *v = tb_xmalloc(sizeof *v + len + 1);
  memcpy(v->digest, digest, 32);
  v->hour = hour;
  v->len = len;
  memcpy(v->text, text, len);
  v->text[len] = '\0';
  pthread_mutex_lock(&c->lock);
  if (c->epoch + c->gens[gen_of(key)] == ticket)
    api_lru_put(c->lru, key, v, sizeof *v + len, now_us);
  else
    free(v); /* it changed while it was read */
  pthread_mutex_unlock(&c->lock);
}

void api_track_cache_drop(api_track_cache *c, const char *number) {
  uint8_t key[32];
  key_of(number, key);
  pthread_mutex_lock(&c->lock);
  c->gens[gen_of(key)]++;
  api_lru_drop(c->lru, key);
  pthread_mutex_unlock(&c->lock);
}

void api_track_cache_clear(api_track_cache *c) {
  pthread_mutex_lock(&c->lock);
  c->epoch++;
  api_lru_clear(c->lru);
  pthread_mutex_unlock(&c->lock);
}

size_t api_track_cache_count(api_track_cache *c, size_t *bytes) {
  pthread_mutex_lock(&c->lock);
  size_t n = api_lru_count(c->lru, bytes);
  pthread_mutex_unlock(&c->lock);
  return n;
}
