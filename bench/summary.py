#!/usr/bin/env python3
"""summary.py — the one table of a benchmark run (bench/run).

    python3 bench/summary.py RESULTS_DIR
    python3 bench/summary.py --experiments RESULTS_DIR

Reads the figures bench/run wrote (lifecycle, populate, track, engine,
pgbench with and without pg_notify, the peers in memory and durable,
server, machine, lighthouse), prints every figure, then every goal of
issue 18 with its figure, target, ratio and PASS or MISS, and writes them
together as RESULTS_DIR/summary.json. --experiments: the table of the
round-trip and group-commit experiments (exp_*.json) and
RESULTS_DIR/experiments.json.
"""
import json
import os
import sys

# The figure before issue 18, the base of its first goal: the median of
# the full runs of `./dev bench` recorded in bench/README.md before the
# issue (the run at 28f3d70 was made on a machine at load average 12, its
# own pgbench ceiling a sixth of the calm runs'; the median keeps one such
# run from setting the bar).
BEFORE = {"applications_per_s": 66.5,
          "run": "0d7f696, the median of the three full runs recorded in bench/README.md (28f3d70: 11.9, 0d7f696: 66.5, db78d82: 94.8)"}

GOALS = {
    "applications_vs_before": 2.5,  # × BEFORE's completed applications/s, ≥
    "peer_multiple": 2.0,  # × the in-memory bpmn-engine's instances/s, ≥
    "durable_peer_multiple": 5.0,  # × the durable bpmn-engine's, ≥
    "ceiling_fraction": 0.80,  # of pgbench without pg_notify, tps, ≥
    "p99_ms": 25,  # per API call, worst route, ≤
    "track_per_s": 20000,  # tracking reads per second, ≥ …
    "track_applications": 100000,  # … with this many applications stored
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


def goal_row(name, figure, target, at_least, shown, unit="", note=""):
    """One goal: its figure, target, the figure's ratio to the target and
    PASS or MISS (N/A when note says why it cannot be judged)."""
    ratio = figure / target if target else 0.0
    ok = figure >= target if at_least else figure <= target
    return {"goal": name, "figure": figure, "target": target,
            "comparison": "≥" if at_least else "≤", "ratio": ratio,
            "verdict": "N/A" if note else ("PASS" if ok else "MISS"),
            "shown": shown, "unit": unit, "note": note}


def goals(f, apps_in_db, quick):
    """The goals of issue 18, each from the run's figures f."""
    track_note = ""
    if apps_in_db < GOALS["track_applications"]:
        track_note = (f"{apps_in_db} applications stored, the goal needs "
                      f"{GOALS['track_applications']}" + (" (quick run)" if quick else ""))
    return [
        goal_row(f"completed applications/s ≥ {GOALS['applications_vs_before']}× before "
                 f"({BEFORE['applications_per_s']:.1f}/s)", f["applications_vs_before"],
                 GOALS["applications_vs_before"], True,
                 f"{f['applications_per_s']:.1f}/s = {f['applications_vs_before']:.2f}× before", "×"),
        goal_row(f"≥ {GOALS['peer_multiple']:.0f}× bpmn-engine in memory", f["peer_multiple"],
                 GOALS["peer_multiple"], True, f"{f['peer_multiple']:.2f}×", "×"),
        goal_row(f"≥ {GOALS['durable_peer_multiple']:.0f}× bpmn-engine durable",
                 f["durable_peer_multiple"], GOALS["durable_peer_multiple"], True,
                 f"{f['durable_peer_multiple']:.2f}×", "×"),
        goal_row(f"transitions/s ≥ {GOALS['ceiling_fraction'] * 100:.0f}% of the ceiling without pg_notify",
                 f["ceiling_fraction"], GOALS["ceiling_fraction"], True,
                 f"{f['transitions_per_s']:.0f} = {f['ceiling_fraction'] * 100:.1f}%"),
        goal_row(f"p99 per API call ≤ {GOALS['p99_ms']} ms (worst route)", f["worst_p99_ms"],
                 GOALS["p99_ms"], False, f"{f['worst_p99_ms']:.2f} ms", "ms"),
        goal_row(f"tracking reads/s ≥ {GOALS['track_per_s']:,} with {GOALS['track_applications']:,} applications",
                 f["track_per_s"], GOALS["track_per_s"], True, f"{f['track_per_s']:.0f}/s", "/s",
                 track_note),
        goal_row(f"server RSS ≤ {GOALS['rss_mb']} MB", f["peak_rss_mb"], GOALS["rss_mb"], False,
                 f"{f['peak_rss_mb']:.1f} MB", "MB"),
    ]


def figure_rows(f, life, pop, track, hot, eng, pgb, pgbn, pgb2, peer, dpeer):
    """The table's figures, (name, value) pairs."""
    return [
        ("completed applications/s (HTTP, durable)", f"{f['applications_per_s']:.1f}"),
        ("errors (lifecycle + tracking)", f"{f['errors']}"),
        ("API calls/s (lifecycle)", f"{life.get('calls_per_s', 0):.0f}"),
        ("transitions/s (lifecycle)", f"{f['transitions_per_s']:.0f}"),
        (f"  transitions per completed application (decide {life.get('decide', '?')})",
         f"{life.get('transitions_per_application', 0):.2f}"),
        ("worst route p99, ms", f"{f['worst_p99_ms']:.2f}"),
        ("tracking reads/s, uniform over every application (cache misses)", f"{f['track_per_s']:.0f}"),
        ("  applications in the database", f"{track.get('applications_in_database', 0)}"),
        (f"tracking reads/s, a hot set of {hot.get('hot', 0)} (cache hits)",
         f"{f['track_hot_per_s']:.0f}"),
        ("  populated over HTTP, applications/s",
         f"{pop.get('created_per_s', 0):.0f} ({pop.get('created', 0)} in {pop.get('seconds', 0):.1f} s)"),
        ("engine alone, transitions/s (one core)", f"{eng.get('transitions_per_second', 0):.0f}"),
        ("engine alone, applications/s", f"{eng.get('applications_per_second', 0):.0f}"),
        (f"pgbench ceiling WITH pg_notify, tps ({pgbn.get('clients', 0)} clients)",
         f"{f['pgbench_notify_tps']:.0f} (tongban {f['ceiling_fraction_notify'] * 100:.1f}%)"),
        (f"pgbench ceiling WITHOUT pg_notify, tps ({pgb.get('clients', 0)} clients)",
         f"{f['pgbench_tps']:.0f} (tongban {f['ceiling_fraction'] * 100:.1f}%)"),
        ("  without ÷ with pg_notify", f"{f['notify_cost']:.2f}×"),
        (f"  without pg_notify at {pgb2.get('clients', 0)} clients (the server's connections), tps",
         f"{f['pgbench_server_conns_tps']:.0f} (tongban {f['ceiling_fraction_server_conns'] * 100:.1f}%)"),
        (f"peer: bpmn-engine {peer.get('version', '?')} in memory, instances/s",
         f"{f['peer_instances_per_s']:.1f}"),
        (f"peer: bpmn-engine {dpeer.get('version', '?')} durable (pg {dpeer.get('pg_version', '?')}), instances/s",
         f"{f['durable_peer_instances_per_s']:.1f}"),
        ("tongban applications/s ÷ in-memory peer", f"{f['peer_multiple']:.2f}×"),
        ("tongban applications/s ÷ durable peer", f"{f['durable_peer_multiple']:.2f}×"),
        ("server peak RSS (VmHWM), MB", f"{f['peak_rss_mb']:.1f}"),
    ]


def ratio(a, b):
    return a / b if b else 0.0


def figures(life, pop, track, hot, eng, pgb, pgbn, pgb2, peer, dpeer, server):
    routes = life.get("routes", {})
    aps = life.get("applications_per_s", 0.0)
    tps = life.get("transitions_per_s", 0.0)
    return {
        "applications_per_s": aps,
        "applications_vs_before": ratio(aps, BEFORE["applications_per_s"]),
        "errors": life.get("errors", 0) + track.get("errors", 0) + hot.get("errors", 0),
        "calls_per_s": life.get("calls_per_s", 0),
        "transitions_per_s": tps,
        "transitions_per_application": life.get("transitions_per_application", 0),
        "worst_p99_ms": max((r["p99_ms"] for r in routes.values()), default=0.0),
        "track_per_s": track.get("calls_per_s", 0.0),
        "track_hot_per_s": hot.get("calls_per_s", 0.0),
        "pgbench_tps": pgb.get("tps", 0.0), "ceiling_fraction": ratio(tps, pgb.get("tps", 0.0)),
        "pgbench_notify_tps": pgbn.get("tps", 0.0),
        "ceiling_fraction_notify": ratio(tps, pgbn.get("tps", 0.0)),
        "notify_cost": ratio(pgb.get("tps", 0.0), pgbn.get("tps", 0.0)),
        "pgbench_server_conns_tps": pgb2.get("tps", 0.0),
        "ceiling_fraction_server_conns": ratio(tps, pgb2.get("tps", 0.0)),
        "peer_instances_per_s": peer.get("instances_per_s", 0.0),
        "peer_multiple": ratio(aps, peer.get("instances_per_s", 0.0)),
        "durable_peer_instances_per_s": dpeer.get("instances_per_s", 0.0),
        "durable_peer_multiple": ratio(aps, dpeer.get("instances_per_s", 0.0)),
        "peak_rss_mb": server.get("peak_rss_kb", 0) / 1024,
        "engine_transitions_per_s": eng.get("transitions_per_second", 0),
        "populate_per_s": pop.get("created_per_s", 0),
    }


def print_routes(life, track, hot):
    print(f"  {'route':<44} {'calls':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for rs, tail in ((life.get("routes", {}), ""), (track.get("routes", {}), ""),
                     (hot.get("routes", {}), " (hot)")):
        for name, r in rs.items():
            name += tail
            print(f"  {name:<44} {r['calls']:>8} {r['p50_ms']:>8.2f} {r['p95_ms']:>8.2f} {r['p99_ms']:>8.2f}")


def page_rows(pages):
    rows = []
    for page, p in pages.items():
        for category in ("performance", "accessibility", "best-practices"):
            score = p["scores"][category]
            goal = GOALS["lighthouse"] if category != "best-practices" else None
            rows.append((f"Lighthouse mobile, {page} page: {category}", f"{score}",
                         f"≥ {goal}" if goal else "", verdict(score >= goal) if goal else ""))
    return rows


def main_run(d):
    life, pop, track = load(d, "lifecycle"), load(d, "populate"), load(d, "track")
    hot = load(d, "track_hot")
    eng, pgb, pgb2 = load(d, "engine"), load(d, "pgbench"), load(d, "pgbench_server_conns")
    pgbn, dpeer = load(d, "pgbench_notify"), load(d, "peer_durable")
    peer, server, machine = load(d, "peer"), load(d, "server"), load(d, "machine")
    pages = load(d, "lighthouse").get("pages", {})
    f = figures(life, pop, track, hot, eng, pgb, pgbn, pgb2, peer, dpeer, server)
    rows = figure_rows(f, life, pop, track, hot, eng, pgb, pgbn, pgb2, peer, dpeer)
    g = goals(f, track.get("applications_in_database", 0), machine.get("mode") == "quick")
    print()
    print(f"tongban benchmarks ({machine.get('mode', '?')} run, "
          f"{machine.get('connections', '?')} connections; the server's worker threads: "
          f"{machine.get('server_threads', '?')}; {machine.get('nproc', '?')} cores, "
          f"{machine.get('cpu', '?')}; {machine.get('postgresql', '?')})")
    w = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"  {name:<{w}}  {value:>28}")
    print_routes(life, track, hot)
    if server:
        cpu = server.get("lifecycle_cpu_seconds", 0)
        secs = life.get("seconds", 0) or 1
        done = life.get("completed", 0) or 1
        print(f"  licenses signed: {server.get('licenses')}, applications delivered: "
              f"{server.get('delivered')}; server CPU during the lifecycle load: "
              f"{cpu / secs * 100:.0f}% of one core, {cpu / done * 1000:.1f} ms per application")
    print(f"\n  goals of issue 18 (before: {BEFORE['applications_per_s']:.1f} applications/s, {BEFORE['run']})")
    w = max(len(x["goal"]) for x in g)
    print(f"  {'goal':<{w}}  {'figure':>28}  {'ratio to target':>15}  verdict")
    for x in g:
        print(f"  {x['goal']:<{w}}  {x['shown']:>28}  {x['ratio']:>14.2f}×  {x['verdict']}"
              + (f" ({x['note']})" if x["note"] else ""))
    prows = page_rows(pages) + [("errors (lifecycle + tracking)", f"{f['errors']}", "0",
                                 verdict(f["errors"] == 0))]
    for name, value, goal, ok in prows:
        print(f"  {name:<{w}}  {value:>28}  {goal:>15}  {ok}")
    summary = {
        "machine": machine, "before": BEFORE, "goals": g, "targets": GOALS, "figures": f,
        "lifecycle": life, "populate": pop, "track": track, "track_hot": hot, "engine": eng,
        "pgbench": pgb, "pgbench_notify": pgbn, "pgbench_server_conns": pgb2,
        "peer": peer, "peer_durable": dpeer, "server": server, "lighthouse": pages,
    }
    with open(os.path.join(d, "summary.json"), "w", encoding="utf-8") as fh:
        json.dump(summary, fh, indent=2, ensure_ascii=False)
    print(f"figures written to {d}/")


