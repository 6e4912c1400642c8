#!/usr/bin/env python3
"""test_api.py — the REST API over real HTTP (started by test_api.c).

Speaks TAP on stdout. Environment: TB_BASE_URL, TB_ADMIN_CONNINFO (psql
row counts), TB_PASSWORD (every account's), TB_ACCESS_LOG, TB_SOURCE_ROOT.
"""
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import traceback

import tbhttp
import tbschema
from tbhttp import (PROBLEMS, audit_verify, check_problem, china_today,
                    chunked, officer, open_task, task_outputs)

BASE = os.environ["TB_BASE_URL"]
ADMIN_DB = os.environ["TB_ADMIN_CONNINFO"]
PASSWORD = os.environ["TB_PASSWORD"]
LOG = os.environ.get("TB_ACCESS_LOG", "")
ROOT = os.environ["TB_SOURCE_ROOT"]
TONGBAN = os.environ.get("TB_TONGBAN", "")
DAY = 86400

count = 0
failed = 0


def case(name):
    def wrap(fn):
        global count, failed
        count += 1
        try:
            fn()
            print(f"ok {count} - {name}")
        except Exception as e:  # noqa: BLE001 - a failing case, reported
            failed += 1
            print(f"not ok {count} - {name}")
            for line in traceback.format_exc().splitlines():
                print("# " + line)
            print(f"# {e}")
        sys.stdout.flush()
        return fn
    return wrap


# ---- HTTP ------------------------------------------------------------------

def http(method, path, body=None, token=None, headers=None, raw=None,
         ctype="application/json", clock=None):
    """tbhttp.http (every answer checked against the OpenAPI document);
    raw bytes go as application/json unless ctype says otherwise."""
    return tbhttp.http(method, path, body, token, headers, raw, ctype,
                       clock=clock)


def raw_request(data):
    """Send bytes as they are on a fresh connection; the answer's bytes."""
    import socket
    host, port = BASE.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sk:
        sk.sendall(data)
        out = b""
        while True:
            try:
                chunk = sk.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
            if b"\r\n\r\n" in out:
                head, _, rest = out.partition(b"\r\n\r\n")
                m = re.search(rb"Content-Length: (\d+)", head, re.I)
                if m and len(rest) >= int(m.group(1)):
                    break
        return out


def expect(r, status, code=None):
    assert r.status == status, f"expected {status}, got {r!r}"
    if code:
        ct = r.headers.get("Content-Type", "")
        assert ct.startswith("application/problem+json"), ct
        assert r.json["code"] == code, r.json
        for k in ("type", "title", "status", "detail", "errors"):
            assert k in r.json, (k, r.json)
    return r


# ---- the database, for "nothing was stored" ---------------------------------

def psql_path():
    p = shutil.which("psql")
    if p:
        return p
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))
    return found[-1] if found else "psql"


PSQL = psql_path()


