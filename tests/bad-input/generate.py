#!/usr/bin/env python3
"""Regenerates the descriptor bad-input fixtures of this folder from the bundled descriptors.

One fixture per rule, named for the rule: each is a bundled descriptor with exactly one thing
broken. The expected exit code and message of each live in EXPECTED (the runner reads it). Run:
    python3 tests/bad-input/generate.py
"""
import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HW = json.load(open(os.path.join(ROOT, "hardware", "h100-sxm.json")))
MODEL = json.load(open(os.path.join(ROOT, "models", "llama-3.1-8b.json")))
MOE = json.load(open(os.path.join(ROOT, "models", "mixtral-8x7b.json")))
WORKLOAD = {"schema": "infersim-workload/1", "id": "x", "description": "d",
            "arrival": {"process": "poisson", "rate_req_s": 1},
            "prompt_tokens": {"distribution": "fixed", "tokens": 10},
            "output_tokens": {"distribution": "fixed", "tokens": 10}}


def write(name, doc=None, text=None):
    with open(os.path.join(HERE, name), "w") as f:
        f.write(text if text is not None else json.dumps(doc, indent=1) + "\n")


def hw(name, edit):
    d = copy.deepcopy(HW)
    edit(d)
    write(name, d)


def model(name, edit, base=MODEL):
    d = copy.deepcopy(base)
    edit(d["architecture"])
    write(name, d)


def workload(name, edit):
    d = copy.deepcopy(WORKLOAD)
    edit(d)
    write(name, d)


# --- the foundation's descriptor rules, one fixture each -------------------------------------
write("hw-malformed-json.json", text=json.dumps(HW, indent=1)[:200])
hw("hw-unknown-key.json", lambda d: d.__setitem__("descripton", d.pop("description")))
hw("hw-missing-field.json", lambda d: d.pop("name"))
hw("hw-wrong-type.json", lambda d: d["interconnect"]["scale_up"].__setitem__("domain_chips", "8"))
hw("hw-zero-value.json", lambda d: d["memory_tiers"][0]["capacity_bytes"].__setitem__("value", 0))
hw("hw-negative-value.json", lambda d: d["interconnect"]["scale_up"]["latency_s"].__setitem__("value", -1))
hw("hw-unknown-unit.json", lambda d: d["memory_tiers"][0]["bandwidth_Bps"].__setitem__("unit", "TB/sec"))
hw("hw-unknown-tag.json", lambda d: d["power"]["chip_W"].__setitem__("tag", "specs"))
hw("hw-unknown-topology.json", lambda d: d["interconnect"]["scale_up"].__setitem__("topology", "torus"))
# Non-finite numbers: JSON has no NaN/Infinity literals, and 1e999 overflows a double.
write("hw-nonfinite-1e999.json", text=json.dumps(HW, indent=1).replace('"value": 989.4', '"value": 1e999'))
write("hw-nonfinite-nan.json", text=json.dumps(HW, indent=1).replace('"value": 989.4', '"value": NaN'))
hw("hw-overflow-after-unit.json", lambda d: d["memory_tiers"][0]["capacity_bytes"].__setitem__("value", 1e300))

# --- limits ----------------------------------------------------------------------------------
hw("hw-zero-usable-memory.json",
   lambda d: d.__setitem__("usable_memory_fraction", {"value": 0, "tag": "assumption", "source": "x"}))
hw("hw-usable-fraction-above-one.json",
   lambda d: d.__setitem__("usable_memory_fraction", {"value": 1.5, "tag": "assumption", "source": "x"}))
hw("hw-zero-bandwidth-link.json", lambda d: d["interconnect"]["scale_up"]["bandwidth_Bps"].__setitem__("value", 0))
hw("hw-zero-memory-bandwidth.json", lambda d: d["memory_tiers"][0]["bandwidth_Bps"].__setitem__("value", 0))
hw("hw-domain-trillion-chips.json", lambda d: d["interconnect"]["scale_up"].__setitem__("domain_chips", 10**12))
hw("hw-domain-above-cap.json", lambda d: d["interconnect"]["scale_up"].__setitem__("domain_chips", 1000001))
hw("hw-no-memory-tiers.json", lambda d: d.__setitem__("memory_tiers", []))

model("model-layers-1e9.json", lambda a: a.__setitem__("layers", 10**9))
model("model-context-1e12-tokens.json", lambda a: a.__setitem__("max_context_tokens", 10**12))
model("model-integer-too-large.json", lambda a: a.__setitem__("hidden_size", 1e300))
model("model-fractional-integer.json", lambda a: a.__setitem__("layers", 31.5))
model("model-zero-heads.json", lambda a: a.__setitem__("attention_heads", 0))
model("model-kv-heads-not-divisor.json", lambda a: a.__setitem__("kv_heads", 5))
model("model-unknown-attention.json", lambda a: a.__setitem__("attention", "gpa"))
model("model-topk-above-experts.json", lambda a: a["moe"].__setitem__("top_k", 9), base=MOE)
model("model-experts-above-cap.json", lambda a: a["moe"].__setitem__("experts", 10**6), base=MOE)
model("model-dense-layers-all.json", lambda a: a["moe"].__setitem__("dense_layers", 32), base=MOE)

workload("workload-requests-trillion.json", lambda d: d.__setitem__("requests", 10**12))
workload("workload-negative-think-time.json",
         lambda d: d.__setitem__("arrival", {"process": "closed_loop", "users": 4, "think_time_s": -1}))
workload("workload-zero-rate.json", lambda d: d["arrival"].__setitem__("rate_req_s", 0))
write("workload-rate-1e999.json", text=json.dumps(WORKLOAD).replace('"rate_req_s": 1', '"rate_req_s": 1e999'))
workload("workload-tokens-above-cap.json", lambda d: d["prompt_tokens"].__setitem__("tokens", 10**12))
workload("workload-trace-dev-zero.json", lambda d: d.__setitem__("arrival", {"process": "trace", "file": "/dev/zero"}))
# Range of a quantity in SI: a rate of 1e-300 FLOP/s made every time infinite (simulate segfaulted).
hw("hw-rate-below-floor.json",
   lambda d: d["peak_flops"].__setitem__("bf16_flops", {"value": 1e-300, "tag": "assumption", "source": "x"}))
hw("hw-quantity-above-cap.json", lambda d: d["power"]["chip_W"].__setitem__("value", 1e31))
