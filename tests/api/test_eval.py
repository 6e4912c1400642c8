#!/usr/bin/env python3
"""test_eval.py — 好差评 with 差评整改 and 告知承诺 verification (issue 15
§5, §6), over HTTP (started by test_api.c with this script's name and
the tongban binary).

- The applicant rates the whole application and each bureau's handling
  once; a bureau without a branch, or one named twice, is a 422 naming
  it and rates nothing. Grades of 1 and 2 open 整改 tickets: the rated
  bureau's, the window's (clerks), and the whole grade's for the bureau
  the applicant names, due in 5 working days.
- The bureau replies (its officers only; the window's ticket: clerks),
  the inspector reopens or closes it; the reply is on the tracking page.
- Approval with a commitment (告知承诺) opens the verifying bureau's
  verification; its officers record the finding. A false one revokes the
  licenses, ends the application still waiting for delivery, and the
  holder's next intake choosing a commitment is refused naming the
  material and the day the exclusion ends. Roles, validation and the
  Idempotency-Key on every route; `audit verify` ok.

Speaks TAP on stdout. Environment as for test_api.py.
"""
import datetime
import sys

from tbhttp import (QYKB_MATERIALS, audit_verify, case, credit_code, done,
                   expect, http, officer, open_task, org_intake, sql, tok)

CLERK, INSPECTOR = "clerk1", "inspector1"
RATED = credit_code("EA000015")
COMMITTED = credit_code("EA000023")
BUREAUS = ("SCJG", "GA", "SW", "RS", "GJJ")


def post(path, body, token, key=None):
    return http("POST", path, body, token=token,
                headers={"Idempotency-Key": key} if key else None)


def app(number):
    return expect(http("GET", f"/api/v1/applications/{number}",
                       token=tok(CLERK)), 200).json


def approve_all(number):
    """Approve every task as it opens; the application once it left
    review."""
    for _ in range(30):
        a = app(number)
        if a["state"] != "in_review":
            return a
        for b in BUREAUS:
            try:
                t = open_task(number, b)
            except AssertionError:
                continue
            if t["state"] == "open":
                expect(post(f"/api/v1/tasks/{t['id']}/claim", {},
                            officer(b)), 200)
            expect(post(f"/api/v1/tasks/{t['id']}/decide",
                        {"decision": "approve"}, officer(b)), 200)
    raise AssertionError("still in review")


def working_days_after(days):
    """Today (China Standard Time) plus `days` working days, by the
    calendar the server loaded (the weekend rule and the rows of the
    calendar table)."""
    rows = sql("SELECT day, kind FROM calendar_days")
    special = {}
    for line in rows.splitlines() if rows else []:
        day, kind = line.split("|")
        special[day] = kind
    tz = datetime.timezone(datetime.timedelta(hours=8))
    d = datetime.datetime.now(tz).date()
    while days > 0:
        d += datetime.timedelta(days=1)
        kind = special.get(d.isoformat())
        working = kind == "workday" or (kind != "holiday" and d.weekday() < 5)
        days -= working
    return d.isoformat()


def tickets(token, **q):
    query = "&".join(f"{k}={v}" for k, v in q.items())
    r = http("GET", "/api/v1/rectifications" + ("?" + query if query else ""),
             token=token)
    return expect(r, 200).json["items"]


# ---- 好差评 and 差评整改 ----------------------------------------------------

made = {}


