// totp.js — the second factor (双因素认证) in the log-in form of
// common.js: the field for the 6-digit code (动态口令), shown when the
// server answers otp_required, and the enrolment a log-in may owe
// (totp_enrolment): the QR code, the secret as text to type, a first
// code, then the ten recovery codes (恢复码), shown this once. The new
// session is used here with its own token only: it is saved once every
// step is taken.
import { ApiError, clear, h, problemText, verbatim } from "/web/common.js";

// The code field of the log-in form, hidden until the server asks for it.
export function otpField() {
  const input = h("input", {
    name: "otp",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    maxlength: 24,
    spellcheck: false,
  });
  const label = h(
    "label.otp",
    { hidden: true },
    "动态口令",
    input,
    h("small.hint", "手机身份验证器应用显示的 6 位数字；手机不在身边时，可输入一个恢复码"),
  );
  return {
    label,
    // the log-in body's otp, once the field is shown and filled
    body: () => (label.hidden || !input.value.trim() ? {} : { otp: input.value.trim() }),
    // true when the answer asks for the code: the field is shown
    ask(problem) {
      const code = problem && problem.code;
      if (code === "otp_invalid") input.value = "";
      if (code !== "otp_required") return false;
      label.hidden = false;
      input.required = true;
      input.focus();
      return true;
    },
  };
}

// The enrolment routes, with the new session's token.
async function call(token, path, body) {
  const headers = { Accept: "application/json", Authorization: "Bearer " + token };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, {
    method: "POST",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const d = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, d);
  return d;
}

// The secret in groups of four letters, easier to type.
const grouped = (s) => s.match(/.{1,4}/g).join(" ");

function recoveryStep(card, codes, done) {
  const next = h("button.primary", { type: "button", onclick: done }, "我已保存恢复码，继续");
  clear(
    card,
    h("h2", "请保存恢复码"),
    h(
      "p",
      "手机丢失或无法使用时，可在登录时用恢复码代替动态口令。每个恢复码只能使用一次；",
      h("strong", "本页离开后不再显示"),
      "，请抄写或打印后妥善保管，不要与密码放在一起。",
    ),
    h("ol.recovery", { "aria-label": "恢复码" }, codes.map((c) => h("li", h("code", { translate: "no" }, c)))),
    next,
  );
  next.focus();
}

function enrolCard(s, e, resolve) {
  const code = h("input", {
    name: "totp-code",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    maxlength: 6,
    required: true,
    pattern: "[0-9]{6}",
  });
  const msg = h("p.error", { role: "alert" });
  const card = h("form.card.login.totp", {
    onsubmit: async (ev) => {
      ev.preventDefault();
      msg.textContent = "";
      try {
        const r = await call(s.token, "/api/v1/sessions/current/totp/confirm", { code: code.value.trim() });
        recoveryStep(card, r.recovery_codes, () => {
          card.remove();
          resolve();
        });
      } catch (err) {
        msg.textContent = problemText(err);
        code.select();
      }
    },
  });
  const qr = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(e.qr_svg);
  card.append(
    h("h2", "绑定动态口令（双因素认证）"),
    h("p", verbatim(s.username), `：您的账号需要双因素认证。登录时除密码外，还要输入手机上的动态口令。`),
    h(
      "ol.steps",
      h(
        "li",
        "在手机上打开身份验证器应用（任一支持基于时间的动态口令的应用均可），扫描下面的二维码：",
        h("img.qr", { src: qr, alt: "动态口令二维码（内含密钥）", width: 200, height: 200 }),
      ),
      h(
        "li",
        "无法扫码时，在应用中手动输入密钥（基于时间，6 位，30 秒）：",
        h("code.secret", { translate: "no" }, grouped(e.secret)), // letters to type, not words
      ),
      h("li", h("label", "输入应用显示的 6 位动态口令", code)),
    ),
    msg,
    h("button.primary", { type: "submit" }, "验证并绑定"),
  );
  return { card, code };
}

// After a log-in: when the session owes the enrolment, show it in place
// of the form and resolve once it is done (the recovery codes seen).
export async function enrolIfOwed(form, s) {
  if (!(s.pending || []).includes("totp_enrolment")) return;
  const e = await call(s.token, "/api/v1/sessions/current/totp");
  await new Promise((resolve) => {
    const { card, code } = enrolCard(s, e, resolve);
    form.hidden = true;
    form.after(card);
    code.focus();
  });
}
