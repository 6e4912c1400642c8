/*
 * load.c — the load generator of tongban's benchmarks: a small HTTP/1.1
 * keep-alive client on one thread and epoll, driving the REST API over N
 * connections at once.
 *
 *   load --url http://HOST:PORT --mode lifecycle|populate|track
 *        [--connections N] [--seconds S] [--count N] [--numbers FILE]
 *        [--decide direct|after-claim] [--hot N] [--json FILE]
 *
 * The password of the accounts clerk, scjg, ga, sw and rs (one password
 * for all) is read from $TB_BENCH_PASSWORD. Each user logs in once.
 *
 * lifecycle: complete business start-up applications (qykb): create →
 *   accept → the bureaus SCJG, GA, SW (two tasks) and RS approve in
 *   parallel → the license is signed in the approving transaction →
 *   deliver. --decide direct (the default): an officer decides a task of
 *   the queue straight away, the decision claiming it (8 transitions per
 *   application); --decide after-claim: claim, then decide (13). As many
 *   applications are in flight as there are connections;
 *   each bureau finds its tasks in its queue (GET /api/v1/tasks, one
 *   listing serves every application waiting for that bureau), like an
 *   officer working the queue. Runs for S seconds, then lets the
 *   applications in flight finish (they do not count).
 * populate: create --count applications (state submitted) and write
 *   "NUMBER CODE" lines to --numbers.
 * track: public tracking reads (GET /api/v1/track/{number}?code=) of
 *   random lines of --numbers, for S seconds; --hot N: of random lines
 *   among the first N only (the applications people are following now,
 *   whose QR codes are scanned again and again).
 *
 * Any answer but the expected 2xx is an error; errors make the run
 * invalid (exit status 1) and the first few are printed. Latencies are
 * kept as sorted samples per route (p50, p95, p99, max).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNECTIONS 1024
#define MAX_RESPONSE (8 * 1024 * 1024)
#define MAX_REQUEST 8192
#define MAX_SAMPLES (16 * 1024 * 1024)
#define MAX_NUMBERS 2000000
#define MAX_ERRORS_SHOWN 5
/* application numbers since issue 17: 9-digit serials */
#define NUMBER_LEN 24
#define CODE_MAX 32
#define DRAIN_SECONDS 30
#define MAX_LIST_MISSES 200

/* ---- small helpers ------------------------------------------------------ */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) {
    fprintf(stderr, "load: out of memory\n");
    exit(2);
  }
  return p;
}

static void *xrealloc(void *p, size_t size) {
  void *q = realloc(p, size ? size : 1);
  if (!q) {
    fprintf(stderr, "load: out of memory\n");
    exit(2);
  }
  return q;
}

static bool parse_long(const char *s, long lo, long hi, long *out) {
  char *end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || !end || *end || end == s || v < lo || v > hi)
    return false;
  *out = v;
  return true;
}

/* ---- routes and latency samples ----------------------------------------- */

typedef enum {
  R_SESSION,
  R_CREATE,
  R_ACCEPT,
  R_TASKS,
  R_CLAIM,
  R_DECIDE,
  R_DELIVER,
  R_TRACK,
  R_COUNT
} route;

static const char *const route_names[R_COUNT] = {
    "POST /api/v1/sessions",
    "POST /api/v1/applications",
    "POST /api/v1/applications/{number}/accept",
    "GET /api/v1/tasks",
    "POST /api/v1/tasks/{id}/claim",
    "POST /api/v1/tasks/{id}/decide",
    "POST /api/v1/applications/{number}/deliver",
    "GET /api/v1/track/{number}"};

typedef struct {
  uint32_t *us; /* latencies in microseconds */
  size_t n, cap;
  uint64_t count, errors;
} samples;

static samples stats[R_COUNT];
static size_t samples_total;

static void sample_add(route r, double seconds) {
  samples *s = &stats[r];
  s->count++;
  if (samples_total >= MAX_SAMPLES)
    return;
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 4096;
    s->us = xrealloc(s->us, s->cap * sizeof *s->us);
  }
  double us = seconds * 1e6;
  s->us[s->n++] = us > 4e9 ? 4000000000u : (uint32_t)us;
  samples_total++;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static double percentile_ms(const samples *s, double q) {
  if (s->n == 0)
    return 0;
  size_t i = (size_t)(q * (double)(s->n - 1) + 0.5);
  return s->us[i < s->n ? i : s->n - 1] / 1000.0;
}

/* ---- the work: applications, bureaus, jobs ------------------------------ */

typedef enum { U_CLERK, U_SCJG, U_GA, U_SW, U_RS, U_COUNT } user;
static const char *const user_names[U_COUNT] = {"clerk", "scjg", "ga", "sw",
                                                "rs"};
#define N_BUREAUS 4 /* the officers U_SCJG … U_RS, in that order */
static const char *const bureau_codes[N_BUREAUS] = {"SCJG", "GA", "SW", "RS"};
static const int bureau_steps[N_BUREAUS] = {1, 1, 2, 1}; /* tasks in branch */

