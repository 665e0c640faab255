#!/usr/bin/env bash
# The README's main job: installs what is missing, builds, and runs infersim on the bundled defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
./build/infersim project --hw all --model llama-3.1-70b --weights fp8
echo
./build/infersim audit
