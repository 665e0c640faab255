// Unit tests: unit parsing, the JSON reader's named failures, and the bundled descriptors.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <fstream>

#include "descriptors/catalog.hpp"
#include "descriptors/input_error.hpp"
#include "descriptors/json_reader.hpp"
#include "units/parse.hpp"

using namespace infersim;

TEST_CASE("unit words in keys name the SI dimension") {
  CHECK(unit_kind_from_key("bandwidth_Bps") == UnitKind::bytes_per_second);
  CHECK(unit_kind_from_key("bf16_flops") == UnitKind::flop_per_second);
  CHECK(unit_kind_from_key("latency_s") == UnitKind::seconds);
  CHECK(unit_kind_from_key("system_W_per_chip") == UnitKind::watts);
  CHECK(unit_kind_from_key("system_usd_per_chip") == UnitKind::usd);
  CHECK(unit_kind_from_key("capacity_bytes") == UnitKind::bytes);
  CHECK_FALSE(unit_kind_from_key("usable_memory_fraction").has_value());
}

TEST_CASE("the unit table keeps decimal, binary and bit prefixes apart") {
  CHECK(*unit_factor(UnitKind::bytes, "GB") == 1e9);
  CHECK(*unit_factor(UnitKind::bytes, "GiB") == 1073741824.0);
  CHECK(*unit_factor(UnitKind::bytes_per_second, "TB/s") == 1e12);
  CHECK(*unit_factor(UnitKind::bytes_per_second, "Gb/s") == 1.25e8);  // 1 gigabit = 1e9/8 bytes
  CHECK(*unit_factor(UnitKind::seconds, "us") == 1e-6);
  CHECK_FALSE(unit_factor(UnitKind::bytes, "gb").has_value());  // case matters: no guessing
  CHECK_FALSE(unit_factor(UnitKind::bytes, "TB/s").has_value());  // wrong dimension
}

namespace {
std::string error_of(const std::string& json_text, const std::function<void(ObjectReader&)>& read) {
  nlohmann::json doc = nlohmann::json::parse(json_text);
  try {
    ObjectReader r(doc, "f.json", "");
    read(r);
    r.finish();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("reader failures name the file, the JSON pointer and what was expected") {
  auto q = [](ObjectReader& r) { r.require_quantity("bandwidth_Bps"); };
  CHECK(error_of(R"({})", q) == "f.json: /bandwidth_Bps: missing required field 'bandwidth_Bps'");
  CHECK(error_of(R"({"bandwidth_Bps": "fast"})", q) ==
        "f.json: /bandwidth_Bps: expected a number or an object {\"value\", \"tag\", \"source\"}, found a string");
  CHECK(error_of(R"({"bandwidth_Bps": {"value": -1, "tag": "spec", "source": "x"}})", q) ==
        "f.json: /bandwidth_Bps/value: expected a number > 0, found -1");
  CHECK(error_of(R"({"bandwidth_Bps": {"value": 1, "unit": "TB/sec", "tag": "spec", "source": "x"}})", q) ==
        "f.json: /bandwidth_Bps/unit: unknown unit 'TB/sec' for a quantity in B/s (did you mean 'TB/s'?); "
        "accepted units: B/s, MB/s, GB/s, TB/s, PB/s, GiB/s, Gb/s, Tb/s or Pb/s");
  CHECK(error_of(R"({"bandwidth_Bps": {"value": 1, "tag": "claimed", "source": "x"}})", q) ==
        "f.json: /bandwidth_Bps/tag: unknown tag 'claimed'; accepted tags: audited, spec, derived, assumption or "
        "vendor-claim");
  CHECK(error_of(R"({"bandwidth_Bps": {"value": 1, "tag": "spec", "source": "x", "hihg": 2}})", q) ==
        "f.json: /bandwidth_Bps/hihg: unknown key 'hihg' (did you mean 'high'?); accepted keys here: high, low, "
        "note, source, tag, unit or value");
  CHECK(error_of(R"({"bandwidth_Bps": {"value": 5, "low": 6, "tag": "spec", "source": "x"}})", q) ==
        "f.json: /bandwidth_Bps/low: low must not exceed value");
  CHECK(error_of(R"({"bandwidth_Bps": {"value": 1e308, "unit": "PB/s", "tag": "spec", "source": "x"}})", q) ==
        "f.json: /bandwidth_Bps: the value overflows once converted to SI");
  auto layers = [](ObjectReader& r) { r.require_int("layers"); };
  CHECK(error_of(R"({"layers": 2.5})", layers) == "f.json: /layers: expected an integer, found a fractional number");
  CHECK(error_of(R"({"layers": 0})", layers) == "f.json: /layers: expected an integer >= 1, found 0");
}

TEST_CASE("malformed JSON reports line and column") {
  auto path = std::filesystem::temp_directory_path() / "infersim_malformed.json";
  { std::ofstream(path) << "{\n  \"a\": 1,\n  \"b\": \n}"; }
  try {
    read_json_file(path.string());
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.where() == "line 4, column 1");
    CHECK(std::string(e.message()).find("malformed JSON") == 0);
  }
  std::filesystem::remove(path);
}

TEST_CASE("every bundled descriptor loads") {
  for (const auto& id : bundled_ids("hardware")) {
    CAPTURE(id);
    Hardware hw = load_hardware(id);
    CHECK(hw.id == id);
    CHECK(hw.peak_flops.count(Precision::bf16) == 1);
    CHECK(!hw.tiers.empty());
  }
  for (const auto& id : bundled_ids("models")) {
    CAPTURE(id);
    CHECK(load_model(id).id == id);
  }
  CHECK(bundled_ids("hardware").size() >= 9);
  CHECK(bundled_ids("models").size() >= 7);
}

TEST_CASE("Etched Sohu is marked as vendor claims only") {
  CHECK(load_hardware("etched-sohu").vendor_claims_only);
  CHECK_FALSE(load_hardware("h100-sxm").vendor_claims_only);
}

TEST_CASE("precision fallback: a chip without fp4 runs fp4 weights at its fp8 rate") {
  Hardware h100 = load_hardware("h100-sxm");
  CHECK(h100.compute_precision_for(Precision::fp4) == Precision::fp8);
  CHECK(h100.flops_for(Precision::fp4).value == doctest::Approx(1978.9e12));
  Hardware b200 = load_hardware("b200");
  CHECK(b200.compute_precision_for(Precision::fp4) == Precision::fp4);
}

TEST_CASE("an unknown id names the bundled ones") {
  try {
    load_hardware("h100");
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("did you mean 'h200'?") != std::string::npos);
    CHECK(std::string(e.what()).find("h100-sxm") != std::string::npos);
  }
}
