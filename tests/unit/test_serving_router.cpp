// MoE routing: with uniform routing, the busiest rank's load matches the balls-into-bins
// expectation, computed exactly; the experts touched match E * (1 - (1 - k/E)^T).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <tuple>
#include <vector>

#include "serving/router.hpp"

using namespace infersim;

namespace {
// E[max load] when T balls fall uniformly into n bins, exactly:
//   P(max <= m) = T! / n^T * [x^T] (sum_{j<=m} x^j / j!)^n,   E[max] = sum_{m>=0} (1 - P(max <= m)).
// Polynomials in doubles with the 1/j! weights; T <= 170 keeps T! finite.
double expected_max_load(int balls, int bins) {
  double e = 0;
  for (int m = 0; m < balls; ++m) {
    std::vector<double> base(static_cast<size_t>(balls + 1), 0.0), acc(static_cast<size_t>(balls + 1), 0.0);
    double f = 1;
    for (int j = 0; j <= std::min(m, balls); ++j) {
      if (j > 0) f /= j;
      base[static_cast<size_t>(j)] = f;
    }
    acc[0] = 1;
    for (int b = 0; b < bins; ++b) {
      std::vector<double> next(static_cast<size_t>(balls + 1), 0.0);
      for (int i = 0; i <= balls; ++i) {
        if (acc[static_cast<size_t>(i)] == 0) continue;
        for (int j = 0; j <= m && i + j <= balls; ++j)
          next[static_cast<size_t>(i + j)] += acc[static_cast<size_t>(i)] * base[static_cast<size_t>(j)];
      }
      acc.swap(next);
    }
    // T! / n^T, as a product to stay in range.
    double scale = 1;
    for (int i = 1; i <= balls; ++i) scale *= static_cast<double>(i) / bins;
    e += 1.0 - acc[static_cast<size_t>(balls)] * scale;
  }
  return e;
}
}  // namespace

TEST_CASE("router: uniform top-1 routing's busiest-rank load matches balls into bins (exact)") {
  // 8 experts on 4 ranks, top-1: each token lands on a rank uniformly; T = 64 tokens.
  // Sanity of the exact formula itself: 2 balls in 2 bins -> E[max] = 1.5.
  REQUIRE(expected_max_load(2, 2) == doctest::Approx(1.5));
  for (auto [tokens, experts, ranks] : {std::tuple{64, 8, 4}, std::tuple{64, 8, 8}, std::tuple{16, 64, 8}}) {
    Router router(experts, 1, ranks, RoutingSkew{}, 42);
    constexpr int kSteps = 20000;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < kSteps; ++i) {
      const double x = router.route(tokens).rank_assignments_max;
      sum += x;
      sum2 += x * x;
    }
    const double mean = sum / kSteps;
    const double se = std::sqrt((sum2 / kSteps - mean * mean) / kSteps);
    const double exact = expected_max_load(tokens, ranks);
    const double dev = (mean - exact) / exact;
    std::printf("balls into bins: T=%d tokens top-1 over %d experts on %d ranks: E[max rank load] exact %.4f "
                "(max/mean %.4f), simulated %.4f over %d steps (SE %.4f), deviation %+.3f%% (tolerance 4 SE)\n",
                tokens, experts, ranks, exact, exact / (static_cast<double>(tokens) / ranks), mean, kSteps, se, 100 * dev);
    CHECK(std::fabs(mean - exact) < 4 * se);
  }
}

TEST_CASE("router: experts touched match E (1 - (1 - k/E)^T) (Mixtral: 8 experts, top-2)") {
  for (int tokens : {1, 4, 16}) {
    Router router(8, 2, 8, RoutingSkew{}, 3);
    constexpr int kSteps = 20000;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < kSteps; ++i) {
      const double x = router.route(tokens).experts_touched;
      sum += x;
      sum2 += x * x;
    }
    const double mean = sum / kSteps;
    const double se = std::sqrt(std::max(0.0, sum2 / kSteps - mean * mean) / kSteps);
    const double expected = expected_unique_experts(8, 2, tokens);
    std::printf("experts touched, T=%d: expected %.4f, simulated %.4f (SE %.4f)\n", tokens, expected, mean, se);
    if (tokens == 1) CHECK(mean == 2.0);  // exactly k distinct experts
    else CHECK(std::fabs(mean - expected) < 4 * se + 1e-12);
  }
}

