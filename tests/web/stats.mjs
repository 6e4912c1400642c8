// stats.mjs — the statistics of the supervision dashboard (issue 15 §7,
// web/stats.js) in Chromium (playwright-core). Three food business
// applications are taken in through the API with the test clock: one
// accepted on Monday 2026-03-02 at 09:00 and denied at 16:12 (0.3
// working days), one accepted on Friday 03-06 at 18:00 and denied on
// Monday 03-09 at 06:00 (0.5: the weekend does not count), one still
// open. The inspector picks March, groups by window and reads clerk1's
// row (3 applications, 2 completed, average 0.4, 90% 0.5 working days),
// groups by bureau and reads 市场监督管理局, sees the two charts drawn as
// SVG, and exports the CSV (a file with a BOM named 办件统计-按部门-…).
// Every heading a person reads is Chinese. Screenshot:
// tests/artifacts/supervision-statistics.png. TAP.
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  ARTIFACTS, BASE, assert, browser, createApp, done, http, login, audit, test,
  token,
} from "./lib.mjs";

const b = await browser();
const desktop = { viewport: { width: 1280, height: 900 }, baseURL: BASE, acceptDownloads: true };
const at = (iso) => Date.parse(iso) / 1000;

// Accept at `accepted`; SCJG denies at `denied` (both: the test clock).
async function denied(accepted, deniedAt) {
  const a = await createApp("spjy", { clock: at(accepted) });
  const clerk = await token("clerk1");
  let r = await http("POST", `/api/v1/applications/${a.number}/accept`, { token: clerk, body: {}, clock: at(accepted) });
  assert(r.status === 200, "accept: " + r.text);
  if (!deniedAt) return a;
  const scjg = await token("officer-SCJG");
  const t = (await http("GET", "/api/v1/tasks?bureau=SCJG", { token: scjg })).json.items.find((x) => x.number === a.number);
  assert(t, "SCJG has the task");
  r = await http("POST", `/api/v1/tasks/${t.id}/claim`, { token: scjg, body: {}, clock: at(deniedAt) });
  assert(r.status === 200, "claim: " + r.text);
  r = await http("POST", `/api/v1/tasks/${t.id}/decide`, {
    token: scjg, body: { decision: "deny", comment: "经营场所不符合食品安全要求" }, clock: at(deniedAt),
  });
  assert(r.status === 200, "deny: " + r.text);
  return a;
}

const ctx = await b.newContext(desktop);
const page = await ctx.newPage();

await test("three applications in March: two denied after 0.3 and 0.5 working days, one open", async () => {
  await denied("2026-03-02T09:00:00+08:00", "2026-03-02T16:12:00+08:00");
  await denied("2026-03-06T18:00:00+08:00", "2026-03-09T06:00:00+08:00");
  await denied("2026-03-03T10:00:00+08:00", null);
});

async function cell(key, field) {
  return (await page.textContent(`#stats-table tr[data-key="${key}"] td[data-field="${field}"]`)).trim();
}

await test("per window: clerk1's row with the average and 90% working days", async () => {
  await login(page, "/web/supervision.html", "inspector1");
  await page.waitForSelector("#stats-result[data-rows]");
  await page.fill("#stats-from", "2026-03-01");
  await page.fill("#stats-to", "2026-03-31");
  await page.selectOption("#stats-by", "window");
  await page.click("#stats-load");
  const row = '#stats-table tr[data-key^="clerk:"]';
  await page.waitForSelector(row);
  const key = await page.getAttribute(row, "data-key");
  assert((await page.textContent(`${row} td`)).trim() === "clerk1", await page.textContent(row));
  assert((await cell(key, "applications")) === "3", await page.textContent(row));
  assert((await cell(key, "completed")) === "2", await page.textContent(row));
  // (0.3 + 0.5) / 2 = 0.4; p90: 0.3 + 0.9 · 0.2 = 0.48
  assert((await cell(key, "average_days")) === "0.4", await page.textContent(row));
  assert((await cell(key, "p90_days")) === "0.5", await page.textContent(row));
  assert((await cell(key, "on_time_rate")) === "100.0%", await page.textContent(row));
  assert((await cell(key, "denials")) === "2", await page.textContent(row));
  await audit(page, "supervision-statistics-window");
});

await test("per bureau: 市场监督管理局 with two charts drawn in the page", async () => {
  await page.selectOption("#stats-by", "bureau");
  await page.waitForSelector('#stats-table tr[data-key="SCJG"]');
  const name = (await page.textContent('#stats-table tr[data-key="SCJG"] td')).trim();
  assert(name === "市场监督管理局", name);
  // its part: task created at acceptance, decided at the denial (the
  // tasks keep the events' times, so the test clock holds here too)
  assert((await cell("SCJG", "average_days")) === "0.4", await page.textContent('#stats-table tr[data-key="SCJG"]'));
  assert((await cell("SCJG", "on_time_rate")) === "100.0%", await page.textContent('#stats-table tr[data-key="SCJG"]'));
  const charts = await page.$$("#stats-charts svg[role=img]");
  assert(charts.length === 2, "charts: " + charts.length);
  const labels = await page.$$eval("#stats-charts svg", (els) => els.map((e) => e.getAttribute("aria-label")));
  assert(labels[0] === "按时办结率（按部门）" && labels[1] === "办件用时（工作日，按部门）", labels.join(" | "));
  const bars = await page.$$eval("#stats-charts rect[data-value]", (els) => els.map((e) => Number(e.getAttribute("width"))));
  assert(bars.length === 3 && bars.every((w) => w > 0), "bars: " + bars.join(","));
  // what a person reads in the section: Chinese headings and names
  const heads = await page.$$eval("#stats th, #stats label, #stats button, #stats svg text", (els) => els.map((e) => e.textContent.trim()));
  const foreign = heads.filter((t) => t && !/[\u4e00-\u9fff]/.test(t) && !/^[\d.%—]+$/.test(t) && t !== "CSV");
  assert(!foreign.length, "not Chinese: " + foreign.join(" | "));
  const stats = await page.$("#stats");
  await stats.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ARTIFACTS, "supervision-statistics.png"), fullPage: true });
  await audit(page, "supervision-statistics");
});

await test("导出CSV downloads the table as a file with a BOM", async () => {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#stats-csv")]);
  const name = download.suggestedFilename();
  assert(name === "办件统计-按部门-2026-03-01至2026-03-31.csv", name);
  const bytes = readFileSync(await download.path());
  assert(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf, "BOM");
  const lines = bytes.toString("utf8").slice(1).trim().split("\r\n");
  assert(lines[0].startsWith("部门代码,部门,申请件数,办结件数"), lines[0]);
  assert(lines.some((l) => l.startsWith("SCJG,市场监督管理局,3,2,")), lines.join("\n"));
});

await ctx.close();
await b.close();
done();
