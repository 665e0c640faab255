#!/usr/bin/env bash
# Issue 14 end to end (tests/ROBUSTNESS.md): exit codes of the command line, special files given as
# inputs, outputs on a full disk (RLIMIT_FSIZE stands in for a disk that fills up: write() fails with
# EFBIG exactly where ENOSPC would), outputs confined to their folder, and SIGTERM honoured by the
# serving loop on the DES.
set -euo pipefail
BIN=$1 TESTS=$2 WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK"
fail() { echo "FAIL: $*"; exit 1; }
# expect CODE MESSAGE command...: the exit code is exactly CODE and stderr contains MESSAGE.
expect() {
  local code=$1 msg=$2
  shift 2
  set +e
  "$@" >"$WORK/out.txt" 2>"$WORK/err.txt"
  local rc=$?
  set -e
  [ "$rc" = "$code" ] || fail "$* exited $rc, expected $code; stderr: $(cat "$WORK/err.txt")"
  [ -z "$msg" ] || grep -qF -- "$msg" "$WORK/err.txt" || fail "$*: stderr lacks '$msg': $(cat "$WORK/err.txt")"
  echo "ok: exit $rc: $*"
}
# Runs a command under a file size limit of $1 KiB, SIGXFSZ ignored (as a full disk: write() fails).
limited() {
  local kib=$1
  shift
  (trap '' XFSZ; ulimit -f "$kib"; exec "$@")
}
SMALL=(--hw h100-sxm --model llama-3.1-8b)

# --- exit-code contract: command-line parse errors are bad input (2), not CLI11's 100+ codes
expect 2 "--no-such-option" "$BIN" project --no-such-option
expect 2 "notanumber" "$BIN" project "${SMALL[@]}" --batch notanumber
expect 2 "--merge: 1 required" "$BIN" sweep --merge
expect 0 "" "$BIN" project --help
expect 2 "--hw: expected a bundled id or a file path, found an empty string" "$BIN" project --model llama-3.1-8b --hw ""

# --- special files as inputs: refused at once (a FIFO used to block forever)
mkfifo "$WORK/fifo.json"
expect 2 "fifo.json: (file): not a regular file" timeout 20 "$BIN" hw show "$WORK/fifo.json"
expect 2 "fifo.json: (file): not a regular file" timeout 20 "$BIN" report --suite "$WORK/fifo.json" --out-dir "$WORK/r"
expect 2 "/dev/zero: (file): not a regular file" timeout 20 "$BIN" report --verify /dev/zero
expect 2 "fifo.json: (file): not a regular file" timeout 20 "$BIN" validate --measurements "$WORK/fifo.json"

# a symlink loop is bad input (was: a filesystem_error, exit 3)
ln -s loop.json "$WORK/loop.json"
expect 2 "loop.json: (file): cannot read it: Too many levels of symbolic links" "$BIN" hw show "$WORK/loop.json"
expect 2 "loop.json: (file): cannot read it: Too many levels of symbolic links" "$BIN" project "${SMALL[@]}" --calibration "$WORK/loop.json"
expect 2 "loop.json: (file): cannot open the file for reading: Too many levels" "$BIN" sweep "$WORK/loop.json"

# --- a bad value inside a suite is bad input naming the suite's pointer (was: exit 3, no pointer)
python3 -c 'import json, sys
d = json.load(open(sys.argv[1])); d["workloads"][0]["model"] = "no-such-model"; print(json.dumps(d))' \
  "$TESTS/report/tiny-suite.json" > "$WORK/bad-model-suite.json"
expect 2 "bad-model-suite.json: /workloads/0 (hardware 'h100-sxm')" "$BIN" report --suite "$WORK/bad-model-suite.json" --out-dir "$WORK/r" --no-figures

# --- outputs confined to their folder
expect 2 "--out-dir: (empty): expected a folder name" "$BIN" report --suite "$TESTS/report/tiny-suite.json" --out-dir "" --no-figures
expect 2 "is not a safe name" "$BIN" report --suite "$TESTS/report/tiny-suite.json" --out-dir "$WORK/r" --name ../escaped --no-figures
test ! -e "$WORK/escaped" || fail "report --name ../escaped wrote outside its folder"