@case("a delivered application: the rating refuses a bureau without a branch, or one named twice, and stores nothing")
def _():
    a = expect(post("/api/v1/applications", org_intake(RATED), tok(CLERK)),
               201).json
    made.update(number=a["number"], code=a["tracking_code"])
    n = a["number"]
    expect(post(f"/api/v1/applications/{n}/accept", {}, tok(CLERK)), 200)
    assert approve_all(n)["state"] == "approved"
    expect(post(f"/api/v1/applications/{n}/deliver", {}, tok(CLERK)), 200)
    path = f"/api/v1/applications/{n}/rating"
    r = expect(post(path, {"grade": 2, "code": made["code"], "bureaus": [
        {"bureau": "ZJ", "grade": 1}]}, None), 422, "unknown_bureau")
    assert r.json["errors"][0]["field"] == "bureaus[0].bureau", r.json
    r = expect(post(path, {"grade": 2, "code": made["code"],
                           "responsible": "RF"}, None), 422, "unknown_bureau")
    assert r.json["errors"][0]["field"] == "responsible", r.json
    r = expect(post(path, {"grade": 2, "code": made["code"], "bureaus": [
        {"bureau": "GA", "grade": 1}, {"bureau": "GA", "grade": 3}]}, None),
        422, "invalid_request")
    assert r.json["errors"][0]["field"] == "bureaus[1].bureau", r.json
    r = expect(post(path, {"grade": 2, "code": made["code"], "bureaus": [
        {"bureau": "GA", "grade": 9}]}, None), 422, "invalid_request")
    assert r.json["errors"][0]["field"] == "bureaus[0].grade", r.json
    assert app(n)["rating"] is None
    assert sql(f"SELECT count(*) FROM ratings g JOIN applications a ON "
               f"a.id = g.application_id WHERE a.number = '{n}'") == "0"


@case("grades of 1 and 2 open tickets: the rated bureau's, the window's, and the whole grade's for the bureau named")
def _():
    n = made["number"]
    body = {"grade": 2, "comment": "等了很久", "code": made["code"],
            "responsible": "SCJG",
            "bureaus": [{"bureau": "GA", "grade": 1, "comment": "态度不好"},
                        {"bureau": "window", "grade": 2},
                        {"bureau": "SW", "grade": 5}]}
    r = expect(post(f"/api/v1/applications/{n}/rating", body, None,
                    key="rate-" + n), 200).json
    grades = {g["bureau"]: g["grade"] for g in r["evaluation"]["ratings"]}
    assert grades == {None: 2, "GA": 1, "window": 2, "SW": 5}, r
    again = expect(post(f"/api/v1/applications/{n}/rating", body, None,
                        key="rate-" + n), 200).json
    assert again == r
    expect(post(f"/api/v1/applications/{n}/rating",
                {"grade": 3, "code": made["code"]}, None), 409)
    due = working_days_after(5)
    ga = [t for t in tickets(officer("GA")) if t["number"] == n]
    assert len(ga) == 1 and ga[0]["grade"] == 1 and ga[0]["due"] == due, ga
    assert ga[0]["bureau_name"] == "公安局" and not ga[0]["overdue"], ga
    scjg = [t for t in tickets(officer("SCJG")) if t["number"] == n]
    assert len(scjg) == 1 and scjg[0]["grade"] == 2, scjg
    window = [t for t in tickets(tok(CLERK)) if t["number"] == n]
    assert len(window) == 1 and window[0]["bureau"] is None, window
    assert not [t for t in tickets(officer("SW")) if t["number"] == n]
    every = [t for t in tickets(tok(INSPECTOR), state="open")
             if t["number"] == n]
    assert len(every) == 3, every
    made.update(ga=ga[0]["id"], window=window[0]["id"])


@case("ticket lists: an officer sees only the bureau's, a clerk only the window's; bad filters are 422")
def _():
    expect(http("GET", "/api/v1/rectifications?bureau=SCJG",
                token=officer("GA")), 403, "wrong_bureau")
    expect(http("GET", "/api/v1/rectifications?bureau=GA", token=tok(CLERK)),
           403, "wrong_bureau")
    r = expect(http("GET", "/api/v1/rectifications?state=done",
                    token=tok(INSPECTOR)), 422, "invalid_request")
    assert r.json["errors"][0]["field"] == "state"
    expect(http("GET", "/api/v1/rectifications"), 401)
    expect(http("GET", "/api/v1/rectifications", token=tok("admin1")), 403,
           "forbidden")


