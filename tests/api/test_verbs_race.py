#!/usr/bin/env python3
"""test_verbs_race.py — 50 concurrent officers over HTTP on 200 business
start-ups (qykb, issue 14): approving, claiming, transferring (转办) and
taking back (撤回) whatever their worklists show, all at once.

Each officer works the top of their bureau's worklist (the same few tasks
as their colleagues: they collide on purpose) until no task of any
application is open (a watcher thread looks once a second; an officer
with an empty list waits 50 ms). Bounded: 200 applications (accepted by
eight clerk threads), 50 threads, at most 8000 requests and 420 seconds
for the race; running out of either fails, saying so.

Afterwards: every answer was 200 or a 409 of the registry (a losing racer
is told why, never 5xx or anything else); every application is approved
with exactly one in_review → approved event and its licenses signed once;
no task's slot was approved twice (a taken-back approval aside); no task
is left open; `tongban audit verify` finds every chain intact.

Started by test_api.c (see tests/api/meson.build).
"""
import random
import sys
import threading
import time

from tbhttp import (PROBLEMS, add_officer, audit_verify, case, credit_code,
                    done, expect, http, org_intake, sql, tok)

APPS, THREADS = 200, 50
MAX_REQUESTS, MAX_SECONDS = 8000, 420
BUREAUS = ["SCJG", "GA", "SW", "RS", "GJJ"]
CLERK = "clerk1"
lock = threading.Lock()
answers = {}  # (status, code) → count
wrong = []  # answers that are neither 200 nor a registered 409
sent = [0]


