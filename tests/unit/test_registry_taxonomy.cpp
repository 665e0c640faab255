// Taxonomy recount: counts per type and bucket on the bundled seed, and the verdict of each of the
// paper's statements, with the arithmetic written out.
#include <doctest/doctest.h>

#include "descriptors/catalog.hpp"

#include <filesystem>
#include <string>
#include <vector>

#include "registry/taxonomy.hpp"

namespace reg = infersim::registry;
using Ids = std::vector<std::string>;

namespace {
const reg::ClaimCheck& claim(const reg::TaxonomyReport& r, const std::string& id, const std::string& reading_start) {
  for (const auto& c : r.claims)
    if (c.statement_id == id && c.reading.rfind(reading_start, 0) == 0) return c;
  FAIL("no claim " << id << " / " << reading_start);
  return r.claims.front();
}
}  // namespace

TEST_CASE("registry taxonomy: the bundled seed") {
  const auto r = reg::recount_taxonomy(reg::read_entries(std::filesystem::path(infersim::data_dir()) / "registry"));
  REQUIRE(r.entry_count == 18);
  CHECK(r.ids_by_type.at("architecture") == Ids{"B1", "B2", "B5", "B7", "B11", "B13", "B17"});
  CHECK(r.ids_by_type.at("algorithm") == Ids{"B3", "B4", "B6", "B12"});
  CHECK(r.ids_by_type.at("measurement") == Ids{"B14", "B18"});
  size_t total = 0;
  for (const auto& [type, ids] : r.ids_by_type) total += ids.size();
  CHECK(total == 18);

  // Recount: algorithm 4; architecture 7 + stack 1 + ecosystem 1 + measurement 2 = 11; physics 1 +
  // supply 1 = 2; economic 1 unmapped. The paper: 6, 10, 2.
  CHECK(r.recomputed.at(reg::Bucket::Algorithmic).size() == 4);
  CHECK(r.recomputed.at(reg::Bucket::CoordinationOrEngineering).size() == 11);
  CHECK(r.recomputed.at(reg::Bucket::Capital) == Ids{"B9", "B10"});
  CHECK(r.recomputed.at(reg::Bucket::Unmapped) == Ids{"B16"});
  CHECK(r.stated.at(reg::Bucket::Algorithmic).size() == 6);
  CHECK(r.bucket_differences == Ids{"B13: type architecture -> coordination-or-engineering; the paper says algorithmic",
                                    "B16: type economic -> unmapped; the paper says algorithmic"});
  CHECK(r.table_type_differences == Ids{"B1: paper table Type 'Physics/Arch', YAML type 'architecture'",
                                        "B11: paper table Type 'Strategy', YAML type 'architecture'"});

  // ~80%: 11/18 = 61.1% and 10/18 = 55.6% for the coordination bucket; 16/18 = 88.9% for "not
  // capital". None is within 5 points of 80%.
  CHECK(claim(r, "note-80pct", "coordination-or-engineering share, recounted").found == "61.1% (11 of 18)");
  CHECK(claim(r, "note-80pct", "coordination-or-engineering share, the paper").found == "55.6% (10 of 18)");
  CHECK(claim(r, "note-80pct", "share not needing heavy capital ('not money'), recounted").found == "88.9% (16 of 18)");
  for (const auto& c : r.claims)
    if (c.statement_id == "note-80pct") CHECK_FALSE(c.holds);
  // Eleven of fifteen: B1-B15 minus the algorithm-typed B3, B4, B6, B12 = 11 (holds); minus the
  // paper's own algorithmic list among them (B3, B4, B6, B12, B13) = 10 (does not).
  CHECK(claim(r, "abstract-11", "B1-B15 with a known solution and a type").found == "11 of 15");
  CHECK(claim(r, "abstract-11", "B1-B15 with a known solution and a type").holds);
  CHECK(claim(r, "abstract-11", "B1-B15 with a known solution, outside").found == "10 of 15");
  CHECK_FALSE(claim(r, "abstract-11", "B1-B15 with a known solution, outside").holds);
  CHECK(claim(r, "note-capital", "capital").holds);
  CHECK(claim(r, "note-buckets", "capital").holds);
  CHECK_FALSE(claim(r, "note-buckets", "algorithmic").holds);
  CHECK(reg::to_json(r)["statements"].size() == reg::paper_statements().size());
}

TEST_CASE("registry taxonomy: every schema type has a bucket row") {
  // The mapping must cover the schema's enum, or an entry would silently fall into "unmapped".
  const Ids schema_types = {"physics", "architecture", "algorithm", "stack", "supply", "ecosystem", "measurement", "economic"};
  for (const auto& t : schema_types) {
    bool found = false;
    for (const auto& row : reg::type_buckets()) found = found || row.type == t;
    CHECK_MESSAGE(found, t);
  }
}

TEST_CASE("registry taxonomy: a synthetic registry") {
  auto e = [](const std::string& id, const std::string& type) {
    return reg::parse_entry("---\nid: " + id + "\ntype: " + type + "\nknown_solutions: []\n---\n", id + ".md");
  };
  const auto r = reg::recount_taxonomy({e("B1", "algorithm"), e("B2", "supply"), e("B3", "economic"), e("B4", "stack")});
  CHECK(r.recomputed.at(reg::Bucket::Algorithmic) == Ids{"B1"});
  CHECK(r.recomputed.at(reg::Bucket::Capital) == Ids{"B2"});
  CHECK(r.recomputed.at(reg::Bucket::Unmapped) == Ids{"B3"});
  CHECK(r.recomputed.at(reg::Bucket::CoordinationOrEngineering) == Ids{"B4"});
  // 1 of 4 coordination = 25%; B1-B15 here are 4 entries and none has a known solution: "0 of 4".
  CHECK(claim(r, "note-80pct", "coordination-or-engineering share, recounted").found == "25.0% (1 of 4)");
  CHECK(claim(r, "abstract-11", "B1-B15 with a known solution and a type").found == "0 of 4");
}
