#!/usr/bin/env python3
"""Builds the MLPerf Inference LLM workloads from their published token-length statistics.

Writes, next to this script, one histogram CSV (`tokens,weight`) per dataset and direction
(`<id>-input.csv`, `<id>-output.csv`) and, one folder up, the five workloads
`workloads/mlperf-<id>.json` that use them. Python 3 standard library only; deterministic (no
random numbers): running it twice gives byte-identical files. Run it from anywhere:

    python3 workloads/mlperf/make_histograms.py          # writes the files, prints the check
    python3 workloads/mlperf/make_histograms.py --check  # writes nothing; exit 1 if a file differs
    python3 workloads/mlperf/make_histograms.py --sample-check  # also: worst sampled errors, 20 x 200,000 draws

Where the numbers come from: /work/shared/validation/DATASETS.md (copied into SPECS below with the
source of each), which computed them from the per-sample length columns of the official MLCommons
dataset files (openshift-psap/performance-dashboard, mlperf-data/summaries/*.csv). Latency limits and
sample counts: mlcommons/inference loadgen/mlperf.conf.

Construction (per distribution):
  1. Knots (u, x) of a quantile function: (0, min), the cumulative bucket shares at the bucket edges
     (normalised to sum to 1: published shares are rounded), the published quantiles
     (p25/p50/p75/p90/p95/p99 where given), and (1 - w_max, max). The last w_max of the mass is an
     atom at the published max: one sample's share (1/samples), or the published share of the cap
     (deepseek-r1's outputs: over 1 % reach 32,768).
  2. Between consecutive knots the quantile function is x_a + (x_b - x_a) * t**gamma
     (t in [0, 1] across the segment): gamma = 1 is piecewise-linear; every knot stays where it is
     whatever gamma is. One gamma per distribution is found by bisection so that the mean of the
     discretised histogram equals the published mean (gamma < 1 moves mass up inside every segment,
     > 1 down); the top segment (last knot below the max, up to the max) stays linear. Bucket shares
     and quantiles are therefore kept exactly; only the shape inside each segment moves.
  3. Discretisation: each segment gets cells in proportion to its mass (CELLS over the whole
     distribution, at least one per segment; the cells next to each knot split finer); a cell's value is the mean of the quantile function
     over the cell, rounded to an integer and kept inside its segment [x_a, x_b - 1] so that a bucket
     edge's share is not blurred; the last cell below a published quantile takes that quantile's
     value (so the histogram's quantiles are the published ones). Equal neighbouring values are
     merged.
  Assumed shapes (llama2-70b and llama3.1-8b outputs: only a mean is published): a lognormal with
  the stated sigma, clamped to [min, max], discretised the same way (equal-mass cells, the value of
  each the lognormal quantile at the cell's middle), with mu found by bisection so that the
  histogram's mean equals the published mean.

What it does not model: input and output lengths are drawn independently (the datasets have a
weak correlation, |r| < 0.35), and a request's length is not tied to its sample (MLPerf Offline
sends every sample once; here lengths are drawn from the histograms).
"""

import json
import math
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = os.path.dirname(HERE)
CELLS = 400  # cells per distribution before merging equal values
DATASETS_MD = "/work/shared/validation/DATASETS.md"

