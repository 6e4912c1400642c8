#!/usr/bin/env python3
"""test_calendar_admin.py — the administrator's calendar and definition
checks over HTTP (issue 13 §4; api/api_calendar.c,
store/tb_store_calendar_read.c, api/api_workflows.c), started by
test_api.c with this script's name and the tongban binary.

- GET /api/v1/calendar: the shipped years at first (2025, 2026); after
  a load, the year with its holidays, its 调休 working
  days and where it came from. Every staff role reads it; no token 401.
- POST /api/v1/calendar/check: a year file checked, its days answered,
  nothing stored.
- A broken file is refused whole with 422 invalid_calendar, errors[]
  naming its line (calendar_line), and nothing changes: days, loads, the
  security log.
- POST /api/v1/calendar loads it as `tongban calendar load` does: the
  days, a row of calendar_loads, the security log's calendar_loaded with
  the administrator as actor and the client's address; every open
  deadline is recomputed and the answer counts them (an accepted
  application whose deadline moves past the new holidays).
- Only an administrator loads or checks (403 for the other roles, 401
  without a token); a wrong Content-Type is 415, an empty body 400, a bad
  file name 422 naming name.
- POST /api/v1/workflows/check: a broken definition answers its
  line-numbered problems, a good one what would be deployed; neither
  stores anything. GET /api/v1/workflows says when each was deployed.

Speaks TAP on stdout. Environment as for test_api.py.
"""
import datetime as dt
import os
import re

from tbhttp import (ROOT, case, china_today, credit_code, done, expect, http,
                    spjy_form, sql, tok)

ADMIN = "admin1"
CLERK = "clerk1"
HOLDER = credit_code("CA000013")
MATERIALS = ["application", "business_license", "legal_rep_id_card",
             "premises_proof", "layout", "manager_training", "equipment",
             "safety_rules", "health_certificates"]
TEXT = "text/plain; charset=utf-8"
loaded = {}  # the year the first load touched


def post_calendar(text, path="/api/v1/calendar", user=ADMIN, query=""):
    return http("POST", path + query, raw=text.encode("utf-8"), ctype=TEXT,
                token=tok(user) if user else None)


def calendar(user=ADMIN):
    return expect(http("GET", "/api/v1/calendar", token=tok(user)), 200).json


def state():
    """What a load changes: the days, the loads, the meta row, the
    security log."""
    return sql("SELECT (SELECT count(*) || ':' || coalesce(md5(string_agg("
               "day || kind, ',' ORDER BY day)), '') FROM calendar_days) || "
               "'|' || (SELECT count(*) FROM calendar_loads) || '|' || "
               "(SELECT version FROM calendar_meta) || '|' || "
               "(SELECT count(*) FROM security_events)")


def weekdays_after(day, n):
    """The n Monday-to-Friday days after day."""
    out = []
    while len(out) < n:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            out.append(day)
    return out


def accepted():
    """A 食品经营许可 (promised 5 working days) accepted now."""
    body = {"service": "spjy", "channel": "window", "form": spjy_form(HOLDER),
            "materials": MATERIALS,
            "applicant": {"kind": "organization", "name": "杭州通办科技有限公司",
                          "id_number": HOLDER}}
    a = expect(http("POST", "/api/v1/applications", body, token=tok(CLERK)),
               201).json
    n = a["number"]
    expect(http("POST", f"/api/v1/applications/{n}/accept", {},
                token=tok(CLERK)), 200)
    return n


def application(number):
    return expect(http("GET", f"/api/v1/applications/{number}",
                       token=tok(CLERK)), 200).json


YEAR_FILE = ("# 2031 — a test schedule\n"
             "2031-01-01 holiday  元旦\n"
             "\n"
             "2031-01-26 workday  调休上班\n"
             "2031-01-27 holiday  春节\n"
             "2031-01-28 holiday  春节\n")


@case("calendar: the shipped years at first; every staff role reads it, nobody without a token")
def _():
    c = calendar()
    assert (c["source"], c["covered_until"]) == ("shipped", "2026-12-31"), c
    years = {y["year"]: y for y in c["years"]}
    assert sorted(years) == [2025, 2026], c
    y = years[2026]
    assert "2026-10-01" in y["holidays"] and "2026-02-16" in y["holidays"], y
    assert "2026-10-10" in y["workdays"] and "2026-10-10" not in y["holidays"], y
    assert (y["source"], y["file"]) == ("shipped", "calendar/2026.txt"), y
    assert years[2025]["file"] == "calendar/2025.txt", years[2025]
    for user in (CLERK, "inspector1", "officer-SCJG"):
        assert calendar(user) == c
    expect(http("GET", "/api/v1/calendar"), 401)


