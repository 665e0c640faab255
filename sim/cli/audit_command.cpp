// `infersim audit`: recompute a paper's stated figures and say where they hold; the registry's own
// records (sim/registry/audit_findings.hpp) are listed beside them so that one command gives every finding.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "audit/audit.hpp"
#include "cli/commands.hpp"
#include "cli/output_options.hpp"
#include "descriptors/catalog.hpp"
#include "descriptors/input_error.hpp"
#include "format/format.hpp"
#include "registry/audit_findings.hpp"
#include "registry/lint.hpp"

namespace infersim::cli {

namespace {
namespace fs = std::filesystem;

constexpr const char* kSeedRegistryFile = "000_9899440c33fb35b6.txt";

struct AuditArgs {
  std::string claims;
  std::string registry_dir;
  std::string registry_seed;
  bool no_registry = false;
  OutputOptions output;
  bool details = false;
};

std::string range(double lo, double hi) {
  if (lo == hi) return format_number(lo);
  if (hi > lo * 1e6) return "> " + format_number(lo);  // an open-ended "more than" claim
  return format_number(lo) + " .. " + format_number(hi);
}

std::string stated_cell(const ClaimResult& c) {
  if (!c.has_stated) return "-";
  if (!c.stated_text.empty()) return c.stated_text;
  return range(c.stated_low, c.stated_high);
}

std::string recomputed_cell(const ClaimResult& c) {
  if (!c.recomputed_text.empty()) return c.recomputed_text;
  if (!c.has_recomputed) return "-";
  return range(c.recomputed_low, c.recomputed_high);
}

// The seed registry document: the one named, else next to the data directory's checkout
// (<data>/../shared/seeds or <data>/shared/seeds), else none.
std::optional<fs::path> find_seed(const AuditArgs& a, std::string& looked_for) {
  if (!a.registry_seed.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(a.registry_seed, ec))
      throw InputError(a.registry_seed, "--registry-seed", "not a readable file; accepted values: the seed registry Markdown document");
    return fs::path(a.registry_seed);
  }
  const fs::path data = data_dir();
  const std::vector<fs::path> candidates = {data / ".." / "shared" / "seeds" / kSeedRegistryFile,
                                            data / "shared" / "seeds" / kSeedRegistryFile};
  for (const auto& p : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.lexically_normal();
    looked_for += (looked_for.empty() ? "" : " and ") + p.lexically_normal().string();
  }
  return std::nullopt;
}

fs::path schema_for(const fs::path& dir) {
  std::error_code ec;
  const fs::path local = dir / "schema.json";
  if (fs::is_regular_file(local, ec)) return local;
  return fs::path(data_dir()) / "registry" / "schema.json";
}

// Sources are printed once, at the end, and referred to by number.
struct Sources {
  std::vector<std::string> list;
  size_t number(const std::string& source) {
    auto it = std::find(list.begin(), list.end(), source);
    if (it != list.end()) return static_cast<size_t>(it - list.begin()) + 1;
    list.push_back(source);
    return list.size();
  }
};

void print_inputs(std::ostream& out, const ClaimResult& c, bool all, Sources& sources) {
  for (const auto& i : c.inputs) {
    if (!all && i.tag == "paper") continue;
    out << "      " << i.name << " = " << range(i.low, i.high) << "  [" << i.tag;
    if (!i.source.empty()) out << ", source " << sources.number(i.source);
    out << "]\n";
  }
}

void run_audit(const AuditArgs& a) {
  const std::string path =
      a.claims.empty() ? (fs::path(data_dir()) / "audit" / "seed-paper.json").string() : a.claims;
  AuditDocument doc = read_audit_document(path);
  std::vector<ClaimResult> results = doc.claims;
  fs::path dir = a.registry_dir.empty() ? fs::path(data_dir()) / "registry" : fs::path(a.registry_dir);
  std::string looked_for;
  std::optional<fs::path> seed;
  if (!a.no_registry) {
    seed = find_seed(a, looked_for);
    registry::RegistryAuditOptions ro;
    ro.dir = dir;
    ro.schema = schema_for(dir);
    ro.seed = seed;
    ro.seed_looked_for = looked_for;
    ro.today = registry::today_utc();
    auto reg = registry::registry_findings(ro);
    results.insert(results.end(), reg.begin(), reg.end());
  }
  const AuditSummary summary = summarize(results);
  if (a.output.json()) {
    nlohmann::json headline = nlohmann::json::array();
    for (const auto& id : doc.headline) headline.push_back(id);
    nlohmann::json j = {{"claims_file", path},
                        {"document", doc.document},
                        {"registry_dir", a.no_registry ? nlohmann::json(nullptr) : nlohmann::json(dir.string())},
                        {"registry_seed", seed ? nlohmann::json(seed->string()) : nlohmann::json(nullptr)},
                        {"findings", to_json(results)},
                        {"summary", to_json(summary)},
                        {"headline_findings", headline}};
    emit(a.output, j.dump(2) + "\n");
    return;
  }
  std::ostringstream out;
  Table t({"claim", "section", "quantity", "stated", "recomputed", "verdict", "severity"});
  for (const auto& c : results)
    t.add_row({c.id, c.section, c.quantity, stated_cell(c), recomputed_cell(c), to_string(c.verdict), to_string(c.severity)});
  out << "Audit of " << path;
  if (!a.no_registry) out << " and of the registry " << dir.string();
  out << "\n"
      << "Each stated figure recomputed from the inputs the paper gives (formula; external facts tagged with\n"
      << "their source), with the engine on the bundled descriptors (engine), or computed for the reader where\n"
      << "the paper implies a figure it does not state (derived); then the registry's own records.\n\n"
      << t.render() << "\n";
  Sources sources;
  if (a.details) {
    out << "Every check, with its inputs and reason:\n";
    for (const auto& c : results) {
      out << "  * " << c.id << " [" << to_string(c.verdict) << ", " << to_string(c.severity) << "] " << c.statement
          << "\n      why: " << c.reason << "\n";
      print_inputs(out, c, true, sources);
    }
    out << "\n";
  }
  out << "Findings other than consistent, by severity (inputs from outside the paper listed with their source):\n";
  for (int sev = 0; sev < kSeverityCount; ++sev)
    for (const auto& c : results)
      if (static_cast<int>(c.severity) == sev && c.verdict != Verdict::consistent) {
        out << "  * [" << to_string(c.severity) << "] " << c.id << " (" << to_string(c.verdict) << "): " << c.reason
            << "\n";
        print_inputs(out, c, false, sources);
      }
  if (!sources.list.empty()) {
    out << "\nSources of the inputs listed above:\n";
    for (size_t k = 0; k < sources.list.size(); ++k) out << "  " << k + 1 << ". " << sources.list[k] << "\n";
  }
  out << "\nSummary: " << summary.total << " checks (" << doc.claims.size() << " on the paper, "
      << summary.total - static_cast<int>(doc.claims.size()) << " on the registry)\n  by verdict: ";
  for (int v = 0; v < kVerdictCount; ++v)
    out << (v ? ", " : "") << summary.by_verdict[v] << " " << to_string(static_cast<Verdict>(v));
  out << "\n  by severity: ";
  for (int k = 0; k < kSeverityCount; ++k)
    out << (k ? ", " : "") << summary.by_severity[k] << " " << to_string(static_cast<Severity>(k));
  out << "\n";
  Table cross({"verdict", "high", "medium", "low"});
  for (int v = 0; v < kVerdictCount; ++v)
    cross.add_row({to_string(static_cast<Verdict>(v)), std::to_string(summary.cross[v][0]),
                   std::to_string(summary.cross[v][1]), std::to_string(summary.cross[v][2])});
  out << cross.render();
  if (!doc.headline.empty()) {
    out << "\nThe findings that matter most to a reader of the paper (the claims file's headline_findings):\n";
    int n = 0;
    for (const auto& id : doc.headline)
      for (const auto& c : results)
        if (c.id == id)
          out << "  " << ++n << ". " << c.id << " (" << to_string(c.verdict) << ", " << to_string(c.severity)
              << "): " << c.reason << "\n";
  }
  emit(a.output, out.str());
}

std::string definitions(const std::vector<std::pair<std::string, std::string>>& defs) {
  std::string out;
  for (const auto& [name, def] : defs) out += "  " + name + ": " + def + "\n";
  return out;
}
}  // namespace

