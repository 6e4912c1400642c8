#!/usr/bin/env python3
"""banned.py — no C file of the project calls the functions DESIGN.md's
conventions ban: strcpy, strcat, sprintf, vsprintf, atoi, atol, strtok,
gets, rand (unbounded copies, no error report, hidden state). Their
bounded or reentrant kin (snprintf, vsnprintf, strtol, strtok_r, rand_r,
fgets) are fine. Comments and string literals are not code: a mention
there is no call.

Checks, each one TAP case: every .c and .h file under the project's folders
(not node_modules, not build folders); then a self-test over a temporary
file that must find exactly the calls planted in its code.

usage: banned.py [FILE...]   (no files: the whole project; with files:
only those, and no self-test)
"""

import os
import re
import sys
import tempfile

from ctext import SKIP_DIRS, strip_comments_and_strings

BANNED = ["strcpy", "strcat", "sprintf", "vsprintf", "atoi", "atol",
          "strtok", "gets", "rand"]
# a call: the name as a whole word, not a member (x.rand(), p->gets()),
# followed by an opening parenthesis
CALL = re.compile(r"(?<![\w.>])(" + "|".join(BANNED) + r")\s*\(")


def project_files(root):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and
                             not d.startswith(("build", ".")))
        for f in sorted(filenames):
            if f.endswith((".c", ".h")):
                out.append(os.path.relpath(os.path.join(dirpath, f), root))
    return out


def calls_in(text):
    """[(line, name)] of the banned calls in a file's code."""
    code = strip_comments_and_strings(text)
    out = []
    for i, line in enumerate(code.split("\n")):
        if re.match(r"\s*#\s*(include|pragma)", line):
            continue
        for m in CALL.finditer(line):
            out.append((i + 1, m.group(1)))
    return out


def check(root, files):
    found = []
    for f in files:
        with open(os.path.join(root, f), encoding="utf-8",
                  errors="replace") as fh:
            for line, name in calls_in(fh.read()):
                found.append(f"{f}:{line}: {name}()")
    return found


SAMPLE = """/* strcpy(a, b) in a comment is no call */
#include <stdio.h>
static void f(char *b, size_t n, struct s *p) {
  snprintf(b, n, "sprintf(%s)", "atoi(x)"); // vsprintf(b, f, ap)
  sprintf(b, "%d", 1);
  int k = atoi (b);
  int r = rand_r(&seed) + p->rand(p) + rand();
  char *t = strtok_r(b, ",", &save);
  fgets(b, (int)n, stdin);
}
"""
SAMPLE_CALLS = [(5, "sprintf"), (6, "atoi"), (7, "rand")]


def self_test():
    with tempfile.TemporaryDirectory(prefix="tongban-banned-") as tmp:
        with open(os.path.join(tmp, "sample.c"), "w") as fh:
            fh.write(SAMPLE)
        with open(os.path.join(tmp, "sample.c")) as fh:
            got = calls_in(fh.read())
    return got == SAMPLE_CALLS, f"found {got}, expected {SAMPLE_CALLS}"


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files = argv[1:] or project_files(root)
    n, failed = 0, 0
    found = check(root if not argv[1:] else ".", files)
    for f in found:
        print(f"# banned call: {f}")
    n += 1
    ok = not found
    failed += not ok
    print(f"{'ok' if ok else 'not ok'} {n} - no call of "
          f"{', '.join(BANNED)} in {len(files)} C files")
    if not argv[1:]:
        ok, why = self_test()
        n += 1
        failed += not ok
        if not ok:
            print(f"# {why}")
        print(f"{'ok' if ok else 'not ok'} {n} - self-test: the planted "
              f"calls are found, mentions in comments and strings are not")
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
