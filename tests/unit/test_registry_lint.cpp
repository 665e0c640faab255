// Lint rules: one fixture folder per rule (tests/registry-fixtures/bad/<rule>/, written by
// generate.py), each asserted against the exact message a person would read; the clean fixture;
// malformed files; and the bundled registry's real findings.
#include <doctest/doctest.h>

#include "descriptors/catalog.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "descriptors/input_error.hpp"
#include "registry/lint.hpp"

namespace reg = infersim::registry;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = fs::path(INFERSIM_TEST_DIR) / "registry-fixtures";
const fs::path kBundled = fs::path(infersim::data_dir()) / "registry";
const reg::Date kToday{2026, 11, 21};  // fixed, so the future-date and stale rules do not depend on the clock

reg::Schema bundled_schema() { return reg::load_schema(kBundled / "schema.json"); }

// Violations of a fixture folder as text, with the folder prefix removed so paths read "B1.md:...".
std::vector<std::string> lint_texts(const fs::path& dir, bool stale = false) {
  reg::LintOptions options;
  options.today = kToday;
  if (stale) options.today_for_stale = kToday;
  const auto report = reg::lint_registry(dir, bundled_schema(), options);
  std::vector<std::string> out;
  const std::string prefix = dir.string() + "/";
  for (auto v : report.violations) {
    if (v.file.rfind(prefix, 0) == 0) v.file = v.file.substr(prefix.size());
    std::string text = v.to_string();
    // Messages may name other files by their full path too.
    for (size_t at; (at = text.find(prefix)) != std::string::npos;) text.erase(at, prefix.size());
    out.push_back(text);
  }
  return out;
}

std::vector<std::string> bad(const std::string& rule, bool stale = false) { return lint_texts(kFixtures / "bad" / rule, stale); }

}  // namespace

TEST_CASE("registry lint: the clean fixture has no violations") {
  CHECK(lint_texts(kFixtures / "clean").empty());
}

