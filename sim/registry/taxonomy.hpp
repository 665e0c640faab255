// Contract: recount the paper's taxonomy claims from the entries' `type` field.
//
// The paper (shared/seeds/002, section 6 and the abstract) makes four countable statements, encoded
// in paper_statements() with their text and location:
//   note-buckets  which entries are algorithmic, coordination-or-engineering and capital (lists)
//   note-80pct    "~80% of the bottleneck surface needs coordination, not money"
//   abstract-11   "eleven of fifteen top bottlenecks admit known solutions whose adoption is
//                 blocked ... not by open research questions"
//   note-capital  "only B9, B10 require heavy capital"
// and its section 6 table has a Type column that in places differs from the YAML `type`.
//
// The recount needs a mapping from the YAML types to the paper's three buckets; type_buckets() is
// that mapping, written out with the reason for each row (algorithm -> algorithmic; physics and
// supply -> capital, as the paper puts B9 and B10 there; architecture, stack, ecosystem,
// measurement -> coordination-or-engineering; economic -> unmapped, because the paper names no
// bucket for it and the one economic entry, B16, is put among the algorithmic).
// Verdicts: a share claim "~X%" holds when the recount is within kApproxTolerance of X; a count
// claim holds when equal; a list claim holds when the sets are equal.
// "The fifteen top bottlenecks" is read as B1-B15, the 15 entries of the v0.1 seed the abstract
// was written for (the change log: "Initial 15-entry seed").
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "registry/entry.hpp"

namespace infersim::registry {

constexpr double kApproxTolerance = 0.05;  // "~80%" read as 75% to 85%

enum class Bucket { Algorithmic, CoordinationOrEngineering, Capital, Unmapped };
std::string bucket_name(Bucket b);  // "algorithmic", "coordination-or-engineering", "capital", "unmapped"

struct TypeBucket {
  std::string type;
  Bucket bucket;
  std::string why;
};
const std::vector<TypeBucket>& type_buckets();

struct PaperStatement {
  std::string id;
  std::string where;  // file and section
  std::string text;   // quoted from the paper
};
const std::vector<PaperStatement>& paper_statements();
// The taxonomy note's lists, as stated.
const std::map<Bucket, std::vector<std::string>>& paper_buckets();
// The section 6 table's Type column, as printed.
const std::map<std::string, std::string>& paper_table_types();

struct ClaimCheck {
  std::string statement_id;
  std::string reading;   // which reading of the claim this row checks
  std::string stated;    // e.g. "~80%", "11 of 15"
  std::string found;     // e.g. "61.1% (11 of 18)"
  bool holds = false;
};

struct TaxonomyReport {
  size_t entry_count = 0;
  std::map<std::string, std::vector<std::string>> ids_by_type;           // YAML type -> ids
  std::map<Bucket, std::vector<std::string>> recomputed;                 // from types
  std::map<Bucket, std::vector<std::string>> stated;                     // paper_buckets()
  std::vector<std::string> bucket_differences;                           // one line per entry that differs
  std::vector<std::string> table_type_differences;                       // paper table vs YAML type
  std::vector<ClaimCheck> claims;
};

TaxonomyReport recount_taxonomy(const std::vector<Entry>& entries);
std::string to_text(const TaxonomyReport& report);
nlohmann::json to_json(const TaxonomyReport& report);

}  // namespace infersim::registry
