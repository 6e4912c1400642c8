/*
 * api_conn_guard.h — the server's guard against clients that hold
 * connections: a cap on the connections of one client address, a total
 * deadline for a request's headers and a minimum rate for its body.
 *
 * libmicrohttpd's own connection timeout is an idle timeout, which a
 * client sending one byte every few seconds resets forever; its per-IP
 * limit would cap a trusted proxy (nginx), from which every client
 * comes. So: an accept policy counts connections per address (an IPv6
 * address by its /64; a --trusted-proxy peer is never capped), the
 * connection notifications keep one record per connection, the server's
 * request callbacks tell each record where its request is (waiting for
 * headers, receiving the body, answering), and a sweeper thread shuts
 * down (shutdown(2)) the connections past their deadline, which
 * libmicrohttpd then closes. Used by api_server.c only.
 */
#ifndef API_CONN_GUARD_H
#define API_CONN_GUARD_H

#include "api_forwarded.h"
#include "tb_engine.h"

#include <microhttpd.h>
#include <stdbool.h>
#include <sys/socket.h>

typedef struct {
  unsigned per_address;    /* connections of one client address */
  unsigned header_timeout; /* seconds for a request's headers, counted from
                              the connection's start or the previous
                              answer (so also an idle keep-alive's life) */
  unsigned body_timeout;   /* seconds for a body, plus one second for
                              every body_min_rate bytes received */
  unsigned body_min_rate;  /* bytes per second */
} api_conn_limits;

typedef struct api_conn_guard api_conn_guard;

/* Start the guard and its sweeper thread. edge's trusted proxies are
 * exempt from the per-address cap (copied). NULL when the thread cannot
 * start. */
api_conn_guard *api_conn_guard_start(const api_conn_limits *l,
                                     const api_edge *edge);
/* Stop the sweeper and free; after the daemon stopped. NULL is fine. */
void api_conn_guard_stop(api_conn_guard *g);

/* libmicrohttpd's accept policy (cls: the guard): MHD_NO for an address
 * at its cap. */
enum MHD_Result api_conn_guard_accept(void *cls, const struct sockaddr *addr,
                                      socklen_t addrlen);
/* libmicrohttpd's MHD_OPTION_NOTIFY_CONNECTION (cls: the guard): the
 * record of a connection made at its start and freed at its close. */
void api_conn_guard_notify(void *cls, struct MHD_Connection *conn,
                           void **socket_context,
                           enum MHD_ConnectionNotificationCode code);

/* Where the connection's request is, from the request callbacks: the
 * headers are in (the body's deadline starts), `received` body bytes
 * have come (the deadline moves on), the answer is being made (no
 * deadline), the answer was sent (the next headers' deadline starts). */
void api_conn_guard_headers_in(struct MHD_Connection *conn);
void api_conn_guard_body(struct MHD_Connection *conn, size_t received);
void api_conn_guard_answering(struct MHD_Connection *conn);
void api_conn_guard_answered(struct MHD_Connection *conn);

/* The guard's metrics (tongban_http_connections*) in Prometheus text. */
void api_conn_guard_text(api_conn_guard *g, tb_buf *t);

#endif /* API_CONN_GUARD_H */
