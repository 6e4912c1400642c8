// common.js — what every page shares: the REST API with the session's
// bearer token, the login form, element building (text only, never HTML
// from data), Chinese names of states, warnings and roles, values as a
// person reads them (是/否, —, 长期), problems in Chinese
// (from the registry, /web/problems.js), the live stream, and the steps a
// session owes (a new password when an administrator set it).
import { problemZh } from "/web/problems.js";
import { enrolIfOwed, otpField } from "/web/totp.js";

export const STATES = {
  submitted: "待受理",
  awaiting_supplement: "待补正",
  refused: "不予受理",
  in_review: "审查中",
  returned: "补正中",
  suspended: "特别程序",
  approved: "准予许可",
  denied: "不予许可",
  delivered: "已办结",
  withdrawn: "已撤回",
  terminated: "终止办理",
  awaiting_materials: "准予许可·待补齐材料出证",
  expired: "已过期",
};
export const WARNINGS = { none: "正常", yellow: "黄牌预警", red: "红牌超期" };
// The staff roles of the API, as a person names them.
export const ROLES = {
  clerk: "窗口人员",
  officer: "部门审批人员",
  inspector: "监察人员",
  admin: "系统管理员",
};
export const roleName = (r) => ROLES[r] || r || "—";
export const BRANCH_STATES = {
  inactive: "未启动",
  waiting: "等待前置",
  active: "办理中",
  approved: "已通过",
  denied: "不予许可",
  returned: "已退回",
  skipped: "无需办理",
  cancelled: "已取消",
};
export const ACTIONS = {
  submit: "提交申请",
  accept: "受理",
  reject: "不予受理",
  supplement_request: "一次性告知补正",
  request_supplement: "一次性告知补正", // the audit trail's name
  supplement: "补正材料",
  claim: "认领",
  approve: "审批通过",
  deny: "不予许可",
  return: "退回补正",
  decide: "审批决定",
  suspend: "特别程序",
  resume: "恢复计时",
  withdraw: "撤回",
  deliver: "出件",
  rate: "评价",
  timer: "计时提醒",
  warn: "预警",
  issue_license: "签发电子证照",
  // the audit trail's own names (the public timeline shows them)
  refuse: "不予受理",
  request_supplement: "一次性告知补正",
  material_attached: "上传材料文件",
  opinion_attached: "上传意见附件",
  holder_renamed: "登记名称变更",
  close_notice: "关闭补正告知",
  deadline_recomputed: "按新公布的节假日安排重算期限",
  expire: "网上申请逾期未受理，已过期",
  // supervision (web/alerts.js)
  alert_raised: "监察预警",
  alert_answered: "红牌答复",
  alert_decided: "监察决定",
  task_urged: "催办",
  tracking_code_reissued: "补发查询码",
  // the verbs of a branch (web/verbs.js words what each recorded)
  transfer: "转办",
  delegate: "委派",
  resolve: "委派办毕",
  add_signer: "加签",
  remove_signer: "减签",
  send_back: "退回",
  take_back: "撤回审批决定",
};

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

// h("div.card", {onclick: f}, "text", child…): an element; strings become
// text nodes.
export function h(spec, attrs, ...children) {
  const [tag, ...classes] = spec.split(".");
  const el = document.createElement(tag || "div");
  if (classes.length) el.className = classes.join(" ");
  if (attrs !== null && attrs !== undefined && (typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k in el && k !== "list" && k !== "form" && k !== "translate") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// A box that scrolls sideways (a wide table on a phone): it takes the
// keyboard focus, so that it can be scrolled without a mouse, and is a
// region named `label` for screen readers.
export function scrollBox(label, ...children) {
  return h("div.scroll", { tabindex: "0", role: "region", "aria-label": label }, ...children);
}

// Text shown exactly as a person typed or chose it (a user name, a file
// name): a span marked translate="no", which the check for English on the
// pages (tests/web/lib.mjs) leaves alone.
export function verbatim(...children) {
  return h("span", { translate: "no" }, ...children);
}

export function clear(el, ...children) {
  el.replaceChildren();
  for (const c of children.flat(Infinity)) if (c) el.append(c);
  return el;
}

// ---- the session -------------------------------------------------------------

const KEY = "tongban.session";
export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY));
  } catch {
    return null;
  }
}
function saveSession(s) {
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(status, problem, retryAfter = 0) {
    super((problem && problemZh(problem.code)) || `请求未能完成（${status}）`); // never the English detail
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter; // seconds, from Retry-After (0: none)
  }
}

