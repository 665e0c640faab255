// Contract: which descriptor numbers a result rests on (a tornado table).
//
// sensitivity() evaluates one closed-form result of a scenario (project(): decode tok/s per chip,
// per stream or per deployment, TTFT, $/M tokens, J/token) with each Sourced hardware field set to
// its low and then its high value, every other field at its value, re-planning each time (a smaller
// memory may need more chips). swing = |result(high) - result(low)|; rows are sorted by swing,
// largest first, and carry the field's tag and source. Fields without a range are listed as exact
// (swing 0). Fields: peak FLOP/s per precision, each memory tier's capacity and bandwidth, the usable
// memory fraction, chip and system power, system cost, and each network level's bandwidth and latency.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/scenario.hpp"

namespace infersim {

struct SensitivityRow {
  std::string field;  // JSON-pointer-like path in the descriptor: /memory/tiers/1/bandwidth_Bps
  std::string tag;
  std::string source;
  bool has_range = false;
  double value = 0, low = 0, high = 0;            // the field, SI
  double result_at_low = 0, result_at_high = 0;   // the metric
  double swing = 0;                               // |result_at_high - result_at_low|
  double relative_swing = 0;                      // swing / base
};

struct SensitivityResult {
  std::string metric;
  double base = 0;
  std::vector<SensitivityRow> rows;
};

std::vector<std::string> sensitivity_metric_names();
// Throws InputError for an unknown metric or a scenario that does not fit.
SensitivityResult sensitivity(const Scenario& s, const std::string& metric);
nlohmann::json to_json(const SensitivityResult& r);

}  // namespace infersim
