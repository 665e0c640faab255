// Contract: internal validation, the closed form (analytic/projection.hpp) against the DES
// (des/des.hpp) on the same scenarios, with the cause of each deviation measured, not guessed.
//
// For every hardware x model pair that fits (default plan) and every (batch, prompt) point of the
// grid, with `output_tokens` generated:
//   closed form     project(): decode step at the mean context prompt + output/2; TTFT = prefill
//                   of one prompt (batch 1)
//   integrated      the closed form summed step by step over the generation (context prompt + k),
//                   and its prefill of the whole batch: what the DES's static batch really runs
//   DES             simulate_static_batches() in a forked child (one SimGrid engine per process),
//                   step detail, collectives measured on the built platform
//   DES (formula)   the same with textbook collectives, when chips > 1: isolates the topology
//   DES (pipeline)  with micro-batches = pp, when pp > 1 and batch >= pp: pipeline overlap/bubbles
// Decode deviation (per-stream tok/s, DES / closed form - 1) is split multiplicatively into
//   kv_growth   = integrated / closed form - 1  (roofline max over a growing context vs at its mean)
//   topology    = DES / DES(formula) - 1        (collectives on the modelled links vs the formula)
//   residual    = what is left
// Contention (run_contention_validation): what happens where transfers share a link, which the
// closed form charges as if each were alone; the DES against queueing theory.
// TTFT deviation's cause is the batched prefill (B prompts in one chunk vs one). The closed form is
// expected to hold (|decode deviation| <= 2 %) at batch 1 and short prompts; `holds` says whether it did.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "des/contention.hpp"
#include "scenario/scenario.hpp"

namespace infersim {

struct InternalOptions {
  std::vector<std::string> hardware;  // empty: every bundled descriptor
  std::vector<std::string> models;    // empty: every bundled descriptor
  std::vector<long long> batches = {1, 64};
  std::vector<long long> prompts = {128, 8192};
  long long output_tokens = 128;
  // true: batches[i] with prompts[i] only (the default's two corners: short single stream, long
  // batched); false: every batch with every prompt (--full).
  bool diagonal = true;
  Calibration calibration;
  bool pipeline = true;  // also run the micro-batched pipeline variant where pp > 1
};

struct InternalPoint {
  std::string hardware, model, plan;
  long long batch = 1, prompt_tokens = 0, output_tokens = 0, chips = 0, pp = 1;
  bool fits = false;
  std::string error;  // a DES run that failed (reported, not dropped)
  double closed_form_tok_s_per_stream = 0, integrated_tok_s_per_stream = 0, des_tok_s_per_stream = 0;
  double decode_deviation = 0, kv_growth = 0, topology = 0, residual = 0;
  bool formula_run = false;
  double closed_form_ttft_s = 0, integrated_ttft_s = 0, des_ttft_s = 0, ttft_deviation = 0;
  bool pipeline_run = false;
  double pipeline_deviation = 0;  // DES with micro-batches vs the closed form, decode tok/s per stream
  bool expected_to_hold = false;  // batch 1, prompt <= 1024
  bool holds = false;             // |decode_deviation| <= 2 %
  std::string cause;              // one line: the dominant cause and its size
};

std::vector<InternalPoint> run_internal_validation(const InternalOptions& o);

// Contention the closed form cannot see (des/contention.hpp), on each hardware's scale-up fabric
// (every bundled descriptor when `hardware` is empty), each in a forked child: the closed form's
// charge, the DES and the independently derived answer. A failed child is a case with `not_run`.
std::vector<ContentionCase> run_contention_validation(const std::vector<std::string>& hardware,
                                                      const Calibration& calibration, const ContentionOptions& o);
nlohmann::json to_json(const InternalPoint& p);

}  // namespace infersim
