#!/usr/bin/env python3
"""test_licenses_api.py — electronic licenses over HTTP (started by
test_api.c with this script's name and the tongban binary).

The business start-up workflow (qykb) run end to end issues a 营业执照;
its payload verifies through POST /api/v1/licenses/verify and through
`tongban license verify --keys DIR`; its QR PNG decodes with zbarimg to a
link to the verification page (the public URL's /v?p=PAYLOAD, whatever the
request's Host) that both verifiers read, and hostile links are refused;
it is listed under the holder's one number, shown on the tracking page, and fills in the matching material of a later food-license
application (spjy) automatically. Revocation is refused to another
bureau's officer and done by the issuing bureau's; verification then says
revoked. A signing failure (the bureau's key file gone) rolls the approval
back. Only the competent bureau issues a type: a license signed with the
public security bureau's trusted key as a 营业执照 is refused by the API and
the CLI with issuer_not_authorized, and a definition that makes that
bureau issue it is not deployed; keys out of date with bureaus.xml (a
certificate without the type) sign nothing and the approval is rolled
back. Speaks TAP on stdout. Environment as for
test_api.py, plus TB_KEYS_DIR, TB_TONGBAN and TB_FORGE (the forger's tool
of tests/licenses).
"""
import base64
import calendar
import glob
import json
import re
import shutil
import socket
import ssl
import threading
import time
import os
import subprocess
import sys
import tempfile
import urllib.parse

from tbhttp import (ADMIN_DB, BASE, QYKB_FORM, QYKB_MATERIALS, ROOT, case,
                    citizen_id, credit_code, done, expect, http,
                    matches_schema, officer, open_task, spjy_form, sql, tok)

KEYS = os.environ["TB_KEYS_DIR"]
TONGBAN = os.environ.get("TB_TONGBAN", "")

COMPANY = credit_code("MA2H7Q51")   # the new enterprise
OTHER = credit_code("MA2H7Q52")     # somebody else
PERSON = citizen_id()


CLERK, ADMIN = "clerk1", "admin1"


# ---- the workflow ------------------------------------------------------------


def create(service, holder, form, materials, status=201):
    body = {"service": service, "channel": "window", "form": form,
            "materials": materials,
            "applicant": {"kind": "organization", "name": "杭州通办科技有限公司",
                          "id_number": holder}}
    r = http("POST", "/api/v1/applications", body, token=tok(CLERK))
    assert r.status == status, r
    return r.json


def app(number):
    return expect(http("GET", "/api/v1/applications/" + number,
                       token=tok(CLERK)), 200).json


def decide(number, bureau, status=200):
    t = open_task(number, bureau)
    if t["state"] == "open":
        expect(http("POST", f"/api/v1/tasks/{t['id']}/claim", {},
                    token=officer(bureau)), 200)
    return http("POST", f"/api/v1/tasks/{t['id']}/decide",
                {"decision": "approve"}, token=officer(bureau))


def approve_until(number, last_bureau=None):
    """Approve every active task; stop before the last one if last_bureau
    is given and it is the only task left (returns True then)."""
    for _ in range(20):
        v = app(number)
        if v["state"] != "in_review":
            return v
        active = [b["bureau"] for b in v["branches"] if b["status"] == "active"]
        if last_bureau and active == [last_bureau]:
            return v
        for b in active:
            if last_bureau and b == last_bureau and len(active) > 1:
                continue
            expect(decide(number, b), 200)
    raise AssertionError("the review did not end")


SPJY_OTHERS = ["application", "legal_rep_id_card", "premises_proof", "layout",
               "manager_training", "equipment", "safety_rules",
               "health_certificates"]

state = {}


def cli_verify(*args, payload=None):
    """`tongban license verify --keys KEYS ARGS… PAYLOAD` (the license's
    payload unless given); the completed process."""
    return subprocess.run([TONGBAN, "license", "verify", "--keys", KEYS,
                           *args, payload or state["payload"]],
                          capture_output=True, text=True, timeout=120)


def list_file(name, body):
    """Write a revocation list answer into the test's folder; its path."""
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(body)
    return path


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


TMP = tempfile.mkdtemp(prefix="tb-revocations-")

# ================================================================== cases


@case("the trust list is public PEM with the root and every bureau")
def _():
    r = expect(http("GET", "/api/v1/trust"), 200)
    assert r.headers["Content-Type"].startswith("application/x-pem-file")
    text = r.body.decode()
    assert text.count("BEGIN CERTIFICATE") >= 13, text.count("BEGIN CERTIFICATE")


@case("business start-up end to end issues a 营业执照 with the approval")
def _():
    a = create("qykb", COMPANY, QYKB_FORM, QYKB_MATERIALS)
    n = a["number"]
    state["qykb"] = a
    expect(http("POST", f"/api/v1/applications/{n}/accept", {},
                token=tok(CLERK)), 200)
    assert sql(f"SELECT count(*) FROM licenses WHERE application_number = '{n}'") == "0"
    v = approve_until(n)
    assert v["state"] == "approved", v["state"]
    rows = sql(f"SELECT id, type_name FROM licenses WHERE application_number = '{n}'")
    assert rows.count("\n") == 0 and rows.endswith("|营业执照"), rows
    state["license_id"] = rows.split("|")[0]


