/*
 * tb_wf_xml.c — reading workflow XML safely: the size cap, the encoding
 * and markup checks made on the raw bytes, libxml2 parsing with every
 * external access disabled and its messages captured, the depth and length
 * caps, and validation against the compiled-in workflow.xsd.
 *
 * Order of defence: (1) bytes — size, UTF-8 only, no DOCTYPE or other
 * markup declaration, at most TB_WORKFLOWS_MAX_ATTRIBUTES attributes per
 * tag (libxml2 2.9 checks duplicate attributes in quadratic time); (2)
 * parse — XML_PARSE_NONET, no NOENT / DTDLOAD / HUGE, a SAX hook that
 * refuses any DOCTYPE and stops past TB_WORKFLOWS_MAX_DEPTH, an external
 * entity loader that refuses everything; (3) tree — value lengths and the
 * root element; (4) the schema.
 */
#include "tb_wf_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlversion.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if LIBXML_VERSION >= 21200
typedef const xmlError tb_xml_error;
#else
typedef xmlError tb_xml_error;
#endif

#define TODO_SYNTAX "fix the XML syntax"
#define TODO_SCHEMA "see workflows/README.md for what the element allows"
#define TODO_UTF8 "save the file as UTF-8"

/* ------------------------------------------------------------------------
 * Reading a file
 * ---------------------------------------------------------------------- */

char *tb_wf_read_file(tb_wf_ctx *cx, const char *path, size_t *len) {
  *len = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    tb_wf_problem(cx, 0, "check the path", "could not open the file: %s",
                  strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    tb_wf_problem(cx, 0, "name a workflow definition file",
                  "not a regular file");
    close(fd);
    return NULL;
  }
  if (st.st_size > TB_WORKFLOWS_MAX_BYTES) {
    tb_wf_problem(cx, 0, "a workflow file is a few kilobytes; check the file",
                  "the file has %lld bytes, more than the %d allowed",
                  (long long)st.st_size, TB_WORKFLOWS_MAX_BYTES);
    close(fd);
    return NULL;
  }
  /* Read at most one byte more than allowed: the file may have grown. */
  size_t cap = (size_t)TB_WORKFLOWS_MAX_BYTES + 1, n = 0;
  char *buf = tb_xmalloc(cap);
  for (;;) {
    ssize_t got = read(fd, buf + n, cap - n);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      tb_wf_problem(cx, 0, "check the file", "could not read the file: %s",
                    strerror(errno));
      free(buf);
      close(fd);
      return NULL;
    }
    if (got == 0)
      break;
    n += (size_t)got;
    if (n == cap)
      break;
  }
  close(fd);
  if (n > TB_WORKFLOWS_MAX_BYTES) {
    tb_wf_problem(cx, 0, "a workflow file is a few kilobytes; check the file",
                  "the file has more than the %d bytes allowed",
                  TB_WORKFLOWS_MAX_BYTES);
    free(buf);
    return NULL;
  }
  *len = n;
  return buf;
}

/* ------------------------------------------------------------------------
 * Checks on the raw bytes
 * ---------------------------------------------------------------------- */

static int line_at(const char *s, size_t off) {
  int line = 1;
  for (size_t i = 0; i < off; i++)
    if (s[i] == '\n')
      line++;
  return line;
}

static bool check_utf16_32(tb_wf_ctx *cx, const unsigned char *s, size_t len) {
  const char *kind = NULL;
  if (len >= 4 && s[0] == 0 && s[1] == 0 && s[2] == 0xFE && s[3] == 0xFF)
    kind = "UTF-32";
  else if (len >= 4 && s[0] == 0xFF && s[1] == 0xFE && s[2] == 0 && s[3] == 0)
    kind = "UTF-32";
  else if (len >= 2 &&
           ((s[0] == 0xFE && s[1] == 0xFF) || (s[0] == 0xFF && s[1] == 0xFE)))
    kind = "UTF-16";
  else if (len >= 2 &&
           ((s[0] == '<' && s[1] == 0) || (s[0] == 0 && s[1] == '<')))
    kind = "UTF-16";
  if (!kind)
    return true;
  tb_wf_problem(cx, 1, TODO_UTF8, "the file is %s text; only UTF-8 is accepted",
                kind);
  return false;
}

