// Contract: predicting a published measurement, and summarising how far the predictions are off.
//
// predict() runs the scenario a row describes on the serving layer (serving/serving.hpp) and
// returns the metric it names; rows that cannot be run are returned with ran = false and the reason
// (never dropped). What each scenario runs (validation/README.md has the table):
//   fixed-batch    static scheduler, `batch` requests of input+output tokens at t = 0, max batch = batch;
//                  throughput = output tokens / makespan (prefill included), TTFT = mean TTFT
//   single-stream  closed loop, 1 user, no think time, 8 requests of the row's lengths
//   concurrency    closed loop, `concurrency` users, no think time, continuous batching,
//                  max(3 x concurrency, 24) requests; itl_mean_s = mean inter-token latency
//   offline        all requests at t = 0, continuous batching (max batch 2048, the KV cache binds),
//                  prompt lengths from workloads/offline.json when the row gives none (an assumption
//                  the row reports), outputs: the row's output_tokens, else lognormal with
//                  mean_output_tokens_derived (sigma of workloads/offline.json); no length: skipped
//   server         Poisson arrivals, the same lengths, the highest rate whose p99 TTFT and p99 TPOT
//                  meet the row's limits (pareto.hpp max_rate_meeting_slo); deployment throughput =
//                  rate x mean output tokens; no limits: skipped
// Deployment: `chips` chips; the replica is tp x pp of the row's parallelism, else the smallest
// power-of-two tp whose weights take at most half of a chip's usable memory (the rest for the KV
// cache, as serving stacks size it); chips / replica-chips data-parallel replicas share the load
// evenly (deployment metrics = replicas x one replica's). KV cache precision: fp8 for fp8 and fp4
// weights, bf16 for bf16 (the rows do not say; TensorRT-LLM's FP8 recipes quantise the KV cache).
// `serve` lets the caller run the serving loop on another engine (the DES, in a child process).
#pragma once

#include <functional>
#include <map>
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
  long long offline_requests = 1000; // per replica
  long long server_requests = 1000;  // per replica, per point of the rate search
  int server_bisections = 7;
  std::uint64_t seed = 1;
};

struct Prediction {
  std::string id;
  std::string tag;
  std::string software;
  MeasuredScenario scenario = MeasuredScenario::offline;
  MeasuredMetric metric = MeasuredMetric::output_tok_s_deployment;
  double measured = 0;
  bool ran = false;
  std::string skipped_reason;  // when !ran
  double predicted = 0;
  double relative_error = 0;   // predicted / measured - 1
  std::string deployment;      // "4 x (tp=2 pp=1) of 8 h100-sxm"
  std::vector<std::string> assumptions;
};

Prediction predict(const Measurement& m, const PredictOptions& o);
std::vector<Prediction> predict_all(const MeasurementSet& set, const PredictOptions& o);

struct ErrorSummary {
  long long rows = 0;          // ran
  long long skipped = 0;
  double median_abs_error = 0; // of |predicted / measured - 1|
  double worst_abs_error = 0;
  std::string worst_id;
};
// Per tag ("audited", "vendor-claim") and "all".
std::map<std::string, ErrorSummary> summarise(const std::vector<Prediction>& predictions);

nlohmann::json to_json(const Prediction& p);
nlohmann::json to_json(const std::map<std::string, ErrorSummary>& s);

}  // namespace infersim
