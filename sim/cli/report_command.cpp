// `infersim report`: an audited-style benchmark report of a suite, and --verify of a published one.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "report/report.hpp"
#include "interrupt/interrupt.hpp"
#include "report/util.hpp"

namespace infersim::cli {

namespace {
struct ReportArgs {
  report::ReportRequest request;
  std::string verify;
  bool no_progress = false;
  bool no_figures = false;
};

void run(ReportArgs& a, CommandResult& result) {
  install_stop_handlers();
  const bool progress = !a.no_progress;
  if (!a.verify.empty()) {
    report::VerifyOutcome v = report::verify_report(a.verify, a.request.self_binary, progress);
    if (v.identical) {
      std::cout << "verify: " << a.verify << ": every output is byte-identical to the re-run, every input unchanged\n";
      result.exit_code = 0;
    } else {
      std::cout << "verify: " << a.verify << ": " << v.differences.size() << " difference(s)\n";
      for (const auto& d : v.differences) std::cout << "  " << d << "\n";
      result.exit_code = 1;
    }
    return;
  }
  a.request.progress = progress;
  a.request.figures = !a.no_figures;
  report::ReportOutcome o = report::run_report(a.request);
  if (o.interrupted) {
    std::cerr << "infersim: report interrupted (signal " << stop_signal() << "): " << o.dir
              << " has no manifest.json and is not a finished report\n";
    result.exit_code = kExitInterrupted;
    return;
  }
  std::cout << "report: " << o.dir << "/report.html, report.md, results.json, results.csv, figures/, manifest.json ("
            << o.wall_s << " s)\n";
  result.exit_code = 0;
}
}  // namespace

void register_report_command(CLI::App& app, CommandResult& result, int argc, char** argv) {
  auto args = std::make_shared<ReportArgs>();
  args->request.self_binary = "/proc/self/exe";
  for (int i = 0; i < argc; ++i) args->request.command_line.push_back(argv[i]);
  auto* cmd = app.add_subcommand(
      "report",
      "Audited-style benchmark report of a suite (bench/suites/<id>.json): every platform x workload in the\n"
      "MLPerf scenarios (Offline, Server, SingleStream, Interactive) plus the closed form with Monte Carlo\n"
      "ranges; writes results/<name>/ (report.md, report.html, results.json/.csv, figures/, manifest.json).\n"
      "Example: infersim report --suite default; infersim report --verify results/default/manifest.json");
  auto* suite = cmd->add_option("--suite", args->request.suite, "Suite id (bench/suites/<id>.json) or path")
                    ->default_val("default");
  cmd->add_option("--name", args->request.name, "Report name: results/<name>/ (default: the suite's id)");
  cmd->add_option("--out-dir", args->request.out_dir, "Parent directory of the report")->default_val("results");
  cmd->add_option("--jobs", args->request.jobs, "Worker threads (default: all cores)");
  cmd->add_flag("--no-progress", args->no_progress, "No progress bar (it is off anyway when stderr is not a terminal)");
  cmd->add_flag("--no-figures", args->no_figures, "Do not run scripts/figures.py (tests)");
  cmd->add_option("--verify", args->verify, "Re-run the report of this manifest.json and compare byte for byte")
      ->excludes(suite);
  cmd->callback([args, &result] { run(*args, result); });
}

}  // namespace infersim::cli
