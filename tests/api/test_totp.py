"""test_totp.py — the second factor of administrators and inspectors
(issue 17 §4; api/api_totp.c, sql/0013_totp.sql), started by test_api.c
with TB_TOTP_ROLES=admin,inspector (the default's roles; the other
scripts' server has the factor off) and the tongban binary.

- An inspector's first log-in owes totp_enrolment and is refused
  elsewhere (403 totp_enrolment_required) until it enrols: a fresh
  secret with its otpauth:// URI and QR code, confirmed by a first code,
  answers ten recovery codes once and clears the step.
- The secret is stored sealed, never in clear; recovery codes only as
  keyed digests.
- Log-in: no otp is 401 otp_required (after the password), a wrong code
  401 otp_invalid counted like a wrong password (the same throttle), a
  code used once is refused again, one step of drift either way is
  accepted and two are not, a code older than the last one used is
  refused; a recovery code works once, in any case and without dashes.
- New recovery codes for a current code; the old ones stop working.
- An administrator resets a lost phone (API and `tongban accounts
  reset-totp`): the factor and the sessions go, the next log-in enrols
  again; not their own, not by other roles.
- A clerk and an officer need no second factor.

Codes are computed here with hmac/hashlib/base64 (RFC 6238) at the
server's injected clock (X-Tongban-Clock). Speaks TAP on stdout.
"""
import base64
import hashlib
import hmac
import os
import struct
import subprocess

from tbhttp import ADMIN_DB, PASSWORD, case, done, expect, http, sql

T0 = 1_900_000_020  # 2030, the start of a 30-second step
STEP = 30
TONGBAN = os.environ.get("TB_TONGBAN", "")