def sql(query):
    out = subprocess.run([PSQL, "-XAtq", "-d", ADMIN_DB, "-c", query],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def counts():
    return sql("SELECT (SELECT count(*) FROM applications) || ',' || "
               "(SELECT count(*) FROM audit_events) || ',' || "
               "(SELECT count(*) FROM tasks) || ',' || "
               "(SELECT count(*) FROM idempotency_keys) || ',' || "
               "(SELECT count(*) FROM definitions)")


class NothingStored:
    def __enter__(self):
        self.before = counts()

    def __exit__(self, *exc):
        if exc[0] is None:
            after = counts()
            assert after == self.before, f"rows changed {self.before} -> {after}"


# ---- identifiers --------------------------------------------------------------

def citizen_id(birth="19900307", seq="123"):
    base = "330106" + birth + seq
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    s = sum(int(c) * k for c, k in zip(base, w))
    return base + "10X98765432"[s % 11]


CREDIT_CODE = "91330100MA27XL0Q2K"  # validated below against the server


def bureau_credit_codes():
    text = open(os.path.join(ROOT, "workflows", "bureaus.xml"),
                encoding="utf-8").read()
    return re.findall(r'code="([A-Z]+)" name="[^"]*" credit-code="([0-9A-Z]{18})"',
                      text)


BUREAUS = [b for b, _ in bureau_credit_codes()]
ORG_ID = bureau_credit_codes()[0][1]
PERSON_ID = citizen_id()

# ---- sessions -----------------------------------------------------------------

tokens = {}


def login(user):
    r = http("POST", "/api/v1/sessions", {"username": user,
                                           "password": PASSWORD})
    assert r.status == 201, r
    return r.json["token"]


def tok(user):
    if user not in tokens:
        tokens[user] = login(user)
    return tokens[user]


CLERK = "clerk1"
ADMIN = "admin1"
INSPECTOR = "inspector1"

# ---- building valid applications from a definition --------------------------

defs = {}


def definition(service):
    if service not in defs:
        defs[service] = expect(http("GET", "/api/v1/workflows/" + service), 200).json
    return defs[service]


def value_for(f, overrides, applicant_kind="person"):
    if f["id"] in overrides:
        return overrides[f["id"]]
    t = f["type"]
    if t == "text":
        n = max(f["min"] or 2, 2)
        if f["max"] is not None:
            n = min(n, f["max"])
        return "测" * n
    if t == "number":
        v = f["min"] if f["min"] is not None else 1
        if f["min"] is not None and f["min"] < 1 and (f["max"] is None or f["max"] >= 1):
            v = 1
        return int(v) if f.get("integer") else v
    if t == "money":
        v = 1000
        if f["min"] is not None and v < f["min"]:
            v = f["min"]
        if f["max"] is not None and v > f["max"]:
            v = f["max"]
        return v
    if t == "date":
        if f["min"] == "today":  # the day of intake in China Standard Time
            return china_today()
        return f["min"] or f["max"] or "2025-06-02"
    if t == "choice":
        first = f["choices"][0]["value"]
        return [first] if f.get("multiple") else first
    if t == "boolean":
        return True
    if t == "id-number":
        return ORG_ID if f.get("same_as") == "applicant" and \
            applicant_kind == "organization" else PERSON_ID
    raise AssertionError("unknown type " + t)


def make_form(service, overrides=None):
    d = definition(service)
    overrides = overrides or {}
    return {f["id"]: value_for(f, overrides, d["applicant"]) for f in d["fields"]
            if f["required"] or f["id"] in overrides or f["type"] != "text"}


def applicant_for(service, name="张三丰"):
    kind = definition(service)["applicant"]
    if kind == "organization":
        return {"kind": "organization", "name": "杭州测试科技有限公司",
                "id_number": ORG_ID}
    return {"kind": "person", "name": name, "id_number": PERSON_ID}


def create(service, materials=None, form=None, channel="window", token=None,
           key=None, expect_status=201):
    d = definition(service)
    if materials is None:
        materials = [m["id"] for m in d["materials"]]
    body = {"service": service, "applicant": applicant_for(service),
            "form": form or make_form(service), "materials": materials,
            "channel": channel}
    headers = {"Idempotency-Key": key} if key else None
    r = http("POST", "/api/v1/applications", body,
             token=token if token is not None else tok(CLERK), headers=headers)
    assert r.status == expect_status, r
    return r.json


def act(number, action, body=None, user=CLERK, clock=None, status=200):
    r = http("POST", f"/api/v1/applications/{number}/{action}", body or {},
             token=tok(user), clock=clock)
    assert r.status == status, (action, r)
    return r.json


def app(number, user=CLERK):
    return expect(http("GET", "/api/v1/applications/" + number,
                       token=tok(user)), 200).json


def decide(number, bureau, decision="approve", comment=None, items=None,
           clock=None):
    t = open_task(number, bureau)
    if t["state"] == "open":
        r = http("POST", f"/api/v1/tasks/{t['id']}/claim", {},
                 token=officer(bureau), clock=clock)
        assert r.status == 200, r
    body = {"decision": decision}
    if comment:
        body["comment"] = comment
    if items:
        body["items"] = items
    if decision == "approve" and task_outputs(t):
        body["outputs"] = task_outputs(t)
    r = http("POST", f"/api/v1/tasks/{t['id']}/decide", body,
             token=officer(bureau), clock=clock)
    assert r.status == 200, r
    return r.json["application"]


def active_bureaus(view):
    return [b["bureau"] for b in view["branches"] if b["status"] == "active"]


def approve_all(number, clock=None):
    for _ in range(20):
        v = app(number)
        if v["state"] != "in_review":
            return v
        for b in active_bureaus(v):
            decide(number, b, clock=clock)
    raise AssertionError("the review did not end")


def accept(number, tolerated=None, committed=None, clock=None):
    body = {}
    if tolerated:
        body["tolerated"] = tolerated
    if committed:
        body["committed"] = committed
    return act(number, "accept", body, clock=clock)


# ================================================================== cases

@case("healthz answers with the database reachable")
def _():
    r = expect(http("GET", "/healthz"), 200)
    assert r.json["status"] == "ok"


@case("unknown paths are 404 problems")
def _():
    expect(http("GET", "/api/v1/nothing-here"), 404, "not_found")
    expect(http("GET", "/api/v2/applications"), 404, "not_found")


@case("a wrong method is 405 with Allow")
def _():
    r = expect(http("PUT", "/api/v1/applications"), 405, "method_not_allowed")
    allow = r.headers.get("Allow")
    assert allow and "GET" in allow and "POST" in allow, allow
    r = expect(http("DELETE", "/healthz"), 405, "method_not_allowed")
    assert r.headers.get("Allow") == "GET, HEAD"


@case("login: every role gets a token, role and bureau")
def _():
    for user, role in ((ADMIN, "admin"), (CLERK, "clerk"),
                       (INSPECTOR, "inspector"), ("officer-GA", "officer")):
        r = expect(http("POST", "/api/v1/sessions",
                        {"username": user, "password": PASSWORD}), 201)
        j = r.json
        assert j["role"] == role and len(j["token"]) == 43, j
        assert j["bureau"] == ("GA" if role == "officer" else None), j
        assert j["expires_at"].endswith("Z")
        tokens.setdefault(user, j["token"])


@case("login: a wrong password is 401 and stores no session")
def _():
    before = sql("SELECT count(*) FROM sessions")
    expect(http("POST", "/api/v1/sessions",
                {"username": CLERK, "password": "wrong-password"}), 401,
           "bad_credentials")
    expect(http("POST", "/api/v1/sessions",
                {"username": "nobody", "password": "wrong-password"}), 401,
           "bad_credentials")
    assert sql("SELECT count(*) FROM sessions") == before
    sql("DELETE FROM auth_failures")


@case("login: repeated failures slow down, then lock (429 + Retry-After)")
def _():
    statuses = []
    for _ in range(4):
        r = http("POST", "/api/v1/sessions",
                 {"username": "lockme", "password": "wrong-password"})
        statuses.append(r.status)
        if r.status == 429:
            break
    assert statuses[:3] == [401, 401, 401], statuses
    assert statuses[3] == 429, statuses
    assert int(r.headers["Retry-After"]) >= 1
    # even the right password waits now
    r = http("POST", "/api/v1/sessions",
             {"username": "lockme", "password": PASSWORD})
    expect(r, 429, "too_many_attempts")
    # ten failures in the window lock the account for the window
    sql("INSERT INTO auth_failures (key, at) SELECT 'user:lockme@127.0.0.1', "
        "now() - interval '1 minute' FROM generate_series(1, 10)")
    r = expect(http("POST", "/api/v1/sessions",
                    {"username": "lockme", "password": PASSWORD}), 429, "locked")
    assert int(r.headers["Retry-After"]) > 60
    sql("DELETE FROM auth_failures")
    expect(http("POST", "/api/v1/sessions",
                {"username": "lockme", "password": PASSWORD}), 201)


@case("tokens: missing, forged, expired and revoked tokens are 401")
def _():
    expect(http("GET", "/api/v1/applications"), 401, "unauthenticated")
    expect(http("GET", "/api/v1/applications", token="x" * 43), 401,
           "invalid_token")
    expect(http("GET", "/api/v1/applications", token="abc"), 401,
           "invalid_token")
    t = login(CLERK)
    expect(http("GET", "/api/v1/applications", token=t), 200)
    sql("UPDATE sessions SET expires_at = now() - interval '1 second' "
        "WHERE token_hash = sha256(convert_to('" + t + "', 'UTF8'))")
    time.sleep(0.3)  # a change by hand reaches the session cache (event tail)
    expect(http("GET", "/api/v1/applications", token=t), 401, "invalid_token")
    t = login(CLERK)
    expect(http("DELETE", "/api/v1/sessions/current", token=t), 204)
    expect(http("GET", "/api/v1/applications", token=t), 401, "invalid_token")


@case("workflows: the shipped services are listed")
def _():
    r = expect(http("GET", "/api/v1/workflows"), 200)
    ids = sorted(i["id"] for i in r.json["items"])
    assert ids == ["cssj", "qykb", "sgxk", "spjy"], ids


@case("workflows: one service has fields, materials and steps")
def _():
    d = definition("qykb")
    assert d["name"] == "企业开办"
    f = {x["id"]: x for x in d["fields"]}
    assert f["scope"]["multiple"] and len(f["scope"]["choices"]) == 6
    assert f["company_name"]["min"] == 4
    m = {x["id"]: x for x in d["materials"]}
    assert m["appointment"]["tolerate_days"] == 5 and m["premises"]["commitment"]
    assert [s["bureau"] for s in d["steps"]][:2] == ["SCJG", "GA"]
    expect(http("GET", "/api/v1/workflows/nope"), 404, "not_found")


@case("workflows: a bad definition is 422 with line-numbered problems")
def _():
    xml = ('<?xml version="1.0"?>\n<service xmlns="urn:tongban:workflow:1" '
           'id="bad" version="1">\n<name>x</name>\n<oops/>\n</service>\n')
    with NothingStored():
        r = expect(http("POST", "/api/v1/workflows", raw=xml.encode(),
                        ctype="application/xml", token=tok(ADMIN)), 422,
                   "invalid_definition")
    assert r.json["errors"] and all(e["field"].startswith("line ")
                                    for e in r.json["errors"]), r.json


@case("workflows: an admin deploys a new version → 201, again → 200")
def _():
    text = open(os.path.join(ROOT, "workflows", "spjy.xml"), "rb").read()
    shipped = int(re.search(rb'id="spjy" version="(\d+)"', text).group(1))
    v3 = text.replace(b'id="spjy" version="%d"' % shipped,
                      b'id="spjy" version="%d"' % (shipped + 1))
    assert v3 != text
    r = expect(http("POST", "/api/v1/workflows", raw=v3,
                    ctype="application/xml", token=tok(ADMIN)), 201)
    assert r.json == {"id": "spjy", "version": shipped + 1,
                      "inserted": True}, r.json
    r = expect(http("POST", "/api/v1/workflows", raw=v3,
                    ctype="application/xml", token=tok(ADMIN)), 200)
    assert r.json["inserted"] is False
    assert definition("spjy")["version"] in (shipped, shipped + 1)
    defs.pop("spjy", None)
    assert definition("spjy")["version"] == shipped + 1


# ---- end to end, every shipped workflow -----------------------------------

finished = {}


def lifecycle(service):
    a = create(service)
    assert a["state"] == "submitted", a
    # ≥ 40 bits: 10 characters of a 31-letter alphabet (≈ 49.5 bits)
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{10}", a["tracking_code"]), a["tracking_code"]
    # region, day, a 9-digit serial of the staff pool, check character
    assert re.fullmatch(r"330100\d{8}[01]\d{8}[0-9X]", a["number"]), a["number"]
    d = definition(service)
    v = accept(a["number"])
    assert v["state"] == "in_review" and v["deadline"], v
    v = approve_all(a["number"])
    assert v["state"] == "approved", v
    v = act(a["number"], "deliver", {"method": "window"})
    assert v["state"] == "delivered"
    v = act(a["number"], "rating", {"grade": 5, "comment": "很好"})
    assert v["rating"] == 5
    ev = expect(http("GET", f"/api/v1/applications/{a['number']}/events",
                     token=tok(INSPECTOR)), 200).json["events"]
    actions = [e["action"] for e in ev]
    assert actions[0] == "submit" and actions[-2:] == ["deliver", "rate"], actions
    assert "approve" in actions and "claim" in actions
    finished[service] = a
    return d


for _service in ("qykb", "sgxk", "spjy", "cssj"):
    case(f"end to end: {_service} from intake to rating")(
        lambda s=_service: lifecycle(s))


@case("a task id acts only on its own round: yesterday's page gets task_superseded")
def _():
    a = create("qykb")
    n = a["number"]
    accept(n)
    decide(n, "SCJG")
    old = open_task(n, "GA")
    decide(n, "GA", "return", "印章样式不清", ["application"])
    for _ in range(10):  # the other branches finish (SW has two steps)
        if app(n)["state"] != "in_review":
            break
        for b in active_bureaus(app(n)):
            decide(n, b)
    assert app(n)["state"] == "returned"
    v = act(n, "supplement", {"materials": ["application"]})
    assert v["state"] == "in_review"
    new = open_task(n, "GA")
    assert new["id"] != old["id"] and new["round"] == old["round"] + 1, new
    ga = officer("GA")
    before = counts()
    for action, body in (("claim", {}), ("decide", {"decision": "approve"})):
        r = http("POST", f"/api/v1/tasks/{old['id']}/{action}", body, token=ga)
        expect(r, 409, "task_superseded")
        assert r.json["current_task"] == new["id"], r.json
    assert counts() == before, "a superseded task changed something"
    expect(http("POST", f"/api/v1/tasks/{new['id']}/claim", {}, token=ga), 200)
    r = expect(http("POST", f"/api/v1/tasks/{new['id']}/decide",
                    {"decision": "approve"}, token=ga), 200)
    # the decided round-2 task is superseded too, and names no open task
    r = http("POST", f"/api/v1/tasks/{new['id']}/decide",
             {"decision": "approve"}, token=ga)
    expect(r, 409, "task_superseded")
    assert r.json["current_task"] is None, r.json


@case("returns from two bureaus are merged into one supplement notice")
def _():
    a = create("qykb")
    n = a["number"]
    accept(n)
    decide(n, "SCJG")  # registration first; then seal, tax, social insurance
    v = app(n)
    assert set(active_bureaus(v)) >= {"GA", "SW", "RS"}, active_bureaus(v)
    decide(n, "GA", "return", "印章样式不清", ["application"])
    decide(n, "SW", "return", "章程缺少签字页", ["articles"])
    v = app(n)
    assert v["state"] == "in_review"  # waits for the other bureaus
    for b in active_bureaus(v):
        decide(n, b)
    v = app(n)
    assert v["state"] == "returned", v["state"]
    notice = v["notice"]
    assert sorted(i["id"] for i in notice["items"]) == ["application", "articles"]
    by = {b["bureau"]: b for b in notice["bureaus"]}
    assert set(by) == {"GA", "SW"}, notice
    assert by["GA"]["comment"] == "印章样式不清" and by["GA"]["items"] == ["application"]
    assert by["SW"]["comment"] == "章程缺少签字页"
    assert by["GA"]["bureau_name"] == "公安局" and by["SW"]["bureau_name"] == "税务局", by
    # the applicant sees the very same notice on the tracking page
    r = expect(http("GET", f"/api/v1/track/{n}?code={a['tracking_code']}"), 200)
    t = r.json
    assert t["state"] == "returned" and t["notice"] == notice, t["notice"]
    names = {m["id"]: m["name"] for m in definition("qykb")["materials"]}
    assert {(i["id"], i["name"]) for i in t["notice"]["items"]} == {
        ("application", names["application"]), ("articles", names["articles"])}
    assert {(b["bureau_name"], b["comment"]) for b in t["notice"]["bureaus"]} == {
        ("公安局", "印章样式不清"), ("税务局", "章程缺少签字页")}
    body = r.body.decode()
    assert ORG_ID not in body and PERSON_ID not in body and "officer-" not in body
    v = act(n, "supplement", {"materials": ["application", "articles"]})
    assert v["state"] == "in_review" and v["notice"] is None
    t = expect(http("GET", f"/api/v1/track/{n}?code={a['tracking_code']}"), 200).json
    assert t["notice"] is None, t["notice"]
    assert sorted(active_bureaus(v)) == ["GA", "SW"]
    assert approve_all(n)["state"] == "approved"


@case("容缺: the license waits for the last tolerated gap, and its supplement signs it")
def _():
    d = definition("qykb")
    mats = [m["id"] for m in d["materials"] if m["id"] != "appointment"]
    a = create("qykb", materials=mats)
    n, code = a["number"], a["tracking_code"]
    v = accept(n, tolerated=["appointment"])
    m = {x["id"]: x for x in v["materials"]}
    assert m["appointment"]["status"] == "gap" and m["appointment"]["due"], m
    due = m["appointment"]["due"]
    # Every bureau approves: approved, waiting for the material, nothing signed.
    v = approve_all(n)
    assert v["state"] == "awaiting_materials", v["state"]
    assert sql(f"SELECT count(*) FROM licenses WHERE application_number = '{n}'") == "0"
    t = expect(http("GET", f"/api/v1/track/{n}?code={code}"), 200).json
    assert t["state"] == "awaiting_materials" and t["licenses"] == [], t
    assert t["owed"] == [{"id": "appointment", "name": m["appointment"]["name"], "due": due}], t["owed"]
    # Nothing to hand over yet.
    with NothingStored():
        r = http("POST", f"/api/v1/applications/{n}/deliver", {}, token=tok(CLERK))
        expect(r, 409, "illegal_state")
    # The supplement of the last gap signs the licenses in its transaction.
    v = act(n, "supplement", {"materials": ["appointment"]})
    assert v["state"] == "approved", v["state"]
    assert {x["id"]: x for x in v["materials"]}["appointment"]["status"] == "provided"
    t = expect(http("GET", f"/api/v1/track/{n}?code={code}"), 200).json
    assert t["owed"] == [] and t["licenses"], t
    for lic in t["licenses"]:
        verdict = expect(http("POST", "/api/v1/licenses/verify", {"payload": lic["payload"]}), 200).json
        assert verdict["valid"], verdict
    assert act(n, "deliver")["state"] == "delivered"


@case("容缺: supplying one of two gaps leaves the license waiting")
def _():
    d = definition("spjy")
    gaps = [m["id"] for m in d["materials"] if m.get("tolerate_days")]
    assert len(gaps) >= 2, gaps
    a = create("spjy", materials=[m["id"] for m in d["materials"] if m["id"] not in gaps])
    n = a["number"]
    accept(n, tolerated=gaps)
    assert approve_all(n)["state"] == "awaiting_materials"
    v = act(n, "supplement", {"materials": gaps[:1]})
    assert v["state"] == "awaiting_materials", v["state"]
    assert sql(f"SELECT count(*) FROM licenses WHERE application_number = '{n}'") == "0"
    v = act(n, "supplement", {"materials": gaps[1:]})
    assert v["state"] == "approved"
    assert sql(f"SELECT count(*) FROM licenses WHERE application_number = '{n}'") != "0"


@case("tracking counts the working days left on the server, from the request's day")
def _():
    import datetime as dt
    # a Friday noon (China Standard Time) some weeks ahead
    day = dt.date.today() + dt.timedelta(days=21)
    day += dt.timedelta(days=(4 - day.weekday()) % 7)
    friday = int(dt.datetime(day.year, day.month, day.day, 4, tzinfo=dt.timezone.utc).timestamp())
    a = create("qykb")
    n, code = a["number"], a["tracking_code"]
    t = expect(http("GET", f"/api/v1/track/{n}?code={code}", clock=friday), 200).json
    assert t["working_days_left"] is None, t  # not accepted: no clock yet
    v = accept(n, clock=friday)
    deadline = dt.date.fromisoformat(v["deadline"])

    def weekdays(a_day, b_day):  # working days in (a, b]: no calendar is loaded here
        return sum(1 for k in range(1, (b_day - a_day).days + 1)
                   if (a_day + dt.timedelta(days=k)).weekday() < 5)
    for offset in (0, 1, 2, 3):  # Friday, the weekend, Monday
        now = friday + offset * DAY
        t = expect(http("GET", f"/api/v1/track/{n}?code={code}", clock=now), 200).json
        today = day + dt.timedelta(days=offset)
        assert t["working_days_left"] == weekdays(today, deadline), (offset, t["working_days_left"], str(deadline))
    assert approve_all(n, clock=friday + DAY)["state"] in ("approved", "awaiting_materials")
    t = expect(http("GET", f"/api/v1/track/{n}?code={code}", clock=friday + DAY), 200).json
    assert t["working_days_left"] is None, t  # decided: the clock stopped


@case("a special procedure pauses the clock and moves the deadline")
def _():
    d = definition("sgxk")
    assert d["specials"], d["specials"]
    kind = d["specials"][0]["kind"]
    now = int(time.time())
    a = create("sgxk")
    n = a["number"]
    v = accept(n, clock=now)
    before = v["deadline"]
    v = act(n, "suspend", {"kind": kind, "reason": "需要现场核查"},
            clock=now + DAY)
    assert v["state"] == "suspended" and v["special"] == kind
    v = act(n, "resume", {"reason": "核查完毕"}, clock=now + 15 * DAY)
    assert v["state"] == "in_review"
    assert v["paused_days"] >= 5, v["paused_days"]
    assert v["deadline"] > before, (before, v["deadline"])
    # the resume event records the move and the working days paused
    ev = expect(http("GET", f"/api/v1/applications/{n}/events", token=tok(CLERK)),
                200).json["events"]
    moved = [e["payload"]["deadlines"] for e in ev if e["action"] == "resume"]
    assert len(moved) == 1, ev
    assert moved[0]["deadline"] == {"old": before, "new": v["deadline"]}, moved
    assert moved[0]["paused_days"] == v["paused_days"], moved
    r = http("POST", f"/api/v1/applications/{n}/suspend",
             {"kind": "no-such-kind", "reason": "x"}, token=tok(CLERK))
    expect(r, 422, "invalid_request")


@case("a withdrawal ends the application and cancels its tasks")
def _():
    a = create("spjy")
    n = a["number"]
    accept(n)
    v = act(n, "withdraw", {"reason": "申请人撤回"})
    assert v["state"] == "withdrawn"
    r = expect(http("GET", "/api/v1/tasks?bureau=SCJG", token=officer("SCJG")), 200)
    assert not [t for t in r.json["items"] if t["number"] == n]


@case("a denial ends the application as denied")
def _():
    a = create("spjy")
    n = a["number"]
    accept(n)
    v = decide(n, "SCJG", "deny", "经营场所不符合要求")
    assert v["state"] == "denied", v["state"]
    r = http("POST", f"/api/v1/applications/{n}/deliver", {}, token=tok(CLERK))
    r = expect(r, 409, "illegal_state")
    assert r.json["state"] == "denied"


@case("window: reject needs a reason; a supplement request lists items")
def _():
    a = create("spjy", materials=[])
    n = a["number"]
    r = http("POST", f"/api/v1/applications/{n}/reject", {}, token=tok(CLERK))
    expect(r, 422, "invalid_request")
    assert r.json["errors"][0]["field"] == "reason"
    r = http("POST", f"/api/v1/applications/{n}/accept", {}, token=tok(CLERK))
    expect(r, 422, "material")
    v = act(n, "supplement-request", {"items": ["layout"], "reason": "缺平面图"})
    assert v["state"] == "awaiting_supplement"
    assert [i["id"] for i in v["notice"]["items"]] == ["layout"]
    assert v["notice"]["reason"] == "缺平面图", v["notice"]
    t = expect(http("GET", f"/api/v1/track/{n}?code={a['tracking_code']}"), 200).json
    assert t["state"] == "awaiting_supplement" and t["notice"] == v["notice"], t
    layout = [m for m in definition("spjy")["materials"] if m["id"] == "layout"][0]
    assert t["notice"]["items"] == [{"id": "layout", "name": layout["name"],
                                     "supplied": False}]
    v = act(n, "reject", {"reason": "逾期未补正"})
    assert v["state"] == "refused"


@case("online applications need no login and wait for the window")
def _():
    d = definition("cssj")
    assert d["online"]
    body = {"service": "cssj", "applicant": applicant_for("cssj"),
            "form": make_form("cssj"), "materials": [], "channel": "online"}
    r = expect(http("POST", "/api/v1/applications", body), 201)
    assert r.json["state"] == "submitted" and r.json["channel"] == "online"
    body["channel"] = "window"
    with NothingStored():
        expect(http("POST", "/api/v1/applications", body), 422,
               "invalid_request")


@case("one number: the holder's applications across services")
def _():
    r = expect(http("GET", "/api/v1/applications?applicant=" + PERSON_ID,
                    token=tok(CLERK)), 200)
    services = {i["service"] for i in r.json["items"]}
    assert {"qykb", "cssj"} <= services, services
    assert all(i["applicant"]["id_number"] == PERSON_ID for i in r.json["items"])
    r = expect(http("GET", "/api/v1/applications?state=delivered&service=spjy",
                    token=tok(INSPECTOR)), 200)
    assert r.json["items"] and all(i["state"] == "delivered" for i in r.json["items"])
    expect(http("GET", "/api/v1/applications?applicant=123",
                token=tok(CLERK)), 422, "invalid_request")
    expect(http("GET", "/api/v1/applications?state=bogus",
                token=tok(CLERK)), 422, "invalid_request")


@case("tasks: a queue with deadlines and warning colours")
def _():
    a = create("spjy")
    accept(a["number"])
    r = expect(http("GET", "/api/v1/tasks", token=officer("SCJG")), 200)
    t = [x for x in r.json["items"] if x["number"] == a["number"]][0]
    assert t["deadline"] and t["warning"] in ("none", "yellow", "red"), t
    assert all(x["bureau"] == "SCJG" for x in r.json["items"])
    r = expect(http("GET", "/api/v1/tasks?state=open", token=tok(INSPECTOR)), 200)
    assert {x["bureau"] for x in r.json["items"]} >= {"SCJG"}
    expect(http("GET", "/api/v1/tasks?bureau=GA", token=officer("SCJG")), 403,
           "wrong_bureau")
    expect(http("GET", "/api/v1/tasks?state=nope", token=tok(INSPECTOR)), 422,
           "invalid_request")
    # a decision on an unclaimed task claims it in the same transition
    tid = t["id"]
    body = {"decision": "approve"}
    if task_outputs(t):
        body["outputs"] = task_outputs(t)
    r = expect(http("POST", f"/api/v1/tasks/{tid}/decide", body,
                    token=officer("SCJG")), 200)
    assert open_task(a["number"], "SCJG")["id"] != tid  # the next step's


@case("tracking: the right code shows a masked timeline")
def _():
    a = finished["qykb"]
    r = expect(http("GET", f"/api/v1/track/{a['number']}?code={a['tracking_code']}"), 200)
    j = r.json
    assert j["state"] == "delivered" and j["applicant"]["name"] == "张**", j
    assert j["applicant"]["name"][1:] == "*" * (len(j["applicant"]["name"]) - 1)
    body = r.body.decode()
    assert PERSON_ID not in body and ORG_ID not in body, body
    assert "clerk1" not in body and "officer-" not in body
    assert j["steps"] and j["timeline"][0]["action"] == "submit"


@case("tracking: a wrong code is answered exactly like an unknown number")
def _():
    a = finished["cssj"]
    wrong = http("GET", f"/api/v1/track/{a['number']}?code=WRONGCODE")
    unknown = http("GET", "/api/v1/track/330100202001010000011?code=ABCDEFGH")
    missing = http("GET", f"/api/v1/track/{a['number']}")
    assert wrong.status == unknown.status == missing.status == 404
    assert wrong.body == unknown.body == missing.body, (wrong, unknown)
    sql("DELETE FROM auth_failures")


@case("Idempotency-Key: a replay gets the first answer and stores nothing")
def _():
    before = int(sql("SELECT count(*) FROM applications"))
    a1 = create("spjy", key="intake-key-1")
    a2 = create("spjy", key="intake-key-1")
    assert a1 == a2
    assert int(sql("SELECT count(*) FROM applications")) == before + 1
    n = a1["number"]
    h = {"Idempotency-Key": "accept-key-1"}
    r1 = http("POST", f"/api/v1/applications/{n}/accept", {}, token=tok(CLERK),
              headers=h)
    expect(r1, 200)
    with NothingStored():
        r2 = http("POST", f"/api/v1/applications/{n}/accept", {},
                  token=tok(CLERK), headers=h)
    assert r2.status == 200 and r2.body == r1.body
    with NothingStored():
        r3 = http("POST", f"/api/v1/applications/{n}/withdraw", {},
                  token=tok(CLERK), headers=h)
    expect(r3, 422, "idempotency_key_reused")


def chain_rows(number):
    """The audit events of an application, as the superuser reads them."""
    text = sql(
        "SELECT json_agg(json_build_object('seq', e.seq, 'actor', e.actor_id, "
        "'actor_name', e.actor_name, 'role', e.role, 'bureau', e.bureau, "
        "'action', e.action, 'payload', e.payload, 'at', to_char(e.at AT TIME "
        "ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), 'prev', "
        "encode(e.prev_hash, 'hex'), 'hash', encode(e.hash, 'hex'), "
        "'canon', e.canon) ORDER BY e.seq) FROM audit_events e JOIN "
        f"applications a ON a.id = e.application_id WHERE a.number = '{number}'")
    return json.loads(text)


def event_hash(number, e, prev_hex):
    """SHA-256(prev || canonical form 2 of the event), computed here, apart
    from the server's code: Python's sorted compact JSON is RFC 8785's for
    these members (ASCII keys, no fractions)."""
    obj = {"canon": 2, "seq": e["seq"], "actor": e["actor"],
           "action": e["action"], "actor_name": e["actor_name"],
           "application": number, "at": e["at"], "bureau": e["bureau"],
           "role": e["role"], "payload": json.loads(e["payload"])}
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)
    return hashlib.sha256(bytes.fromhex(prev_hex) + text.encode()).hexdigest()


