// Contract: the discrete-event engine. run_in_engine() builds a SimGrid platform from the
// scenario's hardware and plan, starts one actor for the replica and runs `body` inside it against
// a DesReplicaRuntime (a ReplicaRuntime, serving/runtime.hpp): every run_step() turns the shared
// cost model's StepCost (costmodel/step_cost.hpp) into SimGrid activities and returns when they end.
// It returns when `body` returns (or a stop was requested), after the engine has run to completion.
// One engine per process (SimGrid 3.32): call run_in_engine() at most once per process.
//
// Platform (des/platform.cpp): one host per chip (peak FLOP/s at the compute precision), one
// pseudo-host per chip per memory tier whose speed is the tier's bandwidth in bytes/s (so that
// concurrent streams share it), and the interconnect as SimGrid links and zones: `switch` a star
// (one split-duplex link per chip), `ring`/`torus2d`/`mesh2d`/`wafer` a torus, `dragonfly` a
// dragonfly whose routers each hold one tensor-parallel group, and between scale-up domains a
// one-level fat tree (a non-blocking switch of the scale-out latency; each chip's flows are capped
// at its NIC bandwidth). Network model CM02, no cross-traffic, no TCP-gamma (SIMGRID-NOTES.md).
//
// Detail (the speed/accuracy trade-off):
//   event (default) step detail with event-driven time advance: a folded step shares nothing with
//         another actor, so its duration is fixed by the platform before it runs (each phase lasts
//         its longest stream at the hosts' speeds, then the collectives); such steps are costed
//         into a pending run, and the run is one timer on the engine at the next event of the
//         serving loop (an arrival, a request finishing, a prefill chunk, a preemption:
//         ReplicaRuntime::mark_event), idle wait, transfer or end. Same counters and trace records
//         as step detail, times equal to it within the engine's rounding (1e-9 relative: the
//         fidelity test); ~1 activity per stretch between events instead of ~3 per step. Pipeline
//         workers (pp > 1 with micro-batches) and the pools of a disaggregated deployment (the
//         decode pool takes work from another actor) run as step detail.
//   step  the reference: every step executed as activities. A step is folded into ~3 activities for the whole replica: one Exec of the
//         stage's FLOP x pp on a representative chip, in parallel one Exec per memory tier of its
//         bytes x pp on that chip's tier pseudo-host (so max(compute, memory) emerges), then one
//         timer for the step's collectives, whose times come from rings, all-to-alls and sends
//         measured once on the built platform at start-up (affine fit of two payloads:
//         latency and bandwidth terms from the topology), or from collectives.hpp with
//         collectives_from_formula. Exact for symmetric chips and identical stages; no link
//         contention between collectives. ~350 k activities per wall second.
//         With micro_batches > 1 and pp > 1, the stages run as actors exchanging real sends,
//         so pipeline bubbles emerge: ~3 activities per stage per micro-batch.
//   layer every chip runs every layer: Exec compute and memory per layer per chip, then the
//         layer's tensor-parallel all-reduces as real ring comms between neighbours, the
//         expert all-to-alls as real comms, and real sends between stages (micro-batched).
//         Contention between chips and links emerges; ~(tp * (2 + 4(tp-1)) * layers) activities
//         per step: 100-1000x slower than step.
#pragma once

#include <algorithm>

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"
#include "serving/runtime.hpp"
#include "serving/serving.hpp"
#include "trace/trace.hpp"
#include "units/units.hpp"

