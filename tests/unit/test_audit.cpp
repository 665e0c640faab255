// Unit tests: the audit of the seed paper recomputes its stated figures.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "audit/audit.hpp"
#include "descriptors/catalog.hpp"

using namespace infersim;

TEST_CASE("the seed-paper audit reaches the verdicts its inputs imply") {
  auto results = audit_claims_file(data_dir() + "/audit/seed-paper.json");
  std::map<std::string, ClaimResult> by_id;
  for (const auto& r : results) by_id[r.id] = r;
  // 70e9 params * 2 bytes = 140 GB per token; 3.35e12 / 140e9 = 23.93 tok/s.
  CHECK(by_id.at("intro-70b-weights").recomputed_low == 140e9);
  CHECK(by_id.at("b1-h100-cap").recomputed_low == doctest::Approx(3.35e12 / 140e9).epsilon(1e-12));
  CHECK(by_id.at("b1-h100-cap").verdict == Verdict::consistent);
  // The introduction's ~30 tok/s exceeds that ceiling.
  CHECK(by_id.at("intro-h100-30-tok-s").verdict == Verdict::inconsistent);
  // Appendix C's worked examples: (1e6/30000)*(25/5)*0.7 and (1e6/12000)*(500/5)*0.8.
  CHECK(by_id.at("c-h100-density").recomputed_low == doctest::Approx(1e6 / 30000.0 * 5.0 * 0.7).epsilon(1e-12));
  CHECK(by_id.at("c-h100-density").verdict == Verdict::consistent);
  CHECK(by_id.at("c-asic-density").recomputed_low == doctest::Approx(1e6 / 12000.0 * 100.0 * 0.8).epsilon(1e-12));
  CHECK(by_id.at("c-asic-density").verdict == Verdict::consistent);
  // Capacity that cannot hold the model: one 44 GB wafer for a 141 GB model.
  CHECK(by_id.at("t1-cerebras-one-wafer").verdict == Verdict::inconsistent);
  CHECK(by_id.at("intro-70b-fits-one-h100").verdict == Verdict::inconsistent);
  // FP8 -> FP4 halves the bytes: at most 2x, not the assumed 4x.
  CHECK(by_id.at("c-fp4-over-fp8").recomputed_high == 2.0);
  CHECK(by_id.at("c-fp4-over-fp8").verdict == Verdict::inconsistent);
  // The reference ASIC's bandwidth is not stated: its single-stream rate is underdetermined.
  CHECK(by_id.at("t2-asic-single-stream").verdict == Verdict::underdetermined);
  // $3/hour at 30 tok/s: 3/3600/30*1e6 = 27.78 $/M.
  CHECK(by_id.at("intro-usd-per-mtok").recomputed_low == doctest::Approx(27.777777777).epsilon(1e-9));
  // Appendix C's cost formula on its own H100 example: 30000 / (3 * 365 * 86400 * 0.7 * 25) * 1e6
  // = 18.12 $/M, two thirds of §1's ~27 for the same chip; on the ASIC example 0.317 $/M, inside
  // Table 2's 0.2-1.5.
  CHECK(by_id.at("c-formula-h100-usd-per-mtok").recomputed_low ==
        doctest::Approx(30000.0 / (3 * 365 * 86400.0 * 0.7 * 25) * 1e6).epsilon(1e-12));
  CHECK(by_id.at("c-formula-h100-usd-per-mtok").verdict == Verdict::inconsistent);
  CHECK(by_id.at("c-formula-asic-usd-per-mtok").recomputed_low == doctest::Approx(0.3171).epsilon(1e-3));
  CHECK(by_id.at("c-formula-asic-usd-per-mtok").verdict == Verdict::consistent);
  // The headline 50x: 8333 / 167 = 49.9 before the utilization step, 6667 / 117 = 57.0 after it.
  CHECK(by_id.at("c-ratio-50x-before-utilization").verdict == Verdict::consistent);
  CHECK(by_id.at("c-ratio-50x-after-utilization").recomputed_low == doctest::Approx(6667.0 / 117.0).epsilon(1e-12));
  CHECK(by_id.at("c-ratio-50x-after-utilization").verdict == Verdict::inconsistent);
  // The stated ranges' cross range: 3000 / 150 = 20x to 12000 / 60 = 200x.
  CHECK(by_id.at("c-ratio-50x-stated-ranges").recomputed_low == doctest::Approx(20.0));
  CHECK(by_id.at("c-ratio-50x-stated-ranges").recomputed_high == doctest::Approx(200.0));
  // Capacity-corrected: 140 GB of BF16 needs ceil(140/80) = 2 H100s, ceil(140/44) = 4 wafers and
  // ceil(140e9/230e6) = 609 Groq chips at the paper's own 230 MB.
  CHECK(by_id.at("t1-h100-energy-at-capacity").recomputed_low == doctest::Approx(1400.0 / 35));
  CHECK(by_id.at("t1-h100-energy-at-capacity").recomputed_high == doctest::Approx(1400.0 / 28));
  CHECK(by_id.at("t1-h100-energy-at-capacity").verdict == Verdict::inconsistent);
  CHECK(by_id.at("t1-cerebras-energy-at-capacity").recomputed_low == doctest::Approx(4 * 23e3 / 2100));
  CHECK(by_id.at("t1-groq-energy-at-capacity").recomputed_low == doctest::Approx(150e3 * 609 / 576 / 750));
  CHECK(by_id.at("c-h100-density-at-capacity").recomputed_low == doctest::Approx(1e6 / 60000.0 * 5.0 * 0.7));
  // Table 2's ratio column under its two plausible conventions: batch-64 throughput matched end to
  // end is 12000/400 = 30x to 40000/900 = 44.4x (stated 30-50x); the context row's cross range is
  // 200/200 = 1x to 500/100 = 5x (stated 2-5x): neither convention gives either row.
  CHECK(by_id.at("t2-ratio-decode-batch64-endpoint-matched").recomputed_low == doctest::Approx(30.0));
  CHECK(by_id.at("t2-ratio-decode-batch64-endpoint-matched").recomputed_high == doctest::Approx(40000.0 / 900));
  CHECK(by_id.at("t2-ratio-decode-batch64-endpoint-matched").verdict == Verdict::inconsistent);
  CHECK(by_id.at("t2-ratio-context-cross-range").recomputed_low == doctest::Approx(1.0));
  CHECK(by_id.at("t2-ratio-context-cross-range").recomputed_high == doctest::Approx(5.0));
  CHECK(by_id.at("t2-ratio-context-cross-range").verdict == Verdict::inconsistent);
  // Regimes: the H100's 30-60 J is single-request (700 / 15-25 tok/s = 28-47 J; batch 64 gives
  // 700 / 400-900 = 0.78-1.75 J); the ASIC's 0.3-1.5 J is neither (batch 64: 1500-2500 W / 12,000-40,000).
  CHECK(by_id.at("t2-h100-energy-single-stream").verdict == Verdict::consistent);
  CHECK(by_id.at("t2-h100-energy-batch64").verdict == Verdict::inconsistent);
  CHECK(by_id.at("t2-asic-energy-batch64").recomputed_high == doctest::Approx(2500.0 / 12000));
  CHECK(by_id.at("t2-asic-energy-batch64").verdict == Verdict::inconsistent);
  CHECK(by_id.at("t2-asic-energy").verdict == Verdict::inconsistent);
  // O5: r cancels in D_ASIC / D_H100 = (30000/12000) * (500/25) * (0.8/0.7) = 57.14 at every r.
  CHECK(by_id.at("o5-ratio-invariant-to-r").recomputed_low == doctest::Approx(2.5 * 20 * 0.8 / 0.7).epsilon(1e-12));
  CHECK(by_id.at("o5-ratio-invariant-to-r").recomputed_high == doctest::Approx(2.5 * 20 * 0.8 / 0.7).epsilon(1e-12));
  CHECK(by_id.at("o5-ratio-invariant-to-r").verdict == Verdict::consistent);
  // O2 cites a sensitivity to active parameters that Appendix C does not contain.
  CHECK(by_id.at("o2-sensitivity-active-params").verdict == Verdict::underdetermined);
}