@case("the audit chain: each hash covers the previous one (known answer); a forged event relinked is reported")
def _():
    assert TONGBAN, "no tongban binary given"
    a = create("spjy")
    n = a["number"]
    accept(n)
    bureau = active_bureaus(app(n))[0]
    t = open_task(n, bureau)
    expect(http("POST", f"/api/v1/tasks/{t['id']}/claim", {},
                token=officer(bureau)), 200)
    rows = chain_rows(n)
    assert len(rows) >= 3, rows
    prev = "00" * 32
    for e in rows:
        assert e["canon"] == 2 and e["prev"] == prev, e
        assert event_hash(n, e, prev) == e["hash"], (e["seq"], e["hash"])
        prev = e["hash"]
    assert audit_verify(n)[0] == 0
    # forge event 1 (another channel), recompute its hash, relink event 2
    e1, e2 = rows[0], rows[1]
    forged = json.loads(e1["payload"])
    forged["event"]["channel"] = "online"
    e1f = dict(e1, payload=json.dumps(forged, sort_keys=True,
                                      separators=(",", ":"),
                                      ensure_ascii=False))
    h1 = event_hash(n, e1f, e1["prev"])
    h2 = event_hash(n, e2, h1)
    where = f"application_id = (SELECT id FROM applications WHERE number = '{n}')"
    edit = ("SET session_replication_role = replica; "
            "UPDATE audit_events SET payload = {p}, hash = decode('{h}', 'hex') "
            "WHERE {w} AND seq = 1; UPDATE audit_events SET prev_hash = "
            "decode('{h}', 'hex'), hash = decode('{h2}', 'hex') WHERE {w} AND "
            "seq = 2")
    q = lambda text: "'" + text.replace("'", "''") + "'"
    sql(edit.format(p=q(e1f["payload"]), h=h1, h2=h2, w=where))
    try:
        rc, out = audit_verify(n)
        assert rc == 1 and "event 3" in out, out
    finally:
        sql(edit.format(p=q(e1["payload"]), h=e1["hash"], h2=e2["hash"],
                        w=where))
    assert audit_verify(n)[0] == 0


