/*
 * api_track.c — public tracking: GET /api/v1/track/{number}?code=.
 *
 * No account: the tracking code printed on the receipt is the key. A
 * wrong code, a missing code, a malformed number and an unknown number
 * all get the very same 404 body, and every such miss counts against the
 * client's address (429 with Retry-After after too many). The answer
 * shows the steps, bureaus, dates, deadline and state; the applicant's
 * name is masked (first character and asterisks) and no ID number or
 * staff name is shown. Issued licenses are listed with their QR payload
 * and whether they are revoked; while the application waits for a
 * supplement, the merged one-time notice is shown in full (every item,
 * each returning bureau's name and comment). Tolerated materials (容缺)
 * still owed are listed with their due days ("owed"): an application
 * every bureau approved waits for them in awaiting_materials, and its
 * licenses are signed when the last one is supplied.
 *
 * The same code lets the applicant rate the service (POST …/rating with
 * "code") and fetch the license images (?code=): their misses count
 * against the same per-client limit.
 *
 * A read is one statement (tb_store_tracking_read: the code's digest is
 * compared in its WHERE clause); the guess limit is checked in process
 * memory (api_throttle.c), so a hit from a client that is not throttled
 * makes no other round trip, and a miss one more (its record). The view
 * read is kept in the server's tracking cache (api_caches.h) until the
 * application changes on any node; a read of a cached view compares the
 * code's digest with the one it was read with, so the code and the
 * guess limit apply to every read, and a wrong code is never answered
 * from the cache.
 *
 * The timeline is the public one (the store leaves out claims and other
 * internal steps); a refused or denied application carries its decision
 * with the reason, legal basis and the applicant's rights
 * (api_decision.c; its read costs one more statement, the bureau list's
 * version check, and only for such an application).
 */
#include "api_caches.h"
#include "tb_api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW (15 * 60)
#define SOFT 20
#define LOCK 60

json_t *api_masked_name(const char *name) {
  char out[256];
  const char *p = name ? name : "";
  size_t len = strlen(p), chars = 0;
  size_t first = tb_utf8_decode(p, len, NULL); /* 0: nothing shown */
  memcpy(out, p, first);
  size_t n = first;
  if (!tb_utf8_count(p + first, len - first, &chars))
    chars = len - first; /* not text: a star a byte */
  if (chars == 0)
    chars = 1;
  for (size_t i = 0; i < chars && n + 1 < sizeof out; i++)
    out[n++] = '*';
  out[n] = '\0';
  return json_string(out);
}

static json_t *steps(const tb_definition *def, const tb_app_state *st) {
  json_t *arr = json_array();
  for (size_t b = 0; b < st->n_branches && b < def->n_branches; b++) {
    const tb_branch_def *bd = &def->branches[b];
    const tb_branch_state *bs = &st->branches[b];
    if (bs->status == TB_BRANCH_INACTIVE)
      continue;
    json_t *o =
        json_pack("{s:s, s:s, s:s}", "name", bd->name, "bureau", bd->bureau,
                  "status", tb_branch_status_name(bs->status));
    json_object_set_new(o, "deadline", api_json_day(bs->deadline));
    json_array_append_new(arr, o);
  }
  return arr;
}

/* ---- the tracking code, shared with the applicant's rating and the
 * license images ---------------------------------------------------------- */

static void throttle_key(const api_req *r, char *key, size_t cap) {
  snprintf(key, cap, "track:%s", r->client);
}

void api_track_not_found(api_req *r) {
  api_fail(r, TB_PROBLEM_NOT_FOUND,
           "no application with this number and tracking code");
}

bool api_track_allow(api_req *r, tb_store *s) {
  char key[96];
  throttle_key(r, key, sizeof key);
  return api_guess_allow(r, s, key, SOFT, LOCK, WINDOW);
}

void api_track_miss(api_req *r, tb_store *s) {
  char key[96];
  throttle_key(r, key, sizeof key);
  api_guess_miss(r, s, key, WINDOW);
}

/* Whether number and code can be a number and a tracking code at all. */
static bool well_formed(const char *number, const char *code) {
  return number && code && strlen(code) <= 64 &&
         tb_id_check_app_number(number, strlen(number), NULL) == TB_OK;
}

bool api_track_match(api_req *r, tb_store *s, const char *number,
                     const char *code, bool *match) {
  *match = false;
  if (well_formed(number, code)) {
    tb_store_status rc = tb_store_tracking_check(s, number, code, match);
    if (rc != TB_STORE_OK && rc != TB_STORE_NOT_FOUND) {
      api_fail_store(r, rc);
      return false;
    }
  }
  if (!*match)
    api_track_miss(r, s);
  return true;
}

/* ---- the view ------------------------------------------------------------ */

/* A JSON array the store built; [] (logged) if it is not one. */
static json_t *array_of(const char *text) {
  json_t *v = text ? api_json_load(text) : NULL;
  if (json_is_array(v))
    return v;
  json_decref(v);
  return json_array();
}

/* The tolerated materials (容缺) still owed and the day each is due: the
 * applicant sees what to bring and by when, and, once every bureau has
 * approved, that the license waits only for these. */
