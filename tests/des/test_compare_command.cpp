// `infersim compare` end to end: its ratios against independent `project` runs of the same
// deployments, its figure written deterministically, and bad variants refused with exit 2; and
// `pareto --plot` with an earlier run's JSON on the same figure.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "helpers.hpp"

namespace fs = std::filesystem;
using infersim::test::run_infersim;
using infersim::test::slurp;

namespace {
}  // namespace

TEST_CASE("compare: the ratios are those of two project runs on the same chips") {
  // The variant's own plan is 1 B200; at equal chips compare runs it on the baseline's 2, as
  // `project --chips 2` does.
  const auto c = run_infersim("compare --hw h100-sxm --model llama-3.1-70b --weights fp8 --batch 64 --vs hw=b200 --json");
  REQUIRE(c.exit_code == 0);
  const auto j = nlohmann::json::parse(c.out);
  const auto b = run_infersim("project --hw h100-sxm --model llama-3.1-70b --weights fp8 --batch 64 --json");
  const auto v = run_infersim("project --hw b200 --model llama-3.1-70b --weights fp8 --batch 64 --chips 2 --json");
  REQUIRE(b.exit_code == 0);
  REQUIRE(v.exit_code == 0);
  const double base = nlohmann::json::parse(b.out)[0]["decode_tok_s_per_chip"].get<double>();
  const double var = nlohmann::json::parse(v.out)[0]["decode_tok_s_per_chip"].get<double>();
  CHECK(j["scenarios"][0]["decode_tok_s_per_chip"].get<double>() == doctest::Approx(base).epsilon(1e-12));
  CHECK(j["scenarios"][1]["chips"].get<long long>() == 2);
  CHECK(j["scenarios"][1]["ratio_to_baseline"]["decode_tok_s_per_chip"].get<double>() ==
        doctest::Approx(var / base).epsilon(1e-12));
  double product = 1;
  for (const auto& f : j["scenarios"][1]["attribution"]["factors"]) product *= f["ratio"].get<double>();
  CHECK(product == doctest::Approx(var / base).epsilon(1e-12));
}

TEST_CASE("compare: --plot draws the same SVG twice, and a bad variant exits 2 naming the key") {
  const std::string dir = (fs::temp_directory_path() / ("infersim-compare-" + std::to_string(getpid()))).string();
  fs::create_directories(dir);
  const std::string args = "compare --hw h100-sxm --model llama-3.1-8b --batch 8 --vs memory-bandwidth-scale=2 --vs hw=b200 --plot ";
  REQUIRE(run_infersim(args + dir + "/a.svg").exit_code == 0);
  REQUIRE(run_infersim(args + dir + "/b.svg").exit_code == 0);
  const std::string a = slurp(dir + "/a.svg");
  CHECK(a.find("<svg") != std::string::npos);
  CHECK(a == slurp(dir + "/b.svg"));
  // Only the figure is left in the folder: no data file, no temporary.
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file() ? 1 : 0;
  CHECK(files == 2);
  CHECK(run_infersim("compare --vs flop-scale=2").exit_code == 2);
  CHECK(run_infersim("compare --vs hw=b200 --plot " + dir + "/x.pdf").exit_code == 2);
  CHECK(!fs::exists(dir + "/x.pdf"));
  fs::remove_all(dir);
}

TEST_CASE("pareto: --plot draws this run and --plot-with's on one figure, the same bytes twice") {
  const std::string dir = (fs::temp_directory_path() / ("infersim-pareto-" + std::to_string(getpid()))).string();
  fs::create_directories(dir);
  const std::string common = " --model llama-3.1-8b --weights fp8 --workload chat --requests 200 --points 3 --rate-max 4";
  REQUIRE(run_infersim("pareto --hw h100-sxm" + common + " --json --out " + dir + "/h100.json").exit_code == 0);
  const auto first = run_infersim("pareto --hw b200" + common + " --plot " + dir + "/a.svg --plot-with " + dir + "/h100.json");
  REQUIRE(first.exit_code == 0);
  REQUIRE(run_infersim("pareto --hw b200" + common + " --plot " + dir + "/b.svg --plot-with " + dir + "/h100.json").exit_code == 0);
  const std::string a = slurp(dir + "/a.svg");
  CHECK(a.find("h100-sxm llama-3.1-8b") != std::string::npos);  // both series' legends
  CHECK(a.find("b200 llama-3.1-8b") != std::string::npos);
  CHECK(a == slurp(dir + "/b.svg"));
  CHECK(run_infersim("pareto --hw b200" + common + " --plot " + dir + "/c.svg --plot-with " + dir + "/missing.json").exit_code == 2);
  CHECK(!fs::exists(dir + "/c.svg"));
  fs::remove_all(dir);
}

TEST_CASE("serve: --baseline puts an earlier run beside this one, and against itself every ratio is 1") {
  const std::string dir = (fs::temp_directory_path() / ("infersim-serve-base-" + std::to_string(getpid()))).string();
  fs::create_directories(dir);
  const std::string run = "serve --model llama-3.1-8b --workload chat --requests 300";
  REQUIRE(run_infersim(run + " --json --out " + dir + "/a.json").exit_code == 0);
  const auto same = run_infersim(run + " --json --baseline " + dir + "/a.json");
  REQUIRE(same.exit_code == 0);
  const auto j = nlohmann::json::parse(same.out);
  for (const auto& [key, ratio] : j["baseline_comparison"]["ratio_to_baseline"].items()) {
    CAPTURE(key);
    CHECK(ratio.get<double>() == doctest::Approx(1.0).epsilon(1e-12));
  }
  // A B200 against the H100 run: its TPOT ratio is its own p99 over the baseline's.
  const auto b200 = run_infersim("serve --hw b200 --model llama-3.1-8b --workload chat --requests 300 --json --baseline " + dir + "/a.json");
  REQUIRE(b200.exit_code == 0);
  const auto k = nlohmann::json::parse(b200.out);
  const auto base = nlohmann::json::parse(slurp(dir + "/a.json"));
  CHECK(k["baseline_comparison"]["ratio_to_baseline"]["tpot_p99_s"].get<double>() ==
        doctest::Approx(k["tpot_p99_s"].get<double>() / base["tpot_p99_s"].get<double>()));
  CHECK(run_infersim(run + " --baseline " + dir + "/missing.json").exit_code == 2);
  fs::remove_all(dir);
}