@case("worklists show every task: filtered in the query, paged by a stable cursor, with the total")
def _():
    # 1,100 open tasks of one bureau (XJ, a bureau of its own), written
    # straight into the database: rounds 100.. of one application's branch,
    # with deadlines spread over days and some without one; 300 decided
    # tasks mixed in, which no worklist shows
    a = create("spjy")
    app_id = sql(f"SELECT id FROM applications WHERE number = '{a['number']}'")
    sql("INSERT INTO tasks (application_id, branch, step, round, branch_id, "
        "task_id, name, bureau, state, deadline, serial) SELECT "
        f"{app_id}, 9, 0, 100 + g, 'x', 'x', '测试', 'XJ', "
        "CASE WHEN g % 5 = 0 THEN 'decided' WHEN g % 7 = 0 THEN 'claimed' "
        "ELSE 'open' END, CASE WHEN g % 11 = 0 THEN NULL ELSE "
        "date '2027-01-01' + (g % 37) END, g FROM generate_series(1, 1400) g")
    want = sorted(int(x) for x in sql(
        "SELECT id FROM tasks WHERE bureau = 'XJ' AND state IN "
        "('open', 'claimed')").split())
    assert len(want) > 1000, len(want)
    seen, after, pages = [], None, 0
    added = None
    while True:
        q = "/api/v1/tasks?bureau=XJ&limit=250" + (f"&after={after}" if after else "")
        r = expect(http("GET", q, token=tok(INSPECTOR)), 200).json
        assert r["total"] == len(want) + (1 if added else 0), r["total"]
        assert all(t["state"] in ("open", "claimed") for t in r["items"])
        keys = [(t["deadline"] or "9999", t["id"]) for t in r["items"]]
        assert keys == sorted(keys), "a page out of order"
        seen += [t["id"] for t in r["items"]]
        pages += 1
        if pages == 2:  # a task with the earliest deadline arrives meanwhile
            added = int(sql(
                "INSERT INTO tasks (application_id, branch, step, round, "
                "branch_id, task_id, name, bureau, deadline, serial) VALUES "
                f"({app_id}, 9, 0, 99, 'x', 'x', '测试', 'XJ', "
                "date '2026-12-01', 1401) RETURNING id").split()[0])
        after = r["next"]
        if not after:
            break
    assert pages == 5, pages
    assert sorted(seen) == want, "every task exactly once, none skipped"
    # bad limits and cursors are named
    for bad in ("limit=0", "limit=501", "limit=x", "after=nope",
                "after=2027-13-01.5", "after=infinity.-1"):
        r = http("GET", "/api/v1/tasks?bureau=XJ&" + bad, token=tok(INSPECTOR))
        expect(r, 422, "invalid_request")
    sql(f"DELETE FROM tasks WHERE bureau = 'XJ'")


@case("Idempotency-Key: the same key, method and path with another body is refused")
def _():
    # two intakes with different forms under one key: the second is not a
    # replay of the first (the key's fingerprint covers the body)
    d = definition("spjy")
    form = make_form("spjy")
    first = create("spjy", form=form, key="body-key-1")
    other = dict(form, area=form["area"] + 1)
    body = {"service": "spjy", "applicant": applicant_for("spjy"),
            "form": other, "materials": [m["id"] for m in d["materials"]],
            "channel": "window"}
    with NothingStored():
        r = http("POST", "/api/v1/applications", body, token=tok(CLERK),
                 headers={"Idempotency-Key": "body-key-1"})
        expect(r, 422, "idempotency_key_reused")
    # decide approve, then deny with the same key: refused, nothing stored
    n = first["number"]
    accept(n)
    bureau = active_bureaus(app(n))[0]
    t = open_task(n, bureau)
    expect(http("POST", f"/api/v1/tasks/{t['id']}/claim", {},
                token=officer(bureau)), 200)
    h = {"Idempotency-Key": "body-key-2"}
    path = f"/api/v1/tasks/{t['id']}/decide"
    r1 = http("POST", path, {"decision": "approve"}, token=officer(bureau),
              headers=h)
    expect(r1, 200)
    with NothingStored():
        r2 = http("POST", path, {"decision": "deny", "comment": "不符合条件"},
                  token=officer(bureau), headers=h)
        expect(r2, 422, "idempotency_key_reused")


@case("bad input: malformed JSON, invalid UTF-8, oversized bodies")
def _():
    t = tok(CLERK)
    with NothingStored():
        expect(http("POST", "/api/v1/applications", raw=b'{"service":', token=t),
               400, "malformed_json")
        expect(http("POST", "/api/v1/applications", raw=b'[1,2]', token=t),
               400, "malformed_json")
        r = expect(http("POST", "/api/v1/applications",
                        raw=b'{"service":"q\xff\xfe"}', token=t), 400,
                   "invalid_utf8")
        assert "UTF-8" in r.json["detail"]
        # a declared Content-Length over the cap is refused before the
        # body when the client waits for 100 Continue
        r = raw_request(b"POST /api/v1/applications HTTP/1.1\r\n"
                        b"Host: x\r\nContent-Type: application/json\r\n"
                        b"Expect: 100-continue\r\n"
                        b"Authorization: Bearer " + t.encode() + b"\r\n"
                        b"Content-Length: 2000000\r\n\r\n")
        assert r.startswith(b"HTTP/1.1 413"), r[:200]
        assert b'"code":"body_too_large"' in r
        # a chunked body that grows over the cap is refused at its end
        big = b'{"service":"' + b"a" * (1024 * 1024 + 10) + b'"}'
        expect(chunked("POST", "/api/v1/applications", big, t), 413,
               "body_too_large")
        expect(http("POST", "/api/v1/applications", raw=b"service=x",
                    ctype="application/x-www-form-urlencoded", token=t), 415,
               "unsupported_media_type")


