#!/usr/bin/env bash
# Scenario benchmarks of the DES: whole simulations, each its own process (one SimGrid engine per
# process), timed by `infersim simulate --timing`. Prints a Markdown table: simulated decode
# iterations, SimGrid activities and requests per wall second, and peak RSS, at two run lengths
# (memory must stay flat in run length).
# Usage: bench/des_scenarios.sh [build-dir]   (default: build)
set -euo pipefail
BUILD=${1:-build}
BIN="$BUILD/infersim"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

run() {  # name, then infersim simulate arguments
  local name=$1; shift
  "$BIN" simulate "$@" --timing --json > "$TMP/out.json"
  python3 - "$name" "$TMP/out.json" "$*" <<'PY'
import json, sys
name, path, args = sys.argv[1], sys.argv[2], sys.argv[3]
d = json.load(open(path)); p = d["performance"]; s = d["des"]
print(f"| {name} | {d['chips']} ({d['tp']}x{d['pp']}) | {s['detail']} | {s['steps']:,} | {s['activities']:,} | "
      f"{s['activities']/max(s['steps'],1):.2f} | {p['wall_s']:.3f} | {p['iterations_per_wall_s']:,.0f} | "
      f"{p['activities_per_wall_s']:,.0f} | {p['requests_per_wall_s']:,.1f} | {p['peak_rss_bytes']/2**20:.1f} |")
PY
}

echo "| scenario | chips (tp x pp) | detail | iterations | activities | act/iter | wall s | iterations/s | activities/s | requests/s | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
H100="--hw h100-sxm --model llama-3.1-70b --tp 8 --batch 1 --prompt-tokens 1024"
run "8xH100 70B TP8, 1 stream, 30k tokens"   $H100 --requests 1 --output-tokens 30000
run "8xH100 70B TP8, 1 stream, 120k tokens"  $H100 --requests 1 --output-tokens 120000
run "8xH100 70B TP8, 120k tokens + trace"    $H100 --requests 1 --output-tokens 120000 --trace "$TMP/t.h5"
run "8xH100 70B TP8, 1000 requests x 120"    $H100 --requests 1000 --output-tokens 120
GROQ="--hw groq-lpu --model llama-3.1-70b --weights fp8 --tp 8 --pp 72 --batch 1 --prompt-tokens 1024"
run "576 Groq LPU 70B fp8, 5k tokens"         $GROQ --requests 1 --output-tokens 5000
run "576 Groq LPU 70B fp8, 20k tokens"        $GROQ --requests 1 --output-tokens 20000
CS="--hw cerebras-wse3 --model llama-3.1-70b --pp 4 --batch 1 --prompt-tokens 1024"
run "4x Cerebras WSE-3 70B pp4, 1 x 20k tokens" $CS --requests 1 --output-tokens 20000
run "4x Cerebras WSE-3 70B pp4, 6 x 20k tokens" $CS --requests 6 --output-tokens 20000
run "8xH100 70B TP8, layer detail, 64 tokens" $H100 --requests 1 --output-tokens 64 --detail layer
run "Groq pp72 batch 72, 72 micro-batches, 50 tokens" --hw groq-lpu --model llama-3.1-70b --weights fp8 --tp 8 --pp 72 \
    --batch 72 --micro-batches 72 --prompt-tokens 128 --requests 72 --output-tokens 50

# The serving issue's scenario (Vidur's reference: median 39 s, 860 MiB on this class of machine):
# Llama-2-70B on 4 x H100 (TP4), chunked prefill, Poisson arrivals with chat-like lengths, 10,000
# requests, on both engines. Wall time and the child's peak RSS are measured by the parent.
echo
echo "| serving scenario (10,000 requests) | engine | wall s | steps | steps/s | requests/s | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|"
serve_run() {  # engine, then the command
  local engine=$1; shift
  python3 - "$engine" "$@" <<'PY'
import json, resource, subprocess, sys, time
engine, cmd = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
wall = time.monotonic() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
d = json.loads(out)
steps = d.get("steps", 0)
print(f"| Llama-2-70B 4xH100 TP4 chunked prefill chat | {engine} | {wall:.3f} | {steps:,} | {steps/wall:,.0f} | "
      f"{d['requests_finished']/wall:,.0f} | {rss:.1f} |")
PY
}
SERVE="--hw h100-sxm --model llama-2-70b --tp 4 --workload chat --scheduler chunked-prefill --requests 10000 --json"
serve_run analytic "$BIN" serve $SERVE
serve_run des "$BIN" serve $SERVE --engine des
