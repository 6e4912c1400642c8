/*
 * api_ratings.c — 好差评 per bureau and 差评整改 (国办发〔2019〕51号):
 * the bureau grades of POST …/rating (recorded in the rate transition's
 * transaction by api_rating_after), GET /api/v1/rectifications, and the
 * tickets' POST …/reply (the bureau's officers, the window's clerks) and
 * POST …/review (inspectors: close or reopen).
 */
#include "tb_api_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEXT 2000
#define MAX_LIST 200

/* ---- shared with api_verify.c ---------------------------------------------
 */

void api_today_text(tb_store *s, int64_t now, char out[11]) {
  const tb_calendar *cal = NULL;
  tb_store_status rc = tb_store_calendar_get(s, &cal);
  tb_day today = rc == TB_STORE_OK && cal ? tb_calendar_day_of(cal, now)
                                          : (tb_day)((now + 28800) / 86400);
  tb_date_format(today, out);
}

int64_t api_path_id(api_req *r, const char *what) {
  const char *id = r->params[0];
  char *end = NULL;
  errno = 0;
  long long v = strtoll(id, &end, 10);
  if (errno || !end || *end || v <= 0 || id[0] == '+') {
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such %s", what);
    return 0;
  }
  return (int64_t)v;
}

void api_bureau_names_set(const tb_bureau_list *list, json_t *items,
                          const char *key, const char *name_key) {
  size_t i;
  json_t *item;
  json_array_foreach(items, i, item) {
    const char *code = json_string_value(json_object_get(item, key));
    const tb_bureau *b = list && code ? tb_bureaus_find(list, code) : NULL;
    json_object_set_new(item, name_key, b ? json_string(b->name) : json_null());
  }
}

void api_bureau_names_add(tb_store *s, json_t *items) {
  const tb_bureau_list *list = NULL;
  tb_problem p = {0};
  if (tb_store_bureaus_get(s, &list, &p) != TB_STORE_OK)
    list = NULL;
  api_bureau_names_set(list, items, "bureau", "bureau_name");
}

/* ---- the rating's bureau grades -------------------------------------------
 */

void api_rating_read(api_problem *pb, json_t *bureaus, const char *responsible,
                     tb_store_rating *out) {
  out->responsible = responsible;
  size_t i;
  json_t *item;
  json_array_foreach(bureaus, i, item) {
    char name[32];
    snprintf(name, sizeof name, "bureaus[%zu]", i);
    if (i >= TB_STORE_MAX_BUREAU_GRADES) {
      api_problem_field(pb, name, TB_PROBLEM_LIMIT,
                        "at most %d bureaus are rated",
                        TB_STORE_MAX_BUREAU_GRADES);
      return;
    }
    tb_store_bureau_grade g = {0};
    long long grade = 0;
    api_field spec[] = {API_STRING("bureau", API_REQUIRED, 63, &g.bureau),
                        API_INT("grade", API_REQUIRED, 1, 5, &grade),
                        API_STRING("comment", API_OPTIONAL, 500, &g.comment),
                        API_END};
    if (!json_is_object(item))
      api_problem_field(pb, name, TB_PROBLEM_WRONG_TYPE,
                        "must be an object {bureau, grade, comment}");
    else if (api_fields_parse(pb, item, name, spec)) {
      g.grade = (int)grade;
      out->bureaus[out->n_bureaus++] = g;
    }
  }
}

json_t *api_rating_public(tb_store *s, const char *number) {
  char *json = NULL;
  tb_store_status rc = tb_store_rating_public_read(s, number, &json);
  json_t *o = rc == TB_STORE_OK ? api_json_load(json) : NULL;
  free(json);
  if (o) {
    api_bureau_names_add(s, json_object_get(o, "ratings"));
    api_bureau_names_add(s, json_object_get(o, "replies"));
  }
  return o;
}

tb_store_status api_rating_after(api_req *r, tb_store *s, void *cls) {
  tb_store_rating *rt = cls;
  tb_store_actor actor;
  api_actor(r, &actor);
  tb_store_rating_refusal why;
  tb_store_status rc =
      tb_store_rating_record_in(s, r->params[0], rt, &actor, &why);
  if (rc != TB_STORE_REFUSED)
    return rc;
  char field[48];
  const char *code =
      why.index < 0 ? rt->responsible : rt->bureaus[why.index].bureau;
  if (why.index < 0)
    snprintf(field, sizeof field, "responsible");
  else
    snprintf(field, sizeof field, "bureaus[%d].bureau", why.index);
  api_problem pb;
  api_problem_init(
      &pb, why.twice ? TB_PROBLEM_INVALID_REQUEST : TB_PROBLEM_UNKNOWN_BUREAU,
      why.twice ? "a bureau is rated once"
                : "only the bureaus that handled the application "
                  "are rated or named");
  if (why.twice)
    api_problem_field(&pb, field, TB_PROBLEM_INVALID_REQUEST,
                      "bureau %s is rated twice", code);
  else
    api_problem_field(&pb, field, TB_PROBLEM_UNKNOWN_BUREAU,
                      "bureau %s had no branch in this application", code);
  api_problem_send(r, &pb);
  return TB_STORE_REFUSED;
}

/* ---- the list --------------------------------------------------------------
 */

static bool is_state(const char *s) {
  return strcmp(s, "open") == 0 || strcmp(s, "replied") == 0 ||
         strcmp(s, "closed") == 0;
}

/* The bureau a caller may list: an officer's own, a clerk's the window's,
 * an inspector's any (the one asked for). false: a reply is set. */
