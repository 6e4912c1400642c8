/*
 * cmd_license.c — the platform's signing keys and license verification:
 *
 *   tongban keys init [--dir DIR] [--bureaus FILE] [--platform NAME]
 *                     [--root-out ROOTDIR] [--unencrypted]
 *   tongban keys rotate BUREAU [--dir DIR] [--bureaus FILE] [--root ROOTDIR]
 *                     [--unencrypted]
 *   tongban keys encrypt [--dir DIR]
 *   tongban keys trust [--dir DIR]
 *   tongban license verify [--trust FILE | --keys DIR] [--json]
 *                          [--revocations FILE | --online URL]
 *                          (PAYLOAD | --file FILE)
 *
 * PAYLOAD (or the file's text) is the QR code's content: the payload
 * "TB1:…" or the verification link https://…/v?p=… that carries it
 * (tb_license_link_payload reads it out, strictly; a refused link is
 * exit status 2).
 *
 * Keys live in DIR (default ./var/keys); bureaus come from FILE (default
 * workflows/bureaus.xml). Private keys are encrypted with the passphrase
 * of TONGBAN_KEY_PASSPHRASE or TONGBAN_KEY_PASSPHRASE_FILE; init and
 * rotate refuse to write plain ones unless --unencrypted (tests only).
 * `keys init` also rotates a bureau's key when its license grants in
 * bureaus.xml changed, and makes the tracking-code key (tracking.key).
 * --root-out (init) and --root (rotate) name the folder of an offline
 * root's private key: it is made there, and read from there, never from
 * DIR. `keys encrypt` encrypts the plain keys of an older folder. `license
 * verify` checks revocation against the platform's signed revocation list, read
 * from a file or fetched from a server over http or https (cli_http.h, on
 * libcurl), and says so when it did not; its exit statuses are VERIFY_* below.
 * An invalid license prints "invalid:" and its reason codes
 * (issuer_not_authorized: the signing certificate may not sign the type).
 *
 * tb_cli_keys_ensure is `keys init` for `tongban serve`: a fresh machine
 * gets its keys on the first start. What init and rotate change is noted
 * for the security log (tb_cli_security.h).
 */
#include "cli_http.h"
#include "tb_api.h"
#include "tb_cli.h"
#include "tb_cli_security.h"
#include "tb_license.h"
#include "tb_log.h"
#include "tb_workflows.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_KEYS "var/keys"
#define DEFAULT_BUREAUS "workflows/bureaus.xml"
#define PASSPHRASE_MAX 1024

/* The exit statuses of `license verify`. */
enum {
  VERIFY_VALID = 0,        /* valid, and not on a revocation list */
  VERIFY_INVALID = 1,      /* not valid: forged, unknown key, expired … */
  VERIFY_CANNOT_CHECK = 2, /* bad usage, or a list or trust list unusable */
  VERIFY_REVOKED = 3,      /* authentic, but revoked */
  VERIFY_UNCHECKED = 4     /* signature valid; revocation not checked */
};

typedef struct {
  const char *dir;
  const char *bureaus;
  const char *platform;
  const char *trust;
  const char *file;
  const char *positional;
  const char *revocations; /* --revocations FILE */
  const char *online;      /* --online URL */
  const char *root;        /* --root / --root-out ROOTDIR */
  bool json;
  bool unencrypted; /* --unencrypted */
} options;

static int keys_usage(void) {
  fprintf(stderr,
          "usage: tongban keys init [--dir DIR] [--bureaus FILE] "
          "[--platform NAME]\n"
          "                         [--root-out ROOTDIR] [--unencrypted]\n"
          "       tongban keys rotate BUREAU [--dir DIR] [--bureaus FILE] "
          "[--root ROOTDIR]\n"
          "                         [--unencrypted]\n"
          "       tongban keys encrypt [--dir DIR]\n"
          "       tongban keys trust [--dir DIR]\n"
          "  DIR defaults to " DEFAULT_KEYS ", FILE to " DEFAULT_BUREAUS ".\n"
          "  Private keys are encrypted with the passphrase of "
          "TONGBAN_KEY_PASSPHRASE_FILE\n"
          "  (its first line) or TONGBAN_KEY_PASSPHRASE; --unencrypted "
          "writes plain keys\n"
          "  (for tests only). ROOTDIR holds the platform root's private "
          "key (an offline\n"
          "  root, e.g. a USB stick): init makes it there, not in DIR.\n");
  return 2;
}

