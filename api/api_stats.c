/*
 * api_stats.c — GET /api/v1/supervision/statistics (inspectors): the
 * statistics of electronic supervision per bureau, service or window
 * over a range of acceptance or completion dates (issue 15 §7), as JSON
 * or as CSV for a spreadsheet (?format=csv or Accept: text/csv; UTF-8
 * with a byte order mark so that Excel reads the Chinese, an attachment
 * named after the grouping and the range). The numbers come from
 * PostgreSQL (store/tb_store_stats.c); here the query is checked, each
 * bad parameter named, and bureaus get their names from the bureau list.
 */
#include "tb_api_int.h"
#include "tb_store_stats.h"

#include <stdlib.h>
#include <string.h>

/* The longest range: a leap year. */
#define STATS_MAX_DAYS 366
/* The largest CSV answer. */
#define STATS_MAX_CSV (8u << 20)

typedef struct {
  tb_stats_by by;
  tb_stats_basis basis;
  bool csv;
  const char *from, *to;
  tb_day from_day, to_day;
} stats_query;

static const char *const by_names[] = {"bureau", "service", "window"};
static const char *const by_titles[] = {"部门", "事项", "窗口"};

/* One date parameter, required; false (with the field's problem) when
 * missing or not a valid YYYY-MM-DD. */
static bool query_date(api_req *r, api_problem *pb, const char *name,
                       const char **text, tb_day *day) {
  *text = api_query(r, name);
  if (!*text || !**text) {
    api_problem_field(pb, name, TB_PROBLEM_MISSING,
                      "a date YYYY-MM-DD is required");
    return false;
  }
  if (tb_date_parse(*text, strlen(*text), day) != TB_OK) {
    api_problem_field(pb, name, TB_PROBLEM_WRONG_TYPE, "not a date YYYY-MM-DD");
    return false;
  }
  return true;
}

/* CSV when format=csv, or when no format is given and the client
 * accepts text/csv (and not JSON first). */
static bool wants_csv(api_req *r, api_problem *pb) {
  const char *format = api_query(r, "format");
  if (format) {
    if (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
      api_problem_field(pb, "format", TB_PROBLEM_INVALID_REQUEST,
                        "must be json or csv");
    return strcmp(format, "csv") == 0;
  }
  const char *accept = api_header(r, "Accept");
  return accept && strstr(accept, "text/csv") &&
         !strstr(accept, "application/json");
}

static void parse_by_basis(api_req *r, api_problem *pb, stats_query *q) {
  const char *by = api_query(r, "by");
  q->by = TB_STATS_BY_BUREAU;
  if (by) {
    size_t i = 0;
    while (i < 3 && strcmp(by, by_names[i]) != 0)
      i++;
    if (i == 3)
      api_problem_field(pb, "by", TB_PROBLEM_INVALID_REQUEST,
                        "must be bureau, service or window");
    else
      q->by = (tb_stats_by)i;
  }
  const char *basis = api_query(r, "basis");
  q->basis = TB_STATS_ACCEPTED;
  if (basis && strcmp(basis, "completed") == 0)
    q->basis = TB_STATS_COMPLETED;
  else if (basis && strcmp(basis, "accepted") != 0)
    api_problem_field(pb, "basis", TB_PROBLEM_INVALID_REQUEST,
                      "must be accepted or completed");
}

/* Read and check the query; false when a problem was sent. */
static bool parse_query(api_req *r, stats_query *q) {
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_REQUEST, "the query has problems");
  parse_by_basis(r, &pb, q);
  q->csv = wants_csv(r, &pb);
  bool dates = query_date(r, &pb, "from", &q->from, &q->from_day);
  dates = query_date(r, &pb, "to", &q->to, &q->to_day) && dates;
  if (dates && q->from_day > q->to_day)
    api_problem_field(&pb, "to", TB_PROBLEM_OUT_OF_RANGE,
                      "must not be before from");
  else if (dates && q->to_day - q->from_day >= STATS_MAX_DAYS)
    api_problem_field(&pb, "to", TB_PROBLEM_OUT_OF_RANGE,
                      "the range is longer than %d days", STATS_MAX_DAYS);
  if (api_problem_has_errors(&pb)) {
    api_problem_send(r, &pb);
    return false;
  }
  api_problem_free(&pb);
  return true;
}

/* Bureau rows get their name from the stored bureau list (the code when
 * the list does not name it). */
static void name_bureaus(tb_store *s, json_t *rows) {
  json_t *names = api_bureau_names(s);
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    const char *code = json_string_value(json_object_get(row, "key"));
    json_t *name = names && code ? json_object_get(names, code) : NULL;
    if (name)
      json_object_set(row, "name", name);
    else
      json_object_set_new(row, "name", code ? json_string(code) : json_null());
  }
  json_decref(names);
}

/* ---- CSV ------------------------------------------------------------------
 */

/* One field, quoted when it holds a comma, a quote or a line break
 * (RFC 4180). */
