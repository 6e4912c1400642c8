/*
 * api_sse.c — the live supervision stream: server-sent events fed by
 * the change events every node tails (store/tb_store_events.h).
 *
 * One hub per server: a thread owns one listener connection (it waits on
 * the socket and on a pipe with poll, and reconnects by itself). It reads
 * the tail of event_tail every 100 ms, and sooner when this node committed
 * events (api_hub_poke writes a byte to the pipe) or when a NOTIFY
 * "tongban_tail" says another node did — at once, or 50 ms after the
 * previous read if that was sooner, so that under load one read carries
 * the events of many commits (the caches of this node are told at commit,
 * not by the tail: only the streams wait); when this node committed, it
 * sends that NOTIFY itself, outside every transaction and at most every
 * 50 ms. Once a minute it deletes the events it read five minutes
 * before. Every event first goes to the caches (api_caches.h), then
 * into a bounded ring of recent events with an id "EPOCH-N" (EPOCH
 * random per process, N counting up), and wakes the streams. A NOTIFY
 * "tongban" with a payload (sent by hand) is still heard as an event. A stream
 * is a chunked response whose content reader copies the events after its
 * cursor; with nothing to send it suspends its connection
 * (MHD_suspend_connection), so an idle stream costs a socket and a small
 * struct, never a thread. The hub thread resumes streams when an event arrives
 * and every 15 s for a comment heartbeat (which is also how a vanished client
 * is noticed).
 *
 * Resume: Last-Event-ID of this process and still in the ring → the
 * events after it are replayed; any other id (older than the ring, from
 * another process or a restart) → a "reset" event: reload the overview.
 * A stream that lost an event of its own (it fell behind the ring while
 * its client read slowly) gets "reset" too, and so does everyone after
 * the listener had to reconnect (the tail goes on where it was, but a
 * NOTIFY sent by hand meanwhile is lost).
 *
 * Audiences (issue 17 §3): each event is read once when it arrives
 * (api_sse_audience.h): an inspector's stream carries every event, an
 * officer's only those of applications in which its bureau has a task, a
 * clerk's only the window's, with narrower data. A stream skips what is
 * not its own, replays included; an event too long for the ring becomes
 * a "reset" for the same audience only.
 *
 * A stream is authorised for its whole life: every recheck interval
 * (default 2 s) the hub reads the sessions of all open streams in one
 * statement (tb_store_sessions_check, the same condition as a request's
 * token check, reading only) on a connection of its own, and a stream
 * whose session was logged out, revoked or expired, whose account was
 * disabled or deleted, or whose role or bureau changed gets a last
 * "auth" event naming the reason and is closed. The check sees what every
 * server process on the database did, so a logout through one node ends
 * the streams on all.
 *
 * Locking: hub->lock guards the ring and the stream list. Connections are
 * suspended under it (from the reader, as libmicrohttpd allows) and
 * resumed outside it; a suspended connection cannot be closed, so the
 * pointers collected under the lock stay valid until resumed.
 */
#include "api_http.h"
#include "api_sse_audience.h"
#include "tb_api_int.h"
#include "tb_log.h"
#include "tb_store_accounts.h"
#include "tb_store_events.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define RING 1024             /* recent events kept for resume */
#define MAX_EVENT 8400        /* one event's text (NOTIFY payload ≤ 8000) */
#define OUT_MAX (64 * 1024)   /* what one stream buffers at a time */
#define HEARTBEAT_US 15000000 /* a comment line this often */
#define POLL_MS 200           /* the hub thread's tick */
#define RECONNECT_US 1000000  /* wait between listener connection tries */
#define RECHECK_S 2           /* default seconds between session checks */
#define TAIL_US 100000        /* the change events read at least this often */
#define WAKE_US 50000         /* the other nodes woken at most this often */
#define BATCH_US 50000   /* a woken hub reads the tail at most this often */
#define TRIM_US 60000000 /* old change events deleted this often */
#define TRIM_SLOTS 5     /* ... those read TRIM_SLOTS minutes ago */

