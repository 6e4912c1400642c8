/*
 * cmd_store.c — the database subcommands:
 *
 *   tongban migrate              [--db URL] [--data DIR]
 *   tongban audit verify [NUMBER] [--db URL] [--data DIR] [--keys DIR]
 *                        [--checkpoints FILE]
 *   tongban audit checkpoint     [--db URL] [--data DIR] [--keys DIR]
 *                                [--checkpoints FILE]
 *   tongban audit security [--kind KIND] [--actor NAME] [--limit N]
 *                          [--db URL] [--data DIR]
 *   tongban calendar load FILE   [--db URL] [--data DIR]
 *   tongban supervision sweep    [--db URL] [--data DIR] [--workflows DIR]
 *                                [--at UNIX-SECONDS]
 *
 * The database is --db URL, else $TONGBAN_DATABASE_URL, else the embedded
 * cluster in --data (default ./var): the one a running `tongban serve`
 * holds, or started for the command and stopped after it. The audit
 * commands take the platform's keys from --keys (default DATA/keys) and
 * the checkpoint file from --checkpoints (default
 * $TONGBAN_AUDIT_CHECKPOINTS, else DATA/audit-checkpoints.log).
 * `audit verify` exits 0 when everything checked is intact, 1 when it
 * found breaks (each printed with its kind), 2 when it could not check;
 * it checks the security log too. `audit security` prints the newest
 * events of the security log (newest first, filtered by kind and actor)
 * and recomputes its chain, with the same exit statuses. `calendar load`
 * writes its security event with the operating system's user as actor.
 * `supervision sweep` evaluates the rules of --workflows DIR (default
 * ./workflows)/supervision.xml once, at --at (default now), and prints
 * how many findings it raised.
 */
#include "tb_api.h"
#include "tb_cli.h"
#include "tb_cli_audit.h"
#include "tb_store.h"
#include "tb_store_alerts.h"
#include "tb_store_audit.h"
#include "tb_store_calendar.h"
#include "tb_store_cluster.h"
#include "tb_store_definitions.h"
#include "tb_store_security_log.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CALENDAR_MAX (1024 * 1024)

typedef struct {
  const char *db;
  const char *data;
  const char *keys;                 /* audit: the trust list, the audit key */
  const char *checkpoints;          /* audit: the checkpoint file */
  const char *workflows;            /* supervision: the rules' folder */
  const char *at;                   /* supervision: the sweep's time */
  const char *kind, *actor, *limit; /* audit security: the filter */
  tb_store *store;
  tb_store_cluster *cluster;
  bool embedded;
} db_target;

/* Parse --db / --data; positional arguments stay in argv[optind..]. */
static bool parse_options(int argc, char **argv, db_target *t) {
  static const struct option options[] = {
      {"db", required_argument, NULL, 'd'},
      {"data", required_argument, NULL, 'D'},
      {"keys", required_argument, NULL, 'k'},
      {"checkpoints", required_argument, NULL, 'c'},
      {"workflows", required_argument, NULL, 'w'},
      {"at", required_argument, NULL, 'a'},
      {"kind", required_argument, NULL, 'K'},
      {"actor", required_argument, NULL, 'A'},
      {"limit", required_argument, NULL, 'L'},
      {NULL, 0, NULL, 0}};
  memset(t, 0, sizeof *t);
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
    if (c == 'd')
      t->db = optarg;
    else if (c == 'D')
      t->data = optarg;
    else if (c == 'k')
      t->keys = optarg;
    else if (c == 'c')
      t->checkpoints = optarg;
    else if (c == 'w')
      t->workflows = optarg;
    else if (c == 'a')
      t->at = optarg;
    else if (c == 'K')
      t->kind = optarg;
    else if (c == 'A')
      t->actor = optarg;
    else if (c == 'L')
      t->limit = optarg;
    else
      return false;
  }
  return true;
}

