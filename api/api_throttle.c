/*
 * api_throttle.c — failure throttles. Failures are counted per key over a
 * window: past `soft` failures each try waits 2^(n-soft) seconds (at most
 * a minute) after the last failure; past `lock` the key is locked until
 * the window has passed.
 *
 * Logins (api_throttle_allow / _fail) read and write the database
 * (auth_failures) at every try: a login costs an scrypt anyway.
 *
 * Tracking guesses (api_guess_allow / _miss) sit on the public read path,
 * so their check is made in process memory: a bounded table of keys with
 * their failure count and last failure. A key the table does not hold, or
 * holds with no wait due, passes without a database round trip. Every
 * miss is still written to auth_failures, and the same statement returns
 * the key's count over all processes, which the table then keeps. A wait
 * is enforced only once the database confirms it: an operator's DELETE
 * FROM auth_failures lifts it at once, and a table that has forgotten a
 * key (evicted, or a restarted server) gives that client one more try at
 * most before its next miss brings the count back.
 *
 * Anonymous intake (api_intake_limit.c) uses the same table as a rate
 * limit (api_rate_allow): each stored online application is counted
 * like a miss, per client address and per applicant number.
 *
 * The table belongs to one server (tb_api): two servers in one process
 * keep two tables. Across several servers the limit is per server: each
 * one enforces the count it learnt at the client's last miss there, so a
 * client spread over N servers can guess at most about N times as fast as
 * through one, while auth_failures keeps the complete record.
 */
#include "tb_api_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the verdict, from a count and the last failure ---------------------- */

static int64_t now_us(void) {
  return (int64_t)time(NULL) * 1000000;
}

/* How long the key must wait from now (<= 0: it may try). */
static int64_t wait_us(int failures, int64_t last_us, int soft, int lock,
                       int window, int64_t now) {
  if (failures >= lock)
    return last_us + (int64_t)window * 1000000 - now;
  if (failures >= soft) {
    int shift = failures - soft;
    int64_t delay = shift >= 6 ? 60 : (int64_t)1 << shift;
    return last_us + delay * 1000000 - now;
  }
  return 0;
}

/* Whether the key may try now, given its wait; false sets 429 with
 * Retry-After. */
static bool judge_wait(api_req *r, int failures, int lock, int64_t wait) {
  if (wait <= 0)
    return true;
  r->retry_after = (int)((wait + 999999) / 1000000);
  if (failures >= lock)
    api_fail(r, TB_PROBLEM_LOCKED,
             "too many failed attempts; locked, try again in %d seconds",
             r->retry_after);
  else
    api_fail(r, TB_PROBLEM_TOO_MANY_ATTEMPTS,
             "too many failed attempts; wait %d seconds", r->retry_after);
  return false;
}

static bool judge(api_req *r, int failures, int64_t last_us, int soft, int lock,
                  int window) {
  return judge_wait(r, failures, lock,
                    wait_us(failures, last_us, soft, lock, window, now_us()));
}

/* The database's count for key; false sets a 503 / 500. */
static bool db_count(api_req *r, tb_store *s, const char *key, int window,
                     int *failures, int64_t *last_us) {
  tb_store_status rc = tb_store_throttle_get(s, key, window, failures, last_us);
  if (rc != TB_STORE_OK)
    api_fail_store(r, rc);
  return rc == TB_STORE_OK;
}

/* ---- logins: the database at every try ------------------------------------
 */

bool api_throttle_allow(api_req *r, tb_store *s, const char *key, int soft,
                        int lock, int window) {
  int failures = 0;
  int64_t last_us = 0;
  return db_count(r, s, key, window, &failures, &last_us) &&
         judge(r, failures, last_us, soft, lock, window);
}

bool api_throttle_fail(tb_store *s, const char *key, int lock, int window) {
  int failures = 0;
  int64_t last_us = 0;
  /* a failure here is logged; go on */
  return tb_store_throttle_record(s, key, window, &failures, &last_us) ==
             TB_STORE_OK &&
         failures == lock;
}

/* ---- tracking guesses: a bounded table in memory ---------------------------
 * Set-associative: a key's hash picks one set of WAYS slots, each set with
 * its own lock (held for a few comparisons). A new key takes a free or
 * expired slot of its set, else the one with the oldest failure. */

#define SETS 512 /* a power of two */
#define WAYS 8   /* SETS · WAYS = 4096 keys at most */
#define KEY_MAX 80

typedef struct {
  uint64_t hash; /* 0: free */
  int failures;  /* in the window, as the database last said */
  int64_t last_us;
  char key[KEY_MAX];
} guess_slot;

typedef struct {
  pthread_mutex_t lock;
  guess_slot ways[WAYS];
} guess_set;

struct api_guesses {
  guess_set sets[SETS];
};

api_guesses *api_guesses_new(void) {
  api_guesses *g = tb_xcalloc(1, sizeof *g);
  for (size_t i = 0; i < SETS; i++)
    pthread_mutex_init(&g->sets[i].lock, NULL);
  return g;
}

