/*
 * tb_store_verify.h — 告知承诺 verification (事后核查, 国办发〔2020〕42号,
 * sql/0009_ratings_verifications.sql): the verifications an approval
 * opens (one per verifying bureau of the committed materials; the
 * transition opens them, see tb_store_int.h), the bureau's finding, and
 * the exclusion a false one puts on the holder (store/tb_store_verify.c).
 *
 * A false finding (承诺不实) revokes every license issued on the
 * application (reason recorded, through tb_store_license_revoke_in), ends
 * the application if it still waits for its delivery or its tolerated
 * gaps (the engine's event commitment_false: 终止办理), and excludes the
 * holder's one number from 告知承诺 for the longest exclude-days of the
 * verification's materials; an intake that chooses a commitment while
 * the number is excluded is refused (tb_store_outcome.excluded_until).
 *
 * Ownership: everything passed in is only read during the call; JSON
 * texts handed out (char **) are malloc'ed and the caller frees them.
 */
#ifndef TB_STORE_VERIFY_H
#define TB_STORE_VERIFY_H

#include "tb_store.h"
#include "tb_store_applications.h"
#include "tb_store_ratings.h"

/* The verifications as a JSON array, newest first: {id, number, service,
 * service_name, holder {name, id_number}, bureau, materials [{id, name}],
 * state ("open", "true", "false"), due, overdue (open and due before
 * `today`), opened_at, finding, found_at}. bureau, state: NULL any. At
 * most limit (1..500). */
tb_store_status tb_store_verifications_read(tb_store *s, const char *bureau,
                                            const char *state,
                                            const char *today, int limit,
                                            char **json);

/* One verification as such an object; TB_STORE_NOT_FOUND: none. */
tb_store_status tb_store_verification_read(tb_store *s, int64_t id,
                                           const char *today, char **json);

typedef struct {
  bool truthful;       /* true: 核查属实; false: 承诺不实 */
  const char *finding; /* what the bureau found (the reason of a false one) */
} tb_store_finding;

typedef struct {
  tb_store_ticket_refusal refusal; /* TB_STORE_REFUSED: why */
  int revoked;                     /* licenses revoked */
  bool terminated;                 /* the application ended (终止办理) */
  char excluded_until[11];         /* "YYYY-MM-DD", or "" */
} tb_store_found;

/* Record the finding of verification id, inside the caller's
 * transaction, by an officer of its bureau (actor->bureau): the
 * application row and the verification are locked; the verification must
 * be open. Appends "verification_found" ({verification, bureau, result
 * "true"/"false", finding, materials, excluded_until}) and, when false,
 * the revocations ("revoke_license") and the end of the application
 * ("commitment_false"). TB_STORE_NOT_FOUND: no such verification;
 * TB_STORE_REFUSED: out->refusal says why. */
tb_store_status tb_store_verification_find_in(tb_store *s, int64_t id,
                                              const tb_store_finding *f,
                                              const tb_store_actor *actor,
                                              tb_store_found *out);

/* The holder's (one number) exclusions from 告知承诺 as a JSON array,
 * newest first: {number (the application), reason, from, until}. */
tb_store_status tb_store_exclusions_read(tb_store *s, const char *id_number,
                                         char **json);

#endif /* TB_STORE_VERIFY_H */