const char *tb_cli_database(const char *db, const char *data,
                            tb_store_cluster **cluster, char *info,
                            size_t cap) {
  *cluster = NULL;
  if (db)
    return db;
  const char *env = getenv("TONGBAN_DATABASE_URL");
  if (env && *env)
    return env;
  char err[1024];
  tb_store_cluster_options co = {
      .dir = data ? data : "./var", .fsync = true, .lock = true};
  tb_store_status rc = tb_store_cluster_start(&co, cluster, err, sizeof err);
  if (rc == TB_STORE_BUSY) { /* a serve holds it: use its socket */
    tb_store_cluster_conninfo(co.dir, 0, true, info, cap);
  } else if (rc != TB_STORE_OK) {
    fprintf(stderr, "tongban: %s\n", err);
    return NULL;
  } else {
    snprintf(info, cap, "%s", tb_store_cluster_admin_conninfo(*cluster));
  }
  return info;
}

static bool open_target(db_target *t) {
  char err[1024], info[PATH_MAX + 128];
  const char *url =
      tb_cli_database(t->db, t->data, &t->cluster, info, sizeof info);
  if (!url)
    return false;
  t->embedded = url == info;
  /* the loader: recomputing deadlines after a calendar load, and the
   * supervision sweep, read the applications' definitions */
  tb_store_options o = {.conninfo = url, .loader = &tb_api_loader};
  if (tb_store_open(&o, &t->store, err, sizeof err) != TB_STORE_OK) {
    fprintf(stderr, "tongban: %s\n", err);
    return false;
  }
  return true;
}

static void close_target(db_target *t) {
  tb_store_close(t->store);
  tb_store_cluster_stop(t->cluster);
}

int tb_cli_migrate(int argc, char **argv) {
  db_target t;
  if (!parse_options(argc, argv, &t) || optind != argc) {
    fprintf(stderr, "usage: tongban migrate [--db URL] [--data DIR]\n");
    return 2;
  }
  if (!open_target(&t)) {
    close_target(&t);
    return 1;
  }
  int from = 0, to = 0;
  char msg[512];
  tb_store_status rc = tb_store_migrate(t.store, &from, &to, msg, sizeof msg);
  if (rc == TB_STORE_OK && t.embedded)
    rc = tb_store_server_role_grant(t.store);
  if (rc != TB_STORE_OK)
    fprintf(stderr, "tongban: %s\n", msg[0] ? msg : "migration failed");
  else if (from == to)
    printf("schema is up to date (version %d)\n", to);
  else
    printf("schema migrated from version %d to %d\n", from, to);
  close_target(&t);
  return rc == TB_STORE_OK ? 0 : 1;
}

static int audit_usage(void) {
  fprintf(stderr,
          "usage: tongban audit verify [NUMBER] [--db URL] [--data DIR]\n"
          "                            [--keys DIR] [--checkpoints FILE]\n"
          "       tongban audit checkpoint [--db URL] [--data DIR] "
          "[--keys DIR]\n"
          "                                [--checkpoints FILE]\n"
          "       tongban audit security [--kind KIND] [--actor NAME] "
          "[--limit N]\n"
          "                              [--db URL] [--data DIR]\n"
          "verify and security exit 0 when all is intact, 1 when they found "
          "breaks, 2 when they could not check\n");
  return 2;
}

static void print_break(const tb_store_audit_break *b) {
  if (b->security)
    printf("broken: security log, event %d: %s: %s\n", (int)b->seq,
           tb_store_audit_kind_name(b->kind), b->what);
  else if (b->number[0])
    printf("broken: application %s, event %d: %s: %s\n", b->number, (int)b->seq,
           tb_store_audit_kind_name(b->kind), b->what);
  else
    printf("broken: checkpoint %d: %s: %s\n", (int)b->seq,
           tb_store_audit_kind_name(b->kind), b->what);
}

