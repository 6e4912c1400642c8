// panel.mjs — the officer's decision panel in Chromium (playwright-core):
// a business start-up (企业开办) whose form has a choice, a multiple
// choice, booleans, a number and an amount, accepted with a tolerated
// material (容缺) and a commitment (告知承诺), another bureau already
// approved; 市场监督管理局's officer opens the panel and reads the labels
// and option names (no stored codes), the amount as ¥1,000,000.00, the
// materials with 容缺 and 告知承诺 marked (previews of an image and a PDF
// where the server keeps files), the other bureaus' progress, the history
// in Chinese and the working days left as the server counted them,
// attaches an opinion file where the server takes one, and approves.
// Screenshot: tests/artifacts/decision-panel.png (desktop width). TAP.
import path from "node:path";
import {
  ARTIFACTS, BASE, ORG_ID, ORG_NAME, assert, browser, citizenId, done, fixture, http,
  login, makeForm, openTask, audit, test, token,
} from "./lib.mjs";

const b = await browser();
const desktop = { viewport: { width: 1280, height: 900 }, baseURL: BASE };
const FORM = {
  company_name: "杭州通办示范科技有限公司", company_type: "llc", registered_capital: 1000000,
  scope: ["software", "consulting"], employees: 12, needs_invoice: false, housing_fund: true,
  address: "杭州市上城区解放路一号", legal_rep_name: "张三丰", legal_rep_id: citizenId(),
};


let number = null;

await test("a start-up with typed values, 容缺 and 告知承诺, one bureau approved", async () => {
  const def = (await http("GET", "/api/v1/workflows/qykb")).json;
  const clerk = await token("clerk1");
  let r = await http("POST", "/api/v1/applications", {
    token: clerk,
    body: {
      service: "qykb", channel: "window",
      applicant: { kind: "organization", name: ORG_NAME, id_number: ORG_ID },
      form: makeForm(def, FORM),
      materials: def.materials.map((m) => m.id).filter((id) => !["appointment", "premises"].includes(id)),
    },
  });
  assert(r.status === 201, "create: " + r.text);
  number = r.json.number;
  assert(r.json.form.registered_capital === "1000000.00" && r.json.form.needs_invoice === false, JSON.stringify(r.json.form));
  // the clerk attaches a photo and a scan at intake
  for (const [material, name, bytes, type] of [
    ["legal_rep_id_card", "身份证正面.jpg", fixture("photo.jpg"), "image/jpeg"],
    ["articles", "公司章程.pdf", fixture("scan.pdf"), "application/pdf"]]) {
    const up = await fetch(`${BASE}/api/v1/applications/${number}/materials/${material}/files?name=${encodeURIComponent(name)}`, {
      method: "POST", headers: { Authorization: "Bearer " + clerk, "Content-Type": type }, body: bytes,
    });
    assert(up.status === 201, `upload ${name}: ${up.status} ${await up.text()}`);
  }
  r = await http("POST", `/api/v1/applications/${number}/accept`, {
    token: clerk, body: { tolerated: ["appointment"], committed: ["premises"] },
  });
  assert(r.status === 200, "accept: " + r.text);
  // 公安局 records the seal first: its branch shows as approved
  const ga = await token("officer-GA");
  const q = (await http("GET", "/api/v1/tasks?bureau=GA", { token: ga })).json.items.find((t) => t.number === number);
  assert(q, "GA has a task");
  r = await http("POST", `/api/v1/tasks/${q.id}/claim`, { token: ga, body: {} });
  assert(r.status === 200, "claim: " + r.text);
  r = await http("POST", `/api/v1/tasks/${q.id}/decide`, { token: ga, body: { decision: "approve", comment: "印章刻制备案完成" } });
  assert(r.status === 200, "decide: " + r.text);
});

let p, sel, task;
await test("the officer's panel shows the form as people read it", async () => {
  const ctx = await b.newContext(desktop);
  p = await ctx.newPage();
  await login(p, "/web/worklist.html", "officer-SCJG");
  sel = await openTask(p, number);
  const form = await p.textContent(`${sel} [data-part="form"]`);
  for (const want of ["企业类型", "有限责任公司", "经营范围", "软件开发、信息咨询服务", "注册资本（元）",
    "¥1,000,000.00", "申领发票", "从业人数", "12"])
    assert(form.includes(want), `${want} not in: ${form}`);
  assert((await p.textContent(`${sel} dd[data-field="needs_invoice"]`)).trim() === "否", "needs_invoice");
  assert((await p.textContent(`${sel} dd[data-field="housing_fund"]`)).trim() === "是", "housing_fund");
  const all = await p.textContent(`${sel} .decide .parts`);
  assert(!/\b(true|false|llc|software|consulting|approved|active|in_review|accept|submit)\b/.test(all), "codes on the panel: " + all);
  await audit(p, "decision-panel-open");
});

