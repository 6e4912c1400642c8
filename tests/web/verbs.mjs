// verbs.mjs — the verbs of a branch in the officer's worklist (issue 14)
// in Chromium (playwright-core): three officers of 市场监督管理局, each in
// a browser context of their own, on a 食品经营许可 redeployed with a 会签
// 材料审查 (two named officers, 抄送 to 公安局), a 审批决定 that may 退回
// to it and a 依次 制证. They approve a 会签 signer task and 撤回 it, 加签
// and 减签 a colleague, 委派 and 委派办毕, 转办 to a colleague who
// approves, 退回 from the next step, and the 依次 signer sees 未轮到;
// 公安局 reads its 抄送. After each verb the test asserts what each
// officer's page shows. Screenshots: tests/artifacts/verbs-*.png (1280×800,
// one 390×844). TAP.
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  BASE, PASSWORD, ROOT, assert, browser, createApp, done, http, login, shot, sql, test, token,
} from "./lib.mjs";

const A = "officer-SCJG"; /* the harness's officer */
const B = "scjg-wang";
const C = "scjg-zhao";
for (const user of [B, C])
  sql(`INSERT INTO accounts (username, role, bureau, password_hash) SELECT '${user}', 'officer', 'SCJG', ` +
      `password_hash FROM accounts WHERE username = '${A}'`);

const b = await browser();
const desktop = { viewport: { width: 1280, height: 800 }, baseURL: BASE };
const pages = {};
let number = null;

// spjy with the verbs: 会签 材料审查 by A and B (抄送 公安局), 审批决定 by
// the pool that may 退回 to it, 依次 制证 by A then B.
async function deploy() {
  const admin = "verbsadmin";
  sql(`INSERT INTO accounts (username, role, password_hash) SELECT '${admin}', 'admin', password_hash ` +
      `FROM accounts WHERE username = 'clerk1'`);
  const t = (await http("POST", "/api/v1/sessions", { body: { username: admin, password: PASSWORD } })).json.token;
  const before = (await http("GET", "/api/v1/workflows/spjy")).json;
  const xml = readFileSync(path.join(ROOT, "workflows", "spjy.xml"), "utf8")
    .replace(/id="spjy" version="\d+"/, `id="spjy" version="${before.version + 1}"`)
    .replace('<task id="examine" name="材料审查" days="2"/>',
      `<task id="examine" name="材料审查" days="2" sign="all">
        <signer officer="${A}"/><signer officer="${B}"/><copy bureau="GA"/></task>`)
    .replace('<task id="decide" name="审批决定" days="1"/>', '<task id="decide" name="审批决定" days="1" back-to="examine"/>')
    .replace('<task id="issue" name="制证" days="1"/>',
      `<task id="issue" name="制证" days="1" sign="sequence"><signer officer="${A}"/><signer officer="${B}"/></task>`);
  const r = await fetch(BASE + "/api/v1/workflows", {
    method: "POST", body: xml,
    headers: { "Content-Type": "application/xml", Authorization: "Bearer " + t },
  });
  assert(r.status === 201, "deploy: " + r.status + " " + (await r.text()));
}

const rowOf = (n) => `#queue .item[data-number="${n}"]`;

// Wait for the toast to say `text`.
async function toastSays(p, text) {
  await p.waitForFunction((t) => {
    const el = document.querySelector("#toast");
    return el && !el.hidden && el.textContent.includes(t);
  }, text, { timeout: 5000 });
}

// The page of `user`'s worklist, logged in once.
async function worklist(user, options = desktop) {
  if (pages[user]) return pages[user];
  const ctx = await b.newContext(options);
  const p = await ctx.newPage();
  await login(p, "/web/worklist.html", user);
  await p.waitForSelector("#queue[data-count]");
  pages[user] = p;
  return p;
}

// Reload user's worklist and wait for the row of the application (or its
// absence: present false).
async function rowIn(user, present = true) {
  assert(number, "no application (the first test failed)");
  const p = await worklist(user);
  await p.reload();
  await p.waitForSelector("#queue[data-count]");
  if (present) await p.waitForSelector(rowOf(number), { timeout: 5000 });
  else assert(!(await p.$(rowOf(number))), `${user} still has a row of ${number}`);
  return p;
}

// Open the decision panel of the application's row.
async function openPanel(p) {
  assert(p && number, "no application (the first test failed)");
  await p.click(`${rowOf(number)} button[data-act="open"]`);
  await p.waitForSelector(`${rowOf(number)} .decide`, { timeout: 5000 });
}

// In the open panel: the verb's button, its form filled by fill(), confirm,
// and (ok) the toast's words.
async function verb(p, act, fill, ok) {
  await p.click(`${rowOf(number)} .verbs button[data-act="${act}"]`);
  await p.waitForSelector(`${rowOf(number)} .verb-form`);
  await fill(`${rowOf(number)} .verb-form`);
  await p.click(`${rowOf(number)} .verb-form button[data-act="confirm"]`);
  if (ok) await toastSays(p, ok);
}

const tagsOf = async (p) => p.textContent(`${rowOf(number)} .tags`);

