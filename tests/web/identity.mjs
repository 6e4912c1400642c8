// identity.mjs — one number, one holder, consistent data (issue 11 §6) in
// Chromium (playwright-core): at the window, an intake under another name
// than the number carries shows the mismatch in Chinese with the name on
// record, and the clerk confirms the change of name with a reason (audited
// as holder_renamed); the birth date input is bounded by today; in the
// worklist, 公安局's 落户登记 records the newborn's citizen ID (a branch
// output) in the decision panel, 医保局 sees it, and the newborn's
// licenses go to that number. Screenshots go to
// tests/artifacts/identity-*.png. TAP.
import path from "node:path";
import {
  ARTIFACTS, BASE, assert, browser, chinaToday, citizenId, createApp, done, http,
  login, makeForm, note, openTask, shot as auditShot, test, token,
} from "./lib.mjs";

const shot = (page, name) => auditShot(page, "identity-" + name);
const b = await browser();
const desktop = { viewport: { width: 1280, height: 900 }, baseURL: BASE };
const MOTHER = citizenId("19930415", "246");

// The window's intake form for cssj, filled for the mother under `name`.
async function fillCssj(p, name) {
  await p.selectOption("#service", "cssj");
  await p.click("#start");
  await p.waitForSelector("#intake-form");
  const def = (await http("GET", "/api/v1/workflows/cssj")).json;
  const form = makeForm(def, { mother_id: MOTHER, baby_name: "陈小安", mother_name: name, birth_place: "杭州市妇产科医院", hukou_address: "杭州市西湖区文三路一号", phone: "13800000000" });
  await p.fill("#applicant-name", name);
  await p.fill("#applicant-id", MOTHER);
  for (const f of def.fields) {
    if (!(f.id in form) || f.type === "boolean") continue;
    const v = form[f.id];
    if (f.type === "choice") await p.selectOption(`[data-field="${f.id}"]`, v);
    else await p.fill(`[data-field="${f.id}"]`, String(v));
  }
  return def;
}

let clerk;
await test("window: a new number is registered under the applicant's name", async () => {
  const ctx = await b.newContext(desktop);
  clerk = await ctx.newPage();
  await login(clerk, "/web/window.html", "clerk1");
  await fillCssj(clerk, "陈静");
  await clerk.click("#submit-intake");
  await clerk.waitForSelector("#tracking-code");
});

await test("window: another name for the number shows the mismatch; the clerk confirms the change", async () => {
  await clerk.reload();
  await clerk.waitForSelector("#start");
  await fillCssj(clerk, "陈静怡");
  await clerk.click("#submit-intake");
  await clerk.waitForSelector("#rename-panel");
  const text = await clerk.textContent("#rename-panel");
  assert(text.includes("姓名（名称）与登记不一致") && text.includes("陈静"), text);
  assert((await clerk.textContent("#name-on-record")).trim() === "陈静", text);
  await shot(clerk, "name-mismatch");
  // confirming without a reason is not sent
  await clerk.check("#rename-confirm");
  await clerk.click("#submit-intake");
  assert(!(await clerk.isVisible("#tracking-code")), "no application without a reason");
  await clerk.fill("#rename-reason", "户籍更名，已查验更名证明");
  await clerk.click("#submit-intake");
  await clerk.waitForSelector("#tracking-code");
  const number = await clerk.getAttribute("#application .card", "data-number");
  const ev = (await http("GET", `/api/v1/applications/${number}/events`, { token: await token("inspector1") })).json.events;
  assert(ev[0].action === "holder_renamed" && ev[0].payload.old_name === "陈静" && ev[0].payload.new_name === "陈静怡" &&
    ev[0].actor === "clerk1" && ev[1].action === "submit", JSON.stringify(ev.slice(0, 2)));
  note(`renamed in ${number}: ${ev[0].payload.old_name} → ${ev[0].payload.new_name}`);
  await shot(clerk, "renamed");
});

