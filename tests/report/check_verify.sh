#!/usr/bin/env bash
# verify passes on a fresh report and fails, naming results.json, once it is edited; the
# non-fitting deployment says "does not fit" in every output; an unfinished report has no manifest.
set -euo pipefail
BIN=$1 TESTS=$2 WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK"
"$BIN" report --suite "$TESTS/report/tiny-suite.json" --out-dir "$WORK" --no-figures --jobs 2 >/dev/null
D=$WORK/tiny
for f in results.json results.csv report.md report.html; do
  grep -q "does not fit: needs" "$D/$f" || { echo "FAIL: $f lacks 'does not fit'"; exit 1; }
done
grep -q "UNAUDITED" "$D/report.html" || { echo "FAIL: report.html does not mark Sohu"; exit 1; }
grep -q '"sha256"' "$D/manifest.json"
# The scratch folder of a verification killed outright (its pid is gone) is removed by the next one.
mkdir -p "$D/.verify-999999999/rerun"
"$BIN" report --verify "$D/manifest.json" | tee "$WORK/verify-ok.txt"
grep -q "byte-identical" "$WORK/verify-ok.txt"
test ! -e "$D/.verify-999999999" || { echo "FAIL: a stale .verify-<pid> folder was left"; exit 1; }
# An auditor's copy of the folder, verified from another directory, gives the same verdict.
cp -r "$D" "$WORK/copy"
(cd / && "$BIN" report --verify "$WORK/copy/manifest.json") | tee "$WORK/verify-copy.txt"
grep -q "byte-identical" "$WORK/verify-copy.txt"
grep -q '"git_commit_full"' "$D/manifest.json"
sed -i 's/"ok"/"OK"/' "$D/results.json"
if "$BIN" report --verify "$D/manifest.json" >"$WORK/verify-bad.txt"; then echo "FAIL: verify passed an edited results.json"; exit 1; fi
cat "$WORK/verify-bad.txt"
grep -q "results.json" "$WORK/verify-bad.txt"
echo PASS
