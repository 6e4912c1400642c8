"""test_abuse_conn.py — staying up under abuse: connections and CPU (issue 17
§2; api/api_conn_guard.c, api/api_hashpool.c). The harness starts the
server with small limits (tests/api/meson.build): 128 connections in all,
32 per client address (127.0.0.50 a trusted proxy), 3 s for a request's headers, a body 3 s plus a
second per 500 bytes, one thread hashing passwords and 16 waiting.

- A slow-client flood from 127.0.0.2 (300 half-sent requests, 4 slowloris
  trickles sending a header byte every 0.5 s, 2 bodies trickling a byte
  every 0.5 s) is bounded by the per-address cap: meanwhile clients from
  127.0.0.1 get /healthz, a login and a staff GET answered within 1 s
  each; the connections over the cap are refused at once, and every
  flood connection the server took is closed within the deadlines
  (never by the 30 s idle timeout, which the trickles keep resetting).
- A trusted proxy's connections are not capped per address.
- A login flood (64 logins at once from 8 addresses 127.0.0.3..10) while
  /healthz is asked every 20 ms from 127.0.0.1: /healthz keeps answering
  well within 1 s (scrypt on the request threads made it wait seconds),
  every login is answered 201, or 503 password_hashing_busy with
  Retry-After once the queue is full, and /metrics shows that no more
  passwords were ever hashed at once than the pool's one thread.
Every flood is bounded in count and time and stays on loopback.
"""
import json
import selectors
import socket
import threading
import time

from tbhttp import (BASE, PASSWORD, case, done, expect, http, raw_answer,
                    raw_exchange, tok)

HOST, PORT = BASE.split("//")[1].split(":")
PORT = int(PORT)
PER_ADDRESS = 32
HEADER_S = 3.0
BODY_S = 3.0
SLACK_S = 2.0  # the sweeper's tick, a loaded machine


def connect(source, timeout=5):
    """A TCP connection to the server from the loopback address source."""
    return socket.create_connection((HOST, PORT), timeout=timeout,
                                    source_address=(source, 0))


def timed(fn):
    """(seconds fn took, its result)."""
    t = time.monotonic()
    out = fn()
    return time.monotonic() - t, out


