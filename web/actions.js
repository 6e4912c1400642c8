// actions.js — the actions that end or pause an application and the
// license's end, each with its own panel: 撤回申请 (withdraw, with the
// applicant's written reason), 特别程序 (suspend with a kind and reason,
// 恢复办理 and the deadline it moved), 出件 (delivery with the licenses
// shown first) at the window; 特别程序 for the officer in the worklist;
// 证照注销 (the issuing bureau revokes a license with a reason). Every
// request goes through the REST API; a refusal shows the registry's
// Chinese text only.
import {
  $, ApiError, api, apiBlob, clear, fmtDate, fmtTime, h, problemZhOnly, session, toast,
} from "/web/common.js";

// The special procedures of 行政许可法 art. 45 the API knows.
export const SPECIAL_KINDS = {
  hearing: "听证",
  inspection: "现场核查",
  testing: "检验检测",
  "expert-review": "专家评审",
};
const METHODS = { window: "窗口领取", electronic: "电子送达" };
const WITHDRAWABLE = ["submitted", "awaiting_supplement", "in_review", "returned", "suspended", "awaiting_materials"];

const appPath = (number, verb) => `/api/v1/applications/${encodeURIComponent(number)}/${verb}`;

// Send one action; a refusal is a toast in the registry's Chinese (never
// the server's English detail; text(e) words it, problemZhOnly unless
// said), and one for the state (409: somebody else acted first) redraws
// what the page shows with redraw(). Resolves with the reply, or null.
export async function send(method, path, body, okText, redraw, text = problemZhOnly) {
  try {
    const r = await api(method, path, body);
    toast(okText, "ok");
    return r;
  } catch (e) {
    toast(text(e), "error");
    if (redraw && e instanceof ApiError && e.status === 409) redraw();
    return null;
  }
}

// A required text: its value trimmed, or null after the message is shown
// next to the box and as a toast (nothing is sent).
export function required(box, message) {
  const v = box.value.trim();
  const err = box.parentElement.querySelector(".field-error");
  if (err) err.textContent = v ? "" : message;
  if (!v) {
    toast(message, "error");
    box.focus();
    return null;
  }
  return v;
}

// A required reason; typing in it clears its message.
export const reasonBox = (id, placeholder) => h("textarea", {
  id, maxLength: 1000, placeholder, required: true,
  oninput: (ev) => {
    const err = ev.target.parentElement.querySelector(".field-error");
    if (err) err.textContent = "";
  },
});
export const fieldError = () => h("span.error.field-error", { role: "alert" });

// One panel at a time below the application's buttons.
export function openPanel(host, panel) {
  clear(host, panel);
  panel.scrollIntoView({ block: "nearest" });
  const first = panel.querySelector("textarea, select, input, button");
  if (first) first.focus();
}

// A button's handler that opens the panel make() builds (a failure to
// fetch what it shows is a toast).
const opener = (host, make) => async () => {
  try {
    openPanel(host, await make());
  } catch (e) {
    toast(problemZhOnly(e), "error");
  }
};

export const cancelButton = (host) => h("button", { type: "button", onclick: () => clear(host) }, "取消");

// ---- 撤回申请 ------------------------------------------------------------------

function withdrawPanel(a, host, done) {
  const why = reasonBox("withdraw-reason", "例如：申请人书面申请撤回，已收取撤回申请书");
  return h("div.item.warn-yellow", { id: "withdraw-panel", role: "group", "aria-label": "撤回申请" },
    h("h3", "撤回申请"),
    h("p", "撤回后本件即终止办理，已启动的部门审批一并取消，且不能恢复；申请人如需办理须重新申请。"),
    h("label", "撤回原因（必填，按申请人的书面撤回申请填写）", why, fieldError()),
    h("div.actions",
      h("button.danger", { id: "confirm-withdraw", type: "button", onclick: async () => {
        const reason = required(why, "请填写撤回原因");
        if (reason && await send("POST", appPath(a.number, "withdraw"), { reason }, "已撤回申请", done)) done();
      } }, "确认撤回"),
      cancelButton(host)));
}

// ---- 特别程序 ------------------------------------------------------------------

// "现场核查：经营场所现场核查（最长 10 个工作日）" for a definition's procedure.
const procedureText = (p) => `${SPECIAL_KINDS[p.kind] || p.kind}：${p.name}（最长 ${p.max_days} 个工作日）`;

