// Benchmark: projecting the whole bundled hardware x model matrix with the closed form.
//
// Two costs are separated: loading and validating the descriptors (JSON parsing, provenance), and
// the projection itself (plan search + cost model + roofline + economics). The correctness check:
// every projection that fits has a finite, positive decode rate; the count of fitting pairs is
// reported so a regression in the planner shows up as a changed counter, not a silently faster run.
#include <benchmark/benchmark.h>

#include <cmath>
#include <stdexcept>

#include "analytic/projection.hpp"
#include "descriptors/catalog.hpp"

namespace {
using namespace infersim;

struct Matrix {
  std::vector<Hardware> hardware;
  std::vector<Model> models;
};

Matrix load_matrix() {
  Matrix m;
  for (const auto& id : bundled_ids("hardware")) m.hardware.push_back(load_hardware(id));
  for (const auto& id : bundled_ids("models")) m.models.push_back(load_model(id));
  return m;
}

void BM_LoadDescriptors(benchmark::State& state) {
  for (auto _ : state) {
    Matrix m = load_matrix();
    benchmark::DoNotOptimize(m.hardware.data());
  }
}
BENCHMARK(BM_LoadDescriptors)->Unit(benchmark::kMillisecond);

void BM_ProjectMatrix(benchmark::State& state) {
  const Matrix m = load_matrix();
  const long long batch = state.range(0);
  long long fitting = 0;
  for (auto _ : state) {
    fitting = 0;
    for (const auto& hw : m.hardware) {
      for (const auto& model : m.models) {
        Scenario s;
        s.hw = hw;
        s.model = model;
        s.batch = batch;
        Plan plan = make_plan(s);
        Projection p = project(s, plan);
        if (!plan.fits) continue;
        if (!(std::isfinite(p.decode_tok_s_per_stream) && p.decode_tok_s_per_stream > 0))
          throw std::runtime_error("non-finite projection for " + hw.id + " x " + model.id);
        ++fitting;
        benchmark::DoNotOptimize(p.decode_tok_s_deployment);
      }
    }
  }
  const double pairs = static_cast<double>(m.hardware.size() * m.models.size());
  state.counters["pairs"] = pairs;
  state.counters["fitting"] = static_cast<double>(fitting);
  state.counters["projections_per_s"] = benchmark::Counter(pairs, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ProjectMatrix)->Arg(1)->Arg(64)->Unit(benchmark::kMillisecond);
}  // namespace

BENCHMARK_MAIN();
