#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs the whole suite with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" --timeout 300
# On a throwaway machine (CI sets INFERSIM_CHECK_INSTALL=1), also install the .deb with apt and run
# it from /usr/bin in a clean folder, then remove it (scripts/check-package.sh).
if [ "${INFERSIM_CHECK_INSTALL:-0}" = 1 ]; then
  cd - >/dev/null && scripts/check-package.sh "${BUILD_DIR:-build}" --install
fi
