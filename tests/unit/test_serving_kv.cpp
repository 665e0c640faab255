// The paged KV cache: capacity, admission control that stops exactly at capacity, and preemption
// that frees exactly the victim's blocks.
#include <doctest/doctest.h>

#include <cstdio>

#include "serving/scheduler.hpp"
#include "serving/serving.hpp"

using namespace infersim;

namespace {
int add_waiting(ReplicaState& st, long long prompt, long long output) {
  const int slot = st.new_slot();
  Request& r = st.requests[static_cast<size_t>(slot)];
  r.id = slot;
  r.prompt = prompt;
  r.output = output;
  r.prefill_target = prompt;
  st.waiting.push_back(slot);
  return slot;
}
}  // namespace

TEST_CASE("kv cache: blocks are whole, grow is all-or-nothing, release returns what was held") {
  KvCache kv(10, 16);
  long long a = 0, b = 0;
  CHECK(kv.blocks_for(1) == 1);
  CHECK(kv.blocks_for(16) == 1);
  CHECK(kv.blocks_for(17) == 2);
  CHECK(kv.grow(a, 100));  // ceil(100/16) = 7
  CHECK(a == 7);
  CHECK(kv.free_blocks() == 3);
  CHECK_FALSE(kv.grow(b, 64));  // needs 4
  CHECK(b == 0);
  CHECK(kv.free_blocks() == 3);
  CHECK(kv.grow(b, 48));
  CHECK(kv.free_blocks() == 0);
  CHECK(kv.release(a) == 7);
  CHECK(a == 0);
  CHECK(kv.free_blocks() == 7);
}

TEST_CASE("kv capacity: memory left after weights over KV bytes per token per chip (Llama-2-70B, 4 x H100)") {
  ScenarioOptions so;
  so.hw = "h100-sxm";
  so.model = "llama-2-70b";
  so.tp = 4;
  Scenario s = resolve_scenario(so);
  Plan plan = make_plan(s);
  KvCapacity c = kv_capacity(s, plan, 16);
  // Llama-2-70B: 2 (K,V) * 80 layers * 8 KV heads * 128 * 2 bytes = 327,680 B per token; over tp=4
  // (8 KV heads split 4 ways) 81,920 B per chip.
  CHECK(kv_bytes_per_token(s) == doctest::Approx(327680.0));
  CHECK(c.bytes_per_token_per_chip == doctest::Approx(81920.0));
  const double free_bytes = plan.usable_bytes_per_chip.si() - plan.weights_bytes_per_chip.si();
  CHECK(c.free_bytes_per_chip == doctest::Approx(free_bytes));
  CHECK(c.blocks == static_cast<long long>(free_bytes / (81920.0 * 16)));
  std::printf("Llama-2-70B on 4 x H100: %.2f GB free per chip after weights -> %lld blocks of 16 tokens (%lld tokens)\n",
              free_bytes / 1e9, c.blocks, c.blocks * 16);
}

TEST_CASE("admission control stops exactly at capacity") {
  ServingOptions o;
  for (long long total : {100LL, 95LL}) {
    ReplicaState st(o, KvCache(total, 16));
    for (int i = 0; i < 20; ++i) add_waiting(st, 150, 10);  // ceil(150/16) = 10 blocks each
    auto sched = make_continuous_scheduler(o);
    std::vector<BatchItem> batch;
    sched->schedule(st, batch);
    const long long fit = total / 10;
    INFO("capacity " << total << " blocks, 10 per prompt");
    CHECK(static_cast<long long>(batch.size()) == fit);
    CHECK(static_cast<long long>(st.running.size()) == fit);
    CHECK(st.kv.used_blocks() == fit * 10);
    CHECK(st.kv.free_blocks() == total - fit * 10);
    CHECK(static_cast<long long>(st.waiting.size()) == 20 - fit);
    // The chunked scheduler: a 2048-token budget would hold 13 whole 150-token prompts and a chunk
    // of the 14th, but the cache stops it at the same request (a chunk is not shrunk to fit).
    o.token_budget = 2048;
    ReplicaState st2(o, KvCache(total, 16));
    for (int i = 0; i < 20; ++i) add_waiting(st2, 150, 10);
    make_chunked_prefill_scheduler(o)->schedule(st2, batch);
    long long tokens = 0;
    for (const auto& b : batch) tokens += b.tokens;
    CHECK(static_cast<long long>(st2.running.size()) == fit);
    CHECK(tokens == fit * 150);
    CHECK(st2.kv.free_blocks() == total - fit * 10);
  }
}

TEST_CASE("preemption frees exactly the victim's blocks (recompute and swap)") {
  for (PreemptionMode mode : {PreemptionMode::recompute, PreemptionMode::swap}) {
    ServingOptions o;
    o.preemption = mode;
    ReplicaState st(o, KvCache(100, 16));
    st.kv_bytes_per_token_chip = 1000;
    // Ten requests whose 160-token prompts are prefilled (exactly 10 blocks each) and whose first
    // token was emitted: the cache is full, and each decode needs a 161st token (an 11th block).
    for (int i = 0; i < 10; ++i) add_waiting(st, 160, 50);
    for (int i = 0; i < 10; ++i) REQUIRE(st.admit_front(160));
    for (int slot : st.running) {
      Request& r = st.requests[static_cast<size_t>(slot)];
      r.kv_tokens = 160;
      r.generated = 1;
    }
    REQUIRE(st.kv.free_blocks() == 0);
    const int newest = st.running.back();
    std::vector<BatchItem> batch;
    make_continuous_scheduler(o)->schedule(st, batch);
    // The first decode preempts the newest request (frees 10 blocks, takes 1); the next 8 take one
    // each: 9 decodes, 1 block left.
    CHECK(batch.size() == 9);
    CHECK(st.preemptions == 1);
    CHECK(st.kv.free_blocks() == 1);
    CHECK(st.kv.used_blocks() == 9 * 11);
    const Request& v = st.requests[static_cast<size_t>(newest)];
    CHECK(v.blocks == 0);
    CHECK(v.preemptions == 1);
    CHECK(st.waiting.front() == newest);
    if (mode == PreemptionMode::recompute) {
      CHECK(v.kv_tokens == 0);
      CHECK(v.prefill_target == 161);  // prompt + the emitted token
      CHECK(st.recomputed_tokens == 160);
      CHECK(st.swap_bytes_pending == 0);
    } else {
      CHECK(v.kv_tokens == 160);
      CHECK(v.swapped);
      CHECK(st.swap_bytes_pending == doctest::Approx(160 * 1000.0));
    }
  }
}

TEST_CASE("sliding window caps the KV a sequence holds at window + sinks") {
  ServingOptions o;
  o.kv_window = 100;
  o.kv_sinks = 4;
  ReplicaState st(o, KvCache(1000, 16));
  CHECK(st.held_tokens(50) == 50);
  CHECK(st.held_tokens(5000) == 104);
  add_waiting(st, 5000, 10);
  REQUIRE(st.admit_front(5000));
  CHECK(st.requests[static_cast<size_t>(st.running.front())].blocks == 7);  // ceil(104/16)
}
