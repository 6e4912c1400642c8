/*
 * cmd_serve.c — `tongban serve`: the server process.
 *
 *   tongban serve [--listen ADDR:PORT] [--db URL] [--data DIR]
 *                 [--workflows DIR] [--templates DIR]
 *                 [--scheduler-interval SECONDS]
 *                 [--idempotency-ttl SECONDS] [--region CODE]
 *                 [--keys DIR] [--log-level LEVEL]
 *                 [--audit-checkpoints FILE] [--checkpoint-interval SECONDS]
 *                 [--max-file-bytes N] [--max-application-bytes N]
 *                 [--supervision-interval SECONDS]
 *                 [--public-url URL] [--trusted-proxy ADDR[/PREFIX]]...
 *                 [--db-statement-timeout SECONDS]
 *                 [--db-connection-limit N] [--allow-unencrypted-keys]
 *                 [--totp-roles ROLE,...|none]
 *                 [--stream-recheck SECONDS]
 *                 [--intake-limit-address N/SECONDS]
 *                 [--intake-limit-applicant N/SECONDS]
 *                 [--online-expiry SECONDS]
 *                 [--password-min-length N] [--password-min-classes N]
 *                 [--session-idle SECONDS]
 *                 [--max-connections N] [--max-connections-per-address N]
 *                 [--header-timeout SECONDS] [--body-timeout SECONDS]
 *                 [--body-min-rate BYTES] [--hash-threads N]
 *                 [--hash-queue N] [--threads N]
 *
 * With no --db and no $TONGBAN_DATABASE_URL it runs the embedded cluster in
 * --data (default ./var). It applies the migrations, loads the shipped
 * workflow definitions, runs the timer scheduler and the HTTP API on
 * --listen (default 127.0.0.1:8080), and waits for SIGINT or SIGTERM; then
 * it lets the requests in flight finish and stops everything cleanly.
 * The license keys are in --keys (default DATA/keys); missing ones are
 * created on start as `tongban keys init` would (bureaus of the workflows
 * folder), so a fresh machine issues signed licenses at once.
 * --log-level (debug, info, warn, error; default $TONGBAN_LOG_LEVEL, else
 * info) is the least level of the log on stderr; the access log is info.
 * While the server runs, info lines are buffered per thread (written
 * within 100 ms; cli/tb_log_stderr.h).
 * Every --checkpoint-interval seconds (default 600; 0: never) one node
 * makes a signed audit checkpoint and appends it to --audit-checkpoints
 * (default $TONGBAN_AUDIT_CHECKPOINTS, else DATA/audit-checkpoints.log;
 * cli/tb_cli_audit.h).
 * Every --supervision-interval seconds (default 30; 0: never) the rules
 * of WORKFLOWS/supervision.xml are swept (one node at a time; a rules
 * file with problems stops the start).
 * The documents' templates (--templates, default $TONGBAN_TEMPLATES, else
 * WORKFLOWS/templates; cli/cli_templates.c) are opened and checked at
 * start: a template with problems stops it with its FILE:LINE problems.
 * --max-file-bytes (default 10 MiB) bounds one uploaded material or
 * opinion file, --max-application-bytes (default 50 MiB) all files of one
 * application together.
 * --public-url is where people reach the server (behind a proxy: the
 * proxy's https:// address); every absolute link and QR code starts with
 * it, never with a request's Host (default http://LISTEN). Each
 * --trusted-proxy (an address or network) is a peer whose X-Forwarded-For
 * names the client (api/api_forwarded.h); both are checked at start.
 * With the embedded cluster the server's role gets --db-statement-timeout
 * (default 30; 0: none) and --db-connection-limit (default 64). The
 * bureaus' private keys must be encrypted (passphrase from
 * TONGBAN_KEY_PASSPHRASE[_FILE]): serve refuses to make or use plain ones
 * unless --allow-unencrypted-keys (for tests only) is given.
 * --totp-roles (default $TONGBAN_TOTP_ROLES, else admin,inspector) names
 * the roles whose log-in needs a second factor (TOTP, enrolled at the
 * first log-in; api/api_totp.h), or none; its key is KEYS/totp.key.
 * Every --stream-recheck seconds (default 2, 1 to 60) the sessions of the
 * open live streams are checked in one statement, and a stream whose
 * session ended or whose account changed is closed (api/api_sse.c).
 * Online applications sent without a token are limited per client
 * address (--intake-limit-address, default $TONGBAN_INTAKE_LIMIT_ADDRESS,
 * else 30/3600: 30 an hour) and per applicant number
 * (--intake-limit-applicant, $TONGBAN_INTAKE_LIMIT_APPLICANT, else
 * 10/86400); windows are 1 s to a day. Online applications that no clerk
 * accepts expire after --online-expiry seconds ($TONGBAN_ONLINE_EXPIRY,
 * else 2592000: 30 days), at least the applicant window.
 * --password-min-length (8..64, default $TONGBAN_PASSWORD_MIN_LENGTH, else
 * 8) and --password-min-classes (1..4 of upper case, lower case, digits,
 * symbols; default $TONGBAN_PASSWORD_MIN_CLASSES, else 3) are the policy
 * of passwords set through the API (`tongban accounts` takes the same).
 * --session-idle (60..86400 seconds, default $TONGBAN_SESSION_IDLE, else
 * 1800) ends a session nobody used for that long (api/api_auth.c).
 * The connection limits and the password hashing pool (tb_api.h's
 * options of the same names; 0 or absent: the API's default) each also
 * come from the environment, TONGBAN_ and the option's name in capitals
 * with '_' for '-' (TONGBAN_HEADER_TIMEOUT); the option wins.
 */
