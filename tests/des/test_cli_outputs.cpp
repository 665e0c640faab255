// One set of output options on every command that prints a result (sim/cli/output_options.hpp):
// --json prints parseable JSON, --out FILE writes exactly what standard output would have carried
// (and prints nothing), --csv (where offered) is a header line and rows of as many fields, and two
// forms at once are refused with exit 2 and the same message everywhere, before anything runs. A
// form a command does not offer is refused too, never ignored. Small scenarios: the whole file runs
// in seconds.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "helpers.hpp"

namespace fs = std::filesystem;
using infersim::test::run_infersim;
using infersim::test::slurp;

namespace {


// A folder of this process's own: a small measurements file (two fixed-batch rows, one with a comma in
// a field) and a short DES trace, made on first use.
struct WorkDir {
  std::string path;
  WorkDir();
  ~WorkDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

WorkDir::WorkDir() : path((fs::temp_directory_path() / ("infersim-outputs-" + std::to_string(getpid()))).string()) {
  const std::string& d = path;
  fs::create_directories(d);
  std::ofstream(d + "/measurements.json") << R"({
 "schema": "infersim-measurements/1",
 "measurements": [
  {"id": "small-h100-8b-b8", "hardware": "h100-sxm", "chips": 1, "model": "llama-3.1-8b", "weights": "fp8",
   "workload": {"scenario": "fixed-batch", "batch": 8, "input_tokens": 128, "output_tokens": 128},
   "metric": "output_tok_s_per_chip", "value": 2000, "tag": "vendor-claim", "software": "TensorRT-LLM 0.6.1",
   "source": "a test row"},
  {"id": "small-h100-8b-b32", "hardware": "h100-sxm", "chips": 1, "model": "llama-3.1-8b", "weights": "fp8",
   "workload": {"scenario": "fixed-batch", "batch": 32, "input_tokens": 128, "output_tokens": 128},
   "metric": "output_tok_s_per_chip", "value": 5000, "tag": "vendor-claim", "software": "TensorRT-LLM 0.6.1, CUDA 12",
   "source": "a test row"}
 ]
})";
  const auto t = run_infersim("simulate --hw h100-sxm --model llama-3.1-8b --requests 1 --output-tokens 4 --trace " +
                              d + "/run.h5 > /dev/null");
  CHECK(t.exit_code == 0);
}

const std::string& work_dir() {
  static const WorkDir dir;
  return dir.path;
}

struct Command {
  std::string args;  // what follows `infersim`; may name work_dir() as @
  bool csv;          // --csv offered (the result is a table)
  std::string other_form = "";  // a third form besides --json and --csv (--dot, --markdown)
};

// Every command that prints a result, at a small size. report, sweep and calibrate's --out-dir write
// folders of files and are not here.
const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"hw list", true},
      {"hw show h100-sxm", false},
      {"model list", true},
      {"model show llama-3.1-8b", false},
      {"project --hw h100-sxm,b200 --model llama-3.1-8b", true},
      {"compare --hw h100-sxm --model llama-3.1-8b --vs hw=b200", true},
      {"serve --model llama-3.1-8b --workload chat --requests 20", false},
      {"pareto --model llama-3.1-8b --workload chat --requests 20 --points 2 --rate-max 2", true},
      {"simulate --hw h100-sxm --model llama-3.1-8b --requests 1 --output-tokens 4", false},
      {"validate --measurements @/measurements.json", true},
      {"calibrate --measurements @/measurements.json --max-evaluations 5 --holdout none", false},
      {"sensitivity --hw h100-sxm --model llama-3.1-8b", true},
      {"straggler --hw h200 --weights fp8 --ep 8 --batch 64 --draws 2", true},
      {"audit --no-registry", false},
      {"registry lint", false},
      {"registry stale --today 2026-01-01", false},
      {"registry graph", false, "--dot"},
      {"registry taxonomy", false},
      {"registry quantify B4 --small", false, "--markdown"},
      {"trace summary @/run.h5", false},
  };
  return list;
}

std::string expand(const std::string& args) {
  std::string s = args;
  for (std::size_t at; (at = s.find('@')) != std::string::npos;) s.replace(at, 1, work_dir());
  return s;
}

// Fields of one CSV line (RFC 4180: a quoted field may hold commas and doubled quotes).
std::size_t csv_fields(const std::string& line) {
  std::size_t n = 1;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    else if (c == ',' && !quoted) ++n;
  }
  return n;
}

// The one message for two forms at once; `a` and `b` in the order the command registers them.
std::string exclusive_message(const std::string& a, const std::string& b) {
  return "infersim: error: " + a + ", " + b + ": (output options): exclusive: give at most one of " + a + " or " + b +
         " (without any, the command prints text)\n";
}

}  // namespace

