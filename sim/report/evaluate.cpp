// The suite's evaluation: cells (hardware x workload), closed form with a seeded Monte Carlo over the
// descriptors' ranges, and the four MLPerf-style serving scenarios on the analytic runtime.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "analytic/projection.hpp"
#include "descriptors/catalog.hpp"
#include "descriptors/input_error.hpp"
#include "descriptors/json_reader.hpp"
#include "report/report.hpp"
#include "report/suite.hpp"
#include "interrupt/interrupt.hpp"
#include "format/progress.hpp"
#include "report/util.hpp"
#include "planner/deployment.hpp"
#include "serving/deployed.hpp"
#include "serving/pareto.hpp"
#include "serving/serving.hpp"
#include "version/version.hpp"

namespace infersim::report {

namespace {
using nlohmann::json;

double unit_draw(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// Triangular with the mode at the value (or uniform), within [low, high]; the value itself when the
// descriptor gives no range.
double draw(const Sourced& x, std::mt19937_64& rng, bool triangular) {
  const double u = unit_draw(rng);  // always consumed: the stream does not depend on which inputs have ranges
  if (!x.has_range() || x.high <= x.low) return x.value;
  const double a = x.low, b = x.high, c = std::clamp(x.value, a, b);
  if (!triangular) return a + u * (b - a);
  const double fc = (c - a) / (b - a);
  if (u < fc) return a + std::sqrt(u * (b - a) * (c - a));
  return b - std::sqrt((1 - u) * (b - a) * (b - c));
}
void perturb(Sourced& x, std::mt19937_64& rng, bool tri) { x.value = draw(x, rng, tri); }

// The capacity is not drawn (the plan, and so whether the model fits, is decided on the values);
// everything that sets a speed, a power or a price is.
void perturb_hardware(Hardware& hw, std::mt19937_64& rng, bool tri) {
  for (auto& kv : hw.peak_flops) perturb(kv.second, rng, tri);
  for (auto& t : hw.tiers) perturb(t.bandwidth_Bps, rng, tri);
  perturb(hw.sustained_matmul_fraction, rng, tri);
  if (hw.static_power_W) perturb(*hw.static_power_W, rng, tri);
  for (auto& t : hw.tiers)
    if (t.access_energy_per_byte_J) perturb(*t.access_energy_per_byte_J, rng, tri);
  perturb(hw.chip_power_W, rng, tri);
  perturb(hw.system_power_W_per_chip, rng, tri);
  perturb(hw.idle_power_W_per_chip, rng, tri);
  perturb(hw.system_cost_usd_per_chip, rng, tri);
  perturb(hw.scale_up.bandwidth_Bps, rng, tri);
  perturb(hw.scale_up.latency_s, rng, tri);
  if (hw.scale_out) {
    perturb(hw.scale_out->bandwidth_Bps, rng, tri);
    perturb(hw.scale_out->latency_s, rng, tri);
  }
}

// A hypothetical model published only as a range of parameters (the paper's 1-2 T total, 200-400 B
// active) is drawn by scaling its depth: both ranges are +-1/3 of the value, so layers scale alike.
double model_scale(const Model& m, std::mt19937_64& rng, bool tri) {
  if (!m.hypothetical || !m.published_active_params || !m.published_active_params->has_range()) {
    unit_draw(rng);  // keep the stream aligned
    return 1.0;
  }
  const Sourced& a = *m.published_active_params;
  const Sourced rel{1.0, a.low / a.value, a.high / a.value, a.provenance};
  return draw(rel, rng, tri);
}

std::uint64_t cell_seed(std::uint64_t seed, const std::string& hw, const std::string& workload) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a over "hw/workload"
  for (char ch : hw + "/" + workload) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
  return seed ^ h;
}

std::string fmt_rate(double r) {
  char b[64];
  std::snprintf(b, sizeof b, "%.3g", r);
  return b;
}

struct Metric {
  std::string name;
  std::string tag_key;  // Projection::tags key, or "" for the hardware's own tag
};

const std::vector<std::string> kClosedForm = {
    "decode_tok_s_per_stream_batch1", "decode_tok_s_per_chip",   "decode_tok_s_deployment",
    "ttft_s",                         "energy_J_per_token",      "usd_per_mtok_capex",
    "usd_per_mtok_all_in",            "agent_density_per_musd"};
const std::vector<std::string> kServingThroughput = {
    "offline_output_tok_s_deployment",     "offline_output_tok_s_per_chip",      "server_max_rate_req_s",
    "server_output_tok_s_deployment",      "server_output_tok_s_per_chip",       "interactive_max_rate_req_s",
    "interactive_output_tok_s_deployment", "interactive_output_tok_s_per_chip"};
const std::vector<std::string> kServingLatency = {"server_ttft_p99_s",        "server_tpot_p99_s",
                                                  "single_stream_e2e_p90_s",  "single_stream_ttft_p90_s",
                                                  "single_stream_tpot_mean_s"};
const std::vector<std::string> kOther = {"context_tokens_supported", "software_maturity_0_10"};

std::string tag_for(const std::string& metric) {
  if (metric == "ttft_s" || metric.find("single_stream") == 0) return "ttft_s";
  if (metric == "energy_J_per_token") return "energy_J_per_token";
  if (metric == "usd_per_mtok_capex" || metric == "agent_density_per_musd") return "usd_per_mtok_capex";
  if (metric == "usd_per_mtok_all_in") return "usd_per_mtok_all_in";
  if (metric == "context_tokens_supported") return "fits";
  return "decode";
}

void put_range(json& row, const std::string& name, const Range& r, const std::string& tag) {
  row[name + "_low"] = r.low;
  row[name + "_mid"] = r.mid;
  row[name + "_high"] = r.high;
  row[name + "_tag"] = tag;
}
void put_null(json& row, const std::string& name) {
  row[name + "_low"] = nullptr;
  row[name + "_mid"] = nullptr;
  row[name + "_high"] = nullptr;
  row[name + "_tag"] = nullptr;
}

double context_supported(const Scenario& s, const Plan& plan, double capacity_scale) {
  // KV per token per chip from the plan (batch x max context filled its kv_bytes_per_chip).
  const double per_token = plan.kv_bytes_per_chip.si() / (static_cast<double>(s.batch) * s.max_context_tokens());
  const double free = plan.usable_bytes_per_chip.si() * capacity_scale - plan.weights_bytes_per_chip.si();
  if (per_token <= 0 || free <= 0) return 0;
  return std::min(static_cast<double>(s.model.max_context_tokens), std::floor(free / per_token));
}

struct CellInput {
  const Suite* suite;
  const SuiteWorkload* workload;
  std::string hw;
  const json* accuracy;  // calibrate's summary, or null
};

// How well the model predicts this platform today: calibrate's held-out and in-sample median
// |error| over its audited rows (validation/accuracy.json), or the note that no audited
// measurement exists (an uncalibrated projection).
void put_accuracy(json& row, const json* accuracy, const std::string& hw) {
  row["accuracy_audited_rows"] = 0;
  row["accuracy_held_out_median"] = nullptr;
  row["accuracy_fitted_median"] = nullptr;
  const json* p = nullptr;
  if (accuracy && accuracy->contains("per_platform_audited") && (*accuracy)["per_platform_audited"].contains(hw))
    p = &(*accuracy)["per_platform_audited"][hw];
  const long long rows = p ? (*p)["held_out"].value("rows", 0LL) : 0;
  if (rows == 0) {
    row["accuracy_note"] = accuracy ? "uncalibrated projection: no audited measurement of this platform"
                                    : "accuracy not stated (the suite names no calibrate summary)";
    return;
  }
  row["accuracy_audited_rows"] = rows;
  row["accuracy_held_out_median"] = (*p)["held_out"]["median_abs_relative_error"];
  row["accuracy_fitted_median"] = (*p)["fitted"]["median_abs_relative_error"];
  char b[200];
  std::snprintf(b, sizeof b, "%lld audited rows: median |error| %.0f %% held out (this platform left out of the fit), %.0f %% fitted",
                rows, 100 * (*p)["held_out"]["median_abs_relative_error"].get<double>(),
                100 * (*p)["fitted"]["median_abs_relative_error"].get<double>());
  row["accuracy_note"] = b;
}

struct CellOutput {
  json row;
  json pareto;  // null or an object
};

Calibration calibration_for(const Suite& suite, const std::string& hw) {
  return suite.calibration == "auto" ? auto_calibration_for_hardware(hw) : load_calibration(suite.calibration);
}

ScenarioOptions options_for(const Suite& suite, const SuiteWorkload& w, const std::string& hw) {
  ScenarioOptions o;
  o.hw = hw;
  o.model = w.model;
  o.weights = w.weights;
  o.kv = w.kv;
  o.batch = w.batch;
  o.prompt_tokens = w.prompt_tokens;
  o.output_tokens = w.output_tokens;
  o.economics = suite.economics;
  o.calibration = calibration_for(suite, hw);
  return o;
}

ServingOptions serving_options(const Suite& suite) {
  ServingOptions o;
  o.seed = suite.serving_seed;
  o.scheduler = suite.scheduler;
  o.max_batch = suite.max_batch;
  o.token_budget = suite.token_budget;
  validate(o);
  return o;
}

// The deployment as an operator runs it (planner/deployment.hpp): on the suite's unit ("server"
// policy) or the fewest chips that hold the model ("min-fit", its plan's shape), the replica shape,
// data-parallel replicas and batch with the best throughput on the serving workload's lengths,
// among those that also hold the closed form's fixed batch at its full context.
DeploymentQuery deployment_query(const Suite& suite, const SuiteWorkload& sw, const WorkloadSpec& serving) {
  DeploymentQuery q;
  q.mean_input_tokens = serving.prompt.mean_tokens();
  q.mean_output_tokens = serving.output.mean_tokens();
  q.input_tokens_sd = serving.prompt.sd_tokens();
  q.max_sequences = suite.max_batch;
  const ServingOptions o = serving_options(suite);
  q.step_token_budget = o.scheduler == "chunked-prefill" ? o.token_budget : 0;
  q.min_kv_tokens = static_cast<double>(sw.batch) * static_cast<double>(sw.prompt_tokens + sw.output_tokens);
  return q;
}

// The four MLPerf-style scenarios on one replica (one micro-batch group when pipelined) of the
// deployment, scaled to the deployment (serving/deployed.hpp); runs hold the steady state.
json serving_scenarios(const Suite& suite, const SuiteWorkload& sw, const ServedReplica& stream, const ServedReplica& one,
                       json& row, json& pareto) {
  WorkloadSpec base = load_workload(sw.serving_workload);
  const Scenario& s = stream.s;
  const Plan& plan = stream.plan;
  const ServingOptions& o = stream.so;
  const double scale = stream.scale();
  const double per_chip_scale = static_cast<double>(stream.groups);
  // A workload's own serving_requests is taken as given (a stated trade of steady state for time on
  // long outputs, said in its status); otherwise runs hold the steady state (serving/deployed.hpp).
  auto requests_for = [&](long long suite_requests) {
    return sw.serving_requests ? sw.serving_requests : stream.steady_requests(suite_requests);
  };
  const std::string short_run =
      sw.serving_requests && sw.serving_requests < stream.steady_requests(0)
          ? "; the workload's serving_requests, below the steady state's " + std::to_string(stream.steady_requests(0))
          : std::string();
  json mids;
  double offline_req_s = 0;
  {  // Offline: every request at t = 0, throughput is the figure of merit.
    WorkloadSpec w = base;
    w.arrival = WorkloadSpec::Arrival::all_at_once;
    w.slo = Slo{};
    ServingOptions p = o;
    p.requests = requests_for(suite.offline.requests);
    ServingResult r = run_serving_analytic(s, plan, w, p);
    // The steady window's rate (serving.hpp): what a long Offline run converges to, whatever the
    // run's length; the whole makespan's where the run is too short to have one.
    const double tok_s = r.steady_output_tok_s_deployment > 0 ? r.steady_output_tok_s_deployment : r.output_tok_s_deployment;
    offline_req_s = r.steady_requests_per_s > 0 ? r.steady_requests_per_s
                    : r.makespan_s > 0 ? static_cast<double>(r.requests) / r.makespan_s : 0.0;
    mids["offline_output_tok_s_deployment"] = tok_s * scale;
    mids["offline_output_tok_s_per_chip"] = tok_s / static_cast<double>(plan.chips) * per_chip_scale;
  }
  auto search = [&](const ScenarioSpec& spec, const Slo& slo, const std::string& prefix) {
    WorkloadSpec w = base;
    w.arrival = WorkloadSpec::Arrival::poisson;
    w.slo = slo;
    ServingOptions p = o;
    p.requests = requests_for(spec.requests);
    RateSearch rs = max_rate_meeting_slo(s, plan, w, p, spec.start_rate_req_s / scale, spec.bisections);
    const std::string limits = "p99 TTFT <= " + fmt_rate(slo.ttft_p99_s) + " s, p99 TPOT <= " +
                               fmt_rate(slo.tpot_p99_s) + " s";
    if (!rs.found) {
      row[prefix + "_status"] = "no arrival rate meets " + limits;
      mids[prefix + "_max_rate_req_s"] = nullptr;
      mids[prefix + "_output_tok_s_deployment"] = nullptr;
      mids[prefix + "_output_tok_s_per_chip"] = nullptr;
      if (prefix == "server") mids["server_ttft_p99_s"] = nullptr, mids["server_tpot_p99_s"] = nullptr;
      return;
    }
    // No arrival rate is sustainable above the Offline completion rate; a finite run whose burst the
    // batch absorbs can meet the SLO at any rate, so the search is capped there and says so.
    std::string capped;
    if (offline_req_s > 0 && rs.max_rate_req_s > offline_req_s) {
      rs.max_rate_req_s = offline_req_s;
      capped = ", capped at the Offline completion rate: the " + std::to_string(p.requests) +
               "-request run met the SLO at every rate tried";
    }
    p.rate_req_s = rs.max_rate_req_s;
    ServingResult r = run_serving_analytic(s, plan, w, p);
    row[prefix + "_status"] = "meets " + limits + " up to " + fmt_rate(rs.max_rate_req_s * scale) + " req/s (" +
                              std::to_string(rs.runs) + " runs of " + std::to_string(p.requests) + " requests" + short_run +
                              (scale > 1 ? " on one of " + fmt_rate(scale) + " replicas/groups" : std::string()) + capped + ")";
    mids[prefix + "_max_rate_req_s"] = rs.max_rate_req_s * scale;
    mids[prefix + "_output_tok_s_deployment"] = r.output_tok_s_deployment * scale;
    mids[prefix + "_output_tok_s_per_chip"] = r.output_tok_s_per_chip * per_chip_scale;
    if (prefix == "server") {
      mids["server_ttft_p99_s"] = r.ttft_s.p99;
      mids["server_tpot_p99_s"] = r.tpot_s.p99;
    }
  };
  search(suite.server, sw.server_slo ? *sw.server_slo : suite.server.slo, "server");
  {  // SingleStream: one request at a time, back to back; MLPerf judges its 90th-percentile latency.
    WorkloadSpec w = base;
    w.arrival = WorkloadSpec::Arrival::closed_loop;
    w.users = 1;
    w.think_time_s = 0;
    w.slo = Slo{};
    ServingOptions p = one.so;
    p.requests = suite.single_stream.requests;
    ServingResult r = run_serving_analytic(one.s, one.plan, w, p);
    mids["single_stream_e2e_p90_s"] = r.e2e_s.p90;
    mids["single_stream_ttft_p90_s"] = r.ttft_s.p90;
    mids["single_stream_tpot_mean_s"] = r.tpot_s.mean;
  }
  search(suite.interactive, sw.interactive_slo ? *sw.interactive_slo : suite.interactive.slo, "interactive");
  if (sw.pareto) {
    WorkloadSpec w = base;
    w.arrival = WorkloadSpec::Arrival::all_at_once;
    w.slo = Slo{};
    ServingOptions p = one.so;
    p.requests = suite.pareto_requests;
    auto points = sweep(one.s, one.plan, w, p, SweepAxis::batch, suite.pareto_max_batch);
    mark_frontier(points);
    pareto = to_json(points);
  }
  return mids;
}

CellOutput evaluate_cell(const CellInput& in) {
  const Suite& suite = *in.suite;
  const SuiteWorkload& sw = *in.workload;
  CellOutput out;
  json& row = out.row;
  row["suite_id"] = suite.id;
  row["workload"] = sw.id;
  row["model"] = sw.model;
  row["serving_workload"] = sw.serving_workload;
  row["hardware"] = in.hw;
  row["weights_precision"] = sw.weights;
  row["kv_precision"] = sw.kv;
  row["batch"] = sw.batch;
  row["prompt_tokens"] = sw.prompt_tokens;
  row["output_tokens"] = sw.output_tokens;
  row["deployment_policy"] = sw.deployment;
  row["deployment_what"] = sw.deployment == "server" ? suite.deployments.at(in.hw).what
                                                     : std::string("the fewest chips that hold weights and KV cache");
  row["server_status"] = nullptr;
  row["interactive_status"] = nullptr;
  for (const auto& m : kClosedForm) put_null(row, m);
  for (const auto& m : kServingThroughput) put_null(row, m);
  for (const auto& m : kServingLatency) put_null(row, m);
  for (const auto& m : kOther) put_null(row, m);

  const Scenario base = resolve_scenario(options_for(suite, sw, in.hw));
  row["hardware_name"] = base.hw.name;
  row["vendor_claims_only"] = base.hw.vendor_claims_only;
  row["hypothetical"] = base.hw.hypothetical;
  row["calibration"] = base.calibration.name;
  row["replicas"] = nullptr;
  row["micro_batch_groups"] = nullptr;
  put_accuracy(row, in.accuracy, in.hw);
  const Plan minimal = make_plan(base);
  row["chips_needed"] = minimal.fits ? json(minimal.chips) : json(nullptr);
  const WorkloadSpec serving_spec = load_workload(sw.serving_workload);
  DeploymentQuery q = deployment_query(suite, sw, serving_spec);
  const bool unit = sw.deployment == "server";
  q.chips = unit ? suite.deployments.at(in.hw).chips : (minimal.fits ? minimal.chips : 0);
  if (!unit && minimal.fits) {
    q.tp = minimal.tp;
    q.pp = minimal.pp;
  }
  DeploymentChoice d;
  if (q.chips > 0) d = search_deployment(base, q);
  row["chips"] = unit ? json(q.chips) : (minimal.fits ? json(minimal.chips) : json(nullptr));
  Scenario s = base;
  Plan plan;
  std::string invalid;
  if (d.found) {
    s.tp = d.tp;
    s.pp = d.pp;
    s.ep = d.ep;
    s.chips = d.replica_chips();
    s.dp = d.replicas;
    try {
      plan = make_plan(s);
    } catch (const InputError& e) {
      invalid = e.what();
    }
  }
  const bool fits = d.found && invalid.empty() && plan.fits;
  row["fits"] = fits;
  row["tp"] = fits ? json(plan.tp) : json(nullptr);
  row["pp"] = fits ? json(plan.pp) : json(nullptr);
  row["ep"] = fits ? json(plan.ep) : json(nullptr);
  row["mc_draws"] = suite.mc.draws;
  row["mc_draws_fitting"] = 0;
  if (!fits) {
    std::string status = "does not fit: needs " +
                         (minimal.fits ? std::to_string(minimal.chips) + " chips" : std::string("more chips than any plan tried"));
    if (unit && minimal.fits && minimal.chips <= q.chips)
      status = "does not fit as replicas of the unit with the batch's KV cache: " + d.explanation;
    if (!invalid.empty()) status = "invalid deployment: " + invalid;
    row["status"] = status;
    row["plan_explanation"] = invalid.empty() ? (d.found ? plan.explanation : d.explanation) : invalid;
    row["unaudited"] = base.hw.vendor_claims_only;
    row["weakest_tag"] = base.hw.vendor_claims_only ? json("vendor-claim") : json(nullptr);
    row["bar_style"] = nullptr;
    return out;
  }
  row["status"] = "ok";
  row["replicas"] = d.replicas;
  row["micro_batch_groups"] = d.groups;
  row["plan_explanation"] = d.explanation + "; closed form at batch " + std::to_string(sw.batch) + " per replica: " +
                            plan.explanation;

  // Nominal (mid) closed form at batch 1 and at the workload's batch.
  Scenario s1 = s;
  s1.batch = 1;
  const Projection pB = project(s, plan);
  const Projection p1 = project(s1, plan_with(s1, plan.tp, plan.pp, plan.ep));
  auto metric_of = [](const Projection& b1, const Projection& bB, const std::string& m) -> double {
    if (m == "decode_tok_s_per_stream_batch1") return b1.decode_tok_s_per_stream;
    if (m == "decode_tok_s_per_chip") return bB.decode_tok_s_per_chip;
    if (m == "decode_tok_s_deployment") return bB.decode_tok_s_deployment;
    if (m == "ttft_s") return b1.ttft_s;
    if (m == "energy_J_per_token") return bB.energy_J_per_token;
    if (m == "usd_per_mtok_capex") return bB.usd_per_mtok_capex;
    if (m == "usd_per_mtok_all_in") return bB.usd_per_mtok_all_in;
    return bB.agent_density_per_musd;
  };
  // Monte Carlo.
  std::mt19937_64 rng(cell_seed(suite.mc.seed, in.hw, sw.id));
  const bool tri = suite.mc.triangular;
  std::map<std::string, std::vector<double>> draws;
  long long fitting = 0;
  for (long long d = 0; d < suite.mc.draws && !stop_requested(); ++d) {  // the caller sees the flag
    Scenario sd = s;
    perturb_hardware(sd.hw, rng, tri);
    const double scale = model_scale(s.model, rng, tri);
    Plan pd;
    if (scale != 1.0) {
      sd.model.layers = std::max(sd.model.dense_mlp_layers() + 1,
                                 static_cast<long long>(std::llround(static_cast<double>(s.model.layers) * scale)));
      // Same tensor/expert degrees; a fixed deployment keeps its pipeline depth (and may no longer
      // fit), a min-fit one takes the fewest stages that hold the drawn model.
      if (sw.deployment == "server") {
        pd = plan_with(sd, plan.tp, plan.pp, plan.ep);
      } else {
        for (long long pp = std::max<long long>(1, plan.pp / 2); pp <= sd.model.layers; ++pp) {
          pd = plan_with(sd, plan.tp, pp, plan.ep);
          if (pd.fits) break;
        }
      }
      if (!pd.fits) continue;
    } else {
      pd = plan_with(sd, plan.tp, plan.pp, plan.ep);
    }
    Scenario sd1 = sd;
    sd1.batch = 1;
    const Projection qB = project(sd, pd);
    const Projection q1 = project(sd1, plan_with(sd1, pd.tp, pd.pp, pd.ep));
    ++fitting;
    for (const auto& m : kClosedForm) draws[m].push_back(metric_of(q1, qB, m));
  }
  row["mc_draws_fitting"] = fitting;
  TagSet all;
  for (const auto& kv : pB.tags) all.merge(kv.second);
  auto tag_name = [&](const std::string& key) { return std::string(to_string(pB.tags.at(key).weakest())); };
  std::map<std::string, Range> ranges;
  for (const auto& m : kClosedForm) {
    ranges[m] = summarize(draws[m], metric_of(p1, pB, m), suite.mc.q_low, suite.mc.q_high);
    put_range(row, m, ranges[m], tag_name(tag_for(m)));
  }
  // Context: capacity is not drawn above; its own range gives the range here (linear in capacity).
  const Sourced cap = s.hw.total_capacity_bytes();
  const double ctx_mid = context_supported(s, plan, 1.0);
  Range ctx{context_supported(s, plan, cap.low / cap.value), ctx_mid, context_supported(s, plan, cap.high / cap.value)};
  put_range(row, "context_tokens_supported", ctx, to_string(cap.provenance.tag));
  if (s.hw.software_maturity) {
    const Sourced& m = *s.hw.software_maturity;
    put_range(row, "software_maturity_0_10", Range{m.low, m.value, m.high}, to_string(m.provenance.tag));
  }
  const bool unaudited = s.hw.vendor_claims_only || all.rests_on_vendor_claim();
  row["unaudited"] = unaudited;
  row["weakest_tag"] = to_string(all.weakest());
  row["bar_style"] = unaudited ? "vendor-claim" : (all.weakest() == Tag::assumption ? "assumption" : "spec");

  // Serving scenarios at mid; their ranges take the closed form's relative spread.
  const ServingOptions so = serving_options(suite);
  const ServedReplica stream = serve_one_replica(s, d, q.chips, so, true);
  const ServedReplica one = serve_one_replica(s, d, q.chips, so, false);
  json mids = serving_scenarios(suite, sw, stream, one, row, out.pareto);
  const Range& thr = ranges["decode_tok_s_deployment"];
  const double lo = thr.mid > 0 ? thr.low / thr.mid : 1, hi = thr.mid > 0 ? thr.high / thr.mid : 1;
  const std::string decode_tag = tag_name("decode");
  for (const auto& m : kServingThroughput)
    if (mids.contains(m) && !mids[m].is_null()) {
      const double v = mids[m].get<double>();
      put_range(row, m, Range{v * lo, v, v * hi}, decode_tag);
    }
  for (const auto& m : kServingLatency)
    if (mids.contains(m) && !mids[m].is_null()) {
      const double v = mids[m].get<double>();
      put_range(row, m, Range{v / hi, v, v / lo}, m.find("ttft") != std::string::npos ? tag_name("ttft_s") : decode_tag);
    }
  return out;
}

json radar(const Suite& suite, const json& rows) {
  // The paper's six axes (Fig. 1), H100 = 1 on the ratio axes, software maturity absolute 0-10.
  const std::vector<std::pair<std::string, bool>> axes = {
      {"decode_tok_s_per_stream_batch1", true}, {"decode_tok_s_deployment", true},
      {"energy_J_per_token", false},            {"usd_per_mtok_capex", false},
      {"context_tokens_supported", true},       {"software_maturity_0_10", true}};
  json r;
  const SuiteWorkload* w = nullptr;
  for (const auto& sw : suite.workloads)
    if (sw.radar) w = &sw;
  if (!w) return nullptr;
  r["workload"] = w->id;
  r["baseline"] = suite.baseline;
  r["axes"] = json::array();
  for (const auto& a : axes) r["axes"].push_back(a.first);
  r["axes_inverted"] = {false, false, true, true, false, false};
  r["note"] = "ratio to the baseline on axes 1-5 (inverted for J/token and $/M tokens: higher is better), absolute "
              "0-10 on software maturity; per deployment; vendor-claims-only hardware excluded (seed paper Fig. 1)";
  const json* base = nullptr;
  for (const auto& row : rows)
    if (row["workload"] == w->id && row["hardware"] == suite.baseline) base = &row;
  r["platforms"] = json::array();
  for (const auto& row : rows) {
    if (row["workload"] != w->id) continue;
    json p;
    p["hardware"] = row["hardware"];
    p["excluded"] = nullptr;
    if (row["vendor_claims_only"].get<bool>()) p["excluded"] = "vendor claims only (unaudited), as the seed paper";
    else if (!row["fits"].get<bool>()) p["excluded"] = row["status"];
    else if (!base || !(*base)["fits"].get<bool>()) p["excluded"] = "baseline does not fit";
    if (p["excluded"].is_null()) {
      for (const char* q : {"low", "mid", "high"}) {
        json vals = json::array();
        for (size_t i = 0; i < axes.size(); ++i) {
          const std::string key = axes[i].first + "_" + q;
          const auto& v = row[key];
          if (v.is_null()) { vals.push_back(nullptr); continue; }
          if (axes[i].first == "software_maturity_0_10") { vals.push_back(v); continue; }
          const double b = (*base)[axes[i].first + "_mid"].get<double>();
          vals.push_back(axes[i].second ? v.get<double>() / b : b / v.get<double>());
        }
        // For inverted axes the pessimistic ratio comes from the high input (swap low and high).
        p[q] = vals;
      }
      for (size_t i = 0; i < axes.size(); ++i)
        if (!axes[i].second && !p["low"][i].is_null()) std::swap(p["low"][i], p["high"][i]);
    }
    r["platforms"].push_back(p);
  }
  return r;
}
}  // namespace

Range summarize(std::vector<double> v, double mid, double q_low, double q_high) {
  Range r{mid, mid, mid};
  if (v.empty()) return r;
  std::sort(v.begin(), v.end());
  auto q = [&](double p) {
    const double pos = p * static_cast<double>(v.size() - 1);
    const size_t i = static_cast<size_t>(std::floor(pos));
    const double f = pos - static_cast<double>(i);
    return i + 1 < v.size() ? v[i] * (1 - f) + v[i + 1] * f : v[i];
  };
  r.low = std::min(q(q_low), mid);
  r.high = std::max(q(q_high), mid);
  return r;
}

json evaluate_suite(const std::string& suite_path, int jobs, bool progress) {
  const Suite suite = load_suite(suite_path);
  json accuracy;
  if (!suite.accuracy.empty()) accuracy = read_json_file(locate(suite.accuracy));
  std::vector<CellInput> cells;
  for (const auto& w : suite.workloads)
    for (const auto& hw : suite.hardware) cells.push_back({&suite, &w, hw, accuracy.is_null() ? nullptr : &accuracy});
  std::vector<CellOutput> outs(cells.size());
  std::vector<std::string> errors(cells.size());
  std::vector<char> bad_input(cells.size(), 0);  // the cell failed on a value of the suite (exit 2)
  std::atomic<size_t> next{0};
  std::atomic<long long> done{0};
  std::mutex progress_mutex;
  Progress bar("cells", static_cast<long long>(cells.size()), progress);
  const int n = jobs > 0 ? jobs : std::max(1u, std::thread::hardware_concurrency());
  auto worker = [&] {
    for (size_t i; (i = next++) < cells.size();) {
      if (stop_requested()) return;
      try {
        outs[i] = evaluate_cell(cells[i]);
      } catch (const InputError& e) {
        bad_input[i] = 1;
        errors[i] = e.what();
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
      std::lock_guard<std::mutex> lock(progress_mutex);
      bar.set(++done);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < std::min<int>(n, static_cast<int>(cells.size())); ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  bar.finish();
  if (stop_requested()) throw std::runtime_error("interrupted");
  for (size_t i = 0; i < cells.size(); ++i) {
    if (errors[i].empty()) continue;
    // A bad value of the suite (an unknown model, a precision, a deployment that cannot be planned)
    // is bad input, named by the suite's pointer to the workload and the hardware it was paired with.
    if (bad_input[i])
      throw InputError(suite_path,
                       "/workloads/" + std::to_string(cells[i].workload - suite.workloads.data()) + " (hardware '" +
                           cells[i].hw + "')",
                       errors[i]);
    throw std::runtime_error(cells[i].hw + " / " + cells[i].workload->id + ": " + errors[i]);
  }

  json results;
  results["schema"] = "infersim-report/1";
  results["suite"] = {{"id", suite.id}, {"description", suite.description}};
  results["baseline_hardware"] = suite.baseline;
  results["monte_carlo"] = {{"draws", suite.mc.draws},
                            {"seed", suite.mc.seed},
                            {"distribution", suite.mc.triangular ? "triangular" : "uniform"},
                            {"quantile_low", suite.mc.q_low},
                            {"quantile_high", suite.mc.q_high},
                            {"what_is_drawn", "peak FLOP/s, memory and network bandwidth and latency, power, system cost "
                                              "within each descriptor's [low, high] (mode at the value); a hypothetical "
                                              "model's depth within its published parameter range; capacity is not drawn"},
                            {"serving_ranges", "serving scenarios are simulated at mid; their low/high apply the relative "
                                               "spread of the closed form's deployment throughput"}};
  results["economics"] = {{"lifetime_years", suite.economics.lifetime_years},
                          {"utilization", suite.economics.utilization},
                          {"usd_per_kWh", suite.economics.usd_per_kWh},
                          {"pue", suite.economics.pue},
                          {"stream_tok_s", suite.economics.stream_tok_s}};
  results["calibration"] = suite.calibration;
  results["accuracy"] = suite.accuracy.empty() ? json(nullptr) : json(suite.accuracy);
  results["scenarios"] = suite.scenarios_json;
  results["rows"] = json::array();
  results["pareto"] = json::array();
  for (size_t i = 0; i < outs.size(); ++i) {
    results["rows"].push_back(outs[i].row);
    if (!outs[i].pareto.is_null())
      results["pareto"].push_back({{"workload", cells[i].workload->id},
                                   {"hardware", cells[i].hw},
                                   {"unaudited", outs[i].row["unaudited"]},
                                   {"points", outs[i].pareto}});
  }
  results["radar"] = radar(suite, results["rows"]);
  results["fields"] = csv_fields();
  return results;
}

}  // namespace infersim::report
