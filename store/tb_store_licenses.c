/*
 * tb_store_licenses.c — electronic licenses (电子证照) in the database.
 *
 * Issuance is an effect of the transition (TB_EFFECT_ISSUE_LICENSE): the
 * transition path calls tb_store_license_issue inside its transaction, so
 * an approval and its licenses commit together or not at all. The license
 * is built from the definition's <license> (type, bureau, validity, the
 * form fields as [label, value as people read it]), the applicant (holder:
 * name and one number), the bureau's credit code and a serial from
 * license_serials; it is signed with the bureau's newest key, read from
 * the keys folder at every issuance (so a rotated key signs at once), and
 * inserted with its canonical JSON, signature, key id and QR payload.
 *
 * Also here: the read models of the licenses API (one license, a holder's
 * licenses, an application's licenses), the one-number look-up of a valid
 * license for intake, and revocation, which is audited in the chain of the
 * application the license came from.
 */
#include "tb_license.h"
#include "tb_store_int.h"
#include "tb_workflows.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_SIGNATURE 160 /* bytes of a DER SM2 signature, with room */

/* ---- configuration ------------------------------------------------------ */

static pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;
static char cfg_dir[4096];
static char cfg_passphrase[1024];
static bool cfg_set;
static unsigned cfg_generation; /* bumped by every configure */

void tb_store_licenses_configure(const char *keys_dir, const char *passphrase) {
  pthread_mutex_lock(&cfg_lock);
  OPENSSL_cleanse(cfg_passphrase, sizeof cfg_passphrase);
  cfg_set = keys_dir && *keys_dir;
  tb_store_copy(cfg_dir, sizeof cfg_dir, cfg_set ? keys_dir : "");
  tb_store_copy(cfg_passphrase, sizeof cfg_passphrase,
                cfg_set && passphrase ? passphrase : "");
  cfg_generation++;
  pthread_mutex_unlock(&cfg_lock);
}

/* ---- the signing keys, cached per thread ------------------------------------
 *
 * Decoding the key folder costs far more than signing (the benchmark's
 * profile: three quarters of the server's work), so each thread keeps the
 * keys it opened and reopens them only when the folder changed: a rotation
 * adds files to issuing/ and so changes its modification time, and a new
 * root changes root.pem's. A thread's keys are freed when it exits.
 */

typedef struct {
  tb_license_keys *keys;
  unsigned generation;
  struct timespec issuing, root; /* modification times when opened */
} key_cache;

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_free(void *p) {
  key_cache *c = p;
  tb_license_close_keys(c->keys);
  free(c);
}

static void cache_init(void) {
  pthread_key_create(&cache_key, cache_free);
}

static struct timespec mtime_of(const char *dir, const char *name) {
  char path[sizeof cfg_dir + 32];
  struct stat st;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (stat(path, &st) != 0)
    return (struct timespec){-1, 0};
  return st.st_mtim;
}

