/*
 * tb_store_intake.h — intake alerts: a region's pool of application
 * numbers for a day was spent (sql/0014_intake.sql), raised where the
 * refused intake is answered and listed for inspectors
 * (store/tb_store_intake.c).
 *
 * Ownership: *json out-parameters are malloc'ed text the caller frees.
 */
#ifndef TB_STORE_INTAKE_H
#define TB_STORE_INTAKE_H

#include "tb_store.h"

/* Record that an intake was refused because the handle's region spent
 * the pool (public: the anonymous one, else the staff one) of `day`:
 * the first refusal makes the alert, later ones count up `refused` and
 * move `last_at`. Runs as its own statement, outside any transaction of
 * the caller (the refused intake was rolled back). */
tb_store_status tb_store_intake_alert_raise(tb_store *s, tb_day day,
                                            bool public);

/* The alerts, newest day first, at most 100, as a JSON array of
 * {region, day, pool ("staff" | "public"), first_at, last_at, refused}.
 * *json is malloc'ed. */
tb_store_status tb_store_intake_alerts_read(tb_store *s, char **json);

#endif /* TB_STORE_INTAKE_H */
