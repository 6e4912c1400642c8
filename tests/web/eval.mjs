// eval.mjs — 好差评 with 差评整改 and 告知承诺 事后核查 in Chromium
// (playwright-core), issue 15 §5 and §6: the applicant rates on a
// 390×844 phone, the bureau's handling too (不满意 opens a ticket); the
// officer answers it in the worklist's 差评整改 section; the phone page
// then shows 部门答复; the inspector closes it on the supervision page;
// the officer finds a commitment false in 事后核查, and the window page
// refuses the holder's next 告知承诺 in Chinese with the day the
// exclusion ends. Screenshots: tests/artifacts/eval-*.png. TAP.
import path from "node:path";
import {
  ARTIFACTS, BASE, ORG_ID, ORG_NAME, approveByBureau, assert, browser, createApp, done, fillIntake,
  audit, http, login, shot, test, token,
} from "./lib.mjs";

const b = await browser();
const desktop = { viewport: { width: 1280, height: 900 }, baseURL: BASE };
const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, baseURL: BASE };
const clerk = () => token("clerk1");
const scjg = () => token("officer-SCJG");

const reply = "已对审批人员进行约谈和培训，今后将一次性告知全部材料要求。";
let rated;

await test("the applicant rates on the phone, the bureau's handling too; 不满意 opens a ticket", async () => {
  rated = await createApp("spjy");
  const n = rated.number;
  await http("POST", `/api/v1/applications/${n}/accept`, { token: await clerk(), body: {} });
  await approveByBureau(n);
  const d = await http("POST", `/api/v1/applications/${n}/deliver`, { token: await clerk(), body: {} });
  assert(d.status === 200, "deliver: " + d.text);
  const ctx = await b.newContext(phone);
  const p = await ctx.newPage();
  await p.goto(`/t/${n}?c=${rated.tracking_code}`);
  await p.waitForSelector("#rating #bureau-grades");
  await p.check('#rating input[name="grade"][value="3"]');
  await p.selectOption('#bureau-grades select[data-bureau="SCJG"]', "2");
  await p.fill("#rating-comment", "材料要求没有一次说清楚");
  await shot(p, "eval-rating-form-390");
  await p.click('#rating button[type="submit"]');
  await p.waitForSelector("#rated");
  await ctx.close();
  const r = await http("GET", "/api/v1/rectifications", { token: await scjg() });
  const mine = r.json.items.filter((t) => t.number === n);
  assert(mine.length === 1 && mine[0].grade === 2 && mine[0].state === "open", JSON.stringify(r.json));
});

await test("the officer answers the ticket in the worklist's 差评整改 section", async () => {
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await login(p, "/web/worklist.html", "officer-SCJG");
  const item = "#rectifications .item";
  await p.waitForSelector(item);
  const text = await p.textContent("#rectify-card");
  assert(text.includes("不满意") && text.includes("整改期限") && !/\b(open|replied|window)\b/.test(text), text);
  await p.fill(`${item} textarea[name="reply"]`, reply);
  await p.fill(`${item} textarea[name="changes"]`, "建立材料清单一次性告知制度");
  await shot(p, "eval-worklist-rectify");
  await p.click(`${item} button[data-act="reply"]`);
  await p.waitForSelector("#rectifications p.muted");
  await ctx.close();
  const r = await http("GET", "/api/v1/rectifications?state=replied", { token: await scjg() });
  assert(r.json.items.some((t) => t.number === rated.number && t.reply === reply), JSON.stringify(r.json));
});

await test("the applicant's phone shows 部门答复 under the rating", async () => {
  const ctx = await b.newContext(phone);
  const p = await ctx.newPage();
  await p.goto(`/t/${rated.number}?c=${rated.tracking_code}`);
  await p.waitForSelector("#replies");
  const text = await p.textContent("#rating");
  assert(text.includes("部门答复") && text.includes(reply) && text.includes("市场监督管理局"), text);
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  assert(width <= 390, "no horizontal scrolling at 390 px: " + width);
  await shot(p, "eval-track-reply-390");
  await ctx.close();
});

await test("the inspector closes the answered ticket on the supervision page", async () => {
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await login(p, "/web/supervision.html", "inspector1");
  const item = "#rectify-replied .item";
  await p.waitForSelector(item);
  assert((await p.textContent(item)).includes(reply), "the reply is shown to the inspector");
  await p.fill(`${item} textarea[name="review"]`, "整改措施具体，已回访申请人");
  await p.locator("#rectify-review").screenshot({ path: path.join(ARTIFACTS, "eval-supervision-rectify.png") });
  await audit(p, "eval-supervision-rectify");
  await p.click(`${item} button[data-act="close"]`);
  await p.waitForSelector("#rectify-replied p.muted");
  await ctx.close();
  const r = await http("GET", "/api/v1/rectifications?state=closed", { token: await token("inspector1") });
  assert(r.json.items.some((t) => t.number === rated.number), JSON.stringify(r.json));
});

await test("the officer finds a commitment false in 事后核查: licenses revoked, the holder excluded", async () => {
  const def = (await http("GET", "/api/v1/workflows/spjy")).json;
  const committed = def.materials.filter((m) => m.commitment).map((m) => m.id);
  const base = await createApp("spjy", { omit: committed });
  const acc = await http("POST", `/api/v1/applications/${base.number}/accept`, { token: await clerk(), body: { committed } });
  assert(acc.status === 200, "accept: " + acc.text);
  await approveByBureau(base.number);
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  p.on("dialog", (dlg) => dlg.accept());
  await login(p, "/web/worklist.html", "officer-SCJG");
  const item = `#verifications .item`;
  await p.waitForSelector(item);
  const text = await p.textContent("#verify-card");
  assert(text.includes("核查期限") && text.includes(ORG_NAME) && text.includes("主要设备设施清单"), text);
  await p.fill(`${item} textarea[name="finding"]`, "现场核查：主要设备与承诺清单不符");
  await shot(p, "eval-worklist-verify");
  await p.click(`${item} button[data-act="false"]`);
  await p.waitForSelector("#verifications p.muted");
  await ctx.close();
  const v = await http("GET", "/api/v1/verifications?state=false", { token: await scjg() });
  const found = v.json.items.find((x) => x.number === base.number);
  assert(found && found.finding.includes("不符"), JSON.stringify(v.json));
  const lic = await http("GET", `/api/v1/licenses?holder=${ORG_ID}`, { token: await clerk() });
  const issued = lic.json.items.filter((l) => l.application === base.number);
  assert(issued.length && issued.every((l) => l.revoked), JSON.stringify(issued));
  const state = (await http("GET", `/api/v1/applications/${base.number}`, { token: await clerk() })).json.state;
  assert(state === "terminated", state);
});

await test("the window refuses the holder's next 告知承诺 in Chinese, naming the material and the day", async () => {
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await login(p, "/web/window.html", "clerk1");
  await p.waitForSelector("#service");
  await fillIntake(p, "spjy", { kind: "organization", name: ORG_NAME, id: ORG_ID });
  await p.check('#checklist li[data-material="equipment"] input[value="committed"]');
  await p.click("#submit-intake");
  await p.waitForSelector(".toast.error");
  const msg = await p.textContent(".toast.error");
  assert(msg.includes("告知承诺") && msg.includes("主要设备设施清单") && /限制期至 \d{4}-\d{2}-\d{2}/.test(msg), msg);
  assert(!/[A-Za-z]{3,}/.test(msg), "the message is Chinese: " + msg);
  await shot(p, "eval-window-excluded");
  await ctx.close();
});

await b.close();
done();
