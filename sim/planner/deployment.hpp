// Contract: choosing a deployment as an operator would: the (tp, pp, ep) replica and the number of
// data-parallel replicas on a given number of chips, and the batch the KV cache allows, that give
// the best throughput (under a TPOT limit when there is one).
//
// search_deployment() tries every replica shape whose chips divide the deployment: tp a divisor of
// the attention heads within the scale-up domain, pp from 1 to 8 (pipelines beyond that are not what
// the audited runs use; chips under 16 GB, SRAM machines, try every pipeline depth up to the layers), ep = tp for MoE models (experts over the tensor-parallel group) else 1,
// and for MoE models also ep = tp x a, a attention data-parallel copies (scenario.hpp Plan), for
// every a whose chips fit the scale-up domain and divide the experts. The caps on running
// sequences and step tokens are the replica's, whatever its copies: the audited DeepSeek-R1 Server
// runs on 8 and 72 GB300 (mlperf-calibration.json) had about 1,430 and 13,300 sequences decoding at
// once by Little's law (tokens/s x mean TPOT: 22,545 x 63.6 ms, 209,328 x 63.7 ms), about 180 per
// GPU, within a replica's 2,048 over 8 GPUs and far from 2,048 per GPU.
// Each candidate is scored in closed form (costmodel/step_time.hpp with the scenario's calibration):
//   B     = min(max_sequences, KV capacity tokens / (ISL + OSL/2))     sequences decoding at once;
//           a pipelined replica splits them into pp micro-batch groups in flight (B/pp each)
//   step  = one steady-state mixed step: B decodes at context ISL + OSL/2, plus the prefill tokens
//           that keep the batch full, B/OSL requests x ISL tokens (chunked prefill)
//   pipelined (groups > 1): the step of a round, whose pace the slowest group sets: its prefill
//           tokens are E[min(max over the groups of Y_g, budget room)], Y_g a group's prefill
//           tokens per step, compound Poisson (B/groups/OSL requests of the prompt length's
//           mean and spread; pipeline_round_prefill_tokens), the room being the step token budget
//           less the decodes. A budget that caps every step evens the groups out; whole prompts
//           do not (serving/serving.hpp pipeline_groups: the serving run's counterpart)
//   with a TPOT limit, B shrinks (x0.85 per try) until step <= limit
//   score = replicas * groups * (B/groups) / step / chips                 output tok/s per chip
// A candidate whose weights leave no room for one request's KV is infeasible. The result names
// the choice and the runner-up with their scores, so that the choice can be audited.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"

namespace infersim {

struct DeploymentQuery {
  long long chips = 1;
  double mean_input_tokens = 1024;
  double mean_output_tokens = 256;
  double input_tokens_sd = 0;         // spread of the prompt lengths (0: all alike)
  long long step_token_budget = 0;    // the serving engine's cap on tokens per step (0: none)
  long long max_sequences = 2048;     // the serving engine's cap on running sequences
  double min_kv_tokens = 0;           // a candidate must hold this many KV tokens (a fixed batch's)
  double tpot_limit_s = 0;            // > 0: the batch must keep a step within it
  std::optional<long long> tp, pp, ep;  // fixed degrees when the caller knows them
  bool pipeline_groups = true;        // pp > 1 keeps pp micro-batch groups in flight (throughput runs)
};

struct DeploymentChoice {
  bool found = false;
  long long tp = 1, pp = 1, ep = 1, replicas = 1;
  long long attention_dp() const { return ep > tp ? ep / tp : 1; }  // as Plan::attention_dp
  long long replica_chips() const { return std::max(tp, ep) * pp; }
  long long batch = 1;                 // B above (per micro-batch group)
  long long groups = 1;                // micro-batch groups in flight (pp, or 1)
  double step_s = 0;
  double tok_s_per_chip = 0;           // the score
  std::string explanation;             // choice and runner-up
  // Every feasible candidate, best score first (ties keep the simpler shape first). Callers that
  // can afford a serving run per candidate (validate's Server rows: a p99 limit makes the closed
  // form's order unreliable) simulate the first few and keep the best; `ranked[0]` is this choice.
  std::vector<DeploymentChoice> ranked;
};

DeploymentChoice search_deployment(const Scenario& s, const DeploymentQuery& q);

// The steady-state mixed step above (B decodes plus the prefill that keeps them going), seconds;
// `prefill_scale` multiplies the prefill tokens (the slowest group of a pipelined round).
double steady_step_s(const Scenario& s, const Plan& plan, double batch, const DeploymentQuery& q,
                     double prefill_scale = 1.0);

// A pipelined round's slowest group: E[min(max of `groups` draws of Y, room)] prefill tokens, Y a
// group's prefill tokens per step, compound Poisson with `requests_per_step` requests of mean
// `mean_tokens` and spread `sd_tokens` (normal approximation); `room` 0: no cap. Never below
// the mean (a cap the mean already exceeds leaves every group at the cap).
double pipeline_round_prefill_tokens(double requests_per_step, double mean_tokens, double sd_tokens, long long groups,
                                     double room);

}  // namespace infersim
