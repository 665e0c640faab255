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
//                   shown for information;
//   derived         a figure the paper implies but does not state (a capacity-corrected value, a
//                   cost per GB, an implied die area), computed for the reader: nothing to compare
//                   with, so no verdict on the paper beyond the number itself.
// Comparisons (a claim's "compare", default overlap): overlap as above; below_bound (the recomputed
// figure is a ceiling: consistent while the stated low end does not exceed it); above_bound (the
// recomputed figure is a floor: consistent while the stated high end reaches it); reproduces (both
// stated ends within approx_tolerance of the recomputed ends).
//
// Every claim carries a severity: how much of the paper's argument rides on the figure, whatever the
// verdict (a consistent high-severity claim is a headline figure that holds):
//   high    a headline figure: the abstract's multiples, Table 2, Appendix C's densities and 50x, the
//           reference ASIC's feasibility, the registry counts the abstract rests on; if it fails, a
//           conclusion of the paper changes;
//   medium  a figure the headline ones are built from or that a reader would quote (Table 1 rows,
//           §1's baseline, a worked example's input), or a registry record a reader relies on;
//   low     arithmetic, rounding, cross-references and presentation; registry hygiene that changes
//           no number.
// A missing or unknown "severity" is an InputError naming the file, the claim id, the key and the
// accepted values (exit 2).
//
// Inputs: each formula input is {"value": x} or {"low": a, "high": b}, with optional "tag" and
// "source". Tags (audit_input_tags()): "paper" (the default: the paper states it), "derived" (the
// audit computed it from stated figures; the source says how), "external, published" (a datasheet,
// paper or vendor specification), "external, reported" (press or analyst reports) and "assumption"
// (ours). Every tag other than "paper" needs a non-empty "source". --json carries each input with its
// range, tag and source.
//
// Two kinds of recomputation:
//   formula  a named closed-form relation (formulas below) evaluated at every corner of the input
//            ranges (all formulas are monotone in each input, so the corners bound the result; a
//            step such as ceil() is monotone too);
//   engine   the closed-form engine itself on bundled descriptors (project(), make_plan()), for
//            claims about what a chip can hold or reach.
// A claim of kind "derived" is a formula claim with no "stated" and no "compare".
//
// Findings that are not figures of the paper (the registry's own records, sim/registry/
// audit_findings.hpp) use the same ClaimResult with origin "registry" and textual stated/found values.
// The claims file may name up to ten "headline_findings" (claim ids of the file): the findings that
// matter most to a reader, printed last.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace infersim {

enum class Verdict { consistent, inconsistent, underdetermined, derived };
const char* to_string(Verdict v);
constexpr int kVerdictCount = 4;

enum class Severity { high, medium, low };
const char* to_string(Severity s);
constexpr int kSeverityCount = 3;

// Name and one-line definition, in enum order (for --help and the header above).
std::vector<std::pair<std::string, std::string>> audit_verdicts();
std::vector<std::pair<std::string, std::string>> audit_severities();
std::vector<std::pair<std::string, std::string>> audit_input_tags();

struct AuditInput {
  std::string name;
  double low = 0, high = 0;
  std::string tag = "paper";
  std::string source;  // "" for a paper input without one
};

struct ClaimResult {
  std::string id;
  std::string section;
  std::string statement;
  std::string quantity;  // what is recomputed, with its unit
  std::string origin = "paper";  // "paper" (the claims file) or "registry"
  std::string method;            // formula name, "engine", "underdetermined" or a registry check
  bool has_stated = true;        // false for a derived figure
  double stated_low = 0, stated_high = 0;
  double recomputed_low = 0, recomputed_high = 0;
  bool has_recomputed = false;
  // Textual forms where the figure is not a number (a fit, a list of entries); "" otherwise.
  std::string stated_text, recomputed_text;
  std::vector<AuditInput> inputs;
  Verdict verdict = Verdict::underdetermined;
  Severity severity = Severity::medium;
  std::string reason;
  nlohmann::json details;  // extra machine-readable detail (registry findings), null when none
};

struct AuditDocument {
  std::string path;
  std::string document;
  std::vector<ClaimResult> claims;
  std::vector<std::string> headline;  // claim ids, in the file's order
};

// Names of the formulas a claim of kind "formula" or "derived" may use, with their definitions.
std::vector<std::pair<std::string, std::string>> audit_formulas();

AuditDocument read_audit_document(const std::string& path);
std::vector<ClaimResult> audit_claims_file(const std::string& path);  // read_audit_document(path).claims

struct AuditSummary {
  int total = 0;
  int by_verdict[kVerdictCount] = {};
  int by_severity[kSeverityCount] = {};
  int cross[kVerdictCount][kSeverityCount] = {};  // [verdict][severity]
};
AuditSummary summarize(const std::vector<ClaimResult>& results);

nlohmann::json to_json(const ClaimResult& c);
nlohmann::json to_json(const std::vector<ClaimResult>& results);
nlohmann::json to_json(const AuditSummary& s);

}  // namespace infersim
