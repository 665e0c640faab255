#!/usr/bin/env bash
# The README's main job: installs what is missing, builds, and runs infersim on the bundled defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
./build/infersim project --hw h100-sxm --model llama-3.1-70b
./build/infersim audit
