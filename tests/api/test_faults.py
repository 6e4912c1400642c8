#!/usr/bin/env python3
"""test_faults.py — the transaction contract under injected faults, the way
curl's torture tests fail every allocation in turn.

For every kind of change the HTTP API makes, in a test build (meson
-Dfault_injection=true) the X-Tongban-Fault header makes statement N of the
request's transaction fail. For each N in turn, and for each way a
statement can fail — a server-side error (hard), the connection shut before
the statement is sent (lost) or after it was sent and before its answer
was read (lost-after) — the request must get no 2xx, and the database must
be exactly as it was before: applications, tasks, timers, audit events,
licenses, serials, definitions and idempotency records. The same request,
repeated with the same Idempotency-Key, then succeeds, and once more it
replays the first answer and changes nothing. A serialization failure
(soft) is retried by the server: the request succeeds, exactly once.

The connection lost after COMMIT was sent is the one case whose outcome is
unknown to the server: it answers 503 outcome_unknown with Retry-After,
and the repeat with the same key finishes the change exactly once.

Started by test_api.c (see tests/api/meson.build).
"""
import os
import re
import sys
import time
import uuid

from tbhttp import (QYKB_FORM, QYKB_MATERIALS, add_officer, case, citizen_id,
                    credit_code, done, expect, http, officer, open_task,
                    org_intake, spjy_form, sql, task_outputs, tok)

ROOT = os.environ["TB_SOURCE_ROOT"]
CLERK, ADMIN = "clerk1", "admin1"
serial = [0]


# Every row a change may write, in one digest (sessions and login
# throttles are not part of any change here).
TABLES = ["applications", "tasks", "timers", "audit_events",
          "idempotency_keys", "licenses", "license_serials", "app_serials",
          "definitions", "bureau_lists", "calendar_days", "holders",
          "material_files", "material_licenses", "task_copies"]


def snapshot():
    parts = " UNION ALL ".join(
        f"SELECT '{t}:' || x::text FROM {t} x" for t in TABLES)
    return sql(f"SELECT count(*) || ':' || coalesce(md5(string_agg(r, '|' "
               f"ORDER BY r)), '') FROM ({parts}) AS rows(r)")


def settled():
    """Wait until no server connection is inside a statement or a
    transaction: after the connection was cut with COMMIT on its way, the
    server may still be committing."""
    for _ in range(500):
        busy = sql("SELECT count(*) FROM pg_stat_activity WHERE usename = "
                   "'tongban' AND state <> 'idle'")
        if busy == "0":
            return
        time.sleep(0.01)
    raise AssertionError("a server connection stayed busy")


def holder():
    """A new enterprise for each application (one number, one holder)."""
    serial[0] += 1
    return credit_code("MA2H8%03d" % serial[0])


SPJY_MATERIALS = ["application", "business_license", "legal_rep_id_card",
                  "premises_proof", "layout", "manager_training", "equipment",
                  "safety_rules", "health_certificates"]


def new_app(channel="window", service="qykb", omit=()):
    h = holder()
    form, mats = ((QYKB_FORM, QYKB_MATERIALS) if service == "qykb"
                  else (spjy_form(h), SPJY_MATERIALS))
    mats = [m for m in mats if m not in omit]
    body = org_intake(h, service, channel, form, mats)
    r = http("POST", "/api/v1/applications", body,
             token=tok(CLERK) if channel == "window" else None)
    return expect(r, 201).json


def view(number):
    return expect(http("GET", "/api/v1/applications/" + number,
                       token=tok(CLERK)), 200).json


def act(number, action, body=None, token=None):
    return expect(http("POST", f"/api/v1/applications/{number}/{action}",
                       body or {}, token=token or tok(CLERK)), 200).json


def active(number):
    return [b["bureau"] for b in view(number)["branches"]
            if b["status"] == "active"]


def claim(number, bureau):
    t = open_task(number, bureau)
    if t["state"] == "open":
        expect(http("POST", f"/api/v1/tasks/{t['id']}/claim", {},
                    token=officer(bureau)), 200)
    return t["id"]