# One entry per bundled workload. Numbers are DATASETS.md's unless marked otherwise.
#   buckets: (upper edge, share %) in order; a bucket is [previous edge, edge) and the first starts
#            at `min`. The last bucket may end above `max` (then only the max bounds it).
#   min:     the smallest length. DATASETS.md does not give it: taken from the same summary CSVs
#            that DATASETS.md's statistics come from (openshift-psap/performance-dashboard,
#            mlperf-data/summaries/<file>.csv), marked "derived" in the workload files.
SPECS = [
    {
        "id": "llama2-70b",
        "title": "MLPerf Inference llama2-70b (OpenOrca GPT-4 subset, 24,576 samples; ISL/OSL capped at 1024)",
        "benchmark": "llama2-70b-99",
        "aliases": ["llama2-70b-99.9"],
        "samples": 24576,
        "server": (2.0, 0.200),
        "interactive": (0.450, 0.040),
        "reference_mean_output_tokens": 294.45,
        "input": {
            "min": 48,
            "max": 1021,
            "mean": 222.3,
            "quantiles": {0.25: 109, 0.50: 152, 0.75: 266, 0.90: 519, 0.95: 614, 0.99: 791},
            "buckets": [(64, 2.1), (128, 35.2), (256, 36.3), (384, 11.2), (512, 5.0), (768, 9.1), (1024, 1.2)],
        },
        "output": {
            # Only the mean is published (FP16 reference, language/llama2-70b/README.md). ASSUMED shape.
            "assumed": "lognormal",
            "sigma": 0.6,
            "min": 1,
            "max": 1024,
            "mean": 294.45,
            "why": "only the mean (294.45, FP16 reference) is published; lognormal sigma 0.6 assumed, capped at "
                   "the benchmark's 1024-token output limit (about 1 % of requests at the cap)",
        },
    },
    {
        "id": "mixtral-8x7b",
        "title": "MLPerf Inference mixtral-8x7b (5k OpenOrca + 5k GSM8K + 5k MBXP, 15,000 samples)",
        "benchmark": "mixtral-8x7b",
        "aliases": [],
        "samples": 15000,
        "server": (2.0, 0.200),
        "interactive": None,
        "reference_mean_output_tokens": 144.84,
        "input": {
            "min": 35,
            "max": 1948,
            "mean": 427.4,
            "quantiles": {0.50: 283, 0.90: 701, 0.99: 1561},
            "buckets": [(64, 1.9), (128, 12.5), (256, 33.1), (512, 9.7), (1024, 38.1), (1536, 3.7), (2048, 1.1)],
        },
        "output": {
            "min": 2,
            "max": 1024,
            "mean": 144.8,
            "quantiles": {0.50: 113, 0.90: 279, 0.99: 582},
            "buckets": [],
        },
    },
    {
        "id": "llama3.1-405b",
        "title": "MLPerf Inference llama3.1-405b (long-context mix, 8,313 samples)",
        "benchmark": "llama3.1-405b",
        "aliases": [],
        "samples": 8313,
        "server": (6.0, 0.175),
        "interactive": (4.5, 0.080),
        "reference_mean_output_tokens": 684.68,
        "input": {
            "min": 476,
            "max": 19988,
            "mean": 9428.6,
            "quantiles": {0.50: 10112, 0.90: 14156, 0.99: 18956},
            # "2k" = 2048 (the bucket shares match the summary file's lengths with k = 1024)
            "buckets": [(2048, 2.0), (4096, 10.9), (8192, 23.8), (12288, 38.6), (16384, 20.7), (20480, 4.0)],
        },
        "output": {
            "min": 3,
            "max": 1830,
            "mean": 684.7,
            "quantiles": {0.50: 753, 0.90: 974, 0.99: 1174},
            "buckets": [],
        },
    },
    {
        "id": "llama3.1-8b",
        "title": "MLPerf Inference llama3.1-8b datacenter (CNN/DailyMail, 13,368 samples)",
        "benchmark": "llama3.1-8b",
        "aliases": [],
        "samples": 13368,
        "server": (2.0, 0.100),
        "interactive": (0.500, 0.030),
        "reference_mean_output_tokens": 129,
        "input": {
            "min": 79,
            "max": 2540,
            "mean": 870.7,
            "quantiles": {0.50: 784, 0.90: 1479, 0.99: 2118},
            # DATASETS.md lists buckets from 256 up, summing to 98.5 %: the remaining 1.5 % is < 256
            # (as in the summary file).
            "buckets": [(256, 1.5), (512, 20.1), (768, 26.8), (1024, 21.4), (1536, 21.3), (2048, 7.4), (4096, 1.5)],
        },
        "output": {
            # Only a mean is known (~129, derived from an 8-GPU v5.1 Offline log). ASSUMED shape.
            "assumed": "lognormal",
            "sigma": 0.4,
            "min": 2,
            "max": 2000,
            "mean": 129,
            "why": "only a derived mean (~129: tokens/s over samples/s of a v5.1 Offline log) is known; lognormal "
                   "sigma 0.4 assumed (the spread of the CNN/DailyMail reference highlights), clamped to the "
                   "reference SUT's min_tokens 2 / max_tokens 2000",
        },
    },
    {
        "id": "deepseek-r1",
        "title": "MLPerf Inference deepseek-r1 (AIME, MATH500, GPQA, MMLU-Pro, LiveCodeBench; 4,388 samples)",
        "benchmark": "deepseek-r1",
        "aliases": [],
        "samples": 4388,
        "server": (2.0, 0.080),
        "interactive": (1.5, 0.015),
        "reference_mean_output_tokens": 4043.45,
        # The harness stops generating at 20,000 tokens (mlcommons/inference
        # language/deepseek-r1/utils/backend_registry.py MAX_OSL, per DATASETS.md); the reference
        # outputs run to 32,768. The histogram stays the reference's; the reader clips it.
        "max_output_tokens": 20000,
        "input": {
            "min": 52,
            "max": 3140,
            "mean": 803.8,
            "quantiles": {0.50: 902, 0.90: 1281, 0.99: 1432},
            # listed buckets sum to 99.8 %; the remaining 0.2 % lies in [1536, max]
            "buckets": [(128, 10.7), (256, 9.8), (512, 5.0), (1024, 42.9), (1536, 31.4), (4096, 0.2)],
        },
        "output": {
            "min": 209,
            "max": 32768,
            "mean": 4043.4,
            "quantiles": {0.25: 996, 0.50: 2194, 0.75: 4913, 0.90: 9477, 0.95: 13854, 0.99: 32768},
            "buckets": [],
            # "over 1 % of samples reach the cap": an atom at 32,768. 1.1 % assumed (the summary file
            # has 1.09 %).
            "max_share": 0.011,
        },
    },
]

