// Whole serving runs: disaggregation moves exactly the KV its prompts produced; same seed, same
// JSON; every scheduler finishes every request; memory does not hold finished requests.
#include <doctest/doctest.h>

#include <cstdio>

#include "costmodel/step_time.hpp"
#include "serving/deployed.hpp"
#include "serving/pareto.hpp"
#include "serving/scheduler.hpp"
#include "serving/serving.hpp"

using namespace infersim;

namespace {
Scenario small_scenario(const char* model = "llama-3.1-8b") {
  ScenarioOptions so;
  so.hw = "h100-sxm";
  so.model = model;
  return resolve_scenario(so);
}

WorkloadSpec uniform_poisson(double rate) {
  WorkloadSpec w;
  w.id = "test";
  w.arrival = WorkloadSpec::Arrival::poisson;
  w.rate_req_s = rate;
  w.prompt.kind = LengthDistribution::Kind::uniform;
  w.prompt.min = 10;
  w.prompt.max = 3000;
  w.output.kind = LengthDistribution::Kind::uniform;
  w.output.min = 1;
  w.output.max = 300;
  w.slo.ttft_p99_s = 1;
  w.slo.tpot_p99_s = 0.05;
  return w;
}
}  // namespace

TEST_CASE("disaggregated serving moves exactly the KV bytes its prompts produced") {
  Scenario s = small_scenario();
  Plan plan = make_plan(s);
  WorkloadSpec w = uniform_poisson(20);
  ServingOptions o;
  o.scheduler = "disaggregated";
  o.requests = 300;
  // Every request that decodes after its first token has its prompt's KV moved once; a request
  // of one output token finishes in the prefill pool and moves nothing.
  double prompt_tokens = 0;
  long long finished = 0, single_token = 0;
  o.sink = [&](const RequestRecord& r) {
    if (r.output_tokens > 1) prompt_tokens += static_cast<double>(r.prompt_tokens);
    else ++single_token;
    ++finished;
  };
  ServingResult r = run_serving_analytic(s, plan, w, o);
  REQUIRE(finished == 300);
  // Llama-3.1-8B: 2 * 32 layers * 8 KV heads * 128 * 2 bytes = 131,072 B per token.
  const double per_token = kv_bytes_per_token(s);
  CHECK(per_token == 131072.0);
  const double moved = r.json["kv_transfer_bytes"].get<double>();
  std::printf("disaggregated: %.0f prompt tokens (of the %lld requests with > 1 output token) x %.0f B = %.6e B "
              "expected, %.6e B moved\n",
              prompt_tokens, finished - single_token, per_token, prompt_tokens * per_token, moved);
  CHECK(moved == doctest::Approx(prompt_tokens * per_token).epsilon(1e-12));
  CHECK(r.json["chips"].get<long long>() == 2 * plan.chips);
  CHECK(r.json["kv_transfer_mean_s"].get<double>() > 0);
}

TEST_CASE("determinism: same seed, identical JSON, another seed, another result") {
  Scenario s = small_scenario("mixtral-8x7b");
  ScenarioOptions so;
  so.hw = "h100-sxm";
  so.model = "mixtral-8x7b";
  so.tp = 2;
  s = resolve_scenario(so);
  Plan plan = make_plan(s);
  WorkloadSpec w = uniform_poisson(5);
  ServingOptions o;
  o.scheduler = "chunked-prefill";
  o.requests = 200;
  o.spec_k = 2;
  o.routing.kind = RoutingSkew::Kind::zipf;
  o.routing.zipf_s = 1.1;
  const std::string a = run_serving_analytic(s, plan, w, o).json.dump();
  const std::string b = run_serving_analytic(s, plan, w, o).json.dump();
  CHECK(a == b);
  o.seed = 2;
  const std::string c = run_serving_analytic(s, plan, w, o).json.dump();
  CHECK(a != c);
}