def approve(number, bureau):
    tid = claim(number, bureau)
    expect(http("POST", f"/api/v1/tasks/{tid}/decide",
                {"decision": "approve"}, token=officer(bureau)), 200)


def accepted(service="qykb"):
    a = new_app(service=service)
    act(a["number"], "accept")
    return a


def one_left():
    """An application whose every branch is approved but the last one,
    claimed: its approval closes the join and signs the licenses."""
    a = accepted()
    n = a["number"]
    for _ in range(20):
        left = active(n)
        if len(left) == 1:
            return a, left[0], claim(n, left[0])
        approve(n, left[0])
    raise AssertionError("the review did not narrow to one branch")


def approved():
    a, bureau, _ = one_left()
    approve(a["number"], bureau)
    return a


# ---- one request, failed statement by statement --------------------------------

class Request:
    """A change request: method, path, body or raw bytes, token."""

    def __init__(self, method, path, body=None, token=None, raw=None,
                 ctype=None):
        self.method, self.path, self.body = method, path, body
        self.token, self.raw, self.ctype = token, raw, ctype
        self.key = str(uuid.uuid4())

    def send(self, fault=None):
        h = {"Idempotency-Key": self.key}
        if fault:
            h["X-Tongban-Fault"] = fault
        return http(self.method, self.path, self.body, token=self.token,
                    headers=h, raw=self.raw, ctype=self.ctype)


def fired(r):
    return r.headers.get("X-Tongban-Fault-Fired") == "yes"


def statements(req, s0):
    """How many statements the request's transaction sends, COMMIT
    included: fail its COMMIT (N = 0) and read the count."""
    r = req.send("0 hard")
    assert fired(r), f"the build has no fault injection: {r!r}"
    expect(r, 500, "internal")
    assert snapshot() == s0, "a failed COMMIT left rows behind"
    n = int(r.headers["X-Tongban-Statements"])
    assert n >= 2, n
    return n


def torture(req, expected=(200,)):
    """Fail every statement of req's transaction in every way; then it
    succeeds exactly once. Returns the successful answer."""
    s0 = snapshot()
    n = statements(req, s0)
    for kind, status, last in (("hard", 500, n), ("lost", 503, n),
                               ("lost-after", 503, n - 1)):
        for i in range(1, last + 1):
            r = req.send(f"{i} {kind}")
            assert fired(r), f"statement {i} of {n} did not fail: {r!r}"
            assert r.status == status, f"{kind} at {i}/{n}: {r!r}"
            ctype = r.headers.get("Content-Type", "")
            assert ctype.startswith("application/problem+json"), ctype
            if status == 503:
                assert r.headers.get("Retry-After"), f"no Retry-After: {r!r}"
            assert snapshot() == s0, f"{kind} at {i}/{n} changed rows"
    # the connection lost after COMMIT went out: the outcome is unknown
    r = req.send(f"{n} lost-after")
    assert fired(r) and r.status == 503, r
    assert r.json["code"] == "outcome_unknown", r.json
    assert r.headers.get("Retry-After"), r
    settled()
    s1 = snapshot()
    ok = req.send()
    assert ok.status in expected, f"the repeat failed: {ok!r}"
    s2 = snapshot()
    if s1 != s0:
        assert s2 == s1, "the repeat of a committed change changed rows"
    else:
        assert s2 != s0, "the repeat changed nothing"
    again = req.send()
    assert again.status == ok.status and again.body == ok.body, again
    assert snapshot() == s2, "the replay changed rows"
    return ok


def soft(req, at, expected=(200,)):
    """A serialization failure at statement `at` (0: COMMIT): retried by
    the server, done once."""
    s0 = snapshot()
    r = req.send(f"{at} soft")
    assert fired(r) and r.status in expected, r
    s1 = snapshot()
    assert s1 != s0
    again = req.send()
    assert again.body == r.body and snapshot() == s1


