/*
 * cmd_license.c — the platform's signing keys and license verification:
 *
 *   tongban keys init [--dir DIR] [--bureaus FILE] [--platform NAME]
 *   tongban keys rotate BUREAU [--dir DIR] [--bureaus FILE]
 *   tongban keys trust [--dir DIR]
 *   tongban license verify [--trust FILE | --keys DIR] [--json]
 *                          (PAYLOAD | --file FILE)
 *
 * Keys live in DIR (default ./var/keys); bureaus come from FILE (default
 * workflows/bureaus.xml). Private keys are encrypted with the passphrase
 * of TONGBAN_KEY_PASSPHRASE or TONGBAN_KEY_PASSPHRASE_FILE when one is
 * set. `license verify` exits 0 only for a valid license.
 *
 * tb_cli_keys_ensure is `keys init` for `tongban serve`: a fresh machine
 * gets its keys on the first start.
 */
#include "tb_cli.h"
#include "tb_license.h"
#include "tb_workflows.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_KEYS "var/keys"
#define DEFAULT_BUREAUS "workflows/bureaus.xml"
#define PASSPHRASE_MAX 1024

typedef struct {
  const char *dir;
  const char *bureaus;
  const char *platform;
  const char *trust;
  const char *file;
  const char *positional;
  bool json;
} options;

static int keys_usage(void) {
  fprintf(stderr,
          "usage: tongban keys init [--dir DIR] [--bureaus FILE] "
          "[--platform NAME]\n"
          "       tongban keys rotate BUREAU [--dir DIR] [--bureaus FILE]\n"
          "       tongban keys trust [--dir DIR]\n"
          "  DIR defaults to " DEFAULT_KEYS ", FILE to " DEFAULT_BUREAUS "; "
          "keys are encrypted with\n"
          "  TONGBAN_KEY_PASSPHRASE or TONGBAN_KEY_PASSPHRASE_FILE if set\n");
  return 2;
}

