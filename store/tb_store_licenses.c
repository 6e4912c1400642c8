/*
 * tb_store_licenses.c — electronic licenses (电子证照) in the database.
 *
 * Issuance is an effect of the transition (TB_EFFECT_ISSUE_LICENSE): the
 * transition path calls tb_store_license_issue inside its transaction, so
 * an approval and its licenses commit together or not at all. The store
 * gathers what it knows — the holder (the applicant from the application
 * row, or, for a license declared holder= / holder-name=, a number and
 * name from the form or a branch output: a newborn's) and the form, the issuing
 * bureau from the stored bureau list, a serial from license_serials, the day in
 * the stored calendar — and hands it to the license handler its caller passed
 * in (tb_store_options.licenses), which builds and signs the license; the store
 * inserts what the handler answers (canonical JSON, signature, key id, QR
 * payload) in the same transaction.
 *
 * Also here: the read models of the licenses API (one license, a holder's
 * licenses, an application's licenses), the one-number look-up of a valid
 * license for intake, and revocation, which is audited in the chain of the
 * application the license came from.
 */
#include "tb_store_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- statements ------------------------------------------------------------
 */

static const tb_store_stmt S_APP = {
    "lic_app",
    "SELECT applicant_name, applicant_id_number, form::text "
    "FROM applications WHERE id = $1::bigint",
    1};
static const tb_store_stmt S_SERIAL = {
    "lic_serial",
    "INSERT INTO license_serials (type_code, issuer, last) VALUES ($1, $2, 1) "
    "ON CONFLICT (type_code, issuer) DO UPDATE SET "
    "last = license_serials.last + 1 RETURNING last",
    2};
static const tb_store_stmt S_INSERT = {
    "lic_insert",
    "INSERT INTO licenses (id, type_code, type_name, holder_name, "
    "holder_id_number, issuer, issuer_credit_code, application_id, "
    "application_number, issued_at, valid_from, valid_until, canonical, "
    "signature, key_id, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, "
    "$8::bigint, $9, to_timestamp($10::bigint), $11::date, $12::date, $13, "
    "decode($14, 'hex'), $15, $16)",
    16};

#define LICENSE_OBJECT                                                         \
  "json_build_object('id', l.id, 'type', json_build_object('code', "           \
  "l.type_code, 'name', l.type_name), 'holder', json_build_object('name', "    \
  "l.holder_name, 'id_number', l.holder_id_number), 'issuer', "                \
  "json_build_object('code', l.issuer, 'credit_code', l.issuer_credit_code), " \
  "'application', l.application_number, 'issued_at', "                         \
  "to_char(l.issued_at AT TIME ZONE 'UTC', "                                   \
  "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'valid_from', "                          \
  "to_char(l.valid_from, 'YYYY-MM-DD'), 'valid_until', "                       \
  "coalesce(to_char(l.valid_until, 'YYYY-MM-DD'), 'long-term'), 'key_id', "    \
  "l.key_id, 'signature', encode(l.signature, 'hex'), 'payload', l.payload, "  \
  "'revoked', l.revoked_at IS NOT NULL, 'revoked_at', "                        \
  "to_char(l.revoked_at AT TIME ZONE 'UTC', "                                  \
  "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'revoked_by', l.revoked_by, "            \
  "'revocation_reason', l.revocation_reason, 'license', l.canonical::json)"

static const tb_store_stmt S_READ_ONE = {
    "lic_read_one",
    "SELECT " LICENSE_OBJECT "::text FROM licenses l WHERE l.id = $1", 1};
static const tb_store_stmt S_READ_HOLDER = {
    "lic_read_holder",
    "SELECT coalesce(json_agg(" LICENSE_OBJECT
    " ORDER BY l.issued_at DESC, l.id), '[]'::json)::text "
    "FROM licenses l WHERE l.holder_id_number = $1",
    1};
