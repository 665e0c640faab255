#include "serving/workload.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "descriptors/catalog.hpp"
#include "descriptors/input_error.hpp"
#include "descriptors/json_reader.hpp"

namespace infersim {

namespace fs = std::filesystem;

namespace {
constexpr const char* kSchema = "infersim-workload/1";
constexpr long long kMaxTokens = 100'000'000;
constexpr long long kMaxRequests = 1'000'000'000;
// Lognormal clamping estimate: samples used to report the mean of the clamped distribution.
constexpr int kMeanEstimateSamples = 20000;

const std::vector<std::string> kArrivalNames = {"poisson", "gamma", "closed_loop", "all_at_once", "trace"};
const std::vector<std::string> kLengthNames = {"fixed", "uniform", "lognormal", "histogram"};

// A strict CSV line splitter: plain fields, no quoting (numbers only), no empty fields.
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::stringstream ss(line);
  while (std::getline(ss, field, ',')) out.push_back(field);
  if (!line.empty() && line.back() == ',') out.push_back("");
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

double parse_csv_number(const std::string& path, long long line, const std::string& column, const std::string& text,
                        bool integer) {
  std::string t = trim(text);
  const char* begin = t.c_str();
  char* end = nullptr;
  double v = std::strtod(begin, &end);
  if (t.empty() || end != begin + t.size() || !std::isfinite(v))
    throw InputError(path, "line " + std::to_string(line),
                     "column '" + column + "': expected a number, found '" + t + "'");
  if (v < 0) throw InputError(path, "line " + std::to_string(line), "column '" + column + "': must be >= 0, found " + t);
  if (integer && (std::floor(v) != v || v < 1 || v > static_cast<double>(kMaxTokens)))
    throw InputError(path, "line " + std::to_string(line),
                     "column '" + column + "': expected an integer from 1 to " + std::to_string(kMaxTokens) +
                         ", found " + t);
  return v;
}

// std::getline with a bound: a line of numbers is short, and `file: /dev/zero` (one endless line)
// must be an error, not a read until memory runs out. `number` is the line being read (messages).
constexpr size_t kMaxCsvLineBytes = 4096;
bool bounded_getline(std::istream& in, std::string& line, const std::string& path, long long number) {
  line.clear();
  std::streambuf* buf = in.rdbuf();
  for (int c = buf->sbumpc(); c != std::char_traits<char>::eof(); c = buf->sbumpc()) {
    if (c == '\n') return true;
    line.push_back(static_cast<char>(c));
    if (line.size() > kMaxCsvLineBytes)
      throw InputError(path, "line " + std::to_string(number),
                       "line longer than " + std::to_string(kMaxCsvLineBytes) + " bytes; expected a CSV row of numbers");
  }
  return !line.empty();
}

// Reads a CSV file with exactly `header`; calls row(line_number, fields) for each data line.
template <class F>
void read_csv(const std::string& path, const std::vector<std::string>& header, F row) {
  // A workload names its CSV files: through the one checked reader, a device or a FIFO there
  // (/dev/zero, /dev/stdin) is bad input, not something to read forever or block on.
  std::istringstream in(read_input_file(path));
  std::string line;
  long long number = 0;
  std::string expected;
  for (size_t i = 0; i < header.size(); ++i) expected += (i ? "," : "") + header[i];
  if (!bounded_getline(in, line, path, 1))
    throw InputError(path, "line 1", "empty file; expected the header '" + expected + "'");
  ++number;
  std::vector<std::string> fields = split_csv(trim(line));
  for (auto& f : fields) f = trim(f);
  if (fields != header)
    throw InputError(path, "line 1", "expected the header '" + expected + "', found '" + trim(line) + "'");
  long long rows = 0;
  while (bounded_getline(in, line, path, number + 1)) {
    ++number;
    std::string t = trim(line);
    if (t.empty()) {
      // Only trailing blank lines are allowed.
      std::string rest;
      while (bounded_getline(in, rest, path, number))
        if (!trim(rest).empty())
          throw InputError(path, "line " + std::to_string(number), "blank line inside the data");
      break;
    }
    std::vector<std::string> f = split_csv(t);
    if (f.size() != header.size())
      throw InputError(path, "line " + std::to_string(number),
                       "expected " + std::to_string(header.size()) + " fields (" + expected + "), found " +
                           std::to_string(f.size()));
    row(number, f);
    ++rows;
  }
  if (rows == 0) throw InputError(path, "line 2", "no data rows after the header");
}

std::string relative_to(const std::string& file, const std::string& name) {
  fs::path p(name);
  if (p.is_absolute()) return name;
  return (fs::path(file).parent_path() / p).string();
}

LengthDistribution read_length(ObjectReader r) {
  LengthDistribution d;
  std::string kind = r.require_enum("distribution", kLengthNames);
  if (kind == "fixed") {
    d.kind = LengthDistribution::Kind::fixed;
    d.tokens = r.require_int("tokens");
    d.min = d.max = d.tokens;
  } else if (kind == "uniform") {
    d.kind = LengthDistribution::Kind::uniform;
    d.min = r.require_int("min");
    d.max = r.require_int("max");
    if (d.max < d.min) r.fail("max", "must be >= min (" + std::to_string(d.min) + ")");
  } else if (kind == "lognormal") {
    d.kind = LengthDistribution::Kind::lognormal;
    d.mean = r.require_number("mean");
    d.sigma = r.require_number("sigma", true);
    d.min = r.int_or("min", 1);
    d.max = r.require_int("max");
    if (d.max < d.min) r.fail("max", "must be >= min (" + std::to_string(d.min) + ")");
  } else {
    std::string file = relative_to(r.file(), r.require_string("file"));
    d = read_histogram_csv(file);
  }
  if (d.max > kMaxTokens) r.fail(kind == "fixed" ? "tokens" : "max", "at most " + std::to_string(kMaxTokens) + " tokens");
  r.finish();
  return d;
}

// A scenario's p99 limits in the `mlperf` block: both required, > 0.
Slo read_limits(ObjectReader r) {
  Slo s;
  s.ttft_p99_s = r.require_number("ttft_p99_s");
  s.tpot_p99_s = r.require_number("tpot_p99_s");
  r.finish();
  return s;
}

MlperfInfo read_mlperf(ObjectReader m) {
  MlperfInfo info;
  info.present = true;
  info.benchmark = m.require_string("benchmark");
  if (info.benchmark.empty()) m.fail("benchmark", "expected the MLPerf benchmark name, e.g. 'llama2-70b-99'");
  info.samples = m.require_int("samples");
  if (info.samples > kMaxRequests) m.fail("samples", "at most " + std::to_string(kMaxRequests));
  info.min_duration_s = m.require_number("min_duration_s");
  info.server = read_limits(m.object("server"));
  if (auto i = m.optional_object("interactive")) info.interactive = read_limits(*i);
  info.reference_mean_output_tokens = m.number_or("reference_mean_output_tokens", 0);
  if (m.has("max_output_tokens")) info.max_output_tokens = m.require_int("max_output_tokens");  // >= 1
  m.finish();
  return info;
}

// Bundled MLPerf benchmarks: the benchmark token of a dataset string (normalised) -> workload id.
struct MlperfBenchmark {
  const char* token;
  const char* workload;
};
constexpr MlperfBenchmark kMlperfBenchmarks[] = {
    {"llama2-70b", "mlperf-llama2-70b"},     {"mixtral-8x7b", "mlperf-mixtral-8x7b"},
    {"llama3.1-405b", "mlperf-llama3.1-405b"}, {"llama3.1-8b", "mlperf-llama3.1-8b"},
    {"deepseek-r1", "mlperf-deepseek-r1"},
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// "llama3_1-405b-99.9" -> "llama3.1-405b": spellings of MLPerf's names and its accuracy-target suffixes.
std::string normalise_benchmark(std::string t) {
  t = lower(t);
  while (!t.empty() && (t.back() == ',' || t.back() == ';' || t.back() == ':' || t.back() == '.')) t.pop_back();
  std::replace(t.begin(), t.end(), '_', '.');
  if (t.rfind("llama3-1-", 0) == 0) t = "llama3.1-" + t.substr(9);
  for (const char* suffix : {"-99.9", "-99"})
    if (ends_with(t, suffix)) {
      t.resize(t.size() - std::string(suffix).size());
      break;
    }
  return t;
}
}  // namespace

std::optional<std::string> mlperf_workload_for_dataset(const std::string& dataset) {
  // Tokens before the first '(' (a parenthesised note never names the benchmark).
  std::istringstream in(dataset.substr(0, dataset.find('(')));
  std::string token;
  if (!(in >> token) || lower(token) != "mlperf") return std::nullopt;
  while (in >> token) {
    const std::string t = normalise_benchmark(token);
    for (const auto& b : kMlperfBenchmarks)
      if (t == b.token) return std::string(b.workload);
  }
  return std::nullopt;
}

const char* to_string(WorkloadSpec::Arrival a) {
  switch (a) {
    case WorkloadSpec::Arrival::poisson: return "poisson";
    case WorkloadSpec::Arrival::gamma: return "gamma";
    case WorkloadSpec::Arrival::closed_loop: return "closed_loop";
    case WorkloadSpec::Arrival::all_at_once: return "all_at_once";
    case WorkloadSpec::Arrival::trace: return "trace";
  }
  return "?";
}

long long LengthDistribution::sample(Rng& rng) const {
  switch (kind) {
    case Kind::fixed: return tokens;
    case Kind::uniform: return min + static_cast<long long>(rng.below(static_cast<std::uint64_t>(max - min + 1)));
    case Kind::lognormal: {
      // mean of a lognormal = exp(mu + sigma^2/2)
      const double mu = std::log(mean) - 0.5 * sigma * sigma;
      const double x = std::exp(mu + sigma * rng.normal());
      const long long v = std::llround(std::min(x, static_cast<double>(kMaxTokens)));
      return std::clamp(v, min, max);
    }
    case Kind::histogram: {
      const double u = rng.uniform01();
      const size_t i = static_cast<size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin());
      return values[std::min(i, values.size() - 1)];
    }
  }
  return 1;
}

double LengthDistribution::mean_tokens() const {
  switch (kind) {
    case Kind::fixed: return static_cast<double>(tokens);
    case Kind::uniform: return 0.5 * static_cast<double>(min + max);
    case Kind::histogram: {
      double m = 0, prev = 0;
      for (size_t i = 0; i < values.size(); ++i) {
        m += static_cast<double>(values[i]) * (cumulative[i] - prev);
        prev = cumulative[i];
      }
      return m;
    }
    case Kind::lognormal: {
      Rng rng(12345);
      double sum = 0;
      for (int i = 0; i < kMeanEstimateSamples; ++i) sum += static_cast<double>(sample(rng));
      return sum / kMeanEstimateSamples;
    }
  }
  return 0;
}

LengthDistribution LengthDistribution::capped_at(long long cap) const {
  if (cap <= 0) return *this;
  LengthDistribution d = *this;
  switch (kind) {
    case Kind::fixed: d.tokens = std::min(d.tokens, cap); break;
    case Kind::uniform:
    case Kind::lognormal:  // both clamp their draws to [min, max]
      d.max = std::min(d.max, cap);
      d.min = std::min(d.min, d.max);
      break;
    case Kind::histogram:
      for (auto& v : d.values) v = std::min(v, cap);
      break;
  }
  return d;
}

double LengthDistribution::sd_tokens() const {
  const double mean = mean_tokens();
  switch (kind) {
    case Kind::fixed: return 0.0;
    case Kind::uniform: {
      const double n = static_cast<double>(max - min + 1);  // equally likely integers
      return std::sqrt((n * n - 1) / 12);
    }
    case Kind::histogram: {
      double m2 = 0, prev = 0;
      for (size_t i = 0; i < values.size(); ++i) {
        const double d = static_cast<double>(values[i]) - mean;
        m2 += d * d * (cumulative[i] - prev);
        prev = cumulative[i];
      }
      return std::sqrt(m2);
    }
    case Kind::lognormal: {
      Rng rng(12345);  // the same draws as mean_tokens()
      double m2 = 0;
      for (int i = 0; i < kMeanEstimateSamples; ++i) {
        const double d = static_cast<double>(sample(rng)) - mean;
        m2 += d * d;
      }
      return std::sqrt(m2 / kMeanEstimateSamples);
    }
  }
  return 0;
}

std::vector<TraceRow> read_trace_csv(const std::string& path) {
  std::vector<TraceRow> rows;
  read_csv(path, {"arrival_s", "prompt_tokens", "output_tokens"},
           [&](long long line, const std::vector<std::string>& f) {
             TraceRow r;
             r.arrival_s = parse_csv_number(path, line, "arrival_s", f[0], false);
             r.prompt_tokens = static_cast<long long>(parse_csv_number(path, line, "prompt_tokens", f[1], true));
             r.output_tokens = static_cast<long long>(parse_csv_number(path, line, "output_tokens", f[2], true));
             if (!rows.empty() && r.arrival_s < rows.back().arrival_s)
               throw InputError(path, "line " + std::to_string(line),
                                "arrival_s goes back in time (" + trim(f[0]) + " after " +
                                    std::to_string(rows.back().arrival_s) + "); rows must be in arrival order");
             rows.push_back(r);
           });
  return rows;
}

LengthDistribution read_histogram_csv(const std::string& path) {
  LengthDistribution d;
  d.kind = LengthDistribution::Kind::histogram;
  double total = 0;
  read_csv(path, {"tokens", "weight"}, [&](long long line, const std::vector<std::string>& f) {
    d.values.push_back(static_cast<long long>(parse_csv_number(path, line, "tokens", f[0], true)));
    total += parse_csv_number(path, line, "weight", f[1], false);
    d.cumulative.push_back(total);
  });
  if (total <= 0) throw InputError(path, "(file)", "the weights sum to 0; at least one must be > 0");
  for (auto& c : d.cumulative) c /= total;
  d.min = *std::min_element(d.values.begin(), d.values.end());
  d.max = *std::max_element(d.values.begin(), d.values.end());
  return d;
}

WorkloadSpec load_workload(const std::string& id_or_path) {
  return load_workload_file(resolve_descriptor("workloads", id_or_path));
}

WorkloadSpec load_workload_file(const std::string& path) {
  nlohmann::json j = read_json_file(path);
  ObjectReader r(j, path, "");
  WorkloadSpec w;
  w.file = path;
  std::string schema = r.require_string("schema");
  if (schema != kSchema) r.fail("schema", "unknown schema '" + schema + "'; accepted values: " + kSchema);
  w.id = r.require_string("id");
  w.description = r.require_string("description");
  r.string_or("source", "");
  if (auto m = r.optional_object("mlperf")) w.mlperf = read_mlperf(*m);

  ObjectReader a = r.object("arrival");
  std::string process = a.require_enum("process", kArrivalNames);
  if (process == "poisson") {
    w.arrival = WorkloadSpec::Arrival::poisson;
    w.rate_req_s = a.require_number("rate_req_s");
  } else if (process == "gamma") {
    w.arrival = WorkloadSpec::Arrival::gamma;
    w.rate_req_s = a.require_number("rate_req_s");
    w.cv = a.require_number("cv");
  } else if (process == "closed_loop") {
    w.arrival = WorkloadSpec::Arrival::closed_loop;
    w.users = a.require_int("users");
    w.think_time_s = a.require_number("think_time_s", true);
  } else if (process == "all_at_once") {
    w.arrival = WorkloadSpec::Arrival::all_at_once;
  } else {
    w.arrival = WorkloadSpec::Arrival::trace;
    w.trace = read_trace_csv(relative_to(path, a.require_string("file")));
  }
  a.finish();

  if (w.arrival == WorkloadSpec::Arrival::trace) {
    for (const char* key : {"prompt_tokens", "output_tokens"})
      if (r.has(key))
        r.fail(key, "a trace workload takes its lengths from the trace; remove this field");
    w.requests = r.int_or("requests", static_cast<long long>(w.trace.size()));
    if (w.requests > static_cast<long long>(w.trace.size()))
      r.fail("requests", "the trace has only " + std::to_string(w.trace.size()) + " rows");
  } else {
    w.prompt = read_length(r.object("prompt_tokens"));
    // The benchmark's harness stops generating at its cap, whatever the reference outputs' length.
    w.output = read_length(r.object("output_tokens")).capped_at(w.mlperf.max_output_tokens);
    w.requests = r.int_or("requests", w.mlperf.present ? w.mlperf.samples : 1000);
  }
  if (w.requests > kMaxRequests) r.fail("requests", "at most " + std::to_string(kMaxRequests));
  if (auto slo = r.optional_object("slo")) {
    w.slo.ttft_p99_s = slo->number_or("ttft_p99_s", 0);
    w.slo.tpot_p99_s = slo->number_or("tpot_p99_s", 0);
    slo->finish();
  } else if (w.mlperf.present) {
    w.slo = w.mlperf.server;
  }
  r.finish();
  return w;
}

RequestSource::RequestSource(const WorkloadSpec& spec, long long requests, std::uint64_t seed, double rate_override)
    : spec_(spec),
      total_(requests),
      arrivals_(Rng::stream_seed(seed, 1)),
      lengths_(Rng::stream_seed(seed, 2)),
      think_(Rng::stream_seed(seed, 3)) {
  rate_ = rate_override > 0 ? rate_override : spec.rate_req_s;
  if (spec.arrival == WorkloadSpec::Arrival::trace) {
    total_ = std::min<long long>(total_, static_cast<long long>(spec.trace.size()));
    const double span = spec.trace.empty() ? 0 : spec.trace.back().arrival_s - spec.trace.front().arrival_s;
    if (rate_override > 0 && span > 0 && spec.trace.size() > 1)
      trace_scale_ = (static_cast<double>(spec.trace.size() - 1) / span) / rate_override;
  }
  if (spec.arrival == WorkloadSpec::Arrival::closed_loop) {
    const long long users = std::min(spec.users, total_);
    for (long long u = 0; u < users; ++u) users_.push({0.0, u});
  }
  advance_clock();
}

void RequestSource::advance_clock() {
  if (emitted_ >= total_) return;
  switch (spec_.arrival) {
    case WorkloadSpec::Arrival::poisson:
      clock_ += arrivals_.exponential(rate_);
      break;
    case WorkloadSpec::Arrival::gamma: {
      // Gamma inter-arrivals with mean 1/rate and coefficient of variation cv: shape 1/cv^2.
      const double shape = 1.0 / (spec_.cv * spec_.cv);
      clock_ += arrivals_.gamma(shape, 1.0 / (rate_ * shape));
      break;
    }
    case WorkloadSpec::Arrival::all_at_once:
      clock_ = 0.0;
      break;
    case WorkloadSpec::Arrival::trace:
      clock_ = spec_.trace[static_cast<size_t>(emitted_)].arrival_s * trace_scale_;
      break;
    case WorkloadSpec::Arrival::closed_loop:
      break;
  }
}

bool RequestSource::has_next() const {
  if (emitted_ >= total_) return false;
  return spec_.arrival != WorkloadSpec::Arrival::closed_loop || !users_.empty();
}

double RequestSource::next_time() const {
  return spec_.arrival == WorkloadSpec::Arrival::closed_loop ? users_.top().first : clock_;
}

Arrival RequestSource::pop() {
  Arrival a;
  a.id = emitted_;
  a.time_s = next_time();
  if (spec_.arrival == WorkloadSpec::Arrival::closed_loop) {
    a.user = users_.top().second;
    users_.pop();
  }
  if (spec_.arrival == WorkloadSpec::Arrival::trace) {
    const TraceRow& row = spec_.trace[static_cast<size_t>(emitted_)];
    a.prompt_tokens = row.prompt_tokens;
    a.output_tokens = row.output_tokens;
  } else {
    a.prompt_tokens = spec_.prompt.sample(lengths_);
    a.output_tokens = spec_.output.sample(lengths_);
  }
  ++emitted_;
  advance_clock();
  return a;
}

void RequestSource::on_finish(long long user, double t) {
  if (spec_.arrival != WorkloadSpec::Arrival::closed_loop || user < 0) return;
  if (emitted_ + static_cast<long long>(users_.size()) >= total_) return;
  const double think = spec_.think_time_s > 0 ? think_.exponential(1.0 / spec_.think_time_s) : 0.0;
  users_.push({t + think, user});
}

}  // namespace infersim