/* The usage of license verify with its exit statuses: on stdout for
 * --help (exit 0), else on stderr (exit 2). */
static int license_usage_to(FILE *out) {
  fprintf(out,
          "usage: tongban license verify [--trust FILE | --keys DIR] "
          "[--json]\n"
          "         [--revocations FILE | --online URL] (PAYLOAD | --file "
          "FILE)\n"
          "  verify an electronic license's qr payload (or the verification "
          "link its qr\n"
          "  code carries, https://…/v?p=…) against the trust list; "
          "revocation\n"
          "  is checked against the platform's signed revocation list, "
          "from FILE (saved\n"
          "  from GET /api/v1/revocations) or fetched from the server at "
          "URL (http:// or\n"
          "  https://, certificate checked; no redirects, no proxy)\n"
          "exit status:\n"
          "  0  valid and not revoked (revocation checked)\n"
          "  1  invalid (bad signature, unknown key, wrong issuer, "
          "expired, not yet valid)\n"
          "  2  bad usage, or could not check (file unreadable, list "
          "refused, server\n"
          "     unreachable)\n"
          "  3  revoked (the signature is valid; the list names the "
          "license)\n"
          "  4  signature valid; revocation not checked (no list given)\n");
  return out == stdout ? 0 : VERIFY_CANNOT_CHECK;
}

static int license_usage(void) {
  return license_usage_to(stderr);
}

/* Parse the options after the verb; false on anything unknown. */
static bool parse_options(int argc, char **argv, options *o) {
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    const char **slot = NULL;
    if (strcmp(a, "--dir") == 0 || strcmp(a, "--keys") == 0)
      slot = &o->dir;
    else if (strcmp(a, "--bureaus") == 0)
      slot = &o->bureaus;
    else if (strcmp(a, "--platform") == 0)
      slot = &o->platform;
    else if (strcmp(a, "--trust") == 0)
      slot = &o->trust;
    else if (strcmp(a, "--file") == 0)
      slot = &o->file;
    else if (strcmp(a, "--revocations") == 0)
      slot = &o->revocations;
    else if (strcmp(a, "--online") == 0)
      slot = &o->online;
    else if (strcmp(a, "--root") == 0 || strcmp(a, "--root-out") == 0)
      slot = &o->root;
    else if (strcmp(a, "--unencrypted") == 0) {
      o->unencrypted = true;
      continue;
    } else if (strcmp(a, "--json") == 0) {
      o->json = true;
      continue;
    } else if (a[0] == '-' && a[1] == '-')
      return false;
    else if (!o->positional) {
      o->positional = a;
      continue;
    } else
      return false;
    if (i + 1 >= argc)
      return false;
    *slot = argv[++i];
  }
  return true;
}

static void print_problem(const char *what, tb_license_status st,
                          const tb_problem *p) {
  fprintf(stderr, "tongban: %s: %s\n", what,
          p->detail[0] ? p->detail : tb_license_status_code(st));
}

/* The passphrase from the environment into buf; false (after a message)
 * when it is set but unusable. */
static bool get_passphrase(char *buf, size_t size) {
  tb_problem p = {0};
  tb_license_status st = tb_license_passphrase_from_env(buf, size, &p);
  if (st == TB_LICENSE_OK || st == TB_LICENSE_ERR_NOT_FOUND)
    return true;
  print_problem("passphrase", st, &p);
  return false;
}

