#!/usr/bin/env python3
"""test_intake.py — nobody can stop intake for others (issue 17 §1).

The server (tests/api/meson.build) runs with small intake limits — 5
online applications an address and 3 an applicant number in 10 minutes —
with 127.0.0.1 a trusted proxy, so that X-Forwarded-For stands for
client addresses on loopback, and with the timer scheduler:

- an anonymous flood from one address is answered 429 intake_throttled
  with Retry-After past the limit, while a clerk's intake in the same
  moment answers 201;
- the applicant number's limit holds across addresses; a clerk's intake
  for that number is never throttled;
- a spent pool of numbers answers 503 numbers_exhausted with
  Retry-After, counted in /metrics and raised as an alert the inspector
  reads, while the window's intake (its own pool) still answers 201;
- an online application no clerk accepts expires (the injected clock
  puts its submission a day and more in the past), visibly on the
  tracking timeline, audited, and counts toward nothing; an accepted one
  loses its expiry timer.

Every flood is bounded (at most 30 requests) and on loopback.
"""
import concurrent.futures
import re
import sys
import time

from tbhttp import (PASSWORD, case, china_today, credit_code, done, expect,
                    http, org_intake, sql, tok)

CLERK = "clerk1"
INSPECTOR = "inspector1"
ADDRESS_LIMIT, APPLICANT_LIMIT, WINDOW = 5, 3, 600
_next = [0]


def new_holder():
    """A credit code no other case uses."""
    _next[0] += 1
    return credit_code(f"7{_next[0]:07d}")


def online(holder, address, clock=None):
    """An anonymous online application for holder from address (the
    client address the trusted proxy names)."""
    return http("POST", "/api/v1/applications",
                org_intake(holder, channel="online"),
                headers={"X-Forwarded-For": address}, clock=clock)


def window(holder):
    return http("POST", "/api/v1/applications", org_intake(holder),
                token=tok(CLERK))


def metric(name, labels):
    text = expect(http("GET", "/metrics"), 200).body.decode()
    m = re.search(r"^" + re.escape(name + labels) + r" (\d+)$", text, re.M)
    assert m, f"{name}{labels} not in /metrics"
    return int(m.group(1))


def throttled(r, what):
    expect(r, 429, "intake_throttled")
    wait = int(r.headers.get("Retry-After") or 0)
    assert 0 < wait <= WINDOW + 1, r.headers  # whole seconds, rounded up
    assert what in r.json["detail"], r.json


assert PASSWORD


@case("an anonymous flood from one address: 429 past the limit, a clerk's intake still 201")
def _():
    before = metric("tongban_intake_refused_total", '{reason="throttled_address"}')
    for i in range(ADDRESS_LIMIT):
        expect(online(new_holder(), "10.0.0.1"), 201)
    throttled(online(new_holder(), "10.0.0.1"), "this address")
    # the flood goes on while a clerk takes in an application
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        flood = [pool.submit(online, new_holder(), "10.0.0.1") for _ in range(12)]
        clerk = pool.submit(window, new_holder())
        assert clerk.result().status == 201, clerk.result()
        answers = [f.result() for f in flood]
    assert all(r.status == 429 for r in answers), [r.status for r in answers]
    # another address is not affected
    expect(online(new_holder(), "10.0.0.2"), 201)
    after = metric("tongban_intake_refused_total", '{reason="throttled_address"}')
    assert after >= before + 13, (before, after)


@case("the applicant number's limit holds across addresses; a clerk is never throttled")
def _():
    holder = new_holder()
    for i in range(APPLICANT_LIMIT):
        expect(online(holder, f"10.0.1.{i + 1}"), 201)
    r = online(holder, "10.0.1.9")
    throttled(r, "this applicant number")
    assert metric("tongban_intake_refused_total", '{reason="throttled_applicant"}') >= 1
    expect(window(holder), 201)
    expect(window(holder), 201)
    # a token sent with an online application is a clerk's: not counted
    r = http("POST", "/api/v1/applications", org_intake(holder, channel="online"),
             token=tok(CLERK), headers={"X-Forwarded-For": "10.0.1.9"})
    expect(r, 201)


