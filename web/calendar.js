// calendar.js — the holiday calendar kept honest on the pages (issue 15
// §1): the 暂定 badge of a deadline that lies past the loaded State Council
// schedules (the API's deadline_provisional), and the supervision page's
// warning counting the open ones (GET /api/v1/supervision/overview,
// "calendar"). Every word a person reads here is Chinese.
import { fmtDate, h } from "/web/common.js";

export const PROVISIONAL_TITLE =
  "节假日安排尚未公布：此期限暂按周一至周五推算，为暂定期限；公布并加载后将重新计算";

// The 暂定 badge, or null when the deadline is exact.
export function provisionalBadge(provisional) {
  if (!provisional) return null;
  return h("span.badge.provisional", { title: PROVISIONAL_TITLE, dataset: { provisional: "1" } }, "暂定");
}

// The supervision page's warning about provisional deadlines, or null.
export function calendarWarning(cal) {
  if (!cal || !cal.provisional) return null;
  const text = cal.covered_until
    ? `${cal.provisional} 个期限超出已加载的节假日安排（至 ${fmtDate(cal.covered_until)}），为暂定期限`
    : `尚未加载节假日安排：${cal.provisional} 个期限为暂定期限`;
  return h("p.calendar-warning", { id: "calendar-warning", role: "status", title: PROVISIONAL_TITLE }, text);
}