TEST_CASE("every scheduler finishes every request, with and without preemption pressure") {
  Scenario s = small_scenario();
  Plan plan = make_plan(s);
  WorkloadSpec w = uniform_poisson(50);
  for (const auto& info : scheduler_registry()) {
    for (long long blocks : {0LL, 400LL}) {  // 400 blocks of 16 = 6,400 tokens: forces preemption
      for (PreemptionMode mode : {PreemptionMode::recompute, PreemptionMode::swap}) {
        ServingOptions o;
        o.scheduler = info.name;
        o.requests = 200;
        o.kv_blocks = blocks;
        o.preemption = mode;
        ServingResult r = run_serving_analytic(s, plan, w, o);
        INFO(info.name << " kv_blocks " << blocks);
        CHECK(r.requests == 200);
        CHECK(r.json["requests_rejected"].get<long long>() == 0);
        if (blocks > 0 && info.name != "static") CHECK(r.json["preemptions"].get<long long>() > 0);
      }
    }
  }
}

TEST_CASE("closed loop keeps at most N users' requests in the system") {
  Scenario s = small_scenario();
  Plan plan = make_plan(s);
  WorkloadSpec w = uniform_poisson(1);
  w.arrival = WorkloadSpec::Arrival::closed_loop;
  w.users = 8;
  w.think_time_s = 0.5;
  ServingOptions o;
  o.requests = 100;
  std::vector<std::pair<double, double>> spans;
  o.sink = [&](const RequestRecord& r) { spans.emplace_back(r.arrival_s, r.finish_s); };
  ServingResult r = run_serving_analytic(s, plan, w, o);
  REQUIRE(r.requests == 100);
  int max_in_system = 0;
  for (const auto& a : spans) {
    int n = 0;
    for (const auto& b : spans)
      if (b.first <= a.first && a.first < b.second) ++n;
    max_in_system = std::max(max_in_system, n);
  }
  CHECK(max_in_system <= 8);
  CHECK(max_in_system >= 2);
}

TEST_CASE("data-parallel replicas: every request finishes once, load spreads, chips count every replica") {
  Scenario s = small_scenario();
  s.dp = 3;
  Plan plan = make_plan(s);
  WorkloadSpec w = uniform_poisson(30);
  ServingOptions o;
  o.requests = 600;
  long long finished = 0;
  o.sink = [&](const RequestRecord&) { ++finished; };
  ServingResult r = run_serving_analytic(s, plan, w, o);
  CHECK(finished == 600);
  CHECK(r.json["chips"].get<long long>() == 3 * plan.chips);
  CHECK(r.json["dp"].get<long long>() == 3);
  // Least-outstanding routing gives every replica work; none takes (nearly) all of it.
  const auto& pools = r.json["pools"];
  REQUIRE(pools.size() == 3);
  long long total_steps = 0;
  for (const auto& p : pools) total_steps += p["steps"].get<long long>();
  for (const auto& p : pools) {
    CHECK(p["steps"].get<long long>() > 0);
    CHECK(p["steps"].get<long long>() < total_steps * 2 / 3);
  }
  // Same per-replica load as one replica at a third of the rate: per-chip throughput within 10 %.
  Scenario one = small_scenario();
  WorkloadSpec w1 = uniform_poisson(10);
  ServingOptions o1;
  o1.requests = 200;
  ServingResult r1 = run_serving_analytic(one, make_plan(one), w1, o1);
  std::printf("dp=3 at 30 req/s: %.1f output tok/s per chip; dp=1 at 10 req/s: %.1f\n", r.output_tok_s_per_chip,
              r1.output_tok_s_per_chip);
  CHECK(r.output_tok_s_per_chip == doctest::Approx(r1.output_tok_s_per_chip).epsilon(0.10));
}

