#!/usr/bin/env bash
# The serving scenario Vidur (MLSys'24) reports, on infersim's engines and, where it is installed,
# on Vidur itself, in the same run on the same machine: Llama-2-70B on 4 x H100 (TP4), chunked
# prefill with 512-token chunks (Sarathi-Serve), Poisson arrivals at 2.5 requests/s, 10,000
# chat-like requests. Each command runs REPEATS times (default 5), alternating engines so that
# machine noise falls on all of them alike; the table gives the median wall time, the peak RSS
# (GNU time) and, for infersim, simulated steps, engine events and requests per wall second.
#
# Vidur: `git clone https://github.com/microsoft/vidur && pip install -e vidur` (it needs its
# profiling data, which the repository carries), then run this script from anywhere with
# VIDUR_DIR=/path/to/vidur. Without it the ratio is to the recorded median of an idle Vidur run on
# this machine class (39 s, 860 MiB), and the table says so.
#
# Then the long run: 1,000,000 requests on the DES (event detail), and 100,000 for the memory
# comparison (peak RSS must not grow with the number of requests).
#
# Usage: bench/vidur_side_by_side.sh [build-dir] [repeats]   (default: build 5)
set -euo pipefail
BUILD=${1:-build}
REPEATS=${2:-5}
BIN="$BUILD/infersim"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "needs GNU time (/usr/bin/time: apt-get install time)" >&2; exit 2; }

RECORDED_VIDUR_S=39
RECORDED_VIDUR_MIB=860
SCENARIO="--hw h100-sxm --model llama-2-70b --tp 4 --workload chat --scheduler chunked-prefill --token-budget 512
          --rate 2.5 --json"

# One timed run: label, output file, then the command. Appends "wall_s rss_kib" to $TMP/<label>.
timed() {
  local label=$1 out=$2; shift 2
  "$TIME" -f "%e %M" -o "$TMP/time" "$@" > "$out"
  cat "$TMP/time" >> "$TMP/$label"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

VIDUR=""
if [ -n "${VIDUR_DIR:-}" ] && [ -d "$VIDUR_DIR/vidur" ]; then VIDUR="$VIDUR_DIR"; fi

for ((i = 1; i <= REPEATS; i++)); do
  echo "round $i of $REPEATS" >&2
  # shellcheck disable=SC2086
  timed analytic "$TMP/analytic.json" "$BIN" serve $SCENARIO --requests 10000
  # shellcheck disable=SC2086
  timed des-event "$TMP/des-event.json" "$BIN" serve $SCENARIO --requests 10000 --engine des --detail event
  # shellcheck disable=SC2086
  timed des-step "$TMP/des-step.json" "$BIN" serve $SCENARIO --requests 10000 --engine des --detail step
  if [ -n "$VIDUR" ]; then
    # Vidur's own flags for the same scenario (its synthetic generator with the chat trace's
    # lengths; its sarathi scheduler is chunked prefill).
    (cd "$VIDUR" && timed vidur /dev/null python3 -m vidur.main \
        --replica_config_device h100 --replica_config_network_device h100_dgx \
        --replica_config_model_name meta-llama/Llama-2-70b-hf \
        --cluster_config_num_replicas 1 --replica_config_tensor_parallel_size 4 \
        --replica_config_num_pipeline_stages 1 \
        --request_generator_config_type synthetic --synthetic_request_generator_config_num_requests 10000 \
        --length_generator_config_type trace \
        --trace_request_length_generator_config_trace_file ./data/processed_traces/splitwise_conv.csv \
        --interval_generator_config_type poisson --poisson_request_interval_generator_config_qps 2.5 \
        --replica_scheduler_config_type sarathi --sarathi_scheduler_config_chunk_size 512 \
        --sarathi_scheduler_config_batch_size_cap 256)
  fi
done

if [ -n "$VIDUR" ]; then
  VIDUR_S=$(cut -d' ' -f1 "$TMP/vidur" | median)
  VIDUR_MIB=$(cut -d' ' -f2 "$TMP/vidur" | median | awk '{printf "%.0f", $1/1024}')
  REF="Vidur measured in this run: median $VIDUR_S s, $VIDUR_MIB MiB"
else
  VIDUR_S=$RECORDED_VIDUR_S
  VIDUR_MIB=$RECORDED_VIDUR_MIB
  REF="Vidur not installed (VIDUR_DIR): recorded median of an idle run on this machine class, $VIDUR_S s, $VIDUR_MIB MiB"
fi

echo "Llama-2-70B, 4 x H100 TP4, chunked prefill 512, Poisson 2.5 req/s, 10,000 requests; $REPEATS runs each."
echo "Reference: $REF."
echo
echo "| engine | median wall s | peak RSS MiB | x faster than Vidur | steps/s | engine events/s | requests/s |"
echo "|---|---|---|---|---|---|---|"
for label in analytic des-event des-step; do
  python3 - "$label" "$TMP/$label" "$TMP/$label.json" "$VIDUR_S" <<'PY'
import json, statistics, sys
label, times, result, vidur_s = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
rows = [line.split() for line in open(times)]
wall = statistics.median(float(r[0]) for r in rows)
rss = statistics.median(float(r[1]) for r in rows) / 1024
d = json.load(open(result))
steps = d["steps"]
des = d.get("des", {})
events = des.get("event_runs", 0) if des.get("detail") == "event" else des.get("activities", 0)
ev = f"{events / wall:,.0f}" if des else "-"
print(f"| {label} | {wall:.3f} | {rss:.1f} | {vidur_s / wall:.1f} | {steps / wall:,.0f} | {ev} | "
      f"{d['requests_finished'] / wall:,.0f} |")
PY
done
echo
echo "(engine events: event detail, the pending runs executed on SimGrid, one per stretch between"
echo "serving events; step detail, every SimGrid activity.)"

echo
echo "| long run (DES, event detail) | requests | wall s | peak RSS MiB | steps/s | requests/s | within 100 s |"
echo "|---|---|---|---|---|---|---|"
for n in 100000 1000000; do
  # shellcheck disable=SC2086
  timed "long-$n" "$TMP/long-$n.json" "$BIN" serve $SCENARIO --requests "$n" --engine des
  python3 - "$n" "$TMP/long-$n" "$TMP/long-$n.json" <<'PY'
import json, sys
n, times, result = sys.argv[1], sys.argv[2], sys.argv[3]
wall, rss = (float(x) for x in open(times).read().split())
d = json.load(open(result))
assert d["requests_finished"] == int(n), "not every request finished"
print(f"| Llama-2-70B 4xH100 chat | {int(n):,} | {wall:.1f} | {rss / 1024:.1f} | {d['steps'] / wall:,.0f} | "
      f"{d['requests_finished'] / wall:,.0f} | {'yes' if wall < 100 else 'NO'} |")
PY
done
