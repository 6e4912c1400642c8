#!/usr/bin/env python3
"""test_nginx.py — tongban behind Debian's nginx with the reference
configuration (deploy/nginx.conf), started by test_api.c with
TB_PUBLIC_URL=https://zwfw.example.gov.cn and TB_TRUSTED_PROXY=127.0.0.1.

The test's nginx.conf is deploy/nginx.conf with only ports, paths and a
self-signed certificate (openssl) substituted, each substitution checked,
so the reference configuration is what is tested. nginx runs as the
current user (as root its workers run as nobody) with everything in a
temporary folder, on free loopback ports, and is stopped in a finally
block. Clients connect from other loopback addresses (127.0.0.2, …) so
that the address nginx sees differs from nginx's own.

Checked through nginx: the receipt QR's host is the public URL's (whatever
Host or X-Forwarded-* a client sends); tongban's access log names the
client nginx saw, and a client's own X-Forwarded-For does not let it pick
another; the tracking throttle keys on that address; an event on the
supervision stream arrives within a second of the change that caused it;
an oversized upload gets 413 problem+json; the plain-HTTP port redirects
to the public name; nginx's log has no query strings (tokens). Every wait
has a timeout. Speaks TAP on stdout.
"""
import http.client as httpclient
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.parse

from tbhttp import (BASE, ROOT, Resp, case, credit_code, done, expect, http,
                    org_intake, sql, tok)

PUBLIC = os.environ["TB_PUBLIC_URL"]
HOST = urllib.parse.urlsplit(PUBLIC).hostname
LOG = os.environ["TB_ACCESS_LOG"]
UPSTREAM = urllib.parse.urlsplit(BASE).port
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CLERK = "clerk1"

state = {}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def substitute(text, pairs):
    """Replace each (old, new) exactly once: a reference configuration
    that changed shape fails here rather than being tested half."""
    for old, new in pairs:
        assert text.count(old) == 1, f"deploy/nginx.conf: {old!r} " \
            f"appears {text.count(old)} times"
        text = text.replace(old, new)
    return text


def make_config(d, https, plain):
    with open(os.path.join(ROOT, "deploy", "nginx.conf"), encoding="utf-8") as f:
        text = f.read()
    temps = "".join(f"    {k}_temp_path {d}/{k}_temp;\n"
                    for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user nobody nogroup;" if os.geteuid() == 0 else ""
    return substitute(text, [
        ("user www-data;", user),
        ("pid /run/nginx-tongban.pid;", f"pid {d}/nginx.pid;"),
        ("error_log /var/log/nginx/tongban.error.log warn;",
         f"error_log {d}/error.log info;"),
        ("access_log /var/log/nginx/tongban.access.log tongban;",
         f"access_log {d}/access.log tongban;\n" + temps),
        ("worker_connections 4096;", "worker_connections 256;"),
        ("server 127.0.0.1:8080;", f"server 127.0.0.1:{UPSTREAM};"),
        ("listen 80;", f"listen 127.0.0.1:{plain};"),
        ("listen 80 default_server;", f"listen 127.0.0.1:{plain} default_server;"),
        ("listen 443 ssl default_server;",
         f"listen 127.0.0.1:{https} ssl default_server;"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;"),
        ("ssl_certificate /etc/ssl/tongban/fullchain.pem;",
         f"ssl_certificate {d}/cert.pem;"),
        ("ssl_certificate_key /etc/ssl/tongban/privkey.pem;",
         f"ssl_certificate_key {d}/key.pem;"),
    ])


def make_certificate(d):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                    "-keyout", f"{d}/key.pem", "-out", f"{d}/cert.pem",
                    "-subj", f"/CN={HOST}", "-addext",
                    f"subjectAltName=DNS:{HOST}"],
                   check=True, capture_output=True, timeout=60)


