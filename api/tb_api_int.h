/*
 * tb_api_int.h — what the API's own .c files share: the request being
 * served, the route table's types, reply and problem helpers, the JSON
 * field readers, authentication and metrics. Not for use outside api/.
 */
#ifndef TB_API_INT_H
#define TB_API_INT_H

#include "tb_api.h"
#include "tb_engine.h"
#include "tb_store.h"
#include "tb_store_accounts.h"
#include "tb_store_alerts.h"
#include "tb_store_applications.h"
#include "tb_store_definitions.h"
#include "tb_store_files.h"
#include "tb_store_idempotency.h"
#include "tb_store_licenses.h"
#include "tb_store_ratings.h"
#include "tb_store_read.h"
#include "tb_store_security_log.h"
#include "tb_store_supervision.h"
#include "tb_store_verify.h"

#include <jansson.h>

struct MHD_Response;
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- roles ------------------------------------------------------------- */

enum {
  ROLE_ADMIN = 1 << 0,
  ROLE_CLERK = 1 << 1,
  ROLE_OFFICER = 1 << 2,
  ROLE_INSPECTOR = 1 << 3,
  ROLE_ANONYMOUS = 1 << 4, /* no token: allowed without one */
  ROLE_STAFF = ROLE_ADMIN | ROLE_CLERK | ROLE_OFFICER | ROLE_INSPECTOR,
  ROLE_EVERYONE = ROLE_STAFF | ROLE_ANONYMOUS
};

/* The bit of a role name; 0 when unknown. */
unsigned api_role_bit(const char *name);

/* ---- routes -------------------------------------------------------------- */

typedef struct api_req api_req;
typedef struct api_route api_route;
typedef struct api_context api_context;   /* api_request.h */
typedef struct api_hub api_hub;           /* api_sse.c */
typedef struct api_guesses api_guesses;   /* api_throttle.c */
typedef struct api_metrics api_metrics;   /* api_metrics.c */
typedef struct api_licenses api_licenses; /* api_licenses.c */
typedef struct api_totp api_totp;         /* api_totp.c */
typedef struct api_hashpool api_hashpool; /* api_hashpool.c */
typedef void (*api_handler)(api_req *r);

enum {
  ROUTE_BODY_JSON = 1 << 0,   /* the body is a JSON object (may be empty) */
  ROUTE_BODY_XML = 1 << 1,    /* the body is XML */
  ROUTE_CHANGE = 1 << 2,      /* state-changing: honours Idempotency-Key */
  ROUTE_QUERY_TOKEN = 1 << 3, /* ?access_token= may stand for the
                                 Authorization header (EventSource) */
  ROUTE_BODY_FILE = 1 << 5,   /* the body is one file's raw bytes, of any
                                 Content-Type, up to the server's max
                                 file bytes; a larger one is the
                                 handler's to refuse (r->too_large) */
  ROUTE_STEP = 1 << 6,        /* open to a session that still owes steps
                                 (TB_SESSION_*): log out, take a step */
  ROUTE_BODY_TEXT = 1 << 7    /* the body is text/plain (a calendar file) */
};

#define API_MAX_PARAMS 2

struct api_route {
  const char *method;
  const char *pattern; /* "/api/v1/applications/{number}/accept" */
  api_handler handler;
  unsigned roles; /* who may call it */
  unsigned flags;
};

extern const api_route api_routes[];
extern const size_t api_route_count;

/* Find the route for method + path. On a match returns it and fills
 * params (pointers into the arena). Otherwise NULL and *allow holds the
 * methods the path answers to (comma separated), or is "" for an unknown
 * path. */
const api_route *api_route_match(tb_arena *a, const char *method,
                                 const char *path,
                                 const char *params[API_MAX_PARAMS],
                                 char *allow, size_t allow_len);
/* Index of a route in api_routes (for metrics). */
size_t api_route_index(const api_route *rt);

/* ---- the request -------------------------------------------------------- */

/* The request being served. Its accessors (headers, query, the database
 * handle, the actor, the server's settings) are in api_request.h. */

struct tb_api;

struct api_req {
  api_context *ctx;   /* the server's settings, for the accessors */
  struct tb_api *api; /* the server itself: api_server.c's only */
  tb_arena *arena;
  struct MHD_Connection *conn;
  const api_route *route;
  const char *method;
  const char *path;
  const char *params[API_MAX_PARAMS];
  char request_id[24];
  char client[64];    /* the peer's address, for throttles */
  int64_t started_us; /* monotonic, for the duration */
  int64_t now;        /* Unix seconds: the time of events */
  /* the body: collected in body_buf (at most the server's max_body bytes);
   * body and body_len show it to handlers once it is complete */
  tb_buf body_buf;
  const char *body;
  size_t body_len;
  /* the route's cap: max file bytes or the JSON one */
  size_t body_max;
  bool too_large;
  bool started; /* the first call of the access handler is over */
  /* how the request came (api_server.c): a refusal of its form found
   * before routing (form_detail NULL: none), the body's bytes received,
   * whether an answer settled before the body is waiting for the body to
   * be read and dropped, and whether the connection closes after it */
  tb_problem_code form_code;
  const char *form_detail;
  size_t received;
  bool discarding;
  bool close;
  /* who asks: the session's account as it is now, its groups (岗位)
   * included (who.groups; api_event_actor_groups hands them to a task
   * event as actor_groups) */
  bool authed;
  tb_store_account who;
  uint8_t token_hash[32];
  /* the answer */
  bool replied;
  int status;
  const char *content_type;
  char *reply;
  size_t reply_len;
  const char *allow;    /* Allow header (405) */
  const char *location; /* Location header (201) */
  int retry_after;      /* Retry-After header (429, 503); 0: none */
  /* fault injection (test builds): -1 when no fault was asked for, else
   * whether it fired, and the statements the transaction sent */
  int fault_fired;
  int fault_statements;
  struct MHD_Response *response; /* a ready response queued instead of
                                    reply (streams, pages) */
  long long response_bytes;      /* its body's size; -1: unknown (streams) */
  /* suspended (api_suspend): what runs once it is resumed, NULL when not */
  void (*then)(api_req *r, void *cls);
  void *then_cls;
};

/* ---- the request's accessors (api_request.c) ------------------------------
 *
 * What a handler asks of its request and of the server running it. They
 * live in api_request.c, apart from the server's top (api_server.c), which
 * nothing below it calls into. */

/* Seconds a new session lasts (tb_api_options.session_ttl). */
int api_session_ttl(const api_req *r);
/* The server's password policy (tb_api_options.password_policy). */
const tb_api_password_policy *api_password_policy(const api_req *r);

/* Whether code is a bureau of `given` (NULL: of the stored list); false
 * with msg saying why not (unknown, or no list to check against). */
bool api_bureau_check(tb_store *s, const tb_bureau_list *given,
                      const char *code, char *msg, size_t msg_len);
/* Whether role is a role and bureau is given exactly for an officer;
 * false with msg saying why not. */
bool api_role_bureau_ok(const char *role, const char *bureau, char *msg,
                        size_t msg_len);

/* The request's database handle (one per worker thread, opened lazily).
 * NULL when the database cannot be reached: a 503 has been set. */