// Call the API; JSON in and out. Problems become ApiError.
// anonymous: never send the staff session's token (the applicant's pages,
// which prove access with the tracking code instead). type: send body as
// it is with this Content-Type (an XML definition, a calendar file).

// 128 random bits as hex. crypto.randomUUID exists only in secure contexts
// (HTTPS, localhost); a phone on the hall's plain-HTTP network has only
// getRandomValues.
export function randomKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A session ends after 30 minutes without a person's request (the
// server's idle timeout). What a page sends by itself — live refreshes,
// polls — must not keep an unattended screen logged in: a request counts
// as a person's when they touched the page (opened it, pressed a key,
// clicked, tapped) within the last minute; any other is sent with
// X-Tongban-Background, which the server does not count as activity.
let touched = Date.now();
for (const ev of ["keydown", "pointerdown", "input"])
  addEventListener(ev, () => (touched = Date.now()), { capture: true, passive: true });
const BACKGROUND_AFTER_MS = 60 * 1000;
const inBackground = () => Date.now() - touched > BACKGROUND_AFTER_MS;

// A change answered 503 (database unreachable or busy, or the outcome of
// its commit unknown) is sent again with the same Idempotency-Key after
// Retry-After (at most 5 s, twice): the key makes it happen exactly once.
const CHANGE_RETRIES = 2;

let stepping = null; /* the password step under way (passwordStep) */

export async function api(method, path, body, { anonymous = false, type = null } = {}) {
  const headers = { Accept: "application/json" };
  const s = anonymous ? null : session();
  if (s && s.token) headers.Authorization = "Bearer " + s.token;
  if (body !== undefined) headers["Content-Type"] = type || "application/json";
  if (method !== "GET") headers["Idempotency-Key"] = randomKey();
  if (inBackground()) headers["X-Tongban-Background"] = "1";
  for (let tries = 0; ; tries++) {
    const r = await fetch(path, {
      method,
      headers,
      body: body === undefined || type ? body : JSON.stringify(body),
    });
    const text = await r.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    // numbers_exhausted lasts until the next day: no point in retrying
    const spent = data && data.code === "numbers_exhausted";
    if (r.status === 503 && method !== "GET" && !spent && tries < CHANGE_RETRIES) {
      const wait = Math.min(Number(r.headers.get("Retry-After")) || 1, 5);
      await sleep(wait * 1000);
      continue;
    }
    if (r.status === 401 && s) {
      saveSession(null);
      location.reload();
    }
    if (r.status === 403 && s && data && data.code === "password_change_required") {
      /* one form however many requests were refused */
      stepping ||= passwordStep(document.querySelector("main") || document.body, s, null).finally(() => (stepping = null));
      await stepping;
      continue; /* the step is taken: the same request again */
    }
    if (!r.ok) throw new ApiError(r.status, data, Number(r.headers.get("Retry-After")) || 0);
    return data;
  }
}

// The fields a problem's errors[] names (a JSON path, a header or a
// query parameter), as a person names them; form.ID is the form field's
// label on the page, materials.ID the material's name there.
const FIELD_NAMES = {
  service: "办理事项",
  applicant: "申请人",
  "applicant.kind": "申请人类型",
  "applicant.name": "申请人姓名或名称",
  "applicant.id_number": "证件号码",
  form: "申请信息",
  materials: "材料",
  tolerated: "容缺材料",
  committed: "告知承诺材料",
  items: "补正材料",
  reason: "理由",
  legal_basis: "法律依据",
  comment: "意见",
  channel: "办理渠道",
  username: "用户名",
  password: "密码",
  current_password: "当前密码",
  new_password: "新密码",
  role: "角色",
  bureau: "部门",
  code: "验证码",
  c: "查询码",
  attachment: "附件",
  file: "文件",
  name_change: "更名确认",
  to: "办理人",
  to_step: "退回的环节",
  position: "加签方式",
};

