/*
 * tb_wf_definition.c — building a tb_definition from a <service> tree that
 * has passed the schema, with the checks that concern one element at a
 * time: attribute values, bounds that fit the field's type, duplicate ids,
 * bureau codes, license items, the engine's fixed limits and the time
 * limits. Checks across branches (conditions, `after`, paths) are in
 * tb_wf_check.c.
 *
 * Everything is allocated from the definition's own arena, the definition
 * struct included; a definition with problems is freed whole.
 */
#include "tb_wf_internal.h"

#include <stdio.h>
#include <string.h>

typedef struct {
  tb_wf_ctx *cx;
  tb_arena *a;
  tb_definition *def;
  const tb_bureau_list *bureaus;
  const char **after_ids; /* per branch, as written */
} builder;

#define TODO_ID "give each its own id"

/* ------------------------------------------------------------------------
 * Attribute values (the schema has checked their lexical form; these
 * parsers are strict anyway and never trust it)
 * ---------------------------------------------------------------------- */

/* An optional unsigned attribute; `fallback` when absent or malformed. */
static unsigned long uint_attr(builder *b, const xmlNode *e, const char *name,
                               unsigned long max, unsigned long fallback) {
  unsigned long v;
  const char *s = tb_wf_attr(b->a, e, name);
  if (!s)
    return fallback;
  if (!tb_wf_parse_uint(s, max, &v)) {
    tb_wf_problem(b->cx, tb_wf_line(e), "write a whole number",
                  "attribute '%s' must be a whole number from 0 to %lu", name,
                  max);
    return fallback;
  }
  return v;
}

static bool bool_attr(builder *b, const xmlNode *e, const char *name,
                      bool fallback) {
  const char *s = tb_wf_attr(b->a, e, name);
  if (!s)
    return fallback;
  if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
    return true;
  if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
    return false;
  tb_wf_problem(b->cx, tb_wf_line(e), "write true or false",
                "attribute '%s' must be true or false", name);
  return fallback;
}

static int enum_attr(builder *b, const xmlNode *e, const char *name,
                     const char *const *names, int fallback) {
  return tb_wf_enum_attr(b->cx, b->a, e, name, names, fallback);
}

static bool has_attr(const xmlNode *e, const char *name) {
  return xmlHasNsProp(e, (const xmlChar *)name, NULL) != NULL;
}

static const char *str_attr(builder *b, const xmlNode *e, const char *name) {
  const char *s = tb_wf_attr(b->a, e, name);
  return s ? s : "";
}

/* A decimal "-?D{1,15}(.D{1,6})?" split into its parts. */
typedef struct {
  bool negative;
  double whole;    /* the integer part */
  unsigned frac;   /* the fraction's digits as a number */
  int frac_digits; /* how many there are */
} decimal;

static bool parse_decimal(const char *s, decimal *d) {
  memset(d, 0, sizeof *d);
  if (*s == '-') {
    d->negative = true;
    s++;
  }
  int digits = 0;
  for (; *s >= '0' && *s <= '9'; s++, digits++)
    d->whole = d->whole * 10 + (*s - '0');
  if (digits == 0 || digits > 15)
    return false;
  if (*s == '.') {
    for (s++; *s >= '0' && *s <= '9'; s++, d->frac_digits++)
      if (d->frac_digits < 6)
        d->frac = d->frac * 10 + (unsigned)(*s - '0');
    if (d->frac_digits == 0 || d->frac_digits > 6)
      return false;
  }
  return *s == '\0';
}

static double pow10i(int n) {
  double p = 1;
  while (n-- > 0)
    p *= 10;
  return p;
}

/* ------------------------------------------------------------------------
 * The form
 * ---------------------------------------------------------------------- */

static const char *const field_types[] = {
    "text", "number", "money", "date", "choice", "boolean", "id-number", NULL};

/* Words of the condition language cannot name a field. */
static bool reserved_word(const char *id) {
  static const char *const words[] = {"and",  "or",    "not", "contains",
                                      "true", "false", NULL};
  for (int i = 0; words[i]; i++)
    if (strcmp(id, words[i]) == 0)
      return true;
  return false;
}

