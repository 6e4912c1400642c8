/*
 * api_filetype.h — what an uploaded file is, decided from its bytes alone
 * (never from the client's name or Content-Type): a PDF, a JPEG or a PNG,
 * checked the whole way through so that a truncated file, a file of
 * another type under a .pdf name or a decompression bomb is refused
 * before anything is stored (api/api_filetype.c).
 *
 *  - PDF: the header "%PDF-1.x" / "%PDF-2.0" at the start; the trailer
 *    "startxref", an offset inside the file that points at "xref" or at
 *    an object ("N G obj", a cross-reference stream), and "%%EOF" in the
 *    last 1024 bytes with only white space after it.
 *  - PNG: decoded in full by libpng, row by row, with its user limits on
 *    width and height and a cap on ancillary chunk sizes; every CRC is
 *    checked and nothing may follow IEND.
 *  - JPEG: decoded in full by libjpeg-turbo, row by row, with limits on
 *    width, height and pixels, on the decoder's memory and on the number
 *    of progressive scans; a warning of corrupt data (a truncated file)
 *    is a refusal, but for stray bytes before a marker (common in
 *    cameras' files). Bytes after the end-of-image marker are allowed
 *    (phones append their own data there).
 *
 * Also the file's name as people read it (api_filename_clean) and the
 * Content-Disposition header that carries it (api_filename_disposition).
 *
 * Ownership: nothing is allocated that outlives a call; inputs are only
 * read. Thread-safe.
 */
#ifndef API_FILETYPE_H
#define API_FILETYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
  API_FILETYPE_OK = 0,
  API_FILETYPE_EMPTY,   /* no bytes */
  API_FILETYPE_UNKNOWN, /* not a PDF, JPEG or PNG */
  API_FILETYPE_DAMAGED  /* starts like one, but is truncated, corrupt, or
                           decodes to an image over the limits */
} api_filetype_status;

typedef enum {
  API_FILE_NONE = 0,
  API_FILE_PDF,
  API_FILE_JPEG,
  API_FILE_PNG
} api_file_kind;

typedef struct {
  uint32_t max_width, max_height; /* 0: 20000 each */
  uint64_t max_pixels;            /* 0: 100 million */
} api_filetype_limits;

typedef struct {
  api_file_kind kind;
  const char *media_type; /* "application/pdf", "image/jpeg", "image/png";
                             a static string; NULL unless OK */
  const char *extension;  /* ".pdf", ".jpg", ".png"; NULL unless OK */
  uint32_t width, height; /* images */
  char why[160];          /* what is wrong, in English, lower case */
} api_filetype;

/* Decide and check the type of data[0..len) under lim (NULL: the
 * defaults). out is always filled. */
api_filetype_status api_filetype_detect(const uint8_t *data, size_t len,
                                        const api_filetype_limits *lim,
                                        api_filetype *out);

/* The most bytes of a cleaned name. */
#define API_FILENAME_MAX 240

/* A file name as people read it, never used as a path: the part after
 * the last '/' or '\\', invalid UTF-8 replaced, control characters
 * (C0, DEL, C1, line and paragraph separators, bidirectional
 * overrides) removed, leading dots and spaces and trailing spaces
 * removed, cut to at most 100 characters at a character boundary while
 * keeping a short extension. Empty (or NULL) becomes "未命名" followed by
 * fallback_ext (e.g. ".pdf"). out has API_FILENAME_MAX + 1 bytes. */
void api_filename_clean(const char *name, const char *fallback_ext,
                        char out[API_FILENAME_MAX + 1]);

/* "inline" or "attachment" with filename*=UTF-8''<percent-encoded name>
 * (RFC 6266, RFC 8187) and an ASCII filename= fallback; false when it
 * does not fit in cap bytes. */
bool api_filename_disposition(const char *name, bool attachment, char *out,
                              size_t cap);

#endif /* API_FILETYPE_H */
