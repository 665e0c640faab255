// `infersim trace summary FILE`: where the time of a DES trace went (trace/trace.hpp).
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "descriptors/input_error.hpp"
#include "format/format.hpp"
#include "trace/trace.hpp"

namespace infersim::cli {

namespace {
struct TraceArgs {
  std::string file;
  bool json = false;
};

void run_summary(const TraceArgs& a, CommandResult& result) {
  nlohmann::json j;
  try {
    j = summarize_trace(a.file);
  } catch (const std::exception& e) {
    std::cerr << "infersim: error: cannot read trace " << a.file << ": " << e.what() << "\n";
    result.exit_code = kExitBadInput;
    return;
  } catch (...) {
    // HDF5's C++ exceptions (H5::Exception) are not std::exceptions: a file from another tool, or a
    // truncated one, must not abort the command.
    std::cerr << "infersim: error: " << a.file
              << ": not a readable infersim trace (an HDF5 file with /activities, /requests and the "
                 "'complete' attribute, sim/trace/README.md)\n";
    result.exit_code = kExitBadInput;
    return;
  }
  if (a.json) {
    std::cout << j.dump(2) << "\n";
    result.exit_code = 0;
    return;
  }
  std::cout << a.file << ": " << (j["complete"].get<bool>() ? "complete" : "INCOMPLETE (the run was stopped)")
            << ", " << j["activities"] << " activities, " << j["requests"] << " requests, "
            << format_number(j["end_s"].get<double>()) << " s simulated\n\n";
  Table t({"chip", "folded", "weights s", "KV s", "compute s", "comm s", "overhead s", "waiting s"});
  auto add = [&t](const std::string& name, const std::string& folded, const nlohmann::json& c) {
    t.add_row({name, folded, format_number(c["weights_s"].get<double>()), format_number(c["kv_s"].get<double>()),
               format_number(c["compute_s"].get<double>()), format_number(c["communication_s"].get<double>()),
               format_number(c.value("overhead_s", 0.0)), format_number(c["waiting_s"].get<double>())});
  };
  for (const auto& c : j["chips"]) add(std::to_string(c["chip"].get<int>()), format_number(c["chips_folded"]), c);
  add("all (chip-s)", "", j["overall"]);
  std::cout << t.render();
  const auto& o = j["overall"];
  if (o.contains("weights_share"))
    std::cout << "\nshares of chip time: weights " << format_number(o["weights_share"].get<double>() * 100)
              << " %, KV " << format_number(o["kv_share"].get<double>() * 100) << " %, compute "
              << format_number(o["compute_share"].get<double>() * 100) << " %, communication "
              << format_number(o["communication_share"].get<double>() * 100) << " %, overhead "
              << format_number(o.value("overhead_share", 0.0) * 100) << " %, waiting "
              << format_number(o["waiting_share"].get<double>() * 100) << " %\n";
  result.exit_code = 0;
}
}  // namespace

void register_trace_command(CLI::App& app, CommandResult& result) {
  auto args = std::make_shared<TraceArgs>();
  auto* trace = app.add_subcommand("trace", "Inspect DES traces (HDF5, schema in sim/trace/README.md)");
  trace->require_subcommand(1);
  auto* summary = trace->add_subcommand(
      "summary", "Attribute each chip's time to weights, KV, compute, communication and waiting");
  summary->add_option("file", args->file, "Trace file written by `infersim simulate --trace`")
      ->required()->check(CLI::ExistingFile);
  summary->add_flag("--json", args->json, "Print JSON");
  summary->callback([args, &result] { run_summary(*args, result); });
}

}  // namespace infersim::cli
