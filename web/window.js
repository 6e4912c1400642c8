// window.js — the comprehensive window (综合窗口) for clerks: find a
// holder by one number (applications and licenses), start an application
// of any service with the form generated from its definition (form.js,
// shared with the online application), the material checklist (容缺
// tolerated gaps, 告知承诺 commitments, materials filled in from the
// holder's licenses), the online submissions waiting for acceptance
// (refreshed live), accept / refuse / one-time notice / supplement /
// deliver, the printed receipt (受理通知书) with its QR code, and a print
// button for every document the application has (PDF from the server,
// documents.js).
import {
  $, ApiError, BRANCH_STATES, STATES, api, attempt, bureauName, clear, debounce, fmtDate, fmtTime, h,
  live, logoutButton, problemText, requireLogin, stateBadge, toast, validUntil, warnBadge,
} from "/web/common.js";
import { provisionalBadge } from "/web/calendar.js";
import { rectifySection } from "/web/rectify.js";
import { showMaterials, uploadPicked } from "/web/materials.js";
import { checkApplicant, checkForm, clearErrors, formFields, materialRow, readForm, showProblem } from "/web/form.js";
import { windowActions } from "/web/actions.js";
import { documentButtons } from "/web/documents.js";

const main = $("#main");
const holderBox = h("div", { id: "holder" });
const formBox = h("div", { id: "intake" });
const appBox = h("div", { id: "application" });
const codes = JSON.parse(sessionStorage.getItem("tongban.codes") || "{}"); // number → tracking code
let current = null; // the application shown
let edited = false; // the clerk ticked or typed in it since it was drawn

// ---- one number ------------------------------------------------------------------

// The box's value as a one number is looked up.
const oneNumber = (box) => box.value.trim().toUpperCase();

// Look up the holder of `id`, typed in `box`. The answer is shown only if
// the box still holds that value when it arrives: a slow answer for an
// earlier value never appears under a changed one (every box that looks
// up also clears the result as soon as it changes: watchHolderBox).
async function findHolder(id, box) {
  const [apps, lic] = await Promise.all([
    api("GET", "/api/v1/applications?applicant=" + encodeURIComponent(id)),
    api("GET", "/api/v1/licenses?holder=" + encodeURIComponent(id)).catch(() => ({ items: [] })),
  ]);
  if (box && oneNumber(box) !== id) return null; // stale: the box changed
  const licenses = lic.items || lic || [];
  holderBox.dataset.for = id;
  clear(
    holderBox,
    h("h3", `名下办件（${apps.items.length}）`),
    apps.items.length
      ? apps.items.map((a) => h("div.item.warn-" + (a.warning || "none"), { dataset: { number: a.number } },
          h("div.row", h("button.link.title", { onclick: () => showApp(a.number) }, a.number), stateBadge(a.state), warnBadge(a.warning)),
          h("div.muted", (a.service && a.service.name) || serviceNames[a.service] || a.service, " · ", fmtTime(a.created_at))))
      : h("p.muted", "暂无办件"),
    h("h3", `名下电子证照（${licenses.length}）`),
    licenses.length
      ? licenses.map((l) => h("div.item", h("div.title", (l.type && l.type.name) || l.name || l.type), h("div.muted", l.id, " · 有效期至 ", validUntil(l.valid_until))))
      : h("p.muted", "暂无电子证照"),
  );
  return licenses;
}

// A box that looks up a holder: any change clears the shown result, so
// the result below always belongs to the value in the box.
function watchHolderBox(box) {
  box.addEventListener("input", () => {
    if (holderBox.dataset.for && holderBox.dataset.for !== oneNumber(box)) {
      delete holderBox.dataset.for;
      clear(holderBox);
    }
  });
}

// ---- intake ------------------------------------------------------------------------

