/*
 * api_json.c — JSON request bodies, parsed in exactly one place
 * (api_body_object; the size cap was applied while the body arrived), and
 * read in one place: api_fields_parse, driven by the field table each
 * handler declares (name, type, required, bounds, output). Invalid UTF-8
 * is refused with the byte offset before jansson sees it; duplicate keys
 * and NUL in strings are refused; unknown fields, wrong types, missing
 * fields and values out of bounds each name the field in errors[].
 */
#include "tb_api_int.h"
#include "tb_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

json_t *api_body_object(api_req *r) {
  if (r->body_len == 0)
    return json_object();
  size_t bad = 0;
  if (!tb_utf8_valid(r->body, r->body_len, &bad)) {
    api_fail(r, TB_PROBLEM_INVALID_UTF8,
             "the body is not valid UTF-8 (byte %zu); send UTF-8 text", bad);
    return NULL;
  }
  json_error_t e;
  json_t *v = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &e);
  if (!v) {
    api_fail(r, TB_PROBLEM_MALFORMED_JSON,
             "the body is not valid JSON: %s (line %d, column %d)", e.text,
             e.line, e.column);
    return NULL;
  }
  if (!json_is_object(v)) {
    json_decref(v);
    api_fail(r, TB_PROBLEM_MALFORMED_JSON, "the body must be a JSON object");
    return NULL;
  }
  return v;
}

json_t *api_json_load(const char *text) {
  json_error_t e;
  json_t *v = json_loads(text ? text : "", 0, &e);
  if (!v)
    tb_log_kv(TB_LOG_ERROR, "api", "cannot parse the store's JSON",
              TB_LOG_S("error", e.text), TB_LOG_I("line", e.line),
              TB_LOG_I("column", e.column));
  return v;
}

static void field_name(char *out, size_t cap, const char *prefix,
                       const char *key) {
  if (prefix && *prefix)
    snprintf(out, cap, "%s.%s", prefix, key);
  else
    snprintf(out, cap, "%s", key);
}

/* A problem naming the field; marks it bad. */
static void field_problem(api_problem *pb, api_field *f, const char *name,
                          tb_problem_code code, const char *detail) {
  api_problem_field(pb, name, code, "%s", detail);
  f->bad = true;
}

/* Every key of obj is a row of spec, or an unknown_field problem. */
static bool known_fields(api_problem *pb, json_t *obj, const char *prefix,
                         const api_field *spec) {
  bool ok = true;
  const char *key;
  json_t *value;
  json_object_foreach(obj, key, value) {
    bool known = false;
    for (const api_field *f = spec; f->name && !known; f++)
      known = strcmp(f->name, key) == 0;
    if (!known) {
      char name[128];
      field_name(name, sizeof name, prefix, key);
      api_problem_field(pb, name, TB_PROBLEM_UNKNOWN_FIELD,
                        "is not a known field");
      ok = false;
    }
  }
  return ok;
}

/* Whether a present value counts as not given for a required row: text
 * that is empty or only white space (a reason of spaces tells nobody
 * anything), or no material. Adds the "missing" problem then. */
static bool empty_value(api_problem *pb, api_field *f, const char *name) {
  bool text = f->type == API_FIELD_STRING || f->type == API_FIELD_CHOICE;
  if (text && json_is_string(f->value) &&
      tb_utf8_blank(json_string_value(f->value),
                    json_string_length(f->value))) {
    field_problem(pb, f, name, TB_PROBLEM_MISSING, "must not be empty");
    return true;
  }
  if (f->type == API_FIELD_MATERIALS && json_is_array(f->value) &&
      json_array_size(f->value) == 0) {
    field_problem(pb, f, name, TB_PROBLEM_MISSING,
                  "must name at least one material");
    return true;
  }
  return false;
}

/* "must be a, b or c" */
static void choice_list(char *out, size_t cap, const char *const *choices) {
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; choices[i] && used < cap; i++) {
    const char *sep = i == 0 ? "must be " : choices[i + 1] ? ", " : " or ";
    int n = snprintf(out + used, cap - used, "%s%s", sep, choices[i]);
    if (n < 0)
      return;
    used += (size_t)n;
  }
}

