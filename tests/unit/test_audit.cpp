// Unit tests: the audit of the seed paper recomputes its stated figures.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "audit/audit.hpp"
#include "descriptors/catalog.hpp"
#include "descriptors/input_error.hpp"
#include "registry/audit_findings.hpp"

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
      {"id": "x", "severity": "low", "section": "s", "statement": "t", "quantity": "q", "kind": "formula",
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

// ---------------------------------------------------------------------------------------------
// Severity, the derived verdict, the new formulas and the registry findings (issue 16).

namespace {

std::string temp_claims_path(const std::string& tag) {
  return (std::filesystem::temp_directory_path() /
          ("infersim-audit-" + tag + "-" + std::to_string(::getpid()) + ".json"))
      .string();
}

// One claim in a claims file of its own; `claim` is the JSON object's text.
std::vector<ClaimResult> audit_one(const std::string& tag, const std::string& claim) {
  const std::string path = temp_claims_path(tag);
  {
    std::ofstream f(path);
    f << R"({"schema": "infersim-claims/1", "document": "test", "claims": [)" << claim << "]}";
  }
  auto out = audit_claims_file(path);
  std::remove(path.c_str());
  return out;
}

// A derived claim of `formula` on `inputs` (JSON object text).
ClaimResult derive(const std::string& formula, const std::string& inputs) {
  return audit_one("derive", R"({"id": "d", "severity": "low", "section": "s", "statement": "t", "quantity": "q",
      "kind": "derived", "formula": ")" + formula + R"(", "inputs": )" + inputs + "}")
      .at(0);
}

std::string audit_error(const std::string& tag, const std::string& claim) {
  try {
    audit_one(tag, claim);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("audit: every new formula, evaluated on inputs whose result is worked out by hand") {
  // ceil(140 GB / 80 GB) = 2; over 0.5-1 TB and 200-400 GB: ceil(500/400) = 2 .. ceil(1000/200) = 5.
  auto chips = derive("chips_to_hold", R"({"model_bytes": {"low": 0.5e12, "high": 1e12}, "bytes_per_chip": {"low": 200e9, "high": 400e9}})");
  CHECK(chips.recomputed_low == 2);
  CHECK(chips.recomputed_high == 5);
  CHECK(chips.verdict == Verdict::derived);
  CHECK_FALSE(chips.has_stated);
  CHECK(derive("chips_to_hold", R"({"model_bytes": {"value": 140e9}, "bytes_per_chip": {"value": 80e9}})").recomputed_low == 2);
  // (28 + 35) / 2 = 31.5.
  CHECK(derive("midpoint", R"({"low_end": {"value": 28}, "high_end": {"value": 35}})").recomputed_low == doctest::Approx(31.5));
  // (30000 / 35) / (8e6 / 750) = 857.14 / 10666.7 = 0.0804 .. (30000 / 28) / (5e6 / 750) = 1071.4 / 6666.7 = 0.1607.
  auto cpt = derive("capex_per_token_ratio", R"({"capex_usd_a": {"value": 30000}, "tok_s_a": {"low": 28, "high": 35},
      "capex_usd_b": {"low": 5e6, "high": 8e6}, "tok_s_b": {"value": 750}})");
  CHECK(cpt.recomputed_low == doctest::Approx(857.142857 / 10666.6667).epsilon(1e-6));
  CHECK(cpt.recomputed_high == doctest::Approx(1071.428571 / 6666.6667).epsilon(1e-6));
  // 200e9 params x 0.5 B x 300 tok/s = 3e13 B/s; 400e9 x 0.5 x 800 = 1.6e14 B/s.
  auto bw = derive("bandwidth_needed_Bps", R"({"params": {"low": 200e9, "high": 400e9}, "bytes_per_param": {"value": 0.5}, "tok_s": {"low": 300, "high": 800}})");
  CHECK(bw.recomputed_low == doctest::Approx(3e13));
  CHECK(bw.recomputed_high == doctest::Approx(1.6e14));
  // 858 mm2 x 31.8 Mib/mm2 = 27,284.4 Mib = 27,284.4 x 131,072 bytes = 3.5762e9 bytes.
  CHECK(derive("sram_bytes_in_area", R"({"area_mm2": {"value": 858}, "density_Mib_per_mm2": {"value": 31.8}})").recomputed_low ==
        doctest::Approx(27284.4 * 131072).epsilon(1e-9));
  // 858 mm2 = 858e6 um2; / 0.021 um2 per bit = 4.0857e10 bits = 5.107e9 bytes.
  CHECK(derive("sram_bytes_in_area_bitcell", R"({"area_mm2": {"value": 858}, "bitcell_um2": {"value": 0.021}})").recomputed_low ==
        doctest::Approx(858e6 / 0.021 / 8).epsilon(1e-9));
  // 8e9 bytes = 6.4e10 bits; / (38 x 1,048,576 bits per mm2 = 3.9846e7) = 1,606.2 mm2.
  CHECK(derive("sram_area_mm2", R"({"sram_bytes": {"value": 8e9}, "density_Mib_per_mm2": {"value": 38}})").recomputed_low ==
        doctest::Approx(6.4e10 / 39845888.0).epsilon(1e-9));
  // 200 GB at WSE-3's 44 GB per 46,225 mm2: 200 / 44 x 46,225 = 210,113.6 mm2.
  CHECK(derive("sram_area_at_reference_mm2", R"({"sram_bytes": {"value": 200e9}, "reference_sram_bytes": {"value": 44e9}, "reference_area_mm2": {"value": 46225}})")
            .recomputed_low == doctest::Approx(210113.636).epsilon(1e-6));
  // 200 GB at 38 Mib/mm2 is 1.6e12 / 3.9846e7 = 40,155.3 mm2 = 0.56808 of a 70,686 mm2 wafer; at $20,000: $11,361.6.
  CHECK(derive("sram_wafer_cost_usd", R"({"sram_bytes": {"value": 200e9}, "density_Mib_per_mm2": {"value": 38}, "wafer_area_mm2": {"value": 70686}, "wafer_usd": {"value": 20000}})")
            .recomputed_low == doctest::Approx(1.6e12 / 39845888.0 / 70686 * 20000).epsilon(1e-9));
  // $8M over 568 chips x 0.23 GB = 130.64 GB: $61,236 per GB.
  CHECK(derive("usd_per_sram_GB", R"({"capex_usd": {"value": 8e6}, "chips": {"value": 568}, "sram_GB_per_chip": {"value": 0.23}})").recomputed_low ==
        doctest::Approx(8e6 / 130.64).epsilon(1e-9));
  // 1 + 40e6 / (1e5 x 20000) = 1.02 .. 1 + 80e6 / (1e5 x 8000) = 1.10.
  auto nre = derive("nre_cost_multiplier", R"({"nre_usd": {"low": 40e6, "high": 80e6}, "volume_nodes": {"value": 100000}, "capex_usd_per_node": {"low": 8000, "high": 20000}})");
  CHECK(nre.recomputed_low == doctest::Approx(1.02));
  CHECK(nre.recomputed_high == doctest::Approx(1.10));
  // 40e6 / (9 x 20000) = 222.2 nodes for 10x; 80e6 / (2 x 8000) = 5,000 nodes for 3x.
  auto vol = derive("nre_volume_for_multiplier", R"({"nre_usd": {"low": 40e6, "high": 80e6}, "multiplier": {"low": 3, "high": 10}, "capex_usd_per_node": {"low": 8000, "high": 20000}})");
  CHECK(vol.recomputed_low == doctest::Approx(40e6 / 180000.0));
  CHECK(vol.recomputed_high == doctest::Approx(5000.0));
  // A multiplier of 1 needs infinitely many nodes: the formula is undefined there, an input error.
  CHECK_THROWS_AS(derive("nre_volume_for_multiplier", R"({"nre_usd": {"value": 40e6}, "multiplier": {"low": 1, "high": 3}, "capex_usd_per_node": {"value": 8000}})"),
                  InputError);
  // 700 W / 25 tok/s = 28 J per token; a million tokens = 2.8e7 J = 7.778 kWh; at $0.05/kWh: $0.3889.
  CHECK(derive("energy_usd_per_mtok", R"({"power_W": {"value": 700}, "tok_s": {"value": 25}, "usd_per_kWh": {"value": 0.05}})").recomputed_low ==
        doctest::Approx(28e6 / 3.6e6 * 0.05).epsilon(1e-12));
}

TEST_CASE("audit: above_bound is a floor the stated figure must reach") {
  // Floor 1.6e12 / 3.9846e7 / 70686 x 20000 = $11,361.6: a stated $8-20K reaches it, $8-10K does not.
  auto claim = [](const std::string& high) {
    return R"({"id": "f", "severity": "high", "section": "s", "statement": "t", "quantity": "q", "kind": "formula",
      "formula": "sram_wafer_cost_usd", "compare": "above_bound",
      "inputs": {"sram_bytes": {"value": 200e9}, "density_Mib_per_mm2": {"value": 38}, "wafer_area_mm2": {"value": 70686}, "wafer_usd": {"value": 20000}},
      "stated": {"low": 8000, "high": )" + high + "}}";
  };
  CHECK(audit_one("floor-ok", claim("20000")).at(0).verdict == Verdict::consistent);
  CHECK(audit_one("floor-bad", claim("10000")).at(0).verdict == Verdict::inconsistent);
}

