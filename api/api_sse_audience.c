/*
 * api_sse_audience.c — who sees a change event of the live stream: the
 * payload read once (jansson), the data an inspector or officer gets, the
 * clerk's narrower data, and the officers' bureaus. Declared in
 * api_sse_audience.h, which states the rules.
 */
#include "api_sse_audience.h"

#include "tb_engine.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_BUREAUS 64 /* codes taken from one event's "bureaus" */

/* The window's and the applicant's own actions: the clerk sees them. */
static const char *const WINDOW_ACTIONS[] = {"submit",
                                             "accept",
                                             "refuse",
                                             "request_supplement",
                                             "supplement",
                                             "close_notice",
                                             "material_attached",
                                             "withdraw",
                                             "suspend",
                                             "resume",
                                             "deliver",
                                             "rate"};
/* A bureau's or the clock's outcome: the clerk sees it once the
 * application is out of review (a decision to deliver, a return to the
 * applicant, a termination), not while the bureaus are still at work. */
static const char *const OUTCOME_ACTIONS[] = {"approve",
                                              "deny",
                                              "return",
                                              "timer",
                                              "commitment_false",
                                              "revoke_license",
                                              "deadline_recomputed"};

static bool listed(const char *const *list, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(list[i], s) == 0)
      return true;
  return false;
}

/* [A-Z][A-Z0-9]{0,15}: a bureau code (workflows/workflow.xsd). */
static bool bureau_code(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 16 || s[0] < 'A' || s[0] > 'Z')
    return false;
  for (size_t i = 1; i < n; i++)
    if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
      return false;
  return true;
}

static const char *member(json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

static bool for_window(json_t *o) {
  const char *action = member(o, "action");
  const char *status = member(o, "status");
  if (!action)
    return false;
  if (listed(WINDOW_ACTIONS, COUNT(WINDOW_ACTIONS), action))
    return true;
  return listed(OUTCOME_ACTIONS, COUNT(OUTCOME_ACTIONS), action) && status &&
         strcmp(status, "in_review") != 0;
}

/* The clerk's data: the five members a window needs, nothing else. */
static char *window_data(json_t *o) {
  static const char *const keep[] = {"number", "seq", "action", "status",
                                     "warning"};
  json_t *w = json_object();
  for (size_t i = 0; i < COUNT(keep); i++) {
    json_t *v = json_object_get(o, keep[i]);
    if (json_is_string(v) || json_is_integer(v))
      json_object_set(w, keep[i], v);
  }
  char *text = json_dumps(w, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(w);
  return text;
}

/* Whether an event that names a bureau of its own (a finding, an urge:
 * "bureau", null for the window) is for the officers of code. */
static bool own_bureau_allows(json_t *o, const char *code) {
  json_t *own = json_object_get(o, "bureau");
  return !own ||
         (json_is_string(own) && strcmp(json_string_value(own), code) == 0);
}

/* ",A,B,": the officers' bureaus (NULL: none): the application's, or of
 * an event that names a bureau, that one if the application has it. */
static char *officer_bureaus(json_t *o, json_t *bureaus) {
  tb_buf b;
  tb_buf_init(&b, (16 + 1) * MAX_BUREAUS + 1);
  tb_buf_add(&b, ",", 1);
  size_t i, n = 0;
  json_t *v;
  json_array_foreach(bureaus, i, v) {
    const char *code = json_string_value(v);
    if (n == MAX_BUREAUS || !code || !bureau_code(code) ||
        !own_bureau_allows(o, code))
      continue;
    tb_buf_addf(&b, "%s,", code);
    n++;
  }
  char *out = n ? tb_buf_take(&b, NULL) : NULL;
  tb_buf_free(&b);
  return out;
}

bool api_sse_audience_read(const char *payload, api_sse_audience *out) {
  memset(out, 0, sizeof *out);
  json_error_t e;
  json_t *o = json_loads(payload ? payload : "", JSON_REJECT_DUPLICATES, &e);
  if (!json_is_object(o) || !member(o, "number")) {
    json_decref(o);
    return false;
  }
  json_t *bureaus = json_incref(json_object_get(o, "bureaus"));
  json_object_del(o, "bureaus");
  out->data = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
  out->window = for_window(o) ? window_data(o) : NULL;
  out->bureaus = json_is_array(bureaus) ? officer_bureaus(o, bureaus) : NULL;
  json_decref(bureaus);
  json_decref(o);
  return true;
}

void api_sse_audience_free(api_sse_audience *a) {
  free(a->data);
  free(a->window);
  free(a->bureaus);
  memset(a, 0, sizeof *a);
}

bool api_sse_audience_officer(const api_sse_audience *a, const char *bureau) {
  if (!a->bureaus || !bureau || !bureau_code(bureau))
    return false;
  size_t n = strlen(bureau);
  for (const char *p = strstr(a->bureaus, bureau); p; p = strstr(p + 1, bureau))
    if (p[-1] == ',' && p[n] == ',')
      return true;
  return false;
}
