// materials.mjs — materials are files (issue 12 §1) at the window, in
// Chromium (playwright-core): the clerk registers a business start-up
// application with a scanned PDF of the application form and two photos
// of the legal representative's ID card (a JPEG and a PNG) chosen in the
// material checklist; the files are listed under 材料文件 with their pages,
// and previews come from fetch() → blob: URLs (the image drawn, the PDF in
// a frame). After a one-time notice naming the application form, only that
// material offers a picker; a new scan opens version 2 and version 1 is
// shown as 已替换, still readable. A zip under a .pdf name is refused in
// Chinese. Screenshot: tests/artifacts/window-materials.png. TAP.
import path from "node:path";
import {
  ARTIFACTS, BASE, ORG_ID, ORG_NAME, assert, browser, citizenId, done, fillIntake, fixture, http, login, note, shot, test, token,
} from "./lib.mjs";

const b = await browser();
const desktop = { viewport: { width: 1280, height: 900 }, baseURL: BASE };
const files = (mid) => `#material-files li.material[data-material="${mid}"] li.file`;

let clerk, number;
await test("window: the clerk registers with a scanned PDF and ID card photos; they are listed", async () => {
  const ctx = await b.newContext(desktop);
  clerk = await ctx.newPage();
  await login(clerk, "/web/window.html", "clerk1");
  await fillIntake(clerk, "qykb", { kind: "organization", name: ORG_NAME, id: ORG_ID },
    { company_name: "通办材料科技", address: "杭州市上城区解放路一号", legal_rep_name: "张三丰", legal_rep_id: citizenId() });
  await clerk.setInputFiles('input[data-files="application"]', [{ buffer: fixture("scan.pdf"), name: "申请书扫描件.pdf", mimeType: "application/pdf" }]);
  await clerk.setInputFiles('input[data-files="legal_rep_id_card"]', [
    { buffer: fixture("photo.jpg"), name: "身份证正面.jpg", mimeType: "image/jpeg" },
    { buffer: fixture("page.png"), name: "身份证反面.png", mimeType: "image/png" },
  ]);
  await clerk.click("#submit-intake");
  await clerk.waitForSelector("#tracking-code");
  number = await clerk.getAttribute("#application .card", "data-number");
  note(`application ${number}`);
  await clerk.waitForSelector(files("legal_rep_id_card") + ":nth-of-type(2)");
  assert((await clerk.$$(files("application"))).length === 1, "one PDF");
  const id = await clerk.textContent('#material-files li.material[data-material="legal_rep_id_card"]');
  assert(id.includes("身份证正面.jpg") && id.includes("身份证反面.png") && id.includes("第 2 页"), id);
  assert(id.includes("第 1 版") && id.includes("现行") && id.includes("已提交"), id);
  const list = (await http("GET", `/api/v1/applications/${number}/materials`, { token: await token("clerk1") })).json;
  const card = list.materials.find((m) => m.id === "legal_rep_id_card");
  assert(card.versions[0].files.map((f) => f.media_type).join() === "image/jpeg,image/png", JSON.stringify(card));
});

await test("window: previews are blob: URLs fetched with the token (image drawn, PDF framed)", async () => {
  await clerk.click(files("legal_rep_id_card") + ":nth-of-type(1) button");
  const img = files("legal_rep_id_card") + ":nth-of-type(1) img.file-view";
  await clerk.waitForSelector(img);
  assert((await clerk.getAttribute(img, "src")).startsWith("blob:"), "image src");
  await clerk.waitForFunction((sel) => document.querySelector(sel).naturalWidth === 96, img);
  await clerk.click(files("application") + " button");
  const frame = files("application") + " iframe.file-view";
  await clerk.waitForSelector(frame);
  assert((await clerk.getAttribute(frame, "src")).startsWith("blob:"), "pdf src");
  await clerk.$eval("#material-files", (el) => el.scrollIntoView());
  await shot(clerk, "window-materials");
});

await test("window: a notice opens version 2 of the named material; version 1 is 已替换", async () => {
  const t = await token("clerk1");
  const r = await http("POST", `/api/v1/applications/${number}/supplement-request`, { token: t, body: { items: ["application"], reason: "申请书未签字" } });
  assert(r.status === 200, r.text);
  await clerk.fill("#search", number);
  await clerk.press("#search", "Enter");
  await clerk.waitForSelector('#application .card[data-state="awaiting_supplement"]');
  const picker = '#material-files li.material[data-material="application"] input[type="file"]';
  await clerk.waitForSelector(picker);
  assert(!(await clerk.$('#material-files li.material[data-material="articles"] input[type="file"]')), "only the notice's materials take files");
  // a zip under a .pdf name: refused, in Chinese
  await clerk.setInputFiles(picker, [{ name: "伪装.pdf", mimeType: "application/pdf", buffer: Buffer.from("PK\x03\x04 not a pdf") }]);
  await clerk.waitForSelector("#toast.error");
  const msg = await clerk.textContent("#toast");
  assert(msg.includes("PDF、JPEG 或 PNG"), msg);
  await clerk.setInputFiles(picker, [{ buffer: fixture("scan.pdf"), name: "申请书（已签字）.pdf", mimeType: "application/pdf" }]);
  const v2 = '#material-files li.material[data-material="application"] .version[data-version="2"]';
  await clerk.waitForSelector(v2);
  const v1 = '#material-files li.material[data-material="application"] .version[data-version="1"]';
  assert((await clerk.getAttribute(v1, "data-replaced")) === "yes", "v1 replaced");
  assert((await clerk.textContent(v1)).includes("已替换"), "已替换 shown");
  await clerk.click(v1 + " li.file button");
  await clerk.waitForSelector(v1 + " iframe.file-view");
  await shot(clerk, "window-materials-versions");
});

await b.close();
process.exit(done());
