// Determinism (same inputs and seed: byte-identical results JSON, identical trace contents) and
// the trace's life cycle (complete flag, clean stop on SIGINT, summary that accounts for all time).
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>
#include <tuple>

#include "helpers.hpp"
#include "trace/trace.hpp"

using infersim::test::run_infersim;

namespace {
// Field by field: the structs have padding bytes, which memcmp would compare.
bool same(const infersim::ActivityRecord& a, const infersim::ActivityRecord& b) {
  return std::tie(a.start_s, a.end_s, a.chip, a.peer, a.chips_folded, a.kind, a.phase, a.tier, a.link, a.stage,
                  a.layer, a.step, a.batch, a.flop, a.bytes, a.weight_bytes, a.kv_bytes) ==
         std::tie(b.start_s, b.end_s, b.chip, b.peer, b.chips_folded, b.kind, b.phase, b.tier, b.link, b.stage,
                  b.layer, b.step, b.batch, b.flop, b.bytes, b.weight_bytes, b.kv_bytes);
}
bool same(const infersim::TraceRequestRecord& a, const infersim::TraceRequestRecord& b) {
  return std::tie(a.request, a.batch, a.arrival_s, a.prefill_start_s, a.first_token_s, a.end_s, a.prompt_tokens,
                  a.output_tokens) == std::tie(b.request, b.batch, b.arrival_s, b.prefill_start_s, b.first_token_s,
                                               b.end_s, b.prompt_tokens, b.output_tokens);
}
template <class T>
bool all_same(const std::vector<T>& x, const std::vector<T>& y) {
  if (x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (!same(x[i], y[i])) return false;
  return true;
}

std::string temp(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("infersim-des-" + std::to_string(getpid()) + "-" + name)).string();
}

void check_same_run(const std::string& args) {
  const std::string t1 = temp("a.h5"), t2 = temp("b.h5");
  const auto r1 = run_infersim(args + " --seed 7 --json --trace " + t1);
  const auto r2 = run_infersim(args + " --seed 7 --json --trace " + t2);
  REQUIRE(r1.exit_code == 0);
  REQUIRE(r2.exit_code == 0);
  CHECK(r1.out == r2.out);
  const auto a1 = infersim::read_activities(t1), a2 = infersim::read_activities(t2);
  REQUIRE(a1.size() == a2.size());
  CHECK(a1.size() > 0);
  CHECK(all_same(a1, a2));
  const auto q1 = infersim::read_requests(t1), q2 = infersim::read_requests(t2);
  REQUIRE(q1.size() == q2.size());
  CHECK(all_same(q1, q2));
  // Byte for byte too (sim/trace/README.md): no timestamp in any dataset, no padding bytes.
  auto bytes = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  const std::string b1 = bytes(t1), b2 = bytes(t2);
  CHECK(b1.size() > 0);
  CHECK(b1 == b2);
  std::printf("determinism: %s: %zu bytes of JSON, %zu activity records and %zu trace bytes identical\n",
              args.c_str(), r1.out.size(), a1.size(), b1.size());
  std::filesystem::remove(t1);
  std::filesystem::remove(t2);
}
}  // namespace

TEST_CASE("determinism: step detail, TP + MoE, static batches") {
  check_same_run("simulate --hw h100-sxm --model mixtral-8x7b --tp 2 --batch 4 --requests 8 --output-tokens 16");
}

TEST_CASE("determinism: pipelined micro-batches and layer detail") {
  check_same_run("simulate --hw h100-sxm --model llama-3.1-8b --tp 1 --pp 4 --batch 8 --micro-batches 4 "
                 "--requests 8 --output-tokens 8");
  check_same_run("simulate --hw h100-sxm --model mixtral-8x7b --tp 2 --batch 2 --requests 2 --output-tokens 4 "
                 "--detail layer");
}

TEST_CASE("trace: complete run is marked complete and its summary accounts for all the time") {
  const std::string t = temp("c.h5");
  const auto r = run_infersim("simulate --hw h100-sxm --model llama-3.1-70b --tp 8 --requests 2 --batch 1 "
                              "--output-tokens 32 --json --trace " + t);
  REQUIRE(r.exit_code == 0);
  const auto sum = infersim::summarize_trace(t);
  CHECK(sum["complete"].get<bool>());
  CHECK(sum["requests"].get<int>() == 2);
  const double end = sum["end_s"].get<double>();
  for (const auto& c : sum["chips"]) {
    const double total = c["weights_s"].get<double>() + c["kv_s"].get<double>() + c["compute_s"].get<double>() +
                         c["communication_s"].get<double>() + c["waiting_s"].get<double>();
    CHECK(total == doctest::Approx(end).epsilon(1e-9).scale(0));
  }
  // Memory-bound single-stream decode: weights dominate, then the all-reduces.
  CHECK(sum["overall"]["weights_share"].get<double>() > sum["overall"]["compute_share"].get<double>());
  std::filesystem::remove(t);
}

TEST_CASE("trace: SIGINT during simulate stops cleanly and leaves a valid file marked incomplete") {
  const std::string t = temp("int.h5");
  const pid_t pid = fork();
  if (pid == 0) {
    FILE* devnull = std::freopen("/dev/null", "w", stdout);
    (void)devnull;
    execl(INFERSIM_BINARY, "infersim", "simulate", "--hw", "h100-sxm", "--model", "llama-3.1-8b", "--requests",
          "1000000", "--output-tokens", "1000", "--trace", t.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  const auto sum = infersim::summarize_trace(t);
  CHECK_FALSE(sum["complete"].get<bool>());
  CHECK(sum["activities"].get<long long>() > 0);
  std::printf("SIGINT after 1.5 s: exit 130, trace valid, complete=0, %lld activities kept\n",
              sum["activities"].get<long long>());
  std::filesystem::remove(t);
}
