#!/usr/bin/env python3
"""test_stream_auth.py — live streams authorised for their whole life and
filtered by who watches (issue 17 §3). Started by test_api.c with
TB_TWO_SERVERS set: two servers on one database (TB_BASE_URL and
TB_SECOND_URL), each with a hub of its own.

A stream ends, with a last "auth" event naming the reason and its
connection closed, within a few seconds (the hub re-checks the sessions
of its streams every 2 s) of its session's logout — through the same
server or through the other one — of its expiry, of its coming to owe a
step (sessions.pending), of the account being disabled, and of a change
of the account's role or bureau; a stream whose
session stays valid stays open. An officer's stream carries the events
of applications in which its bureau has a task and nothing of the
others, replays included, and of an urge only its own bureau's; a
clerk's carries the window's events with five members of data, never a
claim or an urge; 1,100 events of one bureau (more than the ring holds)
leave another bureau's stream and a clerk's silent, without a reset.
Every wait is bounded; loopback only. Speaks TAP on stdout.
"""
import hashlib
import json
import os
import time

from tbhttp import (BASE, PASSWORD, Stream, case, credit_code, done, expect,
                    http, officer, open_task, spjy_form, sql, tok)

SECOND = os.environ["TB_SECOND_URL"]
CLERK, INSPECTOR = "clerk1", "inspector1"
ENDS_WITHIN = 6.0  # seconds: the 2 s re-check, its tick and the read
MATERIALS = ["application", "business_license", "legal_rep_id_card",
             "premises_proof", "layout", "manager_training", "equipment",
             "safety_rules", "health_certificates"]
state = {}


def login(user):
    """A fresh session of its own (not the cached tok())."""
    return expect(http("POST", "/api/v1/sessions",
                       {"username": user, "password": PASSWORD}), 201).json["token"]


def copy_account(user, like):
    """A new account with the role, bureau and password of `like` (a
    harness account)."""
    sql(f"INSERT INTO accounts (username, role, bureau, password_hash) "
        f"SELECT '{user}', role, bureau, password_hash "
        f"FROM accounts WHERE username = '{like}'")


def hash_sql(token):
    return "'\\x" + hashlib.sha256(token.encode()).hexdigest() + "'::bytea"


def ends_with(st, reason):
    """Wait for the stream's end; the seconds it took from now. Fails
    unless its last event is auth with the reason and the server closed
    the connection."""
    start = time.monotonic()
    st.wait(lambda s: False, ENDS_WITHIN + 2)
    took = time.monotonic() - start
    assert st.ended, f"the stream is still open after {took:.1f} s"
    last = st.events()[-1]
    assert last[0] == "auth" and last[1] == {"reason": reason}, st.text[-300:]
    assert st.resp.headers["Connection"] == "close", st.resp.headers
    assert st.server_closed(), "the connection stayed open"
    print(f"# ended ({reason}) {took * 1000:.0f} ms after the change")
    assert took < ENDS_WITHIN, f"ended after {took:.1f} s"
    return took


def notify(payload, count=1):
    """NOTIFY on the stream's channel as the superuser: `count` events of
    the payload (a dict; "seq" becomes 1..count)."""
    sql("SELECT pg_notify('tongban', (" + "'" + json.dumps(payload) + "'"
        f"::jsonb || jsonb_build_object('seq', g))::text) "
        f"FROM generate_series(1, {int(count)}) g")


def sentinel(number, bureaus, action="submit"):
    """An event every stream under test takes in (a window action of an
    application of `bureaus`): what came before it has arrived."""
    notify({"number": number, "action": action, "status": "submitted",
            "warning": "none", "bureaus": bureaus})


def spjy(holder8):
    """A food license (SCJG only) taken in at the window: its number."""
    holder = credit_code(holder8)
    body = {"service": "spjy", "channel": "window", "form": spjy_form(holder),
            "materials": MATERIALS,
            "applicant": {"kind": "organization", "name": "杭州通办科技有限公司",
                          "id_number": holder}}
    return expect(http("POST", "/api/v1/applications", body,
                       token=tok(CLERK)), 201).json["number"]