TEST_CASE("audit: severity is required, and a bad one names the file, the claim, the key and the accepted values") {
  const std::string body = R"("section": "s", "statement": "t", "quantity": "q", "kind": "formula", "formula": "ratio",
      "inputs": {"numerator": {"value": 1}, "denominator": {"value": 2}}, "stated": {"value": 0.5}})";
  const std::string missing = audit_error("sev-missing", R"({"id": "claim-without-severity", )" + body);
  CHECK(contains(missing, "infersim-audit-sev-missing-"));
  CHECK(contains(missing, "/claims/0/severity"));
  CHECK(contains(missing, "claim 'claim-without-severity'"));
  CHECK(contains(missing, "accepted values: high, medium or low"));
  const std::string unknown = audit_error("sev-unknown", R"({"id": "claim-x", "severity": "critical", )" + body);
  CHECK(contains(unknown, "claim 'claim-x'"));
  CHECK(contains(unknown, "unknown severity 'critical'"));
  CHECK(contains(unknown, "accepted values: high, medium or low"));
  const std::string not_string = audit_error("sev-number", R"({"id": "claim-y", "severity": 3, )" + body);
  CHECK(contains(not_string, "claim 'claim-y'"));
  CHECK(contains(not_string, "accepted values: high, medium or low"));
  // The severity is carried to the result and to --json.
  auto ok = audit_one("sev-ok", R"({"id": "z", "severity": "medium", )" + body).at(0);
  CHECK(ok.severity == Severity::medium);
  CHECK(to_json(ok)["severity"] == "medium");
  // An external input without a source is refused; with one, its tag and source reach --json.
  const std::string no_source = audit_error("tag", R"({"id": "w", "severity": "low", "section": "s", "statement": "t", "quantity": "q",
      "kind": "derived", "formula": "ratio", "inputs": {"numerator": {"value": 1, "tag": "external, published"}, "denominator": {"value": 2}}})");
  CHECK(contains(no_source, "claim 'w'"));
  CHECK(contains(no_source, "needs a non-empty \"source\""));
  auto tagged = derive("ratio", R"({"numerator": {"value": 1, "tag": "assumption", "source": "ours"}, "denominator": {"value": 2}})");
  CHECK(to_json(tagged)["inputs"][0]["tag"] == "assumption");
  CHECK(to_json(tagged)["inputs"][0]["source"] == "ours");
  CHECK(to_json(tagged)["verdict"] == "derived");
  // A derived claim states nothing.
  CHECK(contains(audit_error("derived-stated", R"({"id": "v", "severity": "low", "section": "s", "statement": "t", "quantity": "q",
      "kind": "derived", "formula": "ratio", "inputs": {"numerator": {"value": 1}, "denominator": {"value": 2}}, "stated": {"value": 1}})"),
                 "a derived claim states no figure"));
}

