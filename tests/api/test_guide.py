"""test_guide.py — the service guide (办事指南, issue 13 §2) over HTTP
(started by test_api.c with this script's name and the tongban binary).

- Every shipped definition's guide: each field of its <guide> (code,
  kind, legal basis, conditions, fees, where and when, phones, delivery
  methods, written steps) and what the rest of the definition gives
  (limits, materials with their notes, derived steps, bureaus, licenses),
  compared with the XML file itself; anyone may read it, a token too.
- An unknown service is 404 not_found.
- GET …/guide.pdf: every shipped guide as a PDF (pdftotext: the office,
  every section's texts; pdffonts: every font embedded); 404 likewise;
  503 documents_unavailable while the stored bureau list has no <office>.
- A definition deployed through the API changes the guide at once, in
  the JSON and the PDF (fees with amounts, a new phone number, a new
  condition); a guide with problems is refused with 422 and each problem
  at its line.

Speaks TAP on stdout. Environment as for test_api.py.
"""
import os
import re
import sys
import xml.etree.ElementTree as ET

from tbhttp import ROOT, case, done, expect, flat, http, pdf_text, sql, tok

NS = {"wf": "urn:tongban:workflow:1"}
ADMIN = "admin1"
SHIPPED = ["qykb", "sgxk", "spjy", "cssj"]
BUREAUS = {b.get("code"): b.get("name") for b in ET.parse(
    os.path.join(ROOT, "workflows", "bureaus.xml")).getroot().findall(
        "wf:bureau", NS)}
DELIVERY_NAMES = {"window": "窗口领取", "post": "邮寄送达", "electronic": "电子送达"}


def shipped_text(service):
    with open(os.path.join(ROOT, "workflows", service + ".xml"), "rb") as f:
        return f.read()


def texts(guide, name):
    return [e.text.strip() for e in guide.findall("wf:" + name, NS)]


def guide_of(service, token=None):
    return expect(http("GET", f"/api/v1/workflows/{service}/guide",
                       token=token), 200).json


def check_guide_part(g, guide):
    """The parts of the JSON that come from <guide> itself."""
    assert g.get("code") == guide.get("code"), (g.get("code"), guide.get("code"))
    assert g["kind"] == guide.get("kind")
    assert g["legal_basis"] == [{"text": t} for t in texts(guide, "basis")]
    assert g["conditions"] == [{"text": t} for t in texts(guide, "condition")]
    fees = guide.find("wf:fees", NS)
    assert g["fees"]["free"] == (fees.get("free") == "true")
    assert [(f["name"], f["basis"]) for f in g["fees"]["items"]] == \
        [(f.get("name"), f.get("basis")) for f in fees.findall("wf:fee", NS)]
    where = guide.find("wf:where", NS)
    assert g["where"] == {"address": where.get("address"),
                          "hours": where.get("hours")}
    contact = guide.find("wf:contact", NS)
    assert g["contact"] == {"consult": contact.get("consult"),
                            "complain": contact.get("complain")}
    methods = guide.findall("wf:delivery-method", NS)
    assert g["delivery"] == [{"kind": m.get("kind"),
                              "name": DELIVERY_NAMES[m.get("kind")],
                              "detail": m.text.strip()} for m in methods]
    steps = guide.findall("wf:step", NS)
    if steps:
        assert g["steps"] == [{"name": s.get("name"), "detail": s.text.strip()}
                              for s in steps]


# how the guide reads a step with several signers (api_guide.c)
SIGN_WORDS = {"all": "实行会签", "any": "实行或签", "sequence": "由多人依次审核",
              "vote": "实行票签表决"}


