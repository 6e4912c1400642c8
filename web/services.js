// services.js — the list of services, each linking its guide
// (/web/guide.html?service=ID), fetched from GET /api/v1/workflows without
// a session: the start page shows it, and the guide page when no service
// is named.
import { api, h, problemText } from "/web/common.js";

// A <section> that fills itself with the services once they arrive.
export function serviceList(title = "办事指南") {
  const list = h("nav.links", { id: "services", "aria-label": title }, h("p.muted", "正在加载事项…"));
  const section = h("section", { "aria-labelledby": "services-title" }, h("h2", { id: "services-title" }, title), list);
  api("GET", "/api/v1/workflows", undefined, { anonymous: true })
    .then((d) => {
      const items = (d.items || []).slice().sort((a, b) => a.name.localeCompare(b.name, "zh-CN"));
      list.replaceChildren(
        ...items.map((s) =>
          h(
            "a",
            { href: "/web/guide.html?service=" + encodeURIComponent(s.id), dataset: { service: s.id } },
            h("b", s.name),
            h("span.muted", "查看办事指南：申请条件、所需材料、办理流程、时限与收费"),
          ),
        ),
      );
      if (!items.length) list.replaceChildren(h("p.muted", "暂无可办理的事项"));
    })
    .catch((e) => list.replaceChildren(h("p.error", { role: "alert" }, "事项列表加载失败：" + problemText(e))));
  return section;
}
