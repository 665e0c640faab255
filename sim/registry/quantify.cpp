// `infersim registry quantify`: claims parsed, experiments read, scenarios run, verdicts given.
//
// The lora-closed-form engine (registry B13) models what exists without a new cost-model term: a
// batch whose requests use `lora_adapters_per_step` distinct LoRA adapters reads every adapter's
// A and B matrices once per decode step (Punica/S-LoRA batched kernels), on top of the base model.
// Adapter parameters = rank * sum over the linear maps of a layer (in + out) * layers, where a
// Llama layer's maps are q (h -> heads*hd), k and v (h -> kv_heads*hd), o (heads*hd -> h), gate and
// up (h -> ffn) and down (ffn -> h). The bytes are sharded over tp like the weights and read from
// the tier whose bandwidth the scenario gives (`lora_tier_bandwidth_Bps`: HBM when resident, a host
// link when paged in per step), serially after the base step (no overlap: an upper bound on the
// cost). Worked example: Llama-3.1-70B, rank 16, bf16: per layer 16 * (16384 + 2*9216 + 16384 +
// 3*36864) = 2.59 M params, * 80 layers = 207 M params = 414 MB per adapter; 32 adapters over tp 4
// from a 64 GB/s host link add 32 * 414 MB / 4 / 64 GB/s = 51.8 ms to every decode step.
#include "registry/quantify.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <regex>
#include <set>
#include <sstream>

#include "analytic/projection.hpp"
#include "descriptors/catalog.hpp"
#include "descriptors/input_error.hpp"
#include "descriptors/json_reader.hpp"
#include "format/format.hpp"
#include "registry/entry.hpp"
#include "scenario/scenario.hpp"
#include "serving/kv_cache.hpp"
#include "serving/pareto.hpp"
#include "serving/serving.hpp"
#include "serving/workload.hpp"
#include "version/version.hpp"

namespace infersim::registry {

namespace fs = std::filesystem;
using nlohmann::json;

// ----------------------------------------------------------------------------------------------
// Claims
// ----------------------------------------------------------------------------------------------

namespace {

std::string trim(std::string s) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

}  // namespace

bool UnlockClaim::parsed() const {
  return std::any_of(clauses.begin(), clauses.end(), [](const ClaimClause& c) { return c.parsed(); });
}

const ClaimClause* UnlockClaim::select(const std::string& match) const {
  const std::string m = lower(match);
  for (const auto& c : clauses)
    if (c.parsed() && (m.empty() || lower(c.text).find(m) != std::string::npos)) return &c;
  return nullptr;
}

UnlockClaim parse_unlock_value(const std::string& text) {
  // ~? N [(-|–|to) M] (x|×), not followed by a letter (so "3xl" or "x86" do not count).
  static const std::regex kMultiplier(
      R"((~\s*)?(\d+(?:\.\d+)?)\s*(?:(?:-|\xE2\x80\x93|to)\s*(\d+(?:\.\d+)?)\s*)?(?:x|\xC3\x97)(?![A-Za-z]))");
  UnlockClaim claim;
  claim.text = text;
  for (const std::string& part : split(text, ';')) {
    ClaimClause c;
    c.text = trim(part);
    if (c.text.empty()) continue;
    std::smatch m;
    if (std::regex_search(c.text, m, kMultiplier)) {
      const double a = std::stod(m[2].str());
      c.approximate = m[1].matched;
      if (m[3].matched) {
        const double b = std::stod(m[3].str());
        c.low_x = std::min(a, b);
        c.high_x = std::max(a, b);
      } else {
        c.low_x = a / kPointSlack;
        c.high_x = a * kPointSlack;
      }
      std::string q = m.prefix().str() + " " + m.suffix().str();
      // Drop a parenthesised remark and collapse spaces.
      std::string collapsed;
      for (char ch : trim(q)) {
        if (std::isspace(static_cast<unsigned char>(ch)) && !collapsed.empty() && collapsed.back() == ' ') continue;
        collapsed += std::isspace(static_cast<unsigned char>(ch)) ? ' ' : ch;
      }
      c.quantity = collapsed;
    }
    claim.clauses.push_back(c);
  }
  return claim;
}

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::within: return "within";
    case Verdict::overstated: return "overstated";
    case Verdict::understated: return "understated";
    case Verdict::unparseable: return "claim unparseable";
    case Verdict::reported: return "reported";
    case Verdict::failed: return "failed";
  }
  return "?";
}

Verdict judge(double ratio, const ClaimClause* clause) {
  if (clause == nullptr || !clause->parsed()) return Verdict::unparseable;
  if (!(ratio > 0) || !std::isfinite(ratio)) return Verdict::failed;
  if (ratio < *clause->low_x * (1 - kVerdictTolerance)) return Verdict::overstated;
  if (ratio > *clause->high_x * (1 + kVerdictTolerance)) return Verdict::understated;
  return Verdict::within;
}

