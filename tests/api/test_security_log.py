"""test_security_log.py — the security log over HTTP and from the
commands (issue 17 §4; api/api_security_log.c, store/tb_store_security_log.c),
started by test_api.c with this script's name and the tongban binary.

- `tongban accounts add` writes account_created with the operating
  system's user as actor (cli) and no address.
- A wrong password appends login/failed, anonymous, with the client's
  address and the account as subject; failing on until the throttle
  answers 429 appends login/locked; a log-in appends login/ok by the
  account; a log-out appends logout/ok by it.
- An administrator's deployment of a definition appends
  definition_deployed by the administrator, with its id and version.
- `tongban calendar load` appends calendar_loaded by the command's user.
- Inspectors and administrators read the log (paged, newest first,
  filtered); officers and clerks get 403, no token 401; every bad
  parameter is a 422 naming it.
- `tongban audit verify` checks the security log and finds it intact;
  `tongban audit security` lists and verifies it.

Speaks TAP on stdout. Environment as for test_api.py.
"""
import os
import pwd
import re
import subprocess
import sys
import tempfile
import urllib.parse

from tbhttp import ADMIN_DB, ROOT, case, done, expect, http, tok

TONGBAN = os.environ["TB_TONGBAN"]
PATH = "/api/v1/security-events"
OS_USER = pwd.getpwuid(os.geteuid()).pw_name
LOOPBACK = "127.0.0.1"
PW = "Seclog-pass-2026"
state = {}


