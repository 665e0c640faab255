#include "registry/taxonomy.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include "registry/lint.hpp"

namespace infersim::registry {

namespace {
constexpr const char* kPaper = "shared/seeds/002_f61126e0ded1f215.txt";
constexpr int kTopFifteen = 15;  // the v0.1 seed's entry count, B1-B15
}  // namespace

std::string bucket_name(Bucket b) {
  switch (b) {
    case Bucket::Algorithmic: return "algorithmic";
    case Bucket::CoordinationOrEngineering: return "coordination-or-engineering";
    case Bucket::Capital: return "capital";
    case Bucket::Unmapped: return "unmapped";
  }
  return "";
}

const std::vector<TypeBucket>& type_buckets() {
  static const std::vector<TypeBucket> kTable = {
      {"algorithm", Bucket::Algorithmic, "the paper: 'solvable by research labs at laptop scale'"},
      {"architecture", Bucket::CoordinationOrEngineering, "design choices that ship with known techniques"},
      {"stack", Bucket::CoordinationOrEngineering, "software conventions: 'shared conventions and shipping'"},
      {"ecosystem", Bucket::CoordinationOrEngineering, "cross-vendor agreement is coordination by definition"},
      {"measurement", Bucket::CoordinationOrEngineering, "benchmark and reproducibility practice"},
      {"physics", Bucket::Capital, "the paper puts the one physics entry (B10) under heavy capital"},
      {"supply", Bucket::Capital, "fab capacity (B9) is the paper's other capital entry"},
      {"economic", Bucket::Unmapped, "the paper names no bucket for it; its one economic entry (B16) is listed as algorithmic"},
  };
  return kTable;
}

const std::vector<PaperStatement>& paper_statements() {
  static const std::vector<PaperStatement> kStatements = {
      {"note-buckets", std::string(kPaper) + ", section 6, taxonomy note",
       "of the eighteen, B3, B4, B6, B12, B13, B16 are algorithmic (solvable by research labs at laptop scale); "
       "B1, B2, B5, B7, B8, B11, B14, B15, B17, B18 are coordination or engineering (solvable by shared conventions "
       "and shipping, not new physics); only B9, B10 require heavy capital."},
      {"note-80pct", std::string(kPaper) + ", section 6, taxonomy note",
       "~80% of the bottleneck surface needs coordination, not money."},
      {"abstract-11", std::string(kPaper) + ", abstract",
       "eleven of fifteen top bottlenecks admit known solutions whose adoption is blocked by vendor incentives, "
       "software lock-in, or capital intensity, not by open research questions."},
      {"note-capital", std::string(kPaper) + ", section 6, taxonomy note", "only B9, B10 require heavy capital."},
  };
  return kStatements;
}

const std::map<Bucket, std::vector<std::string>>& paper_buckets() {
  static const std::map<Bucket, std::vector<std::string>> kBuckets = {
      {Bucket::Algorithmic, {"B3", "B4", "B6", "B12", "B13", "B16"}},
      {Bucket::CoordinationOrEngineering, {"B1", "B2", "B5", "B7", "B8", "B11", "B14", "B15", "B17", "B18"}},
      {Bucket::Capital, {"B9", "B10"}},
  };
  return kBuckets;
}

const std::map<std::string, std::string>& paper_table_types() {
  static const std::map<std::string, std::string> kTypes = {
      {"B1", "Physics/Arch"}, {"B2", "Arch"},    {"B3", "Algo"},         {"B4", "Algo"},         {"B5", "Arch"},
      {"B6", "Algo"},         {"B7", "Arch"},    {"B8", "Stack"},        {"B9", "Supply"},       {"B10", "Physics"},
      {"B11", "Strategy"},    {"B12", "Algo"},   {"B13", "Arch"},        {"B14", "Measurement"}, {"B15", "Ecosystem"},
      {"B16", "Economic"},    {"B17", "Architecture"}, {"B18", "Measurement"},
  };
  return kTypes;
}

namespace {

// The table's abbreviations spelled as schema types; a cell naming two types or a word outside the
// schema maps to itself and so always differs.
std::string table_type_as_schema(const std::string& cell) {
  static const std::map<std::string, std::string> kSpelling = {
      {"Algo", "algorithm"}, {"Arch", "architecture"}, {"Architecture", "architecture"}, {"Physics", "physics"},
      {"Stack", "stack"}, {"Supply", "supply"}, {"Measurement", "measurement"}, {"Ecosystem", "ecosystem"},
      {"Economic", "economic"}};
  auto it = kSpelling.find(cell);
  return it == kSpelling.end() ? cell : it->second;
}

std::string percent(size_t part, size_t whole) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f%% (%zu of %zu)", whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0,
                part, whole);
  return buf;
}