/* Convert one bound of field f as written in attribute `name`. */
static bool read_bound(builder *b, const xmlNode *e, const tb_field *f,
                       const char *name, double *out) {
  const char *s = tb_wf_attr(b->a, e, name);
  int line = tb_wf_line(e);
  decimal d;
  if (!s)
    return false;
  if (f->type == TB_FIELD_DATE) {
    tb_day day;
    if (tb_date_parse(s, strlen(s), &day) != TB_OK) {
      tb_wf_problem(b->cx, line, "write a real date as YYYY-MM-DD",
                    "field '%s': %s '%s' is not a date", f->id, name, s);
      return false;
    }
    *out = day;
    return true;
  }
  if (!parse_decimal(s, &d)) {
    tb_wf_problem(b->cx, line, "write a decimal number",
                  "field '%s': %s '%s' is not a number", f->id, name, s);
    return false;
  }
  if (f->type == TB_FIELD_MONEY) {
    if (d.frac_digits > 2) {
      tb_wf_problem(b->cx, line, "money has at most two decimals (fen)",
                    "field '%s': %s '%s' has more than two decimals", f->id,
                    name, s);
      return false;
    }
    double fen = d.whole * 100 + d.frac * (d.frac_digits == 1 ? 10 : 1);
    *out = d.negative ? -fen : fen;
    return true;
  }
  if (f->integer && d.frac != 0) {
    tb_wf_problem(b->cx, line, "write a whole number",
                  "field '%s' holds whole numbers but its %s is '%s'", f->id,
                  name, s);
    return false;
  }
  double v = d.whole + d.frac / pow10i(d.frac_digits);
  *out = d.negative ? -v : v;
  return true;
}

/* Bounds that do not fit the field's type are refused by name. */
static void refuse_attr(builder *b, const xmlNode *e, const tb_field *f,
                        const char *name, const char *todo) {
  if (has_attr(e, name))
    tb_wf_problem(b->cx, tb_wf_line(e), todo,
                  "field '%s' is of type %s: attribute '%s' does not apply",
                  f->id, tb_field_type_name(f->type), name);
}

/* min="today" / max="today": a date field bounded by the day of intake.
 * true when the attribute says "today" (*flag set for a date field; any
 * other type is refused). */
static bool read_today(builder *b, const xmlNode *e, tb_field *f,
                       const char *name, bool *flag) {
  const char *s = tb_wf_attr(b->a, e, name);
  if (!s || strcmp(s, "today") != 0)
    return false;
  if (f->type != TB_FIELD_DATE)
    tb_wf_problem(b->cx, tb_wf_line(e), "write a number",
                  "field '%s': %s=\"today\" applies only to date fields", f->id,
                  name);
  else
    *flag = true;
  return true;
}

static void read_bounds(builder *b, const xmlNode *e, tb_field *f) {
  const char *lo = "min", *hi = "max";
  bool length = f->type == TB_FIELD_TEXT;
  bool value = f->type == TB_FIELD_NUMBER || f->type == TB_FIELD_MONEY ||
               f->type == TB_FIELD_DATE;
  if (length) {
    lo = "min-length";
    hi = "max-length";
    refuse_attr(b, e, f, "min", "use min-length and max-length for text");
    refuse_attr(b, e, f, "max", "use min-length and max-length for text");
  } else {
    const char *todo = value ? "use min and max" : "remove it";
    refuse_attr(b, e, f, "min-length", todo);
    refuse_attr(b, e, f, "max-length", todo);
    if (!value) {
      refuse_attr(b, e, f, "min", "remove it");
      refuse_attr(b, e, f, "max", "remove it");
      return;
    }
  }
  if (length) {
    f->has_min = has_attr(e, lo);
    f->has_max = has_attr(e, hi);
    f->min = (double)uint_attr(b, e, lo, 100000, 0);
    f->max = (double)uint_attr(b, e, hi, 100000, 0);
  } else {
    if (!read_today(b, e, f, lo, &f->min_today) && has_attr(e, lo))
      f->has_min = read_bound(b, e, f, lo, &f->min);
    if (!read_today(b, e, f, hi, &f->max_today) && has_attr(e, hi))
      f->has_max = read_bound(b, e, f, hi, &f->max);
  }
  if (f->has_min && f->has_max && f->min > f->max)
    tb_wf_problem(b->cx, tb_wf_line(e), "swap or correct the bounds",
                  "field '%s': %s is above %s, so no value can be valid", f->id,
                  lo, hi);
}

