/*
 * api_request.c — the request's accessors (see api_request.h): headers
 * and query arguments through libmicrohttpd, the actor of the audit trail,
 * and the database handles, one per worker thread, opened on first use
 * and closed when their server stops.
 */
#include "api_request.h"

#include "tb_log.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool api_context_heard(void *cls, const char *payload) {
  api_context *c = cls;
  return api_events_heard(c->track_cache, c->session_cache, payload);
}

void api_context_init(api_context *c, uint64_t generation, const char *conninfo,
                      const char *region, int session_ttl) {
  memset(c, 0, sizeof *c);
  pthread_mutex_init(&c->lock, NULL);
  c->generation = generation;
  c->conninfo = tb_xstrndup(conninfo, strlen(conninfo));
  c->region = region ? tb_xstrndup(region, strlen(region)) : NULL;
  c->session_ttl = session_ttl;
  c->track_cache = api_track_cache_new(0, 0, 0);
  c->session_cache = api_session_cache_new(0, 0);
}

void api_context_free(api_context *c) {
  for (int i = 0; i < c->n_stores; i++)
    tb_store_close(c->stores[i]);
  c->n_stores = 0;
  pthread_mutex_destroy(&c->lock);
  api_track_cache_free(c->track_cache);
  api_session_cache_free(c->session_cache);
  c->track_cache = NULL;
  c->session_cache = NULL;
  free(c->conninfo);
  free(c->region);
}

/* ---- per-thread database handles ---------------------------------------- */

typedef struct {
  uint64_t generation;
  tb_store *store;
} tls_slot;

static _Thread_local tls_slot tls;

void api_context_store_options(const api_context *c, tb_store_options *o) {
  o->loader = c->loader;
  o->licenses = c->license_handler;
  o->counters = api_metrics_store_counters(c->metrics);
  o->session_idle = c->session_idle;
  o->events = &c->event_hook;
}

static tb_store *open_store(api_context *c) {
  tb_store_options o = {.conninfo = c->conninfo, .region = c->region};
  api_context_store_options(c, &o);
  tb_store *s = NULL;
  char err[512];
  if (tb_store_open(&o, &s, err, sizeof err) != TB_STORE_OK) {
    tb_log_kv(TB_LOG_ERROR, "api", "cannot open a database handle",
              TB_LOG_S("error", err));
    return NULL;
  }
  pthread_mutex_lock(&c->lock);
  if (c->n_stores >= API_MAX_STORES) {
    pthread_mutex_unlock(&c->lock);
    tb_store_close(s);
    tb_log_kv(TB_LOG_ERROR, "api", "too many database handles",
              TB_LOG_I("max", API_MAX_STORES));
    return NULL;
  }
  c->stores[c->n_stores++] = s;
  pthread_mutex_unlock(&c->lock);
  return s;
}

tb_store *api_store(api_req *r) {
  api_context *c = r->ctx;
  if (tls.generation != c->generation || !tls.store) {
    tb_store *s = open_store(c);
    if (!s) {
      api_fail_store(r, TB_STORE_UNAVAILABLE);
      return NULL;
    }
    tls.generation = c->generation;
    tls.store = s;
  }
  if (!tb_store_connected(tls.store) &&
      tb_store_reconnect(tls.store) != TB_STORE_OK) {
    api_fail_store(r, TB_STORE_UNAVAILABLE);
    return NULL;
  }
  return tls.store;
}

/* ---- the request ----------------------------------------------------------
 */

int api_session_ttl(const api_req *r) {
  return r->ctx->session_ttl;
}

const tb_api_password_policy *api_password_policy(const api_req *r) {
  return &r->ctx->password_policy;
}

size_t api_max_file_bytes(const api_req *r) {
  return r->ctx->max_file_bytes;
}

size_t api_max_application_bytes(const api_req *r) {
  return r->ctx->max_app_bytes;
}

const tb_api_intake *api_intake_of(const api_req *r) {
  return &r->ctx->intake;
}

const char *api_header(api_req *r, const char *name) {
  return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *api_query(api_req *r, const char *name) {
  return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

void api_actor(const api_req *r, tb_store_actor *actor) {
  memset(actor, 0, sizeof *actor);
  if (r->authed) {
    actor->id = r->who.id;
    actor->name = r->who.username;
    actor->role = r->who.role;
    actor->bureau = r->who.bureau[0] ? r->who.bureau : NULL;
  } else {
    actor->name = "applicant";
    actor->role = "applicant";
  }
}

const uint8_t *api_code_key(const api_req *r) {
  return r->ctx->has_code_key ? r->ctx->code_key : NULL;
}

api_hub *api_hub_of(api_req *r) {
  return r->ctx->hub;
}

api_track_cache *api_track_cache_of(api_req *r) {
  return r->ctx->track_cache;
}

api_session_cache *api_session_cache_of(api_req *r) {
  return r->ctx->session_cache;
}

int api_session_idle_of(const api_req *r) {
  return r->ctx->session_idle;
}

api_licenses *api_licenses_of(api_req *r) {
  return r->ctx->licenses;
}

const tb_rule_set *api_rules_of(const api_req *r) {
  return r->ctx->rules;
}

struct tb_doc_templates *api_templates_of(const api_req *r) {
  return r->ctx->templates;
}

api_metrics *api_metrics_of(api_req *r) {
  return r->ctx->metrics;
}

api_guesses *api_guesses_of(api_req *r) {
  return r->ctx->guesses;
}

const api_totp *api_totp_of(const api_req *r) {
  return r->ctx->totp;
}

api_hashpool *api_hashpool_of(api_req *r) {
  return r->ctx->hashpool;
}

struct api_conn_guard *api_conn_guard_of(api_req *r) {
  return r->ctx->guard;
}

int64_t api_monotonic_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- suspended requests (the mechanism: api_server.c) -------------------- */

void api_suspend(api_req *r, api_continuation then, void *cls) {
  r->then = then;
  r->then_cls = cls;
  MHD_suspend_connection(r->conn);
}

void api_resume(api_req *r) {
  MHD_resume_connection(r->conn);
}

const api_route *api_route_table(const api_req *r, size_t *n) {
  *n = r->ctx->n_routes;
  return r->ctx->routes;
}

void api_reply_response(api_req *r, int status, struct MHD_Response *resp,
                        long long bytes) {
  r->response = resp;
  r->response_bytes = bytes;
  r->status = status;
  r->replied = true;
}

const char *api_public_url(const api_req *r) {
  return r->ctx->edge.public_url;
}
