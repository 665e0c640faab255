#include "validation/measurements.hpp"

#include <algorithm>
#include <set>

#include "descriptors/catalog.hpp"
#include "descriptors/hardware.hpp"
#include "descriptors/input_error.hpp"
#include "descriptors/json_reader.hpp"
#include "scenario/scenario.hpp"

namespace infersim {

namespace {
constexpr const char* kSchema = "infersim-measurements/1";

struct ScenarioName {
  MeasuredScenario scenario;
  const char* name;
};
constexpr ScenarioName kScenarios[] = {{MeasuredScenario::offline, "offline"},
                                       {MeasuredScenario::server, "server"},
                                       {MeasuredScenario::fixed_batch, "fixed-batch"},
                                       {MeasuredScenario::concurrency, "concurrency"},
                                       {MeasuredScenario::single_stream, "single-stream"}};
struct MetricName {
  MeasuredMetric metric;
  const char* name;
};
constexpr MetricName kMetrics[] = {{MeasuredMetric::output_tok_s_deployment, "output_tok_s_deployment"},
                                   {MeasuredMetric::output_tok_s_per_chip, "output_tok_s_per_chip"},
                                   {MeasuredMetric::output_tok_s_per_stream, "output_tok_s_per_stream"},
                                   {MeasuredMetric::ttft_s, "ttft_s"},
                                   {MeasuredMetric::itl_mean_s, "itl_mean_s"}};

std::optional<long long> optional_int(ObjectReader& r, const std::string& key) {
  if (!r.has(key)) return std::nullopt;
  return r.require_int(key);
}
// An optional count held to [1, max] (scenario.hpp's bounds: a row cannot ask for what the
// command line refuses), with the file and pointer in the message.
std::optional<long long> optional_count(ObjectReader& r, const std::string& key, long long max) {
  auto v = optional_int(r, key);
  if (v && (*v < 1 || *v > max)) r.fail(key, "expected an integer from 1 to " + std::to_string(max) + ", found " + std::to_string(*v));
  return v;
}
std::optional<double> optional_number(ObjectReader& r, const std::string& key) {
  if (!r.has(key)) return std::nullopt;
  return r.require_number(key);
}

// A bundled id or, with allow_unknown, any id (then `known` says whether it is bundled).
std::string bundled_id(ObjectReader& r, const std::string& key, const std::string& kind, bool allow_unknown,
                       bool* known) {
  const std::vector<std::string> ids = bundled_ids(kind);
  const std::string id = r.require_string(key);
  *known = std::find(ids.begin(), ids.end(), id) != ids.end();
  if (!*known && !allow_unknown) {
    const std::string hint = closest_match(id, ids);
    r.fail(key, "unknown " + std::string(kind == "hardware" ? "hardware" : "model") + " id '" + id + "'" +
                    (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + "; accepted values: " +
                    join_alternatives(ids));
  }
  return id;
}

void require_for(const ObjectReader& w, const std::optional<long long>& v, const std::string& key,
                 const std::string& scenario) {
  if (!v) w.fail(key, "missing required field '" + key + "' (a " + scenario + " row needs it)");
}
}  // namespace

const char* to_string(MeasuredScenario s) {
  for (const auto& n : kScenarios)
    if (n.scenario == s) return n.name;
  return "?";
}
const char* to_string(MeasuredMetric m) {
  for (const auto& n : kMetrics)
    if (n.metric == m) return n.name;
  return "?";
}
std::vector<std::string> measured_scenario_names() {
  std::vector<std::string> v;
  for (const auto& n : kScenarios) v.emplace_back(n.name);
  v.emplace_back("interactive");  // MLPerf Interactive: a server row with the Interactive limits
  return v;
}
std::vector<std::string> measured_metric_names() {
  std::vector<std::string> v;
  for (const auto& n : kMetrics) v.emplace_back(n.name);
  return v;
}
bool higher_is_better(MeasuredMetric m) { return m != MeasuredMetric::ttft_s && m != MeasuredMetric::itl_mean_s; }
std::vector<std::string> measurement_tag_names() { return {"audited", "vendor-claim"}; }

MeasurementSet read_measurements(const std::string& path, bool allow_unknown_ids) {
  const nlohmann::json doc = read_json_file(path);
  if (!doc.is_object()) throw InputError(path, "", "expected a JSON object with \"schema\" and \"measurements\"");
  ObjectReader root(doc, path, "");
  root.require_enum("schema", {kSchema});
  MeasurementSet set;
  set.file = path;
  set.note = root.string_or("note", "");
  std::set<std::string> ids;
  for (ObjectReader r : root.array_of_objects("measurements")) {
    Measurement m;
    m.pointer = r.pointer();
    m.id = r.require_string("id");
    if (!ids.insert(m.id).second) r.fail("id", "duplicate id '" + m.id + "' (ids must be unique)");
    m.hardware = bundled_id(r, "hardware", "hardware", allow_unknown_ids, &m.hardware_known);
    // chips: a count, or null when the deployment size was not disclosed (the key itself is required).
    r.allow({"chips"});
    if (!r.has("chips")) r.fail("chips", "missing required field 'chips' (a count, or null if not disclosed)");
    if (!doc.at(nlohmann::json::json_pointer(m.pointer)).at("chips").is_null()) m.chips = r.require_int("chips");
    m.model = bundled_id(r, "model", "models", allow_unknown_ids, &m.model_known);
    m.weights = r.require_enum("weights", precision_names());
    if (auto p = r.optional_object("parallelism")) {
      m.tp = optional_int(*p, "tp");
      m.pp = optional_int(*p, "pp");
      m.ep = optional_int(*p, "ep");
      m.attention_dp = optional_int(*p, "dp");
      p->finish();
    }
    ObjectReader w = r.object("workload");
    const std::string scenario = w.require_enum("scenario", measured_scenario_names());
    for (const auto& n : kScenarios)
      if (scenario == n.name) m.scenario = n.scenario;
    if (scenario == "interactive") {
      m.scenario = MeasuredScenario::server;
      m.interactive = true;
    }
    m.batch = optional_count(w, "batch", kMaxBatch);
    m.concurrency = optional_count(w, "concurrency", kMaxBatch);
    m.input_tokens = optional_count(w, "input_tokens", kMaxTokens);
    m.output_tokens = optional_count(w, "output_tokens", kMaxTokens);
    m.dataset = w.string_or("dataset", "");
    m.mean_output_tokens_derived = optional_number(w, "mean_output_tokens_derived");
    if (m.mean_output_tokens_derived && *m.mean_output_tokens_derived > static_cast<double>(kMaxTokens))
      w.fail("mean_output_tokens_derived", "at most " + std::to_string(kMaxTokens) + " tokens");
    m.ttft_p99_limit_s = optional_number(w, "ttft_p99_limit_s");
    m.tpot_p99_limit_s = optional_number(w, "tpot_p99_limit_s");
    w.finish();
    if (m.scenario == MeasuredScenario::fixed_batch) {
      require_for(w, m.batch, "batch", scenario);
      require_for(w, m.input_tokens, "input_tokens", scenario);
      require_for(w, m.output_tokens, "output_tokens", scenario);
    }
    if (m.scenario == MeasuredScenario::concurrency) {
      require_for(w, m.concurrency, "concurrency", scenario);
      require_for(w, m.input_tokens, "input_tokens", scenario);
      require_for(w, m.output_tokens, "output_tokens", scenario);
    }
    m.measured_mean_output_tokens = optional_number(r, "measured_mean_output_tokens");
    if (m.measured_mean_output_tokens && *m.measured_mean_output_tokens > static_cast<double>(kMaxTokens))
      r.fail("measured_mean_output_tokens", "at most " + std::to_string(kMaxTokens) + " tokens");
    if (auto lat = r.optional_object("reported_latency_ms")) {
      auto ms = [&](const std::string& key) -> std::optional<double> {
        if (auto v = optional_number(*lat, key)) return *v * 1e-3;
        return std::nullopt;
      };
      m.reported_mean_ttft_s = ms("mean_ttft");
      m.reported_p99_ttft_s = ms("p99_ttft");
      m.reported_mean_tpot_s = ms("mean_tpot");
      m.reported_p99_tpot_s = ms("p99_tpot");
      lat->finish();
    }
    const std::string metric = r.require_enum("metric", measured_metric_names());
    for (const auto& n : kMetrics)
      if (metric == n.name) m.metric = n.metric;
    m.value = r.require_number("value");
    m.tag = r.require_enum("tag", measurement_tag_names());
    m.software = r.string_or("software", "");
    m.source = r.require_string("source");
    m.note = r.string_or("note", "");
    r.finish();
    set.rows.push_back(std::move(m));
  }
  root.finish();
  return set;
}

}  // namespace infersim