@case("bad input: wrong types, unknown and missing fields name the field")
def _():
    t = tok(CLERK)
    good = {"service": "spjy", "applicant": applicant_for("spjy"),
            "form": make_form("spjy"), "materials": [], "channel": "window"}
    with NothingStored():
        r = expect(http("POST", "/api/v1/applications",
                        dict(good, service=5, extra=1), token=t), 422,
                   "invalid_request")
        fields = {e["field"]: e["code"] for e in r.json["errors"]}
        assert fields == {"service": "wrong_type", "extra": "unknown_field"}, fields
        b = dict(good)
        del b["applicant"]
        r = expect(http("POST", "/api/v1/applications", b, token=t), 422,
                   "invalid_request")
        assert r.json["errors"][0] == {"field": "applicant", "code": "missing",
                                       "detail": "is required"}
        form = dict(good["form"])
        num = [f for f in definition("spjy")["fields"] if f["type"] in ("number", "money")]
        key = num[0]["id"] if num else list(form)[0]
        form[key] = {"x": 1}
        form["no_such_field"] = "x"
        r = expect(http("POST", "/api/v1/applications", dict(good, form=form),
                        token=t), 422, "invalid_request")
        fields = {e["field"]: e["code"] for e in r.json["errors"]}
        assert fields.get("form." + key) == "wrong_type", fields
        assert fields.get("form.no_such_field") == "unknown_field", fields
        r = expect(http("POST", "/api/v1/applications",
                        dict(good, materials=["nope"]), token=t), 422,
                   "invalid_request")
        assert r.json["errors"][0]["field"] == "materials[0]"
        r = expect(http("POST", "/api/v1/applications",
                        dict(good, service="nope"), token=t), 422,
                   "invalid_request")
        assert r.json["errors"][0]["code"] == "unknown_service"


@case("bad input: invalid identifiers are refused")
def _():
    t = tok(CLERK)
    bad_person = PERSON_ID[:-1] + ("0" if PERSON_ID[-1] != "0" else "1")
    with NothingStored():
        body = {"service": "cssj", "form": make_form("cssj"), "materials": [],
                "channel": "window",
                "applicant": {"kind": "person", "name": "李四",
                              "id_number": bad_person}}
        r = expect(http("POST", "/api/v1/applications", body, token=t), 422,
                   "invalid_request")
        assert r.json["errors"][0]["field"] == "applicant.id_number"
        assert r.json["errors"][0]["code"] == "invalid_id_number"
        future = citizen_id("20991231", "001")
        body["applicant"]["id_number"] = future
        r = expect(http("POST", "/api/v1/applications", body, token=t), 422,
                   "invalid_request")
        body = {"service": "spjy", "form": make_form("spjy"), "materials": [],
                "channel": "window",
                "applicant": {"kind": "organization", "name": "某公司",
                              "id_number": ORG_ID[:-1] + "0"}}
        r = expect(http("POST", "/api/v1/applications", body, token=t), 422,
                   "invalid_request")
        assert r.json["errors"][0]["field"] == "applicant.id_number"


@case("bad input: an illegal transition is 409 with the current state")
def _():
    n = finished["spjy"]["number"]
    with NothingStored():
        r = expect(http("POST", f"/api/v1/applications/{n}/accept", {},
                        token=tok(CLERK)), 409, "illegal_state")
        assert r.json["state"] == "delivered"
        r = expect(http("POST", f"/api/v1/applications/{n}/rating",
                        {"grade": 3}, token=tok(CLERK)), 409, "illegal_state")
        expect(http("POST", "/api/v1/applications/330100202001010000011/accept",
                    {}, token=tok(CLERK)), 404, "not_found")
        expect(http("POST", f"/api/v1/applications/{n}/rating", {"grade": 9},
                    token=tok(CLERK)), 422, "invalid_request")


# ---- the role matrix -------------------------------------------------------------

ROLES = ["anonymous", ADMIN, CLERK, INSPECTOR, "officer-SCJG", "officer-GA"]


def matrix_target():
    a = create("spjy")
    accept(a["number"])
    t = open_task(a["number"], "SCJG")
    return a["number"], t["id"]


# route → who may call it (others: 401 anonymous, 403 staff)
def allowed_for(method, pattern):
    staff = {ADMIN, CLERK, INSPECTOR, "officer-SCJG", "officer-GA"}
    everyone = staff | {"anonymous"}
    table = {
        ("GET", "/healthz"): everyone,
        ("GET", "/metrics"): everyone,
        ("GET", "/api/v1/openapi.json"): everyone,
        ("POST", "/api/v1/sessions"): everyone,
        ("DELETE", "/api/v1/sessions/current"): staff,
        ("POST", "/api/v1/applications"): {CLERK, "anonymous"},
        ("GET", "/api/v1/applications"): {CLERK, INSPECTOR},
        ("GET", "/api/v1/applications/{number}"): {CLERK, INSPECTOR, "officer-SCJG"},
        ("GET", "/api/v1/applications/{number}/events"): {CLERK, INSPECTOR, "officer-SCJG"},
        ("POST", "/api/v1/applications/{number}/suspend"): {CLERK, "officer-SCJG"},
        ("POST", "/api/v1/applications/{number}/resume"): {CLERK, "officer-SCJG"},
        ("GET", "/api/v1/tasks"): {INSPECTOR, "officer-SCJG", "officer-GA"},
        ("POST", "/api/v1/tasks/{id}/claim"): {"officer-SCJG"},
        ("POST", "/api/v1/tasks/{id}/decide"): {"officer-SCJG"},
        ("GET", "/api/v1/track/{number}"): everyone,
        ("GET", "/api/v1/workflows"): everyone,
        ("GET", "/api/v1/workflows/{id}"): everyone,
        ("POST", "/api/v1/workflows"): {ADMIN},
        ("GET", "/api/v1/supervision/overview"): {INSPECTOR},
        ("GET", "/api/v1/supervision/alerts"): {INSPECTOR},
        # allowed callers get 406 here (Accept: application/json)
        ("GET", "/api/v1/supervision/stream"): {CLERK, INSPECTOR, "officer-SCJG", "officer-GA"},
        ("GET", "/api/v1/supervision/statistics"): {INSPECTOR},
        ("GET", "/"): everyone,
        ("GET", "/web/{file}"): everyone,
        ("GET", "/t/{number}"): everyone,
        ("GET", "/v"): everyone,
        ("GET", "/favicon.ico"): everyone,
        ("GET", "/api/v1/supervision/intake-alerts"): {INSPECTOR},
        # electronic licenses (the officer's bureau is checked on revoke)
        ("GET", "/api/v1/applications/{number}/qr.png"): everyone,
        ("GET", "/api/v1/applications/{number}/qr.svg"): everyone,
        ("GET", "/api/v1/licenses"): staff,
        ("POST", "/api/v1/licenses/verify"): everyone,
        # the license images: staff, or anyone with the tracking code
        ("GET", "/api/v1/licenses/{id}.svg"): everyone,
        ("GET", "/api/v1/licenses/{id}"): staff,
        ("GET", "/api/v1/licenses/{id}/qr.png"): everyone,
        # the applicant rates with the tracking code instead of a token
        ("POST", "/api/v1/applications/{number}/rating"): {CLERK, "anonymous"},
        # the receipt again (the tracking code): clerks only
        ("GET", "/api/v1/applications/{number}/receipt"): {CLERK},
        ("POST", "/api/v1/licenses/{id}/revoke"): {ADMIN, "officer-SCJG",
                                                   "officer-GA"},
        ("GET", "/api/v1/trust"): everyone,
        ("GET", "/api/v1/revocations"): everyone,
        # materials as files: the applicant with the tracking code (a miss
        # is 404, not 401); officers of a bureau with a task in it
        ("POST", "/api/v1/applications/{number}/materials/{material}/files"):
            {CLERK, "anonymous"},
        ("GET", "/api/v1/applications/{number}/materials"):
            {CLERK, INSPECTOR, "officer-SCJG", "anonymous"},
        ("GET", "/api/v1/applications/{number}/files/{id}"):
            {CLERK, INSPECTOR, "officer-SCJG", "anonymous"},
        ("POST", "/api/v1/tasks/{id}/files"): {"officer-SCJG"},
        # the documents (PDF): as the files, but neither a token nor a
        # code is 401 (test_documents.py)
        ("GET", "/api/v1/applications/{number}/documents"):
            {CLERK, INSPECTOR, "officer-SCJG"},
        ("GET", "/api/v1/applications/{number}/documents/{kind}"):
            {CLERK, INSPECTOR, "officer-SCJG"},
        # 差评整改: the bureau's officers and the window's clerks answer,
        # inspectors review; 告知承诺 verification: the bureau's officers
        ("GET", "/api/v1/rectifications"): {CLERK, INSPECTOR, "officer-SCJG",
                                            "officer-GA"},
        ("POST", "/api/v1/rectifications/{id}/reply"): {CLERK, "officer-SCJG",
                                                        "officer-GA"},
        ("POST", "/api/v1/rectifications/{id}/review"): {INSPECTOR},
        ("GET", "/api/v1/verifications"): {INSPECTOR, "officer-SCJG",
                                           "officer-GA"},
        ("POST", "/api/v1/verifications/{id}/finding"): {"officer-SCJG",
                                                         "officer-GA"},
        # supervision findings, red cards and 催办 (officers: their bureau's)
        ("GET", "/api/v1/supervision/rules"):
            {CLERK, INSPECTOR, "officer-SCJG", "officer-GA"},
        ("GET", "/api/v1/supervision/findings"):
            {INSPECTOR, "officer-SCJG", "officer-GA"},
        ("GET", "/api/v1/supervision/findings/counts"):
            {INSPECTOR, "officer-SCJG", "officer-GA"},
        ("GET", "/api/v1/supervision/urges"):
            {CLERK, INSPECTOR, "officer-SCJG", "officer-GA"},
        ("GET", "/api/v1/supervision/findings/{id}"):
            {INSPECTOR, "officer-SCJG", "officer-GA"},
        ("GET", "/api/v1/supervision/findings/{id}/file"):
            {INSPECTOR, "officer-SCJG", "officer-GA"},
        ("POST", "/api/v1/supervision/findings/{id}/answer"):
            {"officer-SCJG", "officer-GA"},
        ("POST", "/api/v1/supervision/findings/{id}/decision"): {INSPECTOR},
        ("POST", "/api/v1/tasks/{id}/urge"): {CLERK, INSPECTOR},
        # the second factor (test_totp.py): this server runs with
        # --totp-roles none, so every role is refused its enrolment routes;
        # an admin resets another account's factor
        ("POST", "/api/v1/sessions/current/totp"): set(),
        ("POST", "/api/v1/sessions/current/totp/confirm"): set(),
        ("POST", "/api/v1/sessions/current/totp/recovery-codes"): set(),
        ("DELETE", "/api/v1/accounts/{username}/totp"): {ADMIN},
        # accounts (issue 17 §4): one's own password, the admin's verbs
        ("POST", "/api/v1/sessions/current/password"): staff,
        ("GET", "/api/v1/accounts"): {ADMIN},
        ("POST", "/api/v1/accounts"): {ADMIN},
        ("POST", "/api/v1/accounts/{username}/disable"): {ADMIN},
        ("POST", "/api/v1/accounts/{username}/enable"): {ADMIN},
        ("POST", "/api/v1/accounts/{username}/password"): {ADMIN},
        ("POST", "/api/v1/accounts/{username}/role"): {ADMIN},
        ("DELETE", "/api/v1/accounts/{username}"): {ADMIN},
        # the security log: inspectors and administrators read it
        ("GET", "/api/v1/security-events"): {ADMIN, INSPECTOR},
        # the administrator's pages (issue 13 §4): staff read the calendar
        ("GET", "/api/v1/calendar"): staff,
        ("POST", "/api/v1/calendar"): {ADMIN},
        ("POST", "/api/v1/calendar/check"): {ADMIN},
        ("POST", "/api/v1/workflows/check"): {ADMIN},
        # the service guide (test_guide.py): public
        ("GET", "/api/v1/workflows/{id}/guide"): everyone,
        ("GET", "/api/v1/workflows/{id}/guide.pdf"): everyone,
        # groups of officers and 抄送 (issue 14, test_groups.py)
        ("GET", "/api/v1/sessions/current"): staff,
        ("GET", "/api/v1/bureaus"): staff,
        ("GET", "/api/v1/copies"): {"officer-SCJG", "officer-GA"},
        ("POST", "/api/v1/copies/{id}/read"): {"officer-SCJG", "officer-GA"},
        # the verbs of a branch (test_verbs.py): the task's bureau's officers
        ("POST", "/api/v1/tasks/{id}/transfer"): {"officer-SCJG"},
        ("POST", "/api/v1/tasks/{id}/delegate"): {"officer-SCJG"},
        ("POST", "/api/v1/tasks/{id}/resolve"): {"officer-SCJG"},
        ("POST", "/api/v1/tasks/{id}/signers"): {"officer-SCJG"},
        ("POST", "/api/v1/tasks/{id}/remove"): {"officer-SCJG"},
        ("POST", "/api/v1/tasks/{id}/send-back"): {"officer-SCJG"},
        ("POST", "/api/v1/tasks/{id}/take-back"): {"officer-SCJG"},
        ("GET", "/api/v1/tasks/{id}/options"): {"officer-SCJG"},
    }
    if (method, pattern) in table:
        return table[(method, pattern)]
    if method == "POST" and pattern.startswith("/api/v1/applications/{number}/"):
        return {CLERK}
    raise AssertionError(f"route {method} {pattern} missing from the test's matrix")