static int license_usage(void) {
  fprintf(stderr, "usage: tongban license verify [--trust FILE | --keys DIR] "
                  "[--json] (PAYLOAD | --file FILE)\n"
                  "  verify an electronic license's qr payload; exit status "
                  "0 only if it is valid\n");
  return 2;
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
    else if (strcmp(a, "--json") == 0) {
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

bool tb_cli_keys_ensure(const char *dir, const char *bureaus_xml) {
  char pass[1024];
  if (!get_passphrase(pass, sizeof pass))
    return false;
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
    return false;
  }
  if (rep.root_created || rep.issuing_created || rep.platform_created)
    fprintf(stderr,
            "tongban: license keys in %s: root %s, %zu issuing keys "
            "created, %zu kept, %zu platform signers created\n",
            dir, rep.root_created ? "created" : "kept", rep.issuing_created,
            rep.issuing_kept, rep.platform_created);
  return true;
}

static int keys_init(const options *o, const char *passphrase) {
  tb_bureau_list *bureaus = load_bureaus(o->bureaus);
  if (!bureaus)
    return 1;
  tb_license_key_options opt = {.platform = o->platform,
                                .passphrase = passphrase};
  tb_license_init_report rep;
  tb_problem p = {0};
  tb_license_status st = tb_license_init_keys(o->dir, bureaus, &opt, &rep, &p);
  tb_workflows_free_bureaus(bureaus);
  if (st != TB_LICENSE_OK) {
    print_problem("keys init", st, &p);
    return 1;
  }
  printf("%s: root %s; %zu issuing keys created, %zu kept; %zu platform "
         "signers created%s\n",
         o->dir, rep.root_created ? "created" : "kept", rep.issuing_created,
         rep.issuing_kept, rep.platform_created,
         passphrase[0] ? "" : " (keys not encrypted)");
  return 0;
}

static int keys_rotate(const options *o, const char *passphrase) {
  tb_bureau_list *bureaus = load_bureaus(o->bureaus);
  if (!bureaus)
    return 1;
  const tb_bureau *b = tb_bureaus_find(bureaus, o->positional);
  int rc = 1;
  if (!b) {
    fprintf(stderr, "tongban: keys rotate: %s has no bureau '%s'\n", o->bureaus,
            o->positional);
  } else {
    tb_license_key_options opt = {.platform = o->platform,
                                  .passphrase = passphrase};
    unsigned serial = 0;
    tb_problem p = {0};
    tb_license_status st = tb_license_rotate_key(o->dir, b, &opt, &serial, &p);
    if (st == TB_LICENSE_OK) {
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
  if (!parse_options(argc - 2, argv + 2, &o))
    return keys_usage();
  bool rotate = strcmp(verb, "rotate") == 0;
  if ((rotate && !o.positional) || (!rotate && o.positional))
    return keys_usage();
  if (strcmp(verb, "trust") == 0)
    return keys_trust(&o);
  if (!rotate && strcmp(verb, "init") != 0)
    return keys_usage();
  char passphrase[PASSPHRASE_MAX + 1];
  if (!get_passphrase(passphrase, sizeof passphrase))
    return 1;
  int rc = rotate ? keys_rotate(&o, passphrase) : keys_init(&o, passphrase);
  OPENSSL_cleanse(passphrase, sizeof passphrase);
  return rc;
}

/* ------------------------------------------------------------------------
 * license verify
 * ---------------------------------------------------------------------- */

/* Read a small file (or stdin for "-") into a malloc'd string; at most
 * max bytes. */
static char *read_small(const char *path, size_t max, size_t *len) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "tongban: cannot open %s\n", path);
    return NULL;
  }
  char *buf = tb_xmalloc(max + 2);
  size_t n = fread(buf, 1, max + 1, f);
  bool bad = ferror(f) || n > max;
  if (f != stdin)
    fclose(f);
  if (bad) {
    fprintf(stderr, "tongban: %s cannot be read or is too large\n", path);
    free(buf);
    return NULL;
  }
  buf[n] = '\0';
  *len = n;
  return buf;
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

static void print_verdict(const tb_license_verdict *v) {
  if (v->valid) {
    printf("valid\n");
  } else {
    printf("invalid:");
    for (unsigned bit = 0; bit < TB_LICENSE_REASON_COUNT; bit++)
      if (v->reasons & (1u << bit))
        printf(" %s", tb_license_reason_code((tb_license_reason)(1u << bit)));
    printf("\n");
  }
  if (v->revocation_reason[0])
    printf("%-12s %s\n", "revoked", v->revocation_reason);
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

static int verify_payload(const options *o, const char *payload, size_t len) {
  while (len && (payload[len - 1] == '\n' || payload[len - 1] == '\r'))
    len--; /* a file's line end; spaces belong to base45 */
  tb_license_trust *t = load_trust(o);
  if (!t)
    return 1;
  tb_license_verdict v;
  tb_license_status st = tb_license_verify(payload, len, t, 0, NULL, NULL, &v);
  tb_license_free_trust(t);
  if (st != TB_LICENSE_OK) {
    fprintf(stderr, "tongban: license verify: %s\n",
            tb_license_status_code(st));
    return 1;
  }
  if (o->json) {
    char *json;
    size_t json_len;
    if (tb_license_verdict_json(&v, &json, &json_len) == TB_LICENSE_OK) {
      printf("%s\n", json);
      free(json);
    }
  } else {
    print_verdict(&v);
  }
  int rc = v.valid ? 0 : 1;
  tb_license_free_verdict(&v);
  return rc;
}

int tb_cli_license(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "verify") != 0)
    return license_usage();
  options o = {.dir = DEFAULT_KEYS};
  if (!parse_options(argc - 2, argv + 2, &o) ||
      (o.file != NULL) == (o.positional != NULL) || o.bureaus || o.platform)
    return license_usage();
  if (o.positional)
    return verify_payload(&o, o.positional, strlen(o.positional));
  size_t len;
  char *text = read_small(o.file, TB_LICENSE_MAX_PAYLOAD + 2, &len);
  if (!text)
    return 1;
  int rc = verify_payload(&o, text, len);
  free(text);
  return rc;
}
