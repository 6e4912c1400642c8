// alerts.js — electronic supervision's findings (监察预警) on two pages:
// the inspector's dashboard (findings live, counted per bureau and per
// rule, with filters, and the decision 维持 / 撤销 on a red card) and the
// officer's worklist (the bureau's findings, the answer form of a red card
// — 情况说明 or 申诉 with an optional file — and 催办 ×N on each urged
// task). New findings arrive on the event stream without a reload.
import {
  $$, api, attempt, bureauName, clear, debounce, fmtTime, h, live, scrollBox, session, verbatim,
} from "/web/common.js";
import { filePicker } from "/web/materials.js";

const LEVELS = { yellow: "黄牌", red: "红牌" };
const STATES = { open: "待答复", answered: "已答复", upheld: "维持红牌", revoked: "撤销红牌" };
const KINDS = { explanation: "情况说明", appeal: "申诉" };
const DECISIONS = { upheld: "维持", revoked: "撤销" };
const SUPERVISION = /^(alert_|task_urged)/;

const levelBadge = (l) => h("span.badge.warn-" + l, LEVELS[l] || l);

// The file of an answer, fetched with the token into a blob: URL.
async function openFile(f) {
  const s = session();
  const r = await fetch(`/api/v1/supervision/findings/${f.id}/file`, {
    headers: { Authorization: "Bearer " + s.token },
  });
  if (!r.ok) throw new Error("附件读取失败");
  window.open(URL.createObjectURL(await r.blob()), "_blank");
}

function answerBlock(f) {
  const a = f.answer;
  if (!a) return null;
  return h(
    "div.answer",
    { dataset: { answer: a.kind } },
    h("div", h("b", KINDS[a.kind] || a.kind), "（", bureauName(f.bureau), " ", h("span.who", verbatim(a.by || "")), " · ", fmtTime(a.at), "）"),
    h("div", a.text),
    a.file
      ? h("button.link", { type: "button", dataset: { act: "file" }, onclick: () => attempt(() => openFile(f)) },
          "查看附件：", h("span.fname", a.file.name))
      : null,
  );
}

function decisionBlock(f) {
  const d = f.decision;
  if (!d) return null;
  return h(
    "div.ruling",
    { dataset: { decision: d.decision } },
    h("div", h("b", "监察决定：", DECISIONS[d.decision] || d.decision), "（", h("span.who", verbatim(d.by || "")), " · ", fmtTime(d.at), "）"),
    h("div", "理由：", d.reason),
  );
}

// A file input's file as base64 (no data: prefix), or null.
function base64Of(file) {
  if (!file) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ""));
    r.onerror = () => reject(new Error("文件读取失败"));
    r.readAsDataURL(file);
  });
}

// The officer's answer to a red card of its bureau.
function answerForm(f, done) {
  const kind = h("select", { name: "kind" }, h("option", { value: "explanation" }, "情况说明"), h("option", { value: "appeal" }, "申诉"));
  const text = h("textarea", { name: "text", required: true, maxLength: 2000 });
  const picker = filePicker("answer"); /* the browser's control, behind a Chinese button */
  const file = picker.querySelector("input");
  file.multiple = false;
  picker.querySelector(".file-button").textContent = "选择附件（PDF、JPG 或 PNG，可选）";
  return h(
    "form.answer-form",
    {
      onsubmit: async (ev) => {
        ev.preventDefault();
        const chosen = file.files[0];
        const body = { kind: kind.value, text: text.value };
        const content = await attempt(() => base64Of(chosen));
        if (chosen && content) body.attachment = { name: chosen.name, content };
        if (await attempt(() => api("POST", `/api/v1/supervision/findings/${f.id}/answer`, body), "已提交答复")) done();
      },
    },
    h("label", "答复方式", kind),
    h("label", "说明内容", text),
    picker,
    h("div.actions", h("button.primary", { type: "submit" }, "提交答复")),
  );
}

// The inspector's decision on a card.
function decisionForm(f, done) {
  const decision = h("select", { name: "decision" }, h("option", { value: "upheld" }, "维持"), h("option", { value: "revoked" }, "撤销"));
  const reason = h("textarea", { name: "reason", required: true, maxLength: 2000 });
  return h(
    "form.decision-form",
    {
      onsubmit: async (ev) => {
        ev.preventDefault();
        const body = { decision: decision.value, reason: reason.value };
        if (await attempt(() => api("POST", `/api/v1/supervision/findings/${f.id}/decision`, body), "已作出决定")) done();
      },
    },
    h("label", "监察决定", decision),
    h("label", "决定理由", reason),
    h("div.actions", h("button.primary", { type: "submit" }, "作出决定")),
  );
}

function findingItem(f, role, done) {
  const red = f.level === "red";
  const undecided = f.state === "open" || f.state === "answered";
  return h(
    "div.item.finding.warn-" + f.level,
    { dataset: { finding: f.id, rule: f.rule, number: f.number, state: f.state } },
    h("div.row", levelBadge(f.level), h("span.title", f.name || f.rule), h("span.badge.fstate", STATES[f.state] || f.state)),
    h("div", f.number, " · ", f.service_name || f.service, " · ", f.bureau ? bureauName(f.bureau) : "综合窗口",
      f.task ? ` · ${f.task.name}` : "", f.urges ? ` · 催办 ×${f.urges}` : ""),
    h("div.muted", "发现于 ", fmtTime(f.raised_at)),
    answerBlock(f),
    decisionBlock(f),
    role === "officer" && red && f.state === "open" ? answerForm(f, done) : null,
    role === "inspector" && red && undecided ? decisionForm(f, done) : null,
  );
}

