// reasons.mjs — reasons reach the applicant (issue 12 §4) in Chromium
// (playwright-core): the clerk refuses an application at the window with
// a reason and the articles cited; an officer denies another in the
// worklist (a deny without a reason is stopped on the page) with a
// reason; the applicant on a 390×844 phone opens each tracking page and
// reads 不予受理决定 / 不予许可决定, the reason, the legal basis and the
// rights with both last days; the timeline has no 认领. Screenshots:
// tests/artifacts/track-refused-390.png and track-denied-390.png. TAP.
import path from "node:path";
import {
  ARTIFACTS, BASE, assert, audit, browser, createApp, done, http, login, openTask,
  shot, test, token,
} from "./lib.mjs";

const b = await browser();
const desktop = { viewport: { width: 1280, height: 900 }, baseURL: BASE };
const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, baseURL: BASE };

// "2027-01-29" as the page writes it.
const cn = (d) => {
  const [y, m, day] = d.split("-").map(Number);
  return `${y}年${m}月${day}日`;
};

// The applicant's phone page of application a: the decision card says
// what the tracking API says, in Chinese, without horizontal scrolling.
async function phoneSees(a, title, reason, shotName) {
  const t = (await http("GET", `/api/v1/track/${a.number}?code=${a.tracking_code}`)).json;
  const d = t.decision;
  assert(d && d.reason === reason, "the decision in tracking: " + JSON.stringify(d));
  const ctx = await b.newContext(phone);
  const p = await ctx.newPage();
  await p.goto(`/t/${a.number}?c=${a.tracking_code}`);
  await p.waitForSelector("#decision");
  const card = await p.textContent("#decision");
  assert(card.includes(title), card);
  assert((await p.textContent("#decision-reason")) === reason, card);
  assert((await p.textContent("#decision-basis")) === d.legal_basis, card);
  const rights = await p.textContent("#decision-rights");
  const want = `如不服本决定，可在${cn(d.rights.review.until)}前（60日内）向${d.rights.review.body}申请行政复议，` +
    `或在${cn(d.rights.litigation.until)}前（6个月内）向${d.rights.litigation.court}提起行政诉讼。`;
  assert(rights === want, `rights: ${rights} ≠ ${want}`);
  const timeline = await p.textContent("#timeline");
  assert(!timeline.includes("认领"), "no claim in the public timeline: " + timeline);
  assert(!/[a-z]/.test(timeline), "every timeline entry in Chinese: " + timeline);
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  assert(width <= 390, "no horizontal scrolling at 390 px: " + width);
  await shot(p, shotName);
  await ctx.close();
  return t;
}

const refusal = "申请人提交的营业执照已被依法吊销，不具备申请食品经营许可的主体资格";
const refusalBasis = "《中华人民共和国行政许可法》第三十二条第一款第（一）项";
const denial = "经现场核查，经营场所距污水池等污染源不足25米，不符合食品经营许可条件";
let refused, denied;

await test("window: the clerk refuses with a reason and the articles cited", async () => {
  refused = await createApp("spjy");
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await login(p, "/web/window.html", "clerk1");
  await p.waitForSelector("#search");
  await p.fill("#search", refused.number);
  await p.press("#search", "Enter");
  await p.waitForSelector('#application .card[data-state="submitted"]');
  await p.click("#application details summary");
  await p.fill("#reason", refusal);
  await p.fill("#legal-basis", refusalBasis);
  await audit(p, "window-refusal-form");
  await p.click("#do-reject");
  await p.waitForSelector('#application .card[data-state="refused"]', { timeout: 5000 });
  await audit(p, "window-refused");
  await ctx.close();
  const a = (await http("GET", "/api/v1/applications/" + refused.number, { token: await token("clerk1") })).json;
  assert(a.decision && a.decision.legal_basis === refusalBasis, JSON.stringify(a.decision));
});

await test("the applicant's phone (390×844) shows the refusal, its basis and rights", async () => {
  const t = await phoneSees(refused, "不予受理决定", refusal, "track-refused-390");
  assert(t.decision.legal_basis === refusalBasis, t.decision.legal_basis);
});

await test("worklist: a deny needs its reason; the officer denies with one", async () => {
  denied = await createApp("spjy");
  const clerk = await token("clerk1");
  const r = await http("POST", `/api/v1/applications/${denied.number}/accept`, { token: clerk, body: {} });
  assert(r.status === 200, "accept: " + r.text);
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await login(p, "/web/worklist.html", "officer-SCJG");
  const sel = await openTask(p, denied.number);
  await p.click(`${sel} button[data-act="deny"]`);
  await p.waitForSelector("text=请填写不予许可的理由");
  await audit(p, "worklist-deny-without-reason");
  let a = (await http("GET", "/api/v1/applications/" + denied.number, { token: clerk })).json;
  assert(a.state === "in_review", "nothing sent without a reason: " + a.state);
  await p.fill(`${sel} textarea[name="comment"]`, denial);
  await p.click(`${sel} button[data-act="deny"]`);
  await p.waitForSelector(`#queue .item[data-number="${denied.number}"]`, { state: "detached", timeout: 5000 });
  await ctx.close();
  a = (await http("GET", "/api/v1/applications/" + denied.number, { token: clerk })).json;
  assert(a.state === "denied" && a.decision.reason === denial, JSON.stringify(a.decision));
});

await test("the applicant's phone (390×844) shows the denial, the service's basis and rights", async () => {
  const t = await phoneSees(denied, "不予许可决定", denial, "track-denied-390");
  assert(t.decision.bureau_name === "市场监督管理局", t.decision.bureau_name);
  assert(t.decision.legal_basis.includes("第三十八条"), t.decision.legal_basis);
});

await b.close();
done();