TEST_CASE("audit: 'reproduces' judges both ends of a stated range, within the claim's tolerance") {
  // 30/2 = 15 to 60/3 = 20 matched end to end: a stated 15-20 is reproduced, 15-25 is not.
  const std::string path =
      (std::filesystem::temp_directory_path() / ("infersim-audit-reproduces-" + std::to_string(::getpid()) + ".json")).string();
  auto write = [&](double high) {
    std::ofstream f(path);
    f << R"({"schema": "infersim-claims/1", "document": "test", "claims": [
      {"id": "x", "section": "s", "statement": "t", "quantity": "q", "kind": "formula",
       "formula": "ratio_endpoint_matched", "compare": "reproduces",
       "inputs": {"numerator_low": {"value": 30}, "numerator_high": {"value": 60},
                  "denominator_low": {"value": 2}, "denominator_high": {"value": 3}, "position": {"low": 0, "high": 1}},
       "stated": {"low": 15, "high": )" << high << R"(}, "approx_tolerance": 0.05}]})";
  };
  write(20.5);
  auto ok = audit_claims_file(path);
  CHECK(ok.at(0).recomputed_low == doctest::Approx(15.0));
  CHECK(ok.at(0).recomputed_high == doctest::Approx(20.0));
  CHECK(ok.at(0).verdict == Verdict::consistent);
  write(25);
  CHECK(audit_claims_file(path).at(0).verdict == Verdict::inconsistent);
  std::remove(path.c_str());
}