# ---- authorised for the whole life -------------------------------------------

@case("a stream ends within seconds of its session's logout")
def _():
    t = login(CLERK)
    st = Stream(t)
    expect(http("DELETE", "/api/v1/sessions/current", token=t), 204)
    ends_with(st, "revoked")
    st.close()
    r = http("GET", "/api/v1/supervision/stream?access_token=" + t,
             headers={"Accept": "text/event-stream"})
    expect(r, 401, "invalid_token")


@case("a logout through one server ends the stream on the other")
def _():
    for stream_on, logout_on in ((SECOND, BASE), (BASE, SECOND)):
        t = login(CLERK)
        st = Stream(t, base=stream_on)
        expect(http("DELETE", "/api/v1/sessions/current", token=t,
                    base=logout_on), 204)
        ends_with(st, "revoked")
        st.close()


@case("a stream ends within seconds of its session's expiry")
def _():
    t = login(INSPECTOR)
    st = Stream(t, base=SECOND)
    sql("UPDATE sessions SET expires_at = now() - interval '1 second' "
        "WHERE token_hash = " + hash_sql(t))
    ends_with(st, "expired")
    st.close()


@case("a stream ends when its session comes to owe a step (a new password)")
def _():
    t = login(CLERK)
    st = Stream(t)
    sql("UPDATE sessions SET pending = 1 WHERE token_hash = " + hash_sql(t))
    ends_with(st, "ended")
    st.close()


@case("a stream ends within seconds of its account's disable")
def _():
    copy_account("stream-clerk-disabled", CLERK)
    t = login("stream-clerk-disabled")
    st = Stream(t)
    sql("UPDATE accounts SET disabled = true "
        "WHERE username = 'stream-clerk-disabled'")
    ends_with(st, "disabled")
    st.close()


@case("a change of role or of bureau ends the stream")
def _():
    copy_account("stream-clerk-role", CLERK)
    copy_account("stream-officer-move", "officer-SCJG")
    clerk, off = login("stream-clerk-role"), login("stream-officer-move")
    sc, so = Stream(clerk), Stream(off, base=SECOND)
    sql("UPDATE accounts SET role = 'inspector' "
        "WHERE username = 'stream-clerk-role'")
    sql("UPDATE accounts SET bureau = 'GA' "
        "WHERE username = 'stream-officer-move'")
    ends_with(sc, "role_changed")
    ends_with(so, "role_changed")
    sc.close()
    so.close()


@case("a stream whose session stays valid stays open across the checks")
def _():
    st = Stream(tok(INSPECTOR))
    n = "330100209901010000001"
    time.sleep(5)  # two re-checks and more
    sentinel(n, [])
    assert st.wait(st.has(n), 5), st.text[-300:]
    assert not st.ended and not [e for e in st.events() if e[0] == "auth"]
    st.close()


@case("a stream without a token is refused")
def _():
    r = http("GET", "/api/v1/supervision/stream",
             headers={"Accept": "text/event-stream"})
    expect(r, 401, "unauthenticated")


# ---- whose events --------------------------------------------------------------

@case("open streams: inspector, officers of SCJG and GJJ, clerk")
def _():
    state["streams"] = {
        "inspector": Stream(tok(INSPECTOR)),
        "scjg": Stream(officer("SCJG")),
        "gjj": Stream(officer("GJJ"), base=SECOND),
        "clerk": Stream(tok(CLERK), base=SECOND),
    }


@case("an officer sees its bureau's application; another bureau none of it")
def _():
    s = state["streams"]
    n = spjy("MA2H7T01")
    expect(http("POST", f"/api/v1/applications/{n}/accept", {},
                token=tok(CLERK)), 200)
    task = open_task(n, "SCJG")
    expect(http("POST", f"/api/v1/tasks/{task['id']}/claim", {},
                token=officer("SCJG")), 200)
    state["number"] = n
    end = "330100209901010000002"
    sentinel(end, ["GJJ", "SCJG"])
    for st in s.values():
        assert st.wait(st.has(end), 10), st.text[-300:]
    actions = {k: [d["action"] for d in st.changes(n)] for k, st in s.items()}
    assert actions["inspector"] == ["submit", "accept", "claim"], actions
    # no task at submission: the bureau's events begin with the acceptance
    assert actions["scjg"] == ["accept", "claim"], actions
    assert actions["gjj"] == [], actions
    for k in ("inspector", "scjg"):
        for d in s[k].changes(n):
            assert "bureaus" not in d, d
    # the id of the submission on the second server: a replay from there
    state["before"] = [i for t, d, i in s["clerk"].events()
                       if t == "change" and d.get("number") == n][0]