static bool same_time(struct timespec a, struct timespec b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* The signing keys of the configured folder (owned by the cache: do not
 * close them); NULL with a log line when not configured or unreadable.
 * *configured tells which. */
static tb_license_keys *open_keys(bool *configured) {
  char dir[sizeof cfg_dir], pass[sizeof cfg_passphrase];
  pthread_mutex_lock(&cfg_lock);
  *configured = cfg_set;
  unsigned generation = cfg_generation;
  memcpy(dir, cfg_dir, sizeof dir);
  memcpy(pass, cfg_passphrase, sizeof pass);
  pthread_mutex_unlock(&cfg_lock);
  if (!*configured) {
    OPENSSL_cleanse(pass, sizeof pass);
    return NULL;
  }
  pthread_once(&cache_once, cache_init);
  key_cache *c = pthread_getspecific(cache_key);
  if (!c) {
    c = tb_xcalloc(1, sizeof *c);
    pthread_setspecific(cache_key, c);
  }
  struct timespec issuing = mtime_of(dir, "issuing");
  struct timespec root = mtime_of(dir, "root.pem");
  if (c->keys && c->generation == generation &&
      same_time(c->issuing, issuing) && same_time(c->root, root)) {
    OPENSSL_cleanse(pass, sizeof pass);
    return c->keys;
  }
  tb_license_close_keys(c->keys);
  c->keys = NULL;
  tb_problem p = {0};
  tb_license_status st =
      tb_license_open_keys(dir, pass[0] ? pass : NULL, &c->keys, &p);
  OPENSSL_cleanse(pass, sizeof pass);
  if (st != TB_LICENSE_OK) {
    tb_store_log("licenses: cannot open the signing keys in %s: %s (%s)", dir,
                 p.detail[0] ? p.detail : "failed", tb_license_status_code(st));
    c->keys = NULL;
    return NULL;
  }
  c->generation = generation;
  c->issuing = issuing;
  c->root = root;
  return c->keys;
}

/* ---- statements ------------------------------------------------------------
 */

static const tb_store_stmt S_APP = {
    "lic_app",
    "SELECT applicant_name, applicant_id_number, form::text "
    "FROM applications WHERE id = $1::bigint",
    1};
static const tb_store_stmt S_SERIAL = {
    "lic_serial",
    "INSERT INTO license_serials (type_code, issuer, last) VALUES ($1, $2, 1) "
    "ON CONFLICT (type_code, issuer) DO UPDATE SET "
    "last = license_serials.last + 1 RETURNING last",
    2};
static const tb_store_stmt S_INSERT = {
    "lic_insert",
    "INSERT INTO licenses (id, type_code, type_name, holder_name, "
    "holder_id_number, issuer, issuer_credit_code, application_id, "
    "application_number, issued_at, valid_from, valid_until, canonical, "
    "signature, key_id, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, "
    "$8::bigint, $9, to_timestamp($10::bigint), $11::date, $12::date, $13, "
    "decode($14, 'hex'), $15, $16)",
    16};

#define LICENSE_OBJECT                                                         \
  "json_build_object('id', l.id, 'type', json_build_object('code', "           \
  "l.type_code, 'name', l.type_name), 'holder', json_build_object('name', "    \
  "l.holder_name, 'id_number', l.holder_id_number), 'issuer', "                \
  "json_build_object('code', l.issuer, 'credit_code', l.issuer_credit_code), " \
  "'application', l.application_number, 'issued_at', "                         \
  "to_char(l.issued_at AT TIME ZONE 'UTC', "                                   \
  "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'valid_from', "                          \
  "to_char(l.valid_from, 'YYYY-MM-DD'), 'valid_until', "                       \
  "coalesce(to_char(l.valid_until, 'YYYY-MM-DD'), 'long-term'), 'key_id', "    \
  "l.key_id, 'signature', encode(l.signature, 'hex'), 'payload', l.payload, "  \
  "'revoked', l.revoked_at IS NOT NULL, 'revoked_at', "                        \
  "to_char(l.revoked_at AT TIME ZONE 'UTC', "                                  \
  "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'revoked_by', l.revoked_by, "            \
  "'revocation_reason', l.revocation_reason, 'license', l.canonical::json)"

static const tb_store_stmt S_READ_ONE = {
    "lic_read_one",
    "SELECT " LICENSE_OBJECT "::text FROM licenses l WHERE l.id = $1", 1};
static const tb_store_stmt S_READ_HOLDER = {
    "lic_read_holder",
    "SELECT coalesce(json_agg(" LICENSE_OBJECT
    " ORDER BY l.issued_at DESC, l.id), '[]'::json)::text "
    "FROM licenses l WHERE l.holder_id_number = $1",
    1};
static const tb_store_stmt S_READ_APP = {
    "lic_read_app",
    "SELECT coalesce(json_agg(" LICENSE_OBJECT
    " ORDER BY l.issued_at, l.id), '[]'::json)::text FROM licenses l "
    "JOIN applications a ON a.id = l.application_id WHERE a.number = $1",
    1};
static const tb_store_stmt S_BRIEF = {
    "lic_brief",
    "SELECT id, type_code, holder_id_number, issuer, application_number, "
    "to_char(valid_from, 'YYYY-MM-DD'), coalesce(to_char(valid_until, "
    "'YYYY-MM-DD'), ''), revoked_at IS NOT NULL, "
    "coalesce(revocation_reason, ''), payload FROM licenses WHERE id = $1",
    1};
static const tb_store_stmt S_FIND_VALID = {
    "lic_find_valid",
    "SELECT id FROM licenses WHERE holder_id_number = $1 AND type_code = $2 "
    "AND revoked_at IS NULL AND valid_from <= $3::date AND "
    "(valid_until IS NULL OR valid_until >= $3::date) "
    "ORDER BY issued_at DESC, id DESC LIMIT 1",
    3};
static const tb_store_stmt S_REVOKE_LOCK = {
    "lic_revoke_lock",
    "SELECT a.id, a.number, a.audit_seq, a.audit_hash, a.status, a.warning, "
    "l.revoked_at IS NOT NULL, l.type_code FROM licenses l JOIN applications "
    "a ON a.id = l.application_id WHERE l.id = $1 FOR UPDATE OF a, l",
    1};
static const tb_store_stmt S_REVOKE = {
    "lic_revoke",
    "UPDATE licenses SET revoked_at = now(), revoked_by = $2, "
    "revocation_reason = $3 WHERE id = $1",
    3};
static const tb_store_stmt S_REVOKE_HEAD = {
    "lic_revoke_head",
    "UPDATE applications SET audit_seq = $2::integer, "
    "audit_hash = decode($3, 'hex'), updated_at = now() "
    "WHERE id = $1::bigint",
    3};
static const tb_store_stmt S_NOTIFY = {"lic_notify",
                                       "SELECT pg_notify('tongban', $1)", 1};

/* ---- values as people read them ------------------------------------------ */

static const char *money_text(tb_arena *a, const tb_field *f, int64_t fen) {
  char buf[64];
  bool has_unit = f->label && strstr(f->label, "元");
  unsigned long long v =
      fen < 0 ? (unsigned long long)(-(fen + 1)) + 1 : (unsigned long long)fen;
  snprintf(buf, sizeof buf, "%s%llu.%02llu%s", fen < 0 ? "-" : "", v / 100,
           v % 100, has_unit ? "" : "元");
  return tb_arena_strdup(a, buf);
}

static const char *date_text(tb_arena *a, tb_day d) {
  char buf[32];
  int y, m, dd;
  tb_date_to_ymd(d, &y, &m, &dd);
  snprintf(buf, sizeof buf, "%d年%d月%d日", y, m, dd);
  return tb_arena_strdup(a, buf);
}

/* The labels of the chosen choices, joined with "、". */
static const char *choice_text(tb_arena *a, const tb_field *f, uint64_t bits) {
  size_t cap = 1, used = 0;
  for (size_t i = 0; i < f->n_choices && i < 64; i++)
    if (bits & (UINT64_C(1) << i))
      cap += strlen(f->choices[i].label) + sizeof "、";
  char *out = tb_arena_alloc(a, cap);
  for (size_t i = 0; i < f->n_choices && i < 64; i++) {
    if (!(bits & (UINT64_C(1) << i)))
      continue;
    size_t n = strlen(f->choices[i].label);
    if (used) {
      memcpy(out + used, "、", sizeof "、" - 1);
      used += sizeof "、" - 1;
    }
    memcpy(out + used, f->choices[i].label, n);
    used += n;
  }
  out[used] = '\0';
  return out;
}

/* One stored form value (text as tb_value_parse reads it) as people read
 * it; NULL when it does not parse (logged by the caller). */
static const char *display_value(tb_arena *a, const tb_field *f,
                                 const char *text) {
  tb_value v;
  if (tb_value_parse(f, text, strlen(text), 0, &v, NULL) != TB_OK)
    return NULL;
  switch (f->type) {
  case TB_FIELD_MONEY:
    return money_text(a, f, v.money);
  case TB_FIELD_DATE:
    return date_text(a, v.date);
  case TB_FIELD_CHOICE:
    return choice_text(a, f, v.choices);
  case TB_FIELD_BOOLEAN:
    return v.boolean ? "是" : "否";
  default: /* text, number, id-number: as written */
    return tb_arena_strdup(a, text);
  }
}

/* ---- issuance ------------------------------------------------------------ */

typedef struct {
  tb_arena *arena;
  tb_license lic;
  tb_license_item items[TB_LICENSE_MAX_ITEMS];
  char id[TB_LICENSE_ID_MAX];
  int64_t at;
} issue_job;

/* The holder and data items from the application row. */
static tb_store_status load_holder_and_items(tb_store *s,
                                             const tb_store_outcome *o,
                                             const tb_license_def *ld,
                                             issue_job *j) {
  char app[24];
  snprintf(app, sizeof app, "%lld", (long long)o->application_id);
  const char *params[] = {app};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_APP, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(r) != 1) {
    PQclear(r);
    return TB_STORE_ERROR;
  }
  j->lic.holder_name = tb_arena_strdup(j->arena, PQgetvalue(r, 0, 0));
  j->lic.holder_number = tb_arena_strdup(j->arena, PQgetvalue(r, 0, 1));
  json_error_t err;
  json_t *form = json_loads(PQgetvalue(r, 0, 2), 0, &err);
  PQclear(r);
  rc = json_is_object(form) ? TB_STORE_OK : TB_STORE_ERROR;
  for (size_t i = 0; rc == TB_STORE_OK && i < ld->n_fields; i++) {
    if (ld->fields[i] >= o->def->n_fields ||
        j->lic.n_items >= TB_LICENSE_MAX_ITEMS) {
      rc = TB_STORE_ERROR;
      break;
    }
    const tb_field *f = &o->def->fields[ld->fields[i]];
    const json_t *v = json_object_get(form, f->id);
    if (!json_is_string(v)) /* an optional field left empty */
      continue;
    const char *text = display_value(j->arena, f, json_string_value(v));
    if (!text) {
      tb_store_log("%s: field %s does not load for its license", o->number,
                   f->id);
      rc = TB_STORE_ERROR;
      break;
    }
    j->items[j->lic.n_items].key = f->label ? f->label : f->id;
    j->items[j->lic.n_items].value = text;
    j->lic.n_items++;
  }
  json_decref(form);
  j->lic.items = j->items;
  return rc;
}