static bool check_utf8(tb_wf_ctx *cx, const char *data, size_t len) {
  const unsigned char *s = (const unsigned char *)data;
  if (!check_utf16_32(cx, s, len))
    return false;
  for (size_t i = 0; i < len;) {
    if (s[i] == 0) {
      tb_wf_problem(cx, line_at(data, i), TODO_UTF8,
                    "NUL byte at offset %zu: this is not a text file in "
                    "UTF-8",
                    i);
      return false;
    }
    size_t n = tb_utf8_decode(data + i, len - i, NULL);
    if (n == 0) {
      tb_wf_problem(cx, line_at(data, i), TODO_UTF8,
                    "invalid UTF-8 byte 0x%02X at offset %zu", s[i], i);
      return false;
    }
    i += n;
  }
  return true;
}

static bool ascii_iequal(const char *a, size_t len, const char *b) {
  if (strlen(b) != len)
    return false;
  for (size_t i = 0; i < len; i++) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z')
      x = (char)(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z')
      y = (char)(y - 'a' + 'A');
    if (x != y)
      return false;
  }
  return true;
}

static bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The XML declaration may name no encoding or UTF-8, nothing else. */
static bool check_declared_encoding(tb_wf_ctx *cx, const char *s, size_t len) {
  size_t i = 0;
  if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
    i = 3;
  if (len - i < 6 || memcmp(s + i, "<?xml", 5) != 0 || !is_space(s[i + 5]))
    return true;
  size_t end = i;
  while (end + 1 < len && end < i + 256 &&
         !(s[end] == '?' && s[end + 1] == '>'))
    end++;
  const char *decl = s + i;
  size_t dlen = end - i;
  const char *enc = memmem(decl, dlen, "encoding", 8);
  if (!enc)
    return true;
  size_t k = (size_t)(enc - decl) + 8;
  while (k < dlen && (is_space(decl[k]) || decl[k] == '='))
    k++;
  if (k >= dlen || (decl[k] != '"' && decl[k] != '\''))
    return true; /* malformed: libxml2 reports it */
  char quote = decl[k++];
  size_t start = k;
  while (k < dlen && decl[k] != quote)
    k++;
  size_t n = k - start;
  if (ascii_iequal(decl + start, n, "UTF-8") ||
      ascii_iequal(decl + start, n, "UTF8"))
    return true;
  tb_wf_problem(cx, line_at(s, (size_t)(enc - s)),
                "declare encoding=\"UTF-8\" (or none) and save the file as "
                "UTF-8",
                "the XML declaration names the encoding '%.*s'; only UTF-8 "
                "is accepted",
                (int)(n > 40 ? 40 : n), decl + start);
  return false;
}

static size_t find(const char *s, size_t len, size_t from, const char *what) {
  size_t wl = strlen(what);
  if (from > len)
    return len;
  const char *hit = memmem(s + from, len - from, what, wl);
  return hit ? (size_t)(hit - s) : len;
}

static bool starts(const char *s, size_t len, size_t at, const char *what) {
  size_t wl = strlen(what);
  return len - at >= wl && memcmp(s + at, what, wl) == 0;
}

/* Scan one start tag from s[i] == '<'; returns the offset after it, or 0
 * when it has too many attributes. */
static size_t scan_tag(tb_wf_ctx *cx, const char *s, size_t len, size_t i) {
  size_t start = i++, attrs = 0;
  char quote = 0;
  for (; i < len; i++) {
    char c = s[i];
    if (quote) {
      if (c == quote)
        quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '=') {
      attrs++;
    } else if (c == '>' || c == '<') {
      break;
    }
  }
  if (attrs > TB_WORKFLOWS_MAX_ATTRIBUTES) {
    tb_wf_problem(cx, line_at(s, start),
                  "no element of the language has that many",
                  "an element has %zu attributes; at most %d are allowed",
                  attrs, TB_WORKFLOWS_MAX_ATTRIBUTES);
    return 0;
  }
  return i;
}

