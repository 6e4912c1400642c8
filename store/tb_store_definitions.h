/*
 * tb_store_definitions.h — workflow definitions, bureau lists and the
 * working-day calendar, kept in the database (store/tb_store_defs.c).
 *
 * The store keeps definitions and bureau lists as the XML they were
 * loaded from, but does not parse XML itself: the caller passes a loader
 * (tb_store_options.loader) whose functions turn bytes into the engine's
 * tb_definition and tb_bureau_list. tongban passes the workflows/ loader
 * (tb_workflows_parse_definition, tb_workflows_parse_bureaus,
 * tb_workflows_free_bureaus: the same types, so no glue is needed).
 *
 * Ownership: definitions and the calendar handed out belong to the
 * handle's caches and stay valid until tb_store_close (the calendar: until
 * the next call on the handle). Everything passed in is only read during
 * the call.
 */
#ifndef TB_STORE_DEFINITIONS_H
#define TB_STORE_DEFINITIONS_H

#include "tb_store.h"

/* The most bytes tb_store_definitions_load_dir reads of one file. */
#define TB_STORE_MAX_XML_BYTES (1024 * 1024)

/* ------------------------------------------------------------------------
 * The loader the caller passes in
 * ---------------------------------------------------------------------- */

/* Parse one workflow definition from xml (len bytes, not terminated);
 * name is used in messages and becomes def->file. bureaus: the codes the
 * definition may name (NULL skips that check). On TB_OK *out is a new
 * definition the store frees with tb_definition_free; otherwise *out is
 * NULL and *p holds the first problem ("FILE:LINE: what — what to do"). */
typedef tb_status (*tb_store_parse_definition_fn)(const char *name,
                                                  const char *xml, size_t len,
                                                  const tb_bureau_list *bureaus,
                                                  tb_definition **out,
                                                  tb_problem *p);

/* Parse a bureau list (bureaus.xml) the same way; the store frees it with
 * the loader's free_bureaus. */
typedef tb_status (*tb_store_parse_bureaus_fn)(const char *name,
                                               const char *xml, size_t len,
                                               tb_bureau_list **out,
                                               tb_problem *p);

/* Every function must be safe to call from several threads at once (one
 * per handle), and keep nothing it was given. */
struct tb_store_loader {
  tb_store_parse_definition_fn parse_definition;
  tb_store_parse_bureaus_fn parse_bureaus;
  void (*free_bureaus)(tb_bureau_list *list); /* NULL is passed on */
};

/* ------------------------------------------------------------------------
 * Definitions and bureaus
 * ---------------------------------------------------------------------- */

typedef struct {
  char id[64];
  uint32_t version;
  bool inserted; /* false: the same file was loaded before */
} tb_store_definition_info;

/* Check a bureau list with the loader and store it; definitions are
 * checked against the most recently stored list. TB_STORE_INVALID with
 * *p when it does not load; TB_STORE_ERROR (logged) when the handle has
 * no loader. */
tb_store_status tb_store_bureaus_put(tb_store *s, const char *xml, size_t len,
                                     const char *file, tb_problem *p);

/* Check a definition with the loader (against the stored bureaus) and
 * store it by (id, version, SHA-256). Loading the same bytes again is a
 * no-op; other bytes under an existing version give TB_STORE_CONFLICT. */
tb_store_status tb_store_definition_put(tb_store *s, const char *xml,
                                        size_t len, const char *file,
                                        tb_store_definition_info *info,
                                        tb_problem *p);

/* Load bureaus.xml and every other *.xml of a folder but supervision.xml
 * (the supervision rules, which the server loads itself), sorted by name, each
 * at most TB_STORE_MAX_XML_BYTES. Stops at the first failure, which is
 * described in *p with the file name. */
tb_store_status tb_store_definitions_load_dir(tb_store *s, const char *dir,
                                              size_t *loaded, tb_problem *p);

/* A stored definition, rebuilt with the loader on first use; version 0
 * means the newest. *out belongs to the handle's cache and stays valid
 * until tb_store_close. */
tb_store_status tb_store_definition_get(tb_store *s, const char *id,
                                        uint32_t version,
                                        const tb_definition **out);

/* The newest stored bureau list, parsed with the loader and cached by the
 * handle (reparsed only when another list is stored). *out is valid until
 * the handle's next tb_store_bureaus_get (tb_store_definition_put calls
 * it too) or tb_store_close. TB_STORE_INVALID with *p when none is
 * stored or it no longer loads; TB_STORE_ERROR (logged) when the handle
 * has no loader. */
tb_store_status tb_store_bureaus_get(tb_store *s, const tb_bureau_list **out,
                                     tb_problem *p);

/* ------------------------------------------------------------------------
 * The working-day calendar
 * ---------------------------------------------------------------------- */

/* An administrator's load: parse the calendar text (tb_calendar_parse:
 * all or nothing, "line N: …" in *p) and store its days in one
 * transaction; days already stored are replaced, others kept. The
 * calendar's source becomes "administrator" (never overwritten by the
 * shipped data at a later start), its coverage grows to the years the
 * text marks, and the load is recorded in calendar_loads under `name`
 * (the file's name, for the record) and written to the security log in
 * the same transaction, with who (tb_store_security_log.h; NULL: the
 * system) as its actor.
 * *days gets how many days the text held. Recompute the open deadlines
 * afterwards with tb_store_calendar_recompute (tb_store_calendar.h). */
typedef struct tb_store_security_actor tb_store_security_actor;
tb_store_status tb_store_calendar_load(tb_store *s, const char *text,
                                       size_t len, const char *name,
                                       const tb_store_security_actor *who,
                                       size_t *days, tb_problem *p);

/* The stored calendar, cached per handle and reloaded when a load has
 * changed it (its version is read once per transaction: inside one, the
 * calendar is the one its first read saw). Valid until the next call on
 * the handle. */
tb_store_status tb_store_calendar_get(tb_store *s, const tb_calendar **out);

#endif /* TB_STORE_DEFINITIONS_H */
