// The measurements reader (bad input with its exact messages) and predict() on rows whose answer is
// derived here from the closed form.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "analytic/projection.hpp"
#include "descriptors/input_error.hpp"
#include "serving/workload.hpp"
#include "validation/validation.hpp"

using namespace infersim;

namespace {
const PredictOptions& defaults() {
  static const PredictOptions o;
  return o;
}

std::string fixture(const std::string& name) { return std::string(INFERSIM_TEST_DIR) + "/bad-input/" + name; }

std::string message_of(const std::string& path) {
  try {
    read_measurements(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = "/tmp/infersim-test-" + std::to_string(::getpid()) + "-" + name;
  std::ofstream(path) << text;
  return path;
}

// One fixed-batch row: h100-sxm, llama-3.1-8b bf16 on one chip.
std::string row(const std::string& id, long long batch, long long input, long long output, const std::string& metric,
                double value) {
  return R"({"id": ")" + id + R"(", "hardware": "h100-sxm", "chips": 1, "model": "llama-3.1-8b", "weights": "bf16",
    "parallelism": {"tp": 1}, "workload": {"scenario": "fixed-batch", "batch": )" + std::to_string(batch) +
         R"(, "input_tokens": )" + std::to_string(input) + R"(, "output_tokens": )" + std::to_string(output) +
         R"(}, "metric": ")" + metric + R"(", "value": )" + std::to_string(value) +
         R"(, "tag": "vendor-claim", "source": "test"})";
}
// One MLPerf-dataset row (llama-3.1-8b FP8 on H100 SXM, TP1) in `scenario`, predicted with defaults.
Prediction predict_mlperf_row(const std::string& scenario, long long chips) {
  const std::string path = write_temp("mlperf-" + scenario + ".json", R"({"schema": "infersim-measurements/1", "measurements": [
    {"id": "r", "hardware": "h100-sxm", "chips": )" + std::to_string(chips) + R"(, "model": "llama-3.1-8b", "weights": "fp8",
     "parallelism": {"tp": 1}, "workload": {"scenario": ")" + scenario + R"(", "dataset": "MLPerf llama3.1-8b"},
     "metric": "output_tok_s_deployment", "value": 1000, "tag": "audited", "source": "test"}]})");
  const MeasurementSet set = read_measurements(path);
  std::remove(path.c_str());
  REQUIRE(set.rows.size() == 1);
  return predict(set.rows[0], defaults());
}

// The row's assumption that starts with `prefix`, or "".
std::string assumption_starting(const Prediction& p, const std::string& prefix) {
  for (const auto& a : p.assumptions)
    if (a.rfind(prefix, 0) == 0) return a;
  return "";
}
}  // namespace

TEST_CASE("measurements: an unknown metric names the file, the pointer and the accepted values") {
  const std::string f = fixture("measurements-unknown-metric.json");
  CHECK(message_of(f) == f + ": /measurements/0/metric: unknown value 'output_tok_s'; accepted values: "
                             "output_tok_s_deployment, output_tok_s_per_chip, output_tok_s_per_stream, ttft_s or "
                             "itl_mean_s");
}

TEST_CASE("measurements: an unknown hardware id suggests the closest and lists the bundled ones") {
  const std::string f = fixture("measurements-unknown-hardware.json");
  CHECK(message_of(f) == f + ": /measurements/0/hardware: unknown hardware id 'h100-sxn' (did you mean 'h100-sxm'?); "
                             "accepted values: b200, cerebras-wse3, etched-sohu, gb200-nvl72, gb300, groq-lpu, "
                             "h100-nvl, h100-pcie, h100-sxm, h200, l40s, mi300x, mi325x, mi355x, ref-asic-2027 or "
                             "rtx-pro-6000");
  // With allow_unknown_ids the row is kept, and predict() reports it as skipped with the reason.
  const MeasurementSet set = read_measurements(f, true);
  REQUIRE(set.rows.size() == 1);
  const Prediction p = predict(set.rows[0], defaults());
  CHECK_FALSE(p.ran);
  CHECK(p.skipped_reason == "unknown hardware 'h100-sxn' (no bundled descriptor)");
}

