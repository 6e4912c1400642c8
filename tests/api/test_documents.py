#!/usr/bin/env python3
"""test_documents.py — the documents of an application (issue 13 §1), over
HTTP (started by test_api.c with this script's name and the tongban
binary; TB_TEMPLATES_DIR is the server's own copy of the shipped
templates).

- An enterprise start-up (qykb) accepted with a tolerated gap (容缺) and a
  commitment (告知承诺), returned by two bureaus (their items merged in
  one notice), supplied, approved with licenses and delivered; a food
  license (spjy) refused at the window; another denied by its bureau.
  The list of documents is checked in every state, and each PDF with
  pdftotext: the office, the document's number and date, the applicant's
  name and number, the application number and the kind's own items (the
  due dates, the gaps, every notice item with its reason, the legal
  basis, the rights with their bodies, the license numbers …); pdffonts
  says every font is embedded; the first page of every kind is rendered
  to tests/artifacts/doc-<kind>.png with pdftoppm.
- A kind the application does not have is 404 document_not_found; a
  stranger is 401, a wrong code the tracking's 404, an officer of a
  bureau without a task 403, an administrator 403; the applicant with
  the code reads the list and the PDFs; HEAD answers like GET.
- A changed template file in the server's templates folder shows in the
  next PDF without a restart.

Speaks TAP on stdout. Environment as for test_api.py.
"""
import datetime
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

from tbhttp import (QYKB_MATERIALS, ROOT, case, credit_code, done, expect, flat,
                    http, officer, open_task, org_intake, pdf_text, spjy_form,
                    task_outputs, tok)

CLERK = "clerk1"
HOLDER = credit_code("DC000013")
FOOD_HOLDER = credit_code("DC000021")
NAME = org_intake(HOLDER)["applicant"]["name"]  # tbhttp's enterprise
NS = {"wf": "urn:tongban:workflow:1"}
CST = datetime.timezone(datetime.timedelta(hours=8))
ARTIFACTS = os.path.join(ROOT, "tests", "artifacts")
TEMPLATES = os.environ.get("TB_TEMPLATES_DIR", "")
KINDS = ["acceptance", "notice", "refusal", "denial", "gap", "commitment",
         "approval", "delivery"]


def xml(name):
    return ET.parse(os.path.join(ROOT, "workflows", name)).getroot()


OFFICE = xml("bureaus.xml").find("wf:office", NS).attrib


def commitment_text(service, material):
    m = xml(service + ".xml").find(
        f"wf:materials/wf:material[@id='{material}']", NS)
    return m.find("wf:commitment", NS).text.strip()


def zh_date(iso):
    """'2026-11-30' or an RFC 3339 time (UTC) → 2026年11月30日 (Beijing)."""
    if "T" in iso:
        t = datetime.datetime.fromisoformat(iso.replace("Z", "+00:00"))
        d = t.astimezone(CST).date()
    else:
        d = datetime.date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"


# ---- requests -------------------------------------------------------------

def act(number, action, body):
    r = http("POST", f"/api/v1/applications/{number}/{action}", body,
             token=tok(CLERK))
    return expect(r, 200).json


def view(number):
    return expect(http("GET", f"/api/v1/applications/{number}",
                       token=tok(CLERK)), 200).json


def decide(number, bureau, decision="approve", **extra):
    t = open_task(number, bureau)
    if t["state"] == "open":
        expect(http("POST", f"/api/v1/tasks/{t['id']}/claim", {},
                    token=officer(bureau)), 200)
    body = {"decision": decision, **extra}
    if decision == "approve" and task_outputs(t):
        body["outputs"] = task_outputs(t)
    r = http("POST", f"/api/v1/tasks/{t['id']}/decide", body,
             token=officer(bureau))
    return expect(r, 200).json["application"]


def active(v):
    return sorted(b["bureau"] for b in v["branches"] if b["status"] == "active")


def approve_while(v, n, skip=()):
    """Approve every active branch but those of `skip` until none is left."""
    for _ in range(20):
        todo = [b for b in active(v) if b not in skip]
        if not todo:
            return v
        for b in todo:
            v = decide(n, b)
    raise AssertionError("the review did not end")


def listing(number, token=None, code=None):
    q = f"?code={code}" if code else ""
    r = http("GET", f"/api/v1/applications/{number}/documents{q}",
             token=token if token else (None if code else tok(CLERK)))
    return expect(r, 200).json


