#include "cli/serving_options.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/scenario_options.hpp"
#include "descriptors/input_error.hpp"
#include "serving/scheduler.hpp"

namespace infersim::cli {

void add_serving_options(CLI::App* cmd, ServingArgs& a) {
  ServingOptions& o = a.options;
  const char* g = "Serving";
  cmd->add_option("--workload", a.workload, "Workload: a bundled id (workloads/*.json) or the path of a JSON file")
      ->capture_default_str()->group(g);
  cmd->add_option("--requests", o.requests, "Requests to simulate (default: the workload's count)")->group(g);
  // 0 would mean "the workload's rate" internally: given on the command line it is refused, as -1 is.
  cmd->add_option("--rate", o.rate_req_s, "Arrival rate in requests/s (overrides the workload's; open loop)")
      ->check(CLI::PositiveNumber)->group(g);
  cmd->add_option("--scheduler", o.scheduler, "Batch scheduler; `--scheduler help` lists them")
      ->capture_default_str()->group(g);
  cmd->add_option("--seed", o.seed, "Random seed (same seed, same result)")->capture_default_str()
      ->check(check_seed)->group(g);
  cmd->add_option("--max-batch", o.max_batch, "Running requests at most")->capture_default_str()->group(g);
  cmd->add_option("--max-batch-tokens", o.max_batch_tokens, "continuous: prompt tokens per prefill step at most")
      ->capture_default_str()->group(g);
  cmd->add_option("--token-budget", o.token_budget, "chunked-prefill: tokens per step")->capture_default_str()->group(g);
  cmd->add_option("--block-tokens", o.block_tokens, "Paged KV block size, tokens")->capture_default_str()->group(g);
  cmd->add_option("--kv-blocks", o.kv_blocks, "KV blocks per replica (default: memory left after weights)")->group(g);
  cmd->add_option("--preemption", a.preemption, "When the KV cache is full: recompute or swap")
      ->capture_default_str()->group(g);
  cmd->add_option("--kv-window", o.kv_window, "Sliding-window attention: keep the last N tokens' KV (0: off)")->group(g);
  cmd->add_option("--kv-sinks", o.kv_sinks, "Attention-sink tokens kept besides the window (StreamingLLM)")->group(g);
  cmd->add_option("--spec-k", o.spec_k, "Speculative decoding: draft tokens per step (0: off)")->group(g);
  cmd->add_option("--spec-alpha", o.spec_alpha, "Speculative decoding: per-token acceptance rate in [0, 1)")
      ->capture_default_str()->group(g);
  cmd->add_option("--routing", a.routing, "MoE routing skew: uniform, zipf:<s>, or a popularity JSON file")
      ->capture_default_str()->group(g);
}

ServingOptions resolve_serving_options(const ServingArgs& a) {
  ServingOptions o = a.options;
  if (a.preemption == "recompute") o.preemption = PreemptionMode::recompute;
  else if (a.preemption == "swap") o.preemption = PreemptionMode::swap;
  else throw InputError("--preemption", a.preemption, "unknown mode; accepted values: recompute or swap");
  o.routing = parse_routing_skew("--routing", a.routing);
  validate(o);
  return o;
}

bool scheduler_help_requested(const ServingArgs& a) {
  if (a.options.scheduler != "help") return false;
  std::cout << scheduler_help();
  return true;
}

}  // namespace infersim::cli
