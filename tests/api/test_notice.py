#!/usr/bin/env python3
"""test_notice.py — the kept one-time notice and the window's stored
choices (issue 12 §5 and §6), over HTTP (started by test_api.c with this
script's name and the tongban binary).

- A notice is supplied in parts: it stays open with each item marked
  supplied or owed (staff view and tracking alike), and the application
  moves on only with the last item; an item the notice does not ask for
  is a 422 naming the material.
- The clerk closes a notice with a reason (audited, the items still owed
  listed as waived).
- The applicant supplies online with the tracking code and no token; a
  wrong code is the tracking 404; the audit event says channel online.
- A merged notice from two bureaus, supplied in two parts, reopens the
  returned bureaus' tasks only after the second part.
- 容缺 / 告知承诺 chosen at registration are stored, shown by GET, and used
  by an acceptance that names none (audited as choices "stored").
- The receipt is reprinted with the very tracking code (derived from the
  number under the server's key, only its digest stored); an application
  made before (a random code) says it cannot show it, and a reissued code
  (audited, with a reason) replaces the old one, which stops working.

Speaks TAP on stdout. Environment as for test_api.py.
"""
import sys

from tbhttp import (QYKB_FORM, QYKB_MATERIALS, case, credit_code, done, expect,
                    http, officer, open_task, sql, tok)

CLERK = "clerk1"
HOLDER = credit_code("NT000012")
NAME = "杭州补正测试有限公司"


def intake(materials, extra=None):
    body = {"service": "qykb", "channel": "window", "form": QYKB_FORM,
            "applicant": {"kind": "organization", "name": NAME,
                          "id_number": HOLDER},
            "materials": materials}
    body.update(extra or {})
    return http("POST", "/api/v1/applications", body, token=tok(CLERK))


def create(materials=None, extra=None):
    return expect(intake(QYKB_MATERIALS if materials is None else materials,
                         extra), 201).json


def act(number, action, body, status=200, token="clerk"):
    r = http("POST", f"/api/v1/applications/{number}/{action}", body,
             token=tok(CLERK) if token == "clerk" else token)
    return expect(r, status).json


def track(a):
    return expect(http("GET", f"/api/v1/track/{a['number']}"
                       f"?code={a['tracking_code']}"), 200).json


def items(notice):
    return {i["id"]: i["supplied"] for i in notice["items"]}


def events(number):
    r = http("GET", f"/api/v1/applications/{number}/events", token=tok(CLERK))
    return expect(r, 200).json["events"]


def decide(number, bureau, decision="approve", comment=None, items_=None):
    t = open_task(number, bureau)
    if t["state"] == "open":
        expect(http("POST", f"/api/v1/tasks/{t['id']}/claim", {},
                    token=officer(bureau)), 200)
    body = {"decision": decision}
    if comment:
        body.update({"comment": comment, "items": items_})
    r = http("POST", f"/api/v1/tasks/{t['id']}/decide", body,
             token=officer(bureau))
    return expect(r, 200).json["application"]


def active(view):
    return sorted(b["bureau"] for b in view["branches"]
                  if b["status"] == "active")


def finish_others(v, n):
    """Let every bureau still at work approve (they may start one after
    another); the view after the last."""
    while active(v):
        for b in active(v):
            v = decide(n, b)
    return v


def returned(returns):
    """An accepted application that the bureaus in `returns` (bureau →
    (comment, item)) returned, the others having approved."""
    a = create()
    n = a["number"]
    act(n, "accept", {})
    decide(n, "SCJG")
    v = None
    for bureau, (comment, item) in returns.items():
        v = decide(n, bureau, "return", comment, [item])
    v = finish_others(v, n)
    assert v["state"] == "returned", v["state"]
    return a


def without(*ids):
    return [m for m in QYKB_MATERIALS if m not in ids]


def window_notice():
    """A submitted application asked for application and articles."""
    a = create(without("application", "articles"))
    act(a["number"], "supplement-request",
        {"items": ["application", "articles"], "reason": "缺申请书和章程"})
    return a


@case("a two-item notice supplied in part stays open; the last item ends it")
def _():
    a = window_notice()
    n = a["number"]
    v = act(n, "supplement", {"materials": ["application"]})
    assert v["state"] == "awaiting_supplement", v["state"]
    assert items(v["notice"]) == {"application": True, "articles": False}
    mats = {m["id"]: m["status"] for m in v["materials"]}
    assert mats["application"] == "provided" and mats["articles"] == "requested"
    t = track(a)
    assert t["notice"] == v["notice"], t["notice"]
    v = act(n, "supplement", {"materials": ["articles"]})
    assert v["state"] == "submitted" and v["notice"] is None, v
    assert track(a)["notice"] is None
    ev = events(n)[-1]
    assert ev["action"] == "supplement" and ev["payload"]["event"]["owed"] == []
    assert events(n)[-2]["payload"]["event"]["owed"] == ["articles"]