/* The issuing bureau (name, credit code) from the stored bureau list. */
static tb_store_status load_issuer(tb_store *s, const char *code,
                                   issue_job *j) {
  char *xml = NULL;
  tb_store_status rc = tb_store_read_bureaus_xml(s, &xml);
  if (rc != TB_STORE_OK) {
    free(xml);
    tb_store_log("licenses: no stored bureau list");
    return rc == TB_STORE_NOT_FOUND ? TB_STORE_ERROR : rc;
  }
  tb_bureau_list *list = NULL;
  tb_workflows_problems ps = {0};
  tb_status st = tb_workflows_load_bureaus_buffer("bureaus.xml (stored)", xml,
                                                  strlen(xml), &list, &ps);
  free(xml);
  tb_workflows_problems_free(&ps);
  const tb_bureau *b = st == TB_OK ? tb_bureaus_find(list, code) : NULL;
  if (b) {
    j->lic.issuer_code = tb_arena_strdup(j->arena, b->code);
    j->lic.issuer_name = tb_arena_strdup(j->arena, b->name);
    j->lic.issuer_credit_code = tb_arena_strdup(j->arena, b->credit_code);
  } else {
    tb_store_log("licenses: bureau %s is not in the stored bureau list", code);
  }
  tb_workflows_free_bureaus(list);
  return b ? TB_STORE_OK : TB_STORE_ERROR;
}

