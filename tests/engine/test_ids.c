/*
 * test_ids.c — identifier checksums on published examples and on wrong
 * ones: the citizen ID (GB 11643's own example), unified social credit
 * codes published by government credit sites and collected by
 * python-stdnum, ISO 7064 MOD 11-2 and MOD 37,36, application numbers and
 * license identifiers.
 */
#include "tb_engine.h"
#include "tb_test.h"

#include <stdint.h>
#include <string.h>

static tb_day D(const char *s) {
  tb_day d = 0;
  TB_CHECK_INT(tb_date_parse(s, strlen(s), &d), TB_OK);
  return d;
}

static tb_status citizen(const char *s, tb_day today, tb_problem *p) {
  return tb_id_check_citizen(s, strlen(s), today, p);
}

static tb_status credit(const char *s, tb_problem *p) {
  return tb_id_check_credit_code(s, strlen(s), p);
}

/* The detail starts with want and has no trailing period. */
static bool detail_is(const tb_problem *p, const char *want) {
  size_t n = strlen(p->detail);
  return strncmp(p->detail, want, strlen(want)) == 0 && n > 0 &&
         p->detail[n - 1] != '.';
}

/* ------------------------------------------------------------------------
 * ISO 7064
 * ---------------------------------------------------------------------- */

static void mod11_2(void) {
  TB_CHECK_INT(tb_id_mod11_2("11010519491231002", 17), 'X');
  TB_CHECK_INT(tb_id_mod11_2("44052418800101001", 17), '4');
  TB_CHECK_INT(tb_id_mod11_2("33010020261121000001", 20), '9');
  /* ORCID's published identifiers use the same check. */
  TB_CHECK_INT(tb_id_mod11_2("000000021825009", 15), '7');
  TB_CHECK_INT(tb_id_mod11_2("000000015109370", 15), '0');
  TB_CHECK_INT(tb_id_mod11_2("000000021694233", 15), 'X');
  /* ISO 7064's example: 0794 gets check 0. */
  TB_CHECK_INT(tb_id_mod11_2("0794", 4), '0');
  TB_CHECK_INT(tb_id_mod11_2("1101051949123100", 16) != 0, 1);
  TB_CHECK_INT(tb_id_mod11_2("1101O5", 6), 0);
  TB_CHECK_INT(tb_id_mod11_2("11\0"
                             "05",
                             5),
               0);
  TB_CHECK_INT(tb_id_mod11_2("\xef\xbc\x91", 3), 0);
}

static void mod37_36(void) {
  /* The GRid example (ISO 7064 MOD 37,36): A1-2425G-ABC1234002-M. */
  TB_CHECK_INT(tb_id_mod37_36("A12425GABC1234002", 17), 'M');
  TB_CHECK_INT(tb_id_mod37_36("A1-2425G-ABC1234002", 19), 'M');
  TB_CHECK_INT(tb_id_mod37_36("a1-2425g-abc1234002", 19), 'M');
  TB_CHECK_INT(tb_id_mod37_36("A1.2425G.ABC1234002", 19), 'M');
  TB_CHECK_INT(tb_id_mod37_36("A1 2425G", 8), 0);
  TB_CHECK_INT(tb_id_mod37_36("A1_2425G", 8), 0);
  TB_CHECK_INT(tb_id_mod37_36("A1\0002425G", 8), 0);
  TB_CHECK_INT(tb_id_mod37_36("A1\xc3\xa9"
                              "2425G",
                              9),
               0);
  /* Every single substitution and adjacent transposition is caught. */
  const char *base = "BIZ01911100008021004331234561";
  size_t n = strlen(base);
  char check = tb_id_mod37_36(base, n);
  static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  int missed = 0;
  char buf[64];
  for (size_t i = 0; i < n; i++) {
    for (size_t a = 0; a < 36; a++) {
      if (alphabet[a] == base[i])
        continue;
      memcpy(buf, base, n);
      buf[i] = alphabet[a];
      if (tb_id_mod37_36(buf, n) == check)
        missed++;
    }
    if (i + 1 < n && base[i] != base[i + 1]) {
      memcpy(buf, base, n);
      buf[i] = base[i + 1];
      buf[i + 1] = base[i];
      if (tb_id_mod37_36(buf, n) == check)
        missed++;
    }
  }
  TB_CHECK_INT(missed, 0);
}

