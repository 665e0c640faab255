// Contract: the step-time model, the one place where work (costmodel/step_cost.hpp) becomes time and
// where a calibration (costmodel/calibration.hpp) is applied. Both engines use it: the closed form
// calls step_time(); the DES runs effective_work() as SimGrid activities on resources at datasheet
// peak, so that the two agree by construction on an uncontended step.
//
// One pipeline stage of one chip (L layers, of which L_moe are MoE layers), T tokens, n sequences:
//   GEMM phase      t_gemm = max( max_tier W_tier / (BW_tier * eff_w),  F_gemm / (P * eff_c(T)) )
//   attention phase t_attn = max( max_tier KV_tier / (BW_tier * eff_kv), F_attn / (P_attn * eff_c) )
//   compute+memory  t_cm   = t_gemm + t_attn                   (separate kernels, run in turn)
//                          = max(sum of compute, max_tier of bytes) when attention_overlaps_gemm
//   collectives     t_coll = n_ar * (all-reduce(S) + a) + n_a2a * (all-to-all(B) + a)
//                            (collectives.hpp: hops*latency per algorithm step + bytes/bandwidth;
//                            two-shot on switched fabrics, the ring on neighbour-only ones;
//                            bandwidth scaled by eff_n; a = the calibration's collective latency)
//   fixed           t_fix  = L * t_layer + L_moe * t_moe_layer
//   stage           t_s    = t_cm + t_coll + t_fix
// A step crosses pp stages in turn (a token needs every stage before the next token):
//   step = pp * t_s + sum over the pp-1 stage boundaries of (point-to-point + a) + t_step + n * t_seq
// P is the dense peak at the weights' compute precision (hardware.hpp flops_for) for the GEMMs; the
// attention phase runs at P_attn, the peak at the wider of the weights' and the KV cache's precision
// (FP8 attention kernels exist where the cache is FP8, FP4 ones do not): FP4 weights with an FP8
// cache get FP4 GEMMs and FP8 attention.
// With a fitted calibration (sustained_matmul), P and P_attn are the datasheet peaks times the chip's
// sustained_matmul_fraction: what its tensor units sustain at the power cap and clocks under load
// (measured maximum achievable matmul FLOP/s; H100 SXM 0.80, MI325X 0.60), so eff_c is the
// software's share of what the silicon sustains and one software fit carries across chips whose
// clocks fall differently under load.
// The power cap (same condition, and a descriptor with power.static_W and tier access energies):
// the sustained rate spends the whole work budget B = chip_W - static_W on tensor math, so a phase
// that also moves bytes runs its math at a lower clock, at least
//   F / P + (sum over tiers of bytes * access energy) / B
// (power-capped H100 PCIe and NVL: HBM traffic takes a third to half of what the cap leaves).
// eff_c(T) = eff_c * T / (T + T_half) (calibration.hpp), times fp4_gemm_efficiency for the GEMMs of
// FP4 weights on a chip with a native FP4 rate.
//
// Worked example (ideal, H100 SXM, Llama-3.1-70B bf16, tp=2, batch 1, context 1152):
//   W = 69.50 GB, KV = 0.19 GB per chip at 3.35 TB/s -> 20.80 ms; 160 all-reduces of 16 KiB over
//   NVSwitch one-shot (2 us + 16 KiB / 450 GB/s each) 0.33 ms; step 21.13 ms = 47.3 tok/s per stream.
#pragma once

#include <string>
#include <vector>

#include "costmodel/step_cost.hpp"
#include "scenario/scenario.hpp"

namespace infersim {

// The whole step split into additive parts (they sum to StepTime::total), for saying which term a
// change moved (`infersim compare`). A phase of math time c and memory time m takes
// max(c, m) + (1 - overlap) * min(c, m) (calibration.hpp phase_time): the longer side is charged its
// whole time, the shorter side the part that does not overlap. Memory splits into weights and KV
// (in proportion on the binding tier when one phase streams both), math into GEMMs and attention.
struct StepTerms {
  Seconds weights_read;    // weight streaming not hidden under math
  Seconds kv_read;         // KV-cache streaming not hidden under math
  Seconds gemm_math;       // GEMM FLOP not hidden under memory traffic
  Seconds attention_math;  // attention FLOP not hidden under memory traffic
  Seconds collectives;     // tensor- and expert-parallel collectives, all stages
  Seconds pipeline_sends;  // stage-to-stage sends
  Seconds fixed;           // per-layer, per-MoE-layer, per-step and per-sequence fixed costs
  Seconds sum() const {
    return weights_read + kv_read + gemm_math + attention_math + collectives + pipeline_sends + fixed;
  }
};

struct StepTime {
  Seconds compute;           // one stage: GEMM + attention FLOP at their achieved rates
  Seconds memory;            // one stage: weights + KV bytes at their achieved rates (slowest tier)
  Seconds gemm;              // one stage: the GEMM phase
  Seconds attention;         // one stage: the attention phase (0 when it overlaps the GEMMs)
  Seconds tp_communication;  // one stage
  Seconds ep_communication;  // one stage
  Seconds pp_communication;  // all stage-to-stage sends of the step
  Seconds overhead;          // one stage: per-layer and per-MoE-layer fixed costs
  Seconds step_overhead;     // per step: fixed + per-sequence costs
  Seconds stage;             // one stage: gemm + attention + collectives + overhead
  Seconds total;             // pp stages in turn + sends + step overhead
  std::string bound;         // "memory", "compute", "communication" or "overhead": the largest term
  StepTerms terms;           // total as additive parts
};

StepTime step_time(const Scenario& s, const Plan& plan, const StepCost& cost);

// P_attn above, FLOP/s.
double attention_peak_flops(const Scenario& s);

// The same step as work at datasheet peak, for an engine that runs it on peak-rate resources: each
// phase's FLOP and bytes are divided by the efficiency they are achieved at, so that running them
// at peak takes the calibrated time. Collectives are left to the engine (it applies
// network_efficiency to its links and adds collective_latency per collective).
struct WorkPhase {
  double flop_at_peak = 0;                 // on the chip, at the weights' compute precision's peak
  std::vector<double> tier_bytes_at_peak;  // per memory tier, at the tier's peak bandwidth
};
struct EffectiveWork {
  std::vector<WorkPhase> phases;  // run in turn; inside a phase, compute and every tier concurrently
  Seconds stage_fixed;            // per stage, after the collectives (t_fix)
  Seconds step_fixed;             // per step (t_step + n * t_seq)
  Seconds collective_latency;     // per collective and per stage-to-stage send
};
EffectiveWork effective_work(const Scenario& s, const StepCost& cost);

}  // namespace infersim
