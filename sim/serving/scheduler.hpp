// Contract: a batch scheduler picks the work of one replica's next step.
//
// The serving loop (serving/serving.hpp) owns the requests, the waiting queue, the running set and
// the KV cache (ReplicaState) and calls schedule() before every step. schedule() may admit waiting
// requests (moving them to `running`, allocating their KV blocks), preempt running ones
// (ReplicaState::preempt) and must return the step's work: for each chosen running request, how
// many tokens it processes (a prefill chunk, or 1 decode token, or k+1 with speculative decoding).
// An empty batch means "nothing can run until something arrives". It must never allocate more KV
// than the cache has, nor schedule a request that is not running. The loop then runs the step on
// the runtime and applies it (tokens emitted, requests finished, blocks freed).
//
// Request life: waiting -> (admitted) running: prefill (kv_tokens < prefill_target) -> decode ->
// finished. A prefill that reaches its target emits one token. Preemption by recompute drops the
// KV and sends the request back to the front of the queue with prefill_target = prompt + generated;
// by swap, the KV is copied to the swap tier (costed by the loop) and copied back on re-admission.
//
// Schedulers are chosen by name from an explicit table (scheduler_registry()).
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "serving/kv_cache.hpp"
#include "serving/rng.hpp"

namespace infersim {

struct ServingOptions;

struct Request {
  long long id = 0;
  long long user = -1;
  double arrival_s = 0;
  long long prompt = 0;
  long long output = 0;
  long long generated = 0;       // output tokens emitted so far
  long long kv_tokens = 0;       // tokens whose KV is cached (logical; the window caps what is held)
  long long prefill_target = 0;  // tokens to prefill before decoding (prompt; after recompute: more)
  long long blocks = 0;          // KV blocks held
  long long admitted_seq = 0;    // admission order (preemption picks the latest)
  long long preemptions = 0;
  bool swapped = false;          // KV is in the swap tier
  double scheduled_s = -1;
  double first_token_s = -1;
  double last_token_s = -1;
  double itl_sum_s = 0, itl_max_s = 0;
  long long itl_count = 0;
  bool tpot_lost = false;        // counted as certainly past the TPOT limit (ServingOptions::stop_once_slo_lost)
  bool in_prefill() const { return kv_tokens < prefill_target; }
  bool finished() const { return generated >= output; }
};

struct BatchItem {
  int slot = 0;          // index into ReplicaState::requests
  long long tokens = 0;  // processed this step
  bool decode = false;   // a decode step (tokens = 1, or k+1 speculative)
};

class ReplicaState;

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual void schedule(ReplicaState& state, std::vector<BatchItem>& batch) = 0;
};

// The replica's requests, queues and cache, with the moves every scheduler shares.
class ReplicaState {
 public:
  ReplicaState(const ServingOptions& options, KvCache cache);

  const ServingOptions& options;
  KvCache kv;
  std::vector<Request> requests;  // slots; a finished request's slot is reused
  std::deque<int> waiting;        // FIFO of slots; preempted requests go to the front
  std::vector<int> running;       // slots, in admission order
  double now_s = 0;
  double kv_bytes_per_token_chip = 0;  // for swap traffic
  long long preemptions = 0;
  double swap_bytes_pending = 0;  // KV bytes to copy to/from the swap tier before the next step
  double swap_bytes_total = 0;
  long long recomputed_tokens = 0;

  int new_slot();
  void free_slot(int slot);
  // KV tokens a request holds blocks for when it has `tokens` logical tokens (sliding window aware).
  long long held_tokens(long long tokens) const;
  // Tokens its attention reads (sliding window aware).
  long long context_tokens(const Request& r) const { return held_tokens(r.kv_tokens); }
  // Admits the front waiting request if KV for its first `tokens` logical tokens fits (`tokens`:
  // its prefill target, or a first chunk; a swapped request needs its whole KV back, whatever
  // `tokens` says); false and no change otherwise. The caller checks max_batch.
  bool admit_front(long long tokens);
  // Grows a running request's KV to cover `tokens`, preempting the most recently admitted other
  // requests while it does not fit. False when even preempting everyone else would not help (then
  // the request itself is preempted and removed from `running`).
  bool grow_or_preempt(int slot, long long tokens);
  // Preempts a running request (recompute or swap, per options), moving it to the waiting front.
  void preempt(int slot);
  // Tokens the next decode step of a request processes (1, or k+1 with speculative decoding).
  long long decode_tokens() const;

 private:
  std::vector<int> free_slots_;
  long long admissions_ = 0;
};

struct SchedulerInfo {
  std::string name;
  std::string description;  // one line, with the key constants
  std::function<std::unique_ptr<Scheduler>(const ServingOptions&)> make;
  bool disaggregated = false;  // runs as a prefill pool and a decode pool
};

// The explicit table of schedulers (no self-registration).
const std::vector<SchedulerInfo>& scheduler_registry();
// Throws InputError naming --scheduler and listing the valid names for an unknown one.
const SchedulerInfo& find_scheduler(const std::string& name);
std::string scheduler_help();

// The factories (schedulers/*.cpp).
std::unique_ptr<Scheduler> make_static_scheduler(const ServingOptions& o);
std::unique_ptr<Scheduler> make_continuous_scheduler(const ServingOptions& o);
std::unique_ptr<Scheduler> make_chunked_prefill_scheduler(const ServingOptions& o);

}  // namespace infersim