# ================================================================== cases

@case("a swallowed failure inside a change is 500, never 200 (regression)")
def _():
    # deciding reads the application view inside its transaction; before
    # the contract those reads' failures were swallowed, PostgreSQL
    # answered COMMIT with ROLLBACK, and the officer was told 200
    a, bureau, tid = one_left()
    req = Request("POST", f"/api/v1/tasks/{tid}/decide",
                  {"decision": "approve"}, officer(bureau))
    s0 = snapshot()
    n = statements(req, s0)
    r = req.send(f"{n - 1} hard")  # the last read before COMMIT
    expect(r, 500, "internal")
    assert snapshot() == s0
    assert view(a["number"])["state"] == "in_review"
    expect(req.send(), 200)


@case("create at the window: every statement failed in turn")
def _():
    body = org_intake(holder())
    torture(Request("POST", "/api/v1/applications", body, tok(CLERK)),
            (201,))


@case("create online (anonymous): every statement failed in turn")
def _():
    body = org_intake(holder(), channel="online")
    torture(Request("POST", "/api/v1/applications", body), (201,))


@case("create with a confirmed change of name (holder_renamed): every statement failed")
def _():
    h = holder()
    body = org_intake(h)
    expect(http("POST", "/api/v1/applications", body, token=tok(CLERK)), 201)
    body["applicant"]["name"] = "杭州通办数字科技有限公司"
    body["name_change"] = {"confirmed": True, "reason": "企业更名，已查验核准通知书"}
    r = torture(Request("POST", "/api/v1/applications", body, tok(CLERK)),
                (201,))
    assert sql(f"SELECT name FROM holders WHERE id_number = '{h}'") == \
        "杭州通办数字科技有限公司"
    ev = sql("SELECT string_agg(e.action, ',' ORDER BY e.seq) FROM audit_events "
             "e JOIN applications a ON a.id = e.application_id WHERE a.number "
             f"= '{r.json['number']}'")
    assert ev == "holder_renamed,submit", ev


@case("出生一件事's last approval (licenses to the newborn's number): every statement failed")
def _():
    mother = citizen_id("19900909", "468")
    form = {"baby_name": "钱小宝", "baby_gender": "male",
            "birth_date": "2025-06-02", "birth_place": "杭州市妇产科医院",
            "birth_weight": 3100, "mother_name": "钱芳", "mother_id": mother,
            "hukou_address": "杭州市西湖区文三路一号", "apply_card": False,
            "phone": "13800000000"}
    body = {"service": "cssj", "channel": "window", "form": form,
            "materials": ["mother_id_card", "household_register",
                          "delivery_record"],
            "applicant": {"kind": "person", "name": "钱芳", "id_number": mother}}
    n = expect(http("POST", "/api/v1/applications", body, token=tok(CLERK)),
               201).json["number"]
    act(n, "accept")
    for _ in range(10):  # all but 医保 (the last branch)
        left = active(n)
        if left == ["YB"]:
            break
        for b in left:
            t = open_task(n, b)
            claim(n, b)
            expect(http("POST", f"/api/v1/tasks/{t['id']}/decide",
                        {"decision": "approve", "outputs": task_outputs(t)},
                        token=officer(b)), 200)
    tid = claim(n, "YB")
    before = int(sql("SELECT count(*) FROM licenses"))
    torture(Request("POST", f"/api/v1/tasks/{tid}/decide",
                    {"decision": "approve"}, officer("YB")))
    assert view(n)["state"] == "approved"
    child = sql("SELECT outputs->>'child_id' FROM tasks t JOIN applications a "
                f"ON a.id = t.application_id WHERE a.number = '{n}' AND "
                "t.task_id = 'register'")
    holders = sql("SELECT string_agg(DISTINCT holder_id_number, ',') FROM "
                  "licenses WHERE application_number = "
                  f"'{n}' AND type_name <> '居民户口簿'")
    assert holders == child, (holders, child)
    assert int(sql("SELECT count(*) FROM licenses")) == before + 3