/* The identifier: type code, issuer credit code, next serial, version 1. */
static tb_store_status make_id(tb_store *s, const tb_license_def *ld,
                               issue_job *j) {
  const char *params[] = {ld->type_code, j->lic.issuer_code};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_SERIAL, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  int64_t serial = 0;
  tb_store_parse_i64(PQgetvalue(r, 0, 0), &serial);
  PQclear(r);
  tb_problem p = {0};
  if (serial <= 0 ||
      tb_id_make_license_id(ld->type_code, j->lic.issuer_credit_code,
                            (uint64_t)serial, 1, j->id, &p) != TB_OK) {
    tb_store_log("licenses: cannot make an identifier for %s: %s",
                 ld->type_code, p.detail);
    return TB_STORE_ERROR;
  }
  j->lic.id = j->id;
  return TB_STORE_OK;
}

/* Issue, validity: valid-years after the issue day (the day before the
 * anniversary; 29 February counts as 28); 0 years: long-term. */
static tb_store_status set_dates(tb_store *s, const tb_license_def *ld,
                                 issue_job *j) {
  const tb_calendar *cal = NULL;
  tb_store_status rc = tb_store_calendar_get(s, &cal);
  if (rc != TB_STORE_OK)
    return rc;
  tb_day today = tb_calendar_day_of(cal, j->at);
  j->lic.issued = today;
  j->lic.valid_from = today;
  j->lic.valid_until = TB_LICENSE_LONG_TERM;
  if (ld->valid_years > 0) {
    int y, m, d;
    tb_date_to_ymd(today, &y, &m, &d);
    if (m == 2 && d == 29)
      d = 28;
    tb_day end;
    if (tb_date_from_ymd(y + ld->valid_years, m, d, &end) != TB_OK) {
      tb_store_log("licenses: validity of %s ends outside the calendar",
                   ld->type_code);
      return TB_STORE_ERROR;
    }
    j->lic.valid_until = end - 1;
  }
  return TB_STORE_OK;
}