def metric(text, name):
    """The value of one sample line `name value` of a /metrics text."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} is not in /metrics")


def metrics():
    return http("GET", "/metrics").body.decode()


class Flood:
    """The slow clients of one address: half-sent requests, header
    trickles and body trickles, each socket remembered with when it
    opened and when the server closed it."""

    def __init__(self, source):
        self.source = source
        self.socks = []  # [socket, kind, opened, closed_at or None]
        self.sel = selectors.DefaultSelector()

    def open(self, kind, first):
        try:
            s = connect(self.source)
        except OSError:
            return  # refused before it was accepted: counted as closed
        s.setblocking(False)
        entry = [s, kind, time.monotonic(), None]
        try:
            s.send(first)
        except OSError:
            entry[3] = time.monotonic()
        self.socks.append(entry)
        self.sel.register(s, selectors.EVENT_READ, entry)

    def close_seen(self, entry):
        if entry[3] is None:
            entry[3] = time.monotonic()
            self.sel.unregister(entry[0])

    def poll(self, wait):
        """Note the sockets the server closed (EOF or reset)."""
        for key, _ in self.sel.select(timeout=wait):
            entry = key.data
            try:
                if entry[0].recv(4096):
                    continue  # an answer (none expected): keep reading
            except BlockingIOError:
                continue
            except OSError:
                pass
            self.close_seen(entry)

    def trickle(self):
        """One more byte on every trickling socket still open."""
        for entry in self.socks:
            if entry[3] is not None or entry[1] == "half":
                continue
            try:
                entry[0].send(b"X" if entry[1] == "header" else b"a")
            except OSError:
                self.close_seen(entry)

    def open_count(self):
        return sum(1 for e in self.socks if e[3] is None)

    def close_all(self):
        for entry in self.socks:
            entry[0].close()
        self.sel.close()


def start_flood(f):
    """The trickles first (so that the cap takes them), then the half-sent
    requests, most of which the cap refuses."""
    for _ in range(4):
        f.open("header", b"GET /healthz HTTP/1.1\r\nX-Slow: ")
    for _ in range(2):
        f.open("body", b"POST /api/v1/sessions HTTP/1.1\r\nHost: flood\r\n"
                       b"Content-Type: application/json\r\n"
                       b"Content-Length: 100000\r\n\r\n{")
    for _ in range(300):
        f.open("half", b"GET /healthz HTTP/1.1\r\nHost: flood\r\n")
    # the refused ones are closed as the server accepts them
    end = time.monotonic() + 3
    while f.open_count() > PER_ADDRESS + 2 and time.monotonic() < end:
        f.poll(0.1)


@case("a slow-client flood from one address: others are answered within 1 s, "
      "and the flood's connections are refused or closed by the deadlines")
def slow_flood():
    token = tok("clerk1")
    before = metrics()
    f = Flood("127.0.0.2")
    try:
        start_flood(f)
        # the real clients, while the flood holds its connections
        for what, fn in [
                ("/healthz", lambda: http("GET", "/healthz")),
                ("a login", lambda: http("POST", "/api/v1/sessions",
                                         {"username": "clerk1",
                                          "password": PASSWORD})),
                ("a staff GET", lambda: http("GET", "/api/v1/applications",
                                             token=token))]:
            took, r = timed(fn)
            assert r.status in (200, 201), f"{what}: {r!r}"
            assert took < 1.0, f"{what} took {took:.2f} s under the flood"
        # the server took at most the cap (plus one per worker thread
        # accepting at the same moment); the rest were refused at once
        assert f.open_count() <= PER_ADDRESS + 2, \
            f"{f.open_count()} flood connections are open"
        end = time.monotonic() + HEADER_S + BODY_S + 8 * SLACK_S
        while f.open_count() and time.monotonic() < end:
            f.poll(0.5)
            f.trickle()
        assert f.open_count() == 0, \
            f"{f.open_count()} flood connections are still open"
        for s, kind, opened, closed in f.socks:
            limit = (BODY_S + 100 / 500 if kind == "body" else HEADER_S)
            assert closed - opened <= limit + SLACK_S, \
                f"a {kind} connection lived {closed - opened:.1f} s"
    finally:
        f.close_all()
    after = metrics()
    refused = (metric(after, "tongban_http_connections_refused_total") -
               metric(before, "tongban_http_connections_refused_total"))
    assert refused >= 306 - PER_ADDRESS - 2, f"{refused} refused"
    for phase in ("headers", "body"):
        name = f'tongban_http_connections_timed_out_total{{phase="{phase}"}}'
        assert metric(after, name) > metric(before, name), \
            f"no connection timed out in phase {phase}"
    expect(http("GET", "/healthz"), 200)


@case("a trickle of headers is closed at the headers' deadline although "
      "every byte resets the idle timeout")
def slowloris_deadline():
    with connect("127.0.0.2") as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        opened = time.monotonic()
        s.settimeout(0.4)
        closed = None
        while time.monotonic() - opened < HEADER_S + 3 * SLACK_S:
            try:
                s.sendall(b"X-A: b\r\n")
                if s.recv(4096) == b"":
                    closed = time.monotonic()
                    break
            except socket.timeout:
                continue
            except OSError:
                closed = time.monotonic()
                break
        assert closed is not None, "the trickle was never closed"
        assert HEADER_S - 0.5 <= closed - opened <= HEADER_S + SLACK_S, \
            f"closed after {closed - opened:.1f} s"


@case("a body at a good rate is not cut: a login sent in pieces over 2 s")
def slow_but_fair_body():
    body = json.dumps({"username": "clerk1", "password": PASSWORD}).encode()
    head = (b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nConnection: close\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
    # the headers in one piece, then the body 16 bytes at a time over 2 s
    pieces = [head] + [body[i:i + 16] for i in range(0, len(body), 16)]
    out, closed = raw_exchange(pieces, timeout=15, source="127.0.0.2",
                               pause=2.0 / (len(pieces) - 1))
    status, _, answer = raw_answer(out)
    assert closed and status == 201, out[:300]
    assert json.loads(answer)["username"] == "clerk1"


@case("a trusted proxy (127.0.0.50) is not capped per address: every client "
      "comes from it")
def proxy_not_capped():
    before = metric(metrics(), "tongban_http_connections_refused_total")
    f = Flood("127.0.0.50")
    try:
        for _ in range(PER_ADDRESS + 16):
            f.open("half", b"GET /healthz HTTP/1.1\r\nHost: proxy\r\n")
        f.poll(1.0)
        assert f.open_count() == PER_ADDRESS + 16, \
            f"{PER_ADDRESS + 16 - f.open_count()} proxy connections closed"
    finally:
        f.close_all()
    assert metric(metrics(), "tongban_http_connections_refused_total") == before


def login_from(source, results):
    took, r = timed(lambda: http("POST", "/api/v1/sessions",
                                 {"username": "clerk1", "password": PASSWORD},
                                 source=source))
    results.append((took, r))


@case("a login flood from 8 addresses: /healthz keeps answering, hashing "
      "never exceeds its one thread, a full queue is 503 with Retry-After")
def login_flood():
    before = metrics()
    results, health = [], []
    stop = threading.Event()

    def poll_health():
        while not stop.is_set():
            took, r = timed(lambda: http("GET", "/healthz"))
            health.append((took, r.status))
            time.sleep(0.02)

    poller = threading.Thread(target=poll_health)
    poller.start()
    flood = [threading.Thread(target=login_from,
                              args=(f"127.0.0.{3 + i % 8}", results))
             for i in range(64)]
    for t in flood:
        t.start()
    for t in flood:
        t.join(60)
    stop.set()
    poller.join(10)
    assert len(results) == 64, f"{len(results)} of 64 logins answered"
    statuses = sorted({r.status for _, r in results})
    assert set(statuses) <= {201, 503}, statuses
    ok = [r for _, r in results if r.status == 201]
    busy = [r for _, r in results if r.status == 503]
    assert ok, "no login succeeded"
    for r in busy:
        assert r.json["code"] == "password_hashing_busy", r.json
        assert int(r.headers["Retry-After"]) > 0
    assert len(health) >= 5, f"/healthz was asked {len(health)} times"
    assert all(s == 200 for _, s in health), health
    worst = max(t for t, _ in health)
    assert worst < 1.0, f"/healthz took {worst:.2f} s under the login flood"
    after = metrics()
    assert metric(after, "tongban_password_hash_threads") == 1
    assert metric(after, "tongban_password_hash_running_max") == 1, \
        "more passwords were hashed at once than the pool has threads"
    assert metric(after, "tongban_password_hash_queue") == 0
    hashed = (metric(after, "tongban_password_hashes_total") -
              metric(before, "tongban_password_hashes_total"))
    name = 'tongban_password_hash_refused_total{reason="%s"}'
    refused = sum(metric(after, name % why) - metric(before, name % why)
                  for why in ("queue_full", "waited_too_long"))
    assert hashed >= len(ok) and refused == len(busy), (hashed, refused)
    print(f"# {len(ok)} logins in, {len(busy)} answered 503; /healthz "
          f"worst {worst * 1000:.0f} ms over {len(health)} tries")


raise SystemExit(done())
