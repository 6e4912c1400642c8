/*
 * tb_store_ratings.c — 好差评 and 差评整改: the grades of a rating in the
 * rate transition's transaction, the tickets a bad grade opens (due by
 * the stored calendar), the bureau's reply, the inspector's review, and
 * the lists. Every change appends its event to the application's audit
 * chain in the same transaction. See tb_store_ratings.h.
 */
#include "tb_store_int.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const tb_store_stmt S_APP = {
    "ra_app",
    "SELECT id, definition_id, definition_version FROM applications "
    "WHERE number = $1 FOR UPDATE",
    1};
static const tb_store_stmt S_HAS_BRANCH = {
    "ra_has_branch",
    "SELECT EXISTS (SELECT 1 FROM tasks WHERE application_id = $1::bigint "
    "AND bureau = $2)",
    2};
static const tb_store_stmt S_RATING_INSERT = {
    "ra_rating_insert",
    "INSERT INTO ratings (application_id, bureau, grade, comment, rated_at) "
    "VALUES ($1::bigint, $2, $3::smallint, $4, now()) RETURNING id",
    4};
static const tb_store_stmt S_TICKET_INSERT = {
    "ra_ticket_insert",
    "INSERT INTO rectifications (rating_id, application_id, bureau, due, "
    "opened_at) VALUES ($1::bigint, $2::bigint, $3, $4::date, now()) "
    "RETURNING id",
    4};
/* the ticket under its application's lock (taken before) */
static const tb_store_stmt S_TICKET_LOCK = {
    "ra_ticket_lock",
    "SELECT r.state, r.bureau, a.number, a.definition_id, "
    "a.definition_version FROM rectifications r JOIN applications a "
    "ON a.id = r.application_id WHERE r.id = $1::bigint FOR UPDATE OF r",
    1};
static const tb_store_stmt S_TICKET_NUMBER = {
    "ra_ticket_number",
    "SELECT a.number FROM rectifications r JOIN applications a "
    "ON a.id = r.application_id WHERE r.id = $1::bigint",
    1};
static const tb_store_stmt S_TICKET_REPLY = {
    "ra_ticket_reply",
    "UPDATE rectifications SET state = 'replied', reply = $2, changes = $3, "
    "replied_by = $4::bigint, replied_at = now() WHERE id = $1::bigint",
    4};
static const tb_store_stmt S_TICKET_CLOSE = {
    "ra_ticket_close",
    "UPDATE rectifications SET state = 'closed', review = $2, "
    "reviewed_by = $3::bigint, closed_at = now() WHERE id = $1::bigint",
    3};
static const tb_store_stmt S_TICKET_REOPEN = {
    "ra_ticket_reopen",
    "UPDATE rectifications SET state = 'open', review = $2, "
    "reviewed_by = $3::bigint, due = $4::date, reopened = reopened + 1 "
    "WHERE id = $1::bigint",
    4};

/* One ticket as a JSON object ($1: today). */
#define TICKET_JSON                                                            \
  "json_build_object('id', r.id, 'number', a.number, 'service', "              \
  "a.definition_id, 'service_name', d.name, 'bureau', r.bureau, 'grade', "     \
  "g.grade, 'comment', g.comment, 'state', r.state, 'due', "                   \
  "to_char(r.due, 'YYYY-MM-DD'), 'overdue', r.state = 'open' AND r.due < "     \
  "$1::date, 'opened_at', " TB_TIME(                                           \
      "r.opened_at") ", 'reply', r.reply, "                                    \
                     "'changes', r.changes, 'replied_at', " TB_TIME(           \
                         "r.replied_at") ", "                                  \
                                         "'review', r.review, "                \
                                         "'closed_at', " TB_TIME(              \
                                             "r.closed_at") ", 'reopened', "   \
                                                            "r.reopened)"
#define TB_TIME(col)                                                           \
  "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define TICKET_FROM                                                            \
  " FROM rectifications r JOIN ratings g ON g.id = r.rating_id "               \
  "JOIN applications a ON a.id = r.application_id LEFT JOIN definitions d "    \
  "ON d.id = a.definition_id AND d.version = a.definition_version "

static const tb_store_stmt S_TICKETS = {
    "ra_tickets",
    "SELECT coalesce(json_agg(t.o ORDER BY t.id DESC), '[]'::json)::text "
    "FROM (SELECT r.id, " TICKET_JSON " AS o" TICKET_FROM
    "WHERE ($2::text IS NULL OR r.bureau = $2 OR ($2 = '" TB_STORE_WINDOW
    "' AND r.bureau IS NULL)) AND ($3::text IS NULL OR r.state = $3) "
    "ORDER BY r.id DESC LIMIT $4::integer) t",
    4};
