#!/usr/bin/env python3
"""lint_openapi.py — lint tongban's OpenAPI document (the one the build
generates and the binary serves) with two independent linters from the
repository's package.json, and speak TAP:

    python3 tests/api/lint_openapi.py BUILD/api/openapi.json

- Spectral with tests/api/spectral.yaml (extends spectral:oas);
- Redocly with tests/api/redocly.yaml (its recommended rules);
- every operation has an example (both linters check examples against
  their schemas).

A case fails on any error or warning, each printed as a TAP comment with
where it is. Both run offline: no remote rulesets, Redocly's telemetry
and update notice are off.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.join(ROOT, "node_modules", ".bin")
OFFLINE = dict(os.environ, REDOCLY_TELEMETRY="off",
               REDOCLY_SUPPRESS_UPDATE_NOTICE="true", NO_UPDATE_NOTIFIER="1",
               SCARF_ANALYTICS="false", DO_NOT_TRACK="1")


def run(args):
    """A linter's output (stdout) and exit status, from the repository."""
    tool = os.path.join(BIN, args[0])
    if not os.path.exists(tool):
        raise RuntimeError(f"{tool} is missing: run `npm ci` (./dev test does)")
    r = subprocess.run([tool] + args[1:], capture_output=True, text=True,
                       cwd=ROOT, env=OFFLINE, timeout=300)
    return r.stdout, r.returncode, r.stderr


def spectral(doc):
    """Spectral's errors and warnings, one line each."""
    out, rc, err = run(["spectral", "lint", "--ruleset",
                        os.path.join(HERE, "spectral.yaml"), "--format",
                        "json", "--quiet", doc])
    try:
        found = json.loads(out or "[]")
    except ValueError:
        return [f"spectral did not answer JSON (exit {rc}): {out[:300]} {err[:300]}"]
    bad = [f"{x['code']} at {'/'.join(map(str, x['path']))}: {x['message']}"
           for x in found if x.get("severity", 0) <= 1]
    if rc != 0 and not bad:
        bad.append(f"spectral failed (exit {rc}): {err[:300]}")
    return bad


def redocly(doc):
    """Redocly's errors and warnings, one line each."""
    out, rc, err = run(["redocly", "lint", "--config",
                        os.path.join(HERE, "redocly.yaml"), "--format",
                        "json", doc])
    try:
        found = json.loads(out)
    except ValueError:
        return [f"redocly did not answer JSON (exit {rc}): {out[:300]} {err[:300]}"]
    bad = [f"{p['ruleId']} ({p['severity']}) at "
           f"{p['location'][0].get('pointer', '?')}: {p['message']}"
           for p in found.get("problems", [])
           if p.get("severity") in ("error", "warn")]
    if rc != 0 and not bad:
        bad.append(f"redocly failed (exit {rc}): {err[:300]}")
    return bad


def examples(doc):
    """Operations without an example: of a 2xx answer with content, or of
    the request body when no 2xx answer has content."""
    with open(doc, encoding="utf-8") as f:
        d = json.load(f)
    bad = []
    for path, ops in d["paths"].items():
        for method, op in ops.items():
            media = [m for st, r in op["responses"].items() if st.startswith("2")
                     for m in r.get("content", {}).values()]
            if not media:
                media = list(op.get("requestBody", {}).get("content", {}).values())
            if media and not all("example" in m or "examples" in m for m in media):
                bad.append(f"{method.upper()} {path}: no example")
    return bad


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    doc = os.path.abspath(sys.argv[1])
    failed = 0
    checks = [("Spectral (spectral:oas): no errors, no warnings", spectral),
              ("Redocly (recommended): no errors, no warnings", redocly),
              ("every operation has an example (checked against its schema by both)", examples)]
    for n, (name, lint) in enumerate(checks, 1):
        try:
            bad = lint(doc)
        except (RuntimeError, OSError, ValueError, subprocess.TimeoutExpired) as e:
            bad = [str(e)]
        print(("ok" if not bad else "not ok") + f" {n} - {name}")
        for line in bad:
            print("# " + line)
        failed += bool(bad)
        sys.stdout.flush()
    print(f"1..{len(checks)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