/* ------------------------------------------------------------------------
 * Citizen ID
 * ---------------------------------------------------------------------- */

static void citizen_published(void) {
  tb_problem p = {0};
  /* GB 11643-1999's example. */
  TB_CHECKF(citizen("11010519491231002X", 0, &p) == TB_OK, "%s", p.detail);
  TB_CHECK_INT(citizen("11010519491231002X", D("2026-11-21"), &p), TB_OK);
  /* Born on the day it is checked. */
  TB_CHECK_INT(citizen("11010519491231002X", D("1949-12-31"), &p), TB_OK);
  /* Leap day in 2000 (correct check character). */
  TB_CHECK_INT(citizen("110105200002290013", D("2026-01-01"), &p), TB_OK);
  TB_CHECK_INT(citizen("11010519000101001X", 0, &p), TB_OK);
}

typedef struct {
  const char *id;
  size_t len; /* 0: strlen */
  const char *why;
} bad_id;

static const bad_id bad_citizens[] = {
    /* One digit changed, and two adjacent digits swapped. */
    {"11010519491231003X", 0, "the citizen id's check character does not"},
    {"11010519491231020X", 0, "the citizen id's check character does not"},
    {"11010591491231002X", 0, "the citizen id's birth date"},
    {"12010519491231002X", 0, "the citizen id's check character does not"},
    /* A wrong check character. */
    {"110105194912310021", 0, "the citizen id's check character does not"},
    /* Impossible birth dates with valid check characters. */
    {"110105199902300015", 0, "the citizen id's birth date 19990230 is not"},
    {"110105189912310015", 0, "the citizen id's birth date 18991231 is befor"},
    /* GB 11643's older sample, born in 1880: outside the supported range. */
    {"440524188001010014", 0, "the citizen id's birth date 18800101 is befor"},
    {"11010519491231002x", 0, "the citizen id's last character must be an up"},
    {"11010519491231002Y", 0, "the citizen id's last character must be a dig"},
    {"010105194912310026", 0, "the citizen id's region code cannot start"},
    {"11010519491231002", 0, "a citizen id has 18 characters, not 17"},
    {"11010519491231002X1", 0, "a citizen id has 18 characters, not 19"},
    {"", 0, "a citizen id has 18 characters, not 0"},
    {"1101051949123100\xc3\x97", 0, "character 17 of the citizen id is not a"},
    {"11010519491231\xef\xbc\x98X", 0, "character 15 of the citizen id is"},
    {"110105194912310\xa2"
     "2X",
     0, "character 16 of the citizen id is not"},
    {"1101051949123100\0X", 18, "character 17 of the citizen id is not a"},
    {" 1010519491231002X", 0, "character 1 of the citizen id is not a digit"},
    {"11010519491231002\0", 18, "the citizen id's last character must be a"},
};

static void citizen_wrong(void) {
  for (size_t i = 0; i < sizeof bad_citizens / sizeof bad_citizens[0]; i++) {
    const bad_id *b = &bad_citizens[i];
    tb_problem p = {0};
    size_t len = b->len ? b->len : strlen(b->id);
    tb_status st = tb_id_check_citizen(b->id, len, 0, &p);
    TB_CHECKF(st == TB_ERR_INVALID, "case %zu accepted", i);
    TB_CHECKF(detail_is(&p, b->why), "case %zu: %s", i, p.detail);
  }
  tb_problem p = {0};
  TB_CHECK_INT(tb_id_check_citizen(NULL, 18, 0, &p), TB_ERR_INVALID);
  TB_CHECK_INT(tb_id_check_citizen(NULL, 0, 0, NULL), TB_ERR_INVALID);
}

static void citizen_future_birth(void) {
  tb_problem p = {0};
  /* Born 2030-01-01, valid check character: fine without a today. */
  TB_CHECK_INT(citizen("11010520300101001X", 0, &p), TB_OK);
  TB_CHECK_INT(citizen("11010520300101001X", D("2026-11-21"), &p),
               TB_ERR_INVALID);
  TB_CHECK(detail_is(&p, "the citizen id's birth date 20300101 is in the "
                         "future"));
  TB_CHECK_INT(citizen("11010520300101001X", D("2029-12-31"), &p),
               TB_ERR_INVALID);
  TB_CHECK_INT(citizen("11010520300101001X", D("2030-01-01"), &p), TB_OK);
}