// Each material: received / 容缺 / 告知承诺 / from a license.
function checklist(def, licenses) {
  return h("ul.materials", { id: "checklist" }, def.materials.map((m) => {
    const lic = m.license_type && licenses.find((l) => ((l.type && l.type.code) || l.type) === m.license_type && !l.revoked);
    const opts = [h("label", h("input", { type: "radio", name: "m-" + m.id, value: "provided", checked: !lic }), " 已收取")];
    if (lic) opts.push(h("label", h("input", { type: "radio", name: "m-" + m.id, value: "license", checked: true, dataset: { license: lic.id } }), " 电子证照调用"));
    if (m.tolerate_days) opts.push(h("label", h("input", { type: "radio", name: "m-" + m.id, value: "tolerated" }), ` 容缺（${m.tolerate_days} 个工作日内补齐）`));
    if (m.commitment) opts.push(h("label", h("input", { type: "radio", name: "m-" + m.id, value: "committed" }), " 告知承诺"));
    opts.push(h("label", h("input", { type: "radio", name: "m-" + m.id, value: "missing" }), " 缺"));
    return materialRow(m, h("div.opts", opts));
  }));
}

function readChecklist(box, def) {
  const out = { materials: [], tolerated: [], committed: [] };
  for (const m of def.materials) {
    const r = box.querySelector(`input[name="m-${m.id}"]:checked`);
    if (!r) continue;
    if (r.value === "provided") out.materials.push(m.id);
    else if (r.value === "license") out.materials.push({ id: m.id, license_id: r.dataset.license });
    else if (r.value === "tolerated") out.tolerated.push(m.id);
    else if (r.value === "committed") out.committed.push(m.id);
  }
  return out;
}

async function startIntake(serviceId) {
  const def = await api("GET", "/api/v1/workflows/" + encodeURIComponent(serviceId));
  // a new intake replaces the application shown (and the one a reload
  // would show again)
  clear(appBox);
  current = null;
  history.replaceState(null, "", location.pathname);
  const kind = h("select", { name: "kind", id: "applicant-kind" },
    def.applicant !== "organization" ? h("option", { value: "person" }, "自然人") : null,
    def.applicant !== "person" ? h("option", { value: "organization" }, "法人或其他组织") : null);
  const name = h("input", { name: "applicant-name", id: "applicant-name", required: true, "aria-describedby": "err-applicant-name" });
  const idn = h("input", { name: "applicant-id", id: "applicant-id", required: true, maxLength: 18, placeholder: "身份证号码或统一社会信用代码", "aria-describedby": "err-applicant-id" });
  const at = { "applicant.name": name, "applicant.id_number": idn, "applicant": idn };
  const materialsBox = h("div", checklist(def, []));
  watchHolderBox(idn);
  idn.addEventListener("change", async () => {
    const id = oneNumber(idn);
    if (id.length === 18) {
      const lic = await attempt(() => findHolder(id, idn));
      if (lic && oneNumber(idn) === id) clear(materialsBox, checklist(def, lic));
    }
  });
  const fields = formFields(def);
  const renameBox = h("div", { id: "rename" });
  name.addEventListener("input", () => clear(renameBox));
  const form = h(
    "form.card",
    {
      id: "intake-form",
      noValidate: true, // form.js checks, in Chinese, next to each field
      onsubmit: async (ev) => {
        ev.preventDefault();
        clearErrors(form);
        if (![checkApplicant(name, idn), checkForm(form, def)].every(Boolean)) return toast("请按提示修改填写的内容", "error");
        const c = readChecklist(form, def);
        const body = {
          service: def.id,
          applicant: { kind: kind.value, name: name.value.trim(), id_number: idn.value.trim().toUpperCase() },
          form: readForm(form, def),
          materials: c.materials,
          channel: "window",
        };
        // 容缺 / 告知承诺 are stored with the application: a reload or
        // another window sees them, and acceptance uses them
        if (c.tolerated.length) body.tolerated = c.tolerated;
        if (c.committed.length) body.committed = c.committed;
        const a = await submitIntake(body, renameBox, (e) => showProblem(form, def, e, at));
        if (!a) return;
        codes[a.number] = a.tracking_code;
        sessionStorage.setItem("tongban.codes", JSON.stringify(codes));
        await uploadPicked(form, a.number); // the scans chosen per material
        clear(formBox);
        showApp(a.number);
      },
    },
    h("h2", def.name),
    h("p.muted", `法定时限 ${def.statutory_days} 个工作日，承诺时限 ${def.promised_days} 个工作日`),
    h("h3", "申请人"),
    h("label", "类型", kind), h("label", "名称或姓名", name, h("span.field-error", { id: "err-applicant-name" })),
    h("label", "一号（证件号码）", idn, h("span.field-error", { id: "err-applicant-id" })),
    h("h3", "申请信息"), fields,
    h("h3", "材料清单"), materialsBox, renameBox,
    h("div.actions", h("button.primary", { type: "submit", id: "submit-intake" }, "登记申请")),
  );
  clear(formBox, form);
  form.scrollIntoView({ block: "start" });
}

