// `registry quantify`: the unlock-value parser on all eighteen seed strings, the verdict logic, and each
// simulable experiment at its small size with its ratio derived here from the closed form where one
// exists (the DES experiment, B18, runs the binary as a ctest entry: tests/CMakeLists.txt).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "descriptors/catalog.hpp"
#include "descriptors/hardware.hpp"
#include "descriptors/model.hpp"
#include "registry/entry.hpp"
#include "registry/quantify.hpp"

namespace reg = infersim::registry;
namespace fs = std::filesystem;

namespace {

const fs::path kRegistry = fs::path(infersim::data_dir()) / "registry";

reg::QuantifyOptions small_options() {
  reg::QuantifyOptions q;
  q.registry_dir = kRegistry;
  q.small = true;
  return q;
}

// Rows of one entry by "case / lever".
std::map<std::string, reg::Row> rows_of(const std::string& id) {
  const auto r = reg::quantify_entry(id, small_options());
  std::map<std::string, reg::Row> out;
  for (const auto& row : r.rows) {
    INFO(id << " " << row.case_name << " / " << row.lever_label << ": " << row.detail);
    CHECK(row.verdict != reg::Verdict::failed);
    out[row.case_name + " / " + row.lever_label] = row;
  }
  return out;
}

void check_derived(const std::string& what, double measured, double derived, double tolerance) {
  const double dev = (measured / derived - 1.0) * 100.0;
  std::printf("%-50s measured %.4f derived %.4f (%+.3f %%, tolerance %.1f %%)\n", what.c_str(), measured, derived, dev,
              tolerance * 100);
  CHECK(std::abs(measured / derived - 1.0) <= tolerance);
}

}  // namespace

TEST_CASE("unlock-value parser: every seed string") {
  struct Expect {
    std::vector<std::pair<double, double>> ranges;  // one per parsed clause, in order
  };
  // Ranges derived by reading each string: "N-M x" keeps its ends, "~N x" is N/1.25..N*1.25.
  const std::map<std::string, Expect> expected = {
      {"B1", {{{10, 50}}}},           {"B2", {{{5, 10}, {4, 8}}}}, {"B3", {{{2, 3}}}},
      {"B4", {{{1.6, 2.5}}}},         {"B5", {}},                  {"B6", {{{2, 10}}}},
      {"B7", {{{2, 4}}}},             {"B8", {{{10, 100}}}},       {"B9", {}},
      {"B10", {}},                    {"B11", {}},                 {"B12", {}},
      {"B13", {}},                    {"B14", {}},                 {"B15", {{{10, 100}}}},
      {"B16", {{{10, 100}}}},         {"B17", {{{2, 5}}}},         {"B18", {}},
  };
  const auto entries = reg::read_entries(kRegistry);
  REQUIRE(entries.size() == 18);
  for (const auto& e : entries) {
    const std::string text = e.scalar("estimated_unlock_value").value_or("");
    const auto claim = reg::parse_unlock_value(text);
    INFO(e.id() << ": " << text);
    REQUIRE(expected.count(e.id()));
    const auto& want = expected.at(e.id()).ranges;
    std::vector<std::pair<double, double>> got;
    for (const auto& c : claim.clauses)
      if (c.parsed()) got.emplace_back(*c.low_x, *c.high_x);
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i].first == doctest::Approx(want[i].first).scale(0));
      CHECK(got[i].second == doctest::Approx(want[i].second).scale(0));
    }
    CHECK(claim.parsed() == !want.empty());
  }
}

