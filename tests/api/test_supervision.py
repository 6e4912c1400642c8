"""test_supervision.py — electronic supervision over HTTP (issue 15 §3,
§4 and 催办; started by test_api.c with this script's name and the
tongban binary).

- The loaded rules; `tongban supervision sweep --at` (the injected clock)
  raises a step overdue 20 days ago once, nothing for a fresh one.
- Findings: inspectors see all, an officer its bureau's (another bureau's
  is 403 naming bureau), filters, bad queries 422 naming the parameter,
  answers matching the OpenAPI document.
- A red card answered by its bureau (an attachment checked from its
  bytes: a text file is 415, a PNG is kept and downloadable), a second
  answer 409 alert_answered naming the state; a yellow one is not
  answered; the inspector's decision once (409 alert_decided after).
- 催办 by a clerk or an inspector (not an officer, not anonymous): counted,
  the latest reason on the bureau's list, urged_repeatedly raised at the
  file's threshold, a replay with the same Idempotency-Key stores one
  urge, a decided task is 409 task_closed.
- Everything is in the application's audit chain, which verifies.

Speaks TAP on stdout. Environment as for test_api.py.
"""
import base64
import time

from tbfiles import png
from tbhttp import (audit_verify, case, credit_code, done, expect, http,
                    matches_schema, officer, open_task, spjy_form,
                    supervision_sweep, tok)

CLERK, INSPECTOR = "clerk1", "inspector1"
HOLDER = credit_code("JC100015")
T0 = int(time.time()) - 20 * 86400  # 20 days ago: every limit has passed
MATERIALS = ["application", "business_license", "legal_rep_id_card",
             "premises_proof", "layout", "manager_training", "equipment",
             "safety_rules", "health_certificates"]
state = {}


def clock(at):
    return {"X-Tongban-Clock": str(int(at))}


def intake(at):
    """An spjy application taken in and accepted at `at`: its number."""
    body = {"service": "spjy", "channel": "window",
            "applicant": {"kind": "organization", "name": "杭州监察餐饮有限公司",
                          "id_number": HOLDER},
            "form": spjy_form(HOLDER), "materials": MATERIALS}
    n = expect(http("POST", "/api/v1/applications", body, token=tok(CLERK),
                    headers=clock(at)), 201).json["number"]
    expect(http("POST", f"/api/v1/applications/{n}/accept", {},
                token=tok(CLERK), headers=clock(at)), 200)
    return n


def red_card(number):
    """Wait until the scheduler has turned the step's card red (its timer
    was due the moment the application was accepted 20 days ago)."""
    for _ in range(100):
        t = open_task(number, "SCJG")
        if t["warning"] == "red":
            return t
        time.sleep(0.1)
    raise AssertionError(f"the task of {number} never turned red: {t}")


def findings(token, query=""):
    return expect(http("GET", "/api/v1/supervision/findings" + query,
                       token=token), 200).json["items"]


def mine(items, number, rule):
    return [f for f in items if f["number"] == number and f["rule"] == rule]


@case("the rules of supervision.xml are served to staff, not to anonymous callers")
def _():
    r = expect(http("GET", "/api/v1/supervision/rules", token=tok(CLERK)), 200)
    kinds = {u["kind"] for u in r.json["items"]}
    assert len(kinds) == 8, kinds
    urged = [u for u in r.json["items"] if u["kind"] == "urged_repeatedly"][0]
    state["threshold"] = urged["threshold"]
    assert urged["threshold"] >= 2 and urged["name"] == "多次催办", urged
    matches_schema("/api/v1/supervision/rules", r.json)
    expect(http("GET", "/api/v1/supervision/rules"), 401, "unauthenticated")


@case("the sweep raises an overdue step once, and nothing for a fresh one")
def _():
    late, fresh = intake(T0), intake(time.time())
    state.update(late=late, fresh=fresh)
    red_card(late)
    out = supervision_sweep(time.time())
    assert out.endswith("raised") and not out.startswith("0 "), out
    items = findings(tok(INSPECTOR), "?rule=step_overdue")
    assert len(mine(items, late, "step_overdue")) == 1, items
    assert not mine(items, fresh, "step_overdue"), items
    f = mine(items, late, "step_overdue")[0]
    assert (f["level"], f["bureau"], f["state"], f["name"]) == \
        ("red", "SCJG", "open", "环节超时"), f
    assert f["task"]["name"] == "材料审查", f
    state["card"] = f["id"]
    assert supervision_sweep(time.time()) == "0 findings raised"
    matches_schema("/api/v1/supervision/findings",
                   expect(http("GET", "/api/v1/supervision/findings",
                               token=tok(INSPECTOR)), 200).json)