static tb_bureau_list *load_bureaus(const char *path) {
  tb_workflows_problems ps = {0};
  tb_bureau_list *list = NULL;
  if (tb_workflows_load_bureaus(path, &list, &ps) != TB_OK) {
    tb_workflows_problems_print(&ps, stderr);
    list = NULL;
  }
  tb_workflows_problems_free(&ps);
  return list;
}

/* ------------------------------------------------------------------------
 * keys
 * ---------------------------------------------------------------------- */

/* What `keys init` did, for its security event. */
static json_t *keys_details(const tb_license_init_report *rep) {
  return json_pack("{s:b, s:I, s:I, s:I, s:I}", "root_created",
                   rep->root_created, "issuing_created",
                   (json_int_t)rep->issuing_created, "issuing_kept",
                   (json_int_t)rep->issuing_kept, "issuing_rotated",
                   (json_int_t)rep->issuing_rotated, "platform_created",
                   (json_int_t)rep->platform_created);
}

/* Whether keys may be written with passphrase: one is set, or plain
 * keys were asked for (and then none may be set); false after a message
 * naming the fix. */
static bool passphrase_fits(const char *what, const char *passphrase,
                            bool plain, const char *plain_option) {
  if (passphrase[0] && plain) {
    fprintf(stderr,
            "tongban: %s: %s and a passphrase "
            "(TONGBAN_KEY_PASSPHRASE[_FILE]) contradict each other: give "
            "one of them\n",
            what, plain_option);
    return false;
  }
  if (!passphrase[0] && !plain) {
    fprintf(stderr,
            "tongban: %s: private keys are encrypted, and no passphrase "
            "is set: put one in a file of mode 0600 and name it with "
            "TONGBAN_KEY_PASSPHRASE_FILE (or set TONGBAN_KEY_PASSPHRASE)%s%s"
            "\n",
            what, plain_option ? "; plain keys, for tests only: " : "",
            plain_option ? plain_option : "");
    return false;
  }
  return true;
}

bool tb_cli_keys_ensure(const char *dir, const char *bureaus_xml,
                        bool allow_plain) {
  char pass[1024];
  if (!get_passphrase(pass, sizeof pass))
    return false;
  if (!pass[0] && !allow_plain) {
    passphrase_fits("serve", pass, false, "--allow-unencrypted-keys");
    return false;
  }
  tb_bureau_list *bureaus = load_bureaus(bureaus_xml);
  if (!bureaus) {
    OPENSSL_cleanse(pass, sizeof pass);
    return false;
  }
  tb_license_key_options opt = {.passphrase = pass};
  tb_license_init_report rep;
  tb_problem p = {0};
  tb_license_status st = tb_license_init_keys(dir, bureaus, &opt, &rep, &p);
  tb_workflows_free_bureaus(bureaus);
  OPENSSL_cleanse(pass, sizeof pass);
  if (st != TB_LICENSE_OK) {
    print_problem("keys init", st, &p);
    fprintf(stderr,
            "tongban: the keys in %s are not complete for %s: run "
            "`tongban keys init --dir %s --bureaus %s` (with --root-out "
            "ROOTDIR for an offline root), then start again\n",
            dir, bureaus_xml, dir, bureaus_xml);
    return false;
  }
  if (rep.root_created || rep.issuing_created || rep.issuing_rotated ||
      rep.platform_created)
    tb_cli_security_note(dir, "keys_initialized", "keys:platform",
                         keys_details(&rep));
  if (rep.root_created || rep.issuing_created || rep.issuing_rotated ||
      rep.platform_created)
    fprintf(stderr,
            "tongban: license keys in %s: root %s, %zu issuing keys "
            "created, %zu kept, %zu rotated for changed license grants, "
            "%zu platform signers created\n",
            dir, rep.root_created ? "created" : "kept", rep.issuing_created,
            rep.issuing_kept, rep.issuing_rotated, rep.platform_created);
  return true;
}

