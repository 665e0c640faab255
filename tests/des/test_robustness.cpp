// Interrupted runs and failing output (tests/ROBUSTNESS.md): whatever happens, no file claims to be
// complete when it is not. A signal stops `simulate` cleanly (exit 130, the results so far written
// with "complete": false, the trace valid and marked incomplete); an unwritable --out or a full disk
// is exit 3 naming the path, with nothing left behind.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "helpers.hpp"
#include "trace/trace.hpp"

namespace fs = std::filesystem;

namespace {
std::string temp(const std::string& name) {
  return (fs::temp_directory_path() / ("infersim-robust-" + std::to_string(getpid()) + "-" + name)).string();
}

using infersim::test::slurp;

// A simulate run long enough to be interrupted (10^6 requests of 1000 tokens, one at a time), started with `extra` arguments.
pid_t start_long_simulate(const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"infersim", "simulate", "--hw", "h100-sxm", "--model", "llama-3.1-8b",
                                   "--requests", "1000000", "--output-tokens", "1000"};
  args.insert(args.end(), extra.begin(), extra.end());
  const pid_t pid = fork();
  if (pid == 0) {
    FILE* devnull = std::freopen("/dev/null", "w", stdout);
    (void)devnull;
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(INFERSIM_BINARY, argv.data());
    _exit(127);
  }
  return pid;
}

// Waits until the run is past its start-up (the trace's temporary file exists and has grown: steps
// are running, the stop handler is installed), so that the test does not depend on how fast the
// machine is. The trace is written under "<path>.tmp-<pid>" and installed at the end (format.hpp).
void wait_until_stepping(const std::string& trace, pid_t pid) {
  const std::string growing = trace + ".tmp-" + std::to_string(pid);
  for (int i = 0; i < 600; ++i) {
    std::error_code ec;
    if (fs::exists(growing, ec) && fs::file_size(growing, ec) > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}
}  // namespace

TEST_CASE("interrupt: SIGTERM during simulate --json --out writes partial results marked \"complete\": false") {
  const std::string t = temp("term.h5"), out = temp("term.json");
  const pid_t pid = start_long_simulate({"--json", "--out", out, "--trace", t});
  wait_until_stepping(t, pid);
  kill(pid, SIGTERM);
  CHECK(wait_exit(pid) == 130);
  const auto j = nlohmann::json::parse(slurp(out));
  CHECK(j["complete"].get<bool>() == false);
  CHECK(j["des"]["stopped_early"].get<bool>() == true);
  CHECK(j["des"]["steps"].get<long long>() > 0);
  const auto sum = infersim::summarize_trace(t);
  CHECK_FALSE(sum["complete"].get<bool>());
  std::printf("SIGTERM: exit 130, --out has complete=false after %lld steps, trace marked incomplete\n",
              j["des"]["steps"].get<long long>());
  fs::remove(t);
  fs::remove(out);
}

TEST_CASE("interrupt: SIGINT during simulate --out (text) says PARTIAL RESULTS") {
  const std::string t = temp("int.h5"), out = temp("int.txt");
  const pid_t pid = start_long_simulate({"--out", out, "--trace", t});
  wait_until_stepping(t, pid);
  kill(pid, SIGINT);
  CHECK(wait_exit(pid) == 130);
  CHECK(slurp(out).rfind("PARTIAL RESULTS", 0) == 0);
  fs::remove(t);
  fs::remove(out);
}

TEST_CASE("interrupt: a second signal ends a run at once, and no --out file claims completeness") {
  // Two SIGTERMs right after start: the second ends the process even before the first step (during
  // the platform build or calibration, where the first is not yet seen). Either way there is no
  // output file, or one that says "complete": false.
  const std::string out = temp("twice.json");
  const pid_t pid = start_long_simulate({"--json", "--out", out});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(pid, SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  kill(pid, SIGTERM);
  const int code = wait_exit(pid);
  CHECK((code == 130 || code == -SIGTERM));
  if (fs::exists(out)) CHECK(nlohmann::json::parse(slurp(out))["complete"].get<bool>() == false);
  std::printf("two SIGTERMs: exit %d, --out %s\n", code, fs::exists(out) ? "complete=false" : "not written");
  fs::remove(out);
}

TEST_CASE("output: --out into a missing directory or onto /dev/full is exit 3 naming the path") {
  using infersim::test::run_infersim;
  const std::string missing = temp("no-such-dir") + "/result.json";
  for (const std::string cmd : {"project --hw h100-sxm --model llama-3.1-8b --json --out ",
                                "simulate --hw h100-sxm --model llama-3.1-8b --requests 1 --output-tokens 2 --out ",
                                "serve --model llama-3.1-8b --workload chat --requests 4 --out ",
                                "registry graph --out "}) {
    const auto r1 = run_infersim(cmd + missing + " 2>&1");
    CHECK(r1.exit_code == 3);
    CHECK(r1.out.find(missing) != std::string::npos);
    CHECK_FALSE(fs::exists(fs::path(missing).parent_path()));
    const auto r2 = run_infersim(cmd + "/dev/full 2>&1");
    CHECK(r2.exit_code == 3);
    CHECK(r2.out.find("'/dev/full'") != std::string::npos);
    CHECK(r2.out.find("No space left on device") != std::string::npos);
    std::printf("%s: exit %d / %d\n", cmd.c_str(), r1.exit_code, r2.exit_code);
  }
  // /dev/full must still be the device: written in place, never renamed over.
  struct stat st {};
  REQUIRE(stat("/dev/full", &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
}

TEST_CASE("interrupt: SIGTERM during a long straggler study keeps the points reached, marked by their draws, exit 130") {
  // 100,000 Zipf draws of 100,000 tokens each: hours of work, stopped after a second and a half.
  const std::string out = temp("straggler.json");
  std::vector<std::string> args = {"infersim", "straggler", "--hw", "h200", "--weights", "fp8", "--kv", "fp8",
                                   "--prompt-tokens", "16", "--output-tokens", "16", "--batch", "100000",
                                   "--routing", "zipf:1.2", "--ep", "64", "--draws", "100000", "--json", "--out", out};
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(INFERSIM_BINARY, argv.data());
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  kill(pid, SIGTERM);
  CHECK(wait_exit(pid) == 130);
  const auto j = nlohmann::json::parse(slurp(out));
  REQUIRE(j["points"].size() == 1);
  const long long draws = j["points"][0]["draws"].get<long long>();
  CHECK(draws > 0);
  CHECK(draws < 100000);
  fs::remove(out);
}