// One number, one holder: a name that differs from the number's name on
// record is refused (409 holder_name_mismatch); the clerk may then confirm
// a change of name with its reason, and the same request goes again with
// name_change. Other problems are shown as a toast and, field by
// field, by onProblem(e). Resolves with the new application, or null.
async function submitIntake(body, renameBox, onProblem) {
  const confirmed = renameBox.querySelector("#rename-confirm");
  const reason = renameBox.querySelector("#rename-reason");
  if (confirmed && confirmed.checked) {
    if (!reason.value.trim()) {
      toast("请填写更名原因", "error");
      return null;
    }
    body.name_change = { confirmed: true, reason: reason.value.trim() };
  }
  try {
    const a = await api("POST", "/api/v1/applications", body);
    toast("已登记，请核对后受理", "ok");
    return a;
  } catch (e) {
    if (e instanceof ApiError && e.problem && e.problem.code === "holder_name_mismatch") {
      clear(renameBox, h("div.item.warn-yellow", { role: "alert", id: "rename-panel" },
        h("h3", "姓名（名称）与登记不一致"),
        h("p", "证件号码 ", body.applicant.id_number, " 登记的姓名（名称）为“", h("strong", { id: "name-on-record" }, e.problem.name_on_record), "”，本次填写为“", body.applicant.name, "”。"),
        h("p.muted", "一个号码只对应一个名称。请核对申请人身份证件；如确已更名，请查验更名证明后确认更名并填写原因，更名将记入本办件的审计记录。"),
        h("label", h("input", { type: "checkbox", id: "rename-confirm" }), " 确认申请人已更名为“", body.applicant.name, "”"),
        h("label", "更名原因", h("input", { id: "rename-reason", maxLength: 200, placeholder: "例如：户籍更名，已查验更名证明" }))));
      renameBox.scrollIntoView({ block: "center" });
      toast("姓名（名称）与登记不一致，请核对", "error");
      return null;
    }
    onProblem(e);
    toast(problemText(e), "error");
    return null;
  }
}

// ---- one application -----------------------------------------------------------

function receipt(a) {
  const code = codes[a.number];
  const host = $("#receipt-host");
  clear(host, h("div.receipt", { id: "receipt" },
    h("h1", "办件查询回执"),
    h("p", `${a.applicant ? a.applicant.name : ""}：`),
    h("p", `您申请的“${a.service.name}”事项，经审查，申请材料齐全（或已作容缺、承诺处理），符合法定形式，决定予以受理。`),
    h("dl.kv", h("dt", "受理编号"), h("dd", a.number), h("dt", "受理时间"), h("dd", fmtTime(a.accepted_at)),
      h("dt", "办结期限"), h("dd", fmtDate(a.deadline)), h("dt", "查询码"), h("dd", { id: "receipt-code" }, code || "（无法显示，请重新生成查询码）")),
    code ? h("img.qr", { id: "receipt-qr", src: `/api/v1/applications/${encodeURIComponent(a.number)}/qr.svg?c=${encodeURIComponent(code)}`, alt: "进度查询二维码" }) : null,
    h("p", "扫描二维码或凭受理编号和查询码查询办理进度。"),
    h("p", "（综合窗口 · 专用章）")));
  return host;
}