def check_derived_steps(g, root):
    """Without <step>: 申请, 受理, 审查 naming every branch and its
    bureau, 决定, 送达."""
    assert [s["name"] for s in g["steps"]] == ["申请", "受理", "审查", "决定", "送达"]
    review = g["steps"][2]["detail"]
    branches = root.find("wf:review", NS).findall("wf:branch", NS)
    names = {b.get("id"): b.get("name") for b in branches}
    for b in branches:
        days = sum(int(t.get("days")) for t in b.findall("wf:task", NS))
        line = f"{b.get('name')}：{BUREAUS[b.get('bureau')]}，{days}个工作日"
        if b.get("after"):
            waits = b.get("after").split()  # named in branch order
            line += "，在" + "、".join(n for i, n in names.items()
                                      if i in waits) + "之后"
        assert line in review, (line, review)
        for t in b.findall("wf:task", NS):  # 会签 and the others, by name
            word = SIGN_WORDS.get(t.get("sign", "one"))
            assert not word or t.get("name") + word in review, (word, review)
    parallel = "各部门并联审查，互不等待"
    assert (parallel in review) == (len(branches) > 1 and not any(
        b.get("after") for b in branches)), review


def check_definition_part(g, root):
    """The parts of the JSON that the rest of the definition gives."""
    assert g["id"] == root.get("id") and g["version"] == int(root.get("version"))
    assert g["name"] == root.find("wf:name", NS).text.strip()
    assert g["limits"] == {"statutory_days": int(root.get("statutory-days")),
                           "promised_days": int(root.get("promised-days")),
                           "immediate": root.get("immediate") == "true"}
    assert g["online"] == (root.get("online", "true") == "true")
    assert g["applicant"] == {"person": "自然人", "organization": "法人和其他组织",
                              "either": "自然人、法人和其他组织"}[root.get("applicant")]
    mats = root.find("wf:materials", NS).findall("wf:material", NS)
    assert [m["name"] for m in g["materials"]] == [m.get("name") for m in mats]
    for m, x in zip(g["materials"], mats):
        assert m["required"] == (x.get("required", "true") == "true")
        assert m["tolerate_days"] == int(x.get("tolerate-days", "0"))
        assert m["commitment"] == (x.get("commitment") == "true")
        assert m["shared"] == (x.get("license-type") is not None)
        if m["tolerate_days"]:
            assert f"{m['tolerate_days']}个工作日内补齐" in m["note"], m
        assert ("可告知承诺" in m["note"]) == m["commitment"], m
        assert ("免于提交" in m["note"]) == m["shared"], m
    codes = []
    for b in root.find("wf:review", NS).findall("wf:branch", NS):
        if b.get("bureau") not in codes:
            codes.append(b.get("bureau"))
    assert g["bureaus"] == [{"code": c, "name": BUREAUS[c]} for c in codes]
    result = root.find("wf:result", NS)
    lic = result.findall("wf:license", NS) if result is not None else []
    assert g["results"] == [{"name": x.get("name"),
                             "bureau": BUREAUS[x.get("bureau")]} for x in lic]


for service in SHIPPED:
    @case(f"guide of the shipped {service}: every field, as in its file")
    def _(service=service):
        root = ET.fromstring(shipped_text(service))
        g = guide_of(service)
        guide = root.find("wf:guide", NS)
        assert guide is not None, f"{service}.xml has no <guide>"
        check_guide_part(g, guide)
        check_definition_part(g, root)
        if not guide.findall("wf:step", NS):
            check_derived_steps(g, root)


OFFICE = ET.parse(os.path.join(ROOT, "workflows", "bureaus.xml")).getroot(
).find("wf:office", NS)


def guide_pdf(service):
    r = expect(http("GET", f"/api/v1/workflows/{service}/guide.pdf"), 200)
    assert r.headers["Content-Type"] == "application/pdf", r.headers
    assert r.body.startswith(b"%PDF-"), r.body[:20]
    return pdf_text(r.body)


