// lib.mjs — what the browser and stream tests share: TAP output, the
// REST API over fetch (with the test clock header), valid applications
// built from a definition, SQL as the cluster's superuser, Chromium
// through playwright-core, and the accessibility audit (axe-core) of
// every page state the tests visit, with its screenshot, and the check
// that no page shows a person an English word (checkChinese).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

export const BASE = process.env.TB_BASE_URL;
export const PASSWORD = process.env.TB_PASSWORD;
export const ROOT = process.env.TB_SOURCE_ROOT;
export const ARTIFACTS = path.join(ROOT, "tests", "artifacts");
// The bytes of a scan the API tests use (tests/api/fixtures, made by
// tests/api/tbfiles.py): a PDF, a JPEG photo and a PNG page.
export const fixture = (name) => readFileSync(path.join(ROOT, "tests", "api", "fixtures", name));
mkdirSync(ARTIFACTS, { recursive: true });

let count = 0;
let failed = 0;

// One statement as the superuser (TB_ADMIN_CONNINFO, set by test_web.c);
// its output as text. For states the pages cannot make, such as an
// application from before a change.
export function sql(query) {
  const dir = "/usr/lib/postgresql";
  const versions = existsSync(dir) ? readdirSync(dir).sort((a, b) => Number(a) - Number(b)) : [];
  const found = versions.map((v) => path.join(dir, v, "bin", "psql")).filter((p) => existsSync(p));
  const psql = found.length ? found[found.length - 1] : "psql";
  return execFileSync(psql, ["-XAtq", "-d", process.env.TB_ADMIN_CONNINFO, "-c", query]).toString().trim();
}