# --- serve --records: one checked atomic writer (was: exit 0 with nothing written, or a cut CSV)
expect 3 "'/dev/full'" "$BIN" serve --model llama-3.1-8b --workload chat --requests 50 --records /dev/full
expect 3 "File too large" limited 16 "$BIN" serve --model llama-3.1-8b --workload chat --requests 3000 --records "$WORK/rec.csv"
test ! -e "$WORK/rec.csv" || fail "a cut records CSV was installed"
"$BIN" serve --model llama-3.1-8b --workload chat --requests 50 --records "$WORK/rec.csv" >/dev/null
test "$(wc -l < "$WORK/rec.csv")" -eq 51 || fail "records CSV does not have 50 rows"

# --- the HDF5 trace on a full disk: exit 3 naming the file, no trace installed (was: abort or segfault)
expect 3 "t.h5" limited 64 "$BIN" simulate "${SMALL[@]}" --requests 200 --output-tokens 200 --trace "$WORK/t.h5"
test ! -e "$WORK/t.h5" || fail "a trace was installed after a write failure"
ls "$WORK" | grep -q "tmp-" && fail "a temporary file was left behind: $(ls "$WORK")"

# --- sweep --merge on a full disk: exit 3, no merged.h5 (was: "merged 36 points", exit 0, rows of zeros)
"$BIN" sweep "$TESTS/../bench/sweeps/example.json" --out-dir "$WORK/sw" --jobs 2 --no-progress >/dev/null
rm "$WORK/sw/merged.csv" "$WORK/sw/merged.json" "$WORK/sw/merged.h5"
expect 3 "File too large" limited 8 "$BIN" sweep --merge "$WORK/sw"
# merged.h5 alone on a full device (its bytes go through the same checked writer as the CSV)
ln -s /dev/full "$WORK/sw/merged.h5"
expect 3 "merged.h5' failed: No space left on device" "$BIN" sweep --merge "$WORK/sw"
rm "$WORK/sw/merged.h5"
ls "$WORK/sw" | grep -q "tmp-" && fail "a temporary file was left behind: $(ls "$WORK/sw")"
"$BIN" sweep --merge "$WORK/sw" >/dev/null
# A point file with an empty field name (no column can carry it; HDF5 aborted the merge, exit 134):
# bad input naming the file and pointer, and none of the three merged files replaced.
first=$(ls "$WORK/sw/points" | head -1)
cp "$WORK/sw/points/$first" "$WORK/point.keep"
cp "$WORK/sw/merged.csv" "$WORK/merged.keep"
printf '{"":1}' > "$WORK/sw/points/$first"
expect 2 "$first: /: an empty field name" "$BIN" sweep --merge "$WORK/sw"
cmp -s "$WORK/sw/merged.csv" "$WORK/merged.keep" || fail "merged.csv was replaced by a merge that failed"
cp "$WORK/point.keep" "$WORK/sw/points/$first"

# --- SIGTERM during serve --engine des and simulate --workload: stop, partial result marked, exit 130
for cmd in "serve --engine des" "simulate"; do
  rm -f "$WORK/partial.json"
  # shellcheck disable=SC2086
  "$BIN" $cmd --model llama-3.1-8b --workload chat --requests 1000000 --json --out "$WORK/partial.json" \
    >/dev/null 2>"$WORK/sig-err.txt" &
  pid=$!
  sleep 3
  kill -TERM "$pid"
  set +e
  wait "$pid"
  rc=$?
  set -e
  [ "$rc" = 130 ] || fail "$cmd: SIGTERM gave exit $rc, expected 130: $(cat "$WORK/sig-err.txt")"
  grep -qF "interrupted" "$WORK/sig-err.txt" || fail "$cmd: nothing on stderr after SIGTERM"
  grep -qF '"complete": false' "$WORK/partial.json" || fail "$cmd: --out not marked incomplete"
  echo "ok: $cmd: SIGTERM: exit 130, --out marked \"complete\": false"
done
echo PASS
