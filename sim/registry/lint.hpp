// Contract: every rule of registry/schema.json and of the seed's contribution guidelines, applied to
// a folder of entries; each failure is one Violation, printed as
//     file:line: field: value: message; accepted values: ...
// (the "; accepted values" part only where a closed set or range exists).
//
// Rules, by the `rule` name each Violation carries:
//   per field, from the schema:  required, unknown-field, duplicate-field, type, enum, range,
//                                min-length, min-items, unique-items, pattern, date, future-date,
//                                vague-text (guideline 3: blockers must be specific)
//   known_solutions[*].citation is required and non-empty (guideline 1: one citation per solution)
//   across entries:              id-file (id matches the file name B<n>.md), id-unique,
//                                depends-on-exists, depends-on-self
//   body:                        body-words (schema x-body range), body-heading (the four required
//                                level-2 headings, present and in order)
//   registry/README.md front matter, when present (see registry/README.md):
//                                readme-history (the migration note and the newest change-log
//                                entry disagree on which schema version an entry is on; the message
//                                says which side the entries' own fields support),
//                                readme-graph (the migration note's dependency graph differs from
//                                the entries' depends_on)
//   only with a `today_for_stale` date: stale (today > last_reviewed + review_cadence_days)
//   versioning (schema v0.3, guideline 4: last_reviewed changes with every edit):
//                                changelog-order (versions 1, 2, 3, ... oldest first, dates not
//                                going back), version-changelog (version = the newest changelog
//                                item's), review-date (last_reviewed = the newest changelog date)
//   only with a git revision to compare with (lint_edits, `--changed-since REV`): review-not-updated
//                                and version-not-bumped: the entry's facts or body differ from REV
//                                but last_reviewed / version did not move (guideline 4, from history)
// Not machine-checkable and left to review: guideline 2 (status changes cite evidence) and
// guideline 5 (symmetric vendor treatment).
//
// Violations come sorted: entries in B<n> order, then README.md, each by line, then in rule order.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "registry/entry.hpp"
#include "registry/schema.hpp"

namespace infersim::registry {

// A calendar date (proleptic Gregorian), for last_reviewed and --today.
struct Date {
  int year = 0;
  int month = 0;
  int day = 0;
  long days_since_epoch() const;  // 1970-01-01 is day 0
  std::string to_string() const;  // YYYY-MM-DD
  friend bool operator<(const Date& a, const Date& b) { return a.days_since_epoch() < b.days_since_epoch(); }
};
// Strict YYYY-MM-DD with a real calendar day (2026-02-30 is rejected); nullopt otherwise.
std::optional<Date> parse_iso_date(const std::string& text);
Date date_from_days(long days_since_epoch);
// Today's date in UTC from the system clock (the default for the future-date rule).
Date today_utc();

struct Violation {
  std::string file;
  int line = 0;
  std::string field;     // path in the front matter, e.g. known_solutions[2].maturity, or "body"
  std::string value;     // the offending text as written, "(missing)" for an absent field
  std::string rule;      // one of the rule names above
  std::string message;
  std::string accepted;  // accepted values, or ""
  std::string to_string() const;
};

struct LintOptions {
  Date today;                              // future-date rule
  std::optional<Date> today_for_stale;     // stale rule, only when set
};

struct LintReport {
  std::filesystem::path dir;
  size_t entry_count = 0;
  std::vector<Violation> violations;
  bool clean() const { return violations.empty(); }
};

// Per-entry rules (schema fields and body).
std::vector<Violation> lint_entry(const Entry& entry, const Schema& schema, const LintOptions& options);
// Rules across entries (ids, depends_on).
std::vector<Violation> lint_across(const std::vector<Entry>& entries);
// README front matter against the entries (readme-history, readme-graph).
std::vector<Violation> lint_readme(const Entry& readme, const std::vector<Entry>& entries, const Schema& schema);
// The stale rule alone (what `infersim registry stale` prints).
std::vector<Violation> stale_entries(const std::vector<Entry>& entries, const Date& today);

// Reads `dir` (entries, and README.md when it has front matter) and applies every rule.
// Throws InputError when a file cannot be read.
LintReport lint_registry(const std::filesystem::path& dir, const Schema& schema, const LintOptions& options);

// Guideline 4 against history: every entry whose front matter (other than version, changelog and
// last_reviewed) or body differs from its text at git revision `rev` must have a later
// last_reviewed and a higher version than it had there. Entries new since `rev` are not checked.
std::vector<Violation> lint_edits(const std::vector<Entry>& entries, const std::string& rev);

// A baseline is an earlier `registry lint --json`: the findings it lists are known (the seed's
// history, say), so a pull request is judged by what it adds. A violation is known when the
// baseline has one with the same file name (relative to its folder), field, rule and value.
// Throws InputError when the baseline is not such a JSON file.
std::vector<bool> known_in_baseline(const LintReport& report, const std::filesystem::path& baseline_json);

nlohmann::json to_json(const LintReport& report);
std::string to_text(const LintReport& report);

// "B1-B15, B17" for messages: ids in B<n> order with consecutive runs collapsed.
std::string compact_ids(std::vector<std::string> ids);

}  // namespace infersim::registry
