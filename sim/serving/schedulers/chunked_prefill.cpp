// Chunked prefill (Sarathi-Serve, OSDI'24; vLLM's default since v0.6 with
// enable_chunked_prefill): every step carries at most token_budget tokens. Running decodes go
// first (1 token each, k+1 with speculative decoding), then the ongoing prefills continue in
// admission order, then waiting requests are admitted, each taking a chunk of what is left of the
// budget. A long prompt is spread over several steps, so decodes are never stalled for a whole
// prompt; the price is that the prompt's chunks re-read the KV of its earlier chunks.
// KV blocks are allocated chunk by chunk; a decode that cannot grow preempts the most recently
// admitted request.
#include <algorithm>

#include "serving/scheduler.hpp"
#include "serving/serving.hpp"

namespace infersim {

namespace {
class ChunkedPrefillScheduler : public Scheduler {
 public:
  explicit ChunkedPrefillScheduler(const ServingOptions& o) : o_(o) {}
  void schedule(ReplicaState& st, std::vector<BatchItem>& batch) override {
    batch.clear();
    long long budget = o_.token_budget;
    const long long d = st.decode_tokens();
    for (size_t i = 0; i < st.running.size() && budget >= d; ++i) {
      const int slot = st.running[i];
      const Request& r = st.requests[static_cast<size_t>(slot)];
      if (r.in_prefill()) continue;
      if (!st.grow_or_preempt(slot, std::min(r.kv_tokens + d, r.prompt + r.output))) break;
      batch.push_back({slot, d, true});
      budget -= d;
    }
    for (size_t i = 0; i < st.running.size() && budget > 0; ++i) {
      const int slot = st.running[i];
      Request& r = st.requests[static_cast<size_t>(slot)];
      if (!r.in_prefill()) continue;
      const long long c = std::min(budget, r.prefill_target - r.kv_tokens);
      // A prefill chunk preempts only when nothing else would run (else the cache could fill with
      // half-done prefills and stall).
      if (batch.empty() ? !st.grow_or_preempt(slot, r.kv_tokens + c) : !st.kv.grow(r.blocks, st.held_tokens(r.kv_tokens + c)))
        break;
      batch.push_back({slot, c, false});
      budget -= c;
    }
    while (budget > 0 && !st.waiting.empty() && static_cast<long long>(st.running.size()) < o_.max_batch) {
      const int slot = st.waiting.front();
      Request& r = st.requests[static_cast<size_t>(slot)];
      const long long c = std::min(budget, r.prefill_target - r.kv_tokens);
      if (r.swapped || !r.in_prefill()) {
        // Swapped back in, or arrived prefilled (the decode pool of a disaggregated deployment).
        if (!st.admit_front(r.kv_tokens)) break;
        if (!r.in_prefill()) continue;  // decodes from the next step on
        if (!st.kv.grow(r.blocks, st.held_tokens(r.kv_tokens + c))) continue;
      } else if (!st.admit_front(r.kv_tokens + c)) {
        break;
      }
      batch.push_back({slot, c, false});
      budget -= c;
    }
  }

 private:
  const ServingOptions& o_;
};
}  // namespace

std::unique_ptr<Scheduler> make_chunked_prefill_scheduler(const ServingOptions& o) {
  return std::make_unique<ChunkedPrefillScheduler>(o);
}

}  // namespace infersim