TEST_CASE("measurements: a missing value is an error naming its pointer") {
  const std::string f = fixture("measurements-missing-value.json");
  CHECK(message_of(f) == f + ": /measurements/0/value: missing required field 'value'");
}

TEST_CASE("measurements: the bundled calibration set reads, and rows that cannot run say why") {
  const MeasurementSet set = read_measurements(std::string(INFERSIM_TEST_DIR) + "/../validation/calibration.json");
  CHECK(set.rows.size() == 15);
  const auto preds = predict_all(set, defaults());
  long long skipped = 0;
  for (const auto& p : preds)
    if (!p.ran) {
      ++skipped;
      CHECK_FALSE(p.skipped_reason.empty());
    }
  // Every row runs: the Cerebras and Groq rows on their vendors' stated deployments, the Mixtral rows
  // on the bundled MLPerf dataset (its lengths and, for the server row, its p99 limits).
  CHECK(skipped == 0);
  const auto s = summarise(preds);
  CHECK(s.at("all").rows + s.at("all").skipped == 15);
}

TEST_CASE("predict: a fixed-batch row equals the closed form's prefill + decode steps, derived here") {
  // batch 4, 128 prompt tokens, 3 output tokens: one prefill of 4 x 128 tokens gives the first token,
  // then 2 decode steps of 4 sequences attending to 128 and 129 cached tokens.
  const std::string path = write_temp("fixed.json", R"({"schema": "infersim-measurements/1", "measurements": [)" +
                                                        row("tput", 4, 128, 3, "output_tok_s_per_chip", 1000) + "," +
                                                        row("ttft", 1, 512, 1, "ttft_s", 0.01) + "]}");
  const MeasurementSet set = read_measurements(path);
  std::remove(path.c_str());
  ScenarioOptions so;
  so.hw = "h100-sxm";
  so.model = "llama-3.1-8b";
  so.tp = 1;
  so.chips = 1;
  const Scenario s = resolve_scenario(so);
  const Plan plan = plan_with(s, 1, 1, 1);
  auto t = [&](const StepShape& shape) { return step_time(s, plan, step_cost(s, plan, shape)).total.si(); };
  const double makespan = t(StepShape::prefill(4, 128, 0)) + t(StepShape::decode(4, 128)) + t(StepShape::decode(4, 129));
  const double expected_tput = 4.0 * 3.0 / makespan;
  const double expected_ttft = t(StepShape::prefill(1, 512, 0));
  const Prediction a = predict(set.rows[0], defaults());
  const Prediction b = predict(set.rows[1], defaults());
  REQUIRE(a.ran);
  REQUIRE(b.ran);
  MESSAGE("fixed batch: derived " << expected_tput << " tok/s/chip, predicted " << a.predicted << " ("
                                  << (a.predicted / expected_tput - 1) * 100 << " %)");
  CHECK(a.predicted == doctest::Approx(expected_tput).epsilon(1e-9).scale(0));
  CHECK(a.relative_error == doctest::Approx(expected_tput / 1000 - 1).epsilon(1e-9).scale(0));
  MESSAGE("TTFT: derived " << expected_ttft << " s, predicted " << b.predicted);
  CHECK(b.predicted == doctest::Approx(expected_ttft).epsilon(1e-9).scale(0));
  const auto sum = summarise({a, b});
  CHECK(sum.at("vendor-claim").rows == 2);
  CHECK(sum.at("all").worst_abs_error == doctest::Approx(std::max(std::fabs(a.relative_error), std::fabs(b.relative_error))));
}