/* Refuse markup declarations (<!DOCTYPE, <!ENTITY …) and tags with too
 * many attributes; skip comments, CDATA sections and processing
 * instructions. Malformed markup is left to libxml2. */
static bool check_markup(tb_wf_ctx *cx, const char *s, size_t len) {
  size_t i = 0;
  while (i < len) {
    size_t lt = find(s, len, i, "<");
    if (lt >= len)
      return true;
    if (starts(s, len, lt, "<!--"))
      i = find(s, len, lt + 4, "-->") + 3;
    else if (starts(s, len, lt, "<![CDATA["))
      i = find(s, len, lt + 9, "]]>") + 3;
    else if (starts(s, len, lt, "<?"))
      i = find(s, len, lt + 2, "?>") + 2;
    else if (starts(s, len, lt, "<!")) {
      tb_wf_problem(cx, line_at(s, lt),
                    "remove it: workflow files use no DTD and no entities",
                    "DOCTYPE and other markup declarations are not allowed");
      return false;
    } else if ((i = scan_tag(cx, s, len, lt)) == 0)
      return false;
  }
  return true;
}

/* ------------------------------------------------------------------------
 * libxml2 messages
 * ---------------------------------------------------------------------- */

/* Copy a libxml2 message without the namespace noise, on one line, lower
 * case first, no trailing period. */
static void clean_message(const char *in, char *out, size_t size) {
  static const char ns[] = "{" TB_WORKFLOWS_NAMESPACE "}";
  size_t o = 0;
  if (!in)
    in = "unknown error";
  while (*in && o + 1 < size) {
    if (strncmp(in, ns, sizeof ns - 1) == 0) {
      in += sizeof ns - 1;
      continue;
    }
    char c = *in++;
    out[o++] = (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  }
  out[o] = '\0';
  while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '.'))
    out[--o] = '\0';
  /* "Element 'x': This element …" reads "element 'x': this element …" */
  for (size_t i = 0; i < o; i++) {
    bool starts_part = i == 0 || (i >= 2 && out[i - 1] == ' ' &&
                                  (out[i - 2] == ':' || out[i - 2] == ']'));
    if (starts_part && out[i] >= 'A' && out[i] <= 'Z' && out[i + 1] >= 'a' &&
        out[i + 1] <= 'z')
      out[i] = (char)(out[i] - 'A' + 'a');
  }
}

typedef struct {
  tb_wf_ctx *cx;
  size_t base; /* cx->added when the read began */
  const char *todo;
  bool silenced; /* the parse was stopped on purpose: drop what follows */
  int depth;
  startElementNsSAX2Func start;
  endElementNsSAX2Func end;
  char generic[256]; /* unstructured messages, gathered */
  int last_line;     /* to drop repeated messages */
  char last[400];
} xml_state;

/* No problem reported since the read began. */
static bool clean(const xml_state *st) {
  return st->cx->added == st->base;
}

static void report(xml_state *st, tb_xml_error *err) {
  char msg[400];
  if (st->silenced || !err)
    return;
  clean_message(err->message, msg, sizeof msg);
  if (err->line == st->last_line && strcmp(msg, st->last) == 0)
    return;
  st->last_line = err->line;
  snprintf(st->last, sizeof st->last, "%s", msg);
  tb_wf_problem(st->cx, err->line, st->todo, "%s", msg);
}

static void on_error(void *data, tb_xml_error *err) {
  report(data, err);
}

static void on_parser_error(void *ctx, tb_xml_error *err) {
  xmlParserCtxtPtr ctxt = ctx;
  report(ctxt->_private, err);
}

