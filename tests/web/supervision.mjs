// supervision.mjs — electronic supervision in Chromium (playwright-core),
// issue 15 §3, §4 and 催办: the inspector's dashboard is open when a sweep
// (`tongban supervision sweep`, TB_TONGBAN) raises a red card for a step
// accepted 20 days ago, and the card appears without a reload; the clerk
// urges the task and the officer's worklist shows 催办 ×1 with the reason;
// the officer answers the red card (申诉 with a PNG) on the worklist; the
// inspector sees the answer, opens the file and upholds the card (维持),
// which the worklist then shows. Every word of the sections is Chinese.
// Screenshots: tests/artifacts/supervision-findings.png,
// worklist-answer-form.png and worklist-red-card.png. TAP.
import { execFileSync } from "node:child_process";
import path from "node:path";
import {
  ARTIFACTS, BASE, ROOT, assert, browser, createApp, done, fixture, http,
  login, shot, test, token,
} from "./lib.mjs";

const b = await browser();
const desktop = { viewport: { width: 1280, height: 900 }, baseURL: BASE, locale: "zh-CN" };
const past = Math.floor(Date.now() / 1000) - 20 * 86400;
const appeal = "该环节因现场核查排期延误，已于次日办结，特此申诉。";
const verdict = "延误属实，申诉理由不成立，维持红牌。";

function sweep() {
  return execFileSync(process.env.TB_TONGBAN, ["supervision", "sweep", "--db", process.env.TB_ADMIN_CONNINFO,
    "--workflows", path.join(ROOT, "workflows")]).toString();
}

// Latin letters in a section's text: none (account names and file names
// are data, not words: left out).
async function chineseOnly(page, sel) {
  const text = await page.$eval(sel, (el) => {
    const c = el.cloneNode(true);
    c.querySelectorAll(".who, .fname").forEach((x) => x.remove());
    return c.textContent;
  });
  const latin = text.match(/[A-Za-z]{2,}/g);
  assert(!latin, `English on the page in ${sel}: ${latin}`);
}

let a, task, card, inspectorPage, officerPage;

await test("a red card raised by the sweep appears live on the supervision page", async () => {
  a = await createApp("spjy", { clock: past });
  const r = await http("POST", `/api/v1/applications/${a.number}/accept`, { token: await token("clerk1"), clock: past, body: {} });
  assert(r.status === 200, r.text);
  // the scheduler turns the step's card red (its timer was due at once)
  for (let i = 0; i < 100; i++) {
    const items = (await http("GET", "/api/v1/tasks?bureau=SCJG", { token: await token("officer-SCJG") })).json.items;
    if (items.some((t) => t.number === a.number && t.warning === "red")) break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  const ctx = await b.newContext(desktop);
  inspectorPage = await ctx.newPage();
  await login(inspectorPage, "/web/supervision.html", "inspector1");
  await inspectorPage.waitForSelector("#supervision-findings #finding-counts table");
  const sel = `#findings .finding[data-number="${a.number}"][data-rule="step_overdue"]`;
  assert(!(await inspectorPage.$(sel)), "no finding before the sweep");
  const out = sweep();
  assert(/raised/.test(out), out);
  await inspectorPage.waitForSelector(sel, { timeout: 10000 }); // no reload
  card = await inspectorPage.getAttribute(sel, "data-finding");
  const text = await inspectorPage.textContent(sel);
  assert(text.includes("环节超时") && text.includes("红牌") && text.includes("待答复"), text);
  const row = await inspectorPage.textContent('#finding-counts tr[data-bureau="SCJG"]');
  assert(row.includes("市场监督管理局") || row.includes("市场监管"), row);
});

await test("the worklist shows the urge with its reason and the red card's answer form", async () => {
  const tasks = (await http("GET", "/api/v1/tasks?bureau=SCJG", { token: await token("officer-SCJG") })).json.items;
  task = tasks.find((t) => t.number === a.number);
  const r = await http("POST", `/api/v1/tasks/${task.id}/urge`, { token: await token("clerk1"), body: { reason: "申请人多次来电催问进度" } });
  assert(r.status === 201, r.text);
  const ctx = await b.newContext(desktop);
  officerPage = await ctx.newPage();
  await login(officerPage, "/web/worklist.html", "officer-SCJG");
  const item = `#queue .item[data-task="${task.id}"] .urge`;
  await officerPage.waitForSelector(item, { timeout: 10000 });
  const urge = await officerPage.textContent(item);
  assert(urge.includes("催办 ×1") && urge.includes("申请人多次来电催问进度"), urge);
  const f = `#bureau-findings .finding[data-finding="${card}"]`;
  await officerPage.waitForSelector(`${f} form.answer-form`);
  await officerPage.selectOption(`${f} select[name="kind"]`, "appeal");
  await officerPage.fill(`${f} textarea[name="text"]`, appeal);
  await officerPage.setInputFiles(`${f} input[type="file"]`, { name: "情况说明.png", mimeType: "image/png", buffer: fixture("page.png") });
  await shot(officerPage, "worklist-answer-form");
  await officerPage.click(`${f} form.answer-form button[type="submit"]`);
  await officerPage.waitForSelector(`${f}[data-state="answered"] .answer`, { timeout: 10000 });
  const shown = await officerPage.textContent(`${f} .answer`);
  assert(shown.includes("申诉") && shown.includes(appeal) && shown.includes("情况说明.png"), shown);
  await chineseOnly(officerPage, "#bureau-findings");
});

await test("the inspector sees the answer live, opens the file and upholds the card", async () => {
  const f = `#findings .finding[data-finding="${card}"]`;
  await inspectorPage.waitForSelector(`${f}[data-state="answered"] .answer`, { timeout: 10000 });
  const [popup] = await Promise.all([
    inspectorPage.waitForEvent("popup"),
    inspectorPage.click(`${f} button[data-act="file"]`),
  ]);
  assert(popup.url().startsWith("blob:"), popup.url());
  await popup.close();
  await inspectorPage.selectOption(`${f} select[name="decision"]`, "upheld");
  await inspectorPage.fill(`${f} textarea[name="reason"]`, verdict);
  await inspectorPage.click(`${f} form.decision-form button[type="submit"]`);
  await inspectorPage.waitForSelector(`${f}[data-state="upheld"] .ruling`, { timeout: 10000 });
  const text = await inspectorPage.textContent(`${f} .ruling`);
  assert(text.includes("维持") && text.includes(verdict), text);
  assert(!(await inspectorPage.$(`${f} form.decision-form`)), "decided once: no form");
  await chineseOnly(inspectorPage, "#supervision-findings");
  await inspectorPage.$eval("#supervision-findings", (el) => el.scrollIntoView());
  await shot(inspectorPage, "supervision-findings");
});

await test("the worklist shows the decision on the answered card", async () => {
  const f = `#bureau-findings .finding[data-finding="${card}"]`;
  await officerPage.waitForSelector(`${f}[data-state="upheld"] .ruling`, { timeout: 10000 });
  assert(!(await officerPage.$(`${f} form.answer-form`)), "answered once: no form");
  await shot(officerPage, "worklist-red-card");
});

await b.close();
done();
