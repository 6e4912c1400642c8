// intake.mjs — intake that nobody can stop for others (issue 17 §1) in
// Chromium (playwright-core): the applicant's phone page of an online
// application no clerk accepted in time says 已过期 and what to do; the
// inspector's dashboard shows the day whose online numbers ran out; a
// 429's wait reaches the page's words. Screenshots:
// tests/artifacts/track-expired-390.png and supervision-intake-alert.png.
// The server expires online applications after a day (TB_ONLINE_EXPIRY);
// the injected clock puts a submission further back. TAP.
import {
  BASE, assert, browser, chinaToday, citizenId, done, http, login, makeForm, shot, sql,
  test,
} from "./lib.mjs";

const b = await browser();
const desktop = { viewport: { width: 1280, height: 900 }, baseURL: BASE };
const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, baseURL: BASE };

// An online application of 出生一件事 without a token, at Unix seconds
// clock (undefined: now).
async function online(clock, seq) {
  const def = (await http("GET", "/api/v1/workflows/cssj")).json;
  assert(def.online, "cssj can be applied for online");
  const id = citizenId("19920415", seq);
  return http("POST", "/api/v1/applications", {
    clock,
    body: {
      service: "cssj", channel: "online", form: makeForm(def, { mother_id: id }), materials: [],
      applicant: { kind: "person", name: "王小明", id_number: id },
    },
  });
}

await test("the phone page of an expired online application says 已过期 and what to do", async () => {
  const r = await online(Date.now() / 1000 - 86400 - 60, "331");
  assert(r.status === 201, r.text);
  const a = r.json;
  let t;
  for (let i = 0; i < 100; i++) {
    t = (await http("GET", `/api/v1/track/${a.number}?code=${a.tracking_code}`)).json;
    if (t.state === "expired") break;
    await new Promise((ok) => setTimeout(ok, 200));
  }
  assert(t.state === "expired", "expired by the scheduler: " + JSON.stringify(t));
  const ctx = await b.newContext(phone);
  const p = await ctx.newPage();
  await p.goto(`/t/${a.number}?c=${a.tracking_code}`);
  await p.waitForSelector("#expired");
  assert((await p.textContent("#state")).includes("已过期"), await p.textContent("#state"));
  const card = await p.textContent("#expired");
  assert(card.includes("申请已过期") && card.includes("重新提交网上申请") && card.includes("综合窗口"), card);
  assert(!(await p.$("#deadline")), "no deadline once expired");
  const timeline = await p.textContent("#timeline");
  assert(timeline.includes("网上申请逾期未受理，已过期") && timeline.includes("提交申请"), timeline);
  assert(!/[a-z]/.test(timeline), "every timeline entry in Chinese: " + timeline);
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  assert(width <= 390, "no horizontal scrolling at 390 px: " + width);
  await shot(p, "track-expired-390");
  await ctx.close();
});

await test("the dashboard shows the day whose online numbers ran out", async () => {
  const today = chinaToday();
  const used = sql(`SELECT last FROM app_serials WHERE day = '${today}' AND pool = 'public'`);
  sql("INSERT INTO app_serials (region, day, pool, last) VALUES " +
    `('330100', '${today}', 'public', 800000000) ON CONFLICT (region, day, pool) DO UPDATE SET last = 800000000`);
  try {
    const r = await online(undefined, "348");
    assert(r.status === 503 && r.json.code === "numbers_exhausted", r.text);
    assert(Number(r.headers.get("Retry-After")) >= 60, "Retry-After: " + r.headers.get("Retry-After"));
  } finally {
    sql(used ? `UPDATE app_serials SET last = ${Number(used)} WHERE day = '${today}' AND pool = 'public'`
      : `DELETE FROM app_serials WHERE day = '${today}' AND pool = 'public'`);
  }
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await login(p, "/web/supervision.html", "inspector1");
  const sel = `#intake-alerts .item[data-day="${today}"][data-pool="public"]`;
  await p.waitForSelector(sel);
  const text = await p.textContent(sel);
  assert(text.includes("受理编号已用尽") && text.includes("网上申请（未登录）") && text.includes("已拒绝 1 件"), text);
  await shot(p, "supervision-intake-alert");
  await ctx.close();
});

await test("a 429 on a page says how long to wait, in Chinese", async () => {
  const ctx = await b.newContext(phone);
  const p = await ctx.newPage();
  await p.goto("/web/track.html");
  const text = await p.evaluate(async () => {
    const m = await import("/web/common.js");
    return [
      m.problemText(new m.ApiError(429, { code: "intake_throttled", detail: "", errors: [] }, 95)),
      m.problemText(new m.ApiError(429, { code: "intake_throttled", detail: "", errors: [] }, 3000)),
    ];
  });
  assert(text[0] === "提交过于频繁，请稍后再试（需等待 95 秒）", text[0]);
  assert(text[1] === "提交过于频繁，请稍后再试（需等待 50 分钟）", text[1]);
  await ctx.close();
});

await b.close();
process.exit(done());