@case("accept: every statement failed in turn")
def _():
    n = new_app()["number"]
    torture(Request("POST", f"/api/v1/applications/{n}/accept", {},
                    tok(CLERK)))


@case("refuse (不予受理): every statement failed in turn")
def _():
    n = new_app()["number"]
    torture(Request("POST", f"/api/v1/applications/{n}/reject",
                    {"reason": "不属于本机关职权范围"}, tok(CLERK)))


@case("supplement request (一次性告知): every statement failed in turn")
def _():
    n = new_app()["number"]
    torture(Request("POST", f"/api/v1/applications/{n}/supplement-request",
                    {"items": ["articles"], "reason": "章程未签字"}, tok(CLERK)))


@case("supplement: every statement failed in turn")
def _():
    n = new_app()["number"]
    act(n, "supplement-request", {"items": ["articles"], "reason": "章程未签字"})
    torture(Request("POST", f"/api/v1/applications/{n}/supplement",
                    {"materials": ["articles"]}, tok(CLERK)))


@case("a partial supplement (the notice stays open): every statement failed")
def _():
    n = new_app(omit=("articles", "application"))["number"]
    act(n, "supplement-request", {"items": ["articles", "application"],
                                  "reason": "缺章程和申请书"})
    ok = torture(Request("POST", f"/api/v1/applications/{n}/supplement",
                         {"materials": ["articles"]}, tok(CLERK)))
    assert ok.json["state"] == "awaiting_supplement", ok.json


@case("the applicant's online supplement with the code: every statement failed")
def _():
    a = new_app()
    n = a["number"]
    act(n, "supplement-request", {"items": ["articles"], "reason": "章程未签字"})
    ok = torture(Request("POST", f"/api/v1/applications/{n}/supplement",
                         {"materials": ["articles"],
                          "code": a["tracking_code"]}))
    assert ok.json["state"] == "submitted", ok.json


@case("closing a returned notice (tasks reopen): every statement failed")
def _():
    n = accepted()["number"]
    approve(n, "SCJG")
    tid = claim(n, "GA")
    expect(http("POST", f"/api/v1/tasks/{tid}/decide",
                {"decision": "return", "comment": "印章样式不清",
                 "items": ["application"]}, token=officer("GA")), 200)
    for _ in range(20):
        left = active(n)
        if not left:
            break
        approve(n, left[0])
    assert view(n)["state"] == "returned"
    ok = torture(Request("POST", f"/api/v1/applications/{n}/notice/close",
                         {"reason": "由公安局现场核实"}, tok(CLERK)))
    assert ok.json["state"] == "in_review", ok.json


@case("registration with 容缺, then acceptance by the stored choice: every statement failed")
def _():
    h = holder()
    body = {"service": "qykb", "channel": "window", "form": QYKB_FORM,
            "materials": [m for m in QYKB_MATERIALS if m != "appointment"],
            "tolerated": ["appointment"],
            "applicant": {"kind": "organization", "name": "杭州通办科技有限公司",
                          "id_number": h}}
    ok = torture(Request("POST", "/api/v1/applications", body, tok(CLERK)),
                 expected=(201,))
    n = ok.json["number"]
    ok = torture(Request("POST", f"/api/v1/applications/{n}/accept", {},
                         tok(CLERK)))
    gaps = [m["id"] for m in ok.json["materials"] if m["status"] == "gap"]
    assert gaps == ["appointment"], gaps


@case("reissuing the tracking code: every statement failed in turn")
def _():
    n = new_app()["number"]
    ok = torture(Request("POST", f"/api/v1/applications/{n}/tracking-code",
                         {"reason": "申请人遗失回执"}, tok(CLERK)))
    assert ok.json["reprintable"] is True, ok.json


@case("withdraw: every statement failed in turn")
def _():
    n = accepted()["number"]
    torture(Request("POST", f"/api/v1/applications/{n}/withdraw",
                    {"reason": "申请人撤回"}, tok(CLERK)))