def server_routes():
    text = open(os.path.join(ROOT, "api", "api_router.c"), encoding="utf-8").read()
    text = text.replace('APP "', '"/api/v1/applications/{number}')
    text = text.replace(" APP,", ' "/api/v1/applications/{number}",')
    return re.findall(r'\{"(GET|POST|DELETE|PUT|PATCH)",\s*"([^"]+)"', text)


@case("the role matrix: every route × role, and an officer of another bureau")
def _():
    number, task = matrix_target()
    routes = server_routes()
    assert len(routes) >= 25, routes
    bad = []
    for method, pattern in routes:
        path = pattern.replace("{number}", number).replace("{id}", str(task))
        if pattern == "/api/v1/workflows/{id}":
            path = "/api/v1/workflows/spjy"
        if pattern.startswith("/api/v1/workflows/{id}/guide"):
            path = pattern.replace("{id}", "spjy")
        allowed = allowed_for(method, pattern)
        for who in ROLES:
            token = None if who == "anonymous" else tok(who)
            if pattern == "/api/v1/sessions/current" and token:
                token = login(who)  # a throwaway session
            # bodies that no handler accepts: allowed calls stop at 4xx
            # validation and change nothing
            raw = b'{"zz_not_a_field": 1}'
            ctype = "application/json"
            if pattern in ("/api/v1/workflows", "/api/v1/workflows/check") and method == "POST":
                raw, ctype = b"<not-xml", "application/xml"
            if pattern.startswith("/api/v1/calendar") and method == "POST":
                raw, ctype = b"not a calendar\n", "text/plain"
            # the stream answers with itself unless Accept excludes it
            accept = ({"Accept": "application/json"}
                      if pattern == "/api/v1/supervision/stream" else None)
            r = http(method, path, raw=raw if method == "POST" else None,
                     ctype=ctype, token=token, headers=accept)
            denied = r.status in (401, 403)
            if (who in allowed) == denied:
                bad.append(f"{method} {pattern} as {who}: {r.status} {r.body[:120]!r}")
            if who == "anonymous" and denied and r.status != 401:
                bad.append(f"{method} {pattern} anonymous: {r.status}")
    assert not bad, "\n".join(bad)
    assert app(number)["state"] == "in_review"


@case("public routes: a token, when sent, is checked; a bad one is 401 invalid_token")
def _():
    number, task = matrix_target()
    revoked = login(CLERK)
    expect(http("DELETE", "/api/v1/sessions/current", token=revoked), 204)
    bad_tokens = {"malformed": "not a token",
                  "unknown": "A" * 43,  # well-formed, never issued
                  "revoked": revoked}
    public = [(m, p) for m, p in server_routes()
              if "anonymous" in allowed_for(m, p)]
    assert ("GET", "/api/v1/track/{number}") in public, public
    assert ("GET", "/api/v1/licenses/{id}/qr.png") in public, public
    assert ("POST", "/api/v1/applications/{number}/rating") in public, public
    bad = []
    with NothingStored():
        for method, pattern in public:
            path = pattern.replace("{number}", number).replace("{id}", str(task))
            for kind, token in bad_tokens.items():
                r = http(method, path, raw=b"{}" if method == "POST" else None,
                         token=token)
                if r.status != 401 or r.json["code"] != "invalid_token":
                    bad.append(f"{method} {pattern} with a {kind} token: "
                               f"{r.status} {r.body[:100]!r}")
    assert not bad, "\n".join(bad)
    # without the header, the same routes answer anonymous callers
    expect(http("GET", "/healthz"), 200)
    expect(http("GET", "/api/v1/workflows"), 200)


@case("an officer of another bureau cannot see or decide the task")
def _():
    number, task = matrix_target()
    with NothingStored():
        expect(http("GET", "/api/v1/applications/" + number,
                    token=officer("GA")), 403, "wrong_bureau")
        expect(http("POST", f"/api/v1/tasks/{task}/claim", {},
                    token=officer("GA")), 403, "wrong_bureau")
        expect(http("POST", f"/api/v1/tasks/{task}/decide",
                    {"decision": "approve"}, token=officer("GA")), 403,
               "wrong_bureau")
        expect(http("POST", f"/api/v1/applications/{number}/accept", {},
                    token=officer("SCJG")), 403, "forbidden")
        expect(http("POST", f"/api/v1/tasks/{task}/claim", {},
                    token=tok(INSPECTOR)), 403, "forbidden")
        expect(http("POST", f"/api/v1/tasks/{task}/claim", {},
                    token=tok(CLERK)), 403, "forbidden")


# ---- operations ----------------------------------------------------------------

@case("metrics: requests by route and status, latency, transitions, states")
def _():
    r = expect(http("GET", "/metrics"), 200)
    text = r.body.decode()
    assert r.headers["Content-Type"].startswith("text/plain")
    assert re.search(r'tongban_http_requests_total\{method="POST",'
                     r'route="/api/v1/applications",status="201"\} \d+', text)
    assert 'tongban_http_request_duration_seconds_bucket{' in text
    assert re.search(r'tongban_transitions_total\{event="accept"\} [1-9]', text)
    assert re.search(r'tongban_applications\{state="delivered"\} [1-9]', text)


def openapi_doc():
    return expect(http("GET", "/api/v1/openapi.json"), 200).json


@case("OpenAPI: every route the server answers is in the document")
def _():
    doc = openapi_doc()
    assert doc["openapi"].startswith("3.1")
    missing = []
    for method, pattern in server_routes():
        op = doc["paths"].get(pattern, {}).get(method.lower())
        if not op:
            missing.append(f"{method} {pattern}")
    assert not missing, missing
    documented = {(m.upper(), p) for p, ops in doc["paths"].items()
                  for m in ops if m in ("get", "post", "delete", "put", "patch")}
    assert documented == set(server_routes()), documented ^ set(server_routes())


