#!/usr/bin/env bash
# first_start.sh — how long a newcomer waits on `./dev run`'s first start
# (issue 16 §6): from a fresh data folder, the demo accounts
# (tools/demo_accounts.sh) and `tongban serve` with the shipped workflows,
# until GET /healthz first answers 200. The build is not counted (run
# `./dev build` first). Prints the seconds of each part.
#
# usage: bench/first_start.sh [TONGBAN] [PORT]   (default build/cli/tongban, 18080)
set -euo pipefail
cd "$(dirname "$0")/.."
tongban=${1:-build/cli/tongban}
port=${2:-18080}
tmp=$(mktemp -d)
chmod 755 "$tmp"
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
now() { date +%s.%N; }

t0=$(now)
bash tools/demo_accounts.sh "$tongban" "$tmp/data" workflows 2>/dev/null
TONGBAN_KEY_PASSPHRASE_FILE=$(bash tools/key_passphrase.sh "$tongban" "$tmp/data" 2>/dev/null)
export TONGBAN_KEY_PASSPHRASE_FILE
t1=$(now)
"$tongban" serve --data "$tmp/data" --workflows workflows \
  --listen "127.0.0.1:$port" >"$tmp/serve.log" 2>&1 &
pid=$!
until curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"; do
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/serve.log" >&2; exit 1; }
  sleep 0.1
done
t2=$(now)
printf 'demo accounts %.1f s, serve to the first /healthz %.1f s, total %.1f s\n' \
  "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" "$(echo "$t2 - $t0" | bc)"
