#!/usr/bin/env bash
# Benchmark of `infersim validate` on the bundled measurement files with --calibration auto: wall
# time, CPU time and peak RSS per file, and the audited median error it prints (so a speed-up that
# changes the answers shows here). Goal: each file well under 25 s on a 2-core machine.
#   bench/validate_bench.sh [build/infersim]
set -euo pipefail
BIN=$(realpath "${1:-build/infersim}")
cd "$(dirname "$0")/.."
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
echo "| file | rows | wall s | CPU s | peak RSS MiB | audited median error |"
echo "|---|---|---|---|---|---|"
for f in validation/calibration.json validation/mlperf-calibration.json; do
  /usr/bin/time -f "%e %U %S %M" -o "$TMP/time" "$BIN" validate --measurements "$f" --calibration auto --json > "$TMP/out.json"
  read -r wall user sys rss < "$TMP/time"
  python3 - "$f" "$wall" "$user" "$sys" "$rss" "$TMP/out.json" <<'PY'
import json, sys
f, wall, user, sys_s, rss, path = sys.argv[1:]
d = json.load(open(path))
a = d["summary"].get("audited", {})
med = a.get("median_abs_relative_error")
print(f"| {f} | {len(d['rows'])} | {float(wall):.1f} | {float(user) + float(sys_s):.1f} | {int(rss) / 1024:.0f} | "
      f"{'-' if med is None else f'{100 * med:.1f} %'} |")
PY
done
