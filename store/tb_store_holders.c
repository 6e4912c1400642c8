/*
 * tb_store_holders.c — one number, one holder: the holders table is the
 * one source of truth for the current name of a number (sql/
 * 0006_holders.sql). Intake claims the number under a row lock (a new
 * number gets the applicant's name); a change of name the clerk confirmed
 * updates the row and appends "holder_renamed" to the application's audit
 * chain, in the intake's transaction. A license issued to a number with
 * no row yet (a newborn's) inserts one.
 */
#include "tb_store_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const tb_store_stmt S_HOLDER_ADD = {
    "ho_add",
    "INSERT INTO holders (id_number, name) VALUES ($1, $2) "
    "ON CONFLICT (id_number) DO NOTHING",
    2};
static const tb_store_stmt S_HOLDER_LOCK = {
    "ho_lock", "SELECT name FROM holders WHERE id_number = $1 FOR UPDATE", 1};
static const tb_store_stmt S_HOLDER_RENAME = {
    "ho_rename",
    "UPDATE holders SET name = $2, renamed_at = now() WHERE id_number = $1", 2};
static const tb_store_stmt S_APP_HEAD = {
    "ho_app_head",
    "SELECT id, audit_seq, audit_hash FROM applications WHERE number = $1 "
    "FOR UPDATE",
    1};
static const tb_store_stmt S_SET_HEAD = {
    "ho_set_head",
    "UPDATE applications SET audit_seq = $2::integer, "
    "audit_hash = decode($3, 'hex'), updated_at = now() "
    "WHERE id = $1::bigint",
    3};

tb_store_status tb_store_holder_claim(tb_store *s, const char *id_number,
                                      const char *name, char *on_record,
                                      size_t cap) {
  const char *params[] = {id_number, name};
  tb_store_status rc = tb_store_exec_deferred(s, &S_HOLDER_ADD, params);
  if (rc != TB_STORE_OK)
    return rc;
  PGresult *r;
  rc = tb_store_exec_row(s, &S_HOLDER_LOCK, params, &r);
  if (rc == TB_STORE_NOT_FOUND)
    return TB_STORE_ERROR; /* inserted or kept just above */
  if (rc != TB_STORE_OK)
    return rc;
  tb_store_copy(on_record, cap, PQgetvalue(r, 0, 0));
  PQclear(r);
  return TB_STORE_OK;
}

tb_store_status tb_store_holder_note(tb_store *s, const char *id_number,
                                     const char *name) {
  const char *params[] = {id_number, name};
  return tb_store_exec_deferred(s, &S_HOLDER_ADD, params);
}

/* The application's audit head, under its row lock. */
static tb_store_status app_head(tb_store *s, const char *number,
                                tb_store_audit_event *ae) {
  const char *params[] = {number};
  PGresult *r;
  tb_store_status rc = tb_store_exec_row(s, &S_APP_HEAD, params, &r);
  if (rc != TB_STORE_OK)
    return rc == TB_STORE_NOT_FOUND ? TB_STORE_ERROR : rc;
  int64_t seq = 0;
  tb_store_parse_i64(PQgetvalue(r, 0, 0), &ae->application_id);
  tb_store_parse_i64(PQgetvalue(r, 0, 1), &seq);
  ae->prev_seq = (int32_t)seq;
  memset(ae->prev_hash, 0, 32);
  bool ok = PQgetisnull(r, 0, 2) ||
            tb_store_unhex_bytea(PQgetvalue(r, 0, 2), ae->prev_hash, 32);
  PQclear(r);
  return ok ? TB_STORE_OK : TB_STORE_ERROR;
}

tb_store_status tb_store_audit_head_set(tb_store *s, int64_t app, int32_t seq,
                                        const uint8_t hash[32]) {
  char id[24], sq[16], hex[65];
  snprintf(id, sizeof id, "%lld", (long long)app);
  snprintf(sq, sizeof sq, "%d", (int)seq);
  tb_hex_encode(hash, 32, hex);
  const char *params[] = {id, sq, hex};
  return tb_store_exec_deferred(s, &S_SET_HEAD, params);
}

tb_store_status tb_store_holder_rename_in(tb_store *s, const char *number,
                                          const tb_store_holder_rename *h,
                                          const tb_store_actor *actor) {
  const char *params[] = {h->id_number, h->new_name};
  tb_store_status rc = tb_store_exec_deferred(s, &S_HOLDER_RENAME, params);
  if (rc != TB_STORE_OK)
    return rc;
  json_t *p = json_pack("{s:s, s:s, s:s, s:s}", "id_number", h->id_number,
                        "old_name", h->old_name, "new_name", h->new_name,
                        "reason", h->reason ? h->reason : "");
  rc = tb_store_audit_event_in(s, number, actor, "holder_renamed", p);
  json_decref(p);
  return rc;
}

tb_store_status tb_store_audit_event_in(tb_store *s, const char *number,
                                        const tb_store_actor *actor,
                                        const char *action, json_t *payload) {
  tb_store_audit_event ae = {
      .number = number, .actor = actor, .action = action};
  tb_store_status rc = app_head(s, number, &ae);
  if (rc != TB_STORE_OK)
    return rc;
  char *text = json_dumps(payload, JSON_COMPACT);
  ae.payload = text;
  ae.at_us = tb_store_now_us();
  int32_t seq = 0;
  uint8_t hash[32];
  rc = tb_store_audit_append(s, &ae, &seq, hash);
  free(text);
  if (rc == TB_STORE_OK)
    rc = tb_store_audit_head_set(s, ae.application_id, seq, hash);
  return rc;
}
