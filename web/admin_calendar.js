// admin_calendar.js — the administrator's working-day calendar (工作日历)
// on web/admin.html: where the calendar came from and what it covers, the
// loaded years (GET /api/v1/calendar), a year as a month grid (holidays
// red 休, 调休 working days marked 班, weekends grey), and a new year's
// file: checked first (POST /api/v1/calendar/check: its problems by line,
// or its days in the grid), then loaded (POST /api/v1/calendar, exactly
// as `tongban calendar load`) with the count of recomputed deadlines.
import { api, clear, fmtTime, h, problemZhOnly, scrollBox, toast } from "/web/common.js";
import { checkFile, filePicker, showProblems } from "/web/admin_check.js";

const SOURCES = { shipped: "国务院办公厅通知（系统内置）", administrator: "管理员加载" };
const WEEK = ["一", "二", "三", "四", "五", "六", "日"];

// One month as a table, Monday first. kinds: "YYYY-MM-DD" → holiday | workday.
function month(year, m, kinds) {
  const first = new Date(Date.UTC(year, m, 1));
  const days = new Date(Date.UTC(year, m + 1, 0)).getUTCDate();
  const lead = (first.getUTCDay() + 6) % 7;
  const cells = [];
  for (let i = 0; i < lead; i++) cells.push(h("td.blank"));
  for (let d = 1; d <= days; d++) {
    const iso = `${year}-${String(m + 1).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
    const weekend = (lead + d - 1) % 7 >= 5;
    const kind = kinds.get(iso);
    const cls = kind === "holiday" ? "holiday" : kind === "workday" ? "adjusted" : weekend ? "weekend" : "plain";
    const title = kind === "holiday" ? "法定节假日，放假" : kind === "workday" ? "调休上班" : weekend ? "周末" : "工作日";
    cells.push(h(`td.${cls}`, { title: `${iso} ${title}`, dataset: { day: iso } },
      h("span.d", String(d)), kind ? h("span.mark", kind === "holiday" ? "休" : "班") : null));
  }
  while (cells.length % 7) cells.push(h("td.blank"));
  const rows = [];
  for (let i = 0; i < cells.length; i += 7) rows.push(h("tr", cells.slice(i, i + 7)));
  return h("table.month", h("caption", `${m + 1}月`),
    h("thead", h("tr", WEEK.map((w) => h("th", { scope: "col" }, w)))), h("tbody", rows));
}

// A year's twelve months with a legend.
export function yearGrid(year, holidays, workdays) {
  const kinds = new Map();
  for (const d of holidays) kinds.set(d, "holiday");
  for (const d of workdays) kinds.set(d, "workday");
  return h("div.year", { dataset: { year: String(year) } },
    h("h3", `${year}年 · 法定节假日 ${holidays.length} 天，调休上班 ${workdays.length} 天`),
    h("p.legend",
      h("span.key.holiday", "休"), " 法定节假日　", h("span.key.adjusted", "班"), " 调休上班　",
      h("span.key.weekend", "六"), " 周末"),
    h("div.months", Array.from({ length: 12 }, (_, m) => month(year, m, kinds))));
}

// The years a check's days fall in, each with its own days.
function byYear(holidays, workdays) {
  const years = new Map();
  const add = (d, k) => {
    const y = Number(d.slice(0, 4));
    if (!years.has(y)) years.set(y, { holidays: [], workdays: [] });
    years.get(y)[k].push(d);
  };
  holidays.forEach((d) => add(d, "holidays"));
  workdays.forEach((d) => add(d, "workdays"));
  return [...years.entries()].sort((a, b) => a[0] - b[0]);
}

export function calendarSection() {
  const summary = h("p", { id: "cal-summary" });
  const years = h("div", { id: "cal-years" });
  const grid = h("div", { id: "cal-grid" });
  const file = filePicker("cal-file", ".txt,text/plain", "节假日安排文件（.txt）");
  const result = h("div", { id: "cal-check", "aria-live": "polite" });
  let current = null; /* the year shown */

  function show(y) {
    current = y.year;
    clear(grid, yearGrid(y.year, y.holidays, y.workdays));
    for (const b of years.querySelectorAll("tr[data-year]"))
      b.classList.toggle("selected", b.dataset.year === String(y.year));
  }

  async function load(pick) {
    const c = await api("GET", "/api/v1/calendar");
    summary.textContent = c.source
      ? `当前日历来源：${SOURCES[c.source] || c.source}；已覆盖至 ${c.covered_until}，此后的期限为暂定期限。`
      : "尚未加载任何节假日安排：所有期限均按周一至周五推算，为暂定期限。";
    const heads = ["年份", "法定节假日", "调休上班", "来源", "文件", "加载时间", "操作"];
    clear(years, c.years.length ? scrollBox("已加载的年份", h("table",
      h("thead", h("tr", heads.map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", c.years.map((y) => h("tr", { dataset: { year: String(y.year) } },
        h("td", `${y.year}年`), h("td", `${y.holidays.length} 天`), h("td", `${y.workdays.length} 天`),
        h("td", SOURCES[y.source] || "未记录"), h("td", y.file || "—"), h("td", fmtTime(y.loaded_at)),
        h("td", h("button", { type: "button", dataset: { act: "show" }, onclick: () => show(y) }, "查看日历")))))))
      : h("p.muted", "没有已加载的年份。"));
    const want = pick ?? current ?? Math.max(...c.years.map((y) => y.year), 0);
    const y = c.years.find((x) => x.year === want) || c.years[c.years.length - 1];
    if (y) show(y);
    else clear(grid);
  }

  async function submit(up, source) {
    const q = "?name=" + encodeURIComponent(up.name.slice(0, 100));
    try {
      const r = await api("POST", "/api/v1/calendar" + q, up.text, { type: "text/plain; charset=utf-8" });
      const rc = r.recomputed;
      clear(result, h("p.done", { id: "cal-loaded", role: "status" },
        `已载入“${up.name}”的 ${r.days} 个日期，日历覆盖至 ${r.covered_until}。`,
        `已重新计算 ${rc.open} 件在办件的期限，其中 ${rc.moved} 件期限有变化。`));
      toast(`节假日安排已载入，${rc.moved} 件期限有变化`, "ok");
      file.name.textContent = "未选择文件";
      const first = byYear(up.holidays, up.workdays)[0];
      await load(first ? first[0] : null);
    } catch (e) {
      showProblems(result, e, source);
    }
  }

  const check = () => checkFile(file, result, "上传的节假日安排文件", async (up, source) => {
    const r = await api("POST", "/api/v1/calendar/check", up.text, { type: "text/plain; charset=utf-8" });
    up.holidays = r.holidays;
    up.workdays = r.workdays;
    const loadBtn = h("button.primary", { type: "button", id: "cal-load", onclick: () => submit(up, source) }, "载入此日历");
    clear(result,
      h("p.ok-text", { role: "status" }, `检查通过：“${up.name}”共 ${r.days} 个日期（覆盖至 ${r.covers_until}）。确认无误后载入，在办件的期限将按新日历重新计算。`),
      h("div.actions", loadBtn),
      byYear(r.holidays, r.workdays).map(([y, d]) => yearGrid(y, d.holidays, d.workdays)));
  });
  file.input.addEventListener("change", () => check().catch((e) => toast(problemZhOnly(e), "error")));

  const section = h("section", { id: "calendar", "aria-labelledby": "cal-title" },
    h("div.card", h("h2", { id: "cal-title" }, "工作日历"), summary, years),
    h("div.card", grid),
    h("div.card",
      h("h2", "加载新一年的节假日安排"),
      h("p.muted", "按国务院办公厅发布的节假日安排编写文本文件：每行一个日期，“", h("code", { translate: "no" }, "YYYY-MM-DD holiday"), " 说明”表示放假的工作日，“",
        h("code", { translate: "no" }, "YYYY-MM-DD workday"), " 调休上班”表示上班的周末；以 # 开头的行为注释。选择文件后先检查，检查通过才能载入；载入后所有在办件的期限按新日历重新计算。"), // the file's own words stay as they are
      file.node,
      result));
  section.load = () => load(null);
  return section;
}
