#!/usr/bin/env python3
"""test_verbs.py — the verbs of a branch over HTTP (issue 14, api/api_verbs.c,
store/tb_store_verbs.c): 转办 transfer, 委派 delegate and its return
(resolve), 加签 signers, 减签 remove, 退回 send-back and 撤回 take-back.

Each verb legal and refused: a refusal answers its registered code and
changes nothing (every row a transition writes is digested before and
after); an Idempotency-Key replays the first answer; the task rows say
who holds what (slot, serial, signer kind, assignee, handed_to, back_to,
close_reason, taken_back_at); the timeline (GET …/events) names who did
what to whom and why. The ordinary steps of 食品经营许可 (spjy, three pool
steps of 市场监管 SCJG) carry transfer, delegate, 加签 before / after, 减签
and 撤回; a version of spjy deployed here adds a 会签 of the 科长 group
and the pool that may send back (退回) to the first step.

Started by test_api.c (see tests/api/meson.build).
"""
import os
import re
import sys
import uuid

from tbhttp import (add_officer, case, credit_code, done, expect, http,
                    officer, org_intake, spjy_form, sql, tok)

ROOT = os.environ["TB_SOURCE_ROOT"]
CLERK, ADMIN, INSPECTOR = "clerk1", "admin1", "inspector1"
B = "SCJG"
HOLDER, LI, WANG = "officer-SCJG", "li-scjg", "wang-scjg"
SPJY_MATERIALS = ["application", "business_license", "legal_rep_id_card",
                  "premises_proof", "layout", "manager_training", "equipment",
                  "safety_rules", "health_certificates"]
serial = [0]


add_officer(LI, B)
add_officer(WANG, B)
add_officer("gone-scjg", B)
sql("UPDATE accounts SET disabled = true WHERE username = 'gone-scjg'")


def accepted():
    """A new spjy application, accepted: its first step is open."""
    serial[0] += 1
    h = credit_code("MA7H%04d" % serial[0])
    r = expect(http("POST", "/api/v1/applications",
                    org_intake(h, "spjy", "window", spjy_form(h),
                               SPJY_MATERIALS), token=tok(CLERK)), 201)
    n = r.json["number"]
    expect(http("POST", f"/api/v1/applications/{n}/accept", {},
                token=tok(CLERK)), 200)
    return n


def tasks(number):
    """Every task row of the application, oldest first."""
    r = expect(http("GET", "/api/v1/tasks?state=decided&limit=500&bureau=" + B,
                    token=tok(INSPECTOR)), 200)
    rows = [t for t in r.json["items"] if t["number"] == number]
    for state in ("waiting", "open", "claimed", "cancelled"):
        r = expect(http("GET", f"/api/v1/tasks?state={state}&bureau={B}"
                        "&limit=500", token=tok(INSPECTOR)), 200)
        rows += [t for t in r.json["items"] if t["number"] == number]
    return sorted(rows, key=lambda t: t["id"])


def current(number, who=None):
    """The open or claimed tasks of the application (who: only theirs)."""
    return [t for t in tasks(number) if t["state"] in ("open", "claimed")
            and (who is None or t["assignee"] in (None, who))]


def digest():
    return sql("SELECT md5(string_agg(x, '|' ORDER BY x)) FROM ("
               "SELECT 'a' || a::text AS x FROM applications a UNION ALL "
               "SELECT 't' || t::text FROM tasks t UNION ALL "
               "SELECT 'm' || m::text FROM timers m UNION ALL "
               "SELECT 'e' || e::text FROM audit_events e UNION ALL "
               "SELECT 'c' || c::text FROM task_copies c) s")


def verb(task, name, body, user=HOLDER, key=None):
    h = {"Idempotency-Key": key} if key else None
    return http("POST", f"/api/v1/tasks/{task}/{name}", body,
                token=tok(user), headers=h)


def refused(task, name, body, status, code, user=HOLDER, field=None):
    """The verb is refused with status and code, and nothing changed."""
    before = digest()
    r = expect(verb(task, name, body, user), status, code)
    if field:
        assert any(e["field"] == field for e in r.json.get("errors", [])), \
            r.json
    assert digest() == before, "a refused verb changed something"
    return r.json


