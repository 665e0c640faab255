// Contract: named software calibrations (hardware/calibration/<id>.json, schema
// "infersim-calibration/1", documented in hardware/calibration/README.md) and fitting one.
//
// load_calibration("ideal") is the uncalibrated roofline (all efficiencies 1, no overheads, no file);
// any other name is hardware/calibration/<name>.json in the data directory, or a path. The file is
// read with ObjectReader (InputError naming file, JSON pointer and accepted values; exit code 2).
//
// fit_calibration() fits compute_efficiency, memory_efficiency, step_overhead_s and layer_overhead_s
// (network_efficiency stays at its start value: no row isolates the interconnect) by Nelder-Mead
// (deterministic: fixed start, fixed initial simplex, fixed evaluation budget, no randomness) on the
// mean squared log error, mean over rows of ln(predicted / measured)^2, of the given rows predicted
// by predict() (validation.hpp). Efficiencies are searched through a logistic map onto (0, 1),
// overheads through exp, so every candidate is valid. A row that cannot be run at a candidate costs
// a fixed penalty (ln 10)^2.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/scenario.hpp"
#include "validation/validation.hpp"

namespace infersim {

std::vector<std::string> bundled_calibrations();  // "ideal" and the ids of hardware/calibration/*.json
Calibration load_calibration(const std::string& name_or_path);
Calibration read_calibration_file(const std::string& path);

struct FitOptions {
  Calibration start;        // name is ignored; network_efficiency is kept
  int max_evaluations = 100;
  double tolerance = 1e-5;  // stop when the simplex's objective values span less than this
};

struct FitResult {
  Calibration fitted;
  double objective_start = 0;  // mean squared log error at the start point
  double objective = 0;        // at the fit
  int evaluations = 0;
  std::vector<std::string> rows;  // ids of the rows fitted on
};

// Objective of a calibration on `rows` of `set` (same definition as the fit).
double mean_squared_log_error(const MeasurementSet& set, const std::vector<size_t>& rows, const PredictOptions& base,
                              const Calibration& c);
FitResult fit_calibration(const MeasurementSet& set, const std::vector<size_t>& rows, const PredictOptions& base,
                          const FitOptions& fit);

// The JSON of a calibration file (schema infersim-calibration/1); `extra` keys ("description",
// "software", "fit") are added as given.
nlohmann::json calibration_to_json(const Calibration& c, const nlohmann::json& extra);

}  // namespace infersim
