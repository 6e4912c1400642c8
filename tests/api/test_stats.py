"""test_stats.py — the statistics of electronic supervision over HTTP
(issue 15 §7; api/api_stats.c), started by test_api.c with this script's
name and the tongban binary.

- Accepting an application records who accepted it and when, and the
  end records when it ended (the columns the statistics read, set by
  the transition itself); the statistics then show the clerk's window,
  the service and the bureau with that application, its denial and a
  duration that is not 0.
- The answer matches the OpenAPI document; the CSV (format=csv or
  Accept: text/csv) starts with a byte order mark, is text/csv in UTF-8,
  comes as an attachment with a Chinese file name, parses with Python's
  csv module into Chinese headings and the same rows as the JSON.
- Every bad parameter is a 422 naming it: by, basis, format, a missing
  or impossible date, to before from, a range longer than 366 days.
- Only inspectors may read it.

Speaks TAP on stdout. Environment as for test_api.py.
"""
import csv
import datetime
import io
import sys
import urllib.parse

from tbhttp import (case, credit_code, done, expect, http, matches_schema,
                    open_task, officer, spjy_form, sql, tok)

CLERK, INSPECTOR = "clerk1", "inspector1"
HOLDER = credit_code("TJ100017")
PATH = "/api/v1/supervision/statistics"
CST = datetime.timezone(datetime.timedelta(hours=8))
# The test clock (X-Tongban-Clock): taken in and accepted on Monday
# 2026-03-02 at 09:00, denied at 16:12 — 7.2 hours, 0.3 working days.
DAY = "2026-03-02"
ACCEPTED = int(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=CST).timestamp())
DENIED = ACCEPTED + 7 * 3600 + 12 * 60
state = {}


def stats(token=INSPECTOR, headers=None, **query):
    q = urllib.parse.urlencode(query)
    return http("GET", f"{PATH}?{q}", token=tok(token) if token else None,
                headers=headers)


def rows(**query):
    r = expect(stats(**query), 200)
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    return r.json


def denied_application():
    """A food business license taken in, accepted by CLERK and denied by
    SCJG at its first step; its number."""
    body = {"service": "spjy", "channel": "window",
            "applicant": {"kind": "organization", "name": "杭州统计餐饮有限公司",
                          "id_number": HOLDER},
            "form": spjy_form(HOLDER),
            "materials": ["application", "business_license",
                          "legal_rep_id_card", "premises_proof", "layout",
                          "manager_training", "equipment", "safety_rules",
                          "health_certificates"]}
    at = lambda t: {"X-Tongban-Clock": str(t)}
    n = expect(http("POST", "/api/v1/applications", body, token=tok(CLERK),
                    headers=at(ACCEPTED)), 201).json["number"]
    expect(http("POST", f"/api/v1/applications/{n}/accept", {},
                token=tok(CLERK), headers=at(ACCEPTED)), 200)
    t = open_task(n, "SCJG")
    expect(http("POST", f"/api/v1/tasks/{t['id']}/claim", {},
                token=officer("SCJG"), headers=at(DENIED)), 200)
    expect(http("POST", f"/api/v1/tasks/{t['id']}/decide",
                {"decision": "deny", "comment": "经营场所与食品安全要求不符，不予许可"},
                token=officer("SCJG"), headers=at(DENIED)), 200)
    return n


@case("the transition records who accepted, when, and when it ended")
def _():
    n = denied_application()
    state["number"] = n
    clerk_id = sql("SELECT id FROM accounts WHERE username = 'clerk1'")
    row = sql("SELECT accepted_by, extract(epoch FROM accepted_at)::bigint, "
              "extract(epoch FROM finished_at)::bigint, status "
              f"FROM applications WHERE number = '{n}'")
    assert row == f"{clerk_id}|{ACCEPTED}|{DENIED}|denied", row
    state["clerk"] = "clerk:" + clerk_id


@case("per window, service and bureau: the application, its denial, a duration not 0")
def _():
    w = rows(by="window", **{"from": DAY, "to": DAY})
    assert w["by"] == "window" and w["basis"] == "accepted", w
    row = next(x for x in w["items"] if x["key"] == state["clerk"])
    assert row["name"] == CLERK, row
    assert row["applications"] == 1 and row["completed"] == 1, row
    assert row["denials"] == 1 and row["on_time_rate"] == 1, row
    # 7.2 hours of a working day: 0.3, not 0
    assert row["average_days"] == 0.3 and row["p90_days"] == 0.3, row
    s = rows(by="service", basis="completed", **{"from": DAY, "to": DAY})
    row = next(x for x in s["items"] if x["key"] == "spjy")
    assert row["name"] and row["completed"] == 1 and row["denials"] == 1, row
    assert row["average_days"] == 0.3, row
    b = rows(by="bureau", **{"from": DAY, "to": DAY})
    row = next(x for x in b["items"] if x["key"] == "SCJG")
    assert row["name"] == "市场监督管理局", row
    assert row["denials"] >= 1 and row["completed"] >= 1, row
    assert row["p90_days"] is not None, row
    for by, body in (("window", w), ("service", s), ("bureau", b)):
        matches_schema(PATH, body)
    state["bureau"] = b


