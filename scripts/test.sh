#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs the whole suite with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" --timeout 300
# On a throwaway machine (CI sets INFERSIM_CHECK_INSTALL=1, as root), the checks that install
# system packages: the .deb installed with apt and run from /usr/bin in a clean folder, then removed
# (scripts/check-package.sh); a sweep as a Slurm job array on a private one-node Slurm from Debian's
# slurm-wlm and munge, merged byte-identical to a one-process sweep, and resumed (scripts/check-slurm.sh).
if [ "${INFERSIM_CHECK_INSTALL:-0}" = 1 ]; then
  cd - >/dev/null
  scripts/check-package.sh "${BUILD_DIR:-build}" --install
  scripts/check-slurm.sh "${BUILD_DIR:-build}"
fi
