#!/usr/bin/env bash
# format.sh — every C file of the project follows the checked-in
# .clang-format (`./dev fmt` applies it). One TAP case; the offenders and
# the first lines clang-format would change are printed as diagnostics.
set -uo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null || ! git rev-parse --git-dir >/dev/null 2>&1; then
  echo "ok 1 - C files follow .clang-format # SKIP no clang-format or no git checkout"
  echo "1..1"
  exit 0
fi
bad=()
while IFS= read -r f; do
  [ -f "$f" ] || continue
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done < <(git ls-files '*.c' '*.h')
if [ ${#bad[@]} -eq 0 ]; then
  echo "ok 1 - C files follow .clang-format"
else
  for f in "${bad[@]}"; do
    echo "# not formatted: $f (run ./dev fmt)"
    clang-format --dry-run "$f" 2>&1 | head -4 | sed 's/^/#   /'
  done
  echo "not ok 1 - C files follow .clang-format"
fi
echo "1..1"
