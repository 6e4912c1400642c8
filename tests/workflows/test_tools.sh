#!/bin/sh
# test_tools.sh — the tools around the workflow files, as TAP:
# xmllint accepts every shipped file against workflow.xsd, and
# `tongban workflows check` passes the shipped files, fails a bad one with
# FILE:LINE messages (conditions that can never hold or always hold among
# them, with the reason), and tells usage errors apart; document templates
# (a .tpl file, a templates folder) are checked the same way.
#
# usage: test_tools.sh TONGBAN   (run from the source folder)
tongban=${1:?usage: test_tools.sh TONGBAN}
n=0
failed=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

. tests/tap.sh

# --- xmllint and the schema ---------------------------------------------
if command -v xmllint >/dev/null 2>&1; then
  if xmllint --noout --nonet --schema workflows/workflow.xsd workflows/*.xml \
      >"$tmp/lint" 2>&1; then
    ok "xmllint --schema workflows/workflow.xsd accepts every shipped file"
  else
    not_ok "xmllint --schema workflows/workflow.xsd accepts every shipped file"
    show "$tmp/lint"
  fi
  count=$(grep -c ' validates$' "$tmp/lint")
  files=$(ls workflows/*.xml | wc -l)
  check "xmllint validated each of the $files files" [ "$count" -eq "$files" ]
else
  n=$((n + 1)); echo "ok $n - xmllint # SKIP xmllint (libxml2-utils) is not installed"
fi

# --- tongban workflows check: the shipped files -------------------------
"$tongban" workflows check workflows/*.xml >"$tmp/out" 2>&1
rc=$?
check "check passes the shipped files (exit 0)" [ "$rc" -eq 0 ]
files=$(ls workflows/*.xml | wc -l)
if tail -n 1 "$tmp/out" | grep -qx "$files files, 0 errors"; then
  ok "check ends with '$files files, 0 errors'"
else
  not_ok "check ends with '$files files, 0 errors'"; show "$tmp/out"
fi

# --- a bad file ---------------------------------------------------------
cat >"$tmp/bad.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<service xmlns="urn:tongban:workflow:1" id="bad" version="1"
         applicant="person" statutory-days="10" promised-days="12">
  <name>坏的事项</name>
  <review>
    <branch id="a" name="审查" bureau="NOPE">
      <task id="t" name="审查" days="1"/>
    </branch>
  </review>
</service>
XML
"$tongban" workflows check --bureaus workflows/bureaus.xml "$tmp/bad.xml" \
  >"$tmp/out" 2>&1
rc=$?
check "check fails a bad file (exit 1)" [ "$rc" -eq 1 ]
if grep -q "^$tmp/bad.xml:2: promised-days 12 is above statutory-days 10 — " "$tmp/out" &&
   grep -q "^$tmp/bad.xml:6: branch 'a': unknown bureau 'NOPE' — " "$tmp/out" &&
   tail -n 1 "$tmp/out" | grep -qx "1 file, 2 errors"; then
  ok "check prints FILE:LINE: what — what to do for every problem"
else
  not_ok "check prints FILE:LINE: what — what to do for every problem"
  show "$tmp/out"
fi

# every file is checked, good and bad together
"$tongban" workflows check workflows/qykb.xml "$tmp/bad.xml" workflows/cssj.xml \
  >"$tmp/out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && tail -n 1 "$tmp/out" | grep -qx "3 files, 2 errors"; then
  ok "check reports all files, finding bureaus.xml for each"
else
  not_ok "check reports all files, finding bureaus.xml for each"; show "$tmp/out"
fi

# conditions that can never hold or always hold, with the reason
cat >"$tmp/conds.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<service xmlns="urn:tongban:workflow:1" id="conds" version="1"
         applicant="organization" statutory-days="10" promised-days="5">
  <name>条件有误的事项</name>
  <form>
    <field id="employees" type="number" label="从业人数" integer="true" min="0" max="1000"/>
    <field id="registered_capital" type="money" label="注册资本（元）" min="0"/>
    <field id="business_scope" type="choice" label="经营范围">
      <choice value="x">甲</choice>
      <choice value="y">乙</choice>
    </field>
  </form>
  <review>
    <branch id="a" name="审查" bureau="SCJG" when="employees &gt; 10 and employees &lt; 5">
      <task id="t" name="审查" days="1"/>
    </branch>
    <branch id="b" name="审查" bureau="SCJG" when="registered_capital &gt;= 0">
      <task id="t" name="审查" days="1"/>
    </branch>
    <branch id="c" name="审查" bureau="SCJG"
            when="business_scope = 'x' and business_scope = 'y'">
      <task id="t" name="审查" days="1"/>
    </branch>
    <branch id="d" name="审查" bureau="SCJG" when="employees &gt; 4 and employees &lt; 6">
      <task id="t" name="审查" days="1"/>
    </branch>
  </review>
</service>
XML
"$tongban" workflows check --bureaus workflows/bureaus.xml "$tmp/conds.xml" \
  >"$tmp/out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] &&
   grep -qF "$tmp/conds.xml:14: branch 'a' is unreachable: its condition \"employees > 10 and employees < 5\" can never hold: employees > 10 and employees < 5 leave no value — fix the condition" "$tmp/out" &&
   grep -qF "$tmp/conds.xml:17: branch 'b': its condition \"registered_capital >= 0\" always holds: registered_capital >= 0 holds for every value the field allows — fix the condition, or remove when=" "$tmp/out" &&
   grep -qF "$tmp/conds.xml:20: branch 'c' is unreachable: its condition \"business_scope = 'x' and business_scope = 'y'\" can never hold: business_scope = 'x' and business_scope = 'y' cannot both hold — " "$tmp/out" &&
   tail -n 1 "$tmp/out" | grep -qx "1 file, 3 errors"; then
  ok "check refuses conditions that can never hold or always hold, with the reason"
else
  not_ok "check refuses conditions that can never hold or always hold, with the reason"
  show "$tmp/out"
fi

# a bureaus.xml next to the definition wins over workflows/bureaus.xml
mkdir "$tmp/city"
cp workflows/spjy.xml "$tmp/city/"
cat >"$tmp/city/bureaus.xml" <<'XML'
<bureaus xmlns="urn:tongban:workflow:1">
  <bureau code="GA" name="公安局" credit-code="11330100002489612G"/>
</bureaus>
XML
"$tongban" workflows check "$tmp/city/spjy.xml" >"$tmp/out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q "unknown bureau 'SCJG'" "$tmp/out"; then
  ok "check uses the bureaus.xml next to the definition"
else
  not_ok "check uses the bureaus.xml next to the definition"; show "$tmp/out"
fi

# only the competent bureau issues a license type: 公安局 may not issue
# the 营业执照 (bureaus.xml grants it to 市场监督管理局)
sed 's/name="营业执照" bureau="SCJG"/name="营业执照" bureau="GA"/' \
  workflows/qykb.xml >"$tmp/qykb-ga.xml"
line=$(grep -n 'name="营业执照" bureau="GA"' "$tmp/qykb-ga.xml" | cut -d: -f1)
"$tongban" workflows check --bureaus workflows/bureaus.xml "$tmp/qykb-ga.xml" \
  >"$tmp/out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && [ -n "$line" ] &&
   grep -q "^$tmp/qykb-ga.xml:$line: license '营业执照' (type 11100000MB0143028R001): bureau 'GA' (公安局) has no authority to issue it — name the bureau that issues it (SCJG)" "$tmp/out" &&
   tail -n 1 "$tmp/out" | grep -qx "1 file, 1 error"; then
  ok "check refuses a license issued by a bureau without the authority"
else
  not_ok "check refuses a license issued by a bureau without the authority"
  show "$tmp/out"
fi

# a hostile file is refused with a message, not a crash
printf '<!DOCTYPE service [<!ENTITY x SYSTEM "/etc/passwd">]><service>&x;</service>' \
  >"$tmp/evil.xml"
"$tongban" workflows check "$tmp/evil.xml" >"$tmp/out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q "^$tmp/evil.xml:1: DOCTYPE" "$tmp/out" &&
   ! grep -q "root:" "$tmp/out"; then
  ok "check refuses a DOCTYPE"
else
  not_ok "check refuses a DOCTYPE"; show "$tmp/out"
fi

# --- usage errors -------------------------------------------------------
"$tongban" workflows >/dev/null 2>&1
check "'workflows' without a command is a usage error (exit 2)" [ $? -eq 2 ]
"$tongban" workflows check >/dev/null 2>&1
check "'workflows check' without files is a usage error (exit 2)" [ $? -eq 2 ]
"$tongban" workflows check --frobnicate workflows/qykb.xml >/dev/null 2>&1
check "an unknown option is a usage error (exit 2)" [ $? -eq 2 ]
"$tongban" workflows check --bureaus "$tmp/none.xml" workflows/qykb.xml \
  >"$tmp/out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q "^$tmp/none.xml: could not open the file" "$tmp/out"; then
  ok "a missing --bureaus file is an error (exit 1)"
else
  not_ok "a missing --bureaus file is an error (exit 1)"; show "$tmp/out"
fi

# --- document templates (documents/) --------------------------------------
"$tongban" workflows check workflows/templates workflows/templates/gap.tpl \
  >"$tmp/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && tail -n 1 "$tmp/out" | grep -qx "2 files, 0 errors"; then
  ok "check passes the shipped templates folder and a template (exit 0)"
else
  not_ok "check passes the shipped templates folder and a template"; show "$tmp/out"
fi
mkdir "$tmp/tpl"
printf '第一行\n{{#each gaps}}\n{{nmae}}\n{{/each}}\n{{/if}}\n' >"$tmp/tpl/gap.tpl"
"$tongban" workflows check "$tmp/tpl" >"$tmp/out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q "^$tmp/tpl/gap.tpl:3: unknown placeholder {{nmae}}" "$tmp/out" \
    && grep -q "^$tmp/tpl/gap.tpl:5: {{/if}} closes no open section" "$tmp/out"; then
  ok "check fails a bad template in a folder with FILE:LINE (exit 1)"
else
  not_ok "check fails a bad template in a folder with FILE:LINE"; show "$tmp/out"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
