/*
 * test_hostile.c — what an attacker would feed the workflow loader: entity
 * expansion, external DTDs and entities (files and http), parameter
 * entities, XInclude, deep nesting, huge values, too many attributes, bad
 * encodings, truncation at every offset and random corruption.
 *
 * Every input must be refused (or loaded) cleanly: no crash (the suite
 * runs under ASan and UBSan), a problem list that reads well, nothing
 * printed on stderr, no file opened (an inotify watch on a canary file
 * that the documents point at, as they point at /etc/passwd; /etc/passwd
 * itself cannot be watched, other processes read it) and no connection
 * made (a listening socket on 127.0.0.1 that every URL points at).
 */
#include "tb_test.h"
#include "tb_workflows.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static tb_bureau_list *bureaus;
static tb_workflows_problems ps;

static char canary[64]; /* a file nobody may open */
static const char canary_text[] = "TONGBAN-CANARY-CONTENT";
static int watch_fd = -1;  /* inotify on the canary */
static int listen_fd = -1; /* 127.0.0.1:port, where every URL points */
static int port;

static const char *shipped[] = {"workflows/qykb.xml", "workflows/sgxk.xml",
                                "workflows/spjy.xml", "workflows/cssj.xml"};
enum { N_SHIPPED = sizeof shipped / sizeof shipped[0] };
static char *shipped_data[N_SHIPPED];
static size_t shipped_len[N_SHIPPED];

/* ------------------------------------------------------------------------
 * Harness
 * ---------------------------------------------------------------------- */

static void show_problems(void) {
  char buf[1024];
  for (size_t i = 0; i < ps.n && i < 8; i++) {
    tb_workflows_problem_format(&ps.items[i], buf, sizeof buf);
    printf("#   %s\n", buf);
  }
}

static bool valid_utf8(const char *s) {
  const unsigned char *u = (const unsigned char *)s;
  while (*u) {
    int n = *u < 0x80             ? 1
            : (*u & 0xE0) == 0xC0 ? 2
            : (*u & 0xF0) == 0xE0 ? 3
            : (*u & 0xF8) == 0xF0 ? 4
                                  : 0;
    if (n == 0 || (n == 2 && *u < 0xC2))
      return false;
    for (int i = 1; i < n; i++)
      if ((u[i] & 0xC0) != 0x80)
        return false;
    u += n;
  }
  return true;
}

static bool problems_well_formed(void) {
  for (size_t i = 0; i < ps.n; i++) {
    const tb_workflows_problem *p = &ps.items[i];
    if (!p->file || !p->what || !p->todo || !p->what[0] || p->line < 0)
      return false;
    if (!valid_utf8(p->file) || !valid_utf8(p->what) || !valid_utf8(p->todo))
      return false;
    if (strstr(p->what, canary_text) || strstr(p->what, "root:x:0"))
      return false; /* a file's content leaked into a message */
  }
  return true;
}

/* Load bytes as a definition; check the outcome is consistent. */
static tb_status load(const char *data, size_t len) {
  tb_definition *def = NULL;
  tb_workflows_problems_free(&ps);
  tb_status st =
      tb_workflows_load_buffer("hostile.xml", data, len, bureaus, &def, &ps);
  if (st == TB_OK)
    TB_CHECK(def && ps.n == 0);
  else
    TB_CHECK(st == TB_ERR_INVALID && !def && ps.n > 0);
  TB_CHECK(problems_well_formed());
  if (def) {
    TB_CHECK(def->n_fields <= TB_MAX_FIELDS);
    TB_CHECK(def->n_branches <= TB_MAX_BRANCHES);
  }
  tb_definition_free(def);
  return st;
}

static bool has(const char *text) {
  for (size_t i = 0; i < ps.n; i++)
    if (strstr(ps.items[i].what, text))
      return true;
  return false;
}

