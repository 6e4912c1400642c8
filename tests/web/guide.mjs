// guide.mjs — the service guide (issue 13 §2) in Chromium (playwright-core)
// on a 390×844 phone: the start page lists every service with its guide;
// tapping one opens its guide page, which shows every section of GET
// /api/v1/workflows/{id}/guide in Chinese (basics, phones, legal basis,
// conditions, materials, steps, bureaus, delivery) with 在线申请 linking
// /web/apply.html?service=ID, without horizontal scrolling; an unknown
// service says so and lists the services. A definition deployed through
// the API (an administrator's POST /api/v1/workflows) shows its changed
// phone number, fee and condition on the page at once, in the JSON and
// in the PDF the page links (pdftotext), without a rebuild or restart. Screenshots: tests/artifacts/guide-*.png.
// TAP.
import { readFileSync } from "node:fs";
import path from "node:path";
import { BASE, PASSWORD, ROOT, assert, browser, done, http, pdfText, shot, sql, test } from "./lib.mjs";

const b = await browser();
const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, baseURL: BASE };
const desktop = { viewport: { width: 1280, height: 900 }, baseURL: BASE };
const SHIPPED = ["qykb", "sgxk", "spjy", "cssj"];

// The harness has no administrator: one with the harness's password.
sql("INSERT INTO accounts (username, role, password_hash) SELECT 'guideadmin', " +
    "'admin', password_hash FROM accounts WHERE username = 'clerk1'");

const guideOf = async (id) => {
  const r = await http("GET", `/api/v1/workflows/${id}/guide`);
  assert(r.status === 200, `guide of ${id}: ${r.status} ${r.text}`);
  return r.json;
};

async function noSideScroll(p) {
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  assert(width <= 390, "no horizontal scrolling at 390 px: " + width);
}

// Every section of the page says what the JSON says.
async function pageMatches(p, g) {
  assert((await p.textContent("#service-name")) === g.name, "the name");
  const basics = await p.textContent("#basics");
  for (const part of [g.kind, g.code, g.applicant, `${g.limits.statutory_days} 个工作日`,
    g.where.address, g.where.hours, g.contact.consult, g.contact.complain])
    assert(basics.includes(part), `basics lack ${part}: ${basics}`);
  assert(basics.includes(g.fees.free ? "不收费" : g.fees.items[0].amount + " 元"), "fees: " + basics);
  const consult = await p.getAttribute("#basics a[href^='tel:']", "href");
  assert(consult === "tel:" + g.contact.consult.replace(/[^0-9+]/g, ""), "a phone link: " + consult);
  const basis = await p.$$eval("#basis li", (l) => l.map((x) => x.textContent));
  assert(JSON.stringify(basis) === JSON.stringify(g.legal_basis.map((x) => x.text)), "legal basis: " + basis);
  const conditions = await p.$$eval("#conditions li", (l) => l.map((x) => x.textContent));
  assert(JSON.stringify(conditions) === JSON.stringify(g.conditions.map((x) => x.text)), "conditions: " + conditions);
  const materials = await p.$$eval("#materials li b", (l) => l.map((x) => x.textContent));
  assert(JSON.stringify(materials) === JSON.stringify(g.materials.map((m) => m.name)), "materials: " + materials);
  for (const m of g.materials.filter((x) => x.note))
    assert((await p.textContent(`#materials li[data-material="${m.id}"]`)).includes(m.note), "note of " + m.id);
  const steps = await p.$$eval("#steps li b", (l) => l.map((x) => x.textContent));
  assert(JSON.stringify(steps) === JSON.stringify(g.steps.map((s) => s.name)), "steps: " + steps);
  const bureaus = await p.textContent("#bureaus");
  for (const x of [...g.bureaus.map((y) => y.name), ...g.results.map((y) => y.name)])
    assert(bureaus.includes(x), `bureaus and results lack ${x}`);
  const delivery = await p.$$eval("#delivery li", (l) => l.map((x) => x.textContent));
  assert(JSON.stringify(delivery) === JSON.stringify(g.delivery.map((d) => d.name + (d.detail ? "：" + d.detail : ""))),
    "delivery: " + delivery);
  if (g.online)
    assert((await p.getAttribute("#apply", "href")) === "/web/apply.html?service=" + g.id, "在线申请 links the online application");
  else assert(!(await p.$("#apply")), "no 在线申请 for a window-only service");
}

await test("phone: the start page lists every service with its guide; one tap opens it", async () => {
  const ctx = await b.newContext(phone);
  const p = await ctx.newPage();
  await p.goto("/");
  await p.waitForSelector("#services a[data-service]");
  const listed = await p.$$eval("#services a[data-service]", (l) => l.map((a) => a.dataset.service));
  for (const s of SHIPPED) assert(listed.includes(s), `${s} on the start page: ${listed}`);
  assert(await p.$("nav.links a[href='/web/window.html']"), "the role links stay");
  await noSideScroll(p);
  await shot(p, "guide-start-390");
  await p.tap("#services a[data-service='qykb']");
  await p.waitForSelector("#service-name");
  assert(new URL(p.url()).search === "?service=qykb", p.url());
  await pageMatches(p, await guideOf("qykb"));
  await noSideScroll(p);
  await shot(p, "guide-qykb-390");
  await ctx.close();
});

