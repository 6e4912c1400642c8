// form.js — a service's application form built from its definition
// (GET /api/v1/workflows/{id}), shared by the window (window.js) and the
// online application (apply.js): one input per field with the
// definition's bounds, the values read back in their types, the same
// checks before sending, and every error shown next to its field in
// Chinese — the page's own checks and the server's problem (errors[].field
// mapped onto the field, with the registry's Chinese text).
//
//   fieldInput(f)                 the input of one field
//   formFields(def)               a label with input and error slot per field
//   readForm(box, def)            {field id: value} of what is filled in
//   checkForm(box, def)           the page's checks; false if any failed
//   checkApplicant(name, id)      the same for the applicant's two inputs
//   materialRow(m, ...extra)      one material: name, extra controls, file picker
//   showProblem(box, def, e, at)  the server's field errors next to their fields
//   clearErrors(box)              remove every shown error
//   fieldError(el, text)          show text as el's error (null: clear it)
import { ApiError, h, problemText } from "/web/common.js";
import { problemZh } from "/web/problems.js";
import { filePicker } from "/web/materials.js";

// This day as YYYY-MM-DD in the browser's clock.
function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

// A date field's bound for the input: "today" (max="today" in the
// definition: a birth date cannot be in the future) is this day's date.
export function dateBound(b) {
  if (b !== "today") return b ?? undefined;
  return today();
}

export function fieldInput(f) {
  const common = { name: f.id, id: "field-" + f.id, required: f.required, dataset: { field: f.id, type: f.type } };
  switch (f.type) {
    case "choice":
      if (f.multiple)
        return h("div.materials", { id: "field-" + f.id, dataset: { group: f.id } },
          f.choices.map((c) => h("label", h("input", { type: "checkbox", value: c.value, dataset: { field: f.id, type: "multi" } }), " ", c.label, " ")));
      return h("select", common, h("option", { value: "" }, "请选择"), f.choices.map((c) => h("option", { value: c.value }, c.label)));
    case "boolean":
      return h("input", { ...common, type: "checkbox", required: false });
    case "number":
    case "money":
      return h("input", { ...common, type: "number", inputMode: "decimal", min: f.min ?? undefined, max: f.max ?? undefined, step: f.integer ? 1 : "any" });
    case "date":
      return h("input", { ...common, type: "date", min: dateBound(f.min), max: dateBound(f.max) });
    case "id-number":
      return h("input", { ...common, type: "text", maxLength: 18, autocomplete: "off", placeholder: "身份证号码或统一社会信用代码" });
    default:
      return h("input", { ...common, type: "text", maxLength: f.max || undefined });
  }
}

// The error slot of a field: announced when it changes, and named by the
// input's aria-describedby.
const slot = (id) => h("span.field-error", { id: "err-" + id, "aria-live": "polite" });

// One label per field: its name, * when required, the input, the error.
export function formFields(def) {
  return def.fields.map((f) => {
    const input = fieldInput(f);
    input.setAttribute("aria-describedby", "err-field-" + f.id);
    return h("label.field", { dataset: { for: f.id } }, f.label, f.required ? " *" : "", input, slot("field-" + f.id));
  });
}

export function readForm(box, def) {
  const form = {};
  for (const f of def.fields) {
    if (f.type === "choice" && f.multiple) {
      const v = [...box.querySelectorAll(`input[data-field="${f.id}"]:checked`)].map((x) => x.value);
      if (v.length || f.required) form[f.id] = v;
      continue;
    }
    const el = box.querySelector(`[data-field="${f.id}"]`);
    if (!el) continue;
    if (f.type === "boolean") form[f.id] = el.checked;
    else if (el.value === "") continue;
    else if (f.type === "number" || f.type === "money") form[f.id] = Number(el.value);
    else if (f.type === "id-number") form[f.id] = el.value.trim().toUpperCase();
    else form[f.id] = el.value.trim();
  }
  return form;
}

// ---- errors next to the fields ---------------------------------------------------

// The error slot that belongs to el (an input, or a box with a slot).
function slotOf(el) {
  const id = el.getAttribute("aria-describedby");
  return (id && el.ownerDocument.getElementById(id)) || el.querySelector(".field-error") || el.parentElement?.querySelector(".field-error");
}

export function fieldError(el, text) {
  const s = slotOf(el);
  if (text) el.setAttribute("aria-invalid", "true");
  else el.removeAttribute("aria-invalid");
  if (s) s.textContent = text || "";
}

export function clearErrors(box) {
  for (const el of box.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const s of box.querySelectorAll(".field-error")) s.textContent = "";
}

// What a field accepts, in Chinese (the definition's bounds).
function rule(f) {
  const lo = f.type === "date" ? dateBound(f.min) : f.min;
  const hi = f.type === "date" ? dateBound(f.max) : f.max;
  const show = (v, b) => (b === "today" ? "今天" : v);
  switch (f.type) {
    case "date":
      if (lo && hi) return `日期须在 ${show(lo, f.min)} 至 ${show(hi, f.max)} 之间`;
      if (lo) return `日期不得早于 ${show(lo, f.min)}`;
      if (hi) return `日期不得晚于 ${show(hi, f.max)}`;
      return "请填写有效的日期";
    case "number":
    case "money": {
      const kind = f.integer ? "整数" : "数值";
      if (lo != null && hi != null) return `须为 ${lo} 至 ${hi} 之间的${kind}`;
      if (lo != null) return `须为不小于 ${lo} 的${kind}`;
      if (hi != null) return `须为不大于 ${hi} 的${kind}`;
      return `须为${kind}`;
    }
    case "id-number":
      return "须为有效的 18 位身份证号码或统一社会信用代码";
    case "text":
      if (lo && hi) return `须为 ${lo} 至 ${hi} 个字`;
      if (lo) return `至少 ${lo} 个字`;
      if (hi) return `最多 ${hi} 个字`;
      return "填写的内容有误";
    default:
      return "请从选项中选择";
  }
}