static const tb_store_stmt S_READ_APP = {
    "lic_read_app",
    "SELECT coalesce(json_agg(" LICENSE_OBJECT
    " ORDER BY l.issued_at, l.id), '[]'::json)::text FROM licenses l "
    "JOIN applications a ON a.id = l.application_id WHERE a.number = $1",
    1};
static const tb_store_stmt S_BRIEF = {
    "lic_brief",
    "SELECT id, type_code, holder_id_number, issuer, application_number, "
    "to_char(valid_from, 'YYYY-MM-DD'), coalesce(to_char(valid_until, "
    "'YYYY-MM-DD'), ''), revoked_at IS NOT NULL, "
    "coalesce(revocation_reason, ''), payload, holder_name FROM licenses "
    "WHERE id = $1",
    1};
static const tb_store_stmt S_FIND_VALID = {
    "lic_find_valid",
    "SELECT id FROM licenses WHERE holder_id_number = $1 AND type_code = $2 "
    "AND holder_name = $4 AND revoked_at IS NULL AND valid_from <= $3::date "
    "AND (valid_until IS NULL OR valid_until >= $3::date) "
    "ORDER BY issued_at DESC, id DESC LIMIT 1",
    4};
static const tb_store_stmt S_OUTPUT = {
    "lic_output",
    "SELECT outputs->>$2 FROM tasks WHERE application_id = $1::bigint AND "
    "decision = 'approve' AND outputs ? $2 ORDER BY id DESC LIMIT 1",
    2};
static const tb_store_stmt S_REVOKE_LOCK = {
    "lic_revoke_lock",
    "SELECT a.id, a.number, a.audit_seq, a.audit_hash, a.status, a.warning, "
    "l.revoked_at IS NOT NULL, l.type_code FROM licenses l JOIN applications "
    "a ON a.id = l.application_id WHERE l.id = $1 FOR UPDATE OF a, l",
    1};
static const tb_store_stmt S_REVOKE = {
    "lic_revoke",
    "UPDATE licenses SET revoked_at = now(), revoked_by = $2, "
    "revocation_reason = $3 WHERE id = $1",
    3};
static const tb_store_stmt S_REVOKE_HEAD = {
    "lic_revoke_head",
    "UPDATE applications SET audit_seq = $2::integer, "
    "audit_hash = decode($3, 'hex'), updated_at = now() "
    "WHERE id = $1::bigint",
    3};
static const tb_store_stmt S_REVOKED = {
    "lic_revoked",
    "SELECT id, extract(epoch FROM date_trunc('second', revoked_at))::bigint, "
    "revocation_reason FROM licenses WHERE revoked_at IS NOT NULL "
    "ORDER BY id COLLATE \"C\"",
    0};
static const tb_store_stmt S_REVOKED_COUNT = {
    "lic_revoked_count",
    "SELECT count(*) FROM licenses WHERE revoked_at IS NOT NULL", 0};

/* ---- issuance ------------------------------------------------------------ */

/* What an order is made of, owned here while the handler runs. */
typedef struct {
  tb_store_license_order order;
  json_t *form;                      /* the stored form */
  const char *values[TB_MAX_FIELDS]; /* into form */
  char holder_name[256], holder_number[32];
  char output_texts[TB_MAX_FIELDS][256]; /* the output items' values */
  const char *outputs[TB_MAX_FIELDS];    /* into output_texts, or NULL */
} order_job;