static void read_choices(builder *b, const xmlNode *e, tb_field *f) {
  size_t n = tb_wf_count(e, "choice");
  int line = tb_wf_line(e);
  if (f->type != TB_FIELD_CHOICE) {
    if (n)
      tb_wf_problem(b->cx, line, "use type=\"choice\" or remove the choices",
                    "field '%s' is of type %s and cannot have <choice> "
                    "elements",
                    f->id, tb_field_type_name(f->type));
    return;
  }
  if (n == 0) {
    tb_wf_problem(b->cx, line, "list the choices as <choice value=\"…\">",
                  "choice field '%s' has no <choice>", f->id);
    return;
  }
  if (n > TB_MAX_CHOICES) {
    tb_wf_problem(b->cx, line, "split the field",
                  "field '%s' has %zu choices; at most %d are allowed", f->id,
                  n, TB_MAX_CHOICES);
    n = TB_MAX_CHOICES;
  }
  tb_choice *choices = tb_arena_alloc(b->a, n * sizeof *choices);
  int *lines = tb_arena_alloc(b->a, n * sizeof *lines);
  size_t k = 0;
  for (xmlNode *c = tb_wf_first(e, "choice"); c && k < n;
       c = tb_wf_next(c, "choice"), k++) {
    choices[k].value = str_attr(b, c, "value");
    choices[k].label = tb_wf_text(b->a, c);
    lines[k] = tb_wf_line(c);
    for (size_t j = 0; j < k; j++)
      if (strcmp(choices[j].value, choices[k].value) == 0) {
        tb_wf_problem(b->cx, lines[k], "give each choice its own value",
                      "field '%s': duplicate choice '%s' (first on line %d)",
                      f->id, choices[k].value, lines[j]);
        break;
      }
  }
  f->choices = choices;
  f->n_choices = k;
}

static void read_field(builder *b, const xmlNode *e, tb_field *f) {
  f->id = str_attr(b, e, "id");
  f->label = str_attr(b, e, "label");
  f->line = tb_wf_line(e);
  f->type = (tb_field_type)enum_attr(b, e, "type", field_types, 0);
  f->required = bool_attr(b, e, "required", true);
  f->multiple = bool_attr(b, e, "multiple", false);
  f->integer = bool_attr(b, e, "integer", false);
  if (reserved_word(f->id))
    tb_wf_problem(b->cx, f->line, "choose another id",
                  "field id '%s' is a word of the condition language", f->id);
  if (f->multiple && f->type != TB_FIELD_CHOICE)
    tb_wf_problem(b->cx, f->line, "remove it",
                  "field '%s': multiple applies only to choice fields", f->id);
  if (f->integer && f->type != TB_FIELD_NUMBER)
    tb_wf_problem(b->cx, f->line, "remove it",
                  "field '%s': integer applies only to number fields", f->id);
  f->same_as_applicant = has_attr(e, "same-as");
  if (f->same_as_applicant && f->type != TB_FIELD_ID_NUMBER)
    tb_wf_problem(b->cx, f->line, "remove it or make the field an id-number",
                  "field '%s': same-as applies only to id-number fields",
                  f->id);
  read_bounds(b, e, f);
  read_choices(b, e, f);
}

static size_t limited(builder *b, const xmlNode *parent, const char *child,
                      size_t max, const char *what, const char *todo) {
  return tb_wf_limited(b->cx, parent, child, max, what, todo);
}

static void read_form(builder *b, const xmlNode *form) {
  size_t n = limited(b, form, "field", TB_MAX_FIELDS, "fields",
                     "split the service or drop fields");
  tb_field *fields = tb_arena_alloc(b->a, (n ? n : 1) * sizeof *fields);
  size_t k = 0;
  for (xmlNode *e = tb_wf_first(form, "field"); e && k < n;
       e = tb_wf_next(e, "field"), k++) {
    read_field(b, e, &fields[k]);
    for (size_t j = 0; j < k; j++)
      if (strcmp(fields[j].id, fields[k].id) == 0) {
        tb_wf_problem(b->cx, fields[k].line, TODO_ID,
                      "duplicate field id '%s' (first declared on line %d)",
                      fields[k].id, fields[j].line);
        break;
      }
  }
  b->def->fields = fields;
  b->def->n_fields = k;
}