// The Chinese name of field path `field` (FIELD_NAMES, else the label of
// the page's input data-field=ID or the name of its material
// data-material=ID, else the name of its first part); "" when unknown.
function fieldName(field) {
  const path = String(field || "");
  if (FIELD_NAMES[path]) return FIELD_NAMES[path];
  const [head, ...rest] = path.split(".");
  const id = rest.join(".").replace(/\[\d+\]$/, "");
  const attr = head === "materials" ? "data-material" : "data-field";
  const el = id && typeof CSS !== "undefined" ? document.querySelector(`[${attr}="${CSS.escape(id)}"]`) : null;
  const named = el && (head === "materials" ? el : el.closest("label"));
  const text = named && named.firstChild && named.firstChild.nodeType === Node.TEXT_NODE ? named.firstChild.textContent.trim() : "";
  if (text) return `${FIELD_NAMES[head] || ""}“${text}”`;
  return FIELD_NAMES[head.replace(/\[\d+\]$/, "")] || "";
}

// A problem as one line of Chinese: the registry's Chinese description
// of its code, then each field it names with the description of its own
// code. The server's English detail is never shown (it is for developers
// and the logs); what is not a problem of the API (the network failed)
// says so in Chinese.
export function problemText(e) {
  if (!(e instanceof ApiError)) return e instanceof TypeError ? "网络连接失败，请检查网络后重试" : "操作未能完成，请重试";
  const p = e.problem || {};
  if (p.excluded_until) /* 告知承诺 while excluded: the material and the day */
    return `${problemZh(p.code)}：“${p.material_name || p.material}”须提交，限制期至 ${p.excluded_until}`;
  const fields = (p.errors || []).map((x) => {
    const zh = (x.code !== p.code && problemZh(x.code)) || "";
    const name = fieldName(x.field);
    return name && zh ? `${name}：${zh}` : name || zh;
  }).filter((x) => x);
  // too often (429): the registry's words and how long to wait
  const wait = e.status === 429 && e.retryAfter > 0 ? `（需等待 ${waitText(e.retryAfter)}）` : "";
  return [(problemZh(p.code) || e.message) + wait, ...new Set(fields)].join("；");
}

// A wait in seconds as Chinese: "45 秒", "3 分钟", "2 小时".
export function waitText(seconds) {
  if (seconds < 120) return `${seconds} 秒`;
  if (seconds < 7200) return `${Math.ceil(seconds / 60)} 分钟`;
  return `${Math.ceil(seconds / 3600)} 小时`;
}

let toastTimer = null;
export function toast(text, kind = "info") {
  let t = $("#toast");
  if (!t) {
    t = h("div#toast");
    t.id = "toast";
    document.body.append(t);
  }
  t.className = "toast " + kind;
  t.setAttribute("role", kind === "error" ? "alert" : "status"); /* read out by screen readers */
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.hidden = true), 4000);
}

// Run an action; show its failure as a toast. Returns the result or null.
export async function attempt(fn, okText) {
  try {
    const v = await fn();
    if (okText) toast(okText, "ok");
    return v ?? true;
  } catch (e) {
    toast(problemText(e), "error");
    return null;
  }
}

// The login form for a page; resolves with the session once logged in.
export function requireLogin(container, roles, title) {
  const s = session();
  if (s && roles.includes(s.role)) return Promise.resolve(s);
  return new Promise((resolve) => {
    const user = h("input", { name: "username", autocomplete: "username", required: true });
    const pass = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
    const msg = h("p.error", { role: "alert" });
    const otp = otpField(); // the second factor (totp.js)
    const form = h(
      "form.card.login",
      {
        onsubmit: async (ev) => {
          ev.preventDefault();
          msg.textContent = "";
          try {
            const r = await fetch("/api/v1/sessions", {
              method: "POST",
              headers: { "Content-Type": "application/json" },
              body: JSON.stringify({ username: user.value, password: pass.value, ...otp.body() }),
            });
            const d = await r.json();
            if (!r.ok) {
              otp.ask(d);
              throw new ApiError(r.status, d);
            }
            if (!roles.includes(d.role)) {
              msg.textContent = "该账号不能使用此页面";
              return;
            }
            await enrolIfOwed(form, d);
            const ses = { token: d.token, role: d.role, bureau: d.bureau, username: user.value };
            saveSession(ses);
            form.remove();
            if ((d.pending || []).includes("password_change")) await passwordStep(container, ses, pass.value);
            resolve(ses);
          } catch (e) {
            msg.textContent = problemText(e);
          }
        },
      },
      h("h2", title || "登录"),
      h("label", "用户名", user),
      h("label", "密码", pass),
      otp.label,
      msg,
      h("button.primary", { type: "submit" }, "登录"),
    );
    container.append(form);
    user.focus();
  });
}

