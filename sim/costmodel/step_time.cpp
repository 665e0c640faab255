#include "costmodel/step_time.hpp"

#include <algorithm>
#include <cmath>

#include "costmodel/collectives.hpp"

namespace infersim {

namespace {
// The per-stage compute and memory times, by phase. `split` false: one overlapped phase.
struct PhaseTimes {
  double gemm_compute = 0, attention_compute = 0;
  std::vector<double> weight_tier_s, kv_tier_s;
};

// What the power cap leaves for tensor math and memory traffic, W; 0 when the descriptor does not
// say (no static power or no tier with an access energy), or the calibration runs at the datasheet.
double work_power_W(const Scenario& s) {
  if (!s.calibration.sustained_matmul || !s.hw.static_power_W) return 0.0;
  bool charged = false;
  for (const auto& tier : s.hw.tiers) charged = charged || tier.access_energy_per_byte_J.has_value();
  return charged ? s.hw.chip_power_W.value - s.hw.static_power_W->value : 0.0;
}

PhaseTimes phase_times(const Scenario& s, const StepCost& c) {
  const Calibration& cal = s.calibration;
  // A fitted calibration's compute efficiency is the software's share of the rate the chip sustains
  // at its power cap (hardware.hpp sustained_matmul_fraction); the ideal bound uses the datasheet.
  const double sustained = cal.sustained_matmul ? s.hw.sustained_matmul_fraction.value : 1.0;
  const double peak = s.hw.flops_for(s.weights).value * sustained;
  PhaseTimes p;
  const double tokens = std::max(c.tokens, 1.0);
  const bool native_fp4 = s.weights == Precision::fp4 && s.hw.compute_precision_for(Precision::fp4) == Precision::fp4;
  const double fp4 = native_fp4 ? cal.fp4_gemm_efficiency : 1.0;
  const double attention_peak = attention_peak_flops(s) * sustained;
  p.gemm_compute = c.gemm_flop.si() / (peak * cal.gemm_efficiency(tokens) * fp4);
  p.attention_compute = c.attention_flop.si() / (attention_peak * cal.compute_efficiency);
  const size_t tiers = std::min(c.weight_tier_bytes.size(), s.hw.tiers.size());
  p.weight_tier_s.assign(tiers, 0.0);
  p.kv_tier_s.assign(tiers, 0.0);
  double weight_energy_J = 0, kv_energy_J = 0;
  for (size_t i = 0; i < tiers; ++i) {
    const double bw = s.hw.tiers[i].bandwidth_Bps.value;
    p.weight_tier_s[i] = c.weight_tier_bytes[i].si() / (bw * cal.weight_bandwidth_efficiency);
    p.kv_tier_s[i] = c.kv_tier_bytes[i].si() / (bw * cal.kv_bandwidth_efficiency);
    if (const auto& e = s.hw.tiers[i].access_energy_per_byte_J) {
      weight_energy_J += c.weight_tier_bytes[i].si() * e->value;
      kv_energy_J += c.kv_tier_bytes[i].si() * e->value;
    }
  }
  // The power cap. The sustained rate is what the tensor units reach with the whole work budget
  // (cap - static) to themselves; bytes moved in the same phase spend part of it, so the clock falls
  // until the phase's energy fits: its math takes at least (FLOP at the sustained rate) + (memory
  // energy / work budget). Stalls cost no dynamic power, so the software efficiency is not charged.
  if (const double budget_W = work_power_W(s); budget_W > 0) {
    p.gemm_compute = std::max(p.gemm_compute, c.gemm_flop.si() / peak + weight_energy_J / budget_W);
    p.attention_compute = std::max(p.attention_compute, c.attention_flop.si() / attention_peak + kv_energy_J / budget_W);
  }
  return p;
}

}  // namespace

double attention_peak_flops(const Scenario& s) {
  // Q.K and P.V multiply activations by the cached K and V: they run at the wider of the weights'
  // and the KV cache's precision (no serving stack runs attention in FP4; FP8 attention kernels
  // exist where the cache is FP8).
  const Precision p = static_cast<int>(s.weights) < static_cast<int>(s.kv) ? s.weights : s.kv;
  return std::min(s.hw.flops_for(s.weights).value, s.hw.flops_for(p).value);
}

namespace {
double max_of(const std::vector<double>& v) { return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end()); }

// The step's phases, each a math time and its memory streaming per tier: one overlapped phase
// (GEMMs and attention, weights and KV together) or the GEMM phase then the attention phase. The
// one place both engines take them from: step_time() times each with Calibration::phase_time, the
// DES runs each as parallel activities plus what phase_time does not overlap.
struct Phase {
  double math_s;
  std::vector<double> memory_tier_s;
};
std::vector<Phase> phases_of(const Calibration& cal, const PhaseTimes& p) {
  if (!cal.attention_overlaps_gemm) return {{p.gemm_compute, p.weight_tier_s}, {p.attention_compute, p.kv_tier_s}};
  std::vector<double> sum(p.weight_tier_s.size());
  for (size_t i = 0; i < sum.size(); ++i) sum[i] = p.weight_tier_s[i] + p.kv_tier_s[i];
  return {{p.gemm_compute + p.attention_compute, sum}};
}

// One stage's phases as additive parts (StepTerms): in each phase the longer of math and memory is
// charged whole, the shorter the part phase_time does not overlap; a phase's memory part is split
// between weights and KV as they share its binding tier, its math part as the GEMMs and attention
// share it.
struct StagePhaseTerms {
  double weights_s = 0, kv_s = 0, gemm_s = 0, attention_s = 0;
};
StagePhaseTerms phase_terms(const Calibration& cal, const PhaseTimes& p, const std::vector<Phase>& phases) {
  StagePhaseTerms out;
  for (size_t k = 0; k < phases.size(); ++k) {
    const Phase& ph = phases[k];
    const auto binding = std::max_element(ph.memory_tier_s.begin(), ph.memory_tier_s.end());
    const double memory_s = binding == ph.memory_tier_s.end() ? 0.0 : *binding;
    const double unhidden = 1.0 - cal.memory_compute_overlap;
    const double math_part = ph.math_s >= memory_s ? ph.math_s : unhidden * ph.math_s;
    const double memory_part = ph.math_s >= memory_s ? unhidden * memory_s : memory_s;
    // Which of weights and KV this phase streams, and in what shares on its binding tier.
    double weights_share = k == 0 ? 1.0 : 0.0;
    double gemm_share = k == 0 ? 1.0 : 0.0;
    if (phases.size() == 1) {
      const size_t i = binding == ph.memory_tier_s.end() ? 0 : static_cast<size_t>(binding - ph.memory_tier_s.begin());
      const double w = i < p.weight_tier_s.size() ? p.weight_tier_s[i] : 0.0;
      const double kv = i < p.kv_tier_s.size() ? p.kv_tier_s[i] : 0.0;
      weights_share = w + kv > 0 ? w / (w + kv) : 1.0;
      gemm_share = ph.math_s > 0 ? p.gemm_compute / ph.math_s : 1.0;
    }
    out.weights_s += memory_part * weights_share;
    out.kv_s += memory_part * (1.0 - weights_share);
    out.gemm_s += math_part * gemm_share;
    out.attention_s += math_part * (1.0 - gemm_share);
  }
  return out;
}
}  // namespace