def kinds(number):
    return [d["kind"] for d in listing(number)["documents"]]


def pdf(number, kind, token="clerk", code=None):
    q = f"?code={code}" if code else ""
    r = http("GET", f"/api/v1/applications/{number}/documents/{kind}{q}",
             token=tok(CLERK) if token == "clerk" else token)
    expect(r, 200)
    assert r.headers["Content-Type"] == "application/pdf", r.headers
    assert r.headers["Cache-Control"] == "no-store", r.headers
    disp = r.headers["Content-Disposition"]
    assert disp.startswith("inline;") and "filename*=UTF-8''" in disp, disp
    assert r.body.startswith(b"%PDF-"), r.body[:20]
    return r.body


def picture(kind, body):
    os.makedirs(ARTIFACTS, exist_ok=True)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(body)
        f.flush()
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1",
                        "-singlefile", f.name,
                        os.path.join(ARTIFACTS, "doc-" + kind)], check=True)


def has_all(text, *wanted):
    t = flat(text)
    missing = [w for w in wanted if flat(w) not in t]
    assert not missing, (missing, text)


def common_parts(text, number, kind, name, holder, date):
    """What every document carries: the office, a number of its kind, the
    date, the applicant, the application number. The applicant's one
    number is checked at the end, for every kind at once (texts)."""
    has_all(text, OFFICE["name"], name, number, date)
    assert re.search(r"通办\S*字〔\d{4}〕第" + number + "号", flat(text)), text
    texts[kind] = (text, holder)


texts = {}


def document(number, kind, holder, date, name=NAME):
    """The PDF of a kind, its first page pictured, the parts every
    document carries checked; its text."""
    body = pdf(number, kind)
    picture(kind, body)
    text = pdf_text(body)
    common_parts(text, number, kind, name, holder, date)
    return text


def intake(body):
    return expect(http("POST", "/api/v1/applications", body,
                       token=tok(CLERK)), 201).json


state = {}


# ---- the enterprise start-up: acceptance, gap, commitment, notice,
# approval, delivery ----------------------------------------------------------

@case("before acceptance only the commitment exists; the applicant signs it")
def _():
    mats = [m for m in QYKB_MATERIALS if m not in ("premises", "appointment")]
    a = intake(org_intake(HOLDER, materials=mats))
    state["a"] = a
    n = a["number"]
    docs = listing(n)["documents"]
    assert [d["kind"] for d in docs] == ["commitment"], docs
    d = docs[0]
    assert d["title"] == "告知承诺书" and d["reason"], d
    assert d["url"] == f"/api/v1/applications/{n}/documents/commitment", d
    text = pdf_text(pdf(n, "commitment"))
    has_all(text, OFFICE["name"], NAME, n, "住所使用证明",
            commitment_text("qykb", "premises"))


@case("accepted with a gap and a commitment: acceptance, gap and commitment")
def _():
    a = state["a"]
    n = a["number"]
    v = act(n, "accept", {"tolerated": ["appointment"],
                          "committed": ["premises"]})
    state["accepted"] = v
    assert kinds(n) == ["acceptance", "gap", "commitment"], kinds(n)
    mats = {m["id"]: m for m in v["materials"]}
    due = zh_date(mats["appointment"]["due"])
    text = document(n, "acceptance", HOLDER, zh_date(v["accepted_at"]))
    has_all(text, "受理通知书", "企业开办", zh_date(v["deadline"]),
            zh_date(v["statutory_deadline"]), "董事、监事、经理任职文件", due,
            "住所使用证明", a["tracking_code"])
    # the limits in working days, as the definition gives them
    root = xml("qykb.xml")
    has_all(text, root.get("promised-days"), root.get("statutory-days"))
    text = document(n, "gap", HOLDER, zh_date(v["accepted_at"]))
    has_all(text, "容缺受理告知书", "董事、监事、经理任职文件", due)
    # the date is the applicant's to write when signing
    text = document(n, "commitment", HOLDER, "")
    has_all(text, "告知承诺书", commitment_text("qykb", "premises"))