export async function test(name, fn) {
  count++;
  const started = Date.now();
  try {
    await fn();
    await checkAllChinese("end of the test"); // the pages it left open
    console.log(`ok ${count} - ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed++;
    console.log(`not ok ${count} - ${name}`);
    for (const line of String(e && e.stack ? e.stack : e).split("\n"))
      console.log("# " + line);
    for (const line of leakText(leaks.splice(0)).split("\n")) if (line) console.log("# " + line);
  }
}

export function note(text) {
  console.log("# " + text);
}

export function done() {
  console.log(`1..${count}`);
  process.exit(failed ? 1 : 0);
}

export function assert(cond, msg) {
  if (!cond) throw new Error("assertion failed: " + (msg || ""));
}

export async function http(method, p, { body, token, clock, headers } = {}) {
  const h = { ...(headers || {}) };
  if (body !== undefined) h["Content-Type"] = "application/json";
  if (token) h.Authorization = "Bearer " + token;
  if (clock) h["X-Tongban-Clock"] = String(Math.floor(clock));
  const r = await fetch(BASE + p, {
    method,
    headers: h,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: r.status, headers: r.headers, text, json };
}

const tokens = {};
export async function token(user) {
  if (!tokens[user]) {
    const r = await http("POST", "/api/v1/sessions", {
      body: { username: user, password: PASSWORD },
    });
    assert(r.status === 201, "login " + user + ": " + r.text);
    tokens[user] = r.json.token;
  }
  return tokens[user];
}

export function citizenId(birth = "19900307", seq = "123") {
  const base = "330106" + birth + seq;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(base[i]) * w[i];
  return base + "10X98765432"[s % 11];
}

// The organization createApp applies for, and the server's day (China
// Standard Time) as YYYY-MM-DD: what min="today" date fields are bound by.
export const ORG_ID = "11330100MB1730523X";
export const ORG_NAME = "杭州通办示范科技有限公司"; // one number, one name
export function chinaToday() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

// A valid form for a definition (the same rules as tests/api).
export function makeForm(def, overrides = {}) {
  const form = {};
  for (const f of def.fields) {
    if (f.id in overrides) {
      form[f.id] = overrides[f.id];
      continue;
    }
    if (!f.required && f.type === "text") continue;
    switch (f.type) {
      case "text":
        form[f.id] = "测".repeat(Math.min(Math.max(f.min || 2, 2), f.max || 99));
        break;
      case "number":
        form[f.id] = f.min != null && f.min >= 1 ? f.min : 1;
        break;
      case "money":
        form[f.id] = 1000;
        break;
      case "date":
        form[f.id] = f.min === "today" ? chinaToday() : f.min || f.max || "2025-06-02";
        break;
      case "choice":
        form[f.id] = f.multiple ? [f.choices[0].value] : f.choices[0].value;
        break;
      case "boolean":
        form[f.id] = true;
        break;
      case "id-number":
        form[f.id] = f.same_as === "applicant" && def.applicant === "organization" ? ORG_ID : citizenId();
        break;
    }
  }
  return form;
}

// A window application of `service` with every material but `omit`; a
// person applies as `name` with idNumber (default: the shared test
// citizen ID; one number keeps one name, so a new name needs its own).
export async function createApp(service, { clock, name = "张三丰", omit = [], idNumber } = {}) {
  const def = (await http("GET", "/api/v1/workflows/" + service)).json;
  const applicant =
    def.applicant === "organization"
      ? { kind: "organization", name: ORG_NAME, id_number: ORG_ID }
      : { kind: "person", name, id_number: idNumber || citizenId() };
  const r = await http("POST", "/api/v1/applications", {
    token: await token("clerk1"),
    clock,
    body: {
      service,
      applicant,
      form: makeForm(def),
      materials: def.materials.map((m) => m.id).filter((id) => !omit.includes(id)),
      channel: "window",
    },
  });
  assert(r.status === 201, "create: " + r.text);
  return r.json;
}

// At the window page: start an intake of `service` and fill it for
// applicant {kind, name, id} with makeForm's values (overrides by field;
// booleans stay off). Resolves with the definition.
export async function fillIntake(page, service, applicant, overrides = {}) {
  await page.selectOption("#service", service);
  await page.click("#start");
  await page.waitForSelector("#intake-form");
  const def = (await http("GET", "/api/v1/workflows/" + service)).json;
  const form = makeForm(def, overrides);
  if (applicant.kind) await page.selectOption("#applicant-kind", applicant.kind);
  await page.fill("#applicant-name", applicant.name);
  await page.fill("#applicant-id", applicant.id);
  await fillFields(page, def, form);
  return def;
}

// Type a form's values (makeForm's) into the page's fields of def, as
// web/form.js draws them (booleans stay off).
export async function fillFields(page, def, form) {
  for (const f of def.fields) {
    if (!(f.id in form) || f.type === "boolean") continue;
    const v = form[f.id];
    if (f.type === "choice" && f.multiple) await page.check(`input[data-field="${f.id}"][value="${v[0]}"]`);
    else if (f.type === "choice") await page.selectOption(`[data-field="${f.id}"]`, v);
    else await page.fill(`[data-field="${f.id}"]`, String(v));
  }
}

// Approve, through the API, every task of `bureau` (its officer
// "officer-BUREAU") on application `number` until none is open or claimed
// (a one-branch service such as spjy is then approved).
export async function approveByBureau(number, bureau = "SCJG") {
  const officer = await token("officer-" + bureau);
  for (let i = 0; i < 6; i++) {
    const r = await http("GET", "/api/v1/tasks?bureau=" + bureau, { token: officer });
    const t = r.json.items.find((x) => x.number === number && ["open", "claimed"].includes(x.state));
    if (!t) return;
    if (t.state === "open") await http("POST", `/api/v1/tasks/${t.id}/claim`, { token: officer, body: {} });
    const d = await http("POST", `/api/v1/tasks/${t.id}/decide`, { token: officer, body: { decision: "approve" } });
    assert(d.status === 200, "approve: " + d.text);
  }
}

// Log a page in as one of the harness's accounts.
export async function login(page, url, user) {
  await page.goto(url);
  await page.fill('input[name="username"]', user);
  await page.fill('input[name="password"]', PASSWORD);
  await page.click('form.login button[type="submit"]');
}

// In an officer's worklist page: claim the task of application `number`
// if it is open, and open its decision panel. Returns the item's selector.
export async function openTask(p, number) {
  const sel = `#queue .item[data-number="${number}"]`;
  await p.waitForSelector(sel, { timeout: 5000 });
  if ((await p.getAttribute(sel, "data-state")) === "open") {
    await p.click(`${sel} button[data-act="claim"]`);
    await p.waitForSelector(`${sel}[data-state="claimed"]`);
  }
  await p.click(`${sel} button[data-act="open"]`);
  await p.waitForSelector(`${sel} .decide`);
  // the application's data as a person reads it: labels, not stored codes
  const kv = await p.$(`${sel} .decide dl.kv`);
  const shown = kv ? await kv.textContent() : "";
  assert(!/\b(true|false|llc|male|female|software)\b/.test(shown), "stored codes in the decision panel: " + shown);
  return sel;
}

// Chromium; every context it makes watches its pages for English
// (watchContext).
export async function browser() {
  const { chromium } = await import("playwright-core");
  const b = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // no --user-data-dir: playwright refuses it with launch() and gives
      // every launch a fresh temporary profile of its own
    ],
  });
  const newContext = b.newContext.bind(b); // b.newPage makes its context with it too
  b.newContext = async (...args) => watchContext(await newContext(...args));
  return b;
}

