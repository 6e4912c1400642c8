// actions.mjs — a page for every action (issue 13 §4) in Chromium
// (playwright-core): at the window the clerk withdraws with the
// applicant's reason (refused on the page without one; a refusal by the
// server shows the registry's Chinese), starts a special procedure with a
// kind and reason and ends it (the moved deadline shown is the API's),
// and delivers after checking the licenses; in the worklist the officer
// suspends and resumes too, and the issuing bureau revokes a license
// with a reason, after which verification says 已注销. Screenshots:
// tests/artifacts/actions-*.png. TAP.
import {
  BASE, approveByBureau, assert, browser, createApp, done, http, login, openTask, shot, test, token,
} from "./lib.mjs";

const b = await browser();
const desktop = { viewport: { width: 1280, height: 900 }, baseURL: BASE };
const clerk = () => token("clerk1");
const scjg = () => token("officer-SCJG");
const ASCII_WORD = /[A-Za-z]{2,}/;

const view = async (n) => (await http("GET", "/api/v1/applications/" + n, { token: await clerk() })).json;

async function accept(n) {
  const r = await http("POST", `/api/v1/applications/${n}/accept`, { token: await clerk(), body: {} });
  assert(r.status === 200, "accept: " + r.text);
}

// The window page logged in as the clerk, showing application n.
async function windowOn(n) {
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await login(p, "/web/window.html", "clerk1");
  await p.waitForSelector("#search");
  await p.fill("#search", n);
  await p.press("#search", "Enter");
  await p.waitForSelector(`#application .card[data-number="${n}"]`);
  return { ctx, p };
}

// The toast's text once it shows `kind` (error / ok).
async function toastText(p, kind) {
  await p.waitForSelector(`#toast.${kind}:not([hidden])`, { timeout: 5000 });
  return p.textContent("#toast");
}

const withdrawReason = "申请人于今日提交书面撤回申请，经营场所另作他用";

await test("window: 撤回申请 needs the applicant's reason; with it the application is withdrawn", async () => {
  const a = await createApp("spjy");
  const { ctx, p } = await windowOn(a.number);
  await p.click("#do-withdraw");
  await p.waitForSelector("#withdraw-panel");
  await p.click("#confirm-withdraw");
  const t = await toastText(p, "error");
  assert(t.includes("请填写撤回原因"), t);
  await shot(p, "actions-withdraw-no-reason");
  assert((await view(a.number)).state === "submitted", "nothing sent without a reason");
  await p.fill("#withdraw-reason", withdrawReason);
  await p.click("#confirm-withdraw");
  await p.waitForSelector('#application .card[data-state="withdrawn"]', { timeout: 5000 });
  assert((await p.textContent("#withdrawn-reason")) === withdrawReason, await p.textContent("#withdrawn"));
  assert((await p.textContent("#application .badge.state-withdrawn")) === "已撤回");
  assert(!(await p.$("#do-withdraw")), "no second withdrawal offered");
  await shot(p, "actions-withdrawn");
  await ctx.close();
  const ev = (await http("GET", `/api/v1/applications/${a.number}/events`, { token: await clerk() })).json.events;
  const w = ev.filter((e) => e.action === "withdraw");
  assert(w.length === 1 && w[0].payload.data.reason === withdrawReason, JSON.stringify(w));
});

await test("window: a refusal by the server shows the registry's Chinese, not the English detail", async () => {
  const a = await createApp("spjy");
  const { ctx, p } = await windowOn(a.number);
  await p.click("#do-withdraw");
  await p.fill("#withdraw-reason", withdrawReason);
  // another window withdrew it meanwhile: this page's view is stale
  const r = await http("POST", `/api/v1/applications/${a.number}/withdraw`, { token: await clerk(), body: { reason: "另一窗口已办理撤回" } });
  assert(r.status === 200, r.text);
  await p.click("#confirm-withdraw");
  const t = await toastText(p, "error");
  assert(t === "申请当前所处的环节不能进行此操作", "the registry's text only: " + t);
  assert(!ASCII_WORD.test(t), "no English: " + t);
  // the page then shows the application as it is now
  await p.waitForSelector('#application .card[data-state="withdrawn"] #withdrawn', { timeout: 5000 });
  assert((await p.textContent("#withdrawn-reason")) === "另一窗口已办理撤回");
  await shot(p, "actions-withdraw-refused");
  await ctx.close();
});

