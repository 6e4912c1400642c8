// apply.mjs — the online application (issue 13 §3) in Chromium
// (playwright-core) on a 390×844 phone: from the list of services to the
// form, a field error shown next to its field (the page's own check and
// the server's), a material's scan, a 告知承诺 read and made, the
// submission with the number, the tracking code and its QR code, the
// tracking page; a throttled submission says in Chinese when to try
// again and keeps what was typed; the clerk's window lists the online
// submission (live) and accepts it, and the applicant's tracking page
// then shows it accepted. The server allows 2 online applications an
// applicant number in 10 minutes (TB_INTAKE_LIMIT_APPLICANT).
// Screenshots: tests/artifacts/apply-*.png. TAP.
import path from "node:path";
import {
  ARTIFACTS, BASE, ORG_ID, ORG_NAME, assert, browser, citizenId, done, fillFields, fixture, http, login,
  makeForm, shot, test, token,
} from "./lib.mjs";

const b = await browser();
const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, baseURL: BASE };
const desktop = { viewport: { width: 1280, height: 900 }, baseURL: BASE };
const made = {}; // the application of the first case

const noSideScroll = async (p) => {
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  assert(width <= 390, "no horizontal scrolling at 390 px: " + width);
};

await test("a phone applies online: list, form, field errors, a scan, a commitment, number, code and QR", async () => {
  const def = (await http("GET", "/api/v1/workflows/spjy")).json;
  const ctx = await b.newContext(phone);
  const p = await ctx.newPage();
  await p.goto("/web/apply.html");
  await p.waitForSelector('#services li[data-service="spjy"]');
  const guide = await p.getAttribute('#services li[data-service="spjy"] a[href^="/web/guide.html"]', "href");
  assert(guide === "/web/guide.html?id=spjy", "each service links its guide: " + guide);
  await noSideScroll(p);
  await shot(p, "apply-list");
  await p.click('a[data-apply="spjy"]');
  await p.waitForSelector("#apply-form");
  assert(new URL(p.url()).searchParams.get("service") === "spjy", p.url());

  // nothing filled in: the page's own checks, next to each field
  await p.click("#submit-apply");
  await p.waitForSelector("#err-applicant-name:not(:empty)");
  assert((await p.textContent("#err-field-operator_name")) === "此项为必填项", await p.textContent("#err-field-operator_name"));
  assert((await p.getAttribute("#field-operator_name", "aria-invalid")) === "true", "marked invalid");

  // all filled in but the legal representative's ID: the server's 422,
  // placed next to that field in Chinese
  await p.fill("#applicant-name", ORG_NAME);
  await p.fill("#applicant-id", ORG_ID);
  const form = makeForm(def);
  const good = form.legal_rep_id;
  const bad = good.slice(0, 17) + (good[17] === "0" ? "1" : "0"); // its check digit wrong
  await fillFields(p, def, { ...form, legal_rep_id: bad });
  await p.click("#submit-apply");
  await p.waitForSelector("#err-field-legal_rep_id:not(:empty)");
  const err = await p.textContent("#err-field-legal_rep_id");
  assert(err.includes("身份证号码") && !/[a-z]{3}/.test(err), "the server's field error in Chinese: " + err);
  assert((await p.textContent("#apply-error")).includes("填写的内容有误"), await p.textContent("#apply-error"));
  assert((await p.inputValue("#applicant-name")) === ORG_NAME, "nothing typed is lost");
  await p.$eval("#field-legal_rep_id", (el) => el.scrollIntoView({ block: "center" }));
  await p.screenshot({ path: path.join(ARTIFACTS, "apply-field-error.png") });
  await shot(p, "apply-field-error-full");

  // a scan of the application form, and the commitment for the equipment
  await p.fill("#field-legal_rep_id", form.legal_rep_id);
  await p.setInputFiles('input[data-files="application"]', [{ buffer: fixture("scan.pdf"), name: "申请书扫描件.pdf", mimeType: "application/pdf" }]);
  // the other required materials as photos, so that the window can accept
  for (const m of def.materials.filter((x) => x.required && !["application", "equipment"].includes(x.id)))
    await p.setInputFiles(`input[data-files="${m.id}"]`, [{ buffer: fixture("photo.jpg"), name: `${m.name}.jpg`, mimeType: "image/jpeg" }]);
  const promise = await p.textContent('li[data-material="equipment"] .commit-text');
  assert(promise.includes("主要设备设施清单") && promise.includes("承诺"), "the commitment is there to read: " + promise);
  await p.check('input[data-commit="equipment"]');
  assert(await p.$eval('li[data-material="equipment"] label.files', (el) => el.hidden), "no scan asked for a committed material");
  await p.click("#submit-apply");
  await p.waitForSelector("#apply-done");
  const number = await p.textContent("#done-number");
  const code = await p.textContent("#done-code");
  assert(/^\d{24}$/.test(number) && code.length >= 6, number + " " + code);
  assert((await p.textContent("#code-once")).includes("只在此显示一次"), "the code is shown once, and said so");
  await p.waitForFunction(() => document.querySelector("#done-qr").naturalWidth > 0);
  await noSideScroll(p);
  await shot(p, "apply-done");

  // what the server has: channel online, the scan, the commitment
  const a = (await http("GET", `/api/v1/applications/${number}`, { token: await token("clerk1") })).json;
  assert(a.channel === "online" && a.state === "submitted", JSON.stringify(a).slice(0, 200));
  const m = Object.fromEntries(a.materials.map((x) => [x.id, x]));
  assert(m.equipment.choice === "committed", JSON.stringify(m.equipment));
  assert(m.application.status === "provided", JSON.stringify(m.application));
  const files = (await http("GET", `/api/v1/applications/${number}/materials?code=${code}`)).json;
  const scan = files.materials.find((x) => x.id === "application");
  assert(scan.versions.length === 1 && scan.versions[0].files[0].name === "申请书扫描件.pdf", JSON.stringify(scan));

  await p.click("#done-track");
  await p.waitForSelector("#state");
  assert((await p.textContent("#state")).includes("待受理"), await p.textContent("#state"));
  await shot(p, "apply-track-submitted");
  Object.assign(made, { number, code });
  await ctx.close();
});