// The tracking slip (办件查询回执: number, code and QR code on one page, from
// the browser) beside the formal 受理通知书 PDF of the documents list; it
// can be printed again at any time: the server derives the
// tracking code again (GET …/receipt). An application registered before
// codes were derived cannot show its code: the clerk is told so and may
// issue a new one (the old one stops working).
async function printReceipt(a) {
  const path = `/api/v1/applications/${encodeURIComponent(a.number)}`;
  const r = await attempt(() => api("GET", path + "/receipt"));
  if (!r) return;
  const remember = (code) => {
    codes[a.number] = code;
    sessionStorage.setItem("tongban.codes", JSON.stringify(codes));
  };
  if (r.reprintable) {
    remember(r.tracking_code);
    receipt(a);
    window.print();
    return;
  }
  const why = h("input", { id: "reissue-reason", maxLength: 200, placeholder: "例如：申请人遗失回执" });
  const panel = h("div.item.warn-yellow", { id: "reissue", role: "alert" },
    h("p", "本件登记于查询码可补打之前，原查询码无法再次显示。"),
    h("p.muted", "可以为申请人重新生成查询码并打印新的查询回执；原查询码将随即失效。"),
    h("label", "重新生成的原因（必填）", why),
    h("div.actions", h("button.primary", { id: "do-reissue", onclick: async () => {
      if (!why.value.trim()) return toast("请填写重新生成的原因", "error");
      const n = await attempt(() => api("POST", path + "/tracking-code", { reason: why.value.trim() }), "已重新生成查询码");
      if (!n) return;
      remember(n.tracking_code);
      panel.remove();
      await showApp(a.number);
      receipt(current.app);
      window.print();
    } }, "重新生成查询码")));
  $("#reissue")?.remove(); // asked again: one panel
  $("#application .card").append(panel);
}