@case("a spent pool answers 503 numbers_exhausted and raises an alert; the window's intake goes on")
def _():
    today = china_today()
    used = sql(f"SELECT last FROM app_serials WHERE day = '{today}' AND pool = 'public'")
    # the public pool (serials 200,000,000 to 999,999,999) one number
    # before its end
    sql("INSERT INTO app_serials (region, day, pool, last) VALUES "
        f"('330100', '{today}', 'public', 799999999) ON CONFLICT "
        "(region, day, pool) DO UPDATE SET last = 799999999")
    before = metric("tongban_intake_refused_total", '{reason="numbers_exhausted"}')
    last = expect(online(new_holder(), "10.0.2.1"), 201).json["number"]
    assert len(last) == 24 and last[14:23] == "999999999", last
    r = online(new_holder(), "10.0.2.2")
    expect(r, 503, "numbers_exhausted")
    wait = int(r.headers.get("Retry-After") or 0)
    assert 60 <= wait <= 86400, r.headers
    expect(online(new_holder(), "10.0.2.3"), 503, "numbers_exhausted")
    # the staff pool is its own: the window takes in as before
    n = expect(window(new_holder()), 201).json["number"]
    assert len(n) == 24 and int(n[14:23]) < 200000000, n
    assert metric("tongban_intake_refused_total",
                  '{reason="numbers_exhausted"}') == before + 2
    items = expect(http("GET", "/api/v1/supervision/intake-alerts",
                        token=tok(INSPECTOR)), 200).json["items"]
    mine = [a for a in items if a["day"] == today and a["pool"] == "public"]
    assert len(mine) == 1 and mine[0]["refused"] == 2, items
    assert mine[0]["region"] == "330100", mine
    expect(http("GET", "/api/v1/supervision/intake-alerts", token=tok(CLERK)), 403)
    # the numbers made before the 9-digit serial are still read
    old = sql("SELECT number FROM applications WHERE length(number) = 21 LIMIT 1")
    if old:
        expect(http("GET", f"/api/v1/applications/{old}", token=tok(CLERK)), 200)
    # numbers are unique: back to the count before, and to new numbers
    # past those the earlier cases made
    assert used, "the earlier cases took numbers from the public pool"
    sql(f"UPDATE app_serials SET last = {int(used)} WHERE day = '{today}' AND pool = 'public'")


def track(number, code):
    return expect(http("GET", f"/api/v1/track/{number}?code={code}"), 200).json


def expire_timers(number):
    return int(sql("SELECT count(*) FROM timers t JOIN applications a ON "
                   "a.id = t.application_id WHERE a.number = '" + number +
                   "' AND t.kind = 'expire'"))


@case("an online application no clerk accepts expires, audited and on the tracking page")
def _():
    holder = new_holder()
    overview = expect(http("GET", "/api/v1/supervision/overview",
                           token=tok(INSPECTOR)), 200).json
    # submitted a day and a minute ago (the server expires after a day)
    a = expect(online(holder, "10.0.3.1", clock=time.time() - 86400 - 60), 201).json
    n, code = a["number"], a["tracking_code"]
    deadline = time.time() + 20
    while time.time() < deadline and track(n, code)["state"] != "expired":
        time.sleep(0.2)
    t = track(n, code)
    assert t["state"] == "expired", t
    assert t["finished_at"], t
    assert [e["action"] for e in t["timeline"]] == ["submit", "expire"], t["timeline"]
    assert expire_timers(n) == 0
    # final: the window cannot accept it
    r = http("POST", f"/api/v1/applications/{n}/accept", {}, token=tok(CLERK))
    expect(r, 409)
    events = expect(http("GET", f"/api/v1/applications/{n}/events",
                         token=tok(CLERK)), 200).json
    assert events["state"] == "expired"
    assert events["events"][-1]["action"] == "expire", events["events"][-1]
    # it counts toward nothing: the overview, the holder's list
    after = expect(http("GET", "/api/v1/supervision/overview",
                        token=tok(INSPECTOR)), 200).json
    assert "expired" not in after["counts"], after["counts"]
    assert after["counts"].get("submitted", 0) == overview["counts"].get("submitted", 0), \
        (overview["counts"], after["counts"])
    listed = expect(http("GET", f"/api/v1/applications?applicant={holder}",
                         token=tok(CLERK)), 200).json["items"]
    assert n not in [x["number"] for x in listed], listed
    listed = expect(http("GET", f"/api/v1/applications?applicant={holder}&state=expired",
                         token=tok(CLERK)), 200).json["items"]
    assert [x["number"] for x in listed] == [n], listed


@case("acceptance, refusal and withdrawal take the expiry timer away")
def _():
    made = []
    for i in range(3):
        a = expect(online(new_holder(), f"10.0.4.{i + 1}"), 201).json
        assert expire_timers(a["number"]) == 1
        made.append(a["number"])
    expect(http("POST", f"/api/v1/applications/{made[0]}/accept", {},
                token=tok(CLERK)), 200)
    expect(http("POST", f"/api/v1/applications/{made[1]}/reject",
                {"reason": "不属于本窗口受理范围"}, token=tok(CLERK)), 200)
    expect(http("POST", f"/api/v1/applications/{made[2]}/withdraw",
                {"reason": "申请人撤回"}, token=tok(CLERK)), 200)
    assert [expire_timers(n) for n in made] == [0, 0, 0]
    # the window's applications never expire
    n = expect(window(new_holder()), 201).json["number"]
    assert expire_timers(n) == 0


sys.exit(done())
