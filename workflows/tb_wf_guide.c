/*
 * tb_wf_guide.c — reading a definition's <guide> (办事指南) into a
 * tb_guide, with the checks the schema cannot make: the implementation
 * code's shape and check character, fees (free, or amounts above zero),
 * phone numbers, delivery methods the service's delivery attribute allows,
 * and repeated entries. Every problem is reported at its line.
 */
#include "tb_guide.h"
#include "tb_wf_internal.h"

#include <string.h>

/* 实施编码: an 18-character credit code, then 10 to 24 digits (the basic
 * code and the 业务办理项). */
#define CODE_DIGITS_MIN 10
#define CODE_DIGITS_MAX 24
#define PHONE_MAX 32

typedef struct {
  tb_wf_ctx *cx;
  tb_arena *a;
  const tb_definition *def;
  tb_guide *g;
} reader;

static void check_code(reader *r, const xmlNode *e, const char *code) {
  size_t len = strlen(code);
  const char *todo = "write the implementing organization's 18-character "
                     "credit code followed by the item's 10 to 24 digits";
  if (len < 18 + CODE_DIGITS_MIN || len > 18 + CODE_DIGITS_MAX) {
    tb_wf_problem(r->cx, tb_wf_line(e), todo,
                  "guide code '%.64s' has %zu characters, not 28 to 42", code,
                  len);
    return;
  }
  tb_problem p = {0};
  if (tb_id_check_credit_code(code, 18, &p) != TB_OK) {
    tb_wf_problem(r->cx, tb_wf_line(e), todo,
                  "guide code '%.64s' does not start with a valid credit "
                  "code: %s",
                  code, p.detail);
    return;
  }
  for (size_t i = 18; i < len; i++)
    if (code[i] < '0' || code[i] > '9') {
      tb_wf_problem(r->cx, tb_wf_line(e), todo,
                    "guide code '%.64s' has '%c' after the credit code where "
                    "only digits may follow",
                    code, code[i]);
      return;
    }
}

/* The trimmed texts of every child `name`, refusing the same text twice. */
static const char *const *texts(reader *r, const xmlNode *parent,
                                const char *name, const char *what, size_t *n) {
  size_t count = tb_wf_count(parent, name);
  const char **out = tb_arena_alloc(r->a, (count ? count : 1) * sizeof *out);
  size_t k = 0;
  for (xmlNode *e = tb_wf_first(parent, name); e; e = tb_wf_next(e, name)) {
    const char *t = tb_wf_text(r->a, e);
    bool seen = false;
    for (size_t i = 0; i < k && !seen; i++)
      seen = strcmp(out[i], t) == 0;
    if (seen)
      tb_wf_problem(r->cx, tb_wf_line(e), "write each once",
                    "the same %s appears twice: '%.80s'", what, t);
    else
      out[k++] = t;
  }
  *n = k;
  return out;
}

static bool parse_fen(const char *s, int64_t *fen, tb_problem *p) {
  /* the form's own money parser: yuan, two decimals, above zero */
  tb_field money = {.id = "amount",
                    .label = "amount",
                    .type = TB_FIELD_MONEY,
                    .required = true,
                    .has_min = true,
                    .min = 1,
                    .has_max = true,
                    .max = 1e11};
  tb_value v = {0};
  if (tb_value_parse(&money, s, strlen(s), 0, &v, p) != TB_OK)
    return false;
  *fen = v.money;
  return true;
}

static void read_fees(reader *r, const xmlNode *fees) {
  tb_guide *g = r->g;
  const char *free_text = tb_wf_attr(r->a, fees, "free");
  g->free_of_charge = free_text && (strcmp(free_text, "true") == 0 ||
                                    strcmp(free_text, "1") == 0);
  size_t count = tb_wf_count(fees, "fee");
  int line = tb_wf_line(fees);
  if (g->free_of_charge && count > 0)
    tb_wf_problem(r->cx, line, "remove free=\"true\" or the <fee> elements",
                  "<fees free=\"true\"> also lists %zu fee(s)", count);
  if (!g->free_of_charge && count == 0)
    tb_wf_problem(r->cx, line, "write <fees free=\"true\"/> or list each <fee>",
                  "<fees> says neither free nor what is charged");
  tb_guide_fee *out = tb_arena_alloc(r->a, (count ? count : 1) * sizeof *out);
  size_t k = 0;
  for (xmlNode *e = tb_wf_first(fees, "fee"); e; e = tb_wf_next(e, "fee")) {
    tb_guide_fee *f = &out[k++];
    f->name = tb_wf_attr(r->a, e, "name");
    f->basis = tb_wf_attr(r->a, e, "basis");
    const char *amount = tb_wf_attr(r->a, e, "amount");
    tb_problem p = {0};
    if (!parse_fen(amount ? amount : "", &f->fen, &p))
      tb_wf_problem(r->cx, tb_wf_line(e),
                    "write yuan above zero with at most two decimals, e.g. "
                    "\"10.00\"",
                    "fee '%.80s' has the amount '%.40s': %s",
                    f->name ? f->name : "", amount ? amount : "", p.detail);
  }
  g->fees = out;
  g->n_fees = k;
}