#include "tb_api.h"
#include "tb_cli.h"
#include "tb_cli_audit.h"
#include "tb_cli_security.h"
#include "tb_documents.h"
#include "tb_log.h"
#include "tb_log_stderr.h"
#include "tb_store.h"
#include "tb_store_calendar.h"
#include "tb_store_cluster.h"
#include "tb_store_definitions.h"
#include "tb_store_timers.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
  const char *listen;
  const char *db;
  const char *data;
  const char *workflows;
  const char *region;
  const char *keys; /* NULL: DATA/keys */
  double interval;
  int idempotency_ttl;
  const char *checkpoints;    /* NULL: the default file */
  double checkpoint_interval; /* 0: no checkpoints */
  size_t max_file_bytes;      /* 0: the API's default */
  size_t max_application_bytes;
  double supervision_interval; /* 0: no sweeps */
  const char *public_url;      /* NULL: http://LISTEN */
  const char *proxies[64];     /* --trusted-proxy, in order */
  size_t n_proxies;
  int db_statement_timeout; /* seconds; the embedded role's */
  int db_connection_limit;
  bool allow_unencrypted_keys;
  const char *totp_roles; /* NULL: the API's default (admin,inspector) */
  double stream_recheck;  /* seconds */
  tb_api_intake intake;   /* anonymous intake's limits and expiry */
  tb_api_password_policy password_policy;
  double session_idle;   /* seconds; 0: the API's default */
  unsigned limits[8];    /* LIMITS' values, in its order; 0: the default */
  const char *templates; /* --templates; NULL: the default folder */
} serve_options;

/* getopt_long's value of --totp-roles (no short option) */
enum { OPT_TOTP_ROLES = 0x7401 };
/* and of --session-idle */
enum { OPT_SESSION_IDLE = 0x7402 };
/* and of --templates */
enum { OPT_TEMPLATES = 0x7403 };

/* The connection limits and the hashing pool: option, bounds, and where
 * each goes in tb_api_options (limits_to_api). */
static const struct {
  const char *option, *env;
  double lo, hi;
} LIMITS[] = {
    {"max-connections", "TONGBAN_MAX_CONNECTIONS", 16, 1000000},
    {"max-connections-per-address", "TONGBAN_MAX_CONNECTIONS_PER_ADDRESS", 1,
     500000},
    {"header-timeout", "TONGBAN_HEADER_TIMEOUT", 1, 3600},
    {"body-timeout", "TONGBAN_BODY_TIMEOUT", 1, 3600},
    {"body-min-rate", "TONGBAN_BODY_MIN_RATE", 1, 1e9},
    {"hash-threads", "TONGBAN_HASH_THREADS", 1, 256},
    {"hash-queue", "TONGBAN_HASH_QUEUE", 1, 100000},
    {"threads", "TONGBAN_THREADS", 1, 256},
};
#define N_LIMITS (sizeof LIMITS / sizeof LIMITS[0])
#define LIMIT_OPTION 1000 /* getopt's value of LIMITS[i]: 1000 + i */
_Static_assert(N_LIMITS ==
                   sizeof((serve_options *)0)->limits / sizeof(unsigned),
               "one value per row of LIMITS");

