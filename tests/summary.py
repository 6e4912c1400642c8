#!/usr/bin/env python3
"""Count the suite's cases from meson's test log and print the closing line.

Every test program speaks TAP: each "ok" / "not ok" line is one case. A
program that failed without reporting a failing case (a crash, a sanitizer
report, a timeout) counts as one failed case of its own.
"""
import json
import re
import sys

def main(path):
    passed = failed = skipped = 0
    try:
        lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    except OSError as e:
        print(f"summary: cannot read {path}: {e}", file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    for line in lines:
        if not line.strip():
            continue
        t = json.loads(line)
        out = t.get("stdout") or ""
        ok = len(re.findall(r"^ok \d+", out, re.M))
        skip = len(re.findall(r"^ok \d+.*# *SKIP", out, re.M | re.I))
        bad = len(re.findall(r"^not ok \d+", out, re.M))
        passed += ok - skip
        skipped += skip
        failed += bad
        if t.get("result") not in ("OK", "EXPECTEDFAIL", "SKIP") and bad == 0:
            print(f"summary: {t.get('name')} ended {t.get('result')} without a failing case", file=sys.stderr)
            failed += 1
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line)
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