def events(number, action=None):
    r = expect(http("GET", f"/api/v1/applications/{number}/events",
                    token=tok(INSPECTOR)), 200)
    return [e for e in r.json["events"]
            if action is None or e["action"] == action]


def decide(task, decision="approve", user=HOLDER, **extra):
    return expect(http("POST", f"/api/v1/tasks/{task}/decide",
                       {"decision": decision, **extra}, token=tok(user)),
                  200).json


# ---- refused before the engine: roles, fields, targets ------------------------

@case("verbs: a clerk and an inspector may not use them (403)")
def _():
    n = accepted()
    t = current(n)[0]["id"]
    for user in (CLERK, INSPECTOR):
        refused(t, "transfer", {"to": LI}, 403, None, user)
        refused(t, "take-back", {"reason": "x"}, 403, None, user)


@case("verbs: an officer of another bureau → 403 wrong_bureau; no task → 404")
def _():
    n = accepted()
    t = current(n)[0]["id"]
    refused(t, "transfer", {"to": LI}, 403, "wrong_bureau", "officer-GA")
    refused(999999999, "delegate", {"to": LI}, 404, "not_found")
    refused("x1", "resolve", {}, 404, "not_found")


@case("verbs: every field checked, each problem named (422)")
def _():
    n = accepted()
    t = current(n)[0]["id"]
    refused(t, "transfer", {}, 422, "invalid_request", field="to")
    refused(t, "transfer", {"to": "李 四"}, 422, "invalid_request", field="to")
    refused(t, "delegate", {"to": "x" * 65}, 422, "invalid_request",
            field="to")
    refused(t, "transfer", {"to": LI, "extra": 1}, 422, "invalid_request",
            field="extra")
    refused(t, "signers", {"to": LI}, 422, "invalid_request",
            field="position")
    refused(t, "signers", {"to": LI, "position": "sideways"}, 422,
            "invalid_request", field="position")
    refused(t, "send-back", {"to_step": "nowhere", "reason": "x"}, 422,
            "invalid_request", field="to_step")
    refused(t, "send-back", {"to_step": "examine"}, 422, "invalid_request",
            field="reason")
    refused(t, "remove", {}, 422, "invalid_request", field="reason")
    refused(t, "take-back", {"reason": ""}, 422, "invalid_request",
            field="reason")
    refused(t, "resolve", {"comment": 5}, 422, "invalid_request",
            field="comment")


@case("verbs: 'to' must be an active officer of the task's bureau (422 on to)")
def _():
    n = accepted()
    t = current(n)[0]["id"]
    for who in ("nobody", "gone-scjg", "officer-GA", CLERK):
        p = refused(t, "transfer", {"to": who, "reason": "x"}, 422,
                    "invalid_request", field="to")
        assert who in p["detail"] and B in p["detail"], p


@case("verbs: a verb on a task that is not in its state → 409 task_superseded")
def _():
    n = accepted()
    t = current(n)[0]["id"]
    p = refused(t, "take-back", {"reason": "x"}, 409, "task_superseded")
    assert p["current_task"] == t, p


# ---- the worklist ----------------------------------------------------------------

@case("tasks: each row says who may take it; waiting and mine filter")
def _():
    n = accepted()
    t = current(n)[0]
    for k in ("slot", "serial", "signer_kind", "group", "assignee",
              "delegate_of", "added_by", "sign", "round", "urges"):
        assert k in t, (k, t)
    assert t["signer_kind"] == "pool" and t["sign"] == "one", t
    assert t["serial"] >= 1 and t["urges"] == 0, t
    r = expect(http("GET", "/api/v1/tasks?state=waiting",
                    token=officer(B)), 200).json
    assert all(x["state"] == "waiting" for x in r["items"]), r
    mine = expect(http("GET", "/api/v1/tasks?mine=true", token=tok(LI)),
                  200).json
    assert all(x["assignee"] == LI or x["claimant"] is not None
               for x in mine["items"]), mine
    expect(http("GET", "/api/v1/tasks?mine=true", token=tok(INSPECTOR)),
           422, "invalid_request")
    expect(http("GET", "/api/v1/tasks?mine=maybe", token=officer(B)), 422,
           "invalid_request")
    expect(http("GET", "/api/v1/tasks?state=later", token=officer(B)), 422,
           "invalid_request")


