// Contract: the serving simulation of one deployment, written once against ReplicaRuntime.
//
// run_serving() draws requests from the workload, lets the chosen scheduler batch them step by
// step on a replica, and measures what a user of vLLM / Vidur / DistServe measures (metrics.hpp).
// The loop only calls runtime.now(), run_step() and sleep_until(): the same code runs on
// AnalyticRuntime (a plain clock advanced by the closed-form step time of analytic/projection.hpp)
// and on the DES runtime. Disaggregated serving runs two loops (a prefill pool and a decode pool,
// each a replica of the Plan's chips) on two runtimes, interleaved conservatively (the pool whose
// next event is earliest moves first), joined by a KvTransfer hook that moves each prompt's KV cache:
// AnalyticKvTransfer costs it with the closed-form point-to-point time, a DES implementation can
// send it as network traffic.
//
// Memory: O(requests in the system + users), never O(requests finished): finished requests are
// streamed to ServingOptions::sink and forgotten.
// Signals: every loop checks stop_requested() (interrupt/interrupt.hpp) between steps and returns
// the metrics of what finished so far; the caller marks such a result partial.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/scenario.hpp"
#include "serving/metrics.hpp"
#include "serving/router.hpp"
#include "serving/runtime.hpp"
#include "serving/workload.hpp"

namespace infersim {

enum class PreemptionMode { recompute, swap };

struct ServingOptions {
  std::string scheduler = "continuous";
  long long requests = 0;              // 0: the workload's count
  double rate_req_s = 0;               // > 0: overrides the workload's arrival rate
  std::uint64_t seed = 1;
  long long max_batch = 256;           // running requests at most (vLLM max_num_seqs)
  long long max_batch_tokens = 8192;   // continuous: prefill tokens per step at most (a longer prompt runs alone)
  long long token_budget = 2048;       // chunked prefill: tokens per step (decodes + prefill chunks)
  long long block_tokens = 16;         // paged KV block size
  long long kv_blocks = 0;             // > 0: overrides the capacity derived from the Plan (tests)
  PreemptionMode preemption = PreemptionMode::recompute;
  long long kv_window = 0;             // > 0: sliding-window attention over this many recent tokens
  long long kv_sinks = 0;              // attention-sink tokens kept besides the window
  long long spec_k = 0;                // > 0: speculative decoding with k draft tokens
  double spec_alpha = 0.8;             // per-token acceptance probability
  RoutingSkew routing;                 // MoE models
  // false: no per-step routing draw where it cannot matter (uniform routing, one expert-parallel
  // rank): the cost model's expectation of the experts touched is used instead (step_cost.hpp).
  // With one rank nobody waits for a busiest rank, and the spread of the distinct-expert count of a
  // large batch is negligible; the draw costs O(tokens x top_k) random numbers per step.
  bool draw_routing = true;
  // true: the run ends as soon as the workload's p99 limits can no longer be met: more than 1 % of
  // the requests already past 1.01x the same limit (TTFT at the first token, TPOT at the end; the margin
  // covers the histogram's 0.5 % quantile error, so an early end is always a run that fails).
  // slo_met is then false, `stopped_once_slo_lost` is set and the other figures are of a partial
  // run. For rate searches (pareto.hpp), where half the runs fail and an overloaded one is the
  // costliest to finish.
  bool stop_once_slo_lost = false;
  long long series_every = 1;          // record queue / KV time series every n steps
  // > 1: this replica's loop is one of that many micro-batch groups in flight on a pipelined replica
  // (pp > 1), each with its share of the sequences and KV cache, all crossing the same stages. A
  // group's next step needs its previous one to have crossed every stage, and every stage serves
  // every group of a round in turn, so a round lasts pp x the slowest group's stage time: a group
  // that drew a short step waits for one that drew a long prefill (AnalyticRuntime: the other
  // groups' steps are taken to be this group's previous ones, statistically the same draw).
  long long pipeline_groups = 1;
  RecordSink sink;                     // receives each finished request's record (may be empty)
  bool progress = false;               // a bar of finished requests with an ETA on stderr (a terminal only)
  // Serving-side step overhead is not modelled (the roofline is ideal); see README.
};

// Checks the options (InputError naming the option on bad values).
void validate(const ServingOptions& o);

// A pool's view of moving KV between pools (disaggregated serving).
class KvTransfer {
 public:
  virtual ~KvTransfer() = default;
  // `bytes_per_chip` leave each chip of the sending pool at `ready`; returns when they have arrived.
  virtual Seconds transfer(Bytes bytes_per_chip, Seconds ready) = 0;
  // The same without blocking the sender (the prefill pool goes on with its next step while the KV
  // streams out, as DistServe and Splitwise overlap them): `arrived` is called with the arrival
  // time. Hand-offs in flight together share the links on an engine that models them (the DES);
  // the default completes at once through transfer(), each hand-off alone.
  virtual void transfer_async(Bytes bytes_per_chip, Seconds ready, const std::function<void(Seconds)>& arrived) {
    arrived(transfer(bytes_per_chip, ready));
  }
  // Returns once every transfer_async() has arrived.
  virtual void drain() {}
};

class AnalyticRuntime : public ReplicaRuntime {
 public:
  // pipeline_groups: ServingOptions::pipeline_groups (1: the replica's stages serve this loop alone).
  AnalyticRuntime(const Scenario& s, const Plan& plan, long long pipeline_groups = 1)
      : s_(s), plan_(plan), groups_(pipeline_groups) {}
  Seconds now() const override { return now_; }
  Seconds run_step(const StepShape& shape) override;
  void sleep_until(Seconds t) override { now_ = max(now_, t); }

