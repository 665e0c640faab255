// Fidelity of the event-driven time advance: `--detail event` (folded steps costed in advance, one
// engine activity per stretch between events) must give the results of `--detail step` (every step
// executed on the engine, the reference) on every bundled workload and on every path of the serving
// loop: each scheduler, preemption by recompute and by swap, speculative decoding, sliding windows,
// MoE routing draws, pipelines without micro-batches, a disaggregated deployment (whose pools run
// step by step), a trace. Each run is its own `infersim` process (one SimGrid engine per process).
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

#include "helpers.hpp"

using infersim::test::run_infersim;

namespace {
// Relative tolerance between the two advances: the event detail adds a stretch's step durations
// (each its work over its host's speed) where the engine ends each step at its own clock, so the
// two differ by floating-point rounding only (relative, and absolute for what is a difference of
// two such sums: a chip's waiting time of ~1e-15 s).
constexpr double kRelativeTolerance = 1e-9;
constexpr double kAbsoluteTolerance = 1e-12;

// Fields that describe how the engine ran, not what it simulated.
const std::set<std::string> kEngineFields = {"/des/detail", "/des/activities", "/des/deferred_steps",
                                             "/des/event_runs", "/options/detail"};

// Walks both results; returns the first difference beyond the tolerance ("" when none).
std::string first_difference(const nlohmann::json& a, const nlohmann::json& b, const std::string& at) {
  if (kEngineFields.count(at)) return "";
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    const double scale = std::max({std::fabs(x), std::fabs(y), 1e-300});
    if (std::fabs(x - y) > kRelativeTolerance * scale && std::fabs(x - y) > kAbsoluteTolerance)
      return at + ": event " + a.dump() + " vs step " + b.dump();
    return "";
  }
  if (a.type() != b.type()) return at + ": types differ";
  if (a.is_object()) {
    for (auto it = b.begin(); it != b.end(); ++it)
      if (!a.contains(it.key()) && !kEngineFields.count(at + "/" + it.key())) return at + "/" + it.key() + ": missing";
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (!b.contains(it.key())) {
        if (kEngineFields.count(at + "/" + it.key())) continue;
        return at + "/" + it.key() + ": only in event";
      }
      std::string d = first_difference(it.value(), b[it.key()], at + "/" + it.key());
      if (!d.empty()) return d;
    }
    return "";
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return at + ": array sizes differ";
    for (std::size_t i = 0; i < a.size(); ++i) {
      std::string d = first_difference(a[i], b[i], at + "/" + std::to_string(i));
      if (!d.empty()) return d;
    }
    return "";
  }
  return a == b ? "" : at + ": event " + a.dump() + " vs step " + b.dump();
}

struct Case {
  Case(std::string n, std::string a, bool d = true) : name(std::move(n)), args(std::move(a)), defers(d) {}
  std::string name, args;
  bool defers = true;  // the event detail defers steps here (not: a disaggregated deployment)
  infersim::test::Run event, step;
};
}  // namespace