TEST_CASE("measurements: scenario interactive is a server row with the Interactive flag, the id suffix a fallback") {
  auto server_row = [](const std::string& id, const std::string& scenario) {
    return R"({"id": ")" + id + R"(", "hardware": "h100-sxm", "chips": 1, "model": "llama-3.1-8b", "weights": "fp8",
      "workload": {"scenario": ")" + scenario + R"(", "dataset": "MLPerf llama3.1-8b"}, "metric": "output_tok_s_deployment",
      "value": 1000, "tag": "audited", "source": "test"})";
  };
  const std::string path = write_temp("interactive.json", R"({"schema": "infersim-measurements/1", "measurements": [)" +
                                                              server_row("a", "interactive") + "," +
                                                              server_row("b-interactive", "server") + "," +
                                                              server_row("c", "server") + "]}");
  const MeasurementSet set = read_measurements(path);
  std::remove(path.c_str());
  REQUIRE(set.rows.size() == 3);
  CHECK(set.rows[0].scenario == MeasuredScenario::server);
  CHECK(set.rows[0].interactive);
  CHECK_FALSE(set.rows[1].interactive);  // the reader leaves ids alone; predict() reads the suffix
  PredictOptions closed;
  closed.closed_form = true;
  const Prediction a = predict(set.rows[0], closed), b = predict(set.rows[1], closed), c = predict(set.rows[2], closed);
  CHECK(a.interactive);
  CHECK(b.interactive);
  CHECK_FALSE(c.interactive);
  // Each runs at its benchmark's limits (DATASETS.md: llama3.1-8b Server 2 s / 100 ms, Interactive 0.5 s / 30 ms).
  auto limits = [](const Prediction& p) {
    for (const auto& text : p.assumptions)
      if (text.rfind("p99 limits:", 0) == 0) return text;
    return std::string("(none)");
  };
  CHECK(limits(a) == "p99 limits: the MLPerf benchmark's Interactive ones (llama3.1-8b: TTFT 0.5 s, TPOT 0.03 s)");
  CHECK(limits(b) == limits(a));
  CHECK(limits(c) == "p99 limits: the MLPerf benchmark's Server ones (llama3.1-8b: TTFT 2 s, TPOT 0.1 s)");
}

TEST_CASE("measurements: counts and lengths beyond what the command line accepts are refused with their pointer") {
  const std::string big_batch = write_temp("big-batch.json", R"({"schema": "infersim-measurements/1", "measurements": [)" +
                                                                 row("x", 1000000000000LL, 128, 128, "output_tok_s_per_chip", 1) + "]}");
  CHECK(message_of(big_batch) == big_batch + ": /measurements/0/workload/batch: expected an integer from 1 to 1000000, found 1000000000000");
  std::remove(big_batch.c_str());
  const std::string zero_len = write_temp("zero-len.json", R"({"schema": "infersim-measurements/1", "measurements": [)" +
                                                               row("x", 1, 0, 128, "output_tok_s_per_chip", 1) + "]}");
  CHECK(message_of(zero_len) == zero_len + ": /measurements/0/workload/input_tokens: expected an integer >= 1, found 0");
  std::remove(zero_len.c_str());
}

