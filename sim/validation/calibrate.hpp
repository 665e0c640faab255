// Contract: named software calibrations (hardware/calibration/<id>.json, schema
// "infersim-calibration/1", documented in hardware/calibration/README.md) and fitting one.
//
// load_calibration("ideal") is the uncalibrated roofline (all efficiencies 1, no overheads, no file);
// any other name is hardware/calibration/<name>.json in the data directory, or a path. The file is
// read with ObjectReader (InputError naming file, JSON pointer and accepted values; exit code 2).
//
// fit_calibration() fits the named terms of the step-time model (costmodel/calibration.hpp; the
// others keep their start values) by Nelder-Mead (deterministic: fixed start, fixed initial
// simplex, fixed evaluation budget, no randomness) on the mean squared log error, mean over rows of
// ln(predicted / measured)^2, of the given rows predicted by predict() (validation.hpp). Efficiencies
// are searched through a logistic map onto (0, 1), positive terms through exp around a scale, so
// every candidate is valid. A row that cannot be run at a candidate costs a fixed penalty (ln 10)^2.
// Rows are predicted on two threads; the result does not depend on the thread count.
#pragma once

#include <optional>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "costmodel/calibration.hpp"
#include "scenario/scenario.hpp"
#include "validation/validation.hpp"

namespace infersim {


// One fitted term of a Calibration: how the optimiser reads and writes it.
struct FittedTerm {
  std::string name;
  bool efficiency;  // logistic map onto (0, 1); else exp map: value = scale * exp(x)
  double scale;
  double (*get)(const Calibration&);
  void (*set)(Calibration&, double);
  // The prior: a value with a physical reading (BLIS's H100 fit and GenZ, ../validation/MODELING.md)
  // and its spread, in the optimiser's space (logit for efficiencies, natural log for the rest).
  double prior = 0;
  double prior_sigma = 1;
  const char* prior_source = "";
};
const std::vector<FittedTerm>& fitted_terms();

struct FitOptions {
  Calibration start;        // name is ignored; terms not in `terms` keep their start value
  std::vector<std::string> terms = {"compute_efficiency", "weight_bandwidth_efficiency", "kv_bandwidth_efficiency",
                                    "layer_overhead_s", "step_overhead_s", "sequence_overhead_s"};
  int max_evaluations = 200;
  // Per fitted row (same order as `rows`), a factor the prediction is multiplied by before it is
  // compared (empty: 1). calibrate uses it to correct the closed-form surrogate by the ratio the
  // serving simulation gives for that row (space mapping).
  std::vector<double> correction;
  double tolerance = 1e-5;  // stop when the simplex's objective values span less than this
  // The objective is a log posterior (maximum a posteriori): each row's squared log error over the
  // model's error on one row (model_error_sd^2), plus, for rows that report a mean TPOT, the squared
  // log error of the TPOT predicted at the measured load, plus each fitted term's squared distance
  // from its prior in prior sigmas; divided by the row count and scaled by model_error_sd^2 so that
  // without priors it is the mean squared log error. Throughput alone cannot separate the terms (a
  // faster GEMM trades against a larger per-step cost at the same tokens/s): the TPOT at load and
  // the priors do. 0 turns both off (a plain least-squares fit of throughput).
  double model_error_sd = 0.15;
  double tpot_weight = 1.0;  // a TPOT row counts this much next to a throughput row
  // Partial pooling: a family's fit is centred on the fit over every row (`pooled`, the "all"
  // calibration of the same rows, held-out platform excluded) instead of the generic priors, each
  // term `pooled_sigma` wide in the optimiser's space (logit for efficiencies, log for times). A
  // family with few rows then borrows what it cannot see from the others; one with many moves away
  // as far as its rows say. Unset: the generic priors.
  std::optional<Calibration> pooled;
  double pooled_sigma = 0.5;
};

struct FitResult {
  Calibration fitted;
  double objective_start = 0;  // mean squared log error at the start point
  double objective = 0;        // at the fit
  int evaluations = 0;
  std::vector<std::string> rows;  // ids of the rows fitted on
};

// Mean squared log error of throughput (or the row's metric) of a calibration on `rows` of `set`.
double mean_squared_log_error(const MeasurementSet& set, const std::vector<size_t>& rows, const PredictOptions& base,
                              const Calibration& c, const std::vector<double>& correction = {});
// The fit's objective (FitOptions above) at calibration c.
double fit_objective(const MeasurementSet& set, const std::vector<size_t>& rows, const PredictOptions& base,
                     const Calibration& c, const FitOptions& fit);
FitResult fit_calibration(const MeasurementSet& set, const std::vector<size_t>& rows, const PredictOptions& base,
                          const FitOptions& fit);

}  // namespace infersim

namespace infersim {

// The family of a row, or nullptr.
const CalibrationFamily* family_of(const Measurement& m);

// The row's family (calibration.hpp family_for), and `--calibration auto` for a row: the first
// bundled calibration whose applies_to matches it, else the bundled "all" fit, else ideal.
Calibration auto_calibration_for(const Measurement& m);

}  // namespace infersim
