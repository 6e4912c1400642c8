/*
 * api_form.c — the one converter from a form given as JSON to form values:
 * each JSON value becomes the text that tb_value_parse reads (a number
 * written out in full, never with an exponent; a boolean as true/false; a
 * list of choices as "a,b"), is parsed against its field, and lands in a
 * tb_store_form for the store, which parses the same texts again when it
 * checks, stores and later loads the form. Every problem names the field
 * as "form.ID". And back: the stored texts as JSON in their fields' types
 * for every answer that shows a form or branch outputs.
 */
#include "tb_api_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The most digits a form number may have written out in full (the
 * engine's number grammar: no exponent, at most 30 digits). */
#define NUMBER_MAX_DIGITS 30
#define VALUE_MAX 4096 /* bytes of one value's text */

/* The shortest "%.*e" text of x (finite, not zero) that reads back as x. */
static void shortest_scientific(double x, char *buf, size_t cap) {
  for (int prec = 0; prec < 17; prec++) {
    snprintf(buf, cap, "%.*e", prec, x);
    if (strtod(buf, NULL) == x)
      return;
  }
  snprintf(buf, cap, "%.16e", x);
}

bool api_number_text(double x, char *buf, size_t cap) {
  if (cap > 0)
    buf[0] = '\0';
  if (!isfinite(x) || cap < NUMBER_MAX_DIGITS + 4)
    return false;
  if (x == 0) {
    snprintf(buf, cap, "0");
    return true;
  }
  char sci[40], digits[24];
  shortest_scientific(x, sci, sizeof sci); /* "-d.ddde+XX" */
  const char *p = sci + (sci[0] == '-');
  size_t nd = 0;
  for (; *p && *p != 'e' && nd < sizeof digits; p++)
    if (*p != '.')
      digits[nd++] = *p;
  long exp = *p == 'e' ? strtol(p + 1, NULL, 10) : 0;
  while (nd > 1 && digits[nd - 1] == '0')
    nd--;
  /* digits d1 d2 … times 10^(exp - nd + 1), written out in full */
  long total =
      exp >= 0 ? (exp + 1 > (long)nd ? exp + 1 : (long)nd) : (long)nd - exp;
  if (total > NUMBER_MAX_DIGITS)
    return false;
  size_t o = 0;
  if (x < 0)
    buf[o++] = '-';
  if (exp < 0) {
    buf[o++] = '0';
    buf[o++] = '.';
    for (long z = 0; z < -exp - 1; z++)
      buf[o++] = '0';
  }
  for (long i = 0; i < (long)nd || i <= exp; i++) {
    if (exp >= 0 && i == exp + 1)
      buf[o++] = '.';
    buf[o++] = i < (long)nd ? digits[i] : '0';
  }
  buf[o] = '\0';
  return true;
}

/* A JSON string's text, refused when it holds a NUL (\u0000): the text
 * would be cut there. */
static bool string_text(json_t *v, char *buf, size_t cap) {
  size_t n = json_string_length(v);
  if (n >= cap || memchr(json_string_value(v), '\0', n))
    return false;
  memcpy(buf, json_string_value(v), n + 1);
  return true;
}

/* A JSON form value as the text tb_value_parse reads; false for a type
 * that cannot be one. */
static bool value_text(json_t *v, char *buf, size_t cap) {
  if (json_is_string(v))
    return string_text(v, buf, cap);
  if (json_is_integer(v)) {
    snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
    return true;
  }
  if (json_is_real(v)) /* plain decimal: the engine reads no exponent */
    return api_number_text(json_real_value(v), buf, cap);
  if (json_is_boolean(v)) {
    snprintf(buf, cap, "%s", json_is_true(v) ? "true" : "false");
    return true;
  }
  if (json_is_array(v)) {
    tb_buf b;
    tb_buf_init(&b, cap - 1);
    size_t i;
    json_t *item;
    bool ok = true;
    json_array_foreach(v, i, item) {
      char one[VALUE_MAX];
      ok = ok && json_is_string(item) && string_text(item, one, sizeof one) &&
           (i == 0 || tb_buf_adds(&b, ",")) && tb_buf_adds(&b, one);
    }
    if (ok)
      memcpy(buf, tb_buf_str(&b), b.len + 1);
    tb_buf_free(&b);
    return ok;
  }
  return false;
}

/* Whether v's JSON type is one that field f takes. */
static bool type_fits(const tb_field *f, json_t *v) {
  switch (f->type) {
  case TB_FIELD_BOOLEAN:
    return json_is_boolean(v);
  case TB_FIELD_NUMBER:
  case TB_FIELD_MONEY:
    return json_is_number(v) || json_is_string(v);
  case TB_FIELD_CHOICE:
    return f->multiple ? json_is_array(v) : json_is_string(v);
  default: /* text, date, id-number */
    return json_is_string(v);
  }
}

/* One given value: its text, parsed against its field; the text is kept
 * in out (in the arena) when it parses. */
