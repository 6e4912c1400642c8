/*
 * api_alerts.c — electronic supervision's rules and findings, red cards
 * answered and decided, and 催办:
 *
 *   GET  /api/v1/supervision/rules                 the loaded rules
 *   GET  /api/v1/supervision/findings?rule=&level=&bureau=&from=&to=
 *        &state=&limit=&after=                     paged, newest first
 *   GET  /api/v1/supervision/findings/counts       per bureau and rule
 *   GET  /api/v1/supervision/urges?bureau=         urged open tasks
 *   GET  /api/v1/supervision/findings/{id}
 *   GET  /api/v1/supervision/findings/{id}/file    the answer's file
 *   POST /api/v1/supervision/findings/{id}/answer  {kind, text, attachment}
 *   POST /api/v1/supervision/findings/{id}/decision {decision, reason}
 *   POST /api/v1/tasks/{id}/urge                   {reason}
 *
 * An inspector sees every finding; an officer sees its bureau's and
 * answers its bureau's red cards (情况说明 explanation or 申诉 appeal,
 * with an optional PDF, JPEG or PNG given as base64 and checked from its
 * bytes like a material); an inspector decides a card (维持 upheld or 撤销
 * revoked) with a reason. One answer and one decision per card: a second
 * is 409 naming the card's state. A clerk or an inspector urges an open
 * or claimed task. The store writes each change with its audit event
 * (store/tb_store_alerts.c).
 */
#include "api_filetype.h"
#include "tb_api_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEXT 2000
#define MAX_URGE 500
#define PAGE_DEFAULT 100
#define PAGE_MAX 500

/* ---- small readers ------------------------------------------------------- */

/* A positive whole number (the whole string); 0 when it is not one. */
static int64_t positive(const char *text) {
  if (!text || !*text)
    return 0;
  char *end = NULL;
  errno = 0;
  long long v = strtoll(text, &end, 10);
  return errno || !end || *end || v <= 0 ? 0 : (int64_t)v;
}

static bool is_officer(const api_req *r) {
  return strcmp(r->who.role, "officer") == 0;
}

/* Reply with the store's JSON text (freed here): a finding that is not
 * there is 404, the rest as every supervision read. */
static void reply_text(api_req *r, tb_store_status rc, char *json) {
  if (rc == TB_STORE_NOT_FOUND) {
    free(json);
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such finding");
  } else
    api_reply_store_json(r, rc, json, NULL);
}

/* ---- the rules ------------------------------------------------------------
 */

void api_h_supervision_rules(api_req *r) {
  const tb_rule_set *rs = api_rules_of(r);
  json_t *items = json_array();
  for (size_t i = 0; rs && i < rs->n; i++) {
    const tb_rule *u = &rs->items[i];
    json_array_append_new(
        items,
        json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", u->id, "kind",
                  tb_rule_kind_name(u->kind), "level",
                  u->level == TB_WARN_RED ? "red" : "yellow", "name", u->name,
                  "threshold",
                  u->threshold ? json_integer(u->threshold) : json_null()));
  }
  api_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/* ---- the findings -------------------------------------------------------- */

static bool rule_id_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 63)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
      return false;
  return true;
}

static bool one_of(const char *s, const char *const *list) {
  for (size_t i = 0; list[i]; i++)
    if (strcmp(s, list[i]) == 0)
      return true;
  return false;
}

static void check_date(api_problem *pb, const char *name, const char *v) {
  tb_day d;
  if (v && tb_date_parse(v, strlen(v), &d) != TB_OK)
    api_problem_field(pb, name, TB_PROBLEM_INVALID_REQUEST,
                      "must be a date YYYY-MM-DD");
}

/* The officer's bureau stands for ?bureau=; another one is refused. */
static bool scope_bureau(api_req *r, const char **bureau) {
  if (!is_officer(r))
    return true;
  if (*bureau && strcmp(*bureau, r->who.bureau) != 0) {
    api_fail_field(r, TB_PROBLEM_WRONG_BUREAU, "bureau",
                   "an officer of %s sees only the findings of %s",
                   r->who.bureau, r->who.bureau);
    return false;
  }
  *bureau = r->who.bureau;
  return true;
}

