#!/usr/bin/env python3
"""Renders validation/accuracy.json (written by `infersim calibrate --summary`) as Markdown, and with
--readme FILE replaces the block between <!-- accuracy:begin --> and <!-- accuracy:end --> in FILE
(atomically), so that the README quotes the figures the command computed, never typed ones. With
--external VALIDATE_JSON (written by `infersim validate --measurements FILE --calibration auto --json
--out ...`) it also renders that check, per platform, model and scenario, into the block between
<!-- external:begin --> and <!-- external:end -->."""
import argparse, json, os, sys, tempfile


def pct(x):
    return "-" if x is None else f"{100 * x:.1f} %"


def render(a):
    out = []
    au, al = a["audited"], a["all"]
    out.append(f"From `validation/accuracy.json` (build {a['build_commit']}; {a['rows_run']} rows run, "
               f"{len(a['rows_skipped'])} skipped), as `infersim calibrate` computed it:\n")
    out.append("| rows | n | ideal roofline: median \\|error\\| | fitted, in-sample | held out (leave one platform out) | worst held out |")
    out.append("|---|---|---|---|---|---|")
    for name, s in (("audited", au), ("all (incl. vendor claims)", al)):
        out.append(f"| {name} | {s['ideal']['rows']} | {pct(s['ideal']['median_abs_relative_error'])} | "
                   f"{pct(s['fitted']['median_abs_relative_error'])} | {pct(s['held_out']['median_abs_relative_error'])} | "
                   f"{pct(s['held_out']['worst_abs_relative_error'])} ({s['held_out']['worst_id']}) |")
    for hw, s in sorted(a["per_platform_audited"].items()):
        if s["ideal"]["rows"] == 0:
            continue
        out.append(f"| audited on {hw} | {s['ideal']['rows']} | {pct(s['ideal']['median_abs_relative_error'])} | "
                   f"{pct(s['fitted']['median_abs_relative_error'])} | {pct(s['held_out']['median_abs_relative_error'])} | "
                   f"{pct(s['held_out']['worst_abs_relative_error'])} |")
    below = a["audited_rows_where_ideal_is_below_measured"]
    out.append("")
    out.append(f"Audited rows where the uncalibrated ideal roofline falls below the measurement: {len(below)}"
               + (f" ({', '.join(below)})" if below else "") + ".")
    return "\n".join(out) + "\n"


def render_external(v):
    out = [f"From `{v['measurements_file']}` as `infersim validate --calibration {v['calibration']}` computed it "
           f"(build {v['build_commit']}):\n",
           "| rows | n | median \\|error\\| | worst \\|error\\| | worst row |", "|---|---|---|---|---|"]
    for name, s in v["summary"].items():
        if name == "all" or s["rows"] == 0:
            continue
        out.append(f"| {name} | {s['rows']} | {pct(s['median_abs_relative_error'])} | "
                   f"{pct(s['worst_abs_relative_error'])} | {s['worst_id']} |")
    return "\n".join(out) + "\n"


def replace_block(doc, name, text, path):
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    if begin not in doc or end not in doc:
        sys.exit(f"{path}: no '{begin}' ... '{end}' block to replace")
    head, rest = doc.split(begin, 1)
    _, tail = rest.split(end, 1)
    return head + begin + "\n" + text + end + tail


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("summary", nargs="?", default="validation/accuracy.json")
    p.add_argument("--readme", help="replace the accuracy block of this Markdown file")
    p.add_argument("--external", help="validate --json output of an external check to render too")
    args = p.parse_args()
    with open(args.summary) as f:
        text = render(json.load(f))
    external = None
    if args.external:
        with open(args.external) as f:
            external = render_external(json.load(f))
    if not args.readme:
        sys.stdout.write(text + ("\n" + external if external else ""))
        return
    with open(args.readme) as f:
        doc = f.read()
    new = replace_block(doc, "accuracy", text, args.readme)
    if external:
        new = replace_block(new, "external", external, args.readme)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(args.readme)))
    with os.fdopen(fd, "w") as f:
        f.write(new)
    os.replace(tmp, args.readme)


if __name__ == "__main__":
    main()
