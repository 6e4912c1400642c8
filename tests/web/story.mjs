// story.mjs — the whole story in Chromium (playwright-core), each user in
// their own browser context: a clerk takes a business start-up (企业开办)
// application at the window and prints the receipt; the officers of four
// bureaus claim and approve (social insurance returns first, the window
// records the supplement); the inspector's dashboard shows each change
// live; the applicant follows it on a 375×812 phone page and sees the
// license with its QR code; its QR payload verifies on /v, a tampered
// one is refused, and one signed by a bureau without authority for its
// type (tests/licenses/forge_license) is refused with the reason in
// Chinese; after delivery the applicant rates the service on the
// phone (好差评) and the rating is stored; a timer's red card reaches the
// dashboard and the worklist live; the start page and the tracking form
// on a phone. Every state shown is audited by axe-core (lib.mjs).
// Screenshots go to tests/artifacts/. TAP output.
import { execFileSync } from "node:child_process";
import path from "node:path";
import {
  ARTIFACTS, BASE, ORG_ID, ORG_NAME, assert, browser, citizenId, createApp, done,
  audit, fillIntake, fixture, http, login, note, openTask, sql, shot, test, token,
} from "./lib.mjs";

const b = await browser();
const desktop = { viewport: { width: 1280, height: 900 }, baseURL: BASE };
const phone = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, baseURL: BASE };

const ORG = { name: ORG_NAME, id: ORG_ID }; // the organization createApp applies for too
let number = null;
let code = null;
let inspector, clerk;

// The dashboard must show a change of `number` within `ms`.
async function seenLive(status, ms = 1500) {
  const t0 = Date.now();
  await inspector.waitForSelector(`#feed li[data-number="${number}"] >> text=${status}`, { timeout: ms });
  return Date.now() - t0;
}

await test("the inspector's dashboard opens and connects live", async () => {
  const ctx = await b.newContext(desktop);
  inspector = await ctx.newPage();
  await login(inspector, "/web/supervision.html", "inspector1");
  await inspector.waitForSelector("#counts .count");
  await inspector.waitForSelector("#live.on", { timeout: 5000 });
  await shot(inspector, "supervision-empty");
});

await test("window: a business start-up application, accepted, receipt printed", async () => {
  const ctx = await b.newContext(desktop);
  clerk = await ctx.newPage();
  await login(clerk, "/web/window.html", "clerk1");
  await fillIntake(clerk, "qykb", { kind: "organization", ...ORG },
    { company_name: "通办示范科技", address: "杭州市上城区解放路一号", legal_rep_name: "张三丰", legal_rep_id: citizenId() });
  // 容缺 for the appointment papers, 告知承诺 for the premises
  await clerk.check('li[data-material="appointment"] input[value="tolerated"]');
  await clerk.check('li[data-material="premises"] input[value="committed"]');
  await shot(clerk, "window-intake");
  await clerk.click("#submit-intake");
  await clerk.waitForSelector("#tracking-code");
  code = (await clerk.textContent("#tracking-code")).trim();
  number = await clerk.getAttribute("#application .card", "data-number");
  assert(number && number.length === 24 && code, number + " " + code);
  note(`application ${number}`);
  await seenLive("待受理");
  // the 容缺 / 告知承诺 choices are stored: a reload still shows them
  await clerk.reload();
  await clerk.waitForSelector(`#application .card[data-number="${number}"]`);
  assert(await clerk.isVisible('li[data-material="appointment"][data-choice="tolerated"] .badge.choice'), "容缺 choice kept");
  assert(await clerk.isVisible('li[data-material="premises"][data-choice="committed"] .badge.choice'), "告知承诺 choice kept");
  await shot(clerk, "window-after-reload");
  await clerk.click("#do-accept");
  await clerk.waitForSelector('#application .card[data-state="in_review"]');
  // accepted with the stored choice: the appointment is a tolerated gap
  await clerk.waitForSelector('li[data-material="appointment"][data-status="gap"]');
  await clerk.waitForSelector('li[data-material="premises"][data-status="committed"]');
  const ms = await seenLive("审查中");
  note(`accept seen on the dashboard after ${ms} ms`);
  await shot(clerk, "window-accepted");
  // the receipt with its QR code, as printed
  await clerk.evaluate(() => { window.print = () => {}; });
  await clerk.click("#do-print");
  await clerk.waitForSelector("#receipt-qr", { state: "attached" });
  await clerk.emulateMedia({ media: "print" });
  const qrOk = await clerk.evaluate(async () => {
    const img = document.querySelector("#receipt-qr");
    if (!img) return false;
    if (!img.complete) await new Promise((r) => img.addEventListener("load", r, { once: true }));
    return img.naturalWidth > 0;
  });
  assert(qrOk, "the receipt's QR code loads");
  assert(await clerk.isVisible("#receipt"), "the receipt is what prints");
  await shot(clerk, "receipt-print");
  await clerk.pdf({ path: path.join(ARTIFACTS, "receipt.pdf"), format: "A4" }).catch(() => {});
  await clerk.emulateMedia({ media: "screen" });
});

