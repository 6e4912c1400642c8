#!/bin/sh
# test_accounts_admin.sh — the administrator's verbs of `tongban accounts`
# on a fresh data folder with the embedded PostgreSQL, as TAP (issue 17
# §4):
#
# - an unknown bureau is refused before the first start: against
#   ./workflows/bureaus.xml (or --workflows DIR), and, with no bureau list
#   at all, an officer is refused rather than taken unchecked;
# - the password policy (default and through options and TONGBAN_*),
#   naming what is missing, for add, import and reset-password;
# - accounts set by an administrator owe a change at their first log-in
#   (list shows "password-change"), unless --no-forced-change;
# - list, disable, enable, reset-password, set-role, delete, and the last
#   enabled administrator kept.
#
# usage: test_accounts_admin.sh TONGBAN   (run from the source folder)
tongban=${1:?usage: test_accounts_admin.sh TONGBAN}
case $tongban in /*) ;; *) tongban=$(pwd)/$tongban ;; esac
top=$(pwd)
n=0
failed=0
. tests/tap.sh
tap_tmp
data=$tmp/data
export TONGBAN_LOG_LEVEL=warn

acc() { # the password on standard input, then tongban accounts ARGS…
  pw=$1; shift
  printf '%s\n' "$pw" | "$tongban" accounts "$@" --data "$data" >"$tmp/out" 2>&1
}
GOOD=Good-Pass-2026

# --- bureaus, before the first start ------------------------------------------
acc "$GOOD" add off1 --role officer --bureau NOPE
check "an unknown bureau before the first start: exit 2, named" \
  exits $? 2 "$tmp/out" "unknown bureau 'NOPE'"
acc "$GOOD" add off1 --role officer --bureau NOPE --workflows workflows
check "the same with --workflows DIR" exits $? 2 "$tmp/out" "unknown bureau 'NOPE'"
(cd "$tmp" && printf '%s\n' "$GOOD" | "$tongban" accounts add off1 --role officer \
  --bureau SCJG --data "$data" >"$tmp/out" 2>&1)
check "no bureau list at all (no ./workflows, nothing stored): refused, not taken unchecked" \
  exits $? 2 "$tmp/out" "no bureau list yet"
acc "$GOOD" add off1 --role officer --bureau SCJG
check "a known bureau: added, owing a change of password" \
  exits $? 0 "$tmp/out" "must be changed at the first log-in"

# --- the password policy ---------------------------------------------------------
acc "Ab1-x" add weak --role clerk
check "too short: exit 2, the length named" exits $? 2 "$tmp/out" "use at least 8"
acc "alllowercase1" add weak --role clerk
check "too simple: exit 2, the missing kinds named" \
  exits $? 2 "$tmp/out" "missing: upper case, symbols"
acc "Xweak-2026" add xweak --role clerk
check "containing the user name: exit 2" exits $? 2 "$tmp/out" "contains the user name"
acc "alllowercase1" add weak --role clerk --password-min-classes 2
check "--password-min-classes 2 takes two kinds" exits $? 0 "$tmp/out" "added"
printf '%s\n' "Abcdef-123" | TONGBAN_PASSWORD_MIN_LENGTH=12 "$tongban" accounts \
  add long1 --role clerk --data "$data" >"$tmp/out" 2>&1
check "TONGBAN_PASSWORD_MIN_LENGTH=12 refuses 10 characters" \
  exits $? 2 "$tmp/out" "use at least 12"
acc "$GOOD" add bad --role clerk --password-min-length 5
check "a policy below 8 characters is refused" \
  exits $? 2 "$tmp/out" "password-min-length takes 8 to 64"
printf 'imp1 clerk\n' >"$tmp/list"
printf 'lowercase-only\n' >"$tmp/pw"
"$tongban" accounts import "$tmp/list" --password-file "$tmp/pw" --data "$data" \
  >"$tmp/out" 2>&1
check "import: the policy too" exits $? 2 "$tmp/out" "missing: upper case, digits"
printf 'imp1 clerk\nimp2 clerk\n' >"$tmp/list"
printf 'Imp1-Pass-2026\n' >"$tmp/pw"
"$tongban" accounts import "$tmp/list" --password-file "$tmp/pw" --data "$data" \
  >"$tmp/out" 2>&1
check "import: a password containing one of the names, with its line" \
  exits $? 2 "$tmp/out" "line 1: the password contains the user name 'imp1'"

# --- forced change, list --------------------------------------------------------------
acc "$GOOD" add admin1 --role admin
acc "$GOOD" add demo1 --role clerk --no-forced-change
check "--no-forced-change: added without the note" \
  sh -c "! grep -q 'must be changed' '$tmp/out'"
check "list: an administrator's password owes a change" \
  sh -c "'$tongban' accounts list --data '$data' | grep -qE '^admin1 admin - enabled password-change created=.* last-login=never$'"
check "list: --no-forced-change owes none" \
  sh -c "'$tongban' accounts list --data '$data' | grep -qE '^demo1 clerk - enabled created='"
check "list: the officer with its bureau" \
  sh -c "'$tongban' accounts list --data '$data' | grep -qE '^off1 officer SCJG enabled'"

# --- the verbs ----------------------------------------------------------------------------
acc "" disable demo1
check "disable" exits $? 0 "$tmp/out" "demo1: disabled; 0 sessions ended"
check "listed disabled" sh -c "'$tongban' accounts list --data '$data' | grep -q '^demo1 clerk - disabled'"
acc "" enable demo1
check "enable" exits $? 0 "$tmp/out" "demo1: enabled"
"$tongban" audit security --kind account_disabled --data "$data" >"$tmp/sec" 2>&1
check "disable: an event of the security log by the command line's user" \
  sh -c "grep -q 'account_disabled' '$tmp/sec' && grep -q 'cli' '$tmp/sec' && grep -q 'account:demo1' '$tmp/sec'"
acc "short" reset-password demo1
check "reset-password: the policy" exits $? 2 "$tmp/out" "use at least 8"
acc "New-Pass-2027" reset-password demo1
check "reset-password" exits $? 0 "$tmp/out" "demo1: password_reset"
check "after a reset the password owes a change" \
  sh -c "'$tongban' accounts list --data '$data' | grep -q '^demo1 clerk - enabled password-change'"
acc "" set-role demo1 officer --bureau NOPE
check "set-role: an unknown bureau" exits $? 2 "$tmp/out" "unknown bureau 'NOPE'"
acc "" set-role demo1 officer
check "set-role: an officer needs a bureau" exits $? 2 "$tmp/out" "an officer needs a bureau"
acc "" set-role demo1 officer --bureau GA
check "set-role" exits $? 0 "$tmp/out" "demo1: role_changed"
check "listed with the new role" sh -c "'$tongban' accounts list --data '$data' | grep -q '^demo1 officer GA '"
acc "" disable admin1
check "the last enabled administrator is not disabled" \
  exits $? 2 "$tmp/out" "'admin1' is the last enabled administrator"
acc "" set-role admin1 clerk
check "nor demoted" exits $? 2 "$tmp/out" "last enabled administrator"
acc "" delete admin1
check "nor deleted" exits $? 2 "$tmp/out" "last enabled administrator"
acc "" delete demo1
check "delete" exits $? 0 "$tmp/out" "demo1: deleted"
check "a deleted account is not listed" \
  sh -c "! '$tongban' accounts list --data '$data' | grep -q '^demo1 '"
acc "" enable demo1
check "a deleted account is not enabled again" exits $? 2 "$tmp/out" "no account 'demo1'"
acc "$GOOD" add demo1 --role clerk
check "its name is not reused" exits $? 2 "$tmp/out" "user 'demo1' exists"
acc "" frobnicate demo1
check "an unknown verb: usage, exit 2" exits $? 2 "$tmp/out" "reset-password USER"
cd "$top" || exit 1

echo "1..$n"
[ "$failed" -eq 0 ]
