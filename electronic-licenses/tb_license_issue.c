/*
 * tb_license_issue.c — issuing a license for an approved application: an
 * issuer (a keys folder, its passphrase and the signing keys opened from
 * it) and the build of one license from an order (what the store knows:
 * the definition's <license>, the holder, the issuing bureau, the form,
 * a serial, the day), then its signature and QR payload.
 *
 * The data items are the definition's license fields as people read them
 * ([label, value]): money in yuan with two decimals, dates as 2026年1月2日,
 * the labels of the chosen choices joined with "、", booleans as 是 / 否,
 * anything else as written. The identifier is made of the type code, the
 * bureau's credit code and the serial; the license is valid from the day
 * of issuance for valid-years (to the day before the anniversary; 29
 * February counts as 28), or long-term.
 *
 * Decoding the keys folder costs far more than signing, so the issuer
 * keeps the keys it opened and reopens them only when the folder changed:
 * a rotation adds files to issuing/ and so changes its modification time,
 * and a new root changes root.pem's. Threads share the opened keys
 * (reference counted, so a reopening never frees keys a signature uses).
 */
#include "tb_license_int.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DIR_MAX 4096
#define PASSPHRASE_MAX 1024

/* ---- the issuer and its keys ----------------------------------------------
 */

typedef struct {
  tb_license_keys *keys;
  int refs; /* the issuer's own, plus one per signature in progress */
  struct timespec issuing, root; /* modification times when opened */
} keyset;

struct tb_license_issuer {
  char dir[DIR_MAX];
  char passphrase[PASSPHRASE_MAX]; /* "": not encrypted */
  pthread_mutex_t lock;
  keyset *current; /* NULL until opened */
};

static struct timespec mtime_of(const char *dir, const char *name) {
  char path[DIR_MAX + 32];
  struct stat st;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (stat(path, &st) != 0)
    return (struct timespec){-1, 0};
  return st.st_mtim;
}

