#include "serving/scheduler.hpp"

#include <algorithm>
#include <cassert>

#include "serving/serving.hpp"

namespace infersim {

ReplicaState::ReplicaState(const ServingOptions& o, KvCache cache) : options(o), kv(cache) {}

int ReplicaState::new_slot() {
  if (!free_slots_.empty()) {
    int s = free_slots_.back();
    free_slots_.pop_back();
    requests[static_cast<size_t>(s)] = Request{};
    return s;
  }
  requests.emplace_back();
  return static_cast<int>(requests.size() - 1);
}

void ReplicaState::free_slot(int slot) { free_slots_.push_back(slot); }

long long ReplicaState::held_tokens(long long tokens) const {
  if (options.kv_window > 0) return std::min(tokens, options.kv_window + options.kv_sinks);
  return tokens;
}

long long ReplicaState::decode_tokens() const { return options.spec_k > 0 ? options.spec_k + 1 : 1; }

bool ReplicaState::admit_front(long long tokens) {
  assert(!waiting.empty());
  const int slot = waiting.front();
  Request& r = requests[static_cast<size_t>(slot)];
  const long long need = held_tokens(r.swapped ? r.kv_tokens : tokens);
  if (!kv.grow(r.blocks, need)) return false;
  if (r.swapped) {
    swap_bytes_pending += static_cast<double>(held_tokens(r.kv_tokens)) * kv_bytes_per_token_chip;
    r.swapped = false;
  }
  waiting.pop_front();
  r.admitted_seq = ++admissions_;
  if (r.scheduled_s < 0) r.scheduled_s = now_s;
  running.push_back(slot);
  return true;
}

bool ReplicaState::grow_or_preempt(int slot, long long tokens) {
  Request& r = requests[static_cast<size_t>(slot)];
  const long long need = held_tokens(tokens);
  while (!kv.grow(r.blocks, need)) {
    // vLLM's policy: preempt the most recently admitted request (the end of the running list).
    int victim = -1;
    for (auto it = running.rbegin(); it != running.rend(); ++it)
      if (*it != slot) {
        victim = *it;
        break;
      }
    if (victim < 0) {
      preempt(slot);
      return false;
    }
    preempt(victim);
  }
  return true;
}

void ReplicaState::preempt(int slot) {
  Request& r = requests[static_cast<size_t>(slot)];
  auto it = std::find(running.begin(), running.end(), slot);
  assert(it != running.end());
  running.erase(it);
  const long long held = held_tokens(r.kv_tokens);
  kv.release(r.blocks);
  if (options.preemption == PreemptionMode::swap) {
    r.swapped = true;
    const double bytes = static_cast<double>(held) * kv_bytes_per_token_chip;
    swap_bytes_pending += bytes;
    swap_bytes_total += bytes;
  } else {
    // Recompute: everything whose KV existed, plus the last emitted token, is prefilled again.
    recomputed_tokens += r.kv_tokens;
    r.kv_tokens = 0;
    r.prefill_target = r.prompt + r.generated;
  }
  ++r.preemptions;
  ++preemptions;
  waiting.push_front(slot);
}

}  // namespace infersim
