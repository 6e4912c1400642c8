// materials.js — materials as files on the pages: a file picker per
// material, the upload of the chosen files (one request per file, the raw
// bytes; the server decides the type from them), and the material list of
// an application (status, versions with 已替换 for replaced ones, files
// with a preview). A file's own URL needs the token (or the applicant's
// tracking code), which an <img> or <iframe> cannot send: the preview
// fetch()es the bytes and shows a blob: URL.
//
//   filePicker(materialId)            an <input type=file multiple> to put in a form
//   uploadPicked(root, number, opts)  upload what the pickers under root hold
//   uploadFiles(number, materialId, files, opts)  → the File objects
//   loadMaterials(number, opts)       GET …/materials
//   renderMaterials(el, list, opts)   the list into el
//   showMaterials(el, app, opts)      load and render for an application view
//
// opts.code: the applicant's tracking code (no staff token is sent then).
import { ApiError, api, bureauName, clear, fmtDate, fmtTime, h, problemText, randomKey, session, toast, verbatim } from "/web/common.js";

export const ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png";
export const MATERIAL_STATUS = {
  provided: "已提交",
  missing: "未提交",
  tolerated: "容缺待补",
  committed: "告知承诺",
  license: "电子证照调用",
};
const LICENSE_STATUS = { valid: "有效", revoked: "已注销", expired: "已过期" };
const TYPES = { "application/pdf": "PDF", "image/jpeg": "JPEG 图片", "image/png": "PNG 图片" };

const app = (number) => "/api/v1/applications/" + encodeURIComponent(number);

function headers(code, extra = {}) {
  const s = code ? null : session();
  return s && s.token ? { ...extra, Authorization: "Bearer " + s.token } : extra;
}

async function problemOf(r) {
  try {
    return await r.json();
  } catch {
    return null;
  }
}

// ---- upload ---------------------------------------------------------------------

// The browser's own file control speaks the browser's language: it is
// hidden behind a Chinese button, and the chosen names are shown beside it.
export function filePicker(materialId) {
  const chosen = h("span.muted.chosen", { translate: "no" }, "未选择文件"); // the names chosen, as they are
  const input = h("input.file-input", { type: "file", multiple: true, accept: ACCEPT, dataset: { files: materialId } });
  input.addEventListener("change", () => {
    chosen.textContent = input.files.length ? [...input.files].map((f) => f.name).join("、") : "未选择文件";
  });
  return h("label.files", h("span.file-button", "选择扫描件或照片（可多选）"), input, chosen);
}

// Upload files (a FileList or array) to one material, in order (their
// pages). Resolves with the File objects; a refusal throws ApiError.
export async function uploadFiles(number, materialId, files, { code } = {}) {
  const out = [];
  for (const f of files) {
    const q = new URLSearchParams({ name: f.name });
    if (code) q.set("code", code);
    const r = await fetch(`${app(number)}/materials/${encodeURIComponent(materialId)}/files?${q}`, {
      method: "POST",
      headers: headers(code, { "Idempotency-Key": randomKey(), "Content-Type": f.type || "application/octet-stream" }),
      body: f,
    });
    const data = await problemOf(r);
    if (!r.ok) throw new ApiError(r.status, data);
    out.push(data);
  }
  return out;
}

// Upload what every picker under root holds; a refused file is shown with
// its name and the reason, the others still go. Resolves with the number
// of files stored.
export async function uploadPicked(root, number, opts = {}) {
  let stored = 0;
  for (const input of root.querySelectorAll("input[data-files]")) {
    for (const f of input.files || []) {
      try {
        await uploadFiles(number, input.dataset.files, [f], opts);
        stored++;
      } catch (e) {
        toast(`${f.name}：${problemText(e)}`, "error");
      }
    }
  }
  return stored;
}

// ---- the list ---------------------------------------------------------------------

export function loadMaterials(number, { code } = {}) {
  if (code) return api("GET", `${app(number)}/materials?code=${encodeURIComponent(code)}`, undefined, { anonymous: true });
  return api("GET", `${app(number)}/materials`);
}

function size(n) {
  if (n >= 1048576) return (n / 1048576).toFixed(1) + " MB";
  return Math.max(1, Math.round(n / 1024)) + " KB";
}

// The file's bytes as a blob: URL (fetched with the token or the code).
async function blobUrl(file, code) {
  const url = code ? `${file.href}?code=${encodeURIComponent(code)}` : file.href;
  const r = await fetch(url, { headers: headers(code) });
  if (!r.ok) throw new ApiError(r.status, await problemOf(r));
  return URL.createObjectURL(await r.blob());
}