TEST_CASE("audit: the reference ASIC, the vendors' own figures and Appendix C's midpoints, checked by hand") {
  AuditDocument doc = read_audit_document(data_dir() + "/audit/seed-paper.json");
  std::map<std::string, ClaimResult> by_id;
  for (const auto& r : doc.claims) by_id[r.id] = r;
  // The 18 derived claims of the file (Table 1's four $/M, the SRAM areas and prices, NRE volume, ...) state
  // nothing and are judged nothing; every other claim states a figure.
  int derived = 0;
  for (const auto& r : doc.claims) {
    if (r.verdict == Verdict::derived) ++derived;
    CHECK(r.has_stated == (r.verdict != Verdict::derived));
  }
  CHECK(derived == 18);
  CHECK(by_id.at("c-h100-density").severity == Severity::high);
  CHECK(by_id.at("intro-70b-weights").severity == Severity::low);
  // 8 GB per die: an 858 mm2 reticle of bare N2 bit cells (0.0175 um2) holds 858e6 / 0.0175 / 8 = 6.13e9 bytes.
  const auto& cell = by_id.at("s3-3-sram-per-reticle-bitcell");
  CHECK(cell.recomputed_high == doctest::Approx(858e6 / 0.0175 / 8).epsilon(1e-9));
  CHECK(cell.verdict == Verdict::inconsistent);
  CHECK(cell.severity == Severity::high);
  // At array densities (31.8-38 Mib/mm2): 858 x 38 x 131,072 = 4.27e9 bytes at most.
  CHECK(by_id.at("s3-3-sram-per-reticle-array").recomputed_high == doctest::Approx(858 * 38 * 131072.0).epsilon(1e-9));
  CHECK(by_id.at("s3-3-sram-per-reticle-array").verdict == Verdict::inconsistent);
  // The SRAM array's wafer cost: 200 GB at N2 density on a whole 300 mm disc at $20K is $11,362, under $20K.
  CHECK(by_id.at("s3-3-node-sram-wafer-floor").recomputed_low == doctest::Approx(1.6e12 / 39845888.0 / 70686 * 20000).epsilon(1e-9));
  CHECK(by_id.at("s3-3-node-sram-wafer-floor").verdict == Verdict::consistent);
  // WSE-3's $2-3M per 44 GB for 200-400 GB: 200 x 2e6 / 44 = $9.09M at least, against $8-20K.
  CHECK(by_id.at("s3-3-cost-analogy-wse3").recomputed_low == doctest::Approx(200 * 2e6 / 44).epsilon(1e-9));
  CHECK(by_id.at("s3-3-cost-analogy-wse3").verdict == Verdict::inconsistent);
  // 1-2 T params at FP4 need 2-5 nodes of 200-400 GB: D = (1e6 / (12000 x 5..2)) x 100 x 0.8 = 1,333-3,333.
  CHECK(by_id.at("c-asic-density-at-capacity").recomputed_low == doctest::Approx(1e6 / 60000.0 * 100 * 0.8));
  CHECK(by_id.at("c-asic-density-at-capacity").recomputed_high == doctest::Approx(1e6 / 24000.0 * 100 * 0.8));
  CHECK(by_id.at("c-asic-density-at-capacity").verdict == Verdict::inconsistent);
  CHECK(by_id.at("s3-asic-nodes-to-hold-model").verdict == Verdict::inconsistent);
  // The appendix's own midpoints: (30000 / 14000) x (550 / 31.5) x (0.8 / 0.7) = 42.8, not ~50.
  CHECK(by_id.at("c-ratio-at-stated-midpoints").recomputed_low == doctest::Approx(30000.0 / 14000 * (550 / 31.5) * (0.8 / 0.7)).epsilon(1e-12));
  CHECK(by_id.at("c-ratio-at-stated-midpoints").verdict == Verdict::inconsistent);
  CHECK(by_id.at("c-asic-c-midpoint").recomputed_low == 14000);
  CHECK(by_id.at("c-asic-c-midpoint").verdict == Verdict::inconsistent);
  // Table 1's own energies: H100 21-25 J over Cerebras 10-12 J is 1.75-2.5x, outside the abstract's 50-200x.
  CHECK(by_id.at("abs-energy-cerebras").recomputed_low == doctest::Approx(21.0 / 12));
  CHECK(by_id.at("abs-energy-cerebras").recomputed_high == doctest::Approx(2.5));
  CHECK(by_id.at("abs-energy-cerebras").verdict == Verdict::inconsistent);
  // Per token of CapEx: (30000 / 35) / (8e6 / 750) = 0.080 .. (30000 / 28) / (5e6 / 750) = 0.161: Groq costs more.
  CHECK(by_id.at("intro-cost-recoverable-groq").recomputed_high == doctest::Approx(30000.0 / 28 / (5e6 / 750)).epsilon(1e-12));
  CHECK(by_id.at("intro-cost-recoverable-groq").verdict == Verdict::inconsistent);
  // Groq's promised per-$ figure: $5M / (3 x 31,536,000 s x 0.8 x 750 tok/s) x 1e6 = $88.1 per M tokens.
  CHECK(by_id.at("t1-groq-usd-per-mtok").recomputed_low == doctest::Approx(5e6 / (3 * 31536000.0 * 0.8 * 750) * 1e6).epsilon(1e-12));
  CHECK(by_id.at("t1-groq-usd-per-mtok").verdict == Verdict::derived);
  // NRE at the 100K nodes named: 1 + 40e6 / (1e5 x 20000) = 1.02 to 1 + 80e6 / (1e5 x 8000) = 1.10, not 3-10x.
  CHECK(by_id.at("s4-3-nre-at-stated-volume").recomputed_high == doctest::Approx(1.10));
  CHECK(by_id.at("s4-3-nre-at-stated-volume").verdict == Verdict::inconsistent);
  // §3.2's utilization range at the H100 example: (1e6 / 30000) x 5 x 0.4 = 66.7 to x 0.9 = 150: the stated 60-150.
  CHECK(by_id.at("c-h100-density-range-from-utilization").recomputed_low == doctest::Approx(1e6 / 30000.0 * 5 * 0.4));
  CHECK(by_id.at("c-h100-density-range-from-utilization").verdict == Verdict::consistent);
  // Table 2's ASIC batch factor 12000 / 300 = 40 to 40000 / 800 = 50, inside §3.2's "up to ~64x".
  CHECK(by_id.at("s3-2-asic-batch-factor").recomputed_low == doctest::Approx(40.0));
  CHECK(by_id.at("s3-2-asic-batch-factor").recomputed_high == doctest::Approx(50.0));
  CHECK(by_id.at("s3-2-asic-batch-factor").verdict == Verdict::consistent);
  // Cerebras's effective 2100 x 140 GB/s on 200-400 B x 0.5 B: 2.94e14 / 2e11 = 1,470 tok/s at least, above 300.
  CHECK(by_id.at("t2-lower-bound-throughput-cerebras").recomputed_low == doctest::Approx(2100 * 140e9 / 2e11));
  CHECK(by_id.at("t2-lower-bound-throughput-cerebras").verdict == Verdict::consistent);
  // The file names its headline findings, each a claim of the file.
  CHECK(doc.headline.size() == 5);
  for (const auto& id : doc.headline) CHECK(by_id.count(id) == 1);
}