tb_store *api_store(api_req *r);

/* A header of the request, or NULL. */
const char *api_header(api_req *r, const char *name);
/* A query-string argument, or NULL. */
const char *api_query(api_req *r, const char *name);

/* The store's actor for the audit trail. */
void api_actor(const api_req *r, tb_store_actor *actor);

/* The server's hub of the live stream (NULL when it could not start). */
api_hub *api_hub_of(api_req *r);
/* The server's caches of tracking views and sessions (api_caches.h). */
typedef struct api_track_cache api_track_cache;
typedef struct api_session_cache api_session_cache;
api_track_cache *api_track_cache_of(api_req *r);
api_session_cache *api_session_cache_of(api_req *r);
/* Seconds a session may go without a person's request (the server's
 * session_idle). */
int api_session_idle_of(const api_req *r);
/* The server's licenses: trust list and issuer (NULL: licenses off). */
api_licenses *api_licenses_of(api_req *r);
/* The server's supervision rules, or NULL when it has none. */
const tb_rule_set *api_rules_of(const api_req *r);
/* The server's document templates (tb_documents.h), or NULL when it has
 * none. */
struct tb_doc_templates *api_templates_of(const api_req *r);
/* The server's counters of /metrics. */
api_metrics *api_metrics_of(api_req *r);
/* The server's table of tracking guesses. */
api_guesses *api_guesses_of(api_req *r);
/* The server's second-factor settings (api_totp.h); NULL: none needed. */
const api_totp *api_totp_of(const api_req *r);
/* Microseconds of the monotonic clock, for durations and deadlines. */
int64_t api_monotonic_us(void);
/* The server's password hashing pool (NULL when it could not start). */
api_hashpool *api_hashpool_of(api_req *r);
/* The server's connection guard (api_conn_guard.h), for /metrics. */
struct api_conn_guard *api_conn_guard_of(api_req *r);

/* The most bytes of one uploaded file, and of all files of one
 * application together (tb_api_options.max_file_bytes, …). */
size_t api_max_file_bytes(const api_req *r);
size_t api_max_application_bytes(const api_req *r);
/* The server's limits of anonymous intake (api_intake_limit.c). */
const tb_api_intake *api_intake_of(const api_req *r);

/* The server's route table (for the metrics' labels): *n entries. */
const api_route *api_route_table(const api_req *r, size_t *n);

/* The server's public URL, every absolute link's start:
 * "https://host[:port][/prefix]" without a trailing '/' (--public-url,
 * else http://LISTEN-ADDRESS:PORT). Never the request's Host header. */
const char *api_public_url(const api_req *r);

/* Queue a response the handler built itself (server-sent events, static
 * pages with their own headers); the request owns it from now on. bytes
 * is its body's size for the access log, -1 when unknown (a stream). */
void api_reply_response(api_req *r, int status, struct MHD_Response *resp,
                        long long bytes);

/* ---- replies and problems (api_reply.c) -------------------------------- */

/* Reply with a JSON value (stolen: decref'ed here). */
void api_reply_json(api_req *r, int status, json_t *value);
/* Forget the answer set so far (a change whose transaction did not
 * commit answers with its failure instead). */
void api_reply_forget(api_req *r);
/* Reply with bytes as they are (copied into the arena). */
void api_reply_raw(api_req *r, int status, const char *content_type,
                   const char *body, size_t len);

/* A problem (RFC 9457) being built: add field errors, then send. Codes
 * are rows of the registry (engine/tb_problems.def): the status of the
 * answer is the code's, and errors[].code are registered codes too. */
typedef struct {
  json_t *obj;
  json_t *errors;
  int status;
} api_problem;

void api_problem_init(api_problem *pb, tb_problem_code code,
                      const char *detail);