bool tb_cli_keys_check_encrypted(const char *dir, bool allow_plain) {
  char path[PATH_MAX];
  tb_problem p = {0};
  tb_license_status st = tb_license_keys_find_plain(dir, path, sizeof path, &p);
  if (st != TB_LICENSE_OK) {
    print_problem("keys", st, &p);
    return false;
  }
  if (!path[0])
    return true;
  if (allow_plain) {
    tb_log_kv(TB_LOG_WARN, "serve",
              "private keys are not encrypted (--allow-unencrypted-keys: "
              "for tests only)",
              TB_LOG_S("file", path));
    return true;
  }
  fprintf(stderr,
          "tongban: the private key %s is not encrypted: put a passphrase "
          "in a file of mode 0600, run `TONGBAN_KEY_PASSPHRASE_FILE=FILE "
          "tongban keys encrypt --dir %s` and start with the same "
          "variable set (or, for tests only, start with "
          "--allow-unencrypted-keys)\n",
          path, dir);
  return false;
}

/* The tracking-code key beside the signing keys. */
static bool tracking_key(const char *dir) {
  char err[512];
  if (tb_api_tracking_key_ensure(dir, err, sizeof err))
    return true;
  fprintf(stderr, "tongban: keys init: %s\n", err);
  return false;
}

static int keys_init(const options *o, const char *passphrase) {
  if (!passphrase_fits("keys init", passphrase, o->unencrypted,
                       "--unencrypted"))
    return 1;
  tb_bureau_list *bureaus = load_bureaus(o->bureaus);
  if (!bureaus)
    return 1;
  tb_license_key_options opt = {
      .platform = o->platform, .passphrase = passphrase, .root_dir = o->root};
  tb_license_init_report rep;
  tb_problem p = {0};
  tb_license_status st = tb_license_init_keys(o->dir, bureaus, &opt, &rep, &p);
  tb_workflows_free_bureaus(bureaus);
  if (st != TB_LICENSE_OK) {
    print_problem("keys init", st, &p);
    return 1;
  }
  if (!tracking_key(o->dir))
    return 1;
  tb_cli_security_note(o->dir, "keys_initialized", "keys:platform",
                       keys_details(&rep));
  printf("%s: root %s; %zu issuing keys created, %zu kept (%zu of them "
         "rotated for changed license grants); %zu platform signers "
         "created%s\n",
         o->dir, rep.root_created ? "created" : "kept", rep.issuing_created,
         rep.issuing_kept, rep.issuing_rotated, rep.platform_created,
         passphrase[0] ? "" : " (keys not encrypted)");
  if (rep.root_created && o->root)
    printf("the root's private key is in %s/root.key only: keep that "
           "folder offline\n",
           o->root);
  return 0;
}

static int keys_rotate(const options *o, const char *passphrase) {
  if (!passphrase_fits("keys rotate", passphrase, o->unencrypted,
                       "--unencrypted"))
    return 1;
  tb_bureau_list *bureaus = load_bureaus(o->bureaus);
  if (!bureaus)
    return 1;
  const tb_bureau *b = tb_bureaus_find(bureaus, o->positional);
  int rc = 1;
  if (!b) {
    fprintf(stderr, "tongban: keys rotate: %s has no bureau '%s'\n", o->bureaus,
            o->positional);
  } else {
    tb_license_key_options opt = {
        .platform = o->platform, .passphrase = passphrase, .root_dir = o->root};
    unsigned serial = 0;
    tb_problem p = {0};
    tb_license_status st = tb_license_rotate_key(o->dir, b, &opt, &serial, &p);
    if (st == TB_LICENSE_OK) {
      char subject[80];
      snprintf(subject, sizeof subject, "key:%s", b->code);
      tb_cli_security_note(
          o->dir, "key_rotated", subject,
          json_pack("{s:s, s:i}", "bureau", b->code, "serial", (int)serial));
      printf("%s/issuing/%s.%u.pem: the new key of %s; older keys stay in "
             "the trust list\n",
             o->dir, b->code, serial, b->name);
      rc = 0;
    } else {
      print_problem("keys rotate", st, &p);
    }
  }
  tb_workflows_free_bureaus(bureaus);
  return rc;
}

