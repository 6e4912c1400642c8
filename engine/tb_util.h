/*
 * tb_util.h — the one utility layer: UTF-8, hex, base64url, form
 * (query) encoding, a bounded growable buffer and RFC 8785 canonical JSON.
 * Every module uses these; a second copy anywhere else in the tree is a defect
 * (DESIGN.md, "Conventions"). libc only, no I/O; fuzzed by
 * tests/fuzz/fuzz_util.c.
 *
 * Ownership: nothing here keeps a pointer it was given. A tb_buf owns its
 * bytes until tb_buf_free or tb_buf_take hands them over (free() them).
 */
#ifndef TB_UTIL_H
#define TB_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------
 * UTF-8 (RFC 3629): no overlong forms, no surrogates (U+D800..U+DFFF), no
 * code point above U+10FFFF. Every function below applies these rules.
 * ---------------------------------------------------------------------- */

/* The length (1..4) of the valid sequence at the start of s[0..len), and
 * its code point in *cp (cp may be NULL); 0 when the bytes there are not
 * a valid sequence (or len is 0), and *cp is then untouched. */
size_t tb_utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Whether s[0..len) is valid UTF-8. When it is not and bad is not NULL,
 * *bad is the offset of the first byte that starts no valid sequence. */
bool tb_utf8_valid(const char *s, size_t len, size_t *bad);

/* The number of code points of s[0..len) in *count; false (and *count
 * untouched) when s is not valid UTF-8. */
bool tb_utf8_count(const char *s, size_t len, size_t *count);

/* The length of the longest prefix of s[0..len) that is at most max bytes
 * and does not end inside a valid sequence (for cutting text to a size). */
size_t tb_utf8_cut(const char *s, size_t len, size_t max);

/* Replace, in place, every byte of s[0..len) that is not part of a valid
 * sequence by '?', so that the result is valid UTF-8 of the same length. */
void tb_utf8_scrub(char *s, size_t len);

/* Whether s[0..len) holds nothing a person can read: only white space
 * (ASCII space, tab, CR, LF, VT, FF; U+00A0; U+3000, the ideographic
 * space a Chinese input method types), or nothing at all. Invalid
 * UTF-8 is not blank. */
bool tb_utf8_blank(const char *s, size_t len);

/* ------------------------------------------------------------------------
 * Hex
 * ---------------------------------------------------------------------- */

/* n bytes as 2n lower-case hex digits and a NUL: out has 2n + 1 bytes. */
void tb_hex_encode(const void *in, size_t n, char *out);

/* Exactly n bytes from hex[0..len): len must be 2n and every character a
 * hex digit of either case; false otherwise (out is then unspecified). */
bool tb_hex_decode(const char *hex, size_t len, void *out, size_t n);

/* ------------------------------------------------------------------------
 * base64url without padding (RFC 4648 §5)
 * ---------------------------------------------------------------------- */

/* The length of the encoding of n bytes (no padding, no NUL). */
#define TB_B64URL_LEN(n) (((n) / 3) * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))

/* Encode n bytes into out (TB_B64URL_LEN(n) + 1 bytes: a NUL ends it);
 * returns the length written. */
size_t tb_b64url_encode(const void *in, size_t n, char *out);

/* Decode text[0..len) into out (cap bytes) and its length into *out_len.
 * Strict: only the 64 characters of the alphabet, no padding, no length
 * that leaves 1 character over, the unused low bits of the last
 * character zero; false otherwise or when the result exceeds cap. */
bool tb_b64url_decode(const char *text, size_t len, void *out, size_t cap,
                      size_t *out_len);

/* ------------------------------------------------------------------------
 * Query values as application/x-www-form-urlencoded reads them (the
 * WHATWG URL standard's parser, URLSearchParams)
 * ---------------------------------------------------------------------- */

typedef struct tb_buf tb_buf;

/* Append s[0..len) encoded to b: ASCII letters, digits and "-._~*$/:"
 * as they are (all allowed in an RFC 3986 query and without meaning in
 * a form), a space as '+', every other byte as %XX (upper-case hex).
 * false when b overflowed. */
bool tb_form_encode(tb_buf *b, const char *s, size_t len);

/* Decode s[0..len) into out (cap bytes, not NUL-terminated) and its
 * length into *out_len: '+' is a space, %XX a byte (either case of hex).
 * Strict: false for a '%' not followed by two hex digits, or when the
 * result exceeds cap. The bytes may hold anything (NUL too): check them. */
bool tb_form_decode(const char *s, size_t len, char *out, size_t cap,
                    size_t *out_len);

