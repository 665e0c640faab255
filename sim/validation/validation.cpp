#include "validation/validation.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <sstream>
#include <atomic>
#include <mutex>
#include <thread>

#include "descriptors/catalog.hpp"
#include "format/format.hpp"
#include "descriptors/input_error.hpp"
#include "costmodel/step_time.hpp"
#include "planner/deployment.hpp"
#include "serving/deployed.hpp"
#include "validation/calibrate.hpp"
#include "serving/pareto.hpp"

namespace infersim {

namespace {
constexpr long long kMaxSequences = 2048;        // running sequences per replica at most (the KV cache binds first)
constexpr long long kMaxServerRunRequests = 30000;  // per replica-group run: bounds a rate search's time
constexpr double kMaxServerRunOutputTokens = 1.5e6;  // per replica-group run, likewise
constexpr long long kTokenBudget = 8192;         // chunked-prefill tokens per step: prefill keeps up with decode
constexpr long long kSingleStreamRequests = 8;
constexpr long long kMinConcurrencyRequests = 24;
constexpr long long kConcurrencyRounds = 3;      // requests per user
constexpr size_t kServerCandidates = 3;          // Server rows: deployments simulated (closed form's first ones)
constexpr double kServerCandidateWithin = 0.8;   // ... whose closed-form score is at least this share of the best

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

// The same shape with its mean moved to `mean` (a histogram's values or a lognormal's mean scaled).
LengthDistribution with_mean(LengthDistribution d, double mean) {
  const double now = d.mean_tokens();
  if (!(now > 0) || !(mean > 0)) return d;
  const double k = mean / now;
  switch (d.kind) {
    case LengthDistribution::Kind::fixed: d.tokens = std::max<long long>(1, std::llround(d.tokens * k)); break;
    case LengthDistribution::Kind::uniform:
      d.min = std::max<long long>(1, std::llround(d.min * k));
      d.max = std::max<long long>(d.min, std::llround(d.max * k));
      break;
    case LengthDistribution::Kind::lognormal:
      d.mean *= k;
      d.max = std::max<long long>(d.min, std::llround(d.max * k));
      break;
    case LengthDistribution::Kind::histogram:
      for (auto& v : d.values) v = std::max<long long>(1, std::llround(static_cast<double>(v) * k));
      break;
  }
  return d;
}

std::string kv_for(const std::string& weights) { return weights == "bf16" ? "bf16" : "fp8"; }

// Deployments the vendors say a model needs, for rows that do not state their chip count.
struct VendorDeployment {
  const char* hardware;
  long long min_params_b;  // models of at least this many billion parameters
  long long chips;
  const char* source;
};
constexpr VendorDeployment kVendorDeployments[] = {
    {"cerebras-wse3", 60, 4, "4 CS-3 systems for Llama-3.1-70B (Cerebras, as reported by The Register, Aug 2024)"},
    {"cerebras-wse3", 0, 1, "1 CS-3 system for Llama-3.1-8B (Cerebras, 'Introducing Cerebras Inference')"},
    {"groq-lpu", 60, 576, "576 LPUs for a 70B model (Groq SC23: '>500 chips'; ~576 by third parties)"},
};
}  // namespace

Prediction predict(const Measurement& m, const PredictOptions& o) {
  Prediction p;
  p.id = m.id;
  p.tag = m.tag;
  p.software = m.software;
  p.hardware = m.hardware;
  p.model = m.model;
  p.scenario = m.scenario;
  p.metric = m.metric;
  p.measured = m.value;
  // workload.scenario "interactive", or (as MLPerf result ids spell it) a server row whose id ends so.
  const bool id_says_interactive = m.id.size() >= 12 && m.id.substr(m.id.size() - 12) == "-interactive";
  p.interactive = m.interactive || (m.scenario == MeasuredScenario::server && id_says_interactive);
  if (!m.hardware_known) return skipped(p, "unknown hardware '" + m.hardware + "' (no bundled descriptor)");
  if (!m.model_known) return skipped(p, "unknown model '" + m.model + "' (no bundled descriptor)");
  long long chips = 0;
  if (m.chips) {
    chips = *m.chips;
  } else {
    const double params_b = load_model(m.model).total_params() / 1e9;
    for (const auto& v : kVendorDeployments)
      if (m.hardware == v.hardware && params_b >= static_cast<double>(v.min_params_b)) {
        chips = v.chips;
        p.assumptions.push_back(std::string("chips not disclosed: ") + v.source);
        break;
      }
    if (chips == 0) return skipped(p, "deployment size not disclosed (chips: null) and no vendor statement for this model");
  }

  ScenarioOptions so;
  so.hw = m.hardware;
  so.model = m.model;
  so.weights = m.weights;
  so.kv = kv_for(m.weights);
  so.calibration = o.auto_calibration ? auto_calibration_for(m) : o.calibration;
  p.calibration = so.calibration.name;
  so.prompt_tokens = m.input_tokens.value_or(1024);
  so.output_tokens = m.output_tokens.value_or(256);
  if (m.weights != "bf16") p.assumptions.push_back("KV cache fp8 (not given)");
  Scenario s = resolve_scenario(so);

  // Lengths: the row's own, else its MLPerf dataset's (output mean: what the system generated, else
  // the derived reference mean), else the generic offline workload's (an assumption it reports).
  WorkloadSpec w;
  w.id = m.id;
  w.file = m.id;
  std::optional<WorkloadSpec> dataset;
  if (!m.dataset.empty()) {
    if (auto id = mlperf_workload_for_dataset(m.dataset)) dataset = load_workload(*id);
  }
  const bool streamed = m.scenario == MeasuredScenario::offline || m.scenario == MeasuredScenario::server;
  if (streamed) {
    if (m.input_tokens) w.prompt = fixed(*m.input_tokens);
    else if (dataset) w.prompt = dataset->prompt;
    else return skipped(p, "input lengths unknown: give workload.input_tokens or a bundled MLPerf workload.dataset");
    if (m.output_tokens) w.output = fixed(*m.output_tokens);
    else if (dataset && m.measured_mean_output_tokens) {
      // Scaled to the system's mean, still within the harness's generation cap.
      w.output = with_mean(dataset->output, *m.measured_mean_output_tokens).capped_at(dataset->mlperf.max_output_tokens);
      p.assumptions.push_back("outputs: the dataset's shape at the measured mean");
    } else if (dataset && m.mean_output_tokens_derived) {
      w.output = with_mean(dataset->output, *m.mean_output_tokens_derived).capped_at(dataset->mlperf.max_output_tokens);
      p.assumptions.push_back("outputs: the dataset's shape at the derived mean");
    } else if (dataset) {
      w.output = dataset->output;
    } else {
      return skipped(p, "output lengths unknown: give workload.output_tokens, measured_mean_output_tokens or a bundled "
                        "MLPerf workload.dataset");
    }
  }

  // Server rows' p99 limits: the row's own, else its MLPerf benchmark's (Interactive ones for an
  // Interactive row); the planner and the rate search use the same.
  Slo limits;
  if (m.scenario == MeasuredScenario::server) {
    limits.ttft_p99_s = m.ttft_p99_limit_s.value_or(0);
    limits.tpot_p99_s = m.tpot_p99_limit_s.value_or(0);
    if (!limits.any() && dataset && dataset->mlperf.present) {
      const bool use_interactive = p.interactive && dataset->mlperf.interactive.any();
      limits = use_interactive ? dataset->mlperf.interactive : dataset->mlperf.server;
      std::ostringstream text;
      text << "p99 limits: the MLPerf benchmark's " << (use_interactive ? "Interactive" : "Server") << " ones ("
           << dataset->mlperf.benchmark << ": TTFT " << limits.ttft_p99_s << " s, TPOT " << limits.tpot_p99_s << " s)";
      p.assumptions.push_back(text.str());
    }
    if (!limits.any()) return skipped(p, "server row without ttft_p99_limit_s / tpot_p99_limit_s or an MLPerf dataset");
  }
  // The operating point asked for (PredictOptions::at_measured_latency): the run's own p99
  // latencies where it reports them (inside the limits by MLPerf's validity rule), else the limits.
  // Falls back to the limits when the model cannot meet the measured latencies at any rate.
  const Slo mlperf_limits = limits;
  const bool at_measured = m.scenario == MeasuredScenario::server && o.at_measured_latency &&
                           m.reported_p99_ttft_s && m.reported_p99_tpot_s;
  if (at_measured) {
    if (limits.ttft_p99_s > 0) limits.ttft_p99_s = std::min(limits.ttft_p99_s, *m.reported_p99_ttft_s);
    if (limits.tpot_p99_s > 0) limits.tpot_p99_s = std::min(limits.tpot_p99_s, *m.reported_p99_tpot_s);
    std::ostringstream text;
    text << "operating point: the run's reported p99 latencies (TTFT " << limits.ttft_p99_s << " s, TPOT "
         << limits.tpot_p99_s << " s; limits " << mlperf_limits.ttft_p99_s << " s, " << mlperf_limits.tpot_p99_s
         << " s): the rate the model serves at the latencies this run measured";
    p.assumptions.push_back(text.str());
  }

  // Deployment: the row's parallelism, else the best replica shape on its chips (planner/deployment.hpp).
  DeploymentQuery q;
  q.chips = chips;
  q.mean_input_tokens = streamed ? w.prompt.mean_tokens() : static_cast<double>(s.prompt_tokens);
  q.mean_output_tokens = streamed ? w.output.mean_tokens() : static_cast<double>(s.output_tokens);
  q.input_tokens_sd = streamed ? w.prompt.sd_tokens() : 0.0;
  q.step_token_budget = kTokenBudget;  // the serving runs' chunked-prefill budget (below)
  q.max_sequences = kMaxSequences;
  q.tpot_limit_s = limits.tpot_p99_s;
  if (m.scenario == MeasuredScenario::fixed_batch) q.max_sequences = *m.batch;
  if (m.scenario == MeasuredScenario::concurrency) q.max_sequences = *m.concurrency;
  if (m.scenario == MeasuredScenario::single_stream) q.max_sequences = 1;
  q.pipeline_groups = streamed;
  if (m.tp || m.pp) {
    q.tp = m.tp.value_or(1);
    q.pp = m.pp.value_or(1);
  }
  // A row's attention data parallelism: dp copies of a tp-wide attention (tp 1 unless stated)
  // share ep = tp x dp ranks; a stated ep must be that product.
  if (m.attention_dp) {
    q.tp = m.tp.value_or(1);
    q.ep = *q.tp * *m.attention_dp;
    if (m.ep && *m.ep != *q.ep)
      return skipped(p, "parallelism.ep (" + std::to_string(*m.ep) + ") is not tp x dp (" + std::to_string(*q.ep) +
                            "): attention data parallelism shares ep = tp x dp expert ranks");
  } else if (m.ep) {
    q.ep = *m.ep;
  }
  // The DES lays a stage out as its tp chips (des/platform.cpp): on it, MoE rows search the
  // tensor- and expert-parallel shapes only.
  if (o.serve && s.model.moe && s.calibration.attention_data_parallel) {
    s.calibration.attention_data_parallel = false;
    p.assumptions.push_back("DES engine: no attention data parallelism, tensor- and expert-parallel shapes only");
  }
  const DeploymentChoice chosen = search_deployment(s, q);
  if (!chosen.found) return skipped(p, chosen.explanation);
  if (!(m.tp || m.pp)) p.assumptions.push_back("parallelism not given: " + chosen.explanation);

  ServingOptions serving;
  serving.seed = o.seed;
  serving.scheduler = "chunked-prefill";
  serving.token_budget = kTokenBudget;
  serving.max_batch = kMaxSequences;
  serving.draw_routing = false;  // steady-state figures: the expectation where the draw cannot matter (serving.hpp)
  const bool have_lengths = m.input_tokens && m.output_tokens;
  switch (m.scenario) {
    case MeasuredScenario::fixed_batch:
      w.arrival = WorkloadSpec::Arrival::all_at_once;
      w.prompt = fixed(*m.input_tokens);
      w.output = fixed(*m.output_tokens);
      w.requests = *m.batch;
      serving.scheduler = "static";
      serving.max_batch = *m.batch;
      serving.max_batch_tokens = std::max<long long>(serving.max_batch_tokens, *m.batch * *m.input_tokens);
      break;
    case MeasuredScenario::single_stream:
    case MeasuredScenario::concurrency: {
      if (!have_lengths && m.scenario == MeasuredScenario::concurrency)
        return skipped(p, "input_tokens / output_tokens not given");
      if (!have_lengths) p.assumptions.push_back("lengths not given: 1024 in, 256 out (a single stream's rate barely depends on them)");
      const long long users = m.scenario == MeasuredScenario::concurrency ? *m.concurrency : 1;
      w.arrival = WorkloadSpec::Arrival::closed_loop;
      w.users = users;
      w.think_time_s = 0;
      w.prompt = fixed(m.input_tokens.value_or(1024));
      w.output = fixed(m.output_tokens.value_or(256));
      w.requests = users == 1 ? kSingleStreamRequests : std::max(kMinConcurrencyRequests, kConcurrencyRounds * users);
      serving.scheduler = "continuous";
      serving.max_batch = std::max<long long>(1, users);
      break;
    }
    case MeasuredScenario::offline:
      w.arrival = WorkloadSpec::Arrival::all_at_once;
      break;
    case MeasuredScenario::server:
      w.arrival = WorkloadSpec::Arrival::poisson;
      w.slo = limits;
      break;
  }

  // One candidate deployment set up for a serving run (serving/deployed.hpp: one replica, one
  // micro-batch group when pipelined).
  struct Deployed : ServedReplica {
    WorkloadSpec w;
  };
  auto deploy = [&](const DeploymentChoice& d) {
    Deployed x{serve_one_replica(s, d, chips, serving, streamed), w};
    if (streamed)  // enough requests that the result is the steady state, not the drain of one batch
      x.w.requests = std::max({m.scenario == MeasuredScenario::offline ? o.offline_requests : o.server_requests,
                               o.steady_batches * d.batch, kSteadyMinRequests});
    // An MLPerf Server run lasts at least the benchmark's minimum duration (600 s): near capacity
    // the queue's random walk needs that long to break a p99 limit, so a shorter run passes rates
    // MLPerf fails. Requests for that duration at the closed form's capacity estimate for one
    // replica-group (batch / step / mean output), at most kMaxServerRunRequests. That duration is
    // the steady-state criterion here (not the full batches: 4 batches of 3,600-token reasoning
    // outputs are twice MLPerf's 600 s and took 20 s a row), at least server_requests.
    if (m.scenario == MeasuredScenario::server && dataset && dataset->mlperf.present && dataset->mlperf.min_duration_s > 0 &&
        d.step_s > 0) {
      const double capacity_req_s = static_cast<double>(d.batch) / d.step_s / std::max(1.0, q.mean_output_tokens);
      const double wanted = std::ceil(dataset->mlperf.min_duration_s * capacity_req_s);
      x.w.requests = std::max(o.server_requests, static_cast<long long>(std::min(wanted, static_cast<double>(kMaxServerRunRequests))));
    }
    // A rate search's cost is its output tokens: long outputs get fewer requests (at least
    // kSteadyMinRequests), so that every shared measurement file validates in seconds.
    if (m.scenario == MeasuredScenario::server)
      x.w.requests = std::min(x.w.requests, std::max(kSteadyMinRequests, static_cast<long long>(std::ceil(
                                                kMaxServerRunOutputTokens / std::max(1.0, q.mean_output_tokens)))));
    // An MLPerf Offline run issues the whole dataset (min_query_count = its sample count) and its
    // throughput includes the drain: this replica-group's share of it, at least (the minimum
    // duration is added after the run: serving/deployed.hpp offline_tok_s_over_min_duration).
    if (m.scenario == MeasuredScenario::offline && dataset && dataset->mlperf.present && dataset->mlperf.samples > 0)
      x.w.requests = std::max(x.w.requests, static_cast<long long>(std::ceil(static_cast<double>(dataset->mlperf.samples) /
                                                                             x.scale())));
    return x;
  };
  auto rate_start = [&](const DeploymentChoice& d) {
    // Start the search near the closed form's estimate (a bracket that holds the answer).
    return std::max(1e-3, 0.5 * static_cast<double>(d.batch) / d.step_s / std::max(1.0, q.mean_output_tokens));
  };

  // A p99 limit makes the closed form's ranking unreliable (prefill stalls and queueing that a
  // steady-state step does not see: 405B on 16 H100 ranks TP2 x PP8 first in closed form and serves
  // a fifth of TP4 x PP4). Server rows without a stated parallelism search the closed form's first
  // few candidates (those within kServerCandidateWithin of its best: its misranking under a p99
  // limit is tens of percent, not more) in turn, branch and bound: each later one must first meet
  // the limits at the rate that matches the best so far (one run when it cannot), and only one that
  // does searches on.
  Deployed dep = deploy(chosen);
  std::optional<RateSearch> server_search;
  auto search_server = [&](const Slo& slo) {
    size_t tries = 1;
    if (!(m.tp || m.pp))
      while (tries < std::min<size_t>(kServerCandidates, chosen.ranked.size()) &&
             chosen.ranked[tries].tok_s_per_chip >= kServerCandidateWithin * chosen.tok_s_per_chip)
        ++tries;
    double best_tok_s = 0;
    std::string tried;
    for (size_t k = 0; k < std::max<size_t>(1, tries); ++k) {
      Deployed x = deploy(k < chosen.ranked.size() ? chosen.ranked[k] : chosen);
      x.w.slo = slo;
      const double tok_s_per_req_s = x.w.output.mean_tokens() * static_cast<double>(x.groups * x.replicas);
      const double bar = best_tok_s > 0 ? best_tok_s / tok_s_per_req_s : 0;
      const RateSearch rs =
          max_rate_meeting_slo(x.s, x.plan, x.w, x.so, rate_start(x.choice), o.server_bisections, bar);
      const double tok_s = rs.found ? rs.max_rate_req_s * tok_s_per_req_s : 0;
      std::ostringstream t;
      t.precision(4);
      t << (tried.empty() ? "" : ", ") << "tp=" << x.choice.tp << " pp=" << x.choice.pp << ": ";
      if (rs.found) t << tok_s;
      else t << (bar > 0 ? "below the best" : "none");
      tried += t.str();
      if (rs.found && tok_s > best_tok_s) {
        best_tok_s = tok_s;
        dep = x;
        server_search = rs;
      }
    }
    if (tries > 1)
      p.assumptions.push_back("server deployment: the best of the closed form's " + std::to_string(tries) +
                              " first candidates by the rate they serve at the p99 limits (" + tried + " tok/s)");
  };
  const double offline_min_duration_s = m.scenario == MeasuredScenario::offline && dataset && dataset->mlperf.present
                                            ? dataset->mlperf.min_duration_s
                                            : 0.0;
  if (m.scenario == MeasuredScenario::offline && !o.closed_form && !o.serve && !(m.tp || m.pp)) {
    // Offline rows likewise: the closed form's steady step misranks shapes whose KV cache is tight
    // (the lengths' spread leaves fewer sequences running than the mean allows), so its first few
    // candidates are simulated and the best kept, as an operator measures before deploying.
    double best_tok_s = 0;
    std::string tried;
    size_t tries = 0;
    for (size_t k = 0; k < std::min<size_t>(kServerCandidates, chosen.ranked.size()); ++k) {
      if (chosen.ranked[k].tok_s_per_chip < kServerCandidateWithin * chosen.tok_s_per_chip) break;
      Deployed x = deploy(chosen.ranked[k]);
      const ServingResult r = run_serving_analytic(x.s, x.plan, x.w, x.so);
      const double tok_s = offline_tok_s_over_min_duration(r, offline_min_duration_s) * x.scale();
      std::ostringstream tx;
      tx.precision(4);
      tx << (tried.empty() ? "" : ", ") << "tp=" << x.choice.tp << " pp=" << x.choice.pp << ": " << tok_s;
      tried += tx.str();
      ++tries;
      if (tok_s > best_tok_s) {
        best_tok_s = tok_s;
        dep = x;
      }
    }
    if (tries > 1)
      p.assumptions.push_back("offline deployment: the best of the closed form's " + std::to_string(tries) +
                              " first candidates by simulated throughput (" + tried + " tok/s)");
  }
  if (m.scenario == MeasuredScenario::server && !o.closed_form && !o.serve) {
    search_server(limits);
    if (!server_search && at_measured) {
      // The whole row again at the limits (its deployment was planned under the tighter TPOT too).
      PredictOptions at_limits = o;
      at_limits.at_measured_latency = false;
      Prediction again = predict(m, at_limits);
      again.assumptions.insert(again.assumptions.begin(),
                               "no rate meets the run's reported p99 latencies in the model: predicted at the limits");
      return again;
    }
  }
  const DeploymentChoice& d = dep.choice;
  s = dep.s;
  Plan plan = dep.plan;
  w = dep.w;
  ServingOptions so2 = dep.so;
  const long long tp = d.tp, pp = d.pp, ep = s.ep.value_or(1);
  const long long replicas = dep.replicas, groups = dep.groups;
  {
    std::ostringstream desc;
    desc << replicas << " x (tp=" << tp << " pp=" << pp << " ep=" << ep
         << (plan.attention_dp() > 1 ? ", attention dp=" + std::to_string(plan.attention_dp()) : "") << ") on " << chips
         << " " << m.hardware;
    p.deployment = desc.str();
  }
  if (groups > 1) p.assumptions.push_back(std::to_string(groups) + " micro-batch groups in flight per replica");
  if (m.scenario == MeasuredScenario::server && dataset && dataset->mlperf.present && dataset->mlperf.min_duration_s > 0)
    p.assumptions.push_back("server runs: " + std::to_string(w.requests) + " requests per rate tried on one of " +
                            std::to_string(replicas * groups) + " replicas x groups (MLPerf's minimum duration, " +
                            format_number(dataset->mlperf.min_duration_s) + " s, at the closed form's capacity" +
                            ", capped at " + format_number(kMaxServerRunOutputTokens) + " output tokens and " +
                            std::to_string(kMaxServerRunRequests) + " requests)");
  if (m.scenario == MeasuredScenario::offline && dataset && dataset->mlperf.present && dataset->mlperf.samples > 0)
    p.assumptions.push_back("offline run: " + std::to_string(w.requests) + " requests on one of " +
                            std::to_string(replicas * groups) + " replicas x groups (the dataset's " +
                            std::to_string(dataset->mlperf.samples) + " samples, drain included, as MLPerf issues them)");

  if (m.scenario == MeasuredScenario::server && m.reported_mean_tpot_s && m.metric == MeasuredMetric::output_tok_s_deployment) {
    // The sequences decoding at once, by Little's law on the measurement (tokens/s x TPOT), per
    // micro-batch group of this deployment; the model's steady-state step at that batch is its TPOT.
    const double per_group_tok_s = m.value / static_cast<double>(replicas * groups);
    const double batch = std::max(1.0, std::round(per_group_tok_s * *m.reported_mean_tpot_s));
    p.measured_tpot_s = *m.reported_mean_tpot_s;
    p.predicted_tpot_s = steady_step_s(s, plan, batch, q);
  }

  double per_replica_tok_s = 0, per_chip_tok_s = 0, per_stream = 0, ttft = 0, itl = 0;
  if (o.closed_form) {
    // The steady-state estimate alone (no serving run): what calibrate's optimiser evaluates.
    auto step = [&](const StepShape& shape) { return step_time(s, plan, step_cost(s, plan, shape)).total.si(); };
    const double in = static_cast<double>(s.prompt_tokens), out = static_cast<double>(s.output_tokens);
    switch (m.scenario) {
      case MeasuredScenario::offline:
      case MeasuredScenario::server:
        per_replica_tok_s = d.tok_s_per_chip * static_cast<double>(plan.chips);
        break;
      case MeasuredScenario::fixed_batch: {
        const double b = static_cast<double>(*m.batch);
        const double wave = std::max(1.0, std::min(b, static_cast<double>(d.batch)));
        const double waves = std::ceil(b / wave);
        const double makespan = waves * (step(StepShape::prefill(static_cast<long long>(wave), in, 0)) +
                                         out * step(StepShape::decode(static_cast<long long>(wave), in + out / 2)));
        per_replica_tok_s = b * out / makespan;
        ttft = step(StepShape::prefill(1, in, 0));
        break;
      }
      case MeasuredScenario::single_stream:
      case MeasuredScenario::concurrency: {
        const long long users = m.scenario == MeasuredScenario::concurrency ? *m.concurrency : 1;
        itl = step(StepShape::decode(users, in + out / 2));
        per_replica_tok_s = static_cast<double>(users) / itl;
        ttft = step(StepShape::prefill(1, in, 0));
        break;
      }
    }
    per_chip_tok_s = per_replica_tok_s / static_cast<double>(plan.chips);
    per_stream = itl > 0 ? 1.0 / itl : 0;
    if (m.scenario == MeasuredScenario::fixed_batch) per_stream = 0;
  } else if (m.scenario == MeasuredScenario::server) {
    if (o.serve) return skipped(p, "server rate search runs on the analytic engine only");
    if (!server_search) return skipped(p, "no arrival rate meets the p99 limits on this deployment");
    const RateSearch& rs = *server_search;  // found: only a found search is kept
    per_replica_tok_s = rs.max_rate_req_s * w.output.mean_tokens() * static_cast<double>(groups);
    per_chip_tok_s = per_replica_tok_s / static_cast<double>(plan.chips);
    if (!higher_is_better(m.metric) || m.metric == MeasuredMetric::output_tok_s_per_stream) {
      // Latencies at the rate found: one more run (throughput rows need none).
      ServingOptions at = so2;
      at.rate_req_s = rs.max_rate_req_s;
      ServingResult r = run_serving_analytic(s, plan, w, at);
      ttft = r.ttft_s.mean;
      itl = r.itl_s.mean;
      per_stream = r.tpot_s.mean > 0 ? 1.0 / r.tpot_s.mean : 0;
    }
  } else {
    ServingResult r = o.serve ? o.serve(s, plan, w, so2) : run_serving_analytic(s, plan, w, so2);
    if (r.requests == 0) return skipped(p, "no request finished (the KV cache cannot hold one)");
    const double extended = offline_min_duration_s > 0 && r.output_tok_s_deployment > 0
                                ? offline_tok_s_over_min_duration(r, offline_min_duration_s) / r.output_tok_s_deployment
                                : 1.0;
    per_replica_tok_s = r.output_tok_s_deployment * extended * static_cast<double>(groups);
    per_chip_tok_s = r.output_tok_s_per_chip * extended * static_cast<double>(groups);
    if (extended != 1.0)
      p.assumptions.push_back("offline run of " + format_number(r.makespan_s) + " s extended to MLPerf's " +
                              format_number(offline_min_duration_s) +
                              " s minimum by requests at its steady-window rate (ramp and drain once)");
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

void for_each_index(size_t n, const std::function<void(size_t)>& f) {
  // Two workers take the next index from a shared counter (rows differ 100x in cost, so a fixed split
  // leaves one idle); each index is done exactly once, whatever the order. The first exception is
  // rethrown once both workers have stopped.
  std::atomic<size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) {
      try {
        f(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next = n;
      }
    }
  };
  std::thread other(worker);
  worker();
  other.join();
  if (failure) std::rethrow_exception(failure);
}

std::vector<Prediction> predict_all(const MeasurementSet& set, const PredictOptions& o) {
  std::vector<Prediction> out(set.rows.size());
  // A caller-supplied engine (o.serve: the DES in child processes) runs one row at a time.
  if (o.serve) {
    for (size_t i = 0; i < set.rows.size(); ++i) out[i] = predict(set.rows[i], o);
    return out;
  }
  for_each_index(set.rows.size(), [&](size_t i) { out[i] = predict(set.rows[i], o); });
  return out;
}

std::map<std::string, ErrorSummary> summarise(const std::vector<Prediction>& predictions) {
  std::map<std::string, std::vector<const Prediction*>> groups;
  for (const auto& p : predictions) {
    groups["all"].push_back(&p);
    groups[p.tag].push_back(&p);
    // Audited rows per platform, model and scenario: where the model can be trusted today.
    if (p.tag == "audited") {
      groups["audited on " + p.hardware].push_back(&p);
      groups["audited " + p.model].push_back(&p);
      groups["audited " + std::string(p.interactive ? "interactive" : to_string(p.scenario))].push_back(&p);
    }
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
    j["calibration"] = p.calibration;
    j["assumptions"] = p.assumptions;
    if (p.measured_tpot_s && p.predicted_tpot_s) {
      j["measured_mean_tpot_s"] = *p.measured_tpot_s;
      j["predicted_tpot_s_at_measured_load"] = *p.predicted_tpot_s;
      j["tpot_relative_error"] = *p.predicted_tpot_s / *p.measured_tpot_s - 1.0;
    }
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
