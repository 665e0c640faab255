#!/usr/bin/env bash
# The rendered report, as a buyer reads it: report.md and report.html say the same words in the same
# order (figures aside: the Markdown links a PNG, the page inlines an SVG); the summary comes first
# and its leaders are recomputed here from results.json (products only: the hypothetical and the
# vendor-claims-only platforms are never named leader or runner-up); those platforms carry their tag
# in every table row; no table is wider than seven columns; the page turns Markdown into elements
# (no literal backticks) and has print rules. Where Debian's matplotlib is installed, the figures are
# drawn twice from the same results.json and must be byte-identical.
set -euo pipefail
BIN=$1 TESTS=$2 WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK"
"$BIN" report --suite "$TESTS/report/render-suite.json" --out-dir "$WORK" --no-figures --jobs 2 >/dev/null
/usr/bin/python3 - "$WORK/render" <<'PY'
import html.parser, json, re, sys
d = sys.argv[1]
md, page = open(d + "/report.md", encoding="utf-8").read(), open(d + "/report.html", encoding="utf-8").read()
res = json.load(open(d + "/results.json"))
def fail(msg):
    print("FAIL:", msg); sys.exit(1)

# 1. The same words in the same order.
def md_words(text):
    words = []
    for line in text.splitlines():
        if line.startswith("![") or re.fullmatch(r"\|(-+:?\|)+", line):
            continue
        line = re.sub(r"^#+ |^- ", "", line).replace("\\|", "\0")
        line = line.replace("**", "").replace("`", "")
        if line.startswith("|"):
            line = " ".join(c.strip() for c in line.strip("|").split("|"))
        words += line.replace("\0", "|").split()
    return words
class Text(html.parser.HTMLParser):
    """The page's text; block elements separate words, inline ones (code, strong, span) do not."""
    INLINE = {"code", "strong", "span", "em", "b", "i"}
    def __init__(self):
        super().__init__()
        self.text, self.skip, self.body = [], 0, False
    def handle_starttag(self, tag, attrs):
        self.body = self.body or tag == "body"
        if tag in ("style", "script", "title") or dict(attrs).get("class") == "warn":
            self.skip += 1
        if tag not in self.INLINE: self.text.append(" ")
    def handle_endtag(self, tag):
        if tag in ("style", "script", "title") or (tag == "p" and self.skip):
            self.skip = max(0, self.skip - 1)
        if tag not in self.INLINE: self.text.append(" ")
    def handle_data(self, data):
        if self.body and not self.skip:
            self.text.append(data)
t = Text()
t.feed(page)
a, b = md_words(md), "".join(t.text).split()
if a != b:
    i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
    fail("report.md and report.html differ at word %d:\n  md:   %s\n  html: %s" % (i, " ".join(a[i:i + 12]), " ".join(b[i:i + 12])))
if "`" in re.sub(r"<style>.*?</style>", "", page, flags=re.S) or "**" in page:
    fail("report.html shows Markdown markup as text")
if "@media print" not in page or "@page" not in page:
    fail("report.html has no print rules")

# 2. The summary first: the first section after the title, before any other table or figure.
sections = re.findall(r"^## (.*)$", md, re.M)
if not sections or sections[0] != "Summary":
    fail("the first section is %r, not the summary" % (sections[:1],))
if md.index("## Summary") > md.index("|") or md.index("## Summary") > md.index("!["):
    fail("a table or figure comes before the summary")
if page.index("<h2>Summary</h2>") > page.index("<table") or page.index("<h2>Summary</h2>") > page.index("<figure"):
    fail("report.html: a table or figure comes before the summary")

# 3. The leaders, recomputed from the rows (products only).
rows = res["rows"]
apart = {r["hardware"] for r in rows if r.get("hypothetical") or r.get("vendor_claims_only")}
def tagged(r):
    s = r["hardware"]
    if r.get("hypothetical"): s += " (HYPOTHETICAL)"
    if r.get("vendor_claims_only"): s += " ⚠ UNAUDITED"
    elif r.get("unaudited"): s += " ⚠ vendor claim"
    return s
