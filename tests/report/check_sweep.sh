#!/usr/bin/env bash
# Same grid, 1 shard vs 3 shards: byte-identical merged CSV/JSON; a resumed sweep skips finished
# points; an incomplete sweep refuses to merge; a point interrupted by the sweep's SIGTERM (a
# `simulate` child writes a whole result marked "complete": false) is never taken as finished.
set -euo pipefail
BIN=$1 TESTS=$2 WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK"
GRID=$TESTS/../bench/sweeps/example.json
"$BIN" sweep "$GRID" --out-dir "$WORK/one" --jobs 2 >/dev/null
for i in 0 1 2; do "$BIN" sweep "$GRID" --out-dir "$WORK/three" --shard $i/3 --jobs 2 >/dev/null; done
"$BIN" sweep --merge "$WORK/three" >/dev/null
cmp "$WORK/one/merged.csv" "$WORK/three/merged.csv"
cmp "$WORK/one/merged.json" "$WORK/three/merged.json"
test -s "$WORK/one/merged.h5"
test "$(wc -l < "$WORK/one/merged.csv")" -eq 37
# the merge's summary table (axes and a few results) and a figure of two fields, the same bytes twice
"$BIN" sweep --merge "$WORK/three" --columns axis.hw,axis.batch,axis.weights,decode_tok_s_per_chip \
  --plot "$WORK/a.svg" --x axis.batch --y decode_tok_s_per_chip --series axis.hw > "$WORK/summary.txt"
grep -Eq '^b200 +64 +fp4 +[0-9,.]+ *$' "$WORK/summary.txt" || { echo "FAIL: summary row"; cat "$WORK/summary.txt"; exit 1; }
"$BIN" sweep --merge "$WORK/three" --plot "$WORK/b.svg" --x axis.batch --y decode_tok_s_per_chip --series axis.hw >/dev/null
cmp "$WORK/a.svg" "$WORK/b.svg"
if "$BIN" sweep --merge "$WORK/three" --plot "$WORK/c.svg" --x axis.batch --y decode_tok_s_per_chp 2>"$WORK/plot-err.txt"; then
  echo "FAIL: plotted a column that does not exist"; exit 1
fi
grep -q "did you mean decode_tok_s_per_chip" "$WORK/plot-err.txt"
test ! -e "$WORK/c.svg"
# shards share the folder (a Slurm job array): a shard removes only its own points' leftovers. A
# temporary file and an empty log of a point of shard 1/2 (still being written by that shard) survive
# a run of shard 0/2; shard 0's own leftover is removed.
mkdir -p "$WORK/shared/points" "$WORK/shared/logs"
cp "$GRID" "$WORK/shared/grid.json"
: > "$WORK/shared/points/0000001.json.tmp-99999"
: > "$WORK/shared/points/0000002.json.tmp-99999"
: > "$WORK/shared/logs/0000001.err"
: > "$WORK/shared/points/99999999999999999999999.json.tmp-1"  # a stray name no point has (and no stoll holds)
"$BIN" sweep "$GRID" --out-dir "$WORK/shared" --shard 0/2 --jobs 2 --no-progress >/dev/null
test -e "$WORK/shared/points/0000001.json.tmp-99999" || { echo "FAIL: shard 0/2 removed shard 1's file in progress"; exit 1; }
test -e "$WORK/shared/logs/0000001.err" || { echo "FAIL: shard 0/2 removed shard 1's open log"; exit 1; }
test ! -e "$WORK/shared/points/0000002.json.tmp-99999" || { echo "FAIL: shard 0/2 kept its own leftover"; exit 1; }
# resume: delete two points, rerun: exactly two run, 34 skipped
rm "$WORK/one/points/0000003.json" "$WORK/one/points/0000030.json"
if "$BIN" sweep --merge "$WORK/one" 2>"$WORK/merge-err.txt"; then echo "FAIL: merged an incomplete sweep"; exit 1; fi
grep -q "2 point(s) missing" "$WORK/merge-err.txt"
"$BIN" sweep "$GRID" --out-dir "$WORK/one" --jobs 2 | tee "$WORK/resume.txt"
grep -q "34 already finished, 2 run, 0 failed" "$WORK/resume.txt"
cmp "$WORK/one/merged.csv" "$WORK/three/merged.csv"
cmp "$WORK/one/merged.h5" "$WORK/three/merged.h5"

# simulate: a SIGTERM to the sweep stops its child, whose partial result must not stay as a point
"$BIN" sweep "$TESTS/report/simulate-long-grid.json" --out-dir "$WORK/long" --jobs 1 --no-progress >/dev/null 2>&1 &
pid=$!
sleep 4
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
[ "$rc" = 130 ] || { echo "FAIL: interrupted sweep exited $rc, expected 130"; exit 1; }
test ! -e "$WORK/long/points/0000000.json" || { echo "FAIL: the interrupted point was kept as finished"; exit 1; }

# simulate: a partial point left in the folder (as by a sweep killed outright) is re-run on resume,
# and the merge then equals the uninterrupted run's
SGRID=$TESTS/report/simulate-grid.json
"$BIN" sweep "$SGRID" --out-dir "$WORK/sim-a" --jobs 2 --no-progress >/dev/null
"$BIN" sweep "$SGRID" --out-dir "$WORK/sim-b" --jobs 2 --no-progress >/dev/null
rm "$WORK/sim-b"/merged.*
python3 -c 'import json, sys
p = sys.argv[1]; j = json.load(open(p)); j["complete"] = False; j["des"]["stopped_early"] = True
open(p, "w").write(json.dumps(j, indent=2) + "\n")' "$WORK/sim-b/points/0000001.json"
if "$BIN" sweep --merge "$WORK/sim-b" 2>"$WORK/sim-merge-err.txt"; then echo "FAIL: merged a partial point"; exit 1; fi
grep -q '1 partial' "$WORK/sim-merge-err.txt"
"$BIN" sweep "$SGRID" --out-dir "$WORK/sim-b" --jobs 2 --no-progress | tee "$WORK/sim-resume.txt"
grep -q "1 already finished, 1 run, 0 failed" "$WORK/sim-resume.txt"
for f in merged.csv merged.json merged.h5; do cmp "$WORK/sim-a/$f" "$WORK/sim-b/$f"; done
echo PASS
