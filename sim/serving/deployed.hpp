// Contract: a deployment the planner chose (planner/deployment.hpp) set up for a serving run, the
// one rule validate and report share.
//
// A data-parallel deployment is simulated as one of its replicas and a pipelined replica as one of
// its micro-batch groups: the group gets its share of the sequence cap and of the KV cache, and
// waits for the slowest group of each round (ServingOptions::pipeline_groups). The deployment's
// throughput is the run's times replicas x groups, its arrival rate likewise: data-parallel scaling
// is close to linear (MLPerf v5.1: 16 and 32 H100s give 1.99x and 3.99x the 8-GPU result,
// ../shared/validation/DATASETS.md), and the router's balance across replicas is not what these
// figures measure.
// Steady state: a run holds at least kSteadyBatches full batches of its group and
// kSteadyMinRequests requests (fewer is mostly the ramp and the drain of one batch).
#pragma once

#include <optional>

#include "planner/deployment.hpp"
#include "serving/serving.hpp"

namespace infersim {

constexpr long long kSteadyBatches = 4;
constexpr long long kSteadyMinRequests = 200;

struct ServedReplica {
  DeploymentChoice choice;
  Scenario s;          // one replica: chips = plan.chips (tp x pp, x attention copies), dp = 1
  Plan plan;
  ServingOptions so;   // the group's share of max_batch and KV blocks; pipeline_groups set
  long long replicas = 1, groups = 1;
  double scale() const { return static_cast<double>(replicas * groups); }
  // Requests a run needs for the steady state, at least `wanted`.
  long long steady_requests(long long wanted) const;
};

// `streamed`: the run is a stream of requests (Offline, Server), where a pipelined replica keeps
// its groups in flight; otherwise (fixed batches, closed loops) it runs as one group. `ep`
// overrides the choice's expert-parallel degree.
ServedReplica serve_one_replica(const Scenario& s, const DeploymentChoice& d, long long chips,
                                const ServingOptions& so, bool streamed, std::optional<long long> ep = {});

// An MLPerf Offline run lasts at least the benchmark's minimum duration: LoadGen issues at once
// enough samples for it at the expected rate (more than the dataset when the system is fast). A
// simulated run shorter than `min_duration_s` is extended by the requests it lacks flowing
// through at its steady-window rate (ServingResult::steady_output_tok_s_deployment): the ramp and
// the drain happen once either way, so only the steady middle grows. Simulating those requests
// instead costs many times more (600 s of DeepSeek-R1 on a wide expert-parallel GB300 replica is
// 80 million sequence-steps) and is not identical: in the one comparison made (8 x GB300 Offline,
// a 16,384-sequence cap) the extension gave 85,343 tok/s and the full 600 s run 78,286, 9 % apart
// (the steady window of a 4-batch run is a little faster than a 600 s run's average). Output tok/s
// of the replica-group, extended; the run's own figure when it is long enough or has no steady
// window.
double offline_tok_s_over_min_duration(const ServingResult& r, double min_duration_s);

}  // namespace infersim
