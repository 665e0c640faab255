#!/usr/bin/python3
"""Figures of an infersim report, drawn from results.json only (run with Debian's /usr/bin/python3).

Usage: /usr/bin/python3 scripts/figures.py results/<name>/results.json results/<name>/figures

Writes PNG and SVG of: fig1_radar (the seed paper's Fig. 1: six axes, per deployment, normalised to
the baseline, vendor-claims-only hardware excluded), fig2_usd_per_mtok and fig3_J_per_token (Figs.
2-3: hatched = rests on an unaudited vendor claim, dotted outline = rests on assumptions, solid =
spec-sheet inputs only, whiskers = Monte Carlo low-high, vendor-claims-only hardware isolated on the
right, "does not fit" written where a bar would be), fig4_pareto (batch-vs-latency curves) and
fig5_validation (predicted vs measured, or "validation not available in this build").
Output is deterministic: fixed SVG hash salt, no dates in the metadata.
"""
import io
import json
import math
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.hashsalt"] = "infersim"
matplotlib.rcParams["font.size"] = 9
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402

PALETTE = ["#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#e377c2"]
VENDOR = "#d62728"


hypothetical = set()


def save(fig, out, name):
    # matplotlib derives some SVG ids (clip paths of polar axes) from object addresses even with a
    # fixed hash salt: renumber every id in order of appearance so the same data gives the same bytes.
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": "infersim scripts/figures.py"})
    svg = buf.getvalue()
    ids = []
    for m in re.finditer(r'id="([^"]+)"', svg):
        if m.group(1) not in ids:
            ids.append(m.group(1))
    mapping = {old: "i%d" % k for k, old in enumerate(ids)}
    svg = re.sub(r'(id="|url\(#|href="#)([^")]+)', lambda m: m.group(1) + mapping.get(m.group(2), m.group(2)), svg)
    with open(os.path.join(out, name + ".svg"), "w") as f:
        f.write(svg)
    fig.savefig(os.path.join(out, name + ".png"), dpi=130, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


def colours(rows):
    hw = []
    for r in rows:
        if r["hardware"] not in hw:
            hw.append(r["hardware"])
    return {h: PALETTE[i % len(PALETTE)] for i, h in enumerate(hw)}


def radar(res, out, col):
    rd = res.get("radar")
    fig = plt.figure(figsize=(7.5, 6.2))
    ax = fig.add_subplot(111, polar=True)
    if not rd:
        ax.set_title("no radar workload in this suite")
        save(fig, out, "fig1_radar")
        return
    labels = ["decode tok/s\nsingle stream", "decode tok/s\nbatch (deployment)", "energy efficiency\n1/(J/token)",
              "CapEx efficiency\n1/($/M tokens)", "context\nsupported", "software\nmaturity (0-10)"]
    n = len(labels)
    ang = np.linspace(0, 2 * np.pi, n, endpoint=False).tolist()
    # log10 ratio mapped to a radius: 1e-3x .. 1e3x -> 0..6; maturity 0..10 -> 0..6
    def radius(i, v):
        if v is None or v <= 0:
            return 0.0
        if i == 5:
            return v * 0.6
        return min(6.0, max(0.0, math.log10(v) + 3))
    excluded = []
    for p in rd["platforms"]:
        if p["excluded"]:
            excluded.append("%s (%s)" % (p["hardware"], p["excluded"]))
            continue
        mid = [radius(i, v) for i, v in enumerate(p["mid"])]
        lo = [radius(i, v) for i, v in enumerate(p["low"])]
        hi = [radius(i, v) for i, v in enumerate(p["high"])]
        c = col[p["hardware"]]
        hyp = p["hardware"] in hypothetical
        style = "--" if hyp else "-"
        ax.plot(ang + ang[:1], mid + mid[:1], style, color=c, lw=1.6,
                label=p["hardware"] + (" (hypothetical)" if hyp else ""))
        ax.fill_between(ang + ang[:1], lo + lo[:1], hi + hi[:1], color=c, alpha=0.12)
    ax.set_xticks(ang)
    ax.set_xticklabels(labels)
    ax.set_ylim(0, 6)
    ax.set_yticks([1, 2, 3, 4, 5])
    ax.set_yticklabels(["0.01x", "0.1x", "1x", "10x", "100x"], fontsize=7)
    ax.set_title("Fig. 1: %s, per deployment, ratio to %s (log); band = MC low-high" % (rd["workload"], rd["baseline"]),
                 fontsize=9)
    ax.legend(loc="upper right", bbox_to_anchor=(1.35, 1.1), fontsize=7)
    if excluded:
        fig.text(0.01, 0.01, "Excluded: " + "; ".join(excluded), fontsize=6.5, wrap=True)
    save(fig, out, "fig1_radar")


def bars(res, out, col, metric, name, title, unit):
    rows = res["rows"]
    workloads = []
    for r in rows:
        if r["workload"] not in workloads:
            workloads.append(r["workload"])
    fig, axes = plt.subplots(len(workloads), 1, figsize=(9, 2.6 * len(workloads)), squeeze=False)
    for ax, w in zip(axes[:, 0], workloads):
        wr = [r for r in rows if r["workload"] == w]
        # vendor-claims-only hardware isolated on the right, after a gap and a rule
        main = [r for r in wr if not r["vendor_claims_only"]]
        iso = [r for r in wr if r["vendor_claims_only"]]
        order = main + iso
        xs = list(range(len(main))) + [len(main) + 0.8 + i for i in range(len(iso))]
        finite = [r[metric + "_mid"] for r in order if r[metric + "_mid"] is not None and r[metric + "_mid"] > 0]
        floor = min(finite) / 3 if finite else 1e-3
        for x, r in zip(xs, order):
            mid = r[metric + "_mid"]
            if mid is None:
                # Short where a bar would be; the row's status in the tables says why in full.
                label = ("does not fit:\nneeds %d chips" % r["chips_needed"]) if r.get("chips_needed") else "does not fit"
                ax.text(x, floor * 1.5, label, rotation=90, ha="center", va="bottom", fontsize=6.5, color="#555")
                continue
            style = r["bar_style"]
            kw = dict(color=col[r["hardware"]], edgecolor="black", linewidth=0.8)
            if style == "vendor-claim":
                kw.update(color="white", edgecolor=VENDOR, hatch="////", linewidth=1.2)
            elif style == "assumption":
                kw.update(alpha=0.55, linestyle=":", linewidth=1.4)
            ax.bar(x, mid, width=0.7, **kw)
            ax.errorbar(x, mid, yerr=[[mid - r[metric + "_low"]], [r[metric + "_high"] - mid]], color="black",
                        capsize=3, lw=0.9)
            ax.text(x, r[metric + "_high"] * 1.15, "%.3g" % mid, ha="center", va="bottom", fontsize=6.5)
        ax.set_yscale("log")
        ax.set_xticks(xs)
        ax.set_xticklabels([r["hardware"] + ("\nUNAUDITED" if r["vendor_claims_only"] else "") +
                            ("\nHYPOTHETICAL" if r.get("hypothetical") else "") for r in order],
                           fontsize=7)
        if iso:
            ax.axvline(len(main) - 0.1, color="#999", lw=0.8, ls="--")
        ax.set_ylabel(unit)
        ax.set_title("%s (%s)" % (w, wr[0]["model"]), fontsize=8.5)
        lo = min([r[metric + "_low"] for r in order if r[metric + "_low"]] + [floor])
        hi = max([r[metric + "_high"] for r in order if r[metric + "_high"]] + [floor * 10])
        ax.set_ylim(lo / 3, hi * 6)
    from matplotlib.patches import Patch
    handles = [Patch(facecolor="#888", edgecolor="black", label="spec-sheet inputs"),
               Patch(facecolor="#888", alpha=0.55, edgecolor="black", linestyle=":", label="rests on assumptions (projection)"),
               Patch(facecolor="white", edgecolor=VENDOR, hatch="////", label="rests on a vendor claim (unaudited)")]
    fig.legend(handles=handles, loc="upper center", ncol=3, fontsize=7.5, bbox_to_anchor=(0.5, 1.0))
    fig.suptitle(title, y=1.03, fontsize=10)
    fig.tight_layout()
    save(fig, out, name)


def pareto(res, out, col):
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    drawn = False
    for p in res.get("pareto", []):
        pts = sorted(p["points"], key=lambda q: q["max_batch"])
        x = [q["tpot_p99_s"] * 1e3 for q in pts]
        y = [q["output_tok_s_per_chip"] for q in pts]
        c = col.get(p["hardware"], "#333")
        ls = ":" if p["unaudited"] else "-"
        ax.plot(x, y, ls, color=c, lw=1.2, label=p["hardware"] + (" (unaudited)" if p["unaudited"] else "") +
                (" (hypothetical)" if p["hardware"] in hypothetical else ""))
        fx = [xx for xx, q in zip(x, pts) if q["on_frontier"]]
        fy = [yy for yy, q in zip(y, pts) if q["on_frontier"]]
        ax.scatter(fx, fy, color=c, s=14, zorder=3)
        drawn = True
    if drawn:
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.legend(fontsize=7, ncol=2)
    ax.set_xlabel("p99 TPOT (ms)")
    ax.set_ylabel("output tok/s per chip")
    ax.set_title("Fig. 4: batch-vs-latency (batch cap 1..256, offline), %s" %
                 (res["pareto"][0]["workload"] if res.get("pareto") else "none"))
    fig.tight_layout()
    save(fig, out, "fig4_pareto")


def validation(res, out):
    """Predicted / measured per row of the measurements file (log scale), coloured by the row's tag:
    1.0 is a perfect prediction. Rows with different metrics (tok/s, TTFT, ITL) share the axis because
    the ratio has no unit. The medians per tag are printed in the legend."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    v = res.get("validation", {})
    result = v.get("result") if v.get("available") else None
    rows = [r for r in (result or {}).get("rows", []) if r.get("ran")]
    if not rows:
        ax.text(0.5, 0.5, v.get("note", "validation not available in this build"), ha="center", va="center",
                wrap=True, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    else:
        colours = {"audited": "#1b7837", "vendor-claim": "#c51b7d"}
        summary = result.get("summary", {})
        for tag in sorted({r["tag"] for r in rows}):
            idx = [i for i, r in enumerate(rows) if r["tag"] == tag]
            ratio = [rows[i]["predicted"] / rows[i]["measured"] for i in idx]
            med = summary.get(tag, {}).get("median_abs_relative_error")
            label = tag + (f" (median |error| {med * 100:.0f} %)" if med is not None else "")
            ax.scatter(idx, ratio, s=30, color=colours.get(tag, "#444444"), label=label, zorder=3)
        ax.axhline(1.0, color="k", lw=0.8, ls="--", label="predicted = measured")
        ax.set_yscale("log")
        # Ratios read better as 0.5, 1, 2 than as powers of ten.
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:g}"))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:g}"))
        ax.set_xticks(range(len(rows)))
        ax.set_xticklabels([r["id"] for r in rows], rotation=70, ha="right", fontsize=6)
        ax.set_ylabel("predicted / measured")
        calibration = result.get("calibration", "ideal")
        ax.legend(fontsize=7, title=f"calibration: {calibration}", title_fontsize=7)
    ax.set_title("Fig. 5: validation against published measurements")
    fig.tight_layout()
    save(fig, out, "fig5_validation")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        res = json.load(f)
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    col = colours(res["rows"])
    # Design targets, not products (the hardware descriptor's "hypothetical"): labelled in every figure.
    hypothetical.update(r["hardware"] for r in res["rows"] if r.get("hypothetical"))
    radar(res, out, col)
    bars(res, out, col, "usd_per_mtok_capex", "fig2_usd_per_mtok",
         "Fig. 2: CapEx-amortised $ per million decoded tokens (per deployment, log)", "$/M tokens")
    bars(res, out, col, "energy_J_per_token", "fig3_J_per_token",
         "Fig. 3: energy per decoded token (per deployment, log)", "J/token")
    pareto(res, out, col)
    validation(res, out)


if __name__ == "__main__":
    main()
