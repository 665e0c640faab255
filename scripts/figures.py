#!/usr/bin/python3
"""Figures of an infersim report, drawn from results.json only (run with Debian's /usr/bin/python3).

Usage: /usr/bin/python3 scripts/figures.py results/<name>/results.json results/<name>/figures

Writes PNG and SVG of: fig1_radar (the seed paper's Fig. 1: six axes, per deployment, normalised to
the baseline, vendor-claims-only hardware excluded, hypothetical hardware in a second panel),
fig2_usd_per_mtok and fig3_J_per_token (Figs. 2-3: hatched = rests on an unaudited vendor claim,
dotted outline = rests on assumptions, solid = spec-sheet inputs only, whiskers = Monte Carlo
low-high, "does not fit" written where a bar would be), fig4_pareto (batch-vs-latency curves) and
fig5_validation (predicted / measured, throughput and latency in separate panels, or "validation not
available in this build"). Hypothetical and vendor-claims-only hardware is labelled and drawn in a
panel of its own, on its own scale, in Figs. 1-4 (the radar leaves vendor-claims-only out), so that
it neither passes for a measured product nor squashes the products' scale.
Output is deterministic: fixed SVG hash salt, no dates in the metadata.
"""
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.hashsalt"] = "infersim"
matplotlib.rcParams["font.size"] = 9
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

from figure_io import deterministic_svg  # noqa: E402  (scripts/figure_io.py)
import numpy as np  # noqa: E402

PALETTE = ["#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#e377c2"]
VENDOR = "#d62728"


# Design targets, not products (the hardware descriptor's "hypothetical"), and hardware known only
# from its vendor's claims: labelled in every figure and drawn apart, on their own scale, so that
# they neither pass for measured products nor squash the scale the products are read on.
hypothetical = set()
vendor_only = set()
vendor_claim = set()  # real products of which some inputs rest on an unaudited vendor claim


def apart(hw):
    return hw in hypothetical or hw in vendor_only


def tag(hw):
    return hw + (" (HYPOTHETICAL)" if hw in hypothetical else "") + (" (VENDOR CLAIMS ONLY)" if hw in vendor_only else "") + \
        (" (vendor claim)" if hw in vendor_claim else "")


def save(fig, out, name):
    # The report installs its figures folder as a whole; one deterministic SVG (scripts/figure_io.py).
    with open(os.path.join(out, name + ".svg"), "w") as f:
        f.write(deterministic_svg(fig, "infersim scripts/figures.py"))
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
    if not rd:
        fig = plt.figure(figsize=(7.5, 6.2))
        ax = fig.add_subplot(111, polar=True)
        ax.set_title("no radar workload in this suite")
        save(fig, out, "fig1_radar")
        return
    labels = ["decode tok/s\nsingle stream", "decode tok/s\nbatch (deployment)", "energy efficiency\n1/(J/token)",
              "CapEx efficiency\n1/($/M tokens)", "context\nsupported", "software\nmaturity (0-10)"]
    n = len(labels)
    ang = np.linspace(0, 2 * np.pi, n, endpoint=False).tolist()
    excluded = ["%s (%s)" % (p["hardware"], p["excluded"]) for p in rd["platforms"] if p["excluded"]]
    drawn = [p for p in rd["platforms"] if not p["excluded"]]
    main = [p for p in drawn if not apart(p["hardware"])]
    aside = [p for p in drawn if apart(p["hardware"])]
    base = [p for p in main if p["hardware"] == rd["baseline"]]
    panels = [("Products", main)]
    if aside:
        panels.append(("Drawn apart, own scale: %s\n(baseline for reference)" % ", ".join(tag(p["hardware"]) for p in aside),
                       base + aside))
    fig = plt.figure(figsize=(6.4 * len(panels), 7.4))
    # Polar axes do not take part in tight_layout: the margins are set by hand (title on top, the
    # legends and the exclusions below).
    fig.subplots_adjust(left=0.09, right=0.91, top=0.8, bottom=0.2, wspace=0.45)
    for k, (name, plats) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), k + 1, polar=True)
        # Each panel spans the decades its own platforms need (log10 of the ratio), so that products
        # are not read on a scale set by a design target; maturity (absolute 0-10) spans the same radius.
        logs = [math.log10(v) for p in plats for key in ("low", "mid", "high") for i, v in enumerate(p[key])
                if i < 5 and v is not None and v > 0]
        lo = math.floor(min(logs + [0.0]))
        hi = math.ceil(max(logs + [0.0]))
        if hi == lo:
            hi = lo + 1
        span, inner = hi - lo, 0.3

        def radius(i, v):
            if v is None or v <= 0:
                return 0.0
            if i == 5:
                return inner + v / 10.0 * span
            return inner + math.log10(v) - lo

        for p in plats:
            mid = [radius(i, v) for i, v in enumerate(p["mid"])]
            low = [radius(i, v) for i, v in enumerate(p["low"])]
            high = [radius(i, v) for i, v in enumerate(p["high"])]
            c = col[p["hardware"]]
            hw = p["hardware"]
            reference = aside and k == 1 and hw == rd["baseline"]
            ax.plot(ang + ang[:1], mid + mid[:1], "--" if apart(hw) else ("-" if not reference else ":"), color=c,
                    lw=1.2 if reference else 1.6, label=tag(hw) + (" (baseline)" if hw == rd["baseline"] else ""))
            ax.fill_between(ang + ang[:1], low + low[:1], high + high[:1], color=c, alpha=0.12)
        ax.set_xticks(ang)
        ax.set_xticklabels(labels, fontsize=8)
        ax.set_ylim(0, inner + span)
        ax.set_yticks([inner + d for d in range(span + 1)])
        ax.set_yticklabels(["%gx" % 10 ** (lo + d) for d in range(span + 1)], fontsize=6.5)
        ax.set_rlabel_position(30)
        ax.set_title(name, fontsize=8.5, pad=34)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, fontsize=7, frameon=False)
    fig.suptitle("Fig. 1: %s, per deployment, ratio to %s (log); band = MC low-high" % (rd["workload"], rd["baseline"]),
                 fontsize=9.5, y=0.985)
    if excluded:
        fig.text(0.01, 0.01, "Excluded: " + "; ".join(excluded), fontsize=7)
    save(fig, out, "fig1_radar")


