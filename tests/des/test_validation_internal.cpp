// `infersim validate` end to end: the internal closed-form vs DES table (DES runs in forked
// children), and exit code 2 on a bad measurements file.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <nlohmann/json.hpp>

#include "helpers.hpp"

using infersim::test::run_infersim;

TEST_CASE("validate --internal: the closed form holds within 2 % where expected, batched prefill explains TTFT") {
  const auto r = run_infersim("validate --internal --hw h100-sxm --model llama-3.1-8b,llama-3.1-70b --json");
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.out);
  int expected = 0;
  for (const auto& p : j["points"]) {
    if (!p["fits"].get<bool>()) continue;
    REQUIRE_FALSE(p.contains("error"));
    const double dev = p["decode_deviation"].get<double>();
    if (p["expected_to_hold"].get<bool>()) {
      ++expected;
      MESSAGE(p["model"] << " batch " << p["batch"] << " prompt " << p["prompt_tokens"] << ": decode deviation " << dev);
      CHECK(std::fabs(dev) <= 0.02);
    }
    // The DES's TTFT is the prefill of the whole static batch: the integrated closed form's.
    CHECK(p["des_ttft_s"].get<double>() ==
          doctest::Approx(p["integrated_ttft_s"].get<double>()).epsilon(0.02).scale(0));
    // The split multiplies back to the total.
    const auto& parts = p["decode_deviation_parts"];
    const double recomposed = (1 + parts["kv_growth"].get<double>()) * (1 + parts["topology"].get<double>()) *
                                  (1 + parts["residual"].get<double>()) - 1;
    CHECK(recomposed == doctest::Approx(dev).epsilon(1e-9).scale(1));
  }
  CHECK(expected >= 2);
}

TEST_CASE("validate --measurements: a bad file exits 2") {
  const auto r = run_infersim("validate --measurements " + std::string(INFERSIM_TEST_DIR_FOR_DES) +
                              "/bad-input/measurements-unknown-metric.json 2>/dev/null");
  CHECK(r.exit_code == 2);
}

TEST_CASE("validate --engine des: a wide-MoE row runs on a shape the DES lays out, and says so") {
  // DeepSeek-R1 on 8 GB300: the analytic engine deploys it with attention data parallelism, which
  // the DES does not lay out; on the DES the row searches tensor- and expert-parallel shapes.
  const std::string dir = INFERSIM_TEST_DIR_FOR_DES;
  std::ifstream in(dir + "/../validation/mlperf-calibration.json");
  REQUIRE(in.good());
  nlohmann::json doc = nlohmann::json::parse(in);
  nlohmann::json kept = nlohmann::json::array();
  for (const auto& row : doc["measurements"])
    if (row["id"] == "mlperf-v5.1-8xgb300-deepseek-r1-offline") kept.push_back(row);
  REQUIRE(kept.size() == 1);
  doc["measurements"] = kept;
  const std::string path = "des-wide-moe-" + std::to_string(::getpid()) + ".json";
  std::ofstream(path) << doc.dump();
  const auto r = run_infersim("validate --engine des --calibration auto --json --measurements " + path);
  std::remove(path.c_str());
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.out);
  const auto& row = j["rows"].at(0);
  CHECK(row["ran"].get<bool>());
  CHECK(row["deployment"].get<std::string>().find("attention dp") == std::string::npos);
  bool said = false;
  for (const auto& a : row["assumptions"]) said = said || a.get<std::string>().find("DES engine: no attention data parallelism") != std::string::npos;
  CHECK(said);
}
