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
- same-as="applicant" fields and date bounds relative to the day of intake.
- Branch outputs: 出生一件事's 户口登记 records the newborn's citizen ID on
  approval (required: 422 naming outputs.child_id without it), stored with
  the decision, audited and shown in the application; the newborn's
  出生医学证明, 医保参保凭证 and 社会保障卡 are issued to that number and
  the newborn's name, the 居民户口簿 to the mother.

Speaks TAP on stdout. Environment as for test_api.py.
"""
import sys

from tbhttp import (case, china_today, citizen_id, done, expect, http, officer,
                    open_task, sql, task_outputs, tok)

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


# ---- C. same-as and date bounds relative to today ------------------------


@case("the definition JSON carries same_as and the bound 'today'")
def _():
    d = expect(http("GET", "/api/v1/workflows/cssj"), 200).json
    f = {x["id"]: x for x in d["fields"]}
    assert f["mother_id"]["same_as"] == "applicant", f["mother_id"]
    assert f["father_id"]["same_as"] is None
    assert f["birth_date"]["max"] == "today" and f["birth_date"]["min"] == "2020-01-01"
    d = expect(http("GET", "/api/v1/workflows/sgxk"), 200).json
    f = {x["id"]: x for x in d["fields"]}
    assert f["start_date"]["min"] == "today", f["start_date"]
    assert f["builder_code"]["same_as"] == "applicant"


@case("same-as: a mother_id that is not the applicant's number is refused, naming the field")
def _():
    before = count_apps()
    other = citizen_id("19800101", "555")
    r = expect(intake("王芳芳", form=cssj_form(MOTHER, mother_id=other)), 422,
               "invalid_request")
    assert r.json["errors"][0]["field"] == "form.mother_id", r.json
    assert "applicant" in r.json["errors"][0]["detail"], r.json
    assert count_apps() == before


@case("max='today': a birth date after the day of intake is refused; today is fine")
def _():
    before = count_apps()
    r = expect(intake("王芳芳", form=cssj_form(MOTHER,
                                               birth_date=china_today(2))),
               422, "invalid_request")
    assert r.json["errors"][0]["field"] == "form.birth_date", r.json
    assert "today" in r.json["errors"][0]["detail"], r.json
    assert count_apps() == before
    expect(intake("王芳芳", form=cssj_form(MOTHER, birth_date=china_today())),
           201)


# ---- D. branch outputs ----------------------------------------------------

BABY = citizen_id("20250602", "035")
births = {}


def claim(t, bureau):
    if t["state"] == "open":
        expect(http("POST", f"/api/v1/tasks/{t['id']}/claim", {},
                    token=officer(bureau)), 200)


def decide(number, bureau, body):
    t = open_task(number, bureau)
    claim(t, bureau)
    return http("POST", f"/api/v1/tasks/{t['id']}/decide", body,
                token=officer(bureau))


def app_view(number):
    return expect(http("GET", "/api/v1/applications/" + number,
                       token=tok(CLERK)), 200).json


@case("the definition lists the task's outputs and the licenses' holders")
def _():
    d = expect(http("GET", "/api/v1/workflows/cssj"), 200).json
    home = [b for b in d["steps"] if b["id"] == "household"][0]
    reg = [t for t in home["tasks"] if t["id"] == "register"][0]
    assert [(o["id"], o["type"], o["label"], o["required"])
            for o in reg["outputs"]] == [
        ("child_id", "id-number", "新生儿公民身份号码", True)], reg
    lic = {x["name"]: x["holder"] for x in d["licenses"]}
    assert lic["出生医学证明"] == {"number": "child_id", "name": "baby_name"}, lic
    assert lic["居民户口簿"] is None, lic


@case("户口登记 needs the newborn's citizen ID to approve: 422 naming outputs.child_id")
def _():
    mother = citizen_id("19950505", "226")
    r = expect(intake("赵敏", number=mother,
                      form=cssj_form(mother, baby_name="赵小宝",
                                     mother_name="赵敏")), 201)
    n = r.json["number"]
    births["n"], births["mother"] = n, mother
    expect(http("POST", f"/api/v1/applications/{n}/accept", {},
                token=tok(CLERK)), 200)
    expect(decide(n, "WJ", {"decision": "approve"}), 200)  # 出生信息核验
    r = expect(decide(n, "WJ", {"decision": "approve"}), 422, "invalid_request")
    assert r.json["errors"][0]["field"] == "outputs.certificate_no", r.json
    expect(decide(n, "WJ", {"decision": "approve",  # 签发出生医学证明
                            "outputs": {"certificate_no": "Q330100250001"}}),
           200)
    assert sql("SELECT count(*) FROM licenses WHERE application_number = "
               f"'{n}'") == "0", "no license before the newborn has a number"
    expect(decide(n, "GA", {"decision": "approve"}), 200)  # 户籍审核
    t = open_task(n, "GA")
    assert t["task_id"] == "register" and task_outputs(t) == {
        "child_id": task_outputs(t)["child_id"]}
    r = expect(decide(n, "GA", {"decision": "approve"}), 422, "invalid_request")
    assert r.json["errors"][0]["field"] == "outputs.child_id", r.json
    assert r.json["errors"][0]["code"] == "missing"
    r = expect(decide(n, "GA", {"decision": "approve",
                                "outputs": {"child_id": BABY[:-1] + "0"}}),
               422, "invalid_request")
    assert r.json["errors"][0]["field"] == "outputs.child_id", r.json
    r = expect(decide(n, "GA", {"decision": "approve",
                                "outputs": {"child_id": BABY, "x": "1"}}),
               422, "invalid_request")
    assert r.json["errors"][0]["field"] == "outputs.x", r.json
    r = expect(decide(n, "GA", {"decision": "return", "comment": "请补正",
                                "items": ["photo"],
                                "outputs": {"child_id": BABY}}),
               422, "invalid_request")
    assert r.json["errors"][0]["field"] == "outputs", r.json
    assert open_task(n, "GA")["state"] == "claimed"


@case("the approval records the output: stored, audited, shown in the application")
def _():
    n = births["n"]
    r = expect(decide(n, "GA", {"decision": "approve", "comment": "已落户",
                                "outputs": {"child_id": BABY}}), 200)
    assert r.json["application"]["outputs"]["child_id"] == BABY, r.json
    assert app_view(n)["outputs"] == {"child_id": BABY,
                                      "certificate_no": "Q330100250001"}
    ev = expect(http("GET", f"/api/v1/applications/{n}/events",
                     token=tok(CLERK)), 200).json["events"]
    approve = [e for e in ev if e["action"] == "approve"][-1]
    assert approve["payload"]["outputs"] == {"child_id": BABY}, approve
    assert approve["bureau"] == "GA"
    assert sql("SELECT outputs->>'child_id' FROM tasks t JOIN applications a "
               f"ON a.id = t.application_id WHERE a.number = '{n}' AND "
               "t.task_id = 'register'") == BABY


@case("the newborn's licenses are issued to the newborn's number and name")
def _():
    n = births["n"]
    for _ in range(6):
        v = app_view(n)
        if v["state"] != "in_review":
            break
        for b in [x["bureau"] for x in v["branches"] if x["status"] == "active"]:
            expect(decide(n, b, {"decision": "approve"}), 200)
    assert app_view(n)["state"] == "approved"
    rows = sql("SELECT type_name || '|' || holder_id_number || '|' || "
               "holder_name FROM licenses WHERE application_number = "
               f"'{n}' ORDER BY type_name").splitlines()
    got = {r.split("|")[0]: tuple(r.split("|")[1:]) for r in rows}
    assert got["出生医学证明"] == (BABY, "赵小宝"), got
    assert got["城乡居民基本医疗保险参保凭证"] == (BABY, "赵小宝"), got
    assert got["社会保障卡"] == (BABY, "赵小宝"), got
    assert got["居民户口簿"] == (births["mother"], "赵敏"), got
    # the certificate's number, recorded by 卫健委's approval, is a data item
    canonical = sql("SELECT canonical FROM licenses WHERE application_number "
                    f"= '{n}' AND type_name = '出生医学证明'")
    assert "出生医学证明编号" in canonical and "Q330100250001" in canonical, canonical
    assert sql(f"SELECT name FROM holders WHERE id_number = '{BABY}'") == "赵小宝"
    r = expect(http("GET", "/api/v1/licenses?holder=" + BABY,
                    token=tok(CLERK)), 200).json
    items = r["items"] if isinstance(r, dict) else r
    assert len(items) == 3, items


sys.exit(done())
