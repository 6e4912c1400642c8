/*
 * tb_store_audit.h — the audit chain's verifier: every application's
 * events form a hash chain written in the transaction of each change; this
 * recomputes it (store/tb_store_audit.c). The writer is internal to the
 * store.
 *
 * Ownership: the report is the caller's; number is only read.
 */
#ifndef TB_STORE_AUDIT_H
#define TB_STORE_AUDIT_H

#include "tb_store.h"

typedef struct {
  int64_t chains; /* applications checked */
  int64_t events; /* events checked */
  bool broken;
  char number[TB_APP_NUMBER_LEN + 1]; /* the first broken link … */
  int32_t seq;
  char what[256]; /* … and what differs */
} tb_store_audit_report;

/* Recompute every chain (or one application's) and stop at the first
 * broken link. TB_STORE_OK whether or not a link is broken: see r. */
tb_store_status tb_store_audit_verify(tb_store *s, const char *number,
                                      tb_store_audit_report *r);

#endif /* TB_STORE_AUDIT_H */