static int usage(void) {
  fprintf(stderr,
          "usage: tongban serve [--listen ADDR:PORT] [--db URL] [--data DIR]\n"
          "                     [--workflows DIR] [--templates DIR]\n"
          "                     [--scheduler-interval SECONDS]\n"
          "                     [--idempotency-ttl SECONDS] [--region "
          "CODE]\n"
          "                     [--keys DIR] [--log-level "
          "debug|info|warn|error]\n"
          "                     [--audit-checkpoints FILE] "
          "[--checkpoint-interval SECONDS]\n"
          "                     [--max-file-bytes N] "
          "[--max-application-bytes N]\n"
          "                     [--supervision-interval SECONDS]\n"
          "                     [--public-url URL] [--trusted-proxy "
          "ADDR[/PREFIX]]...\n"
          "                     [--db-statement-timeout SECONDS] "
          "[--db-connection-limit N]\n"
          "                     [--allow-unencrypted-keys]\n"
          "                     [--totp-roles ROLE,...|none]\n"
          "                     [--stream-recheck SECONDS]\n"
          "                     [--intake-limit-address N/SECONDS] "
          "[--intake-limit-applicant N/SECONDS]\n"
          "                     [--online-expiry SECONDS]\n"
          "                     [--password-min-length N] "
          "[--password-min-classes N]\n"
          "                     [--session-idle SECONDS]\n"
          "                     [--max-connections N] "
          "[--max-connections-per-address N]\n"
          "                     [--header-timeout SECONDS] [--body-timeout "
          "SECONDS]\n"
          "                     [--body-min-rate BYTES] [--hash-threads N] "
          "[--hash-queue N]\n"
          "                     [--threads N]\n");
  return 2;
}

static bool parse_number(const char *s, double lo, double hi, double *out) {
  char *end = NULL;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || !end || *end || end == s || v < lo || v > hi)
    return false;
  *out = v;
  return true;
}

/* "N/SECONDS": at most N (1..1000000) in a window of 1 s to a day (the
 * throttle table keeps a day). */
static bool parse_limit(const char *name, const char *s, int *n, int *window) {
  char *end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  long w = 0;
  if (!errno && end && end != s && *end == '/' && v >= 1 && v <= 1000000) {
    const char *ws = end + 1;
    w = strtol(ws, &end, 10);
    if (!errno && end && end != ws && !*end && w >= 1 && w <= 86400) {
      *n = (int)v;
      *window = (int)w;
      return true;
    }
  }
  fprintf(stderr,
          "tongban: %s takes N/SECONDS, at most N applications in a window "
          "of 1 to 86400 seconds (e.g. 30/3600), not '%s'\n",
          name, s);
  return false;
}

/* The intake limits from the environment (options given later win). */
static bool intake_from_env(serve_options *o) {
  const char *a = getenv("TONGBAN_INTAKE_LIMIT_ADDRESS");
  const char *p = getenv("TONGBAN_INTAKE_LIMIT_APPLICANT");
  const char *e = getenv("TONGBAN_ONLINE_EXPIRY");
  double v;
  if (a && *a &&
      !parse_limit("TONGBAN_INTAKE_LIMIT_ADDRESS", a, &o->intake.address_limit,
                   &o->intake.address_window))
    return false;
  if (p && *p &&
      !parse_limit("TONGBAN_INTAKE_LIMIT_APPLICANT", p,
                   &o->intake.applicant_limit, &o->intake.applicant_window))
    return false;
  if (e && *e) {
    if (!parse_number(e, 60, 3650.0 * 86400, &v)) {
      fprintf(stderr, "tongban: TONGBAN_ONLINE_EXPIRY takes 60 to 315360000 "
                      "seconds\n");
      return false;
    }
    o->intake.online_expiry = (int64_t)v;
  }
  return true;
}

/* An application expires no sooner than the applicant window ends, so an
 * expired one never counts toward the applicant's limit. */
static bool intake_check(tb_api_intake *in) {
  tb_api_intake settled;
  tb_api_intake_defaults(&settled, in);
  if (settled.online_expiry < settled.applicant_window) {
    fprintf(stderr,
            "tongban: --online-expiry (%lld s) must be at least the "
            "applicant window (%d s)\n",
            (long long)settled.online_expiry, settled.applicant_window);
    return false;
  }
  *in = settled;
  return true;
}