TEST_CASE("event detail: serving results equal step detail's on every bundled workload and serving path") {
  const std::string h8 = "serve --engine des --json --hw h100-sxm --model llama-3.1-8b ";
  std::vector<Case> cases = {
      {"chat, chunked prefill", h8 + "--workload chat --requests 300 --rate 20 --scheduler chunked-prefill"},
      {"agents, closed loop", h8 + "--workload agents --requests 200"},
      {"long context", h8 + "--workload long-context --requests 40 --scheduler chunked-prefill"},
      {"offline, preempt by recompute", h8 + "--workload offline --requests 200 --kv-blocks 900"},
      {"offline, preempt by swap", h8 + "--workload offline --requests 200 --kv-blocks 900 --preemption swap"},
      {"mlperf server, static batching", h8 + "--workload mlperf-server --requests 200 --scheduler static"},
      {"reasoning, speculative decoding", h8 + "--workload reasoning --requests 60 --spec-k 3 --rate 4"},
      {"trace replay, sliding window", h8 + "--workload trace-example --kv-window 512 --kv-sinks 4"},
      {"mlperf llama3.1-8b", h8 + "--workload mlperf-llama3.1-8b --requests 300"},
      {"mlperf llama2-70b, tp2 x pp2",
       "serve --engine des --json --hw h100-sxm --model llama-2-70b --tp 2 --pp 2 --workload mlperf-llama2-70b "
       "--requests 150"},
      {"mlperf llama3.1-405b fp8",
       "serve --engine des --json --hw h100-sxm --model llama-3.1-405b --weights fp8 --chips 8 "
       "--workload mlperf-llama3.1-405b --requests 40"},
      {"mlperf mixtral, ep2, skewed routing",
       "serve --engine des --json --hw h100-sxm --model mixtral-8x7b --tp 2 --ep 2 --routing zipf:1.2 "
       "--workload mlperf-mixtral-8x7b --requests 150"},
      {"mlperf deepseek-r1 fp8",
       "serve --engine des --json --hw h200 --model deepseek-r1 --weights fp8 --chips 8 "
       "--workload mlperf-deepseek-r1 --requests 40"},
      {"chat, disaggregated", h8 + "--workload chat --requests 200 --rate 20 --scheduler disaggregated", false},
  };
  // Two at a time: the machine has two cores.
  for (std::size_t i = 0; i < cases.size(); ++i) {
    Case& c = cases[i];
    std::thread t([&c] { c.event = run_infersim(c.args + " --detail event"); });
    c.step = run_infersim(c.args + " --detail step");
    t.join();
  }
  for (Case& c : cases) {
    CAPTURE(c.name);
    REQUIRE(c.event.exit_code == 0);
    REQUIRE(c.step.exit_code == 0);
    const auto ev = nlohmann::json::parse(c.event.out);
    const auto st = nlohmann::json::parse(c.step.out);
    CHECK(ev["requests_finished"].get<long long>() > 0);
    CHECK(first_difference(ev, st, "") == "");
    const auto& de = ev["des"];
    if (c.defers) {
      // Every step deferred, and far fewer engine activities than the reference.
      CHECK(de["deferred_steps"].get<long long>() == de["steps"].get<long long>());
      CHECK(de["activities"].get<long long>() * 2 < st["des"]["activities"].get<long long>());
    } else {
      CHECK(de["deferred_steps"].get<long long>() == 0);
    }
  }
}

TEST_CASE("event detail: simulate's static batches and their trace equal step detail's") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("infersim-event-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string args =
      "simulate --json --hw h100-sxm --model llama-3.1-70b --tp 4 --pp 2 --batch 8 --requests 24 "
      "--prompt-tokens 512 --output-tokens 200";
  const auto ev = run_infersim(args + " --detail event --trace " + (dir / "event.h5").string());
  const auto st = run_infersim(args + " --detail step --trace " + (dir / "step.h5").string());
  REQUIRE(ev.exit_code == 0);
  REQUIRE(st.exit_code == 0);
  const auto je = nlohmann::json::parse(ev.out), js = nlohmann::json::parse(st.out);
  CHECK(first_difference(je, js, "") == "");
  CHECK(je["des"]["deferred_steps"].get<long long>() == 3 * 200);
  // The trace: the same activities, in the same order, at the same times.
  const auto te = run_infersim("trace summary --json " + (dir / "event.h5").string());
  const auto ts = run_infersim("trace summary --json " + (dir / "step.h5").string());
  REQUIRE(te.exit_code == 0);
  REQUIRE(ts.exit_code == 0);
  auto se = nlohmann::json::parse(te.out), ss = nlohmann::json::parse(ts.out);
  for (const char* engine_key : {"attributes", "file"}) {
    se.erase(engine_key);
    ss.erase(engine_key);
  }
  CHECK(first_difference(se, ss, "") == "");
  fs::remove_all(dir);
}
