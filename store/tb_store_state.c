/*
 * tb_store_state.c — tb_app_state as JSON, for applications.state.
 *
 * Enumerations are stored by name and bit sets as decimal strings, so that
 * a stored state survives a rebuild of the engine (enum order, struct
 * layout); a field missing from the JSON reads as zero. The static
 * assertions below fail the build when tb_app_state changes: update the
 * encoder and the decoder, then the sizes.
 *
 * Version 2 adds the signer slots of a branch's step (only the non-zero
 * fields of each slot are written, so a state stays small) and the 撤回
 * snapshot. A version 1 state (stored before the slots) reads an active
 * branch as one pool slot from its claim, with serial 0 (which matches
 * any task), and its serial counter past any task it can have created.
 */
#include "tb_store_int.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(tb_slot) == 32,
               "tb_slot changed: update store/tb_store_state.c");
_Static_assert(sizeof(tb_branch_state) == 560,
               "tb_branch_state changed: update store/tb_store_state.c");
_Static_assert(sizeof(tb_app_state) == 9352,
               "tb_app_state changed: update store/tb_store_state.c");

static const char *const warning_names[] = {"none", "yellow", "red"};
static const char *const channel_names[] = {"window", "online"};

static const char *name_or_null(const char *const *names, size_t n,
                                unsigned v) {
  return v < n ? names[v] : NULL;
}

static int index_of(const char *const *names, size_t n, const char *v) {
  for (size_t i = 0; v && i < n; i++)
    if (strcmp(names[i], v) == 0)
      return (int)i;
  return -1;
}

static json_t *bits(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%" PRIu64, v);
  return json_string(buf);
}

static void set_nonzero(json_t *o, const char *key, int64_t v) {
  if (v)
    json_object_set_new(o, key, json_integer(v));
}

static json_t *encode_slot(const tb_slot *s) {
  json_t *o = json_object();
  json_object_set_new(
      o, "status", json_string(tb_slot_status_name((tb_slot_status)s->status)));
  json_object_set_new(
      o, "kind", json_string(tb_signer_kind_name((tb_signer_kind)s->kind)));
  set_nonzero(o, "ref", s->ref);
  set_nonzero(o, "serial", s->serial);
  set_nonzero(o, "account", s->account);
  set_nonzero(o, "delegate", s->delegate);
  set_nonzero(o, "added_by", s->added_by);
  if (s->claimed)
    json_object_set_new(o, "claimed", json_true());
  if (s->acted)
    json_object_set_new(o, "acted", json_true());
  return o;
}

static json_t *encode_slots(const tb_slot *slots, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n && i < TB_MAX_SIGNERS; i++)
    json_array_append_new(a, encode_slot(&slots[i]));
  return a;
}

static json_t *encode_branch(const tb_branch_state *b) {
  json_t *o = json_object();
  json_object_set_new(
      o, "status",
      json_string(tb_branch_status_name((tb_branch_status)b->status)));
  json_object_set_new(o, "step", json_integer(b->step));
  json_object_set_new(o, "claimed", json_boolean(b->claimed));
  const char *w = name_or_null(warning_names, 3, b->warning);
  json_object_set_new(o, "warning",
                      w ? json_string(w) : json_integer(b->warning));
  json_object_set_new(o, "round", json_integer(b->round));
  json_object_set_new(o, "claimant", json_integer(b->claimant));
  json_object_set_new(o, "started_at", json_integer(b->started_at));
  json_object_set_new(o, "deadline", json_integer(b->deadline));
  json_object_set_new(o, "paused_days", json_integer(b->paused_days));
  json_object_set_new(o, "serials", json_integer(b->serials));
  if (b->acted)
    json_object_set_new(o, "acted", json_true());
  if (b->n_slots)
    json_object_set_new(o, "slots", encode_slots(b->slots, b->n_slots));
  if (b->prev_n) {
    json_object_set_new(o, "prev_step", json_integer(b->prev_step));
    json_object_set_new(o, "prev_slot", json_integer(b->prev_slot));
    json_object_set_new(o, "prev", encode_slots(b->prev, b->prev_n));
  }
  return o;
}

