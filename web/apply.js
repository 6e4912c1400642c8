// apply.js — the online application (一网通办), phone first: the applicant
// picks a service that may be applied for online (each with a link to its
// 办事指南, /web/guide.html?id=…), or arrives with ?service=ID; enters the
// one number and name, fills the form (form.js: the window's form and
// checks, errors next to the field in Chinese), chooses the scans of each
// material, reads and makes the 告知承诺 commitments the definition
// allows, and submits without an account (POST /api/v1/applications,
// channel online; the scans then go up with the tracking code). The answer
// shows the application number, the tracking code (shown this once), the
// QR code of the tracking link and the link itself. A refusal keeps
// everything typed: 429 intake_throttled and 503 numbers_exhausted say
// in Chinese when to try again (Retry-After). No staff token is sent.
import { $, ApiError, api, clear, h, problemText, problemZhOnly, waitText } from "/web/common.js";
import { checkApplicant, checkForm, clearErrors, formFields, materialRow, readForm, showProblem } from "/web/form.js";
import { uploadPicked } from "/web/materials.js";

const main = $("#main");
const wanted = new URLSearchParams(location.search).get("service");
const guideUrl = (id) => "/web/guide.html?id=" + encodeURIComponent(id);
const applyUrl = (id) => "/web/apply.html?service=" + encodeURIComponent(id);
const get = (path) => api("GET", path, undefined, { anonymous: true });

// Every deployed service with its definition; those open online.
async function onlineServices() {
  const list = await get("/api/v1/workflows");
  const defs = await Promise.all(list.items.map((w) => get("/api/v1/workflows/" + encodeURIComponent(w.id))));
  return defs.filter((d) => d.online);
}

function serviceList(defs) {
  return h("div.card", { id: "services" },
    h("h2", "选择办理事项"),
    h("p.muted", "以下事项可以在网上申请，无需登录。提交后由综合窗口预审受理，受理后即开始计算办理时限。"),
    defs.length
      ? h("ul.services", defs.map((d) => h("li", { dataset: { service: d.id } },
          h("h3", d.name),
          h("p.muted", `法定 ${d.statutory_days} 个工作日，承诺 ${d.promised_days} 个工作日办结`),
          h("div.actions",
            h("a", { href: guideUrl(d.id) }, "办事指南"),
            h("a.primary", { href: applyUrl(d.id), dataset: { apply: d.id } }, "在线申请")))))
      : h("p", "暂无可以网上申请的事项，请到综合窗口办理。"));
}

// ---- the form --------------------------------------------------------------------

// The commitment a material allows: the definition's own text when it
// has one, else the standard wording of a 告知承诺 for that material.
function commitmentText(m) {
  if (typeof m.commitment_text === "string" && m.commitment_text) return m.commitment_text;
  return `本人（本单位）承诺：已具备“${m.name}”所证明的条件，所作承诺真实、准确、完整；如承诺不实，愿意承担相应的法律责任，并同意行政机关依法撤销据此作出的决定。`;
}

// One material: where it may come from an e-license, that it is fetched by
// itself; where the definition allows 告知承诺, the commitment to read and
// a box to make it (the scans are then not needed).
function materialItem(m) {
  const extra = [];
  if (m.license_type) extra.push(h("p.muted", "如您名下已有相应的电子证照，系统将自动调用，可不上传。"));
  if (m.tolerate_days) extra.push(h("p.muted", `可容缺受理：窗口审核后可先行受理，${m.tolerate_days} 个工作日内补齐。`));
  let box = null;
  if (m.commitment) {
    box = h("input", { type: "checkbox", dataset: { commit: m.id } });
    extra.push(h("div.commit", h("p.commit-text", { id: "commit-text-" + m.id }, commitmentText(m)),
      h("label", { "aria-describedby": "commit-text-" + m.id }, box, " 本人已阅读上述承诺，以告知承诺方式代替提交此项材料")));
  }
  const row = materialRow(m, extra);
  if (box)
    box.addEventListener("change", () => {
      const picker = row.querySelector("label.files");
      picker.hidden = box.checked; // committed: no scans go up for it
      if (box.checked) {
        picker.querySelector("input").value = "";
        picker.querySelector(".chosen").textContent = "未选择文件";
      }
    });
  return row;
}