static void on_generic(void *data, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void on_generic(void *data, const char *fmt, ...) {
  xml_state *st = data;
  size_t used = strlen(st->generic);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(st->generic + used, sizeof st->generic - used, fmt, ap);
  va_end(ap);
}

static xmlParserInputPtr refuse_entity(const char *url, const char *id,
                                       xmlParserCtxtPtr ctxt) {
  (void)url;
  (void)id;
  (void)ctxt;
  return NULL;
}

static pthread_once_t loader_once = PTHREAD_ONCE_INIT;

static void install_loader(void) {
  xmlInitParser();
  xmlSetExternalEntityLoader(refuse_entity);
}

/* Route every libxml2 message of this thread to st while it works. */
typedef struct {
  xmlStructuredErrorFunc serror;
  void *serror_ctx;
  xmlGenericErrorFunc generic;
  void *generic_ctx;
} saved_handlers;

static saved_handlers capture(xml_state *st) {
  saved_handlers saved = {xmlStructuredError, xmlStructuredErrorContext,
                          xmlGenericError, xmlGenericErrorContext};
  xmlSetStructuredErrorFunc(st, on_error);
  xmlSetGenericErrorFunc(st, on_generic);
  return saved;
}

static void release(xml_state *st, saved_handlers saved) {
  xmlSetStructuredErrorFunc(saved.serror_ctx, saved.serror);
  xmlSetGenericErrorFunc(saved.generic_ctx, saved.generic);
  if (st->generic[0] && !st->silenced) {
    char msg[300];
    clean_message(st->generic, msg, sizeof msg);
    tb_wf_problem(st->cx, 0, st->todo, "%s", msg);
  }
  st->generic[0] = '\0';
}

/* ------------------------------------------------------------------------
 * Parsing
 * ---------------------------------------------------------------------- */

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                     const xmlChar *uri, int nb_ns, const xmlChar **ns,
                     int nb_attrs, int nb_defaulted, const xmlChar **attrs) {
  xmlParserCtxtPtr ctxt = ctx;
  xml_state *st = ctxt->_private;
  if (++st->depth > TB_WORKFLOWS_MAX_DEPTH) {
    tb_wf_problem(st->cx, ctxt->input ? ctxt->input->line : 0,
                  "no workflow nests that deep; check the file",
                  "elements are nested more than %d deep",
                  TB_WORKFLOWS_MAX_DEPTH);
    st->silenced = true;
    xmlStopParser(ctxt);
    return;
  }
  st->start(ctx, localname, prefix, uri, nb_ns, ns, nb_attrs, nb_defaulted,
            attrs);
  /* libxml2 numbers an element by the line where its start tag ends;
   * messages should point at the line where it begins. */
  xmlParserInputPtr in = ctxt->input;
  if (ctxt->node && in && in->cur && in->base && in->line > 0) {
    int line = in->line;
    for (const xmlChar *p = in->cur; p > in->base && *p != '<'; p--)
      if (p[-1] == '\n')
        line--;
    if (line > 0 && line < 65535)
      ctxt->node->line = (unsigned short)line;
  }
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                   const xmlChar *uri) {
  xmlParserCtxtPtr ctxt = ctx;
  xml_state *st = ctxt->_private;
  if (st->depth-- > TB_WORKFLOWS_MAX_DEPTH)
    return;
  st->end(ctx, localname, prefix, uri);
}

/* Any DOCTYPE (the markup scan refuses them first; this is the net). */
static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *id,
                       const xmlChar *system) {
  (void)name;
  (void)id;
  (void)system;
  xmlParserCtxtPtr ctxt = ctx;
  xml_state *st = ctxt->_private;
  tb_wf_problem(st->cx, ctxt->input ? ctxt->input->line : 0,
                "remove it: workflow files use no DTD and no entities",
                "DOCTYPE declarations are not allowed");
  st->silenced = true;
  xmlStopParser(ctxt);
}

static xmlDocPtr parse(xml_state *st, const char *data, size_t len) {
  xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(data, (int)len);
  if (!ctxt) {
    tb_wf_problem(st->cx, 0, "try again", "could not start the XML parser");
    return NULL;
  }
  xmlCtxtUseOptions(ctxt,
                    XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES);
  ctxt->_private = st;
  xmlSAXHandler *sax = ctxt->sax;
  st->start = sax->startElementNs;
  st->end = sax->endElementNs;
  sax->startElementNs = on_start;
  sax->endElementNs = on_end;
  sax->internalSubset = on_doctype;
  sax->externalSubset = NULL;
  sax->serror = on_parser_error;
  xmlParseDocument(ctxt);
  xmlDocPtr doc = ctxt->myDoc;
  ctxt->myDoc = NULL;
  bool ok = ctxt->wellFormed && !st->silenced && clean(st);
  if (!ok && clean(st))
    tb_wf_problem(st->cx, ctxt->input ? ctxt->input->line : 0, TODO_SYNTAX,
                  "the file is not well-formed XML");
  xmlFreeParserCtxt(ctxt);
  if (!ok) {
    xmlFreeDoc(doc);
    return NULL;
  }
  return doc;
}