await test("a 食品经营许可 with the verbs, accepted: A and B each have a 会签 task", async () => {
  await deploy();
  const app = await createApp("spjy");
  number = app.number;
  const r = await http("POST", `/api/v1/applications/${number}/accept`, { token: await token("clerk1"), body: {} });
  assert(r.status === 200, "accept: " + r.text);
  for (const user of [A, B]) {
    const p = await rowIn(user);
    const tags = await tagsOf(p);
    assert(tags.includes("会签") && tags.includes("指派给") && tags.includes(user), `${user}: ${tags}`);
  }
  await rowIn(C, false);
  await shot(pages[A], "verbs-worklist");
});

await test("A approves the 会签 signer task, takes it back (撤回) and approves again", async () => {
  const p = pages[A];
  await openPanel(p);
  const signers = await p.textContent(`${rowOf(number)} table.signers`);
  assert(signers.includes(A) && signers.includes(B) && signers.includes("办理中"), signers);
  for (const act of ["transfer", "delegate", "add_signer"])
    assert(await p.$(`${rowOf(number)} .verbs button[data-act="${act}"]`), "the panel offers " + act);
  await shot(p, "verbs-panel");
  await p.fill(`${rowOf(number)} textarea[name="comment"]`, "材料齐全");
  await p.click(`${rowOf(number)} button[data-act="approve"]`);
  await toastSays(p, "已通过");
  await p.waitForSelector(rowOf(number), { state: "detached" });
  // 我已办理 with 撤回 while B has not signed
  await p.click('[data-section="done"] > summary');
  const done = `#done .item[data-number="${number}"]`;
  await p.waitForSelector(`${done} button[data-act="take_back"]`, { timeout: 5000 });
  await p.click(`${done} button[data-act="take_back"]`);
  await p.fill("#take-back-reason", "审查意见需补充");
  // a live change while the form is open (a second application reaches
  // A's queue): the queue is drawn again, the 撤回 form stays as typed
  const other = await createApp("spjy");
  const r = await http("POST", `/api/v1/applications/${other.number}/accept`, { token: await token("clerk1"), body: {} });
  assert(r.status === 200, "accept: " + r.text);
  await p.waitForSelector(rowOf(other.number), { timeout: 10000 });
  assert(await p.inputValue("#take-back-reason") === "审查意见需补充", "the 撤回 form survived the live refresh");
  await shot(p, "verbs-take-back-form");
  await p.click(`${done} button[data-act="confirm"]`);
  await toastSays(p, "已撤回");
  await p.waitForSelector(rowOf(number), { timeout: 5000 });
  await openPanel(p);
  await p.click(`${rowOf(number)} button[data-act="approve"]`);
  await toastSays(p, "已通过");
});

await test("B adds C as a signer (加签) and removes them again (减签)", async () => {
  const p = await rowIn(B);
  await openPanel(p);
  await verb(p, "add_signer", async (f) => {
    await p.selectOption(`${f} select[name="to"]`, C);
    assert((await p.textContent(`${f} fieldset.positions`)).includes("并行加签"), "a 会签 step adds in parallel");
    await p.fill(`${f} textarea`, "涉及冷链，请赵科会签");
  }, "已加签");
  const c = await rowIn(C);
  const tags = await tagsOf(c);
  assert(tags.includes("加签自") && tags.includes(B), "C's row: " + tags);
  await shot(c, "verbs-worklist-added");
  await rowIn(B);
  await openPanel(p);
  const remove = `${rowOf(number)} table.signers tr:has(button[data-act="remove"])`;
  assert((await p.textContent(remove)).includes(C), "the pending signer C can be removed");
  await p.click(`${remove} button[data-act="remove"]`);
  await p.fill("#remove-reason", "冷链部分无需会签");
  await p.click(`${rowOf(number)} .verb-form button[data-act="confirm"]`);
  await toastSays(p, "已减签");
  await rowIn(C, false);
});

await test("B delegates (委派) to C, who resolves it (委派办毕); the task is B's again", async () => {
  const p = await rowIn(B);
  await openPanel(p);
  await verb(p, "delegate", async (f) => {
    await p.selectOption(`${f} select[name="to"]`, C);
    await p.fill(`${f} textarea`, "请协助核查经营场所");
  }, "已委派");
  await rowIn(B, false);
  const c = await rowIn(C);
  assert((await tagsOf(c)).includes("委派自"), "C's delegated row");
  await openPanel(c);
  assert(!(await c.$(`${rowOf(number)} button[data-act="approve"]`)), "a delegate resolves, never approves");
  await verb(c, "resolve", async (f) => c.fill(`${f} textarea`, "现场核查属实"), "已办毕");
  await rowIn(C, false);
  await rowIn(B);
});