def main_experiments(d):
    """The round-trip forms (§3) and group commit (§5), side by side."""
    machine = load(d, "machine")
    rows = []
    for where, clients in (("inflight", "all in flight"), ("server", "the server's connections")):
        for name, what in (("nonotify", "sequential, 8 round trips"),
                           ("pipeline", "pipelined writes + COMMIT, 3 round trips"),
                           ("function", "one plpgsql function, 4 round trips")):
            rows.append((f"{what}, {clients}", load(d, f"exp_{name}_{where}"), 1, where))
    for k in (1, 2, 4, 8):
        rows.append((f"group commit, {k} per transaction, all in flight",
                     load(d, f"exp_group_{k}_inflight"), k, "inflight"))
        rows.append((f"group commit, {k} per transaction, the server's connections",
                     load(d, f"exp_group_{k}_server"), k, "server"))
    # each form against the sequential one at the same number of clients'
    # worth of work: all in flight, or the server's connections
    base = {w: load(d, f"exp_nonotify_{w}").get("tps", 0.0) for w in ("inflight", "server")}
    print()
    print(f"tongban experiments ({machine.get('connections', '?')} transitions in flight; "
          f"{machine.get('nproc', '?')} cores, {machine.get('cpu', '?')}; {machine.get('postgresql', '?')})")
    w = max(len(r[0]) for r in rows)
    print(f"  {'form':<{w}}  {'clients':>7}  {'tx/s':>8}  {'transitions/s':>13}  {'latency ms':>10}  {'÷ sequential':>12}  failed")
    print(f"  (÷ sequential: against the sequential form with as many transitions in flight, or at the server's connections)")
    out = []
    for what, r, k, where in rows:
        tr = r.get("tps", 0.0) * k
        x = {"form": what, "script": r.get("script"), "clients": r.get("clients"),
             "transactions_per_s": r.get("tps", 0.0), "transitions_per_transaction": k,
             "transitions_per_s": tr, "latency_ms": r.get("latency_ms"),
             "vs_sequential": ratio(tr, base[where]), "failed": r.get("failed")}
        out.append(x)
        lat = x["latency_ms"] if x["latency_ms"] is not None else 0.0
        print(f"  {what:<{w}}  {x['clients'] or 0:>7}  {x['transactions_per_s']:>8.0f}  {tr:>13.0f}  "
              f"{lat:>10.2f}  {x['vs_sequential']:>11.2f}×  {x['failed']}")
    with open(os.path.join(d, "experiments.json"), "w", encoding="utf-8") as fh:
        json.dump({"machine": machine, "forms": out}, fh, indent=2, ensure_ascii=False)
    print(f"figures written to {d}/experiments.json")


