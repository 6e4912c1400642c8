// rectify.js — 差评整改 and 告知承诺 事后核查 on the pages that show them:
// the bureau's (or, for clerks, the window's) tickets to answer and the
// bureau's verifications to find (worklist, window), the inspector's
// review of replied tickets (supervision), and on the applicant's phone
// page the grades per bureau with the bureaus' replies (部门答复).
// Every word shown is Chinese; codes and states come from the API.
import { api, attempt, bureauName, clear, fmtDate, h, toast } from "/web/common.js";

const GRADES = ["非常不满意", "不满意", "基本满意", "满意", "非常满意"];
const TICKET_STATES = { open: "待整改", replied: "已答复", closed: "已办结" };
const VERIFY_STATES = { open: "待核查", true: "核查属实", false: "承诺不实" };

// "综合窗口" for the window's (bureau null or "window"), else its name.
const ownerName = (code, name) => (!code || code === "window" ? "综合窗口" : name || bureauName(code));

function dueLine(x) {
  return h("div.muted", `整改期限 ${fmtDate(x.due)}`, x.overdue ? h("span.badge.warn-red", { dataset: { overdue: "1" } }, "逾期") : "");
}

// ---- the bureau's tickets (worklist; the window's for clerks) ------------------

function replyForm(t, reload) {
  const reply = h("textarea", { name: "reply", maxLength: 2000, placeholder: "给申请人的答复（将显示在申请人的查询页面）", "aria-label": "给申请人的答复" });
  const changes = h("textarea", { name: "changes", maxLength: 2000, placeholder: "本部门采取的整改措施", "aria-label": "整改措施" });
  return h("form", {
    onsubmit: async (ev) => {
      ev.preventDefault();
      if (!reply.value.trim() || !changes.value.trim()) {
        toast("请填写答复和整改措施", "error");
        return;
      }
      const body = { reply: reply.value.trim(), changes: changes.value.trim() };
      if (await attempt(() => api("POST", `/api/v1/rectifications/${t.id}/reply`, body), "已答复")) reload();
    },
  }, reply, changes, h("button.primary", { type: "submit", dataset: { act: "reply" } }, "提交答复"));
}

function ticketItem(t, reload) {
  return h("div.item", { dataset: { ticket: t.id, state: t.state } },
    h("div.row", h("span.title", `${t.service_name || t.service} · ${GRADES[t.grade - 1]}`),
      h("span.badge", TICKET_STATES[t.state] || t.state)),
    h("div", t.number),
    t.comment ? h("div", `申请人意见：${t.comment}`) : null,
    t.reopened ? h("div.muted", `监察退回重办 ${t.reopened} 次：${t.review || ""}`) : null,
    dueLine(t),
    t.state === "open" ? replyForm(t, reload) : h("div.muted", `已答复：${t.reply || ""}`));
}

// The section "差评整改" of the caller's tickets still to answer.
export function rectifySection() {
  const list = h("div", { id: "rectifications" });
  const reload = () => attempt(async () => {
    const r = await api("GET", "/api/v1/rectifications?state=open");
    clear(list, r.items.length ? r.items.map((t) => ticketItem(t, reload)) : h("p.muted", "暂无待整改的差评"));
  });
  reload();
  return h("div.card", { id: "rectify-card" }, h("h2", "差评整改"), list);
}

// ---- the bureau's verifications (worklist) --------------------------------------

function findingForm(v, reload) {
  const finding = h("textarea", { name: "finding", maxLength: 1000, placeholder: "核查情况（承诺不实时必填，写明理由）", "aria-label": "核查情况" });
  const send = async (result) => {
    const text = finding.value.trim();
    if (result === "false" && !text) {
      toast("承诺不实须写明理由", "error");
      return;
    }
    if (result === "false" && !confirm("确认承诺不实？将注销本件已发证照、终止办理，并限制申请人选择告知承诺。")) return;
    const body = text ? { result, finding: text } : { result };
    const r = await attempt(() => api("POST", `/api/v1/verifications/${v.id}/finding`, body), result === "true" ? "已记录：核查属实" : "已记录：承诺不实");
    if (r && r.excluded_until) toast(`已注销证照 ${r.licenses_revoked} 件，申请人限制适用告知承诺至 ${fmtDate(r.excluded_until)}`, "ok");
    if (r) reload();
  };
  return h("div", finding, h("div.actions",
    h("button.primary", { type: "button", dataset: { act: "true" }, onclick: () => send("true") }, "核查属实"),
    h("button.danger", { type: "button", dataset: { act: "false" }, onclick: () => send("false") }, "承诺不实")));
}

function verificationItem(v, reload) {
  return h("div.item", { dataset: { verification: v.id, state: v.state } },
    h("div.row", h("span.title", `${v.service_name || v.service} · ${v.holder.name}`),
      h("span.badge", VERIFY_STATES[v.state] || v.state)),
    h("div", `${v.number} · ${v.holder.id_number}`),
    h("div", "承诺事项：", v.materials.map((m) => m.name).join("、")),
    h("div.muted", `核查期限 ${fmtDate(v.due)}`, v.overdue ? h("span.badge.warn-red", { dataset: { overdue: "1" } }, "逾期") : ""),
    v.state === "open" ? findingForm(v, reload) : h("div.muted", v.finding || ""));
}

