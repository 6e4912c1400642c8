"""test_metrics.py — GET /metrics for an operator (issue 16 §4;
api/api_metrics.c, api/api_metrics_process.c, store/tb_store_metrics.c),
started by test_api.c with this script's name and the tongban binary,
with the timer scheduler running (TB_SCHEDULER=1).

- After some traffic the scraped text passes `promtool check metrics`
  (Debian's prometheus package) with no problem at all, and every family
  has HELP and TYPE.
- Each new metric exists and moves: a request that matches no route is
  counted under route="unmatched" (never its path); statuses are exact
  codes; logins by outcome; a failed login that reaches the lock is a
  lockout; an open event stream raises the gauge and its end lowers it;
  the pool's connections and waits; a serialization failure injected
  into a change (test builds) is a retry under sqlstate="40001"; a timer
  held back behind a locked application is due and makes the
  scheduler's lag, a change waiting for that row holds its connection in
  use, and once released the timer fires, late; open findings by
  card; the process metrics and the build information.

Speaks TAP on stdout. Environment as for test_api.py.
"""
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from http.client import HTTPConnection

from tbhttp import (ADMIN_DB, BASE, case, credit_code, done, expect, http,
                    org_intake, psql_path, sql, tok)

CLERK = "clerk1"
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def scrape():
    """The /metrics text, checked for its content type."""
    r = expect(http("GET", "/metrics"), 200)
    ctype = r.headers["Content-Type"]
    assert ctype.startswith("text/plain; version=0.0.4"), ctype
    return r.body.decode("utf-8")


def samples(text):
    """{(name, frozenset of (label, value)): value} of every sample."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = LINE.match(line)
        assert m, f"not a sample line: {line!r}"
        labels = frozenset(LABEL.findall(m.group(3) or ""))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def value(name, **labels):
    """One sample's value now (0 when it is not there)."""
    want = frozenset(labels.items())
    return samples(scrape()).get((name, want), 0.0)


