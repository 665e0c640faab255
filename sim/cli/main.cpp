// The `infersim` command: parses the command line (CLI11, before any SimGrid engine sees it) and
// dispatches to the subcommands registered in commands.hpp.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.hpp"
#include "descriptors/catalog.hpp"
#include "descriptors/input_error.hpp"
#include "format/format.hpp"
#include "version/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"infersim: what would this model do on that hardware, and why.\n"
               "Closed-form projections and a SimGrid discrete-event simulation of LLM inference,\n"
               "from descriptors whose every number carries its source."};
  // The data folder is looked up only when --version is asked for (a lambda), not at every start.
  app.set_version_flag("--version", [] {
    return std::string("infersim ") + infersim::version() + " (" + infersim::build_commit() + ")\ndata: " +
           infersim::data_dir() + " (" + infersim::data_dir_origin() + ")";
  });
  app.require_subcommand(1);
  infersim::cli::CommandResult result;
  // Subcommands (one line each; the glue lives in sim/cli/<name>_command.cpp).
  infersim::cli::register_descriptor_commands(app, result);
  infersim::cli::register_project_command(app, result);
  infersim::cli::register_compare_command(app, result);
  infersim::cli::register_audit_command(app, result);
  infersim::cli::register_registry_command(app, result);
  infersim::cli::register_serve_command(app, result);
  infersim::cli::register_pareto_command(app, result);
  infersim::cli::register_simulate_command(app, result);
  infersim::cli::register_trace_command(app, result);
  infersim::cli::register_validate_command(app, result);
  infersim::cli::register_calibrate_command(app, result);
  infersim::cli::register_sensitivity_command(app, result);
  infersim::cli::register_straggler_command(app, result);
  infersim::cli::register_report_command(app, result, argc, argv);
  infersim::cli::register_sweep_command(app, result, argc, argv);
  // The root listing shows a one-line summary per command; the command's full text (examples,
  // formulas, exit codes) moves to the footer of its own --help.
  const std::pair<const char*, const char*> kSummaries[] = {
      {"project", "Closed-form roofline projection: fit, tok/s per stream/chip/deployment, TTFT, J/token, $/M"},
      {"compare", "What-if: scenarios side by side, ratios to a baseline, each difference attributed to a term"},
      {"audit", "Audit the seed paper (its figures recomputed from its own inputs and external facts) and the registry's records"},
      {"registry", "The bottleneck registry B1..B18: lint, staleness, dependency graph, taxonomy"},
      {"serve", "Serving simulation: workload, scheduler, paged KV cache; latency percentiles, goodput"},
      {"pareto", "Throughput vs p99 TPOT frontier over rate or batch cap; highest rate meeting an SLO"},
      {"simulate", "Discrete-event simulation on SimGrid of a scenario or a served workload; HDF5 traces"},
      {"validate", "Accuracy: closed form vs DES (--internal), predictions vs published measurements"},
      {"calibrate", "Fit a software generation's efficiencies and overheads on measurements; residuals"},
      {"sensitivity", "Tornado table: which descriptor numbers move a result most, with their tags"},
      {"straggler", "The straggler penalty of expert parallelism over EP degree, batch and routing skew"},
      {"report", "The main job: an audited-style report (MD, HTML, JSON, CSV, figures, manifest); --verify"},
      {"sweep", "Run a JSON grid of scenarios, one process per point, resumable, shardable; merge"},
  };
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    for (const auto& [name, summary] : kSummaries) {
      if (sub->get_name() != name) continue;
      sub->footer(sub->get_description());
      sub->description(summary);
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" to CLI11 that exit 0; every real parse error (unknown option,
    // bad value, missing argument) is bad input: exit 2 like any other (CLI11's own codes are 100+).
    const int cli11_code = app.exit(e);
    return cli11_code == 0 ? 0 : infersim::kExitBadInput;
  } catch (const infersim::InputError& e) {
    std::cerr << "infersim: error: " << e.what() << "\n";
    return infersim::kExitBadInput;
  } catch (const std::runtime_error& e) {
    std::cerr << "infersim: error: " << e.what() << "\n";
    return infersim::kExitOutputError;
  } catch (const std::exception& e) {
    // A bug, not bad input: say so instead of aborting (tests/ROBUSTNESS.md, exit codes).
    constexpr int kExitInternalError = 70;  // EX_SOFTWARE
    std::cerr << "infersim: internal error: " << e.what() << " (please report it with the command line)\n";
    return kExitInternalError;
  }
  return result.exit_code;
}
