#!/usr/bin/env bash
# key_passphrase.sh — the passphrase of the demo's signing keys
# (`./dev run`, the benchmarks): a random one in DATA/key-passphrase
# (mode 600), made on the first run; its path is printed for
# TONGBAN_KEY_PASSPHRASE_FILE. The plain keys of a data folder made
# before keys were encrypted by default (DATA/keys) are encrypted with it
# (`tongban keys encrypt`), so an older ./var keeps working.
#
# usage: key_passphrase.sh TONGBAN DATA
set -euo pipefail
tongban=${1:?usage: key_passphrase.sh TONGBAN DATA}
data=${2:?usage: key_passphrase.sh TONGBAN DATA}
file=$data/key-passphrase
say() { printf 'dev: %s\n' "$*" >&2; }

if [ ! -s "$file" ]; then
  (
    umask 077
    openssl rand -hex 24 >"$file"
  )
  say "the signing keys' passphrase is in $file (mode 600)"
fi
if [ -d "$data/keys" ]; then
  out=$(TONGBAN_KEY_PASSPHRASE= TONGBAN_KEY_PASSPHRASE_FILE=$file \
    "$tongban" keys encrypt --dir "$data/keys")
  case $out in
  *": 0 private keys encrypted"*) ;;
  *) say "$out (with the passphrase of $file)" ;;
  esac
fi
printf '%s\n' "$file"
