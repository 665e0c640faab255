// Static batching (FasterTransformer-style, the pre-Orca baseline): when the replica is empty, take
// up to max_batch waiting requests whose whole KV (prompt + output) fits, prefill them together in
// one step, then decode the batch until its last request finishes. Nobody joins a running batch,
// so short requests wait for long ones and the batch drains: the inefficiency continuous batching
// (Orca, OSDI'22) removed.
#include <algorithm>

#include "serving/scheduler.hpp"
#include "serving/serving.hpp"

namespace infersim {

namespace {
class StaticScheduler : public Scheduler {
 public:
  explicit StaticScheduler(const ServingOptions& o) : o_(o) {}
  void schedule(ReplicaState& st, std::vector<BatchItem>& batch) override {
    batch.clear();
    if (st.running.empty()) {
      while (!st.waiting.empty() && static_cast<long long>(st.running.size()) < o_.max_batch) {
        const Request& r = st.requests[static_cast<size_t>(st.waiting.front())];
        // Reserve the request's final size: a static batch never grows its allocation.
        if (!st.admit_front(r.prefill_target + (r.output - r.generated))) break;
      }
    }
    const bool any_prefill = std::any_of(st.running.begin(), st.running.end(), [&](int s) {
      return st.requests[static_cast<size_t>(s)].in_prefill();
    });
    for (size_t i = 0; i < st.running.size(); ++i) {
      const int slot = st.running[i];
      const Request& r = st.requests[static_cast<size_t>(slot)];
      if (any_prefill) {
        if (r.in_prefill()) batch.push_back({slot, r.prefill_target - r.kv_tokens, false});
        continue;
      }
      const long long d = st.decode_tokens();
      if (!st.grow_or_preempt(slot, std::min(r.kv_tokens + d, r.prompt + r.output))) break;
      batch.push_back({slot, d, true});
    }
  }

 private:
  const ServingOptions& o_;
};
}  // namespace

std::unique_ptr<Scheduler> make_static_scheduler(const ServingOptions& o) {
  return std::make_unique<StaticScheduler>(o);
}

}  // namespace infersim