@case("an item the notice does not ask for is 422 naming the material")
def _():
    a = window_notice()
    before = len(events(a["number"]))
    r = http("POST", f"/api/v1/applications/{a['number']}/supplement",
             {"materials": ["application", "premises"]}, token=tok(CLERK))
    expect(r, 422, "material")
    assert "premises" in r.json["detail"], r.json
    assert r.json["errors"][0]["field"] == "materials", r.json
    assert len(events(a["number"])) == before


@case("the clerk closes a notice with a reason: audited, owed items waived")
def _():
    a = window_notice()
    n = a["number"]
    act(n, "supplement", {"materials": ["articles"]})
    r = http("POST", f"/api/v1/applications/{n}/notice/close", {},
             token=tok(CLERK))
    expect(r, 422, "invalid_request")
    assert r.json["errors"][0]["field"] == "reason"
    v = act(n, "notice/close", {"reason": "申请人当场说明，申请书以系统填报为准"})
    assert v["state"] == "submitted" and v["notice"] is None
    mats = {m["id"]: m["status"] for m in v["materials"]}
    assert mats["application"] == "missing", mats  # waived, not supplied
    ev = events(n)[-1]
    assert ev["action"] == "close_notice", ev
    assert ev["payload"]["event"]["waived"] == ["application"], ev
    assert ev["payload"]["data"]["reason"].startswith("申请人当场说明"), ev
    timeline = [e["action"] for e in track(a)["timeline"]]
    assert timeline[-1] == "close_notice", timeline  # the applicant sees it
    act(n, "notice/close", {"reason": "again"}, status=409)
    expect(http("POST", f"/api/v1/applications/{n}/notice/close",
                {"reason": "x"}), 401)


@case("the applicant supplies online with the tracking code; a wrong code is the tracking 404")
def _():
    a = window_notice()
    n = a["number"]
    url = f"/api/v1/applications/{n}/supplement"
    wrong = http("POST", url, {"materials": ["articles"], "code": "WRONG234"})
    unknown = http("GET", f"/api/v1/track/{n}?code=WRONG234")
    expect(wrong, 404, "not_found")
    assert wrong.json["detail"] == unknown.json["detail"], (wrong, unknown)
    expect(http("POST", url, {"materials": ["articles"]}), 401)  # no code
    r = expect(http("POST", url, {"materials": ["articles"],
                                  "code": a["tracking_code"]}), 200)
    t = r.json
    assert "branches" not in t and t["state"] == "awaiting_supplement", t
    assert items(t["notice"]) == {"application": False, "articles": True}
    ev = events(n)[-1]
    assert ev["action"] == "supplement" and ev["role"] == "applicant", ev
    assert ev["payload"]["event"]["channel"] == "online", ev
    assert a["tracking_code"] not in str(ev)
    t = expect(http("POST", url, {"materials": ["application"],
                                  "code": a["tracking_code"]}), 200).json
    assert t["state"] == "submitted" and t["notice"] is None


@case("a merged notice from two bureaus supplied in two parts reopens the tasks once")
def _():
    a = returned({"GA": ("印章样式不清", "application"),
                  "SW": ("章程缺少签字页", "articles")})
    n = a["number"]
    v = act(n, "supplement", {"materials": ["articles"]})
    assert v["state"] == "returned" and active(v) == [], v
    assert items(v["notice"]) == {"application": False, "articles": True}
    assert {b["bureau"] for b in v["notice"]["bureaus"]} == {"GA", "SW"}
    assert items(track(a)["notice"]) == items(v["notice"])
    v = act(n, "supplement", {"materials": ["application"]})
    assert v["state"] == "in_review" and v["notice"] is None
    assert active(v) == ["GA", "SW"], active(v)


@case("closing a returned notice sends it back to the returned bureaus")
def _():
    n = returned({"GA": ("印章样式不清", "application")})["number"]
    v = act(n, "notice/close", {"reason": "申请书无需重交，由公安局核实"})
    assert v["state"] == "in_review" and active(v) == ["GA"], v
    assert events(n)[-1]["payload"]["event"]["waived"] == ["application"]


@case("容缺 chosen at registration is stored, shown, and used by acceptance")
def _():
    a = create(without("appointment"), {"tolerated": ["appointment"]})
    n = a["number"]
    choice = {m["id"]: m["choice"] for m in a["materials"]}
    assert choice["appointment"] == "tolerated", choice
    assert all(v is None for k, v in choice.items() if k != "appointment")
    got = expect(http("GET", f"/api/v1/applications/{n}",
                      token=tok("lockme")), 200).json  # another clerk
    assert {m["id"]: m["choice"] for m in got["materials"]} == choice
    assert events(n)[-1]["payload"]["event"]["tolerated"] == ["appointment"]
    v = act(n, "accept", {})
    mats = {m["id"]: m["status"] for m in v["materials"]}
    assert v["state"] == "in_review" and mats["appointment"] == "gap", mats
    ev = events(n)[-1]["payload"]["event"]
    assert ev["choices"] == "stored" and ev["gaps"] == ["appointment"], ev


