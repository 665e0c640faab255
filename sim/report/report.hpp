// Contract: audited-style benchmark reports of a suite (bench/suites/<id>.json, schema
// "infersim-suite/1", documented in bench/suites/README.md).
//
// run_report() evaluates every (hardware, workload) cell of the suite and writes results/<name>/:
// results.json and results.csv (one flat row per cell with the same fields, units in the names),
// report.md, report.html (self-contained: inline CSS, figures as data URIs), figures/ (PNG + SVG,
// drawn by scripts/figures.py with /usr/bin/python3 from results.json), and manifest.json (SHA-256 of
// every input, build commit, seeds, command line, calibration, SHA-256 of every output). Every
// output is written to a temporary file and renamed; manifest.json is written last, so a directory
// without it is not a finished report. SIGINT/SIGTERM stop the run before anything is written.
//
// Honesty rules, enforced here rather than left to the reader:
// - per-chip and per-deployment figures are separate fields and sit side by side in every table;
// - a deployment that cannot hold the model is reported as "does not fit: needs N chips" and has no
//   numbers (null in JSON, empty in CSV);
// - every figure carries the weakest provenance tag of its inputs; a cell resting on a vendor claim
//   is `unaudited`, and vendor-claims-only hardware (Etched Sohu) is kept out of the radar and drawn
//   apart in the bar charts;
// - every figure is low/mid/high: mid from the descriptors' values, low/high the 5th/95th percentiles
//   of a seeded Monte Carlo over their [low, high] ranges (triangular with the mode at the value),
//   widened to include mid. Serving-scenario figures are simulated at mid and take the relative
//   spread of the closed form's deployment throughput (stated in the report).
//
// verify_report() re-runs the suite recorded in a manifest into a scratch directory and compares
// every output byte for byte with the published one (and every input with its recorded hash).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace infersim::report {

struct ReportRequest {
  std::string suite = "default";  // an id (bench/suites/<id>.json) or a path
  std::string name;               // results/<name>/ (default: the suite's id)
  std::string out_dir = "results";
  int jobs = 0;                   // worker threads for the cells (0: all cores)
  bool progress = true;           // progress bar on stderr (only when it is a terminal)
  bool figures = true;            // run scripts/figures.py
  std::string self_binary;        // this infersim, to probe `infersim validate`
  std::vector<std::string> command_line;
};

struct ReportOutcome {
  std::string dir;
  bool interrupted = false;
  double wall_s = 0;
};
ReportOutcome run_report(const ReportRequest& request);

struct VerifyOutcome {
  bool identical = false;
  std::vector<std::string> differences;  // one line per file that differs, is missing or changed input
};
VerifyOutcome verify_report(const std::string& manifest_path, const std::string& self_binary, bool progress);

// Pieces with their own tests.
struct Range {
  double low = 0, mid = 0, high = 0;
};
// low/high: the q_low/q_high quantiles of `draws` (linear interpolation), widened to include mid.
Range summarize(std::vector<double> draws, double mid, double q_low, double q_high);
std::string resolve_suite_path(const std::string& id_or_path);
// The results document (no timestamps: the same suite and build give the same bytes).
nlohmann::json evaluate_suite(const std::string& suite_path, int jobs, bool progress);
std::string results_csv(const nlohmann::json& results);
std::string results_markdown(const nlohmann::json& results);

}  // namespace infersim::report
