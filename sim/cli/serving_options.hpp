// Contract: the serving options, named once and shared by `serve`, `pareto` and (later)
// `simulate --engine des`: --workload, --requests, --rate, --scheduler, --seed, --max-batch,
// --max-batch-tokens, --token-budget, --block-tokens, --kv-blocks, --preemption, --kv-window,
// --kv-sinks, --spec-k, --spec-alpha, --routing.
#pragma once

#include <string>

#include "cli/output_options.hpp"
#include "serving/serving.hpp"
#include "scenario/scenario.hpp"
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

// One serving run as `serve` and `simulate --workload` execute it: the same loop on either engine.
//   analytic: AnalyticRuntime, closed-form step times (fast, no contention);
//   des:      the SimGrid engine (des/des.hpp: run_in_engine) running the same loop inside an
//             actor, steps as activities on the built platform, optionally traced to HDF5.
struct ServeRun {
  ScenarioOptions scenario;
  ServingArgs serving;
  std::string engine = "analytic";
  std::string trace;           // des only
  std::string detail = "event"; // des only
  OutputOptions output;  // --json, --out
  std::string records;
  std::string baseline;  // the JSON of an earlier serve run (--json, or --json --out FILE) to compare against
};
struct CommandResult;
void run_serve(const ServeRun& run, CommandResult& result);

}  // namespace infersim::cli