async function preview(box, file, code) {
  try {
    const url = await blobUrl(file, code);
    const view = file.media_type === "application/pdf"
      ? h("iframe.file-view", { src: url, title: file.name, translate: "no" })
      : h("img.file-view", { src: url, alt: file.name, translate: "no" });
    clear(box, view, h("a", { href: url, download: file.name }, "下载 ", verbatim(file.name)));
  } catch (e) {
    toast(problemText(e), "error");
  }
}

// open: show the preview at once (the decision panel) instead of on 预览.
function fileItem(file, code, open = false) {
  const box = h("div.file-preview");
  if (open) preview(box, file, code);
  return h("li.file", { dataset: { file: file.id, type: file.media_type } },
    h("div.row",
      h("span", file.page ? `第 ${file.page} 页 ` : "", verbatim(file.name)),
      h("span.muted", `${TYPES[file.media_type] || file.media_type} · ${size(file.size)} · ${fmtTime(file.added_at)}`),
      h("button.link", { type: "button", onclick: () => preview(box, file, code) }, "预览")),
    box);
}

function versionBlock(v, code, open) {
  return h("div.version", { dataset: { version: v.version, replaced: v.replaced ? "yes" : "no" } },
    h("div.row", h("strong", `第 ${v.version} 版`), v.replaced ? h("span.badge.replaced", "已替换") : h("span.badge", "现行")),
    h("ul.files", v.files.map((f) => fileItem(f, code, open))));
}

function licenseLine(l) {
  if (!l) return h("p.muted", "由电子证照提供");
  const now = l.status_now === "revoked" && l.revoked_at ? `已注销（${fmtTime(l.revoked_at)}）` : LICENSE_STATUS[l.status_now] || l.status_now;
  return h("p.license", `电子证照：${l.name}（${l.id}）· 调用时${LICENSE_STATUS[l.status_at_reuse] || l.status_at_reuse} · 现${now}`);
}

function materialItem(m, opts) {
  const picker = opts.canUpload && opts.canUpload(m) ? filePicker(m.id) : null;
  if (picker)
    picker.querySelector("input").addEventListener("change", async (ev) => {
      const files = [...ev.target.files];
      if (!files.length) return;
      try {
        await uploadFiles(opts.number, m.id, files, opts);
        toast(`已上传 ${files.length} 个文件`, "ok");
      } catch (e) {
        toast(problemText(e), "error");
      }
      if (opts.onUploaded) opts.onUploaded();
    });
  return h("li.material", { dataset: { material: m.id, status: m.status } },
    h("div.row", h("strong", m.name), m.required ? null : h("span.muted", "（非必需）"),
      h("span.badge.m-" + m.status, MATERIAL_STATUS[m.status] || m.status),
      m.due ? h("span.muted", `${fmtDate(m.due)} 前补齐`) : null),
    m.status === "license" ? licenseLine(m.license) : null,
    m.versions.length ? m.versions.map((v) => versionBlock(v, opts.code, opts.open && !v.replaced)) : h("p.muted", "尚无文件"),
    picker);
}

// Render a material list (GET …/materials) into el. opts: number, code,
// canUpload(material) → whether to offer a picker, onUploaded(), open
// (preview the current files at once).
export function renderMaterials(el, list, opts = {}) {
  return clear(el,
    h("ul.materials.files-list", list.materials.map((m) => materialItem(m, opts))),
    list.opinions.length
      ? [h("h4", "意见附件"), list.opinions.map((o) => h("div.opinion", { dataset: { task: o.task } },
          h("div.row", h("strong", bureauName(o.bureau)), h("span", o.task_name)),
          h("ul.files", o.files.map((f) => fileItem(f, opts.code, opts.open)))))]
      : null);
}

// Which materials take files now (the server checks it again): every one
// while submitted; those the notice names while a supplement is awaited;
// an open tolerated gap while in review or awaiting materials.
export function attachable(a, m) {
  if (a.state === "submitted") return true;
  if (a.state === "awaiting_supplement" || a.state === "returned")
    return ((a.notice && a.notice.items) || []).some((i) => i.id === m.id);
  if (a.state === "in_review" || a.state === "awaiting_materials") return m.status === "tolerated";
  return false;
}

// Load and render the material list of an application view `a` into el,
// with pickers where files may be attached now.
export async function showMaterials(el, a, opts = {}) {
  try {
    const list = await loadMaterials(a.number, opts);
    const again = () => showMaterials(el, a, opts);
    renderMaterials(el, list, { ...opts, number: a.number, canUpload: (m) => attachable(a, m), onUploaded: again });
  } catch (e) {
    clear(el, h("p.error", problemText(e)));
  }
}