TEST_CASE("predict: at_measured_latency asks a server row for the rate at its reported p99 latencies, else the limits") {
  auto server_row = [](const std::string& id, const std::string& latency) {
    return R"({"id": ")" + id + R"(", "hardware": "h100-sxm", "chips": 1, "model": "llama-3.1-8b", "weights": "fp8",
      "workload": {"scenario": "server", "dataset": "MLPerf llama3.1-8b"}, "metric": "output_tok_s_deployment",
      "value": 1000, "tag": "audited", "source": "test")" + latency + "}";
  };
  // Well inside the limits (2 s, 100 ms); and a TTFT no rate can meet (1 us), which falls back.
  const std::string inside = R"(, "reported_latency_ms": {"mean_ttft": 100, "p99_ttft": 300, "mean_tpot": 20, "p99_tpot": 30})";
  const std::string impossible = R"(, "reported_latency_ms": {"mean_ttft": 0.001, "p99_ttft": 0.001, "mean_tpot": 20, "p99_tpot": 30})";
  const std::string path = write_temp("operating-point.json", R"({"schema": "infersim-measurements/1", "measurements": [)" +
                                                                 server_row("a", inside) + "," +
                                                                 server_row("b", impossible) + "]}");
  const MeasurementSet set = read_measurements(path);
  std::remove(path.c_str());
  REQUIRE(set.rows.size() == 2);
  PredictOptions at_point;
  at_point.at_measured_latency = true;
  const Prediction measured = predict(set.rows[0], at_point), capacity = predict(set.rows[0], defaults());
  REQUIRE(measured.ran);
  REQUIRE(capacity.ran);
  auto says = [](const Prediction& p, const std::string& prefix) {
    for (const auto& text : p.assumptions)
      if (text.rfind(prefix, 0) == 0) return true;
    return false;
  };
  CHECK(says(measured, "operating point: the run's reported p99 latencies (TTFT 0.3 s, TPOT 0.03 s"));
  CHECK_FALSE(says(capacity, "operating point:"));
  // Tighter latencies cannot serve more.
  CHECK(measured.predicted < capacity.predicted);
  // No rate meets a 1 us TTFT: the row still runs, at the limits, and says so.
  const Prediction fallback = predict(set.rows[1], at_point);
  REQUIRE(fallback.ran);
  CHECK(says(fallback, "no rate meets the run's reported p99 latencies"));
  CHECK(fallback.predicted == doctest::Approx(capacity.predicted).epsilon(1e-12));
}

TEST_CASE("predict: an MLPerf Offline row issues its replica's share of the dataset's samples, as MLPerf does") {
  const Prediction p = predict_mlperf_row("offline", 2);
  REQUIRE(p.ran);
  const WorkloadSpec w = load_workload("mlperf-llama3.1-8b");
  REQUIRE(w.mlperf.samples > 0);
  // Two TP1 replicas: each runs at least half the samples (ceil), whatever the steady-state floor.
  const std::string line = assumption_starting(p, "offline run: ");
  REQUIRE_FALSE(line.empty());
  CHECK(std::stoll(line.substr(13)) >= (w.mlperf.samples + 1) / 2);
  CHECK(line.find("one of 2 replicas x groups") != std::string::npos);
}

TEST_CASE("predict: an MLPerf Server row runs each rate for the benchmark's minimum duration at the closed form's capacity") {
  const Prediction p = predict_mlperf_row("server", 1);
  REQUIRE(p.ran);
  const std::string line = assumption_starting(p, "server runs: ");
  REQUIRE_FALSE(line.empty());
  CHECK(line.find("MLPerf's minimum duration, 600 s") != std::string::npos);
  // 600 s at a capacity of several requests per second is thousands of requests, above the
  // 1,000-request floor a run had before.
  CHECK(std::stoll(line.substr(13)) > 1000);
}

TEST_CASE("predict: a row's parallelism.dp runs as attention data parallelism, and an ep that is not tp x dp is refused") {
  auto with = [](const std::string& parallelism) {
    const std::string path = write_temp("dp.json", R"({"schema": "infersim-measurements/1", "measurements": [
      {"id": "r", "hardware": "gb300", "chips": 8, "model": "deepseek-r1", "weights": "fp4",
       "parallelism": )" + parallelism + R"(, "workload": {"scenario": "offline", "dataset": "MLPerf deepseek-r1"},
       "metric": "output_tok_s_deployment", "value": 1000, "tag": "audited", "source": "test"}]})");
    const MeasurementSet set = read_measurements(path);
    std::remove(path.c_str());
    REQUIRE(set.rows.size() == 1);
    PredictOptions closed;
    closed.closed_form = true;
    return predict(set.rows[0], closed);
  };
  const Prediction dp = with(R"({"tp": 1, "dp": 8})");
  REQUIRE(dp.ran);
  CHECK(dp.deployment == "1 x (tp=1 pp=1 ep=8, attention dp=8) on 8 gb300");
  const Prediction bad = with(R"({"tp": 1, "dp": 8, "ep": 4})");
  CHECK_FALSE(bad.ran);
  CHECK(bad.skipped_reason.find("is not tp x dp (8)") != std::string::npos);
}
