/*
 * api_caches.h — the in-process caches of one server (issue 18 §3, §4):
 * the public tracking views (api_track_cache.c) and the sessions behind
 * bearer tokens (api_session_cache.c), and the events that keep them
 * right on every node (api_events.c).
 *
 * Both are bounded (entries, and bytes for the views), evict the least
 * recently used entry, and are emptied of what changed by the change
 * events every node tails (store/tb_store_events.h): on the node that
 * committed at once, on the others within the tail's interval. A read
 * that raced a change cannot store what it read: every drop moves a
 * generation that the read took before asking the database ("ticket"),
 * and a put with an old ticket is ignored. An entry also ages out, so
 * what changes without an event (the working days left, the calendar)
 * is never older than that.
 *
 * Times (now_us) are the caller's monotonic clock in microseconds
 * (api_monotonic_us). Thread-safe (one mutex each). Ownership: the caches copy
 * what is put; what a get hands out is copied into the caller's arena or
 * struct.
 */
#ifndef API_CACHES_H
#define API_CACHES_H

#include "tb_engine.h"
#include "tb_store_accounts.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the tracking views (api_track_cache.c) ------------------------------ */

typedef struct api_track_cache api_track_cache;

typedef enum {
  API_TRACK_CACHE_MISS,  /* not cached: read the database */
  API_TRACK_CACHE_MATCH, /* cached, and the code's digest is the one read */
  API_TRACK_CACHE_WRONG  /* cached, and the code is not this application's */
} api_track_cache_answer;

/* max_entries, max_bytes (of the views' text) and ttl_seconds: 0 picks
 * the defaults (4096, 8 MiB, 10 s). */
api_track_cache *api_track_cache_new(size_t max_entries, size_t max_bytes,
                                     int ttl_seconds);
void api_track_cache_free(api_track_cache *c); /* NULL is fine */
/* Look up application number for the code whose tracking digest is
 * `digest` (tb_store_tracking_digest), for a request whose clock reads
 * `hour` (its Unix time / 3600: a view counts working days from the
 * request's day, so it is answered only in the hour it was read in).
 * MATCH: *body (copied into arena) and *len are the view's JSON text.
 * The digests are compared in constant time. */
api_track_cache_answer
api_track_cache_get(api_track_cache *c, const char *number,
                    const uint8_t digest[32], int64_t hour, int64_t now_us,
                    tb_arena *arena, char **body, size_t *len);
/* The generation of number, taken before the database is read. */
uint64_t api_track_cache_ticket(api_track_cache *c, const char *number);
/* Keep the view read for the holder of `digest` in `hour` (text
 * copied), unless number changed since `ticket` was taken. */
void api_track_cache_put(api_track_cache *c, const char *number,
                         const uint8_t digest[32], int64_t hour,
                         const char *text, size_t len, uint64_t ticket,
                         int64_t now_us);
/* Application number changed: its entry goes. */
void api_track_cache_drop(api_track_cache *c, const char *number);
/* Everything goes (events may have been missed). */
void api_track_cache_clear(api_track_cache *c);
/* How many views are cached now, and their bytes (for tests, metrics). */
size_t api_track_cache_count(api_track_cache *c, size_t *bytes);

/* ---- the sessions (api_session_cache.c) ---------------------------------- */

typedef struct api_session_cache api_session_cache;

/* max_entries and max_age_seconds: 0 picks the defaults (4096, 30 s). */
api_session_cache *api_session_cache_new(size_t max_entries,
                                         int max_age_seconds);
void api_session_cache_free(api_session_cache *c); /* NULL is fine */
/* The session of token_hash as tb_store_session_find answered it, kept
 * no longer than the max age: true and *a filled (its idle_seconds the
 * time since the last activity known here) when it is cached, has not
 * expired (expires_at) and has not been idle for more than idle_limit
 * seconds; false otherwise (read the database: another node may have
 * seen activity since). */
bool api_session_cache_get(api_session_cache *c, const uint8_t token_hash[32],
                           int idle_limit, int64_t now_us, tb_store_account *a);
/* The generation of the cache, taken before the database is read. */
uint64_t api_session_cache_ticket(api_session_cache *c);
/* Keep what tb_store_session_find answered (expires_at: Unix seconds),
 * unless a session or account changed since `ticket` was taken. */
void api_session_cache_put(api_session_cache *c, const uint8_t token_hash[32],
                           const tb_store_account *a, int64_t expires_at,
                           uint64_t ticket, int64_t now_us);
/* The session's activity was written now. */
void api_session_cache_touched(api_session_cache *c,
                               const uint8_t token_hash[32], int64_t now_us);
/* A session or the account `account` changed: its sessions go. */
void api_session_cache_drop_account(api_session_cache *c, int64_t account);
/* Everything goes. */
void api_session_cache_clear(api_session_cache *c);

/* ---- the events (api_events.c) ------------------------------------------- */

/* One event's payload from the tail (or a NOTIFY "tongban" sent by
 * hand), before the live streams get it: an account's event empties
 * that account's sessions and answers false (it is not for the
 * streams); an application's change empties its view and answers true. */
bool api_events_heard(api_track_cache *t, api_session_cache *s,
                      const char *payload);
/* What this node's own COMMIT changed (the store handles' event hook,
 * tb_store_event_hook, wired in api_server.c, which also pokes the hub):
 * the views of the numbers go (all of them on overflow), and every
 * cached session goes when a session or an account changed. */
void api_events_committed(api_track_cache *t, api_session_cache *s,
                          const char *const *numbers, size_t n, bool overflow,
                          bool accounts);

#endif /* API_CACHES_H */
