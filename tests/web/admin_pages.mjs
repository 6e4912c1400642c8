// admin_pages.mjs — the administrator's calendar and workflow definitions
// (issue 13 §4) in Chromium (playwright-core), on web/admin.html:
// the 工作日历 tab shows the shipped years and a year's month grid
// (holidays 休, 调休 working days 班, weekends grey); a broken year file
// shows its problem with the line, which a click shows in the uploaded
// text, and nothing is loaded; the fixed file is checked, its grid
// previewed, loaded, and the count of recomputed deadlines shown; the
// 流程定义 tab lists the deployed definitions with their times; a broken
// definition shows every problem by line with no deploy button; the fixed
// one is checked, deployed and listed as the new version. Screenshots go
// to tests/artifacts/admin-calendar*.png and admin-workflows*.png. TAP.
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  BASE, ROOT, assert, browser, createApp, done, http, login, shot, sql, test, token,
} from "./lib.mjs";

const b = await browser();
const desktop = { viewport: { width: 1280, height: 900 }, baseURL: BASE };

// The harness has no administrator: one with the harness's password.
sql("INSERT INTO accounts (username, role, password_hash) SELECT 'pageadmin', " +
    "'admin', password_hash FROM accounts WHERE username = 'clerk1'");

const YEAR_2027 = [
  "# 2027 — 测试用节假日安排",
  "2027-01-01 holiday  元旦",
  "2027-02-08 holiday  春节",
  "2027-02-09 holiday  春节",
  "2027-02-10 holiday  春节",
  "2027-02-11 holiday  春节",
  "2027-02-12 holiday  春节",
  "2027-02-20 workday  调休上班",
  "2027-10-01 holiday  国庆节",
  "2027-10-04 holiday  国庆节",
  "2027-10-05 holiday  国庆节",
  "2027-10-09 workday  调休上班",
  "",
].join("\n");
// line 4 names a day February does not have
const BROKEN_2027 = YEAR_2027.replace("2027-02-09 holiday", "2027-02-30 holiday");

const upload = (p, sel, name, text, mimeType) =>
  p.setInputFiles(sel, { name, mimeType, buffer: Buffer.from(text, "utf8") });
const dayCell = (day) => `#cal-grid td[data-day="${day}"]`;

let page;
await test("工作日历: the shipped years listed, 2026 as a month grid", async () => {
  const ctx = await b.newContext(desktop);
  page = await ctx.newPage();
  await login(page, "/web/admin.html#calendar", "pageadmin");
  await page.waitForSelector('#cal-years tr[data-year="2026"]');
  assert(await page.isVisible('#cal-years tr[data-year="2025"]'), "2025 is not listed");
  const summary = await page.textContent("#cal-summary");
  assert(summary.includes("系统内置") && summary.includes("2026-12-31"), summary);
  await page.click('#cal-years tr[data-year="2026"] button[data-act="show"]');
  await page.waitForSelector('#cal-grid .year[data-year="2026"]');
  assert(await page.getAttribute(dayCell("2026-10-01"), "class") === "holiday", "10-01 not a holiday");
  assert((await page.textContent(dayCell("2026-10-01"))).includes("休"));
  assert(await page.getAttribute(dayCell("2026-10-10"), "class") === "adjusted", "10-10 not 调休");
  assert((await page.textContent(dayCell("2026-10-10"))).includes("班"));
  assert(await page.getAttribute(dayCell("2026-10-04"), "class") === "weekend", "10-04 not a weekend");
  assert(await page.getAttribute(dayCell("2026-10-08"), "class") === "plain", "10-08 not a working day");
  assert(await page.getAttribute('#tab-calendar', "aria-selected") === "true");
  await shot(page, "admin-calendar");
});

await test("工作日历: a broken file shows its line; a click shows it in the text; nothing loaded", async () => {
  const loads = sql("SELECT count(*) FROM calendar_loads");
  await upload(page, "#cal-file", "2027.txt", BROKEN_2027, "text/plain");
  await page.waitForSelector('#cal-check .problems li[data-line="4"]');
  const item = await page.textContent('#cal-check .problems li[data-line="4"]');
  assert(item.includes("第 4 行") && item.includes("节假日安排文件此行有误"), item);
  assert(!(await page.isVisible("#cal-load")), "a broken file may be loaded");
  await page.click('#cal-check .problems li[data-line="4"] button.line-link');
  await page.waitForSelector('#cal-check .src-line.marked[data-line="4"]');
  const line = await page.textContent('#cal-check .src-line.marked[data-line="4"]');
  assert(line.includes("2027-02-30"), line);
  await shot(page, "admin-calendar-problems");
  assert(sql("SELECT count(*) FROM calendar_loads") === loads, "something was loaded");
});

