// panel.js — the officer's decision panel: everything needed to decide a
// task, in Chinese, in sections with headings, the decision always at
// hand beside them (below them, and sticky, on a phone): the time left
// on the task and on the application in working days (counted by the
// server on its holiday calendar), every form field with its label as a
// person reads it (choice names, 是/否, amounts as ¥1,000,000.00), the
// materials with previews and versions (容缺 and 告知承诺 marked), the
// other bureaus' branches and their progress, the application's history,
// and the decision with its opinion, the items to return and an opinion
// file (现场核查报告 …), with the other verbs the server allows on the
// task now and the step's signers (verbs.js).
import {
  ACTIONS, ApiError, BRANCH_STATES, api, attempt, bureauName, clear, fmtDate, fmtTime,
  h, randomKey, scrollBox, session, stateBadge, toast, verbatim,
} from "/web/common.js";
import { ACCEPT, MATERIAL_STATUS, loadMaterials, renderMaterials } from "/web/materials.js";
import { canDecide, taskDefOf, taskOptions, verbDetail, verbsPart } from "/web/verbs.js";

// ---- values as people read them ------------------------------------------

// "1234567.5" → "1,234,567.5": thousands separators in the integer part
// of a decimal text (no float arithmetic: money stays exact).
function grouped(text) {
  const [int, frac] = String(text).split(".");
  const sign = int.startsWith("-") ? "-" : "";
  const digits = int.replace(/^-/, "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return sign + digits + (frac !== undefined ? "." + frac : "");
}

// A form value (typed as the API answers it) as a person reads it: choices
// by their names, 是/否 for booleans, money with ¥ and two places, numbers
// with thousands separators; never the stored code ("llc", "false").
export function valueText(f, v) {
  if (v === undefined || v === null || v === "") return "未填写";
  const type = f ? f.type : typeof v;
  const label = (x) => (f && f.choices ? (f.choices.find((c) => c.value === x) || {}).label || x : x);
  if (type === "boolean") return v === true || v === "true" ? "是" : "否";
  if (Array.isArray(v)) return v.map(label).join("、");
  if (type === "money") {
    const [int, frac = ""] = String(v).split(".");
    return "¥" + grouped(int) + "." + (frac + "00").slice(0, 2);
  }
  if (type === "number") return grouped(v);
  return String(label(v));
}

// "剩余 3 个工作日", "今天到期", "已超期 2 个工作日", or why no clock runs.
function daysText(left, paused) {
  if (left === null || left === undefined) return paused ? "暂停计时" : "不计时";
  if (left < 0) return `已超期 ${-left} 个工作日`;
  if (left === 0) return "今天到期";
  return `剩余 ${left} 个工作日`;
}

function section(title, id, ...body) {
  return h("section.panel-part", { dataset: { part: id } }, h("h3", title), ...body);
}

// ---- time left ---------------------------------------------------------------

function timeSection(t, app) {
  const paused = app && ["returned", "suspended"].includes(app.state);
  const row = (name, left, deadline, who) =>
    h("div.clock", { dataset: { clock: who } },
      h("span.name", name),
      h("strong.left" + (left !== null && left !== undefined && left < 0 ? ".late" : ""), daysText(left, paused)),
      h("span.muted", `期限 ${fmtDate(deadline)}`));
  return h("div.clocks",
    row("本环节", t.working_days_left, t.deadline, "task"),
    app ? row("整体办结", app.working_days_left, app.deadline, "application") : null);
}

// ---- the form ------------------------------------------------------------------

function formSection(def, app) {
  const outputsDef = def.steps.flatMap((b) => b.tasks.flatMap((x) => x.outputs || []));
  const form = app.form || {};
  return section("申请信息", "form",
    h("dl.kv",
      h("dt", "申请人"), h("dd", app.applicant ? app.applicant.name : "—"),
      h("dt", "证件号码"), h("dd", app.applicant ? app.applicant.id_number : "—"),
      h("dt", "办理渠道"), h("dd", app.channel === "online" ? "网上申请" : "窗口受理"),
      h("dt", "受理时间"), h("dd", fmtTime(app.accepted_at)),
      def.fields.map((f) => [h("dt", f.label), h("dd", { dataset: { field: f.id } }, valueText(f, form[f.id]))]),
      // what earlier approvals recorded (the newborn's citizen ID …)
      Object.entries(app.outputs || {}).map(([k, v]) => {
        const o = outputsDef.find((x) => x.id === k);
        return [h("dt", o ? o.label : k), h("dd", { dataset: { output: k } }, valueText(o, v))];
      })));
}

// ---- materials -----------------------------------------------------------------

// The material list (web/materials.js draws it: statuses, the reused
// license, versions, files previewed at once), below a line naming the
// materials accepted with a gap (容缺) or replaced by a commitment
// (告知承诺), which the decision rests on.
function materialsSection(list) {
  const el = h("div.material-list");
  renderMaterials(el, list, { open: true });
  const special = list.materials.filter((m) => m.status === "tolerated" || m.status === "committed");
  return section("申请材料", "materials",
    special.length
      ? h("p.note", "容缺受理和告知承诺：", special.map((m) =>
          `${m.name}（${MATERIAL_STATUS[m.status]}${m.due ? `，${fmtDate(m.due)} 前补齐` : ""}）`).join("；"))
      : null,
    el);
}

// ---- branches and history ------------------------------------------------------

function branchesSection(t, app) {
  return section("各部门办理进度", "branches", scrollBox("各部门办理进度表",
    h("table.branches",
      h("thead", h("tr", ["部门", "事项", "状态", "办理期限", "剩余时间"].map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", app.branches.map((b) =>
        h("tr" + (b.id === t.branch_id ? ".mine" : ""), { dataset: { branch: b.id, status: b.status } },
          h("td", bureauName(b.bureau), b.id === t.branch_id ? "（本环节）" : ""),
          h("td", b.name, b.task && b.status === "active" ? ` · ${b.task.name}` : ""),
          h("td", BRANCH_STATES[b.status] || b.status),
          h("td", fmtDate(b.deadline)),
          h("td", b.status === "active" ? daysText(b.working_days_left, false) : "—")))))));
}

// The name of a step of the definition (a task id, or its index in the
// event's branch), or null.
function stepNameOf(def, e) {
  const ev = (e.payload && e.payload.event) || {};
  const branch = def.steps.find((b) => b.id === ev.branch);
  return (id) => {
    if (typeof id === "number") return branch && branch.tasks[id] ? branch.tasks[id].name : null;
    for (const b of branch ? [branch] : def.steps) {
      const x = b.tasks.find((task) => task.id === id);
      if (x) return x.name;
    }
    return null;
  };
}

// What an event recorded that a person wants to read: a verb's target,
// steps and reason (verbs.js); the comment, the reason, the note; the
// file an attachment added, with its material.
function eventDetail(def, e) {
  const verb = verbDetail(e, stepNameOf(def, e));
  if (verb) return verb.length ? verb : "";
  const p = e.payload || {};
  const d = p.data || {};
  if (d.comment || d.reason || d.note) return "意见：" + (d.comment || d.reason || d.note);
  if (!p.name) return "";
  const m = def.materials.find((x) => x.id === p.material);
  return `文件：${m ? m.name + " · " : ""}${p.name}`;
}

const detailSpan = (d) => (d ? h("span.detail", d) : null);

function historySection(def, events) {
  return section("办理记录", "history",
    h("ol.history", events.map((e) =>
      h("li", { dataset: { action: e.action } },
        h("span.when", fmtTime(e.at)),
        h("span.what", ACTIONS[e.action] || "其他操作"),
        h("span.who", e.bureau ? bureauName(e.bureau) : null, e.bureau && e.actor ? " · " : null, e.actor ? verbatim(e.actor) : null),
        detailSpan(eventDetail(def, e))))));
}

// ---- the decision ----------------------------------------------------------------

// The task's branch outputs as declared in the definition, one input each.
function outputsOf(def, t) {
  const task = taskDefOf(def, t);
  return (task && task.outputs) || [];
}

function outputInput(o) {
  const common = { name: "output", required: o.required, dataset: { output: o.id, type: o.type } };
  if (o.type === "choice")
    return h("select", common, h("option", { value: "" }, "请选择"), o.choices.map((c) => h("option", { value: c.value }, c.label)));
  if (o.type === "date") return h("input", { ...common, type: "date" });
  if (o.type === "number" || o.type === "money") return h("input", { ...common, type: "number", step: o.integer ? 1 : "any" });
  if (o.type === "id-number") return h("input", { ...common, maxLength: 18, placeholder: "18 位公民身份号码或统一社会信用代码" });
  return h("input", { ...common, maxLength: o.max || undefined });
}

function readOutputs(inputs) {
  const out = {};
  for (const el of inputs) {
    const v = el.value.trim();
    if (v === "") continue;
    const type = el.dataset.type;
    out[el.dataset.output] = type === "number" || type === "money" ? Number(v) : type === "id-number" ? v.toUpperCase() : v;
  }
  return out;
}

// An opinion file attached to the task: sent as it is (the server decides
// its type from the bytes); the material list is drawn again with it
// under 意见附件.
function opinionUpload(t, refresh) {
  const chosen = h("span.muted", "未上传");
  const input = h("input", {
    type: "file", name: "opinion", accept: ACCEPT,
    onchange: async () => {
      const file = input.files[0];
      if (!file) return;
      const r = await attempt(async () => {
        const res = await fetch(`/api/v1/tasks/${t.id}/files?name=${encodeURIComponent(file.name)}`, {
          method: "POST",
          headers: {
            Authorization: "Bearer " + session().token, "Idempotency-Key": randomKey(),
            "Content-Type": file.type || "application/octet-stream",
          },
          body: file,
        });
        const body = await res.json().catch(() => null);
        if (!res.ok) throw new ApiError(res.status, body);
        return body;
      }, "意见附件已上传");
      if (r) {
        chosen.textContent = `已上传：${r.name}`;
        await refresh();
      }
      input.value = "";
    },
  });
  // the browser's own file button speaks the browser's language: a
  // Chinese button stands for it (the input stays focusable)
  return h("div.opinion-upload",
    h("p.label", "意见附件（如现场核查报告，PDF 或图片）"),
    h("label.file-button", input, "选择文件并上传"),
    chosen);
}

// The decision buttons the options allow (all three when they could not
// be read: the server decides).
function decisionButtons(opts, send) {
  const may = (v) => !opts || (opts.verbs || []).includes(v);
  return h("div.actions",
    may("approve") ? h("button.ok", { onclick: () => send("approve"), dataset: { act: "approve" } }, "通过") : null,
    may("return") ? h("button", { onclick: () => send("return"), dataset: { act: "return" } }, "退回补正") : null,
    may("deny") ? h("button.danger", { onclick: () => send("deny"), dataset: { act: "deny" } }, "不予许可") : null);
}

// The verbs beside the decision (verbs.js), or why they are not shown.
function verbsOf(t, opts, onDone) {
  if (!opts) return h("p.muted", "转办、委派、加签、退回等操作暂时无法读取，请稍后重新打开。");
  return verbsPart(t, opts, onDone);
}

function decisionBox(def, t, app, opts, onDone, refresh) {
  const outputs = outputsOf(def, t);
  const outputInputs = outputs.map(outputInput);
  const comment = h("textarea", { name: "comment", placeholder: "审批意见（退回或不予许可时必填）" });
  // 不予许可: the comment is the reason told to the applicant; the articles are optional
  const basis = h("input", { name: "legal_basis", maxLength: 2000, placeholder: "不予许可的法律依据（选填，不填则用事项规定的依据）" });
  const boxes = def.materials.map((m) => h("label", h("input", { type: "checkbox", value: m.id, name: "item" }), " ", m.name));
  const send = async (decision) => {
    const body = { decision };
    if (comment.value.trim()) body.comment = comment.value.trim();
    if (decision === "deny" && !body.comment) {
      toast("请填写不予许可的理由，理由将告知申请人", "error");
      return;
    }
    if (decision === "deny" && basis.value.trim()) body.legal_basis = basis.value.trim();
    if (decision === "return") body.items = boxes.map((b) => b.firstChild).filter((c) => c.checked).map((c) => c.value);
    if (decision === "approve" && outputs.length) {
      body.outputs = readOutputs(outputInputs);
      const missing = outputs.find((o) => o.required && !(o.id in body.outputs));
      if (missing) {
        toast(`请填写${missing.label}`, "error");
        return;
      }
    }
    const ok = await attempt(() => api("POST", `/api/v1/tasks/${t.id}/decide`, body),
      { approve: "已通过", deny: "已作出不予许可决定", return: "已退回补正" }[decision]);
    if (ok) onDone();
  };
  const deciding = canDecide(opts); /* a delegate's task: 委派办毕 only */
  return h("aside.decision",
    h("h3", "办理时限"),
    timeSection(t, app),
    deciding ? [
      h("h3", "审批决定"),
      outputs.length
        ? h("fieldset.outputs", h("legend", "办理结果（通过时登记）"),
            outputs.map((o, i) => h("label", o.label, o.required ? " *" : "", outputInputs[i])))
        : null,
      h("label", "审批意见", comment),
      h("label", "法律依据（不予许可时）", basis),
      opinionUpload(t, refresh),
      h("details", h("summary", "退回补正的材料（一次性告知）"), h("div.materials", boxes)),
      decisionButtons(opts, send)] : null,
    verbsOf(t, opts, onDone));
}

// The panel of task t (an entry of the bureau's queue) with the
// definition def; onDone() after a decision was stored.
export async function decisionPanel(def, t, onDone) {
  const n = encodeURIComponent(t.number);
  const [app, events, files, opts] = await Promise.all([
    api("GET", "/api/v1/applications/" + n),
    api("GET", `/api/v1/applications/${n}/events`),
    loadMaterials(t.number),
    taskOptions(t).catch(() => null), /* null: the decision as before */
  ]);
  const materials = h("div", materialsSection(files));
  const refresh = async () => clear(materials, materialsSection(await loadMaterials(t.number)));
  const parts = h("div.parts",
    h("div.row.summary", h("strong", app.service.name), stateBadge(app.state), h("span.muted", app.number)),
    formSection(def, app),
    materials,
    branchesSection(t, app),
    historySection(def, events.events || []));
  return h("div.decide", parts, decisionBox(def, t, app, opts, onDone, refresh));
}
