// The calibration fit: deterministic, and recovers known efficiencies and overheads from a synthetic
// measurements file generated with them. Also the calibration file reader.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "descriptors/input_error.hpp"
#include "validation/calibrate.hpp"

using namespace infersim;

namespace {
const PredictOptions& defaults() {
  static const PredictOptions o;
  return o;
}

Measurement fixed_batch(const std::string& id, const std::string& model, long long tp, long long batch, long long input,
                        long long output, MeasuredMetric metric) {
  Measurement m;
  m.id = id;
  m.hardware = "h100-sxm";
  m.model = model;
  m.weights = "bf16";
  m.chips = tp;
  m.tp = tp;
  m.scenario = MeasuredScenario::fixed_batch;
  m.batch = batch;
  m.input_tokens = input;
  m.output_tokens = output;
  m.metric = metric;
  m.tag = "vendor-claim";
  m.value = 1;
  return m;
}

// Rows that separate the four parameters: batch-1 decode (memory + overheads) on two models with
// 32 and 80 layers (step vs layer overhead), long prefills (compute).
MeasurementSet synthetic(const Calibration& truth) {
  MeasurementSet set;
  set.file = "(synthetic)";
  set.rows = {fixed_batch("8b-decode", "llama-3.1-8b", 1, 1, 128, 64, MeasuredMetric::output_tok_s_per_chip),
              fixed_batch("70b-decode", "llama-3.1-70b", 2, 1, 128, 64, MeasuredMetric::output_tok_s_per_chip),
              fixed_batch("8b-ttft", "llama-3.1-8b", 1, 1, 4096, 1, MeasuredMetric::ttft_s),
              fixed_batch("70b-ttft", "llama-3.1-70b", 2, 1, 2048, 1, MeasuredMetric::ttft_s),
              fixed_batch("8b-batch", "llama-3.1-8b", 1, 32, 1024, 32, MeasuredMetric::output_tok_s_per_chip)};
  PredictOptions o;
  o.calibration = truth;
  for (auto& m : set.rows) m.value = predict(m, o).predicted;
  return set;
}
}  // namespace

TEST_CASE("calibrate: deterministic, reduces the error and recovers the efficiencies it was generated with") {
  Calibration truth;
  truth.compute_efficiency = 0.55;
  truth.weight_bandwidth_efficiency = 0.8;
  truth.kv_bandwidth_efficiency = 0.8;
  truth.step_overhead = Seconds(2e-3);
  truth.layer_overhead = Seconds(2e-5);
  const MeasurementSet set = synthetic(truth);
  const std::vector<size_t> rows = {0, 1, 2, 3, 4};
  FitOptions fo;
  fo.start.compute_efficiency = 0.7;
  fo.start.weight_bandwidth_efficiency = 0.7;
  fo.start.kv_bandwidth_efficiency = 0.8;  // not fitted here: the rows barely read KV
  fo.terms = {"compute_efficiency", "weight_bandwidth_efficiency", "step_overhead_s", "layer_overhead_s"};
  fo.start.step_overhead = Seconds(1e-3);
  fo.start.layer_overhead = Seconds(1e-5);
  fo.max_evaluations = 600;
  fo.tolerance = 1e-14;
  fo.model_error_sd = 0;  // plain least squares: the synthetic rows are exact, the priors would bias them
  const FitResult a = fit_calibration(set, rows, defaults(), fo);
  const FitResult b = fit_calibration(set, rows, defaults(), fo);
  CHECK(a.evaluations == b.evaluations);
  CHECK(a.fitted.compute_efficiency == b.fitted.compute_efficiency);
  CHECK(a.fitted.layer_overhead.si() == b.fitted.layer_overhead.si());
  MESSAGE("objective " << a.objective_start << " -> " << a.objective << " in " << a.evaluations << " evaluations; fitted "
                       << a.fitted.compute_efficiency << ", " <<  a.fitted.weight_bandwidth_efficiency << ", "
                       << a.fitted.step_overhead.si() << " s, " << a.fitted.layer_overhead.si() << " s");
  CHECK(a.objective < a.objective_start);
  CHECK(a.objective < 1e-6);  // within 0.1 % rms of the synthetic values
  // Stated tolerance: efficiencies within 2 %, overheads within 10 % (the step/layer split is the
  // weakest-determined direction).
  CHECK(a.fitted.compute_efficiency == doctest::Approx(truth.compute_efficiency).epsilon(0.02));
  CHECK(a.fitted.weight_bandwidth_efficiency == doctest::Approx(truth.weight_bandwidth_efficiency).epsilon(0.02));
  CHECK(a.fitted.step_overhead.si() == doctest::Approx(truth.step_overhead.si()).epsilon(0.10));
  CHECK(a.fitted.layer_overhead.si() == doctest::Approx(truth.layer_overhead.si()).epsilon(0.10));
}

