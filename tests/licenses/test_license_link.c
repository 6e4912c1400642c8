/*
 * test_license_link.c — the license QR code as a verification link
 * (electronic-licenses/tb_license_link.c): links made and read back,
 * hostile links refused with what is wrong, and the capacity of a QR
 * code: the largest license each shipped definition (workflows/NAME.xml)
 * can produce — every text item at its max-length in characters deflate
 * cannot shrink, every choice chosen, the longest holder name — signed,
 * still fits a QR code as a link behind a public URL of the longest
 * length the server accepts (255 bytes), and zbarimg reads it back to a
 * payload that verifies.
 *
 *   test_license_link WORKFLOWS_DIR
 */
#include "tb_license.h"
#include "tb_license_int.h"
#include "tb_log_stderr.h"
#include "tb_test.h"
#include "tb_workflows.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *workflows = "workflows";
static char tmp[256];
static char keys_dir[300];
static tb_bureau_list *bureaus;
static tb_license_issuer *issuer;
static tb_license_trust *trust;
static int64_t now;

/* A public URL of 255 bytes, the longest --public-url takes, and the
 * verification page under it. */
static char long_page[300];

/* ---- links made and read ------------------------------------------------ */

static char *read_back(const char *text, tb_license_status want,
                       const char *why) {
  char *out = NULL;
  size_t len = 0;
  tb_problem p = {0};
  tb_license_status st =
      tb_license_link_payload(text, strlen(text), &out, &len, &p);
  TB_CHECKF(st == want, "'%.80s': status %d, want %d (%s)", text, st, want,
            p.detail);
  if (why)
    TB_CHECKF(strstr(p.detail, why) != NULL, "'%.80s': '%s' lacks '%s'", text,
              p.detail, why);
  if (st == TB_LICENSE_OK)
    TB_CHECK(out && strlen(out) == len);
  return out;
}

static void test_make_and_read(void) {
  const char *payload = "TB1:6BF 8$%*+-./:Z";
  char *link = NULL;
  size_t len = 0;
  TB_CHECK_INT(tb_license_link_make("https://zwfw.example.gov.cn/v", payload,
                                    &link, &len, NULL),
               TB_LICENSE_OK);
  TB_CHECK_STR(link, "https://zwfw.example.gov.cn/v?p=TB1:6BF+8$%25*%2B-./:Z");
  char *back = read_back(link, TB_LICENSE_OK, NULL);
  TB_CHECK_STR(back, payload);
  free(back);
  free(link);
  /* the bare payload as before; anything not a link is the verifier's */
  back = read_back(payload, TB_LICENSE_OK, NULL);
  TB_CHECK_STR(back, payload);
  free(back);
  back = read_back("garbage", TB_LICENSE_OK, NULL);
  TB_CHECK_STR(back, "garbage");
  free(back);
  /* other parameters are ignored; names are decoded like values */
  back = read_back("HTTP://x.cn/v?from=wx&%70=TB1:A+B&z", TB_LICENSE_OK, NULL);
  TB_CHECK_STR(back, "TB1:A B");
  free(back);
  /* pages the link cannot be made with */
  TB_CHECK_INT(tb_license_link_make("ftp://x/v", payload, &link, &len, NULL),
               TB_LICENSE_ERR_INVALID);
  TB_CHECK_INT(
      tb_license_link_make("https://x/v?a=1", payload, &link, &len, NULL),
      TB_LICENSE_ERR_INVALID);
  TB_CHECK_INT(
      tb_license_link_make("https://x/v#f", payload, &link, &len, NULL),
      TB_LICENSE_ERR_INVALID);
}