/* ------------------------------------------------------------------------
 * A growable byte buffer with a maximum (curl's dynbuf). The maximum is
 * named where the buffer is created; an append that would pass it fails,
 * marks the buffer overflowed, and every later append fails too (the
 * buffer never grows again). Memory comes from the aborting allocator.
 * ---------------------------------------------------------------------- */
struct tb_buf {
  char *data;    /* NULL before the first append; NUL-terminated after */
  size_t len;    /* bytes held, the NUL not counted */
  size_t cap;    /* bytes allocated */
  size_t max;    /* the most bytes len may reach */
  bool overflow; /* an append was refused; the buffer is finished */
};

/* An empty buffer that will hold at most max bytes. */
void tb_buf_init(tb_buf *b, size_t max);
/* Free the bytes; the buffer is empty again (same maximum, not
 * overflowed) and may be reused. */
void tb_buf_free(tb_buf *b);
/* Forget the content but keep the memory (and the maximum); clears the
 * overflow mark. */
void tb_buf_reset(tb_buf *b);

/* Append len bytes / a NUL-terminated string / printf output. false when
 * the buffer is (or would become) longer than its maximum: nothing of
 * this append is kept and the buffer stays overflowed. */
bool tb_buf_add(tb_buf *b, const void *data, size_t len);
bool tb_buf_adds(tb_buf *b, const char *s);
bool tb_buf_addf(tb_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The content as a string: "" when nothing was appended. Valid until the
 * next append or free. */
const char *tb_buf_str(const tb_buf *b);

/* Hand the bytes over (malloc'ed, NUL-terminated, free() them) with their
 * length in *len (len may be NULL); the buffer is empty afterwards. NULL
 * when the buffer overflowed (its bytes are then freed). */
char *tb_buf_take(tb_buf *b, size_t *len);

/* ------------------------------------------------------------------------
 * JSON: RFC 8785 canonical form (JCS)
 *
 * tb_json_canonical writes one JSON text in the canonical form that
 * signatures and the audit chain hash: no insignificant white space;
 * object members sorted by the UTF-16 code units of their names; strings
 * as UTF-8 with exactly the escapes \b \f \n \r \t \" \\ and \u00xx
 * (lower-case hex) for the other control characters; numbers as
 * ECMAScript's Number.prototype.toString writes the IEEE 754 double
 * nearest to them (the shortest digits that round-trip, "1e+21",
 * "0.000001", "-0" as "0").
 *
 * Refused: anything that is not one RFC 8259 JSON text, invalid UTF-8 and
 * \u escapes naming a lone surrogate (TB_JSON_UTF8), duplicate member
 * names after unescaping (TB_JSON_DUPLICATE), numbers that overflow a
 * double, integer literals (no fraction, no exponent) that a double
 * cannot hold exactly — so an identifier is never silently rounded — and
 * number literals longer than TB_JSON_MAX_NUMBER characters
 * (TB_JSON_NUMBER), nesting deeper than TB_JSON_MAX_DEPTH (TB_JSON_DEPTH),
 * and input longer than TB_JSON_MAX_TEXT bytes or output past the
 * buffer's maximum (TB_JSON_TOO_LARGE).
 * ---------------------------------------------------------------------- */

#define TB_JSON_MAX_TEXT (4 * 1024 * 1024) /* bytes of input */
#define TB_JSON_MAX_DEPTH 64               /* nested arrays and objects */
#define TB_JSON_MAX_NUMBER 128             /* characters of one number */

typedef enum {
  TB_JSON_OK = 0,
  TB_JSON_SYNTAX,    /* not one well-formed JSON text */
  TB_JSON_UTF8,      /* invalid UTF-8, or a \u escape of a lone surrogate */
  TB_JSON_DUPLICATE, /* an object names a member twice */
  TB_JSON_NUMBER,    /* a number out of range or not held exactly */
  TB_JSON_DEPTH,     /* nested too deep */
  TB_JSON_TOO_LARGE  /* input or output past its maximum */
} tb_json_status;

/* "ok", "syntax", "utf8", "duplicate", "number", "depth", "too_large". */
const char *tb_json_status_name(tb_json_status st);

/* Append the canonical form of the JSON text text[0..len) to out. On any
 * status but TB_JSON_OK nothing is appended (except that an output past
 * the maximum leaves out overflowed). */
tb_json_status tb_json_canonical(const char *text, size_t len, tb_buf *out);

/* Append s[0..len) as a JSON string with the canonical escapes above.
 * false when s is not valid UTF-8 (nothing appended) or out overflowed. */
bool tb_json_put_string(tb_buf *out, const char *s, size_t len);

#endif /* TB_UTIL_H */
