"""test_accounts_admin.py — accounts the 等保三级 way (issue 17 §4;
api/api_accounts.c, api/api_sessions.c, api/api_password_policy.c,
store/tb_store_account_admin.c, sql/0016_account_management.sql), started
by test_api.c with this script's name and the tongban binary.

- Every account route is the administrator's: other roles get 403, no
  token 401.
- Create, list, disable, enable, reset, role, delete, with their
  refusals: the password policy (naming what is missing), an unknown
  bureau, an officer without one, a name in use (a deleted one too), the
  last enabled administrator.
- Disable, reset, role change and delete end the account's sessions at
  once.
- The forced change: a password an administrator set must be changed at
  the first log-in; until then every other route answers 403; the change
  checks the current password and the policy and ends the other sessions.
- Failed log-ins from 127.0.0.2 slow and lock the user there, never from
  127.0.0.1; the slower global limit per user name locks everywhere.
- A session idle for longer than the idle timeout (30 minutes) is
  refused; background requests (X-Tongban-Background) do not count as
  activity, and activity is written at most once a minute.

Speaks TAP on stdout. Environment as for test_api.py.
"""
import json
import time
from http.client import HTTPConnection

from tbhttp import BASE, PASSWORD, Resp, case, done, expect, http, sql, tok

ADMIN = "admin1"
START = "Start-Pass-2026"  # what the administrator sets
OWN = "Own-Choice-2027"  # what the user then chooses


def admin(method, path, body=None):
    return http(method, path, body, token=tok(ADMIN))


def login(user, password):
    return http("POST", "/api/v1/sessions",
                {"username": user, "password": password})


def create(user, role="clerk", bureau=None, password=START):
    body = {"username": user, "role": role, "password": password}
    if bureau:
        body["bureau"] = bureau
    return admin("POST", "/api/v1/accounts", body)


def change_own(token, current, new):
    return http("POST", "/api/v1/sessions/current/password",
                {"current_password": current, "new_password": new},
                token=token)


def ready(user, role="clerk", bureau=None):
    """A new account that has taken its forced change: a working token."""
    expect(create(user, role, bureau), 201)
    t = expect(login(user, START), 201).json["token"]
    expect(change_own(t, START, OWN), 200)
    return t


def listed():
    r = expect(admin("GET", "/api/v1/accounts"), 200)
    return {a["username"]: a for a in r.json["accounts"]}


