/*
 * tb_store_accounts.h — staff accounts, sessions (by the SHA-256 of their
 * token) and failure throttles (store/tb_store_accounts.c).
 *
 * Ownership: accounts are filled into the caller's struct; everything
 * passed in is only read during the call.
 */
#ifndef TB_STORE_ACCOUNTS_H
#define TB_STORE_ACCOUNTS_H

#include "tb_store.h"

/* The groups (岗位, bureaus.xml <group>) an officer belongs to: at most
 * TB_STORE_GROUPS_MAX codes of 1..32 of [A-Za-z0-9_-] (account_groups),
 * sorted; only officers have any. */
#define TB_STORE_GROUPS_MAX 8
typedef struct {
  char codes[TB_STORE_GROUPS_MAX][33];
  size_t n;
} tb_store_groups;

typedef struct {
  int64_t id;
  char username[65];
  char role[16];   /* "admin", "clerk", "officer", "inspector" */
  char bureau[64]; /* officers: their bureau code; others: "" */
  char password_hash[200];
  bool disabled;
  bool password_change_required; /* an administrator set the password */
  unsigned pending; /* tb_store_session_find: the session's TB_SESSION_* */
  int idle_seconds; /* tb_store_session_find: since its last activity */
  /* the officer's groups as they are now: filled by tb_store_account_find,
   * tb_store_session_find and tb_store_accounts_list */
  tb_store_groups groups;
} tb_store_account;

/* Steps a session owes before it may do anything but take them or log
 * out (sessions.pending, bits). */
enum {
  TB_SESSION_PASSWORD_CHANGE = 1u << 0, /* choose a new password */
  TB_SESSION_TOTP_ENROLMENT = 1u << 1,  /* enrol a second factor */
  TB_SESSION_STEPS = 3u                 /* every step */
};

/* Insert an account; TB_STORE_CONFLICT when the user name exists (a
 * deleted account's name included: names are never reused).
 * change_required: an administrator chose the password, and the
 * account's next log-in must choose its own. */
tb_store_status tb_store_account_create(tb_store *s, const char *username,
                                        const char *role, const char *bureau,
                                        const char *password_hash,
                                        bool change_required, int64_t *id);
tb_store_status tb_store_account_find(tb_store *s, const char *username,
                                      tb_store_account *a);

/* Sessions by the SHA-256 of their token. _find answers TB_STORE_NOT_FOUND
 * for unknown, expired and revoked tokens, for sessions idle longer than
 * the handle's session_idle and for disabled accounts, and fills
 * a->pending with the steps the session still owes and a->idle_seconds
 * with the time since its last activity; expires_at is Unix seconds.
 * _create starts a session owing `pending` (TB_SESSION_*) and records
 * the account's last log-in. _touch records activity now. */
tb_store_status tb_store_session_create(tb_store *s, int64_t account_id,
                                        const uint8_t token_hash[32],
                                        int ttl_seconds, unsigned pending,
                                        int64_t *expires_at);
tb_store_status tb_store_session_find(tb_store *s, const uint8_t token_hash[32],
                                      tb_store_account *a, int64_t *expires_at);
tb_store_status tb_store_session_revoke(tb_store *s,
                                        const uint8_t token_hash[32]);
tb_store_status tb_store_session_touch(tb_store *s,
                                       const uint8_t token_hash[32]);
/* The session has taken `steps` (TB_SESSION_*): clear them from its
 * pending ones. TB_STORE_NOT_FOUND for an unknown or ended session. */
tb_store_status tb_store_session_steps_done(tb_store *s,
                                            const uint8_t token_hash[32],
                                            unsigned steps);

/* Many sessions re-checked at once, as the live stream does for its open
 * streams (one statement for all of them): each item's token_hash is read
 * and end, role and bureau are filled — TB_STORE_SESSION_LIVE exactly when
 * tb_store_session_find would accept the token now (the same condition)
 * and the session owes no step (TB_SESSION_*), with the account's role
 * and bureau as they are now; otherwise why not.
 * Items are sorted by token_hash in place (bsearch them afterwards);
 * duplicates are allowed. Reads only: a re-check is never a use of the
 * session (an idle timeout does not see it). */
typedef enum {
  TB_STORE_SESSION_LIVE = 0,
  TB_STORE_SESSION_REVOKED,  /* logged out or revoked */
  TB_STORE_SESSION_EXPIRED,  /* past its lifetime */
  TB_STORE_SESSION_DISABLED, /* the account is disabled */
  TB_STORE_SESSION_ENDED     /* unknown (deleted), owing a step, or not
                                valid for another reason */
} tb_store_session_end;
typedef struct {
  uint8_t token_hash[32];   /* in */
  tb_store_session_end end; /* out */
  char role[16];            /* out: the account's role now */
  char bureau[64];          /* out: the account's bureau now ("": none) */
} tb_store_session_check;
tb_store_status
tb_store_sessions_check(tb_store *s, tb_store_session_check *items, size_t n);
/* ---- account management (tb_store_account_admin.c) ---------------------- */

