// track.js — the applicant's tracking page /t/{number}?c=CODE (phone
// first): state, the deadline in working days, the parallel bureaus side
// by side, the public timeline, a refusal's or denial's reason, legal
// basis and rights, any supplement notice in full, the licenses once
// issued (with their QR code), the documents (受理通知书, 决定书 … as PDF
// links, documents.js), and the rating after delivery. No account:
// the code printed on the receipt is the key — GET /api/v1/track/{number}
// ?code=, the license images with ?code=, and the rating POSTed to
// /api/v1/applications/{number}/rating with the code in the body. A staff
// session in the same browser is never sent from this page.
import {
  $, ACTIONS, BRANCH_STATES, api, bureauName, clear, fmtDate, fmtTime, h,
  problemText, stateBadge, validUntil,
} from "/web/common.js";
import { provisionalBadge } from "/web/calendar.js";
import { filePicker, uploadFiles } from "/web/materials.js";
import { bureauGrades, evaluationView } from "/web/rectify.js";
import { documentLinks } from "/web/documents.js";

const main = $("#main");
const m = /^\/t\/([^/]+)$/.exec(location.pathname);
const params = new URLSearchParams(location.search);
let number = m ? decodeURIComponent(m[1]) : params.get("n");
let code = params.get("c");

function askForm(msg) {
  const n = h("input", { id: "number", value: number || "", inputmode: "numeric", placeholder: "24 位受理编号" });
  const c = h("input", { id: "code", value: code || "", placeholder: "受理通知书上的查询码" });
  clear(
    main,
    h(
      "form.card",
      {
        onsubmit: (ev) => {
          ev.preventDefault();
          location.href = "/t/" + encodeURIComponent(n.value.trim()) + "?c=" + encodeURIComponent(c.value.trim());
        },
      },
      h("h2", "查询办件进度"),
      msg ? h("p.error", msg) : null,
      h("label", "受理编号", n),
      h("label", "查询码", c),
      h("button.primary", { type: "submit" }, "查询"),
    ),
  );
}

// An online application no clerk accepted in time: what happened and
// what the applicant can do.
function expiredView(t) {
  if (t.state !== "expired") return null;
  return h(
    "div.card",
    { id: "expired" },
    h("h2", "申请已过期"),
    h("p", "这份网上申请在规定时间内没有被窗口受理，已自动过期，不再办理，也不计入任何统计。"),
    h("p", "如仍需办理，请重新提交网上申请，或携带材料到综合窗口办理。"),
  );
}

function deadlineLine(t, def) {
  if (["refused", "denied", "expired"].includes(t.state)) return null; // ended: no clock to show
  if (!t.deadline) return h("p.muted", "受理后开始计时");
  // counted by the server on the loaded holiday calendar; null while the
  // clock does not run
  const left = t.working_days_left;
  const promised = def && def.promised_days ? `承诺时限 ${def.promised_days} 个工作日；` : "";
  const paused = ["returned", "suspended"].includes(t.state);
  return h(
    "p",
    { id: "deadline" },
    promised,
    `办结期限 ${fmtDate(t.deadline)}`,
    provisionalBadge(t.deadline_provisional),
    left === null || left === undefined ? (paused ? "（暂停计时）" : "") : left < 0 ? "（已超期）" : `（剩余 ${left} 个工作日）`,
    t.paused_days ? `；补正和特别程序暂停计时 ${t.paused_days} 天` : "",
  );
}

function stepsView(steps) {
  if (!steps || !steps.length) return h("p.muted", "尚未进入部门审批");
  return h(
    "div.bureaus",
    { id: "bureaus" },
    steps.map((s) =>
      h(
        "div.bureau.status-" + s.status,
        h("div.title", bureauName(s.bureau)),
        h("div", s.name),
        h("div.badge", BRANCH_STATES[s.status] || s.status),
        s.deadline ? h("div.muted", "期限 " + fmtDate(s.deadline), provisionalBadge(s.deadline_provisional)) : null,
      ),
    ),
  );
}

// The one-time notice (一次性告知) in full: every material asked for, the
// window's explanation, and each bureau that returned the application with
// its comment and items.
function noticeView(t) {
  const n = t.notice;
  if (!n) {
    if (t.state === "returned" || t.state === "awaiting_supplement")
      return h("div.card.item.warn-yellow", { id: "notice" }, h("h2", "补正告知"), h("p", "请按窗口一次性告知的清单补齐材料后到窗口提交。"));
    return null;
  }
  const names = Object.fromEntries((n.items || []).map((i) => [i.id, i.name || i.id]));
  return h(
    "div.card.item.warn-yellow",
    { id: "notice" },
    h("h2", "一次性补正告知"),
    h("p", "请补齐下列材料，交到综合窗口，或在下方在线补正："),
    n.reason ? h("p", { id: "notice-reason" }, h("b", "窗口说明："), n.reason) : null,
    n.items && n.items.length
      ? h("ol", { id: "notice-items" }, n.items.map((i) => h("li", { "data-material": i.id, "data-supplied": String(!!i.supplied) },
          i.name || i.id, " ", i.supplied ? h("span.badge.supplied", "已补正") : h("span.badge.owed", "待补正"))))
      : null,
    (n.bureaus || []).map((b) =>
      h(
        "div.notice-bureau",
        { "data-bureau": b.bureau },
        h("p", h("b", (b.bureau_name || bureauName(b.bureau)) + "："), b.comment || "（未填写意见）"),
        b.items && b.items.length ? h("p.muted", "需补正：" + b.items.map((i) => names[i] || i).join("、")) : null,
      ),
    ),
    supplyForm(n),
  );
}