/* Whose stream it is: what it may carry. */
typedef enum { AUD_INSPECTOR, AUD_OFFICER, AUD_CLERK } audience;

typedef struct {
  uint64_t id;
  char *text; /* the whole event, "id: …\nevent: …\ndata: …\n\n" */
  size_t len;
  bool everyone; /* the hub's own reset: every stream; else inspectors,
                    and the officers and clerks below */
  char *window;  /* the clerk's version of the event, or NULL: not theirs */
  size_t window_len;
  char *bureaus; /* ",A,B,": the officers' bureaus that see it, or NULL */
} hub_event;

typedef struct api_stream api_stream;
struct api_stream {
  api_hub *hub;
  struct MHD_Connection *conn;
  api_stream *prev, *next;
  uint64_t cursor; /* the id of the last event queued or skipped */
  bool lost;       /* an event of its own left the ring unsent */
  bool suspended;
  int64_t last_write_us;
  char *out;
  size_t out_len, out_off;
  /* who: fixed when it opens, re-checked every interval */
  audience aud;
  uint8_t token_hash[32];
  char role[16];
  char bureau[64];
  char username[65];
  const char *end_reason; /* set: the session ended; the last event */
  bool end_sent;          /* the "auth" event is queued: end after it */
};

struct api_hub {
  pthread_mutex_t lock;
  hub_event ring[RING];
  uint64_t next_id; /* the id the next event gets; ids start at 1 */
  uint32_t epoch;
  api_stream *streams;
  size_t n_streams;
  bool closing;
  bool listening;
  char *conninfo;
  pthread_t thread;
  atomic_bool stop;
  int64_t recheck_us; /* between session checks */
  tb_store *store;    /* the hub thread's, for the checks (lazily) */
  bool (*heard)(void *cls, const char *payload); /* the caches, or NULL */
  void *heard_cls;
  int poke[2]; /* a pipe: a byte in it says this node committed events */
};

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- the ring --------------------------------------------------------- */

static uint64_t oldest_id(const api_hub *h) {
  return h->next_id > RING ? h->next_id - RING : 1;
}

/* The text of event id (malloc'ed, *len its length); an event too long
 * for one becomes a reset. data must hold no newline. */
static char *event_text(const api_hub *h, uint64_t id, const char *type,
                        const char *data, size_t *len) {
  char text[MAX_EVENT];
  int n = snprintf(text, MAX_EVENT,
                   "id: %08" PRIx32 "-%" PRIu64 "\nevent: %s\ndata: %s\n\n",
                   h->epoch, id, type, data);
  if (n < 0 || n >= MAX_EVENT)
    n = snprintf(text, MAX_EVENT,
                 "id: %08" PRIx32 "-%" PRIu64 "\nevent: reset\ndata: {}\n\n",
                 h->epoch, id);
  *len = (size_t)n;
  return tb_xstrndup(text, *len);
}

static void event_clear(hub_event *e) {
  free(e->text);
  free(e->window);
  free(e->bureaus);
  memset(e, 0, sizeof *e);
}

/* The event as stream st gets it (*len its length); NULL: not its own. */
static const char *event_for(const hub_event *e, const api_stream *st,
                             size_t *len) {
  *len = e->len;
  if (e->everyone || st->aud == AUD_INSPECTOR)
    return e->text;
  if (st->aud == AUD_CLERK) {
    *len = e->window_len;
    return e->window;
  }
  api_sse_audience a = {.bureaus = e->bureaus};
  return api_sse_audience_officer(&a, st->bureau) ? e->text : NULL;
}

/* The oldest event leaves the ring (under the lock): a stream that had
 * not sent it yet moves past it, and notes the loss (a "reset" follows)
 * only when it was its own. So the events of others never cost a stream
 * a reset, which would tell of them. */
