// Contract: each subcommand of `infersim` registers itself on the root CLI11 app through one function
// here, defined in sim/cli/<command>_command.cpp. Each returns nothing; the command's callback sets
// the process exit code through the CommandResult it is given.
#pragma once

namespace CLI {
class App;
}

namespace infersim::cli {

struct CommandResult {
  int exit_code = 0;
};

void register_descriptor_commands(CLI::App& app, CommandResult& result);
void register_project_command(CLI::App& app, CommandResult& result);
void register_compare_command(CLI::App& app, CommandResult& result);
void register_serve_command(CLI::App& app, CommandResult& result);
void register_pareto_command(CLI::App& app, CommandResult& result);
void register_simulate_command(CLI::App& app, CommandResult& result);
void register_trace_command(CLI::App& app, CommandResult& result);
void register_audit_command(CLI::App& app, CommandResult& result);
void register_registry_command(CLI::App& app, CommandResult& result);
void register_validate_command(CLI::App& app, CommandResult& result);
void register_calibrate_command(CLI::App& app, CommandResult& result);
void register_sensitivity_command(CLI::App& app, CommandResult& result);
void register_straggler_command(CLI::App& app, CommandResult& result);
// report and sweep record the full command line (manifest) and need the program's path.
void register_report_command(CLI::App& app, CommandResult& result, int argc, char** argv);
void register_sweep_command(CLI::App& app, CommandResult& result, int argc, char** argv);

}  // namespace infersim::cli