def bar_panel(ax, rows, col, metric, unit):
    """Bars of one panel on its own log scale, with room above for the value labels and whiskers."""
    xs = list(range(len(rows)))
    lows = [r[metric + "_low"] for r in rows if r[metric + "_mid"] is not None and r[metric + "_low"] > 0]
    highs = [r[metric + "_high"] for r in rows if r[metric + "_mid"] is not None and r[metric + "_high"] > 0]
    lo, hi = (min(lows), max(highs)) if lows and highs else (0.1, 1.0)
    ax.set_yscale("log")
    ax.set_ylim(lo / 2.5, hi * 6)
    for x, r in zip(xs, rows):
        mid = r[metric + "_mid"]
        if mid is None:
            # Short where a bar would be, anchored to the axes so it stays inside them at any scale; the
            # row's status in the tables says why in full.
            label = ("does not fit:\nneeds %d chips" % r["chips_needed"]) if r.get("chips_needed") else "does not fit"
            ax.text(x, 0.05, label, rotation=90, ha="center", va="bottom", fontsize=6.5, color="#555",
                    transform=ax.get_xaxis_transform())
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
        ax.text(x, r[metric + "_high"] * 1.15, "%.3g" % mid, ha="center", va="bottom", fontsize=6.5, clip_on=True)
    ax.set_xticks(xs)
    ax.set_xticklabels([r["hardware"] + ("\nHYPOTHETICAL" if r["hardware"] in hypothetical else "") +
                        ("\nVENDOR\nCLAIMS ONLY" if r["hardware"] in vendor_only else "") +
                        ("\n(vendor claim)" if r["unaudited"] and not apart(r["hardware"]) else "") for r in rows],
                       fontsize=7)
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.set_ylabel(unit)


