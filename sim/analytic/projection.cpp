#include "analytic/projection.hpp"

#include <algorithm>
#include <cmath>

#include "costmodel/collectives.hpp"

namespace infersim {

void derive_economics(const Scenario& s, Projection& p) {
  const Hardware& hw = s.hw;
  const double chips = static_cast<double>(p.plan.chips * s.dp);
  p.decode_tok_s_per_chip = p.decode_tok_s_deployment / chips;
  p.deployment_power_W = chips * hw.system_power_W_per_chip.value;
  p.deployment_cost_usd = chips * hw.system_cost_usd_per_chip.value;
  // Energy per token = deployment power * (time per token of the deployment).
  p.energy_J_per_token = p.deployment_power_W / p.decode_tok_s_deployment;
  const Economics& e = s.economics;
  const double served_s = e.lifetime_years * kSecondsPerYear * e.utilization;
  p.usd_per_mtok_capex = p.deployment_cost_usd / (served_s * p.decode_tok_s_deployment) * 1e6;
  p.usd_per_mtok_all_in =
      p.usd_per_mtok_capex + p.energy_J_per_token * 1e6 * e.pue * e.usd_per_kWh / kJoulesPerKilowattHour;
  p.agent_density_per_musd = (1e6 / p.deployment_cost_usd) * (p.decode_tok_s_deployment / e.stream_tok_s) * e.utilization;
  p.meets_stream_rate = p.decode_tok_s_per_stream >= e.stream_tok_s;
}

Projection project(const Scenario& s, const Plan& plan) {
  const Hardware& hw = s.hw;
  const Model& m = s.model;
  Projection p;
  p.plan = plan;
  p.weights_bytes = m.total_params() * bytes_per_element(s.weights);
  p.kv_bytes_per_token = m.kv_elements_per_token() * bytes_per_element(s.kv);
  p.context_tokens = s.mean_decode_context_tokens();

  StepShape decode = StepShape::decode(s.batch, p.context_tokens);
  p.decode_cost = step_cost(s, plan, decode);
  p.decode = step_time(s, plan, p.decode_cost);
  StepShape prefill = StepShape::prefill(1, static_cast<double>(s.prompt_tokens), 0.0);
  p.prefill = step_time(s, plan, step_cost(s, plan, prefill));

  const double step = p.decode.total.si();
  p.decode_tok_s_per_stream = 1.0 / step;
  p.decode_tok_s_deployment = static_cast<double>(s.batch * s.dp) / step;  // dp replicas, each a batch
  p.ttft_s = p.prefill.total.si();
  derive_economics(s, p);

  if (m.moe) {
    p.moe_unique_experts_per_layer = p.decode_cost.unique_experts_per_layer;
    // The naive estimate: each step reads only top-k experts, as if every token chose the same ones.
    const double topk_streamed =
        m.always_streamed_params() + static_cast<double>(m.moe_layers()) * m.moe->top_k * m.expert_params();
    p.moe_topk_weight_bytes_per_step = topk_streamed * bytes_per_element(s.weights);
    StepCost naive = p.decode_cost;
    const double ratio = topk_streamed / (m.always_streamed_params() + static_cast<double>(m.moe_layers()) *
                                                                         p.moe_unique_experts_per_layer *
                                                                         m.expert_params());
    naive.weight_bytes = naive.weight_bytes * ratio;
    for (size_t i = 0; i < naive.tier_bytes.size(); ++i) {
      double w_share = plan.weights_bytes_per_chip.si() > 0
                           ? plan.placement.weight_bytes_per_tier[i].si() / plan.weights_bytes_per_chip.si()
                           : 0.0;
      naive.tier_bytes[i] -= p.decode_cost.weight_bytes * w_share;
      naive.tier_bytes[i] += naive.weight_bytes * w_share;
      naive.weight_tier_bytes[i] = naive.weight_bytes * w_share;
    }
    p.moe_topk_decode_tok_s_per_stream = 1.0 / step_time(s, plan, naive).total.si();
  }

  // Provenance of each figure: the weakest input it rests on.
  TagSet arch;
  arch.add(m.architecture_provenance.tag);
  TagSet memory = arch;
  for (const auto& tier : hw.tiers) {
    memory.add(tier.capacity_bytes);
  }
  memory.add(hw.usable_memory_fraction);
  TagSet time = arch;
  time.add(hw.flops_for(s.weights));
  if (s.calibration.sustained_matmul) time.add(hw.sustained_matmul_fraction);
  for (const auto& tier : hw.tiers) time.add(tier.bandwidth_Bps);
  if (plan.chips > 1) {
    const NetworkLevel& net = network_for(hw, plan.tp_over_scale_out || plan.pp_over_scale_out);
    time.add(net.bandwidth_Bps);
    time.add(net.latency_s);
  }
  TagSet energy = time;
  energy.add(hw.system_power_W_per_chip);
  TagSet capex = time;
  capex.add(hw.system_cost_usd_per_chip);
  TagSet all_in = capex;
  all_in.merge(energy);
  p.tags["weights_bytes"] = arch;
  p.tags["fits"] = memory;
  p.tags["decode"] = time;
  p.tags["ttft_s"] = time;
  p.tags["energy_J_per_token"] = energy;
  p.tags["usd_per_mtok_capex"] = capex;
  p.tags["usd_per_mtok_all_in"] = all_in;
  p.tags["agent_density_per_musd"] = capex;
  if (hw.vendor_claims_only) {
    for (auto& kv : p.tags) kv.second.add(Tag::vendor_claim);
  }
  return p;
}

namespace {
nlohmann::json step_json(const StepTime& t) {
  return {{"total_s", t.total.si()},
          {"stage_s", t.stage.si()},
          {"compute_s", t.compute.si()},
          {"memory_s", t.memory.si()},
          {"tp_communication_s", t.tp_communication.si()},
          {"ep_communication_s", t.ep_communication.si()},
          {"pp_communication_s", t.pp_communication.si()},
          {"overhead_s", t.overhead.si()},
          {"bound", t.bound},
          // The whole step as additive parts (step_time.hpp StepTerms; they sum to total_s).
          {"terms", {{"weights_read_s", t.terms.weights_read.si()},
                     {"kv_read_s", t.terms.kv_read.si()},
                     {"gemm_math_s", t.terms.gemm_math.si()},
                     {"attention_math_s", t.terms.attention_math.si()},
                     {"collectives_s", t.terms.collectives.si()},
                     {"pipeline_sends_s", t.terms.pipeline_sends.si()},
                     {"fixed_s", t.terms.fixed.si()}}}};
}

nlohmann::json tags_json(const TagSet& t) {
  return {{"weakest", to_string(t.weakest())}, {"all", t.names()}, {"rests_on_vendor_claim", t.rests_on_vendor_claim()}};
}
}  // namespace

nlohmann::json to_json(const Scenario& s, const Projection& p) {
  using nlohmann::json;
  const Plan& plan = p.plan;
  json j;
  j["engine"] = "closed-form";
  j["hardware"] = s.hw.id;
  j["model"] = s.model.id;
  j["weights_precision"] = to_string(s.weights);
  j["kv_precision"] = to_string(s.kv);
  j["compute_precision"] = to_string(s.hw.compute_precision_for(s.weights));
  j["batch"] = s.batch;
  j["prompt_tokens"] = s.prompt_tokens;
  j["output_tokens"] = s.output_tokens;
  j["fits"] = plan.fits;
  j["chips"] = plan.chips * s.dp;  // the whole deployment
  j["chips_per_replica"] = plan.chips;
  j["dp"] = s.dp;
  j["tp"] = plan.tp;
  j["pp"] = plan.pp;
  j["ep"] = plan.ep;
  j["plan"] = plan.explanation;
  j["weights_bytes"] = p.weights_bytes;
  j["weights_bytes_per_chip"] = plan.weights_bytes_per_chip.si();
  j["kv_bytes_per_token"] = p.kv_bytes_per_token;
  j["kv_bytes_per_chip"] = plan.kv_bytes_per_chip.si();
  j["usable_bytes_per_chip"] = plan.usable_bytes_per_chip.si();
  j["missing_bytes_per_chip"] = plan.missing_bytes_per_chip.si();
  j["total_params"] = s.model.total_params();
  j["active_params"] = s.model.active_params();
  j["decode_context_tokens"] = p.context_tokens;
  if (plan.fits) {
    j["decode_step"] = step_json(p.decode);
    j["decode_flop_per_chip"] = p.decode_cost.flop.si();
    j["decode_weight_bytes_per_chip"] = p.decode_cost.weight_bytes.si();
    j["decode_kv_read_bytes_per_chip"] = p.decode_cost.kv_read_bytes.si();
    j["prefill_step"] = step_json(p.prefill);
    j["decode_tok_s_per_stream"] = p.decode_tok_s_per_stream;
    j["decode_tok_s_deployment"] = p.decode_tok_s_deployment;
    j["decode_tok_s_per_chip"] = p.decode_tok_s_per_chip;
    j["ttft_s"] = p.ttft_s;
    j["energy_J_per_token"] = p.energy_J_per_token;
    j["usd_per_mtok"] = p.usd_per_mtok_capex;
    j["usd_per_mtok_all_in"] = p.usd_per_mtok_all_in;
    j["agent_density_per_musd"] = p.agent_density_per_musd;
    j["meets_stream_rate"] = p.meets_stream_rate;
    j["deployment_cost_usd"] = p.deployment_cost_usd;
    j["deployment_power_W"] = p.deployment_power_W;
    if (s.model.moe) {
      j["moe"] = {{"experts", s.model.moe->experts},
                  {"top_k", s.model.moe->top_k},
                  {"unique_experts_per_layer", p.moe_unique_experts_per_layer},
                  {"topk_weight_bytes_per_step", p.moe_topk_weight_bytes_per_step},
                  {"topk_decode_tok_s_per_stream", p.moe_topk_decode_tok_s_per_stream}};
    }
  }
  j["calibration"] = s.calibration.name;
  j["economics"] = {{"lifetime_years", s.economics.lifetime_years},
                    {"utilization", s.economics.utilization},
                    {"usd_per_kWh", s.economics.usd_per_kWh},
                    {"pue", s.economics.pue},
                    {"stream_tok_s", s.economics.stream_tok_s}};
  json tags = json::object();
  for (const auto& kv : p.tags) tags[kv.first] = tags_json(kv.second);
  j["tags"] = tags;
  j["vendor_claims_only"] = s.hw.vendor_claims_only;
  return j;
}

}  // namespace infersim
