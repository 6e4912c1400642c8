// verbs.js — the verbs of a branch in the officer's worklist (issue 14):
// what a task row says about its step (会签 / 或签 / 依次审批 / 票签 2/3)
// and whom it is for (本部门, 岗位, 指派给, 委派自, 加签自); the panel's
// verbs the server says are possible now (GET /api/v1/tasks/{id}/options:
// 转办, 委派, 委派办毕, 加签, 减签, 退回) each in a small form with its
// reason, and the step's signers; the 未轮到 rows, 我已办理 with 撤回, and
// 抄送我的 with 已阅; the timeline's words for each verb with its target
// and reason. A refusal is the registry's Chinese text (problemText) and
// the worklist is drawn again.
import {
  api, attempt, bureauName, clear, fmtTime, h, problemText, verbatim,
} from "/web/common.js";
import {
  cancelButton, fieldError, openPanel, reasonBox, required, send,
} from "/web/actions.js";

// ---- the step's rule and the row's holder ------------------------------------

const SIGN_NAMES = { all: "会签", any: "或签", sequence: "依次审批", vote: "票签" };

// The definition's task of worklist row t (def: GET /api/v1/workflows/{id}),
// or null.
export function taskDefOf(def, t) {
  const b = def && def.steps.find((x) => x.id === t.branch_id);
  return (b && b.tasks.find((x) => x.id === t.task_id)) || null;
}

// "会签", "票签 2/3" … for the step of row t; null for a one-signer step.
export function signText(t, def) {
  const d = taskDefOf(def, t) || {};
  const rule = t.sign || d.sign || "one";
  if (!SIGN_NAMES[rule]) return null;
  if (rule !== "vote") return SIGN_NAMES[rule];
  const pass = t.pass ?? d.pass;
  const n = t.signers ?? (d.signers ? d.signers.length : null);
  return pass && n ? `票签 ${pass}/${n}` : "票签";
}

// The names of the officer's bureau's groups (岗位) by code, from GET
// /api/v1/bureaus (loadGroupNames); a code not there shows as typed.
const groupNames = new Map();
const groupName = (t) => groupNames.get(t.group) || verbatim(t.group || "");

// Read the group names of `bureau` once; without them the codes show.
export async function loadGroupNames(bureau) {
  if (groupNames.size) return;
  const r = await api("GET", "/api/v1/bureaus").catch(() => null);
  const b = r && (r.bureaus || []).find((x) => x.code === bureau);
  for (const g of (b && b.groups) || []) groupNames.set(g.code, g.name);
}

// Whom row t is for: 委派自 X (a delegated task), 指派给 X (a named
// officer or account), 岗位 X (a group), else 本部门 (the bureau's pool);
// then 加签自 X when a signer added it.
export function holderText(t) {
  let who;
  if (t.delegate_of) who = ["委派自 ", verbatim(t.delegate_of)];
  else if (["officer", "account"].includes(t.signer_kind) && t.assignee) who = ["指派给 ", verbatim(t.assignee)];
  else if (t.signer_kind === "group") who = ["岗位 ", groupName(t)];
  else who = ["本部门"];
  return h("span.holder", who, t.added_by ? ["（加签自 ", verbatim(t.added_by), "）"] : null);
}

// The badges of a row: its rule when not "one", whom it is for, its round.
export function rowTags(t, def) {
  const sign = signText(t, def);
  return h("div.tags",
    sign ? h("span.badge.sign", { dataset: { sign: t.sign || "" } }, sign) : null,
    h("span.badge.for", holderText(t)),
    t.round > 1 ? h("span.badge.round", `第 ${t.round} 轮`) : null);
}

// ---- the panel's verbs ---------------------------------------------------------

const POSITION_NAMES = { before: "前加签", after: "后加签", parallel: "并行加签" };
const POSITION_NOTES = { before: "先由其审批，再由我审批", after: "我通过后由其审批", parallel: "与其他签批人同时审批" };
// A signer's task state (tasks.state) as a person says it.
const SLOT_STATES = { waiting: "未轮到", open: "办理中", claimed: "办理中（已领取）", decided: "已办理", cancelled: "已取消" };
// What an officer did with a task (tasks.decision), as a person says it.
export const DECISIONS = { approve: "通过", deny: "不予许可", return: "退回补正", send_back: "退回", transfer: "转办", delegate: "委派", resolve: "委派办毕" };