/* The document must be refused with a problem containing `text`. */
static void refused_at(const char *data, size_t len, const char *text,
                       const char *where, int at) {
  tb_status st = load(data, len);
  if (st != TB_ERR_INVALID || !has(text)) {
    tb_test_case_failures++;
    printf("# %s:%d: expected a refusal with \"%s\"; got:\n", where, at, text);
    show_problems();
  }
}
#define REFUSED(s, text) refused_at(s, strlen(s), text, __FILE__, __LINE__)
#define REFUSED_N(s, n, text) refused_at(s, n, text, __FILE__, __LINE__)

/* Nothing opened the canary, nothing connected. */
static void check_no_access(void) {
  char buf[4096];
  ssize_t n = read(watch_fd, buf, sizeof buf);
  TB_CHECKF(n < 0 && errno == EAGAIN, "a watched file was opened or read");
  int c = accept(listen_fd, NULL, NULL);
  TB_CHECKF(c < 0, "the loader connected to 127.0.0.1:%d", port);
  if (c >= 0)
    close(c);
}

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *buf = malloc(TB_WORKFLOWS_MAX_BYTES);
  *len = fread(buf, 1, TB_WORKFLOWS_MAX_BYTES, f);
  fclose(f);
  return buf;
}

static void setup(void) {
  snprintf(canary, sizeof canary, "/tmp/tongban-canary-XXXXXX");
  int fd = mkstemp(canary);
  if (fd >= 0) {
    if (write(fd, canary_text, sizeof canary_text - 1) < 0)
      perror("canary");
    close(fd);
  }
  watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  inotify_add_watch(watch_fd, canary, IN_OPEN | IN_ACCESS);
  listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET,
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof addr;
  if (bind(listen_fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
      listen(listen_fd, 8) == 0 &&
      getsockname(listen_fd, (struct sockaddr *)&addr, &alen) == 0)
    port = ntohs(addr.sin_port);
  tb_workflows_problems bp = {0};
  tb_workflows_load_bureaus("workflows/bureaus.xml", &bureaus, &bp);
  tb_workflows_problems_free(&bp);
  for (int i = 0; i < N_SHIPPED; i++)
    shipped_data[i] = read_all(shipped[i], &shipped_len[i]);
}

/* ------------------------------------------------------------------------
 * Cases
 * ---------------------------------------------------------------------- */

static void test_setup(void) {
  TB_CHECK(watch_fd >= 0 && listen_fd >= 0 && port > 0);
  TB_CHECK(bureaus != NULL);
  for (int i = 0; i < N_SHIPPED; i++)
    TB_CHECKF(shipped_data[i] && load(shipped_data[i], shipped_len[i]) == TB_OK,
              "%s", shipped[i]);
  check_no_access();
}

#define SVC_OPEN                                                               \
  "<service xmlns='urn:tongban:workflow:1' id='t' version='1' "                \
  "applicant='person' statutory-days='20' promised-days='10'>"
#define SVC_BODY                                                               \
  "<review><branch id='a' name='审' bureau='GA'><task id='t' name='审' "     \
  "days='1'/></branch></review></service>\n"

static void test_billion_laughs(void) {
  static const char doc[] =
      "<?xml version='1.0'?>\n"
      "<!DOCTYPE service [\n"
      " <!ENTITY lol 'lol'>\n"
      " <!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>\n"
      " <!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>\n"
      " <!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>\n"
      " <!ENTITY lol4 '&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;'>\n"
      " <!ENTITY lol5 '&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;'>\n"
      " <!ENTITY lol6 '&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;'>\n"
      " <!ENTITY lol7 '&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;'>\n"
      " <!ENTITY lol8 '&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;'>\n"
      " <!ENTITY lol9 '&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;'>\n"
      "]>\n" SVC_OPEN "<name a='&lol9;'>&lol9;</name>" SVC_BODY;
  REFUSED(doc, "DOCTYPE");
  TB_CHECK_INT(ps.n, 1);
  TB_CHECK_INT(ps.items[0].line, 2);
  /* the quadratic variant: one big entity referenced many times */
  size_t cap = 200000, used = 0;
  char *q = malloc(cap);
  used += (size_t)snprintf(q, cap, "<!DOCTYPE service [<!ENTITY a '");
  for (int i = 0; i < 20000; i++)
    q[used++] = 'a';
  used += (size_t)snprintf(q + used, cap - used, "'>]>" SVC_OPEN "<name>");
  for (int i = 0; i < 20000 && used + 8 < cap - 200; i++)
    used += (size_t)snprintf(q + used, cap - used, "&a;");
  used += (size_t)snprintf(q + used, cap - used, "</name>" SVC_BODY);
  REFUSED_N(q, used, "DOCTYPE");
  free(q);
  check_no_access();
}

/* Refuse one DOCTYPE form built with a literal format. */
#define REFUSE_FORM(fmt, arg)                                                  \
  do {                                                                         \
    snprintf(doc, sizeof doc, fmt, arg);                                       \
    REFUSED(doc, "are not allowed");                                           \
    check_no_access();                                                         \
  } while (0)

static void test_external_entities(void) {
  char doc[1024];
  /* external general entities: a file, /etc/passwd, http */
  REFUSE_FORM("<!DOCTYPE service [<!ENTITY x SYSTEM 'file://%s'>]>" SVC_OPEN
              "<name>&x;</name>" SVC_BODY,
              canary);
  REFUSE_FORM("<!DOCTYPE service [<!ENTITY x SYSTEM '%s'>]>" SVC_OPEN
              "<name>&x;</name>" SVC_BODY,
              "/etc/passwd");
  REFUSE_FORM(
      "<!DOCTYPE service [<!ENTITY x SYSTEM 'http://127.0.0.1:%d/x'>]>" SVC_OPEN
      "<name>&x;</name>" SVC_BODY,
      port);
  /* external DTDs */
  REFUSE_FORM("<!DOCTYPE service SYSTEM '%s'>" SVC_OPEN
              "<name>x</name>" SVC_BODY,
              canary);
  REFUSE_FORM("<!DOCTYPE service PUBLIC '-//x//y' "
              "'http://127.0.0.1:%d/x.dtd'>" SVC_OPEN "<name>x</name>" SVC_BODY,
              port);
  /* parameter entities, remote, local and internal */
  REFUSE_FORM("<!DOCTYPE service [<!ENTITY %% p SYSTEM "
              "'http://127.0.0.1:%d/p.dtd'> %%p;]>" SVC_OPEN
              "<name>x</name>" SVC_BODY,
              port);
  REFUSE_FORM(
      "<!DOCTYPE service [<!ENTITY %% p SYSTEM 'file://%s'> %%p;]>" SVC_OPEN
      "<name>x</name>" SVC_BODY,
      canary);
  REFUSE_FORM("<!DOCTYPE service [<!ENTITY %% a '<!ENTITY b \"%s\">'> "
              "%%a;]>" SVC_OPEN "<name>&b;</name>" SVC_BODY,
              "x");
  /* an entity declared without a DOCTYPE (ill-formed anyway) */
  REFUSE_FORM("<!ENTITY x SYSTEM '%s'>" SVC_OPEN "<name>x</name>" SVC_BODY,
              canary);
}

static void test_references_without_dtd(void) {
  char doc[2048];
  /* XInclude is never processed; the element is not in the language */
  snprintf(doc, sizeof doc,
           SVC_OPEN "<name>x<xi:include "
                    "xmlns:xi='http://www.w3.org/2001/XInclude' href='%s' "
                    "parse='text'/></name>" SVC_BODY,
           canary);
  REFUSED(doc, "element");
  check_no_access();
  snprintf(doc, sizeof doc,
           SVC_OPEN "<name>x</name><xi:include "
                    "xmlns:xi='http://www.w3.org/2001/XInclude' "
                    "href='http://127.0.0.1:%d/x.xml'/>" SVC_BODY,
           port);
  REFUSED(doc, "element");
  check_no_access();
  /* schemaLocation hints and stylesheets are never fetched */
  snprintf(doc, sizeof doc,
           "<?xml-stylesheet type='text/xsl' href='http://127.0.0.1:%d/s'?>\n"
           "<service xmlns='urn:tongban:workflow:1' "
           "xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' "
           "xsi:schemaLocation='urn:tongban:workflow:1 "
           "http://127.0.0.1:%d/workflow.xsd' id='t' version='1' "
           "applicant='person' statutory-days='20' promised-days='10'>"
           "<name>x</name>" SVC_BODY,
           port, port);
  load(doc, strlen(doc));
  check_no_access();
  /* an undeclared entity is an error, not a lookup */
  REFUSED(SVC_OPEN "<name>&passwd;</name>" SVC_BODY, "passwd");
  check_no_access();
}

static void test_doctype_in_comment_is_fine(void) {
  static const char doc[] =
      "<!-- not a <!DOCTYPE service [<!ENTITY x 'y'>] > -->\n" SVC_OPEN
      "<name><![CDATA[<!DOCTYPE is only text here]]></name>" SVC_BODY;
  TB_CHECK(load(doc, strlen(doc)) == TB_OK);
  if (ps.n)
    show_problems();
}

static void test_deep_nesting(void) {
  enum { DEPTH = 100000 };
  size_t cap = (size_t)DEPTH * 8 + 512, used = 0;
  char *doc = malloc(cap);
  used += (size_t)snprintf(doc, cap, "%s", SVC_OPEN "<name>");
  for (int i = 0; i < DEPTH; i++)
    used += (size_t)snprintf(doc + used, cap - used, "<a>");
  for (int i = 0; i < DEPTH; i++)
    used += (size_t)snprintf(doc + used, cap - used, "</a>");
  used += (size_t)snprintf(doc + used, cap - used, "</name>" SVC_BODY);
  TB_CHECK(used < TB_WORKFLOWS_MAX_BYTES);
  REFUSED_N(doc, used, "nested more than 32 deep");
  TB_CHECK_INT(ps.n, 1);
  /* 32 levels are fine for the reader (the schema then refuses them) */
  used = (size_t)snprintf(doc, cap, "%s", SVC_OPEN "<name>");
  for (int i = 0; i < 30; i++)
    used += (size_t)snprintf(doc + used, cap - used, "<a>");
  for (int i = 0; i < 30; i++)
    used += (size_t)snprintf(doc + used, cap - used, "</a>");
  used += (size_t)snprintf(doc + used, cap - used, "</name>" SVC_BODY);
  REFUSED_N(doc, used, "element");
  TB_CHECK(!has("nested"));
  free(doc);
}

static void test_huge_values(void) {
  /* 50 MB: refused by the size cap before any parsing */
  size_t big = 50u * 1024 * 1024;
  char *doc = malloc(big);
  size_t head = (size_t)snprintf(doc, big, SVC_OPEN "<name a='");
  memset(doc + head, 'A', big - head);
  REFUSED_N(doc, big, "more than the 1048576 allowed");
  TB_CHECK_INT(ps.n, 1);
  free(doc);
  /* the same as a (sparse) file: refused from its size, never read */
  char path[] = "/tmp/tongban-big-XXXXXX";
  int fd = mkstemp(path);
  TB_CHECK(fd >= 0 && ftruncate(fd, (off_t)big) == 0);
  close(fd);
  tb_definition *def = NULL;
  tb_workflows_problems_free(&ps);
  TB_CHECK(tb_workflows_load_file(path, bureaus, &def, &ps) == TB_ERR_INVALID);
  TB_CHECK(def == NULL && has("52428800 bytes"));
  unlink(path);
  /* under the file cap, over the value cap */
  enum { LONG = TB_WORKFLOWS_MAX_VALUE + 10 };
  char *value = malloc(LONG + 1);
  memset(value, 'x', LONG);
  value[LONG] = '\0';
  size_t cap = LONG + 1024;
  doc = malloc(cap);
  size_t n =
      (size_t)snprintf(doc, cap, SVC_OPEN "<name>%s</name>" SVC_BODY, value);
  REFUSED_N(doc, n, "a text is longer than 4096 bytes");
  n = (size_t)snprintf(doc, cap,
                       SVC_OPEN "<name>x</name><review><branch id='a' "
                                "name='%s' bureau='GA'><task id='t' name='审' "
                                "days='1'/></branch></review></service>",
                       value);
  REFUSED_N(doc, n, "attribute 'name' is longer than 4096 bytes");
  free(doc);
  free(value);
}

static void test_many_attributes(void) {
  /* libxml2 2.9 checks duplicate attributes in quadratic time: refused
   * before parsing */
  enum { N = 100000 };
  size_t cap = (size_t)N * 12 + 512, used = 0;
  char *doc = malloc(cap);
  used += (size_t)snprintf(doc, cap, "<service xmlns='urn:tongban:workflow:1'");
  for (int i = 0; i < N && used + 16 < TB_WORKFLOWS_MAX_BYTES - 64; i++)
    used += (size_t)snprintf(doc + used, cap - used, " a%d=''", i);
  used += (size_t)snprintf(doc + used, cap - used, "/>");
  REFUSED_N(doc, used, "attributes; at most 32 are allowed");
  /* namespace declarations count too */
  used = (size_t)snprintf(doc, cap, "<service xmlns='urn:tongban:workflow:1'");
  for (int i = 0; i < 1000; i++)
    used +=
        (size_t)snprintf(doc + used, cap - used, " xmlns:p%d='urn:%d'", i, i);
  used += (size_t)snprintf(doc + used, cap - used, "/>");
  REFUSED_N(doc, used, "attributes; at most 32 are allowed");
  free(doc);
}

static void test_encodings(void) {
  static const char latin1_ascii[] =
      "<?xml version='1.0' encoding='ISO-8859-1'?>\n" SVC_OPEN
      "<name>x</name>" SVC_BODY;
  REFUSED(latin1_ascii, "names the encoding 'ISO-8859-1'");
  TB_CHECK_INT(ps.items[0].line, 1);
  static const char latin1[] =
      "<?xml version='1.0' encoding='latin1'?>\n" SVC_OPEN
      "<name>caf\xE9</name>" SVC_BODY;
  REFUSED(latin1, "invalid UTF-8 byte 0xE9");
  TB_CHECK_INT(ps.items[0].line, 2);
  REFUSED("<?xml version=\"1.0\" encoding=\"UTF-16\"?>" SVC_OPEN
          "<name>x</name>" SVC_BODY,
          "names the encoding 'UTF-16'");
  REFUSED("<?xml version='1.0' encoding='IBM037'?>" SVC_OPEN
          "<name>x</name>" SVC_BODY,
          "names the encoding 'IBM037'");
  /* upper or lower case UTF-8 and a BOM are fine */
  TB_CHECK(
      load("\xEF\xBB\xBF<?xml version='1.0' encoding='utf-8'?>" SVC_OPEN
           "<name>x</name>" SVC_BODY,
           strlen("\xEF\xBB\xBF<?xml version='1.0' encoding='utf-8'?>" SVC_OPEN
                  "<name>x</name>" SVC_BODY)) == TB_OK);
  static const char *const invalid[] = {
      "\xC0\xAF",         /* overlong '/' */
      "\xE0\x80\xAF",     /* overlong */
      "\xED\xA0\x80",     /* a UTF-16 surrogate */
      "\xF4\x90\x80\x80", /* above U+10FFFF */
      "\xF5\x80\x80\x80", /* no such lead byte */
      "\x80",             /* a lone continuation byte */
      "\xFF",
      "\xE4\xB8", /* cut short */
  };
  char doc[512];
  for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
    int n = snprintf(doc, sizeof doc, SVC_OPEN "<name>a%sb</name>" SVC_BODY,
                     invalid[i]);
    REFUSED_N(doc, (size_t)n, "invalid UTF-8 byte");
  }
  /* ... and at the very end of the input */
  int n = snprintf(doc, sizeof doc, SVC_OPEN "<name>x</name>" SVC_BODY "\xE4");
  REFUSED_N(doc, (size_t)n, "invalid UTF-8 byte 0xE4");
  /* UTF-16 and UTF-32, with and without a byte order mark */
  static const char utf16le[] = "\xFF\xFE<\0s\0e\0r\0v\0i\0c\0e\0/\0>\0";
  REFUSED_N(utf16le, sizeof utf16le - 1, "UTF-16");
  static const char utf16be[] = "\0<\0s\0e\0r\0v\0i\0c\0e\0/\0>";
  REFUSED_N(utf16be, sizeof utf16be - 1, "UTF-16");
  static const char utf16nobom[] = "<\0?\0x\0m\0l\0";
  REFUSED_N(utf16nobom, sizeof utf16nobom - 1, "UTF-16");
  static const char utf32[] = "\0\0\xFE\xFF\0\0\0<";
  REFUSED_N(utf32, sizeof utf32 - 1, "UTF-32");
  /* a NUL byte inside */
  n = snprintf(doc, sizeof doc, SVC_OPEN "<name>x</name>" SVC_BODY);
  doc[20] = '\0';
  REFUSED_N(doc, (size_t)n, "NUL byte");
}

