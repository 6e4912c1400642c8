// admin.mjs — accounts the 等保三级 way (issue 17 §4) in Chromium
// (playwright-core): the administrator's page web/admin.html lists the
// accounts in Chinese and drives every verb (create with the password
// policy's refusal, disable, enable, reset, role, bureau and groups as
// checkboxes of the bureau's groups, delete); the
// log-in form of a page asks for a new password when an administrator set
// it (and when a route answers 403 password_change_required), refuses a
// weak one in Chinese, then continues. Screenshots go to
// tests/artifacts/admin-*.png. TAP.
import {
  BASE, PASSWORD, assert, browser, done, http, login, shot as auditShot, sql, test,
} from "./lib.mjs";

const shot = (page, name) => auditShot(page, "admin-" + name);
const b = await browser();
const desktop = { viewport: { width: 1280, height: 900 }, baseURL: BASE };
const START = "Start-Pass-2026";
const OWN = "Own-Choice-2027";

// The harness has no administrator: one with the harness's password.
sql("INSERT INTO accounts (username, role, password_hash) SELECT 'webadmin', " +
    "'admin', password_hash FROM accounts WHERE username = 'clerk1'");

const rowOf = (user) => `tr[data-user="${user}"]`;
// Wait for the toast to say `text` (an earlier one may still be shown).
async function toastSays(p, text) {
  await p.waitForFunction((t) => {
    const el = document.querySelector("#toast");
    return el && !el.hidden && el.textContent.includes(t);
  }, text);
}
async function account(user) {
  const t = (await http("POST", "/api/v1/sessions", { body: { username: "webadmin", password: PASSWORD } })).json.token;
  const r = await http("GET", "/api/v1/accounts", { token: t });
  return r.json.accounts.find((a) => a.username === user);
}

let admin;
await test("the start page links the administrator's page; the list is in Chinese", async () => {
  const ctx = await b.newContext(desktop);
  admin = await ctx.newPage();
  admin.on("dialog", (d) => d.accept());
  await admin.goto("/");
  assert(await admin.isVisible('a[href="/web/admin.html"]'), "no link on the start page");
  await login(admin, "/web/admin.html", "webadmin");
  await admin.waitForSelector(rowOf("clerk1"));
  const clerk = await admin.textContent(rowOf("clerk1"));
  assert(clerk.includes("窗口人员") && clerk.includes("启用"), clerk);
  const officer = await admin.textContent(rowOf("officer-SCJG"));
  assert(officer.includes("部门审批人员") && officer.includes("市场监督管理局"), officer);
  assert((await admin.textContent(rowOf("inspector1"))).includes("监察人员"));
  assert((await admin.textContent(rowOf("webadmin"))).includes("系统管理员"));
  await shot(admin, "list");
});

await test("create: a weak password is refused in Chinese; then the account owes a change", async () => {
  await admin.fill("#create input[name=username]", "newclerk");
  await admin.fill("#create input[name=password]", "weakpass1");
  await admin.click("#create button[type=submit]");
  await toastSays(admin, "密码须包含大写字母");
  await shot(admin, "create-refused");
  await admin.fill("#create input[name=password]", START);
  await admin.click("#create button[type=submit]");
  await admin.waitForSelector(rowOf("newclerk"));
  const row = await admin.textContent(rowOf("newclerk"));
  assert(row.includes("待修改") && row.includes("从未登录"), row);
  // an officer with a bureau chosen by name
  await admin.fill("#create input[name=username]", "newofficer");
  await admin.selectOption("#create select[name=role]", "officer");
  await admin.selectOption("#create select[name=bureau]", "GA");
  await admin.fill("#create input[name=password]", START);
  await admin.click("#create button[type=submit]");
  await admin.waitForSelector(rowOf("newofficer"));
  assert((await admin.textContent(rowOf("newofficer"))).includes("公安局"));
});