static bool policy_option(serve_options *o, const char *name,
                          const char *value) {
  char err[256];
  if (tb_api_password_policy_set(&o->password_policy, name, value, err,
                                 sizeof err))
    return true;
  fprintf(stderr, "tongban: --%s\n", err);
  return false;
}

/* The accounts' settings from the environment (options override them). */
static bool account_env(serve_options *o) {
  char err[256];
  if (!tb_api_password_policy_env(&o->password_policy, err, sizeof err)) {
    fprintf(stderr, "tongban: %s\n", err);
    return false;
  }
  const char *idle = getenv("TONGBAN_SESSION_IDLE");
  if (idle && *idle && !parse_number(idle, 60, 86400, &o->session_idle)) {
    fprintf(stderr,
            "tongban: TONGBAN_SESSION_IDLE takes 60 to 86400 seconds, "
            "not '%s'\n",
            idle);
    return false;
  }
  return true;
}

/* One limit from text (the option's or the environment's, named by
 * `from`); false (said on stderr) when it is not a whole number in its
 * bounds. */
static bool parse_conn_limit(size_t i, const char *text, const char *from,
                             serve_options *o) {
  double v;
  if (!parse_number(text, LIMITS[i].lo, LIMITS[i].hi, &v) ||
      v != (double)(unsigned)v) {
    fprintf(stderr,
            "tongban: %s takes a whole number from %g to %g, not '%s'\n", from,
            LIMITS[i].lo, LIMITS[i].hi, text);
    return false;
  }
  o->limits[i] = (unsigned)v;
  return true;
}

/* The limits the environment sets (before the options override them). */
static bool limits_from_env(serve_options *o) {
  for (size_t i = 0; i < N_LIMITS; i++) {
    const char *v = getenv(LIMITS[i].env);
    if (v && *v && !parse_conn_limit(i, v, LIMITS[i].env, o))
      return false;
  }
  return true;
}

static void limits_to_api(const serve_options *o, tb_api_options *ao) {
  ao->max_connections = o->limits[0];
  ao->max_per_address = o->limits[1];
  ao->header_timeout = o->limits[2];
  ao->body_timeout = o->limits[3];
  ao->body_min_rate = o->limits[4];
  ao->hash_threads = o->limits[5];
  ao->hash_queue = o->limits[6];
  ao->threads = o->limits[7];
}