const officers = {};
async function officerPage(bureau) {
  if (!officers[bureau]) {
    const ctx = await b.newContext(desktop);
    const p = await ctx.newPage();
    await login(p, "/web/worklist.html", "officer-" + bureau);
    await p.waitForSelector("#queue[data-count]");
    officers[bureau] = p;
  }
  return officers[bureau];
}

// Claim and decide the bureau's task of our application in its worklist.
async function work(bureau, decision, { comment, items } = {}) {
  const p = await officerPage(bureau);
  const sel = await openTask(p, number);
  if (comment) await p.fill(`${sel} textarea[name="comment"]`, comment);
  for (const i of items || []) {
    await p.click(`${sel} details summary`);
    await p.check(`${sel} input[name="item"][value="${i}"]`);
  }
  await shot(p, `worklist-${bureau}-${decision}`);
  await p.click(`${sel} button[data-act="${decision}"]`);
  await p.waitForSelector(`${sel} .decide`, { state: "detached", timeout: 5000 });
}

async function openBureaus() {
  const a = (await http("GET", "/api/v1/applications/" + number, { token: await token("clerk1") })).json;
  return { state: a.state, active: a.branches.filter((x) => x.status === "active").map((x) => x.bureau) };
}

await test("bureaus: registration first, then the parallel bureaus; one returns", async () => {
  await work("SCJG", "approve", { comment: "登记材料齐全，准予设立登记" });
  await seenLive("审查中");
  const o = await openBureaus();
  note("parallel bureaus now: " + o.active.join(", "));
  for (const x of ["GA", "SW", "RS"]) assert(o.active.includes(x), o.active);
  await work("RS", "return", { comment: "请补充参保人员花名册", items: ["appointment"] });
  // the other bureaus finish their round; then the merged notice goes out
  for (let round = 0; round < 6; round++) {
    const now = await openBureaus();
    if (now.state !== "in_review" || !now.active.length) break;
    for (const bureau of now.active) await work(bureau, "approve", { comment: "同意" });
  }
  const ms = await seenLive("补正中", 3000);
  note(`return seen on the dashboard after ${ms} ms`);
});

await test("the applicant's phone shows the supplement notice in full", async () => {
  // what the window sees: the merged notice, every item and bureau comment
  const staff = (await http("GET", "/api/v1/applications/" + number, { token: await token("clerk1") })).json;
  const notice = staff.notice;
  assert(notice && notice.items.length && notice.bureaus.length, JSON.stringify(notice));
  assert(notice.bureaus.some((x) => x.bureau === "RS" && x.comment === "请补充参保人员花名册"), JSON.stringify(notice));
  // the public tracking API carries the same notice
  const t = (await http("GET", `/api/v1/track/${number}?code=${code}`)).json;
  assert(JSON.stringify(t.notice) === JSON.stringify(notice), JSON.stringify(t.notice));
  const ctx = await b.newContext(phone);
  const p = await ctx.newPage();
  await p.goto(`/t/${number}?c=${code}`);
  await p.waitForSelector("#state");
  await p.waitForSelector("#notice");
  const text = await p.textContent("#notice");
  for (const i of notice.items) {
    assert(await p.isVisible(`#notice-items li[data-material="${i.id}"]`), "item " + i.id);
    assert(text.includes(i.name), "the notice names " + i.name + ": " + text);
  }
  for (const x of notice.bureaus) {
    assert(x.bureau_name && text.includes(x.bureau_name), "bureau " + x.bureau + ": " + text);
    assert(text.includes(x.comment), "comment of " + x.bureau + ": " + text);
  }
  note(`notice on the phone: ${notice.items.length} item(s), ${notice.bureaus.length} bureau(s)`);
  await shot(p, "track-returned-375");
  await ctx.close();
});

