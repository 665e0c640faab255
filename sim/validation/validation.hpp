// Contract: predicting a published measurement, and summarising how far the predictions are off.
//
// predict() runs the scenario a row describes on the serving layer (serving/serving.hpp) and
// returns the metric it names; rows that cannot be run are returned with ran = false and the reason
// naming the field that would make them run (never dropped). What each scenario runs:
//   fixed-batch    static scheduler, `batch` requests of input+output tokens at t = 0, max batch =
//                  batch; the KV cache admits them in waves when it cannot hold them all at once;
//                  throughput = output tokens / makespan (prefill included), TTFT = mean TTFT
//   single-stream  closed loop, 1 user, no think time, 8 requests of the row's lengths
//   concurrency    closed loop, `concurrency` users, no think time, continuous batching,
//                  max(3 x concurrency, 24) requests; itl_mean_s = mean inter-token latency
//   offline        all requests at t = 0, chunked prefill (8192 tokens per step), at most 2048
//                  running sequences (the KV cache binds first), at least 4 full batches of requests
//                  per replica so that the figure is the steady state, not one batch's drain
//   server         Poisson arrivals, the same lengths, the highest rate whose p99 TTFT and p99 TPOT
//                  meet the row's limits (pareto.hpp max_rate_meeting_slo); deployment throughput =
//                  rate x mean output tokens. MLPerf Interactive rows are server rows with tighter limits.
// Lengths: the row's input/output_tokens, else its MLPerf dataset's bundled workload
// (workloads/mlperf-*.json: the published length distributions), with the output shape moved to
// the row's measured_mean_output_tokens (what the system generated) or mean_output_tokens_derived.
// Deployment: `chips` chips as data-parallel replicas of the row's parallelism, else of the replica
// shape an operator would pick (planner/deployment.hpp: the best closed-form throughput, under the
// TPOT limit for server rows); the choice and the runner-up are listed in the assumptions.
// Deployment metrics = replicas x one replica's. KV cache precision: fp8 for fp8 and fp4 weights,
// bf16 for bf16 (the rows do not say; the FP8 recipes of the audited stacks quantise the KV cache).
// `serve` lets the caller run the serving loop on another engine (the DES, in a child process).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/scenario.hpp"
#include "serving/serving.hpp"
#include "validation/measurements.hpp"

namespace infersim {

using ServeFunction =
    std::function<ServingResult(const Scenario&, const Plan&, const WorkloadSpec&, const ServingOptions&)>;

struct PredictOptions {
  Calibration calibration;           // "ideal" by default
  std::string engine = "analytic";   // recorded; `serve` does the work
  ServeFunction serve;               // empty: run_serving_analytic
  long long offline_requests = 1000; // per replica, at least (and at least steady_batches full batches)
  long long server_requests = 1000;  // per replica, per point of the rate search, at least
  long long steady_batches = 4;      // requests per replica >= this many full batches
  int server_bisections = 5;         // after bracketing [r, 2r]: 2^(1/32), the rate within 2.2 %
  bool closed_form = false;          // the steady-state closed-form estimate instead of a serving run
  bool auto_calibration = false;     // each row runs with auto_calibration_for(row) (calibrate.hpp)
  // true: server rows that report their p99 latencies are asked for the rate at those latencies
  // (the point of the latency-throughput curve the run measured: a Server result is the rate its
  // submitter scheduled, often well inside the limits). Off by default: the model's p99 TTFT under
  // load is queueing near saturation, so a target a little inside the limit moves the rate a lot
  // (405B on 32 H100 at its measured p99 TTFT: a rate below the measured one even uncalibrated).
  bool at_measured_latency = false;
  std::uint64_t seed = 1;
};

struct Prediction {
  std::string id;
  std::string tag;
  std::string software;
  std::string hardware, model;
  bool interactive = false;  // an MLPerf Interactive row (a server row with the Interactive limits)
  MeasuredScenario scenario = MeasuredScenario::offline;
  MeasuredMetric metric = MeasuredMetric::output_tok_s_deployment;
  double measured = 0;
  bool ran = false;
  std::string skipped_reason;  // when !ran
  double predicted = 0;
  double relative_error = 0;   // predicted / measured - 1
  std::string deployment;      // "4 x (tp=2 pp=1) of 8 h100-sxm"
  std::string calibration;     // the calibration it ran with
  std::vector<std::string> assumptions;
  // Server rows that report a mean TPOT: that TPOT, and the model's at the measured concurrency
  // (the steady-state step, planner/deployment.hpp steady_step_s, at the batch Little's law gives:
  // measured tokens/s x measured TPOT, per micro-batch group), a second observable for calibrate:
  // throughput alone does not say how a step's time splits between per-token and fixed costs.
  std::optional<double> measured_tpot_s, predicted_tpot_s;
};

Prediction predict(const Measurement& m, const PredictOptions& o);
// Calls f(0..n-1) on two threads (each index once; the first exception is rethrown after both stop).
void for_each_index(size_t n, const std::function<void(size_t)>& f);
std::vector<Prediction> predict_all(const MeasurementSet& set, const PredictOptions& o);

struct ErrorSummary {
  long long rows = 0;          // ran
  long long skipped = 0;
  double median_abs_error = 0; // of |predicted / measured - 1|
  double worst_abs_error = 0;
  std::string worst_id;
};
// Per tag ("audited", "vendor-claim"), "all", and audited rows per platform ("audited on h100-sxm"),
// per model ("audited llama-2-70b") and per scenario ("audited offline", "audited interactive").
std::map<std::string, ErrorSummary> summarise(const std::vector<Prediction>& predictions);

nlohmann::json to_json(const Prediction& p);
nlohmann::json to_json(const std::map<std::string, ErrorSummary>& s);

}  // namespace infersim
