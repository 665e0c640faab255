// Internal: the suite file (schema "infersim-suite/1", bench/suites/README.md) and the flat row schema.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/scenario.hpp"
#include "serving/workload.hpp"

namespace infersim::report {

struct Deployment {
  long long chips = 1;
  std::string what;
};

struct ScenarioSpec {
  long long requests = 200;
  Slo slo;
  double start_rate_req_s = 0.25;
  int bisections = 5;
};

struct SuiteWorkload {
  std::string id, model, weights = "fp8", kv = "fp8", serving_workload, deployment = "server";
  long long batch = 64, prompt_tokens = 1024, output_tokens = 256;
  long long serving_requests = 0;  // > 0: overrides the Offline/Server/Interactive request counts
  bool radar = false, pareto = false;
  std::optional<Slo> server_slo, interactive_slo;
};

// Documented cap (tests/ROBUSTNESS.md): each draw re-runs the closed form of every cell; 10^5 draws
// of the default suite take minutes, 10^7 took hours.
constexpr long long kMaxDraws = 100'000;

struct MonteCarlo {
  long long draws = 200;
  std::uint64_t seed = 1;
  bool triangular = true;
  double q_low = 0.05, q_high = 0.95;
};

struct Suite {
  std::string id, description, file, baseline;
  std::vector<std::string> hardware;
  std::map<std::string, Deployment> deployments;
  Economics economics;
  MonteCarlo mc;
  std::uint64_t serving_seed = 1;
  std::string scheduler = "continuous";
  long long max_batch = 256;
  long long token_budget = 2048;  // chunked-prefill: tokens per step
  ScenarioSpec offline, server, single_stream, interactive;
  std::vector<double> pareto_max_batch;
  long long pareto_requests = 128;
  std::string validation_measurements;
  // The calibration every platform runs with: "ideal" (the roofline bound), "auto" (each
  // platform's fitted software family, hardware/calibration/) or a bundled id / path.
  std::string calibration = "ideal";
  // calibrate's summary (validation/accuracy.json): how well the model predicts each platform today.
  std::string accuracy;
  std::vector<SuiteWorkload> workloads;
  nlohmann::json scenarios_json;
};

// Throws InputError naming the file and the JSON pointer.
Suite load_suite(const std::string& path);
// The flat row schema shared by results.json rows and results.csv columns, in column order.
std::vector<std::string> csv_fields();

}  // namespace infersim::report