await test("window: 特别程序 with a kind and reason, then 恢复办理 the same day: the deadline stays", async () => {
  const a = await createApp("spjy");
  await accept(a.number);
  const before = await view(a.number);
  const { ctx, p } = await windowOn(a.number);
  await p.click("#do-suspend");
  await p.waitForSelector("#suspend-panel");
  const kinds = await p.$$eval("#special-kind option", (o) => o.map((x) => x.textContent));
  assert(kinds.length === 2 && kinds[0].startsWith("现场核查：") && kinds[1].startsWith("检验检测："), kinds.join(" | "));
  await p.selectOption("#special-kind", "testing");
  await p.click("#confirm-suspend");
  assert((await toastText(p, "error")).includes("请填写启动特别程序的原因"), "refused on the page");
  assert((await view(a.number)).state === "in_review", "nothing sent without a reason");
  const reason = "需对自制饮品原料送检";
  await p.fill("#suspend-reason", reason);
  await shot(p, "actions-suspend-form");
  await p.click("#confirm-suspend");
  await p.waitForSelector('#application .card[data-state="suspended"]', { timeout: 5000 });
  const shown = await p.textContent("#special-kind-shown");
  assert(shown === "检验检测：食品检验", shown);
  assert((await p.textContent("#special-reason")) === reason);
  await shot(p, "actions-suspended");
  const suspended = await view(a.number);
  assert(suspended.state === "suspended" && suspended.special === "testing", JSON.stringify(suspended.special));
  await p.fill("#resume-reason", "检验报告已出具");
  await p.click("#do-resume");
  await p.waitForSelector('#application .card[data-state="in_review"] #deadline-moved', { timeout: 5000 });
  const after = await view(a.number);
  const moved = await p.$eval("#deadline-moved", (e) => ({ ...e.dataset, text: e.textContent }));
  assert(after.deadline === before.deadline && moved.new === after.deadline && moved.old === before.deadline,
    `${before.deadline} → ${after.deadline}; shown ${moved.old} → ${moved.new}`);
  assert(Number(moved.paused) === after.paused_days - before.paused_days, `paused ${moved.paused}`);
  assert(moved.text.includes("办结期限未变"), moved.text);
  await ctx.close();
});

await test("window: 恢复办理 of a procedure begun days ago: the moved deadline shown is the API's", async () => {
  // accepted 8 days ago and suspended 6 days ago (the test clock), resumed now on the page
  const now = Date.now() / 1000;
  const a = await createApp("spjy", { clock: now - 8 * 86400 });
  let r = await http("POST", `/api/v1/applications/${a.number}/accept`, { token: await clerk(), clock: now - 8 * 86400, body: {} });
  assert(r.status === 200, r.text);
  const before = await view(a.number);
  r = await http("POST", `/api/v1/applications/${a.number}/suspend`, {
    token: await clerk(), clock: now - 6 * 86400, body: { kind: "inspection", reason: "需对经营场所进行现场核查" },
  });
  assert(r.status === 200, r.text);
  const { ctx, p } = await windowOn(a.number);
  await p.waitForSelector("#special-card");
  assert((await p.textContent("#special-kind-shown")) === "现场核查：经营场所现场核查");
  await p.click("#do-resume");
  await p.waitForSelector('#application .card[data-state="in_review"] #deadline-moved', { timeout: 5000 });
  const after = await view(a.number);
  assert(after.deadline > before.deadline && after.paused_days > 0, `${before.deadline} → ${after.deadline}, ${after.paused_days}`);
  const moved = await p.$eval("#deadline-moved", (e) => ({ ...e.dataset, text: e.textContent }));
  assert(moved.old === before.deadline, `old ${moved.old} ≠ ${before.deadline}`);
  assert(moved.new === after.deadline, `new ${moved.new} ≠ the API's ${after.deadline}`);
  assert(Number(moved.paused) === after.paused_days, `paused ${moved.paused} ≠ ${after.paused_days}`);
  assert(moved.text.includes(`办结期限由 ${before.deadline} 顺延至 ${after.deadline}`), moved.text);
  assert(moved.text.includes(`本次暂停 ${after.paused_days} 个工作日`), moved.text);
  assert((await p.textContent("#app-deadline")).startsWith(after.deadline), "the card's deadline is the new one");
  await shot(p, "actions-resumed");
  await ctx.close();
});

await test("worklist: the officer starts and ends a special procedure in the task", async () => {
  const a = await createApp("spjy");
  await accept(a.number);
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await login(p, "/web/worklist.html", "officer-SCJG");
  const sel = await openTask(p, a.number);
  const box = `${sel} .special`;
  await p.waitForSelector(`${box}[data-state="in_review"]`);
  await p.click(`${box} button[data-act="suspend"]`);
  await p.selectOption(`${box} #special-kind`, "inspection");
  await p.fill(`${box} #suspend-reason`, "需对经营场所进行现场核查");
  await p.click(`${box} #confirm-suspend`);
  await p.waitForSelector(`${sel} .special[data-state="suspended"] #special-card`, { timeout: 5000 });
  await shot(p, "actions-worklist-suspended");
  assert((await view(a.number)).special === "inspection");
  await p.click(`${sel} #do-resume`);
  await p.waitForSelector(`${sel} .special[data-state="in_review"] #deadline-moved`, { timeout: 5000 });
  const after = await view(a.number);
  assert((await p.getAttribute(`${sel} #deadline-moved`, "data-new")) === after.deadline, "the API's deadline");
  await shot(p, "actions-worklist-resumed");
  await ctx.close();
});

let delivered; // {number, license}

