// The straggler penalty of expert parallelism (serving/straggler.hpp): the busiest rank's load
// against its normal-limit expectation, derived here by hand, and the study's signs.
#include <doctest/doctest.h>

#include <cmath>

#include "serving/router.hpp"
#include "serving/straggler.hpp"

using namespace infersim;

TEST_CASE("straggler: the expected maximum of n standard normals has its closed forms for n = 2 and 3") {
  // E[max(Z1, Z2)] = 1/sqrt(pi); E[max of three] = 3 / (2 sqrt(pi)) (order statistics of normals).
  CHECK(expected_max_standard_normal(1) == 0.0);
  CHECK(expected_max_standard_normal(2) == doctest::Approx(1 / std::sqrt(M_PI)).epsilon(1e-9));
  CHECK(expected_max_standard_normal(3) == doctest::Approx(3 / (2 * std::sqrt(M_PI))).epsilon(1e-9));
  // Tabulated (Tippett 1925; Harter 1961): 1.42360 for 8, 1.53875 for 10, 2.50759 for 100.
  CHECK(expected_max_standard_normal(8) == doctest::Approx(1.42360).epsilon(1e-5));
  CHECK(expected_max_standard_normal(10) == doctest::Approx(1.53875).epsilon(1e-5));
  CHECK(expected_max_standard_normal(100) == doctest::Approx(2.50759).epsilon(1e-5));
}

TEST_CASE("straggler: the router's busiest rank matches the normal limit of the per-rank loads (uniform routing)") {
  // DeepSeek-V3's router: 256 routed experts, 8 per token. By hand for 1,024 tokens on 8 ranks:
  // mean 1024 * 8 / 8 = 1024 per rank; variance 1024 * 8 * (1/8)(7/8)(248/255) = 871.4;
  // busiest = mean + 29.52 * sqrt(8/7) * 1.42360 = 1024 + 44.93, i.e. 1.0439 x the mean.
  const double var = 1024.0 * 8 * (1.0 / 8) * (7.0 / 8) * (248.0 / 255.0);
  const double by_hand = (1024 + std::sqrt(var) * std::sqrt(8.0 / 7.0) * 1.42360) / 1024;
  CHECK(by_hand == doctest::Approx(1.0439).epsilon(1e-4));
  CHECK(uniform_rank_imbalance_theory(1024, 256, 8, 8) == doctest::Approx(by_hand).epsilon(1e-6));
  // The router draws it (1,024 x 8 / 256 = 32 per expert: its aggregate path), and token by token at
  // 256 tokens (8 per expert, 256 per rank): the mean over 4,000 draws is within 0.5 % of the limit
  // (the Monte-Carlo error of the mean is ~0.03 %; the normal limit's own error at 256 per rank is
  // the skew of the loads, ~0.2 %).
  struct Case {
    long long tokens, ranks;
  };
  for (const Case c : {Case{1024, 8}, Case{256, 8}, Case{2048, 32}, Case{4096, 64}}) {
    CAPTURE(c.tokens);
    CAPTURE(c.ranks);
    Router router(256, 8, c.ranks, RoutingSkew{}, 7);
    double sum = 0;
    const int draws = 4000;
    for (int d = 0; d < draws; ++d) sum += router.route(c.tokens).rank_imbalance;
    CHECK(sum / draws == doctest::Approx(uniform_rank_imbalance_theory(c.tokens, 256, 8, c.ranks)).epsilon(0.005));
  }
}

TEST_CASE("straggler: drawn routing never beats the closed form under uniform routing, and skew reads fewer weights") {
  ScenarioOptions base;
  base.hw = "h200";
  base.model = "deepseek-v3";
  base.weights = "fp8";
  base.kv = "fp8";
  StragglerOptions o;
  o.eps = {8};
  o.batches = {64};
  o.skews = {"uniform", "zipf:1.2"};
  o.draws = 50;
  const auto points = straggler_study(base, o);
  REQUIRE(points.size() == 2);
  for (const auto& p : points) REQUIRE(p.not_run.empty());
  // Uniform: the busiest rank holds at least the mean load and at least the mean distinct experts.
  CHECK(points[0].penalty > 0);
  CHECK(points[0].rank_imbalance_mean > 1);
  CHECK(points[0].theory_rank_imbalance == doctest::Approx(uniform_rank_imbalance_theory(64, 256, 8, 8)));
  // Zipf(1.2) at 2 tokens per expert: the hot experts take most picks, so far fewer distinct experts
  // are read than the uniform expectation; a weight-bound step is faster although one rank is busier.
  CHECK(points[1].rank_imbalance_mean > points[0].rank_imbalance_mean);
  CHECK(points[1].penalty < 0);
  // Deterministic for a seed.
  const auto again = straggler_study(base, o);
  CHECK(again[1].drawn_step_s_mean == points[1].drawn_step_s_mean);
}