await test("工作日历: the fixed file is previewed, loaded, and the recomputed deadlines counted", async () => {
  const app = await createApp("spjy");
  const accept = await http("POST", `/api/v1/applications/${app.number}/accept`,
    { token: await token("clerk1"), body: {} });
  assert(accept.status === 200, accept.text);
  await upload(page, "#cal-file", "2027.txt", YEAR_2027, "text/plain");
  await page.waitForSelector("#cal-load");
  await page.waitForSelector('#cal-check .year[data-year="2027"] td[data-day="2027-02-10"].holiday');
  assert(await page.isVisible('#cal-check .year[data-year="2027"] td[data-day="2027-02-20"].adjusted'));
  await shot(page, "admin-calendar-preview");
  const answer = page.waitForResponse((r) => r.url().includes("/api/v1/calendar?") && r.request().method() === "POST");
  await page.click("#cal-load");
  const r = await (await answer).json();
  assert(r.recomputed.open >= 1, JSON.stringify(r));
  await page.waitForSelector("#cal-loaded");
  const said = await page.textContent("#cal-loaded");
  assert(said.includes(`已重新计算 ${r.recomputed.open} 件在办件的期限`) &&
    said.includes(`其中 ${r.recomputed.moved} 件期限有变化`) && said.includes("11 个日期"), said);
  await page.waitForSelector('#cal-years tr[data-year="2027"]');
  await page.waitForSelector('#cal-grid .year[data-year="2027"]');
  assert(await page.getAttribute(dayCell("2027-10-04"), "class") === "holiday");
  const row = await page.textContent('#cal-years tr[data-year="2027"]');
  assert(row.includes("管理员加载") && row.includes("2027.txt") && row.includes("9 天") && row.includes("2 天"), row);
  assert((await page.textContent("#cal-summary")).includes("2027-12-31"));
  await shot(page, "admin-calendar-loaded");
  const e = await http("GET", "/api/v1/security-events?kind=calendar_loaded&limit=1",
    { token: await token("pageadmin") });
  assert(e.json.items[0].actor === "pageadmin" && e.json.items[0].subject === "calendar:2027", e.text);
});

const spjy = readFileSync(path.join(ROOT, "workflows", "spjy.xml"), "utf8");
const shipped = Number(/id="spjy" version="(\d+)"/.exec(spjy)[1]);
const next = spjy.replace(`id="spjy" version="${shipped}"`, `id="spjy" version="${shipped + 1}"`);
// the branch names a bureau bureaus.xml does not have
const badLine = next.split("\n").findIndex((l) => l.includes('<branch id="license"')) + 1;
const broken = next.replace('<branch id="license" name="食品经营许可审查" bureau="SCJG">',
  '<branch id="license" name="食品经营许可审查" bureau="XX">');

await test("流程定义: the deployed definitions with their versions and times", async () => {
  await page.click("#tab-workflows");
  await page.waitForSelector('#wf-list tr[data-id="spjy"]');
  assert(await page.getAttribute("#wf-list", "data-count") === "4");
  const row = await page.textContent('#wf-list tr[data-id="spjy"]');
  assert(row.includes("食品经营许可") && row.includes(`第 ${shipped} 版`) && /\d{4}/.test(row), row);
  assert(page.url().endsWith("#workflows"), page.url());
  await shot(page, "admin-workflows");
});

await test("流程定义: a broken definition shows its problems by line, and cannot be deployed", async () => {
  assert(badLine > 1 && broken !== next, "the test's definition did not change");
  await upload(page, "#wf-file", "spjy.xml", broken, "application/xml");
  await page.waitForSelector(`#wf-check .problems li[data-line="${badLine}"]`);
  const item = await page.textContent(`#wf-check .problems li[data-line="${badLine}"]`);
  assert(item.includes(`第 ${badLine} 行`) && item.includes("流程定义此处有误") && item.includes("XX"), item);
  assert(!(await page.isVisible("#wf-deploy")), "a broken definition may be deployed");
  await page.click(`#wf-check .problems li[data-line="${badLine}"] button.line-link`);
  await page.waitForSelector(`#wf-check .src-line.marked[data-line="${badLine}"]`);
  assert((await page.textContent(`#wf-check .src-line.marked[data-line="${badLine}"]`)).includes('bureau="XX"'));
  await shot(page, "admin-workflows-problems");
  assert(sql("SELECT max(version) FROM definitions WHERE id = 'spjy'") === String(shipped));
});

await test("流程定义: the fixed definition passes, is deployed and listed as the new version", async () => {
  await upload(page, "#wf-file", "spjy.xml", next, "application/xml");
  await page.waitForSelector("#wf-deploy");
  const ok = await page.textContent("#wf-check .ok-text");
  assert(ok.includes(`第 ${shipped + 1} 版`) && ok.includes("可以部署"), ok);
  await shot(page, "admin-workflows-checked");
  await page.click("#wf-deploy");
  await page.waitForSelector("#wf-deployed");
  await page.waitForSelector(`#wf-list tr[data-id="spjy"][data-version="${shipped + 1}"].selected`);
  assert((await page.textContent("#wf-deployed")).includes(`已部署：食品经营许可（spjy）第 ${shipped + 1} 版`));
  await shot(page, "admin-workflows-deployed");
  assert(sql("SELECT max(version) FROM definitions WHERE id = 'spjy'") === String(shipped + 1));
});

await test("the accounts tab still works beside the others", async () => {
  await page.click("#tab-accounts");
  await page.waitForSelector('#accounts tr[data-user="clerk1"]');
  assert(await page.isHidden("#calendar") && await page.isHidden("#workflows"));
});

await b.close();
done();
