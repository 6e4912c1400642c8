#!/bin/sh
# test_secrets.sh — secrets and the database (issue 17 §5), as TAP:
#
# - `tongban keys init` refuses to write keys without a passphrase (and a
#   passphrase together with --unencrypted), writes every private key
#   encrypted ("ENCRYPTED PRIVATE KEY"), mode 600, and the tracking-code
#   key; with --root-out the root's private key is only in that folder,
#   and `keys rotate` needs --root;
# - `tongban serve` with the embedded cluster: its socket refuses a login
#   without the password (psql, both roles), pg_hba.conf trusts nobody,
#   the passwords file is mode 600 and not in the log, the server role
#   has its statement timeout and connection limit, and the server
#   answers /healthz;
# - a cluster made with trust (an older data folder) is upgraded on the
#   next start, its data kept;
# - serve refuses plain keys (and a fresh start without a passphrase)
#   unless --allow-unencrypted-keys, naming the fix; `keys encrypt`
#   encrypts an older folder's plain keys in place.
#
# Everything on loopback and a Unix socket in a temporary folder; each
# serve is waited for at most 120 s.
#
# usage: test_secrets.sh TONGBAN   (run from the source folder)
tongban=${1:?usage: test_secrets.sh TONGBAN}
n=0
failed=0
tmp=$(mktemp -d) || exit 1
pid=
stop_serve() {
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pid=
  fi
}
trap 'stop_serve; rm -rf "$tmp"' EXIT
# PostgreSQL's unprivileged user (the cluster runs as one under root)
# must reach the data folder
chmod 755 "$tmp"
data=$tmp/data
bureaus=workflows/bureaus.xml
psql=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql | tail -n 1)

. tests/tap.sh  # check, has, exits
lacks() { ! grep -qF -- "$2" "$1" || { echo "# unexpected: $2"; show "$1"; return 1; }; }
all_encrypted() { # DIR: every private key under DIR starts with the
  # encrypted header (tracking.key is an HMAC key, not a PEM file)
  found=0
  for f in $(find "$1" -name '*.key' ! -name tracking.key); do
    found=$((found + 1))
    head -n 1 "$f" | grep -qx -- '-----BEGIN ENCRYPTED PRIVATE KEY-----' ||
      { echo "# not encrypted: $f"; return 1; }
  done
  [ "$found" -gt 0 ] || { echo "# no key under $1"; return 1; }
}
printf 'a passphrase of the test\n' >"$tmp/passphrase"
chmod 600 "$tmp/passphrase"
unset TONGBAN_KEY_PASSPHRASE TONGBAN_KEY_PASSPHRASE_FILE

# --- keys init ---------------------------------------------------------------
"$tongban" keys init --dir "$tmp/k0" --bureaus "$bureaus" >"$tmp/out" 2>&1
exits $? 1 "$tmp/out" "TONGBAN_KEY_PASSPHRASE_FILE"
check "keys init without a passphrase is refused, naming TONGBAN_KEY_PASSPHRASE_FILE" [ $? -eq 0 ]
check "... and writes no key" [ ! -e "$tmp/k0/root.key" ]
TONGBAN_KEY_PASSPHRASE=x "$tongban" keys init --dir "$tmp/k0" --bureaus "$bureaus" \
  --unencrypted >"$tmp/out" 2>&1
exits $? 1 "$tmp/out" "contradict"
check "a passphrase together with --unencrypted is refused" [ $? -eq 0 ]

export TONGBAN_KEY_PASSPHRASE_FILE="$tmp/passphrase"
keys=$tmp/keys
usb=$tmp/usb
"$tongban" keys init --dir "$keys" --bureaus "$bureaus" --root-out "$usb" >"$tmp/out" 2>&1
exits $? 0 "$tmp/out" "keep that folder offline"
check "keys init --root-out makes the keys (exit 0) and says to keep the root offline" [ $? -eq 0 ]
check "the keys folder holds no root key, but root.pem" \
  sh -c "[ ! -e '$keys/root.key' ] && [ -s '$keys/root.pem' ]"
check "the root's folder holds root.key, encrypted, mode 600" \
  sh -c "head -n 1 '$usb/root.key' | grep -q 'ENCRYPTED PRIVATE KEY' && [ \$(stat -c %a '$usb/root.key') = 600 ]"
check "every private key of the keys folder is encrypted" all_encrypted "$keys"
check "the tracking-code key is made too, mode 600" \
  sh -c "[ \$(stat -c %a '$keys/tracking.key' 2>/dev/null) = 600 ]"