/* ------------------------------------------------------------------------
 * Materials
 * ---------------------------------------------------------------------- */

/* 事后核查 of a commitment: who verifies it, in how many working days,
 * and how many calendar days a false one excludes the holder; only a
 * material that allows a commitment says so. The bureau defaults to the
 * first branch's (settled by settle_verifications). */
static void read_verification(builder *b, const xmlNode *e, tb_material *m) {
  static const char *const attrs[] = {"verify-bureau", "verify-days",
                                      "exclude-days"};
  m->verify_bureau = tb_wf_attr(b->a, e, "verify-bureau");
  m->verify_days = (uint16_t)uint_attr(b, e, "verify-days", 365, 20);
  m->exclude_days = (uint16_t)uint_attr(b, e, "exclude-days", 3650, 365);
  for (size_t i = 0; !m->commitment && i < 3; i++)
    if (has_attr(e, attrs[i]))
      tb_wf_problem(b->cx, m->line,
                    "remove it, or let a commitment replace the material",
                    "material '%s' allows no commitment: %s has nothing "
                    "to verify",
                    m->id, attrs[i]);
  if (m->commitment && (m->verify_days == 0 || m->exclude_days == 0))
    tb_wf_problem(b->cx, m->line, "give at least one day",
                  "material '%s': verify-days and exclude-days must be "
                  "at least 1",
                  m->id);
}

/* The 告知承诺 text of a commitment material: its own <commitment>, else
 * the default of <materials> (fallback), else NULL (the documents print
 * the server's standard text: definitions stored before texts existed
 * still load); a material that allows no commitment has none. */
static void read_commitment_text(builder *b, const xmlNode *e, tb_material *m,
                                 const char *fallback) {
  xmlNode *own = tb_wf_first(e, "commitment");
  if (own && !m->commitment)
    tb_wf_problem(b->cx, tb_wf_line(own),
                  "remove it, or let a commitment replace the material",
                  "material '%s' allows no commitment: its <commitment> text "
                  "is never signed",
                  m->id);
  if (!m->commitment)
    return;
  m->commitment_text = own ? tb_wf_text(b->a, own) : fallback;
}

static void read_material(builder *b, const xmlNode *e, tb_material *m,
                          const char *default_commitment) {
  m->id = str_attr(b, e, "id");
  m->name = str_attr(b, e, "name");
  m->line = tb_wf_line(e);
  m->required = bool_attr(b, e, "required", true);
  m->tolerate_days = (uint16_t)uint_attr(b, e, "tolerate-days", 365, 0);
  m->commitment = bool_attr(b, e, "commitment", false);
  m->license_type = tb_wf_attr(b->a, e, "license-type");
  if (!m->required && has_attr(e, "tolerate-days"))
    tb_wf_problem(b->cx, m->line,
                  "remove tolerate-days, or make the material required",
                  "material '%s' is optional: a gap cannot be tolerated "
                  "(tolerate-days)",
                  m->id);
  if (!m->required && m->commitment)
    tb_wf_problem(b->cx, m->line,
                  "remove commitment, or make the material required",
                  "material '%s' is optional: a commitment cannot replace "
                  "it",
                  m->id);
  read_verification(b, e, m);
  read_commitment_text(b, e, m, default_commitment);
}

static void read_materials(builder *b, const xmlNode *list) {
  size_t n = limited(b, list, "material", TB_MAX_MATERIALS, "materials",
                     "merge materials or split the service");
  tb_material *items = tb_arena_alloc(b->a, (n ? n : 1) * sizeof *items);
  size_t k = 0;
  xmlNode *dflt = tb_wf_first(list, "commitment");
  const char *commitment = dflt ? tb_wf_text(b->a, dflt) : NULL;
  for (xmlNode *e = tb_wf_first(list, "material"); e && k < n;
       e = tb_wf_next(e, "material"), k++) {
    read_material(b, e, &items[k], commitment);
    for (size_t j = 0; j < k; j++)
      if (strcmp(items[j].id, items[k].id) == 0) {
        tb_wf_problem(b->cx, items[k].line, TODO_ID,
                      "duplicate material id '%s' (first declared on line "
                      "%d)",
                      items[k].id, items[j].line);
        break;
      }
  }
  b->def->materials = items;
  b->def->n_materials = k;
}

