// Contention tier: transfers that share a chip's port on the DES platform, against answers derived
// here from the descriptor (max-min fair sharing; the processor-sharing queue), not pinned.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "des/contention.hpp"
#include "helpers.hpp"

using namespace infersim;

namespace {
Scenario scenario_on(const std::string& hw) {
  ScenarioOptions so;
  so.hw = hw;
  so.model = "llama-3.1-8b";
  return resolve_scenario(so);
}

nlohmann::json run_cases(const Scenario& s, const ContentionOptions& o) {
  return nlohmann::json::parse(test::in_child([&] {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : contention_experiments(s, o)) out.push_back(to_json(c));
    return out.dump();
  }));
}
}  // namespace

TEST_CASE("contention: incast and Poisson streams into one NVSwitch port follow max-min sharing and M/G/1-PS") {
  const Scenario s = scenario_on("h100-sxm");
  ContentionOptions o;
  o.bytes = 32.0 * 1024 * 1024;
  o.loads = {0.5, 0.8};
  o.transfers = 20000;
  o.replications = 4;
  const nlohmann::json cases = run_cases(s, o);
  REQUIRE(cases.size() == 3);
  // Derived from the descriptor: eight chips per NVSwitch domain, each port the scale-up link's
  // bandwidth (the ideal calibration runs links at their datasheet rate), a route of two ports.
  const double B = s.hw.scale_up.bandwidth_Bps.value;
  const double L = 2 * s.hw.scale_up.latency_s.value;
  const double D = o.bytes / B;
  const long long n = std::min<long long>(s.hw.scale_up.domain_chips, kMaxContentionChips);
  REQUIRE(n == 8);
  for (const auto& c : cases) {
    CAPTURE(c.dump());
    REQUIRE_FALSE(c.contains("not_run"));
    CHECK(c["bottleneck_Bps"].get<double>() == doctest::Approx(B).epsilon(1e-12));
    CHECK(c["route_latency_s"].get<double>() == doctest::Approx(L).epsilon(1e-12));
  }
  // Incast: 7 flows share chip 0's port fairly and end together at L + 7 D, exactly.
  CHECK(cases[0]["des_s"].get<double>() == doctest::Approx(L + 7 * D).epsilon(1e-9));
  // Streams: the mean time in system of processor sharing, L + D / (1 - rho), within four standard
  // errors of the replications (and the error itself small: a test that cannot fail is no test).
  for (int k = 0; k < 2; ++k) {
    const double rho = o.loads[static_cast<std::size_t>(k)];
    const auto& c = cases[static_cast<std::size_t>(k + 1)];
    const double des = c["des_s"].get<double>(), se = c["des_standard_error_s"].get<double>();
    CHECK(c["expected_s"].get<double>() == doctest::Approx(L + D / (1 - rho)).epsilon(1e-12));
    CHECK(se > 0);
    CHECK(se < 0.03 * des);
    CHECK(std::fabs(des - (L + D / (1 - rho))) <= 4 * se);
    // The closed form charges the transfer alone: it misses the queueing, by D rho / (1 - rho).
    CHECK(des > c["closed_form_s"].get<double>() * (1 + 0.5 * rho / (1 - rho)));
  }
}

TEST_CASE("contention: fabrics without a single shared port are reported as not run, with the reason") {
  const nlohmann::json cases = run_cases(scenario_on("groq-lpu"), ContentionOptions{});
  REQUIRE(cases.size() == 3);
  for (const auto& c : cases) CHECK(c["not_run"].get<std::string>().find("dragonfly") != std::string::npos);
}