static tb_store_status insert_row(tb_store *s, const tb_store_outcome *o,
                                  const issue_job *j,
                                  const tb_license_signed *sg,
                                  const char *payload) {
  char app[24], at[24], from[11], until[11], sig[2 * MAX_SIGNATURE + 1];
  if (sg->signature_len > MAX_SIGNATURE)
    return TB_STORE_ERROR;
  snprintf(app, sizeof app, "%lld", (long long)o->application_id);
  snprintf(at, sizeof at, "%lld", (long long)j->at);
  tb_date_format(j->lic.valid_from, from);
  bool long_term = j->lic.valid_until == TB_LICENSE_LONG_TERM;
  if (!long_term)
    tb_date_format(j->lic.valid_until, until);
  tb_hex_encode(sg->signature, sg->signature_len, sig);
  const char *params[] = {j->lic.id,
                          j->lic.type_code,
                          j->lic.type_name,
                          j->lic.holder_name,
                          j->lic.holder_number,
                          j->lic.issuer_code,
                          j->lic.issuer_credit_code,
                          app,
                          o->number,
                          at,
                          from,
                          long_term ? NULL : until,
                          sg->json,
                          sig,
                          sg->key_id,
                          payload};
  return tb_store_exec(s, &S_INSERT, params, NULL);
}

/* Sign the built license and store it. */
static tb_store_status sign_and_insert(tb_store *s, const tb_store_outcome *o,
                                       const issue_job *j) {
  bool configured = false;
  tb_license_keys *keys = open_keys(&configured);
  if (!keys) {
    tb_store_log("%s: license %s NOT issued: no signing keys; the "
                 "transition is rolled back",
                 o->number, j->lic.type_name);
    return TB_STORE_ERROR;
  }
  tb_license_signed sg = {0};
  tb_problem p = {0};
  char *payload = NULL;
  size_t plen = 0;
  tb_license_status st = tb_license_sign(keys, &j->lic, j->at, &sg, &p);
  if (st == TB_LICENSE_OK)
    st = tb_license_encode_payload(&sg, &payload, &plen, &p);
  tb_store_status rc = TB_STORE_ERROR;
  if (st != TB_LICENSE_OK)
    tb_store_log("%s: license %s (%s) cannot be signed by %s: %s (%s); the "
                 "transition is rolled back",
                 o->number, j->lic.id, j->lic.type_name, j->lic.issuer_code,
                 p.detail[0] ? p.detail : "failed", tb_license_status_code(st));
  else
    rc = insert_row(s, o, j, &sg, payload);
  free(payload);
  tb_license_free_signed(&sg);
  return rc;
}

static bool keys_configured(void) {
  pthread_mutex_lock(&cfg_lock);
  bool set = cfg_set;
  pthread_mutex_unlock(&cfg_lock);
  return set;
}