static int keys_encrypt(const options *o, const char *passphrase) {
  if (!passphrase_fits("keys encrypt", passphrase, false, NULL))
    return 1;
  size_t n = 0;
  tb_problem p = {0};
  tb_license_status st = tb_license_keys_encrypt(o->dir, passphrase, &n, &p);
  if (st != TB_LICENSE_OK) {
    print_problem("keys encrypt", st, &p);
    if (n)
      fprintf(stderr, "tongban: %zu keys were encrypted before that\n", n);
    return 1;
  }
  if (n)
    tb_cli_security_note(o->dir, "keys_encrypted", "keys:platform",
                         json_pack("{s:I}", "encrypted", (json_int_t)n));
  printf("%s: %zu private keys encrypted, every other one was already\n",
         o->dir, n);
  return 0;
}

static int keys_trust(const options *o) {
  char *pem;
  size_t len;
  tb_problem p = {0};
  tb_license_status st = tb_license_read_trust_list(o->dir, &pem, &len, &p);
  if (st != TB_LICENSE_OK) {
    print_problem("keys trust", st, &p);
    return 1;
  }
  fwrite(pem, 1, len, stdout);
  free(pem);
  return 0;
}

int tb_cli_keys(int argc, char **argv) {
  if (argc < 2)
    return keys_usage();
  const char *verb = argv[1];
  options o = {.dir = DEFAULT_KEYS, .bureaus = DEFAULT_BUREAUS};
  if (!parse_options(argc - 2, argv + 2, &o) || o.revocations || o.online ||
      ((o.root || o.unencrypted) && strcmp(verb, "init") != 0 &&
       strcmp(verb, "rotate") != 0))
    return keys_usage();
  bool rotate = strcmp(verb, "rotate") == 0;
  if ((rotate && !o.positional) || (!rotate && o.positional))
    return keys_usage();
  if (strcmp(verb, "trust") == 0)
    return keys_trust(&o);
  bool encrypt = strcmp(verb, "encrypt") == 0;
  if (!rotate && !encrypt && strcmp(verb, "init") != 0)
    return keys_usage();
  char passphrase[PASSPHRASE_MAX + 1];
  if (!get_passphrase(passphrase, sizeof passphrase))
    return 1;
  int rc = rotate    ? keys_rotate(&o, passphrase)
           : encrypt ? keys_encrypt(&o, passphrase)
                     : keys_init(&o, passphrase);
  OPENSSL_cleanse(passphrase, sizeof passphrase);
  return rc;
}

/* ------------------------------------------------------------------------
 * license verify
 * ---------------------------------------------------------------------- */

/* Read a small file (or stdin for "-") into a malloc'd string; at most
 * max bytes. */
/* A file or "-" (standard input) of at most max bytes, or NULL after a
 * message naming it. */
static char *read_small(const char *path, size_t max, size_t *len) {
  errno = 0;
  char *text = tb_cli_read_file(path, max, len);
  if (!text && errno)
    fprintf(stderr, "tongban: cannot open %s: %s\n", path, strerror(errno));
  else if (!text)
    fprintf(stderr, "tongban: %s is over %zu bytes\n", path, max);
  return text;
}

static tb_license_trust *load_trust(const options *o) {
  char *pem = NULL;
  size_t len = 0;
  tb_problem p = {0};
  if (o->trust) {
    pem = read_small(o->trust, TB_LICENSE_MAX_TRUST, &len);
    if (!pem)
      return NULL;
  } else {
    tb_license_status st = tb_license_read_trust_list(o->dir, &pem, &len, &p);
    if (st != TB_LICENSE_OK) {
      print_problem("trust list", st, &p);
      return NULL;
    }
  }
  tb_license_trust *t = NULL;
  tb_license_status st = tb_license_load_trust(pem, len, &t, &p);
  free(pem);
  if (st != TB_LICENSE_OK)
    print_problem("trust list", st, &p);
  return t;
}

