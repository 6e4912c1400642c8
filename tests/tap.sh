# tap.sh — what the shell tests share (sourced, from the source folder):
# TAP lines with a running count, a check of any command, and a file shown
# as TAP comments. The caller sets n=0 and failed=0 and ends with
# `echo "1..$n"`.
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { # NAME COMMAND...: ok when the command succeeds
  name=$1; shift
  if "$@"; then ok "$name"; else not_ok "$name"; fi
}
show() { sed 's/^/#   /' "$1"; }