typedef struct app {
  char number[NUMBER_LEN + 1];
  char code[CODE_MAX + 1];
  int step[N_BUREAUS]; /* the bureau's next task; = steps: done */
  int pending;         /* bureaus not done */
  int waits;           /* list answers that did not show our task */
  int transitions;     /* transitions answered for this application */
  bool approved;       /* a decision answered "approved" */
  bool failed;
  double started;
  struct app *next_free;
} app;

typedef struct job {
  route r;
  user who;
  app *a;
  int bureau;       /* for R_TASKS, R_CLAIM, R_DECIDE; -1 otherwise */
  long long task;   /* for R_CLAIM, R_DECIDE */
  const char *body; /* NULL: no body */
  char path[256];
  struct job *next;
} job;

/* A FIFO of jobs waiting for a free connection. */
static job *queue_head, *queue_tail;

static void enqueue(job *j) {
  j->next = NULL;
  if (queue_tail)
    queue_tail->next = j;
  else
    queue_head = j;
  queue_tail = j;
}

static job *dequeue(void) {
  job *j = queue_head;
  if (j) {
    queue_head = j->next;
    if (!queue_head)
      queue_tail = NULL;
  }
  return j;
}

/* Applications waiting for a bureau's task to show in its queue. */
typedef struct {
  app **items;
  size_t n, cap;
  bool listing; /* a GET /api/v1/tasks is in flight */
} waitlist;

static waitlist waiting[N_BUREAUS];

/* ---- configuration and global counters ---------------------------------- */

typedef enum { M_LIFECYCLE, M_POPULATE, M_TRACK } mode;

/* How an officer takes a task of the queue: decide it at once (the
 * decision claims it, issue 18 §2), or claim it first and then decide. */
typedef enum { D_DIRECT, D_AFTER_CLAIM } decide_mode;

static struct {
  char host[256];
  char port[8];
  char password[256];
  mode mode;
  decide_mode decide;
  long connections, seconds, count;
  long hot; /* track: read only the first `hot` known lines; 0: all */
  const char *numbers, *json;
} cfg = {.connections = 16, .seconds = 10, .count = 1000, .decide = D_DIRECT};

static char tokens[U_COUNT][128];
static int logins_done;

static struct {
  uint64_t completed, created, transitions, calls, errors;
  uint64_t completed_transitions; /* of the completed applications */
  double start, end;
  bool running;   /* new applications may start */
  long in_flight; /* applications */
  long to_create; /* populate: applications still to start */
  FILE *numbers;  /* populate: the output */
  char (*known)[NUMBER_LEN + CODE_MAX + 2]; /* track: "NUMBER CODE" */
  size_t n_known;
} run;

static char error_text[MAX_ERRORS_SHOWN][512];
static int n_error_text;

/* r == R_COUNT: an error of the run, not of one call. */
static void record_error(route r, int status, const char *what,
                         const char *body, size_t len) {
  run.errors++;
  if (r < R_COUNT)
    stats[r].errors++;
  if (n_error_text >= MAX_ERRORS_SHOWN)
    return;
  snprintf(error_text[n_error_text++], sizeof error_text[0], "%s: %d %s: %.*s",
           r < R_COUNT ? route_names[r] : "run", status, what,
           (int)(len > 300 ? 300 : len), body ? body : "");
}

/* ---- building requests ----------------------------------------------------
 */

/* A citizen ID (GB 11643) that passes the checksum, unique per serial. */
static void citizen_id(uint64_t serial, char out[19]) {
  static const int w[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                            3, 7, 9,  10, 5, 8, 4, 2};
  int day = (int)(serial % 28) + 1, month = (int)(serial / 28 % 12) + 1;
  int year = 1960 + (int)(serial / 336 % 40),
      seq = (int)(serial / 13440 % 1000);
  char base[18];
  snprintf(base, sizeof base, "330106%04d%02d%02d%03d", year, month, day, seq);
  int sum = 0;
  for (int i = 0; i < 17; i++)
    sum += (base[i] - '0') * w[i];
  memcpy(out, base, 17);
  out[17] = "10X98765432"[sum % 11];
  out[18] = '\0';
}

static char *create_body(uint64_t serial) {
  char id[19];
  citizen_id(serial, id);
  json_t *b = json_pack(
      "{s:s, s:s, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:i, s:s, s:s, s:s, s:[s,s],"
      " s:i, s:i, s:b, s:b, s:s}, s:[s,s,s,s,s,s]}",
      "service", "qykb", "channel", "window", "applicant", "kind", "person",
      "name", "张三丰", "id_number", id, "form", "company_name",
      "杭州通办测试科技有限公司", "company_type", "llc", "registered_capital",
      1000000, "legal_rep_name", "张三丰", "legal_rep_id", id, "address",
      "杭州市西湖区文三路1号", "scope", "software", "consulting", "employees",
      10, "seal_count", 1, "needs_invoice", 1, "housing_fund", 0, "phone",
      "13800000000", "materials", "application", "articles",
      "legal_rep_id_card", "shareholder_proof", "premises", "appointment");
  char *text = json_dumps(b, JSON_COMPACT);
  json_decref(b);
  return text;
}