function suspendPanel(a, def, host, done) {
  const kind = h("select", { id: "special-kind" }, def.specials.map((p) => h("option", { value: p.kind }, procedureText(p))));
  const why = reasonBox("suspend-reason", "例如：需对经营场所进行现场核查");
  return h("div.item", { id: "suspend-panel", role: "group", "aria-label": "特别程序" },
    h("h3", "启动特别程序"),
    h("p.muted", "听证、检验检测、现场核查、专家评审等特别程序所需时间不计入办理时限（行政许可法第四十五条）；恢复办理时，办结期限按暂停的工作日顺延。"),
    h("label", "程序种类", kind),
    h("label", "原因（必填）", why, fieldError()),
    h("div.actions",
      h("button.primary", { id: "confirm-suspend", type: "button", onclick: async () => {
        const reason = required(why, "请填写启动特别程序的原因");
        if (reason && await send("POST", appPath(a.number, "suspend"), { kind: kind.value, reason }, "已启动特别程序，计时暂停", done)) done();
      } }, "确认启动"),
      cancelButton(host)));
}

// The application's audit trail (staff: clerk, the officer of a bureau in it).
const eventsOf = async (number) => (await api("GET", appPath(number, "events"))).events;

// The last event of `action` in `events`, or null.
function lastEvent(events, action) {
  const found = events.filter((e) => e.action === action);
  return found.length ? found[found.length - 1] : null;
}

// While suspended: which procedure, since when, why, and 恢复办理.
function specialCard(a, def, events, done) {
  const ev = lastEvent(events, "suspend");
  const data = (ev && ev.payload && ev.payload.data) || {};
  const proc = (def.specials || []).find((p) => p.kind === a.special);
  const why = h("input", { id: "resume-reason", maxLength: 1000, placeholder: "例如：现场核查完毕" });
  return h("div.item.warn-yellow", { id: "special-card", dataset: { kind: a.special || "" } },
    h("h3", "特别程序进行中（计时暂停）"),
    h("dl.kv",
      h("dt", "程序"), h("dd", { id: "special-kind-shown" }, SPECIAL_KINDS[a.special] || "—", proc ? `：${proc.name}` : ""),
      h("dt", "开始时间"), h("dd", ev ? fmtTime(ev.at) : "—"),
      h("dt", "原因"), h("dd", { id: "special-reason" }, data.reason || "—"),
      proc ? [h("dt", "最长期限"), h("dd", `${proc.max_days} 个工作日，届满自动恢复计时`)] : null,
      h("dt", "暂停前办结期限"), h("dd", fmtDate(a.deadline))),
    h("label", "恢复说明（选填）", why),
    h("div.actions",
      h("button.primary", { id: "do-resume", type: "button", onclick: async () => {
        const body = why.value.trim() ? { reason: why.value.trim() } : {};
        if (await send("POST", appPath(a.number, "resume"), body, "已恢复办理，办结期限已顺延", done)) done();
      } }, "恢复办理")));
}

// After a special procedure ended: the deadline it moved (old → new) and
// the working days paused, as the resume event recorded them.
function movedDeadline(a, events) {
  const ev = lastEvent(events, "resume");
  const m = ev && ev.payload && ev.payload.deadlines;
  if (!m) return null;
  const d = m.deadline; /* absent: the deadline did not move */
  const dataset = { old: d ? d.old : a.deadline, new: d ? d.new : a.deadline, paused: String(m.paused_days) };
  return h("div.item", { id: "deadline-moved", dataset },
    h("h3", "特别程序已结束"),
    h("p", d
      ? ["办结期限由 ", h("strong", { id: "deadline-old" }, fmtDate(d.old)), " 顺延至 ", h("strong", { id: "deadline-new" }, fmtDate(d.new))]
      : "办结期限未变"),
    h("p.muted", `本次暂停 ${m.paused_days} 个工作日（${fmtTime(ev.at)} 恢复办理）；累计暂停 ${a.paused_days} 个工作日。`));
}

// ---- 出件 --------------------------------------------------------------------

const validity = (l) => `${fmtDate(l.valid_from)} 至 ${l.valid_until === "long-term" ? "长期" : fmtDate(l.valid_until)}`;