static void evict(api_hub *h, const hub_event *e) {
  for (api_stream *st = h->streams; st; st = st->next) {
    if (st->cursor >= e->id)
      continue;
    size_t len;
    if (event_for(e, st, &len))
      st->lost = true;
    st->cursor = e->id;
  }
}

/* Append an event (under the lock). data must hold no newline. a: its
 * audience (its strings are taken), NULL: the hub's own, for everyone;
 * inspectors_only: a payload that was no change event. */
static void ring_push(api_hub *h, const char *type, const char *data,
                      api_sse_audience *a, bool inspectors_only) {
  uint64_t id = h->next_id++;
  hub_event *e = &h->ring[id % RING];
  if (e->text)
    evict(h, e);
  event_clear(e);
  e->id = id;
  e->text = event_text(h, id, type, data, &e->len);
  e->everyone = !a && !inspectors_only;
  if (a && a->window)
    e->window = event_text(h, id, type, a->window, &e->window_len);
  if (a) {
    e->bureaus = a->bureaus;
    a->bureaus = NULL;
  }
}

/* Parse "EPOCH-N" of this process; false when it is not one of ours. */
static bool parse_event_id(const api_hub *h, const char *s, uint64_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long epoch = strtoul(s, &end, 16);
  if (errno || !end || *end != '-' || epoch != h->epoch)
    return false;
  const char *n = end + 1;
  errno = 0;
  unsigned long long id = strtoull(n, &end, 10);
  if (errno || !end || *end || end == n)
    return false;
  *out = (uint64_t)id;
  return true;
}

/* ---- streams ------------------------------------------------------------ */

static void out_append(api_stream *st, const char *text, size_t len) {
  if (st->out_len + len > OUT_MAX)
    return;
  memcpy(st->out + st->out_len, text, len);
  st->out_len += len;
}

static const char RESET[] = "event: reset\ndata: {}\n\n";

/* Queue the events after the cursor that are st's own (under the lock).
 * One of its own was lost (it fell behind the ring): a reset instead. */
static void fill(api_hub *h, api_stream *st) {
  if (st->lost) {
    out_append(st, RESET, sizeof RESET - 1);
    st->lost = false;
    st->cursor = h->next_id - 1;
    return;
  }
  while (st->cursor + 1 < h->next_id) {
    size_t len;
    const char *text = event_for(&h->ring[(st->cursor + 1) % RING], st, &len);
    if (text && st->out_len + len > OUT_MAX)
      break;
    if (text)
      out_append(st, text, len);
    st->cursor++;
  }
}

/* The last event of a stream whose session ended: "auth" with the
 * reason, so that the page asks to log in again instead of reconnecting
 * with a dead token. */
static void queue_end(api_stream *st) {
  char text[128];
  int n =
      snprintf(text, sizeof text, "event: auth\ndata: {\"reason\":\"%s\"}\n\n",
               st->end_reason);
  if (n > 0 && (size_t)n < sizeof text)
    out_append(st, text, (size_t)n);
  st->end_sent = true;
}

static ssize_t read_stream(void *cls, uint64_t pos, char *buf, size_t max) {
  (void)pos;
  api_stream *st = cls;
  api_hub *h = st->hub;
  pthread_mutex_lock(&h->lock);
  if (st->out_off >= st->out_len) {
    st->out_off = st->out_len = 0;
    if (h->closing || st->end_sent) {
      pthread_mutex_unlock(&h->lock);
      return MHD_CONTENT_READER_END_OF_STREAM;
    }
    if (st->end_reason)
      queue_end(st);
    else
      fill(h, st);
    if (st->out_len == 0 && now_us() - st->last_write_us >= HEARTBEAT_US) {
      static const char HB[] = ": heartbeat\n\n";
      out_append(st, HB, sizeof HB - 1);
    }
    if (st->out_len == 0) {
      st->suspended = true;
      MHD_suspend_connection(st->conn);
      pthread_mutex_unlock(&h->lock);
      return 0;
    }
  }
  size_t n = st->out_len - st->out_off;
  if (n > max)
    n = max;
  memcpy(buf, st->out + st->out_off, n);
  st->out_off += n;
  st->last_write_us = now_us();
  pthread_mutex_unlock(&h->lock);
  return (ssize_t)n;
}

