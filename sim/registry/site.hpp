// Contract: `infersim registry site`: the registry as a self-contained static site.
//
// gather_site_input() reads everything the site shows: the entries and schema, the lint report
// (every rule, the stale rule on as of `as_of`), the depends_on graph, each entry's history
// (history.hpp: git log, else its changelog) and the quantify results (quantify.hpp: the
// simulator's measured ratio next to each estimated_unlock_value, with verdicts and rerun commands).
// The "as of" date is --today when given, else the registry checkout's HEAD commit date, else the
// newest date in the data: never the clock, so an unchanged registry renders the same bytes.
//
// render_site() is pure: SiteInput -> files (path relative to the site root -> bytes):
//   index.html            dashboards: entries by type, status and priority, a priority x difficulty
//                         heat map, stale entries with days overdue, changes in the 90 days up to
//                         as_of, resolved entries, the graph (inline SVG, cycles and critical chain
//                         marked), lint findings, links to feeds and data
//   entries/B<n>.html     one page per entry: fields, claim vs measurement, body, known solutions,
//                         blockers, depends on / unlocks (linked), history, changelog, lint findings
//   graph.svg, style.css  the graph alone; the one stylesheet (no JavaScript anywhere)
//   feeds/*.atom          Atom 1.0 (feed.hpp): all, type-<type> for every type of the schema,
//                         status-<status> for every status of the schema
//   registry.json         every entry's fields (typed by the schema), body, lint findings, history
//                         and measurement; the graph; the lint report (schema infersim-registry-site/1)
//   experiments/B<n>.json the experiment files the measurements come from, so their links resolve
// All links are relative, so the folder opens from the file system and serves from any host.
//
// write_site() writes the files into a fresh temporary folder next to `out_dir` and renames it into
// place only when every file is written, so `out_dir` is either the previous site or the new one,
// never half of one. An existing `out_dir` is replaced only when it is empty or holds a site this
// command wrote (its registry.json says so); anything else is refused. Failures throw
// std::runtime_error naming the path (the command's exit code 3) and leave no temporary folder.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "registry/entry.hpp"
#include "registry/graph.hpp"
#include "registry/history.hpp"
#include "registry/lint.hpp"
#include "registry/quantify.hpp"
#include "registry/schema.hpp"

namespace infersim::registry {

constexpr int kRecentChangeDays = 90;  // the index's "what changed" window, ending at as_of

struct SiteOptions {
  std::filesystem::path registry_dir;
  std::filesystem::path schema_file;
  std::optional<Date> today;  // --today; nullopt: git HEAD date, else the newest date in the data
  bool measure = true;        // run quantify (false: the pages say the measurement was not run)
  QuantifyOptions quantify;
};

struct SiteInput {
  std::filesystem::path registry_dir;
  Schema schema;
  std::vector<Entry> entries;
  LintReport lint;  // file names relative to registry_dir
  GraphAnalysis graph;
  std::map<std::string, EntryHistory> history;  // id -> history
  bool measured = false;
  std::vector<EntryResult> quantify;
  std::map<std::string, std::string> experiment_files;  // "experiments/B1.json" -> bytes
  Date as_of;
  std::string as_of_source;  // "--today", "git HEAD", "newest date in the data"
};

SiteInput gather_site_input(const SiteOptions& options);

using SiteFiles = std::map<std::string, std::string>;
SiteFiles render_site(const SiteInput& input);

void write_site(const SiteFiles& files, const std::filesystem::path& out_dir);

}  // namespace infersim::registry