// The page's own check of one field's element; the Chinese text of what
// is wrong, or "".
function checkField(f, box) {
  if (f.type === "boolean") return "";
  if (f.type === "choice" && f.multiple) {
    const n = box.querySelectorAll(`input[data-field="${f.id}"]:checked`).length;
    return f.required && !n ? problemZh("missing") : "";
  }
  const el = box.querySelector(`[data-field="${f.id}"]`);
  if (!el) return "";
  const v = el.value.trim();
  if (!v) return f.required ? problemZh("missing") : "";
  if (f.type === "number" || f.type === "money") {
    const n = Number(v);
    const bad = !Number.isFinite(n) || (f.integer && !Number.isInteger(n)) || (f.min != null && n < f.min) || (f.max != null && n > f.max);
    return bad ? rule(f) : "";
  }
  if (f.type === "date") {
    const lo = dateBound(f.min), hi = dateBound(f.max);
    const bad = !/^\d{4}-\d{2}-\d{2}$/.test(v) || (lo && v < lo) || (hi && v > hi);
    return bad ? rule(f) : "";
  }
  if (f.type === "id-number") return /^[0-9A-Za-z]{18}$/.test(v) ? "" : rule(f);
  if (f.type === "text") {
    const n = [...v].length;
    return (f.min && n < f.min) || (f.max && n > f.max) ? rule(f) : "";
  }
  return "";
}

// Check every field as the server will; each failure shown next to its
// field, the first one focused. Resolves true when all pass.
export function checkForm(box, def) {
  let first = null;
  for (const f of def.fields) {
    const text = checkField(f, box);
    const el = box.querySelector(`#field-${CSS.escape(f.id)}`);
    if (!el) continue;
    fieldError(el, text);
    if (text && !first) first = el;
  }
  if (first) {
    first.scrollIntoView({ block: "center" });
    (first.querySelector("input") || first).focus({ preventScroll: true });
  }
  return !first;
}

// The applicant's name and one number (their two inputs), checked like
// the fields; false if either failed.
export function checkApplicant(nameEl, idEl) {
  const name = nameEl.value.trim() ? "" : "请填写申请人姓名或单位名称";
  const id = /^[0-9A-Za-z]{18}$/.test(idEl.value.trim()) ? "" : rule({ type: "id-number" });
  fieldError(nameEl, name);
  fieldError(idEl, id);
  return !name && !id;
}

// The element an errors[].field names: "form.ID" a field of the form;
// other names through `at` ({name: element}, e.g. "applicant.name"), or
// the material row of "materials.ID" / "committed".
function target(box, name, at) {
  if (at[name]) return at[name];
  const m = /^form\.([A-Za-z0-9_-]+)/.exec(name);
  if (m) return box.querySelector(`#field-${CSS.escape(m[1])}`);
  const mat = /^materials\.([A-Za-z0-9_-]+)/.exec(name);
  if (mat) return box.querySelector(`[data-material="${CSS.escape(mat[1])}"]`);
  return at[name.replace(/[.[].*$/, "")] || null; // "committed[0]" → at.committed
}

// The Chinese text for one errors[] entry: the registry's description of
// its code; for the generic invalid_request on a form field, what the
// field accepts (the definition's bounds), which says more.
function entryText(def, x) {
  const m = /^form\.([A-Za-z0-9_-]+)$/.exec(x.field || "");
  const f = m && def.fields.find((y) => y.id === m[1]);
  if (f && (x.code === "invalid_request" || x.code === "wrong_type")) return rule(f);
  return problemZh(x.code) || problemText(new ApiError(422, x));
}

// Put a problem's field errors next to their fields. Resolves with the
// number placed (0: none named a field shown here).
export function showProblem(box, def, e, at = {}) {
  clearErrors(box);
  const errors = (e instanceof ApiError && e.problem && e.problem.errors) || [];
  let placed = 0, first = null;
  for (const x of errors) {
    const el = target(box, x.field || "", at);
    if (!el) continue;
    const s = slotOf(el);
    const text = entryText(def, x);
    fieldError(el, s && s.textContent ? `${s.textContent}；${text}` : text);
    placed++;
    first ||= el;
  }
  if (first) first.scrollIntoView({ block: "center" });
  return placed;
}

// ---- materials -------------------------------------------------------------------

// One material of a definition as a list item: its name (非必需 when
// optional), the caller's controls (the window's choice of how it is
// provided, the applicant's commitment), an error slot and the file
// picker for its scans.
export function materialRow(m, ...extra) {
  return h("li", { dataset: { material: m.id } },
    h("div", m.name, m.required ? "" : "（非必需）"),
    extra, slot("material-" + m.id), filePicker(m.id));
}