static void encode_enums(json_t *o, const tb_app_state *s) {
  json_object_set_new(
      o, "status", json_string(tb_app_status_name((tb_app_status)s->status)));
  const char *c = name_or_null(channel_names, 2, s->channel);
  json_object_set_new(o, "channel",
                      c ? json_string(c) : json_integer(s->channel));
  const char *w = name_or_null(warning_names, 3, s->warning);
  json_object_set_new(o, "warning",
                      w ? json_string(w) : json_integer(s->warning));
  const char *sp = s->special < TB_SPECIAL_KIND_COUNT
                       ? tb_special_kind_name((tb_special_kind)s->special)
                       : NULL;
  json_object_set_new(o, "special",
                      sp ? json_string(sp) : json_integer(s->special));
}

char *tb_store_state_encode(const tb_app_state *s) {
  json_t *o = json_object();
  json_object_set_new(o, "v", json_integer(2));
  encode_enums(o, s);
  json_object_set_new(o, "rating", json_integer(s->rating));
  json_object_set_new(o, "gap_overdue", json_boolean(s->gap_overdue));
  json_object_set_new(o, "submitted_at", json_integer(s->submitted_at));
  json_object_set_new(o, "accepted_at", json_integer(s->accepted_at));
  json_object_set_new(o, "paused_at", json_integer(s->paused_at));
  json_object_set_new(o, "finished_at", json_integer(s->finished_at));
  json_object_set_new(o, "deadline", json_integer(s->deadline));
  json_object_set_new(o, "statutory_deadline",
                      json_integer(s->statutory_deadline));
  json_object_set_new(o, "paused_days", json_integer(s->paused_days));
  json_object_set_new(o, "provided", bits(s->provided));
  json_object_set_new(o, "from_license", bits(s->from_license));
  json_object_set_new(o, "committed", bits(s->committed));
  json_object_set_new(o, "gaps", bits(s->gaps));
  json_object_set_new(o, "notice", bits(s->notice));
  json_object_set_new(o, "notice_supplied", bits(s->notice_supplied));
  json_object_set_new(o, "chosen_gaps", bits(s->chosen_gaps));
  json_object_set_new(o, "chosen_committed", bits(s->chosen_committed));
  json_object_set_new(o, "notice_branches", json_integer(s->notice_branches));
  json_object_set_new(o, "licenses", json_integer(s->licenses));
  json_object_set_new(o, "code_version", json_integer(s->code_version));
  size_t n_gap = TB_MAX_MATERIALS;
  while (n_gap > 0 && s->gap_due[n_gap - 1] == 0)
    n_gap--;
  json_t *gaps = json_array();
  for (size_t i = 0; i < n_gap; i++)
    json_array_append_new(gaps, json_integer(s->gap_due[i]));
  json_object_set_new(o, "gap_due", gaps);
  json_t *branches = json_array();
  for (size_t i = 0; i < s->n_branches && i < TB_MAX_BRANCHES; i++)
    json_array_append_new(branches, encode_branch(&s->branches[i]));
  json_object_set_new(o, "branches", branches);
  char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(o);
  if (!text) {
    tb_log(TB_LOG_ERROR, "store", "cannot encode a state");
    abort();
  }
  return text;
}

/* ---- decoding ------------------------------------------------------- */

