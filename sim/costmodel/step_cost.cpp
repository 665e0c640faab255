#include "costmodel/step_cost.hpp"

#include <algorithm>
#include <cmath>

namespace infersim {

double mean_attended_tokens(double context, double new_tokens) {
  // Token i of the chunk (1-based) attends to context + i tokens.
  return context + (new_tokens + 1.0) / 2.0;
}

void StepShape::add_sequence(double new_tokens_of_seq, double context_of_seq) {
  sequences += 1;
  new_tokens += new_tokens_of_seq;
  context_tokens += context_of_seq;
  attended_tokens += new_tokens_of_seq * mean_attended_tokens(context_of_seq, new_tokens_of_seq);
}

StepShape StepShape::decode(long long requests, double context_tokens_per_request) {
  return prefill(requests, 1.0, context_tokens_per_request);
}

StepShape StepShape::prefill(long long requests, double chunk_tokens, double context_tokens_per_request) {
  StepShape s;
  const double n = static_cast<double>(requests);
  s.sequences = n;
  s.new_tokens = n * chunk_tokens;
  s.context_tokens = n * context_tokens_per_request;
  s.attended_tokens = n * chunk_tokens * mean_attended_tokens(context_tokens_per_request, chunk_tokens);
  return s;
}

double expected_unique_experts(double experts, double top_k, double tokens) {
  if (experts <= 0 || tokens <= 0) return 0.0;
  // 1 - (1 - k/E)^T, computed through log1p so that large T and small k/E stay accurate.
  return experts * -std::expm1(tokens * std::log1p(-top_k / experts));
}

StepCost step_cost(const Scenario& s, const Plan& plan, const StepShape& shape) {
  const Model& m = s.model;
  StepCost c;
  const double tokens = shape.tokens();
  // Attention data parallelism (scenario.hpp Plan): `copies` copies of the attention and dense
  // layers per stage, each on tp chips with 1/copies of the sequences; the routed experts over all
  // stage_chips. Without it copies = 1 and stage_chips = tp.
  const double copies = static_cast<double>(plan.attention_dp());
  const double stage_chips = static_cast<double>(plan.stage_chips());
  const double chips_per_model = stage_chips * static_cast<double>(plan.pp);
  const double stage_fraction = static_cast<double>(plan.layers_per_stage) / static_cast<double>(m.layers);
  const double wbytes = bytes_per_element(s.weights);
  const double abytes = bytes_per_element(s.activations);

  // Weights: what the step streams. Per chip = model share / (tp*pp); the slowest stage has
  // ceil(layers/pp) layers, so scale by stage_fraction * pp rather than dividing evenly. Each
  // attention copy streams its own always-streamed weights; the routed experts are split over the
  // stage's chips.
  double streamed = m.always_streamed_params() / static_cast<double>(plan.tp);
  // Routed experts on this chip: the busiest rank's whole experts (times ep / stage_chips, so that
  // ep = tp x copies gives its whole experts and ep = 1 a 1/tp share of each), or the expectation.
  if (m.moe) {
    c.unique_experts_per_layer =
        shape.moe_routed ? shape.moe_experts_touched
                         : expected_unique_experts(static_cast<double>(m.moe->experts),
                                                   static_cast<double>(m.moe->top_k), tokens);
    const double chip_experts = shape.moe_routed ? shape.moe_rank_experts_max * static_cast<double>(plan.ep)
                                                 : c.unique_experts_per_layer;
    streamed += static_cast<double>(m.moe_layers()) * chip_experts * m.expert_params() / stage_chips;
  }
  c.weight_bytes = Bytes(streamed * wbytes * stage_fraction);

  // KV cache: read what is cached, write what is new (each sequence on one attention copy).
  const double kv_per_token_chip = kv_bytes_per_token_per_chip(s, plan);
  c.kv_read_bytes = Bytes(shape.context_tokens * kv_per_token_chip);
  c.kv_write_bytes = Bytes(tokens * kv_per_token_chip);

  // Compute: 2 FLOP per multiply-accumulate over the active weights (not the input embedding,
  // which is a row lookup), plus attention over the cached and new tokens.
  double matmul = 2.0 * (m.active_params() - m.embedding_params()) * tokens;
  if (m.moe && shape.moe_routed) {
    // Replace the even share of the routed experts' FLOP by the busiest rank's (scaled back to the
    // whole-group convention of this formula, which divides by the stage's chips below).
    const double expert_flop_per_assignment = 2.0 * static_cast<double>(m.moe_layers()) * m.expert_params();
    matmul -= expert_flop_per_assignment * tokens * static_cast<double>(m.moe->top_k);
    matmul += expert_flop_per_assignment * shape.moe_rank_assignments_max * static_cast<double>(plan.ep);
  }
  const double attention = m.attention_flop(shape.attended_tokens);
  c.gemm_flop = Flop(matmul * stage_fraction * plan.pp / chips_per_model);
  c.attention_flop = Flop(attention * stage_fraction * plan.pp / chips_per_model);
  c.flop = c.gemm_flop + c.attention_flop;
  // One attention copy's share: the GEMMs it runs are this many tokens tall, and its host runs
  // this many sequences' bookkeeping.
  c.sequences = shape.sequences / copies;
  c.tokens = tokens / copies;
  c.layers_in_stage = plan.layers_per_stage;

  // Memory tiers: weights and KV in the proportions the plan placed them.
  const double w_total = plan.weights_bytes_per_chip.si();
  const double kv_total = plan.kv_bytes_per_chip.si();
  const size_t tiers = plan.placement.weight_bytes_per_tier.size();
  c.tier_bytes.assign(tiers, Bytes(0));
  c.weight_tier_bytes.assign(tiers, Bytes(0));
  c.kv_tier_bytes.assign(tiers, Bytes(0));
  const double kv_traffic = (c.kv_read_bytes + c.kv_write_bytes).si();
  for (size_t t = 0; t < tiers; ++t) {
    double w_share = w_total > 0 ? plan.placement.weight_bytes_per_tier[t].si() / w_total : (t == 0 ? 1.0 : 0.0);
    double kv_share = kv_total > 0 ? plan.placement.kv_bytes_per_tier[t].si() / kv_total : 0.0;
    c.weight_tier_bytes[t] = Bytes(c.weight_bytes.si() * w_share);
    c.kv_tier_bytes[t] = Bytes(kv_traffic * kv_share);
  }
  // A plan that does not fit may leave traffic unplaced: charge it to the last (slowest) tier.
  double w_placed = 0, kv_placed = 0;
  for (size_t t = 0; t < tiers; ++t) w_placed += c.weight_tier_bytes[t].si(), kv_placed += c.kv_tier_bytes[t].si();
  if (tiers > 0 && c.weight_bytes.si() > w_placed) c.weight_tier_bytes.back() += Bytes(c.weight_bytes.si() - w_placed);
  if (tiers > 0 && kv_traffic > kv_placed) c.kv_tier_bytes.back() += Bytes(kv_traffic - kv_placed);
  for (size_t t = 0; t < tiers; ++t) c.tier_bytes[t] = c.weight_tier_bytes[t] + c.kv_tier_bytes[t];

  // Communication. Tensor-parallel all-reduces carry one attention copy's tokens; the expert
  // all-to-alls (dispatch, combine) send each chip's tokens' top-k activations to the ranks that
  // hold the chosen experts, (ep-1)/ep of them off the chip.
  const double copy_activation_bytes = tokens / copies * static_cast<double>(m.hidden_size) * abytes;
  const long long moe_layers_in_stage =
      m.moe ? static_cast<long long>(std::llround(static_cast<double>(m.moe_layers()) * stage_fraction)) : 0;
  const long long dense_layers_in_stage = plan.layers_per_stage - moe_layers_in_stage;
  c.moe_layers_in_stage = moe_layers_in_stage;
  if (plan.tp > 1) {
    c.tp_allreduce_bytes = Bytes(copy_activation_bytes);
    c.tp_allreduces = plan.ep > 1 ? 2 * dense_layers_in_stage + moe_layers_in_stage : 2 * plan.layers_per_stage;
  }
  if (plan.ep > 1) {
    c.ep_all_to_alls = 2 * moe_layers_in_stage;
    const double ep = static_cast<double>(plan.ep);
    c.ep_all_to_all_bytes_out =
        Bytes(tokens / ep * static_cast<double>(m.moe->top_k) * m.hidden_size * abytes * (ep - 1.0) / ep);
  }
  if (plan.pp > 1) c.pp_send_bytes = Bytes(copy_activation_bytes);  // the copies send side by side
  return c;
}

}  // namespace infersim