@case("nothing in a range without applications")
def _():
    r = rows(by="service", **{"from": "2020-01-01", "to": "2020-12-31"})
    assert r["items"] == [], r


@case("CSV: BOM, UTF-8, attachment, Chinese headings, the same rows as JSON")
def _():
    for kw in ({"format": "csv"}, {"headers": {"Accept": "text/csv"}}):
        r = expect(stats(by="bureau", **{"from": DAY, "to": DAY}, **kw),
                   200)
        assert r.headers["Content-Type"] == "text/csv; charset=utf-8", r.headers
        disp = r.headers["Content-Disposition"]
        assert disp.startswith("attachment;"), disp
        want = urllib.parse.quote(f"办件统计-按部门-{DAY}至{DAY}.csv")
        assert "filename*=UTF-8''" + want in disp, disp
        assert r.body.startswith(b"\xef\xbb\xbf"), r.body[:20]
        table = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"),
                                            newline="")))
        head = table[0]
        assert head[:4] == ["部门代码", "部门", "申请件数", "办结件数"], head
        assert "按时办结率" in head and "90%办件用时（工作日）" in head, head
        assert "满意率" in head and "差评按时整改数" in head, head
        items = state["bureau"]["items"]
        assert len(table) == 1 + len(items), table
        for line, item in zip(table[1:], items):
            assert len(line) == len(head), line
            assert line[0] == item["key"] and line[1] == item["name"], line
            got = dict(zip(head, line))
            assert got["申请件数"] == str(item["applications"]), got
            assert got["不予许可件数"] == str(item["denials"]), got
            if item["average_days"] is not None:
                assert got["平均用时（工作日）"] == f"{item['average_days']:.1f}", got
            if item["on_time_rate"] is not None:
                assert got["按时办结率"] == f"{item['on_time_rate'] * 100:.1f}%", got
    # the window without a clerk and the service get their names too
    r = expect(stats(by="window", format="csv", **{"from": DAY, "to": DAY}), 200)
    table = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"), newline="")))
    assert table[0][:2] == ["窗口代码", "窗口"], table[0]
    assert [state["clerk"], CLERK] in [x[:2] for x in table[1:]], table


@case("every bad parameter is a 422 naming it")
def _():
    def fields(r):
        expect(r, 422, "invalid_request")
        return sorted((e["field"], e["code"]) for e in r.json["errors"])
    good = {"from": "2026-01-01", "to": "2026-12-31"}
    assert fields(stats(by="clerk", **good)) == [("by", "invalid_request")]
    assert fields(stats(basis="decided", **good)) == [("basis", "invalid_request")]
    assert fields(stats(format="xml", **good)) == [("format", "invalid_request")]
    assert fields(stats()) == [("from", "missing"), ("to", "missing")]
    assert fields(stats(**{"from": "2026-02-30", "to": "2026-03-01"})) == \
        [("from", "wrong_type")]
    assert fields(stats(**{"from": "2026-01-01", "to": "26-3-1"})) == \
        [("to", "wrong_type")]
    assert fields(stats(**{"from": "2026-03-02", "to": "2026-03-01"})) == \
        [("to", "out_of_range")]
    assert fields(stats(**{"from": "2025-01-01", "to": "2026-01-02"})) == \
        [("to", "out_of_range")]
    # 366 days is the longest range: a leap year
    expect(stats(**{"from": "2028-01-01", "to": "2028-12-31"}), 200)
    expect(stats(**{"from": "2025-01-01", "to": "2026-01-01"}), 200)
    r = stats(by="x", **{"from": "2026-01-01", "to": "2026-12-31"})
    matches_schema(PATH, r.json, status="422")


@case("only inspectors read the statistics")
def _():
    q = {"from": DAY, "to": DAY}
    expect(stats(token=CLERK, **q), 403, "forbidden")
    expect(stats(token="officer-SCJG", **q), 403, "forbidden")
    expect(stats(token=None, **q), 401)


sys.exit(done())
