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
import { BASE, assert, browser, checkChinese, done, test } from "./lib.mjs";

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
  const { ctx, p } = await served("<main><h1>办件</h1><p>部门审批：approved</p></main>");
  const msg = await failure(p);
  assert(msg && msg.includes("“approved” in text"), "approved passed the check: " + msg);
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

await b.close();
done();