await test("B transfers (转办) to C, who approves: the 会签 completes and 审批决定 opens", async () => {
  const p = pages[B];
  await openPanel(p);
  await verb(p, "transfer", async (f) => {
    await p.selectOption(`${f} select[name="to"]`, C);
    await p.fill(`${f} textarea`, "本人出差，转赵科办理");
  }, "已转办");
  await rowIn(B, false);
  const c = await rowIn(C);
  assert((await tagsOf(c)).includes(C), "C's transferred row");
  await openPanel(c);
  await c.click(`${rowOf(number)} button[data-act="approve"]`);
  await toastSays(c, "已通过");
  const a = await rowIn(A);
  assert((await a.textContent(`${rowOf(number)} .title`)).includes("审批决定"), "审批决定 opens for the bureau");
  assert((await tagsOf(a)).includes("本部门"), "a pool task");
});

await test("A sends it back (退回) to 材料审查: round 2 for A and B, the timeline tells who did what", async () => {
  const a = pages[A];
  await openPanel(a);
  await verb(a, "send_back", async (f) => {
    await a.selectOption(`${f} select[name="to_step"]`, "examine");
    await a.fill(`${f} textarea`, "核查意见与材料不符");
  }, "已退回");
  for (const user of [A, B]) {
    const p = await rowIn(user);
    assert((await tagsOf(p)).includes("第 2 轮"), user + " sees round 2");
  }
  await openPanel(a);
  const history = await a.textContent(`${rowOf(number)} [data-part="history"]`);
  for (const want of ["转办", "委派", "委派办毕", "加签", "减签", "退回", "撤回审批决定", "转办给", C,
    "本人出差，转赵科办理", "请协助核查经营场所", "现场核查属实", "核查意见与材料不符", "退回至“材料审查”"])
    assert(history.includes(want), `${want} not in the timeline: ${history}`);
  await a.$eval(`${rowOf(number)} [data-part="history"]`, (el) => el.scrollIntoView());
  await shot(a, "verbs-timeline");
});

await test("a refusal shows the registry's Chinese and the list is drawn again", async () => {
  const a = pages[A];
  await verb(a, "transfer", async (f) => {
    await a.selectOption(`${f} select[name="to"]`, B); /* B holds the other slot of the step */
    await a.fill(`${f} textarea`, "转给王科");
  }, null);
  await a.waitForSelector("#toast.error", { timeout: 5000 });
  const text = await a.textContent("#toast");
  assert(text.trim() && !/[A-Za-z]{3,}/.test(text), "the refusal in Chinese: " + text);
});

await test("the 依次 制证: B's turn has not come (未轮到)", async () => {
  for (const user of [A, B]) {
    const t = await token(user);
    const q = (await http("GET", "/api/v1/tasks?bureau=SCJG", { token: t })).json.items.find((x) => x.number === number);
    const r = await http("POST", `/api/v1/tasks/${q.id}/decide`, { token: t, body: { decision: "approve" } });
    assert(r.status === 200, `${user} approves: ${r.text}`);
  }
  const t = await token(A);
  const q = (await http("GET", "/api/v1/tasks?bureau=SCJG", { token: t })).json.items.find((x) => x.number === number);
  assert(q && q.task_id === "decide", "审批决定 again: " + JSON.stringify(q));
  const r = await http("POST", `/api/v1/tasks/${q.id}/decide`, { token: t, body: { decision: "approve" } });
  assert(r.status === 200, "审批决定: " + r.text);
  const p = await rowIn(B, false);
  await p.waitForSelector(`#waiting .item[data-number="${number}"]`, { timeout: 5000 });
  assert((await p.textContent(`#waiting .item[data-number="${number}"]`)).includes("依次审批"), "the 依次 rule");
  await shot(p, "verbs-worklist-waiting");
  const a = await rowIn(A);
  assert((await tagsOf(a)).includes("依次审批"), "A's 制证 is open");
});

await test("公安局 reads its 抄送 (已阅)", async () => {
  const p = await worklist("officer-GA");
  const item = `#copies .item[data-number="${number}"]`;
  await p.waitForSelector(item, { timeout: 5000 });
  const text = await p.textContent(item);
  assert(text.includes("食品经营许可") && text.includes("材料审查") && text.includes("市场监督管理局"), text);
  await shot(p, "verbs-copies");
  /* 材料审查 completed twice (round 1, and round 2 after the 退回): a copy each */
  const ids = await p.$$eval(item, (els) => els.map((el) => el.dataset.copy));
  assert(ids.length === 2, "a copy of each completion: " + ids);
  assert((await p.textContent(`#copies .item[data-copy="${ids[0]}"]`)).includes("第 2 轮"), "the newest copy names its round");
  for (const id of ids) {
    await p.click(`#copies .item[data-copy="${id}"] button[data-act="read"]`);
    await toastSays(p, "已阅");
    await p.waitForSelector(`#copies .item[data-copy="${id}"]`, { state: "detached" });
  }
});

await test("on a phone C's worklist and panel read well", async () => {
  const ctx = await b.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, baseURL: BASE });
  const m = await ctx.newPage();
  await login(m, "/web/worklist.html", B);
  await m.waitForSelector(`#waiting .item[data-number="${number}"]`, { timeout: 5000 });
  await shot(m, "verbs-worklist-phone");
  await ctx.close();
});

await b.close();
done();
