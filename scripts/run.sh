#!/usr/bin/env bash
# The README's main job: installs what is missing, builds, and runs infersim on the bundled defaults:
# the projection table and the audit of the seed paper on the terminal, then the default report suite
# into results/default/ (report.html, report.md, results.json/.csv, figures, manifest.json).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
./build/infersim project --hw all --model llama-3.1-70b --weights fp8
echo
./build/infersim audit
echo
./build/infersim report --suite default --name default
