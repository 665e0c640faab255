// MLPerf workloads (workloads/mlperf-*.json, built by workloads/mlperf/make_histograms.py): sampling
// them reproduces the published token-length statistics, their `mlperf` block carries MLPerf's
// limits and is read strictly, and every MLPerf dataset string of the measurement files maps to one.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "error_text.hpp"
#include "descriptors/catalog.hpp"
#include "descriptors/input_error.hpp"
#include "descriptors/json_reader.hpp"
#include "serving/workload.hpp"

using namespace infersim;
namespace fs = std::filesystem;

namespace {

// Published statistics, tokens: /work/shared/validation/DATASETS.md, "Input and reference-output
// lengths" (computed there from the MLCommons dataset files). `quantiles` false: only the mean is
// published (llama2-70b: the FP16 reference mean 294.45; llama3.1-8b: ~129, derived) and the shape
// is assumed; `max` is then the cap the assumed shape is clamped to.
struct Lengths {
  double mean, median, p90, p99, max;
  bool quantiles = true;
};

// DATASETS.md, "Latency limits (p99, from loadgen/mlperf.conf)", in seconds; 0: not defined.
struct Limits {
  double server_ttft, server_tpot, interactive_ttft, interactive_tpot;
};

struct Bundled {
  const char* id;
  const char* benchmark;
  long long samples;  // DATASETS.md "samples" (loadgen/mlperf.conf performance_sample_count_override)
  Lengths input, output;
  Limits limits;
  double reference_mean_output_tokens;
  long long max_output_tokens = 0;  // the harness's generation cap (DATASETS.md); 0: none stated
};

const Bundled kBundled[] = {
    {"mlperf-llama2-70b", "llama2-70b-99", 24576, {222.3, 152, 519, 791, 1021}, {294.45, 0, 0, 0, 1024, false},
     {2.0, 0.200, 0.450, 0.040}, 294.45},
    {"mlperf-mixtral-8x7b", "mixtral-8x7b", 15000, {427.4, 283, 701, 1561, 1948}, {144.8, 113, 279, 582, 1024},
     {2.0, 0.200, 0, 0}, 144.84},
    {"mlperf-llama3.1-405b", "llama3.1-405b", 8313, {9428.6, 10112, 14156, 18956, 19988},
     {684.7, 753, 974, 1174, 1830}, {6.0, 0.175, 4.5, 0.080}, 684.68},
    {"mlperf-llama3.1-8b", "llama3.1-8b", 13368, {870.7, 784, 1479, 2118, 2540}, {129, 0, 0, 0, 2000, false},
     {2.0, 0.100, 0.500, 0.030}, 129},
    {"mlperf-deepseek-r1", "deepseek-r1", 4388, {803.8, 902, 1281, 1432, 3140},
     {4043.4, 2194, 9477, 32768, 32768}, {2.0, 0.080, 1.5, 0.015}, 4043.45, 20000},
};

// Every `workload.dataset` string of /work/shared/validation/mlperf-calibration.json and
// calibration.json (and of this repository's validation/calibration.json), and its workload.
const std::pair<const char*, const char*> kDatasetStrings[] = {
    {"MLPerf llama2-70b (OpenOrca-derived)", "mlperf-llama2-70b"},
    {"MLPerf llama2-70b-99", "mlperf-llama2-70b"},
    {"MLPerf llama2-70b-99.9", "mlperf-llama2-70b"},
    {"MLPerf mixtral-8x7b (OpenOrca, GSM8K, MBXP mix)", "mlperf-mixtral-8x7b"},
    {"MLPerf mixtral-8x7b", "mlperf-mixtral-8x7b"},
    {"MLPerf llama3.1-405b", "mlperf-llama3.1-405b"},
    {"MLPerf llama3.1-8b", "mlperf-llama3.1-8b"},
    {"MLPerf deepseek-r1", "mlperf-deepseek-r1"},
};

constexpr long long kSamples = 200'000;

double nearest_rank(const std::vector<long long>& sorted, double p) {
  const auto n = static_cast<long long>(sorted.size());
  const long long i = std::clamp<long long>(static_cast<long long>(std::ceil(p * static_cast<double>(n))) - 1, 0, n - 1);
  return static_cast<double>(sorted[static_cast<size_t>(i)]);
}

void check_lengths(const std::string& what, std::vector<long long> v, const Lengths& published) {
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (long long x : v) sum += static_cast<double>(x);
  const double mean = sum / static_cast<double>(v.size());
  INFO(what << ": sampled mean " << mean << ", median " << nearest_rank(v, 0.5) << ", p90 " << nearest_rank(v, 0.9)
            << ", p99 " << nearest_rank(v, 0.99) << ", max " << v.back());
  CHECK(std::abs(mean - published.mean) <= 0.015 * published.mean);
  CHECK(static_cast<double>(v.back()) <= published.max);
  CHECK(v.front() >= 1);
  if (!published.quantiles) return;
  CHECK(std::abs(nearest_rank(v, 0.50) - published.median) <= 0.05 * published.median);
  CHECK(std::abs(nearest_rank(v, 0.90) - published.p90) <= 0.05 * published.p90);
  CHECK(std::abs(nearest_rank(v, 0.99) - published.p99) <= 0.05 * published.p99);
  // The histogram's top row is the published max (one sample's share, or the cap's): 200,000 draws reach it.
  CHECK(static_cast<double>(v.back()) >= 0.95 * published.max);
}

using test::error_of;

// A workload file in a fresh temporary folder, with `mlperf` replaced by `mlperf_json`.
std::string write_workload(const std::string& name, const std::string& mlperf_json, bool with_slo = true) {
  const fs::path dir = fs::temp_directory_path() / "infersim-test-mlperf-workloads";
  fs::create_directories(dir);
  const fs::path p = dir / name;
  std::ofstream out(p);
  out << "{\n"
         "  \"schema\": \"infersim-workload/1\",\n"
         "  \"id\": \"mlperf-test\",\n"
         "  \"description\": \"test\",\n"
         "  \"arrival\": {\"process\": \"all_at_once\"},\n"
         "  \"prompt_tokens\": {\"distribution\": \"fixed\", \"tokens\": 100},\n"
         "  \"output_tokens\": {\"distribution\": \"fixed\", \"tokens\": 10},\n"
      << (with_slo ? "  \"slo\": {\"ttft_p99_s\": 1.0},\n" : "") << "  \"mlperf\": " << mlperf_json << "\n}\n";
  return p.string();
}

const char* kGoodMlperf =
    R"({"benchmark": "llama2-70b-99", "samples": 24576, "min_duration_s": 600,
        "server": {"ttft_p99_s": 2.0, "tpot_p99_s": 0.2}, "reference_mean_output_tokens": 294.45})";

}  // namespace

