// Contract: MoE routing of one step, drawn token by token, and the load it puts on each
// expert-parallel rank.
//
// Each token picks top_k distinct routed experts. Popularity: uniform; Zipf with exponent s (expert
// of rank r has weight 1/r^s, ranks shuffled once per run so that hot experts are spread over the
// ep ranks as a trained model's would be); or a per-expert popularity file (one weight per expert).
// Weighted picks are drawn without replacement (sequentially, renormalising over the experts not
// yet chosen for that token, which is how a top-k over noisy router logits behaves).
// Experts are placed on ranks contiguously: expert e on rank e / (experts / ranks).
// One draw per step stands for every MoE layer of the step (layers route alike in expectation; the
// per-layer spread is not modelled). Shared experts are not routed: they always run.
//
// route() returns the distinct experts touched, the busiest rank's distinct experts and
// (token, expert) assignments, and the imbalance max/mean of assignments over ranks and over
// experts. These fill StepShape's moe_* fields, so the shared cost model charges the slowest rank.
// Cost: O(tokens * top_k) for uniform, O(tokens * top_k * log experts) weighted. A uniform step
// whose mean load per expert (tokens * k / E) reaches kAggregateMeanLoad draws the experts' loads
// instead of the tokens' picks: each expert's load is exactly Binomial(tokens, k/E), drawn as its
// normal approximation conditioned on the fixed total (O(experts)); at 20 or more per expert every
// expert is touched and the busiest rank's load is what the normal's tail gives (wide-EP DeepSeek
// steps of 16,000 tokens drew 130,000 picks a step before).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "costmodel/step_cost.hpp"
#include "serving/rng.hpp"

namespace infersim {

inline constexpr double kAggregateMeanLoad = 20.0;  // tokens * k / E from which loads are drawn (above)

struct RoutingSkew {
  enum class Kind { uniform, zipf, file };
  Kind kind = Kind::uniform;
  double zipf_s = 1.0;
  std::vector<double> popularity;  // file: one weight per expert
  std::string describe() const;
};

// "uniform", "zipf:1.2", or the path of a popularity file (JSON array of weights, or CSV
// expert,weight). Throws InputError naming `option` on bad input.
RoutingSkew parse_routing_skew(const std::string& option, const std::string& text);

struct RouteResult {
  double experts_touched = 0;
  double rank_experts_max = 0;
  double rank_assignments_max = 0;
  double rank_imbalance = 1;    // max / mean assignments over ranks
  double expert_imbalance = 1;  // max / mean assignments over experts (mean = tokens * k / E)
};

class Router {
 public:
  Router(long long experts, long long top_k, long long ranks, const RoutingSkew& skew, std::uint64_t seed);
  RouteResult route(long long tokens);
  // Fills shape's moe_* fields from a routing of shape.new_tokens tokens (with ep > 1 also every
  // rank's load, for the DES's layer detail).
  RouteResult route_into(StepShape& shape);
  long long experts() const { return experts_; }

 private:
  long long pick_weighted(const std::vector<char>& taken);

  long long experts_, top_k_, ranks_;
  bool uniform_;
  Rng rng_;
  std::vector<double> cumulative_;   // weighted: prefix sums of popularity
  std::vector<long long> perm_;      // uniform: partial Fisher-Yates workspace
  std::vector<long long> expert_load_, rank_load_, rank_touched_;
  std::vector<char> taken_;
};

}  // namespace infersim