def officers():
    """Ten officers per bureau: the harness's and nine more."""
    out = []
    for b in BUREAUS:
        out.append(("officer-" + b, b))
        for k in range(1, THREADS // len(BUREAUS)):
            user = f"race{k}-{b.lower()}"
            add_officer(user, b)
            out.append((user, b))
    return out


def note(r, what):
    code = r.json.get("code") if r.status != 200 else None
    with lock:
        sent[0] += 1
        answers[(r.status, code)] = answers.get((r.status, code), 0) + 1
        if r.status != 200 and (r.status != 409 or PROBLEMS.get(code) != 409):
            wrong.append((what, r.status, r.body[:300]))


def open_left():
    return int(sql("SELECT count(*) FROM tasks t JOIN applications a ON "
                   "a.id = t.application_id WHERE a.definition_id = 'qykb' "
                   "AND t.state IN ('waiting', 'open', 'claimed')"))


def watch(finished, deadline):
    """Once a second (one psql for all, not one per idle officer): when no
    task of any application is left open, or a bound is reached, every
    officer stops."""
    while not finished.wait(1.0):
        if time.time() >= deadline or sent[0] >= MAX_REQUESTS or \
                open_left() == 0:
            finished.set()


def account_ids():
    """Every officer's account id by user name (a worklist row's claimant)."""
    rows = sql("SELECT username || ' ' || id FROM accounts WHERE role = "
               "'officer'").splitlines()
    return {u: int(i) for u, i in (r.split(" ") for r in rows)}


def work(user, me, bureau, colleagues, finished, rng):
    token = tok(user)
    mine = []  # tasks this officer approved: candidates for 撤回
    while not finished.is_set():
        # the officer's own worklist, one GET: the bureau's pool tasks and
        # those handed to them, the same few as their colleagues see
        page = http("GET", f"/api/v1/tasks?bureau={bureau}&limit=8",
                    token=token)
        items = page.json["items"] if page.status == 200 else []
        if not items:
            # the bureau's branches wait for 设立登记, or are all done:
            # wait for work or the end, briefly
            finished.wait(0.05)
            continue
        # a task a colleague claimed is theirs (409 claimed_by_other):
        # an officer takes the free ones and their own first, and tries a
        # claimed one only when nothing else is listed
        free = [x for x in items if x.get("claimant") in (None, me)]
        t = rng.choice(free or items)
        path = f"/api/v1/tasks/{t['id']}/"
        roll = rng.random()
        if roll < 0.15 and mine:
            # 撤回 of a 涉税信息确认 this officer approved (the next step,
            # 发票核定, may have acted already: then a clear 409)
            r = http("POST", f"/api/v1/tasks/{mine.pop()}/take-back",
                     {"reason": "复核"}, token=token)
            what = "take-back"
        elif roll < 0.25:
            to = rng.choice([c for c in colleagues if c != user])
            r = http("POST", path + "transfer", {"to": to, "reason": "分办"},
                     token=token)
            what = "transfer"
        elif roll < 0.3:
            r = http("POST", path + "claim", {}, token=token)
            what = "claim"
        else:
            r = http("POST", path + "decide", {"decision": "approve"},
                     token=token)
            what = "approve"
            if r.status == 200 and t["task_id"] == "confirm":
                mine.append(t["id"])
        note(r, what)


def intake(first, step):
    """Applications first, first + step, … created and accepted."""
    for i in range(first, APPS, step):
        h = credit_code("MA9R%04d" % i)
        n = expect(http("POST", "/api/v1/applications", org_intake(h),
                        token=tok(CLERK)), 201).json["number"]
        expect(http("POST", f"/api/v1/applications/{n}/accept", {},
                    token=tok(CLERK)), 200)


@case("setup: 200 business start-ups accepted, 50 officers")
def _():
    started = time.time()
    tok(CLERK)
    # eight windows at once: the intake is not what this test is about
    clerks = [threading.Thread(target=intake, args=(k, 8)) for k in range(8)]
    for t in clerks:
        t.start()
    for t in clerks:
        t.join()
    accepted = sql("SELECT count(*) FROM applications WHERE definition_id = "
                   "'qykb' AND status = 'in_review'")
    assert accepted == str(APPS), accepted
    print(f"# {APPS} applications accepted in {time.time() - started:.0f} s")


@case("race: every answer 200 or a registered 409, within the bounds")
def _():
    staff = officers()
    by_bureau = {b: [u for u, x in staff if x == b] for b in BUREAUS}
    for u, _b in staff:
        tok(u)  # the sessions before the race, not inside it
    ids = account_ids()
    finished = threading.Event()
    started = time.time()
    threads = [threading.Thread(
        target=work,
        args=(u, ids[u], b, by_bureau[b], finished, random.Random(k)))
        for k, (u, b) in enumerate(staff)]
    watcher = threading.Thread(target=watch,
                               args=(finished, started + MAX_SECONDS))
    for t in threads + [watcher]:
        t.start()
    for t in threads + [watcher]:
        t.join()
    took = time.time() - started
    print(f"# {sent[0]} requests by {len(staff)} officers in {took:.0f} s: "
          + ", ".join(f"{s} {c or ''}: {n}" for (s, c), n in
                      sorted(answers.items(), key=lambda x: str(x[0]))))
    assert not wrong, wrong[:5]
    left = open_left()
    assert left == 0, (f"{left} tasks left open after {took:.0f} s and "
                       f"{sent[0]} requests: the budget ({MAX_SECONDS} s, "
                       f"{MAX_REQUESTS} requests) ran out")
    assert answers.get((409, "task_superseded"), 0) + \
        answers.get((409, "claimed_by_other"), 0) + \
        answers.get((409, "not_assignee"), 0) > 0, "nobody collided"


@case("race: every join decided once, licenses signed once, no doubled decision")
def _():
    approved = sql("SELECT count(*) FROM applications WHERE definition_id = "
                   "'qykb' AND status = 'approved'")
    assert approved == str(APPS), approved
    once = sql("SELECT count(*) FROM (SELECT e.application_id FROM "
               "audit_events e JOIN applications a ON a.id = "
               "e.application_id WHERE a.definition_id = 'qykb' AND "
               "e.payload LIKE '%\"from\":\"in_review\"%' AND e.payload LIKE "
               "'%\"to\":\"approved\"%' GROUP BY e.application_id HAVING "
               "count(*) = 1) x")
    assert once == str(APPS), once
    twice = sql("SELECT count(*) FROM (SELECT application_id, type_code FROM "
                "licenses GROUP BY 1, 2 HAVING count(*) > 1) x")
    assert twice == "0", twice
    signed = sql("SELECT count(DISTINCT application_id) FROM licenses l JOIN "
                 "applications a ON a.id = l.application_id WHERE "
                 "a.definition_id = 'qykb'")
    assert signed == str(APPS), signed
    doubled = sql("SELECT count(*) FROM (SELECT application_id, branch, "
                  "step, round, slot FROM tasks WHERE decision = 'approve' "
                  "AND taken_back_at IS NULL GROUP BY 1, 2, 3, 4, 5 HAVING "
                  "count(*) > 1) x")
    assert doubled == "0", doubled


@case("race: tongban audit verify finds every chain intact")
def _():
    rc, out = audit_verify("")
    assert rc == 0, out


sys.exit(done())
