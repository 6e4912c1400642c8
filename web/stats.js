// stats.js — the statistics section of the supervision dashboard (电子监察,
// issue 15 §7): per bureau, service or window over a range of acceptance
// or completion dates, as two charts drawn here in inline SVG (the
// on-time rate, and the average and 90th-percentile working days) and a
// table; 导出CSV downloads the same numbers from the server as a file.
// mountStats(container) fills the container and loads the last 30 days.
import { api, attempt, bureauName, clear, h, scrollBox, session } from "/web/common.js";

const SVG = "http://www.w3.org/2000/svg";
const BY = { bureau: "部门", service: "事项", window: "窗口" };
const BASIS = { accepted: "按受理日期", completed: "按办结日期" };
const COLUMNS = [
  ["applications", "申请件数"], ["completed", "办结件数"], ["on_time", "按时办结"],
  ["on_time_rate", "按时办结率", "rate"], ["average_days", "平均用时（工作日）", "days"],
  ["p90_days", "90%办件用时（工作日）", "days"], ["returns", "退回次数"], ["denials", "不予许可"],
  ["red_cards", "红牌"], ["rated", "评价数"], ["satisfaction_rate", "满意率", "rate"],
  ["bad", "差评"], ["bad_fixed_on_time", "差评按时整改"],
];
const GRADES = ["非常不满意", "不满意", "基本满意", "满意", "非常满意"];

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children.flat()) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const pct = (x) => (x === null || x === undefined ? "—" : (x * 100).toFixed(1) + "%");
const days = (x) => (x === null || x === undefined ? "—" : Number(x).toFixed(1));

// The name a person reads for a row.
function label(by, row) {
  if (by === "bureau") return row.name && row.name !== row.key ? row.name : bureauName(row.key);
  if (by === "window" && !row.name) return row.key === "channel:online" ? "网上申请（未记录受理人）" : "窗口（未记录受理人）";
  return row.name || row.key;
}

const isoDay = (d) => new Date(d.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10);

// Horizontal bars: one group of bars per row; series [{field, name,
// color, fmt}]; max the value of a full bar.
function barChart(title, rows, by, series, max) {
  const rowH = 18 * series.length + 10, left = 190, width = 640, barW = width - left - 70;
  const height = 28 + rows.length * rowH + 8;
  const svg = s("svg", {
    viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": title, class: "chart",
    style: "max-width: 100%; height: auto; display: block;",
  },
    s("title", {}, title));
  series.forEach((se, i) => {
    svg.append(s("rect", { x: left + i * 150, y: 6, width: 12, height: 12, fill: se.color }),
      s("text", { x: left + i * 150 + 18, y: 16, "font-size": 12, fill: "#222" }, se.name));
  });
  rows.forEach((row, r) => {
    const y = 28 + r * rowH;
    svg.append(s("text", { x: left - 8, y: y + rowH / 2 + 4, "font-size": 12, "text-anchor": "end", fill: "#222" }, label(by, row)));
    series.forEach((se, i) => {
      const v = row[se.field];
      const w = v === null || v === undefined || !max ? 0 : Math.max(1, (v / max) * barW);
      const by0 = y + i * 18;
      svg.append(s("rect", { x: left, y: by0, width: w, height: 14, fill: se.color, "data-value": v ?? "" }),
        s("text", { x: left + w + 6, y: by0 + 11, "font-size": 11, fill: "#222" }, se.fmt(v)));
    });
  });
  return svg;
}

function table(by, rows) {
  return scrollBox("办件统计表", h("table", { id: "stats-table" },
    h("thead", h("tr", h("th", BY[by]), COLUMNS.map(([, t]) => h("th.num", t)), h("th", "评价分布"))),
    h("tbody", rows.map((row) => h("tr", { dataset: { key: row.key } },
      h("td", label(by, row)),
      COLUMNS.map(([f, , kind]) => h("td.num", { dataset: { field: f } },
        kind === "rate" ? pct(row[f]) : kind === "days" ? days(row[f]) : String(row[f] ?? 0))),
      h("td", row.rated ? GRADES.map((g, i) => `${g} ${row["grade_" + (i + 1)]}`).join("，") : "—"))))));
}

// The CSV from the server (it needs the session's token, so not a plain
// link), saved under the name the server gives it.
async function downloadCsv(query) {
  const r = await fetch("/api/v1/supervision/statistics?" + query + "&format=csv", {
    headers: { Authorization: "Bearer " + (session() || {}).token, Accept: "text/csv" },
  });
  if (!r.ok) throw new Error("导出失败（" + r.status + "）");
  const disposition = r.headers.get("Content-Disposition") || "";
  const m = /filename\*=UTF-8''([^;]+)/.exec(disposition);
  const a = h("a", { href: URL.createObjectURL(await r.blob()), download: m ? decodeURIComponent(m[1]) : "办件统计.csv" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

export function mountStats(container) {
  const today = new Date();
  const by = h("select", { id: "stats-by" }, Object.entries(BY).map(([v, t]) => h("option", { value: v }, "按" + t)));
  const basis = h("select", { id: "stats-basis" }, Object.entries(BASIS).map(([v, t]) => h("option", { value: v }, t)));
  const from = h("input", { id: "stats-from", type: "date", value: isoDay(new Date(today.getTime() - 29 * 86400 * 1000)) });
  const to = h("input", { id: "stats-to", type: "date", value: isoDay(today) });
  const charts = h("div", { id: "stats-charts" });
  const result = h("div", { id: "stats-result" });
  const query = () => new URLSearchParams({ by: by.value, basis: basis.value, from: from.value, to: to.value }).toString();
  async function load() {
    const data = await api("GET", "/api/v1/supervision/statistics?" + query());
    const rows = data.items;
    result.dataset.rows = String(rows.length);
    if (!rows.length) {
      clear(charts);
      clear(result, h("p.muted", "所选期间没有办件"));
      return;
    }
    const maxDays = Math.max(...rows.map((r) => Number(r.p90_days || 0)), 0.1);
    clear(charts,
      barChart(`按时办结率（按${BY[data.by]}）`, rows, data.by,
        [{ field: "on_time_rate", name: "按时办结率", color: "#1f6f43", fmt: pct }], 1),
      barChart(`办件用时（工作日，按${BY[data.by]}）`, rows, data.by, [
        { field: "average_days", name: "平均用时", color: "#1f4e8c", fmt: days },
        { field: "p90_days", name: "90%办件用时", color: "#b5651d", fmt: days },
      ], maxDays));
    clear(result, table(data.by, rows));
  }
  container.append(
    h("div.row",
      h("label", "分组", by), h("label", "统计口径", basis),
      h("label", "起始日期", from), h("label", "截止日期", to),
      h("button.primary", { id: "stats-load", onclick: () => attempt(load) }, "查询"),
      h("button", { id: "stats-csv", onclick: () => attempt(() => downloadCsv(query())) }, "导出CSV")),
    h("p.muted", "用时按工作日计算（含小数）：每个工作日按其24小时中所占的时长折算，节假日与周末不计，调休上班日计入。"),
    charts, result);
  for (const el of [by, basis]) el.addEventListener("change", () => attempt(load));
  return attempt(load);
}