def bars(res, out, col, metric, name, title, unit):
    rows = res["rows"]
    workloads = []
    for r in rows:
        if r["workload"] not in workloads:
            workloads.append(r["workload"])
    n_main = max(len([r for r in rows if r["workload"] == w and not apart(r["hardware"])]) for w in workloads)
    n_apart = max(len([r for r in rows if r["workload"] == w and apart(r["hardware"])]) for w in workloads)
    # Margins in inches, turned into fractions: the title and legend on top, tick labels of up to
    # three lines under every panel.
    height = 3.0 * len(workloads) + 1.1
    fig = plt.figure(figsize=(10.5, height))
    grid = fig.add_gridspec(len(workloads), 2 if n_apart else 1,
                            width_ratios=[max(n_main, 1), 1.5 * n_apart + 0.6] if n_apart else [1],
                            left=0.08, right=0.98, top=1 - 1.05 / height, bottom=0.55 / height, wspace=0.25, hspace=0.65)
    for k, w in enumerate(workloads):
        wr = [r for r in rows if r["workload"] == w]
        ax = fig.add_subplot(grid[k, 0])
        bar_panel(ax, [r for r in wr if not apart(r["hardware"])], col, metric, unit)
        ax.set_title("%s (%s): products" % (w, wr[0]["model"]), fontsize=8.5)
        if n_apart:
            side = fig.add_subplot(grid[k, 1])
            bar_panel(side, [r for r in wr if apart(r["hardware"])], col, metric, "")
            side.set_facecolor("#f1f1f1")
            side.set_title("drawn apart, own scale", fontsize=8)
    from matplotlib.patches import Patch
    handles = [Patch(facecolor="#888", edgecolor="black", label="spec-sheet inputs"),
               Patch(facecolor="#888", alpha=0.55, edgecolor="black", linestyle=":", label="rests on assumptions (projection)"),
               Patch(facecolor="white", edgecolor=VENDOR, hatch="////", label="rests on a vendor claim (unaudited)")]
    if n_apart:
        handles.append(Patch(facecolor="#f1f1f1", edgecolor="#999", label="hypothetical / vendor claims only (own scale)"))
    fig.legend(handles=handles, loc="upper center", ncol=2, fontsize=7, bbox_to_anchor=(0.5, 1 - 0.3 / height),
               frameon=False)
    fig.suptitle(title, y=1 - 0.05 / height, fontsize=10)
    save(fig, out, name)


def pareto(res, out, col):
    curves = res.get("pareto", [])
    main = [p for p in curves if not apart(p["hardware"])]
    aside = [p for p in curves if apart(p["hardware"])]
    base = [p for p in main if p["hardware"] == res.get("baseline_hardware")]
    panels = [("Products", main)]
    if aside:
        panels.append(("Drawn apart, own scale (baseline for reference)", base + aside))
    fig, axes = plt.subplots(1, len(panels), figsize=(6.0 * len(panels), 4.9), squeeze=False,
                             gridspec_kw={"width_ratios": [3, 2][:len(panels)]})
    for k, (ax, (name, plats)) in enumerate(zip(axes[0], panels)):
        for p in plats:
            pts = sorted(p["points"], key=lambda q: q["max_batch"])
            x = [q["tpot_p99_s"] * 1e3 for q in pts]
            y = [q["output_tok_s_per_chip"] for q in pts]
            hw = p["hardware"]
            c = col.get(hw, "#333")
            reference = k == 1 and not apart(hw)
            ls = ":" if p["unaudited"] or reference else ("--" if apart(hw) else "-")
            ax.plot(x, y, ls, color=c, lw=1.0 if reference else 1.3,
                    label=tag(hw) + (" (baseline)" if hw == res.get("baseline_hardware") else ""))
            fx = [xx for xx, q in zip(x, pts) if q["on_frontier"]]
            fy = [yy for yy, q in zip(y, pts) if q["on_frontier"]]
            ax.scatter(fx, fy, color=c, s=12, zorder=3)
        if plats:
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.legend(fontsize=6.5, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False)
        ax.set_xlabel("p99 TPOT (ms)")
        ax.set_ylabel("output tok/s per chip")
        ax.set_title(name, fontsize=8.5)
        if k == 1:
            ax.set_facecolor("#f1f1f1")
    fig.suptitle("Fig. 4: batch-vs-latency (batch cap swept, offline), %s" %
                 (curves[0]["workload"] if curves else "none"), fontsize=10)
    fig.tight_layout()
    save(fig, out, "fig4_pareto")