@case("two bureaus return it: one notice with every item and its reason")
def _():
    n = state["a"]["number"]
    v = decide(n, "SCJG")
    v = decide(n, "GA", "return", comment="印章样式不清，请重新提交",
               items=["application"])
    v = decide(n, "SW", "return", comment="章程缺少全体股东签字页",
               items=["articles"])
    v = approve_while(v, n)
    assert v["state"] == "returned", v["state"]
    assert kinds(n) == ["acceptance", "notice", "gap", "commitment"], kinds(n)
    text = document(n, "notice", HOLDER, "")
    has_all(text, "一次性告知书", "公安局", "印章样式不清，请重新提交", "税务局",
            "章程缺少全体股东签字页", "公司登记（备案）申请书", "公司章程",
            OFFICE["address"], OFFICE["hours"])
    v = act(n, "supplement", {"materials": ["application", "articles"]})
    assert v["state"] == "in_review", v["state"]
    # the notice stays: it was handed out
    assert "notice" in kinds(n)


@case("approved once the gap is supplied: the approval with the license numbers")
def _():
    n = state["a"]["number"]
    v = approve_while(view(n), n)
    assert v["state"] == "awaiting_materials", (v["state"], v["branches"])
    assert "approval" not in kinds(n)
    v = act(n, "supplement", {"materials": ["appointment"]})
    assert v["state"] == "approved", v["state"]
    assert kinds(n) == ["acceptance", "notice", "gap", "commitment",
                        "approval"], kinds(n)
    code = state["a"]["tracking_code"]
    t = expect(http("GET", f"/api/v1/track/{n}?code={code}"), 200).json
    state["licenses"] = t["licenses"]
    assert t["licenses"], t
    text = document(n, "approval", HOLDER, zh_date(v["finished_at"]))
    has_all(text, "准予许可决定书", "市场监督管理局",
            *[lic["id"] for lic in t["licenses"]],
            *[lic["name"] for lic in t["licenses"]])
    if any(lic["valid_until"] == "long-term" for lic in t["licenses"]):
        has_all(text, "长期")


@case("delivered: the delivery receipt lists the licenses handed over")
def _():
    n = state["a"]["number"]
    v = act(n, "deliver", {"method": "window"})
    assert v["state"] == "delivered"
    assert kinds(n) == ["acceptance", "notice", "gap", "commitment",
                        "approval", "delivery"], kinds(n)
    text = document(n, "delivery", HOLDER, "")
    has_all(text, "出件回执", "窗口领取",
            *[lic["id"] for lic in state["licenses"]])


# ---- refusal and denial ---------------------------------------------------

def food(materials=None):
    """A food license (spjy) of FOOD_HOLDER with every required material
    unless told otherwise."""
    required = [m.get("id") for m in xml("spjy.xml").iter(f"{{{NS['wf']}}}material")
                if m.get("required") != "false"]
    return intake(org_intake(FOOD_HOLDER, "spjy", form=spjy_form(FOOD_HOLDER),
                             materials=required if materials is None
                             else materials))


def rights_of(bureau=None):
    root = xml("bureaus.xml")
    r = root.find("wf:rights", NS)
    if bureau:
        own = root.find(f"wf:bureau[@code='{bureau}']/wf:rights", NS)
        r = own if own is not None else r
    return r.get("review"), r.get("court")


@case("a refusal at the window: reason, legal basis, 60 days and 6 months with the bodies")
def _():
    a = food(["application"])
    n = a["number"]
    cited = "《中华人民共和国行政许可法》第三十二条第一款第（一）项"
    d = act(n, "reject", {"reason": "申请事项依法不需要取得行政许可",
                          "legal_basis": cited})["decision"]
    assert kinds(n) == ["refusal", "commitment"], kinds(n)
    text = document(n, "refusal", FOOD_HOLDER, zh_date(d["decided_at"]))
    review, court = rights_of()
    has_all(text, "不予受理决定书", "申请事项依法不需要取得行政许可", cited,
            review, court)
    assert re.search("(六十|60)日", flat(text)), text
    assert re.search("(六个月|6个月)", flat(text)), text
    state["refused"] = a