/* ------------------------------------------------------------------------
 * Bureaus
 * ---------------------------------------------------------------------- */

static void check_bureau(builder *b, const char *code, int line,
                         const char *whose) {
  if (!b->bureaus || tb_bureaus_find(b->bureaus, code))
    return;
  char todo[300];
  size_t used =
      (size_t)snprintf(todo, sizeof todo, "use a code declared in bureaus.xml");
  for (size_t i = 0; i < b->bureaus->n && used < sizeof todo; i++) {
    const char *sep = i == 0 ? ": " : ", ";
    if (i == 12 || used + strlen(b->bureaus->items[i].code) + 8 > sizeof todo) {
      snprintf(todo + used, sizeof todo - used, ", \u2026");
      break;
    }
    used += (size_t)snprintf(todo + used, sizeof todo - used, "%s%s", sep,
                             b->bureaus->items[i].code);
  }
  tb_wf_problem(b->cx, line, todo, "%s: unknown bureau '%s'", whose, code);
}

/* Each commitment's verifying bureau: the one named (it must exist), or
 * the first branch's. */
static void settle_verifications(builder *b) {
  tb_definition *def = b->def;
  tb_material *items = (tb_material *)def->materials;
  for (size_t i = 0; i < def->n_materials; i++) {
    tb_material *m = &items[i];
    if (!m->commitment)
      continue;
    if (m->verify_bureau) {
      char whose[96];
      snprintf(whose, sizeof whose, "material '%s' (verify-bureau)", m->id);
      check_bureau(b, m->verify_bureau, m->line, whose);
    } else if (def->n_branches > 0) {
      m->verify_bureau = def->branches[0].bureau;
    }
  }
}

/* ------------------------------------------------------------------------
 * The review: branches and their tasks
 * ---------------------------------------------------------------------- */

/* A task's <output> elements: fields an approval records. */
static void read_outputs(builder *b, const xmlNode *t, tb_task_def *task) {
  size_t n = limited(b, t, "output", TB_MAX_FIELDS, "outputs of a task",
                     "record fewer items");
  tb_field *outs = tb_arena_alloc(b->a, (n ? n : 1) * sizeof *outs);
  size_t k = 0;
  for (xmlNode *o = tb_wf_first(t, "output"); o && k < n;
       o = tb_wf_next(o, "output"), k++) {
    read_field(b, o, &outs[k]);
    if (outs[k].same_as_applicant)
      tb_wf_problem(b->cx, outs[k].line, "remove it",
                    "output '%s': same-as applies only to form fields",
                    outs[k].id);
  }
  task->outputs = outs;
  task->n_outputs = k;
}

static void read_tasks(builder *b, const xmlNode *e, tb_branch_def *br) {
  size_t n = limited(b, e, "task", TB_MAX_TASKS_PER_BRANCH, "tasks in a branch",
                     "merge tasks or split the branch");
  tb_task_def *tasks = tb_arena_alloc(b->a, (n ? n : 1) * sizeof *tasks);
  size_t k = 0;
  for (xmlNode *t = tb_wf_first(e, "task"); t && k < n;
       t = tb_wf_next(t, "task"), k++) {
    tasks[k].id = str_attr(b, t, "id");
    tasks[k].name = str_attr(b, t, "name");
    tasks[k].line = tb_wf_line(t);
    tasks[k].days = (uint16_t)uint_attr(b, t, "days", 365, 0);
    read_outputs(b, t, &tasks[k]);
    for (size_t j = 0; j < k; j++)
      if (strcmp(tasks[j].id, tasks[k].id) == 0) {
        tb_wf_problem(b->cx, tasks[k].line, TODO_ID,
                      "branch '%s': duplicate task id '%s' (first declared on "
                      "line %d)",
                      br->id, tasks[k].id, tasks[j].line);
        break;
      }
  }
  br->tasks = tasks;
  br->n_tasks = k;
  tb_wf_read_task_verbs(b->cx, b->a, b->bureaus, br, e);
}