TEST_CASE("unlock-value parser: forms and clause selection") {
  const auto b2 = reg::parse_unlock_value("5-10x context length at fixed memory; or 4-8x concurrent streams");
  REQUIRE(b2.select("concurrent streams") != nullptr);
  CHECK(*b2.select("concurrent streams")->low_x == 4);
  CHECK(*b2.select("")->low_x == 5);
  CHECK(b2.select("no such words") == nullptr);
  CHECK(b2.clauses[0].quantity == "context length at fixed memory");
  const auto tilde = reg::parse_unlock_value("~10-100\xC3\x97 cost reduction");
  REQUIRE(tilde.parsed());
  CHECK(tilde.clauses[0].approximate);
  CHECK(*tilde.clauses[0].low_x == 10);
  CHECK(*tilde.clauses[0].high_x == 100);
  const auto to = reg::parse_unlock_value("3 to 6x");
  CHECK(*to.clauses[0].low_x == 3);
  CHECK(!reg::parse_unlock_value("~30% on RL rollouts").parsed());
  CHECK(!reg::parse_unlock_value("runs on x86 servers").parsed());
  CHECK(!reg::parse_unlock_value("Enables 2 kW+ per node").parsed());
}

TEST_CASE("verdict logic") {
  reg::ClaimClause c;
  c.low_x = 2;
  c.high_x = 4;
  CHECK(reg::judge(3, &c) == reg::Verdict::within);
  CHECK(reg::judge(2 * (1 - reg::kVerdictTolerance) + 1e-9, &c) == reg::Verdict::within);
  CHECK(reg::judge(1.8, &c) == reg::Verdict::overstated);
  CHECK(reg::judge(4.3, &c) == reg::Verdict::understated);
  CHECK(reg::judge(3, nullptr) == reg::Verdict::unparseable);
  CHECK(reg::judge(std::nan(""), &c) == reg::Verdict::failed);
}

TEST_CASE("every experiment file loads, every entry is covered") {
  for (const auto& f : reg::entry_files(kRegistry)) {
    const auto path = kRegistry / "experiments" / (f.stem().string() + ".json");
    INFO(path);
    REQUIRE(fs::is_regular_file(path));
    const auto e = reg::load_experiment(path);
    CHECK(e.entry == f.stem().string());
    if (e.simulable) CHECK(!e.cases.empty());
    else CHECK(!e.reason.empty());
  }
}

TEST_CASE("B1: SRAM vs HBM, per stream at batch 1") {
  const auto rows = rows_of("B1");
  const auto& groq = rows.at("per stream, batch 1 / Groq LPU SRAM");
  // HBM side, memory-bound: tok/s = HBM bandwidth / bytes read per step (weights + KV on one chip).
  const auto h100 = reg::run_scenario("closed-form", {{"hw", "h100-sxm"}, {"model", "llama-3.1-70b"}, {"weights", "fp8"}, {"kv", "fp8"}}, small_options());
  const double bytes = h100["decode_weight_bytes_per_chip"].get<double>() + h100["decode_kv_read_bytes_per_chip"].get<double>();
  const double bw_h = infersim::load_hardware("h100-sxm").tiers.at(0).bandwidth_Bps.value;
  check_derived("B1 H100 tok/s = BW / bytes per step", groq.metric.baseline, bw_h / bytes, 0.01);
  // SRAM side: the weights' streaming term alone would give (chips * SRAM BW) / footprint; the
  // measured ratio must not exceed that bandwidth-over-footprint bound (communication adds to it).
  const auto lpu = reg::run_scenario("closed-form", {{"hw", "groq-lpu"}, {"model", "llama-3.1-70b"}, {"weights", "fp8"}, {"kv", "fp8"}}, small_options());
  const double bw_g = infersim::load_hardware("groq-lpu").tiers.at(0).bandwidth_Bps.value;
  const double chips = lpu["chips"].get<double>();
  const double bound = (chips * bw_g) / (1 * bw_h);
  std::printf("B1 bandwidth-over-footprint bound %.0fx, measured %.2fx (step bound by %s)\n", bound, groq.metric.ratio,
              lpu["decode_step"]["bound"].get<std::string>().c_str());
  CHECK(groq.metric.ratio <= bound);
  const double mem_s = lpu["decode_step"]["memory_s"].get<double>();
  const double lpu_bytes = lpu["decode_weight_bytes_per_chip"].get<double>() + lpu["decode_kv_read_bytes_per_chip"].get<double>();
  check_derived("B1 LPU memory term (one stage) = bytes per chip / SRAM BW", mem_s, lpu_bytes / bw_g, 0.01);
  // The step crosses pp stages; communication dominates it, which is why the ratio is far below the bound.
  CHECK(lpu["decode_step"]["bound"] == "communication");
}

