// stream_auth.mjs — a page whose session ends while it listens (issue 17
// §3), in Chromium (playwright-core): the officer's worklist when the
// session is logged out elsewhere, the window console when the clerk's
// account is disabled, the supervision page when the inspector's role
// changes. The server ends the live streams with a last
// "auth" event; the page stops listening (no reconnection with the dead
// token), forgets the session and says in Chinese why, with 重新登录,
// which brings back the log-in form. Screenshots:
// tests/artifacts/stream-ended-worklist.png, stream-ended-window.png and
// stream-ended-supervision.png.
// TAP.
import { BASE, PASSWORD, assert, browser, done, http, login, shot, sql, test } from "./lib.mjs";

const b = await browser();
const desktop = { viewport: { width: 1280, height: 900 }, baseURL: BASE, locale: "zh-CN" };
const phone = { viewport: { width: 375, height: 740 }, baseURL: BASE, locale: "zh-CN", isMobile: true };

// A page logged in on url as user, and a count of the stream requests it
// sends from now on.
async function watching(ctx, url, user, ready) {
  const page = await ctx.newPage();
  const seen = { streams: 0 };
  page.on("request", (r) => {
    if (r.url().includes("/api/v1/supervision/stream")) seen.streams++;
  });
  await login(page, url, user);
  await page.waitForSelector(ready);
  // the page's streams are open: each has reached the server
  for (let i = 0; i < 50 && seen.streams === 0; i++) await page.waitForTimeout(100);
  assert(seen.streams > 0, "the page opened no live stream");
  return { page, seen };
}

// Wait for the notice; it must come within 6 s (the 2 s re-check).
async function ended(page, why) {
  const t0 = Date.now();
  await page.waitForSelector("#session-ended", { timeout: 6000 });
  const text = await page.textContent("#session-ended");
  assert(text.includes("请重新登录") && text.includes(why), text);
  assert(!/[A-Za-z]{2,}/.test(text), "English in the notice: " + text);
  assert((await page.evaluate(() => sessionStorage.getItem("tongban.session"))) === null, "the session was kept");
  return Date.now() - t0;
}

// No stream request in the next 3 s: the page does not reconnect.
async function quiet(page, seen) {
  const before = seen.streams;
  await page.waitForTimeout(3000);
  assert(seen.streams === before, `the page reconnected ${seen.streams - before} time(s)`);
}

await test("the worklist asks to log in again when its session is logged out elsewhere", async () => {
  const ctx = await b.newContext(desktop);
  const { page, seen } = await watching(ctx, "/web/worklist.html", "officer-SCJG", "#queue");
  const tok = await page.evaluate(() => JSON.parse(sessionStorage.getItem("tongban.session")).token);
  const r = await http("DELETE", "/api/v1/sessions/current", { token: tok });
  assert(r.status === 204, r.text);
  const ms = await ended(page, "已在别处退出登录");
  console.log(`# the notice came ${ms} ms after the logout`);
  await quiet(page, seen);
  assert(!(await page.$(".live.on")), "the live mark still shows a connection");
  await shot(page, "stream-ended-worklist");
  await page.click("#session-ended button");
  await page.waitForSelector("form.login");
  await ctx.close();
});

// A copy of account `like` named user (its role, bureau and password)
// watching url in a new context; then `change` (SQL on the account) must
// end its streams with the notice naming `why`. The open page.
async function changed(options, url, user, like, ready, change, why, name) {
  sql("INSERT INTO accounts (username, role, bureau, password_hash) " +
      `SELECT '${user}', role, bureau, password_hash FROM accounts WHERE username = '${like}'`);
  const ctx = await b.newContext(options);
  const { page, seen } = await watching(ctx, url, user, ready);
  sql(`UPDATE accounts SET ${change} WHERE username = '${user}'`);
  const ms = await ended(page, why);
  console.log(`# the notice came ${ms} ms after: ${change}`);
  await quiet(page, seen);
  await shot(page, name);
  return page;
}

await test("the window console asks to log in again when the account is disabled", async () => {
  const page = await changed(phone, "/web/window.html", "clerk-to-disable", "clerk1", "#search",
    "disabled = true", "账号已被停用", "stream-ended-window");
  // and the account cannot log in again
  const r = await http("POST", "/api/v1/sessions", { body: { username: "clerk-to-disable", password: PASSWORD } });
  assert(r.status !== 201, "a disabled account logged in");
  await page.context().close();
});

await test("the supervision page asks to log in again when the account's role changes", async () => {
  const page = await changed(desktop, "/web/supervision.html", "inspector-to-move", "inspector1", "#live",
    "role = 'clerk'", "角色或所属部门已变更", "stream-ended-supervision");
  const live = await page.textContent("#live");
  assert(live === "实时连接已停止", "the live mark: " + live);
  await page.context().close();
});

await b.close();
done();