bool near(size_t part, size_t whole, double target) {
  return whole > 0 && std::abs(static_cast<double>(part) / static_cast<double>(whole) - target) <= kApproxTolerance;
}

std::vector<std::string> sorted_ids(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end(), id_less);
  return ids;
}

}  // namespace

TaxonomyReport recount_taxonomy(const std::vector<Entry>& entries) {
  TaxonomyReport r;
  r.entry_count = entries.size();
  std::map<std::string, Bucket> bucket_of_type;
  for (const auto& row : type_buckets()) bucket_of_type[row.type] = row.bucket;
  r.stated = paper_buckets();
  for (Bucket b : {Bucket::Algorithmic, Bucket::CoordinationOrEngineering, Bucket::Capital, Bucket::Unmapped}) {
    r.recomputed[b];
    r.stated[b];
  }
  std::map<std::string, Bucket> recomputed_of, stated_of;
  std::map<std::string, std::string> type_of;
  std::map<std::string, bool> has_solution;
  for (const auto& e : entries) {
    const std::string id = e.id(), type = e.scalar("type").value_or("(none)");
    if (id.empty()) continue;
    r.ids_by_type[type].push_back(id);
    type_of[id] = type;
    auto it = bucket_of_type.find(type);
    const Bucket b = it == bucket_of_type.end() ? Bucket::Unmapped : it->second;
    r.recomputed[b].push_back(id);
    recomputed_of[id] = b;
    const Value* solutions = e.front_matter.find("known_solutions");
    has_solution[id] = solutions != nullptr && solutions->kind == Value::Kind::Sequence && !solutions->items.empty();
  }
  for (auto& [type, ids] : r.ids_by_type) ids = sorted_ids(ids);
  for (auto& [b, ids] : r.recomputed) ids = sorted_ids(ids);
  for (const auto& [b, ids] : r.stated)
    for (const auto& id : ids) stated_of[id] = b;

  std::vector<std::string> all;
  for (const auto& [id, _] : recomputed_of) all.push_back(id);
  for (const auto& id : sorted_ids(all)) {
    const Bucket mine = recomputed_of.at(id);
    auto s = stated_of.find(id);
    const Bucket theirs = s == stated_of.end() ? Bucket::Unmapped : s->second;
    if (mine != theirs)
      r.bucket_differences.push_back(id + ": type " + type_of.at(id) + " -> " + bucket_name(mine) + "; the paper says " +
                                     bucket_name(theirs));
    auto t = paper_table_types().find(id);
    if (t != paper_table_types().end() && table_type_as_schema(t->second) != type_of.at(id))
      r.table_type_differences.push_back(id + ": paper table Type '" + t->second + "', YAML type '" + type_of.at(id) + "'");
  }

  // note-buckets: each list against the recount.
  for (Bucket b : {Bucket::Algorithmic, Bucket::CoordinationOrEngineering, Bucket::Capital}) {
    const auto stated = sorted_ids(r.stated.at(b));
    const auto found = r.recomputed.at(b);
    r.claims.push_back({"note-buckets", bucket_name(b) + " list vs recount from types",
                        stated.empty() ? "-" : compact_ids(stated), found.empty() ? "-" : compact_ids(found), stated == found});
  }
  const size_t n = r.entry_count;
  // note-80pct, under the two readings the sentence allows.
  const size_t coord_types = r.recomputed.at(Bucket::CoordinationOrEngineering).size();
  const size_t coord_stated = r.stated.at(Bucket::CoordinationOrEngineering).size();
  const size_t noncapital_types = n - r.recomputed.at(Bucket::Capital).size();
  const size_t noncapital_stated = n - r.stated.at(Bucket::Capital).size();
  r.claims.push_back({"note-80pct", "coordination-or-engineering share, recounted from types", "~80%",
                      percent(coord_types, n), near(coord_types, n, 0.80)});
  r.claims.push_back({"note-80pct", "coordination-or-engineering share, the paper's own list", "~80%",
                      percent(coord_stated, n), near(coord_stated, n, 0.80)});
  r.claims.push_back({"note-80pct", "share not needing heavy capital ('not money'), recounted from types", "~80%",
                      percent(noncapital_types, n), near(noncapital_types, n, 0.80)});
  r.claims.push_back({"note-80pct", "share not needing heavy capital ('not money'), the paper's own lists", "~80%",
                      percent(noncapital_stated, n), near(noncapital_stated, n, 0.80)});
  // abstract-11: among B1-B15, entries with a known solution that are not algorithmic.
  size_t top = 0, by_types = 0, by_lists = 0;
  for (const auto& [id, b] : recomputed_of) {
    const auto num = id_number(id);
    if (!num || *num > kTopFifteen) continue;
    ++top;
    if (!has_solution.at(id)) continue;
    if (b != Bucket::Algorithmic) ++by_types;
    auto s = stated_of.find(id);
    if (s == stated_of.end() || s->second != Bucket::Algorithmic) ++by_lists;
  }
  const std::string of_top = " of " + std::to_string(top);
  r.claims.push_back({"abstract-11", "B1-B15 with a known solution and a type outside algorithm", "11 of 15",
                      std::to_string(by_types) + of_top, by_types == 11 && top == 15});
  r.claims.push_back({"abstract-11", "B1-B15 with a known solution, outside the paper's algorithmic list", "11 of 15",
                      std::to_string(by_lists) + of_top, by_lists == 11 && top == 15});
  const auto capital = r.recomputed.at(Bucket::Capital);
  r.claims.push_back({"note-capital", "capital bucket recounted from types", "B9, B10",
                      capital.empty() ? "-" : compact_ids(capital), capital == std::vector<std::string>{"B9", "B10"}});
  return r;
}