static const tb_store_stmt S_TICKET = {"ra_ticket",
                                       "SELECT " TICKET_JSON
                                       "::text" TICKET_FROM "WHERE r.id = "
                                       "$2::bigint",
                                       2};
static const tb_store_stmt S_PUBLIC = {
    "ra_public",
    "SELECT json_build_object('ratings', (SELECT coalesce(json_agg("
    "json_build_object('bureau', g.bureau, 'grade', g.grade) ORDER BY g.id), "
    "'[]'::json) FROM ratings g WHERE g.application_id = a.id), 'replies', "
    "(SELECT coalesce(json_agg(json_build_object('bureau', r.bureau, "
    "'reply', r.reply, 'replied_at', " TB_TIME(
        "r.replied_at") ") ORDER BY "
                        "r.id), '[]'::json) FROM rectifications r WHERE "
                        "r.application_id = a.id "
                        "AND r.reply IS NOT NULL))::text FROM applications a "
                        "WHERE a.number = $1",
    1};

/* The application's row id and definition (its rectify-days), its row
 * locked. */
typedef struct {
  int64_t id;
  const tb_definition *def;
} app_ref;

static tb_store_status app_of(tb_store *s, const char *number, app_ref *a) {
  const char *params[] = {number};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_APP, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  int64_t version = 0;
  char def_id[64];
  tb_store_parse_i64(PQgetvalue(r, 0, 0), &a->id);
  tb_store_copy(def_id, sizeof def_id, PQgetvalue(r, 0, 1));
  tb_store_parse_i64(PQgetvalue(r, 0, 2), &version);
  PQclear(r);
  return tb_store_def_cached(s, def_id, (uint32_t)version, &a->def);
}

/* The day a ticket opened today is due, "YYYY-MM-DD". */
static tb_store_status due_of(tb_store *s, const tb_definition *def,
                              char out[11]) {
  const tb_calendar *cal = NULL;
  tb_store_status rc = tb_store_calendar_get(s, &cal);
  if (rc != TB_STORE_OK)
    return rc;
  tb_day today = tb_calendar_day_of(cal, tb_store_now_us() / 1000000);
  int days = def->rectify_days ? def->rectify_days : 5;
  tb_date_format(tb_calendar_add_working_days(cal, today, days), out);
  return TB_STORE_OK;
}

/* Whether bureau had a branch (a task) in the application. */
static tb_store_status has_branch(tb_store *s, int64_t app, const char *bureau,
                                  bool *yes) {
  tb_store_num id = tb_store_i64(app);
  const char *params[] = {id.v, bureau};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_HAS_BRANCH, params, &r);
  if (rc != TB_STORE_OK)
    return rc == TB_STORE_NOT_FOUND ? TB_STORE_ERROR : rc;
  *yes = PQgetvalue(r, 0, 0)[0] == 't';
  PQclear(r);
  return TB_STORE_OK;
}

/* Every named bureau had a branch, and none is named twice. */
static tb_store_status check_bureaus(tb_store *s, int64_t app,
                                     const tb_store_rating *rt,
                                     tb_store_rating_refusal *why) {
  for (int i = -1; i < (int)rt->n_bureaus; i++) {
    const char *b = i < 0 ? rt->responsible : rt->bureaus[i].bureau;
    if (!b)
      continue;
    for (int k = 0; k < i; k++)
      if (strcmp(rt->bureaus[k].bureau, b) == 0) {
        *why = (tb_store_rating_refusal){i, true};
        return TB_STORE_REFUSED;
      }
    bool yes = i >= 0 && strcmp(b, TB_STORE_WINDOW) == 0;
    tb_store_status rc = yes ? TB_STORE_OK : has_branch(s, app, b, &yes);
    if (rc != TB_STORE_OK)
      return rc;
    if (!yes) {
      *why = (tb_store_rating_refusal){i, false};
      return TB_STORE_REFUSED;
    }
  }
  return TB_STORE_OK;
}

static tb_store_status insert_row(tb_store *s, const tb_store_stmt *st,
                                  const char *const *params, int64_t *id) {
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, st, params, &r);
  if (rc != TB_STORE_OK)
    return rc == TB_STORE_NOT_FOUND ? TB_STORE_ERROR : rc;
  tb_store_parse_i64(PQgetvalue(r, 0, 0), id);
  PQclear(r);
  return TB_STORE_OK;
}

