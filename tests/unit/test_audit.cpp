// Unit tests: the audit of the seed paper recomputes its stated figures.
#include <doctest/doctest.h>

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
}
