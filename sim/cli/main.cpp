// The `infersim` command: parses the command line (CLI11, before any SimGrid engine sees it) and
// dispatches to the subcommands registered in commands.hpp.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.hpp"
#include "descriptors/input_error.hpp"
#include "format/format.hpp"
#include "version/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"infersim: what would this model do on that hardware, and why.\n"
               "Closed-form projections and a SimGrid discrete-event simulation of LLM inference,\n"
               "from descriptors whose every number carries its source."};
  app.set_version_flag("--version", std::string("infersim ") + infersim::version() + " (" + infersim::build_commit() + ")");
  app.require_subcommand(1);
  infersim::cli::CommandResult result;
  // Subcommands (one line each; the glue lives in sim/cli/<name>_command.cpp).
  infersim::cli::register_descriptor_commands(app, result);
  infersim::cli::register_project_command(app, result);
  infersim::cli::register_audit_command(app, result);
  infersim::cli::register_registry_command(app, result);
  infersim::cli::register_serve_command(app, result);
  infersim::cli::register_pareto_command(app, result);
  infersim::cli::register_simulate_command(app, result);
  infersim::cli::register_trace_command(app, result);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
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
