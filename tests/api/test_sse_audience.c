/*
 * test_sse_audience.c — unit tests of api/api_sse_audience.h: who sees a
 * change event of the live stream. An officer sees its bureaus'
 * applications only (no prefix or substring match of codes, and of a
 * finding or an urge only its own bureau's); a clerk the window's actions
 * and the outcomes that leave review, with five members of data; nobody
 * sees "bureaus". Hostile payloads: not JSON, not an object, no number,
 * duplicate keys, bureaus of the wrong type, codes with separators or
 * lower case, more codes than are kept.
 */
#include "api_sse_audience.h"
#include "tb_engine.h"
#include "tb_test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APP                                                                    \
  "\"number\":\"330100202611300000012\",\"seq\":3,\"warning\":\"none\""

/* Read payload; false when it is no change event. */
static bool parse(const char *payload, api_sse_audience *a) {
  return api_sse_audience_read(payload, a);
}

static void test_officers(void) {
  api_sse_audience a;
  TB_CHECK(parse("{" APP ",\"action\":\"claim\",\"status\":\"in_review\","
                 "\"bureaus\":[\"GA\",\"SCJG\"]}",
                 &a));
  TB_CHECK(api_sse_audience_officer(&a, "GA"));
  TB_CHECK(api_sse_audience_officer(&a, "SCJG"));
  TB_CHECK(!api_sse_audience_officer(&a, "GJJ"));
  TB_CHECK(!api_sse_audience_officer(&a, "G"));   /* a prefix */
  TB_CHECK(!api_sse_audience_officer(&a, "CJG")); /* a suffix */
  TB_CHECK(!api_sse_audience_officer(&a, "GAX")); /* longer */
  TB_CHECK(!api_sse_audience_officer(&a, ""));    /* none */
  TB_CHECK(!api_sse_audience_officer(&a, "GA,")); /* not a code */
  TB_CHECK(!api_sse_audience_officer(&a, NULL));
  TB_CHECK(strstr(a.data, "bureaus") == NULL);
  TB_CHECK(a.window == NULL); /* a claim is not the window's */
  api_sse_audience_free(&a);
  /* no task yet: no officer */
  TB_CHECK(parse("{" APP ",\"action\":\"submit\",\"status\":\"submitted\","
                 "\"bureaus\":[]}",
                 &a));
  TB_CHECK(a.bureaus == NULL);
  TB_CHECK(!api_sse_audience_officer(&a, "GA"));
  api_sse_audience_free(&a);
}

static void test_own_bureau(void) {
  api_sse_audience a;
  /* an urge of SCJG's task in an application GA has a task in too */
  TB_CHECK(parse("{" APP ",\"action\":\"task_urged\",\"status\":\"in_review\","
                 "\"bureau\":\"SCJG\",\"task\":7,\"urges\":1,"
                 "\"bureaus\":[\"GA\",\"SCJG\"]}",
                 &a));
  TB_CHECK(api_sse_audience_officer(&a, "SCJG"));
  TB_CHECK(!api_sse_audience_officer(&a, "GA"));
  TB_CHECK(a.window == NULL);
  api_sse_audience_free(&a);
  /* a finding of the window (bureau null): no officer */
  TB_CHECK(parse("{" APP ",\"action\":\"alert_raised\",\"status\":\"refused\","
                 "\"bureau\":null,\"bureaus\":[\"GA\"]}",
                 &a));
  TB_CHECK(a.bureaus == NULL);
  TB_CHECK(a.window == NULL);
  api_sse_audience_free(&a);
  /* a bureau the application has no task of: nobody */
  TB_CHECK(parse("{" APP ",\"action\":\"alert_answered\","
                 "\"status\":\"in_review\",\"bureau\":\"GJJ\","
                 "\"bureaus\":[\"GA\"]}",
                 &a));
  TB_CHECK(!api_sse_audience_officer(&a, "GJJ"));
  TB_CHECK(!api_sse_audience_officer(&a, "GA"));
  api_sse_audience_free(&a);
}

/* Whether the clerk sees action with status, and its data then. */
static bool window_sees(const char *action, const char *status) {
  char payload[512];
  snprintf(payload, sizeof payload,
           "{" APP ",\"action\":\"%s\",\"status\":\"%s\",\"alert\":9,"
           "\"bureau\":\"SCJG\",\"bureaus\":[\"SCJG\"]}",
           action, status);
  api_sse_audience a;
  if (!parse(payload, &a))
    return false;
  bool seen = a.window != NULL;
  if (seen) {
    json_t *w = json_loads(a.window, 0, NULL);
    TB_CHECKF(json_object_size(w) == 5, "%s", a.window);
    TB_CHECK(json_object_get(w, "bureau") == NULL);
    TB_CHECK(json_object_get(w, "bureaus") == NULL);
    TB_CHECK(json_object_get(w, "alert") == NULL);
    json_decref(w);
  }
  api_sse_audience_free(&a);
  return seen;
}

