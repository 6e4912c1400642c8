/*
 * tb_log.h — the one logger of every module: a level, the module's name, a
 * message and key=value fields, formatted into one bounded line.
 *
 *   level=warn module=store msg="statement failed" statement=app_lock
 *   sqlstate=40001 error="could not serialize access"
 *
 * (one line; wrapped here). The engine does no I/O: it only formats. The
 * program installs the sink that writes the line (cli/tb_log_stderr.h
 * writes it on stderr); until a sink is installed, lines are dropped, so a
 * program installs one before anything else (cli/main.c does).
 *
 * A value is written as it is when it is made of printable characters
 * other than space, '"', '=' and '\'; otherwise (and when it is empty) it
 * is quoted, with '"' and '\' escaped, \n \r \t for those, \xHH for the
 * other control characters. Bytes from 0x80 up are copied (UTF-8 text
 * stays readable). A line is at most TB_LOG_LINE_MAX bytes, the newline
 * included: what does not fit is cut at a character, the quote closed, and
 * the line ends with "truncated=true".
 *
 * Messages are constant text by convention; what varies goes in fields.
 * SQL text, library error queues and the like go here, never to a client.
 */
#ifndef TB_LOG_H
#define TB_LOG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
  TB_LOG_DEBUG = 0,
  TB_LOG_INFO,
  TB_LOG_WARN,
  TB_LOG_ERROR
} tb_log_level;

/* The longest line, newline included. */
#define TB_LOG_LINE_MAX 1024
/* The smallest buffer tb_log_format writes into. */
#define TB_LOG_FORMAT_MIN 64

/* Receives each line that passes the level: `line` (len bytes, ending in
 * '\n', NUL-terminated after that) is only valid during the call. Called
 * from any thread that logs: it must be thread-safe. */
typedef void (*tb_log_sink)(void *cls, tb_log_level level, const char *line,
                            size_t len);

/* Install the sink (NULL: drop every line). Call before starting threads;
 * cls is handed to every call and stays the caller's. */
void tb_log_set_sink(tb_log_sink sink, void *cls);

/* The least level that is formatted and written (default TB_LOG_INFO). */
void tb_log_set_level(tb_log_level min);
tb_log_level tb_log_get_level(void);
/* Whether a line of this level would be written now (a sink is installed
 * and the level passes): check it before costly work for a field. */
bool tb_log_enabled(tb_log_level level);

/* "debug", "info", "warn", "error". Never NULL. */
const char *tb_log_level_name(tb_log_level level);
/* The level of a name (those four, any case); false when unknown. */
bool tb_log_level_parse(const char *name, tb_log_level *out);

/* ---- fields ----------------------------------------------------------- */

typedef enum {
  TB_LOG_FIELD_STR,  /* str (NUL-terminated); NULL leaves the field out */
  TB_LOG_FIELD_STRN, /* str, len bytes; NULL leaves the field out */
  TB_LOG_FIELD_INT,  /* num */
  TB_LOG_FIELD_REAL, /* real, with up to three decimals: 12.5, 0.013 */
  TB_LOG_FIELD_BOOL  /* num: true / false */
} tb_log_field_kind;

/* One key=value. The key should be a constant of letters, digits, '_', '.'
 * and '-' (anything else is written as '_'). Nothing is kept after the
 * call. Build them with the macros below. */
typedef struct {
  const char *key;
  tb_log_field_kind kind;
  const char *str;
  size_t len;
  long long num;
  double real;
} tb_log_field;

#define TB_LOG_S(k, v)                                                         \
  ((tb_log_field){.key = (k), .kind = TB_LOG_FIELD_STR, .str = (v)})
#define TB_LOG_SN(k, v, n)                                                     \
  ((tb_log_field){                                                             \
      .key = (k), .kind = TB_LOG_FIELD_STRN, .str = (v), .len = (n)})
#define TB_LOG_I(k, v)                                                         \
  ((tb_log_field){.key = (k), .kind = TB_LOG_FIELD_INT, .num = (long long)(v)})
#define TB_LOG_F(k, v)                                                         \
  ((tb_log_field){.key = (k), .kind = TB_LOG_FIELD_REAL, .real = (double)(v)})
#define TB_LOG_B(k, v)                                                         \
  ((tb_log_field){.key = (k), .kind = TB_LOG_FIELD_BOOL, .num = (v) ? 1 : 0})

/* ---- writing ------------------------------------------------------------ */

/* One line: module (e.g. "store"), a constant message, no fields. */
void tb_log(tb_log_level level, const char *module, const char *msg);

/* One line with n fields (in this order, after the message). */
void tb_log_fields(tb_log_level level, const char *module, const char *msg,
                   const tb_log_field *fields, size_t n);

/* One line with the fields written as arguments:
 *   tb_log_kv(TB_LOG_WARN, "store", "statement failed",
 *             TB_LOG_S("statement", name), TB_LOG_I("attempt", i));  */
#define tb_log_kv(level, module, msg, ...)                                     \
  tb_log_fields((level), (module), (msg), (const tb_log_field[]){__VA_ARGS__}, \
                sizeof((const tb_log_field[]){__VA_ARGS__}) /                  \
                    sizeof(tb_log_field))

/* The line tb_log_fields hands to the sink, written into out (cap bytes,
 * at least TB_LOG_FORMAT_MIN; the bound is cap instead of
 * TB_LOG_LINE_MAX), NUL-terminated. Returns its length, the newline
 * included; 0 (and nothing written) when cap is too small. Pure: no
 * level check, no sink. */
size_t tb_log_format(char *out, size_t cap, tb_log_level level,
                     const char *module, const char *msg,
                     const tb_log_field *fields, size_t n);

#endif /* TB_LOG_H */