static bool same_time(struct timespec a, struct timespec b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* Drop one reference (the lock held). */
static void keyset_unref(keyset *k) {
  if (k && --k->refs == 0) {
    tb_license_close_keys(k->keys);
    free(k);
  }
}

/* The keys to sign with (a reference the caller releases), reopened when
 * the folder changed; NULL with *p when they cannot be opened. */
static keyset *acquire(tb_license_issuer *is, tb_problem *p) {
  struct timespec issuing = mtime_of(is->dir, "issuing");
  struct timespec root = mtime_of(is->dir, "root.pem");
  pthread_mutex_lock(&is->lock);
  keyset *k = is->current;
  if (!k || !same_time(k->issuing, issuing) || !same_time(k->root, root)) {
    tb_license_keys *keys = NULL;
    tb_license_status st = tb_license_open_keys(
        is->dir, is->passphrase[0] ? is->passphrase : NULL, &keys, p);
    if (st != TB_LICENSE_OK) {
      pthread_mutex_unlock(&is->lock);
      return NULL;
    }
    keyset_unref(is->current);
    k = tb_xcalloc(1, sizeof *k);
    k->keys = keys;
    k->refs = 1;
    k->issuing = issuing;
    k->root = root;
    is->current = k;
  }
  k->refs++;
  pthread_mutex_unlock(&is->lock);
  return k;
}

static void release(tb_license_issuer *is, keyset *k) {
  pthread_mutex_lock(&is->lock);
  keyset_unref(k);
  pthread_mutex_unlock(&is->lock);
}

tb_license_status tb_license_issuer_open(const char *dir,
                                         const char *passphrase,
                                         tb_license_issuer **out,
                                         tb_problem *p) {
  *out = NULL;
  if (!dir || !*dir || strlen(dir) >= DIR_MAX ||
      (passphrase && strlen(passphrase) >= PASSPHRASE_MAX)) {
    tb_problem_set(p, TB_ERR_INVALID, NULL,
                   "the keys folder or the passphrase is missing or too long");
    return TB_LICENSE_ERR_INVALID;
  }
  tb_license_issuer *is = tb_xcalloc(1, sizeof *is);
  snprintf(is->dir, sizeof is->dir, "%s", dir);
  snprintf(is->passphrase, sizeof is->passphrase, "%s",
           passphrase ? passphrase : "");
  pthread_mutex_init(&is->lock, NULL);
  keyset *k = acquire(is, p); /* fail now, not at the first approval */
  if (!k) {
    tb_license_issuer_close(is);
    return TB_LICENSE_ERR_NOT_FOUND;
  }
  release(is, k);
  *out = is;
  return TB_LICENSE_OK;
}

void tb_license_issuer_close(tb_license_issuer *is) {
  if (!is)
    return;
  keyset_unref(is->current);
  pthread_mutex_destroy(&is->lock);
  OPENSSL_cleanse(is->passphrase, sizeof is->passphrase);
  free(is);
}

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
 * it; NULL when it does not parse. */
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

/* ---- building the license -------------------------------------------------
 */

/* The data items a branch recorded (<item output="…"/>), after the
 * fields: those the order has a value for. */
static tb_license_status build_output_items(const tb_license_order *o,
                                            const tb_license_def *ld,
                                            tb_license_issued *out,
                                            tb_problem *p) {
  for (size_t i = 0; i < ld->n_output_items; i++) {
    const char *text = o->outputs ? o->outputs[i] : NULL;
    const tb_field *f =
        tb_definition_output(o->def, ld->output_items[i], NULL, NULL);
    if (!text)
      continue;
    const char *shown = f ? display_value(out->arena, f, text) : NULL;
    if (!shown || out->license.n_items >= TB_LICENSE_MAX_ITEMS) {
      tb_problem_set(p, TB_ERR_INVALID, ld->output_items[i],
                     "output %s does not load for its license",
                     ld->output_items[i]);
      return TB_LICENSE_ERR_INVALID;
    }
    out->items[out->license.n_items].key = f->label ? f->label : f->id;
    out->items[out->license.n_items].value = shown;
    out->license.n_items++;
  }
  return TB_LICENSE_OK;
}

/* The data items: the license's fields that were filled in, then the
 * branch outputs it carries. */
static tb_license_status build_items(const tb_license_order *o,
                                     const tb_license_def *ld,
                                     tb_license_issued *out, tb_problem *p) {
  const tb_definition *def = o->def;
  for (size_t i = 0; i < ld->n_fields; i++) {
    size_t fi = ld->fields[i];
    if (fi >= def->n_fields || fi >= TB_MAX_FIELDS ||
        out->license.n_items >= TB_LICENSE_MAX_ITEMS) {
      tb_problem_set(p, TB_ERR_INVALID, "data",
                     "license %s names a field it cannot hold", ld->type_code);
      return TB_LICENSE_ERR_INVALID;
    }
    const tb_field *f = &def->fields[fi];
    const char *text = o->form ? o->form[fi] : NULL;
    if (!text) /* an optional field left empty */
      continue;
    const char *shown = display_value(out->arena, f, text);
    if (!shown) {
      tb_problem_set(p, TB_ERR_INVALID, f->id,
                     "field %s does not load for its license", f->id);
      return TB_LICENSE_ERR_INVALID;
    }
    out->items[out->license.n_items].key = f->label ? f->label : f->id;
    out->items[out->license.n_items].value = shown;
    out->license.n_items++;
  }
  out->license.items = out->items;
  return build_output_items(o, ld, out, p);
}

/* Issued today, valid for valid-years or long-term. */
static tb_license_status set_dates(const tb_license_order *o,
                                   const tb_license_def *ld, tb_license *lic,
                                   tb_problem *p) {
  lic->issued = o->today;
  lic->valid_from = o->today;
  lic->valid_until = TB_LICENSE_LONG_TERM;
  if (ld->valid_years == 0)
    return TB_LICENSE_OK;
  int y, m, d;
  tb_date_to_ymd(o->today, &y, &m, &d);
  if (m == 2 && d == 29)
    d = 28;
  tb_day end;
  if (tb_date_from_ymd(y + ld->valid_years, m, d, &end) != TB_OK) {
    tb_problem_set(p, TB_ERR_INVALID, "valid_until",
                   "the validity of %s ends outside the calendar",
                   ld->type_code);
    return TB_LICENSE_ERR_INVALID;
  }
  lic->valid_until = end - 1;
  return TB_LICENSE_OK;
}

static tb_license_status build(const tb_license_order *o,
                               tb_license_issued *out, tb_problem *p) {
  if (!o->def || o->license >= o->def->n_licenses || !o->issuer ||
      !o->application || !o->holder_name || !o->holder_number) {
    tb_problem_set(p, TB_ERR_INVALID, NULL, "the license order is incomplete");
    return TB_LICENSE_ERR_INVALID;
  }
  const tb_license_def *ld = &o->def->licenses[o->license];
  tb_license *lic = &out->license;
  lic->type_code = ld->type_code;
  lic->type_name = ld->name;
  lic->application = tb_arena_strdup(out->arena, o->application);
  lic->holder_name = tb_arena_strdup(out->arena, o->holder_name);
  lic->holder_number = tb_arena_strdup(out->arena, o->holder_number);
  lic->issuer_code = tb_arena_strdup(out->arena, o->issuer->code);
  lic->issuer_name = tb_arena_strdup(out->arena, o->issuer->name);
  lic->issuer_credit_code = tb_arena_strdup(out->arena, o->issuer->credit_code);
  tb_license_status st = build_items(o, ld, out, p);
  if (st == TB_LICENSE_OK)
    st = set_dates(o, ld, lic, p);
  if (st != TB_LICENSE_OK)
    return st;
  if (tb_id_make_license_id(ld->type_code, lic->issuer_credit_code, o->serial,
                            1, out->id, p) != TB_OK)
    return TB_LICENSE_ERR_INVALID;
  lic->id = out->id;
  return tb_license_check(lic, p);
}

/* ---- issuing ---------------------------------------------------------------
 */

tb_license_status tb_license_issue(tb_license_issuer *is,
                                   const tb_license_order *o,
                                   tb_license_issued *out, tb_problem *p) {
  memset(out, 0, sizeof *out);
  out->arena = tb_arena_new();
  tb_license_status st = build(o, out, p);
  if (st != TB_LICENSE_OK)
    return st;
  keyset *k = acquire(is, p);
  if (!k)
    return TB_LICENSE_ERR_NOT_FOUND;
  st = tb_license_sign(k->keys, &out->license, o->at, &out->sig, p);
  release(is, k);
  if (st == TB_LICENSE_OK)
    st = tb_license_encode_payload(&out->sig, &out->payload, &out->payload_len,
                                   p);
  return st;
}

void tb_license_free_issued(tb_license_issued *li) {
  if (!li)
    return;
  tb_license_free_signed(&li->sig);
  free(li->payload);
  tb_arena_free(li->arena);
  memset(li, 0, sizeof *li);
}