let clerkPage;
await test("log-in: the password an administrator set must be changed first, in Chinese", async () => {
  const ctx = await b.newContext(desktop);
  clerkPage = await ctx.newPage();
  await clerkPage.goto("/web/window.html");
  await clerkPage.fill('input[name="username"]', "newclerk");
  await clerkPage.fill('input[name="password"]', START);
  await clerkPage.click('form.login button[type="submit"]');
  await clerkPage.waitForSelector("form.password-step");
  assert(!(await clerkPage.isVisible("form.password-step input[name=current_password]")),
    "the password just typed is asked again");
  await shot(clerkPage, "password-step");
  await clerkPage.fill("input[name=new_password]", OWN);
  await clerkPage.fill("input[name=new_password_again]", OWN + "x");
  await clerkPage.click("form.password-step button[type=submit]");
  await clerkPage.waitForFunction(() => document.querySelector("form.password-step .error").textContent.includes("不一致"));
  await clerkPage.fill("input[name=new_password]", "onlylowercase");
  await clerkPage.fill("input[name=new_password_again]", "onlylowercase");
  await clerkPage.click("form.password-step button[type=submit]");
  await clerkPage.waitForFunction(() => document.querySelector("form.password-step .error").textContent.includes("密码须包含"));
  await shot(clerkPage, "password-refused");
  await clerkPage.fill("input[name=new_password]", OWN);
  await clerkPage.fill("input[name=new_password_again]", OWN);
  await clerkPage.click("form.password-step button[type=submit]");
  await clerkPage.waitForSelector("#start"); /* the window's intake: the page went on */
  assert(!(await clerkPage.isVisible("form.password-step")));
  await shot(clerkPage, "password-changed");
  assert((await account("newclerk")).password_change_required === false);
});

await test("a route's 403 password_change_required shows the form too, asking the current password", async () => {
  const r = await http("POST", "/api/v1/sessions", { body: { username: "newofficer", password: START } });
  assert(r.status === 201 && r.json.pending.includes("password_change"), r.text);
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  const ses = JSON.stringify({ token: r.json.token, role: "officer", bureau: "GA", username: "newofficer" });
  await ctx.addInitScript((s) => sessionStorage.setItem("tongban.session", s), ses);
  await p.goto("/web/worklist.html");
  await p.waitForSelector("form.password-step input[name=current_password]");
  await p.fill("input[name=current_password]", "Wrong-Pass-1");
  await p.fill("input[name=new_password]", OWN);
  await p.fill("input[name=new_password_again]", OWN);
  await p.click("form.password-step button[type=submit]");
  await p.waitForFunction(() => document.querySelector("form.password-step .error").textContent.includes("当前密码不正确"));
  await p.fill("input[name=current_password]", START);
  await p.click("form.password-step button[type=submit]");
  await p.waitForSelector("#queue"); /* the worklist loaded with the same session */
  await ctx.close();
  sql("DELETE FROM auth_failures");
});

await test("disable ends the user's session at once; enable lets them back", async () => {
  const token = JSON.parse(await clerkPage.evaluate(() => sessionStorage.getItem("tongban.session"))).token;
  assert((await http("GET", "/healthz", { token })).status === 200);
  await admin.click(`${rowOf("newclerk")} button[data-act=toggle]`);
  await toastSays(admin, "账号已停用");
  await admin.waitForFunction((sel) => document.querySelector(sel).textContent.includes("已停用"), rowOf("newclerk"));
  assert((await http("GET", "/healthz", { token })).status === 401, "the session lived on");
  await shot(admin, "disabled");
  await admin.click(`${rowOf("newclerk")} button[data-act=toggle]`);
  await admin.waitForFunction((sel) => !document.querySelector(sel).textContent.includes("已停用"), rowOf("newclerk"));
  const again = await http("POST", "/api/v1/sessions", { body: { username: "newclerk", password: OWN } });
  assert(again.status === 201, again.text);
});

