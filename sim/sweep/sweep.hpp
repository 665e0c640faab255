// Contract: parameter sweeps that scale out (grid schema "infersim-sweep/1", bench/sweeps/README.md).
//
// A grid is a cartesian product of scenario options (any `infersim project|serve|simulate` option,
// named without the leading dashes) over fixed ones. Points are numbered in row-major order of the
// axes as listed (the last axis varies fastest). Each point runs as its own child process (one
// SimGrid engine per process), `infersim <command> ... --json --out DIR/points/<index>.json`; the
// child writes its result atomically; a point is finished when its file is a whole result not marked
// "complete": false (an interrupted `simulate` writes such a partial result), and a resumed sweep
// skips only finished points: it removes and re-runs the others. `--shard i/N` runs the points whose index % N == i: N machines (a Slurm array) share a
// grid without talking to each other. merge() reads every point file in index order and writes
// DIR/merged.csv, DIR/merged.json and DIR/merged.h5 (one compound dataset "points"); it refuses,
// listing what is missing or partial, when any point is not finished, and its CSV/JSON depend only on the point
// files, never on how the grid was sharded or in which order points finished.
// SIGINT/SIGTERM: no new points start, running children get SIGTERM, nothing is merged; a rerun
// of the same command resumes.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace infersim::sweep {

struct Axis {
  std::string name;                  // option name without dashes: "hw", "batch", "weights"
  std::vector<nlohmann::json> values;
};

struct Grid {
  std::string file, id, command;                             // command: project, serve or simulate
  std::vector<std::pair<std::string, nlohmann::json>> fixed;  // options on every point
  std::vector<Axis> axes;
  long long size() const;
  // The option name/value pairs of point `index`, fixed options first, then the axes in order.
  std::vector<std::pair<std::string, std::string>> point(long long index) const;
};

// Points in one grid at most (a documented cap, tests/ROBUSTNESS.md): each is a child process.
constexpr long long kMaxGridPoints = 1'000'000;
// InputError naming the file and pointer: the checked reader; option names are checked, the ones
// that name outputs (json, out, trace, records) are refused; the id must be a safe name.
Grid load_grid(const std::string& path);

struct SweepRequest {
  std::string grid;
  std::string out_dir;        // default: sweeps/<grid id>
  int jobs = 0;               // children at once (0: all cores)
  long long shard_index = 0;  // --shard i/N
  long long shard_count = 1;
  std::string binary;         // the infersim to spawn
  bool progress = true;
};

struct SweepOutcome {
  std::string dir;
  long long total = 0, in_shard = 0, skipped = 0, ran = 0, failed = 0;
  bool interrupted = false;
  bool merged = false;
  std::vector<std::string> failures;  // "index: log path"
};
SweepOutcome run_sweep(const SweepRequest& request);

struct MergeOutcome {
  bool complete = false;
  long long points = 0;
  std::vector<long long> missing;
  std::vector<long long> incomplete;  // a point file marked "complete": false or unreadable
  // The merged table (complete only): the columns and one array of cells per row, as merged.json.
  std::vector<std::string> columns;
  nlohmann::json rows = nlohmann::json::array();
};
MergeOutcome merge(const std::string& dir);

}  // namespace infersim::sweep