static void free_stream(void *cls) {
  api_stream *st = cls;
  api_hub *h = st->hub;
  pthread_mutex_lock(&h->lock);
  if (st->prev)
    st->prev->next = st->next;
  else
    h->streams = st->next;
  if (st->next)
    st->next->prev = st->prev;
  h->n_streams--;
  pthread_mutex_unlock(&h->lock);
  free(st->out);
  free(st);
}

/* Resume the suspended streams that pass `want` (all when NULL); want
 * runs under the lock and may move a suspended stream's cursor. */
static void wake(api_hub *h, bool (*want)(api_stream *, int64_t)) {
  int64_t now = now_us();
  pthread_mutex_lock(&h->lock);
  size_t n = 0, cap = h->n_streams;
  struct MHD_Connection **conns = cap ? tb_xmalloc(cap * sizeof *conns) : NULL;
  for (api_stream *st = h->streams; st && n < cap; st = st->next) {
    if (!st->suspended || (want && !want(st, now)))
      continue;
    st->suspended = false;
    conns[n++] = st->conn;
  }
  pthread_mutex_unlock(&h->lock);
  for (size_t i = 0; i < n; i++)
    MHD_resume_connection(conns[i]);
  free(conns);
}

static bool heartbeat_due(api_stream *st, int64_t now) {
  return now - st->last_write_us >= HEARTBEAT_US;
}

/* Whether st has an event of its own to send; the cursor moves past the
 * others meanwhile, so a stream that sees few events never falls behind
 * the ring because of the rest (nor gets a reset that would tell of
 * them). Under the lock. */
static bool has_own(api_stream *st, int64_t now) {
  (void)now;
  api_hub *h = st->hub;
  if (st->end_reason || st->lost)
    return true;
  for (; st->cursor + 1 < h->next_id; st->cursor++) {
    size_t len;
    if (event_for(&h->ring[(st->cursor + 1) % RING], st, &len))
      return true;
  }
  return false;
}

static bool ending(api_stream *st, int64_t now) {
  (void)now;
  return st->end_reason != NULL;
}

/* ---- the listener thread ------------------------------------------------ */

typedef struct {
  api_hub *hub;
  bool got;
} notify_ctx;

static void on_notify(const char *payload, void *cls) {
  notify_ctx *ctx = cls;
  api_hub *h = ctx->hub;
  if (h->heard && !h->heard(h->heard_cls, payload))
    return; /* not for the streams (an account's event) */
  ctx->got = true;
  api_sse_audience a;
  if (api_sse_audience_read(payload, &a)) {
    pthread_mutex_lock(&h->lock);
    ring_push(h, "change", a.data, &a, false);
    pthread_mutex_unlock(&h->lock);
    api_sse_audience_free(&a);
    return;
  }
  /* not a change event of ours: for inspectors only, on one line */
  char data[MAX_EVENT - 128];
  size_t n = 0;
  for (const char *p = payload; *p && n + 1 < sizeof data; p++)
    data[n++] = (*p == '\n' || *p == '\r') ? ' ' : *p;
  data[n] = '\0';
  pthread_mutex_lock(&h->lock);
  ring_push(h, "change", data, NULL, true);
  pthread_mutex_unlock(&h->lock);
}

/* ---- sessions re-checked ---------------------------------------------- */

static const char *end_name(tb_store_session_end e) {
  switch (e) {
  case TB_STORE_SESSION_LIVE:
    return NULL;
  case TB_STORE_SESSION_REVOKED:
    return "revoked";
  case TB_STORE_SESSION_EXPIRED:
    return "expired";
  case TB_STORE_SESSION_DISABLED:
    return "disabled";
  case TB_STORE_SESSION_ENDED:
    break;
  }
  return "ended";
}