/* Every single-digit substitution of the example is refused. */
static void citizen_every_substitution(void) {
  const char *good = "11010519491231002X";
  char buf[18];
  int accepted = 0;
  for (size_t i = 0; i < 17; i++)
    for (char d = '0'; d <= '9'; d++) {
      if (d == good[i])
        continue;
      memcpy(buf, good, 18);
      buf[i] = d;
      if (tb_id_check_citizen(buf, 18, 0, NULL) == TB_OK)
        accepted++;
    }
  TB_CHECK_INT(accepted, 0);
}

/* ------------------------------------------------------------------------
 * Unified social credit code
 * ---------------------------------------------------------------------- */

/* Published codes: Tencent, Sinopec, Baosteel, Xiaomi, Baidu, Huawei,
 * Bank of China, GB 32100's illustration, and codes listed by government
 * credit sites (creditchina.gov.cn, credit.fgw.sh.gov.cn, Gansu), among
 * them individual businesses (92…) and public institutions (12…). */
static const char *const published_credit_codes[] = {
    "9144030071526726XG", "91110000710926094P", "91310000631696382C",
    "91110108551385082Q", "91110000802100433B", "914403001922038216",
    "911000001000013428", "91350100M000100Y43", "121200004013590816",
    "91110000600037341L", "91120224064012553U", "91152201078371135X",
    "9115220107837757XE", "91310115MA1K3BTP2B", "913205056082348768",
    "91340600MA2PBM9HXD", "91420684MA4927PJ7B", "9144060573144633XL",
    "91620105L015101280", "91620105MA73NBBLXE", "92340602MA2PBMEM24",
    "92340603MA2PBQ16XJ", "92340621MA2UK3PJXE", "92141127MA0KD1Y64A",
    "12440600MB2C07549J", "53640000MJX173672F", "91110000MA01A7RH2R",
    "91330100716105852F", "91100000100003962T", "91310116076409427L",
};

static void credit_published(void) {
  for (size_t i = 0;
       i < sizeof published_credit_codes / sizeof published_credit_codes[0];
       i++) {
    tb_problem p = {0};
    TB_CHECKF(credit(published_credit_codes[i], &p) == TB_OK, "%s: %s",
              published_credit_codes[i], p.detail);
  }
}

static const bad_id bad_credits[] = {
    /* One character changed; two adjacent characters swapped. */
    {"9144030071526727XG", 0, "the credit code's check character does not"},
    {"9144030017526726XG", 0, "the credit code's check character does not"},
    {"91110000802100433C", 0, "the credit code's check character does not"},
    /* The MOD 31 character is right but the organization code is not. */
    {"91110000802100434E", 0, "the organization code inside the credit code"},
    {"9144030071526726xg", 0, "character 17 of the credit code must be upper"},
    {"91110000MA01A7RH2r", 0, "character 18 of the credit code must be upper"},
    {"9111000080210043IB", 0, "character 17 of the credit code is not allowed"},
    {"91110000802100O33B", 0, "character 15 of the credit code is not allowed"},
    {"9111000080210043SB", 0, "character 17 of the credit code is not allowed"},
    {"9111000080210043VB", 0, "character 17 of the credit code is not allowed"},
    {"9111000080210043ZB", 0, "character 17 of the credit code is not allowed"},
    {"91A10000802100433B", 0, "the credit code's region code (characters 3-8)"},
    {"91110000802100433", 0, "a credit code has 18 characters, not 17"},
    {"91110000802100433BB", 0, "a credit code has 18 characters, not 19"},
    {"9111000080210043\xc3\x97", 0, "character 17 of the credit code is not"},
    {"91110000802100433\0", 18, "character 18 of the credit code is not"},
    {"91110000 802100433", 0, "character 9 of the credit code is not allowed"},
    /* Xiamen's pilot codes of 2015 predate GB 32100 and fail MOD 31. */
    {"91350211M00013FA1N", 0, "the credit code's check character does not"},
};

static void credit_wrong(void) {
  for (size_t i = 0; i < sizeof bad_credits / sizeof bad_credits[0]; i++) {
    const bad_id *b = &bad_credits[i];
    tb_problem p = {0};
    size_t len = b->len ? b->len : strlen(b->id);
    TB_CHECKF(tb_id_check_credit_code(b->id, len, &p) == TB_ERR_INVALID,
              "case %zu accepted", i);
    TB_CHECKF(detail_is(&p, b->why), "case %zu: %s", i, p.detail);
  }
  TB_CHECK_INT(tb_id_check_credit_code(NULL, 18, NULL), TB_ERR_INVALID);
}