static job *new_job(route r, user who, app *a, const char *body) {
  job *j = xcalloc(1, sizeof *j);
  j->r = r;
  j->who = who;
  j->a = a;
  j->bureau = -1;
  j->body = body;
  return j;
}

static const char body_empty[] = "{}";
static const char body_approve[] = "{\"decision\":\"approve\"}";
static const char body_deliver[] = "{\"method\":\"window\"}";
static char *body_login[U_COUNT];

/* ---- the connections ------------------------------------------------------
 */

typedef struct {
  int fd;
  job *j;
  char out[MAX_REQUEST];
  size_t out_len, out_sent;
  char *in;
  size_t in_len, in_cap;
  double sent_at;
  bool close_after;
} conn;

static conn *conns;
static int epfd;
static struct addrinfo *server;

static bool conn_open(conn *c) {
  c->fd = socket(server->ai_family, SOCK_STREAM | SOCK_CLOEXEC,
                 server->ai_protocol);
  if (c->fd < 0 || connect(c->fd, server->ai_addr, server->ai_addrlen) != 0) {
    fprintf(stderr, "load: cannot connect to %s:%s: %s\n", cfg.host, cfg.port,
            strerror(errno));
    if (c->fd >= 0)
      close(c->fd);
    c->fd = -1;
    return false;
  }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
  epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
  return true;
}

static void conn_close(conn *c) {
  if (c->fd >= 0) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
  }
  c->fd = -1;
  c->in_len = 0;
}

static void set_out_interest(conn *c, bool want) {
  struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0),
                           .data.ptr = c};
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static bool format_request(conn *c, const job *j) {
  const char *method = j->body ? "POST" : "GET";
  size_t blen = j->body ? strlen(j->body) : 0;
  char auth[192] = "";
  if (j->r != R_SESSION && j->r != R_TRACK)
    snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", tokens[j->who]);
  int n = snprintf(c->out, sizeof c->out,
                   "%s %s HTTP/1.1\r\nHost: %s:%s\r\n%s%s"
                   "Content-Length: %zu\r\n\r\n",
                   method, j->path, cfg.host, cfg.port, auth,
                   j->body ? "Content-Type: application/json\r\n" : "", blen);
  if (n < 0 || (size_t)n + blen >= sizeof c->out)
    return false;
  memcpy(c->out + n, j->body ? j->body : "", blen);
  c->out_len = (size_t)n + blen;
  c->out_sent = 0;
  return true;
}

static void conn_flush(conn *c);
static void on_answer(conn *c, int status, const char *body, size_t len);
static void fail_transport(conn *c, const char *what);

static void conn_start(conn *c, job *j) {
  if (c->fd < 0 && !conn_open(c)) {
    c->j = j;
    fail_transport(c, "cannot connect");
    return;
  }
  c->j = j;
  if (!format_request(c, j)) {
    fail_transport(c, "request too large");
    return;
  }
  c->sent_at = now_s();
  conn_flush(c);
}

static void conn_flush(conn *c) {
  while (c->out_sent < c->out_len) {
    ssize_t n = send(c->fd, c->out + c->out_sent, c->out_len - c->out_sent,
                     MSG_NOSIGNAL);
    if (n > 0) {
      c->out_sent += (size_t)n;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      set_out_interest(c, true);
      return;
    }
    fail_transport(c, "send failed");
    return;
  }
}

/* Find the end of the head; status, Content-Length, Connection: close. */
static bool parse_head(conn *c, size_t *head_len, int *status,
                       size_t *body_len) {
  char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
  if (!end)
    return false;
  *head_len = (size_t)(end - c->in) + 4;
  *status = 0;
  *body_len = 0;
  c->close_after = false;
  if (c->in_len >= 12 && memcmp(c->in, "HTTP/1.", 7) == 0)
    *status =
        (c->in[9] - '0') * 100 + (c->in[10] - '0') * 10 + (c->in[11] - '0');
  for (char *line = memchr(c->in, '\n', *head_len); line && line < end;
       line = memchr(line + 1, '\n', (size_t)(end - line))) {
    char *l = line + 1;
    if (strncasecmp(l, "Content-Length:", 15) == 0)
      *body_len = (size_t)strtoull(l + 15, NULL, 10);
    else if (strncasecmp(l, "Connection: close", 17) == 0)
      c->close_after = true;
    else if (strncasecmp(l, "Transfer-Encoding:", 18) == 0)
      *status = -1; /* chunked answers are not expected from the API */
  }
  return true;
}