await test("window: the birth date input stops at today", async () => {
  await clerk.reload();
  await clerk.waitForSelector("#start");
  await clerk.selectOption("#service", "cssj");
  await clerk.click("#start");
  await clerk.waitForSelector("#intake-form");
  const max = await clerk.getAttribute('[data-field="birth_date"]', "max");
  const min = await clerk.getAttribute('[data-field="birth_date"]', "min");
  const today = chinaToday();
  // the page's own day (the browser's clock) may be a day off China's
  assert(max && Math.abs(Date.parse(max) - Date.parse(today)) <= 86400000, max + " " + today);
  assert(min === "2020-01-01", min);
});

async function approveByApi(number, bureau, outputs) {
  const t = await token("officer-" + bureau);
  const q = (await http("GET", "/api/v1/tasks?bureau=" + bureau, { token: t })).json.items.find((x) => x.number === number);
  assert(q, "a task of " + bureau);
  if (q.state === "open") assert((await http("POST", `/api/v1/tasks/${q.id}/claim`, { token: t, body: {} })).status === 200, "claim");
  const r = await http("POST", `/api/v1/tasks/${q.id}/decide`, { token: t, body: { decision: "approve", outputs } });
  assert(r.status === 200, r.text);
}

await test("worklist: 落户登记 records the newborn's citizen ID; the licenses go to the newborn", async () => {
  const a = await createApp("cssj");
  const number = a.number;
  const clerkToken = await token("clerk1");
  assert((await http("POST", `/api/v1/applications/${number}/accept`, { token: clerkToken, body: {} })).status === 200, "accept");
  await approveByApi(number, "WJ");
  await approveByApi(number, "WJ", { certificate_no: "Q330100250052" });
  await approveByApi(number, "GA"); // 户籍审核
  const ctx = await b.newContext(desktop);
  const ga = await ctx.newPage();
  await login(ga, "/web/worklist.html", "officer-GA");
  await ga.waitForSelector("#queue[data-count]");
  const sel = await openTask(ga, number);
  const input = `${sel} input[data-output="child_id"]`;
  const label = await ga.textContent(`${sel} fieldset.outputs`);
  assert(label.includes("新生儿公民身份号码") && label.includes("办理结果"), label);
  // approving without the number is refused, in Chinese, and nothing moves
  await ga.click(`${sel} button[data-act="approve"]`);
  await ga.waitForSelector("#toast >> text=请填写新生儿公民身份号码", { timeout: 5000 });
  await shot(ga, "worklist-output-missing");
  assert(await ga.isVisible(input), "the panel stays open");
  const baby = citizenId("20250602", "052");
  await ga.fill(input, baby);
  await ga.fill(`${sel} textarea[name="comment"]`, "已办理出生登记");
  await shot(ga, "worklist-output");
  await ga.click(`${sel} button[data-act="approve"]`);
  await ga.waitForSelector(`${sel} .decide`, { state: "detached", timeout: 5000 });
  const v = (await http("GET", "/api/v1/applications/" + number, { token: clerkToken })).json;
  assert(v.outputs && v.outputs.child_id === baby, JSON.stringify(v.outputs));
  // 医保局 sees the recorded number in its decision panel
  const yb = await (await b.newContext(desktop)).newPage();
  await login(yb, "/web/worklist.html", "officer-YB");
  await yb.waitForSelector("#queue[data-count]");
  const ysel = await openTask(yb, number);
  assert((await yb.textContent(`${ysel} dd[data-output="child_id"]`)).trim() === baby, "YB sees the newborn's number");
  await shot(yb, "worklist-sees-output");
  await yb.click(`${ysel} button[data-act="approve"]`);
  await yb.waitForSelector(`${ysel} .decide`, { state: "detached", timeout: 5000 });
  await approveByApi(number, "RS");
  const lic = (await http("GET", "/api/v1/licenses?holder=" + baby, { token: clerkToken })).json;
  const items = lic.items || lic;
  assert(items.length === 3 && items.every((l) => l.holder.id_number === baby), JSON.stringify(items.map((l) => l.holder)));
  note(`licenses of the newborn ${baby}: ${items.map((l) => l.type.name).join("、")}`);
});

await b.close();
done();