/* The holder and the form from the application row. */
static tb_store_status
load_holder_and_form(tb_store *s, const tb_store_outcome *o, order_job *j) {
  char app[24];
  snprintf(app, sizeof app, "%lld", (long long)o->application_id);
  const char *params[] = {app};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_APP, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(r) != 1) {
    PQclear(r);
    return TB_STORE_ERROR;
  }
  tb_store_copy(j->holder_name, sizeof j->holder_name, PQgetvalue(r, 0, 0));
  tb_store_copy(j->holder_number, sizeof j->holder_number, PQgetvalue(r, 0, 1));
  json_error_t err;
  j->form = json_loads(PQgetvalue(r, 0, 2), 0, &err);
  PQclear(r);
  if (!json_is_object(j->form)) {
    tb_log_kv(TB_LOG_ERROR, "store", "stored form is unreadable",
              TB_LOG_S("application", o->number));
    return TB_STORE_ERROR;
  }
  for (size_t i = 0; i < o->def->n_fields && i < TB_MAX_FIELDS; i++) {
    const json_t *v = json_object_get(j->form, o->def->fields[i].id);
    j->values[i] = json_is_string(v) ? json_string_value(v) : NULL;
  }
  return TB_STORE_OK;
}

/* The issuing bureau from the stored bureau list (the handle's cache). */
static tb_store_status find_issuer(tb_store *s, const tb_store_outcome *o,
                                   const tb_license_def *ld, order_job *j) {
  const tb_bureau_list *list = NULL;
  tb_problem p = {0};
  tb_store_status rc = tb_store_bureaus_get(s, &list, &p);
  const tb_bureau *b =
      rc == TB_STORE_OK ? tb_bureaus_find(list, ld->bureau) : NULL;
  if (rc == TB_STORE_INVALID || (rc == TB_STORE_OK && !b)) {
    tb_log_kv(TB_LOG_ERROR, "store",
              "the license's bureau is not in the stored bureau list",
              TB_LOG_S("application", o->number),
              TB_LOG_S("bureau", ld->bureau), TB_LOG_S("type", ld->type_code),
              TB_LOG_S("error", p.detail[0] ? p.detail : NULL));
    return TB_STORE_ERROR;
  }
  j->order.issuer = b;
  return rc;
}

/* The next serial of (type, issuing bureau). */
static tb_store_status next_serial(tb_store *s, const tb_license_def *ld,
                                   uint64_t *serial) {
  const char *params[] = {ld->type_code, ld->bureau};
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_SERIAL, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  int64_t v = 0;
  bool ok =
      PQntuples(r) == 1 && tb_store_parse_i64(PQgetvalue(r, 0, 0), &v) && v > 0;
  PQclear(r);
  *serial = ok ? (uint64_t)v : 0;
  return ok ? TB_STORE_OK : TB_STORE_ERROR;
}

/* The time of issuance and its day in the stored calendar. */
static tb_store_status set_time(tb_store *s, const tb_store_outcome *o,
                                order_job *j) {
  const tb_calendar *cal = NULL;
  tb_store_status rc = tb_store_calendar_get(s, &cal);
  if (rc != TB_STORE_OK)
    return rc;
  j->order.at = o->after.finished_at > 0 ? o->after.finished_at
                                         : tb_store_now_us() / 1000000;
  j->order.today = tb_calendar_day_of(cal, j->order.at);
  return TB_STORE_OK;
}

/* The text of a form field or of a branch output recorded by an
 * approval of this application, into buf; TB_STORE_ERROR when it has
 * none (`workflows check` proves a license's holder is recorded first). */
/* The latest value of the branch output id an approval of this
 * application recorded, into buf; TB_STORE_NOT_FOUND when none did. */
static tb_store_status output_of(tb_store *s, const tb_store_outcome *o,
                                 const char *id, char *buf, size_t cap) {
  char app[24];
  snprintf(app, sizeof app, "%lld", (long long)o->application_id);
  const char *params[] = {app, id};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_OUTPUT, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  bool found = !PQgetisnull(r, 0, 0);
  if (found)
    tb_store_copy(buf, cap, PQgetvalue(r, 0, 0));
  PQclear(r);
  return found ? TB_STORE_OK : TB_STORE_NOT_FOUND;
}

/* The output items a license carries (<item output="…"/>), those that
 * were recorded. */