static void read_string(api_problem *pb, api_field *f, const char *name) {
  if (!json_is_string(f->value)) {
    field_problem(pb, f, name, TB_PROBLEM_WRONG_TYPE, "must be a string");
    return;
  }
  const char *s = json_string_value(f->value);
  if ((f->flags & API_REQUIRED) && empty_value(pb, f, name))
    return;
  size_t chars = 0; /* jansson's strings are valid UTF-8 */
  tb_utf8_count(s, json_string_length(f->value), &chars);
  if (f->max_chars && chars > f->max_chars) {
    char detail[80];
    snprintf(detail, sizeof detail, "must be at most %zu characters",
             f->max_chars);
    field_problem(pb, f, name, TB_PROBLEM_TOO_LONG, detail);
    return;
  }
  if (f->out.string)
    *f->out.string = s;
}

static void read_choice(api_problem *pb, api_field *f, const char *name) {
  if (!json_is_string(f->value)) {
    field_problem(pb, f, name, TB_PROBLEM_WRONG_TYPE, "must be a string");
    return;
  }
  if ((f->flags & API_REQUIRED) && empty_value(pb, f, name))
    return;
  const char *s = json_string_value(f->value);
  for (int i = 0; f->choices[i]; i++)
    if (strcmp(f->choices[i], s) == 0) {
      if (f->out.choice)
        *f->out.choice = i;
      return;
    }
  char detail[200];
  choice_list(detail, sizeof detail, f->choices);
  field_problem(pb, f, name, TB_PROBLEM_INVALID_REQUEST, detail);
}

static void read_int(api_problem *pb, api_field *f, const char *name) {
  if (!json_is_integer(f->value)) {
    field_problem(pb, f, name, TB_PROBLEM_WRONG_TYPE, "must be an integer");
    return;
  }
  long long n = json_integer_value(f->value);
  if (n < f->min || n > f->max) {
    char detail[100];
    snprintf(detail, sizeof detail, "must be between %lld and %lld", f->min,
             f->max);
    field_problem(pb, f, name, TB_PROBLEM_OUT_OF_RANGE, detail);
    return;
  }
  if (f->out.integer)
    *f->out.integer = n;
}

static void read_materials(api_problem *pb, api_field *f, const char *name) {
  if (!json_is_array(f->value)) {
    field_problem(pb, f, name, TB_PROBLEM_WRONG_TYPE,
                  "must be an array of material ids");
    return;
  }
  uint64_t mask = 0;
  size_t i;
  json_t *item;
  json_array_foreach(f->value, i, item) {
    char at[160];
    snprintf(at, sizeof at, "%s[%zu]", name, i);
    if (!json_is_string(item)) {
      field_problem(pb, f, at, TB_PROBLEM_WRONG_TYPE, "must be a material id");
      continue;
    }
    const char *id = json_string_value(item);
    int m = tb_definition_material(f->def, id, strlen(id));
    if (m < 0) {
      api_problem_field(pb, at, TB_PROBLEM_UNKNOWN_MATERIAL,
                        "'%s' is not a material of %s", id, f->def->id);
      f->bad = true;
      continue;
    }
    mask |= (uint64_t)1 << m;
  }
  if (f->bad || ((f->flags & API_REQUIRED) && empty_value(pb, f, name)))
    return;
  if (f->out.mask)
    *f->out.mask = mask;
}

static void read_object(api_problem *pb, api_field *f, const char *name) {
  if (!json_is_object(f->value)) {
    field_problem(pb, f, name, TB_PROBLEM_WRONG_TYPE, "must be an object");
    return;
  }
  if (f->fields && !api_fields_parse(pb, f->value, name, f->fields)) {
    f->bad = true;
    return;
  }
  if (f->out.json)
    *f->out.json = f->value;
}

static void read_array(api_problem *pb, api_field *f, const char *name) {
  if (!json_is_array(f->value)) {
    char detail[120];
    snprintf(detail, sizeof detail, "must be %s",
             f->what ? f->what : "an array");
    field_problem(pb, f, name, TB_PROBLEM_WRONG_TYPE, detail);
    return;
  }
  if (f->out.json)
    *f->out.json = f->value;
}

