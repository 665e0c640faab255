#!/usr/bin/python3
"""The waterfall figure of `infersim compare --plot FILE`, drawn from its JSON result only.

Usage: /usr/bin/python3 scripts/compare_figure.py OUT.png|OUT.svg compare.json

One panel per variant: decode tok/s per chip from the baseline (left bar) to the variant (right bar),
on a log scale, through one floating bar per factor of the attribution (batch, chips per replica,
then the step's terms); factors within 0.5 % of 1 are left out and counted in the panel's note.
Gains are green, losses red, each labelled with its factor. The file is written under a temporary
name and renamed; the SVG is deterministic (fixed hash salt, no date, ids renumbered in order).
"""
import json
import math
import sys

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.hashsalt"] = "infersim"
matplotlib.rcParams["font.size"] = 9
import matplotlib.pyplot as plt  # noqa: E402

from figure_io import save_atomically  # noqa: E402  (scripts/figure_io.py)

GAIN, LOSS, END = "#2ca02c", "#d62728", "#1f77b4"
SHOWN = 0.005  # factors closer to 1 than this are not drawn


def panel(ax, base, row):
    att = row["attribution"]
    start = base["decode_tok_s_per_chip"]
    names, bottoms, tops, colours, labels = ["baseline"], [0], [start], [END], [""]
    level, hidden = start, 0
    for f in att["factors"]:
        if abs(f["ratio"] - 1) < SHOWN:
            hidden += 1
            level *= f["ratio"]
            continue
        new = level * f["ratio"]
        names.append(f["term"])
        bottoms.append(min(level, new))
        tops.append(max(level, new))
        colours.append(GAIN if new > level else LOSS)
        labels.append("x%.3g" % f["ratio"])
        level = new
    names.append(row["label"])
    bottoms.append(0)
    tops.append(row["decode_tok_s_per_chip"])
    colours.append(END)
    labels.append("x%.3g" % att["decode_tok_s_per_chip_ratio"])
    floor = min(b for b in bottoms if b > 0) if any(b > 0 for b in bottoms) else min(tops)
    floor = 10 ** math.floor(math.log10(min(floor, min(tops)) * 0.8))
    xs = range(len(names))
    for x, b, t, c, lab in zip(xs, bottoms, tops, colours, labels):
        lo = b if b > 0 else floor
        ax.bar(x, t - lo, bottom=lo, color=c, width=0.6)
        if lab:
            ax.annotate(lab, (x, t), xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylim(bottom=floor, top=max(tops) * 1.6)
    ax.set_xticks(list(xs))
    ax.set_xticklabels(names, rotation=30, ha="right")
    ax.set_ylabel("decode tok/s per chip")
    title = row["label"] + " vs baseline"
    if hidden:
        title += "  (%d factor%s within 0.5 %% of 1 not drawn)" % (hidden, "" if hidden == 1 else "s")
    ax.set_title(title, fontsize=9)
    ax.grid(axis="y", which="both", alpha=0.25)
    ax.set_axisbelow(True)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: compare_figure.py OUT.png|OUT.svg compare.json")
    with open(sys.argv[2]) as f:
        res = json.load(f)
    rows = res["scenarios"]
    base = rows[0]
    variants = [r for r in rows[1:] if "attribution" in r]
    if not variants or "decode_tok_s_per_chip" not in base:
        sys.exit("compare_figure.py: nothing to draw (the baseline or every variant does not fit)")
    fig, axes = plt.subplots(1, len(variants), figsize=(4.2 * len(variants), 3.8), squeeze=False)
    for ax, row in zip(axes[0], variants):
        panel(ax, base, row)
    fig.suptitle("What changed decode tok/s per chip (%s; %s)" % (base["hardware"] + " " + base["model"], res["chips_policy"].split(" per replica")[0]),
                 fontsize=9)
    fig.tight_layout()
    save_atomically(fig, sys.argv[1], "infersim scripts/compare_figure.py")
    plt.close(fig)


if __name__ == "__main__":
    main()