summary = md[md.index("## Summary"):md.index("## How to read")]
lead_rows = [l for l in summary.splitlines() if l.startswith("| ") and not l.startswith("| workload")]
metrics = {"Offline tok/s per chip": ("offline_output_tok_s_per_chip", True), "Server tok/s per chip": ("server_output_tok_s_per_chip", True),
           "$/M tokens (CapEx)": ("usd_per_mtok_capex", False), "J/token": ("energy_J_per_token", False)}
seen = 0
for line in lead_rows:
    cells = [c.strip() for c in line.strip("|").split("|")]
    w, label, leader, margin, runner = cells[:5]
    m, higher = metrics[label]
    cand = [r for r in rows if r["workload"] == w and r["fits"] and r["hardware"] not in apart and (r.get(m + "_mid") or 0) > 0]
    cand.sort(key=lambda r: -r[m + "_mid"] if higher else r[m + "_mid"])
    if not cand:
        if leader != "no product has a value": fail("%s %s: leader %r where no product has a value" % (w, label, leader))
        continue
    if not leader.startswith(tagged(cand[0]) + ": "): fail("%s %s: leader %r, expected %s" % (w, label, leader, tagged(cand[0])))
    if len(cand) > 1:
        if not runner.startswith(tagged(cand[1]) + ": "): fail("%s %s: runner-up %r, expected %s" % (w, label, runner, tagged(cand[1])))
        ratio = cand[0][m + "_mid"] / cand[1][m + "_mid"] if higher else cand[1][m + "_mid"] / cand[0][m + "_mid"]
        shown = float(margin.split("×")[0].replace(",", ""))
        if abs(shown / ratio - 1) > 0.006: fail("%s %s: margin %s, expected %.4g" % (w, label, margin, ratio))
    for hw in apart:
        if leader.startswith(hw) or runner.startswith(hw): fail("%s %s: %s ranked beside the products" % (w, label, hw))
    seen += 1
if seen == 0: fail("the summary ranks nothing")
for need in ("What was compared", "How far to trust the leaders", "What is projection and what is calibrated", "Would lead if ranked"):
    if need not in summary: fail("the summary lacks %r" % need)

# 4. Tags in every table row, at most seven columns per table.
tags = {r["hardware"]: " (HYPOTHETICAL)" if r.get("hypothetical") else " ⚠ UNAUDITED" for r in rows if r["hardware"] in apart}
for line in md.splitlines():
    if not line.startswith("|"): continue
    for hw, tag in tags.items():
        if line.count(hw) != line.count(hw + tag): fail("a table row names %s without its tag: %s" % (hw, line[:100]))
for line in md.splitlines():
    if line.startswith("|") and line.count("|") - 1 - line.count("\\|") > 7:
        fail("a table wider than seven columns: %s" % line[:100])
print("PASS")
PY
# 5. The figures: drawn from results.json alone, twice, byte-identical (where matplotlib is installed).
if /usr/bin/python3 -c "import matplotlib, numpy" 2>/dev/null; then
  for k in 1 2; do
    /usr/bin/python3 "$TESTS/../scripts/figures.py" "$WORK/render/results.json" "$WORK/figures-$k" 2>/dev/null
  done
  [[ $(ls "$WORK/figures-1"/*.svg | wc -l) -eq 5 ]] || { echo "FAIL: scripts/figures.py drew $(ls "$WORK/figures-1"/*.svg | wc -l) of 5 figures"; exit 1; }
  diff -r "$WORK/figures-1" "$WORK/figures-2" >/dev/null || { echo "FAIL: the same results.json drew different figures"; exit 1; }
  grep -q "HYPOTHETICAL" "$WORK/figures-1/fig2_usd_per_mtok.svg" || { echo "FAIL: Fig. 2 does not label the hypothetical ASIC"; exit 1; }
  echo "PASS: figures byte-identical"
fi