static void test_hostile_links(void) {
  static const struct {
    const char *link, *why;
  } bad[] = {
      {"https://x.cn/v", "no query"},
      {"https://x.cn/v?q=TB1:A", "no p parameter"},
      {"https://x.cn/v?p=TB1:A&p=TB1:B", "more than one p"},
      {"https://x.cn/v?p=TB1:A&%70=TB1:B", "more than one p"},
      {"https://x.cn/v?p=TB1:A#x", "fragment"},
      {"https://evil@x.cn/v?p=TB1:A", "user information"},
      {"https:///v?p=TB1:A", "no host"},
      {"https://x.cn/v?p=TB1:A%", "bad %-escape"},
      {"https://x.cn/v?p=TB1:A%G0", "bad %-escape"},
      {"https://x.cn/v?%=1&p=TB1:A", "bad %-escape"},
      {"https://x.cn/v?p=TB1:A%00B", "NUL"},
      {"https://x.cn/v?p=", "not a license payload"},
      {"https://x.cn/v?p", "not a license payload"},
      {"https://x.cn/v?p=javascript:alert(1)", "not a license payload"},
      {"https://x.cn/v?p=TB1:A B", "space"},
      {"https://x.cn/v?p=TB1:\xe4\xb8\xad", "non-ascii"},
      {"https://x.cn/v?p=TB1:A\r\nX", "control"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    free(read_back(bad[i].link, TB_LICENSE_ERR_INVALID, bad[i].why));
  /* a NUL inside the bare payload */
  char *out = NULL;
  size_t len = 0;
  TB_CHECK_INT(tb_license_link_payload("TB1:A\0B", 7, &out, &len, NULL),
               TB_LICENSE_ERR_INVALID);
  /* oversized: a link past the maximum, a p value past any payload */
  tb_buf b;
  tb_buf_init(&b, 4 * TB_LICENSE_MAX_LINK);
  tb_buf_adds(&b, "https://x.cn/v?p=TB1:");
  for (int i = 0; i < TB_LICENSE_MAX_LINK; i++)
    tb_buf_adds(&b, "A");
  TB_CHECK_INT(tb_license_link_payload(b.data, b.len, &out, &len, NULL),
               TB_LICENSE_ERR_LIMIT);
  tb_buf_reset(&b);
  tb_buf_adds(&b, "https://x.cn/v?p=TB1:");
  for (int i = 0; i < TB_LICENSE_MAX_PAYLOAD; i++)
    tb_buf_adds(&b, "A");
  free(read_back(b.data, TB_LICENSE_ERR_INVALID, "longer than"));
  /* thousands of parameters, one of them p */
  tb_buf_reset(&b);
  tb_buf_adds(&b, "https://x.cn/v?");
  for (int i = 0; i < 2000; i++)
    tb_buf_adds(&b, "a=1&");
  tb_buf_adds(&b, "p=TB1:OK");
  out = read_back(b.data, TB_LICENSE_OK, NULL);
  TB_CHECK_STR(out, "TB1:OK");
  free(out);
  tb_buf_free(&b);
}

/* A payload that fits a QR code alone but not as a link: the code then
 * carries the bare payload; one that fits neither way is refused. */
static void test_qr_text_fallback(void) {
  tb_buf b;
  tb_buf_init(&b, TB_LICENSE_MAX_PAYLOAD);
  tb_buf_adds(&b, "TB1:");
  for (int i = 0; i < 3200; i++)
    tb_buf_adds(&b, i % 7 ? "A" : " "); /* alphanumeric mode: fits v40 */
  char *text = NULL;
  size_t len = 0;
  bool linked = true;
  TB_CHECK_INT(
      tb_license_qr_text(long_page, b.data, &text, &len, &linked, NULL),
      TB_LICENSE_OK);
  TB_CHECK(!linked);
  TB_CHECK_STR(text, b.data);
  free(text);
  /* a short payload goes as a link */
  TB_CHECK_INT(
      tb_license_qr_text(long_page, "TB1:AB C", &text, &len, &linked, NULL),
      TB_LICENSE_OK);
  TB_CHECK(linked && strncmp(text, long_page, strlen(long_page)) == 0);
  TB_CHECK(text && strcmp(text + strlen(long_page), "?p=TB1:AB+C") == 0);
  free(text);
  /* too large even alone: the renderer refuses it */
  for (int i = 0; i < 600; i++)
    tb_buf_adds(&b, "A");
  TB_CHECK_INT(
      tb_license_qr_text(long_page, b.data, &text, &len, &linked, NULL),
      TB_LICENSE_OK);
  TB_CHECK(!linked);
  unsigned char *png = NULL;
  TB_CHECK_INT(tb_license_render_qr_png(text, 2, &png, &len, NULL, NULL),
               TB_LICENSE_ERR_LIMIT);
  free(png);
  free(text);
  tb_buf_free(&b);
}

/* ---- the largest license of each shipped definition --------------------- */

/* Characters deflate cannot shrink: CJK ideographs from a fixed
 * pseudo-random sequence (xorshift; reproducible). */
static void random_cjk(tb_buf *b, size_t n, uint32_t *state) {
  for (size_t i = 0; i < n; i++) {
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    uint32_t cp = 0x4E00 + *state % (0x9FA5 - 0x4E00);
    char u[3] = {(char)(0xE0 | cp >> 12), (char)(0x80 | ((cp >> 6) & 0x3F)),
                 (char)(0x80 | (cp & 0x3F))};
    tb_buf_add(b, u, 3);
  }
}

/* The longest value a field takes, as the form's text (arena-owned). */
static const char *largest_value(tb_arena *a, const tb_field *f,
                                 uint32_t *state) {
  tb_buf b;
  tb_buf_init(&b, 1 << 16);
  switch (f->type) {
  case TB_FIELD_TEXT:
    TB_CHECKF(f->has_max,
              "text field %s has no max-length: its license's "
              "payload is unbounded",
              f->id);
    random_cjk(&b, f->has_max ? (size_t)f->max : 200, state);
    break;
  case TB_FIELD_NUMBER:
    tb_buf_addf(&b, f->integer ? "%.0f" : "%.2f", f->has_max ? f->max : 1e9);
    break;
  case TB_FIELD_MONEY: {
    long long fen = f->has_max ? (long long)f->max : 100000000000LL;
    tb_buf_addf(&b, "%lld.%02lld", fen / 100, fen % 100);
    break;
  }
  case TB_FIELD_DATE:
    tb_buf_adds(&b, "2099-12-31");
    break;
  case TB_FIELD_CHOICE: {
    size_t longest = 0;
    for (size_t i = 0; i < f->n_choices; i++) {
      if (f->multiple && (!f->has_max || i < (size_t)f->max))
        tb_buf_addf(&b, "%s%s", i ? "," : "", f->choices[i].value);
      if (strlen(f->choices[i].label) > strlen(f->choices[longest].label))
        longest = i;
    }
    if (!f->multiple)
      tb_buf_adds(&b, f->choices[longest].value);
    break;
  }
  case TB_FIELD_BOOLEAN:
    tb_buf_adds(&b, "true");
    break;
  case TB_FIELD_ID_NUMBER:
    tb_buf_adds(&b, "330106202506020179");
    break;
  }
  const char *out = tb_arena_strdup(a, tb_buf_str(&b));
  tb_buf_free(&b);
  return out;
}

/* The output field `id` of any task of def. */
static const tb_field *output_of(const tb_definition *def, const char *id) {
  for (size_t i = 0; i < def->n_branches; i++)
    for (size_t j = 0; j < def->branches[i].n_tasks; j++) {
      const tb_task_def *t = &def->branches[i].tasks[j];
      for (size_t k = 0; k < t->n_outputs; k++)
        if (strcmp(t->outputs[k].id, id) == 0)
          return &t->outputs[k];
    }
  return NULL;
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...) {
  char cmd[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Render the link as a PNG, read it with zbarimg, and verify what it
 * carries. */
static void scan_and_verify(const char *text, const char *payload,
                            const char *name) {
  unsigned char *png = NULL;
  size_t len = 0;
  int version = 0;
  TB_CHECK_INT(tb_license_render_qr_png(text, 4, &png, &len, &version, NULL),
               TB_LICENSE_OK);
  char path[400], out[400];
  snprintf(path, sizeof path, "%s/%s.png", tmp, name);
  snprintf(out, sizeof out, "%s/%s.txt", tmp, name);
  FILE *f = fopen(path, "wb");
  TB_CHECK(f && fwrite(png, 1, len, f) == len);
  if (f)
    fclose(f);
  free(png);
  TB_CHECK_INT(run("zbarimg -q -Sbinary --raw '%s' > '%s'", path, out), 0);
  size_t n = 0;
  char *decoded = tb_test_read_file(out, &n);
  while (decoded && n && decoded[n - 1] == '\n')
    decoded[--n] = '\0';
  TB_CHECK_STR(decoded, text);
  char *back = decoded ? read_back(decoded, TB_LICENSE_OK, NULL) : NULL;
  TB_CHECK_STR(back, payload);
  tb_license_verdict v;
  if (back && tb_license_verify(back, strlen(back), trust, now, NULL, NULL,
                                &v) == TB_LICENSE_OK) {
    TB_CHECKF(v.valid, "%s: reasons %u", name, v.reasons);
    tb_license_free_verdict(&v);
  } else {
    TB_CHECK(false);
  }
  free(back);
  free(decoded);
}

/* The largest license number li of def: issue, link, fit, scan. */
static void largest_license(const tb_definition *def, size_t li) {
  const tb_license_def *ld = &def->licenses[li];
  tb_arena *a = tb_arena_new();
  uint32_t state = 2463534242u;
  const char **form = tb_arena_alloc(a, sizeof *form * (def->n_fields + 1));
  for (size_t i = 0; i < def->n_fields; i++)
    form[i] = largest_value(a, &def->fields[i], &state);
  const char **outputs =
      tb_arena_alloc(a, sizeof *outputs * (ld->n_output_items + 1));
  for (size_t i = 0; i < ld->n_output_items; i++) {
    const tb_field *f = output_of(def, ld->output_items[i]);
    TB_CHECKF(f != NULL, "output %s", ld->output_items[i]);
    outputs[i] = f ? largest_value(a, f, &state) : "x";
  }
  tb_buf name;
  tb_buf_init(&name, 1024);
  random_cjk(&name, 100, &state); /* the applicant's name: 100 at most */
  char app[TB_APP_NUMBER_LEN + 1];
  tb_day today = tb_license_day_of(now);
  tb_id_make_app_number("330100", today, 99999, app);
  tb_license_order o = {.application = app,
                        .def = def,
                        .license = li,
                        .holder_name = tb_buf_str(&name),
                        .holder_number = "91330106MA27K00067",
                        .issuer = tb_bureaus_find(bureaus, ld->bureau),
                        .form = form,
                        .outputs = outputs,
                        .serial = 999999999ULL,
                        .at = now,
                        .today = today};
  tb_license_issued is;
  tb_problem p = {0};
  tb_license_status st = tb_license_issue(issuer, &o, &is, &p);
  TB_CHECKF(st == TB_LICENSE_OK, "%s %s: %s", def->id, ld->name, p.detail);
  if (st == TB_LICENSE_OK) {
    char *text = NULL;
    size_t len = 0;
    bool linked = false;
    TB_CHECK_INT(
        tb_license_qr_text(long_page, is.payload, &text, &len, &linked, &p),
        TB_LICENSE_OK);
    TB_CHECKF(linked, "%s %s: the link does not fit a qr code", def->id,
              ld->name);
    int version = 0;
    tb_license_qr_version(text, &version, NULL, NULL);
    printf("# %s %s: json %zu bytes, payload %zu, link %zu chars, QR "
           "version %d\n",
           def->id, ld->name, is.sig.json_len, is.payload_len, len, version);
    char file[64];
    snprintf(file, sizeof file, "%s-%zu", def->id, li);
    scan_and_verify(text, is.payload, file);
    free(text);
  }
  tb_license_free_issued(&is);
  tb_buf_free(&name);
  tb_arena_free(a);
}

static void test_largest_licenses_fit(void) {
  DIR *d = opendir(workflows);
  TB_CHECK(d != NULL);
  size_t licenses = 0;
  struct dirent *e;
  while (d && (e = readdir(d))) {
    size_t n = strlen(e->d_name);
    if (n < 5 || strcmp(e->d_name + n - 4, ".xml") != 0 ||
        strcmp(e->d_name, "bureaus.xml") == 0 ||
        strcmp(e->d_name, "supervision.xml") == 0)
      continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", workflows, e->d_name);
    tb_definition *def = NULL;
    tb_workflows_problems ps = {0};
    TB_CHECKF(tb_workflows_load_file(path, bureaus, &def, &ps) == TB_OK, "%s",
              path);
    tb_workflows_problems_print(&ps, stdout);
    tb_workflows_problems_free(&ps);
    for (size_t i = 0; def && i < def->n_licenses; i++, licenses++)
      largest_license(def, i);
    tb_definition_free(def);
  }
  if (d)
    closedir(d);
  TB_CHECKF(licenses >= 5, "only %zu licenses in the shipped workflows",
            licenses);
}

/* ---- set-up ------------------------------------------------------------- */

static bool setup(void) {
  snprintf(tmp, sizeof tmp, "%s/tb-link-XXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(tmp))
    return false;
  snprintf(keys_dir, sizeof keys_dir, "%s/keys", tmp);
  now = (int64_t)time(NULL);
  char path[1024];
  snprintf(path, sizeof path, "%s/bureaus.xml", workflows);
  tb_workflows_problems ps = {0};
  tb_status ws = tb_workflows_load_bureaus(path, &bureaus, &ps);
  tb_workflows_problems_print(&ps, stdout);
  tb_workflows_problems_free(&ps);
  tb_problem p = {0};
  tb_license_key_options opt = {.now = now - 86400};
  tb_license_init_report rep;
  char *pem = NULL;
  size_t len = 0;
  bool ok =
      ws == TB_OK &&
      tb_license_init_keys(keys_dir, bureaus, &opt, &rep, &p) ==
          TB_LICENSE_OK &&
      tb_license_issuer_open(keys_dir, NULL, &issuer, &p) == TB_LICENSE_OK &&
      tb_license_read_trust_list(keys_dir, &pem, &len, &p) == TB_LICENSE_OK &&
      tb_license_load_trust(pem, len, &trust, &p) == TB_LICENSE_OK;
  free(pem);
  if (!ok)
    printf("# set-up: %s\n", p.detail);
  /* "https://" + three 60-letter labels + ".gov.cn" + a path: 255 bytes */
  tb_buf b;
  tb_buf_init(&b, 255);
  tb_buf_adds(&b, "https://");
  for (int i = 0; i < 3; i++) {
    for (int j = 0; j < 60; j++)
      tb_buf_adds(&b, "z");
    tb_buf_adds(&b, ".");
  }
  tb_buf_adds(&b, "gov.cn/");
  while (b.len < 255)
    tb_buf_adds(&b, "p");
  snprintf(long_page, sizeof long_page, "%s/v", tb_buf_str(&b));
  tb_buf_free(&b);
  return ok;
}

int main(int argc, char **argv) {
  tb_log_stderr_install();
  if (argc > 1)
    workflows = argv[1];
  if (!setup()) {
    printf("Bail out! set-up failed\n");
    return 1;
  }
  TB_RUN(test_make_and_read);
  TB_RUN(test_hostile_links);
  TB_RUN(test_qr_text_fallback);
  TB_RUN(test_largest_licenses_fit);
  tb_license_issuer_close(issuer);
  tb_license_free_trust(trust);
  tb_workflows_free_bureaus(bureaus);
  if (!getenv("TB_KEEP_TMP") && run("rm -rf '%s'", tmp) != 0)
    printf("# could not remove %s\n", tmp);
  return tb_test_done();
}
