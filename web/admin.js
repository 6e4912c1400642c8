// admin.js — the administrator's page, in three tabs (#accounts,
// #calendar, #workflows in the address): the staff accounts — the list
// (role, bureau, enabled, whether the password must be changed, created,
// last log-in, an officer's groups) and every verb of /api/v1/accounts:
// create, disable, enable, reset the password, change role, bureau and
// groups (岗位, as checkboxes of the bureau's groups that bureaus.xml
// declares, named as GET /api/v1/bureaus gives them), delete — the
// working-day calendar (web/admin_calendar.js) and the workflow
// definitions (web/admin_workflows.js). A change that lowers access ends
// the account's sessions on the server; the page only says so. Refusals
// show the registry's Chinese text.
import {
  $, BUREAUS, ROLES, api, bureauName, clear, fmtTime, h, logoutButton, problemZhOnly,
  requireLogin, scrollBox, toast, verbatim,
} from "/web/common.js";
import { calendarSection } from "/web/admin_calendar.js";
import { workflowsSection } from "/web/admin_workflows.js";

export const ROLE_NAMES = ROLES;

const main = $("#main");
const list = h("div", { id: "accounts" });
const panel = h("div", { id: "panel" }); /* the form of the verb chosen */

// Run a change; its refusal as a toast in Chinese. true when it was done.
async function act(fn, okText) {
  try {
    await fn();
    toast(okText, "ok");
    return true;
  } catch (e) {
    toast(problemZhOnly(e), "error");
    return false;
  }
}

const path = (a, verb) => `/api/v1/accounts/${encodeURIComponent(a.username)}${verb ? "/" + verb : ""}`;

// The groups (岗位) of each bureau, by code: [{code, name}] (GET
// /api/v1/bureaus, read once the administrator is logged in).
const GROUPS = {};
async function loadGroups() {
  const r = await api("GET", "/api/v1/bureaus");
  for (const b of r.bureaus) GROUPS[b.code] = b.groups;
}
const groupName = (bureau, code) => (GROUPS[bureau] || []).find((g) => g.code === code)?.name || code;

function roleSelect(value) {
  return h("select", { name: "role" },
    Object.entries(ROLE_NAMES).map(([k, v]) => h("option", { value: k, selected: k === value }, v)));
}

function bureauSelect(value) {
  return h("select", { name: "bureau" },
    Object.entries(BUREAUS).map(([k, v]) => h("option", { value: k, selected: k === value }, `${v}（${k}）`)));
}

// The bureau's groups as checkboxes (those in `checked` ticked); a note
// when the bureau declares none.
function groupBoxes(box, bureau, checked) {
  const groups = GROUPS[bureau] || [];
  clear(box, h("legend", "岗位"), groups.length
    ? h("div.checks", groups.map((g) => h("label",
      h("input", { type: "checkbox", name: "groups", value: g.code, checked: checked.includes(g.code) }),
      `${g.name}（${g.code}）`)))
    : h("p.muted", "该部门未设岗位"));
}

// A role select with the bureau select and its groups shown for officers
// only; body() gives {role, bureau?, groups?} as the API wants them.
function roleFields(role, bureau, groups = []) {
  const r = roleSelect(role);
  const b = bureauSelect(bureau);
  const bl = h("label", "所属部门", b);
  const gs = h("fieldset.groups", { dataset: { groups: "" } });
  groupBoxes(gs, b.value, groups);
  b.addEventListener("change", () => groupBoxes(gs, b.value, []));
  /* style, not hidden: the stylesheet's label { display: block } wins */
  const sync = () => {
    const officer = r.value === "officer";
    bl.style.display = officer ? "" : "none";
    gs.style.display = officer ? "" : "none";
  };
  r.addEventListener("change", sync);
  sync();
  const ticked = () => [...gs.querySelectorAll("input[name=groups]:checked")].map((i) => i.value);
  return {
    nodes: [h("label", "角色", r), bl, gs],
    sync: () => { groupBoxes(gs, b.value, []); sync(); },
    body: () => (r.value === "officer" ? { role: r.value, bureau: b.value, groups: ticked() } : { role: r.value }),
  };
}

function showPanel(title, ...children) {
  clear(panel, h("div.card", { dataset: { panel: title } }, h("h2", title), ...children));
  panel.scrollIntoView({ block: "nearest" });
}

function resetForm(a) {
  const pw = h("input", { name: "password", type: "password", autocomplete: "new-password", required: true });
  showPanel(`重置密码：${a.username}`,
    h("form", {
      onsubmit: async (ev) => {
        ev.preventDefault();
        if (await act(() => api("POST", path(a, "password"), { password: pw.value }),
          "密码已重置，该账号的登录已全部退出，下次登录须修改密码")) { clear(panel); load(); }
      },
    },
    h("p.muted", "新密码至少 8 位，须包含大写字母、小写字母、数字、符号中的至少三类，且不得包含用户名。用户下次登录时须自行修改。"),
    h("label", "新密码", pw),
    h("div.actions", h("button.primary", { type: "submit" }, "重置密码"), h("button", { type: "button", onclick: () => clear(panel) }, "取消"))));
  pw.focus();
}