/* ------------------------------------------------------------------------
 * The tree: value lengths and the root
 * ---------------------------------------------------------------------- */

static size_t value_length(const xmlNode *n) {
  size_t len = 0;
  for (const xmlNode *c = n; c; c = c->next)
    if (c->content)
      len += strlen((const char *)c->content);
  return len;
}

static bool check_lengths(tb_wf_ctx *cx, const xmlNode *root) {
  bool ok = true;
  const xmlNode *n = root;
  while (n) {
    if (n->type == XML_TEXT_NODE && n->content &&
        strlen((const char *)n->content) > TB_WORKFLOWS_MAX_VALUE) {
      tb_wf_problem(cx, tb_wf_line(n), "shorten it",
                    "a text is longer than %d bytes", TB_WORKFLOWS_MAX_VALUE);
      ok = false;
    }
    if (n->type == XML_ELEMENT_NODE)
      for (const xmlAttr *a = n->properties; a; a = a->next)
        if (value_length(a->children) > TB_WORKFLOWS_MAX_VALUE) {
          tb_wf_problem(cx, tb_wf_line(n), "shorten it",
                        "attribute '%s' is longer than %d bytes",
                        (const char *)a->name, TB_WORKFLOWS_MAX_VALUE);
          ok = false;
        }
    /* depth-first, iteratively (depth is capped anyway) */
    if (n->type == XML_ELEMENT_NODE && n->children)
      n = n->children;
    else {
      while (n && n != root && !n->next)
        n = n->parent;
      n = (n && n != root) ? n->next : NULL;
    }
  }
  return ok;
}

static bool check_root(tb_wf_ctx *cx, const xmlNode *root) {
  if (root && (tb_wf_is(root, "service") || tb_wf_is(root, "bureaus") ||
               tb_wf_is(root, "supervision")))
    return true;
  const char *name = root ? (const char *)root->name : "";
  const char *ns =
      root && root->ns && root->ns->href ? (const char *)root->ns->href : "";
  tb_wf_problem(cx, root ? tb_wf_line(root) : 0,
                "the root must be <service xmlns=\"" TB_WORKFLOWS_NAMESPACE
                "\"> (or <bureaus> for the bureau list)",
                "not a tongban workflow: the root element is <%.40s> in "
                "namespace '%.60s'",
                name, ns);
  return false;
}

/* ------------------------------------------------------------------------
 * The schema, compiled once per process
 * ---------------------------------------------------------------------- */

static pthread_mutex_t schema_lock = PTHREAD_MUTEX_INITIALIZER;
static xmlSchemaPtr schema;

static xmlSchemaPtr get_schema(xml_state *st) {
  pthread_mutex_lock(&schema_lock);
  if (!schema) {
    const char *todo = st->todo;
    st->todo = "the embedded workflow.xsd is broken; rebuild tongban";
    xmlSchemaParserCtxtPtr pc =
        xmlSchemaNewMemParserCtxt(tb_wf_schema_xsd, (int)tb_wf_schema_xsd_len);
    if (pc) {
      xmlSchemaSetParserStructuredErrors(pc, on_error, st);
      schema = xmlSchemaParse(pc);
      xmlSchemaFreeParserCtxt(pc);
    }
    st->todo = todo;
    if (!schema)
      tb_wf_problem(st->cx, 0, "rebuild tongban",
                    "could not compile the embedded workflow.xsd");
  }
  xmlSchemaPtr s = schema;
  pthread_mutex_unlock(&schema_lock);
  return s;
}

