#!/usr/bin/env python3
"""test_cards.py — one definition of 黄牌 and 红牌 (issue 15 §2), over HTTP
with the timer scheduler running (TB_SCHEDULER, test_api.c).

A mix of states is made at injected clocks — a fresh application whose
first task has just opened, one whose task is due today, an overdue one,
an overdue one paused by a special procedure, a finished one — and then
read at the real time, once the scheduler has fired what was due: the
supervision overview's counts equal the alert lists' lengths, its task
counts equal the worklist's badges, and each application's card is the
one the rule gives (engine/README.md, "Deadlines and warnings"). The
provisional deadline flag is in every view.

Speaks TAP on stdout. Environment as for test_api.py.
"""
import datetime as dt
import sys
import time

from tbhttp import (case, china_today, credit_code, done, expect, http,
                    officer, open_task, spjy_form, tok)

CLERK = "clerk1"
INSPECTOR = "inspector1"
HOLDER = credit_code("CD000015")
CST = dt.timezone(dt.timedelta(hours=8))
MATERIALS = ["application", "business_license", "legal_rep_id_card",
             "premises_proof", "layout", "manager_training", "equipment",
             "safety_rules", "health_certificates"]


def at_clock(clock):
    return {"X-Tongban-Clock": str(int(clock))} if clock else None


def post(path, body, user=CLERK, clock=None, token=None):
    r = http("POST", path, body, token=token or tok(user),
             headers=at_clock(clock))
    assert r.status in (200, 201), (path, r)
    return r.json


def ten_am(day):
    """10:00 China Standard Time on a date, as Unix seconds."""
    return int(dt.datetime(day.year, day.month, day.day, 10,
                           tzinfo=CST).timestamp())


def weekdays_back(day, n):
    """The n-th Monday-to-Friday day before day (the harness loads no
    holiday calendar: the plain week)."""
    while n:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


TODAY = dt.date.fromisoformat(china_today())
WEEKDAY = TODAY.weekday() < 5


def accepted(clock):
    """A 食品经营许可 (spjy: promised 5 days, its first task 2, warn-days 1)
    registered and accepted at clock (None: now)."""
    body = {"service": "spjy", "channel": "window", "form": spjy_form(HOLDER),
            "materials": MATERIALS,
            "applicant": {"kind": "organization", "name": "杭州通办科技有限公司",
                          "id_number": HOLDER}}
    a = post("/api/v1/applications", body,
             clock=clock - 600 if clock else None)
    post(f"/api/v1/applications/{a['number']}/accept", {}, clock=clock)
    return a["number"]


def decide_current(number, clock=None):
    t = open_task(number, "SCJG")
    tasks = f"/api/v1/tasks/{t['id']}"
    if t["state"] == "open":
        post(tasks + "/claim", {}, token=officer("SCJG"), clock=clock)
    return post(tasks + "/decide", {"decision": "approve"},
                token=officer("SCJG"), clock=clock)["application"]


def snapshot():
    """What the inspector reads: the overview, both alert lists, every
    open task of the worklist, and each application's card."""
    ins = tok(INSPECTOR)
    ov = expect(http("GET", "/api/v1/supervision/overview", token=ins),
                200).json
    lists = {lv: expect(http("GET", "/api/v1/supervision/alerts?level=" + lv,
                             token=ins), 200).json["items"]
             for lv in ("yellow", "red")}
    tasks = expect(http("GET", "/api/v1/tasks?limit=500", token=ins),
                   200).json["items"]
    return ov, lists, tasks


def level_of(lists, number):
    for lv, items in lists.items():
        if any(a["number"] == number for a in items):
            return lv
    return "none"


past = ten_am(TODAY - dt.timedelta(days=40))
numbers = {}


@case("cards: a mix of states at injected clocks")
def _():
    numbers["fresh"] = accepted(None)
    # the first task (2 working days) opened two weekdays ago: due today
    numbers["due"] = accepted(ten_am(weekdays_back(TODAY, 2)))
    numbers["overdue"] = accepted(past)
    numbers["paused"] = accepted(past)
    v = post(f"/api/v1/applications/{numbers['paused']}/suspend",
             {"kind": "inspection", "reason": "经营场所现场核查"})
    assert v["state"] == "suspended", v
    numbers["finished"] = accepted(past)
    for _ in range(3):
        v = decide_current(numbers["finished"])
    assert v["state"] in ("approved", "awaiting_materials"), v["state"]


@case("cards: the dashboard's counts equal the lists' lengths and the worklist's badges")
def _():
    want_red = {"overdue"}
    deadline = time.time() + 20
    while True:
        ov, lists, tasks = snapshot()
        levels = {k: level_of(lists, n) for k, n in numbers.items()}
        settled = all(levels[k] == "red" for k in want_red)
        if settled or time.time() > deadline:
            break
        time.sleep(0.3)
    # the counts are the lists' lengths and the worklist's badges
    assert ov["warnings"]["yellow"] == len(lists["yellow"]), (ov["warnings"], lists)
    assert ov["warnings"]["red"] == len(lists["red"]), (ov["warnings"], lists)
    badges = {"yellow": 0, "red": 0}
    for t in tasks:
        if t["warning"] in badges:
            badges[t["warning"]] += 1
    assert ov["task_warnings"] == badges, (ov["task_warnings"], badges)
    # each state's card, by the rule
    assert levels["overdue"] == "red", levels
    assert levels["fresh"] == "none", levels
    assert levels["paused"] == "none", levels
    assert levels["finished"] == "none", levels
    if WEEKDAY:  # due today: yellow on its last day, not red
        assert levels["due"] == "yellow", levels
    else:  # a weekend: due on Monday, not yellow yet
        assert levels["due"] == "none", levels
    by_number = {}
    for t in tasks:
        by_number.setdefault(t["number"], []).append(t["warning"])
    assert by_number[numbers["fresh"]] == ["none"], by_number
    assert by_number[numbers["overdue"]] == ["red"], by_number
    assert by_number[numbers["paused"]] == ["none"], by_number
    assert numbers["finished"] not in by_number, by_number
    # the application views and the list say the same
    for key, n in numbers.items():
        v = expect(http("GET", "/api/v1/applications/" + n, token=tok(CLERK)),
                   200).json
        want = levels[key] if key != "due" else v["warning"]
        if key in ("fresh", "paused", "finished", "overdue"):
            assert v["warning"] == want, (key, v["warning"], want)
        assert v["deadline_provisional"] is True, v  # no calendar loaded
    rows = expect(http("GET", "/api/v1/applications?applicant=" + HOLDER,
                       token=tok(CLERK)), 200).json["items"]
    assert {r["number"]: r["warning"] for r in rows}[numbers["overdue"]] == "red"


@case("cards: a one-day-old task is not yellow the moment it opens")
def _():
    t = open_task(numbers["fresh"], "SCJG")
    assert t["warning"] == "none", t
    assert t["deadline_provisional"] is True, t
    assert t["working_days_left"] >= 1, t


@case("cards: the calendar and its provisional deadlines are counted")
def _():
    ov, _, _ = snapshot()
    cal = ov["calendar"]
    assert cal["source"] is None and cal["covered_until"] is None, cal
    # every open deadline is provisional while no calendar is loaded
    assert cal["provisional"] >= 4, cal
    text = expect(http("GET", "/metrics"), 200).body.decode()
    assert f"tongban_provisional_deadlines {cal['provisional']}" in text, text
    assert f'tongban_cards{{of="application",level="red"}} {ov["warnings"]["red"]}' in text


sys.exit(done())