static bool parse_args(int argc, char **argv, serve_options *o) {
  static const struct option options[] = {
      {"listen", required_argument, NULL, 'l'},
      {"db", required_argument, NULL, 'd'},
      {"data", required_argument, NULL, 'D'},
      {"workflows", required_argument, NULL, 'w'},
      {"scheduler-interval", required_argument, NULL, 'i'},
      {"idempotency-ttl", required_argument, NULL, 't'},
      {"region", required_argument, NULL, 'r'},
      {"keys", required_argument, NULL, 'k'},
      {"log-level", required_argument, NULL, 'L'},
      {"audit-checkpoints", required_argument, NULL, 'a'},
      {"checkpoint-interval", required_argument, NULL, 'C'},
      {"max-file-bytes", required_argument, NULL, 'F'},
      {"max-application-bytes", required_argument, NULL, 'A'},
      {"supervision-interval", required_argument, NULL, 'S'},
      {"public-url", required_argument, NULL, 'P'},
      {"trusted-proxy", required_argument, NULL, 'T'},
      {"db-statement-timeout", required_argument, NULL, 'O'},
      {"db-connection-limit", required_argument, NULL, 'N'},
      {"allow-unencrypted-keys", no_argument, NULL, 'U'},
      {"totp-roles", required_argument, NULL, OPT_TOTP_ROLES},
      {"stream-recheck", required_argument, NULL, 'R'},
      {"intake-limit-address", required_argument, NULL, 'I'},
      {"intake-limit-applicant", required_argument, NULL, 'J'},
      {"online-expiry", required_argument, NULL, 'E'},
      {"password-min-length", required_argument, NULL, 'M'},
      {"password-min-classes", required_argument, NULL, 'K'},
      {"session-idle", required_argument, NULL, OPT_SESSION_IDLE},
      {"templates", required_argument, NULL, OPT_TEMPLATES},
      {"max-connections", required_argument, NULL, LIMIT_OPTION + 0},
      {"max-connections-per-address", required_argument, NULL,
       LIMIT_OPTION + 1},
      {"header-timeout", required_argument, NULL, LIMIT_OPTION + 2},
      {"body-timeout", required_argument, NULL, LIMIT_OPTION + 3},
      {"body-min-rate", required_argument, NULL, LIMIT_OPTION + 4},
      {"hash-threads", required_argument, NULL, LIMIT_OPTION + 5},
      {"hash-queue", required_argument, NULL, LIMIT_OPTION + 6},
      {"threads", required_argument, NULL, LIMIT_OPTION + 7},
      {NULL, 0, NULL, 0}};
  *o = (serve_options){.listen = "127.0.0.1:8080",
                       .data = "./var",
                       .workflows = "workflows",
                       .region = "330100", /* the shipped bureaus' */
                       .interval = 1.0,
                       .idempotency_ttl = 86400,
                       .checkpoint_interval = 600,
                       .supervision_interval = 30,
                       .stream_recheck = 2};
  o->db_statement_timeout = TB_STORE_SERVER_STATEMENT_TIMEOUT;
  o->db_connection_limit = TB_STORE_SERVER_CONNECTION_LIMIT;
  const char *env_totp = getenv("TONGBAN_TOTP_ROLES");
  o->totp_roles = env_totp && *env_totp ? env_totp : NULL;
  if (!intake_from_env(o) || !account_env(o) || !limits_from_env(o))
    return false;
  optind = 1;
  int c;
  double v;
  while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
    switch (c) {
    case 'M':
    case 'K':
      if (!policy_option(o, c == 'M' ? "min-length" : "min-classes", optarg))
        return false;
      break;
    case OPT_SESSION_IDLE:
      if (!parse_number(optarg, 60, 86400, &o->session_idle))
        return false;
      break;
    case OPT_TEMPLATES:
      o->templates = optarg;
      break;
    case 'l':
      o->listen = optarg;
      break;
    case 'd':
      o->db = optarg;
      break;
    case 'D':
      o->data = optarg;
      break;
    case 'w':
      o->workflows = optarg;
      break;
    case 'r':
      o->region = optarg;
      break;
    case 'k':
      o->keys = optarg;
      break;
    case 'a':
      o->checkpoints = optarg;
      break;
    case 'C':
      if (!parse_number(optarg, 0, 7 * 86400, &o->checkpoint_interval))
        return false;
      break;
    case 'S':
      if (!parse_number(optarg, 0, 86400, &o->supervision_interval))
        return false;
      break;
    case 'F':
      if (!parse_number(optarg, 1024, 1024.0 * 1024 * 1024, &v))
        return false;
      o->max_file_bytes = (size_t)v;
      break;
    case 'A':
      if (!parse_number(optarg, 1024, 64.0 * 1024 * 1024 * 1024, &v))
        return false;
      o->max_application_bytes = (size_t)v;
      break;
    case 'L':
      if (!tb_log_stderr_level(optarg, "--log-level"))
        return false;
      break;
    case 'P':
      o->public_url = optarg;
      break;
    case OPT_TOTP_ROLES:
      o->totp_roles = optarg;
      break;
    case 'R':
      if (!parse_number(optarg, 1, 60, &o->stream_recheck))
        return false;
      break;
    case 'T':
      if (o->n_proxies == sizeof o->proxies / sizeof o->proxies[0]) {
        fprintf(stderr,
                "tongban: --trusted-proxy is given at most %zu "
                "times; name networks (10.0.0.0/8) instead\n",
                o->n_proxies);
        return false;
      }
      o->proxies[o->n_proxies++] = optarg;
      break;
    case 'I':
      if (!parse_limit("--intake-limit-address", optarg,
                       &o->intake.address_limit, &o->intake.address_window))
        return false;
      break;
    case 'J':
      if (!parse_limit("--intake-limit-applicant", optarg,
                       &o->intake.applicant_limit, &o->intake.applicant_window))
        return false;
      break;
    case 'E':
      if (!parse_number(optarg, 60, 3650.0 * 86400, &v))
        return false;
      o->intake.online_expiry = (int64_t)v;
      break;
    case 'i':
      if (!parse_number(optarg, 0.01, 3600, &o->interval))
        return false;
      break;
    case 't':
      if (!parse_number(optarg, 1, 365.0 * 86400, &v))
        return false;
      o->idempotency_ttl = (int)v;
      break;
    case 'O':
      if (!parse_number(optarg, 0, 86400, &v) || v != (int)v)
        return false;
      o->db_statement_timeout = (int)v;
      break;
    case 'N':
      if (!parse_number(optarg, 1, 10000, &v) || v != (int)v)
        return false;
      o->db_connection_limit = (int)v;
      break;
    case 'U':
      o->allow_unencrypted_keys = true;
      break;
    default:
      if (c >= LIMIT_OPTION && c < LIMIT_OPTION + (int)N_LIMITS) {
        char from[64];
        snprintf(from, sizeof from, "--%s", LIMITS[c - LIMIT_OPTION].option);
        if (!parse_conn_limit((size_t)(c - LIMIT_OPTION), optarg, from, o))
          return false;
        break;
      }
      return false;
    }
  }
  tb_api_options edge = {.public_url = o->public_url,
                         .trusted_proxies = o->proxies,
                         .n_trusted_proxies = o->n_proxies};
  char err[512];
  if (tb_api_check_edge(&edge, err, sizeof err) != TB_API_OK) {
    fprintf(stderr, "tongban: %s\n", err);
    return false;
  }
  if (!intake_check(&o->intake))
    return false;
  /* the region leads every application number: refuse one that cannot */
  char probe[TB_APP_NUMBER_LEN + 1];
  if (strlen(o->region) != 6 ||
      tb_id_make_app_number(o->region, 20000, 1, probe) != TB_OK) {
    fprintf(stderr,
            "tongban: --region takes a 6-digit administrative "
            "division code such as 330100 (GB/T 2260), not '%s'\n",
            o->region);
    return false;
  }
  return optind == argc;
}