@case("the bureau replies (its officers; the window's ticket: clerks), once; the reply is on the tracking page")
def _():
    ga = f"/api/v1/rectifications/{made['ga']}/reply"
    body = {"reply": "已约谈经办人员并向您致歉。", "changes": "窗口增设引导岗，经办人员培训"}
    r = expect(post(ga, {"reply": "只有答复"}, officer("GA")), 422,
               "invalid_request")
    assert r.json["errors"][0]["field"] == "changes", r.json
    expect(post(ga, body, officer("SW")), 403, "wrong_bureau")
    expect(post(ga, body, tok(CLERK)), 403, "wrong_bureau")
    expect(post(ga, body, tok(INSPECTOR)), 403, "forbidden")
    r = expect(post(ga, body, officer("GA"), key="reply-ga"), 200).json
    assert r["state"] == "replied" and r["reply"] == body["reply"], r
    assert expect(post(ga, body, officer("GA"), key="reply-ga"), 200).json == r
    expect(post(ga, body, officer("GA")), 409, "ticket_state")
    expect(post("/api/v1/rectifications/999999/reply", body, officer("GA")),
           404, "not_found")
    expect(post("/api/v1/rectifications/x1/reply", body, officer("GA")), 404)
    w = f"/api/v1/rectifications/{made['window']}/reply"
    expect(post(w, body, officer("GA")), 403, "wrong_bureau")
    expect(post(w, {"reply": "窗口已整改。", "changes": "缩短排队时间"},
                tok(CLERK)), 200)
    t = expect(http("GET", f"/api/v1/track/{made['number']}"
                    f"?code={made['code']}"), 200).json
    replies = {x["bureau"]: x["reply"] for x in t["evaluation"]["replies"]}
    assert replies == {"GA": body["reply"], None: "窗口已整改。"}, t


@case("the inspector reopens a replied ticket (due again, counted) or closes it; others may not")
def _():
    review = f"/api/v1/rectifications/{made['ga']}/review"
    expect(post(review, {"decision": "close", "review": "可以"}, officer("GA")),
           403, "forbidden")
    r = expect(post(review, {"decision": "later", "review": "x"},
                    tok(INSPECTOR)), 422, "invalid_request")
    assert r.json["errors"][0]["field"] == "decision"
    r = expect(post(review, {"decision": "reopen",
                             "review": "整改措施不具体，请补充"},
                    tok(INSPECTOR), key="reopen-ga"), 200).json
    assert r["state"] == "open" and r["reopened"] == 1, r
    assert r["due"] == working_days_after(5), r
    expect(post(review, {"decision": "close", "review": "可以"},
                tok(INSPECTOR)), 409, "ticket_state")
    expect(post(f"/api/v1/rectifications/{made['ga']}/reply",
                {"reply": "已补充整改措施。", "changes": "建立回访制度"},
                officer("GA")), 200)
    r = expect(post(review, {"decision": "close", "review": "整改到位"},
                    tok(INSPECTOR)), 200).json
    assert r["state"] == "closed" and r["review"] == "整改到位", r
    rc, out = audit_verify(made["number"])
    assert rc == 0, out
    actions = sql("SELECT string_agg(action, ',' ORDER BY seq) FROM "
                  "audit_events e JOIN applications a ON a.id = "
                  f"e.application_id WHERE a.number = '{made['number']}'")
    for a in ("bureaus_rated", "rectification_opened", "rectification_replied",
              "rectification_reopened", "rectification_closed"):
        assert a in actions, actions


# ---- 告知承诺 verification ----------------------------------------------------

@case("approval with a commitment opens the verifying bureau's verification, due in its working days")
def _():
    body = org_intake(COMMITTED, materials=[m for m in QYKB_MATERIALS
                                            if m != "premises"])
    body["committed"] = ["premises"]
    a = expect(post("/api/v1/applications", body, tok(CLERK)), 201).json
    n = a["number"]
    made.update(committed=n)
    expect(post(f"/api/v1/applications/{n}/accept", {}, tok(CLERK)), 200)
    assert approve_all(n)["state"] == "approved"
    items = expect(http("GET", "/api/v1/verifications?state=open",
                        token=officer("SCJG")), 200).json["items"]
    mine = [v for v in items if v["number"] == n]
    assert len(mine) == 1, items
    v = mine[0]
    assert v["bureau"] == "SCJG" and v["due"] == working_days_after(20), v
    assert v["materials"] == [{"id": "premises", "name": "住所使用证明"}], v
    assert v["holder"]["id_number"] == COMMITTED and not v["overdue"], v
    made.update(verification=v["id"])
    everyone = expect(http("GET", "/api/v1/verifications",
                           token=tok(INSPECTOR)), 200).json["items"]
    assert any(x["id"] == v["id"] for x in everyone)
    assert not [x for x in expect(http("GET", "/api/v1/verifications",
                                       token=officer("GA")), 200).json["items"]
                if x["number"] == n]


