// totp.mjs — the second factor on the pages (issue 17 §4; web/totp.js) in
// Chromium (playwright-core), on a server with TB_TOTP_ROLES=admin,inspector
// (the default's roles). An inspector's first log-in on the supervision
// page shows the enrolment: the QR code, the secret as text, a code field;
// the code computed here (node's crypto, RFC 6238 at the real time, the
// page sends no test clock) enrols and the ten recovery codes are shown
// once. Logged out and in again, the form asks for the 6-digit code (动态口令)
// and takes one; on a 390×844 phone a wrong code is refused in Chinese and
// a recovery code logs in, and a second inspector enrols on the phone.
// The QR code on each screenshot is read back with zbarimg.
// Screenshots: tests/artifacts/totp-*.png (each audited by axe-core). TAP.
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import path from "node:path";
import { ARTIFACTS, BASE, assert, browser, done, login, shot, sql, test } from "./lib.mjs";

const b = await browser();
const desktop = { viewport: { width: 1280, height: 900 }, baseURL: BASE };
const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, baseURL: BASE };

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function base32Decode(s) {
  let bits = 0, value = 0;
  const out = [];
  for (const c of s.replace(/[\s=]/g, "")) {
    value = (value << 5) | B32.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// RFC 6238 (HMAC-SHA-1, 30 s, 6 digits): the code of a secret at Unix
// seconds t.
function totp(secret, t) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
  const mac = createHmac("sha1", base32Decode(secret)).update(counter).digest();
  const o = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, "0");
}
const now = () => Date.now() / 1000;

// Log in up to the enrolment, read the secret, enrol with a code of now:
// the recovery codes shown.
async function enrolOnPage(p, user, name) {
  await login(p, "/web/supervision.html", user);
  await p.waitForSelector("form.totp img.qr");
  const src = await p.getAttribute("form.totp img.qr", "src");
  assert(src.startsWith("data:image/svg+xml"), src.slice(0, 40));
  const heading = await p.textContent("form.totp h2");
  assert(heading === "绑定动态口令（双因素认证）", heading);
  assert(await p.isHidden("form.login"), "the log-in form stays hidden during the enrolment");
  const secret = (await p.textContent("form.totp code.secret")).replace(/\s/g, "");
  assert(/^[A-Z2-7]{32}$/.test(secret), secret);
  await shot(p, `totp-enrol-${name}`);
  // the QR code on the screen, as a phone's camera reads it (zbarimg)
  const read = execFileSync("zbarimg", ["-q", "--raw", path.join(ARTIFACTS, `totp-enrol-${name}.png`)],
    { stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
  assert(read === `otpauth://totp/%E9%80%9A%E5%8A%9E:${user}?secret=${secret}&issuer=%E9%80%9A%E5%8A%9E` +
    "&algorithm=SHA1&digits=6&period=30", read);
  const fits = await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  assert(fits, "the enrolment needs no sideways scrolling");
  // a wrong code first: refused in Chinese, the enrolment stays
  const wrong = String((Number(totp(secret, now())) + 500000) % 1000000).padStart(6, "0");
  await p.fill('input[name="totp-code"]', wrong);
  await p.click('form.totp button[type="submit"]');
  await p.waitForFunction(() => document.querySelector("form.totp p.error").textContent !== "");
  const refused = await p.textContent("form.totp p.error");
  assert(refused.startsWith("动态口令不正确"), refused);
  await p.fill('input[name="totp-code"]', totp(secret, now()));
  await p.click('form.totp button[type="submit"]');
  await p.waitForSelector("form.totp ol.recovery li");
  const codes = (await p.$$eval("form.totp ol.recovery code", (els) => els.map((e) => e.textContent)));
  assert(codes.length === 10 && new Set(codes).size === 10, codes.join(" "));
  assert(codes.every((c) => /^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/.test(c)), codes.join(" "));
  const text = await p.textContent("form.totp");
  assert(text.includes("请保存恢复码") && text.includes("本页离开后不再显示"), text);
  await shot(p, `totp-recovery-${name}`);
  await p.click("form.totp button.primary");
  await p.waitForSelector("#who button.link");
  return { secret, codes };
}

let enrolled;

await test("an inspector's first log-in enrols the second factor with the QR code", async () => {
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  enrolled = await enrolOnPage(p, "inspector1", "desktop");
  const s = await p.evaluate(() => JSON.parse(sessionStorage.getItem("tongban.session")));
  assert(s && s.role === "inspector", JSON.stringify(s));
  await p.waitForSelector("#main .card h2");
  assert((await p.textContent("#who")).includes("inspector1"), "logged in");
  const stored = sql("SELECT encode(secret, 'hex') FROM totp_factors f JOIN accounts a ON a.id = f.account_id " +
    "WHERE a.username = 'inspector1' AND confirmed_at IS NOT NULL");
  assert(stored.length === 96 && !stored.includes(base32Decode(enrolled.secret).toString("hex")), stored);
  await ctx.close();
});

await test("logged out and in again, the form asks for the 6-digit code and takes one", async () => {
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await login(p, "/web/supervision.html", "inspector1");
  await p.waitForSelector('label.otp input[name="otp"]', { state: "visible" });
  const asked = await p.textContent("form.login p.error");
  assert(asked.startsWith("请输入动态口令"), asked);
  await shot(p, "totp-code-asked-desktop");
  // the enrolment used this step's code: the next step's is one step of
  // drift ahead, accepted once and not used yet
  await p.fill('input[name="otp"]', totp(enrolled.secret, now() + 30));
  await p.click('form.login button[type="submit"]');
  await p.waitForSelector("#who button.link");
  await p.waitForSelector("#main .card h2");
  await p.click("#who button.link"); // log out
  await p.waitForSelector('input[name="username"]');
  assert(await p.isHidden('label.otp'), "a fresh form asks for no code before the server does");
  await ctx.close();
});

await test("on a phone: a wrong code is refused in Chinese, a recovery code logs in", async () => {
  const ctx = await b.newContext(phone);
  const p = await ctx.newPage();
  await login(p, "/web/supervision.html", "inspector1");
  await p.waitForSelector('label.otp input[name="otp"]', { state: "visible" });
  await shot(p, "totp-code-asked-phone");
  await p.fill('input[name="otp"]', "000000" === totp(enrolled.secret, now()) ? "111111" : "000000");
  await p.click('form.login button[type="submit"]');
  await p.waitForFunction(() => document.querySelector("form.login p.error").textContent.startsWith("动态口令错误"));
  assert(await p.inputValue('input[name="otp"]') === "", "the wrong code is cleared");
  await shot(p, "totp-code-wrong-phone");
  await p.fill('input[name="otp"]', enrolled.codes[0].toLowerCase());
  await p.click('form.login button[type="submit"]');
  await p.waitForSelector("#who button.link");
  const used = sql("SELECT count(*) FROM totp_recovery_codes c JOIN accounts a ON a.id = c.account_id " +
    "WHERE a.username = 'inspector1' AND used_at IS NOT NULL");
  assert(used === "1", used);
  await ctx.close();
});

await test("a second inspector enrols on the phone", async () => {
  sql("INSERT INTO accounts (username, role, password_hash) SELECT 'inspector2', 'inspector', password_hash " +
    "FROM accounts WHERE username = 'inspector1'");
  sql("DELETE FROM auth_failures");
  const ctx = await b.newContext(phone);
  const p = await ctx.newPage();
  const second = await enrolOnPage(p, "inspector2", "phone");
  assert(second.secret !== enrolled.secret, "a secret of its own");
  await ctx.close();
});

await b.close();
done();