tb_store_status tb_store_license_issue(tb_store *s, const tb_store_outcome *o,
                                       const tb_effect *e) {
  if (e->license >= o->def->n_licenses) {
    tb_store_log("%s: effect names an unknown license %u", o->number,
                 e->license);
    return TB_STORE_ERROR;
  }
  const tb_license_def *ld = &o->def->licenses[e->license];
  if (!keys_configured()) {
    tb_store_log("%s: license %s not issued: this process has no keys "
                 "folder configured",
                 o->number, ld->type_code);
    return TB_STORE_OK;
  }
  issue_job j = {.arena = tb_arena_new()};
  j.at = o->after.finished_at > 0 ? o->after.finished_at
                                  : tb_store_now_us() / 1000000;
  j.lic.type_code = ld->type_code;
  j.lic.type_name = ld->name;
  j.lic.application = o->number;
  tb_store_status rc = load_holder_and_items(s, o, ld, &j);
  if (rc == TB_STORE_OK)
    rc = load_issuer(s, ld->bureau, &j);
  if (rc == TB_STORE_OK)
    rc = set_dates(s, ld, &j);
  if (rc == TB_STORE_OK)
    rc = make_id(s, ld, &j);
  tb_problem p = {0};
  if (rc == TB_STORE_OK && tb_license_check(&j.lic, &p) != TB_LICENSE_OK) {
    tb_store_log("%s: license %s is not valid: %s: %s", o->number,
                 ld->type_code, p.field, p.detail);
    rc = TB_STORE_ERROR;
  }
  if (rc == TB_STORE_OK)
    rc = sign_and_insert(s, o, &j);
  tb_arena_free(j.arena);
  return rc;
}

/* ---- reading ------------------------------------------------------------- */

/* One text value of a one-row result (malloc'ed), or TB_STORE_NOT_FOUND. */
static tb_store_status text_of(tb_store *s, const tb_store_stmt *st,
                               const char *const *params, char **out) {
  *out = NULL;
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, st, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0)) {
    PQclear(r);
    return TB_STORE_NOT_FOUND;
  }
  const char *v = PQgetvalue(r, 0, 0);
  *out = tb_xstrndup(v, strlen(v));
  PQclear(r);
  return TB_STORE_OK;
}

tb_store_status tb_store_license_read(tb_store *s, const char *id,
                                      char **json) {
  const char *params[] = {id};
  return text_of(s, &S_READ_ONE, params, json);
}

tb_store_status tb_store_license_read_holder(tb_store *s, const char *holder,
                                             char **json) {
  const char *params[] = {holder};
  return text_of(s, &S_READ_HOLDER, params, json);
}

tb_store_status tb_store_license_read_app(tb_store *s, const char *number,
                                          char **json) {
  const char *params[] = {number};
  return text_of(s, &S_READ_APP, params, json);
}

static tb_day day_of_text(const char *text) {
  tb_day d = 0;
  if (text && *text && tb_date_parse(text, strlen(text), &d) != TB_OK)
    d = 0;
  return d;
}

tb_store_status tb_store_license_brief_get(tb_store *s, const char *id,
                                           tb_store_license_brief *b) {
  memset(b, 0, sizeof *b);
  const char *params[] = {id};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_BRIEF, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(r) != 1) {
    PQclear(r);
    return TB_STORE_NOT_FOUND;
  }
  tb_store_copy(b->id, sizeof b->id, PQgetvalue(r, 0, 0));
  tb_store_copy(b->type_code, sizeof b->type_code, PQgetvalue(r, 0, 1));
  tb_store_copy(b->holder_id_number, sizeof b->holder_id_number,
                PQgetvalue(r, 0, 2));
  tb_store_copy(b->issuer, sizeof b->issuer, PQgetvalue(r, 0, 3));
  tb_store_copy(b->application, sizeof b->application, PQgetvalue(r, 0, 4));
  b->valid_from = day_of_text(PQgetvalue(r, 0, 5));
  b->valid_until = day_of_text(PQgetvalue(r, 0, 6));
  b->revoked = strcmp(PQgetvalue(r, 0, 7), "t") == 0;
  tb_store_copy(b->revocation_reason, sizeof b->revocation_reason,
                PQgetvalue(r, 0, 8));
  const char *payload = PQgetvalue(r, 0, 9);
  b->payload = tb_xstrndup(payload, strlen(payload));
  PQclear(r);
  return TB_STORE_OK;
}

void tb_store_license_brief_clear(tb_store_license_brief *b) {
  if (!b)
    return;
  free(b->payload);
  b->payload = NULL;
}

tb_store_status tb_store_license_find_valid(tb_store *s, const char *holder,
                                            const char *type_code, tb_day today,
                                            char id[TB_LICENSE_ID_MAX]) {
  char day[11];
  tb_date_format(today, day);
  const char *params[] = {holder, type_code, day};
  char *found = NULL;
  tb_store_status rc = text_of(s, &S_FIND_VALID, params, &found);
  if (rc == TB_STORE_OK)
    tb_store_copy(id, TB_LICENSE_ID_MAX, found);
  free(found);
  return rc;
}