static void read_branch(builder *b, const xmlNode *e, tb_branch_def *br,
                        const char **after) {
  static const char *const on_deny[] = {"deny", "continue", NULL};
  char whose[80];
  br->id = str_attr(b, e, "id");
  br->name = str_attr(b, e, "name");
  br->bureau = str_attr(b, e, "bureau");
  br->line = tb_wf_line(e);
  br->when_text = tb_wf_attr(b->a, e, "when");
  br->deny_continues = enum_attr(b, e, "on-deny", on_deny, 0) == 1;
  *after = tb_wf_attr(b->a, e, "after");
  snprintf(whose, sizeof whose, "branch '%s'", br->id);
  check_bureau(b, br->bureau, br->line, whose);
  read_tasks(b, e, br);
}

static void read_review(builder *b, const xmlNode *review) {
  size_t n = limited(b, review, "branch", TB_MAX_BRANCHES, "branches",
                     "merge branches or split the service");
  tb_branch_def *items = tb_arena_alloc(b->a, (n ? n : 1) * sizeof *items);
  b->after_ids = tb_arena_alloc(b->a, (n ? n : 1) * sizeof *b->after_ids);
  size_t k = 0;
  for (xmlNode *e = tb_wf_first(review, "branch"); e && k < n;
       e = tb_wf_next(e, "branch"), k++) {
    read_branch(b, e, &items[k], &b->after_ids[k]);
    for (size_t j = 0; j < k; j++)
      if (strcmp(items[j].id, items[k].id) == 0) {
        tb_wf_problem(b->cx, items[k].line, TODO_ID,
                      "duplicate branch id '%s' (first declared on line %d)",
                      items[k].id, items[j].line);
        break;
      }
  }
  b->def->branches = items;
  b->def->n_branches = k;
}

/* ------------------------------------------------------------------------
 * Special procedures
 * ---------------------------------------------------------------------- */

static void read_specials(builder *b, const xmlNode *list) {
  size_t n = limited(b, list, "procedure", TB_MAX_SPECIALS,
                     "special procedures", "keep one procedure per kind");
  tb_special_def *items = tb_arena_alloc(b->a, (n ? n : 1) * sizeof *items);
  size_t k = 0;
  for (xmlNode *e = tb_wf_first(list, "procedure"); e && k < n;
       e = tb_wf_next(e, "procedure"), k++) {
    const char *kind = str_attr(b, e, "kind");
    int v = tb_special_kind_from_name(kind);
    items[k].kind = v >= 0 ? (tb_special_kind)v : TB_SPECIAL_HEARING;
    items[k].name = str_attr(b, e, "name");
    items[k].max_days = (uint16_t)uint_attr(b, e, "max-days", 365, 0);
    items[k].line = tb_wf_line(e);
    if (v < 0)
      tb_wf_problem(b->cx, items[k].line,
                    "use hearing, inspection, testing or expert-review",
                    "unknown special procedure '%s'", kind);
    for (size_t j = 0; j < k; j++)
      if (v >= 0 && items[j].kind == items[k].kind) {
        tb_wf_problem(b->cx, items[k].line, "keep one procedure per kind",
                      "special procedure '%s' is declared twice (first on "
                      "line %d)",
                      kind, items[j].line);
        break;
      }
  }
  b->def->specials = items;
  b->def->n_specials = k;
}

/* ------------------------------------------------------------------------
 * The result: licenses
 * ---------------------------------------------------------------------- */

/* <item output="…"/>: a branch output the license carries (recorded in
 * time: tb_wf_outputs.c checks it). */
static void read_output_item(builder *b, const xmlNode *it, tb_license_def *l,
                             const char **outputs) {
  const char *id = str_attr(b, it, "output");
  int line = tb_wf_line(it);
  if (!tb_definition_output(b->def, id, NULL, NULL)) {
    tb_wf_problem(b->cx, line, "declare it as an <output> of a task",
                  "license '%s' carries output '%s', which no task records",
                  l->name, id);
    return;
  }
  for (size_t j = 0; j < l->n_output_items; j++)
    if (strcmp(outputs[j], id) == 0) {
      tb_wf_problem(b->cx, line, "remove one of them",
                    "license '%s' carries output '%s' twice", l->name, id);
      return;
    }
  outputs[l->n_output_items++] = id;
}