static void test_odd_inputs(void) {
  REFUSED_N("", 0, "the file is empty");
  REFUSED("   \n\t\n", "start tag expected");
  REFUSED("just text", "");
  REFUSED("<service", "");
  REFUSED("<?xml version='1.0'?>", "");
  REFUSED("<?xml version='1.0' encoding='", "");
  REFUSED("<!--", "");
  REFUSED("<![CDATA[", "");
  REFUSED("<a b='>", "");
  REFUSED("<a></b>", "");
  REFUSED(SVC_OPEN "<name>x</name>" SVC_BODY "<extra/>", "");
  REFUSED("<?xml version='1.1'?>" SVC_OPEN "<name>x</name>" SVC_BODY, "");
  REFUSED(SVC_OPEN "<name>\x01</name>" SVC_BODY, "");
  REFUSED(SVC_OPEN "<name>&#0;</name>" SVC_BODY, "");
  REFUSED(SVC_OPEN "<name>&#x110000;</name>" SVC_BODY, "");
  REFUSED(SVC_OPEN "<name>x</name>" SVC_BODY "\n<!DOCTYPE x>", "DOCTYPE");
  /* not regular files */
  tb_definition *def = NULL;
  static const char *const specials[] = {"/dev/zero", "/dev/urandom", "/",
                                         "/nonexistent/x.xml"};
  for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) {
    tb_workflows_problems_free(&ps);
    TB_CHECK(tb_workflows_load_file(specials[i], bureaus, &def, &ps) ==
             TB_ERR_INVALID);
    TB_CHECK(def == NULL && ps.n == 1 && ps.items[0].line == 0);
  }
  char fifo[] = "/tmp/tongban-fifo-XXXXXX";
  int fd = mkstemp(fifo);
  close(fd);
  unlink(fifo);
  if (mkfifo(fifo, 0600) == 0) {
    tb_workflows_problems_free(&ps);
    TB_CHECK(tb_workflows_load_file(fifo, bureaus, &def, &ps) ==
             TB_ERR_INVALID);
    TB_CHECK(has("not a regular file"));
    unlink(fifo);
  }
  /* the bureau loader reads the same way */
  tb_bureau_list *list = NULL;
  static const char laughs[] = "<!DOCTYPE bureaus [<!ENTITY a 'aaaaaaaaaa'>]>"
                               "<bureaus xmlns='urn:tongban:workflow:1'/>";
  tb_workflows_problems_free(&ps);
  TB_CHECK(tb_workflows_load_bureaus_buffer("b.xml", laughs, sizeof laughs - 1,
                                            &list, &ps) == TB_ERR_INVALID);
  TB_CHECK(list == NULL && has("DOCTYPE"));
  check_no_access();
}