await test("window records the supplement; every bureau approves; live all along", async () => {
  await clerk.fill("#search", number);
  await clerk.press("#search", "Enter");
  await clerk.waitForSelector('#application .card[data-state="returned"]');
  // locators, not handles: a live refresh may redraw the card before the
  // first box is ticked (after that the page keeps the clerk's ticks)
  const boxes = clerk.locator("#notice-owed input[type=checkbox]");
  for (let i = 0; i < (await boxes.count()); i++) await boxes.nth(i).check();
  await clerk.click("#do-supplement-items");
  await clerk.waitForSelector('#application .card[data-state="in_review"]', { timeout: 5000 });
  await seenLive("审查中");
  for (let round = 0; round < 8; round++) {
    const o = await openBureaus();
    if (o.state !== "in_review") break;
    for (const bureau of o.active) {
      await work(bureau, "approve", { comment: "同意" });
      await inspector.waitForTimeout(50);
    }
  }
  const o = await openBureaus();
  assert(o.state === "approved", o.state);
  await seenLive("准予许可", 3000);
  await shot(inspector, "supervision-live");
});

let payload = null;
await test("the applicant's phone (375×812) shows the approval and the license", async () => {
  const ctx = await b.newContext(phone);
  const p = await ctx.newPage();
  await p.goto(`/t/${number}?c=${code}`);
  await p.waitForSelector("#state >> text=准予许可");
  const t = (await http("GET", `/api/v1/track/${number}?code=${code}`)).json;
  assert(t.licenses && t.licenses.length, "the tracking data lists the license");
  await p.waitForSelector("#licenses");
  payload = t.licenses[0].payload;
  const qr = await p.evaluate(async () => {
    const img = document.querySelector("#licenses img.license-qr");
    if (!img) return 0;
    if (!img.complete) await new Promise((r) => { img.addEventListener("load", r, { once: true }); img.addEventListener("error", r, { once: true }); });
    return img.naturalWidth;
  });
  assert(qr > 0, "the license's QR image loads on the phone (with the tracking code)");
  note(`license ${t.licenses[0].id} shown with its QR code (${qr} px)`);
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  assert(width <= 375, "no horizontal scrolling at 375 px: " + width);
  await shot(p, "track-approved-375");
  await ctx.close();
});

await test("verification page: the license payload verifies; a tampered one is refused", async () => {
  const ctx = await b.newContext(phone);
  const p = await ctx.newPage();
  if (!payload) {
    await p.goto("/v");
    await shot(p, "verify-empty-375");
    note("no license payload available: the page only was checked");
    return;
  }
  await p.goto("/v?p=" + encodeURIComponent(payload));
  await p.waitForSelector("#verdict");
  assert((await p.getAttribute("#verdict", "data-valid")) === "true", await p.textContent("#result"));
  await shot(p, "verify-valid-375");
  assert((await p.getAttribute("#revocation", "data-checked")) === "true", await p.textContent("#result"));
  assert((await p.textContent("#revocation")).includes("在线核对"), await p.textContent("#revocation"));
  const i = Math.floor(payload.length / 2);
  const c = payload[i] === "A" ? "B" : "A";
  const tampered = payload.slice(0, i) + c + payload.slice(i + 1);
  await p.goto("/v");
  await p.waitForSelector("#payload");
  await shot(p, "verify-empty-375");
  await p.fill("#payload", tampered);
  await p.click("#verify");
  await p.waitForSelector("#verdict");
  assert((await p.getAttribute("#verdict", "data-valid")) === "false", "tampered payload refused");
  await shot(p, "verify-tampered-375");
  // The server's answer when it could not check revocation (its database
  // unreachable): the real verdict with revocation_checked false. The
  // page must say, in Chinese, that the verdict is incomplete.
  await p.route("**/api/v1/licenses/verify", async (route) => {
    const resp = await route.fetch();
    const verdict = await resp.json();
    await route.fulfill({ response: resp, json: { ...verdict, revocation_checked: false } });
  });
  await p.goto("/v?p=" + encodeURIComponent(payload));
  await p.waitForSelector("#revocation");
  assert((await p.getAttribute("#revocation", "data-checked")) === "false", await p.textContent("#result"));
  const verdict = await p.textContent("#verdict");
  assert(verdict.includes("未核对注销状态"), verdict);
  assert((await p.textContent("#revocation")).includes("未能核对该证照是否已被注销"), await p.textContent("#revocation"));
  await shot(p, "verify-unchecked-375");
  await ctx.close();
});