void api_problem_field(api_problem *pb, const char *field, tb_problem_code code,
                       const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bool api_problem_has_errors(const api_problem *pb);
/* Send it (and free it). */
void api_problem_send(api_req *r, api_problem *pb);
void api_problem_free(api_problem *pb);
/* Set an extra member (stolen). */
void api_problem_set(api_problem *pb, const char *key, json_t *value);

/* One-call problems: a registered code (its HTTP status is the answer's)
 * and a printf detail. */
void api_fail(api_req *r, tb_problem_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with one field error naming `field` (with the same code). */
void api_fail_field(api_req *r, tb_problem_code code, const char *field,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A store failure (unavailable → 503 + Retry-After, busy → 503, anything
 * else → 500); the details are already in the log. */
void api_fail_store(api_req *r, tb_store_status rc);
/* An engine refusal: the status's registered problem (tb_status_problem)
 * with its HTTP status; a 409 carries the current state, and
 * task_superseded the open task of the branch now (current_task: its id,
 * or null when the branch has none). */
void api_fail_engine(api_req *r, const tb_problem *p, tb_app_status current,
                     int64_t current_task);

/* ---- JSON bodies (api_json.c) ------------------------------------------- */

/* Parse the request body as a JSON object (an empty body is {}), with the
 * size cap already applied. On failure a 400 problem is set and NULL
 * returned. The result belongs to the caller (json_decref). */
json_t *api_body_object(api_req *r);

/* A request body described once, in a field table per handler: each row
 * names a field, its type, whether it is required and its bounds, and
 * where the typed value goes. api_fields_parse checks the body against
 * the table (a field not in it is unknown_field) and reads every row; a
 * handler names each field only there. The table is an array ended by
 * API_END, built where the outputs live:
 *
 *   const char *reason = NULL;
 *   api_field spec[] = {
 *       API_STRING("reason", API_REQUIRED, 1000, &reason), API_END};
 *   if (!api_fields_parse(&pb, body, NULL, spec)) …
 *
 * Absent and null are the same: a required field is then "missing", an
 * optional one leaves its output untouched. Outputs may be NULL (the
 * field is only checked). Strings are borrowed from the body. */
typedef enum {
  API_FIELD_STRING,    /* text; required: not empty; max_chars: 0 = any */
  API_FIELD_CHOICE,    /* one of choices[] → its index (-1 untouched) */
  API_FIELD_INT,       /* an integer in [min, max] */
  API_FIELD_MATERIALS, /* material ids of def → bit mask; required: ≥ 1 */
  API_FIELD_OBJECT,    /* an object; fields: its own table (or NULL) */
  API_FIELD_ARRAY,     /* an array the handler reads itself */
  API_FIELD_BOOLEAN    /* true or false */
} api_field_type;

enum {
  API_OPTIONAL = 0,
  API_REQUIRED = 1 << 0,
  API_SECRET = 1 << 1 /* left out of api_fields_payload (the audit trail) */
};

typedef struct api_field {
  const char *name; /* NULL ends the table */
  api_field_type type;
  unsigned flags;             /* API_REQUIRED, API_SECRET */
  size_t max_chars;           /* STRING: in code points */
  long long min, max;         /* INT */
  const char *const *choices; /* CHOICE: ends with NULL */
  const tb_definition *def;   /* MATERIALS */
  struct api_field *fields;   /* OBJECT: a nested table, or NULL */
  const char *what;           /* ARRAY: "must be <what>" when it is not */
  union {
    const char **string;
    int *choice;
    long long *integer;
    uint64_t *mask;
    json_t **json; /* OBJECT, ARRAY */
    bool *boolean;
  } out;
  /* set by api_fields_parse */
  json_t *value; /* as given (borrowed); NULL when absent or null */
  bool bad;      /* a problem names this field */
} api_field;

#define API_STRING(n, f, max_chars_, ptr)                                      \
  {                                                                            \
    .name = (n), .type = API_FIELD_STRING, .flags = (f),                       \
    .max_chars = (max_chars_), .out.string = (ptr)                             \
  }
#define API_CHOICE(n, f, choices_, ptr)                                        \
  {                                                                            \
    .name = (n), .type = API_FIELD_CHOICE, .flags = (f),                       \
    .choices = (choices_), .out.choice = (ptr)                                 \
  }
#define API_INT(n, f, lo, hi, ptr)                                             \
  {                                                                            \
    .name = (n), .type = API_FIELD_INT, .flags = (f), .min = (lo),             \
    .max = (hi), .out.integer = (ptr)                                          \
  }
#define API_MATERIALS(n, f, def_, ptr)                                         \
  {                                                                            \
    .name = (n), .type = API_FIELD_MATERIALS, .flags = (f), .def = (def_),     \
    .out.mask = (ptr)                                                          \
  }
#define API_OBJECT(n, f, table, ptr)                                           \
  {                                                                            \
    .name = (n), .type = API_FIELD_OBJECT, .flags = (f), .fields = (table),    \
    .out.json = (ptr)                                                          \
  }
#define API_ARRAY(n, f, what_, ptr)                                            \
  {                                                                            \
    .name = (n), .type = API_FIELD_ARRAY, .flags = (f), .what = (what_),       \
    .out.json = (ptr)                                                          \
  }
#define API_BOOLEAN(n, f, ptr)                                                 \
  { .name = (n), .type = API_FIELD_BOOLEAN, .flags = (f), .out.boolean = (ptr) }
#define API_END                                                                \
  { .name = NULL }

/* Check obj against the table and read every row into its output; each
 * problem names "prefix.field" (or field) in pb. true when no problem was
 * added (nested tables included). */
bool api_fields_parse(api_problem *pb, json_t *obj, const char *prefix,
                      api_field *spec);
/* A rule across fields, after api_fields_parse: a field of a top-level
 * table that this request needs although the table lets it be absent
 * (a comment that a denial needs). Adds "missing" as a required row
 * would (absent, empty text, no material), unless the field has a
 * problem already. */
void api_field_require(api_problem *pb, api_field *f);
/* A problem found by a rule of the handler (across fields, or against
 * the definition) about a parsed row: names "prefix.field" (or field) and
 * marks the row bad. */
void api_field_problem(api_problem *pb, const char *prefix, api_field *f,
                       tb_problem_code code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* A new object for the audit trail: every row of a parsed table but the
 * API_SECRET ones, with its value as given or null. */
json_t *api_fields_payload(const api_field *spec);

/* The members of a change's payload object (NULL: none) as the store's
 * typed notes: null, text, integer, boolean or a list of texts each; other
 * members (which no field table produces) are left out. Strings are
 * copied into the arena. */
void api_notes_of(tb_arena *a, json_t *payload, tb_store_notes *out);

/* The one converter from a form given as JSON to form values (api_form.c):
 * each value as the text tb_value_parse reads, parsed against its field
 * (problems name "form.ID"; a required field missing is one too); the
 * texts that parse go to *out (copied into the arena). */
void api_form_read(api_problem *pb, tb_arena *a, const tb_definition *def,
                   json_t *form, tb_day today, tb_store_form *out);
/* The same for any list of fields (a task's outputs): problems name
 * "prefix.ID" and an unknown id "is not a field of <of>". */
void api_values_read(api_problem *pb, tb_arena *a, const char *prefix,
                     const tb_field *fields, size_t n_fields, const char *of,
                     json_t *values, tb_day today, tb_store_form *out);
/* A number given as a JSON real as the plain decimal text that
 * tb_value_parse reads: the shortest digits that read back as x, never an
 * exponent (1e+20 → "100000000000000000000", 2.5e-3 → "0.0025", -0.0 →
 * "0"). false (buf "") when x is not finite or its plain form needs more
 * than 30 digits. cap must be at least 34. */
bool api_number_text(double x, char *buf, size_t cap);
/* Stored form values or branch outputs (an object of the texts they were
 * checked as, as the store keeps them) as a new object of JSON values in
 * their fields' types, found in def by id (form fields, then outputs):
 * numbers as JSON numbers, booleans as true / false, multiple choices as
 * lists, dates "YYYY-MM-DD", money as a decimal string with two places
 * ("1000.00"). A value of no known field, or one that is not a text or
 * does not parse, is kept as stored; a stored that is not an object is
 * returned as it is (a new reference either way). */
json_t *api_values_typed(const tb_definition *def, json_t *stored);

/* Parse a JSON text the store produced; NULL (logged) when it is not. */
json_t *api_json_load(const char *text);
/* "YYYY-MM-DD" of a day, as a JSON string (null for day 0). */
json_t *api_json_day(tb_day d);
/* ISO 8601 UTC time of Unix seconds (null for 0). */
json_t *api_json_time(int64_t unix_seconds);

/* ---- change requests with Idempotency-Key (api_change.c) ----------------- */

/* The body of a change: runs inside a transaction (maybe several times).
 * It sends nothing: it sets the answer it wants (api_reply_json /
 * api_fail…) and returns TB_STORE_OK to commit, or a refusal status
 * (TB_STORE_REFUSED, _INVALID, _NOT_FOUND, _CONFLICT) with a 4xx answer
 * to roll back. The answer leaves the server only as api_run_change
 * decides after the transaction: a 2xx only when COMMIT succeeded. */
typedef tb_store_status (*api_change_fn)(api_req *r, tb_store *s, void *cls);

/* Run fn in a transaction together with the request's Idempotency-Key:
 * a key seen before replays its first answer and runs nothing. After the
 * transaction the answer is settled: fn's answer when it committed (or
 * when fn refused with a 4xx), else 500 (a statement or COMMIT failed),
 * 503 + Retry-After (database unreachable, busy, or the outcome of COMMIT
 * unknown). Test builds honour the X-Tongban-Fault header ("N KIND",
 * KIND = hard | soft | lost | lost-after): statement N of the transaction
 * fails (tb_store_fault_arm; N = 0: the COMMIT). */
void api_run_change(api_req *r, api_change_fn fn, void *cls);
/* Read the body by the field table spec (its outputs are borrowed from
 * the body, valid during fn), then api_run_change; a body with problems
 * is answered 422 naming each field. */
void api_run_change_fields(api_req *r, api_field *spec, api_change_fn fn,
                           void *cls);

/* ---- authentication (api_auth.c) ----------------------------------------- */

/* Check the Authorization header against the route's roles; on refusal a
 * 401 / 403 is set and false returned. A header that is sent is checked on
 * every route, public ones too (a bad token is 401 invalid_token); with no
 * header the caller is anonymous, which a route allows or answers 401. */
bool api_authenticate(api_req *r);
/* Whether u is a user name: 1 to 64 of [A-Za-z0-9._-] (api_auth.c). */
bool api_username_ok(const char *u);
/* A new session token (43 base64url characters) and its SHA-256. */
bool api_token_new(char out[64], uint8_t hash[32]);

/* ---- suspended requests (api_request.c; the mechanism: api_server.c) ----
 *
 * A handler that waits for work done elsewhere (a password hashed on the
 * pool below) suspends its request and returns without answering; the
 * request thread serves others meanwhile. Whoever finishes the work calls
 * api_resume once, from any thread; then `then` runs on a request thread
 * with the same request and answers it (or suspends it again). The
 * request, its arena and its body stay valid while it is suspended. Only
 * from a handler run once the body is in (every route's handler but a
 * file route's refusal of an oversized upload). */
typedef void (*api_continuation)(api_req *r, void *cls);
void api_suspend(api_req *r, api_continuation then, void *cls);
void api_resume(api_req *r);

/* ---- password hashing on its own pool (api_hashpool.c) -------------------
 *
 * scrypt costs tens of milliseconds of one core: it never runs on a
 * request thread. A bounded queue feeds a few threads of its own (the
 * cap on hashes at once); a full queue is answered 503
 * password_hashing_busy with Retry-After at once. */
/* One check or hash to do. password (len bytes) and stored are borrowed:
 * keep them in the request's arena. Set by the pool: ok (the password
 * matches stored; or hash holds its new scrypt hash when stored is NULL),
 * or why it was not done (api_password_refused answers it). */
typedef struct {
  const char *password;
  size_t len;
  const char *stored; /* NULL: hash the password instead */
  bool ok;
  bool cancelled; /* the server stopped before it ran */
  bool expired;   /* it waited longer than the queue's bound */
  char hash[TB_API_HASH_MAX];
} api_password_work;

/* Queue w for the request's server's pool and suspend r: true, and
 * then(r, cls) runs once it is done (w filled in). false when the queue
 * is full or the server stops: r is answered 503 with Retry-After and the
 * handler returns. w must live in r's arena. */
bool api_password_later(api_req *r, api_password_work *w, api_continuation then,
                        void *cls);
/* In the continuation: true when w was not done (the server stopped, or
 * it waited in the queue too long for its client to still wait), and r
 * is answered 503 with Retry-After; false when w->ok is the answer. */
bool api_password_refused(api_req *r, const api_password_work *w);
/* Start threads (at least 1) hashing from a queue of queue_cap (at least
 * 1) waiting jobs; NULL when no thread starts. */
api_hashpool *api_hashpool_start(unsigned threads, unsigned queue_cap);
/* Stop: the jobs running finish, the ones waiting are cancelled, every
 * request is resumed; then free. Before the HTTP daemon stops (a
 * suspended request must be resumed first). NULL is fine. */
void api_hashpool_stop(api_hashpool *p);
/* The pool's metrics (tongban_password_hash_*) in Prometheus text. */
void api_hashpool_text(api_hashpool *p, tb_buf *t);
/* ---- failure throttles (api_throttle.c) ---------------------------------- */

/* Logins, counted in the database at every try: whether the key may try
 * now (false: 429 with Retry-After, or a store failure, is set); record a
 * failure, true when it is the one that locks the key (its lock-th in
 * the window). */
bool api_throttle_allow(api_req *r, tb_store *s, const char *key, int soft,
                        int lock, int window);
bool api_throttle_fail(tb_store *s, const char *key, int lock, int window);
/* Tracking guesses, checked in the server's memory (the database only
 * confirms a wait), each miss recorded in the database too; the same
 * contract. */
bool api_guess_allow(api_req *r, tb_store *s, const char *key, int soft,
                     int lock, int window);
void api_guess_miss(api_req *r, tb_store *s, const char *key, int window);
/* Rate limits in the same table: at most `limit` events of key (counted
 * with api_guess_miss) in `window` seconds; past that, false with 429
 * `code` and Retry-After until the window after the last event has
 * passed, the detail saying "too many … from <what>". */
bool api_rate_allow(api_req *r, tb_store *s, const char *key, int limit,
                    int window, tb_problem_code code, const char *what);
/* The table of tracking guesses: one per server, made at its start and
 * freed at its stop; the request's server's: api_guesses_of
 * (api_request.c). */
api_guesses *api_guesses_new(void);
void api_guesses_free(api_guesses *g); /* NULL is fine */

/* ---- metrics (api_metrics.c) ----------------------------------------------
 */

/* One server's counters (made at its start, freed at its stop): two
 * servers in one process count apart. The request's server's:
 * api_metrics_of (api_request.c). */
api_metrics *api_metrics_new(void);
void api_metrics_free(api_metrics *m); /* NULL is fine */

/* Count a request answered with status (0: none sent) after seconds;
 * route is its index in api_routes, or api_route_count (or more) when
 * it matched none. */
void api_metrics_request(api_metrics *m, size_t route, int status,
                         double seconds);
void api_metrics_transition(api_metrics *m, tb_event_kind kind);
/* Why an application was refused before intake (api_intake_limit.c). */
typedef enum {
  API_INTAKE_THROTTLED_ADDRESS,
  API_INTAKE_THROTTLED_APPLICANT,
  API_INTAKE_NUMBERS_EXHAUSTED,
  API_INTAKE_REFUSALS
} api_intake_refusal;
void api_metrics_intake_refused(api_metrics *m, api_intake_refusal why);
/* Logins by outcome, from the status a login was answered with. */
typedef enum {
  API_LOGIN_SUCCEEDED = 0, /* 201 */
  API_LOGIN_FAILED,        /* 401: wrong user name or password */
  API_LOGIN_REFUSED,       /* 429: throttled or locked */
  API_LOGIN_INVALID,       /* 400, 413, 415, 422: a malformed request */
  API_LOGIN_ERROR,         /* anything else (503, 500) */
  API_LOGIN_OUTCOMES
} api_login_outcome;
void api_metrics_login(api_metrics *m, int status);
/* A failed login that locked a user name or a client address. */
void api_metrics_lockout(api_metrics *m);
/* The store's counters inside m, for tb_store_options.counters (owned by
 * m; NULL when m is NULL). */
tb_store_counters *api_metrics_store_counters(api_metrics *m);
/* Append the Prometheus text of the counters to t, labelled with the
 * routes of the table (n entries; api_route_table). */
void api_metrics_text(const api_metrics *m, tb_buf *t, const api_route *routes,
                      size_t n);
/* Append the process metrics (process_*, from /proc/self) and
 * tongban_build_info (api_metrics_process.c). */
void api_metrics_process_text(tb_buf *t);
/* The build's version (meson's project version) and git commit
 * ("unknown" outside a git checkout), generated at build time
 * (api/tb_build_info.c.in). */
extern const char tb_build_version[];
extern const char tb_build_commit[];

/* ---- handlers (one file per resource) ------------------------------------ */

void api_h_healthz(api_req *r);
void api_h_metrics(api_req *r);
void api_h_openapi(api_req *r);

void api_h_session_create(api_req *r);
void api_h_session_delete(api_req *r);
/* GET /api/v1/sessions/current: {username, role, bureau, groups, pending}
 * of the session's account as it is now. */
void api_h_session_get(api_req *r);
/* The steps a session owes (TB_SESSION_* bits) as the JSON array of their
 * names ("password_change", "totp_enrolment") the log-in answers with;
 * new reference. */
json_t *api_session_steps_json(unsigned steps);
void api_h_session_password(api_req *r);

/* Account management (api_accounts.c), administrators only. */
void api_h_accounts_list(api_req *r);
void api_h_account_create(api_req *r);
void api_h_account_disable(api_req *r);
void api_h_account_enable(api_req *r);
void api_h_account_password(api_req *r);
void api_h_account_role(api_req *r);
void api_h_account_delete(api_req *r);
/* Log an account change as a security event (module "accounts"): event
 * ("account_disabled" …), who did it ("cli" from the command line), the
 * account, its role and bureau where they matter (NULL: none), and how
 * many of its sessions ended. */
void api_account_log(const char *event, const char *actor, const char *user,
                     const char *role, const char *bureau, int ended);
/* The request's JSON body read against spec (api_fields_parse); on a
 * problem it answers 4xx (invalid_request with detail and errors[]) and
 * returns false. On true *body holds the object, to json_decref once
 * the borrowed strings are no longer needed. */
bool api_body_fields(api_req *r, json_t **body, const char *detail,
                     api_field *spec);

void api_h_app_create(api_req *r);
void api_h_app_list(api_req *r);
void api_h_app_get(api_req *r);

/* ---- receipts (api_receipt.c) --------------------------------------------
 */

/* At start-up: the tracking-code key of the keys folder (tracking.key, 32
 * random bytes in hex, created mode 0600 on first start when missing, so
 * every node sharing the keys folder derives the same codes). keys_dir
 * NULL or "": *have is false (codes are random and cannot be reprinted).
 * false: err says why. */
bool api_code_key_open(const char *keys_dir, uint8_t key[32], bool *have,
                       char *err, size_t err_len);
/* One of the server's secret keys in the keys folder: keys_dir/file, 32
 * random bytes as 64 hex digits, created (mode 0600) when missing; what
 * names it in err ("tracking-code"). false: err says why. */
bool api_key_file_open(const char *keys_dir, const char *file, const char *what,
                       uint8_t key[32], char *err, size_t err_len);
/* GET …/{number}/receipt and POST …/{number}/tracking-code. */
void api_h_app_receipt(api_req *r);
/* The request's server's tracking-code key (32 bytes), or NULL when it has
 * none (api_request.c). */
const uint8_t *api_code_key(const api_req *r);
void api_h_app_code_reissue(api_req *r);
void api_h_app_events(api_req *r);
void api_h_app_accept(api_req *r);
void api_h_app_reject(api_req *r);
void api_h_app_supplement_request(api_req *r);
void api_h_app_supplement(api_req *r);
void api_h_app_notice_close(api_req *r);
void api_h_app_suspend(api_req *r);
void api_h_app_resume(api_req *r);
void api_h_app_withdraw(api_req *r);
void api_h_app_deliver(api_req *r);
void api_h_app_rating(api_req *r);

void api_h_tasks_list(api_req *r);
void api_h_task_claim(api_req *r);
void api_h_task_decide(api_req *r);

void api_h_track(api_req *r);

/* Access by tracking code (api_track.c): tracking, the applicant's rating,
 * the license images. api_track_allow: whether the client may guess now
 * (false: 429 with Retry-After set). api_track_match: whether code is
 * number's tracking code (a malformed number or code, a NULL, an unknown
 * number are all no match); a miss counts against the client; false when a
 * store failure reply was set. api_track_miss: count a miss found
 * otherwise (an unknown license). api_track_not_found: the one 404 every
 * miss of tracking gets. */
bool api_track_allow(api_req *r, tb_store *s);
bool api_track_match(api_req *r, tb_store *s, const char *number,
                     const char *code, bool *match);
void api_track_miss(api_req *r, tb_store *s);
void api_track_not_found(api_req *r);
/* A name as shown to someone who is not staff: "张三丰" → "张**" (its
 * first character and an asterisk per further one; at least one). The
 * result is new (the caller's reference). */
json_t *api_masked_name(const char *name);

/* The public tracking view of an application (masked applicant, steps,
 * dates, working days left by the loaded calendar at `now`, notice while
 * a supplement is awaited, rating, licenses, timeline), read through s;
 * NULL (logged) when it cannot be read. */
json_t *api_track_view(tb_store *s, const char *number,
                       const tb_definition *def, const tb_app_state *st,
                       int64_t now);

/* ---- the refusal or denial told to the applicant (api_decision.c) ------- */

/* The decision that ended a refused or denied application, as a new JSON
 * object: {"kind": "refused" | "denied", "reason", "legal_basis",
 * "decided_at", "bureau", "bureau_name", "rights": {"review": {"body",
 * "days": 60, "until"}, "litigation": {"court", "months": 6, "until"}}}
 * (the bureau list and calendar read through s); JSON null for any other
 * state or when no decision is stored. `stored` is the store's object
 * (tb_store_decision_read; borrowed, may be NULL). NULL (logged) when
 * something could not be read. */
json_t *api_decision_view(tb_store *s, const tb_definition *def,
                          const tb_app_state *st, const char *stored);
/* The same, reading the stored decision of application `number` through
 * s (in the caller's transaction, if any). */
json_t *api_decision_read(tb_store *s, const char *number,
                          const tb_definition *def, const tb_app_state *st);

/* The documents of an application (api_documents.c): the list, and one
 * document as PDF. */
void api_h_app_documents(api_req *r);
void api_h_app_document(api_req *r);

/* The tracking page's URL: the public URL (never the request's Host),
 * /t/{number}, and ?c=CODE when code is not NULL; false when it does not
 * fit in cap bytes (api_licenses.c). */
bool api_tracking_url(api_req *r, const char *number, const char *code,
                      char *out, size_t cap);

/* Materials as files (api_files.c). */
void api_h_material_file_post(api_req *r);
/* Whether the caller may read application `number` as its files are read:
 * a clerk or inspector, an officer of a bureau with a task in it, the
 * applicant with the tracking code of ?code= (a miss counts, and answers
 * the tracking's 404); with the store handle and the definition it runs
 * on. false: a reply is set. */
bool api_app_reader_open(api_req *r, tb_store **s, const char *number,
                         const tb_definition **def);
void api_h_task_file_post(api_req *r);
void api_h_materials_get(api_req *r);
void api_h_file_get(api_req *r);
/* Reply 200 with a stored file's bytes (handed over: f->bytes is NULL
 * afterwards), its type, a Content-Disposition with its name (inline, or
 * attachment when download) and the headers that keep a file from
 * running script. */
void api_file_reply(api_req *r, tb_store_file *f, bool download);
/* Reply 200 with a file made for this request (a PDF, a CSV; api_files.c): its
 * bytes (malloc'ed, handed over: freed here whatever happens), Content-Type
 * type, Content-Disposition inline or attachment with the file's name
 * (RFC 8187; fallback, an ASCII name, when it does not fit), nosniff,
 * no-referrer and never cached (it may show personal data). */
void api_reply_file(api_req *r, const char *type, char *bytes, size_t len,
                    const char *name, const char *fallback, bool attachment);
/* Record, in the intake's transaction, the licenses that satisfied
 * materials (used: the intake's [{material, license_id, …}], checked
 * valid at intake), so that the material list shows each license with
 * its status then and now. */
tb_store_status api_material_licenses_note(tb_store *s, const char *number,
                                           json_t *used);

void api_h_workflows_list(api_req *r);
void api_h_workflow_get(api_req *r);
void api_h_workflow_post(api_req *r);
/* POST /api/v1/workflows/check: the loader's problems, nothing stored. */
void api_h_workflow_check(api_req *r);

/* The working-day calendar (api_calendar.c): GET /api/v1/calendar (the
 * loaded years), POST /api/v1/calendar (load a year file, text/plain, as
 * `tongban calendar load` does), POST /api/v1/calendar/check (the same
 * check, nothing stored). */
void api_h_calendar_get(api_req *r);
void api_h_calendar_post(api_req *r);
void api_h_calendar_check(api_req *r);

/* ---- shared views (api_views.c) ------------------------------------------ */

/* The full application view: row (from tb_store_application_view_read, may be
 * NULL), state and definition, and the notice (stolen; NULL: none). */
json_t *api_app_view(const tb_definition *def, const tb_app_state *st,
                     json_t *row, json_t *notice);
/* The merged one-time notice (一次性告知) as a new JSON value, or JSON
 * null when nothing is requested: {"items": [{id, name}], "bureaus":
 * [{branch, bureau, bureau_name, comment, items}], "reason"} — every
 * material asked for, each bureau that returned the application in its
 * current round (tasks: tb_store_application_tasks_read; the bureau names are
 * read through s), and the window's reason while it waits for the applicant's
 * supplement before acceptance (else null). NULL when something could
 * not be read (a store failure: the caller answers 500). */
json_t *api_notice_view(tb_store *s, const char *number,
                        const tb_definition *def, const tb_app_state *st,
                        json_t *tasks);
/* The same, reading the row and tasks in the caller's transaction; NULL
 * when any of it could not be read (never a partial view). */
json_t *api_full_view(api_req *r, tb_store *s, const char *number,
                      const tb_definition *def, const tb_app_state *st);

/* One transition through api_run_change: the event (at and actor are
 * filled in) and the audit payload (its "comment" is kept on a decided
 * task by the store). Replies 200 with the application view (wrapped with
 * task_id for task events) or the refusal. */
typedef struct {
  const char *number; /* NULL: the path's {number} */
  tb_event ev;
  json_t *payload;  /* borrowed */
  int64_t task_id;  /* task events: the task */
  bool public_view; /* reply with the tracking view (an applicant acting
                       with the tracking code instead of a token) */
  const tb_store_form *outputs; /* an approval's branch outputs, or NULL */
  /* run in the transition's transaction once it succeeded, before the
   * reply (a rating's grades, api_ratings.c); NULL: none. Anything but
   * TB_STORE_OK rolls the transition back (a refusal sets its 4xx). */
  tb_store_status (*after)(api_req *r, tb_store *s, void *cls);
  void *after_cls;
} api_transition;
void api_run_transition(api_req *r, api_transition *t);

/* The task named in the path (what never changes about it: its
 * application, definition and bureau), checked against the officer's
 * bureau; its state is read under the application's lock when the event
 * runs. false: a reply is set (404, 403 wrong_bureau, or the store's
 * failure). */
bool api_task_load(api_req *r, tb_store_task_ref *task);
/* Point t at the task: its application's number (copied into the
 * arena), its id, the officer's bureau, user name and groups (the
 * session's, r->who: the engine checks group and officer signers with
 * them; the pointers live as long as the request). */
void api_task_event(api_req *r, const tb_store_task_ref *task,
                    api_transition *t);
/* The verbs of a branch (api_verbs.c, issue 14): 转办, 委派, 委派办毕,
 * 加签, 减签, 退回, 撤回 on the task of the path, and what the officer
 * may do with it. */
void api_h_task_transfer(api_req *r);
void api_h_task_delegate(api_req *r);
void api_h_task_resolve(api_req *r);
void api_h_task_signers(api_req *r);
void api_h_task_remove(api_req *r);
void api_h_task_send_back(api_req *r);
void api_h_task_take_back(api_req *r);
/* GET /api/v1/tasks/{id}/options: the verbs the officer may use on the
 * task now, the officers they may name, the steps 退回 may go back to,
 * the 加签 positions of the step and its signers. */
void api_h_task_options(api_req *r);

/* Working days from the day of `now` to deadline by the loaded calendar
 * (holidays and adjusted working days, not just Monday to Friday; cal
 * NULL: Monday to Friday): 0 on the last day, negative when overdue, as
 * a new JSON integer; JSON null when there is no deadline (day 0). The
 * one counter of the time left that answers show. */
json_t *api_working_days_left(const tb_calendar *cal, tb_day deadline,
                              int64_t now);
/* The working days left to the application's promised deadline at `now`
 * (api_working_days_left, on the calendar read through s) while its
 * clock runs (in review); JSON null before acceptance, while returned or
 * suspended, and once decided or ended. A new reference. */
json_t *api_app_days_left(tb_store *s, const tb_app_state *st, int64_t now);
/* Add "working_days_left" to an application view (api_app_view): the
 * application's (api_app_days_left), and each branch's to its own
 * deadline while the branch is active and the application's clock runs
 * (else null); and "deadline_provisional",
 * "statutory_deadline_provisional" and each branch's
 * "deadline_provisional" (past the days the loaded calendar covers). */
void api_clock_view(tb_store *s, const tb_app_state *st, json_t *view,
                    int64_t now);
/* Set o[flag_key] to whether the date text o[date_key] ("YYYY-MM-DD")
 * lies past the days the calendar covers (tb_calendar_is_provisional);
 * false when there is no date. */
void api_mark_provisional(const tb_calendar *cal, json_t *o,
                          const char *date_key, const char *flag_key);
/* The same for "deadline" → "deadline_provisional" of every object of the
 * array items and, when nested is not NULL, of every object of each
 * one's array `nested` (an alert's "tasks"). */
void api_mark_provisional_items(const tb_calendar *cal, json_t *items,
                                const char *nested);

/* The embedded OpenAPI document (generated by api/gen_openapi.py, its
 * ProblemCode enum from engine/tb_problems.def). */
extern const char api_openapi_json[];
extern const size_t api_openapi_json_len;

/* ---- pages, supervision and the live stream (issue 6) ---------------------
 */

/* The embedded files of web/ (generated by api/embed_web.py). */
typedef struct {
  const char *name; /* base name: "window.html" */
  const char *type; /* Content-Type */
  const unsigned char *data;
  size_t len;
  const char *etag; /* quoted content hash */
} api_web_file;
extern const api_web_file api_web_files[];
extern const size_t api_web_file_count;

/* The hub of the live stream (api_sse.c): one LISTEN connection and
 * thread per server, fanning events out to every open stream. */
/* Start the listener thread (it connects and reconnects by itself, and
 * tails the change events: store/tb_store_events.h); NULL if the thread
 * cannot start. Every recheck_seconds (0: 2) it checks the sessions of
 * the open streams and ends those whose session ended. Every event it
 * hears (from the tail, or a NOTIFY "tongban" sent by hand) goes to
 * heard(cls, payload) first (NULL: none); false keeps it from the
 * streams (api_events_heard). */
api_hub *api_hub_start(const char *conninfo, unsigned recheck_seconds,
                       bool (*heard)(void *cls, const char *payload),
                       void *cls);
/* This node committed events: read the tail now, and wake the other
 * nodes' hubs (a NOTIFY after the commit, a few a second at most). NULL
 * is fine. */
void api_hub_poke(api_hub *h);
/* End every open stream (resuming the suspended ones) and refuse new
 * ones: call before stopping the HTTP daemon. */
void api_hub_close_streams(api_hub *h);
/* Stop the thread and free (after the daemon has stopped). NULL is fine. */
void api_hub_stop(api_hub *h);
/* How many streams are open now. */
size_t api_hub_stream_count(api_hub *h);

void api_h_web(api_req *r);
void api_h_supervision_overview(api_req *r);
void api_h_supervision_alerts(api_req *r);
/* Reply 200 with the store's JSON text (freed here), wrapped as {key:
 * value} when key is not NULL; a store failure as api_fail_store, text
 * that does not parse as 500 (api_supervision.c). */
void api_reply_store_json(api_req *r, tb_store_status rc, char *json,
                          const char *key);
void api_h_supervision_stream(api_req *r);
/* GET /api/v1/supervision/statistics (api_stats.c). */
void api_h_supervision_statistics(api_req *r);
/* The stored bureau list's names: {code: name} (a new reference); {}
 * when there is none, NULL when it could not be read. The list is the one
 * the handle has parsed (again only when another list is stored). In
 * api_views.c. */
json_t *api_bureau_names(tb_store *s);
/* Supervision rules, findings, red cards and 催办 (api_alerts.c). */
void api_h_supervision_rules(api_req *r);
void api_h_findings_list(api_req *r);
void api_h_findings_counts(api_req *r);
void api_h_supervision_urges(api_req *r);
void api_h_finding_get(api_req *r);
void api_h_finding_file(api_req *r);
void api_h_finding_answer(api_req *r);
void api_h_finding_decision(api_req *r);
void api_h_task_urge(api_req *r);

/* ---- electronic licenses (api_licenses.c) -------------------------------- */

/* One server's licenses: its keys folder's trust list and an issuer for
 * its signing keys, owned by the server (tb_api) and never shared. */
typedef struct api_licenses api_licenses;

/* At start-up: load the keys folder's trust list and open its signing
 * keys (with passphrase; NULL: from the environment) into *out (NULL when
 * keys_dir is NULL or "": licenses off). false: err says why. */
bool api_licenses_open(const char *keys_dir, const char *passphrase,
                       api_licenses **out, char *err, size_t err_len);
/* At stop, after every store handle using its handler is closed. NULL is
 * fine. */
void api_licenses_close(api_licenses *l);
/* The store's license handler (tb_store_options.licenses) issuing with
 * l's keys; NULL for NULL (licenses off). Valid until api_licenses_close. */
const tb_store_license_handler *api_licenses_handler(const api_licenses *l);

/* Intake: materials given as {"id", "license_id"}. */
typedef struct {
  int material;           /* index in the definition */
  const char *license_id; /* borrowed from the request body */
  char field[80];         /* its name in problems: "materials[i].license_id" */
} api_license_claim;
typedef struct {
  api_license_claim items[TB_MAX_MATERIALS];
  size_t n;
} api_license_claims;

/* Check the claimed licenses (exists, holder's number and name, the
 * material's type, valid today; problems name the claim's field), then
 * fill in every other material with a license type from the holder's
 * valid license of that type issued under holder_name. Sets the bits in
 * *materials and *from_license and appends {material, license_id,
 * automatic} to used. */
void api_licenses_intake(api_problem *pb, tb_store *s, const tb_definition *def,
                         const char *holder, const char *holder_name,
                         tb_day today, const api_license_claims *claims,
                         uint64_t *materials, uint64_t *from_license,
                         json_t *used);

void api_h_licenses_list(api_req *r);
void api_h_license_get(api_req *r);
void api_h_license_qr_png(api_req *r);
void api_h_license_svg(api_req *r);
void api_h_license_verify(api_req *r);
void api_h_license_revoke(api_req *r);
void api_h_trust(api_req *r);
/* GET /api/v1/revocations: every revoked license, signed by the platform
 * (tb_license_revocations_sign); public. */
void api_h_revocations(api_req *r);
void api_h_app_qr_png(api_req *r);
void api_h_app_qr_svg(api_req *r);

/* ---- 好差评, 差评整改 and 告知承诺 verification (api_ratings.c,
 * api_verify.c) ------------------------------------------------------- */

/* The grades beyond the whole one, read from a rating's body: "bureaus"
 * ([{bureau, grade, comment?}], problems name "bureaus[i].…") and
 * "responsible" (a bureau code or null), into *out (strings borrowed
 * from the body). */
void api_rating_read(api_problem *pb, json_t *bureaus, const char *responsible,
                     tb_store_rating *out);
/* The after-callback of the rate transition (cls: the tb_store_rating):
 * records the grades and opens the tickets; a bureau without a branch is
 * 422 unknown_bureau naming it. */
tb_store_status api_rating_after(api_req *r, tb_store *s, void *cls);
/* An intake refused because the holder is excluded from 告知承诺: 422
 * commitment_excluded naming "committed", with material and
 * excluded_until. */
void api_fail_excluded(api_req *r, const tb_store_outcome *out);
/* Each item's "bureau_name": the stored bureau list's name of its
 * "bureau" (null when it has none: the window). */
void api_bureau_names_add(tb_store *s, json_t *items);
/* The same from list (NULL: every name null) for the code under `key`,
 * the name under `name_key`. */
void api_bureau_names_set(const tb_bureau_list *list, json_t *items,
                          const char *key, const char *name_key);
/* What the tracking page shows under the rating: {ratings: [{bureau,
 * bureau_name, grade}], replies: [{bureau, bureau_name, reply,
 * replied_at}]} (部门答复); NULL when it could not be read. */
json_t *api_rating_public(tb_store *s, const char *number);
/* Today by the stored calendar's zone, "YYYY-MM-DD". */
void api_today_text(tb_store *s, int64_t now, char out[11]);
/* The positive id of the path's first parameter; 0 (a 404 set, naming
 * `what`) when it is none. */
int64_t api_path_id(api_req *r, const char *what);
/* Reply 200 {items} with a list the store reads (today by the stored
 * calendar, at most 200 items), each with its bureau_name. */
typedef tb_store_status (*api_list_fn)(tb_store *s, const char *bureau,
                                       const char *state, const char *today,
                                       int limit, char **json);
void api_reply_list(api_req *r, api_list_fn read, const char *bureau,
                    const char *state);
void api_h_rectifications_list(api_req *r);
void api_h_rectification_reply(api_req *r);
void api_h_rectification_review(api_req *r);
void api_h_verifications_list(api_req *r);
void api_h_verification_finding(api_req *r);

/* ---- anonymous intake (api_intake_limit.c) -------------------------------
 * Throttles of online applications sent without a token (per client
 * address and per applicant number), the expiry of online applications,
 * and the answer when the day's application numbers are spent. */

/* Whether an anonymous intake for `applicant` may go on; false: 429
 * intake_throttled answered. Always true with a token. */
bool api_intake_allow(api_req *r, tb_store *s, const char *applicant);
/* Count a stored anonymous application against both limits. */
void api_intake_count(api_req *r, tb_store *s, const char *applicant);
/* When an online application made now expires (Unix seconds). */
int64_t api_intake_expire_at(const api_req *r);
/* Answer 503 numbers_exhausted with Retry-After until the next day. */
void api_intake_fail_exhausted(api_req *r, const tb_calendar *cal,
                               tb_day today);
/* After the refused intake's transaction: log at error level, count it
 * in /metrics and raise the inspectors' alert (tb_store_intake.h). */
void api_intake_exhausted(api_req *r, tb_store *s, tb_day today, bool public);
/* GET /api/v1/supervision/intake-alerts */
void api_h_intake_alerts(api_req *r);

/* The security log (api/api_security_log.c; tb_store_security_log.h).
 * Append an event with the request's actor — its account when it is
 * authenticated, else anonymous — and client address: the one-line call
 * where something security-related happens, e.g.
 *   rc = api_security_log(r, s, "account_disabled", TB_SECURITY_OK,
 *                         "account:bob", json_pack("{s:s}", "role", role));
 * details: a JSON object or NULL, taken over (decref'd here). Inside an
 * api_run_change body it joins the change's transaction (call it last);
 * elsewhere it is its own. _as names the account (a log-in, before the
 * request has one). A failure is logged here and returned. */
tb_store_status api_security_log(api_req *r, tb_store *s, const char *kind,
                                 tb_store_security_outcome outcome,
                                 const char *subject, json_t *details);
tb_store_status api_security_log_as(api_req *r, tb_store *s,
                                    const char *username, const char *kind,
                                    tb_store_security_outcome outcome,
                                    const char *subject, json_t *details);
/* Log in and out with their events: the session (tb_store_session_create
 * with its pending steps / _revoke of the request's token) and the "login" /
 * "logout" event in one transaction, so that neither is without the other. A
 * refused log-in (outcome failed or locked, reason a word such as
 * "wrong_password") is an event of its own, subject "account:USER". */
tb_store_status api_security_session_create(api_req *r, tb_store *s,
                                            const tb_store_account *a,
                                            const uint8_t token_hash[32],
                                            int ttl, unsigned pending,
                                            int64_t *expires_at);
tb_store_status api_security_session_revoke(api_req *r, tb_store *s);
void api_security_login_refused(api_req *r, tb_store *s, const char *user,
                                tb_store_security_outcome outcome,
                                const char *reason);
/* An account a `tongban accounts` command made (command: "accounts add"
 * or "accounts import"): its "account_created" event, actor the
 * operating system's user, in the open transaction; _created_in the same
 * with the groups (岗位) the account is created in (NULL: none) in its
 * details. _add: the account (tb_store_account_create; TB_STORE_CONFLICT
 * when it exists), its groups (NULL: none) and its event in one
 * transaction, by the request's account (r) or the command line's user
 * (r NULL). */
tb_store_status api_security_account_created(tb_store *s, const char *user,
                                             const char *role,
                                             const char *bureau,
                                             const char *command);
tb_store_status api_security_account_created_in(tb_store *s, const char *user,
                                                const char *role,
                                                const char *bureau,
                                                const tb_store_groups *groups,
                                                const char *command);
tb_store_status api_security_account_add(api_req *r, tb_store *s,
                                         const char *user, const char *role,
                                         const char *bureau,
                                         const tb_store_groups *groups,
                                         const char *password_hash,
                                         bool change_required);
/* An account change's security event (kind "account_disabled" …, subject
 * "account:USER", details role and bureau when given), by the request's
 * account — or, with r NULL, by the command line's operating-system user.
 * Shaped as tb_store_account_change.also, with an api_account_event as
 * its cls, so the event is written in the change's own transaction. */
typedef struct {
  api_req *r; /* NULL: a `tongban accounts` command */
  const char *kind;
  const char *user;
  const char *role;              /* NULL: not part of the change */
  const char *bureau;            /* NULL or "": none */
  const tb_store_groups *groups; /* NULL: not part of the change */
} api_account_event;
tb_store_status api_security_account_event(tb_store *s, void *cls);
/* GET /api/v1/security-events?kind=&actor=&from=&to=&limit=&after= */
void api_h_security_events_list(api_req *r);

/* The service guide (api_guide.c): the guide JSON of def (new reference;
 * bureaus may be NULL: codes stand in for names). */
json_t *api_guide_view(const tb_definition *def, const tb_bureau_list *bureaus);
/* The newest deployed definition of the route's {id} (r->params[0]), and
 * when bureaus is not NULL the stored bureau list (NULL when there is
 * none); both owned by the store handle's cache. NULL after a reply: 404
 * not_found for an unknown service, or the store's failure. */
const tb_definition *api_workflow_newest(api_req *r,
                                         const tb_bureau_list **bureaus);
/* GET /api/v1/workflows/{id}/guide */
void api_h_workflow_guide(api_req *r);
/* GET /api/v1/workflows/{id}/guide.pdf (api_guide.c) */
void api_h_workflow_guide_pdf(api_req *r);

/* ---- groups of officers (api_groups.c) ----------------------------------- */

/* Group codes from a JSON value (an array of strings; absent or null: none)
 * or from "KZ,FZ" text (NULL or "": none) into *g, sorted (by bytes) as
 * the store reads them back: false with msg when a code is not 1..32 of
 * [A-Za-z0-9_-], repeats, or there are more than TB_STORE_GROUPS_MAX. */
bool api_groups_from_json(const json_t *v, tb_store_groups *g, char *msg,
                          size_t msg_len);
bool api_groups_from_text(const char *text, tb_store_groups *g, char *msg,
                          size_t msg_len);
/* Whether every group of g is one bureau declares in `given` (NULL: the
 * stored bureau list); false with msg naming the first unknown code and
 * the bureau (and the groups it does declare), or saying that only
 * officers (bureau NULL or "": not one) belong to groups. No groups is
 * always right. */
bool api_groups_check(tb_store *s, const tb_bureau_list *given,
                      const char *bureau, const tb_store_groups *g, char *msg,
                      size_t msg_len);
/* g as a JSON array of codes (new reference; NULL: []). */
json_t *api_groups_json(const tb_store_groups *g);
/* ev's actor_groups: the groups of the request's account (r->who.groups,
 * as the session found them), as an array in the request's arena. */
void api_event_actor_groups(api_req *r, tb_event *ev);
/* GET /api/v1/bureaus: {bureaus: [{code, name, groups: [{code, name}]}]}
 * of the stored bureau list ([] when none is stored). */
void api_h_bureaus_list(api_req *r);

/* ---- 抄送 copies (api_copies.c) ---- */

/* GET /api/v1/copies?unread=true&limit=&before= and
 * POST /api/v1/copies/{id}/read, for officers. */
void api_h_copies_list(api_req *r);
void api_h_copy_read(api_req *r);

#endif /* TB_API_INT_H */