/* The query of the list; false when a problem reply is set. */
static bool read_query(api_req *r, tb_store_alert_query *q) {
  static const char *const levels[] = {"yellow", "red", NULL};
  static const char *const states[] = {"open",   "answered", "decided",
                                       "upheld", "revoked",  NULL};
  memset(q, 0, sizeof *q);
  q->rule = api_query(r, "rule");
  q->level = api_query(r, "level");
  q->bureau = api_query(r, "bureau");
  q->from = api_query(r, "from");
  q->to = api_query(r, "to");
  q->state = api_query(r, "state");
  const char *limit = api_query(r, "limit"), *after = api_query(r, "after");
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_REQUEST, "the query has problems");
  if (q->rule && !rule_id_ok(q->rule))
    api_problem_field(&pb, "rule", TB_PROBLEM_INVALID_REQUEST,
                      "must be a rule id of GET /api/v1/supervision/rules");
  if (q->level && !one_of(q->level, levels))
    api_problem_field(&pb, "level", TB_PROBLEM_INVALID_REQUEST,
                      "must be yellow or red");
  if (q->state && !one_of(q->state, states))
    api_problem_field(&pb, "state", TB_PROBLEM_INVALID_REQUEST,
                      "must be open, answered, decided, upheld or revoked");
  if (q->bureau && strlen(q->bureau) > 63)
    api_problem_field(&pb, "bureau", TB_PROBLEM_INVALID_REQUEST,
                      "must be a bureau code");
  check_date(&pb, "from", q->from);
  check_date(&pb, "to", q->to);
  q->limit = limit ? (int)positive(limit) : PAGE_DEFAULT;
  if (q->limit < 1 || q->limit > PAGE_MAX)
    api_problem_field(&pb, "limit", TB_PROBLEM_OUT_OF_RANGE,
                      "must be a whole number from 1 to %d", PAGE_MAX);
  q->after = after ? positive(after) : 0;
  if (after && q->after == 0)
    api_problem_field(&pb, "after", TB_PROBLEM_INVALID_REQUEST,
                      "must be the \"next\" cursor of the previous page");
  if (api_problem_has_errors(&pb)) {
    api_problem_send(r, &pb);
    return false;
  }
  api_problem_free(&pb);
  return scope_bureau(r, &q->bureau);
}

void api_h_findings_list(api_req *r) {
  tb_store_alert_query q;
  if (!read_query(r, &q))
    return;
  tb_store *s = api_store(r);
  if (!s)
    return;
  char *json = NULL;
  tb_store_status rc = tb_store_alerts_read(s, &q, &json);
  reply_text(r, rc, json);
}

/* A read of one bureau's (or every bureau's) JSON, ?bureau= scoped. */
typedef tb_store_status (*bureau_read_fn)(tb_store *s, const char *bureau,
                                          char **json);

static void bureau_read(api_req *r, bureau_read_fn fn) {
  const char *bureau = api_query(r, "bureau");
  if (!scope_bureau(r, &bureau))
    return;
  tb_store *s = api_store(r);
  if (!s)
    return;
  char *json = NULL;
  tb_store_status rc = fn(s, bureau, &json);
  reply_text(r, rc, json);
}

void api_h_findings_counts(api_req *r) {
  bureau_read(r, tb_store_alerts_counts);
}

void api_h_supervision_urges(api_req *r) {
  bureau_read(r, tb_store_urges_read);
}

/* The finding of the path as a new JSON object, checked against an
 * officer's bureau; NULL when a reply is set. */
static json_t *load_finding(api_req *r, tb_store *s, int64_t id) {
  char *json = NULL;
  tb_store_status rc =
      id ? tb_store_alert_read(s, id, &json) : TB_STORE_NOT_FOUND;
  if (rc != TB_STORE_OK) {
    reply_text(r, rc, json);
    return NULL;
  }
  json_t *v = api_json_load(json);
  free(json);
  if (!v) {
    api_fail(r, TB_PROBLEM_INTERNAL, "the finding could not be read");
    return NULL;
  }
  const char *bureau = json_string_value(json_object_get(v, "bureau"));
  if (is_officer(r) && (!bureau || strcmp(bureau, r->who.bureau) != 0)) {
    json_decref(v);
    api_fail(r, TB_PROBLEM_WRONG_BUREAU, "this finding is not of bureau %s",
             r->who.bureau);
    return NULL;
  }
  return v;
}

void api_h_finding_get(api_req *r) {
  tb_store *s = api_store(r);
  if (!s)
    return;
  json_t *v = load_finding(r, s, positive(r->params[0]));
  if (v)
    api_reply_json(r, 200, v);
}

void api_h_finding_file(api_req *r) {
  tb_store *s = api_store(r);
  if (!s)
    return;
  int64_t id = positive(r->params[0]);
  json_t *v = load_finding(r, s, id);
  if (!v)
    return;
  json_decref(v);
  tb_store_file f;
  tb_store_status rc = tb_store_alert_file_read(s, id, &f);
  if (rc == TB_STORE_NOT_FOUND)
    api_fail(r, TB_PROBLEM_NOT_FOUND, "the answer has no file");
  else if (rc != TB_STORE_OK)
    api_fail_store(r, rc);
  else {
    const char *dl = api_query(r, "download");
    api_file_reply(r, &f, dl && strcmp(dl, "1") == 0);
    tb_store_file_clear(&f);
  }
}