static void credit_every_substitution(void) {
  static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  const char *good = "91350100M000100Y43";
  char buf[18];
  int accepted = 0;
  for (size_t i = 0; i < 18; i++)
    for (size_t a = 0; a < 31; a++) {
      if (alphabet[a] == good[i])
        continue;
      memcpy(buf, good, 18);
      buf[i] = alphabet[a];
      if (tb_id_check_credit_code(buf, 18, NULL) == TB_OK)
        accepted++;
    }
  TB_CHECK_INT(accepted, 0);
}

/* ------------------------------------------------------------------------
 * Application numbers
 * ---------------------------------------------------------------------- */

static void app_numbers(void) {
  char out[TB_APP_NUMBER_LEN + 1];
  tb_problem p = {0};
  TB_CHECK_INT(tb_id_make_app_number("330100", D("2026-11-21"), 1, out), TB_OK);
  TB_CHECK_STR(out, "330100202611210000000012");
  TB_CHECKF(tb_id_check_app_number(out, strlen(out), &p) == TB_OK, "%s",
            p.detail);
  TB_CHECK_INT(
      tb_id_make_app_number("110105", D("1900-01-01"), TB_APP_SERIAL_MAX, out),
      TB_OK);
  TB_CHECK_STR(out, "11010519000101999999999X");
  TB_CHECK_INT(tb_id_check_app_number(out, strlen(out), &p), TB_OK);
  /* The numbers made before the 9-digit serial stay valid, X too. */
  TB_CHECK_INT(tb_id_check_app_number("330100202611210000019", 21, &p), TB_OK);
  TB_CHECK_INT(tb_id_check_app_number("33010020261121000006X", 21, &p), TB_OK);
  /* Every number made round-trips, over the whole serial range. */
  int failures = 0, x = 0;
  for (uint32_t serial = 0; serial < 5000; serial += 7) {
    uint32_t big = serial * 199999u;
    if (tb_id_make_app_number("440300", D("2025-10-09") + (tb_day)serial, big,
                              out) != TB_OK ||
        tb_id_check_app_number(out, TB_APP_NUMBER_LEN, NULL) != TB_OK)
      failures++;
    x += out[TB_APP_NUMBER_LEN - 1] == 'X';
  }
  TB_CHECK_INT(failures, 0);
  TB_CHECK(x > 0); /* check characters of X were made and accepted */
}