// ----------------------------------------------------------------------------------------------
// Experiment files
// ----------------------------------------------------------------------------------------------

namespace {

const std::vector<std::string> kEngineNames = {"closed-form", "kv-capacity", "serving", "serving-max-rate",
                                               "lora-closed-form", "des-determinism"};
const std::vector<std::string> kDerivations = {"value", "per_chip", "usd_per_query"};
// Options that name a descriptor (a bundled id or a path relative to the experiment file).
const std::vector<std::string> kPathOptions = {"hw", "model", "workload", "routing"};

bool looks_like_path(const std::string& v) {
  return v.find('/') != std::string::npos || (v.size() > 5 && v.substr(v.size() - 5) == ".json");
}

MetricSpec read_metric(ObjectReader r) {
  MetricSpec m;
  m.name = r.require_string("name");
  m.pointer = r.require_string("pointer");
  if (m.pointer.empty() || m.pointer[0] != '/') r.fail("pointer", "expected a JSON pointer starting with '/'");
  m.derive = r.enum_or("derive", kDerivations, "value");
  m.better = r.enum_or("better", {"higher", "lower"}, "higher");
  r.finish();
  return m;
}

}  // namespace

Experiment load_experiment(const fs::path& file) {
  const json doc = read_json_file(file.string());
  ObjectReader r(doc, file.string(), "");
  const std::string schema = r.require_string("schema");
  if (schema != "infersim-experiment/1") r.fail("schema", "expected \"infersim-experiment/1\"");
  Experiment e;
  e.file = file;
  e.entry = r.require_string("entry");
  if (e.entry != file.stem().string()) r.fail("entry", "must equal the file name (" + file.stem().string() + ")");
  e.simulable = r.bool_or("simulable", true);
  e.question = r.require_string("question");
  if (!e.simulable) {
    e.reason = r.require_string("reason");
    r.finish();
    return e;
  }
  e.claim_match = r.string_or("claim_match", "");
  {
    ObjectReader n = r.object("notes");
    e.captures = n.require_string("captures");
    e.misses = n.require_string("misses");
    n.finish();
  }
  const fs::path dir = file.parent_path();
  const json& cases = doc.at("cases");
  int ci = 0;
  for (ObjectReader c : r.array_of_objects("cases")) {
    const std::string cptr = "/cases/" + std::to_string(ci);
    const json& cj = cases.at(static_cast<std::size_t>(ci));
    CaseSpec cs;
    cs.name = c.require_string("name");
    cs.engine = c.require_enum("engine", kEngineNames);
    cs.metric = read_metric(c.object("metric"));
    if (c.has("also"))
      for (ObjectReader a : c.array_of_objects("also")) cs.also.push_back(read_metric(a));
    cs.verdict = c.bool_or("verdict", true);
    cs.claim_match = c.string_or("claim_match", e.claim_match);
    if (c.has("small")) {
      c.allow({"small"});
      cs.small = cj.at("small");
      if (!cs.small.is_object()) c.fail("small", "expected an object of scenario options");
    }
    auto read_one = [&](const json& sj, const std::string& ptr) {
      ObjectReader sr(sj, file.string(), ptr);
      ScenarioSpec s;
      s.label = sr.require_string("label");
      sr.allow({"scenario"});
      if (!sj.contains("scenario") || !sj.at("scenario").is_object())
        sr.fail("scenario", "expected an object of scenario options");
      sr.finish();
      s.options = sj.at("scenario");
      for (const auto& key : kPathOptions) {
        if (!s.options.contains(key)) continue;
        if (!s.options.at(key).is_string()) throw InputError(file.string(), ptr + "/scenario/" + key, "expected a string");
        const std::string v = s.options.at(key).get<std::string>();
        if (looks_like_path(v)) s.options[key] = (dir / v).lexically_normal().string();
      }
      return s;
    };
    c.allow({"baseline", "levers"});
    if (!cj.contains("baseline")) c.fail("baseline", "required");
    cs.baseline = read_one(cj.at("baseline"), cptr + "/baseline");
    if (!cj.contains("levers") || !cj.at("levers").is_array() || cj.at("levers").empty())
      c.fail("levers", "expected a non-empty array of {label, scenario}");
    for (std::size_t i = 0; i < cj.at("levers").size(); ++i)
      cs.levers.push_back(read_one(cj.at("levers").at(i), cptr + "/levers/" + std::to_string(i)));
    c.finish();
    e.cases.push_back(std::move(cs));
    ++ci;
  }
  r.finish();
  return e;
}