@case("OpenAPI: the response check refuses what the document does not say")
def _():
    doc = tbschema.document(BASE)
    assert tbschema.template_of(doc, "/api/v1/licenses/verify") == \
        "/api/v1/licenses/verify"
    assert tbschema.template_of(doc, "/api/v1/licenses/1.2.156.3005.2.x.svg?code=A") == \
        "/api/v1/licenses/{id}.svg"
    assert tbschema.template_of(doc, "/api/v1/supervision/findings/counts") == \
        "/api/v1/supervision/findings/counts"
    assert tbschema.template_of(doc, "/api/v1/no/such/route") is None
    json_type = {"Content-Type": "application/json"}
    good = b'{"status": "ok", "database": "reachable"}'
    tbschema.check(BASE, "GET", "/healthz", 200, json_type, good)
    tbschema.check(BASE, "HEAD", "/healthz", 200, json_type, b"")

    def refused(method, path, status, headers, body):
        try:
            tbschema.check(BASE, method, path, status, headers, body)
        except AssertionError as e:
            return str(e)
        return None
    extra = refused("GET", "/healthz", 200, json_type,
                    b'{"status": "ok", "database": "reachable", "x": 1}')
    assert extra and "GET /healthz → 200" in extra and "'x'" in extra, extra
    assert refused("GET", "/healthz", 200, json_type, b'{"status": "ok"}')
    assert "not documented" in refused("GET", "/healthz", 418, json_type, good)
    assert "Content-Type" in refused("GET", "/healthz", 200,
                                     {"Content-Type": "text/html"}, good)
    assert refused("PUT", "/healthz", 200, json_type, good)
    problem = {"type": "about:blank", "title": "Not Found", "status": 404,
               "code": "not_found", "detail": "no such route", "errors": []}
    ptype = {"Content-Type": "application/problem+json"}
    assert not refused("GET", "/no/such/route", 404, ptype,
                       json.dumps(problem).encode())
    assert refused("GET", "/no/such/route", 404, ptype,
                   json.dumps(dict(problem, stray=1)).encode())