TEST_CASE("B2: GQA vs MHA, KV bytes per token") {
  const auto rows = rows_of("B2");
  const auto& ctx = rows.at("context tokens held / GQA (8 KV heads)");
  // capacity = free bytes per chip / KV bytes per token per chip; KV per token = 2 * layers * kv_heads * head_dim * bytes / tp.
  const auto mha = infersim::load_model((kRegistry / "experiments/models/llama-3.1-70b-mha.json").string());
  const auto gqa = infersim::load_model("llama-3.1-70b");
  const auto opts = [&](const std::string& model) {
    return nlohmann::json{{"hw", "h100-sxm"}, {"model", model}, {"weights", "fp8"}, {"kv", "bf16"}, {"tp", 8},
                          {"prompt_tokens", 8192}, {"output_tokens", 512}};
  };
  const auto a = reg::run_scenario("kv-capacity", opts((kRegistry / "experiments/models/llama-3.1-70b-mha.json").string()), small_options());
  const auto b = reg::run_scenario("kv-capacity", opts("llama-3.1-70b"), small_options());
  auto kv_tok = [](const infersim::Model& m) { return 2.0 * m.layers * m.kv_heads * m.head_dim * 2.0 / 8.0; };
  const double derived = (b["free_bytes_per_chip"].get<double>() / kv_tok(gqa)) / (a["free_bytes_per_chip"].get<double>() / kv_tok(mha));
  check_derived("B2 capacity ratio = free-bytes ratio x KV-heads ratio", ctx.metric.ratio, derived, 0.01);
  std::printf("B2 KV-heads ratio alone: %.1fx\n", static_cast<double>(mha.kv_heads) / gqa.kv_heads);
}

TEST_CASE("B3, B5, B7, B10, B16: run and order") {
  const auto b3 = rows_of("B3");
  for (const auto& [k, r] : b3) CHECK(r.metric.ratio > 0);
  const auto b5 = rows_of("B5");
  CHECK(b5.at("TP8, batch 128 / NVLink x4").metric.ratio >= 1.0);
  CHECK(b5.at("TP8, batch 128 / NVLink /4").metric.ratio <= 1.0);
  const auto b7 = rows_of("B7");
  for (const auto& [k, r] : b7) CHECK(r.metric.baseline > 0);
  const auto b10 = rows_of("B10");
  // H100 node: 8 x system power per chip from the descriptor.
  check_derived("B10 H100 node W = 8 x system W per chip", b10.begin()->second.metric.baseline,
                8 * infersim::load_hardware("h100-sxm").system_power_W_per_chip.value, 1e-9);
  const auto b16 = rows_of("B16");
  CHECK(b16.begin()->second.metric.ratio > 1.0);
}

TEST_CASE("B4: FP8 -> FP4") {
  const auto rows = rows_of("B4");
  // Memory-bound: every streamed byte halves: ratio = bytes(fp8) / bytes(fp4).
  check_derived("B4 memory-bound = bytes/elem fp8 / fp4", rows.at("memory-bound decode, batch 1 / B200 FP4").metric.ratio,
                infersim::bytes_per_element(infersim::Precision::fp8) / infersim::bytes_per_element(infersim::Precision::fp4), 0.01);
  const auto b200 = infersim::load_hardware("b200");
  check_derived("B4 compute-bound B200 = FP4 / FP8 peak", rows.at("compute-bound prefill, 8k prompt / B200 FP4").metric.ratio,
                b200.flops_for(infersim::Precision::fp4).value / b200.flops_for(infersim::Precision::fp8).value, 0.02);
  check_derived("B4 compute-bound H100 (FP4 at the FP8 rate)", rows.at("compute-bound prefill, no FP4 datapath / H100 FP4").metric.ratio, 1.0, 0.02);
}

