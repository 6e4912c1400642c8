/*
 * api_views.c — the JSON shapes shared by several resources: the full
 * application view (state, materials, bureau branches), the merged
 * supplement notice with every bureau's name, items and comments (shown
 * to staff and, through tracking, to the applicant) and warning colours
 * of deadlines.
 */
#include "tb_api_int.h"
#include "tb_workflows.h"

#include <stdlib.h>
#include <string.h>

static const char *warning_name(uint8_t w) {
  return w == TB_WARN_RED ? "red" : w == TB_WARN_YELLOW ? "yellow" : "none";
}

void api_mark_provisional(const tb_calendar *cal, json_t *o,
                          const char *date_key, const char *flag_key) {
  const char *text = json_string_value(json_object_get(o, date_key));
  tb_day d = 0;
  if (!text || tb_date_parse(text, strlen(text), &d) != TB_OK)
    d = 0;
  json_object_set_new(o, flag_key,
                      json_boolean(tb_calendar_is_provisional(cal, d)));
}

void api_mark_provisional_items(const tb_calendar *cal, json_t *items,
                                const char *nested) {
  size_t i;
  json_t *o;
  json_array_foreach(items, i, o) {
    api_mark_provisional(cal, o, "deadline", "deadline_provisional");
    if (nested)
      api_mark_provisional_items(cal, json_object_get(o, nested), NULL);
  }
}

json_t *api_working_days_left(const tb_calendar *cal, tb_day deadline,
                              int64_t now) {
  if (deadline == 0)
    return json_null();
  tb_day today = tb_calendar_day_of(cal, now);
  int left = today <= deadline
                 ? tb_calendar_count_working_days(cal, today, deadline)
                 : -tb_calendar_count_working_days(cal, deadline, today);
  return json_integer(left);
}

/* Whether the application's clock runs: accepted, in review, not paused
 * by a return or a special procedure, not decided or ended. */
static bool clock_runs(const tb_app_state *st) {
  return st->status == TB_APP_IN_REVIEW && st->deadline != 0;
}

json_t *api_app_days_left(tb_store *s, const tb_app_state *st, int64_t now) {
  if (!clock_runs(st))
    return json_null();
  const tb_calendar *cal = NULL;
  tb_store_calendar_get(s, &cal);
  return api_working_days_left(cal, st->deadline, now);
}

void api_clock_view(tb_store *s, const tb_app_state *st, json_t *view,
                    int64_t now) {
  const tb_calendar *cal = NULL;
  tb_store_calendar_get(s, &cal);
  json_object_set_new(view, "working_days_left", api_app_days_left(s, st, now));
  json_object_set_new(
      view, "deadline_provisional",
      json_boolean(tb_calendar_is_provisional(cal, st->deadline)));
  json_object_set_new(
      view, "statutory_deadline_provisional",
      json_boolean(tb_calendar_is_provisional(cal, st->statutory_deadline)));
  size_t i;
  json_t *b;
  json_array_foreach(json_object_get(view, "branches"), i, b) {
    api_mark_provisional(cal, b, "deadline", "deadline_provisional");
    bool active = i < st->n_branches &&
                  st->branches[i].status == TB_BRANCH_ACTIVE && clock_runs(st);
    json_object_set_new(
        b, "working_days_left",
        active ? api_working_days_left(cal, st->branches[i].deadline, now)
               : json_null());
  }
}

static const char *material_status(const tb_app_state *st, size_t m) {
  uint64_t bit = (uint64_t)1 << m;
  if (st->gaps & bit)
    return "gap";
  if ((st->notice & bit) && !(st->notice_supplied & bit))
    return "requested";
  if (st->from_license & bit)
    return "from_license";
  if (st->provided & bit)
    return "provided";
  if (st->committed & bit)
    return "committed";
  return "missing";
}

static json_t *materials_view(const tb_definition *def,
                              const tb_app_state *st) {
  json_t *arr = json_array();
  for (size_t m = 0; m < def->n_materials; m++) {
    const tb_material *mat = &def->materials[m];
    json_t *o =
        json_pack("{s:s, s:s, s:b, s:s}", "id", mat->id, "name", mat->name,
                  "required", mat->required, "status", material_status(st, m));
    if (st->gaps & ((uint64_t)1 << m))
      json_object_set_new(o, "due", api_json_day(st->gap_due[m]));
    /* the clerk's choice stored at registration, for any window to see */
    const char *choice = (st->chosen_gaps & ((uint64_t)1 << m)) ? "tolerated"
                         : (st->chosen_committed & ((uint64_t)1 << m))
                             ? "committed"
                             : NULL;
    json_object_set_new(o, "choice",
                        choice ? json_string(choice) : json_null());
    json_array_append_new(arr, o);
  }
  return arr;
}

static json_t *branches_view(const tb_definition *def, const tb_app_state *st) {
  json_t *arr = json_array();
  for (size_t b = 0; b < st->n_branches && b < def->n_branches; b++) {
    const tb_branch_def *bd = &def->branches[b];
    const tb_branch_state *bs = &st->branches[b];
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:i, s:b, s:s}", "id", bd->id, "name",
                  bd->name, "bureau", bd->bureau, "status",
                  tb_branch_status_name(bs->status), "round", (int)bs->round,
                  "claimed", bs->claimed, "warning", warning_name(bs->warning));
    if (bs->step < bd->n_tasks)
      json_object_set_new(
          o, "task",
          json_pack("{s:s, s:s, s:i}", "id", bd->tasks[bs->step].id, "name",
                    bd->tasks[bs->step].name, "step", (int)bs->step));
    json_object_set_new(o, "deadline", api_json_day(bs->deadline));
    json_array_append_new(arr, o);
  }
  return arr;
}

