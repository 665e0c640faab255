// Textbook tier: collectives and pipelines built from real SimGrid comms on the platform must give
// the textbook formulas (derived here from the descriptor values, not pinned).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include <simgrid/s4u.hpp>

#include "analytic/projection.hpp"
#include "costmodel/collectives.hpp"
#include "des/platform.hpp"
#include "costmodel/step_cost.hpp"
#include "des/des.hpp"
#include "helpers.hpp"

using namespace infersim;

namespace {
Scenario scenario(const std::string& hw, const std::string& model, long long tp, long long pp, long long batch) {
  ScenarioOptions o;
  o.hw = hw;
  o.model = model;
  o.tp = tp;
  o.pp = pp;
  o.batch = batch;
  return resolve_scenario(o);
}

// The measured ring all-reduce time of S bytes over the plan's tp group (real comms, start-up).
double measured_ring(const Scenario& s, double bytes) {
  const std::string out = test::in_child([&] {
    Plan plan = make_plan(s);
    DesRunInfo info = run_in_engine(s, plan, DesOptions{}, [](DesReplicaRuntime&) {});
    return test::number(info.collectives.tp_allreduce.at(bytes));
  });
  return std::stod(out);
}
}  // namespace

TEST_CASE("textbook: two-shot all-reduce through an NVSwitch star = 2(2 lat + (n-1)/n S/bw)") {
  Scenario s = scenario("h100-sxm", "llama-3.1-70b", 8, 1, 1);
  const double S = 2.0 * 1024 * 1024, n = 8;
  const double lat = s.hw.scale_up.latency_s.value, bw = s.hw.scale_up.bandwidth_Bps.value;
  const double expected = 2 * (2 * lat + (n - 1) / n * S / bw);
  const double got = measured_ring(s, S);
  std::printf("two-shot all-reduce, star: n=8 S=2 MiB lat=%g s bw=%g B/s: textbook 2(2lat+(n-1)/n S/bw) = %.9g s, "
              "DES %.9g s, deviation %.2e\n", lat, bw, expected, got, got / expected - 1);
  CHECK(got == doctest::Approx(expected).epsilon(1e-6).scale(0));
}

TEST_CASE("textbook: one-shot all-reduce through an NVSwitch star = 2 lat + (n-1) S/bw") {
  Scenario s = scenario("h100-sxm", "llama-3.1-70b", 8, 1, 1);
  const double S = 16384, n = 8;  // one decode token of an 8192-wide model in bf16
  const double lat = s.hw.scale_up.latency_s.value, bw = s.hw.scale_up.bandwidth_Bps.value;
  const double expected = 2 * lat + (n - 1) * S / bw;
  REQUIRE(allreduce_algorithm(8, Bytes(S), s.hw.scale_up) == AllReduceAlgorithm::one_shot);
  const std::string out = test::in_child([&] {
    Plan plan = make_plan(s);
    DesRunInfo info = run_in_engine(s, plan, DesOptions{}, [](DesReplicaRuntime&) {});
    return test::number(info.collectives.one_shot ? info.collectives.tp_allreduce_one_shot.at(S) : -1.0) + " " +
           test::number(info.collectives.tp_allreduce_at(S));
  });
  const double one_shot = std::stod(out.substr(0, out.find(' '))), chosen = std::stod(out.substr(out.find(' ') + 1));
  std::printf("one-shot all-reduce, star: n=8 S=16 KiB: textbook 2lat+(n-1)S/bw = %.9g s, DES %.9g s, deviation %.2e\n",
              expected, one_shot, one_shot / expected - 1);
  CHECK(one_shot == doctest::Approx(expected).epsilon(1e-6).scale(0));
  CHECK(chosen == doctest::Approx(expected).epsilon(1e-6).scale(0));  // the faster of the two, as the closed form picks
}

