#!/usr/bin/env python3
"""login_flood.py — other routes' latency under a login flood (issue 17 §2).

    bench/login_flood.py --url URL --user NAME --password-env VAR
                         [--seconds S] [--flooders N] [--addresses K]
                         [--json FILE]

Against a running server (bench/run --login-flood starts one): first S
seconds of quiet, then S seconds during which N threads log in without
pause (the right password, so no lockout stops them) from K loopback
source addresses 127.0.0.10.. (each its own client address for the
server's throttles and connection cap). In both phases one thread asks
GET /healthz and another a staff GET (/api/v1/applications?limit=20 with
a clerk's token) one after the other from 127.0.0.1, each on a fresh
connection, and their latencies' p50 / p99 / max are printed (and written
as JSON). Logins are counted by status (201, 503 password_hashing_busy
once the hashing queue is full). Bounded: the flood stops after S
seconds, and every request has a 10 s timeout. Loopback only.
"""
import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
import urllib.parse


def one(host, port, method, path, body=None, token=None, source=None):
    """(seconds, status) of one request on a fresh connection."""
    h = {"Connection": "close"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    if token:
        h["Authorization"] = "Bearer " + token
    t = time.monotonic()
    c = http.client.HTTPConnection(host, port, timeout=10,
                                   source_address=(source, 0) if source else None)
    try:
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        payload = r.read()
        return time.monotonic() - t, r.status, payload
    except OSError:
        return time.monotonic() - t, 0, b""
    finally:
        c.close()


def quantile(values, q):
    if not values:
        return 0.0
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))]


def summary(values):
    return {"n": len(values),
            "p50_ms": round(quantile(values, 0.50) * 1000, 1),
            "p99_ms": round(quantile(values, 0.99) * 1000, 1),
            "max_ms": round(max(values, default=0) * 1000, 1),
            "mean_ms": round(statistics.fmean(values) * 1000, 1) if values else 0}


def probe(host, port, path, token, until, out):
    while time.monotonic() < until:
        took, status, _ = one(host, port, "GET", path, token=token)
        if status == 200:
            out.append(took)
        time.sleep(0.01)


def flooder(host, port, source, creds, until, statuses, lock):
    while time.monotonic() < until:
        _, status, _ = one(host, port, "POST", "/api/v1/sessions", creds,
                           source=source)
        with lock:
            statuses[status] = statuses.get(status, 0) + 1


def phase(host, port, token, seconds, flood, creds, flooders, addresses):
    until = time.monotonic() + seconds
    health, staff, statuses, lock = [], [], {}, threading.Lock()
    threads = [threading.Thread(target=probe, args=(host, port, "/healthz",
                                                    None, until, health)),
               threading.Thread(target=probe,
                                args=(host, port, "/api/v1/applications?limit=20",
                                      token, until, staff))]
    if flood:
        threads += [threading.Thread(
            target=flooder,
            args=(host, port, f"127.0.0.{10 + i % addresses}", creds, until,
                  statuses, lock)) for i in range(flooders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 30)
    return {"healthz": summary(health), "staff_get": summary(staff),
            "logins": {str(k): v for k, v in sorted(statuses.items())}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password-env", required=True,
                    help="the environment variable holding the password")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--flooders", type=int, default=32)
    ap.add_argument("--addresses", type=int, default=32)
    ap.add_argument("--json")
    a = ap.parse_args()
    if not 1 <= a.seconds <= 120 or not 1 <= a.flooders <= 256 or \
            not 1 <= a.addresses <= 200:
        sys.exit("login_flood: --seconds 1..120, --flooders 1..256, "
                 "--addresses 1..200")
    u = urllib.parse.urlsplit(a.url)
    if u.hostname not in ("127.0.0.1", "localhost"):
        sys.exit("login_flood: loopback servers only")
    host, port = "127.0.0.1", u.port
    creds = {"username": a.user, "password": os.environ[a.password_env]}
    _, status, body = one(host, port, "POST", "/api/v1/sessions", creds)
    if status != 201:
        sys.exit(f"login_flood: cannot log in as {a.user}: {status} {body[:200]!r}")
    token = json.loads(body)["token"]
    quiet = phase(host, port, token, a.seconds, False, creds, 0, 1)
    flood = phase(host, port, token, a.seconds, True, creds, a.flooders,
                  a.addresses)
    result = {"seconds": a.seconds, "flooders": a.flooders,
              "addresses": a.addresses, "quiet": quiet, "flood": flood}
    for name in ("quiet", "flood"):
        r = result[name]
        print(f"{name:5}  /healthz p50 {r['healthz']['p50_ms']} ms, p99 "
              f"{r['healthz']['p99_ms']} ms, max {r['healthz']['max_ms']} ms "
              f"(n={r['healthz']['n']});  staff GET p50 "
              f"{r['staff_get']['p50_ms']} ms, p99 {r['staff_get']['p99_ms']} "
              f"ms, max {r['staff_get']['max_ms']} ms (n={r['staff_get']['n']})"
              + (f";  logins {r['logins']}" if r["logins"] else ""))
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