def missing_parts(text, g):
    """What of the guide g the PDF's text lacks (white space ignored)."""
    wanted = ["办事指南", "扫码查看办事指南", OFFICE.get("name"), g["name"],
              g["kind"], g["code"], g["applicant"], g["contact"]["consult"],
              g["contact"]["complain"], g["where"]["address"],
              f"{g['limits']['statutory_days']}个工作日",
              *(x["text"] for x in g["legal_basis"] + g["conditions"]),
              *(m["name"] for m in g["materials"]),
              *(s["name"] for s in g["steps"]),
              *(d["name"] for d in g["delivery"]),
              *(b["name"] for b in g["bureaus"]),
              *(x["name"] for x in g["results"])]
    t = flat(text)
    return [w for w in wanted if flat(w) not in t]


for service in SHIPPED:
    @case(f"guide.pdf of the shipped {service}: every section, fonts embedded")
    def _(service=service):
        g = guide_of(service)
        text = guide_pdf(service)
        missing = missing_parts(text, g)
        assert not missing, (missing, text)


@case("guide.pdf: an unknown service is 404 not_found")
def _():
    expect(http("GET", "/api/v1/workflows/nope/guide.pdf"), 404, "not_found")


@case("guide: staff read the same guide with a token")
def _():
    assert guide_of("spjy", tok("clerk1")) == guide_of("spjy")
    assert guide_of("qykb", tok(ADMIN)) == guide_of("qykb")


@case("guide: an unknown service is 404 not_found")
def _():
    expect(http("GET", "/api/v1/workflows/nope/guide"), 404, "not_found")
    expect(http("GET", "/api/v1/workflows/" + "x" * 80 + "/guide"), 404,
           "not_found")
    r = expect(http("POST", "/api/v1/workflows/spjy/guide", raw=b"",
                    ctype="application/json"), 405)
    assert "GET" in r.headers["Allow"]


def next_version(service, text):
    shipped = int(re.search(rb'id="%s" version="(\d+)"' % service.encode(),
                            text).group(1))
    current = guide_of(service)["version"]
    new = max(shipped, current) + 1
    return re.sub(rb'(id="%s" version=")\d+"' % service.encode(),
                  rb'\g<1>%d"' % new, text), new


def deploy(xml, status=201):
    return expect(http("POST", "/api/v1/workflows", raw=xml,
                       ctype="application/xml", token=tok(ADMIN)), status)


@case("guide: a deployed definition changes the JSON and the PDF at once")
def _():
    text, version = next_version("spjy", shipped_text("spjy"))
    text = text.replace(
        b'<fees free="true"/>',
        '<fees><fee name="许可证工本费" amount="12.5" basis="浙价费〔2026〕1号"/>'
        '<fee name="邮寄费" amount="8" basis="自愿选择"/></fees>'.encode())
    text = text.replace(b'consult="0571-85253456"', b'consult="0571-86660001"')
    text = text.replace(
        b'<fees>', '<condition>经营场所已通过消防安全检查。</condition>\n    '
        '<fees>'.encode(), 1)
    deploy(text)
    g = guide_of("spjy")
    assert g["version"] == version
    assert g["fees"] == {"free": False, "items": [
        {"name": "许可证工本费", "amount": "12.50", "basis": "浙价费〔2026〕1号"},
        {"name": "邮寄费", "amount": "8.00", "basis": "自愿选择"}]}, g["fees"]
    assert g["contact"]["consult"] == "0571-86660001"
    assert g["conditions"][-1] == {"text": "经营场所已通过消防安全检查。"}
    text = guide_pdf("spjy")
    assert not missing_parts(text, g), missing_parts(text, g)
    assert flat("许可证工本费：12.50元（收费依据：浙价费〔2026〕1号）") in flat(text)
    assert "0571-85253456" not in text and "0571-86660001" in text


@case("guide: a definition without <guide> still has limits, materials, "
      "derived steps and delivery")
