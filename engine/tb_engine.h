/*
 * tb_engine.h — the public interface of tongban's engine.
 *
 * The engine is the functional core: workflow definitions in memory, form
 * values and conditions, the working-day calendar, identifier checksums and
 * the application state machine. It does no I/O at all: callers load,
 * store, sign and talk HTTP; the engine only decides.
 *
 * The utility layer (UTF-8, hex, base64url, the bounded buffer, canonical
 * JSON) has its own header, tb_util.h, included here.
 *
 * Ownership in one sentence: definitions own everything hanging off them
 * (through their arena); states, events, forms and effects are plain values
 * owned by the caller; no engine function keeps a pointer it was given.
 */
#ifndef TB_ENGINE_H
#define TB_ENGINE_H

#include "tb_util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------
 * Status and problems
 * ---------------------------------------------------------------------- */

/* The outcome of every engine call that can fail. */
typedef enum {
  TB_OK = 0,
  TB_IGNORED,     /* nothing to do (a stale or early timer); not an error */
  TB_ERR_INVALID, /* a value or argument is malformed */
  TB_ERR_ILLEGAL_STATE,    /* the event is not allowed in the current state */
  TB_ERR_NOT_CLAIMED,      /* no longer returned: a decision on an unclaimed
                              task claims it (kept: the code is registered) */
  TB_ERR_CLAIMED_BY_OTHER, /* the task is claimed by another officer */
  TB_ERR_WRONG_BUREAU,     /* the actor belongs to another bureau */
  TB_ERR_SUPERSEDED,       /* a task of an earlier round or step: another
                              task of the branch is the open one now */
  TB_ERR_MATERIAL,         /* the material list does not allow the acceptance */
  TB_ERR_NOT_ASSIGNEE,     /* the task is assigned to somebody else, or the
                              actor is not of the group it is for */
  TB_ERR_NOT_ALLOWED,      /* the definition does not allow this verb here
                              (退回 to that step, 减签 by this officer…) */
  TB_ERR_LIMIT /* a fixed capacity of the engine would be exceeded */
} tb_status;

/* Problem codes: the one registry (tb_problems.def). Every code a client
 * can see is one row: the code on the wire, its HTTP status, an English
 * and a Chinese description. The enum is generated from the rows, so a
 * code that is not registered does not compile. */
typedef enum {
#define TB_PROBLEM_ROW(name, code, status, en, zh) TB_PROBLEM_##name,
#include "tb_problems.def"
#undef TB_PROBLEM_ROW
  TB_PROBLEM_COUNT
} tb_problem_code;

/* One row of the registry (static data, never freed). */
typedef struct {
  const char *code; /* on the wire: "not_found" */
  int http_status;  /* 404 */
  const char *en;   /* for developers: lower case, no trailing period */
  const char *zh;   /* for the person at the window or the applicant */
} tb_problem_info;

/* The row of a code; never NULL (a value outside the enum gets the row
 * of TB_PROBLEM_INTERNAL). */
const tb_problem_info *tb_problem_info_of(tb_problem_code code);
/* The code whose wire name is `name`; false (and *out untouched) when the
 * registry has none. */
bool tb_problem_code_find(const char *name, tb_problem_code *out);
/* The registered problem an engine status stands for: TB_ERR_INVALID →
 * TB_PROBLEM_INVALID_REQUEST, TB_ERR_ILLEGAL_STATE →
 * TB_PROBLEM_ILLEGAL_STATE, … TB_OK and TB_IGNORED are no problems and
 * give TB_PROBLEM_INTERNAL. */
tb_problem_code tb_status_problem(tb_status status);

/* A problem a person can act on: a status whose registered code is
 * tb_status_problem's, the offending field if any, and a short lower-case
 * message with no trailing period. */
typedef struct {
  tb_status status;
  char field[64];
  char detail[240];
} tb_problem;

/* The stable machine-readable code of a status: "ok", "ignored", or the
 * registered code of tb_status_problem ("invalid_request",
 * "illegal_state", "not_claimed", "claimed_by_other", "wrong_bureau",
 * "task_superseded",
 * "material", "limit"). Never NULL. */
const char *tb_status_code(tb_status status);

/* Fill *p (which may be NULL) and return status. The message is
 * printf-formatted and truncated to fit. */