static void conn_read(conn *c) {
  for (;;) {
    if (c->in_cap - c->in_len < 16384) {
      if (c->in_cap >= MAX_RESPONSE) {
        fail_transport(c, "answer too large");
        return;
      }
      c->in_cap = c->in_cap ? c->in_cap * 2 : 65536;
      c->in = xrealloc(c->in, c->in_cap);
    }
    ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len - 1, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    if (n <= 0) {
      fail_transport(c, n == 0 ? "connection closed" : "recv failed");
      return;
    }
    c->in_len += (size_t)n;
    size_t head = 0, blen = 0;
    int status = 0;
    if (!parse_head(c, &head, &status, &blen) || c->in_len < head + blen)
      continue;
    if (status < 100) {
      fail_transport(c, "malformed or chunked answer");
      return;
    }
    c->in[head + blen] = '\0';
    on_answer(c, status, c->in + head, blen);
    return;
  }
}

/* ---- scheduling -----------------------------------------------------------
 */

static void dispatch(void) {
  for (long i = 0; i < cfg.connections && queue_head; i++) {
    conn *c = &conns[i];
    if (c->j)
      continue;
    job *j = dequeue();
    conn_start(c, j);
  }
}

static void start_app(void);

/* The application is done. A failed one stays allocated (its other
 * branches may still have answers coming; they are ignored). */
static void app_finish(app *a, bool ok) {
  if (a->failed)
    return;
  if (ok && (run.running || cfg.mode == M_POPULATE)) {
    run.completed++;
    run.completed_transitions += (uint64_t)a->transitions;
  }
  run.in_flight--;
  if (ok)
    free(a);
  else
    a->failed = true;
  if (run.running)
    start_app();
}

static void list_if_needed(int b) {
  waitlist *w = &waiting[b];
  if (w->listing || w->n == 0)
    return;
  job *j = new_job(R_TASKS, (user)(U_SCJG + b), NULL, NULL);
  j->bureau = b;
  snprintf(j->path, sizeof j->path, "/api/v1/tasks?bureau=%s&state=open",
           bureau_codes[b]);
  w->listing = true;
  enqueue(j);
}

static void wait_for_task(app *a, int b) {
  waitlist *w = &waiting[b];
  if (w->n == w->cap) {
    w->cap = w->cap ? w->cap * 2 : 64;
    w->items = xrealloc(w->items, w->cap * sizeof *w->items);
  }
  w->items[w->n++] = a;
  list_if_needed(b);
}

static void start_app(void) {
  static uint64_t serial;
  if (cfg.mode == M_POPULATE) {
    if (run.to_create <= 0)
      return;
    run.to_create--;
  }
  app *a = xcalloc(1, sizeof *a);
  a->started = now_s();
  a->pending = N_BUREAUS;
  run.in_flight++;
  job *j = new_job(R_CREATE, U_CLERK, a, create_body(serial++));
  snprintf(j->path, sizeof j->path, "/api/v1/applications");
  enqueue(j);
}

/* The tracking reads pick known applications at random (rand_r: one
 * thread, a seed of its own). */
static unsigned track_seed;

static void start_track(void) {
  job *j = new_job(R_TRACK, U_CLERK, NULL, NULL);
  size_t n = cfg.hot > 0 && (size_t)cfg.hot < run.n_known ? (size_t)cfg.hot
                                                          : run.n_known;
  size_t k = (size_t)rand_r(&track_seed) % n;
  const char *line = run.known[k];
  snprintf(j->path, sizeof j->path, "/api/v1/track/%.*s?code=%s", NUMBER_LEN,
           line, line + NUMBER_LEN + 1);
  enqueue(j);
}

/* ---- answers --------------------------------------------------------------
 */

static const char *json_str(json_t *o, const char *key) {
  const char *s = json_string_value(json_object_get(o, key));
  return s ? s : "";
}

static bool on_created(job *j, json_t *doc) {
  app *a = j->a;
  const char *number = json_str(doc, "number");
  const char *code = json_str(doc, "tracking_code");
  if (strlen(number) != NUMBER_LEN || !*code || strlen(code) > CODE_MAX)
    return false;
  memcpy(a->number, number, NUMBER_LEN + 1);
  snprintf(a->code, sizeof a->code, "%s", code);
  run.created++;
  if (cfg.mode == M_POPULATE) {
    fprintf(run.numbers, "%s %s\n", a->number, a->code);
    app_finish(a, true);
    return true;
  }
  job *n = new_job(R_ACCEPT, U_CLERK, a, body_empty);
  snprintf(n->path, sizeof n->path, "/api/v1/applications/%s/accept",
           a->number);
  enqueue(n);
  return true;
}

static bool on_accepted(job *j, json_t *doc) {
  if (strcmp(json_str(doc, "state"), "in_review") != 0)
    return false;
  for (int b = 0; b < N_BUREAUS; b++)
    wait_for_task(j->a, b);
  return true;
}