// ---- Chinese everywhere a person reads ---------------------------------------

// Words that must never reach a person on a page: the API's English state,
// role and value names, what a script prints for a missing value, and
// English error words (with the definitions' identifiers: definitionIds).
// Whole words, case-insensitive.
const ENGLISH_WORDS = [
  "active", "inactive", "approved", "denied", "pending", "submitted", "accepted",
  "returned", "suspended", "delivered", "withdrawn", "revoked", "expired",
  "claimed", "open", "closed", "refused", "skipped", "cancelled", "waiting",
  "in_review", "awaiting_supplement", "awaiting_materials", "long-term",
  "true", "false", "null", "undefined", "NaN", "Infinity", "Object",
  "error", "failed", "forbidden", "unauthorized", "not found",
  "clerk", "officer", "inspector", "admin", "applicant",
  "window", "online", "person", "organization", "yellow", "red",
];
// What is legitimately Latin on a Chinese page: these tokens, and the
// text of elements marked translate="no" (what a person typed or chose
// and sees back verbatim: a user name, a file name). URLs, e-mail
// addresses and file names are dropped before the scan; numbers
// (身份证, applications, licenses) contain none of the words.
const LATIN_ALLOWED = ["QR", "PDF", "ID", "JSON", "UTF-8", "CSV", "JPEG", "PNG", "SVG",
  "TOTP", "Idempotency-Key", "Retry-After"];

// The registry's problem codes and English descriptions
// (engine/tb_problems.def, read with tools/tb_problems.py): a code or a
// description on a page is the API's English leaking through.
function registryPhrases() {
  const script = "import json, sys; sys.path.insert(0, sys.argv[1]); import tb_problems; " +
    "print(json.dumps([[r['code'], r['en']] for r in tb_problems.read(sys.argv[2])]))";
  const out = execFileSync("python3", ["-c", script, path.join(ROOT, "tools"),
    path.join(ROOT, "engine", "tb_problems.def")]).toString();
  return JSON.parse(out).flat();
}
// The identifiers of the deployed definitions (services, fields, choices,
// materials, tasks, outputs: every "id" and "value" that is a lower-case
// name of three characters or more): a page shows their labels and names.
async function definitionIds() {
  const ids = new Set();
  const walk = (v) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object")
      for (const [k, x] of Object.entries(v))
        if ((k === "id" || k === "value") && typeof x === "string") {
          if (/^[a-z][a-z0-9_]{2,}$/.test(x)) ids.add(x);
        } else walk(x);
  };
  const list = (await http("GET", "/api/v1/workflows")).json;
  for (const w of (list && list.items) || []) walk((await http("GET", "/api/v1/workflows/" + w.id)).json);
  return [...ids];
}
const ENGLISH = {
  words: [...new Set([...ENGLISH_WORDS, ...(BASE ? await definitionIds() : [])])],
  phrases: registryPhrases(),
  allowed: LATIN_ALLOWED,
};