// The ids of the materials with scans chosen (and no commitment), and of
// the commitments made.
function readMaterials(form, def) {
  const committed = def.materials.filter((m) => form.querySelector(`input[data-commit="${m.id}"]:checked`)).map((m) => m.id);
  const provided = def.materials.filter((m) => !committed.includes(m.id))
    .filter((m) => (form.querySelector(`input[data-files="${m.id}"]`)?.files?.length || 0) > 0).map((m) => m.id);
  return { provided, committed };
}

// When to try again: the wait in words and the clock time it ends.
function whenAgain(seconds) {
  const at = new Date(Date.now() + seconds * 1000);
  const p = (n) => String(n).padStart(2, "0");
  const day = at.toDateString() === new Date().toDateString() ? "" : `${at.getMonth() + 1}月${at.getDate()}日 `;
  return `请在 ${waitText(seconds)}后（${day}${p(at.getHours())}:${p(at.getMinutes())} 以后）再提交`;
}

// A refusal of the whole submission as a message above the button, in
// Chinese, saying what to do; nothing typed is cleared.
function refusalText(e) {
  const code = e instanceof ApiError && e.problem ? e.problem.code : null;
  const kept = "您填写的内容和选择的文件都已保留，届时直接点击“提交申请”即可。";
  if (code === "intake_throttled")
    return `提交过于频繁，系统暂时不能接收这份申请。${e.retryAfter > 0 ? whenAgain(e.retryAfter) : "请稍后再提交"}。${kept}`;
  if (code === "numbers_exhausted")
    return `今日网上申请的受理编号已经用完，系统已通知工作人员。${e.retryAfter > 0 ? whenAgain(e.retryAfter) : "请明天再提交"}，或携带材料到综合窗口办理。${kept}`;
  if (!(e instanceof ApiError)) return "网络连接失败，申请没有提交。请检查网络后重新提交；您填写的内容已保留。";
  if (e.problem && e.problem.excluded_until) return problemText(e); // 告知承诺 refused: which material, until when
  return problemZhOnly(e);
}

function applicantPart(def) {
  const kinds = [
    def.applicant !== "organization" ? h("option", { value: "person" }, "自然人") : null,
    def.applicant !== "person" ? h("option", { value: "organization" }, "法人或其他组织") : null,
  ];
  const kind = h("select", { id: "applicant-kind", name: "kind" }, kinds);
  const name = h("input", { id: "applicant-name", name: "name", autocomplete: "name", maxLength: 100, "aria-describedby": "err-applicant-name" });
  const idn = h("input", { id: "applicant-id", name: "id_number", autocomplete: "off", maxLength: 18, "aria-describedby": "err-applicant-id",
    placeholder: def.applicant === "organization" ? "18 位统一社会信用代码" : "18 位身份证号码或统一社会信用代码" });
  const part = [
    h("h3", "申请人"),
    kind.options.length > 1 ? h("label", "申请人类型", kind) : null,
    h("label", def.applicant === "organization" ? "单位名称 *" : "姓名或单位名称 *", name, h("span.field-error", { id: "err-applicant-name" })),
    h("label", "证件号码（一号） *", idn, h("span.field-error", { id: "err-applicant-id" })),
  ];
  return { kind, name, idn, part };
}