/* The checkpoints' part of `audit verify`: trust list and file in. */
static tb_store_status verify_checkpoints(db_target *t,
                                          tb_store_audit_report *r) {
  char keys[PATH_MAX], file[PATH_MAX];
  tb_cli_audit_keys(t->keys, t->data, keys, sizeof keys);
  tb_cli_audit_file(t->checkpoints, t->data, file, sizeof file);
  char why[512] = "";
  tb_license_trust *trust = tb_cli_audit_trust_open(keys, why, sizeof why);
  tb_store_audit_checkpoint_inputs in = {
      .check = trust ? tb_cli_audit_check : NULL, .cls = trust};
  char *text = NULL, **lines = NULL;
  in.have_file = tb_cli_audit_read_lines(file, &text, &lines, &in.n_lines);
  in.lines = (const char *const *)lines;
  if (!in.have_file && errno != ENOENT)
    fprintf(stderr, "tongban: cannot read the checkpoint file %s\n", file);
  tb_store_status rc = tb_store_audit_verify_checkpoints(t->store, &in, r);
  if (r->unchecked && !trust)
    fprintf(stderr, "tongban: %s (--keys DIR)\n", why);
  else if (r->unchecked)
    fprintf(stderr, "tongban: no checkpoint file at %s (--checkpoints FILE)\n",
            file);
  free(lines);
  free(text);
  tb_license_free_trust(trust);
  return rc;
}

/* Print the report; the exit status: 0 all good, 1 breaks, 2 unchecked. */
static int report(const tb_store_audit_report *r) {
  size_t kept = r->n_breaks < TB_STORE_AUDIT_MAX_BREAKS
                    ? r->n_breaks
                    : TB_STORE_AUDIT_MAX_BREAKS;
  for (size_t i = 0; i < kept; i++)
    print_break(&r->breaks[i]);
  if (r->n_breaks > kept)
    printf("… and %zu more breaks\n", r->n_breaks - kept);
  if (r->unchecked)
    fprintf(stderr, "tongban: not everything was checked: %s\n",
            r->why_unchecked);
  if (r->n_breaks > 0) {
    printf("%zu %s found in %lld chains, %lld events, %lld security "
           "events, %lld checkpoints\n",
           r->n_breaks, r->n_breaks == 1 ? "break" : "breaks",
           (long long)r->chains, (long long)r->events,
           (long long)r->security_events, (long long)r->checkpoints);
    return 1;
  }
  if (r->unchecked)
    return 2;
  printf("ok: %lld chains, %lld events verified", (long long)r->chains,
         (long long)r->events);
  if (r->security_events > 0)
    printf("; the security log's %lld events", (long long)r->security_events);
  if (r->latest > 0)
    printf("; %lld checkpoints, the latest (%d) covers %lld applications",
           (long long)r->checkpoints, (int)r->latest, (long long)r->covered);
  printf("\n");
  return 0;
}

static int audit_verify(db_target *t, const char *number) {
  tb_store_audit_report *r = tb_xcalloc(1, sizeof *r);
  tb_store_status rc = tb_store_audit_verify(t->store, number, r);
  tb_store_audit_checkpoint_inputs one = {.number = number};
  if (number && (rc == TB_STORE_OK || rc == TB_STORE_NOT_FOUND)) {
    /* a checkpoint may know it although it is gone */
    tb_store_status found = rc;
    rc = tb_store_audit_verify_checkpoints(t->store, &one, r);
    if (rc == TB_STORE_OK && r->n_breaks == 0)
      rc = found;
  } else if (rc == TB_STORE_OK) {
    rc = tb_store_security_log_verify(t->store, r);
    if (rc == TB_STORE_OK)
      rc = verify_checkpoints(t, r);
  }
  int status;
  if (rc == TB_STORE_NOT_FOUND) {
    fprintf(stderr, "tongban: there is no application %s\n", number);
    status = 2;
  } else if (rc != TB_STORE_OK) {
    fprintf(stderr,
            "tongban: could not read the audit trail (%s); see the "
            "log above\n",
            tb_store_status_name(rc));
    status = 2;
  } else {
    status = report(r);
  }
  free(r);
  return status;
}

