/*
 * api_decision.c — the refusal (不予受理) or denial (不予许可) that ended an
 * application, as the applicant must be told it (行政许可法 art. 38): the
 * reason, the legal basis, and the rights to contest it with the bodies
 * and the last days, shown alike to staff and, through tracking, to the
 * applicant.
 *
 * Where each part comes from:
 * - reason and a cited legal_basis: what the clerk (reject) or the
 *   officer (decide deny, its comment) wrote, kept in the decision's audit
 *   event (tb_store_decision_read);
 * - otherwise the legal basis of the definition (<legal-basis refusal=
 *   denial=>), else null;
 * - the 行政复议 body and the court: bureaus.xml <rights> of the bureau
 *   that decided (its own, else the list's); a refusal by a clerk of no
 *   bureau takes the list's;
 * - the last days, counted from the decision's day (China Standard Time
 *   by the loaded calendar): 行政复议 within 60 days (行政复议法 art. 20),
 *   行政诉讼 within 6 months (行政诉讼法 art. 46), each moved to the next
 *   working day when it falls on a holiday or weekend (民事诉讼法 art. 85,
 *   which both laws apply to periods).
 */
#include "tb_api_int.h"

#include <stdlib.h>
#include <string.h>

enum { REVIEW_DAYS = 60, LITIGATION_MONTHS = 6 };

/* The last day of a period ending on `end`: that day, or the next working
 * day when it is not one. */
static tb_day last_day(const tb_calendar *cal, tb_day end) {
  return tb_calendar_add_working_days(cal, end - 1, 1);
}

static json_t *text_or_null(const char *s) {
  return s && s[0] ? json_string(s) : json_null();
}

/* The bureau that decided, or NULL (a clerk of no bureau, or a bureau no
 * longer in the list). */
static const tb_bureau *decider(const tb_bureau_list *list, const char *code) {
  return list && code ? tb_bureaus_find(list, code) : NULL;
}

static json_t *rights_view(const tb_calendar *cal, const tb_bureau_list *list,
                           const tb_bureau *b, tb_day day) {
  const char *review = b ? b->review_body : list ? list->review_body : NULL;
  const char *court = b ? b->court : list ? list->court : NULL;
  return json_pack(
      "{s:{s:o, s:i, s:o}, s:{s:o, s:i, s:o}}", "review", "body",
      text_or_null(review), "days", REVIEW_DAYS, "until",
      api_json_day(last_day(cal, day + REVIEW_DAYS)), "litigation", "court",
      text_or_null(court), "months", LITIGATION_MONTHS, "until",
      api_json_day(last_day(cal, tb_date_add_months(day, LITIGATION_MONTHS))));
}

/* The decision from its stored object; NULL when it cannot be read. */
static json_t *build(tb_store *s, const tb_definition *def, bool refused,
                     json_t *stored) {
  const tb_calendar *cal = NULL;
  const tb_bureau_list *list = NULL;
  tb_problem p = {0};
  if (tb_store_calendar_get(s, &cal) != TB_STORE_OK)
    return NULL;
  tb_store_status rc = tb_store_bureaus_get(s, &list, &p);
  if (rc != TB_STORE_OK && rc != TB_STORE_INVALID) /* INVALID: no list */
    return NULL;
  if (rc != TB_STORE_OK)
    list = NULL;
  json_int_t at = json_integer_value(json_object_get(stored, "at"));
  const char *code = json_string_value(json_object_get(stored, "bureau"));
  const char *cited = json_string_value(json_object_get(stored, "legal_basis"));
  const tb_bureau *b = decider(list, code);
  const char *basis = cited && cited[0] ? cited
                      : refused         ? def->basis_refusal
                                        : def->basis_denial;
  json_t *out = json_pack(
      "{s:s, s:o, s:o, s:o, s:o, s:o}", "kind", refused ? "refused" : "denied",
      "reason",
      text_or_null(json_string_value(json_object_get(stored, "reason"))),
      "legal_basis", text_or_null(basis), "decided_at", api_json_time(at),
      "bureau", text_or_null(code), "bureau_name",
      b ? json_string(b->name) : json_null());
  json_object_set_new(
      out, "rights",
      rights_view(cal, list, b, tb_calendar_day_of(cal, (int64_t)at)));
  return out;
}

json_t *api_decision_view(tb_store *s, const tb_definition *def,
                          const tb_app_state *st, const char *stored) {
  bool refused = st->status == TB_APP_REFUSED;
  if ((!refused && st->status != TB_APP_DENIED) || !stored)
    return json_null();
  json_t *o = api_json_load(stored);
  json_t *out = json_is_object(o) ? build(s, def, refused, o) : NULL;
  json_decref(o);
  return out;
}

json_t *api_decision_read(tb_store *s, const char *number,
                          const tb_definition *def, const tb_app_state *st) {
  if (st->status != TB_APP_REFUSED && st->status != TB_APP_DENIED)
    return json_null();
  char *stored = NULL;
  if (tb_store_decision_read(s, number, &stored) != TB_STORE_OK)
    return NULL;
  json_t *out = api_decision_view(s, def, st, stored);
  free(stored);
  return out;
}