@case("verification routes: roles and filters")
def _():
    expect(http("GET", "/api/v1/verifications?bureau=SCJG",
                token=officer("GA")), 403, "wrong_bureau")
    expect(http("GET", "/api/v1/verifications", token=tok(CLERK)), 403,
           "forbidden")
    r = expect(http("GET", "/api/v1/verifications?state=maybe",
                    token=tok(INSPECTOR)), 422, "invalid_request")
    assert r.json["errors"][0]["field"] == "state"
    path = f"/api/v1/verifications/{made['verification']}/finding"
    expect(post(path, {"result": "true"}, tok(INSPECTOR)), 403, "forbidden")
    expect(post(path, {"result": "true"}, officer("GA")), 403, "wrong_bureau")
    r = expect(post(path, {}, officer("SCJG")), 422, "invalid_request")
    assert r.json["errors"][0]["field"] == "result", r.json
    r = expect(post(path, {"result": "false"}, officer("SCJG")), 422,
               "invalid_request")
    assert r.json["errors"][0]["field"] == "finding", r.json
    expect(post("/api/v1/verifications/424242/finding", {"result": "true"},
                officer("SCJG")), 404, "not_found")


@case("a false commitment revokes the licenses, ends the application, and excludes the holder; the key replays")
def _():
    n = made["committed"]
    licenses = expect(http("GET", f"/api/v1/licenses?holder={COMMITTED}",
                           token=tok(CLERK)), 200).json["items"]
    assert licenses and not any(x["revoked"] for x in licenses), licenses
    path = f"/api/v1/verifications/{made['verification']}/finding"
    body = {"result": "false", "finding": "现场核查：住所为虚假地址"}
    r = expect(post(path, body, officer("SCJG"), key="finding-1"), 200).json
    assert r["verification"]["state"] == "false", r
    assert r["licenses_revoked"] == len(licenses) and r["terminated"], r
    until = r["excluded_until"]
    assert until > datetime.date.today().isoformat(), r
    assert expect(post(path, body, officer("SCJG"), key="finding-1"),
                  200).json == r
    expect(post(path, body, officer("SCJG")), 409, "ticket_state")
    licenses = expect(http("GET", f"/api/v1/licenses?holder={COMMITTED}",
                           token=tok(CLERK)), 200).json["items"]
    assert all(x["revoked"] and "承诺不实" in x["revocation_reason"]
               for x in licenses), licenses
    assert app(n)["state"] == "terminated"
    rc, out = audit_verify(n)
    assert rc == 0, out
    made.update(until=until)


@case("the excluded holder's next intake choosing a commitment is refused naming the material and the day")
def _():
    body = org_intake(COMMITTED, materials=[m for m in QYKB_MATERIALS
                                            if m != "premises"])
    body["committed"] = ["premises"]
    r = expect(post("/api/v1/applications", body, tok(CLERK)), 422,
               "commitment_excluded")
    assert r.json["material"] == "premises", r.json
    assert r.json["excluded_until"] == made["until"], r.json
    assert r.json["errors"][0]["field"] == "committed", r.json
    # without the choice at registration, acceptance choosing it is refused
    body.pop("committed")
    a = expect(post("/api/v1/applications", body, tok(CLERK)), 201).json
    r = expect(post(f"/api/v1/applications/{a['number']}/accept",
                    {"committed": ["premises"]}, tok(CLERK)), 422,
               "commitment_excluded")
    assert r.json["excluded_until"] == made["until"], r.json
    # providing the material is fine
    expect(post("/api/v1/applications", org_intake(COMMITTED), tok(CLERK)),
           201)


sys.exit(done())