TEST_CASE("mlperf workloads: sampled lengths reproduce DATASETS.md's published statistics") {
  const auto ids = bundled_ids("workloads");
  for (const Bundled& b : kBundled) {
    INFO(std::string(b.id));
    REQUIRE(std::find(ids.begin(), ids.end(), b.id) != ids.end());
    const WorkloadSpec w = load_workload(b.id);
    CHECK(w.prompt.kind == LengthDistribution::Kind::histogram);
    CHECK(w.output.kind == LengthDistribution::Kind::histogram);
    // The published output statistics are the reference outputs'; a workload whose harness caps
    // generation reads them clipped to the cap (checked in the next test), so they are checked
    // here on the reference histogram it was read from.
    WorkloadSpec reference = w;
    reference.output = read_histogram_csv(
        (fs::path(w.file).parent_path() / "mlperf" / (std::string(b.id).substr(7) + "-output.csv")).string());
    CHECK(w.mlperf.max_output_tokens == b.max_output_tokens);
    // The histograms' exact means (what the simulator's analytic paths use) match too.
    CHECK(std::abs(w.prompt.mean_tokens() - b.input.mean) <= 0.005 * b.input.mean);
    CHECK(std::abs(reference.output.mean_tokens() - b.output.mean) <= 0.005 * b.output.mean);

    RequestSource source(reference, kSamples, 20240917);
    std::vector<long long> prompts, outputs;
    prompts.reserve(kSamples);
    outputs.reserve(kSamples);
    long long late = 0;  // Offline: every sample at t = 0
    while (source.has_next()) {
      const Arrival a = source.pop();
      late += a.time_s != 0.0;
      prompts.push_back(a.prompt_tokens);
      outputs.push_back(a.output_tokens);
    }
    REQUIRE(prompts.size() == static_cast<size_t>(kSamples));
    CHECK(late == 0);
    check_lengths("input", prompts, b.input);
    check_lengths("output", outputs, b.output);
  }
}

TEST_CASE("mlperf workloads: deepseek-r1's outputs stop at the harness's 20,000-token cap") {
  // DATASETS.md: the reference outputs run to 32,768 tokens, the harness (backend_registry.py
  // MAX_OSL) stops at 20,000, and submitted systems generated 3,650-3,770 tokens per sample on
  // average. Clipping the reference at the cap gives a mean inside that range: the cap, not the
  // quantisation alone, is most of the gap to the reference's 4,043.
  const WorkloadSpec w = load_workload("mlperf-deepseek-r1");
  const LengthDistribution reference =
      read_histogram_csv((fs::path(w.file).parent_path() / "mlperf" / "deepseek-r1-output.csv").string());
  CHECK(w.output.mean_tokens() == doctest::Approx(reference.capped_at(20000).mean_tokens()).epsilon(1e-12));
  CHECK(w.output.mean_tokens() >= 3650);
  CHECK(w.output.mean_tokens() <= 3770);
  RequestSource source(w, 20000, 7);
  long long longest = 0, at_cap = 0;
  while (source.has_next()) {
    const Arrival a = source.pop();
    longest = std::max(longest, a.output_tokens);
    at_cap += a.output_tokens == 20000;
  }
  CHECK(longest == 20000);
  // 3.8 % of the reference outputs are longer than 20,000 tokens: all of them stop at the cap.
  CHECK(at_cap >= 650);
  CHECK(at_cap <= 860);
}