// The options of task t now: {verbs, officers, send_back_to, add_positions,
// signers}. options.verbs names each verb as its route does: claim, approve,
// deny, return, transfer, delegate, resolve, signers (加签), remove (减签),
// send-back (退回), take-back (撤回).
export const taskOptions = (t) => api("GET", `/api/v1/tasks/${t.id}/options`);

const taskPath = (id, verb) => `/api/v1/tasks/${id}/${verb}`;

// A list of the bureau's other officers (options.officers), by user name.
function officerSelect(id, officers) {
  return h("select", { id, name: "to", required: true },
    h("option", { value: "" }, "请选择本部门人员"),
    officers.map((o) => h("option", { value: o.username, translate: "no" }, o.username)));
}

// A verb's form in host: title, note, the fields, and the button that
// sends body() to path; a refusal is a toast and done() redraws the list.
function verbForm(host, { id, title, note, fields, path, body, okText, button }, done) {
  const go = async () => {
    const b = body();
    if (!b) return;
    if (await send("POST", path, b, okText, done, problemText)) done();
  };
  return h("div.item.verb-form", { id, role: "group", "aria-label": title },
    h("h3", title), note ? h("p.muted", note) : null, fields,
    h("div.actions",
      h("button.primary", { type: "button", dataset: { act: "confirm" }, onclick: go }, button),
      cancelButton(host)));
}

// 转办 or 委派 (kind) of task t to an officer of opts.officers.
function handForm(host, t, opts, kind, done) {
  const zh = kind === "transfer" ? "转办" : "委派";
  const to = officerSelect(`${kind}-to`, opts.officers || []);
  const why = reasonBox(`${kind}-reason`, kind === "transfer" ? "例如：本人外出，转由其办理" : "例如：请协助核查现场情况");
  return verbForm(host, {
    id: `${kind}-form`, title: zh,
    note: kind === "transfer"
      ? "转办后本任务由对方办理，不再回到您这里。"
      : "委派后由对方办理并填写意见；对方办毕后任务回到您这里，由您作出决定。",
    fields: [h("label", "办理人", to, fieldError()), h("label", `${zh}理由（必填）`, why, fieldError())],
    path: taskPath(t.id, kind), okText: `已${zh}`, button: `确认${zh}`,
    body: () => {
      const v = required(to, "请选择办理人");
      const reason = v && required(why, `请填写${zh}理由`);
      return reason ? { to: v, reason } : null;
    },
  }, done);
}

// 委派办毕: the delegate's opinion, and the task goes back to the delegator.
function resolveForm(host, t, done) {
  const opinion = reasonBox("resolve-comment", "例如：现场核查属实，建议通过");
  return verbForm(host, {
    id: "resolve-form", title: "委派办毕",
    note: t.delegate_of ? ["办毕后任务交回 ", verbatim(t.delegate_of), "，由其作出决定。"] : "办毕后任务交回委派人，由其作出决定。",
    fields: [h("label", "办理意见（必填）", opinion, fieldError())],
    path: taskPath(t.id, "resolve"), okText: "已办毕，任务已交回委派人", button: "确认办毕",
    body: () => {
      const comment = required(opinion, "请填写办理意见");
      return comment ? { comment } : null;
    },
  }, done);
}

// 加签: an officer and where (the positions the step allows).
function addForm(host, t, opts, done) {
  const to = officerSelect("add-to", opts.officers || []);
  const positions = (opts.add_positions || []).filter((p) => POSITION_NAMES[p]);
  const radios = positions.map((p, i) => h("label", h("input", { type: "radio", name: "position", value: p, checked: i === 0 }), `${POSITION_NAMES[p]}（${POSITION_NOTES[p]}）`));
  const why = reasonBox("add-reason", "例如：涉及消防审查，请消防专员会签");
  return verbForm(host, {
    id: "add-form", title: "加签", fields: [
      h("label", "加签人", to, fieldError()),
      h("fieldset.positions", h("legend", "加签方式"), radios),
      h("label", "加签理由（必填）", why, fieldError())],
    path: taskPath(t.id, "signers"), okText: "已加签", button: "确认加签",
    body: () => {
      const v = required(to, "请选择加签人");
      const reason = v && required(why, "请填写加签理由");
      const picked = radios.map((r) => r.firstChild).find((r) => r.checked);
      return reason ? { to: v, position: picked ? picked.value : positions[0], reason } : null;
    },
  }, done);
}

