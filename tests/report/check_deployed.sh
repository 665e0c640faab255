#!/usr/bin/env bash
# A calibrated suite: each platform runs with its family calibration (auto) and is deployed as it is
# run (replicas x shape filling the unit); its rows state calibrate's accuracy for it, read from the
# same validation/accuracy.json, or that it is an uncalibrated projection; the hypothetical ASIC is
# labelled wherever its rows are printed; the manifest lists the calibration and accuracy files.
set -euo pipefail
BIN=$1 TESTS=$2 WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK"
"$BIN" report --suite "$TESTS/report/calibrated-suite.json" --out-dir "$WORK" --no-figures --jobs 2 >/dev/null
/usr/bin/python3 - "$WORK/calibrated" "$TESTS/.." <<'PY'
import json, sys
d, root = sys.argv[1], sys.argv[2]
res = json.load(open(d + "/results.json"))
acc = json.load(open(root + "/validation/accuracy.json"))["per_platform_audited"]
rows = {r["hardware"]: r for r in res["rows"]}
h, a = rows["h100-sxm"], rows["ref-asic-2027"]
def fail(msg):
    print("FAIL:", msg); sys.exit(1)
if res["calibration"] != "auto": fail("results.json calibration %r" % res["calibration"])
if h["calibration"] in ("ideal", None): fail("h100-sxm ran uncalibrated")
if h["replicas"] * h["tp"] * h["pp"] != h["chips"] or h["chips"] != 8: fail("h100-sxm deployment does not fill its 8 chips")
if h["accuracy_audited_rows"] != acc["h100-sxm"]["held_out"]["rows"]: fail("h100-sxm audited rows differ from accuracy.json")
if abs(h["accuracy_held_out_median"] - acc["h100-sxm"]["held_out"]["median_abs_relative_error"]) > 1e-12:
    fail("h100-sxm held-out median differs from accuracy.json")
if not a["hypothetical"]: fail("ref-asic-2027 not marked hypothetical")
if "uncalibrated projection" not in a["accuracy_note"]: fail("ref-asic-2027 not an uncalibrated projection")
if h["interactive_max_rate_req_s_mid"] is not None and h["interactive_max_rate_req_s_mid"] > h["server_max_rate_req_s_mid"]:
    fail("Interactive's tighter limits served more than Server")
man = json.load(open(d + "/manifest.json"))
paths = [i["path"] for i in man["inputs"]]
for need in ("validation/accuracy.json", "hardware/calibration/" + h["calibration"] + ".json"):
    if need not in paths: fail("manifest inputs lack " + need)
for f in ("report.md", "report.html"):
    text = open(d + "/" + f).read()
    n_rows = text.count("ref-asic-2027")
    n_labelled = text.count("ref-asic-2027 (HYPOTHETICAL")
    if n_rows == 0 or n_labelled < 3: fail("%s labels the hypothetical ASIC %d times of %d" % (f, n_labelled, n_rows))
    if "How well the model predicts each platform today" not in text: fail(f + " lacks the accuracy section")
print("PASS")
PY