PUBLISHED_LEVELS = [(0.25, "p25"), (0.50, "median"), (0.75, "p75"), (0.90, "p90"), (0.95, "p95"), (0.99, "p99")]


# ---------------------------------------------------------------------------------------------
# Construction


def knots_of(d, samples):
    """The (u, x, is_quantile) knots of the quantile function, and the mass of the atom at the max."""
    w_max = d.get("max_share", 1.0 / samples)
    lo, hi = d["min"], d["max"]
    knots = [(0.0, float(lo), False)]
    total = sum(share for _, share in d["buckets"])
    cum = 0.0
    for edge, share in d["buckets"]:
        cum += share
        u = cum / total
        if edge < hi and u < 1.0 - w_max - 1e-12:
            knots.append((u, float(edge), False))
    for p, x in d["quantiles"].items():
        if x < hi:
            knots.append((p, float(x), True))
    knots.append((1.0 - w_max, float(hi), False))
    knots.sort()
    # Merge knots at the same level (a quantile that coincides with a bucket edge's cumulative share).
    merged = []
    for u, x, q in knots:
        if merged and abs(u - merged[-1][0]) < 1e-9:
            if abs(x - merged[-1][1]) > 1:
                sys.exit(f"inconsistent knots at u={u}: {merged[-1][1]} vs {x}")
            merged[-1] = (merged[-1][0], merged[-1][1], merged[-1][2] or q)
            continue
        merged.append((u, x, q))
    for (u0, x0, _), (u1, x1, _) in zip(merged, merged[1:]):
        if not x1 > x0:
            sys.exit(f"knots not increasing: ({u0}, {x0}) then ({u1}, {x1}) in {merged}")
    return merged, w_max


def cell_bounds(k):
    """Cell boundaries in t over one segment: k equal cells, the first and last of them split
    geometrically (1/16, 1/16, 1/8, 1/4, 1/2 of a cell) so that the values next to a knot are close to
    it: a sampled quantile that lands just past a knot then stays close to the knot."""
    fine = [0.0, 1 / 16, 1 / 8, 1 / 4, 1 / 2]
    bounds = [f / k for f in fine] + [j / k for j in range(1, k)] + [1 - f / k for f in reversed(fine)]
    return sorted(set(bounds))


