#include "report/suite.hpp"

#include "costmodel/calibration.hpp"

#include <filesystem>
#include <fstream>
#include <set>

#include "descriptors/input_error.hpp"
#include "descriptors/json_reader.hpp"
#include "serving/pareto.hpp"
#include "descriptors/catalog.hpp"
#include "version/version.hpp"

namespace infersim::report {

namespace {
using nlohmann::json;

template <typename T>
std::string expected_type() {
  if constexpr (std::is_same_v<T, std::string>) return "expected a string";
  else if constexpr (std::is_same_v<T, bool>) return "expected true or false";
  else if constexpr (std::is_arithmetic_v<T>) return "expected a number";
  else return "expected an array";
}

void check_keys(const std::string& file, const std::string& ptr, const json& j, const std::set<std::string>& allowed) {
  if (!j.is_object()) throw InputError(file, ptr, "expected an object");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!allowed.count(it.key())) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      throw InputError(file, ptr + "/" + it.key(), "unknown key; accepted: " + list);
    }
}

// A child that must be there (an InputError naming the pointer, not a library exception).
const json& member(const std::string& file, const std::string& ptr, const json& j, const std::string& key) {
  if (!j.is_object() || !j.contains(key)) throw InputError(file, ptr + "/" + key, "required");
  return j[key];
}

template <typename T>
T need(const std::string& file, const std::string& ptr, const json& j, const std::string& key) {
  if (!j.contains(key)) throw InputError(file, ptr + "/" + key, "required");
  try {
    return j.at(key).get<T>();
  } catch (const json::exception&) {
    throw InputError(file, ptr + "/" + key, "wrong type: found " + json_type_name(j.at(key)) + ", " + expected_type<T>());
  }
}
template <typename T>
T opt(const std::string& file, const std::string& ptr, const json& j, const std::string& key, T fallback) {
  return j.contains(key) ? need<T>(file, ptr, j, key) : fallback;
}

Slo read_slo(const std::string& f, const std::string& ptr, const json& j) {
  Slo s;
  s.ttft_p99_s = need<double>(f, ptr, j, "ttft_p99_s");
  s.tpot_p99_s = need<double>(f, ptr, j, "tpot_p99_s");
  if (s.ttft_p99_s <= 0 || s.tpot_p99_s <= 0) throw InputError(f, ptr, "SLO limits must be > 0");
  return s;
}

ScenarioSpec read_scenario(const std::string& f, const json& all, const std::string& name, bool searched) {
  const std::string ptr = "/scenarios/" + name;
  if (!all.contains(name)) throw InputError(f, ptr, "required (offline, server, single_stream, interactive)");
  const json& j = all[name];
  ScenarioSpec s;
  if (searched) {
    check_keys(f, ptr, j, {"requests", "ttft_p99_s", "tpot_p99_s", "start_rate_req_s", "bisections"});
    s.slo = read_slo(f, ptr, j);
    s.start_rate_req_s = opt<double>(f, ptr, j, "start_rate_req_s", 0.25);
    s.bisections = opt<int>(f, ptr, j, "bisections", 5);
    // Geometric bisection of a double: after 60 halvings of the exponent range nothing changes.
    if (s.bisections < 0 || s.bisections > kMaxBisections)
      throw InputError(f, ptr + "/bisections", "expected 0.." + std::to_string(kMaxBisections) + " (a documented cap)");
  } else {
    check_keys(f, ptr, j, {"requests"});
  }
  s.requests = need<long long>(f, ptr, j, "requests");
  if (s.requests < 1) throw InputError(f, ptr + "/requests", "must be >= 1");
  return s;
}
}  // namespace

std::string resolve_suite_path(const std::string& id_or_path) {
  namespace fs = std::filesystem;
  if (id_or_path.find('/') != std::string::npos ||
      (id_or_path.size() > 5 && id_or_path.compare(id_or_path.size() - 5, 5, ".json") == 0))
    return id_or_path;
  for (const std::string& base : {std::string("bench/suites/"), data_dir() + "/bench/suites/"}) {
    const std::string p = base + id_or_path + ".json";
    if (fs::exists(p)) return p;
  }
  throw InputError("--suite", id_or_path, "no bench/suites/" + id_or_path + ".json here or in " + data_dir());
}

