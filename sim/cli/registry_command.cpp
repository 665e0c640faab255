// `infersim registry ...`: CLI11 glue for sim/registry (lint, stale, graph, taxonomy, quantify, report, site, new). All logic
// lives in the library; this file parses options, picks the output form and sets the exit code.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/output_options.hpp"
#include "descriptors/catalog.hpp"
#include "descriptors/input_error.hpp"
#include "format/format.hpp"
#include "registry/graph.hpp"
#include "registry/lint.hpp"
#include "registry/quantify.hpp"
#include "registry/scaffold.hpp"
#include "registry/schema.hpp"
#include "registry/site.hpp"
#include "registry/taxonomy.hpp"

namespace infersim::cli {

namespace {

namespace fs = std::filesystem;
namespace reg = infersim::registry;

constexpr int kExitClean = 0;
constexpr int kExitFindings = 1;

// Options shared by the subcommands; owned by the App's lifetime through the callbacks' captures.
struct RegistryOptions {
  std::string dir = data_dir() + "/registry";
  std::string schema;  // "" = <dir>/schema.json when present, else the source tree's
  std::string today;
  std::string site_dir;  // registry site --out: a folder, not a printed result
  std::string selector = "all";
  bool small = false;
  bool no_measure = false;
  std::string changed_since;
  std::string baseline;
  reg::NewEntry new_entry;
};

// The running binary, for the experiments that spawn `infersim simulate` (one SimGrid engine per process).
std::string self_binary() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("infersim") : p.string();
}

// Exit code of quantify/report: 0 when every experiment ran (a claim that disagrees is a finding,
// not an error), 1 when some scenario failed to run.
int quantify_exit_code(const std::vector<reg::EntryResult>& results) {
  for (const auto& r : results)
    for (const auto& row : r.rows)
      if (row.verdict == reg::Verdict::failed) return kExitFindings;
  return kExitClean;
}

fs::path schema_path(const RegistryOptions& o) {
  if (!o.schema.empty()) return o.schema;
  const fs::path local = fs::path(o.dir) / "schema.json";
  std::error_code ec;
  if (fs::is_regular_file(local, ec)) return local;
  return fs::path(data_dir()) / "registry" / "schema.json";
}

reg::Date parse_today(const std::string& text) {
  const auto d = reg::parse_iso_date(text);
  if (!d) throw InputError("--today", text, "not an ISO calendar date; accepted values: YYYY-MM-DD, a real calendar day");
  return *d;
}

void add_dir_option(CLI::App& sub, RegistryOptions& o) {
  sub.add_option("--dir", o.dir, "Registry folder holding B<n>.md entries (and README.md)")->capture_default_str();
}

}  // namespace