/* ---- answers and decisions ------------------------------------------------
 */

typedef struct {
  int64_t id;
  tb_store_alert_answer answer;
  const char *decision, *reason;
  char name[API_FILENAME_MAX + 1];
} card_job;

/* A refused answer or decision: 409 naming the card's state, 403 for
 * another bureau's card. */
static void card_refused(api_req *r, const tb_store_alert_result *o) {
  api_problem pb;
  tb_problem_code code = TB_PROBLEM_ALERT_DECIDED;
  const char *detail = "the card is decided already";
  if (o->refusal == TB_STORE_ALERT_WRONG_BUREAU) {
    api_fail(r, TB_PROBLEM_WRONG_BUREAU, "this card is not of bureau %s",
             r->who.bureau);
    return;
  }
  if (o->refusal == TB_STORE_ALERT_ANSWERED) {
    code = TB_PROBLEM_ALERT_ANSWERED;
    detail = "the card is answered already";
  } else if (o->refusal == TB_STORE_ALERT_NOT_RED) {
    code = TB_PROBLEM_NOT_RED_CARD;
    detail = "a yellow finding is not answered";
  }
  api_problem_init(&pb, code, detail);
  api_problem_set(&pb, "state", json_string(o->state));
  api_problem_send(r, &pb);
}

/* After a change: answer with the finding as it is now. */
static tb_store_status reply_finding(api_req *r, tb_store *s, int64_t id) {
  char *json = NULL;
  tb_store_status rc = tb_store_alert_read(s, id, &json);
  json_t *v = rc == TB_STORE_OK ? api_json_load(json) : NULL;
  free(json);
  if (!v)
    return rc == TB_STORE_OK ? TB_STORE_ERROR : rc;
  api_reply_json(r, 200, v);
  return TB_STORE_OK;
}

static tb_store_status card_change(api_req *r, tb_store *s, void *cls) {
  card_job *j = cls;
  tb_store_actor actor;
  api_actor(r, &actor);
  tb_store_alert_result o;
  tb_store_status rc =
      j->decision
          ? tb_store_alert_decide_in(s, j->id, j->decision, j->reason, &actor,
                                     r->now, &o)
          : tb_store_alert_answer_in(s, j->id, &j->answer, &actor, r->now, &o);
  if (rc == TB_STORE_NOT_FOUND)
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such finding");
  else if (rc == TB_STORE_REFUSED)
    card_refused(r, &o);
  if (rc != TB_STORE_OK)
    return rc;
  return reply_finding(r, s, j->id);
}

/* Standard base64 (padding allowed) through the utility layer's
 * base64url decoder: the two alphabets differ in two characters. The
 * bytes are in the arena; false when it is not base64. */
static bool base64_bytes(api_req *r, const char *text, uint8_t **out,
                         size_t *len) {
  size_t n = strlen(text);
  while (n > 0 && text[n - 1] == '=')
    n--;
  char *url = tb_arena_strndup(r->arena, text, n);
  for (size_t i = 0; i < n; i++)
    url[i] = url[i] == '+' ? '-' : url[i] == '/' ? '_' : url[i];
  size_t cap = n / 4 * 3 + 3;
  *out = tb_arena_alloc(r->arena, cap);
  return tb_b64url_decode(url, n, *out, cap, len);
}

/* The attachment {name, content}, checked from its bytes; false when a
 * problem naming "attachment" is set (its code's status: 415 for a file
 * of another type). */
static bool read_attachment(api_req *r, const char *name, const char *content,
                            card_job *j) {
  uint8_t *bytes = NULL;
  size_t len = 0;
  if (!base64_bytes(r, content, &bytes, &len)) {
    api_fail_field(r, TB_PROBLEM_INVALID_REQUEST, "attachment",
                   "content must be the file's bytes in base64");
    return false;
  }
  api_filetype t;
  api_filetype_status st = api_filetype_detect(bytes, len, NULL, &t);
  if (st == API_FILETYPE_EMPTY)
    api_fail_field(r, TB_PROBLEM_EMPTY_FILE, "attachment", "the file is empty");
  else if (st == API_FILETYPE_UNKNOWN)
    api_fail_field(r, TB_PROBLEM_UNSUPPORTED_FILE_TYPE, "attachment",
                   "the bytes are not a PDF, JPEG or PNG file");
  else if (st != API_FILETYPE_OK)
    api_fail_field(r, TB_PROBLEM_DAMAGED_FILE, "attachment", "%s", t.why);
  if (st != API_FILETYPE_OK)
    return false;
  api_filename_clean(name, t.extension, j->name);
  j->answer.file_name = j->name;
  j->answer.media_type = t.media_type;
  j->answer.bytes = bytes;
  j->answer.size = len;
  return true;
}

