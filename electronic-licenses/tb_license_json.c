/*
 * tb_license_json.c — the license as canonical JSON: checking a license,
 * writing its canonical bytes (the members as JSON text, made canonical by
 * the utility layer's RFC 8785 canonicalizer, the one the audit chain
 * uses too), and parsing them back with jansson, accepting only bytes that
 * re-encode to themselves.
 */
#include "tb_license_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STRING 4096 /* bytes of one string value */
#define MAX_CODE 32     /* bytes of a bureau code */
#define LICENSE_ID_PREFIX "1.2.156.3005.2."
#define LONG_TERM "long-term"

/* ------------------------------------------------------------------------
 * Checking
 * ---------------------------------------------------------------------- */

/* A string of 1..MAX_STRING bytes (0.. when may_be_empty) of valid UTF-8
 * with no control characters (tab and newline allowed when multiline). */
static tb_license_status check_text(const char *s, const char *field,
                                    bool may_be_empty, bool multiline,
                                    tb_problem *p) {
  if (!s) {
    tb_problem_set(p, TB_ERR_INVALID, field, "%s is missing", field);
    return TB_LICENSE_ERR_INVALID;
  }
  size_t len = strnlen(s, MAX_STRING + 1);
  if (len > MAX_STRING) {
    tb_problem_set(p, TB_ERR_LIMIT, field, "%s is longer than %d bytes", field,
                   MAX_STRING);
    return TB_LICENSE_ERR_LIMIT;
  }
  if (len == 0 && !may_be_empty) {
    tb_problem_set(p, TB_ERR_INVALID, field, "%s is empty", field);
    return TB_LICENSE_ERR_INVALID;
  }
  if (!tb_utf8_valid(s, len, NULL)) {
    tb_problem_set(p, TB_ERR_INVALID, field, "%s is not valid utf-8", field);
    return TB_LICENSE_ERR_INVALID;
  }
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    bool allowed = multiline && (c == '\t' || c == '\n');
    if ((c < 0x20 || c == 0x7F) && !allowed) {
      tb_problem_set(p, TB_ERR_INVALID, field,
                     "%s contains a control character", field);
      return TB_LICENSE_ERR_INVALID;
    }
  }
  return TB_LICENSE_OK;
}

static tb_license_status invalid(tb_problem *p, const char *field,
                                 const char *what) {
  tb_problem_set(p, TB_ERR_INVALID, field, "%s", what);
  return TB_LICENSE_ERR_INVALID;
}

static bool code_ok(const char *s) {
  size_t len = strnlen(s, MAX_CODE + 1);
  if (len == 0 || len > MAX_CODE)
    return false;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  }
  return true;
}

/* The id must be made of this license's type code and issuer. */
static tb_license_status check_id(const tb_license *lic, tb_problem *p) {
  tb_problem ignored;
  if (tb_id_check_license_id(lic->id, strlen(lic->id), &ignored) != TB_OK)
    return invalid(p, "id", "id is not a valid license identifier");
  size_t prefix = sizeof LICENSE_ID_PREFIX - 1;
  size_t type_len = strlen(lic->type_code);
  size_t credit_len = strlen(lic->issuer_credit_code);
  const char *s = lic->id + prefix;
  if (strncmp(s, lic->type_code, type_len) != 0 || s[type_len] != '.' ||
      strncmp(s + type_len + 1, lic->issuer_credit_code, credit_len) != 0 ||
      s[type_len + 1 + credit_len] != '.')
    return invalid(p, "id",
                   "id does not carry the license's type code and issuer");
  return TB_LICENSE_OK;
}

static tb_license_status check_numbers(const tb_license *lic, tb_problem *p) {
  tb_problem ignored;
  size_t len = strlen(lic->holder_number);
  if (tb_id_check_citizen(lic->holder_number, len, 0, &ignored) != TB_OK &&
      tb_id_check_credit_code(lic->holder_number, len, &ignored) != TB_OK)
    return invalid(p, "holder.number",
                   "holder.number is neither a citizen id nor a credit code");
  if (tb_id_check_credit_code(lic->issuer_credit_code,
                              strlen(lic->issuer_credit_code),
                              &ignored) != TB_OK)
    return invalid(p, "issuer.credit_code",
                   "issuer.credit_code is not a valid credit code");
  if (!code_ok(lic->issuer_code))
    return invalid(p, "issuer.code",
                   "issuer.code is 1 to 32 letters, digits, '_' or '-'");
  if (tb_id_check_app_number(lic->application, strlen(lic->application),
                             &ignored) != TB_OK)
    return invalid(p, "application",
                   "application is not a valid application number");
  return check_id(lic, p);
}

static bool day_ok(tb_day d) {
  int y, m, dd;
  tb_date_to_ymd(d, &y, &m, &dd);
  tb_day back;
  return tb_date_from_ymd(y, m, dd, &back) == TB_OK && back == d;
}

