#!/usr/bin/env python3
"""test_identity.py — one number, one holder, consistent data (issue 11
§6), over HTTP (started by test_api.c with this script's name and the
tongban binary).

- One number has one name: an intake under another name than the number
  carries is refused with 409 holder_name_mismatch (the name on record
  in full for staff, masked online) unless the clerk confirms a change of
  name at the window, which is its own audited event (holder_renamed)
  before the submission.
- License reuse at intake checks the holder's name as well as the number.

Speaks TAP on stdout. Environment as for test_api.py.
"""
import sys

from tbhttp import (case, citizen_id, done, expect, http, officer, open_task,
                    sql, tok)

CLERK = "clerk1"
MOTHER = citizen_id("19920304", "128")


def cssj_form(mother, **over):
    form = {"baby_name": "王小宝", "baby_gender": "female",
            "birth_date": "2025-06-02", "birth_place": "杭州市妇产科医院",
            "birth_weight": 3200, "mother_name": "王芳", "mother_id": mother,
            "hukou_address": "杭州市西湖区文三路一号", "apply_card": True,
            "phone": "13800000000"}
    form.update(over)
    return form


def intake(name, number=MOTHER, token="clerk", channel="window", extra=None,
           form=None, materials=None):
    body = {"service": "cssj", "channel": channel,
            "applicant": {"kind": "person", "name": name, "id_number": number},
            "form": form or cssj_form(number),
            "materials": materials if materials is not None else
            ["mother_id_card", "household_register", "delivery_record"]}
    body.update(extra or {})
    return http("POST", "/api/v1/applications", body,
                token=tok(CLERK) if token == "clerk" else token)


def license_id(type_code, issuer, serial):
    """A GB/T 36904 license identifier with its MOD 37,36 check character."""
    body = f"{type_code}.{issuer}.{serial}.1."
    p = 36
    for c in body:
        if c == ".":
            continue
        v = int(c) if c.isdigit() else ord(c) - 55
        s = (p + v) % 36 or 36
        p = 2 * s % 37
    c = (37 - p) % 36
    return "1.2.156.3005.2." + body + (str(c) if c < 10 else chr(55 + c))


def count_apps():
    return sql("SELECT count(*) FROM applications")


def events(number):
    return expect(http("GET", f"/api/v1/applications/{number}/events",
                       token=tok(CLERK)), 200).json["events"]


# ---- A. one number has one name -------------------------------------------


@case("a new number takes the applicant's name as the name on record")
def _():
    r = expect(intake("王芳"), 201)
    assert sql(f"SELECT name FROM holders WHERE id_number = '{MOTHER}'") == "王芳"
    assert [e["action"] for e in events(r.json["number"])] == ["submit"]


@case("another name under the same number is 409 holder_name_mismatch, nothing stored")
def _():
    before = count_apps()
    r = expect(intake("王芳芳"), 409, "holder_name_mismatch")
    assert r.json["name_on_record"] == "王芳", r.json
    assert r.json["window_required"] is False
    assert r.json["errors"][0]["field"] == "applicant.name", r.json
    assert r.json["errors"][0]["code"] == "holder_name_mismatch"
    assert count_apps() == before


@case("online, the mismatch is refused with the name masked and a window asked for")
def _():
    before = count_apps()
    r = expect(intake("王芳芳", token=None, channel="online"), 409,
               "holder_name_mismatch")
    assert r.json["name_on_record"] == "王*", r.json
    assert r.json["window_required"] is True
    assert "王芳" not in r.body.decode()
    change = {"name_change": {"confirmed": True, "reason": "已更名"}}
    r = expect(intake("王芳芳", token=None, channel="online", extra=change),
               422, "invalid_request")
    assert r.json["errors"][0]["field"] == "name_change", r.json
    assert count_apps() == before


@case("a change of name needs confirmed true and a reason")
def _():
    r = expect(intake("王芳芳", extra={"name_change": {"confirmed": False,
                                                    "reason": "已更名"}}),
               422, "invalid_request")
    assert r.json["errors"][0]["field"] == "name_change.confirmed", r.json
    r = expect(intake("王芳芳", extra={"name_change": {"confirmed": True}}),
               422, "invalid_request")
    assert r.json["errors"][0]["field"] == "name_change.reason", r.json


@case("the clerk confirms the change: holder_renamed is audited before the submission")
def _():
    change = {"name_change": {"confirmed": True,
                              "reason": "户籍更名，见更名证明"}}
    r = expect(intake("王芳芳", extra=change), 201)
    ev = events(r.json["number"])
    assert [e["action"] for e in ev] == ["holder_renamed", "submit"], ev
    p = ev[0]["payload"]
    assert p["old_name"] == "王芳" and p["new_name"] == "王芳芳", p
    assert p["reason"] == "户籍更名，见更名证明" and p["id_number"] == MOTHER
    assert ev[0]["actor"] == CLERK and ev[0]["role"] == "clerk", ev[0]
    assert sql(f"SELECT name FROM holders WHERE id_number = '{MOTHER}'") == "王芳芳"
    # the old name is now the one that differs
    expect(intake("王芳"), 409, "holder_name_mismatch")
    expect(intake("王芳芳"), 201)


# ---- B. license reuse checks the name -------------------------------------


@case("license reuse at intake checks the holder's name as well as the number")
def _():
    holder = citizen_id("19880808", "345")
    lic = license_id("11100000000013338W002", "11330100002489612G", 99)
    # a valid 居民户口簿 of the number, issued under another name
    app_id = sql("SELECT id FROM applications ORDER BY id LIMIT 1")
    sql("INSERT INTO licenses (id, type_code, type_name, holder_name, "
        "holder_id_number, issuer, issuer_credit_code, application_id, "
        "application_number, issued_at, valid_from, canonical, signature, "
        "key_id, payload) VALUES ("
        f"'{lic}', '11100000000013338W002', '居民户口簿', '李四', '{holder}', "
        "'GA', '11330100002489612G', "
        f"{app_id}, (SELECT number FROM applications WHERE id = {app_id}), "
        "now(), current_date - 1, '{}', '\\x00', "
        "'0000000000000000000000000000000000000000', 'TB1:x')")
    r = expect(intake("李思", number=holder, form=cssj_form(holder),
                      materials=["mother_id_card", "delivery_record"]), 201)
    assert r.json["from_licenses"] == [], r.json["from_licenses"]
    r = expect(intake("李思", number=holder, form=cssj_form(holder),
                      materials=["mother_id_card", "delivery_record",
                                 {"id": "household_register",
                                  "license_id": lic}]), 422, "invalid_request")
    err = r.json["errors"][0]
    assert err["code"] == "license_not_holders" and "name" in err["detail"], err
    sql(f"UPDATE licenses SET holder_name = '李思' WHERE id = '{lic}'")
    r = expect(intake("李思", number=holder, form=cssj_form(holder),
                      materials=["mother_id_card", "delivery_record"]), 201)
    assert [u["license_id"] for u in r.json["from_licenses"]] == [lic], \
        r.json["from_licenses"]


sys.exit(done())