static tb_store_status output_items_of(tb_store *s, const tb_store_outcome *o,
                                       const tb_license_def *ld, order_job *j) {
  j->order.outputs = j->outputs;
  for (size_t k = 0; k < ld->n_output_items && k < TB_MAX_FIELDS; k++) {
    tb_store_status rc =
        output_of(s, o, ld->output_items[k], j->output_texts[k],
                  sizeof j->output_texts[k]);
    if (rc != TB_STORE_OK && rc != TB_STORE_NOT_FOUND)
      return rc;
    j->outputs[k] = rc == TB_STORE_OK ? j->output_texts[k] : NULL;
  }
  return TB_STORE_OK;
}

static tb_store_status value_of(tb_store *s, const tb_store_outcome *o,
                                const order_job *j, const char *id, char *buf,
                                size_t cap) {
  int f = tb_definition_field(o->def, id, strlen(id));
  if (f >= 0 && f < TB_MAX_FIELDS && j->values[f]) {
    tb_store_copy(buf, cap, j->values[f]);
    return TB_STORE_OK;
  }
  tb_store_status rc = output_of(s, o, id, buf, cap);
  if (rc != TB_STORE_NOT_FOUND)
    return rc;
  tb_log_kv(TB_LOG_ERROR, "store",
            "a license's holder is not recorded; the license is not issued",
            TB_LOG_S("application", o->number), TB_LOG_S("value", id));
  return TB_STORE_ERROR;
}

/* The holder of a license declared holder= / holder-name= (a newborn's
 * number and name): from the form or the branch outputs, and a holders
 * row for a number that has none yet. */
static tb_store_status holder_of(tb_store *s, const tb_store_outcome *o,
                                 const tb_license_def *ld, order_job *j) {
  if (!ld->holder || !ld->holder_name)
    return TB_STORE_OK;
  tb_store_status rc =
      value_of(s, o, j, ld->holder, j->holder_number, sizeof j->holder_number);
  if (rc == TB_STORE_OK)
    rc = value_of(s, o, j, ld->holder_name, j->holder_name,
                  sizeof j->holder_name);
  if (rc == TB_STORE_OK)
    rc = tb_store_holder_note(s, j->holder_number, j->holder_name);
  return rc;
}

static tb_store_status build_order(tb_store *s, const tb_store_outcome *o,
                                   const tb_effect *e, order_job *j) {
  const tb_license_def *ld = &o->def->licenses[e->license];
  j->order = (tb_store_license_order){.number = o->number,
                                      .def = o->def,
                                      .effect = e,
                                      .license = ld,
                                      .state = &o->after,
                                      .holder_name = j->holder_name,
                                      .holder_number = j->holder_number,
                                      .form = j->values};
  tb_store_status rc = load_holder_and_form(s, o, j);
  if (rc == TB_STORE_OK)
    rc = holder_of(s, o, ld, j);
  if (rc == TB_STORE_OK)
    rc = output_items_of(s, o, ld, j);
  if (rc == TB_STORE_OK)
    rc = set_time(s, o, j);
  if (rc == TB_STORE_OK)
    rc = next_serial(s, ld, &j->order.serial);
  if (rc == TB_STORE_OK) /* last: the list is the handle's until its next
                            tb_store_bureaus_get */
    rc = find_issuer(s, o, ld, j);
  return rc;
}

/* Whether the handler answered every column. */
static bool issued_complete(const tb_store_license_issued *l) {
  return l->id && l->type_code && l->type_name && l->holder_name &&
         l->holder_number && l->issuer_code && l->issuer_credit_code &&
         l->canonical && l->signature && l->signature_len > 0 &&
         l->signature_len <= TB_STORE_MAX_SIGNATURE && l->key_id &&
         l->payload && l->valid_from > 0;
}