/* The first call on a listed task: its decision, or its claim. */
static job *take_task(app *a, int bureau, json_t *id) {
  bool direct = cfg.decide == D_DIRECT;
  job *c = new_job(direct ? R_DECIDE : R_CLAIM, (user)(U_SCJG + bureau), a,
                   direct ? body_approve : body_empty);
  c->bureau = bureau;
  c->task = (long long)json_integer_value(id);
  snprintf(c->path, sizeof c->path, "/api/v1/tasks/%lld/%s", c->task,
           direct ? "decide" : "claim");
  return c;
}

/* One bureau's queue: take every listed task an application waits for. */
static bool on_listed(job *j, json_t *doc) {
  waitlist *w = &waiting[j->bureau];
  w->listing = false;
  json_t *items = json_object_get(doc, "items");
  if (!json_is_array(items))
    return false;
  size_t i;
  json_t *t;
  json_array_foreach(items, i, t) {
    const char *number = json_str(t, "number");
    json_int_t step = json_integer_value(json_object_get(t, "step"));
    for (size_t k = 0; k < w->n; k++) {
      app *a = w->items[k];
      if (a->failed) {
        w->items[k--] = w->items[--w->n];
        continue;
      }
      if (strcmp(a->number, number) != 0 || a->step[j->bureau] != step)
        continue;
      enqueue(take_task(a, j->bureau, json_object_get(t, "id")));
      w->items[k] = w->items[--w->n];
      break;
    }
  }
  for (size_t k = 0; k < w->n; k++)
    if (++w->items[k]->waits > MAX_LIST_MISSES) {
      record_error(R_TASKS, 200, "a task never showed in the queue", "", 0);
      return true; /* the run is invalid already; keep going */
    }
  list_if_needed(j->bureau);
  return true;
}

static bool on_claimed(job *j) {
  job *d = new_job(R_DECIDE, j->who, j->a, body_approve);
  d->bureau = j->bureau;
  d->task = j->task;
  snprintf(d->path, sizeof d->path, "/api/v1/tasks/%lld/decide", d->task);
  enqueue(d);
  return true;
}

static bool on_decided(job *j, json_t *doc) {
  app *a = j->a;
  const char *state = json_str(json_object_get(doc, "application"), "state");
  if (strcmp(state, "approved") == 0)
    a->approved = true;
  else if (strcmp(state, "in_review") != 0)
    return false;
  if (++a->step[j->bureau] < bureau_steps[j->bureau]) {
    wait_for_task(a, j->bureau);
    return true;
  }
  if (--a->pending > 0)
    return true;
  if (!a->approved) /* the join must have ended the review */
    return false;
  job *d = new_job(R_DELIVER, U_CLERK, a, body_deliver);
  snprintf(d->path, sizeof d->path, "/api/v1/applications/%s/deliver",
           a->number);
  enqueue(d);
  return true;
}

static bool on_delivered(job *j, json_t *doc) {
  if (strcmp(json_str(doc, "state"), "delivered") != 0)
    return false;
  app_finish(j->a, true);
  return true;
}

static bool on_login(job *j, json_t *doc) {
  const char *t = json_str(doc, "token");
  if (!*t || strlen(t) >= sizeof tokens[0])
    return false;
  snprintf(tokens[j->who], sizeof tokens[0], "%s", t);
  logins_done++;
  return true;
}

static int expected_status(route r) {
  return r == R_SESSION || r == R_CREATE ? 201 : 200;
}

static bool handle(job *j, json_t *doc) {
  switch (j->r) {
  case R_SESSION:
    return on_login(j, doc);
  case R_CREATE:
    return on_created(j, doc);
  case R_ACCEPT:
    return on_accepted(j, doc);
  case R_TASKS:
    return on_listed(j, doc);
  case R_CLAIM:
    return on_claimed(j);
  case R_DECIDE:
    return on_decided(j, doc);
  case R_DELIVER:
    return on_delivered(j, doc);
  case R_TRACK:
    return json_is_object(doc);
  default:
    return false;
  }
}

static bool is_transition(route r) {
  return r == R_CREATE || r == R_ACCEPT || r == R_CLAIM || r == R_DECIDE ||
         r == R_DELIVER;
}

/* The job failed: abandon its application (or stop listing), go on. */
static void job_failed(job *j) {
  if (j->r == R_TASKS) {
    waiting[j->bureau].listing = false;
    list_if_needed(j->bureau);
  }
  if (j->a && j->r != R_TASKS)
    app_finish(j->a, false);
  else if (j->r == R_TRACK && run.running)
    start_track();
}