// Supplying online: per item still owed a checkbox and a file picker
// (scans or photos, several pages), and a submit that first uploads the
// chosen files with the tracking code — an item with files counts as
// supplied — then POSTs the supplement. A refused file stops before the
// supplement, so nothing is marked supplied without its file. The notice
// stays open until every item is supplied.
function supplyForm(n) {
  const owed = (n.items || []).filter((i) => !i.supplied);
  if (!owed.length) return null;
  const form = h(
    "form",
    {
      id: "supply-online",
      onsubmit: async (ev) => {
        ev.preventDefault();
        const picked = [...form.querySelectorAll("input[data-files]")].filter((i) => i.files.length);
        const materials = [...new Set([
          ...[...form.querySelectorAll("input[name=supply]:checked")].map((c) => c.value),
          ...picked.map((i) => i.dataset.files),
        ])];
        if (!materials.length) return;
        const button = form.querySelector("button[type=submit]");
        button.disabled = true;
        try {
          for (const input of picked) await uploadFiles(number, input.dataset.files, input.files, { code });
          await api("POST", `/api/v1/applications/${encodeURIComponent(number)}/supplement`, { code, materials }, { anonymous: true });
          await load();
        } catch (e) {
          button.disabled = false;
          clear(form.querySelector(".supply-error"), problemText(e));
        }
      },
    },
    h("h3", "在线补正"),
    h("p.muted", "请为已备齐的材料选择扫描件或照片（或勾选已交到窗口的材料）后提交；其余材料可稍后再补。"),
    h("ul.supply-items", owed.map((i) => h("li", { "data-material": i.id },
      h("label", h("input", { type: "checkbox", name: "supply", value: i.id }), " ", i.name || i.id),
      filePicker(i.id)))),
    h("p.supply-error", { role: "alert" }),
    h("button.primary", { type: "submit" }, "提交补正"),
  );
  return form;
}

// Tolerated materials (容缺) still owed: what to bring and by when. Once
// every bureau has approved, the license waits only for these.
function owedView(t) {
  const owed = t.owed || [];
  if (!owed.length) return null;
  const waiting = t.state === "awaiting_materials";
  return h(
    "div.card.item.warn-yellow",
    { id: "owed" },
    h("h2", waiting ? "已准予许可，补齐材料后出证" : "容缺受理：待补齐的材料"),
    h("p", waiting
      ? "各部门均已审批通过。请在期限内将下列材料交到综合窗口，补齐后即签发电子证照："
      : "您的申请已容缺受理，请在期限内将下列材料交到综合窗口："),
    h("ol", owed.map((o) => h("li", { "data-material": o.id }, o.name, o.due ? h("span.muted", `（${fmtDate(o.due)} 前）`) : null))),
  );
}

function licensesView(t) {
  const ls = t.licenses || [];
  if (!ls.length) return null;
  const withCode = (p) => p + "?code=" + encodeURIComponent(code);
  return h(
    "div.card",
    { id: "licenses" },
    h("h2", "电子证照"),
    ls.map((l) =>
      h(
        "div.item",
        { "data-license": l.id },
        h("div.title", l.name || l.type),
        h("dl.kv", h("dt", "证照编号"), h("dd", l.id), h("dt", "有效期至"), h("dd", validUntil(l.valid_until)),
          l.revoked ? [h("dt", "状态"), h("dd.error", "已注销")] : null),
        h("img.qr.license-qr", { src: withCode(`/api/v1/licenses/${encodeURIComponent(l.id)}/qr.png`), alt: "证照二维码" }),
        h("p", h("a", { href: withCode(`/api/v1/licenses/${encodeURIComponent(l.id)}.svg`), target: "_blank", rel: "noopener" }, "查看可打印证照")),
        l.payload
          ? h("p", h("a", { href: "/v?p=" + encodeURIComponent(l.payload), id: "verify-link" }, "核验此证照"))
          : null,
      ),
    ),
  );
}

