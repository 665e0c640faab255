// The straggler penalty of expert parallelism (straggler.hpp).
#include "serving/straggler.hpp"

#include <algorithm>
#include <cmath>

#include "costmodel/step_cost.hpp"
#include "costmodel/step_time.hpp"
#include "descriptors/catalog.hpp"
#include "descriptors/input_error.hpp"
#include "interrupt/interrupt.hpp"

namespace infersim {

double expected_max_standard_normal(long long n) {
  if (n <= 1) return 0.0;
  // E[max] = integral of x n phi(x) Phi(x)^(n-1) dx; the integrand is negligible beyond |x| = 12.
  constexpr double kLimit = 12.0;
  constexpr int kSteps = 24000;  // Simpson's rule, h = 0.001
  const double h = 2 * kLimit / kSteps;
  const double nn = static_cast<double>(n);
  auto f = [nn](double x) {
    const double phi = std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI);
    const double Phi = 0.5 * std::erfc(-x / std::sqrt(2.0));
    return x * nn * phi * std::pow(Phi, nn - 1);
  };
  double sum = f(-kLimit) + f(kLimit);
  for (int i = 1; i < kSteps; ++i) sum += (i % 2 ? 4.0 : 2.0) * f(-kLimit + i * h);
  return sum * h / 3.0;
}

double uniform_rank_imbalance_theory(long long tokens, long long experts, long long top_k, long long ranks) {
  if (ranks <= 1 || tokens <= 0) return 1.0;
  const double T = static_cast<double>(tokens), E = static_cast<double>(experts), k = static_cast<double>(top_k),
               R = static_cast<double>(ranks);
  const double mean = T * k / R;
  const double sd = std::sqrt(T * k * (1 / R) * (1 - 1 / R) * (E - k) / (E - 1));
  return (mean + sd * std::sqrt(R / (R - 1)) * expected_max_standard_normal(ranks)) / mean;
}

std::vector<StragglerPoint> straggler_study(const ScenarioOptions& base, const StragglerOptions& o) {
  std::vector<StragglerPoint> out;
  std::uint64_t stream = 0;
  for (long long ep : o.eps)
    for (long long batch : o.batches)
      for (const auto& skew_text : o.skews) {
        ++stream;
        if (stop_requested()) return out;  // the points finished so far (the caller says it stopped)
        StragglerPoint p;
        p.ep = ep;
        p.batch = batch;
        p.skew = skew_text;
        ScenarioOptions so = base;
        so.ep = ep;
        if (!base.chips) so.chips = ep;
        if (!base.pp) so.pp = 1;  // the expert group is the replica: no pipeline unless asked
        // Attention tensor-parallel within an 8-chip node and data-parallel across nodes, the layout
        // of wide-EP serving (DeepSeek-V3's report, SGLang/TensorRT-LLM attention DP), unless asked.
        if (!base.tp) so.tp = std::min<long long>(ep, kStragglerAttentionTp);
        so.batch = batch;
        const Scenario s = resolve_scenario(so);
        if (!s.model.moe) {
          std::string moe_ids;
          for (const auto& id : bundled_ids("models"))
            if (load_model(id).moe) moe_ids += (moe_ids.empty() ? "" : ", ") + id;
          throw InputError("--model", s.model.id,
                           "the straggler study needs a mixture-of-experts model; bundled ones: " + moe_ids);
        }
        const MoeShape& moe = *s.model.moe;
        const RoutingSkew skew = parse_routing_skew("--routing", skew_text);
        const Plan plan = make_plan(s);
        p.plan = "tp=" + std::to_string(plan.tp) + " pp=" + std::to_string(plan.pp) + " ep=" + std::to_string(plan.ep) +
                 " chips=" + std::to_string(plan.chips);
        p.fits = plan.fits;
        p.tokens_per_expert = static_cast<double>(batch * moe.top_k) / static_cast<double>(moe.experts);
        if (!plan.fits) {
          p.not_run = "does not fit: " + plan.explanation;
          out.push_back(p);
          continue;
        }
        if (moe.experts % plan.ep != 0) {
          p.not_run = std::to_string(moe.experts) + " experts do not split evenly over " + std::to_string(plan.ep) + " ranks";
          out.push_back(p);
          continue;
        }
        const double context = static_cast<double>(s.prompt_tokens) + static_cast<double>(s.output_tokens) / 2.0;
        const StepShape shape = StepShape::decode(batch, context);
        p.closed_form_step_s = step_time(s, plan, step_cost(s, plan, shape)).total.si();
        Router router(moe.experts, moe.top_k, plan.ep, skew, Rng::stream_seed(o.seed, 1000 + stream));
        std::vector<double> steps;
        double imbalance = 0;
        // A weighted draw of a large batch costs O(tokens x top_k): poll the stop flag per draw.
        for (long long d = 0; d < o.draws && !stop_requested(); ++d) {
          StepShape drawn = shape;
          imbalance += router.route_into(drawn).rank_imbalance;
          steps.push_back(step_time(s, plan, step_cost(s, plan, drawn)).total.si());
        }
        double sum = 0;
        for (double t : steps) sum += t;
        p.drawn_step_s_mean = steps.empty() ? 0.0 : sum / static_cast<double>(steps.size());
        std::sort(steps.begin(), steps.end());
        if (!steps.empty())
          p.drawn_step_s_p90 = steps[std::min(steps.size() - 1, static_cast<std::size_t>(0.9 * static_cast<double>(steps.size())))];
        p.penalty = p.closed_form_step_s > 0 ? p.drawn_step_s_mean / p.closed_form_step_s - 1.0 : 0.0;
        p.rank_imbalance_mean = steps.empty() ? 0.0 : imbalance / static_cast<double>(steps.size());
        p.draws = static_cast<long long>(steps.size());
        if (skew.kind == RoutingSkew::Kind::uniform)
          p.theory_rank_imbalance = uniform_rank_imbalance_theory(batch, moe.experts, moe.top_k, plan.ep);
        out.push_back(p);
      }
  return out;
}

nlohmann::json to_json(const StragglerPoint& p) {
  nlohmann::json j = {{"ep", p.ep}, {"batch", p.batch}, {"routing", p.skew}, {"plan", p.plan}, {"fits", p.fits},
                      {"tokens_per_expert", p.tokens_per_expert}};
  if (!p.not_run.empty()) {
    j["not_run"] = p.not_run;
    return j;
  }
  j["closed_form_step_s"] = p.closed_form_step_s;
  j["drawn_step_s_mean"] = p.drawn_step_s_mean;
  j["drawn_step_s_p90"] = p.drawn_step_s_p90;
  j["penalty"] = p.penalty;
  j["draws"] = p.draws;
  j["rank_imbalance_mean"] = p.rank_imbalance_mean;
  if (p.theory_rank_imbalance > 0) j["theory_rank_imbalance"] = p.theory_rank_imbalance;
  return j;
}

}  // namespace infersim
