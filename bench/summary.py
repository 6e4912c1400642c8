#!/usr/bin/env python3
"""summary.py — the one table of a benchmark run (bench/run).

    python3 bench/summary.py RESULTS_DIR

Reads the figures bench/run wrote (lifecycle, populate, track, engine,
pgbench, peer, server, machine, lighthouse), prints every figure with its goal and its
ratio, and writes them together as RESULTS_DIR/summary.json.
"""
import json
import os
import sys

GOALS = {
    "applications_per_s": 500,  # completed applications per second, ≥
    "p99_ms": 25,  # per API call, ≤
    "track_per_s": 20000,  # tracking reads per second, ≥
    "ceiling_fraction": 0.60,  # of pgbench's transactions per second, ≥
    "rss_mb": 64,  # the server's peak RSS, ≤
    "lighthouse": 95,  # mobile performance and accessibility scores, ≥
}


def load(d, name):
    try:
        with open(os.path.join(d, name + ".json"), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def verdict(ok):
    return "met" if ok else "MISSED"


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "bench/results"
    life, pop, track = load(d, "lifecycle"), load(d, "populate"), load(d, "track")
    eng, pgb, pgb2 = load(d, "engine"), load(d, "pgbench"), load(d, "pgbench_server_conns")
    peer, server, machine = load(d, "peer"), load(d, "server"), load(d, "machine")
    pages = load(d, "lighthouse").get("pages", {})

    aps = life.get("applications_per_s", 0.0)
    tps = life.get("transitions_per_s", 0.0)
    errors = life.get("errors", 0) + track.get("errors", 0)
    routes = life.get("routes", {})
    p99 = max((r["p99_ms"] for r in routes.values()), default=0.0)
    track_ps = track.get("calls_per_s", 0.0)
    ceiling = pgb.get("tps", 0.0)
    ceiling2 = pgb2.get("tps", 0.0)
    frac = tps / ceiling if ceiling else 0.0
    frac2 = tps / ceiling2 if ceiling2 else 0.0
    peer_ps = peer.get("instances_per_s", 0.0)
    multiple = aps / peer_ps if peer_ps else 0.0
    rss_mb = server.get("peak_rss_kb", 0) / 1024

    rows = [
        ("completed applications/s (HTTP, durable)", f"{aps:.1f}",
         f"≥ {GOALS['applications_per_s']}", verdict(aps >= GOALS["applications_per_s"])),
        ("errors (lifecycle + tracking)", f"{errors}", "0", verdict(errors == 0)),
        ("API calls/s (lifecycle)", f"{life.get('calls_per_s', 0):.0f}", "", ""),
        ("transitions/s (lifecycle)", f"{tps:.0f}", "", ""),
        ("worst route p99, ms", f"{p99:.2f}", f"≤ {GOALS['p99_ms']}",
         verdict(p99 <= GOALS["p99_ms"])),
        ("tracking reads/s", f"{track_ps:.0f}", f"≥ {GOALS['track_per_s']}",
         verdict(track_ps >= GOALS["track_per_s"])),
        ("  applications in the database", f"{track.get('applications_in_database', 0)}", "", ""),
        ("  populated over HTTP, applications/s",
         f"{pop.get('created_per_s', 0):.0f} ({pop.get('created', 0)} in {pop.get('seconds', 0):.1f} s)", "", ""),
        ("engine alone, transitions/s (one core)", f"{eng.get('transitions_per_second', 0):.0f}", "", ""),
        ("engine alone, applications/s", f"{eng.get('applications_per_second', 0):.0f}", "", ""),
        (f"pgbench ceiling, tps ({pgb.get('clients', 0)} clients)", f"{ceiling:.0f}", "", ""),
        ("tongban transitions / pgbench ceiling", f"{frac * 100:.1f}%",
         f"≥ {GOALS['ceiling_fraction'] * 100:.0f}%", verdict(frac >= GOALS["ceiling_fraction"])),
        (f"  pgbench at {pgb2.get('clients', 0)} clients (the server's connections), tps",
         f"{ceiling2:.0f} (tongban {frac2 * 100:.1f}%)", "", ""),
        (f"peer: bpmn-engine {peer.get('version', '?')} in memory, instances/s", f"{peer_ps:.1f}", "", ""),
        ("tongban applications/s ÷ bpmn-engine instances/s", f"{multiple:.2f}×", "", ""),
        ("server peak RSS (VmHWM), MB", f"{rss_mb:.1f}", f"≤ {GOALS['rss_mb']}",
         verdict(rss_mb <= GOALS["rss_mb"])),
    ]
    for page, p in pages.items():
        for category in ("performance", "accessibility", "best-practices"):
            score = p["scores"][category]
            goal = GOALS["lighthouse"] if category != "best-practices" else None
            rows.append((f"Lighthouse mobile, {page} page: {category}", f"{score}",
                         f"≥ {goal}" if goal else "", verdict(score >= goal) if goal else ""))
    print()
    print(f"tongban benchmarks ({machine.get('mode', '?')} run, "
          f"{machine.get('connections', '?')} connections; {machine.get('nproc', '?')} cores, "
          f"{machine.get('cpu', '?')}; {machine.get('postgresql', '?')})")
    w = max(len(r[0]) for r in rows)
    for name, value, goal, ok in rows:
        print(f"  {name:<{w}}  {value:>24}  {goal:>8}  {ok}")
    print(f"  {'route':<44} {'calls':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name, r in routes.items():
        print(f"  {name:<44} {r['calls']:>8} {r['p50_ms']:>8.2f} {r['p95_ms']:>8.2f} {r['p99_ms']:>8.2f}")
    for name, r in track.get("routes", {}).items():
        print(f"  {name:<44} {r['calls']:>8} {r['p50_ms']:>8.2f} {r['p95_ms']:>8.2f} {r['p99_ms']:>8.2f}")
    if server:
        cpu = server.get("lifecycle_cpu_seconds", 0)
        secs = life.get("seconds", 0) or 1
        done = life.get("completed", 0) or 1
        print(f"  licenses signed: {server.get('licenses')}, applications delivered: "
              f"{server.get('delivered')}; server CPU during the lifecycle load: "
              f"{cpu / secs * 100:.0f}% of one core, {cpu / done * 1000:.1f} ms per application")
    summary = {
        "machine": machine, "goals": GOALS,
        "figures": {
            "applications_per_s": aps, "errors": errors, "calls_per_s": life.get("calls_per_s", 0),
            "transitions_per_s": tps, "worst_p99_ms": p99, "track_per_s": track_ps,
            "pgbench_tps": ceiling, "ceiling_fraction": frac,
            "pgbench_server_conns_tps": ceiling2, "ceiling_fraction_server_conns": frac2,
            "peer_instances_per_s": peer_ps, "peer_multiple": multiple, "peak_rss_mb": rss_mb,
            "engine_transitions_per_s": eng.get("transitions_per_second", 0),
            "populate_per_s": pop.get("created_per_s", 0),
        },
        "lifecycle": life, "populate": pop, "track": track, "engine": eng,
        "pgbench": pgb, "pgbench_server_conns": pgb2, "peer": peer, "server": server,
        "lighthouse": pages,
    }
    with open(os.path.join(d, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2, ensure_ascii=False)
    print(f"figures written to {d}/")


if __name__ == "__main__":
    main()
