"""test_reasons.py — reasons reach the applicant (issue 12 §4, 行政许可法
art. 38), over HTTP (started by test_api.c with this script's name and
the tongban binary).

- A refusal at the window and a denial carry their reason, the legal
  basis (cited in the request, else the definition's <legal-basis>) and
  the applicant's rights: the 行政复议 body and the court from
  bureaus.xml <rights> (a bureau's own, else the list's), and the last
  days (decision day + 60 days, + 6 months, moved to the next working day
  of the stored calendar), alike in tracking, in the staff view and in
  the reply of the action; both match the OpenAPI document.
- A deny without its reason is refused with a field error naming
  comment; legal_basis is refused on anything but a denial.
- The public timeline leaves out claims and steps inside a branch but
  has each bureau's result and each license issued.

Speaks TAP on stdout. Environment as for test_api.py.
"""
import datetime
import json
import os
import sys
import xml.etree.ElementTree as ET

from tbhttp import (QYKB_FORM, QYKB_MATERIALS, QYKB_PERSON, ROOT, case,
                    credit_code, done, expect, http, matches_schema, officer,
                    open_task, spjy_form, sql, task_outputs, tok)

CLERK = "clerk1"
HOLDER = credit_code("RQ100012")
NS = {"wf": "urn:tongban:workflow:1"}
CST = datetime.timezone(datetime.timedelta(hours=8))


def workflow_xml(name):
    return ET.parse(os.path.join(ROOT, "workflows", name)).getroot()


def basis(service, kind):
    return workflow_xml(service + ".xml").find("wf:legal-basis", NS).get(kind)


def rights(bureau=None):
    """(review body, court) of a bureau in the shipped bureaus.xml, or of
    the list when bureau is None."""
    root = workflow_xml("bureaus.xml")
    r = root.find("wf:rights", NS)
    if bureau:
        b = root.find(f"wf:bureau[@code='{bureau}']", NS)
        r = b.find("wf:rights", NS) if b.find("wf:rights", NS) is not None else r
    return r.get("review"), r.get("court")


def stored_calendar():
    """The stored calendar's exceptions: {date: 'holiday' | 'workday'}."""
    rows = sql("SELECT day || ' ' || kind FROM calendar_days").splitlines()
    return {datetime.date.fromisoformat(r.split()[0]): r.split()[1]
            for r in rows if r}


def working(day, cal):
    kind = cal.get(day)
    return kind == "workday" or (kind != "holiday" and day.weekday() < 5)


def last_day(day, cal):
    while not working(day, cal):
        day += datetime.timedelta(days=1)
    return day


def plus_months(day, months):
    index = day.year * 12 + day.month - 1 + months
    y, m = divmod(index, 12)
    m += 1
    for d in range(day.day, 27, -1):
        try:
            return datetime.date(y, m, d)
        except ValueError:
            continue
    return datetime.date(y, m, day.day)


def check_rights(d, bureau):
    """The decision's rights: bodies from bureaus.xml, dates computed here
    from its decided_at on the stored calendar."""
    review, court = rights(bureau)
    at = datetime.datetime.fromisoformat(d["decided_at"].replace("Z", "+00:00"))
    day = at.astimezone(CST).date()
    cal = stored_calendar()
    want = {"review": {"body": review, "days": 60,
                       "until": last_day(day + datetime.timedelta(days=60),
                                         cal).isoformat()},
            "litigation": {"court": court, "months": 6,
                           "until": last_day(plus_months(day, 6), cal).isoformat()}}
    assert d["rights"] == want, (d["rights"], want)


def create(materials=None):
    body = {"service": "spjy", "channel": "window",
            "applicant": {"kind": "organization", "name": "杭州说理餐饮有限公司",
                          "id_number": HOLDER},
            "form": spjy_form(HOLDER),
            "materials": materials if materials is not None else
            ["application", "business_license", "legal_rep_id_card",
             "premises_proof", "layout", "manager_training", "equipment",
             "safety_rules", "health_certificates"]}
    return expect(http("POST", "/api/v1/applications", body, token=tok(CLERK)),
                  201).json


