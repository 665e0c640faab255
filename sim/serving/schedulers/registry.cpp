// The explicit table of batch schedulers: name, one-line description with its key constants,
// factory. `--scheduler help` prints it; an unknown name lists the valid ones.
#include <sstream>

#include "descriptors/input_error.hpp"
#include "serving/scheduler.hpp"
#include "serving/serving.hpp"

namespace infersim {

const std::vector<SchedulerInfo>& scheduler_registry() {
  static const std::vector<SchedulerInfo> table = {
      {"static", "static batching: fill up to --max-batch (256) with whole-KV reservations, run to completion",
       make_static_scheduler, false},
      {"continuous",
       "iteration-level batching (Orca/vLLM): whole-prompt prefill steps first (<= --max-batch-tokens 8192), "
       "else decode all; preempt newest on KV shortage",
       make_continuous_scheduler, false},
      {"chunked-prefill",
       "Sarathi-Serve: decodes then prefill chunks within --token-budget (2048) tokens per step",
       make_chunked_prefill_scheduler, false},
      {"disaggregated",
       "DistServe/Splitwise: a prefill pool (chunked prefill) and a decode pool (continuous), each the plan's chips; "
       "prompt KV moved point-to-point",
       make_chunked_prefill_scheduler, true},
  };
  return table;
}

const SchedulerInfo& find_scheduler(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& s : scheduler_registry()) {
    if (s.name == name) return s;
    names.push_back(s.name);
  }
  std::string hint = closest_match(name, names);
  throw InputError("--scheduler", name,
                   "unknown scheduler" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                       "; accepted values: " + join_alternatives(names) + " (`--scheduler help` describes them)");
}

std::string scheduler_help() {
  std::ostringstream o;
  o << "Schedulers (--scheduler NAME):\n";
  for (const auto& s : scheduler_registry()) o << "  " << s.name << std::string(18 - s.name.size(), ' ') << s.description << "\n";
  return o.str();
}

}  // namespace infersim