static tb_store_status insert_row(tb_store *s, const tb_store_outcome *o,
                                  const tb_store_license_order *order,
                                  const tb_store_license_issued *l) {
  char app[24], at[24], from[11], until[11];
  char sig[2 * TB_STORE_MAX_SIGNATURE + 1];
  snprintf(app, sizeof app, "%lld", (long long)o->application_id);
  snprintf(at, sizeof at, "%lld", (long long)order->at);
  tb_date_format(l->valid_from, from);
  if (l->valid_until)
    tb_date_format(l->valid_until, until);
  tb_hex_encode(l->signature, l->signature_len, sig);
  const char *params[] = {l->id,
                          l->type_code,
                          l->type_name,
                          l->holder_name,
                          l->holder_number,
                          l->issuer_code,
                          l->issuer_credit_code,
                          app,
                          o->number,
                          at,
                          from,
                          l->valid_until ? until : NULL,
                          l->canonical,
                          sig,
                          l->key_id,
                          l->payload};
  return tb_store_exec_deferred(s, &S_INSERT, params);
}

/* Ask the handler for the license and write its row. */
static tb_store_status issue_and_insert(tb_store *s, const tb_store_outcome *o,
                                        const tb_store_license_order *order) {
  tb_store_license_issued l = {.arena = tb_arena_new()};
  tb_store_status rc = s->licenses.issue(s->licenses.cls, order, &l);
  if (rc == TB_STORE_OK && !issued_complete(&l)) {
    tb_log_kv(TB_LOG_ERROR, "store",
              "the license handler answered an incomplete license",
              TB_LOG_S("application", o->number),
              TB_LOG_S("type", order->license->type_code));
    rc = TB_STORE_ERROR;
  }
  if (rc == TB_STORE_OK)
    rc = insert_row(s, o, order, &l);
  tb_arena_free(l.arena);
  return rc;
}

tb_store_status tb_store_license_issue(tb_store *s, const tb_store_outcome *o,
                                       const tb_effect *e) {
  if (e->license >= o->def->n_licenses) {
    tb_log_kv(TB_LOG_ERROR, "store", "an effect names an unknown license",
              TB_LOG_S("application", o->number),
              TB_LOG_I("license", e->license));
    return TB_STORE_ERROR;
  }
  if (!s->licenses.issue) {
    tb_log_kv(TB_LOG_WARN, "store",
              "license not issued: this store handle has no license handler",
              TB_LOG_S("application", o->number),
              TB_LOG_S("type", o->def->licenses[e->license].type_code));
    return TB_STORE_OK;
  }
  order_job j = {0};
  tb_store_status rc = build_order(s, o, e, &j);
  if (rc == TB_STORE_OK)
    rc = issue_and_insert(s, o, &j.order);
  json_decref(j.form);
  return rc;
}

/* ---- reading ------------------------------------------------------------- */

/* One text value of a one-row result (malloc'ed), or TB_STORE_NOT_FOUND. */
static tb_store_status text_of(tb_store *s, const tb_store_stmt *st,
                               const char *const *params, char **out) {
  *out = NULL;
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, st, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0)) {
    PQclear(r);
    return TB_STORE_NOT_FOUND;
  }
  const char *v = PQgetvalue(r, 0, 0);
  *out = tb_xstrndup(v, strlen(v));
  PQclear(r);
  return TB_STORE_OK;
}

tb_store_status tb_store_license_read(tb_store *s, const char *id,
                                      char **json) {
  const char *params[] = {id};
  return text_of(s, &S_READ_ONE, params, json);
}

tb_store_status tb_store_holder_licenses_read(tb_store *s, const char *holder,
                                              char **json) {
  const char *params[] = {holder};
  return text_of(s, &S_READ_HOLDER, params, json);
}

tb_store_status tb_store_application_licenses_read(tb_store *s,
                                                   const char *number,
                                                   char **json) {
  const char *params[] = {number};
  return text_of(s, &S_READ_APP, params, json);
}

static tb_day day_of_text(const char *text) {
  tb_day d = 0;
  if (text && *text && tb_date_parse(text, strlen(text), &d) != TB_OK)
    d = 0;
  return d;
}