@case("a denial by the bureau: its name, reason, basis and rights")
def _():
    a = food()
    n = a["number"]
    act(n, "accept", {})
    decide(n, "SCJG")
    v = decide(n, "SCJG", "deny", comment="经营场所与污染源距离不符合要求")
    assert v["state"] == "denied", v["state"]
    # accepted without a commitment: no 告知承诺书 any more
    assert kinds(n) == ["acceptance", "denial"], kinds(n)
    text = document(n, "denial", FOOD_HOLDER, zh_date(v["finished_at"]))
    review, court = rights_of("SCJG")
    basis = xml("spjy.xml").find("wf:legal-basis", NS).get("denial")
    has_all(text, "不予许可决定书", "市场监督管理局", "经营场所与污染源距离不符合要求",
            basis, review, court)
    assert re.search("(六十|60)日", flat(text)), text
    state["denied"] = a


# ---- who may, and what is not there -----------------------------------------

@case("a kind the application does not have is 404 naming it; no kind at all too")
def _():
    n = state["refused"]["number"]
    for kind in ("acceptance", "approval", "delivery", "gap", "notice",
                 "denial", "guide", "nonsense"):
        r = http("GET", f"/api/v1/applications/{n}/documents/{kind}",
                 token=tok(CLERK))
        expect(r, 404, "document_not_found")
        assert kind in r.json["detail"], r.json
    r = http("GET", "/api/v1/applications/330100202611309999999/documents",
             token=tok(CLERK))
    assert r.status == 404, r


@case("strangers, wrong codes, other bureaus and administrators are refused")
def _():
    a = state["a"]
    n = a["number"]
    expect(http("GET", f"/api/v1/applications/{n}/documents"), 401,
           "unauthenticated")
    expect(http("GET", f"/api/v1/applications/{n}/documents/acceptance"),
           401, "unauthenticated")
    expect(http("GET", f"/api/v1/applications/{n}/documents?code=WRONG1234"),
           404, "not_found")
    expect(http("GET",
                f"/api/v1/applications/{n}/documents/acceptance?code=WRONG1"),
           404, "not_found")
    # the housing fund bureau has no task in this application
    expect(http("GET", f"/api/v1/applications/{n}/documents",
                token=officer("GJJ")), 403, "wrong_bureau")
    expect(http("GET", f"/api/v1/applications/{n}/documents/approval",
                token=officer("ZJ")), 403, "wrong_bureau")
    expect(http("GET", f"/api/v1/applications/{n}/documents",
                token=tok("admin1")), 403)


@case("the applicant with the code, an officer with a task and the inspector read them")
def _():
    a = state["a"]
    n, code = a["number"], a["tracking_code"]
    mine = listing(n, code=code)["documents"]
    assert [d["kind"] for d in mine] == kinds(n), mine
    assert all(d["url"].endswith("?code=" + code) for d in mine), mine
    text = pdf_text(pdf(n, "acceptance", token=None, code=code))
    has_all(text, NAME, n)
    for token in (officer("GA"), tok("inspector1")):
        assert [d["kind"] for d in listing(n, token=token)["documents"]] == \
            kinds(n)
        text = pdf_text(pdf(n, "approval", token=token))
        has_all(text, n)
        # an officer's or inspector's copy does not print the tracking code
        assert code not in flat(text), text


@case("HEAD of a document answers GET's headers without the body")
def _():
    n = state["a"]["number"]
    r = http("HEAD", f"/api/v1/applications/{n}/documents/acceptance",
             token=tok(CLERK))
    assert r.status == 200 and r.body == b"", r
    assert r.headers["Content-Type"] == "application/pdf", r.headers
    assert int(r.headers["Content-Length"]) > 1000, r.headers


@case("a changed template shows in the next PDF without a restart")
def _():
    assert TEMPLATES and os.path.isdir(TEMPLATES), TEMPLATES
    n = state["a"]["number"]
    path = os.path.join(TEMPLATES, "delivery.tpl")
    with open(path, encoding="utf-8") as f:
        original = f.read()
    marker = "本回执由测试更改模板后生成"
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(original.rstrip("\n") + "\n" + marker + "\n")
        text = pdf_text(pdf(n, "delivery"))
        has_all(text, marker, "出件回执")
    finally:
        with open(path, "w", encoding="utf-8") as f:
            f.write(original)
    text = pdf_text(pdf(n, "delivery"))
    assert flat(marker) not in flat(text), text


@case("every document names the applicant by name and one number")
def _():
    assert sorted(texts) == sorted(KINDS), sorted(texts)
    missing = [k for k, (text, holder) in texts.items()
               if flat(holder) not in flat(text)]
    assert not missing, missing


sys.exit(done())