/* First start: the shipped holiday schedules, unless a calendar was ever
 * loaded; then every open deadline with them. */
static tb_store_status ship_calendar(tb_store *s) {
  bool loaded = false;
  tb_problem p = {0};
  tb_store_status rc = tb_store_calendar_ship(s, &loaded, &p);
  if (rc != TB_STORE_OK) {
    fprintf(stderr, "tongban: cannot load the shipped calendar: %s\n",
            p.detail[0] ? p.detail : tb_store_status_name(rc));
    return rc;
  }
  if (!loaded)
    return TB_STORE_OK;
  fprintf(stderr, "tongban: loaded the shipped holiday calendar\n");
  size_t seen = 0, moved = 0;
  rc = tb_store_calendar_recompute(s, 100, &seen, &moved);
  if (rc == TB_STORE_OK && moved)
    fprintf(stderr, "tongban: %zu open deadlines moved with it\n", moved);
  return rc;
}

/* The server's connections besides its worker threads' (README "The
 * server's role has limits"): the scheduler, the supervision sweeper, the
 * checkpointer, the live streams' listener and their session check. */
#define BACKGROUND_CONNECTIONS 5

/* With the embedded cluster, whether the worker threads and the background
 * connections fit the server role's connection limit (false: says so). */
static bool threads_fit(const serve_options *o) {
  unsigned threads = o->limits[7] ? o->limits[7] : tb_api_default_threads();
  if (threads + BACKGROUND_CONNECTIONS <= (unsigned)o->db_connection_limit)
    return true;
  fprintf(stderr,
          "tongban: %u worker threads need %u database connections with the "
          "background ones, more than --db-connection-limit %d: raise the "
          "limit or lower --threads\n",
          threads, threads + BACKGROUND_CONNECTIONS, o->db_connection_limit);
  return false;
}

/* Apply migrations and load the definitions with the admin connection. */
static bool prepare_database(const serve_options *o, const char *admin,
                             bool embedded) {
  tb_store_options so = {.conninfo = admin, .loader = &tb_api_loader};
  tb_store *s = NULL;
  char err[1024];
  if (tb_store_open(&so, &s, err, sizeof err) != TB_STORE_OK) {
    fprintf(stderr, "tongban: %s\n", err);
    return false;
  }
  int from = 0, to = 0;
  tb_store_status rc = tb_store_migrate(s, &from, &to, err, sizeof err);
  if (rc != TB_STORE_OK) {
    fprintf(stderr, "tongban: %s\n", err[0] ? err : "migration failed");
  } else {
    fprintf(stderr, "tongban: schema at version %d%s\n", to,
            from == to ? "" : " (migrated)");
    if (embedded)
      rc = tb_store_server_role_grant(s);
    if (embedded && rc == TB_STORE_OK)
      rc = tb_store_server_role_limit(s, o->db_statement_timeout,
                                      o->db_connection_limit);
  }
  struct stat st;
  if (rc == TB_STORE_OK && stat(o->workflows, &st) != 0) {
    fprintf(stderr,
            "tongban: no workflows folder at %s: no definitions "
            "loaded (use --workflows DIR)\n",
            o->workflows);
  } else if (rc == TB_STORE_OK) {
    size_t n = 0;
    tb_problem p = {0};
    rc = tb_store_definitions_load_dir(s, o->workflows, &n, &p);
    if (rc == TB_STORE_OK)
      fprintf(stderr,
              "tongban: %zu workflow definitions from %s are "
              "loaded\n",
              n, o->workflows);
    else
      fprintf(stderr, "tongban: cannot load the workflows: %s\n",
              p.detail[0] ? p.detail : tb_store_status_name(rc));
  }
  if (rc == TB_STORE_OK)
    rc = ship_calendar(s);
  tb_store_close(s);
  return rc == TB_STORE_OK;
}