static int cmp_hash(const void *x, const void *y) {
  return memcmp(((const tb_store_session_check *)x)->token_hash,
                ((const tb_store_session_check *)y)->token_hash, 32);
}

/* The tokens of the open streams that are not ending yet, each once and
 * sorted (under the lock); *n how many. NULL when there are none. */
static tb_store_session_check *collect(api_hub *h, size_t *n) {
  *n = 0;
  if (h->n_streams == 0)
    return NULL;
  tb_store_session_check *items = tb_xcalloc(h->n_streams, sizeof *items);
  size_t k = 0;
  for (api_stream *st = h->streams; st && k < h->n_streams; st = st->next)
    if (!st->end_reason)
      memcpy(items[k++].token_hash, st->token_hash, 32);
  qsort(items, k, sizeof *items, cmp_hash);
  for (size_t i = 0; i < k; i++)
    if (*n == 0 || cmp_hash(&items[*n - 1], &items[i]) != 0)
      items[(*n)++] = items[i];
  if (*n == 0) {
    free(items);
    return NULL;
  }
  return items;
}

/* Why stream st must end, given its session now (NULL: it goes on). */
static const char *verdict(const api_stream *st,
                           const tb_store_session_check *c) {
  if (c->end != TB_STORE_SESSION_LIVE)
    return end_name(c->end);
  if (strcmp(c->role, st->role) != 0 || strcmp(c->bureau, st->bureau) != 0)
    return "role_changed";
  return NULL;
}

/* Mark the streams whose sessions ended (under the lock): those checked
 * (a stream opened meanwhile waits for the next check). */
static size_t mark_ended(api_hub *h, const tb_store_session_check *items,
                         size_t n) {
  size_t ended = 0;
  for (api_stream *st = h->streams; st; st = st->next) {
    tb_store_session_check key;
    memcpy(key.token_hash, st->token_hash, 32);
    const tb_store_session_check *c =
        st->end_reason ? NULL
                       : bsearch(&key, items, n, sizeof *items, cmp_hash);
    const char *why = c ? verdict(st, c) : NULL;
    if (!why)
      continue;
    st->end_reason = why;
    ended++;
    tb_log_kv(TB_LOG_INFO, "api", "live stream ended: the session changed",
              TB_LOG_S("user", st->username), TB_LOG_S("reason", why));
  }
  return ended;
}

/* One statement for the sessions of every open stream; end the streams
 * whose session ended or whose account's role or bureau changed. A
 * database that does not answer ends nothing (the next check retries). */
static void recheck(api_hub *h) {
  size_t n = 0;
  pthread_mutex_lock(&h->lock);
  tb_store_session_check *items = collect(h, &n);
  pthread_mutex_unlock(&h->lock);
  if (!items)
    return;
  if (!h->store) {
    tb_store_options o = {.conninfo = h->conninfo};
    char err[512];
    if (tb_store_open(&o, &h->store, err, sizeof err) != TB_STORE_OK) {
      tb_log_kv(TB_LOG_WARN, "api", "live streams: sessions not checked",
                TB_LOG_S("error", err));
      free(items);
      return;
    }
  }
  tb_store_status rc = tb_store_sessions_check(h->store, items, n);
  size_t ended = 0;
  if (rc == TB_STORE_OK) {
    pthread_mutex_lock(&h->lock);
    ended = mark_ended(h, items, n);
    pthread_mutex_unlock(&h->lock);
  } else {
    tb_log_kv(TB_LOG_WARN, "api", "live streams: sessions not checked",
              TB_LOG_S("error", tb_store_status_name(rc)));
  }
  free(items);
  if (ended)
    wake(h, ending);
}

/* ---- the tail of change events ---------------------------------------- */

/* What the hub thread keeps between turns. */
typedef struct {
  tb_store_listener *l;
  bool was_connected;
  bool owe_wake; /* this node committed: wake the others when allowed */
  bool owe_tail; /* woken: read the tail when BATCH_US allows */
  int64_t next_try, next_tail, last_tail, last_wake, next_trim;
  int64_t trim_at[TRIM_SLOTS]; /* the tail's position each minute */
  size_t trim_i;
} tail_state;

