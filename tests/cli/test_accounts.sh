#!/bin/sh
# test_accounts.sh — a newcomer's first start, as TAP (issue 16 §6):
#
# - `tongban workflows bureaus` names every bureau the shipped workflows
#   name (checked against the bureau attributes of the files themselves);
# - tools/demo_accounts.sh (what `./dev run` does) on a fresh data folder
#   writes demo-accounts.txt with an officer for each of them, mode 600,
#   and the accounts are in the database (importing them again is refused
#   line by line: they exist);
# - `tongban accounts import` refuses hostile lines, each with its line
#   number (unknown role, unknown bureau, a name twice, an overlong line, a
#   control character, a bureau where none belongs or missing, extra
#   fields, a bad user name), adds nothing then, and is all-or-nothing
#   when one user exists; it reads the accounts from standard input with
#   --password-file and refuses a short password.
#
# usage: test_accounts.sh TONGBAN   (run from the source folder)
tongban=${1:?usage: test_accounts.sh TONGBAN}
n=0
failed=0
. tests/tap.sh
tap_tmp
data=$tmp/data

# --- the bureaus the shipped workflows name --------------------------------
"$tongban" workflows bureaus workflows/*.xml >"$tmp/bureaus" 2>"$tmp/err"
check "workflows bureaus lists the shipped workflows' bureaus (exit 0)" [ $? -eq 0 ]
cut -d' ' -f1 "$tmp/bureaus" >"$tmp/codes"
for f in workflows/*.xml; do
  case $f in */bureaus.xml|*/supervision.xml) continue ;; esac
  grep -o 'bureau="[A-Z]*"' "$f"
done | sed 's/.*="\(.*\)"/\1/' | sort -u >"$tmp/named"
if cmp -s "$tmp/codes" "$tmp/named"; then
  ok "the list is exactly the codes the definitions name"
else
  not_ok "the list is exactly the codes the definitions name"
  diff "$tmp/named" "$tmp/codes" | sed 's/^/#   /'
fi
check "RF (人防, the construction permit's basement) is among them" grep -qx RF "$tmp/codes"
check "each bureau is shown with its name" has "$tmp/bureaus" "RF 人民防空办公室"

# --- the demo accounts of ./dev run ----------------------------------------
bash tools/demo_accounts.sh "$tongban" "$data" workflows >"$tmp/demo" 2>&1
check "the demo step creates the accounts on a fresh data folder" [ $? -eq 0 ]
file=$data/demo-accounts.txt
check "demo-accounts.txt is readable by its owner only" \
  [ "$(stat -c %a "$file" 2>/dev/null)" = 600 ]
missing=0
while read -r code; do
  lower=$(echo "$code" | tr 'A-Z' 'a-z')
  grep -qF "  $lower (officer of $code)" "$file" || { missing=1; echo "# no officer of $code"; }
  grep -qF "$lower" "$tmp/demo" || { missing=1; echo "# the message does not name $lower"; }
done <"$tmp/codes"
check "an officer of every bureau, in the file and in the message" [ "$missing" -eq 0 ]
password=$(sed -n 's/^password: //p' "$file")
check "one password, Tb- and 12 hex digits (the password policy's kinds)" \
  sh -c "echo '$password' | grep -qxE 'Tb-[0-9a-f]{12}'"
printf '%s\n' "$password" >"$tmp/pw"
# the accounts are stored: the same list again is refused, every line
{ printf 'admin admin\nclerk clerk\ninspector inspector\n'
  while read -r code; do
    printf '%s officer %s\n' "$(echo "$code" | tr 'A-Z' 'a-z')" "$code"
  done <"$tmp/codes"; } >"$tmp/again"
"$tongban" accounts import "$tmp/again" --password-file "$tmp/pw" \
  --workflows workflows --data "$data" >"$tmp/out" 2>&1