await test("verification page: a 营业执照 signed by 公安局 is refused: 签发机关无权签发此类证照", async () => {
  const forged = execFileSync(process.env.TB_FORGE,
    [process.env.TB_KEYS_DIR, "GA", "11100000MB0143028R001", "营业执照"], { encoding: "utf8" }).trim();
  const ctx = await b.newContext(phone);
  const p = await ctx.newPage();
  await p.goto("/v");
  await p.fill("#payload", forged);
  await p.click("#verify");
  await p.waitForSelector("#verdict");
  assert((await p.getAttribute("#verdict", "data-valid")) === "false", "forged authority refused");
  const verdict = await p.textContent("#verdict");
  assert(verdict.includes("签发机关无权签发此类证照"), verdict);
  const result = await p.textContent("#result");
  assert(!/issuer_not_authorized|long-term/.test(result), "no code words on the page: " + result);
  assert(result.includes("长期") && result.includes("公安局"), result);
  await shot(p, "verify-not-authorized-375");
  await ctx.close();
});

await test("window delivers; the applicant rates on the phone and the rating is stored", async () => {
  await clerk.click("#do-deliver"); /* the licenses first, then the confirmation */
  await clerk.waitForSelector("#deliver-panel");
  await clerk.click("#confirm-deliver");
  await clerk.waitForSelector('#application .card[data-state="delivered"]');
  await seenLive("已办结");
  const ctx = await b.newContext(phone);
  const p = await ctx.newPage();
  await p.goto(`/t/${number}?c=${code}`);
  await p.waitForSelector("form#rating");
  await shot(p, "track-delivered-375");
  await p.check('form#rating input[name="grade"][value="4"]');
  await p.fill("#rating-comment", "窗口服务很周到");
  await p.click('form#rating button[type="submit"]');
  await p.waitForSelector("#rated", { timeout: 5000 });
  const a = (await http("GET", "/api/v1/applications/" + number, { token: await token("clerk1") })).json;
  assert(a.rating === 4, "the rating is stored: " + a.rating);
  const ev = (await http("GET", `/api/v1/applications/${number}/events`, { token: await token("inspector1") })).json.events;
  const rate = ev[ev.length - 1];
  const data = (rate.payload && rate.payload.data) || {};
  assert(rate.action === "rate" && rate.role === "applicant" && data.grade === 4 &&
    data.comment === "窗口服务很周到", JSON.stringify(rate));
  assert(!JSON.stringify(rate).includes(code), "the tracking code is not in the audit trail");
  await p.reload();
  await p.waitForSelector("#rating >> text=★★★★");
  await shot(p, "track-rated-375");
  await ctx.close();
});

// Every open task of an application approved through the API, bureau by
// bureau, until the review ends; the application's state then.
async function approveAllByApi(n) {
  for (let round = 0; round < 10; round++) {
    const a = (await http("GET", "/api/v1/applications/" + n, { token: await token("clerk1") })).json;
    if (a.state !== "in_review") return a.state;
    for (const br of a.branches.filter((x) => x.status === "active")) {
      const officer = await token("officer-" + br.bureau);
      const q = (await http("GET", `/api/v1/tasks?bureau=${br.bureau}&limit=500`, { token: officer })).json;
      const task = q.items.find((t) => t.number === n);
      assert(task, "a task of " + br.bureau);
      if (task.state === "open") await http("POST", `/api/v1/tasks/${task.id}/claim`, { token: officer, body: {} });
      const r = await http("POST", `/api/v1/tasks/${task.id}/decide`, { token: officer, body: { decision: "approve", comment: "同意" } });
      assert(r.status === 200, "decide: " + r.text);
    }
  }
  throw new Error("the review did not end");
}

