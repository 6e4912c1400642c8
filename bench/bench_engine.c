/*
 * bench_engine.c — the engine alone, in process, on one core: complete
 * business start-up applications (企业开办) driven through tb_engine_step
 * from submission to delivery, as fast as they go.
 *
 *   bench_engine [--seconds S] [--json FILE] BUREAUS.xml DEFINITION.xml
 *
 * Prints transitions per second and applications per second; with --json
 * also writes them as a JSON object. Nothing here is a test: the numbers go
 * in bench/README.md.
 */
#include "tb_engine.h"
#include "tb_workflows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A value inside the field's bounds, so that the form passes the checks
 * and every conditional branch applies (all choices chosen). */
static void fill_value(const tb_field *f, tb_value *v) {
  static const char name[] = "杭州通办测试科技有限公司";
  memset(v, 0, sizeof *v);
  v->present = true;
  switch (f->type) {
  case TB_FIELD_TEXT: {
    size_t chars = f->has_min && f->min > 4 ? (size_t)f->min : 4;
    if (f->has_max && (double)chars > f->max)
      chars = (size_t)f->max;
    v->text = name; /* 3 bytes per character */
    v->text_len = chars * 3 < sizeof name - 1 ? chars * 3 : sizeof name - 1;
    break;
  }
  case TB_FIELD_NUMBER:
    v->number = f->has_min ? f->min : f->has_max && f->max < 1 ? f->max : 1;
    break;
  case TB_FIELD_MONEY:
    v->money = f->has_min ? (int64_t)f->min : 100000;
    break;
  case TB_FIELD_DATE:
    v->date = f->has_min ? (tb_day)f->min : 20000;
    break;
  case TB_FIELD_CHOICE:
    v->choices = f->multiple
                     ? (f->n_choices >= 64 ? ~(uint64_t)0
                                           : ((uint64_t)1 << f->n_choices) - 1)
                     : 1;
    break;
  case TB_FIELD_BOOLEAN:
    v->boolean = true;
    break;
  case TB_FIELD_ID_NUMBER:
    v->text = "11010519491231002X";
    v->text_len = 18;
    break;
  }
}

typedef struct {
  tb_context ctx;
  tb_effects fx;
  long transitions;
  long refused;
} run_t;

static void step(run_t *r, tb_app_state *s, const tb_event *e) {
  tb_problem p;
  if (tb_engine_step(&r->ctx, s, e, &r->fx, &p) == TB_OK)
    r->transitions++;
  else
    r->refused++;
}

/* One application from submission to delivery: every branch's tasks are
 * claimed and approved in turn, in rounds, until the join approves. */
static void one_application(run_t *r, int64_t t) {
  const tb_definition *def = r->ctx.def;
  tb_app_state s;
  memset(&s, 0, sizeof s);
  uint64_t all = def->n_materials >= 64 ? ~(uint64_t)0
                                        : ((uint64_t)1 << def->n_materials) - 1;
  tb_event e = {.kind = TB_EV_SUBMIT, .at = t, .materials = all};
  step(r, &s, &e);
  e = (tb_event){.kind = TB_EV_ACCEPT, .at = t + 60};
  step(r, &s, &e);
  for (int guard = 0; s.status == TB_APP_IN_REVIEW && guard < 64; guard++) {
    for (uint8_t b = 0; b < s.n_branches; b++) {
      if (s.branches[b].status != TB_BRANCH_ACTIVE)
        continue;
      e = (tb_event){.kind = TB_EV_CLAIM,
                     .at = t + 120,
                     .actor = 7,
                     .branch = b,
                     .step = s.branches[b].step};
      step(r, &s, &e);
      e.kind = TB_EV_APPROVE;
      step(r, &s, &e);
    }
  }
  e = (tb_event){.kind = TB_EV_DELIVER, .at = t + 600};
  step(r, &s, &e);
}

int main(int argc, char **argv) {
  double seconds = 3;
  const char *json = NULL;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
      seconds = strtod(argv[++i], NULL);
    else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
      json = argv[++i];
    else
      break;
  }
  if (argc - i != 2 || !(seconds > 0 && seconds < 3600)) {
    fprintf(stderr, "usage: bench_engine [--seconds S] [--json FILE] "
                    "BUREAUS.xml DEFINITION.xml\n");
    return 2;
  }
  tb_workflows_problems ps = {0};
  tb_bureau_list *bureaus = NULL;
  tb_definition *def = NULL;
  if (tb_workflows_load_bureaus(argv[i], &bureaus, &ps) != TB_OK ||
      tb_workflows_load_file(argv[i + 1], bureaus, &def, &ps) != TB_OK) {
    tb_workflows_problems_print(&ps, stderr);
    return 1;
  }
  tb_calendar *cal = tb_calendar_new(8 * 3600);
  static tb_form form;
  for (size_t f = 0; f < def->n_fields; f++)
    fill_value(&def->fields[f], &form.values[f]);

  run_t r = {.ctx = {.def = def, .calendar = cal, .form = &form}};
  const int64_t t0 = 1795000000; /* 2026-11-18, a Wednesday */
  one_application(&r, t0);
  if (r.refused) {
    fprintf(stderr, "bench_engine: the engine refused a step of the "
                    "lifecycle; the benchmark would measure nothing\n");
    return 1;
  }
  long apps = 0;
  double start = now_seconds(), elapsed = 0;
  while (elapsed < seconds) {
    for (int k = 0; k < 1000; k++)
      one_application(&r, t0 + apps++ % 86400);
    elapsed = now_seconds() - start;
  }
  double tps = (double)r.transitions / elapsed;
  double aps = (double)apps / elapsed;
  printf("engine (%s): %.0f transitions/s, %.0f applications/s, %.1f "
         "transitions per application, one core, %ld refused\n",
         def->id, tps, aps, (double)r.transitions / (double)apps, r.refused);
  if (json) {
    FILE *out = fopen(json, "w");
    if (!out) {
      perror(json);
      return 1;
    }
    fprintf(out,
            "{\"workflow\":\"%s\",\"transitions_per_second\":%.0f,"
            "\"applications_per_second\":%.0f,\"seconds\":%.2f,"
            "\"refused\":%ld}\n",
            def->id, tps, aps, elapsed, r.refused);
    fclose(out);
  }
  tb_definition_free(def);
  tb_workflows_free_bureaus(bureaus);
  tb_calendar_free(cal);
  tb_workflows_problems_free(&ps);
  return r.refused ? 1 : 0;
}