# ---- the verbs themselves ----------------------------------------------------------

@case("转办: the task goes to another officer; replayed by its key; timeline")
def _():
    n = accepted()
    t = current(n)[0]
    key = str(uuid.uuid4())
    body = {"to": LI, "reason": "该事项由李科员负责"}
    first = expect(verb(t["id"], "transfer", body, key=key), 200)
    assert first.json["task_id"] == t["id"], first.json
    once = digest()
    again = expect(verb(t["id"], "transfer", body, key=key), 200)
    assert again.json == first.json and digest() == once
    rows = {x["id"]: x for x in tasks(n)}
    old = rows[t["id"]]
    assert old["state"] == "decided" and old["decision"] == "transfer", old
    assert old["handed_to"] == LI and old["comment"] == body["reason"], old
    new = [x for x in rows.values() if x["state"] in ("open", "claimed")]
    assert len(new) == 1, new
    assert new[0]["assignee"] == LI and new[0]["signer_kind"] == "account"
    assert new[0]["serial"] > old["serial"] and new[0]["slot"] == old["slot"]
    assert new[0]["deadline"] == old["deadline"], (new, old)
    # the task is li's now: the holder may not decide it
    refused(new[0]["id"], "decide", {"decision": "approve"}, 409,
            "not_assignee")
    mine = expect(http("GET", "/api/v1/tasks?mine=true", token=tok(LI)),
                  200).json["items"]
    assert new[0]["id"] in [x["id"] for x in mine], mine
    ev = events(n, "transfer")
    assert len(ev) == 1 and ev[0]["actor"] == HOLDER, ev
    assert ev[0]["payload"]["event"]["target"] == LI, ev
    assert ev[0]["payload"]["data"]["reason"] == body["reason"], ev
    decide(new[0]["id"], user=LI)


@case("转办: to oneself, or on a decided task, is refused")
def _():
    n = accepted()
    t = current(n)[0]["id"]
    refused(t, "transfer", {"to": HOLDER}, 422, "invalid_request", field="to")
    decide(t)
    refused(t, "transfer", {"to": LI}, 409, "task_superseded")


@case("委派 and 委派办毕: the delegate works, then the holder decides")
def _():
    n = accepted()
    t = current(n)[0]["id"]
    expect(verb(t, "delegate", {"to": WANG, "reason": "请核实现场"}), 200)
    d = current(n)
    assert len(d) == 1 and d[0]["assignee"] == WANG, d
    assert d[0]["delegate_of"] == HOLDER, d
    # the delegate only resolves; the delegator waits
    refused(d[0]["id"], "decide", {"decision": "approve"}, 409, None, WANG)
    refused(d[0]["id"], "resolve", {}, 409, None, HOLDER)
    expect(verb(d[0]["id"], "resolve", {"comment": "现场核实无误"}, WANG), 200)
    rows = {x["id"]: x for x in tasks(n)}
    assert rows[d[0]["id"]]["decision"] == "resolve", rows[d[0]["id"]]
    assert rows[d[0]["id"]]["handed_to"] == HOLDER, rows[d[0]["id"]]
    back = current(n)
    assert len(back) == 1 and back[0]["assignee"] == HOLDER, back
    decide(back[0]["id"])
    names = [e["action"] for e in events(n)]
    assert "delegate" in names and "resolve" in names, names


