// `infersim sweep GRID.json`: one child process per grid point, in parallel, resumable, shardable;
// `infersim sweep --merge DIR` joins the points into merged.csv / merged.json / merged.h5.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "descriptors/input_error.hpp"
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
};

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
    std::cout << "merged " << m.points << " points: " << a.merge << "/merged.csv, merged.json, merged.h5\n";
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
  cmd->add_option("--merge", args->merge, "Merge the finished points of this sweep directory")->excludes(grid);
  cmd->callback([args, &result] { run(*args, result); });
}

}  // namespace infersim::cli
