/*
 * tb_license_revocations.c — the platform's signed revocation list
 * (tb_license.h, "The revocation list"): made and signed for
 * GET /api/v1/revocations, read back by `tongban license verify
 * --revocations FILE | --online URL` and by tests. The envelope is checked
 * before its list is parsed; the list must be canonical, so what was
 * signed is what is read.
 */
#include "tb_license_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TIME_LEN 20       /* "YYYY-MM-DDTHH:MM:SSZ" */
#define MAX_SIGNATURE 160 /* bytes of a DER SM2 signature, generously */

struct tb_license_revocations {
  int64_t this_update, next_update;
  tb_license_revoked *items; /* sorted by id */
  size_t n;
  tb_arena *arena; /* the strings */
};

/* ------------------------------------------------------------------------
 * Times
 * ---------------------------------------------------------------------- */

void tb_license_time_format(int64_t t, char out[static 21]) {
  int64_t day = t / 86400, sec = t % 86400;
  if (sec < 0) {
    sec += 86400;
    day--;
  }
  char date[11];
  tb_date_format((tb_day)day, date);
  snprintf(out, 21, "%.10sT%02d:%02d:%02dZ", date, (int)(sec / 3600),
           (int)(sec / 60 % 60), (int)(sec % 60));
}

/* Two digits at s into *v, at most max. */
static bool two_digits(const char *s, int max, int *v) {
  if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
    return false;
  *v = (s[0] - '0') * 10 + (s[1] - '0');
  return *v <= max;
}

bool tb_license_time_parse(const char *s, size_t len, int64_t *t) {
  tb_day day;
  int h, m, sec;
  if (len != TIME_LEN || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
      s[19] != 'Z' || tb_date_parse(s, 10, &day) != TB_OK ||
      !two_digits(s + 11, 23, &h) || !two_digits(s + 14, 59, &m) ||
      !two_digits(s + 17, 59, &sec))
    return false;
  *t = (int64_t)day * 86400 + h * 3600 + m * 60 + sec;
  return true;
}

/* ------------------------------------------------------------------------
 * Making and signing
 * ---------------------------------------------------------------------- */

static int by_id(const void *a, const void *b) {
  return strcmp(((const tb_license_revoked *)a)->id,
                ((const tb_license_revoked *)b)->id);
}

static tb_license_status too_large(tb_problem *p) {
  tb_problem_set(p, TB_ERR_LIMIT, "revoked",
                 "the revocation list is too large");
  return TB_LICENSE_ERR_LIMIT;
}

/* One entry: members in canonical (sorted) order. */
static bool put_entry(tb_buf *b, const tb_license_revoked *e) {
  char at[TIME_LEN + 1];
  tb_license_time_format(e->revoked_at, at);
  size_t reason_len = strlen(e->reason);
  reason_len =
      tb_utf8_cut(e->reason, reason_len, TB_LICENSE_MAX_REVOKED_REASON);
  return tb_buf_adds(b, "{\"id\":") &&
         tb_json_put_string(b, e->id, strlen(e->id)) &&
         tb_buf_adds(b, ",\"reason\":") &&
         tb_json_put_string(b, e->reason, reason_len) &&
         tb_buf_addf(b, ",\"revoked_at\":\"%s\"}", at);
}

/* The list as JSON (members in order), then canonicalized into out: the
 * canonicalizer is the judge of the signed form. */
static tb_license_status list_bytes(const tb_license_revoked *sorted, size_t n,
                                    int64_t this_update, int64_t next_update,
                                    tb_buf *out, tb_problem *p) {
  char tu[TIME_LEN + 1], nu[TIME_LEN + 1];
  tb_license_time_format(this_update, tu);
  tb_license_time_format(next_update, nu);
  tb_buf b;
  tb_buf_init(&b, TB_LICENSE_MAX_REVOCATIONS);
  bool ok = tb_buf_addf(&b,
                        "{\"format\":\"%s\",\"next_update\":\"%s\","
                        "\"revoked\":[",
                        TB_LICENSE_REVOCATIONS_FORMAT, nu);
  for (size_t i = 0; ok && i < n; i++)
    ok = (i == 0 || tb_buf_adds(&b, ",")) && put_entry(&b, &sorted[i]);
  ok = ok && tb_buf_addf(&b, "],\"this_update\":\"%s\"}", tu);
  tb_json_status js = TB_JSON_TOO_LARGE;
  if (ok)
    js = tb_json_canonical(b.data, b.len, out);
  else if (!b.overflow)
    js = TB_JSON_UTF8; /* tb_json_put_string refused an id or reason */
  tb_buf_free(&b);
  if (js == TB_JSON_TOO_LARGE || out->overflow)
    return too_large(p);
  if (js != TB_JSON_OK) {
    tb_problem_set(p, TB_ERR_INVALID, "revoked",
                   "a revoked license's id or reason is not valid utf-8");
    return TB_LICENSE_ERR_INVALID;
  }
  return TB_LICENSE_OK;
}