static int64_t get_int(const json_t *o, const char *key) {
  const json_t *v = json_object_get(o, key);
  return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static bool get_bool(const json_t *o, const char *key) {
  return json_is_true(json_object_get(o, key));
}

static uint64_t get_bits(const json_t *o, const char *key) {
  const json_t *v = json_object_get(o, key);
  if (!json_is_string(v))
    return 0;
  return strtoull(json_string_value(v), NULL, 10);
}

/* An enum stored by name (or, if unknown to its table, by number). */
static int get_enum(const json_t *o, const char *key, const char *const *names,
                    size_t n) {
  const json_t *v = json_object_get(o, key);
  if (json_is_integer(v))
    return (int)json_integer_value(v);
  return json_is_string(v) ? index_of(names, n, json_string_value(v)) : 0;
}

static int branch_status_from_name(const char *name) {
  for (int i = 0; name && i < TB_BRANCH_STATE_COUNT; i++)
    if (strcmp(tb_branch_status_name((tb_branch_status)i), name) == 0)
      return i;
  return -1;
}

/* One slot; false for a slot that is not an object or names an unknown
 * status or kind. */
static bool decode_slot(const json_t *o, tb_slot *s) {
  if (!json_is_object(o))
    return false;
  int st =
      tb_slot_status_from_name(json_string_value(json_object_get(o, "status")));
  int kind =
      tb_signer_kind_from_name(json_string_value(json_object_get(o, "kind")));
  int64_t ref = get_int(o, "ref"), serial = get_int(o, "serial");
  if (st < 0 || kind < 0 || ref < 0 || ref >= TB_MAX_SIGNERS || serial < 0 ||
      serial > UINT16_MAX)
    return false;
  s->status = (uint8_t)st;
  s->kind = (uint8_t)kind;
  s->ref = (uint8_t)ref;
  s->serial = (uint16_t)serial;
  s->account = get_int(o, "account");
  s->delegate = get_int(o, "delegate");
  s->added_by = get_int(o, "added_by");
  s->claimed = get_bool(o, "claimed");
  s->acted = get_bool(o, "acted");
  return true;
}

/* An array of at most TB_MAX_SIGNERS slots (absent: none). */
static bool decode_slots(const json_t *a, tb_slot *slots, uint8_t *n) {
  *n = 0;
  if (!a)
    return true;
  if (!json_is_array(a) || json_array_size(a) > TB_MAX_SIGNERS)
    return false;
  for (size_t i = 0; i < json_array_size(a); i++)
    if (!decode_slot(json_array_get(a, i), &slots[i]))
      return false;
  *n = (uint8_t)json_array_size(a);
  return true;
}

/* A branch stored before the slots (version 1): an active one gets one
 * pool slot from its claim, with serial 0 (it matches any task's serial),
 * and the branch counts its serials on past every task it can have
 * created (at most one per step and round), so that no new task reuses a
 * stored task's serial. */
static void upgrade_branch(tb_branch_state *b) {
  b->serials = (uint16_t)(b->round * TB_MAX_TASKS_PER_BRANCH);
  if (b->status != TB_BRANCH_ACTIVE)
    return;
  b->n_slots = 1;
  b->slots[0].status = TB_SLOT_OPEN;
  b->slots[0].kind = TB_SIGNER_POOL;
  b->slots[0].claimed = b->claimed;
  b->slots[0].account = b->claimed ? b->claimant : 0;
  b->slots[0].acted = b->claimed;
  b->acted = b->claimed;
}

static bool decode_branch_slots(const json_t *o, tb_branch_state *b) {
  int64_t serials = get_int(o, "serials");
  int64_t prev_step = get_int(o, "prev_step"),
          prev_slot = get_int(o, "prev_slot");
  if (serials < 0 || serials > UINT16_MAX || prev_step < 0 ||
      prev_step >= TB_MAX_TASKS_PER_BRANCH || prev_slot < 0 ||
      prev_slot >= TB_MAX_SIGNERS ||
      !decode_slots(json_object_get(o, "slots"), b->slots, &b->n_slots) ||
      !decode_slots(json_object_get(o, "prev"), b->prev, &b->prev_n))
    return false;
  b->serials = (uint16_t)serials;
  b->acted = get_bool(o, "acted");
  b->prev_step = (uint8_t)prev_step;
  b->prev_slot = (uint8_t)prev_slot;
  return b->prev_n == 0 || b->prev_slot < b->prev_n;
}

static bool decode_branch(const json_t *o, tb_branch_state *b, int version) {
  if (!json_is_object(o))
    return false;
  int st =
      branch_status_from_name(json_string_value(json_object_get(o, "status")));
  int w = get_enum(o, "warning", warning_names, 3);
  if (st < 0 || w < 0)
    return false;
  b->status = (uint8_t)st;
  b->warning = (uint8_t)w;
  b->step = (uint8_t)get_int(o, "step");
  b->claimed = get_bool(o, "claimed");
  b->round = (uint16_t)get_int(o, "round");
  b->claimant = get_int(o, "claimant");
  b->started_at = get_int(o, "started_at");
  b->deadline = (tb_day)get_int(o, "deadline");
  b->paused_days = (int32_t)get_int(o, "paused_days");
  if (version < 2) {
    upgrade_branch(b);
    return true;
  }
  return decode_branch_slots(o, b);
}

static bool decode_enums(const json_t *o, tb_app_state *s) {
  int st =
      tb_app_status_from_name(json_string_value(json_object_get(o, "status")));
  int ch = get_enum(o, "channel", channel_names, 2);
  int w = get_enum(o, "warning", warning_names, 3);
  const json_t *sp = json_object_get(o, "special");
  int special = json_is_string(sp)
                    ? tb_special_kind_from_name(json_string_value(sp))
                    : (int)get_int(o, "special");
  if (st < 0 || ch < 0 || w < 0 || special < 0)
    return false;
  s->status = (uint8_t)st;
  s->channel = (uint8_t)ch;
  s->warning = (uint8_t)w;
  s->special = (uint8_t)special;
  return true;
}

static bool decode_arrays(const json_t *o, tb_app_state *s) {
  int version = (int)get_int(o, "v");
  const json_t *gaps = json_object_get(o, "gap_due");
  const json_t *branches = json_object_get(o, "branches");
  if (!json_is_array(gaps) || json_array_size(gaps) > TB_MAX_MATERIALS ||
      !json_is_array(branches) || json_array_size(branches) > TB_MAX_BRANCHES)
    return false;
  for (size_t i = 0; i < json_array_size(gaps); i++)
    s->gap_due[i] = (tb_day)json_integer_value(json_array_get(gaps, i));
  s->n_branches = (uint8_t)json_array_size(branches);
  for (size_t i = 0; i < s->n_branches; i++)
    if (!decode_branch(json_array_get(branches, i), &s->branches[i], version))
      return false;
  return true;
}

bool tb_store_state_decode(const char *text, tb_app_state *s) {
  memset(s, 0, sizeof *s);
  json_error_t err;
  json_t *o = json_loads(text, 0, &err);
  bool ok = json_is_object(o) && decode_enums(o, s) && decode_arrays(o, s);
  if (ok) {
    s->rating = (uint8_t)get_int(o, "rating");
    s->gap_overdue = get_bool(o, "gap_overdue");
    s->submitted_at = get_int(o, "submitted_at");
    s->accepted_at = get_int(o, "accepted_at");
    s->paused_at = get_int(o, "paused_at");
    s->finished_at = get_int(o, "finished_at");
    s->deadline = (tb_day)get_int(o, "deadline");
    s->statutory_deadline = (tb_day)get_int(o, "statutory_deadline");
    s->paused_days = (int32_t)get_int(o, "paused_days");
    s->provided = get_bits(o, "provided");
    s->from_license = get_bits(o, "from_license");
    s->committed = get_bits(o, "committed");
    s->gaps = get_bits(o, "gaps");
    s->notice = get_bits(o, "notice");
    /* absent in states stored before partial supplements and stored
     * choices: read as none supplied and no choice */
    s->notice_supplied = get_bits(o, "notice_supplied");
    s->chosen_gaps = get_bits(o, "chosen_gaps");
    s->chosen_committed = get_bits(o, "chosen_committed");
    s->notice_branches = (uint16_t)get_int(o, "notice_branches");
    s->licenses = (uint16_t)get_int(o, "licenses");
    s->code_version = (uint16_t)get_int(o, "code_version");
  }
  json_decref(o);
  return ok;
}
