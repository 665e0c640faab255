#include "descriptors/hardware.hpp"

#include <cassert>

#include "descriptors/input_error.hpp"
#include "descriptors/json_reader.hpp"

namespace infersim {

namespace {
struct PrecisionRow {
  Precision p;
  const char* name;
  double bytes;
};
constexpr PrecisionRow kPrecisions[] = {
    {Precision::bf16, "bf16", 2.0}, {Precision::fp8, "fp8", 1.0}, {Precision::fp4, "fp4", 0.5}};

struct TopologyRow {
  Topology t;
  const char* name;
};
constexpr TopologyRow kTopologies[] = {
    {Topology::switched, "switch"}, {Topology::ring, "ring"},   {Topology::torus2d, "torus2d"},
    {Topology::mesh2d, "mesh2d"},   {Topology::wafer, "wafer"}, {Topology::dragonfly, "dragonfly"},
    {Topology::fat_tree, "fat-tree"}};

Topology topology_from_name(const std::string& name) {
  for (const auto& row : kTopologies)
    if (name == row.name) return row.t;
  assert(false && "topology names are validated by require_enum");
  return Topology::switched;
}

NetworkLevel read_network(ObjectReader r) {
  NetworkLevel n;
  n.topology = topology_from_name(r.require_enum("topology", topology_names()));
  n.domain_chips = r.require_int("domain_chips", 1);
  // Documented cap (hardware/README.md), the scenario's --chips cap: the plan search and the DES
  // platform are sized by it.
  constexpr long long kMaxDomainChips = 1'000'000;
  if (n.domain_chips > kMaxDomainChips)
    r.fail("domain_chips", "at most " + std::to_string(kMaxDomainChips) + " chips (a documented cap), found " +
                               std::to_string(n.domain_chips));
  n.bandwidth_Bps = r.require_quantity("bandwidth_Bps");
  n.latency_s = r.require_quantity("latency_s");
  // Documented cap (tests/ROBUSTNESS.md): links are nanoseconds to microseconds. A 1e12 s latency
  // (inside the generic 1e30 cap) left the DES clock without the resolution of a step: the start-up
  // calibration spun on millions of activities and never reached the first step.
  constexpr double kMaxLinkLatency_s = 1.0;
  if (n.latency_s.high > kMaxLinkLatency_s)
    r.fail("latency_s", "at most 1 s (a documented cap; interconnect latencies are ns to us)");
  r.finish();
  return n;
}
}  // namespace

const char* to_string(Precision p) {
  for (const auto& row : kPrecisions)
    if (row.p == p) return row.name;
  return "?";
}

bool parse_precision(const std::string& text, Precision* out) {
  for (const auto& row : kPrecisions) {
    if (text == row.name) {
      *out = row.p;
      return true;
    }
  }
  return false;
}

std::vector<std::string> precision_names() {
  std::vector<std::string> out;
  for (const auto& row : kPrecisions) out.emplace_back(row.name);
  return out;
}

double bytes_per_element(Precision p) {
  for (const auto& row : kPrecisions)
    if (row.p == p) return row.bytes;
  return 2.0;
}

const char* to_string(Topology t) {
  for (const auto& row : kTopologies)
    if (row.t == t) return row.name;
  return "?";
}

std::vector<std::string> topology_names() {
  std::vector<std::string> out;
  for (const auto& row : kTopologies) out.emplace_back(row.name);
  return out;
}

Precision Hardware::compute_precision_for(Precision p) const {
  // Walk from the requested precision towards wider ones until the chip has a rate for it.
  static constexpr Precision kWider[] = {Precision::fp4, Precision::fp8, Precision::bf16};
  bool reached = false;
  for (Precision q : kWider) {
    if (q == p) reached = true;
    if (reached && peak_flops.count(q)) return q;
  }
  return Precision::bf16;  // bf16 is required by the loader, so this is always present
}

const Sourced& Hardware::flops_for(Precision p) const { return peak_flops.at(compute_precision_for(p)); }

Sourced Hardware::total_capacity_bytes() const {
  Sourced total = Sourced::exact(0, Tag::derived, "sum of the memory tiers");
  for (const auto& t : tiers) {
    total.value += t.capacity_bytes.value;
    total.low += t.capacity_bytes.low;
    total.high += t.capacity_bytes.high;
  }
  return total;
}

Hardware load_hardware_file(const std::string& path) {
  nlohmann::json doc = read_json_file(path);
  ObjectReader r(doc, path, "");
  r.require_enum("schema", {"infersim-hardware/1"});
  Hardware hw;
  hw.file = path;
  hw.id = r.require_string("id");
  hw.name = r.require_string("name");
  hw.description = r.string_or("description", "");
  hw.vendor_claims_only = r.bool_or("vendor_claims_only", false);
  hw.hypothetical = r.bool_or("hypothetical", false);

  ObjectReader compute = r.object("peak_flops");
  for (const auto& row : kPrecisions) {
    if (auto q = compute.optional_quantity(std::string(row.name) + "_flops")) hw.peak_flops[row.p] = *q;
  }
  compute.finish();
  if (!hw.peak_flops.count(Precision::bf16))
    compute.fail("bf16_flops", "missing required field 'bf16_flops' (every chip needs a bf16 rate)");

  for (auto tier : r.array_of_objects("memory_tiers")) {
    MemoryTier t;
    t.name = tier.require_enum("name", {"sram", "hbm", "dram"});
    t.capacity_bytes = tier.require_quantity("capacity_bytes");
    t.bandwidth_Bps = tier.require_quantity("bandwidth_Bps");
    t.access_energy_per_byte_J = tier.optional_quantity("access_energy_per_byte_J");
    // DRAM moves a byte for tens of picojoules; a nanojoule is a unit mistake, not a memory.
    if (t.access_energy_per_byte_J && t.access_energy_per_byte_J->high > 1e-9)
      tier.fail("access_energy_per_byte_J", "expected at most 1 nJ per byte (DRAM access and I/O cost 30-110 pJ/B; "
                                            "give \"unit\": \"pJ\")");
    tier.finish();
    for (const auto& seen : hw.tiers)
      if (seen.name == t.name) tier.fail("name", "memory tier '" + t.name + "' is listed twice");
    hw.tiers.push_back(t);
  }
  for (size_t i = 1; i < hw.tiers.size(); ++i) {
    if (hw.tiers[i].bandwidth_Bps.value > hw.tiers[i - 1].bandwidth_Bps.value)
      r.fail("memory_tiers", "memory tiers must be listed fastest first (tier " + std::to_string(i) +
                                 " is faster than tier " + std::to_string(i - 1) + ")");
  }
  hw.usable_memory_fraction = r.require_quantity("usable_memory_fraction");
  if (hw.usable_memory_fraction.high > 1.0)
    r.fail("usable_memory_fraction", "expected a fraction in (0, 1]");
  if (auto f = r.optional_quantity("sustained_matmul_fraction")) {
    if (f->low <= 0.0 || f->high > 1.0)
      r.fail("sustained_matmul_fraction", "expected a fraction in (0, 1] (sustained / datasheet dense peak)");
    hw.sustained_matmul_fraction = *f;
  } else {
    hw.sustained_matmul_fraction = Sourced::exact(1.0, Tag::assumption,
                                                  "not given in the descriptor: the datasheet peak is taken as sustainable");
  }

  ObjectReader power = r.object("power");
  hw.chip_power_W = power.require_quantity("chip_W");
  hw.system_power_W_per_chip = power.require_quantity("system_W_per_chip");
  hw.idle_power_W_per_chip = power.require_quantity("idle_W_per_chip");
  hw.static_power_W = power.optional_quantity("static_W");
  if (hw.static_power_W && hw.static_power_W->high >= hw.chip_power_W.low)
    power.fail("static_W", "the static power must stay below chip_W (the cap has to leave power for work)");
  power.finish();

  ObjectReader cost = r.object("cost");
  hw.system_cost_usd_per_chip = cost.require_quantity("system_usd_per_chip");
  cost.finish();

  ObjectReader net = r.object("interconnect");
  hw.scale_up = read_network(net.object("scale_up"));
  if (auto so = net.optional_object("scale_out")) hw.scale_out = read_network(*so);
  net.finish();

  if (auto m = r.optional_quantity("software_maturity")) {
    if (m->high > 10.0) r.fail("software_maturity", "expected a score from 0 to 10");
    hw.software_maturity = m;
  }
  r.finish();
  return hw;
}

}  // namespace infersim