def _():
    text = shipped_text("sgxk")
    text = re.sub(rb"\s*<!-- the service guide[^>]*-->\s*<guide.*?</guide>",
                  b"", text, flags=re.S)
    assert b"<guide" not in text
    text = re.sub(rb'id="sgxk" version="\d+"', b'id="sgxkbare" version="1"',
                  text)
    deploy(text)
    g = guide_of("sgxkbare")
    for key in ("code", "kind", "legal_basis", "conditions", "fees", "where",
                "contact"):
        assert key not in g, key
    root = ET.fromstring(text)
    check_definition_part(g, root)
    check_derived_steps(g, root)
    assert g["delivery"] == [{"kind": "window", "name": "窗口领取", "detail": ""},
                             {"kind": "electronic", "name": "电子送达",
                              "detail": ""}]


def problems_of(xml):
    r = deploy(xml, 422)
    assert r.json["code"] == "invalid_definition", r.json
    return [(e["field"], e["detail"]) for e in r.json["errors"]]


def line_of(xml, needle):
    return xml[:xml.index(needle)].count(b"\n") + 1


@case("guide: every problem of a bad guide is refused at its line")
def _():
    text, _v = next_version("spjy", shipped_text("spjy"))
    text = text.replace(b'delivery="both"', b'delivery="electronic"')
    text = text.replace(b'code="11330100002489532W000117015000"',
                        b'code="11330100002489532X000117015000"')
    text = text.replace(b'<fees free="true"/>',
                        b'<fees free="true"><fee name="x" amount="0.001" '
                        b'basis="y"/></fees>')
    text = text.replace(b'complain="12315"', b'complain="call us"')
    text = text.replace(b'<basis>', b'<basis>same</basis><basis>same</basis>'
                        b'<basis>', 1)
    found = problems_of(text)
    want = [
        (b"<guide code=", "does not start with a valid credit code"),
        (b"<basis>same</basis><basis>same", "the same legal basis appears twice"),
        (b"<fees free=", 'also lists 1 fee'),
        (b'<fee name="x"', "fee 'x' has the amount '0.001'"),
        (b"<contact", "complain 'call us' is not a phone number"),
        (b'<delivery-method kind="window"',
         "delivery method 'window' is not allowed"),
        (b'<delivery-method kind="post"',
         "delivery method 'post' is not allowed"),
    ]
    for needle, words in want:
        line = f"line {line_of(text, needle)}"
        assert any(f == line and words in d for f, d in found), \
            (line, words, found)
    # nothing was stored: the guide is the one before
    assert guide_of("spjy")["version"] < _v


@case("guide: a guide that says neither free nor a fee, and a code of "
      "letters, are refused")
def _():
    text, _v = next_version("qykb", shipped_text("qykb"))
    text = text.replace(b'<fees free="true"/>', b"<fees/>")
    text = text.replace(b'code="11330100MB1730523X100011700600"',
                        b'code="11330100MB1730523X1000117006AB"')
    found = problems_of(text)
    assert any(f == f"line {line_of(text, b'<fees/>')}" and
               "neither free nor what is charged" in d for f, d in found), found
    assert any("where only digits may follow" in d for f, d in found), found


@case("guide.pdf: 503 documents_unavailable while the stored bureau list "
      "names no <office>; the JSON still answers")
def _():
    with open(os.path.join(ROOT, "workflows", "bureaus.xml"),
              encoding="utf-8") as f:
        shipped = f.read()
    bare = re.sub(r"<office\b[^>]*/>", "", shipped, count=1)
    assert bare != shipped and "$tb$" not in bare
    digest = "sha256(convert_to($tb$" + bare + "$tb$, 'UTF8'))"
    sql("INSERT INTO bureau_lists (sha256, xml, loaded_at) VALUES ("
        + digest + ", $tb$" + bare + "$tb$, now() + interval '1 day')")
    try:
        expect(http("GET", "/api/v1/workflows/spjy/guide.pdf"), 503,
               "documents_unavailable")
        expect(http("GET", "/api/v1/workflows/spjy/guide"), 200)
    finally:
        sql("DELETE FROM bureau_lists WHERE sha256 = " + digest)
    assert flat(OFFICE.get("name")) in flat(guide_pdf("spjy"))


sys.exit(done())