const std::vector<EngineInfo>& engine_table() {
  static const std::vector<EngineInfo> kTable = {
      {"closed-form", "analytic roofline of one decode step and the prompt's prefill (analytic/projection.hpp)", "project"},
      {"kv-capacity", "the serving layer's KV capacity (serving/kv_cache.hpp): blocks after weights / blocks per stream",
       "serve --requests 1"},
      {"serving", "serving simulation on the analytic runtime (serving/serving.hpp), seeded", "serve"},
      {"serving-max-rate", "highest Poisson rate meeting the workload's p99 TTFT/TPOT SLO (serving/pareto.hpp)",
       "pareto --search"},
      {"lora-closed-form", "closed form + every distinct LoRA adapter's bytes read once per decode step", "project"},
      {"des-determinism", "`infersim simulate --json` twice in two child processes; outputs compared byte for byte",
       "simulate"},
  };
  return kTable;
}

// ----------------------------------------------------------------------------------------------
// Running scenarios
// ----------------------------------------------------------------------------------------------

namespace {

const std::set<std::string> kScenarioKeys = {"hw", "model", "weights", "kv", "batch", "prompt_tokens", "output_tokens",
                                             "chips", "tp", "pp", "ep"};
const std::set<std::string> kServingKeys = {"workload", "requests", "rate_req_s", "scheduler", "seed", "max_batch",
                                            "max_batch_tokens", "token_budget", "block_tokens", "kv_window",
                                            "kv_sinks", "spec_k", "spec_alpha", "routing", "preemption", "bisections"};
const std::set<std::string> kLoraKeys = {"lora_rank", "lora_adapters_per_step", "lora_tier_bandwidth_Bps"};
const std::set<std::string> kDesKeys = {"detail"};

struct Parsed {
  ScenarioOptions scenario;
  ServingOptions serving;
  std::string workload = "chat";
  std::string routing = "uniform";
  std::string preemption = "recompute";
  int bisections = 6;
  long long lora_rank = 0, lora_adapters = 0;
  double lora_tier_Bps = 0;
};

long long get_int(const json& o, const std::string& key) {
  const json& v = o.at(key);
  if (!v.is_number_integer()) throw InputError("experiment scenario", "/" + key, "expected an integer, got " + v.dump());
  return v.get<long long>();
}
double get_number(const json& o, const std::string& key) {
  const json& v = o.at(key);
  if (!v.is_number()) throw InputError("experiment scenario", "/" + key, "expected a number, got " + v.dump());
  return v.get<double>();
}
std::string get_string(const json& o, const std::string& key) {
  const json& v = o.at(key);
  if (!v.is_string()) throw InputError("experiment scenario", "/" + key, "expected a string, got " + v.dump());
  return v.get<std::string>();
}

Parsed parse_options(const json& o) {
  if (!o.is_object()) throw InputError("experiment scenario", "/scenario", "expected an object");
  for (const auto& [k, v] : o.items()) {
    (void)v;
    if (!kScenarioKeys.count(k) && !kServingKeys.count(k) && !kLoraKeys.count(k) && !kDesKeys.count(k)) {
      std::string all;
      for (const auto* set : {&kScenarioKeys, &kServingKeys, &kLoraKeys, &kDesKeys})
        for (const auto& a : *set) all += (all.empty() ? "" : ", ") + a;
      throw InputError("experiment scenario", "/" + k, "unknown option; accepted values: " + all);
    }
  }
  Parsed p;
  ScenarioOptions& s = p.scenario;
  if (o.contains("hw")) s.hw = get_string(o, "hw");
  if (o.contains("model")) s.model = get_string(o, "model");
  if (o.contains("weights")) s.weights = get_string(o, "weights");
  if (o.contains("kv")) s.kv = get_string(o, "kv");
  if (o.contains("batch")) s.batch = get_int(o, "batch");
  if (o.contains("prompt_tokens")) s.prompt_tokens = get_int(o, "prompt_tokens");
  if (o.contains("output_tokens")) s.output_tokens = get_int(o, "output_tokens");
  if (o.contains("chips")) s.chips = get_int(o, "chips");
  if (o.contains("tp")) s.tp = get_int(o, "tp");
  if (o.contains("pp")) s.pp = get_int(o, "pp");
  if (o.contains("ep")) s.ep = get_int(o, "ep");
  ServingOptions& v = p.serving;
  if (o.contains("workload")) p.workload = get_string(o, "workload");
  if (o.contains("requests")) v.requests = get_int(o, "requests");
  if (o.contains("rate_req_s")) v.rate_req_s = get_number(o, "rate_req_s");
  if (o.contains("scheduler")) v.scheduler = get_string(o, "scheduler");
  if (o.contains("seed")) v.seed = static_cast<std::uint64_t>(get_int(o, "seed"));
  if (o.contains("max_batch")) v.max_batch = get_int(o, "max_batch");
  if (o.contains("max_batch_tokens")) v.max_batch_tokens = get_int(o, "max_batch_tokens");
  if (o.contains("token_budget")) v.token_budget = get_int(o, "token_budget");
  if (o.contains("block_tokens")) v.block_tokens = get_int(o, "block_tokens");
  if (o.contains("kv_window")) v.kv_window = get_int(o, "kv_window");
  if (o.contains("kv_sinks")) v.kv_sinks = get_int(o, "kv_sinks");
  if (o.contains("spec_k")) v.spec_k = get_int(o, "spec_k");
  if (o.contains("spec_alpha")) v.spec_alpha = get_number(o, "spec_alpha");
  if (o.contains("routing")) p.routing = get_string(o, "routing");
  if (o.contains("preemption")) p.preemption = get_string(o, "preemption");
  if (o.contains("bisections")) p.bisections = static_cast<int>(get_int(o, "bisections"));
  if (o.contains("lora_rank")) p.lora_rank = get_int(o, "lora_rank");
  if (o.contains("lora_adapters_per_step")) p.lora_adapters = get_int(o, "lora_adapters_per_step");
  if (o.contains("lora_tier_bandwidth_Bps")) p.lora_tier_Bps = get_number(o, "lora_tier_bandwidth_Bps");
  v.routing = parse_routing_skew("routing", p.routing);
  if (p.preemption == "swap") v.preemption = PreemptionMode::swap;
  else if (p.preemption != "recompute")
    throw InputError("experiment scenario", "/preemption", "accepted values: recompute or swap");
  validate(v);
  return p;
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,") ==
                        std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string display_path(const std::string& v) {
  if (!looks_like_path(v)) return v;
  std::error_code ec;
  const fs::path rel = fs::path(v).lexically_relative(fs::path(data_dir()).lexically_normal());
  if (!rel.empty() && rel.begin()->string() != "..") return rel.string();
  return v;
}

// The subcommand's flags for the options it accepts (the others are the engine's own).
std::vector<std::string> flags_for(const std::string& engine, const json& o) {
  std::vector<std::string> args;
  for (const auto& [k, v] : o.items()) {
    const bool scenario = kScenarioKeys.count(k) > 0;
    const bool serving = kServingKeys.count(k) > 0 && k != "bisections";
    const bool des = kDesKeys.count(k) > 0 || k == "requests" || k == "seed";
    bool take = scenario;
    if (engine == "serving" || engine == "serving-max-rate") take = take || serving;
    if (engine == "kv-capacity") take = take || (serving && k != "requests");
    if (engine == "des-determinism") take = take || des;
    if (engine == "serving-max-rate" && k == "bisections") take = true;
    if (!take) continue;
    std::string flag = k == "rate_req_s" ? "rate" : k;
    std::replace(flag.begin(), flag.end(), '_', '-');
    args.push_back("--" + flag);
    args.push_back(v.is_string() ? display_path(v.get<std::string>()) : v.dump());
  }
  return args;
}

json project_json(const Parsed& p) {
  const Scenario s = resolve_scenario(p.scenario);
  const Plan plan = make_plan(s);
  return to_json(s, project(s, plan));
}

json run_kv_capacity(const Parsed& p) {
  const Scenario s = resolve_scenario(p.scenario);
  const Plan plan = make_plan(s);
  const KvCapacity cap = kv_capacity(s, plan, p.serving.block_tokens);
  long long per_stream = p.scenario.prompt_tokens + p.scenario.output_tokens;
  if (p.serving.kv_window > 0) per_stream = std::min(per_stream, p.serving.kv_window + p.serving.kv_sinks);
  const long long blocks_per_stream = (per_stream + cap.block_tokens - 1) / cap.block_tokens;
  json j;
  j["engine"] = "kv-capacity";
  j["hardware"] = s.hw.id;
  j["model"] = s.model.id;
  j["chips"] = plan.chips;
  j["tp"] = plan.tp;
  j["pp"] = plan.pp;
  j["weights_fit"] = cap.free_bytes_per_chip > 0;
  j["kv_bytes_per_token_per_chip"] = cap.bytes_per_token_per_chip;
  j["free_bytes_per_chip"] = cap.free_bytes_per_chip;
  j["capacity_tokens"] = cap.blocks * cap.block_tokens;
  j["tokens_per_stream"] = per_stream;
  j["max_concurrent_streams"] = blocks_per_stream > 0 ? cap.blocks / blocks_per_stream : 0;
  return j;
}

json run_serving_engine(const Parsed& p, bool max_rate) {
  const Scenario s = resolve_scenario(p.scenario);
  const Plan plan = make_plan(s);
  const WorkloadSpec w = load_workload(p.workload);
  ServingOptions o = p.serving;
  if (!max_rate) return run_serving_analytic(s, plan, w, o).json;
  const RateSearch rs = max_rate_meeting_slo(s, plan, w, o, o.rate_req_s > 0 ? o.rate_req_s : w.rate_req_s, p.bisections);
  json j;
  if (rs.found) {
    o.rate_req_s = rs.max_rate_req_s;
    j = run_serving_analytic(s, plan, w, o).json;
  } else {
    j["chips"] = plan.chips;
  }
  j["max_rate_meeting_slo_req_s"] = rs.found ? rs.max_rate_req_s : 0.0;
  j["first_failing_rate_req_s"] = rs.first_failing_req_s;
  j["search_runs"] = rs.runs;
  return j;
}

// See the file comment for the model and its worked example.
json run_lora(const Parsed& p) {
  const Scenario s = resolve_scenario(p.scenario);
  const Plan plan = make_plan(s);
  const Projection proj = project(s, plan);
  json j = to_json(s, proj);
  const Model& m = s.model;
  const double h = static_cast<double>(m.hidden_size);
  const double q = static_cast<double>(m.attention_heads * m.head_dim);
  const double kv = static_cast<double>(m.kv_heads * m.head_dim);
  const double ffn = static_cast<double>(m.ffn_size);
  const double per_layer = static_cast<double>(p.lora_rank) * ((h + q) + 2 * (h + kv) + (q + h) + 3 * (h + ffn));
  const double adapter_bytes = per_layer * static_cast<double>(m.layers) * bytes_per_element(s.weights);
  const double extra_s = p.lora_tier_Bps > 0
                             ? static_cast<double>(p.lora_adapters) * adapter_bytes / static_cast<double>(plan.tp) /
                                   p.lora_tier_Bps
                             : 0.0;
  const double step = proj.decode.total.si() + extra_s;
  j["engine"] = "lora-closed-form";
  j["lora"] = {{"rank", p.lora_rank},
               {"adapters_per_step", p.lora_adapters},
               {"adapter_bytes", adapter_bytes},
               {"tier_bandwidth_Bps", p.lora_tier_Bps},
               {"extra_step_s", extra_s},
               {"base_step_s", proj.decode.total.si()}};
  j["decode_tok_s_per_stream"] = 1.0 / step;
  j["decode_tok_s_deployment"] = static_cast<double>(s.batch) / step;
  j["decode_tok_s_per_chip"] = static_cast<double>(s.batch) / step / static_cast<double>(plan.chips);
  return j;
}

std::string run_child(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot start: " + command);
  std::array<char, 65536> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int rc = pclose(pipe);
  if (rc != 0) throw std::runtime_error("exit status " + std::to_string(rc) + ": " + command);
  return out;
}

json run_des_determinism(const json& o, const QuantifyOptions& q) {
  if (q.infersim_binary.empty()) throw std::runtime_error("des-determinism needs the infersim binary's path");
  std::string cmd = shell_quote(q.infersim_binary) + " simulate";
  for (const auto& a : flags_for("des-determinism", o)) cmd += " " + shell_quote(a);
  cmd += " --json";
  const std::string a = run_child(cmd);
  const std::string b = run_child(cmd);
  long long first_diff = -1;
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i)
    if (i >= a.size() || i >= b.size() || a[i] != b[i]) {
      first_diff = static_cast<long long>(i);
      break;
    }
  json j;
  j["engine"] = "des-determinism";
  j["command"] = cmd;
  j["runs"] = 2;
  j["bytes"] = {a.size(), b.size()};
  j["identical"] = a == b;
  j["identical_fraction"] = a == b ? 1.0 : 0.0;
  j["first_difference_byte"] = first_diff;
  const json first = json::parse(a, nullptr, false);
  if (!first.is_discarded()) j["result"] = first;
  return j;
}

double metric_value(const json& result, const MetricSpec& m) {
  const json::json_pointer ptr(m.pointer);
  if (!result.contains(ptr) || !result.at(ptr).is_number())
    throw std::runtime_error("metric " + m.pointer + " is not a number in the engine's result");
  const double v = result.at(ptr).get<double>();
  if (m.derive == "per_chip") {
    const double chips = result.value("chips", 0.0);
    if (!(chips > 0)) throw std::runtime_error("per_chip: the result has no chip count");
    return v / chips;
  }
  if (m.derive == "usd_per_query") {
    // usd_per_mtok is the deployment's amortised cost over the run per million output tokens.
    const double out_tok = result.value("output_tokens", 0.0);
    const double finished = result.value("requests_finished", 0.0);
    if (!(finished > 0)) throw std::runtime_error("usd_per_query: no request finished");
    return v * out_tok / 1e6 / finished;
  }
  return v;
}

double improvement(double base, double lever, const std::string& better) {
  if (better == "lower") return lever > 0 ? base / lever : std::nan("");
  return base > 0 ? lever / base : std::nan("");
}

json with_small(json options, const json& small, bool apply) {
  if (apply && small.is_object())
    for (const auto& [k, v] : small.items()) options[k] = v;
  return options;
}

}  // namespace