static tb_license_status check_dates(const tb_license *lic, tb_problem *p) {
  if (!day_ok(lic->issued))
    return invalid(p, "issued", "issued is not a date from 1900 to 2199");
  if (!day_ok(lic->valid_from))
    return invalid(p, "valid_from",
                   "valid_from is not a date from 1900 to 2199");
  if (lic->valid_until != TB_LICENSE_LONG_TERM) {
    if (!day_ok(lic->valid_until))
      return invalid(p, "valid_until",
                     "valid_until is not a date from 1900 to 2199");
    if (lic->valid_until < lic->valid_from)
      return invalid(p, "valid_until", "valid_until is before valid_from");
  }
  return TB_LICENSE_OK;
}

static tb_license_status check_items(const tb_license *lic, tb_problem *p) {
  if (lic->n_items > TB_LICENSE_MAX_ITEMS) {
    tb_problem_set(p, TB_ERR_LIMIT, "data", "a license has at most %d items",
                   TB_LICENSE_MAX_ITEMS);
    return TB_LICENSE_ERR_LIMIT;
  }
  if (lic->n_items && !lic->items)
    return invalid(p, "data", "data is missing");
  for (size_t i = 0; i < lic->n_items; i++) {
    tb_license_status st =
        check_text(lic->items[i].key, "data.key", false, false, p);
    if (st == TB_LICENSE_OK)
      st = check_text(lic->items[i].value, "data.value", true, true, p);
    if (st != TB_LICENSE_OK)
      return st;
  }
  return TB_LICENSE_OK;
}

tb_license_status tb_license_check(const tb_license *lic, tb_problem *p) {
  if (!lic)
    return invalid(p, NULL, "no license");
  struct {
    const char *s;
    const char *field;
  } texts[] = {
      {lic->id, "id"},
      {lic->type_code, "type.code"},
      {lic->type_name, "type.name"},
      {lic->holder_name, "holder.name"},
      {lic->holder_number, "holder.number"},
      {lic->issuer_code, "issuer.code"},
      {lic->issuer_name, "issuer.name"},
      {lic->issuer_credit_code, "issuer.credit_code"},
      {lic->application, "application"},
  };
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    tb_license_status st =
        check_text(texts[i].s, texts[i].field, false, false, p);
    if (st != TB_LICENSE_OK)
      return st;
  }
  tb_license_status st = check_numbers(lic, p);
  if (st == TB_LICENSE_OK)
    st = check_dates(lic, p);
  if (st == TB_LICENSE_OK)
    st = check_items(lic, p);
  return st;
}

/* ------------------------------------------------------------------------
 * Writing
 * ---------------------------------------------------------------------- */

/* A string value (checked: valid UTF-8). */
static void put_string(tb_buf *b, const char *s) {
  tb_json_put_string(b, s, strlen(s));
}

/* ,"key":"value" — keys are ASCII and need no escapes. */
static void put_member(tb_buf *b, const char *key, const char *value) {
  tb_buf_addf(b, ",\"%s\":", key);
  put_string(b, value);
}

static void put_date(tb_buf *b, const char *key, tb_day d) {
  char buf[11];
  if (d == TB_LICENSE_LONG_TERM) {
    put_member(b, key, LONG_TERM);
    return;
  }
  tb_date_format(d, buf);
  put_member(b, key, buf);
}

static void put_items(tb_buf *b, const tb_license *lic) {
  tb_buf_adds(b, ",\"data\":[");
  for (size_t i = 0; i < lic->n_items; i++) {
    tb_buf_adds(b, i ? ",[" : "[");
    put_string(b, lic->items[i].key);
    tb_buf_add(b, ",", 1);
    put_string(b, lic->items[i].value);
    tb_buf_add(b, "]", 1);
  }
  tb_buf_add(b, "]", 1);
}

/* The license as JSON text, members in any order: tb_json_canonical
 * makes the canonical bytes of it. */
static void put_license(tb_buf *b, const tb_license *lic) {
  tb_buf_adds(b, "{\"id\":");
  put_string(b, lic->id);
  tb_buf_adds(b, ",\"type\":{\"code\":");
  put_string(b, lic->type_code);
  put_member(b, "name", lic->type_name);
  tb_buf_adds(b, "},\"holder\":{\"name\":");
  put_string(b, lic->holder_name);
  put_member(b, "number", lic->holder_number);
  tb_buf_adds(b, "},\"issuer\":{\"code\":");
  put_string(b, lic->issuer_code);
  put_member(b, "credit_code", lic->issuer_credit_code);
  put_member(b, "name", lic->issuer_name);
  tb_buf_add(b, "}", 1);
  put_member(b, "application", lic->application);
  put_date(b, "issued", lic->issued);
  put_date(b, "valid_from", lic->valid_from);
  put_date(b, "valid_until", lic->valid_until);
  put_items(b, lic);
  tb_buf_add(b, "}", 1);
}

