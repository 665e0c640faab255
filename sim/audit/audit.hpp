// Contract: auditing a paper's stated figures against the engine.
//
// A claims file (audit/seed-paper.json, schema "infersim-claims/1") lists each figure the paper
// states with the inputs the paper itself gives for it. audit() recomputes every figure and returns
// a verdict:
//   consistent      the recomputed range overlaps the stated range (a "~x" figure is the range
//                   x*(1 -/+ approx_tolerance));
//   inconsistent    it does not: the paper's own inputs do not give its number (the reason says by
//                   how much, and which way);
//   underdetermined the paper does not state an input the figure needs (the claim names it), so the
//                   figure can be neither confirmed nor refuted; infersim's own descriptor value is
//                   shown for information.
// Two kinds of recomputation:
//   formula  a named closed-form relation (formulas below) evaluated at every corner of the input
//            ranges (all formulas are monotone in each input, so the corners bound the result);
//   engine   the closed-form engine itself on bundled descriptors (project(), make_plan()), for
//            claims about what a chip can hold or reach.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace infersim {

enum class Verdict { consistent, inconsistent, underdetermined };
const char* to_string(Verdict v);

struct ClaimResult {
  std::string id;
  std::string section;
  std::string statement;
  std::string quantity;  // what is recomputed, with its unit
  double stated_low = 0, stated_high = 0;
  double recomputed_low = 0, recomputed_high = 0;
  bool has_recomputed = false;
  Verdict verdict = Verdict::underdetermined;
  std::string reason;
};

// Names of the formulas a claim of kind "formula" may use, with their definitions (for --help).
std::vector<std::pair<std::string, std::string>> audit_formulas();

std::vector<ClaimResult> audit_claims_file(const std::string& path);
nlohmann::json to_json(const std::vector<ClaimResult>& results);

}  // namespace infersim
