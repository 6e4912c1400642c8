/*
 * api_conn_guard.c — connections per client address, the headers'
 * deadline and the body's minimum rate (see api_conn_guard.h).
 *
 * One record per open connection, in a list the sweeper walks, and one
 * count per client address in a small hash table. g->lock guards both;
 * a record's deadline is an atomic its connection's thread moves without
 * the lock. A connection is shut down under the lock, and its record is
 * unlinked under the lock at the close notification, which libmicrohttpd
 * makes before it closes the socket: the sweeper never touches a
 * descriptor that was closed and reused.
 *
 * The accept policy checks the count and the start notification counts:
 * two worker threads accepting at the same moment may pass one
 * connection each over the cap, never more.
 */
#include "api_conn_guard.h"
#include "tb_api_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUCKETS 1024
#define SWEEP_NS (200 * 1000000L) /* the sweeper's tick */

typedef enum { PHASE_HEADERS, PHASE_BODY, PHASE_ANSWERING } conn_phase;

typedef struct conn_rec conn_rec;
struct conn_rec {
  conn_rec *prev, *next;
  const api_conn_limits *lim; /* its guard's */
  int fd;
  api_ip key;
  bool counted; /* in its address's count (not a trusted proxy) */
  bool shut;    /* shut down by the sweeper */
  atomic_int phase;
  _Atomic int64_t deadline_us; /* 0: none */
  int64_t body_start_us;       /* the connection's thread's only */
};

typedef struct addr_count addr_count;
struct addr_count {
  api_ip key;
  unsigned n;
  addr_count *next;
};

struct api_conn_guard {
  pthread_mutex_t lock;
  conn_rec *conns;
  addr_count *buckets[BUCKETS];
  api_conn_limits lim;
  api_cidr proxies[API_MAX_PROXIES];
  size_t n_proxies;
  pthread_t sweeper;
  atomic_bool stop;
  unsigned open;
  atomic_ullong refused, timed_out[2]; /* [0] headers, [1] body */
};

/* ---- counts per address ------------------------------------------------ */

/* The key of an address: itself, or an IPv6 address's /64 (one
 * subscriber's network). false for an address of another family. */
static bool address_key(const struct sockaddr *sa, api_ip *out) {
  memset(out, 0, sizeof *out);
  if (!sa || !api_ip_from_sockaddr(sa, out))
    return false;
  if (out->family == 6)
    memset(out->bytes + 8, 0, 8);
  return true;
}

static size_t bucket_of(const api_ip *k) {
  uint32_t h = 2166136261u; /* FNV-1a */
  h = (h ^ k->family) * 16777619u;
  for (size_t i = 0; i < sizeof k->bytes; i++)
    h = (h ^ k->bytes[i]) * 16777619u;
  return h % BUCKETS;
}

static bool same_key(const api_ip *a, const api_ip *b) {
  return a->family == b->family && memcmp(a->bytes, b->bytes, 16) == 0;
}

/* The count of an address (under the lock); NULL when it has none. */
static addr_count *count_of(api_conn_guard *g, const api_ip *k) {
  for (addr_count *c = g->buckets[bucket_of(k)]; c; c = c->next)
    if (same_key(&c->key, k))
      return c;
  return NULL;
}

static void count_add(api_conn_guard *g, const api_ip *k) {
  addr_count *c = count_of(g, k);
  if (!c) {
    c = tb_xcalloc(1, sizeof *c);
    c->key = *k;
    size_t b = bucket_of(k);
    c->next = g->buckets[b];
    g->buckets[b] = c;
  }
  c->n++;
}

static void count_remove(api_conn_guard *g, const api_ip *k) {
  addr_count **at = &g->buckets[bucket_of(k)];
  while (*at && !same_key(&(*at)->key, k))
    at = &(*at)->next;
  addr_count *c = *at;
  if (!c)
    return;
  if (--c->n == 0) {
    *at = c->next;
    free(c);
  }
}

static bool exempt(const api_conn_guard *g, const api_ip *k) {
  return api_cidr_contains(g->proxies, g->n_proxies, k);
}

