/*
 * api_lru.c — a bounded least-recently-used map of 32-byte keys
 * (api_lru.h): a chained hash table whose buckets are a power of two at
 * least twice the maximum of entries, and a doubly linked list in order
 * of use (head: the newest).
 */
#include "api_lru.h"
#include "tb_engine.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry entry;
struct entry {
  uint8_t key[32];
  void *value;
  size_t bytes;
  int64_t put_us;
  entry *chain; /* the next in its bucket */
  entry *newer, *older;
};

struct api_lru {
  entry **buckets;
  size_t mask; /* buckets - 1 */
  entry *newest, *oldest;
  size_t n, bytes, max_entries, max_bytes;
  void (*free_value)(void *value);
};

/* FNV-1a over the key: keys may be text with a common prefix (numbers
 * of one region), so every byte counts. */
static size_t bucket_of(const api_lru *l, const uint8_t key[32]) {
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < 32; i++)
    h = (h ^ key[i]) * 1099511628211ull;
  return (size_t)(h & l->mask);
}

api_lru *api_lru_new(size_t max_entries, size_t max_bytes,
                     void (*free_value)(void *value)) {
  api_lru *l = tb_xcalloc(1, sizeof *l);
  size_t nb = 16;
  while (nb < 2 * max_entries)
    nb *= 2;
  l->buckets = tb_xcalloc(nb, sizeof *l->buckets);
  l->mask = nb - 1;
  l->max_entries = max_entries ? max_entries : 1;
  l->max_bytes = max_bytes;
  l->free_value = free_value;
  return l;
}

static entry **slot_of(api_lru *l, const uint8_t key[32]) {
  entry **p = &l->buckets[bucket_of(l, key)];
  while (*p && memcmp((*p)->key, key, 32) != 0)
    p = &(*p)->chain;
  return p;
}

static void unlink_use(api_lru *l, entry *e) {
  if (e->newer)
    e->newer->older = e->older;
  else
    l->newest = e->older;
  if (e->older)
    e->older->newer = e->newer;
  else
    l->oldest = e->newer;
  e->newer = e->older = NULL;
}

static void link_newest(api_lru *l, entry *e) {
  e->older = l->newest;
  e->newer = NULL;
  if (l->newest)
    l->newest->newer = e;
  l->newest = e;
  if (!l->oldest)
    l->oldest = e;
}

/* Remove the entry at *slot and free it. */
static void remove_at(api_lru *l, entry **slot) {
  entry *e = *slot;
  *slot = e->chain;
  unlink_use(l, e);
  l->n--;
  l->bytes -= e->bytes;
  if (l->free_value)
    l->free_value(e->value);
  free(e);
}

void *api_lru_get(api_lru *l, const uint8_t key[32], int64_t *put_us) {
  entry *e = *slot_of(l, key);
  if (!e)
    return NULL;
  unlink_use(l, e);
  link_newest(l, e);
  if (put_us)
    *put_us = e->put_us;
  return e->value;
}

void api_lru_drop(api_lru *l, const uint8_t key[32]) {
  entry **slot = slot_of(l, key);
  if (*slot)
    remove_at(l, slot);
}

static void evict(api_lru *l) {
  while (l->oldest &&
         (l->n > l->max_entries || (l->max_bytes && l->bytes > l->max_bytes)))
    remove_at(l, slot_of(l, l->oldest->key));
}

void api_lru_put(api_lru *l, const uint8_t key[32], void *value, size_t bytes,
                 int64_t put_us) {
  api_lru_drop(l, key);
  if (l->max_bytes && bytes > l->max_bytes) {
    if (l->free_value)
      l->free_value(value);
    return;
  }
  entry *e = tb_xcalloc(1, sizeof *e);
  memcpy(e->key, key, 32);
  e->value = value;
  e->bytes = bytes;
  e->put_us = put_us;
  entry **head = &l->buckets[bucket_of(l, key)];
  e->chain = *head;
  *head = e;
  link_newest(l, e);
  l->n++;
  l->bytes += bytes;
  evict(l);
}

void api_lru_drop_if(api_lru *l, bool (*match)(const void *value, void *cls),
                     void *cls) {
  for (size_t b = 0; b <= l->mask; b++) {
    entry **p = &l->buckets[b];
    while (*p)
      if (match((*p)->value, cls))
        remove_at(l, p);
      else
        p = &(*p)->chain;
  }
}

void api_lru_clear(api_lru *l) {
  while (l->oldest)
    remove_at(l, slot_of(l, l->oldest->key));
}

size_t api_lru_count(const api_lru *l, size_t *bytes) {
  if (bytes)
    *bytes = l->bytes;
  return l->n;
}

void api_lru_free(api_lru *l) {
  if (!l)
    return;
  api_lru_clear(l);
  free(l->buckets);
  free(l);
}