async function showApp(number) {
  const a = await attempt(() => api("GET", "/api/v1/applications/" + encodeURIComponent(number)));
  if (!a) return;
  current = { number, app: a };
  edited = false;
  history.replaceState(null, "", "#" + number); // a reload shows it again
  const act = async (path, body, ok) => {
    const r = await attempt(() => api("POST", `/api/v1/applications/${encodeURIComponent(number)}/${path}`, body), ok);
    if (r) showApp(number);
    return r;
  };
  const reason = h("textarea", { id: "reason", placeholder: "不予受理或补正的理由" });
  // 不予受理: the articles cited (optional; else the service's own), told to the applicant
  const basis = h("input", { id: "legal-basis", maxLength: 1000, placeholder: "不予受理的法律依据（选填，不填则用事项规定的依据）" });
  const itemBoxes = a.materials.map((m) => h("label", h("input", { type: "checkbox", value: m.id, checked: ["requested", "missing", "gap"].includes(m.status) && m.required }), " ", m.name, " "));
  const picked = () => itemBoxes.map((b) => b.firstChild).filter((c) => c.checked).map((c) => c.value);
  const actions = [];
  if (a.state === "submitted" || a.state === "awaiting_supplement") {
    actions.push(h("button.ok", { id: "do-accept", onclick: () => act("accept", {}, "已受理") }, "受理"));
    actions.push(h("button", { id: "do-request", onclick: () => act("supplement-request", { items: picked(), reason: reason.value || "请补齐所列材料" }, "已一次性告知") }, "一次性告知补正"));
    actions.push(h("button.danger", { id: "do-reject", onclick: () => reason.value.trim() ? act("reject", { reason: reason.value.trim(), legal_basis: basis.value.trim() || undefined }, "已不予受理") : toast("请填写不予受理的理由", "error") }, "不予受理"));
  }
  if (!a.notice && a.materials.some((m) => m.status === "gap"))
    actions.push(h("button.primary", { id: "do-supplement", onclick: () => act("supplement", { materials: picked() }, "已补齐材料") }, "补齐材料"));
  if (a.accepted_at)
    actions.push(h("button", { id: "do-print", onclick: () => printReceipt(a) }, "打印查询回执"));
  // withdraw, special procedures, delivery (actions.js)
  const panelHost = h("div", { id: "action-panel" });
  const more = await attempt(() => moreActions(a, panelHost));
  if (!current || current.number !== number) return; /* another application was opened meanwhile */
  clear(
    appBox,
    h("div.card", { dataset: { state: a.state, number: a.number } },
      h("div.row", h("h2", a.number), stateBadge(a.state), warnBadge(a.warning)),
      h("dl.kv", h("dt", "事项"), h("dd", a.service.name), h("dt", "申请人"), h("dd", a.applicant ? `${a.applicant.name}（${a.applicant.id_number}）` : "—"),
        h("dt", "办结期限"), h("dd", { id: "app-deadline" }, fmtDate(a.deadline), provisionalBadge(a.deadline_provisional)), codes[a.number] ? [h("dt", "查询码"), h("dd", { id: "tracking-code" }, codes[a.number])] : null),
      more ? more.cards : null, /* withdrawn, special procedure, delivered */
      a.state === "awaiting_materials" ? h("p.item.warn-yellow", { id: "awaiting-materials" }, "各部门均已审批通过。容缺材料补齐后即签发电子证照，之后方可出件。") : null,
      h("h3", "材料"),
      h("ul.materials", a.materials.map((m) => h("li", { dataset: { material: m.id, status: m.status, choice: m.choice || "" } }, m.name, " ",
        !a.accepted_at && m.choice && m.status === "missing"
          ? h("span.badge.choice", { tolerated: "拟容缺受理（登记时选定）", committed: "拟告知承诺（登记时选定）" }[m.choice])
          : h("span.badge", { provided: "已收取", from_license: "证照调用", committed: "告知承诺", gap: `容缺（${fmtDate(m.due)} 前补齐）`, requested: "需补正", missing: m.required ? "缺" : "无" }[m.status] || m.status)))),
      a.branches.length ? [h("h3", "部门审批"), h("div.bureaus", a.branches.filter((b) => b.status !== "inactive").map((b) => h("div.bureau.status-" + b.status, h("div.title", bureauName(b.bureau)), h("div", b.name), h("div.muted", BRANCH_STATES[b.status] || b.status), warnBadge(b.warning))))] : null,
      a.notice ? noticeCard(a, act) : null,
      h("h3", "材料文件"), h("div", { id: "material-files" }),
      h("h3", "文书"), h("div", { id: "documents" }),
      h("details", h("summary", "补正材料 / 理由"), h("div.materials", itemBoxes), reason, basis),
      h("div.actions", actions, more ? more.buttons : null), panelHost),
  );
  showMaterials($("#material-files"), a);
  documentButtons($("#documents"), a.number);
  receipt(a);
}

// The window's actions of actions.js on application a, with its
// service's definition (its special procedures).
const definitions = {};
async function moreActions(a, panelHost) {
  const id = a.service.id;
  definitions[id] ||= await api("GET", "/api/v1/workflows/" + encodeURIComponent(id));
  return windowActions(a, definitions[id], panelHost, () => showApp(a.number));
}

// The open one-time notice: each item supplied (已补正) or owed (待补正);
// the clerk records the items brought now (the notice stays open until
// the last one) or closes the notice with a reason.
function noticeCard(a, act) {
  const owed = a.notice.items.filter((i) => !i.supplied);
  const boxes = owed.map((i) => h("label", h("input", { type: "checkbox", value: i.id, dataset: { notice: i.id } }), " ", i.name));
  const why = h("input", { id: "close-reason", maxLength: 200, placeholder: "例如：已当场核实，无需再交" });
  return h("div.item.warn-yellow", { id: "notice" },
    h("h3", "一次性告知"),
    h("ol", a.notice.items.map((i) => h("li", { dataset: { item: i.id, supplied: String(i.supplied) } }, i.name, " ",
      h(i.supplied ? "span.badge.supplied" : "span.badge.owed", i.supplied ? "已补正" : "待补正")))),
    a.notice.bureaus.map((b) => h("p", bureauName(b.bureau), "：", b.comment || "")),
    owed.length ? h("div.materials", { id: "notice-owed" }, boxes) : null,
    h("div.actions",
      h("button.primary", { id: "do-supplement-items", onclick: () => {
        const items = boxes.map((b) => b.firstChild).filter((c) => c.checked).map((c) => c.value);
        if (!items.length) return toast("请勾选本次补正的材料", "error");
        return act("supplement", { materials: items }, items.length === owed.length ? "已全部补正" : "已记录部分补正");
      } }, "记录补正")),
    h("label", "关闭告知的理由（未补正的材料不再要求补交）", why),
    h("div.actions",
      h("button", { id: "do-close-notice", onclick: () => why.value.trim() ? act("notice/close", { reason: why.value.trim() }, "已关闭告知") : toast("请填写关闭告知的理由", "error") }, "关闭告知")));
}

