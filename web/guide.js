// guide.js — the service guide page /web/guide.html?service=ID (phone
// first): every section of GET /api/v1/workflows/{id}/guide in Chinese —
// the basics (type, code, who may apply, time limits, fees, where, when,
// phones), the legal basis, the conditions, the materials, the steps, the
// bureaus and results, the delivery methods — with 在线申请 (to
// /web/apply.html?service=ID) when the service may be applied for online
// and a link to the guide's PDF (GET /api/v1/workflows/{id}/guide.pdf).
// Without ?service= (or for an unknown one) it lists every service. No
// session is sent: the guide is public.
import { $, ApiError, api, clear, h, problemText } from "/web/common.js";
import { serviceList } from "/web/services.js";

const main = $("#main");
// ?service=ID (the start page's links); ?id=ID as the online application
// page links it
const query = new URLSearchParams(location.search);
const service = query.get("service") || query.get("id");

function card(id, title, ...children) {
  return h("section.card", { id, "aria-labelledby": id + "-title" }, h("h2", { id: id + "-title" }, title), ...children);
}

function kv(rows) {
  return h(
    "dl.kv",
    rows.filter(([, v]) => v !== null && v !== undefined && v !== "").flatMap(([k, v]) => [h("dt", k), h("dd", v)]),
  );
}

const phone = (n) => h("a", { href: "tel:" + n.replace(/[^0-9+]/g, "") }, n);

function feesText(fees) {
  if (!fees) return null;
  if (fees.free) return "不收费";
  return h(
    "ul.plain",
    fees.items.map((f) => h("li", `${f.name}：${f.amount} 元（依据：${f.basis}）`)),
  );
}

function limitsText(l) {
  const promised = l.promised_days === 0 ? "即办（当场办结）" : `${l.promised_days} 个工作日`;
  return [`${l.statutory_days} 个工作日`, promised + (l.immediate && l.promised_days !== 0 ? "（即办件）" : "")];
}

function basics(g) {
  const [statutory, promised] = limitsText(g.limits);
  return card(
    "basics",
    "基本信息",
    kv([
      ["事项类型", g.kind],
      ["实施编码", g.code],
      ["服务对象", g.applicant],
      ["法定办结时限", statutory],
      ["承诺办结时限", promised],
      ["收费标准", feesText(g.fees)],
      ["办理地点", g.where && g.where.address],
      ["办理时间", g.where && g.where.hours],
      ["咨询电话", g.contact && phone(g.contact.consult)],
      ["监督投诉电话", g.contact && phone(g.contact.complain)],
      ["网上办理", g.online ? "可在线申请" : "请到综合窗口办理"],
    ]),
  );
}

function actions(g) {
  const id = encodeURIComponent(g.id);
  return h(
    "div.actions",
    { id: "guide-actions" },
    g.online
      ? h("a.button.primary", { id: "apply", href: "/web/apply.html?service=" + id }, "在线申请")
      : h("p.muted", "本事项暂不支持网上申请，请携带材料到综合窗口办理。"),
    h("a.button", { id: "guide-pdf", href: `/api/v1/workflows/${id}/guide.pdf`, target: "_blank", rel: "noopener" },
      "下载办事指南（PDF）"),
  );
}

function numbered(id, title, items) {
  if (!items || !items.length) return null;
  return card(id, title, h("ol", items.map((t) => h("li", t.text))));
}

function materials(g) {
  if (!g.materials.length) return card("materials", "申请材料", h("p.muted", "无需提交材料"));
  return card(
    "materials",
    "申请材料",
    h(
      "ol.guide-materials",
      g.materials.map((m) =>
        h(
          "li",
          { dataset: { material: m.id } },
          h("b", m.name),
          h("span.badge", m.required ? "必要" : "非必要"),
          m.note ? h("div.muted", m.note) : null,
        ),
      ),
    ),
  );
}

function steps(g) {
  return card(
    "steps",
    "办理流程",
    h(
      "ol.guide-steps",
      g.steps.map((s) => h("li", h("b", s.name), s.detail ? h("div", s.detail) : null)),
    ),
  );
}

function bureausAndResults(g) {
  return card(
    "bureaus",
    "实施部门与办理结果",
    kv([
      ["审批部门", g.bureaus.map((b) => b.name).join("、")],
      ["办理结果", g.results.length ? g.results.map((r) => `${r.name}（${r.bureau}）`).join("、") : "办理结果通知"],
    ]),
  );
}

function delivery(g) {
  return card(
    "delivery",
    "送达方式",
    h(
      "ul.plain",
      g.delivery.map((d) => h("li", { dataset: { kind: d.kind } }, h("b", d.name), d.detail ? "：" + d.detail : "")),
    ),
  );
}

function render(g) {
  document.title = `${g.name} · 办事指南 · 通办`;
  clear(
    main,
    h("div.card.guide-head", h("h2", { id: "service-name" }, g.name), h("p.muted", "办事指南"), actions(g)),
    basics(g),
    numbered("basis", "设定依据", g.legal_basis),
    numbered("conditions", "受理条件", g.conditions),
    materials(g),
    steps(g),
    bureausAndResults(g),
    delivery(g),
  );
}

async function start() {
  if (!service) {
    clear(main, serviceList());
    return;
  }
  try {
    render(await api("GET", `/api/v1/workflows/${encodeURIComponent(service)}/guide`, undefined, { anonymous: true }));
  } catch (e) {
    const missing = e instanceof ApiError && e.status === 404;
    clear(
      main,
      h("p.error", { role: "alert" }, missing ? "未找到该事项，请从下面的列表中选择。" : "办事指南加载失败：" + problemText(e)),
      serviceList(),
    );
  }
}

start();