// 退回: an earlier step of the branch (options.send_back_to).
function sendBackForm(host, t, opts, done) {
  const step = h("select", { id: "send-back-to", name: "to_step", required: true },
    h("option", { value: "" }, "请选择退回的环节"),
    (opts.send_back_to || []).map((s) => h("option", { value: s.step }, s.name)));
  const why = reasonBox("send-back-reason", "例如：审查意见不完整，请重新审查");
  return verbForm(host, {
    id: "send-back-form", title: "退回",
    note: "退回到本部门之前的环节重新办理（新的一轮），该环节重新计算办理期限。",
    fields: [h("label", "退回至", step, fieldError()), h("label", "退回理由（必填）", why, fieldError())],
    path: taskPath(t.id, "send-back"), okText: "已退回", button: "确认退回",
    body: () => {
      const v = required(step, "请选择退回的环节");
      const reason = v && required(why, "请填写退回理由");
      return reason ? { to_step: v, reason } : null;
    },
  }, done);
}

// 减签 of signer s (its task): a reason.
function removeForm(host, s, done) {
  const why = reasonBox("remove-reason", "例如：无需该人员会签");
  return verbForm(host, {
    id: "remove-form", title: "减签",
    note: ["减去签批人 ", verbatim(s.who || "—"), "，其任务随即取消。"],
    fields: [h("label", "减签理由（必填）", why, fieldError())],
    path: taskPath(s.task, "remove"), okText: "已减签", button: "确认减签",
    body: () => {
      const reason = required(why, "请填写减签理由");
      return reason ? { reason } : null;
    },
  }, done);
}

// 撤回 of the decision on task t (a row of 我已办理).
function takeBackForm(host, t, done) {
  const why = reasonBox("take-back-reason", "例如：审批意见有误，需重新审查");
  return verbForm(host, {
    id: "take-back-form", title: "撤回审批决定",
    note: "下一环节尚未办理时可撤回；撤回后任务回到您的待办。",
    fields: [h("label", "撤回理由（必填）", why, fieldError())],
    path: taskPath(t.id, "take-back"), okText: "已撤回，任务已回到待办", button: "确认撤回",
    body: () => {
      const reason = required(why, "请填写撤回理由");
      return reason ? { reason } : null;
    },
  }, done);
}

// Whom a signer is: the officer's user name, else its group or the pool.
function signerWho(s) {
  if (s.who) return verbatim(s.who);
  return s.kind === "group" ? "本部门岗位" : "本部门";
}

// 减签 of signer s in cell: whether the officer may remove it is in the
// options of the signer's own task (its verbs name remove).
async function removeCell(cell, s, host, done) {
  const o = await taskOptions({ id: s.task }).catch(() => null);
  if (!o || !(o.verbs || []).includes("remove")) return;
  clear(cell, h("button", { type: "button", dataset: { act: "remove" }, onclick: () => openPanel(host, removeForm(host, s, done)) }, "减签"));
}

