// Unit tests: the hardware descriptors added for the platforms that public MLPerf rows name
// (hardware/{h100-nvl,h100-pcie,l40s,mi325x,mi355x,gb300,rtx-pro-6000}.json), checked against the
// numbers their sources give: capacity, memory bandwidth, dense FP8 rate, scale-up domain, and that
// PCIe cards have a PCIe-class (not NVLink-class) scale-up bandwidth.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "descriptors/catalog.hpp"
#include "descriptors/hardware.hpp"
#include "descriptors/json_reader.hpp"
#include "scenario/scenario.hpp"

using namespace infersim;

namespace {
struct Expected {
  const char* id;
  double capacity_GB;     // first (only) memory tier
  double bandwidth_TBps;  // its peak bandwidth
  double fp8_dense_TFLOPs;
  long long domain_chips;
  bool pcie_scale_up;    // no NVLink/xGMI switch: the scale-up level is PCIe
  Precision fp4_runs_at;  // fp4 weights: native fp4, or the fp8 fallback
};

// Values as cited in the descriptors (dense, not the 2:4-sparse headlines).
const std::vector<Expected> kAdded = {
    {"h100-nvl", 94, 3.9, 1670.5, 2, false, Precision::fp8},       // 3,341 sparse / 2; NVLink-bridged pair
    {"h100-pcie", 80, 2.0, 1513, 8, true, Precision::fp8},         // 3,026 sparse / 2
    {"l40s", 48, 0.864, 733, 8, true, Precision::fp8},             // 1,466 sparse / 2
    {"mi325x", 256, 6.0, 2614.9, 8, false, Precision::fp8},        // CDNA 3: no FP4
    {"mi355x", 288, 8.0, 5033.2, 8, false, Precision::fp4},        // 256 CUs x 8,192 x 2.4 GHz
    {"gb300", 288, 8.0, 5000, 72, false, Precision::fp4},          // NVL72 rack
    {"rtx-pro-6000", 96, 1.597, 960, 8, true, Precision::fp4},     // derived from 120 FP32 TFLOPS
};
}  // namespace

TEST_CASE("added descriptors load and match their cited capacity, bandwidth, FP8 rate and domain") {
  for (const auto& e : kAdded) {
    CAPTURE(e.id);
    Hardware hw = load_hardware(e.id);
    CHECK(hw.id == e.id);
    REQUIRE(hw.tiers.size() == 1);
    CHECK(hw.tiers[0].capacity_bytes.value == doctest::Approx(e.capacity_GB * 1e9));
    CHECK(hw.tiers[0].bandwidth_Bps.value == doctest::Approx(e.bandwidth_TBps * 1e12));
    CHECK(hw.flops_for(Precision::fp8).value == doctest::Approx(e.fp8_dense_TFLOPs * 1e12));
    CHECK(hw.compute_precision_for(Precision::fp8) == Precision::fp8);
    CHECK(hw.compute_precision_for(Precision::fp4) == e.fp4_runs_at);
    // Dense rates: BF16 is half of FP8 on every one of these chips.
    CHECK(hw.flops_for(Precision::bf16).value == doctest::Approx(hw.flops_for(Precision::fp8).value / 2).epsilon(0.02));
    CHECK(hw.scale_up.domain_chips == e.domain_chips);
    REQUIRE(hw.scale_out.has_value());
    CHECK(hw.scale_out->domain_chips > hw.scale_up.domain_chips);
    CHECK(hw.usable_memory_fraction.value == doctest::Approx(0.9));
    // Every number carries a source; ranges bracket their value.
    for (const Sourced* q : {&hw.tiers[0].capacity_bytes, &hw.tiers[0].bandwidth_Bps, &hw.chip_power_W,
                             &hw.system_power_W_per_chip, &hw.idle_power_W_per_chip, &hw.system_cost_usd_per_chip,
                             &hw.scale_up.bandwidth_Bps, &hw.scale_up.latency_s}) {
      CHECK_FALSE(q->provenance.source.empty());
      CHECK(q->low <= q->value);
      CHECK(q->high >= q->value);
    }
    CHECK(hw.system_power_W_per_chip.low >= hw.chip_power_W.value * 0.99);  // the low end is the GPU alone
  }
}