static void read_value(api_problem *pb, tb_arena *a, const tb_field *fd,
                       const char *name, json_t *v, tb_day today,
                       tb_store_form *out) {
  char text[VALUE_MAX];
  bool is_number = fd->type == TB_FIELD_NUMBER || fd->type == TB_FIELD_MONEY;
  if (json_is_real(v) && is_number && !value_text(v, text, sizeof text)) {
    api_problem_field(pb, name, TB_PROBLEM_INVALID_REQUEST,
                      "must have at most %d digits when written out in "
                      "full (no exponent); %g has more",
                      NUMBER_MAX_DIGITS, json_real_value(v));
    return;
  }
  if (!type_fits(fd, v) || !value_text(v, text, sizeof text)) {
    api_problem_field(pb, name, TB_PROBLEM_WRONG_TYPE, "must be a %s%s value",
                      fd->multiple ? "list of " : "",
                      tb_field_type_name(fd->type));
    return;
  }
  tb_value val;
  tb_problem p = {0};
  if (tb_value_parse(fd, text, strlen(text), today, &val, &p) != TB_OK) {
    api_problem_field(pb, name, TB_PROBLEM_INVALID_REQUEST, "%s", p.detail);
    return;
  }
  if (out->n < TB_MAX_FIELDS)
    out->values[out->n++] =
        (tb_store_form_value){.id = fd->id, .text = tb_arena_strdup(a, text)};
}

/* The index of the field called key among fields[0..n), or -1. */
static int field_index(const tb_field *fields, size_t n, const char *key) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(fields[i].id, key) == 0)
      return (int)i;
  return -1;
}

void api_values_read(api_problem *pb, tb_arena *a, const char *prefix,
                     const tb_field *fields, size_t n_fields, const char *of,
                     json_t *values, tb_day today, tb_store_form *out) {
  memset(out, 0, sizeof *out);
  const char *key;
  json_t *v;
  bool seen[TB_MAX_FIELDS] = {false};
  if (n_fields > TB_MAX_FIELDS)
    n_fields = TB_MAX_FIELDS;
  json_object_foreach(values, key, v) {
    char name[128];
    snprintf(name, sizeof name, "%s.%s", prefix, key);
    int f = field_index(fields, n_fields, key);
    if (f < 0) {
      api_problem_field(pb, name, TB_PROBLEM_UNKNOWN_FIELD,
                        "is not a field of %s", of);
      continue;
    }
    seen[f] = !json_is_null(v);
    if (seen[f])
      read_value(pb, a, &fields[f], name, v, today, out);
  }
  for (size_t f = 0; f < n_fields; f++)
    if (fields[f].required && !seen[f]) {
      char name[128];
      snprintf(name, sizeof name, "%s.%s", prefix, fields[f].id);
      api_problem_field(pb, name, TB_PROBLEM_MISSING, "is required (%s)",
                        fields[f].label);
    }
}

void api_form_read(api_problem *pb, tb_arena *a, const tb_definition *def,
                   json_t *form, tb_day today, tb_store_form *out) {
  api_values_read(pb, a, "form", def->fields, def->n_fields, def->id, form,
                  today, out);
}

/* ---- stored texts back to typed JSON ----------------------------------- */

/* A parsed value as JSON in its field's type: a number as a JSON number
 * (an integer when it is whole and exact in a double), money as "12.50",
 * a date as "YYYY-MM-DD", a boolean, a multiple choice as a list of the
 * chosen values in the definition's order; text, id-numbers and single
 * choices as strings. */
static json_t *typed_of(const tb_field *f, const tb_value *v, json_t *text) {
  char buf[40];
  switch (f->type) {
  case TB_FIELD_NUMBER:
    if (v->number == floor(v->number) && fabs(v->number) <= 9007199254740992.0)
      return json_integer((json_int_t)v->number);
    return json_real(v->number);
  case TB_FIELD_MONEY: {
    uint64_t m = v->money < 0 ? 0 - (uint64_t)v->money : (uint64_t)v->money;
    snprintf(buf, sizeof buf, "%s%llu.%02llu", v->money < 0 ? "-" : "",
             (unsigned long long)(m / 100), (unsigned long long)(m % 100));
    return json_string(buf);
  }
  case TB_FIELD_DATE:
    tb_date_format(v->date, buf);
    return json_string(buf);
  case TB_FIELD_BOOLEAN:
    return json_boolean(v->boolean);
  case TB_FIELD_CHOICE:
    if (f->multiple) {
      json_t *arr = json_array();
      for (size_t i = 0; i < f->n_choices && i < TB_MAX_CHOICES; i++)
        if (v->choices & ((uint64_t)1 << i))
          json_array_append_new(arr, json_string(f->choices[i].value));
      return arr;
    }
    return json_incref(text);
  default: /* text, id-number */
    return json_incref(text);
  }
}

/* One stored value (the text the form was checked as) in its type; a
 * value that is not a text, or no longer parses, is kept as stored. */
static json_t *typed_value(const tb_field *f, json_t *stored) {
  if (!f || !json_is_string(stored))
    return json_incref(stored);
  tb_value v;
  tb_problem p = {0};
  if (tb_value_parse(f, json_string_value(stored), json_string_length(stored),
                     0, &v, &p) != TB_OK ||
      !v.present)
    return json_incref(stored);
  return typed_of(f, &v, stored);
}

json_t *api_values_typed(const tb_definition *def, json_t *stored) {
  if (!json_is_object(stored))
    return json_incref(stored);
  json_t *out = json_object();
  const char *key;
  json_t *v;
  json_object_foreach(stored, key, v) {
    int i = tb_definition_field(def, key, strlen(key));
    const tb_field *f =
        i >= 0 ? &def->fields[i] : tb_definition_output(def, key, NULL, NULL);
    json_object_set_new(out, key, typed_value(f, v));
  }
  return out;
}