TEST_CASE("outputs: --json prints parseable JSON on every command that prints a result") {
  for (const auto& c : commands()) {
    CAPTURE(c.args);
    const auto text = run_infersim(expand(c.args) + " 2>/dev/null");
    const auto json = run_infersim(expand(c.args) + " --json 2>/dev/null");
    CHECK((text.exit_code == 0 || text.exit_code == 1));  // 1: lint's and quantify's findings
    CHECK(json.exit_code == text.exit_code);
    CHECK(json.out != text.out);
    nlohmann::json j;
    CHECK_NOTHROW(j = nlohmann::json::parse(json.out));
    CHECK((j.is_object() || j.is_array()));
    CHECK(!j.empty());
  }
  // The browse commands' JSON: ids with names, and the descriptor as read.
  const auto hw = nlohmann::json::parse(run_infersim("hw list --json").out);
  REQUIRE(hw.is_array());
  const std::string ids = run_infersim("hw list").out;
  CHECK(hw.size() == static_cast<std::size_t>(std::count(ids.begin(), ids.end(), '\n')));  // one per id
  bool h100 = false;
  for (const auto& e : hw) h100 = h100 || (e["id"] == "h100-sxm" && !e["name"].get<std::string>().empty());
  CHECK(h100);
  const auto show = nlohmann::json::parse(run_infersim("model show llama-3.1-8b --json").out);
  CHECK(show["id"] == "llama-3.1-8b");
  CHECK(show["descriptor"].is_object());
  CHECK(show["derived"]["total_params"].get<double>() > 7e9);
}

TEST_CASE("outputs: --out FILE writes the bytes standard output would carry, atomically, and prints nothing") {
  const std::string dir = work_dir();
  int n = 0;
  for (const auto& c : commands()) {
    for (const std::string form : {"", " --json"}) {
      CAPTURE(c.args + form);
      const std::string file = dir + "/out-" + std::to_string(++n) + ".txt";
      const auto printed = run_infersim(expand(c.args) + form + " 2>/dev/null");
      const auto written = run_infersim(expand(c.args) + form + " --out " + file + " 2>/dev/null");
      CHECK(written.exit_code == printed.exit_code);
      CHECK(written.out.empty());
      REQUIRE(fs::exists(file));
      CHECK(slurp(file) == printed.out);
      CHECK(!printed.out.empty());
    }
  }
  // Nothing but the results is left: no temporary file beside them.
  for (const auto& e : fs::directory_iterator(dir))
    CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
}

TEST_CASE("outputs: two forms at once exit 2 with the same message on every command, before anything runs") {
  for (const auto& c : commands()) {
    CAPTURE(c.args);
    const auto r = run_infersim(expand(c.args) + " --json --csv 2>&1");
    CHECK(r.exit_code == 2);
    if (c.csv) CHECK(r.out == exclusive_message("--json", "--csv"));
    else CHECK(r.out.find("--csv") != std::string::npos);  // not offered: refused by name, not ignored
    if (!c.other_form.empty()) {
      const auto o = run_infersim(expand(c.args) + " " + c.other_form + " --json 2>&1");  // either order
      CHECK(o.exit_code == 2);
      CHECK(o.out == exclusive_message("--json", c.other_form));
    }
  }
  // Parsed before the command runs: validate's own check (one of --internal or --measurements) is not reached.
  const auto v = run_infersim("validate --csv --json 2>&1");
  CHECK(v.exit_code == 2);
  CHECK(v.out == exclusive_message("--json", "--csv"));
  // One spelling: the older `registry graph --format` is gone (CLI11 refuses it, exit 2).
  CHECK(run_infersim("registry graph --format json 2>&1").exit_code == 2);
  const auto g = run_infersim("registry graph --dot --json 2>&1");
  CHECK(g.exit_code == 2);
  CHECK(g.out == exclusive_message("--json", "--dot"));
  CHECK(run_infersim("registry graph --dot").out.find("\ndigraph registry {") != std::string::npos);
}

TEST_CASE("outputs: --csv, where offered, is a header line and rows of as many fields") {
  for (const auto& c : commands()) {
    if (!c.csv) continue;
    CAPTURE(c.args);
    const auto r = run_infersim(expand(c.args) + " --csv 2>/dev/null");
    CHECK(r.exit_code == 0);
    std::istringstream in(r.out);
    std::string header, line;
    REQUIRE(std::getline(in, header));
    // A header: names, no numbers or spaces.
    CHECK(header.find_first_not_of("abcdefghijklmnopqrstuvwxyz_0123456789,ABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
          std::string::npos);
    CHECK(csv_fields(header) >= 2);
    int rows = 0;
    while (std::getline(in, line)) {
      ++rows;
      CAPTURE(line);
      CHECK(csv_fields(line) == csv_fields(header));
    }
    CHECK(rows >= 1);
  }
}
