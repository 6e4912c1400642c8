// admin_check.js — what the administrator's uploads share (web/admin.html:
// the calendar and the workflow definitions): reading the chosen file as
// text, the uploaded text shown with its line numbers, and a check's
// problems one per line ("第 N 行"), each of which shows its line of the
// text when clicked. The registry's Chinese names the kind of problem;
// the checker's own words (English, like a compiler's) are one click
// away, folded, so that the page a person reads stays Chinese.
import { ApiError, clear, h, problemZhOnly } from "/web/common.js";
import { problemZh } from "/web/problems.js";

// A file chooser in Chinese: the browser's own button speaks the
// browser's language, so it is hidden (still focusable) behind a label
// that says 选择文件 and the chosen file's name.
export function filePicker(id, accept, labelText) {
  const input = h("input.visually-hidden", { type: "file", id, accept });
  const name = h("span.file-name", "未选择文件");
  const node = h("label.file-picker", h("span.file-label", labelText),
    h("span.file-button", "选择文件"), name, input);
  return { input, node, name };
}

// The text of the file a picker holds (UTF-8), or null. The input is
// emptied, so that choosing the same file again (after fixing it) is a
// new choice; the name stays shown.
export async function fileText(picker) {
  const f = picker.input.files && picker.input.files[0];
  if (!f) return null;
  picker.name.textContent = f.name;
  const up = { name: f.name, text: await f.text() };
  picker.input.value = "";
  return up;
}

// The uploaded text with line numbers, in a box that scrolls; show(n)
// scrolls to line n and marks it.
export function sourceView(text, label) {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  const rows = lines.map((l, i) => h("div.src-line", { dataset: { line: String(i + 1) } },
    h("span.ln", { "aria-hidden": "true" }, String(i + 1)), h("code", { translate: "no" }, l || " ")));
  const box = h("div.source", { tabindex: "0", role: "region", "aria-label": label }, rows);
  return {
    box,
    show(n) {
      for (const r of box.querySelectorAll(".src-line.marked")) r.classList.remove("marked");
      const row = box.querySelector(`.src-line[data-line="${n}"]`);
      if (!row) return;
      row.classList.add("marked");
      box.scrollTop = row.offsetTop - box.clientHeight / 3;
      row.scrollIntoView({ block: "nearest" });
    },
  };
}

// "line 12" → 12; anything else → 0.
const lineOf = (field) => {
  const m = /^line (\d+)$/.exec(field || "");
  return m ? Number(m[1]) : 0;
};

// A refused check as a list: the problem's Chinese, then one item per
// error with its line (a button that shows the line in `source`). For
// any other refusal: its Chinese text alone.
export function problemList(e, source) {
  const p = e instanceof ApiError ? e.problem || {} : {};
  const errors = Array.isArray(p.errors) ? p.errors : [];
  if (!errors.length) return h("div.problems", { role: "alert" }, h("p.error", problemZhOnly(e)));
  const items = errors.map((x) => {
    const n = lineOf(x.field);
    const where = n ? `第 ${n} 行` : "整个文件";
    return h("li", { dataset: { line: String(n) } },
      h("button.line-link", { type: "button", disabled: !n, onclick: () => source.show(n) }, where),
      " ", h("span", problemZh(x.code) || "有误"),
      x.detail ? h("details.checker", h("summary", "检查器说明（英文原文）"),
        h("code", { lang: "en", translate: "no" }, x.detail)) : null);
  });
  return h("div.problems", { role: "alert" },
    h("p.error", `${problemZh(p.code) || "检查未通过"}：共 ${errors.length} 处问题（点击行号查看该行）`),
    h("ol.problem-list", items));
}

// A refusal shown in `result`: its problems, then the text they name.
export function showProblems(result, e, source) {
  clear(result, problemList(e, source), source.box);
}

// Check the file a picker holds: run(up, source) sends it and shows what
// passed (up: {name, text}; source: its numbered view); a refusal shows
// its problems beside the text in `result`.
export async function checkFile(picker, result, label, run) {
  const up = await fileText(picker);
  if (!up) return;
  const source = sourceView(up.text, label);
  try {
    await run(up, source);
  } catch (e) {
    showProblems(result, e, source);
  }
}
