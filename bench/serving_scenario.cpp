// Scenario benchmark: the serving simulation Vidur reports (Llama-2-70B on 4 x H100, TP4, chunked
// prefill, Poisson arrivals, conversation-like lengths, 10,000 requests) on the analytic runtime.
// Reports wall time, requests and iterations (steps) per wall second, and peak RSS (getrusage).
// Correctness check: every request finishes. Vidur's figure for this: median 39 s, 860 MiB.
//
// Usage: bench_serving_scenario [requests=10000] [repeats=5]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "serving/serving.hpp"

using namespace infersim;

int main(int argc, char** argv) {
  const long long requests = argc > 1 ? std::atoll(argv[1]) : 10000;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  ScenarioOptions so;
  so.hw = "h100-sxm";
  so.model = "llama-2-70b";
  so.tp = 4;
  Scenario s = resolve_scenario(so);
  Plan plan = make_plan(s);
  WorkloadSpec w = load_workload("chat");
  ServingOptions o;
  o.scheduler = "chunked-prefill";
  o.requests = requests;
  o.rate_req_s = 4.0;  // ~80 % of what the replica sustains on this workload (see README)
  std::vector<double> walls;
  ServingResult r;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    r = run_serving_analytic(s, plan, w, o);
    walls.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (r.requests != requests) {
      std::fprintf(stderr, "FAIL: %lld of %lld requests finished\n", r.requests, requests);
      return 1;
    }
  }
  std::sort(walls.begin(), walls.end());
  const double median = walls[walls.size() / 2];
  double mean = 0, var = 0;
  for (double x : walls) mean += x;
  mean /= static_cast<double>(walls.size());
  for (double x : walls) var += (x - mean) * (x - mean);
  const double sd = walls.size() > 1 ? std::sqrt(var / static_cast<double>(walls.size() - 1)) : 0.0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  const double rss_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux: KiB
  std::printf("| benchmark | requests | steps | wall median s | wall mean ± sd s | requests/wall s | steps/wall s | peak RSS MiB | simulated makespan s | output tok/s | p99 TTFT s | p99 TPOT s |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  std::printf("| vidur-llama2-70b-4xh100-tp4-chunked-poisson | %lld | %lld | %.3f | %.3f ± %.3f | %.0f | %.0f | %.1f | %.1f | %.0f | %.3f | %.4f |\n",
              requests, r.steps, median, mean, sd, static_cast<double>(requests) / median,
              static_cast<double>(r.steps) / median, rss_mib, r.makespan_s, r.output_tok_s_deployment, r.ttft_s.p99,
              r.tpot_s.p99);
  return 0;
}