await test("reset and role change through their forms; the last administrator is kept", async () => {
  await admin.click(`${rowOf("newclerk")} button[data-act=reset]`);
  await admin.fill("#panel input[name=password]", "Reset-Pass-99");
  await shot(admin, "reset");
  await admin.click("#panel button[type=submit]");
  await toastSays(admin, "密码已重置");
  await admin.waitForFunction((sel) => document.querySelector(sel).textContent.includes("待修改"), rowOf("newclerk"));
  await admin.click(`${rowOf("newclerk")} button[data-act=role]`);
  await admin.selectOption("#panel select[name=role]", "officer");
  await admin.selectOption("#panel select[name=bureau]", "SW");
  await admin.click("#panel button[type=submit]");
  await admin.waitForFunction((sel) => document.querySelector(sel).textContent.includes("税务局"), rowOf("newclerk"));
  const a = await account("newclerk");
  assert(a.role === "officer" && a.bureau === "SW", JSON.stringify(a));
  await admin.click(`${rowOf("webadmin")} button[data-act=toggle]`);
  await toastSays(admin, "最后一个启用的系统管理员");
  await shot(admin, "last-admin");
});

await test("groups (岗位): checkboxes of the bureau's groups on create and role change", async () => {
  await admin.fill("#create input[name=username]", "newchief");
  await admin.selectOption("#create select[name=role]", "officer");
  await admin.selectOption("#create select[name=bureau]", "ZJ");
  await admin.waitForSelector("#create fieldset.groups input[value=STY]");
  const names = await admin.textContent("#create fieldset.groups");
  assert(names.includes("岗位") && names.includes("科长（KZ）") && names.includes("审图员（STY）"), names);
  await admin.check("#create fieldset.groups input[value=KZ]");
  await shot(admin, "groups-create");
  await admin.fill("#create input[name=password]", START);
  await admin.click("#create button[type=submit]");
  await admin.waitForSelector(rowOf("newchief"));
  let row = await admin.textContent(rowOf("newchief"));
  assert(row.includes("住房和城乡建设局") && row.includes("科长"), row);
  assert(JSON.stringify((await account("newchief")).groups) === '["KZ"]');
  await admin.click(`${rowOf("newchief")} button[data-act=role]`);
  assert(await admin.isChecked("#panel fieldset.groups input[value=KZ]"), "KZ not ticked");
  await admin.uncheck("#panel fieldset.groups input[value=KZ]");
  await admin.check("#panel fieldset.groups input[value=STY]");
  await shot(admin, "groups-role");
  await admin.click("#panel button[type=submit]");
  await toastSays(admin, "岗位已变更");
  await admin.waitForFunction((sel) => document.querySelector(sel).textContent.includes("审图员"), rowOf("newchief"));
  row = await admin.textContent(rowOf("newchief"));
  assert(!row.includes("科长"), row);
  assert(JSON.stringify((await account("newchief")).groups) === '["STY"]');
  await shot(admin, "groups-list");
  // a bureau without groups says so; a clerk has none to choose
  await admin.click(`${rowOf("newchief")} button[data-act=role]`);
  await admin.selectOption("#panel select[name=bureau]", "GA");
  await admin.waitForFunction(() => document.querySelector("#panel fieldset.groups").textContent.includes("该部门未设岗位"));
  await admin.selectOption("#panel select[name=role]", "clerk");
  assert(!(await admin.isVisible("#panel fieldset.groups")), "groups shown for a clerk");
  await admin.click("#panel button[type=submit]");
  await admin.waitForFunction((sel) => document.querySelector(sel).textContent.includes("窗口人员"), rowOf("newchief"));
  assert(JSON.stringify((await account("newchief")).groups) === "[]");
});

await test("delete asks first, then the account is gone from the list", async () => {
  await admin.click(`${rowOf("newclerk")} button[data-act=delete]`);
  await admin.waitForSelector(rowOf("newclerk"), { state: "detached" });
  assert((await account("newclerk")) === undefined);
});

await test("another role is not let into the administrator's page", async () => {
  const ctx = await b.newContext(desktop);
  const p = await ctx.newPage();
  await login(p, "/web/admin.html", "clerk1");
  await p.waitForFunction(() => document.querySelector("form.login .error").textContent.includes("该账号不能使用此页面"));
  await ctx.close();
});

await b.close();
done();