def main_sweep(d, counts):
    """The lifecycle and the tracking reads at each count of worker threads."""
    machine = load(d, "machine")
    print()
    print(f"tongban worker threads ({machine.get('connections', '?')} connections of the load; "
          f"{machine.get('nproc', '?')} cores, {machine.get('cpu', '?')}; {machine.get('postgresql', '?')})")
    head = ("threads", "applications/s", "transitions/s", "worst p99 ms", "track/s",
            "track hot/s", "hot p99 ms", "peak RSS MB", "errors")
    print("  " + "  ".join(f"{h:>14}" for h in head))
    out = []
    for n in [c for c in counts.split(",") if c]:
        life, track = load(d, f"sweep_{n}_lifecycle"), load(d, f"sweep_{n}_track")
        hot, server = load(d, f"sweep_{n}_track_hot"), load(d, f"sweep_{n}_server")
        x = {"threads": server.get("threads") or int(n),
             "applications_per_s": life.get("applications_per_s", 0.0),
             "transitions_per_s": life.get("transitions_per_s", 0.0),
             "worst_p99_ms": max((r["p99_ms"] for r in life.get("routes", {}).values()), default=0.0),
             "track_per_s": track.get("calls_per_s", 0.0),
             "track_hot_per_s": hot.get("calls_per_s", 0.0),
             "track_hot_p99_ms": max((r["p99_ms"] for r in hot.get("routes", {}).values()), default=0.0),
             "peak_rss_mb": server.get("peak_rss_kb", 0) / 1024,
             "errors": life.get("errors", 0) + track.get("errors", 0) + hot.get("errors", 0)}
        out.append(x)
        print("  " + "  ".join(f"{v:>14.1f}" if isinstance(v, float) else f"{v:>14}" for v in x.values()))
    with open(os.path.join(d, "sweep.json"), "w", encoding="utf-8") as fh:
        json.dump({"machine": machine, "runs": out}, fh, indent=2, ensure_ascii=False)
    print(f"figures written to {d}/sweep.json")


def main():
    args = sys.argv[1:]
    if args and args[0] == "--sweep":
        main_sweep(args[1] if len(args) > 1 else "bench/results", args[2] if len(args) > 2 else "")
    elif args and args[0] == "--experiments":
        main_experiments(args[1] if len(args) > 1 else "bench/results")
    else:
        main_run(args[0] if args else "bench/results")


if __name__ == "__main__":
    main()