"$tongban" keys rotate SCJG --dir "$keys" --bureaus "$bureaus" >"$tmp/out" 2>&1
exits $? 1 "$tmp/out" "--root DIR"
check "keys rotate without the root's folder is refused, naming --root" [ $? -eq 0 ]
"$tongban" keys rotate SCJG --dir "$keys" --bureaus "$bureaus" --root "$usb" >"$tmp/out" 2>&1
exits $? 0 "$tmp/out" "SCJG.2.pem"
check "keys rotate --root makes the bureau's next key" [ $? -eq 0 ]
check "... encrypted" sh -c "head -n 1 '$keys/issuing/SCJG.2.key' | grep -q 'ENCRYPTED PRIVATE KEY'"

# --- serve on the embedded cluster ------------------------------------------
# serve_start LOG [ARGS...]: start serve in the background on port 0
serve_start() {
  log=$1
  shift
  "$tongban" serve --data "$data" --workflows workflows --listen 127.0.0.1:0 \
    --checkpoint-interval 0 --supervision-interval 0 "$@" >"$log" 2>&1 &
  pid=$!
  i=0
  while [ $i -lt 1200 ]; do
    grep -q "tongban: serving on" "$log" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { pid=; return 1; }
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}
# logged LOG PATTERN: the log has a line matching PATTERN within 10 s
logged() {
  for _ in $(seq 1 100); do
    grep -q "$2" "$1" && return 0
    sleep 0.1
  done
  return 1
}
port_of() { sed -n 's|.*serving on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$1" | head -n 1; }
healthz() { # PORT: the status of GET /healthz
  python3 -c 'import sys, urllib.request
print(urllib.request.urlopen("http://127.0.0.1:%s/healthz" % sys.argv[1], timeout=5).status)' "$1"
}
# login ROLE [PASSFILE]: psql through the socket; prints the answer of SQL
# $q, or the error
login() {
  PGPASSFILE=${2:-/dev/null} "$psql" -XAtqw \
    "host=$data port=5432 user=$1 dbname=tongban connect_timeout=5" -c "$q" 2>&1
}
q="SELECT 1"

serve_start "$tmp/serve1.log" --keys "$keys"
check "serve starts with the encrypted keys (offline root)" [ $? -eq 0 ]
port=$(port_of "$tmp/serve1.log")
check "the server answers /healthz" [ "$(healthz "$port" 2>&1)" = 200 ]
want=$(nproc); want=$(( want > 48 ? 48 : want ))
check "it serves on one worker thread per core, at most 48 ($want here)" \
  logged "$tmp/serve1.log" "msg=serving .*threads=$want\b"
login tongban_admin >"$tmp/out"
check "the socket refuses the superuser without a password" has "$tmp/out" "no password supplied"
login tongban >"$tmp/out"
check "the socket refuses the server role without a password" has "$tmp/out" "no password supplied"
printf '*:*:*:tongban_admin:%s\n' 0123456789abcdef0123456789abcdef >"$tmp/wrong"
chmod 600 "$tmp/wrong"
login tongban_admin "$tmp/wrong" >"$tmp/out"
check "... and with a wrong one" has "$tmp/out" "password authentication failed"
check "pg_hba.conf asks every connection for scram-sha-256 and trusts none" \
  sh -c "grep -v '^#' '$data/pg/pg_hba.conf' | grep -qx 'local all all scram-sha-256' &&
         ! grep -v '^#' '$data/pg/pg_hba.conf' | grep -q trust"
# the security log (issue 17 §4): what keys init and rotate noted in the
# keys folder is moved into it when serve starts
q="SELECT string_agg(kind || ' ' || subject || ' ' || actor_kind, ',' ORDER BY seq) FROM security_events WHERE kind LIKE 'key%'"
login tongban_admin "$data/pgpass" >"$tmp/out"
check "keys init and rotate are in the security log once serve started" \
  has "$tmp/out" "keys_initialized keys:platform cli,key_rotated key:SCJG cli"
check "... and the file that noted them is gone" \
  sh -c "[ ! -e '$keys/security-events.pending' ]"
q="SELECT 1"
check "the passwords file is mode 600" [ "$(stat -c %a "$data/pgpass")" = 600 ]
secret=$(sed -n 's/^\*:\*:\*:tongban:\(.*\)/\1/p' "$data/pgpass")
check "the server role's password is 32 hex digits" sh -c "echo '$secret' | grep -qxE '[0-9a-f]{32}'"
check "no password is in the server's log" lacks "$tmp/serve1.log" "$secret"
q="SELECT rolconnlimit FROM pg_roles WHERE rolname = 'tongban'"
check "the server role's connection limit is 64" [ "$(login tongban_admin "$data/pgpass")" = 64 ]
q="SELECT s.setconfig::text FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = 'tongban'"
check "the server role's statement timeout is 30 s" [ "$(login tongban_admin "$data/pgpass")" = '{statement_timeout=30s}' ]
q="SHOW statement_timeout"
check "a connection of the server role gets it" [ "$(login tongban "$data/pgpass")" = 30s ]
stop_serve

"$tongban" serve --data "$data" --workflows workflows --listen 127.0.0.1:0 \
  --keys "$keys" --db-connection-limit 20 --threads 16 >"$tmp/out" 2>&1
check "16 worker threads under --db-connection-limit 20 are refused (exit 2), naming both" \
  sh -c "[ $? -eq 2 ] && grep -q 'more than --db-connection-limit 20' '$tmp/out' && grep -q -- '--threads' '$tmp/out'"
serve_start "$tmp/serve2.log" --keys "$keys" --db-statement-timeout 5 --db-connection-limit 20 --threads 15
check "serve starts again with other limits" [ $? -eq 0 ]
check "... on the 15 worker threads asked for (15 + 5 background connections = 20)" \
  logged "$tmp/serve2.log" "msg=serving .*threads=15\b"
q="SELECT rolconnlimit || ' ' || (SELECT s.setconfig::text FROM pg_db_role_setting s WHERE s.setrole = r.oid) FROM pg_roles r WHERE rolname = 'tongban'"
check "--db-statement-timeout and --db-connection-limit set them" \
  [ "$(login tongban_admin "$data/pgpass")" = '20 {statement_timeout=5s}' ]
q="SELECT count(*) FROM definitions"
before=$(login tongban_admin "$data/pgpass")
stop_serve

# --- an older folder, made with trust, is upgraded ---------------------------
printf 'local all all trust\n' >"$data/pg/pg_hba.conf"
rm -f "$data/pgpass"
serve_start "$tmp/serve3.log" --keys "$keys"
check "serve starts on a cluster that trusted its socket" [ $? -eq 0 ]
check "... and says it now asks for passwords" has "$tmp/serve3.log" "now asks for passwords"
check "... new passwords, mode 600" [ "$(stat -c %a "$data/pgpass" 2>/dev/null)" = 600 ]
q="SELECT 1"
login tongban_admin >"$tmp/out"
check "... and the socket refuses a login without one" has "$tmp/out" "no password supplied"
q="SELECT count(*) FROM definitions"
check "... the data is kept" [ "$(login tongban_admin "$data/pgpass")" = "$before" -a "$before" -gt 0 ]
check "... and the server answers" [ "$(healthz "$(port_of "$tmp/serve3.log")" 2>&1)" = 200 ]
stop_serve

# --- plain keys ----------------------------------------------------------------
plain=$tmp/plain
unset TONGBAN_KEY_PASSPHRASE_FILE
"$tongban" keys init --dir "$plain" --bureaus "$bureaus" --unencrypted >"$tmp/out" 2>&1
exits $? 0 "$tmp/out" "(keys not encrypted)"
check "keys init --unencrypted writes plain keys (for tests)" [ $? -eq 0 ]
"$tongban" serve --data "$data" --workflows workflows --listen 127.0.0.1:0 \
  --keys "$tmp/fresh" >"$tmp/out" 2>&1
exits $? 1 "$tmp/out" "--allow-unencrypted-keys"
check "serve without a passphrase is refused, naming the passphrase and the option" \
  has "$tmp/out" "TONGBAN_KEY_PASSPHRASE_FILE"
check "... before it made any key" [ ! -e "$tmp/fresh/root.pem" ]
export TONGBAN_KEY_PASSPHRASE_FILE="$tmp/passphrase"
"$tongban" serve --data "$data" --workflows workflows --listen 127.0.0.1:0 \
  --keys "$plain" >"$tmp/out" 2>&1
exits $? 1 "$tmp/out" "is not encrypted"
check "serve refuses plain keys" [ $? -eq 0 ]
check "... naming keys encrypt and --allow-unencrypted-keys" \
  sh -c "grep -qF 'keys encrypt' '$tmp/out' && grep -qF -- '--allow-unencrypted-keys' '$tmp/out'"
"$tongban" keys encrypt --dir "$plain" >"$tmp/out" 2>&1
exits $? 0 "$tmp/out" "private keys encrypted" && lacks "$tmp/out" ": 0 private"
check "keys encrypt encrypts the plain keys of the folder" [ $? -eq 0 ]
check "... all of them" all_encrypted "$plain"
serve_start "$tmp/serve4.log" --keys "$plain"
check "serve starts with them now" [ $? -eq 0 ]
stop_serve

echo "1..$n"
[ "$failed" -eq 0 ]
