#!/usr/bin/env bash
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer (INFERSIM_SANITIZE=ON),
# in its own build folder (build-asan; BUILD_DIR overrides). Installs what is missing first.
# Sanitizer settings and why: tests/ROBUSTNESS.md ("Sanitizers").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export BUILD_DIR=${BUILD_DIR:-build-asan}
scripts/build.sh -DINFERSIM_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINFERSIM_BENCH=OFF
# - detect_leaks=1: LeakSanitizer on (the default on x86_64 Linux, stated for clarity).
# - SimGrid contexts: an ASan build runs the DES on the thread context factory (des/runtime.cpp),
#   because raw/boost/ucontext give false stack-buffer-overflows without fiber annotations.
# - detect_stack_use_after_return=0: GCC's default, stated so that no runtime default turns on the
#   fake stack, which a hand-made stack switch would also confuse.
# - halt_on_error/abort_on_error: the first report fails the test (no silent recovery).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=0:halt_on_error=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/sanitizer/lsan.supp:print_suppressions=0}
cd "$BUILD_DIR"
start=$(date +%s)
ctest --output-on-failure -j "$(nproc)" --timeout 600
echo "test-sanitized: suite passed in $(( $(date +%s) - start )) s"