@case("calendar check: the days of a year file, nothing stored")
def _():
    before = state()
    r = expect(post_calendar(YEAR_FILE, "/api/v1/calendar/check"), 200).json
    assert r == {"days": 4, "covers_until": "2031-12-31",
                 "holidays": ["2031-01-01", "2031-01-27", "2031-01-28"],
                 "workdays": ["2031-01-26"]}, r
    assert state() == before


@case("calendar: a broken file is refused with its line, nothing changed")
def _():
    before = state()
    broken = YEAR_FILE + "2031-02-30 holiday\n"
    for path in ("/api/v1/calendar", "/api/v1/calendar/check"):
        r = expect(post_calendar(broken, path), 422, "invalid_calendar").json
        assert len(r["errors"]) == 1, r
        e = r["errors"][0]
        assert (e["field"], e["code"]) == ("line 7", "calendar_line"), r
        assert "2031-02-30 is not a real date" in e["detail"], r
    # a Saturday as holiday, a kind nobody knows, a duplicate
    for text, line, what in (("2031-01-04 holiday\n", 1, "saturday"),
                             ("#\n2031-01-06 vacation\n", 2, "vacation"),
                             ("2031-01-06 holiday\n2031-01-06 holiday\n", 2,
                              "listed twice")):
        r = expect(post_calendar(text), 422, "invalid_calendar").json
        assert r["errors"][0]["field"] == f"line {line}", r
        assert what in r["errors"][0]["detail"], r
    assert state() == before
    assert 2031 not in {y["year"] for y in calendar()["years"]}


@case("calendar: only an administrator loads or checks; wrong type 415, empty 400, bad name 422")
def _():
    for user in (CLERK, "inspector1", "officer-SCJG"):
        tok(user)  # log in first: a log-in is a security event
    before = state()
    for path in ("/api/v1/calendar", "/api/v1/calendar/check"):
        for user in (CLERK, "inspector1", "officer-SCJG"):
            expect(post_calendar(YEAR_FILE, path, user), 403)
        expect(post_calendar(YEAR_FILE, path, None), 401)
        expect(http("POST", path, {"text": YEAR_FILE}, token=tok(ADMIN)), 415,
               "unsupported_media_type")
        expect(post_calendar("", path), 400, "missing_body")
    r = expect(post_calendar(YEAR_FILE, query="?name=a%01b"), 422,
               "invalid_request").json
    assert r["errors"][0]["field"] == "name", r
    expect(post_calendar(YEAR_FILE, query="?name=" + "x" * 101), 422,
           "invalid_request")
    assert state() == before


@case("calendar load: stored, audited like the command, open deadlines recomputed and counted")
def _():
    number = accepted()
    old = application(number)["deadline"]
    today = dt.date.fromisoformat(china_today())
    days = weekdays_after(today, 8)
    text = "# 停业测试\n" + "".join(f"{d.isoformat()} holiday  测试停办\n"
                                for d in days)
    r = expect(post_calendar(text, query="?name=%E6%B5%8B%E8%AF%95.txt"),
               200).json
    last = max(d.year for d in days)
    assert r["days"] == 8 and r["source"] == "administrator", r
    assert r["covered_until"] == f"{last}-12-31", r
    assert r["recomputed"]["open"] >= 1 and r["recomputed"]["moved"] >= 1, r
    new = application(number)["deadline"]
    assert new > old, (old, new)
    events = expect(http("GET", f"/api/v1/applications/{number}/events",
                         token=tok(CLERK)), 200).json
    assert "deadline_recomputed" in str(events), events
    # the security log: the administrator, from the client's address
    e = expect(http("GET", "/api/v1/security-events?kind=calendar_loaded&limit=1",
                    token=tok(ADMIN)), 200).json["items"][0]
    assert (e["outcome"], e["actor_kind"], e["actor"], e["address"],
            e["subject"]) == ("ok", "account", ADMIN, "127.0.0.1",
                              f"calendar:{last}"), e
    assert e["details"]["source"] == "administrator", e
    assert [(f["file"], f["days"]) for f in e["details"]["files"]] == \
        [("测试.txt", 8)], e
    assert sql("SELECT name || ' ' || days FROM calendar_loads ORDER BY id "
               "DESC LIMIT 1") == "测试.txt 8"
    # the year as the page reads it
    c = calendar(CLERK)
    assert c["source"] == "administrator", c
    years = {y["year"]: y for y in c["years"]}
    y = years[days[0].year]
    loaded["year"] = y["year"]
    assert set(x.isoformat() for x in days if x.year == y["year"]) <= \
        set(y["holidays"]), y
    assert (y["source"], y["file"]) == ("administrator", "测试.txt"), y
    assert re.fullmatch(r"[0-9a-f]{64}", y["sha256"]), y