await test("window: 出件 shows the licenses first (name, number, validity, QR, printable page), then delivers", async () => {
  const a = await createApp("spjy");
  await accept(a.number);
  await approveByBureau(a.number);
  assert((await view(a.number)).state === "approved", "approved");
  const r = await http("GET", "/api/v1/licenses?application=" + a.number, { token: await clerk() });
  assert(r.status === 200 && r.json.items.length === 1, r.text);
  const lic = r.json.items;
  const { ctx, p } = await windowOn(a.number);
  await p.click("#do-deliver");
  await p.waitForSelector(`#deliver-licenses li[data-license="${lic[0].id}"]`);
  const item = `#deliver-licenses li[data-license="${lic[0].id}"]`;
  const text = await p.textContent(item);
  assert(text.includes("食品经营许可证") && text.includes(lic[0].id), text);
  assert(text.includes(`${lic[0].valid_from} 至 ${lic[0].valid_until}`), text);
  await p.waitForFunction((s) => { const i = document.querySelector(s + " img.qr"); return i && i.complete && i.naturalWidth > 0; }, item);
  await p.waitForFunction((s) => (document.querySelector(s + " a") || {}).href?.startsWith("blob:"), item);
  // the link opens the printable license (an SVG page) in a new tab
  const [tab] = await Promise.all([ctx.waitForEvent("page"), p.click(`${item} a`)]);
  await tab.waitForLoadState();
  const svg = await tab.content();
  assert(svg.includes("<svg") && svg.includes("食品经营许可证"), "the printable license: " + svg.slice(0, 200));
  await tab.close();
  await p.check('input[name="deliver-method"][value="electronic"]');
  await shot(p, "actions-deliver-check");
  assert((await view(a.number)).state === "approved", "nothing delivered before the confirmation");
  await p.click("#confirm-deliver");
  await p.waitForSelector('#application .card[data-state="delivered"] #delivered', { timeout: 5000 });
  const card = await p.textContent("#delivered");
  assert(card.includes("电子送达") && card.includes(lic[0].id), card);
  await shot(p, "actions-delivered");
  await ctx.close();
  const ev = (await http("GET", `/api/v1/applications/${a.number}/events`, { token: await clerk() })).json.events;
  assert(ev.some((e) => e.action === "deliver" && e.payload.data.method === "electronic"), "the method is recorded");
  delivered = { number: a.number, license: lic[0] };
});

await test("worklist: another bureau cannot revoke; the issuing bureau revokes with a reason; verification says 已注销", async () => {
  assert(delivered, "a delivered license");
  const id = delivered.license.id;
  const item = `#license-list li[data-license="${id}"]`;
  // another bureau's officer finds it but is offered no revocation
  let ctx = await b.newContext(desktop);
  let p = await ctx.newPage();
  await login(p, "/web/worklist.html", "officer-GA");
  await p.waitForSelector("#license-search");
  await p.fill("#license-search", delivered.number);
  await p.click('#revoke-section button[type="submit"]');
  await p.waitForSelector(item);
  assert(!(await p.$(`${item} button[data-act="revoke"]`)), "no revoke button for another bureau");
  assert((await p.textContent(item)).includes("非本部门签发"), await p.textContent(item));
  await ctx.close();
  ctx = await b.newContext(desktop);
  p = await ctx.newPage();
  await login(p, "/web/worklist.html", "officer-SCJG");
  await p.waitForSelector("#license-search");
  await p.fill("#license-search", delivered.number);
  await p.click('#revoke-section button[type="submit"]');
  await p.click(`${item} button[data-act="revoke"]`);
  await p.waitForSelector("#revoke-panel");
  await p.click("#confirm-revoke");
  assert((await toastText(p, "error")).includes("请填写注销原因"), "refused on the page");
  let l = (await http("GET", "/api/v1/licenses/" + encodeURIComponent(id), { token: await scjg() })).json;
  assert(!l.revoked, "nothing sent without a reason");
  const reason = "被许可人以欺骗手段取得许可，依法撤销";
  await p.fill("#revoke-reason", reason);
  await shot(p, "actions-revoke-confirm");
  await p.click("#confirm-revoke");
  await p.waitForSelector(`${item}[data-revoked="true"]`, { timeout: 5000 });
  l = (await http("GET", "/api/v1/licenses/" + encodeURIComponent(id), { token: await scjg() })).json;
  assert(l.revoked && l.revocation_reason === reason, JSON.stringify(l));
  assert((await p.textContent(`${item} .revoked-reason`)) === reason);
  assert((await p.textContent(`${item} .revoked-at`)).length >= 16, "the time of revocation");
  await shot(p, "actions-revoked");
  await p.goto("/v?p=" + encodeURIComponent(l.payload));
  await p.waitForSelector("#verdict");
  assert((await p.getAttribute("#verdict", "data-valid")) === "false", "revoked: not valid");
  const result = await p.textContent("#result");
  assert(result.includes("证照已被注销"), result);
  await shot(p, "actions-verify-revoked");
  await ctx.close();
});

await b.close();
done();