/* Whether the window sees an action with the status the application has
 * after it: the window's and the applicant's own actions always, a
 * bureau's or the clock's outcome once out of review, the bureaus' and
 * inspectors' own (and an action it does not know) never. */
static const struct {
  const char *action, *status;
  bool seen;
} WINDOW[] = {
    {"submit", "submitted", true},
    {"accept", "in_review", true},
    {"refuse", "refused", true},
    {"request_supplement", "awaiting_supplement", true},
    {"supplement", "in_review", true},
    {"close_notice", "in_review", true},
    {"material_attached", "returned", true},
    {"withdraw", "withdrawn", true},
    {"suspend", "suspended", true},
    {"resume", "in_review", true},
    {"deliver", "delivered", true},
    {"rate", "delivered", true},
    {"approve", "approved", true},
    {"approve", "awaiting_materials", true},
    {"deny", "denied", true},
    {"return", "returned", true},
    {"timer", "terminated", true},
    {"revoke_license", "delivered", true},
    {"deadline_recomputed", "submitted", true},
    {"commitment_false", "terminated", true},
    {"approve", "in_review", false},
    {"return", "in_review", false},
    {"timer", "in_review", false},
    {"deadline_recomputed", "in_review", false},
    {"claim", "in_review", false},
    {"opinion_attached", "in_review", false},
    {"alert_raised", "approved", false},
    {"alert_answered", "in_review", false},
    {"alert_decided", "delivered", false},
    {"task_urged", "in_review", false},
    {"something_new", "approved", false},
};

static void test_window(void) {
  for (size_t i = 0; i < sizeof WINDOW / sizeof WINDOW[0]; i++)
    TB_CHECKF(window_sees(WINDOW[i].action, WINDOW[i].status) == WINDOW[i].seen,
              "%s → %s", WINDOW[i].action, WINDOW[i].status);
}

static void test_hostile(void) {
  api_sse_audience a;
  static const char *const refused[] = {
      "",
      "not json",
      "[]",
      "\"x\"",
      "42",
      "null",
      "{}",
      "{\"number\":7}",
      "{\"action\":\"submit\"}",
      "{\"number\":\"1\",\"number\":\"2\"}", /* duplicate keys */
      "{\"number\":\"1\"",
      "{\"number\":\"1\"}}"};
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    TB_CHECKF(!parse(refused[i], &a), "%s", refused[i]);
    TB_CHECK(a.data == NULL && a.window == NULL && a.bureaus == NULL);
  }
  TB_CHECK(!parse(NULL, &a));
  /* bureaus of the wrong type, and codes that are none */
  TB_CHECK(parse("{\"number\":\"1\",\"bureaus\":\"GA\"}", &a));
  TB_CHECK(a.bureaus == NULL);
  api_sse_audience_free(&a);
  TB_CHECK(parse("{\"number\":\"1\",\"bureaus\":[\"GA,SCJG\",\"ga\",\"\","
                 "7,null,[\"GA\"],\"G A\",\"ABCDEFGHIJKLMNOPQ\",\"1GA\"]}",
                 &a));
  TB_CHECK(a.bureaus == NULL);
  TB_CHECK(!api_sse_audience_officer(&a, "GA"));
  TB_CHECK(!api_sse_audience_officer(&a, "SCJG"));
  api_sse_audience_free(&a);
  /* an action or status that is no string: not the window's */
  TB_CHECK(
      parse("{\"number\":\"1\",\"action\":[\"submit\"],\"status\":1}", &a));
  TB_CHECK(a.window == NULL);
  api_sse_audience_free(&a);
}

static void test_many_bureaus(void) {
  /* 200 codes: the first 64 are kept, the rest are not seen */
  tb_buf b;
  tb_buf_init(&b, 8192);
  tb_buf_adds(&b, "{\"number\":\"1\",\"bureaus\":[");
  for (int i = 0; i < 200; i++)
    tb_buf_addf(&b, "%s\"B%d\"", i ? "," : "", i);
  tb_buf_adds(&b, "]}");
  api_sse_audience a;
  TB_CHECK(parse(tb_buf_str(&b), &a));
  TB_CHECK(api_sse_audience_officer(&a, "B0"));
  TB_CHECK(api_sse_audience_officer(&a, "B63"));
  TB_CHECK(!api_sse_audience_officer(&a, "B64"));
  TB_CHECK(!api_sse_audience_officer(&a, "B199"));
  TB_CHECK(api_sse_audience_officer(&a, "B6"));
  api_sse_audience_free(&a);
  tb_buf_free(&b);
}

int main(void) {
  TB_RUN(test_officers);
  TB_RUN(test_own_bureau);
  TB_RUN(test_window);
  TB_RUN(test_hostile);
  TB_RUN(test_many_bureaus);
  return tb_test_done();
}
