// run_report(): evaluate, write every output atomically, draw the figures, stamp the manifest last;
// verify_report(): re-run from a manifest and compare byte for byte.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <csignal>
#include <cerrno>
#include <unistd.h>

#include "descriptors/catalog.hpp"
#include "descriptors/input_error.hpp"
#include "descriptors/json_reader.hpp"
#include "format/format.hpp"
#include "report/manifest.hpp"
#include "report/render.hpp"
#include "costmodel/calibration.hpp"
#include "report/report.hpp"
#include "report/suite.hpp"
#include "interrupt/interrupt.hpp"
#include "report/util.hpp"
#include "serving/workload.hpp"
#include "version/version.hpp"

namespace infersim::report {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
constexpr const char* kPython = "/usr/bin/python3";  // Debian's, with matplotlib and numpy
const std::vector<std::string> kFigures = {"fig1_radar", "fig2_usd_per_mtok", "fig3_J_per_token", "fig4_pareto",
                                           "fig5_validation"};

// Paths inside the source tree are recorded relative to it, so a manifest is valid in any checkout.
std::string display_path(const std::string& p) {
  std::error_code ec;
  const fs::path abs = fs::weakly_canonical(fs::absolute(p), ec);
  const fs::path src = fs::weakly_canonical(fs::path(data_dir()), ec);
  const std::string a = abs.string(), s = src.string() + "/";
  if (a.compare(0, s.size(), s) == 0) return a.substr(s.size());
  return a;
}

json validation_section(const Suite& suite, const std::string& self, const std::string& dir) {
  json v;
  v["available"] = false;
  v["note"] = "validation not available in this build";
  if (suite.validation_measurements.empty()) {
    v["note"] = "the suite names no measurements";
    return v;
  }
  const std::string measurements = locate(suite.validation_measurements);
  v["measurements"] = suite.validation_measurements;
  const std::string out = dir + "/.validate-" + std::to_string(getpid()) + ".json";
  // `infersim validate --help` prints the subcommand's own usage only when it exists (an unknown
  // subcommand falls back to the root's help, which exits 0 too).
  if (self.empty() || run_process({self, "validate", "--help"}, out, true) != 0 ||
      read_input_file(out).find("validate [OPTIONS]") == std::string::npos) {
    fs::remove(out);
    return v;
  }
  // With the suite's own calibration, so that the section checks the model the tables ran (with
  // `ideal` it showed the roofline 2-64x optimistic beside tables that use the fitted families).
  const int rc = run_process({self, "validate", "--measurements", measurements, "--calibration", suite.calibration, "--json"},
                             out, true);
  try {
    if (rc == 0) {
      v["result"] = json::parse(read_input_file(out));
      // The file as the suite names it, not as this directory resolved it: a re-run from
      // elsewhere (report --verify from another folder) writes the same bytes.
      if (v["result"].is_object() && v["result"].contains("measurements_file"))
        v["result"]["measurements_file"] = suite.validation_measurements;
      v["available"] = true;
      v["note"] = "infersim validate --measurements " + suite.validation_measurements + " --calibration " +
                  suite.calibration + " --json (exit 0)";
    } else {
      v["note"] = "infersim validate failed (exit " + std::to_string(rc) + ")";
    }
  } catch (const std::exception& e) {
    v["note"] = std::string("infersim validate output unreadable: ") + e.what();
  }
  fs::remove(out);
  return v;
}

// The versions of what draws the figures (Python, matplotlib, NumPy): a figure's bytes depend on
// them, so a --verify on another machine can say why figures differ. "unknown" when not found.
std::string figure_tool_versions(const std::string& dir) {
  const std::string out = dir + "/.versions-" + std::to_string(getpid()) + ".txt";
  const int rc = run_process({kPython, "-c",
                              "import sys, matplotlib, numpy; "
                              "print('python %d.%d.%d, matplotlib %s, numpy %s' % (sys.version_info[:3] + "
                              "(matplotlib.__version__, numpy.__version__)))"},
                             out, true);
  std::string v = "unknown";
  if (rc == 0) {
    v = read_input_file(out);
    while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
  }
  fs::remove(out);
  return v;
}

json input_hashes(const Suite& suite, const std::string& suite_path) {
  std::set<std::string> paths;
  paths.insert(suite_path);
  for (const auto& hw : suite.hardware) paths.insert(resolve_descriptor("hardware", hw));
  for (const auto& w : suite.workloads) {
    paths.insert(resolve_descriptor("models", w.model));
    WorkloadSpec spec = load_workload(w.serving_workload);
    paths.insert(spec.file);
  }
  paths.insert(data_dir() + "/scripts/figures.py");
  if (!suite.validation_measurements.empty() && fs::exists(locate(suite.validation_measurements)))
    paths.insert(locate(suite.validation_measurements));
  if (!suite.accuracy.empty()) paths.insert(locate(suite.accuracy));
  // The calibration files every platform ran with (auto: each platform's family; a bundled id).
  for (const auto& hw : suite.hardware) {
    const Calibration c = suite.calibration == "auto" ? auto_calibration_for_hardware(hw) : load_calibration(suite.calibration);
    if (!c.file.empty()) paths.insert(c.file);
  }
  std::map<std::string, std::string> sorted;
  for (const auto& p : paths) sorted[display_path(p)] = sha256_file(p);
  json a = json::array();
  for (const auto& [p, h] : sorted) a.push_back({{"path", p}, {"sha256", h}});
  return a;
}

std::vector<std::string> output_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const char* f : {"results.json", "results.csv", "report.md", "report.html"})
    if (fs::exists(dir + "/" + f)) out.push_back(f);
  if (fs::exists(dir + "/figures"))
    for (const auto& e : fs::directory_iterator(dir + "/figures"))
      if (e.is_regular_file() && e.path().filename().string().find(".tmp") == std::string::npos)
        out.push_back("figures/" + e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

ReportOutcome run_report(const ReportRequest& rq) {
  const auto t0 = std::chrono::steady_clock::now();
  ReportOutcome outcome;
  const std::string suite_path = resolve_suite_path(rq.suite);
  const Suite suite = load_suite(suite_path);
  // The report folder is <out-dir>/<name>: neither may send it elsewhere ("" would mean "/<name>").
  if (rq.out_dir.empty()) throw InputError("--out-dir", "(empty)", "expected a folder name, found an empty string");
  const std::string name = rq.name.empty() ? suite.id : rq.name;
  require_safe_name("--name", name, name);
  const std::string dir = rq.out_dir + "/" + name;
  outcome.dir = dir;
  fs::create_directories(dir + "/figures");
  fs::remove(dir + "/manifest.json");  // from here on the directory does not claim to be a finished report

  json results;
  try {
    results = evaluate_suite(suite_path, rq.jobs, rq.progress);
  } catch (const std::runtime_error& e) {
    if (stop_requested()) { outcome.interrupted = true; return outcome; }
    throw;
  }
  results["validation"] = validation_section(suite, rq.self_binary, dir);
  if (stop_requested()) { outcome.interrupted = true; return outcome; }
  write_file_atomically(dir + "/results.json", results.dump(1) + "\n");
  write_file_atomically(dir + "/results.csv", results_csv(results));
  write_file_atomically(dir + "/report.md", results_markdown(results));

  std::map<std::string, std::string> svgs;
  json figures_status = "not drawn (--no-figures)";
  if (rq.figures) {
    for (const auto& f : kFigures) {  // stale figures of an earlier run must not survive
      fs::remove(dir + "/figures/" + f + ".png");
      fs::remove(dir + "/figures/" + f + ".svg");
    }
    const int rc = run_process({kPython, data_dir() + "/scripts/figures.py", dir + "/results.json",
                                dir + "/figures"}, "", false);
    if (stop_requested()) { outcome.interrupted = true; return outcome; }
    figures_status = rc == 0 ? json("drawn by scripts/figures.py") : json("scripts/figures.py failed (exit " + std::to_string(rc) + ")");
    for (const auto& f : kFigures) {
      const std::string p = dir + "/figures/" + f + ".svg";
      if (fs::exists(p)) svgs[f] = base64(read_input_file(p));
    }
  }
  write_file_atomically(dir + "/report.html", results_html(results, svgs));

  json m;
  m["schema"] = "infersim-manifest/1";
  m["name"] = name;
  m["suite"] = {{"id", suite.id}, {"path", display_path(suite_path)}, {"sha256", sha256_file(suite_path)}};
  m["inputs"] = input_hashes(suite, suite_path);
  m["build"] = {{"infersim_version", version()},
                {"git_commit", build_commit()},
                {"git_commit_full", build_commit_full()},
                {"git_dirty", build_dirty()}};
  m["tools"] = {{"figures", std::string(kPython) + " scripts/figures.py"},
                {"figures_status", figures_status},
                {"figure_tool_versions", rq.figures ? figure_tool_versions(dir) : std::string("not used (--no-figures)")}};
  m["seeds"] = {{"monte_carlo", suite.mc.seed}, {"serving", suite.serving_seed}};
  m["command_line"] = rq.command_line;
  m["options"] = {{"suite", display_path(suite_path)}, {"name", name}, {"figures", rq.figures}};
  m["calibration"] = suite.calibration == "ideal"
                         ? json{{"name", "ideal"}, {"note", "pure roofline: peak FLOP/s and bandwidth, no software overheads"}}
                         : json{{"name", suite.calibration},
                                {"note", suite.calibration == "auto"
                                             ? "each platform's fitted software family (hardware/calibration/), named in its rows"
                                             : "one calibration for every platform"}};
  m["validation"] = results["validation"].contains("measurements") ? results["validation"]["measurements"] : json(nullptr);
  json outs = json::array();
  for (const auto& f : output_files(dir)) outs.push_back({{"path", f}, {"sha256", sha256_file(dir + "/" + f)}});
  m["outputs"] = outs;
  outcome.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  m["wall_time_s"] = outcome.wall_s;
  m["wall_time_note"] = "informational; the only field that changes between identical runs; --verify ignores it";
  write_file_atomically(dir + "/manifest.json", m.dump(2) + "\n");
  return outcome;
}

namespace {
// Scratch folders of earlier verifications killed outright (SIGKILL) are removed when their
// process is gone.
void remove_stale_scratch(const std::string& dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(".verify-", 0) != 0) continue;
    const std::string digits = name.substr(8);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(digits));
    if (pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH) fs::remove_all(it->path(), ec);
  }
}
}  // namespace

