/*
 * tb_api.h — the public interface of tongban's REST API (v1).
 *
 * An HTTP server (libmicrohttpd, a thread pool sized to the cores, epoll)
 * in front of the store: one static route table, JSON bodies parsed in one
 * place with a size cap, errors as application/problem+json (RFC 9457),
 * staff sessions with bearer tokens, the role matrix on every route, an
 * access log line per request, Prometheus metrics and the OpenAPI
 * document (api/openapi.json, embedded at build time).
 *
 * Each worker thread opens its own tb_store handle on first use; when the
 * database is unreachable requests are answered 503 with Retry-After and
 * the handle reconnects by itself.
 *
 * Ownership: the options' strings are copied by tb_api_start; the server
 * owns everything it allocates and frees it in tb_api_stop.
 */
#ifndef TB_API_H
#define TB_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
  TB_API_OK = 0,
  TB_API_INVALID, /* bad options (listen address …); see the message */
  TB_API_LISTEN,  /* the address could not be bound */
  TB_API_ERROR    /* anything else; see the message */
} tb_api_status;

typedef struct {
  const char *listen;       /* "ADDR:PORT" (IPv4, or "[v6]:PORT"); NULL:
                               "127.0.0.1:8080"; port 0 picks a free one */
  const char *conninfo;     /* libpq connection string of the server role */
  const char *region;       /* 6-digit region of new numbers; NULL: store's */
  unsigned threads;         /* worker threads; 0: the number of cores */
  int session_ttl;          /* seconds a session lasts; 0: 28800 (8 h) */
  size_t max_body;          /* bytes of a request body; 0: 1 MiB */
  size_t max_header;        /* bytes of one connection's memory (headers);
                               0: 32 KiB */
  unsigned timeout;         /* idle connection timeout, seconds; 0: 30 */
  unsigned max_connections; /* open connections (live streams count);
                               0: 4096. Needs as many file descriptors */
  bool quiet;               /* no access log on stderr */
  bool test_clock;          /* honour the X-Tongban-Clock header (Unix
                               seconds) as the time of events: tests only,
                               never in `serve` */
  const char *keys_dir;     /* electronic licenses: the keys folder (trust
                               list, signing keys; passphrase from
                               TONGBAN_KEY_PASSPHRASE[_FILE]). NULL: licenses
                               are not issued and their routes answer 503 */
} tb_api_options;

typedef struct tb_api tb_api;

/* Start listening and serving. On TB_API_OK *out is the running server;
 * otherwise *out is NULL and err says what went wrong (where it tried to
 * listen and what to check). */
tb_api_status tb_api_start(const tb_api_options *o, tb_api **out, char *err,
                           size_t err_len);

/* The TCP port the server listens on (useful after port 0). */
uint16_t tb_api_port(const tb_api *api);

/* Graceful stop: stop accepting connections (MHD_quiesce_daemon), wait up
 * to `grace` seconds (0: 10) for the requests in flight to finish, stop
 * the threads, close every database handle and free. NULL is fine. */
void tb_api_stop(tb_api *api, unsigned grace);

/* ------------------------------------------------------------------------
 * Accounts (for `tongban accounts add` and the tests)
 * ---------------------------------------------------------------------- */

/* "admin", "clerk", "officer", "inspector": whether name is a role. */
bool tb_api_role_valid(const char *name);

/* Hash a password with scrypt (OpenSSL EVP_KDF "SCRYPT", 16-byte random
 * salt); out gets "scrypt$N$r$p$SALT$HASH" (base64url), NUL-terminated.
 * false when OpenSSL fails or out is too small (TB_API_HASH_MAX). */
#define TB_API_HASH_MAX 160
bool tb_api_password_hash(const char *password, size_t len,
                          char out[TB_API_HASH_MAX]);
/* Whether password matches a stored hash (constant-time comparison). */
bool tb_api_password_check(const char *password, size_t len,
                           const char *stored);

/* Create an account: checks the user name (1..64 of [A-Za-z0-9._-]), the
 * role, the bureau (required for officers only, refused for others) and
 * the password (at least 8 bytes), hashes it and stores the account. On
 * failure msg says why ("user 'x' exists" …). */
tb_api_status tb_api_account_add(const char *conninfo, const char *user,
                                 const char *role, const char *bureau,
                                 const char *password, size_t password_len,
                                 char *msg, size_t msg_len);

#endif /* TB_API_H */
