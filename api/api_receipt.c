/*
 * api_receipt.c — the receipt (受理回执) printed again, and the tracking
 * code reissued.
 *
 * Tracking codes are derived from the application number under the
 * server's key (tracking.key in the keys folder, made on first start;
 * every node serving one database shares the keys folder, as it does for
 * the license keys), and the database keeps only their digest
 * (store/tb_store_receipt.c). So a clerk can fetch the receipt's data
 * again at any time — GET …/{number}/receipt, clerk only, logged with the
 * account as a security-relevant read (a GET writes no audit event, so
 * it stays safe to repeat) — and reissue the code with a reason —
 * POST …/{number}/tracking-code, audited; the old code stops working at
 * once. An application made before codes were derived cannot show its
 * code: the receipt says so (reprintable false) and the clerk can
 * reissue one.
 */
#include "tb_api_int.h"
#include "tb_log.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define KEY_FILE "tracking.key"
#define MAX_REASON 1000

/* ---- the key ------------------------------------------------------------- */

static bool write_new_key(const char *path, bool *exists) {
  *exists = false;
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    *exists = errno == EEXIST;
    return false;
  }
  uint8_t key[32];
  char hex[66];
  bool ok = getrandom(key, sizeof key, 0) == (ssize_t)sizeof key;
  tb_hex_encode(key, sizeof key, hex);
  hex[64] = '\n';
  ok = ok && write(fd, hex, 65) == 65 && fsync(fd) == 0;
  OPENSSL_cleanse(key, sizeof key);
  OPENSSL_cleanse(hex, sizeof hex);
  ok = close(fd) == 0 && ok;
  if (!ok)
    unlink(path); /* a half-written key would be read next time */
  return ok;
}

static bool read_key(const char *path, uint8_t key[32]) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  char hex[80];
  ssize_t n = read(fd, hex, sizeof hex);
  close(fd);
  while (n > 0 && (hex[n - 1] == '\n' || hex[n - 1] == '\r'))
    n--;
  bool ok = n == 64 && tb_hex_decode(hex, 64, key, 32);
  OPENSSL_cleanse(hex, sizeof hex);
  return ok;
}

bool api_key_file_open(const char *keys_dir, const char *file, const char *what,
                       uint8_t key[32], char *err, size_t err_len) {
  char path[4096];
  if ((size_t)snprintf(path, sizeof path, "%s/%s", keys_dir, file) >=
      sizeof path) {
    snprintf(err, err_len, "the keys folder's path is too long");
    return false;
  }
  bool exists = false;
  if (!write_new_key(path, &exists) && !exists) {
    snprintf(err, err_len, "could not create the %s key %s", what, path);
    return false;
  }
  if (!read_key(path, key)) {
    snprintf(err, err_len, "the %s key %s is unreadable (want 64 hex digits)",
             what, path);
    return false;
  }
  return true;
}

bool api_code_key_open(const char *keys_dir, uint8_t key[32], bool *have,
                       char *err, size_t err_len) {
  *have = false;
  if (!keys_dir || !*keys_dir)
    return true;
  *have =
      api_key_file_open(keys_dir, KEY_FILE, "tracking-code", key, err, err_len);
  return *have;
}

bool tb_api_tracking_key_ensure(const char *keys_dir, char *err,
                                size_t err_len) {
  uint8_t key[32];
  bool have = false;
  bool ok = api_code_key_open(keys_dir, key, &have, err, err_len);
  OPENSSL_cleanse(key, sizeof key);
  if (ok && !have)
    snprintf(err, err_len, "no keys folder named");
  return ok && have;
}

/* ---- the routes ---------------------------------------------------------- */

/* The application number of the path, the server's key, a store: false
 * when a reply is set. */
static bool receipt_begin(api_req *r, tb_store **s) {
  const char *n = r->params[0];
  if (!n || tb_id_check_app_number(n, strlen(n), NULL) != TB_OK) {
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such application");
    return false;
  }
  if (!api_code_key(r)) {
    api_fail(r, TB_PROBLEM_RECEIPT_UNAVAILABLE,
             "this server has no tracking-code key");
    return false;
  }
  *s = api_store(r);
  return *s != NULL;
}

static json_t *receipt_view(const char *number, bool current,
                            const char *code) {
  return json_pack("{s:s, s:o, s:b}", "number", number, "tracking_code",
                   current ? json_string(code) : json_null(), "reprintable",
                   current);
}

void api_h_app_receipt(api_req *r) {
  tb_store *s = NULL;
  if (!receipt_begin(r, &s))
    return;
  bool current = false;
  char code[TB_STORE_TRACKING_CODE_LEN + 1];
  tb_store_status rc = tb_store_tracking_receipt(
      s, r->params[0], api_code_key(r), &current, code);
  if (rc == TB_STORE_NOT_FOUND) {
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such application");
    return;
  }
  if (rc != TB_STORE_OK) {
    api_fail_store(r, rc);
    return;
  }
  tb_log_kv(TB_LOG_INFO, "security", "receipt read",
            TB_LOG_S("account", r->who.username),
            TB_LOG_S("application", r->params[0]));
  api_reply_json(r, 200, receipt_view(r->params[0], current, code));
}

typedef struct {
  const char *reason;
} reissue_ctx;

static tb_store_status reissue_fn(api_req *r, tb_store *s, void *cls) {
  reissue_ctx *c = cls;
  tb_store_actor actor;
  api_actor(r, &actor);
  char code[TB_STORE_TRACKING_CODE_LEN + 1];
  tb_store_status rc = tb_store_tracking_reissue_in(
      s, r->params[0], api_code_key(r), c->reason, &actor, code);
  if (rc == TB_STORE_NOT_FOUND)
    api_fail(r, TB_PROBLEM_NOT_FOUND, "no such application");
  else if (rc == TB_STORE_REFUSED)
    api_fail(r, TB_PROBLEM_LIMIT, "the tracking code was reissued too often");
  if (rc != TB_STORE_OK)
    return rc;
  api_reply_json(r, 200, receipt_view(r->params[0], true, code));
  return TB_STORE_OK;
}

void api_h_app_code_reissue(api_req *r) {
  tb_store *s = NULL;
  if (!receipt_begin(r, &s))
    return;
  reissue_ctx c = {NULL};
  api_field spec[] = {API_STRING("reason", API_REQUIRED, MAX_REASON, &c.reason),
                      API_END};
  api_run_change_fields(r, spec, reissue_fn, &c);
}
