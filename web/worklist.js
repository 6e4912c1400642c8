// worklist.js — the bureau officer's queue: open and claimed tasks of the
// bureau, earliest deadline first with yellow / red colours, claim,
// decide with a comment (approve, deny, return with the items to
// supplement) and, on approval, the data items the task records (branch
// outputs: the newborn's citizen ID at 户口登记). Refreshed live by the
// event stream (timer warnings too).
import {
  $, STATES, api, attempt, bureauName, clear, debounce, fmtDate, h, live,
  logoutButton, requireLogin, stateBadge, toast, warnBadge, workdaysLeft,
} from "/web/common.js";

const main = $("#main");
const list = h("div", { id: "queue" });
const status = h("span.live", "实时");
const defs = {};

async function definition(id) {
  if (!defs[id]) defs[id] = await api("GET", "/api/v1/workflows/" + encodeURIComponent(id));
  return defs[id];
}

function warningOf(t) {
  if (t.warning && t.warning !== "none") return t.warning;
  const left = workdaysLeft(t.deadline);
  if (left === null) return "none";
  if (left < 0) return "red";
  return left <= 1 ? "yellow" : "none";
}

// The task's branch outputs as declared in the definition (labels in
// Chinese), one input each.
function outputsOf(def, t) {
  const b = def.steps.find((x) => x.id === t.branch_id);
  const task = b && b.tasks.find((x) => x.id === t.task_id);
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


// A form value as a person reads it: choices by their labels, yes / no for
// booleans; never the stored code ("true", "male").
function valueText(f, v) {
  const label = (x) => (f && f.choices ? (f.choices.find((c) => c.value === x) || {}).label || x : x);
  if (typeof v === "boolean" || (f && f.type === "boolean")) return v === true || v === "true" ? "是" : "否";
  if (Array.isArray(v)) return v.map(label).join("、");
  return String(label(v));
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

async function decidePanel(t) {
  const def = await definition(t.service);
  const outputs = outputsOf(def, t);
  const outputInputs = outputs.map(outputInput);
  const app = await api("GET", "/api/v1/applications/" + encodeURIComponent(t.number)).catch(() => null);
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
    if (ok) load();
  };
  return h(
    "div.decide",
    app ? h("dl.kv", h("dt", "申请人"), h("dd", app.applicant ? app.applicant.name : "—"),
      Object.entries(app.form || {}).slice(0, 8).map(([k, v]) => {
        const f = def.fields.find((x) => x.id === k);
        return [h("dt", f ? f.label : k), h("dd", valueText(f, v))];
      }),
      // what earlier approvals recorded (the newborn's citizen ID …)
      Object.entries(app.outputs || {}).map(([k, v]) => {
        const o = def.steps.flatMap((b) => b.tasks.flatMap((x) => x.outputs || [])).find((x) => x.id === k);
        return [h("dt", o ? o.label : k), h("dd", { dataset: { output: k } }, valueText(o, v))];
      })) : null,
    outputs.length
      ? h("fieldset.outputs", h("legend", "办理结果（通过时登记）"),
          outputs.map((o, i) => h("label", o.label, o.required ? " *" : "", outputInputs[i])))
      : null,
    h("label", "审批意见", comment),
    h("label", "法律依据（不予许可时）", basis),
    h("details", h("summary", "退回补正的材料（一次性告知）"), h("div.materials", boxes)),
    h("div.actions",
      h("button.ok", { onclick: () => send("approve"), dataset: { act: "approve" } }, "通过"),
      h("button", { onclick: () => send("return"), dataset: { act: "return" } }, "退回补正"),
      h("button.danger", { onclick: () => send("deny"), dataset: { act: "deny" } }, "不予许可")),
  );
}

// Decision panels being fetched (the "办理" button was pressed).
let opening = 0;

function taskItem(t, me) {
  const w = warningOf(t);
  const body = h("div.body");
  const claim = async () => {
    if (await attempt(() => api("POST", `/api/v1/tasks/${t.id}/claim`, {}), "已认领")) load();
  };
  const item = h(
    "div.item.warn-" + w,
    { dataset: { number: t.number, task: t.id, state: t.state } },
    h("div.row", h("span.title", t.name), warnBadge(w), stateBadge(t.application_state)),
    h("div", t.number),
    h("div.muted", `办理期限 ${fmtDate(t.deadline)} · 整体期限 ${fmtDate(t.application_deadline)}`, t.round > 1 ? ` · 第 ${t.round} 轮` : ""),
    t.state === "open"
      ? h("div.actions", h("button.primary", { onclick: claim, dataset: { act: "claim" } }, "认领"))
      : h("div.actions", h("button.primary", {
          dataset: { act: "open" },
          onclick: async (ev) => {
            ev.target.disabled = true;
            opening++; /* a live refresh now would drop the panel on the way */
            try {
              const p = await attempt(() => decidePanel(t));
              if (p) clear(body, p);
            } finally {
              opening--;
            }
          },
        }, "办理")),
    body,
  );
  void me;
  return item;
}

// The queue comes a page at a time, in the server's order (earliest
// deadline first); "加载更多" follows the page's cursor. A live refresh
// reloads from the first page as many tasks as were shown.
const PAGE = 100;
let shown = 0;

async function fetchPage(bureau, after) {
  const q = new URLSearchParams({ bureau, limit: String(PAGE) });
  if (after) q.set("after", after);
  return api("GET", `/api/v1/tasks?${q}`);
}

function render(items, total, next, s) {
  shown = items.length;
  const rows = items.map((t) => taskItem(t, s));
  if (next) {
    const more = h("button", {
      type: "button",
      onclick: () => attempt(async () => {
        more.disabled = true;
        const r = await fetchPage(s.bureau, next);
        render(items.concat(r.items || []), r.total, r.next, s);
      }),
    }, `加载更多（已显示 ${items.length} 项，共 ${total} 项）`);
    rows.push(h("p.more", more));
  }
  clear(list, items.length ? rows : h("p.muted", "暂无待办"));
  list.dataset.count = String(items.length);
  list.dataset.total = String(total);
}

// keepOpen (live refreshes): leave the list alone when a decision panel is
// open or being opened, whether that began before the queue was loading or
// while it was.
async function load(keepOpen = false) {
  const s = window.__session;
  const want = Math.max(shown, 1);
  let items = [], total = 0, next = null;
  do {
    const r = await fetchPage(s.bureau, next);
    items = items.concat(r.items || []);
    total = r.total;
    next = r.next;
  } while (next && items.length < want);
  if (keepOpen && (opening || $(".decide", list))) return;
  render(items, total, next, s);
}

const s = await requireLogin(main, ["officer"], "部门审批人员登录");
window.__session = s;
$("#who").append(logoutButton());
main.append(h("div.card", h("div.row", h("h2", `${bureauName(s.bureau)} · 待办`), status), list));
await attempt(load);
const later = debounce(() => {
  if (!opening && !$(".decide", list)) attempt(() => load(true)); /* never wipe an open decision */
}, 150);
live(later, later, (on) => status.classList.toggle("on", on));
void STATES;
