// Workloads: bundled files load; bad input names the file, the JSON pointer or CSV line, and the
// accepted values; arrival processes have the rates and variability they claim.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <cstdio>
#include <string>

#include "error_text.hpp"
#include "descriptors/catalog.hpp"
#include "descriptors/input_error.hpp"
#include "serving/workload.hpp"

using namespace infersim;

namespace {
std::string fixture(const std::string& name) { return std::string(INFERSIM_TEST_DIR) + "/bad-input/" + name; }

using test::error_of;
}  // namespace

TEST_CASE("bundled workloads load, each with a description") {
  const auto ids = bundled_ids("workloads");
  for (const char* id : {"chat", "reasoning", "long-context", "agents", "offline", "mlperf-server", "trace-example"}) {
    CHECK(std::find(ids.begin(), ids.end(), id) != ids.end());
    WorkloadSpec w = load_workload(id);
    CHECK(w.id == id);
    CHECK(!w.description.empty());
  }
  WorkloadSpec m = load_workload("mlperf-server");
  CHECK(m.slo.ttft_p99_s == 2.0);
  CHECK(m.slo.tpot_p99_s == 0.2);
  CHECK(load_workload("trace-example").trace.size() == 6);
  CHECK(error_of([] { load_workload("caht"); }).find("did you mean 'chat'") != std::string::npos);
}

TEST_CASE("bad workload files: file, JSON pointer or line, and what was expected") {
  struct Case {
    const char* file;
    const char* expected;
  };
  const Case cases[] = {
      {"workload-unknown-process.json", "/arrival/process: unknown value 'poison' (did you mean 'poisson'?); accepted values: "},
      {"workload-unknown-key.json", "/requets: unknown key 'requets' (did you mean 'requests'?)"},
      {"workload-negative-rate.json", "/arrival/rate_req_s: expected a number > 0, found -2"},
      {"workload-bad-distribution.json", "/prompt_tokens/max: missing required field 'max'"},
      {"workload-uniform-inverted.json", "/prompt_tokens/max: must be >= min (100)"},
      {"workload-trace-with-lengths.json", "/prompt_tokens: a trace workload takes its lengths from the trace"},
      {"workload-wrong-schema.json", "/schema: unknown schema 'infersim-workload/2'; accepted values: infersim-workload/1"},
      {"workload-trace-bad.json", "trace-backwards.csv: line 4: arrival_s goes back in time"},
  };
  for (const auto& c : cases) {
    const std::string msg = error_of([&] { load_workload_file(fixture(c.file)); });
    INFO(c.file << " -> " << msg);
    CHECK(msg.find(c.expected) != std::string::npos);
    const bool names_file = msg.find(c.file) != std::string::npos || msg.find(".csv") != std::string::npos;
    CHECK(names_file);
  }
  const Case csv[] = {
      {"trace-fractional.csv", "line 3: column 'prompt_tokens': expected an integer from 1 to"},
      {"trace-bad-header.csv", "line 1: expected the header 'arrival_s,prompt_tokens,output_tokens'"},
      {"trace-short-row.csv", "line 3: expected 3 fields"},
  };
  for (const auto& c : csv) {
    const std::string msg = error_of([&] { read_trace_csv(fixture(c.file)); });
    INFO(c.file << " -> " << msg);
    CHECK(msg.find(c.expected) != std::string::npos);
  }
  const std::string h = error_of([] { read_histogram_csv(fixture("histogram-bad-weight.csv")); });
  CHECK(h.find("line 3: column 'weight': expected a number, found 'abc'") != std::string::npos);
}

TEST_CASE("arrival processes: Poisson rate, Gamma coefficient of variation, lognormal mean") {
  WorkloadSpec w;
  w.prompt.kind = LengthDistribution::Kind::lognormal;
  w.prompt.mean = 500;
  w.prompt.sigma = 0.5;
  w.prompt.min = 1;
  w.prompt.max = 100000000;
  w.output.kind = LengthDistribution::Kind::fixed;
  w.output.tokens = 1;
  constexpr long long kN = 200000;
  for (double cv : {1.0, 3.0}) {
    w.arrival = cv == 1.0 ? WorkloadSpec::Arrival::poisson : WorkloadSpec::Arrival::gamma;
    w.rate_req_s = 4;
    w.cv = cv;
    RequestSource src(w, kN, 11);
    double prev = 0, sum = 0, sum2 = 0, prompt = 0;
    for (long long i = 0; i < kN; ++i) {
      Arrival a = src.pop();
      const double gap = a.time_s - prev;
      prev = a.time_s;
      sum += gap;
      sum2 += gap * gap;
      prompt += static_cast<double>(a.prompt_tokens);
    }
    const double mean = sum / kN;
    const double measured_cv = std::sqrt(sum2 / kN - mean * mean) / mean;
    std::printf("%s: rate %.4f req/s (expected 4), cv %.4f (expected %.1f), lognormal prompt mean %.2f (expected 500, "
                "rounding adds ~0)\n",
                cv == 1.0 ? "poisson" : "gamma", 1 / mean, measured_cv, cv, prompt / kN);
    // Tolerances: ~4 standard errors at N = 200,000 (cv of the mean gap = cv / sqrt(N)).
    CHECK(1 / mean == doctest::Approx(4).epsilon(4 * cv / std::sqrt(static_cast<double>(kN))));
    CHECK(measured_cv == doctest::Approx(cv).epsilon(cv == 1.0 ? 0.015 : 0.05));
    CHECK(prompt / kN == doctest::Approx(500).epsilon(0.01));
    CHECK(src.exhausted());
  }
}