static tb_license_status check_items(const tb_license_revoked *sorted, size_t n,
                                     tb_problem *p) {
  for (size_t i = 0; i < n; i++) {
    if (!sorted[i].id || !sorted[i].reason || !*sorted[i].id ||
        strlen(sorted[i].id) >= TB_LICENSE_ID_MAX) {
      tb_problem_set(p, TB_ERR_INVALID, "revoked",
                     "a revoked license has no valid id or reason");
      return TB_LICENSE_ERR_INVALID;
    }
    if (i > 0 && strcmp(sorted[i - 1].id, sorted[i].id) == 0) {
      tb_problem_set(p, TB_ERR_INVALID, "revoked", "license %s is listed twice",
                     sorted[i].id);
      return TB_LICENSE_ERR_INVALID;
    }
  }
  return TB_LICENSE_OK;
}

/* The envelope around signed bytes. */
static char *envelope(const char *key_id, const tb_buf *list,
                      const unsigned char *sig, size_t sig_len, size_t *len) {
  char sig64[TB_B64URL_LEN(MAX_SIGNATURE) + 1];
  tb_b64url_encode(sig, sig_len, sig64);
  tb_buf e;
  tb_buf_init(&e, TB_LICENSE_MAX_REVOCATIONS_FILE);
  tb_buf_addf(&e, "{\"key_id\":\"%s\",\"list\":", key_id);
  tb_json_put_string(&e, list->data, list->len);
  tb_buf_addf(&e, ",\"signature\":\"%s\"}", sig64);
  return tb_buf_take(&e, len);
}

tb_license_status tb_license_revocations_sign(const tb_license_signer *s,
                                              const tb_license_revoked *items,
                                              size_t n, int64_t this_update,
                                              int64_t next_update, char **out,
                                              size_t *len, tb_problem *p) {
  *out = NULL;
  *len = 0;
  if (!s || (n && !items) || next_update <= this_update) {
    tb_problem_set(p, TB_ERR_INVALID, NULL,
                   "a revocation list needs a signer and next_update after "
                   "this_update");
    return TB_LICENSE_ERR_INVALID;
  }
  if (n > TB_LICENSE_MAX_REVOKED)
    return too_large(p);
  tb_license_revoked *sorted = tb_xcalloc(n ? n : 1, sizeof *sorted);
  if (n)
    memcpy(sorted, items, n * sizeof *sorted);
  qsort(sorted, n, sizeof *sorted, by_id);
  tb_buf list;
  tb_buf_init(&list, TB_LICENSE_MAX_REVOCATIONS);
  tb_license_status st = check_items(sorted, n, p);
  if (st == TB_LICENSE_OK)
    st = list_bytes(sorted, n, this_update, next_update, &list, p);
  free(sorted);
  unsigned char *sig = NULL;
  size_t sig_len = 0;
  if (st == TB_LICENSE_OK)
    st = tb_license_signer_sign(s, list.data, list.len, &sig, &sig_len, p);
  if (st == TB_LICENSE_OK && sig_len > MAX_SIGNATURE)
    st = TB_LICENSE_ERR_CRYPTO;
  if (st == TB_LICENSE_OK) {
    *out = envelope(tb_license_signer_key_id(s), &list, sig, sig_len, len);
    if (!*out)
      st = too_large(p);
  }
  free(sig);
  tb_buf_free(&list);
  return st;
}

/* ------------------------------------------------------------------------
 * Loading
 * ---------------------------------------------------------------------- */

static tb_license_status malformed(tb_problem *p, const char *field,
                                   const char *what) {
  tb_problem_set(p, TB_ERR_INVALID, field, "the revocation list %s", what);
  return TB_LICENSE_ERR_INVALID;
}