Suite load_suite(const std::string& f) {
  const json j = read_json_file(f);
  check_keys(f, "", j, {"schema", "id", "description", "baseline", "hardware", "deployments", "economics",
                        "monte_carlo", "serving", "scenarios", "pareto_max_batch", "pareto_requests", "validation",
                        "calibration", "workloads"});
  if (need<std::string>(f, "", j, "schema") != "infersim-suite/1")
    throw InputError(f, "/schema", "expected \"infersim-suite/1\"");
  Suite s;
  s.file = f;
  s.id = need<std::string>(f, "", j, "id");
  require_safe_name(f, "/id", s.id);
  s.description = need<std::string>(f, "", j, "description");
  s.baseline = need<std::string>(f, "", j, "baseline");
  s.hardware = need<std::vector<std::string>>(f, "", j, "hardware");
  if (std::find(s.hardware.begin(), s.hardware.end(), s.baseline) == s.hardware.end())
    throw InputError(f, "/baseline", "must be one of /hardware");
  const json& deps = member(f, "", j, "deployments");
  for (const auto& hw : s.hardware) {
    if (!deps.contains(hw)) throw InputError(f, "/deployments/" + hw, "every hardware needs a deployment (chips, what)");
    check_keys(f, "/deployments/" + hw, deps[hw], {"chips", "what"});
    s.deployments[hw] = {need<long long>(f, "/deployments/" + hw, deps[hw], "chips"),
                         need<std::string>(f, "/deployments/" + hw, deps[hw], "what")};
  }
  if (j.contains("economics")) {
    const json& e = j["economics"];
    check_keys(f, "/economics", e, {"lifetime_years", "utilization", "usd_per_kWh", "pue", "stream_tok_s"});
    s.economics.lifetime_years = opt<double>(f, "/economics", e, "lifetime_years", s.economics.lifetime_years);
    s.economics.utilization = opt<double>(f, "/economics", e, "utilization", s.economics.utilization);
    s.economics.usd_per_kWh = opt<double>(f, "/economics", e, "usd_per_kWh", s.economics.usd_per_kWh);
    s.economics.pue = opt<double>(f, "/economics", e, "pue", s.economics.pue);
    s.economics.stream_tok_s = opt<double>(f, "/economics", e, "stream_tok_s", s.economics.stream_tok_s);
  }
  {
    const json& m = member(f, "", j, "monte_carlo");
    check_keys(f, "/monte_carlo", m, {"draws", "seed", "distribution", "quantile_low", "quantile_high"});
    s.mc.draws = need<long long>(f, "/monte_carlo", m, "draws");
    s.mc.seed = need<std::uint64_t>(f, "/monte_carlo", m, "seed");
    const std::string d = opt<std::string>(f, "/monte_carlo", m, "distribution", "triangular");
    if (d != "triangular" && d != "uniform")
      throw InputError(f, "/monte_carlo/distribution", "accepted: triangular, uniform");
    s.mc.triangular = d == "triangular";
    s.mc.q_low = opt<double>(f, "/monte_carlo", m, "quantile_low", 0.05);
    s.mc.q_high = opt<double>(f, "/monte_carlo", m, "quantile_high", 0.95);
    if (s.mc.draws < 1 || !(0 <= s.mc.q_low && s.mc.q_low < s.mc.q_high && s.mc.q_high <= 1))
      throw InputError(f, "/monte_carlo", "draws >= 1 and 0 <= quantile_low < quantile_high <= 1");
    if (s.mc.draws > kMaxDraws)
      throw InputError(f, "/monte_carlo/draws", "at most " + std::to_string(kMaxDraws) + " (a documented cap: "
                                                "each draw re-runs the closed form of every cell)");
  }
  if (j.contains("serving")) {
    const json& v = j["serving"];
    check_keys(f, "/serving", v, {"seed", "scheduler", "max_batch", "token_budget"});
    s.serving_seed = opt<std::uint64_t>(f, "/serving", v, "seed", 1);
    s.scheduler = opt<std::string>(f, "/serving", v, "scheduler", "continuous");
    s.max_batch = opt<long long>(f, "/serving", v, "max_batch", 256);
    s.token_budget = opt<long long>(f, "/serving", v, "token_budget", 2048);
  }
  const json& sc = member(f, "", j, "scenarios");
  check_keys(f, "/scenarios", sc, {"offline", "server", "single_stream", "interactive"});
  s.scenarios_json = sc;
  s.offline = read_scenario(f, sc, "offline", false);
  s.server = read_scenario(f, sc, "server", true);
  s.single_stream = read_scenario(f, sc, "single_stream", false);
  s.interactive = read_scenario(f, sc, "interactive", true);
  s.pareto_max_batch = opt<std::vector<double>>(f, "", j, "pareto_max_batch", {1, 4, 16, 64, 256});
  s.pareto_requests = opt<long long>(f, "", j, "pareto_requests", 128);
  if (j.contains("validation")) {
    check_keys(f, "/validation", j["validation"], {"measurements", "accuracy"});
    s.validation_measurements = need<std::string>(f, "/validation", j["validation"], "measurements");
    s.accuracy = opt<std::string>(f, "/validation", j["validation"], "accuracy", "");
  }
  s.calibration = opt<std::string>(f, "", j, "calibration", "ideal");
  if (s.calibration != "auto") {
    try {
      load_calibration(s.calibration);
    } catch (const InputError& e) {
      throw InputError(f, "/calibration", e.what());
    }
  }
  const json& ws = member(f, "", j, "workloads");
  if (!ws.is_array() || ws.empty()) throw InputError(f, "/workloads", "a non-empty array");
  for (size_t i = 0; i < ws.size(); ++i) {
    const std::string ptr = "/workloads/" + std::to_string(i);
    const json& w = ws[i];
    check_keys(f, ptr, w, {"id", "model", "weights", "kv", "batch", "prompt_tokens", "output_tokens",
                           "serving_workload", "deployment", "radar", "pareto", "server_slo", "interactive_slo",
                           "serving_requests"});
    SuiteWorkload x;
    x.id = need<std::string>(f, ptr, w, "id");
    require_safe_name(f, ptr + "/id", x.id);
    x.model = need<std::string>(f, ptr, w, "model");
    x.weights = opt<std::string>(f, ptr, w, "weights", "fp8");
    x.kv = opt<std::string>(f, ptr, w, "kv", "fp8");
    x.batch = opt<long long>(f, ptr, w, "batch", 64);
    x.prompt_tokens = opt<long long>(f, ptr, w, "prompt_tokens", 1024);
    x.output_tokens = opt<long long>(f, ptr, w, "output_tokens", 256);
    x.serving_workload = need<std::string>(f, ptr, w, "serving_workload");
    x.serving_requests = opt<long long>(f, ptr, w, "serving_requests", 0);
    if (x.serving_requests < 0) throw InputError(f, ptr + "/serving_requests", "must be >= 0");
    x.deployment = opt<std::string>(f, ptr, w, "deployment", "server");
    if (x.deployment != "server" && x.deployment != "min-fit")
      throw InputError(f, ptr + "/deployment", "accepted: server (the suite's deployments), min-fit");
    x.radar = opt<bool>(f, ptr, w, "radar", false);
    x.pareto = opt<bool>(f, ptr, w, "pareto", false);
    if (w.contains("server_slo")) x.server_slo = read_slo(f, ptr + "/server_slo", w["server_slo"]);
    if (w.contains("interactive_slo")) x.interactive_slo = read_slo(f, ptr + "/interactive_slo", w["interactive_slo"]);
    s.workloads.push_back(x);
  }
  return s;
}

