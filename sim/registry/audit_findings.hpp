// Contract: the registry's own numbers as audit findings, beside the paper's (`infersim audit`).
//
// registry_findings() turns what the registry tools already compute into ClaimResults (origin
// "registry", textual stated/found values, a verdict and a severity as in audit/audit.hpp), so that one
// command lists every finding:
//   registry-entry-count        the paper's "eighteen" bottlenecks (§1.1, §6) against the entry count;
//   registry-taxonomy-*         each reading of each taxonomy claim, from recount_taxonomy()
//                               (taxonomy.hpp): the abstract's "eleven of fifteen" and the note's "~80%"
//                               are high severity (the paper's central conclusion), the bucket lists and
//                               "only B9, B10" medium, the §6 table's Type column against `type` low;
//   registry-migration-note     lint's readme-history rule (the migration note against the change log), medium;
//   registry-dependency-graph   lint's readme-graph rule, medium;
//   registry-body-words         lint's body-words rule (the schema's 200-600 words), low;
//   registry-body-headings      lint's body-heading rule, low;
//   registry-lint-<rule>        every other lint rule that fires (schema conformance), low; one
//                               consistent registry-lint-schema finding when none does;
//   registry-citations          known_solutions[*].citation that are not specific (check_citation), medium;
// and, from the seed registry document (the Markdown the entries were carried over from, when given):
//   registry-seed-headings      each "## B<n> — heading" against that section's `name`, low;
//   registry-names-vs-seed      the entries' `name` against the seed's, low;
//   registry-seed-body-words    the seed's own bodies against its own schema's 200-600 words (lint's
//                               body-words rule run on each seed section), low.
// Without a seed document one underdetermined registry-seed finding says where it was looked for.
//
// A citation is specific when every ';'-separated part of it names one dated source: it holds exactly
// one four-digit year (19xx or 20xx) that is neither open-ended ("2023+") nor part of a range
// ("2024-2025"), and none of the generic source words kGenericCitationWords ("vendor", "various",
// "industry", "disclosures", "practice", ...) as a whole word. This is a reading of contribution
// guideline 1 (a citation a reader can look up), not a schema rule: lint does not apply it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "registry/lint.hpp"

namespace infersim::registry {

extern const std::vector<std::string> kGenericCitationWords;

struct CitationCheck {
  bool specific = true;
  std::string why;  // for a citation that is not specific: which part fails and how
};
CitationCheck check_citation(const std::string& citation);

// One "## B<n> — heading" section of the seed registry document.
struct SeedSection {
  std::string id;
  std::string heading;
  int heading_line = 0;
  Entry entry;  // the section's ```yaml block as front matter and its prose as the body
  int body_line = 0;
};
// Throws InputError naming the file when it cannot be read or a section's YAML does not parse.
std::vector<SeedSection> read_seed_sections(const std::filesystem::path& seed);

struct RegistryAuditOptions {
  std::filesystem::path dir;                  // the registry folder (B<n>.md, README.md)
  std::filesystem::path schema;               // the schema file
  std::optional<std::filesystem::path> seed;  // the seed registry document, if available
  std::string seed_looked_for;                // where the default seed was looked for (message only)
  Date today;                                 // for lint's future-date rule
};

std::vector<ClaimResult> registry_findings(const RegistryAuditOptions& options);

}  // namespace infersim::registry