static void on_answer(conn *c, int status, const char *body, size_t len) {
  job *j = c->j;
  double t = now_s();
  sample_add(j->r, t - c->sent_at);
  bool counted = run.running;
  if (counted)
    run.calls++;
  size_t consumed = len + (size_t)(body - c->in);
  c->j = NULL;
  bool ok = status == expected_status(j->r);
  if (j->a && j->a->failed) {
    ok = false; /* an abandoned application: its error is counted */
  } else if (!ok) {
    record_error(j->r, status, "unexpected status", body, len);
  } else {
    json_error_t err;
    json_t *doc = json_loadb(body, len, 0, &err);
    if (j->a && is_transition(j->r)) /* before handle: it may free j->a */
      j->a->transitions++;
    ok = doc && handle(j, doc);
    json_decref(doc);
    if (!ok)
      record_error(j->r, status, "unexpected answer", body, len);
  }
  if (ok && counted && is_transition(j->r))
    run.transitions++;
  if (ok && j->r == R_TRACK && run.running)
    start_track();
  if (!ok && !(j->a && j->a->failed))
    job_failed(j);
  memmove(c->in, c->in + consumed, c->in_len - consumed);
  c->in_len -= consumed;
  if (c->close_after)
    conn_close(c);
  if (j->body != body_empty && j->body != body_approve &&
      j->body != body_deliver && j->r != R_SESSION)
    free((char *)j->body);
  free(j);
}

static void fail_transport(conn *c, const char *what) {
  job *j = c->j;
  conn_close(c);
  c->j = NULL;
  if (!j)
    return;
  run.calls++;
  record_error(j->r, 0, what, "", 0);
  if (!(j->a && j->a->failed))
    job_failed(j);
  if (j->body != body_empty && j->body != body_approve &&
      j->body != body_deliver && j->r != R_SESSION)
    free((char *)j->body);
  free(j);
}

/* ---- the loop -------------------------------------------------------------
 */

static bool busy(void) {
  if (queue_head)
    return true;
  for (long i = 0; i < cfg.connections; i++)
    if (conns[i].j)
      return true;
  return false;
}

static void loop_once(int timeout_ms) {
  struct epoll_event evs[256];
  dispatch();
  int n = epoll_wait(epfd, evs, 256, timeout_ms);
  for (int i = 0; i < n; i++) {
    conn *c = evs[i].data.ptr;
    if (c->fd < 0)
      continue;
    if (evs[i].events & EPOLLOUT) {
      set_out_interest(c, false);
      conn_flush(c);
    }
    if (c->fd >= 0 && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
      if (c->j)
        conn_read(c);
      else
        conn_close(c); /* the server closed an idle connection */
    }
  }
}

static bool login_all(void) {
  for (int u = 0; u < U_COUNT; u++) {
    json_t *b = json_pack("{s:s, s:s}", "username", user_names[u], "password",
                          cfg.password);
    body_login[u] = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    job *j = new_job(R_SESSION, (user)u, NULL, body_login[u]);
    snprintf(j->path, sizeof j->path, "/api/v1/sessions");
    enqueue(j);
  }
  double deadline = now_s() + 60;
  while (busy() && now_s() < deadline)
    loop_once(100);
  for (int u = 0; u < U_COUNT; u++)
    free(body_login[u]);
  return logins_done == U_COUNT;
}

static void run_load(void) {
  run.start = now_s();
  run.running = true;
  if (cfg.mode == M_POPULATE)
    run.to_create = cfg.count;
  long starters = cfg.connections;
  for (long i = 0; i < starters; i++) {
    if (cfg.mode == M_TRACK)
      start_track();
    else
      start_app();
  }
  double stop = run.start + (double)cfg.seconds;
  while (busy()) {
    if (cfg.mode != M_POPULATE && run.running && now_s() >= stop) {
      run.running = false;
      run.end = now_s();
    }
    if (!run.running && now_s() > stop + DRAIN_SECONDS) {
      record_error(R_COUNT, 0, "applications still in flight", "", 0);
      break;
    }
    loop_once(50);
  }
  if (cfg.mode == M_POPULATE || run.end == 0)
    run.end = now_s();
}

/* ---- input and output -----------------------------------------------------
 */

static bool load_numbers(void) {
  FILE *f = fopen(cfg.numbers, "r");
  if (!f) {
    fprintf(stderr, "load: cannot read %s: %s\n", cfg.numbers, strerror(errno));
    return false;
  }
  size_t cap = 0;
  char line[128];
  while (fgets(line, sizeof line, f) && run.n_known < MAX_NUMBERS) {
    line[strcspn(line, "\r\n")] = '\0';
    size_t len = strlen(line);
    if (len < NUMBER_LEN + 2 || len > NUMBER_LEN + 1 + CODE_MAX ||
        line[NUMBER_LEN] != ' ')
      continue;
    if (run.n_known == cap) {
      cap = cap ? cap * 2 : 4096;
      run.known = xrealloc(run.known, cap * sizeof *run.known);
    }
    memcpy(run.known[run.n_known++], line, len + 1);
  }
  fclose(f);
  if (run.n_known == 0)
    fprintf(stderr, "load: %s holds no \"NUMBER CODE\" lines\n", cfg.numbers);
  return run.n_known > 0;
}

static const char *mode_name(void) {
  return cfg.mode == M_LIFECYCLE  ? "lifecycle"
         : cfg.mode == M_POPULATE ? "populate"
                                  : "track";
}

static double transitions_per_application(void) {
  return run.completed
             ? (double)run.completed_transitions / (double)run.completed
             : 0;
}