@case("an acceptance body that names choices overrides the stored ones")
def _():
    a = create(without("appointment", "premises"),
               {"tolerated": ["appointment"], "committed": ["premises"]})
    n = a["number"]
    r = http("POST", f"/api/v1/applications/{n}/accept",
             {"tolerated": ["appointment"]}, token=tok(CLERK))
    expect(r, 422, "material")  # premises is neither provided nor committed
    v = act(n, "accept", {"tolerated": ["appointment"],
                          "committed": ["premises"]})
    assert v["state"] == "in_review"
    assert events(n)[-1]["payload"]["event"]["choices"] == "request"


@case("choices at registration are checked against the service; online has none")
def _():
    r = intake(QYKB_MATERIALS, {"tolerated": ["articles"]})
    expect(r, 422, "material")
    assert r.json["errors"][0]["field"] == "tolerated", r.json
    r = intake(without("premises"), {"tolerated": ["nonesuch"]})
    expect(r, 422)
    assert r.json["errors"][0]["field"].startswith("tolerated"), r.json
    body = {"service": "qykb", "channel": "online", "form": QYKB_FORM,
            "applicant": {"kind": "organization", "name": NAME,
                          "id_number": HOLDER},
            "materials": without("appointment"), "tolerated": ["appointment"]}
    r = http("POST", "/api/v1/applications", body)
    expect(r, 422, "invalid_request")
    assert r.json["errors"][0]["field"] == "tolerated", r.json


@case("online: the applicant's own 告知承诺 is stored and used by acceptance; the window's queue lists it")
def _():
    holder = credit_code("NT000013")
    body = {"service": "qykb", "channel": "online", "form": QYKB_FORM,
            "applicant": {"kind": "organization", "name": "杭州网上承诺测试有限公司",
                          "id_number": holder},
            "materials": without("premises"), "committed": ["premises"]}
    a = expect(http("POST", "/api/v1/applications", body), 201).json
    n = a["number"]
    choice = {m["id"]: m["choice"] for m in a["materials"]}
    assert choice["premises"] == "committed", choice
    # the window's queue of online submissions: this one, no window one
    window = create()["number"]
    q = "/api/v1/applications?channel=online&state=submitted"
    rows = expect(http("GET", q, token=tok(CLERK)), 200).json["items"]
    assert n in [r["number"] for r in rows], rows
    assert all(r["channel"] == "online" and r["state"] == "submitted"
               for r in rows), rows
    rows = expect(http("GET", "/api/v1/applications?channel=window",
                       token=tok(CLERK)), 200).json["items"]
    assert window in [r["number"] for r in rows] and n not in [
        r["number"] for r in rows], rows
    r = expect(http("GET", "/api/v1/applications?channel=fax",
                    token=tok(CLERK)), 422, "invalid_request")
    assert r.json["errors"][0]["field"] == "channel", r.json
    expect(http("GET", q), 401)
    v = act(n, "accept", {})
    mats = {m["id"]: m["status"] for m in v["materials"]}
    assert v["state"] == "in_review" and mats["premises"] == "committed", mats
    rows = expect(http("GET", q, token=tok(CLERK)), 200).json["items"]
    assert n not in [r["number"] for r in rows], rows


@case("the receipt shows the same tracking code again, to clerks only")
def _():
    a = create()
    n = a["number"]
    url = f"/api/v1/applications/{n}/receipt"
    r = expect(http("GET", url, token=tok(CLERK)), 200).json
    assert r == {"number": n, "tracking_code": a["tracking_code"],
                 "reprintable": True}, r
    expect(http("GET", url), 401)
    expect(http("GET", url, token=officer("SCJG")), 403)
    stored = sql(f"SELECT encode(tracking_code_hash, 'hex') FROM applications "
                 f"WHERE number = '{n}'")
    assert a["tracking_code"] not in stored


@case("an application made before derived codes: no code shown; a reissued one replaces it")
def _():
    a = create()
    n = a["number"]
    old = "OLDCODE234"  # what a random code of before looked like
    sql(f"UPDATE applications SET tracking_code_hash = "
        f"sha256(convert_to('{n}:{old}', 'UTF8')) WHERE number = '{n}'")
    expect(http("GET", f"/api/v1/track/{n}?code={old}"), 200)
    r = expect(http("GET", f"/api/v1/applications/{n}/receipt",
                    token=tok(CLERK)), 200).json
    assert r["reprintable"] is False and r["tracking_code"] is None, r
    url = f"/api/v1/applications/{n}/tracking-code"
    expect(http("POST", url, {}, token=tok(CLERK)), 422, "invalid_request")
    r = expect(http("POST", url, {"reason": "申请人遗失回执"},
                    token=tok(CLERK)), 200).json
    code = r["tracking_code"]
    assert r["reprintable"] and code and code not in (old, a["tracking_code"])
    expect(http("GET", f"/api/v1/track/{n}?code={old}"), 404, "not_found")
    expect(http("GET", f"/api/v1/track/{n}?code={code}"), 200)
    again = expect(http("GET", f"/api/v1/applications/{n}/receipt",
                        token=tok(CLERK)), 200).json
    assert again["tracking_code"] == code, again
    ev = events(n)[-1]
    assert ev["action"] == "tracking_code_reissued", ev
    assert ev["payload"] == {"version": 1, "reason": "申请人遗失回执"}, ev
    assert code not in str(events(n))


sys.exit(done())
