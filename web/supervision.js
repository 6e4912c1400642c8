// supervision.js — the inspector's dashboard (电子监察): live counts by
// state, the yellow and red lists, the statistics (stats.js), and the
// audit trail of one application, and the days whose application numbers
// ran out (intake refused 503: issue 17 §1). Every change arrives on the
// server-sent event stream and refreshes the numbers without a reload.
import {
  $, ACTIONS, STATES, api, attempt, bureauName, clear, debounce, fmtDate,
  fmtTime, h, live, logoutButton, requireLogin, roleName, stateBadge, verbatim, warnBadge,
} from "/web/common.js";
import { verbDetail } from "/web/verbs.js";
import { calendarWarning, provisionalBadge } from "/web/calendar.js";
import { reviewSection } from "/web/rectify.js";
import { mountStats } from "/web/stats.js";
import { mountFindings } from "/web/alerts.js";

const main = $("#main");
const counts = h("div.counts", { id: "counts" });
const yellow = h("div", { id: "yellow" });
const red = h("div", { id: "red" });
const stats = h("div", { id: "stats" });
const feed = h("ol.timeline", { id: "feed" });
const trail = h("div", { id: "trail" });
const status = h("span.live", { id: "live" }, "实时连接中");
const updated = h("span.muted", { id: "updated" });
const calendarBox = h("div", { id: "calendar" });
const intakeBox = h("div", { id: "intake-alerts" });

// The days of the last week whose pool of application numbers was spent:
// intake answered 503 until the next day.
function renderIntakeAlerts(items, today) {
  const since = new Date(Date.parse(today) - 7 * 86400000).toISOString().slice(0, 10);
  const recent = items.filter((a) => a.day >= since);
  intakeBox.dataset.count = String(recent.length);
  clear(intakeBox, recent.map((a) =>
    h("div.item.warn-red", { dataset: { day: a.day, pool: a.pool } },
      h("b", "受理编号已用尽"),
      h("div", `区划 ${a.region} · ${fmtDate(a.day)} · ${a.pool === "public" ? "网上申请（未登录）" : "窗口及工作人员受理"}编号已全部用完，`,
        `已拒绝 ${a.refused} 件申请（首次 ${fmtTime(a.first_at)}，最近 ${fmtTime(a.last_at)}），次日自动恢复。请通知系统管理员核查。`))));
}

function countCard(label, n, cls = "") {
  return h("div.count" + (cls ? "." + cls : ""), h("span.muted", label), h("b", String(n ?? 0)));
}

function renderOverview(o) {
  const c = o.counts || {};
  clear(
    counts,
    countCard("红牌超期", o.warnings.red, "red"),
    countCard("黄牌预警", o.warnings.yellow, "yellow"),
    Object.keys(STATES).filter((s) => c[s]).map((s) => countCard(STATES[s], c[s])),
  );
  counts.dataset.total = String(Object.values(c).reduce((a, b) => a + b, 0));
  clear(calendarBox, calendarWarning(o.calendar));
  updated.textContent = "更新于 " + fmtTime(o.at);
}

function alertItem(a) {
  return h(
    "div.item.warn-" + a.level,
    { dataset: { number: a.number } },
    h("div.row", h("button.link.title", { onclick: () => showTrail(a.number) }, a.number), warnBadge(a.level), stateBadge(a.state)),
    h("div", a.service_name || a.service, " · 期限 ", fmtDate(a.deadline), provisionalBadge(a.deadline_provisional)),
    (a.tasks || []).map((t) => h("div.muted", bureauName(t.bureau), " · ", t.task, " · 期限 ", fmtDate(t.deadline), provisionalBadge(t.deadline_provisional), " ", warnBadge(t.warning))),
  );
}

async function refresh() {
  const [o, y, r, ia] = await Promise.all([
    api("GET", "/api/v1/supervision/overview"),
    api("GET", "/api/v1/supervision/alerts?level=yellow"),
    api("GET", "/api/v1/supervision/alerts?level=red"),
    api("GET", "/api/v1/supervision/intake-alerts"),
  ]);
  renderOverview(o);
  renderIntakeAlerts(ia.items, o.today);
  clear(yellow, y.items.length ? y.items.map(alertItem) : h("p.muted", "无黄牌预警"));
  clear(red, r.items.length ? r.items.map(alertItem) : h("p.muted", "无红牌超期"));
  yellow.dataset.count = String(y.items.length);
  red.dataset.count = String(r.items.length);
}

async function showTrail(number) {
  const evs = await attempt(() => api("GET", `/api/v1/applications/${encodeURIComponent(number)}/events`));
  if (!evs) return;
  const items = evs.events || evs.items || [];
  clear(
    trail,
    h("h3", "审计轨迹 ", number),
    h("ol.timeline", items.map((e) =>
      h("li", { dataset: { seq: e.seq } },
        h("div", `#${e.seq} `, ACTIONS[e.action] || e.action, " · ", verbatim(e.actor || ""), e.role ? `（${roleName(e.role)}${e.bureau ? " " + bureauName(e.bureau) : ""}）` : ""),
        h("div.muted", fmtTime(e.at)),
        verbDetail(e)?.length ? h("div.verb", verbDetail(e)) : null,
        e.payload && typeof e.payload === "object" && (e.payload.comment || e.payload.reason) ? h("div", "意见：", e.payload.comment || e.payload.reason) : null))),
  );
  trail.scrollIntoView({ behavior: "smooth", block: "nearest" });
}

const session = await requireLogin(main, ["inspector"], "监察人员登录");
$("#who").append(logoutButton());
main.append(
  h("div.card", h("div.row", h("h2", "实时办件"), status, updated), calendarBox, intakeBox, counts),
  h("div.cols", h("div.card", h("h2", "红牌超期"), red), h("div.card", h("h2", "黄牌预警"), yellow)),
  h("div.card", h("h2", "办件统计"), stats),
  h("div.cols", h("div.card", h("h2", "实时动态"), feed), h("div.card", h("h2", "审计轨迹"), trail, h("p.muted", "点击办件编号查看完整审计轨迹"))),
);
main.append(reviewSection()); /* 差评整改: close or reopen */
void session;
mountFindings(main);
await attempt(refresh);
mountStats(stats);
const later = debounce(() => attempt(refresh).then(() => counts.classList.add("flash")), 120);
live(
  (d) => {
    counts.classList.remove("flash");
    feed.prepend(
      h("li", { dataset: { number: d.number } },
        h("div", h("button.link", { onclick: () => showTrail(d.number) }, d.number), " ", ACTIONS[d.action] || d.action, " → ", STATES[d.status] || d.status, " ", warnBadge(d.warning)),
        h("div.muted", fmtTime(new Date()))),
    );
    while (feed.children.length > 50) feed.lastChild.remove();
    later();
  },
  later,
  (on, ended) => {
    status.classList.toggle("on", on);
    status.textContent = on ? "实时连接" : ended ? "实时连接已停止" : "重新连接中…";
  },
);