StepTime step_time(const Scenario& s, const Plan& plan, const StepCost& cost) {
  const Hardware& hw = s.hw;
  const Calibration& cal = s.calibration;
  const PhaseTimes p = phase_times(s, cost);
  StepTime t;
  t.compute = Seconds(p.gemm_compute + p.attention_compute);
  std::vector<double> all(p.weight_tier_s.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = p.weight_tier_s[i] + p.kv_tier_s[i];
  t.memory = Seconds(max_of(all));
  // Each phase: its math and its memory streaming overlapped as far as the calibration says
  // (calibration.hpp memory_compute_overlap; 1: the roofline's max). One overlapped phase is all
  // in `gemm`.
  const std::vector<Phase> phases = phases_of(cal, p);
  t.gemm = Seconds(cal.phase_time(phases[0].math_s, max_of(phases[0].memory_tier_s)));
  if (phases.size() > 1) t.attention = Seconds(cal.phase_time(phases[1].math_s, max_of(phases[1].memory_tier_s)));
  const StagePhaseTerms stage_terms = phase_terms(cal, p, phases);
  const NetworkLevel tp_net = effective_network(s, plan.tp_over_scale_out);
  const NetworkLevel pp_net = effective_network(s, plan.pp_over_scale_out);
  const Seconds a = cal.collective_latency;
  if (cost.tp_allreduces > 0)
    t.tp_communication = (allreduce_time(plan.tp, cost.tp_allreduce_bytes, tp_net) + a) *
                         static_cast<double>(cost.tp_allreduces);
  if (cost.ep_all_to_alls > 0)
    t.ep_communication = (all_to_all_time(plan.ep, cost.ep_all_to_all_bytes_out, tp_net) + a) *
                         static_cast<double>(cost.ep_all_to_alls);
  if (plan.pp > 1) {
    // Each stage sends from its first chip to the next stage's first chip; a send stays on the
    // scale-up network when both chips share a domain, and crosses the scale-out network otherwise.
    // Inside a dragonfly the route depends on where the two chips sit (stage_send_time).
    const NetworkLevel up_net = effective_network(s, false);
    const long long domain = chips_per_scale_up_domain(hw, plan.chips);
    for (long long k = 1; k < plan.pp; ++k) {
      const long long width = plan.stage_chips();
      const long long from = (k - 1) * width, to = k * width;
      const bool crosses = width > domain || from / domain != to / domain;
      if (crosses) {
        t.pp_communication += point_to_point_time(cost.pp_send_bytes, pp_net) + a;
      } else {
        const long long first = (from / domain) * domain;
        t.pp_communication += stage_send_time(cost.pp_send_bytes, up_net, std::min(domain, plan.chips - first), width,
                                              from - first, to - first) + a;
      }
    }
  }
  t.overhead = cal.layer_overhead * static_cast<double>(cost.layers_in_stage) +
               cal.moe_layer_overhead * static_cast<double>(cost.moe_layers_in_stage);
  t.step_overhead = cal.step_overhead + cal.sequence_overhead * cost.sequences;
  t.stage = t.gemm + t.attention + t.tp_communication + t.ep_communication + t.overhead;
  t.total = t.stage * static_cast<double>(plan.pp) + t.pp_communication + t.step_overhead;
  const double pp = static_cast<double>(plan.pp);
  t.terms.weights_read = Seconds(stage_terms.weights_s * pp);
  t.terms.kv_read = Seconds(stage_terms.kv_s * pp);
  t.terms.gemm_math = Seconds(stage_terms.gemm_s * pp);
  t.terms.attention_math = Seconds(stage_terms.attention_s * pp);
  t.terms.collectives = (t.tp_communication + t.ep_communication) * pp;
  t.terms.pipeline_sends = t.pp_communication;
  t.terms.fixed = t.overhead * pp + t.step_overhead;
  const double comm = (t.tp_communication + t.ep_communication).si() * pp + t.pp_communication.si();
  const double compute_all = t.compute.si() * pp, memory_all = t.memory.si() * pp;
  const double fixed_all = t.overhead.si() * pp + t.step_overhead.si();
  const double largest = std::max({comm, compute_all, memory_all, fixed_all});
  if (largest == compute_all) t.bound = compute_all >= memory_all ? "compute" : "memory";
  else if (largest == memory_all) t.bound = "memory";
  else if (largest == comm) t.bound = "communication";
  else t.bound = "overhead";
  return t;
}

EffectiveWork effective_work(const Scenario& s, const StepCost& cost) {
  const Calibration& cal = s.calibration;
  const PhaseTimes p = phase_times(s, cost);
  const double peak = s.hw.flops_for(s.weights).value;
  const size_t tiers = p.weight_tier_s.size();
  // Back to work at peak: time * peak rate.
  auto bytes = [&](const std::vector<double>& secs) {
    std::vector<double> out(tiers);
    for (size_t i = 0; i < tiers; ++i) out[i] = secs[i] * s.hw.tiers[i].bandwidth_Bps.value;
    return out;
  };
  EffectiveWork w;
  w.stage_fixed = cal.layer_overhead * static_cast<double>(cost.layers_in_stage) +
                  cal.moe_layer_overhead * static_cast<double>(cost.moe_layers_in_stage);
  for (const Phase& ph : phases_of(cal, p)) {
    w.phases.push_back({ph.math_s * peak, bytes(ph.memory_tier_s)});
    // The DES runs a phase's math and memory side by side (their max); what the calibration does
    // not overlap is a fixed delay, the time step_time() adds.
    const double memory_s = max_of(ph.memory_tier_s);
    w.stage_fixed += Seconds(cal.phase_time(ph.math_s, memory_s) - std::max(ph.math_s, memory_s));
  }
  w.step_fixed = cal.step_overhead + cal.sequence_overhead * cost.sequences;
  w.collective_latency = cal.collective_latency;
  return w;
}

}  // namespace infersim
