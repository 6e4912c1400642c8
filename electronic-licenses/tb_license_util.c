/*
 * tb_license_util.c — the module's small helpers: China Standard Time
 * days, and the names of statuses, reasons and platform signers. (Buffers,
 * UTF-8, hex and canonical JSON come from the engine's utility layer,
 * tb_util.h.)
 */
#include "tb_license_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------------
 * Days in China Standard Time
 * ---------------------------------------------------------------------- */

tb_day tb_license_day_of(int64_t unix_seconds) {
  int64_t local = unix_seconds + TB_LICENSE_UTC_OFFSET;
  int64_t day = local / 86400;
  if (local % 86400 < 0)
    day--;
  return (tb_day)day;
}

int64_t tb_license_start_of(tb_day d) {
  return (int64_t)d * 86400 - TB_LICENSE_UTC_OFFSET;
}

int64_t tb_license_now(int64_t now) {
  return now ? now : (int64_t)time(NULL);
}

/* ------------------------------------------------------------------------
 * Names
 * ---------------------------------------------------------------------- */

const char *tb_license_status_code(tb_license_status s) {
  switch (s) {
  case TB_LICENSE_OK:
    return "ok";
  case TB_LICENSE_ERR_INVALID:
    return "invalid";
  case TB_LICENSE_ERR_LIMIT:
    return "limit";
  case TB_LICENSE_ERR_IO:
    return "io";
  case TB_LICENSE_ERR_EXISTS:
    return "exists";
  case TB_LICENSE_ERR_NOT_FOUND:
    return "not_found";
  case TB_LICENSE_ERR_PASSPHRASE:
    return "passphrase";
  case TB_LICENSE_ERR_CRYPTO:
    return "crypto";
  case TB_LICENSE_ERR_NOT_AUTHORIZED:
    return "not_authorized";
  }
  return "unknown";
}

const char *tb_license_signer_purpose_name(tb_license_signer_purpose purpose) {
  static const char *const names[TB_LICENSE_SIGNER_COUNT] = {"audit",
                                                             "revocations"};
  return (unsigned)purpose < TB_LICENSE_SIGNER_COUNT ? names[purpose] : NULL;
}

const char *tb_license_reason_code(tb_license_reason r) {
  switch (r) {
  case TB_LICENSE_MALFORMED:
    return "malformed";
  case TB_LICENSE_UNKNOWN_KEY:
    return "unknown_key";
  case TB_LICENSE_UNTRUSTED_KEY:
    return "untrusted_key";
  case TB_LICENSE_BAD_SIGNATURE:
    return "bad_signature";
  case TB_LICENSE_WRONG_ISSUER:
    return "wrong_issuer";
  case TB_LICENSE_NOT_YET_VALID:
    return "not_yet_valid";
  case TB_LICENSE_EXPIRED:
    return "expired";
  case TB_LICENSE_REVOKED:
    return "revoked";
  case TB_LICENSE_REVOCATION_UNKNOWN:
    return "revocation_unknown";
  case TB_LICENSE_ISSUER_NOT_AUTHORIZED:
    return "issuer_not_authorized";
  }
  return NULL;
}
