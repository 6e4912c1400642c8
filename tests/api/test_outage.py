#!/usr/bin/env python3
"""test_outage.py — the database goes away while the server runs.

Requests get 503 with Retry-After and a problem+json body (never a hang,
never a 500), nothing half-done is acknowledged, and when PostgreSQL is
back the same server process serves again without a restart: its worker
threads reconnect by themselves. Started by test_api.c, which offers the
"halt" and "restart" controls.
"""
import sys
import time

from tbhttp import (case, citizen_id, control, credit_code, done, expect,
                    http, sql, tok)

COMPANY = credit_code("MA2H9Y01")
FORM = {
    "company_name": "杭州断网测试科技有限公司", "company_type": "llc",
    "registered_capital": 500000, "legal_rep_name": "李四",
    "legal_rep_id": citizen_id(birth="19900101", seq="555"),
    "address": "杭州市上城区解放路二号", "scope": ["software"], "employees": 3,
    "seal_count": 1, "needs_invoice": False, "housing_fund": False,
    "phone": "0571-88880000",
}
MATERIALS = ["application", "articles", "legal_rep_id_card",
             "shareholder_proof", "premises", "appointment"]


def intake(token):
    """A business start-up (企业开办) application at the window."""
    return http("POST", "/api/v1/applications", {
        "service": "qykb", "channel": "window",
        "applicant": {"kind": "organization", "name": "杭州断网测试科技有限公司",
                      "id_number": COMPANY},
        "form": FORM, "materials": MATERIALS}, token)


state = {}


@case("before the outage: healthy, and an intake is stored")
def before():
    expect(http("GET", "/healthz"), 200)
    state["clerk"] = tok("clerk1")
    r = intake(state["clerk"])
    assert r.status == 201, r
    state["number"] = r.json["number"]
    state["count"] = sql("SELECT count(*) FROM applications")


@case("PostgreSQL stops: 503 with Retry-After, as problem+json")
def during():
    assert control("halt") == "ok"
    for path, method, body in [("/healthz", "GET", None),
                               ("/api/v1/applications/" + state["number"],
                                "GET", None)]:
        r = http(method, path, body, state["clerk"])
        assert r.status == 503, r
        assert int(r.headers["Retry-After"]) > 0, r.headers
    r = intake(state["clerk"])
    assert r.status == 503, r
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert r.json["code"], r.json
    assert int(r.headers["Retry-After"]) > 0


@case("PostgreSQL is back: the same process serves again by itself")
def after():
    assert control("restart") == "ok"
    deadline = time.time() + 30
    while True:
        r = http("GET", "/healthz")
        if r.status == 200 or time.time() > deadline:
            break
        time.sleep(0.2)
    assert r.status == 200, r
    expect(http("GET", "/api/v1/applications/" + state["number"], None,
                state["clerk"]), 200)
    r = intake(state["clerk"])
    assert r.status == 201, r
    # the refused intake during the outage stored nothing
    assert int(sql("SELECT count(*) FROM applications")) == \
        int(state["count"]) + 1


sys.exit(done())