// ---- online submissions waiting for acceptance ------------------------------------

// The online applications still waiting for the window (待受理, newest
// first): number, service, applicant, when submitted; a click opens one
// where the clerk accepts, refuses or asks for supplements.
const onlineBox = h("div", { id: "online-queue", "aria-live": "polite" });
async function loadOnline(names) {
  const r = await api("GET", "/api/v1/applications?channel=online&state=submitted&limit=50");
  onlineBox.dataset.count = String(r.items.length);
  clear(onlineBox, r.items.length
    ? h("ul.queue", r.items.map((a) => h("li.item", { dataset: { number: a.number } },
        h("div.row", h("button.link.title", { type: "button", onclick: () => showApp(a.number) }, a.number), stateBadge(a.state)),
        h("div", names[a.service] || a.service, " · ", a.applicant.name),
        h("div.muted", "提交于 ", fmtTime(a.created_at)))))
    : h("p.muted", "暂无待受理的网上申请"));
}

// ---- the page --------------------------------------------------------------------

await requireLogin(main, ["clerk"], "窗口人员登录");
$("#who").append(logoutButton());
const workflows = await api("GET", "/api/v1/workflows");
const q = h("input", { id: "search", placeholder: "身份证号码 / 统一社会信用代码 / 受理编号", maxLength: 24, "aria-label": "一号查询：身份证号码、统一社会信用代码或受理编号" });
watchHolderBox(q);
const svc = h("select", { id: "service", "aria-label": "办理事项" }, workflows.items.map((w) => h("option", { value: w.id }, w.name)));
main.append(
  h("div.cols",
    h("div",
      h("form.card", {
        onsubmit: async (ev) => {
          ev.preventDefault();
          const v = q.value.trim().toUpperCase();
          if (v.length === 21 || v.length === 24) showApp(v); // 21: numbers made before the 9-digit serial
          else if (v) attempt(() => findHolder(v, q));
        },
      }, h("h2", "一号查询"), h("div.row", q, h("button.primary", { type: "submit" }, "查询")), holderBox),
      h("div.card", h("h2", "新办件"), h("div.row", svc, h("button.primary", { id: "start", onclick: () => attempt(() => startIntake(svc.value)) }, "开始受理"))),
      h("div.card", h("div.row", h("h2", "网上申请待受理"),
        h("button", { type: "button", id: "online-refresh", onclick: () => attempt(() => loadOnline(serviceNames)) }, "刷新")), onlineBox),
      formBox),
    appBox),
);
const serviceNames = Object.fromEntries(workflows.items.map((w) => [w.id, w.name]));
attempt(() => loadOnline(serviceNames));
main.append(rectifySection()); /* the window's 差评整改 tickets */
// A live refresh redraws the application, so it waits while the clerk is
// in the middle of something there: focus inside it, or a box ticked or a
// text typed since it was drawn (showApp clears the mark).
appBox.addEventListener("input", () => { edited = true; });
appBox.addEventListener("change", () => { edited = true; });
const later = debounce(() => {
  if (current && current.number && !edited && !appBox.contains(document.activeElement)) showApp(current.number);
}, 200);
const laterOnline = debounce(() => loadOnline(serviceNames).catch(() => {}), 500);
live((d) => { laterOnline(); if (current && d.number === current.number) later(); }, () => { laterOnline(); later(); });
if (/^#([0-9X]{21}|[0-9X]{24})$/.test(location.hash)) showApp(location.hash.slice(1));
void STATES;