json run_scenario(const std::string& engine, const json& options, const QuantifyOptions& q) {
  if (engine == "des-determinism") {
    (void)parse_options(options);  // same checks as the others
    return run_des_determinism(options, q);
  }
  const Parsed p = parse_options(options);
  if (engine == "closed-form") return project_json(p);
  if (engine == "kv-capacity") return run_kv_capacity(p);
  if (engine == "serving") return run_serving_engine(p, false);
  if (engine == "serving-max-rate") return run_serving_engine(p, true);
  if (engine == "lora-closed-form") return run_lora(p);
  throw InputError("experiment", "/engine", "unknown engine " + engine);
}

std::string rerun_command(const std::string& engine, const json& options) {
  std::string cmd = "infersim ";
  for (const auto& e : engine_table())
    if (e.name == engine) cmd += e.command;
  for (const auto& a : flags_for(engine, options)) cmd += " " + shell_quote(a);
  if (engine == "des-determinism") return cmd + " --json  # twice; compare the bytes";
  cmd += " --json";
  if (engine == "lora-closed-form") {
    std::ostringstream os;
    os << "  # + " << options.value("lora_adapters_per_step", 0LL) << " rank-" << options.value("lora_rank", 0LL)
       << " adapters per step at " << format_number(options.value("lora_tier_bandwidth_Bps", 0.0) / 1e9) << " GB/s";
    cmd += os.str();
  }
  return cmd;
}

