// zh.mjs — Chinese everywhere a person reads (issue 13 §5), in Chromium
// (playwright-core). First the harness's check itself (lib.mjs
// checkChinese, run by every screenshot and at the end of every test):
// it fails on a page showing "approved", on a toast that is gone before
// the check, on an alert, on the English of a problem; it lets Latin
// that belongs on a Chinese page pass. Then the pages that leaked
// English before, as a person reads them now: states of the branches,
// 长期有效, license fields by their labels, service names in look-ups,
// roles, problems from the registry's Chinese descriptions. Screenshots:
// tests/artifacts/zh-*.png. TAP.
import {
  BASE, approveByBureau, assert, browser, checkChinese, createApp, done, http, login, shot, test, token,
} from "./lib.mjs";

// the registry's table as the pages have it (the server's /web/problems.js)
const problemsJs = await (await fetch(BASE + "/web/problems.js")).text();
const { PROBLEMS } = await import("data:text/javascript," + encodeURIComponent(problemsJs));

const b = await browser();
const desktop = { viewport: { width: 1280, height: 900 }, baseURL: BASE };

// A page of `body` served at /zh-check on the test server's origin (the
// init scripts of the context apply to it as to any page).
async function served(body) {
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await p.route(BASE + "/zh-check", (r) =>
    r.fulfill({ contentType: "text/html; charset=utf-8", body: `<!doctype html><html lang="zh-CN"><head><title>检查</title></head><body>${body}</body></html>` }));
  await p.goto("/zh-check");
  return { ctx, p };
}

// The check's failure on page p: its message (null when it passed).
async function failure(p) {
  try {
    await checkChinese(p, "self-test");
    return null;
  } catch (e) {
    return e.message;
  }
}

await test("the check fails on a page showing “approved”", async () => {
  const { ctx, p } = await served("<main><h1>办件</h1><p>部门审批：approved</p><p>受理时间 2026-11-30T06:05:00Z</p></main>");
  const msg = await failure(p);
  assert(msg && msg.includes("“approved” in text"), "approved passed the check: " + msg);
  assert(msg.includes("“2026-11-30T06:05:00Z” in text"), "a raw time passed the check: " + msg);
  assert((await failure(p)) === null, "a failure is reported once");
  await ctx.close();
});

await test("the check sees attributes, options, a toast already gone and an alert", async () => {
  const { ctx, p } = await served(`<main><input aria-label="办理事项" placeholder="Pending"><select aria-label="状态"><option>已受理</option><option>withdrawn</option></select></main>`);
  let msg = await failure(p);
  assert(msg && msg.includes("“Pending” in placeholder") && msg.includes("“withdrawn” in option"), "attribute and option: " + msg);
  // a toast shown for 400 ms, gone when the check runs; then an alert
  p.on("dialog", (d) => d.accept());
  await p.evaluate(async () => {
    const t = document.createElement("div");
    t.setAttribute("role", "alert");
    t.textContent = "the role may not do this";
    document.body.append(t);
    await new Promise((r) => setTimeout(r, 400));
    t.remove();
    alert("forbidden");
  });
  msg = await failure(p);
  assert(msg && msg.includes("“the role may not do this” in text"), "the toast's English description of forbidden: " + msg);
  assert(msg.includes("“forbidden” in dialog alert"), "the alert: " + msg);
  await ctx.close();
});

await test("a context closing fails with what its pages showed", async () => {
  const { ctx, p } = await served("<main><p>有效期至 long-term</p></main>");
  await p.evaluate(() => (document.querySelector("p").textContent = "有效期至 长期有效"));
  let msg = null;
  try {
    await ctx.close();
  } catch (e) {
    msg = e.message;
  }
  assert(msg && msg.includes("“long-term”"), "the state before the change: " + msg);
});

await test("the check lets the Latin of a Chinese page pass", async () => {
  const { ctx, p } = await served(
    `<main><h1>受理通知书（PDF）</h1><p>扫描 QR 码查询：https://hall.example.cn/t/330100202611300000001?c=ABCD-EFGH</p>
     <p>身份证 ID：33010619900307123X　统一社会信用代码 11330100MB1730523X</p>
     <p>已上传：<span translate="no">Final scan of the lease.pdf</span>　联系邮箱 office.zwfw@example.cn</p>
     <p><span translate="no">admin</span>（退出）</p></main>`);
  const msg = await failure(p);
  assert(msg === null, "legitimate Latin failed the check: " + msg);
  await ctx.close();
});