TEST_CASE("length distributions: capped_at clips every kind's draws to the cap") {
  LengthDistribution fixed;
  fixed.tokens = 500;
  CHECK(fixed.capped_at(200).tokens == 200);
  CHECK(fixed.capped_at(0).tokens == 500);  // no cap
  LengthDistribution uniform;
  uniform.kind = LengthDistribution::Kind::uniform;
  uniform.min = 100;
  uniform.max = 900;
  const LengthDistribution u = uniform.capped_at(50);
  CHECK(u.max == 50);
  CHECK(u.min == 50);
  LengthDistribution lognormal;
  lognormal.kind = LengthDistribution::Kind::lognormal;
  lognormal.mean = 1000;
  lognormal.sigma = 1.0;
  lognormal.min = 1;
  lognormal.max = 100000;
  const LengthDistribution l = lognormal.capped_at(800);
  Rng rng(3);
  long long top = 0;
  for (int i = 0; i < 10000; ++i) top = std::max(top, l.sample(rng));
  CHECK(top == 800);
  CHECK(l.mean_tokens() < 800);
}

TEST_CASE("mlperf workloads: the mlperf block carries the benchmark, samples and DATASETS.md's limits") {
  for (const Bundled& b : kBundled) {
    INFO(std::string(b.id));
    const WorkloadSpec w = load_workload(b.id);
    REQUIRE(w.mlperf.present);
    CHECK(w.mlperf.benchmark == b.benchmark);
    CHECK(w.mlperf.samples == b.samples);
    CHECK(w.mlperf.min_duration_s == 600);
    CHECK(w.mlperf.server.ttft_p99_s == doctest::Approx(b.limits.server_ttft));
    CHECK(w.mlperf.server.tpot_p99_s == doctest::Approx(b.limits.server_tpot));
    CHECK(w.mlperf.interactive.ttft_p99_s == doctest::Approx(b.limits.interactive_ttft));
    CHECK(w.mlperf.interactive.tpot_p99_s == doctest::Approx(b.limits.interactive_tpot));
    CHECK(w.mlperf.interactive.any() == (b.limits.interactive_ttft > 0));
    CHECK(w.mlperf.reference_mean_output_tokens == doctest::Approx(b.reference_mean_output_tokens));
    // Defaults: Offline (all at once), one request per sample, judged by the Server limits.
    CHECK(w.arrival == WorkloadSpec::Arrival::all_at_once);
    CHECK(w.requests == b.samples);
    CHECK(w.slo.ttft_p99_s == w.mlperf.server.ttft_p99_s);
    CHECK(w.slo.tpot_p99_s == w.mlperf.server.tpot_p99_s);
  }
  // Workloads without the block are unchanged.
  CHECK_FALSE(load_workload("mlperf-server").mlperf.present);
  CHECK_FALSE(load_workload("chat").mlperf.present);
}

