// Google Benchmark for the pure C++ hot paths of the DES: the shared step cost (called once per
// simulated step) and the trace writer (called once per activity). Whole simulations are timed as
// separate processes by bench/des_scenarios.sh (one SimGrid engine per process).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "costmodel/step_cost.hpp"
#include "trace/trace.hpp"

namespace {
void BM_StepCostDecode(benchmark::State& state) {
  infersim::ScenarioOptions o;
  o.tp = 8;
  infersim::Scenario s = infersim::resolve_scenario(o);
  infersim::Plan plan = infersim::make_plan(s);
  double ctx = 1024;
  for (auto _ : state) {
    auto c = infersim::step_cost(s, plan, infersim::StepShape::decode(1, ctx));
    benchmark::DoNotOptimize(c);
    ctx += 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StepCostDecode);

void BM_TraceAppend(benchmark::State& state) {
  const std::string path = "/tmp/infersim-bench-trace-" + std::to_string(getpid()) + ".h5";
  {
    infersim::TraceWriter w(path, {{"bench", "1"}}, {"link0"});
    infersim::ActivityRecord r;
    for (auto _ : state) {
      r.start_s += 1e-3;
      r.end_s = r.start_s + 5e-4;
      r.step += 1;
      w.append(r);
      if (w.should_flush()) w.flush();
    }
    w.close(true);
  }
  std::remove(path.c_str());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TraceAppend);
}  // namespace

BENCHMARK_MAIN();