// The registry's Chinese text of a problem, without the server's English
// detail (for forms whose fields the person sees).
export function problemZhOnly(e) {
  return (e instanceof ApiError && e.problem && problemZh(e.problem.code)) || problemText(e);
}

// The step of choosing one's own password: an administrator set the
// current one (the log-in answered pending password_change, or a route
// 403 password_change_required). current: the password just typed at the
// log-in, or null to ask for it. Resolves once the server took the new
// password; the session's other log-ins have ended then.
export function passwordStep(container, ses, current) {
  const old = h("input", { name: "current_password", type: "password", autocomplete: "current-password", required: true });
  const pw1 = h("input", { name: "new_password", type: "password", autocomplete: "new-password", required: true });
  const pw2 = h("input", { name: "new_password_again", type: "password", autocomplete: "new-password", required: true });
  const msg = h("p.error", { role: "alert" });
  return new Promise((resolve) => {
    const form = h(
      "form.card.login.password-step",
      {
        onsubmit: async (ev) => {
          ev.preventDefault();
          msg.textContent = "";
          if (pw1.value !== pw2.value) {
            msg.textContent = "两次输入的新密码不一致";
            return;
          }
          try {
            const r = await fetch("/api/v1/sessions/current/password", {
              method: "POST",
              headers: { "Content-Type": "application/json", Authorization: "Bearer " + ses.token },
              body: JSON.stringify({ current_password: current ?? old.value, new_password: pw1.value }),
            });
            const d = await r.json();
            if (!r.ok) throw new ApiError(r.status, d);
            form.remove();
            toast("密码已修改", "ok");
            resolve(ses);
          } catch (e) {
            msg.textContent = problemZhOnly(e);
          }
        },
      },
      h("h2", "请修改密码"),
      h("p.muted", "管理员为本账号设置或重置了密码，请先设置您自己的新密码再继续。新密码至少 8 位，须包含大写字母、小写字母、数字、符号中的至少三类，且不得包含用户名。"),
      current === null ? h("label", "当前密码", old) : null,
      h("label", "新密码", pw1),
      h("label", "再次输入新密码", pw2),
      msg,
      h("button.primary", { type: "submit" }, "修改密码并继续"),
    );
    container.prepend(form);
    (current === null ? old : pw1).focus();
  });
}

export function logoutButton() {
  const s = session();
  if (!s) return null;
  return h(
    "button.link",
    {
      onclick: async () => {
        await fetch("/api/v1/sessions/current", {
          method: "DELETE",
          headers: { Authorization: "Bearer " + s.token },
        }).catch(() => {});
        saveSession(null);
        location.reload();
      },
    },
    verbatim(s.username), "（退出）",
  );
}

// ---- formatting ----------------------------------------------------------------