TEST_CASE("registry lint: one fixture per rule, each with its message") {
  using V = std::vector<std::string>;
  CHECK(bad("required") == V{"B1.md:2: status: (missing): required field is missing; accepted values: open, partial or resolved"});
  CHECK(bad("unknown-field") ==
        V{"B1.md:8: statuss: open: not a field of the schema (did you mean status?); accepted values: id, name, type, priority, "
          "difficulty, status, estimated_unlock_value, depends_on, known_solutions, blockers, contributors, last_reviewed, "
          "review_cadence_days, version or changelog"});
  CHECK(bad("duplicate-field") ==
        V{"B1.md:6: priority: 4: field appears more than once (YAML readers keep only one of them; which one differs between readers)"});
  CHECK(bad("type-integer") == V{"B1.md:5: priority: high: expected an integer; accepted values: 1 to 5"});
  CHECK(bad("type-list") == V{"B1.md:9: depends_on: (empty): expected a list (write [] for none)"});
  CHECK(bad("enum-type") ==
        V{"B1.md:4: type: software: not an accepted value; accepted values: physics, architecture, algorithm, stack, supply, "
          "ecosystem, measurement or economic"});
  CHECK(bad("enum-maturity") ==
        V{"B1.md:13: known_solutions[0].maturity: shipping, proprietary: not an accepted value; accepted values: research, "
          "partial, production, shipping or philosophical"});
  CHECK(bad("enum-contribution") ==
        V{"B1.md:17: contributors[0].contribution: wrote it: not an accepted value; accepted values: author, edit or review"});
  CHECK(bad("range") == V{"B1.md:6: difficulty: 7: out of range; accepted values: 1 to 5"});
  CHECK(bad("min-length-citation") == V{"B1.md:12: known_solutions[0].citation: (empty): must not be empty"});
  CHECK(bad("required-citation") == V{"B1.md:11: known_solutions[0].citation: (missing): required field is missing"});
  CHECK(bad("min-items") == V{"B1.md:16: contributors: (a list): expected at least 1 item(s), found 0"});
  CHECK(bad("unique-items") == V{"B1.md:9: depends_on[1]: B2: listed twice (first on line 9)"});
  CHECK(bad("pattern") == V{"B01.md:2: id: B01: does not have the required form; accepted values: B<n> with n >= 1 and no leading zero"});
  CHECK(bad("date") == V{"B1.md:18: last_reviewed: 2026-02-30: not an ISO calendar date; accepted values: YYYY-MM-DD, a real calendar day"});
  CHECK(bad("future-date") == V{"B1.md:18: last_reviewed: 2099-01-01: is after today (2026-11-21); accepted values: dates up to 2026-11-21"});
  CHECK(bad("vague-text") ==
        V{"B1.md:15: blockers[0]: More research needed: too vague: name the specific reason (contribution guideline 3; if it is "
          "social or an incentive, say so)"});
  CHECK(bad("id-file") == V{"B1.md:2: id: B7: id does not match the file name B1.md; accepted values: B1 (or rename the file to B7.md)"});
  // A duplicate id in B2.md necessarily also mismatches its file name.
  CHECK(bad("id-unique") == V{"B2.md:2: id: B1: id does not match the file name B2.md; accepted values: B2 (or rename the file to B1.md)",
                              "B2.md:2: id: B1: id is already used by B1.md (ids are never recycled)"});
  CHECK(bad("depends-on-exists") == V{"B1.md:9: depends_on[0]: B9: names no entry of this registry (did you mean B1?); accepted values: B1"});
  CHECK(bad("depends-on-self") == V{"B1.md:9: depends_on[0]: B1: an entry cannot depend on itself"});
  CHECK(bad("body-words") == V{"B1.md:26: body: 5 words: body is too short; accepted values: 200 to 600 words"});
  CHECK(bad("body-heading") ==
        V{"B1.md:32: body: ## Why it binds now: required heading is missing before this one; accepted values: ## What the "
          "bottleneck is, ## Why it binds now, ## What changes unlock it or ## Who is working on it, in this order"});
  CHECK(bad("readme-history") ==
        V{"README.md:13: schema_version_claims: B1: the migration note (line 7) says B1 is on v0.2 and calls the migration "
          "complete; the newest change-log entry for v0.2, change_log 2026-01-15 v0.2 (line 13), says v0.1; its front matter carries all "
          "the fields v0.2 added (estimated_unlock_value, depends_on, contributors, review_cadence_days), so the change log is "
          "the stale side"});
  const std::string g4 =
      " (contribution guideline 4: last_reviewed is updated on every edit, and every edit adds a changelog item with the next version)";
  CHECK(bad("changelog-order") ==
        V{"B1.md:25: changelog[1].version: 3: changelog versions must count up from 1 by one, oldest first" + g4 + "; accepted values: 2"});
  CHECK(bad("version-changelog") == V{"B1.md:20: version: 2: version differs from the newest changelog item's version" + g4 + "; accepted values: 1"});
  CHECK(bad("review-date") ==
        V{"B1.md:18: last_reviewed: 2026-01-15: last_reviewed differs from the date of the newest changelog item, version 2" + g4 +
          "; accepted values: 2026-03-01"});
  CHECK(bad("readme-graph") ==
        V{"README.md:9: dependency_graph.B3: B3 <- {}: the migration note's dependency graph differs from B3.md, whose depends_on is {B2}"});
}

TEST_CASE("registry lint: stale only when a today is given for it") {
  // last_reviewed 2026-01-15 + 90 days = 2026-04-15 (Jan 16 + Feb 28 + Mar 31 + Apr 15 = 90); on
  // 2026-11-21 that is 15 + 31 + 30 + 31 + 31 + 30 + 31 + 21 = 220 days late (Apr 16 .. Nov 21).
  CHECK(bad("stale").empty());
  CHECK(bad("stale", true) ==
        std::vector<std::string>{"B1.md:18: last_reviewed: 2026-01-15: stale: review was due 2026-04-15 (last_reviewed + "
                                 "review_cadence_days 90); today is 2026-11-21, 220 days overdue; accepted values: a review "
                                 "dated on or after 2026-08-23"});
  // One day earlier than due is not stale; the due day itself is not stale either.
  const auto entries = reg::read_entries(kFixtures / "bad" / "stale");
  CHECK(reg::stale_entries(entries, reg::Date{2026, 4, 15}).empty());
  CHECK(reg::stale_entries(entries, reg::Date{2026, 4, 16}).size() == 1);
}

TEST_CASE("registry lint: every bad fixture folder is asserted above") {
  // A fixture added to generate.py without a test here would otherwise go unchecked.
  std::vector<std::string> folders;
  for (const auto& d : fs::directory_iterator(kFixtures / "bad")) folders.push_back(d.path().filename().string());
  std::sort(folders.begin(), folders.end());
  const std::vector<std::string> asserted = {
      "body-heading", "body-words", "changelog-order", "date", "depends-on-exists", "depends-on-self", "duplicate-field", "enum-contribution",
      "enum-maturity", "enum-type", "future-date", "id-file", "id-unique", "min-items", "min-length-citation", "pattern",
      "range", "readme-graph", "readme-history", "required", "required-citation", "review-date", "stale", "type-integer",
      "type-list", "unique-items", "unknown-field", "vague-text", "version-changelog"};
  CHECK(folders == asserted);
}

