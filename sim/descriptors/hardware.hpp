// Contract: a chip and the system around it, as read from hardware/<id>.json (schema
// "infersim-hardware/1", documented in hardware/README.md).
//
// All values are SI and Sourced (value, low/high range, tag, source). Memory tiers are listed fastest
// first; on-die SRAM and off-chip HBM are separate tiers. Power and cost are per chip: the system's
// share (host, network, cooling infrastructure within the system) is included in the *_per_chip
// system figures, so that a deployment of N chips costs N times them. A "chip" is whatever the vendor
// sells as one accelerator: a GPU, an LPU card, a Cerebras wafer (CS-3 system).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "descriptors/provenance.hpp"

namespace infersim {

enum class Precision { bf16, fp8, fp4 };
const char* to_string(Precision p);
bool parse_precision(const std::string& text, Precision* out);
std::vector<std::string> precision_names();
// Bytes per element of a tensor stored in this precision (fp4 = 0.5; block-scale overhead excluded).
double bytes_per_element(Precision p);

struct MemoryTier {
  std::string name;  // "sram", "hbm", "dram"
  Sourced capacity_bytes;
  Sourced bandwidth_Bps;  // per chip, peak
  // Energy of moving one byte between this tier and the chip (DRAM access, I/O, controller and
  // PHY), for the power cap's share left to compute (costmodel/step_time.hpp). Absent: not charged.
  std::optional<Sourced> access_energy_per_byte_J;
};

// Collective topologies the cost model and the DES both know (costmodel/collectives.hpp).
enum class Topology { switched, ring, torus2d, mesh2d, wafer, dragonfly, fat_tree };
const char* to_string(Topology t);
std::vector<std::string> topology_names();

struct NetworkLevel {
  Topology topology = Topology::switched;
  long long domain_chips = 1;  // chips reachable at this level (scale-up domain size)
  Sourced bandwidth_Bps;       // per chip, per direction
  Sourced latency_s;           // per link traversal
};

struct Hardware {
  std::string id;
  std::string name;
  std::string file;  // where it was read from
  std::string description;
  bool vendor_claims_only = false;  // every performance number is an unaudited vendor claim
  bool hypothetical = false;        // a design target, not a product (every number an assumption)
  std::map<Precision, Sourced> peak_flops;  // dense peak, per chip
  std::vector<MemoryTier> tiers;            // fastest first
  Sourced usable_memory_fraction;           // share of capacity the runtime leaves for weights + KV
  // Dense-GEMM throughput the chip sustains at its power cap and clocks, as a fraction of the
  // datasheet peak (a measured "maximum achievable matmul FLOP/s" over the dense peak). A hardware
  // fact, not a software one: power-capped parts (H100 PCIe at 350 W) and parts whose clocks fall
  // under load (MI300-class) sustain less of their peak. Absent in a file: 1 (peak sustainable).
  Sourced sustained_matmul_fraction;
  Sourced chip_power_W;                     // accelerator board power
  Sourced system_power_W_per_chip;          // wall power of the system divided by its chips
  Sourced idle_power_W_per_chip;            // system power per chip when idle
  // Board power under load not spent on tensor math or memory traffic (leakage, clocks, board,
  // refresh): what the power cap leaves is chip_power_W - static_power_W. Absent: no power term.
  std::optional<Sourced> static_power_W;
  Sourced system_cost_usd_per_chip;         // purchase price of the system divided by its chips
  NetworkLevel scale_up;
  std::optional<NetworkLevel> scale_out;
  std::optional<Sourced> software_maturity;  // the paper's 0-10 rubric axis (subjective)

  // Peak for a precision; a chip without native support for it runs it at the next wider precision
  // it has (fp4 -> fp8 -> bf16), which is what a runtime does when it up-converts weights.
  const Sourced& flops_for(Precision p) const;
  Precision compute_precision_for(Precision p) const;
  Sourced total_capacity_bytes() const;
};

// Reads and validates one hardware descriptor; throws InputError on any problem.
Hardware load_hardware_file(const std::string& path);

}  // namespace infersim
