#include "validation/validation.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "descriptors/input_error.hpp"
#include "serving/pareto.hpp"

namespace infersim {

namespace {
constexpr long long kOfflineMaxBatch = 2048;     // the KV cache, not a batch cap, limits offline batches
constexpr long long kSingleStreamRequests = 8;
constexpr long long kMinConcurrencyRequests = 24;
constexpr long long kConcurrencyRounds = 3;      // requests per user
constexpr double kWeightShareOfMemory = 0.5;     // replica sizing rule (see the header)
constexpr long long kMaxAutoTp = 64;

Prediction skipped(Prediction p, const std::string& why) {
  p.ran = false;
  p.skipped_reason = why;
  return p;
}

LengthDistribution fixed(long long tokens) {
  LengthDistribution d;
  d.kind = LengthDistribution::Kind::fixed;
  d.tokens = tokens;
  return d;
}

std::string kv_for(const std::string& weights) { return weights == "bf16" ? "bf16" : "fp8"; }

// The smallest power-of-two tp dividing `chips` whose weights take at most half the usable memory.
std::optional<long long> auto_tp(const Scenario& s, long long chips) {
  for (long long tp = 1; tp <= std::min(chips, kMaxAutoTp); tp *= 2) {
    if (chips % tp != 0) continue;
    Plan p = plan_with(s, tp, 1, 1);
    if (p.weights_bytes_per_chip.si() <= kWeightShareOfMemory * p.usable_bytes_per_chip.si()) return tp;
  }
  return std::nullopt;
}
}  // namespace

Prediction predict(const Measurement& m, const PredictOptions& o) {
  Prediction p;
  p.id = m.id;
  p.tag = m.tag;
  p.software = m.software;
  p.scenario = m.scenario;
  p.metric = m.metric;
  p.measured = m.value;
  if (!m.hardware_known) return skipped(p, "unknown hardware '" + m.hardware + "' (no bundled descriptor)");
  if (!m.model_known) return skipped(p, "unknown model '" + m.model + "' (no bundled descriptor)");
  if (!m.chips) return skipped(p, "deployment size not disclosed (chips: null)");
  const long long chips = *m.chips;

  ScenarioOptions so;
  so.hw = m.hardware;
  so.model = m.model;
  so.weights = m.weights;
  so.kv = kv_for(m.weights);
  so.calibration = o.calibration;
  so.prompt_tokens = m.input_tokens.value_or(1024);
  so.output_tokens = m.output_tokens.value_or(256);
  if (m.weights != "bf16") p.assumptions.push_back("KV cache fp8 (not given)");
  Scenario s = resolve_scenario(so);

  long long tp = 1, pp = 1;
  if (m.tp || m.pp) {
    tp = m.tp.value_or(1);
    pp = m.pp.value_or(1);
  } else {
    auto t = auto_tp(s, chips);
    if (!t) return skipped(p, "no tensor-parallel degree dividing " + std::to_string(chips) +
                                  " chips leaves half the memory for the KV cache");
    tp = *t;
    p.assumptions.push_back("parallelism not given: tp=" + std::to_string(tp) + " (weights <= half the memory)");
  }
  if (chips % (tp * pp) != 0)
    return skipped(p, "parallelism tp=" + std::to_string(tp) + " pp=" + std::to_string(pp) + " does not divide " +
                          std::to_string(chips) + " chips");
  s.tp = tp;
  s.pp = pp;
  s.chips = tp * pp;
  long long ep = 1;
  if (m.ep) ep = *m.ep;
  else if (s.model.moe) ep = tp;  // experts spread over the tensor-parallel chips
  s.ep = ep;
  Plan plan = plan_with(s, tp, pp, ep);
  const long long replicas = chips / (tp * pp);
  {
    std::ostringstream d;
    d << replicas << " x (tp=" << tp << " pp=" << pp << " ep=" << ep << ") on " << chips << " " << m.hardware;
    p.deployment = d.str();
  }
  if (plan.weights_bytes_per_chip.si() >= plan.usable_bytes_per_chip.si())
    return skipped(p, "the weights do not fit on tp=" + std::to_string(tp) + " pp=" + std::to_string(pp) +
                          " (" + plan.explanation + ")");

  WorkloadSpec w;
  w.id = m.id;
  w.file = m.id;
  ServingOptions so2;
  so2.seed = o.seed;
  so2.scheduler = "continuous";
  const bool have_lengths = m.input_tokens && m.output_tokens;
  switch (m.scenario) {
    case MeasuredScenario::fixed_batch:
      w.arrival = WorkloadSpec::Arrival::all_at_once;
      w.prompt = fixed(*m.input_tokens);
      w.output = fixed(*m.output_tokens);
      w.requests = *m.batch;
      so2.scheduler = "static";
      so2.max_batch = *m.batch;
      so2.max_batch_tokens = std::max<long long>(so2.max_batch_tokens, *m.batch * *m.input_tokens);
      break;
    case MeasuredScenario::single_stream:
    case MeasuredScenario::concurrency: {
      if (!have_lengths) return skipped(p, "input_tokens / output_tokens not given");
      const long long users = m.scenario == MeasuredScenario::concurrency ? *m.concurrency : 1;
      w.arrival = WorkloadSpec::Arrival::closed_loop;
      w.users = users;
      w.think_time_s = 0;
      w.prompt = fixed(*m.input_tokens);
      w.output = fixed(*m.output_tokens);
      w.requests = users == 1 ? kSingleStreamRequests : std::max(kMinConcurrencyRequests, kConcurrencyRounds * users);
      so2.max_batch = std::max<long long>(so2.max_batch, users);
      break;
    }
    case MeasuredScenario::offline:
    case MeasuredScenario::server: {
      const WorkloadSpec base = load_workload("offline");
      if (m.input_tokens) w.prompt = fixed(*m.input_tokens);
      else {
        w.prompt = base.prompt;
        p.assumptions.push_back("input lengths not given: workloads/offline.json's prompts (lognormal mean " +
                                std::to_string(static_cast<long long>(base.prompt.mean)) + ")");
      }
      if (m.output_tokens) w.output = fixed(*m.output_tokens);
      else if (m.mean_output_tokens_derived) {
        w.output = base.output;
        w.output.mean = *m.mean_output_tokens_derived;
        p.assumptions.push_back("output lengths: lognormal with the derived mean, workloads/offline.json's shape");
      } else {
        return skipped(p, "output lengths not given (no output_tokens or mean_output_tokens_derived)");
      }
      so2.max_batch = kOfflineMaxBatch;
      if (m.scenario == MeasuredScenario::offline) {
        w.arrival = WorkloadSpec::Arrival::all_at_once;
        w.requests = o.offline_requests;
      } else {
        if (!m.ttft_p99_limit_s && !m.tpot_p99_limit_s)
          return skipped(p, "server row without ttft_p99_limit_s / tpot_p99_limit_s");
        w.arrival = WorkloadSpec::Arrival::poisson;
        w.requests = o.server_requests;
        w.slo.ttft_p99_s = m.ttft_p99_limit_s.value_or(0);
        w.slo.tpot_p99_s = m.tpot_p99_limit_s.value_or(0);
      }
      break;
    }
  }

  double per_replica_tok_s = 0, per_chip_tok_s = 0, per_stream = 0, ttft = 0, itl = 0;
  if (m.scenario == MeasuredScenario::server) {
    if (o.serve) return skipped(p, "server rate search runs on the analytic engine only");
    RateSearch rs = max_rate_meeting_slo(s, plan, w, so2, 1.0, o.server_bisections);
    if (!rs.found) return skipped(p, "no arrival rate meets the p99 limits on this deployment");
    per_replica_tok_s = rs.max_rate_req_s * w.output.mean_tokens();
    per_chip_tok_s = per_replica_tok_s / static_cast<double>(tp * pp);
    ServingOptions at = so2;
    at.rate_req_s = rs.max_rate_req_s;
    ServingResult r = run_serving_analytic(s, plan, w, at);
    ttft = r.ttft_s.mean;
    itl = r.itl_s.mean;
    per_stream = r.tpot_s.mean > 0 ? 1.0 / r.tpot_s.mean : 0;
  } else {
    ServingResult r = o.serve ? o.serve(s, plan, w, so2) : run_serving_analytic(s, plan, w, so2);
    if (r.requests == 0) return skipped(p, "no request finished (the KV cache cannot hold one)");
    per_replica_tok_s = r.output_tok_s_deployment;
    per_chip_tok_s = r.output_tok_s_per_chip;
    per_stream = r.tpot_s.mean > 0 ? 1.0 / r.tpot_s.mean : 0;
    ttft = r.ttft_s.mean;
    itl = r.itl_s.mean;
    if (m.scenario == MeasuredScenario::fixed_batch && r.json.value("requests_rejected", 0LL) > 0)
      p.assumptions.push_back("some requests rejected (KV cache)");
  }
  switch (m.metric) {
    case MeasuredMetric::output_tok_s_deployment: p.predicted = per_replica_tok_s * static_cast<double>(replicas); break;
    case MeasuredMetric::output_tok_s_per_chip: p.predicted = per_chip_tok_s; break;
    case MeasuredMetric::output_tok_s_per_stream: p.predicted = per_stream; break;
    case MeasuredMetric::ttft_s: p.predicted = ttft; break;
    case MeasuredMetric::itl_mean_s: p.predicted = itl; break;
  }
  if (!(p.predicted > 0)) return skipped(p, std::string("the run produced no ") + to_string(m.metric));
  p.ran = true;
  p.relative_error = p.predicted / m.value - 1.0;
  return p;
}

std::vector<Prediction> predict_all(const MeasurementSet& set, const PredictOptions& o) {
  std::vector<Prediction> out;
  out.reserve(set.rows.size());
  for (const auto& m : set.rows) out.push_back(predict(m, o));
  return out;
}

std::map<std::string, ErrorSummary> summarise(const std::vector<Prediction>& predictions) {
  std::map<std::string, std::vector<const Prediction*>> groups;
  for (const auto& p : predictions) {
    groups["all"].push_back(&p);
    groups[p.tag].push_back(&p);
  }
  std::map<std::string, ErrorSummary> out;
  for (const auto& [tag, rows] : groups) {
    ErrorSummary s;
    std::vector<double> errs;
    for (const Prediction* p : rows) {
      if (!p->ran) {
        ++s.skipped;
        continue;
      }
      const double e = std::fabs(p->relative_error);
      errs.push_back(e);
      if (e >= s.worst_abs_error) {
        s.worst_abs_error = e;
        s.worst_id = p->id;
      }
    }
    s.rows = static_cast<long long>(errs.size());
    if (!errs.empty()) {
      std::sort(errs.begin(), errs.end());
      const size_t n = errs.size();
      s.median_abs_error = n % 2 ? errs[n / 2] : 0.5 * (errs[n / 2 - 1] + errs[n / 2]);
    }
    out[tag] = s;
  }
  return out;
}

nlohmann::json to_json(const Prediction& p) {
  nlohmann::json j = {{"id", p.id},           {"tag", p.tag},
                      {"software", p.software}, {"scenario", to_string(p.scenario)},
                      {"metric", to_string(p.metric)}, {"measured", p.measured},
                      {"ran", p.ran}};
  if (p.ran) {
    j["predicted"] = p.predicted;
    j["relative_error"] = p.relative_error;
    j["deployment"] = p.deployment;
    j["assumptions"] = p.assumptions;
  } else {
    j["skipped_reason"] = p.skipped_reason;
  }
  return j;
}

nlohmann::json to_json(const std::map<std::string, ErrorSummary>& s) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [tag, e] : s)
    j[tag] = {{"rows", e.rows},
              {"skipped", e.skipped},
              {"median_abs_relative_error", e.median_abs_error},
              {"worst_abs_relative_error", e.worst_abs_error},
              {"worst_id", e.worst_id}};
  return j;
}

}  // namespace infersim