TEST_CASE("registry entry: malformed files are InputErrors naming file and line") {
  auto where = [](const std::string& text) {
    try {
      reg::parse_entry(text, "X/B1.md");
    } catch (const infersim::InputError& e) {
      return e.file() + " " + e.where();
    }
    return std::string("no error");
  };
  CHECK(where("id: B1\n") == "X/B1.md line 1");                       // no opening ---
  CHECK(where("---\nid: B1\nname: x\n") == "X/B1.md line 1");         // never closed
  CHECK(where("---\nid: B1\nname: [unclosed\n---\n") == "X/B1.md line 4");  // YAML error, reported past the flow list
  CHECK(where("---\n- a list\n---\n") == "X/B1.md line 2");          // not a mapping
  CHECK(where("---\nid: B1\n---\nbody\n") == "no error");
}

TEST_CASE("registry entry: lines of fields, list items and headings") {
  const auto e = reg::parse_entry("---\nid: B3\ndepends_on:\n  - B1\n  - B2\n---\n\n## Heading\n```\n# not a heading\n```\n", "B3.md");
  CHECK(e.front_matter.find("id")->line == 2);
  CHECK(e.front_matter.find("depends_on")->items.at(1).line == 5);
  CHECK(e.depends_on() == std::vector<std::string>{"B1", "B2"});
  CHECK(e.body_first_line == 7);
  REQUIRE(e.headings.size() == 1);  // the '#' inside the code fence is not a heading
  CHECK(e.headings[0].line == 8);
  CHECK(e.headings[0].text == "Heading");
}

TEST_CASE("registry lint: dates") {
  CHECK(reg::parse_iso_date("2024-02-29").has_value());   // leap year
  CHECK(!reg::parse_iso_date("2026-02-29").has_value());  // not a leap year
  CHECK(!reg::parse_iso_date("2100-02-29").has_value());  // century, not leap
  CHECK(!reg::parse_iso_date("2026-4-22").has_value());
  CHECK(reg::Date{1970, 1, 1}.days_since_epoch() == 0);
  CHECK(reg::Date{2026, 4, 22}.days_since_epoch() + 90 == reg::Date{2026, 7, 21}.days_since_epoch());  // 8 + 31 + 30 + 21
  CHECK(reg::date_from_days(reg::Date{2000, 3, 1}.days_since_epoch()).to_string() == "2000-03-01");
  CHECK(reg::compact_ids({"B3", "B1", "B2", "B10", "B5", "B6"}) == "B1-B3, B5, B6, B10");
}

TEST_CASE("registry lint: the schema file rejects unknown keywords") {
  CHECK_THROWS_WITH_AS(reg::parse_schema(R"({"type":"object","x-schema-version":"v0.2","x-body":{"min_words":1,"max_words":2,"required_headings":[]},"requird":[]})", "s.json"),
                       doctest::Contains("did you mean required?"), infersim::InputError);
}