static void csv_text(tb_buf *b, const char *s) {
  if (!strpbrk(s, ",\"\r\n")) {
    tb_buf_adds(b, s);
    return;
  }
  tb_buf_adds(b, "\"");
  for (const char *p = s; *p; p++)
    tb_buf_add(b, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
  tb_buf_adds(b, "\"");
}

/* A value of a row: kind 'i' an integer, 'd' days with one decimal, 'r' a
 * rate as a percentage; empty when null. */
static void csv_value(tb_buf *b, json_t *row, const char *field, char kind) {
  json_t *v = json_object_get(row, field);
  tb_buf_adds(b, ",");
  if (!json_is_number(v))
    return;
  if (kind == 'i')
    tb_buf_addf(b, "%lld", (long long)json_integer_value(v));
  else if (kind == 'd')
    tb_buf_addf(b, "%.1f", json_number_value(v));
  else
    tb_buf_addf(b, "%.1f%%", json_number_value(v) * 100);
}

static const struct {
  const char *field, *title;
  char kind;
} csv_columns[] = {
    {"applications", "申请件数", 'i'},
    {"completed", "办结件数", 'i'},
    {"on_time", "按时办结件数", 'i'},
    {"on_time_rate", "按时办结率", 'r'},
    {"average_days", "平均用时（工作日）", 'd'},
    {"p90_days", "90%办件用时（工作日）", 'd'},
    {"returns", "退回次数", 'i'},
    {"denials", "不予许可件数", 'i'},
    {"red_cards", "红牌数", 'i'},
    {"rated", "评价数", 'i'},
    {"grade_1", "非常不满意", 'i'},
    {"grade_2", "不满意", 'i'},
    {"grade_3", "基本满意", 'i'},
    {"grade_4", "满意", 'i'},
    {"grade_5", "非常满意", 'i'},
    {"satisfaction_rate", "满意率", 'r'},
    {"bad", "差评数", 'i'},
    {"bad_fixed_on_time", "差评按时整改数", 'i'},
};
#define CSV_COLUMNS (sizeof csv_columns / sizeof csv_columns[0])

/* The name a person reads in the first columns: a window without a clerk
 * is its channel. */
static const char *row_name(const stats_query *q, json_t *row) {
  const char *name = json_string_value(json_object_get(row, "name"));
  const char *key = json_string_value(json_object_get(row, "key"));
  if (name)
    return name;
  if (q->by == TB_STATS_BY_WINDOW && key && strcmp(key, "channel:online") == 0)
    return "网上申请（未记录受理人）";
  if (q->by == TB_STATS_BY_WINDOW)
    return "窗口（未记录受理人）";
  return key ? key : "";
}

static char *csv_of(const stats_query *q, json_t *rows, size_t *len) {
  tb_buf b;
  tb_buf_init(&b, STATS_MAX_CSV);
  tb_buf_adds(&b, "\xEF\xBB\xBF");
  tb_buf_addf(&b, "%s代码,%s", by_titles[q->by], by_titles[q->by]);
  for (size_t c = 0; c < CSV_COLUMNS; c++)
    tb_buf_addf(&b, ",%s", csv_columns[c].title);
  tb_buf_adds(&b, "\r\n");
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    const char *key = json_string_value(json_object_get(row, "key"));
    csv_text(&b, key ? key : "");
    tb_buf_adds(&b, ",");
    csv_text(&b, row_name(q, row));
    for (size_t c = 0; c < CSV_COLUMNS; c++)
      csv_value(&b, row, csv_columns[c].field, csv_columns[c].kind);
    tb_buf_adds(&b, "\r\n");
  }
  return tb_buf_take(&b, len);
}

static void reply_csv(api_req *r, const stats_query *q, json_t *rows) {
  size_t len = 0;
  char *csv = csv_of(q, rows, &len);
  if (!csv) {
    api_fail(r, TB_PROBLEM_LIMIT, "the table is too large for one file");
    return;
  }
  char name[128];
  snprintf(name, sizeof name, "办件统计-按%s-%s至%s.csv", by_titles[q->by],
           q->from, q->to);
  api_reply_file(r, "text/csv; charset=utf-8", csv, len, name, "statistics.csv",
                 true);
}

void api_h_supervision_statistics(api_req *r) {
  stats_query q;
  if (!parse_query(r, &q))
    return;
  tb_store *s = api_store(r);
  if (!s)
    return;
  char *text = NULL;
  tb_store_status rc =
      tb_store_stats_read(s, q.by, q.basis, q.from, q.to, &text);
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return;
  }
  json_t *rows = api_json_load(text);
  free(text);
  if (!json_is_array(rows)) {
    json_decref(rows);
    api_fail(r, TB_PROBLEM_INTERNAL, "the statistics could not be read");
    return;
  }
  if (q.by == TB_STATS_BY_BUREAU)
    name_bureaus(s, rows);
  if (q.csv) {
    reply_csv(r, &q, rows);
    json_decref(rows);
    return;
  }
  api_reply_json(
      r, 200,
      json_pack("{s:s, s:s, s:s, s:s, s:o}", "by", by_names[q.by], "basis",
                q.basis == TB_STATS_COMPLETED ? "completed" : "accepted",
                "from", q.from, "to", q.to, "items", rows));
}
