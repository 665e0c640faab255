// Contract: what a real software stack achieves against the datasheet, as the terms of the step-time
// model (costmodel/step_time.hpp). One struct, read by both engines through step_time() and
// effective_work(): nothing else applies a calibration.
//
// Every term has a physical reading (and is documented where step_time() uses it):
//   compute_efficiency          achieved / peak dense tensor FLOP/s on a large GEMM
//   gemm_half_tokens            tokens in a step at which a GEMM reaches half of compute_efficiency
//                               (small GEMMs leave tensor-core tiles empty: eff(T) = eff * T/(T+T_half))
//   fp4_gemm_efficiency         a GEMM on FP4 weights reaches this fraction of what compute_efficiency
//                               gives at FP8-relative cost: FP4 tensor cores double the datasheet
//                               rate, but block-scale handling and FP8/BF16 epilogues do not double
//                               (applies where the chip has a native FP4 rate; 1 = the datasheet)
//   weight_bandwidth_efficiency achieved / peak memory bandwidth streaming weights (large, sequential)
//   kv_bandwidth_efficiency     achieved / peak bandwidth reading the paged KV cache in attention
//                               (scattered blocks: lower than weights; BLIS fits 51 % vs 73 % on H100)
//   memory_compute_overlap      share of the shorter of a phase's memory-streaming and math times
//                               hidden under the longer: 1 = the roofline's max(math, memory); 0 =
//                               one after the other (BLIS sums its roofline terms). A kernel near
//                               its ridge point (tokens x 2 FLOP per weight byte ~ FLOP/s / bytes/s,
//                               where FP4 on Blackwell decodes at a few hundred tokens) overlaps
//                               neither fully nor not at all
//   network_efficiency          achieved / peak link bandwidth in collectives
//   collective_latency          fixed cost of launching one collective (NCCL/RCCL kernel, sync)
//   layer_overhead              fixed cost per layer per step (kernel launches, norms, the
//                               synchronisation floor of a dataflow pipeline stage)
//   moe_layer_overhead          extra fixed cost per MoE layer per step (routing, permute, grouped GEMM)
//   step_overhead               fixed cost per step (scheduler, sampling, host round trip)
//   sequence_overhead           cost per sequence in a step (its bookkeeping, sampling, detokenisation)
//   sustained_matmul            true: compute runs against the chip's sustained dense-GEMM rate
//                               (hardware sustained_matmul_fraction x datasheet peak: the power cap
//                               and clocks under load, a hardware fact), so compute_efficiency is
//                               the software's share of what the silicon sustains; false: against
//                               the datasheet peak (the ideal bound, and files written before it)
//   attention_overlaps_gemm     true: weights/GEMMs and KV/attention stream concurrently (the ideal
//                               bound); false: they are separate kernels run one after the other
//   attention_data_parallel     the stack can serve a MoE model with attention data parallelism
//                               (scenario.hpp Plan: ep > tp), so the deployment search tries it:
//                               TensorRT-LLM's enable_attention_dp and vLLM's --data-parallel-size with
//                               expert parallelism arrived in 2025; the 2023-2024 stacks and AMD's
//                               MLPerf vLLM forks ran MoE models tensor- or expert-parallel only
//                               (DATASETS.md: Mixtral on H100 as 8 TP1 replicas). true for ideal (the
//                               hardware's bound)
// "ideal" (efficiencies 1, no fixed costs, full overlap) is the roofline upper bound: a measured system
// can never be faster than it, which `validate` checks.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <vector>

#include "units/units.hpp"

namespace infersim {

// Which deployments a calibration describes, for --calibration auto. A measurement row matches when
// its hardware is listed and either its `software` contains one of `software` or, when the row's
// software is empty or "not stated", its id contains one of `id_markers` (e.g. its MLPerf round).
// `default_for_hardware`: the calibration scenario commands use for a listed hardware (no software
// is known there). Empty lists match nothing.
struct Applicability {
  std::vector<std::string> hardware;
  std::vector<std::string> software;
  std::vector<std::string> id_markers;
  bool default_for_hardware = false;
  bool matches(const std::string& hardware_id, const std::string& row_software, const std::string& row_id) const;
  bool lists(const std::string& hardware_id) const;
};

struct Calibration {
  std::string name = "ideal";
  std::string file;  // where it was read from ("" for ideal and for calibrations built in code)
  std::string description;
  Applicability applies_to;