@case("加签 before: the added signer first, then the holder; 减签 after")
def _():
    n = accepted()
    t = current(n)[0]["id"]
    refused(t, "signers", {"to": LI, "position": "parallel"}, 409,
            "not_allowed")
    expect(verb(t, "signers", {"to": LI, "position": "before",
                               "reason": "需法制审核"}), 200)
    rows = tasks(n)
    waiting = [x for x in rows if x["state"] == "waiting"]
    assert len(waiting) == 1 and waiting[0]["assignee"] == HOLDER, rows
    added = current(n)
    assert len(added) == 1 and added[0]["assignee"] == LI, added
    assert added[0]["added_by"] == HOLDER, added
    decide(added[0]["id"], user=LI)
    mine = current(n)
    assert len(mine) == 1 and mine[0]["id"] == waiting[0]["id"], mine
    # 后加签, then 减签 of the waiting signer by whoever added it
    expect(verb(mine[0]["id"], "signers", {"to": WANG, "position": "after"}),
           200)
    after = [x for x in tasks(n) if x["state"] == "waiting"]
    assert len(after) == 1 and after[0]["assignee"] == WANG, after
    refused(after[0]["id"], "remove", {"reason": "x"}, 409, "not_allowed",
            LI)
    expect(verb(after[0]["id"], "remove", {"reason": "无需会签"}), 200)
    gone = {x["id"]: x for x in tasks(n)}[after[0]["id"]]
    assert gone["state"] == "cancelled" and \
        gone["close_reason"] == "removed", gone
    ev = events(n, "add_signer")
    assert [e["payload"]["event"]["target"] for e in ev] == [LI, WANG], ev
    assert ev[0]["payload"]["event"]["position"] == "before", ev


@case("options: what the officer may do with the task now")
def _():
    n = accepted()
    t = current(n)[0]["id"]
    o = expect(http("GET", f"/api/v1/tasks/{t}/options", token=tok(HOLDER)),
               200).json
    assert o["verbs"][:2] == ["claim", "approve"], o
    assert "send-back" not in o["verbs"] and "take-back" not in o["verbs"]
    assert o["add_positions"] == ["before", "after"], o
    names = [x["username"] for x in o["officers"]]
    assert LI in names and HOLDER not in names and "gone-scjg" not in names
    assert [s["task"] for s in o["signers"]] == [t], o
    expect(verb(t, "transfer", {"to": LI}), 200)
    o = expect(http("GET", f"/api/v1/tasks/{t}/options", token=tok(HOLDER)),
               200).json
    assert o["verbs"] == [], o
    new = current(n)[0]["id"]
    o = expect(http("GET", f"/api/v1/tasks/{new}/options", token=tok(LI)),
               200).json
    assert "approve" in o["verbs"] and "claim" not in o["verbs"], o
    expect(http("GET", f"/api/v1/tasks/{new}/options",
                token=officer("GA")), 403, "wrong_bureau")


@case("撤回: the previous step's decision comes back while the next has not acted")
def _():
    n = accepted()
    t = current(n)[0]
    decide(t["id"])
    nxt = current(n)
    assert nxt and nxt[0]["task_id"] == "decide", nxt
    refused(t["id"], "take-back", {"reason": "x"}, 409, None, LI)
    key = str(uuid.uuid4())
    expect(verb(t["id"], "take-back", {"reason": "意见有误"}, key=key), 200)
    again = digest()
    expect(verb(t["id"], "take-back", {"reason": "意见有误"}, key=key), 200)
    assert digest() == again
    rows = {x["id"]: x for x in tasks(n)}
    assert rows[t["id"]]["taken_back_at"], rows[t["id"]]
    assert rows[nxt[0]["id"]]["state"] == "cancelled", rows[nxt[0]["id"]]
    assert rows[nxt[0]["id"]]["close_reason"] == "taken_back"
    reopened = current(n)
    assert len(reopened) == 1 and reopened[0]["task_id"] == "examine"
    ev = events(n, "take_back")
    assert ev[0]["payload"]["event"]["from_step"] == "decide", ev
    assert ev[0]["payload"]["event"]["to_step"] == "examine", ev
    refused(t["id"], "take-back", {"reason": "x"}, 409, "task_superseded")
    # once the next step acted, the decision stays
    decide(reopened[0]["id"])
    step2 = current(n)[0]
    expect(http("POST", f"/api/v1/tasks/{step2['id']}/claim", {},
                token=tok(LI)), 200)
    refused(reopened[0]["id"], "take-back", {"reason": "x"}, 409,
            "illegal_state")


# ---- a deployed definition: 会签 of a group and the pool, 退回 -----------------------

