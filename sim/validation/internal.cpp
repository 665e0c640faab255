#include "validation/internal.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "analytic/projection.hpp"
#include "des/des.hpp"
#include "descriptors/catalog.hpp"
#include "validation/child_process.hpp"

namespace infersim {

namespace {
constexpr double kHoldTolerance = 0.02;
constexpr long long kShortPrompt = 1024;

nlohmann::json des_point(const Scenario& s, const Plan& plan, bool formula, long long micro_batches) {
  return in_child([&] {
    DesOptions o;
    o.collectives_from_formula = formula;
    o.micro_batches = micro_batches;
    o.simgrid_args = {"--log=root.thres:critical"};
    nlohmann::json j = simulate_static_batches(s, plan, o, s.batch);
    return nlohmann::json{{"tok_s_per_stream", j.value("decode_tok_s_per_stream", 0.0)},
                          {"ttft_s", j.value("ttft_s", 0.0)}};
  });
}

std::string pct(double x) {
  std::ostringstream o;
  o.precision(3);
  o << (x >= 0 ? "+" : "") << x * 100 << " %";
  return o.str();
}
}  // namespace

std::vector<InternalPoint> run_internal_validation(const InternalOptions& o) {
  const auto hws = o.hardware.empty() ? bundled_ids("hardware") : o.hardware;
  const auto models = o.models.empty() ? bundled_ids("models") : o.models;
  std::vector<InternalPoint> out;
  for (const auto& hw : hws)
    for (const auto& model : models)
      for (size_t pi = 0; pi < o.prompts.size(); ++pi)
        for (size_t bi = 0; bi < o.batches.size(); ++bi) {
          if (o.diagonal && pi != bi) continue;
          const long long prompt = o.prompts[pi], batch = o.batches[bi];
          InternalPoint p;
          p.hardware = hw;
          p.model = model;
          p.batch = batch;
          p.prompt_tokens = prompt;
          p.output_tokens = o.output_tokens;
          ScenarioOptions so;
          so.hw = hw;
          so.model = model;
          so.batch = batch;
          so.prompt_tokens = prompt;
          so.output_tokens = o.output_tokens;
          so.calibration = o.calibration;
          Scenario s = resolve_scenario(so);
          Plan plan = make_plan(s);
          p.fits = plan.fits && static_cast<double>(prompt + o.output_tokens) <= static_cast<double>(s.model.max_context_tokens);
          p.chips = plan.chips;
          p.pp = plan.pp;
          p.plan = "tp=" + std::to_string(plan.tp) + " pp=" + std::to_string(plan.pp) + " ep=" + std::to_string(plan.ep);
          if (!p.fits) {  // not compared; counted by the command
            out.push_back(p);
            continue;
          }
          const Projection cf = project(s, plan);
          p.closed_form_tok_s_per_stream = cf.decode_tok_s_per_stream;
          p.closed_form_ttft_s = cf.ttft_s;
          // The closed form step by step, as the static batch runs it.
          double decode_s = 0;
          for (long long k = 1; k < o.output_tokens; ++k)
            decode_s += step_time(s, plan, step_cost(s, plan, StepShape::decode(batch, static_cast<double>(prompt + k))))
                            .total.si();
          p.integrated_tok_s_per_stream = decode_s > 0 ? static_cast<double>(o.output_tokens - 1) / decode_s : 0;
          p.integrated_ttft_s =
              step_time(s, plan, step_cost(s, plan, StepShape::prefill(batch, static_cast<double>(prompt), 0.0)))
                  .total.si();
          const nlohmann::json des = des_point(s, plan, false, 1);
          if (des.contains("error")) {
            p.error = des["error"].get<std::string>();
            out.push_back(p);
            continue;
          }
          p.des_tok_s_per_stream = des["tok_s_per_stream"].get<double>();
          p.des_ttft_s = des["ttft_s"].get<double>();
          p.decode_deviation = p.des_tok_s_per_stream / p.closed_form_tok_s_per_stream - 1.0;
          p.kv_growth = p.integrated_tok_s_per_stream / p.closed_form_tok_s_per_stream - 1.0;
          double des_formula = p.des_tok_s_per_stream;
          if (plan.chips > 1) {
            const nlohmann::json f = des_point(s, plan, true, 1);
            if (!f.contains("error")) {
              p.formula_run = true;
              des_formula = f["tok_s_per_stream"].get<double>();
              p.topology = p.des_tok_s_per_stream / des_formula - 1.0;
            }
          }
          p.residual = (1.0 + p.decode_deviation) / ((1.0 + p.kv_growth) * (1.0 + p.topology)) - 1.0;
          p.ttft_deviation = p.closed_form_ttft_s > 0 ? p.des_ttft_s / p.closed_form_ttft_s - 1.0 : 0;
          if (o.pipeline && plan.pp > 1 && batch >= plan.pp) {
            const nlohmann::json m = des_point(s, plan, false, plan.pp);
            if (!m.contains("error")) {
              p.pipeline_run = true;
              p.pipeline_deviation = m["tok_s_per_stream"].get<double>() / p.closed_form_tok_s_per_stream - 1.0;
            }
          }
          p.expected_to_hold = batch == 1 && prompt <= kShortPrompt;
          p.holds = std::fabs(p.decode_deviation) <= kHoldTolerance;
          // The dominant cause of the decode deviation, then TTFT's.
          std::ostringstream c;
          const double parts[] = {p.kv_growth, p.topology, p.residual};
          const char* names[] = {"KV growth over the generation (roofline bound moves with context)",
                                 "communication topology (collectives on the links vs the formula)",
                                 "unexplained residual"};
          int worst = 0;
          for (int i = 1; i < 3; ++i)
            if (std::fabs(parts[i]) > std::fabs(parts[worst])) worst = i;
          if (std::fabs(p.decode_deviation) <= 1e-6 && std::fabs(parts[worst]) <= 1e-6) c << "decode: exact";
          else c << "decode " << pct(p.decode_deviation) << ": " << names[worst] << " " << pct(parts[worst]);
          if (std::fabs(p.ttft_deviation) > kHoldTolerance)
            c << "; TTFT " << pct(p.ttft_deviation) << ": batched prefill of " << batch
              << " prompts (closed form: one), integrated closed form " << pct(p.integrated_ttft_s / p.closed_form_ttft_s - 1.0);
          if (p.pipeline_run)
            c << "; with " << plan.pp << " micro-batches the pipeline overlaps stages: " << pct(p.pipeline_deviation);
          p.cause = c.str();
          out.push_back(p);
        }
  return out;
}

std::vector<ContentionCase> run_contention_validation(const std::vector<std::string>& hardware,
                                                      const Calibration& calibration, const ContentionOptions& o) {
  std::vector<ContentionCase> out;
  for (const auto& hw : hardware.empty() ? bundled_ids("hardware") : hardware) {
    ScenarioOptions so;
    so.hw = hw;
    so.model = "llama-3.1-8b";  // the fabric is what is measured; the model only names the scenario
    so.calibration = calibration;
    const Scenario s = resolve_scenario(so);
    const nlohmann::json j = in_child([&] {
      nlohmann::json cases = nlohmann::json::array();
      for (const auto& c : contention_experiments(s, o)) {
        nlohmann::json r = to_json(c);
        r["expected_by"] = c.expected_by;
        cases.push_back(r);
      }
      return nlohmann::json{{"cases", cases}};
    });
    if (j.contains("error")) {
      ContentionCase c;
      c.hardware = hw;
      c.experiment = "all";
      c.not_run = "the DES failed: " + j["error"].get<std::string>();
      out.push_back(c);
      continue;
    }
    for (const auto& r : j["cases"]) {
      ContentionCase c;
      c.hardware = r["hardware"].get<std::string>();
      c.experiment = r["experiment"].get<std::string>();
      c.chips = r["chips"].get<long long>();
      c.bytes = r["bytes"].get<double>();
      c.not_run = r.value("not_run", "");
      if (c.not_run.empty()) {
        c.flows = r["flows"].get<long long>();
        c.route_latency_s = r["route_latency_s"].get<double>();
        c.bottleneck_Bps = r["bottleneck_Bps"].get<double>();
        c.closed_form_s = r["closed_form_s"].get<double>();
        c.des_s = r["des_s"].get<double>();
        c.des_standard_error_s = r["des_standard_error_s"].get<double>();
        c.expected_s = r["expected_s"].get<double>();
        c.expected_by = r["expected_by"].get<std::string>();
      }
      out.push_back(c);
    }
  }
  return out;
}

nlohmann::json to_json(const InternalPoint& p) {
  nlohmann::json j = {{"hardware", p.hardware}, {"model", p.model}, {"batch", p.batch},
                      {"prompt_tokens", p.prompt_tokens}, {"output_tokens", p.output_tokens},
                      {"plan", p.plan}, {"chips", p.chips}, {"fits", p.fits}};
  if (!p.error.empty()) j["error"] = p.error;
  if (!p.fits || !p.error.empty()) return j;
  j["closed_form_decode_tok_s_per_stream"] = p.closed_form_tok_s_per_stream;
  j["integrated_decode_tok_s_per_stream"] = p.integrated_tok_s_per_stream;
  j["des_decode_tok_s_per_stream"] = p.des_tok_s_per_stream;
  j["decode_deviation"] = p.decode_deviation;
  j["decode_deviation_parts"] = {{"kv_growth", p.kv_growth}, {"topology", p.topology}, {"residual", p.residual},
                                 {"topology_measured", p.formula_run}};
  j["closed_form_ttft_s"] = p.closed_form_ttft_s;
  j["integrated_ttft_s"] = p.integrated_ttft_s;
  j["des_ttft_s"] = p.des_ttft_s;
  j["ttft_deviation"] = p.ttft_deviation;
  if (p.pipeline_run) j["pipeline_micro_batched_decode_deviation"] = p.pipeline_deviation;
  j["expected_to_hold"] = p.expected_to_hold;
  j["holds_within_2_percent"] = p.holds;
  j["cause"] = p.cause;
  return j;
}

}  // namespace infersim
