// calendar.mjs — the holiday calendar kept honest on the pages (issue 15
// §1) in Chromium (playwright-core). An administrator loads the shipped
// 2026 schedule with `tongban calendar load` (TB_TONGBAN); an application
// accepted on 2026-12-30 (its first task due 2027-01-01, the whole on
// 2027-01-06) is due in 2027, past it: its deadlines carry the
// 暂定 badge (with the title 节假日安排尚未公布…) on the applicant's phone,
// in the bureau's worklist, at the window and in the supervision alerts,
// and the supervision page warns "N 个期限超出已加载的节假日安排（至
// 2026-12-31），为暂定期限"; an application due within 2026 has no badge;
// one accepted before the load had its deadline recomputed, which its
// applicant sees in the timeline.
// Screenshots: tests/artifacts/calendar-*.png. TAP.
import { execFileSync } from "node:child_process";
import path from "node:path";
import {
  ARTIFACTS, BASE, ROOT, assert, browser, createApp, done, http, login, note,
  shot, test, token,
} from "./lib.mjs";

const b = await browser();
const desktop = { viewport: { width: 1280, height: 900 }, baseURL: BASE };
const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, baseURL: BASE };

// 10:00 China Standard Time on a day, as Unix seconds.
const tenAm = (day) => Date.parse(day + "T10:00:00+08:00") / 1000;

async function accepted(clock) {
  const a = await createApp("spjy", { clock: clock ? clock - 600 : undefined });
  const r = await http("POST", `/api/v1/applications/${a.number}/accept`, { body: {}, token: await token("clerk1"), clock });
  assert(r.status === 200, r.text);
  return { ...a, view: r.json };
}

let late, exact;

let moved;

await test("an administrator loads the 2026 schedule; a deadline in 2027 is provisional", async () => {
  // accepted on 2026-09-18 while no calendar was loaded: due 2026-09-25 by
  // the plain week, 2026-09-24 with Sunday 2026-09-20 worked (调休)
  moved = await accepted(tenAm("2026-09-18"));
  assert(moved.view.deadline === "2026-09-25", moved.view.deadline);
  const out = execFileSync(process.env.TB_TONGBAN, [
    "calendar", "load", path.join(ROOT, "calendar", "2026.txt"), "--db", process.env.TB_ADMIN_CONNINFO,
  ]).toString();
  assert(/stored \d+ calendar days/.test(out) && out.includes("recomputed the deadlines of 1 open applications: 1 moved"), out);
  const m = (await http("GET", "/api/v1/applications/" + moved.number, { token: await token("clerk1") })).json;
  assert(m.deadline === "2026-09-24" && m.deadline_provisional === false, m.deadline);
  late = await accepted(tenAm("2026-12-30"));
  exact = await accepted(null);
  const v = (await http("GET", "/api/v1/applications/" + late.number, { token: await token("clerk1") })).json;
  assert(v.deadline === "2027-01-06" && v.deadline_provisional === true, JSON.stringify([v.deadline, v.deadline_provisional]));
  const e = (await http("GET", "/api/v1/applications/" + exact.number, { token: await token("clerk1") })).json;
  assert(e.deadline_provisional === false, e.deadline);
  const task = v.branches.find((x) => x.status === "active");
  assert(task.deadline === "2027-01-01" && task.deadline_provisional === true, JSON.stringify(task));
  note(`accepted 2026-12-30: first task due ${task.deadline} (元旦 2027 not yet published), the whole ${v.deadline}: provisional`);
});

await test("phone tracking: 暂定 next to the deadline, with its explanation", async () => {
  const ctx = await b.newContext(phone);
  const p = await ctx.newPage();
  await p.goto(`/t/${late.number}?c=${late.tracking_code}`);
  await p.waitForSelector("#deadline .badge.provisional");
  assert((await p.textContent("#deadline .badge.provisional")) === "暂定");
  const title = await p.getAttribute("#deadline .badge.provisional", "title");
  assert(title.includes("节假日安排尚未公布"), title);
  assert((await p.textContent("#deadline")).includes("2027-01-06"), await p.textContent("#deadline"));
  await p.waitForSelector("#bureaus .bureau .badge.provisional"); // the bureau's step, due 2027-01-01
  await shot(p, "calendar-track-provisional-390");
  // the recomputed application tells its applicant
  await p.goto(`/t/${moved.number}?c=${moved.tracking_code}`);
  await p.waitForSelector("#timeline >> text=按新公布的节假日安排重算期限");
  assert((await p.textContent("#deadline")).includes("2026-09-24"), await p.textContent("#deadline"));
  await shot(p, "calendar-track-recomputed-390");
  await p.goto(`/t/${exact.number}?c=${exact.tracking_code}`);
  await p.waitForSelector("#deadline");
  assert(!(await p.$("#deadline .badge.provisional")), "no badge on a deadline the calendar covers");
  await ctx.close();
});

await test("worklist and window: the badge on the provisional deadline only", async () => {
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await login(p, "/web/worklist.html", "officer-SCJG");
  const item = `#queue .item[data-number="${late.number}"]`;
  await p.waitForSelector(`${item} .badge.provisional`);
  await p.waitForSelector(`#queue .item[data-number="${exact.number}"]`);
  assert(!(await p.$(`#queue .item[data-number="${exact.number}"] .badge.provisional`)), "exact deadline: no badge");
  await p.locator(item).scrollIntoViewIfNeeded();
  await shot(p, "calendar-worklist-provisional");
  await ctx.close();
  const w = await (await b.newContext(desktop)).newPage();
  await login(w, "/web/window.html", "clerk1");
  await w.fill("#search", late.number);
  await w.press("#search", "Enter");
  await w.waitForSelector("#app-deadline .badge.provisional");
  await shot(w, "calendar-window-provisional");
  await w.context().close();
});

await test("supervision: the warning counts the provisional deadlines", async () => {
  const ov = (await http("GET", "/api/v1/supervision/overview", { token: await token("inspector1") })).json;
  assert(ov.calendar.source === "administrator" && ov.calendar.covered_until === "2026-12-31", JSON.stringify(ov.calendar));
  assert(ov.calendar.provisional >= 1, JSON.stringify(ov.calendar));
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await login(p, "/web/supervision.html", "inspector1");
  await p.waitForSelector("#calendar-warning");
  const text = await p.textContent("#calendar-warning");
  const want = `${ov.calendar.provisional} 个期限超出已加载的节假日安排（至 2026-12-31），为暂定期限`;
  assert(text === want, `${text} / ${want}`);
  await shot(p, "calendar-supervision-warning");
  await ctx.close();
});

await b.close();
done();