/* A string member of an object, or NULL. */
static const char *member(const json_t *o, const char *name, size_t *len) {
  const json_t *v = json_object_get(o, name);
  if (!json_is_string(v))
    return NULL;
  *len = json_string_length(v);
  return json_string_value(v);
}

/* The envelope's three members, the key id and the decoded signature. */
static tb_license_status read_envelope(const json_t *env, const char **list,
                                       size_t *list_len, char *key_id,
                                       unsigned char *sig, size_t *sig_len,
                                       tb_problem *p) {
  size_t kl = 0, sl = 0;
  const char *k = member(env, "key_id", &kl);
  const char *s = member(env, "signature", &sl);
  *list = member(env, "list", list_len);
  if (!json_is_object(env) || json_object_size(env) != 3 || !k || !s || !*list)
    return malformed(p, NULL,
                     "is not an object of exactly key_id, list and signature");
  if (kl != TB_LICENSE_KEY_ID_LEN ||
      strspn(k, "0123456789abcdef") != TB_LICENSE_KEY_ID_LEN)
    return malformed(p, "key_id", "key_id is not 40 lower-case hex digits");
  memcpy(key_id, k, TB_LICENSE_KEY_ID_LEN + 1);
  if (!tb_b64url_decode(s, sl, sig, MAX_SIGNATURE, sig_len) || *sig_len == 0)
    return malformed(p, "signature", "signature is not base64url");
  if (*list_len > TB_LICENSE_MAX_REVOCATIONS)
    return too_large(p);
  return TB_LICENSE_OK;
}

/* A time member of an object. */
static bool time_member(const json_t *o, const char *name, int64_t *t) {
  size_t len = 0;
  const char *s = member(o, name, &len);
  return s && tb_license_time_parse(s, len, t);
}

/* One entry of "revoked", its strings copied into the arena. */
static tb_license_status read_entry(const json_t *e, tb_arena *a,
                                    tb_license_revoked *out, tb_problem *p) {
  size_t il = 0, rl = 0;
  const char *id = member(e, "id", &il);
  const char *reason = member(e, "reason", &rl);
  if (!json_is_object(e) || json_object_size(e) != 3 || !id || !reason ||
      !time_member(e, "revoked_at", &out->revoked_at))
    return malformed(p, "revoked",
                     "has an entry that is not {id, reason, revoked_at}");
  if (il == 0 || il >= TB_LICENSE_ID_MAX || memchr(id, '\0', il) ||
      rl > TB_LICENSE_MAX_REVOKED_REASON || memchr(reason, '\0', rl))
    return malformed(p, "revoked", "has an id or reason out of bounds");
  out->id = tb_arena_strndup(a, id, il);
  out->reason = tb_arena_strndup(a, reason, rl);
  return TB_LICENSE_OK;
}

static tb_license_status
read_entries(const json_t *arr, tb_license_revocations *r, tb_problem *p) {
  if (!json_is_array(arr))
    return malformed(p, "revoked", "has no revoked array");
  size_t n = json_array_size(arr);
  if (n > TB_LICENSE_MAX_REVOKED)
    return too_large(p);
  r->items = tb_xcalloc(n ? n : 1, sizeof *r->items);
  for (size_t i = 0; i < n; i++) {
    tb_license_status st =
        read_entry(json_array_get(arr, i), r->arena, &r->items[i], p);
    if (st != TB_LICENSE_OK)
      return st;
    if (i > 0 && strcmp(r->items[i - 1].id, r->items[i].id) >= 0)
      return malformed(p, "revoked", "is not sorted by id without repeats");
    r->n = i + 1;
  }
  return TB_LICENSE_OK;
}

