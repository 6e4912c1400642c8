/*
 * tb_store_licenses.h — electronic licenses (电子证照) in the database
 * (store/tb_store_licenses.c): issuance as an effect of the transition,
 * the licenses API's reads, the one-number look-up for intake, and audited
 * revocation.
 *
 * The store neither builds nor signs a license. For every
 * TB_EFFECT_ISSUE_LICENSE of a step it calls the handler the caller
 * passed in (tb_store_options.licenses) inside the transition's
 * transaction, with what the store knows (the order), and writes the row
 * the handler answers in the same transaction: an approval and its
 * licenses commit together or not at all. tongban's handler is
 * electronic-licenses' tb_license_issue, wired by the API.
 *
 * Ownership: an order and everything it points to are valid only during
 * the handler's call. What the handler answers lives in the arena the
 * store hands it (tb_store_license_issued.arena), which the store frees
 * after writing the row. *json out-parameters are malloc'ed text the
 * caller frees; a brief's payload is freed with
 * tb_store_license_brief_clear.
 */
#ifndef TB_STORE_LICENSES_H
#define TB_STORE_LICENSES_H

#include "tb_store_applications.h"

/* ------------------------------------------------------------------------
 * Issuance: the handler the caller passes in
 * ---------------------------------------------------------------------- */

/* What the store knows when an effect asks for a license. */
typedef struct {
  const char *number;            /* the application */
  const tb_definition *def;      /* the version it runs on */
  const tb_effect *effect;       /* the TB_EFFECT_ISSUE_LICENSE effect */
  const tb_license_def *license; /* def->licenses[effect->license] */
  const tb_app_state *state;     /* the application after the step */
  const char *holder_name;       /* the applicant: name */
  const char *holder_number;     /* … citizen ID or credit code */
  const tb_bureau *issuer;       /* license->bureau in the stored list */
  /* The stored form: for each of def's fields (def->n_fields), its value
   * as the text tb_value_parse reads ("12.50", "a,b" for several
   * choices), or NULL when left empty. */
  const char *const *form;
  /* For each of license->output_items: the branch output's value as
   * text, or NULL when no approval recorded it. */
  const char *const *outputs;
  uint64_t serial; /* the next serial of (license type, issuing bureau) */
  int64_t at;      /* the time of issuance, Unix seconds */
  tb_day today;    /* its day in the stored calendar */
} tb_store_license_order;

/* What the handler answers: the row the store writes. Every string and
 * byte lives in arena (tb_arena_strdup …), which the store created. */
typedef struct {
  tb_arena *arena;                /* the store's; freed after the write */
  const char *id;                 /* the license identifier */
  const char *type_code;          /* its type … */
  const char *type_name;          /* … and the type's name */
  const char *holder_name;        /* 持证主体 */
  const char *holder_number;      /* its one number */
  const char *issuer_code;        /* the issuing bureau's code … */
  const char *issuer_credit_code; /* … and credit code */
  tb_day valid_from;
  tb_day valid_until;       /* 0: long-term (长期) */
  const char *canonical;    /* the signed canonical JSON */
  const uint8_t *signature; /* DER */
  size_t signature_len;     /* at most TB_STORE_MAX_SIGNATURE */
  const char *key_id;       /* the signing certificate's key id */
  const char *payload;      /* the QR payload ("TB1:…") */
} tb_store_license_issued;

/* The most bytes of a DER signature the store keeps. */
#define TB_STORE_MAX_SIGNATURE 160

/* Build and sign the license an order names, filling *out. TB_STORE_OK,
 * or TB_STORE_ERROR (logged by the handler): the transition is then
 * rolled back. Called inside the transaction, maybe several times for one
 * transition (retries) and from several threads at once (one per
 * handle); it must keep nothing it was given. */
typedef tb_store_status (*tb_store_license_fn)(
    void *cls, const tb_store_license_order *order,
    tb_store_license_issued *out);

struct tb_store_license_handler {
  tb_store_license_fn issue;
  void *cls; /* passed to issue; must outlive every handle using it */
};

/* ------------------------------------------------------------------------
 * Reading
 * ---------------------------------------------------------------------- */

/* One license as a JSON object: id, type {code, name}, holder {name,
 * id_number}, issuer {code, credit_code}, application, issued_at,
 * valid_from, valid_until ("YYYY-MM-DD" or "long-term"), key_id,
 * signature (hex DER), payload ("TB1:…"), revoked, revoked_at, revoked_by,
 * revocation_reason, license (the signed canonical JSON). */
tb_store_status tb_store_license_read(tb_store *s, const char *id, char **json);
/* JSON arrays of such objects: a holder's (one number) licenses, newest
 * first; an application's licenses, in the order issued. */
tb_store_status tb_store_holder_licenses_read(tb_store *s, const char *holder,
                                              char **json);
tb_store_status tb_store_application_licenses_read(tb_store *s,
                                                   const char *number,
                                                   char **json);

/* What intake, verification and revocation check. */
typedef struct {
  char id[TB_LICENSE_ID_MAX];
  char type_code[64];
  char holder_id_number[24];
  char holder_name[256];
  char issuer[64]; /* bureau code */
  char application[TB_APP_NUMBER_LEN + 1];
  tb_day valid_from;
  tb_day valid_until; /* 0: long-term */
  bool revoked;
  char revocation_reason[256];
  char *payload; /* malloc'ed; free with tb_store_license_brief_clear */
} tb_store_license_brief;

tb_store_status tb_store_license_brief_get(tb_store *s, const char *id,
                                           tb_store_license_brief *b);
void tb_store_license_brief_clear(tb_store_license_brief *b);

/* The newest license of type_code held by holder under holder_name (a
 * license issued under another name is not the applicant's to reuse)
 * that is valid on `today` (not revoked, today within its dates) into id;
 * TB_STORE_NOT_FOUND when there is none. */
tb_store_status tb_store_license_find_valid(tb_store *s, const char *holder,
                                            const char *holder_name,
                                            const char *type_code, tb_day today,
                                            char id[TB_LICENSE_ID_MAX]);

/* ------------------------------------------------------------------------
 * Revocation
 * ---------------------------------------------------------------------- */

/* One revoked license, for the revocation list. */
typedef struct {
  const char *id;
  int64_t revoked_at; /* Unix seconds */
  const char *reason; /* as recorded */
} tb_store_revoked;

/* Every revoked license, sorted by id, into *items (n of them); the
 * array and its strings are allocated from arena `a` (the caller's).
 * *items is NULL when there are none. */
tb_store_status tb_store_revocations_read(tb_store *s, tb_arena *a,
                                          tb_store_revoked **items, size_t *n);

/* How many licenses are revoked: a revocation is never undone, so the
 * count changes exactly when a license is revoked (the API's cache of the
 * signed list is keyed on it). */
tb_store_status tb_store_revocations_count(tb_store *s, int64_t *count);

/* Revoke a license inside the caller's transaction (tb_store_run_
 * transaction): lock it and its application, mark it revoked (by
 * actor->name, with reason), append "revoke_license" to the application's
 * audit chain and NOTIFY. TB_STORE_NOT_FOUND: no such license;
 * TB_STORE_CONFLICT: it is revoked already. actor may not be NULL. */
tb_store_status tb_store_license_revoke_in(tb_store *s, const char *id,
                                           const tb_store_actor *actor,
                                           const char *reason);

#endif /* TB_STORE_LICENSES_H */