@case("claim: every statement failed in turn")
def _():
    n = accepted()["number"]
    bureau = active(n)[0]
    t = open_task(n, bureau)
    torture(Request("POST", f"/api/v1/tasks/{t['id']}/claim", {},
                    officer(bureau)))


@case("decide approve (not the last): every statement failed in turn")
def _():
    n = accepted()["number"]
    bureau = active(n)[0]
    tid = claim(n, bureau)
    torture(Request("POST", f"/api/v1/tasks/{tid}/decide",
                    {"decision": "approve"}, officer(bureau)))


@case("decide deny (不予许可): every statement failed in turn")
def _():
    n = accepted()["number"]
    bureau = active(n)[0]
    tid = claim(n, bureau)
    torture(Request("POST", f"/api/v1/tasks/{tid}/decide",
                    {"decision": "deny", "comment": "经营范围含前置许可项目"},
                    officer(bureau)))


@case("decide return (退回补正): every statement failed in turn")
def _():
    n = accepted()["number"]
    bureau = active(n)[0]
    tid = claim(n, bureau)
    torture(Request("POST", f"/api/v1/tasks/{tid}/decide",
                    {"decision": "return", "comment": "住所证明不清晰",
                     "items": ["premises"]}, officer(bureau)))


# ---- the verbs of a branch (issue 14): each a change kind of its own

def spjy_task():
    """The open first task of a new accepted spjy application (市场监管's
    three pool steps) and its number."""
    n = accepted("spjy")["number"]
    return n, open_task(n, "SCJG")["id"]


add_officer("li-scjg", "SCJG")


@case("转办 (transfer, the officer resolved): every statement failed in turn")
def _():
    _n, tid = spjy_task()
    torture(Request("POST", f"/api/v1/tasks/{tid}/transfer",
                    {"to": "li-scjg", "reason": "该事项由李科员负责"},
                    officer("SCJG")))


@case("委派 and 委派办毕 (delegate, resolve): every statement failed in turn")
def _():
    n, tid = spjy_task()
    torture(Request("POST", f"/api/v1/tasks/{tid}/delegate",
                    {"to": "li-scjg", "reason": "请核实现场"}, officer("SCJG")))
    mine = expect(http("GET", "/api/v1/tasks?mine=true",
                       token=tok("li-scjg")), 200).json["items"]
    d = next(t["id"] for t in mine if t["number"] == n)
    torture(Request("POST", f"/api/v1/tasks/{d}/resolve",
                    {"comment": "现场核实无误"}, tok("li-scjg")))


@case("加签 after and 减签 (a waiting task): every statement failed in turn")
def _():
    n, tid = spjy_task()
    torture(Request("POST", f"/api/v1/tasks/{tid}/signers",
                    {"to": "li-scjg", "position": "after"}, officer("SCJG")))
    waiting = sql("SELECT t.id FROM tasks t JOIN applications a ON a.id = "
                  f"t.application_id WHERE a.number = '{n}' AND t.state = "
                  "'waiting'")
    torture(Request("POST", f"/api/v1/tasks/{waiting}/remove",
                    {"reason": "无需会签"}, officer("SCJG")))


@case("撤回 (take-back of the previous step): every statement failed in turn")
def _():
    n, tid = spjy_task()
    expect(http("POST", f"/api/v1/tasks/{tid}/decide",
                {"decision": "approve"}, token=officer("SCJG")), 200)
    torture(Request("POST", f"/api/v1/tasks/{tid}/take-back",
                    {"reason": "意见有误"}, officer("SCJG")))


@case("the last approval (join, licenses signed): every statement failed")
def _():
    a, bureau, tid = one_left()
    n = a["number"]
    before = int(sql("SELECT count(*) FROM licenses"))
    torture(Request("POST", f"/api/v1/tasks/{tid}/decide",
                    {"decision": "approve"}, officer(bureau)))
    assert view(n)["state"] == "approved"
    issued = int(sql("SELECT count(*) FROM licenses WHERE application_id = "
                     f"(SELECT id FROM applications WHERE number = '{n}')"))
    assert issued >= 1 and int(sql("SELECT count(*) FROM licenses")) == \
        before + issued