def totp(secret, t, digits=6):
    """RFC 6238 with HMAC-SHA-1: the code of a base32 secret at time t."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(t) // STEP), hashlib.sha1).digest()
    o = mac[-1] & 0x0F
    v = (struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 10 ** digits
    return str(v).zfill(digits)


def login(user, otp=None, clock=None, password=PASSWORD):
    body = {"username": user, "password": password}
    if otp is not None:
        body["otp"] = otp
    return http("POST", "/api/v1/sessions", body, clock=clock)


def forget_failures(user):
    sql(f"DELETE FROM auth_failures WHERE key IN ('user:{user}', "
        f"'user:{user}@127.0.0.1', 'addr:127.0.0.1', 'totp:{user}')")


def failures(user):
    return int(sql(f"SELECT count(*) FROM auth_failures WHERE key = 'user:{user}'"))


def enrol(user, clock):
    """Log in, enrol, confirm: (secret, recovery codes, token)."""
    s = expect(login(user, clock=clock), 201).json
    assert s["pending"] == ["totp_enrolment"], s
    e = expect(http("POST", "/api/v1/sessions/current/totp", token=s["token"],
                    clock=clock), 200).json
    r = expect(http("POST", "/api/v1/sessions/current/totp/confirm",
                    {"code": totp(e["secret"], clock)}, token=s["token"],
                    clock=clock), 200).json
    return e["secret"], r["recovery_codes"], s["token"]


state = {}


@case("the helper computes RFC 6238's SHA-1 test vectors")
def _():
    seed = base64.b32encode(b"12345678901234567890").decode().rstrip("=")
    for t, want in ((59, "94287082"), (1111111109, "07081804"),
                    (1234567890, "89005924"), (20000000000, "65353130")):
        assert totp(seed, t, 8) == want, (t, totp(seed, t, 8))


@case("an inspector's first log-in owes the enrolment, and nothing else is open")
def _():
    s = expect(login("inspector1", clock=T0), 201).json
    assert s["pending"] == ["totp_enrolment"], s
    t = s["token"]
    expect(http("GET", "/api/v1/applications?state=submitted", token=t), 403,
           "totp_enrolment_required")
    expect(http("GET", "/api/v1/workflows", token=t), 403,
           "totp_enrolment_required")
    # new recovery codes are no step: refused too
    expect(http("POST", "/api/v1/sessions/current/totp/recovery-codes",
                {"code": "123456"}, token=t), 403, "totp_enrolment_required")
    # confirming before starting
    expect(http("POST", "/api/v1/sessions/current/totp/confirm",
                {"code": "123456"}, token=t, clock=T0), 409, "totp_not_enrolled")
    state["token"] = t


@case("enrolment: a fresh secret, its otpauth URI and QR code; starting again replaces it")
def _():
    t = state["token"]
    first = expect(http("POST", "/api/v1/sessions/current/totp", token=t,
                        clock=T0), 200).json
    e = expect(http("POST", "/api/v1/sessions/current/totp", token=t,
                    clock=T0), 200).json
    assert first["secret"] != e["secret"]
    assert len(e["secret"]) == 32 and set(e["secret"]) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), e["secret"]
    assert e["uri"] == ("otpauth://totp/%E9%80%9A%E5%8A%9E:inspector1?secret="
                        + e["secret"] + "&issuer=%E9%80%9A%E5%8A%9E"
                        "&algorithm=SHA1&digits=6&period=30"), e["uri"]
    assert e["qr_svg"].lstrip().startswith(("<svg", "<?xml")) and \
        "</svg>" in e["qr_svg"], e["qr_svg"][:200]
    # the first secret was replaced: its code does not confirm
    r = expect(http("POST", "/api/v1/sessions/current/totp/confirm",
                    {"code": totp(first["secret"], T0)}, token=t, clock=T0),
               422, "totp_code_invalid")
    assert r.json["errors"][0]["field"] == "code", r.json
    for bad in ("12345", "abcdef", "1234567"):
        expect(http("POST", "/api/v1/sessions/current/totp/confirm",
                    {"code": bad}, token=t, clock=T0), 422, "totp_code_invalid")
    expect(http("POST", "/api/v1/sessions/current/totp/confirm", {},
                token=t, clock=T0), 422, "invalid_request")
    state["secret"] = e["secret"]


@case("the first right code enrols, clears the step and shows ten recovery codes once")
def _():
    t, secret = state["token"], state["secret"]
    r = expect(http("POST", "/api/v1/sessions/current/totp/confirm",
                    {"code": totp(secret, T0)}, token=t, clock=T0), 200).json
    codes = r["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10, codes
    expect(http("GET", "/api/v1/applications?state=submitted", token=t), 200)
    # enrolled: no second enrolment, no second look at the secret
    expect(http("POST", "/api/v1/sessions/current/totp", token=t, clock=T0),
           409, "totp_enrolled")
    expect(http("POST", "/api/v1/sessions/current/totp/confirm",
                {"code": totp(secret, T0)}, token=t, clock=T0), 409,
           "totp_enrolled")
    state["recovery"] = codes


@case("the secret is stored sealed and the recovery codes only as keyed digests")
def _():
    secret = state["secret"]
    raw = base64.b32decode(secret)
    row = sql("SELECT encode(f.secret, 'hex'), f.confirmed_at IS NOT NULL, "
              "f.last_step FROM totp_factors f JOIN accounts a ON "
              "a.id = f.account_id WHERE a.username = 'inspector1'").split("|")
    assert len(row[0]) == 96 and raw.hex() not in row[0], row
    assert secret not in row[0].upper() and row[1] == "t", row
    assert int(row[2]) == T0 // STEP, row
    dump = sql("SELECT string_agg(encode(c.code_hash, 'hex'), ',') FROM "
               "totp_recovery_codes c JOIN accounts a ON a.id = c.account_id "
               "WHERE a.username = 'inspector1'")
    hashes = dump.split(",")
    assert len(hashes) == 10, dump
    for code in state["recovery"]:
        letters = code.replace("-", "")
        assert hashlib.sha256(letters.encode()).hexdigest() not in hashes
        assert letters.lower() not in dump


@case("log-in without otp: 401 otp_required after the password, which is checked first")
def _():
    forget_failures("inspector1")
    r = expect(login("inspector1", clock=T0 + STEP), 401, "otp_required")
    assert "otp" in r.json["detail"], r.json
    expect(login("inspector1", clock=T0 + STEP, password="wrong password"), 401,
           "bad_credentials")
    expect(login("inspector1", otp=totp(state["secret"], T0 + STEP),
                 clock=T0 + STEP, password="wrong password"), 401,
           "bad_credentials")
    expect(login("inspector1", otp="1" * 65, clock=T0 + STEP), 422, "invalid_request")
    forget_failures("inspector1")


@case("a right code logs in once; the same code again is refused")
def _():
    secret, at = state["secret"], T0 + STEP
    s = expect(login("inspector1", otp=totp(secret, at), clock=at), 201).json
    assert s["pending"] == [], s
    expect(http("GET", "/api/v1/applications?state=submitted",
                token=s["token"]), 200)
    r = expect(login("inspector1", otp=totp(secret, at), clock=at), 401,
               "otp_invalid")
    assert "used" in r.json["detail"], r.json
    state["session"] = s["token"]
    forget_failures("inspector1")


@case("one step of clock drift either way is accepted, two are not")
def _():
    secret = state["secret"]
    at = T0 + 4 * STEP  # the phone is one step behind
    expect(login("inspector1", otp=totp(secret, at - STEP), clock=at), 201)
    at = T0 + 5 * STEP  # the phone is one step ahead
    expect(login("inspector1", otp=totp(secret, at + STEP), clock=at), 201)
    # a code of a step before the last one used, though inside the window
    at = T0 + 6 * STEP
    expect(login("inspector1", otp=totp(secret, at - STEP), clock=at), 401,
           "otp_invalid")
    forget_failures("inspector1")
    at = T0 + 10 * STEP
    for drift in (-2, 2):
        r = expect(login("inspector1", otp=totp(secret, at + drift * STEP),
                         clock=at), 401, "otp_invalid")
        assert "wrong or expired" in r.json["detail"], r.json
    expect(login("inspector1", otp=totp(secret, at), clock=at), 201)
    forget_failures("inspector1")


@case("a wrong code counts as a failed log-in, under the password's throttle")
def _():
    secret, at = state["secret"], T0 + 20 * STEP
    before = failures("inspector1")
    wrong = str((int(totp(secret, at)) + 1) % 1000000).zfill(6)
    expect(login("inspector1", otp=wrong, clock=at), 401, "otp_invalid")
    assert failures("inspector1") == before + 1
    expect(login("inspector1", otp="not a code", clock=at), 401, "otp_invalid")
    expect(login("inspector1", otp=wrong, clock=at), 401, "otp_invalid")
    assert failures("inspector1") == before + 3
    # ten failures lock the user name at this address, the right code too
    sql("INSERT INTO auth_failures (key) SELECT 'user:inspector1@127.0.0.1' "
        "FROM generate_series(1, 7)")
    r = expect(login("inspector1", otp=totp(secret, at), clock=at), 429,
               "locked")
    assert int(r.headers["Retry-After"]) >= 1
    forget_failures("inspector1")
    expect(login("inspector1", otp=totp(secret, at), clock=at), 201)
    assert failures("inspector1") == 0  # a log-in clears the user's count


@case("a recovery code logs in once, typed in any case and without dashes")
def _():
    codes, at = state["recovery"], T0 + 30 * STEP
    s = expect(login("inspector1", otp=codes[0], clock=at), 201).json
    assert s["pending"] == [], s
    expect(login("inspector1", otp=codes[0], clock=at), 401, "otp_invalid")
    typed = codes[1].replace("-", "").lower()
    expect(login("inspector1", otp=typed[:8] + " " + typed[8:], clock=at), 201)
    expect(login("inspector1", otp="AAAA-BBBB-CCCC-DDDD", clock=at), 401,
           "otp_invalid")
    used = sql("SELECT count(*) FROM totp_recovery_codes c JOIN accounts a ON "
               "a.id = c.account_id WHERE a.username = 'inspector1' AND "
               "c.used_at IS NOT NULL")
    assert used == "2", used
    forget_failures("inspector1")


@case("new recovery codes for a current code; the old ones stop working")
def _():
    t, secret, at = state["session"], state["secret"], T0 + 40 * STEP
    url = "/api/v1/sessions/current/totp/recovery-codes"
    expect(http("POST", url, {"code": "000000" if totp(secret, at) != "000000"
                              else "111111"}, token=t, clock=at), 422,
           "totp_code_invalid")
    new = expect(http("POST", url, {"code": totp(secret, at)}, token=t,
                      clock=at), 200).json["recovery_codes"]
    assert len(set(new)) == 10 and not set(new) & set(state["recovery"]), new
    # the code is spent
    expect(http("POST", url, {"code": totp(secret, at)}, token=t, clock=at),
           422, "totp_code_invalid")
    expect(login("inspector1", otp=state["recovery"][2], clock=at), 401,
           "otp_invalid")
    expect(login("inspector1", otp=new[0], clock=at), 201)
    forget_failures("inspector1")
    state["recovery"] = new


@case("a clerk and an officer need no second factor")
def _():
    for user in ("clerk1", "officer-SCJG"):
        s = expect(login(user, clock=T0), 201).json
        assert s["pending"] == [], s
        expect(http("POST", "/api/v1/sessions/current/totp", token=s["token"]),
               403, "forbidden")
        expect(http("DELETE", "/api/v1/accounts/inspector1/totp",
                    token=s["token"]), 403, "forbidden")
    n = sql("SELECT count(*) FROM totp_factors f JOIN accounts a ON "
            "a.id = f.account_id WHERE a.role IN ('clerk', 'officer')")
    assert n == "0", n


@case("an administrator resets a lost phone: the factor and the sessions go")
def _():
    at = T0 + 50 * STEP
    secret, _, admin = enrol("admin1", at)
    state["admin_secret"] = secret
    old = state["session"]
    expect(http("GET", "/api/v1/applications?state=submitted", token=old), 200)
    expect(http("DELETE", "/api/v1/accounts/inspector1/totp", token=admin), 204)
    expect(http("GET", "/api/v1/applications?state=submitted", token=old), 401,
           "invalid_token")
    n = sql("SELECT count(*) FROM totp_factors f JOIN accounts a ON "
            "a.id = f.account_id WHERE a.username = 'inspector1'")
    assert n == "0", n
    expect(http("DELETE", "/api/v1/accounts/inspector1/totp", token=admin), 404,
           "not_found")
    expect(http("DELETE", "/api/v1/accounts/nobody/totp", token=admin), 404,
           "not_found")
    expect(http("DELETE", "/api/v1/accounts/x%20y/totp", token=admin), 404,
           "not_found")
    r = expect(http("DELETE", "/api/v1/accounts/admin1/totp", token=admin), 403,
               "forbidden")
    assert "another" in r.json["detail"], r.json
    # the inspector's next log-in enrols again; the old recovery codes are gone
    s = expect(login("inspector1", otp=state["recovery"][3], clock=at), 201).json
    assert s["pending"] == ["totp_enrolment"], s
    forget_failures("inspector1")


@case("`tongban accounts reset-totp` resets from the command line")
def _():
    def run(user):
        return subprocess.run([TONGBAN, "accounts", "reset-totp", user, "--db",
                               ADMIN_DB], capture_output=True, text=True,
                              timeout=60)
    r = run("admin1")
    assert r.returncode == 0 and "admin1" in r.stdout, (r.returncode, r.stdout, r.stderr)
    s = expect(login("admin1", clock=T0 + 60 * STEP), 201).json
    assert s["pending"] == ["totp_enrolment"], s
    r = run("admin1")
    assert r.returncode == 1 and "no second factor" in r.stderr, r.stderr
    r = run("nobody")
    assert r.returncode == 1 and "no account" in r.stderr, r.stderr
    r = subprocess.run([TONGBAN, "accounts", "reset-totp"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2 and "usage" in r.stderr, r.stderr


@case("the security log holds every second-factor event with its actor")
def _():
    rows = sql("SELECT kind || ' ' || actor_kind || ' ' || coalesce(actor, '') "
               "|| ' ' || subject FROM security_events WHERE kind IN "
               "('second_factor_enrolled', 'recovery_code_used', "
               "'recovery_codes_replaced', 'second_factor_reset') ORDER BY seq")
    lines = rows.splitlines()
    for want in ("second_factor_enrolled account inspector1 account:inspector1",
                 "recovery_code_used account inspector1 account:inspector1",
                 "recovery_codes_replaced account inspector1 account:inspector1",
                 "second_factor_enrolled account admin1 account:admin1",
                 "second_factor_reset account admin1 account:inspector1"):
        assert want in lines, (want, lines)
    assert any(l.startswith("second_factor_reset cli ") and
               l.endswith(" account:admin1") for l in lines), lines


done()