static void print_date(const char *label, tb_day d) {
  char buf[11];
  if (d == TB_LICENSE_LONG_TERM) {
    printf("%-12s long-term (长期)\n", label);
    return;
  }
  tb_date_format(d, buf);
  printf("%-12s %s\n", label, buf);
}

/* ------------------------------------------------------------------------
 * license verify: revocation
 * ---------------------------------------------------------------------- */

/* Where revocation was checked: a list from a file or a server, or none. */
typedef struct {
  const char *source; /* "file", "online"; NULL: not checked */
  const char *from;   /* the file or the list's URL */
  char url[CLI_HTTP_MAX_URL + 32];
  tb_license_revocations *list;
} revocation_source;

/* GET <base>/api/v1/revocations into *text; false after a message. */
static bool fetch_list(revocation_source *rs, const char *base, char **text,
                       size_t *len) {
  size_t n = strlen(base);
  while (n > 0 && base[n - 1] == '/')
    n--;
  if (n > CLI_HTTP_MAX_URL) {
    fprintf(stderr, "tongban: --online: the url is too long\n");
    return false;
  }
  snprintf(rs->url, sizeof rs->url, "%.*s/api/v1/revocations", (int)n, base);
  rs->from = rs->url;
  char err[256];
  if (cli_http_get(rs->url, TB_LICENSE_MAX_REVOCATIONS_FILE, text, len, err,
                   sizeof err))
    return true;
  fprintf(stderr, "tongban: cannot check revocation: %s: %s\n", rs->url, err);
  return false;
}

/* The list named by --revocations or --online, its signature checked
 * against the trust list; true with rs->list NULL when neither was given,
 * false (after a message) when the list cannot be used. */
static bool load_revocations(const options *o, const tb_license_trust *t,
                             revocation_source *rs) {
  memset(rs, 0, sizeof *rs);
  char *text = NULL;
  size_t len = 0;
  if (o->revocations) {
    rs->source = "file";
    rs->from = o->revocations;
    text = read_small(o->revocations, TB_LICENSE_MAX_REVOCATIONS_FILE, &len);
  } else if (o->online) {
    rs->source = "online";
    if (!fetch_list(rs, o->online, &text, &len))
      text = NULL;
  } else {
    return true;
  }
  if (!text)
    return false;
  tb_problem p = {0};
  tb_license_status st =
      tb_license_revocations_load(text, len, t, 0, &rs->list, &p);
  free(text);
  if (st != TB_LICENSE_OK)
    fprintf(stderr, "tongban: revocation list %s refused: %s\n", rs->from,
            p.detail[0] ? p.detail : tb_license_status_code(st));
  return st == TB_LICENSE_OK;
}

/* The exit status of a verdict (VERIFY_*). A license whose signature,
 * key and issuer hold is authentic; then revoked wins over its dates. */
static int verify_status(const tb_license_verdict *v) {
  unsigned dates = TB_LICENSE_EXPIRED | TB_LICENSE_NOT_YET_VALID;
  bool authentic =
      v->decoded && (v->reasons & ~(dates | TB_LICENSE_REVOKED |
                                    TB_LICENSE_REVOCATION_UNKNOWN)) == 0;
  if (authentic && (v->reasons & TB_LICENSE_REVOKED))
    return VERIFY_REVOKED;
  if (!v->valid)
    return VERIFY_INVALID;
  return v->revocation_checked ? VERIFY_VALID : VERIFY_UNCHECKED;
}

static const char *status_word(int rc) {
  switch (rc) {
  case VERIFY_VALID:
    return "valid";
  case VERIFY_REVOKED:
    return "revoked";
  case VERIFY_UNCHECKED:
    return "revocation_not_checked";
  default:
    return "invalid";
  }
}