/* Connect (or reconnect, keeping the tail's place); after a lost
 * connection everyone gets a reset (a NOTIFY sent by hand may be lost). */
static void connect_tail(api_hub *h, tail_state *t) {
  bool ok = t->l ? tb_store_listener_reconnect(t->l) == TB_STORE_OK
                 : tb_store_listener_open(h->conninfo, &t->l) == TB_STORE_OK;
  if (ok && t->was_connected) {
    pthread_mutex_lock(&h->lock);
    ring_push(h, "reset", "{}", NULL, false);
    pthread_mutex_unlock(&h->lock);
    wake(h, NULL);
  }
  if (ok)
    t->was_connected = true;
  else
    t->next_try = now_us() + RECONNECT_US;
  pthread_mutex_lock(&h->lock);
  h->listening = ok;
  pthread_mutex_unlock(&h->lock);
}

static bool connected(const tail_state *t) {
  return tb_store_listener_fd(t->l) >= 0;
}

/* Whether this node poked (the pipe is emptied). */
static bool poked(api_hub *h, short revents) {
  if (!(revents & POLLIN))
    return false;
  char buf[64];
  while (read(h->poke[0], buf, sizeof buf) > 0)
    continue;
  return true;
}

/* Delete the events read TRIM_SLOTS minutes ago, once a minute. */
static void trim(tail_state *t, int64_t now) {
  if (now < t->next_trim)
    return;
  t->next_trim = now + TRIM_US;
  int64_t below = t->trim_at[t->trim_i];
  t->trim_at[t->trim_i] = tb_store_listener_position(t->l);
  t->trim_i = (t->trim_i + 1) % TRIM_SLOTS;
  if (below > 0)
    tb_store_listener_trim(t->l, below);
}

/* One turn with a connection: notifications, the tail when it is due
 * (at once when woken), the other nodes woken when this one committed. */
static void tail_turn(api_hub *h, tail_state *t, bool local, bool readable) {
  notify_ctx ctx = {h, false};
  bool remote = false;
  if (readable &&
      tb_store_listener_drain(t->l, on_notify, &ctx, &remote) != TB_STORE_OK)
    return;
  int64_t now = now_us();
  t->owe_tail = t->owe_tail || local || remote;
  if ((t->owe_tail && now - t->last_tail >= BATCH_US) || now >= t->next_tail) {
    if (tb_store_listener_tail(t->l, on_notify, &ctx, NULL) != TB_STORE_OK)
      return;
    t->owe_tail = false;
    t->last_tail = now;
    t->next_tail = now + TAIL_US;
  }
  t->owe_wake = t->owe_wake || local;
  if (t->owe_wake && now - t->last_wake >= WAKE_US) {
    if (tb_store_listener_wake_others(t->l) != TB_STORE_OK)
      return;
    t->owe_wake = false;
    t->last_wake = now;
  }
  if (ctx.got)
    wake(h, has_own);
  trim(t, now);
}

/* Milliseconds to wait for input: until the next read of the tail (a
 * woken one included) or the next allowed wake of the others, at most
 * POLL_MS. */
static int wait_ms(const tail_state *t) {
  int64_t now = now_us(), until = t->next_tail;
  if (t->owe_tail && t->last_tail + BATCH_US < until)
    until = t->last_tail + BATCH_US;
  if (t->owe_wake && t->last_wake + WAKE_US < until)
    until = t->last_wake + WAKE_US;
  int64_t ms = (until - now + 999) / 1000;
  return ms < 0 ? 0 : ms > POLL_MS ? POLL_MS : (int)ms;
}