// ---- the pages that leaked, as a person reads them now ----------------------

// The bureaus of 企业开办, which work at once on the shared application.
const OFFICERS = ["SCJG", "GA", "SW", "RS", "GJJ"];

let company; // the 企业开办 application, approved with its 营业执照 (长期)
let payload; // the QR payload of that license

await test("window: a look-up shows states, service names and 长期 in Chinese", async () => {
  company = await createApp("qykb");
  const acc = await http("POST", `/api/v1/applications/${company.number}/accept`, { token: await token("clerk1"), body: {} });
  assert(acc.status === 200, "accept: " + acc.text);
  for (const bureau of OFFICERS) await approveByBureau(company.number, bureau);
  const t = (await http("GET", `/api/v1/track/${company.number}?code=${company.tracking_code}`)).json;
  const lic = (t.licenses || []).find((l) => !/^\d/.test(l.valid_until || ""));
  assert(lic, "an unlimited license: " + JSON.stringify(t.licenses));
  payload = lic.payload;
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await login(p, "/web/window.html", "clerk1");
  const app = (await http("GET", `/api/v1/applications/${company.number}`, { token: await token("clerk1") })).json;
  await p.fill("#search", app.applicant.id_number);
  await p.press("#search", "Enter");
  await p.waitForSelector(`#holder .item[data-number="${company.number}"]`);
  const holder = await p.textContent("#holder");
  assert(holder.includes("企业开办") || holder.includes(t.service.name), "the service's name: " + holder);
  assert(holder.includes("有效期至 长期"), "长期 for an unlimited license: " + holder);
  await shot(p, "zh-window-holder");
  await p.click(`#holder .item[data-number="${company.number}"] button.title`);
  await p.waitForSelector(`#application .card[data-number="${company.number}"] .bureaus`);
  const bureaus = await p.textContent("#application .bureaus");
  assert(bureaus.includes("已通过"), "branch states in Chinese: " + bureaus);
  await shot(p, "zh-window-branches");
  await ctx.close();
});

await test("window: a refusal of the server is a toast of the registry's Chinese", async () => {
  const a = await createApp("spjy");
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await login(p, "/web/window.html#" + a.number, "clerk1");
  await p.waitForSelector("#do-request");
  // a one-time notice without items: refused, and nothing changes (no
  // live redraw of the page)
  const body = { items: [], reason: "请补齐所列材料" };
  const refused = await http("POST", `/api/v1/applications/${a.number}/supplement-request`, { token: await token("clerk1"), body });
  assert(refused.status >= 400 && refused.json.code, "the refusal: " + refused.text);
  await p.click("#do-request");
  await p.waitForSelector("#toast.error:not([hidden])");
  const text = await p.textContent("#toast");
  const zh = PROBLEMS[refused.json.code].zh;
  assert(text.startsWith(zh), `the toast ${text} ≠ the registry's ${zh}`);
  assert(!text.includes(refused.json.detail), "the English detail is not shown: " + text);
  for (const x of refused.json.errors || []) assert(!text.includes(x.detail), "no English detail of a field: " + text);
  await shot(p, "zh-toast");
  await ctx.close();
});

await test("verification page: the license's data in Chinese (长期, 是/否)", async () => {
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await p.goto("/v?p=" + encodeURIComponent(payload));
  await p.waitForSelector("#verdict");
  assert((await p.getAttribute("#verdict", "data-valid")) === "true", await p.textContent("#result"));
  assert((await p.textContent("#result")).includes("长期"), await p.textContent("#result"));
  await shot(p, "zh-verify");
  await ctx.close();
});

await test("supervision: the audit trail names the roles in Chinese", async () => {
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await login(p, "/web/supervision.html", "inspector1");
  await p.waitForSelector("#live.on");
  // an application accepted now reaches the live feed; its number opens the trail
  const a = await createApp("spjy");
  const r = await http("POST", `/api/v1/applications/${a.number}/accept`, { token: await token("clerk1"), body: {} });
  assert(r.status === 200, r.text);
  await p.click(`#feed li[data-number="${a.number}"] button`);
  await p.waitForSelector("#trail li[data-seq]");
  const trail = await p.textContent("#trail");
  assert(trail.includes("窗口人员") && !/clerk（/.test(trail), "roles in Chinese: " + trail);
  await shot(p, "zh-supervision-trail");
  await ctx.close();
});

await b.close();
done();
