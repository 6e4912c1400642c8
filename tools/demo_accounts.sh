#!/usr/bin/env bash
# demo_accounts.sh — the demo accounts of a first start (`./dev run`):
# admin, clerk, inspector, and one officer for every bureau that a
# workflow of WORKFLOWS names (`tongban workflows bureaus`, so a new
# workflow's bureau gets its officer without editing this list), named
# after the bureau in lower case (scjg, ga, rf …). All get one random
# password ("Tb-" and 12 hex digits: upper case, lower case, a symbol and
# digits, as the password policy wants) and keep it: --no-forced-change,
# for a demo only (accounts made for real people must change the password
# an administrator set at their first log-in). They are created by one
# `tongban accounts import`: one start of
# the embedded PostgreSQL, one transaction. The names and the password are
# kept in DATA/demo-accounts.txt (mode 600); a second run finds the file
# and only says where it is.
#
# usage: demo_accounts.sh TONGBAN DATA WORKFLOWS
set -euo pipefail
tongban=${1:?usage: demo_accounts.sh TONGBAN DATA WORKFLOWS}
data=${2:?usage: demo_accounts.sh TONGBAN DATA WORKFLOWS}
workflows=${3:?usage: demo_accounts.sh TONGBAN DATA WORKFLOWS}
file=$data/demo-accounts.txt
say() { printf 'dev: %s\n' "$*" >&2; }

if [ -f "$file" ]; then
  say "demo accounts: see $file"
  exit 0
fi
bureaus=$("$tongban" workflows bureaus "$workflows"/*.xml | cut -d' ' -f1)
list=$(mktemp)
pass=$(mktemp)
trap 'rm -f "$list" "$pass"' EXIT
chmod 600 "$pass"
printf 'admin admin\nclerk clerk\ninspector inspector\n' >"$list"
officers=()
for b in $bureaus; do
  printf '%s officer %s\n' "${b,,}" "$b" >>"$list"
  officers+=("${b,,}")
done
printf 'Tb-%s\n' "$(openssl rand -hex 6)" >"$pass"
TONGBAN_LOG_LEVEL=warn "$tongban" accounts import "$list" --password-file "$pass" \
  --workflows "$workflows" --data "$data" --no-forced-change >/dev/null
password=$(cat "$pass")
(
  umask 077
  {
    echo "demo accounts of tongban (one password for all):"
    echo "  admin (admin), clerk (clerk), inspector (inspector)"
    for b in $bureaus; do echo "  ${b,,} (officer of $b)"; done
    echo "password: $password"
  } >"$file"
)
say "demo accounts created: admin, clerk, inspector and one officer per bureau" \
  "of the shipped workflows (${officers[*]}), password $password (kept in $file)"