@case("GET /licenses/{id}: the signed license with its data items and payload")
def _():
    lid = state["license_id"]
    j = expect(http("GET", "/api/v1/licenses/" + lid, token=tok(CLERK)), 200).json
    assert j["id"] == lid and j["revoked"] is False, j
    assert lid.startswith("1.2.156.3005.2.11100000MB0143028R001.11330100002489532W.")
    assert j["type"] == {"code": "11100000MB0143028R001", "name": "营业执照"}
    assert j["holder"]["id_number"] == COMPANY and j["issuer"]["code"] == "SCJG"
    assert j["valid_until"] == "long-term" and j["payload"].startswith("TB1:")
    assert j["application"] == state["qykb"]["number"]
    data = dict(j["license"]["data"])
    assert data["企业名称"] == "杭州通办科技有限公司", data
    assert data["企业类型"] == "有限责任公司", data
    assert data["注册资本（元）"] == "1000000.00", data
    assert data["经营范围"] == "软件开发、信息咨询服务", data
    state["payload"] = j["payload"]
    expect(http("GET", "/api/v1/licenses/" + lid), 401)
    expect(http("GET", "/api/v1/licenses/1.2.156.3005.2.X.Y.1.1.Z",
                token=tok(CLERK)), 404, "not_found")


@case("POST /licenses/verify: the payload is valid (public, no login)")
def _():
    r = expect(http("POST", "/api/v1/licenses/verify",
                    {"payload": state["payload"]}), 200)
    j = r.json
    assert j["valid"] is True and j["revoked"] is False and j["reasons"] == [], j
    assert j["revocation_checked"] is True
    assert j["license"]["id"] == state["license_id"]
    bad = state["payload"][:-3] + ("AAA" if not state["payload"].endswith("AAA") else "BBB")
    j = expect(http("POST", "/api/v1/licenses/verify", {"payload": bad}), 200).json
    assert j["valid"] is False and j["reasons"], j
    expect(http("POST", "/api/v1/licenses/verify", {}), 422, "invalid_request")