def track(a):
    return expect(http("GET", f"/api/v1/track/{a['number']}?code="
                       f"{a['tracking_code']}"), 200).json


def staff_view(number):
    return expect(http("GET", "/api/v1/applications/" + number,
                       token=tok(CLERK)), 200).json


def accept(number):
    expect(http("POST", f"/api/v1/applications/{number}/accept", {},
                token=tok(CLERK)), 200)


def claim(t, bureau):
    if t["state"] == "open":
        expect(http("POST", f"/api/v1/tasks/{t['id']}/claim", {},
                    token=officer(bureau)), 200)


def decide(number, bureau, body, status=200):
    t = open_task(number, bureau)
    claim(t, bureau)
    if body.get("decision") == "approve" and task_outputs(t):
        body["outputs"] = task_outputs(t)
    r = http("POST", f"/api/v1/tasks/{t['id']}/decide", body,
             token=officer(bureau))
    assert r.status == status, r
    return r.json


state = {}


@case("a refusal at the window tells the reason, the definition's basis and the rights")
def _():
    a = create(materials=["application"])
    n = a["number"]
    assert track(a)["decision"] is None
    r = expect(http("POST", f"/api/v1/applications/{n}/reject",
                    {"reason": "\u3000 "}, token=tok(CLERK)), 422).json
    assert [(e["field"], e["code"]) for e in r["errors"]] == [("reason", "missing")], r
    assert track(a)["state"] == "submitted"
    r = expect(http("POST", f"/api/v1/applications/{n}/reject",
                    {"reason": "申请事项依法不需要取得行政许可"},
                    token=tok(CLERK)), 200).json
    d = r["decision"]
    assert d["kind"] == "refused", d
    assert d["reason"] == "申请事项依法不需要取得行政许可", d
    assert d["legal_basis"] == basis("spjy", "refusal"), d
    assert d["bureau"] is None and d["bureau_name"] is None, d
    check_rights(d, None)
    t = track(a)
    assert t["state"] == "refused" and t["decision"] == d, (t["decision"], d)
    assert staff_view(n)["decision"] == d
    assert [e["action"] for e in t["timeline"]] == ["submit", "refuse"], t["timeline"]
    state["refused"] = a


@case("a refusal's cited legal basis replaces the definition's")
def _():
    a = create(materials=["application"])
    cited = "《中华人民共和国行政许可法》第三十二条第一款第（二）项"
    d = expect(http("POST", f"/api/v1/applications/{a['number']}/reject",
                    {"reason": "申请事项依法不属于本机关职权范围，请向省级市场监督管理部门申请",
                     "legal_basis": cited}, token=tok(CLERK)), 200).json["decision"]
    assert d["legal_basis"] == cited, d
    assert track(a)["decision"]["legal_basis"] == cited


@case("a deny without its reason is refused naming comment; nothing changes")
def _():
    a = create()
    n = a["number"]
    accept(n)
    decide(n, "SCJG", {"decision": "approve"})  # 材料审查
    r = decide(n, "SCJG", {"decision": "deny"}, status=422)
    assert r["code"] == "invalid_request", r
    assert [(e["field"], e["code"]) for e in r["errors"]] == [("comment", "missing")], r
    assert "reason" in r["errors"][0]["detail"], r
    r = decide(n, "SCJG", {"decision": "deny", "comment": ""}, status=422)
    assert r["errors"][0]["field"] == "comment", r
    # spaces, including the ideographic one, are no reason either
    r = decide(n, "SCJG", {"decision": "deny", "comment": " \u3000\n "},
               status=422)
    assert [(e["field"], e["code"]) for e in r["errors"]] == [("comment", "missing")], r
    r = decide(n, "SCJG", {"decision": "approve", "legal_basis": "《某法》第一条"},
               status=422)
    assert r["errors"][0]["field"] == "legal_basis", r
    assert staff_view(n)["state"] == "in_review"
    assert track(a)["decision"] is None
    state["pending"] = a