static void read_items(builder *b, const xmlNode *e, tb_license_def *l) {
  size_t n = limited(b, e, "item", TB_MAX_FIELDS, "items in a license",
                     "a license carries at most every field once");
  size_t *fields = tb_arena_alloc(b->a, (n ? n : 1) * sizeof *fields);
  const char **outputs = tb_arena_alloc(b->a, (n ? n : 1) * sizeof *outputs);
  size_t k = 0, seen = 0;
  l->output_items = outputs;
  for (xmlNode *it = tb_wf_first(e, "item"); it && seen < n;
       it = tb_wf_next(it, "item"), seen++) {
    int line = tb_wf_line(it);
    if (has_attr(it, "output") == has_attr(it, "field")) {
      tb_wf_problem(b->cx, line, "give field= or output=",
                    "license '%s': an item names a field or an output, one "
                    "of them",
                    l->name);
      continue;
    }
    if (has_attr(it, "output")) {
      read_output_item(b, it, l, outputs);
      continue;
    }
    const char *id = str_attr(b, it, "field");
    int f = tb_definition_field(b->def, id, strlen(id));
    if (f < 0) {
      tb_wf_problem(b->cx, line, "add the field to <form> or remove the item",
                    "license '%s' carries field '%s', which the form does not "
                    "have",
                    l->name, id);
      continue;
    }
    bool twice = false;
    for (size_t j = 0; j < k; j++)
      twice = twice || fields[j] == (size_t)f;
    if (twice) {
      tb_wf_problem(b->cx, line, "remove one of them",
                    "license '%s' carries field '%s' twice", l->name, id);
      continue;
    }
    fields[k++] = (size_t)f;
  }
  l->fields = fields;
  l->n_fields = k;
}

static void read_license(builder *b, const xmlNode *e, tb_license_def *l) {
  char whose[300];
  l->type_code = str_attr(b, e, "type-code");
  l->name = str_attr(b, e, "name");
  l->bureau = str_attr(b, e, "bureau");
  l->line = tb_wf_line(e);
  l->valid_years = (uint16_t)uint_attr(b, e, "valid-years", 100, 0);
  l->branch = -1;
  const char *branch = tb_wf_attr(b->a, e, "branch");
  if (branch) {
    l->branch = tb_definition_branch(b->def, branch, strlen(branch));
    if (l->branch < 0)
      tb_wf_problem(b->cx, l->line,
                    "name a branch declared in <review>, or remove branch "
                    "to issue it whenever the application is approved",
                    "license '%s' is tied to unknown branch '%s'", l->name,
                    branch);
  }
  snprintf(whose, sizeof whose, "license '%s'", l->name);
  check_bureau(b, l->bureau, l->line, whose);
  tb_wf_check_license_authority(b->cx, b->bureaus, l);
  read_items(b, e, l);
  l->holder = tb_wf_attr(b->a, e, "holder");
  l->holder_name = tb_wf_attr(b->a, e, "holder-name");
  if (!l->holder != !l->holder_name)
    tb_wf_problem(b->cx, l->line,
                  "give both holder and holder-name, or neither",
                  "license '%s': holder and holder-name go together", l->name);
}

static void read_result(builder *b, const xmlNode *result) {
  size_t n = limited(b, result, "license", TB_MAX_LICENSES, "licenses",
                     "split the service");
  tb_license_def *items = tb_arena_alloc(b->a, (n ? n : 1) * sizeof *items);
  size_t k = 0;
  for (xmlNode *e = tb_wf_first(result, "license"); e && k < n;
       e = tb_wf_next(e, "license"), k++) {
    read_license(b, e, &items[k]);
    for (size_t j = 0; j < k; j++)
      if (strcmp(items[j].type_code, items[k].type_code) == 0) {
        tb_wf_problem(b->cx, items[k].line, "issue each license type once",
                      "license type '%s' is issued twice (first on line %d)",
                      items[k].type_code, items[j].line);
        break;
      }
  }
  b->def->licenses = items;
  b->def->n_licenses = k;
}

/* ------------------------------------------------------------------------
 * The service
 * ---------------------------------------------------------------------- */

