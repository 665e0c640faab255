// Contract: the closed-form engine. Turns the shared cost model (costmodel/step_cost.hpp) into
// times by roofline, and times into throughput, energy, cost and agent density.
//
// Step time: costmodel/step_time.hpp (the one formula both engines use, with the calibration's
// terms). Communication does not overlap compute (conservative; the DES shows what overlap changes).
//   decode tok/s per stream     = 1 / step
//   decode tok/s per deployment = batch / step
//   decode tok/s per chip       = deployment / chips
//   TTFT                        = time of the prompt's prefill as one chunk, batch 1
//   energy per token            = chips * system power per chip * step / batch
//   $/M tokens (CapEx)          = chips * system cost per chip / (lifetime * utilization * tok/s) * 1e6
//   $/M tokens (all-in)         = CapEx + energy per token * 1e6 * PUE * $/kWh / 3.6e6
//   agent density (per $1M)     = (1e6 / deployment cost) * (deployment tok/s / stream tok/s) * utilization
//                                 (the seed paper's Appendix C, with t the deployment's throughput)
// Worked example (H100, Llama-3.1-70B bf16, batch 1, mean context 1152): 141.1 GB of weights do not
// fit one 80 GB H100 (72 GB usable), so the default plan takes 2 chips (tp=2). Per chip and step:
// 69.50 GB of weights (all but the input embedding, halved) + 0.19 GB of KV at 3.35 TB/s = 20.80 ms;
// 160 one-shot all-reduces of 16 KiB over NVSwitch add 0.33 ms; step 21.13 ms = 47.3 tok/s per stream.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "costmodel/step_cost.hpp"
#include "costmodel/step_time.hpp"
#include "descriptors/provenance.hpp"
#include "scenario/scenario.hpp"

namespace infersim {

struct Projection {
  Plan plan;
  double weights_bytes = 0;           // whole model at the weight precision
  double kv_bytes_per_token = 0;      // whole model at the KV precision
  double context_tokens = 0;          // mean context of a decode step
  StepCost decode_cost;
  StepTime decode;
  StepTime prefill;
  double decode_tok_s_per_stream = 0;
  double decode_tok_s_deployment = 0;
  double decode_tok_s_per_chip = 0;
  double ttft_s = 0;
  double energy_J_per_token = 0;
  double usd_per_mtok_capex = 0;
  double usd_per_mtok_all_in = 0;
  double agent_density_per_musd = 0;
  bool meets_stream_rate = false;     // per-stream tok/s >= the stream rate agent density assumes
  double deployment_cost_usd = 0;
  double deployment_power_W = 0;
  // MoE: what reading only top-k experts per token would have claimed, for comparison.
  double moe_unique_experts_per_layer = 0;
  double moe_topk_weight_bytes_per_step = 0;
  double moe_topk_decode_tok_s_per_stream = 0;
  // The tags each figure rests on (weakest first in reports).
  std::map<std::string, TagSet> tags;
};

Projection project(const Scenario& s, const Plan& plan);

// From p.plan, p.decode_tok_s_per_stream and p.decode_tok_s_deployment: tok/s per chip, power,
// cost, energy per token, $/M tokens and agent density. Shared so that the DES derives its
// economics from its measured throughput with the same formulas (energy per token = deployment
// power / deployment tok/s, the same as power * step / batch).
void derive_economics(const Scenario& s, Projection& p);

// The JSON result of `infersim project --json` (field names carry their units).
nlohmann::json to_json(const Scenario& s, const Projection& p);

}  // namespace infersim