/* The signed bytes: canonical, of the format, with sane dates. */
static tb_license_status read_list(const char *bytes, size_t len,
                                   tb_license_revocations *r, tb_problem *p) {
  tb_buf canon;
  tb_buf_init(&canon, TB_LICENSE_MAX_REVOCATIONS);
  bool canonical = tb_json_canonical(bytes, len, &canon) == TB_JSON_OK &&
                   canon.len == len && memcmp(canon.data, bytes, len) == 0;
  tb_buf_free(&canon);
  if (!canonical)
    return malformed(p, "list", "is not canonical json");
  json_error_t err;
  json_t *l = json_loadb(bytes, len, JSON_REJECT_DUPLICATES, &err);
  size_t fl = 0;
  const char *format = member(l, "format", &fl);
  tb_license_status st = TB_LICENSE_OK;
  if (!json_is_object(l) || json_object_size(l) != 4 || !format ||
      strcmp(format, TB_LICENSE_REVOCATIONS_FORMAT) != 0)
    st =
        malformed(p, "list", "is not of format " TB_LICENSE_REVOCATIONS_FORMAT);
  else if (!time_member(l, "this_update", &r->this_update) ||
           !time_member(l, "next_update", &r->next_update) ||
           r->next_update <= r->this_update)
    st = malformed(p, "list", "has no valid this_update and next_update");
  else
    st = read_entries(json_object_get(l, "revoked"), r, p);
  json_decref(l);
  return st;
}

tb_license_status tb_license_revocations_load(const char *text, size_t len,
                                              const tb_license_trust *trust,
                                              int64_t now,
                                              tb_license_revocations **out,
                                              tb_problem *p) {
  *out = NULL;
  if (!text || !trust)
    return malformed(p, NULL, "or the trust list is missing");
  if (len > TB_LICENSE_MAX_REVOCATIONS_FILE)
    return too_large(p);
  json_error_t err;
  json_t *env = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
  const char *list = NULL;
  size_t list_len = 0, sig_len = 0;
  char key_id[TB_LICENSE_KEY_ID_LEN + 1];
  unsigned char sig[MAX_SIGNATURE];
  tb_license_status st =
      env ? read_envelope(env, &list, &list_len, key_id, sig, &sig_len, p)
          : malformed(p, NULL, "is not json");
  if (st == TB_LICENSE_OK)
    st = tb_license_trust_check_platform(trust, TB_LICENSE_SIGNER_REVOCATIONS,
                                         key_id, list, list_len, sig, sig_len,
                                         now, p);
  tb_license_revocations *r = NULL;
  if (st == TB_LICENSE_OK) {
    r = tb_xcalloc(1, sizeof *r);
    r->arena = tb_arena_new();
    st = read_list(list, list_len, r, p);
  }
  json_decref(env);
  if (st != TB_LICENSE_OK) {
    tb_license_revocations_free(r);
    return st;
  }
  *out = r;
  return TB_LICENSE_OK;
}

void tb_license_revocations_free(tb_license_revocations *r) {
  if (!r)
    return;
  free(r->items);
  tb_arena_free(r->arena);
  free(r);
}

/* ------------------------------------------------------------------------
 * Reading a loaded list
 * ---------------------------------------------------------------------- */

int64_t tb_license_revocations_this_update(const tb_license_revocations *r) {
  return r->this_update;
}

int64_t tb_license_revocations_next_update(const tb_license_revocations *r) {
  return r->next_update;
}

size_t tb_license_revocations_count(const tb_license_revocations *r) {
  return r->n;
}

const tb_license_revoked *
tb_license_revocations_find(const tb_license_revocations *r,
                            const char *license_id) {
  if (!r || !license_id || r->n == 0)
    return NULL;
  tb_license_revoked key = {.id = license_id};
  return bsearch(&key, r->items, r->n, sizeof key, by_id);
}

tb_license_revocation tb_license_revocations_check(void *arg,
                                                   const char *license_id,
                                                   char *reason,
                                                   size_t reason_size) {
  const tb_license_revoked *e = tb_license_revocations_find(arg, license_id);
  if (!e)
    return TB_LICENSE_NOT_REVOKED;
  if (reason_size > 0)
    snprintf(reason, reason_size, "%s", e->reason);
  return TB_LICENSE_IS_REVOKED;
}

bool tb_license_revocations_age(const tb_license_revocations *r, int64_t now,
                                int64_t *hours, char *text, size_t size) {
  now = tb_license_now(now);
  int64_t age = now - r->this_update;
  *hours = age > 0 ? age / 3600 : 0;
  char at[TIME_LEN + 1];
  tb_license_time_format(r->this_update, at);
  if (text && size > 0)
    snprintf(text, size, "revocation list of %.10s %.5s UTC, %lld hours old",
             at, at + 11, (long long)*hours);
  return now > r->next_update;
}