await test("a throttled submission says in Chinese when to try again, and keeps what was typed", async () => {
  const def = (await http("GET", "/api/v1/workflows/cssj")).json;
  const id = citizenId("19920415", "771");
  const form = makeForm(def, { mother_id: id });
  const body = { service: "cssj", channel: "online", form, materials: [], applicant: { kind: "person", name: "李晓梅", id_number: id } };
  for (let i = 0; i < 2; i++) {
    const r = await http("POST", "/api/v1/applications", { body });
    assert(r.status === 201, r.text);
  }
  const ctx = await b.newContext(phone);
  const p = await ctx.newPage();
  await p.goto("/web/apply.html?service=cssj");
  await p.waitForSelector("#apply-form");
  await p.fill("#applicant-name", "李晓梅");
  await p.fill("#applicant-id", id);
  await fillFields(p, def, form);
  await p.click("#submit-apply");
  await p.waitForSelector('#apply-error[data-code="intake_throttled"]');
  const text = await p.textContent("#apply-error");
  assert(text.includes("提交过于频繁") && /请在 \d+ (秒|分钟)后/.test(text) && text.includes("已保留"), text);
  assert((await p.inputValue("#applicant-id")) === id && (await p.inputValue("#applicant-name")) === "李晓梅", "kept");
  assert(!(await p.$("#apply-done")), "not submitted");
  await p.$eval("#apply-status", (el) => el.scrollIntoView({ block: "center" }));
  await p.screenshot({ path: path.join(ARTIFACTS, "apply-throttled.png") });
  await shot(p, "apply-throttled-full");
  await ctx.close();
});

await test("the clerk's window lists online submissions live and accepts one; the phone shows it accepted", async () => {
  assert(made.number, "the first case made an application");
  const ctx = await b.newContext(desktop);
  const clerk = await ctx.newPage();
  await login(clerk, "/web/window.html", "clerk1");
  const mine = `#online-queue li[data-number="${made.number}"]`;
  await clerk.waitForSelector(mine);
  const row = await clerk.textContent(mine);
  assert(row.includes("食品经营许可") && row.includes(ORG_NAME) && row.includes("提交于"), row);
  // a new online submission appears without a reload (the live stream)
  const def = (await http("GET", "/api/v1/workflows/cssj")).json;
  const id = citizenId("19900101", "552");
  const r = await http("POST", "/api/v1/applications", {
    body: { service: "cssj", channel: "online", form: makeForm(def, { mother_id: id }), materials: [], applicant: { kind: "person", name: "赵雪", id_number: id } },
  });
  assert(r.status === 201, r.text);
  await clerk.waitForSelector(`#online-queue li[data-number="${r.json.number}"]`, { timeout: 10000 });
  await shot(clerk, "apply-window-queue");
  await clerk.click(`${mine} button`);
  await clerk.waitForSelector(`#application .card[data-number="${made.number}"]`);
  const badge = await clerk.textContent('#application li[data-material="equipment"]');
  assert(badge.includes("拟告知承诺"), "the applicant's commitment shown to the clerk: " + badge);
  await clerk.click("#do-accept");
  await clerk.waitForSelector(`#application .card[data-number="${made.number}"][data-state="in_review"]`);
  await clerk.waitForFunction((n) => !document.querySelector(`#online-queue li[data-number="${n}"]`), made.number);
  await ctx.close();

  const pctx = await b.newContext(phone);
  const p = await pctx.newPage();
  await p.goto(`/t/${made.number}?c=${made.code}`);
  await p.waitForSelector("#state");
  assert((await p.textContent("#state")).includes("审查中"), await p.textContent("#state"));
  assert((await p.textContent("#timeline")).includes("受理"), await p.textContent("#timeline"));
  await shot(p, "apply-track-accepted");
  await pctx.close();
});

await b.close();
process.exit(done());