/* One grade; a bad one opens a ticket for `owner` (NULL: the window). */
static tb_store_status grade_one(tb_store *s, const char *number,
                                 const app_ref *a, const char *bureau,
                                 int grade, const char *comment,
                                 const char *owner,
                                 const tb_store_actor *actor) {
  tb_store_num app = tb_store_i64(a->id), g = tb_store_i64(grade);
  const char *params[] = {app.v, bureau, g.v, comment};
  int64_t rating = 0, ticket = 0;
  tb_store_status rc = insert_row(s, &S_RATING_INSERT, params, &rating);
  if (rc != TB_STORE_OK || grade > 2)
    return rc;
  char due[11];
  rc = due_of(s, a->def, due);
  tb_store_num rid = tb_store_i64(rating);
  const char *tp[] = {rid.v, app.v, owner, due};
  if (rc == TB_STORE_OK)
    rc = insert_row(s, &S_TICKET_INSERT, tp, &ticket);
  if (rc != TB_STORE_OK)
    return rc;
  json_t *p =
      json_pack("{s:I, s:s?, s:i, s:s}", "rectification", (json_int_t)ticket,
                "bureau", owner, "grade", grade, "due", due);
  rc = tb_store_audit_event_in(s, number, actor, "rectification_opened", p);
  json_decref(p);
  return rc;
}

/* The event "bureaus_rated" listing the bureau grades. */
static tb_store_status audit_bureaus(tb_store *s, const char *number,
                                     const tb_store_rating *rt,
                                     const tb_store_actor *actor) {
  json_t *list = json_array();
  for (size_t i = 0; i < rt->n_bureaus; i++)
    json_array_append_new(list, json_pack("{s:s, s:i, s:s?}", "bureau",
                                          rt->bureaus[i].bureau, "grade",
                                          rt->bureaus[i].grade, "comment",
                                          rt->bureaus[i].comment));
  json_t *p = json_pack("{s:o}", "ratings", list);
  tb_store_status rc =
      tb_store_audit_event_in(s, number, actor, "bureaus_rated", p);
  json_decref(p);
  return rc;
}

tb_store_status tb_store_rating_record_in(tb_store *s, const char *number,
                                          const tb_store_rating *rt,
                                          const tb_store_actor *actor,
                                          tb_store_rating_refusal *why) {
  *why = (tb_store_rating_refusal){0, false};
  app_ref a = {0};
  tb_store_status rc = app_of(s, number, &a);
  if (rc == TB_STORE_OK)
    rc = check_bureaus(s, a.id, rt, why);
  if (rc == TB_STORE_OK && rt->n_bureaus > 0)
    rc = audit_bureaus(s, number, rt, actor);
  if (rc == TB_STORE_OK)
    rc = grade_one(s, number, &a, NULL, rt->grade, rt->comment, rt->responsible,
                   actor);
  for (size_t i = 0; rc == TB_STORE_OK && i < rt->n_bureaus; i++) {
    const tb_store_bureau_grade *g = &rt->bureaus[i];
    bool window = strcmp(g->bureau, TB_STORE_WINDOW) == 0;
    rc = grade_one(s, number, &a, g->bureau, g->grade, g->comment,
                   window ? NULL : g->bureau, actor);
  }
  return rc;
}

/* ---- the tickets ---------------------------------------------------------
 */

tb_store_status tb_store_rectifications_read(tb_store *s, const char *bureau,
                                             const char *state,
                                             const char *today, int limit,
                                             char **json) {
  return tb_store_json_list(s, &S_TICKETS, today, bureau, state, limit, json);
}

tb_store_status tb_store_rectification_read(tb_store *s, int64_t id,
                                            const char *today, char **json) {
  return tb_store_json_by_id(s, &S_TICKET, today, id, json);
}

/* A ticket locked with its application (the application first, as every
 * change of it does): its state, bureau ("" for the window), number and
 * definition. */
typedef struct {
  char state[16], bureau[64], number[TB_APP_NUMBER_LEN + 1];
  bool window;
  const tb_definition *def;
} ticket;

