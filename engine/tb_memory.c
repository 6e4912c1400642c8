/*
 * tb_memory.c — the allocator that aborts on out-of-memory, and the arena.
 *
 * The arena is a chain of blocks; an allocation larger than a block gets a
 * block of its own. Everything is freed at once, so callers never free a
 * single object (definitions, per-request data).
 */
#include "tb_engine.h"
#include "tb_log.h"

#include <limits.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t size) {
  tb_log_kv(TB_LOG_ERROR, "engine", "out of memory",
            TB_LOG_I("bytes", size > (size_t)LLONG_MAX ? -1 : (long long)size));
  abort();
}

void *tb_xmalloc(size_t size) {
  void *p = malloc(size ? size : 1);
  if (!p)
    out_of_memory(size);
  return p;
}

void *tb_xcalloc(size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (!p)
    out_of_memory(count * size);
  return p;
}

void *tb_xrealloc(void *ptr, size_t size) {
  void *p = realloc(ptr, size ? size : 1);
  if (!p)
    out_of_memory(size);
  return p;
}

char *tb_xstrndup(const char *s, size_t len) {
  char *p = tb_xmalloc(len + 1);
  memcpy(p, s, len);
  p[len] = '\0';
  return p;
}

enum { ARENA_BLOCK = 16 * 1024, ARENA_ALIGN = alignof(max_align_t) };

typedef struct arena_block {
  struct arena_block *next;
  size_t size, used;
  alignas(max_align_t) unsigned char data[];
} arena_block;

struct tb_arena {
  arena_block *head;
  size_t handed_out;
};

tb_arena *tb_arena_new(void) {
  return tb_xcalloc(1, sizeof(tb_arena));
}

void tb_arena_free(tb_arena *a) {
  if (!a)
    return;
  arena_block *b = a->head;
  while (b) {
    arena_block *next = b->next;
    free(b);
    b = next;
  }
  free(a);
}

static arena_block *arena_grow(tb_arena *a, size_t need) {
  size_t size = need > ARENA_BLOCK ? need : ARENA_BLOCK;
  arena_block *b = tb_xmalloc(sizeof(arena_block) + size);
  b->size = size;
  b->used = 0;
  b->next = a->head;
  a->head = b;
  return b;
}

void *tb_arena_alloc(tb_arena *a, size_t size) {
  size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
  if (rounded < size)
    out_of_memory(size);
  arena_block *b = a->head;
  if (!b || b->size - b->used < rounded)
    b = arena_grow(a, rounded);
  void *p = b->data + b->used;
  b->used += rounded;
  a->handed_out += size;
  memset(p, 0, size);
  return p;
}

char *tb_arena_strndup(tb_arena *a, const char *s, size_t len) {
  char *p = tb_arena_alloc(a, len + 1);
  memcpy(p, s, len);
  p[len] = '\0';
  return p;
}

char *tb_arena_strdup(tb_arena *a, const char *s) {
  return tb_arena_strndup(a, s, strlen(s));
}

size_t tb_arena_used(const tb_arena *a) {
  return a->handed_out;
}