// In the page (an init script of every context browser() makes): scan
// what a person sees — the title, the visible text, placeholder,
// aria-label, title and alt attributes of visible elements, button
// values, the options of visible lists, SVG texts, and every alert /
// confirm / prompt text — after every change of the page (at most every
// 150 ms), when it has loaded, when it is left, and when the harness
// asks (window.__tbScan).
// A find is reported once per document to the binding __tbEnglish.
function watchEnglish({ words, phrases, allowed }) {
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const listed = [...words, ...phrases].sort((a, b) => b.length - a.length).map(esc).join("|");
  const banned = new RegExp(`(?<![A-Za-z0-9_])(?:${listed})(?![A-Za-z0-9_])`, "gi");
  // three or more Latin words in a row: an English sentence (a detail)
  const sentence = /(?<![A-Za-z0-9_])[A-Za-z]{2,}(?:[ ,'’:;-]+[A-Za-z]{2,}){2,}(?![A-Za-z0-9_])/g;
  // a time as the API sends it (2026-11-30T06:05:00Z), not as a person reads it
  const stamp = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}\S*/g;
  const allowedRe = new RegExp(`(?<![A-Za-z0-9_])(?:${allowed.map(esc).join("|")})(?![A-Za-z0-9_])`, "g");
  const dropped = [
    /\b(?:https?|wss?):\/\/\S+/gi, /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g,
    /[^\s/\\（）()“”"']+\.(?:pdf|png|jpe?g|gif|csv|xml|json|txt|tpl|svg)\b/gi, /\/[\w./?=&%-]+/g,
  ];
  const transient = []; // dialog texts since the last scan
  for (const name of ["alert", "confirm", "prompt"]) {
    const original = window[name];
    window[name] = function (message, ...rest) {
      transient.push(["dialog " + name, String(message)]);
      scan();
      return original.call(this, message, ...rest);
    };
  }
  const visible = (el) => (el.checkVisibility ? el.checkVisibility() : el.getClientRects().length > 0);
  function texts() {
    const out = [["title", document.title]];
    const body = document.body;
    if (!body) return out;
    // the visible text nodes, outside what is marked translate="no"
    const parts = [];
    const seen = new Map(); // element → visible
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
      acceptNode: (n) => {
        if (n.nodeType === Node.ELEMENT_NODE)
          return n.getAttribute("translate") === "no" || /^(SCRIPT|STYLE|TEMPLATE|NOSCRIPT)$/.test(n.tagName)
            ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_SKIP;
        return NodeFilter.FILTER_ACCEPT;
      },
    });
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!n.data.trim() || !el) continue;
      if (!seen.has(el)) seen.set(el, visible(el) && getComputedStyle(el).visibility !== "hidden");
      if (seen.get(el)) parts.push(n.data);
    }
    out.push(["text", parts.join("\n")]);
    for (const el of body.querySelectorAll("[placeholder],[aria-label],[title],[alt],[aria-description],input[type=button],input[type=submit],input[type=reset],option,svg text,svg title")) {
      if (el.closest('[translate="no"]')) continue;
      const svg = el.closest("svg");
      if (!visible(el) && !(el.tagName === "OPTION" && el.parentElement && visible(el.closest("select") || el.parentElement)) && !(svg && visible(svg))) continue;
      for (const a of ["placeholder", "aria-label", "title", "alt", "aria-description"])
        if (el.hasAttribute(a)) out.push([a, el.getAttribute(a)]);
      if (el.tagName === "INPUT" && /^(button|submit|reset)$/.test(el.type)) out.push(["button", el.value]);
      if (el.tagName === "OPTION" || el.namespaceURI === "http://www.w3.org/2000/svg") out.push([el.tagName.toLowerCase(), el.textContent]);
    }
    return out.concat(transient.splice(0));
  }
  const reported = new Set();
  function scan() {
    const found = [];
    for (const [where, raw] of texts()) {
      let t = String(raw || "");
      for (const re of dropped) t = t.replace(re, " ");
      t = t.replace(allowedRe, " ");
      for (const re of [banned, sentence, stamp])
        for (const m of t.matchAll(re)) {
          const at = m.index;
          const context = t.slice(Math.max(0, at - 30), at + m[0].length + 30).replace(/\s+/g, " ").trim();
          found.push({ word: m[0], where, context });
        }
    }
    const fresh = found.filter((f) => !reported.has(f.where + "|" + f.word + "|" + f.context));
    for (const f of fresh) reported.add(f.where + "|" + f.word + "|" + f.context);
    if (fresh.length && typeof window.__tbEnglish === "function") window.__tbEnglish(fresh, location.href);
    return found;
  }
  // a change is scanned at once unless a scan ran in the last 150 ms;
  // then the page as it is 150 ms later
  let timer = null;
  let last = 0;
  const soon = () => {
    if (timer) return;
    const wait = last + 150 - Date.now();
    if (wait <= 0) {
      last = Date.now();
      scan();
    } else timer = setTimeout(() => { timer = null; last = Date.now(); scan(); }, wait);
  };
  new MutationObserver(soon).observe(document, {
    subtree: true, childList: true, characterData: true,
    attributes: true, attributeFilter: ["hidden", "class", "style", "open", "placeholder", "aria-label", "title", "alt", "value"],
  });
  addEventListener("pagehide", () => scan());
  addEventListener("DOMContentLoaded", () => scan());
  addEventListener("load", () => scan());
  Object.defineProperty(window, "__tbScan", { value: scan });
}

const leaks = []; // {page, url, word, where, context}, reported and not yet failed on
const watched = new Set(); // the open pages of the contexts browser() made

function leakText(list) {
  return list.map((l) => `  “${l.word}” in ${l.where} of ${l.url}: …${l.context}…`).join("\n");
}

