/*
 * tb_store_files.h — materials as files (sql/0007_material_files.sql):
 * attaching a file to a material of an application or to an officer's
 * task (an opinion file, 意见附件) in one transaction with its audit
 * event, listing an application's files, reading one file's bytes, and
 * the e-licenses that satisfied materials at intake
 * (store/tb_store_files.c).
 *
 * Versions: the files attached to a material between two transitions
 * that concern materials (submit, accept, request_supplement, return,
 * supplement) form one version, their pages numbered from 1; the first
 * file after such a transition opens the next version and marks the
 * files of the one before replaced. Nothing is ever deleted.
 *
 * Ownership: everything passed in is only read during the call. JSON
 * texts handed out (char **) are malloc'ed: the caller frees them; a
 * tb_store_file's bytes are freed with tb_store_file_clear.
 */
#ifndef TB_STORE_FILES_H
#define TB_STORE_FILES_H

#include "tb_store.h"
#include "tb_store_applications.h"

/* Why an attachment was refused (TB_STORE_REFUSED). */
typedef enum {
  TB_STORE_FILE_ADDED = 0,
  TB_STORE_FILE_LOCKED,          /* the material takes no files in the
                                    application's state (out->status) */
  TB_STORE_FILE_TOTAL,           /* the application's files would pass
                                    max_total (out->total: stored now) */
  TB_STORE_FILE_TASK_CLOSED,     /* the task is decided or cancelled */
  TB_STORE_FILE_WRONG_BUREAU,    /* the task is another bureau's */
  TB_STORE_FILE_CLAIMED_BY_OTHER /* another officer claimed the task */
} tb_store_file_refusal;

typedef struct {
  const char *number;     /* a material's file: the application */
  const char *material;   /* its material id; NULL: an opinion file */
  int64_t task_id;        /* an opinion file: the task */
  const char *name;       /* as people read it (already cleaned) */
  const char *media_type; /* application/pdf, image/jpeg or image/png */
  const void *bytes;
  size_t size;       /* >= 1 */
  int64_t max_total; /* the most bytes of all of an application's files */
} tb_store_file_new;

typedef struct {
  tb_store_file_refusal refusal;
  int64_t id; /* the new file */
  char number[TB_APP_NUMBER_LEN + 1];
  int32_t version, page;
  uint8_t sha256[32];
  int64_t added_at;     /* Unix seconds */
  uint8_t status;       /* the application's tb_app_status */
  int64_t total;        /* bytes of the application's files before */
  char task_bureau[64]; /* an opinion file: the task's bureau */
  int32_t seq;          /* the audit event written */
} tb_store_file_added;

/* Attach one file inside the caller's transaction
 * (tb_store_run_transaction): lock the application row, check under the
 * lock that the file may be attached — a material: while the application
 * is submitted, while a supplement notice names the material (returned,
 * awaiting_supplement), while a tolerated gap (容缺) of it is open
 * (in_review, awaiting_materials); an opinion: the task is open, or
 * claimed by the actor, and of the actor's bureau — and that the
 * application's files stay within max_total; then store the file as the
 * next page of the material's current version (or the first of a new
 * one) and append the audit event "material_attached" ({material,
 * version, page, name, size, media_type, sha256}) or "opinion_attached"
 * ({task, bureau, page, name, size, media_type, sha256}) with the chain
 * head, and NOTIFY the live stream's change event. TB_STORE_REFUSED:
 * out->refusal says why, nothing is written;
 * TB_STORE_NOT_FOUND: no such application or task; TB_STORE_INVALID: the
 * material is not one of the application's definition. */
tb_store_status tb_store_file_attach_in(tb_store *s, const tb_store_file_new *f,
                                        const tb_store_actor *actor,
                                        tb_store_file_added *out);

/* Every file of an application (not their bytes), as a JSON array in the
 * order material, version, page, then the opinion files by task and
 * page: {id, material (null for an opinion), task (null for a material),
 * task_name, bureau (the task's; null for a material), version, page,
 * name, media_type, size, sha256 (hex), added_at (RFC 3339 UTC),
 * added_role, replaced}. TB_STORE_NOT_FOUND: no such application. */
tb_store_status tb_store_files_read(tb_store *s, const char *number,
                                    char **json);

/* One file of an application: its bytes and what is shown about them. */
typedef struct {
  char media_type[32];
  char name[256];
  uint8_t *bytes; /* malloc'ed; tb_store_file_clear frees it */
  size_t size;
} tb_store_file;

/* Read file id of application number; TB_STORE_NOT_FOUND when the
 * application has no such file. */
tb_store_status tb_store_file_read(tb_store *s, const char *number, int64_t id,
                                   tb_store_file *out);
void tb_store_file_clear(tb_store_file *f);

/* Whether bureau has a task (of any round, in any state) in the
 * application. */
tb_store_status tb_store_bureau_in_application(tb_store *s, const char *number,
                                               const char *bureau, bool *yes);

/* Record, inside the intake's transaction, that the license license_id
 * satisfied material of application number, and its status when it was
 * reused ("valid", "revoked", "expired"). */
tb_store_status tb_store_material_license_note_in(tb_store *s,
                                                  const char *number,
                                                  const char *material,
                                                  const char *license_id,
                                                  const char *status);

/* The licenses that satisfied materials of an application, as a JSON
 * array {material, id, type, name, status_at_reuse, status_now ("valid",
 * "revoked", "expired" on day `today`, "YYYY-MM-DD"), revoked_at (RFC
 * 3339 UTC or null)}. */
tb_store_status tb_store_material_licenses_read(tb_store *s, const char *number,
                                                const char *today, char **json);

#endif /* TB_STORE_FILES_H */