// One license as the clerk checks it before handing it over: name,
// number, validity, its QR code and a link to the printable license
// (both fetched with the session's token).
function licenseItem(l) {
  const qr = h("img.qr", { alt: `${l.type.name}的二维码`, width: 120, height: 120 });
  const open = h("a", { href: "#", target: "_blank", rel: "noopener", dataset: { license: l.id } }, "打开可打印的证照");
  apiBlob(`/api/v1/licenses/${encodeURIComponent(l.id)}/qr.png`).then((u) => (qr.src = u)).catch(() => qr.remove());
  apiBlob(`/api/v1/licenses/${encodeURIComponent(l.id)}.svg`).then((u) => (open.href = u)).catch(() => open.remove());
  return h("li.item", { dataset: { license: l.id, revoked: String(l.revoked) } },
    h("div.row", h("span.title", l.type.name), l.revoked ? h("span.badge.state-refused", "已注销") : null),
    h("dl.kv", h("dt", "证照编号"), h("dd.license-id", l.id), h("dt", "有效期"), h("dd", validity(l))),
    qr, h("div", open));
}

async function licenseList(number, id) {
  const r = await api("GET", "/api/v1/licenses?application=" + encodeURIComponent(number));
  return r.items.length
    ? h("ul.materials", { id }, r.items.map(licenseItem))
    : h("p.muted", { id }, "本事项未签发电子证照，出件为纸质决定文书。");
}

async function deliverPanel(a, host, done) {
  const list = await licenseList(a.number, "deliver-licenses");
  const methods = Object.entries(METHODS).map(([v, t], i) =>
    h("label", h("input", { type: "radio", name: "deliver-method", value: v, checked: i === 0 }), " ", t));
  return h("div.item", { id: "deliver-panel", role: "group", "aria-label": "出件" },
    h("h3", "出件：请核对交付的证照"),
    list,
    h("div", { id: "deliver-method-label" }, "送达方式"),
    h("div.materials", { role: "radiogroup", "aria-labelledby": "deliver-method-label" }, methods),
    h("div.actions",
      h("button.ok", { id: "confirm-deliver", type: "button", onclick: async () => {
        const method = $('input[name="deliver-method"]:checked', host).value;
        if (await send("POST", appPath(a.number, "deliver"), { method }, "已出件", done)) done();
      } }, "确认出件"),
      cancelButton(host)));
}

// After delivery: how and when it was handed over, and the licenses.
async function deliveredCard(a, events) {
  const ev = lastEvent(events, "deliver");
  const method = ev && ev.payload && ev.payload.data && ev.payload.data.method;
  return h("div.item", { id: "delivered" },
    h("h3", "已出件"),
    h("p", ev ? `${fmtTime(ev.at)} · ${METHODS[method] || "窗口领取"}` : ""),
    await licenseList(a.number, "delivered-licenses"));
}

// ---- the window's buttons --------------------------------------------------------

// The buttons of the window's actions on application `a` of definition
// `def`, and the cards of its state (a special procedure under way or
// ended, a delivery); `host` receives the open panel; done() redraws.
export async function windowActions(a, def, host, done) {
  const buttons = [];
  const cards = [];
  if (a.state === "approved")
    buttons.push(h("button.ok", { id: "do-deliver", onclick: opener(host, () => deliverPanel(a, host, done)) }, "出件"));
  if (a.state === "in_review" && def.specials && def.specials.length)
    buttons.push(h("button", { id: "do-suspend", onclick: opener(host, () => suspendPanel(a, def, host, done)) }, "特别程序"));
  if (WITHDRAWABLE.includes(a.state))
    buttons.push(h("button.danger", { id: "do-withdraw", onclick: opener(host, () => withdrawPanel(a, host, done)) }, "撤回申请"));
  const events = a.accepted_at || a.state === "withdrawn" ? await eventsOf(a.number) : [];
  if (a.state === "suspended") cards.push(specialCard(a, def, events, done));
  else cards.push(movedDeadline(a, events));
  if (a.state === "withdrawn") cards.push(withdrawnCard(events));
  if (a.state === "delivered") cards.push(await deliveredCard(a, events));
  return { buttons, cards: cards.filter(Boolean) };
}

function withdrawnCard(events) {
  const ev = lastEvent(events, "withdraw");
  const data = (ev && ev.payload && ev.payload.data) || {};
  return h("div.item", { id: "withdrawn" },
    h("h3", "申请已撤回"),
    h("dl.kv", h("dt", "撤回时间"), h("dd", ev ? fmtTime(ev.at) : "—"),
      h("dt", "撤回原因"), h("dd", { id: "withdrawn-reason" }, data.reason || "—")));
}

// ---- the officer's special procedures (worklist) ---------------------------------

