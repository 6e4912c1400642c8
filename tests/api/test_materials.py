#!/usr/bin/env python3
"""test_materials.py — materials are files (issue 12 §1) over HTTP:
uploads of a PDF, a JPEG and a PNG, several pages of one material,
versions after a supplement (the old one readable, marked replaced), the
applicant's upload with the tracking code, opinion files of officers,
every hostile case (empty, another type under a .pdf name, truncated, a
decompression bomb, too large, over the application's total; nothing
changes after any of them), names that are never paths, the permission
matrix of the four routes, the audit payload's SHA-256 against the
downloaded bytes, the download headers, and licenses that satisfied a
material (status then and now).

Started by test_api.c with small limits (tests/api/meson.build):
TB_MAX_FILE_BYTES and TB_MAX_APPLICATION_BYTES.
"""
import hashlib
import json
import os
import sys
import urllib.parse
import uuid

from tbfiles import fixture, noise_png, pdf, png, zip_file
from tbhttp import (QYKB_MATERIALS, audit_verify, case, chunked, credit_code,
                    done, expect, http, matches_schema, officer, open_task,
                    org_intake, spjy_form, sql, task_outputs, tok)

MAX_FILE = int(os.environ["TB_MAX_FILE_BYTES"])
MAX_APP = int(os.environ["TB_MAX_APPLICATION_BYTES"])
CLERK = "clerk1"
serial = [0]
LICENSED = []  # applications with a material satisfied by a license

PDF = fixture("scan.pdf")
JPEG = fixture("photo.jpg")
PNG = fixture("page.png")


def holder():
    serial[0] += 1
    return credit_code("MA3F%04d" % serial[0])


def new_app(channel="window", materials=QYKB_MATERIALS):
    body = org_intake(holder(), channel=channel, materials=materials)
    r = http("POST", "/api/v1/applications", body,
             token=tok(CLERK) if channel == "window" else None)
    return expect(r, 201).json


def upload(number, material, data, name="扫描件.pdf", token=None, code=None,
           ctype="application/pdf", headers=None):
    q = {"name": name}
    if code is not None:
        q["code"] = code
    path = (f"/api/v1/applications/{number}/materials/{material}/files?" +
            urllib.parse.urlencode(q))
    t = None if code is not None else (token or tok(CLERK))
    return http("POST", path, raw=data, ctype=ctype, token=t, headers=headers)


def listing(number, token=None, code=None):
    path = f"/api/v1/applications/{number}/materials"
    if code is not None:
        path += "?code=" + code
        return http("GET", path)
    return http("GET", path, token=token or tok(CLERK))


def material(lst, mid):
    return next(m for m in lst["materials"] if m["id"] == mid)


def download(href, token=None, code=None, extra=""):
    if code is not None:
        return http("GET", href + "?code=" + code + extra)
    return http("GET", href + ("?" + extra.lstrip("&") if extra else ""),
                token=token or tok(CLERK))


def events(number):
    return sql("SELECT count(*) FROM audit_events e JOIN applications a ON "
               f"a.id = e.application_id WHERE a.number = '{number}'")


def refused(number, mid, data, status, code, **kw):
    """Upload data; it is refused with status / code naming the material,
    and nothing stored changes: the list, the audit chain."""
    before = expect(listing(number), 200).json
    n = events(number)
    r = expect(upload(number, mid, data, **kw), status, code)
    fields = [e["field"] for e in r.json["errors"]]
    assert fields == [f"materials.{mid}"], r.json
    assert expect(listing(number), 200).json == before
    assert events(number) == n
    return r


def accept(number, body=None):
    expect(http("POST", f"/api/v1/applications/{number}/accept", body or {},
                token=tok(CLERK)), 200)


# ================================================================== cases

A = new_app()
N = A["number"]
CODE = A["tracking_code"]