static int audit_checkpoint(db_target *t) {
  char keys[PATH_MAX], file[PATH_MAX];
  tb_cli_audit_keys(t->keys, t->data, keys, sizeof keys);
  tb_cli_audit_file(t->checkpoints, t->data, file, sizeof file);
  tb_license_signer *signer = tb_cli_audit_signer_open(keys);
  if (!signer)
    return 1;
  tb_store_audit_checkpoint_result made;
  tb_store_status rc =
      tb_cli_audit_checkpoint(t->store, signer, file, 0, &made);
  tb_license_signer_close(signer);
  if (rc != TB_STORE_OK) {
    fprintf(stderr, "tongban: could not make a checkpoint (%s)\n",
            tb_store_status_name(rc));
    return 1;
  }
  printf("checkpoint %d: %lld applications, root %s, security log at "
         "event %lld, appended to %s\n",
         (int)made.seq, (long long)made.size, made.root,
         (long long)made.security_seq, file);
  return 0;
}

/* One event of the security log as a line. */
static void print_security_event(json_t *e) {
  char *details = json_dumps(json_object_get(e, "details"), JSON_COMPACT);
  const char *actor = json_string_value(json_object_get(e, "actor"));
  const char *address = json_string_value(json_object_get(e, "address"));
  printf("%lld %s %s %s by %s%s%s%s%s %s %s\n",
         (long long)json_integer_value(json_object_get(e, "seq")),
         json_string_value(json_object_get(e, "at")),
         json_string_value(json_object_get(e, "kind")),
         json_string_value(json_object_get(e, "outcome")),
         json_string_value(json_object_get(e, "actor_kind")), actor ? " " : "",
         actor ? actor : "", address ? " from " : "", address ? address : "",
         json_string_value(json_object_get(e, "subject")),
         details ? details : "{}");
  free(details);
}

/* `audit security`: the newest events of the filter, then the whole
 * security chain recomputed (its checkpoints: `audit verify`). */
static int audit_security(db_target *t) {
  tb_store_security_query q = {.kind = t->kind, .actor = t->actor};
  char *end = NULL;
  long limit = t->limit ? strtol(t->limit, &end, 10) : 100;
  if (t->limit && (!end || *end || limit < 1 || limit > 500)) {
    fprintf(stderr, "tongban: --limit must be a whole number from 1 to 500\n");
    return 2;
  }
  q.limit = (int)limit;
  char *text = NULL;
  tb_store_status rc = tb_store_security_log_read(t->store, &q, &text);
  json_t *page = rc == TB_STORE_OK ? json_loads(text, 0, NULL) : NULL;
  free(text);
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(page, "items"), i, e)
      print_security_event(e);
  if (page)
    printf("%lld events of %lld shown (newest first)\n", (long long)i,
           (long long)json_integer_value(json_object_get(page, "total")));
  json_decref(page);
  tb_store_audit_report *r = tb_xcalloc(1, sizeof *r);
  if (rc == TB_STORE_OK)
    rc = tb_store_security_log_verify(t->store, r);
  int status = 2;
  if (rc != TB_STORE_OK)
    fprintf(stderr, "tongban: could not read the security log (%s)\n",
            tb_store_status_name(rc));
  else
    status = report(r);
  free(r);
  return status;
}

int tb_cli_audit(int argc, char **argv) {
  db_target t;
  if (!parse_options(argc, argv, &t) || argc - optind < 1)
    return audit_usage();
  bool verify = strcmp(argv[optind], "verify") == 0;
  bool checkpoint = strcmp(argv[optind], "checkpoint") == 0;
  bool security = strcmp(argv[optind], "security") == 0;
  if ((!verify || argc - optind > 2) &&
      ((!checkpoint && !security) || argc - optind != 1))
    return audit_usage();
  if (security) {
    if (!open_target(&t)) {
      close_target(&t);
      return 2;
    }
    int status = audit_security(&t);
    close_target(&t);
    return status;
  }
  const char *number = argc - optind == 2 ? argv[optind + 1] : NULL;
  if (!open_target(&t)) {
    close_target(&t);
    return 2;
  }
  int status = verify ? audit_verify(&t, number) : audit_checkpoint(&t);
  close_target(&t);
  return status;
}