static void *hub_main(void *cls) {
  api_hub *h = cls;
  tail_state t = {0};
  t.next_trim = now_us() + TRIM_US;
  int64_t next_beat = now_us() + 1000000, next_check = now_us() + h->recheck_us;
  while (!atomic_load(&h->stop)) {
    if (!connected(&t) && now_us() >= t.next_try)
      connect_tail(h, &t);
    struct pollfd pfd[2] = {{.fd = tb_store_listener_fd(t.l), .events = POLLIN},
                            {.fd = h->poke[0], .events = POLLIN}};
    int rc = poll(pfd, 2, connected(&t) ? wait_ms(&t) : POLL_MS);
    bool local = rc > 0 && poked(h, pfd[1].revents);
    if (connected(&t))
      tail_turn(h, &t, local, rc > 0 && pfd[0].revents);
    if (now_us() >= next_beat) {
      next_beat = now_us() + 1000000;
      wake(h, heartbeat_due);
    }
    if (now_us() >= next_check) {
      recheck(h);
      next_check = now_us() + h->recheck_us;
    }
  }
  tb_store_listener_close(t.l);
  return NULL;
}

void api_hub_poke(api_hub *h) {
  if (!h)
    return;
  char b = 1;
  if (write(h->poke[1], &b, 1) < 0 && errno != EAGAIN)
    tb_log(TB_LOG_WARN, "api", "live stream: the hub could not be woken");
}

/* ---- the hub's life ------------------------------------------------------ */

api_hub *api_hub_start(const char *conninfo, unsigned recheck_seconds,
                       bool (*heard)(void *cls, const char *payload),
                       void *cls) {
  api_hub *h = tb_xcalloc(1, sizeof *h);
  if (pipe2(h->poke, O_NONBLOCK | O_CLOEXEC) != 0) {
    free(h);
    return NULL;
  }
  h->heard = heard;
  h->heard_cls = cls;
  h->recheck_us =
      (int64_t)(recheck_seconds ? recheck_seconds : RECHECK_S) * 1000000;
  pthread_mutex_init(&h->lock, NULL);
  h->next_id = 1;
  if (getrandom(&h->epoch, sizeof h->epoch, 0) != (ssize_t)sizeof h->epoch)
    h->epoch = (uint32_t)time(NULL);
  h->conninfo = tb_xstrndup(conninfo, strlen(conninfo));
  atomic_init(&h->stop, false);
  if (pthread_create(&h->thread, NULL, hub_main, h) != 0) {
    pthread_mutex_destroy(&h->lock);
    close(h->poke[0]);
    close(h->poke[1]);
    free(h->conninfo);
    free(h);
    return NULL;
  }
  return h;
}

void api_hub_close_streams(api_hub *h) {
  if (!h)
    return;
  pthread_mutex_lock(&h->lock);
  h->closing = true;
  pthread_mutex_unlock(&h->lock);
  wake(h, NULL);
}

void api_hub_stop(api_hub *h) {
  if (!h)
    return;
  atomic_store(&h->stop, true);
  pthread_join(h->thread, NULL);
  for (size_t i = 0; i < RING; i++)
    event_clear(&h->ring[i]);
  tb_store_close(h->store);
  pthread_mutex_destroy(&h->lock);
  close(h->poke[0]);
  close(h->poke[1]);
  free(h->conninfo);
  free(h);
}

size_t api_hub_stream_count(api_hub *h) {
  pthread_mutex_lock(&h->lock);
  size_t n = h->n_streams;
  pthread_mutex_unlock(&h->lock);
  return n;
}

/* ---- GET /api/v1/supervision/stream ---------------------------------------
 */

/* No Accept, or one whose ranges take text/event-stream (text/event-stream,
 * text/ *, * / *) with q > 0. */
static bool accepts_event_stream(api_req *r) {
  return api_http_accept_q(api_header(r, MHD_HTTP_HEADER_ACCEPT),
                           "text/event-stream") > 0;
}

static ssize_t read_nothing(void *cls, uint64_t pos, char *buf, size_t max) {
  (void)cls, (void)pos, (void)buf, (void)max;
  return MHD_CONTENT_READER_END_OF_STREAM;
}