namespace infersim {

enum class Detail { event, step, layer };
const char* to_string(Detail d);
bool parse_detail(const std::string& text, Detail* out);

struct DesOptions {
  Detail detail = Detail::step;
  std::uint64_t seed = 1;                  // recorded; workloads draw from their own seeded RNG
  long long micro_batches = 1;             // pipeline micro-batches per step (1: the batch crosses stages in turn)
  bool collectives_from_formula = false;   // step detail: textbook formulas instead of calibration
  std::string trace_path;                  // empty: no trace
  std::vector<std::string> simgrid_args;   // forwarded to the Engine (--cfg=..., --log=...)
  bool stop_on_signals = false;            // SIGINT/SIGTERM end the run cleanly (see below)
};

// An affine time a + b * bytes, as measured on the platform (or given by the textbook formula).
struct AffineTime {
  double latency_s = 0;
  double s_per_byte = 0;
  double at(double bytes) const { return bytes > 0 ? latency_s + s_per_byte * bytes : 0.0; }
};

struct CollectiveTimings {
  AffineTime tp_allreduce;   // one all-reduce over the tp group of stage 0, the topology's base
                             // algorithm (two-shot or ring: costmodel/collectives.hpp)
  AffineTime tp_allreduce_one_shot;  // the same, one-shot, where the topology affords it
  bool one_shot = false;             // tp_allreduce_one_shot is set
  // The time of one all-reduce of `bytes`: the faster of the algorithms, as allreduce_time() picks.
  double tp_allreduce_at(double bytes) const {
    const double base = tp_allreduce.at(bytes);
    return one_shot ? std::min(base, tp_allreduce_one_shot.at(bytes)) : base;
  }
  AffineTime ep_all_to_all;  // one all-to-all over the ep group (bytes out per chip)
  AffineTime pp_sends;       // all pp-1 stage-to-stage sends of one token's activations, in turn
  std::string source;        // "measured" (on the platform at start-up) or "formula"
};

// What the engine counted (deterministic: no wall-clock values).
struct DesCounters {
  long long activities = 0;       // SimGrid activities started (Exec, Comm, timers)
  long long steps = 0;
  long long decode_steps = 0;
  long long prefill_steps = 0;
  long long deferred_steps = 0;   // event detail: steps costed into a pending run, not executed alone
  long long event_runs = 0;       // event detail: pending runs executed (one timer each)
  double compute_busy_s = 0;      // per representative chip
  double communication_busy_s = 0;
  std::vector<double> tier_busy_s;   // per memory tier
  std::vector<double> tier_bytes;    // per chip per tier
  double flop = 0;                   // per chip
};

class DesReplicaRuntime : public ReplicaRuntime {
 public:
  ~DesReplicaRuntime() override;
  Seconds now() const override;
  Seconds run_step(const StepShape& shape) override;
  void sleep_until(Seconds t) override;
  void mark_event() override;

  // Tags the activities of the following steps (trace `batch` field).
  void set_batch(std::int64_t batch_id);
  // Records a finished request in the trace.
  void record_request(const TraceRequestRecord& r);
  // True once SIGINT/SIGTERM arrived (see request_stop_on_signals): the body should return.
  bool stop_requested() const;
  const DesCounters& counters() const;
  const CollectiveTimings& collectives() const;

  struct Impl;
  explicit DesReplicaRuntime(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

struct DesRunInfo {
  DesCounters counters;
  CollectiveTimings collectives;
  double simulated_s = 0;       // from the end of calibration to the end of the body
  double calibration_s = 0;     // simulated time the start-up calibration took
  long long chips = 0;
  long long hosts = 0;          // SimGrid hosts (chips + memory pseudo-hosts)
  long long links = 0;
  bool stopped = false;         // a signal stopped the run early
};

DesRunInfo run_in_engine(const Scenario& s, const Plan& plan, const DesOptions& options,
                         const std::function<void(DesReplicaRuntime&)>& body);

// A disaggregated deployment on the DES: the platform holds two copies of the plan's chips (the
// prefill pool's, then the decode pool's), each pool a DesReplicaRuntime driven by its own actor;
// the KV cache moves between pools as real transfers on the platform's network, chip i of the
// prefill pool to chip i of the decode pool, each hand-off from an actor of its own: the prefill
// pool goes on with its next step, and hand-offs in flight together share the ports and NICs they
// cross (max-min fair: tests/des/test_disaggregated.cpp derives it); the decode pool takes a
// request when its KV has arrived. Step (or event, run as step) detail without pipeline workers
// only (InputError otherwise). Collective timings are measured once on the first pool and used by both.
DesRunInfo run_pools_in_engine(const Scenario& s, const Plan& plan, const DesOptions& options,
                               const std::function<void(ReplicaRuntime& prefill, ReplicaRuntime& decode,
                                                        KvTransfer& transfer, PoolRunner& runner)>& body);

// The minimal workload of `infersim simulate`: `requests` requests of the scenario's prompt and
// output lengths, all arriving at t=0, served in static batches of s.batch (the last may be
// smaller): each batch runs its prompts as one prefill chunk (which yields the first token), then
// output_tokens-1 decode iterations, iteration k attending to prompt+k cached tokens (mean
// prompt+output/2, the closed form's decode context). Returns the results JSON: the closed form's
// fields (analytic/projection.hpp to_json) with "engine": "des" and the measured values, plus
// "des" (calibration, counters, utilisation), "closed_form" (for comparison) and "requests".
// Deterministic: no wall-clock values.
nlohmann::json simulate_static_batches(const Scenario& s, const Plan& plan, const DesOptions& options,
                                       long long requests);

// Installs SIGINT/SIGTERM handlers that set the one process-wide stop flag (the DES checks it
// between steps and ends cleanly: the trace is closed, marked incomplete). run_in_engine() calls it
// after constructing the Engine when DesOptions::stop_on_signals (SimGrid installs its own).
void request_stop_on_signals();

}  // namespace infersim
