// Contract: `infersim compare`. Two or more scenarios on the closed form, side by side, each with
// its ratios to the first (the baseline), and each difference attributed to the terms of the step.
//
// A variant is the baseline with some options changed ("hw=b200,weights=fp4"): the scenario options'
// own names (change_keys()), plus what-ifs on the hardware that no descriptor states
// (memory-bandwidth-scale, flops-scale, interconnect-bandwidth-scale: every tier's bandwidth, every
// precision's peak, or both network levels' bandwidth multiplied; the scaled numbers are tagged
// assumptions).
//
// Equal chips by default: a comparison at different chip counts compares deployments, not the change
// (FP8 405B takes twice the chips of FP4, which halves its per-chip rate on top of the precision).
// Scenarios that do not set chips, tp or pp get N chips per replica, N the fewest that hold the
// largest of them; the result says so. CompareOptions::equal_chips false lets each take its own.
//
// Attribution of decode tok/s per chip, baseline b to variant v (per chip = batch / (step * chips)):
//   ratio = (batch_v / batch_b) * (chips_b / chips_v) * (step_b / step_v)
// and the step's ratio is shared among its additive terms (costmodel/step_time.hpp StepTerms) in
// proportion to how much each moved:
//   factor_i = (step_b / step_v) ^ ((t_i,v - t_i,b) / (step_v - step_b))
// so the factors multiply to the ratio exactly; a term that grew has a factor below 1.
// Worked example (tests/unit/test_compare.cpp): Llama-3.1-70B bf16 batch 1 on 2 H100 SXM with twice
// the memory bandwidth: the weights' read time halves, the step goes from 21.13 ms to 10.73 ms, and
// "weights read" carries a factor 1.966 of the 1.970 (KV read the rest, collectives none).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analytic/projection.hpp"
#include "scenario/scenario.hpp"

namespace infersim {

struct ScenarioChange {
  std::string key, value;
};
struct VariantSpec {
  std::string label;  // "" : the changes themselves
  std::vector<ScenarioChange> changes;
};

// The keys a variant may set, in the order --help lists them.
const std::vector<std::string>& change_keys();
// "key=value,key=value[,label=NAME]"; throws InputError("--vs", text, ...) naming the accepted keys.
VariantSpec parse_variant(const std::string& text);

struct HardwareScales {
  double memory_bandwidth = 1, flops = 1, interconnect_bandwidth = 1;
};

struct ComparedScenario {
  std::string label;
  std::string changes;  // "baseline", or the changes as given
  ScenarioOptions options;
  HardwareScales scales;
  Scenario scenario;
  Projection projection;
  long long own_chips = 0;  // what its own plan (fewest chips) takes per replica; 0 when it does not fit
  std::string deployment_note;  // how its chips were chosen
};

struct Factor {
  std::string term;  // "batch", "chips per replica", or a StepTerms part
  double ratio = 1;  // multiplies the baseline's tok/s per chip
  double baseline_s = 0, variant_s = 0;  // for step terms: the term's time in each (whole step)
};
struct Attribution {
  bool available = false;  // false when either side does not fit
  double tok_s_per_chip_ratio = 0;
  std::vector<Factor> factors;  // multiply to tok_s_per_chip_ratio
};

struct CompareOptions {
  bool equal_chips = true;
  std::string baseline_label = "baseline";
};

struct Comparison {
  std::vector<ComparedScenario> scenarios;  // [0] is the baseline
  std::vector<Attribution> attributions;    // [i] for scenarios[i] against the baseline ([0] trivial)
  std::string chips_policy;                 // what "equal chips" meant here, in words
};

// Resolves every scenario (InputError for a bad option or value, naming the variant's key).
Comparison compare(const ScenarioOptions& baseline, const std::vector<VariantSpec>& variants,
                   const CompareOptions& options);
// The attribution formula above (both sides must fit).
Attribution attribute(const Projection& baseline, long long baseline_batch, const Projection& variant,
                      long long variant_batch);

nlohmann::json to_json(const Comparison& c);
std::string render_text(const Comparison& c);
std::string render_csv(const Comparison& c);

}  // namespace infersim