TEST_CASE("mlperf workloads: the mlperf block is read strictly, without slo/requests it supplies them") {
  {
    const WorkloadSpec w = load_workload_file(write_workload("defaults.json", kGoodMlperf, false));
    CHECK(w.mlperf.present);
    CHECK(w.requests == 24576);
    CHECK(w.slo.ttft_p99_s == 2.0);
    CHECK(w.slo.tpot_p99_s == 0.2);
    CHECK_FALSE(w.mlperf.interactive.any());
    // An explicit slo wins.
    CHECK(load_workload_file(write_workload("explicit-slo.json", kGoodMlperf)).slo.tpot_p99_s == 0);
  }
  struct Case {
    const char* file;
    const char* mlperf;
    const char* expected;
  };
  const Case cases[] = {
      {"unknown-key.json",
       R"({"benchmark": "llama2-70b-99", "samples": 24576, "min_duration_s": 600, "server": {"ttft_p99_s": 2, "tpot_p99_s": 0.2}, "sampels": 1})",
       "/mlperf/sampels: unknown key 'sampels' (did you mean 'samples'?)"},
      {"unknown-limit-key.json",
       R"({"benchmark": "llama2-70b-99", "samples": 24576, "min_duration_s": 600, "server": {"ttft_p99_s": 2, "tpot_p99_s": 0.2, "ttft_p50_s": 1}})",
       "/mlperf/server/ttft_p50_s: unknown key 'ttft_p50_s'"},
      {"missing-server.json", R"({"benchmark": "llama2-70b-99", "samples": 24576, "min_duration_s": 600})",
       "/mlperf/server: missing required field 'server'"},
      {"missing-tpot.json",
       R"({"benchmark": "x", "samples": 1, "min_duration_s": 600, "server": {"ttft_p99_s": 2}, "interactive": {"ttft_p99_s": 0.45}})",
       "/mlperf/server/tpot_p99_s: missing required field 'tpot_p99_s'"},
      {"bad-samples.json",
       R"({"benchmark": "x", "samples": 1.5, "min_duration_s": 600, "server": {"ttft_p99_s": 2, "tpot_p99_s": 0.2}})",
       "/mlperf/samples: expected an integer, found a fractional number"},
      {"negative-limit.json",
       R"({"benchmark": "x", "samples": 1, "min_duration_s": 600, "server": {"ttft_p99_s": -2, "tpot_p99_s": 0.2}})",
       "/mlperf/server/ttft_p99_s: expected a number > 0"},
      {"zero-cap.json",
       R"({"benchmark": "x", "samples": 1, "min_duration_s": 600, "server": {"ttft_p99_s": 2, "tpot_p99_s": 0.2}, "max_output_tokens": 0})",
       "/mlperf/max_output_tokens"},
      {"not-an-object.json", R"("llama2-70b-99")", "/mlperf"},
  };
  for (const auto& c : cases) {
    const std::string path = write_workload(c.file, c.mlperf);
    const std::string msg = error_of([&] { load_workload_file(path); });
    INFO(std::string(c.file) << " -> " << msg);
    CHECK(msg.find(c.expected) != std::string::npos);
    CHECK(msg.find(c.file) != std::string::npos);
  }
  std::error_code ec;
  fs::remove_all(fs::temp_directory_path() / "infersim-test-mlperf-workloads", ec);
}

TEST_CASE("mlperf workloads: measurement rows' dataset strings map to the bundled workloads") {
  for (const auto& [dataset, id] : kDatasetStrings) {
    INFO(std::string(dataset));
    const auto w = mlperf_workload_for_dataset(dataset);
    REQUIRE(w.has_value());
    CHECK(*w == id);
    CHECK(load_workload(*w).id == id);
  }
  // Spellings and case.
  CHECK(mlperf_workload_for_dataset("mlperf LLAMA2-70B-99.9").value_or("") == "mlperf-llama2-70b");
  CHECK(mlperf_workload_for_dataset("MLPerf llama3_1-405b").value_or("") == "mlperf-llama3.1-405b");
  CHECK(mlperf_workload_for_dataset("MLPerf llama3-1-8b, datacenter").value_or("") == "mlperf-llama3.1-8b");
  CHECK(mlperf_workload_for_dataset("  MLPerf   deepseek-r1  ").value_or("") == "mlperf-deepseek-r1");
  CHECK(mlperf_workload_for_dataset("MLPerf v5.1 mixtral-8x7b").value_or("") == "mlperf-mixtral-8x7b");
  // Unknown: nullopt.
  for (const char* s : {"", "MLPerf", "ShareGPT", "llama2-70b", "MLPerf gptj-6b", "MLPerf llama2-70b-interactive-x",
                        "MLPerf (llama2-70b)", "MLPerfllama2-70b", "MLPerf llama2-7b", "MLPerf llama3.1-8b-edge"}) {
    INFO(std::string(s));
    CHECK_FALSE(mlperf_workload_for_dataset(s).has_value());
  }

  // The measurement files themselves, where present (/work/shared is absent in CI; this
  // repository's validation/calibration.json is always there).
  const std::string files[] = {"/work/shared/validation/mlperf-calibration.json",
                               "/work/shared/validation/calibration.json",
                               std::string(INFERSIM_TEST_DIR) + "/../validation/calibration.json",
                               std::string(INFERSIM_TEST_DIR) + "/../validation/mlperf-calibration.json",
                               std::string(INFERSIM_TEST_DIR) + "/../validation/mlperf-v5.1-external.json"};
  for (const std::string& file : files) {
    if (!fs::exists(file)) {
      MESSAGE("skipped (absent): " << file);
      continue;
    }
    const nlohmann::json j = read_json_file(file);
    int mapped = 0;
    for (const auto& m : j.at("measurements")) {
      if (!m.contains("workload") || !m["workload"].contains("dataset")) continue;
      const std::string dataset = m["workload"]["dataset"].get<std::string>();
      if (dataset.rfind("MLPerf", 0) != 0) continue;
      INFO(file << ": " << dataset);
      CHECK(mlperf_workload_for_dataset(dataset).has_value());
      ++mapped;
    }
    MESSAGE(file << ": " << mapped << " MLPerf dataset strings mapped");
  }
}
