// Contract: a serving workload (workloads/<id>.json, schema "infersim-workload/1", documented in
// workloads/README.md) and the stream of requests it produces.
//
// A workload is an arrival process plus prompt and output length distributions (or a CSV trace
// that gives all three), a default request count and, optionally, the SLO its requests are judged
// by. load_workload() reads it with ObjectReader: bad input is an InputError naming the file, the
// JSON pointer (or the CSV line) and the accepted values (exit code 2).
//
// RequestSource turns a spec into arrivals lazily and deterministically from one seed: it holds
// O(users) state, never the whole request list (a trace is the exception: it is the input).
//   poisson       exponential inter-arrival times at rate λ (open loop)
//   gamma         Gamma inter-arrival times, mean 1/λ, coefficient of variation cv (cv > 1: bursty)
//   closed_loop   N users; each sends its next request an exponential think time (mean T) after
//                 its previous one finished (the "agents" of the seed paper); first requests at t=0
//   all_at_once   every request at t = 0 (offline / batch inference)
//   trace         CSV rows arrival_s,prompt_tokens,output_tokens in non-decreasing arrival order
// Lengths: fixed, uniform [min, max], lognormal (mean, sigma; clamped to [min, max]), or an
// empirical histogram CSV (tokens,weight).
//
// An optional `mlperf` block ties a workload to an MLPerf Inference benchmark (its name, sample
// count, minimum run time and the Server / Interactive p99 limits; workloads/mlperf-*.json).
// mlperf_workload_for_dataset() maps a measurement row's free-text dataset ("MLPerf llama2-70b-99")
// to the bundled workload that mirrors it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "serving/rng.hpp"

namespace infersim {

struct LengthDistribution {
  enum class Kind { fixed, uniform, lognormal, histogram };
  Kind kind = Kind::fixed;
  long long tokens = 1;               // fixed
  long long min = 1, max = 1;         // uniform; lognormal's clamp
  double mean = 1, sigma = 0;         // lognormal (mean of the unclamped distribution)
  std::vector<long long> values;      // histogram
  std::vector<double> cumulative;     // histogram, normalised to end at 1
  long long sample(Rng& rng) const;
  double mean_tokens() const;         // of the distribution as sampled (clamping included, approx.)
  double sd_tokens() const;           // its standard deviation, the same way
  // The same distribution with every draw limited to `cap` tokens (a generation cap: a request
  // that would run longer stops there). cap <= 0: unchanged.
  LengthDistribution capped_at(long long cap) const;
};

struct TraceRow {
  double arrival_s = 0;
  long long prompt_tokens = 0;
  long long output_tokens = 0;
};

struct Slo {
  double ttft_p99_s = 0;  // 0: no limit
  double tpot_p99_s = 0;
  bool any() const { return ttft_p99_s > 0 || tpot_p99_s > 0; }
};

// MLPerf Inference facts of a workload (the `mlperf` block, documented in workloads/README.md).
struct MlperfInfo {
  std::string benchmark;                    // e.g. "llama2-70b-99"
  long long samples = 0;                    // dataset size (Offline min_query_count)
  double min_duration_s = 0;                // minimum run (600 s)
  Slo server;                               // Server scenario p99 limits
  Slo interactive;                          // Interactive scenario p99 limits; none: any() is false
  double reference_mean_output_tokens = 0;  // 0: not given
  long long max_output_tokens = 0;          // the harness's generation cap; 0: not given
  bool present = false;                     // the workload has an `mlperf` block
};

struct WorkloadSpec {
  enum class Arrival { poisson, gamma, closed_loop, all_at_once, trace };
  std::string id;
  std::string file;
  std::string description;
  Arrival arrival = Arrival::poisson;
  double rate_req_s = 1.0;     // poisson, gamma
  double cv = 1.0;             // gamma
  long long users = 1;         // closed_loop
  double think_time_s = 0.0;   // closed_loop, mean
  LengthDistribution prompt, output;
  std::vector<TraceRow> trace;
  long long requests = 1000;   // default count (a trace: its rows; with `mlperf`: its samples)
  Slo slo;                     // default with `mlperf`: its Server limits
  MlperfInfo mlperf;
};

const char* to_string(WorkloadSpec::Arrival a);

// Reads a workload by bundled id (workloads/<id>.json) or path.
WorkloadSpec load_workload(const std::string& id_or_path);
WorkloadSpec load_workload_file(const std::string& path);
// Strict CSV readers (header line required; errors name the file and line).
std::vector<TraceRow> read_trace_csv(const std::string& path);
LengthDistribution read_histogram_csv(const std::string& path);

// The bundled workload id (e.g. "mlperf-llama2-70b") for a measurement row's dataset string:
// "MLPerf <benchmark>[-99|-99.9] [(note)]", case-insensitive, e.g. "MLPerf llama2-70b (OpenOrca-
// derived)", "MLPerf llama2-70b-99.9", "MLPerf mixtral-8x7b", "MLPerf llama3.1-405b" (also spelt
// llama3_1 / llama3-1), "MLPerf llama3.1-8b", "MLPerf deepseek-r1": the first word after "MLPerf"
// (before any '(') that names a bundled benchmark. nullopt when the string does not start with the
// word "MLPerf" or names no bundled benchmark.
std::optional<std::string> mlperf_workload_for_dataset(const std::string& dataset);

// One request as the source emits it.
struct Arrival {
  long long id = 0;
  double time_s = 0;
  long long prompt_tokens = 0;
  long long output_tokens = 0;
  long long user = -1;  // closed loop: the user who sent it
};

class RequestSource {
 public:
  // `requests`: how many to emit in total (a trace: at most its rows). `rate_override` > 0 replaces
  // the workload's rate (poisson, gamma; a trace is time-scaled by rate / its mean rate).
  RequestSource(const WorkloadSpec& spec, long long requests, std::uint64_t seed, double rate_override = 0);
  // Time of the next arrival, if one is known now (closed loop: only once a user is free).
  bool has_next() const;
  double next_time() const;
  // Emits the next arrival (its lengths are drawn now). Requires has_next().
  Arrival pop();
  // Closed loop: the user's request finished at `t`; schedules the user's next request.
  void on_finish(long long user, double t);
  // No arrival will ever come again (closed loop: also none in flight that could free a user).
  bool exhausted() const { return emitted_ >= total_; }
  long long total() const { return total_; }
  long long emitted() const { return emitted_; }

 private:
  void advance_clock();

  const WorkloadSpec& spec_;
  long long total_ = 0;
  long long emitted_ = 0;
  Rng arrivals_, lengths_, think_;
  double rate_ = 1.0;
  double trace_scale_ = 1.0;
  double clock_ = 0.0;  // open loop: time of the next arrival
  // closed loop: (time, user) of scheduled next requests
  std::priority_queue<std::pair<double, long long>, std::vector<std::pair<double, long long>>,
                      std::greater<>> users_;
};

}  // namespace infersim
