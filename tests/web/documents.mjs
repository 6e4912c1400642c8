// documents.mjs — printing the documents (issue 13 §1) in Chromium
// (playwright-core): the clerk opens an accepted application at the
// window and clicks 打印受理通知书 and 打印容缺受理告知书 (each PDF opens
// in a new tab, fetched with the session's token); the applicant on a
// 390×844 phone opens the tracking page and clicks the 受理通知书 link.
// Each PDF the button fetched or the link points to is read and its text
// checked with pdftotext. Screenshots: tests/artifacts/window-documents.png and
// track-documents-390.png. TAP.
import { BASE, assert, browser, createApp, done, http, login, pdfText, shot, test, token } from "./lib.mjs";

const b = await browser();
const desktop = { viewport: { width: 1280, height: 900 }, baseURL: BASE };
const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, baseURL: BASE };

// Click the element and wait for the tab it opens at a URL matching re.
async function clickForTab(ctx, page, selector, re) {
  const [tab] = await Promise.all([ctx.waitForEvent("page"), page.click(selector)]);
  for (let i = 0; i < 100 && !re.test(tab.url()); i++) await page.waitForTimeout(50);
  assert(re.test(tab.url()), "the new tab's address: " + tab.url());
  return tab;
}

let app;
let name;

await test("window: the accepted application offers a print button per document", async () => {
  app = await createApp("qykb", { omit: ["appointment", "premises"] });
  const clerk = await token("clerk1");
  const r = await http("POST", `/api/v1/applications/${app.number}/accept`, {
    token: clerk, body: { tolerated: ["appointment"], committed: ["premises"] },
  });
  assert(r.status === 200, "accept: " + r.text);
  name = r.json.applicant.name;
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await login(p, "/web/window.html", "clerk1");
  await p.waitForSelector("#search");
  await p.fill("#search", app.number);
  await p.press("#search", "Enter");
  await p.waitForSelector('#documents button[data-document="acceptance"]');
  const labels = await p.$$eval("#documents button", (bs) => bs.map((x) => x.textContent));
  assert(JSON.stringify(labels) === JSON.stringify(["打印受理通知书", "打印容缺受理告知书", "打印告知承诺书"]),
    "the print buttons: " + JSON.stringify(labels));
  await shot(p, "window-documents");
  for (const [kind, title] of [["acceptance", "受理通知书"], ["gap", "容缺受理告知书"]]) {
    // the button fetches the PDF with the token and opens it as a blob:
    // in a new tab; the test fetches the same URL with the clerk's token
    const [answer, tab] = await Promise.all([
      p.waitForResponse((r) => r.url().endsWith(`/documents/${kind}`)),
      clickForTab(ctx, p, `#documents button[data-document="${kind}"]`, /^blob:/),
    ]);
    assert(answer.status() === 200 && answer.headers()["content-type"] === "application/pdf",
      `${kind}: ${answer.status()}`);
    const r = await fetch(answer.url(), { headers: { Authorization: "Bearer " + clerk } });
    assert(r.status === 200, `${kind}: ${r.status}`);
    const text = pdfText(Buffer.from(await r.arrayBuffer()));
    for (const want of [title, app.number, name, "杭州市民中心政务服务大厅"])
      assert(text.includes(want), `${kind}: "${want}" not in ${text}`);
    if (kind === "acceptance") assert(text.includes(app.tracking_code), "the clerk's copy prints the tracking code");
    if (kind === "gap") assert(text.includes("董事、监事、经理任职文件"), "the gap's material: " + text);
    await tab.close();
  }
  await ctx.close();
});

await test("the applicant's phone (390×844) lists the documents and opens one", async () => {
  const ctx = await b.newContext(phone);
  const p = await ctx.newPage();
  await p.goto(`/t/${app.number}?c=${app.tracking_code}`);
  await p.waitForSelector('#documents a[data-document="acceptance"]');
  const titles = await p.$$eval("#documents a", (as) => as.map((a) => a.textContent));
  assert(JSON.stringify(titles) === JSON.stringify(["受理通知书", "容缺受理告知书", "告知承诺书"]),
    "the links: " + JSON.stringify(titles));
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  assert(width <= 390, "no horizontal scrolling at 390 px: " + width);
  await shot(p, "track-documents-390");
  const href = await p.getAttribute('#documents a[data-document="acceptance"]', "href");
  assert(href.includes("?code=" + app.tracking_code), href);
  // the link opens the PDF in a new tab
  const [tab] = await Promise.all([ctx.waitForEvent("page"), p.click('#documents a[data-document="acceptance"]')]);
  await tab.waitForLoadState("commit").catch(() => {});
  assert(tab.url().endsWith(href), "the tab opened: " + tab.url());
  await tab.close();
  const r = await fetch(BASE + href);
  assert(r.status === 200 && r.headers.get("content-type") === "application/pdf", "the PDF: " + r.status);
  const text = pdfText(Buffer.from(await r.arrayBuffer()));
  for (const want of ["受理通知书", app.number, name])
    assert(text.includes(want), `"${want}" not in ${text}`);
  await ctx.close();
});

await b.close();
done();