@case("findings: an officer sees its bureau's; filters; bad queries name the parameter")
def _():
    card = state["card"]
    assert [f["id"] for f in findings(officer("SCJG")) if f["id"] == card]
    assert not [f for f in findings(officer("GA")) if f["id"] == card]
    r = expect(http("GET", "/api/v1/supervision/findings?bureau=SCJG",
                    token=officer("GA")), 403, "wrong_bureau")
    assert r.json["errors"][0]["field"] == "bureau", r.json
    expect(http("GET", f"/api/v1/supervision/findings/{card}",
                token=officer("GA")), 403, "wrong_bureau")
    expect(http("GET", "/api/v1/supervision/findings", token=tok(CLERK)), 403,
           "forbidden")
    assert findings(tok(INSPECTOR), "?level=yellow&rule=step_overdue") == []
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
    got = findings(tok(INSPECTOR), f"?bureau=SCJG&state=open&from={today}&to={today}")
    assert [f for f in got if f["id"] == card], got
    assert findings(tok(INSPECTOR), "?to=2000-01-01") == []
    for query, field in (("?level=orange", "level"), ("?state=maybe", "state"),
                         ("?from=yesterday", "from"), ("?limit=0", "limit"),
                         ("?rule=Step-Overdue", "rule"), ("?after=x", "after")):
        r = expect(http("GET", "/api/v1/supervision/findings" + query,
                        token=tok(INSPECTOR)), 422)
        assert r.json["errors"][0]["field"] == field, (query, r.json)


@case("a red card is answered once by its bureau, with a file checked from its bytes")
def _():
    card, path = state["card"], f"/api/v1/supervision/findings/{state['card']}"
    body = {"kind": "appeal", "text": "该环节因系统故障延误，附情况说明。"}
    expect(http("POST", path + "/answer", body, token=officer("GA")), 403,
           "wrong_bureau")
    expect(http("POST", path + "/answer", body, token=tok(INSPECTOR)), 403,
           "forbidden")
    bad = dict(body, attachment={"name": "说明.pdf",
                                 "content": base64.b64encode(b"not a pdf").decode()})
    r = expect(http("POST", path + "/answer", bad, token=officer("SCJG")), 415,
               "unsupported_file_type")
    assert r.json["errors"][0]["field"] == "attachment", r.json
    assert expect(http("GET", path, token=officer("SCJG")), 200).json["state"] == "open"
    image = png()
    good = dict(body, attachment={"name": "说明.png",
                                  "content": base64.b64encode(image).decode()})
    r = expect(http("POST", path + "/answer", good, token=officer("SCJG"),
                    headers={"Idempotency-Key": f"answer-{card}"}), 200)
    assert r.json["state"] == "answered", r.json
    assert r.json["answer"]["kind"] == "appeal", r.json
    assert r.json["answer"]["file"]["media_type"] == "image/png", r.json
    matches_schema("/api/v1/supervision/findings/{id}/answer", r.json, "POST")
    again = expect(http("POST", path + "/answer", good, token=officer("SCJG"),
                        headers={"Idempotency-Key": f"answer-{card}"}), 200)
    assert again.json == r.json  # the replay, nothing stored twice
    r = expect(http("POST", path + "/answer", {"kind": "explanation", "text": "再说明"},
                    token=officer("SCJG")), 409, "alert_answered")
    assert r.json["state"] == "answered", r.json
    f = expect(http("GET", path + "/file", token=tok(INSPECTOR)), 200)
    assert f.body == image and f.headers["Content-Type"] == "image/png"
    expect(http("GET", path + "/file", token=officer("GA")), 403, "wrong_bureau")


