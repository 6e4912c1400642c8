# tap.sh — what the shell tests share (sourced, from the source folder):
# TAP lines with a running count, a check of any command, and a file shown
# as TAP comments, checks of a command's output file, and a temporary
# folder. The caller sets n=0 and failed=0 and ends with `echo "1..$n"`.
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { # NAME COMMAND...: ok when the command succeeds
  name=$1; shift
  if "$@"; then ok "$name"; else not_ok "$name"; fi
}
show() { sed 's/^/#   /' "$1"; }
has() { # FILE TEXT: the text is in the file (else the file is shown)
  grep -qF -- "$2" "$1" || { echo "# missing: $2"; show "$1"; return 1; }
}
exits() { # STATUS EXPECTED FILE TEXT: the status, and the text in the file
  [ "$1" -eq "$2" ] || { echo "# exit status $1, not $2"; show "$3"; return 1; }
  has "$3" "$4"
}
# $tmp: a new folder, removed at exit, that PostgreSQL's unprivileged user
# (the embedded cluster runs as one under root) can reach.
tap_tmp() {
  tmp=$(mktemp -d) || exit 1
  trap 'rm -rf "$tmp"' EXIT
  chmod 755 "$tmp"
}