@case("calendar load: a second year keeps the first; each year names its own load")
def _():
    r = expect(post_calendar(YEAR_FILE, query="?name=2031.txt"), 200).json
    assert r["days"] == 4 and r["covered_until"] == "2031-12-31", r
    assert r["recomputed"]["moved"] == 0, r  # nothing open reaches 2031
    c = calendar()
    years = {y["year"]: y for y in c["years"]}
    assert 2031 in years and len(years) >= 2, c
    y = years[2031]
    assert (y["holidays"], y["workdays"], y["file"]) == (
        ["2031-01-01", "2031-01-27", "2031-01-28"], ["2031-01-26"],
        "2031.txt"), y
    assert years[2025]["file"] == "calendar/2025.txt", years[2025]
    assert years[loaded["year"]]["file"] == "测试.txt", years[loaded["year"]]
    assert c["covered_until"] == "2031-12-31", c


def spjy_next():
    text = open(os.path.join(ROOT, "workflows", "spjy.xml"), "rb").read()
    shipped = int(re.search(rb'id="spjy" version="(\d+)"', text).group(1))
    return text.replace(b'id="spjy" version="%d"' % shipped,
                        b'id="spjy" version="%d"' % (shipped + 1)), shipped


@case("workflows check: problems by line, or what would be deployed; nothing stored either way")
def _():
    defs = sql("SELECT count(*) FROM definitions")
    seclog = sql("SELECT count(*) FROM security_events")
    bad = ('<?xml version="1.0"?>\n<service xmlns="urn:tongban:workflow:1" '
           'id="bad" version="1">\n<name>x</name>\n<oops/>\n</service>\n')
    r = expect(http("POST", "/api/v1/workflows/check", raw=bad.encode(),
                    ctype="application/xml", token=tok(ADMIN)), 422,
               "invalid_definition").json
    assert r["errors"] and all(re.fullmatch(r"line \d+", e["field"]) and
                               e["code"] == "definition"
                               for e in r["errors"]), r
    assert any(e["field"] == "line 4" for e in r["errors"]), r
    good, shipped = spjy_next()
    r = expect(http("POST", "/api/v1/workflows/check", raw=good,
                    ctype="application/xml", token=tok(ADMIN)), 200).json
    assert r == {"id": "spjy", "version": shipped + 1, "name": "食品经营许可"}, r
    assert sql("SELECT count(*) FROM definitions") == defs
    assert sql("SELECT count(*) FROM security_events") == seclog
    listed = expect(http("GET", "/api/v1/workflows"), 200).json["items"]
    spjy = next(i for i in listed if i["id"] == "spjy")
    assert spjy["version"] == shipped, spjy
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
                        spjy["deployed_at"]), spjy
    for user in (CLERK, "inspector1", "officer-SCJG"):
        expect(http("POST", "/api/v1/workflows/check", raw=good,
                    ctype="application/xml", token=tok(user)), 403)
    expect(http("POST", "/api/v1/workflows/check", raw=good,
                ctype="application/xml"), 401)
    expect(http("POST", "/api/v1/workflows/check", raw=b"", ctype="application/xml",
                token=tok(ADMIN)), 400, "missing_body")


@case("workflows: deployed after its check, the new version is listed with its time")
def _():
    good, shipped = spjy_next()
    expect(http("POST", "/api/v1/workflows", raw=good,
                ctype="application/xml", token=tok(ADMIN)), 201)
    listed = expect(http("GET", "/api/v1/workflows"), 200).json["items"]
    spjy = next(i for i in listed if i["id"] == "spjy")
    assert spjy["version"] == shipped + 1, spjy


done()
