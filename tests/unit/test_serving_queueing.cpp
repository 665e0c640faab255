// Fidelity of the serving loop against queueing theory: one server, Poisson arrivals, a fixed
// service time -> M/D/1, whose mean wait in queue is known in closed form.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "analytic/projection.hpp"
#include "serving/serving.hpp"

using namespace infersim;

namespace {
WorkloadSpec fixed_poisson(long long prompt, long long output, double rate) {
  WorkloadSpec w;
  w.id = "mdl";
  w.arrival = WorkloadSpec::Arrival::poisson;
  w.rate_req_s = rate;
  w.prompt.kind = LengthDistribution::Kind::fixed;
  w.prompt.tokens = prompt;
  w.output.kind = LengthDistribution::Kind::fixed;
  w.output.tokens = output;
  return w;
}
}  // namespace

TEST_CASE("serving: M/D/1 mean wait in queue (Poisson arrivals, one request at a time, fixed service)") {
  ScenarioOptions so;
  so.hw = "h100-sxm";
  so.model = "llama-3.1-8b";
  Scenario s = resolve_scenario(so);
  Plan plan = make_plan(s);
  REQUIRE(plan.fits);
  constexpr long long kPrompt = 128, kOutput = 4;
  // Service time D from the closed form, independently of the serving loop: one prefill of the
  // prompt, then output-1 decode steps at contexts prompt, prompt+1, ...
  double D = step_time(s, plan, step_cost(s, plan, StepShape::prefill(1, kPrompt, 0))).total.si();
  for (long long i = 0; i < kOutput - 1; ++i)
    D += step_time(s, plan, step_cost(s, plan, StepShape::decode(1, static_cast<double>(kPrompt + i)))).total.si();

  for (double rho : {0.5, 0.7}) {
    const double lambda = rho / D;
    WorkloadSpec w = fixed_poisson(kPrompt, kOutput, lambda);
    ServingOptions o;
    o.scheduler = "continuous";
    o.max_batch = 1;  // one server: a request is served alone, FIFO
    o.requests = 200000;
    o.seed = 7;
    // Batch means (1000 requests each) for a standard error of the measured mean.
    std::vector<double> batch_means;
    double acc = 0;
    long long k = 0;
    o.sink = [&](const RequestRecord& r) {
      acc += r.scheduled_s - r.arrival_s;
      if (++k % 1000 == 0) {
        batch_means.push_back(acc / 1000);
        acc = 0;
      }
    };
    ServingResult r = run_serving_analytic(s, plan, w, o);
    REQUIRE(r.requests == o.requests);
    // M/D/1 (Pollaczek-Khinchine with zero service variance): Wq = rho / (2 mu (1 - rho)), mu = 1/D.
    const double wq = rho * D / (2.0 * (1.0 - rho));
    const double measured = r.json["queue_wait_mean_s"].get<double>();
    double m = 0, v = 0;
    for (double b : batch_means) m += b;
    m /= static_cast<double>(batch_means.size());
    for (double b : batch_means) v += (b - m) * (b - m);
    const double se = std::sqrt(v / static_cast<double>(batch_means.size() - 1) / static_cast<double>(batch_means.size()));
    const double dev = (measured - wq) / wq;
    std::printf("M/D/1: D = prefill(128) + 3 decodes = %.6e s (closed form); rho = %.2f, lambda = rho/D = %.2f req/s\n"
                "       Wq = rho*D/(2(1-rho)) = %.6e s; simulated mean wait over %lld requests = %.6e s "
                "(batch-means SE %.2f%%); deviation %+.2f%% (tolerance 5%%)\n",
                D, rho, lambda, wq, static_cast<long long>(o.requests), measured, 100 * se / wq, 100 * dev);
    CHECK(std::fabs(dev) < 0.05);
    // Utilisation of the server must be rho too (busy time / makespan).
    CHECK(r.json["utilization"].get<double>() == doctest::Approx(rho).epsilon(0.02));
  }
}

TEST_CASE("serving: speculative decoding emits (1 - a^(k+1)) / (1 - a) tokens per decode step") {
  ScenarioOptions so;
  so.hw = "h100-sxm";
  so.model = "llama-3.1-8b";
  Scenario s = resolve_scenario(so);
  Plan plan = make_plan(s);
  WorkloadSpec w = fixed_poisson(16, 20001, 1.0);
  w.arrival = WorkloadSpec::Arrival::all_at_once;
  ServingOptions o;
  o.requests = 1;
  o.spec_k = 3;
  o.spec_alpha = 0.6;
  ServingResult r = run_serving_analytic(s, plan, w, o);
  // 1 prefill step emits the first token; the other 20000 come from decode steps.
  const double decode_steps = static_cast<double>(r.steps - 1);
  const double expected = (1 - std::pow(0.6, 4)) / (1 - 0.6);  // 2.176
  const double measured = 20000.0 / decode_steps;
  std::printf("speculative k=3 a=0.6: expected %.4f tokens/step, measured %.4f over %.0f steps (%+.2f%%, tolerance 2%%)\n",
              expected, measured, decode_steps, 100 * (measured - expected) / expected);
  CHECK(measured == doctest::Approx(expected).epsilon(0.02));
}