/* A phone number: digits with '-', '+', spaces and parentheses, 3 to 32
 * characters, at least three digits. */
static const char *read_phone(reader *r, const xmlNode *e, const char *name) {
  const char *s = tb_wf_attr(r->a, e, name);
  if (!s)
    s = "";
  size_t len = strlen(s), digits = 0;
  bool ok = len >= 3 && len <= PHONE_MAX;
  for (size_t i = 0; ok && i < len; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9')
      digits++;
    else if (!strchr("-+() ", c))
      ok = false;
  }
  if (!ok || digits < 3)
    tb_wf_problem(r->cx, tb_wf_line(e),
                  "write one number of digits, '-', '+', spaces and "
                  "parentheses, e.g. \"0571-87654321\" or \"12345\"",
                  "%s '%.40s' is not a phone number", name, s);
  return s;
}

static void read_contact(reader *r, const xmlNode *contact) {
  r->g->consult_phone = read_phone(r, contact, "consult");
  r->g->complain_phone = read_phone(r, contact, "complain");
}

static const char *const delivery_names[] = {"window", "post", "electronic"};

/* The kind (schema-checked) and whether the service's delivery attribute
 * allows it: window and post hand over paper, electronic does not. */
static bool read_delivery_kind(reader *r, const xmlNode *e,
                               tb_guide_delivery_kind *kind) {
  const char *s = tb_wf_attr(r->a, e, "kind");
  for (int i = 0; i < 3; i++)
    if (s && strcmp(s, delivery_names[i]) == 0)
      *kind = (tb_guide_delivery_kind)i;
  bool electronic = *kind == TB_GUIDE_DELIVERY_ELECTRONIC;
  if (electronic ? r->def->deliver_electronic : r->def->deliver_window)
    return true;
  tb_wf_problem(r->cx, tb_wf_line(e),
                "remove it or change the service's delivery attribute",
                "delivery method '%s' is not allowed by delivery=\"%s\"",
                delivery_names[*kind], electronic ? "window" : "electronic");
  return false;
}

static void read_deliveries(reader *r, const xmlNode *guide) {
  size_t count = tb_wf_count(guide, "delivery-method");
  tb_guide_delivery *out =
      tb_arena_alloc(r->a, (count ? count : 1) * sizeof *out);
  size_t k = 0;
  bool seen[3] = {false, false, false};
  for (xmlNode *e = tb_wf_first(guide, "delivery-method"); e;
       e = tb_wf_next(e, "delivery-method")) {
    tb_guide_delivery_kind kind = TB_GUIDE_DELIVERY_WINDOW;
    if (!read_delivery_kind(r, e, &kind))
      continue;
    if (seen[kind]) {
      tb_wf_problem(r->cx, tb_wf_line(e), "describe each method once",
                    "delivery method '%s' appears twice", delivery_names[kind]);
      continue;
    }
    seen[kind] = true;
    out[k].kind = kind;
    out[k++].detail = tb_wf_text(r->a, e);
  }
  r->g->deliveries = out;
  r->g->n_deliveries = k;
}

static void read_steps(reader *r, const xmlNode *guide) {
  size_t count = tb_wf_count(guide, "step");
  tb_guide_step *out = tb_arena_alloc(r->a, (count ? count : 1) * sizeof *out);
  size_t k = 0;
  for (xmlNode *e = tb_wf_first(guide, "step"); e; e = tb_wf_next(e, "step")) {
    const char *name = tb_wf_attr(r->a, e, "name");
    for (size_t i = 0; i < k; i++)
      if (strcmp(out[i].name, name) == 0)
        tb_wf_problem(r->cx, tb_wf_line(e), "give each step its own name",
                      "step '%.80s' appears twice", name);
    out[k].name = name;
    out[k++].detail = tb_wf_text(r->a, e);
  }
  r->g->steps = out;
  r->g->n_steps = k;
}

void tb_wf_read_guide(tb_wf_ctx *cx, tb_arena *a, tb_definition *def,
                      const xmlNode *guide) {
  reader r = {.cx = cx, .a = a, .def = def};
  r.g = tb_arena_alloc(a, sizeof *r.g);
  tb_guide *g = r.g;
  g->code = tb_wf_attr(a, guide, "code");
  if (g->code)
    check_code(&r, guide, g->code);
  g->kind = tb_wf_attr(a, guide, "kind");
  if (!g->kind)
    g->kind = "";
  g->basis = texts(&r, guide, "basis", "legal basis", &g->n_basis);
  g->conditions =
      texts(&r, guide, "condition", "acceptance condition", &g->n_conditions);
  xmlNode *part;
  if ((part = tb_wf_first(guide, "fees")))
    read_fees(&r, part);
  if ((part = tb_wf_first(guide, "where"))) {
    g->address = tb_wf_attr(a, part, "address");
    g->hours = tb_wf_attr(a, part, "hours");
  }
  if ((part = tb_wf_first(guide, "contact")))
    read_contact(&r, part);
  read_deliveries(&r, guide);
  read_steps(&r, guide);
  def->guide = g;
}