/* Nothing goes to stderr: libxml2's messages are all captured. */
static void test_stderr_quiet(void) {
  char path[] = "/tmp/tongban-stderr-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0)
    return;
  fflush(stderr);
  int saved = dup(2);
  dup2(fd, 2);
  static const char *const docs[] = {
      "<a></b>",
      "<!DOCTYPE a SYSTEM 'http://127.0.0.1:1/x'><a/>",
      SVC_OPEN "<name>&x;</name>" SVC_BODY,
      SVC_OPEN "<nam>x</nam>" SVC_BODY,
      "<service xmlns='urn:tongban:workflow:1' xmlns:p='not a uri'/>",
      "<?xml version='1.0' standalone='maybe'?><a/>",
  };
  for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
    load(docs[i], strlen(docs[i]));
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  struct stat st;
  TB_CHECK(fstat(fd, &st) == 0);
  TB_CHECKF(st.st_size == 0, "%lld bytes were written to stderr",
            (long long)st.st_size);
  close(fd);
  unlink(path);
}

/* Cut each shipped file at every offset before its last '>': every cut is
 * refused. */
static void test_truncation(void) {
  int refused = 0, total = 0;
  for (int f = 0; f < N_SHIPPED; f++) {
    const char *data = shipped_data[f];
    if (!data)
      continue;
    size_t last = shipped_len[f];
    while (last > 0 && data[last - 1] != '>')
      last--;
    for (size_t cut = 0; cut < last; cut++) {
      int before = tb_test_case_failures;
      total++;
      if (load(data, cut) == TB_ERR_INVALID)
        refused++;
      else
        TB_CHECKF(0, "%s cut at %zu was accepted", shipped[f], cut);
      if (tb_test_case_failures > before + 3)
        return;
    }
  }
  TB_CHECK(total > 10000 && refused == total);
  printf("# %d truncations refused\n", total);
  check_no_access();
}

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint64_t next_random(void) { /* xorshift64* */
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return rng * 2685821657736338717u;
}