@case("a yellow finding is not answered; the inspector decides a card once")
def _():
    n = intake(time.time())
    t = open_task(n, "SCJG")
    expect(http("POST", f"/api/v1/tasks/{t['id']}/claim", {},
                token=officer("SCJG")), 200)
    expect(http("POST", f"/api/v1/tasks/{t['id']}/decide",
                {"decision": "deny", "comment": "不行"}, token=officer("SCJG")), 200)
    supervision_sweep(time.time())
    short = mine(findings(tok(INSPECTOR), "?rule=short_reason"), n, "short_reason")
    assert len(short) == 1 and short[0]["level"] == "yellow", short
    assert short[0]["detail"]["length"] == 2, short
    r = expect(http("POST", f"/api/v1/supervision/findings/{short[0]['id']}/answer",
                    {"kind": "explanation", "text": "说明"}, token=officer("SCJG")),
               409, "not_red_card")
    assert r.json["state"] == "open"
    path = f"/api/v1/supervision/findings/{state['card']}/decision"
    body = {"decision": "upheld", "reason": "延误属实，维持红牌。"}
    expect(http("POST", path, body, token=officer("SCJG")), 403, "forbidden")
    r = expect(http("POST", path, {"decision": "maybe", "reason": "x"},
                    token=tok(INSPECTOR)), 422)
    assert r.json["errors"][0]["field"] == "decision", r.json
    r = expect(http("POST", path, body, token=tok(INSPECTOR)), 200)
    assert r.json["state"] == "upheld" and r.json["decision"]["by"] == INSPECTOR
    r = expect(http("POST", path, dict(body, decision="revoked"),
                    token=tok(INSPECTOR)), 409, "alert_decided")
    assert r.json["state"] == "upheld", r.json
    counts = expect(http("GET", "/api/v1/supervision/findings/counts",
                         token=officer("SCJG")), 200).json
    scjg = [b for b in counts["bureaus"] if b["bureau"] == "SCJG"][0]
    assert scjg["red_cards"] >= 1 and scjg["rules"]["short_reason"] >= 1, counts
    matches_schema("/api/v1/supervision/findings/counts", counts)


@case("催办: clerks and inspectors urge, counted and shown, repeated urges raise a finding")
def _():
    n = intake(time.time())
    t = open_task(n, "SCJG")
    path = f"/api/v1/tasks/{t['id']}/urge"
    expect(http("POST", path, {"reason": "请尽快"}, token=officer("SCJG")), 403,
           "forbidden")
    expect(http("POST", path, {"reason": "请尽快"}), 401, "unauthenticated")
    r = expect(http("POST", path, {"reason": " "}, token=tok(CLERK)), 422)
    assert r.json["errors"][0]["field"] == "reason", r.json
    key = {"Idempotency-Key": f"urge-{t['id']}-1"}
    first = expect(http("POST", path, {"reason": "申请人来电询问进度"},
                        token=tok(CLERK), headers=key), 201).json
    assert first["urges"] == 1 and first["bureau"] == "SCJG", first
    again = expect(http("POST", path, {"reason": "申请人来电询问进度"},
                        token=tok(CLERK), headers=key), 201).json
    assert again == first
    for i in range(2, state["threshold"] + 1):
        r = expect(http("POST", path, {"reason": f"第{i}次催办"},
                        token=tok(INSPECTOR if i % 2 else CLERK)), 201).json
        assert r["urges"] == i, r
        assert r["urged_repeatedly"] == (i == state["threshold"]), r
    matches_schema("/api/v1/tasks/{id}/urge", r, "POST", "201")
    urged = mine(findings(tok(INSPECTOR), "?rule=urged_repeatedly"), n,
                 "urged_repeatedly")
    assert len(urged) == 1 and urged[0]["urges"] == state["threshold"], urged
    items = expect(http("GET", "/api/v1/supervision/urges",
                        token=officer("SCJG")), 200).json["items"]
    mine_ = [u for u in items if u["task"] == t["id"]]
    assert mine_ and mine_[0]["urges"] == state["threshold"], items
    assert mine_[0]["reason"] == f"第{state['threshold']}次催办", mine_
    assert not [u for u in expect(http("GET", "/api/v1/supervision/urges",
                                       token=officer("GA")), 200).json["items"]
                if u["task"] == t["id"]]
    counts = expect(http("GET", "/api/v1/supervision/findings/counts",
                         token=tok(INSPECTOR)), 200).json
    assert counts["urges"] >= state["threshold"], counts
    expect(http("POST", f"/api/v1/tasks/{t['id']}/claim", {},
                token=officer("SCJG")), 200)
    expect(http("POST", f"/api/v1/tasks/{t['id']}/decide",
                {"decision": "deny", "comment": "经审查不符合食品经营许可条件，依法不予许可"},
                token=officer("SCJG")), 200)
    r = expect(http("POST", path, {"reason": "再催"}, token=tok(CLERK)), 409,
               "task_closed")
    assert r.json["state"] == "decided", r.json
    state["urged"] = n


@case("raises, answers, decisions and urges are in the audit chain, which verifies")
def _():
    for n, actions in ((state["late"], {"alert_raised", "alert_answered", "alert_decided"}),
                       (state["urged"], {"task_urged", "alert_raised"})):
        events = expect(http("GET", f"/api/v1/applications/{n}/events",
                             token=tok(CLERK)), 200).json
        seen = {e["action"] for e in events["events"]}
        assert actions <= seen, (actions, seen)
        rc, out = audit_verify(n)
        assert rc == 0, out


done()
