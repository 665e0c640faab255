// Contract: a Scenario is everything one run needs, resolved and validated, in SI units; a Plan is
// how the model is laid out on the chips.
//
// Scenario = hardware + model + precisions + request shape + economics. ScenarioOptions is what
// the command line (or a report suite, or a sweep point) fills in; resolve_scenario() loads the
// descriptors and checks the values, throwing InputError with the option's name.
//
// Plan: chips = stage_chips * pp (data-parallel replicas are counted separately by the serving
// layer). Each pipeline stage holds layers/pp layers; inside a stage, attention and dense MLPs are
// split tensor-parallel over tp chips; MoE experts are split expert-parallel over ep chips. ep is
// 1 (experts split tensor-parallel), tp (whole experts per chip of the tensor-parallel group), or a
// multiple of tp: attention data parallelism, the deployment serving stacks use for wide-expert
// MoE models at high load (DeepSeek-R1 on TensorRT-LLM's enable_attention_dp, vLLM's
// --data-parallel-size with --enable-expert-parallel): ep/tp copies of the attention and dense
// layers, each tensor-parallel over tp chips and serving its share of the replica's sequences,
// share one set of routed experts spread over all ep chips, with all-to-alls between them.
// Weights fill the memory tiers fastest first, then the KV cache takes what is left.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "costmodel/calibration.hpp"
#include "descriptors/hardware.hpp"
#include "descriptors/model.hpp"
#include "units/units.hpp"

namespace infersim {

// Upper bounds that keep absurd inputs from turning into hangs or overflows (documented in --help;
// the measurements reader holds its rows to the same ones).
constexpr long long kMaxBatch = 1'000'000;
constexpr long long kMaxTokens = 100'000'000;
constexpr long long kMaxChips = 1'000'000;

struct Economics {
  double lifetime_years = 3.0;  // the seed paper's amortisation period
  double utilization = 0.7;     // share of wall time the deployment serves at the modelled rate
  double usd_per_kWh = 0.10;
  double pue = 1.0;             // datacenter overhead on top of system power (1.0: not counted)
  double stream_tok_s = 5.0;    // tokens/s one interactive stream consumes (agent density's r)
};

struct ScenarioOptions {
  std::string hw = "h100-sxm";
  std::string model = "llama-3.1-70b";
  std::string weights = "bf16";
  std::string kv = "bf16";
  long long batch = 1;
  long long prompt_tokens = 1024;
  long long output_tokens = 256;
  std::optional<long long> chips, tp, pp, ep;
  long long dp = 1;
  Economics economics;
  Calibration calibration;
};

struct Scenario {
  Hardware hw;
  Model model;
  Precision weights = Precision::bf16;
  Precision kv = Precision::bf16;
  Precision activations = Precision::bf16;  // activations and collectives travel in bf16
  long long batch = 1;
  long long prompt_tokens = 1024;
  long long output_tokens = 256;
  std::optional<long long> chips, tp, pp, ep;
  // Data-parallel replicas of the plan: the deployment has dp * tp * pp chips. The closed form
  // multiplies the replica's throughput, power and cost; the serving layer routes requests to the
  // least-loaded replica; the DES simulates one replica (dp must be 1 there).
  long long dp = 1;
  Economics economics;
  Calibration calibration;

  // Mean context a decode step attends to over a request's generation: prompt + output/2.
  double mean_decode_context_tokens() const { return prompt_tokens + output_tokens / 2.0; }
  double max_context_tokens() const { return static_cast<double>(prompt_tokens + output_tokens); }
};

Scenario resolve_scenario(const ScenarioOptions& options);

struct Placement {
  std::vector<Bytes> weight_bytes_per_tier;  // per chip
  std::vector<Bytes> kv_bytes_per_tier;      // per chip, at the scenario's batch and full context
};

struct Plan {
  long long chips = 1, tp = 1, pp = 1, ep = 1;
  // Copies of the attention and dense layers per stage (1 unless ep > tp), and chips per stage.
  long long attention_dp() const { return ep > tp ? ep / tp : 1; }
  long long stage_chips() const { return tp * attention_dp(); }
  long long layers_per_stage = 1;  // ceil(layers / pp): the slowest stage sets the pace
  bool fits = false;
  Bytes weights_bytes_per_chip;
  Bytes kv_bytes_per_chip;        // at the scenario's batch and max context
  Bytes usable_bytes_per_chip;
  Bytes missing_bytes_per_chip;   // > 0 when it does not fit
  Placement placement;
  std::string explanation;        // how the plan was chosen, or why it does not fit
  // Whether each traffic class leaves the scale-up domain (then it crosses the scale-out network).
  bool tp_over_scale_out = false;
  bool pp_over_scale_out = false;
};

// The network level a traffic class crosses: scale-out when asked and the chip has one.
const NetworkLevel& network_for(const Hardware& hw, bool over_scale_out);
// The same level with the calibration's network efficiency applied to its bandwidth.
NetworkLevel effective_network(const Scenario& s, bool over_scale_out);
// Chips per scale-up domain in a deployment of `chips`: the descriptor's domain (at most `chips`),
// or all of them when the chip has no scale-out level. The DES builds its domains this way and the
// closed form routes stage-to-stage sends by it.
long long chips_per_scale_up_domain(const Hardware& hw, long long chips);

// KV cache shards: GQA heads split over tp up to the number of KV heads (beyond that they are
// replicated); MLA's latent is replicated on every tensor-parallel chip.
long long kv_shards(const Model& m, long long tp);
// KV-cache bytes one token of the replica costs a chip, on average: its stage's layers, its
// tensor-parallel shard, and 1/attention_dp (a sequence lives on one of the data-parallel copies).
// The one formula behind the plan's KV bytes, the planner's batch and the serving KV pool.
double kv_bytes_per_token_per_chip(const Scenario& s, const Plan& plan);
// Chips of one replica of these degrees (plan.chips before a Plan exists).
long long replica_chips(long long tp, long long pp, long long ep);

// The plan for the scenario's explicit --chips/--tp/--pp/--ep, or the fewest chips that hold the
// weights and the KV cache. Never throws for "does not fit": the Plan says so.
Plan make_plan(const Scenario& s);
// The plan with exactly these degrees (used by make_plan and by sweeps); fits may be false.
Plan plan_with(const Scenario& s, long long tp, long long pp, long long ep);

}  // namespace infersim