tb_license_status tb_license_canonical(const tb_license *lic, char **out,
                                       size_t *len, tb_problem *p) {
  *out = NULL;
  *len = 0;
  tb_license_status st = tb_license_check(lic, p);
  if (st != TB_LICENSE_OK)
    return st;
  tb_buf text, canon;
  tb_buf_init(&text, TB_LICENSE_MAX_JSON);
  tb_buf_init(&canon, TB_LICENSE_MAX_JSON);
  put_license(&text, lic);
  tb_json_status js = text.overflow
                          ? TB_JSON_TOO_LARGE
                          : tb_json_canonical(text.data, text.len, &canon);
  tb_buf_free(&text);
  *out = js == TB_JSON_OK ? tb_buf_take(&canon, len) : NULL;
  tb_buf_free(&canon);
  if (js == TB_JSON_TOO_LARGE) {
    tb_problem_set(p, TB_ERR_LIMIT, NULL, "the license is longer than %d bytes",
                   TB_LICENSE_MAX_JSON);
    return TB_LICENSE_ERR_LIMIT;
  }
  if (!*out) /* the checked strings make valid JSON: not reached */
    return invalid(p, NULL, "the license cannot be written as json");
  return TB_LICENSE_OK;
}

/* ------------------------------------------------------------------------
 * Parsing
 * ---------------------------------------------------------------------- */

/* A string member of obj copied into the arena; NULL if absent or not a
 * string. */
static const char *get_string(tb_arena *a, json_t *obj, const char *key) {
  json_t *v = json_object_get(obj, key);
  if (!json_is_string(v))
    return NULL;
  return tb_arena_strndup(a, json_string_value(v), json_string_length(v));
}

static bool get_date(tb_arena *a, json_t *obj, const char *key, tb_day *out) {
  const char *s = get_string(a, obj, key);
  if (!s)
    return false;
  if (strcmp(key, "valid_until") == 0 && strcmp(s, LONG_TERM) == 0) {
    *out = TB_LICENSE_LONG_TERM;
    return true;
  }
  return tb_date_parse(s, strlen(s), out) == TB_OK;
}

static bool get_items(tb_arena *a, json_t *root, tb_license *lic) {
  json_t *data = json_object_get(root, "data");
  if (!json_is_array(data) || json_array_size(data) > TB_LICENSE_MAX_ITEMS)
    return false;
  size_t n = json_array_size(data);
  tb_license_item *items = tb_arena_alloc(a, (n ? n : 1) * sizeof *items);
  for (size_t i = 0; i < n; i++) {
    json_t *pair = json_array_get(data, i);
    json_t *k = json_array_get(pair, 0), *v = json_array_get(pair, 1);
    if (!json_is_array(pair) || json_array_size(pair) != 2 ||
        !json_is_string(k) || !json_is_string(v))
      return false;
    items[i].key =
        tb_arena_strndup(a, json_string_value(k), json_string_length(k));
    items[i].value =
        tb_arena_strndup(a, json_string_value(v), json_string_length(v));
  }
  lic->items = items;
  lic->n_items = n;
  return true;
}

static bool get_license(tb_arena *a, json_t *root, tb_license *lic) {
  json_t *holder = json_object_get(root, "holder");
  json_t *issuer = json_object_get(root, "issuer");
  json_t *type = json_object_get(root, "type");
  if (!json_is_object(root) || !json_is_object(holder) ||
      !json_is_object(issuer) || !json_is_object(type))
    return false;
  lic->application = get_string(a, root, "application");
  lic->id = get_string(a, root, "id");
  lic->holder_name = get_string(a, holder, "name");
  lic->holder_number = get_string(a, holder, "number");
  lic->issuer_code = get_string(a, issuer, "code");
  lic->issuer_credit_code = get_string(a, issuer, "credit_code");
  lic->issuer_name = get_string(a, issuer, "name");
  lic->type_code = get_string(a, type, "code");
  lic->type_name = get_string(a, type, "name");
  return get_date(a, root, "issued", &lic->issued) &&
         get_date(a, root, "valid_from", &lic->valid_from) &&
         get_date(a, root, "valid_until", &lic->valid_until) &&
         get_items(a, root, lic);
}

tb_license_status tb_license_parse(const char *json, size_t len,
                                   tb_arena *arena, tb_license *lic,
                                   tb_problem *p) {
  memset(lic, 0, sizeof *lic);
  if (len > TB_LICENSE_MAX_JSON)
    return invalid(p, NULL, "the license is too long");
  json_error_t err;
  json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
  if (!root)
    return invalid(p, NULL, "the license is not valid json");
  bool ok = get_license(arena, root, lic);
  json_decref(root);
  if (!ok)
    return invalid(p, NULL, "the license lacks a member or has a wrong type");
  char *again = NULL;
  size_t again_len = 0;
  tb_license_status st = tb_license_canonical(lic, &again, &again_len, p);
  if (st != TB_LICENSE_OK)
    return st;
  ok = again_len == len && memcmp(again, json, len) == 0;
  free(again);
  if (!ok)
    return invalid(p, NULL, "the license is not in canonical form");
  return TB_LICENSE_OK;
}