/* One account as an administrator sees it; a.password_hash is "". */
typedef struct {
  tb_store_account a;
  int64_t created_at;    /* Unix seconds */
  int64_t last_login_at; /* Unix seconds; 0: never */
} tb_store_account_info;

typedef void (*tb_store_account_fn)(const tb_store_account_info *info,
                                    void *cls);

/* Every account but the deleted ones, by user name: fn is called once for
 * each (info is only valid during the call). */
tb_store_status tb_store_accounts_list(tb_store *s, tb_store_account_fn fn,
                                       void *cls);

typedef enum {
  TB_ACCOUNT_DISABLE,
  TB_ACCOUNT_ENABLE,
  TB_ACCOUNT_PASSWORD, /* an administrator sets a new password */
  TB_ACCOUNT_ROLE,     /* a new role (and bureau: officers only) */
  TB_ACCOUNT_DELETE    /* disabled for good; the row stays (0015) */
} tb_store_account_op;

typedef struct {
  tb_store_account_op op;
  const char *username;
  const char *password_hash;     /* _PASSWORD */
  bool change_required;          /* _PASSWORD: the next log-in must change it */
  const char *role;              /* _ROLE */
  const char *bureau;            /* _ROLE: the officer's; NULL or "" else */
  const tb_store_groups *groups; /* _ROLE: the officer's groups, which
                                    replace the old ones (NULL: none) */
  /* run last in the change's transaction (e.g. a security event), or
   * NULL; its failure rolls the change back */
  tb_store_txn_fn also;
  void *also_cls;
} tb_store_account_change;

/* Apply one change in one transaction. Every change but _ENABLE ends the
 * account's open sessions in the same transaction (*ended: how many; may
 * be NULL). TB_STORE_NOT_FOUND for an unknown or deleted account;
 * TB_STORE_CONFLICT when the change would leave no enabled administrator
 * (disabling, deleting or demoting the last one). */
tb_store_status tb_store_account_change_apply(tb_store *s,
                                              const tb_store_account_change *c,
                                              int *ended);

/* The session's own account chose a new password (in one transaction):
 * store its hash, clear password_change_required and the session's
 * TB_SESSION_PASSWORD_CHANGE, and end the account's other sessions
 * (*ended: how many; may be NULL). TB_STORE_NOT_FOUND when the session
 * has ended meanwhile. */
tb_store_status tb_store_account_own_password(tb_store *s,
                                              const uint8_t token_hash[32],
                                              int64_t account_id,
                                              const char *password_hash,
                                              int *ended);

/* Failures under a key ("user:NAME", "addr:IP", "track:IP"): how many in
 * the last window_seconds and when the last one was (Unix µs, 0: none);
 * record one; forget them all. */
tb_store_status tb_store_throttle_get(tb_store *s, const char *key,
                                      int window_seconds, int *failures,
                                      int64_t *last_us);
tb_store_status tb_store_throttle_fail(tb_store *s, const char *key);
tb_store_status tb_store_throttle_clear(tb_store *s, const char *key);
/* Record one failure and, in the same statement, read back the count in
 * the last window_seconds (this one included) and its time (Unix µs). */
tb_store_status tb_store_throttle_record(tb_store *s, const char *key,
                                         int window_seconds, int *failures,
                                         int64_t *last_us);

/* ---- groups (tb_store_groups.c) ------------------------------------------ */

/* g as "A,B" ("" for none) into out, which holds TB_STORE_GROUPS_TEXT
 * bytes (g NULL: ""). */
#define TB_STORE_GROUPS_TEXT (TB_STORE_GROUPS_MAX * 34)
void tb_store_groups_text(const tb_store_groups *g, char *out, size_t cap);
/* Whether code[0..n) is a group code: 1..32 of [A-Za-z0-9_-]. */
bool tb_store_group_code_ok(const char *code, size_t n);
/* Read "A,B,C" (codes apart by commas, as the statements aggregate them)
 * into *g: false, with *g holding what fitted, when a code is not 1..32 of
 * [A-Za-z0-9_-], one repeats, or there are more than TB_STORE_GROUPS_MAX.
 * "" and NULL are no groups. */
bool tb_store_groups_parse(const char *csv, tb_store_groups *g);
/* Replace account_id's groups with g (NULL or empty: none), as a
 * statement of the caller's transaction. */
tb_store_status tb_store_account_groups_set(tb_store *s, int64_t account_id,
                                            const tb_store_groups *g);

#endif /* TB_STORE_ACCOUNTS_H */