def deploy_countersign():
    """spjy, one version up, whose 审批决定 is a 会签 of the 科长 group and
    the pool that may send back to 材料审查 and is copied to 卫健委 (WJ)."""
    text = open(os.path.join(ROOT, "workflows", "spjy.xml"),
                encoding="utf-8").read()
    version = int(re.search(r'id="spjy" version="(\d+)"', text).group(1))
    text = text.replace(f'id="spjy" version="{version}"',
                        f'id="spjy" version="{version + 1}"')
    text = text.replace(
        '<task id="decide" name="审批决定" days="1"/>',
        '<task id="decide" name="审批决定" days="1" sign="all" '
        'back-to="examine" remove-by="KZ">\n'
        '        <signer group="KZ"/>\n        <signer/>\n'
        '        <copy bureau="WJ"/>\n      </task>')
    assert 'sign="all"' in text
    expect(http("POST", "/api/v1/workflows", raw=text.encode(),
                ctype="application/xml", token=tok(ADMIN)), 201)


@case("会签: a group task for its members only; 退回 goes back a round")
def _():
    deploy_countersign()
    sql(f"INSERT INTO account_groups (account_id, group_code) SELECT id, "
        f"'KZ' FROM accounts WHERE username = '{WANG}' ON CONFLICT DO "
        f"NOTHING")
    n = accepted()
    decide(current(n)[0]["id"])
    both = current(n)
    assert sorted(x["signer_kind"] for x in both) == ["group", "pool"], both
    assert all(x["sign"] == "all" for x in both), both
    group = next(x for x in both if x["signer_kind"] == "group")
    pool = next(x for x in both if x["signer_kind"] == "pool")
    assert group["group"] == "KZ", group
    refused(group["id"], "decide", {"decision": "approve"}, 409,
            "not_assignee", LI)
    seen = expect(http("GET", "/api/v1/tasks?bureau=" + B, token=tok(LI)),
                  200).json["items"]
    assert group["id"] not in [x["id"] for x in seen], seen
    decide(group["id"], user=WANG)
    refused(pool["id"], "send-back", {"to_step": "issue", "reason": "x"},
            409, "not_allowed")
    expect(verb(pool["id"], "send-back", {"to_step": "examine",
                                          "reason": "受理材料不全"}), 200)
    rows = {x["id"]: x for x in tasks(n)}
    assert rows[pool["id"]]["decision"] == "send_back", rows[pool["id"]]
    assert rows[pool["id"]]["back_to"] == "examine", rows[pool["id"]]
    again = current(n)
    assert len(again) == 1 and again[0]["task_id"] == "examine", again
    assert again[0]["round"] == group["round"] + 1, (again, group)
    ev = events(n, "send_back")
    assert ev[0]["payload"]["event"]["from_step"] == "decide", ev
    assert ev[0]["payload"]["event"]["to_step"] == "examine", ev
    assert ev[0]["payload"]["data"]["reason"] == "受理材料不全", ev
    # the second time round both approve: the step completes, copied
    decide(again[0]["id"])
    for x in current(n):
        decide(x["id"], user=WANG if x["signer_kind"] == "group" else HOLDER)
    assert current(n)[0]["task_id"] == "issue", current(n)
    copies = sql("SELECT count(*) FROM task_copies c JOIN applications a "
                 f"ON a.id = c.application_id WHERE a.number = '{n}' AND "
                 "c.bureau = 'WJ'")
    assert copies == "1", copies
    # the officers of 卫健委 read it: listed unread, marked read once
    wj = tok("officer-WJ")
    unread = expect(http("GET", "/api/v1/copies?unread=true", token=wj),
                    200).json["items"]
    mine = [c for c in unread if c["application"] == n]
    assert len(mine) == 1, unread
    assert mine[0]["step"] == "decide" and mine[0]["read_at"] is None, mine
    assert mine[0]["from_bureau"] == B, mine
    read = expect(http("POST", f"/api/v1/copies/{mine[0]['id']}/read", {},
                       token=wj), 200).json
    assert read["id"] == mine[0]["id"] and read["read_at"], read
    unread = expect(http("GET", "/api/v1/copies?unread=true", token=wj),
                    200).json["items"]
    assert mine[0]["id"] not in [c["id"] for c in unread], unread
    # not a copy to 市场监管's officers
    theirs = expect(http("GET", "/api/v1/copies", token=tok(HOLDER)),
                    200).json["items"]
    assert mine[0]["id"] not in [c["id"] for c in theirs], theirs


sys.exit(done())