def from_addr(addr, method, path, body):
    """One request sent from a loopback source address (127.0.0.2 …),
    checked like http()'s."""
    host, port = BASE.split("//")[1].split(":")
    c = HTTPConnection(host, int(port), timeout=30, source_address=(addr, 0))
    c.request(method, path, body=json.dumps(body).encode(),
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    out = Resp(r.status, r.headers, r.read(), method, path)
    c.close()
    return out


@case("account routes are the administrator's: 403 for other roles, 401 without a token")
def _():
    routes = [("GET", "/api/v1/accounts", None),
              ("POST", "/api/v1/accounts",
               {"username": "x1", "role": "clerk", "password": START}),
              ("POST", "/api/v1/accounts/clerk1/disable", {}),
              ("POST", "/api/v1/accounts/clerk1/enable", {}),
              ("POST", "/api/v1/accounts/clerk1/password", {"password": START}),
              ("POST", "/api/v1/accounts/clerk1/role", {"role": "inspector"}),
              ("DELETE", "/api/v1/accounts/clerk1", None)]
    for user in ("clerk1", "inspector1", "officer-SCJG"):
        for method, path, body in routes:
            expect(http(method, path, body, token=tok(user)), 403, "forbidden")
    for method, path, body in routes:
        expect(http(method, path, body), 401, "unauthenticated")
    assert listed()["clerk1"]["disabled"] is False


@case("create: the password policy names what is missing, in every refusal")
def _():
    r = expect(create("weak1", password="Ab1!"), 422, "password_too_short")
    assert "at least 8" in r.json["detail"], r.json
    assert r.json["errors"][0]["field"] == "password", r.json
    r = expect(create("weak1", password="alllowercase1"), 422,
               "password_too_simple")
    assert "upper case" in r.json["detail"] and "symbols" in r.json["detail"], r.json
    r = expect(create("weak1", password="Weak1-Pass!"), 422,
               "password_contains_username")
    assert "weak1" in r.json["detail"], r.json
    assert "weak1" not in listed()


@case("create: role and bureau checked, names unique, the new account listed")
def _():
    r = expect(create("off1", "officer", "NOPE"), 422, "unknown_bureau")
    assert "NOPE" in r.json["detail"], r.json
    expect(create("off1", "officer"), 422, "missing")
    expect(create("off1", "clerk", "SCJG"), 422, "invalid_request")
    expect(admin("POST", "/api/v1/accounts",
                 {"username": "off1", "role": "wizard", "password": START}),
           422)
    expect(admin("POST", "/api/v1/accounts",
                 {"username": "bad/name", "role": "clerk", "password": START}),
           422, "invalid_request")
    r = expect(create("off1", "officer", "SCJG"), 201).json
    assert r["password_change_required"] is True and r["bureau"] == "SCJG", r
    expect(create("off1"), 409, "account_exists")
    a = listed()["off1"]
    assert (a["role"], a["bureau"], a["disabled"], a["last_login_at"]) == \
        ("officer", "SCJG", False, None), a


@case("forced change: 403 everywhere until the user chooses a password, then it works")
def _():
    expect(create("forced1"), 201)
    other = expect(login("forced1", START), 201).json
    s = expect(login("forced1", START), 201).json
    assert s["pending"] == ["password_change"], s
    t = s["token"]
    expect(http("GET", "/api/v1/applications?state=submitted", token=t), 403,
           "password_change_required")
    expect(change_own(t, "Wrong-Pass-1", OWN), 403, "wrong_password")
    r = expect(change_own(t, START, "onlylowercase"), 422, "password_too_simple")
    assert r.json["errors"][0]["field"] == "new_password", r.json
    expect(change_own(t, START, "Forced1-Pass!"), 422,
           "password_contains_username")
    expect(change_own(t, START, START), 422, "password_unchanged")
    r = expect(change_own(t, START, OWN), 200).json
    assert r == {"pending": [], "sessions_ended": 1}, r
    expect(http("GET", "/api/v1/applications?state=submitted", token=t), 200)
    expect(http("GET", "/healthz", token=other["token"]), 401, "invalid_token")
    expect(login("forced1", START), 401, "bad_credentials")
    again = expect(login("forced1", OWN), 201).json
    assert again["pending"] == [], again
    a = listed()["forced1"]
    assert a["password_change_required"] is False and a["last_login_at"], a
    sql("DELETE FROM auth_failures")


@case("disable ends the sessions at once; enable lets the user back in")
def _():
    t = ready("dis1")
    r = expect(admin("POST", "/api/v1/accounts/dis1/disable", {}), 200).json
    assert r == {"username": "dis1", "sessions_ended": 1}, r
    expect(http("GET", "/healthz", token=t), 401, "invalid_token")
    expect(login("dis1", OWN), 401, "bad_credentials")
    assert listed()["dis1"]["disabled"] is True
    expect(admin("POST", "/api/v1/accounts/dis1/enable"), 200)
    expect(login("dis1", OWN), 201)
    expect(admin("POST", "/api/v1/accounts/nobody9/disable", {}), 404,
           "not_found")
    sql("DELETE FROM auth_failures")


@case("reset ends the sessions; the new password must be changed at the next log-in")
def _():
    t = ready("reset1")
    expect(admin("POST", "/api/v1/accounts/reset1/password",
                 {"password": "short"}), 422, "password_too_short")
    expect(http("GET", "/healthz", token=t), 200)
    r = expect(admin("POST", "/api/v1/accounts/reset1/password",
                     {"password": "Reset-Pass-99"}), 200).json
    assert r["sessions_ended"] == 1, r
    expect(http("GET", "/healthz", token=t), 401, "invalid_token")
    s = expect(login("reset1", "Reset-Pass-99"), 201).json
    assert s["pending"] == ["password_change"], s
    assert listed()["reset1"]["password_change_required"] is True


@case("a role change ends the sessions; the next log-in has the new role")
def _():
    t = ready("role1")
    expect(admin("POST", "/api/v1/accounts/role1/role",
                 {"role": "officer", "bureau": "NOPE"}), 422, "unknown_bureau")
    expect(admin("POST", "/api/v1/accounts/role1/role", {"role": "officer"}),
           422, "missing")
    expect(http("GET", "/healthz", token=t), 200)
    r = expect(admin("POST", "/api/v1/accounts/role1/role",
                     {"role": "officer", "bureau": "GA"}), 200).json
    assert r["sessions_ended"] == 1, r
    expect(http("GET", "/healthz", token=t), 401, "invalid_token")
    s = expect(login("role1", OWN), 201).json
    assert (s["role"], s["bureau"]) == ("officer", "GA"), s


@case("delete ends the sessions, hides the account and never frees its name")
def _():
    t = ready("del1")
    expect(admin("DELETE", "/api/v1/accounts/del1"), 204)
    expect(http("GET", "/healthz", token=t), 401, "invalid_token")
    expect(login("del1", OWN), 401, "bad_credentials")
    assert "del1" not in listed()
    expect(admin("POST", "/api/v1/accounts/del1/enable", {}), 404, "not_found")
    expect(admin("DELETE", "/api/v1/accounts/del1"), 404, "not_found")
    expect(create("del1"), 409, "account_exists")
    row = sql("SELECT disabled, deleted_at IS NOT NULL, password_hash "
              "FROM accounts WHERE username = 'del1'")
    assert row == "t|t|!", row
    sql("DELETE FROM auth_failures")


@case("the last enabled administrator is never disabled, deleted or demoted")
def _():
    for method, path, body in (("POST", "/api/v1/accounts/admin1/disable", {}),
                               ("DELETE", "/api/v1/accounts/admin1", None),
                               ("POST", "/api/v1/accounts/admin1/role",
                                {"role": "clerk"})):
        r = expect(admin(method, path, body), 409, "last_admin")
        assert "admin1" in r.json["detail"], r.json
    t2 = ready("admin2", "admin")
    expect(http("POST", "/api/v1/accounts/admin2/disable", {}, token=t2), 200)
    expect(admin("POST", "/api/v1/accounts/admin1/disable", {}), 409,
           "last_admin")
    expect(http("GET", "/api/v1/accounts", token=tok(ADMIN)), 200)


@case("failed log-ins from 127.0.0.2 lock the user there, not from 127.0.0.1")
def _():
    ready("pair1")
    sql("DELETE FROM auth_failures")
    statuses = [from_addr("127.0.0.2", "POST", "/api/v1/sessions",
                          {"username": "pair1", "password": "Wrong-Pass-1"}).status
                for _ in range(4)]
    assert statuses == [401, 401, 401, 429], statuses
    expect(from_addr("127.0.0.2", "POST", "/api/v1/sessions",
                     {"username": "pair1", "password": OWN}), 429,
           "too_many_attempts")
    expect(login("pair1", OWN), 201)
    sql("INSERT INTO auth_failures (key, at) SELECT 'user:pair1@127.0.0.2', "
        "now() - interval '1 minute' FROM generate_series(1, 10)")
    expect(from_addr("127.0.0.2", "POST", "/api/v1/sessions",
                     {"username": "pair1", "password": OWN}), 429, "locked")
    expect(login("pair1", OWN), 201)
    n = sql("SELECT count(*) FROM auth_failures WHERE key = 'user:pair1'")
    assert n == "3", n  # every failure also counts toward the global limit
    sql("DELETE FROM auth_failures")


@case("the slower global limit per user name locks it from every address")
def _():
    sql("INSERT INTO auth_failures (key, at) SELECT 'user:pair1', "
        "now() - interval '10 minutes' FROM generate_series(1, 20)")
    expect(login("pair1", OWN), 201)  # 20 in the hour: waits are over
    sql("INSERT INTO auth_failures (key, at) SELECT 'user:pair1', "
        "now() - interval '10 minutes' FROM generate_series(1, 80)")
    r = expect(login("pair1", OWN), 429, "locked")
    assert int(r.headers["Retry-After"]) > 40 * 60, r.headers["Retry-After"]
    expect(from_addr("127.0.0.2", "POST", "/api/v1/sessions",
                     {"username": "pair1", "password": OWN}), 429, "locked")
    sql("DELETE FROM auth_failures")
    expect(login("pair1", OWN), 201)


def hashes():
    """tongban_password_hashes_total from /metrics: scrypt runs on the pool."""
    text = http("GET", "/metrics").body.decode()
    for line in text.splitlines():
        if line.startswith("tongban_password_hashes_total "):
            return int(float(line.split()[1]))
    raise AssertionError("no tongban_password_hashes_total in /metrics")


@case("every password an administrator or a user sets is hashed on the pool")
def _():
    before = hashes()
    expect(create("pool1"), 201)
    assert hashes() == before + 1, "create did not hash on the pool"
    expect(admin("POST", "/api/v1/accounts/pool1/password",
                 {"password": START}), 200)
    assert hashes() == before + 2, "reset did not hash on the pool"
    t = expect(login("pool1", START), 201).json["token"]
    assert hashes() == before + 3
    expect(change_own(t, "Wrong-Pass-1", OWN), 403, "wrong_password")
    assert hashes() == before + 4, "the current password was not checked there"
    expect(change_own(t, START, OWN), 200)
    assert hashes() == before + 6, "check and new hash: two runs on the pool"
    sql("DELETE FROM auth_failures")


@case("every account change is an event of the security log, by its administrator")
def _():
    rows = sql("SELECT kind || ' ' || actor_kind || ' ' || coalesce(actor, '') "
               "|| ' ' || subject FROM security_events WHERE kind LIKE "
               "'account\\_%' OR kind = 'password_changed' ORDER BY seq")
    lines = rows.splitlines()
    for want in ("account_created account admin1 account:forced1",
                 "password_changed account forced1 account:forced1",
                 "account_disabled account admin1 account:dis1",
                 "account_enabled account admin1 account:dis1",
                 "account_password_reset account admin1 account:reset1",
                 "account_role_changed account admin1 account:role1",
                 "account_deleted account admin1 account:del1"):
        assert want in lines, (want, lines)
    role = sql("SELECT details::jsonb->>'role' || ' ' || "
               "(details::jsonb->>'bureau') FROM "
               "security_events WHERE kind = 'account_role_changed' AND "
               "subject = 'account:role1'")
    assert role == "officer GA", role
    # a refused change leaves no event
    assert "account_disabled account admin1 account:nobody9" not in lines


def last_active(token_user):
    return float(sql("SELECT extract(epoch FROM now() - max(last_active_at)) "
                     "FROM sessions s JOIN accounts a ON a.id = s.account_id "
                     f"WHERE a.username = '{token_user}' AND revoked_at IS NULL"))


@case("an idle session is refused; background requests do not keep it alive")
def _():
    t = ready("idle1")

    def backdate(interval):
        """Move the session's last activity back by hand, then let the
        servers' session caches hear of it (the event tail, read every
        100 ms: api/api_caches.h)."""
        sql("UPDATE sessions SET last_active_at = now() - interval "
            f"'{interval}' WHERE account_id = (SELECT id FROM accounts "
            "WHERE username = 'idle1')")
        time.sleep(0.4)
    backdate("30 seconds")
    expect(http("GET", "/healthz", token=t), 200)
    assert last_active("idle1") >= 29, "written more than once a minute"
    backdate("5 minutes")
    expect(http("GET", "/healthz", token=t,
                headers={"X-Tongban-Background": "1"}), 200)
    assert last_active("idle1") >= 299, "a background request counted"
    expect(http("GET", "/healthz", token=t), 200)
    assert last_active("idle1") < 60, "a person's request did not count"
    backdate("29 minutes")
    expect(http("GET", "/healthz", token=t), 200)
    backdate("31 minutes")
    r = expect(http("GET", "/healthz", token=t), 401, "invalid_token")
    assert "idle" in r.json["detail"], r.json


done()