def wait_listening(port, proc, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        assert proc.poll() is None, "nginx exited: " + read(state["dir"] + "/stderr")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nginx did not listen on {port} in {seconds} s")


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def connect(source="127.0.0.2", timeout=20):
    """An HTTPS connection to nginx from a loopback source address, with
    the public name as SNI and Host, the test certificate trusted."""
    ctx = ssl.create_default_context(cafile=state["dir"] + "/cert.pem")
    raw = socket.create_connection(("127.0.0.1", state["https"]),
                                   timeout=timeout, source_address=(source, 0))
    c = httpclient.HTTPConnection(HOST, timeout=timeout)
    c.sock = ctx.wrap_socket(raw, server_hostname=HOST)
    return c


def through(method, path, body=None, token=None, headers=None, raw=None,
            ctype=None, source="127.0.0.2"):
    """One request through nginx; a Resp (problem+json checked)."""
    h = dict(headers or {})
    data = raw
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        h["Content-Type"] = "application/json"
    elif raw is not None:
        h["Content-Type"] = ctype
    if token:
        h["Authorization"] = "Bearer " + token
    c = connect(source)
    try:
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        return Resp(r.status, r.headers, r.read())
    finally:
        c.close()


def zbar(png):
    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        f.write(png)
        f.flush()
        z = subprocess.run(["zbarimg", "-q", "--raw", f.name],
                           capture_output=True, timeout=60)
    assert z.returncode == 0, z.stderr
    return z.stdout.decode().strip()


def log_line(request_id, seconds=5):
    """tongban's access log line of a request (written within 100 ms)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        for line in read(LOG).splitlines():
            if f"id={request_id} " in line and "msg=request" in line:
                return line
        time.sleep(0.1)
    raise AssertionError(f"no access log line for {request_id}")


def start_nginx():
    d = tempfile.mkdtemp(prefix="tb-nginx-")
    os.chmod(d, 0o755)  # the workers (nobody, as root) reach their temp paths
    state.update(dir=d, https=free_port(), plain=free_port())
    make_certificate(d)
    with open(f"{d}/nginx.conf", "w", encoding="utf-8") as f:
        f.write(make_config(d, state["https"], state["plain"]))
    t = subprocess.run([NGINX, "-t", "-p", d, "-c", f"{d}/nginx.conf"],
                       capture_output=True, text=True, timeout=30)
    assert t.returncode == 0, t.stderr
    with open(f"{d}/stderr", "w") as err:
        state["proc"] = subprocess.Popen(
            [NGINX, "-p", d, "-c", f"{d}/nginx.conf", "-g", "daemon off;"],
            stdout=err, stderr=subprocess.STDOUT)
    wait_listening(state["https"], state["proc"])


def stop_nginx():
    p = state.get("proc")
    if p and p.poll() is None:
        p.send_signal(signal.SIGQUIT)  # graceful: finish, then exit
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)
    if state.get("dir") and not os.environ.get("TB_KEEP_TMP"):
        shutil.rmtree(state["dir"], ignore_errors=True)


# ---- the cases ---------------------------------------------------------------

CASES = []


def step(name):
    """Keep a case to run in order, inside run_cases' try block."""
    def keep(fn):
        CASES.append((name, fn))
        return fn
    return keep


@step("nginx starts with deploy/nginx.conf (ports, paths, certificate substituted)")
def _():
    start_nginx()
    r = expect(through("GET", "/healthz"), 200)
    assert r.headers.get("X-Request-Id"), r.headers
    assert r.headers.get("Strict-Transport-Security"), r.headers


@step("the receipt QR through nginx points at the public URL, whatever Host a client sends")
def _():
    holder = credit_code("MA2H7N01")
    a = expect(through("POST", "/api/v1/applications", org_intake(holder),
                       token=tok(CLERK)), 201).json
    state["app"] = a
    n, code = a["number"], a["tracking_code"]
    for extra in ({}, {"X-Forwarded-Host": "evil.example",
                       "X-Forwarded-Proto": "http",
                       "X-Forwarded-For": "6.6.6.6"}):
        r = expect(through("GET", f"/api/v1/applications/{n}/qr.png?c={code}",
                           headers=extra), 200)
        url = zbar(r.body)
        assert url == f"{PUBLIC}/t/{n}?c={code}", url
        assert urllib.parse.urlsplit(url).hostname == HOST
    # the license verification page is reached through nginx too
    r = expect(through("GET", "/v?p=TB1:x"), 200)
    assert r.headers["Content-Type"].startswith("text/html"), r.headers
    # nginx forwards its own scheme and host: they agree with --public-url
    assert "another scheme or host than --public-url" not in read(LOG)


@step("tongban's access log names the client nginx saw; a client's X-Forwarded-For cannot pick another")
def _():
    for source, spoof in (("127.0.0.2", None), ("127.0.0.5", "6.6.6.6"),
                          ("127.0.0.5", "6.6.6.6, 127.0.0.1, 10.0.0.1")):
        r = expect(through("GET", "/healthz", source=source,
                           headers={"X-Forwarded-For": spoof} if spoof else {}),
                   200)
        line = log_line(r.headers["X-Request-Id"])
        assert f" client={source} " in line, line
    # directly, from an address that is no trusted proxy, the header is
    # ignored: test_api's own client is 127.0.0.1, which is trusted here,
    # so ask from 127.0.0.6 without nginx
    c = httpclient.HTTPConnection("127.0.0.1", UPSTREAM, timeout=20,
                                   source_address=("127.0.0.6", 0))
    c.request("GET", "/healthz", headers={"X-Forwarded-For": "6.6.6.6"})
    r = c.getresponse()
    r.read()
    c.close()
    line = log_line(r.headers["X-Request-Id"])
    assert " client=127.0.0.6 " in line, line


@step("the tracking throttle keys on the client nginx saw")
def _():
    sql("DELETE FROM auth_failures")
    n = state["app"]["number"]
    path = f"/api/v1/track/{n}?code=WRONGCODE2"
    misses = 0
    while misses <= 30:  # the soft limit is 20 misses; then a wait
        r = through("GET", path, source="127.0.0.3",
                    headers={"X-Forwarded-For": f"6.6.6.{misses}"})
        if r.status != 404:
            break
        misses += 1
    expect(r, 429, "too_many_attempts")
    assert misses == 20, misses
    assert int(r.headers["Retry-After"]) >= 1, r.headers
    expect(through("GET", path, source="127.0.0.4"), 404)  # another client
    keys = sql("SELECT key || '=' || count(*) FROM auth_failures "
               "GROUP BY key ORDER BY key").split("\n")
    assert keys == ["track:127.0.0.3=20", "track:127.0.0.4=1"], keys
    sql("DELETE FROM auth_failures")


@step("an event on the supervision stream arrives through nginx within a second of its change")
def _():
    c = connect(source="127.0.0.2", timeout=20)
    try:
        c.request("GET", "/api/v1/supervision/stream?access_token=" + tok(CLERK),
                  headers={"Accept": "text/event-stream"})
        r = c.getresponse()
        assert r.status == 200, r.status
        assert r.headers["Content-Type"].startswith("text/event-stream")
        c.sock.settimeout(6)  # a read blocks at most this long
        seen = b""

        def wait_for(needle, seconds):
            nonlocal seen
            deadline = time.time() + seconds
            while needle not in seen and time.time() < deadline:
                seen += r.fp.read1(4096)
            return needle in seen

        assert wait_for(b"tongban supervision", 10), seen
        holder = credit_code("MA2H7N02")
        a = expect(http("POST", "/api/v1/applications", org_intake(holder),
                        token=tok(CLERK)), 201).json
        committed = time.time()
        assert wait_for(a["number"].encode(), 5), seen[-500:]
        late = time.time() - committed
        print(f"# the event came {late * 1000:.0f} ms after the change")
        assert late < 1.0, f"the event came {late:.2f} s after the change"
    finally:
        c.close()
    # nginx's own log has no query string: the token stays out of it
    deadline = time.time() + 5
    while "/api/v1/supervision/stream" not in read(state["dir"] + "/access.log") \
            and time.time() < deadline:
        time.sleep(0.1)
    text = read(state["dir"] + "/access.log")
    assert "/api/v1/supervision/stream" in text and "access_token" not in text
    assert re.search(r"^127\.0\.0\.2 ", text, re.M), text[-300:]


@step("an oversized upload gets 413 problem+json through nginx")
def _():
    n, code = state["app"]["number"], state["app"]["tracking_code"]
    path = f"/api/v1/applications/{n}/materials/articles/files?code={code}"
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
    r = expect(through("POST", path, raw=big, ctype="application/pdf"), 413,
               "body_too_large")
    assert r.headers["Content-Type"] == "application/problem+json", r.headers


@step("plain HTTP redirects to the public name; an unknown name gets no TLS handshake")
def _():
    c = httpclient.HTTPConnection("127.0.0.1", state["plain"], timeout=10,
                                   source_address=("127.0.0.2", 0))
    c.request("GET", "/t/x?c=1", headers={"Host": "evil.example"})
    try:
        r = c.getresponse()
        raise AssertionError(f"evil.example got an answer: {r.status}")
    except httpclient.RemoteDisconnected:
        pass  # 444: closed without an answer
    finally:
        c.close()
    c = httpclient.HTTPConnection("127.0.0.1", state["plain"], timeout=10)
    c.request("GET", "/t/x?c=1", headers={"Host": HOST})
    r = c.getresponse()
    r.read()
    c.close()
    assert r.status == 301, r.status
    assert r.headers["Location"] == f"https://{HOST}/t/x?c=1", r.headers
    ctx = ssl.create_default_context(cafile=state["dir"] + "/cert.pem")
    ctx.check_hostname = False
    raw = socket.create_connection(("127.0.0.1", state["https"]), timeout=10)
    try:
        ctx.wrap_socket(raw, server_hostname="evil.example")
        raise AssertionError("a handshake for evil.example succeeded")
    except ssl.SSLError:
        pass
    finally:
        raw.close()


def run_cases():
    """Every case in order; nginx stops whatever happens."""
    try:
        for name, fn in CASES:
            case(name)(fn)
    finally:
        stop_nginx()


run_cases()
raise SystemExit(done())