void register_registry_command(CLI::App& app, CommandResult& result) {
  auto options = std::make_shared<RegistryOptions>();
  CLI::App* registry = app.add_subcommand(
      "registry", "The bottleneck registry (registry/B<n>.md): lint it, check staleness, analyse its depends_on graph,\n"
                  "recount the paper's taxonomy claims.");
  registry->require_subcommand(1);

  CLI::App* lint = registry->add_subcommand("lint", "Check the entries against registry/schema.json and the contribution guidelines");
  lint->footer(
      "Check every entry against registry/schema.json and the contribution guidelines: required fields, types,\n"
      "enum values (type, status, maturity, contribution), ranges 1-5 (priority, difficulty), ISO dates not in the\n"
      "future, ids of the form B<n> matching the file name and unique, depends_on naming other existing entries,\n"
      "one citation per known solution, specific blockers, body of 200-600 words with the four ## headings, and\n"
      "README.md's migration note against its change log and the entries, and versioning: changelog versions 1, 2, 3, ...,\n"
      "version = the newest changelog item's, last_reviewed = its date (guideline 4).\n"
      "Each violation prints as  file:line: field: value: message; accepted values: ...\n"
      "With --today, entries past last_reviewed + review_cadence_days are also reported (rule 'stale').\n"
      "With --changed-since REV (git), an entry whose facts or body changed since REV must have a later last_reviewed\n"
      "and a higher version (guideline 4). With --baseline FILE (an earlier lint --json), findings already there are\n"
      "known: printed in the count, not failing the run (what a pull request check wants).\n"
      "Exit codes: 0 clean, 1 some rule failed, 2 unreadable input (missing folder, malformed front matter).\n"
      "Example: infersim registry lint --today 2026-11-21 --json | jq '.violations_by_rule'");
  add_dir_option(*lint, *options);
  lint->add_option("--schema", options->schema, "Schema file (default: <dir>/schema.json, else the source tree's registry/schema.json)");
  lint->add_option("--today", options->today, "Today's date YYYY-MM-DD: enables the stale rule and dates the future-date rule (default: the system's UTC date, stale rule off)");
  auto lint_output = std::make_shared<OutputOptions>();
  add_output_options(lint, *lint_output, formats::json, {"one object (jq-readable)", "", "", ""});
  lint->add_option("--changed-since", options->changed_since,
                   "Git revision: also check that every entry edited since it has a later last_reviewed and a higher version (guideline 4)");
  lint->add_option("--baseline", options->baseline,
                   "An earlier `registry lint --json` output: findings it already lists are reported as known and do not fail the run");
  lint->callback([options, lint_output, &result] {
    const reg::Schema schema = reg::load_schema(schema_path(*options));
    reg::LintOptions lo;
    lo.today = options->today.empty() ? reg::today_utc() : parse_today(options->today);
    if (!options->today.empty()) lo.today_for_stale = lo.today;
    reg::LintReport report = reg::lint_registry(options->dir, schema, lo);
    if (!options->changed_since.empty()) {
      auto edits = reg::lint_edits(reg::read_entries(options->dir), options->changed_since);
      report.violations.insert(report.violations.end(), edits.begin(), edits.end());
    }
    std::vector<bool> known(report.violations.size(), false);
    if (!options->baseline.empty()) known = reg::known_in_baseline(report, options->baseline);
    const size_t known_count = static_cast<size_t>(std::count(known.begin(), known.end(), true));
    const bool fails = known_count < report.violations.size();
    std::ostringstream text;
    if (lint_output->json()) {
      nlohmann::json j = reg::to_json(report);
      j["schema"] = schema_path(*options).string();
      j["today"] = lo.today.to_string();
      j["stale_checked"] = lo.today_for_stale.has_value();
      if (!options->changed_since.empty()) j["changed_since"] = options->changed_since;
      if (!options->baseline.empty()) {
        for (size_t i = 0; i < known.size(); ++i) j["violations"][i]["known"] = static_cast<bool>(known[i]);
        j["baseline"] = options->baseline;
        j["known_count"] = known_count;
        j["new_count"] = report.violations.size() - known_count;
      }
      text << j.dump(2) << "\n";
    } else if (options->baseline.empty()) {
      text << reg::to_text(report);
    } else {
      for (size_t i = 0; i < known.size(); ++i)
        if (!known[i]) text << report.violations[i].to_string() << "\n";
      text << options->dir << ": " << report.entry_count << " entries, " << report.violations.size() - known_count
           << " new violations, " << known_count << " known from the baseline " << options->baseline << "\n";
    }
    emit(*lint_output, text.str());
    result.exit_code = fails ? kExitFindings : kExitClean;
  });

  CLI::App* stale = registry->add_subcommand("stale", "List entries past last_reviewed + review_cadence_days");
  stale->footer(
      "List entries whose review is overdue: today > last_reviewed + review_cadence_days.\n"
      "Entries whose date or cadence is malformed are skipped here (lint reports them).\n"
      "Exit codes: 0 none stale, 1 some stale, 2 unreadable input or a bad --today.\n"
      "Example: infersim registry stale --today 2026-11-21");
  add_dir_option(*stale, *options);
  stale->add_option("--today", options->today, "Today's date, YYYY-MM-DD")->required();
  auto stale_output = std::make_shared<OutputOptions>();
  add_output_options(stale, *stale_output, formats::json, {"today, entries_checked and the stale entries", "", "", ""});
  stale->callback([options, stale_output, &result] {
    const reg::Date today = parse_today(options->today);
    const auto entries = reg::read_entries(options->dir);
    const auto found = reg::stale_entries(entries, today);
    std::ostringstream text;
    if (stale_output->json()) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& v : found)
        list.push_back({{"file", v.file}, {"line", v.line}, {"last_reviewed", v.value}, {"message", v.message}});
      text << nlohmann::json{{"today", today.to_string()}, {"entries_checked", entries.size()}, {"stale", list}}.dump(2)
           << "\n";
    } else {
      for (const auto& v : found) text << v.to_string() << "\n";
      text << options->dir << ": " << found.size() << " of " << entries.size() << " entries stale on "
           << today.to_string() << "\n";
    }
    emit(*stale_output, text.str());
    result.exit_code = found.empty() ? kExitClean : kExitFindings;
  });

  CLI::App* graph = registry->add_subcommand("graph", "Analyse the depends_on graph: cycles, order, unlock sets, critical chain");
  graph->footer(
      "Analyse the depends_on graph (edge P -> D: resolving P unlocks D): cycles (strongly connected\n"
      "components), a topological order of the condensation, what each entry transitively unlocks and waits on,\n"
      "and the critical chain: the path in the condensation DAG with the largest summed priority.\n"
      "--dot writes Graphviz; with --out FILE.dot and `dot` on PATH, FILE.svg and FILE.png are rendered too.\n"
      "Exit codes: 0 done, 2 unreadable input or two forms (--json --dot).\n"
      "Example: infersim registry graph --dot --out registry.dot");
  add_dir_option(*graph, *options);
  auto graph_output = std::make_shared<OutputOptions>();
  add_output_options(graph, *graph_output, formats::json | formats::dot,
                     {"cycles, order, unlock sets and the critical chain", "",
                      "the graph, cycles and critical chain marked", ""});
  graph->callback([options, graph_output, &result] {
    OutputOptions& output = *graph_output;
    const auto analysis = reg::analyze_graph(reg::graph_nodes(reg::read_entries(options->dir)));
    std::string text;
    if (output.json()) text = reg::to_json(analysis).dump(2) + "\n";
    else if (output.format == Format::dot) text = reg::to_dot(analysis);
    else text = reg::to_text(analysis);
    emit(output, text);
    if (output.format == Format::dot && !output.out.empty()) {
      if (const auto dot = reg::find_on_path("dot")) {
        for (const auto& f : reg::render_with_dot(*dot, output.out)) std::cerr << "wrote " << f.string() << "\n";
      } else {
        std::cerr << "note: Graphviz `dot` is not on PATH; wrote " << output.out << " only (no SVG/PNG)\n";
      }
    }
    result.exit_code = kExitClean;
  });

  CLI::App* taxonomy = registry->add_subcommand("taxonomy", "Recount the paper's taxonomy claims from the entries' types");
  taxonomy->footer(
      "Recount the paper's taxonomy claims from the entries' `type` field: share per type, the three buckets\n"
      "(algorithmic / coordination-or-engineering / capital) recounted vs as the paper lists them, the paper's\n"
      "table Type column vs the YAML, and a verdict for each stated claim (~80% coordination, eleven of fifteen,\n"
      "only B9 and B10 need capital). The type -> bucket mapping is printed with its reasons.\n"
      "Exit codes: 0 done (a claim that differs is a finding, not an error), 2 unreadable input.\n"
      "Example: infersim registry taxonomy --json | jq '.statements[].checks[]'");
  add_dir_option(*taxonomy, *options);
  auto taxonomy_output = std::make_shared<OutputOptions>();
  add_output_options(taxonomy, *taxonomy_output, formats::json,
                     {"one object: shares, buckets, statements and checks", "", "", ""});
  taxonomy->callback([options, taxonomy_output, &result] {
    const auto report = reg::recount_taxonomy(reg::read_entries(options->dir));
    emit(*taxonomy_output, taxonomy_output->json() ? reg::to_json(report).dump(2) + "\n" : reg::to_text(report));
    result.exit_code = kExitClean;
  });
  auto quantify_options = [options] {
    reg::QuantifyOptions q;
    q.registry_dir = options->dir;
    q.infersim_binary = self_binary();
    q.small = options->small;
    return q;
  };

  CLI::App* quantify = registry->add_subcommand("quantify", "Check each entry's estimated_unlock_value against an experiment on the simulator");
  quantify->footer(
      "For every entry with an experiment (registry/experiments/B<n>.json, see its README): run the baseline and\n"
      "the lever scenarios on the named engine (closed form, KV capacity, analytic serving, SLO rate search, or\n"
      "the DES in two child processes), report the improvement ratio next to the claim parsed into a range, and\n"
      "a verdict: within, overstated (measured below the range), understated (above it), claim unparseable.\n"
      "Entries that cannot be simulated say why. --small runs each case's reduced size (the test suite's).\n"
      "Exit codes: 0 all experiments ran, 1 some scenario failed, 2 unreadable input.\n"
      "Example: infersim registry quantify B4 --json | jq '.entries[0].rows[] | {lever, ratio: .metric.ratio, verdict}'");
  add_dir_option(*quantify, *options);
  quantify->add_option("selector", options->selector, "B<n> or all")->capture_default_str();
  quantify->add_flag("--small", options->small, "Run each case's reduced size (fewer requests; the tests' setting)");
  auto quantify_output = std::make_shared<OutputOptions>();
  add_output_options(quantify, *quantify_output, formats::json | formats::markdown,
                     {"one object: every entry's rows, ratios and verdicts", "", "",
                      "the report's sections (links relative to --out's folder)"});
  quantify->callback([options, quantify_options, quantify_output, &result] {
    const auto results = reg::quantify(options->selector, quantify_options());
    const OutputOptions& output = *quantify_output;
    std::string text;
    if (output.json()) text = reg::to_json(results).dump(2) + "\n";
    else if (output.format == Format::markdown) {
      const fs::path from = output.out.empty() ? fs::absolute(options->dir) : fs::absolute(output.out).parent_path();
      text = reg::to_markdown(results, from, fs::absolute(options->dir));
    } else text = reg::to_text(results);
    emit(output, text);
    result.exit_code = quantify_exit_code(results);
  });

  CLI::App* report = registry->add_subcommand("report", "Write the Markdown registry report: every entry, its experiment and result");
  report->footer(
      "Runs `registry quantify all` and writes the Markdown report: a summary table and one section per entry\n"
      "linking the entry, its experiment file, the measured rows with their rerun commands and what the\n"
      "experiment does and does not capture. Links are relative to the report's folder.\n"
      "Exit codes: 0 all experiments ran, 1 some scenario failed, 2 unreadable input, 3 cannot write.\n"
      "Example: infersim registry report --out registry/experiments/REPORT.md");
  add_dir_option(*report, *options);
  report->add_flag("--small", options->small, "Run each case's reduced size");
  auto report_output = std::make_shared<OutputOptions>();
  add_output_options(report, *report_output, 0);  // Markdown only: --out
  report->callback([options, quantify_options, report_output, &result] {
    const auto results = reg::quantify("all", quantify_options());
    const std::string& out = report_output->out;
    const fs::path from = out.empty() ? fs::absolute(options->dir) : fs::absolute(out).parent_path();
    emit(*report_output, reg::to_markdown(results, from, fs::absolute(options->dir)));
    result.exit_code = quantify_exit_code(results);
  });

  CLI::App* site = registry->add_subcommand("site", "Build the registry's static site: dashboards, a page per entry, Atom feeds, registry.json");
  site->footer(
      "Build a self-contained static site (no server, no JavaScript) from the registry folder: index.html with the\n"
      "dashboards (entries by type, status and priority, a priority x difficulty heat map, stale entries with days\n"
      "overdue, changes in the last 90 days, the dependency graph as SVG with cycles and the critical chain), one page\n"
      "per entry (fields, claim vs the simulator's measurement with verdict and rerun commands, body, solutions,\n"
      "blockers, dependencies, history from git log or the changelog, lint findings), Atom feeds (all, per type, per\n"
      "status), registry.json and graph.svg. Dates come from --today, else the registry's git HEAD, else the data:\n"
      "an unchanged registry gives byte-identical files. The site is written to a temporary folder and renamed into\n"
      "place; an existing --out is replaced only when empty or a previous site.\n"
      "Exit codes: 0 written (lint findings are shown on the site, not an error), 1 some experiment failed to run,\n"
      "2 unreadable input, 3 cannot write --out.\n"
      "Example: infersim registry site --out site --small && xdg-open site/index.html");
  add_dir_option(*site, *options);
  site->add_option("--out", options->site_dir, "Folder to write the site to (replaced as a whole)")->required();
  site->add_option("--schema", options->schema, "Schema file (default: <dir>/schema.json, else the source tree's registry/schema.json)");
  site->add_option("--today", options->today, "The site's 'as of' date YYYY-MM-DD (staleness, last 90 days); default: git HEAD's date, else the newest date in the entries");
  site->add_flag("--small", options->small, "Run each experiment at its reduced size (the tests' setting)");
  site->add_flag("--no-measure", options->no_measure, "Do not run the experiments; entry pages say so and give the command");
  site->callback([options, quantify_options, &result] {
    reg::SiteOptions so;
    so.registry_dir = fs::path(options->dir).lexically_normal();
    if (so.registry_dir.filename().empty()) so.registry_dir = so.registry_dir.parent_path();  // "registry/" -> "registry"
    so.schema_file = schema_path(*options);
    if (!options->today.empty()) so.today = parse_today(options->today);
    so.measure = !options->no_measure;
    so.quantify = quantify_options();
    so.quantify.registry_dir = so.registry_dir;
    const reg::SiteInput input = reg::gather_site_input(so);
    const reg::SiteFiles files = reg::render_site(input);
    reg::write_site(files, options->site_dir);
    size_t pages = 0, feeds = 0;
    for (const auto& [path, _] : files) {
      pages += path.size() > 5 && path.compare(path.size() - 5, 5, ".html") == 0;
      feeds += path.size() > 5 && path.compare(path.size() - 5, 5, ".atom") == 0;
    }
    std::cout << "wrote " << options->site_dir << ": " << files.size() << " files (" << pages << " pages, " << feeds << " Atom feeds), "
              << input.entries.size() << " entries as of " << input.as_of.to_string() << ", " << input.lint.violations.size()
              << " lint findings shown\n";
    result.exit_code = input.measured ? quantify_exit_code(input.quantify) : kExitClean;
  });

  CLI::App* add = registry->add_subcommand("new", "Scaffold a new entry with the next free id, valid as written");
  add->footer(
      "Write <dir>/B<n>.md with n one more than the highest id in use (ids are never recycled): every required field,\n"
      "version 1 with its changelog item, last_reviewed = --today, and the four required body sections holding\n"
      "instructions; `registry lint` passes on it as written. Replace the instructions with the argument, add known\n"
      "solutions with citations and specific blockers, then open a pull request (registry/README.md).\n"
      "Exit codes: 0 written, 2 a bad option value (the message names it and the accepted values), 3 cannot write.\n"
      "Example: infersim registry new --name \"KV-cache offload latency\" --type architecture --unlock-value \"~2x context per chip\" --author \"Ada L.\"");
  add_dir_option(*add, *options);
  add->add_option("--schema", options->schema, "Schema file (default: <dir>/schema.json, else the source tree's registry/schema.json)");
  add->add_option("--name", options->new_entry.name, "Short canonical name")->required();
  add->add_option("--type", options->new_entry.type, "One of the schema's types (physics, architecture, algorithm, stack, supply, ecosystem, measurement, economic)")->required();
  add->add_option("--unlock-value", options->new_entry.unlock_value, "estimated_unlock_value: what resolving it alone would gain, e.g. \"~2x decode throughput\"")->required();
  add->add_option("--author", options->new_entry.author, "Your name (contributors[0].name)")->required();
  add->add_option("--github-handle", options->new_entry.github_handle, "Your GitHub handle (optional)");
  add->add_option("--priority", options->new_entry.priority, "1 to 5 (5 = gating frontier economics)")->capture_default_str();
  add->add_option("--difficulty", options->new_entry.difficulty, "1 to 5 (5 = open research frontier)")->capture_default_str();
  add->add_option("--status", options->new_entry.status, "open, partial or resolved")->capture_default_str();
  add->add_option("--review-cadence-days", options->new_entry.review_cadence_days, "Days until the entry is stale")->capture_default_str();
  add->add_option("--today", options->today, "last_reviewed and the changelog date, YYYY-MM-DD (default: today's UTC date)");
  add->callback([options, &result] {
    const reg::Schema schema = reg::load_schema(schema_path(*options));
    reg::NewEntry facts = options->new_entry;
    facts.date = options->today.empty() ? reg::today_utc() : parse_today(options->today);
    const auto entries = reg::read_entries(options->dir);
    const std::string id = reg::next_free_id(entries);
    const std::string text = reg::scaffold_entry(id, facts, schema);
    const fs::path file = fs::path(options->dir) / (id + ".md");
    std::error_code ec;
    if (fs::exists(file, ec)) throw std::runtime_error(file.string() + ": exists already; refusing to overwrite it");
    write_file_atomically(file.string(), text);
    std::cout << "wrote " << file.string() << " (" << id << "); next: replace the instructions in its body, then run "
              << "infersim registry lint --dir " << options->dir << "\n";
    result.exit_code = kExitClean;
  });
}

}  // namespace infersim::cli