json_t *api_bureau_names(tb_store *s) {
  const tb_bureau_list *list = NULL;
  tb_problem p = {0};
  tb_store_status rc = tb_store_bureaus_get(s, &list, &p);
  if (rc == TB_STORE_INVALID)
    return json_object();
  if (rc != TB_STORE_OK)
    return NULL;
  json_t *names = json_object();
  for (size_t i = 0; i < list->n; i++)
    json_object_set_new(names, list->items[i].code,
                        json_string(list->items[i].name));
  return names;
}

/* One returning bureau of the notice: its branch, bureau (code and name),
 * comment and items; NULL when the task is not a return of this round. */
static json_t *notice_bureau(const tb_definition *def, const tb_app_state *st,
                             json_t *t, json_t *names) {
  json_int_t b = json_integer_value(json_object_get(t, "branch"));
  json_int_t round = json_integer_value(json_object_get(t, "round"));
  const char *decision = json_string_value(json_object_get(t, "decision"));
  if (b < 0 || (size_t)b >= st->n_branches || (size_t)b >= def->n_branches ||
      !decision || strcmp(decision, "return") != 0 ||
      !(st->notice_branches & (1u << b)) || round != st->branches[b].round)
    return NULL;
  const char *code = def->branches[b].bureau;
  const char *name = json_string_value(json_object_get(names, code));
  return json_pack("{s:s, s:s, s:s, s:O, s:O}", "branch", def->branches[b].id,
                   "bureau", code, "bureau_name", name ? name : code, "comment",
                   json_object_get(t, "comment"), "items",
                   json_object_get(t, "items"));
}

/* What the window wrote with its supplement request, while the applicant
 * is asked for it; JSON null otherwise; NULL when it could not be read. */
static json_t *window_reason(tb_store *s, const char *number,
                             const tb_app_state *st) {
  if (st->status != TB_APP_AWAITING_SUPPLEMENT)
    return json_null();
  char *reason = NULL;
  if (tb_store_window_reason_read(s, number, &reason) != TB_STORE_OK)
    return NULL;
  json_t *v = reason ? json_string(reason) : NULL;
  free(reason);
  return v ? v : json_null();
}

json_t *api_notice_view(tb_store *s, const char *number,
                        const tb_definition *def, const tb_app_state *st,
                        json_t *tasks) {
  if (!st->notice && !st->notice_branches &&
      st->status != TB_APP_AWAITING_SUPPLEMENT)
    return json_null();
  json_t *names = st->notice_branches ? api_bureau_names(s) : json_object();
  json_t *reason = window_reason(s, number, st);
  if (!names || !reason) {
    json_decref(names);
    json_decref(reason);
    return NULL;
  }
  json_t *items = json_array();
  for (size_t m = 0; m < def->n_materials; m++)
    if (st->notice & ((uint64_t)1 << m))
      json_array_append_new(
          items, json_pack("{s:s, s:s, s:b}", "id", def->materials[m].id,
                           "name", def->materials[m].name, "supplied",
                           (st->notice_supplied & ((uint64_t)1 << m)) != 0));
  json_t *bureaus = json_array();
  size_t i;
  json_t *t;
  json_array_foreach(tasks, i, t) {
    json_t *o = notice_bureau(def, st, t, names);
    if (o)
      json_array_append_new(bureaus, o);
  }
  json_decref(names);
  return json_pack("{s:o, s:o, s:o}", "items", items, "bureaus", bureaus,
                   "reason", reason);
}

json_t *api_app_view(const tb_definition *def, const tb_app_state *st,
                     json_t *row, json_t *notice) {
  json_t *o = json_object();
  if (row) {
    const char *keys[] = {"number", "applicant", "created_at", "updated_at",
                          NULL};
    for (size_t i = 0; keys[i]; i++) {
      json_t *v = json_object_get(row, keys[i]);
      if (v)
        json_object_set(o, keys[i], v);
    }
    json_t *form = json_object_get(row, "form");
    if (form)
      json_object_set_new(o, "form", api_values_typed(def, form));
  }
  json_object_set_new(o, "service",
                      json_pack("{s:s, s:i, s:s}", "id", def->id, "version",
                                (int)def->version, "name", def->name));
  json_object_set_new(o, "state", json_string(tb_app_status_name(st->status)));
  json_object_set_new(
      o, "channel",
      json_string(st->channel == TB_CHANNEL_ONLINE ? "online" : "window"));
  json_object_set_new(o, "warning", json_string(warning_name(st->warning)));
  json_object_set_new(o, "deadline", api_json_day(st->deadline));
  json_object_set_new(o, "statutory_deadline",
                      api_json_day(st->statutory_deadline));
  json_object_set_new(o, "submitted_at", api_json_time(st->submitted_at));
  json_object_set_new(o, "accepted_at", api_json_time(st->accepted_at));
  json_object_set_new(o, "finished_at", api_json_time(st->finished_at));
  json_object_set_new(o, "paused_days", json_integer(st->paused_days));
  json_object_set_new(o, "special",
                      st->status == TB_APP_SUSPENDED
                          ? json_string(tb_special_kind_name(st->special))
                          : json_null());
  json_object_set_new(o, "rating",
                      st->rating ? json_integer(st->rating) : json_null());
  json_object_set_new(o, "gap_overdue", json_boolean(st->gap_overdue));
  json_object_set_new(o, "materials", materials_view(def, st));
  json_object_set_new(o, "branches", branches_view(def, st));
  json_object_set_new(o, "notice", notice ? notice : json_null());
  return o;
}
