#!/usr/bin/env python3
"""test_two_servers.py — two servers in one process share nothing (started
by test_api.c with TB_TWO_SERVERS set: the first server on TB_BASE_URL with
the keys in TB_KEYS_DIR, a second one on TB_SECOND_URL with another
platform's keys in TB_SECOND_KEYS_DIR, both on one database).

Each server serves its own trust list and signs with its own keys: a
license issued through one verifies there and is an unknown key to the
other; each counts its own requests. Then the second server stops, and the first still verifies and
issues with its own trust list and keys. (When keys, passphrase and trust
list were process globals, the second start replaced the first's trust
list and signing keys, and the second stop closed them for both.) Speaks
TAP on stdout.
"""
import os
import sys

from tbhttp import (QYKB_FORM, QYKB_MATERIALS, case, control, credit_code,
                    done, expect, http, sql, tok)

FIRST = os.environ["TB_BASE_URL"]
SECOND = os.environ["TB_SECOND_URL"]
KEYS = {FIRST: os.environ["TB_KEYS_DIR"],
        SECOND: os.environ["TB_SECOND_KEYS_DIR"]}
CLERK = "clerk1"


def root_pem(base):
    with open(os.path.join(KEYS[base], "root.pem")) as f:
        return f.read().strip()


def app(base, number):
    return expect(http("GET", "/api/v1/applications/" + number,
                       token=tok(CLERK), base=base), 200).json


def approve(base, number, bureau):
    officer = tok("officer-" + bureau)
    r = expect(http("GET", "/api/v1/tasks?bureau=" + bureau, token=officer,
                    base=base), 200)
    t = next(t for t in r.json["items"]
             if t["number"] == number and t["state"] in ("open", "claimed"))
    if t["state"] == "open":
        expect(http("POST", f"/api/v1/tasks/{t['id']}/claim", {},
                    token=officer, base=base), 200)
    expect(http("POST", f"/api/v1/tasks/{t['id']}/decide",
                {"decision": "approve"}, token=officer, base=base), 200)


def issue(base, org8):
    """A business start-up (qykb) run to approval through base: the
    license it issued (GET /licenses/{id} through base)."""
    body = {"service": "qykb", "channel": "window", "form": QYKB_FORM,
            "materials": QYKB_MATERIALS,
            "applicant": {"kind": "organization", "name": "杭州通办科技有限公司",
                          "id_number": credit_code(org8)}}
    n = expect(http("POST", "/api/v1/applications", body, token=tok(CLERK),
                    base=base), 201).json["number"]
    expect(http("POST", f"/api/v1/applications/{n}/accept", {},
                token=tok(CLERK), base=base), 200)
    for _ in range(20):
        v = app(base, n)
        if v["state"] != "in_review":
            break
        for b in v["branches"]:
            if b["status"] == "active":
                approve(base, n, b["bureau"])
    assert app(base, n)["state"] == "approved"
    lid = sql(f"SELECT id FROM licenses WHERE application_number = '{n}'")
    assert lid and "\n" not in lid, lid
    return expect(http("GET", "/api/v1/licenses/" + lid, token=tok(CLERK),
                       base=base), 200).json


def verdict(base, payload):
    return expect(http("POST", "/api/v1/licenses/verify",
                       {"payload": payload}, base=base), 200).json


state = {}


@case("each server serves its own keys folder's trust list")
def _():
    for base, other in ((FIRST, SECOND), (SECOND, FIRST)):
        text = expect(http("GET", "/api/v1/trust", base=base), 200).body
        text = text.decode()
        assert root_pem(base) in text, base
        assert root_pem(other) not in text, base
    assert root_pem(FIRST) != root_pem(SECOND)


@case("a license issued through each server is signed with its own keys")
def _():
    for base, org8 in ((FIRST, "MA2H7Q61"), (SECOND, "MA2H7Q62")):
        lic = issue(base, org8)
        state[base] = lic
        j = verdict(base, lic["payload"])
        assert j["valid"] is True and j["reasons"] == [], j
    assert state[FIRST]["key_id"] != state[SECOND]["key_id"]


@case("the other server does not know the key: each trust list is its own")
def _():
    for base, other in ((FIRST, SECOND), (SECOND, FIRST)):
        j = verdict(other, state[base]["payload"])
        assert j["valid"] is False and "unknown_key" in j["reasons"], j


@case("each server counts its own requests (/metrics)")
def _():
    for base in (FIRST, SECOND):
        text = expect(http("GET", "/metrics", base=base), 200).body.decode()
        assert 'tongban_transitions_total{event="submit"} 1\n' in text, text


@case("the second server stops")
def _():
    assert control("stop-second") == "ok"


@case("the first still verifies with its own trust list after the stop")
def _():
    j = verdict(FIRST, state[FIRST]["payload"])
    assert j["valid"] is True and j["reasons"] == [], j
    j = verdict(FIRST, state[SECOND]["payload"])
    assert j["valid"] is False and "unknown_key" in j["reasons"], j
    text = expect(http("GET", "/api/v1/trust", base=FIRST), 200).body
    assert root_pem(FIRST) in text.decode()


@case("the first still issues with its own keys after the stop")
def _():
    lic = issue(FIRST, "MA2H7Q63")
    j = verdict(FIRST, lic["payload"])
    assert j["valid"] is True and j["reasons"] == [], j
    assert lic["key_id"] == state[FIRST]["key_id"], lic["key_id"]


sys.exit(done())
