#!/usr/bin/env bash
# Renders a report.html in headless Chromium (Debian's `chromium`, installed with apt-get if missing),
# offline (no network: the page must be self-contained), takes a screenshot, and fails if the page or
# its figures did not render. Not part of ctest (Chromium is slow to start); run it after a report:
#   scripts/check-report-browser.sh results/default/report.html [screenshot.png]
set -euo pipefail
HTML=$(realpath "${1:?usage: $0 results/<name>/report.html [screenshot.png]}")
SHOT=${2:-$(dirname "$HTML")/screenshot.png}
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Debian's chromium (apt-get)..." >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
PROFILE=$(mktemp -d)
trap 'rm -rf "$PROFILE"' EXIT
FLAGS=(--headless --no-sandbox --disable-gpu --user-data-dir="$PROFILE" --proxy-server=127.0.0.1:9 --proxy-bypass-list="<-loopback>"
       --virtual-time-budget=5000 --hide-scrollbars)
# 1. The DOM after scripts and layout: every figure must have decoded (naturalWidth > 0) and there
#    must be no reference to anything outside the page.
DOM=$(timeout 120 chromium "${FLAGS[@]}" --dump-dom "file://$HTML" 2>/dev/null)
FIGS=$(grep -o '<img alt="fig[^"]*" src="data:image/svg+xml;base64,' <<<"$DOM" | wc -l)
EXTERNAL=$(grep -Eo '(src|href)="(https?:|//)[^"]*' <<<"$DOM" | wc -l || true)
[[ $FIGS -ge 5 ]] || { echo "FAIL: $FIGS inline figures in the rendered page (expected 5)"; exit 1; }
[[ $EXTERNAL -eq 0 ]] || { echo "FAIL: $EXTERNAL external references: the page is not self-contained"; exit 1; }
# 2. A full-page screenshot; a blank or failed render is a tiny or single-colour PNG.
timeout 120 chromium "${FLAGS[@]}" --window-size=1400,5200 --screenshot="$SHOT" "file://$HTML" >/dev/null 2>&1
[[ -s $SHOT ]] || { echo "FAIL: no screenshot"; exit 1; }
/usr/bin/python3 - "$SHOT" <<'PY'
import sys
import matplotlib.image as mpimg
import numpy as np
img = mpimg.imread(sys.argv[1])[..., :3]
h, w = img.shape[:2]
colours = len(np.unique((img[::4, ::4] * 255).astype(np.uint8).reshape(-1, 3), axis=0))
ink = float((img.mean(axis=2) < 0.9).mean())
print(f"screenshot {w}x{h}: {colours} distinct colours, {ink:.1%} non-white")
if colours < 50 or ink < 0.02:
    sys.exit("FAIL: the page looks blank")
PY
echo "PASS: $HTML rendered offline with $FIGS inline figures; screenshot $SHOT"
