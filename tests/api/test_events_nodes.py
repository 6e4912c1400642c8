#!/usr/bin/env python3
"""test_events_nodes.py — two nodes on one database hear each other's
changes without a NOTIFY per transaction (issue 18 §1, §3, §4). Started
by test_api.c with the tongban binary: node A is the harness's server
(TB_BASE_URL); node B is a `tongban serve` process this script starts on
the same database, stopped at the end.

- A change made through A reaches a live stream on B within a second,
  and one made through B a stream on A.
- Under a bounded load (8 threads × 50 transitions, spread over both
  nodes) a stream on each node receives every change exactly once, in
  order of each application's audit seq, and none is a reset.
- The tracking view cached on B is dropped within a second of a change
  through A; a wrong code is refused (404, counted) with the view cached.
- A session cached on B is refused on B within a second of its logout
  through A.
Every wait is bounded; loopback only. Speaks TAP on stdout.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request

from tbhttp import (ADMIN_DB, BASE, PASSWORD, ROOT, Stream, case, credit_code,
                    done, expect, http, org_intake, sql, tok)

CLERK, INSPECTOR = "clerk1", "inspector1"
WITHIN = 1.0  # seconds: a change reaches the other node
THREADS, PER_THREAD = 8, 50


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_node_b():
    """`tongban serve` on the harness's database; its URL and process."""
    port = free_port()
    data = tempfile.mkdtemp(prefix="tb-node-b-")
    log = open(os.path.join(data, "serve.log"), "w")
    proc = subprocess.Popen(
        [os.environ["TB_TONGBAN"], "serve", "--db", ADMIN_DB, "--listen",
         f"127.0.0.1:{port}", "--data", data, "--workflows",
         os.path.join(ROOT, "workflows"), "--keys", os.environ["TB_KEYS_DIR"],
         "--allow-unencrypted-keys", "--totp-roles", "none",
         "--log-level", "warn"],
        stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    until = time.monotonic() + 60
    while time.monotonic() < until:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return url, proc, log, data
        except OSError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.kill()
    proc.wait()
    log.close()
    with open(log.name) as f:
        text = f.read()[-2000:]
    shutil.rmtree(data, ignore_errors=True)
    raise RuntimeError("node B did not start: " + text)


B, NODE_B, NODE_B_LOG, NODE_B_DATA = start_node_b()
holders = iter(range(10000000, 99999999, 7919))


def intake(base):
    """A qykb application taken in at the window through base: its
    number and tracking code."""
    body = org_intake(credit_code(str(next(holders))))
    a = expect(http("POST", "/api/v1/applications", body, token=tok(CLERK),
                    base=base), 201).json
    return a["number"], a["tracking_code"]


def accept(base, number):
    expect(http("POST", f"/api/v1/applications/{number}/accept", {},
                token=tok(CLERK), base=base), 200)


def seqs(stream, number):
    return [d["seq"] for d in stream.changes(number)]


def reaches(stream, number, seconds):
    """Seconds until stream has a change of number (None: not within)."""
    start = time.monotonic()
    if stream.wait(stream.has(number), seconds):
        return time.monotonic() - start
    return None


try:
    @case("a change through one node reaches a stream on the other within a second")
    def _():
        on_a = Stream(tok(INSPECTOR), base=BASE)
        on_b = Stream(tok(INSPECTOR), base=B)
        n, _ = intake(BASE)
        took = reaches(on_b, n, 5)
        assert took is not None and took < WITHIN, f"A → B: {took}"
        print(f"# A → B: {took * 1000:.0f} ms")
        m, _ = intake(B)
        took = reaches(on_a, m, 5)
        assert took is not None and took < WITHIN, f"B → A: {took}"
        print(f"# B → A: {took * 1000:.0f} ms")
        assert on_b.wait(on_b.has(m), 5)
        on_a.wait(lambda s: False, 0.3)  # nothing doubled arrives late
        on_b.wait(lambda s: False, 0.3)
        for st in (on_a, on_b):
            assert [len(st.changes(x)) for x in (n, m)] == [1, 1], st.text
        on_a.close()
        on_b.close()

    @case("under load every change reaches both nodes once, in order per application")
    def _():
        rows_before = sql("SELECT count(*) FROM event_tail")
        on_a = Stream(tok(INSPECTOR), base=BASE)
        on_b = Stream(tok(INSPECTOR), base=B)
        made, errors = [], []
        lock = threading.Lock()

        def work(i):
            try:
                nodes = (BASE, B) if i % 2 == 0 else (B, BASE)
                for k in range(PER_THREAD // 2):
                    n, _ = intake(nodes[k % 2])
                    accept(nodes[(k + 1) % 2], n)
                    with lock:
                        made.append(n)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))

        workers = [threading.Thread(target=work, args=(i,))
                   for i in range(THREADS)]
        loaded = threading.Event()
        # each stream read while the load runs (a client that stops
        # reading is closed by the server's connection timeout)
        readers = [threading.Thread(target=st.wait,
                                    args=(lambda s: loaded.is_set(), 300))
                   for st in (on_a, on_b)]
        start = time.monotonic()
        for w in workers + readers:
            w.start()
        for w in workers:
            w.join(300)
        took = time.monotonic() - start
        loaded.set()
        for r in readers:
            r.join(30)
        assert not errors, errors[:3]
        assert len(made) == THREADS * PER_THREAD // 2, len(made)
        print(f"# {THREADS * PER_THREAD} transitions in {took:.1f} s")

        def complete(s):
            return all(len(s.changes(n)) >= 2 for n in made)
        for st, name in ((on_a, "A"), (on_b, "B")):
            if not st.wait(complete, 30):
                short = [n for n in made if len(st.changes(n)) < 2]
                for n in short[:3]:
                    print(f"# {name} {n}: seq {seqs(st, n)}")
                raise AssertionError(f"{name}: {len(short)} short, "
                                     f"ended: {st.ended}")
            st.wait(lambda s: False, 0.5)  # nothing doubled arrives late
            for n in made:
                got = seqs(st, n)
                assert got == sorted(got) and len(got) == len(set(got)) == 2, \
                    (name, n, got)
            assert not any(t == "reset" for t, _, _ in st.events()), name
        rows = int(sql("SELECT count(*) FROM event_tail")) - int(rows_before)
        assert rows >= THREADS * PER_THREAD, rows
        on_a.close()
        on_b.close()

    @case("a tracking view cached on B is dropped within a second of a change through A")
    def _():
        n, code = intake(BASE)
        path = f"/api/v1/track/{n}?code={code}"
        first = expect(http("GET", path, base=B), 200).json
        assert first["state"] == "submitted", first["state"]
        again = expect(http("GET", path, base=B), 200).json
        assert again == first
        accept(BASE, n)
        start = time.monotonic()
        state = first["state"]
        while time.monotonic() - start < 3 and state == "submitted":
            state = expect(http("GET", path, base=B), 200).json["state"]
        took = time.monotonic() - start
        assert state == "in_review", state
        assert took < WITHIN, f"{took:.2f} s"
        print(f"# the view on B changed {took * 1000:.0f} ms after the change")
        # on the node that committed, at once
        m, mcode = intake(BASE)
        expect(http("GET", f"/api/v1/track/{m}?code={mcode}"), 200)
        accept(BASE, m)
        view = expect(http("GET", f"/api/v1/track/{m}?code={mcode}"), 200).json
        assert view["state"] == "in_review", view["state"]

    @case("a wrong code is refused with the view cached, and counted")
    def _():
        n, code = intake(B)
        expect(http("GET", f"/api/v1/track/{n}?code={code}", base=B), 200)
        wrong = ("2" if code[0] != "2" else "3") + code[1:]
        source = "127.0.0.9"
        before = sql("SELECT count(*) FROM auth_failures WHERE key = "
                     f"'track:{source}'")
        r = expect(http("GET", f"/api/v1/track/{n}?code={wrong}", base=B,
                        source=source), 404, "not_found")
        assert "tracking code" in r.json["detail"], r.json
        after = sql("SELECT count(*) FROM auth_failures WHERE key = "
                    f"'track:{source}'")
        assert int(after) == int(before) + 1, (before, after)
        expect(http("GET", f"/api/v1/track/{n}", base=B, source=source), 404)
        expect(http("GET", f"/api/v1/track/{n}?code={code}", base=B), 200)

    @case("a logout through A refuses the token on B within a second")
    def _():
        token = expect(http("POST", "/api/v1/sessions",
                            {"username": CLERK, "password": PASSWORD}),
                       201).json["token"]
        for _ in range(3):  # cached on B
            expect(http("GET", "/api/v1/applications?state=submitted",
                        token=token, base=B), 200)
        expect(http("DELETE", "/api/v1/sessions/current", token=token), 204)
        start = time.monotonic()
        status = 200
        while time.monotonic() - start < 3 and status == 200:
            status = http("GET", "/api/v1/applications?state=submitted",
                          token=token, base=B).status
        took = time.monotonic() - start
        assert status == 401, status
        assert took < WITHIN, f"{took:.2f} s"
        print(f"# refused on B {took * 1000:.0f} ms after the logout")
        # and on the node that logged out, at once
        expect(http("GET", "/api/v1/applications?state=submitted",
                    token=token), 401, "invalid_token")

finally:
    NODE_B.terminate()
    try:
        NODE_B.wait(20)
    except subprocess.TimeoutExpired:
        NODE_B.kill()
        NODE_B.wait()
    NODE_B_LOG.close()
    shutil.rmtree(NODE_B_DATA, ignore_errors=True)

done()