static bool validate(xml_state *st, xmlDocPtr doc) {
  xmlSchemaPtr s = get_schema(st);
  if (!s)
    return false;
  xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(s);
  if (!vc) {
    tb_wf_problem(st->cx, 0, "try again", "could not start the validation");
    return false;
  }
  st->todo = TODO_SCHEMA;
  xmlSchemaSetValidStructuredErrors(vc, on_error, st);
  int rc = xmlSchemaValidateDoc(vc, doc);
  xmlSchemaFreeValidCtxt(vc);
  if (rc != 0 && clean(st))
    tb_wf_problem(st->cx, 0, TODO_SCHEMA,
                  "the file does not match workflow.xsd");
  return rc == 0 && clean(st);
}

/* ------------------------------------------------------------------------
 * The whole read
 * ---------------------------------------------------------------------- */

xmlDocPtr tb_wf_xml_read(tb_wf_ctx *cx, const char *data, size_t len) {
  size_t before = cx->added;
  xmlDocPtr doc = NULL;
  if (len == 0) {
    tb_wf_problem(cx, 0, "write a workflow definition into it",
                  "the file is empty");
  } else if (len > TB_WORKFLOWS_MAX_BYTES) {
    tb_wf_problem(cx, 0, "a workflow file is a few kilobytes; check the file",
                  "the file has %zu bytes, more than the %d allowed", len,
                  TB_WORKFLOWS_MAX_BYTES);
  } else if (check_utf8(cx, data, len) &&
             check_declared_encoding(cx, data, len) &&
             check_markup(cx, data, len)) {
    pthread_once(&loader_once, install_loader);
    xml_state st = {.cx = cx, .base = before, .todo = TODO_SYNTAX};
    saved_handlers saved = capture(&st);
    doc = parse(&st, data, len);
    if (doc) {
      xmlNode *root = xmlDocGetRootElement(doc);
      if (!check_lengths(cx, root) || !check_root(cx, root) ||
          !validate(&st, doc)) {
        xmlFreeDoc(doc);
        doc = NULL;
      }
    }
    release(&st, saved);
  }
  if (doc && cx->added != before) {
    xmlFreeDoc(doc);
    doc = NULL;
  }
  return doc;
}

/* ------------------------------------------------------------------------
 * Tree helpers
 * ---------------------------------------------------------------------- */

int tb_wf_line(const xmlNode *n) {
  long line = n ? xmlGetLineNo(n) : 0;
  return line > 0 && line < 1000000000 ? (int)line : 0;
}

bool tb_wf_is(const xmlNode *n, const char *name) {
  return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
         strcmp((const char *)n->ns->href, TB_WORKFLOWS_NAMESPACE) == 0 &&
         strcmp((const char *)n->name, name) == 0;
}

static xmlNode *from(const xmlNode *n, const char *name) {
  for (; n; n = n->next)
    if (tb_wf_is(n, name))
      return (xmlNode *)n;
  return NULL;
}

xmlNode *tb_wf_first(const xmlNode *parent, const char *name) {
  return parent ? from(parent->children, name) : NULL;
}

xmlNode *tb_wf_next(const xmlNode *n, const char *name) {
  return n ? from(n->next, name) : NULL;
}

size_t tb_wf_count(const xmlNode *parent, const char *name) {
  size_t count = 0;
  for (xmlNode *n = tb_wf_first(parent, name); n; n = tb_wf_next(n, name))
    count++;
  return count;
}

static const char *trimmed_copy(tb_arena *a, const xmlChar *value) {
  const char *s = (const char *)value;
  size_t len = strlen(s);
  while (len && is_space(*s)) {
    s++;
    len--;
  }
  while (len && is_space(s[len - 1]))
    len--;
  return tb_arena_strndup(a, s, len);
}

const char *tb_wf_attr(tb_arena *a, const xmlNode *n, const char *name) {
  xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
  if (!v)
    return NULL;
  const char *copy = trimmed_copy(a, v);
  xmlFree(v);
  return copy;
}

const char *tb_wf_text(tb_arena *a, const xmlNode *n) {
  xmlChar *v = xmlNodeGetContent(n);
  if (!v)
    return tb_arena_strdup(a, "");
  const char *copy = trimmed_copy(a, v);
  xmlFree(v);
  return copy;
}