tb_store_status tb_store_license_brief_get(tb_store *s, const char *id,
                                           tb_store_license_brief *b) {
  memset(b, 0, sizeof *b);
  const char *params[] = {id};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_BRIEF, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  tb_store_copy(b->id, sizeof b->id, PQgetvalue(r, 0, 0));
  tb_store_copy(b->type_code, sizeof b->type_code, PQgetvalue(r, 0, 1));
  tb_store_copy(b->holder_id_number, sizeof b->holder_id_number,
                PQgetvalue(r, 0, 2));
  tb_store_copy(b->issuer, sizeof b->issuer, PQgetvalue(r, 0, 3));
  tb_store_copy(b->application, sizeof b->application, PQgetvalue(r, 0, 4));
  b->valid_from = day_of_text(PQgetvalue(r, 0, 5));
  b->valid_until = day_of_text(PQgetvalue(r, 0, 6));
  b->revoked = strcmp(PQgetvalue(r, 0, 7), "t") == 0;
  tb_store_copy(b->revocation_reason, sizeof b->revocation_reason,
                PQgetvalue(r, 0, 8));
  const char *payload = PQgetvalue(r, 0, 9);
  b->payload = tb_xstrndup(payload, strlen(payload));
  tb_store_copy(b->holder_name, sizeof b->holder_name, PQgetvalue(r, 0, 10));
  PQclear(r);
  return TB_STORE_OK;
}

void tb_store_license_brief_clear(tb_store_license_brief *b) {
  if (!b)
    return;
  free(b->payload);
  b->payload = NULL;
}

tb_store_status tb_store_license_find_valid(tb_store *s, const char *holder,
                                            const char *holder_name,
                                            const char *type_code, tb_day today,
                                            char id[TB_LICENSE_ID_MAX]) {
  char day[11];
  tb_date_format(today, day);
  const char *params[] = {holder, type_code, day, holder_name};
  char *found = NULL;
  tb_store_status rc = text_of(s, &S_FIND_VALID, params, &found);
  if (rc == TB_STORE_OK)
    tb_store_copy(id, TB_LICENSE_ID_MAX, found);
  free(found);
  return rc;
}

/* ---- revocation -------------------------------------------------------------
 */

typedef struct {
  int64_t app_id;
  char number[TB_APP_NUMBER_LEN + 1];
  int32_t seq;
  uint8_t hash[32];
  char status[32], warning[16], type_code[64];
  bool revoked;
} revoke_lock;

static tb_store_status lock_for_revoke(tb_store *s, const char *id,
                                       revoke_lock *l) {
  const char *params[] = {id};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_REVOKE_LOCK, params, &r);
  if (rc != TB_STORE_OK)
    return rc;
  int64_t seq = 0;
  tb_store_parse_i64(PQgetvalue(r, 0, 0), &l->app_id);
  tb_store_copy(l->number, sizeof l->number, PQgetvalue(r, 0, 1));
  tb_store_parse_i64(PQgetvalue(r, 0, 2), &seq);
  l->seq = (int32_t)seq;
  memset(l->hash, 0, sizeof l->hash);
  bool ok = PQgetisnull(r, 0, 3) ||
            tb_store_unhex_bytea(PQgetvalue(r, 0, 3), l->hash, 32);
  tb_store_copy(l->status, sizeof l->status, PQgetvalue(r, 0, 4));
  tb_store_copy(l->warning, sizeof l->warning, PQgetvalue(r, 0, 5));
  l->revoked = strcmp(PQgetvalue(r, 0, 6), "t") == 0;
  tb_store_copy(l->type_code, sizeof l->type_code, PQgetvalue(r, 0, 7));
  PQclear(r);
  if (!ok) {
    tb_log_kv(TB_LOG_ERROR, "store", "stored audit head is unreadable",
              TB_LOG_S("application", l->number));
    return TB_STORE_ERROR;
  }
  return TB_STORE_OK;
}

/* The revocation event in the application's audit chain, the new head on
 * the application row, and the NOTIFY. */
