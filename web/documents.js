// documents.js — the documents of an application (受理通知书 … 出件回执) as
// the pages offer them: GET /api/v1/applications/{number}/documents lists
// what the application has now, each one a PDF rendered by the server.
// Staff (the window) print them: a button per document fetches the PDF
// with the session's token and opens it in a new tab (a blob: URL, since
// a link cannot carry the token). The applicant (the tracking page) gets
// plain links carrying the tracking code.
import { ApiError, api, clear, h, problemText, session, toast } from "/web/common.js";

const path = (number) => `/api/v1/applications/${encodeURIComponent(number)}/documents`;

// The PDF of one document, fetched with the token, opened in a new tab.
async function openPdf(doc) {
  const tab = window.open("", "_blank"); // opened by the click itself: no pop-up blocker
  try {
    const r = await fetch(doc.url, { headers: { Authorization: "Bearer " + session().token } });
    if (!r.ok) {
      let p = {};
      try {
        p = await r.json();
      } catch {
        p = {};
      }
      throw new ApiError(r.status, p);
    }
    const url = URL.createObjectURL(await r.blob());
    if (tab) tab.location.href = url;
    else window.open(url, "_blank");
  } catch (e) {
    tab?.close();
    toast(problemText(e), "error");
  }
}

// The window's print buttons, one per document the application has, in
// `box` (redrawn).
export async function documentButtons(box, number) {
  let list;
  try {
    list = await api("GET", path(number));
  } catch (e) {
    clear(box, h("p.muted", "文书列表读取失败：", problemText(e)));
    return;
  }
  if (!list.documents.length) return clear(box, h("p.muted", "暂无可打印的文书"));
  clear(box, h("div.actions", list.documents.map((d) =>
    h("button", { dataset: { document: d.kind }, title: d.reason, onclick: () => openPdf(d) }, "打印", d.title))));
}

// The applicant's documents as links (the tracking code in each), in a
// card; null while there are none.
export async function documentLinks(number, code) {
  let list;
  try {
    list = await api("GET", `${path(number)}?code=${encodeURIComponent(code)}`, undefined, { anonymous: true });
  } catch {
    return null; // the tracking view itself says what is wrong
  }
  if (!list.documents.length) return null;
  return h("div.card", { id: "documents" },
    h("h2", "办事文书"),
    h("p.muted", "点击下载或打印（PDF）"),
    h("ul.documents", list.documents.map((d) =>
      h("li", h("a", { href: d.url, target: "_blank", rel: "noopener", dataset: { document: d.kind } }, d.title),
        h("span.muted", "（", d.reason, "）")))));
}