/* A new stream registered with the hub, its first bytes queued. */
static api_stream *open_stream(api_hub *h, api_req *r, const char *last) {
  api_stream *st = tb_xcalloc(1, sizeof *st);
  st->hub = h;
  st->conn = r->conn;
  st->out = tb_xmalloc(OUT_MAX);
  st->last_write_us = now_us();
  st->aud = strcmp(r->who.role, "inspector") == 0 ? AUD_INSPECTOR
            : strcmp(r->who.role, "officer") == 0 ? AUD_OFFICER
                                                  : AUD_CLERK;
  memcpy(st->token_hash, r->token_hash, 32);
  snprintf(st->role, sizeof st->role, "%s", r->who.role);
  snprintf(st->bureau, sizeof st->bureau, "%s", r->who.bureau);
  snprintf(st->username, sizeof st->username, "%s", r->who.username);
  static const char HELLO[] = "retry: 1000\n: tongban supervision\n\n";
  out_append(st, HELLO, sizeof HELLO - 1);
  pthread_mutex_lock(&h->lock);
  st->cursor = h->next_id - 1;
  if (last) {
    uint64_t id = 0;
    if (parse_event_id(h, last, &id) && id + 1 >= oldest_id(h) &&
        id < h->next_id)
      st->cursor = id; /* replay what came after it */
    else
      out_append(st, RESET, sizeof RESET - 1);
  }
  st->next = h->streams;
  if (h->streams)
    h->streams->prev = st;
  h->streams = st;
  h->n_streams++;
  pthread_mutex_unlock(&h->lock);
  return st;
}

void api_h_supervision_stream(api_req *r) {
  api_hub *h = api_hub_of(r);
  if (!accepts_event_stream(r)) {
    api_fail(r, TB_PROBLEM_NOT_ACCEPTABLE,
             "this is a server-sent event stream: send Accept: "
             "text/event-stream");
    return;
  }
  bool closing = true;
  if (h) {
    pthread_mutex_lock(&h->lock);
    closing = h->closing;
    pthread_mutex_unlock(&h->lock);
  }
  if (closing) {
    r->retry_after = 5;
    api_fail(r, TB_PROBLEM_UNAVAILABLE, "the server is stopping; try again");
    return;
  }
  const char *last = api_header(r, "Last-Event-ID");
  if (!last)
    last = api_query(r, "last_event_id");
  /* HEAD: the stream's headers, and no stream behind them */
  bool head = strcmp(r->method, "HEAD") == 0;
  api_stream *st = head ? NULL : open_stream(h, r, last);
  struct MHD_Response *resp =
      head ? MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64,
                                               read_nothing, NULL, NULL)
           : MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
                                               read_stream, st, free_stream);
  /* libmicrohttpd 0.9.75 writes the last chunk ("0") after a chunked
   * HEAD answer: a HEAD answer is marked to end with the connection
   * instead, without Transfer-Encoding (RFC 9110 §9.3.2 lets it go) */
  if (resp && head)
    MHD_set_response_options(resp, MHD_RF_HTTP_1_0_COMPATIBLE_STRICT,
                             MHD_RO_END);
  if (!resp) {
    if (st)
      free_stream(st);
    api_fail(r, TB_PROBLEM_INTERNAL, "the stream could not be opened");
    return;
  }
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                          "text/event-stream; charset=utf-8");
  MHD_add_response_header(resp, "Cache-Control", "no-store");
  MHD_add_response_header(resp, "X-Accel-Buffering", "no");
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(resp, "X-Request-Id", r->request_id);
  /* a stream that ends (its session did, or the server stops) takes its
   * connection with it: nothing idles on a connection with no timeout */
  if (!head)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
  /* streams are idle most of the time: no idle timeout (the heartbeat
   * finds clients that went away) */
  if (!head)
    MHD_set_connection_option(r->conn, MHD_CONNECTION_OPTION_TIMEOUT,
                              (unsigned int)0);
  api_reply_response(r, 200, resp, -1);
}