static void print_report(double elapsed) {
  printf("load %s: %ld connections, %.2f s\n", mode_name(), cfg.connections,
         elapsed);
  if (cfg.mode == M_TRACK)
    printf("  read from               %10zu applications%s\n",
           cfg.hot > 0 && (size_t)cfg.hot < run.n_known ? (size_t)cfg.hot
                                                        : run.n_known,
           cfg.hot > 0 ? " (--hot)" : "");
  if (cfg.mode == M_LIFECYCLE)
    printf("  completed applications  %10.1f /s  (%llu)\n",
           (double)run.completed / elapsed, (unsigned long long)run.completed);
  if (cfg.mode == M_POPULATE)
    printf("  created applications    %10.1f /s  (%llu)\n",
           (double)run.created / elapsed, (unsigned long long)run.created);
  printf("  API calls               %10.1f /s  (%llu)\n",
         (double)run.calls / elapsed, (unsigned long long)run.calls);
  if (cfg.mode == M_LIFECYCLE)
    printf("  transitions             %10.1f /s  (%.2f per completed "
           "application, decide %s)\n",
           (double)run.transitions / elapsed, transitions_per_application(),
           cfg.decide == D_DIRECT ? "direct" : "after-claim");
  printf("  errors                  %10llu%s\n", (unsigned long long)run.errors,
         run.errors ? "  (the run is INVALID)" : "");
  printf("  %-44s %8s %8s %8s %8s %8s\n", "route", "calls", "p50 ms", "p95 ms",
         "p99 ms", "max ms");
  for (int r = 0; r < R_COUNT; r++) {
    samples *s = &stats[r];
    if (s->count == 0)
      continue;
    printf("  %-44s %8llu %8.2f %8.2f %8.2f %8.2f\n", route_names[r],
           (unsigned long long)s->count, percentile_ms(s, 0.50),
           percentile_ms(s, 0.95), percentile_ms(s, 0.99),
           percentile_ms(s, 1.0));
  }
  for (int i = 0; i < n_error_text; i++)
    printf("  error: %s\n", error_text[i]);
}

static bool write_json(double elapsed) {
  json_t *routes = json_object();
  for (int r = 0; r < R_COUNT; r++) {
    samples *s = &stats[r];
    if (s->count == 0)
      continue;
    json_object_set_new(
        routes, route_names[r],
        json_pack("{s:I, s:I, s:f, s:f, s:f, s:f}", "calls",
                  (json_int_t)s->count, "errors", (json_int_t)s->errors,
                  "p50_ms", percentile_ms(s, 0.50), "p95_ms",
                  percentile_ms(s, 0.95), "p99_ms", percentile_ms(s, 0.99),
                  "max_ms", percentile_ms(s, 1.0)));
  }
  json_t *errs = json_array();
  for (int i = 0; i < n_error_text; i++)
    json_array_append_new(errs, json_string(error_text[i]));
  json_t *o = json_pack(
      "{s:s, s:i, s:f, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:o, "
      "s:o, s:b}",
      "mode", mode_name(), "connections", (int)cfg.connections, "seconds",
      elapsed, "completed", (json_int_t)run.completed, "created",
      (json_int_t)run.created, "calls", (json_int_t)run.calls, "transitions",
      (json_int_t)run.transitions, "errors", (json_int_t)run.errors,
      "applications_per_s", (double)run.completed / elapsed, "created_per_s",
      (double)run.created / elapsed, "calls_per_s", (double)run.calls / elapsed,
      "transitions_per_s", (double)run.transitions / elapsed, "routes", routes,
      "error_samples", errs, "valid", run.errors == 0);
  json_object_set_new(o, "transitions_per_application",
                      json_real(transitions_per_application()));
  if (cfg.mode == M_TRACK)
    json_object_set_new(
        o, "hot",
        json_integer(cfg.hot > 0 && (size_t)cfg.hot < run.n_known
                         ? cfg.hot
                         : (json_int_t)run.n_known));
  json_object_set_new(
      o, "decide",
      json_string(cfg.decide == D_DIRECT ? "direct" : "after-claim"));
  int rc = json_dump_file(o, cfg.json, JSON_INDENT(2) | JSON_SORT_KEYS);
  json_decref(o);
  if (rc != 0)
    fprintf(stderr, "load: cannot write %s\n", cfg.json);
  return rc == 0;
}

/* ---- arguments ------------------------------------------------------------
 */

static int usage(void) {
  fprintf(stderr,
          "usage: load --url http://HOST:PORT --mode lifecycle|populate|track\n"
          "            [--connections N] [--seconds S] [--count N]\n"
          "            [--numbers FILE] [--decide direct|after-claim]\n"
          "            [--hot N] [--json FILE]\n"
          "  (the accounts' password in $TB_BENCH_PASSWORD)\n");
  return 2;
}