enum MHD_Result api_conn_guard_accept(void *cls, const struct sockaddr *addr,
                                      socklen_t addrlen) {
  (void)addrlen;
  api_conn_guard *g = cls;
  api_ip k;
  if (!address_key(addr, &k) || exempt(g, &k))
    return MHD_YES;
  pthread_mutex_lock(&g->lock);
  addr_count *c = count_of(g, &k);
  bool ok = !c || c->n < g->lim.per_address;
  pthread_mutex_unlock(&g->lock);
  if (!ok)
    atomic_fetch_add_explicit(&g->refused, 1, memory_order_relaxed);
  return ok ? MHD_YES : MHD_NO;
}

/* ---- records ------------------------------------------------------------ */

static void set_deadline(conn_rec *c, conn_phase phase, int64_t at) {
  atomic_store(&c->phase, (int)phase);
  atomic_store(&c->deadline_us, at);
}

static void opened(api_conn_guard *g, struct MHD_Connection *conn,
                   void **socket_context) {
  conn_rec *c = tb_xcalloc(1, sizeof *c);
  c->lim = &g->lim;
  const union MHD_ConnectionInfo *fd =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
  const union MHD_ConnectionInfo *ca =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  c->fd = fd ? fd->connect_fd : -1;
  bool keyed = ca && address_key(ca->client_addr, &c->key);
  set_deadline(c, PHASE_HEADERS,
               api_monotonic_us() + (int64_t)g->lim.header_timeout * 1000000);
  pthread_mutex_lock(&g->lock);
  c->counted = keyed && !exempt(g, &c->key);
  if (c->counted)
    count_add(g, &c->key);
  c->next = g->conns;
  if (g->conns)
    g->conns->prev = c;
  g->conns = c;
  g->open++;
  pthread_mutex_unlock(&g->lock);
  *socket_context = c;
}

static void closed(api_conn_guard *g, conn_rec *c) {
  pthread_mutex_lock(&g->lock);
  if (c->counted)
    count_remove(g, &c->key);
  if (c->prev)
    c->prev->next = c->next;
  else
    g->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  g->open--;
  pthread_mutex_unlock(&g->lock);
  free(c);
}

void api_conn_guard_notify(void *cls, struct MHD_Connection *conn,
                           void **socket_context,
                           enum MHD_ConnectionNotificationCode code) {
  api_conn_guard *g = cls;
  if (code == MHD_CONNECTION_NOTIFY_STARTED)
    opened(g, conn, socket_context);
  else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
    closed(g, *socket_context);
    *socket_context = NULL;
  }
}

/* The record of a connection, or NULL (no guard running). */
static conn_rec *record_of(struct MHD_Connection *conn) {
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return ci ? ci->socket_context : NULL;
}

void api_conn_guard_headers_in(struct MHD_Connection *conn) {
  conn_rec *c = record_of(conn);
  if (!c)
    return;
  c->body_start_us = api_monotonic_us();
  set_deadline(c, PHASE_BODY,
               c->body_start_us + (int64_t)c->lim->body_timeout * 1000000);
}

void api_conn_guard_body(struct MHD_Connection *conn, size_t received) {
  conn_rec *c = record_of(conn);
  if (!c)
    return;
  /* one more second for every body_min_rate bytes received */
  int64_t earned = (int64_t)(received / c->lim->body_min_rate) * 1000000 +
                   (int64_t)(received % c->lim->body_min_rate) * 1000000 /
                       c->lim->body_min_rate;
  set_deadline(c, PHASE_BODY,
               c->body_start_us + (int64_t)c->lim->body_timeout * 1000000 +
                   earned);
}

void api_conn_guard_answering(struct MHD_Connection *conn) {
  conn_rec *c = record_of(conn);
  if (c)
    set_deadline(c, PHASE_ANSWERING, 0);
}

void api_conn_guard_answered(struct MHD_Connection *conn) {
  conn_rec *c = record_of(conn);
  if (c)
    set_deadline(c, PHASE_HEADERS,
                 api_monotonic_us() +
                     (int64_t)c->lim->header_timeout * 1000000);
}

