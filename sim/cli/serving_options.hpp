// Contract: the serving options, named once and shared by `serve`, `pareto` and (later)
// `simulate --engine des`: --workload, --requests, --rate, --scheduler, --seed, --max-batch,
// --max-batch-tokens, --token-budget, --block-tokens, --kv-blocks, --preemption, --kv-window,
// --kv-sinks, --spec-k, --spec-alpha, --routing.
#pragma once

#include <string>

#include "serving/serving.hpp"
#include "serving/workload.hpp"

namespace CLI {
class App;
}

namespace infersim::cli {

struct ServingArgs {
  std::string workload = "chat";
  std::string preemption = "recompute";
  std::string routing = "uniform";
  ServingOptions options;
};

void add_serving_options(CLI::App* cmd, ServingArgs& args);
// Validates and resolves names (InputError naming the option).
ServingOptions resolve_serving_options(const ServingArgs& args);
// True (after printing the table) when the user asked `--scheduler help`.
bool scheduler_help_requested(const ServingArgs& args);

}  // namespace infersim::cli