/* The first line for a license that is authentic and in its dates. */
static void print_headline(int rc) {
  if (rc == VERIFY_VALID)
    printf("valid; not revoked\n");
  else if (rc == VERIFY_REVOKED)
    printf("revoked (the signature is valid)\n");
  else
    printf("signature valid; revocation not checked\n");
}

/* The list's date and age on stdout; a warning on stderr when it is past
 * its next update. */
static void print_list_age(const revocation_source *rs) {
  if (!rs->list)
    return;
  char text[128], next[21];
  int64_t hours = 0;
  bool stale =
      tb_license_revocations_age(rs->list, 0, &hours, text, sizeof text);
  printf("%s (%zu revoked; %s)\n", text, tb_license_revocations_count(rs->list),
         rs->from);
  tb_license_time_format(tb_license_revocations_next_update(rs->list), next);
  if (stale)
    fprintf(stderr,
            "tongban: warning: the revocation list is past its next update "
            "(%.10s %.5s UTC); fetch a new one\n",
            next, next + 11);
}

/* {"checked", "source", "from", "this_update", "next_update", "age_hours",
 * "stale", "revoked_count"} of the JSON output. */
static json_t *revocation_json(const tb_license_verdict *v,
                               const revocation_source *rs) {
  json_t *o =
      json_pack("{s:b, s:s?, s:s?}", "checked", (int)v->revocation_checked,
                "source", rs->source, "from", rs->from);
  if (!rs->list) {
    json_object_set_new(o, "note",
                        json_string("signature valid; revocation not "
                                    "checked: give --revocations FILE or "
                                    "--online URL"));
    return o;
  }
  char tu[21], nu[21];
  int64_t hours = 0;
  bool stale = tb_license_revocations_age(rs->list, 0, &hours, NULL, 0);
  tb_license_time_format(tb_license_revocations_this_update(rs->list), tu);
  tb_license_time_format(tb_license_revocations_next_update(rs->list), nu);
  json_object_set_new(o, "this_update", json_string(tu));
  json_object_set_new(o, "next_update", json_string(nu));
  json_object_set_new(o, "age_hours", json_integer(hours));
  json_object_set_new(o, "stale", json_boolean(stale));
  json_object_set_new(
      o, "revoked_count",
      json_integer((json_int_t)tb_license_revocations_count(rs->list)));
  return o;
}

/* The REST verdict with "status" (valid, invalid, revoked,
 * revocation_not_checked) and "revocation" added. */
static void print_verdict_json(const tb_license_verdict *v,
                               const revocation_source *rs, int rc) {
  char *text;
  size_t len;
  if (tb_license_verdict_json(v, &text, &len) != TB_LICENSE_OK)
    return;
  json_error_t err;
  json_t *o = json_loadb(text, len, 0, &err);
  free(text);
  if (!o)
    return;
  json_object_set_new(o, "status", json_string(status_word(rc)));
  json_object_set_new(o, "revocation", revocation_json(v, rs));
  char *out = json_dumps(o, JSON_COMPACT);
  if (out)
    printf("%s\n", out);
  free(out);
  json_decref(o);
}

/* ------------------------------------------------------------------------
 * license verify
 * ---------------------------------------------------------------------- */

