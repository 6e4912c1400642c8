#!/usr/bin/env python3
"""test_http.py — HTTP as RFC 9110 and RFC 9112 ask it (issue 16 §1).

HEAD on every GET route (headers of GET, no body; 405 with Allow where
there is no GET; the live stream's HEAD does not hang); an oversized body
answered 413 so that urllib, Node's fetch and a client that sends
Expect: 100-continue each read it, 30 times out of 30; the framing of a
request (Transfer-Encoding with Content-Length, two Content-Length values,
an unsupported transfer coding, no Host or two, bare LF) refused and the
connection closed; absolute-form targets routed by their path; %00 and
%2F refused; Content-Type matched exactly; 304 without Content-Length: 0;
gzip when Accept-Encoding allows it, with Vary and an ETag per
representation; the favicon; the live stream's Accept. Raw sockets where
a client library would hide what goes over the wire. Started by
test_api.c like its neighbours.
"""
import gzip
import json
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request

from tbhttp import (BASE, ROOT, case, chunked, credit_code, done, expect,
                    http, org_intake, raw_answer, raw_exchange, tok)

HOST, PORT = BASE.split("//")[1].split(":")
LIMIT = 1024 * 1024  # the server's JSON body cap (tb_api_options.max_body)
state = {}


def get(path, headers=None):
    """GET with headers as given (urllib sends no Accept-Encoding)."""
    req = urllib.request.Request(BASE + path, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def request_bytes(method, path, headers=(), body=b""):
    """A request's bytes with CRLF line ends; Host first unless given."""
    lines = [f"{method} {path} HTTP/1.1"]
    if not any(h.lower().startswith("host:") for h in headers):
        lines.append(f"Host: {HOST}:{PORT}")
    lines += list(headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def refused_and_closed(data, status, code):
    """Send raw bytes on a connection the client keeps open: the answer is
    `status` problem+json with `code`, and the server closes."""
    out, closed = raw_exchange(data, timeout=10)
    assert out, "no answer"
    st, h, body = raw_answer(out)
    assert st == status, out[:300]
    assert h["content-type"].startswith("application/problem+json"), h
    p = json.loads(body[:int(h["content-length"])])
    assert p["code"] == code and p["status"] == status, p
    assert closed, "the server kept the connection open"
    return p


# ---- HEAD ------------------------------------------------------------------

GET_ROUTES = ["/healthz", "/metrics", "/api/v1/openapi.json", "/",
              "/web/style.css", "/web/common.js", "/api/v1/workflows",
              "/api/v1/trust", "/favicon.ico", "/t/X?c=1", "/v"]


def head_raw(path, extra=()):
    out, closed = raw_exchange(request_bytes(
        "HEAD", path, ("Connection: close",) + tuple(extra)), timeout=10)
    assert closed, f"HEAD {path}: the answer did not end"
    return raw_answer(out)


@case("HEAD on every GET route: GET's status and headers, no body on the wire")
def _():
    for path in GET_ROUTES:
        for enc in ((), ("Accept-Encoding: gzip",)):
            gst, gh, gbody = raw_answer(raw_exchange(request_bytes(
                "GET", path, ("Connection: close",) + enc))[0])
            st, h, body = head_raw(path, enc)
            assert st == gst == 200, (path, st, gst)
            assert body == b"", (path, body[:100])
            if path != "/metrics":  # its counters move between requests
                assert h["content-length"] == gh["content-length"] == \
                    str(len(gbody)), (path, h, gh)
            for k in ("content-type", "content-encoding", "vary", "etag"):
                assert h.get(k) == gh.get(k), (path, k, h, gh)


@case("HEAD where there is no GET is 405; Allow names HEAD beside GET")
def _():
    r = expect(http("HEAD", "/api/v1/sessions"), 405)
    assert r.headers["Allow"] == "POST", r.headers
    assert r.body == b""
    r = expect(http("DELETE", "/healthz"), 405, "method_not_allowed")
    assert r.headers["Allow"] == "GET, HEAD", r.headers
    r = expect(http("PUT", "/api/v1/workflows"), 405, "method_not_allowed")
    assert [m.strip() for m in r.headers["Allow"].split(",")] == \
        ["GET", "HEAD", "POST"], r.headers


@case("HEAD on the live stream answers at once, with no stream behind it")
def _():
    t = tok("inspector1")
    start = time.monotonic()
    st, h, body = head_raw("/api/v1/supervision/stream",
                           ("Authorization: Bearer " + t,))
    assert time.monotonic() - start < 5
    assert st == 200 and body == b"", (st, body)
    assert h["content-type"].startswith("text/event-stream"), h
    assert "content-encoding" not in h, h


# ---- 413 that clients read ------------------------------------------------

OVER = b"x" * (2 * LIMIT)


@case("413: urllib (no Expect) reads the problem 30 times out of 30")
def _():
    start = time.monotonic()
    for i in range(30):
        req = urllib.request.Request(
            BASE + "/api/v1/sessions", data=OVER, method="POST",
            headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(req, timeout=10)
            raise AssertionError("an oversized body was accepted")
        except urllib.error.HTTPError as e:
            assert e.code == 413, (i, e.code)
            p = json.loads(e.read())
            assert p["code"] == "body_too_large", p
            assert str(LIMIT) in p["detail"], p
    assert time.monotonic() - start < 60


@case("413: Node's fetch reads the problem 30 times out of 30")
def _():
    script = os.path.join(ROOT, "tests", "api", "fetch_oversized.mjs")
    r = subprocess.run(["node", script, BASE + "/api/v1/sessions",
                        str(len(OVER)), "30"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["read"] == 30, res


@case("413 with Expect: 100-continue comes before the body, 30 of 30")
def _():
    data = request_bytes("POST", "/api/v1/sessions", (
        "Content-Type: application/json", f"Content-Length: {len(OVER)}",
        "Expect: 100-continue"))
    for i in range(30):
        start = time.monotonic()
        out, closed = raw_exchange(data, timeout=5)
        assert time.monotonic() - start < 5
        assert not out.startswith(b"HTTP/1.1 100"), out[:100]
        st, h, body = raw_answer(out)
        assert st == 413 and b'"code":"body_too_large"' in body, out[:300]
        assert closed  # the body never sent is not waited for


@case("Expect: 100-continue on a body that fits: 100 Continue, then the answer")
def _():
    body = json.dumps({"username": "nobody"}).encode()
    with socket.create_connection((HOST, int(PORT)), timeout=10) as sk:
        sk.sendall(request_bytes("POST", "/api/v1/sessions", (
            "Content-Type: application/json", f"Content-Length: {len(body)}",
            "Expect: 100-continue", "Connection: close")))
        first = sk.recv(4096)
        assert first.startswith(b"HTTP/1.1 100 Continue"), first
        sk.sendall(body)
        out = b""
        while True:
            chunk = sk.recv(65536)
            if not chunk:
                break
            out += chunk
    st, h, b = raw_answer(out)
    assert st == 422 and b'"field":"password"' in b, out[:300]


@case("413: a chunked body growing over the cap, and one far over it")
def _():
    expect(chunked("POST", "/api/v1/sessions", OVER), 413, "body_too_large")
    # beyond four times the cap the server stops reading and closes,
    # in bounded time
    start = time.monotonic()
    with socket.create_connection((HOST, int(PORT)), timeout=10) as sk:
        sk.sendall(request_bytes("POST", "/api/v1/sessions", (
            "Content-Type: application/json", "Transfer-Encoding: chunked")))
        piece = b"%x\r\n" % 65536 + b"y" * 65536 + b"\r\n"
        try:
            for _ in range(8 * LIMIT // 65536):
                sk.sendall(piece)
            tail = sk.recv(65536)
            assert tail == b"", tail[:200]
        except (BrokenPipeError, ConnectionResetError):
            pass
    assert time.monotonic() - start < 10


@case("413 for a declared length over the cap, and the cap is exact")
def _():
    t = tok("clerk1")
    r = http("POST", "/api/v1/applications", raw=b" " * LIMIT + b"{}",
             ctype="application/json", token=t)
    expect(r, 413, "body_too_large")
    r = http("POST", "/api/v1/applications",
             raw=b"{}" + b" " * (LIMIT - 2), ctype="application/json",
             token=t)
    assert r.status == 422, r  # read in full: the fields are missing


# ---- framing (RFC 9112) -----------------------------------------------------

LOGIN = b'{"username":"a"}'  # 422: no password (never a login attempt)
CHUNKS = b"2\r\n{}\r\n0\r\n\r\n"


def post_refused(headers, body, status, code):
    """A JSON POST with more headers, refused with status and code, and
    the connection closed."""
    return refused_and_closed(request_bytes(
        "POST", "/api/v1/sessions",
        ("Content-Type: application/json",) + tuple(headers), body),
        status, code)


@case("Transfer-Encoding with Content-Length: 400, closed")
def _():
    post_refused(("Transfer-Encoding: chunked", "Content-Length: 5"), CHUNKS,
                 400, "malformed_request")


@case("two different Content-Length values: 400, closed")
def _():
    p = post_refused(("Content-Length: 2", "Content-Length: 3"), b"{}", 400,
                     "malformed_request")
    assert "Content-Length" in p["detail"], p


@case("an unsupported transfer coding: 501; chunked not last: 400")
def _():
    for te, status, code in [
            ("gzip", 501, "unsupported_transfer_coding"),
            ("gzip, chunked", 501, "unsupported_transfer_coding"),
            ("chunked, gzip", 501, "unsupported_transfer_coding"),
            ("chunked, chunked", 400, "malformed_request")]:
        p = post_refused(("Transfer-Encoding: " + te,), CHUNKS, status, code)
        if status == 501:
            assert "gzip" in p["detail"], p
    # on a second header line too
    post_refused(("Transfer-Encoding: chunked", "Transfer-Encoding: deflate"),
                 CHUNKS, 501, "unsupported_transfer_coding")


@case("no Host on HTTP/1.1, or two Hosts: 400, closed; HTTP/1.0 needs none")
def _():
    p = refused_and_closed(b"GET /healthz HTTP/1.1\r\n\r\n", 400,
                           "malformed_request")
    assert "Host" in p["detail"], p
    refused_and_closed(b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                       400, "malformed_request")
    out, _ = raw_exchange(b"GET /healthz HTTP/1.0\r\n\r\n")
    assert raw_answer(out)[0] == 200, out[:200]


@case("bare LF line ends: 400, closed")
def _():
    p = refused_and_closed(
        b"GET /healthz HTTP/1.1\nHost: a\nAccept: */*\n\n", 400,
        "malformed_request")
    assert "bare LF" in p["detail"], p
    refused_and_closed(b"GET /healthz HTTP/1.1\r\nHost: a\nAccept: */*\r\n\r\n",
                       400, "malformed_request")


@case("white space between a header name and its colon: 400, closed")
def _():
    p = post_refused(("Content-Length : 2",), b"{}", 400, "malformed_request")
    assert "colon" in p["detail"], p


@case("an absolute-form target is routed by its path")
def _():
    for target in (f"http://{HOST}:{PORT}/healthz",
                   "HTTP://elsewhere.example/healthz?x=1"):
        out, _ = raw_exchange(request_bytes("GET", target,
                                            ("Connection: close",)))
        st, h, body = raw_answer(out)
        assert st == 200 and json.loads(body)["status"] == "ok", out[:300]
    out, _ = raw_exchange(request_bytes(
        "GET", f"http://{HOST}:{PORT}/web/style.css", ("Connection: close",)))
    assert raw_answer(out)[0] == 200


@case("%00 and %2F in a path are refused with 400, never routed")
def _():
    for target in ("/web/style.css%00.png", "/web%2Fstyle.css",
                   "/web%2fstyle.css", "/api/v1/track/A%2F..%2Fx",
                   "/healthz?x=%00"):
        out, _ = raw_exchange(request_bytes("GET", target,
                                            ("Connection: close",)))
        st, h, body = raw_answer(out)
        assert st == 400, (target, out[:300])
        assert json.loads(body)["code"] == "invalid_path", body
    # an encoded slash in the query is just a character
    out, _ = raw_exchange(request_bytes("GET", "/healthz?x=a%2Fb",
                                        ("Connection: close",)))
    assert raw_answer(out)[0] == 200


@case("Content-Type is matched exactly; a body without one is 415")
def _():
    for ctype in ("application/json", "Application/JSON",
                  "application/json; charset=utf-8",
                  'application/json;Charset="UTF-8"'):
        r = http("POST", "/api/v1/sessions", raw=LOGIN, ctype=ctype)
        assert r.status == 422, (ctype, r)
    for ctype in ("text/plain", "application/jsonx", "application/json5",
                  "application/json; charset=latin1",
                  "application/json; version=2", "application/x-json",
                  "application/xml"):
        r = expect(http("POST", "/api/v1/sessions", raw=LOGIN, ctype=ctype),
                   415, "unsupported_media_type")
        assert ctype in r.json["detail"], r.json
    out, _ = raw_exchange(request_bytes("POST", "/api/v1/sessions", (
        f"Content-Length: {len(LOGIN)}", "Connection: close"), LOGIN))
    st, h, body = raw_answer(out)
    assert st == 415, out[:300]
    assert b"no Content-Type" in body and b"unsupported_media_type" in body
    # the XML route takes XML only
    r = expect(http("POST", "/api/v1/workflows", raw=b"<x/>",
                    ctype="application/json", token=tok("admin1")), 415,
               "unsupported_media_type")
    assert "application/xml" in r.json["detail"]


@case("415 with Expect: 100-continue is answered before the body")
def _():
    out, closed = raw_exchange(request_bytes("POST", "/api/v1/sessions", (
        "Content-Type: text/plain", f"Content-Length: {len(LOGIN)}",
        "Expect: 100-continue")), timeout=5)
    st, h, body = raw_answer(out)
    assert st == 415 and closed, out[:300]


# ---- 304, gzip, favicon ------------------------------------------------------

@case("304 carries no Content-Length: 0 (the full length, no body)")
def _():
    for path in ("/", "/web/style.css", "/favicon.ico"):
        for enc in ((), ("Accept-Encoding: gzip",)):
            st, h, body = raw_answer(raw_exchange(request_bytes(
                "GET", path, ("Connection: close",) + enc))[0])
            assert st == 200
            st, h2, body2 = raw_answer(raw_exchange(request_bytes(
                "GET", path, ("Connection: close", "If-None-Match: " +
                              h["etag"]) + enc))[0])
            assert st == 304, (path, st)
            assert body2 == b""
            assert h2.get("content-length") in (None, h["content-length"]), h2
            assert h2["etag"] == h["etag"] and h2.get("vary") == h.get("vary")


def app_with_code():
    """An application and its tracking code (for the QR images)."""
    if "app" not in state:
        holder = credit_code("MA7H1T9P")
        r = expect(http("POST", "/api/v1/applications", org_intake(holder),
                        token=tok("clerk1")), 201)
        state["app"] = (r.json["number"], r.json["tracking_code"])
    return state["app"]


@case("gzip for JSON, HTML, CSS, JS, SVG and /metrics; Vary either way")
def _():
    number, code = app_with_code()
    paths = ["/api/v1/openapi.json", "/api/v1/workflows/qykb", "/",
             "/web/style.css", "/web/window.js", "/metrics",
             f"/api/v1/applications/{number}/qr.svg?code={code}"]
    for path in paths:
        st, h, plain = get(path)
        assert st == 200, (path, st)
        assert "Content-Encoding" not in h, (path, dict(h))
        assert h["Vary"] == "Accept-Encoding", (path, dict(h))
        st, hz, z = get(path, {"Accept-Encoding": "gzip, deflate, br"})
        assert st == 200 and hz["Content-Encoding"] == "gzip", (path, dict(hz))
        assert hz["Vary"] == "Accept-Encoding"
        assert hz["Content-Type"] == h["Content-Type"]
        assert len(z) < len(plain), path
        if path.startswith("/metrics"):  # counters move between requests
            assert gzip.decompress(z).startswith(b"# HELP"), path
        elif path.startswith("/api/v1/applications"):
            assert gzip.decompress(z).startswith(b"<svg") or \
                b"<svg" in gzip.decompress(z)[:200], path
        else:
            assert gzip.decompress(z) == plain, path


@case("Accept-Encoding is parsed: q-values, gzip;q=0, *, identity")
def _():
    path = "/api/v1/openapi.json"
    for ae, gz in [("gzip", True), ("GZIP;q=0.5", True), ("x-gzip", True),
                   ("*", True), ("br, *;q=0.1", True), ("gzip;q=0", False),
                   ("gzip;q=0.000, *", False), ("identity", False),
                   ("br", False), ("*;q=0", False), ("deflate, gzip;q=1.0", True),
                   ("gzip;q=0, identity;q=1", False), ("", False)]:
        st, h, _ = get(path, {"Accept-Encoding": ae})
        assert st == 200
        assert (h.get("Content-Encoding") == "gzip") == gz, (ae, dict(h))
        assert h["Vary"] == "Accept-Encoding"


@case("no gzip for the stream, PNG, tiny bodies; ETags differ per encoding")
def _():
    number, code = app_with_code()
    st, h, body = get(f"/api/v1/applications/{number}/qr.png?code={code}",
                      {"Accept-Encoding": "gzip"})
    assert st == 200 and h["Content-Type"] == "image/png"
    assert "Content-Encoding" not in h and "Vary" not in h, dict(h)
    st, h, body = get("/healthz", {"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in h and h["Vary"] == "Accept-Encoding"
    t = tok("inspector1")
    with socket.create_connection((HOST, int(PORT)), timeout=10) as sk:
        sk.sendall(request_bytes("GET", "/api/v1/supervision/stream", (
            "Authorization: Bearer " + t, "Accept-Encoding: gzip")))
        head = sk.recv(4096)
    assert head.startswith(b"HTTP/1.1 200"), head
    assert b"content-encoding" not in head.lower(), head
    _, plain, _ = get("/web/style.css")
    _, z, _ = get("/web/style.css", {"Accept-Encoding": "gzip"})
    assert plain["ETag"] != z["ETag"], (plain["ETag"], z["ETag"])
    # the gzip ETag revalidates the gzip copy only
    st, _, _ = get("/web/style.css", {"If-None-Match": z["ETag"]})
    assert st == 200
    st, _, _ = get("/web/style.css", {"If-None-Match": z["ETag"],
                                      "Accept-Encoding": "gzip"})
    assert st == 304
    st, _, _ = get("/web/style.css", {"If-None-Match": '"x", ' + plain["ETag"]})
    assert st == 304


@case("the favicon: /favicon.ico and each page's <link rel=icon>")
def _():
    st, h, body = get("/favicon.ico")
    assert st == 200 and h["Content-Type"] == "image/svg+xml", dict(h)
    assert body.startswith(b"<svg") and "通".encode() in body
    st, h2, body2 = get("/web/favicon.svg")
    assert st == 200 and body2 == body
    for page in ("/", "/t/X", "/v", "/web/window.html", "/web/worklist.html",
                 "/web/supervision.html"):
        st, _, html = get(page)
        assert st == 200, page
        assert re.search(rb'<link rel="icon" href="/web/favicon\.svg"', html), \
            page


# ---- the live stream's Accept -------------------------------------------------

def stream_status(accept):
    t = tok("inspector1")
    extra = ("Authorization: Bearer " + t,)
    if accept is not None:
        extra += ("Accept: " + accept,)
    with socket.create_connection((HOST, int(PORT)), timeout=10) as sk:
        sk.sendall(request_bytes("GET", "/api/v1/supervision/stream", extra))
        out = b""
        while b"\r\n\r\n" not in out:
            chunk = sk.recv(4096)
            if not chunk:
                break
            out += chunk
        st, h, body = raw_answer(out)
        while st != 200 and len(body) < int(h.get("content-length", 0)):
            chunk = sk.recv(4096)
            if not chunk:
                break
            body += chunk
    return st, h, body


@case("the stream answers */*, text/*, no Accept; 406 only when excluded")
def _():
    for accept in (None, "*/*", "text/*", "text/event-stream",
                   "application/json, text/event-stream;q=0.1",
                   "TEXT/EVENT-STREAM"):
        st, h, _ = stream_status(accept)
        assert st == 200, (accept, st)
        assert h["content-type"].startswith("text/event-stream")
    for accept in ("application/json", "text/html",
                   "text/event-stream;q=0, */*", "text/*;q=0", "image/*"):
        st, h, body = stream_status(accept)
        assert st == 406, (accept, st)
        assert b"not_acceptable" in body


raise SystemExit(done())