@case("容缺: the supplement of the last gap (licenses signed): every statement failed")
def _():
    n = new_app(omit=("appointment",))["number"]
    act(n, "accept", {"tolerated": ["appointment"]})
    for _ in range(20):
        left = active(n)
        if not left:
            break
        approve(n, left[0])
    assert view(n)["state"] == "awaiting_materials", view(n)["state"]
    before = int(sql("SELECT count(*) FROM licenses"))
    torture(Request("POST", f"/api/v1/applications/{n}/supplement",
                    {"materials": ["appointment"]}, tok(CLERK)))
    assert view(n)["state"] == "approved"
    issued = int(sql("SELECT count(*) FROM licenses WHERE application_id = "
                     f"(SELECT id FROM applications WHERE number = '{n}')"))
    assert issued >= 1 and int(sql("SELECT count(*) FROM licenses")) == \
        before + issued


@case("deliver: every statement failed in turn")
def _():
    n = approved()["number"]
    torture(Request("POST", f"/api/v1/applications/{n}/deliver",
                    {"method": "window"}, tok(CLERK)))


@case("rating (好差评): every statement failed in turn")
def _():
    n = approved()["number"]
    act(n, "deliver", {"method": "window"})
    torture(Request("POST", f"/api/v1/applications/{n}/rating",
                    {"grade": 5, "comment": "办事很快"}, tok(CLERK)))


@case("suspend (特别程序): every statement failed in turn")
def _():
    n = accepted("spjy")["number"]
    torture(Request("POST", f"/api/v1/applications/{n}/suspend",
                    {"kind": "inspection", "reason": "现场核查"}, tok(CLERK)))


@case("resume: every statement failed in turn")
def _():
    n = accepted("spjy")["number"]
    act(n, "suspend", {"kind": "inspection", "reason": "现场核查"})
    torture(Request("POST", f"/api/v1/applications/{n}/resume", {},
                    tok(CLERK)))


@case("revoke a license: every statement failed in turn")
def _():
    n = approved()["number"]
    lid = sql("SELECT id FROM licenses WHERE application_id = (SELECT id FROM "
              f"applications WHERE number = '{n}') ORDER BY id LIMIT 1")
    assert lid
    torture(Request("POST", f"/api/v1/licenses/{lid}/revoke",
                    {"reason": "以欺骗手段取得"}, tok(ADMIN)))


@case("deploy a definition: every statement failed in turn")
def _():
    with open(os.path.join(ROOT, "workflows", "cssj.xml"), "rb") as f:
        xml = f.read()
    xml, n = re.subn(rb'(id="cssj" version=")\d+(")', rb"\g<1>7\g<2>", xml)
    assert n == 1
    torture(Request("POST", "/api/v1/workflows", token=tok(ADMIN), raw=xml,
                    ctype="application/xml"), (201,))


@case("attach a material's file (a new version, the old one marked replaced): every statement failed")
def _():
    from tbfiles import fixture
    n = new_app()["number"]
    path = f"/api/v1/applications/{n}/materials/articles/files?name=a.pdf"
    expect(http("POST", path, raw=fixture("scan.pdf"), ctype="application/pdf",
                token=tok(CLERK)), 201)
    act(n, "supplement-request", {"items": ["articles"], "reason": "章程未签字"})
    r = torture(Request("POST", path, token=tok(CLERK),
                        raw=fixture("photo.jpg"), ctype="image/jpeg"), (201,))
    assert (r.json["version"], r.json["page"]) == (2, 1), r.json
    assert sql("SELECT string_agg(replaced_at IS NOT NULL || '', ',' ORDER BY "
               "f.id) FROM material_files f JOIN applications a ON a.id = "
               f"f.application_id WHERE a.number = '{n}'") == "true,false"


