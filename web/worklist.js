// worklist.js — the bureau officer's queue: open and claimed tasks of the
// bureau, earliest deadline first with yellow / red colours and the
// working days left, each with its step's rule, whom it is for and its
// round (verbs.js), claim (to reserve it: a decision claims by itself),
// and the decision panel (panel.js: the application as people read it,
// materials, other bureaus, history, approve / deny / return and the
// other verbs); then 未轮到, 我已办理 (撤回) and 抄送我的. Refreshed live
// by the event stream (timer warnings too).
import {
  $, STATES, api, attempt, bureauName, clear, debounce, fmtDate, fmtTime, h, live,
  logoutButton, requireLogin, stateBadge, warnBadge,
} from "/web/common.js";
import { provisionalBadge } from "/web/calendar.js";
import { mountBureauFindings } from "/web/alerts.js";
import { decisionPanel } from "/web/panel.js";
import { rectifySection, verifySection } from "/web/rectify.js";
import { officerSpecial, revokeSection } from "/web/actions.js";
import { DECISIONS, copiesSection, doneSection, loadGroupNames, rowTags, waitingSection } from "/web/verbs.js";

const main = $("#main");
const list = h("div", { id: "queue" });
const status = h("span.live", "实时");
const defs = {}; /* the definitions read, by service */
const reading = {}; /* their requests, one a service however many rows */

function definition(id) {
  reading[id] ||= api("GET", "/api/v1/workflows/" + encodeURIComponent(id))
    .then((d) => (defs[id] = d))
    .catch((e) => {
      delete reading[id];
      throw e;
    });
  return reading[id];
}

// The server's colour of the task's deadline (on its holiday calendar).
const warningOf = (t) => t.warning || "none";

// The working days left on the task, as the server counted them.
function leftText(t) {
  const left = t.working_days_left;
  if (left === null || left === undefined) return "";
  return left < 0 ? `（已超期 ${-left} 个工作日）` : `（剩余 ${left} 个工作日）`;
}

async function decidePanel(t) {
  return decisionPanel(await definition(t.service), t, () => refreshAll());
}

// The task's application's special procedure (actions.js), or null.
async function specialPanel(t) {
  const sp = await attempt(async () => officerSpecial(t.number, await definition(t.service)));
  return sp instanceof Node ? sp : null;
}

// Decision panels being fetched (the "办理" button was pressed).
let opening = 0;

// The lines every row of a task shows: its name with the cards, the rule,
// whom it is for and the round, the application and the deadlines (a
// task whose turn has not come has no deadline of its own yet).
function taskHead(t, w) {
  const own = t.state === "waiting"
    ? "轮到后开始计时"
    : [`办理期限 ${fmtDate(t.deadline)}`, provisionalBadge(t.deadline_provisional), leftText(t)];
  return [
    h("div.row", h("span.title", t.name), warnBadge(w), stateBadge(t.application_state)),
    rowTags(t, defs[t.service]),
    h("div", t.number),
    h("div.muted", own, ` · 整体期限 ${fmtDate(t.application_deadline)}`),
  ];
}

// 认领 reserves an open task of the bureau's pool or of a 岗位; a task
// named for an officer (指派给, 委派自) is theirs already.
const mayClaim = (t) => t.state === "open" && !t.delegate_of && (!t.signer_kind || ["pool", "group"].includes(t.signer_kind));

function taskItem(t) {
  const w = warningOf(t);
  const body = h("div.body");
  const claim = async () => {
    /* keepOpen: the live refresh of the claim may have shown the claimed
       task first, and the officer may already be opening it */
    if (await attempt(() => api("POST", `/api/v1/tasks/${t.id}/claim`, {}), "已认领")) refreshAll(true);
  };
  const open = async (ev) => {
    ev.target.disabled = true;
    opening++; /* a live refresh now would drop the panel on the way */
    try {
      const p = await attempt(() => decidePanel(t));
      if (p) clear(body, p, await specialPanel(t));
    } finally {
      opening--;
    }
  };
  return h(
    "div.item.warn-" + w,
    { dataset: { number: t.number, task: t.id, state: t.state } },
    taskHead(t, w),
    h("div.actions",
      mayClaim(t) ? h("button", { onclick: claim, dataset: { act: "claim" } }, "认领") : null,
      h("button.primary", { dataset: { act: "open" }, onclick: open }, "办理")),
    body,
  );
}

// A row of 未轮到 (no button: it opens when its turn comes).
const waitingItem = (t) =>
  h("div.item.waiting", { dataset: { number: t.number, task: t.id, state: t.state } }, taskHead(t, "none"));

// A row of 我已办理: the decision, when, and 撤回 (with its form's host).
const doneItem = (t, back, host) =>
  h("div.item.done", { dataset: { number: t.number, task: t.id, state: t.state } },
    h("div.row", h("span.title", t.name), h("span.badge", DECISIONS[t.decision] || "已办理"), stateBadge(t.application_state)),
    rowTags(t, defs[t.service]),
    h("div", t.number),
    h("div.muted", `办理时间 ${fmtTime(t.decided_at)}`),
    back ? h("div.actions", back) : null,
    host);

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
  const rows = items.map((t) => taskItem(t));
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
  await Promise.all(items.map((t) => definition(t.service))); /* each row's rule */
  if (keepOpen && (opening || $(".decide", list))) return;
  render(items, total, next, s);
}

const waiting = waitingSection();
const done = doneSection(doneItem, () => refreshAll());
const copies = copiesSection();

// The queue, 未轮到, 我已办理 (when open) and 抄送我的 again.
async function refreshAll(keepOpen = false) {
  const b = window.__session.bureau;
  await Promise.all([attempt(() => load(keepOpen)), waiting.refresh(b, waitingItem), done.refresh(b, keepOpen), copies.refresh()]);
}

const s = await requireLogin(main, ["officer"], "部门审批人员登录");
window.__session = s;
$("#who").append(logoutButton());
main.append(h("div.card", h("div.row", h("h2", `${bureauName(s.bureau)} · 待办`), status), list));
main.append(waiting.card, copies.card, done.card);
main.append(h("div.cols", verifySection(), rectifySection())); /* 事后核查, 差评整改 */
main.append(revokeSection()); /* 证照注销 (actions.js) */
mountBureauFindings(main, list);
await loadGroupNames(s.bureau); /* 岗位 names of the rows */
await refreshAll();
const later = debounce(() => {
  if (!opening && !$(".decide", list)) refreshAll(true); /* never wipe an open decision */
}, 150);
live(later, later, (on) => status.classList.toggle("on", on));
void STATES;
