// `infersim audit`: recompute a paper's stated figures and say where they hold.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>

#include "audit/audit.hpp"
#include "cli/commands.hpp"
#include "descriptors/catalog.hpp"
#include "format/format.hpp"

namespace infersim::cli {

namespace {
struct AuditArgs {
  std::string claims;
  bool json = false;
};

std::string range(double lo, double hi) {
  if (lo == hi) return format_number(lo);
  if (hi > lo * 1e6) return "> " + format_number(lo);  // an open-ended "more than" claim
  return format_number(lo) + " .. " + format_number(hi);
}

void run_audit(const AuditArgs& a) {
  std::string path = a.claims.empty() ? (std::filesystem::path(data_dir()) / "audit" / "seed-paper.json").string() : a.claims;
  auto results = audit_claims_file(path);
  if (a.json) {
    std::cout << to_json(results).dump(2) << "\n";
    return;
  }
  Table t({"claim", "section", "quantity", "stated", "recomputed", "verdict"});
  int counts[3] = {0, 0, 0};
  for (const auto& c : results) {
    counts[static_cast<int>(c.verdict)]++;
    std::string stated = c.quantity.find("fit") != std::string::npos ? "fits" : range(c.stated_low, c.stated_high);
    std::string recomputed = !c.has_recomputed ? "-"
                             : c.quantity.find("fit") != std::string::npos
                                 ? (c.recomputed_low > 0 ? "fits" : "does not fit")
                                 : range(c.recomputed_low, c.recomputed_high);
    t.add_row({c.id, c.section, c.quantity, stated, recomputed, to_string(c.verdict)});
  }
  std::cout << "Audit of " << path << "\n"
            << "Each stated figure recomputed from the inputs the paper gives (formula) or with the engine on the\n"
            << "bundled descriptors (engine).\n\n"
            << t.render() << "\n";
  for (const auto& c : results)
    if (c.verdict != Verdict::consistent) std::cout << "  * " << c.id << " (" << to_string(c.verdict) << "): " << c.reason << "\n";
  std::cout << "\n" << counts[0] << " consistent, " << counts[1] << " inconsistent, " << counts[2]
            << " underdetermined (of " << results.size() << " claims)\n";
}
}  // namespace

void register_audit_command(CLI::App& app, CommandResult& /*result*/) {
  auto args = std::make_shared<AuditArgs>();
  std::string formulas;
  for (const auto& [name, def] : audit_formulas()) formulas += "  " + name + ": " + def + "\n";
  auto* cmd = app.add_subcommand(
      "audit",
      "Recompute the seed paper's stated figures (Table 1, Table 2, the introduction, Appendix C) from the\n"
      "inputs the paper gives, and print stated vs recomputed with a verdict: consistent, inconsistent\n"
      "(the paper's own inputs do not give its number) or underdetermined (an input is not stated).\n"
      "Exit code 0 whatever the verdicts; 2 if the claims file is invalid. Formulas:\n" + formulas);
  cmd->add_option("--claims", args->claims, "Claims file (schema infersim-claims/1); default audit/seed-paper.json");
  cmd->add_flag("--json", args->json, "Print a JSON array of claims with their verdicts");
  cmd->callback([args] { run_audit(*args); });
}

}  // namespace infersim::cli