static json_t *owed(const tb_definition *def, const tb_app_state *st) {
  json_t *arr = json_array();
  for (size_t m = 0; m < def->n_materials && m < TB_MAX_MATERIALS; m++)
    if (st->gaps & ((uint64_t)1 << m))
      json_array_append_new(arr, json_pack("{s:s, s:s, s:o}", "id",
                                           def->materials[m].id, "name",
                                           def->materials[m].name, "due",
                                           api_json_day(st->gap_due[m])));
  return arr;
}

static json_t *render(tb_store *s, const char *number, const tb_definition *def,
                      const tb_app_state *st, const tb_store_tracking *t,
                      int64_t now) {
  json_t *out = json_pack(
      "{s:s, s:{s:s, s:s}, s:s, s:{s:o}, s:o, s:o, s:o, s:o, s:i}", "number",
      number, "service", "id", def->id, "name", def->name, "state",
      tb_app_status_name(st->status), "applicant", "name",
      api_masked_name(t->applicant_name), "deadline",
      api_json_day(st->deadline), "submitted_at",
      api_json_time(st->submitted_at), "accepted_at",
      api_json_time(st->accepted_at), "finished_at",
      api_json_time(st->finished_at), "paused_days", (int)st->paused_days);
  bool waiting =
      st->status == TB_APP_RETURNED || st->status == TB_APP_AWAITING_SUPPLEMENT;
  json_t *notice = json_null();
  if (waiting) {
    json_t *returns = array_of(t->returns);
    notice = api_notice_view(s, number, def, st, returns);
    json_decref(returns);
    if (!notice) {
      json_decref(out);
      return NULL;
    }
  }
  json_object_set_new(out, "notice", notice);
  json_object_set_new(out, "rating",
                      st->rating ? json_integer(st->rating) : json_null());
  /* the grades and the bureaus' replies to them (差评整改) */
  json_t *evaluation = st->rating ? api_rating_public(s, number) : json_null();
  if (!evaluation) {
    json_decref(out);
    return NULL;
  }
  json_object_set_new(out, "evaluation", evaluation);
  json_object_set_new(out, "steps", steps(def, st));
  json_object_set_new(out, "owed", owed(def, st));
  json_object_set_new(out, "working_days_left", api_app_days_left(s, st, now));
  const tb_calendar *cal = NULL;
  tb_store_calendar_get(s, &cal);
  json_object_set_new(
      out, "deadline_provisional",
      json_boolean(tb_calendar_is_provisional(cal, st->deadline)));
  api_mark_provisional_items(cal, json_object_get(out, "steps"), NULL);
  json_object_set_new(out, "licenses", array_of(t->licenses));
  json_object_set_new(out, "timeline", array_of(t->timeline));
  json_t *decision = api_decision_view(s, def, st, t->decision);
  if (!decision) {
    json_decref(out);
    return NULL;
  }
  json_object_set_new(out, "decision", decision);
  return out;
}

json_t *api_track_view(tb_store *s, const char *number,
                       const tb_definition *def, const tb_app_state *st,
                       int64_t now) {
  tb_store_tracking t;
  if (tb_store_tracking_view(s, number, &t) != TB_STORE_OK)
    return NULL;
  json_t *out = render(s, number, def, st, &t, now);
  tb_store_tracking_clear(&t);
  return out;
}

/* The view from the database, answered and kept in the cache (the code
 * matched, so its digest is the application's). */
static void track_read(api_req *r, tb_store *s, const char *number,
                       const char *code, const uint8_t digest[32]) {
  api_track_cache *cache = api_track_cache_of(r);
  uint64_t ticket = api_track_cache_ticket(cache, number);
  tb_store_tracking t;
  tb_store_status rc = tb_store_tracking_read(s, number, code, &t);
  if (rc == TB_STORE_NOT_FOUND) {
    api_track_miss(r, s);
    api_track_not_found(r);
    return;
  }
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return;
  }
  json_t *out = render(s, number, t.def, &t.state, &t, r->now);
  tb_store_tracking_clear(&t);
  char *text = out ? json_dumps(out, JSON_COMPACT) : NULL;
  json_decref(out);
  if (!text) {
    api_fail_store(r, TB_STORE_ERROR);
    return;
  }
  size_t len = strlen(text);
  api_track_cache_put(cache, number, digest, r->now / 3600, text, len, ticket,
                      api_monotonic_us());
  api_reply_raw(r, 200, "application/json", text, len);
  free(text);
}

void api_h_track(api_req *r) {
  const char *number = r->params[0], *code = api_query(r, "code");
  tb_store *s = api_store(r);
  if (!s || !api_track_allow(r, s))
    return;
  if (!well_formed(number, code)) {
    api_track_miss(r, s);
    api_track_not_found(r);
    return;
  }
  /* the code is checked on every read: against the cached view's digest
   * or in the database's WHERE clause */
  uint8_t digest[32];
  tb_store_tracking_digest(number, code, digest);
  char *body = NULL;
  size_t len = 0;
  switch (api_track_cache_get(api_track_cache_of(r), number, digest,
                              r->now / 3600, api_monotonic_us(), r->arena,
                              &body, &len)) {
  case API_TRACK_CACHE_MATCH:
    api_reply_raw(r, 200, "application/json", body, len);
    return;
  case API_TRACK_CACHE_WRONG:
    api_track_miss(r, s);
    api_track_not_found(r);
    return;
  case API_TRACK_CACHE_MISS:
    break;
  }
  track_read(r, s, number, code, digest);
}