std::vector<std::string> csv_fields() {
  std::vector<std::string> f = {"suite_id",          "workload",         "model",          "serving_workload",
                                "hardware",          "hardware_name",    "deployment_policy", "deployment_what",
                                "weights_precision", "kv_precision",     "batch",          "prompt_tokens",
                                "output_tokens",     "fits",             "status",         "chips",
                                "chips_needed",      "tp",               "pp",             "ep",
                                "vendor_claims_only", "unaudited",       "weakest_tag",    "bar_style",
                                "mc_draws",          "mc_draws_fitting", "server_status",  "interactive_status",
                                "hypothetical",      "replicas",         "micro_batch_groups", "calibration",
                                "accuracy_audited_rows", "accuracy_held_out_median", "accuracy_fitted_median",
                                "accuracy_note"};
  for (const char* m : {"decode_tok_s_per_chip", "decode_tok_s_deployment", "decode_tok_s_per_stream_batch1", "ttft_s",
                        "energy_J_per_token", "usd_per_mtok_capex", "usd_per_mtok_all_in", "agent_density_per_musd",
                        "context_tokens_supported", "software_maturity_0_10", "offline_output_tok_s_per_chip",
                        "offline_output_tok_s_deployment", "server_max_rate_req_s", "server_output_tok_s_per_chip",
                        "server_output_tok_s_deployment", "server_ttft_p99_s", "server_tpot_p99_s",
                        "single_stream_e2e_p90_s", "single_stream_ttft_p90_s", "single_stream_tpot_mean_s",
                        "interactive_max_rate_req_s", "interactive_output_tok_s_per_chip",
                        "interactive_output_tok_s_deployment"})
    for (const char* q : {"_low", "_mid", "_high", "_tag"}) f.push_back(std::string(m) + q);
  f.push_back("plan_explanation");
  return f;
}

}  // namespace infersim::report