/* ---- the sweeper ----------------------------------------------------------
 */

/* Shut down every connection past its deadline (under the lock). */
static void sweep(api_conn_guard *g) {
  int64_t now = api_monotonic_us();
  pthread_mutex_lock(&g->lock);
  for (conn_rec *c = g->conns; c; c = c->next) {
    int64_t at = atomic_load(&c->deadline_us);
    if (c->shut || at == 0 || now < at || c->fd < 0)
      continue;
    c->shut = true;
    shutdown(c->fd, SHUT_RDWR);
    bool body = atomic_load(&c->phase) == PHASE_BODY;
    atomic_fetch_add_explicit(&g->timed_out[body], 1, memory_order_relaxed);
  }
  pthread_mutex_unlock(&g->lock);
}

static void *sweeper_main(void *cls) {
  api_conn_guard *g = cls;
  while (!atomic_load(&g->stop)) {
    struct timespec ts = {0, SWEEP_NS};
    nanosleep(&ts, NULL);
    sweep(g);
  }
  return NULL;
}

api_conn_guard *api_conn_guard_start(const api_conn_limits *l,
                                     const api_edge *edge) {
  api_conn_guard *g = tb_xcalloc(1, sizeof *g);
  pthread_mutex_init(&g->lock, NULL);
  g->lim = *l;
  if (g->lim.body_min_rate == 0)
    g->lim.body_min_rate = 1;
  g->n_proxies = edge->n_proxies;
  memcpy(g->proxies, edge->proxies, sizeof g->proxies);
  atomic_init(&g->stop, false);
  atomic_init(&g->refused, 0);
  atomic_init(&g->timed_out[0], 0);
  atomic_init(&g->timed_out[1], 0);
  if (pthread_create(&g->sweeper, NULL, sweeper_main, g) != 0) {
    pthread_mutex_destroy(&g->lock);
    free(g);
    return NULL;
  }
  return g;
}

void api_conn_guard_stop(api_conn_guard *g) {
  if (!g)
    return;
  atomic_store(&g->stop, true);
  pthread_join(g->sweeper, NULL);
  for (conn_rec *c = g->conns, *next; c; c = next) {
    next = c->next;
    free(c);
  }
  for (size_t b = 0; b < BUCKETS; b++)
    for (addr_count *c = g->buckets[b], *next; c; c = next) {
      next = c->next;
      free(c);
    }
  pthread_mutex_destroy(&g->lock);
  free(g);
}

void api_conn_guard_text(api_conn_guard *g, tb_buf *t) {
  if (!g)
    return;
  pthread_mutex_lock(&g->lock);
  unsigned open = g->open;
  pthread_mutex_unlock(&g->lock);
  tb_buf_addf(t,
              "# HELP tongban_http_connections Open HTTP connections.\n"
              "# TYPE tongban_http_connections gauge\n"
              "tongban_http_connections %u\n"
              "# HELP tongban_http_connections_refused_total Connections "
              "refused because their client address had %u open already.\n"
              "# TYPE tongban_http_connections_refused_total counter\n"
              "tongban_http_connections_refused_total %llu\n",
              open, g->lim.per_address,
              (unsigned long long)atomic_load(&g->refused));
  tb_buf_addf(t,
              "# HELP tongban_http_connections_timed_out_total Connections "
              "closed because a request's headers were not all in within "
              "the header timeout (phase=headers; an idle keep-alive "
              "connection counts here too) or its body came too slowly "
              "(phase=body).\n"
              "# TYPE tongban_http_connections_timed_out_total counter\n"
              "tongban_http_connections_timed_out_total{phase=\"headers\"} "
              "%llu\n"
              "tongban_http_connections_timed_out_total{phase=\"body\"} "
              "%llu\n",
              (unsigned long long)atomic_load(&g->timed_out[0]),
              (unsigned long long)atomic_load(&g->timed_out[1]));
}