static tb_store_status audit_revoke(tb_store *s, const revoke_lock *l,
                                    const char *id, const tb_store_actor *actor,
                                    const char *reason) {
  json_t *pl = json_pack("{s:s, s:s, s:s}", "license", id, "reason", reason,
                         "type", l->type_code);
  char *payload = json_dumps(pl, JSON_COMPACT); /* stored canonical */
  json_decref(pl);
  tb_store_audit_event ae = {.application_id = l->app_id,
                             .number = l->number,
                             .prev_seq = l->seq,
                             .actor = actor,
                             .action = "revoke_license",
                             .payload = payload,
                             .at_us = tb_store_now_us()};
  memcpy(ae.prev_hash, l->hash, 32);
  int32_t seq = 0;
  uint8_t hash[32];
  tb_store_status rc = tb_store_audit_append(s, &ae, &seq, hash);
  free(payload);
  char app[24], sq[16], hex[65];
  snprintf(app, sizeof app, "%lld", (long long)l->app_id);
  snprintf(sq, sizeof sq, "%d", (int)seq);
  tb_hex_encode(hash, 32, hex);
  const char *head[] = {app, sq, hex};
  if (rc == TB_STORE_OK)
    rc = tb_store_exec(s, &S_REVOKE_HEAD, head, NULL);
  if (rc != TB_STORE_OK)
    return rc;
  json_t *n = json_pack("{s:s, s:i, s:s, s:s, s:s}", "number", l->number, "seq",
                        (int)seq, "action", "revoke_license", "status",
                        l->status, "warning", l->warning);
  char *text = json_dumps(n, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(n);
  rc = tb_store_notify_json(s, text);
  free(text);
  return rc;
}

tb_store_status tb_store_license_revoke_in(tb_store *s, const char *id,
                                           const tb_store_actor *actor,
                                           const char *reason) {
  revoke_lock l = {0};
  tb_store_status rc = lock_for_revoke(s, id, &l);
  if (rc != TB_STORE_OK)
    return rc;
  if (l.revoked)
    return TB_STORE_CONFLICT;
  const char *params[] = {id, actor && actor->name ? actor->name : "system",
                          reason};
  rc = tb_store_exec(s, &S_REVOKE, params, NULL);
  if (rc == TB_STORE_OK)
    rc = audit_revoke(s, &l, id, actor, reason);
  return rc;
}

/* ---- the revocation list --------------------------------------------------
 */

tb_store_status tb_store_revocations_read(tb_store *s, tb_arena *a,
                                          tb_store_revoked **items, size_t *n) {
  *items = NULL;
  *n = 0;
  PGresult *r;
  tb_store_status rc = tb_store_exec(s, &S_REVOKED, NULL, &r);
  if (rc != TB_STORE_OK)
    return rc;
  size_t rows = (size_t)PQntuples(r);
  tb_store_revoked *out = rows ? tb_arena_alloc(a, rows * sizeof *out) : NULL;
  for (size_t i = 0; i < rows && rc == TB_STORE_OK; i++) {
    out[i].id = tb_arena_strdup(a, PQgetvalue(r, (int)i, 0));
    out[i].reason = tb_arena_strdup(a, PQgetvalue(r, (int)i, 2));
    if (!tb_store_parse_i64(PQgetvalue(r, (int)i, 1), &out[i].revoked_at))
      rc = TB_STORE_ERROR;
  }
  PQclear(r);
  if (rc == TB_STORE_OK) {
    *items = out;
    *n = rows;
  }
  return rc;
}

tb_store_status tb_store_revocations_count(tb_store *s, int64_t *count) {
  *count = 0;
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_REVOKED_COUNT, NULL, &r);
  if (rc != TB_STORE_OK)
    return rc;
  bool ok = tb_store_parse_i64(PQgetvalue(r, 0, 0), count);
  PQclear(r);
  return ok ? TB_STORE_OK : TB_STORE_ERROR;
}