static void read_limits(builder *b, const xmlNode *root) {
  tb_definition *def = b->def;
  int line = tb_wf_line(root);
  def->statutory_days = (uint16_t)uint_attr(b, root, "statutory-days", 365, 0);
  def->promised_days = (uint16_t)uint_attr(b, root, "promised-days", 365, 0);
  def->warn_days = (uint16_t)uint_attr(b, root, "warn-days", 365, 1);
  def->rectify_days = (uint16_t)uint_attr(b, root, "rectify-days", 365, 5);
  if (def->rectify_days == 0)
    tb_wf_problem(b->cx, line, "give at least one working day",
                  "rectify-days must be at least 1");
  def->min_reason = (uint16_t)uint_attr(b, root, "min-reason", 500, 0);
  def->immediate = bool_attr(b, root, "immediate", false);
  if (def->immediate && def->promised_days > 1)
    tb_wf_problem(b->cx, line, "an immediate service promises one day",
                  "immediate=\"true\" with promised-days %u: a 即办 service "
                  "is finished the day it is accepted",
                  def->promised_days);
  if (def->promised_days > def->statutory_days)
    tb_wf_problem(b->cx, line, "the promise may only be shorter than the law",
                  "promised-days %u is above statutory-days %u",
                  def->promised_days, def->statutory_days);
  else if (def->promised_days > 0 && def->warn_days >= def->promised_days)
    tb_wf_problem(b->cx, line, "lower warn-days below promised-days",
                  "warn-days %u is not below promised-days %u: every "
                  "application would be yellow from the day it is accepted",
                  def->warn_days, def->promised_days);
}

static void read_service(builder *b, const xmlNode *root) {
  static const char *const applicants[] = {"person", "organization", "either",
                                           NULL};
  static const char *const gaps[] = {"warn", "terminate", NULL};
  static const char *const deliveries[] = {"window", "electronic", "both",
                                           NULL};
  tb_definition *def = b->def;
  def->id = str_attr(b, root, "id");
  def->version = (uint32_t)uint_attr(b, root, "version", UINT32_MAX, 1);
  def->applicant =
      (tb_applicant_kind)enum_attr(b, root, "applicant", applicants, 0);
  def->online = bool_attr(b, root, "online", true);
  def->gap_policy = (tb_gap_policy)enum_attr(b, root, "on-gap-missed", gaps, 0);
  int delivery = enum_attr(b, root, "delivery", deliveries, 2);
  def->deliver_window = delivery != 1;
  def->deliver_electronic = delivery != 0;
  read_limits(b, root);
  xmlNode *name = tb_wf_first(root, "name");
  def->name = name ? tb_wf_text(b->a, name) : "";
  xmlNode *basis = tb_wf_first(root, "legal-basis");
  if (basis) { /* the schema requires both attributes */
    def->basis_refusal = str_attr(b, basis, "refusal");
    def->basis_denial = str_attr(b, basis, "denial");
  }
  xmlNode *guide = tb_wf_first(root, "guide");
  if (guide)
    tb_wf_read_guide(b->cx, b->a, def, guide);
}

tb_definition *tb_wf_build_definition(tb_wf_ctx *cx, const xmlNode *root,
                                      const tb_bureau_list *bureaus) {
  size_t before = cx->added;
  tb_arena *a = tb_arena_new();
  builder b = {.cx = cx, .a = a, .bureaus = bureaus};
  b.def = tb_arena_alloc(a, sizeof *b.def);
  b.def->arena = a;
  b.def->file = tb_arena_strdup(a, cx->file ? cx->file : "(input)");
  read_service(&b, root);
  xmlNode *part;
  if ((part = tb_wf_first(root, "form")))
    read_form(&b, part);
  if ((part = tb_wf_first(root, "materials")))
    read_materials(&b, part);
  if ((part = tb_wf_first(root, "review")))
    read_review(&b, part);
  settle_verifications(&b);
  if ((part = tb_wf_first(root, "special-procedures")))
    read_specials(&b, part);
  if ((part = tb_wf_first(root, "result")))
    read_result(&b, part);
  tb_wf_check_definition(cx, b.def, b.after_ids);
  tb_wf_check_outputs(cx, b.def);
  if (cx->added != before) {
    tb_arena_free(a);
    return NULL;
  }
  return b.def;
}