def cells_of(knots, gamma):
    """(value, weight) cells of the continuous part, before merging. A cell's value is the mean of
    the quantile function over it, kept inside [x_a, x_b - 1] (a bucket edge x_b belongs to the next
    bucket); the last cell below a published quantile takes the quantile's value, so that the
    histogram's quantile at that level is the published one. The top segment (from the highest
    knot below the max up to it) stays linear: gamma shapes the body, not the extreme tail, so that
    the density just above p99 stays moderate."""
    out = []
    segments = list(zip(knots, knots[1:]))
    for n, ((u0, x0, _), (u1, x1, q1)) in enumerate(segments):
        g = 1.0 if n == len(segments) - 1 else gamma
        mass = u1 - u0
        bounds = cell_bounds(max(1, round(mass * CELLS)))
        lo_v, hi_v = int(math.ceil(x0)), max(int(math.ceil(x0)), int(math.ceil(x1)) - 1)
        for j, (t0, t1) in enumerate(zip(bounds, bounds[1:])):
            # mean of t**g over [t0, t1]
            avg = (t1 ** (g + 1) - t0 ** (g + 1)) / ((g + 1) * (t1 - t0))
            v = min(max(round(x0 + (x1 - x0) * avg), lo_v), hi_v)
            if q1 and j == len(bounds) - 2:
                v = int(x1)
            out.append((v, mass * (t1 - t0)))
    return out


def merge(cells):
    out = []
    for v, w in sorted(cells):
        if out and out[-1][0] == v:
            out[-1] = (v, out[-1][1] + w)
        else:
            out.append((v, w))
    total = sum(w for _, w in out)
    return [(v, w / total) for v, w in out]


def mean_of(hist):
    return sum(v * w for v, w in hist)


def bisect(f, lo, hi, target, increasing, steps=80):
    """x in [lo, hi] (geometric bisection) with f(x) ~= target; f monotone."""
    flo, fhi = f(lo), f(hi)
    if not (min(flo, fhi) <= target <= max(flo, fhi)):
        sys.exit(f"target {target} outside [{min(flo, fhi)}, {max(flo, fhi)}]")
    for _ in range(steps):
        mid = math.sqrt(lo * hi) if lo > 0 else 0.5 * (lo + hi)
        if (f(mid) < target) == increasing:
            lo = mid
        else:
            hi = mid
    return math.sqrt(lo * hi) if lo > 0 else 0.5 * (lo + hi)


def build_empirical(d, samples):
    knots, w_max = knots_of(d, samples)

    def hist(gamma):
        return merge(cells_of(knots, gamma) + [(d["max"], w_max)])

    gamma = bisect(lambda g: mean_of(hist(g)), 1 / 16, 16, d["mean"], increasing=False)
    return hist(gamma), f"piecewise quantile function through {len(knots)} knots, gamma {gamma:.3f}"


def build_lognormal(d):
    nd = statistics.NormalDist()
    sigma = d["sigma"]

    def hist(mu):
        cells = []
        for i in range(CELLS):
            x = math.exp(mu + sigma * nd.inv_cdf((i + 0.5) / CELLS))
            cells.append((min(max(round(x), d["min"]), d["max"]), 1.0 / CELLS))
        return merge(cells)

    mu = bisect(lambda m: mean_of(hist(m)), 0.01, 20.0, d["mean"], increasing=True)
    return hist(mu), f"ASSUMED lognormal, sigma {sigma}, mu {mu:.4f}, clamped to [{d['min']}, {d['max']}]"


# ---------------------------------------------------------------------------------------------
# Statistics of a histogram (what sampling it gives in the limit)


def quantile(hist, p):
    """Nearest rank: the smallest value whose cumulative weight reaches p."""
    c = 0.0
    for v, w in hist:
        c += w
        if c >= p - 1e-12:
            return v
    return hist[-1][0]


def share(hist, lo, hi):
    return sum(w for v, w in hist if lo <= v < hi)


def stats_rows(d, hist):
    """(name, published, achieved) rows."""
    rows = [("mean", d["mean"], mean_of(hist))]
    for p, name in PUBLISHED_LEVELS:
        if p in d.get("quantiles", {}):
            rows.append((name, d["quantiles"][p], quantile(hist, p)))
    rows.append(("max", d["max"], hist[-1][0]))
    return rows