static tb_store_status lock_ticket(tb_store *s, int64_t id, ticket *t) {
  tb_store_num n = tb_store_i64(id);
  const char *params[] = {n.v};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_TICKET_NUMBER, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  tb_store_copy(t->number, sizeof t->number, PQgetvalue(r, 0, 0));
  PQclear(r);
  app_ref a;
  rc = app_of(s, t->number, &a); /* the definition, for the due day */
  if (rc != TB_STORE_OK)
    return rc == TB_STORE_NOT_FOUND ? TB_STORE_ERROR : rc;
  t->def = a.def;
  rc = tb_store_exec_row(s, &S_TICKET_LOCK, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  tb_store_copy(t->state, sizeof t->state, PQgetvalue(r, 0, 0));
  t->window = PQgetisnull(r, 0, 1);
  tb_store_copy(t->bureau, sizeof t->bureau, PQgetvalue(r, 0, 1));
  PQclear(r);
  return TB_STORE_OK;
}

/* An officer of the ticket's bureau, or a clerk for the window's. */
static bool answers(const ticket *t, const tb_store_actor *actor) {
  if (t->window)
    return actor->role && strcmp(actor->role, "clerk") == 0;
  return actor->role && strcmp(actor->role, "officer") == 0 && actor->bureau &&
         strcmp(actor->bureau, t->bureau) == 0;
}

/* The ticket's change event, once its row is written (the application's
 * row lock is taken by the event writer, before the ticket's own). */
static tb_store_status ticket_event(tb_store *s, const ticket *t, int64_t id,
                                    const tb_store_actor *actor,
                                    const char *action, json_t *p) {
  json_object_set_new(p, "rectification", json_integer(id));
  json_object_set_new(p, "bureau",
                      t->window ? json_null() : json_string(t->bureau));
  tb_store_status rc = tb_store_audit_event_in(s, t->number, actor, action, p);
  json_decref(p);
  return rc;
}

tb_store_status tb_store_rectification_reply_in(tb_store *s, int64_t id,
                                                const char *reply,
                                                const char *changes,
                                                const tb_store_actor *actor,
                                                tb_store_ticket_refusal *why) {
  *why = TB_STORE_TICKET_DONE;
  ticket t = {0};
  tb_store_status rc = lock_ticket(s, id, &t);
  if (rc != TB_STORE_OK)
    return rc;
  if (!answers(&t, actor))
    *why = TB_STORE_TICKET_WRONG_BUREAU;
  else if (strcmp(t.state, "open") != 0)
    *why = TB_STORE_TICKET_STATE;
  if (*why != TB_STORE_TICKET_DONE)
    return TB_STORE_REFUSED;
  tb_store_num n = tb_store_i64(id), by = tb_store_i64(actor->id);
  const char *params[] = {n.v, reply, changes, by.v};
  rc = tb_store_exec(s, &S_TICKET_REPLY, params, NULL);
  if (rc != TB_STORE_OK)
    return rc;
  return ticket_event(
      s, &t, id, actor, "rectification_replied",
      json_pack("{s:s, s:s}", "reply", reply, "changes", changes));
}

tb_store_status tb_store_rectification_review_in(tb_store *s, int64_t id,
                                                 bool close, const char *review,
                                                 const tb_store_actor *actor,
                                                 tb_store_ticket_refusal *why) {
  *why = TB_STORE_TICKET_DONE;
  ticket t = {0};
  tb_store_status rc = lock_ticket(s, id, &t);
  if (rc != TB_STORE_OK)
    return rc;
  if (strcmp(t.state, "replied") != 0) {
    *why = TB_STORE_TICKET_STATE;
    return TB_STORE_REFUSED;
  }
  tb_store_num n = tb_store_i64(id), by = tb_store_i64(actor->id);
  char due[11] = "";
  if (close) {
    const char *params[] = {n.v, review, by.v};
    rc = tb_store_exec(s, &S_TICKET_CLOSE, params, NULL);
  } else {
    rc = due_of(s, t.def, due);
    const char *params[] = {n.v, review, by.v, due};
    if (rc == TB_STORE_OK)
      rc = tb_store_exec(s, &S_TICKET_REOPEN, params, NULL);
  }
  if (rc != TB_STORE_OK)
    return rc;
  json_t *p = json_pack("{s:s}", "review", review);
  if (!close)
    json_object_set_new(p, "due", json_string(due));
  return ticket_event(s, &t, id, actor,
                      close ? "rectification_closed" : "rectification_reopened",
                      p);
}

tb_store_status tb_store_rating_public_read(tb_store *s, const char *number,
                                            char **json) {
  const char *params[] = {number};
  return tb_store_json_of(s, &S_PUBLIC, params, json);
}