export function fmtDate(d) {
  if (!d) return "—";
  return String(d).slice(0, 10);
}
export function fmtTime(t) {
  if (!t) return "—";
  const d = new Date(t);
  if (isNaN(d)) return String(t);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
// A license's last valid day: a date, or 长期 for "long-term" (no end).
export function validUntil(v) {
  return v && /^\d/.test(v) ? fmtDate(v) : v ? "长期" : "—";
}
// A value the API stores as a person reads it: 是 / 否 for booleans, —
// for nothing, 长期 for "long-term", lists joined with 、.
export function plainValue(v) {
  if (v === null || v === undefined || v === "") return "—";
  if (typeof v === "boolean") return v ? "是" : "否";
  if (v === "long-term") return "长期";
  if (Array.isArray(v)) return v.length ? v.map(plainValue).join("、") : "—";
  return String(v);
}
export function stateBadge(state) {
  return h("span.badge.state-" + state, STATES[state] || state);
}
export function warnBadge(w) {
  if (!w || w === "none") return null;
  return h("span.badge.warn-" + w, WARNINGS[w] || w);
}
// ---- the live stream -------------------------------------------------------------

// Server-sent events from /api/v1/supervision/stream; onChange(data) for
// every change, onReset() when the client must reload everything. The
// browser reconnects by itself and resumes with Last-Event-ID;
// onStatus(on, ended) when it connects or is cut off (ended: for good,
// the session ended). When the
// session ends (logout elsewhere, expiry, the account disabled or its role
// or bureau changed) the server sends a last "auth" event and closes the
// stream: the page stops listening and asks to log in again (sessionEnded)
// instead of reconnecting with a dead token.
const streams = new Map(); // each open EventSource → its onStatus
const ENDED = {
  revoked: "您已在别处退出登录，或登录已被撤销",
  expired: "登录已过期",
  disabled: "账号已被停用",
  role_changed: "账号的角色或所属部门已变更",
};

// Once: close every stream (its status shows it stopped: onStatus(false,
// true)), forget the session and show why, with a button that reloads
// the page to its login form.
function sessionEnded(reason) {
  for (const [es, onStatus] of streams) {
    es.close();
    if (onStatus) onStatus(false, true);
  }
  streams.clear();
  saveSession(null);
  if ($("#session-ended")) return;
  const again = h("button.primary", { type: "button", onclick: () => location.reload() }, "重新登录");
  const box = h(
    "div.card.session-ended",
    { id: "session-ended", role: "alert" },
    h("h2", "请重新登录"),
    h("p", `${ENDED[reason] || "登录已失效"}，页面已停止实时更新。`),
    again,
  );
  ($("main") || document.body).prepend(box);
  again.focus();
}

export function live(onChange, onReset, onStatus) {
  const s = session();
  if (!s) return null;
  const es = new EventSource(
    "/api/v1/supervision/stream?access_token=" + encodeURIComponent(s.token),
  );
  streams.set(es, onStatus);
  es.addEventListener("auth", (ev) => {
    let d = {};
    try {
      d = JSON.parse(ev.data);
    } catch {
      /* ignore */
    }
    sessionEnded(d.reason);
  });
  es.addEventListener("change", (ev) => {
    let d = {};
    try {
      d = JSON.parse(ev.data);
    } catch {
      /* ignore */
    }
    onChange(d, ev.lastEventId);
  });
  es.addEventListener("reset", () => onReset && onReset());
  es.addEventListener("open", () => onStatus && onStatus(true));
  es.addEventListener("error", () => {
    if (onStatus) onStatus(false);
    // refused when it reconnected (the "auth" event was missed): ask
    // whether the token still holds
    if (es.readyState === EventSource.CLOSED && streams.has(es))
      fetch("/healthz", { headers: { Authorization: "Bearer " + s.token } })
        .then((r) => r.status === 401 && sessionEnded())
        .catch(() => {});
  });
  return es;
}

// Call fn at most once per `ms`, trailing.
export function debounce(fn, ms) {
  let t = null;
  return (...a) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...a), ms);
  };
}

// Bureau codes of workflows/bureaus.xml → names.
export const BUREAUS = {
  ZWFW: "政务服务中心",
  SCJG: "市场监督管理局",
  GA: "公安局",
  SW: "税务局",
  RS: "人力资源和社会保障局",
  GJJ: "住房公积金管理中心",
  ZJ: "住房和城乡建设局",
  WJ: "卫生健康委员会",
  YB: "医疗保障局",
  ZRZY: "自然资源和规划局",
  CG: "城市管理局",
  RF: "人民防空办公室",
};
export const bureauName = (c) => BUREAUS[c] || c || "—";

// The bytes of a staff route (an image, a printable page) as a blob: URL,
// fetched with the session's token; a refusal becomes ApiError.
export async function apiBlob(path) {
  const s = session();
  const r = await fetch(path, { headers: s && s.token ? { Authorization: "Bearer " + s.token } : {} });
  if (!r.ok) throw new ApiError(r.status, await r.json().catch(() => null));
  return URL.createObjectURL(await r.blob());
}
