#!/usr/bin/python3
"""The batch-vs-latency figure of `infersim pareto --plot FILE`, drawn from pareto JSON results only.

Usage: /usr/bin/python3 scripts/pareto_figure.py OUT.png|OUT.svg run.json [other.json ...]

Two panels: output tok/s per chip against p99 TPOT (left) and against p99 TTFT (right), one series
per JSON file (several scenarios on one plot), each point labelled by its arrival rate (req/s) or
batch cap, the Pareto frontier joined by a line, points that miss the SLO hollow, and the workload's
SLO limits drawn as dashed lines. The file is written under a temporary name and renamed; the SVG
is deterministic (fixed hash salt, no date, ids renumbered in order).
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.hashsalt"] = "infersim"
matplotlib.rcParams["font.size"] = 9
import matplotlib.pyplot as plt  # noqa: E402

from figure_io import save_atomically  # noqa: E402  (scripts/figure_io.py)

PALETTE = ["#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#e377c2"]


def label_of(run):
    return "%s %s (%d chips, %s)" % (run["hardware"], run["model"], run["chips"], run["scheduler"])


def point_label(run, p):
    if run.get("over") == "batch":
        return "b%d" % p["max_batch"]
    return "%.3g/s" % p["rate_req_s"]


def draw(ax, runs, key, limit_key, xlabel):
    limits = set()
    for k, run in enumerate(runs):
        colour = PALETTE[k % len(PALETTE)]
        pts = [p for p in run["points"] if p[key] > 0 and p["output_tok_s_per_chip"] > 0]
        front = sorted((p for p in pts if p["on_frontier"]), key=lambda p: p[key])
        if key == "tpot_p99_s" and front:
            ax.plot([p[key] * 1e3 for p in front], [p["output_tok_s_per_chip"] for p in front], color=colour, lw=1.2,
                    alpha=0.8)
        for p in pts:
            met = p.get("slo_met", True) or "slo" not in run
            ax.scatter([p[key] * 1e3], [p["output_tok_s_per_chip"]], s=22, color=colour if met else "white",
                       edgecolors=colour, linewidths=1.2, zorder=3)
            ax.annotate(point_label(run, p), (p[key] * 1e3, p["output_tok_s_per_chip"]), xytext=(3, 3),
                        textcoords="offset points", fontsize=7, color=colour)
        ax.plot([], [], color=colour, marker="o", lw=1.2, label=label_of(run))
        slo = run.get("slo") or {}
        if slo.get(limit_key):
            limits.add(slo[limit_key])
    for v in sorted(limits):
        ax.axvline(v * 1e3, color="#d62728", ls="--", lw=1)
        ax.annotate("SLO p99 %.4g ms" % (v * 1e3), (v * 1e3, 0), xycoords=("data", "axes fraction"), xytext=(-3, 4),
                    textcoords="offset points", ha="right", fontsize=7, color="#d62728")
    ax.set_xscale("log")
    ax.set_yscale("log")  # rates span decades: on a linear axis the low-rate points pile up
    ax.set_xlabel(xlabel)
    ax.set_ylabel("output tok/s per chip (log)")
    ax.grid(which="both", alpha=0.25)
    ax.set_axisbelow(True)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: pareto_figure.py OUT.png|OUT.svg run.json [other.json ...]")
    runs = []
    for path in sys.argv[2:]:
        with open(path) as f:
            run = json.load(f)
        if "points" not in run:
            sys.exit("pareto_figure.py: %s is not the JSON of `infersim pareto` (no points)" % path)
        runs.append(run)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
    draw(left, runs, "tpot_p99_s", "tpot_p99_s", "p99 TPOT, ms (log)")
    draw(right, runs, "ttft_p99_s", "ttft_p99_s", "p99 TTFT, ms (log)")
    left.set_title("throughput vs p99 TPOT (line: Pareto frontier; hollow: SLO missed)", fontsize=9)
    right.set_title("throughput vs p99 TTFT", fontsize=9)
    left.legend(fontsize=7, loc="lower right")
    fig.suptitle("Batch vs latency: '%s' workload, over %s" % (runs[0]["workload"], runs[0]["over"]), fontsize=9)
    fig.tight_layout()
    save_atomically(fig, sys.argv[1], "infersim scripts/pareto_figure.py")
    plt.close(fig)


if __name__ == "__main__":
    main()
