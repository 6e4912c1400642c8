/*
 * fuzz_json_request.c — a libFuzzer target for the REST API's request
 * bodies: the one place JSON is parsed (api_body_object: UTF-8 check,
 * jansson with duplicate keys refused, object required), then the field
 * tables every handler declares (api_fields_parse), and the problem+json
 * answer built from the result. Build and run it by hand from the source
 * folder:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *     -Iengine -Istore -Iworkflows -Iapi tests/fuzz/fuzz_json_request.c \
 *     api/api_json.c api/api_reply.c $(ls engine/[a-z]*.c) \
 *     $(pkg-config --libs jansson) -lm -o /tmp/fuzz_json_request
 *   /tmp/fuzz_json_request -max_len=4096
 *
 * Built with -DTB_FUZZ_SMOKE (as tests/api does), it is a TAP test that
 * feeds the target a set of seeds, every truncation of them and a fixed
 * series of random byte mutations. Invariants: no crash, leak or
 * sanitizer report; every input gets an answer; a refusal is a problem
 * with a status from 400 to 422 and a body that is valid JSON.
 */
#include "tb_api_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The API's field tables, on whatever the body holds: an intake-like
 * table with a nested object, a choice, an integer and an array, a rule
 * across fields, and the payload built from it. */
static void read_fields(json_t *body) {
  api_problem pb;
  api_problem_init(&pb, TB_PROBLEM_INVALID_REQUEST, "fuzz");
  static const char *const channels[] = {"window", "online", NULL};
  static const char *const kinds[] = {"person", "organization", NULL};
  const char *s = NULL, *id = NULL;
  long long n = 0;
  int channel = -1, kind = -1;
  json_t *form = NULL, *materials = NULL;
  api_field applicant[] = {API_CHOICE("kind", API_REQUIRED, kinds, &kind),
                           API_STRING("name", API_REQUIRED, 100, &s),
                           API_STRING("id_number", API_REQUIRED, 18, &id),
                           API_END};
  api_field spec[] = {API_STRING("service", API_REQUIRED, 63, &s),
                      API_OBJECT("applicant", API_OPTIONAL, applicant, NULL),
                      API_OBJECT("form", API_OPTIONAL, NULL, &form),
                      API_ARRAY("materials", API_OPTIONAL,
                                "an array of material ids", &materials),
                      API_CHOICE("channel", API_OPTIONAL, channels, &channel),
                      API_INT("grade", API_OPTIONAL | API_SECRET, 1, 5, &n),
                      API_STRING("comment", API_OPTIONAL, 2000, NULL),
                      API_END};
  api_fields_parse(&pb, body, NULL, spec);
  api_field_require(&pb, &spec[6]);
  if (id)
    tb_id_check_citizen(id, strlen(id), 0, NULL);
  json_decref(api_fields_payload(spec));
  api_problem_free(&pb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  api_req r;
  memset(&r, 0, sizeof r);
  r.arena = tb_arena_new();
  char *copy = tb_xmalloc(size + 1);
  memcpy(copy, data, size);
  copy[size] = '\0';
  r.body = copy;
  r.body_len = size;
  json_t *body = api_body_object(&r);
  if (body) {
    read_fields(body);
    json_decref(body);
  } else {
    json_t *answer = json_loadb(r.reply, r.reply_len, 0, NULL);
    if (!r.replied || r.status < 400 || r.status > 422 || !answer)
      abort(); /* every refusal is a well-formed problem */
    json_decref(answer);
  }
  free(copy);
  tb_arena_free(r.arena);
  return 0;
}

#ifdef TB_FUZZ_SMOKE
static const char *const seeds[] = {
    "",
    "{}",
    "{\"service\":\"qykb\",\"channel\":\"window\",\"applicant\":{\"kind\":"
    "\"person\",\"name\":\"张三\",\"id_number\":\"11010519491231002X\"},"
    "\"form\":{\"a\":1,\"b\":[\"x\"]},\"materials\":[\"m\"]}",
    "{\"grade\":5,\"grade\":4}",
    "[1,2,3]",
    "{\"service\":\"q\\u0000x\"}",
    "{\"service\":\"\xff\xfe\"}",
    "{\"a\":{\"b\":{\"c\":[[[[[[[[[[]]]]]]]]]]}}}",
    "{\"grade\":1e400}",
    "\xef\xbb\xbf{}",
};

int main(void) {
  int n = 0;
  unsigned seed = 12345;
  for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
    const uint8_t *s = (const uint8_t *)seeds[i];
    size_t len = strlen(seeds[i]);
    for (size_t k = 0; k <= len; k++)
      LLVMFuzzerTestOneInput(s, k);
    uint8_t buf[512];
    for (int round = 0; round < 500 && len > 0 && len < sizeof buf; round++) {
      memcpy(buf, s, len);
      for (int m = 0; m < 3; m++)
        buf[(size_t)rand_r(&seed) % len] = (uint8_t)rand_r(&seed);
      LLVMFuzzerTestOneInput(buf, len);
    }
    printf("ok %d - seed %zu, its truncations and 500 mutations\n", ++n, i);
  }
  printf("1..%d\n", n);
  return 0;
}
#endif