TEST_CASE("calibrate: the priors decide what the rows cannot, and weigh little where the rows speak") {
  Calibration truth;
  truth.compute_efficiency = 0.55;
  truth.weight_bandwidth_efficiency = 0.8;
  truth.step_overhead = Seconds(2e-3);
  truth.layer_overhead = Seconds(2e-5);
  const MeasurementSet set = synthetic(truth);
  const std::vector<size_t> rows = {0, 1, 2, 3, 4};
  FitOptions fo;
  fo.start = truth;
  fo.start.moe_layer_overhead = Seconds(1e-3);  // dense rows say nothing about MoE layers
  fo.terms = {"compute_efficiency", "weight_bandwidth_efficiency", "moe_layer_overhead_s"};
  fo.max_evaluations = 400;
  fo.tolerance = 1e-12;
  const FitResult a = fit_calibration(set, rows, defaults(), fo);
  const auto& terms = fitted_terms();
  const auto moe = std::find_if(terms.begin(), terms.end(), [](const FittedTerm& t) { return t.name == "moe_layer_overhead_s"; });
  REQUIRE(moe != terms.end());
  // The unidentified term moves to its prior; the identified ones stay at the truth (within 2 %).
  CHECK(a.fitted.moe_layer_overhead.si() == doctest::Approx(moe->scale * std::exp(moe->prior)).epsilon(0.05));
  CHECK(a.fitted.compute_efficiency == doctest::Approx(truth.compute_efficiency).epsilon(0.02));
  CHECK(a.fitted.weight_bandwidth_efficiency == doctest::Approx(truth.weight_bandwidth_efficiency).epsilon(0.02));
  // The objective at the start point is the prior penalty alone, scaled as documented.
  FitOptions none = fo;
  none.model_error_sd = 0;
  CHECK(fit_objective(set, rows, defaults(), fo.start, none) == doctest::Approx(0).epsilon(1e-9));
  CHECK(fit_objective(set, rows, defaults(), fo.start, fo) > 0);
}

TEST_CASE("calibrate: ideal is built in, a bundled or written file reads back, bad files name the pointer") {
  CHECK(load_calibration("ideal").is_ideal());
  Calibration c;
  c.name = "t";
  c.compute_efficiency = 0.5;
  c.weight_bandwidth_efficiency = 0.9;
  c.kv_bandwidth_efficiency = 0.7;
  c.sequence_overhead = Seconds(2e-6);
  c.attention_overlaps_gemm = false;
  c.applies_to.hardware = {"h100-sxm"};
  c.applies_to.id_markers = {"mlperf-v5.1"};
  c.step_overhead = Seconds(1e-3);
  c.memory_compute_overlap = 0.4;
  const std::string path = "/tmp/infersim-test-cal-" + std::to_string(::getpid()) + ".json";
  std::ofstream(path) << calibration_to_json(c, {{"description", "d"}, {"software", "s"}}).dump();
  const Calibration r = load_calibration(path);
  CHECK(r.name == "t");
  CHECK(r.compute_efficiency == 0.5);
  CHECK(r.step_overhead.si() == 1e-3);
  CHECK(r.kv_bandwidth_efficiency == 0.7);
  CHECK(r.sequence_overhead.si() == 2e-6);
  CHECK(!r.attention_overlaps_gemm);
  CHECK(r.memory_compute_overlap == 0.4);
  CHECK_FALSE(r.is_ideal());
  CHECK(load_calibration("ideal").memory_compute_overlap == 1.0);
  CHECK(r.applies_to.hardware == std::vector<std::string>{"h100-sxm"});
  // What a file applies to is read back and matched: by software, or by id when software is unstated.
  CHECK(r.applies_to.matches("h100-sxm", "not stated", "mlperf-v5.1-8xh100-x"));
  CHECK_FALSE(r.applies_to.matches("h100-sxm", "not stated", "mlperf-v4.1-8xh100-x"));
  CHECK_FALSE(r.applies_to.matches("b200", "not stated", "mlperf-v5.1-8xb200-x"));
  std::ofstream(path) << R"({"schema": "infersim-calibration/1", "id": "x", "description": "d", "software": "s",
    "compute_efficiency": 1.5, "memory_efficiency": 1, "network_efficiency": 1, "step_overhead_s": 0, "layer_overhead_s": 0})";
  try {
    load_calibration(path);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == path + ": /compute_efficiency: an efficiency is a fraction of peak in (0, 1], found 1.500000");
  }
  std::remove(path.c_str());
  CHECK_THROWS_AS(load_calibration("no-such-calibration"), InputError);
}