// ----------------------------------------------------------------------------------------------
// Quantify
// ----------------------------------------------------------------------------------------------

EntryResult quantify_entry(const std::string& id, const QuantifyOptions& q) {
  EntryResult r;
  r.entry = id;
  const fs::path md = q.registry_dir / (id + ".md");
  std::error_code ec;
  if (!fs::is_regular_file(md, ec)) throw InputError(md.string(), id, "no such registry entry");
  const Entry entry = read_entry(md);
  r.name = entry.scalar("name").value_or("");
  r.claim_text = entry.scalar("estimated_unlock_value").value_or("");
  const UnlockClaim claim = parse_unlock_value(r.claim_text);
  if (const ClaimClause* first = claim.select("")) r.clause = *first;
  const fs::path file = q.registry_dir / "experiments" / (id + ".json");
  if (!fs::is_regular_file(file, ec)) {
    r.reason = "no experiment file (registry/experiments/" + id + ".json)";
    return r;
  }
  r.experiment_file = "experiments/" + id + ".json";
  const Experiment e = load_experiment(file);
  r.question = e.question;
  r.simulable = e.simulable;
  if (!e.simulable) {
    r.reason = e.reason;
    return r;
  }
  r.captures = e.captures;
  r.misses = e.misses;
  const ClaimClause* clause = claim.select(e.claim_match);
  if (clause) r.clause = *clause;
  for (const CaseSpec& c : e.cases) {
    const ClaimClause* case_clause = claim.select(c.claim_match);
    const json base_opts = with_small(c.baseline.options, c.small, q.small);
    json base;
    std::string base_error;
    try {
      base = run_scenario(c.engine, base_opts, q);
    } catch (const std::exception& ex) {
      base_error = ex.what();
    }
    for (const ScenarioSpec& lever : c.levers) {
      Row row;
      row.case_name = c.name;
      row.baseline_label = c.baseline.label;
      row.lever_label = lever.label;
      if (case_clause && c.verdict) row.claim = *case_clause;
      const json lever_opts = with_small(lever.options, c.small, q.small);
      row.baseline_command = rerun_command(c.engine, base_opts);
      row.lever_command = rerun_command(c.engine, lever_opts);
      try {
        if (!base_error.empty()) throw std::runtime_error("baseline: " + base_error);
        const json lev = run_scenario(c.engine, lever_opts, q);
        auto measure = [&](const MetricSpec& m) {
          MetricValue v;
          v.name = m.name;
          v.baseline = metric_value(base, m);
          v.lever = metric_value(lev, m);
          v.ratio = improvement(v.baseline, v.lever, m.better);
          return v;
        };
        row.metric = measure(c.metric);
        for (const auto& m : c.also) row.also.push_back(measure(m));
        if (c.engine == "des-determinism") {
          const bool ok = base.value("identical", false) && lev.value("identical", false);
          row.verdict = ok ? Verdict::reported : Verdict::failed;
          row.detail = ok ? "each scenario's two child runs were byte-identical (" +
                                std::to_string(base["bytes"][0].get<std::size_t>()) + " and " +
                                std::to_string(lev["bytes"][0].get<std::size_t>()) +
                                " bytes): this checks infersim's determinism, not hardware numerics"
                          : "child runs differ (first differing byte " +
                                std::to_string(base.value("first_difference_byte", -1LL)) + ")";
        } else {
          row.verdict = c.verdict ? judge(row.metric.ratio, case_clause) : Verdict::reported;
        }
      } catch (const std::exception& ex) {
        row.verdict = Verdict::failed;
        row.detail = ex.what();
      }
      r.rows.push_back(std::move(row));
    }
  }
  return r;
}