VerifyOutcome verify_report(const std::string& manifest_path, const std::string& self_binary, bool progress) {
  VerifyOutcome v;
  const Manifest m = read_manifest(manifest_path);
  const std::string dir = fs::path(manifest_path).parent_path().string().empty()
                              ? std::string(".") : fs::path(manifest_path).parent_path().string();
  if (m.git_commit != build_commit())
    std::cerr << "infersim: note: the report was built by " << m.git_commit << ", this binary is " << build_commit()
              << "\n";
  if (m.git_dirty)
    std::cerr << "infersim: note: the report was built from a tree with uncommitted changes (commit "
              << (m.git_commit_full.empty() ? m.git_commit : m.git_commit_full)
              << " plus edits): that commit alone may not reproduce it\n";
  for (const auto& in : m.inputs) {
    const std::string p = locate(in.path);
    if (!fs::exists(p)) v.differences.push_back("input " + in.path + ": missing");
    else if (sha256_file(p) != in.sha256)
      v.differences.push_back("input " + in.path + ": changed since the report");
  }
  remove_stale_scratch(dir);
  const std::string scratch = dir + "/.verify-" + std::to_string(getpid());
  ReportRequest rq;
  rq.suite = locate(m.suite);
  rq.name = "rerun";
  rq.out_dir = scratch;
  rq.figures = m.figures;
  rq.progress = progress;
  rq.self_binary = self_binary;
  rq.command_line = m.command_line;
  ReportOutcome o = run_report(rq);
  if (m.figures && !m.figure_tool_versions.empty() && !o.interrupted) {
    const std::string here = figure_tool_versions(dir);
    if (here != m.figure_tool_versions)
      std::cerr << "infersim: note: the figures were drawn with " << m.figure_tool_versions << "; here: " << here
                << " (figure files may differ for that reason alone)\n";
  }
  if (o.interrupted) {
    fs::remove_all(scratch);
    v.differences.push_back("interrupted before the re-run finished");
    return v;
  }
  std::set<std::string> seen;
  for (const auto& out : m.outputs) {
    const std::string& f = out.path;
    seen.insert(f);
    const std::string pub = dir + "/" + f, re = o.dir + "/" + f;
    if (!fs::exists(pub)) { v.differences.push_back(f + ": missing from the published report"); continue; }
    const std::string h = sha256_file(pub);
    if (h != out.sha256) v.differences.push_back(f + ": edited after the manifest was written");
    if (!fs::exists(re)) v.differences.push_back(f + ": not produced by the re-run");
    else if (sha256_file(re) != h) v.differences.push_back(f + ": differs from the re-run");
  }
  for (const auto& f : output_files(o.dir))
    if (!seen.count(f)) v.differences.push_back(f + ": produced by the re-run but not in the manifest");
  fs::remove_all(scratch);
  v.identical = v.differences.empty();
  return v;
}

}  // namespace infersim::report