function roleForm(a) {
  const f = roleFields(a.role, a.bureau, a.groups);
  showPanel(`变更角色、部门和岗位：${a.username}`,
    h("form", {
      onsubmit: async (ev) => {
        ev.preventDefault();
        if (await act(() => api("POST", path(a, "role"), f.body()), "角色、部门和岗位已变更，该账号的登录已全部退出")) { clear(panel); load(); }
      },
    },
    ...f.nodes,
    h("div.actions", h("button.primary", { type: "submit" }, "变更角色"), h("button", { type: "button", onclick: () => clear(panel) }, "取消"))));
}

async function remove(a) {
  if (!confirm(`确定删除账号“${a.username}”吗？删除后不能恢复，该用户名也不能再使用。`)) return;
  if (await act(() => api("DELETE", path(a)), "账号已删除，该账号的登录已全部退出")) load();
}

async function toggle(a) {
  const verb = a.disabled ? "enable" : "disable";
  const said = a.disabled ? "账号已启用" : "账号已停用，该账号的登录已全部退出";
  if (await act(() => api("POST", path(a, verb), {}), said)) load();
}

function row(a) {
  return h("tr", { dataset: { user: a.username } },
    h("td", verbatim(a.username)),
    h("td", ROLE_NAMES[a.role] || a.role),
    h("td", a.bureau ? bureauName(a.bureau) : "—"),
    h("td", a.groups.length ? a.groups.map((g) => groupName(a.bureau, g)).join("、") : "—"),
    h("td", a.disabled ? h("span.badge.warn-red", "已停用") : "启用"),
    h("td", a.password_change_required ? h("span.badge.owed", "待修改") : "—"),
    h("td", fmtTime(a.created_at)),
    h("td", a.last_login_at ? fmtTime(a.last_login_at) : "从未登录"),
    h("td", h("div.row",
      h("button", { dataset: { act: "toggle" }, onclick: () => toggle(a) }, a.disabled ? "启用" : "停用"),
      h("button", { dataset: { act: "reset" }, onclick: () => resetForm(a) }, "重置密码"),
      h("button", { dataset: { act: "role" }, onclick: () => roleForm(a) }, "变更角色"),
      h("button.danger", { dataset: { act: "delete" }, onclick: () => remove(a) }, "删除"))));
}

async function load() {
  const r = await api("GET", "/api/v1/accounts");
  const heads = ["用户名", "角色", "所属部门", "岗位", "状态", "密码", "创建时间", "最近登录", "操作"];
  clear(list, scrollBox("账号列表", h("table",
    h("thead", h("tr", heads.map((t) => h("th", t)))),
    h("tbody", r.accounts.map(row)))));
  list.dataset.count = String(r.accounts.length);
}

function createForm() {
  const user = h("input", { name: "username", autocomplete: "off", required: true, maxLength: 64 });
  const pw = h("input", { name: "password", type: "password", autocomplete: "new-password", required: true });
  const f = roleFields("clerk", "ZWFW");
  return h("form.card", {
    id: "create",
    onsubmit: async (ev) => {
      ev.preventDefault();
      const body = { username: user.value.trim(), password: pw.value, ...f.body() };
      if (await act(() => api("POST", "/api/v1/accounts", body), "账号已创建，首次登录时须修改密码")) {
        ev.target.reset();
        f.sync();
        load();
      }
    },
  },
  h("h2", "新建账号"),
  h("p.muted", "用户名由字母、数字、“.”、“_”或“-”组成。初始密码至少 8 位，须包含大写字母、小写字母、数字、符号中的至少三类，且不得包含用户名；用户首次登录时须自行修改。"),
  h("label", "用户名", user),
  ...f.nodes,
  h("label", "初始密码", pw),
  h("div.actions", h("button.primary", { type: "submit" }, "创建")));
}

// The tabs: one section shown at a time, named in the address's #.
function tabs(sections) {
  const buttons = sections.map(([key, title, section]) => {
    section.setAttribute("role", "tabpanel");
    section.setAttribute("aria-labelledby", "tab-" + key);
    return h("button", {
      type: "button", role: "tab", id: "tab-" + key, "aria-controls": section.id,
      dataset: { tab: key }, onclick: () => (location.hash = key),
    }, title);
  });
  async function pick() {
    const want = location.hash.slice(1);
    const i = Math.max(0, sections.findIndex(([key]) => key === want));
    sections.forEach(([, , s], k) => {
      s.hidden = k !== i;
      buttons[k].setAttribute("aria-selected", String(k === i));
      buttons[k].tabIndex = k === i ? 0 : -1;
    });
    try {
      await sections[i][2].load();
    } catch (e) {
      toast(problemZhOnly(e), "error");
    }
  }
  addEventListener("hashchange", pick);
  return { nav: h("nav.tabs", { role: "tablist", "aria-label": "系统管理" }, buttons), pick };
}

await requireLogin(main, ["admin"], "系统管理员登录");
$("#who").append(logoutButton());
await loadGroups();
const accounts = h("section", { id: "accounts-section" },
  h("div.card", h("h2", "账号列表"), list), panel, createForm());
accounts.load = load;
const sections = [["accounts", "账号管理", accounts], ["calendar", "工作日历", calendarSection()],
  ["workflows", "流程定义", workflowsSection()]];
const t = tabs(sections);
main.append(t.nav, ...sections.map(([, , s]) => s));
await t.pick();