std::vector<EntryResult> quantify(const std::string& selector, const QuantifyOptions& q) {
  std::vector<std::string> ids;
  if (selector == "all") {
    for (const auto& f : entry_files(q.registry_dir)) ids.push_back(f.stem().string());
  } else {
    if (!id_number(selector)) throw InputError("quantify", selector, "expected B<n> or all");
    ids.push_back(selector);
  }
  std::vector<EntryResult> out;
  for (const auto& id : ids) out.push_back(quantify_entry(id, q));
  return out;
}

// ----------------------------------------------------------------------------------------------
// Output
// ----------------------------------------------------------------------------------------------

namespace {

std::string claim_range(const std::optional<ClaimClause>& c) {
  if (!c) return "-";
  return format_number(*c->low_x) + "-" + format_number(*c->high_x) + "x";
}

std::string ratio_text(double v) { return std::isfinite(v) ? format_number(v) + "x" : "-"; }

json metric_json(const MetricValue& m) {
  return {{"name", m.name}, {"baseline", m.baseline}, {"lever", m.lever},
          {"ratio", std::isfinite(m.ratio) ? json(m.ratio) : json()}};
}

}  // namespace

std::string to_text(const std::vector<EntryResult>& results) {
  std::ostringstream os;
  os << "Registry claims against the simulator: measured improvement ratio of each lever (> 1: it helps)\n"
     << "vs the entry's estimated_unlock_value parsed into a range. Ideal roofline unless a scenario says otherwise.\n\n";
  Table t({"entry", "case", "lever (vs baseline)", "metric", "baseline -> lever", "ratio", "claimed", "verdict"});
  std::vector<std::string> not_sim;
  for (const auto& r : results) {
    if (!r.simulable) {
      not_sim.push_back(r.entry + ": " + r.reason);
      continue;
    }
    for (const auto& row : r.rows) {
      const bool failed = row.verdict == Verdict::failed && row.metric.name.empty();
      t.add_row({r.entry, row.case_name, row.lever_label + " (vs " + row.baseline_label + ")", row.metric.name,
                 failed ? "-" : format_number(row.metric.baseline) + " -> " + format_number(row.metric.lever),
                 failed ? "-" : ratio_text(row.metric.ratio), claim_range(row.claim), to_string(row.verdict)});
    }
  }
  os << t.render();
  os << "\nRerun (from the source tree's root):\n";
  for (const auto& r : results)
    for (const auto& row : r.rows) {
      os << "  " << r.entry << " " << row.case_name << " / " << row.lever_label << ":\n    " << row.baseline_command
         << "\n    " << row.lever_command << "\n";
      if (!row.detail.empty()) os << "    note: " << row.detail << "\n";
    }
  if (!not_sim.empty()) {
    os << "\nNot simulated:\n";
    for (const auto& s : not_sim) os << "  " << s << "\n";
  }
  return os.str();
}

