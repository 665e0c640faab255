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
# slurm-wlm and munge, merged byte-identical to a one-process sweep, and resumed (scripts/check-slurm.sh);
# the default report rendered in headless Chromium at 1,280 px and A4 width, failing on any table
# wider than the page (scripts/check-report-browser.sh, Debian's chromium).
if [ "${INFERSIM_CHECK_INSTALL:-0}" = 1 ]; then
  cd - >/dev/null
  scripts/check-package.sh "${BUILD_DIR:-build}" --install
  scripts/check-slurm.sh "${BUILD_DIR:-build}"
  report_dir=$(mktemp -d)
  "${BUILD_DIR:-build}/infersim" report --suite default --out-dir "$report_dir" --jobs "$(nproc)" >/dev/null
  scripts/check-report-browser.sh "$report_dir/default/report.html" "$report_dir/screenshot.png"
  rm -rf "$report_dir"
fi
