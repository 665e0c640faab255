// Contract: the scenario options, named once and shared by every command that runs a scenario
// (`project`, `simulate`, `sweep`, ...): --hw, --model, --weights, --kv, --batch, --prompt-tokens,
// --output-tokens, --chips, --tp, --pp, --ep, --calibration and the economics (--lifetime-years,
// --utilization, --usd-per-kwh, --pue, --stream-tok-s).
#pragma once

#include "scenario/scenario.hpp"

namespace CLI {
class App;
}

namespace infersim::cli {

// Adds the options to `cmd`, writing into `options`. `multi` lets --hw and --model take
// comma-separated lists or `all` (project's matrix); the caller expands them with expand_ids().
void add_scenario_options(CLI::App* cmd, ScenarioOptions& options);
// CLI11 validators (an error text, "" when fine): a seed is a decimal integer in 0..2^64-1 (CLI11
// turned both -1 and 2^64 into 2^64-1); an id or path must not be empty.
std::string check_seed(const std::string& text);
std::string check_not_empty(const std::string& text);
void add_economics_options(CLI::App* cmd, Economics& economics);
// --calibration NAME|FILE: `ideal` (default, the uncalibrated roofline), a bundled
// hardware/calibration/<name>.json, or a path; read when parsed (InputError: exit code 2).
void add_calibration_option(CLI::App* cmd, Calibration& calibration);

}  // namespace infersim::cli
