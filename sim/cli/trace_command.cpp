// `infersim trace summary FILE`: where the time of a DES trace went (trace/trace.hpp).
#include <CLI/CLI.hpp>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <vector>

#include "cli/commands.hpp"
#include "cli/figure.hpp"
#include "cli/output_options.hpp"
#include "descriptors/input_error.hpp"
#include "format/format.hpp"
#include "trace/trace.hpp"

namespace infersim::cli {

namespace {
constexpr std::size_t kLinksShown = 8;

struct TraceArgs {
  std::string file;
  OutputOptions output;
  std::string plot;          // a figure: the per-rank timeline of one step and the links' utilisation
  std::int64_t step = -1;    // the step drawn (-1: the step with the most activities)
};

// The step drawn by default: the middle one of those with the most activity records (in layer
// detail a full step of every chip; the middle of a serving run is a typical decode step).
std::int64_t default_step(const std::string& file) {
  std::map<std::int64_t, long long> count;
  for (const auto& a : read_activities(file))
    if (a.phase != static_cast<std::int32_t>(StepPhase::calibration)) ++count[a.step];
  long long most = 0;
  for (const auto& [step, n] : count) most = std::max(most, n);
  std::vector<std::int64_t> full;
  for (const auto& [step, n] : count)
    if (n == most) full.push_back(step);
  return full.empty() ? 0 : full[full.size() / 2];
}

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
  if (!a.plot.empty()) {
    const std::int64_t step = a.step >= 0 ? a.step : default_step(a.file);
    nlohmann::json data = j;
    data["step"] = step;
    data["step_activities"] = step_activities(a.file, step);
    if (data["step_activities"].empty())
      throw InputError("--step", std::to_string(step), "the trace has no activities in that step");
    draw_figure("trace_figure.py", a.plot, data);
    std::cerr << "wrote " << a.plot << " (step " << step << ")\n";
  }
  if (a.output.json()) {
    emit(a.output, j.dump(2) + "\n");
    result.exit_code = 0;
    return;
  }
  std::ostringstream out;
  out << a.file << ": " << (j["complete"].get<bool>() ? "complete" : "INCOMPLETE (the run was stopped)")
      << ", " << j["activities"] << " activities, " << j["requests"] << " requests, "
      << format_number(j["end_s"].get<double>()) << " s simulated\n\n";
  const bool split = j["overall"].contains("slowest_rank_wait_s");
  std::vector<std::string> head = {"chip", "folded", "weights s", "KV s", "compute s", "comm s"};
  if (split) head.insert(head.end(), {"of which rank wait s", "exchange s"});
  head.insert(head.end(), {"overhead s", "waiting s"});
  Table t(head);
  auto add = [&t, split](const std::string& name, const std::string& folded, const nlohmann::json& c) {
    std::vector<std::string> row = {name, folded, format_number(c["weights_s"].get<double>()),
                                    format_number(c["kv_s"].get<double>()), format_number(c["compute_s"].get<double>()),
                                    format_number(c["communication_s"].get<double>())};
    if (split)
      row.insert(row.end(), {format_number(c.value("slowest_rank_wait_s", 0.0)),
                             format_number(c.value("collective_exchange_s", 0.0))});
    row.insert(row.end(), {format_number(c.value("overhead_s", 0.0)), format_number(c["waiting_s"].get<double>())});
    t.add_row(row);
  };
  for (const auto& c : j["chips"]) add(std::to_string(c["chip"].get<int>()), format_number(c["chips_folded"]), c);
  add("all (chip-s)", "", j["overall"]);
  out << t.render();
  const auto& o = j["overall"];
  if (o.contains("weights_share"))
    out << "\nshares of chip time: weights " << format_number(o["weights_share"].get<double>() * 100)
        << " %, KV " << format_number(o["kv_share"].get<double>() * 100) << " %, compute "
        << format_number(o["compute_share"].get<double>() * 100) << " %, communication "
        << format_number(o["communication_share"].get<double>() * 100) << " %, overhead "
        << format_number(o.value("overhead_share", 0.0) * 100) << " %, waiting "
        << format_number(o["waiting_share"].get<double>() * 100) << " %\n";
  if (split)
    out << "real collectives (layer detail): rank wait = from a chip's entry to the last rank's entry (waiting "
        "for the slowest rank); exchange = from then to the chip's exit (the transfers at the links' shared rates)\n";
  if (!j["links"].empty()) {
    Table l({"link", "bytes sent", "bandwidth GB/s", "utilisation"});
    std::size_t shown = 0;
    for (const auto& x : j["links"]) {
      if (++shown > kLinksShown) break;
      l.add_row({x.value("name", std::to_string(x["link"].get<int>())), format_number(x["bytes"].get<double>()),
                 x.contains("bandwidth_Bps") ? format_number(x["bandwidth_Bps"].get<double>() / 1e9) : "-",
                 x.contains("utilisation") ? format_number(x["utilisation"].get<double>() * 100) + " %" : "-"});
    }
    out << "\nbusiest links (the sender's first link of each transfer; " << j["links"].size() << " used):\n"
        << l.render();
  }
  emit(a.output, out.str());
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
  add_output_options(summary, args->output, formats::json, {"the summary: per chip, overall, links", "", "", ""});
  summary->add_option("--plot", args->plot,
                      "Also draw FIG (.png or .svg): the per-rank timeline of one step and the links' utilisation");
  summary->add_option("--step", args->step, "--plot: the step drawn (default: the middle one of the steps with the most activities)")
      ->check(CLI::NonNegativeNumber);
  summary->callback([args, &result] { run_summary(*args, result); });
}

}  // namespace infersim::cli