def validation(res, out):
    """Predicted / measured per row of the measurements file (log scale), coloured by the row's tag:
    1.0 is a perfect prediction. Throughput and latency rows sit in separate panels, each on its own
    scale: a ratio has no unit, but an over-predicted throughput and an under-predicted latency are
    the same error seen from two sides and must not be read off one axis. The medians per tag (over
    every metric) are printed in the legend."""
    v = res.get("validation", {})
    result = v.get("result") if v.get("available") else None
    rows = [r for r in (result or {}).get("rows", []) if r.get("ran")]
    if not rows:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        ax.text(0.5, 0.5, v.get("note", "validation not available in this build"), ha="center", va="center",
                wrap=True, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title("Fig. 5: validation against published measurements")
        fig.tight_layout()
        save(fig, out, "fig5_validation")
        return

    def kind(metric):
        if metric.startswith("output_tok_s") or "tok_s" in metric:
            return "throughput (tok/s)"
        if metric.endswith("_s"):
            return "latency (TTFT, TPOT, ITL)"
        return metric

    groups = []
    for r in rows:
        if kind(r["metric"]) not in groups:
            groups.append(kind(r["metric"]))
    sizes = [len([r for r in rows if kind(r["metric"]) == g]) for g in groups]
    fig, axes = plt.subplots(1, len(groups), figsize=(max(7.0, 0.5 * len(rows) + 2.5), 5.0), squeeze=False,
                             gridspec_kw={"width_ratios": [s + 1 for s in sizes]})
    colours = {"audited": "#1b7837", "vendor-claim": "#c51b7d"}
    summary = result.get("summary", {})
    for k, (ax, g) in enumerate(zip(axes[0], groups)):
        mine = [r for r in rows if kind(r["metric"]) == g]
        ratios = []
        for tg in sorted({r["tag"] for r in rows}):
            idx = [i for i, r in enumerate(mine) if r["tag"] == tg]
            ratio = [mine[i]["predicted"] / mine[i]["measured"] for i in idx]
            ratios += ratio
            med = summary.get(tg, {}).get("median_abs_relative_error")
            label = tg + (f" (median |error| {med * 100:.0f} %, all metrics)" if med is not None else "")
            if idx:
                ax.scatter(idx, ratio, s=30, color=colours.get(tg, "#444444"), label=label, zorder=3)
        ax.axhline(1.0, color="k", lw=0.8, ls="--", label="predicted = measured")
        ax.set_yscale("log")
        # Powers of two only, as 0.5, 1, 2: no minor labels to collide.
        low = min(ratios + [1.0]) / 1.4
        high = max(ratios + [1.0]) * 1.4
        ticks = [2.0 ** e for e in range(math.floor(math.log2(low)), math.ceil(math.log2(high)) + 1)]
        ax.set_ylim(low, high)
        ax.yaxis.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:g}"))
        ax.yaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.set_xticks(range(len(mine)))
        ax.set_xticklabels([r["id"] for r in mine], rotation=70, ha="right", fontsize=6)
        ax.set_xlim(-0.7, len(mine) - 0.3)
        ax.set_ylabel("predicted / measured")
        optimistic = "above" if g.startswith("throughput") else "below" if g.startswith("latency") else None
        ax.set_title(g + ("\n%s 1: the model is optimistic" % optimistic if optimistic else ""), fontsize=8.5)
    # One legend for every panel, in the first.
    handles = {}
    for ax in axes[0]:
        for h, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, h)
    order = sorted(handles, key=lambda label: label == "predicted = measured")
    axes[0][0].legend([handles[label] for label in order], order, loc="best", fontsize=6.5,
                      title="calibration: %s" % result.get("calibration", "ideal"), title_fontsize=6.5)
    fig.suptitle("Fig. 5: validation against published measurements")
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
    hypothetical.update(r["hardware"] for r in res["rows"] if r.get("hypothetical"))
    vendor_only.update(r["hardware"] for r in res["rows"] if r.get("vendor_claims_only"))
    vendor_claim.update(r["hardware"] for r in res["rows"] if r.get("unaudited") and not apart(r["hardware"]))
    radar(res, out, col)
    bars(res, out, col, "usd_per_mtok_capex", "fig2_usd_per_mtok",
         "Fig. 2: CapEx-amortised $ per million decoded tokens (per deployment, log)", "$/M tokens")
    bars(res, out, col, "energy_J_per_token", "fig3_J_per_token",
         "Fig. 3: energy per decoded token (per deployment, log)", "J/token")
    pareto(res, out, col)
    validation(res, out)


if __name__ == "__main__":
    main()