TEST_CASE("added PCIe cards have a PCIe-class scale-up network, the others NVLink/xGMI-class") {
  for (const auto& e : kAdded) {
    CAPTURE(e.id);
    Hardware hw = load_hardware(e.id);
    if (e.pcie_scale_up) {
      CHECK(hw.scale_up.bandwidth_Bps.value < 100e9);
      CHECK(hw.scale_up.bandwidth_Bps.high <= 64e9);
      CHECK(hw.scale_up.latency_s.value > 1e-6);  // slower than an NVSwitch traversal
    } else {
      CHECK(hw.scale_up.bandwidth_Bps.value >= 300e9);
    }
  }
  // L40S is PCIe Gen4 x16 (~32 GB/s per direction), H100 PCIe and RTX PRO 6000 Gen5 x16 (~64 GB/s).
  CHECK(load_hardware("l40s").scale_up.bandwidth_Bps.value == doctest::Approx(31.5e9));
  CHECK(load_hardware("h100-pcie").scale_up.bandwidth_Bps.value == doctest::Approx(63e9));
  CHECK(load_hardware("rtx-pro-6000").scale_up.bandwidth_Bps.value == doctest::Approx(63e9));
  // H100 NVL: a 2-GPU NVLink bridge (600 GB/s bidirectional) inside a PCIe server.
  Hardware nvl = load_hardware("h100-nvl");
  CHECK(nvl.scale_up.domain_chips == 2);  // a bridged pair (modelled as a 2-port switch)
  CHECK(nvl.scale_up.bandwidth_Bps.value == doctest::Approx(300e9));
  CHECK(nvl.scale_out->bandwidth_Bps.high <= 64e9);
  // GB300: NVLink 5, 1.8 TB/s bidirectional per GPU across the 72-GPU rack.
  CHECK(load_hardware("gb300").scale_up.bandwidth_Bps.value == doctest::Approx(900e9));
}

TEST_CASE("added descriptors: native FP4 rates are the dense ones") {
  CHECK(load_hardware("gb300").flops_for(Precision::fp4).value == doctest::Approx(15000e12));  // 20 PF sparse
  CHECK(load_hardware("mi355x").flops_for(Precision::fp4).value == doctest::Approx(10066.4e12));  // 20.1 PF sparse
  CHECK(load_hardware("rtx-pro-6000").flops_for(Precision::fp4).value == doctest::Approx(1920e12));
  // Without FP4 tensor cores, FP4 weights run at the FP8 rate.
  CHECK(load_hardware("l40s").flops_for(Precision::fp4).value == doctest::Approx(733e12));
}

TEST_CASE("added descriptors: Llama-2-70B in FP8 fits where the MLPerf rows run it") {
  auto plan_for = [](const std::string& hw) {
    ScenarioOptions o;
    o.hw = hw;
    o.model = "llama-2-70b";
    o.weights = "fp8";
    o.kv = "fp8";
    return make_plan(resolve_scenario(o));
  };
  // 69 GB of FP8 weights: one GPU of 256-288 GB, a bridged H100 NVL pair, PCIe groups otherwise.
  for (const char* id : {"mi325x", "mi355x", "gb300"}) {
    CAPTURE(id);
    Plan p = plan_for(id);
    CHECK(p.fits);
    CHECK(p.chips == 1);
  }
  Plan nvl = plan_for("h100-nvl");
  CHECK(nvl.fits);
  CHECK(nvl.chips <= 2);
  CHECK_FALSE(nvl.tp_over_scale_out);  // stays on the NVLink bridge
  Plan l40s = plan_for("l40s");
  CHECK(l40s.fits);
  CHECK(l40s.chips >= 2);  // 48 GB cards
  CHECK(l40s.chips <= 8);
  CHECK_FALSE(l40s.tp_over_scale_out);
}

