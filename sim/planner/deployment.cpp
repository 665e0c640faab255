#include "planner/deployment.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "costmodel/step_time.hpp"

namespace infersim {

namespace {
constexpr long long kMaxPipeline = 8;
constexpr double kSramScaleBytes = 16e9;
constexpr double kBatchShrink = 0.85;

struct Scored {
  DeploymentChoice c;
  double score = -1;
};

// KV tokens one replica can hold once its weights are placed (same rule as serving/kv_cache).
double kv_tokens(const Scenario& s, const Plan& plan) {
  const double per_token_chip = kv_bytes_per_token_per_chip(s, plan);
  const double free = plan.usable_bytes_per_chip.si() - plan.weights_bytes_per_chip.si();
  return per_token_chip > 0 && free > 0 ? free / per_token_chip : 0.0;
}

}  // namespace

double pipeline_round_prefill_tokens(double requests_per_step, double mean_tokens, double sd_tokens, long long groups,
                                     double room) {
  const double mu = requests_per_step * mean_tokens;
  const double sd = std::sqrt(requests_per_step * (sd_tokens * sd_tokens + mean_tokens * mean_tokens));
  if (groups <= 1 || !(sd > 0) || !(mu > 0)) return std::max(mu, 0.0);
  // E[min(max(M, 0), c)] = integral over [0, c] of P(M > y) dy, with P(M <= y) = Phi((y - mu)/sd)^n.
  const double c = room > 0 ? std::max(room, mu) : mu + 10 * sd;
  const double top = std::min(c, mu + 10 * sd);
  constexpr int kSteps = 2000;
  const double h = top / kSteps;
  double sum = 0;
  for (int i = 0; i <= kSteps; ++i) {
    const double y = h * i;
    const double phi = 0.5 * std::erfc(-(y - mu) / (sd * std::sqrt(2.0)));
    const double tail = 1.0 - std::pow(phi, static_cast<double>(groups));
    sum += (i == 0 || i == kSteps ? 0.5 : 1.0) * tail;
  }
  return std::max(mu, sum * h);
}

double steady_step_s(const Scenario& s, const Plan& plan, double batch, const DeploymentQuery& q, double prefill_scale) {
  StepShape shape = StepShape::decode(static_cast<long long>(batch), q.mean_input_tokens + q.mean_output_tokens / 2);
  const double new_requests = prefill_scale * batch / std::max(1.0, q.mean_output_tokens);
  StepShape prefill = StepShape::prefill(1, new_requests * q.mean_input_tokens, 0.0);
  shape.sequences += new_requests;
  shape.new_tokens += prefill.new_tokens;
  shape.attended_tokens += new_requests * q.mean_input_tokens * mean_attended_tokens(0, q.mean_input_tokens);
  return step_time(s, plan, step_cost(s, plan, shape)).total.si();
}

namespace {
std::string describe(const DeploymentChoice& c) {
  std::ostringstream o;
  o.precision(4);
  o << c.replicas << " x (tp=" << c.tp << " pp=" << c.pp << " ep=" << c.ep
    << (c.ep > c.tp ? ", " + std::to_string(c.ep / c.tp) + " attention data-parallel copies" : "") << "), batch "
    << c.batch
    << (c.groups > 1 ? " x " + std::to_string(c.groups) + " micro-batch groups" : "") << ": "
    << c.tok_s_per_chip << " tok/s per chip (step " << c.step_s * 1e3 << " ms)";
  return o.str();
}
}  // namespace

DeploymentChoice search_deployment(const Scenario& s, const DeploymentQuery& q) {
  const Model& m = s.model;
  const long long domain = std::max<long long>(1, s.hw.scale_up.domain_chips);
  Scored best, second;
  std::vector<Scored> all;
  // SRAM machines (a few hundred MB per chip) hold a model only as a long pipeline: every layer
  // count is tried there; HBM machines stop at kMaxPipeline.
  const bool sram_scale = s.hw.total_capacity_bytes().value < kSramScaleBytes;
  // A caller's fixed depth is tried whatever it is (the fewest chips' plan may need more stages).
  const long long max_pp = q.pp ? std::min(*q.pp, m.layers) : sram_scale ? m.layers : std::min(kMaxPipeline, m.layers);
  for (long long pp = 1; pp <= max_pp; ++pp) {
    if (q.pp && pp != *q.pp) continue;
    for (long long tp = 1; tp <= std::min(domain, m.attention_heads); ++tp) {
      if (m.attention_heads % tp != 0) continue;
      if (q.tp && tp != *q.tp) continue;
      // Expert-parallel degrees: the tensor-parallel group's (or 1), and for MoE models every
      // attention data-parallel width a (ep = tp x a) whose chips divide the deployment and the
      // experts and fit the scale-up domain (the all-to-alls of every MoE layer stay on the fast network).
      std::vector<long long> eps = {(m.moe && tp > 1 && m.moe->experts % tp == 0) ? tp : 1};
      const bool wide = m.moe && s.calibration.attention_data_parallel;  // the stack can run it
      for (long long ep = 2 * tp; wide && ep <= std::min(domain, m.moe->experts); ep += tp)
        if (m.moe->experts % ep == 0) eps.push_back(ep);
      if (q.ep) eps = {*q.ep};
      for (const long long ep : eps) {
        if (ep != 1 && (ep % tp != 0 || !m.moe || m.moe->experts % ep != 0)) continue;
        if (q.chips % replica_chips(tp, pp, ep) != 0) continue;
        const Plan plan = plan_with(s, tp, pp, ep);
        if (plan.weights_bytes_per_chip.si() >= plan.usable_bytes_per_chip.si()) continue;
        const double tokens = kv_tokens(s, plan);
        if (tokens < q.min_kv_tokens) continue;
        const double per_seq = q.mean_input_tokens + q.mean_output_tokens / 2;
        // Pipelined replicas keep pp micro-batch groups in flight: each group holds 1/pp of the
        // sequences and crosses every stage per step while the other groups use the other stages.
        const double groups = q.pipeline_groups ? static_cast<double>(pp) : 1.0;
        double batch = std::floor(std::min(static_cast<double>(q.max_sequences), tokens / per_seq) / groups);
        if (batch < 1) continue;
        // A pipelined round goes at the pace of its slowest group (deployment.hpp).
        auto step_at = [&](double b) {
          if (groups <= 1) return steady_step_s(s, plan, b, q);
          const double per_step = b / std::max(1.0, q.mean_output_tokens);
          const double mean = per_step * q.mean_input_tokens;
          // The budget's room for prefill once the decodes are in (0: no cap; a full budget: none).
          const double room =
              q.step_token_budget > 0 ? std::max(1e-9, static_cast<double>(q.step_token_budget) - b) : 0.0;
          const double slowest = pipeline_round_prefill_tokens(per_step, q.mean_input_tokens, q.input_tokens_sd,
                                                               static_cast<long long>(groups), room);
          return steady_step_s(s, plan, b, q, mean > 0 ? slowest / mean : 1.0);
        };
        double step = step_at(batch);
        while (q.tpot_limit_s > 0 && step > q.tpot_limit_s && batch > 1) {
          batch = std::max(1.0, std::floor(batch * kBatchShrink));
          step = step_at(batch);
        }
        Scored c;
        c.c.found = true;
        c.c.tp = tp;
        c.c.pp = pp;
        c.c.ep = ep;
        c.c.replicas = q.chips / plan.chips;
        c.c.batch = static_cast<long long>(batch);
        c.c.groups = static_cast<long long>(groups);
        c.c.step_s = step;
        c.c.tok_s_per_chip = static_cast<double>(c.c.replicas) * groups * batch / step / static_cast<double>(q.chips);
        c.score = c.c.tok_s_per_chip;
        if (q.tpot_limit_s > 0 && step > q.tpot_limit_s) c.score *= 1e-6;  // misses the limit even at batch 1
        all.push_back(c);
        // Ties (within 0.1 %) go to the simpler replica: fewer pipeline stages, then less tensor parallelism.
        if (c.score > best.score * 1.001) {
          second = best;
          best = c;
        } else if (c.score > second.score) {
          second = c;
        }
      }
    }
  }
  DeploymentChoice out = best.c;
  if (!out.found) {
    std::string given;
    if (q.tp) given += " tp=" + std::to_string(*q.tp);
    if (q.pp) given += " pp=" + std::to_string(*q.pp);
    out.explanation = "no replica shape" + (given.empty() ? "" : " with" + given + " (tp must divide the model's " +
                                                                 std::to_string(m.attention_heads) + " attention heads)") +
                      " dividing " + std::to_string(q.chips) + " chips holds the weights and one request's KV cache";
    return out;
  }
  std::stable_sort(all.begin(), all.end(), [](const Scored& a, const Scored& b) { return a.score > b.score; });
  for (const Scored& c : all) out.ranked.push_back(c.c);
  // The choice leads the list whatever the tie rule did (the loop keeps the simpler of near-ties).
  std::stable_partition(out.ranked.begin(), out.ranked.end(),
                        [&](const DeploymentChoice& c) { return c.tp == out.tp && c.pp == out.pp && c.ep == out.ep; });
  out.explanation = "best of the replica shapes on " + std::to_string(q.chips) + " chips: " + describe(best.c);
  if (second.c.found) out.explanation += "; runner-up " + describe(second.c);
  return out;
}

}  // namespace infersim
