/*
 * api_lru.h — a bounded map from 32-byte keys to values, evicting the
 * least recently used entry (api_lru.c): the one core of the server's
 * caches (api_caches.h).
 *
 * Bounded by entries and by the bytes the caller says each value costs.
 * Not thread-safe: the cache that owns it holds its own lock around
 * every call. Ownership: a value put is owned by the map from then on and
 * freed with the free function given to api_lru_new when it is replaced,
 * dropped or evicted; a value got stays owned by the map (valid until the
 * next call that changes the map).
 */
#ifndef API_LRU_H
#define API_LRU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct api_lru api_lru;

api_lru *api_lru_new(size_t max_entries, size_t max_bytes,
                     void (*free_value)(void *value));
void api_lru_free(api_lru *l); /* NULL is fine */
/* The value under key (now the most recently used) and when it was put
 * (*put_us, the caller's clock); NULL when there is none. */
void *api_lru_get(api_lru *l, const uint8_t key[32], int64_t *put_us);
/* Put value under key (replacing what was there), then evict the least
 * recently used entries until both bounds hold. A value bigger than
 * max_bytes is freed and not kept. */
void api_lru_put(api_lru *l, const uint8_t key[32], void *value, size_t bytes,
                 int64_t put_us);
void api_lru_drop(api_lru *l, const uint8_t key[32]);
/* Drop every entry whose value `match` accepts. */
void api_lru_drop_if(api_lru *l, bool (*match)(const void *value, void *cls),
                     void *cls);
void api_lru_clear(api_lru *l);
/* Entries now; *bytes (if not NULL) their cost. */
size_t api_lru_count(const api_lru *l, size_t *bytes);

#endif /* API_LRU_H */
