// `infersim sweep GRID.json`: one child process per grid point, in parallel, resumable, shardable;
// `infersim sweep --merge DIR` joins the points into merged.csv / merged.json / merged.h5.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/figure.hpp"
#include "descriptors/input_error.hpp"
#include "format/format.hpp"
#include "interrupt/interrupt.hpp"
#include "report/util.hpp"
#include "sweep/sweep.hpp"

namespace infersim::cli {

namespace {
struct SweepArgs {
  sweep::SweepRequest request;
  std::string shard;
  std::string merge;
  bool no_progress = false;
  std::vector<std::string> columns;
  std::string plot, x, y, series;
};

// The merged table's summary: the axes and a few result columns (--columns to choose), at most
// kSummaryRows rows (the files hold them all).
constexpr size_t kSummaryRows = 40;
const std::vector<std::string> kSummaryPreferred = {
    "fits", "chips", "decode_tok_s_per_stream", "decode_tok_s_per_chip", "output_tok_s_per_chip",
    "ttft_s", "ttft_s.p99", "tpot_s.p99", "energy_J_per_token", "usd_per_mtok", "goodput_req_s"};

std::string not_a_column(const std::string& name, const std::vector<std::string>& columns) {
  const std::string near = closest_match(name, columns);
  return "not a column of the merged table" + (near.empty() ? "" : " (did you mean " + near + "?)") +
         "; columns: " + join_alternatives(columns);
}

std::string cell_text(const nlohmann::json& v) {
  if (v.is_null()) return "-";
  if (v.is_number_float()) return format_number(v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

void print_summary(const sweep::MergeOutcome& m, const std::vector<std::string>& chosen) {
  std::vector<size_t> show;
  auto index_of = [&](const std::string& name) -> long long {
    for (size_t c = 0; c < m.columns.size(); ++c)
      if (m.columns[c] == name) return static_cast<long long>(c);
    return -1;
  };
  if (!chosen.empty()) {
    for (const auto& name : chosen) {
      const long long c = index_of(name);
      if (c < 0)
        throw InputError("--columns", name, not_a_column(name, m.columns));
      show.push_back(static_cast<size_t>(c));
    }
  } else {
    for (size_t c = 0; c < m.columns.size(); ++c)
      if (m.columns[c].rfind("axis.", 0) == 0) show.push_back(c);
    size_t extra = 0;
    for (const auto& name : kSummaryPreferred)
      if (const long long c = index_of(name); c >= 0 && extra < 6) {
        show.push_back(static_cast<size_t>(c));
        ++extra;
      }
  }
  std::vector<std::string> header;
  for (size_t c : show) header.push_back(m.columns[c].rfind("axis.", 0) == 0 ? m.columns[c].substr(5) : m.columns[c]);
  Table t(header);
  for (size_t r = 0; r < m.rows.size() && r < kSummaryRows; ++r) {
    std::vector<std::string> cells;
    for (size_t c : show) cells.push_back(cell_text(m.rows[r][c]));
    t.add_row(cells);
  }
  std::cout << t.render();
  if (m.rows.size() > kSummaryRows)
    std::cout << "  ... " << m.rows.size() - kSummaryRows << " more rows in merged.csv\n";
}

void plot_merged(const SweepArgs& a, const sweep::MergeOutcome& m, const std::string& grid) {
  for (const auto& [flag, name] : {std::pair<const char*, std::string>{"--x", a.x}, {"--y", a.y}, {"--series", a.series}}) {
    if (name.empty()) {
      if (std::string(flag) == "--series") continue;
      throw InputError(flag, "", std::string("--plot needs ") + flag + " (a column of the merged table)");
    }
    if (std::find(m.columns.begin(), m.columns.end(), name) == m.columns.end())
      throw InputError(flag, name, not_a_column(name, m.columns));
  }
  nlohmann::json data = {{"grid", grid}, {"x", a.x}, {"y", a.y}, {"series", a.series}, {"columns", m.columns},
                         {"rows", m.rows}};
  draw_figure("sweep_figure.py", a.plot, data);
}

void print_missing(const sweep::MergeOutcome& m) {
  std::cerr << "infersim: sweep not complete: " << m.missing.size() << " point(s) missing";
  if (!m.missing.empty()) {
    std::cerr << " (first:";
    for (size_t i = 0; i < m.missing.size() && i < 10; ++i) std::cerr << " " << m.missing[i];
    std::cerr << ")";
  }
  if (!m.incomplete.empty()) {
    std::cerr << ", " << m.incomplete.size() << " partial (\"complete\": false; first:";
    for (size_t i = 0; i < m.incomplete.size() && i < 10; ++i) std::cerr << " " << m.incomplete[i];
    std::cerr << ")";
  }
  std::cerr << "; nothing merged (run the sweep again to finish them)\n";
}

void run(SweepArgs& a, CommandResult& result) {
  if (!a.merge.empty()) {
    sweep::MergeOutcome m = sweep::merge(a.merge);
    if (!m.complete) {
      print_missing(m);
      result.exit_code = 1;
      return;
    }
    print_summary(m, a.columns);
    std::cout << "merged " << m.points << " points: " << a.merge << "/merged.csv, merged.json, merged.h5\n";
    if (!a.plot.empty()) {
      plot_merged(a, m, a.merge);
      std::cout << "figure: " << a.plot << "\n";
    }
    result.exit_code = 0;
    return;
  }
  if (a.request.grid.empty()) throw InputError("GRID", "", "a grid file is required (or --merge DIR)");
  if (!a.shard.empty()) {
    long long i = -1, n = 0;
    char slash = 0;
    std::istringstream in(a.shard);
    if (!(in >> i >> slash >> n) || slash != '/' || n < 1 || i < 0 || i >= n || !in.eof())
      throw InputError("--shard", a.shard, "expected i/N with 0 <= i < N (Slurm: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT)");
    a.request.shard_index = i;
    a.request.shard_count = n;
  }
  a.request.progress = !a.no_progress;
  sweep::SweepOutcome o = sweep::run_sweep(a.request);
  std::cout << "sweep " << o.dir << ": " << o.total << " points in the grid, " << o.in_shard << " in this shard ("
            << a.request.shard_index << "/" << a.request.shard_count << "): " << o.skipped << " already finished, "
            << o.ran << " run, " << o.failed << " failed\n";
  for (const auto& f : o.failures) std::cout << "  failed point " << f << "\n";
  if (o.interrupted) {
    std::cerr << "infersim: sweep interrupted (signal " << stop_signal()
              << "): finished points kept, nothing merged; run the same command again to resume\n";
    result.exit_code = kExitInterrupted;
    return;
  }
  if (o.failed > 0) { result.exit_code = 1; return; }
  if (o.merged) std::cout << "merged: " << o.dir << "/merged.csv, merged.json, merged.h5\n";
  else if (a.request.shard_count > 1)
    std::cout << "shard done; when every shard has finished: infersim sweep --merge " << o.dir << "\n";
  result.exit_code = 0;
}
}  // namespace

void register_sweep_command(CLI::App& app, CommandResult& result, int, char**) {
  auto args = std::make_shared<SweepArgs>();
  args->request.binary = "/proc/self/exe";
  auto* cmd = app.add_subcommand(
      "sweep",
      "Run a grid (JSON: a cartesian product of scenario options) as one child process per point, in\n"
      "parallel, resumable (finished points are skipped), shardable over machines (--shard i/N), merged into\n"
      "one CSV / JSON / HDF5 table. Example: infersim sweep bench/sweeps/example.json --jobs 2");
  auto* grid = cmd->add_option("grid", args->request.grid, "Grid file (schema infersim-sweep/1)");
  cmd->add_option("--out-dir", args->request.out_dir, "Sweep directory (default: sweeps/<grid id>)");
  cmd->add_option("--jobs", args->request.jobs, "Child processes at once (default: all cores)");
  cmd->add_option("--shard", args->shard, "Run only the points with index % N == i (i/N)");
  cmd->add_flag("--no-progress", args->no_progress, "No progress bar");
  auto* merge = cmd->add_option("--merge", args->merge, "Merge the finished points of this sweep directory (prints a summary table)")->excludes(grid);
  cmd->add_option("--columns", args->columns, "--merge: the summary's columns (comma-separated; default: the axes and a few results)")
      ->delimiter(',')->needs(merge);
  auto* plot = cmd->add_option("--plot", args->plot, "--merge: draw --y against --x (.png or .svg), one line per --series value")->needs(merge);
  cmd->add_option("--x", args->x, "--plot: the x column (e.g. axis.batch)")->needs(plot);
  cmd->add_option("--y", args->y, "--plot: the y column (e.g. decode_tok_s_per_chip)")->needs(plot);
  cmd->add_option("--series", args->series, "--plot: one line per value of this column (e.g. axis.hw)")->needs(plot);
  cmd->callback([args, &result] { run(*args, result); });
}

}  // namespace infersim::cli