@case("OpenAPI: the document passes a real OpenAPI 3.1 validator")
def _():
    validator = os.path.join(ROOT, "tests", "api", "validate_openapi.mjs")
    modules = os.path.join(ROOT, "node_modules")
    if not os.path.isdir(modules) or not shutil.which("node"):
        raise AssertionError("node_modules missing: run ./dev test (npm ci)")
    r = subprocess.run(["node", validator, BASE + "/api/v1/openapi.json"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


# ---- the registry of problem codes (engine/tb_problems.def) -----------------------

@case("problem codes: the OpenAPI ProblemCode enum is the registry")
def _():
    schemas = openapi_doc()["components"]["schemas"]
    assert schemas["ProblemCode"]["enum"] == list(PROBLEMS), \
        set(schemas["ProblemCode"]["enum"]) ^ set(PROBLEMS)
    problem = schemas["Problem"]["properties"]
    ref = {"$ref": "#/components/schemas/ProblemCode"}
    assert problem["code"] == ref, problem["code"]
    assert problem["errors"]["items"]["properties"]["code"] == ref


@case("problem codes: the pages' /web/problems.js has every code in Chinese")
def _():
    r = expect(http("GET", "/web/problems.js"), 200)
    assert r.headers["Content-Type"].startswith("text/javascript")
    text = r.body.decode("utf-8")
    table = json.loads(text[text.index("Object.freeze(") + 14:
                            text.index(");\n")])
    assert {c: v["status"] for c, v in table.items()} == PROBLEMS, table
    assert all(v["zh"] and v["en"] for v in table.values())
    common = expect(http("GET", "/web/common.js"), 200).body.decode()
    assert 'from "/web/problems.js"' in common


@case("problem codes: the response check refuses an unregistered code")
def _():
    headers = {"Content-Type": "application/problem+json"}
    def refused(status, problem):
        try:
            check_problem(status, headers, json.dumps(problem).encode())
        except AssertionError:
            return True
        return False
    good = {"status": 404, "code": "not_found", "errors": []}
    assert not refused(404, good)
    assert refused(404, dict(good, code="no_such_code"))
    assert refused(422, dict(good, status=422))  # not the code's status
    assert refused(404, dict(good, errors=[{"field": "x", "code": "invalid",
                                            "detail": "merged away"}]))


@case("problem codes: the engine's invalid is now invalid_request")
def _():
    a = create("spjy")
    n = a["number"]
    accept(n)
    with NothingStored():
        r = http("POST", f"/api/v1/applications/{n}/supplement",
                 {"materials": ["layout"]}, token=tok(CLERK))
        r = expect(r, 422, "invalid_request")
        assert r.json["errors"][0]["field"] == "materials", r.json
        assert r.json["errors"][0]["code"] == "invalid_request", r.json
        r = http("POST", f"/api/v1/applications/{n}/deliver",
                 {"method": "pigeon"}, token=tok(CLERK))
        r = expect(r, 422, "invalid_request")
        assert r.json["errors"] == [{"field": "method",
                                     "code": "invalid_request",
                                     "detail": "must be window or electronic"}]


LOGFMT_PAIR = re.compile(r'([A-Za-z0-9_.-]+)=("(?:[^"\\]|\\.)*"|[^ "=]+)')


def logfmt(line):
    """The key=value pairs of one log line; AssertionError when the line
    is not made of them."""
    pairs, pos = {}, 0
    while pos < len(line):
        m = LOGFMT_PAIR.match(line, pos)
        assert m, f"not key=value at {pos}: {line!r}"
        pairs[m.group(1)] = m.group(2)
        pos = m.end()
        if pos < len(line):
            assert line[pos] == " ", line
            pos += 1
    return pairs


@case("access log: one line per request, no tokens, passwords or ID numbers")
def _():
    if not LOG:
        raise AssertionError("no log")
    text = open(LOG, encoding="utf-8", errors="replace").read()
    log = [l for l in text.splitlines() if l.startswith("ts=")]
    for l in log:  # every line of the logger is key=value pairs
        p = logfmt(l)
        assert list(p)[:4] == ["ts", "level", "module", "msg"], l
    lines = [l for l in log if " module=http msg=request " in l]
    assert len(lines) > 100, len(lines)
    assert re.search(r"level=info module=http msg=request "
                     r"id=[0-9a-f]{8}-\d{6} client=\S+ method=POST "
                     r"path=/api/v1/applications route=/api/v1/applications "
                     r"status=201 bytes=\d+ ms=[\d.]+\n", text), lines[:3]
    for secret in [PASSWORD, PERSON_ID, ORG_ID] + list(tokens.values()):
        assert secret not in text, "a secret is in the log"


# ---- the applicant's rating (好差评) with the tracking code ----------------------

def delivered_app(service="spjy"):
    a = create(service)
    accept(a["number"])
    approve_all(a["number"])
    act(a["number"], "deliver", {"method": "window"})
    return a


def track_misses():
    return int(sql("SELECT count(*) FROM auth_failures WHERE key LIKE 'track:%'"))


@case("rating: the applicant rates with the tracking code, no token")
def _():
    a = delivered_app()
    n, code = a["number"], a["tracking_code"]
    wrong_track = http("GET", f"/api/v1/track/{n}?code=WRONG23456")
    expect(wrong_track, 404, "not_found")
    before = track_misses()
    other = finished["cssj"]["tracking_code"]
    with NothingStored():
        for path, body in (
                (f"/api/v1/applications/{n}/rating", {"grade": 4, "code": "WRONG23456"}),
                (f"/api/v1/applications/{n}/rating", {"grade": 4}),
                (f"/api/v1/applications/{n}/rating", {"grade": 4, "code": other}),
                (f"/api/v1/applications/{n}/rating", {"grade": 4, "code": 12345}),
                ("/api/v1/applications/330100202001010000011/rating",
                 {"grade": 4, "code": code}),
                ("/api/v1/applications/123/rating", {"grade": 4, "code": code})):
            r = http("POST", path, body)
            assert r.status == 404 and r.body == wrong_track.body, (path, body, r)
    assert track_misses() == before + 6, (before, track_misses())
    # the right code: the grade is stored; the answer is the public view
    r = expect(http("POST", f"/api/v1/applications/{n}/rating",
                    {"grade": 4, "comment": "办事很快", "code": code}), 200)
    body = r.body.decode()
    assert r.json["rating"] == 4 and r.json["state"] == "delivered", r.json
    assert r.json["applicant"]["name"].endswith("*"), r.json["applicant"]
    assert PERSON_ID not in body and ORG_ID not in body and "form" not in r.json
    assert app(n)["rating"] == 4
    ev = expect(http("GET", f"/api/v1/applications/{n}/events",
                     token=tok(INSPECTOR)), 200).json["events"]
    assert ev[-1]["action"] == "rate" and ev[-1]["role"] == "applicant", ev[-1]
    assert ev[-1]["payload"]["data"] == {"grade": 4, "comment": "办事很快"}, ev[-1]
    assert code not in json.dumps(ev)
    t = expect(http("GET", f"/api/v1/track/{n}?code={code}"), 200).json
    assert t["rating"] == 4
    with NothingStored():  # once only
        expect(http("POST", f"/api/v1/applications/{n}/rating",
                    {"grade": 5, "code": code}), 409, "illegal_state")
        r = expect(http("POST", f"/api/v1/applications/{n}/rating",
                        {"grade": 9, "code": code}), 422, "invalid_request")
        assert r.json["errors"][0]["field"] == "grade"
    sql("DELETE FROM auth_failures")


@case("rating: staff keep rating by token; a token is checked before the code")
def _():
    a = delivered_app()
    n, code = a["number"], a["tracking_code"]
    with NothingStored():
        # an inspector reads everything and changes nothing, code or not
        expect(http("POST", f"/api/v1/applications/{n}/rating",
                    {"grade": 3, "code": code}, token=tok(INSPECTOR)), 403,
               "forbidden")
        expect(http("POST", f"/api/v1/applications/{n}/rating",
                    {"grade": 3, "code": code}, token="x" * 43), 401,
               "invalid_token")
    v = act(n, "rating", {"grade": 3})
    assert v["rating"] == 3 and v["applicant"]["id_number"] == ORG_ID, v  # staff view


@case("rating: wrong codes count toward the tracking guess limit (429)")
def _():
    a = delivered_app()
    n = a["number"]
    last = None
    for i in range(70):
        last = http("POST", f"/api/v1/applications/{n}/rating",
                    {"grade": 5, "code": f"GUESS{i:05d}"})
        if last.status == 429:
            break
    expect(last, 429)
    assert int(last.headers["Retry-After"]) >= 1
    # the tracking page of the same client is throttled too
    expect(http("GET", f"/api/v1/track/{n}?code={a['tracking_code']}"), 429)
    sql("DELETE FROM auth_failures")
    assert app(n)["rating"] is None


# ---- idempotent intake under concurrency ------------------------------------

@case("Idempotency-Key: concurrent intakes with one key create one application")
def _():
    import threading
    d = definition("spjy")
    body = {"service": "spjy", "applicant": applicant_for("spjy"),
            "form": make_form("spjy"), "channel": "window",
            "materials": [m["id"] for m in d["materials"]]}
    t = tok(CLERK)
    for attempt in range(3):
        key = f"concurrent-intake-{attempt}-{time.time()}"
        before = int(sql("SELECT count(*) FROM applications"))
        results = [None] * 8
        gate = threading.Barrier(len(results))

        def post(i):
            gate.wait()
            results[i] = http("POST", "/api/v1/applications", body, token=t,
                              headers={"Idempotency-Key": key})

        threads = [threading.Thread(target=post, args=(i,))
                   for i in range(len(results))]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert all(r.status == 201 for r in results), results
        assert len({r.body for r in results}) == 1, {r.body[:80] for r in results}
        assert int(sql("SELECT count(*) FROM applications")) == before + 1
        number = results[0].json["number"]
        assert sql("SELECT count(*) FROM idempotency_keys WHERE key = '"
                   + key + "'") == "1"
        assert sql("SELECT count(*) FROM applications WHERE number = '"
                   + number + "'") == "1"


# ---- JSON numbers in forms ------------------------------------------------------

@case("form numbers: JSON reals with exponents are read in plain decimal")
def _():
    form = make_form("sgxk")
    body = {"service": "sgxk", "applicant": applicant_for("sgxk"),
            "channel": "window", "materials": []}

    def post(overrides):  # "@1e3@" stands for the JSON number 1e3
        text = json.dumps(dict(body, form={**form, **overrides}))
        return http("POST", "/api/v1/applications", token=tok(CLERK),
                    raw=text.replace('"@', "").replace('@"', "").encode())

    # 1.5e3 m² and 2e1 floors, 1.2345e5 yuan: exponents in the JSON text
    r = expect(post({"building_area": "@1.5e3@", "floors": "@2e1@",
                     "contract_price": "@1.2345e5@"}), 201)
    f = r.json["form"]  # in their types: numbers as numbers, money "x.00"
    assert f["building_area"] == 1500 and f["floors"] == 20, f
    assert f["contract_price"] == "123450.00", f
    r = expect(post({"building_area": "@2.5E-1@", "basement_area": "@0.0025e2@"}), 422,
               "invalid_request")
    e = {x["field"]: x["detail"] for x in r.json["errors"]}
    assert "form.building_area" in e and "at least" in e["form.building_area"], e
    assert "form.basement_area" not in e, e  # 0.25 is fine
    with NothingStored():
        # beyond the bound: the bound is named, not a confusing grammar error
        r = expect(post({"building_area": "@1e+20@"}), 422, "invalid_request")
        e = {x["field"]: x["detail"] for x in r.json["errors"]}
        assert "at most" in e["form.building_area"], e
        assert "like 42" not in e["form.building_area"], e
        # money: 1e-3 yuan has three decimals
        r = expect(post({"contract_price": "@1e-3@"}), 422, "invalid_request")
        e = {x["field"]: x["detail"] for x in r.json["errors"]}
        assert "two decimals" in e["form.contract_price"], e
        # too many digits written out in full: a clear message naming the field
        for big in ("@1e300@", "@1.5e-40@"):
            r = expect(post({"building_area": big}), 422, "invalid_request")
            e = {x["field"]: x["detail"] for x in r.json["errors"]}
            assert "30 digits" in e["form.building_area"], e


@case("form values come back in their types wherever the form is answered")
def _():
    typed = {"company_type": "llc", "registered_capital": 1000,
             "scope": ["consulting", "software"], "employees": 12,
             "needs_invoice": False, "housing_fund": True}
    a = create("qykb", form=make_form("qykb", typed))
    n = a["number"]

    def check(f, where):
        assert f["company_type"] == "llc", (where, f)
        assert f["registered_capital"] == "1000.00", (where, f)
        assert f["scope"] == ["software", "consulting"], (where, f)  # definition's order
        assert f["employees"] == 12 and type(f["employees"]) is int, (where, f)
        assert f["needs_invoice"] is False and f["housing_fund"] is True, (where, f)
        assert isinstance(f["company_name"], str), (where, f)
    check(a["form"], "POST reply")
    check(app(n)["form"], "GET application")
    rows = expect(http("GET", "/api/v1/applications?applicant=" + a["applicant"]["id_number"]
                       + "&service=qykb&limit=500", token=tok(CLERK)), 200).json["items"]
    check([x for x in rows if x["number"] == n][0]["form"], "applications list")
    # stored as the texts the form was checked as ("1000", "false"): typed on read
    stored = json.loads(sql(f"SELECT form::text FROM applications WHERE number = '{n}'"))
    assert stored["registered_capital"] == "1000" and stored["needs_invoice"] == "false", stored
    # an application stored before: money written with one decimal, a number
    # with a leading zero, choices in another order: still read in their types
    sql("UPDATE applications SET form = form || '{\"registered_capital\": \"1000.5\", "
        "\"employees\": \"012\", \"scope\": \"consulting,software\"}'::jsonb "
        f"WHERE number = '{n}'")
    f = app(n)["form"]
    assert f["registered_capital"] == "1000.50" and f["employees"] == 12, f
    assert f["scope"] == ["software", "consulting"], f
    v = accept(n)
    assert v["form"]["needs_invoice"] is False, v["form"]
    b = active_bureaus(v)[0]
    t = open_task(n, b)
    assert isinstance(t["working_days_left"], int), t
    r = expect(http("POST", f"/api/v1/tasks/{t['id']}/claim", {}, token=officer(b)), 200)
    f = r.json["application"]["form"]  # the task's reply
    assert f["registered_capital"] == "1000.50" and f["needs_invoice"] is False, f


@case("branch outputs come back in their types: task entries, application, events")
def _():
    text = open(os.path.join(ROOT, "workflows", "qykb.xml"), encoding="utf-8").read()
    xml = re.sub(r'id="qykb" version="\d+"', 'id="qykbout" version="1"', text).replace(
        '<task id="examine" name="登记审核" days="1"/>',
        '<task id="examine" name="登记审核" days="1">'
        '<output id="paid_in" type="money" label="实缴资本（元）" min="0"/>'
        '<output id="verified_staff" type="number" integer="true" label="核定人数"/>'
        '<output id="on_site" type="boolean" label="已现场核查"/>'
        '<output id="checked" type="choice" multiple="true" label="核查事项">'
        '<choice value="premises">住所</choice><choice value="capital">出资</choice></output>'
        '<output id="checked_on" type="date" label="核查日期"/></task>', 1)
    assert xml != text
    expect(http("POST", "/api/v1/workflows", raw=xml.encode(), ctype="application/xml",
                token=tok(ADMIN)), 201)
    a = create("qykbout")
    n = a["number"]
    accept(n)
    t = open_task(n, "SCJG")
    expect(http("POST", f"/api/v1/tasks/{t['id']}/claim", {}, token=officer("SCJG")), 200)
    outputs = {"paid_in": "2500.5", "verified_staff": 7, "on_site": False,
               "checked": ["capital", "premises"], "checked_on": "2026-11-02"}
    want = {"paid_in": "2500.50", "verified_staff": 7, "on_site": False,
            "checked": ["premises", "capital"], "checked_on": "2026-11-02"}
    r = expect(http("POST", f"/api/v1/tasks/{t['id']}/decide",
                    {"decision": "approve", "outputs": outputs}, token=officer("SCJG")), 200)
    assert r.json["application"]["outputs"] == want, r.json["application"]["outputs"]
    assert app(n)["outputs"] == want
    done_tasks = expect(http("GET", "/api/v1/tasks?bureau=SCJG&state=decided&limit=500",
                             token=officer("SCJG")), 200).json["items"]
    entry = [x for x in done_tasks if x["id"] == t["id"]][0]
    assert entry["outputs"] == want and entry["working_days_left"] is None, entry
    ev = expect(http("GET", f"/api/v1/applications/{n}/events", token=tok(CLERK)), 200).json
    approve = [e for e in ev["events"] if e["action"] == "approve"][-1]
    assert approve["payload"]["outputs"] == want, approve["payload"]


@case("the application, its branches and its tasks say the working days left")
def _():
    import datetime as dt
    day = dt.date.today() + dt.timedelta(days=21)
    day += dt.timedelta(days=(4 - day.weekday()) % 7)  # a Friday
    friday = int(dt.datetime(day.year, day.month, day.day, 4, tzinfo=dt.timezone.utc).timestamp())
    a = create("qykb")
    n = a["number"]
    assert a["working_days_left"] is None, a  # not accepted: no clock yet
    v = accept(n, clock=friday)

    def weekdays(a_day, b_day):  # working days in (a, b]: no calendar is loaded here
        return sum(1 for k in range(1, (b_day - a_day).days + 1)
                   if (a_day + dt.timedelta(days=k)).weekday() < 5)
    monday = day + dt.timedelta(days=3)
    v = expect(http("GET", f"/api/v1/applications/{n}", token=tok(CLERK),
                    clock=friday + 3 * DAY), 200).json
    assert v["working_days_left"] == weekdays(monday, dt.date.fromisoformat(v["deadline"])), v
    for br in v["branches"]:
        if br["status"] == "active":
            want = weekdays(monday, dt.date.fromisoformat(br["deadline"]))
            assert br["working_days_left"] == want, br
            t = [x for x in expect(http("GET", "/api/v1/tasks?bureau=" + br["bureau"],
                                        token=officer(br["bureau"]), clock=friday + 3 * DAY),
                                   200).json["items"] if x["number"] == n][0]
            assert t["working_days_left"] == want, t
        else:
            assert br["working_days_left"] is None, br
    b = active_bureaus(v)[0]
    mat = definition("qykb")["materials"][0]["id"]
    v = decide(n, b, "return", comment="请补正", items=[mat], clock=friday + 3 * DAY)
    back = [br for br in v["branches"] if br["bureau"] == b][0]
    assert back["status"] == "returned" and back["working_days_left"] is None, back


@case("tracking: guessing codes is rate-limited per client (429)")
def _():
    n = finished["cssj"]["number"]
    last = None
    for i in range(70):
        last = http("GET", f"/api/v1/track/{n}?code=GUESS{i:03d}")
        if last.status == 429:
            break
    expect(last, 429)
    assert int(last.headers["Retry-After"]) >= 1
    sql("DELETE FROM auth_failures")


print(f"1..{count}")
sys.exit(1 if failed else 0)