static void read_boolean(api_problem *pb, api_field *f, const char *name) {
  if (!json_is_boolean(f->value)) {
    field_problem(pb, f, name, TB_PROBLEM_WRONG_TYPE, "must be true or false");
    return;
  }
  if (f->out.boolean)
    *f->out.boolean = json_is_true(f->value);
}

/* One row: its value, then the reader of its type. */
static void read_field(api_problem *pb, json_t *obj, const char *prefix,
                       api_field *f) {
  char name[128];
  field_name(name, sizeof name, prefix, f->name);
  f->bad = false;
  f->value = json_object_get(obj, f->name);
  if (json_is_null(f->value))
    f->value = NULL;
  if (!f->value) {
    if (f->flags & API_REQUIRED)
      field_problem(pb, f, name, TB_PROBLEM_MISSING, "is required");
    return;
  }
  switch (f->type) {
  case API_FIELD_STRING:
    read_string(pb, f, name);
    break;
  case API_FIELD_CHOICE:
    read_choice(pb, f, name);
    break;
  case API_FIELD_INT:
    read_int(pb, f, name);
    break;
  case API_FIELD_MATERIALS:
    read_materials(pb, f, name);
    break;
  case API_FIELD_OBJECT:
    read_object(pb, f, name);
    break;
  case API_FIELD_ARRAY:
    read_array(pb, f, name);
    break;
  case API_FIELD_BOOLEAN:
    read_boolean(pb, f, name);
    break;
  }
}

bool api_fields_parse(api_problem *pb, json_t *obj, const char *prefix,
                      api_field *spec) {
  bool ok = known_fields(pb, obj, prefix, spec);
  for (api_field *f = spec; f->name; f++) {
    read_field(pb, obj, prefix, f);
    ok = ok && !f->bad;
  }
  return ok;
}

void api_field_require(api_problem *pb, api_field *f) {
  if (f->bad)
    return;
  if (!f->value)
    field_problem(pb, f, f->name, TB_PROBLEM_MISSING, "is required");
  else
    empty_value(pb, f, f->name);
}

void api_field_problem(api_problem *pb, const char *prefix, api_field *f,
                       tb_problem_code code, const char *fmt, ...) {
  char name[128], detail[300];
  field_name(name, sizeof name, prefix, f->name);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  field_problem(pb, f, name, code, detail);
}

json_t *api_fields_payload(const api_field *spec) {
  json_t *payload = json_object();
  for (const api_field *f = spec; f->name; f++)
    if (!(f->flags & API_SECRET))
      json_object_set_new(payload, f->name,
                          f->value ? json_incref(f->value) : json_null());
  return payload;
}

/* One JSON value as a note; false for a type a note cannot hold. */
static bool note_of(tb_arena *a, const char *name, json_t *v,
                    tb_store_note *n) {
  *n = (tb_store_note){.name = tb_arena_strdup(a, name)};
  if (json_is_null(v)) {
    n->kind = TB_STORE_NOTE_NULL;
  } else if (json_is_string(v)) {
    n->kind = TB_STORE_NOTE_TEXT;
    n->text = tb_arena_strdup(a, json_string_value(v));
  } else if (json_is_integer(v)) {
    n->kind = TB_STORE_NOTE_INTEGER;
    n->integer = json_integer_value(v);
  } else if (json_is_boolean(v)) {
    n->kind = TB_STORE_NOTE_BOOLEAN;
    n->integer = json_is_true(v);
  } else if (json_is_array(v)) {
    size_t count = json_array_size(v);
    const char **texts = tb_arena_alloc(a, (count ? count : 1) * sizeof *texts);
    for (size_t i = 0; i < count; i++) {
      const char *t = json_string_value(json_array_get(v, i));
      if (!t)
        return false;
      texts[i] = tb_arena_strdup(a, t);
    }
    n->kind = TB_STORE_NOTE_TEXTS;
    n->texts = texts;
    n->n_texts = count;
  } else {
    return false;
  }
  return true;
}

void api_notes_of(tb_arena *a, json_t *payload, tb_store_notes *out) {
  out->n = 0;
  const char *key;
  json_t *v;
  json_object_foreach(payload, key, v) {
    if (out->n == TB_STORE_MAX_NOTES) /* no field table has as many */
      return;
    if (note_of(a, key, v, &out->items[out->n]))
      out->n++;
  }
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