await test("容缺: approved but waiting for a material; the phone shows what is owed; the window's supplement signs the license", async () => {
  const a = await createApp("qykb", { omit: ["appointment"], name: "李容缺" });
  const clerkToken = await token("clerk1");
  let r = await http("POST", `/api/v1/applications/${a.number}/accept`, { token: clerkToken, body: { tolerated: ["appointment"] } });
  assert(r.status === 200, "accept: " + r.text);
  assert((await approveAllByApi(a.number)) === "awaiting_materials", "approved, waiting for the material");
  const ctx = await b.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, baseURL: BASE });
  const p = await ctx.newPage();
  await p.goto(`/t/${a.number}?c=${a.tracking_code}`);
  await p.waitForSelector("#state >> text=待补齐材料出证");
  await p.waitForSelector('#owed li[data-material="appointment"]');
  assert((await p.textContent("#owed")).includes("补齐后即签发电子证照"), await p.textContent("#owed"));
  assert(!(await p.isVisible("#licenses")), "no license before the material");
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  assert(width <= 390, "no horizontal scrolling at 390 px: " + width);
  await shot(p, "track-awaiting-materials-390");
  // the window takes the material: the license is signed in that transaction
  await clerk.fill("#search", a.number);
  await clerk.press("#search", "Enter");
  await clerk.waitForSelector('#application .card[data-state="awaiting_materials"]');
  await clerk.waitForSelector("#awaiting-materials");
  await shot(clerk, "window-awaiting-materials");
  await clerk.click("#do-supplement");
  await clerk.waitForSelector('#application .card[data-state="approved"]', { timeout: 5000 });
  await p.reload();
  await p.waitForSelector("#licenses");
  assert(!(await p.isVisible("#owed")), "nothing owed any more");
  await ctx.close();
});

await test("warnings live: a timer's red card reaches the dashboard and the worklist", async () => {
  const past = Date.now() / 1000 - 40 * 86400;
  const a = await createApp("spjy", { clock: past });
  const r = await http("POST", `/api/v1/applications/${a.number}/accept`, { body: {}, token: await token("clerk1"), clock: past });
  assert(r.status === 200, r.text);
  const t0 = Date.now();
  await inspector.waitForSelector(`#red .item[data-number="${a.number}"]`, { timeout: 15000 });
  note(`red card on the dashboard ${Date.now() - t0} ms after the acceptance (scheduler tick 0.5 s)`);
  const bureau = r.json.branches.find((x) => x.status === "active").bureau;
  const p = await officerPage(bureau);
  await p.waitForSelector(`#queue .item.warn-red[data-number="${a.number}"]`, { timeout: 5000 });
  await shot(inspector, "supervision-red");
  await shot(p, `worklist-${bureau}-red`);
  // drill down: the audit trail
  await inspector.click(`#red .item[data-number="${a.number}"] button.title`);
  await inspector.waitForSelector("#trail li[data-seq]");
  await shot(inspector, "supervision-trail");
});

await test("the start page and the tracking form on a phone (390×844)", async () => {
  const ctx = await b.newContext({ ...phone, viewport: { width: 390, height: 844 } });
  const p = await ctx.newPage();
  await p.goto("/");
  await p.waitForSelector("nav.links a");
  await shot(p, "index-390");
  await p.click('a[href="/web/track.html"]');
  await p.waitForSelector("form #number");
  await shot(p, "track-form-390");
  await ctx.close();
});

await test("pages: content types, caching, no traversal", async () => {
  let r = await http("GET", "/");
  assert(r.status === 200 && r.headers.get("content-type").startsWith("text/html"), r.status);
  const etag = r.headers.get("etag");
  assert(etag && r.headers.get("cache-control") === "no-cache", etag);
  r = await http("GET", "/", { headers: { "If-None-Match": etag } });
  assert(r.status === 304, "304 on a fresh ETag: " + r.status);
  r = await http("GET", "/web/common.js");
  assert(r.headers.get("content-type").startsWith("text/javascript"), r.headers.get("content-type"));
  r = await http("GET", "/web/style.css");
  assert(r.headers.get("content-type").startsWith("text/css"), "css");
  for (const bad of ["/web/../meson.build", "/web/nope.html", "/web/"]) {
    r = await http("GET", bad);
    assert(r.status === 404, bad + " → " + r.status);
  }
  // an encoded slash is refused before any route is looked at
  r = await http("GET", "/web/..%2f..%2fetc%2fpasswd");
  assert(r.status === 400 && r.json.code === "invalid_path", "%2f → " + r.status);
});