TEST_CASE("B6: speculative decoding is bounded by the expected tokens per step") {
  const auto rows = rows_of("B6");
  const auto expected_tokens = [](int k, double a) { return (1 - std::pow(a, k + 1)) / (1 - a); };
  const std::map<std::string, double> bound = {{"k=4, alpha=0.8", expected_tokens(4, 0.8)},
                                               {"k=4, alpha=0.6", expected_tokens(4, 0.6)},
                                               {"k=8, alpha=0.9", expected_tokens(8, 0.9)}};
  for (const auto& [label, b] : bound) {
    const double r = rows.at("reasoning, offline, cost per query / " + label).metric.ratio;
    std::printf("B6 %s: measured %.2fx <= expected tokens per step %.2f\n", label.c_str(), r, b);
    CHECK(r > 1.0);
    CHECK(r <= b * 1.001);
  }
}

TEST_CASE("B12: sliding window, streams ratio = blocks per stream ratio") {
  const auto rows = rows_of("B12");
  const auto& w = rows.at("streams at 128k context / 8k sliding window");
  const auto base = reg::run_scenario("kv-capacity", {{"hw", "h100-sxm"}, {"model", "llama-3.1-70b"}, {"weights", "fp8"}, {"kv", "fp8"}, {"tp", 8},
                                                      {"prompt_tokens", 130048}, {"output_tokens", 1024}}, small_options());
  const long long blocks = base["capacity_tokens"].get<long long>() / 16;
  const double derived = static_cast<double>(blocks / ((8192 + 4 + 15) / 16)) / static_cast<double>(blocks / (131072 / 16));
  check_derived("B12 window streams ratio = floor(blocks/513) / floor(blocks/8192)", w.metric.ratio, derived, 1e-9);
  CHECK(rows.at("TTFT, 128k vs 8k prompt / 8k prompt").metric.ratio > 131072.0 / 8192.0);  // super-linear: attention
}

TEST_CASE("B13: LoRA adapter bytes per step") {
  const auto rows = rows_of("B13");
  const auto m = infersim::load_model("llama-3.1-70b");
  const double h = m.hidden_size, q = m.attention_heads * m.head_dim, kv = m.kv_heads * m.head_dim, f = m.ffn_size;
  const double adapter_bytes = 16 * ((h + q) + 2 * (h + kv) + (q + h) + 3 * (h + f)) * m.layers * 2.0;
  const auto paged = reg::run_scenario("lora-closed-form", {{"hw", "h100-sxm"}, {"model", "llama-3.1-70b"}, {"weights", "bf16"}, {"kv", "fp8"},
                                                           {"tp", 4}, {"batch", 32}, {"lora_rank", 16}, {"lora_adapters_per_step", 32},
                                                           {"lora_tier_bandwidth_Bps", 64e9}}, small_options());
  check_derived("B13 adapter bytes (rank 16, bf16)", paged["lora"]["adapter_bytes"].get<double>(), adapter_bytes, 1e-9);
  check_derived("B13 extra step s = 32 x bytes / tp / 64 GB/s", paged["lora"]["extra_step_s"].get<double>(), 32 * adapter_bytes / 4 / 64e9, 1e-9);
  const double base = paged["lora"]["base_step_s"].get<double>();
  check_derived("B13 merged vs paged = (base + extra) / base", rows.at("32 distinct adapters per step / one merged adapter").metric.ratio,
                (base + 32 * adapter_bytes / 4 / 64e9) / base, 1e-6);
}

TEST_CASE("output forms carry every entry") {
  const auto results = reg::quantify("B4", small_options());
  const auto j = reg::to_json(results);
  CHECK(j["entries"].size() == 1);
  CHECK(j["entries"][0]["rows"][0]["verdict"] == "within");
  const std::string md = reg::to_markdown(results, kRegistry, kRegistry);
  CHECK(md.find("[experiments/B4.json](experiments/B4.json)") != std::string::npos);
  CHECK(reg::to_text(results).find("infersim project") != std::string::npos);
}