json to_json(const std::vector<EntryResult>& results) {
  json entries = json::array();
  for (const auto& r : results) {
    json e;
    e["entry"] = r.entry;
    e["name"] = r.name;
    e["estimated_unlock_value"] = r.claim_text;
    const UnlockClaim claim = parse_unlock_value(r.claim_text);
    json clauses = json::array();
    for (const auto& c : claim.clauses) {
      json cj = {{"text", c.text}, {"parsed", c.parsed()}};
      if (c.parsed()) {
        cj["low_x"] = *c.low_x;
        cj["high_x"] = *c.high_x;
        cj["quantity"] = c.quantity;
        cj["approximate"] = c.approximate;
      }
      clauses.push_back(cj);
    }
    e["claim_clauses"] = clauses;
    e["judged_clause"] = r.clause ? json(r.clause->text) : json();
    e["experiment_file"] = r.experiment_file.empty() ? json() : json("registry/" + r.experiment_file);
    e["simulable"] = r.simulable;
    if (!r.reason.empty()) e["reason"] = r.reason;
    if (!r.question.empty()) e["question"] = r.question;
    if (r.simulable) e["notes"] = {{"captures", r.captures}, {"misses", r.misses}};
    json rows = json::array();
    for (const auto& row : r.rows) {
      json rj = {{"case", row.case_name},
                 {"baseline", row.baseline_label},
                 {"lever", row.lever_label},
                 {"metric", metric_json(row.metric)},
                 {"claimed", row.claim ? json({{"clause", row.claim->text}, {"low_x", *row.claim->low_x},
                                                {"high_x", *row.claim->high_x}})
                                       : json()},
                 {"verdict", to_string(row.verdict)},
                 {"baseline_command", row.baseline_command},
                 {"lever_command", row.lever_command}};
      if (!row.also.empty()) {
        json also = json::array();
        for (const auto& m : row.also) also.push_back(metric_json(m));
        rj["also"] = also;
      }
      if (!row.detail.empty()) rj["detail"] = row.detail;
      rows.push_back(rj);
    }
    e["rows"] = rows;
    entries.push_back(e);
  }
  return {{"schema", "infersim-quantify/1"},
          {"build_commit", build_commit()},
          {"verdict_tolerance", kVerdictTolerance},
          {"point_claim_slack", kPointSlack},
          {"entries", entries}};
}

