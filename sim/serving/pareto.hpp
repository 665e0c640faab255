// Contract: the batch-vs-latency study (registry B7) and the MLPerf-server-style search.
//
// sweep() runs the serving simulation at each point of one axis (arrival rate, or the batch cap
// at the workload's rate) and marks the Pareto frontier of deployment throughput (higher is
// better) against p99 TPOT (lower is better): a point is on it when no other point has at least
// its throughput and at most its p99 TPOT, one of them strictly.
// max_rate_meeting_slo() finds the highest arrival rate whose p99 TTFT and p99 TPOT meet the
// workload's SLO, by doubling to bracket it and then bisecting (as MLPerf's server scenario
// searches for its target QPS); it assumes that meeting the SLO is monotone in the rate, which
// holds for FIFO schedulers up to simulation noise (each point uses the same seed).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "serving/serving.hpp"

namespace infersim {

struct ParetoPoint {
  double rate_req_s = 0;
  long long max_batch = 0;
  double output_tok_s_deployment = 0;
  double output_tok_s_per_chip = 0;
  double tpot_p99_s = 0;
  double ttft_p99_s = 0;
  double goodput_req_s = 0;
  bool slo_met = false;
  bool on_frontier = false;
};

enum class SweepAxis { rate, batch };

std::vector<ParetoPoint> sweep(const Scenario& s, const Plan& plan, const WorkloadSpec& w, const ServingOptions& o,
                               SweepAxis axis, const std::vector<double>& values);
void mark_frontier(std::vector<ParetoPoint>& points);

struct RateSearch {
  bool found = false;          // some rate >= the lower bound meets the SLO
  double max_rate_req_s = 0;   // highest rate found that meets it
  double first_failing_req_s = 0;
  double sustainable_rate_req_s = 0;  // steady output tokens/s / mean output, 3 batches queued at t = 0: the bound
  int runs = 0;
};
// Bisection steps at most (--bisections, a suite's "bisections"): the search halves a geometric
// interval of doubles, which stops changing after about 60 halvings; more only burns time.
constexpr int kMaxBisections = 60;
// Throws InputError if the workload has no SLO. Rates above the sustainable rate (the steady output
// tokens/s over the mean output of at least three full batches of these requests all queued at
// t = 0) count as failing: a finite run could otherwise meet a latency SLO at any rate.
// `must_meet_rate` > 0: a bar to beat (comparing deployments, branch and bound): if the SLO is not
// met at that rate the search stops there, not found (one run, or two when the rate meets it but
// exceeds the sustainable rate); otherwise it searches
// upwards from it (start_rate is then ignored).
RateSearch max_rate_meeting_slo(const Scenario& s, const Plan& plan, const WorkloadSpec& w, const ServingOptions& o,
                                double start_rate, int bisections, double must_meet_rate = 0);

nlohmann::json to_json(const std::vector<ParetoPoint>& points);

}  // namespace infersim