@case("a clerk attaches a scanned PDF: 201, the File object, Location")
def _():
    r = expect(upload(N, "application", PDF, name="申请书（签字）.pdf"), 201)
    f = r.json
    assert f["material"] == "application" and f["task"] is None, f
    assert (f["version"], f["page"]) == (1, 1), f
    assert f["media_type"] == "application/pdf" and f["size"] == len(PDF)
    assert f["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert f["added_by"] == "clerk" and f["replaced"] is False
    assert f["name"] == "申请书（签字）.pdf", f
    assert f["href"] == f"/api/v1/applications/{N}/files/{f['id']}"
    assert r.headers["Location"] == f["href"]
    assert f["added_at"].endswith("Z") and "T" in f["added_at"]


@case("several pages of one material: a JPEG and a PNG, pages 1 and 2")
def _():
    one = expect(upload(N, "legal_rep_id_card", JPEG, name="身份证正面.jpg",
                        ctype="image/jpeg"), 201).json
    two = expect(upload(N, "legal_rep_id_card", PNG, name="身份证反面.png",
                        ctype="application/octet-stream"), 201).json
    assert one["media_type"] == "image/jpeg" and two["media_type"] == "image/png"
    assert (one["version"], one["page"]) == (1, 1)
    assert (two["version"], two["page"]) == (1, 2)


@case("the material list: definition order, status, versions, opinions")
def _():
    lst = expect(listing(N), 200).json
    ids = [m["id"] for m in lst["materials"]]
    defn = expect(http("GET", "/api/v1/workflows/qykb"), 200).json
    assert ids == [m["id"] for m in defn["materials"]], ids
    m = material(lst, "legal_rep_id_card")
    assert m["name"] == "法定代表人身份证件" and m["required"] is True
    assert m["status"] == "provided", m
    assert [v["version"] for v in m["versions"]] == [1]
    assert [f["page"] for f in m["versions"][0]["files"]] == [1, 2]
    assert material(lst, "food_safety_rules")["status"] == "missing"
    assert material(lst, "food_safety_rules")["required"] is False
    assert lst["opinions"] == []


@case("download: the bytes, the detected type, nosniff, CSP, disposition")
def _():
    f = material(expect(listing(N), 200).json, "application")["versions"][0][
        "files"][0]
    r = expect(download(f["href"]), 200)
    assert r.body == PDF
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp, csp
    assert "private" in r.headers["Cache-Control"]
    cd = r.headers["Content-Disposition"]
    quoted = urllib.parse.quote("申请书（签字）.pdf", safe="")
    assert cd.startswith("inline;") and f"filename*=UTF-8''{quoted}" in cd, cd
    r = expect(download(f["href"], extra="&download=1"), 200)
    assert r.headers["Content-Disposition"].startswith("attachment;")
    img = material(expect(listing(N), 200).json,
                   "legal_rep_id_card")["versions"][0]["files"]
    assert expect(download(img[0]["href"]), 200).headers[
        "Content-Type"] == "image/jpeg"
    assert expect(download(img[1]["href"]), 200).body == PNG
    expect(http("GET", f"/api/v1/applications/{N}/files/999999999",
                token=tok(CLERK)), 404, "not_found")
    expect(http("GET", f"/api/v1/applications/{N}/files/abc",
                token=tok(CLERK)), 404, "not_found")


@case("the audit event carries the SHA-256 of the bytes served; the chain verifies")
def _():
    rows = json.loads(sql(
        "SELECT json_agg(e.payload ORDER BY e.seq) FROM audit_events e JOIN "
        f"applications a ON a.id = e.application_id WHERE a.number = '{N}' "
        "AND e.action = 'material_attached'"))
    payloads = [json.loads(p) for p in rows]
    assert len(payloads) == 3, payloads
    lst = expect(listing(N), 200).json
    for p in payloads:
        m = material(lst, p["material"])
        f = m["versions"][p["version"] - 1]["files"][p["page"] - 1]
        body = expect(download(f["href"]), 200).body
        assert p["sha256"] == hashlib.sha256(body).hexdigest(), p
        assert p["size"] == len(body) and p["media_type"] == f["media_type"]
    code, out = audit_verify(N)
    assert code == 0, out


@case("hostile: an empty body is refused, nothing changes")
def _():
    refused(N, "articles", b"", 422, "empty_file")


@case("hostile: a zip under a .pdf name and Content-Type application/pdf")
def _():
    r = refused(N, "articles", zip_file(), 415, "unsupported_file_type",
                name="章程.pdf", ctype="application/pdf")
    assert "PDF, JPEG or PNG" in r.json["errors"][0]["detail"], r.json
    refused(N, "articles", b"<html><script>alert(1)</script></html>", 415,
            "unsupported_file_type", name="a.pdf")


@case("hostile: truncated PDF, JPEG and PNG files")
def _():
    refused(N, "articles", PDF[:len(PDF) // 2], 422, "damaged_file")
    refused(N, "articles", PDF[:-7], 422, "damaged_file")  # no %%EOF
    refused(N, "articles", JPEG[:len(JPEG) // 2], 422, "damaged_file",
            ctype="image/jpeg")
    refused(N, "articles", PNG[:len(PNG) - 20], 422, "damaged_file")
    bad = bytearray(PNG)
    bad[40] ^= 0xFF  # inside IDAT: its CRC no longer matches
    refused(N, "articles", bytes(bad), 422, "damaged_file")
    # a PDF whose startxref points nowhere
    refused(N, "articles", PDF.replace(b"startxref\n", b"startxref\n9"), 422,
            "damaged_file")


@case("hostile: a decompression bomb (small PNG, huge image) and a PNG with a zip after IEND")
def _():
    import zlib
    side = 12000  # 144 million pixels, over the limit
    bomb = png(side, side, colour=0,
               compressed=zlib.compress(b"\0" * (side + 1) * 50, 9))
    assert len(bomb) < 10000
    r = refused(N, "articles", bomb, 422, "damaged_file", name="bomb.png")
    assert "pixels" in r.json["errors"][0]["detail"], r.json
    huge = png(30000, 10, colour=0, compressed=zlib.compress(b"\0" * 10))
    refused(N, "articles", huge, 422, "damaged_file")
    refused(N, "articles", PNG + zip_file(), 422, "damaged_file")


@case("hostile: a file over the per-file limit (413), sent chunked and with Content-Length")
def _():
    big = noise_png(int((MAX_FILE / 3) ** 0.5) + 20)
    assert len(big) > MAX_FILE
    before, n = expect(listing(N), 200).json, events(N)
    path = f"/api/v1/applications/{N}/materials/articles/files?name=big.png"
    r = expect(chunked("POST", path, big, tok(CLERK), "image/png"), 413,
               "file_too_large")
    assert r.json["errors"][0]["field"] == "materials.articles", r.json
    refused(N, "articles", big, 413, "file_too_large")
    assert expect(listing(N), 200).json == before and events(N) == n


@case("hostile: an application over its total is refused (413), nothing changes")
def _():
    a = new_app()["number"]
    side = int((MAX_FILE / 3) ** 0.5) - 20
    stored = 0
    while True:
        f = noise_png(side)
        if stored + len(f) > MAX_APP:
            break
        expect(upload(a, "articles", f, name="章程.png"), 201)
        stored += len(f)
    r = refused(a, "articles", f, 413, "application_files_too_large")
    assert str(MAX_APP) in r.json["errors"][0]["detail"], r.json
    code, out = audit_verify(a)
    assert code == 0, out


@case("names are shown, never paths: separators, control characters, length")
def _():
    a = new_app()["number"]
    f = expect(upload(a, "articles", PDF, name="../../etc/pass\x01wd\u202e.pdf"),
               201).json
    assert f["name"] == "passwd.pdf", f
    f = expect(upload(a, "articles", PDF, name="C:\\Users\\张三\\章程.pdf"),
               201).json
    assert f["name"] == "章程.pdf", f
    f = expect(upload(a, "articles", PDF, name="长" * 300 + ".pdf"), 201).json
    name = f["name"]
    assert name.startswith("长") and name.endswith(".pdf"), f
    assert len(name) <= 100 and len(name.encode()) <= 240, f
    f = expect(upload(a, "articles", JPEG, name="..."), 201).json
    assert f["name"] == "未命名.jpg", f
    r = expect(download(f["href"]), 200)
    assert "%E6%9C%AA%E5%91%BD%E5%90%8D.jpg" in r.headers[
        "Content-Disposition"], r.headers["Content-Disposition"]


@case("unknown material: 422 naming it; unknown application: 404")
def _():
    r = expect(upload(N, "no_such", PDF), 422, "unknown_material")
    assert r.json["errors"][0]["field"] == "material"
    expect(upload("330100202611300000000", "articles", PDF), 404, "not_found")


@case("Idempotency-Key: the same upload twice stores one file")
def _():
    a = new_app()["number"]
    k = {"Idempotency-Key": str(uuid.uuid4())}
    one = expect(upload(a, "articles", PDF, headers=k), 201)
    two = expect(upload(a, "articles", PDF, headers=k), 201)
    assert one.body == two.body
    files = material(expect(listing(a), 200).json, "articles")["versions"]
    assert len(files) == 1 and len(files[0]["files"]) == 1, files


@case("versions: a supplement opens version 2, version 1 stays readable, marked replaced")
def _():
    a = new_app()["number"]
    v1 = expect(upload(a, "articles", PDF, name="章程.pdf"), 201).json
    expect(http("POST", f"/api/v1/applications/{a}/supplement-request",
                {"items": ["articles"], "reason": "章程未签字"},
                token=tok(CLERK)), 200)
    v2 = expect(upload(a, "articles", JPEG, name="章程（签字）.jpg"), 201).json
    assert (v2["version"], v2["page"]) == (2, 1), v2
    p2 = expect(upload(a, "articles", PNG, name="章程第二页.png"), 201).json
    assert (p2["version"], p2["page"]) == (2, 2), p2
    # only what the notice names takes files now
    r = expect(upload(a, "application", PDF), 409, "materials_locked")
    assert r.json["errors"][0]["field"] == "materials.application"
    m = material(expect(listing(a), 200).json, "articles")
    assert [(v["version"], v["replaced"]) for v in m["versions"]] == \
        [(1, True), (2, False)], m
    assert [f["replaced"] for f in m["versions"][0]["files"]] == [True]
    assert expect(download(v1["href"]), 200).body == PDF
    expect(http("POST", f"/api/v1/applications/{a}/supplement",
                {"materials": ["articles"]}, token=tok(CLERK)), 200)
    accept(a)
    r = expect(upload(a, "articles", PDF), 409, "materials_locked")
    assert "in_review" in r.json["errors"][0]["detail"], r.json
    code, out = audit_verify(a)
    assert code == 0, out


@case("a tolerated gap (容缺) takes files while open; its due day is listed")
def _():
    mats = [m for m in QYKB_MATERIALS if m != "appointment"]
    a = new_app(materials=mats)["number"]
    accept(a, {"tolerated": ["appointment"]})
    m = material(expect(listing(a), 200).json, "appointment")
    assert m["status"] == "tolerated" and len(m["due"]) == 10, m
    f = expect(upload(a, "appointment", PDF, name="任职文件.pdf"), 201).json
    assert f["version"] == 1
    expect(upload(a, "articles", PDF), 409, "materials_locked")


@case("the applicant uploads online with the tracking code; wrong codes are 404")
def _():
    o = new_app(channel="online")
    n, code = o["number"], o["tracking_code"]
    f = expect(upload(n, "articles", PDF, code=code), 201).json
    assert f["added_by"] == "applicant", f
    lst = expect(listing(n, code=code), 200).json
    assert material(lst, "articles")["versions"][0]["files"][0]["id"] == f["id"]
    assert expect(download(f["href"], code=code), 200).body == PDF
    expect(upload(n, "articles", PDF, code="WRONGCODE2"), 404, "not_found")
    expect(listing(n, code="WRONGCODE2"), 404, "not_found")
    expect(download(f["href"], code="WRONGCODE2"), 404, "not_found")
    # someone else's code does not open this application
    expect(download(f["href"], code=CODE), 404, "not_found")


@case("opinion files: an officer of the task's bureau attaches; others cannot")
def _():
    a = new_app()["number"]
    accept(a)
    view = expect(http("GET", f"/api/v1/applications/{a}", token=tok(CLERK)),
                  200).json
    bureau = next(b["bureau"] for b in view["branches"]
                  if b["status"] == "active")
    other = next(b["bureau"] for b in view["branches"] if b["bureau"] != bureau)
    t = open_task(a, bureau)
    path = (f"/api/v1/tasks/{t['id']}/files?name=" +
            urllib.parse.quote("现场核查报告.pdf"))
    f = expect(http("POST", path, raw=PDF, ctype="application/pdf",
                    token=officer(bureau)), 201).json
    assert f["task"] == t["id"] and f["material"] is None, f
    assert f["added_by"] == "officer" and f["page"] == 1
    expect(http("POST", path, raw=PDF, ctype="application/pdf",
                token=officer("GA" if bureau != "GA" else "SW")), 403,
           "wrong_bureau")
    r = expect(http("POST", path, raw=b"PK\x03\x04", ctype="application/pdf",
                    token=officer(bureau)), 415, "unsupported_file_type")
    assert r.json["errors"][0]["field"] == "file"
    lst = expect(listing(a), 200).json
    op = lst["opinions"]
    assert len(op) == 1 and op[0]["task"] == t["id"], op
    assert op[0]["bureau"] == bureau and op[0]["task_name"] == t["name"]
    assert op[0]["files"][0]["id"] == f["id"]
    payload = json.loads(sql(
        "SELECT e.payload FROM audit_events e JOIN applications a ON a.id = "
        f"e.application_id WHERE a.number = '{a}' AND e.action = "
        "'opinion_attached'"))
    assert payload["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert payload["task"] == t["id"] and payload["bureau"] == bureau
    # claimed by the officer, then decided: closed
    expect(http("POST", f"/api/v1/tasks/{t['id']}/claim", {},
                token=officer(bureau)), 200)
    expect(http("POST", path, raw=PNG, ctype="image/png",
                token=officer(bureau)), 201)
    expect(http("POST", f"/api/v1/tasks/{t['id']}/decide",
                {"decision": "approve", "outputs": task_outputs(t)},
                token=officer(bureau)), 200)
    expect(http("POST", path, raw=PNG, ctype="image/png",
                token=officer(bureau)), 409, "task_superseded")
    # the other bureau's officer reads the files of an application it works on
    if open_task(a, other):
        expect(listing(a, token=officer(other)), 200)


@case("an attachment is a change on the live stream (pages showing the application refresh)")
def _():
    import http.client
    import time
    a = new_app()["number"]
    host, port = os.environ["TB_BASE_URL"].split("//")[1].split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=20)
    c.request("GET", "/api/v1/supervision/stream",
              headers={"Accept": "text/event-stream",
                       "Authorization": "Bearer " + tok(CLERK)})
    r = c.getresponse()
    assert r.status == 200, r.status
    time.sleep(0.3)  # the stream is listening
    expect(upload(a, "articles", PDF), 201)
    seen = b""
    deadline = time.time() + 15
    while time.time() < deadline and b"material_attached" not in seen:
        seen += r.fp.read1(4096)
    c.close()
    line = next(x for x in seen.split(b"\n") if b"material_attached" in x)
    change = json.loads(line.split(b"data:", 1)[1])
    assert change["number"] == a and change["status"] == "submitted", change


# ---- who may: the four routes × seven callers -----------------------------------

@case("permissions: the four routes for clerk, officers, inspector, admin, anonymous")
def _():
    a = new_app()
    n, code = a["number"], a["tracking_code"]
    f = expect(upload(n, "articles", PDF), 201).json
    accept(n)
    view = expect(http("GET", f"/api/v1/applications/{n}", token=tok(CLERK)),
                  200).json
    inside = {b["bureau"] for b in view["branches"] if b["status"] == "active"}
    bureau = sorted(inside)[0]
    outsider = next(b for b in ("GA", "SW", "RS", "GJJ", "ZJ", "WJ", "SCJG")
                    if b not in {x["bureau"] for x in view["branches"]})
    task = open_task(n, bureau)
    callers = {
        "clerk": (tok(CLERK), None),
        "officer-in": (officer(bureau), None),
        "officer-out": (officer(outsider), None),
        "inspector": (tok("inspector1"), None),
        "admin": (tok("admin1"), None),
        "anonymous": (None, None),
        "anonymous+code": (None, code),
    }

    def call(route, token, c):
        q = f"?code={c}" if c else ""
        if route == "upload":
            # the application is in review: a permitted caller meets the
            # state (409), a refused one its refusal first
            sep = "&" if q else "?"
            return http("POST", f"/api/v1/applications/{n}/materials/articles/"
                        f"files{q}{sep}name=x.pdf", raw=PDF,
                        ctype="application/pdf", token=token)
        if route == "opinion":
            return http("POST", f"/api/v1/tasks/{task['id']}/files{q}",
                        raw=PDF, ctype="application/pdf", token=token)
        if route == "list":
            return http("GET", f"/api/v1/applications/{n}/materials{q}",
                        token=token)
        return http("GET", f["href"] + q, token=token)

    want = {
        "upload": {"clerk": 409, "officer-in": 403, "officer-out": 403,
                   "inspector": 403, "admin": 403, "anonymous": 404,
                   "anonymous+code": 409},
        "opinion": {"clerk": 403, "officer-in": 201, "officer-out": 403,
                    "inspector": 403, "admin": 403, "anonymous": 401,
                    "anonymous+code": 401},
        "list": {"clerk": 200, "officer-in": 200, "officer-out": 403,
                 "inspector": 200, "admin": 403, "anonymous": 404,
                 "anonymous+code": 200},
        "download": {"clerk": 200, "officer-in": 200, "officer-out": 403,
                     "inspector": 200, "admin": 403, "anonymous": 404,
                     "anonymous+code": 200},
    }
    wrong = []
    for route, expected in want.items():
        for who, status in expected.items():
            r = call(route, *callers[who])
            if r.status != status:
                wrong.append(f"{route} as {who}: {r.status}, not {status}")
    assert not wrong, "\n".join(wrong)


# ---- licenses that satisfied a material ------------------------------------------

def approve_all(number):
    for _ in range(20):
        view = expect(http("GET", f"/api/v1/applications/{number}",
                           token=tok(CLERK)), 200).json
        active = [b["bureau"] for b in view["branches"]
                  if b["status"] == "active"]
        if not active:
            return view
        for b in active:
            t = open_task(number, b)
            if t["state"] == "open":
                expect(http("POST", f"/api/v1/tasks/{t['id']}/claim", {},
                            token=officer(b)), 200)
            expect(http("POST", f"/api/v1/tasks/{t['id']}/decide",
                        {"decision": "approve", "outputs": task_outputs(t)},
                        token=officer(b)), 200)
    raise AssertionError("the review did not end")


@case("a material satisfied by an e-license: the license, its status then and now")
def _():
    h = holder()
    q = expect(http("POST", "/api/v1/applications", org_intake(h),
                    token=tok(CLERK)), 201).json["number"]
    accept(q)
    assert approve_all(q)["state"] == "approved"
    lic = expect(http("GET", f"/api/v1/licenses?holder={h}",
                      token=tok(CLERK)), 200).json
    items = lic["items"] if isinstance(lic, dict) else lic
    business = next(x for x in items if x["type"]["name"] == "营业执照")
    mats = ["application", "legal_rep_id_card", "premises_proof", "layout",
            "manager_training", "equipment", "safety_rules",
            "health_certificates"]
    body = org_intake(h, "spjy", form=spjy_form(h), materials=mats)
    s = expect(http("POST", "/api/v1/applications", body, token=tok(CLERK)),
               201).json["number"]
    m = material(expect(listing(s), 200).json, "business_license")
    assert m["status"] == "license", m
    assert m["license"]["id"] == business["id"], m
    assert m["license"]["status_at_reuse"] == "valid"
    assert m["license"]["status_now"] == "valid"
    assert "revoked_at" not in m["license"]
    expect(http("POST", f"/api/v1/licenses/{business['id']}/revoke",
                {"reason": "以欺骗手段取得"}, token=tok("admin1")), 200)
    m = material(expect(listing(s), 200).json, "business_license")
    assert m["license"]["status_at_reuse"] == "valid"
    assert m["license"]["status_now"] == "revoked", m
    assert m["license"]["revoked_at"].endswith("Z")
    LICENSED.append(s)



@case("the answers match their OpenAPI schemas: File, the material list")
def _():
    a = new_app()["number"]
    r = expect(upload(a, "articles", PDF), 201)
    matches_schema("/api/v1/applications/{number}/materials/{material}/files",
                   r.json, "POST", "201")
    for n in [a, N] + LICENSED:
        matches_schema("/api/v1/applications/{number}/materials",
                       expect(listing(n), 200).json)


sys.exit(done())