TEST_CASE("registry lint: the bundled registry's real findings") {
  // What is really wrong with the seed: 18 maturity values outside the schema's enum, and the
  // README's migration note contradicting its change log. Nothing else (the bodies were rewritten
  // to the schema; every other fact is carried over verbatim).
  const auto texts = lint_texts(kBundled);
  std::vector<std::string> maturities, others;
  for (const auto& t : texts) (t.find(".maturity: ") != std::string::npos ? maturities : others).push_back(t.substr(0, t.find(": not an")));
  CHECK(maturities == std::vector<std::string>{
                          "B1.md:17: known_solutions[2].maturity: research-to-production",
                          "B2.md:14: known_solutions[1].maturity: production-partial",
                          "B2.md:17: known_solutions[2].maturity: frontier-research",
                          "B3.md:11: known_solutions[0].maturity: research-to-production",
                          "B4.md:11: known_solutions[0].maturity: research-to-production",
                          "B4.md:17: known_solutions[2].maturity: standards-emerging",
                          "B5.md:11: known_solutions[0].maturity: shipping, proprietary",
                          "B5.md:17: known_solutions[2].maturity: early",
                          "B6.md:17: known_solutions[2].maturity: research-to-partial",
                          "B7.md:11: known_solutions[0].maturity: production-partial",
                          "B8.md:17: known_solutions[2].maturity: silo'd",
                          "B9.md:11: known_solutions[0].maturity: ramping",
                          "B9.md:14: known_solutions[1].maturity: early",
                          "B15.md:17: known_solutions[2].maturity: shipping for inference",
                          "B16.md:16: known_solutions[1].maturity: production-partial",
                          "B17.md:13: known_solutions[0].maturity: shipping/early",
                          "B17.md:19: known_solutions[2].maturity: production-internal",
                          "B18.md:16: known_solutions[1].maturity: research-to-production"});
  REQUIRE(others.size() == 1);
  CHECK(others[0].rfind("README.md:30: schema_version_claims: B1-B15: the migration note (line 11) says B1-B15 are on v0.2 and "
                        "calls the migration complete; the newest change-log entry for v0.2, change_log 2026-04-22 v0.2 (line 30), says "
                        "v0.1; their front matter carries all the fields v0.2 added",
                        0) == 0);
  CHECK(others[0].find("so the change log is the stale side") != std::string::npos);

  // Every entry was last reviewed 2026-04-22 with a cadence of 60 to 180 days, so on 2026-11-21
  // (213 days later) all 18 are stale.
  const auto stale = reg::stale_entries(reg::read_entries(kBundled), kToday);
  CHECK(stale.size() == 18);
  CHECK(reg::stale_entries(reg::read_entries(kBundled), reg::Date{2026, 6, 21}).empty());  // B6/B16: 60 days, due that day
}

TEST_CASE("registry lint: guideline 4 against git history (--changed-since)") {
  // A throwaway repository: B1 committed, then its body edited without moving last_reviewed/version.
  const fs::path dir = fs::temp_directory_path() / ("infersim-lint-edits-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(kFixtures / "clean" / "B1.md", dir / "B1.md");
  const std::string git = "git -C '" + dir.string() + "' -c user.name=t -c user.email=t@t -c commit.gpgsign=false ";
  REQUIRE(std::system((git + "init -q && " + git + "add B1.md && " + git + "commit -qm base").c_str()) == 0);
  CHECK(reg::lint_edits(reg::read_entries(dir), "HEAD").empty());  // unchanged
  {
    std::ofstream(dir / "B1.md", std::ios::app) << "\nOne more sentence of argument.\n";
  }
  auto texts = [&] {
    std::vector<std::string> out;
    for (auto v : reg::lint_edits(reg::read_entries(dir), "HEAD")) out.push_back(v.to_string().substr(dir.string().size() + 1));
    return out;
  };
  CHECK(texts() == std::vector<std::string>{
                       "B1.md:18: last_reviewed: 2026-01-15: the entry's facts or body changed since HEAD, but last_reviewed did not "
                       "move (contribution guideline 4: last_reviewed is updated on every edit); accepted values: a date after 2026-01-15",
                       "B1.md:20: version: 1: the entry's facts or body changed since HEAD, but version is not higher than there "
                       "(contribution guideline 4: last_reviewed is updated on every edit, with a changelog item for the new version); "
                       "accepted values: 2"});
  // Only the versioning fields changed (a schema migration, say): not an edit.
  fs::copy_file(kFixtures / "clean" / "B1.md", dir / "B1.md", fs::copy_options::overwrite_existing);
  {
    std::ifstream in(dir / "B1.md");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.replace(text.find("Written for the lint fixtures"), 29, "Reworded changelog text only");
    std::ofstream(dir / "B1.md") << text;
  }
  CHECK(texts().empty());
  fs::remove_all(dir);
}

TEST_CASE("registry lint: a baseline marks known findings by file, field, rule and value (lines may move)") {
  reg::LintOptions options;
  options.today = kToday;
  const auto range = reg::lint_registry(kFixtures / "bad" / "range", bundled_schema(), options);
  const fs::path baseline = fs::temp_directory_path() / ("infersim-baseline-" + std::to_string(::getpid()) + ".json");
  std::ofstream(baseline) << reg::to_json(range).dump();
  CHECK(reg::known_in_baseline(range, baseline) == std::vector<bool>{true});
  const auto other = reg::lint_registry(kFixtures / "bad" / "type-integer", bundled_schema(), options);
  CHECK(reg::known_in_baseline(other, baseline) == std::vector<bool>{false});
  std::ofstream(baseline) << "[]";
  CHECK_THROWS_WITH_AS(reg::known_in_baseline(range, baseline), doctest::Contains("expected the output of registry lint --json"),
                       infersim::InputError);
  fs::remove(baseline);
}
