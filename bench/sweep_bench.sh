#!/usr/bin/env bash
# Scenario benchmarks of issue 7: the default report suite, and a 1 000-point closed-form sweep at
# --jobs 1 and --jobs 2 (wall time, points per second, scaling). Prints one Markdown table.
#   bench/sweep_bench.sh [build/infersim]
set -euo pipefail
BIN=$(realpath "${1:-build/infersim}")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cat > "$WORK/grid.json" <<'JSON'
{"schema": "infersim-sweep/1", "id": "bench-1000", "command": "project",
 "fixed": {"model": "llama-3.1-70b", "output-tokens": 256},
 "axes": [{"name": "hw", "values": ["h100-sxm", "h200", "b200", "mi300x", "gb200-nvl72"]},
          {"name": "weights", "values": ["bf16", "fp8"]},
          {"name": "batch", "values": [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]},
          {"name": "prompt-tokens", "values": [128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536]}]}
JSON
now() { date +%s.%N; }
echo "| benchmark | jobs | points | wall s | points/s | speed-up vs jobs 1 |"
echo "|---|---:|---:|---:|---:|---:|"
t1=0
for j in 1 2; do
  s=$(now); "$BIN" sweep "$WORK/grid.json" --out-dir "$WORK/j$j" --jobs $j --no-progress >/dev/null; e=$(now)
  w=$(echo "$e - $s" | bc -l); [[ $j == 1 ]] && t1=$w
  printf "| sweep, 1 000 closed-form points (incl. merge) | %d | 1000 | %.1f | %.1f | %.2f |\n" $j "$w" "$(echo "1000 / $w" | bc -l)" "$(echo "$t1 / $w" | bc -l)"
done
cmp "$WORK/j1/merged.csv" "$WORK/j2/merged.csv" && echo "(merged CSV identical for jobs 1 and 2)"
s=$(now); (cd "$WORK" && "$BIN" report --suite default --out-dir "$WORK/results" --jobs 2 --no-progress >/dev/null); e=$(now)
cells=$(( $(wc -l < "$WORK/results/default/results.csv") - 1 ))
printf "| report --suite default (%d cells, figures included) | 2 | %d | %.1f | %.2f | |\n" "$cells" "$cells" "$(echo "$e - $s" | bc -l)" "$(echo "$cells / ($e - $s)" | bc -l)"
echo
echo "Machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; build $("$BIN" --version)"