def shape_of(hist):
    return ", ".join(f"{n} {quantile(hist, p):,}" for p, n in PUBLISHED_LEVELS if n in ("median", "p90", "p99")) + \
        f", max {hist[-1][0]:,}"


def bucket_rows(d, hist):
    rows, lo = [], 0
    for edge, s in d.get("buckets", []):
        rows.append((f"[{lo}, {edge})", s, 100 * share(hist, lo, edge)))
        lo = edge
    return rows


def fmt(x):
    if x == int(x):
        return f"{int(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def summary(rows):
    return ", ".join(f"{n} {fmt(a)} (published {fmt(p)})" for n, p, a in rows)


# ---------------------------------------------------------------------------------------------
# Output files


def csv_text(hist):
    # The reader takes a plain CSV (header required, no comments): the provenance is in the workload.
    lines = ["tokens,weight"] + [f"{v},{w:.9f}" for v, w in hist]
    return "\n".join(lines) + "\n"


def workload_json(spec, stats_in, stats_out, hout):
    sid = spec["id"]
    s_ttft, s_tpot = spec["server"]
    mlperf = {
        "benchmark": spec["benchmark"],
        "samples": spec["samples"],
        "min_duration_s": 600,
        "server": {"ttft_p99_s": s_ttft, "tpot_p99_s": s_tpot},
    }
    if spec["interactive"]:
        mlperf["interactive"] = {"ttft_p99_s": spec["interactive"][0], "tpot_p99_s": spec["interactive"][1]}
    mlperf["reference_mean_output_tokens"] = spec["reference_mean_output_tokens"]
    cap = spec.get("max_output_tokens")
    if cap:
        mlperf["max_output_tokens"] = cap
    out = spec["output"]
    description = (
        f"{spec['title']}: Offline (all samples at t = 0), judged by the Server p99 limits "
        f"(TTFT {s_ttft:g} s, TPOT {s_tpot * 1000:g} ms); prompts mean {fmt(spec['input']['mean'])}, "
        f"{'reference ' if cap else ''}outputs mean {fmt(out['mean'])} tokens"
        + (f", generated to at most {fmt(cap)} (the harness's cap)" if cap else "")
    )
    source = (
        f"Token lengths: /work/shared/validation/DATASETS.md (from the MLCommons dataset files via "
        f"openshift-psap/performance-dashboard mlperf-data/summaries); limits and samples: mlcommons/inference "
        f"loadgen/mlperf.conf. Histograms built by workloads/mlperf/make_histograms.py. "
        f"Input histogram: {summary(stats_in)}; min {spec['input']['min']} (derived from the summary file). "
    )
    if "assumed" in out:
        source += (f"Output: ASSUMED shape: {out['why']}; histogram mean {fmt(round(stats_out[0][2], 2))} "
                   f"(published {fmt(out['mean'])}), {shape_of(hout)}. ")
    else:
        source += (f"Output histogram (reference outputs): {summary(stats_out)}; min {out['min']} (derived). ")
    if cap:
        source += (f"Generation cap {fmt(cap)} tokens (mlperf.max_output_tokens): mlcommons/inference "
                   f"language/deepseek-r1/utils/backend_registry.py MAX_OSL, per DATASETS.md; the reader clips "
                   f"the reference lengths to it. ")
    source += ("Input and output lengths are drawn independently. A Server run replaces the arrival with a "
               "Poisson process at the rate under test.")
    body = [
        ("schema", "infersim-workload/1"),
        ("id", f"mlperf-{sid}"),
        ("description", description),
        ("source", source),
        ("arrival", {"process": "all_at_once"}),
        ("prompt_tokens", {"distribution": "histogram", "file": f"mlperf/{sid}-input.csv"}),
        ("output_tokens", {"distribution": "histogram", "file": f"mlperf/{sid}-output.csv"}),
        ("requests", spec["samples"]),
        ("slo", {"ttft_p99_s": s_ttft, "tpot_p99_s": s_tpot}),
        ("mlperf", mlperf),
    ]
    lines = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in body]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def sample_check(d, hist, seeds=20, n=200_000):
    """Worst relative error over `seeds` runs of n draws of the sampled mean and published quantiles
    (nearest rank), as tests/unit/test_mlperf_workloads.cpp checks them (mean 1.5 %, quantiles 5 %)."""
    import bisect
    import random
    values = [v for v, _ in hist]
    cum, c = [], 0.0
    for _, w in hist:
        c += w
        cum.append(c)
    worst = {}
    for seed in range(seeds):
        rng = random.Random(seed)
        draws = sorted(values[min(bisect.bisect_right(cum, rng.random()), len(values) - 1)] for _ in range(n))
        got = {"mean": sum(draws) / n}
        for p, name in PUBLISHED_LEVELS:
            if p in d.get("quantiles", {}):
                got[name] = draws[max(0, math.ceil(p * n) - 1)]
        for name, a in got.items():
            p = d["mean"] if name == "mean" else d["quantiles"][dict((b, a_) for a_, b in PUBLISHED_LEVELS)[name]]
            worst[name] = max(worst.get(name, 0.0), abs(a - p) / p)
        worst["max above published"] = max(worst.get("max above published", 0.0), max(0.0, draws[-1] - d["max"]))
    return ", ".join(f"{k} {100 * v:.2f} %" if k != "max above published" else f"{k} {v:g}" for k, v in worst.items())