rc=$?
exists=$(grep -c "user '.*' exists" "$tmp/out")
check "every demo account is in the database (the import again: exit 2, each exists)" \
  [ "$rc.$exists" = "2.$(wc -l <"$tmp/again" | tr -d ' ')" ]
bash tools/demo_accounts.sh "$tongban" "$data" workflows >"$tmp/demo2" 2>&1
check "a second start only says where the file is" has "$tmp/demo2" "demo accounts: see $file"

# --- hostile lines ----------------------------------------------------------
long=$(printf '%0300d' 0)
printf 'newclerk clerk\nbob wizard\ncarol officer NOPE\nnewclerk admin\n%s clerk\nd\001ave clerk\neve officer\nfrank clerk GA\n# a comment\n\ngina clerk extra more\nh/nry clerk\nivan clerk\r\n' \
  "$long" >"$tmp/bad"
"$tongban" accounts import "$tmp/bad" --password-file "$tmp/pw" \
  --workflows workflows --data "$data" >"$tmp/out" 2>&1
check "hostile lines: exit 2" [ $? -eq 2 ]
check "line 2: unknown role" has "$tmp/out" "line 2: unknown role 'wizard'"
check "line 3: unknown bureau" has "$tmp/out" "line 3: unknown bureau 'NOPE'"
check "line 4: a name twice" has "$tmp/out" "line 4: user 'newclerk' is also on line 1"
check "line 5: an overlong line" has "$tmp/out" "line 5: longer than 256 bytes"
check "line 6: a control character" has "$tmp/out" "line 6: a control character (0x01) at byte 2"
check "line 7: an officer without a bureau" has "$tmp/out" "line 7: an officer needs a bureau"
check "line 8: a bureau where none belongs" has "$tmp/out" "line 8: only officers belong to a bureau"
check "line 11: extra fields" has "$tmp/out" "line 11: write NAME ROLE [BUREAU] (found 4 fields)"
check "line 12: a bad user name" has "$tmp/out" "line 12: cannot use user name 'h/nry'"
check "comments, blank lines and CRLF line ends pass" \
  sh -c "! grep -qE 'line (1|9|10|13):' '$tmp/out'"
check "nothing added" has "$tmp/out" "no account was added"
printf 'newclerk clerk\n' >"$tmp/one"
"$tongban" accounts import "$tmp/one" --password-file "$tmp/pw" --data "$data" \
  >"$tmp/out" 2>&1
check "newclerk of the refused file was not added (adding it now works)" \
  has "$tmp/out" "1 accounts added"

# --- all or nothing ------------------------------------------------------
printf 'newinspector inspector\nadmin admin\nnewadmin admin\n' |
  "$tongban" accounts import - --password-file "$tmp/pw" --data "$data" \
  >"$tmp/out" 2>&1
check "one user that exists: exit 2, named with its line" \
  exits $? 2 "$tmp/out" "line 2: user 'admin' exists"
printf 'newinspector inspector\nnewadmin admin\n' |
  "$tongban" accounts import - --password-file "$tmp/pw" --data "$data" \
  >"$tmp/out" 2>&1
check "the others were not added: importing them now works" \
  has "$tmp/out" "2 accounts added"

# --- passwords and usage -----------------------------------------------------
printf 'short\n' >"$tmp/short"
printf 'x1 clerk\n' | "$tongban" accounts import - --password-file "$tmp/short" \
  --data "$data" >"$tmp/out" 2>&1
check "a short password is refused" exits $? 2 "$tmp/out" "use at least 8"
printf 'x1 clerk\n' | "$tongban" accounts import - --data "$data" >"$tmp/out" 2>&1
check "accounts on standard input need --password-file" \
  exits $? 2 "$tmp/out" "--password-file"
printf '\n# nothing\n' >"$tmp/empty"
"$tongban" accounts import "$tmp/empty" --password-file "$tmp/pw" \
  --data "$data" >"$tmp/out" 2>&1
check "a file without accounts is refused" exits $? 2 "$tmp/out" "no accounts"

echo "1..$n"
[ "$failed" -eq 0 ]