// The closed form counts a dragonfly's link traversals between two chips (collectives.hpp
// dragonfly_hops) on the layout the DES builds; SimGrid's minimal routing is the independent answer.
TEST_CASE("textbook: dragonfly hop counts equal SimGrid's routes on the platform the DES builds") {
  Scenario s = scenario("groq-lpu", "llama-3.1-405b", 16, 126, 1);  // 2,016 chips: two groups
  const std::string out = test::in_child([&] {
    Plan plan = make_plan(s);
    int argc = 1;
    char name[] = "hops";
    char* argv[] = {name, nullptr};
    simgrid::s4u::Engine engine(&argc, argv);
    des::configure_models();
    des::Platform pf = des::build_platform(s, plan);
    const DragonflyLayout d = dragonfly_layout(plan.chips, plan.tp);
    long long pairs = 0, mismatches = 0, most = 0;
    for (long long a = 0; a < plan.chips; a += 61)
      for (long long b = 0; b < plan.chips; b += 53) {
        if (a == b) continue;
        std::vector<simgrid::s4u::Link*> links;
        double latency = 0;
        pf.chips[static_cast<std::size_t>(a)]->route_to(pf.chips[static_cast<std::size_t>(b)], links, &latency);
        const long long hops = dragonfly_hops(d, a, b);
        most = std::max(most, hops);
        ++pairs;
        if (static_cast<long long>(links.size()) != hops) ++mismatches;
      }
    return std::to_string(pairs) + " " + std::to_string(mismatches) + " " + std::to_string(most);
  });
  long long pairs = 0, mismatches = 0, most = 0;
  std::sscanf(out.c_str(), "%lld %lld %lld", &pairs, &mismatches, &most);
  std::printf("dragonfly routes, 2,016 chips: %lld pairs, %lld hop-count mismatches, longest %lld links\n", pairs,
              mismatches, most);
  CHECK(pairs > 200);
  CHECK(mismatches == 0);
  CHECK(most == 7);  // the sample crosses groups: up, green, black, blue, green, black, down
}

TEST_CASE("textbook: ring all-reduce on a direct ring = 2(n-1)(lat + S/n/bw)") {
  Scenario s = scenario("h100-sxm", "llama-3.1-70b", 8, 1, 1);
  s.hw.scale_up.topology = Topology::ring;  // neighbours one link apart
  const double S = 2.0 * 1024 * 1024, n = 8;
  const double lat = s.hw.scale_up.latency_s.value, bw = s.hw.scale_up.bandwidth_Bps.value;
  const double expected = 2 * (n - 1) * (lat + S / n / bw);
  const double got = measured_ring(s, S);
  std::printf("ring all-reduce, ring: textbook 2(n-1)(lat+S/n/bw) = %.9g s, DES %.9g s, deviation %.2e\n", expected,
              got, got / expected - 1);
  CHECK(got == doctest::Approx(expected).epsilon(1e-6).scale(0));
}

TEST_CASE("textbook: pipeline of M micro-batches over pp stages = (M + pp - 1) t + (pp - 1) c") {
  // llama-3.1-8b on 4 H100 stages (tp 1), batch 8 in 4 micro-batches of 2.
  const long long pp = 4, M = 4, batch = 8;
  Scenario s = scenario("h100-sxm", "llama-3.1-8b", 1, pp, batch);
  Plan plan = make_plan(s);
  const double context = 1000;
  // Derivation: t = one stage on one micro-batch (roofline of the shared cost model), c = one
  // stage-to-stage send of its activations (2 switch traversals + bytes/bw); sends overlap the
  // next micro-batch's compute when c <= t.
  const StepCost mb = step_cost(s, plan, StepShape::decode(batch / M, context));
  const double t = step_time(s, plan, mb).stage.si();
  const double c = 2 * s.hw.scale_up.latency_s.value + mb.pp_send_bytes.si() / s.hw.scale_up.bandwidth_Bps.value;
  REQUIRE(c <= t);
  const double expected = static_cast<double>(M + pp - 1) * t + static_cast<double>(pp - 1) * c;
  const std::string out = test::in_child([&] {
    DesOptions o;
    o.micro_batches = M;
    double step = 0;
    run_in_engine(s, plan, o, [&](DesReplicaRuntime& rt) { step = rt.run_step(StepShape::decode(batch, context)).si(); });
    return test::number(step);
  });
  const double got = std::stod(out);
  std::printf("pipeline: pp=%lld M=%lld t=%.6g s c=%.6g s: textbook (M+pp-1)t+(pp-1)c = %.9g s, DES %.9g s, "
              "deviation %.2e; without micro-batches the step would take pp*t(B)+(pp-1)c(B)\n",
              pp, M, t, c, expected, got, got / expected - 1);
  CHECK(got == doctest::Approx(expected).epsilon(1e-6).scale(0));
}

TEST_CASE("textbook: one micro-batch through the stage actors equals the folded step and the closed form") {
  Scenario s = scenario("h100-sxm", "llama-3.1-8b", 1, 4, 8);
  Plan plan = make_plan(s);
  const StepShape shape = StepShape::decode(8, 1000);
  const double closed = step_time(s, plan, step_cost(s, plan, shape)).total.si();
  const std::string out = test::in_child([&] {
    double step = 0;
    run_in_engine(s, plan, DesOptions{}, [&](DesReplicaRuntime& rt) { step = rt.run_step(shape).si(); });
    return test::number(step);
  });
  const double got = std::stod(out);
  std::printf("pp=4 batch 8, one micro-batch: closed form %.9g s, DES %.9g s, deviation %.2e\n", closed, got,
              got / closed - 1);
  CHECK(got == doctest::Approx(closed).epsilon(1e-6).scale(0));
}