/* Flip, insert and delete bytes of the shipped files at random (a fixed
 * seed, so every run is the same). */
static void test_random_corruption(void) {
  static const char *const tokens[] = {"<!DOCTYPE x [<!ENTITY a 'b'>]>",
                                       "&a;",
                                       "<",
                                       ">",
                                       "]]>",
                                       "\xFF",
                                       "\xE4\xB8",
                                       "<![CDATA[",
                                       "<!--",
                                       "<?xml",
                                       "'",
                                       "\"",
                                       "&#0;",
                                       " after='a'",
                                       " when='x &gt; 1'",
                                       "<x>",
                                       "</service>",
                                       " xmlns='urn:x'"};
  enum { ROUNDS = 4000 };
  size_t cap = TB_WORKFLOWS_MAX_BYTES;
  char *buf = malloc(cap);
  int accepted = 0;
  for (int r = 0; r < ROUNDS; r++) {
    int f = (int)(next_random() % N_SHIPPED);
    if (!shipped_data[f])
      continue;
    size_t len = shipped_len[f];
    memcpy(buf, shipped_data[f], len);
    int edits = 1 + (int)(next_random() % 4);
    for (int e = 0; e < edits && len > 0; e++) {
      size_t at = (size_t)(next_random() % len);
      switch (next_random() % 3) {
      case 0: /* flip a byte */
        buf[at] = (char)(buf[at] ^ (1u << (next_random() % 8)));
        break;
      case 1: { /* insert a token */
        const char *t =
            tokens[next_random() % (sizeof tokens / sizeof *tokens)];
        size_t tl = strlen(t);
        if (len + tl < cap) {
          memmove(buf + at + tl, buf + at, len - at);
          memcpy(buf + at, t, tl);
          len += tl;
        }
        break;
      }
      default: { /* delete a few bytes */
        size_t n = 1 + (size_t)(next_random() % 16);
        if (at + n > len)
          n = len - at;
        memmove(buf + at, buf + at + n, len - at - n);
        len -= n;
      }
      }
    }
    int before = tb_test_case_failures;
    if (load(buf, len) == TB_OK)
      accepted++;
    if (tb_test_case_failures > before) {
      printf("# round %d failed\n", r);
      if (tb_test_case_failures > 5)
        break;
    }
  }
  printf("# %d of %d corrupted files still loaded\n", accepted, ROUNDS);
  free(buf);
  check_no_access();
}