/* The checkpoint thread, when checkpoints are on and the audit key opens
 * (else a warning: the server runs without checkpoints). */
static tb_cli_checkpointer *start_checkpoints(const serve_options *o,
                                              const char *server,
                                              const char *keys) {
  if (o->checkpoint_interval <= 0)
    return NULL;
  char file[PATH_MAX];
  tb_cli_audit_file(o->checkpoints, o->data, file, sizeof file);
  tb_cli_checkpointer *c = NULL;
  if (!tb_cli_checkpointer_start(server, keys, file, o->checkpoint_interval,
                                 &c))
    tb_log(TB_LOG_WARN, "serve",
           "no audit checkpoints: the platform's audit key did not open");
  else
    tb_log_kv(TB_LOG_INFO, "serve", "audit checkpoints", TB_LOG_S("file", file),
              TB_LOG_I("interval", (int64_t)o->checkpoint_interval));
  return c;
}

/* The address actually served, as a URL to open: the host of --listen
 * (an IPv6 address keeps its brackets) and the port bound (the one the
 * system chose for port 0). */
static void say_serving(const char *listen, uint16_t port, double interval) {
  const char *colon = strrchr(listen, ':');
  int hlen = colon ? (int)(colon - listen) : (int)strlen(listen);
  char host[128];
  snprintf(host, sizeof host, "%.*s", hlen, listen);
  bool any = strcmp(host, "0.0.0.0") == 0 || strcmp(host, "[::]") == 0;
  fprintf(stderr,
          "tongban: serving on http://%s:%u/ — open it in a browser%s "
          "(timers fire every %g s; stop with Ctrl-C or SIGTERM)\n",
          any ? (host[0] == '[' ? "[::1]" : "127.0.0.1") : host, (unsigned)port,
          any ? " (every address of this machine)" : "", interval);
}

static int wait_for_signal(const sigset_t *set) {
  int sig = 0;
  while (sigwait(set, &sig) != 0) {
  }
  return sig;
}

