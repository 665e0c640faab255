// Contract: the work of one step on one chip, shared by both engines.
//
// A step is one decode iteration of a batch (each request adds one token) or one prefill chunk
// (each request adds `new_tokens`). step_cost() returns, for one chip of one pipeline stage (the
// slowest stage, with ceil(layers/pp) layers), the FLOP it computes, the bytes it reads from each
// memory tier (weights, KV cache), and the bytes its collectives move. It knows nothing of time:
// the closed form turns these into a roofline (analytic/), the DES into SimGrid activities (des/).
//
// The physics, per step, per chip (S = tp * a chips per stage, a = attention_dp() copies of the
// attention and dense layers, 1 unless ep > tp; pp stages):
//   weights read  = [always-streamed params / tp + MoE layers * U(T) * expert params / S] * bytes / pp
//                   where T is the tokens in the step and U(T) = E * (1 - (1 - k/E)^T) the expected
//                   number of distinct routed experts a batch touches (not top-k: a batch of 64
//                   tokens on Mixtral's 8 experts, top-2, touches 7.9996 of 8, not 2). Each copy
//                   reads its own attention weights; all copies share one read of the experts.
//   KV read       = cached tokens (all sequences) * KV elements/token * KV bytes / pp / kv_shards(tp) / a
//   KV written    = new tokens * KV elements/token * KV bytes / pp / kv_shards(tp) / a
//   FLOP          = [2 * (active params - embedding) * T + attention FLOP(attended tokens)] / (S*pp)
//   tensor-parallel all-reduces: 2 per dense layer, T/a * hidden * 2 bytes each (bf16 activations);
//   with expert parallelism a MoE layer has 1 all-reduce (tp > 1) and 2 all-to-alls (dispatch,
//   combine) of T/ep * top_k * hidden * 2 * (ep-1)/ep bytes out of each chip;
//   pipeline send between stages: T/a * hidden * 2 bytes (the copies send side by side).
// GEMM sizes and per-sequence costs are one copy's: T/a tokens, sequences/a.
// Weights and KV bytes are split over the memory tiers in the proportions the Plan placed them.
#pragma once

#include <vector>

#include "scenario/scenario.hpp"
#include "units/units.hpp"

namespace infersim {

// What one step processes, as aggregates over its sequences (so a continuous-batching step of
// hundreds of sequences costs O(1) to describe). Build it with add_sequence() or the helpers.
struct StepShape {
  double sequences = 0;           // sequences (requests) in the step
  double new_tokens = 0;          // tokens appended to the KV cache this step, all sequences
  double context_tokens = 0;      // tokens already cached, summed over sequences (KV read)
  double attended_tokens = 0;     // sum over new tokens of the tokens each attends to (attention FLOP)

  // MoE only, optional: a routing drawn for this step (serving/router.hpp). When moe_routed is
  // set, step_cost uses these instead of the uniform expectation, and costs the chip of the
  // busiest expert-parallel rank (the step waits for the slowest rank at each all-to-all):
  //   weights: moe_rank_experts_max whole experts per MoE layer on that rank (ep = tp x a), or
  //            moe_experts_touched / tp of every expert (ep = 1, experts split tensor-parallel);
  //   FLOP:    2 * expert params * moe_rank_assignments_max per MoE layer (times ep / stage chips).
  // The two maxima may come from different ranks: the cost is then an upper bound, exact when one
  // roofline term dominates (decode: weights; long prefill: FLOP). Shared experts always run and
  // stay in always_streamed_params.
  bool moe_routed = false;
  double moe_experts_touched = 0;       // distinct routed experts touched, per MoE layer
  double moe_rank_experts_max = 0;      // distinct routed experts touched on the busiest rank
  double moe_rank_assignments_max = 0;  // (token, expert) assignments on the busiest rank
  // Per expert-parallel rank (empty unless routed with ep > 1): the same two loads for every rank,
  // for an engine that gives each rank its own work (the DES's layer detail); step_cost() itself
  // costs the busiest rank and ignores them.
  std::vector<double> moe_rank_assignments, moe_rank_experts;

  void add_sequence(double new_tokens_of_seq, double context_of_seq);
  static StepShape decode(long long requests, double context_tokens_per_request);
  static StepShape prefill(long long requests, double chunk_tokens, double context_tokens_per_request);
  double tokens() const { return new_tokens; }
};

// Mean KV length attended when `new_tokens` are appended causally after `context` cached tokens.
double mean_attended_tokens(double context, double new_tokens);

// Expected distinct experts touched when `tokens` tokens each pick top_k of `experts` uniformly.
double expected_unique_experts(double experts, double top_k, double tokens);

struct StepCost {
  // The step's shape, as the step-time model needs it (fixed costs per sequence, GEMM sizes).
  double sequences = 0;              // per attention copy (the step's, when there is one copy)
  double tokens = 0;                 // per attention copy: the height of its GEMMs
  long long layers_in_stage = 0;
  long long moe_layers_in_stage = 0;
  Flop flop;                         // gemm_flop + attention_flop
  Flop gemm_flop;                    // weight matmuls (the GEMMs)
  Flop attention_flop;               // score and value products over the attended tokens
  Bytes weight_bytes;                // read per chip
  Bytes kv_read_bytes;               // read per chip
  Bytes kv_write_bytes;              // written per chip
  std::vector<Bytes> tier_bytes;     // all of the above, per memory tier
  std::vector<Bytes> weight_tier_bytes;  // the weights' share of tier_bytes
  std::vector<Bytes> kv_tier_bytes;      // the KV cache's share of tier_bytes
  double unique_experts_per_layer = 0;  // 0 for dense models
  long long tp_allreduces = 0;       // per stage per step
  Bytes tp_allreduce_bytes;          // payload of each
  long long ep_all_to_alls = 0;
  Bytes ep_all_to_all_bytes_out;     // per chip, each
  Bytes pp_send_bytes;               // between consecutive stages
};

StepCost step_cost(const Scenario& s, const Plan& plan, const StepShape& shape);

}  // namespace infersim