@case("attach an opinion file to a task: every statement failed in turn")
def _():
    from tbfiles import fixture
    n = accepted()["number"]
    bureau = active(n)[0]
    t = open_task(n, bureau)
    torture(Request("POST", f"/api/v1/tasks/{t['id']}/files?name=report.png",
                    token=officer(bureau), raw=fixture("page.png"),
                    ctype="image/png"), (201,))


@case("a serialization failure is retried: the change is done once")
def _():
    for at in (1, 0):
        a, bureau, tid = one_left()
        soft(Request("POST", f"/api/v1/tasks/{tid}/decide",
                     {"decision": "approve"}, officer(bureau)), at)
        n = new_app()["number"]
        soft(Request("POST", f"/api/v1/applications/{n}/accept", {},
                     tok(CLERK)), at)


# ---- supervision: urges, red card answers and decisions (issue 15) ----------

TABLES += ["supervision_alerts", "task_urges", "alert_files"]


def overdue_card():
    """A red card that needs no timer: an spjy application accepted 20
    days ago and denied now (超期办结), swept now."""
    from tbhttp import supervision_sweep
    past = {"X-Tongban-Clock": str(int(time.time()) - 20 * 86400)}
    h = holder()
    body = org_intake(h, "spjy", "window", spjy_form(h), SPJY_MATERIALS)
    n = expect(http("POST", "/api/v1/applications", body, token=tok(CLERK),
                    headers=past), 201).json["number"]
    expect(http("POST", f"/api/v1/applications/{n}/accept", {},
                token=tok(CLERK), headers=past), 200)
    tid = claim(n, "SCJG")
    expect(http("POST", f"/api/v1/tasks/{tid}/decide",
                {"decision": "deny", "comment": "经营场所不符合食品安全要求，依法不予许可"},
                token=officer("SCJG")), 200)
    supervision_sweep(time.time())
    cards = expect(http("GET", "/api/v1/supervision/findings?rule=finished_late",
                        token=tok("inspector1")), 200).json["items"]
    return [c for c in cards if c["number"] == n][0]


@case("催办, and the urge that raises urged_repeatedly: every statement failed")
def _():
    n = accepted()["number"]
    bureau = active(n)[0]
    t = open_task(n, bureau)
    path = f"/api/v1/tasks/{t['id']}/urge"
    torture(Request("POST", path, {"reason": "请尽快办理"}, tok(CLERK)), (201,))
    expect(http("POST", path, {"reason": "第二次"}, token=tok(CLERK)), 201)
    r = torture(Request("POST", path, {"reason": "第三次"}, tok(CLERK)), (201,))
    assert r.json["urged_repeatedly"] is True, r.json


@case("a red card's answer with its file, and the decision: every statement failed")
def _():
    import base64
    from tbfiles import fixture
    card = overdue_card()
    path = f"/api/v1/supervision/findings/{card['id']}"
    png = base64.b64encode(fixture("page.png")).decode()
    r = torture(Request("POST", path + "/answer",
                        {"kind": "explanation", "text": "情况说明",
                         "attachment": {"name": "说明.png", "content": png}},
                        officer(card["bureau"])))
    assert r.json["state"] == "answered", r.json
    r = torture(Request("POST", path + "/decision",
                        {"decision": "revoked", "reason": "理由成立，撤销红牌"},
                        tok("inspector1")))
    assert r.json["state"] == "revoked", r.json


@case("抄送: marking a copy read: every statement failed in turn")
def _():
    n = accepted()["number"]
    cid = sql("INSERT INTO task_copies (application_id, branch, step, round, "
              "from_bureau, bureau) SELECT id, 0, 0, 1, 'SCJG', 'GA' FROM "
              f"applications WHERE number = '{n}' RETURNING id")
    r = torture(Request("POST", f"/api/v1/copies/{cid}/read", {},
                        officer("GA")))
    assert r.json["read_by"] == "officer-GA", r.json


sys.exit(done())