async function submit(form, def, a, status) {
  clearErrors(form);
  clear(status);
  const ok = [checkApplicant(a.name, a.idn), checkForm(form, def)].every(Boolean);
  if (!ok) {
    clear(status, h("p.error", "请按提示修改标红的内容后再提交。"));
    return;
  }
  const m = readMaterials(form, def);
  const body = {
    service: def.id,
    channel: "online",
    applicant: { kind: a.kind.value, name: a.name.value.trim(), id_number: a.idn.value.trim().toUpperCase() },
    form: readForm(form, def),
    materials: m.provided,
  };
  if (m.committed.length) body.committed = m.committed;
  const button = form.querySelector("#submit-apply");
  button.disabled = true;
  try {
    const made = await api("POST", "/api/v1/applications", body, { anonymous: true });
    const chosen = [...form.querySelectorAll("input[data-files]")].reduce((n, i) => n + i.files.length, 0);
    const stored = await uploadPicked(form, made.number, { code: made.tracking_code });
    done(def, made, stored, chosen);
  } catch (e) {
    const at = { "applicant.name": a.name, "applicant.id_number": a.idn, "applicant.kind": a.kind };
    const excluded = e instanceof ApiError && e.problem && e.problem.material;
    if (excluded) at.committed = form.querySelector(`li[data-material="${CSS.escape(excluded)}"]`);
    showProblem(form, def, e, at);
    clear(status, h("p.error", { id: "apply-error", dataset: { code: (e && e.problem && e.problem.code) || "" } }, refusalText(e)));
    status.scrollIntoView({ block: "center" });
  } finally {
    button.disabled = false;
  }
}

function applyForm(def) {
  const a = applicantPart(def);
  const status = h("div", { id: "apply-status", role: "alert" });
  a.materialsBox = h("ul.materials", { id: "apply-materials" }, def.materials.map(materialItem));
  const form = h("form.card", { id: "apply-form", noValidate: true, onsubmit: (ev) => { ev.preventDefault(); submit(form, def, a, status); } },
    h("h2", def.name),
    h("p.muted", `法定 ${def.statutory_days} 个工作日，承诺 ${def.promised_days} 个工作日办结（自受理之日起计算）。`),
    h("p", h("a", { href: guideUrl(def.id) }, "先看办事指南：需要哪些材料、到哪里办")),
    a.part,
    h("h3", "申请信息"), formFields(def),
    h("h3", "申请材料"),
    h("p.muted", "请上传材料的扫描件或照片（PDF、JPEG 或 PNG）。"),
    a.materialsBox,
    status,
    h("div.actions", h("button.primary", { type: "submit", id: "submit-apply" }, "提交申请")),
    h("p", h("a", { href: "/web/apply.html" }, "返回事项列表")));
  return form;
}

// ---- the answer ------------------------------------------------------------------

function done(def, made, stored, chosen) {
  const n = encodeURIComponent(made.number), c = encodeURIComponent(made.tracking_code);
  const track = `/t/${n}?c=${c}`;
  clear(main, h("div.card.apply-done", { id: "apply-done", dataset: { number: made.number } },
    h("h2", "申请已提交"),
    h("p", `您的“${def.name}”申请已经提交，正在等待综合窗口预审受理。受理后，可在办件进度页面查看受理通知书和办理进度。`),
    h("dl.kv",
      h("dt", "受理编号"), h("dd.number", { id: "done-number" }, made.number),
      h("dt", "查询码"), h("dd.code", { id: "done-code" }, made.tracking_code)),
    h("p.apply-notice", { id: "code-once" }, "查询码只在此显示一次，请立即截图或抄写并妥善保存。查询办理进度、补传材料都需要受理编号和查询码；遗失后须到综合窗口重新办理查询码。"),
    h("img.qr", { id: "done-qr", src: `/api/v1/applications/${n}/qr.svg?c=${c}`, alt: "办件进度查询二维码", width: 180, height: 180 }),
    h("p.muted", "请截图保存本页。用另一部手机扫描此二维码，也能打开本件的办理进度。"),
    stored < chosen ? h("p.error", { id: "upload-missing" }, "部分材料文件没有上传成功，请在办件进度页面补传。") : null,
    h("div.actions", h("a.button-link", { id: "done-track", href: track }, "查看办理进度"))));
  main.scrollIntoView({ block: "start" });
}

// ---- the page --------------------------------------------------------------------

try {
  const defs = await onlineServices();
  const def = wanted && defs.find((d) => d.id === wanted);
  if (def) {
    document.title = `${def.name} · 网上申请 · 通办`;
    clear(main, applyForm(def));
  } else {
    clear(main, wanted ? h("p.card.error", { role: "alert" }, "该事项不能在网上申请，请选择下列事项或到综合窗口办理。") : null, serviceList(defs));
  }
} catch (e) {
  clear(main, h("p.card.error", { role: "alert" }, "暂时无法打开网上申请：", problemZhOnly(e)));
}