void api_guesses_free(api_guesses *g) {
  if (!g)
    return;
  for (size_t i = 0; i < SETS; i++)
    pthread_mutex_destroy(&g->sets[i].lock);
  free(g);
}

static uint64_t key_hash(const char *key) {
  uint64_t h = 14695981039346656037u; /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *)key; *p; p++)
    h = (h ^ *p) * 1099511628211u;
  return h | 1;
}

static guess_set *set_of(api_guesses *g, uint64_t h) {
  return &g->sets[(h >> 32) & (SETS - 1)];
}

static guess_slot *find(guess_set *set, uint64_t h, const char *key) {
  for (size_t i = 0; i < WAYS; i++)
    if (set->ways[i].hash == h && strcmp(set->ways[i].key, key) == 0)
      return &set->ways[i];
  return NULL;
}

/* What the table holds of key; false: nothing. */
static bool peek(api_guesses *gs, const char *key, int *failures,
                 int64_t *last_us) {
  uint64_t h = key_hash(key);
  guess_set *set = set_of(gs, h);
  pthread_mutex_lock(&set->lock);
  guess_slot *g = find(set, h, key);
  if (g) {
    *failures = g->failures;
    *last_us = g->last_us;
  }
  pthread_mutex_unlock(&set->lock);
  return g != NULL;
}

static guess_slot *victim(guess_set *set, int64_t expired_before) {
  guess_slot *v = &set->ways[0];
  for (size_t i = 0; i < WAYS; i++) {
    guess_slot *g = &set->ways[i];
    if (g->hash == 0 || g->last_us < expired_before)
      return g;
    if (g->last_us < v->last_us)
      v = g;
  }
  return v;
}

/* Keep key's count (0: forget the key). */
static void keep(api_guesses *gs, const char *key, int failures,
                 int64_t last_us, int window) {
  if (strlen(key) >= KEY_MAX)
    return; /* cannot happen with "track:" and an address; not kept */
  uint64_t h = key_hash(key);
  guess_set *set = set_of(gs, h);
  pthread_mutex_lock(&set->lock);
  guess_slot *g = find(set, h, key);
  if (failures <= 0) {
    if (g)
      g->hash = 0;
  } else {
    if (!g) {
      g = victim(set, now_us() - (int64_t)window * 1000000);
      g->hash = h;
      snprintf(g->key, sizeof g->key, "%s", key);
    }
    g->failures = failures;
    g->last_us = last_us;
  }
  pthread_mutex_unlock(&set->lock);
}

/* How long key must wait (<= 0: it may go) and its count: from the
 * table, and when the table says wait, from the database (the table
 * learns it). False when the database could not say (answered). */
static bool table_wait(api_req *r, tb_store *s, const char *key, int soft,
                       int lock, int window, int *n, int64_t *wait) {
  int64_t last_us = 0;
  api_guesses *gs = api_guesses_of(r);
  *n = 0;
  *wait = 0;
  if (!peek(gs, key, n, &last_us) ||
      wait_us(*n, last_us, soft, lock, window, now_us()) <= 0)
    return true;
  if (!db_count(r, s, key, window, n, &last_us))
    return false;
  keep(gs, key, *n, last_us, window);
  *wait = wait_us(*n, last_us, soft, lock, window, now_us());
  return true;
}

bool api_guess_allow(api_req *r, tb_store *s, const char *key, int soft,
                     int lock, int window) {
  int failures = 0;
  int64_t wait = 0;
  return table_wait(r, s, key, soft, lock, window, &failures, &wait) &&
         judge_wait(r, failures, lock, wait);
}

void api_guess_miss(api_req *r, tb_store *s, const char *key, int window) {
  int failures = 0;
  int64_t last_us = 0;
  api_guesses *gs = api_guesses_of(r);
  if (tb_store_throttle_record(s, key, window, &failures, &last_us) !=
      TB_STORE_OK) {
    /* not recorded (the store logged why): count it here alone */
    int64_t now = now_us();
    if (!peek(gs, key, &failures, &last_us) ||
        last_us < now - (int64_t)window * 1000000)
      failures = 0;
    failures++;
    last_us = now;
  }
  keep(gs, key, failures, last_us, window);
}

/* ---- rate limits: events counted like misses ------------------------------
 * A key that has had `limit` events in the window waits until the window
 * after its last one has passed (soft = lock = limit in wait_us). */

bool api_rate_allow(api_req *r, tb_store *s, const char *key, int limit,
                    int window, tb_problem_code code, const char *what) {
  int events = 0;
  int64_t wait = 0;
  if (!table_wait(r, s, key, limit, limit, window, &events, &wait))
    return false;
  if (wait <= 0)
    return true;
  r->retry_after = (int)((wait + 999999) / 1000000);
  api_fail(r, code, "too many online applications from %s; wait %d seconds",
           what, r->retry_after);
  return false;
}