std::string to_markdown(const std::vector<EntryResult>& results, const fs::path& links_from,
                        const fs::path& registry_dir) {
  auto link = [&](const std::string& rel) {
    const fs::path target = (registry_dir / rel).lexically_normal();
    const fs::path from = links_from.lexically_normal();
    const fs::path r = target.lexically_relative(from);
    return r.empty() ? target.string() : r.string();
  };
  std::ostringstream os;
  os << "# Registry report: claims against the simulator\n\n"
     << "Generated by `infersim registry report`. Each entry's `estimated_unlock_value` is parsed into an "
        "improvement range; the experiment in `registry/experiments/B<n>.json` runs a baseline and the scenario "
        "with the lever pulled (build " << build_commit() << "), and the verdict compares the measured ratio with the range (tolerance "
     << format_number(kVerdictTolerance * 100) << " %; a point claim `~N x` covers N/" << format_number(kPointSlack)
     << " to N*" << format_number(kPointSlack) << "). Ideal roofline unless stated; every row carries its rerun command.\n\n";
  os << "| entry | case | lever (vs baseline) | metric | baseline → lever | ratio | claimed | verdict |\n"
     << "|---|---|---|---|---|---|---|---|\n";
  for (const auto& r : results) {
    const std::string entry = "[" + r.entry + "](" + link(r.entry + ".md") + ")";
    if (!r.simulable) {
      os << "| " << entry << " | — | — | — | — | — | " << claim_range(r.clause) << " | not simulated |\n";
      continue;
    }
    for (const auto& row : r.rows)
      os << "| " << entry << " | " << row.case_name << " | " << row.lever_label << " (vs " << row.baseline_label
         << ") | " << row.metric.name << " | " << format_number(row.metric.baseline) << " → "
         << format_number(row.metric.lever) << " | " << ratio_text(row.metric.ratio) << " | " << claim_range(row.claim)
         << " | " << to_string(row.verdict) << " |\n";
  }
  for (const auto& r : results) {
    os << "\n## " << r.entry << ": " << r.name << "\n\n";
    os << "Claim: \"" << r.claim_text << "\"";
    if (r.clause) os << " — judged against \"" << r.clause->text << "\" = " << claim_range(r.clause);
    else os << " — no multiplier to compare with";
    os << ".\n\n";
    if (!r.experiment_file.empty()) os << "Experiment: [" << r.experiment_file << "](" << link(r.experiment_file) << ")";
    if (!r.question.empty()) os << ". Question: " << r.question;
    os << "\n\n";
    if (!r.simulable) {
      os << "Not simulated: " << r.reason << "\n";
      continue;
    }
    for (const auto& row : r.rows) {
      os << "- **" << row.case_name << "**, " << row.lever_label << " vs " << row.baseline_label << ": "
         << row.metric.name << " " << format_number(row.metric.baseline) << " → " << format_number(row.metric.lever)
         << " = " << ratio_text(row.metric.ratio) << ", " << to_string(row.verdict) << ".";
      for (const auto& m : row.also)
        os << " Also " << m.name << ": " << format_number(m.baseline) << " → " << format_number(m.lever) << " = "
           << ratio_text(m.ratio) << ".";
      if (!row.detail.empty()) os << " " << row.detail << ".";
      os << "\n  - `" << row.baseline_command << "`\n  - `" << row.lever_command << "`\n";
    }
    os << "\nCaptures: " << r.captures << "\n\nDoes not capture: " << r.misses << "\n";
  }
  return os.str();
}

}  // namespace infersim::registry
