// Trace attribution of real collectives (layer detail): a chip's time in a collective is split at
// the last rank's entry into waiting for the slowest rank and the exchange itself, and each link's
// utilisation is its bytes over bandwidth x time. Checked against the trace's own records.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "helpers.hpp"
#include "trace/trace.hpp"

using infersim::test::run_infersim;
namespace fs = std::filesystem;

namespace {
// 16 requests of 128 + 8 tokens at t = 0.
fs::path small_workload(const fs::path& dir) {
  const fs::path wl = dir / "w.json";
  std::ofstream(wl) << R"({"schema": "infersim-workload/1", "id": "small", "description": "fixed lengths",
    "source": "test", "arrival": {"process": "all_at_once"},
    "prompt_tokens": {"distribution": "fixed", "tokens": 128},
    "output_tokens": {"distribution": "fixed", "tokens": 8}, "requests": 16})";
  return wl;
}

nlohmann::json summary_of(const std::string& serve_args, const fs::path& trace) {
  const auto run = run_infersim(serve_args + " --engine des --detail layer --json --trace " + trace.string());
  REQUIRE(run.exit_code == 0);
  const auto s = run_infersim("trace summary --json " + trace.string());
  REQUIRE(s.exit_code == 0);
  return nlohmann::json::parse(s.out);
}
}  // namespace

TEST_CASE("trace summary: a skewed MoE step makes the cold ranks wait for the hot one, and the split adds up") {
  const fs::path dir = fs::temp_directory_path() / ("infersim-attr-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path wl = small_workload(dir), trace = dir / "moe.h5";
  const auto j = summary_of("serve --hw h100-sxm --model mixtral-8x7b --tp 4 --ep 4 --routing zipf:1.5 --workload " +
                                wl.string(), trace);
  // The split is an identity on the records: per chip, wait + exchange = the time its real
  // collectives lasted.
  std::map<int, double> in_collectives;
  for (const auto& a : infersim::read_activities(trace.string()))
    if ((a.kind == 2 || a.kind == 3) && a.chips_folded == 1 && a.layer >= 0 && a.phase != 3)
      in_collectives[a.chip] += a.end_s - a.start_s;
  REQUIRE(j["chips"].size() == 4);
  double most_busy = -1, wait_of_busiest = 0, least_wait = 1e300, total_wait = 0;
  for (const auto& c : j["chips"]) {
    const int chip = c["chip"].get<int>();
    const double wait = c["slowest_rank_wait_s"].get<double>(), exchange = c["collective_exchange_s"].get<double>();
    CHECK(wait + exchange == doctest::Approx(in_collectives[chip]).epsilon(1e-9));
    CHECK(wait >= 0);
    CHECK(exchange > 0);
    total_wait += wait;
    least_wait = std::min(least_wait, wait);
    // Its own work: streaming its experts' weights and the KV, and its math.
    const double busy = c["weights_s"].get<double>() + c["kv_s"].get<double>() + c["compute_s"].get<double>();
    if (busy > most_busy) {
      most_busy = busy;
      wait_of_busiest = wait;
    }
  }
  // The rank with the most work of its own (here the one whose experts drew the most weights to read:
  // decode is weight-bound) enters the collectives last: it waits least, and the others wait for it.
  CHECK(wait_of_busiest == doctest::Approx(least_wait));
  CHECK(total_wait > 4 * wait_of_busiest);
  // Links: bytes over bandwidth x simulated time; every port here is an NVSwitch port of 450 GB/s.
  const double end_s = j["end_s"].get<double>();
  REQUIRE_FALSE(j["links"].empty());
  for (const auto& l : j["links"]) {
    CHECK(l["bandwidth_Bps"].get<double>() == doctest::Approx(450e9));
    CHECK(l["utilisation"].get<double>() == doctest::Approx(l["bytes"].get<double>() / (450e9 * end_s)).epsilon(1e-12));
  }
  // The figure: the same SVG twice, nothing else left in the folder, a step outside the run refused.
  const std::string plot = "trace summary " + trace.string() + " --step 3 --plot ";
  REQUIRE(run_infersim(plot + (dir / "a.svg").string()).exit_code == 0);
  REQUIRE(run_infersim(plot + (dir / "b.svg").string()).exit_code == 0);
  const std::string svg = infersim::test::slurp((dir / "a.svg").string());
  CHECK(svg.find("<svg") != std::string::npos);
  CHECK(svg.find("step 3") != std::string::npos);
  CHECK(svg == infersim::test::slurp((dir / "b.svg").string()));
  CHECK(run_infersim("trace summary " + trace.string() + " --step 100000 --plot " + (dir / "c.svg").string()).exit_code == 2);
  CHECK_FALSE(fs::exists(dir / "c.svg"));
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file() ? 1 : 0;
  CHECK(files == 4);  // the workload, the trace and the two figures
  fs::remove_all(dir);
}

TEST_CASE("trace summary: symmetric tensor-parallel ranks never wait for each other") {
  const fs::path dir = fs::temp_directory_path() / ("infersim-sym-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path wl = small_workload(dir), trace = dir / "dense.h5";
  const auto j = summary_of("serve --hw h100-sxm --model llama-3.1-8b --tp 2 --workload " + wl.string(), trace);
  for (const auto& c : j["chips"]) {
    CHECK(c["collective_exchange_s"].get<double>() > 0);
    CHECK(c["slowest_rank_wait_s"].get<double>() <= 1e-9 * c["collective_exchange_s"].get<double>());
  }
  fs::remove_all(dir);
}
