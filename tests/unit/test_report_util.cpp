// The report's pure pieces: SHA-256 against FIPS 180-4 vectors, Monte Carlo summaries, suite rows.
#include <doctest/doctest.h>

#include <string>

#include "report/report.hpp"
#include "report/util.hpp"

using namespace infersim::report;

TEST_CASE("sha256 matches the FIPS 180-4 test vectors") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(base64("Man") == "TWFu");
  CHECK(base64("Ma") == "TWE=");
}

TEST_CASE("summarize: quantiles by linear interpolation, widened to include mid") {
  std::vector<double> v;
  for (int i = 0; i <= 100; ++i) v.push_back(i);  // q(0.05) = 5, q(0.95) = 95
  Range r = summarize(v, 50, 0.05, 0.95);
  CHECK(r.low == doctest::Approx(5));
  CHECK(r.high == doctest::Approx(95));
  Range w = summarize(v, 99, 0.05, 0.95);  // mid above the 95th percentile: high becomes mid
  CHECK(w.high == 99);
  CHECK(w.low <= w.mid);
}

TEST_CASE("Monte Carlo ranges are deterministic and bracket mid, non-fit and vendor claims are marked") {
  const std::string suite = std::string(INFERSIM_TEST_DIR) + "/report/tiny-suite.json";
  const nlohmann::json a = evaluate_suite(suite, 2, false);
  const nlohmann::json b = evaluate_suite(suite, 1, false);
  CHECK(a.dump() == b.dump());  // same seed, any thread count: same bytes
  int checked = 0;
  for (const auto& row : a["rows"]) {
    if (row["hardware"] == "cerebras-wse3") {
      CHECK_FALSE(row["fits"].get<bool>());
      CHECK(row["status"].get<std::string>().rfind("does not fit: needs ", 0) == 0);
      CHECK(row["decode_tok_s_per_chip_mid"].is_null());
      CHECK(row["usd_per_mtok_capex_mid"].is_null());
      continue;
    }
    if (row["hardware"] == "etched-sohu") {
      CHECK(row["unaudited"].get<bool>());
      CHECK(row["weakest_tag"] == "vendor-claim");
      CHECK(row["bar_style"] == "vendor-claim");
    }
    for (const char* m : {"decode_tok_s_per_chip", "decode_tok_s_deployment", "energy_J_per_token", "usd_per_mtok_capex",
                          "ttft_s", "offline_output_tok_s_deployment"}) {
      const double lo = row[std::string(m) + "_low"].get<double>(), mid = row[std::string(m) + "_mid"].get<double>(),
                   hi = row[std::string(m) + "_high"].get<double>();
      CHECK(lo <= mid);
      CHECK(mid <= hi);
      ++checked;
    }
    // The H100 descriptors have ranges: the spread is real, not a single number.
    if (row["hardware"] == "h100-sxm") CHECK(row["decode_tok_s_per_chip_low"].get<double>() < row["decode_tok_s_per_chip_high"].get<double>());
    // Per chip = per deployment / chips, side by side.
    CHECK(row["decode_tok_s_per_chip_mid"].get<double>() * row["chips"].get<double>() ==
          doctest::Approx(row["decode_tok_s_deployment_mid"].get<double>()));
  }
  CHECK(checked == 12);
  // Every human and machine output says "does not fit" for the Cerebras row and marks Sohu.
  const std::string csv = results_csv(a), md = results_markdown(a);
  CHECK(csv.find("does not fit: needs ") != std::string::npos);
  CHECK(md.find("does not fit: needs ") != std::string::npos);
  CHECK(md.find("etched-sohu ⚠ UNAUDITED") != std::string::npos);
  // The radar excludes vendor-claims-only hardware and the non-fitting deployment.
  for (const auto& p : a["radar"]["platforms"])
    if (p["hardware"] != "h100-sxm") CHECK_FALSE(p["excluded"].is_null());
}