@case("a clerk's stream: the window's events, five members, never a claim")
def _():
    s = state["streams"]
    n = state["number"]
    got = s["clerk"].changes(n)
    assert [d["action"] for d in got] == ["submit", "accept"], got
    for d in got:
        assert sorted(d) == ["action", "number", "seq", "status",
                         "warning"], d


@case("an urge of one bureau's task is that bureau's, not the window's")
def _():
    s = state["streams"]
    n = state["number"]
    task = open_task(n, "SCJG")
    expect(http("POST", f"/api/v1/tasks/{task['id']}/urge",
                {"reason": "请尽快办理"}, token=tok(CLERK)), 201)
    # an urge naming GJJ on this application: GJJ has no task in it
    notify({"number": n, "action": "task_urged", "status": "in_review",
            "warning": "none", "bureau": "GJJ", "bureaus": ["SCJG"]})
    end = "330100209901010000003"
    sentinel(end, ["GJJ", "SCJG"])
    for st in s.values():
        assert st.wait(st.has(end), 10), st.text[-300:]
    urged = {k: [d for d in st.changes(n) if d["action"] == "task_urged"]
             for k, st in s.items()}
    assert [d.get("bureau") for d in urged["scjg"]] == ["SCJG"], urged
    assert len(urged["inspector"]) == 2, urged
    assert urged["gjj"] == [] and urged["clerk"] == [], urged


@case("the window sees a decision that leaves review, not the steps before")
def _():
    s = state["streams"]
    n = state["number"]
    for _ in range(3):  # examine, decide, issue: one bureau's steps
        task = open_task(n, "SCJG")
        if task["state"] == "open":
            expect(http("POST", f"/api/v1/tasks/{task['id']}/claim", {},
                        token=officer("SCJG")), 200)
        expect(http("POST", f"/api/v1/tasks/{task['id']}/decide",
                    {"decision": "approve"}, token=officer("SCJG")), 200)
    for st in (s["clerk"], s["inspector"]):
        assert st.wait(lambda x: any(d["status"] == "approved"
                                     for d in x.changes(n)), 10), st.text[-300:]
    clerk = [(d["action"], d["status"]) for d in s["clerk"].changes(n)]
    assert clerk[-1] == ("approve", "approved"), clerk
    assert ("approve", "in_review") not in clerk, clerk
    insp = [(d["action"], d["status"]) for d in s["inspector"].changes(n)]
    assert ("approve", "in_review") in insp, insp


@case("a replay after Last-Event-ID carries only the stream's own events")
def _():
    st = Stream(officer("GJJ"), base=SECOND,
                last_event_id=state["before"])
    end = "330100209901010000004"
    sentinel(end, ["GJJ"])
    assert st.wait(st.has(end), 10), st.text[-300:]
    assert st.changes(state["number"]) == [], st.text[-500:]
    assert "event: reset" not in st.text, st.text[-300:]
    st.close()


@case("1,100 events of one bureau leave the others silent, with no reset")
def _():
    s = state["streams"]
    notify({"number": "330100209901010000005", "action": "claim",
            "status": "in_review", "warning": "none", "bureaus": ["SCJG"]},
           count=1100)
    end = "330100209901010000006"
    sentinel(end, ["GJJ"])
    for k in ("gjj", "clerk"):
        st = s[k]
        assert st.wait(st.has(end), 20), st.text[-300:]
        assert st.changes("330100209901010000005") == [], k
        assert "event: reset" not in st.text, (k, st.text[-300:])
    for st in s.values():
        st.close()


raise SystemExit(done())