tb_status tb_problem_set(tb_problem *p, tb_status status, const char *field,
                         const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ------------------------------------------------------------------------
 * Memory: an allocator that aborts on out-of-memory, and an arena
 * ---------------------------------------------------------------------- */

/* malloc / calloc / realloc / strndup that never return NULL: on
 * out-of-memory they print a message and abort. */
void *tb_xmalloc(size_t size);
void *tb_xcalloc(size_t count, size_t size);
void *tb_xrealloc(void *ptr, size_t size);
char *tb_xstrndup(const char *s, size_t len);

/* A bump allocator: everything allocated from it is freed at once by
 * tb_arena_free. Allocations are aligned for any type. */
typedef struct tb_arena tb_arena;

tb_arena *tb_arena_new(void);
void tb_arena_free(tb_arena *a);                /* NULL is fine */
void *tb_arena_alloc(tb_arena *a, size_t size); /* zeroed */
char *tb_arena_strndup(tb_arena *a, const char *s, size_t len);
char *tb_arena_strdup(tb_arena *a, const char *s);
size_t tb_arena_used(const tb_arena *a); /* bytes handed out so far */

/* ------------------------------------------------------------------------
 * Dates and the working-day calendar
 * ---------------------------------------------------------------------- */

/* A calendar day is a day number: days since 1970-01-01. Time stamps are
 * Unix seconds; the calendar's time zone (China Standard Time, UTC+8, by
 * default) maps one to the other. */
typedef int32_t tb_day;

/* Day number of a proleptic Gregorian date; TB_ERR_INVALID for an
 * impossible date (2023-02-29) or a year outside 1900..2199. */
tb_status tb_date_from_ymd(int year, int month, int day, tb_day *out);
void tb_date_to_ymd(tb_day d, int *year, int *month, int *day);
/* Parse exactly "YYYY-MM-DD" (len bytes, no terminator needed). */
tb_status tb_date_parse(const char *s, size_t len, tb_day *out);
/* Write "YYYY-MM-DD" and a NUL into buf (at least 11 bytes). */
void tb_date_format(tb_day d, char buf[static 11]);
/* Write the date as people read it in Chinese, "2026年11月30日" (no
 * leading zeros), and a NUL into buf. */
#define TB_DATE_ZH_MAX 24
void tb_date_format_zh(tb_day d, char buf[static TB_DATE_ZH_MAX]);
/* 1 = Monday … 7 = Sunday. */
int tb_date_weekday(tb_day d);
/* The same day `months` later (earlier when negative), or the last day of
 * that month when it is shorter: 2025-08-31 + 6 months = 2026-02-28 (a
 * period counted in months, 民法典 art. 202). */
tb_day tb_date_add_months(tb_day d, int months);

typedef enum {
  TB_DAY_HOLIDAY = 1, /* a weekday that is not worked (法定节假日) */
  TB_DAY_WORKDAY = 2  /* a weekend day that is worked (调休上班) */
} tb_day_kind;

/* Working days: Monday to Friday, minus holidays, plus adjusted working
 * days. Opaque; built by the caller from data. */
typedef struct tb_calendar tb_calendar;

/* A calendar with no exceptions in the given time zone (seconds east of
 * UTC: 28800 for China Standard Time). */
tb_calendar *tb_calendar_new(int32_t utc_offset_seconds);
void tb_calendar_free(tb_calendar *c); /* NULL is fine */
/* Mark one day; marking it again replaces the earlier kind. */
tb_status tb_calendar_set(tb_calendar *c, tb_day d, tb_day_kind kind);
/* Parse the calendar text format (documented in engine/README.md):
 * one "YYYY-MM-DD holiday|workday [comment]" a line, '#' comments and
 * blank lines allowed. Nothing is changed unless every line is valid; the
 * first bad line is reported as "line N: …" in *p. */
tb_status tb_calendar_parse(tb_calendar *c, const char *text, size_t len,
                            tb_problem *p);
bool tb_calendar_is_working_day(const tb_calendar *c, tb_day d);
/* The n-th working day after d (d itself is not counted; n = 0 gives d). */
tb_day tb_calendar_add_working_days(const tb_calendar *c, tb_day d, int n);
/* The n-th working day before d (n = 0 gives d). */
tb_day tb_calendar_sub_working_days(const tb_calendar *c, tb_day d, int n);
/* How many working days lie in (from, to]; 0 when to <= from. */
int tb_calendar_count_working_days(const tb_calendar *c, tb_day from,
                                   tb_day to);
/* The local calendar day of a Unix time, and the Unix time of a day's
 * local midnight. */
tb_day tb_calendar_day_of(const tb_calendar *c, int64_t unix_seconds);
int64_t tb_calendar_start_of(const tb_calendar *c, tb_day d);
/* Coverage: the calendar knows the days of the years its data was
 * published for (a file covers each year it marks a day of, to December
 * 31). A deadline past the last covered day is provisional: the State
 * Council has not published that year's schedule yet. tb_calendar_parse
 * extends the coverage; tb_calendar_cover extends it to `last` (for a
 * calendar rebuilt from stored days); it never shrinks. */
void tb_calendar_cover(tb_calendar *c, tb_day last);
/* The last covered day; 0 when nothing was loaded (or c is NULL). */
tb_day tb_calendar_covered_until(const tb_calendar *c);
/* Whether deadline d (0: none) lies past the covered days. */
bool tb_calendar_is_provisional(const tb_calendar *c, tb_day d);
/* The calendar's exceptions, sorted by day, for storing and listing. */
size_t tb_calendar_count(const tb_calendar *c);
void tb_calendar_get(const tb_calendar *c, size_t i, tb_day *d,
                     tb_day_kind *kind);

/* ------------------------------------------------------------------------
 * Identifiers: the one number and the numbers tongban issues
 * ---------------------------------------------------------------------- */

/* Check an 18-character citizen ID (GB 11643): digits, a valid birth date
 * not after `today` (pass 0 to skip that test), and the ISO 7064
 * MOD 11-2 check character (a lower-case x is refused). */
tb_status tb_id_check_citizen(const char *s, size_t len, tb_day today,
                              tb_problem *p);
/* Check an 18-character unified social credit code (GB 32100): alphabet,
 * the embedded organization code's check (GB 11714) and the MOD 31 check
 * character. */
tb_status tb_id_check_credit_code(const char *s, size_t len, tb_problem *p);
/* The ISO 7064 MOD 11-2 check character over a string of digits. */
char tb_id_mod11_2(const char *digits, size_t len);
/* The ISO 7064 MOD 37,36 check character (0-9, A-Z) over the letters
 * and digits of s; other characters (separators) are skipped. Returns 0 if
 * s contains a character that is neither an ASCII letter, a digit nor a
 * separator ('.', '-'). Lower-case letters count as upper case. */
char tb_id_mod37_36(const char *s, size_t len);

/* Application numbers: 6-digit region code, 8-digit acceptance date,
 * 9-digit serial (TB_APP_SERIAL_MAX), MOD 11-2 check character: 24
 * characters, e.g. "330100202611210000000019". Numbers made before
 * issue 17 have a 6-digit serial and 21 characters
 * (TB_APP_NUMBER_LEN_V1); they stay valid, and the checker accepts both
 * lengths. TB_APP_NUMBER_LEN is the longest: size buffers with it. */
#define TB_APP_NUMBER_LEN 24
#define TB_APP_NUMBER_LEN_V1 21
#define TB_APP_SERIAL_MAX 999999999u
/* Make the 24-character number; serial 0..TB_APP_SERIAL_MAX. */
tb_status tb_id_make_app_number(const char region[static 6], tb_day date,
                                uint32_t serial,
                                char out[static TB_APP_NUMBER_LEN + 1]);
/* Check a number of either length (21 or 24 characters). */
tb_status tb_id_check_app_number(const char *s, size_t len, tb_problem *p);

/* License identifiers in the GB/T 36904 structure:
 * "1.2.156.3005.2.<type>.<issuer credit code>.<serial>.<version>.<check>"
 * with the check character computed by tb_id_mod37_36 over everything
 * after the fixed "1.2.156.3005.2." prefix. type: 1..32 letters and digits;
 * serial: 1..20 digits; version: 1..3 digits. */
#define TB_LICENSE_ID_MAX 128
tb_status tb_id_make_license_id(const char *type_code, const char *issuer,
                                uint64_t serial, unsigned version,
                                char out[static TB_LICENSE_ID_MAX],
                                tb_problem *p);
tb_status tb_id_check_license_id(const char *s, size_t len, tb_problem *p);

/* ------------------------------------------------------------------------
 * Workflow definitions in memory
 *
 * Filled by the loader (workflows/), read by everyone. All strings and
 * arrays live in the definition's arena.
 * ---------------------------------------------------------------------- */

#define TB_MAX_FIELDS 64
#define TB_MAX_CHOICES 64
#define TB_MAX_MATERIALS 64
#define TB_MAX_BRANCHES 16
#define TB_MAX_TASKS_PER_BRANCH 16
#define TB_MAX_SIGNERS 8 /* signer slots of one step, 加签 included */
#define TB_MAX_COPIES 8  /* 抄送 targets of one step */
#define TB_MAX_SPECIALS 8
#define TB_MAX_LICENSES 8
#define TB_MAX_EFFECTS 160

typedef enum {
  TB_APPLICANT_PERSON,       /* citizen ID */
  TB_APPLICANT_ORGANIZATION, /* unified social credit code */
  TB_APPLICANT_EITHER
} tb_applicant_kind;

typedef enum {
  TB_FIELD_TEXT,
  TB_FIELD_NUMBER, /* a decimal number; `integer` restricts it */
  TB_FIELD_MONEY,  /* yuan with at most two decimals, held in fen */
  TB_FIELD_DATE,   /* YYYY-MM-DD, held as a tb_day */
  TB_FIELD_CHOICE, /* one (or, if `multiple`, several) of the choices */
  TB_FIELD_BOOLEAN,
  TB_FIELD_ID_NUMBER /* a citizen ID or a credit code, checksum checked */
} tb_field_type;

/* Name of a field type as written in XML ("text", "money", "id-number"…). */
const char *tb_field_type_name(tb_field_type t);

typedef struct {
  const char *value; /* the machine value, e.g. "food" */
  const char *label; /* what people read, e.g. "食品经营" */
} tb_choice;

typedef struct {
  const char *id;
  const char *label;
  tb_field_type type;
  bool required;
  bool multiple; /* choice: several may be chosen */
  bool integer;  /* number: no fraction */
  /* Bounds, inclusive. text: length in characters (code points);
   * number: the value; money: fen; date: day number. */
  bool has_min, has_max;
  double min, max;
  /* date: the bound is the day of intake (min="today" / max="today"),
   * checked when a value is parsed or checked with a non-zero today */
  bool min_today, max_today;
  bool same_as_applicant; /* id-number: must be the applicant's number */
  const tb_choice *choices;
  size_t n_choices;
  int line; /* where it was declared, for messages */
} tb_field;

typedef struct {
  const char *id;
  const char *name;
  bool required;
  /* 容缺受理: >0 means it may be missing at acceptance and the applicant
   * has this many working days to supply it. */
  uint16_t tolerate_days;
  bool commitment; /* 告知承诺: a signed commitment may replace it */
  /* 事后核查 of a commitment (commitment only): the bureau that verifies
   * it after approval (a code of bureaus.xml), the working days it has,
   * and the calendar days a false commitment excludes the holder from
   * choosing 告知承诺 again. */
  const char *verify_bureau;
  uint16_t verify_days;
  uint16_t exclude_days;
  const char *license_type; /* an e-license of this type satisfies it */
  /* 告知承诺书: what the applicant signs instead of the material
   * (commitment only): the material's own <commitment> text, else the
   * default of <materials>; NULL for any other material. */
  const char *commitment_text;
  int line;
} tb_material;

/* Who may take a step's task (engine/README.md, "The verbs of a
 * branch"). A pool or group task is claimed by one eligible officer (a
 * decision on an unclaimed one claims it in the same transition); an
 * officer's or an account's task is theirs without a claim. */
typedef enum {
  TB_SIGNER_POOL = 0, /* any officer of the bureau */
  TB_SIGNER_GROUP,    /* any officer of the bureau in a named group
                         (bureaus.xml <group>, e.g. 科长) */
  TB_SIGNER_OFFICER,  /* one officer named by user name in the definition */
  TB_SIGNER_ACCOUNT   /* state only: an account named at run time
                         (转办, 委派, 加签) */
} tb_signer_kind;

/* One signer of a step as the definition declares it (<signer>). */
typedef struct {
  uint8_t kind;     /* TB_SIGNER_POOL, _GROUP or _OFFICER */
  const char *name; /* the group's code or the officer's user name; NULL
                       for the pool */
  int line;
} tb_signer_def;

/* How a step with several signers completes. */
typedef enum {
  TB_SIGN_ONE = 0,  /* one decision (the default; a pool, a group or one
                       officer) */
  TB_SIGN_ALL,      /* 会签: every signer approves */
  TB_SIGN_ANY,      /* 或签: the first approval; the others close as no
                       longer needed; denied when every signer denied */
  TB_SIGN_SEQUENCE, /* 依次: the signers in order, each approval opening
                       the next */
  TB_SIGN_VOTE      /* 票签: `pass` approvals; denied as soon as they can
                       no longer be reached */
} tb_sign_rule;

/* What one deny does in a 会签 or 依次 step. */
typedef enum {
  TB_DENY_AT_ONCE = 0, /* the step is denied now; the others' tasks close */
  TB_DENY_AFTER_ALL    /* the others still decide; the step is denied when
                          the last has (会签 only) */
} tb_deny_rule;

/* 抄送: a bureau (or one group of it) copied for information when the
 * step completes; nothing waits for them. */
typedef struct {
  const char *bureau; /* a bureau code of bureaus.xml */
  const char *group;  /* a group of that bureau, or NULL for all of it */
  int line;
} tb_copy_def;

typedef struct {
  const char *id;
  const char *name;
  uint16_t days;   /* this task's own limit in working days */
  uint8_t rule;    /* tb_sign_rule */
  uint8_t on_deny; /* tb_deny_rule (会签, 依次) */
  uint8_t pass;    /* 票签: approvals needed, 1..n_signers */
  /* The signers; none means the bureau's pool (one signer). TB_SIGN_ONE
   * has at most one. At most TB_MAX_SIGNERS. */
  const tb_signer_def *signers;
  size_t n_signers;
  uint32_t back_to; /* 退回: bit i, the branch may be sent back from this
                       step to its step i (i < this step's index) */
  /* 减签 of a signer the definition declared: officers of this group of
   * the bureau may remove a pending one (NULL: nobody may; a signer added
   * by 加签 can always be removed by whoever added it). */
  const char *remove_group;
  const tb_copy_def *copies; /* 抄送 when the step completes */
  size_t n_copies;
  /* Branch outputs: data items an approval of this task records (the
   * newborn's citizen ID at 户口登记), declared and checked like form
   * fields; their ids are unique among the form's fields and every
   * task's outputs. */
  const tb_field *outputs;
  size_t n_outputs;
  int line;
} tb_task_def;

typedef struct tb_cond tb_cond; /* a parsed condition; see below */

typedef struct {
  const char *id;
  const char *name;
  const char *bureau;       /* a bureau code from bureaus.xml */
  const tb_cond *when;      /* NULL: the branch always applies */
  const char *when_text;    /* the condition as written */
  bool deny_continues;      /* on-deny="continue": a deny drops only
                               this branch; default: it denies the
                               application */
  uint16_t after;           /* bit i: starts only after branch i approved */
  const tb_task_def *tasks; /* run one after another */
  size_t n_tasks;
  int line;
} tb_branch_def;

typedef enum {
  TB_SPECIAL_HEARING,    /* 听证 */
  TB_SPECIAL_INSPECTION, /* 现场核查 */
  TB_SPECIAL_TESTING,    /* 检验检测 */
  TB_SPECIAL_EXPERT,     /* 专家评审 */
  TB_SPECIAL_KIND_COUNT
} tb_special_kind;

const char *tb_special_kind_name(tb_special_kind k); /* "hearing" … */

typedef struct {
  tb_special_kind kind;
  const char *name;
  uint16_t max_days; /* working days; reaching it ends the suspension */
  int line;
} tb_special_def;

typedef struct {
  const char *type_code; /* e.g. "11100000MB0143028X" style type code */
  const char *name;      /* 营业执照 */
  const char *bureau;    /* issuing bureau code */
  int branch;            /* issued only if this branch approved; -1: always */
  uint16_t valid_years;  /* 0: long-term (长期) */
  const size_t *fields;  /* indices into the form's fields */
  size_t n_fields;
  /* The holder: NULL for the applicant; else the id of a form field or a
   * branch output (id-number) holding the holder's number, and of one
   * (text) holding the holder's name (holder-name; required with it). */
  const char *holder;
  const char *holder_name;
  const char *const *output_items; /* ids of branch outputs it carries */
  size_t n_output_items;
  int line;
} tb_license_def;

typedef enum {
  TB_GAP_MISSED_WARN,     /* raise a red flag and notify; review goes on */
  TB_GAP_MISSED_TERMINATE /* the application is terminated (终止办理) */
} tb_gap_policy;

/* A license type a bureau may issue (bureaus.xml <issues>). */
typedef struct {
  const char *type_code; /* GB/T 36904 type code, as in <license type-code> */
  const char *name;      /* the name people know: 营业执照 */
  int line;
} tb_license_grant;

/* A group (岗位) of a bureau's officers (bureaus.xml <group>), e.g. 科长:
 * a step's <signer group>, <copy group> and remove-by name it, and an
 * officer account may belong to it. */
typedef struct {
  const char *code; /* "KZ": upper case letters and digits, unique in the
                       bureau */
  const char *name; /* what people read: 科长 */
  int line;
} tb_bureau_group;

typedef struct {
  const char *code;
  const char *name;
  const char *credit_code;
  int line;
  const tb_license_grant *grants; /* the license types it may issue */
  size_t n_grants;                /* 0: it issues no license at all */
  const tb_bureau_group *groups;  /* its officers' groups */
  size_t n_groups;                /* 0: it declares none */
  /* Where an applicant contests this bureau's refusal or denial
   * (bureaus.xml <rights>, the bureau's own or else the list's): the
   * 行政复议 body and the court of first instance for 行政诉讼; NULL when
   * neither declares them. */
  const char *review_body;
  const char *court;
} tb_bureau;

typedef struct {
  tb_bureau *items;
  size_t n;
  tb_arena *arena;
  /* The list's own <rights>: for bureaus without their own and for
   * decisions no bureau made (a refusal at the window); NULL when none. */
  const char *review_body;
  const char *court;
  /* The service hall (<office>): its name, address, phone and opening
   * hours, printed on every document it hands out; all NULL when the
   * list declares none. */
  const char *office_name;
  const char *office_address;
  const char *office_phone;
  const char *office_hours;
} tb_bureau_list;

const tb_bureau *tb_bureaus_find(const tb_bureau_list *b, const char *code);
/* The grant of license type `type_code` to bureau b, or NULL when b may
 * not issue it (b NULL: NULL). Points into b. */
const tb_license_grant *tb_bureau_grant(const tb_bureau *b,
                                        const char *type_code);
/* Bureau b's group `code`, or NULL when b declares no such group (b or
 * code NULL: NULL). Points into b. */
const tb_bureau_group *tb_bureau_group_find(const tb_bureau *b,
                                            const char *code);

typedef struct tb_definition {
  const char *id;
  const char *name;
  uint32_t version;
  tb_applicant_kind applicant;
  uint16_t statutory_days; /* 法定时限 */
  uint16_t promised_days;  /* 承诺时限, <= statutory_days */
  uint16_t warn_days;      /* yellow when this many working days remain */
  uint16_t rectify_days;   /* 差评整改: working days a ticket has */
  bool online;             /* may be applied for online */
  tb_gap_policy gap_policy;
  bool deliver_window, deliver_electronic;

  const tb_field *fields;
  size_t n_fields;
  const tb_material *materials;
  size_t n_materials;
  const tb_branch_def *branches;
  size_t n_branches;
  const tb_special_def *specials;
  size_t n_specials;
  const tb_license_def *licenses;
  size_t n_licenses;

  /* <legal-basis>: the articles a refusal (不予受理) and a denial (不予许可)
   * of this service rest on, told to the applicant with the reason;
   * NULL when the definition gives none. */
  const char *basis_refusal;
  const char *basis_denial;

  /* <guide>: the service guide (办事指南, engine/tb_guide.h); NULL when
   * the definition has none. */
  const struct tb_guide *guide;

  /* Supervision settings (workflows/supervision.xml's rules read them):
   * 即办 immediate="true" (finished the day it is accepted), and the
   * fewest characters of a refusal's or denial's reason (0: none). */
  bool immediate;
  uint16_t min_reason;

  const char *file; /* where it was loaded from, for messages */
  tb_arena *arena;  /* owns all of the above */
} tb_definition;

/* Free a definition and everything it owns. The tb_definition struct
 * itself must have been allocated from def->arena. NULL is fine. */
void tb_definition_free(tb_definition *def);
/* Look-ups by id; -1 when there is none. */
int tb_definition_field(const tb_definition *def, const char *id, size_t len);
int tb_definition_material(const tb_definition *def, const char *id,
                           size_t len);
int tb_definition_branch(const tb_definition *def, const char *id, size_t len);
int tb_definition_special(const tb_definition *def, tb_special_kind kind);
/* A branch output by id: the field, and (when not NULL) the branch and
 * task that record it; NULL when no task declares it. */
const tb_field *tb_definition_output(const tb_definition *def, const char *id,
                                     int *branch, int *task);

/* ------------------------------------------------------------------------
 * Form values and conditions
 * ---------------------------------------------------------------------- */

typedef struct {
  bool present;
  double number;    /* number */
  int64_t money;    /* money, in fen */
  tb_day date;      /* date */
  bool boolean;     /* boolean */
  uint64_t choices; /* choice: bit i set when choices[i] is chosen */
  const char *text; /* text and id-number: not owned, not terminated */
  size_t text_len;
} tb_value;

/* The values of a form, in the order of the definition's fields. */
typedef struct {
  tb_value values[TB_MAX_FIELDS];
} tb_form;

/* Parse one value given as text ("12.50" for money, "2026-11-21",
 * "true"/"false", a choice's value; several choices separated by ','),
 * checking its type and bounds. out->text points into s for text and
 * id-number fields, so s must outlive the form. `today` is used by
 * id-number and may be 0. */
tb_status tb_value_parse(const tb_field *f, const char *s, size_t len,
                         tb_day today, tb_value *out, tb_problem *p);
/* Check a value that was built directly (bounds, integer, choice count,
 * UTF-8 and length of text). */
tb_status tb_value_check(const tb_field *f, const tb_value *v, tb_day today,
                         tb_problem *p);
/* Check a whole form: every required field present, every value valid.
 * Reports the first problem with the field's id. */
tb_status tb_form_check(const tb_definition *def, const tb_form *form,
                        tb_day today, tb_problem *p);

/* Check the fields declared same-as="applicant": a present value must be
 * the applicant's own number (len bytes). Reports the first field that
 * differs, by its id. */
tb_status tb_form_check_same_as(const tb_definition *def, const tb_form *form,
                                const char *applicant, size_t len,
                                tb_problem *p);

/* Conditions choose the branches that apply. The language:
 *   expr    := or
 *   or      := and ("or" and)*
 *   and     := unary ("and" unary)*
 *   unary   := "not" unary | "(" expr ")" | compare
 *   compare := FIELD OP literal | FIELD "contains" literal | FIELD
 *   OP      := "=" | "!=" | "<" | "<=" | ">" | ">="
 *   literal := 'text' | number | true | false
 * A bare FIELD is a boolean field. Types are checked against the form:
 * numbers and money compare with numbers (money in yuan), dates with
 * 'YYYY-MM-DD', choices with '=' / '!=' / contains and one of their
 * values, text with '=' / '!=' / contains, booleans with true / false.
 * Text is at most 1024 bytes and 32 levels deep. */
tb_status tb_cond_parse(tb_arena *a, const tb_definition *def, const char *text,
                        size_t len, const tb_cond **out, tb_problem *p);
/* Evaluate; an absent value makes its comparison false. */
bool tb_cond_eval(const tb_cond *c, const tb_form *form);
/* What a condition can do on the forms that pass the definition's own
 * checks (tb_form_check: required fields present, every value of its
 * type and within its field's bounds). */
typedef enum {
  TB_COND_SOMETIMES, /* some forms make it true, some false, or the bounded
                        analysis could not tell */
  TB_COND_NEVER,     /* no form makes it true */
  TB_COND_ALWAYS     /* every form makes it true */
} tb_cond_verdict;

/* Decide whether c, parsed against def, can never hold, always holds or
 * neither. Numbers, money and dates are reasoned over intervals (open and
 * closed ends, whole numbers, the field's min and max), choices over their
 * finite sets, booleans and text over their values, across and / or / not;
 * a comparison on an absent value is false, so only a required field is
 * sure to have one. The work is bounded: a condition too large to decide
 * within it is TB_COND_SOMETIMES, never a wrong NEVER or ALWAYS. NULL c
 * always holds; NULL def, or a def c was not parsed against, gives
 * SOMETIMES. For NEVER and ALWAYS a short English reason quoting the
 * comparisons at fault ("employees > 10 and employees < 5 leave no value")
 * is written to reason (size bytes, NUL-terminated, cut on a UTF-8
 * boundary); otherwise reason is "". reason may be NULL. Allocates only
 * temporarily; pure. */
tb_cond_verdict tb_cond_analyze(const tb_cond *c, const tb_definition *def,
                                char *reason, size_t size);

/* ------------------------------------------------------------------------
 * The application state machine
 * ---------------------------------------------------------------------- */

typedef enum {
  TB_APP_NONE = 0,            /* before submission */
  TB_APP_SUBMITTED,           /* 待受理: waiting for the window */
  TB_APP_AWAITING_SUPPLEMENT, /* 待补正: one-time notice before acceptance */
  TB_APP_REFUSED,             /* 不予受理 (final) */
  TB_APP_IN_REVIEW,           /* 审查中: accepted, bureaus at work */
  TB_APP_RETURNED,            /* 补正中: bureaus returned it; clock paused */
  TB_APP_SUSPENDED,           /* 特别程序: clock paused */
  TB_APP_APPROVED,   /* 准予许可: licenses issued, waiting to deliver */
  TB_APP_DENIED,     /* 不予许可 (final) */
  TB_APP_DELIVERED,  /* 已办结 (final but for the rating) */
  TB_APP_WITHDRAWN,  /* 已撤回 (final) */
  TB_APP_TERMINATED, /* 终止办理: a tolerated gap was not supplied */
  TB_APP_AWAITING_MATERIALS, /* 准予许可，待补齐容缺材料后出证: every bureau
                                approved, but tolerated gaps are still
                                open, so no license is signed yet; the
                                supplement of the last gap signs them
                                (容缺后补，补齐出证) */
  TB_APP_EXPIRED, /* 已过期 (final): an online application that no clerk
                     accepted before its expiry timer fired */
  TB_APP_STATE_COUNT
} tb_app_status;

typedef enum {
  TB_BRANCH_INACTIVE = 0, /* its condition does not hold */
  TB_BRANCH_WAITING,      /* waits for the branches it comes after */
  TB_BRANCH_ACTIVE,       /* a task is open or claimed */
  TB_BRANCH_RETURNED,     /* returned for supplement; waits for it */
  TB_BRANCH_APPROVED,
  TB_BRANCH_DENIED,
  TB_BRANCH_SKIPPED,   /* a branch it comes after was denied */
  TB_BRANCH_CANCELLED, /* the application ended first */
  TB_BRANCH_STATE_COUNT
} tb_branch_status;

typedef enum { TB_WARN_NONE = 0, TB_WARN_YELLOW, TB_WARN_RED } tb_warning;

typedef enum {
  TB_CHANNEL_WINDOW = 0, /* at the comprehensive window */
  TB_CHANNEL_ONLINE
} tb_channel;

/* A signer slot of the current step. */
typedef enum {
  TB_SLOT_WAITING = 0, /* 依次 (or after a 前加签/后加签): not its turn yet */
  TB_SLOT_OPEN,        /* its task is open (claimed or not) */
  TB_SLOT_APPROVED,
  TB_SLOT_DENIED,
  TB_SLOT_RETURNED, /* returned the application for supplement */
  TB_SLOT_CLOSED    /* no longer needed (或签, 票签), removed (减签), or
                       the step was sent back or taken back */
} tb_slot_status;

typedef struct {
  int64_t account;  /* the assignee (officer, 转办, 加签) or whoever claimed
                       a pool or group task; 0: nobody yet */
  int64_t delegate; /* 委派: the officer working on it for `account`; 0:
                       none. The task comes back to `account` to decide. */
  int64_t added_by; /* 加签: who added this signer; 0: the definition's */
  uint16_t serial;  /* its task's serial in the branch (the newest task of
                       this slot): a task event must name it */
  uint8_t status;   /* tb_slot_status */
  uint8_t kind;     /* tb_signer_kind */
  uint8_t ref;      /* group or officer: index into the step's signers */
  bool claimed;     /* pool or group: `account` claimed it */
  bool acted;       /* somebody claimed, decided or handed on its task in
                       this step (撤回 of the decision that opened it is
                       refused then) */
} tb_slot;

typedef struct {
  uint8_t status; /* tb_branch_status */
  uint8_t step;   /* index of the current task in the branch */
  /* The signers of the current step, in order (依次 opens them in this
   * order; 加签 inserts). Every slot's task has its own serial, counted up
   * per branch (`serials` is the last one issued), so a task id acts only
   * on its own slot, step and round. */
  uint8_t n_slots;
  tb_slot slots[TB_MAX_SIGNERS];
  uint16_t serials;
  bool acted; /* someone claimed, decided or handed on a task of the
                 current step (撤回 of the previous step is refused then) */
  /* 撤回: the previous step as it was just before the decision that
   * completed it, and that decision's slot; prev_n 0 when there is
   * nothing to take back (none yet, sent back, or the step acted). */
  uint8_t prev_step;
  uint8_t prev_slot;
  uint8_t prev_n;
  tb_slot prev[TB_MAX_SIGNERS];
  /* Kept for states stored before the slots (read by the decoder only):
   * the current task is claimed, and by whom. */
  bool claimed;        /* the current task is claimed */
  uint8_t warning;     /* tb_warning of the current task */
  uint16_t round;      /* 1 for the first time, +1 after each return */
  int64_t claimant;    /* account id of whoever claimed it */
  int64_t started_at;  /* when the current task was created */
  tb_day deadline;     /* the current task's last working day */
  int32_t paused_days; /* working days the current task's clock was paused
                          (its deadline moved by them) */
} tb_branch_state;

/* The whole state of one application: fixed size, no pointers, so that
 * it can be copied, compared and stored as it is. */
typedef struct {
  uint8_t status;   /* tb_app_status */
  uint8_t channel;  /* tb_channel */
  uint8_t warning;  /* tb_warning of the application */
  uint8_t special;  /* while suspended: tb_special_kind */
  uint8_t rating;   /* 0: none; 1..5 after delivery */
  bool gap_overdue; /* a tolerated gap missed its date */
  int64_t submitted_at;
  int64_t accepted_at;
  int64_t paused_at;   /* while the clock is paused */
  int64_t finished_at; /* when it was decided or ended: approved, denied,
                          refused, withdrawn, terminated */
  tb_day deadline;     /* promised limit: last working day */
  tb_day statutory_deadline;
  int32_t paused_days;   /* working days not counted, in total */
  uint64_t provided;     /* materials the applicant has supplied */
  uint64_t from_license; /* … of which an e-license supplied */
  uint64_t committed;    /* replaced by a signed commitment (告知承诺) */
  uint64_t gaps;         /* tolerated at acceptance, still missing (容缺) */
  uint64_t notice;       /* the items of the open supplement notice */
  uint64_t notice_supplied;  /* … of which the applicant has supplied; the
                                notice stays open until every item is */
  uint64_t chosen_gaps;      /* 容缺 chosen at registration (submit) */
  uint64_t chosen_committed; /* 告知承诺 chosen at registration (submit) */
  uint16_t notice_branches;  /* branches whose returns the notice merged */
  uint16_t licenses;         /* bit i: license i of the definition issued */
  uint16_t code_version;     /* the tracking code's version: the store
                                derives the code from the number and this,
                                and counts it up when a clerk reissues the
                                code; the engine never changes it */
  tb_day gap_due[TB_MAX_MATERIALS];
  uint8_t n_branches;
  tb_branch_state branches[TB_MAX_BRANCHES];
} tb_app_state;

typedef enum {
  TB_EV_SUBMIT,
  TB_EV_ACCEPT, /* materials: tolerated gaps; committed */
  TB_EV_REFUSE,
  TB_EV_REQUEST_SUPPLEMENT, /* at the window, before acceptance */
  TB_EV_SUPPLEMENT,         /* the applicant supplies materials */
  TB_EV_WITHDRAW,
  TB_EV_CLAIM,
  TB_EV_APPROVE,
  TB_EV_DENY,
  TB_EV_RETURN,  /* materials: the items to supplement */
  TB_EV_SUSPEND, /* special: the procedure */
  TB_EV_RESUME,
  TB_EV_TIMER,
  TB_EV_DELIVER,
  TB_EV_RATE,
  TB_EV_CLOSE_NOTICE,     /* the clerk closes the open notice with a reason */
  TB_EV_RECOMPUTE,        /* a new calendar was loaded: recompute every
                             deadline from what the state records (TB_IGNORED
                             when none moves) */
  TB_EV_COMMITMENT_FALSE, /* 承诺不实: a verification found a commitment
                             false; what is still open ends (终止办理) */
  TB_EV_EXPIRE, /* the expiry timer of an online application fired: never
                   accepted, it ends as TB_APP_EXPIRED (TB_IGNORED once
                   accepted, refused or withdrawn) */
  /* The verbs of a branch (engine/README.md): each names its task by
   * branch, slot and serial, and is refused for a task that is not the
   * actor's to act on. */
  TB_EV_TRANSFER,      /* 转办: the task is target's now */
  TB_EV_DELEGATE,      /* 委派: target works on it, then it comes back */
  TB_EV_RESOLVE,       /* the delegate hands the task back to decide */
  TB_EV_ADD_SIGNER,    /* 加签: target signs at `position` */
  TB_EV_REMOVE_SIGNER, /* 减签: the pending signer of the named slot goes */
  TB_EV_SEND_BACK,     /* 退回: the branch goes back to step `to_step` */
  TB_EV_TAKE_BACK,     /* 撤回: the actor takes back their decision */
  TB_EV_KIND_COUNT
} tb_event_kind;

typedef enum {
  TB_TIMER_APP_YELLOW,  /* the application nears its deadline */
  TB_TIMER_APP_RED,     /* the application is overdue */
  TB_TIMER_TASK_YELLOW, /* subject: branch index */
  TB_TIMER_TASK_RED,    /* subject: branch index */
  TB_TIMER_GAP_DUE,     /* subject: material index */
  TB_TIMER_SPECIAL_MAX, /* the special procedure reached its maximum */
  TB_TIMER_EXPIRE,      /* an online application not accepted by then
                           expires (TB_APP_EXPIRED) */
  TB_TIMER_KIND_COUNT
} tb_timer_kind;

/* 加签: where the added signer signs. */
typedef enum {
  TB_ADD_BEFORE = 0, /* 前加签: before the actor, who decides after them */
  TB_ADD_AFTER,      /* 后加签: after the actor's approval */
  TB_ADD_PARALLEL    /* beside the others (会签, 或签, 票签 steps) */
} tb_add_position;

typedef struct {
  tb_event_kind kind;
  int64_t at;            /* Unix seconds */
  int64_t actor;         /* account id; 0 for the applicant or the system */
  const char *bureau;    /* the actor's bureau for task events; NULL skips
                            the bureau check (the caller checked roles) */
  uint8_t branch;        /* task events */
  uint8_t step;          /* task events: must match the branch's current step */
  uint16_t round;        /* task events: the task's round; must match the
                            branch's current round (0: not checked, for
                            callers that name the branch's task itself) */
  uint8_t channel;       /* submit: tb_channel */
  uint64_t materials;    /* submit, supplement: provided; accept: tolerated
                            gaps; request-supplement, return: the items */
  uint64_t committed;    /* accept: replaced by a commitment; submit: the
                            commitments chosen at registration */
  uint64_t tolerated;    /* submit: the tolerated gaps (容缺) chosen at
                            registration */
  bool stored_choices;   /* accept: use the choices stored at submission
                            (less what was supplied since) instead of
                            materials and committed */
  uint64_t from_license; /* submit: provided by an existing e-license */
  uint8_t special;       /* suspend: tb_special_kind */
  uint8_t timer;         /* timer: tb_timer_kind */
  uint8_t subject;       /* timer: branch or material index */
  uint8_t rating;        /* rate: 1..5 */
  int64_t expire_at;     /* submit, online: Unix seconds at which the
                            application expires unless a clerk accepted
                            it by then (TB_TIMER_EXPIRE); 0: never */
  /* Task events: the slot of the step and its task's serial (serial 0:
   * not checked, for callers that name the branch's task itself; a
   * serial names its task's slot wherever 加签 moved it), and
   * who the actor is beyond the account id: the user name (an officer
   * signer) and the groups of their bureau they belong to. */
  uint8_t slot;
  uint16_t serial;
  const char *actor_name;
  const char *const *actor_groups;
  size_t n_actor_groups;
  int64_t target;   /* transfer, delegate, add-signer: the officer (an
                       active officer of the same bureau: the shell checks) */
  uint8_t position; /* add-signer: tb_add_position */
  uint8_t to_step;  /* send-back: the step index to go back to */
  /* the target's user name, or NULL: a definition's officer signer is
   * known by name until they act (one officer holds one slot of a step) */
  const char *target_name;
} tb_event;

typedef enum {
  TB_EFFECT_CREATE_TASK,    /* branch, step, round, deadline */
  TB_EFFECT_CANCEL_TASK,    /* branch, step, round */
  TB_EFFECT_SCHEDULE_TIMER, /* timer, subject, at (replaces the same one) */
  TB_EFFECT_CANCEL_TIMER,   /* timer, subject */
  TB_EFFECT_ISSUE_LICENSE,  /* license: index into the definition */
  TB_EFFECT_NOTIFY,         /* notice, materials, branches */
  TB_EFFECT_OPEN_TASK,      /* branch, serial, deadline: a waiting task's
                               turn has come (依次, 加签) */
  TB_EFFECT_COPY            /* branch, step: 抄送 the step's copies */
} tb_effect_kind;

/* Why a task closed without its own decision (TB_EFFECT_CANCEL_TASK). */
typedef enum {
  TB_CLOSE_ENDED = 0,   /* the application ended or was withdrawn */
  TB_CLOSE_NOT_NEEDED,  /* 或签 / 票签: the step completed without it */
  TB_CLOSE_STEP_DENIED, /* 会签 / 依次: another signer denied the step */
  TB_CLOSE_RETURNED,    /* another signer returned the application */
  TB_CLOSE_REMOVED,     /* 减签 */
  TB_CLOSE_SENT_BACK,   /* 退回: the branch went back to an earlier step */
  TB_CLOSE_TAKEN_BACK,  /* 撤回: the decision that opened it was taken back */
  TB_CLOSE_REPLACED /* 转办, 委派, its return, 前加签: a new task of the
                       same slot took its place */
} tb_close_reason;

typedef enum {
  TB_NOTICE_ACCEPTED,   /* 受理通知 */
  TB_NOTICE_REFUSED,    /* 不予受理通知 */
  TB_NOTICE_SUPPLEMENT, /* 一次性告知: materials + branches merged */
  TB_NOTICE_SUSPENDED,
  TB_NOTICE_RESUMED,
  TB_NOTICE_APPROVED,
  TB_NOTICE_DENIED,
  TB_NOTICE_YELLOW, /* branches: 0 for the application */
  TB_NOTICE_RED,
  TB_NOTICE_GAP_OVERDUE, /* materials: which gaps */
  TB_NOTICE_TERMINATED,
  TB_NOTICE_DELIVERED,
  TB_NOTICE_AWAITING_MATERIALS, /* approved; materials: the gaps still owed
                                  before the licenses are signed */
  TB_NOTICE_EXPIRED /* never accepted: the online application expired */
} tb_notice_kind;

typedef struct {
  uint8_t kind; /* tb_effect_kind */
  uint8_t branch;
  uint8_t step;
  uint8_t timer; /* tb_timer_kind */
  uint8_t subject;
  uint8_t license;
  uint8_t notice; /* tb_notice_kind */
  uint16_t round;
  uint16_t branches;  /* notify: bit per branch */
  tb_day deadline;    /* create-task */
  int64_t at;         /* schedule-timer */
  uint64_t materials; /* notify */
  /* Tasks: every task is one slot's; create-task, open-task and
   * cancel-task name it by branch and serial. Create-task says who may
   * take it: signer kind, ref (group or officer: index into the step's
   * signers) or account (TB_SIGNER_ACCOUNT), the delegator when it is a
   * 委派 task (delegate_of), and whether it waits for its turn. */
  uint8_t slot;
  uint16_t serial;
  uint8_t signer_kind; /* tb_signer_kind */
  uint8_t ref;
  bool waiting;
  uint8_t reason; /* cancel-task: tb_close_reason */
  int64_t account;
  int64_t delegate_of;
} tb_effect;

typedef struct {
  size_t n;
  tb_effect items[TB_MAX_EFFECTS];
} tb_effects;

/* Everything an application's transition may read but not change. */
typedef struct {
  const tb_definition *def;
  const tb_calendar *calendar;
  const tb_form *form; /* conditions and licenses read it */
} tb_context;

/* Apply one event. On TB_OK, *state holds the new state and *effects (which
 * is reset first) what the shell must do. On any other status, *state is
 * unchanged, effects->n is 0 and *p (if not NULL) says why in words a
 * person can act on. TB_IGNORED is returned for a timer that is stale or
 * not yet due. Deterministic: the same inputs give the same outputs. */
tb_status tb_engine_step(const tb_context *ctx, tb_app_state *state,
                         const tb_event *event, tb_effects *effects,
                         tb_problem *p);

/* ------------------------------------------------------------------------
 * Cards (黄牌 / 红牌): the one definition, used by the timers, the lists,
 * the counts and the views (engine/README.md, "Deadlines and warnings")
 * ---------------------------------------------------------------------- */

/* How many working days before its end (the deadline day counting as
 * one) a deadline of `length` working days turns yellow: the definition's
 * warn_days, but at most half the length rounded up, so that a short task
 * is not yellow the moment it opens. 0: never yellow. */
int tb_card_threshold(int length, int warn_days);
/* The instant yellow starts for this deadline (local midnight of the
 * threshold's first day); false when it never turns yellow. */
bool tb_card_yellow_at(const tb_calendar *c, tb_day deadline, int length,
                       int warn_days, int64_t *at);
/* The instant red starts: midnight after the deadline day. */
int64_t tb_card_red_at(const tb_calendar *c, tb_day deadline);
/* The card of a running deadline at `now`: red from tb_card_red_at,
 * yellow from tb_card_yellow_at, otherwise none; none for deadline 0. */
tb_warning tb_card_at(const tb_calendar *c, tb_day deadline, int length,
                      int warn_days, int64_t now);
/* The card of an application at `now`: none unless its clock runs (in
 * review: not before acceptance, not paused, not decided); its length is
 * the definition's promised limit. */
tb_warning tb_card_of_application(const tb_definition *def,
                                  const tb_calendar *c, const tb_app_state *s,
                                  int64_t now);
/* The card of branch b's open task at `now`: none unless the branch is
 * active and the application's clock runs; its length is the task's own
 * limit. */
tb_warning tb_card_of_task(const tb_definition *def, const tb_calendar *c,
                           const tb_app_state *s, size_t b, int64_t now);
/* "none", "yellow", "red" ("none" for anything else). */
const char *tb_warning_name(tb_warning w);

/* Names for logs, JSON and the audit trail: "submitted", "in_review"…;
 * "open", "approved"…; "submit", "accept"…; "app_yellow"…; "accepted"… */
const char *tb_app_status_name(tb_app_status s);
const char *tb_branch_status_name(tb_branch_status s);
const char *tb_event_kind_name(tb_event_kind k);
const char *tb_timer_kind_name(tb_timer_kind k);
const char *tb_notice_kind_name(tb_notice_kind k);
/* Reverse look-ups; -1 when unknown. */
int tb_app_status_from_name(const char *name);
int tb_event_kind_from_name(const char *name);
int tb_timer_kind_from_name(const char *name);
int tb_special_kind_from_name(const char *name);

/* The names of the verbs' values in JSON, the API and the tasks table:
 * slot states ("waiting", "open", "approved", "denied", "returned",
 * "closed"), close reasons ("ended", "not_needed", "step_denied",
 * "returned", "removed", "sent_back", "taken_back", "replaced"), sign
 * rules ("one", "all", "any", "sequence", "vote"), signer kinds ("pool",
 * "group", "officer", "account") and 加签 positions ("before", "after",
 * "parallel"). Static strings; "unknown" for a value outside the enum.
 * The reverse look-ups give -1 for an unknown (or NULL) name. */
const char *tb_slot_status_name(tb_slot_status s);
const char *tb_close_reason_name(tb_close_reason r);
const char *tb_sign_rule_name(tb_sign_rule r);
const char *tb_signer_kind_name(tb_signer_kind k);
const char *tb_add_position_name(tb_add_position p);
int tb_slot_status_from_name(const char *name);
int tb_close_reason_from_name(const char *name);
int tb_sign_rule_from_name(const char *name);
int tb_signer_kind_from_name(const char *name);
int tb_add_position_from_name(const char *name);

/* Whether an application in this status is finished (no further events
 * but a rating). */
bool tb_app_status_is_final(tb_app_status s);

#endif /* TB_ENGINE_H */