/* A document whose one task (branch of ZJ) has attributes `attrs` and
 * `n` copies of the child `child`, into a new buffer; *len its length. */
static char *task_with(const char *attrs, const char *child, size_t n,
                       size_t *len) {
  size_t cap = 1024 + strlen(attrs) + n * (strlen(child) + 1), used = 0;
  char *doc = malloc(cap);
  used += (size_t)snprintf(doc, cap,
                           SVC_OPEN "<name>x</name><review><branch id='a' "
                                    "name='审' bureau='ZJ'><task id='t' "
                                    "name='审' days='1' %s>",
                           attrs);
  for (size_t i = 0; i < n; i++)
    used += (size_t)snprintf(doc + used, cap - used, "%s", child);
  used += (size_t)snprintf(doc + used, cap - used,
                           "</task></branch></review></service>\n");
  *len = used;
  return doc;
}

/* The verbs of a step: numbers and lists far beyond the engine's limits,
 * and names nobody declared, are problems, never a crash or a hang. */
static void test_hostile_verbs(void) {
  size_t len;
  char *doc = task_with("sign='all'", "<signer/>", 1000, &len);
  REFUSED_N(doc, len, "1000 signers; at most 8 are allowed");
  free(doc);
  doc = task_with("sign='vote' pass='2'", "<signer group='KZ'/>", 5000, &len);
  REFUSED_N(doc, len, "5000 signers; at most 8 are allowed");
  free(doc);
  doc = task_with("", "<copy bureau='RF'/>", 1000, &len);
  REFUSED_N(doc, len, "1000 copies; at most 8 are allowed");
  free(doc);
  /* pass: a number of 400 digits (the schema's own limit refuses it),
   * and 2^64 (the loader's) */
  char attrs[600] = "sign='vote' pass='";
  memset(attrs + strlen(attrs), '9', 400);
  snprintf(attrs + strlen(attrs), 4, "'");
  doc = task_with(attrs, "<signer group='KZ'/><signer group='STY'/>", 1, &len);
  REFUSED_N(doc, len, "attribute 'pass'");
  free(doc);
  doc = task_with("sign='vote' pass='18446744073709551616'",
                  "<signer group='KZ'/><signer group='STY'/>", 1, &len);
  REFUSED_N(doc, len, "needs pass from 1 to 2");
  free(doc);
  /* groups nobody declared, everywhere a group goes */
  doc = task_with("sign='any' remove-by='ZZ'",
                  "<signer group='NOSUCH'/><signer/>", 1, &len);
  REFUSED_N(doc, len, "names group 'NOSUCH', which bureau 'ZJ' does not");
  TB_CHECK(has("remove-by names group 'ZZ'"));
  free(doc);
  doc = task_with("", "<copy bureau='ZJ' group='QQ'/>", 1, &len);
  REFUSED_N(doc, len, "a copy names group 'QQ'");
  free(doc);
  /* back-to: 400 names (under the 4096-byte cap of a value), none a step
   * of the branch; the problems are capped, the load ends */
  size_t cap = 400 * 8 + 64, used = 0;
  char *list = malloc(cap);
  used += (size_t)snprintf(list, cap, "back-to='");
  for (int i = 0; i < 400; i++)
    used += (size_t)snprintf(list + used, cap - used, "s%d ", i);
  snprintf(list + used, cap - used, "'");
  doc = task_with(list, "", 0, &len);
  REFUSED_N(doc, len, "back-to names unknown step 's0'");
  TB_CHECK(ps.n == TB_WORKFLOWS_MAX_PROBLEMS && ps.dropped == 300);
  free(doc);
  free(list);
}

int main(void) {
  setup();
  TB_RUN(test_setup);
  TB_RUN(test_billion_laughs);
  TB_RUN(test_external_entities);
  TB_RUN(test_references_without_dtd);
  TB_RUN(test_doctype_in_comment_is_fine);
  TB_RUN(test_deep_nesting);
  TB_RUN(test_huge_values);
  TB_RUN(test_many_attributes);
  TB_RUN(test_encodings);
  TB_RUN(test_odd_inputs);
  TB_RUN(test_stderr_quiet);
  TB_RUN(test_truncation);
  TB_RUN(test_random_corruption);
  TB_RUN(test_hostile_verbs);
  tb_workflows_problems_free(&ps);
  tb_workflows_free_bureaus(bureaus);
  for (int i = 0; i < N_SHIPPED; i++)
    free(shipped_data[i]);
  unlink(canary);
  close(watch_fd);
  close(listen_fd);
  return tb_test_done();
}