// The H100 PCIe and NVL sustained matmul fractions are derived in their descriptors from the H100 SXM
// measurement by the dynamic-power law of voltage-frequency scaling (P_dyn ~ SMs x f^3 at the power
// cap left after HBM, leakage and board). Re-derived here so that a change to the measured SXM value,
// or to either card's cap or peak, fails until the derived values are recomputed.
TEST_CASE("power-capped H100 cards: sustained matmul fraction derived from the SXM measurement") {
  const Hardware sxm = load_hardware("h100-sxm");
  const double flop_per_clock_per_sm = 4096;  // 4 tensor cores x 512 dense BF16 FMAs x 2
  const double sxm_sms = 132;
  const double f_sxm = sxm.sustained_matmul_fraction.value * sxm.flops_for(Precision::bf16).value /
                       (sxm_sms * flop_per_clock_per_sm);
  CHECK(f_sxm == doctest::Approx(1.47e9).epsilon(0.01));  // sustained clock, against 1.83 GHz rated
  // The power outside the SMs is each descriptor's static power (the step-time power term uses it too).
  REQUIRE(sxm.static_power_W.has_value());
  const double sxm_outside_sms_W = sxm.static_power_W->value;
  CHECK(sxm_outside_sms_W == doctest::Approx(100));
  struct Card { const char* id; double sms; };
  for (const Card& card : {Card{"h100-pcie", 114}, Card{"h100-nvl", 132}}) {
    CAPTURE(card.id);
    const Hardware hw = load_hardware(card.id);
    REQUIRE(hw.static_power_W.has_value());
    const double dyn_ratio = (hw.chip_power_W.value - hw.static_power_W->value) / (sxm.chip_power_W.value - sxm_outside_sms_W);
    const double f = f_sxm * std::cbrt(dyn_ratio * sxm_sms / card.sms);
    const double derived = card.sms * flop_per_clock_per_sm * f / hw.flops_for(Precision::bf16).value;
    CHECK(hw.sustained_matmul_fraction.value == doctest::Approx(derived).epsilon(0.01));
    CHECK(hw.sustained_matmul_fraction.low < hw.sustained_matmul_fraction.value);
    CHECK(hw.sustained_matmul_fraction.high > hw.sustained_matmul_fraction.value);
    // A power-capped card sustains less of its (already lower) peak than the 700 W part.
    CHECK(hw.sustained_matmul_fraction.value < sxm.sustained_matmul_fraction.value);
  }
}

TEST_CASE("every bundled descriptor states its sustained matmul fraction with a source") {
  for (const auto& id : bundled_ids("hardware")) {
    CAPTURE(id);
    const Hardware hw = load_hardware(id);
    CHECK(hw.sustained_matmul_fraction.value > 0.0);
    CHECK(hw.sustained_matmul_fraction.value <= 1.0);
    CHECK(hw.sustained_matmul_fraction.provenance.source.find("not given in the descriptor") == std::string::npos);
  }
}

namespace {
// The error loading h100-sxm.json changed by `edit`, written to a temporary file; "" if it loads.
std::string error_for(const std::function<void(nlohmann::json&)>& edit, std::string* path_out) {
  nlohmann::json doc = nlohmann::json::parse(std::ifstream(data_dir() + "/hardware/h100-sxm.json"));
  edit(doc);
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("infersim-power-" + std::to_string(::getpid()) + ".json")).string();
  std::ofstream(path) << doc.dump();
  *path_out = path;
  std::string message;
  try {
    load_hardware_file(path);
  } catch (const InputError& e) {
    message = e.what();
  }
  std::filesystem::remove(path);
  return message;
}
}  // namespace

TEST_CASE("power terms out of range are refused, naming the file, the key and the accepted values") {
  std::string path;
  std::string m = error_for([](nlohmann::json& d) {
    d["sustained_matmul_fraction"] = {{"value", 1.5}, {"tag", "assumption"}, {"source", "test"}};
  }, &path);
  CHECK(m.find(path) != std::string::npos);
  CHECK(m.find("/sustained_matmul_fraction") != std::string::npos);
  CHECK(m.find("expected a fraction in (0, 1]") != std::string::npos);
  // 40 without a unit is 40 J per byte: a unit mistake.
  m = error_for([](nlohmann::json& d) {
    d["memory_tiers"][0]["access_energy_per_byte_J"] = {{"value", 40}, {"tag", "assumption"}, {"source", "test"}};
  }, &path);
  CHECK(m.find("/memory_tiers/0/access_energy_per_byte_J") != std::string::npos);
  CHECK(m.find("at most 1 nJ per byte") != std::string::npos);
  // A static power at or above the cap leaves nothing for work.
  m = error_for([](nlohmann::json& d) {
    d["power"]["static_W"] = {{"value", 700}, {"tag", "assumption"}, {"source", "test"}};
  }, &path);
  CHECK(m.find("/power/static_W") != std::string::npos);
  CHECK(m.find("below chip_W") != std::string::npos);
  // In range: loads.
  CHECK(error_for([](nlohmann::json& d) {
    d["memory_tiers"][0]["access_energy_per_byte_J"] = {{"value", 40}, {"unit", "pJ"}, {"tag", "assumption"}, {"source", "test"}};
  }, &path).empty());
}