int tb_cli_serve(int argc, char **argv) {
  serve_options o;
  if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    usage();
    return 0;
  }
  if (!parse_args(argc, argv, &o))
    return usage();
  /* Block the stop signals in every thread; the main thread waits. */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);

  const char *url = o.db;
  if (!url && getenv("TONGBAN_DATABASE_URL") && *getenv("TONGBAN_DATABASE_URL"))
    url = getenv("TONGBAN_DATABASE_URL");
  tb_store_cluster *cluster = NULL;
  char msg[1024];
  if (!url && !threads_fit(&o))
    return 2;
  if (!url) {
    tb_store_cluster_options co = {.dir = o.data, .fsync = true, .lock = true};
    if (tb_store_cluster_start(&co, &cluster, msg, sizeof msg) != TB_STORE_OK) {
      fprintf(stderr, "tongban: %s\n", msg);
      return 1;
    }
    fprintf(stderr, "tongban: embedded PostgreSQL running in %s\n", o.data);
  }
  const char *admin = cluster ? tb_store_cluster_admin_conninfo(cluster) : url;
  const char *server =
      cluster ? tb_store_cluster_server_conninfo(cluster) : url;
  if (!prepare_database(&o, admin, cluster != NULL)) {
    tb_store_cluster_stop(cluster);
    return 1;
  }
  char keys[PATH_MAX], bureaus[PATH_MAX];
  if (o.keys)
    snprintf(keys, sizeof keys, "%s", o.keys);
  else
    snprintf(keys, sizeof keys, "%s/keys", o.data);
  snprintf(bureaus, sizeof bureaus, "%s/bureaus.xml", o.workflows);
  struct stat kst;
  if ((stat(bureaus, &kst) == 0 &&
       !tb_cli_keys_ensure(keys, bureaus, o.allow_unencrypted_keys)) ||
      !tb_cli_keys_check_encrypted(keys, o.allow_unencrypted_keys)) {
    tb_store_cluster_stop(cluster);
    return 1;
  }
  tb_cli_security_flush(admin, keys); /* what keys init / rotate noted */
  tb_rule_set *rules = NULL;
  if (!tb_cli_rules_load(o.workflows, &rules)) {
    tb_store_cluster_stop(cluster);
    return 1;
  }
  tb_doc_templates *templates = NULL;
  if (!tb_cli_templates_open(o.templates, o.workflows, &templates)) {
    tb_store_cluster_stop(cluster);
    tb_rule_set_free(rules);
    return 1;
  }
  tb_api_options ao = {.listen = o.listen,
                       .rules = rules,
                       .templates = templates,
                       .conninfo = server,
                       .region = o.region,
                       .keys_dir = keys,
                       .max_file_bytes = o.max_file_bytes,
                       .max_app_bytes = o.max_application_bytes,
                       .public_url = o.public_url,
                       .trusted_proxies = o.proxies,
                       .n_trusted_proxies = o.n_proxies,
                       .totp_roles = o.totp_roles,
                       .stream_recheck = (unsigned)o.stream_recheck,
                       .intake = o.intake,
                       .password_policy = o.password_policy,
                       .session_idle = (int)o.session_idle};
  limits_to_api(&o, &ao);
  tb_api *api = NULL;
  bool buffered = tb_log_stderr_buffer_start();
  if (!buffered)
    tb_log(TB_LOG_WARN, "serve",
           "the log is written line by line: its flusher thread could not "
           "start");
  if (tb_api_start(&ao, &api, msg, sizeof msg) != TB_API_OK) {
    if (buffered)
      tb_log_stderr_buffer_stop();
    fprintf(stderr, "tongban: %s\n", msg);
    tb_store_cluster_stop(cluster);
    tb_rule_set_free(rules);
    tb_doc_templates_close(templates);
    return 1;
  }
  fprintf(stderr, "tongban: links and QR codes point at %s%s\n",
          tb_api_public_url(api),
          o.public_url ? "" : " (the listen address: set --public-url)");
  /* The scheduler's handle is wired like the server's own: the loader,
   * and the server's license handler (valid until tb_api_stop). */
  tb_store_options so = {.conninfo = server,
                         .idempotency_ttl = o.idempotency_ttl,
                         .region = o.region};
  tb_api_store_options(api, &so);
  tb_store_scheduler *sch = NULL;
  if (tb_store_scheduler_start(&so, o.interval, &sch) != TB_STORE_OK) {
    fprintf(stderr, "tongban: cannot start the timer scheduler\n");
    tb_api_stop(api, 10);
    if (buffered)
      tb_log_stderr_buffer_stop();
    tb_store_cluster_stop(cluster);
    tb_rule_set_free(rules);
    tb_doc_templates_close(templates);
    return 1;
  }
  tb_cli_checkpointer *checkpoints = start_checkpoints(&o, server, keys);
  tb_cli_sweeper *sweeper = NULL;
  if (rules && o.supervision_interval > 0 &&
      !tb_cli_sweeper_start(&so, rules, o.supervision_interval, &sweeper))
    tb_log(TB_LOG_WARN, "serve",
           "no supervision sweeps: the sweeper thread could not start");
  say_serving(o.listen, tb_api_port(api), o.interval);
  int sig = wait_for_signal(&stop);
  fprintf(stderr, "tongban: %s received, stopping\n",
          sig == SIGINT ? "SIGINT" : "SIGTERM");
  tb_cli_checkpointer_stop(checkpoints);
  tb_cli_sweeper_stop(sweeper); /* before the handler its handle uses goes */
  tb_store_scheduler_stop(sch); /* before the handler it uses goes */
  tb_api_stop(api, 10);
  if (buffered)
    tb_log_stderr_buffer_stop();
  tb_store_cluster_stop(cluster);
  tb_rule_set_free(rules);
  tb_doc_templates_close(templates);
  tb_documents_cleanup();
  fprintf(stderr, "tongban: stopped\n");
  return 0;
}