await test("pages: problems are shown in Chinese from the registry (/web/problems.js)", async () => {
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await p.goto("/web/worklist.html");
  await p.waitForSelector("form.login");
  await audit(p, "worklist-login");
  const zh = await p.evaluate(async () => {
    const { PROBLEMS } = await import("/web/problems.js");
    return { bad_credentials: PROBLEMS.bad_credentials.zh, not_found: PROBLEMS.not_found.zh };
  });
  assert(/[\u4e00-\u9fff]/.test(zh.bad_credentials) && /[\u4e00-\u9fff]/.test(zh.not_found), JSON.stringify(zh));
  await p.fill('input[name="username"]', "nobody");
  await p.fill('input[name="password"]', "wrong");
  await p.click('form.login button[type="submit"]');
  await p.waitForSelector(`form.login p.error >> text=${zh.bad_credentials}`, { timeout: 5000 });
  await audit(p, "worklist-login-error");
  await p.goto("/t/330100202001010000011?c=WRONG");
  await p.waitForSelector(`p.error >> text=${zh.not_found}`, { timeout: 5000 });
  await audit(p, "track-not-found");
  await ctx.close();
});

await test("worklist: a long queue comes a page at a time (加载更多), every task reachable", async () => {
  const clerk = await token("clerk1");
  for (let i = 0; i < 101; i++) {
    const a = await createApp("spjy");
    const r = await http("POST", `/api/v1/applications/${a.number}/accept`, { token: clerk, body: {} });
    assert(r.status === 200, "accept: " + r.text);
  }
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await login(p, "/web/worklist.html", "officer-SCJG");
  await p.waitForSelector("#queue[data-count]");
  const total = Number(await p.getAttribute("#queue", "data-total"));
  assert(total > 100, "total " + total);
  assert((await p.getAttribute("#queue", "data-count")) === "100", "first page");
  const more = p.locator("#queue p.more button");
  assert((await more.textContent()).includes(`共 ${total} 项`), await more.textContent());
  await more.scrollIntoViewIfNeeded();
  await p.screenshot({ path: path.join(ARTIFACTS, "worklist-long-queue.png") }); /* the end of the first page */
  while (await more.count()) {
    const before = Number(await p.getAttribute("#queue", "data-count"));
    await more.click();
    await p.waitForFunction((n) => Number(document.querySelector("#queue").dataset.count) > n, before);
  }
  assert(Number(await p.getAttribute("#queue", "data-count")) === total, "every task shown");
  await ctx.close();
});

await test("another window reprints the receipt with its QR code and tracking code", async () => {
  const ctx = await b.newContext(desktop); // no session memory of the code
  const p = await ctx.newPage();
  await login(p, "/web/window.html", "clerk1");
  await p.goto(`/web/window.html#${number}`);
  await p.waitForSelector(`#application .card[data-number="${number}"]`);
  await p.evaluate(() => { window.print = () => {}; });
  await p.click("#do-print");
  await p.waitForSelector("#receipt-qr", { state: "attached" });
  const shown = (await p.textContent("#receipt-code")).trim();
  assert(shown === code, `reprinted code ${shown}, printed ${code}`);
  await p.emulateMedia({ media: "print" });
  const qrOk = await p.evaluate(async () => {
    const img = document.querySelector("#receipt-qr");
    if (!img.complete) await new Promise((r) => img.addEventListener("load", r, { once: true }));
    return img.naturalWidth > 0;
  });
  assert(qrOk, "the reprinted QR code loads");
  await shot(p, "window-receipt-reprint");
  await ctx.close();
});

await test("an application from before reprintable codes: the window says so and reissues a code", async () => {
  const a = await createApp("spjy");
  const n = a.number;
  const r = await http("POST", `/api/v1/applications/${n}/accept`, { token: await token("clerk1"), body: {} });
  assert(r.status === 200, r.text);
  const old = "OLDCODE234"; // a random code of before: only its digest is kept
  sql(`UPDATE applications SET tracking_code_hash = sha256(convert_to('${n}:${old}', 'UTF8')) WHERE number = '${n}'`);
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await login(p, "/web/window.html", "clerk1");
  await p.goto(`/web/window.html#${n}`);
  await p.waitForSelector(`#application .card[data-number="${n}"]`);
  await p.evaluate(() => { window.print = () => {}; });
  await p.click("#do-print");
  await p.waitForSelector("#reissue");
  assert((await p.textContent("#reissue")).includes("原查询码无法再次显示"), await p.textContent("#reissue"));
  await shot(p, "window-receipt-legacy");
  await p.fill("#reissue-reason", "申请人遗失回执，原查询码无法补打");
  await p.click("#do-reissue");
  await p.waitForSelector("#receipt-qr", { state: "attached" });
  const code2 = (await p.textContent("#receipt-code")).trim();
  assert(code2.length === 10 && code2 !== old, code2);
  assert((await http("GET", `/api/v1/track/${n}?code=${code2}`)).status === 200, "the new code tracks");
  assert((await http("GET", `/api/v1/track/${n}?code=${old}`)).status === 404, "the old code stopped working");
  await ctx.close();
});

