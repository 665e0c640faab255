#!/usr/bin/python3
"""Any two fields of a merged sweep, drawn by `infersim sweep --merge DIR --plot FILE --x X --y Y`.

Usage: /usr/bin/python3 scripts/sweep_figure.py OUT.png|OUT.svg data.json

data.json (written by infersim): {"grid", "x", "y", "series", "columns", "rows"} with the merged
table's columns and rows (merged.json). One line per value of `series` (or one line), points in the
order of x; a numeric x spanning more than a decade gets a log axis, as does such a y; text x values
are categories. Rows where x or y is empty are left out and counted in the title. The file is
written under a temporary name and renamed; the SVG is deterministic.
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.hashsalt"] = "infersim"
matplotlib.rcParams["font.size"] = 9
import matplotlib.pyplot as plt  # noqa: E402

from figure_io import save_atomically  # noqa: E402  (scripts/figure_io.py)

PALETTE = ["#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#e377c2"]


def numeric(values):
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def spans_decade(values):
    pos = [v for v in values if v > 0]
    return len(pos) == len(values) and pos and max(pos) / min(pos) > 10


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: sweep_figure.py OUT.png|OUT.svg data.json")
    with open(sys.argv[2]) as f:
        d = json.load(f)
    col = {name: i for i, name in enumerate(d["columns"])}
    xi, yi = col[d["x"]], col[d["y"]]
    si = col.get(d["series"]) if d.get("series") else None
    groups, order, skipped = {}, [], 0
    for row in d["rows"]:
        x, y = row[xi], row[yi]
        if x is None or y is None or isinstance(y, (str, bool)):
            skipped += 1
            continue
        key = str(row[si]) if si is not None else ""
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append((x, y))
    if not order:
        sys.exit("sweep_figure.py: no row has both %s and a numeric %s" % (d["x"], d["y"]))
    xs_all = [x for g in groups.values() for x, _ in g]
    ys_all = [y for g in groups.values() for _, y in g]
    categorical = not numeric(xs_all)
    cats = []
    if categorical:
        for x in xs_all:
            if str(x) not in cats:
                cats.append(str(x))
    # A series with two rows at one x has another axis varying inside it: a line through them would
    # zig-zag between unrelated points, so draw points only and say so.
    mixed = any(len({str(x) for x, _ in g}) < len(g) for g in groups.values())
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for k, key in enumerate(order):
        pts = groups[key]
        if categorical:
            pts = sorted(((cats.index(str(x)), y) for x, y in pts))
        else:
            pts = sorted(pts)
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", ms=4, lw=0 if mixed else 1.2, color=PALETTE[k % len(PALETTE)],
                label=key if si is not None else None)
    if categorical:
        ax.set_xticks(range(len(cats)))
        ax.set_xticklabels(cats, rotation=30, ha="right")
    elif spans_decade(xs_all):
        ax.set_xscale("log")
    if spans_decade(ys_all):
        ax.set_yscale("log")
    ax.set_xlabel(d["x"])
    ax.set_ylabel(d["y"])
    if si is not None:
        ax.legend(title=d["series"], fontsize=7, title_fontsize=7)
    title = "sweep %s: %s against %s" % (os.path.basename(os.path.normpath(d["grid"])), d["y"], d["x"])
    if skipped:
        title += " (%d rows without a value left out)" % skipped
    if mixed:
        title += "\n(another axis varies within a series: points only; --series separates them)"
    ax.set_title(title, fontsize=9)
    ax.grid(which="both", alpha=0.25)
    fig.tight_layout()
    save_atomically(fig, sys.argv[1], "infersim scripts/sweep_figure.py")
    plt.close(fig)


if __name__ == "__main__":
    main()