static bool list_bureau(api_req *r, const char **bureau) {
  const char *asked = api_query(r, "bureau");
  bool officer = strcmp(r->who.role, "officer") == 0;
  bool clerk = strcmp(r->who.role, "clerk") == 0;
  const char *own = officer ? r->who.bureau : clerk ? TB_STORE_WINDOW : NULL;
  if (own && asked && strcmp(asked, own) != 0) {
    api_fail_field(r, TB_PROBLEM_WRONG_BUREAU, "bureau",
                   "this account sees only the tickets of %s", own);
    return false;
  }
  *bureau = own ? own : asked;
  if (*bureau && (!**bureau || strlen(*bureau) > 63)) {
    api_fail_field(r, TB_PROBLEM_INVALID_REQUEST, "bureau",
                   "must be a bureau code or window");
    return false;
  }
  return true;
}

void api_reply_list(api_req *r, api_list_fn read, const char *bureau,
                    const char *state) {
  tb_store *s = api_store(r);
  if (!s)
    return;
  char today[11], *json = NULL;
  api_today_text(s, r->now, today);
  tb_store_status rc = read(s, bureau, state, today, MAX_LIST, &json);
  json_t *items = rc == TB_STORE_OK ? api_json_load(json) : NULL;
  free(json);
  if (!items) {
    api_fail_store(r, rc == TB_STORE_OK ? TB_STORE_ERROR : rc);
    return;
  }
  api_bureau_names_add(s, items);
  api_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

void api_h_rectifications_list(api_req *r) {
  const char *bureau = NULL, *state = api_query(r, "state");
  if (!list_bureau(r, &bureau))
    return;
  if (state && !is_state(state))
    api_fail_field(r, TB_PROBLEM_INVALID_REQUEST, "state",
                   "must be open, replied or closed");
  else
    api_reply_list(r, tb_store_rectifications_read, bureau, state);
}

/* ---- replying and reviewing ------------------------------------------------
 */

typedef struct {
  int64_t id;
  const char *reply, *changes, *review;
  int decision; /* review: 0 close, 1 reopen */
} ticket_change;

/* The ticket as it is now, as the answer (in the transaction). */
static tb_store_status reply_ticket(api_req *r, tb_store *s, int64_t id) {
  char today[11], *json = NULL;
  api_today_text(s, r->now, today);
  tb_store_status rc = tb_store_rectification_read(s, id, today, &json);
  json_t *o = rc == TB_STORE_OK ? api_json_load(json) : NULL;
  free(json);
  if (rc != TB_STORE_OK)
    return rc == TB_STORE_NOT_FOUND ? TB_STORE_ERROR : rc;
  if (!o)
    return TB_STORE_ERROR;
  json_t *one = json_pack("[O]", o);
  api_bureau_names_add(s, one);
  json_decref(one);
  api_reply_json(r, 200, o);
  return TB_STORE_OK;
}

static tb_store_status ticket_refused(api_req *r, tb_store_status rc,
                                      tb_store_ticket_refusal why) {
  if (rc == TB_STORE_NOT_FOUND)
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such rectification");
  else if (rc == TB_STORE_REFUSED && why == TB_STORE_TICKET_WRONG_BUREAU)
    api_fail(r, TB_PROBLEM_WRONG_BUREAU,
             "the ticket is another bureau's (a window ticket: a clerk's)");
  else if (rc == TB_STORE_REFUSED)
    api_fail(r, TB_PROBLEM_TICKET_STATE,
             "the ticket is not in a state that allows this");
  return rc;
}

static tb_store_status reply_change(api_req *r, tb_store *s, void *cls) {
  ticket_change *c = cls;
  tb_store_actor actor;
  api_actor(r, &actor);
  tb_store_ticket_refusal why;
  tb_store_status rc = tb_store_rectification_reply_in(
      s, c->id, c->reply, c->changes, &actor, &why);
  return rc == TB_STORE_OK ? reply_ticket(r, s, c->id)
                           : ticket_refused(r, rc, why);
}

static tb_store_status review_change(api_req *r, tb_store *s, void *cls) {
  ticket_change *c = cls;
  tb_store_actor actor;
  api_actor(r, &actor);
  tb_store_ticket_refusal why;
  tb_store_status rc = tb_store_rectification_review_in(
      s, c->id, c->decision == 0, c->review, &actor, &why);
  return rc == TB_STORE_OK ? reply_ticket(r, s, c->id)
                           : ticket_refused(r, rc, why);
}

/* The ticket of the path, then the body by spec and fn as a change. */
static void run_ticket(api_req *r, api_field *spec, api_change_fn fn,
                       ticket_change *c) {
  c->id = api_path_id(r, "rectification");
  if (c->id)
    api_run_change_fields(r, spec, fn, c);
}

void api_h_rectification_reply(api_req *r) {
  ticket_change c = {0};
  api_field spec[] = {API_STRING("reply", API_REQUIRED, MAX_TEXT, &c.reply),
                      API_STRING("changes", API_REQUIRED, MAX_TEXT, &c.changes),
                      API_END};
  run_ticket(r, spec, reply_change, &c);
}

void api_h_rectification_review(api_req *r) {
  static const char *const decisions[] = {"close", "reopen", NULL};
  ticket_change c = {.decision = -1};
  api_field spec[] = {
      API_CHOICE("decision", API_REQUIRED, decisions, &c.decision),
      API_STRING("review", API_REQUIRED, MAX_TEXT, &c.review), API_END};
  run_ticket(r, spec, review_change, &c);
}