// The step's signers (options.signers): who signed, who is pending, who
// was removed; 减签 on a pending signer other than me when allowed.
function signersTable(t, opts, host, done) {
  const me = t.id;
  const rows = (opts.signers || []).map((s) => {
    const pending = ["waiting", "open", "claimed"].includes(s.status) && !s.decision;
    const cell = h("td.act");
    if (pending && s.task !== me) removeCell(cell, s, host, done);
    return h("tr", { dataset: { slot: s.slot, status: s.status || "" } },
      h("td", String((s.slot ?? 0) + 1)),
      h("td", signerWho(s), s.task === me ? "（我）" : ""),
      h("td", SLOT_STATES[s.status] || "—"),
      h("td", DECISIONS[s.decision] || "—"),
      cell);
  });
  if (!rows.length) return null;
  return h("table.signers",
    h("caption", "本环节签批人"),
    h("thead", h("tr", ["序号", "签批人", "状态", "意见", "操作"].map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", rows));
}

// [the verb as options.verbs names it, the button's data-act, its words,
// its form]
const VERB_BUTTONS = [
  ["transfer", "transfer", "转办", (host, t, o, done) => handForm(host, t, o, "transfer", done)],
  ["delegate", "delegate", "委派", (host, t, o, done) => handForm(host, t, o, "delegate", done)],
  ["resolve", "resolve", "委派办毕", (host, t, o, done) => resolveForm(host, t, done)],
  ["signers", "add_signer", "加签", (host, t, o, done) => addForm(host, t, o, done)],
  ["send-back", "send_back", "退回", (host, t, o, done) => sendBackForm(host, t, o, done)],
];

// The verbs part of the decision panel of task t with its options: a
// button for each verb the server allows now, the form it opens, and the
// step's signers. done() after a verb was stored or refused (the list is
// drawn again).
export function verbsPart(t, opts, done) {
  const host = h("div.verb-host");
  const allowed = new Set(opts.verbs || []);
  const buttons = VERB_BUTTONS.filter(([v]) => allowed.has(v)).map(([, act, name, make]) =>
    h("button", { type: "button", dataset: { act }, onclick: () => openPanel(host, make(host, t, opts, done)) }, name));
  return h("div.verbs",
    buttons.length ? h("h3", "其他办理方式") : null,
    buttons.length ? h("div.actions", buttons) : null,
    host,
    signersTable(t, opts, host, done));
}

// Whether the decision (approve / deny / return) may be made on the task
// now; true when the options could not be read (the server decides).
export const canDecide = (opts) => !opts || (opts.verbs || []).some((v) => ["approve", "deny", "return"].includes(v));

// ---- the sections of the worklist ---------------------------------------------

// A section's card: title, note and list.
function sectionCard(id, title, note) {
  const list = h("div", { id });
  return { card: h("div.card", { dataset: { section: id } }, h("h2", title), note ? h("p.muted", note) : null, list), list };
}

// fill() draws a section's list; when reading it fails the list says so
// in the registry's Chinese (a section never toasts over the queue's own
// messages) and the card is shown.
async function filled(card, list, fill) {
  try {
    await fill();
  } catch (e) {
    card.hidden = false;
    clear(list, h("p.error", { role: "alert" }, `暂时无法读取：${problemText(e)}`));
  }
}

// 未轮到: the officer's 依次 / 加签 tasks whose turn has not come.
export function waitingSection() {
  const { card, list } = sectionCard("waiting", "未轮到", "依次审批或加签中排在后面的任务：前一位签批人通过后进入待办并开始计时。");
  const refresh = (bureau, line) => filled(card, list, async () => {
    const r = await api("GET", `/api/v1/tasks?${new URLSearchParams({ bureau, state: "waiting" })}`);
    const items = r.items || [];
    card.hidden = !items.length;
    clear(list, items.map(line));
    list.dataset.count = String(items.length);
  });
  card.hidden = true;
  return { card, refresh };
}

// Whether to offer 撤回 on decided task t: an approval or denial not
// taken back while the application is in review, and its options name
// take-back (when they cannot be read, the server decides on 撤回).
async function mayTakeBack(t) {
  if (!["approve", "deny"].includes(t.decision) || t.taken_back_at || t.application_state !== "in_review") return false;
  const o = await taskOptions(t).catch(() => null);
  return !o || (o.verbs || []).includes("take-back");
}

// 我已办理: the officer's decided tasks, each with 撤回 while the server
// allows it (its options name take-back). Read when opened. keepOpen
// (live refreshes): leave the list alone while a 撤回 form is open in it,
// whether it was opened before the list was read or while it was.
export function doneSection(line, done) {
  const list = h("div", { id: "done" });
  const box = h("details.card", { dataset: { section: "done" } },
    h("summary", h("h2", "我已办理（可撤回的决定）")), list);
  const formOpen = () => !!list.querySelector(".verb-form");
  const refresh = (bureau, keepOpen = false) => filled(box, list, async () => {
    if (!box.open || (keepOpen && formOpen())) return;
    const r = await api("GET", `/api/v1/tasks?${new URLSearchParams({ bureau, state: "decided", mine: "true", limit: "20" })}`);
    const items = r.items || [];
    const rows = await Promise.all(items.map(async (t) => {
      const host = h("div");
      const back = await mayTakeBack(t)
        ? h("button.danger", { type: "button", dataset: { act: "take_back" }, onclick: () => openPanel(host, takeBackForm(host, t, done)) }, "撤回")
        : null;
      return line(t, back, host);
    }));
    if (keepOpen && formOpen()) return;
    clear(list, rows.length ? rows : h("p.muted", "暂无已办理的任务"));
    list.dataset.count = String(rows.length);
  });
  box.addEventListener("toggle", () => box.open && refresh(window.__session.bureau));
  return { card: box, refresh };
}

// 抄送我的: unread copies to the bureau or a group of mine, with 已阅.
export function copiesSection() {
  const { card, list } = sectionCard("copies", "抄送我的", "其他部门办结环节后抄送本部门知悉，无需办理。");
  const refresh = () => filled(card, list, async () => {
    const r = await api("GET", "/api/v1/copies?unread=true");
    const items = r.items || [];
    const rows = items.map((c) => copyItem(c, refresh));
    clear(list, rows.length ? rows : h("p.muted", "暂无未读抄送"));
    list.dataset.count = String(rows.length);
  });
  return { card, refresh };
}

// A copy: the service's and the step's names (and its round after a 退回
// or a supplement: one copy a completion), the application, from which
// bureau, when, and 已阅.
function copyItem(c, refresh) {
  const read = async () => {
    if (await attempt(() => api("POST", `/api/v1/copies/${c.id}/read`, {}), "已阅")) refresh();
  };
  return h("div.item.copy", { dataset: { copy: c.id, number: c.application } },
    h("div.row", h("span.title", c.service || "—"), h("span.muted", c.application)),
    h("div", c.step_name || "", c.round > 1 ? `（第 ${c.round} 轮）` : "", " · 来自 ", bureauName(c.from_bureau)),
    h("div.muted", `抄送时间 ${fmtTime(c.created_at)}`),
    h("div.actions", h("button", { type: "button", dataset: { act: "read" }, onclick: read }, "已阅")));
}

// ---- the timeline --------------------------------------------------------------

// What a verb's event recorded, as a person reads it: the target officer
// (as typed), the steps of a 退回 or 撤回 (stepName(id) → its name, or
// null), the reason; null for an event that is not a verb's.
export function verbDetail(e, stepName = () => null) {
  const p = e.payload || {};
  const d = { ...(p.event || {}), ...(p.data || {}) };
  const who = d.to_name || d.target || (e.action === "send_back" ? null : d.to);
  const reason = d.reason || d.comment;
  const target = (lead, tail = "") => (who ? [lead, verbatim(who), tail] : null);
  const steps = () => {
    const from = stepName(d.from_step), to = d.from_step !== d.to_step ? stepName(d.to_step || d.back_to) : null;
    return to ? `${from ? `从“${from}”` : ""}${e.action === "take_back" ? "回到" : "退回至"}“${to}”` : null;
  };
  const parts = {
    transfer: () => [target("转办给 "), reason && `理由：${reason}`],
    delegate: () => [target("委派给 "), reason && `理由：${reason}`],
    resolve: () => [target("办毕交回 "), reason && `意见：${reason}`],
    add_signer: () => [target("加签 ", POSITION_NAMES[d.position] ? `（${POSITION_NAMES[d.position]}）` : ""), reason && `理由：${reason}`],
    remove_signer: () => [target("减去签批人 "), reason && `理由：${reason}`],
    send_back: () => [steps(), reason && `理由：${reason}`],
    take_back: () => [steps(), reason && `理由：${reason}`],
  }[e.action];
  if (!parts) return null;
  const shown = parts().filter((x) => x);
  return shown.flatMap((x, i) => (i ? ["；", x] : [x]));
}