TEST_CASE("the SLO rate search never reports a rate the deployment cannot sustain") {
  // 40 short requests on an 8B model: the whole set fits one batch, so at any arrival rate the
  // latency SLO of a finite run is met. The search must stop at the completion rate of the same
  // requests all queued at t = 0.
  Scenario s = small_scenario();
  Plan plan = make_plan(s);
  WorkloadSpec w = uniform_poisson(1);
  w.prompt.max = 64;
  w.output.max = 16;
  w.slo.ttft_p99_s = 10;
  w.slo.tpot_p99_s = 1;
  ServingOptions o;
  o.requests = 40;
  RateSearch rs = max_rate_meeting_slo(s, plan, w, o, 1.0, 6);
  REQUIRE(rs.found);
  std::printf("rate search: max %.4g req/s, sustainable bound %.4g req/s\n", rs.max_rate_req_s,
              rs.sustainable_rate_req_s);
  CHECK(rs.sustainable_rate_req_s > 0);
  CHECK(rs.max_rate_req_s <= rs.sustainable_rate_req_s);
  CHECK(rs.first_failing_req_s <= 2 * rs.sustainable_rate_req_s);
  // The bound is the steady state of a run long enough to have one (3 full batches queued at
  // t = 0), whatever the searched run's length: the same with 40 or 400 requests (both fewer than
  // 3 x 256), and it is the steady output rate over the mean output, derived here.
  o.requests = 400;
  const RateSearch longer = max_rate_meeting_slo(s, plan, w, o, 1.0, 6);
  CHECK(longer.sustainable_rate_req_s == rs.sustainable_rate_req_s);
  WorkloadSpec offline = w;
  offline.arrival = WorkloadSpec::Arrival::all_at_once;
  ServingOptions bound = o;
  bound.requests = 3 * o.max_batch;
  const ServingResult r = run_serving_analytic(s, plan, offline, bound);
  const double mean_output = r.output_tok_s_deployment * r.makespan_s / static_cast<double>(r.requests);
  CHECK(rs.sustainable_rate_req_s == doctest::Approx(r.steady_output_tok_s_deployment / mean_output).epsilon(1e-12));
}

namespace {
// Poisson 8B requests with p99 TTFT and TPOT limits to search a rate against.
WorkloadSpec slo_workload() {
  WorkloadSpec w = uniform_poisson(1);
  w.slo.ttft_p99_s = 0.5;
  w.slo.tpot_p99_s = 0.05;
  return w;
}
}  // namespace

TEST_CASE("the SLO rate search: a bar it cannot meet costs one run, one it meets is searched upwards") {
  const Scenario s = small_scenario();
  const Plan plan = make_plan(s);
  const WorkloadSpec w = slo_workload();
  ServingOptions o;
  o.requests = 300;
  const RateSearch free = max_rate_meeting_slo(s, plan, w, o, 1.0, 6);
  REQUIRE(free.found);
  // Above the answer: not found, after a single run (no sustainable-rate run either).
  const RateSearch above = max_rate_meeting_slo(s, plan, w, o, 1.0, 6, free.first_failing_req_s * 2);
  CHECK_FALSE(above.found);
  CHECK(above.runs == 1);
  // Below it: found, searching up from the bar, at least as high as the bar.
  const RateSearch below = max_rate_meeting_slo(s, plan, w, o, 1.0, 6, free.max_rate_req_s / 2);
  REQUIRE(below.found);
  CHECK(below.max_rate_req_s >= free.max_rate_req_s / 2);
  CHECK(below.max_rate_req_s <= free.first_failing_req_s * 1.0001);
}

TEST_CASE("stop_once_slo_lost ends only runs that fail, and changes no run that passes") {
  const Scenario s = small_scenario();
  const Plan plan = make_plan(s);
  const WorkloadSpec w = slo_workload();
  ServingOptions o;
  o.requests = 300;
  const RateSearch rs = max_rate_meeting_slo(s, plan, w, o, 1.0, 6);
  REQUIRE(rs.found);
  for (double rate : {rs.max_rate_req_s * 0.5, rs.max_rate_req_s, rs.first_failing_req_s, rs.first_failing_req_s * 4}) {
    ServingOptions full = o, early = o;
    full.rate_req_s = early.rate_req_s = rate;
    early.stop_once_slo_lost = true;
    const ServingResult a = run_serving_analytic(s, plan, w, full), b = run_serving_analytic(s, plan, w, early);
    CAPTURE(rate);
    CHECK(a.slo_met == b.slo_met);
    if (a.slo_met) CHECK(a.requests == b.requests);  // a passing run is never cut short
    if (b.json.value("stopped_once_slo_lost", false)) CHECK(b.requests < a.requests);
  }
  // Far overloaded, the run ends early.
  ServingOptions early = o;
  early.rate_req_s = rs.first_failing_req_s * 4;
  early.stop_once_slo_lost = true;
  CHECK(run_serving_analytic(s, plan, w, early).json.value("stopped_once_slo_lost", false));
}

