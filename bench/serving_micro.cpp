// Google Benchmark: the serving hot paths — one scheduler step (schedule + cost + apply through
// the whole loop, measured as a full run per iteration divided by its steps) and the MoE router.
#include <benchmark/benchmark.h>

#include "serving/router.hpp"
#include "serving/scheduler.hpp"
#include "serving/serving.hpp"

using namespace infersim;

static void BM_Router(benchmark::State& state, long long experts, long long top_k, long long ranks) {
  Router r(experts, top_k, ranks, RoutingSkew{}, 1);
  const long long tokens = state.range(0);
  for (auto _ : state) benchmark::DoNotOptimize(r.route(tokens));
  state.SetItemsProcessed(state.iterations() * tokens);
}
BENCHMARK_CAPTURE(BM_Router, mixtral_8e_top2_ep2, 8, 2, 2)->Arg(64)->Arg(2048);
BENCHMARK_CAPTURE(BM_Router, deepseek_256e_top8_ep8, 256, 8, 8)->Arg(64)->Arg(2048);

static void BM_RouterZipf(benchmark::State& state) {
  RoutingSkew z;
  z.kind = RoutingSkew::Kind::zipf;
  z.zipf_s = 1.2;
  Router r(256, 8, 8, z, 1);
  for (auto _ : state) benchmark::DoNotOptimize(r.route(state.range(0)));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RouterZipf)->Arg(64)->Arg(2048);

// One scheduling decision on a replica with `n` running decodes (no runtime): the scheduler's own cost.
static void BM_SchedulerStep(benchmark::State& state, const char* name) {
  ServingOptions o;
  o.scheduler = name;
  o.max_batch = 1 << 20;
  const long long n = state.range(0);
  auto sched = find_scheduler(name).make(o);
  ReplicaState st(o, KvCache(1 << 30, 16));
  for (long long i = 0; i < n; ++i) {
    const int slot = st.new_slot();
    Request& r = st.requests[static_cast<size_t>(slot)];
    r.prompt = r.prefill_target = 1000;
    r.output = 1 << 30;
    r.kv_tokens = 1000;
    r.generated = 1;
    st.waiting.push_back(slot);
    st.admit_front(1000);
  }
  std::vector<BatchItem> batch;
  for (auto _ : state) {
    sched->schedule(st, batch);
    benchmark::DoNotOptimize(batch.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK_CAPTURE(BM_SchedulerStep, continuous, "continuous")->Arg(64)->Arg(256);
BENCHMARK_CAPTURE(BM_SchedulerStep, chunked, "chunked-prefill")->Arg(64)->Arg(256);

BENCHMARK_MAIN();
