// Contract: what the serving layer (schedulers, KV cache, workloads) asks of an engine.
//
// The serving loop of one replica is written once, against this interface, and runs on either
// engine: AnalyticRuntime advances a plain clock by the closed-form step time (no contention, exact
// and fast: used for the queueing-theory tests and the quick sweeps); the DES runtime (des/) runs the
// same step as SimGrid activities on the platform, inside a SimGrid actor, so that contention,
// communication and stragglers emerge. Calls block until the simulated time has advanced.
//
// Both runtimes take their step costs from costmodel/step_cost.hpp: the physics is never copied.
#pragma once

#include "costmodel/step_cost.hpp"
#include "units/units.hpp"

namespace infersim {

class ReplicaRuntime {
 public:
  virtual ~ReplicaRuntime() = default;
  // Current simulated time.
  virtual Seconds now() const = 0;
  // Executes one step (a decode iteration, a prefill chunk, or a mix) on the replica's chips and
  // returns once it has finished; returns the step's duration.
  virtual Seconds run_step(const StepShape& shape) = 0;
  // Idles until `t` (nothing to run before the next arrival). No-op if t <= now().
  virtual void sleep_until(Seconds t) = 0;
  // The replica's state just changed (a request arrived or finished, a prefill chunk ran, a request
  // was preempted). A runtime that defers steps whose time it knows in advance (the DES's event
  // detail) runs what it has deferred now, so that its timeline has one activity per stretch
  // between events; others ignore it. Never changes a result.
  virtual void mark_event() {}
};

}  // namespace infersim