def tongban(*args, stdin=None):
    r = subprocess.run([TONGBAN, *args, "--db", ADMIN_DB], input=stdin,
                       capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


def events(token="inspector1", **query):
    q = urllib.parse.urlencode(query)
    return expect(http("GET", f"{PATH}?{q}", token=tok(token)), 200).json


def newest(**query):
    items = events(limit=1, **query)["items"]
    assert items, f"no event for {query}"
    return items[0]


def login(user, password):
    return http("POST", "/api/v1/sessions",
                {"username": user, "password": password})


@case("accounts add: account_created by the command's user, no address")
def _():
    for user in ("sec-victim", "sec-ok"):
        rc, out = tongban("accounts", "add", user, "--role", "clerk",
                          stdin=PW + "\n")
        assert rc == 0, out
    e = newest(kind="account_created")
    assert e["subject"] == "account:sec-ok", e
    assert (e["actor_kind"], e["actor"], e["address"], e["outcome"]) == \
        ("cli", OS_USER, None, "ok"), e
    assert e["details"] == {"command": "accounts add", "role": "clerk",
                            "bureau": None}, e


@case("a wrong password: login failed, anonymous, from the client's address")
def _():
    expect(login("sec-victim", "wrong-password"), 401, "bad_credentials")
    e = newest(kind="login")
    assert (e["outcome"], e["actor_kind"], e["actor"], e["address"],
            e["subject"]) == ("failed", "anonymous", None, LOOPBACK,
                              "account:sec-victim"), e
    assert e["details"] == {"reason": "wrong_password"}, e
    expect(login("nobody-here", "wrong-password"), 401, "bad_credentials")
    e = newest(kind="login")
    assert e["subject"] == "account:nobody-here", e
    assert e["details"] == {"reason": "unknown_user"}, e


@case("failing until the lockout answers 429: login locked")
def _():
    for _ in range(12):  # bounded: the user lock is at 10 failures
        r = login("sec-victim", "wrong-password")
        if r.status == 429:
            break
        expect(r, 401, "bad_credentials")
    assert r.status == 429, r
    e = newest(kind="login")
    assert (e["outcome"], e["actor_kind"], e["address"], e["subject"]) == \
        ("locked", "anonymous", LOOPBACK, "account:sec-victim"), e
    assert e["details"] == {"reason": "too_many_failures"}, e


@case("a log-in: login ok by the account, with its role and address")
def _():
    r = expect(login("sec-ok", PW), 201)
    state["token"] = r.json["token"]
    e = newest(kind="login")
    assert (e["outcome"], e["actor_kind"], e["actor"], e["address"],
            e["subject"]) == ("ok", "account", "sec-ok", LOOPBACK,
                              "account:sec-ok"), e
    assert e["details"] == {"role": "clerk"}, e


@case("a log-out: logout ok by the account")
def _():
    expect(http("DELETE", "/api/v1/sessions/current",
                token=state["token"]), 204)
    e = newest(kind="logout")
    assert (e["outcome"], e["actor_kind"], e["actor"], e["address"],
            e["subject"]) == ("ok", "account", "sec-ok", LOOPBACK,
                              "account:sec-ok"), e
    expect(http("GET", PATH, token=state["token"]), 401, "invalid_token")


@case("a deployment: definition_deployed by the administrator")
def _():
    text = open(os.path.join(ROOT, "workflows", "spjy.xml"), "rb").read()
    shipped = int(re.search(rb'id="spjy" version="(\d+)"', text).group(1))
    v = shipped + 1
    xml = text.replace(b'id="spjy" version="%d"' % shipped,
                       b'id="spjy" version="%d"' % v)
    expect(http("POST", "/api/v1/workflows", raw=xml,
                ctype="application/xml", token=tok("admin1")), 201)
    e = newest(kind="definition_deployed")
    assert (e["outcome"], e["actor_kind"], e["actor"], e["address"],
            e["subject"]) == ("ok", "account", "admin1", LOOPBACK,
                              f"definition:spjy@{v}"), e
    assert e["details"]["id"] == "spjy" and e["details"]["version"] == v, e
    assert e["details"]["inserted"] is True, e
    # the server's start deployed the shipped ones as the system
    shipped_events = events(kind="definition_deployed", limit=50)["items"]
    assert any(x["actor_kind"] == "system" and x["actor"] is None
               and x["subject"] == f"definition:spjy@{shipped}"
               for x in shipped_events), shipped_events


@case("a calendar load: calendar_loaded by the command's user")
def _():
    with tempfile.NamedTemporaryFile("w", suffix=".txt",
                                     delete=False) as f:
        f.write("# test\n2031-10-01 holiday\n2031-10-02 holiday\n")
        path = f.name
    try:
        rc, out = tongban("calendar", "load", path)
        assert rc == 0, out
    finally:
        os.unlink(path)
    e = newest(kind="calendar_loaded")
    assert (e["outcome"], e["actor_kind"], e["actor"], e["address"],
            e["subject"]) == ("ok", "cli", OS_USER, None,
                              "calendar:2031"), e
    assert e["details"]["source"] == "administrator", e
    assert [x["days"] for x in e["details"]["files"]] == [2], e


@case("officers and clerks may not read the log (403), nobody without a token (401)")
def _():
    expect(http("GET", PATH, token=tok("officer-SCJG")), 403)
    expect(http("GET", PATH, token=tok("clerk1")), 403)
    expect(http("GET", PATH), 401)
    assert events(token="admin1", limit=1)["items"], "an admin reads it"


@case("pages: newest first, the cursor gives the older ones, filters hold")
def _():
    page = events(limit=2)
    assert page["total"] >= 8 and len(page["items"]) == 2, page
    a, b = page["items"]
    assert a["seq"] == b["seq"] + 1, page
    nxt = events(limit=2, after=page["next"])
    assert nxt["items"][0]["seq"] == b["seq"] - 1, nxt
    mine = events(actor="sec-ok")
    assert {e["kind"] for e in mine["items"]} == {"login", "logout"}, mine
    assert mine["total"] == 2 and mine["next"] is None, mine
    assert events(kind="login", **{"from": "2000-01-01",
                                    "to": "2000-01-02"})["total"] == 0


@case("bad parameters: 422 naming each")
def _():
    for query, field in [("kind=Login", "kind"), ("kind=a%20b", "kind"),
                         ("actor=" + "x" * 65, "actor"),
                         ("from=2026-13-01", "from"), ("to=yesterday", "to"),
                         ("from=2026-03-02&to=2026-03-01", "to"),
                         ("limit=0", "limit"), ("limit=501", "limit"),
                         ("after=-1", "after"), ("after=x", "after")]:
        r = expect(http("GET", f"{PATH}?{query}", token=tok("inspector1")),
                   422)
        assert field in [e["field"] for e in r.json["errors"]], (query, r.json)


@case("audit verify checks the security log; audit security lists it")
def _():
    rc, out = tongban("audit", "verify")
    assert rc in (0, 2), out  # 2: no checkpoint file here
    assert "broken" not in out, out
    rc, out = tongban("audit", "security", "--kind", "logout")
    assert rc == 0, out
    assert "logout ok by account sec-ok from 127.0.0.1 account:sec-ok" \
        in out, out
    assert re.search(r"the security log's \d+ events", out), out


sys.exit(done())