std::string to_text(const TaxonomyReport& r) {
  std::ostringstream out;
  out << "Share per YAML type (" << r.entry_count << " entries):\n";
  for (const auto& [type, ids] : r.ids_by_type) {
    char line[160];
    std::snprintf(line, sizeof line, "  %-13s %2zu  %5.1f%%  ", type.c_str(), ids.size(),
                  r.entry_count ? 100.0 * static_cast<double>(ids.size()) / static_cast<double>(r.entry_count) : 0.0);
    out << line << compact_ids(ids) << "\n";
  }
  out << "\nType -> bucket mapping used for the recount:\n";
  for (const auto& row : type_buckets()) out << "  " << row.type << " -> " << bucket_name(row.bucket) << "  (" << row.why << ")\n";
  out << "\nBuckets: recounted from types | as the paper states them\n";
  for (Bucket b : {Bucket::Algorithmic, Bucket::CoordinationOrEngineering, Bucket::Capital, Bucket::Unmapped}) {
    const auto& mine = r.recomputed.at(b);
    const auto& theirs = r.stated.at(b);
    char line[96];
    std::snprintf(line, sizeof line, "  %-28s %2zu | %2zu   ", bucket_name(b).c_str(), mine.size(), theirs.size());
    out << line << (mine.empty() ? "-" : compact_ids(mine)) << " | " << (theirs.empty() ? "-" : compact_ids(theirs)) << "\n";
  }
  out << "\nEntries whose recounted bucket differs from the paper's:\n";
  if (r.bucket_differences.empty()) out << "  none\n";
  for (const auto& d : r.bucket_differences) out << "  " << d << "\n";
  out << "\nPaper table Type column vs YAML type:\n";
  if (r.table_type_differences.empty()) out << "  no differences\n";
  for (const auto& d : r.table_type_differences) out << "  " << d << "\n";
  out << "\nClaims (verdict: share within +/-" << static_cast<int>(kApproxTolerance * 100) << " points of '~'; counts and lists exact):\n";
  for (const auto& s : paper_statements()) {
    out << "  [" << s.id << "] \"" << s.text << "\"\n    (" << s.where << ")\n";
    for (const auto& c : r.claims)
      if (c.statement_id == s.id)
        out << "    " << (c.holds ? "holds   " : "DIFFERS ") << c.reading << ": stated " << c.stated << ", found " << c.found << "\n";
  }
  return out.str();
}

nlohmann::json to_json(const TaxonomyReport& r) {
  nlohmann::json j;
  j["entry_count"] = r.entry_count;
  j["ids_by_type"] = r.ids_by_type;
  nlohmann::json mapping = nlohmann::json::array();
  for (const auto& row : type_buckets()) mapping.push_back({{"type", row.type}, {"bucket", bucket_name(row.bucket)}, {"why", row.why}});
  j["type_to_bucket"] = mapping;
  nlohmann::json buckets = nlohmann::json::object();
  for (const auto& [b, ids] : r.recomputed) buckets[bucket_name(b)] = {{"recounted", ids}, {"stated", r.stated.at(b)}};
  j["buckets"] = buckets;
  j["bucket_differences"] = r.bucket_differences;
  j["table_type_differences"] = r.table_type_differences;
  nlohmann::json statements = nlohmann::json::array();
  for (const auto& s : paper_statements()) {
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& c : r.claims)
      if (c.statement_id == s.id)
        checks.push_back({{"reading", c.reading}, {"stated", c.stated}, {"found", c.found}, {"holds", c.holds}});
    statements.push_back({{"id", s.id}, {"where", s.where}, {"text", s.text}, {"checks", checks}});
  }
  j["statements"] = statements;
  return j;
}

}  // namespace infersim::registry
