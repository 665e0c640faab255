#!/usr/bin/python3
"""The figure of `infersim trace summary FILE --plot FIG`, drawn from its JSON only.

Usage: /usr/bin/python3 scripts/trace_figure.py OUT.png|OUT.svg trace.json

Left: the per-rank timeline of one step (one row per chip; compute, memory, all-reduces,
all-to-alls, sends and fixed overheads as coloured bars; the gaps are a chip waiting). Right: the
busiest links' utilisation over the whole run (bytes sent / (bandwidth x simulated time)), or their
bytes where the trace has no bandwidths. Below the timeline, the summary's split of the real
collectives: waiting for the slowest rank against the exchange itself. Written under a temporary
name and renamed; the SVG is deterministic.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.hashsalt"] = "infersim"
matplotlib.rcParams["font.size"] = 9
import matplotlib.pyplot as plt  # noqa: E402

from figure_io import save_atomically  # noqa: E402  (scripts/figure_io.py)

COLOURS = {
    "compute": "#1f77b4",
    "memory": "#aec7e8",
    "tp_allreduce": "#ff7f0e",
    "ep_all_to_all": "#d62728",
    "pp_send": "#9467bd",
    "overhead": "#7f7f7f",
}
LINKS_SHOWN = 12


def timeline(ax, res):
    acts = res["step_activities"]
    t0 = min(a["start_s"] for a in acts)
    chips = sorted({a["chip"] for a in acts})
    row = {c: i for i, c in enumerate(chips)}
    seen = set()
    for a in acts:
        kind = a["kind"]
        width = (a["end_s"] - a["start_s"]) * 1e3
        label = kind if kind not in seen else None
        seen.add(kind)
        # Memory streams run beside compute: drawn as a thin bar under it.
        y, h = (row[a["chip"]] - 0.35, 0.25) if kind == "memory" else (row[a["chip"]] - 0.1, 0.5)
        ax.broken_barh([((a["start_s"] - t0) * 1e3, max(width, 1e-6))], (y, h), color=COLOURS.get(kind, "k"), label=label)
    ax.set_yticks(range(len(chips)))
    ax.set_yticklabels(["chip %d" % c for c in chips])
    ax.invert_yaxis()
    ax.set_xlabel("ms from the step's first activity")
    ax.set_title("step %d: every chip's activities (gaps: waiting)" % res["step"], fontsize=9)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=6, frameon=False)
    ax.grid(axis="x", alpha=0.25)
    o = res["overall"]
    if "slowest_rank_wait_s" in o:
        total = o["slowest_rank_wait_s"] + o["collective_exchange_s"]
        share = o["slowest_rank_wait_s"] / total if total > 0 else 0
        ax.annotate("whole run, real collectives: %.1f %% waiting for the slowest rank, %.1f %% the exchange"
                    % (100 * share, 100 * (1 - share)), (0, -0.34), xycoords="axes fraction", fontsize=8)


def links(ax, res):
    rows = res["links"][:LINKS_SHOWN]
    if not rows:
        ax.text(0.5, 0.5, "no transfers on links in this trace", ha="center", va="center")
        ax.set_axis_off()
        return
    util = all("utilisation" in r for r in rows)
    values = [100 * r["utilisation"] if util else r["bytes"] / 1e9 for r in rows]
    names = [r.get("name", str(r["link"])) for r in rows]
    ax.barh(range(len(rows)), values, color="#2ca02c")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("utilisation over the run (%)" if util else "GB sent")
    ax.set_title("busiest links (of %d used)" % len(res["links"]), fontsize=9)
    ax.grid(axis="x", alpha=0.25)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: trace_figure.py OUT.png|OUT.svg trace.json")
    with open(sys.argv[2]) as f:
        res = json.load(f)
    if not res.get("step_activities"):
        sys.exit("trace_figure.py: the step has no activities")
    chips = len({a["chip"] for a in res["step_activities"]})
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, max(3.0, 0.35 * chips + 1.8)),
                                      gridspec_kw={"width_ratios": [2.2, 1]})
    timeline(left, res)
    links(right, res)
    fig.tight_layout()
    save_atomically(fig, sys.argv[1], "infersim scripts/trace_figure.py")
    plt.close(fig)


if __name__ == "__main__":
    main()