 private:
  const Scenario& s_;
  const Plan& plan_;
  long long groups_ = 1;
  std::deque<double> recent_stage_s_;  // this group's last groups_ - 1 stage times, standing in for the others'
  Seconds now_;
};

// Point-to-point over the network level the two pools share (scale-up when both fit in one
// scale-up domain, else scale-out); each chip sends its shard in parallel.
class AnalyticKvTransfer : public KvTransfer {
 public:
  AnalyticKvTransfer(const Scenario& s, const Plan& plan);
  Seconds transfer(Bytes bytes_per_chip, Seconds ready) override;

 private:
  const NetworkLevel& net_;
};

struct Distribution {
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;
  long long count = 0;
};

struct ServingResult {
  nlohmann::json json;  // the full result, field names with units (see serve_json_fields in README)
  // The figures sweeps need, also in `json`.
  long long requests = 0;
  double makespan_s = 0;
  Distribution ttft_s, tpot_s, itl_s, e2e_s, queue_s;
  double output_tok_s_deployment = 0;
  double output_tok_s_per_chip = 0;
  // Output tokens per second over the middle half of the completions (the q1-th to q3-th finished
  // request): the steady state, without the first batch's ramp and the last one's drain, which a
  // finite run's whole-makespan figure includes (Offline with all requests at t = 0 converges to
  // it as the run grows). 0 when the run has fewer than 8 requests or did not finish them.
  double steady_output_tok_s_deployment = 0;
  double steady_requests_per_s = 0;  // completions per second over the same window
  double goodput_req_s = 0;
  long long steps = 0;
  bool slo_met = false;  // p99 TTFT and p99 TPOT within the workload's SLO
};

ServingResult run_serving(const Scenario& s, const Plan& plan, const WorkloadSpec& w, const ServingOptions& o,
                          ReplicaRuntime& runtime);
// Data parallelism: one ReplicaLoop per runtime (replica), arrivals routed at arrival time to the
// replica with the fewest outstanding requests (ordered sets: O(log dp) per event). Throughput and
// costs count every replica's chips. The result's "pools" lists every replica's steps and busy time,
// and the time series of the first 16 only ("pools_with_series" says so when there are more).
ServingResult run_serving_replicated(const Scenario& s, const Plan& plan, const WorkloadSpec& w,
                                    const ServingOptions& o, const std::vector<ReplicaRuntime*>& runtimes);
ServingResult run_serving_disaggregated(const Scenario& s, const Plan& plan, const WorkloadSpec& w,
                                        const ServingOptions& o, ReplicaRuntime& prefill, ReplicaRuntime& decode,
                                        KvTransfer& transfer);
// Runs the two pools of a disaggregated deployment concurrently on an engine with actors (the DES):
// run() starts both bodies and returns once both have; the idle decode body calls wait_for_work(),
// which the next notify() ends. The analytic path needs none of this: it interleaves the pools.
class PoolRunner {
 public:
  virtual ~PoolRunner() = default;
  virtual void run(const std::function<void()>& prefill, const std::function<void()>& decode) = 0;
  virtual void wait_for_work() = 0;
  virtual void notify() = 0;
};
// The disaggregated run with each pool in its own actor: the KV transfer may block the prefill
// pool while the decode pool keeps stepping (the DES moves it as traffic on the platform).
ServingResult run_serving_disaggregated_concurrent(const Scenario& s, const Plan& plan, const WorkloadSpec& w,
                                                   const ServingOptions& o, ReplicaRuntime& prefill,
                                                   ReplicaRuntime& decode, KvTransfer& transfer, PoolRunner& runner);
// The analytic driver: builds the runtime(s) and picks the single or disaggregated path.
ServingResult run_serving_analytic(const Scenario& s, const Plan& plan, const WorkloadSpec& w, const ServingOptions& o);

}  // namespace infersim
