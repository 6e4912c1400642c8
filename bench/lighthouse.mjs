// lighthouse.mjs — Lighthouse's mobile audit (its default: a phone's
// screen, simulated slow 4G and a 4× slower CPU) of two pages a person
// opens on a phone: the applicant's tracking page /t/{number}?c=CODE of
// a real application, and the start page /. Categories performance,
// accessibility and best-practices; each page is audited RUNS times and
// the run with the median performance score is kept.
//
//   node bench/lighthouse.mjs --url URL --numbers FILE --json OUT [--runs N]
//                             [--reports DIR]   (each run's full report)
//
// FILE holds "NUMBER CODE" lines written by `load --mode populate` (an
// application created over the API the way the benchmarks create them);
// the first one is accepted by the bench's clerk (user "clerk", password
// TB_BENCH_PASSWORD), so that its page shows the deadline and the bureaus
// at work. Chromium is Debian's (CHROME_PATH, default /usr/bin/chromium),
// headless, with no network beyond loopback. Scores and the failing
// audits go to OUT as JSON and a table to stderr; exit status 1 when a
// page could not be audited.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const CATEGORIES = ["performance", "accessibility", "best-practices"];
const METRICS = {
  "first-contentful-paint": "FCP",
  "largest-contentful-paint": "LCP",
  "total-blocking-time": "TBT",
  "cumulative-layout-shift": "CLS",
  "speed-index": "SI",
};
// Chromium as the browser tests start it: no sandbox (root), no GPU, and
// nothing that reaches for the network on its own.
const CHROME_FLAGS = [
  "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

function args() {
  const a = { runs: 3 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) usage();
    if (k === "--url") a.url = v.replace(/\/$/, "");
    else if (k === "--numbers") a.numbers = v;
    else if (k === "--json") a.json = v;
    else if (k === "--runs") a.runs = Math.max(1, Math.min(9, Number(v) || 1));
    else if (k === "--reports") a.reports = v;
    else usage();
  }
  if (!a.url || !a.numbers || !a.json) usage();
  return a;
}

function usage() {
  process.stderr.write("usage: node bench/lighthouse.mjs --url URL --numbers FILE --json OUT [--runs N] [--reports DIR]\n");
  process.exit(2);
}

const say = (t) => process.stderr.write(`lighthouse: ${t}\n`);

async function call(base, method, p, body, token) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = "Bearer " + token;
  const r = await fetch(base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

// The first populated application, accepted by the clerk (unless it
// already was, in an earlier run on the same data).
async function application(base, numbers) {
  const line = readFileSync(numbers, "utf8").split("\n").find((l) => /^\S+ \S+$/.test(l.trim()));
  if (!line) throw new Error(numbers + " holds no \"NUMBER CODE\" line");
  const [number, code] = line.trim().split(" ");
  const password = process.env.TB_BENCH_PASSWORD;
  if (!password) throw new Error("TB_BENCH_PASSWORD is not set");
  const { token } = await call(base, "POST", "/api/v1/sessions", { username: "clerk", password });
  const n = encodeURIComponent(number);
  const a = await call(base, "GET", "/api/v1/applications/" + n, undefined, token);
  if (a.state === "submitted") await call(base, "POST", `/api/v1/applications/${n}/accept`, {}, token);
  return { number, code };
}

// One Lighthouse run of url: its report (the CLI, so that Chromium is
// started and stopped by Lighthouse's own launcher).
async function lighthouse(url) {
  const cli = createRequire(import.meta.url).resolve("lighthouse/cli/index.js");
  const dir = mkdtempSync(path.join(os.tmpdir(), "tongban-lighthouse-"));
  const out = path.join(dir, "report.json");
  try {
    await run(process.execPath, [cli, url, "--quiet", "--output=json", `--output-path=${out}`,
      `--only-categories=${CATEGORIES.join(",")}`, `--chrome-flags=${CHROME_FLAGS.join(" ")}`],
    { env: { ...process.env, CHROME_PATH: process.env.CHROME_PATH || "/usr/bin/chromium" },
      maxBuffer: 16 << 20, timeout: 180000 });
    return JSON.parse(readFileSync(out, "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// What a report says: the scores (0–100), the metrics, and every audit
// of the three categories that did not pass, with its score.
function summary(report) {
  const scores = {};
  for (const c of CATEGORIES) scores[c] = Math.round((report.categories[c].score ?? 0) * 100);
  const metrics = {};
  for (const [id, name] of Object.entries(METRICS)) metrics[name] = report.audits[id].numericValue;
  const failing = [];
  for (const c of CATEGORIES)
    for (const ref of report.categories[c].auditRefs) {
      const a = report.audits[ref.id];
      if (ref.weight > 0 && a.score !== null && a.score < 0.9)
        failing.push({ category: c, id: a.id, score: a.score, title: a.title, value: a.displayValue || "" });
    }
  return { scores, metrics, failing, final_url: report.finalDisplayedUrl, lighthouse: report.lighthouseVersion };
}

async function audit(name, url, runs, reports) {
  const results = [];
  for (let i = 0; i < runs; i++) {
    say(`${name}: run ${i + 1} of ${runs}: ${url}`);
    const report = await lighthouse(url);
    if (reports) writeFileSync(path.join(reports, `${name}-${i + 1}.json`), JSON.stringify(report));
    results.push(summary(report));
  }
  results.sort((x, y) => x.scores.performance - y.scores.performance);
  const median = results[Math.floor(results.length / 2)];
  return { ...median, url, runs, performance_scores: results.map((r) => r.scores.performance) };
}

function table(pages) {
  const rows = [["page", ...CATEGORIES, "FCP ms", "LCP ms", "TBT ms", "CLS"]];
  for (const [name, p] of Object.entries(pages))
    rows.push([name, ...CATEGORIES.map((c) => String(p.scores[c])), ...["FCP", "LCP", "TBT"].map((m) => p.metrics[m].toFixed(0)),
      p.metrics.CLS.toFixed(3)]);
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) say(r.map((c, i) => c.padEnd(w[i])).join("  "));
  for (const [name, p] of Object.entries(pages))
    for (const f of p.failing) say(`${name}: ${f.category}: ${f.id} (${f.score}) ${f.title} ${f.value}`);
}

const a = args();
if (a.reports) mkdirSync(a.reports, { recursive: true });
const { number, code } = await application(a.url, a.numbers);
const pages = {
  track: await audit("track", `${a.url}/t/${encodeURIComponent(number)}?c=${encodeURIComponent(code)}`, a.runs, a.reports),
  start: await audit("start", `${a.url}/`, a.runs, a.reports),
};
writeFileSync(a.json, JSON.stringify({ form_factor: "mobile", pages }, null, 2));
table(pages);