// The officer's 特别程序 for the task's application: start one while it
// is in review, or end the one under way. null when neither applies.
export async function officerSpecial(number, def) {
  const a = await api("GET", "/api/v1/applications/" + encodeURIComponent(number));
  if (!["in_review", "suspended"].includes(a.state) || !(def.specials || []).length) return null;
  const events = await eventsOf(number);
  const host = h("div");
  const box = h("div.special", { dataset: { number, state: a.state } });
  /* in place: the decision panel around it stays open */
  const redraw = async () => box.replaceWith((await officerSpecial(number, def)) || h("div"));
  if (a.state === "suspended") return clear(box, specialCard(a, def, events, redraw));
  return clear(box, movedDeadline(a, events),
    h("div.actions", h("button", { dataset: { act: "suspend" }, onclick: opener(host, () => suspendPanel(a, def, host, redraw)) }, "特别程序")),
    host);
}

// ---- 证照注销 (worklist) ------------------------------------------------------------

function revokePanel(l, host, done) {
  const why = reasonBox("revoke-reason", "例如：被许可人以欺骗手段取得许可，依法撤销");
  return h("div.item.warn-red", { id: "revoke-panel", role: "group", "aria-label": "注销证照" },
    h("h3", `注销“${l.type.name}”（${l.holder.name}）`),
    h("ul",
      h("li", "注销后立即生效，不能恢复；"),
      h("li", "扫码核验将显示“已注销”，平台签发的注销列表随即包含该证照；"),
      h("li", "该证照不能再用于办理其他事项（证照调用）；"),
      h("li", "注销及原因记入原办件的审计记录，申请人查询进度时可见。")),
    h("label", "注销原因（必填）", why, fieldError()),
    h("div.actions",
      h("button.danger", { id: "confirm-revoke", type: "button", onclick: async () => {
        const reason = required(why, "请填写注销原因");
        if (!reason) return;
        const r = await send("POST", `/api/v1/licenses/${encodeURIComponent(l.id)}/revoke`, { reason }, "证照已注销", done);
        if (r) done();
      } }, "确认注销"),
      cancelButton(host)));
}

// One license in the search: the bureau's own, not revoked, can be revoked.
function revocableItem(l, bureau, host, redraw) {
  const mine = l.issuer.code === bureau;
  return h("li.item", { dataset: { license: l.id, revoked: String(l.revoked) } },
    h("div.row", h("span.title", l.type.name), l.revoked ? h("span.badge.state-refused", "已注销") : null),
    h("dl.kv",
      h("dt", "证照编号"), h("dd", l.id), h("dt", "持证者"), h("dd", l.holder.name),
      h("dt", "有效期"), h("dd", validity(l)), h("dt", "来自办件"), h("dd", l.application),
      l.revoked ? [h("dt", "注销时间"), h("dd.revoked-at", fmtTime(l.revoked_at)), h("dt", "注销原因"), h("dd.revoked-reason", l.revocation_reason)] : null),
    !l.revoked && mine
      ? h("div.actions", h("button.danger", { dataset: { act: "revoke" }, onclick: opener(host, () => revokePanel(l, host, redraw)) }, "注销"))
      : !l.revoked ? h("p.muted", "非本部门签发，不能注销") : null);
}

// The worklist's 证照注销 section: find licenses by holder (one number) or
// by the application that issued them; the bureau's own can be revoked.
export function revokeSection() {
  const s = session();
  const q = h("input", { id: "license-search", maxLength: 24, placeholder: "持证者身份证号码 / 统一社会信用代码 / 受理编号", "aria-label": "查找证照：持证者证件号码或受理编号" });
  const list = h("div", { id: "license-list" });
  const host = h("div", { id: "revoke-host" });
  const find = async () => {
    const v = q.value.trim().toUpperCase();
    if (!v) return toast("请输入持证者证件号码或受理编号", "error");
    const param = v.length === 18 ? "holder" : "application";
    let r;
    try {
      r = await api("GET", `/api/v1/licenses?${param}=${encodeURIComponent(v)}`);
    } catch (e) {
      return toast(problemZhOnly(e), "error");
    }
    clear(host);
    clear(list, r.items.length
      ? h("ul.materials", r.items.map((l) => revocableItem(l, s.bureau, host, () => find())))
      : h("p.muted", "未找到证照"));
  };
  return h("form.card", { id: "revoke-section", onsubmit: (ev) => { ev.preventDefault(); find(); } },
    h("h2", "证照注销"),
    h("p.muted", "本部门签发的证照被依法撤销、吊销或撤回时，在此注销。"),
    h("div.row", q, h("button.primary", { type: "submit" }, "查找")),
    list, host);
}
