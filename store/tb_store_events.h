/*
 * tb_store_events.h — the change events every server process hears of
 * (store/tb_store_events.c): the rows of event_tail, written in the
 * change's own transaction, and the listener that tails them.
 *
 * A change no longer sends a NOTIFY in its transaction (PostgreSQL
 * serializes the commits of transactions that notified). Its event is a
 * row of event_tail (tb_store_notify_json, and triggers for sessions and
 * accounts); every process has one listener that reads the rows after
 * the last one it saw, every ~100 ms and whenever a NOTIFY on channel
 * "tongban_tail" wakes it. That NOTIFY is sent after COMMIT, outside the
 * transaction, by the listener of the node that committed, at most a few
 * times a second.
 *
 * Ids are taken when a row is inserted, so a row can commit after one
 * with a higher id. The listener keeps every id it skipped (a "hole")
 * and asks for it again on every read, until the snapshot shows that
 * every transaction that could hold it has ended; so a late row is
 * delivered once, and a rolled-back one is forgotten. Per application
 * the order is kept: the next change of an application takes its id
 * only after the previous one committed (the row lock).
 *
 * Ownership: the listener owns its connection; payloads handed to a
 * callback are valid during the call only.
 */
#ifndef TB_STORE_EVENTS_H
#define TB_STORE_EVENTS_H

#include "tb_store.h"

/* How many application numbers one transaction's record names; more
 * changes set `overflow` instead. */
#define TB_STORE_EVENT_NUMBERS 8

/* What the caller hears right after COMMIT of a transaction that wrote
 * events, on the thread that committed (and after a statement outside a
 * transaction that changed a session or an account): numbers, the
 * applications changed (n of them; overflow: more, not named), and
 * accounts: a session or an account changed. Set through
 * tb_store_options.events (copied; cls must outlive the handle). */
struct tb_store_event_hook {
  void (*committed)(void *cls, const char *const *numbers, size_t n,
                    bool overflow, bool accounts);
  void *cls;
};

/* The listener: one connection (not a tb_store handle) that LISTENs on
 * "tongban" (payloads sent by hand, passed through) and "tongban_tail"
 * (the wake-up), and tails event_tail. */
typedef struct tb_store_listener tb_store_listener;
typedef void (*tb_store_notify_fn)(const char *payload, void *cls);

/* Connect, LISTEN, and start the tail at the newest row (the ids missing
 * among the last few hundred are kept as holes, so a change in flight
 * now is not lost). TB_STORE_UNAVAILABLE (logged) when it cannot. */
tb_store_status tb_store_listener_open(const char *conninfo,
                                       tb_store_listener **out);
/* Reconnect after TB_STORE_UNAVAILABLE, keeping the tail's place (rows
 * written meanwhile are still read, unless they were trimmed). */
tb_store_status tb_store_listener_reconnect(tb_store_listener *l);
/* The socket to poll for input (-1 for NULL or when disconnected). */
int tb_store_listener_fd(const tb_store_listener *l);
/* Read the notifications that arrived: each payload on "tongban" goes to
 * fn, in order; one on "tongban_tail" sets *wake. TB_STORE_UNAVAILABLE
 * when the connection is gone. */
tb_store_status tb_store_listener_drain(tb_store_listener *l,
                                        tb_store_notify_fn fn, void *cls,
                                        bool *wake);
/* One read of the tail (one statement): fn gets the payload of every row
 * not delivered before, in id order; *n (if not NULL) how many. */
tb_store_status tb_store_listener_tail(tb_store_listener *l,
                                       tb_store_notify_fn fn, void *cls,
                                       size_t *n);
/* The highest id read so far (0: none). */
int64_t tb_store_listener_position(const tb_store_listener *l);
/* NOTIFY "tongban_tail" (empty payload): the other nodes read now. */
tb_store_status tb_store_listener_wake_others(tb_store_listener *l);
/* Delete the rows with an id below `below` (every listener has read
 * them long ago: the caller passes its own position of minutes ago). */
tb_store_status tb_store_listener_trim(tb_store_listener *l, int64_t below);
void tb_store_listener_close(tb_store_listener *l); /* NULL is fine */

#endif /* TB_STORE_EVENTS_H */
