/*
 * api_json.c — JSON request bodies, parsed in exactly one place
 * (api_body_object; the size cap was applied while the body arrived), and
 * the field readers every handler uses. Invalid UTF-8 is refused with the
 * byte offset before jansson sees it; duplicate keys and NUL in strings
 * are refused; unknown fields, wrong types and missing fields each name
 * the field in the problem's errors[].
 */
#include "tb_api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

json_t *api_body_object(api_req *r) {
  if (r->body_len == 0)
    return json_object();
  size_t bad = 0;
  if (!tb_utf8_valid(r->body, r->body_len, &bad)) {
    api_fail(r, 400, "invalid_utf8",
             "the body is not valid UTF-8 (byte %zu); send UTF-8 text", bad);
    return NULL;
  }
  json_error_t e;
  json_t *v = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &e);
  if (!v) {
    api_fail(r, 400, "malformed_json",
             "the body is not valid JSON: %s (line %d, column %d)", e.text,
             e.line, e.column);
    return NULL;
  }
  if (!json_is_object(v)) {
    json_decref(v);
    api_fail(r, 400, "malformed_json", "the body must be a JSON object");
    return NULL;
  }
  return v;
}

json_t *api_json_load(const char *text) {
  json_error_t e;
  json_t *v = json_loads(text ? text : "", 0, &e);
  if (!v)
    fprintf(stderr, "tongban: api: cannot parse the store's JSON: %s\n",
            e.text);
  return v;
}

static void field_name(char *out, size_t cap, const char *prefix,
                       const char *key) {
  if (prefix && *prefix)
    snprintf(out, cap, "%s.%s", prefix, key);
  else
    snprintf(out, cap, "%s", key);
}

bool api_only_fields(api_problem *pb, json_t *obj, const char *prefix,
                     const char *const *allowed) {
  bool ok = true;
  const char *key;
  json_t *value;
  json_object_foreach(obj, key, value) {
    bool known = false;
    for (size_t i = 0; allowed[i]; i++)
      if (strcmp(allowed[i], key) == 0)
        known = true;
    if (!known) {
      char name[128];
      field_name(name, sizeof name, prefix, key);
      api_problem_field(pb, name, "unknown_field", "is not a known field");
      ok = false;
    }
  }
  return ok;
}

bool api_get_string(api_problem *pb, json_t *obj, const char *prefix,
                    const char *key, bool required, size_t max_chars,
                    const char **out) {
  char name[128];
  field_name(name, sizeof name, prefix, key);
  *out = NULL;
  json_t *v = json_object_get(obj, key);
  if (!v || json_is_null(v)) {
    if (required) {
      api_problem_field(pb, name, "missing", "is required");
      return false;
    }
    return true;
  }
  if (!json_is_string(v)) {
    api_problem_field(pb, name, "wrong_type", "must be a string");
    return false;
  }
  const char *s = json_string_value(v);
  if (required && s[0] == '\0') {
    api_problem_field(pb, name, "missing", "must not be empty");
    return false;
  }
  size_t chars = 0; /* jansson's strings are valid UTF-8 */
  tb_utf8_count(s, json_string_length(v), &chars);
  if (max_chars && chars > max_chars) {
    api_problem_field(pb, name, "too_long", "must be at most %zu characters",
                      max_chars);
    return false;
  }
  *out = s;
  return true;
}

bool api_get_int(api_problem *pb, json_t *obj, const char *prefix,
                 const char *key, bool required, long long min, long long max,
                 long long *out) {
  char name[128];
  field_name(name, sizeof name, prefix, key);
  json_t *v = json_object_get(obj, key);
  if (!v || json_is_null(v)) {
    if (required) {
      api_problem_field(pb, name, "missing", "is required");
      return false;
    }
    return true;
  }
  if (!json_is_integer(v)) {
    api_problem_field(pb, name, "wrong_type", "must be an integer");
    return false;
  }
  long long n = json_integer_value(v);
  if (n < min || n > max) {
    api_problem_field(pb, name, "out_of_range", "must be between %lld and %lld",
                      min, max);
    return false;
  }
  *out = n;
  return true;
}

bool api_get_materials(api_problem *pb, json_t *obj, const char *key,
                       bool required, const tb_definition *def,
                       uint64_t *mask) {
  *mask = 0;
  json_t *v = json_object_get(obj, key);
  if (!v || json_is_null(v)) {
    if (required)
      api_problem_field(pb, key, "missing", "is required");
    return !required;
  }
  if (!json_is_array(v)) {
    api_problem_field(pb, key, "wrong_type",
                      "must be an array of material ids");
    return false;
  }
  bool ok = true;
  size_t i;
  json_t *item;
  json_array_foreach(v, i, item) {
    char name[128];
    snprintf(name, sizeof name, "%s[%zu]", key, i);
    if (!json_is_string(item)) {
      api_problem_field(pb, name, "wrong_type", "must be a material id");
      ok = false;
      continue;
    }
    const char *id = json_string_value(item);
    int m = tb_definition_material(def, id, strlen(id));
    if (m < 0) {
      api_problem_field(pb, name, "unknown_material",
                        "'%s' is not a material of %s", id, def->id);
      ok = false;
      continue;
    }
    *mask |= (uint64_t)1 << m;
  }
  if (ok && required && *mask == 0) {
    api_problem_field(pb, key, "missing", "must name at least one material");
    ok = false;
  }
  return ok;
}

json_t *api_json_day(tb_day d) {
  if (d == 0)
    return json_null();
  char buf[11];
  tb_date_format(d, buf);
  return json_string(buf);
}

json_t *api_json_time(int64_t t) {
  if (t == 0)
    return json_null();
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return json_string(buf);
}