@case("a denial tells the reason, the cited basis, the bureau and the rights")
def _():
    a = state["pending"]
    n = a["number"]
    reason = "经现场核查，经营场所距粪坑、污水池等污染源不足25米，不符合食品经营许可条件"
    cited = "《中华人民共和国行政许可法》第三十八条第二款；《中华人民共和国食品安全法》第三十三条"
    r = decide(n, "SCJG", {"decision": "deny", "comment": reason,
                           "legal_basis": cited})
    d = r["application"]["decision"]
    assert r["application"]["state"] == "denied"
    assert d["kind"] == "denied" and d["reason"] == reason, d
    assert d["legal_basis"] == cited, d
    assert d["bureau"] == "SCJG" and d["bureau_name"] == "市场监督管理局", d
    check_rights(d, "SCJG")
    t = track(a)
    assert t["decision"] == d, (t["decision"], d)
    assert staff_view(n)["decision"] == d
    matches_schema("/api/v1/track/{number}", t)
    matches_schema("/api/v1/applications/{number}", staff_view(n))
    state["denied"] = a


@case("a denial without a cited basis gives the definition's")
def _():
    a = create()
    n = a["number"]
    accept(n)
    decide(n, "SCJG", {"decision": "deny", "comment": "申请材料反映的经营条件不符合要求"})
    d = track(a)["decision"]
    assert d["legal_basis"] == basis("spjy", "denial"), d
    check_rights(d, "SCJG")


@case("a bureau's own <rights> names its review body (tax: the provincial bureau)")
def _():
    body = {"service": "qykb", "channel": "window",
            "applicant": {"kind": "person", "name": "张三丰", "id_number": QYKB_PERSON},
            "form": QYKB_FORM, "materials": QYKB_MATERIALS}
    a = expect(http("POST", "/api/v1/applications", body, token=tok(CLERK)), 201).json
    accept(a["number"])
    r = decide(a["number"], "SW", {"decision": "deny",
                                   "comment": "申请人存在未结清的欠税，暂不能办理新办纳税人涉税事项"})
    assert r["application"]["state"] == "denied", r["application"]["state"]
    d = track(a)["decision"]
    assert d["bureau"] == "SW" and d["bureau_name"] == "税务局", d
    assert d["rights"]["review"]["body"] == "国家税务总局浙江省税务局", d
    assert d["legal_basis"] == basis("qykb", "denial"), d
    check_rights(d, "SW")


@case("the public timeline has no claim and no step inside a branch, but each bureau's result")
def _():
    a = create()
    n = a["number"]
    accept(n)
    for _ in range(3):  # 材料审查, 审批决定, 制证: one branch of SCJG
        decide(n, "SCJG", {"decision": "approve"})
    t = track(a)
    actions = [e["action"] for e in t["timeline"]]
    assert "claim" not in actions and "timer" not in actions, actions
    assert actions.count("approve") == 1, actions
    staff = expect(http("GET", f"/api/v1/applications/{n}/events",
                        token=tok(CLERK)), 200).json["events"]
    assert [e["action"] for e in staff].count("claim") == 3, staff
    assert [e["action"] for e in staff].count("approve") == 3, staff
    assert t["state"] == "approved", t["state"]
    assert actions == ["submit", "accept", "approve", "issue_license"], actions
    assert t["timeline"][-1]["bureau"] == "SCJG", t["timeline"]
    approve = [e for e in t["timeline"] if e["action"] == "approve"][0]
    assert approve["bureau"] == "SCJG", approve
    matches_schema("/api/v1/track/{number}", t)
    body = json.dumps(t, ensure_ascii=False)
    assert "officer-" not in body and "clerk1" not in body


@case("a refused application's timeline ends with the refusal, no internal step")
def _():
    t = track(state["refused"])
    assert {e["action"] for e in t["timeline"]} <= {"submit", "refuse"}
    t = track(state["denied"])
    actions = [e["action"] for e in t["timeline"]]
    assert actions[-1] == "deny" and "claim" not in actions, actions
    assert "approve" not in actions, actions  # 材料审查 passed inside the branch


sys.exit(done())