await test("phone: every shipped guide shows every section", async () => {
  const ctx = await b.newContext(phone);
  const p = await ctx.newPage();
  for (const s of SHIPPED.slice(1)) {
    await p.goto("/web/guide.html?service=" + s);
    await p.waitForSelector("#service-name");
    await pageMatches(p, await guideOf(s));
    await noSideScroll(p);
  }
  await shot(p, "guide-cssj-390");
  await ctx.close();
});

await test("an unknown service says so and lists the services", async () => {
  const ctx = await b.newContext(phone);
  const p = await ctx.newPage();
  await p.goto("/web/guide.html?service=nope");
  await p.waitForSelector("#services a[data-service]");
  assert((await p.textContent("main p.error")).includes("未找到该事项"), "the page says the service is unknown");
  await shot(p, "guide-unknown-390");
  await p.goto("/web/guide.html");
  await p.waitForSelector("#services a[data-service='spjy']");
  // the online application page links a guide with ?id=
  await p.goto("/web/guide.html?id=cssj");
  assert((await (await p.waitForSelector("#service-name")).textContent()) === "出生一件事", "?id= opens the guide");
  await ctx.close();
});

await test("desktop: the guide reads well on a wide screen", async () => {
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await p.goto("/web/guide.html?service=sgxk");
  await p.waitForSelector("#service-name");
  await pageMatches(p, await guideOf("sgxk"));
  await shot(p, "guide-sgxk-1280");
  await ctx.close();
});

await test("a changed guide field shows up in the JSON, the page and the PDF without rebuilding", async () => {
  const login = await http("POST", "/api/v1/sessions", { body: { username: "guideadmin", password: PASSWORD } });
  assert(login.status === 201, "admin login: " + login.text);
  const before = await guideOf("spjy");
  let xml = readFileSync(path.join(ROOT, "workflows", "spjy.xml"), "utf8");
  const version = before.version + 1;
  xml = xml.replace(/id="spjy" version="\d+"/, `id="spjy" version="${version}"`)
    .replace('consult="0571-85253456"', 'consult="0571-86661234"')
    .replace('<fees free="true"/>', '<fees><fee name="许可证工本费" amount="15" basis="浙价费〔2026〕8号"/></fees>')
    .replace("<fees>", "<condition>经营场所已通过消防安全检查。</condition>\n    <fees>");
  const deployed = await fetch(BASE + "/api/v1/workflows", {
    method: "POST", body: xml,
    headers: { "Content-Type": "application/xml", Authorization: "Bearer " + login.json.token },
  });
  assert(deployed.status === 201, "deployed: " + deployed.status + " " + (await deployed.text()));
  const g = await guideOf("spjy");
  assert(g.version === version && g.contact.consult === "0571-86661234", "the JSON: " + JSON.stringify(g.contact));
  assert(g.fees.free === false && g.fees.items[0].amount === "15.00", "the fee: " + JSON.stringify(g.fees));
  assert(g.conditions.at(-1).text === "经营场所已通过消防安全检查。", "the condition");
  const ctx = await b.newContext(phone);
  const p = await ctx.newPage();
  await p.goto("/web/guide.html?service=spjy");
  await p.waitForSelector("#service-name");
  const basics = await p.textContent("#basics");
  assert(basics.includes("0571-86661234") && !basics.includes("0571-85253456"), "the new phone: " + basics);
  assert(basics.includes("许可证工本费：15.00 元（依据：浙价费〔2026〕8号）"), "the fee: " + basics);
  assert((await p.textContent("#conditions")).includes("经营场所已通过消防安全检查。"), "the new condition");
  await pageMatches(p, g);
  await shot(p, "guide-changed-390");
  // the page's PDF link: the same change in the PDF's text
  const href = await p.getAttribute("#guide-pdf", "href");
  assert(href === "/api/v1/workflows/spjy/guide.pdf", "the PDF link: " + href);
  const pdf = await fetch(BASE + href);
  assert(pdf.status === 200 && pdf.headers.get("content-type") === "application/pdf", "the PDF: " + pdf.status);
  const text = pdfText(Buffer.from(await pdf.arrayBuffer()));
  for (const part of ["0571-86661234", "许可证工本费：15.00元（收费依据：浙价费〔2026〕8号）", "经营场所已通过消防安全检查。"])
    assert(text.includes(part), "the PDF lacks " + part);
  assert(!text.includes("0571-85253456"), "the old phone is gone from the PDF");
  await ctx.close();
});

await b.close();
done();