await test("a two-item notice: the window records one item, the phone shows 已补正/待补正 and supplies the rest", async () => {
  const a = await createApp("qykb", { omit: ["application", "articles"], name: "王补正", idNumber: citizenId("19880808", "417") });
  const n = a.number;
  const r = await http("POST", `/api/v1/applications/${n}/supplement-request`,
    { token: await token("clerk1"), body: { items: ["application", "articles"], reason: "请补交申请书和公司章程" } });
  assert(r.status === 200, r.text);
  await clerk.fill("#search", n);
  await clerk.press("#search", "Enter");
  await clerk.waitForSelector(`#application .card[data-number="${n}"] #notice`);
  await clerk.check('#notice-owed input[value="application"]');
  await clerk.click("#do-supplement-items");
  await clerk.waitForSelector('#notice li[data-item="application"][data-supplied="true"]');
  assert(await clerk.isVisible('#notice li[data-item="articles"][data-supplied="false"]'), "articles still owed");
  assert((await clerk.getAttribute("#application .card", "data-state")) === "awaiting_supplement", "the notice stays open");
  await shot(clerk, "window-notice-partial");
  const ctx = await b.newContext({ ...phone, viewport: { width: 390, height: 844 } });
  const p = await ctx.newPage();
  await p.goto(`/t/${n}?c=${a.tracking_code}`);
  await p.waitForSelector("#notice-items");
  const done1 = await p.textContent('#notice-items li[data-material="application"]');
  const owed1 = await p.textContent('#notice-items li[data-material="articles"]');
  assert(done1.includes("已补正") && owed1.includes("待补正"), done1 + " / " + owed1);
  assert(await p.isVisible('#supply-online li[data-material="articles"] input'), "an owed item can be supplied online");
  assert(!(await p.isVisible('#supply-online li[data-material="application"]')), "a supplied item is not offered again");
  await shot(p, "track-notice-partial-390");
  // the applicant photographs the articles: choosing the file is enough
  await p.setInputFiles('#supply-online input[data-files="articles"]', [
    { name: "公司章程.pdf", mimeType: "application/pdf", buffer: fixture("scan.pdf") },
  ]);
  await shot(p, "track-notice-upload-390");
  await p.click("#supply-online button[type=submit]");
  await p.waitForSelector("#notice-items", { state: "detached" });
  const t = (await http("GET", `/api/v1/track/${n}?code=${a.tracking_code}`)).json;
  assert(t.state === "submitted" && t.notice === null, JSON.stringify(t.notice));
  const mats = (await http("GET", `/api/v1/applications/${n}/materials?code=${a.tracking_code}`)).json;
  const articles = mats.materials.find((m) => m.id === "articles");
  const files = articles.versions.flatMap((v) => v.files);
  assert(files.length === 1 && files[0].added_by === "applicant" && files[0].name === "公司章程.pdf", JSON.stringify(articles));
  await shot(p, "track-notice-supplied-390");
  await ctx.close();
  await clerk.waitForSelector(`#application .card[data-number="${n}"][data-state="submitted"]`, { timeout: 5000 });
});

await test("the one-number box: a late answer for an earlier value never shows under a changed value", async () => {
  const first = ORG.id;
  const other = citizenId("19880808", "417");
  let release;
  const gate = new Promise((r) => { release = r; });
  const pattern = "**/api/v1/applications?applicant=*";
  await clerk.route(pattern, async (route) => {
    if (route.request().url().includes(first)) await gate; // the slow answer
    await route.continue();
  });
  await clerk.fill("#search", first);
  await clerk.press("#search", "Enter");
  await clerk.fill("#search", other); // changed while the answer is on its way
  const late = clerk.waitForResponse((r) => r.url().includes("applicant=" + first));
  release();
  await late;
  await clerk.waitForTimeout(300);
  assert(!(await clerk.getAttribute("#holder", "data-for")), "an answer shown for " + first);
  assert(!(await clerk.textContent("#holder")).trim(), "the result was not cleared");
  await clerk.press("#search", "Enter");
  await clerk.waitForSelector(`#holder[data-for="${other}"]`);
  await clerk.unroute(pattern);
});

await b.close();
done();
