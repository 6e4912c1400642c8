// verify.js — the verification page (anyone): paste a license QR payload
// or open /v?p=PAYLOAD → POST /api/v1/licenses/verify → the verdict and
// the license data, and whether revocation was checked (the server checks
// it live; when it could not, the page says that the verdict is
// incomplete).
import { $, ApiError, api, clear, h, plainValue, problemText } from "/web/common.js";

const REASONS = {
  bad_signature: "签名无效（内容被篡改或伪造）",
  unknown_key: "签发证书不在信任列表中",
  malformed: "二维码内容格式错误",
  expired: "证照已过有效期",
  not_yet_valid: "证照尚未生效",
  revoked: "证照已被注销",
  issuer_not_authorized: "签发机关无权签发此类证照",
  wrong_issuer: "签发证书与证照所载发证机关不符",
  untrusted_key: "签发证书不受信任或已失效",
  bad_version: "不支持的二维码版本",
  revocation_unknown: "暂时无法核对注销状态，请稍后重试",
};

const LABELS = {
  id: "证照编号",
  type: "证照类型",
  name: "名称",
  holder: "持证主体",
  issuer: "发证机关",
  bureau: "发证机关",
  issued_at: "发证日期",
  issued_on: "发证日期",
  valid_from: "有效期起",
  valid_until: "有效期至",
  data: "证照信息",
  items: "证照信息",
  application: "来源办件",
  number: "证件号码",
  issued: "发证日期",
  code: "代码",
  credit_code: "统一社会信用代码",
};

// The license's data items are [label, value] pairs: shown as a list.
const isPairs = (v) => Array.isArray(v) && v.length > 0 && v.every((x) => Array.isArray(x) && x.length === 2);

function value(v) {
  if (isPairs(v)) return h("dl.kv", v.map(([k, x]) => [h("dt", String(k)), h("dd", value(x))]));
  if (Array.isArray(v)) return v.map(value).join("、");
  if (v && typeof v === "object") {
    return h(
      "dl.kv",
      Object.entries(v).map(([k, x]) => [h("dt", LABELS[k] || k), h("dd", value(x))]),
    );
  }
  return plainValue(v); // 是/否, —, 长期
}

// What the verdict says about revocation, in words: checked live now, or
// not checked (then the verdict is incomplete and the person is told so).
function revocationNote(v) {
  if (!v.license) return null;
  if (!v.revocation_checked) {
    return h(
      "p.note-warn",
      { id: "revocation", dataset: { checked: "false" } },
      "注意：本次未能核对该证照是否已被注销，核验结果不完整。请稍后重试，或向发证机关核实。",
    );
  }
  const at = new Date().toLocaleString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" });
  return h(
    "p.muted",
    { id: "revocation", dataset: { checked: "true" } },
    `注销状态已于 ${at}（北京时间）在线核对${v.revoked ? "：该证照已被注销" : "：未被注销"}。`,
  );
}

async function verify(payload, out) {
  clear(out, h("p.muted", "正在核验…"));
  try {
    const v = await api("POST", "/api/v1/licenses/verify", { payload: payload.trim() });
    const reasons = (v.reasons || []).map((r) => REASONS[r] || r);
    const unchecked = v.valid && !v.revocation_checked;
    clear(
      out,
      h(
        "div.verdict." + (unchecked ? "unchecked" : v.valid ? "valid" : "invalid"),
        { id: "verdict", dataset: { valid: String(!!v.valid), revocationChecked: String(!!v.revocation_checked) } },
        unchecked
          ? "⚠ 签名有效，但未核对注销状态"
          : v.valid
            ? "✔ 有效：证照真实有效，未被注销"
            : "✘ 无效：" + (reasons.join("；") || "核验未通过"),
      ),
      revocationNote(v),
      v.license ? h("div.card", h("h3", "证照内容"), value(v.license)) : null,
    );
  } catch (e) {
    const p = e instanceof ApiError ? e.problem : null;
    clear(
      out,
      h("div.verdict.invalid", { id: "verdict", dataset: { valid: "false" } }, "✘ 无法核验：" + problemText(e)),
      p && p.code ? h("p.muted", "代码：" + p.code) : null,
    );
  }
}

const main = $("#main");
const input = h("textarea", { id: "payload", rows: 5, placeholder: "粘贴证照二维码内容，或用手机扫码后打开链接" });
const out = h("div#result");
out.id = "result";
main.append(
  h(
    "form.card",
    {
      onsubmit: (ev) => {
        ev.preventDefault();
        if (input.value.trim()) verify(input.value, out);
      },
    },
    h("h2", "核验电子证照"),
    h("label", "二维码内容", input),
    h("div.actions", h("button.primary", { type: "submit", id: "verify" }, "核验")),
    h(
      "p.muted",
      "核验使用平台公布的信任列表（/api/v1/trust），签名为 SM2/SM3；注销状态在线核对。" +
        "离线核验请使用平台签名的注销列表（/api/v1/revocations），并留意列表的发布时间。",
    ),
  ),
  out,
);
const p = new URLSearchParams(location.search).get("p");
if (p) {
  input.value = p;
  verify(p, out);
}