void register_audit_command(CLI::App& app, CommandResult& /*result*/) {
  auto args = std::make_shared<AuditArgs>();
  auto* cmd = app.add_subcommand(
      "audit",
      "Recompute the seed paper's stated figures (abstract, §1-§5, §10, Tables 1 and 2, Appendix C) from the\n"
      "inputs the paper gives and from tagged external facts, and list them with the registry's own records\n"
      "(taxonomy note, migration note, body lengths, headings, citations): stated vs recomputed, a verdict\n"
      "and a severity per check, then counts by verdict and severity.\n"
      "Exit code 0 whatever the verdicts; 2 if the claims file, the registry or the seed document is invalid.\n"
      "Verdicts:\n" + definitions(audit_verdicts()) +
      "Severities (how much of the paper's argument rides on the figure, whatever the verdict):\n" +
      definitions(audit_severities()) + "Input tags:\n" + definitions(audit_input_tags()) +
      "Formulas (each monotone in every input; evaluated at every corner of the input ranges):\n" +
      definitions(audit_formulas()));
  cmd->add_option("--claims", args->claims, "Claims file (schema infersim-claims/1); default audit/seed-paper.json");
  cmd->add_option("--registry", args->registry_dir,
                  "Registry folder to audit (B<n>.md entries, README.md); default the bundled registry/");
  cmd->add_option("--registry-seed", args->registry_seed,
                  "The seed registry Markdown document the entries came from (headings, names, seed body lengths); "
                  "default shared/seeds/" + std::string(kSeedRegistryFile) + " beside the data directory, when present");
  cmd->add_flag("--no-registry", args->no_registry, "Audit the claims file only");
  cmd->add_flag("--details", args->details, "Also print every check with all its inputs and its reason");
  add_output_options(cmd, args->output, formats::json,
                     {"one object: findings (every check with its inputs, recomputed numbers, verdict, severity), "
                      "summary, headline_findings", "", "", ""});
  cmd->callback([args] { run_audit(*args); });
}

}  // namespace infersim::cli
