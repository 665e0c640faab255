#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz for a fixed time (default 60 s each), with ASan + UBSan.
# Usage: scripts/fuzz.sh [seconds-per-target] [target...]   (targets: descriptor registry csv measurements suite calibration grid sweep_point manifest)
# Builds with clang in build-fuzz (BUILD_DIR overrides), only the fuzz targets. The working corpus
# lives in build-fuzz/corpus/<target> (seeded from the bundled files and the fixtures every run);
# a finding is written to build-fuzz/artifacts/<target>/ and makes the script exit 1. Turn each one
# into a regression: copy it to tests/fuzz/regressions/<target>/, fix the code, and ctest replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(descriptor registry csv measurements suite calibration grid sweep_point manifest)
scripts/install-deps.sh --fuzz
BUILD_DIR=${BUILD_DIR:-build-fuzz}
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINFERSIM_FUZZ=ON \
  -DINFERSIM_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" --target "${targets[@]/#/fuzz_}"

seed() {  # seed <target> <files...>
  local dir="$BUILD_DIR/corpus/$1"; shift
  mkdir -p "$dir"
  for f in "$@"; do [ -f "$f" ] && cp -n "$f" "$dir/$(echo "$f" | tr / _)"; done
  return 0
}
seed descriptor hardware/*.json models/*.json workloads/*.json tests/bad-input/*.json tests/fuzz/regressions/descriptor/*
seed registry registry/*.md tests/bad-input/*/*.md tests/registry-fixtures/*/*.md tests/registry-fixtures/bad/*/*.md tests/fuzz/regressions/registry/*
seed csv tests/bad-input/*.csv workloads/*.csv workloads/*/*.csv tests/fuzz/regressions/csv/*
seed measurements validation/*.json tests/bad-input/measurements*.json tests/fuzz/regressions/measurements/*
seed suite bench/suites/*.json tests/report/*.json tests/bad-input/suite-*.json tests/bad-input/manifest-*.json \
  tests/bad-input/grid-*.json tests/fuzz/regressions/suite/*
seed calibration hardware/calibration/*.json tests/bad-input/cal-*.json tests/fuzz/regressions/calibration/*
seed grid bench/sweeps/*.json tests/report/*-grid.json tests/bad-input/grid-*.json tests/fuzz/regressions/grid/*
# No point files are bundled: whole, partial and cut results of `project` and `simulate` children.
seed sweep_point tests/fuzz/regressions/sweep_point/*
seed manifest results/default/manifest.json tests/bad-input/manifest-*.json tests/fuzz/regressions/manifest/*

found=0
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for t in "${targets[@]}"; do
  art="$BUILD_DIR/artifacts/$t/"
  mkdir -p "$art"
  log="$BUILD_DIR/fuzz-$t.log"
  echo "fuzz: $t for ${seconds} s"
  # -timeout: an input taking > 10 s is a hang; -rss_limit_mb: more than 2 GB is an OOM finding.
  "$BUILD_DIR/tests/fuzz/fuzz_$t" "$BUILD_DIR/corpus/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=16384 -artifact_prefix="$art" -print_final_stats=1 >"$log" 2>&1 || true
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  if [ -z "$execs" ]; then
    echo "fuzz: $t did not run to the end (no final stats):"; tail -5 "$log"; found=1; continue
  fi
  corpus=$(ls "$BUILD_DIR/corpus/$t" | wc -l)
  artifacts=$(ls "$art" | wc -l)
  echo "fuzz: $t: $execs executions, corpus $corpus inputs, $artifacts finding(s) (log: $log)"
  if [ "$artifacts" -gt 0 ]; then
    found=1
    ls "$art"
    grep -m1 -E "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error" "$log" || true
  fi
done
exit $found