function ratingView(t) {
  if (t.state !== "delivered") return null;
  if (t.rating) return h("div.card", { id: "rating" }, h("h2", "服务评价"), h("p", `您的评价：${"★".repeat(t.rating)}`), evaluationView(t.evaluation));
  const per = bureauGrades(t.steps);
  let grade = 5;
  const stars = h("div.stars", ["非常不满意", "不满意", "基本满意", "满意", "非常满意"].map((label, i) =>
    h("label", h("input", { type: "radio", name: "grade", value: i + 1, checked: i === 4, onchange: () => (grade = i + 1) }), " " + label)));
  const comment = h("textarea", { id: "rating-comment", placeholder: "意见建议（选填）" });
  const msg = h("p");
  return h(
    "form.card",
    {
      id: "rating",
      onsubmit: async (ev) => {
        ev.preventDefault();
        try {
          const r = await api("POST", `/api/v1/applications/${encodeURIComponent(number)}/rating`,
            { code, grade, comment: comment.value || undefined, bureaus: per.value() }, { anonymous: true });
          clear(ev.target, h("h2", "服务评价"), h("p", { id: "rated", "data-grade": r && r.rating }, "感谢您的评价！"));
        } catch (e) {
          msg.textContent = problemText(e);
          msg.className = "error";
        }
      },
    },
    h("h2", "服务评价（好差评）"),
    stars,
    comment,
    per.el,
    msg,
    h("button.primary", { type: "submit" }, "提交评价"),
  );
}

// A date "YYYY-MM-DD" as people write it: 2027年1月29日.
const cnDate = (d) => (d ? d.slice(0, 10).split("-").map(Number) : null);
function cnDay(d) {
  const [y, m, day] = cnDate(d) || [];
  return y ? `${y}年${m}月${day}日` : "—";
}

// The refusal (不予受理) or denial (不予许可) as the applicant must be told
// it (行政许可法 art. 38): the reason, the legal basis and the rights to
// contest it, with the last days the server counted.
function decisionView(t) {
  const d = t.decision;
  if (!d) return null;
  const refused = d.kind === "refused";
  const review = d.rights.review;
  const court = d.rights.litigation;
  // the decision's day in China Standard Time
  const day = new Date(Date.parse(d.decided_at) + 8 * 3600 * 1000).toISOString();
  return h(
    "div.card.item.warn-red",
    { id: "decision", "data-kind": d.kind },
    h("h2", refused ? "不予受理决定" : "不予许可决定"),
    h("p.muted", (d.bureau_name || (refused ? "综合窗口" : bureauName(d.bureau))) + " · " + cnDay(day) + " 作出"),
    h("dl.kv",
      h("dt", "理由"), h("dd", { id: "decision-reason" }, d.reason || "—"),
      h("dt", "法律依据"), h("dd", { id: "decision-basis" }, d.legal_basis || "—")),
    h("p", { id: "decision-rights" },
      "如不服本决定，可在", h("b", cnDay(review.until)), `前（${review.days}日内）向`,
      review.body || "有管辖权的行政复议机关", "申请行政复议，或在", h("b", cnDay(court.until)),
      `前（${court.months}个月内）向`, court.court || "有管辖权的人民法院", "提起行政诉讼。"),
  );
}

// An event of the public timeline as the applicant reads it: a 退回
// inside the bureau is only "部门内部退回重审" (never who or why); an
// action without a public name is "部门办理".
function publicAction(action) {
  if (action === "send_back") return "部门内部退回重审";
  return ACTIONS[action] || "部门办理";
}

async function load() {
  if (!number || !code) return askForm();
  let t;
  try {
    t = await api("GET", `/api/v1/track/${encodeURIComponent(number)}?code=${encodeURIComponent(code)}`, undefined, { anonymous: true });
  } catch (e) {
    return askForm(problemText(e));
  }
  let def = null;
  try {
    def = await api("GET", "/api/v1/workflows/" + encodeURIComponent(t.service.id));
  } catch {
    def = null;
  }
  const documents = await documentLinks(number, code);
  clear(
    main,
    h(
      "div.card",
      h("div.muted", t.service.name),
      h("div.big", { id: "state" }, stateBadge(t.state)),
      h("dl.kv", h("dt", "受理编号"), h("dd", t.number), h("dt", "申请人"), h("dd", t.applicant.name),
        h("dt", "提交时间"), h("dd", fmtTime(t.submitted_at)), h("dt", "受理时间"), h("dd", fmtTime(t.accepted_at)),
        t.finished_at ? [h("dt", t.state === "expired" ? "过期时间" : "办结时间"), h("dd", fmtTime(t.finished_at))] : null),
      deadlineLine(t, def),
    ),
    expiredView(t),
    decisionView(t),
    noticeView(t),
    owedView(t),
    licensesView(t),
    documents,
    h("div.card", h("h2", "部门并联审批"), stepsView(t.steps)),
    h(
      "div.card",
      h("h2", "办理过程"),
      h("ol.timeline", { id: "timeline" }, [...(t.timeline || [])].reverse().map((e) =>
        h("li", h("div", publicAction(e.action), e.bureau ? " · " + bureauName(e.bureau) : ""), h("div.muted", fmtTime(e.at))))),
    ),
    ratingView(t),
  );
}

load();
setInterval(() => {
  if (document.visibilityState === "visible" && number && code && !document.activeElement?.closest?.("form")) load();
}, 30000);