TEST_CASE("router: Zipf skew concentrates load, the drawn routing reaches the cost model") {
  Router uniform(64, 6, 8, RoutingSkew{}, 1);
  RoutingSkew z;
  z.kind = RoutingSkew::Kind::zipf;
  z.zipf_s = 1.2;
  Router skewed(64, 6, 8, z, 1);
  double u = 0, k = 0;
  for (int i = 0; i < 2000; ++i) {
    u += uniform.route(32).expert_imbalance;
    k += skewed.route(32).expert_imbalance;
  }
  CHECK(k > u);
  StepShape shape = StepShape::decode(32, 1000);
  RouteResult r = uniform.route_into(shape);
  CHECK(shape.moe_routed);
  CHECK(shape.moe_experts_touched == r.experts_touched);
  CHECK(shape.moe_rank_assignments_max == r.rank_assignments_max);
  CHECK(r.rank_assignments_max >= 32.0 * 6 / 8);
}

TEST_CASE("cost model: a drawn routing equal to the even share reproduces the expectation's cost") {
  ScenarioOptions so;
  so.hw = "h100-sxm";
  so.model = "mixtral-8x7b";
  so.tp = 2;
  Scenario s = resolve_scenario(so);
  Plan plan = make_plan(s);
  REQUIRE(plan.ep == 2);
  for (double tokens : {1.0, 8.0, 512.0}) {
    StepShape even = StepShape::prefill(1, tokens, 100);
    StepCost expected = step_cost(s, plan, even);
    StepShape routed = even;
    routed.moe_routed = true;
    routed.moe_experts_touched = expected_unique_experts(8, 2, tokens);
    routed.moe_rank_experts_max = routed.moe_experts_touched / 2;
    routed.moe_rank_assignments_max = tokens * 2 / 2;
    StepCost got = step_cost(s, plan, routed);
    CHECK(got.weight_bytes.si() == doctest::Approx(expected.weight_bytes.si()).epsilon(1e-12));
    CHECK(got.flop.si() == doctest::Approx(expected.flop.si()).epsilon(1e-12));
    // The busiest rank holding every touched expert and all assignments costs more.
    routed.moe_rank_experts_max = routed.moe_experts_touched;
    routed.moe_rank_assignments_max = tokens * 2;
    StepCost skewed = step_cost(s, plan, routed);
    CHECK(skewed.weight_bytes.si() > expected.weight_bytes.si());
    CHECK(skewed.flop.si() > expected.flop.si());
  }
}

TEST_CASE("router: a large uniform batch draws expert loads, and the busiest rank matches its normal tail") {
  // DeepSeek-R1's routing: 256 experts, top-8, on 8 ranks, 1,000 tokens (31 per expert: the
  // aggregate draw). A rank's load is a sum over tokens of hypergeometric picks (8 of 256, 32 on
  // the rank): mean 1,000, variance T k p (1-p) (E-k)/(E-1) with p = 1/8. The 8 ranks' loads sum to
  // T k, so they are iid normals of sd tau less their mean, tau^2 = var * 8/7, and
  // E[max] = 1,000 + tau * E[max of 8 standard normals] (1.42360).
  Router router(256, 8, 8, RoutingSkew{}, 7);
  constexpr int kSteps = 2000;
  const double var = 1000.0 * 8 * 0.125 * 0.875 * 248.0 / 255.0;
  const double expected = 1000.0 + std::sqrt(var * 8.0 / 7.0) * 1.42360;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < kSteps; ++i) {
    const RouteResult r = router.route(1000);
    CHECK(r.experts_touched == 256);
    sum += r.rank_assignments_max;
    sum2 += r.rank_assignments_max * r.rank_assignments_max;
  }
  const double mean = sum / kSteps;
  const double se = std::sqrt((sum2 / kSteps - mean * mean) / kSteps);
  std::printf("aggregate routing: E[max rank load] expected %.2f, drawn %.2f over %d steps (SE %.2f)\n", expected, mean,
              kSteps, se);
  CHECK(std::fabs(mean - expected) < 4 * se);
}
