#!/usr/bin/env bash
# Renders a report.html in headless Chromium (Debian's `chromium`, installed with apt-get if missing),
# offline (no network: the page must be self-contained), takes screenshots, and fails if the page or
# its figures did not render, or if any table is wider than the page leaves it (a buyer reading on a
# laptop or on paper must not have to scroll sideways past J/token and $/M). Not part of ctest
# (Chromium is slow to start); run it after a report:
#   scripts/check-report-browser.sh results/default/report.html [screenshot.png]
# The screenshots are SHOT at 1,280 px and SHOT with -a4 before .png at 703 px (A4's text width at
# 96 dpi between 12 mm margins), where the page applies its print rules as well.
set -euo pipefail
HTML=$(realpath "${1:?usage: $0 results/<name>/report.html [screenshot.png]}")
SHOT=${2:-$(dirname "$HTML")/screenshot.png}
SHOT_A4=${SHOT%.png}-a4.png
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
# 2. Layout at each width: a copy of the page (the report itself carries no script) with a probe that,
#    once laid out, measures every table against its container (a table set to scroll counts by its
#    own scrollWidth), every cell against its content and the page against the window, and writes
#    the verdict into the DOM, which --dump-dom returns.
PROBE=$PROFILE/probe.html
/usr/bin/python3 - "$HTML" "$PROBE" <<'PY'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
probe = r"""<script>
addEventListener('load', function () {
  var bad = [], n = 0;
  function where(el) {
    for (var e = el; e; e = e.previousElementSibling || e.parentElement)
      if (/^H[1-4]$/.test(e.tagName)) return e.textContent.trim().slice(0, 90);
    return 'before any heading';
  }
  document.querySelectorAll('table').forEach(function (t) {
    n++;
    var w = Math.ceil(t.getBoundingClientRect().width), room = t.parentElement.clientWidth;
    if (w > room) bad.push('table ' + n + ' (' + where(t) + '): ' + w + ' px in ' + room + ' px');
    else if (t.scrollWidth > t.clientWidth + 1)
      bad.push('table ' + n + ' (' + where(t) + '): scrolls, ' + t.scrollWidth + ' px of content in ' + t.clientWidth + ' px');
    t.querySelectorAll('td,th').forEach(function (c) {
      if (c.scrollWidth > c.clientWidth + 1)
        bad.push('table ' + n + ' (' + where(t) + '): a cell overflows: ' + c.textContent.trim().slice(0, 40));
    });
  });
  document.querySelectorAll('img').forEach(function (im) {
    if (im.naturalWidth === 0) bad.push('figure ' + im.alt + ' did not decode');
    if (Math.ceil(im.getBoundingClientRect().width) > im.parentElement.clientWidth) bad.push('figure ' + im.alt + ' is wider than the page');
  });
  var doc = document.documentElement;
  if (doc.scrollWidth > innerWidth) bad.push('the page scrolls sideways: ' + doc.scrollWidth + ' px in ' + innerWidth + ' px');
  var out = document.createElement('pre');
  out.id = 'layout-probe';
  out.textContent = JSON.stringify({width: innerWidth, height: doc.scrollHeight, tables: n, problems: bad});
  document.body.appendChild(out);
});
</script>"""
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("</body>", probe + "</body>", 1))
PY
probe() {  # width -> the probe's JSON
  timeout 120 chromium "${FLAGS[@]}" --window-size="$1",900 --dump-dom "file://$PROBE" 2>/dev/null |
    /usr/bin/python3 -c 'import html, re, sys
m = re.search(r"<pre id=\"layout-probe\">(.*?)</pre>", sys.stdin.read(), re.S)
print(html.unescape(m.group(1)) if m else "{}")'
}
FAILED=0
for WIDTH in 1280 703; do
  RESULT=$(probe $WIDTH)
  HEIGHT=$(/usr/bin/python3 - "$RESULT" "$WIDTH" <<'PY'
import json, sys
r, width = json.loads(sys.argv[1]), int(sys.argv[2])
if "tables" not in r:
    sys.stderr.write("FAIL: the layout probe did not run at %d px\n" % width)
    print(0)
    sys.exit(1)
if r["width"] != width:
    sys.stderr.write("FAIL: the window is %d px wide, not %d\n" % (r["width"], width))
    print(0)
    sys.exit(1)
for p in r["problems"]:
    sys.stderr.write("FAIL at %d px: %s\n" % (width, p))
sys.stderr.write("%d px: %d tables, page %d px tall, %d problems\n" % (width, r["tables"], r["height"], len(r["problems"])))
print(r["height"])
sys.exit(1 if r["problems"] or r["tables"] == 0 else 0)
PY
  ) || FAILED=1
  # 3. A full-page screenshot at that width; a blank or failed render is a tiny or single-colour PNG.
  OUT=$([[ $WIDTH == 1280 ]] && echo "$SHOT" || echo "$SHOT_A4")
  [[ ${HEIGHT:-0} -gt 0 ]] || HEIGHT=5200
  timeout 180 chromium "${FLAGS[@]}" --window-size="$WIDTH,$HEIGHT" --screenshot="$OUT" "file://$HTML" >/dev/null 2>&1
  [[ -s $OUT ]] || { echo "FAIL: no screenshot at $WIDTH px"; exit 1; }
  /usr/bin/python3 - "$OUT" <<'PY'
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
done
[[ $FAILED -eq 0 ]] || { echo "FAIL: $HTML does not fit 1,280 px or an A4 page (above); screenshots $SHOT, $SHOT_A4"; exit 1; }
echo "PASS: $HTML rendered offline with $FIGS inline figures, every table fits at 1,280 px and 703 px; screenshots $SHOT, $SHOT_A4"