def wait_for(test, seconds, what):
    """Poll test() until it is true, at most `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if test():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {what}")


def login(user, password):
    return http("POST", "/api/v1/sessions",
                {"username": user, "password": password})


@case("after traffic, promtool check metrics finds no problem")
def _():
    tok(CLERK)
    expect(http("GET", "/healthz"), 200)
    expect(http("GET", "/no/such/route"), 404)
    expect(login(CLERK, "wrong-password"), 401)
    sql("DELETE FROM auth_failures")
    text = scrape()
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: install Debian's prometheus (./dev deps)"
    r = subprocess.run([promtool, "check", "metrics"], input=text,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), \
        f"promtool: {r.returncode} {r.stdout}{r.stderr}"
    families = set(re.findall(r"^# TYPE (\S+) ", text, re.M))
    helps = set(re.findall(r"^# HELP (\S+) ", text, re.M))
    assert families == helps, families ^ helps
    for name in ("tongban_http_requests_total", "tongban_logins_total",
                 "tongban_login_lockouts_total", "tongban_db_connections",
                 "tongban_db_connection_waits_total",
                 "tongban_db_connection_wait_seconds_total",
                 "tongban_db_transaction_retries_total",
                 "tongban_timers_fired_total", "tongban_timers_late_total",
                 "tongban_timers_due", "tongban_scheduler_lag_seconds",
                 "tongban_sse_streams", "tongban_supervision_findings_open",
                 "process_resident_memory_bytes",
                 "process_virtual_memory_bytes", "process_open_fds",
                 "process_max_fds", "process_cpu_seconds_total",
                 "process_start_time_seconds", "tongban_build_info"):
        assert name in families, f"{name} is missing"


@case("a request that matches no route is counted as unmatched, not by its path")
def _():
    key = dict(method="-", route="unmatched", status="404")
    before = value("tongban_http_requests_total", **key)
    path = "/nowhere-" + uuid.uuid4().hex
    expect(http("GET", path), 404)
    expect(http("POST", "/also/" + uuid.uuid4().hex, {}), 404)
    assert value("tongban_http_requests_total", **key) == before + 2
    assert path not in scrape()


@case("statuses are counted by their exact code")
def _():
    route = dict(method="GET", route="/api/v1/supervision/stream",
                 status="406")
    before = value("tongban_http_requests_total", **route)
    expect(http("GET", "/api/v1/supervision/stream", token=tok(CLERK),
                headers={"Accept": "application/json"}), 406)
    assert value("tongban_http_requests_total", **route) == before + 1


@case("logins are counted by outcome")
def _():
    ok = value("tongban_logins_total", outcome="succeeded")
    bad = value("tongban_logins_total", outcome="failed")
    invalid = value("tongban_logins_total", outcome="invalid")
    expect(login(CLERK, "wrong-password"), 401)
    expect(login(CLERK, os.environ["TB_PASSWORD"]), 201)
    expect(http("POST", "/api/v1/sessions", {"username": CLERK}), 422)
    assert value("tongban_logins_total", outcome="failed") == bad + 1
    assert value("tongban_logins_total", outcome="succeeded") == ok + 1
    assert value("tongban_logins_total", outcome="invalid") == invalid + 1
    sql("DELETE FROM auth_failures")


@case("the failed login that locks a user name is a lockout; then refused")
def _():
    lockouts = value("tongban_login_lockouts_total")
    refused = value("tongban_logins_total", outcome="refused")
    # nine failures two minutes ago: past the slow-down's wait, one short
    # of the lock (ten in fifteen minutes)
    sql("INSERT INTO auth_failures (key, at) SELECT 'user:lockmetrics@127.0.0.1', "
        "now() - interval '2 minutes' FROM generate_series(1, 9)")
    expect(login("lockmetrics", "wrong-password"), 401)
    assert value("tongban_login_lockouts_total") == lockouts + 1
    expect(login("lockmetrics", "wrong-password"), 429, "locked")
    assert value("tongban_logins_total", outcome="refused") == refused + 1
    assert value("tongban_login_lockouts_total") == lockouts + 1
    sql("DELETE FROM auth_failures")


@case("an open event stream raises the gauge; its end lowers it")
def _():
    base = value("tongban_sse_streams")
    host, port = BASE.split("//")[1].split(":")
    c = HTTPConnection(host, int(port), timeout=20)
    c.request("GET", "/api/v1/supervision/stream",
              headers={"Accept": "text/event-stream",
                       "Authorization": "Bearer " + tok(CLERK)})
    r = c.getresponse()
    assert r.status == 200, r.status
    r.fp.read1(64)  # the stream's first bytes: it is registered
    assert value("tongban_sse_streams") == base + 1
    r.close()  # the response holds the socket too
    c.close()
    # a vanished client is noticed when writes to it fail: events (a
    # NOTIFY on the live stream's channel, of a window action so that the
    # clerk's stream carries it) make those writes sooner than the
    # heartbeat would

    def gone():
        sql("NOTIFY tongban, '{\"number\": \"330100209901010000000\", "
            "\"seq\": 1, \"action\": \"submit\", \"status\": \"submitted\", "
            "\"warning\": \"none\", \"bureaus\": []}'")
        return value("tongban_sse_streams") == base
    wait_for(gone, 30, "the closed stream is not counted")


@case("the pool: connections open and in use, waits and their time")
def _():
    s = samples(scrape())
    open_ = s[("tongban_db_connections", frozenset({("state", "open")}))]
    in_use = s[("tongban_db_connections", frozenset({("state", "in_use")}))]
    waits = s[("tongban_db_connection_waits_total", frozenset())]
    waited = s[("tongban_db_connection_wait_seconds_total", frozenset())]
    # the two worker threads and the scheduler have each opened one
    assert open_ >= 2 and 0 <= in_use <= open_, (open_, in_use)
    assert waits >= open_ and waited > 0, (waits, waited)
    assert s[("tongban_db_connection_failures_total", frozenset())] == 0
    # the server's connections are there in PostgreSQL too
    assert int(sql("SELECT count(*) FROM pg_stat_activity WHERE "
                   "datname = current_database() AND pid <> "
                   "pg_backend_pid()")) >= open_


@case("a serialization failure injected into a change is a retry by SQLSTATE")
def _():
    key = dict(sqlstate="40001")
    before = value("tongban_db_transaction_retries_total", **key)
    r = http("POST", "/api/v1/applications",
             org_intake(credit_code("MT100017")), token=tok(CLERK),
             headers={"Idempotency-Key": str(uuid.uuid4()),
                      "X-Tongban-Fault": "1 soft"})
    expect(r, 201)
    if r.headers.get("X-Tongban-Fault-Fired") is None:
        print("# no fault injection in this build: the retry is not checked")
        return
    assert r.headers["X-Tongban-Fault-Fired"] == "yes", dict(r.headers)
    assert value("tongban_db_transaction_retries_total", **key) == before + 1
    assert value("tongban_db_transaction_retries_total", sqlstate="40P01") == 0


def hold(number):
    """A psql session that holds the application's row locked (FOR
    UPDATE) until its COMMIT is written."""
    p = subprocess.Popen([psql_path(), "-XAtq", "-d", ADMIN_DB],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    p.stdin.write("BEGIN;\nSELECT number FROM applications WHERE number = "
                  f"'{number}' FOR UPDATE;\n")
    p.stdin.flush()
    assert p.stdout.readline().strip() == number
    return p


def in_use():
    return value("tongban_db_connections", state="in_use")


@case("a timer held back is due and lags; released, it fires late; a "
      "request waiting on the row holds its connection in use")
def _():
    r = expect(http("POST", "/api/v1/applications",
                    org_intake(credit_code("MT200017")), token=tok(CLERK)), 201)
    n = r.json["number"]
    expect(http("POST", f"/api/v1/applications/{n}/accept", {},
                token=tok(CLERK)), 200)
    timer = sql("SELECT t.id FROM timers t JOIN applications a ON a.id = "
                f"t.application_id WHERE a.number = '{n}' ORDER BY t.due_at "
                "LIMIT 1")
    assert timer, "the accepted application has no timer"
    due0 = value("tongban_timers_due")
    fired = value("tongban_timers_fired_total")
    late = value("tongban_timers_late_total")
    waiting, idle = None, 0
    locker = hold(n)
    try:
        # two minutes overdue: the scheduler skips it while the row is held
        sql("UPDATE timers SET due_at = now() - interval '2 minutes' "
            f"WHERE id = {timer}")
        time.sleep(0.6)  # three passes of the scheduler (0.2 s)
        s = samples(scrape())
        assert s[("tongban_timers_due", frozenset())] >= due0 + 1, s
        assert s[("tongban_scheduler_lag_seconds", frozenset())] >= 119
        assert value("tongban_timers_fired_total") == fired
        # a change of the held application waits for the row inside its
        # transaction: its connection is in use meanwhile. Scrape only
        # once PostgreSQL shows it waiting for the lock: a worker thread
        # accepts every connection pending when it wakes, so a scrape sent
        # while the change is still on its way could be accepted by the
        # thread that is about to block, and wait with it.
        idle = in_use()
        lock_waits = ("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                      "current_database() AND wait_event_type = 'Lock'")
        waits0 = int(sql(lock_waits))
        waiting = threading.Thread(target=lambda: http(
            "POST", f"/api/v1/applications/{n}/accept", {},
            token=tok(CLERK)))
        waiting.start()
        wait_for(lambda: int(sql(lock_waits)) > waits0, 15,
                 "the change waits for the held row")
        assert in_use() >= idle + 1, "the waiting request's connection " \
            "is not counted in use"
    finally:
        locker.stdin.write("COMMIT;\n")
        locker.stdin.close()
        locker.wait(timeout=30)
    assert waiting, "the waiting request was not sent"
    waiting.join(timeout=60)
    wait_for(lambda: in_use() == idle, 15, "the connection is free again")
    wait_for(lambda: value("tongban_timers_fired_total") >= fired + 1, 15,
             "the released timer fired")
    assert value("tongban_timers_late_total") >= late + 1
    assert sql(f"SELECT count(*) FROM timers WHERE id = {timer}") == "0"
    assert value("tongban_timers_due") == due0


@case("open findings by card are read from the database")
def _():
    s = samples(scrape())
    for card in ("yellow", "red"):
        got = s[("tongban_supervision_findings_open",
                 frozenset({("card", card)}))]
        want = sql("SELECT count(*) FROM supervision_alerts WHERE level = "
                   f"'{card}' AND answered_at IS NULL AND decided_at IS NULL")
        assert got == int(want), (card, got, want)


@case("process metrics from /proc/self, and the build information")
def _():
    s = samples(scrape())
    one = lambda name: s[(name, frozenset())]
    assert one("process_resident_memory_bytes") > 1 << 20
    assert one("process_virtual_memory_bytes") >= \
        one("process_resident_memory_bytes")
    assert 3 <= one("process_open_fds") <= one("process_max_fds")
    assert one("process_cpu_seconds_total") > 0
    start = one("process_start_time_seconds")
    assert time.time() - 3600 < start <= time.time() + 1, start
    cpu = one("process_cpu_seconds_total")
    for _ in range(20):
        scrape()
    assert value("process_cpu_seconds_total") >= cpu
    build = [k for k in s if k[0] == "tongban_build_info"]
    assert len(build) == 1 and s[build[0]] == 1, build
    labels = dict(build[0][1])
    root = os.environ["TB_SOURCE_ROOT"]
    version = re.search(r"version\s*:\s*'([^']+)'",
                        open(os.path.join(root, "meson.build")).read())
    assert labels["version"] == version.group(1), labels
    assert labels["commit"], labels


sys.exit(done())