/* ---- revocation -------------------------------------------------------------
 */

typedef struct {
  int64_t app_id;
  char number[TB_APP_NUMBER_LEN + 1];
  int32_t seq;
  uint8_t hash[32];
  char status[32], warning[16], type_code[64];
  bool revoked;
} revoke_lock;

static tb_store_status lock_for_revoke(tb_store *s, const char *id,
                                       revoke_lock *l) {
  const char *params[] = {id};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_REVOKE_LOCK, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(r) != 1) {
    PQclear(r);
    return TB_STORE_NOT_FOUND;
  }
  int64_t seq = 0;
  tb_store_parse_i64(PQgetvalue(r, 0, 0), &l->app_id);
  tb_store_copy(l->number, sizeof l->number, PQgetvalue(r, 0, 1));
  tb_store_parse_i64(PQgetvalue(r, 0, 2), &seq);
  l->seq = (int32_t)seq;
  memset(l->hash, 0, sizeof l->hash);
  bool ok = PQgetisnull(r, 0, 3) ||
            tb_store_unhex_bytea(PQgetvalue(r, 0, 3), l->hash, 32);
  tb_store_copy(l->status, sizeof l->status, PQgetvalue(r, 0, 4));
  tb_store_copy(l->warning, sizeof l->warning, PQgetvalue(r, 0, 5));
  l->revoked = strcmp(PQgetvalue(r, 0, 6), "t") == 0;
  tb_store_copy(l->type_code, sizeof l->type_code, PQgetvalue(r, 0, 7));
  PQclear(r);
  if (!ok) {
    tb_store_log("application %s: stored audit head is unreadable", l->number);
    return TB_STORE_ERROR;
  }
  return TB_STORE_OK;
}

/* The revocation event in the application's audit chain, the new head on
 * the application row, and the NOTIFY. */
static tb_store_status audit_revoke(tb_store *s, const revoke_lock *l,
                                    const char *id, const tb_store_actor *actor,
                                    const char *reason) {
  json_t *pl = json_pack("{s:s, s:s, s:s}", "license", id, "reason", reason,
                         "type", l->type_code);
  char *payload = json_dumps(pl, JSON_COMPACT); /* stored canonical */
  json_decref(pl);
  tb_store_audit_event ae = {.application_id = l->app_id,
                             .number = l->number,
                             .prev_seq = l->seq,
                             .actor = actor,
                             .action = "revoke_license",
                             .payload = payload,
                             .at_us = tb_store_now_us()};
  memcpy(ae.prev_hash, l->hash, 32);
  int32_t seq = 0;
  uint8_t hash[32];
  tb_store_status rc = tb_store_audit_append(s, &ae, &seq, hash);
  free(payload);
  char app[24], sq[16], hex[65];
  snprintf(app, sizeof app, "%lld", (long long)l->app_id);
  snprintf(sq, sizeof sq, "%d", (int)seq);
  tb_hex_encode(hash, 32, hex);
  const char *head[] = {app, sq, hex};
  if (rc == TB_STORE_OK)
    rc = tb_store_exec(s, &S_REVOKE_HEAD, head, NULL);
  if (rc != TB_STORE_OK)
    return rc;
  json_t *n = json_pack("{s:s, s:i, s:s, s:s, s:s}", "number", l->number, "seq",
                        (int)seq, "action", "revoke_license", "status",
                        l->status, "warning", l->warning);
  char *text = json_dumps(n, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(n);
  const char *params[] = {text};
  rc = tb_store_exec(s, &S_NOTIFY, params, NULL);
  free(text);
  return rc;
}

tb_store_status tb_store_license_revoke_in(tb_store *s, const char *id,
                                           const tb_store_actor *actor,
                                           const char *reason) {
  revoke_lock l = {0};
  tb_store_status rc = lock_for_revoke(s, id, &l);
  if (rc != TB_STORE_OK)
    return rc;
  if (l.revoked)
    return TB_STORE_CONFLICT;
  const char *params[] = {id, actor && actor->name ? actor->name : "system",
                          reason};
  rc = tb_store_exec(s, &S_REVOKE, params, NULL);
  if (rc == TB_STORE_OK)
    rc = audit_revoke(s, &l, id, actor, reason);
  return rc;
}