// Scan `page` now and fail with every English word a person saw on it
// since the last check (its states in between included). `name` says
// which state (a screenshot's name).
export async function checkChinese(page, name) {
  if (!page.isClosed()) await page.evaluate(() => window.__tbScan && window.__tbScan()).catch(() => null);
  const mine = leaks.filter((l) => l.page === page);
  if (!mine.length) return;
  for (const l of mine) leaks.splice(leaks.indexOf(l), 1);
  throw new Error(`English on a page (${name || page.url()}):\n` + leakText(mine));
}

// Every open page scanned now, and every English word any page showed
// since the last check: the end of a test, of a context and of the run.
async function checkAllChinese(what) {
  for (const p of watched) await checkChinese(p, what).catch(() => null);
  if (!leaks.length) return;
  const all = leaks.splice(0);
  throw new Error(`English on a page (${what}):\n` + leakText(all));
}

// A context of `b` that watches every page of it (watchEnglish), checks
// them when it closes, and fails its closing with what they showed.
async function watchContext(ctx) {
  await ctx.exposeBinding("__tbEnglish", ({ page }, found, url) => {
    for (const f of found) leaks.push({ page, url, ...f });
  });
  await ctx.addInitScript(watchEnglish, ENGLISH);
  ctx.on("page", (p) => {
    watched.add(p);
    p.on("close", () => watched.delete(p));
  });
  const close = ctx.close.bind(ctx);
  ctx.close = async (...args) => {
    for (const p of ctx.pages()) await p.evaluate(() => window.__tbScan && window.__tbScan()).catch(() => null);
    const mine = leaks.filter((l) => ctx.pages().includes(l.page) || l.page.context() === ctx);
    for (const l of mine) leaks.splice(leaks.indexOf(l), 1);
    await close(...args);
    if (mine.length) throw new Error("English on a page (when its context closed):\n" + leakText(mine));
  };
  return ctx;
}

// ---- accessibility ---------------------------------------------------------

// axe-core's browser bundle, at the exact version of package-lock.json.
// The pages' Content-Security-Policy (script-src 'self') refuses an inline
// <script>: the bundle is evaluated through the debugging protocol instead.
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8") + "\n;0";
// WCAG 2.1 A and AA, and Deque's best practices.
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];
const BLOCKING = new Set(["critical", "serious"]);

// Run axe-core on the page as it is now (after any running animation, so
// that colours are the final ones). Fails with every critical or serious
// violation: its rule, impact, the selectors of the elements and the
// rule's help; moderate and minor ones are printed as a note.
export async function audit(page, name) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(AXE);
  const violations = await page.evaluate(async (tags) => {
    const running = document.getAnimations().map((a) => a.finished.catch(() => null));
    await Promise.race([Promise.all(running), new Promise((r) => setTimeout(r, 2000))]);
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.map((n) => n.target.join(" ")),
    }));
  }, AXE_TAGS);
  const blocking = violations.filter((v) => BLOCKING.has(v.impact));
  const other = violations.filter((v) => !BLOCKING.has(v.impact));
  if (other.length)
    note(`axe ${name}: ${other.length} moderate or minor: ` +
      other.map((v) => `${v.id} (${v.impact}, ${v.targets.length})`).join(", "));
  if (blocking.length)
    throw new Error(`axe ${name} (${page.url()}): ${blocking.length} critical or serious violation(s)\n` +
      blocking.map((v) => `  ${v.id} [${v.impact}] ${v.help}\n    ` + v.targets.slice(0, 10).join("\n    ")).join("\n"));
}

// The text of a PDF's bytes (pdftotext) without white space: pdftotext
// breaks lines and table cells where the layout does.
export function pdfText(bytes) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tb-pdf-"));
  try {
    const file = path.join(dir, "doc.pdf");
    writeFileSync(file, bytes);
    return execFileSync("pdftotext", ["-enc", "UTF-8", file, "-"]).toString("utf8").replace(/\s+/g, "");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// A full-page screenshot tests/artifacts/NAME.png of a state, its
// accessibility audit, and the check that it shows no English.
export async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, name + ".png"), fullPage: true });
  await audit(page, name);
  await checkChinese(page, name);
}

// stderr goes to the server's log: report crashes on stdout, as TAP.
for (const ev of ["uncaughtException", "unhandledRejection"])
  process.on(ev, (e) => {
    console.log("Bail out! " + String(e && e.stack ? e.stack : e).split("\n").join("\n# "));
    process.exit(1);
  });