TEST_CASE("pipelined groups: a step waits for the slowest stage time of the round, derived by hand") {
  ScenarioOptions so;
  so.hw = "h100-sxm";
  so.model = "llama-2-70b";
  so.weights = "fp8";
  so.kv = "fp8";
  so.pp = 2;
  const Scenario s = resolve_scenario(so);
  const Plan plan = plan_with(s, 1, 2, 1);
  const StepShape big = StepShape::prefill(1, 4000, 0), small = StepShape::decode(64, 800);
  const StepTime tb = step_time(s, plan, step_cost(s, plan, big));
  const StepTime ts = step_time(s, plan, step_cost(s, plan, small));
  REQUIRE(tb.stage.si() > ts.stage.si());
  // One loop alone on the stages: the closed-form step, whatever came before.
  AnalyticRuntime alone(s, plan, 1);
  alone.run_step(big);
  CHECK(alone.run_step(small).si() == doctest::Approx(ts.total.si()).epsilon(1e-12));
  // Two groups: the small step's round still holds the other group's big stage (pp of them).
  AnalyticRuntime two(s, plan, 2);
  CHECK(two.run_step(big).si() == doctest::Approx(tb.total.si()).epsilon(1e-12));
  CHECK(two.run_step(small).si() == doctest::Approx(ts.total.si() + 2 * (tb.stage.si() - ts.stage.si())).epsilon(1e-12));
  // The round after holds two small ones: no wait. With three groups the big one is still in it.
  CHECK(two.run_step(small).si() == doctest::Approx(ts.total.si()).epsilon(1e-12));
  AnalyticRuntime three(s, plan, 3);
  three.run_step(big);
  three.run_step(small);
  CHECK(three.run_step(small).si() == doctest::Approx(ts.total.si() + 2 * (tb.stage.si() - ts.stage.si())).epsilon(1e-12));
  CHECK(three.run_step(small).si() == doctest::Approx(ts.total.si()).epsilon(1e-12));
}

TEST_CASE("steady window: the middle half of the completions, past the ramp and before the drain") {
  const Scenario s = small_scenario();
  const Plan plan = make_plan(s);
  WorkloadSpec w = uniform_poisson(1.0);
  w.arrival = WorkloadSpec::Arrival::all_at_once;
  w.slo = Slo{};
  ServingOptions o;
  o.max_batch = 32;
  auto run = [&](long long n) {
    o.requests = n;
    return run_serving_analytic(s, plan, w, o);
  };
  const ServingResult short_run = run(96), long_run = run(3000);
  REQUIRE(short_run.steady_output_tok_s_deployment > 0);
  REQUIRE(long_run.steady_output_tok_s_deployment > 0);
  // A short run's whole makespan carries the last batch's drain: its figure is below the steady one.
  CHECK(short_run.output_tok_s_deployment < short_run.steady_output_tok_s_deployment);
  // The steady figure hardly depends on the run's length; the whole-makespan one converges to it.
  CHECK(short_run.steady_output_tok_s_deployment ==
        doctest::Approx(long_run.steady_output_tok_s_deployment).epsilon(0.05));
  CHECK(long_run.output_tok_s_deployment == doctest::Approx(long_run.steady_output_tok_s_deployment).epsilon(0.03));
  CHECK(long_run.steady_requests_per_s > 0);
  // Too few requests for a window: none.
  CHECK(run(4).steady_output_tok_s_deployment == 0.0);
}

TEST_CASE("offline over MLPerf's minimum duration: the missing requests run at the steady-window rate") {
  ServingResult r;
  r.makespan_s = 300;
  r.output_tok_s_deployment = 100;         // 30,000 tokens in 300 s, ramp and drain included
  r.steady_output_tok_s_deployment = 120;  // the middle half of the completions
  // 300 more seconds at 120 tok/s: (30,000 + 36,000) / 600.
  CHECK(offline_tok_s_over_min_duration(r, 600) == doctest::Approx(110.0).epsilon(1e-12));
  // Long enough already, no minimum, or no steady window: the run's own figure.
  CHECK(offline_tok_s_over_min_duration(r, 200) == 100.0);
  CHECK(offline_tok_s_over_min_duration(r, 0) == 100.0);
  r.steady_output_tok_s_deployment = 0;
  CHECK(offline_tok_s_over_min_duration(r, 600) == 100.0);
}
