// Sensitivity: the swing of a field whose effect is derived here.
#include <doctest/doctest.h>

#include "validation/sensitivity.hpp"

using namespace infersim;

TEST_CASE("sensitivity: HBM bandwidth moves a memory-bound single stream proportionally") {
  // llama-3.1-8b bf16 on one H100 at batch 1: the decode step reads ~16 GB of weights and a few MB
  // of KV and computes ~16 GFLOP (8 us at peak vs ~4.8 ms of memory): tok/s = bandwidth / bytes,
  // so tok/s at high / tok/s at low = high / low.
  ScenarioOptions so;
  so.hw = "h100-sxm";
  so.model = "llama-3.1-8b";
  so.prompt_tokens = 128;
  so.output_tokens = 16;
  Scenario s = resolve_scenario(so);
  Sourced& bw = s.hw.tiers.back().bandwidth_Bps;
  bw.low = 0.8 * bw.value;
  bw.high = 1.1 * bw.value;
  const SensitivityResult r = sensitivity(s, "decode_tok_s_per_stream");
  REQUIRE(!r.rows.empty());
  const SensitivityRow& top = r.rows.front();
  MESSAGE("top field " << top.field << ": " << top.result_at_low << " .. " << top.result_at_high << " tok/s (base "
                       << r.base << ")");
  CHECK(top.field.find("bandwidth_Bps") != std::string::npos);
  CHECK(top.field.find("/memory/tiers/") == 0);
  CHECK(top.result_at_low == doctest::Approx(r.base * 0.8).epsilon(1e-3));
  CHECK(top.result_at_high == doctest::Approx(r.base * 1.1).epsilon(1e-3));
  CHECK(top.swing == doctest::Approx(r.base * 0.3).epsilon(1e-3));
  CHECK(top.tag == "spec");
  // Fields without a range are listed as exact, after every ranged field.
  bool seen_exact = false;
  for (const auto& row : r.rows) {
    if (!row.has_range) seen_exact = true;
    else CHECK_FALSE(seen_exact);
  }
  CHECK(seen_exact);
}