static void print_verdict(const tb_license_verdict *v, int rc,
                          const revocation_source *rs) {
  if (rc == VERIFY_VALID || rc == VERIFY_REVOKED || rc == VERIFY_UNCHECKED) {
    print_headline(rc);
  } else {
    printf("invalid:");
    for (unsigned bit = 0; bit < TB_LICENSE_REASON_COUNT; bit++)
      if (v->reasons & (1u << bit))
        printf(" %s", tb_license_reason_code((tb_license_reason)(1u << bit)));
    printf("\n");
  }
  print_list_age(rs);
  if (v->revocation_reason[0])
    printf("%-12s %s\n", "revoked", v->revocation_reason);
  if (v->reasons & TB_LICENSE_ISSUER_NOT_AUTHORIZED)
    printf("%-12s the signing certificate may not sign licenses of type "
           "%s\n",
           "authority", v->license.type_code ? v->license.type_code : "?");
  if (!v->decoded)
    return;
  const tb_license *l = &v->license;
  printf("%-12s %s\n", "license", l->id);
  printf("%-12s %s (%s)\n", "type", l->type_name, l->type_code);
  printf("%-12s %s (%s)\n", "holder", l->holder_name, l->holder_number);
  printf("%-12s %s (%s, %s)\n", "issuer", l->issuer_name, l->issuer_code,
         l->issuer_credit_code);
  print_date("issued", l->issued);
  print_date("valid from", l->valid_from);
  print_date("valid until", l->valid_until);
  for (size_t i = 0; i < l->n_items; i++)
    printf("  %s: %s\n", l->items[i].key, l->items[i].value);
  printf("%-12s %s\n", "application", l->application);
  printf("%-12s %s\n", "key id", v->parts.key_id);
}

/* The payload of the text given: itself, or out of a verification link
 * (https://…/v?p=…, what the license's QR code carries). NULL, said on
 * stderr, when a link is refused. */
static char *payload_of(const char *text, size_t len, size_t *plen) {
  while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
    len--; /* a file's line end; spaces belong to base45 */
  char *payload = NULL;
  tb_problem p = {0};
  if (tb_license_link_payload(text, len, &payload, plen, &p) != TB_LICENSE_OK)
    fprintf(stderr, "tongban: license verify: %s\n", p.detail);
  return payload;
}

static int verify_parsed(const options *o, const char *payload, size_t len) {
  tb_license_trust *t = load_trust(o);
  if (!t)
    return VERIFY_CANNOT_CHECK;
  revocation_source rs;
  if (!load_revocations(o, t, &rs)) {
    tb_license_free_trust(t);
    return VERIFY_CANNOT_CHECK;
  }
  tb_license_verdict v;
  tb_license_status st = tb_license_verify(
      payload, len, t, 0, rs.list ? tb_license_revocations_check : NULL,
      rs.list, &v);
  tb_license_free_trust(t);
  if (st != TB_LICENSE_OK) {
    tb_license_revocations_free(rs.list);
    fprintf(stderr, "tongban: license verify: %s\n",
            tb_license_status_code(st));
    return VERIFY_CANNOT_CHECK;
  }
  int rc = verify_status(&v);
  if (o->json) {
    print_verdict_json(&v, &rs, rc);
  } else {
    print_verdict(&v, rc, &rs);
  }
  tb_license_free_verdict(&v);
  tb_license_revocations_free(rs.list);
  return rc;
}

static int verify_payload(const options *o, const char *text, size_t tlen) {
  size_t len = 0;
  char *payload = payload_of(text, tlen, &len);
  if (!payload)
    return VERIFY_CANNOT_CHECK;
  int rc = verify_parsed(o, payload, len);
  free(payload);
  return rc;
}

int tb_cli_license(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
      return license_usage_to(stdout);
  if (argc < 2 || strcmp(argv[1], "verify") != 0)
    return license_usage();
  options o = {.dir = DEFAULT_KEYS};
  if (!parse_options(argc - 2, argv + 2, &o) ||
      (o.file != NULL) == (o.positional != NULL) || o.bureaus || o.platform ||
      (o.revocations && o.online))
    return license_usage();
  if (o.positional)
    return verify_payload(&o, o.positional, strlen(o.positional));
  size_t len;
  char *text = read_small(o.file, TB_LICENSE_MAX_LINK + 2, &len);
  if (!text)
    return VERIFY_CANNOT_CHECK;
  int rc = verify_payload(&o, text, len);
  free(text);
  return rc;
}