def main(argv):
    check = "--check" in argv[1:]
    sampling = "--sample-check" in argv[1:]
    files = {}
    report = []
    worst = {"mean": 0.0, "quantile": 0.0}
    for spec in SPECS:
        sid = spec["id"]
        hin, how_in = build_empirical(spec["input"], spec["samples"])
        out = spec["output"]
        if "assumed" in out:
            hout, how_out = build_lognormal(out)
        else:
            hout, how_out = build_empirical(out, spec["samples"])
        st_in, st_out = stats_rows(spec["input"], hin), stats_rows(out, hout)
        if "assumed" in out:
            st_out = st_out[:1]  # only the mean is published
        files[os.path.join(HERE, f"{sid}-input.csv")] = csv_text(hin)
        files[os.path.join(HERE, f"{sid}-output.csv")] = csv_text(hout)
        files[os.path.join(WORKLOADS, f"mlperf-{sid}.json")] = workload_json(spec, st_in, st_out, hout)

        report.append(f"\n## mlperf-{sid} ({spec['benchmark']}, {spec['samples']:,} samples)")
        for label, d, h, how, st in (("input", spec["input"], hin, how_in, st_in),
                                     ("output", out, hout, how_out, st_out)):
            report.append(f"{label}: {how}; {len(h)} rows")
            report.append(f"  {'statistic':<14}{'published':>12}{'achieved':>12}{'error':>9}")
            for name, p, a in st:
                err = (a - p) / p
                key = "mean" if name == "mean" else "quantile"
                if name != "max":
                    worst[key] = max(worst[key], abs(err))
                report.append(f"  {name:<14}{fmt(p):>12}{fmt(a):>12}{100 * err:>8.2f}%")
            for name, p, a in bucket_rows(d, h):
                report.append(f"  {'share ' + name:<22}{p:>5.1f} %{a:>9.1f} %")
            if "assumed" in d:
                report.append(f"  (shape assumed: {shape_of(h)})")
            if sampling:
                report.append(f"  sampled, worst of 20 x 200,000 draws: {sample_check(d, h)}")
    report.append(f"\nworst |error|: mean {100 * worst['mean']:.2f} %, quantiles {100 * worst['quantile']:.2f} %")

    changed = []
    for path, text in files.items():
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:
            changed.append(os.path.relpath(path, WORKLOADS))
            if not check:
                with open(path, "w", encoding="utf-8", newline="\n") as f:
                    f.write(text)
    print("\n".join(report).lstrip("\n"))
    if check:
        print("\nup to date" if not changed else "\nout of date: " + ", ".join(changed))
        return 1 if changed else 0
    print("\nwrote " + (", ".join(changed) if changed else "nothing (all files up to date)"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