static bool parse_url(const char *url) {
  const char *p = strncmp(url, "http://", 7) == 0 ? url + 7 : NULL;
  const char *colon = p ? strrchr(p, ':') : NULL;
  if (!colon || colon == p || (size_t)(colon - p) >= sizeof cfg.host)
    return false;
  snprintf(cfg.host, sizeof cfg.host, "%.*s", (int)(colon - p), p);
  size_t plen = strcspn(colon + 1, "/");
  if (plen == 0 || plen >= sizeof cfg.port)
    return false;
  snprintf(cfg.port, sizeof cfg.port, "%.*s", (int)plen, colon + 1);
  return true;
}

static bool parse_mode(const char *m) {
  if (strcmp(m, "lifecycle") == 0)
    cfg.mode = M_LIFECYCLE;
  else if (strcmp(m, "populate") == 0)
    cfg.mode = M_POPULATE;
  else if (strcmp(m, "track") == 0)
    cfg.mode = M_TRACK;
  else
    return false;
  return true;
}

static bool parse_decide(const char *m) {
  if (strcmp(m, "direct") == 0)
    cfg.decide = D_DIRECT;
  else if (strcmp(m, "after-claim") == 0)
    cfg.decide = D_AFTER_CLAIM;
  else
    return false;
  return true;
}

static bool parse_args(int argc, char **argv) {
  bool has_url = false, has_mode = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    bool ok = v != NULL;
    if (ok && strcmp(a, "--url") == 0)
      ok = has_url = parse_url(v);
    else if (ok && strcmp(a, "--mode") == 0)
      ok = has_mode = parse_mode(v);
    else if (ok && strcmp(a, "--connections") == 0)
      ok = parse_long(v, 1, MAX_CONNECTIONS, &cfg.connections);
    else if (ok && strcmp(a, "--seconds") == 0)
      ok = parse_long(v, 1, 86400, &cfg.seconds);
    else if (ok && strcmp(a, "--count") == 0)
      ok = parse_long(v, 1, MAX_NUMBERS, &cfg.count);
    else if (ok && strcmp(a, "--decide") == 0)
      ok = parse_decide(v);
    else if (ok && strcmp(a, "--hot") == 0)
      ok = parse_long(v, 1, MAX_NUMBERS, &cfg.hot);
    else if (ok && strcmp(a, "--numbers") == 0)
      cfg.numbers = v;
    else if (ok && strcmp(a, "--json") == 0)
      cfg.json = v;
    else
      ok = false;
    if (!ok)
      return false;
    i++;
  }
  return has_url && has_mode && (cfg.mode == M_LIFECYCLE || cfg.numbers);
}

static bool resolve(void) {
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  int rc = getaddrinfo(cfg.host, cfg.port, &hints, &server);
  if (rc != 0)
    fprintf(stderr, "load: cannot resolve %s: %s\n", cfg.host,
            gai_strerror(rc));
  return rc == 0;
}

static bool prepare(void) {
  const char *pw = getenv("TB_BENCH_PASSWORD");
  if (!pw || !*pw || strlen(pw) >= sizeof cfg.password) {
    fprintf(stderr, "load: set TB_BENCH_PASSWORD to the accounts' password\n");
    return false;
  }
  snprintf(cfg.password, sizeof cfg.password, "%s", pw);
  if (!resolve())
    return false;
  if (cfg.mode == M_TRACK && !load_numbers())
    return false;
  if (cfg.mode == M_POPULATE && !(run.numbers = fopen(cfg.numbers, "w"))) {
    fprintf(stderr, "load: cannot write %s: %s\n", cfg.numbers,
            strerror(errno));
    return false;
  }
  epfd = epoll_create1(EPOLL_CLOEXEC);
  conns = xcalloc((size_t)cfg.connections, sizeof *conns);
  for (long i = 0; i < cfg.connections; i++)
    conns[i].fd = -1;
  return epfd >= 0;
}

int main(int argc, char **argv) {
  if (!parse_args(argc, argv))
    return usage();
  if (!prepare())
    return 2;
  track_seed = (unsigned)time(NULL);
  if (cfg.mode != M_TRACK && !login_all()) {
    fprintf(stderr, "load: login failed\n");
    for (int i = 0; i < n_error_text; i++)
      fprintf(stderr, "  %s\n", error_text[i]);
    return 2;
  }
  for (int r = 0; r < R_COUNT; r++) { /* the logins are not the load */
    free(stats[r].us);
    stats[r] = (samples){0};
  }
  samples_total = 0;
  run.calls = 0;
  run_load();
  double elapsed = run.end - run.start;
  if (elapsed <= 0)
    elapsed = 1e-9;
  for (int r = 0; r < R_COUNT; r++)
    if (stats[r].n > 0)
      qsort(stats[r].us, stats[r].n, sizeof *stats[r].us, cmp_u32);
  print_report(elapsed);
  if (run.numbers && fclose(run.numbers) != 0)
    run.errors++;
  if (cfg.json && !write_json(elapsed))
    return 2;
  return run.errors ? 1 : 0;
}