void api_h_finding_answer(api_req *r) {
  static const char *const kinds[] = {"explanation", "appeal", NULL};
  json_t *body = api_body_object(r);
  if (!body)
    return;
  card_job *j = tb_arena_alloc(r->arena, sizeof *j);
  j->id = positive(r->params[0]);
  int kind = -1;
  const char *name = NULL, *content = NULL;
  api_field file[] = {API_STRING("name", API_OPTIONAL, 200, &name),
                      API_STRING("content", API_REQUIRED, 0, &content),
                      API_END};
  api_field spec[] = {
      API_CHOICE("kind", API_REQUIRED, kinds, &kind),
      API_STRING("text", API_REQUIRED, MAX_TEXT, &j->answer.text),
      API_OBJECT("attachment", API_OPTIONAL, file, NULL), API_END};
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_REQUEST,
                   "the answer has problems; see errors");
  if (!api_fields_parse(&pb, body, NULL, spec))
    api_problem_send(r, &pb);
  else {
    api_problem_free(&pb);
    j->answer.kind = kinds[kind];
    if (!content || read_attachment(r, name, content, j))
      api_run_change(r, card_change, j);
  }
  json_decref(body);
}

void api_h_finding_decision(api_req *r) {
  static const char *const decisions[] = {"upheld", "revoked", NULL};
  json_t *body = api_body_object(r);
  if (!body)
    return;
  card_job *j = tb_arena_alloc(r->arena, sizeof *j);
  j->id = positive(r->params[0]);
  int decision = -1;
  api_field spec[] = {
      API_CHOICE("decision", API_REQUIRED, decisions, &decision),
      API_STRING("reason", API_REQUIRED, MAX_TEXT, &j->reason), API_END};
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_REQUEST,
                   "the decision has problems; see errors");
  if (!api_fields_parse(&pb, body, NULL, spec))
    api_problem_send(r, &pb);
  else {
    api_problem_free(&pb);
    j->decision = decisions[decision];
    api_run_change(r, card_change, j);
  }
  json_decref(body);
}

/* ---- 催办 ------------------------------------------------------------------
 */

typedef struct {
  int64_t task;
  const char *reason;
} urge_job;

static tb_store_status urge_change(api_req *r, tb_store *s, void *cls) {
  urge_job *j = cls;
  tb_store_actor actor;
  api_actor(r, &actor);
  const tb_rule *rule =
      tb_rule_set_first(api_rules_of(r), TB_RULE_URGED_REPEATEDLY);
  tb_store_alert_result o;
  tb_store_status rc =
      tb_store_task_urge_in(s, j->task, j->reason, &actor, r->now, rule, &o);
  if (rc == TB_STORE_NOT_FOUND)
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such task");
  else if (rc == TB_STORE_REFUSED) {
    api_problem pb;
    api_problem_init(&pb, TB_PROBLEM_TASK_CLOSED, "the task is closed");
    api_problem_set(&pb, "state", json_string(o.state));
    api_problem_send(r, &pb);
  }
  if (rc != TB_STORE_OK)
    return rc;
  api_reply_json(r, 201,
                 json_pack("{s:I, s:s, s:i, s:s, s:s, s:b}", "task",
                           (json_int_t)j->task, "bureau", o.bureau, "urges",
                           o.urges, "reason", j->reason, "by", r->who.username,
                           "urged_repeatedly", o.raised));
  return TB_STORE_OK;
}

void api_h_task_urge(api_req *r) {
  json_t *body = api_body_object(r);
  if (!body)
    return;
  urge_job *j = tb_arena_alloc(r->arena, sizeof *j);
  j->task = positive(r->params[0]);
  api_field spec[] = {API_STRING("reason", API_REQUIRED, MAX_URGE, &j->reason),
                      API_END};
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_REQUEST, "an urge needs a reason");
  if (!api_fields_parse(&pb, body, NULL, spec))
    api_problem_send(r, &pb);
  else if (j->task == 0) {
    api_problem_free(&pb);
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such task");
  } else {
    api_problem_free(&pb);
    api_run_change(r, urge_change, j);
  }
  json_decref(body);
}