static void app_numbers_refused(void) {
  char out[TB_APP_NUMBER_LEN + 1];
  TB_CHECK_INT(tb_id_make_app_number("330100", D("2026-11-21"),
                                     TB_APP_SERIAL_MAX + 1, out),
               TB_ERR_INVALID);
  TB_CHECK_STR(out, "");
  TB_CHECK_INT(tb_id_make_app_number("033010", D("2026-11-21"), 1, out),
               TB_ERR_INVALID);
  TB_CHECK_INT(tb_id_make_app_number("33A100", D("2026-11-21"), 1, out),
               TB_ERR_INVALID);
  TB_CHECK_INT(tb_id_make_app_number("330100", D("2199-12-31") + 1, 1, out),
               TB_ERR_INVALID);
  TB_CHECK_INT(tb_id_make_app_number("330100", INT32_MIN, 1, out),
               TB_ERR_INVALID);
  static const bad_id bad[] = {
      {"330100202611210000018", 0, "the application number's check"},
      {"330100202611210000109", 0, "the application number's check"},
      {"33010020261121000006x", 0, "the application number's last character"},
      {"330100202602300000019", 0, "the application number's date 20260230"},
      {"030100202611210000019", 0, "the application number's region code"},
      {"33010020261121000001", 0, "an application number has 24 characters"},
      {"3301002026112100000190", 0, "an application number has 24 charac"},
      {"33010020261121000000001", 0, "an application number has 24 charac"},
      {"3301002026112100000000120", 0, "an application number has 24 ch"},
      {"330100202611210000000016", 0, "the application number's check"},
      {"330100202611210000000A12", 0, "character 22 of the application"},
      {"33010020261121-000019", 0, "character 15 of the application number"},
      {"3301002026112100000\xc2\xb9", 0, "character 20 of the application"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    tb_problem p = {0};
    TB_CHECKF(tb_id_check_app_number(bad[i].id, strlen(bad[i].id), &p) ==
                  TB_ERR_INVALID,
              "case %zu accepted", i);
    TB_CHECKF(detail_is(&p, bad[i].why), "case %zu: %s", i, p.detail);
  }
}

/* ------------------------------------------------------------------------
 * License identifiers
 * ---------------------------------------------------------------------- */

static void license_ids(void) {
  char out[TB_LICENSE_ID_MAX];
  tb_problem p = {0};
  /* Issued by a public institution whose code is published. */
  TB_CHECKF(tb_id_make_license_id("YYZZ", "121200004013590816", 42, 1, out,
                                  &p) == TB_OK,
            "%s", p.detail);
  const char *want_prefix = "1.2.156.3005.2.YYZZ.121200004013590816.42.1.";
  TB_CHECK(strncmp(out, want_prefix, strlen(want_prefix)) == 0);
  TB_CHECK_INT(strlen(out), strlen(want_prefix) + 1);
  TB_CHECK_INT(out[strlen(out) - 1],
               tb_id_mod37_36("YYZZ121200004013590816421", 25));
  TB_CHECKF(tb_id_check_license_id(out, strlen(out), &p) == TB_OK, "%s",
            p.detail);
  /* The longest one: 32-character type, 20-digit serial, version 999. */
  TB_CHECK_INT(tb_id_make_license_id("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
                                     "91350100M000100Y43", UINT64_MAX, 999, out,
                                     &p),
               TB_OK);
  TB_CHECK_INT(tb_id_check_license_id(out, strlen(out), &p), TB_OK);
  TB_CHECK(strlen(out) < TB_LICENSE_ID_MAX);
  /* Every made id checks; every single change is caught. */
  TB_CHECK_INT(tb_id_make_license_id("SPJYXKZ", "91110108551385082Q", 2026001,
                                     3, out, &p),
               TB_OK);
  size_t n = strlen(out);
  char buf[TB_LICENSE_ID_MAX];
  int accepted = 0;
  for (size_t i = 15; i < n; i++) {
    memcpy(buf, out, n);
    buf[i] = out[i] == '7' ? '8' : '7';
    if (out[i] != '.' && tb_id_check_license_id(buf, n, NULL) == TB_OK)
      accepted++;
  }
  TB_CHECK_INT(accepted, 0);
}

static void license_ids_refused(void) {
  char out[TB_LICENSE_ID_MAX];
  tb_problem p = {0};
  TB_CHECK_INT(
      tb_id_make_license_id("yyzz", "121200004013590816", 1, 1, out, &p),
      TB_ERR_INVALID);
  TB_CHECK(detail_is(&p, "a license type code is 1 to 32 upper-case"));
  TB_CHECK_STR(out, "");
  TB_CHECK_INT(tb_id_make_license_id("", "121200004013590816", 1, 1, out, &p),
               TB_ERR_INVALID);
  TB_CHECK_INT(tb_id_make_license_id("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456",
                                     "121200004013590816", 1, 1, out, &p),
               TB_ERR_INVALID);
  TB_CHECK_INT(
      tb_id_make_license_id("YY.ZZ", "121200004013590816", 1, 1, out, &p),
      TB_ERR_INVALID);
  TB_CHECK_INT(
      tb_id_make_license_id("YYZZ", "121200004013590817", 1, 1, out, &p),
      TB_ERR_INVALID);
  TB_CHECK(detail_is(&p, "license issuer: the credit code's check character"));
  TB_CHECK_INT(
      tb_id_make_license_id("YYZZ", "1212000040135908160", 1, 1, out, &p),
      TB_ERR_INVALID);
  TB_CHECK_INT(
      tb_id_make_license_id("YYZZ", "121200004013590816", 1, 1000, out, &p),
      TB_ERR_INVALID);
  TB_CHECK_INT(tb_id_make_license_id(NULL, "121200004013590816", 1, 1, out, &p),
               TB_ERR_INVALID);
  TB_CHECK_INT(tb_id_make_license_id("YYZZ", NULL, 1, 1, out, &p),
               TB_ERR_INVALID);

  TB_CHECK_INT(
      tb_id_make_license_id("YYZZ", "121200004013590816", 42, 1, out, &p),
      TB_OK);
  char check = out[strlen(out) - 1];
  char wrong = check == 'A' ? 'B' : 'A';
  char lower = check >= 'A' && check <= 'Z' ? (char)(check + 32) : 0;
  char s[200];
  /* '#' stands for the right check character. */
  static const struct {
    const char *id;
    const char *why;
  } cases[] = {
      {"1.2.156.3005.2.YYZZ.121200004013590816.42.1.!",
       "the license id's check character does not match"},
      {"1.2.156.3005.3.YYZZ.121200004013590816.42.1.#",
       "a license id starts with '1.2.156.3005.2.'"},
      {"1.2.156.3005.2.YYZZ.121200004013590816.42.#",
       "a license id is 1.2.156.3005.2."},
      {"1.2.156.3005.2.YYZZ.121200004013590816.42.1.1.#",
       "a license id is 1.2.156.3005.2."},
      {"1.2.156.3005.2..121200004013590816.42.1.#",
       "a license type code is 1 to 32"},
      {"1.2.156.3005.2.yyzz.121200004013590816.42.1.#",
       "a license type code is 1 to 32"},
      {"1.2.156.3005.2.YYZZ.121200004013590817.42.1.#", "license issuer: "},
      {"1.2.156.3005.2.YYZZ.12120000401359081.42.1.#",
       "license issuer: a credit code has 18 characters"},
      {"1.2.156.3005.2.YYZZ.121200004013590816..1.#",
       "a license serial is 1 to 20 digits"},
      {"1.2.156.3005.2.YYZZ.121200004013590816.123456789012345678901.1.#",
       "a license serial is 1 to 20 digits"},
      {"1.2.156.3005.2.YYZZ.121200004013590816.4a.1.#",
       "a license serial is 1 to 20 digits"},
      {"1.2.156.3005.2.YYZZ.121200004013590816.42.1000.#",
       "a license version is 1 to 3 digits"},
      {"1.2.156.3005.2.YYZZ.121200004013590816.42.1.##",
       "a license id ends with one check character"},
      {"1.2.156.3005.2.YYZZ.121200004013590816.42.1.*",
       "a license id ends with one check character"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t len = strlen(cases[i].id);
    for (size_t j = 0; j < len; j++)
      s[j] = cases[i].id[j] == '#'   ? check
             : cases[i].id[j] == '!' ? wrong
                                     : cases[i].id[j];
    TB_CHECKF(tb_id_check_license_id(s, len, &p) == TB_ERR_INVALID,
              "case %zu accepted", i);
    TB_CHECKF(detail_is(&p, cases[i].why), "case %zu: %s", i, p.detail);
  }
  if (lower) {
    size_t n = strlen(out);
    memcpy(s, out, n);
    s[n - 1] = lower;
    TB_CHECK_INT(tb_id_check_license_id(s, n, &p), TB_ERR_INVALID);
  }
  /* Hostile bytes and lengths. */
  size_t n = strlen(out);
  memcpy(s, out, n);
  s[20] = '\0';
  TB_CHECK_INT(tb_id_check_license_id(s, n, &p), TB_ERR_INVALID);
  memcpy(s, out, n);
  s[17] = (char)0xc3;
  TB_CHECK_INT(tb_id_check_license_id(s, n, &p), TB_ERR_INVALID);
  TB_CHECK_INT(tb_id_check_license_id(out, 10, &p), TB_ERR_INVALID);
  TB_CHECK_INT(tb_id_check_license_id(out, 0, &p), TB_ERR_INVALID);
  TB_CHECK_INT(tb_id_check_license_id(NULL, 0, &p), TB_ERR_INVALID);
  char long_id[TB_LICENSE_ID_MAX + 8];
  memset(long_id, '1', sizeof long_id);
  TB_CHECK_INT(tb_id_check_license_id(long_id, sizeof long_id, &p),
               TB_ERR_INVALID);
  TB_CHECK(detail_is(&p, "a license id has at most 127 characters"));
}

int main(void) {
  TB_RUN(mod11_2);
  TB_RUN(mod37_36);
  TB_RUN(citizen_published);
  TB_RUN(citizen_wrong);
  TB_RUN(citizen_future_birth);
  TB_RUN(citizen_every_substitution);
  TB_RUN(credit_published);
  TB_RUN(credit_wrong);
  TB_RUN(credit_every_substitution);
  TB_RUN(app_numbers);
  TB_RUN(app_numbers_refused);
  TB_RUN(license_ids);
  TB_RUN(license_ids_refused);
  return tb_test_done();
}