@case("a license signed by a bureau without authority for its type: issuer_not_authorized")
def _():
    forge = os.environ["TB_FORGE"]
    r = subprocess.run([forge, KEYS, "GA", "11100000MB0143028R001", "营业执照"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    forged = r.stdout.strip()
    j = expect(http("POST", "/api/v1/licenses/verify", {"payload": forged}),
               200).json
    assert j["valid"] is False and j["reasons"] == ["issuer_not_authorized"], j
    assert j["license"]["issuer"]["code"] == "GA", j["license"]
    assert j["license"]["type"]["name"] == "营业执照", j["license"]
    v = subprocess.run([TONGBAN, "license", "verify", "--keys", KEYS, forged],
                       capture_output=True, text=True, timeout=60)
    assert v.returncode == 1, v.stdout + v.stderr
    assert v.stdout.startswith("invalid: issuer_not_authorized\n"), v.stdout
    # the same bureau's own type verifies: the key itself is trusted
    r = subprocess.run([forge, KEYS, "GA", "11100000000013338W002", "居民户口簿"],
                       capture_output=True, text=True, timeout=60)
    j = expect(http("POST", "/api/v1/licenses/verify",
                    {"payload": r.stdout.strip()}), 200).json
    assert j["valid"] is True and j["reasons"] == [], j


@case("a definition making 公安局 issue a 营业执照 is not deployed (FILE:LINE)")
def _():
    text = open(os.path.join(os.environ["TB_SOURCE_ROOT"], "workflows",
                             "qykb.xml"), encoding="utf-8").read()
    lines = text.split("\n")
    at = next(i for i, l in enumerate(lines)
              if 'name="营业执照" bureau="SCJG"' in l)
    lines[at] = lines[at].replace('bureau="SCJG"', 'bureau="GA"')
    bad = re.sub(r'id="qykb" version="\d+"', 'id="qykb" version="9"',
                 "\n".join(lines))
    before = sql("SELECT count(*) FROM definitions")
    r = expect(http("POST", "/api/v1/workflows", raw=bad.encode(),
                    ctype="application/xml", token=tok(ADMIN)), 422,
               "invalid_definition")
    msgs = [e["field"] + ": " + e["detail"] for e in r.json["errors"]]
    assert any(m.startswith(f"line {at + 1}") and "bureau 'GA' (公安局) has no "
               "authority to issue it" in m for m in msgs), msgs
    assert sql("SELECT count(*) FROM definitions") == before


@case("tongban license verify --keys DIR: signature valid, revocation not checked (4)")
def _():
    assert TONGBAN, "no tongban binary given"
    r = subprocess.run([TONGBAN, "license", "verify", "--keys", KEYS,
                        state["payload"]], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 4, r.stdout + r.stderr
    assert r.stdout.startswith("signature valid; revocation not checked\n"), r.stdout
    assert state["license_id"] in r.stdout, r.stdout
    r = cli_verify("--online", BASE)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("valid; not revoked\n"), r.stdout


def zbar(png):
    """The text of the QR code in a PNG (zbarimg)."""
    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        f.write(png)
        f.flush()
        z = subprocess.run(["zbarimg", "-q", "-Sbinary", "--raw", f.name],
                           capture_output=True, timeout=60)
    assert z.returncode == 0, z.stderr
    return z.stdout.decode("ascii").strip()


def link_payload(link):
    """The payload a verification link carries in its one p parameter, as
    the page's URLSearchParams reads it."""
    u = urllib.parse.urlsplit(link)
    q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
    assert list(q) == ["p"] and len(q["p"]) == 1, link
    return u.scheme + "://" + u.netloc + u.path, q["p"][0]


@case("the license QR is a link to the verification page /v?p= with the payload; it verifies")
def _():
    r = expect(http("GET", f"/api/v1/licenses/{state['license_id']}/qr.png",
                    token=tok(CLERK), headers={"Host": "evil.example",
                                               "X-Forwarded-Proto": "https"}),
               200)
    assert r.headers["Content-Type"] == "image/png"
    decoded = zbar(r.body)
    page, payload = link_payload(decoded)
    assert page == BASE + "/v", decoded  # the public URL, never the Host
    assert payload == state["payload"], (payload[:40], state["payload"][:40])
    for text in (decoded, payload):   # the CLI reads both
        v = subprocess.run([TONGBAN, "license", "verify", "--keys", KEYS, text],
                           capture_output=True, text=True, timeout=60)
        assert v.returncode == 4, v.stdout + v.stderr  # revocation not checked
    j = expect(http("POST", "/api/v1/licenses/verify", {"payload": decoded}),
               200).json
    assert j["valid"] is True and j["license"]["id"] == state["license_id"], j
    # the printable license carries the same link
    svg = expect(http("GET", f"/api/v1/licenses/{state['license_id']}.svg",
                      token=tok(CLERK)), 200).body.decode("utf-8")
    assert "<path" in svg


@case("a hostile verification link is refused with invalid_license_link naming what is wrong")
def _():
    p = urllib.parse.quote(state["payload"], safe="")
    for link, why in ((f"{BASE}/v?p={p}&p={p}", "more than one p"),
                      (f"{BASE}/v?q={p}", "no p parameter"),
                      (f"https://user@x.example/v?p={p}", "user information"),
                      (f"{BASE}/v?p={p}#x", "fragment"),
                      (f"{BASE}/v?p=%ZZ", "bad %-escape"),
                      (f"{BASE}/v?p=TB1:%00", "NUL"),
                      (f"{BASE}/v?p=javascript:alert(1)", "not a license payload")):
        r = expect(http("POST", "/api/v1/licenses/verify", {"payload": link}),
                   422, "invalid_license_link")
        assert why in r.json["detail"], (link, r.json)
        assert r.json["errors"][0]["field"] == "payload", r.json
        v = subprocess.run([TONGBAN, "license", "verify", "--keys", KEYS, link],
                           capture_output=True, text=True, timeout=60)
        assert v.returncode == 2 and why in v.stderr, (link, v.stderr)
    # anything else that is no link is still the verifier's: malformed
    j = expect(http("POST", "/api/v1/licenses/verify", {"payload": "nonsense"}),
               200).json
    assert j["valid"] is False and "malformed" in j["reasons"], j


@case("the printable license is an SVG with the Chinese text and a QR code")
def _():
    r = expect(http("GET", f"/api/v1/licenses/{state['license_id']}.svg",
                    token=tok(CLERK)), 200)
    assert r.headers["Content-Type"].startswith("image/svg+xml")
    text = r.body.decode("utf-8")
    assert text.lstrip().startswith("<") and "<svg" in text
    for s in ("营业执照", "市场监督管理局", "杭州通办科技有限公司"):
        assert s in text, s


@case("one number: GET /licenses?holder= lists the holder's licenses")
def _():
    r = expect(http("GET", "/api/v1/licenses?holder=" + COMPANY,
                    token=tok(CLERK)), 200)
    ids = [i["id"] for i in r.json["items"]]
    assert ids == [state["license_id"]], ids
    r = expect(http("GET", "/api/v1/licenses?holder=" + OTHER,
                    token=tok("inspector1")), 200)
    assert r.json["items"] == []
    expect(http("GET", "/api/v1/licenses?holder=123", token=tok(CLERK)), 422)
    expect(http("GET", "/api/v1/licenses", token=tok(CLERK)), 422)


@case("GET /licenses?application= lists the licenses an application issued")
def _():
    n = state["qykb"]["number"]
    r = expect(http("GET", "/api/v1/licenses?application=" + n,
                    token=officer("SCJG")), 200)
    ids = [i["id"] for i in r.json["items"]]
    assert ids == [state["license_id"]], ids
    assert r.json["items"][0]["application"] == n, r.json
    # a well-formed number that issued nothing (or does not exist): none
    other = create("spjy", OTHER, spjy_form(OTHER), SPJY_OTHERS)["number"]
    r = expect(http("GET", "/api/v1/licenses?application=" + other,
                    token=tok(CLERK)), 200)
    assert r.json["items"] == [], r.json
    for q in ("application=123", "application=" + n[:-1] + "Y",
              f"application={n}&holder={COMPANY}"):
        r = expect(http("GET", "/api/v1/licenses?" + q, token=tok(CLERK)),
                   422, "invalid_request")
        assert r.json["errors"][0]["field"] == "application", (q, r.json)
    expect(http("GET", "/api/v1/licenses?application=" + n), 401)


@case("tracking shows the issued license, its payload and that it is valid")
def _():
    a = state["qykb"]
    j = expect(http("GET", f"/api/v1/track/{a['number']}?code={a['tracking_code']}"),
               200).json
    lic = j["licenses"]
    assert len(lic) == 1 and lic[0]["id"] == state["license_id"], lic
    assert lic[0]["name"] == "营业执照" and lic[0]["revoked"] is False
    assert lic[0]["payload"] == state["payload"]
    assert COMPANY not in json.dumps(j)


@case("the applicant gets the license QR and printable license with the tracking code")
def _():
    a = state["qykb"]
    lid, code = state["license_id"], a["tracking_code"]
    misses = lambda: int(sql("SELECT count(*) FROM auth_failures WHERE key LIKE 'track:%'"))
    before = misses()
    r = expect(http("GET", f"/api/v1/licenses/{lid}/qr.png?code={code}"), 200)
    assert r.headers["Content-Type"] == "image/png"
    assert link_payload(zbar(r.body)) == (BASE + "/v", state["payload"])
    r = expect(http("GET", f"/api/v1/licenses/{lid}.svg?code={code}"), 200)
    assert r.headers["Content-Type"].startswith("image/svg+xml")
    assert "营业执照" in r.body.decode("utf-8")
    assert misses() == before
    # a wrong, missing or another application's code looks like an unknown license
    other = create("spjy", OTHER, spjy_form(OTHER), SPJY_OTHERS)["tracking_code"]
    unknown = http("GET", f"/api/v1/licenses/1.2.156.3005.2.X.Y.1.1.Z/qr.png?code={code}")
    expect(unknown, 404, "not_found")
    for path in (f"/api/v1/licenses/{lid}/qr.png?code=WRONG23456",
                 f"/api/v1/licenses/{lid}/qr.png",
                 f"/api/v1/licenses/{lid}/qr.png?code={other}",
                 f"/api/v1/licenses/{lid}.svg?code={code[:-1]}",
                 f"/api/v1/licenses/{lid}.svg"):
        r = http("GET", path)
        assert r.status == 404 and r.body == unknown.body, (path, r)
    assert misses() == before + 6, (before, misses())  # every miss counts
    # a token is still checked when sent: staff need no code, forged ones fail
    expect(http("GET", f"/api/v1/licenses/{lid}/qr.png", token=tok(CLERK)), 200)
    expect(http("GET", f"/api/v1/licenses/{lid}/qr.png?code={code}",
                token="x" * 43), 401)
    sql("DELETE FROM auth_failures")


@case("the receipt's QR code links to the tracking page with the code, at the public URL whatever the Host")
def _():
    a = state["qykb"]
    n, code = a["number"], a["tracking_code"]
    r = expect(http("GET", f"/api/v1/applications/{n}/qr.png?c={code}"), 200)
    assert zbar(r.body) == f"{BASE}/t/{n}?c={code}"
    # Host and X-Forwarded-* of a client that is no trusted proxy change nothing
    r = expect(http("GET", f"/api/v1/applications/{n}/qr.png?c={code}",
                    headers={"Host": "evil.example", "X-Forwarded-Proto": "https",
                             "X-Forwarded-Host": "evil.example"}), 200)
    assert zbar(r.body) == f"{BASE}/t/{n}?c={code}"
    r = expect(http("GET", f"/api/v1/applications/{n}/qr.svg?c={code}",
                    headers={"Host": "evil.example"}), 200)
    assert b"<svg" in r.body
    r = expect(http("GET", f"/api/v1/applications/{n}/qr.svg"), 200)
    assert b"<svg" in r.body
    expect(http("GET", f"/api/v1/applications/{n}/qr.png?c=abc%20def"), 422)
    expect(http("GET", "/api/v1/applications/123/qr.png"), 404)


@case("a later application gets the 营业执照 material filled in from the license")
def _():
    a = create("spjy", COMPANY, spjy_form(COMPANY), SPJY_OTHERS)
    used = a["from_licenses"]
    assert used == [{"material": "business_license",
                     "license_id": state["license_id"], "automatic": True}], used
    m = {x["id"]: x for x in a["materials"]}
    assert m["business_license"]["status"] == "from_license", m
    st = sql("SELECT state->>'from_license' FROM applications WHERE number = "
             f"'{a['number']}'")
    assert st not in ("", "0"), st
    # named explicitly: accepted too
    mats = SPJY_OTHERS + [{"id": "business_license",
                           "license_id": state["license_id"]}]
    a = create("spjy", COMPANY, spjy_form(COMPANY), mats)
    assert a["from_licenses"][0]["automatic"] is False
    # another holder has no license: nothing is filled in
    a = create("spjy", OTHER, dict(spjy_form(COMPANY), credit_code=OTHER), SPJY_OTHERS)
    assert a["from_licenses"] == [], a["from_licenses"]


@case("intake refuses a license of another holder, of the wrong type, unknown")
def _():
    before = sql("SELECT count(*) FROM applications")
    cases = [
        (OTHER, "business_license", state["license_id"], "license_not_holders"),
        (COMPANY, "legal_rep_id_card", state["license_id"], "license_wrong_type"),
        (COMPANY, "business_license",
         state["license_id"][:-1] + ("0" if state["license_id"][-1] != "0" else "1"),
         "license_not_found"),
    ]
    for holder, mat, lid, code in cases:
        mats = [m for m in SPJY_OTHERS if m != mat] + [{"id": mat, "license_id": lid}]
        r = create("spjy", holder, dict(spjy_form(COMPANY), credit_code=holder), mats,
                   status=422)
        errs = {e["field"]: e["code"] for e in r["errors"]}
        field = f"materials[{len(mats) - 1}].license_id"
        assert errs.get(field) == code, (code, errs)
    assert sql("SELECT count(*) FROM applications") == before


@case("GET /api/v1/revocations before the revocation: the license is not on it")
def _():
    r = expect(http("GET", "/api/v1/revocations"), 200)
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    env = r.json
    listed = json.loads(env["list"])
    assert listed["format"] == "tongban-revocations/1", listed
    assert state["license_id"] not in [e["id"] for e in listed["revoked"]]
    state["list_before"] = list_file("before.json", r.body)
    v = cli_verify("--revocations", state["list_before"])
    assert v.returncode == 0, v.stdout + v.stderr
    assert v.stdout.startswith("valid; not revoked\n"), v.stdout
    assert re.search(r"^revocation list of \d{4}-\d\d-\d\d \d\d:\d\d UTC, 0 hours old",
                     v.stdout, re.M), v.stdout


@case("revocation: another bureau's officer is refused (403)")
def _():
    lid = state["license_id"]
    r = http("POST", f"/api/v1/licenses/{lid}/revoke", {"reason": "测试"},
             token=officer("GA"))
    expect(r, 403, "wrong_bureau")
    r = http("POST", f"/api/v1/licenses/{lid}/revoke", {"reason": "测试"},
             token=tok(CLERK))
    expect(r, 403)
    assert sql(f"SELECT revoked_at IS NULL FROM licenses WHERE id = '{lid}'") == "t"


@case("revocation by the issuing bureau is audited; verify then says revoked")
def _():
    lid = state["license_id"]
    expect(http("POST", f"/api/v1/licenses/{lid}/revoke", {},
                token=officer("SCJG")), 422, "invalid_request")
    r = expect(http("POST", f"/api/v1/licenses/{lid}/revoke",
                    {"reason": "营业执照被依法吊销"}, token=officer("SCJG")), 200)
    j = r.json
    assert j["revoked"] is True and j["revocation_reason"] == "营业执照被依法吊销", j
    assert j["revoked_by"] == "officer-SCJG"
    expect(http("POST", f"/api/v1/licenses/{lid}/revoke", {"reason": "again"},
                token=tok(ADMIN)), 409, "already_revoked")
    v = expect(http("POST", "/api/v1/licenses/verify",
                    {"payload": state["payload"]}), 200).json
    assert v["valid"] is False and v["revoked"] is True, v
    assert "revoked" in v["reasons"], v
    n = state["qykb"]["number"]
    ev = expect(http("GET", f"/api/v1/applications/{n}/events",
                     token=tok("inspector1")), 200).json["events"]
    last = ev[-1]
    assert last["action"] == "revoke_license" and last["actor"] == "officer-SCJG", last
    assert last["payload"]["license"] == lid
    if TONGBAN:
        r = subprocess.run([TONGBAN, "audit", "verify", n, "--db", ADMIN_DB],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stdout + r.stderr
    a = state["qykb"]
    t = expect(http("GET", f"/api/v1/track/{n}?code={a['tracking_code']}"), 200).json
    assert t["licenses"][0]["revoked"] is True


@case("a revoked license is no longer reused at intake")
def _():
    a = create("spjy", COMPANY, spjy_form(COMPANY), SPJY_OTHERS)
    assert a["from_licenses"] == [], a["from_licenses"]
    mats = SPJY_OTHERS + [{"id": "business_license",
                           "license_id": state["license_id"]}]
    r = create("spjy", COMPANY, spjy_form(COMPANY), mats, status=422)
    assert {e["code"] for e in r["errors"]} == {"license_revoked"}, r


def waiting_for_rs(org8):
    """A business start-up application every bureau but RS has approved:
    RS's approval is the one that issues the 营业执照."""
    a = create("qykb", credit_code(org8), QYKB_FORM, QYKB_MATERIALS)
    n = a["number"]
    expect(http("POST", f"/api/v1/applications/{n}/accept", {},
                token=tok(CLERK)), 200)
    v = approve_until(n, last_bureau="RS")
    assert v["state"] == "in_review", v["state"]
    return n


def last_approval_rolled_back(n):
    """RS claims and approves, the license cannot be signed: a 5xx problem,
    and nothing of the approval is stored."""
    t = open_task(n, "RS")
    expect(http("POST", f"/api/v1/tasks/{t['id']}/claim", {},
                token=officer("RS")), 200)
    events = sql(f"SELECT count(*) FROM audit_events e JOIN applications a "
                 f"ON a.id = e.application_id WHERE a.number = '{n}'")
    r = decide(n, "RS")
    assert r.status in (500, 503), r
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert app(n)["state"] == "in_review"
    assert sql(f"SELECT count(*) FROM licenses WHERE application_number = '{n}'") == "0"
    assert sql(f"SELECT count(*) FROM audit_events e JOIN applications a "
               f"ON a.id = e.application_id WHERE a.number = '{n}'") == events
    assert open_task(n, "RS")["state"] == "claimed"


def last_approval_goes_through(n):
    expect(decide(n, "RS"), 200)
    assert app(n)["state"] == "approved"
    assert sql(f"SELECT count(*) FROM licenses WHERE application_number = '{n}'") == "1"


@case("a signing failure rolls the approval back; it succeeds once fixed")
def _():
    n = waiting_for_rs("MA2H7Q53")
    keys = sorted(glob.glob(os.path.join(KEYS, "issuing", "SCJG.*.key")))
    assert keys, os.listdir(os.path.join(KEYS, "issuing"))
    moved = [(k, k + ".away") for k in keys]
    for k, away in moved:
        os.rename(k, away)
    try:
        last_approval_rolled_back(n)
    finally:
        for k, away in moved:
            os.rename(away, k)
    last_approval_goes_through(n)


@case("the revocation is in the next GET /api/v1/revocations at once")
def _():
    r = expect(http("GET", "/api/v1/revocations"), 200)
    listed = json.loads(r.json["list"])
    entry = [e for e in listed["revoked"] if e["id"] == state["license_id"]]
    assert entry and entry[0]["reason"] == "营业执照被依法吊销", listed
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry[0]["revoked_at"])
    ids = [e["id"] for e in listed["revoked"]]
    assert ids == sorted(ids), ids
    this = time.strptime(listed["this_update"], "%Y-%m-%dT%H:%M:%SZ")
    nxt = time.strptime(listed["next_update"], "%Y-%m-%dT%H:%M:%SZ")
    assert calendar.timegm(nxt) - calendar.timegm(this) == 86400, listed
    state["list_after"] = list_file("after.json", r.body)
    state["envelope"] = r.json


@case("the revocation list is canonical JSON signed by the platform (python + openssl)")
def _():
    env = state["envelope"]
    assert set(env) == {"key_id", "list", "signature"}, env
    data = env["list"].encode("utf-8")
    canon = json.dumps(json.loads(data), ensure_ascii=False, sort_keys=True,
                       separators=(",", ":")).encode("utf-8")
    assert canon == data, (canon[:200], data[:200])
    trust = expect(http("GET", "/api/v1/trust"), 200).body.decode()
    certs = re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n?",
                       trust, re.S)
    found = None
    for i, pem in enumerate(certs):
        path = list_file(f"cert{i}.pem", pem.encode())
        x = subprocess.run(["openssl", "x509", "-in", path, "-noout", "-subject",
                            "-ext", "subjectKeyIdentifier"],
                           capture_output=True, text=True, check=True)
        ski = re.search(r"([0-9A-F]{2}(?::[0-9A-F]{2}){19})", x.stdout)
        if ski and ski.group(1).replace(":", "").lower() == env["key_id"]:
            found, subject = path, x.stdout
    assert found, "no certificate of the trust list has the list's key id"
    assert "OU=PLATFORM" in subject.replace(" ", "") and "revocations" in subject, subject
    pub = os.path.join(TMP, "revocations-pub.pem")
    subprocess.run(["openssl", "x509", "-in", found, "-noout", "-pubkey", "-out", pub],
                   check=True)
    sig = list_file("list.sig", b64url_decode(env["signature"]))
    body = list_file("list.json", data)
    ok = subprocess.run(["openssl", "dgst", "-sm3", "-verify", pub, "-sigopt",
                         "distid:1234567812345678", "-signature", sig, body],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and "Verified OK" in ok.stdout, ok.stdout + ok.stderr
    forged = list_file("forged.json", data.replace("营业执照被依法吊销".encode(),
                                                   "营业执照未被吊销".encode()))
    bad = subprocess.run(["openssl", "dgst", "-sm3", "-verify", pub, "-sigopt",
                          "distid:1234567812345678", "-signature", sig, forged],
                         capture_output=True, text=True)
    assert bad.returncode != 0, bad.stdout


@case("HEAD /api/v1/revocations answers like GET, without the body")
def _():
    r = expect(http("HEAD", "/api/v1/revocations"), 200)
    assert r.headers["Content-Type"].startswith("application/json")
    assert int(r.headers["Content-Length"]) > 100, r.headers
    assert r.body == b""


@case("GET /api/v1/revocations matches its OpenAPI schema")
def _():
    with open(state["list_after"], encoding="utf-8") as f:
        matches_schema("/api/v1/revocations", json.load(f))


@case("tongban license verify: a revoked license offline is 4, with a list 3, online 3")
def _():
    r = cli_verify()
    assert r.returncode == 4, r.stdout + r.stderr
    assert "signature valid; revocation not checked" in r.stdout, r.stdout
    j = json.loads(cli_verify("--json").stdout)
    assert j["status"] == "revocation_not_checked" and j["valid"] is True, j
    assert j["revocation"]["checked"] is False and "not checked" in j["revocation"]["note"]
    r = cli_verify("--revocations", state["list_after"])
    assert r.returncode == 3, r.stdout + r.stderr
    assert r.stdout.startswith("revoked (the signature is valid)\n"), r.stdout
    assert "营业执照被依法吊销" in r.stdout, r.stdout
    assert re.search(r"^revocation list of .+ UTC, 0 hours old \(1 revoked",
                     r.stdout, re.M), r.stdout
    r = cli_verify("--online", BASE + "/")
    assert r.returncode == 3 and "营业执照被依法吊销" in r.stdout, r.stdout + r.stderr
    j = json.loads(cli_verify("--json", "--online", BASE).stdout)
    assert j["status"] == "revoked" and j["revoked"] is True, j
    assert j["revocation"]["source"] == "online" and j["revocation"]["stale"] is False, j
    # the list from before the revocation does not know it yet
    r = cli_verify("--revocations", state["list_before"])
    assert r.returncode == 0, r.stdout + r.stderr


@case("tongban license verify: an old list is used with its age and a warning")
def _():
    clock = int(time.time()) - 50 * 3600
    r = expect(http("GET", "/api/v1/revocations",
                    headers={"X-Tongban-Clock": str(clock)}), 200)
    listed = json.loads(r.json["list"])
    assert listed["this_update"] == time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                  time.gmtime(clock)), listed
    old = list_file("old.json", r.body)
    v = cli_verify("--revocations", old)
    assert v.returncode == 3, v.stdout + v.stderr
    day = time.strftime("%Y-%m-%d %H:%M", time.gmtime(clock))
    assert f"revocation list of {day} UTC, 50 hours old" in v.stdout, v.stdout
    assert "warning: the revocation list is past its next update" in v.stderr, v.stderr
    j = json.loads(cli_verify("--json", "--revocations", old).stdout)
    assert j["revocation"]["stale"] is True and j["revocation"]["age_hours"] == 50, j


@case("tongban license verify: a tampered, unsigned or unreachable list is 2")
def _():
    env = dict(state["envelope"])
    env["list"] = env["list"].replace("营业执照被依法吊销", "撤销原因已改")
    v = cli_verify("--revocations", list_file("tampered.json",
                                              json.dumps(env).encode()))
    assert v.returncode == 2, v.stdout + v.stderr
    assert "revocation list" in v.stderr and "refused" in v.stderr, v.stderr
    assert "signature does not match" in v.stderr, v.stderr
    env = dict(state["envelope"], list=json.dumps(json.loads(env["list"])))
    v = cli_verify("--revocations", list_file("spaced.json", json.dumps(env).encode()))
    assert v.returncode == 2 and "refused" in v.stderr, v.stderr
    v = cli_verify("--revocations", list_file("junk.json", b"\x00not json"))
    assert v.returncode == 2 and "not json" in v.stderr, v.stderr
    v = cli_verify("--revocations", os.path.join(TMP, "missing.json"))
    assert v.returncode == 2 and "cannot open" in v.stderr, v.stderr
    v = cli_verify("--online", "http://127.0.0.1:1")
    assert v.returncode == 2 and "could not connect" in v.stderr, v.stderr
    v = cli_verify("--online", BASE + "/nothing-here")
    assert v.returncode == 2 and "answered 404" in v.stderr, v.stderr
    v = cli_verify("--online", "ftp://127.0.0.1:1")
    assert v.returncode == 2 and "must start with http:// or https://" in v.stderr, v.stderr
    v = cli_verify("--online", BASE + "/?x=1")
    assert v.returncode == 2 and "no query or fragment" in v.stderr, v.stderr
    v = cli_verify("--online", BASE.replace("://", "://user:secret@", 1))
    assert v.returncode == 2 and "no user name or password" in v.stderr, v.stderr
    v = cli_verify("--online", BASE, "--revocations", state["list_after"])
    assert v.returncode == 2 and "usage" in v.stderr, v.stderr


def serve_answers(answers, tls=None):
    """A server on 127.0.0.1 that, one connection at a time, reads the
    request and sends the next of answers (bytes), then closes; over TLS
    when tls (an ssl.SSLContext) is given. (port, stop): stop() waits for
    it and closes it. A client that hangs up early is no error."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def serve():
        for answer in answers:
            conn, _ = srv.accept()
            try:
                if tls:
                    conn = tls.wrap_socket(conn, server_side=True)
                conn.recv(65536)
                conn.sendall(answer)
            except OSError:
                pass
            finally:
                conn.close()
    t = threading.Thread(target=serve, daemon=True)
    t.start()

    def stop():
        t.join(timeout=60)
        srv.close()
    return srv.getsockname()[1], stop


# TB_LICENSE_MAX_REVOCATIONS_FILE (electronic-licenses/tb_license.h)
MAX_LIST = 8 * 1024 * 1024


@case("tongban license verify --online: a hostile server's answers are refused (2)")
def _():
    big = b"X: " + b"y" * 200000 + b"\r\n"
    answers = [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n{}", "cut short"),
        (b"SSH-2.0-OpenSSH\r\n", "not valid http"),
        (b"HTTP/1.1 2000 OK\r\n\r\n{}", "not valid http"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n{}", "not valid http"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
         "could not read the answer"),
        (b"", "without an answer"),
        (b"HTTP/1.1 200 OK\r\n" + b"X: " + b"y" * 20000 + b"\r\n\r\n{}",
         "headers are too large"),
        (b"HTTP/1.1 200 OK\r\n" + big + b"\r\n{}", "headers are too large"),
        (b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 5000 + b"\r\n{}",
         "headers are too large"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n{}" % (MAX_LIST + 1),
         "too large"),
        (b"HTTP/1.0 200 OK\r\n\r\n" + b" " * (MAX_LIST + 1), "too large"),
        (b"HTTP/1.1 301 Moved\r\nLocation: http://127.0.0.1:1/\r\n"
         b"Content-Length: 0\r\n\r\n", "answered 301"),
        (b"HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnone", "answered 404"),
        (b"HTTP/1.1 200 OK\r\n\r\n" + b"[" * 100000, "refused"),
        (b"HTTP/1.0 200 OK\r\n\r\n{\"key_id\":1}", "refused"),
        # chunked is HTTP/1.1: the transfer is fine, the list parser refuses
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
         "refused"),
    ]
    port, stop = serve_answers([a for a, _ in answers])
    try:
        for answer, words in answers:
            v = cli_verify("--online", f"http://127.0.0.1:{port}")
            assert v.returncode == 2, (answer[:40], v.stdout, v.stderr)
            assert words in v.stderr, (answer[:40], v.stderr)
            assert "curl" not in v.stderr.lower(), v.stderr
    finally:
        stop()


@case("tongban license verify --online: the signed list chunked or close-delimited is used (3)")
def _():
    with open(state["list_after"], "rb") as f:
        signed = f.read()
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(signed[i:i + 100]), signed[i:i + 100])
                       for i in range(0, len(signed), 100))
    answers = [
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + chunked + b"0\r\n\r\n",
        b"HTTP/1.0 200 OK\r\n\r\n" + signed,
    ]
    port, stop = serve_answers(answers)
    try:
        for answer in answers:
            v = cli_verify("--online", f"http://127.0.0.1:{port}")
            assert v.returncode == 3, (answer[:80], v.stdout, v.stderr)
            assert v.stdout.startswith("revoked (the signature is valid)\n"), v.stdout
    finally:
        stop()


@case("tongban license verify --online https://: a plain-http port or an untrusted certificate is 2")
def _():
    https = BASE.replace("http://", "https://", 1)
    v = cli_verify("--online", https)
    assert v.returncode == 2, v.stdout + v.stderr
    assert "tls handshake failed" in v.stderr, v.stderr
    key, crt = os.path.join(TMP, "tls.key"), os.path.join(TMP, "tls.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key, "-out", crt, "-days", "1",
                    "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(crt, key)
    port, stop = serve_answers([b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"],
                               tls=tls)
    try:
        v = cli_verify("--online", f"https://127.0.0.1:{port}")
        assert v.returncode == 2, v.stdout + v.stderr
        assert "certificate cannot be verified" in v.stderr, v.stderr
    finally:
        stop()
    shutil.rmtree(TMP, ignore_errors=True)


@case("keys out of date with bureaus.xml: the license is not signed, the approval is rolled back")
def _():
    # keys init with a bureaus.xml that no longer grants SCJG the 营业执照
    # rotates SCJG's key to a certificate without that type: signing is
    # refused (not_authorized), the approval rolled back; keys init with
    # the real grants rotates again and the approval goes through.
    shipped = os.path.join(os.environ["TB_SOURCE_ROOT"], "workflows",
                           "bureaus.xml")
    text = open(shipped, encoding="utf-8").read()
    grant = '<issues type-code="11100000MB0143028R001" name="营业执照"/>'
    assert grant in text
    n = waiting_for_rs("MA2H7Q54")
    with tempfile.TemporaryDirectory() as d:
        narrow = os.path.join(d, "bureaus.xml")
        with open(narrow, "w", encoding="utf-8") as f:
            f.write(text.replace(grant, ""))
        k = subprocess.run([TONGBAN, "keys", "init", "--dir", KEYS,
                            "--bureaus", narrow, "--unencrypted"],
                           capture_output=True,
                           text=True, timeout=60)
        assert k.returncode == 0, k.stdout + k.stderr
        assert "(1 of them rotated for changed license grants)" in k.stdout, k.stdout
    last_approval_rolled_back(n)
    k = subprocess.run([TONGBAN, "keys", "init", "--dir", KEYS, "--bureaus",
                        shipped, "--unencrypted"], capture_output=True,
                       text=True, timeout=60)
    assert k.returncode == 0, k.stdout + k.stderr
    assert "(1 of them rotated for changed license grants)" in k.stdout, k.stdout
    last_approval_goes_through(n)


sys.exit(done())
