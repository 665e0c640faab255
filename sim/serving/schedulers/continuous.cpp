// Continuous (iteration-level) batching, as in Orca (OSDI'22) and vLLM's default scheduler before
// chunked prefill: every step, first admit waiting requests (FIFO) whose prompt's KV fits, up to
// max_batch running requests and max_batch_tokens prompt tokens per step, and run their whole
// prefills as one step; if none can be admitted, decode every running request by one token (k+1
// with speculative decoding). When a decode needs a block the cache does not have, the most
// recently admitted request is preempted (recompute or swap). A prefill step stalls every running
// decode: the TPOT spikes chunked prefill (Sarathi-Serve, OSDI'24) smooths out.
#include <algorithm>

#include "serving/scheduler.hpp"
#include "serving/serving.hpp"

namespace infersim {

namespace {
class ContinuousScheduler : public Scheduler {
 public:
  explicit ContinuousScheduler(const ServingOptions& o) : o_(o) {}
  void schedule(ReplicaState& st, std::vector<BatchItem>& batch) override {
    batch.clear();
    long long tokens = 0;
    while (!st.waiting.empty() && static_cast<long long>(st.running.size()) < o_.max_batch) {
      const int slot = st.waiting.front();
      const Request& r = st.requests[static_cast<size_t>(slot)];
      if (r.swapped || !r.in_prefill()) {
        // Swapped back in, or arrived prefilled (the decode pool of a disaggregated deployment).
        if (!st.admit_front(r.kv_tokens)) break;
        continue;
      }
      const long long t = r.prefill_target - r.kv_tokens;
      if (tokens > 0 && tokens + t > o_.max_batch_tokens) break;
      if (!st.admit_front(r.prefill_target)) break;
      batch.push_back({slot, t, false});
      tokens += t;
    }
    if (!batch.empty()) return;
    const long long d = st.decode_tokens();
    for (size_t i = 0; i < st.running.size(); ++i) {
      const int slot = st.running[i];
      const Request& r = st.requests[static_cast<size_t>(slot)];
      if (r.in_prefill()) continue;
      if (!st.grow_or_preempt(slot, std::min(r.kv_tokens + d, r.prompt + r.output))) break;
      batch.push_back({slot, d, true});
    }
  }

 private:
  const ServingOptions& o_;
};
}  // namespace

std::unique_ptr<Scheduler> make_continuous_scheduler(const ServingOptions& o) {
  return std::make_unique<ContinuousScheduler>(o);
}

}  // namespace infersim