/* After a load: every open deadline again, with the new calendar. */
static tb_store_status recompute_deadlines(db_target *t) {
  size_t seen = 0, moved = 0;
  tb_store_status rc =
      tb_store_calendar_recompute(t->store, 100, &seen, &moved);
  if (rc != TB_STORE_OK)
    fprintf(stderr,
            "tongban: could not recompute the open deadlines (%s); "
            "load the file again to finish\n",
            tb_store_status_name(rc));
  else
    printf("recomputed the deadlines of %zu open applications: %zu moved\n",
           seen, moved);
  return rc;
}

int tb_cli_calendar(int argc, char **argv) {
  db_target t;
  if (!parse_options(argc, argv, &t) || argc - optind != 2 ||
      strcmp(argv[optind], "load") != 0) {
    fprintf(stderr, "usage: tongban calendar load FILE [--db URL] "
                    "[--data DIR]\n");
    return 2;
  }
  const char *file = argv[optind + 1];
  size_t len = 0;
  char *text = tb_cli_read_file(file, CALENDAR_MAX, &len);
  if (!text) {
    fprintf(stderr,
            "tongban: cannot read %s (missing, unreadable or over "
            "%d bytes)\n",
            file, CALENDAR_MAX);
    return 1;
  }
  if (!open_target(&t)) {
    free(text);
    close_target(&t);
    return 1;
  }
  size_t days = 0;
  tb_problem p = {0};
  char user[80];
  tb_store_security_actor who = {.kind = TB_SECURITY_CLI,
                                 .name = tb_api_cli_user(user, sizeof user)};
  tb_store_status rc =
      tb_store_calendar_load(t.store, text, len, file, &who, &days, &p);
  free(text);
  if (rc == TB_STORE_INVALID)
    fprintf(stderr, "%s: %s (nothing was stored)\n", file, p.detail);
  else if (rc != TB_STORE_OK)
    fprintf(stderr, "tongban: could not store the calendar (%s)\n",
            tb_store_status_name(rc));
  else
    printf("stored %zu calendar days from %s\n", days, file);
  if (rc == TB_STORE_OK)
    rc = recompute_deadlines(&t);
  close_target(&t);
  return rc == TB_STORE_OK ? 0 : 1;
}

/* --at: Unix seconds (default now); false when malformed. */
static bool sweep_time(const char *at, int64_t *now) {
  *now = (int64_t)time(NULL);
  if (!at)
    return true;
  char *end = NULL;
  errno = 0;
  long long v = strtoll(at, &end, 10);
  if (errno || !end || *end || v <= 0)
    return false;
  *now = (int64_t)v;
  return true;
}

int tb_cli_supervision(int argc, char **argv) {
  db_target t;
  int64_t now = 0;
  if (!parse_options(argc, argv, &t) || argc - optind != 1 ||
      strcmp(argv[optind], "sweep") != 0 || !sweep_time(t.at, &now)) {
    fprintf(stderr, "usage: tongban supervision sweep [--db URL] [--data DIR] "
                    "[--workflows DIR] [--at UNIX-SECONDS]\n");
    return 2;
  }
  tb_rule_set *rules = NULL;
  if (!tb_cli_rules_load(t.workflows ? t.workflows : "workflows", &rules))
    return 1;
  if (!rules)
    return 0;
  if (!open_target(&t)) {
    tb_rule_set_free(rules);
    close_target(&t);
    return 1;
  }
  int raised = 0;
  tb_store_status rc = tb_store_alerts_sweep(t.store, rules, now, &raised);
  if (rc != TB_STORE_OK)
    fprintf(stderr, "tongban: the sweep failed (%s)\n",
            tb_store_status_name(rc));
  else if (raised < 0)
    printf("another node is sweeping now: nothing done\n");
  else
    printf("%d finding%s raised\n", raised, raised == 1 ? "" : "s");
  tb_rule_set_free(rules);
  close_target(&t);
  return rc == TB_STORE_OK ? 0 : 1;
}