function option(value, text) {
  return h("option", { value }, text);
}

// Per bureau: findings by rule, red cards (not revoked), to answer, urges.
function countsTable(c, rules) {
  return h(
    "table",
    h("thead", h("tr", h("th", "部门"), rules.map((r) => h("th.num", r.name)), h("th.num", "红牌（未撤销）"), h("th.num", "待答复"), h("th.num", "催办"))),
    h("tbody", c.bureaus.map((b) =>
      h("tr", { dataset: { bureau: b.bureau || "" } },
        h("td", b.bureau ? bureauName(b.bureau) : "综合窗口"),
        rules.map((r) => h("td.num", String(b.rules[r.id] || 0))),
        h("td.num", String(b.red_cards)), h("td.num", String(b.to_answer)), h("td.num", { dataset: { urges: b.urges } }, String(b.urges))))),
  );
}

// The dashboard's section: filters, counts per bureau and rule, the list.
export function mountFindings(container) {
  const role = session().role;
  const counts = scrollBox("按部门、按规则统计表");
  counts.id = "finding-counts";
  const list = h("div", { id: "findings" });
  const rule = h("select", { name: "rule" }, option("", "全部规则"));
  const level = h("select", { name: "level" }, option("", "全部级别"), option("red", "红牌"), option("yellow", "黄牌"));
  const bureau = h("select", { name: "bureau" }, option("", "全部部门"));
  const state = h("select", { name: "state" }, option("", "全部状态"), Object.entries(STATES).map(([k, v]) => option(k, v)));
  const from = h("input", { type: "date", name: "from" });
  const to = h("input", { type: "date", name: "to" });
  let rules = [];
  const refresh = async () => {
    const q = new URLSearchParams({ limit: "100" });
    for (const el of [rule, level, bureau, state, from, to]) if (el.value) q.set(el.name, el.value);
    const [c, page] = await Promise.all([
      api("GET", "/api/v1/supervision/findings/counts"),
      api("GET", "/api/v1/supervision/findings?" + q),
    ]);
    clear(counts, countsTable(c, rules));
    for (const b of c.bureaus)
      if (b.bureau && !$$("option", bureau).some((o) => o.value === b.bureau)) bureau.append(option(b.bureau, bureauName(b.bureau)));
    clear(list, page.items.length ? page.items.map((f) => findingItem(f, role, () => attempt(refresh))) : h("p.muted", "暂无监察预警"));
    list.dataset.count = String(page.items.length);
  };
  const filters = h("form.row.filters", { onchange: () => attempt(refresh), onsubmit: (ev) => ev.preventDefault() },
    h("label", "规则", rule), h("label", "级别", level), h("label", "部门", bureau), h("label", "状态", state),
    h("label", "发现日期从", from), h("label", "至", to));
  container.append(
    h("div.card", { id: "supervision-findings" }, h("h2", "监察预警与红牌"), filters, h("h3", "按部门、按规则统计"), counts, list),
  );
  attempt(async () => {
    rules = (await api("GET", "/api/v1/supervision/rules")).items;
    for (const r of rules) rule.append(option(r.id, r.name));
    await refresh();
  });
  const later = debounce(() => attempt(refresh), 150);
  live((d) => SUPERVISION.test(d.action || "") && later(), later);
  return { refresh };
}

// The worklist's section: the bureau's findings with the answer form, and
// 催办 ×N with the latest reason on each urged task of the queue.
export function mountBureauFindings(container, queue) {
  const list = h("div", { id: "bureau-findings" });
  let urges = new Map();
  const mark = () => {
    for (const el of $$("[data-task]", queue)) {
      const u = urges.get(Number(el.dataset.task));
      const old = el.querySelector(".urge");
      if (old) old.remove();
      if (u) el.append(h("div.urge", { dataset: { urges: u.urges } }, h("span.badge.warn-yellow", `催办 ×${u.urges}`), ` 最近：${u.reason}（${fmtTime(u.at)}）`));
    }
  };
  const refresh = async () => {
    const [page, u] = await Promise.all([
      api("GET", "/api/v1/supervision/findings?limit=100"),
      api("GET", "/api/v1/supervision/urges"),
    ]);
    urges = new Map(u.items.map((x) => [x.task, x]));
    mark();
    clear(list, page.items.length ? page.items.map((f) => findingItem(f, "officer", () => attempt(refresh))) : h("p.muted", "本部门暂无监察预警"));
    list.dataset.count = String(page.items.length);
  };
  container.append(h("div.card", h("h2", "监察预警与红牌答复"), list));
  new MutationObserver(() => mark()).observe(queue, { childList: true });
  attempt(refresh);
  const later = debounce(() => attempt(refresh), 150);
  live((d) => SUPERVISION.test(d.action || "") && later(), later);
  return { refresh };
}
