#!/usr/bin/env bash
# Screenshots of the registry site in headless Chromium (Debian's `chromium`, installed with apt-get
# if missing), offline (a dead proxy: the site must need nothing from the network): the index and
# one entry page, full length. Fails if a page renders blank. Not part of ctest (Chromium is slow to
# start and heavy to install); run it after `infersim registry site`:
#   scripts/site-screenshots.sh site [B1] [out-folder]
set -euo pipefail
SITE=$(realpath "${1:?usage: $0 SITE_DIR [ENTRY_ID] [OUT_DIR]}")
ENTRY=${2:-B1}
OUT=${3:-$SITE/../site-screenshots}
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
[[ -f $SITE/index.html && -f $SITE/entries/$ENTRY.html ]] || { echo "FAIL: $SITE has no index.html or entries/$ENTRY.html"; exit 2; }
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Debian's chromium (apt-get)..." >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
PROFILE=$(mktemp -d)
trap 'rm -rf "$PROFILE"' EXIT
FLAGS=(--headless --no-sandbox --disable-gpu --user-data-dir="$PROFILE" --proxy-server=127.0.0.1:9 --proxy-bypass-list="<-loopback>"
       --hide-scrollbars --virtual-time-budget=3000)
shoot() {  # page, png, height
  timeout 120 chromium "${FLAGS[@]}" --window-size=1280,"$3" --screenshot="$2" "file://$1" >/dev/null 2>&1
  [[ -s $2 ]] || { echo "FAIL: no screenshot of $1"; exit 1; }
}
shoot "$SITE/index.html" "$OUT/index.png" 5600
shoot "$SITE/entries/$ENTRY.html" "$OUT/$ENTRY.png" 3400
# A blank or failed render is a nearly single-colour PNG.
/usr/bin/python3 - "$OUT/index.png" "$OUT/$ENTRY.png" <<'PY'
import sys
import matplotlib.image as mpimg
import numpy as np
for path in sys.argv[1:]:
    img = mpimg.imread(path)[..., :3]
    h, w = img.shape[:2]
    colours = len(np.unique((img[::4, ::4] * 255).astype(np.uint8).reshape(-1, 3), axis=0))
    ink = float((img.mean(axis=2) < 0.9).mean())
    print(f"{path}: {w}x{h}, {colours} distinct colours, {ink:.1%} non-white")
    if colours < 20 or ink < 0.01:
        sys.exit(f"FAIL: {path} looks blank")
PY
echo "PASS: screenshots in $OUT"
