// Fidelity tier: in the regime where the closed form's assumptions hold (one stream, short context,
// no contention) the DES must agree with it within 2 % on every bundled hardware x model pair that
// fits. Each simulation is its own `infersim simulate` process (one SimGrid engine per process),
// two at a time (the machine has 2 cores).
#include <doctest/doctest.h>

#include "descriptors/catalog.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "helpers.hpp"

namespace fs = std::filesystem;
using infersim::test::run_infersim;

namespace {
std::vector<std::string> ids(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(infersim::data_dir() + "/" + dir))
    if (e.path().extension() == ".json") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST_CASE("fidelity: DES agrees with the closed form within 2% on every bundled hardware x model that fits") {
  constexpr double kTolerance = 0.02;
  struct Point {
    std::string hw, model;
    infersim::test::Run run;
  };
  std::vector<Point> points;
  for (const auto& hw : ids("hardware"))
    for (const auto& m : ids("models")) points.push_back({hw, m, {}});
  std::mutex mu;
  std::size_t next = 0;
  auto worker = [&] {
    while (true) {
      std::size_t i;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (next >= points.size()) return;
        i = next++;
      }
      points[i].run = run_infersim("simulate --hw " + points[i].hw + " --model " + points[i].model +
                                   " --batch 1 --requests 1 --prompt-tokens 128 --output-tokens 16 --json 2>&1");
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();

  std::printf("Derivation: closed form decode step = pp*(max(FLOP/peak, max_tier bytes/bw) + n_ar*2(tp-1)(hops*lat"
              " + S/tp/bw) + n_a2a*(hops*lat + B/bw)) + (pp-1)*(hops*lat + S/bw); tok/s per stream = 1/step.\n"
              "DES: the same StepCost as SimGrid activities; collectives measured on the built platform.\n");
  std::printf("%-14s %-15s %6s %4s %4s %12s %12s %9s %10s %10s %9s\n", "hardware", "model", "chips", "tp", "pp",
              "closed tok/s", "DES tok/s", "dev %", "closed TTFT", "DES TTFT", "dev %");
  int fitted = 0;
  for (const auto& p : points) {
    if (p.run.exit_code == 2) {  // does not fit: the message says so
      CHECK(p.run.out.find("does not fit") != std::string::npos);
      std::printf("%-14s %-15s does not fit\n", p.hw.c_str(), p.model.c_str());
      continue;
    }
    INFO(p.hw << " x " << p.model << ": " << p.run.out.substr(0, 400));
    REQUIRE(p.run.exit_code == 0);
    const auto j = nlohmann::json::parse(p.run.out);
    const auto& cf = j["closed_form"];
    const double dev = j["decode_tok_s_per_stream"].get<double>() / cf["decode_tok_s_per_stream"].get<double>() - 1;
    const double ttft_dev = j["ttft_s"].get<double>() / cf["ttft_s"].get<double>() - 1;
    std::printf("%-14s %-15s %6lld %4lld %4lld %12.5g %12.5g %9.4f %10.4g %10.4g %9.4f\n", p.hw.c_str(),
                p.model.c_str(), j["chips"].get<long long>(), j["tp"].get<long long>(), j["pp"].get<long long>(),
                cf["decode_tok_s_per_stream"].get<double>(), j["decode_tok_s_per_stream"].get<double>(), dev * 100,
                cf["ttft_s"].get<double>(), j["ttft_s"].get<double>(), ttft_dev * 100);
    CHECK(std::fabs(dev) < kTolerance);
    CHECK(std::fabs(ttft_dev) < kTolerance);
    ++fitted;
  }
  CHECK(fitted >= 60);
}
