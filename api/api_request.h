/*
 * api_request.h — what the request's accessors (api_request.c) need of
 * the server that runs the request: its settings, its own licenses,
 * counters and guess table (two servers in one process share nothing),
 * and the table of its database handles, one per worker thread. Only
 * api_server.c (which makes it) and api_request.c include this; the accessors
 * themselves are declared in tb_api_int.h ("the request's accessors").
 *
 * The server (api_server.c: the daemon and dispatch) fills a request in
 * and hands it to a handler; handlers and the helpers below them reach the
 * server only through the accessors, never by calling into api_server.c,
 * so the server's top is not included from below (DESIGN.md, "Layering,
 * checked"). Not for use outside api/.
 */
#ifndef API_REQUEST_H
#define API_REQUEST_H

#include "api_caches.h"
#include "api_forwarded.h"
#include "tb_api_int.h"
#include "tb_store_events.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define API_MAX_STORES 256

/* What the accessors need of the server a request runs in (r->ctx).
 * api_server.c makes it at start (api_context_init, then sets hub and
 * routes) and frees it after the daemon stopped; afterwards only the
 * handle table changes (under lock). */
struct api_context {
  uint64_t generation; /* tells this server's thread handles from those of
                          a server started before it in this process */
  char *conninfo;
  char *region;
  int session_ttl;        /* seconds a new session lasts */
  size_t max_file_bytes;  /* one uploaded file */
  size_t max_app_bytes;   /* all files of one application */
  api_hub *hub;           /* the live stream's hub, or NULL */
  api_licenses *licenses; /* trust list and issuer; NULL: licenses off */
  api_metrics *metrics;   /* the counters of /metrics */
  api_guesses *guesses;   /* tracking guesses (api_throttle.c) */
  bool has_code_key;      /* tracking codes are derived (api_receipt.c) */
  uint8_t code_key[32];   /* the keys folder's tracking.key */
  /* what every store handle of this server is opened with besides its
   * connection: the definition loader and the license handler (valid
   * while licenses is) */
  const tb_store_loader *loader;
  const tb_store_license_handler *license_handler;
  const tb_rule_set *rules; /* the supervision rules, or NULL (borrowed) */
  struct tb_doc_templates *templates; /* the documents' templates, or NULL
                                         (borrowed) */
  const api_route *routes; /* the route table (for metrics' labels) */
  size_t n_routes;
  pthread_mutex_t lock;
  tb_store *stores[API_MAX_STORES]; /* every handle opened, to close */
  int n_stores;
  api_edge edge; /* the public URL and the trusted proxies */
  /* the second factor's roles and key (api_totp.h) */
  api_totp *totp;
  tb_api_intake intake; /* anonymous intake's limits (defaults applied) */
  tb_api_password_policy password_policy; /* passwords set through the API */
  int session_idle;             /* seconds; every store handle's session_idle */
  api_hashpool *hashpool;       /* password hashing (api_hashpool.c) */
  struct api_conn_guard *guard; /* connection limits (api_conn_guard.h) */
  /* the caches kept right by the change events (api_caches.h), and the
   * store handles' hook that tells them (and the hub) of this node's
   * commits (set by api_server.c) */
  api_track_cache *track_cache;
  api_session_cache *session_cache;
  tb_store_event_hook event_hook;
};

/* Fill c (conninfo and region are copied; region may be NULL). */
void api_context_init(api_context *c, uint64_t generation, const char *conninfo,
                      const char *region, int session_ttl);
/* Close every database handle and free the copies (hub, licenses,
 * metrics and guesses stay the server's to free). */
void api_context_free(api_context *c);
/* The hub's listener of every event (api_hub_start's heard; cls: the
 * context): the caches hear it first (api_events_heard). */
bool api_context_heard(void *cls, const char *payload);
/* Set o's loader and license handler to the server's, and the event hook
 * of its caches. */
void api_context_store_options(const api_context *c, tb_store_options *o);

#endif /* API_REQUEST_H */