// The section "事后核查" of the officer's bureau.
export function verifySection() {
  const list = h("div", { id: "verifications" });
  const reload = () => attempt(async () => {
    const r = await api("GET", "/api/v1/verifications?state=open");
    clear(list, r.items.length ? r.items.map((v) => verificationItem(v, reload)) : h("p.muted", "暂无待核查的告知承诺"));
  });
  reload();
  return h("div.card", { id: "verify-card" }, h("h2", "告知承诺事后核查"), list);
}

// ---- the inspector's review (supervision) -----------------------------------------

function reviewItem(t, reload) {
  const review = h("textarea", { name: "review", maxLength: 2000, placeholder: "监察意见", "aria-label": "监察意见" });
  const send = async (decision) => {
    if (!review.value.trim()) {
      toast("请填写监察意见", "error");
      return;
    }
    const body = { decision, review: review.value.trim() };
    if (await attempt(() => api("POST", `/api/v1/rectifications/${t.id}/review`, body), decision === "close" ? "已办结" : "已退回重办")) reload();
  };
  return h("div.item", { dataset: { ticket: t.id, state: t.state } },
    h("div.row", h("span.title", `${ownerName(t.bureau, t.bureau_name)} · ${GRADES[t.grade - 1]}`),
      h("span.badge", TICKET_STATES[t.state] || t.state)),
    h("div", `${t.number} · ${t.service_name || t.service}`),
    t.comment ? h("div", `申请人意见：${t.comment}`) : null,
    h("div", `答复：${t.reply || ""}`),
    h("div", `整改措施：${t.changes || ""}`),
    dueLine(t),
    review,
    h("div.actions",
      h("button.primary", { type: "button", dataset: { act: "close" }, onclick: () => send("close") }, "整改到位，办结"),
      h("button", { type: "button", dataset: { act: "reopen" }, onclick: () => send("reopen") }, "退回重办")));
}

function openItem(t) {
  return h("div.item", { dataset: { ticket: t.id, state: t.state } },
    h("div.row", h("span.title", `${ownerName(t.bureau, t.bureau_name)} · ${GRADES[t.grade - 1]}`),
      h("span.badge", TICKET_STATES[t.state])),
    h("div", t.number), dueLine(t));
}

// The section "差评整改" of the supervision page: replied tickets to close
// or reopen, and the ones still open (overdue marked).
export function reviewSection() {
  const replied = h("div", { id: "rectify-replied" });
  const open = h("div", { id: "rectify-open" });
  const reload = () => attempt(async () => {
    const [r, o] = await Promise.all([
      api("GET", "/api/v1/rectifications?state=replied"),
      api("GET", "/api/v1/rectifications?state=open"),
    ]);
    clear(replied, r.items.length ? r.items.map((t) => reviewItem(t, reload)) : h("p.muted", "暂无待审核的整改答复"));
    clear(open, o.items.length ? o.items.map(openItem) : h("p.muted", "暂无整改中的差评"));
  });
  reload();
  return h("div.card", { id: "rectify-review" }, h("h2", "差评整改监察"),
    h("h3", "待审核的答复"), replied, h("h3", "整改中"), open);
}

// ---- the applicant's phone page -------------------------------------------------

// The grades given and the bureaus' replies (部门答复), under the rating.
export function evaluationView(e) {
  if (!e) return null;
  const grades = (e.ratings || []).filter((g) => g.bureau).map((g) =>
    h("li", `${ownerName(g.bureau, g.bureau_name)}：${GRADES[g.grade - 1]}`));
  const replies = (e.replies || []).map((r) =>
    h("div.item", { dataset: { reply: r.bureau || "window" } },
      h("div.row", h("strong", `${ownerName(r.bureau, r.bureau_name)}答复`), h("span.muted", fmtDate(r.replied_at))),
      h("p", r.reply)));
  return h("div", { id: "evaluation" },
    grades.length ? h("ul", grades) : null,
    replies.length ? h("div", { id: "replies" }, h("h3", "部门答复"), replies) : null);
}

// The per-bureau grades on the rating form: one choice per bureau that
// handled the application, and the window; value() gives the
// API's "bureaus" (only the bureaus given a grade).
export function bureauGrades(steps) {
  const codes = ["window", ...new Set((steps || []).map((s) => s.bureau))];
  const selects = codes.map((c) => {
    const sel = h("select", { dataset: { bureau: c }, "aria-label": `${ownerName(c)}办理评价` },
      h("option", { value: "" }, "不评价"),
      GRADES.map((g, i) => h("option", { value: String(i + 1) }, g)));
    return { code: c, sel };
  });
  const el = h("fieldset.outputs", { id: "bureau-grades" }, h("legend", "对各部门办理的评价（选填）"),
    selects.map(({ code, sel }) => h("label", ownerName(code), " ", sel)));
  const value = () => selects.filter(({ sel }) => sel.value).map(({ code, sel }) => ({ bureau: code, grade: Number(sel.value) }));
  return { el, value };
}