  double compute_efficiency = 1.0;
  double fp4_gemm_efficiency = 1.0;
  double gemm_half_tokens = 0.0;
  double weight_bandwidth_efficiency = 1.0;
  double kv_bandwidth_efficiency = 1.0;
  double network_efficiency = 1.0;
  double memory_compute_overlap = 1.0;
  Seconds collective_latency;
  Seconds layer_overhead;
  Seconds moe_layer_overhead;
  Seconds step_overhead;
  Seconds sequence_overhead;
  bool attention_overlaps_gemm = true;
  bool sustained_matmul = false;
  bool attention_data_parallel = true;

  bool is_ideal() const {
    return compute_efficiency == 1.0 && fp4_gemm_efficiency == 1.0 && gemm_half_tokens == 0.0 && weight_bandwidth_efficiency == 1.0 &&
           kv_bandwidth_efficiency == 1.0 && network_efficiency == 1.0 && memory_compute_overlap == 1.0 &&
           collective_latency.si() == 0.0 &&
           layer_overhead.si() == 0.0 && moe_layer_overhead.si() == 0.0 && step_overhead.si() == 0.0 &&
           sequence_overhead.si() == 0.0 && attention_overlaps_gemm && !sustained_matmul;
  }
  // The time of a phase whose math takes `math_s` and whose memory streaming takes `memory_s`:
  // the longer, plus the part of the shorter that does not overlap it.
  double phase_time(double math_s, double memory_s) const {
    const double longer = math_s > memory_s ? math_s : memory_s;
    const double shorter = math_s > memory_s ? memory_s : math_s;
    return longer + (1.0 - memory_compute_overlap) * shorter;
  }
  // Achieved fraction of peak FLOP/s of a GEMM over `tokens` rows.
  double gemm_efficiency(double tokens) const {
    if (gemm_half_tokens <= 0) return compute_efficiency;
    return compute_efficiency * tokens / (tokens + gemm_half_tokens);
  }
};

// Named calibrations: hardware/calibration/<id>.json (schema infersim-calibration/2, documented in
// hardware/calibration/README.md; version 1 files are read too). load_calibration("ideal") is the
// roofline bound (no file); "auto" is resolved by resolve_scenario() to the family calibration marked
// default for the scenario's hardware (auto_calibration_for_hardware); any other name is a bundled
// id or a path. Bad files are InputErrors naming the file, the JSON pointer and the accepted values.
std::vector<std::string> bundled_calibrations();  // "ideal", "auto" and the ids of hardware/calibration/*.json
Calibration load_calibration(const std::string& name_or_path);
Calibration read_calibration_file(const std::string& path);
std::optional<Calibration> bundled_calibration(const std::string& id);
nlohmann::json calibration_to_json(const Calibration& c, const nlohmann::json& extra);

// A calibration family: one software generation on one platform family, the unit `infersim
// calibrate` fits (and writes, with its Applicability, as hardware/calibration/<id>.json). A
// measurement row belongs to the first family that matches it.
struct CalibrationFamily {
  std::string id;
  std::string description;
  Applicability applies_to;
  std::vector<std::string> terms;      // the terms fitted for this family (few rows: few terms)
  bool attention_data_parallel = false;  // the stack's (Calibration::attention_data_parallel)
  // Fitted centred on the fit over every row (validation/calibrate.hpp FitOptions::pooled): GPU
  // stacks share their physics and differ by degree; a vendor's dataflow stack on its own silicon
  // (Cerebras, Groq) has nothing to borrow from them.
  bool pooled = true;
};
const std::vector<CalibrationFamily>& calibration_families();
const CalibrationFamily* family_for(const std::string& hardware_id, const std::string& software, const std::string& row_id);
// --calibration auto: the first bundled calibration (in id order) whose applies_to matches, else the
// bundled "all", else ideal. The files say what they apply to: a new file takes part without code.
Calibration auto_calibration_for(const std::string& hardware_id, const std::string& software, const std::string& row_id);
Calibration auto_calibration_for_hardware(const std::string& hardware_id);

// Throws InputError naming `where` when a term is out of its physical range (efficiencies in (0, 1],
// times finite and >= 0, half tokens >= 0).
void check_calibration(const Calibration& c, const std::string& where);

}  // namespace infersim