TEST_CASE("audit: a citation is specific when each part names one dated source") {
  CHECK(registry::check_citation("Doe et al. 2024").specific);
  CHECK(registry::check_citation("Ashkboos et al. 2024 (QuaRot); Liu et al. 2024 (SpinQuant)").specific);
  CHECK(registry::check_citation("DeepSeek-V3 2024").specific);  // the 3 in V3 is not a year
  CHECK_FALSE(registry::check_citation("various").specific);
  CHECK_FALSE(registry::check_citation("vendor disclosures 2024-2025").specific);
  CHECK_FALSE(registry::check_citation("Submer, GRC 2023+").specific);
  CHECK_FALSE(registry::check_citation("NVIDIA Nemotron 2025 examples").specific);
  CHECK_FALSE(registry::check_citation("Kwon et al. 2023; standard practice").specific);  // one part fails
  CHECK(contains(registry::check_citation("vLLM, Sarathi").why, "no year"));
}

TEST_CASE("audit: the registry's own findings sit beside the paper's, each with a verdict and a severity") {
  namespace fs = std::filesystem;
  const fs::path fixture = fs::path(INFERSIM_TEST_DIR) / "registry-fixtures" / "audit";
  registry::RegistryAuditOptions o;
  o.dir = fixture;
  o.schema = fs::path(data_dir()) / "registry" / "schema.json";
  o.seed = fixture / "seed.txt";
  o.today = registry::Date{2026, 6, 1};
  std::map<std::string, ClaimResult> by_id;
  for (const auto& r : registry::registry_findings(o)) {
    CHECK(r.origin == "registry");
    by_id[r.id] = r;
  }
  // Two entries, not the paper's eighteen.
  CHECK(by_id.at("registry-entry-count").recomputed_low == 2);
  CHECK(by_id.at("registry-entry-count").verdict == Verdict::inconsistent);
  // B2's body: four sections of 11 words = 44 words, under 200: one body-words violation.
  CHECK(by_id.at("registry-body-words").recomputed_low == 1);
  CHECK(by_id.at("registry-body-words").verdict == Verdict::inconsistent);
  CHECK(by_id.at("registry-body-words").severity == Severity::low);
  CHECK(by_id.at("registry-body-headings").verdict == Verdict::consistent);
  // Citations: B1's "Doe et al. 2024" is specific; B2's "vendor roadmaps" and "Roe and Poe 2023+" are not: 2 of 3.
  CHECK(by_id.at("registry-citations").recomputed_low == 2);
  CHECK(by_id.at("registry-citations").recomputed_text == "2 of 3");
  CHECK(by_id.at("registry-citations").verdict == Verdict::inconsistent);
  CHECK(by_id.at("registry-citations").severity == Severity::medium);
  // No README.md: the migration-note rule has nothing to disagree with.
  CHECK(by_id.at("registry-migration-note").verdict == Verdict::consistent);
  // The taxonomy recount runs on these two entries; the abstract's claim is a high-severity finding.
  CHECK(by_id.at("registry-taxonomy-abstract-11-1").severity == Severity::high);
  // The seed: B2's heading 'A heading that is not the name' is not its name 'Seed name of B2' (1 of 2), that
  // name is not the entry's 'Fixture bottleneck B2' (1 of 2), and both seed bodies (8 and 7 words) are under 200.
  CHECK(by_id.at("registry-seed-headings").recomputed_low == 1);
  CHECK(by_id.at("registry-seed-headings").verdict == Verdict::inconsistent);
  CHECK(by_id.at("registry-names-vs-seed").recomputed_low == 1);
  CHECK(by_id.at("registry-seed-body-words").recomputed_low == 2);
  CHECK(contains(by_id.at("registry-seed-body-words").recomputed_text, "(7-8 words)"));
  // Without a seed document the seed checks are underdetermined, not silently skipped.
  o.seed.reset();
  o.seed_looked_for = "nowhere";
  bool found = false;
  for (const auto& r : registry::registry_findings(o))
    if (r.id == "registry-seed") {
      found = true;
      CHECK(r.verdict == Verdict::underdetermined);
    }
  CHECK(found);
  // The bundled registry: the migration note disagrees with the change log, and "~80%" is not recounted.
  o.dir = fs::path(data_dir()) / "registry";
  std::map<std::string, ClaimResult> bundled;
  for (const auto& r : registry::registry_findings(o)) bundled[r.id] = r;
  CHECK(bundled.at("registry-migration-note").verdict == Verdict::inconsistent);
  CHECK(bundled.at("registry-migration-note").severity == Severity::medium);
  CHECK(bundled.at("registry-taxonomy-note-80pct-1").verdict == Verdict::inconsistent);
  CHECK(bundled.at("registry-taxonomy-note-80pct-1").severity == Severity::high);
  CHECK(bundled.at("registry-entry-count").verdict == Verdict::consistent);
  // The summary counts what it is given: one finding per verdict and severity named.
  std::vector<ClaimResult> two = {bundled.at("registry-migration-note"), bundled.at("registry-entry-count")};
  AuditSummary s = summarize(two);
  CHECK(s.total == 2);
  CHECK(s.by_verdict[static_cast<int>(Verdict::inconsistent)] == 1);
  CHECK(s.by_verdict[static_cast<int>(Verdict::consistent)] == 1);
  CHECK(s.by_severity[static_cast<int>(Severity::medium)] == 1);
  CHECK(s.by_severity[static_cast<int>(Severity::low)] == 1);
  CHECK(s.cross[static_cast<int>(Verdict::inconsistent)][static_cast<int>(Severity::medium)] == 1);
}