await test("the panel shows the materials with 容缺 and 告知承诺", async () => {
  const mats = `${sel} [data-part="materials"]`;
  const text = await p.textContent(mats);
  assert(text.includes("容缺受理和告知承诺") && text.includes("董事、监事、经理任职文件（容缺"), text);
  assert(text.includes("住所使用证明（告知承诺）"), text);
  assert((await p.textContent(`${mats} li[data-material="appointment"]`)).includes("前补齐"), "the 容缺 due day");
  // previews at once: the photo inline, the scan in the browser's PDF viewer
  await p.waitForSelector(`${mats} li[data-material="legal_rep_id_card"] img[src^="blob:"]`, { timeout: 5000 });
  await p.waitForSelector(`${mats} li[data-material="articles"] iframe[src^="blob:"]`, { timeout: 5000 });
  const loaded = await p.$eval(`${mats} li[data-material="legal_rep_id_card"] img`, (i) => i.complete && i.naturalWidth > 0);
  assert(loaded, "the image preview is drawn");
});

await test("the panel shows the other bureaus, the history and the working days left", async () => {
  const branches = await p.textContent(`${sel} [data-part="branches"]`);
  for (const want of ["公安局", "印章刻制备案", "已通过", "税务局", "办理中", "市场监督管理局（本环节）"])
    assert(branches.includes(want), `${want} not in: ${branches}`);
  const history = await p.textContent(`${sel} [data-part="history"]`);
  for (const want of ["提交申请", "受理", "审批通过", "印章刻制备案完成"])
    assert(history.includes(want), `${want} not in: ${history}`);
  const q = (await http("GET", "/api/v1/tasks?bureau=SCJG", { token: await token("officer-SCJG") })).json.items
    .find((t) => t.number === number);
  task = q;
  const app = (await http("GET", `/api/v1/applications/${number}`, { token: await token("officer-SCJG") })).json;
  const days = (n) => (n === 0 ? "今天到期" : n < 0 ? `已超期 ${-n} 个工作日` : `剩余 ${n} 个工作日`);
  const mine = await p.textContent(`${sel} [data-clock="task"]`);
  const whole = await p.textContent(`${sel} [data-clock="application"]`);
  assert(Number.isInteger(q.working_days_left) && mine.includes(days(q.working_days_left)), mine);
  assert(Number.isInteger(app.working_days_left) && whole.includes(days(app.working_days_left)), whole);
});

await test("on a phone the decision buttons stay on the screen", async () => {
  const ctx = await b.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, baseURL: BASE });
  const m = await ctx.newPage();
  await login(m, "/web/worklist.html", "officer-SCJG");
  const msel = await openTask(m, number);
  for (const part of ["form", "branches", "history"]) {
    await m.$eval(`${msel} [data-part="${part}"]`, (el) => el.scrollIntoView());
    const inView = await m.$eval(`${msel} button[data-act="approve"]`, (el) => {
      const r = el.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    });
    assert(inView, "the approve button is on the screen by " + part);
  }
  await m.screenshot({ path: path.join(ARTIFACTS, "decision-panel-phone.png") });
  await audit(m, "decision-panel-phone");
  await ctx.close();
});

await test("the officer attaches an opinion file and approves", async () => {
  await p.setInputFiles(`${sel} input[name="opinion"]`, { name: "现场核查报告.pdf", mimeType: "application/pdf", buffer: fixture("scan.pdf") });
  await p.waitForSelector(`${sel} [data-part="materials"] .opinion iframe[src^="blob:"]`, { timeout: 5000 });
  assert((await p.textContent(`${sel} [data-part="materials"] .opinion`)).includes("现场核查报告.pdf"), "the opinion file is listed");
  await p.fill(`${sel} textarea[name="comment"]`, "登记材料齐全，准予设立登记");
  // the decision stays in view while the officer reads down the panel
  await p.$eval(`${sel} [data-part="history"]`, (el) => el.scrollIntoView());
  const inView = await p.$eval(`${sel} button[data-act="approve"]`, (el) => {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  });
  assert(inView, "the approve button is in view");
  await p.$eval(`${sel} .decide`, (el) => el.scrollIntoView());
  await p.screenshot({ path: path.join(ARTIFACTS, "decision-panel.png"), fullPage: true });
  await audit(p, "decision-panel");
  await p.click(`${sel} button[data-act="approve"]`);
  await p.waitForSelector(`${sel} .decide`, { state: "detached", timeout: 5000 });
  const app = (await http("GET", `/api/v1/applications/${number}`, { token: await token("officer-SCJG") })).json;
  assert(app.branches.find((x) => x.id === "registration").status === "approved", JSON.stringify(app.branches));
});

await b.close();
done();
